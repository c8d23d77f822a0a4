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
		cancel   bool // cancel the context once the first attempt is logged
		wantIs   error
		wantAPI  int // status of the *APIError in the chain, if any
		attempts int
	}{
		// Retry-After 30 s fits in the 60 s timeout, so the call waits;
		// cancelling the context ends the wait at once.
		{name: "cancel ends the wait", fault: "unavailable-long-wait", cancel: true,
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
			ctx := context.Background()
			opts := tt.opts
			if tt.cancel {
				// The record of the first attempt is written before the
				// wait starts: cancel on it, no timer racing the request.
				var cancel context.CancelFunc
				ctx, cancel = context.WithCancel(ctx)
				defer cancel()
				opts = append(opts, solid.WithLogger(slog.New(onRecord{cancel})))
			}
			c := newTestClient(t, f.URL, opts...)
			tok, err := c.CreateSetPinToken(ctx, seedCard)
			if err == nil || tok != nil {
				t.Fatalf("got %v, %v; want an error", tok, err)
			}
			if n := strings.Count(err.Error(), "solid:"); n != 1 {
				t.Errorf("err = %q: %d \"solid:\" prefixes, want 1", err, n)
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

// onRecord is a slog.Handler that calls f on every record.
type onRecord struct{ f func() }

func (h onRecord) Enabled(context.Context, slog.Level) bool  { return true }
func (h onRecord) Handle(context.Context, slog.Record) error { h.f(); return nil }
func (h onRecord) WithAttrs([]slog.Attr) slog.Handler        { return h }
func (h onRecord) WithGroup(string) slog.Handler             { return h }

// TestZeroBackoffMeansNoWait: WithRetryBackoff(0, max) retries at once; it
// used to wait max before every retry, which here outlasts the deadline.
func TestZeroBackoffMeansNoWait(t *testing.T) {
	tests := []struct {
		name         string
		fault        string
		wantAttempts int
	}{
		{name: "503 once, no Retry-After", fault: "unavailable-once", wantAttempts: 2},
		{name: "500 every time", fault: "html-500", wantAttempts: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFaultServer(t, tt.fault)
			c := newTestClient(t, f.URL, solid.WithRetryBackoff(0, time.Hour), solid.WithTimeout(time.Minute))
			_, err := c.CreateSetPinToken(context.Background(), seedCard)
			if got := f.count(); got != tt.wantAttempts {
				t.Errorf("server saw %d requests, want %d (err %v)", got, tt.wantAttempts, err)
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
