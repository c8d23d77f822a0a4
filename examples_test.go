package solid_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/solidsdk/solid-go/internal/schemas"
)

// TestDocumentedExamplesDecode decodes every example in openapi.yaml into
// the Go type generated for its schema, refusing unknown fields: a
// documented example never fails to decode, and every field it shows is
// declared. The Go type of each schema comes from internal/schemas (written
// by go generate), so a new schema needs no code here. Examples covered:
// every media type's example and examples (operations' request bodies and
// responses, components/responses, components/requestBodies), every entry
// of components/examples (each must be used by a media type, or it would
// have no type), each component schema's own example and its properties'
// examples (decoded into the struct field's Go type).
func TestDocumentedExamplesDecode(t *testing.T) {
	doc := loadSpec(t, "openapi.yaml")
	d := exampleDecoder{t: t, used: map[string]bool{}}
	for _, path := range sortedKeys(doc.Paths.Map()) {
		item := doc.Paths.Value(path)
		for method, op := range item.Operations() {
			where := method + " " + path
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				d.content(where+" request", op.RequestBody.Value.Content)
			}
			for status, r := range op.Responses.Map() {
				if r.Value != nil {
					d.content(where+" "+status, r.Value.Content)
				}
			}
		}
	}
	for _, n := range sortedKeys(doc.Components.Responses) {
		d.content("components/responses/"+n, doc.Components.Responses[n].Value.Content)
	}
	for _, n := range sortedKeys(doc.Components.RequestBodies) {
		d.content("components/requestBodies/"+n, doc.Components.RequestBodies[n].Value.Content)
	}
	for _, n := range sortedKeys(doc.Components.Examples) {
		if !d.used[n] {
			t.Errorf("components/examples/%s is used by no media type, so it has no schema and no Go type to decode into", n)
		}
	}
	for _, n := range sortedKeys(doc.Components.Schemas) {
		s := doc.Components.Schemas[n]
		mk, ok := schemas.New[n]
		if !ok {
			t.Errorf("components/schemas/%s has no entry in internal/schemas: run go generate", n)
			continue
		}
		d.schema("components/schemas/"+n, s.Value, reflect.TypeOf(mk()).Elem(), 0)
	}
	if len(schemas.New) != len(doc.Components.Schemas) {
		t.Errorf("internal/schemas has %d types, openapi.yaml %d schemas: run go generate", len(schemas.New), len(doc.Components.Schemas))
	}
	t.Logf("decoded %d examples", d.decoded)
	if d.decoded < 20 {
		t.Errorf("decoded only %d examples; the walk is missing some", d.decoded)
	}
}

type exampleDecoder struct {
	t       *testing.T
	used    map[string]bool // components/examples referenced by a media type
	decoded int
}

// strictDecode decodes v, as JSON, into a new value of typ, refusing
// fields typ lacks.
func strictDecode(v any, typ reflect.Type) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(reflect.New(typ).Interface())
}

// content decodes the examples of each media type into the type of its
// schema: a $ref to a component schema, or an anyOf/oneOf of such refs
// (the example must decode into one of them).
func (d *exampleDecoder) content(where string, content openapi3.Content) {
	d.t.Helper()
	for _, mt := range sortedKeys(content) {
		m := content[mt]
		var examples []struct {
			name string
			v    any
		}
		if m.Example != nil {
			examples = append(examples, struct {
				name string
				v    any
			}{"example", m.Example})
		}
		for _, k := range sortedKeys(m.Examples) {
			ex := m.Examples[k]
			if ex == nil || ex.Value == nil || ex.Value.Value == nil {
				d.t.Errorf("%s %s example %s has no value", where, mt, k)
				continue
			}
			if name, ok := strings.CutPrefix(ex.Ref, "#/components/examples/"); ok {
				d.used[name] = true
			}
			examples = append(examples, struct {
				name string
				v    any
			}{"example " + k, ex.Value.Value})
		}
		if len(examples) == 0 {
			continue
		}
		if m.Schema == nil {
			d.t.Errorf("%s %s has examples but no schema", where, mt)
			continue
		}
		refs := []string{m.Schema.Ref}
		if m.Schema.Ref == "" && m.Schema.Value != nil {
			refs = nil
			for _, alt := range append(m.Schema.Value.AnyOf, m.Schema.Value.OneOf...) {
				refs = append(refs, alt.Ref)
			}
		}
		for _, ex := range examples {
			d.decodeOneOf(where+" "+mt+" "+ex.name, refs, ex.v)
		}
	}
}

func (d *exampleDecoder) decodeOneOf(where string, refs []string, v any) {
	d.t.Helper()
	if len(refs) == 0 {
		d.t.Errorf("%s: the schema is inline, so it has no generated type of its own to decode the example into: use a $ref to components/schemas", where)
		return
	}
	var errs []string
	for _, ref := range refs {
		name, ok := strings.CutPrefix(ref, "#/components/schemas/")
		if !ok {
			d.t.Errorf("%s: schema %q is not a $ref to components/schemas", where, ref)
			return
		}
		mk, ok := schemas.New[name]
		if !ok {
			d.t.Errorf("%s: schema %s has no entry in internal/schemas: run go generate", where, name)
			return
		}
		if err := strictDecode(v, reflect.TypeOf(mk()).Elem()); err != nil {
			errs = append(errs, name+": "+err.Error())
			continue
		}
		d.decoded++
		return
	}
	d.t.Errorf("%s: the example decodes into no generated type: %s", where, strings.Join(errs, "; "))
}

// schema decodes s's own example into typ, then each property's example
// into the type of the struct field that property is (found by its json
// name), descending into inline objects; $ref'd properties are component
// schemas, checked on their own.
func (d *exampleDecoder) schema(where string, s *openapi3.Schema, typ reflect.Type, depth int) {
	d.t.Helper()
	if s == nil || depth > 8 {
		return
	}
	if s.Example != nil {
		if err := strictDecode(s.Example, typ); err != nil {
			d.t.Errorf("%s: example does not decode into %s: %v", where, typ, err)
		} else {
			d.decoded++
		}
	}
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	if typ.Kind() == reflect.Slice && s.Items != nil && s.Items.Ref == "" {
		d.schema(where+"[]", s.Items.Value, typ.Elem(), depth+1)
		return
	}
	if typ.Kind() != reflect.Struct {
		return
	}
	for _, n := range sortedKeys(s.Properties) {
		p := s.Properties[n]
		if p.Ref != "" || p.Value == nil {
			continue
		}
		f, ok := jsonField(typ, n)
		if !ok {
			d.t.Errorf("%s: property %s has no field in %s", where, n, typ)
			continue
		}
		d.schema(where+"."+n, p.Value, f.Type, depth+1)
	}
}

// jsonField finds the field of struct type typ whose JSON name is name.
func jsonField(typ reflect.Type, name string) (reflect.StructField, bool) {
	for i := range typ.NumField() {
		f := typ.Field(i)
		if tag, _, _ := strings.Cut(f.Tag.Get("json"), ","); tag == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func sortedKeys[M ~map[string]V, V any](m M) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
