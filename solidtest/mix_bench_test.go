package solidtest

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkMix runs the mixed workload of testdata/bench/mix.json (every
// operation, by weight, as `MIX=1 make bench-mock` sends it) through one
// NewHandler in process, with no network: each op is one request, the
// sequence cycled, state kept from request to request. createWebhook's
// callback (@CALLBACK_URL@) is a loopback receiver answering 204, so
// deliveries happen as they would in the process run. It reports req/s.
//
//	go test -run '^$' -bench Mix -benchtime 15000x ./solidtest
//
// every-event first subscribes a webhook to every event type: each change
// the mix makes is then delivered, and events/req and deliveries/req say
// how many (deliveries counted once the queue has drained).
func BenchmarkMix(b *testing.B) {
	b.Run("mix", func(b *testing.B) { benchMix(b, false) })
	b.Run("every-event", func(b *testing.B) { benchMix(b, true) })
}

func benchMix(b *testing.B, everyEvent bool) {
	mix := readMixFile(b)
	var delivered atomic.Int64
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		delivered.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer sink.Close()
	cb, _ := json.Marshal(sink.URL + "/webhook")
	type entry struct {
		op, method, path string
		body             []byte
		from, fromID     string
	}
	var seq []entry
	taken := map[string]bool{}
	for _, e := range mix.Entries {
		if e.From != "" {
			taken[e.From] = true
		}
		body := []byte(e.Body)
		if string(body) == "null" {
			body = nil
		}
		body = bytes.ReplaceAll(body, []byte(`"@CALLBACK_URL@"`), cb)
		for range e.Weight {
			seq = append(seq, entry{e.Operation, e.Method, e.Path, body, e.From, e.FromID})
		}
	}
	if len(seq) == 0 {
		b.Fatal("empty mix")
	}
	h := NewHandler()
	defer h.stopDeliveries()
	var events atomic.Int64
	h.onEmit = func(string, []byte) { events.Add(1) }
	if everyEvent {
		h.SubscribeWebhook(sink.URL+"/all", "whsec_bench", slices.Sorted(maps.Keys(h.eventTypes()))...)
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	// As loadgen does, a delete deletes what its create made (from).
	made := map[string]string{}
	var id struct{ ID string }
	for i := 0; i < b.N; i++ {
		e := seq[i%len(seq)]
		if v := made[e.from]; v != "" {
			e.path = strings.Replace(e.path, e.fromID, v, 1)
			delete(made, e.from)
		}
		var body *bytes.Reader
		if e.body != nil {
			body = bytes.NewReader(e.body)
		} else {
			body = bytes.NewReader(nil)
		}
		req := httptest.NewRequest(e.method, e.path, body)
		req.Header.Set("api-key", DefaultAPIKey)
		if e.body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code >= 500 {
			b.Fatalf("%s %s: %d %s", e.method, e.path, w.Code, w.Body.Bytes())
		}
		if taken[e.op] && w.Code/100 == 2 {
			id.ID = ""
			json.Unmarshal(w.Body.Bytes(), &id)
			made[e.op] = id.ID
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
	b.StopTimer()
	// Deliveries run off the request path: wait for the queue to drain.
	for last, stable := int64(-1), 0; stable < 5; time.Sleep(20 * time.Millisecond) {
		if n := delivered.Load(); n == last {
			stable++
		} else {
			last, stable = n, 0
		}
	}
	b.ReportMetric(float64(events.Load())/float64(b.N), "events/req")
	b.ReportMetric(float64(delivered.Load())/float64(b.N), "deliveries/req")
}
