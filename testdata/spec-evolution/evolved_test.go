package solid_test

// This file is not built in this repository: evolution_test.go copies it
// into a scratch copy of the repository whose openapi.yaml is today's
// openapi.yaml with testdata/spec-evolution/overlay.yaml merged in, runs
// go generate there, and runs
// it. It calls getCardSummary and updateCardStatus, operations that exist only in
// that spec, through c.API(): auth, base URL, retries and error decoding
// must all come from the wrapper's shared request path and the regenerated
// operation table, with no code written for these operations.

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	solid "github.com/solidsdk/solid-go"
	"github.com/solidsdk/solid-go/gen"
	"github.com/solidsdk/solid-go/internal/ops"
	"github.com/solidsdk/solid-go/internal/specval"
)

const (
	evoKey  = "sk_test_evolution_key_0123456789"
	evoCard = "crd_7948d9a96706dd05360a340002de725f"
)

// evoReply is one canned response.
type evoReply struct {
	status int
	body   string
}

// evoServer answers with replies in order (repeating the last), validates
// every request and response against the regenerated spec, and records
// what arrived.
type evoServer struct {
	t       *testing.T
	srv     *httptest.Server
	prefix  string
	replies []evoReply

	mu     sync.Mutex
	paths  []string
	keys   []string
	bodies []string
	query  []string
	errs   []error
}

func newEvoServer(t *testing.T, prefix string, replies ...evoReply) *evoServer {
	t.Helper()
	v, err := specval.Default()
	if err != nil {
		t.Fatalf("specval: %v", err)
	}
	s := &evoServer{t: t, prefix: prefix, replies: replies}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		n := len(s.paths)
		s.paths = append(s.paths, r.URL.EscapedPath())
		s.keys = append(s.keys, r.Header.Get("api-key"))
		s.bodies = append(s.bodies, string(body))
		s.query = append(s.query, r.URL.RawQuery)
		s.mu.Unlock()

		rep := s.replies[min(n, len(s.replies)-1)]
		// Validate against the spec as the server would see it, without
		// the base URL's path prefix.
		vr := r.Clone(r.Context())
		vr.URL.Path = r.URL.Path[len(s.prefix):]
		vr.URL.RawPath = ""
		vr.Body = io.NopCloser(bytes.NewReader(body))
		rt, verr := v.ValidateRequest(vr)
		if verr == nil && rep.status != http.StatusServiceUnavailable && rep.status != http.StatusInternalServerError {
			verr = v.ValidateResponse(rt, rep.status, http.Header{"Content-Type": {"application/json"}}, []byte(rep.body))
		}
		if verr != nil {
			s.mu.Lock()
			s.errs = append(s.errs, verr)
			s.mu.Unlock()
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rep.status)
		io.WriteString(w, rep.body)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *evoServer) client(t *testing.T) *solid.Client {
	t.Helper()
	c, err := solid.NewClient(evoKey,
		solid.WithBaseURL(s.srv.URL+s.prefix),
		solid.WithRetryBackoff(time.Millisecond, 2*time.Millisecond),
		// main_test.go's suite logger: its TestMain then checks that the
		// new operations' log records carry no secret.
		solid.WithLogger(suiteLogger))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func fixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "responses", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestEvolvedOperationTable checks what opsgen derived from the spec: a GET
// is safe to repeat, a POST that declares no idempotency-key header is not.
func TestEvolvedOperationTable(t *testing.T) {
	want := map[string]ops.Operation{
		"getCardSummary":   {ID: "getCardSummary", Method: "GET", Path: "/v2/issuing/card/{card_id}/summary", Idempotent: true},
		"updateCardStatus": {ID: "updateCardStatus", Method: "POST", Path: "/v2/issuing/card/{card_id}/status", Idempotent: false},
	}
	for _, op := range ops.Operations {
		if w, ok := want[op.ID]; ok {
			if op != w {
				t.Errorf("ops.Operations has %+v, want %+v", op, w)
			}
			delete(want, op.ID)
		}
	}
	for id := range want {
		t.Errorf("ops.Operations lacks %s", id)
	}
}

func TestEvolvedOperations(t *testing.T) {
	card := `{"id":"` + evoCard + `","status":"active","last4":"4242"}`
	frozen := `{"id":"` + evoCard + `","status":"inactive","last4":"4242"}`
	notFound := fixture(t, "404.json")
	unavailable := evoReply{http.StatusServiceUnavailable, `{}`}

	getCard := func(ctx context.Context, c *solid.Client) (int, error) {
		expand := "cardholder"
		resp, err := c.API().GetCardSummaryWithResponse(ctx, evoCard, &gen.GetCardSummaryParams{Expand: &expand})
		if err != nil {
			return 0, err
		}
		if resp.JSON200 == nil || resp.JSON200.Id != evoCard || resp.JSON200.Status != gen.CardSummaryStatusActive {
			return resp.StatusCode(), errors.New("getCardSummary: 200 body not decoded: " + string(resp.Body))
		}
		return resp.StatusCode(), nil
	}
	freeze := func(ctx context.Context, c *solid.Client) (int, error) {
		resp, err := c.API().UpdateCardStatusWithResponse(ctx, evoCard, gen.UpdateCardStatusJSONRequestBody{Status: gen.CardStatusUpdateStatusInactive})
		if err != nil {
			return 0, err
		}
		if resp.JSON200 == nil || resp.JSON200.Status != gen.CardSummaryStatusInactive {
			return resp.StatusCode(), errors.New("updateCardStatus: 200 body not decoded: " + string(resp.Body))
		}
		return resp.StatusCode(), nil
	}

	tests := []struct {
		name     string
		call     func(context.Context, *solid.Client) (int, error)
		prefix   string
		replies  []evoReply
		path     string
		query    string
		body     string // request body every attempt must carry
		attempts int
		status   int    // APIError status, 0 for success
		code     string // APIError code
	}{
		{
			name: "GET retried on 503", call: getCard,
			replies: []evoReply{unavailable, {200, card}},
			path:    "/v2/issuing/card/" + evoCard + "/summary", query: "expand=cardholder",
			attempts: 2,
		},
		{
			name: "GET under a base URL with a path prefix", call: getCard, prefix: "/prefix",
			replies: []evoReply{unavailable, {200, card}},
			path:    "/prefix/v2/issuing/card/" + evoCard + "/summary", query: "expand=cardholder",
			attempts: 2,
		},
		{
			name: "GET 404 envelope is an APIError", call: getCard,
			replies: []evoReply{{404, notFound}},
			path:    "/v2/issuing/card/" + evoCard + "/summary", query: "expand=cardholder",
			attempts: 1, status: 404, code: "ERROR_CODE_RESOURCE_NOT_FOUND",
		},
		{
			name: "non-idempotent POST not retried on 500", call: freeze,
			replies: []evoReply{{500, `{}`}, {200, frozen}},
			path:    "/v2/issuing/card/" + evoCard + "/status", body: `{"status":"inactive"}`,
			attempts: 1, status: 500,
		},
		{
			name: "non-idempotent POST retried on 503 with its body", call: freeze, prefix: "/prefix",
			replies: []evoReply{unavailable, {200, frozen}},
			path:    "/prefix/v2/issuing/card/" + evoCard + "/status", body: `{"status":"inactive"}`,
			attempts: 2,
		},
		{
			name: "POST 404 envelope is an APIError", call: freeze,
			replies: []evoReply{{404, notFound}},
			path:    "/v2/issuing/card/" + evoCard + "/status", body: `{"status":"inactive"}`,
			attempts: 1, status: 404, code: "ERROR_CODE_RESOURCE_NOT_FOUND",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newEvoServer(t, tt.prefix, tt.replies...)
			_, err := tt.call(context.Background(), s.client(t))

			if tt.status == 0 {
				if err != nil {
					t.Fatalf("call failed: %v", err)
				}
			} else {
				var apiErr *solid.APIError
				if !errors.As(err, &apiErr) {
					t.Fatalf("error %v (%T) is not an *solid.APIError", err, err)
				}
				if apiErr.StatusCode != tt.status || apiErr.Code != tt.code {
					t.Errorf("APIError status %d code %q, want %d %q", apiErr.StatusCode, apiErr.Code, tt.status, tt.code)
				}
				if tt.status == 404 && !errors.Is(err, solid.ErrNotFound) {
					t.Errorf("errors.Is(%v, ErrNotFound) is false", err)
				}
			}

			s.mu.Lock()
			defer s.mu.Unlock()
			if len(s.paths) != tt.attempts {
				t.Fatalf("server saw %d requests, want %d", len(s.paths), tt.attempts)
			}
			for i := range s.paths {
				if s.paths[i] != tt.path {
					t.Errorf("request %d went to %s, want %s", i+1, s.paths[i], tt.path)
				}
				if s.query[i] != tt.query {
					t.Errorf("request %d query %q, want %q", i+1, s.query[i], tt.query)
				}
				if s.keys[i] != evoKey {
					t.Errorf("request %d api-key header %q, want the client's key", i+1, s.keys[i])
				}
				if got := string(bytes.TrimSpace([]byte(s.bodies[i]))); got != tt.body {
					t.Errorf("request %d body %q, want %q", i+1, got, tt.body)
				}
			}
			for _, e := range s.errs {
				t.Errorf("exchange violates the evolved openapi.yaml: %v", e)
			}
		})
	}
}
