package solid

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/solidsdk/solid-go/gen"
	"github.com/solidsdk/solid-go/internal/redact"
)

// Sentinel errors. Match them with [errors.Is]. Their text carries no
// "solid:" prefix: the errors that wrap them start with "solid: OPERATION:".
var (
	// ErrUnauthorized matches any *APIError with status 401: the API key is
	// missing, wrong or revoked.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrNotFound matches any *APIError with status 404.
	ErrNotFound = errors.New("not found")
	// ErrInvalidInput is wrapped by errors for arguments refused before any
	// request is sent, such as a card ID that could change the request path.
	ErrInvalidInput = errors.New("invalid input")
	// ErrResponseTooLarge is wrapped when a response body exceeds the
	// client's size cap.
	ErrResponseTooLarge = errors.New("response body too large")
	// ErrMalformedResponse is wrapped when a successful response cannot be
	// decoded or lacks a required field.
	ErrMalformedResponse = errors.New("malformed response")
	// ErrRedirectRefused is wrapped when the server redirects to another
	// host or scheme; following it would send the API key there.
	ErrRedirectRefused = errors.New("redirect to another host refused")
)

// Error codes Solid documents. Compare them with APIError.Code.
const (
	// CodeUnauthorized: the API key is missing, wrong or revoked (401).
	CodeUnauthorized = "ERROR_CODE_UNAUTHORIZED"
	// CodeResourceNotFound: no such card, card holder or other resource (404).
	CodeResourceNotFound = "ERROR_CODE_RESOURCE_NOT_FOUND"
	// CodeInvalidField: a request field is invalid; FieldName names it (400).
	CodeInvalidField = "ERROR_CODE_INVALID_FIELD"
	// CodeInvalidPhone: a phone number is not E.164 (400, field "phone").
	CodeInvalidPhone = "ERROR_CODE_INVALID_PHONE"
	// CodeOCCRetry: a write lost a race inside Solid's ledger (409); retry
	// it with a new idempotency key. The SDK does so itself for the keys
	// it makes.
	CodeOCCRetry = "EC_QLDB_OCC_ERROR_RETRY"
)

// APIError is a non-2xx response from Solid. When the body is Solid's error
// envelope its fields are decoded; otherwise Body holds a short excerpt.
// Every text field has the API key and tokens removed.
type APIError struct {
	// Operation is the operationId of the call, e.g. "createSetPinToken".
	Operation string
	// StatusCode is the HTTP status, e.g. 401 or 404.
	StatusCode int
	// Code is Solid's machine-readable code, e.g. "ERROR_CODE_RESOURCE_NOT_FOUND".
	Code string
	// Message is Solid's human-readable explanation.
	Message string
	// FieldName names the request field the error is about, if any.
	FieldName string
	// RequestID identifies the request; Solid support asks for it.
	RequestID string
	// Body is a short excerpt of a body that was not the error envelope,
	// with anything that looks like a secret removed.
	Body string
	// Attempts is how many requests were sent, retries included.
	Attempts int
	// RetryAfter is the wait the server asked for in its Retry-After
	// header, capped at MaxRetryAfter; 0 when it sent none (or "0").
	RetryAfter time.Duration
}

// Error reports the operation, status, code, message, the field the
// error is about and the request id.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "solid: %s: status %d", e.Operation, e.StatusCode)
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.FieldName != "" {
		b.WriteString(" (field " + e.FieldName + ")")
	}
	if e.Code == "" && e.Body != "" {
		fmt.Fprintf(&b, ": body %q", e.Body)
	}
	if e.RequestID != "" {
		b.WriteString(" (request id " + e.RequestID + ")")
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " after %d attempts", e.Attempts)
	}
	return b.String()
}

// Is makes errors.Is(err, ErrUnauthorized) and errors.Is(err, ErrNotFound)
// match by status code.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.StatusCode == 401
	case ErrNotFound:
		return e.StatusCode == 404
	}
	return false
}

// callError is any other error of a call: a refused argument, a transport
// failure, a body that does not decode. Its text has one "solid:" prefix
// and names the operation.
type callError struct {
	op       string
	attempts int
	err      error
}

func (e *callError) Error() string {
	var b strings.Builder
	b.WriteString("solid: ")
	if e.op != "" {
		b.WriteString(e.op + ": ")
	}
	if e.attempts > 1 {
		fmt.Fprintf(&b, "after %d attempts: ", e.attempts)
	}
	b.WriteString(e.err.Error())
	return b.String()
}

func (e *callError) Unwrap() error { return e.err }

// stopped is a call that its context ended between attempts: it wraps the
// context's error and the last attempt's, whose text loses its own
// "solid: OPERATION: " so the call's error has one prefix.
type stopped struct {
	when  string
	cause error
	last  error
}

func (e *stopped) Error() string {
	last := e.last.Error()
	if _, rest, ok := strings.Cut(last, ": "); ok && strings.HasPrefix(last, "solid: ") {
		if _, rest2, ok := strings.Cut(rest, ": "); ok {
			last = rest2
		}
	}
	return e.when + ": " + e.cause.Error() + "; last attempt: " + last
}

func (e *stopped) Unwrap() []error { return []error{e.cause, e.last} }

// opError wraps err, unless it already is an error of a call.
func opError(op string, err error) error {
	var ce *callError
	var ae *APIError
	if errors.As(err, &ce) || errors.As(err, &ae) {
		return err
	}
	return &callError{op: op, err: err}
}

// malformed reports a 2xx answer that the SDK cannot use.
func malformed(op, format string, args ...any) error {
	return &callError{op: op, err: fmt.Errorf("%w: "+format, append([]any{ErrMalformedResponse}, args...)...)}
}

// maxErrorBody bounds how much of an error body is read.
const maxErrorBody = 64 << 10

// newAPIError reads a non-2xx response, at most limit bytes of it, into an
// *APIError, removing key and tokens from everything the server wrote. It
// does not close the body.
func newAPIError(op string, resp *http.Response, attempts int, limit int64, key string) *APIError {
	e := &APIError{Operation: op, StatusCode: resp.StatusCode, Attempts: attempts}
	e.RetryAfter, _ = retryAfter(resp.Header.Get("Retry-After"))
	buf := getBuf()
	defer putBuf(buf)
	capped := min(limit, maxErrorBody)
	buf.ReadFrom(io.LimitReader(resp.Body, capped))
	// A body that fills the cap may be cut inside a secret, whose start
	// would then match no scrubber.
	scrub := redact.Secrets
	if int64(buf.Len()) >= capped {
		scrub = redact.Cut
	}
	var env gen.ErrorEnvelope
	var flat gen.OccRetryError
	if decodeEnvelope(buf.Bytes(), &env) && env.Error.Code != "" {
		e.Code = redact.Secrets(env.Error.Code, key)
		e.Message = redact.Secrets(env.Error.Message, key)
		if env.Error.FieldName != nil {
			e.FieldName = redact.Secrets(*env.Error.FieldName, key)
		}
		e.RequestID = redact.Secrets(env.RequestId, key)
	} else if json.Unmarshal(buf.Bytes(), &flat) == nil && flat.Code != "" {
		// The idempotency guide shows the 409 flat: {code, sysMessage}.
		e.Code = redact.Secrets(flat.Code, key)
		if flat.SysMessage != nil {
			e.Message = redact.Secrets(*flat.SysMessage, key)
		}
	} else {
		// Make it printable, scrub it, then cut: cutting first could leave a
		// fragment of a secret that no longer matches, and dropping bytes
		// after scrubbing could join the halves of one ("sk_te\xb1st...").
		e.Body = excerpt(redact.Secrets(printable(scrub(buf.String(), key)), key))
	}
	if e.RequestID == "" {
		e.RequestID = requestID(resp.Header, key)
	}
	return e
}

// decodeEnvelope decodes body into env. The spec types created_at as a
// date-time, which the docs never do; an envelope whose created_at is
// empty or in another form is decoded without it rather than lost, so its
// code and message still reach the caller.
func decodeEnvelope(body []byte, env *gen.ErrorEnvelope) bool {
	if json.Unmarshal(body, env) == nil {
		return true
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) != nil {
		return false
	}
	if _, ok := fields["created_at"]; !ok {
		return false
	}
	delete(fields, "created_at")
	b, err := json.Marshal(fields)
	if err != nil {
		return false
	}
	*env = gen.ErrorEnvelope{}
	return json.Unmarshal(b, env) == nil
}

// requestID returns the response's request id header, scrubbed of key and
// tokens before it is shortened.
func requestID(h http.Header, key string) string {
	// Indexed by canonical key: no canonicalisation on every call.
	v := first(h["X-Request-Id"])
	if v == "" {
		v = first(h["Request-Id"])
	}
	if v == "" {
		return ""
	}
	return truncate(redact.Secrets(v, key))
}

func first(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}

// printable returns s with each invalid UTF-8 byte as U+FFFD and each
// control character as a space: nothing is removed, so no two parts of s
// come together that were apart.
func printable(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

// excerpt returns the start of printable text, cut at a rune boundary.
func excerpt(s string) string {
	const n = 200
	if len(s) > n {
		s = strings.ToValidUTF8(s[:n], "") + "..." // drops only a cut rune's tail
	}
	return strings.TrimSpace(s)
}
