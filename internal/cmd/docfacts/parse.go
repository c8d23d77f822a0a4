package main

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v4"
)

var (
	fenceRe  = regexp.MustCompile("^(`{3,})yaml[ \t]+([A-Za-z]+)[ \t]+(\\S+)[ \t]*$")
	sourceRe = regexp.MustCompile(`^#\s*Source:\s*(\S+)`)
)

// block is the OpenAPI block of a page.
type block struct {
	method, path string
	doc          map[string]any
}

// findBlock returns the page's OpenAPI fence (```` ```yaml <method> <path> ````)
// and its decoded YAML, and the URL of the page's "# Source:" line if any.
func findBlock(text string) (block, string, error) {
	var b block
	source := ""
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	var found []block
	for i := 0; i < len(lines); i++ {
		if m := sourceRe.FindStringSubmatch(lines[i]); m != nil && source == "" {
			source = m[1]
		}
		m := fenceRe.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		end := -1
		for j := i + 1; j < len(lines); j++ {
			if strings.TrimRight(lines[j], " \t") == m[1] {
				end = j
				break
			}
		}
		if end < 0 {
			return b, source, fmt.Errorf("line %d: the OpenAPI fence %q is never closed", i+1, lines[i])
		}
		doc, err := decodeYAML(strings.Join(lines[i+1:end], "\n"))
		if err != nil {
			return b, source, fmt.Errorf("line %d: OpenAPI block: %v", i+1, err)
		}
		found = append(found, block{method: strings.ToUpper(m[2]), path: m[3], doc: doc})
		i = end
	}
	switch len(found) {
	case 0:
		return b, source, fmt.Errorf("no OpenAPI block (a fence opening with ````yaml <method> <path>)")
	case 1:
		return found[0], source, nil
	}
	return b, source, fmt.Errorf("%d OpenAPI blocks; expected one", len(found))
}

// decodeYAML decodes YAML into plain Go values (map[string]any, []any,
// string, int64, float64, bool, nil), keeping timestamps and other scalars
// the way they are written.
func decodeYAML(src string) (map[string]any, error) {
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(src), &n); err != nil {
		return nil, err
	}
	if n.Kind == 0 {
		return nil, fmt.Errorf("empty")
	}
	v, err := nodeValue(&n, 0)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("not a mapping")
	}
	return m, nil
}

func nodeValue(n *yaml.Node, depth int) (any, error) {
	if depth > 200 {
		return nil, fmt.Errorf("line %d: nested too deep", n.Line)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return nodeValue(n.Content[0], depth+1)
	case yaml.AliasNode:
		return nodeValue(n.Alias, depth+1)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Tag == "!!merge" {
				mv, err := nodeValue(v, depth+1)
				if err != nil {
					return nil, err
				}
				if mm, ok := mv.(map[string]any); ok {
					for kk, vv := range mm {
						if _, dup := m[kk]; !dup {
							m[kk] = vv
						}
					}
				}
				continue
			}
			val, err := nodeValue(v, depth+1)
			if err != nil {
				return nil, err
			}
			m[k.Value] = val
		}
		return m, nil
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := nodeValue(c, depth+1)
			if err != nil {
				return nil, err
			}
			s = append(s, v)
		}
		return s, nil
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return nil, nil
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err != nil {
				return nil, err
			}
			return b, nil
		case "!!int":
			if i, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64); err == nil {
				return i, nil
			}
			var f float64
			if err := n.Decode(&f); err != nil {
				return nil, err
			}
			return f, nil
		case "!!float":
			var f float64
			if err := n.Decode(&f); err != nil {
				return nil, err
			}
			return f, nil
		}
		return n.Value, nil
	}
	return nil, fmt.Errorf("line %d: unexpected YAML node", n.Line)
}

// parsePage turns one page into the operation's facts. e is the table entry
// the page's file name names.
func parsePage(text string, e entry) (Operation, error) {
	op := Operation{OperationID: e.OperationID, Tag: e.Tag, Method: e.Method, Path: e.Path, Page: e.URL()}
	b, source, err := findBlock(text)
	if err != nil {
		return op, err
	}
	if source != "" && strings.TrimSuffix(source, ".md") != e.URL() {
		return op, fmt.Errorf("the page says it is %s, the file name says %s", source, e.URL())
	}
	if b.method != e.Method || b.path != e.Path {
		return op, fmt.Errorf("the page documents %s %s, the table says %s %s for %s", b.method, b.path, e.Method, e.Path, e.OperationID)
	}
	var p parser
	if _, ok := b.doc["openapi"]; ok {
		op.Source = SourceOpenAPI
		err = p.raw(b, &op)
	} else if paths, ok := b.doc["paths"].(map[string]any); ok && paths["path"] != nil && paths["method"] != nil {
		op.Source = SourceMintlify
		err = p.mintlify(b, &op)
	} else {
		err = fmt.Errorf("the OpenAPI block is neither an OpenAPI fragment (no `openapi:`) nor Mintlify's resolved form (no `paths: {path, method}`)")
	}
	if err != nil {
		return op, err
	}
	sortOperation(&op)
	return op, nil
}

type parser struct {
	components map[string]any
}

func (p *parser) component(ref, kind string) (map[string]any, error) {
	prefix := "#/components/" + kind + "/"
	if !strings.HasPrefix(ref, prefix) {
		return nil, fmt.Errorf("$ref %q: only %s... within the page is understood", ref, prefix)
	}
	name := strings.ReplaceAll(strings.ReplaceAll(strings.TrimPrefix(ref, prefix), "~1", "/"), "~0", "~")
	sect, _ := p.components[kind].(map[string]any)
	v, ok := sect[name].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("$ref %q: no such component on the page", ref)
	}
	return v, nil
}

// deref follows $ref chains to a component of the given kind.
func (p *parser) deref(m map[string]any, kind string) (map[string]any, error) {
	for i := 0; i < 32; i++ {
		ref, ok := m["$ref"].(string)
		if !ok {
			return m, nil
		}
		t, err := p.component(ref, kind)
		if err != nil {
			return nil, err
		}
		m = t
	}
	return nil, fmt.Errorf("$ref chain too long")
}

// raw reads a raw OpenAPI 3.0.3 fragment.
func (p *parser) raw(b block, op *Operation) error {
	p.components, _ = b.doc["components"].(map[string]any)
	paths, _ := b.doc["paths"].(map[string]any)
	item, ok := paths[b.path].(map[string]any)
	if !ok {
		return fmt.Errorf("the fragment has no path %s", b.path)
	}
	o, ok := item[strings.ToLower(b.method)].(map[string]any)
	if !ok {
		return fmt.Errorf("the fragment has no %s on %s", b.method, b.path)
	}
	var params []any
	if ps, ok := item["parameters"].([]any); ok {
		params = append(params, ps...)
	}
	if ps, ok := o["parameters"].([]any); ok {
		params = append(params, ps...)
	}
	seen := map[string]int{}
	for _, raw := range params {
		pm, ok := raw.(map[string]any)
		if !ok {
			return fmt.Errorf("a parameter is not a mapping")
		}
		pm, err := p.deref(pm, "parameters")
		if err != nil {
			return err
		}
		name, _ := pm["name"].(string)
		in, _ := pm["in"].(string)
		if name == "" || in == "" {
			return fmt.Errorf("a parameter without name or in")
		}
		prm := Param{Name: name, In: in, Required: pm["required"] == true}
		if s, ok := pm["schema"].(map[string]any); ok {
			eff, err := p.effective(s, nil)
			if err != nil {
				return fmt.Errorf("parameter %s: %v", name, err)
			}
			prm.Type, prm.Format, prm.Enum = typeOf(eff), str(eff["format"]), list(eff["enum"])
		}
		key := in + " " + name
		if i, dup := seen[key]; dup { // an operation's parameter overrides the path's
			op.Parameters[i] = prm
			continue
		}
		seen[key] = len(op.Parameters)
		op.Parameters = append(op.Parameters, prm)
	}
	if rb, ok := o["requestBody"].(map[string]any); ok {
		rb, err := p.deref(rb, "requestBodies")
		if err != nil {
			return fmt.Errorf("requestBody: %v", err)
		}
		ct, mt := pickContent(rb["content"])
		if mt != nil {
			body := &Body{ContentType: ct}
			var schemas []any
			if s, ok := mt["schema"]; ok {
				schemas = []any{s}
			}
			if body.Fields, err = p.fields(schemas); err != nil {
				return fmt.Errorf("request body: %v", err)
			}
			op.Request = body
			if err := p.examples(mt["examples"], "request", op); err != nil {
				return err
			}
		}
	}
	resps, _ := o["responses"].(map[string]any)
	for status, raw := range resps {
		r, ok := raw.(map[string]any)
		if !ok {
			return fmt.Errorf("response %s is not a mapping", status)
		}
		r, err := p.deref(r, "responses")
		if err != nil {
			return fmt.Errorf("response %s: %v", status, err)
		}
		resp := Response{Status: status}
		ct, mt := pickContent(r["content"])
		if mt != nil {
			resp.ContentType = ct
			var schemas []any
			if s, ok := mt["schema"]; ok {
				schemas = []any{s}
			}
			if resp.Fields, err = p.fields(schemas); err != nil {
				return fmt.Errorf("response %s: %v", status, err)
			}
			if err := p.examples(mt["examples"], status, op); err != nil {
				return err
			}
		}
		op.Responses = append(op.Responses, resp)
	}
	return nil
}

// mintlify reads Mintlify's resolved form.
func (p *parser) mintlify(b block, op *Operation) error {
	p.components, _ = b.doc["components"].(map[string]any)
	paths := b.doc["paths"].(map[string]any)
	if m := strings.ToUpper(str(paths["method"])); m != b.method || str(paths["path"]) != b.path {
		return fmt.Errorf("the block says %s %s under its fence %s %s", m, str(paths["path"]), b.method, b.path)
	}
	req, _ := paths["request"].(map[string]any)
	params, _ := req["parameters"].(map[string]any)
	for _, in := range []string{"path", "query", "header", "cookie"} {
		byName, _ := params[in].(map[string]any)
		for name, raw := range byName {
			pm, _ := raw.(map[string]any)
			prm := Param{Name: name, In: in}
			alts, _ := pm["schema"].([]any)
			eff, err := p.effective(map[string]any{"oneOf": alts}, nil)
			if err != nil {
				return fmt.Errorf("parameter %s: %v", name, err)
			}
			prm.Required = eff["x-required"] == true || pm["required"] == true
			prm.Type, prm.Format, prm.Enum = typeOf(eff), str(eff["format"]), list(eff["enum"])
			op.Parameters = append(op.Parameters, prm)
		}
	}
	if ct, mt := pickContent(req["body"]); mt != nil {
		body := &Body{ContentType: ct}
		alts, _ := mt["schemaArray"].([]any)
		var err error
		if body.Fields, err = p.fields(alts); err != nil {
			return fmt.Errorf("request body: %v", err)
		}
		op.Request = body
		if err := p.examples(mt["examples"], "request", op); err != nil {
			return err
		}
	}
	resps, _ := paths["response"].(map[string]any)
	for status, raw := range resps {
		resp := Response{Status: status}
		if ct, mt := pickContent(raw); mt != nil {
			resp.ContentType = ct
			alts, _ := mt["schemaArray"].([]any)
			var err error
			if resp.Fields, err = p.fields(alts); err != nil {
				return fmt.Errorf("response %s: %v", status, err)
			}
			if err := p.examples(mt["examples"], status, op); err != nil {
				return err
			}
		}
		op.Responses = append(op.Responses, resp)
	}
	return nil
}

// pickContent returns the JSON media type of a content map, or the first
// by name when there is no JSON one. Mintlify's `_mintlify/placeholder`
// (a response without a body, such as a 204) is no media type.
func pickContent(v any) (string, map[string]any) {
	c, _ := v.(map[string]any)
	delete(c, "_mintlify/placeholder")
	if len(c) == 0 {
		return "", nil
	}
	if mt, ok := c["application/json"].(map[string]any); ok {
		return "application/json", mt
	}
	keys := sortedKeys(c)
	for _, k := range keys {
		if mt, ok := c[k].(map[string]any); ok && strings.Contains(k, "/") {
			return k, mt
		}
	}
	return "", nil
}

func (p *parser) examples(v any, in string, op *Operation) error {
	exs, _ := v.(map[string]any)
	for name, raw := range exs {
		ex, ok := raw.(map[string]any)
		if !ok {
			return fmt.Errorf("example %q (%s) is not a mapping", name, in)
		}
		ex, err := p.deref(ex, "examples")
		if err != nil {
			return fmt.Errorf("example %q (%s): %v", name, in, err)
		}
		val, ok := ex["value"]
		if !ok {
			continue // externalValue or an empty example: no value to record
		}
		op.Examples = append(op.Examples, Example{In: in, Name: name, Value: val})
	}
	return nil
}

// effective merges a schema with what its $ref, allOf, oneOf and anyOf
// bring, into one schema: properties and enums are united, a required list
// is united, the first type and format win. Mintlify's per-property
// `required: true` becomes "x-required". refs holds the $refs being
// followed, to stop on a cycle.
func (p *parser) effective(s map[string]any, refs []string) (map[string]any, error) {
	out := map[string]any{}
	followed := append([]string(nil), refs...)
	var add func(s map[string]any, refs []string) error
	add = func(s map[string]any, refs []string) error {
		if ref, ok := s["$ref"].(string); ok {
			for _, r := range refs {
				if r == ref {
					out["x-cycle"] = true
					return nil
				}
			}
			t, err := p.component(ref, "schemas")
			if err != nil {
				return err
			}
			followed = append(followed, ref)
			if err := add(t, append(refs, ref)); err != nil {
				return err
			}
		}
		for k, v := range s {
			switch k {
			case "$ref", "description", "example", "examples", "title", "refIdentifier":
			case "allOf", "oneOf", "anyOf":
				subs, _ := v.([]any)
				for _, sub := range subs {
					if sm, ok := sub.(map[string]any); ok {
						if err := add(sm, refs); err != nil {
							return err
						}
					}
				}
			case "properties":
				props, _ := v.(map[string]any)
				have, _ := out["properties"].(map[string]any)
				if have == nil {
					have = map[string]any{}
					out["properties"] = have
				}
				for name, ps := range props {
					pm, _ := ps.(map[string]any)
					if pm == nil {
						pm = map[string]any{}
					}
					if old, ok := have[name].(map[string]any); ok {
						have[name] = map[string]any{"allOf": []any{old, pm}}
					} else {
						have[name] = pm
					}
				}
			case "required", "requiredProperties":
				switch r := v.(type) {
				case bool:
					if r {
						out["x-required"] = true
					}
				case []any:
					have, _ := out["x-required-list"].([]any)
					out["x-required-list"] = append(have, r...)
				}
			case "enum":
				have := list(out["enum"])
				for _, e := range list(v) {
					if !containsValue(have, e) {
						have = append(have, e)
					}
				}
				out["enum"] = have
			case "type", "format", "items":
				if _, ok := out[k]; !ok {
					out[k] = v
				}
			default:
				if _, ok := out[k]; !ok {
					out[k] = v
				}
			}
		}
		return nil
	}
	if err := add(s, refs); err != nil {
		return nil, err
	}
	out["x-refs"] = followed
	return out, nil
}

// fields flattens the alternatives of a body schema (one schema in a raw
// fragment, Mintlify's schemaArray) into fields.
func (p *parser) fields(alts []any) ([]Field, error) {
	if len(alts) == 0 {
		return nil, nil
	}
	eff, err := p.effective(map[string]any{"oneOf": alts}, nil)
	if err != nil {
		return nil, err
	}
	acc := map[string]Field{}
	if err := p.walk("", eff, acc, 0); err != nil {
		return nil, err
	}
	out := make([]Field, 0, len(acc))
	for _, f := range acc {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

func (p *parser) walk(prefix string, eff map[string]any, acc map[string]Field, depth int) error {
	if depth > 30 {
		return fmt.Errorf("%s: nested too deep", prefix)
	}
	refs, _ := eff["x-refs"].([]string)
	if typeOf(eff) == "array" {
		items, _ := eff["items"].(map[string]any)
		if items == nil {
			return nil
		}
		ie, err := p.effective(items, refs)
		if err != nil {
			return fmt.Errorf("%s[]: %v", prefix, err)
		}
		path := prefix + "[]"
		acc[path] = merge(acc[path], Field{Path: path, Type: typeOf(ie), Format: str(ie["format"]), Enum: list(ie["enum"])})
		if ie["x-cycle"] == true {
			return nil
		}
		return p.walk(path, ie, acc, depth+1)
	}
	props, _ := eff["properties"].(map[string]any)
	required := map[string]bool{}
	for _, r := range list(eff["x-required-list"]) {
		if s, ok := r.(string); ok {
			required[s] = true
		}
	}
	for _, name := range sortedKeys(props) {
		ps, _ := props[name].(map[string]any)
		pe, err := p.effective(ps, refs)
		if err != nil {
			return fmt.Errorf("%s: %v", join(prefix, name), err)
		}
		path := join(prefix, name)
		acc[path] = merge(acc[path], Field{Path: path, Type: typeOf(pe), Format: str(pe["format"]), Enum: list(pe["enum"]),
			Required: required[name] || pe["x-required"] == true})
		if pe["x-cycle"] == true {
			continue
		}
		if err := p.walk(path, pe, acc, depth+1); err != nil {
			return err
		}
	}
	return nil
}

func merge(old, f Field) Field {
	if old.Path == "" {
		return f
	}
	if old.Type == "" {
		old.Type = f.Type
	}
	if old.Format == "" {
		old.Format = f.Format
	}
	for _, e := range f.Enum {
		if !containsValue(old.Enum, e) {
			old.Enum = append(old.Enum, e)
		}
	}
	old.Required = old.Required || f.Required
	return old
}

// typeOf is a schema's type; Mintlify's `enum<string>` is a string.
func typeOf(eff map[string]any) string {
	t := str(eff["type"])
	if strings.HasPrefix(t, "enum<") && strings.HasSuffix(t, ">") {
		t = t[len("enum<") : len(t)-1]
	}
	if t == "" {
		if _, ok := eff["properties"]; ok {
			return "object"
		}
		if _, ok := eff["items"]; ok {
			return "array"
		}
	}
	return t
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

func str(v any) string {
	switch s := v.(type) {
	case string:
		return s
	case []any: // OpenAPI 3.1 style type lists: the first non-null
		for _, e := range s {
			if es, ok := e.(string); ok && es != "null" {
				return es
			}
		}
	}
	return ""
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}

func containsValue(l []any, v any) bool {
	for _, e := range l {
		if fmt.Sprint(e) == fmt.Sprint(v) && fmt.Sprintf("%T", e) == fmt.Sprintf("%T", v) {
			return true
		}
	}
	return false
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func sortOperation(op *Operation) {
	sort.Slice(op.Parameters, func(i, j int) bool {
		a, b := op.Parameters[i], op.Parameters[j]
		if a.In != b.In {
			return a.In < b.In
		}
		return a.Name < b.Name
	})
	sort.Slice(op.Responses, func(i, j int) bool { return op.Responses[i].Status < op.Responses[j].Status })
	sort.Slice(op.Examples, func(i, j int) bool {
		a, b := op.Examples[i], op.Examples[j]
		if a.In != b.In {
			return a.In < b.In
		}
		return a.Name < b.Name
	})
}
