package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	ms := func(ns ...int) []time.Duration {
		out := make([]time.Duration, len(ns))
		for i, n := range ns {
			out[i] = time.Duration(n) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	for _, tt := range []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one p50", ms(7), 50, 7 * time.Millisecond},
		{"one p99", ms(7), 99, 7 * time.Millisecond},
		{"two p50 is the lower", ms(1, 2), 50, 1 * time.Millisecond},
		{"two p99 is the upper", ms(1, 2), 99, 2 * time.Millisecond},
		{"four p50", ms(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{"four p75", ms(1, 2, 3, 4), 75, 3 * time.Millisecond},
		{"four p100", ms(1, 2, 3, 4), 100, 4 * time.Millisecond},
		{"hundred p50", ms(hundred...), 50, 50 * time.Millisecond},
		{"hundred p99", ms(hundred...), 99, 99 * time.Millisecond},
		{"hundred p1", ms(hundred...), 1, 1 * time.Millisecond},
		{"tail outlier p99 of 100", ms(append(make([]int, 99), 1000)...), 99, 0},
		{"tail outlier p100 of 100", ms(append(make([]int, 99), 1000)...), 100, time.Second},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := percentile(tt.sorted, tt.p); got != tt.want {
				t.Errorf("percentile(%v, %v) = %v, want %v", tt.sorted, tt.p, got, tt.want)
			}
		})
	}
}

func TestLoopbackRefusal(t *testing.T) {
	for _, tt := range []struct {
		url string
		ok  bool
	}{
		{"http://127.0.0.1:4010/x", true},
		{"http://127.1.2.3:80/", true},
		{"http://[::1]:4010/", true},
		{"http://localhost:4010/", true},
		{"http://LOCALHOST/", true},
		{"https://127.0.0.1/", true},
		{"http://10.0.0.1:4010/", false},
		{"http://192.168.1.1/", false},
		{"http://0.0.0.0:4010/", false},
		{"http://[::]:4010/", false},
		{"http://example.com/", false},
		{"http://localhost.example.com/", false},
		{"http://127.0.0.1.nip.io/", false},
		{"ftp://127.0.0.1/", false},
		{"127.0.0.1:4010", false},
		{"", false},
	} {
		t.Run(tt.url, func(t *testing.T) {
			err := checkLoopbackURL(tt.url)
			if (err == nil) != tt.ok {
				t.Errorf("checkLoopbackURL(%q) = %v, want ok=%v", tt.url, err, tt.ok)
			}
		})
	}

	// The command refuses before sending anything, with a usage error.
	for _, args := range [][]string{
		{"-url", "http://10.1.2.3:4010/", "-n", "1"},
		{"-await", "http://example.com/", "-timeout", "10ms"},
	} {
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code != 2 || !strings.Contains(errb.String(), "not loopback") {
			t.Errorf("run(%q) = %d, stderr %q; want 2 and a refusal", args, code, errb.String())
		}
	}

	// The dialer refuses a non-loopback address even past the URL check.
	if _, err := loopbackDialer.Dial("tcp", "192.0.2.1:9"); err == nil || !strings.Contains(err.Error(), "not loopback") {
		t.Errorf("dial 192.0.2.1: %v, want a refusal", err)
	}
}

func TestCounting(t *testing.T) {
	var seen atomic.Int64
	var badKey atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Header.Get("Api-Key") != "k1" {
			badKey.Add(1)
		}
		// Every third request fails with 500, one in five with 404.
		switch i := seen.Add(1); {
		case i%3 == 0:
			w.WriteHeader(http.StatusInternalServerError)
		case i%5 == 0:
			w.WriteHeader(http.StatusNotFound)
		default:
			w.Write([]byte("ok"))
		}
	}))
	defer srv.Close()

	for _, tt := range []struct {
		c, n, warmup int
	}{
		{1, 30, 0},
		{4, 300, 0},
		{32, 3000, 100},
		{64, 10, 0}, // more workers than requests
	} {
		t.Run("c="+strconv.Itoa(tt.c), func(t *testing.T) {
			seen.Store(0)
			hdr := http.Header{"Api-Key": {"k1"}}
			r := load(config{url: srv.URL, method: http.MethodPost, headers: hdr, c: tt.c, n: tt.n, warmup: tt.warmup, timeout: 5 * time.Second})
			// The counts follow from the server's sequence, whatever
			// order the workers ran in; the warm-up is not counted.
			if got := int(seen.Load()); got != tt.warmup+tt.n {
				t.Errorf("server saw %d requests, want %d", got, tt.warmup+tt.n)
			}
			wantBad := 0
			for i := tt.warmup + 1; i <= tt.warmup+tt.n; i++ {
				if i%3 == 0 || i%5 == 0 {
					wantBad++
				}
			}
			if r.OK+r.Non2xx+r.Errors != tt.n || r.Non2xx != wantBad || r.Errors != 0 {
				t.Errorf("got %s, want n=%d ok=%d non2xx=%d errors=0", r, tt.n, tt.n-wantBad, wantBad)
			}
			if r.P50ms <= 0 || r.P99ms < r.P50ms || r.MaxMs < r.P99ms || r.RPS <= 0 {
				t.Errorf("implausible latencies: %+v", r)
			}
		})
	}
	if badKey.Load() != 0 {
		t.Errorf("%d requests without the method or header", badKey.Load())
	}

	// The command exits 1 when any answer was non-2xx, and prints JSON.
	seen.Store(0)
	var out, errb bytes.Buffer
	code := run([]string{"-url", srv.URL, "-method", "POST", "-H", "api-key: k1", "-c", "2", "-n", "6", "-json"}, &out, &errb)
	var r result
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("output %q: %v", out.String(), err)
	}
	if code != 1 || r.OK != 3 || r.Non2xx != 3 {
		t.Errorf("run = %d, %+v; want 1 with ok=3 non2xx=3", code, r)
	}
}

func TestErrorsCounted(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	url := srv.URL
	srv.Close() // nothing listens: every request fails
	r := phase(newClient(2, time.Second), config{url: url, method: http.MethodGet, c: 2}, 5)
	if r.Errors != 5 || r.OK != 0 || r.FirstError == "" {
		t.Errorf("got %+v, want 5 errors", r)
	}
}

func TestAwait(t *testing.T) {
	var ready atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !ready.Load() || r.Header.Get("Api-Key") != "k1" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	time.AfterFunc(30*time.Millisecond, func() { ready.Store(true) })
	start := time.Now()
	ms, err := awaitOK(srv.URL, http.MethodPost, http.Header{"Api-Key": {"k1"}}, start, 5*time.Second)
	if err != nil || ms < 30 || ms > 5000 {
		t.Errorf("awaitOK = %v, %v; want 30 ms or more", ms, err)
	}

	// A server that never says 200: a timeout, exit 1.
	ready.Store(false)
	var out, errb bytes.Buffer
	t0 := strconv.FormatInt(time.Now().UnixNano(), 10)
	if code := run([]string{"-await", srv.URL, "-t0", t0, "-timeout", "50ms"}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "no 200") {
		t.Errorf("run -await = %d, stderr %q; want 1", code, errb.String())
	}
}

func TestMix(t *testing.T) {
	var bad atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.Header.Get("Api-Key") != "k1" {
			bad.Add(1)
		}
		switch r.Method + " " + r.URL.RequestURI() {
		case "GET /a?x=1":
			if len(b) != 0 || r.Header.Get("Content-Type") != "" {
				bad.Add(1)
			}
		case "POST /b":
			if string(b) != `{"k":"v"}` || r.Header.Get("Content-Type") != "application/json" {
				bad.Add(1)
			}
			w.WriteHeader(http.StatusCreated)
		case "DELETE /c":
			w.WriteHeader(http.StatusNotFound)
		case "POST /d":
			if string(b) != `{"url":"http://127.0.0.1:9/hook"}` {
				bad.Add(1)
			}
		default:
			bad.Add(1)
			w.WriteHeader(http.StatusTeapot)
		}
	}))
	defer srv.Close()
	dir := t.TempDir()
	write := func(mix string) string {
		name := dir + "/mix.json"
		if err := os.WriteFile(name, []byte(mix), 0o644); err != nil {
			t.Fatal(err)
		}
		return name
	}
	mix := write(`{"entries":[
		{"operation":"a","method":"GET","path":"/a?x=1","weight":2,"declared":[200]},
		{"operation":"b","method":"POST","path":"/b","body":{"k":"v"},"weight":1,"declared":[201,400]},
		{"operation":"c","method":"DELETE","path":"/c","weight":1,"declared":[204,404]}]}`)
	var out, errb bytes.Buffer
	code := run([]string{"-mix", mix, "-base", srv.URL + "/", "-H", "api-key: k1", "-c", "3", "-n", "400", "-warmup", "8", "-json"}, &out, &errb)
	var r result
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("output %q (%s): %v", out.String(), errb.String(), err)
	}
	// 400 requests over a cycle of 4 per worker: a quarter are c's 404s,
	// give or take a worker's partial cycle.
	if code != 0 || r.Errors != 0 || r.Undeclared != 0 || r.OK+r.Non2xx != 400 ||
		r.Non2xx < 90 || r.Non2xx > 110 || r.Non2xxByOp["c 404"] != r.Non2xx {
		t.Errorf("run = %d, %+v (%s); want 0, ~100 declared 404s of c", code, r, errb.String())
	}
	if bad.Load() != 0 {
		t.Errorf("%d requests not as the mix says", bad.Load())
	}

	// An answer the operation does not declare fails the run.
	mix = write(`{"entries":[{"operation":"c","method":"DELETE","path":"/c","weight":1,"declared":[204]}]}`)
	out.Reset()
	code = run([]string{"-mix", mix, "-base", srv.URL, "-H", "api-key: k1", "-c", "2", "-n", "10"}, &out, &errb)
	if code != 1 || !strings.Contains(out.String(), "undeclared=10") {
		t.Errorf("run = %d, %q; want 1 and undeclared=10", code, out.String())
	}
	// ... unless -any-status; but a run with no 2xx at all fails.
	out.Reset()
	code = run([]string{"-mix", mix, "-base", srv.URL, "-H", "api-key: k1", "-c", "2", "-n", "10", "-any-status"}, &out, &errb)
	if code != 1 {
		t.Errorf("run -any-status, no 2xx = %d, %q; want 1", code, out.String())
	}
	mix2 := write(`{"entries":[{"operation":"c","method":"DELETE","path":"/c","weight":1,"declared":[204]},
		{"operation":"a","method":"GET","path":"/a?x=1","weight":1,"declared":[200]}]}`)
	out.Reset()
	code = run([]string{"-mix", mix2, "-base", srv.URL, "-H", "api-key: k1", "-c", "1", "-n", "10", "-any-status"}, &out, &errb)
	if code != 0 || !strings.Contains(out.String(), "undeclared=5") {
		t.Errorf("run -any-status = %d, %q; want 0 and undeclared=5", code, out.String())
	}

	// A callback placeholder gets -callback.
	mix = write(`{"entries":[{"operation":"d","method":"POST","path":"/d","body":{"url":"@CALLBACK_URL@"},"weight":1}]}`)
	if code := run([]string{"-mix", mix, "-base", srv.URL, "-callback", "http://127.0.0.1:9/hook", "-H", "api-key: k1", "-n", "3"}, &out, &errb); code != 0 || bad.Load() != 0 {
		t.Errorf("callback run = %d, %d bad requests", code, bad.Load())
	}

	// Usage: a mix without a loopback base, or both -url and -mix; a
	// callback without a loopback -callback.
	for _, args := range [][]string{
		{"-mix", mix, "-base", srv.URL, "-n", "1"},
		{"-mix", mix, "-base", srv.URL, "-callback", "http://example.com/hook", "-n", "1"},
		{"-mix", mix, "-base", "http://10.0.0.1:4010", "-n", "1"},
		{"-mix", mix, "-url", srv.URL, "-base", srv.URL, "-n", "1"},
		{"-mix", dir + "/none.json", "-base", srv.URL, "-n", "1"},
	} {
		if code := run(args, &out, &errb); code != 2 {
			t.Errorf("run(%q) = %d, want 2", args, code)
		}
	}
}

// TestClients: both clients send the same requests and read the same
// answers, chunked or not, and the raw one keeps one connection per
// worker until the server closes it.
func TestClients(t *testing.T) {
	var conns, seen atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.Header.Get("Api-Key") != "k1" || r.URL.RequestURI() != "/p/x?q=1" || (r.Method == http.MethodPost && string(b) != "") {
			w.WriteHeader(http.StatusTeapot)
			return
		}
		switch i := seen.Add(1); {
		case i%7 == 0:
			w.Header().Set("Connection", "close")
			w.WriteHeader(http.StatusNotFound)
		case i%2 == 0:
			w.Write([]byte("first part, "))
			w.(http.Flusher).Flush() // chunked from here
			w.Write([]byte("second part"))
		default:
			w.Write([]byte("ok"))
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	for _, client := range []string{clientRaw, clientHTTP} {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			t.Run(client+" "+method, func(t *testing.T) {
				seen.Store(0)
				conns.Store(0)
				r := load(config{url: srv.URL + "/p/x?q=1", method: method, headers: http.Header{"Api-Key": {"k1"}}, c: 2, n: 70, timeout: 5 * time.Second, client: client})
				if r.OK != 60 || r.Non2xx != 10 || r.Errors != 0 {
					t.Errorf("got %s, want ok=60 non2xx=10 errors=0", r)
				}
				// The raw client: a connection per worker, and a new one
				// after each of the ten closes at most. (http.Client
				// keeps its own pool; its count is its business.)
				if n := conns.Load(); client == clientRaw && (n < 2 || n > 12) {
					t.Errorf("%d connections for 2 workers and 10 closes", n)
				}
			})
		}
	}
	var out, errb bytes.Buffer
	if code := run([]string{"-url", srv.URL, "-n", "1", "-client", "fast"}, &out, &errb); code != 2 {
		t.Errorf("-client fast = %d, want 2", code)
	}
}

// TestMixFrom: a delete takes the id its worker's last create made, once;
// before any create, and after using it, its path is sent as written.
func TestMixFrom(t *testing.T) {
	var mu sync.Mutex
	stored := map[string]bool{}
	var made atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/w":
			id := "w_" + strconv.FormatInt(made.Add(1), 10)
			stored[id] = true
			w.WriteHeader(http.StatusCreated)
			json.NewEncoder(w).Encode(map[string]any{"id": id, "url": "x"})
		case r.Method == http.MethodDelete && strings.HasPrefix(r.URL.Path, "/w/"):
			id := strings.TrimPrefix(r.URL.Path, "/w/")
			if !stored[id] {
				w.WriteHeader(http.StatusNotFound)
				return
			}
			delete(stored, id)
			w.WriteHeader(http.StatusNoContent)
		default:
			w.WriteHeader(http.StatusTeapot)
		}
	}))
	defer srv.Close()
	name := t.TempDir() + "/mix.json"
	os.WriteFile(name, []byte(`{"entries":[
		{"operation":"createW","method":"POST","path":"/w","body":{},"weight":1,"declared":[201]},
		{"operation":"deleteW","method":"DELETE","path":"/w/w_0","weight":2,"declared":[204,404],"from":"createW","from_id":"w_0"}]}`), 0o644)
	for _, client := range []string{clientRaw, clientHTTP} {
		t.Run(client, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run([]string{"-mix", name, "-base", srv.URL, "-c", "1", "-n", "30", "-json", "-client", client}, &out, &errb)
			var r result
			if err := json.Unmarshal(out.Bytes(), &r); err != nil {
				t.Fatalf("output %q (%s): %v", out.String(), errb.String(), err)
			}
			// Each cycle: a create, its delete (204), the same delete
			// again with the path as written (404).
			if code != 0 || r.OK != 20 || r.Non2xxByOp["deleteW 404"] != 10 {
				t.Errorf("run = %d, %s; want ok=20 and 10 404s of deleteW", code, r)
			}
			mu.Lock()
			left := len(stored)
			mu.Unlock()
			if left != 0 {
				t.Errorf("%d made and never deleted", left)
			}
		})
	}
	os.WriteFile(name, []byte(`{"entries":[{"operation":"d","method":"DELETE","path":"/w/x","weight":1,"from":"c","from_id":"y"}]}`), 0o644)
	var out, errb bytes.Buffer
	if code := run([]string{"-mix", name, "-base", srv.URL, "-n", "1"}, &out, &errb); code != 2 {
		t.Errorf("from_id not in the path: run = %d, want 2", code)
	}
}

// TestSetup: -setup sends the mix's setup entries once before the load;
// a setup answer that is not 2xx fails the run; a mix without setup
// entries is a usage error.
func TestSetup(t *testing.T) {
	var setups, loads atomic.Int64
	var fail atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		switch {
		case r.URL.Path == "/hook" && string(b) == `{"url":"http://127.0.0.1:9/cb","events":["a","b"]}`:
			setups.Add(1)
			if fail.Load() {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			w.WriteHeader(http.StatusCreated)
		case r.URL.Path == "/x":
			loads.Add(1)
		default:
			w.WriteHeader(http.StatusTeapot)
		}
	}))
	defer srv.Close()
	dir := t.TempDir()
	mix := dir + "/mix.json"
	os.WriteFile(mix, []byte(`{"entries":[{"operation":"x","method":"GET","path":"/x","weight":1,"declared":[200]}],
		"setup":[{"operation":"hook","method":"POST","path":"/hook","body":{"url":"@CALLBACK_URL@","events":["a","b"]},"declared":[201]}]}`), 0o644)
	var out, errb bytes.Buffer
	args := []string{"-mix", mix, "-base", srv.URL, "-callback", "http://127.0.0.1:9/cb", "-c", "3", "-n", "30", "-setup"}
	if code := run(args, &out, &errb); code != 0 || setups.Load() != 1 || loads.Load() != 30 {
		t.Errorf("run = %d (%s); %d setups, %d loads; want 0, 1, 30", code, errb.String(), setups.Load(), loads.Load())
	}
	// Without -setup, none is sent.
	if code := run(args[:len(args)-1], &out, &errb); code != 0 || setups.Load() != 1 {
		t.Errorf("without -setup: run = %d, %d setups", code, setups.Load())
	}
	fail.Store(true)
	if code := run(args, &out, &errb); code != 1 || !strings.Contains(errb.String(), "setup hook: 400") {
		t.Errorf("failed setup: run = %d, %q; want 1", code, errb.String())
	}
	os.WriteFile(mix, []byte(`{"entries":[{"operation":"x","method":"GET","path":"/x","weight":1}]}`), 0o644)
	if code := run(args, &out, &errb); code != 2 {
		t.Errorf("no setup entries: run = %d, want 2", code)
	}
}
