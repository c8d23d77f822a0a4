package solid_test

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	solid "github.com/solidsdk/solid-go"
	"github.com/solidsdk/solid-go/solidtest"
)

var mockTokenRE = regexp.MustCompile(`^card_pin_test_[0-9a-f]{32}$`)

// TestMockCreateSetPinToken runs CreateSetPinToken against solidtest, with
// faults injected, through solidtest.ContractTransport: every request and
// response is checked against openapi.yaml as well.
func TestMockCreateSetPinToken(t *testing.T) {
	tests := []struct {
		name     string
		card     string
		mockKey  string // the key the mock accepts; testKey when empty
		faults   []solidtest.Fault
		latency  time.Duration
		opts     []solid.Option
		attempts int // requests the mock should see
		wantIs   []error
		wantAPI  *solid.APIError // StatusCode, Code and Attempts checked when non-nil
	}{
		{name: "seed card", card: seedCard, attempts: 1},
		{name: "unknown card", card: "crd_unknown", attempts: 1, wantIs: []error{solid.ErrNotFound},
			wantAPI: &solid.APIError{StatusCode: 404, Code: "ERROR_CODE_RESOURCE_NOT_FOUND", Attempts: 1}},
		{name: "wrong key", card: seedCard, mockKey: "sk_test_another_key", attempts: 1, wantIs: []error{solid.ErrUnauthorized},
			wantAPI: &solid.APIError{StatusCode: 401, Code: "ERROR_CODE_UNAUTHORIZED", Attempts: 1}},
		{name: "503 with Retry-After, then success", card: seedCard, attempts: 2,
			faults: []solidtest.Fault{{Status: 503, RetryAfter: "0"}}},
		{name: "500 then 502 then success", card: seedCard, attempts: 3,
			faults: []solidtest.Fault{{Status: 500}, {Status: 502}}},
		{name: "429 until retries run out", card: seedCard, attempts: 3,
			faults:  []solidtest.Fault{{Status: 429, RetryAfter: "0", Count: 3}},
			wantAPI: &solid.APIError{StatusCode: 429, Code: "ERROR_CODE_TOO_MANY_REQUESTS", Attempts: 3}},
		{name: "503 without retries", card: seedCard, attempts: 1, opts: []solid.Option{solid.WithMaxRetries(0)},
			faults:  []solidtest.Fault{{Status: 503}},
			wantAPI: &solid.APIError{StatusCode: 503, Code: "ERROR_CODE_SERVICE_UNAVAILABLE", Attempts: 1}},
		{name: "dropped connection, then success", card: seedCard, attempts: 2,
			faults: []solidtest.Fault{{Drop: true}}},
		{name: "latency beyond WithTimeout", card: seedCard, attempts: 1, latency: time.Hour,
			opts: []solid.Option{solid.WithTimeout(50 * time.Millisecond)}, wantIs: []error{context.DeadlineExceeded}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mockKey := testKey
			if tt.mockKey != "" {
				mockKey = tt.mockKey
			}
			srv := solidtest.NewServer(solidtest.WithAPIKeys(mockKey))
			defer srv.Close()
			for _, f := range tt.faults {
				srv.QueueFault(f)
			}
			srv.SetLatency(tt.latency)
			// newTestClient logs to the suite's leak check: the mock's
			// tokens must not appear in the logs either.
			hc := &http.Client{Transport: solidtest.ContractTransport(t, srv.Client().Transport)}
			c := newTestClient(t, srv.URL, append([]solid.Option{solid.WithHTTPClient(hc)}, tt.opts...)...)
			tok, err := c.CreateSetPinToken(context.Background(), tt.card)

			reqs := srv.Requests()
			if tt.latency > 0 && len(reqs) == 0 {
				// The client gave up before its request reached the mock.
				tt.attempts = 0
			}
			if len(reqs) != tt.attempts {
				t.Errorf("mock saw %d requests, want %d: %+v", len(reqs), tt.attempts, reqs)
			}
			for _, r := range reqs {
				if r.Method != http.MethodPost || r.CardID != tt.card || !r.HasAPIKey {
					t.Errorf("request %+v", r)
				}
			}
			if tt.wantIs == nil && tt.wantAPI == nil {
				if err != nil {
					t.Fatalf("CreateSetPinToken: %v", err)
				}
				if tok.CardID != tt.card || !mockTokenRE.MatchString(tok.Token) {
					t.Fatalf("token %v does not look like the mock's", tok)
				}
				return
			}
			if err == nil {
				t.Fatalf("CreateSetPinToken succeeded with %v, want an error", tok)
			}
			for _, target := range tt.wantIs {
				if !errors.Is(err, target) {
					t.Errorf("errors.Is(%v, %v) = false", err, target)
				}
			}
			if w := tt.wantAPI; w != nil {
				var apiErr *solid.APIError
				if !errors.As(err, &apiErr) {
					t.Fatalf("error %v (%T) is not an *APIError", err, err)
				}
				if apiErr.StatusCode != w.StatusCode || apiErr.Code != w.Code || apiErr.Attempts != w.Attempts ||
					!strings.HasPrefix(apiErr.RequestID, "req_") {
					t.Errorf("APIError = %+v, want status %d code %s attempts %d", *apiErr, w.StatusCode, w.Code, w.Attempts)
				}
			}
			if strings.Contains(err.Error(), testKey) {
				t.Errorf("error reveals the API key: %v", err)
			}
		})
	}
}
