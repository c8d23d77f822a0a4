package solid

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/solidsdk/solid-go/gen"
	"github.com/solidsdk/solid-go/internal/redact"
)

// This file is the one request path every call takes, generated operations
// included: auth, retries, timeout, body cap, logging and error decoding.

// route is an operation from gen.Operations with its template split into
// segments; "" marks a path parameter.
type route struct {
	op     *gen.Operation
	segs   []string
	params []string // parameter names, in path order
}

var routes = func() []route {
	rs := make([]route, len(gen.Operations))
	for i := range gen.Operations {
		op := &gen.Operations[i]
		r := route{op: op}
		for _, s := range strings.Split(strings.TrimPrefix(op.Path, "/"), "/") {
			if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
				r.params = append(r.params, s[1:len(s)-1])
				s = ""
			}
			r.segs = append(r.segs, s)
		}
		rs[i] = r
	}
	return rs
}()

func routeFor(id string) *route {
	for i := range routes {
		if routes[i].op.ID == id {
			return &routes[i]
		}
	}
	panic("solid: operation " + id + " missing from gen.Operations; run go generate")
}

// match finds the route for a request path relative to the base path. A
// path parameter that is empty, a dot segment or has control characters
// matches nothing, so no argument can move a request to another path.
func (c *Client) match(method string, u *url.URL) *route {
	segs, ok := c.segments(u)
	if !ok {
		return nil
	}
	for i := range routes {
		r := &routes[i]
		if r.op.Method != method || len(r.segs) != len(segs) {
			continue
		}
		if r.matches(segs) {
			return r
		}
	}
	return nil
}

func (r *route) matches(segs []string) bool {
	for j, s := range r.segs {
		if s != "" {
			if segs[j] != s {
				return false
			}
			continue
		}
		v, err := url.PathUnescape(segs[j])
		if err != nil || checkPathParam("", v) != nil {
			return false
		}
	}
	return true
}

// segments splits u's escaped path below the client's base path.
func (c *Client) segments(u *url.URL) ([]string, bool) {
	p, ok := strings.CutPrefix(u.EscapedPath(), c.basePath+"/")
	if !ok {
		return nil, false
	}
	return strings.Split(p, "/"), true
}

// pathParams returns the unescaped path parameters of u as log attributes.
func (c *Client) pathParams(r *route, u *url.URL) []any {
	segs, _ := c.segments(u)
	var attrs []any
	k := 0
	for j, s := range r.segs {
		if s == "" && j < len(segs) && k < len(r.params) {
			v, _ := url.PathUnescape(segs[j])
			attrs = append(attrs, slog.String(r.params[k], v))
			k++
		}
	}
	return attrs
}

// doer is the HttpRequestDoer the generated client sends through.
type doer Client

func (d *doer) Do(req *http.Request) (*http.Response, error) {
	c := (*Client)(d)
	r := c.match(req.Method, req.URL)
	if r == nil {
		return nil, fmt.Errorf("solid: %w: %s %s matches no operation in openapi.yaml", ErrInvalidInput, req.Method, req.URL.EscapedPath())
	}
	ctx, cancel := c.withTimeout(req.Context())
	return c.send(req.WithContext(ctx), r, cancel)
}

func noop() {}

// withTimeout applies the client's overall timeout to ctx, unless ctx
// already ends sooner.
func (c *Client) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if c.timeout <= 0 {
		return ctx, noop
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) <= c.timeout {
		return ctx, noop
	}
	return context.WithTimeout(ctx, c.timeout)
}

// newRequest builds a request for route r from its template, escaping each
// path parameter into one segment. Nothing is parsed: the URL is assembled
// from the base URL parsed once in NewClient, in one allocation when no
// parameter needs escaping.
func (c *Client) newRequest(ctx context.Context, r *route, params ...string) (*http.Request, error) {
	if len(params) != len(r.params) {
		return nil, fmt.Errorf("%s takes %d path parameters, got %d", r.op.ID, len(r.params), len(params))
	}
	escaped := make([]string, 0, 4)
	n, plain := len(c.basePath), c.base.RawPath == ""
	for _, p := range params {
		e := url.PathEscape(p)
		plain = plain && e == p
		escaped = append(escaped, e)
		n += len(e)
	}
	for _, s := range r.segs {
		n += 1 + len(s)
	}
	raw := r.join(c.basePath, escaped, n)
	path := raw
	if !plain {
		path = r.join(strings.TrimSuffix(c.base.Path, "/"), params, 0)
	} else {
		raw = "" // the default encoding of path is raw itself
	}
	// Built, not parsed: the fields http.NewRequestWithContext would set.
	req := &http.Request{
		Method:     r.op.Method,
		URL:        &url.URL{Scheme: c.base.Scheme, Host: c.base.Host, Path: path, RawPath: raw},
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     make(http.Header, 3),
		Host:       c.base.Host,
	}
	return req.WithContext(ctx), nil
}

// join fills r's template with params after prefix; n is a size hint.
func (r *route) join(prefix string, params []string, n int) string {
	var b strings.Builder
	b.Grow(n)
	b.WriteString(prefix)
	k := 0
	for _, s := range r.segs {
		b.WriteByte('/')
		if s == "" {
			s = params[k]
			k++
		}
		b.WriteString(s)
	}
	return b.String()
}

// send runs req with auth, retries and limits; req's context is the call's
// (timeout applied) and cancel ends it. It returns a 2xx response whose
// body has been read, through the size cap, into memory (close it to
// recycle the buffer), or an error: *APIError for a non-2xx status, or a
// transport error naming the operation.
func (c *Client) send(req *http.Request, r *route, cancel context.CancelFunc) (*http.Response, error) {
	ctx := req.Context()
	if req.Body != nil && req.GetBody == nil {
		// Make the body replayable for retries.
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			cancel()
			return nil, fmt.Errorf("solid: %s: reading request body: %w", r.op.ID, err)
		}
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
		req.Body, _ = req.GetBody()
	}
	// Canonical keys and shared, read-only values: no per-call allocation.
	req.Header["Api-Key"] = c.apiKey.header
	req.Header["User-Agent"] = c.uaHeader

	for attempt := 1; ; attempt++ {
		if attempt > 1 && req.GetBody != nil {
			// The previous response is closed, so req may be sent again.
			body, err := req.GetBody()
			if err != nil {
				cancel()
				return nil, fmt.Errorf("solid: %s: replaying request body: %w", r.op.ID, err)
			}
			req.Body = body
		}
		var start time.Time
		if c.logger != nil {
			start = time.Now()
		}
		resp, err := c.hc.Do(req)
		ok := false
		if err == nil && resp.StatusCode >= 200 && resp.StatusCode <= 299 {
			// Read the body within the attempt: a connection cut mid-body
			// is then a failed attempt, retried like any connection error.
			resp, err = c.hold(resp)
			ok = err == nil
		}
		if c.logger != nil {
			c.logAttempt(ctx, r, req, resp, err, attempt, time.Since(start))
		}
		if ok {
			cancel()
			return resp, nil
		}
		retry := attempt <= c.maxRetries && ctx.Err() == nil && retryable(r.op, resp, err)
		var failure error
		var wait time.Duration
		toldWhen := false // the server sent a valid Retry-After
		if err != nil {
			failure = attemptsError(r.op.ID, attempt, err)
		} else {
			// Reading the (bounded) body also lets the connection be reused.
			failure = c.apiError(r.op.ID, resp, attempt)
			resp.Body.Close()
			wait, toldWhen = retryAfter(resp.Header.Get("Retry-After"))
		}
		if !retry {
			cancel()
			return nil, failure
		}
		if !toldWhen {
			wait = c.backoffFor(attempt)
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			// The wait would outlast the deadline: fail now, not later.
			cancel()
			return nil, failure
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			cancel()
			return nil, fmt.Errorf("solid: %s: waiting to retry: %w; last attempt: %w", r.op.ID, ctx.Err(), failure)
		case <-t.C:
		}
	}
}

func attemptsError(op string, attempts int, err error) error {
	if attempts > 1 {
		return fmt.Errorf("solid: %s: after %d attempts: %w", op, attempts, err)
	}
	return fmt.Errorf("solid: %s: %w", op, err)
}

// retryable decides whether a failed attempt may be repeated. Operations
// that are safe to repeat retry on connection errors, 408, 429 and 5xx
// gateway/availability statuses; others only where the server provably did
// not process the request.
func retryable(op *gen.Operation, resp *http.Response, err error) bool {
	if err != nil {
		if errors.Is(err, ErrRedirectRefused) || errors.Is(err, ErrResponseTooLarge) ||
			errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return false
		}
		if op.Idempotent {
			return true
		}
		var opErr *net.OpError
		return errors.As(err, &opErr) && opErr.Op == "dial"
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		return true
	case http.StatusRequestTimeout, http.StatusInternalServerError, http.StatusBadGateway, http.StatusGatewayTimeout:
		return op.Idempotent
	}
	return false
}

// backoffFor returns the wait after attempt n: exponential with jitter in
// [75%, 100%] of the computed value.
func (c *Client) backoffFor(n int) time.Duration {
	d := c.backoff << (n - 1)
	if d > c.maxBackoff || d <= 0 {
		d = c.maxBackoff
	}
	return d - time.Duration(rand.Int64N(int64(d)/4+1))
}

// retryAfter parses Retry-After as seconds or an HTTP date, capped at
// MaxRetryAfter.
func retryAfter(v string) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	var d time.Duration
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
		if s < 0 {
			return 0, false
		}
		d = time.Duration(s) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = max(time.Until(t), 0)
	} else {
		return 0, false
	}
	return min(d, MaxRetryAfter), true
}

// cappedReader fails with ErrResponseTooLarge past its limit.
type cappedReader struct {
	r    io.Reader
	left int64
}

func (b *cappedReader) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// Past the cap: any further byte means the body is too large.
		var one [1]byte
		if n, _ := b.r.Read(one[:]); n > 0 {
			return 0, ErrResponseTooLarge
		}
		return 0, io.EOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	return n, err
}

// bodyBufs recycles the buffers success bodies are read into.
var bodyBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func putBuf(b *bytes.Buffer) {
	if b.Cap() <= 64<<10 { // let rare big bodies go to the GC
		bodyBufs.Put(b)
	}
}

// heldBody is a success body already read, through the cap, into a pooled
// buffer; Close recycles the buffer.
type heldBody struct{ buf *bytes.Buffer }

func (b *heldBody) Read(p []byte) (int, error) {
	if b.buf == nil {
		return 0, io.EOF
	}
	return b.buf.Read(p)
}

func (b *heldBody) Close() error {
	if b.buf != nil {
		putBuf(b.buf)
		b.buf = nil
	}
	return nil
}

// hold reads resp's body through the size cap and replaces it with the
// bytes read. The connection goes back to the pool at once.
func (c *Client) hold(resp *http.Response) (*http.Response, error) {
	buf := bodyBufs.Get().(*bytes.Buffer)
	buf.Reset()
	_, err := buf.ReadFrom(&cappedReader{r: resp.Body, left: c.maxBody})
	resp.Body.Close()
	if err != nil {
		putBuf(buf)
		return nil, err
	}
	resp.Body = &heldBody{buf: buf}
	return resp, nil
}

// decodeJSON decodes the body of a response that send returned (always
// held in memory) into v, without copying it again.
func decodeJSON(resp *http.Response, v any) error {
	h, ok := resp.Body.(*heldBody)
	if !ok || h.buf == nil {
		return errors.New("response body not held") // send always holds 2xx bodies
	}
	return json.Unmarshal(h.buf.Bytes(), v)
}

// envelope is Solid's error body.
type envelope struct {
	RequestID string `json:"request_id"`
	Error     *struct {
		Code      string `json:"code"`
		Message   string `json:"message"`
		FieldName string `json:"field_name"`
	} `json:"error"`
}

// maxErrorBody bounds how much of an error body is read.
const maxErrorBody = 64 << 10

// apiError reads a non-2xx response into an *APIError. It does not close
// the body.
func (c *Client) apiError(op string, resp *http.Response, attempts int) *APIError {
	e := &APIError{Operation: op, StatusCode: resp.StatusCode, Attempts: attempts}
	buf := bodyBufs.Get().(*bytes.Buffer)
	buf.Reset()
	defer bodyBufs.Put(buf)
	buf.ReadFrom(io.LimitReader(resp.Body, min(c.maxBody, maxErrorBody)))
	var env envelope
	if json.Unmarshal(buf.Bytes(), &env) == nil && env.Error != nil && env.Error.Code != "" {
		e.Code = c.scrub(env.Error.Code)
		e.Message = c.scrub(env.Error.Message)
		e.FieldName = c.scrub(env.Error.FieldName)
		e.RequestID = c.scrub(env.RequestID)
	} else {
		e.Body = c.scrub(excerpt(buf.Bytes()))
	}
	if e.RequestID == "" {
		e.RequestID = requestID(resp.Header)
	}
	return e
}

func requestID(h http.Header) string {
	if v := h.Get("X-Request-Id"); v != "" {
		return truncate(v)
	}
	return truncate(h.Get("Request-Id"))
}

// scrub removes the API key and PIN tokens from text a server sent, since
// errors get logged.
func (c *Client) scrub(s string) string { return redact.Secrets(s, c.apiKey.v) }

// excerpt returns the start of a body as printable text.
func excerpt(b []byte) string {
	const n = 200
	cut := len(b) > n
	if cut {
		b = b[:n]
	}
	s := strings.ToValidUTF8(string(b), "")
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if cut {
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		s += "..."
	}
	return strings.TrimSpace(s)
}

func (c *Client) logAttempt(ctx context.Context, r *route, req *http.Request, resp *http.Response, err error, attempt int, d time.Duration) {
	attrs := []slog.Attr{
		slog.String("operation", r.op.ID),
		slog.String("method", req.Method),
		slog.String("path", r.op.Path),
		slog.Group("params", c.pathParams(r, req.URL)...),
		slog.Int("attempt", attempt),
		slog.Duration("duration", d),
	}
	level := slog.LevelInfo
	if err != nil {
		level = slog.LevelWarn
		attrs = append(attrs, slog.String("error", c.scrub(err.Error())))
	} else {
		attrs = append(attrs, slog.Int("status", resp.StatusCode))
		if id := requestID(resp.Header); id != "" {
			attrs = append(attrs, slog.String("request_id", id))
		}
		if resp.StatusCode >= 400 {
			level = slog.LevelWarn
		}
	}
	c.logger.LogAttrs(ctx, level, "solid request", attrs...)
}

// defaultTransport is shared by clients without their own transport, so
// connections are pooled across clients. It keeps up to maxConnsPerHost
// connections per host, all of which may stay idle (Go's default keeps 2,
// so under concurrency most calls would pay a new handshake); callers
// beyond that wait for a free connection, bounded by their context, rather
// than open more.
var defaultTransport = sync.OnceValue(func() http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 4 * maxConnsPerHost
	t.MaxIdleConnsPerHost = maxConnsPerHost
	t.MaxConnsPerHost = maxConnsPerHost
	return t
})

// maxConnsPerHost bounds the shared pool per host.
const maxConnsPerHost = 128

// httpClient returns a copy of hc (or a new client) that refuses redirects
// to another host or scheme before running hc's own redirect policy.
func httpClient(hc *http.Client) *http.Client {
	var cp http.Client
	if hc != nil {
		cp = *hc
	}
	if cp.Transport == nil {
		cp.Transport = defaultTransport()
	}
	next := cp.CheckRedirect
	cp.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		from := via[0].URL
		if !strings.EqualFold(req.URL.Host, from.Host) || req.URL.Scheme != from.Scheme {
			return fmt.Errorf("%w: %s://%s to %s://%s", ErrRedirectRefused, from.Scheme, from.Host, req.URL.Scheme, req.URL.Host)
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	return &cp
}
