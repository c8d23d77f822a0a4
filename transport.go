package solid

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
)

// transport is the one request path: the generated client sends every
// operation through its Do, which adds auth, the timeout, retries, the
// body cap and logging. It reads the operation from the generated table
// (internal/ops), so nothing here is written per operation. It knows
// nothing of Client; NewClient builds it from the options.
type transport struct {
	key        *apiKey
	basePath   string // the base URL's escaped path without its trailing "/"
	hc         *http.Client
	maxRetries int
	timeout    time.Duration
	maxBody    int64
	backoff    time.Duration
	maxBackoff time.Duration
	logger     *slog.Logger
	ua         []string
}

// apiKey holds the API key, and the header value made from it once.
type apiKey struct {
	v      string
	header []string
}

// Do sends req, built by the generated client, for the operation its
// method and path match. It returns a 2xx response whose body has been
// read through the size cap into memory, or an error: *APIError for a
// non-2xx status, *callError otherwise.
func (t *transport) Do(req *http.Request) (*http.Response, error) {
	r, err := match(t.basePath, req.Method, req.URL)
	if err != nil {
		return nil, &callError{err: err}
	}
	ctx, cancel := t.timeoutFor(req.Context(), callSettingsFrom(req.Context()))
	if ctx != req.Context() {
		req = req.WithContext(ctx)
	}
	return t.send(req, r, cancel)
}

func noop() {}

// timeoutFor applies the call's timeout to ctx: the per-call one from
// WithCallTimeout when s has it (0: none), else the client's.
func (t *transport) timeoutFor(ctx context.Context, s *callSettings) (context.Context, context.CancelFunc) {
	if s == nil || !s.hasTimeout {
		return t.withTimeout(ctx)
	}
	return timeoutWithin(ctx, s.timeout)
}

// withTimeout applies the overall timeout to ctx, unless ctx already ends
// sooner.
func (t *transport) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	return timeoutWithin(ctx, t.timeout)
}

// timeoutWithin bounds ctx by d (0: no bound), unless it ends sooner.
func timeoutWithin(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d <= 0 {
		return ctx, noop
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) <= d {
		return ctx, noop
	}
	return context.WithTimeout(ctx, d)
}

// send runs req with auth, retries and limits; req's context is the call's
// (timeout applied) and cancel ends it. The per-call settings of a typed
// method's options, in the context, hold for every attempt.
func (t *transport) send(req *http.Request, r *route, cancel context.CancelFunc) (*http.Response, error) {
	ctx := req.Context()
	op := r.op.ID
	s := callSettingsFrom(ctx)
	maxRetries := t.maxRetries
	if s != nil {
		if s.hasRetries {
			maxRetries = s.retries
		}
		for k, vs := range s.header {
			req.Header[k] = vs
		}
	}
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		// Make the body replayable for retries.
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			cancel()
			return nil, &callError{op: op, err: fmt.Errorf("reading request body: %w", err)}
		}
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
		req.Body, _ = req.GetBody()
	}
	// Canonical keys and shared, read-only values: no per-call allocation.
	req.Header["Api-Key"] = t.key.header
	req.Header["User-Agent"] = t.ua
	ownKey := false
	if r.op.IdempotencyKey {
		key, own, err := idempotencyKey(op, req, s)
		if err != nil {
			cancel()
			return nil, &callError{op: op, err: err}
		}
		ownKey = own
		req.Header[idempotencyHeader] = []string{key}
	}

	for attempt := 1; ; attempt++ {
		if attempt > 1 && req.GetBody != nil {
			// The previous response is closed, so req may be sent again.
			body, err := req.GetBody()
			if err != nil {
				cancel()
				return nil, &callError{op: op, err: fmt.Errorf("replaying request body: %w", err)}
			}
			req.Body = body
		}
		var start time.Time
		if t.logger != nil {
			start = time.Now()
		}
		resp, err := t.hc.Do(req)
		ok := false
		if err == nil && resp.StatusCode >= 200 && resp.StatusCode <= 299 {
			// Read the body within the attempt: a connection cut mid-body
			// is then a failed attempt, retried like any connection error.
			resp, err = hold(resp, t.maxBody)
			ok = err == nil
		}
		if s != nil && s.into != nil {
			// The raw answer was asked for: this attempt's, or none.
			switch {
			case ok:
				s.record(resp, resp.Body.(*heldBody).buf.Bytes(), attempt, t.key.v)
			case err == nil:
				// An error answer: keep what newAPIError would read of it.
				b, _ := io.ReadAll(io.LimitReader(resp.Body, min(t.maxBody, maxErrorBody)))
				resp.Body.Close()
				resp.Body = io.NopCloser(bytes.NewReader(b))
				s.record(resp, b, attempt, t.key.v)
			default:
				s.record(nil, nil, attempt, t.key.v)
			}
		}
		if t.logger != nil {
			t.logAttempt(ctx, r, req, resp, err, attempt, time.Since(start))
		}
		if ok {
			cancel()
			return resp, nil
		}
		retry := attempt <= maxRetries && retryable(r.op, resp, err)
		var failure error
		var wait time.Duration
		toldWhen := false // the server sent a valid Retry-After
		if err != nil {
			failure = &callError{op: op, attempts: attempt, err: err}
		} else {
			// Reading the (bounded) body also lets the connection be reused.
			apiErr := newAPIError(op, resp, attempt, t.maxBody, t.key.v)
			resp.Body.Close()
			if s != nil {
				s.scrubError(apiErr)
			}
			failure = apiErr
			wait, toldWhen = retryAfter(resp.Header.Get("Retry-After"))
			if apiErr.StatusCode == http.StatusConflict && apiErr.Code == CodeOCCRetry && r.op.IdempotencyKey && !ownKey {
				// Solid's documented answer to a write that lost a race
				// inside its ledger: retry with a new key, since the old
				// one now holds this 409.
				retry = attempt <= maxRetries
				req.Header[idempotencyHeader] = []string{newIdempotencyKey()}
			}
		}
		if !retry {
			cancel()
			return nil, failure
		}
		if ctx.Err() != nil {
			// The call ended (canceled, or out of time) while a retry was
			// due; an attempt that failed because of it says so itself.
			cancel()
			if err != nil {
				return nil, failure
			}
			return nil, &callError{op: op, err: &stopped{when: "before retrying", cause: ctx.Err(), last: failure}}
		}
		if !toldWhen {
			wait = backoffFor(t.backoff, t.maxBackoff, attempt)
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			// The wait would outlast the deadline: fail now, not later.
			cancel()
			return nil, failure
		}
		if wait > 0 {
			tm := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				tm.Stop()
				cancel()
				return nil, &callError{op: op, err: &stopped{when: "waiting to retry", cause: ctx.Err(), last: failure}}
			case <-tm.C:
			}
		}
	}
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
