package solid_test

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	solid "github.com/solidsdk/solid-go"
	"github.com/solidsdk/solid-go/solidtest"
)

var mockTokenRE = regexp.MustCompile(`^card_pin_test_[0-9a-f]{32}$`)

// TestMockCreateSetPinToken runs CreateSetPinToken against solidtest, with
// faults injected, through solidtest.ContractTransport: every request and
// response is checked against openapi.yaml as well. Each case states the
// requests the mock must see, by the status it answered each with.
func TestMockCreateSetPinToken(t *testing.T) {
	tests := []struct {
		name     string
		card     string
		mockKey  string // the key the mock accepts; testKey when empty
		tls      bool   // solidtest.NewTLSServer rather than NewServer
		faults   []solidtest.Fault
		latency  time.Duration
		cancel   bool // cancel the call once the mock holds its request unanswered
		opts     []solid.Option
		attempts int   // requests the mock must see
		statuses []int // the status the mock answered each with; 0 for none
		wantIs   []error
		wantAPI  *solid.APIError // StatusCode, Code and Attempts checked when non-nil
	}{
		{name: "seed card", card: seedCard, attempts: 1, statuses: []int{200}},
		{name: "seed card over TLS", card: seedCard, tls: true, attempts: 1, statuses: []int{200}},
		{name: "unknown card", card: "crd_unknown", attempts: 1, statuses: []int{404}, wantIs: []error{solid.ErrNotFound},
			wantAPI: &solid.APIError{StatusCode: 404, Code: "ERROR_CODE_RESOURCE_NOT_FOUND", Attempts: 1}},
		{name: "wrong key", card: seedCard, mockKey: "sk_test_another_key", attempts: 1, statuses: []int{401}, wantIs: []error{solid.ErrUnauthorized},
			wantAPI: &solid.APIError{StatusCode: 401, Code: "ERROR_CODE_UNAUTHORIZED", Attempts: 1}},
		{name: "503 with Retry-After, then success", card: seedCard, attempts: 2, statuses: []int{503, 200},
			faults: []solidtest.Fault{{Status: 503, RetryAfter: "0"}}},
		{name: "500 then 502 then success", card: seedCard, attempts: 3, statuses: []int{500, 502, 200},
			faults: []solidtest.Fault{{Status: 500}, {Status: 502}}},
		{name: "429 until retries run out", card: seedCard, attempts: 3, statuses: []int{429, 429, 429},
			faults:  []solidtest.Fault{{Status: 429, RetryAfter: "0", Count: 3}},
			wantAPI: &solid.APIError{StatusCode: 429, Code: "ERROR_CODE_TOO_MANY_REQUESTS", Attempts: 3}},
		{name: "503 without retries", card: seedCard, attempts: 1, statuses: []int{503}, opts: []solid.Option{solid.WithMaxRetries(0)},
			faults:  []solidtest.Fault{{Status: 503}},
			wantAPI: &solid.APIError{StatusCode: 503, Code: "ERROR_CODE_SERVICE_UNAVAILABLE", Attempts: 1}},
		{name: "dropped connection, then success", card: seedCard, attempts: 2, statuses: []int{0, 200},
			faults: []solidtest.Fault{{Drop: true}}},
		{name: "dropped connection over TLS, then success", card: seedCard, tls: true, attempts: 2, statuses: []int{0, 200},
			faults: []solidtest.Fault{{Drop: true}}},
		{name: "the caller gives up while the mock waits out its latency", card: seedCard, latency: time.Hour, cancel: true,
			attempts: 1, statuses: []int{0}, wantIs: []error{context.Canceled}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.statuses) != tt.attempts {
				t.Fatalf("the case lists %d statuses for %d attempts", len(tt.statuses), tt.attempts)
			}
			mockKey := testKey
			if tt.mockKey != "" {
				mockKey = tt.mockKey
			}
			newServer := solidtest.NewServer
			if tt.tls {
				newServer = solidtest.NewTLSServer
			}
			srv := newServer(solidtest.WithAPIKeys(mockKey))
			defer srv.Close()
			for _, f := range tt.faults {
				srv.QueueFault(f)
			}
			srv.SetLatency(tt.latency)
			// newTestClient logs to the suite's leak check: the mock's
			// tokens must not appear in the logs either.
			hc := &http.Client{Transport: solidtest.ContractTransport(t, srv.Client().Transport)}
			c := newTestClient(t, srv.URL, append([]solid.Option{solid.WithHTTPClient(hc)}, tt.opts...)...)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			watched := make(chan struct{})
			if tt.cancel {
				go func() {
					defer close(watched)
					cancelWhenHeld(ctx, cancel, srv)
				}()
			} else {
				close(watched)
			}
			tok, err := c.CreateSetPinToken(ctx, tt.card)
			cancel()
			<-watched

			reqs := srv.Requests()
			if len(reqs) != tt.attempts {
				t.Errorf("mock saw %d requests, want %d: %+v", len(reqs), tt.attempts, reqs)
			}
			var statuses []int
			for _, r := range reqs {
				statuses = append(statuses, r.Status)
				if r.Method != http.MethodPost || r.CardID != tt.card || !r.HasAPIKey {
					t.Errorf("request %+v", r)
				}
			}
			if !slices.Equal(statuses, tt.statuses) {
				t.Errorf("mock answered %v, want %v", statuses, tt.statuses)
			}
			if tt.wantIs == nil && tt.wantAPI == nil {
				if err != nil {
					t.Fatalf("CreateSetPinToken: %v", err)
				}
				if tok.CardID != tt.card || !mockTokenRE.MatchString(tok.Token.Reveal()) {
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

// cancelWhenHeld calls cancel once the mock holds a request unanswered, as
// it does while the request waits out SetLatency, or returns when ctx ends
// first. The record is the mock's signal that it holds the request; the
// ticker only sets how often it is read.
func cancelWhenHeld(ctx context.Context, cancel context.CancelFunc, srv *solidtest.Server) {
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		if reqs := srv.Requests(); len(reqs) > 0 && reqs[len(reqs)-1].Status == 0 {
			cancel()
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// TestRateLimitsGetThrough: with solidtest's sandbox-like rate limits on,
// a read over the limit gets 429 with Retry-After, and the SDK's retry
// gets through it in the next second. Three reads in a row: at least two
// fall in one second, whatever the clock, so at least one is limited.
func TestRateLimitsGetThrough(t *testing.T) {
	srv := solidtest.NewServer(solidtest.WithRateLimits(1, 1))
	defer srv.Close()
	c, err := solid.NewClient(solidtest.DefaultAPIKey, solid.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := c.API().GetCardWithResponse(context.Background(), solidtest.DefaultCardID); err != nil {
			t.Fatal(err)
		}
	}
	limited, ok := 0, 0
	var statuses []int
	for _, r := range srv.Requests() {
		statuses = append(statuses, r.Status)
		switch r.Status {
		case 429:
			limited++
		case 200:
			ok++
		}
	}
	if limited == 0 || ok != 3 || limited+ok != len(statuses) {
		t.Errorf("statuses %v: want three 200s and at least one 429 retried", statuses)
	}
}
