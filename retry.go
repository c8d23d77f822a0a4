package solid

import (
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/solidsdk/solid-go/internal/ops"
)

// retryable decides whether a failed attempt may be repeated. Statuses:
// 429 and 503 always (the server says it did not do the work), and 408,
// 500, 502, 504 for operations safe to repeat. Transport failures: only
// those on an allowlist of failures that can go away (see transient); a
// deterministic one (a redirect loop, a TLS handshake with a plain-http
// server, a body over the cap) fails the same way every time.
func retryable(op *ops.Operation, resp *http.Response, err error) bool {
	if err != nil {
		unsent, ok := transient(err)
		return ok && (unsent || op.Idempotent)
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		return true
	case http.StatusRequestTimeout, http.StatusInternalServerError, http.StatusBadGateway, http.StatusGatewayTimeout:
		return op.Idempotent
	}
	return false
}

// transient reports whether a transport error is one that a new attempt
// may not meet (ok), and whether the request provably never reached the
// server (unsent: the connection was refused or could not be opened in
// time), so even an operation that is not safe to repeat may be retried.
// The caller checks its context first: a call that ran out of time or was
// canceled is never retried.
func transient(err error) (unsent, ok bool) {
	var opErr *net.OpError
	isDial := errors.As(err, &opErr) && opErr.Op == "dial"
	var netErr net.Error
	timeout := errors.As(err, &netErr) && netErr.Timeout()
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return true, true
	case isDial && timeout:
		return true, true
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNABORTED), errors.Is(err, syscall.EPIPE),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		// The connection broke: the server may or may not have acted.
		return false, true
	case timeout:
		// The attempt's own timeout (http.Client.Timeout, a transport's
		// response header timeout), not the call's.
		return false, true
	}
	return false, false
}

// backoffFor returns the wait after attempt n: initial doubled n-1 times,
// capped at max, minus up to 25% jitter. An initial of 0 means no wait.
func backoffFor(initial, max time.Duration, n int) time.Duration {
	if initial <= 0 {
		return 0
	}
	d := max
	if n-1 < 62 {
		if s := initial << (n - 1); s > 0 && s>>(n-1) == initial {
			d = min(s, max)
		}
	}
	return d - time.Duration(rand.Int64N(int64(d)/4+1))
}

// retryAfter parses Retry-After as seconds or an HTTP date, capped at
// MaxRetryAfter. Seconds are compared with the cap before they become a
// Duration, so no value overflows into a short or negative wait.
func retryAfter(v string) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64); err == nil {
		if s >= uint64(MaxRetryAfter/time.Second) {
			return MaxRetryAfter, true
		}
		return time.Duration(s) * time.Second, true
	} else if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
		return MaxRetryAfter, true // all digits, too many of them
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return min(max(time.Until(t), 0), MaxRetryAfter), true
}
