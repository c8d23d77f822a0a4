package solidtest

import (
	"fmt"
	"net/http"
	"time"
)

// Fault is an injected failure: the next Count requests (of Operation, or
// whatever they are) get it instead of their normal answer (after any
// latency). Faults queue in the order QueueFault received them.
//
// A 4xx fault only hits requests whose operation declares its status
// (say 409 on a write, not on getCard): others pass it by, so the mock
// never answers outside openapi.yaml. A 5xx fault hits any request: it
// stands for a failure in front of the API (a gateway, a crashed
// server), which Solid's pages declare nowhere but clients must survive.
type Fault struct {
	// Operation, when set, is the operationId the fault is for (say
	// "updateCard"); requests for other operations pass it by. Empty means
	// any request.
	Operation string `json:"operation,omitempty"`
	// Status is the HTTP status to answer with, 400 to 599; for retry tests
	// usually 429, 500, 502, 503 or 504. The body is Solid's error
	// envelope, except for 409, which gets the body Solid's idempotency
	// guide shows for EC_QLDB_OCC_ERROR_RETRY:
	// {"code":"EC_QLDB_OCC_ERROR_RETRY","sysMessage":"qldb occ error please retry"}.
	// Ignored when Drop is set.
	Status int `json:"status,omitempty"`
	// RetryAfter, when not empty, is sent as the Retry-After header:
	// seconds ("1") or an HTTP date.
	RetryAfter string `json:"retry_after,omitempty"`
	// Drop closes the connection without any response, as a crashed server
	// or a broken network would.
	Drop bool `json:"drop,omitempty"`
	// Count is how many consecutive requests get the fault; 0 means 1.
	Count int `json:"count,omitempty"`
}

// QueueFault queues f for the next requests. It panics on a mistake in
// the test: a Status outside 400-599 (without Drop), a negative Count, an
// Operation openapi.yaml lacks, or a 4xx Status that Operation (or, for
// any operation, every operation) does not declare.
func (h *Handler) QueueFault(f Fault) {
	if msg := h.faultProblem(f); msg != "" {
		panic("solidtest: QueueFault: " + msg)
	}
	if f.Count == 0 {
		f.Count = 1
	}
	h.fmu.Lock()
	h.faults = append(h.faults, f)
	h.nfaults.Store(int32(len(h.faults)))
	h.fmu.Unlock()
}

// Faults returns a copy of the queued faults, in order, each with the
// requests it has left in Count.
func (h *Handler) Faults() []Fault {
	h.fmu.Lock()
	defer h.fmu.Unlock()
	return append([]Fault{}, h.faults...)
}

// faultProblem says what is wrong with f, or "".
func (h *Handler) faultProblem(f Fault) string {
	switch {
	case !f.Drop && (f.Status < 400 || f.Status > 599):
		return fmt.Sprintf("status %d, want 400-599 or drop", f.Status)
	case f.Count < 0:
		return fmt.Sprintf("negative count %d", f.Count)
	case f.Operation != "" && h.plans[f.Operation] == nil:
		return "no operation " + f.Operation + " in openapi.yaml"
	case f.Drop || f.Status >= 500:
		return ""
	case f.Operation != "" && !h.declares(f.Operation, f.Status):
		return fmt.Sprintf("%s does not declare status %d in openapi.yaml", f.Operation, f.Status)
	case f.Operation == "":
		for op := range h.plans {
			if h.declares(op, f.Status) {
				return ""
			}
		}
		return fmt.Sprintf("no operation declares status %d in openapi.yaml", f.Status)
	}
	return ""
}

// nextFault takes one request's worth of the first queued fault for op
// that op may answer with (see Fault).
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
		if !f.Drop && f.Status < 500 && !h.declares(op, f.Status) {
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
		return codeTooManyRequests
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
