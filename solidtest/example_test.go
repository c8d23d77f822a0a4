package solidtest_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"time"

	solid "github.com/solidsdk/solid-go"
	"github.com/solidsdk/solid-go/gen"
	"github.com/solidsdk/solid-go/solidtest"
)

// printer stands in for a test's *testing.T, whose Errorf would fail the
// test; here it prints each contract violation.
type printer struct{}

func (printer) Errorf(format string, args ...any) { fmt.Printf("violation: "+format+"\n", args...) }

// A test of code that calls Solid points the client at the mock and routes
// it through ContractTransport, so any request or response that strays
// from openapi.yaml fails the test. In a real test pass t, not printer{}.
func Example() {
	srv := solidtest.NewServer()
	defer srv.Close()

	hc := &http.Client{Transport: solidtest.ContractTransport(printer{}, srv.Client().Transport)}
	c, err := solid.NewClient(solidtest.DefaultAPIKey,
		solid.WithBaseURL(srv.URL),
		solid.WithHTTPClient(hc),
		solid.WithRetryBackoff(time.Millisecond, 2*time.Millisecond),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()

	tok, err := c.CreateSetPinToken(ctx, solidtest.DefaultCardID)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(tok.CardID, regexp.MustCompile(`^card_pin_test_[0-9a-f]{32}$`).MatchString(tok.Token.Reveal()))

	_, err = c.CreateSetPinToken(ctx, "crd_unknown")
	fmt.Println("not found:", errors.Is(err, solid.ErrNotFound))

	// Two 503s with Retry-After, then success: the SDK's retries absorb them.
	srv.QueueFault(solidtest.Fault{Status: http.StatusServiceUnavailable, RetryAfter: "0", Count: 2})
	_, err = c.CreateSetPinToken(ctx, solidtest.DefaultCardID)
	fmt.Println("after two 503s:", err)
	for _, r := range srv.Requests() {
		fmt.Println(r.Method, r.CardID, r.HasAPIKey, r.Status)
	}

	// A request without the api-key header breaks the contract.
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v2/issuing/card/"+solidtest.DefaultCardID+"/set_pin_token", nil)
	if resp, err := hc.Do(req); err == nil {
		resp.Body.Close()
		fmt.Println("status:", resp.StatusCode)
	}
	// Output:
	// crd_7948d9a96706dd05360a340002de725f true
	// not found: true
	// after two 503s: <nil>
	// POST crd_7948d9a96706dd05360a340002de725f true 200
	// POST crd_unknown true 404
	// POST crd_7948d9a96706dd05360a340002de725f true 503
	// POST crd_7948d9a96706dd05360a340002de725f true 503
	// POST crd_7948d9a96706dd05360a340002de725f true 200
	// violation: solidtest: request POST /v2/issuing/card/crd_7948d9a96706dd05360a340002de725f/set_pin_token violates openapi.yaml: security requirements failed: api-key header missing (api-key)
	// status: 401
}

// The mock keeps state: an update shows in later reads until Reset, and
// AddCard seeds more cards from the documented example.
func ExampleHandler_AddCard() {
	srv := solidtest.NewServer()
	defer srv.Close()
	srv.AddCard("crd_second")
	c, err := solid.NewClient(solidtest.DefaultAPIKey, solid.WithBaseURL(srv.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	label := "Fleet card"
	if _, err := c.API().UpdateCardWithResponse(ctx, "crd_second", nil, gen.CardUpdate{Label: &label}); err != nil {
		fmt.Println(err)
		return
	}
	for card, err := range c.Cards(ctx, nil) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(*card.Id, *card.Label)
	}
	srv.Reset() // back to the seeded state
	got, err := c.API().GetCardWithResponse(ctx, "crd_second")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("after Reset:", *got.JSON200.Label)
	// Output:
	// crd_7948d9a96706dd05360a340002de725f Travel
	// crd_second Fleet card
	// after Reset: Travel
}

// NewHandler serves the mock on a server of your own, here one with
// timeouts, as `solid mock` does.
func ExampleNewHandler() {
	h := solidtest.NewHandler(solidtest.WithAPIKeys("sk_test_mine"))
	srv := httptest.NewServer(h)
	defer srv.Close()
	c, err := solid.NewClient("sk_test_mine", solid.WithBaseURL(srv.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	h.QueueFault(solidtest.Fault{Operation: "createShowToken", Status: http.StatusConflict})
	_, err = c.CreateShowToken(context.Background(), solidtest.DefaultCardID)
	fmt.Println(err) // the SDK retried the 409 with a new idempotency key
	for _, r := range h.Requests() {
		fmt.Println(r.Operation, r.Status)
	}
	// Output:
	// <nil>
	// createShowToken 409
	// createShowToken 200
}

// A log line per request, for a service under test in any language, here
// with HTTPS, a little latency and a second card holder.
func ExampleWithLogger() {
	var log strings.Builder
	srv := solidtest.NewTLSServer( // HTTPS, with a certificate srv.Client() trusts
		solidtest.WithLogger(slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{
			ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
				switch a.Key {
				case slog.TimeKey, "request_id", "duration":
					return slog.Attr{} // a stable output for this example
				}
				return a
			},
		}))),
		solidtest.WithCardHolders("cah_second"),
	)
	defer srv.Close()
	srv.SetLatency(10 * time.Millisecond)
	c, err := solid.NewClient(solidtest.DefaultAPIKey, solid.WithBaseURL(srv.URL), solid.WithHTTPClient(srv.Client()))
	if err != nil {
		fmt.Println(err)
		return
	}
	for h, err := range c.CardHolders(context.Background(), nil) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(*h.Id)
	}
	_, err = c.API().GetCardHolderWithResponse(context.Background(), "cah_unknown")
	fmt.Println(errors.Is(err, solid.ErrNotFound))
	fmt.Print(log.String())
	// Output:
	// cah_a120a61f60dfd40fdb07b2e8bcd1f6f0
	// cah_second
	// true
	// level=INFO msg=solidtest method=GET path=/v2/issuing/card_holder operation=listCardHolders status=200
	// level=INFO msg=solidtest method=GET path=/v2/issuing/card_holder/cah_unknown operation=getCardHolder status=404 reason="cannot find card holder by id cah_unknown"
}
