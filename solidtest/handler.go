package solidtest

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/solidsdk/solid-go/internal/redact"
	"github.com/solidsdk/solid-go/internal/specval"
)

// Handler is the mock as an http.Handler, for serving it on an address of
// your choice (the `solid mock` command does) or inside another server.
// NewServer and NewTLSServer serve one on an httptest.Server. A Handler is
// safe for concurrent use; its methods may be called while it serves.
type Handler struct {
	v *specval.Validator

	// The fast path (validate.go): createSetPinToken's route, loaded on
	// its first request, so a request for it skips the generic router (it
	// is still validated in full). Nil when the spec has no such path.
	route          *fastRoute
	keyedRoutes    sync.Map // *routers.Route: *keyedRoute (validate.go)
	optsOnce       sync.Once
	checkOpts      *checkOpts // opts'
	prefix, suffix string     // the path around {card_id}

	// The API keys the mock knows (state.go).
	mu   sync.RWMutex
	keys map[string]struct{}

	// How each operation is answered (resources.go, operations.go): one
	// entry per operation of the spec, its plan built on first use.
	// The map is never written after NewHandler.
	plans map[string]*lazyPlan
	// The resources the mock keeps, by path parameter (e.g. "card_id"),
	// guarded by smu; each kind is made and seeded on the first use of an
	// operation touching it (ensureKind), once: kindInit never changes
	// after NewHandler.
	kinds     map[string]*kind
	kindInit  map[string]*sync.Once
	items     map[string][]string           // path parameter -> the item paths ending in it
	itemPaths []string                      // every item path (ending in a parameter), sorted
	byRoute   map[string]*specval.Operation // by "METHOD path"
	cards     []string                      // WithCards, added when the cards are first used
	holders   []string                      // WithCardHolders, likewise
	cardsMade atomic.Bool                   // the card kind is made (knownCard)

	// Options for `solid mock` and users' tests (extras.go).
	logger  *slog.Logger
	limiter *rateLimiter
	control bool
	ctlFrom []netip.Prefix // besides loopback, who may use the control API
	strict  bool           // WithStrictIdempotency
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

	// Events and webhook secrets (create.go).
	evState

	dl deliverer // webhook deliveries (delivery.go, events.go)

	done      chan struct{} // closed by close: requests waiting out the latency end
	closeOnce sync.Once
}

// NewHandler returns the mock as an http.Handler, with the same behaviour
// as NewServer but without a listener. It costs well under a millisecond:
// the embedded spec is read a path at a time, on the first request routed
// to the path (a few milliseconds), once per process, and shared; each
// operation's plan and each kind of resource (the documented example
// card, card holder, ...) is made on first use, once per Handler. It
// panics only if the embedded openapi.yaml is invalid, which the SDK's
// own tests rule out.
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
	h.cards, h.holders = cfg.cards, cfg.holders
	h.initPlans()
	h.logger, h.control, h.ctlFrom, h.strict = cfg.logger, cfg.control, cfg.ctlFrom, cfg.strict
	if cfg.reads > 0 || cfg.writes > 0 {
		h.limiter = &rateLimiter{reads: cfg.reads, writes: cfg.writes}
	}
	h.initFastPath()
	h.dl.init(cfg.delivery)
	return h
}

// exchange is what the mock knows of one request while it answers it.
type exchange struct {
	ticket   uint64    // its place in the request record
	start    time.Time // arrival, for the logged duration
	id       string    // the X-Request-Id it gets (a replay sends the stored one)
	key      string    // its api-key header, only to scrub it from logs
	query    string    // its query as sent (validation adds defaults to r.URL)
	note     string    // logged with a successful answer: what was ignored
	replayed bool      // the answer is a stored one (idempotency)
	warn     bool      // log at Warn: a reused idempotency key
	auth     string    // why a 401: no key, or one not accepted (never the key)
}

// ServeHTTP answers one request as described in the package documentation.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	if h.control && strings.HasPrefix(r.URL.Path, "/_solidtest/") {
		h.serveControl(w, r, start)
		return
	}
	key := headerValue(r.Header, "Api-Key") // r.Header.Get("api-key"), without an allocation
	query := r.URL.RawQuery
	rec := Request{Method: r.Method, Path: r.URL.EscapedPath(), HasAPIKey: key != ""}
	// Bodies are capped before validation reads them.
	tooLarge := r.ContentLength > maxRequestBody
	if !tooLarge && r.Body != nil && r.Body != http.NoBody {
		r.Body = http.MaxBytesReader(w, r.Body, maxRequestBody)
	}
	var chk checked
	trailing := len(rec.Path) > 1 && strings.HasSuffix(rec.Path, "/")
	if !trailing {
		chk = h.validate(r, rec.Path, tooLarge)
	}
	op, params, vErr, routeErr := chk.op, chk.params, chk.vErr, chk.routeErr
	cardID := params["card_id"]
	rec.CardID, rec.Operation = cardID, op

	// Recorded on arrival with Status 0; answered fills the status in just
	// before the answer is written. See Requests.
	c := &exchange{ticket: h.record(rec), start: start, key: key, query: query}
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
	c.id = string(reqID[:])

	if f, ok := h.nextFault(op); ok {
		if f.Drop {
			h.answered(c, r, op, 0, "fault: connection dropped")
			drop()
			return
		}
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		h.answered(c, r, op, f.Status, "fault")
		if f.Status == http.StatusConflict {
			h.write(w, f.Status, c.id, []byte(`{"code":"`+codeOCCRetry+`","sysMessage":"qldb occ error please retry"}`))
			return
		}
		h.writeError(w, r, c.id, f.Status, faultCode(f.Status), http.StatusText(f.Status), "")
		return
	}

	var status int
	var code, msg, field string
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(vErr, &tooBig):
		// 413 is declared nowhere; 400 is, by every operation with a body.
		status, code, msg = h.pick(op, http.StatusBadRequest, http.StatusRequestEntityTooLarge), codeInvalidRequest, fmt.Sprintf("request body over %d bytes", maxRequestBody)
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
		c.auth = "no api-key header"
	case vErr != nil:
		msg, field = describe(vErr)
		status, code = http.StatusBadRequest, codeInvalidRequest
		if field != "" {
			code = codeInvalidField
		}
		var re *openapi3filter.RequestError
		if errors.As(vErr, &re) && re.Parameter != nil && re.Parameter.In == "path" {
			// A path that names nothing (say an empty id): 404, which
			// every operation with a path parameter declares.
			status, code = h.pick(op, http.StatusNotFound, http.StatusBadRequest), codeNotFound
		}
		msg = redact.Secrets(msg, key)
	case !h.knownKey(key):
		status, code, msg = http.StatusUnauthorized, codeUnauthorized, "unauthorized"
		c.auth = "api-key not one the mock accepts"
	case h.limiter != nil && !h.limiter.allow(r.Method != http.MethodGet, h.now()):
		w.Header().Set("Retry-After", "1")
		status, code, msg = http.StatusTooManyRequests, codeTooManyRequests, "rate limit: "+limitText(h.limiter, r.Method != http.MethodGet)
	default:
		if r.ContentLength != 0 && r.Body != nil && r.Body != http.NoBody && !h.plan(op).body {
			// Declaring no body, the operation has no answer to refuse one
			// with: the body is ignored, as a server that reads none would.
			c.note = "request body ignored: " + op + " takes none"
		}
		pstatus, body, ignored, ok := h.preferred(r, op, c.id)
		if ok {
			w.Header().Set("Preference-Applied", r.Header.Get("Prefer"))
			h.answered(c, r, op, pstatus, "Prefer: "+r.Header.Get("Prefer"))
			id := c.id
			if rid := exampleRequestID(body); rid != "" {
				id = rid
			}
			h.write(w, pstatus, id, body)
			return
		}
		if ignored != "" {
			c.note = ignored
		}
		if op != fastOp || headerValue(r.Header, "Idempotency-Key") != "" {
			h.serveOp(w, r, c, rnd[:], h.plan(op), params, chk.body, chk.val)
			return
		}
		if !h.knownCard(cardID) {
			status, code, msg = http.StatusNotFound, codeNotFound, notFoundMsg("card_id", cardID)
			break
		}
		// The fast path: createSetPinToken without an idempotency key.
		h.answered(c, r, op, http.StatusOK, "")
		bp := bufPool.Get().(*[]byte)
		b := append((*bp)[:0], `{"id":`...)
		b = appendJSONString(b, cardID)
		b = append(b, `,"set_pin_token":"card_pin_test_`...)
		b = hex.AppendEncode(b, rnd[16:])
		b = append(b, `"}`...)
		h.write(w, http.StatusOK, c.id, b)
		*bp = b
		bufPool.Put(bp)
		return
	}
	h.answered(c, r, op, status, msg)
	h.writeError(w, r, c.id, status, code, msg, field)
}

// pick returns the first of statuses that op declares, or the first when
// it declares none (TestEveryStatusDeclared then fails on it).
func (h *Handler) pick(op string, statuses ...int) int {
	if so := h.v.Operation(op); so != nil {
		for _, s := range statuses {
			if so.Declares(s) {
				return s
			}
		}
	}
	return statuses[0]
}

// declares reports whether operation op declares status. It reads the
// spec's skeleton, so it loads nothing.
func (h *Handler) declares(op string, status int) bool {
	so := h.v.Operation(op)
	return so != nil && so.Declares(status)
}

func limitText(l *rateLimiter, write bool) string {
	if write {
		return fmt.Sprintf("over %d writes a second", l.writes)
	}
	return fmt.Sprintf("over %d reads a second", l.reads)
}

func (h *Handler) close() {
	h.closeOnce.Do(func() {
		close(h.done)
		h.stopDeliveries()
	})
}
