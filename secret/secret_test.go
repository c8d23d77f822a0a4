package secret_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/solidsdk/solid-go/secret"
)

const value = "card_pin_test_01920c6725b4707688fa0ad517bdeddb"

type holder struct {
	ID    string
	Token secret.String
	Ptr   *secret.String
}

// outer holds a pointer to a struct: %s of it is a bad verb, and fmt then
// prints by reflection without calling Format.
type outer struct {
	Name string
	In   *holder
}

func TestStringNeverPrints(t *testing.T) {
	s := secret.New(value)
	h := holder{ID: "crd_1", Token: s, Ptr: &s}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10s", "%-20v", "%T %v"} {
		for name, v := range map[string]any{"value": s, "struct": h, "pointer to struct": &h, "slice": []secret.String{s},
			"map": map[string]secret.String{"k": s}, "struct holding a pointer": outer{Name: "x", In: &h}} {
			got := fmt.Sprintf(verb, v)
			if strings.Contains(got, "card_pin") || strings.Contains(got, fmt.Sprintf("%x", value)) {
				t.Errorf("%s of %s = %q: the value leaked", verb, name, got)
			}
		}
	}
	if got := fmt.Sprint(s); got != secret.Mask {
		t.Errorf("Sprint = %q, want %q", got, secret.Mask)
	}
}

func TestStringInSlog(t *testing.T) {
	s := secret.New(value)
	for name, h := range map[string]func(*bytes.Buffer) slog.Handler{
		"text": func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
		"json": func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
	} {
		var buf bytes.Buffer
		l := slog.New(h(&buf))
		l.Info("minted", "token", s, slog.Any("ptr", &s))
		if strings.Contains(buf.String(), "card_pin") || !strings.Contains(buf.String(), secret.Mask) {
			t.Errorf("%s handler: %s", name, buf.String())
		}
	}
	// The text handler prints structs with fmt, so a struct holding a
	// String is redacted there too.
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("minted", "resp", holder{ID: "crd_1", Token: s})
	if strings.Contains(buf.String(), "card_pin") {
		t.Errorf("text handler, struct: %s", buf.String())
	}
}

func TestStringGivesItsValue(t *testing.T) {
	s := secret.New(value)
	if s.Reveal() != value || s.IsZero() {
		t.Fatalf("Reveal = %q", s.Reveal())
	}
	if var0 := (secret.String{}); var0.Reveal() != "" || !var0.IsZero() {
		t.Fatalf("zero String: Reveal = %q", var0.Reveal())
	}
	b, err := json.Marshal(holder{ID: "crd_1", Token: s})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"Token":"`+value+`"`) {
		t.Errorf("JSON %s lacks the value", b)
	}
	var back holder
	if err := json.Unmarshal(b, &back); err != nil || back.Token.Reveal() != value {
		t.Errorf("round trip: %v %q", err, back.Token.Reveal())
	}
}

func TestStringDecodesOnlyStrings(t *testing.T) {
	for _, in := range []string{`{"Token":42}`, `{"Token":["x"]}`, `{"Token":{}}`} {
		var h holder
		if err := json.Unmarshal([]byte(in), &h); err == nil {
			t.Errorf("%s decoded without error", in)
		}
	}
	var h holder
	if err := json.Unmarshal([]byte(`{"Token":null}`), &h); err != nil || !h.Token.IsZero() {
		t.Errorf("null: %v, zero %v", err, h.Token.IsZero())
	}
}
