package solidtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/solidsdk/solid-go/internal/specval"
)

// TestFastPathMatchesRouter checks that the fast path accepts only what the
// generic router would route, with the same card ID.
func TestFastPathMatchesRouter(t *testing.T) {
	h := NewHandler()
	if h.route == nil {
		t.Fatal("no fast path for createSetPinToken")
	}
	for _, p := range []string{setPinPath, pinPath("a%2Fb"), pinPath("%25"), pinPath("a%20b"), pinPath("."), pinPath("%2e%2e"),
		pinPath(""), pinPath("a/b"), setPinPath + "/", "/v2/issuing/card/set_pin_token", "//v2/issuing/card/x/set_pin_token"} {
		u, err := url.Parse("http://x" + p)
		if err != nil {
			t.Fatal(err)
		}
		req := &http.Request{Method: "POST", URL: u, Header: http.Header{"Api-Key": {"k"}}}
		c := h.validate(req, u.EscapedPath(), false)
		op, params, vErr, routeErr := c.op, c.params, c.vErr, c.routeErr
		h2 := NewHandler()
		h2.route = nil
		c2 := h2.validate(req, u.EscapedPath(), false)
		op2, params2, vErr2, routeErr2 := c2.op, c2.params, c2.vErr, c2.routeErr
		id, id2 := params["card_id"], params2["card_id"]
		if op != op2 || id != id2 || (vErr == nil) != (vErr2 == nil) || (routeErr == nil) != (routeErr2 == nil) {
			t.Errorf("%s: fast path (%s %q, %v, %v), router (%s %q, %v, %v)", p, op, id, vErr, routeErr, op2, id2, vErr2, routeErr2)
		}
	}
}

// TestInvalidRequest uses a spec with a typed parameter to reach the 400
// path, which openapi.yaml's one string parameter cannot.
func TestInvalidRequest(t *testing.T) {
	spec := `openapi: 3.0.3
info: {title: t, version: "1"}
security: [{apiKey: []}]
paths:
  /things/{n}:
    get:
      parameters:
        - {name: n, in: path, required: true, schema: {type: integer}}
      responses:
        "200": {description: ok}
components:
  securitySchemes:
    apiKey: {type: apiKey, in: header, name: api-key}
  schemas:
    ErrorEnvelope:
      type: object
      required: [request_id, status, error]
      properties:
        request_id: {type: string}
        status: {type: integer}
        error: {type: object, required: [code, message]}
`
	v, err := specval.New([]byte(spec))
	if err != nil {
		t.Fatal(err)
	}
	h := newHandler(v)
	tests := []struct {
		path, key string
		status    int
		code      string
	}{
		{"/things/abc", DefaultAPIKey, 404, "ERROR_CODE_RESOURCE_NOT_FOUND"},
		{"/things/abc", "", 401, "ERROR_CODE_UNAUTHORIZED"},
		{"/things/1", "wrong", 401, "ERROR_CODE_UNAUTHORIZED"},
		{"/nothing", DefaultAPIKey, 404, "ERROR_CODE_RESOURCE_NOT_FOUND"},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest("GET", "http://x"+tt.path, nil)
		if tt.key != "" {
			req.Header.Set("api-key", tt.key)
		}
		w := &recorder{header: http.Header{}}
		h.ServeHTTP(w, req)
		var env envelope
		if err := json.Unmarshal(w.body, &env); err != nil {
			t.Fatalf("%s: %q", tt.path, w.body)
		}
		if w.status != tt.status || env.Error.Code != tt.code {
			t.Errorf("%s key %q: %d %+v, want %d %s", tt.path, tt.key, w.status, env.Error, tt.status, tt.code)
		}
		if tt.path == "/things/abc" && tt.key != "" && (env.Error.FieldName != "n" || strings.Contains(env.Error.Message, DefaultAPIKey)) {
			t.Errorf("400 error %+v", env.Error)
		}
		if err := validateEnvelope(v, w.body); err != nil {
			t.Error(err)
		}
	}
}

type recorder struct {
	header http.Header
	status int
	body   []byte
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(s int) { r.status = s }

func (r *recorder) Write(b []byte) (int, error) { r.body = append(r.body, b...); return len(b), nil }

// TestNullFieldNamed sends, for every operation with a documented request
// body, its example with one field at a time set to null, at every depth:
// a field whose schema is not nullable gets the 400 envelope naming it
// (field_name, as for an unknown field); a nullable one is accepted.
func TestNullFieldNamed(t *testing.T) {
	v, err := specval.Default()
	if err != nil {
		t.Fatal(err)
	}
	doc := v.Doc()
	srv := NewServer()
	defer srv.Close()
	n := 0
	for _, path := range specKeys(doc.Paths.Map()) {
		item := doc.Paths.Value(path)
		for _, method := range specKeys(item.Operations()) {
			op := item.GetOperation(method)
			if op.RequestBody == nil || op.RequestBody.Value == nil {
				continue
			}
			mt := op.RequestBody.Value.Content.Get("application/json")
			var example map[string]any
			if json.Unmarshal([]byte(requestExample(op)), &example) != nil || mt == nil || mt.Schema == nil {
				continue
			}
			target, _ := fillPath(doc, path, op)
			for _, f := range nullable(mt.Schema.Value, example, "") {
				n++
				t.Run(op.OperationID+"/"+f.path, func(t *testing.T) {
					srv.Reset()
					body := clone(example).(map[string]any)
					setPath(body, strings.Split(f.path, "."), nil)
					b, _ := json.Marshal(body)
					status, m := call(t, srv.URL, method, target, string(b), nil)
					e, _ := m["error"].(map[string]any)
					switch {
					case f.nullable && status == http.StatusBadRequest:
						t.Errorf("%s is nullable, yet refused: %v", f.path, e)
					case !f.nullable && (status != http.StatusBadRequest || e["field_name"] != f.path || e["code"] != codeInvalidField ||
						!strings.Contains(fmt.Sprint(e["message"]), f.path)):
						t.Errorf("%s null: %d %v, want 400 %s naming %s", f.path, status, e, codeInvalidField, f.path)
					}
				})
			}
		}
	}
	if n == 0 {
		t.Fatal("no request body example has a field")
	}
}

type nullField struct {
	path     string
	nullable bool
}

// nullable lists the fields of v (an example), at every depth, dotted,
// with whether s lets each be null. Fields s does not declare are left
// out; so are those below a oneOf or anyOf.
func nullable(s *openapi3.Schema, v map[string]any, at string) []nullField {
	props := map[string]*openapi3.Schema{}
	collect(s, props)
	var out []nullField
	for _, k := range specKeys(props) {
		p := props[k]
		if _, ok := v[k]; ok {
			continue
		}
		out = append(out, nullField{at + k, nullOK(p)}) // declared, not in the example
	}
	for _, k := range specKeys(v) {
		p := props[k]
		if p == nil {
			continue
		}
		out = append(out, nullField{at + k, nullOK(p)})
		switch x := v[k].(type) {
		case map[string]any:
			out = append(out, nullable(p, x, at+k+".")...)
		case []any:
			if p.Items == nil || p.Items.Value == nil {
				continue
			}
			for i, e := range x {
				idx := at + k + "." + strconv.Itoa(i)
				out = append(out, nullField{idx, nullOK(p.Items.Value)})
				if sub, ok := e.(map[string]any); ok {
					out = append(out, nullable(p.Items.Value, sub, idx+".")...)
				}
			}
		}
	}
	return out
}

// setPath sets the field (or array element) at path in v to x.
func setPath(v any, path []string, x any) {
	for i, k := range path {
		switch c := v.(type) {
		case map[string]any:
			if i == len(path)-1 {
				c[k] = x
				return
			}
			v = c[k]
		case []any:
			n, _ := strconv.Atoi(k)
			if i == len(path)-1 {
				c[n] = x
				return
			}
			v = c[n]
		}
	}
}

// nullOK reports whether s takes null: nullable, or some alternative of
// its oneOf or anyOf is.
func nullOK(s *openapi3.Schema) bool {
	if s.Nullable {
		return true
	}
	for _, alts := range []openapi3.SchemaRefs{s.OneOf, s.AnyOf} {
		for _, a := range alts {
			if a.Value != nil && nullOK(a.Value) {
				return true
			}
		}
	}
	return false
}

// TestFloatNumbers: the value validation decoded (UseNumber) is, after
// floatNumbers, what json.Unmarshal gives the same body.
func TestFloatNumbers(t *testing.T) {
	for _, body := range []string{
		`{"a":1,"b":[2.5,{"c":-3e2}],"d":"4","e":null,"f":true,"g":{}}`,
		`[1,[2],{"x":0.1}]`,
		`12`,
		`{"big":123456789012345678901234567890}`,
	} {
		dec := json.NewDecoder(strings.NewReader(body))
		dec.UseNumber()
		var got any
		if err := dec.Decode(&got); err != nil {
			t.Fatal(err)
		}
		got = floatNumbers(got)
		var want any
		if err := json.Unmarshal([]byte(body), &want); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprintf("%#v", got) != fmt.Sprintf("%#v", want) {
			t.Errorf("%s: floatNumbers gives %#v, json.Unmarshal %#v", body, got, want)
		}
	}
}

// mixEntry is a request of testdata/bench/mix.json, the mixed workload
// (internal/cmd/mixgen): every operation of the spec with a documented
// body, and for a delete the create whose id it takes.
type mixEntry struct {
	Operation string          `json:"operation"`
	Method    string          `json:"method"`
	Path      string          `json:"path"`
	Body      json.RawMessage `json:"body"`
	Weight    int             `json:"weight"`
	From      string          `json:"from"`
	FromID    string          `json:"from_id"`
}

func readMixFile(tb testing.TB) (mix struct{ Entries []mixEntry }) {
	tb.Helper()
	raw, err := os.ReadFile("../testdata/bench/mix.json")
	if err != nil {
		tb.Fatal(err)
	}
	if err := json.Unmarshal(raw, &mix); err != nil {
		tb.Fatal(err)
	}
	return mix
}

// TestJSONBodyCheckMatchesKin: validate's own check of a JSON body gives
// what kin-openapi's ValidateRequestBody gives (the same error message,
// or none, and the same decoded value), over every documented request
// body of the mix and, for each top-level field, the body without it and
// with a value of the wrong type, and a few malformed bodies.
func TestJSONBodyCheckMatchesKin(t *testing.T) {
	mix := readMixFile(t)
	h := NewHandler()
	check := func(method, path, ct, body string) (string, any) {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Api-Key", DefaultAPIKey)
		req.Header.Set("Content-Type", ct)
		c := h.validate(req, req.URL.EscapedPath(), false)
		msg := ""
		if c.vErr != nil {
			d, field := describe(c.vErr)
			msg = "error: " + c.vErr.Error() + " | " + d + " | " + field
		}
		if c.routeErr != nil {
			t.Fatalf("%s %s: %v", method, path, c.routeErr)
		}
		return msg, c.val
	}
	n := 0
	for _, e := range mix.Entries {
		if len(e.Body) == 0 || string(e.Body) == "null" {
			continue
		}
		var obj map[string]any
		if json.Unmarshal(e.Body, &obj) != nil {
			continue
		}
		bodies := []string{string(e.Body), `[]`, `null`, `"x"`, string(e.Body) + ` {}`, `{"a":`}
		for _, k := range slices.Sorted(maps.Keys(obj)) {
			without := maps.Clone(obj)
			delete(without, k)
			wrong := maps.Clone(obj)
			if _, isString := obj[k].(string); isString {
				wrong[k] = 12345
			} else {
				wrong[k] = "x"
			}
			for _, m := range []map[string]any{without, wrong} {
				b, _ := json.Marshal(m)
				bodies = append(bodies, string(b))
			}
		}
		for _, body := range bodies {
			for _, ct := range []string{"application/json", "application/json; charset=utf-8"} {
				checkJSONBodies = true
				ownMsg, ownVal := check(e.Method, e.Path, ct, body)
				checkJSONBodies = false
				kinMsg, kinVal := check(e.Method, e.Path, ct, body)
				checkJSONBodies = true
				if ownMsg != kinMsg || fmt.Sprintf("%#v", ownVal) != fmt.Sprintf("%#v", kinVal) {
					t.Errorf("%s %s (%s)\n%s\nown: %q %#v\nkin: %q %#v", e.Operation, e.Path, ct, body, ownMsg, ownVal, kinMsg, kinVal)
				}
				n++
			}
		}
	}
	if n < 200 {
		t.Errorf("only %d bodies compared", n)
	}
}

// TestKeyCheckMatchesKin: with and without validate's own check of the
// api-key header, every operation of the mix gets the same verdict, with
// the key, without it and with an empty one.
func TestKeyCheckMatchesKin(t *testing.T) {
	mix := readMixFile(t)
	h := NewHandler()
	verdict := func(method, path, body string, key []string) string {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		if key != nil {
			req.Header["Api-Key"] = key
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		c := h.validate(req, req.URL.EscapedPath(), false)
		return fmt.Sprintf("%s %v %v %v", c.op, c.vErr, c.routeErr, errors.Is(c.vErr, specval.ErrNoAPIKey))
	}
	n := 0
	for _, e := range mix.Entries {
		body := ""
		if len(e.Body) > 0 && string(e.Body) != "null" {
			body = string(e.Body)
		}
		for _, key := range [][]string{{DefaultAPIKey}, nil, {""}, {"other"}} {
			checkKeys = true
			own := verdict(e.Method, e.Path, body, key)
			checkKeys = false
			kin := verdict(e.Method, e.Path, body, key)
			checkKeys = true
			if own != kin {
				t.Errorf("%s, key %q:\nown %s\nkin %s", e.Operation, key, own, kin)
			}
			n++
		}
	}
	if n < 200 {
		t.Errorf("only %d requests compared", n)
	}
}
