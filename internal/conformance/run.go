package conformance

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"strings"
	"sync"

	solid "github.com/solidsdk/solid-go"
	"github.com/solidsdk/solid-go/gen"
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
	// Writes allows the one write Run makes: a PATCH that sets the card's
	// label to the value it already has.
	Writes bool
	// Pages bounds how many pages of each list are read (default 3).
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
}

// maxBody bounds an answer Run keeps.
const maxBody = 1 << 20

// Run calls every operation of openapi.yaml that is safe to run: the
// reads (getCard on cfg.Card, its card holder, a few pages of each list),
// the token operations on cfg.Card, and, only with cfg.Writes, updateCard
// setting the label it already has. Each answer is checked strictly
// against openapi.yaml (Check). It sends through the SDK, one attempt per
// call. An error is returned only when a call cannot be made at all.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if cfg.Card == "" {
		return nil, fmt.Errorf("%w: no card to run the token operations on", solid.ErrInvalidInput)
	}
	if cfg.Pages <= 0 {
		cfg.Pages = 3
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
		return nil, err
	}
	api := c.API()
	// failed keeps a call's error unless it is an answer (an *APIError,
	// checked like any other) or a malformed body (checked too).
	var fatal error
	keep := func(err error) {
		var apiErr *solid.APIError
		if err != nil && fatal == nil && !errors.As(err, &apiErr) && !errors.Is(err, solid.ErrMalformedResponse) {
			fatal = err
		}
	}

	got, err := api.GetCardWithResponse(ctx, cfg.Card)
	keep(err)
	holderID := ""
	if err == nil && got.JSON200 != nil {
		holderID = solid.CardHolderID(*got.JSON200)
	}
	limit := 10
	walkPages(c.Cards(ctx, &gen.ListCardsParams{Limit: &limit}), cfg.Pages, limit, keep)
	if holderID != "" {
		_, err := api.GetCardHolderWithResponse(ctx, holderID)
		keep(err)
	}
	walkPages(c.CardHolders(ctx, &gen.ListCardHoldersParams{Limit: &limit}), cfg.Pages, limit, keep)
	_, err = api.CreateSetPinTokenWithResponse(ctx, cfg.Card, nil)
	keep(err)
	_, err = api.CreateShowTokenWithResponse(ctx, cfg.Card, nil)
	keep(err)
	if cfg.Writes && got != nil && got.JSON200 != nil && got.JSON200.Label != nil {
		_, err := api.UpdateCardWithResponse(ctx, cfg.Card, nil, gen.CardUpdate{Label: got.JSON200.Label})
		keep(err)
	}
	if fatal != nil {
		return nil, fatal
	}

	res := &Result{Calls: []Call{}, Findings: []Finding{}}
	base, err := url.Parse(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	for _, x := range rec.exchanges() {
		req := x.req.Clone(ctx)
		req.URL.Path = strings.TrimPrefix(req.URL.Path, strings.TrimSuffix(base.Path, "/"))
		req.URL.RawPath = ""
		rt, err := v.FindRoute(req)
		call := Call{Method: req.Method, Path: req.URL.Path, Status: x.status, RequestID: x.header.Get("X-Request-Id")}
		if err != nil {
			res.Findings = append(res.Findings, Finding{Pointer: "", Expected: "an operation of openapi.yaml", Seen: req.Method + " " + req.URL.Path})
			res.Calls = append(res.Calls, call)
			continue
		}
		call.Operation = rt.Operation.OperationID
		res.Calls = append(res.Calls, call)
		res.Findings = append(res.Findings, Check(rt.Operation, x.status, x.header, x.body, cfg.APIKey)...)
	}
	return res, nil
}

// walkPages reads at most pages pages of a list through its iterator:
// the iterator fetches a page only when the loop asks for more.
func walkPages[T any](seq iter.Seq2[T, error], pages, limit int, keep func(error)) {
	n := 0
	for _, err := range seq {
		if err != nil {
			keep(err)
			return
		}
		if n++; n >= pages*limit {
			return
		}
	}
}

// recorder keeps every exchange that passes through it, the answer's body
// read whole (up to maxBody) and handed on unchanged.
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
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	r.mu.Lock()
	r.xs = append(r.xs, exchange{req: req, status: resp.StatusCode, header: resp.Header.Clone(), body: body})
	r.mu.Unlock()
	return resp, nil
}

func (r *recorder) exchanges() []exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]exchange(nil), r.xs...)
}
