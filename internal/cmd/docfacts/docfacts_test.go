package main

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
)

// testEntry is the table entry the test pages stand for.
func testEntry(method, path, slug string) entry {
	return entry{Tag: "Things", TagSlug: "things", OperationID: "thing", Method: method, Path: path, PageSlug: slug}
}

func mustParse(t *testing.T, file string, e entry) Operation {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	// The test pages name docs.example.test; the record names the table's URL.
	text := strings.ReplaceAll(string(b), "https://docs.example.test/v2/api-reference/", pageBase)
	op, err := parsePage(text, e)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return op
}

func field(fs []Field, path string) (Field, bool) {
	for _, f := range fs {
		if f.Path == path {
			return f, true
		}
	}
	return Field{}, false
}

func TestParseBothForms(t *testing.T) {
	raw := mustParse(t, "testdata/raw.md", testEntry("POST", "/v2/things/{thing_id}/do", "do-a-thing"))
	mint := mustParse(t, "testdata/mintlify.md", testEntry("PATCH", "/v2/things/{thing_id}", "update-a-thing"))
	if raw.Source != SourceOpenAPI || mint.Source != SourceMintlify {
		t.Fatalf("forms: raw %q, mintlify %q", raw.Source, mint.Source)
	}
	if raw.Page != pageBase+"things/do-a-thing" {
		t.Errorf("page = %s", raw.Page)
	}

	t.Run("parameters", func(t *testing.T) {
		for _, tc := range []struct {
			op   Operation
			want Param
		}{
			{raw, Param{Name: "thing_id", In: "path", Required: true, Type: "string"}},           // from the path item
			{raw, Param{Name: "mode", In: "query", Type: "string", Enum: []any{"fast", "slow"}}}, // a $ref, an enum
			{raw, Param{Name: "api-key", In: "header", Required: true, Type: "string"}},
			{mint, Param{Name: "thing_id", In: "path", Required: true, Type: "string"}},
			{mint, Param{Name: "limit", In: "query", Type: "number"}},
			{mint, Param{Name: "order", In: "query", Type: "string", Enum: []any{"asc", "desc"}}},
			{mint, Param{Name: "api-key", In: "header", Required: true, Type: "string"}},
		} {
			found := false
			for _, p := range tc.op.Parameters {
				if p.Name == tc.want.Name && p.In == tc.want.In {
					found = true
					if !reflect.DeepEqual(p, tc.want) {
						t.Errorf("%s: %+v, want %+v", tc.op.Source, p, tc.want)
					}
				}
			}
			if !found {
				t.Errorf("%s: no parameter %s %s", tc.op.Source, tc.want.In, tc.want.Name)
			}
		}
	})

	t.Run("fields", func(t *testing.T) {
		resp := func(op Operation, status string) []Field {
			for _, r := range op.Responses {
				if r.Status == status {
					return r.Fields
				}
			}
			t.Fatalf("%s: no response %s", op.Source, status)
			return nil
		}
		for _, tc := range []struct {
			name   string
			fields []Field
			want   Field
		}{
			{"raw request required", raw.Request.Fields, Field{Path: "amount", Type: "string", Required: true}},
			{"raw request enum", raw.Request.Fields, Field{Path: "kind", Type: "string", Enum: []any{"quick", "careful"}}},
			{"raw allOf+$ref base", resp(raw, "201"), Field{Path: "created_at", Type: "string", Format: "date-time"}},
			{"raw allOf second", resp(raw, "201"), Field{Path: "status", Type: "string", Enum: []any{"open", "closed"}}},
			{"raw number", resp(raw, "201"), Field{Path: "count", Type: "number"}},
			{"raw array of $ref", resp(raw, "201"), Field{Path: "parts", Type: "array"}},
			{"raw array items", resp(raw, "201"), Field{Path: "parts[]", Type: "object"}},
			{"raw inside items", resp(raw, "201"), Field{Path: "parts[].name", Type: "string"}},
			{"raw cycle stops", resp(raw, "201"), Field{Path: "parts[].children", Type: "array"}},
			{"raw scalar items", resp(raw, "201"), Field{Path: "tags[]", Type: "string"}},
			{"mintlify required: true", mint.Request.Fields, Field{Path: "label", Type: "string", Required: true}},
			{"mintlify requiredProperties", mint.Request.Fields, Field{Path: "owner", Type: "object", Required: true}},
			{"mintlify $ref in request", mint.Request.Fields, Field{Path: "owner.age", Type: "integer", Format: "int32"}},
			{"mintlify nested allOf $ref", resp(mint, "200"), Field{Path: "owner.address.country", Type: "string", Enum: []any{"US"}}},
			{"mintlify string enum", resp(mint, "200"), Field{Path: "has_more", Type: "string", Enum: []any{"true", "false"}}},
		} {
			got, ok := field(tc.fields, tc.want.Path)
			if !ok {
				t.Errorf("%s: no field %s", tc.name, tc.want.Path)
				continue
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
			}
		}
		if _, ok := field(resp(raw, "201"), "parts[].children[].children"); ok {
			t.Errorf("a recursive schema was followed into itself")
		}
		for _, r := range mint.Responses {
			if r.Status == "204" && (r.ContentType != "" || len(r.Fields) != 0) {
				t.Errorf("Mintlify's placeholder gave a body: %+v", r)
			}
		}
		if fs := resp(mint, "401"); len(fs) != 0 {
			t.Errorf("`type: any` gave fields %+v", fs)
		}
	})

	t.Run("statuses", func(t *testing.T) {
		for _, tc := range []struct {
			op   Operation
			want []string
		}{{raw, []string{"201", "401"}}, {mint, []string{"200", "204", "401"}}} {
			var got []string
			for _, r := range tc.op.Responses {
				got = append(got, r.Status)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%s: statuses %v, want %v", tc.op.Source, got, tc.want)
			}
		}
	})

	t.Run("examples", func(t *testing.T) {
		for _, tc := range []struct {
			op       Operation
			in, name string
			wantJSON string
		}{
			{raw, "request", "Do a Thing", `{"amount":"1.50","kind":"quick"}`},
			// a $ref to components/examples; an unquoted timestamp stays as written
			{raw, "201", "thing_example", `{"count":2,"created_at":"2024-04-01T21:00:00Z","id":"thg_1","parts":[{"name":"a"}],"status":"open","tags":[]}`},
			{raw, "401", "thing_example", `{"ok":false,"status":401}`},
			{mint, "request", "Update a Thing", `{"label":"New"}`},
			{mint, "200", "thing_example", `{"has_more":"true","id":"thg_1","owner":{"age":30,"name":"Ann"}}`},
			{mint, "401", "unauth", `{"status":401}`},
		} {
			found := false
			for _, ex := range tc.op.Examples {
				if ex.In == tc.in && ex.Name == tc.name {
					found = true
					b, _ := json.Marshal(ex.Value)
					if string(b) != tc.wantJSON {
						t.Errorf("%s %s %s: %s, want %s", tc.op.Source, tc.in, tc.name, b, tc.wantJSON)
					}
				}
			}
			if !found {
				t.Errorf("%s: no example %s %s", tc.op.Source, tc.in, tc.name)
			}
		}
	})

	t.Run("no prose", func(t *testing.T) {
		for _, op := range []Operation{raw, mint} {
			b, err := encode(&Record{Operations: []Operation{op}})
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(b, []byte("prose")) || bytes.Contains(b, []byte("small page")) {
				t.Errorf("%s: a description reached the record:\n%s", op.Source, b)
			}
		}
	})
}

func TestParseRejects(t *testing.T) {
	e := testEntry("GET", "/v2/things", "list-all-things")
	fence := func(head, body string) string { return "# T\n\n````yaml " + head + "\n" + body + "\n````\n" }
	mint := func(body string) string {
		return fence("get /v2/things", "paths:\n  path: /v2/things\n  method: get\n"+body)
	}
	for _, tc := range []struct {
		name, page, want string
	}{
		{"no block", "# A page\n\nNo OpenAPI here.\n", "no OpenAPI block"},
		{"unclosed fence", "````yaml get /v2/things\npaths: {}\n", "never closed"},
		{"bad yaml", fence("get /v2/things", "paths: [unclosed"), "OpenAPI block"},
		{"neither form", fence("get /v2/things", "info: {}\n"), "neither"},
		{"other operation", fence("post /v2/things", "openapi: 3.0.3\npaths: {}\n"), "the table says GET /v2/things"},
		{"other page", "# Source: https://docs.solidfi.com/v2/api-reference/things/other.md\n" + fence("get /v2/things", "openapi: 3.0.3\n"), "the page says it is"},
		{"path not in fragment", fence("get /v2/things", "openapi: 3.0.3\npaths: {}\n"), "no path /v2/things"},
		{"unknown $ref", mint("  response:\n    '200':\n      application/json:\n        schemaArray:\n          - $ref: '#/components/schemas/nope'\n"), "no such component"},
		{"external $ref", fence("get /v2/things", "openapi: 3.0.3\npaths:\n  /v2/things:\n    get:\n      parameters:\n        - $ref: 'other.yaml#/p'\n"), "only #/components/parameters/"},
		{"two blocks", fence("get /v2/things", "openapi: 3.0.3\n") + fence("get /v2/things", "openapi: 3.0.3\n"), "2 OpenAPI blocks"},
		{"mismatched inside", fence("get /v2/things", "paths:\n  path: /v2/other\n  method: get\n"), "the block says"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parsePage(tc.page, e)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestBuild reads a directory of pages: a page is named by its table slugs,
// an error names the file, and a page not saved is an error unless allowed.
func TestBuild(t *testing.T) {
	raw, err := os.ReadFile("testdata/raw.md")
	if err != nil {
		t.Fatal(err)
	}
	// A page of our own standing for Set a PIN, in the raw form.
	pin := strings.NewReplacer(
		"https://docs.example.test/v2/api-reference/things/do-a-thing.md", pageBase+"cards/set-a-pin.md",
		"/v2/things/{thing_id}/do", "/v2/issuing/card/{card_id}/set_pin_token",
	).Replace(string(raw))
	good := fstest.MapFS{"cards/set-a-pin.md": {Data: []byte(pin)}}

	if _, err := build(good, false); err == nil || !strings.Contains(err.Error(), "cards/show-a-card.md: not saved") {
		t.Errorf("missing pages: error %v", err)
	} else if strings.Contains(err.Error(), "card-holders/create-a-card-holder.md") {
		t.Errorf("missing pages: a page known to have no stored copy is reported: %v", err)
	}
	rec, err := build(good, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Operations) != len(table) || len(table) != 61 {
		t.Fatalf("%d operations recorded, table has %d; want 61", len(rec.Operations), len(table))
	}
	counts := map[string]int{}
	for _, op := range rec.Operations {
		counts[op.Source]++
		if op.OperationID == "createSetPinToken" && (op.Source != SourceOpenAPI || op.Page != pageBase+"cards/set-a-pin") {
			t.Errorf("set-a-pin: %+v", op)
		}
	}
	if counts[SourceOpenAPI] != 1 || counts[SourceNoPage] != 4 || counts[SourceNotSaved] != 56 {
		t.Errorf("sources %v", counts)
	}

	// Same pages, same bytes.
	a, err := encode(rec)
	if err != nil {
		t.Fatal(err)
	}
	rec2, _ := build(good, true)
	b, _ := encode(rec2)
	if !bytes.Equal(a, b) {
		t.Error("two builds of the same pages differ")
	}
	var back Record
	if err := json.Unmarshal(a, &back); err != nil || len(back.Operations) != 61 {
		t.Errorf("the record does not read back: %v", err)
	}

	for _, tc := range []struct {
		name string
		fs   fstest.MapFS
		want string
	}{
		{"unknown page", fstest.MapFS{"cards/sell-a-card.md": {Data: []byte(pin)}}, "cards/sell-a-card.md: no operation in the table"},
		{"malformed page", fstest.MapFS{"cards/set-a-pin.md": {Data: []byte("# Set a PIN\n")}}, "cards/set-a-pin.md: no OpenAPI block"},
		{"page of a no_page operation", fstest.MapFS{"cards/create-a-card.md": {Data: []byte(pin)}}, "cards/create-a-card.md: the table says createCard has no page"},
		{"page under the wrong name", fstest.MapFS{"cards/show-a-card.md": {Data: []byte(pin)}}, "cards/show-a-card.md: the page says it is"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := build(tc.fs, true)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestTable: the contract has 61 operations, unique operationIds, unique
// pages and unique method+path pairs.
func TestTable(t *testing.T) {
	ids, pages, routes := map[string]bool{}, map[string]bool{}, map[string]bool{}
	noPage := 0
	for _, e := range table {
		if ids[e.OperationID] || pages[e.URL()] || routes[e.Method+" "+e.Path] {
			t.Errorf("duplicate in the table: %+v", e)
		}
		ids[e.OperationID], pages[e.URL()], routes[e.Method+" "+e.Path] = true, true, true
		if e.NoPage {
			noPage++
		}
	}
	if len(table) != 61 || noPage != 4 {
		t.Errorf("%d operations, %d without a page; want 61 and 4", len(table), noPage)
	}
	for id := range noStoredCopy {
		found := false
		for _, e := range table {
			if e.OperationID == id {
				found = true
				if e.NoPage {
					t.Errorf("noStoredCopy: %s has no page at all (NoPage)", id)
				}
			}
		}
		if !found {
			t.Errorf("noStoredCopy: %s is not in the table", id)
		}
	}
}
