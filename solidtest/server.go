package solidtest

import (
	"net/http"
	"net/http/httptest"
	"time"
)

// Server is a mock of Solid's API listening on a loopback port, for tests:
// an httptest.Server serving a Handler. It embeds the Handler, so the
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
// parsed a path at a time, on the first request to the path (a
// millisecond or a few), once per process, and shared by every server.
// NewServer panics if it cannot listen, as httptest.NewServer does.
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

// Close shuts the server down: it ends the requests waiting out
// SetLatency at once, unanswered, then, as httptest.Server.Close does,
// stops listening, releases the Client's idle connections and blocks
// until every request in flight has ended. It is safe to call more than
// once.
func (s *Server) Close() {
	s.Handler.close()
	s.srv.Close()
}
