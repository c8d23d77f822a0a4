package solidtest

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
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
	plans   map[string]*plan
	specOps map[string]*openapi3.Operation
	kinds   map[string]*kind // by path parameter, e.g. "card_id"

	// Options for `solid mock` and users' tests (extras.go).
	logger  *slog.Logger
	limiter *rateLimiter
	control bool
	smu     sync.Mutex
	idem    idempotency
	now     func() time.Time // time.Now; tests move it

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
	h.plans, h.kinds, h.specOps = buildPlans(v.Doc())
	h.logger, h.control = cfg.logger, cfg.control
	if cfg.reads > 0 || cfg.writes > 0 {
		h.limiter = &rateLimiter{reads: cfg.reads, writes: cfg.writes}
	}
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
	if h.control && strings.HasPrefix(r.URL.Path, "/_solidtest/") {
		h.serveControl(w, r)
		return
	}
	key := headerValue(r.Header, "Api-Key") // r.Header.Get("api-key"), without an allocation
	rec := Request{Method: r.Method, Path: r.URL.EscapedPath(), HasAPIKey: key != ""}
	// Bodies are capped before validation reads them.
	tooLarge := r.ContentLength > maxRequestBody
	if !tooLarge && r.Body != nil && r.Body != http.NoBody {
		r.Body = http.MaxBytesReader(w, r.Body, maxRequestBody)
	}
	var op string
	var params map[string]string
	var vErr, routeErr error
	trailing := len(rec.Path) > 1 && strings.HasSuffix(rec.Path, "/")
	if !tooLarge && !trailing {
		op, params, vErr, routeErr = h.validate(r, rec.Path)
	}
	cardID := params["card_id"]
	rec.CardID, rec.Operation = cardID, op

	// Recorded on arrival with Status 0; answered fills the status in just
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
			h.answered(ticket, r, op, 0, "fault: connection dropped")
			drop()
			return
		}
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		h.answered(ticket, r, op, f.Status, "fault")
		if f.Status == http.StatusConflict {
			h.write(w, f.Status, id, []byte(`{"code":"`+codeOCCRetry+`","sysMessage":"qldb occ error please retry"}`))
			return
		}
		h.writeError(w, r, id, f.Status, faultCode(f.Status), http.StatusText(f.Status), "")
		return
	}

	var status int
	var code, msg, field string
	var tooBig *http.MaxBytesError
	switch {
	case tooLarge || errors.As(vErr, &tooBig):
		status, code, msg = http.StatusRequestEntityTooLarge, codeInvalidRequest, fmt.Sprintf("request body over %d bytes", maxRequestBody)
	case trailing:
		status, code, msg = http.StatusNotFound, codeNotFound, "no operation in openapi.yaml matches "+r.Method+" "+truncate(rec.Path)+" (a trailing slash is another path)"
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
	case h.plans[op] != nil && !h.plans[op].body && hasBody(r):
		status, code, msg = http.StatusBadRequest, codeInvalidRequest, op+" takes no request body"
	case h.limiter != nil && !h.limiter.allow(r.Method != http.MethodGet, h.now()):
		w.Header().Set("Retry-After", "1")
		status, code, msg = http.StatusTooManyRequests, "ERROR_CODE_TOO_MANY_REQUESTS", "rate limit: "+limitText(h.limiter, r.Method != http.MethodGet)
	default:
		if pstatus, body, perr, ok := h.preferred(r, op); ok {
			if perr != "" {
				status, code, msg = http.StatusBadRequest, codeInvalidRequest, perr
				break
			}
			h.answered(ticket, r, op, pstatus, "Prefer: "+r.Header.Get("Prefer"))
			if rid := exampleRequestID(body); rid != "" {
				id = rid
			}
			h.write(w, pstatus, id, body)
			return
		}
		if op != fastOp || headerValue(r.Header, "Idempotency-Key") != "" {
			h.serveOp(w, r, ticket, id, rnd[:], key, h.plans[op], params)
			return
		}
		if !h.knownCard(cardID) {
			status, code, msg = http.StatusNotFound, codeNotFound, msgNotFound
			break
		}
		// The fast path: createSetPinToken without an idempotency key.
		h.answered(ticket, r, op, http.StatusOK, "")
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
	h.answered(ticket, r, op, status, msg)
	h.writeError(w, r, id, status, code, msg, field)
}

// hasBody reports whether r carries a body, reading at most one byte of
// one of unknown length.
func hasBody(r *http.Request) bool {
	if r.ContentLength > 0 {
		return true
	}
	if r.ContentLength == 0 || r.Body == nil || r.Body == http.NoBody {
		return false
	}
	var b [1]byte
	n, _ := r.Body.Read(b[:])
	return n > 0
}

func limitText(l *rateLimiter, write bool) string {
	if write {
		return fmt.Sprintf("over %d writes a second", l.writes)
	}
	return fmt.Sprintf("over %d reads a second", l.reads)
}

func (h *Handler) close() { h.closeOnce.Do(func() { close(h.done) }) }
