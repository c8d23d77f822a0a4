package main

// This file writes the typed layer of package solid, three root files:
//
//   - methods.gen.go: a method on *Client for each operation, named after
//     its operationId, taking the path parameters (strings, in path
//     order), the query parameters when the operation has any (the
//     generated *gen.XxxParams), the JSON body when it has one, and
//     opts ...RequestOption; returning the success body's generated type,
//     or only an error for an answer without a body (204).
//   - iterators.gen.go: for each list operation, recognised by its shape
//     (the limit, starting_after and ending_before query parameters, and
//     a success schema with a `data` array and `has_more`), an iterator
//     named after the plural resource: the operationId without its "list"
//     verb (listCards -> c.Cards). For a list of objects that name must be
//     the items' schema name pluralised, or generation fails; a list of
//     plain values (listWebhookEvents: event type strings) keeps the
//     operation's noun.
//   - api.gen.go: the API interface, every typed method and iterator, for
//     fakes in tests.
//
// It reads the spec for what the operation is (order of path parameters,
// query parameters, success status, tag, summary, docs link, list shape)
// and the Go oapi-codegen wrote for what it is called (method signatures,
// response fields, body aliases), so the code it writes names real
// identifiers, and a disagreement is a generation error, not a build one.

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/getkin/kin-openapi/openapi3"
)

// handWritten are the only operations without a generated method: their
// methods are written by hand in tokens.go, because they return the SDK's
// own redacted token types (*solid.SetPinToken, *solid.ShowToken), not
// the generated ones, after checking that the token is for the card asked
// about. The API interface lists them with these signatures.
var handWritten = map[string]string{
	"createSetPinToken": "CreateSetPinToken(ctx context.Context, cardID string, opts ...RequestOption) (*SetPinToken, error)",
	"createShowToken":   "CreateShowToken(ctx context.Context, cardID string, opts ...RequestOption) (*ShowToken, error)",
}

// typedPathParam matches a path template's parameter.
var typedPathParam = regexp.MustCompile(`\{([^}]+)\}`)

// typedOp is one operation as the typed layer needs it.
type typedOp struct {
	id, goName, method, path string
	tag, summary, docs       string
	pathArgs                 []string // Go argument names, in path order
	pathParams               []string // the spec's names, in path order
	query                    bool     // takes *gen.<GoName>Params
	idemKey                  bool     // declares the idempotency-key header
	paramsArg                bool     // the generated method takes params at all
	body                     string   // Go type of the JSON body, "" for none
	status                   string   // success status, e.g. "200"
	result                   string   // Go type of the success body, "" for none
	resultName               string   // the success schema's name, for messages
	list                     *typedList
}

// typedList is a list operation's iterator.
type typedList struct {
	name string // iterator name, e.g. Cards
	item string // Go type of an item, e.g. gen.Card
	id   string // body of a func returning an item's id (a *string), "" for none
}

// genAST is what the typed layer reads of gen/solid.gen.go.
type genAST struct {
	types   map[string]ast.Expr          // every type declaration, aliases too
	aliases map[string]bool              // which of types are aliases
	methods map[string]*ast.FuncType     // methods of *ClientWithResponses
	funcs   map[string]bool              // top-level functions
	fields  map[string]map[string]string // struct name -> field -> Go type source
}

func parseGen(path string) (*genAST, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	g := &genAST{types: map[string]ast.Expr{}, aliases: map[string]bool{}, methods: map[string]*ast.FuncType{}, funcs: map[string]bool{}, fields: map[string]map[string]string{}}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.GenDecl:
			for _, sp := range d.Specs {
				ts, ok := sp.(*ast.TypeSpec)
				if !ok {
					continue
				}
				g.types[ts.Name.Name] = ts.Type
				g.aliases[ts.Name.Name] = ts.Assign.IsValid()
				if st, ok := ts.Type.(*ast.StructType); ok {
					fs := map[string]string{}
					for _, fl := range st.Fields.List {
						for _, n := range fl.Names {
							fs[n.Name] = qualify(fl.Type)
						}
					}
					g.fields[ts.Name.Name] = fs
				}
			}
		case *ast.FuncDecl:
			switch {
			case d.Recv == nil:
				g.funcs[d.Name.Name] = true
			case recvName(d.Recv.List[0].Type) == "ClientWithResponses":
				g.methods[d.Name.Name] = d.Type
			}
		}
	}
	return g, nil
}

// qualify renders a type expression of package gen as seen from package
// solid: exported identifiers get "gen.".
func qualify(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		if ast.IsExported(e.Name) {
			return "gen." + e.Name
		}
		return e.Name
	case *ast.StarExpr:
		return "*" + qualify(e.X)
	case *ast.ArrayType:
		return "[]" + qualify(e.Elt)
	case *ast.MapType:
		return "map[" + qualify(e.Key) + "]" + qualify(e.Value)
	case *ast.SelectorExpr:
		if x, ok := e.X.(*ast.Ident); ok {
			return x.Name + "." + e.Sel.Name // another package's type
		}
	case *ast.Ellipsis:
		return "..." + qualify(e.Elt)
	}
	return fmt.Sprintf("%T", e)
}

// goArg turns a spec parameter name into a Go argument name:
// card_holder_id -> cardHolderID.
func goArg(name string) string {
	parts := strings.FieldsFunc(name, func(r rune) bool { return r == '_' || r == '-' })
	var b strings.Builder
	for i, p := range parts {
		switch {
		case i > 0 && strings.EqualFold(p, "id"):
			b.WriteString("ID")
		case i > 0:
			b.WriteString(strings.ToUpper(p[:1]) + p[1:])
		default:
			b.WriteString(p)
		}
	}
	return b.String()
}

// plural is the English plural of a CamelCase name: Card -> Cards,
// Counterparty -> Counterparties.
func plural(s string) string {
	switch {
	case strings.HasSuffix(s, "y") && len(s) > 1 && !strings.ContainsRune("aeiou", rune(s[len(s)-2])):
		return s[:len(s)-1] + "ies"
	case strings.HasSuffix(s, "s"), strings.HasSuffix(s, "x"), strings.HasSuffix(s, "ch"), strings.HasSuffix(s, "sh"):
		return s + "es"
	}
	return s + "s"
}

func upperFirst(s string) string {
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

// collectTyped builds the typed operations of doc, checked against the
// generated Go.
func collectTyped(doc *openapi3.T, g *genAST) ([]typedOp, error) {
	var out []typedOp
	for path, item := range doc.Paths.Map() {
		for method, o := range item.Operations() {
			if _, ok := handWritten[o.OperationID]; ok {
				continue
			}
			t, err := typedOf(doc, g, path, method, item, o)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", o.OperationID, err)
			}
			out = append(out, t)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out, nil
}

func typedOf(doc *openapi3.T, g *genAST, path, method string, item *openapi3.PathItem, o *openapi3.Operation) (typedOp, error) {
	t := typedOp{id: o.OperationID, goName: upperFirst(o.OperationID), method: method, path: path, summary: strings.TrimSpace(o.Summary)}
	if len(o.Tags) > 0 {
		t.tag = o.Tags[0]
	}
	if o.ExternalDocs != nil {
		t.docs = o.ExternalDocs.URL
	}
	params := append(append(openapi3.Parameters{}, item.Parameters...), o.Parameters...)
	query := map[string]bool{}
	for _, p := range params {
		if p.Value != nil && p.Value.In == openapi3.ParameterInQuery {
			t.query = true
			query[p.Value.Name] = true
		}
		if p.Value != nil && p.Value.In == openapi3.ParameterInHeader && strings.EqualFold(p.Value.Name, idempotencyHeader) {
			t.idemKey = true
		}
	}
	for _, m := range typedPathParam.FindAllStringSubmatch(path, -1) {
		t.pathParams = append(t.pathParams, m[1])
		t.pathArgs = append(t.pathArgs, goArg(m[1]))
	}

	// The generated method: ctx, path parameters, params, body, editors.
	fn, ok := g.methods[t.goName+"WithResponse"]
	if !ok {
		return t, fmt.Errorf("gen has no method %sWithResponse", t.goName)
	}
	if !g.funcs["Parse"+t.goName+"Response"] {
		return t, fmt.Errorf("gen has no function Parse%sResponse", t.goName)
	}
	var nPath int
	for i, fl := range fn.Params.List {
		typ := qualify(fl.Type)
		n := max(len(fl.Names), 1)
		switch {
		case i == 0: // ctx
		case typ == "*gen."+t.goName+"Params":
			t.paramsArg = true
		case typ == "gen."+t.goName+"JSONRequestBody":
			t.body = typ
			if target, ok := g.types[t.goName+"JSONRequestBody"]; ok && g.aliases[t.goName+"JSONRequestBody"] {
				t.body = qualify(target)
			}
		case typ == "...gen.RequestEditorFn":
		default:
			nPath += n
		}
	}
	if nPath != len(t.pathArgs) {
		return t, fmt.Errorf("gen's %sWithResponse takes %d path parameters, the spec's path %s has %d", t.goName, nPath, path, len(t.pathArgs))
	}
	if t.query && !t.paramsArg {
		return t, fmt.Errorf("query parameters in the spec, no params argument in gen")
	}

	// The success answer: the lowest 2xx the spec declares.
	var codes []string
	for code := range o.Responses.Map() {
		if len(code) == 3 && code[0] == '2' {
			codes = append(codes, code)
		}
	}
	sort.Strings(codes)
	if len(codes) == 0 {
		return t, fmt.Errorf("no 2xx answer declared")
	}
	t.status = codes[0]
	resp := o.Responses.Value(t.status)
	var schema *openapi3.SchemaRef
	if resp != nil && resp.Value != nil {
		if mt := resp.Value.Content.Get("application/json"); mt != nil {
			schema = mt.Schema
		} else if len(resp.Value.Content) > 0 {
			return t, fmt.Errorf("a %s answer that is not JSON: the typed layer cannot decode it", t.status)
		}
	}
	if schema != nil {
		fs := g.fields[t.goName+"Response"]
		typ, ok := fs["JSON"+t.status]
		if !ok {
			return t, fmt.Errorf("gen's %sResponse has no JSON%s field", t.goName, t.status)
		}
		t.result = typ
		t.resultName = strings.TrimPrefix(strings.TrimPrefix(typ, "*"), "gen.")
		if l, err := listOf(g, t, query, schema); err != nil {
			return t, err
		} else {
			t.list = l
		}
	}
	return t, nil
}

// listOf recognises a list operation by its shape and returns its
// iterator, or nil when the operation is not a list.
func listOf(g *genAST, t typedOp, query map[string]bool, schema *openapi3.SchemaRef) (*typedList, error) {
	if !query["limit"] || !query["starting_after"] || !query["ending_before"] || schema.Value == nil {
		return nil, nil
	}
	data, hasMore := schema.Value.Properties["data"], schema.Value.Properties["has_more"]
	if data == nil || data.Value == nil || !data.Value.Type.Is("array") || data.Value.Items == nil || hasMore == nil {
		return nil, nil
	}
	noun, ok := strings.CutPrefix(t.id, "list")
	if !ok || noun == "" {
		return nil, fmt.Errorf("a list (by its shape) whose operationId does not start with list: name its iterator")
	}
	env := g.fields[t.resultName]
	dataType, ok := env["Data"]
	if !ok || !strings.HasPrefix(dataType, "*[]gen.") {
		return nil, fmt.Errorf("gen.%s.Data is %q, want *[]T", t.resultName, dataType)
	}
	if env["HasMore"] != "*flex.Bool" || env["StartingAfter"] != "*string" {
		return nil, fmt.Errorf("gen.%s: HasMore %q and StartingAfter %q, want *flex.Bool and *string", t.resultName, env["HasMore"], env["StartingAfter"])
	}
	itemName := strings.TrimPrefix(dataType, "*[]gen.")
	l := &typedList{name: noun, item: "gen." + itemName}
	items := data.Value.Items
	isObject := items.Value != nil && items.Value.Type.Is("object")
	if isObject {
		schemaName := items.Ref[strings.LastIndex(items.Ref, "/")+1:]
		if want := plural(upperFirst(schemaName)); want != noun {
			return nil, fmt.Errorf("iterator %s, but the items are %s: rename the operation list%s, or teach the generator the plural", noun, schemaName, want)
		}
	}
	// An item's id, the cursor when the envelope sends none.
	switch g.fields[itemName]["Id"] {
	case "*string":
		l.id = "return v.Id"
	case "string":
		l.id = "return &v.Id"
	default:
		if id, ok := g.types[itemName].(*ast.Ident); ok && id.Name == "string" {
			// A plain value (an event type) is its own id.
			l.id = "s := string(v); return &s"
		}
	}
	return l, nil
}

// writeTyped writes methods.gen.go, iterators.gen.go and api.gen.go into
// dir.
func writeTyped(doc *openapi3.T, genGo, dir string) error {
	g, err := parseGen(genGo)
	if err != nil {
		return err
	}
	ops, err := collectTyped(doc, g)
	if err != nil {
		return err
	}
	files := map[string]func([]typedOp) []byte{
		"methods.gen.go":   renderMethods,
		"iterators.gen.go": renderIterators,
		"api.gen.go":       renderAPI,
	}
	for name, render := range files {
		src, err := format.Source(render(ops))
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), src, 0o644); err != nil {
			return err
		}
	}
	return nil
}

const typedHeader = "// Code generated by internal/opsgen from openapi.yaml. DO NOT EDIT.\n\npackage solid\n\n"

// signature is a typed method's parameters and results.
func (t typedOp) signature() string {
	args := []string{"ctx context.Context"}
	if len(t.pathArgs) > 0 {
		args = append(args, strings.Join(t.pathArgs, ", ")+" string")
	}
	if t.query {
		args = append(args, "params *gen."+t.goName+"Params")
	}
	if t.body != "" {
		args = append(args, "body "+t.body)
	}
	args = append(args, "opts ...RequestOption")
	res := "error"
	if t.result != "" {
		res = "(" + t.result + ", error)"
	}
	return "(" + strings.Join(args, ", ") + ") " + res
}

func (t typedOp) routeVar() string { return t.id + "Route" }

func renderMethods(ops []typedOp) []byte {
	var b bytes.Buffer
	b.WriteString(typedHeader)
	b.WriteString("import (\n\t\"context\"\n\n\t\"github.com/solidsdk/solid-go/gen\"\n)\n\n")
	b.WriteString("// The routes of the operations with path parameters, for checkArgs.\nvar (\n")
	for _, t := range ops {
		if len(t.pathArgs) > 0 {
			fmt.Fprintf(&b, "\t%s = routeFor(%q)\n", t.routeVar(), t.id)
		}
	}
	b.WriteString(")\n\n")
	for _, t := range ops {
		renderMethod(&b, t)
	}
	return b.Bytes()
}

func renderMethod(b *bytes.Buffer, t typedOp) {
	fmt.Fprintf(b, "// %s calls %s, %s %s.\n//\n", t.goName, t.id, t.method, t.path)
	fmt.Fprintf(b, "// %s: %s.\n//\n", t.tag, strings.TrimSuffix(t.summary, "."))
	switch {
	case t.list != nil:
		fmt.Fprintf(b, "// It returns one page, the decoded %s answer (%s); c.%s walks every page.\n", t.status, t.result, t.list.name)
	case t.result != "":
		fmt.Fprintf(b, "// It returns the decoded %s answer, %s.\n", t.status, t.result)
	default:
		fmt.Fprintf(b, "// It returns only an error: the %s answer has no body.\n", t.status)
	}
	if len(t.pathArgs) > 0 {
		fmt.Fprintf(b, "// A path parameter that could change the path is refused with ErrInvalidInput before any request.\n")
	}
	if t.query {
		fmt.Fprintf(b, "// params may be nil.\n")
	}
	if t.idemKey {
		fmt.Fprintf(b, "// It sends an idempotency key, the same on every retry: one the SDK makes, or yours with WithCallIdempotencyKey.\n")
	}
	if t.docs != "" {
		fmt.Fprintf(b, "//\n// Solid's documentation: %s\n", t.docs)
	}
	zero, ret := "nil, ", "resp."+"JSON"+t.status+", nil"
	if t.result == "" {
		zero, ret = "", "nil"
	}
	op := strconv.Quote(t.id)
	fmt.Fprintf(b, "func (c *Client) %s%s {\n", t.goName, t.signature())
	if len(t.pathArgs) > 0 {
		fmt.Fprintf(b, "\tif err := %s.checkArgs(%s); err != nil {\n\t\treturn %sopError(%s, err)\n\t}\n", t.routeVar(), strings.Join(t.pathArgs, ", "), zero, op)
	}
	fmt.Fprintf(b, "\tctx, cancel, err := c.begin(ctx, %s, opts)\n\tif err != nil {\n\t\treturn %serr\n\t}\n\tdefer cancel()\n", op, zero)
	args := []string{"ctx"}
	args = append(args, t.pathArgs...)
	switch {
	case t.query:
		args = append(args, "params")
	case t.paramsArg:
		args = append(args, "nil")
	}
	if t.body != "" {
		args = append(args, "body")
	}
	// The generated request and parser, not XxxWithResponse, so that a
	// failed call (already an *APIError or a call error) and an answer
	// that does not decode (ErrMalformedResponse) stay apart.
	fmt.Fprintf(b, "\trsp, err := c.api.%s(%s)\n", t.goName, strings.Join(args, ", "))
	fmt.Fprintf(b, "\tif err != nil {\n\t\treturn %sopError(%s, err)\n\t}\n", zero, op)
	if t.result == "" {
		b.WriteString("\trsp.Body.Close() // the answer has no body to read\n")
	} else {
		fmt.Fprintf(b, "\tresp, err := gen.Parse%sResponse(rsp)\n", t.goName)
		fmt.Fprintf(b, "\tif err != nil {\n\t\treturn nil, malformed(%s, \"%%v\", err)\n\t}\n", op)
		fmt.Fprintf(b, "\tif resp.JSON%s == nil {\n\t\treturn nil, c.unexpected(%s, rsp, %q)\n\t}\n", t.status, op, fmt.Sprintf("a %s JSON %s", t.status, t.resultName))
	}
	fmt.Fprintf(b, "\treturn %s\n}\n\n", ret)
}

func renderIterators(ops []typedOp) []byte {
	var b bytes.Buffer
	b.WriteString(typedHeader)
	b.WriteString("import (\n\t\"context\"\n\t\"iter\"\n\n\t\"github.com/solidsdk/solid-go/gen\"\n)\n\n")
	for _, t := range ops {
		l := t.list
		if l == nil {
			continue
		}
		fmt.Fprintf(&b, `// %[1]s walks every item of %[2]s (%[3]s: %[4]s), page by page, from
// params.StartingAfter (or the first item) to the end of the list,
// fetching the next page only when the loop asks for more:
//
//	for v, err := range c.%[1]s(ctx, &gen.%[5]sParams{Limit: &limit}) {
//		if err != nil {
//			return err
//		}
//		...
//	}
//
// Each page is one c.%[5]s call, with the client's retries and timeout.
// The next page starts after the page's starting_after cursor, or else
// after the last item's id. The first error is yielded and ends the walk:
// an *APIError, the context's error between pages, ErrInvalidInput for a
// Limit outside 1 to 100 or an EndingBefore (the walk goes forward only)
// before any request, or ErrMalformedResponse for a server that repeats a
// cursor or sends an empty page with has_more set, so a broken server
// cannot make the loop endless. params may be nil; it is not modified.
func (c *Client) %[1]s(ctx context.Context, params *gen.%[5]sParams) iter.Seq2[%[6]s, error] {
	var p gen.%[5]sParams
	if params != nil {
		p = *params
	}
	return list(ctx, %[2]q, c.tr.key.v, p.Limit, p.StartingAfter, p.EndingBefore,
		func(ctx context.Context, after *string) (page[%[6]s], error) {
			q := p
			q.StartingAfter = after
			l, err := c.%[5]s(ctx, &q)
			if err != nil {
				return page[%[6]s]{}, err
			}
			return pageOf(l.Data, l.HasMore, l.StartingAfter, %[7]s), nil
		})
}

`, l.name, t.id, t.tag, strings.TrimSuffix(t.summary, "."), t.goName, l.item, idFunc(l))
	}
	return b.Bytes()
}

func idFunc(l *typedList) string {
	if l.id == "" {
		return "nil"
	}
	return fmt.Sprintf("func(v %s) *string { %s }", l.item, l.id)
}

func renderAPI(ops []typedOp) []byte {
	var b bytes.Buffer
	b.WriteString(typedHeader)
	b.WriteString(`import (
	"context"
	"iter"

	"github.com/solidsdk/solid-go/gen"
)

// API is every operation of Solid's API as *Client offers it: a typed
// method per operation of openapi.yaml and an iterator per list. Code that
// calls Solid can take an API rather than a *Client, and its tests can
// pass a fake: a struct that embeds API (nil) and overrides the methods
// the test needs; a call to any other panics, which shows what the code
// under test called. Methods may be added to API as the spec grows, so
// implement it only by embedding.
type API interface {
`)
	type entry struct{ name, sig string }
	var es []entry
	for _, t := range ops {
		es = append(es, entry{t.goName, t.goName + t.signature()})
		if t.list != nil {
			es = append(es, entry{t.list.name, fmt.Sprintf("%s(ctx context.Context, params *gen.%sParams) iter.Seq2[%s, error]", t.list.name, t.goName, t.list.item)})
		}
	}
	for _, sig := range handWritten {
		es = append(es, entry{sig[:strings.IndexByte(sig, '(')], sig})
	}
	sort.Slice(es, func(i, j int) bool { return es[i].name < es[j].name })
	for _, e := range es {
		fmt.Fprintf(&b, "\t%s\n", e.sig)
	}
	b.WriteString("}\n\nvar _ API = (*Client)(nil)\n")
	return b.Bytes()
}
