package solidtest

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/solidsdk/solid-go/internal/specval"
)

// Handler is the mock as an http.Handler, for serving it on an address of
// your choice (the `solid mock` command does) or inside another server.
// NewServer and NewTLSServer serve one on an httptest.Server. A Handler is
// safe for concurrent use; its methods may be called while it serves.
type Handler struct {
	v *specval.Validator

	// The fast path (validate.go): createSetPinToken's route, found once,
	// so a request for it skips the generic router (it is still validated
	// in full).
	route          *routers.Route
	opts           *openapi3filter.Options
	prefix, suffix string // the path around {card_id}

	// The API keys the mock knows (state.go).
	mu   sync.RWMutex
	keys map[string]struct{}

	// How each operation is answered, and the resources it keeps
	// (resources.go, operations.go), guarded by smu.
	plans map[string]*plan
	kinds map[string]*kind // by path parameter, e.g. "card_id"
	smu   sync.Mutex
	idem  idempotency
	now   func() time.Time // time.Now; tests move it

	// Injected latency and faults (faults.go).
	latency atomic.Int64 // time.Duration
	fmu     sync.Mutex
	faults  []Fault
	nfaults atomic.Int32 // len(faults), read without the lock

	// The request record (record.go).
	rmu   sync.Mutex
	reqs  []recorded // a ring of at most MaxRecordedRequests
	next  uint64     // the id the next recorded request gets; never reset
	first uint64     // the id of the first request recorded since Reset

	done      chan struct{} // closed by close: requests waiting out the latency end
	closeOnce sync.Once
}

// NewHandler returns the mock as an http.Handler, with the same behaviour
// as NewServer but without a listener. The embedded spec is parsed once
// per process and shared. It panics only if the embedded openapi.yaml is
// invalid, which the SDK's own tests rule out.
func NewHandler(opts ...Option) *Handler {
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	v := cfg.v
	if v == nil {
		var err error
		if v, err = specval.Default(); err != nil {
			panic("solidtest: " + err.Error())
		}
	}
	return newHandlerConfig(v, cfg)
}

func newHandler(v *specval.Validator, opts ...Option) *Handler {
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	return newHandlerConfig(v, cfg)
}

func newHandlerConfig(v *specval.Validator, cfg config) *Handler {
	if !cfg.set {
		cfg.keys = []string{DefaultAPIKey}
	}
	h := &Handler{
		v:    v,
		keys: make(map[string]struct{}, len(cfg.keys)),
		done: make(chan struct{}),
		now:  time.Now,
	}
	for _, k := range cfg.keys {
		if k != "" {
			h.keys[k] = struct{}{}
		}
	}
	h.plans, h.kinds = buildPlans(v.Doc())
	for _, k := range h.kinds {
		if id, ok := k.seed["id"].(string); ok && id != "" {
			k.add(id)
		}
	}
	cards := h.kind("card_id")
	if _, ok := cards.byID[DefaultCardID]; !ok {
		cards.add(DefaultCardID)
	}
	for _, id := range cfg.cards {
		cards.add(id)
	}
	for _, id := range cfg.holders {
		h.kind("card_holder_id").add(id)
	}
	h.initFastPath()
	return h
}

// ServeHTTP answers one request as described in the package documentation.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key := headerValue(r.Header, "Api-Key") // r.Header.Get("api-key"), without an allocation
	rec := Request{Method: r.Method, Path: r.URL.EscapedPath(), HasAPIKey: key != ""}
	op, params, vErr, routeErr := h.validate(r, rec.Path)
	cardID := params["card_id"]
	rec.CardID, rec.Operation = cardID, op

	// Recorded on arrival with Status 0; finish fills the status in just
	// before the answer is written. See Requests.
	ticket := h.record(rec)
	if d := time.Duration(h.latency.Load()); d > 0 && !h.wait(r, d) {
		drop()
		return
	}

	// 16 random bytes for the request id, 16 for a token.
	var rnd [32]byte
	rand.Read(rnd[:])
	var reqID [4 + 32]byte
	copy(reqID[:], "req_")
	hex.Encode(reqID[4:], rnd[:16])
	id := string(reqID[:])

	if f, ok := h.nextFault(op); ok {
		if f.Drop {
			drop()
			return
		}
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		h.finish(ticket, f.Status)
		if f.Status == http.StatusConflict {
			h.write(w, f.Status, id, []byte(`{"code":"`+codeOCCRetry+`","sysMessage":"qldb occ error please retry"}`))
			return
		}
		h.writeError(w, r, id, f.Status, faultCode(f.Status), http.StatusText(f.Status), "")
		return
	}

	var status int
	var code, msg, field string
	switch {
	case routeErr != nil:
		status, code, msg = http.StatusNotFound, codeNotFound, "no operation in openapi.yaml matches "+r.Method+" "+truncate(rec.Path)
		if allow := h.allowed(r, rec.Path); allow != "" {
			w.Header().Set("Allow", allow)
			status, code, msg = http.StatusMethodNotAllowed, codeMethodNotAllowed, "method "+r.Method+" not allowed; allowed: "+allow
		}
	case vErr != nil && errors.Is(vErr, specval.ErrNoAPIKey):
		status, code, msg = http.StatusUnauthorized, codeUnauthorized, "unauthorized"
	case vErr != nil:
		// The first line: kin-openapi appends the schema after it.
		first, _, _ := strings.Cut(vErr.Error(), "\n")
		status, code, msg = http.StatusBadRequest, codeInvalidRequest, "request does not match openapi.yaml: "+first
		if key != "" {
			msg = strings.ReplaceAll(msg, key, "[REDACTED]")
		}
		msg = truncate(msg)
		var re *openapi3filter.RequestError
		if errors.As(vErr, &re) && re.Parameter != nil {
			field = re.Parameter.Name
		}
	case !h.knownKey(key):
		status, code, msg = http.StatusUnauthorized, codeUnauthorized, "unauthorized"
	case op != fastOp || headerValue(r.Header, "Idempotency-Key") != "":
		h.serveOp(w, r, ticket, id, rnd[:], key, h.plans[op], params)
		return
	case !h.knownCard(cardID):
		status, code, msg = http.StatusNotFound, codeNotFound, msgNotFound
	default:
		// The fast path: createSetPinToken without an idempotency key.
		h.finish(ticket, http.StatusOK)
		bp := bufPool.Get().(*[]byte)
		b := append((*bp)[:0], `{"id":`...)
		b = appendJSONString(b, cardID)
		b = append(b, `,"set_pin_token":"card_pin_test_`...)
		b = hex.AppendEncode(b, rnd[16:])
		b = append(b, `"}`...)
		h.write(w, http.StatusOK, id, b)
		*bp = b
		bufPool.Put(bp)
		return
	}
	h.finish(ticket, status)
	h.writeError(w, r, id, status, code, msg, field)
}

func (h *Handler) close() { h.closeOnce.Do(func() { close(h.done) }) }
