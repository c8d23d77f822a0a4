package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// TestCheckSecrets: a `format: password` value anywhere in the spec must
// have the Go type secret.String, or go generate fails.
func TestCheckSecrets(t *testing.T) {
	const typed = "{type: string, format: password, x-go-type: secret.String}"
	const plain = "{type: string, format: password}"
	doc := func(schema, response string) string {
		return `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /x:
    post:
      operationId: x
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: ` + response + `
components:
  schemas:
    S: ` + schema + "\n"
	}
	tests := []struct {
		name, schema, response string
		wantErr                string // "" for none
	}{
		{"typed secret", "{type: object, properties: {tok: " + typed + "}}", "{$ref: '#/components/schemas/S'}", ""},
		{"plain secret in a component", "{type: object, properties: {tok: " + plain + "}}", "{type: string}", "S.tok"},
		{"plain secret in an array's items", "{type: array, items: {type: object, properties: {tok: " + plain + "}}}", "{type: string}", "S[].tok"},
		{"plain secret in a map", "{type: object, additionalProperties: " + plain + "}", "{type: string}", "S{}"},
		{"plain secret in a oneOf", "{oneOf: [{type: string}, " + plain + "]}", "{type: string}", "S/1"},
		{"plain secret inline in an answer", "{type: string}", "{type: object, properties: {tok: " + plain + "}}", "POST /x 200 application/json.tok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := openapi3.NewLoader().LoadFromData([]byte(doc(tt.schema, tt.response)))
			if err != nil {
				t.Fatal(err)
			}
			err = checkSecrets(d)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("err = %v, want none", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("err = %v, want one naming %s", err, tt.wantErr)
			}
		})
	}
}

// TestRenderLogValueRefusesWhatItCannotMask: a secret the generated copy
// could not mask fails go generate instead of being skipped.
func TestRenderLogValueRefusesWhatItCannotMask(t *testing.T) {
	tests := []struct{ name, src, wantErr string }{
		{"own MarshalJSON", "type T struct{ S secret.String }\nfunc (T) MarshalJSON() ([]byte, error) { return nil, nil }", "own MarshalJSON"},
		{"embedded", "type In struct{ S secret.String }\ntype T struct{ In }", "embedded"},
		{"unexported", "type T struct{ s secret.String }", "unexported"},
		{"fixed array", "type T struct{ S [2]secret.String }", "not supported"},
		{"generic wrapper", "type N[V any] map[bool]V\ntype T struct{ S N[secret.String] }", "not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "gen.go")
			src := "package gen\n\nimport \"github.com/solidsdk/solid-go/secret\"\n\n" + tt.src + "\n"
			if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := renderLogValue(path); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want one saying %q", err, tt.wantErr)
			}
		})
	}
}

// nestedGen is generated-like Go with a secret in every shape renderLogValue
// handles; nestedCheck logs it and checks, in a module of its own built
// against this one.
const nestedGen = `package gen

import "github.com/solidsdk/solid-go/secret"

type Token = secret.String

type Inner struct {
	Tok   secret.String ` + "`json:\"tok\"`" + `
	Label string        ` + "`json:\"label\"`" + `
}

type Outer struct {
	ID     string               ` + "`json:\"id\"`" + `
	Opt    *secret.String       ` + "`json:\"opt,omitempty\"`" + `
	Alias  Token                ` + "`json:\"alias\"`" + `
	Ptr    *Inner               ` + "`json:\"ptr,omitempty\"`" + `
	Slice  []Inner              ` + "`json:\"slice\"`" + `
	PSlice *[]Inner             ` + "`json:\"pslice,omitempty\"`" + `
	Map    map[string]*Inner    ` + "`json:\"map\"`" + `
	Anon   struct{ T secret.String } ` + "`json:\"anon\"`" + `
	Empty  secret.String        ` + "`json:\"empty\"`" + `
	Plain  []string             ` + "`json:\"plain\"`" + `
}

type Clean struct{ A string }
`

const nestedCheck = `package gen

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/solidsdk/solid-go/secret"
)

func TestNested(t *testing.T) {
	s := func(v string) *secret.String { x := secret.New(v); return &x }
	in := func(n string) Inner { return Inner{Tok: secret.New("sec-" + n), Label: "keep-" + n} }
	p := in("ptr")
	sl := []Inner{in("ps")}
	o := Outer{ID: "keep-id", Opt: s("sec-opt"), Alias: secret.New("sec-alias"), Ptr: &p,
		Slice: []Inner{in("s0"), in("s1")}, PSlice: &sl, Map: map[string]*Inner{"k": &p, "nil": nil}, Plain: []string{"keep-plain"}}
	o.Anon.T = secret.New("sec-anon")
	before, _ := json.Marshal(o)
	var b bytes.Buffer
	slog.New(slog.NewJSONHandler(&b, nil)).Info("m", "o", o, "po", &o)
	slog.New(slog.NewTextHandler(&b, nil)).Info("m", "o", o)
	if strings.Contains(b.String(), "sec-") {
		t.Errorf("a secret is logged: %s", b.String())
	}
	for _, k := range []string{"keep-id", "keep-ptr", "keep-s1", "keep-ps", "keep-plain", "[REDACTED]"} {
		if !strings.Contains(b.String(), k) {
			t.Errorf("%s is not logged: %s", k, b.String())
		}
	}
	if strings.Contains(b.String(), ` + "`\"empty\":\"[REDACTED]\"`" + `) {
		t.Errorf("an empty secret is logged as if it held one: %s", b.String())
	}
	if after, _ := json.Marshal(o); !bytes.Equal(before, after) {
		t.Errorf("logging changed the value:\n%s\n%s", before, after)
	}
	var c any = Clean{}
	if _, ok := c.(slog.LogValuer); ok {
		t.Error("a type without secrets got a LogValue")
	}
}
`

// TestRenderLogValueNested generates LogValue for a secret in every shape
// (pointer, alias, slice, pointer to slice, map of pointers, anonymous
// struct, optional), then builds and runs it: nothing secret is logged,
// the rest is, and the logged value is not changed.
func TestRenderLogValueNested(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("building the generated code needs the go command: %v", err)
	}
	_, self, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(self), "..", "..")
	dir := t.TempDir()
	gen := filepath.Join(dir, "gen")
	if err := os.Mkdir(gen, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"go.mod":            "module example.com/lvtest\n\ngo 1.26\n\nrequire github.com/solidsdk/solid-go v0.0.0\n\nreplace github.com/solidsdk/solid-go => " + root + "\n",
		"gen/gen.go":        nestedGen,
		"gen/check_test.go": nestedCheck,
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := renderLogValue(filepath.Join(gen, "gen.go"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(gen, "logvalue.gen.go"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(goBin, "test", "-count=1", "./gen")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod", "GOPROXY=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the generated code fails: %v\n%s\n%s", err, out, src)
	}
}
