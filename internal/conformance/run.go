package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"unicode/utf8"

	solid "github.com/solidsdk/solid-go"
	"github.com/solidsdk/solid-go/gen"
	"github.com/solidsdk/solid-go/internal/redact"
	"github.com/solidsdk/solid-go/internal/specval"
)

// Config says what Run calls and where.
type Config struct {
	// BaseURL is the API's base URL, e.g. solid.Sandbox.BaseURL().
	BaseURL string
	// APIKey is the key to call with; it is never reported.
	APIKey string
	// Card is the card the token operations (and getCard) run on.
	Card string
	// Writes runs the sandbox lifecycle (see Run): it creates a card
	// holder, a card and a webhook, and simulates card activity. Run
	// refuses it against production, even with AllowProduction.
	Writes bool
	// AllowProduction lets Run read from Solid's production host
	// (IsProduction); without it Run refuses before any request.
	AllowProduction bool
	// Pages bounds how many pages of each list are read (default 2).
	Pages int
	// Transport sends the requests; nil means http.DefaultTransport.
	Transport http.RoundTripper
}

// Call is one exchange Run made.
type Call struct {
	Operation string `json:"operation"`
	Method    string `json:"method"`
	Path      string `json:"path"`
	Status    int    `json:"status"`
	RequestID string `json:"request_id,omitempty"`
}

// Result is what Run found.
type Result struct {
	Calls    []Call    `json:"calls"`
	Findings []Finding `json:"findings"`
	// Problems say why answers could not be checked against their success
	// schema: the key refused, the card not found, another error answer
	// the spec declares. Each fails the run, like a finding.
	Problems []string `json:"problems"`
	// Skipped are the operations not called, and why (Skip); they do not
	// fail the run.
	Skipped []Skip `json:"skipped"`
	// GETs counts the GET operations of openapi.yaml the run reached.
	GETs Coverage `json:"gets"`
}

// OK reports whether the run found nothing wrong.
func (r *Result) OK() bool { return len(r.Findings) == 0 && len(r.Problems) == 0 }

// ConfigError is a Config that Run refuses before any request: no card or
// one the SDK refuses (it wraps solid.ErrInvalidInput), a base URL or key
// solid.NewClient refuses, production without AllowProduction.
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

// ErrProduction is wrapped by the ConfigError for production without
// Config.AllowProduction.
var ErrProduction = errors.New("production refused")

// ErrWritesProduction is wrapped by the ConfigError for Config.Writes
// against production, which AllowProduction does not lift: the lifecycle
// creates card holders, cards and webhooks, which would be real there,
// and simulates card activity, which only the sandbox has.
var ErrWritesProduction = errors.New("writes refused against production: the lifecycle creates a card holder, a card and a webhook, which would be real there, and simulates card activity, which only the sandbox has")

// IsProduction reports whether baseURL may reach Solid's production host:
// its host in any case, with a trailing dot, on any port. A host outside
// ASCII counts too: net/http maps it with IDNA ("api。prod．solidfi.com"
// dials production), which this cannot follow without a dependency.
func IsProduction(baseURL string) bool {
	u, err := url.Parse(baseURL)
	if err != nil {
		return false
	}
	h := u.Hostname()
	for i := 0; i < len(h); i++ {
		if h[i] >= utf8.RuneSelf {
			return true
		}
	}
	prod, _ := url.Parse(solid.Production.BaseURL())
	return hostKey(h) == hostKey(prod.Hostname())
}

func hostKey(h string) string { return strings.TrimRight(strings.ToLower(h), ".") }

// maxBody bounds an answer Run keeps.
const maxBody = 1 << 20

// Run checks Solid's answers against openapi.yaml, strictly (Check):
//
//   - the card operations on cfg.Card: getCard, getCardHolder on its
//     card holder, createSetPinToken and createShowToken;
//   - every other GET of openapi.yaml, read from the spec: each list (up
//     to cfg.Pages pages), each literal GET (getBankInfo, with its query
//     parameters from the spec's examples), and each item GET with the id
//     of the first item of the list above it; an item GET with no id to
//     read is a Skip, not drift;
//   - only with cfg.Writes, never against production: the sandbox
//     lifecycle (lifecycle.go): create a card holder and a virtual card,
//     update the card's label, simulate an authorization, create and
//     delete a webhook.
//
// An error answer and an answer the SDK cannot decode are findings or
// problems, and the run goes on. It sends through the SDK, one attempt
// per call. The error is a *ConfigError for a Config refused before any
// request, or else says why the card operations could not be made at all.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if cfg.Card == "" {
		return nil, &ConfigError{fmt.Errorf("%w: no card to run the token operations on", solid.ErrInvalidInput)}
	}
	if IsProduction(cfg.BaseURL) {
		switch {
		case cfg.Writes:
			return nil, &ConfigError{ErrWritesProduction}
		case !cfg.AllowProduction:
			return nil, &ConfigError{ErrProduction}
		}
	}
	if cfg.Pages <= 0 {
		cfg.Pages = 2
	}
	v, err := specval.Default()
	if err != nil {
		return nil, err
	}
	rec := &recorder{next: cfg.Transport}
	if rec.next == nil {
		rec.next = http.DefaultTransport
	}
	c, err := solid.NewClient(cfg.APIKey,
		solid.WithBaseURL(cfg.BaseURL),
		solid.WithHTTPClient(&http.Client{Transport: rec}),
		solid.WithMaxRetries(0),
		solid.WithUserAgent("solid-conformance"))
	if err != nil {
		return nil, &ConfigError{errors.New(Scrub(err.Error(), cfg.APIKey, maxText))}
	}
	api := c.API()
	raw, ok := api.ClientInterface.(*gen.Client)
	if !ok {
		return nil, errors.New("conformance: the SDK's generated client is not a *gen.Client")
	}
	r := &runner{rec: rec, key: cfg.APIKey, undecoded: map[int]error{}, checked: map[int][]Finding{}}

	from := rec.len()
	got, err := api.GetCardWithResponse(ctx, cfg.Card)
	if r.note(from, err) {
		var ce *ConfigError
		if errors.As(r.stop, &ce) {
			ce.Err = &cardError{card: Scrub(cfg.Card, cfg.APIKey, maxID), err: ce.Err}
		}
		return nil, r.stop
	}
	var holderID string
	if err == nil && got.JSON200 != nil {
		holderID = solid.CardHolderID(*got.JSON200)
	} else if i, ok := r.undecodedSince(from); ok {
		// The SDK refused the card; the run goes on with what it says.
		holderID = rawCard(rec.at(i).body)
	}
	if holderID != "" {
		from = rec.len()
		_, err := api.GetCardHolderWithResponse(ctx, holderID)
		if r.note(from, err) {
			return nil, r.stop
		}
	}
	from = rec.len()
	_, err = api.CreateSetPinTokenWithResponse(ctx, cfg.Card, nil)
	if r.note(from, err) {
		return nil, r.stop
	}
	from = rec.len()
	_, err = api.CreateShowTokenWithResponse(ctx, cfg.Card, nil)
	if r.note(from, err) {
		return nil, r.stop
	}

	doc := v.Doc()
	gets := specGETs(doc)
	called := map[string]bool{}
	for _, x := range rec.exchanges() {
		if rt, err := findRoute(v, x.req, c.BaseURL()); err == nil {
			called[rt.Operation.OperationID] = true
		}
	}
	w := &walker{r: r, do: raw.Client, base: strings.TrimSuffix(c.BaseURL(), "/"), pages: cfg.Pages, limit: 10}
	w.walk(ctx, gets, called)
	if cfg.Writes {
		r.lifecycle(ctx, c, doc, w)
	}

	res := &Result{Calls: []Call{}, Findings: []Finding{}, Problems: []string{}, Skipped: []Skip{}}
	var tally problems
	reached := map[string]bool{}
	for i, x := range rec.exchanges() {
		if x.err != nil {
			continue // no answer to check
		}
		rt, err := findRoute(v, x.req, c.BaseURL())
		call := Call{Method: x.req.Method, Path: r.scrub(x.req.URL.Path, maxText), Status: x.status,
			RequestID: r.scrub(x.header.Get("X-Request-Id"), maxID)}
		if err != nil {
			res.Findings = append(res.Findings, Finding{Pointer: "", Expected: "an operation of openapi.yaml", Seen: r.scrub(x.req.Method+" "+x.req.URL.Path, maxText)})
			res.Calls = append(res.Calls, call)
			continue
		}
		call.Operation = rt.Operation.OperationID
		if x.req.Method == http.MethodGet {
			reached[call.Operation] = true
		}
		res.Calls = append(res.Calls, call)
		found, ok := r.checked[i]
		if !ok {
			found = Check(rt.Operation, x.status, x.header, x.body, cfg.APIKey)
		}
		if err := r.undecoded[i]; err != nil && len(found) == 0 {
			// The SDK refused an answer the strict check let pass: the
			// spec and the generated types disagree, which is drift too.
			found = append(found, Finding{Operation: call.Operation, Expected: "an answer the SDK can use",
				Seen: r.scrub(err.Error(), maxText), RequestID: call.RequestID})
		}
		res.Findings = append(res.Findings, found...)
		tally.add(rt, x, cfg.Card)
	}
	res.Findings = append(res.Findings, r.extra...)
	for _, p := range tally.report(len(res.Calls), cfg.Card) {
		res.Problems = append(res.Problems, r.scrub(p, 4*maxText))
	}
	res.Problems = append(res.Problems, r.problems...)
	res.Skipped = append(res.Skipped, r.skipped...)
	res.GETs = Coverage{Reached: len(reached), Total: len(gets)}
	r.redact(res)
	return res, nil
}

// findRoute is the operation of openapi.yaml that req, sent below base,
// is a call of.
func findRoute(v *specval.Validator, req *http.Request, base string) (*specval.Route, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	r := req.Clone(req.Context())
	r.URL.Path = strings.TrimPrefix(r.URL.Path, strings.TrimSuffix(u.Path, "/"))
	r.URL.RawPath = ""
	return v.FindRoute(r)
}

// cardError is the SDK refusing the card before any request, said so.
type cardError struct {
	card string
	err  error
}

func (e *cardError) Error() string {
	return fmt.Sprintf("card %q refused: %s", e.card, strings.TrimPrefix(e.err.Error(), "solid: "))
}

func (e *cardError) Unwrap() error { return e.err }

// runner files the outcome of each call of a run.
type runner struct {
	rec *recorder
	// undecoded holds, by exchange, the SDK's error for an answer it
	// received but could not use.
	undecoded map[int]error
	stop      error // why the run cannot go on
	// checked holds, by exchange, the findings a lifecycle step made from
	// the answer it captured with solid.WithResponseInto.
	checked  map[int][]Finding
	extra    []Finding // what only the walk sees: a list's cursors
	problems []string
	skipped  []Skip
	key      string   // the API key
	secrets  []string // other secrets met on the way: a webhook's signing secret
}

// scrub is Scrub with the run's key.
func (r *runner) scrub(s string, n int) string { return Scrub(s, r.key, n) }

func (r *runner) skip(op, why string) {
	r.skipped = append(r.skipped, Skip{Operation: op, Reason: r.scrub(why, 2*maxText)})
}

func (r *runner) problem(p string) { r.problems = append(r.problems, r.scrub(p, 4*maxText)) }

// redact masks in every text of res the secrets the run met (each piece
// of minPiece bytes or more), which Scrub does not know of.
func (r *runner) redact(res *Result) {
	if len(r.secrets) == 0 {
		return
	}
	m := func(s *string) {
		for _, sec := range r.secrets {
			if sec != "" {
				*s = maskPieces(strings.ReplaceAll(*s, sec, redact.Mask), sec)
			}
		}
	}
	for i := range res.Calls {
		c := &res.Calls[i]
		m(&c.Path)
		m(&c.RequestID)
	}
	for i := range res.Findings {
		f := &res.Findings[i]
		m(&f.Pointer)
		m(&f.Expected)
		m(&f.Seen)
		m(&f.RequestID)
	}
	for i := range res.Problems {
		m(&res.Problems[i])
	}
	for i := range res.Skipped {
		m(&res.Skipped[i].Reason)
	}
}

// note files err, the outcome of a call whose exchanges start at from,
// and reports whether the run must stop. An error answer is checked with
// the others, and so is an answer the SDK could not decode. An input the
// SDK refuses, or an exchange that failed, stops the run.
func (r *runner) note(from int, err error) bool {
	var apiErr *solid.APIError
	switch {
	case err == nil || errors.As(err, &apiErr):
	case errors.Is(err, solid.ErrInvalidInput) && r.rec.len() == from:
		r.stop = &ConfigError{err}
	default:
		if i := r.rec.len() - 1; i >= from && r.rec.at(i).err == nil {
			r.undecoded[i] = err
		} else {
			r.stop = err
		}
	}
	return r.stop != nil
}

// undecodedSince returns the exchange since from whose answer the SDK
// could not decode.
func (r *runner) undecodedSince(from int) (int, bool) {
	for i := r.rec.len() - 1; i >= from; i-- {
		if r.undecoded[i] != nil {
			return i, true
		}
	}
	return 0, false
}

// rawCard reads a card's holder from an answer the SDK could not decode,
// when it is a string.
func rawCard(body []byte) (holderID string) {
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		return ""
	}
	for _, k := range []string{"card_holder_id", "cardholder_id"} {
		if s, ok := m[k].(string); ok && s != "" {
			return s
		}
	}
	return ""
}

// problems tallies the declared error answers of a run.
type problems struct {
	refused  []string // operations answered 401
	n401     int
	cardGone []string // operations on the card answered 404
	other    []string // any other declared error answer
}

func (p *problems) add(rt *specval.Route, x exchange, card string) {
	op := rt.Operation.OperationID
	switch {
	case x.status < 400:
		return
	case x.status == http.StatusUnauthorized:
		p.n401++
		p.refused = appendNew(p.refused, op)
	case x.status == http.StatusNotFound && rt.Input.PathParams["card_id"] == card:
		p.cardGone = appendNew(p.cardGone, op)
	case rt.Operation.Responses.Status(x.status) != nil:
		// An undeclared status is a finding already.
		p.other = append(p.other, fmt.Sprintf("%s answered %d%s: its success answer was not checked", op, x.status, errorCode(x.body)))
	}
}

func (p *problems) report(calls int, card string) []string {
	var out []string
	switch {
	case p.n401 == 0:
	case p.n401 == calls:
		out = append(out, fmt.Sprintf("the API key was refused: 401 on every call (%d); check the key and the environment", calls))
	default:
		out = append(out, fmt.Sprintf("the API key was refused: 401 on %d of %d calls (%s)", p.n401, calls, strings.Join(p.refused, ", ")))
	}
	if len(p.cardGone) > 0 {
		out = append(out, fmt.Sprintf("card %q was not found (404 on %s): check the card ID and the environment", card, strings.Join(p.cardGone, ", ")))
	}
	return append(out, p.other...)
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// errorCode is " CODE" from an error envelope's code, or "".
func errorCode(body []byte) string {
	var env struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &env) != nil || env.Error.Code == "" {
		return ""
	}
	return " " + env.Error.Code
}

// recorder keeps every exchange that passes through it, the answer's body
// read whole (up to maxBody) and handed on unchanged, and every exchange
// that failed, with its error.
type recorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	xs   []exchange
}

type exchange struct {
	req    *http.Request
	status int
	header http.Header
	body   []byte
	err    error // no answer
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	x := exchange{req: req}
	resp, err := r.next.RoundTrip(req)
	if err == nil {
		x.body, err = io.ReadAll(io.LimitReader(resp.Body, maxBody))
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(x.body))
		x.status, x.header = resp.StatusCode, resp.Header.Clone()
	}
	x.err = err
	r.mu.Lock()
	r.xs = append(r.xs, x)
	r.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return resp, nil
}

func (r *recorder) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.xs)
}

func (r *recorder) at(i int) exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.xs[i]
}

func (r *recorder) exchanges() []exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]exchange(nil), r.xs...)
}
