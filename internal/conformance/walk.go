package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	solid "github.com/solidsdk/solid-go"
	"github.com/solidsdk/solid-go/gen"
)

// getOp is one GET of openapi.yaml, as the walk reads it.
type getOp struct {
	path   string
	op     *openapi3.Operation
	params []string // path parameters, in order
	list   bool     // its 200 answer is a list envelope: data is an array
}

// specGETs returns every GET of doc, sorted by path.
func specGETs(doc *openapi3.T) []getOp {
	var out []getOp
	for path, item := range doc.Paths.Map() {
		if item.Get == nil {
			continue
		}
		g := getOp{path: path, op: item.Get, params: templateParams(path)}
		g.list = len(g.params) == 0 && isList(item.Get)
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path < out[j].path })
	return out
}

// templateParams returns the {name} segments of a path template, in order.
func templateParams(path string) []string {
	var out []string
	for _, seg := range strings.Split(path, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			out = append(out, seg[1:len(seg)-1])
		}
	}
	return out
}

// isList reports whether op's 200 answer is a list envelope.
func isList(op *openapi3.Operation) bool {
	s := successSchema(op)
	if s == nil {
		return false
	}
	data := s.Properties["data"]
	return data != nil && data.Value != nil && data.Value.Type.Is("array")
}

func successSchema(op *openapi3.Operation) *openapi3.Schema {
	resp := op.Responses.Status(http.StatusOK)
	if resp == nil || resp.Value == nil {
		return nil
	}
	mt := resp.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil {
		return nil
	}
	return mt.Schema.Value
}

// queryParam returns op's query parameter name, or nil.
func queryParam(op *openapi3.Operation, name string) *openapi3.Parameter {
	for _, p := range op.Parameters {
		if p.Value != nil && p.Value.In == openapi3.ParameterInQuery && p.Value.Name == name {
			return p.Value
		}
	}
	return nil
}

// Skip is an operation Run did not call, and why. A skip does not fail
// the run: it says what the run could not reach (an item GET whose list
// has no item to read, a lifecycle step whose input an earlier step was
// to make).
type Skip struct {
	Operation string `json:"operation"`
	Reason    string `json:"reason"`
}

func (s Skip) String() string { return "skipped " + s.Operation + ": " + s.Reason }

// Coverage counts the GETs of openapi.yaml a run reached.
type Coverage struct {
	// Reached is how many distinct GET operations were called.
	Reached int `json:"reached"`
	// Total is how many GET operations openapi.yaml has.
	Total int `json:"total"`
}

// walker calls GETs through the SDK's own HTTP path (auth, limits, one
// attempt), without decoding: every answer is kept by the recorder and
// checked with the others, so an error answer or an answer the generated
// types cannot hold is a finding, never a stop.
type walker struct {
	r     *runner
	do    gen.HttpRequestDoer
	base  string // the base URL, without a trailing slash
	pages int
	limit int
	// first holds, by list path, the id of the list's first item, or why
	// there is none.
	first map[string]listed
	lists map[string]getOp // by path
	gets  []getOp
}

type listed struct{ id, why string }

// walk calls every GET of gets not already called: each list (up to
// w.pages pages), each literal GET (its query parameters from the
// spec's examples), then each item GET with an id read from the first
// item of the list at the path above it. An item GET with no id to read
// is a Skip.
func (w *walker) walk(ctx context.Context, gets []getOp, called map[string]bool) {
	w.gets, w.first, w.lists = gets, map[string]listed{}, map[string]getOp{}
	for _, g := range gets {
		if g.list {
			w.lists[g.path] = g
		}
	}
	for _, g := range gets {
		if len(g.params) == 0 && !called[g.op.OperationID] {
			if g.list {
				w.first[g.path] = w.walkList(ctx, g)
			} else {
				w.literal(ctx, g)
			}
		}
	}
	for _, g := range gets {
		if len(g.params) == 0 || called[g.op.OperationID] {
			continue
		}
		path, why := w.fill(g)
		if why != "" {
			w.r.skip(g.op.OperationID, why)
			continue
		}
		if x, err := w.get(ctx, g.op.OperationID, path, nil); x.req == nil && errors.Is(err, solid.ErrInvalidInput) {
			w.r.skip(g.op.OperationID, "the SDK refuses the id the list gave: "+strings.TrimPrefix(err.Error(), "solid: "))
		}
	}
}

// fill puts into g's path, for each parameter, the first id of the list
// at the path above it; why says what is missing when it cannot.
func (w *walker) fill(g getOp) (path, why string) {
	path = g.path
	for _, p := range g.params {
		seg := "/{" + p + "}"
		i := strings.Index(g.path, seg)
		above := g.path[:i]
		if strings.Contains(above, "{") {
			return "", fmt.Sprintf("no list gives its %s: the path above it, %s, has parameters", p, above)
		}
		l, ok := w.lists[above]
		if !ok {
			return "", fmt.Sprintf("no list at %s to take its %s from", above, p)
		}
		got, walked := w.first[above]
		if !walked {
			got.why = "it was not walked"
		}
		if got.id == "" {
			return "", fmt.Sprintf("%s gave no %s: %s", l.op.OperationID, p, got.why)
		}
		path = strings.Replace(path, seg, "/"+url.PathEscape(got.id), 1)
	}
	return path, ""
}

// idFor is the first id of the list whose items the path parameter
// param names (sub_account_id: the first sub account listed), or why
// there is none.
func (w *walker) idFor(param string) (id, why string) {
	for _, g := range w.gets {
		if len(g.params) != 1 || !strings.HasSuffix(g.path, "/{"+param+"}") {
			continue
		}
		above := strings.TrimSuffix(g.path, "/{"+param+"}")
		l, ok := w.lists[above]
		if !ok {
			break
		}
		got, walked := w.first[above]
		switch {
		case !walked:
			return "", l.op.OperationID + " was not walked"
		case got.id == "":
			return "", l.op.OperationID + " gave none: " + got.why
		}
		return got.id, ""
	}
	return "", "no list in openapi.yaml gives a " + param
}

// walkList reads up to w.pages pages of g and returns its first item's
// id. Each page is checked like any answer; what only the walk sees (an
// empty page that says has_more, no cursor, a cursor repeated) is a
// finding of its own.
func (w *walker) walkList(ctx context.Context, g getOp) listed {
	op := g.op.OperationID
	q := url.Values{}
	if queryParam(g.op, "limit") != nil {
		q.Set("limit", strconv.Itoa(w.limit))
	}
	var first listed
	seen := map[string]bool{}
	for n := 1; n <= w.pages; n++ {
		x, err := w.get(ctx, op, g.path, q)
		if err != nil && x.status == 0 {
			if n == 1 {
				first.why = "no answer"
			}
			return first
		}
		if x.status/100 != 2 {
			if n == 1 {
				first.why = fmt.Sprintf("it answered %d", x.status)
			}
			return first
		}
		var env map[string]any
		if json.Unmarshal(x.body, &env) != nil {
			if n == 1 {
				first.why = "its answer is not a JSON object"
			}
			return first
		}
		data, _ := env["data"].([]any)
		if n == 1 {
			switch {
			case len(data) == 0:
				first.why = "it has no items"
			default:
				if m, ok := data[0].(map[string]any); ok {
					first.id, _ = m["id"].(string)
				}
				if first.id == "" {
					first.why = "its first item has no id"
				}
			}
		}
		if !isTrue(env["has_more"]) {
			return first
		}
		next, _ := env["starting_after"].(string)
		if next == "" && len(data) > 0 {
			if m, ok := data[len(data)-1].(map[string]any); ok {
				next, _ = m["id"].(string)
			}
		}
		rid := w.r.scrub(x.header.Get("X-Request-Id"), maxID)
		switch {
		case len(data) == 0:
			w.r.extra = append(w.r.extra, Finding{Operation: op, Expected: "items on a page whose has_more is true",
				Seen: fmt.Sprintf("page %d empty", n), RequestID: rid})
			return first
		case next == "":
			w.r.extra = append(w.r.extra, Finding{Operation: op, Expected: "a cursor for the next page, since has_more is true",
				Seen: fmt.Sprintf("none on page %d", n), RequestID: rid})
			return first
		case seen[next]:
			w.r.extra = append(w.r.extra, Finding{Operation: op, Expected: "a new cursor on each page",
				Seen: fmt.Sprintf("page %d repeats the cursor %q: the list would never end", n, w.r.scrub(next, maxSeen)), RequestID: rid})
			return first
		}
		seen[next] = true
		if queryParam(g.op, "starting_after") == nil {
			return first
		}
		q.Set("starting_after", next)
	}
	return first
}

func isTrue(v any) bool { return v == true || v == "true" }

// literal calls a GET without path parameters that is no list
// (getBankInfo), with each query parameter the spec gives an example
// for. One required without an example is a Skip.
func (w *walker) literal(ctx context.Context, g getOp) {
	q := url.Values{}
	for _, p := range g.op.Parameters {
		if p.Value == nil || p.Value.In != openapi3.ParameterInQuery {
			continue
		}
		ex := p.Value.Example
		if ex == nil && p.Value.Schema != nil && p.Value.Schema.Value != nil {
			ex = p.Value.Schema.Value.Example
		}
		switch {
		case ex != nil:
			q.Set(p.Value.Name, fmt.Sprint(ex))
		case p.Value.Required:
			w.r.skip(g.op.OperationID, "the spec gives no example for its required query parameter "+p.Value.Name)
			return
		}
	}
	w.get(ctx, g.op.OperationID, g.path, q)
}

// get sends GET path?q through the SDK's transport and returns the
// exchange the recorder kept (status 0 when none came). An input the
// SDK refuses (an id that would change the path) comes back as the error,
// and nothing is sent; a failed exchange is a problem of the run.
func (w *walker) get(ctx context.Context, op, path string, q url.Values) (exchange, error) {
	u, err := url.Parse(w.base + path)
	if err != nil {
		return exchange{}, err
	}
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return exchange{}, err
	}
	from := w.r.rec.len()
	resp, err := w.do.Do(req)
	if resp != nil {
		resp.Body.Close()
	}
	if w.r.rec.len() == from {
		if err != nil && !errors.Is(err, solid.ErrInvalidInput) {
			w.r.problem(op + ": not sent: " + err.Error())
		}
		return exchange{}, err
	}
	x := w.r.rec.at(w.r.rec.len() - 1)
	if x.err != nil {
		w.r.problem(op + ": no answer: " + x.err.Error())
	}
	return x, err
}
