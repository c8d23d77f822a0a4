package solid_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	solid "github.com/solidsdk/solid-go"
)

// TestSharedClientConcurrency shares one client among 200 goroutines: no
// race (run with -race), every call succeeds, and connections are reused:
// the server accepts no more connections than the SDK's pool allows (128
// per host), however many callers there are. For contrast it logs what Go's default
// transport, which keeps 2 idle connections per host, opens for the same
// load.
func TestSharedClientConcurrency(t *testing.T) {
	tests := []struct {
		goroutines, callsEach int
		maxConns              int
	}{
		{goroutines: 1, callsEach: 50, maxConns: 1},
		// More callers than the pool's 128 connections per host: the
		// callers beyond wait for a free connection instead of opening one.
		{goroutines: 200, callsEach: 5, maxConns: 128},
	}
	body := readFixture("200.json")
	for _, tt := range tests {
		// The pool's bound is on connections open at once: one the server
		// or the pool closes (an idle one, under a loaded machine) may be
		// replaced, so the total opened is not the measure.
		ours, total := runShared(t, body, tt.goroutines, tt.callsEach)
		if ours > tt.maxConns {
			t.Errorf("%d goroutines x %d calls had %d connections open at once; want at most %d", tt.goroutines, tt.callsEach, ours, tt.maxConns)
		}
		if tt.goroutines == 1 && total != 1 {
			t.Errorf("one caller making %d calls opened %d connections; want 1, reused", tt.callsEach, total)
		}
		if tt.goroutines > 1 {
			naive, _ := runShared(t, body, tt.goroutines, tt.callsEach, solid.WithHTTPClient(&http.Client{Transport: &http.Transport{}}))
			t.Logf("%d goroutines x %d calls: %d connections with the SDK's pool, %d with Go's default transport", tt.goroutines, tt.callsEach, ours, naive)
		}
	}
}

// runShared returns the most connections open at once and the number
// opened in all.
func runShared(t *testing.T, body []byte, goroutines, callsEach int, opts ...solid.Option) (peak, total int) {
	t.Helper()
	{
		var accepted, open, most atomic.Int64
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write(body)
		}))
		srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
			switch s {
			case http.StateNew:
				accepted.Add(1)
				n := open.Add(1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
			case http.StateClosed, http.StateHijacked:
				open.Add(-1)
			}
		}
		srv.Start()
		c := newTestClient(t, srv.URL, opts...)

		var wg sync.WaitGroup
		var failed atomic.Int64
		for range goroutines {
			wg.Go(func() {
				for range callsEach {
					if _, err := c.CreateSetPinToken(context.Background(), seedCard); err != nil {
						failed.Add(1)
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		srv.Close()
		if failed.Load() != 0 {
			t.Fatalf("%d goroutines failed", failed.Load())
		}
		return int(most.Load()), int(accepted.Load())
	}
}
