package solidtest

import (
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"time"
)

// idempotencyTTL is how long Solid keeps the answer to an idempotency key.
const idempotencyTTL = 24 * time.Hour

// maxIdempotencyKeys bounds the stored answers, so a long-running mock's
// memory stays flat; the oldest go first.
const maxIdempotencyKeys = 100000

type stored struct {
	status int
	body   []byte
	reqID  string // the first answer's X-Request-Id, sent again with it
	at     time.Time
}

// idempotency keeps the first answer to each (API key, idempotency key).
// Its lock is held through a keyed write, so repeats that arrive at the
// same moment wait for the first and get its answer.
type idempotency struct {
	mu   sync.Mutex
	m    map[string]stored
	fifo []string
}

func (s *idempotency) get(k string, now time.Time) (stored, bool) {
	e, ok := s.m[k]
	if !ok || now.Sub(e.at) >= idempotencyTTL {
		return stored{}, false
	}
	return e, true
}

func (s *idempotency) put(k string, e stored) {
	if s.m == nil {
		s.m = map[string]stored{}
	}
	if _, ok := s.m[k]; !ok {
		s.fifo = append(s.fifo, k)
	}
	s.m[k] = e
	for len(s.fifo) > maxIdempotencyKeys {
		delete(s.m, s.fifo[0])
		s.fifo = s.fifo[1:]
	}
}

func (s *idempotency) reset() {
	s.mu.Lock()
	s.m, s.fifo = nil, nil
	s.mu.Unlock()
}

// serveOp answers a valid request with a known API key as its plan says.
// A write that carries an idempotency key gets the stored answer to that
// key, if any; its own answer is stored unless it is a 429.
func (h *Handler) serveOp(w http.ResponseWriter, r *http.Request, ticket uint64, reqID string, rnd []byte, apiKey string, p *plan, params map[string]string) {
	var idem string
	if p.write {
		idem = headerValue(r.Header, "Idempotency-Key")
	}
	if idem == "" {
		status, body := h.answer(r, reqID, p, params, rnd)
		h.answered(ticket, r, p.op, status, reasonOf(status, body))
		h.write(w, status, reqID, body)
		return
	}
	k := apiKey + "\x00" + idem
	h.idem.mu.Lock()
	e, ok := h.idem.get(k, h.now())
	if !ok {
		e.status, e.body = h.answer(r, reqID, p, params, rnd)
		e.reqID, e.at = reqID, h.now()
		if e.status != http.StatusTooManyRequests {
			h.idem.put(k, e)
		}
	}
	h.idem.mu.Unlock()
	reason := reasonOf(e.status, e.body)
	if ok {
		reason = "replayed: idempotency key seen before"
	}
	h.answered(ticket, r, p.op, e.status, reason)
	h.write(w, e.status, e.reqID, e.body)
}

// answer computes the status and body for one operation.
func (h *Handler) answer(r *http.Request, reqID string, p *plan, params map[string]string, rnd []byte) (int, []byte) {
	notFound := func() (int, []byte) {
		return http.StatusNotFound, appendEnvelope(nil, r.Method, reqID, http.StatusNotFound, codeNotFound, msgNotFound, "")
	}
	switch p.act {
	case actGet, actUpdate, actMint:
		id := params[p.kind.param]
		var patch map[string]any
		if p.act == actUpdate {
			b, _ := io.ReadAll(r.Body) // validated already, and bounded by the server
			if len(b) > 0 {
				if err := json.Unmarshal(b, &patch); err != nil {
					return http.StatusBadRequest, appendEnvelope(nil, r.Method, reqID, http.StatusBadRequest, codeInvalidRequest, "request body is not a JSON object", "")
				}
			}
		}
		h.smu.Lock()
		obj, ok := p.kind.byID[id]
		if !ok {
			h.smu.Unlock()
			return notFound()
		}
		var out any
		switch p.act {
		case actMint:
			out = map[string]any{"id": id, p.field: token(p.prefix, rnd[16:])}
		case actUpdate:
			merge(obj, patch, false)
			touch(obj, h.now())
			out = clone(obj)
		default:
			out = clone(obj)
		}
		h.smu.Unlock()
		return p.status, marshal(out)
	case actList:
		h.smu.Lock()
		env := p.kind.page(r.URL.Query())
		h.smu.Unlock()
		return p.status, marshal(env)
	}
	var v any
	if p.example != nil {
		v = clone(p.example)
	} else {
		v = generate(p.schema, 0)
	}
	return p.status, marshal(substitute(v, p.params, params))
}

// reasonOf is the message of an error answer, for the request log.
func reasonOf(status int, body []byte) string {
	if status < 400 {
		return ""
	}
	var env struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	json.Unmarshal(body, &env)
	return env.Error.Message
}
