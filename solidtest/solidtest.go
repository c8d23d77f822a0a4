// Package solidtest runs a mock of Solid's API for tests, in the manner of
// net/http/httptest. The mock is driven by the same openapi.yaml the SDK is
// generated from: every request is validated against it, and every answer
// is one the spec allows.
//
//	srv := solidtest.NewServer()
//	defer srv.Close()
//	c, _ := solid.NewClient(solidtest.DefaultAPIKey, solid.WithBaseURL(srv.URL))
//	tok, err := c.CreateSetPinToken(ctx, solidtest.DefaultCardID)
//
// The server knows one API key ([DefaultAPIKey]) and one card
// ([DefaultCardID]) unless told otherwise ([WithAPIKeys], [WithCards],
// [Handler.AddCard]). It answers createSetPinToken as Solid does: 200 with a
// fresh one-time token for a known card, the 401 error envelope for a
// missing or wrong key, the 404 envelope for an unknown card. Requests the
// spec does not allow get an error envelope too (404 for an unknown path,
// 405 for a wrong method, 400 otherwise), never a panic or an HTML page.
//
// For testing retry and timeout handling, the server can answer the next
// requests with an error status and Retry-After ([Handler.QueueFault]),
// drop the connection, or wait before answering ([Handler.SetLatency]).
// [Handler.Requests] records what it received, without API keys.
//
// [NewServer] serves the mock over HTTP on an httptest.Server,
// [NewTLSServer] over HTTPS, and [NewHandler] gives it as an http.Handler
// to serve any other way.
//
// [ContractTransport] checks the other direction: it wraps the
// http.RoundTripper of code under test and reports every request and
// response that violates openapi.yaml.
package solidtest

import "github.com/solidsdk/solid-go/internal/specval"

const (
	// DefaultAPIKey is the API key the mock accepts unless WithAPIKeys says
	// otherwise. It is a test key and opens nothing real.
	DefaultAPIKey = "sk_test_solidtest_4f1c2b7e9a0d4c6e8b3a5d7f9e1c3b5a"

	// DefaultCardID is the card the mock always knows: the example card of
	// Solid's "Set a PIN" documentation.
	DefaultCardID = "crd_7948d9a96706dd05360a340002de725f"
)

// Option configures a mock in NewServer, NewTLSServer or NewHandler.
type Option func(*config)

type config struct {
	cards []string
	keys  []string
	set   bool               // WithAPIKeys was used
	v     *specval.Validator // for tests; specval.Default() when nil
}

// WithCards adds card IDs the mock knows, besides DefaultCardID. A request
// for any other card gets the 404 envelope.
func WithCards(ids ...string) Option {
	return func(c *config) { c.cards = append(c.cards, ids...) }
}

// WithAPIKeys sets the API keys the mock accepts, replacing DefaultAPIKey.
// Empty keys are ignored: a request without a key always gets 401.
func WithAPIKeys(keys ...string) Option {
	return func(c *config) {
		c.keys = append(c.keys, keys...)
		c.set = true
	}
}
