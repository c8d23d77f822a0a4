// Package conformance finds where a server's answers drift from
// openapi.yaml: `solid conformance` runs it against Solid's sandbox, and
// `solid proxy` checks live traffic with it. Its check is stricter than
// the contract validation: it also reports what the spec does not declare
// (a field, a status, a value outside an enum, a field the spec keeps only
// as a deprecated spelling) and a missing X-Request-Id.
package conformance

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/solidsdk/solid-go/internal/redact"
)

// Finding is one difference between an answer and openapi.yaml.
type Finding struct {
	// Operation is the operationId.
	Operation string `json:"operation"`
	// Pointer is the JSON pointer (RFC 6901) of the value in the body;
	// "" for the answer as a whole (its status or a header).
	Pointer string `json:"pointer"`
	// Expected is what openapi.yaml says; Seen what the server sent, with
	// secrets redacted.
	Expected string `json:"expected"`
	Seen     string `json:"seen"`
	// RequestID is the answer's X-Request-Id, when it had one.
	RequestID string `json:"request_id,omitempty"`
}

func (f Finding) String() string {
	s := fmt.Sprintf("%s %s: expected %s, seen %s", f.Operation, orRoot(f.Pointer), f.Expected, f.Seen)
	if f.RequestID != "" {
		s += " (request " + f.RequestID + ")"
	}
	return s
}

func orRoot(p string) string {
	if p == "" {
		return "(answer)"
	}
	return p
}

// Check compares one answer of op with the spec, strictly. key is the API
// key, removed from anything reported.
func Check(op *openapi3.Operation, status int, header http.Header, body []byte, key string) []Finding {
	c := checker{op: op.OperationID, key: key}
	rid := header.Get("X-Request-Id")
	c.rid = Scrub(rid, key, maxID)
	if rid == "" {
		c.add("", "an X-Request-Id header", "none")
	}
	resp := op.Responses.Status(status)
	if resp == nil {
		resp = op.Responses.Default()
	}
	if resp == nil || resp.Value == nil {
		c.add("", "a status of "+declaredStatuses(op), strconv.Itoa(status)+describeBody(header, body))
		return c.out
	}
	mt := resp.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
		return c.out // no body declared: nothing more to compare
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		c.add("", "a JSON body", "not JSON"+describeBody(header, body))
		return c.out
	}
	c.walk(v, mt.Schema.Value, "", 0)
	return c.out
}

type checker struct {
	op, key, rid string
	out          []Finding
}

// Lengths a report cuts its texts to, after scrubbing them.
const (
	maxID   = 64  // a request id
	maxText = 200 // a pointer, an expectation, a path
	maxSeen = 80  // a value seen
)

// add reports a difference. Pointer and expectation may hold the
// server's field names, so they are scrubbed like what was seen.
func (c *checker) add(ptr, expected, seen string) {
	c.out = append(c.out, Finding{Operation: c.op, Pointer: Scrub(ptr, c.key, maxText),
		Expected: Scrub(expected, c.key, maxText), Seen: Scrub(seen, c.key, maxText), RequestID: c.rid})
}

// walk compares v with s at ptr and reports each difference once.
func (c *checker) walk(v any, s *openapi3.Schema, ptr string, depth int) {
	if s == nil || depth > 32 {
		return
	}
	if alts := append(append(openapi3.SchemaRefs{}, s.AnyOf...), s.OneOf...); len(alts) > 0 {
		// The alternative that fits best; its differences, if any.
		var best []Finding
		for i, alt := range alts {
			sub := checker{op: c.op, key: c.key, rid: c.rid}
			sub.walk(v, alt.Value, ptr, depth+1)
			if i == 0 || len(sub.out) < len(best) {
				best = sub.out
			}
		}
		c.out = append(c.out, best...)
		return
	}
	for _, all := range s.AllOf {
		c.walk(v, all.Value, ptr, depth+1)
	}
	if v == nil {
		if !s.Nullable && s.Type != nil && len(s.Type.Slice()) > 0 {
			c.add(ptr, "a "+strings.Join(s.Type.Slice(), " or "), "null")
		}
		return
	}
	if want := typeOf(s); want != "" && !fits(v, want) {
		c.add(ptr, "a "+want, jsonType(v)+" "+c.shown(v, s))
		return
	}
	if len(s.Enum) > 0 && !inEnum(v, s.Enum) {
		c.add(ptr, "one of "+enumText(s.Enum), c.shown(v, s))
	}
	switch x := v.(type) {
	case map[string]any:
		for _, r := range s.Required {
			if _, ok := x[r]; !ok {
				c.add(ptr+"/"+escape(r), "the required field "+r, "none")
			}
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := ptr + "/" + escape(k)
			prop := s.Properties[k]
			switch {
			case prop != nil && prop.Value != nil:
				if prop.Value.Deprecated {
					c.add(p, "no "+k+" (the spec keeps it only as a deprecated spelling)", "the field")
				}
				c.walk(x[k], prop.Value, p, depth+1)
			case len(s.Properties) > 0:
				c.add(p, "no field "+k+" (undeclared)", "the field")
			}
		}
	case []any:
		if s.Items != nil {
			for i, it := range x {
				c.walk(it, s.Items.Value, ptr+"/"+strconv.Itoa(i), depth+1)
			}
		}
	}
}

// shown is a value as a finding shows it: secrets (format: password)
// redacted, the key and tokens masked, then long values cut.
func (c *checker) shown(v any, s *openapi3.Schema) string {
	if s.Format == "password" {
		return redact.Mask
	}
	return Scrub(jsonText(scrubValue(v, c.key)), c.key, maxSeen)
}

func typeOf(s *openapi3.Schema) string {
	if s.Type == nil {
		if len(s.Properties) > 0 {
			return "object"
		}
		return ""
	}
	if ts := s.Type.Slice(); len(ts) == 1 {
		return ts[0]
	}
	return ""
}

func fits(v any, t string) bool {
	switch t {
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "number":
		_, ok := v.(float64)
		return ok
	case "integer":
		f, ok := v.(float64)
		return ok && f == float64(int64(f))
	}
	return true
}

func jsonType(v any) string {
	switch x := v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case float64:
		if x == float64(int64(x)) {
			return "an integer"
		}
		return "a number"
	}
	return "a value"
}

func inEnum(v any, enum []any) bool {
	for _, e := range enum {
		if fmt.Sprint(e) == fmt.Sprint(v) && jsonType(e) == jsonType(v) {
			return true
		}
	}
	return false
}

func enumText(enum []any) string {
	parts := make([]string, len(enum))
	for i, e := range enum {
		b, _ := json.Marshal(e)
		parts[i] = string(b)
	}
	return strings.Join(parts, ", ")
}

func escape(k string) string {
	return strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
}

func declaredStatuses(op *openapi3.Operation) string {
	var codes []string
	for code := range op.Responses.Map() {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	return strings.Join(codes, ", ")
}

func describeBody(h http.Header, body []byte) string {
	ct := h.Get("Content-Type")
	if ct == "" {
		return ""
	}
	return " (" + ct + ", " + strconv.Itoa(len(body)) + " bytes)"
}
