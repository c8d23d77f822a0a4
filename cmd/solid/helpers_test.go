package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	solid "github.com/solidsdk/solid-go"
	"github.com/solidsdk/solid-go/solidtest"
)

// cliResult is one run of the CLI.
type cliResult struct {
	code           int
	stdout, stderr string
}

func runCLI(t *testing.T, env map[string]string, stdin string, args ...string) cliResult {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := runIn(args, func(k string) string { return env[k] }, strings.NewReader(stdin), &stdout, &stderr)
	return cliResult{code, stdout.String(), stderr.String()}
}

// countingMock is the mock behind a counter of the requests it got, to
// prove a usage error is found before any request.
func countingMock(t *testing.T, opts ...solidtest.Option) (url string, requests func() int64) {
	t.Helper()
	h := solidtest.NewHandler(opts...)
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, n.Load
}

// offlineHosts makes every command's client send through a transport that
// records the host a request would go to and answers {} itself.
func offlineHosts(t *testing.T) func() []string {
	t.Helper()
	var mu sync.Mutex
	var hosts []string
	rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		hosts = append(hosts, r.URL.Host)
		mu.Unlock()
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(`{}`)), Request: r}, nil
	})
	old := testClientOptions
	testClientOptions = []solid.Option{solid.WithHTTPClient(&http.Client{Transport: rt}), solid.WithMaxRetries(0)}
	t.Cleanup(func() { testClientOptions = old })
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		out := hosts
		hosts = nil
		return out
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
