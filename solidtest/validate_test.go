package solidtest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

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
		op, params, vErr, routeErr := h.validate(req, u.EscapedPath(), false)
		h2 := NewHandler()
		h2.route = nil
		op2, params2, vErr2, routeErr2 := h2.validate(req, u.EscapedPath(), false)
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
