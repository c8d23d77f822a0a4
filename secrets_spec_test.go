package solid_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/solidsdk/solid-go/gen"
	"github.com/solidsdk/solid-go/internal/spec"
	"github.com/solidsdk/solid-go/secret"
)

// TestGeneratedTypesNeverShowSecrets walks openapi.yaml, not the Go: for
// every operation whose request or answer holds a `format: password`
// value (at any depth), it finds the generated Go type by reflection, fills
// every property the spec declares (each secret with a value of its own),
// and prints and logs every value on the way that holds a secret, with
// fmt (%v %+v %#v %s %q %x), slog's text handler and slog's JSON handler.
// No secret may show; the JSON log must keep the other fields. A secret
// added to the spec later is covered with no new test code; one the test
// cannot reach fails it.
func TestGeneratedTypesNeverShowSecrets(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData([]byte(spec.YAML))
	if err != nil {
		t.Fatal(err)
	}
	w := &secretWalk{t: t, holds: map[*openapi3.Schema]bool{}, checked: map[string]bool{}}
	api := reflect.TypeOf(&gen.ClientWithResponses{})
	roots := 0
	paths := doc.Paths.InMatchingOrder()
	sort.Strings(paths)
	for _, path := range paths {
		for method, o := range doc.Paths.Value(path).Operations() {
			name := strings.ToUpper(o.OperationID[:1]) + o.OperationID[1:] + "WithResponse"
			m, ok := api.MethodByName(name)
			if !ok {
				t.Errorf("%s %s: no method %s on gen.ClientWithResponses", method, path, name)
				continue
			}
			if rb := o.RequestBody; rb != nil && rb.Value != nil {
				if c := rb.Value.Content.Get("application/json"); c != nil && w.holdsSecret(c.Schema) {
					// (receiver, ctx, path params..., params, body, editors...)
					roots++
					w.check(o.OperationID+" request", c.Schema, m.Type.In(m.Type.NumIn()-2))
				}
			}
			respType := m.Type.Out(0).Elem()
			for code, r := range o.Responses.Map() {
				if r.Value == nil {
					continue
				}
				c := r.Value.Content.Get("application/json")
				if c == nil || !w.holdsSecret(c.Schema) {
					continue
				}
				field := "JSON" + code
				if code == "default" {
					field = "JSONDefault"
				}
				f, ok := respType.FieldByName(field)
				if !ok {
					t.Errorf("%s: no field %s in %s", o.OperationID, field, respType)
					continue
				}
				roots++
				v := w.check(o.OperationID+" "+code, c.Schema, f.Type)
				w.checkResponse(o.OperationID+" "+code, respType, field, v)
			}
		}
	}
	if roots == 0 {
		t.Fatal("no operation holds a secret: the test saw nothing")
	}
	for name, s := range doc.Components.Schemas {
		if w.holdsSecret(s) && !w.checked[name] {
			t.Errorf("schema %s holds a secret but no operation reaches it, so this test built no %s", name, name)
		}
	}
}

type secretWalk struct {
	t       *testing.T
	holds   map[*openapi3.Schema]bool
	checked map[string]bool // component schemas checked
	n       int             // secrets made so far
}

// holdsSecret reports whether a value of schema can hold a `format:
// password` value, at any depth.
func (w *secretWalk) holdsSecret(ref *openapi3.SchemaRef) bool {
	if ref == nil || ref.Value == nil {
		return false
	}
	s := ref.Value
	if v, ok := w.holds[s]; ok {
		return v
	}
	w.holds[s] = false // cycles
	v := s.Format == "password" || w.holdsSecret(s.Items) || w.holdsSecret(s.AdditionalProperties.Schema) || w.holdsSecret(s.Not)
	for _, p := range s.Properties {
		v = v || w.holdsSecret(p)
	}
	for _, g := range []openapi3.SchemaRefs{s.AllOf, s.OneOf, s.AnyOf} {
		for _, sub := range g {
			v = v || w.holdsSecret(sub)
		}
	}
	w.holds[s] = v
	return v
}

// node is a value on the way to a secret, to print and log.
type node struct {
	where string
	v     reflect.Value // addressable
	kept  []string      // the values of its own string fields, not secret
	// wrapper: a generated response wrapper, whose raw Body holds the
	// secrets as sent.
	wrapper bool
}

// check builds a value of type typ as schema describes it, then prints and
// logs each value in it that holds a secret. It returns the value.
func (w *secretWalk) check(where string, schema *openapi3.SchemaRef, typ reflect.Type) reflect.Value {
	v := reflect.New(typ).Elem()
	var nodes []node
	var secrets []string
	w.fill(where, schema, v, 0, &nodes, &secrets)
	if len(secrets) == 0 {
		w.t.Errorf("%s: the spec says it holds a secret, but none was set", where)
	}
	for _, nd := range nodes {
		w.noSecretShown(nd, secrets)
	}
	return v
}

// fill sets v, of the Go type generated for schema, to a value with every
// declared property: secrets get values of their own, other strings
// "keep-" values.
func (w *secretWalk) fill(where string, ref *openapi3.SchemaRef, v reflect.Value, depth int, nodes *[]node, secrets *[]string) {
	t := w.t
	if ref == nil || ref.Value == nil || depth > 8 {
		return
	}
	s := ref.Value
	if name, ok := strings.CutPrefix(ref.Ref, "#/components/schemas/"); ok {
		where = name
	}
	for v.Kind() == reflect.Pointer {
		v.Set(reflect.New(v.Type().Elem()))
		v = v.Elem()
	}
	switch {
	case s.Format == "password":
		w.n++
		val := fmt.Sprintf("s3cr3tvalue%02dz", w.n)
		*secrets = append(*secrets, val)
		switch {
		case v.Type() == reflect.TypeOf(secret.String{}):
			v.Set(reflect.ValueOf(secret.New(val)))
		case v.Kind() == reflect.String:
			t.Errorf("%s: a format: password value is a plain Go %s", where, v.Type())
			v.SetString(val)
		default:
			t.Errorf("%s: a format: password value has the Go type %s", where, v.Type())
		}
	case len(s.AllOf)+len(s.OneOf)+len(s.AnyOf) > 0 && w.holdsSecret(ref):
		t.Errorf("%s: a secret inside allOf/oneOf/anyOf: neither LogValue nor this test covers it yet", where)
	case len(s.Properties) > 0:
		if v.Kind() != reflect.Struct {
			t.Errorf("%s: an object with properties is a Go %s", where, v.Type())
			return
		}
		nd := node{where: where, v: v}
		names := make([]string, 0, len(s.Properties))
		for name := range s.Properties {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			p := s.Properties[name]
			f, ok := fieldByJSON(v.Type(), name)
			if !ok {
				t.Errorf("%s: no Go field for property %s", where, name)
				continue
			}
			fv := v.FieldByIndex(f.Index)
			w.fill(where+"."+name, p, fv, depth+1, nodes, secrets)
			if fv.Kind() == reflect.String && p.Value != nil && p.Value.Format != "password" {
				nd.kept = append(nd.kept, fv.String())
			}
		}
		if w.holdsSecret(ref) {
			*nodes = append(*nodes, nd)
			if name, ok := strings.CutPrefix(ref.Ref, "#/components/schemas/"); ok {
				w.checked[name] = true
			}
		}
	case s.Items != nil:
		if v.Kind() != reflect.Slice {
			return
		}
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		w.fill(where+"[0]", s.Items, v.Index(0), depth+1, nodes, secrets)
	case s.AdditionalProperties.Schema != nil && v.Kind() == reflect.Map:
		e := reflect.New(v.Type().Elem()).Elem()
		w.fill(where+"[k]", s.AdditionalProperties.Schema, e, depth+1, nodes, secrets)
		v.Set(reflect.MakeMap(v.Type()))
		v.SetMapIndex(reflect.ValueOf("k").Convert(v.Type().Key()), e)
	case v.Type() == reflect.TypeFor[json.Number]():
		// A number the spec lets come as a string too (oneOf): any valid
		// number keeps the JSON encodable.
		v.SetString("1")
	case v.Kind() == reflect.String:
		v.SetString("keep-" + strings.Map(func(r rune) rune {
			if r == '.' || r == '[' || r == ']' {
				return '-'
			}
			return r
		}, where))
	}
}

// fieldByJSON finds the field of struct type typ whose JSON name is name.
func fieldByJSON(typ reflect.Type, name string) (reflect.StructField, bool) {
	for i := range typ.NumField() {
		f := typ.Field(i)
		if tag, _, _ := strings.Cut(f.Tag.Get("json"), ","); tag == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// noSecretShown prints and logs nd's value, and a pointer to it, every way.
func (w *secretWalk) noSecretShown(nd node, secrets []string) {
	t := w.t
	x, p := nd.v.Interface(), nd.v.Addr().Interface()
	if b, err := json.Marshal(x); !nd.wrapper && (err != nil || !containsAny(string(b), secrets)) {
		t.Errorf("%s: JSON %s, %v: want the secret in it, or this check proves nothing", nd.where, b, err)
	}
	var printed, jsonLog bytes.Buffer
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		fmt.Fprintf(&printed, verb+" "+verb+"\n", x, p)
	}
	slog.New(slog.NewTextHandler(&printed, nil)).Info("held", "v", x, "p", p)
	slog.New(slog.NewJSONHandler(&jsonLog, nil)).Info("held", "v", x, "p", p)
	for name, out := range map[string]string{"fmt and slog text": printed.String(), "slog JSON": jsonLog.String()} {
		for _, s := range secrets {
			// As text, as hex, and as the decimal bytes fmt prints a []byte in.
			if strings.Contains(out, s) || strings.Contains(out, fmt.Sprintf("%x", s)) || strings.Contains(out, strings.Trim(fmt.Sprint([]byte(s)), "[]")) {
				t.Errorf("%s: %s shows the secret %s:\n%s", nd.where, name, s, out)
			}
		}
	}
	for _, k := range nd.kept {
		if !strings.Contains(jsonLog.String(), k) {
			t.Errorf("%s: slog JSON lost the field value %q:\n%s", nd.where, k, jsonLog.String())
		}
	}
	w.checked[nd.where] = true
}

// checkResponse logs and prints the generated response wrapper holding v
// as the field, with the raw Body as the server sent it.
func (w *secretWalk) checkResponse(where string, respType reflect.Type, field string, v reflect.Value) {
	t := w.t
	raw, err := json.Marshal(v.Interface())
	if err != nil {
		t.Fatal(err)
	}
	r := reflect.New(respType).Elem()
	r.FieldByName("Body").SetBytes(raw)
	r.FieldByName("HTTPResponse").Set(reflect.ValueOf(&http.Response{StatusCode: 200}))
	r.FieldByName(field).Set(v) // v has the field's type

	var secrets []string
	for i := 1; i <= w.n; i++ {
		secrets = append(secrets, fmt.Sprintf("s3cr3tvalue%02dz", i))
	}
	w.noSecretShown(node{where: where + " " + respType.Name(), v: r, wrapper: true}, secrets)
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
