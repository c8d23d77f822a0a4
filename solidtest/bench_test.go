package solidtest

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/solidsdk/solid-go/internal/spec"
	"github.com/solidsdk/solid-go/internal/specval"
)

// BenchmarkServe compares the mock, validation included, with a minimal
// net/http handler that returns a constant body, over loopback in the same
// run: same request, same client (keeping up to 128 idle connections), at
// 1 and 32 concurrent clients. It reports requests/s and the p50 and p99
// latencies; `make bench` prints the mock's ratios to the baseline.
//
//	go test -run '^$' -bench Serve -benchtime 20000x ./solidtest
func BenchmarkServe(b *testing.B) {
	constant := []byte(`{"id":"crd_7948d9a96706dd05360a340002de725f","set_pin_token":"card_pin_test_01920c6725b4707688fa0ad517bdeddb"}`)
	handlers := []struct {
		name string
		h    http.Handler
	}{
		{"baseline", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write(constant)
		})},
		{"mock", NewHandler()},
	}
	for _, conc := range []int{1, 32} {
		for _, hh := range handlers {
			b.Run(fmt.Sprintf("c%d/%s", conc, hh.name), func(b *testing.B) {
				serveBench(b, hh.h, conc)
			})
		}
	}
}

func serveBench(b *testing.B, h http.Handler, conc int) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	tr := &http.Transport{MaxIdleConns: 128, MaxIdleConnsPerHost: 128}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	url := "http://" + ln.Addr().String() + "/v2/issuing/card/" + DefaultCardID + "/set_pin_token"

	call := func() (time.Duration, bool) {
		t0 := time.Now()
		req, _ := http.NewRequest(http.MethodPost, url, nil)
		req.Header.Set("api-key", DefaultAPIKey)
		resp, err := hc.Do(req)
		if err != nil {
			b.Error(err)
			return 0, false
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Errorf("status %d", resp.StatusCode)
			return 0, false
		}
		return time.Since(t0), true
	}

	var mu sync.Mutex
	var lat []time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	if conc == 1 {
		for b.Loop() {
			d, ok := call()
			if !ok {
				return
			}
			lat = append(lat, d)
		}
	} else {
		// RunParallel starts parallelism x GOMAXPROCS goroutines.
		procs := runtime.GOMAXPROCS(0)
		b.SetParallelism((conc + procs - 1) / procs)
		b.RunParallel(func(pb *testing.PB) {
			var mine []time.Duration
			defer func() {
				mu.Lock()
				lat = append(lat, mine...)
				mu.Unlock()
			}()
			for pb.Next() {
				d, ok := call()
				if !ok {
					return
				}
				mine = append(mine, d)
			}
		})
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
	}
}

// BenchmarkHandler measures the mock's own cost per request, without the
// network: routing, validation against openapi.yaml and the answer, for
// the fast path (setPinToken), a stored read (getCard) and a partial
// update (updateCard).
func BenchmarkHandler(b *testing.B) {
	patch := []byte(`{"label":"Travel Expense Card","metadata":{"team":"ops"}}`)
	cases := []struct {
		name, method, path string
		body               []byte
	}{
		{"setPinToken", http.MethodPost, "/v2/issuing/card/" + DefaultCardID + "/set_pin_token", nil},
		{"getCard", http.MethodGet, "/v2/issuing/card/" + DefaultCardID, nil},
		{"updateCard", http.MethodPatch, "/v2/issuing/card/" + DefaultCardID, patch},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			h := NewHandler()
			w := &discardWriter{header: http.Header{}}
			body := bytes.NewReader(bc.body)
			req, _ := http.NewRequest(bc.method, "http://x"+bc.path, nil)
			req.Header.Set("api-key", DefaultAPIKey)
			if bc.body != nil {
				req.Header.Set("Content-Type", "application/json")
			}
			b.ReportAllocs()
			for b.Loop() {
				if bc.body != nil {
					body.Reset(bc.body)
					req.Body = io.NopCloser(body)
					req.ContentLength = int64(len(bc.body))
				}
				h.ServeHTTP(w, req)
			}
		})
	}
}

type discardWriter struct{ header http.Header }

func (w *discardWriter) Header() http.Header         { return w.header }
func (w *discardWriter) WriteHeader(int)             {}
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }

// BenchmarkStartup measures the time from nothing to the first 200: "cold"
// parses and checks openapi.yaml as the first NewServer in a process does,
// "warm" reuses the parsed spec as every later NewServer does.
func BenchmarkStartup(b *testing.B) {
	for _, cold := range []bool{true, false} {
		name := "warm"
		if cold {
			name = "cold"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				var opts []Option
				if cold {
					v, err := specval.New([]byte(spec.YAML))
					if err != nil {
						b.Fatal(err)
					}
					opts = append(opts, withValidator(v))
				}
				srv := NewServer(opts...)
				req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v2/issuing/card/"+DefaultCardID+"/set_pin_token", nil)
				req.Header.Set("api-key", DefaultAPIKey)
				resp, err := srv.Client().Do(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("status %d", resp.StatusCode)
				}
				srv.Close()
			}
		})
	}
}

// withValidator makes NewServer use v instead of the shared one.
func withValidator(v *specval.Validator) Option { return func(c *config) { c.v = v } }
