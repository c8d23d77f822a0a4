package solid

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/textproto"
	"strings"
	"time"

	"github.com/solidsdk/solid-go/internal/redact"
)

// RequestOption changes one call of a typed method (c.GetCard,
// c.CreateCard, ...), as lithic-go's option.RequestOption does: pass any
// number of them last. They hold for that call only, on every retry of it,
// and never outlive it. An option given a value the SDK cannot use (an
// empty idempotency key, a header the SDK sets itself) fails the call with
// ErrInvalidInput before any request is sent.
//
// Options are values: build one once and pass it to many calls if you
// like, except WithResponseInto, whose *Response each call overwrites.
type RequestOption func(*callSettings)

// Response is the raw answer to a call, written by WithResponseInto: what
// a typed method's decoded result leaves out, such as a field openapi.yaml
// does not declare yet, or a header.
type Response struct {
	// StatusCode is the answer's HTTP status.
	StatusCode int
	// Header is the answer's headers.
	Header http.Header
	// Body is the answer's body, as sent (up to the client's body cap).
	Body []byte
	// RequestID is the answer's request id header (X-Request-Id), what
	// Solid support asks for; "" when the server sent none.
	RequestID string
	// Attempts is how many requests the call sent, retries included.
	Attempts int
}

// callSettings are the per-call settings the options build. The typed
// method puts them in the request's context under an unexported key, so
// only the SDK's transport can read them; it reads them once per call,
// and applies them to every attempt.
type callSettings struct {
	err error // the first option that refused its value

	key    string // idempotency key, when hasKey
	hasKey bool

	timeout    time.Duration
	hasTimeout bool

	retries    int
	hasRetries bool

	header http.Header // extra headers, canonical keys
	into   *Response
}

// refuse records the first refusal.
func (s *callSettings) refuse(err error) {
	if s.err == nil {
		s.err = fmt.Errorf("%w: %w", ErrInvalidInput, err)
	}
}

type callSettingsKey struct{}

// callSettingsFrom returns the per-call settings in ctx, or nil.
func callSettingsFrom(ctx context.Context) *callSettings {
	s, _ := ctx.Value(callSettingsKey{}).(*callSettings)
	return s
}

// WithCallIdempotencyKey sends key as the idempotency-key header of this
// call, on every retry of it, instead of a key the SDK makes. Use your own
// key, kept with the operation in your database, when a write must be
// done once across restarts of your service: sending the same key again
// returns Solid's first answer. With your key the SDK never replaces it:
// after a 409 EC_QLDB_OCC_ERROR_RETRY the error comes back to you, and the
// retry with a new key is yours to make. A key that is empty, longer than
// 255 bytes or has control characters fails the call with
// ErrInvalidInput; the error never quotes it. An operation that declares
// no idempotency-key header (a GET, a DELETE) sends none.
//
// It replaces the context-wide WithIdempotencyKey: the key belongs to the
// call it is passed to, so it cannot reach another write by accident.
func WithCallIdempotencyKey(key string) RequestOption {
	return func(s *callSettings) {
		if err := checkIdempotencyKey(key); err != nil {
			s.err = err // already wraps ErrInvalidInput, without the key
			return
		}
		s.key, s.hasKey = key, true
	}
}

// WithResponseInto writes the raw answer of this call into *dst: status,
// headers, body and request id, as Stainless's WithResponseInto does. It
// is written for a success and for an *APIError alike (the last attempt's
// answer), and left zero when no answer came (a dropped connection, a
// timeout). Use it to read a field or header the typed result lacks.
// Copying the body costs an allocation of its size, only for the calls
// that ask.
func WithResponseInto(dst *Response) RequestOption {
	return func(s *callSettings) {
		if dst == nil {
			s.refuse(fmt.Errorf("WithResponseInto(nil)"))
			return
		}
		s.into = dst
	}
}

// WithCallTimeout bounds this call as a whole, retries and waits included,
// instead of the client's WithTimeout; 0 means no SDK timeout for this
// call (a deadline on the context always applies). When it ends the call
// the error matches context.DeadlineExceeded.
func WithCallTimeout(d time.Duration) RequestOption {
	return func(s *callSettings) {
		if d < 0 {
			s.refuse(fmt.Errorf("WithCallTimeout(%v): negative", d))
			return
		}
		s.timeout, s.hasTimeout = d, true
	}
}

// WithCallRetries sets how many times this call is retried, instead of
// the client's WithMaxRetries: 0 to 10. Which failures are retried does
// not change.
func WithCallRetries(n int) RequestOption {
	return func(s *callSettings) {
		if n < 0 || n > 10 {
			s.refuse(fmt.Errorf("WithCallRetries(%d): want 0 to 10", n))
			return
		}
		s.retries, s.hasRetries = n, true
	}
}

// WithHeader adds the header name: value to every attempt of this call
// (a second WithHeader with the same name adds a second value). It
// refuses, with ErrInvalidInput, the headers the SDK sets itself: api-key
// (the client's key), idempotency-key (use WithCallIdempotencyKey), Host,
// User-Agent (use the client's WithUserAgent) and the body's framing
// (Content-Type, Content-Length, Transfer-Encoding); and a name or value
// HTTP does not allow. The value never appears in a log or an error, so a
// secret such as a proxy's token may go here.
func WithHeader(name, value string) RequestOption {
	return func(s *callSettings) {
		if !validHeaderName(name) {
			s.refuse(fmt.Errorf("WithHeader: %q is not a valid header name", truncate(printable(name))))
			return
		}
		ck := textproto.CanonicalMIMEHeaderKey(name)
		switch ck {
		case "Api-Key", idempotencyHeader, "Host", "User-Agent", "Content-Type", "Content-Length", "Transfer-Encoding":
			s.refuse(fmt.Errorf("WithHeader: the SDK sets %s itself", ck))
			return
		}
		if !validHeaderValue(value) {
			s.refuse(fmt.Errorf("WithHeader: the value of %s has characters HTTP does not allow", ck))
			return
		}
		if s.header == nil {
			s.header = http.Header{}
		}
		s.header[ck] = append(s.header[ck], value)
	}
}

// secrets lists the values the options hold that must never reach a log
// or an error: the idempotency key and the extra headers' values.
func (s *callSettings) secrets() []string {
	var out []string
	if s.hasKey {
		out = append(out, s.key)
	}
	for _, vs := range s.header {
		out = append(out, vs...)
	}
	return out
}

// scrub removes the option values from text the server wrote, which may
// echo a request's headers back.
func (s *callSettings) scrub(text string) string {
	for _, v := range s.secrets() {
		if len(v) >= 4 && strings.Contains(text, v) {
			text = strings.ReplaceAll(text, v, "[REDACTED]")
		}
	}
	return text
}

// scrubError removes the option values from an *APIError's fields.
func (s *callSettings) scrubError(e *APIError) {
	e.Code, e.Message, e.FieldName = s.scrub(e.Code), s.scrub(e.Message), s.scrub(e.FieldName)
	e.RequestID, e.Body = s.scrub(e.RequestID), s.scrub(e.Body)
}

// record writes the answer of one attempt into s.into, when it asked:
// body is the answer's bytes (copied), attempts the count so far. A nil
// resp (no answer) leaves it zero.
func (s *callSettings) record(resp *http.Response, body []byte, attempts int, key string) {
	if s == nil || s.into == nil {
		return
	}
	if resp == nil {
		*s.into = Response{Attempts: attempts}
		return
	}
	*s.into = Response{
		StatusCode: resp.StatusCode,
		Header:     resp.Header.Clone(),
		Body:       bytes.Clone(body),
		RequestID:  requestID(resp.Header, key),
		Attempts:   attempts,
	}
}

// begin prepares the context of one typed call: it applies opts (failing
// on the first refused value) and the call's timeout, the per-call one or
// the client's. Without options it adds nothing to ctx but the timeout.
// The caller must call cancel.
func (c *Client) begin(ctx context.Context, op string, opts []RequestOption) (context.Context, context.CancelFunc, error) {
	if len(opts) == 0 {
		ctx, cancel := c.tr.withTimeout(ctx)
		return ctx, cancel, nil
	}
	s := new(callSettings)
	for _, o := range opts {
		if o != nil {
			o(s)
		}
	}
	if s.err != nil {
		return nil, nil, &callError{op: op, err: s.err}
	}
	ctx = context.WithValue(ctx, callSettingsKey{}, s)
	ctx, cancel := c.tr.timeoutFor(ctx, s)
	return ctx, cancel, nil
}

// validHeaderName reports whether name is an HTTP token (RFC 9110 5.1).
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// validHeaderValue reports whether v may be sent as a header value: no
// control characters but tab (RFC 9110 5.5), so no CR or LF to split it.
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < 0x20 && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// unexpected reports a 2xx answer a typed method cannot use: not the
// declared success status, or not JSON. The content type is the
// server's text: scrubbed, then shortened.
func (c *Client) unexpected(op string, resp *http.Response, want string) error {
	status, ct := 0, ""
	if resp != nil {
		status, ct = resp.StatusCode, resp.Header.Get("Content-Type")
	}
	return malformed(op, "status %d with content type %q, want %s", status, truncate(redact.Secrets(ct, c.tr.key.v)), want)
}
