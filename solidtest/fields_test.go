package solidtest

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

func TestSameLetters(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want bool
	}{
		{"cardholder_id", "card_holder_id", true},
		{"card_holder_id", "card_holder_id", true},
		{"_a_", "a", true},
		{"", "___", true},
		{"card_id", "cardholder_id", false},
		{"ab", "a", false},
		{"a", "b", false},
	} {
		want := strings.ReplaceAll(tt.a, "_", "") == strings.ReplaceAll(tt.b, "_", "")
		if got := sameLetters(tt.a, tt.b); got != tt.want || got != want {
			t.Errorf("sameLetters(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestHasUnknown: hasUnknown agrees with unknownField's full walk.
func TestHasUnknown(t *testing.T) {
	var s openapi3.Schema
	if err := json.Unmarshal([]byte(`{"type":"object","properties":{
		"a":{"type":"string"},
		"meta":{"type":"object"},
		"list":{"type":"array","items":{"type":"object","properties":{"x":{"type":"string"}}}},
		"alt":{"oneOf":[{"type":"object","properties":{"p":{}}},{"type":"object","properties":{"q":{}}}]},
		"more":{"type":"object","properties":{"k":{}},"additionalProperties":{"type":"object","properties":{"z":{}}}}}}`), &s); err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{
		`{"a":"1"}`, `{"b":1}`, `{"meta":{"anything":1}}`, `{"list":[{"x":"1"},{"y":2}]}`, `{"list":[{"x":"1"}]}`,
		`{"alt":{"p":1}}`, `{"alt":{"q":1}}`, `{"alt":{"r":1}}`, `{"more":{"k":1,"other":{"z":1}}}`, `{"more":{"other":{"w":1}}}`, `[]`, `"s"`,
	} {
		var v any
		if err := json.Unmarshal([]byte(body), &v); err != nil {
			t.Fatal(err)
		}
		f, _ := unknownField(&s, v, "")
		if got := hasUnknown(&s, v); got != (f != "") {
			t.Errorf("%s: hasUnknown %v, unknownField %q", body, got, f)
		}
	}
}
