package redact

import "testing"

func TestSecrets(t *testing.T) {
	tests := []struct{ in, key, want string }{
		{"nothing here", "sk_1", "nothing here"},
		{"bad key sk_1 sent", "sk_1", "bad key [REDACTED] sent"},
		{"token card_pin_test_0192abc, again card_pin_live_x", "", "token [REDACTED], again [REDACTED]"},
		{"sk_1 and card_pin_test_1", "sk_1", "[REDACTED] and [REDACTED]"},
		{"empty key leaves text", "", "empty key leaves text"},
	}
	for _, tt := range tests {
		if got := Secrets(tt.in, tt.key); got != tt.want {
			t.Errorf("Secrets(%q, %q) = %q, want %q", tt.in, tt.key, got, tt.want)
		}
	}
}

// TestCut: text cut inside a secret keeps no start of it.
func TestCut(t *testing.T) {
	const key = "sk_test_abcdef"
	tests := []struct{ in, want string }{
		{"no secret", "no secret"},
		{"whole key sk_test_abcdef here", "whole key [REDACTED] here"},
		{"cut in the key sk_test_abc", "cut in the key [REDACTED]"},
		{"cut after one byte s", "cut after one byte [REDACTED]"},
		{"key then cut sk_test_abcdef sk_te", "key then cut [REDACTED] [REDACTED]"},
		{"cut token card_pin_test_01", "cut token [REDACTED]"},
		{"cut token prefix card_pi", "cut token prefix [REDACTED]"},
		{"cut show token card_show_", "cut show token [REDACTED]"},
		{"cut token, key's first byte last card_s", "cut token, key's first byte last [REDACTED]"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Cut(tt.in, key); got != tt.want {
			t.Errorf("Cut(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := Cut("ends in s", ""); got != "ends in s" {
		t.Errorf("Cut with no key = %q", got)
	}
}
