package conformance

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/solidsdk/solid-go/internal/specval"
)

// reportKey is long enough that a cut could leave a telling part of it.
const reportKey = "sk_test_report_key_9f8e7d6c5b4a39281706"

// keyFragment returns a piece of key (8 bytes or more) that out holds.
func keyFragment(out, key string) string {
	const n = 8
	for i := 0; i+n <= len(key); i++ {
		if strings.Contains(out, key[i:i+n]) {
			return key[i : i+n]
		}
	}
	return ""
}

func TestScrub(t *testing.T) {
	const key = "sk_test_scrub_key_0123456789"
	tests := []struct {
		name, in string
		n        int
	}{
		{"the key whole", "req_" + key, 64},
		{"the key cut by the limit", strings.Repeat("r", 50) + key, 64},
		{"a piece of the key from the server", "req_" + key[:12], 64},
		{"the key's tail", key[10:] + " end", 64},
		{"a token", "card_pin_test_0123456789abcdef", 64},
		{"control characters", "a\x1b[31mred\x00" + key, 64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Scrub(tt.in, key, tt.n)
			if frag := keyFragment(got, key); frag != "" {
				t.Errorf("Scrub(%q) = %q: holds %q", tt.in, got, frag)
			}
			if strings.Contains(got, "card_pin_") || strings.ContainsAny(got, "\x1b\x00") {
				t.Errorf("Scrub(%q) = %q", tt.in, got)
			}
			if len(got) > tt.n+len("...") {
				t.Errorf("Scrub(%q) = %q: %d bytes, over %d", tt.in, got, len(got), tt.n)
			}
		})
	}
	if got := Scrub("req_abc", key, 64); got != "req_abc" {
		t.Errorf("Scrub changed text without secrets: %q", got)
	}
	if got := Scrub(strings.Repeat("x", 100), key, 10); !bytes.Equal([]byte(got), []byte("xxxxxxxxxx...")) {
		t.Errorf("Scrub cut to %q", got)
	}
}

// TestCheckScrubs: a finding holds no piece of the key, wherever the
// server put it, however long the text around it.
func TestCheckScrubs(t *testing.T) {
	v, err := specval.Default()
	if err != nil {
		t.Fatal(err)
	}
	getCard := v.Doc().Paths.Find("/v2/issuing/card/{card_id}").Get
	long := strings.Repeat("x", 60)          // the old cut, at 77, kept 16 bytes of the key
	const odd = "sk_test_a&b<c>d_0123456789" // JSON escapes & < >
	tests := []struct {
		name string
		rid  string
		body string
		key  string // default reportKey
	}{
		{"in the request id, past the cut", "req_" + strings.Repeat("0", 50) + reportKey, `{"extra":1}`, ""},
		{"in a value outside an enum, past the cut", "req_1", `{"status":"` + long + reportKey + `"}`, ""},
		{"in a value of the wrong type", "req_1", `{"label":{"k":"` + long + reportKey + `"}}`, ""},
		{"in an undeclared field's name", "req_1", `{"` + reportKey + `":1}`, ""},
		{"JSON-escaped in a value", "req_1", `{"status":"` + strings.ReplaceAll(reportKey, "_", `\u005f`) + `"}`, ""},
		{"a piece of it, in a value", "req_1", `{"status":"` + reportKey[:16] + `"}`, ""},
		{"a key JSON escapes, in a value of the wrong type", "req_1", `{"label":["` + odd + `"]}`, odd},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := tt.key
			if key == "" {
				key = reportKey
			}
			h := http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {tt.rid}}
			fs := Check(getCard, 200, h, []byte(tt.body), key)
			if len(fs) == 0 {
				t.Fatal("no finding")
			}
			var out strings.Builder
			for _, f := range fs {
				out.WriteString(f.String() + "\n" + jsonText(f) + "\n")
			}
			if frag := keyFragment(out.String(), key); frag != "" {
				t.Errorf("findings hold %q of the key:\n%s", frag, &out)
			}
		})
	}
}
