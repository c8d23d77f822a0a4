package conformance

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/solidsdk/solid-go/internal/redact"
)

// minPiece is the shortest piece of the key Scrub masks on its own: a
// server may echo a key cut short, and 8 bytes of a key are too many to
// publish.
const minPiece = 8

// Scrub returns s fit for a report: control characters as spaces, the key,
// tokens and any piece of the key (minPiece bytes or more) masked, then
// cut to n bytes. Masking comes before the cut: cutting first could keep
// the start of a key that no longer matches it whole.
func Scrub(s, key string, n int) string {
	s = redact.Secrets(printable(s), key)
	s = maskPieces(s, key)
	if len(s) > n {
		i := n
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
		s = s[:i] + "..."
	}
	return s
}

// printable replaces invalid UTF-8 and control characters, one for one,
// so a report cannot drive a terminal and no two parts of s join.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

// maskPieces masks each run of s, minPiece bytes or longer, that is also
// in key.
func maskPieces(s, key string) string {
	if len(key) < minPiece || len(s) < minPiece {
		return s
	}
	var b strings.Builder
	done := 0 // s[:done] is in b
	for i := 0; i+minPiece <= len(s); {
		l := longestIn(s[i:], key)
		if l < minPiece {
			i++
			continue
		}
		b.WriteString(s[done:i])
		b.WriteString(redact.Mask)
		i += l
		done = i
	}
	if done == 0 {
		return s
	}
	b.WriteString(s[done:])
	return b.String()
}

// longestIn is the length of the longest prefix of s found in key.
func longestIn(s, key string) int {
	best := 0
	for j := 0; j < len(key); j++ {
		l := 0
		for l < len(s) && j+l < len(key) && s[l] == key[j+l] {
			l++
		}
		best = max(best, l)
	}
	return best
}

// scrubValue returns a copy of a decoded JSON value with the key and
// tokens masked in every string and object key, before it is encoded:
// JSON escaping could otherwise hide a key from the masking.
func scrubValue(v any, key string) any {
	switch x := v.(type) {
	case string:
		return maskPieces(redact.Secrets(x, key), key)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = scrubValue(e, key)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[scrubValue(k, key).(string)] = scrubValue(e, key)
		}
		return out
	}
	return v
}

// jsonText encodes v as a finding shows it: no HTML escaping, no newline.
func jsonText(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
	return strings.TrimSuffix(b.String(), "\n")
}
