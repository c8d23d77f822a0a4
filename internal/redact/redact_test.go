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
