// Package specoverlay adds an overlay's blocks to an OpenAPI document, so a
// test fixture can be a spec plus a few additions, built when used, rather
// than a copy that drifts from the spec. The spec-evolution fixture is
// openapi.yaml plus testdata/spec-evolution/overlay.yaml.
package specoverlay

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Merge returns base with overlay's entries added, as text: the entries
// of overlay's paths block go at the top of base's paths block, and the
// entries of each block under overlay's components (schemas, parameters,
// ...) at the top of the block of the same name under base's components.
// Nothing of base is changed or replaced: an overlay entry whose name base
// already has is an error, as is an overlay block base lacks, or any other
// top-level key. The result must load as an OpenAPI document with base's
// entries and the overlay's. Both documents use block style, indented by
// two spaces, as openapi.yaml does; base keeps its text, comments and
// order, so what lints and generates from the result is base as written.
func Merge(base, overlay []byte) ([]byte, error) {
	out := strings.SplitAfter(string(base), "\n")
	ov := strings.SplitAfter(string(overlay), "\n")
	top := blocks(ov, 0, len(ov), 0)
	if len(top) == 0 {
		return nil, fmt.Errorf("overlay: no paths or components block")
	}
	added := map[string][]string{} // "paths" or "components/<name>": entry names
	// Insert from the end of base backwards, so earlier indexes stay put.
	type insertion struct {
		at    int
		lines []string
	}
	var ins []insertion
	baseTop := blocks(out, 0, len(out), 0)
	for _, b := range top {
		switch b.key {
		case "paths":
			at, ok := find(baseTop, "paths")
			if !ok {
				return nil, fmt.Errorf("overlay adds paths, but the base document has no paths block")
			}
			added["paths"] = entryNames(ov, b, 2)
			if err := refuseReplace("paths", entryNames(out, at, 2), added["paths"]); err != nil {
				return nil, err
			}
			ins = append(ins, insertion{at.start + 1, ov[b.start+1 : b.end]})
		case "components":
			comp, ok := find(baseTop, "components")
			if !ok {
				return nil, fmt.Errorf("overlay adds components, but the base document has no components block")
			}
			baseKinds := blocks(out, comp.start+1, comp.end, 2)
			for _, k := range blocks(ov, b.start+1, b.end, 2) {
				at, ok := find(baseKinds, k.key)
				if !ok {
					return nil, fmt.Errorf("overlay adds components/%s, but the base document has no such block", k.key)
				}
				added["components/"+k.key] = entryNames(ov, k, 4)
				if err := refuseReplace("components/"+k.key, entryNames(out, at, 4), added["components/"+k.key]); err != nil {
					return nil, err
				}
				ins = append(ins, insertion{at.start + 1, ov[k.start+1 : k.end]})
			}
		default:
			return nil, fmt.Errorf("overlay: top-level key %q: only paths and components can be added to", b.key)
		}
	}
	for i := range ins {
		for j := i + 1; j < len(ins); j++ {
			if ins[j].at > ins[i].at {
				ins[i], ins[j] = ins[j], ins[i]
			}
		}
	}
	for _, in := range ins {
		body := append([]string(nil), in.lines...)
		for len(body) > 0 && strings.TrimSpace(body[len(body)-1]) == "" {
			body = body[:len(body)-1]
		}
		if n := len(body); n > 0 && !strings.HasSuffix(body[n-1], "\n") {
			body[n-1] += "\n"
		}
		out = append(out[:in.at], append(body, out[in.at:]...)...)
	}
	merged := []byte(strings.Join(out, ""))
	if err := check(base, merged, added); err != nil {
		return nil, err
	}
	return merged, nil
}

// refuseReplace fails if an added entry's name is one the base has.
func refuseReplace(block string, have, add []string) error {
	for _, a := range add {
		for _, h := range have {
			if a == h {
				return fmt.Errorf("overlay adds %s %q, which the base document already has: an overlay only adds", block, a)
			}
		}
	}
	return nil
}

// check loads both documents and wants merged to hold base's entries and
// every added one, and no more.
func check(base, merged []byte, added map[string][]string) error {
	load := func(what string, b []byte) (*openapi3.T, error) {
		l := openapi3.NewLoader()
		doc, err := l.LoadFromData(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		return doc, nil
	}
	bd, err := load("base document", base)
	if err != nil {
		return err
	}
	md, err := load("merged document", merged)
	if err != nil {
		return err
	}
	names := func(doc *openapi3.T, block string) map[string]bool {
		m := map[string]bool{}
		switch block {
		case "paths":
			for k := range doc.Paths.Map() {
				m[k] = true
			}
		case "components/schemas":
			for k := range doc.Components.Schemas {
				m[k] = true
			}
		case "components/parameters":
			for k := range doc.Components.Parameters {
				m[k] = true
			}
		case "components/responses":
			for k := range doc.Components.Responses {
				m[k] = true
			}
		case "components/requestBodies":
			for k := range doc.Components.RequestBodies {
				m[k] = true
			}
		case "components/examples":
			for k := range doc.Components.Examples {
				m[k] = true
			}
		case "components/headers":
			for k := range doc.Components.Headers {
				m[k] = true
			}
		default:
			return nil
		}
		return m
	}
	for block, entries := range added {
		have, got := names(bd, block), names(md, block)
		if have == nil {
			return fmt.Errorf("overlay adds to %s, which this merge does not check", block)
		}
		for _, e := range entries {
			if have[e] {
				return fmt.Errorf("overlay adds %s %q, which the base document already has: an overlay only adds", block, e)
			}
			if !got[e] {
				return fmt.Errorf("overlay's %s %q is not in the merged document", block, e)
			}
		}
		if len(got) != len(have)+len(entries) {
			return fmt.Errorf("merged document has %d %s, want %d of the base and %d added", len(got), block, len(have), len(entries))
		}
	}
	return nil
}

// block is a key of a block mapping and the lines of its value:
// lines[start] is the key's line, lines[start+1:end] its value.
type block struct {
	key        string
	start, end int
}

var keyLine = regexp.MustCompile(`^( *)("[^"]+"|'[^']+'|[^\s#'"][^:]*):\s*(#.*)?\r?\n?$`)

// blocks lists the keys at exactly indent spaces in lines[from:to] whose
// value is a block (nothing after the colon), with their extents. Blank
// and comment lines belong to the block above them.
func blocks(lines []string, from, to, indent int) []block {
	var bs []block
	for i := from; i < to; i++ {
		l := lines[i]
		t := strings.TrimLeft(l, " ")
		if strings.TrimSpace(t) == "" || strings.HasPrefix(t, "#") {
			continue
		}
		n := len(l) - len(t)
		if n < indent {
			break
		}
		if n > indent {
			continue
		}
		if len(bs) > 0 && bs[len(bs)-1].end == -1 {
			bs[len(bs)-1].end = i
		}
		if m := keyLine.FindStringSubmatch(l); m != nil {
			bs = append(bs, block{key: strings.Trim(m[2], `"'`), start: i, end: -1})
		} else {
			// A key with an inline value: it ends the block above and
			// is no block itself.
			bs = append(bs, block{start: i, end: i + 1})
		}
	}
	if len(bs) > 0 && bs[len(bs)-1].end == -1 {
		bs[len(bs)-1].end = to
	}
	out := bs[:0]
	for _, b := range bs {
		if b.key != "" {
			out = append(out, b)
		}
	}
	return out
}

func find(bs []block, key string) (block, bool) {
	for _, b := range bs {
		if b.key == key {
			return b, true
		}
	}
	return block{}, false
}

// entryNames lists the keys directly under b (at indent spaces).
func entryNames(lines []string, b block, indent int) []string {
	var names []string
	for i := b.start + 1; i < b.end; i++ {
		l := lines[i]
		t := strings.TrimLeft(l, " ")
		if len(l)-len(t) != indent || strings.TrimSpace(t) == "" || strings.HasPrefix(t, "#") {
			continue
		}
		key, _, _ := strings.Cut(strings.TrimRight(t, "\r\n"), ":")
		names = append(names, strings.Trim(key, `"'`))
	}
	return names
}
