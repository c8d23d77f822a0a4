package solidtest

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/solidsdk/solid-go/internal/redact"
)

// idempotencyTTL is how long Solid keeps the answer to an idempotency key.
const idempotencyTTL = 24 * time.Hour

// maxIdempotencyKeys bounds the stored answers, so a long-running mock's
// memory stays flat; the oldest go first.
const maxIdempotencyKeys = 100000

type stored struct {
	status       int
	body         []byte
	reqID        string // the first answer's X-Request-Id, sent again with it
	at           time.Time
	method, path string   // what the key was first used for
	sum          [32]byte // of the first request's body, whitespace aside
}

// idempotency keeps the first answer to each (API key, idempotency key),
// with the method, path and body it answered.
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
// key, if any, when it is for the same method and path; its own answer is
// stored unless it is a 429. See the package documentation for a key
// reused elsewhere.
// body and val are the request body and its decoded value, as validate
// read them (nil when the operation declares no body).
func (h *Handler) serveOp(w http.ResponseWriter, r *http.Request, c *exchange, rnd []byte, p *plan, params map[string]string, body []byte, val any) {
	if !p.body {
		body, val = nil, nil
	}
	var idem string
	if p.write {
		idem = headerValue(r.Header, "Idempotency-Key")
	}
	if idem == "" {
		status, out := h.answer(r, c.id, p, params, rnd, body, val)
		h.answered(c, r, p.op, status, reasonOf(status, out))
		h.write(w, status, c.id, out)
		if p.act == actList && cap(out) <= maxPooled {
			// Written (a Write never keeps its slice): reused for the
			// next page.
			bufPool.Put(&out)
		}
		return
	}
	k := c.key + "\x00" + idem
	path := r.URL.EscapedPath()
	sum := digest(body)
	h.idem.mu.Lock()
	e, ok := h.idem.get(k, h.now())
	if !ok {
		e.status, e.body = h.answer(r, c.id, p, params, rnd, body, val)
		e.reqID, e.at, e.method, e.path, e.sum = c.id, h.now(), r.Method, path, sum
		if e.status != http.StatusTooManyRequests {
			h.idem.put(k, e)
		}
		h.idem.mu.Unlock()
		h.answered(c, r, p.op, e.status, reasonOf(e.status, e.body))
		h.write(w, e.status, e.reqID, e.body)
		return
	}
	h.idem.mu.Unlock()
	var msg string
	switch {
	case e.method != r.Method || e.path != path:
		// Replaying would answer one operation with another's answer.
		msg = "idempotency-key already used for " + e.method + " " + truncate(redact.Secrets(e.path, c.key)) + "; send a new key for another call"
	case e.sum != sum && h.strict:
		msg = "idempotency-key already used with another request body (strict idempotency); send a new key for another call"
	}
	c.warn = msg != "" || e.sum != sum
	if msg != "" {
		// 409 is declared by every write; pick falls back for one without.
		status := h.pick(p.op, http.StatusConflict, http.StatusBadRequest)
		h.answered(c, r, p.op, status, msg)
		h.writeError(w, r, c.id, status, codeKeyReused, msg, "idempotency-key")
		return
	}
	reason := "replayed: idempotency-key seen before"
	if e.sum != sum {
		reason = "replayed: idempotency-key seen before with another request body; the first answer is sent again"
	}
	c.replayed = true
	w.Header().Set("Idempotent-Replayed", "true")
	h.answered(c, r, p.op, e.status, reason)
	h.write(w, e.status, e.reqID, e.body)
}

// bodyObject returns the request body as an object: val, validate's
// decoding, else body decoded here (an operation whose body has no JSON
// schema); false when a body is there but is not a JSON object.
func bodyObject(body []byte, val any) (map[string]any, bool) {
	if val != nil {
		m, ok := val.(map[string]any)
		return m, ok
	}
	if len(body) == 0 {
		return nil, true
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, false
	}
	return m, true
}

// digest sums a request body, JSON whitespace aside.
func digest(body []byte) [32]byte {
	var b bytes.Buffer
	if json.Compact(&b, body) == nil {
		body = b.Bytes()
	}
	return sha256.Sum256(body)
}

// answer computes the status and body for one operation.
func (h *Handler) answer(r *http.Request, reqID string, p *plan, params map[string]string, rnd, body []byte, val any) (int, []byte) {
	req, ok := bodyObject(body, val)
	if !ok {
		return http.StatusBadRequest, appendEnvelope(nil, r.Method, reqID, http.StatusBadRequest, codeInvalidRequest, "request body is not a JSON object", "")
	}
	var patch map[string]any
	if p.act == actUpdate {
		patch = req
	}
	if p.act == actCreate {
		return h.create(r, reqID, p, req)
	}
	h.smu.Lock()
	if param, ok := h.unknown(p, params); ok {
		h.smu.Unlock()
		return http.StatusNotFound, appendEnvelope(nil, r.Method, reqID, http.StatusNotFound, codeNotFound, notFoundMsg(param, params[param]), "")
	}
	var out any
	var enc []byte // the answer, encoded under smu
	var evs []change
	switch p.act {
	case actGet:
		// Kept encodings are never changed in place: no copy needed.
		enc = p.kind.encoded(params[p.kind.param])
	case actUpdate:
		obj := p.kind.byID[params[p.kind.param]]
		if m, ok := readable(p.schema, patch).(map[string]any); ok {
			patch = m
		}
		before := obj["status"]
		merge(obj, patch, false)
		touch(obj, h.now())
		p.kind.changed(params[p.kind.param])
		enc = p.kind.keep(params[p.kind.param], marshal(obj))
		evs = h.changesEnc(p.kind, "updated", obj, before, enc)
	case actAction:
		var fail string
		enc, fail, evs = h.act(p, params, req)
		if fail != "" {
			h.smu.Unlock()
			return http.StatusBadRequest, appendEnvelope(nil, r.Method, reqID, http.StatusBadRequest, codeInvalidField, fail+" does not match the "+notFoundNoun(p.kind.param)+"'s", fail)
		}
	case actMint:
		id := params[p.kind.param]
		out = map[string]any{"id": id, p.field: token(p.prefix, rnd[16:])}
	case actList:
		// A page is written and dropped: its buffer goes back to bufPool
		// (serveOp).
		enc = p.kind.page((*bufPool.Get().(*[]byte))[:0], r.URL.Query(), p.filters)
	case actDelete:
		p.kind.remove(params[p.kind.param])
		delete(h.secrets, params[p.kind.param])
	}
	h.smu.Unlock()
	h.announce(evs)
	if enc != nil {
		return p.status, enc
	}
	if out != nil {
		return p.status, marshal(out)
	}
	if p.example == nil && p.schema == nil {
		return p.status, nil // declared without a body (204)
	}
	var v any
	if p.example != nil {
		v = clone(p.example)
	} else {
		v = generate(p.schema, 0)
	}
	return p.status, marshal(chosen(substitute(v, p.params, params), p.schema, req))
}

// unknown returns the first path parameter of p that names a kind the
// mock keeps but no object it stores, if any. The parameter of p's own
// kind (the item read, updated, deleted or minted for) is always checked;
// the others when the operation declares 404, which it then answers. The
// caller holds smu.
func (h *Handler) unknown(p *plan, params map[string]string) (string, bool) {
	for _, name := range p.params {
		own := p.kind != nil && p.kind.param == name
		if !own && !p.notFound {
			continue
		}
		k := p.kind
		if !own {
			k = h.kinds[name]
		}
		if k == nil {
			continue
		}
		if _, ok := k.byID[params[name]]; !ok {
			return name, true
		}
	}
	return "", false
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
