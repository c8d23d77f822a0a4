package solidtest

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/solidsdk/solid-go/internal/redact"
)

// WithLogger makes the mock log one record per answered request: method,
// path, query, operation, status, for a refused or failed request the
// reason (for a 401, in auth, whether the key was missing or not
// accepted), replayed=true for a stored answer, the request id and the
// duration; a reused idempotency key logs at Warn. Control API calls
// (WithControl) are logged too. `solid mock` logs this way unless
// --quiet. Records never hold an API key, and token-shaped values in
// paths and queries are scrubbed.
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
// (paths no Solid operation uses), so faults and latency can be set, and
// what the mock received read, from outside the process, by a test in
// any language:
//
//	POST /_solidtest/faults   {"status":503,"retry_after":"1","count":2,"operation":"getCard"} or {"drop":true}
//	POST /_solidtest/latency  {"latency":"250ms"}
//	POST /_solidtest/reset    {} or no body: Reset
//	GET  /_solidtest/requests the request record (Requests) as a JSON array
//	GET  /_solidtest/faults   the queued faults (Faults) as a JSON array
//	GET  /_solidtest/deliveries       the webhook deliveries (Deliveries) as a JSON array,
//	                                  with DroppedEvents in the header Solidtest-Dropped-Events
//	POST /_solidtest/deliveries/fail  {"count":2}: FailNextDeliveries
//
// A POST answers 204, or 400 with a message. It must say Content-Type:
// application/json (else 415): a web page can send the other types
// (text/plain, forms) to a local port without asking, and so drive the
// mock from any site the user visits; application/json needs a CORS
// preflight, which the control API never grants. Only loopback clients
// that name the mock by a loopback name or an IP address (not a DNS name
// a page could rebind to 127.0.0.1) may use it (else 403), unless
// WithControlFrom lets others in. What it
// reads out holds no API key and no token. Each control call is logged
// (WithLogger). `solid mock` turns it on.
func WithControl() Option {
	return func(c *config) { c.control = true }
}

// WithControlFrom lets clients in these networks use the control API of
// WithControl, besides loopback clients, which always may: say a CI
// network, or netip.MustParsePrefix("0.0.0.0/0") and "::/0" for anyone
// (`solid mock --control-open`). Anyone who reaches the control API can
// reset the mock's state and make it fail.
func WithControlFrom(prefixes ...netip.Prefix) Option {
	return func(c *config) { c.ctlFrom = append(c.ctlFrom, prefixes...) }
}

// WithStrictIdempotency makes a reused idempotency-key with a different
// request body on the same method and path get the 409 envelope
// (ERROR_CODE_IDEMPOTENCY_KEY_REUSED), as Stripe answers, instead of the
// stored answer. Solid documents only that a reused key gets the cached
// answer, which the mock does by default (logging a warning); turn this
// on for tests that should catch any reuse of a key.
// `solid mock --strict-idempotency` turns it on.
func WithStrictIdempotency() Option {
	return func(c *config) { c.strict = true }
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

// answered records the status of a request and logs it: one line with
// its request id and duration, at Warn for a reused idempotency key.
// Paths, queries and reasons are scrubbed of the API key and of
// token-shaped values (internal/redact), as the proxy's are.
func (h *Handler) answered(c *exchange, r *http.Request, op string, status int, reason string) {
	h.finish(c.ticket, status, c.replayed)
	if h.logger == nil {
		return
	}
	level := slog.LevelInfo
	if c.warn {
		level = slog.LevelWarn
	}
	attrs := make([]slog.Attr, 0, 10)
	attrs = append(attrs,
		slog.String("method", r.Method),
		slog.String("path", truncate(redact.Secrets(r.URL.EscapedPath(), c.key))),
	)
	if q := c.query; q != "" {
		attrs = append(attrs, slog.String("query", truncate(redact.Secrets(q, c.key))))
	}
	attrs = append(attrs, slog.String("operation", op), slog.Int("status", status))
	if reason == "" {
		reason = c.note
	}
	if reason != "" {
		attrs = append(attrs, slog.String("reason", redact.Secrets(reason, c.key)))
	}
	if c.auth != "" {
		attrs = append(attrs, slog.String("auth", c.auth))
	}
	if c.replayed {
		attrs = append(attrs, slog.Bool("replayed", true))
	}
	attrs = append(attrs, slog.String("request_id", c.id), slog.Duration("duration", time.Since(c.start)))
	h.logger.LogAttrs(r.Context(), level, "solidtest", attrs...)
}

// preferred answers a request that asks for a documented answer with
// Prism's Prefer header ("code=404", "example=card_example", or both):
// ok is false when the request does not ask, or asks for an answer the
// operation does not declare. That preference is ignored, as RFC 7240
// has a server do with one it cannot honour (answering it would leave
// the spec), and ignored says why, for the log. An error answer declared
// without a body (429) gets the error envelope, as rate limits do.
func (h *Handler) preferred(r *http.Request, op, id string) (status int, body []byte, ignored string, ok bool) {
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
	p := h.plan(op)
	if p == nil {
		return 0, nil, "", false
	}
	so := p.so
	if code == "" {
		code = strconv.Itoa(p.status)
	}
	n, err := strconv.Atoi(code)
	resp := so.Responses.Value(code)
	if err != nil || resp == nil || resp.Value == nil {
		return 0, nil, fmt.Sprintf("Prefer ignored: code=%s is not a documented answer of %s", clip(code), op), false
	}
	status = n
	mt := resp.Value.Content.Get("application/json")
	if mt == nil {
		if name != "" {
			return 0, nil, fmt.Sprintf("Prefer ignored: example=%s: the %s answer of %s has no body", clip(name), code, op), false
		}
		if status >= 400 {
			return status, appendEnvelope(nil, r.Method, id, status, faultCode(status), http.StatusText(status), ""), "", true
		}
		return status, nil, "", true
	}
	var ex any
	switch {
	case name != "":
		e := mt.Examples[name]
		if e == nil || e.Value == nil {
			return 0, nil, fmt.Sprintf("Prefer ignored: example=%s is not an example of the %s answer of %s", clip(name), code, op), false
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
		return 0, nil, "Prefer ignored: the example does not encode: " + err.Error(), false
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
