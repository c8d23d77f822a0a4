package solidtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// maxMessage bounds an error message: long enough for an enum's values,
// short enough for one log line.
const maxMessage = 400

// unknownFieldError is a request body field its schema does not declare.
// Stored, it would come back in every later read, an answer the spec does
// not declare.
type unknownFieldError struct {
	field string   // dotted path, e.g. "controls.limitz"
	known []string // the fields declared where it was found
}

func (e *unknownFieldError) Error() string {
	return "unknown field " + e.field + "; known here: " + list(e.known)
}

// unknownField returns the dotted path of the first field of v (in
// sorted order) that s does not declare, and the fields s declares there.
// An object schema with properties is closed unless additionalProperties
// says otherwise; one without properties (metadata) takes any field.
func unknownField(s *openapi3.Schema, v any, at string) (string, []string) {
	if s == nil {
		return "", nil
	}
	for _, alts := range []openapi3.SchemaRefs{s.OneOf, s.AnyOf} {
		if len(alts) == 0 {
			continue
		}
		// Known if some alternative knows it.
		var first string
		var firstKnown []string
		for _, a := range alts {
			f, known := unknownField(a.Value, v, at)
			if f == "" {
				return "", nil
			}
			if first == "" {
				first, firstKnown = f, known
			}
		}
		return first, firstKnown
	}
	switch v := v.(type) {
	case map[string]any:
		props := propsOf(s)
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			sub, declared := fieldSchema(s, props, k)
			switch {
			case sub != nil:
			case declared:
				continue
			default:
				known := make([]string, 0, len(props))
				for n := range props {
					known = append(known, n)
				}
				sort.Strings(known)
				return at + k, known
			}
			if f, known := unknownField(sub, v[k], at+k+"."); f != "" {
				return f, known
			}
		}
	case []any:
		if s.Items != nil {
			for _, x := range v {
				if f, known := unknownField(s.Items.Value, x, at); f != "" {
					return f, known
				}
			}
		}
	}
	return "", nil
}

// fieldSchema is what object schema s (props its properties) says of a
// field k: its schema, or nil with declared true when s takes any field
// there (no properties, or additionalProperties: true); declared is
// false for a field s does not take.
func fieldSchema(s *openapi3.Schema, props map[string]*openapi3.Schema, k string) (sub *openapi3.Schema, declared bool) {
	if sub, ok := props[k]; ok {
		return sub, true
	}
	ap := s.AdditionalProperties
	if ap.Schema != nil {
		return ap.Schema.Value, true
	}
	return nil, len(props) == 0 || (ap.Has != nil && *ap.Has)
}

// hasUnknown reports whether unknownField finds a field, cheaply: in no
// order, and without listing what is known.
func hasUnknown(s *openapi3.Schema, v any) bool {
	if s == nil {
		return false
	}
	for _, alts := range []openapi3.SchemaRefs{s.OneOf, s.AnyOf} {
		if len(alts) == 0 {
			continue
		}
		for _, a := range alts {
			if !hasUnknown(a.Value, v) {
				return false
			}
		}
		return true
	}
	switch v := v.(type) {
	case map[string]any:
		props := propsOf(s)
		for k, x := range v {
			sub, declared := fieldSchema(s, props, k)
			if !declared {
				return true
			}
			if sub != nil && hasUnknown(sub, x) {
				return true
			}
		}
	case []any:
		if s.Items != nil {
			for _, x := range v {
				if hasUnknown(s.Items.Value, x) {
					return true
				}
			}
		}
	}
	return false
}

// collect adds the properties of s and of its allOf parts to props.
// propsOf is what collect finds in s, kept per schema (the spec's schemas
// do not change once loaded); callers must not modify it.
func propsOf(s *openapi3.Schema) map[string]*openapi3.Schema {
	if m, ok := propsKept.Load(s); ok {
		return m.(map[string]*openapi3.Schema)
	}
	props := map[string]*openapi3.Schema{}
	if s != nil {
		collect(s, props)
	}
	propsKept.Store(s, props)
	return props
}

var propsKept sync.Map // *openapi3.Schema: map[string]*openapi3.Schema

func collect(s *openapi3.Schema, props map[string]*openapi3.Schema) {
	for n, p := range s.Properties {
		if p != nil {
			props[n] = p.Value
		}
	}
	for _, a := range s.AllOf {
		if a.Value != nil {
			collect(a.Value, props)
		}
	}
}

// describe turns a validation error into a single-line message and the
// field it is about ("" when none). An enum's allowed values are listed,
// as many as fit maxMessage.
func describe(err error) (msg, field string) {
	var uf *unknownFieldError
	if errors.As(err, &uf) {
		return clip(uf.Error()), uf.field
	}
	var re *openapi3filter.RequestError
	isRE := errors.As(err, &re)
	where := "request"
	if isRE && re.Parameter != nil {
		field = re.Parameter.Name
		where = re.Parameter.In + " parameter " + field
	} else if isRE && re.RequestBody != nil {
		where = "request body"
	}
	var se *openapi3.SchemaError
	if !errors.As(err, &se) {
		first, _, _ := strings.Cut(err.Error(), "\n")
		return clip("request does not match openapi.yaml: " + first), field
	}
	if p := se.JSONPointer(); len(p) > 0 && field == "" {
		field = strings.Join(p, ".")
		where = "field " + field
	}
	reason := se.Reason
	if se.SchemaField == "enum" && se.Schema != nil {
		vals := make([]string, len(se.Schema.Enum))
		for i, e := range se.Schema.Enum {
			vals[i] = fmt.Sprint(e)
		}
		reason = "value " + jsonText(se.Value) + " is not one of: " + list(vals)
	}
	return clip(where + ": " + reason), field
}

// list joins values with ", ", stopping before maxMessage with a count of
// the values left out.
func list(vals []string) string {
	var b strings.Builder
	for i, v := range vals {
		if b.Len()+len(v) > maxMessage/2 {
			fmt.Fprintf(&b, "... (%d more)", len(vals)-i)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(v)
	}
	return b.String()
}

// jsonText is v as JSON, bounded.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "?"
	}
	if len(b) > 60 {
		return string(b[:57]) + "..."
	}
	return string(b)
}

// clip makes s one line of at most maxMessage bytes (plus "...").
func clip(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= maxMessage {
		return s
	}
	for i := maxMessage; i > 0; i-- {
		if s[i]&0xC0 != 0x80 {
			return s[:i] + "..."
		}
	}
	return ""
}
