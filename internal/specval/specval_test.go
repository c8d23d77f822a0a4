package specval

import (
	"context"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/solidsdk/solid-go/internal/spec"
)

// TestEmbeddedSpecValid: Default skips doc.Validate at start-up, so the
// embedded spec is proved valid here, examples included.
func TestEmbeddedSpecValid(t *testing.T) {
	if err := Validate([]byte(spec.YAML)); err != nil {
		t.Fatal(err)
	}
	if _, err := New([]byte(spec.YAML)); err != nil {
		t.Fatal(err)
	}
	if _, err := Default(); err != nil {
		t.Fatal(err)
	}
	// Each path's slice is a valid document on its own, examples
	// included, and has its path's operations.
	for _, o := range spec.Operations {
		b := spec.Slice(o.Path)
		if b == nil {
			t.Fatalf("no slice for %s", o.Path)
		}
		if err := Validate(b); err != nil {
			t.Errorf("slice of %s: %v", o.Path, err)
		}
	}
	if err := Embedded().LoadAll(); err != nil {
		t.Fatal(err)
	}
}

// TestValidateChangesNothing: skipping doc.Validate is only the same
// behaviour if Validate leaves the document as it found it.
func TestValidateChangesNothing(t *testing.T) {
	load := func() *openapi3.T {
		doc, err := openapi3.NewLoader().LoadFromData([]byte(spec.YAML))
		if err != nil {
			t.Fatal(err)
		}
		return doc
	}
	checked, unchecked := load(), load()
	if err := checked.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(checked, unchecked) {
		t.Fatal("doc.Validate changed the document: Default must validate it again")
	}
}

// TestInvalidSpecRefused: New and Validate still refuse a document
// kin-openapi finds invalid, a bad example included.
func TestInvalidSpecRefused(t *testing.T) {
	const doc = "openapi: 3.0.3\ninfo: {title: t, version: \"1\"}\npaths:\n  /a:\n    get:\n      operationId: a\n      responses:\n        \"200\":\n          description: ok\n          content:\n            application/json:\n              schema: {type: integer}\n              example: not a number\n"
	if _, err := New([]byte(doc)); err == nil {
		t.Error("New accepted an example that does not match its schema")
	}
	if err := Validate([]byte(doc)); err == nil {
		t.Error("Validate accepted an example that does not match its schema")
	}
}

// TestRouterMatchesLegacy: the router routes every request as kin-openapi's
// legacy router does (same route, same parameters, same error), for every
// path of the spec under every method, with parameters filled in, and for
// paths the spec does not have; the lazy router of Default to the same
// operation, with the same parameters and error, its route from the
// path's slice.
func TestRouterMatchesLegacy(t *testing.T) {
	v, err := New([]byte(spec.YAML))
	if err != nil {
		t.Fatal(err)
	}
	lazy, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	want, err := legacy.NewRouter(v.Doc())
	if err != nil {
		t.Fatal(err)
	}
	paths := []string{"/", "/v2", "/v2/issuing/card/", "/v2/nope", "/v2/issuing/card/a/b/c/d/e"}
	for p := range v.Doc().Paths.Map() {
		filled := p
		for strings.Contains(filled, "{") {
			i, j := strings.Index(filled, "{"), strings.Index(filled, "}")
			filled = filled[:i] + "id_1" + filled[j+1:]
		}
		paths = append(paths, p, filled, filled+"/x", strings.TrimSuffix(filled, "/")+"/")
	}
	methods := []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions, http.MethodTrace}
	n := 0
	for _, p := range paths {
		for _, m := range methods {
			req := &http.Request{Method: m, URL: &url.URL{Path: p}, Header: http.Header{}}
			gotRt, gotParams, gotErr := v.router.FindRoute(req)
			wantRt, wantParams, wantErr := want.FindRoute(req)
			if (gotRt == nil) != (wantRt == nil) || gotRt != nil && *gotRt != *wantRt || !reflect.DeepEqual(gotParams, wantParams) || !reflect.DeepEqual(gotErr, wantErr) {
				t.Errorf("%s %s: got %v %v %v, legacy router %v %v %v", m, p, gotRt, gotParams, gotErr, wantRt, wantParams, wantErr)
			}
			lazyRt, lazyParams, lazyErr := lazy.router.FindRoute(req)
			if (lazyRt == nil) != (wantRt == nil) || lazyRt != nil && (lazyRt.Path != wantRt.Path || lazyRt.Method != wantRt.Method ||
				lazyRt.Operation.OperationID != wantRt.Operation.OperationID || lazyRt.Spec == v.Doc()) ||
				!reflect.DeepEqual(lazyParams, wantParams) || !reflect.DeepEqual(lazyErr, wantErr) {
				t.Errorf("%s %s: lazy router %v %v %v, legacy router %v %v %v", m, p, lazyRt, lazyParams, lazyErr, wantRt, wantParams, wantErr)
			}
			if gotErr == nil {
				n++
			}
		}
	}
	if n < len(v.Doc().Paths.Map()) {
		t.Errorf("only %d requests routed", n)
	}
}
