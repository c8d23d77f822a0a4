package solidtest

import (
	"fmt"
	"net/http"
	"time"
)

// Fault is an injected failure: the next Count requests (of Operation, or
// whatever they are) get it instead of their normal answer (after any
// latency). Faults queue in the order QueueFault received them.
type Fault struct {
	// Operation, when set, is the operationId the fault is for (say
	// "updateCard"); requests for other operations pass it by. Empty means
	// any request.
	Operation string
	// Status is the HTTP status to answer with, 400 to 599; for retry tests
	// usually 429, 500, 502, 503 or 504. The body is Solid's error
	// envelope, except for 409, which gets the body Solid's idempotency
	// guide shows for EC_QLDB_OCC_ERROR_RETRY:
	// {"code":"EC_QLDB_OCC_ERROR_RETRY","sysMessage":"qldb occ error please retry"}.
	// Ignored when Drop is set.
	Status int
	// RetryAfter, when not empty, is sent as the Retry-After header:
	// seconds ("1") or an HTTP date.
	RetryAfter string
	// Drop closes the connection without any response, as a crashed server
	// or a broken network would.
	Drop bool
	// Count is how many consecutive requests get the fault; 0 means 1.
	Count int
}

// QueueFault queues f for the next requests. It panics on a Status outside
// 400-599 (without Drop) or a negative Count: a mistake in the test.
func (h *Handler) QueueFault(f Fault) {
	if !f.Drop && (f.Status < 400 || f.Status > 599) {
		panic(fmt.Sprintf("solidtest: QueueFault: status %d, want 400-599 or Drop", f.Status))
	}
	if f.Count < 0 {
		panic(fmt.Sprintf("solidtest: QueueFault: negative Count %d", f.Count))
	}
	if f.Count == 0 {
		f.Count = 1
	}
	h.fmu.Lock()
	h.faults = append(h.faults, f)
	h.nfaults.Store(int32(len(h.faults)))
	h.fmu.Unlock()
}

// nextFault takes one request's worth of the first queued fault for op.
func (h *Handler) nextFault(op string) (Fault, bool) {
	if h.nfaults.Load() == 0 {
		return Fault{}, false
	}
	h.fmu.Lock()
	defer h.fmu.Unlock()
	for i := range h.faults {
		f := h.faults[i]
		if f.Operation != "" && f.Operation != op {
			continue
		}
		if h.faults[i].Count--; h.faults[i].Count == 0 {
			h.faults = append(h.faults[:i], h.faults[i+1:]...)
			h.nfaults.Store(int32(len(h.faults)))
		}
		return f, true
	}
	return Fault{}, false
}

// SetLatency makes the mock wait d before answering each request (faults
// included); 0 turns it off. It applies to requests that arrive after the
// call. A request whose client gives up during the wait, or whose Server
// is closed, ends without an answer; Requests shows it with Status 0.
// A waiting request costs a goroutine and a timer, nothing more.
func (h *Handler) SetLatency(d time.Duration) { h.latency.Store(int64(max(d, 0))) }

// wait sleeps d, or less if the client leaves or the server closes; it
// reports whether the request should still be answered.
func (h *Handler) wait(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
	case <-h.done:
	}
	return false
}

// drop ends the request without an answer: it aborts the handler, and
// the server closes the connection (HTTP/1) or resets the stream (HTTP/2)
// once the handler has unwound. Unlike a hijack, that keeps the request in
// flight until the handler has returned, so Server.Close waits for it.
// Middleware that recovers panics around a Handler should re-panic
// http.ErrAbortHandler, as most do; one that answers instead turns a
// Drop into its own answer.
func drop() { panic(http.ErrAbortHandler) }

// faultCode is the error code sent with an injected status.
func faultCode(status int) string {
	switch status {
	case http.StatusTooManyRequests:
		return "ERROR_CODE_TOO_MANY_REQUESTS"
	case http.StatusInternalServerError:
		return "ERROR_CODE_INTERNAL_SERVER_ERROR"
	case http.StatusBadGateway:
		return "ERROR_CODE_BAD_GATEWAY"
	case http.StatusServiceUnavailable:
		return "ERROR_CODE_SERVICE_UNAVAILABLE"
	case http.StatusGatewayTimeout:
		return "ERROR_CODE_GATEWAY_TIMEOUT"
	case http.StatusUnauthorized:
		return codeUnauthorized
	case http.StatusNotFound:
		return codeNotFound
	}
	if status >= 500 {
		return "ERROR_CODE_INTERNAL_SERVER_ERROR"
	}
	return codeInvalidRequest
}
