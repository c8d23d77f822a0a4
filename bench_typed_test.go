package solid_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	solid "github.com/solidsdk/solid-go"
	"github.com/solidsdk/solid-go/gen"
)

// The typed-layer benchmarks compare, in one run, the same call made
// three ways: "baseline" is c.API() (the generated client through the
// SDK's transport: the cost the typed method adds is measured over it),
// "generated" the raw oapi-codegen client with the api-key header (and an
// idempotency key on writes), and "typed" the generated typed method.
// "typed+opts" adds per-call options, for what they cost. The answer is
// the documented example of the operation. `go run ./internal/cmd/benchratio`
// prints the ratios.

// typedBenchClients returns the raw generated client and the SDK's,
// answering body to every request in memory or over loopback.
func typedBenchClients(b *testing.B, loopback bool, status int, body []byte) (*gen.ClientWithResponses, *solid.Client) {
	b.Helper()
	base := "http://127.0.0.1:1"
	var rt http.RoundTripper = memTransport{status: status, body: string(body)}
	var oursOpts []solid.Option
	if loopback {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			w.Write(body)
		}))
		b.Cleanup(srv.Close)
		base = srv.URL
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 128
		rt = t
	} else {
		oursOpts = append(oursOpts, solid.WithHTTPClient(&http.Client{Transport: rt}))
	}
	raw, err := gen.NewClientWithResponses(base, gen.WithHTTPClient(&http.Client{Transport: rt}), gen.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
		r.Header.Set("api-key", testKey)
		if r.Method != http.MethodGet {
			r.Header.Set("Idempotency-Key", benchKey())
		}
		return nil
	}))
	if err != nil {
		b.Fatal(err)
	}
	ours, err := solid.NewClient(testKey, append(oursOpts, solid.WithBaseURL(base))...)
	if err != nil {
		b.Fatal(err)
	}
	return raw, ours
}

// benchExample is the documented example of op's success answer.
func benchExample(b *testing.B, op, status string) []byte {
	b.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(solid.OpenAPISpec())
	if err != nil {
		b.Fatal(err)
	}
	for _, item := range doc.Paths.Map() {
		for _, o := range item.Operations() {
			if o.OperationID == op {
				mt := o.Responses.Value(status).Value.Content.Get("application/json")
				for _, ex := range mt.Examples {
					return mustJSON(b, ex.Value.Value)
				}
				return mustJSON(b, mt.Example)
			}
		}
	}
	b.Fatalf("no operation %s", op)
	return nil
}

// typedBench runs the variants of one operation, in memory and over
// loopback.
func typedBench(b *testing.B, op, status string, variants func(raw *gen.ClientWithResponses, ours *solid.Client) map[string]func(context.Context) error) {
	body := benchExample(b, op, status)
	code := map[string]int{"200": 200, "201": 201}[status]
	ctx := context.Background()
	for _, where := range []string{"inmemory", "loopback"} {
		raw, ours := typedBenchClients(b, where == "loopback", code, body)
		vs := variants(raw, ours)
		for _, name := range []string{"baseline", "generated", "typed", "typed+opts"} {
			call, ok := vs[name]
			if !ok {
				continue
			}
			b.Run(where+"/"+name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if err := call(ctx); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func BenchmarkGetCardTyped(b *testing.B) {
	typedBench(b, "getCard", "200", func(raw *gen.ClientWithResponses, ours *solid.Client) map[string]func(context.Context) error {
		return map[string]func(context.Context) error{
			"baseline": func(ctx context.Context) error {
				r, err := ours.API().GetCardWithResponse(ctx, seedCard)
				if err == nil && r.JSON200 == nil {
					b.Fatal("no card")
				}
				return err
			},
			"generated": func(ctx context.Context) error {
				r, err := raw.GetCardWithResponse(ctx, seedCard)
				if err == nil && r.JSON200 == nil {
					b.Fatal("no card")
				}
				return err
			},
			"typed": func(ctx context.Context) error {
				_, err := ours.GetCard(ctx, seedCard)
				return err
			},
			"typed+opts": func(ctx context.Context) error {
				_, err := ours.GetCard(ctx, seedCard, solid.WithCallRetries(1), solid.WithHeader("X-Trace", "t"))
				return err
			},
		}
	})
}

func BenchmarkUpdateCardTyped(b *testing.B) {
	label := "bench"
	body := gen.CardUpdate{Label: &label}
	typedBench(b, "updateCard", "200", func(raw *gen.ClientWithResponses, ours *solid.Client) map[string]func(context.Context) error {
		return map[string]func(context.Context) error{
			"baseline": func(ctx context.Context) error {
				_, err := ours.API().UpdateCardWithResponse(ctx, seedCard, nil, body)
				return err
			},
			"generated": func(ctx context.Context) error {
				_, err := raw.UpdateCardWithResponse(ctx, seedCard, nil, body)
				return err
			},
			"typed": func(ctx context.Context) error {
				_, err := ours.UpdateCard(ctx, seedCard, body)
				return err
			},
			"typed+opts": func(ctx context.Context) error {
				_, err := ours.UpdateCard(ctx, seedCard, body, solid.WithCallIdempotencyKey(benchKey()))
				return err
			},
		}
	})
}

func BenchmarkListCardsTyped(b *testing.B) {
	typedBench(b, "listCards", "200", func(raw *gen.ClientWithResponses, ours *solid.Client) map[string]func(context.Context) error {
		return map[string]func(context.Context) error{
			"baseline": func(ctx context.Context) error {
				_, err := ours.API().ListCardsWithResponse(ctx, nil)
				return err
			},
			"generated": func(ctx context.Context) error {
				_, err := raw.ListCardsWithResponse(ctx, nil)
				return err
			},
			"typed": func(ctx context.Context) error {
				_, err := ours.ListCards(ctx, nil)
				return err
			},
		}
	})
}

func mustJSON(b *testing.B, v any) []byte {
	b.Helper()
	out, err := json.Marshal(v)
	if err != nil {
		b.Fatal(err)
	}
	return out
}

// BenchmarkTypedOverAPI alternates a typed call and the same call through
// c.API() in blocks of 32 (which goes first alternating too), in memory, and reports the typed call's time
// over c.API()'s as typed/api: on a shared machine whose speed drifts
// over seconds, calls made moments apart compare better than separate
// benchmarks. The bound is 1.05.
func BenchmarkTypedOverAPI(b *testing.B) {
	ctx := context.Background()
	label := "bench"
	body := gen.CardUpdate{Label: &label}
	cases := []struct {
		op         string
		api, typed func(*solid.Client) error
	}{
		{"getCard", func(c *solid.Client) error { _, err := c.API().GetCardWithResponse(ctx, seedCard); return err },
			func(c *solid.Client) error { _, err := c.GetCard(ctx, seedCard); return err }},
		{"updateCard", func(c *solid.Client) error {
			_, err := c.API().UpdateCardWithResponse(ctx, seedCard, nil, body)
			return err
		},
			func(c *solid.Client) error { _, err := c.UpdateCard(ctx, seedCard, body); return err }},
		{"listCards", func(c *solid.Client) error { _, err := c.API().ListCardsWithResponse(ctx, nil); return err },
			func(c *solid.Client) error { _, err := c.ListCards(ctx, nil); return err }},
	}
	for _, tc := range cases {
		b.Run(tc.op, func(b *testing.B) {
			_, c := typedBenchClients(b, false, 200, benchExample(b, tc.op, "200"))
			var tAPI, tTyped time.Duration
			block := func(call func(*solid.Client) error) time.Duration {
				start := time.Now()
				for range 32 {
					if err := call(c); err != nil {
						b.Fatal(err)
					}
				}
				return time.Since(start)
			}
			b.ReportAllocs()
			odd := false
			for b.Loop() {
				// Alternate which goes first, so neither always pays for
				// the garbage the other left.
				if odd {
					tTyped += block(tc.typed)
					tAPI += block(tc.api)
				} else {
					tAPI += block(tc.api)
					tTyped += block(tc.typed)
				}
				odd = !odd
			}
			b.ReportMetric(float64(tTyped)/float64(tAPI), "typed/api")
		})
	}
}
