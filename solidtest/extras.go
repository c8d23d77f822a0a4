package solidtest

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// WithLogger makes the mock log one record per answered request: method,
// path, operation, status, and for a refused or failed request the reason.
// `solid mock` logs this way unless --quiet. Records never hold an API key.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) { c.logger = l }
}

// WithRateLimits turns on rate limits like Solid's sandbox (50 reads and
// 50 writes a second per program; RateLimitsSandbox): a request over the
// limit in the current second gets 429 with Retry-After: 1, so tests can
// exercise their backoff. Reads are GETs; writes everything else. Off by
// default; a limit of 0 leaves that kind unlimited.
func WithRateLimits(readsPerSecond, writesPerSecond int) Option {
	return func(c *config) { c.reads, c.writes = readsPerSecond, writesPerSecond }
}

// RateLimitsSandbox is Solid's documented per-program limit in the
// sandbox: 50 reads and 50 writes a second.
const RateLimitsSandbox = 50

// WithControl makes the mock serve a small control API under /_solidtest/
// (paths no Solid operation uses), so faults and latency can be set from
// outside the process, by a test in any language:
//
//	POST /_solidtest/faults   {"status":503,"retry_after":"1","count":2,"operation":"getCard"} or {"drop":true}
//	POST /_solidtest/latency  {"latency":"250ms"}
//	POST /_solidtest/reset    (no body): Reset
//
// Each answers 204, or 400 with a message. `solid mock` turns it on.
func WithControl() Option {
	return func(c *config) { c.control = true }
}

// maxRequestBody bounds a request body: far above any documented body.
const maxRequestBody = 1 << 20

// rateLimiter counts reads and writes in the current second.
type rateLimiter struct {
	reads, writes int
	mu            sync.Mutex
	second        int64
	nr, nw        int
}

// allow reports whether one more request fits the current second.
func (l *rateLimiter) allow(write bool, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if s := now.Unix(); s != l.second {
		l.second, l.nr, l.nw = s, 0, 0
	}
	if write {
		if l.writes > 0 && l.nw >= l.writes {
			return false
		}
		l.nw++
		return true
	}
	if l.reads > 0 && l.nr >= l.reads {
		return false
	}
	l.nr++
	return true
}

// answered records the status of a request and logs it.
func (h *Handler) answered(ticket uint64, r *http.Request, op string, status int, reason string) {
	h.finish(ticket, status)
	if h.logger == nil {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", r.Method),
		slog.String("path", truncate(r.URL.EscapedPath())),
		slog.String("operation", op),
		slog.Int("status", status),
	}
	if reason != "" {
		attrs = append(attrs, slog.String("reason", reason))
	}
	h.logger.LogAttrs(r.Context(), slog.LevelInfo, "solidtest", attrs...)
}

// preferred answers a request that asks for a documented answer with
// Prism's Prefer header ("code=404", "example=card_example", or both):
// ok is false when the request does not ask.
func (h *Handler) preferred(r *http.Request, op string) (status int, body []byte, errMsg string, ok bool) {
	pref := r.Header.Get("Prefer")
	if pref == "" || op == "" {
		return 0, nil, "", false
	}
	var code, name string
	for _, part := range strings.Split(pref, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch strings.TrimSpace(k) {
		case "code":
			code = strings.TrimSpace(v)
		case "example":
			name = strings.TrimSpace(v)
		}
	}
	if code == "" && name == "" {
		return 0, nil, "", false
	}
	so := h.specOps[op]
	if so == nil {
		return 0, nil, "", false
	}
	if code == "" {
		code = strconv.Itoa(h.plans[op].status)
	}
	resp := so.Responses.Value(code)
	if resp == nil || resp.Value == nil {
		return 0, nil, fmt.Sprintf("Prefer: code=%s is not a documented answer of %s", code, op), true
	}
	status, _ = strconv.Atoi(code)
	mt := resp.Value.Content.Get("application/json")
	if mt == nil {
		if name != "" {
			return 0, nil, fmt.Sprintf("Prefer: example=%s: the %s answer of %s has no body", name, code, op), true
		}
		return status, nil, "", true
	}
	var ex any
	switch {
	case name != "":
		e := mt.Examples[name]
		if e == nil || e.Value == nil {
			return 0, nil, fmt.Sprintf("Prefer: example=%s is not an example of the %s answer of %s", name, code, op), true
		}
		ex = e.Value.Value
	case mt.Example != nil:
		ex = mt.Example
	default:
		ex = firstExample(mt.Examples)
	}
	if ex == nil {
		ex = generate(schemaOf(mt), 0)
	}
	b, err := json.Marshal(ex)
	if err != nil {
		return 0, nil, "Prefer: the example does not encode: " + err.Error(), true
	}
	return status, b, "", true
}

// exampleRequestID is the request_id of a documented error example, which
// the answer's X-Request-Id then matches.
func exampleRequestID(body []byte) string {
	var env struct {
		RequestID string `json:"request_id"`
	}
	if json.Unmarshal(body, &env) != nil {
		return ""
	}
	return env.RequestID
}

// serveControl serves the /_solidtest/ API of WithControl.
func (h *Handler) serveControl(w http.ResponseWriter, r *http.Request) {
	fail := func(msg string) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintln(w, msg)
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	switch r.URL.Path {
	case "/_solidtest/faults":
		var f struct {
			Status     int    `json:"status"`
			RetryAfter string `json:"retry_after"`
			Count      int    `json:"count"`
			Drop       bool   `json:"drop"`
			Operation  string `json:"operation"`
		}
		if err := dec.Decode(&f); err != nil {
			fail("faults: " + err.Error())
			return
		}
		if !f.Drop && (f.Status < 400 || f.Status > 599) {
			fail(fmt.Sprintf("faults: status %d, want 400-599, or drop", f.Status))
			return
		}
		if f.Count < 0 {
			fail("faults: negative count")
			return
		}
		if f.Operation != "" && h.plans[f.Operation] == nil {
			fail("faults: no operation " + f.Operation + " in openapi.yaml")
			return
		}
		h.QueueFault(Fault{Status: f.Status, RetryAfter: f.RetryAfter, Count: f.Count, Drop: f.Drop, Operation: f.Operation})
	case "/_solidtest/latency":
		var l struct {
			Latency string `json:"latency"`
		}
		if err := dec.Decode(&l); err != nil {
			fail("latency: " + err.Error())
			return
		}
		d, err := time.ParseDuration(l.Latency)
		if err != nil || d < 0 {
			fail(fmt.Sprintf("latency: %q is not a duration like 250ms", l.Latency))
			return
		}
		h.SetLatency(d)
	case "/_solidtest/reset":
		h.Reset()
	default:
		w.WriteHeader(http.StatusNotFound)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
