package fidelity

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	yaml "go.yaml.in/yaml/v4"
)

const (
	specFile      = "../../openapi.yaml"
	factsFile     = "../../api/solid-docs/facts.json"
	decisionsFile = "../../api/solid-docs/decisions.yaml"
)

// The record, as internal/cmd/docfacts writes it.
type record struct {
	Operations []factOp `json:"operations"`
}

type factOp struct {
	OperationID string      `json:"operation_id"`
	Method      string      `json:"method"`
	Path        string      `json:"path"`
	Page        string      `json:"page"`
	Source      string      `json:"source"`
	Parameters  []factParam `json:"parameters"`
	Request     *struct {
		ContentType string      `json:"content_type"`
		Fields      []factField `json:"fields"`
	} `json:"request"`
	Responses []struct {
		Status      string      `json:"status"`
		ContentType string      `json:"content_type"`
		Fields      []factField `json:"fields"`
	} `json:"responses"`
	Examples []struct {
		In    string `json:"in"`
		Name  string `json:"name"`
		Value any    `json:"value"`
	} `json:"examples"`
}

type factParam struct {
	Name     string `json:"name"`
	In       string `json:"in"`
	Required bool   `json:"required"`
	Type     string `json:"type"`
	Format   string `json:"format"`
	Enum     []any  `json:"enum"`
}

type factField struct {
	Path     string `json:"path"`
	Type     string `json:"type"`
	Format   string `json:"format"`
	Enum     []any  `json:"enum"`
	Required bool   `json:"required"`
}

// A decision names facts openapi.yaml deliberately differs on.
type decision struct {
	ID     string   `yaml:"id"`
	Rule   string   `yaml:"rule"`
	Facts  []string `yaml:"facts"`
	Reason string   `yaml:"reason"`
	As     string   `yaml:"as"`

	res []*regexp.Regexp
}

// decisions is the whole of decisions.yaml (see parseDecisions).
type decisions struct {
	Decisions []*decision `yaml:"decisions"`
}

// The rules a decision can have.
const (
	ruleAccept           = "accept"             // the spec differs on these facts, as the reason says
	ruleIntegerForNumber = "integer-for-number" // a documented `number` is declared `integer`
	ruleExampleSuperset  = "example-superset"   // the spec's example holds the page's and more
	ruleRenamed          = "renamed"            // the spec has the example under the name `as`, with the page's value
)

// A miss is a recorded fact openapi.yaml lacks.
type miss struct {
	op     factOp
	fact   string // "<operationId> <kind> <detail>": what decisions match
	detail string // what the spec has instead, for the message
	// what the rules look at
	factType  string
	specTypes []string
	pageValue any
	specValue any
	renamed   func(as string) bool // for a missing example: is it there under that name, with the page's value?
}

func load(t *testing.T) (*openapi3.T, record, decisions) {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromFile(specFile)
	if err != nil {
		t.Fatalf("loading %s: %v", specFile, err)
	}
	var rec record
	b, err := os.ReadFile(factsFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatalf("%s: %v", factsFile, err)
	}
	b, err = os.ReadFile(decisionsFile)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := parseDecisions(b)
	if err != nil {
		t.Fatalf("%s: %v", decisionsFile, err)
	}
	return doc, rec, dec
}

// parseDecisions decodes decisions.yaml strictly (a key it does not know,
// such as a list of gaps left for later, is an error) and compiles the
// fact patterns.
func parseDecisions(b []byte) (decisions, error) {
	var dec decisions
	if err := yaml.Load(b, &dec, yaml.WithKnownFields()); err != nil {
		return decisions{}, err
	}
	for _, d := range dec.Decisions {
		for _, f := range d.Facts {
			d.res = append(d.res, globRe(f))
		}
	}
	return dec, nil
}

// globRe turns a fact pattern (`*` for any run of characters) into a regexp.
func globRe(p string) *regexp.Regexp {
	parts := strings.Split(p, "*")
	for i := range parts {
		parts[i] = regexp.QuoteMeta(parts[i])
	}
	return regexp.MustCompile("^" + strings.Join(parts, ".*") + "$")
}

type specOp struct {
	method, path string
	item         *openapi3.PathItem
	op           *openapi3.Operation
}

func specOps(doc *openapi3.T) map[string]specOp {
	ops := map[string]specOp{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			ops[op.OperationID] = specOp{method: strings.ToUpper(method), path: path, item: item, op: op}
		}
	}
	return ops
}

// TestDecisionsAreWellFormed: every decision has an id, a known rule, facts
// and a reason, and ids are unique.
func TestDecisionsAreWellFormed(t *testing.T) {
	_, _, dec := load(t)
	seen := map[string]bool{}
	for _, d := range dec.Decisions {
		switch {
		case d.ID == "":
			t.Errorf("a decision without an id: %+v", d)
		case seen[d.ID]:
			t.Errorf("decision %s: id used twice", d.ID)
		case d.Rule != ruleAccept && d.Rule != ruleIntegerForNumber && d.Rule != ruleExampleSuperset && d.Rule != ruleRenamed:
			t.Errorf("decision %s: rule %q is none of %s, %s, %s, %s", d.ID, d.Rule, ruleAccept, ruleIntegerForNumber, ruleExampleSuperset, ruleRenamed)
		case (d.Rule == ruleRenamed) != (d.As != ""):
			t.Errorf("decision %s: `as` goes with rule %s, and only with it", d.ID, ruleRenamed)
		case len(d.Facts) == 0:
			t.Errorf("decision %s: no facts", d.ID)
		case strings.TrimSpace(d.Reason) == "":
			t.Errorf("decision %s: no reason", d.ID)
		}
		seen[d.ID] = true
	}
}

// TestSpecHasEveryDocumentedOperation: every one of the 61 operations of
// the record (with a page or not) is in openapi.yaml under its
// operationId, method and path.
func TestSpecHasEveryDocumentedOperation(t *testing.T) {
	doc, rec, _ := load(t)
	ops := specOps(doc)
	var missing []string
	for _, f := range rec.Operations {
		if _, ok := ops[f.OperationID]; !ok {
			missing = append(missing, fmt.Sprintf("%s (%s %s, %s)", f.OperationID, f.Method, f.Path, f.Page))
		}
	}
	if len(missing) > 0 {
		t.Errorf("openapi.yaml lacks %d of the %d documented operations:\n%s",
			len(missing), len(rec.Operations), strings.Join(missing, "\n"))
	}
}

// TestEveryOperationLinksItsPage: every operation in openapi.yaml is one the
// record knows, and its externalDocs URL is that page's URL exactly: the
// page people read, not its Markdown copy (the address with `.md`).
func TestEveryOperationLinksItsPage(t *testing.T) {
	doc, rec, _ := load(t)
	pages := map[string]string{}
	for _, f := range rec.Operations {
		pages[f.OperationID] = f.Page
	}
	ops := specOps(doc)
	ids := make([]string, 0, len(ops))
	for id := range ops {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		page, ok := pages[id]
		if !ok {
			t.Errorf("%s (%s %s): no documented operation has this operationId", id, ops[id].method, ops[id].path)
			continue
		}
		ed := ops[id].op.ExternalDocs
		if ed == nil || ed.URL != page {
			got := "none"
			if ed != nil {
				got = ed.URL
			}
			t.Errorf("%s: externalDocs is %s, want %s", id, got, page)
		}
	}
}

// TestSpecHasDocumentedFacts is the fidelity check: for every operation of
// the record that openapi.yaml has, every recorded fact is in the spec, or
// a decision says why not. A decision that excuses nothing fails too.
func TestSpecHasDocumentedFacts(t *testing.T) {
	doc, rec, dec := load(t)
	ops := specOps(doc)
	var misses []miss
	checked, facts := 0, 0
	for _, f := range rec.Operations {
		if f.Source != "openapi" && f.Source != "mintlify" {
			continue
		}
		so, ok := ops[f.OperationID]
		if !ok {
			continue // TestSpecHasEveryDocumentedOperation reports it
		}
		checked++
		facts += 1 + len(f.Parameters) + len(f.Responses) + len(f.Examples)
		if f.Request != nil {
			facts += len(f.Request.Fields)
		}
		for _, r := range f.Responses {
			facts += len(r.Fields)
		}
		misses = append(misses, compare(f, so)...)
	}
	used := map[*decision]int{}
	var lines []string
	for _, m := range misses {
		if d := excuse(m, dec); d != nil {
			used[d]++
			continue
		}
		line := fmt.Sprintf("%s %s: lacks %s", m.op.OperationID, m.op.Page, strings.TrimPrefix(m.fact, m.op.OperationID+" "))
		if m.detail != "" {
			line += " (" + m.detail + ")"
		}
		lines = append(lines, line)
	}
	for _, l := range lines {
		t.Error(l)
	}
	for _, d := range dec.Decisions {
		if used[d] == 0 {
			t.Errorf("decision %s matches no missing fact any more: remove it from %s", d.ID, filepath.Base(decisionsFile))
		}
	}
	t.Logf("%d operations checked, %d facts (an operation, parameter, field, status or example each, with its type and enum): %d lacking, %d of them decided",
		checked, facts, len(misses), len(misses)-len(lines))
}

// excuse returns the decision that accepts m, if any.
func excuse(m miss, dec decisions) *decision {
	for _, d := range dec.Decisions {
		matched := false
		for _, re := range d.res {
			if re.MatchString(m.fact) {
				matched = true
				break
			}
		}
		if !matched {
			continue
		}
		switch d.Rule {
		case ruleAccept:
			return d
		case ruleIntegerForNumber:
			if m.factType == "number" && contains(m.specTypes, "integer") {
				return d
			}
		case ruleExampleSuperset:
			if m.specValue != nil && superset(m.specValue, m.pageValue) {
				return d
			}
		case ruleRenamed:
			if m.renamed != nil && m.renamed(d.As) {
				return d
			}
		}
	}
	return nil
}

func compare(f factOp, so specOp) []miss {
	var out []miss
	add := func(fact, detail string) *miss {
		out = append(out, miss{op: f, fact: f.OperationID + " " + fact, detail: detail})
		return &out[len(out)-1]
	}
	if so.method != f.Method || so.path != f.Path {
		add(fmt.Sprintf("operation %s %s", f.Method, f.Path), "the spec has "+so.method+" "+so.path)
	}

	// Parameters: the path item's, overridden by the operation's.
	params := map[string]*openapi3.Parameter{}
	for _, list := range []openapi3.Parameters{so.item.Parameters, so.op.Parameters} {
		for _, p := range list {
			if p != nil && p.Value != nil {
				params[p.Value.In+" "+strings.ToLower(p.Value.Name)] = p.Value
			}
		}
	}
	for _, fp := range f.Parameters {
		key := fmt.Sprintf("parameter %s %s", fp.In, fp.Name)
		sp, ok := params[fp.In+" "+strings.ToLower(fp.Name)]
		if !ok {
			add(key, "")
			continue
		}
		if fp.Required && !sp.Required {
			add(key+" required", "the spec has it optional")
		}
		var sf specField
		if sp.Schema != nil {
			sf = collect([]*openapi3.SchemaRef{sp.Schema})
		}
		out = append(out, compareType(f, key, fp.Type, fp.Format, fp.Enum, sf)...)
	}

	// Request body fields.
	if f.Request != nil && len(f.Request.Fields) > 0 {
		var fields map[string]specField
		if so.op.RequestBody != nil && so.op.RequestBody.Value != nil {
			if mt := media(so.op.RequestBody.Value.Content, f.Request.ContentType); mt != nil && mt.Schema != nil {
				fields = flatten(mt.Schema)
			}
		}
		out = append(out, compareFields(f, "request", f.Request.Fields, fields)...)
	}

	// Statuses and response fields.
	for _, r := range f.Responses {
		var resp *openapi3.Response
		if so.op.Responses != nil {
			if rr := so.op.Responses.Value(r.Status); rr != nil {
				resp = rr.Value
			}
		}
		if resp == nil {
			add("status "+r.Status, "")
			continue
		}
		if len(r.Fields) > 0 {
			var fields map[string]specField
			if mt := media(resp.Content, r.ContentType); mt != nil && mt.Schema != nil {
				fields = flatten(mt.Schema)
			}
			out = append(out, compareFields(f, "response "+r.Status, r.Fields, fields)...)
		}
	}

	// Named examples.
	for _, ex := range f.Examples {
		key := fmt.Sprintf("example %s %s", ex.In, ex.Name)
		var content openapi3.Content
		if ex.In == "request" {
			if so.op.RequestBody != nil && so.op.RequestBody.Value != nil {
				content = so.op.RequestBody.Value.Content
			}
		} else if so.op.Responses != nil {
			if rr := so.op.Responses.Value(ex.In); rr != nil && rr.Value != nil {
				content = rr.Value.Content
			}
		}
		mt := media(content, "application/json")
		page := canonical(ex.Value)
		got := namedExample(mt, ex.Name)
		if got == nil {
			m := add(key, "")
			m.renamed = func(as string) bool {
				e := namedExample(mt, as)
				return e != nil && reflect.DeepEqual(page, canonical(e.Value))
			}
			continue
		}
		spec := canonical(got.Value)
		if !reflect.DeepEqual(page, spec) {
			m := add(key+" value", diff("", page, spec))
			m.pageValue, m.specValue = page, spec
		}
	}
	return out
}

// namedExample finds the example a media type has under name, as its key
// or as the name of the component it refers to.
func namedExample(mt *openapi3.MediaType, name string) *openapi3.Example {
	if mt == nil {
		return nil
	}
	for key, er := range mt.Examples {
		if er != nil && er.Value != nil && (key == name || strings.TrimPrefix(er.Ref, "#/components/examples/") == name) {
			return er.Value
		}
	}
	return nil
}

func media(c openapi3.Content, ct string) *openapi3.MediaType {
	if c == nil {
		return nil
	}
	if ct == "" {
		ct = "application/json"
	}
	return c.Get(ct)
}

func compareFields(f factOp, where string, facts []factField, spec map[string]specField) []miss {
	var out []miss
	for _, ff := range facts {
		key := fmt.Sprintf("%s field %s", where, ff.Path)
		sf, ok := spec[ff.Path]
		if !ok {
			out = append(out, miss{op: f, fact: f.OperationID + " " + key})
			continue
		}
		if ff.Required && where == "request" && !sf.required {
			out = append(out, miss{op: f, fact: f.OperationID + " " + key + " required", detail: "the spec has it optional"})
		}
		out = append(out, compareType(f, key, ff.Type, ff.Format, ff.Enum, sf)...)
	}
	return out
}

func compareType(f factOp, key, typ, format string, enum []any, sf specField) []miss {
	var out []miss
	if typ != "" && typ != "any" && !contains(sf.types, typ) {
		have := "no type"
		if len(sf.types) > 0 {
			have = strings.Join(sf.types, "|")
		}
		out = append(out, miss{op: f, fact: f.OperationID + " " + key + " type " + typ, detail: "the spec has " + have,
			factType: typ, specTypes: sf.types})
	}
	if format != "" && !contains(sf.formats, format) {
		out = append(out, miss{op: f, fact: f.OperationID + " " + key + " format " + format})
	}
	for _, v := range enum {
		found := false
		for _, e := range sf.enum {
			if reflect.DeepEqual(canonical(e), canonical(v)) {
				found = true
				break
			}
		}
		if !found {
			detail := "the spec has no enum"
			if len(sf.enum) > 0 {
				detail = fmt.Sprintf("the spec's enum is %v", sf.enum)
			}
			out = append(out, miss{op: f, fact: fmt.Sprintf("%s %s enum %v", f.OperationID, key, v), detail: detail})
		}
	}
	return out
}

// specField is what our spec declares at one JSON path, over all the
// alternatives (allOf, oneOf, anyOf) that reach it.
type specField struct {
	types, formats []string
	enum           []any
	required       bool
	props          map[string][]*openapi3.SchemaRef
	requiredProps  map[string]bool
	items          []*openapi3.SchemaRef
}

// collect merges schemas and everything their allOf, oneOf and anyOf bring.
func collect(refs []*openapi3.SchemaRef) specField {
	sf := specField{props: map[string][]*openapi3.SchemaRef{}, requiredProps: map[string]bool{}}
	seen := map[*openapi3.Schema]bool{}
	var add func(r *openapi3.SchemaRef)
	add = func(r *openapi3.SchemaRef) {
		if r == nil || r.Value == nil || seen[r.Value] {
			return
		}
		s := r.Value
		seen[s] = true
		if s.Type != nil {
			for _, t := range s.Type.Slice() {
				if !contains(sf.types, t) {
					sf.types = append(sf.types, t)
				}
			}
		}
		if s.Format != "" && !contains(sf.formats, s.Format) {
			sf.formats = append(sf.formats, s.Format)
		}
		sf.enum = append(sf.enum, s.Enum...)
		for name, p := range s.Properties {
			sf.props[name] = append(sf.props[name], p)
		}
		for _, name := range s.Required {
			sf.requiredProps[name] = true
		}
		if s.Items != nil {
			sf.items = append(sf.items, s.Items)
		}
		for _, list := range []openapi3.SchemaRefs{s.AllOf, s.OneOf, s.AnyOf} {
			for _, sub := range list {
				add(sub)
			}
		}
	}
	for _, r := range refs {
		add(r)
	}
	if len(sf.types) == 0 {
		if len(sf.props) > 0 {
			sf.types = []string{"object"}
		} else if len(sf.items) > 0 {
			sf.types = []string{"array"}
		}
	}
	return sf
}

// flatten lists what a schema declares at each JSON path, in the record's
// notation ("a.b", "a[]", "a[].b").
func flatten(root *openapi3.SchemaRef) map[string]specField {
	out := map[string]specField{}
	var walk func(prefix string, sf specField, depth int)
	walk = func(prefix string, sf specField, depth int) {
		if depth > 30 {
			return
		}
		if len(sf.items) > 0 {
			path := prefix + "[]"
			if _, done := out[path]; !done {
				it := collect(sf.items)
				out[path] = it
				walk(path, it, depth+1)
			}
		}
		for name, refs := range sf.props {
			path := name
			if prefix != "" {
				path = prefix + "." + name
			}
			if _, done := out[path]; done {
				continue
			}
			child := collect(refs)
			child.required = sf.requiredProps[name]
			out[path] = child
			walk(path, child, depth+1)
		}
	}
	walk("", collect([]*openapi3.SchemaRef{root}), 0)
	return out
}

func contains(l []string, s string) bool {
	for _, e := range l {
		if e == s {
			return true
		}
	}
	return false
}

// canonical is v as encoding/json would decode it (float64 numbers,
// map[string]any objects), so values from YAML and JSON compare.
func canonical(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("unencodable %T", v)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return fmt.Sprintf("undecodable %T", v)
	}
	return out
}

// superset reports whether big holds everything small holds: every key of
// an object (recursively), arrays element by element, equal scalars.
func superset(big, small any) bool {
	switch s := small.(type) {
	case map[string]any:
		b, ok := big.(map[string]any)
		if !ok {
			return false
		}
		for k, v := range s {
			bv, ok := b[k]
			if !ok || !superset(bv, v) {
				return false
			}
		}
		return true
	case []any:
		b, ok := big.([]any)
		if !ok || len(b) != len(s) {
			return false
		}
		for i := range s {
			if !superset(b[i], s[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(big, small)
}

// diff names the first place page and spec values differ.
func diff(path string, page, spec any) string {
	at := path
	if at == "" {
		at = "the top"
	}
	switch p := page.(type) {
	case map[string]any:
		s, ok := spec.(map[string]any)
		if !ok {
			return fmt.Sprintf("at %s the spec's example is not an object", at)
		}
		keys := make([]string, 0, len(p)+len(s))
		for k := range p {
			keys = append(keys, k)
		}
		for k := range s {
			if _, ok := p[k]; !ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			pv, pok := p[k]
			sv, sok := s[k]
			sub := k
			if path != "" {
				sub = path + "." + k
			}
			switch {
			case !sok:
				return fmt.Sprintf("the spec's example lacks %s", sub)
			case !pok:
				return fmt.Sprintf("the spec's example adds %s", sub)
			case !reflect.DeepEqual(pv, sv):
				return diff(sub, pv, sv)
			}
		}
	case []any:
		s, ok := spec.([]any)
		if !ok || len(s) != len(p) {
			return fmt.Sprintf("at %s the spec's example has another array", at)
		}
		for i := range p {
			if !reflect.DeepEqual(p[i], s[i]) {
				return diff(fmt.Sprintf("%s[%d]", path, i), p[i], s[i])
			}
		}
	}
	return fmt.Sprintf("at %s the page has %v, the spec %v", at, page, spec)
}
