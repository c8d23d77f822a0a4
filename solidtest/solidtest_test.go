package solidtest

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/solidsdk/solid-go/internal/specval"
)

var (
	tokenRE = regexp.MustCompile(`^card_pin_test_[0-9a-f]{32}$`)
	reqIDRE = regexp.MustCompile(`^req_[0-9a-f]{32}$`)
)

const setPinPath = "/v2/issuing/card/" + DefaultCardID + "/set_pin_token"

func pinPath(escapedID string) string { return "/v2/issuing/card/" + escapedID + "/set_pin_token" }

type envelope struct {
	RequestID string `json:"request_id"`
	ClientID  string `json:"client_id"`
	Method    string `json:"method"`
	Status    int    `json:"status"`
	Error     struct {
		Code      string `json:"code"`
		Message   string `json:"message"`
		FieldName string `json:"field_name"`
	} `json:"error"`
	CreatedAt string `json:"created_at"`
}

// response is one raw exchange with the mock.
type response struct {
	status int
	header http.Header
	body   []byte
}

// send makes a raw request and checks what every response must satisfy:
// JSON, an X-Request-Id, and a body that openapi.yaml allows (declared
// statuses with ValidateResponse, others against ErrorEnvelope).
func send(t *testing.T, hc *http.Client, base, method, path, key string) response {
	t.Helper()
	req, err := http.NewRequest(method, base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("api-key", key)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	checkResponse(t, req, resp.StatusCode, resp.Header, body)
	return response{resp.StatusCode, resp.Header, body}
}

func checkResponse(t *testing.T, req *http.Request, status int, header http.Header, body []byte) {
	t.Helper()
	v, err := specval.Default()
	if err != nil {
		t.Fatal(err)
	}
	if ct := header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	id := header.Get("X-Request-Id")
	if !reqIDRE.MatchString(id) {
		t.Errorf("X-Request-Id %q", id)
	}
	rt, _ := v.FindRoute(req)
	if rt != nil && declared(rt, status) {
		if err := v.ValidateResponse(rt, status, header, body); err != nil {
			t.Errorf("response %d violates openapi.yaml: %v", status, err)
		}
	} else if err := validateEnvelope(v, body); err != nil {
		t.Errorf("undeclared response %d: %v", status, err)
	}
	if status == http.StatusOK {
		return
	}
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatalf("error body %q: %v", body, err)
	}
	if env.RequestID != id || env.Status != status || env.Method != req.Method || env.ClientID != "" {
		t.Errorf("envelope %+v for %d %s (header id %s)", env, status, req.Method, id)
	}
	if ts, err := time.Parse(time.RFC3339, env.CreatedAt); err != nil || ts.Location() != time.UTC {
		t.Errorf("created_at %q: %v", env.CreatedAt, err)
	}
}

func TestServerAnswers(t *testing.T) {
	srv := NewServer(WithCards("crd_extra", "a/b", "crd_ünï"))
	defer srv.Close()
	tests := []struct {
		name    string
		method  string
		path    string
		key     string
		status  int
		code    string
		message string
		cardID  string // the id in a 200 body
		allow   string
	}{
		{name: "seed card", method: "POST", path: setPinPath, key: DefaultAPIKey, status: 200, cardID: DefaultCardID},
		{name: "added card", method: "POST", path: pinPath("crd_extra"), key: DefaultAPIKey, status: 200, cardID: "crd_extra"},
		{name: "escaped slash stays in the id", method: "POST", path: pinPath("a%2Fb"), key: DefaultAPIKey, status: 200, cardID: "a/b"},
		{name: "unicode id", method: "POST", path: pinPath(url.PathEscape("crd_ünï")), key: DefaultAPIKey, status: 200, cardID: "crd_ünï"},
		{name: "no key", method: "POST", path: setPinPath, status: 401, code: "ERROR_CODE_UNAUTHORIZED", message: "unauthorized"},
		{name: "wrong key", method: "POST", path: setPinPath, key: "sk_wrong", status: 401, code: "ERROR_CODE_UNAUTHORIZED", message: "unauthorized"},
		{name: "no key, unknown card", method: "POST", path: pinPath("crd_nope"), status: 401, code: "ERROR_CODE_UNAUTHORIZED"},
		{name: "unknown card", method: "POST", path: pinPath("crd_nope"), key: DefaultAPIKey, status: 404, code: "ERROR_CODE_RESOURCE_NOT_FOUND", message: "cannot find card holder by id in qldb"},
		{name: "quote in id", method: "POST", path: pinPath("%22%5C"), key: DefaultAPIKey, status: 404, code: "ERROR_CODE_RESOURCE_NOT_FOUND"},
		{name: "unknown path", method: "POST", path: "/v2/nope", key: DefaultAPIKey, status: 404, code: "ERROR_CODE_RESOURCE_NOT_FOUND"},
		{name: "root", method: "GET", path: "/", status: 404, code: "ERROR_CODE_RESOURCE_NOT_FOUND"},
		{name: "extra segment", method: "POST", path: "/v2/issuing/card/a/b/set_pin_token", key: DefaultAPIKey, status: 404, code: "ERROR_CODE_RESOURCE_NOT_FOUND"},
		// The router gives an empty segment to card_id, which the spec requires.
		{name: "empty card segment", method: "POST", path: "/v2/issuing/card//set_pin_token", key: DefaultAPIKey, status: 400, code: "ERROR_CODE_INVALID_REQUEST"},
		// kin-openapi's router tolerates a trailing slash.
		{name: "trailing slash", method: "POST", path: setPinPath + "/", key: DefaultAPIKey, status: 200, cardID: DefaultCardID},
		{name: "GET is not allowed", method: "GET", path: setPinPath, key: DefaultAPIKey, status: 405, code: "ERROR_CODE_METHOD_NOT_ALLOWED", allow: "POST"},
		{name: "DELETE is not allowed", method: "DELETE", path: setPinPath, status: 405, allow: "POST"},
		{name: "odd method", method: "PURGE", path: setPinPath, status: 405, allow: "POST"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := send(t, srv.Client(), srv.URL, tt.method, tt.path, tt.key)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			if tt.allow != "" && r.header.Get("Allow") != tt.allow {
				t.Errorf("Allow %q, want %q", r.header.Get("Allow"), tt.allow)
			}
			if tt.status == 200 {
				var tok struct {
					ID    string `json:"id"`
					Token string `json:"set_pin_token"`
				}
				if err := json.Unmarshal(r.body, &tok); err != nil {
					t.Fatal(err)
				}
				if tok.ID != tt.cardID || !tokenRE.MatchString(tok.Token) {
					t.Errorf("200 body %s", r.body)
				}
				return
			}
			var env envelope
			json.Unmarshal(r.body, &env)
			if (tt.code != "" && env.Error.Code != tt.code) || (tt.message != "" && env.Error.Message != tt.message) {
				t.Errorf("error %+v, want %s %q", env.Error, tt.code, tt.message)
			}
			if strings.Contains(string(r.body), DefaultAPIKey) {
				t.Error("body reveals the API key")
			}
		})
	}
}

func TestTokensAndRequestIDsAreFresh(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	seen := map[string]bool{}
	for range 5 {
		r := send(t, srv.Client(), srv.URL, "POST", setPinPath, DefaultAPIKey)
		for _, v := range []string{string(r.body), r.header.Get("X-Request-Id")} {
			if seen[v] {
				t.Fatalf("repeated %q", v)
			}
			seen[v] = true
		}
	}
}

func TestKeysAndCards(t *testing.T) {
	srv := NewServer(WithAPIKeys("sk_a", ""))
	defer srv.Close()
	steps := []struct {
		key, card string
		add       func()
		status    int
	}{
		{key: DefaultAPIKey, card: DefaultCardID, status: 401},
		{key: "sk_a", card: DefaultCardID, status: 200},
		{key: "sk_b", card: DefaultCardID, status: 401},
		{add: func() { srv.AddAPIKey("sk_b") }, key: "sk_b", card: DefaultCardID, status: 200},
		{key: "sk_a", card: "crd_new", status: 404},
		{add: func() { srv.AddCard("crd_new") }, key: "sk_a", card: "crd_new", status: 200},
	}
	for i, s := range steps {
		if s.add != nil {
			s.add()
		}
		if r := send(t, srv.Client(), srv.URL, "POST", pinPath(s.card), s.key); r.status != s.status {
			t.Errorf("step %d: status %d, want %d", i, r.status, s.status)
		}
	}
}

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
		id, vErr, routeErr := h.validate(req, u.EscapedPath())
		h2 := NewHandler()
		h2.route = nil
		id2, vErr2, routeErr2 := h2.validate(req, u.EscapedPath())
		if id != id2 || (vErr == nil) != (vErr2 == nil) || (routeErr == nil) != (routeErr2 == nil) {
			t.Errorf("%s: fast path (%q, %v, %v), router (%q, %v, %v)", p, id, vErr, routeErr, id2, vErr2, routeErr2)
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
		{"/things/abc", DefaultAPIKey, 400, "ERROR_CODE_INVALID_REQUEST"},
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
		if tt.status == 400 && (env.Error.FieldName != "n" || strings.Contains(env.Error.Message, DefaultAPIKey)) {
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

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) WriteHeader(s int)           { r.status = s }
func (r *recorder) Write(b []byte) (int, error) { r.body = append(r.body, b...); return len(b), nil }

func TestFaults(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	srv.QueueFault(Fault{Status: 503, RetryAfter: "1", Count: 2})
	srv.QueueFault(Fault{Status: 429})
	srv.QueueFault(Fault{Drop: true})
	want := []struct {
		status     int
		retryAfter string
		code       string
		dropped    bool
	}{
		{status: 503, retryAfter: "1", code: "ERROR_CODE_SERVICE_UNAVAILABLE"},
		{status: 503, retryAfter: "1", code: "ERROR_CODE_SERVICE_UNAVAILABLE"},
		{status: 429, code: "ERROR_CODE_TOO_MANY_REQUESTS"},
		{dropped: true},
		{status: 200},
	}
	for i, w := range want {
		if w.dropped {
			req, _ := http.NewRequest("POST", srv.URL+setPinPath, nil)
			req.Header.Set("api-key", DefaultAPIKey)
			resp, err := srv.Client().Do(req)
			if err == nil {
				resp.Body.Close()
				t.Fatalf("request %d: got %d, want a dropped connection", i, resp.StatusCode)
			}
			continue
		}
		r := send(t, srv.Client(), srv.URL, "POST", setPinPath, DefaultAPIKey)
		if r.status != w.status || r.header.Get("Retry-After") != w.retryAfter {
			t.Fatalf("request %d: %d Retry-After %q, want %d %q", i, r.status, r.header.Get("Retry-After"), w.status, w.retryAfter)
		}
		var env envelope
		json.Unmarshal(r.body, &env)
		if env.Error.Code != w.code {
			t.Errorf("request %d: code %q, want %q", i, env.Error.Code, w.code)
		}
	}
	got := srv.Requests()
	wantStatus := []int{503, 503, 429, 0, 200}
	if len(got) != len(wantStatus) {
		t.Fatalf("recorded %d requests, want %d: %+v", len(got), len(wantStatus), got)
	}
	for i, r := range got {
		if r.Status != wantStatus[i] || r.Method != "POST" || r.Path != setPinPath || r.CardID != DefaultCardID || !r.HasAPIKey {
			t.Errorf("record %d = %+v", i, r)
		}
	}
	srv.QueueFault(Fault{Status: 500, Count: 3})
	srv.Reset()
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests after Reset", n)
	}
	if r := send(t, srv.Client(), srv.URL, "POST", setPinPath, DefaultAPIKey); r.status != 200 {
		t.Errorf("after Reset: %d", r.status)
	}
}

func TestQueueFaultRefusesMistakes(t *testing.T) {
	h := NewHandler()
	for _, f := range []Fault{{Status: 200}, {Status: 0}, {Status: 600}, {Status: 503, Count: -1}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("QueueFault(%+v) did not panic", f)
				}
			}()
			h.QueueFault(f)
		}()
	}
}

// waitForRecord reads the request record until cond holds of it, and
// returns it. The record is how the mock shows that a request is waiting
// out its latency, so tests gate on it rather than sleep: the ticker only
// sets how often the record is read. The test fails if cond has not held
// within a minute.
func waitForRecord(t *testing.T, h *Handler, cond func([]Request) bool) []Request {
	t.Helper()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	deadline := time.NewTimer(time.Minute)
	defer deadline.Stop()
	for {
		if rs := h.Requests(); cond(rs) {
			return rs
		}
		select {
		case <-tick.C:
		case <-deadline.C:
			t.Fatalf("the record never got there; it holds %+v", h.Requests())
		}
	}
}

// unanswered is a condition for waitForRecord: n requests recorded, none
// of them answered yet.
func unanswered(n int) func([]Request) bool {
	return func(rs []Request) bool {
		return len(rs) == n && !slices.ContainsFunc(rs, func(r Request) bool { return r.Status != 0 })
	}
}

// goPost sends a POST to url in a goroutine and reports its error, nil
// when an answer came.
func goPost(ctx context.Context, hc *http.Client, url, key string) <-chan error {
	errc := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, "POST", url, nil)
		if key != "" {
			req.Header.Set("api-key", key)
		}
		resp, err := hc.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	return errc
}

// serveSignalling serves h on an httptest server that sends on the
// returned channel each time h has finished with a request.
func serveSignalling(t *testing.T, h http.Handler) (*httptest.Server, <-chan struct{}) {
	ended := make(chan struct{}, 8)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() { ended <- struct{}{} }()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	return ts, ended
}

// TestLatencyClientGivesUp: a request waiting out the latency is in the
// record with Status 0; when its client gives up it ends unanswered and
// keeps Status 0.
func TestLatencyClientGivesUp(t *testing.T) {
	h := NewHandler()
	ts, ended := serveSignalling(t, h)
	h.SetLatency(time.Hour)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := goPost(ctx, ts.Client(), ts.URL+setPinPath, DefaultAPIKey)
	held := waitForRecord(t, h, unanswered(1))
	if want := (Request{Method: "POST", Path: setPinPath, CardID: DefaultCardID, HasAPIKey: true}); held[0] != want {
		t.Errorf("record while waiting %+v, want %+v", held[0], want)
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	<-ended

	h.SetLatency(0)
	if r := send(t, ts.Client(), ts.URL, "POST", setPinPath, DefaultAPIKey); r.status != 200 {
		t.Fatalf("without latency: %d", r.status)
	}
	<-ended
	var got []int
	for _, r := range h.Requests() {
		got = append(got, r.Status)
	}
	if want := []int{0, 200}; !slices.Equal(got, want) {
		t.Errorf("statuses %v, want %v", got, want)
	}
}

// TestCloseEndsWaitingRequests: Close does not wait out the latency; the
// waiting requests end unanswered and keep Status 0.
func TestCloseEndsWaitingRequests(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	srv.SetLatency(time.Hour)
	errc := []<-chan error{
		goPost(context.Background(), srv.Client(), srv.URL+setPinPath, ""),
		goPost(context.Background(), srv.Client(), srv.URL+setPinPath, ""),
	}
	waitForRecord(t, srv.Handler, unanswered(2))

	closed := make(chan struct{})
	go func() {
		srv.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(time.Minute):
		t.Fatal("Close is waiting out the latency")
	}
	for _, c := range errc {
		if err := <-c; err == nil {
			t.Error("a request waiting out the latency was answered after Close")
		}
	}
	want := Request{Method: "POST", Path: setPinPath, CardID: DefaultCardID}
	if got := srv.Requests(); len(got) != 2 || got[0] != want || got[1] != want {
		t.Errorf("record after Close %+v, want twice %+v", got, want)
	}
}

// TestCloseWaitsForHandlers: Close returns only once every request in
// flight has ended, the ones it cut short included.
func TestCloseWaitsForHandlers(t *testing.T) {
	h := NewHandler()
	var returned atomic.Int32
	srv := &Server{Handler: h, srv: httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer returned.Add(1)
		h.ServeHTTP(w, r)
	}))}
	srv.start(false)
	defer srv.Close()
	srv.SetLatency(time.Hour)
	errc := []<-chan error{
		goPost(context.Background(), srv.Client(), srv.URL+setPinPath, DefaultAPIKey),
		goPost(context.Background(), srv.Client(), srv.URL+setPinPath, DefaultAPIKey),
	}
	waitForRecord(t, h, unanswered(2))
	srv.Close()
	if n := returned.Load(); n != 2 {
		t.Errorf("Close returned while %d of 2 handlers were still running", 2-n)
	}
	for _, c := range errc {
		if err := <-c; err == nil {
			t.Error("a request waiting out the latency was answered after Close")
		}
	}
}

// TestTLSServer: NewTLSServer serves the same mock over HTTPS; its Client
// trusts the certificate, a client that does not is refused.
func TestTLSServer(t *testing.T) {
	srv := newServer([]Option{WithCards("crd_tls")})
	srv.srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake below
	srv.start(true)
	defer srv.Close()
	if !strings.HasPrefix(srv.URL, "https://") {
		t.Fatalf("URL %q, want https", srv.URL)
	}
	if r := send(t, srv.Client(), srv.URL, "POST", pinPath("crd_tls"), DefaultAPIKey); r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	srv.QueueFault(Fault{Drop: true})
	if err := <-goPost(context.Background(), srv.Client(), srv.URL+setPinPath, DefaultAPIKey); err == nil {
		t.Error("a dropped request was answered")
	}

	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	_, err := (&http.Client{Transport: tr}).Post(srv.URL+setPinPath, "", nil)
	var certErr *tls.CertificateVerificationError
	if !errors.As(err, &certErr) {
		t.Errorf("a client without the certificate: err = %v, want a certificate error", err)
	}

	want := []Request{
		{Method: "POST", Path: pinPath("crd_tls"), CardID: "crd_tls", HasAPIKey: true, Status: 200},
		{Method: "POST", Path: setPinPath, CardID: DefaultCardID, HasAPIKey: true, Status: 0},
	}
	if got := srv.Requests(); !slices.Equal(got, want) {
		t.Errorf("record %+v, want %+v", got, want)
	}
}

// TestNewTLSServer checks the exported constructor end to end.
func TestNewTLSServer(t *testing.T) {
	srv := NewTLSServer()
	defer srv.Close()
	if r := send(t, srv.Client(), srv.URL, "POST", setPinPath, DefaultAPIKey); r.status != 200 || !strings.HasPrefix(srv.URL, "https://") {
		t.Fatalf("%s: status %d", srv.URL, r.status)
	}
}

// TestRequests checks what the record holds of each kind of request:
// rejected ones and faults included, in the order they arrived, with the
// status they were answered with, 0 for a dropped connection.
func TestRequests(t *testing.T) {
	srv := NewServer(WithCards("a/b"))
	defer srv.Close()
	srv.QueueFault(Fault{Status: 503})
	steps := []struct {
		method, path, key string
		drop              bool
	}{
		{method: "POST", path: setPinPath, key: DefaultAPIKey}, // the 503 fault
		{method: "GET", path: "/v2/nope"},
		{method: "GET", path: setPinPath, key: DefaultAPIKey},
		{method: "POST", path: setPinPath},
		{method: "POST", path: pinPath("crd_nope"), key: DefaultAPIKey},
		{method: "POST", path: pinPath("a%2Fb"), key: "sk_wrong"},
		{method: "POST", path: pinPath("a%2Fb"), key: DefaultAPIKey, drop: true},
		{method: "POST", path: pinPath("a%2Fb"), key: DefaultAPIKey},
	}
	for _, s := range steps {
		if s.drop {
			srv.QueueFault(Fault{Drop: true})
			if err := <-goPost(context.Background(), srv.Client(), srv.URL+s.path, s.key); err == nil {
				t.Fatal("a dropped request was answered")
			}
			continue
		}
		send(t, srv.Client(), srv.URL, s.method, s.path, s.key)
	}
	want := []Request{
		{Method: "POST", Path: setPinPath, CardID: DefaultCardID, HasAPIKey: true, Status: 503},
		{Method: "GET", Path: "/v2/nope", Status: 404},
		{Method: "GET", Path: setPinPath, HasAPIKey: true, Status: 405},
		{Method: "POST", Path: setPinPath, CardID: DefaultCardID, Status: 401},
		{Method: "POST", Path: pinPath("crd_nope"), CardID: "crd_nope", HasAPIKey: true, Status: 404},
		{Method: "POST", Path: pinPath("a%2Fb"), CardID: "a/b", HasAPIKey: true, Status: 401},
		{Method: "POST", Path: pinPath("a%2Fb"), CardID: "a/b", HasAPIKey: true, Status: 0},
		{Method: "POST", Path: pinPath("a%2Fb"), CardID: "a/b", HasAPIKey: true, Status: 200},
	}
	if got := srv.Requests(); !slices.Equal(got, want) {
		t.Errorf("record:\n got %+v\nwant %+v", got, want)
	}
}

// TestResetForgetsWaitingRequests: a request that arrived before Reset is
// not in the record after it, not even once it ends.
func TestResetForgetsWaitingRequests(t *testing.T) {
	h := NewHandler()
	ts, ended := serveSignalling(t, h)
	h.SetLatency(time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := goPost(ctx, ts.Client(), ts.URL+setPinPath, DefaultAPIKey)
	waitForRecord(t, h, unanswered(1))

	h.Reset() // latency off for new requests; the waiting one keeps waiting
	if got := h.Requests(); len(got) != 0 {
		t.Fatalf("record after Reset %+v, want empty", got)
	}
	send(t, ts.Client(), ts.URL, "POST", pinPath("crd_nope"), DefaultAPIKey)
	<-ended
	cancel()
	<-errc
	<-ended
	want := []Request{{Method: "POST", Path: pinPath("crd_nope"), CardID: "crd_nope", HasAPIKey: true, Status: 404}}
	if got := h.Requests(); !slices.Equal(got, want) {
		t.Errorf("record %+v, want %+v", got, want)
	}
}

func TestRequestRecordIsBounded(t *testing.T) {
	h := NewHandler()
	for i := range MaxRecordedRequests + 5 {
		h.record(Request{Status: i})
	}
	got := h.Requests()
	if len(got) != MaxRecordedRequests || got[0].Status != 5 || got[len(got)-1].Status != MaxRecordedRequests+4 {
		t.Fatalf("len %d first %d last %d", len(got), got[0].Status, got[len(got)-1].Status)
	}
}

// TestRecordAfterReset checks that the record starts over after Reset:
// answers are recorded with their own statuses, latency or not, and the
// ring keeps the most recent requests in order.
func TestRecordAfterReset(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	for range 3 {
		send(t, srv.Client(), srv.URL, "POST", setPinPath, DefaultAPIKey)
	}
	srv.Reset()
	// With latency on, each request is recorded on arrival and its status
	// filled in when answered. time.Nanosecond keeps the waits short.
	srv.SetLatency(time.Nanosecond)
	srv.QueueFault(Fault{Status: 503})
	for _, p := range []string{setPinPath, pinPath("crd_nope"), setPinPath} {
		send(t, srv.Client(), srv.URL, "POST", p, DefaultAPIKey)
	}
	var got []int
	for _, r := range srv.Requests() {
		got = append(got, r.Status)
	}
	if want := []int{503, 404, 200}; !slices.Equal(got, want) {
		t.Errorf("statuses after Reset %v, want %v", got, want)
	}

	h := NewHandler()
	for i := range 3 {
		h.record(Request{Status: -1 - i})
	}
	h.Reset()
	for i := range MaxRecordedRequests + 5 {
		h.record(Request{Status: i})
	}
	rs := h.Requests()
	if len(rs) != MaxRecordedRequests {
		t.Fatalf("%d requests recorded, want %d", len(rs), MaxRecordedRequests)
	}
	for i, r := range rs {
		if r.Status != i+5 {
			t.Fatalf("after Reset and a full ring, record %d has status %d, want %d", i, r.Status, i+5)
		}
	}
}

// TestFinishAcrossReset checks that a request recorded before Reset and
// answered after it leaves the new record alone.
func TestFinishAcrossReset(t *testing.T) {
	h := NewHandler()
	old := h.record(Request{Path: "/old"})
	h.Reset()
	cur := h.record(Request{Path: "/new"})
	h.finish(old, 503)
	if got := h.Requests(); len(got) != 1 || got[0].Path != "/new" || got[0].Status != 0 {
		t.Fatalf("after a stale finish: %+v, want /new with status 0", got)
	}
	h.finish(cur, 200)
	if got := h.Requests(); len(got) != 1 || got[0].Status != 200 {
		t.Fatalf("after finish: %+v, want status 200", got)
	}
}

func TestConcurrentUse(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			switch i % 4 {
			case 0:
				srv.QueueFault(Fault{Status: 502})
			case 1:
				srv.AddCard("crd_x")
			case 2:
				srv.Requests()
			}
			req, _ := http.NewRequest("POST", srv.URL+setPinPath, nil)
			req.Header.Set("api-key", DefaultAPIKey)
			if resp, err := srv.Client().Do(req); err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	if n := len(srv.Requests()); n != 8 {
		t.Errorf("recorded %d requests, want 8", n)
	}
}

func TestAppendJSONString(t *testing.T) {
	for _, s := range []string{"", "plain", `q"b\`, "ctl\x00\x1f\x7f", "ünï", "bad\xff", "<&>"} {
		var got string
		if err := json.Unmarshal(appendJSONString(nil, s), &got); err != nil {
			t.Errorf("%q: %v", s, err)
			continue
		}
		if want := strings.ToValidUTF8(s, "\ufffd"); got != want {
			t.Errorf("round trip %q = %q", s, got)
		}
	}
}
