package main

import (
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Slices of openapi.yaml, one per path, so the validators and the mock can
// load a path's part of the document on its first request instead of the
// whole document at start-up (specval.Default). A path's slice is a
// self-contained document cut from the text itself, by byte ranges: the
// top-level keys but servers, paths and components (openapi, info
// without its description, security, tags), "paths:" with that one path item, and "components:"
// with the security schemes and every component the path item reaches
// through $ref, transitively, each under its type, in document order.
// The ranges are whole lines of the source, so the slice is the same YAML
// as the full document, byte for byte, where it has it.

// block is a key of the YAML document and the lines it spans: [from, to)
// byte offsets, the key's line included.
type block struct {
	name     string
	from, to int
	children []block // the keys one level in (2 spaces), for paths and components
}

// blocks splits src[from:to] into the keys at indent (in spaces). A key
// runs to the next line at that indent or less; blank lines belong to the
// key before them.
func blocks(src []byte, from, to, indent int) ([]block, error) {
	var out []block
	for off := from; off < to; {
		end := bytes.IndexByte(src[off:to], '\n')
		if end < 0 {
			end = to
		} else {
			end += off + 1
		}
		line := src[off:end]
		trimmed := bytes.TrimLeft(line, " ")
		lead := len(line) - len(trimmed)
		blank := len(bytes.TrimSpace(line)) == 0
		switch {
		case blank || lead > indent:
			if len(out) == 0 {
				return nil, fmt.Errorf("line at offset %d comes before any key at indent %d", off, indent)
			}
		case lead == indent:
			if trimmed[0] == '#' || trimmed[0] == '-' {
				return nil, fmt.Errorf("line at offset %d: want a key at indent %d, got %q", off, indent, strings.TrimSpace(string(line)))
			}
			name, _, ok := strings.Cut(strings.TrimSpace(string(trimmed)), ":")
			if !ok {
				return nil, fmt.Errorf("line at offset %d: no key in %q", off, strings.TrimSpace(string(line)))
			}
			if uq, err := strconv.Unquote(name); err == nil {
				name = uq
			} else if len(name) >= 2 && name[0] == '\'' && name[len(name)-1] == '\'' {
				name = strings.ReplaceAll(name[1:len(name)-1], "''", "'")
			}
			if len(out) > 0 {
				out[len(out)-1].to = off
			}
			out = append(out, block{name: name, from: off})
		default:
			return nil, fmt.Errorf("line at offset %d is indented less than %d inside its block", off, indent)
		}
		off = end
	}
	if len(out) > 0 {
		out[len(out)-1].to = to
	}
	return out, nil
}

// headerEnd is the offset just after the first line of b.
func headerEnd(src []byte, b block) int {
	i := bytes.IndexByte(src[b.from:b.to], '\n')
	if i < 0 {
		return b.to
	}
	return b.from + i + 1
}

var refRE = regexp.MustCompile(`\$ref:\s*["']?#/components/([A-Za-z]+)/([^"'\s,}]+)`)

// pathSlices returns, for each path of doc (read from src), the byte ranges
// of src that make its slice, flattened as [from0, to0, from1, to1, ...]
// with touching ranges merged. It fails when the text's layout is not the
// one it knows (2-space indents, one key per line), or when what it reads
// disagrees with doc, rather than cut a wrong slice.
func pathSlices(src []byte, doc *openapi3.T) (map[string][]int, error) {
	top, err := blocks(src, 0, len(src), 0)
	if err != nil {
		return nil, err
	}
	var head []block // the top-level keys every slice has
	var paths, comps *block
	for i := range top {
		b := &top[i]
		switch b.name {
		case "servers":
		case "info":
			// Without its description, most of the document's prose,
			// which validation never reads.
			kids, err := blocks(src, headerEnd(src, *b), b.to, 2)
			if err != nil {
				return nil, fmt.Errorf("info: %w", err)
			}
			head = append(head, block{name: b.name, from: b.from, to: headerEnd(src, *b)})
			for _, k := range kids {
				if k.name != "description" {
					head = append(head, k)
				}
			}
		case "paths":
			paths = b
		case "components":
			comps = b
		default:
			head = append(head, *b)
		}
	}
	if paths == nil || comps == nil {
		return nil, fmt.Errorf("no top-level paths or components")
	}
	if paths.children, err = blocks(src, headerEnd(src, *paths), paths.to, 2); err != nil {
		return nil, fmt.Errorf("paths: %w", err)
	}
	if comps.children, err = blocks(src, headerEnd(src, *comps), comps.to, 2); err != nil {
		return nil, fmt.Errorf("components: %w", err)
	}
	// components: type -> name -> block
	entries := map[string]map[string]block{}
	for i := range comps.children {
		t := &comps.children[i]
		if t.children, err = blocks(src, headerEnd(src, *t), t.to, 4); err != nil {
			return nil, fmt.Errorf("components/%s: %w", t.name, err)
		}
		entries[t.name] = map[string]block{}
		for _, e := range t.children {
			entries[t.name][e.name] = e
		}
	}
	// What was read must be what kin-openapi read.
	if got, want := len(paths.children), doc.Paths.Len(); got != want {
		return nil, fmt.Errorf("read %d paths from the text, the document has %d", got, want)
	}
	for _, p := range paths.children {
		if doc.Paths.Value(p.name) == nil {
			return nil, fmt.Errorf("read path %q from the text, the document has none", p.name)
		}
	}
	if got, want := len(entries["schemas"]), len(doc.Components.Schemas); got != want {
		return nil, fmt.Errorf("read %d schemas from the text, the document has %d", got, want)
	}
	refsOf := func(b block) ([][2]string, error) {
		var out [][2]string
		text := src[b.from:b.to]
		for _, m := range refRE.FindAllSubmatch(text, -1) {
			t, n := string(m[1]), string(m[2])
			if _, ok := entries[t][n]; !ok {
				return nil, fmt.Errorf("$ref to #/components/%s/%s, which the text lacks", t, n)
			}
			out = append(out, [2]string{t, n})
		}
		if c := bytes.Count(text, []byte("$ref")); c != len(out) {
			return nil, fmt.Errorf("%s: %d $refs, %d of them to components: only those are supported", b.name, c, len(out))
		}
		return out, nil
	}
	out := map[string][]int{}
	for _, p := range paths.children {
		need := map[[2]string]bool{}
		queue, err := refsOf(p)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.name, err)
		}
		for len(queue) > 0 {
			r := queue[0]
			queue = queue[1:]
			if need[r] {
				continue
			}
			need[r] = true
			more, err := refsOf(entries[r[0]][r[1]])
			if err != nil {
				return nil, fmt.Errorf("%s: %s/%s: %w", p.name, r[0], r[1], err)
			}
			queue = append(queue, more...)
		}
		var rs []int
		add := func(from, to int) {
			if n := len(rs); n > 0 && rs[n-1] == from {
				rs[n-1] = to
				return
			}
			rs = append(rs, from, to)
		}
		// In the document's order, so the slice reads as the document does.
		var parts []block
		parts = append(parts, head...)
		parts = append(parts, *paths, *comps)
		sort.Slice(parts, func(i, j int) bool { return parts[i].from < parts[j].from })
		for _, b := range parts {
			switch b.name {
			case "paths":
				add(b.from, headerEnd(src, b))
				add(p.from, p.to)
			case "components":
				add(b.from, headerEnd(src, b))
				for _, t := range b.children {
					first := true
					for _, e := range t.children {
						if t.name != "securitySchemes" && !need[[2]string{t.name, e.name}] {
							continue
						}
						if first {
							add(t.from, headerEnd(src, t))
							first = false
						}
						add(e.from, e.to)
					}
				}
			default:
				add(b.from, b.to)
			}
		}
		out[p.name] = rs
	}
	return out, nil
}

// skeletonOp is one operation as the lazy validator's router knows it
// before any slice is loaded: no schemas, only the statuses it declares.
type skeletonOp struct {
	id, method, path string
	responses        []string
}

func skeleton(doc *openapi3.T) []skeletonOp {
	var out []skeletonOp
	for path, item := range doc.Paths.Map() {
		for method, o := range item.Operations() {
			var codes []string
			for code := range o.Responses.Map() {
				codes = append(codes, code)
			}
			sort.Strings(codes)
			out = append(out, skeletonOp{id: o.OperationID, method: method, path: path, responses: codes})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].path != out[j].path {
			return out[i].path < out[j].path
		}
		return out[i].method < out[j].method
	})
	return out
}
