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

import (
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/solidsdk/solid-go/internal/specval"
)

const (
	// DefaultAPIKey is the API key the mock accepts unless WithAPIKeys says
	// otherwise. It is a test key and opens nothing real.
	DefaultAPIKey = "sk_test_solidtest_4f1c2b7e9a0d4c6e8b3a5d7f9e1c3b5a"

	// DefaultCardID is the card the mock always knows: the example card of
	// Solid's "Set a PIN" documentation.
	DefaultCardID = "crd_7948d9a96706dd05360a340002de725f"
)

// Option configures a mock in NewServer or NewHandler.
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

// Server is a mock of Solid's API listening on a loopback port, for tests.
// It is an httptest.Server serving a Handler, which it embeds, so the
// methods that add cards, inject faults and read the request record are
// available on the Server.
type Server struct {
	// URL is the base URL of the server, "http://127.0.0.1:PORT" (https
	// for NewTLSServer), for solid.WithBaseURL.
	URL string

	*Handler

	srv *httptest.Server
}

// NewServer starts a mock on a random loopback port, as
// httptest.NewServer does, and returns it; the caller must Close it.
// Starting costs a listening socket and a goroutine; the embedded spec is
// parsed once per process (a few milliseconds, on the first call) and
// shared by every server. NewServer panics if it cannot listen, as
// httptest.NewServer does.
func NewServer(opts ...Option) *Server {
	s := newServer(opts)
	s.start(false)
	return s
}

// NewTLSServer starts a mock that serves HTTPS, as httptest.NewTLSServer
// does, with httptest's self-signed certificate for 127.0.0.1 and ::1.
// Client returns a client that trusts it; other clients reject it. Use
// it to test code that insists on https. It costs what NewServer does,
// plus a TLS handshake for each new connection.
func NewTLSServer(opts ...Option) *Server {
	s := newServer(opts)
	s.start(true)
	return s
}

func newServer(opts []Option) *Server {
	h := NewHandler(opts...)
	ts := httptest.NewUnstartedServer(h)
	ts.Config.ReadHeaderTimeout = 10 * time.Second
	return &Server{Handler: h, srv: ts}
}

// start starts s.srv, plain or with TLS, and sets URL and the client.
func (s *Server) start(tls bool) {
	if tls {
		s.srv.StartTLS()
	} else {
		s.srv.Start()
	}
	s.URL = s.srv.URL
	// httptest's client keeps Go's default of 2 idle connections per
	// host: under concurrency most requests would open a new connection.
	if tr, ok := s.srv.Client().Transport.(*http.Transport); ok {
		tr.MaxIdleConns = 128
		tr.MaxIdleConnsPerHost = 64
		tr.IdleConnTimeout = 30 * time.Second
	}
}

// Client returns the httptest client for the server: an *http.Client
// that needs no proxy, trusts a TLS server's certificate, and keeps up to
// 64 idle connections to the server, which Close releases. As with
// httptest, it also sends requests for example.com to the server. Pass it
// to solid.WithHTTPClient, or use it to check the mock with requests the
// SDK would never send.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Close shuts the server down: it stops listening, ends the requests
// waiting out SetLatency at once, unanswered, and blocks until every
// request in flight has ended, as httptest.Server.Close does; then it
// releases the Client's idle connections. It is safe to call more than
// once.
func (s *Server) Close() {
	s.Handler.close()
	s.srv.Close()
}
