package otelexample_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	solid "github.com/solidsdk/solid-go"
	otelexample "github.com/solidsdk/solid-go/examples/otel"
	"github.com/solidsdk/solid-go/solidtest"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// tracedCall makes one CreateSetPinToken call inside a parent span against
// solidtest with faults queued, and returns the parent, the ended spans
// and the SDK's log records.
func tracedCall(t *testing.T, faults ...solidtest.Fault) (parent trace.SpanContext, spans []sdktrace.ReadOnlySpan, records []map[string]any, token string) {
	t.Helper()
	srv := solidtest.NewServer()
	defer srv.Close()
	for _, f := range faults {
		srv.QueueFault(f)
	}
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	defer tp.Shutdown(context.Background())

	var logs bytes.Buffer
	logger := slog.New(otelexample.TraceHandler{Handler: slog.NewJSONHandler(&logs, nil)})
	c, err := solid.NewClient(solidtest.DefaultAPIKey,
		solid.WithBaseURL(srv.URL),
		solid.WithHTTPClient(otelexample.NewHTTPClient(tp)),
		solid.WithLogger(logger),
		solid.WithRetryBackoff(time.Millisecond, 2*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	ctx, span := tp.Tracer("test").Start(context.Background(), "set a PIN")
	tok, err := c.CreateSetPinToken(ctx, solidtest.DefaultCardID)
	span.End()
	if err != nil {
		t.Fatal(err)
	}
	if tok.Token.IsZero() {
		t.Fatal("empty token: the secret check below would be meaningless")
	}
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		records = append(records, m)
		if strings.Contains(line, solidtest.DefaultAPIKey) || strings.Contains(line, tok.Token.Reveal()) {
			t.Errorf("log record holds a secret: %s", line)
		}
	}
	return span.SpanContext(), rec.Ended(), records, tok.Token.Reveal()
}

func statusOf(s sdktrace.ReadOnlySpan) int64 {
	for _, a := range s.Attributes() {
		if a.Key == attribute.Key("http.response.status_code") {
			return a.Value.AsInt64()
		}
	}
	return 0
}

func TestOneSpanPerAttempt(t *testing.T) {
	tests := []struct {
		name     string
		faults   []solidtest.Fault
		statuses []int64
	}{
		{"one attempt", nil, []int64{200}},
		{"a 503, then a retry", []solidtest.Fault{{Status: 503, RetryAfter: "0"}}, []int64{503, 200}},
		{"two 502s, then a retry", []solidtest.Fault{{Status: 502, Count: 2}}, []int64{502, 502, 200}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parent, spans, records, _ := tracedCall(t, tt.faults...)
			var got []int64
			for _, s := range spans {
				if s.SpanKind() != trace.SpanKindClient {
					continue
				}
				if s.Parent().SpanID() != parent.SpanID() || s.SpanContext().TraceID() != parent.TraceID() {
					t.Errorf("attempt span %q is not a child of the call's span", s.Name())
				}
				got = append(got, statusOf(s))
			}
			if len(got) != len(tt.statuses) {
				t.Fatalf("%d client spans with statuses %v, want %v", len(got), got, tt.statuses)
			}
			for i := range got {
				if got[i] != tt.statuses[i] {
					t.Errorf("span %d status %d, want %d", i+1, got[i], tt.statuses[i])
				}
			}
			if len(records) != len(tt.statuses) {
				t.Fatalf("%d log records, want one per attempt (%d)", len(records), len(tt.statuses))
			}
			for i, r := range records {
				if r["trace_id"] != parent.TraceID().String() || r["span_id"] != parent.SpanID().String() {
					t.Errorf("record %d has trace_id %v span_id %v, want the call's %s %s", i+1, r["trace_id"], r["span_id"], parent.TraceID(), parent.SpanID())
				}
				if r["attempt"] != float64(i+1) || r["status"] != float64(tt.statuses[i]) {
					t.Errorf("record %d: attempt %v status %v", i+1, r["attempt"], r["status"])
				}
			}
		})
	}
}

// TestTraceHandler checks the wrapper on its own: ids only when the
// context holds a valid span, and kept through WithAttrs and WithGroup
// (under a group, slog puts the ids inside it, like any record attribute).
func TestTraceHandler(t *testing.T) {
	tp := sdktrace.NewTracerProvider()
	defer tp.Shutdown(context.Background())
	spanCtx, span := tp.Tracer("test").Start(context.Background(), "parent")
	defer span.End()
	sc := span.SpanContext()

	tests := []struct {
		name   string
		ctx    context.Context
		derive func(*slog.Logger) *slog.Logger
		path   []string // where trace_id and span_id are expected; nil: absent
	}{
		{"no span", context.Background(), nil, nil},
		{"span", spanCtx, nil, []string{}},
		{"WithAttrs", spanCtx, func(l *slog.Logger) *slog.Logger { return l.With("service", "pins") }, []string{}},
		{"WithGroup", spanCtx, func(l *slog.Logger) *slog.Logger { return l.WithGroup("solid") }, []string{"solid"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			logger := slog.New(otelexample.TraceHandler{Handler: slog.NewJSONHandler(&buf, nil)})
			if tt.derive != nil {
				logger = tt.derive(logger)
				if _, ok := logger.Handler().(otelexample.TraceHandler); !ok {
					t.Fatalf("derived handler is %T, want TraceHandler", logger.Handler())
				}
			}
			logger.InfoContext(tt.ctx, "hello")
			var m map[string]any
			if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
				t.Fatalf("log line %q: %v", buf.String(), err)
			}
			for _, g := range tt.path {
				m, _ = m[g].(map[string]any)
			}
			if tt.path == nil {
				if _, ok := m["trace_id"]; ok {
					t.Errorf("record without a span has trace_id: %s", buf.String())
				}
				return
			}
			if m["trace_id"] != sc.TraceID().String() || m["span_id"] != sc.SpanID().String() {
				t.Errorf("record %s: want trace_id %s span_id %s", buf.String(), sc.TraceID(), sc.SpanID())
			}
		})
	}
}
