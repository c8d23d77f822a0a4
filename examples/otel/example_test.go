package otelexample_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	solid "github.com/solidsdk/solid-go"
	otelexample "github.com/solidsdk/solid-go/examples/otel"
	"github.com/solidsdk/solid-go/solidtest"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// A call retried after a 503 is two client spans under the caller's span.
func Example() {
	srv := solidtest.NewServer()
	defer srv.Close()
	srv.QueueFault(solidtest.Fault{Status: 503, RetryAfter: "0"})

	rec := tracetest.NewSpanRecorder() // in a service: an OTLP exporter
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	defer tp.Shutdown(context.Background())
	logger := slog.New(otelexample.TraceHandler{Handler: slog.NewJSONHandler(io.Discard, nil)})

	c, err := solid.NewClient(solidtest.DefaultAPIKey,
		solid.WithBaseURL(srv.URL), // in a service: solid.WithEnvironment(solid.Sandbox)
		solid.WithHTTPClient(otelexample.NewHTTPClient(tp)),
		solid.WithLogger(logger),
		solid.WithRetryBackoff(time.Millisecond, 2*time.Millisecond))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, span := tp.Tracer("pin-service").Start(context.Background(), "set a PIN")
	_, err = c.CreateSetPinToken(ctx, solidtest.DefaultCardID)
	span.End()
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range rec.Ended() {
		if s.SpanKind() == trace.SpanKindClient {
			fmt.Println(s.Name(), statusOf(s))
		}
	}
	// Output:
	// HTTP POST 503
	// HTTP POST 200
}
