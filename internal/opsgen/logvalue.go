package main

// This file writes gen/logvalue.gen.go: a LogValue method for every
// generated type that holds a secret.String, at any depth. secret.String
// prints [REDACTED] under fmt and slog's text handler, but slog's JSON
// handler encodes a struct with encoding/json, and JSON encoding is how a
// secret reaches the device that needs it. So each such type logs a copy
// whose secrets are masked, as a type without the LogValue method.
//
// It reads the Go that oapi-codegen wrote, not the spec, so the code it
// writes names the real fields and types. checkSecrets makes sure the spec
// gives every `format: password` value the secret.String type, so that
// reading the Go misses none.

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/printer"
	"go/token"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// secretGoType is the x-go-type every `format: password` value must have.
const secretGoType = "secret.String"

// checkSecrets fails when a `format: password` schema anywhere in doc is
// not given the Go type secret.String: it would be a plain string, printed
// and logged as is.
func checkSecrets(doc *openapi3.T) error {
	var bad []string
	seen := map[*openapi3.Schema]bool{}
	var walk func(where string, ref *openapi3.SchemaRef)
	walk = func(where string, ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		s := ref.Value
		seen[s] = true
		if s.Format == "password" && s.Extensions["x-go-type"] != secretGoType {
			bad = append(bad, where)
		}
		for name, p := range s.Properties {
			walk(where+"."+name, p)
		}
		walk(where+"[]", s.Items)
		walk(where+"{}", s.AdditionalProperties.Schema)
		for _, group := range []openapi3.SchemaRefs{s.AllOf, s.OneOf, s.AnyOf} {
			for i, sub := range group {
				walk(fmt.Sprintf("%s/%d", where, i), sub)
			}
		}
		walk(where+"/not", s.Not)
	}
	if doc.Components != nil {
		for name, s := range doc.Components.Schemas {
			walk(name, s)
		}
	}
	for path, item := range doc.Paths.Map() {
		for method, o := range item.Operations() {
			at := method + " " + path
			for _, p := range append(append(openapi3.Parameters{}, item.Parameters...), o.Parameters...) {
				if p.Value != nil {
					walk(at+" parameter "+p.Value.Name, p.Value.Schema)
				}
			}
			if o.RequestBody != nil && o.RequestBody.Value != nil {
				for mt, c := range o.RequestBody.Value.Content {
					walk(at+" request "+mt, c.Schema)
				}
			}
			if o.Responses != nil {
				for code, r := range o.Responses.Map() {
					if r.Value == nil {
						continue
					}
					for mt, c := range r.Value.Content {
						walk(at+" "+code+" "+mt, c.Schema)
					}
				}
			}
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return fmt.Errorf("format: password without x-go-type: %s (it would print and log as a plain string): %s", secretGoType, strings.Join(bad, ", "))
	}
	return nil
}

// goTypes is what renderLogValue needs of the generated Go.
type goTypes struct {
	fset    *token.FileSet
	structs map[string]*ast.StructType
	aliases map[string]ast.Expr // type X = Y
	marshal map[string]bool     // types with their own MarshalJSON
	holds   map[string]bool     // memo of holdsName
}

func parseGoTypes(path string) (*goTypes, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	g := &goTypes{fset: fset, structs: map[string]*ast.StructType{}, aliases: map[string]ast.Expr{}, marshal: map[string]bool{}, holds: map[string]bool{}}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.GenDecl:
			for _, sp := range d.Specs {
				ts, ok := sp.(*ast.TypeSpec)
				if !ok {
					continue
				}
				if ts.Assign.IsValid() {
					g.aliases[ts.Name.Name] = ts.Type
				} else if st, ok := ts.Type.(*ast.StructType); ok {
					g.structs[ts.Name.Name] = st
				}
			}
		case *ast.FuncDecl:
			if d.Recv != nil && d.Name.Name == "MarshalJSON" {
				g.marshal[recvName(d.Recv.List[0].Type)] = true
			}
		}
	}
	return g, nil
}

func recvName(e ast.Expr) string {
	if s, ok := e.(*ast.StarExpr); ok {
		e = s.X
	}
	if id, ok := e.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

// isSecret reports whether e is secret.String, or an alias of it.
func (g *goTypes) isSecret(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.SelectorExpr:
		x, ok := e.X.(*ast.Ident)
		return ok && x.Name+"."+e.Sel.Name == secretGoType
	case *ast.Ident:
		if a, ok := g.aliases[e.Name]; ok {
			return g.isSecret(a)
		}
	}
	return false
}

// holdsSecret reports whether a value of type e can hold a secret.String.
func (g *goTypes) holdsSecret(e ast.Expr) bool {
	if g.isSecret(e) {
		return true
	}
	switch e := e.(type) {
	case *ast.Ident:
		if a, ok := g.aliases[e.Name]; ok {
			return g.holdsSecret(a)
		}
		return g.holdsName(e.Name)
	case *ast.StarExpr:
		return g.holdsSecret(e.X)
	case *ast.ArrayType:
		return g.holdsSecret(e.Elt)
	case *ast.MapType:
		return g.holdsSecret(e.Value)
	case *ast.StructType:
		for _, f := range e.Fields.List {
			if g.holdsSecret(f.Type) {
				return true
			}
		}
	case *ast.IndexExpr:
		// A generic type (nullable.Nullable[T], say) holds what its
		// argument holds; redact then refuses it, rather than skip it.
		return g.holdsSecret(e.Index)
	case *ast.IndexListExpr:
		for _, a := range e.Indices {
			if g.holdsSecret(a) {
				return true
			}
		}
	}
	return false
}

func (g *goTypes) holdsName(name string) bool {
	if v, ok := g.holds[name]; ok {
		return v
	}
	st, ok := g.structs[name]
	if !ok {
		return false
	}
	g.holds[name] = false // a cycle holds nothing by itself
	v := g.holdsSecret(st)
	g.holds[name] = v
	return v
}

// src prints e as Go.
func (g *goTypes) src(e ast.Expr) string {
	var b bytes.Buffer
	printer.Fprint(&b, g.fset, e)
	return b.String()
}

// redact returns a Go expression for x, of type e, with its secrets
// masked; it copies every pointer, slice and map on the way to a secret,
// so the caller's value is never changed.
func (g *goTypes) redact(e ast.Expr, x string) (string, error) {
	if !g.holdsSecret(e) {
		return x, nil
	}
	if g.isSecret(e) {
		return "maskSecret(" + x + ")", nil
	}
	t := g.src(e)
	switch e := e.(type) {
	case *ast.Ident:
		if a, ok := g.aliases[e.Name]; ok {
			return g.redact(a, x)
		}
		return "redact" + e.Name + "(" + x + ")", nil
	case *ast.StarExpr:
		in, err := g.redact(e.X, "*p")
		return fmt.Sprintf("func(p %s) %s { if p == nil { return nil }; r := %s; return &r }(%s)", t, t, in, x), err
	case *ast.ArrayType:
		if e.Len != nil {
			return "", fmt.Errorf("array type %s: not supported", t)
		}
		in, err := g.redact(e.Elt, "s[i]")
		return fmt.Sprintf("func(s %s) %s { if s == nil { return nil }; r := make(%s, len(s)); for i := range s { r[i] = %s }; return r }(%s)", t, t, t, in, x), err
	case *ast.MapType:
		in, err := g.redact(e.Value, "e")
		return fmt.Sprintf("func(m %s) %s { if m == nil { return nil }; r := make(%s, len(m)); for k, e := range m { r[k] = %s }; return r }(%s)", t, t, t, in, x), err
	case *ast.StructType:
		body, err := g.redactFields(e, "s")
		return fmt.Sprintf("func(s %s) %s { %s; return s }(%s)", t, t, body, x), err
	}
	return "", fmt.Errorf("type %s holds a secret in a form not supported", t)
}

// redactFields returns the statements that mask the secrets of the struct
// value named v, of type st, in place.
func (g *goTypes) redactFields(st *ast.StructType, v string) (string, error) {
	var stmts []string
	for _, f := range st.Fields.List {
		if !g.holdsSecret(f.Type) {
			continue
		}
		if len(f.Names) == 0 {
			return "", fmt.Errorf("embedded field %s holds a secret: not supported", g.src(f.Type))
		}
		for _, n := range f.Names {
			if !n.IsExported() {
				return "", fmt.Errorf("unexported field %s holds a secret: not supported", n.Name)
			}
			x, err := g.redact(f.Type, v+"."+n.Name)
			if err != nil {
				return "", fmt.Errorf("field %s: %w", n.Name, err)
			}
			stmts = append(stmts, v+"."+n.Name+" = "+x)
		}
	}
	return strings.Join(stmts, "\n"), nil
}

// isResponse reports whether st is a generated response wrapper (raw Body,
// HTTPResponse and a field per documented answer).
func isResponse(st *ast.StructType) bool {
	for _, f := range st.Fields.List {
		for _, n := range f.Names {
			if n.Name == "HTTPResponse" {
				return true
			}
		}
	}
	return false
}

// renderLogValue writes the LogValue methods for the generated Go at
// goPath.
func renderLogValue(goPath string) ([]byte, error) {
	g, err := parseGoTypes(goPath)
	if err != nil {
		return nil, err
	}
	var names []string
	for name := range g.structs {
		if g.holdsName(name) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	var b bytes.Buffer
	b.WriteString(`// Code generated by internal/opsgen from solid.gen.go. DO NOT EDIT.

package gen

// Every type here holds a secret.String, at some depth. slog's JSON handler
// encodes a struct with encoding/json, which writes a secret's value (JSON
// is how a secret reaches the device that needs it), so each type logs a
// copy with its secrets masked instead.
`)
	if len(names) == 0 {
		return format.Source(b.Bytes())
	}
	fmtImport := ""
	for _, name := range names {
		if isResponse(g.structs[name]) {
			fmtImport = "\"fmt\"\n" // for Format
		}
	}
	b.WriteString(`
import (
	` + fmtImport + `"log/slog"

	"github.com/solidsdk/solid-go/secret"
)

// maskSecret stands for a secret in a logged copy: the mask, or nothing
// when there was nothing.
func maskSecret(s secret.String) secret.String {
	if s.IsZero() {
		return s
	}
	return secret.New(secret.Mask)
}
`)
	for _, name := range names {
		st := g.structs[name]
		if isResponse(st) {
			if err := renderResponse(&b, g, name, st); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			continue
		}
		if g.marshal[name] {
			return nil, fmt.Errorf("%s holds a secret and has its own MarshalJSON: its logged copy would lose it", name)
		}
		body, err := g.redactFields(st, "v")
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		fmt.Fprintf(&b, `
// LogValue logs v with its secrets masked and every other field as is.
func (v %[1]s) LogValue() slog.Value { return slog.AnyValue(logged%[1]s(redact%[1]s(v))) }

// logged%[1]s is %[1]s without LogValue, so slog encodes it.
type logged%[1]s %[1]s

// redact%[1]s returns v with its secrets masked, sharing nothing that
// leads to one.
func redact%[1]s(v %[1]s) %[1]s {
	%[2]s
	return v
}
`, name, body)
	}
	return format.Source(b.Bytes())
}

// renderResponse writes LogValue and Format for a response wrapper: its
// status and decoded answers, never its raw Body, which holds the secrets
// as sent.
func renderResponse(b *bytes.Buffer, g *goTypes, name string, st *ast.StructType) error {
	fmt.Fprintf(b, `
// LogValue logs the status and the decoded answer, with its secrets
// masked; never the raw Body, which holds them as sent.
func (r %s) LogValue() slog.Value {
	attrs := []slog.Attr{slog.Int("status", r.StatusCode())}
`, name)
	for _, f := range st.Fields.List {
		for _, n := range f.Names {
			if n.Name == "Body" || n.Name == "HTTPResponse" || !n.IsExported() {
				continue
			}
			x, err := g.redact(f.Type, "r."+n.Name)
			if err != nil {
				return fmt.Errorf("field %s: %w", n.Name, err)
			}
			if p, ok := f.Type.(*ast.StarExpr); ok {
				if id, ok := p.X.(*ast.Ident); ok && g.structs[id.Name] != nil {
					x = "*r." + n.Name // logged through its own LogValue
				}
			}
			if _, ok := f.Type.(*ast.StarExpr); ok {
				fmt.Fprintf(b, "\tif r.%s != nil {\n\t\tattrs = append(attrs, slog.Any(%q, %s))\n\t}\n", n.Name, n.Name, x)
			} else {
				fmt.Fprintf(b, "\tattrs = append(attrs, slog.Any(%q, %s))\n", n.Name, x)
			}
		}
	}
	b.WriteString("\treturn slog.GroupValue(attrs...)\n}\n")
	fmt.Fprintf(b, `
// Format prints what LogValue logs, for every verb: the raw Body would
// print the secrets as sent.
func (r %[1]s) Format(f fmt.State, _ rune) { fmt.Fprintf(f, "gen.%[1]s%%v", r.LogValue()) }
`, name)
	return nil
}
