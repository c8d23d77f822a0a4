// Package otelexample shows solid-go in a traced service: each attempt of
// a call is one OpenTelemetry client span, and the SDK's log records carry
// the trace and span ids of the call.
//
// The SDK retries above the *http.Client it is given, sending each attempt
// through it once, so an otelhttp transport in that client makes one span
// per attempt: a call retried after a 503 shows as two sibling spans under
// the caller's span, the first with status 503. The SDK logs each attempt
// with the call's context, so a slog handler that reads the span from the
// context (TraceHandler) puts the caller's trace_id and span_id on every
// record.
//
//	tp := sdktrace.NewTracerProvider(...)
//	logger := slog.New(otelexample.TraceHandler{Handler: slog.NewJSONHandler(os.Stderr, nil)})
//	c, err := solid.NewClient(key,
//		solid.WithEnvironment(solid.Sandbox),
//		solid.WithHTTPClient(otelexample.NewHTTPClient(tp)),
//		solid.WithLogger(logger))
package otelexample

import (
	"context"
	"log/slog"
	"net/http"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/trace"
)

// NewHTTPClient returns an *http.Client for solid.WithHTTPClient whose
// every request is a client span of tp.
func NewHTTPClient(tp trace.TracerProvider) *http.Client {
	return &http.Client{Transport: otelhttp.NewTransport(http.DefaultTransport, otelhttp.WithTracerProvider(tp))}
}

// TraceHandler is a slog.Handler that adds trace_id and span_id to each
// record whose context holds a span, then hands it to Handler.
type TraceHandler struct {
	slog.Handler
}

// Handle adds the ids of the span in ctx, if any.
func (h TraceHandler) Handle(ctx context.Context, r slog.Record) error {
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		r = r.Clone()
		r.AddAttrs(slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
	}
	return h.Handler.Handle(ctx, r)
}

// WithAttrs keeps the wrapper around the derived handler.
func (h TraceHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return TraceHandler{h.Handler.WithAttrs(attrs)}
}

// WithGroup keeps the wrapper around the derived handler.
func (h TraceHandler) WithGroup(name string) slog.Handler {
	return TraceHandler{h.Handler.WithGroup(name)}
}
