package solidtest

import (
	"crypto/rand"
	"encoding/base64"
	"maps"
	"slices"

	"github.com/getkin/kin-openapi/openapi3"
)

// chosen fills an answer v of schema s that holds one of several
// alternatives, picked by the request: when s has an enum field whose
// values name other properties of s (provisionCard's wallet: apple_pay,
// google_pay, samsung_pay) and req sends that field, the answer says the
// value sent, holds the property it names (from the example when the
// example has it, else made from its schema) and null for the others.
// The secrets of the chosen property (format: password) are fresh random
// strings the length of the example's, so no two answers share a
// payload. Any other answer is v as it is.
func chosen(v any, s *openapi3.Schema, req map[string]any) any {
	out, ok := v.(map[string]any)
	if !ok || s == nil || req == nil {
		return v
	}
	for _, field := range slices.Sorted(maps.Keys(s.Properties)) {
		ref := s.Properties[field]
		if ref.Value == nil || len(ref.Value.Enum) < 2 {
			continue
		}
		pick, sent := req[field].(string)
		if !sent {
			continue
		}
		var alts []string
		for _, e := range ref.Value.Enum {
			if name, ok := e.(string); ok && s.Properties[name] != nil {
				alts = append(alts, name)
			}
		}
		if len(alts) != len(ref.Value.Enum) || s.Properties[pick] == nil {
			continue // not an enum of alternatives, or a value it lacks
		}
		out[field] = pick
		for _, name := range alts {
			if name != pick {
				out[name] = nil
			}
		}
		alt := s.Properties[pick].Value
		if m, ok := out[pick].(map[string]any); !ok || m == nil {
			out[pick] = generate(alt, 0)
		}
		freshSecrets(out[pick], alt)
		return out
	}
	return v
}

// freshSecrets replaces the secret strings (format: password) of v, of
// schema s, with random base64 of about the same length.
func freshSecrets(v any, s *openapi3.Schema) {
	m, ok := v.(map[string]any)
	if !ok || s == nil {
		return
	}
	for name, ref := range s.Properties {
		if ref.Value == nil {
			continue
		}
		switch x := m[name].(type) {
		case string:
			if ref.Value.Format == "password" {
				b := make([]byte, max(base64.StdEncoding.DecodedLen(len(x)), 16))
				rand.Read(b)
				m[name] = base64.StdEncoding.EncodeToString(b)
			}
		case map[string]any:
			freshSecrets(x, ref.Value)
		}
	}
}
