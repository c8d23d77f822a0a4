// Command docfacts rebuilds api/solid-docs/facts.json, the record of what
// Solid's API pages document (methods, paths, parameters, fields, types,
// enums, statuses, named examples, each page's URL; never prose), from
// saved copies of the pages:
//
//	go run ./internal/cmd/docfacts -pages /work/solid-pages -out api/solid-docs/facts.json
//
// A page is saved as <pages>/<tag-slug>/<page-slug>.md, the slugs of its
// address https://docs.solidfi.com/v2/api-reference/<tag-slug>/<page-slug>.
// Each page carries one OpenAPI block, a raw OpenAPI 3.0.3 fragment or
// Mintlify's resolved form; both are read. A page that cannot be read is an
// error naming its file. The table in table.go maps each page to our
// operationId; a page it does not name is an error, and so is a documented
// page that was not saved, unless the table knows no copy of it carries the
// OpenAPI block (noStoredCopy) or -allow-missing is given (a partial
// refresh): such a page is recorded as not_saved.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

func main() {
	pages := flag.String("pages", "", "directory of saved pages: <tag-slug>/<page-slug>.md")
	out := flag.String("out", "api/solid-docs/facts.json", "where to write the record")
	allowMissing := flag.Bool("allow-missing", false, "record a documented page that was not saved as not_saved instead of failing")
	flag.Parse()
	if *pages == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: docfacts -pages DIR [-out FILE] [-allow-missing]")
		os.Exit(2)
	}
	rec, err := build(os.DirFS(*pages), *allowMissing)
	if err != nil {
		fmt.Fprintln(os.Stderr, "docfacts:", err)
		os.Exit(1)
	}
	b, err := encode(rec)
	if err != nil {
		fmt.Fprintln(os.Stderr, "docfacts:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, b, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "docfacts:", err)
		os.Exit(1)
	}
	counts := map[string]int{}
	for _, op := range rec.Operations {
		counts[op.Source]++
	}
	fmt.Fprintf(os.Stderr, "docfacts: %d operations to %s: %d openapi, %d mintlify, %d no_page, %d not_saved\n",
		len(rec.Operations), *out, counts[SourceOpenAPI], counts[SourceMintlify], counts[SourceNoPage], counts[SourceNotSaved])
}

// build reads every page under fsys and returns the record of all 61
// operations, in the table's order.
func build(fsys fs.FS, allowMissing bool) (*Record, error) {
	byFile := map[string]entry{}
	for _, e := range table {
		byFile[e.TagSlug+"/"+e.PageSlug+".md"] = e
	}
	parsed := map[string]Operation{}
	var errs []error
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(p, ".md") {
			return nil
		}
		e, ok := byFile[filepath.ToSlash(p)]
		if !ok {
			errs = append(errs, fmt.Errorf("%s: no operation in the table has this page (expected <tag-slug>/<page-slug>.md)", p))
			return nil
		}
		if e.NoPage {
			errs = append(errs, fmt.Errorf("%s: the table says %s has no page; update the table", p, e.OperationID))
			return nil
		}
		text, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		op, err := parsePage(string(text), e)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %v", p, err))
			return nil
		}
		parsed[e.OperationID] = op
		return nil
	})
	if err != nil {
		return nil, err
	}
	rec := &Record{Comment: "Facts from Solid's API pages, rebuilt by `go run ./internal/cmd/docfacts`; see api/solid-docs/README.md. Do not edit by hand."}
	for _, e := range table {
		op, ok := parsed[e.OperationID]
		switch {
		case ok:
		case e.NoPage:
			op = Operation{OperationID: e.OperationID, Tag: e.Tag, Method: e.Method, Path: e.Path, Page: e.URL(), Source: SourceNoPage}
		case allowMissing || noStoredCopy[e.OperationID]:
			op = Operation{OperationID: e.OperationID, Tag: e.Tag, Method: e.Method, Path: e.Path, Page: e.URL(), Source: SourceNotSaved}
		default:
			errs = append(errs, fmt.Errorf("%s/%s.md: not saved (the page of %s)", e.TagSlug, e.PageSlug, e.OperationID))
			continue
		}
		rec.Operations = append(rec.Operations, op)
	}
	if len(errs) > 0 {
		sort.Slice(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
		return nil, errors.Join(errs...)
	}
	return rec, nil
}

// encode writes the record as JSON with one fact a line: each parameter,
// field and example on a line of its own (an example's value compact on
// its line), so that a refresh reads as a line diff. Object keys keep the
// order of the structs; maps (example values) are sorted by encoding/json.
func encode(rec *Record) ([]byte, error) {
	var b bytes.Buffer
	line := func(indent int, format string, args ...any) {
		b.WriteString(strings.Repeat("  ", indent))
		fmt.Fprintf(&b, format, args...)
		b.WriteByte('\n')
	}
	js := func(v any) string {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			panic(err) // only plain values from YAML reach here
		}
		return strings.TrimSuffix(buf.String(), "\n")
	}
	list := func(indent int, key string, n int, item func(i int) string, last bool) {
		if n == 0 {
			line(indent, "%s: []%s", js(key), comma(!last))
			return
		}
		line(indent, "%s: [", js(key))
		for i := 0; i < n; i++ {
			line(indent+1, "%s%s", item(i), comma(i < n-1))
		}
		line(indent, "]%s", comma(!last))
	}
	line(0, "{")
	line(1, "\"comment\": %s,", js(rec.Comment))
	line(1, "\"operations\": [")
	for i, op := range rec.Operations {
		line(2, "{")
		var parts []func(last bool)
		head := [][2]string{{"operation_id", op.OperationID}, {"tag", op.Tag}, {"method", op.Method}, {"path", op.Path}, {"page", op.Page}, {"source", op.Source}}
		for _, kv := range head {
			parts = append(parts, func(last bool) { line(3, "%s: %s%s", js(kv[0]), js(kv[1]), comma(!last)) })
		}
		if len(op.Parameters) > 0 {
			parts = append(parts, func(last bool) {
				list(3, "parameters", len(op.Parameters), func(i int) string { return js(op.Parameters[i]) }, last)
			})
		}
		if op.Request != nil {
			parts = append(parts, func(last bool) {
				line(3, "\"request\": {")
				line(4, "\"content_type\": %s,", js(op.Request.ContentType))
				list(4, "fields", len(op.Request.Fields), func(i int) string { return js(op.Request.Fields[i]) }, true)
				line(3, "}%s", comma(!last))
			})
		}
		if len(op.Responses) > 0 {
			parts = append(parts, func(last bool) {
				line(3, "\"responses\": [")
				for j, r := range op.Responses {
					line(4, "{")
					line(5, "\"status\": %s,", js(r.Status))
					line(5, "\"content_type\": %s,", js(r.ContentType))
					list(5, "fields", len(r.Fields), func(i int) string { return js(r.Fields[i]) }, true)
					line(4, "}%s", comma(j < len(op.Responses)-1))
				}
				line(3, "]%s", comma(!last))
			})
		}
		if len(op.Examples) > 0 {
			parts = append(parts, func(last bool) {
				list(3, "examples", len(op.Examples), func(i int) string { return js(op.Examples[i]) }, last)
			})
		}
		for j, part := range parts {
			part(j == len(parts)-1)
		}
		line(2, "}%s", comma(i < len(rec.Operations)-1))
	}
	line(1, "]")
	line(0, "}")
	// The output must read back as the record it came from.
	var check Record
	if err := json.Unmarshal(b.Bytes(), &check); err != nil {
		return nil, fmt.Errorf("encoding the record: %v", err)
	}
	return b.Bytes(), nil
}

func comma(more bool) string {
	if more {
		return ","
	}
	return ""
}
