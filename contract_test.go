package solid_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	solid "github.com/solidsdk/solid-go"
	"github.com/solidsdk/solid-go/internal/specval"
)

const (
	testKey  = "sk_test_contract_key_0123456789"
	seedCard = "crd_7948d9a96706dd05360a340002de725f"
	seedTok  = "card_pin_test_01920c6725b4707688fa0ad517bdeddb"
	// seedShowTok is the show token of Solid's "Show a Card" example.
	seedShowTok = "card_show_test_66449e6614b54f9e838c74807268db09"
)

// seen is what the contract server recorded of one request.
type seen struct {
	method, path, cardID, apiKey, userAgent string
}

// contractServer validates every request against openapi.yaml, failing the
// test on any violation, and answers with a fixture from testdata/responses.
// Fixtures with a status the spec declares are validated as responses too.
type contractServer struct {
	t      *testing.T
	srv    *httptest.Server
	status int
	ctype  string
	body   []byte
	echoID bool // put the requested card ID into a 200 body

	mu       sync.Mutex
	reqs     []seen
	respErrs []error // fixture responses that violate openapi.yaml
}

func newContractServer(t *testing.T, status int, fixture string) *contractServer {
	t.Helper()
	cs := &contractServer{t: t, status: status, ctype: "application/json"}
	if fixture != "" {
		b, err := os.ReadFile(filepath.Join("testdata", "responses", fixture))
		if err != nil {
			t.Fatal(err)
		}
		cs.body = b
		if strings.HasSuffix(fixture, ".html") {
			cs.ctype = "text/html"
		}
	}
	cs.srv = httptest.NewServer(http.HandlerFunc(cs.serve))
	t.Cleanup(cs.srv.Close)
	return cs
}

func (cs *contractServer) serve(w http.ResponseWriter, r *http.Request) {
	v, err := specval.Default()
	if err != nil {
		cs.t.Errorf("spec: %v", err)
		return
	}
	rt, err := v.ValidateRequest(r)
	if err != nil {
		cs.t.Errorf("request %s %s violates openapi.yaml: %v", r.Method, r.URL.EscapedPath(), err)
		http.Error(w, "contract violation", http.StatusTeapot)
		return
	}
	s := seen{method: r.Method, path: r.URL.EscapedPath(), cardID: rt.Input.PathParams["card_id"], apiKey: r.Header.Get("api-key"), userAgent: r.Header.Get("User-Agent")}
	cs.mu.Lock()
	cs.reqs = append(cs.reqs, s)
	cs.mu.Unlock()

	body := cs.body
	if cs.echoID {
		body = []byte(`{"id":` + jsonString(s.cardID) + `,"set_pin_token":"` + seedTok + `"}`)
	}
	if cs.status == 200 || cs.status == 401 || cs.status == 404 {
		h := http.Header{"Content-Type": {cs.ctype}}
		if err := v.ValidateResponse(rt, cs.status, h, body); err != nil {
			cs.mu.Lock()
			cs.respErrs = append(cs.respErrs, err)
			cs.mu.Unlock()
		}
	}
	w.Header().Set("Content-Type", cs.ctype)
	w.WriteHeader(cs.status)
	w.Write(body)
}

func (cs *contractServer) requests() []seen {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return append([]seen(nil), cs.reqs...)
}

func (cs *contractServer) responseErrors() []error {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return append([]error(nil), cs.respErrs...)
}

func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteString(`\` + string(r))
		case r < 0x20:
			b.WriteString(`\u00` + string("0123456789abcdef"[r>>4]) + string("0123456789abcdef"[r&15]))
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func newTestClient(t *testing.T, baseURL string, opts ...solid.Option) *solid.Client {
	t.Helper()
	opts = append([]solid.Option{
		solid.WithBaseURL(baseURL),
		solid.WithRetryBackoff(time.Millisecond, 2*time.Millisecond),
		solid.WithLogger(suiteLogger),
	}, opts...)
	c, err := solid.NewClient(testKey, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestContractCreateSetPinToken(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		fixture  string
		opts     []solid.Option
		wantTok  bool
		wantIs   []error
		wantAPI  *solid.APIError // fields checked when non-nil
		attempts int             // requests the server should see
		offSpec  bool            // the fixture deliberately violates openapi.yaml
	}{
		{name: "200 gives the token", status: 200, fixture: "200.json", wantTok: true, attempts: 1},
		{name: "401 envelope", status: 401, fixture: "401.json", wantIs: []error{solid.ErrUnauthorized},
			wantAPI: &solid.APIError{StatusCode: 401, Code: "ERROR_CODE_UNAUTHORIZED", Message: "unauthorized", RequestID: "req_01900e34c96d7abfa970a9f454ab2d5d"}, attempts: 1},
		{name: "404 envelope", status: 404, fixture: "404.json", wantIs: []error{solid.ErrNotFound},
			wantAPI: &solid.APIError{StatusCode: 404, Code: "ERROR_CODE_RESOURCE_NOT_FOUND", Message: "cannot find card holder by id in qldb", RequestID: "req_01900e959896706b870affad1b4d71dd"}, attempts: 1},
		{name: "500 HTML is retried then an APIError with an excerpt", status: 500, fixture: "500.html",
			wantAPI: &solid.APIError{StatusCode: 500, Body: "<html><head><title>500 Internal Server Error</title></head><body><h1>Internal Server Error</h1></body></html>"}, attempts: 3},
		{name: "500 without retries", status: 500, fixture: "500.html", opts: []solid.Option{solid.WithMaxRetries(0)},
			wantAPI: &solid.APIError{StatusCode: 500}, attempts: 1},
		{name: "truncated JSON", status: 200, fixture: "truncated.json", wantIs: []error{solid.ErrMalformedResponse}, attempts: 1, offSpec: true},
		{name: "missing set_pin_token", status: 200, fixture: "missing-token.json", wantIs: []error{solid.ErrMalformedResponse}, attempts: 1, offSpec: true},
		{name: "body over the cap", status: 200, fixture: "200.json", opts: []solid.Option{solid.WithMaxResponseBytes(32)},
			wantIs: []error{solid.ErrResponseTooLarge}, attempts: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := newContractServer(t, tt.status, tt.fixture)
			c := newTestClient(t, cs.srv.URL, tt.opts...)
			tok, err := c.CreateSetPinToken(context.Background(), seedCard)

			if errs := cs.responseErrors(); tt.offSpec != (len(errs) > 0) {
				t.Errorf("fixture %s: off-spec %v, validation errors %v", tt.fixture, tt.offSpec, errs)
			}
			reqs := cs.requests()
			if len(reqs) != tt.attempts {
				t.Errorf("server saw %d requests, want %d", len(reqs), tt.attempts)
			}
			for _, r := range reqs {
				if r.method != http.MethodPost || r.cardID != seedCard || r.apiKey != testKey {
					t.Errorf("request = %s card %q key ok %v", r.method, r.cardID, r.apiKey == testKey)
				}
			}
			if tt.wantTok {
				if err != nil {
					t.Fatalf("CreateSetPinToken: %v", err)
				}
				if tok.CardID != seedCard || tok.Token.Reveal() != seedTok {
					t.Fatalf("token = %+v / %q", tok, tok.Token.Reveal())
				}
				return
			}
			if err == nil {
				t.Fatalf("CreateSetPinToken succeeded with %v, want an error", tok)
			}
			if tok != nil {
				t.Errorf("got a token alongside error %v", err)
			}
			for _, target := range tt.wantIs {
				if !errors.Is(err, target) {
					t.Errorf("errors.Is(%v, %v) = false", err, target)
				}
			}
			if tt.wantAPI != nil {
				var apiErr *solid.APIError
				if !errors.As(err, &apiErr) {
					t.Fatalf("error %v (%T) is not an *APIError", err, err)
				}
				w := tt.wantAPI
				if apiErr.StatusCode != w.StatusCode || apiErr.Code != w.Code || apiErr.Message != w.Message ||
					apiErr.RequestID != w.RequestID || (w.Body != "" && apiErr.Body != w.Body) {
					t.Errorf("APIError = %+v, want %+v", *apiErr, *w)
				}
				if apiErr.Operation != "createSetPinToken" || apiErr.Attempts != tt.attempts {
					t.Errorf("APIError operation %q attempts %d", apiErr.Operation, apiErr.Attempts)
				}
			}
			if strings.Contains(err.Error(), testKey) {
				t.Errorf("error reveals the API key: %v", err)
			}
		})
	}
}

// TestContractCardIDs checks that every card ID either is refused before a
// request or reaches the server exactly, under the operation's path.
func TestContractCardIDs(t *testing.T) {
	tests := []struct {
		id      string
		refused bool
	}{
		{id: seedCard},
		{id: "", refused: true},
		{id: ".", refused: true},
		{id: "..", refused: true},
		{id: "a\x00b", refused: true},
		{id: "crd\r\nX-Evil: 1", refused: true},
		{id: "\xff\xfe", refused: true},
		{id: strings.Repeat("a", 10000), refused: true},
		{id: "a/b"},
		{id: "../../v1/admin"},
		{id: "%2e%2e"},
		{id: "?q=1"},
		{id: "#frag"},
		{id: "a b"},
		{id: "%"},
		{id: "crd_ünïcode"},
		{id: "..."},
	}
	for _, tt := range tests {
		t.Run(truncateName(tt.id), func(t *testing.T) {
			cs := newContractServer(t, 200, "")
			cs.echoID = true
			c := newTestClient(t, cs.srv.URL)
			tok, err := c.CreateSetPinToken(context.Background(), tt.id)
			reqs := cs.requests()
			if tt.refused {
				if !errors.Is(err, solid.ErrInvalidInput) {
					t.Fatalf("err = %v, want ErrInvalidInput", err)
				}
				if len(reqs) != 0 {
					t.Fatalf("a refused ID still sent %d requests", len(reqs))
				}
				return
			}
			if err != nil {
				t.Fatalf("CreateSetPinToken(%q): %v", tt.id, err)
			}
			if len(reqs) != 1 || reqs[0].cardID != tt.id {
				t.Fatalf("server saw %+v, want card_id %q", reqs, tt.id)
			}
			if tok.CardID != tt.id {
				t.Fatalf("token for %q", tok.CardID)
			}
		})
	}
}

func truncateName(s string) string {
	if len(s) > 20 {
		return s[:20]
	}
	return s
}

func TestContractRedirects(t *testing.T) {
	var other struct {
		sync.Mutex
		hits int
		key  string
	}
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		other.Lock()
		other.hits++
		other.key = r.Header.Get("api-key")
		other.Unlock()
	}))
	defer elsewhere.Close()
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer redirector.Close()

	// A user's own client, whose policy would follow anything.
	userClient := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return nil }}
	c := newTestClient(t, redirector.URL, solid.WithHTTPClient(userClient))
	_, err := c.CreateSetPinToken(context.Background(), seedCard)
	if !errors.Is(err, solid.ErrRedirectRefused) {
		t.Fatalf("err = %v, want ErrRedirectRefused", err)
	}
	if other.hits != 0 || other.key != "" {
		t.Fatalf("the other host got %d requests (key sent: %v)", other.hits, other.key != "")
	}
	if userClient.CheckRedirect == nil || userClient.Transport != nil {
		t.Fatal("WithHTTPClient modified the caller's client")
	}
}

// TestContractGeneratedAPI runs the generated client from c.API(): same
// auth and validation, and non-2xx responses become *APIError.
func TestContractGeneratedAPI(t *testing.T) {
	cs := newContractServer(t, 200, "200.json")
	c := newTestClient(t, cs.srv.URL)
	resp, err := c.API().CreateSetPinTokenWithResponse(context.Background(), seedCard, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.JSON200 == nil || resp.JSON200.SetPinToken.Reveal() != seedTok {
		t.Fatalf("JSON200 = %+v", resp.JSON200)
	}

	cs404 := newContractServer(t, 404, "404.json")
	c = newTestClient(t, cs404.srv.URL)
	_, err = c.API().CreateSetPinTokenWithResponse(context.Background(), seedCard, nil)
	var apiErr *solid.APIError
	if !errors.As(err, &apiErr) || !errors.Is(err, solid.ErrNotFound) || apiErr.Code != "ERROR_CODE_RESOURCE_NOT_FOUND" {
		t.Fatalf("err = %v, want a 404 *APIError", err)
	}

	// A path parameter that would leave the operation's path is refused.
	_, err = c.API().CreateSetPinTokenWithResponse(context.Background(), "..", nil)
	if !errors.Is(err, solid.ErrInvalidInput) {
		t.Fatalf("err = %v, want ErrInvalidInput", err)
	}
	if n := len(cs404.requests()); n != 1 {
		t.Fatalf("server saw %d requests, want 1", n)
	}
}
