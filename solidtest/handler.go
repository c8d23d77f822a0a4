package solidtest

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/solidsdk/solid-go/internal/specval"
)

// Handler is the mock as an http.Handler, for serving it on an address of
// your choice (the `solid mock` command does) or inside another server.
// NewServer wraps one in a loopback listener. A Handler is safe for
// concurrent use; its methods may be called while it serves.
type Handler struct {
	v *specval.Validator

	// The fast path: createSetPinToken's route, found once, so a request
	// for it skips the generic router (it is still validated in full).
	route          *routers.Route
	opts           *openapi3filter.Options
	prefix, suffix string // the path around {card_id}

	mu    sync.RWMutex
	keys  map[string]struct{}
	cards map[string]struct{}

	latency atomic.Int64 // time.Duration

	fmu     sync.Mutex
	faults  []Fault
	nfaults atomic.Int32 // len(faults), read without the lock

	rmu   sync.Mutex
	reqs  []recorded // a ring of at most MaxRecordedRequests
	next  uint64     // the id the next recorded request gets; never reset
	first uint64     // the id of the first request recorded since Reset

	done      chan struct{}
	closeOnce sync.Once

	testHookWait func() // called when a request starts its latency wait
}

// MaxRecordedRequests bounds the request record: past it, Requests returns
// the most recent ones. It keeps a long-running mock's memory flat.
const MaxRecordedRequests = 10000

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
		v:     v,
		keys:  make(map[string]struct{}, len(cfg.keys)),
		cards: make(map[string]struct{}, 1+len(cfg.cards)),
		done:  make(chan struct{}),
	}
	for _, k := range cfg.keys {
		if k != "" {
			h.keys[k] = struct{}{}
		}
	}
	h.cards[DefaultCardID] = struct{}{}
	for _, id := range cfg.cards {
		h.cards[id] = struct{}{}
	}
	h.initFastPath()
	return h
}

// initFastPath finds createSetPinToken in the spec and routes a sample
// request to it, keeping the route for requests of the same shape.
func (h *Handler) initFastPath() {
	for path, item := range h.v.Doc().Paths.Map() {
		op := item.Post
		if op == nil || op.OperationID != "createSetPinToken" {
			continue
		}
		prefix, suffix, ok := strings.Cut(path, "{card_id}")
		if !ok || strings.Contains(suffix, "{") {
			return
		}
		req := &http.Request{Method: http.MethodPost, URL: &url.URL{Path: prefix + "x" + suffix}, Header: http.Header{}}
		rt, err := h.v.FindRoute(req)
		if err != nil || rt.Input.PathParams["card_id"] != "x" {
			return
		}
		h.route, h.opts, h.prefix, h.suffix = rt.Input.Route, rt.Input.Options, prefix, suffix
		return
	}
}

// AddCard makes the mock know another card ID.
func (h *Handler) AddCard(id string) {
	h.mu.Lock()
	h.cards[id] = struct{}{}
	h.mu.Unlock()
}

// AddAPIKey makes the mock accept another API key. An empty key is ignored.
func (h *Handler) AddAPIKey(key string) {
	if key == "" {
		return
	}
	h.mu.Lock()
	h.keys[key] = struct{}{}
	h.mu.Unlock()
}

// Fault is an injected failure: the next Count requests, whatever they are,
// get it instead of their normal answer (after any latency). Faults queue
// in the order QueueFault received them.
type Fault struct {
	// Status is the HTTP status to answer with, 400 to 599; for retry tests
	// usually 429, 500, 502, 503 or 504. The body is Solid's error
	// envelope. Ignored when Drop is set.
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

// nextFault takes one request's worth of the first queued fault.
func (h *Handler) nextFault() (Fault, bool) {
	if h.nfaults.Load() == 0 {
		return Fault{}, false
	}
	h.fmu.Lock()
	defer h.fmu.Unlock()
	if len(h.faults) == 0 {
		return Fault{}, false
	}
	f := h.faults[0]
	if h.faults[0].Count--; h.faults[0].Count == 0 {
		h.faults = h.faults[1:]
		h.nfaults.Store(int32(len(h.faults)))
	}
	return f, true
}

// SetLatency makes the mock wait d before answering each request (faults
// included); 0 turns it off. A request whose client gives up, or whose
// server is closed, ends without an answer.
func (h *Handler) SetLatency(d time.Duration) { h.latency.Store(int64(max(d, 0))) }

// Request is what the mock recorded of one request it received. The API
// key itself is never recorded.
type Request struct {
	// Method is the request's HTTP method.
	Method string
	// Path is the request's escaped path.
	Path string
	// CardID is the card_id path parameter, unescaped; empty when the path
	// matched no operation.
	CardID string
	// HasAPIKey reports whether the request had a non-empty api-key header.
	HasAPIKey bool
	// Status is the status the mock answered with; 0 while the request is
	// waiting out SetLatency, and for one that got no answer (a dropped
	// connection, or a client that gave up during the wait).
	Status int
}

type recorded struct {
	id uint64 // unique for the Handler's lifetime, Resets included
	Request
}

// Requests returns a copy of the requests received so far, oldest first
// (at most the last MaxRecordedRequests). A request is recorded when it
// arrives, after validation, and its Status filled in when answered.
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
func (h *Handler) finish(id uint64, status int) {
	h.rmu.Lock()
	defer h.rmu.Unlock()
	// For an id from before Reset the subtraction wraps; the index is
	// then arbitrary, and the id check below rejects it.
	if i := (id - h.first) % MaxRecordedRequests; i < uint64(len(h.reqs)) && h.reqs[i].id == id {
		h.reqs[i].Status = status
	}
}

// Reset forgets queued faults, the latency and the request record. Cards
// and API keys stay.
func (h *Handler) Reset() {
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

func (h *Handler) close() { h.closeOnce.Do(func() { close(h.done) }) }

// Error codes the mock sends. The first two are Solid's documented codes.
const (
	codeUnauthorized     = "ERROR_CODE_UNAUTHORIZED"
	codeNotFound         = "ERROR_CODE_RESOURCE_NOT_FOUND"
	codeMethodNotAllowed = "ERROR_CODE_METHOD_NOT_ALLOWED"
	codeInvalidRequest   = "ERROR_CODE_INVALID_REQUEST"
)

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

var (
	jsonType = []string{"application/json"}
	bufPool  = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}
)

// ServeHTTP answers one request as described in the package documentation.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key := headerValue(r.Header, "Api-Key") // r.Header.Get("api-key"), without an allocation
	rec := Request{Method: r.Method, Path: r.URL.EscapedPath(), HasAPIKey: key != ""}
	cardID, vErr, routeErr := h.validate(r, rec.Path)
	rec.CardID = cardID

	// With latency, the request is recorded on arrival, so a test can see
	// it while it waits; otherwise once, with its status.
	var seq uint64
	delayed := false
	if d := time.Duration(h.latency.Load()); d > 0 {
		seq, delayed = h.record(rec), true
		if !h.wait(r, d) {
			drop(w)
			return
		}
	}
	done := func(status int) {
		if delayed {
			h.finish(seq, status)
			return
		}
		rec.Status = status
		h.record(rec)
	}

	// 16 random bytes for the request id, 16 for a token.
	var rnd [32]byte
	rand.Read(rnd[:])
	var reqID [4 + 32]byte
	copy(reqID[:], "req_")
	hex.Encode(reqID[4:], rnd[:16])
	id := string(reqID[:])

	if f, ok := h.nextFault(); ok {
		if f.Drop {
			done(0)
			drop(w)
			return
		}
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		done(f.Status)
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
		status, code, msg = http.StatusBadRequest, codeInvalidRequest, "request does not match openapi.yaml: "+vErr.Error()
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
	case !h.knownCard(cardID):
		status, code, msg = http.StatusNotFound, codeNotFound, "cannot find card holder by id in qldb"
	default:
		done(http.StatusOK)
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
	done(status)
	h.writeError(w, r, id, status, code, msg, field)
}

// validate routes and validates r. routeErr is set when no operation
// matches; vErr when the operation's checks (security included) fail.
func (h *Handler) validate(r *http.Request, path string) (cardID string, vErr, routeErr error) {
	if h.route != nil && r.Method == http.MethodPost &&
		len(path) > len(h.prefix)+len(h.suffix) && strings.HasPrefix(path, h.prefix) && strings.HasSuffix(path, h.suffix) {
		seg := path[len(h.prefix) : len(path)-len(h.suffix)]
		if !strings.Contains(seg, "/") {
			if id, err := url.PathUnescape(seg); err == nil {
				in := &openapi3filter.RequestValidationInput{
					Request:    r,
					PathParams: map[string]string{"card_id": id},
					Route:      h.route,
					Options:    h.opts,
				}
				return id, openapi3filter.ValidateRequest(r.Context(), in), nil
			}
		}
	}
	rt, err := h.v.FindRoute(r)
	if err != nil {
		return "", nil, err
	}
	return rt.Input.PathParams["card_id"], openapi3filter.ValidateRequest(r.Context(), rt.Input), nil
}

// allowed lists the methods the spec allows on path, for a 405.
func (h *Handler) allowed(r *http.Request, path string) string {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions, http.MethodTrace} {
		if m == r.Method {
			continue
		}
		req := &http.Request{Method: m, URL: &url.URL{Path: path}, Header: http.Header{}}
		if _, err := h.v.FindRoute(req); err == nil {
			allow = append(allow, m)
		}
	}
	return strings.Join(allow, ", ")
}

// headerValue is h.Get(canonicalKey), skipping the canonicalisation.
func headerValue(h http.Header, canonicalKey string) string {
	if v := h[canonicalKey]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func (h *Handler) knownKey(k string) bool {
	h.mu.RLock()
	_, ok := h.keys[k]
	h.mu.RUnlock()
	return ok
}

func (h *Handler) knownCard(id string) bool {
	h.mu.RLock()
	_, ok := h.cards[id]
	h.mu.RUnlock()
	return ok
}

// wait sleeps d, or less if the client leaves or the server closes; it
// reports whether the request should still be answered.
func (h *Handler) wait(r *http.Request, d time.Duration) bool {
	if h.testHookWait != nil {
		h.testHookWait()
	}
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

// drop closes the connection without a response.
func drop(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// HTTP/2 and other writers that cannot be hijacked: the server
		// resets the stream.
		panic(http.ErrAbortHandler)
	}
	conn.Close()
}

// writeError sends Solid's error envelope.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, id string, status int, code, msg, field string) {
	bp := bufPool.Get().(*[]byte)
	b := append((*bp)[:0], `{"request_id":"`...)
	b = append(b, id...)
	b = append(b, `","client_id":"","method":`...)
	b = appendJSONString(b, r.Method)
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, `,"error":{"code":`...)
	b = appendJSONString(b, code)
	b = append(b, `,"message":`...)
	b = appendJSONString(b, msg)
	b = append(b, `,"field_name":`...)
	b = appendJSONString(b, field)
	b = append(b, `},"created_at":"`...)
	b = time.Now().UTC().AppendFormat(b, time.RFC3339)
	b = append(b, `"}`...)
	h.write(w, status, id, b)
	*bp = b
	bufPool.Put(bp)
}

func (h *Handler) write(w http.ResponseWriter, status int, id string, body []byte) {
	hdr := w.Header()
	hdr["Content-Type"] = jsonType
	hdr["X-Request-Id"] = []string{id}
	// net/http adds Content-Length itself for a body this small.
	w.WriteHeader(status)
	w.Write(body)
}

// appendJSONString appends s as a JSON string; invalid UTF-8 becomes U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20 || c == 0x7f:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

func truncate(s string) string {
	if len(s) <= 200 {
		return s
	}
	for i := 200; i > 0; i-- {
		if utf8.RuneStart(s[i]) {
			return s[:i] + "..."
		}
	}
	return ""
}
