package specval

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/solidsdk/solid-go/internal/spec"
)

// sample is a request to send to both validators.
type sample struct {
	name, method, path, query, body string
	key                             bool
}

// samples makes requests for op at path: the documented request
// examples, bodies that break the schema, no body, no api-key, query
// values in and out of range, path parameters filled from their examples
// or made up.
func samples(path, method string, item *openapi3.PathItem, op *openapi3.Operation) []sample {
	filled := path
	params := append(append(openapi3.Parameters{}, item.Parameters...), op.Parameters...)
	for _, p := range params {
		if p.Value == nil || p.Value.In != openapi3.ParameterInPath {
			continue
		}
		v := "id_1"
		if s, ok := p.Value.Example.(string); ok && s != "" {
			v = s
		}
		filled = strings.ReplaceAll(filled, "{"+p.Value.Name+"}", url.PathEscape(v))
	}
	base := sample{method: method, path: filled, key: true}
	out := []sample{base}
	noKey := base
	noKey.name, noKey.key = "no api-key", false
	out = append(out, noKey)
	for _, p := range params {
		if p.Value == nil || p.Value.In != openapi3.ParameterInQuery {
			continue
		}
		for _, v := range []string{"0", "5", "101", "x", ""} {
			s := base
			s.name, s.query = "query "+p.Value.Name+"="+v, url.Values{p.Value.Name: {v}}.Encode()
			out = append(out, s)
		}
	}
	if op.RequestBody != nil && op.RequestBody.Value != nil {
		bodies := map[string]string{"{}": "{}", "[]": "[]", "string": `"x"`, "unknown field": `{"zz_unknown": {"a": [1]}}`, "not JSON": "{"}
		if mt := op.RequestBody.Value.Content.Get("application/json"); mt != nil {
			if mt.Example != nil {
				b, _ := json.Marshal(mt.Example)
				bodies["example"] = string(b)
			}
			for name, ex := range mt.Examples {
				if ex.Value != nil {
					b, _ := json.Marshal(ex.Value.Value)
					bodies["example "+name] = string(b)
					// The example with each field's value swapped for one
					// of another type.
					if m, ok := ex.Value.Value.(map[string]any); ok {
						for k := range m {
							bad := map[string]any{}
							for k2, v := range m {
								bad[k2] = v
							}
							bad[k] = []any{true, 1.5}
							b, _ := json.Marshal(bad)
							bodies["example "+name+" with a bad "+k] = string(b)
						}
					}
				}
			}
		}
		for name, b := range bodies {
			s := base
			s.name, s.body = "body "+name, b
			out = append(out, s)
		}
	}
	return out
}

func (s sample) request() *http.Request {
	u := &url.URL{Path: s.path, RawQuery: s.query}
	if p, err := url.PathUnescape(s.path); err == nil {
		u.Path, u.RawPath = p, s.path
	}
	req := &http.Request{Method: s.method, URL: u, Header: http.Header{}, Body: http.NoBody}
	if s.key {
		req.Header.Set("api-key", "k")
	}
	if s.body != "" {
		req.Header.Set("Content-Type", "application/json")
		req.Body = readCloser{bytes.NewReader([]byte(s.body))}
		req.ContentLength = int64(len(s.body))
	}
	return req
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }

func errText(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// TestSlicesValidateAsTheWholeDocument: a validator that loads each path's
// slice of the embedded spec (Default's kind) validates every sample
// request of every operation, and every documented answer, and answers
// that break their schemas, exactly as one loaded from the whole document:
// same operation, same parameters, same error text. A slice missing a
// component it needs fails to load, and so fails here.
func TestSlicesValidateAsTheWholeDocument(t *testing.T) {
	whole, err := New([]byte(spec.YAML))
	if err != nil {
		t.Fatal(err)
	}
	lazy := Embedded()
	doc := whole.Doc()
	paths := make([]string, 0, doc.Paths.Len())
	for p := range doc.Paths.Map() {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var nreq, nresp int
	for _, path := range paths {
		item := doc.Paths.Value(path)
		for method, op := range item.Operations() {
			for _, s := range samples(path, method, item, op) {
				where := fmt.Sprintf("%s %s %s", op.OperationID, s.path, s.name)
				wantRt, wantErr := whole.ValidateRequest(s.request())
				gotRt, gotErr := lazy.ValidateRequest(s.request())
				nreq++
				if errText(gotErr) != errText(wantErr) {
					t.Errorf("%s: slice: %v; whole document: %v", where, gotErr, wantErr)
				}
				if (gotRt == nil) != (wantRt == nil) {
					t.Fatalf("%s: slice route %v, whole document's %v", where, gotRt, wantRt)
				}
				if gotRt == nil {
					continue
				}
				if gotRt.Operation.OperationID != op.OperationID || gotRt.Input.Route.Spec == doc ||
					fmt.Sprint(gotRt.Input.PathParams) != fmt.Sprint(wantRt.Input.PathParams) {
					t.Errorf("%s: slice routed to %s %v, whole document to %s %v", where, gotRt.Operation.OperationID, gotRt.Input.PathParams, wantRt.Operation.OperationID, wantRt.Input.PathParams)
				}
				if s.name != "" {
					continue
				}
				// Answers: every documented example of every declared
				// status, and bodies that break the schema.
				for code, resp := range op.Responses.Map() {
					status := 0
					if _, err := fmt.Sscan(code, &status); err != nil {
						continue
					}
					bodies := map[string][]byte{"{}": []byte("{}"), "[]": []byte("[]"), "bad": []byte(`{"id": [1], "status": {"x": 1}, "data": "x"}`), "none": nil}
					if resp.Value != nil {
						if mt := resp.Value.Content.Get("application/json"); mt != nil {
							if mt.Example != nil {
								bodies["example"], _ = json.Marshal(mt.Example)
							}
							for name, ex := range mt.Examples {
								if ex.Value != nil {
									bodies["example "+name], _ = json.Marshal(ex.Value.Value)
								}
							}
						}
					}
					h := http.Header{"Content-Type": {"application/json"}}
					for name, b := range bodies {
						want := whole.ValidateResponse(wantRt, status, h, b)
						got := lazy.ValidateResponse(gotRt, status, h, b)
						nresp++
						if errText(got) != errText(want) {
							t.Errorf("%s: answer %d %s: slice: %v; whole document: %v", where, status, name, got, want)
						}
						if strings.HasPrefix(name, "example") && want != nil {
							t.Errorf("%s: documented answer %d %s does not validate: %v", where, status, name, want)
						}
					}
				}
			}
		}
	}
	if nreq < 300 || nresp < 300 {
		t.Errorf("only %d requests and %d answers compared", nreq, nresp)
	}
	t.Logf("%d requests and %d answers validated alike", nreq, nresp)
}

// TestLazyFirstRequestsConcurrent: first requests to every path of a
// fresh lazy validator at once, several per path, each load happening
// once, all of them routed and validated as the whole document does. Run
// it with -race.
func TestLazyFirstRequestsConcurrent(t *testing.T) {
	whole, err := New([]byte(spec.YAML))
	if err != nil {
		t.Fatal(err)
	}
	lazy := Embedded()
	doc := whole.Doc()
	type job struct {
		s    sample
		want string
		op   string
	}
	var jobs []job
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			for _, s := range samples(path, method, item, op)[:2] {
				_, err := whole.ValidateRequest(s.request())
				jobs = append(jobs, job{s, errText(err), op.OperationID})
			}
		}
	}
	const copies = 4
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan string, len(jobs)*copies)
	for range copies {
		for _, j := range jobs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				rt, err := lazy.ValidateRequest(j.s.request())
				switch {
				case rt == nil:
					errs <- fmt.Sprintf("%s %s: not routed: %v", j.s.method, j.s.path, err)
				case rt.Operation.OperationID != j.op:
					errs <- fmt.Sprintf("%s %s: routed to %s, want %s", j.s.method, j.s.path, rt.Operation.OperationID, j.op)
				case errText(err) != j.want:
					errs <- fmt.Sprintf("%s %s: %v, want %s", j.s.method, j.s.path, err, j.want)
				}
			}()
		}
	}
	close(start)
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	// Every path is loaded, once: a route's document is its path's, the
	// same for every request.
	seen := map[string]*openapi3.T{}
	for _, o := range lazy.Operations() {
		_, so, err := lazy.Load(o)
		if err != nil || so.OperationID != o.ID {
			t.Fatalf("%s: %v", o.ID, err)
		}
		d := o.p.routes[o.Method].Spec
		if prev, ok := seen[o.Path]; ok && prev != d {
			t.Errorf("%s loaded twice", o.Path)
		}
		seen[o.Path] = d
	}
}

// TestPathsAfterDocShareIt: a path first used after Doc loaded the whole
// document is validated against it, not a slice; one used before keeps
// its slice.
func TestPathsAfterDocShareIt(t *testing.T) {
	v := Embedded()
	route := func(path string) *openapi3.T {
		t.Helper()
		rt, err := v.FindRoute(&http.Request{Method: http.MethodGet, URL: &url.URL{Path: path}, Header: http.Header{}})
		if err != nil {
			t.Fatal(err)
		}
		return rt.Input.Route.Spec
	}
	before := route("/v2/issuing/card/crd_1")
	doc := v.Doc()
	if before == doc {
		t.Error("a path used before Doc was loaded from the whole document")
	}
	if after := route("/v2/issuing/card_holder/cah_1"); after != doc {
		t.Error("a path first used after Doc loaded its slice")
	}
	if again := route("/v2/issuing/card/crd_1"); again != before {
		t.Error("a loaded path was loaded again")
	}
}
