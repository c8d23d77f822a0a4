package solidtest

// Request is what the mock recorded of one request it received. The API
// key itself is never recorded. The JSON names are those of GET
// /_solidtest/requests (WithControl).
type Request struct {
	// Method is the request's HTTP method.
	Method string `json:"method"`
	// Path is the request's escaped path.
	Path string `json:"path"`
	// Operation is the operationId the request matched; empty when it
	// matched none.
	Operation string `json:"operation"`
	// CardID is the card_id path parameter, unescaped; empty when the
	// operation has none or the path matched no operation.
	CardID string `json:"card_id"`
	// HasAPIKey reports whether the request had a non-empty api-key header.
	HasAPIKey bool `json:"has_api_key"`
	// Replayed reports whether the answer was one stored for its
	// idempotency-key (sent with Idempotent-Replayed: true).
	Replayed bool `json:"replayed"`
	// Status is the status the mock answered with. It is 0 until the mock
	// answers, and stays 0 for a request that gets no answer: one given a
	// Drop fault, and one whose client gave up or whose Server was closed
	// while it waited out SetLatency.
	Status int `json:"status"`
}

// MaxRecordedRequests bounds the request record: past it, Requests returns
// the most recent ones. It keeps a long-running mock's memory flat.
const MaxRecordedRequests = 10000

type recorded struct {
	id uint64 // unique for the Handler's lifetime, Resets included
	Request
}

// Requests returns a copy of the request record, oldest first.
//
// Every request the mock receives is recorded once, when it arrives:
// after routing and validation, before any latency, fault or answer, so
// requests the spec rejects and requests that get a fault are recorded
// too, in the order they arrived. It is recorded with Status 0, and its
// Status is filled in just before the answer is written: once a client
// has read an answer, Requests shows its status. While a request waits
// out SetLatency it is in the record with Status 0; a request that never
// gets an answer keeps Status 0 (see Request.Status).
//
// The record holds the requests that arrived since the Handler was made
// or last Reset, at most the last MaxRecordedRequests of them. A request
// that arrived before Reset is not in the record after it, even if it is
// answered later. Requests costs a copy of the record.
func (h *Handler) Requests() []Request {
	h.rmu.Lock()
	defer h.rmu.Unlock()
	out := make([]Request, 0, len(h.reqs))
	start := 0
	if len(h.reqs) == MaxRecordedRequests {
		start = int((h.next - h.first) % MaxRecordedRequests) // the oldest
	}
	for i := range h.reqs {
		out = append(out, h.reqs[(start+i)%len(h.reqs)].Request)
	}
	return out
}

// record adds r to the record and returns its id, for finish. The n-th
// request since Reset (n from 0) is at h.reqs[n%MaxRecordedRequests].
func (h *Handler) record(r Request) uint64 {
	h.rmu.Lock()
	defer h.rmu.Unlock()
	e := recorded{id: h.next, Request: r}
	if len(h.reqs) < MaxRecordedRequests {
		h.reqs = append(h.reqs, e)
	} else {
		h.reqs[(h.next-h.first)%MaxRecordedRequests] = e
	}
	h.next++
	return e.id
}

// finish sets the status of recorded request id, unless it has since been
// forgotten: overwritten in the ring, or recorded before a Reset. Ids are
// never reused, so a stale id matches no entry.
func (h *Handler) finish(id uint64, status int, replayed bool) {
	h.rmu.Lock()
	defer h.rmu.Unlock()
	// For an id from before Reset the subtraction wraps; the index is
	// then arbitrary, and the id check below rejects it.
	if i := (id - h.first) % MaxRecordedRequests; i < uint64(len(h.reqs)) && h.reqs[i].id == id {
		h.reqs[i].Status, h.reqs[i].Replayed = status, replayed
	}
}

// Reset forgets queued faults, the latency, the request record (see
// Requests) and the answers kept for idempotency keys, and puts every card
// and card holder back as it was added (the documented examples, WithCards,
// AddCard and the like), and every other resource the mock seeds from the
// documented examples, undoing updates and deletes. API keys stay. Requests already
// waiting out the latency keep waiting.
func (h *Handler) Reset() {
	h.smu.Lock()
	for _, k := range h.kinds {
		k.reset()
	}
	h.secrets = nil
	h.smu.Unlock()
	h.idem.reset()
	h.fmu.Lock()
	h.faults = nil
	h.nfaults.Store(0)
	h.fmu.Unlock()
	h.latency.Store(0)
	h.rmu.Lock()
	h.reqs = nil
	h.first = h.next // the ring's position starts over with it
	h.rmu.Unlock()
}
