// Package secret holds [String], the type openapi.yaml gives to values that
// must never be printed: PIN tokens and show tokens. The spec marks such a
// field with `format: password` and `x-go-type: secret.String`, so every
// generated type that carries one redacts it without per-operation code.
//
//	tok := gen.SetPinToken{Id: "crd_…", SetPinToken: secret.New("card_pin_test_…")}
//	fmt.Printf("%+v\n", tok)      // {Id:crd_… SetPinToken:[REDACTED]}
//	device.Send(tok.SetPinToken.Reveal())
package secret

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
)

// Mask is what a String prints instead of its value.
const Mask = "[REDACTED]"

// String is a secret string. It prints as [Mask] under every fmt verb
// (%v, %+v, %#v, %s, %q, %x, ...) and in log/slog records, so a struct
// holding one can be printed or logged as a whole. Its value is still
// there for code that needs it: [String.Reveal], and JSON encoding, which
// writes the value itself since the JSON goes to Solid or to the
// cardholder's device.
//
// The value sits behind a pointer, not in a plain string field: when fmt
// meets a verb that does not fit a value (%s of a struct holding a
// pointer, say) it prints the value by reflection without calling Format,
// but it never follows a pointer nested in a struct.
//
// JSON encoding is the one way out: slog's JSONHandler encodes a struct
// with encoding/json. The generated types of package gen that hold a
// String have a generated LogValue that masks it, so they log safely with
// any handler; a struct of your own that holds one needs a LogValue of its
// own, a text handler, or the String logged by itself (its LogValue
// redacts).
type String struct{ p *string }

// New returns a String holding v.
func New(v string) String { return String{p: &v} }

// Reveal returns the secret value; "" for the zero String.
func (s String) Reveal() string {
	if s.p == nil {
		return ""
	}
	return *s.p
}

// IsZero reports whether s holds nothing or "".
func (s String) IsZero() bool { return s.Reveal() == "" }

// String returns [Mask].
func (String) String() string { return Mask }

// GoString returns [Mask], for %#v.
func (String) GoString() string { return Mask }

// Format writes [Mask] for every verb and flag.
func (String) Format(f fmt.State, _ rune) { io.WriteString(f, Mask) }

// LogValue keeps the value out of slog records.
func (String) LogValue() slog.Value { return slog.StringValue(Mask) }

// MarshalJSON encodes the value itself: JSON is how the secret reaches
// the code or device that needs it.
func (s String) MarshalJSON() ([]byte, error) { return json.Marshal(s.Reveal()) }

// UnmarshalJSON decodes a JSON string (null leaves s unchanged).
func (s *String) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var v string
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("secret.String: want a JSON string: %w", err)
	}
	s.p = &v
	return nil
}
