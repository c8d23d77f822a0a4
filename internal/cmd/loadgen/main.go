// Command loadgen is a small closed-loop HTTP load generator for
// benchmarking the mock (scripts/bench-mock.sh). It sends a bounded number
// of requests, from c workers each waiting for its answer before sending
// the next, and prints the throughput and latency percentiles:
//
//	loadgen -url URL [-method POST] [-H 'api-key: ...']... -c 32 -n 20000 [-warmup 1000] [-json]
//	c=32 n=20000 ok=20000 non2xx=0 errors=0 req/s=12345 p50=1.2ms p99=4.5ms
//
// With -mix it sends a mixed workload instead of one request: a mix file
// (testdata/bench/mix.json, written from openapi.yaml by
// internal/cmd/mixgen) lists requests by operation, with a path, an
// optional JSON body, a weight and the statuses the operation declares.
// Each worker cycles through the list (expanded by weight) from its own
// place, against -base. A body field a callback is sent to holds
// @CALLBACK_URL@, replaced by -callback, which must be loopback too (a
// mock that delivers callbacks, as Prism does, would otherwise send them
// to the documented example's host):
//
//	loadgen -mix testdata/bench/mix.json -base http://127.0.0.1:4010 -callback http://127.0.0.1:4011/webhook -H 'api-key: ...' -c 32 -n 20000
//
// A mix's non-2xx answers are counted by operation and status
// (non2xx_by_op) and reported; they fail the run only when the status is
// not one the operation declares (undeclared), unless -any-status. An
// entry with "from" (a delete) takes the id the worker's last answer to
// that operation (its create) made, in place of "from_id" in its path,
// once. With -setup, the mix's "setup" entries are sent once, in order,
// before the load (a webhook on every event type, say); each must answer
// 2xx.
//
// -client picks how requests are sent: raw (the default) writes HTTP/1.1
// on each worker's own keep-alive connection and reads the answer with
// http.ReadResponse, which leaves more of the machine to the server
// measured; http sends through Go's http.Client.
//
// With -await it instead polls URL (about every millisecond) until the first
// 200 and prints the milliseconds since -t0 (Unix nanoseconds; default: when
// loadgen started), for measuring a server's start-up time:
//
//	loadgen -await URL [-method POST] [-H ...]... -t0 $(date +%s%N) -timeout 10s
//
// It only talks to loopback addresses (127.0.0.0/8, ::1, localhost), both
// by the URL's host and by the address actually dialled: load is not to be
// sent anywhere else. Exit status: 0 success; 1 when any request failed or
// got a non-2xx answer (with -mix: an undeclared one), or -await timed
// out; 2 usage error.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

type headers []string

func (h *headers) String() string { return strings.Join(*h, ", ") }
func (h *headers) Set(s string) error {
	k, _, ok := strings.Cut(s, ":")
	if !ok || strings.TrimSpace(k) == "" {
		return fmt.Errorf("header %q: want 'Name: value'", s)
	}
	*h = append(*h, s)
	return nil
}

// config is one load run.
type config struct {
	url     string
	method  string
	headers http.Header
	c, n    int
	warmup  int
	timeout time.Duration // per request
	// mix, when set, replaces url and method: each worker cycles through
	// these requests against base, starting at its own place in them.
	mix  []mixEntry
	base string
	// client is clientRaw (also for "") or clientHTTP.
	client string
}

// result is what a load run measured. Latencies are of requests that got
// an answer (2xx or not); failed requests count in Errors only.
type result struct {
	C       int     `json:"c"`
	N       int     `json:"n"`
	OK      int     `json:"ok"`
	Non2xx  int     `json:"non2xx"`
	Errors  int     `json:"errors"`
	Seconds float64 `json:"seconds"`
	RPS     float64 `json:"req_per_s"`
	P50ms   float64 `json:"p50_ms"`
	P90ms   float64 `json:"p90_ms"`
	P99ms   float64 `json:"p99_ms"`
	MaxMs   float64 `json:"max_ms"`
	// FirstError is the first transport error, for diagnosis.
	FirstError string `json:"first_error,omitempty"`
	// With -mix: the non-2xx answers by "operation status", and how many
	// answers had a status their operation does not declare.
	Non2xxByOp map[string]int `json:"non2xx_by_op,omitempty"`
	Undeclared int            `json:"undeclared,omitempty"`
}

func (r result) String() string {
	s := fmt.Sprintf("c=%d n=%d ok=%d non2xx=%d errors=%d req/s=%.0f p50=%s p99=%s",
		r.C, r.N, r.OK, r.Non2xx, r.Errors, r.RPS, fmtMs(r.P50ms), fmtMs(r.P99ms))
	if len(r.Non2xxByOp) > 0 {
		keys := make([]string, 0, len(r.Non2xxByOp))
		for k := range r.Non2xxByOp {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for i, k := range keys {
			keys[i] = fmt.Sprintf("%s:%d", strings.ReplaceAll(k, " ", "="), r.Non2xxByOp[k])
		}
		s += " non2xx_by_op=" + strings.Join(keys, ",")
	}
	if r.Undeclared > 0 {
		s += fmt.Sprintf(" undeclared=%d", r.Undeclared)
	}
	return s
}

func fmtMs(ms float64) string {
	if ms < 10 {
		return fmt.Sprintf("%.2fms", ms)
	}
	return fmt.Sprintf("%.1fms", ms)
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	rawURL := fs.String("url", "", "URL to load (loopback only)")
	mixName := fs.String("mix", "", "instead of one URL: a mix file (testdata/bench/mix.json) whose requests each worker cycles through, against -base")
	callback := fs.String("callback", "", "with -mix: the loopback URL that bodies send callbacks to (for @CALLBACK_URL@: createWebhook's url)")
	anyStatus := fs.Bool("any-status", false, "with -mix: count answers with an undeclared status, without failing (for a server that does not follow the spec, such as constserver)")
	base := fs.String("base", "", "with -mix: the server's base URL, e.g. http://127.0.0.1:4010 (loopback only)")
	method := fs.String("method", http.MethodGet, "HTTP method")
	var hs headers
	fs.Var(&hs, "H", "request header 'Name: value' (repeatable)")
	c := fs.Int("c", 1, "concurrency: workers, each with one request in flight")
	n := fs.Int("n", 0, "total requests to measure (required, > 0)")
	warmup := fs.Int("warmup", 0, "requests sent first, at the same concurrency, and not measured")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	await := fs.String("await", "", "instead of loading, poll this URL until the first 200 and print the ms since -t0")
	t0 := fs.Int64("t0", 0, "with -await: the start, in Unix nanoseconds (default: now)")
	timeout := fs.Duration("timeout", 10*time.Second, "with -await: give up after this long; otherwise the per-request timeout")
	setup := fs.Bool("setup", false, "with -mix: send the mix's setup entries once, before the load (a webhook on every event, say)")
	client := fs.String("client", clientRaw, "how requests are sent: raw (HTTP/1.1 written on each worker's own connection: light, so the server measured keeps the CPU) or http (Go's http.Client)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 0 {
		fmt.Fprintf(stderr, "loadgen: unexpected arguments %q\n", fs.Args())
		return 2
	}
	hdr := http.Header{}
	for _, h := range hs {
		k, v, _ := strings.Cut(h, ":")
		hdr.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}

	if *await != "" {
		if err := checkLoopbackURL(*await); err != nil {
			fmt.Fprintf(stderr, "loadgen: %v\n", err)
			return 2
		}
		start := time.Now()
		if *t0 != 0 {
			start = time.Unix(0, *t0)
		}
		ms, err := awaitOK(*await, *method, hdr, start, *timeout)
		if err != nil {
			fmt.Fprintf(stderr, "loadgen: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "%.1f\n", ms)
		return 0
	}

	if (*rawURL == "") == (*mixName == "") || *n <= 0 || *c <= 0 || *warmup < 0 {
		fmt.Fprintln(stderr, "loadgen: want -url or -mix (with -base), -n > 0, -c > 0 and -warmup >= 0")
		fs.Usage()
		return 2
	}
	if *client != clientRaw && *client != clientHTTP {
		fmt.Fprintf(stderr, "loadgen: -client %q: want raw or http\n", *client)
		return 2
	}
	var setupEntries []mixEntry
	cfg := config{url: *rawURL, method: *method, headers: hdr, c: *c, n: *n, warmup: *warmup, timeout: *timeout, client: *client}
	if *mixName != "" {
		cfg.base = strings.TrimSuffix(*base, "/")
		if err := checkLoopbackURL(cfg.base); err != nil {
			fmt.Fprintf(stderr, "loadgen: -base: %v\n", err)
			return 2
		}
		if *callback != "" {
			if err := checkLoopbackURL(*callback); err != nil {
				fmt.Fprintf(stderr, "loadgen: -callback: %v\n", err)
				return 2
			}
		}
		var err error
		if cfg.mix, setupEntries, err = readMix(*mixName, *callback); err != nil {
			fmt.Fprintf(stderr, "loadgen: %v\n", err)
			return 2
		}
		if *setup && len(setupEntries) == 0 {
			fmt.Fprintf(stderr, "loadgen: -setup: %s has no setup entries\n", *mixName)
			return 2
		}
		if err := checkMix(cfg.base, cfg.mix); err != nil {
			fmt.Fprintf(stderr, "loadgen: %v\n", err)
			return 2
		}
	} else if err := checkLoopbackURL(*rawURL); err != nil {
		fmt.Fprintf(stderr, "loadgen: %v\n", err)
		return 2
	}
	if u, _, _ := cfg.target(); cfg.client == clientRaw && u.Scheme != "http" {
		fmt.Fprintln(stderr, "loadgen: -client raw speaks plain http; use -client http for https")
		return 2
	}
	if *setup {
		if err := runSetup(cfg, setupEntries, *anyStatus); err != nil {
			fmt.Fprintf(stderr, "loadgen: %v\n", err)
			return 1
		}
	}
	res := load(cfg)
	if *asJSON {
		b, _ := json.Marshal(res)
		fmt.Fprintln(stdout, string(b))
	} else {
		fmt.Fprintln(stdout, res)
	}
	if res.FirstError != "" {
		fmt.Fprintf(stderr, "loadgen: first error: %s\n", res.FirstError)
	}
	if cfg.mix != nil {
		// A mix may draw answers the spec allows (a 404): reported in
		// non2xx and non2xx_by_op, not a failure; an undeclared one is.
		if res.Errors > 0 || (res.Undeclared > 0 && !*anyStatus) || res.OK == 0 {
			return 1
		}
		return 0
	}
	if res.Errors > 0 || res.Non2xx > 0 {
		return 1
	}
	return 0
}

// checkLoopbackURL refuses a URL that is not http(s) to a loopback host.
func checkLoopbackURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%q: want an http or https URL", raw)
	}
	if !isLoopbackHost(u.Hostname()) {
		return fmt.Errorf("%q: refusing a host that is not loopback (127.0.0.0/8, ::1, localhost)", u.Host)
	}
	return nil
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// loopbackDialer dials loopback addresses only: a second guard, for names
// such as localhost that resolve to something else.
var loopbackDialer = &net.Dialer{
	Timeout: 5 * time.Second,
	Control: func(network, address string, _ syscall.RawConn) error {
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return err
		}
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			return fmt.Errorf("loadgen: refusing to dial %s: not loopback", address)
		}
		return nil
	},
}

// newClient returns a client that keeps at least conns idle connections
// to the host, so a closed loop of conns workers reuses them.
func newClient(conns int, timeout time.Duration) *http.Client {
	tr := &http.Transport{
		DialContext:         loopbackDialer.DialContext,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	return &http.Client{
		Transport: tr,
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse // a redirect could leave loopback
		},
	}
}

// load runs cfg: the warm-up, then cfg.n measured requests.
func load(cfg config) result {
	hc := newClient(cfg.c, cfg.timeout)
	defer hc.CloseIdleConnections()
	if cfg.warmup > 0 {
		phase(hc, cfg, cfg.warmup)
	}
	return phase(hc, cfg, cfg.n)
}

// target returns where cfg's requests go (scheme, host and any path
// prefix) and, without -mix, the one request's path and query.
func (cfg config) target() (*url.URL, string, error) {
	if cfg.mix != nil {
		u, err := url.Parse(cfg.base)
		return u, "", err
	}
	u, err := url.Parse(cfg.url)
	if err != nil {
		return nil, "", err
	}
	path := u.RequestURI()
	return &url.URL{Scheme: u.Scheme, Host: u.Host}, path, nil
}

// phase sends n requests from cfg.c workers and measures them.
func phase(hc *http.Client, cfg config, n int) result {
	lat := make([]time.Duration, n) // -1: failed
	var next atomic.Int64
	var ok, non2xx, errs, undeclared atomic.Int64
	var firstErr sync.Once
	var firstErrText string
	fail := func(i int64, err error) {
		lat[i] = -1
		errs.Add(1)
		firstErr.Do(func() { firstErrText = err.Error() })
	}
	var mu sync.Mutex
	byOp := map[string]int{}
	target, onePath, err := cfg.target()
	if err != nil {
		panic(err) // checked before the run
	}
	taken := takenFrom(cfg.mix)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range min(cfg.c, n) {
		wg.Go(func() {
			s := newSender(cfg.client, target, cfg.headers, hc, cfg.timeout)
			defer s.close()
			local := map[string]int{}
			defer func() {
				mu.Lock()
				for k, v := range local {
					byOp[k] += v
				}
				mu.Unlock()
			}()
			// made holds, by operation, the id of what this worker's last
			// answer to it made, for an entry that takes it (From).
			made := map[string]string{}
			// Each worker cycles through the mix from its own place.
			j := 0
			if len(cfg.mix) > 0 {
				j = w % len(cfg.mix)
			}
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				method, path := cfg.method, onePath
				var body []byte
				var e *mixEntry
				if cfg.mix != nil {
					e = &cfg.mix[j]
					j = (j + 1) % len(cfg.mix)
					method, path, body = e.Method, e.Path, e.Body
					if id := made[e.From]; e.From != "" && id != "" {
						path = strings.Replace(path, e.FromID, url.PathEscape(id), 1)
						delete(made, e.From)
					}
				}
				keep := e != nil && taken[e.Operation]
				t := time.Now()
				status, answer, err := s.send(method, path, body, keep)
				if err != nil {
					fail(i, err)
					continue
				}
				lat[i] = time.Since(t)
				if status >= 200 && status < 300 {
					ok.Add(1)
					if keep {
						if id := answerID(answer); id != "" {
							made[e.Operation] = id
						}
					}
				} else {
					non2xx.Add(1)
					if e != nil {
						local[opStatus(e.Operation, status)]++
					}
				}
				if e != nil && !e.declared(status) {
					undeclared.Add(1)
					local[opStatus(e.Operation, status)+" (undeclared)"]++
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)

	got := lat[:0]
	for _, d := range lat {
		if d >= 0 {
			got = append(got, d)
		}
	}
	slices.Sort(got)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	r := result{
		C: cfg.c, N: n,
		OK: int(ok.Load()), Non2xx: int(non2xx.Load()), Errors: int(errs.Load()),
		Seconds:    elapsed.Seconds(),
		RPS:        float64(len(got)) / elapsed.Seconds(),
		P50ms:      ms(percentile(got, 50)),
		P90ms:      ms(percentile(got, 90)),
		P99ms:      ms(percentile(got, 99)),
		FirstError: firstErrText,
		Undeclared: int(undeclared.Load()),
	}
	if len(byOp) > 0 {
		r.Non2xxByOp = byOp
	}
	if len(got) > 0 {
		r.MaxMs = ms(got[len(got)-1])
	}
	return r
}

// percentile is the nearest-rank p-th percentile (0 < p <= 100) of sorted:
// the smallest value with at least p% of the values at or below it. It is 0
// for no values.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// awaitOK polls rawURL about every millisecond until it answers 200 and
// returns the milliseconds from start to that answer.
func awaitOK(rawURL, method string, hdr http.Header, start time.Time, timeout time.Duration) (float64, error) {
	hc := newClient(1, time.Second)
	defer hc.CloseIdleConnections()
	ctx, cancel := context.WithDeadline(context.Background(), start.Add(timeout))
	defer cancel()
	var last error
	for {
		req, err := http.NewRequestWithContext(ctx, method, rawURL, nil)
		if err != nil {
			return 0, err
		}
		req.Header = hdr.Clone()
		resp, err := hc.Do(req)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return float64(time.Since(start)) / float64(time.Millisecond), nil
			}
			last = fmt.Errorf("status %d", resp.StatusCode)
		} else {
			last = err
		}
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("no 200 from %s within %v: last: %w", rawURL, timeout, last)
		case <-time.After(time.Millisecond):
		}
	}
}
