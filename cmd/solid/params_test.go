package main

import (
	"bytes"
	"context"
	"math"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/solidsdk/solid-go/internal/ops"
	"github.com/solidsdk/solid-go/solidtest"
)

// TestDataMustBeJSON: --data that is not JSON is a usage error, found
// before any request.
func TestDataMustBeJSON(t *testing.T) {
	url, requests := countingMock(t)
	env := map[string]string{"SOLID_API_KEY": solidtest.DefaultAPIKey, "SOLID_BASE_URL": url}
	tests := []struct {
		name, data, stdin string
		code              int
		stderr            string
	}{
		{name: "truncated object", data: `{"label":`, code: 2, stderr: `--data is not valid JSON: unexpected end of JSON input`},
		{name: "shell-style pairs", data: `label=x`, code: 2, stderr: `--data is not valid JSON: invalid character 'l'`},
		{name: "trailing garbage", data: `{"label":"x"} }`, code: 2, stderr: `--data is not valid JSON: invalid character '}' after top-level value`},
		{name: "empty", data: ``, code: 2, stderr: `--data is not valid JSON: empty`},
		{name: "file", data: "@" + dataFile(t, `{label: "x"}`), code: 2, stderr: `--data is not valid JSON: invalid character 'l' looking for beginning of object key string`},
		{name: "stdin", data: "-", stdin: "{\n", code: 2, stderr: `--data is not valid JSON`},
		{name: "over 1 MiB from stdin is refused, not cut", data: "-", stdin: `{"label":"` + strings.Repeat("x", 1<<20) + `"}`, code: 2, stderr: `--data: over 1048576 bytes`},
		{name: "over 1 MiB from a file", data: "@" + dataFile(t, strings.Repeat(" ", 1<<20)+`{}`), code: 2, stderr: `--data: over 1048576 bytes`},
		{name: "valid inline", data: `{"label":"ok"}`, code: 0},
		{name: "valid from stdin", data: "-", stdin: `{"label":"ok"}`, code: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := requests()
			r := runCLI(t, env, tt.stdin, "update-card", solidtest.DefaultCardID, "--data", tt.data)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d\nstderr: %s", r.code, tt.code, r.stderr)
			}
			if tt.code == 0 {
				return
			}
			if !regexp.MustCompile(tt.stderr).MatchString(r.stderr) {
				t.Errorf("stderr does not match %q:\n%s", tt.stderr, r.stderr)
			}
			if n := requests() - before; n != 0 {
				t.Errorf("%d requests sent for a usage error", n)
			}
		})
	}
}

// TestParamFlagValues: a parameter flag's value is checked against the
// parameter's Go type before any request, the error naming the flag; an
// empty value is refused rather than sent (or replaced by a random
// idempotency key).
func TestParamFlagValues(t *testing.T) {
	url, requests := countingMock(t)
	env := map[string]string{"SOLID_API_KEY": solidtest.DefaultAPIKey, "SOLID_BASE_URL": url}
	tests := []struct {
		name   string
		env    map[string]string
		args   []string
		code   int
		stderr string
	}{
		{name: "--limit abc", args: []string{"list-cards", "--limit", "abc"}, code: 2, stderr: `^solid list-cards: --limit "abc" is not a whole number\n`},
		{name: "--limit 1.5", args: []string{"list-cards", "--limit", "1.5"}, code: 2, stderr: `--limit "1.5" is not a whole number`},
		{name: "--limit empty", args: []string{"list-cards", "--limit", ""}, code: 2, stderr: `--limit is empty`},
		{name: "--limit abc without a key is still about --limit", env: map[string]string{}, args: []string{"list-cards", "--limit", "abc"}, code: 2, stderr: `--limit "abc" is not a whole number`},
		{name: "--limit 99999999999999999999", args: []string{"list-card-holders", "--limit", "99999999999999999999"}, code: 2, stderr: `--limit "99999999999999999999" is out of range`},
		{name: "--limit 10", args: []string{"list-cards", "--limit", "10"}, code: 0},
		{name: "empty --idempotency-key", args: []string{"create-set-pin-token", "--idempotency-key", "", solidtest.DefaultCardID}, code: 2,
			stderr: `--idempotency-key is empty: give a key, or leave the flag out for a new random key per call`},
		{name: "empty --idempotency-key=", args: []string{"update-card", "--idempotency-key=", solidtest.DefaultCardID, "--data", `{}`}, code: 2, stderr: `--idempotency-key is empty`},
		{name: "empty --starting-after", args: []string{"list-cards", "--starting-after", ""}, code: 2, stderr: `--starting-after is empty`},
		{name: "empty hidden alias names the alias", args: []string{"list-cards", "--starting_after", ""}, code: 2, stderr: `--starting_after is empty`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := env
			if tt.env != nil {
				e = tt.env
			}
			before := requests()
			r := runCLI(t, e, "", tt.args...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d\nstderr: %s", r.code, tt.code, r.stderr)
			}
			if tt.stderr != "" && !regexp.MustCompile(tt.stderr).MatchString(r.stderr) {
				t.Errorf("stderr does not match %q:\n%s", tt.stderr, r.stderr)
			}
			if n := requests() - before; tt.code != 0 && n != 0 {
				t.Errorf("%d requests sent for a usage error", n)
			}
		})
	}
}

type enumType string

// TestFillParams: every Go type a generated params field can have is
// filled from a flag, the error naming the flag in kebab-case.
func TestFillParams(t *testing.T) {
	ptr := func(v any) any {
		p := reflect.New(reflect.TypeOf(v))
		p.Elem().Set(reflect.ValueOf(v))
		return p.Interface()
	}
	tests := []struct {
		typ  reflect.Type
		in   string
		want any    // the field's value
		err  string // regexp, when an error is wanted
	}{
		{typ: reflect.TypeFor[string](), in: "x y", want: "x y"},
		{typ: reflect.TypeFor[*string](), in: "crd_1", want: ptr("crd_1")},
		{typ: reflect.TypeFor[enumType](), in: "open", want: enumType("open")},
		{typ: reflect.TypeFor[*enumType](), in: "open", want: ptr(enumType("open"))},
		{typ: reflect.TypeFor[int](), in: "25", want: 25},
		{typ: reflect.TypeFor[*int](), in: "-3", want: ptr(-3)},
		{typ: reflect.TypeFor[int32](), in: "2147483647", want: int32(math.MaxInt32)},
		{typ: reflect.TypeFor[*int32](), in: "2147483648", err: `^--some-field "2147483648" is out of range`},
		{typ: reflect.TypeFor[int64](), in: "-9223372036854775808", want: int64(math.MinInt64)},
		{typ: reflect.TypeFor[*int64](), in: "7", want: ptr(int64(7))},
		{typ: reflect.TypeFor[*int](), in: "1.5", err: `^--some-field "1.5" is not a whole number`},
		{typ: reflect.TypeFor[int](), in: "ten", err: `^--some-field "ten" is not a whole number`},
		{typ: reflect.TypeFor[*uint](), in: "3", want: ptr(uint(3))},
		{typ: reflect.TypeFor[uint16](), in: "-1", err: `^--some-field "-1" is not a whole number`},
		{typ: reflect.TypeFor[float32](), in: "2.5", want: float32(2.5)},
		{typ: reflect.TypeFor[*float32](), in: "10", want: ptr(float32(10))},
		{typ: reflect.TypeFor[float64](), in: "1e3", want: 1000.0},
		{typ: reflect.TypeFor[*float64](), in: "0.1", want: ptr(0.1)},
		{typ: reflect.TypeFor[*float64](), in: "abc", err: `^--some-field "abc" is not a number`},
		{typ: reflect.TypeFor[*float64](), in: "NaN", err: `^--some-field "NaN" is not a number`},
		{typ: reflect.TypeFor[float32](), in: "1e39", err: `^--some-field "1e39" is out of range`},
		{typ: reflect.TypeFor[bool](), in: "true", want: true},
		{typ: reflect.TypeFor[*bool](), in: "false", want: ptr(false)},
		{typ: reflect.TypeFor[*bool](), in: "yes", err: `^--some-field "yes" is not true or false`},
		{typ: reflect.TypeFor[[]string](), in: "a,b", want: []string{"a", "b"}},
		{typ: reflect.TypeFor[*[]int](), in: "1,2", want: ptr([]int{1, 2})},
		{typ: reflect.TypeFor[*[]int](), in: "1,x", err: `^--some-field "x" is not a whole number`},
		{typ: reflect.TypeFor[map[string]string](), in: "x", err: `^--some-field: the CLI cannot set a parameter of Go type map\[string\]string`},
	}
	for _, tt := range tests {
		t.Run(tt.typ.String()+" "+tt.in, func(t *testing.T) {
			st := reflect.StructOf([]reflect.StructField{
				{Name: "Other", Type: reflect.TypeFor[*string](), Tag: `form:"other,omitempty" json:"other,omitempty"`},
				{Name: "SomeField", Type: tt.typ, Tag: `form:"some_field" json:"some_field"`},
			})
			p, err := fillParams(st, map[string]string{"some_field": tt.in})
			if tt.err != "" {
				if err == nil || !regexp.MustCompile(tt.err).MatchString(err.Error()) {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Elem().Field(1).Interface(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("field = %#v, want %#v", got, tt.want)
			}
			if !p.Elem().Field(0).IsNil() {
				t.Errorf("a field without a flag was set")
			}
		})
	}
}

// TestRequiredParamFlag: a parameter the spec requires is a usage error
// when its flag is missing (no operation has one yet: the command is
// list-cards with limit made required).
func TestRequiredParamFlag(t *testing.T) {
	url, requests := countingMock(t)
	env := func(k string) string {
		return map[string]string{"SOLID_API_KEY": solidtest.DefaultAPIKey, "SOLID_BASE_URL": url}[k]
	}
	limit := &openapi3.Parameter{Name: "limit", In: openapi3.ParameterInQuery, Required: true}
	c := &opCommand{name: "list-cards", op: ops.Operation{ID: "listCards", Method: "GET", Path: "/v2/issuing/card"},
		flags: []paramFlag{{name: "limit", param: limit}}}
	tests := []struct {
		args   []string
		code   int
		stderr string
	}{
		{args: nil, code: 2, stderr: `^solid list-cards: --limit is required\n`},
		{args: []string{"--limit", "2"}, code: 0},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		before := requests()
		code := runOperation(context.Background(), c, tt.args, env, strings.NewReader(""), &stdout, &stderr)
		if code != tt.code || !regexp.MustCompile(tt.stderr).MatchString(stderr.String()) {
			t.Errorf("%q: exit %d, stderr %q; want %d, %q", tt.args, code, stderr.String(), tt.code, tt.stderr)
		}
		if n := requests() - before; tt.code != 0 && n != 0 {
			t.Errorf("%q: %d requests sent for a usage error", tt.args, n)
		}
	}
}
