package solid_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	solid "github.com/solidsdk/solid-go"
)

// TestRetryWaitsEnd checks the ways a wait between attempts ends early.
func TestRetryWaitsEnd(t *testing.T) {
	tests := []struct {
		name     string
		fault    string
		opts     []solid.Option
		cancel   time.Duration // cancel the context after this, if set
		wantIs   error
		wantAPI  int // status of the *APIError in the chain, if any
		attempts int
	}{
		// Retry-After 30 s fits in the 60 s timeout, so the call waits;
		// cancelling the context ends the wait at once.
		{name: "cancel ends the wait", fault: "unavailable-long-wait", cancel: 50 * time.Millisecond,
			wantIs: context.Canceled, wantAPI: 503, attempts: 1},
		// A wait that would outlast the deadline is not started: the last
		// response is returned now.
		{name: "wait past the deadline is skipped", fault: "unavailable-long-wait", opts: []solid.Option{solid.WithTimeout(time.Second)},
			wantAPI: 503, attempts: 1},
		// An unreadable Retry-After falls back to the backoff (an hour
		// here), which outlasts the deadline: no immediate retry storm.
		{name: "bad Retry-After means backoff", fault: "unavailable-bad-retry-after",
			opts:    []solid.Option{solid.WithTimeout(time.Second), solid.WithRetryBackoff(time.Hour, time.Hour)},
			wantAPI: 503, attempts: 1},
		// A valid Retry-After: 0 retries at once, up to the limit.
		{name: "Retry-After 0 retries at once", fault: "rate-limited",
			opts:    []solid.Option{solid.WithTimeout(time.Second), solid.WithRetryBackoff(time.Hour, time.Hour)},
			wantAPI: 429, attempts: 3},
		// The overall timeout covers every attempt.
		{name: "timeout covers all attempts", fault: "unavailable-slow", opts: []solid.Option{solid.WithTimeout(120 * time.Millisecond), solid.WithMaxRetries(10)},
			wantIs: context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFaultServer(t, tt.fault)
			c := newTestClient(t, f.URL, tt.opts...)
			ctx := context.Background()
			if tt.cancel > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithCancel(ctx)
				time.AfterFunc(tt.cancel, cancel)
				defer cancel()
			}
			tok, err := c.CreateSetPinToken(ctx, seedCard)
			if err == nil || tok != nil {
				t.Fatalf("got %v, %v; want an error", tok, err)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("err = %v, want %v", err, tt.wantIs)
			}
			var apiErr *solid.APIError
			if tt.wantAPI != 0 && (!errors.As(err, &apiErr) || apiErr.StatusCode != tt.wantAPI) {
				t.Errorf("err = %v, want an *APIError %d in its chain", err, tt.wantAPI)
			}
			if tt.attempts != 0 && f.count() != tt.attempts {
				t.Errorf("server saw %d requests, want %d", f.count(), tt.attempts)
			}
			if tt.fault == "unavailable-slow" && f.count() >= 11 {
				t.Errorf("the timeout did not stop the retries: %d attempts", f.count())
			}
		})
	}
}

// TestLogRecordPerAttempt checks the fields of the per-attempt log records.
func TestLogRecordPerAttempt(t *testing.T) {
	var buf bytes.Buffer
	f := newFaultServer(t, "flaky")
	c := newTestClient(t, f.URL, solid.WithLogger(slog.New(slog.NewJSONHandler(&buf, nil))))
	if _, err := c.CreateSetPinToken(context.Background(), seedCard); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want one record per attempt (2), got %d:\n%s", len(lines), buf.String())
	}
	type record struct {
		Level, Msg, Operation, Method, Path, RequestID string
		Params                                         map[string]string
		Attempt, Status                                int
		Duration                                       float64
	}
	want := []record{
		{Level: "WARN", Status: 503, Attempt: 1},
		{Level: "INFO", Status: 200, Attempt: 2, RequestID: "req_flaky_ok"},
	}
	for i, line := range lines {
		var r record
		var raw map[string]any
		if err := json.Unmarshal([]byte(line), &raw); err != nil {
			t.Fatal(err)
		}
		json.Unmarshal([]byte(strings.ReplaceAll(line, `"request_id"`, `"requestid"`)), &r)
		if r.Msg != "solid request" || r.Operation != "createSetPinToken" || r.Method != "POST" ||
			r.Path != "/v2/issuing/card/{card_id}/set_pin_token" || r.Params["card_id"] != seedCard ||
			r.Level != want[i].Level || r.Status != want[i].Status || r.Attempt != want[i].Attempt ||
			r.RequestID != want[i].RequestID || raw["duration"] == nil {
			t.Errorf("record %d = %s", i, line)
		}
	}
}
