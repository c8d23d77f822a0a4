package solidtest

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// goPost sends a POST to url in a goroutine and reports its error, nil
// when an answer came.
func goPost(ctx context.Context, hc *http.Client, url, key string) <-chan error {
	errc := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, "POST", url, nil)
		if key != "" {
			req.Header.Set("api-key", key)
		}
		resp, err := hc.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	return errc
}

// serveSignalling serves h on an httptest server that sends on the
// returned channel each time h has finished with a request.
func serveSignalling(t *testing.T, h http.Handler) (*httptest.Server, <-chan struct{}) {
	ended := make(chan struct{}, 8)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() { ended <- struct{}{} }()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	return ts, ended
}

// TestCloseEndsWaitingRequests: Close does not wait out the latency; the
// waiting requests end unanswered and keep Status 0.
func TestCloseEndsWaitingRequests(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	srv.SetLatency(time.Hour)
	errc := []<-chan error{
		goPost(context.Background(), srv.Client(), srv.URL+setPinPath, ""),
		goPost(context.Background(), srv.Client(), srv.URL+setPinPath, ""),
	}
	waitForRecord(t, srv.Handler, unanswered(2))

	closed := make(chan struct{})
	go func() {
		srv.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(time.Minute):
		t.Fatal("Close is waiting out the latency")
	}
	for _, c := range errc {
		if err := <-c; err == nil {
			t.Error("a request waiting out the latency was answered after Close")
		}
	}
	want := Request{Method: "POST", Path: setPinPath, Operation: "createSetPinToken", CardID: DefaultCardID}
	if got := srv.Requests(); len(got) != 2 || got[0] != want || got[1] != want {
		t.Errorf("record after Close %+v, want twice %+v", got, want)
	}
}

// TestCloseWaitsForHandlers: Close returns only once every request in
// flight has ended, the ones it cut short included.
func TestCloseWaitsForHandlers(t *testing.T) {
	h := NewHandler()
	var returned atomic.Int32
	srv := &Server{Handler: h, srv: httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer returned.Add(1)
		h.ServeHTTP(w, r)
	}))}
	srv.start(false)
	defer srv.Close()
	srv.SetLatency(time.Hour)
	errc := []<-chan error{
		goPost(context.Background(), srv.Client(), srv.URL+setPinPath, DefaultAPIKey),
		goPost(context.Background(), srv.Client(), srv.URL+setPinPath, DefaultAPIKey),
	}
	waitForRecord(t, h, unanswered(2))
	srv.Close()
	if n := returned.Load(); n != 2 {
		t.Errorf("Close returned while %d of 2 handlers were still running", 2-n)
	}
	for _, c := range errc {
		if err := <-c; err == nil {
			t.Error("a request waiting out the latency was answered after Close")
		}
	}
}

// TestTLSServer: NewTLSServer serves the same mock over HTTPS; its Client
// trusts the certificate, a client that does not is refused.
func TestTLSServer(t *testing.T) {
	srv := newServer([]Option{WithCards("crd_tls")})
	srv.srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake below
	srv.start(true)
	defer srv.Close()
	if !strings.HasPrefix(srv.URL, "https://") {
		t.Fatalf("URL %q, want https", srv.URL)
	}
	if r := send(t, srv.Client(), srv.URL, "POST", pinPath("crd_tls"), DefaultAPIKey); r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	srv.QueueFault(Fault{Drop: true})
	if err := <-goPost(context.Background(), srv.Client(), srv.URL+setPinPath, DefaultAPIKey); err == nil {
		t.Error("a dropped request was answered")
	}

	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	_, err := (&http.Client{Transport: tr}).Post(srv.URL+setPinPath, "", nil)
	var certErr *tls.CertificateVerificationError
	if !errors.As(err, &certErr) {
		t.Errorf("a client without the certificate: err = %v, want a certificate error", err)
	}

	want := []Request{
		{Method: "POST", Path: pinPath("crd_tls"), Operation: "createSetPinToken", CardID: "crd_tls", HasAPIKey: true, Status: 200},
		{Method: "POST", Path: setPinPath, Operation: "createSetPinToken", CardID: DefaultCardID, HasAPIKey: true, Status: 0},
	}
	if got := srv.Requests(); !slices.Equal(got, want) {
		t.Errorf("record %+v, want %+v", got, want)
	}
}

// TestNewTLSServer checks the exported constructor end to end.
func TestNewTLSServer(t *testing.T) {
	srv := NewTLSServer()
	defer srv.Close()
	if r := send(t, srv.Client(), srv.URL, "POST", setPinPath, DefaultAPIKey); r.status != 200 || !strings.HasPrefix(srv.URL, "https://") {
		t.Fatalf("%s: status %d", srv.URL, r.status)
	}
}
