package solid

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/solidsdk/solid-go/internal/ops"
)

// route is an operation from the generated table (internal/ops) with its
// path template split into segments; "" marks a path parameter.
type route struct {
	op     *ops.Operation
	segs   []string
	params []string // parameter names, in path order
}

var (
	routes  = buildRoutes(ops.Operations)
	byShape = indexRoutes(routes)
)

// shape is what a request can be matched on before its path is read: its
// method, the number of segments and its second segment (after "v2"),
// which names the API area (issuing, accounts, payments, webhook, ...).
type shape struct {
	method string
	n      int
	area   string
}

// indexRoutes groups the routes by shape, in their order, so match reads a
// handful of candidates rather than every operation of the spec. A template
// with a parameter among its first two segments goes under area "*", which
// match reads too.
func indexRoutes(rs []route) map[shape][]*route {
	idx := make(map[shape][]*route)
	for i := range rs {
		r := &rs[i]
		area := "*"
		if len(r.segs) > 1 && r.segs[0] != "" && r.segs[1] != "" {
			area = r.segs[1]
		}
		k := shape{r.op.Method, len(r.segs), area}
		idx[k] = append(idx[k], r)
	}
	return idx
}

// buildRoutes splits each operation's path template into segments and
// orders the routes so that, of two templates a request could fit, the one
// with a literal segment where the other has a parameter comes first:
// OpenAPI requires a concrete path to win over a templated one
// (GET /v2/webhook/events is listWebhookEvents, never getWebhook with
// webhook_id "events").
func buildRoutes(table []ops.Operation) []route {
	rs := make([]route, len(table))
	for i := range table {
		op := &table[i]
		r := route{op: op}
		for _, s := range strings.Split(strings.TrimPrefix(op.Path, "/"), "/") {
			if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
				r.params = append(r.params, s[1:len(s)-1])
				s = ""
			}
			r.segs = append(r.segs, s)
		}
		rs[i] = r
	}
	// Only routes with the same number of segments compete; among them a
	// literal sorts before a parameter at the first place they differ in
	// kind. The sort is stable, so the table's order (by operationId)
	// decides the rest.
	slices.SortStableFunc(rs, func(a, b route) int {
		if c := len(a.segs) - len(b.segs); c != 0 {
			return c
		}
		for k := range a.segs {
			if al, bl := a.segs[k] != "", b.segs[k] != ""; al != bl {
				if al {
					return -1
				}
				return 1
			}
		}
		return 0
	})
	return rs
}

// routeFor returns the route of operationId id. The typed methods name
// operations that openapi.yaml must hold; a missing one is a build mistake.
func routeFor(id string) *route {
	for i := range routes {
		if routes[i].op.ID == id {
			return &routes[i]
		}
	}
	panic("solid: operation " + id + " missing from openapi.yaml; run go generate")
}

// checkArgs checks the path parameters a typed method is about to send, in
// path order, so a refused value gets an error that names it before the
// generated request builder (which resolves "." and ".." away) sees it.
func (r *route) checkArgs(values ...string) error {
	if len(values) != len(r.params) {
		return fmt.Errorf("%w: %d path parameters for %s, want %d", ErrInvalidInput, len(values), r.op.Path, len(r.params))
	}
	for i, v := range values {
		if err := checkPathParam(r.params[i], v); err != nil {
			return err
		}
	}
	return nil
}

// match finds the route for a request path below basePath (the base URL's
// escaped path without its trailing "/"). A path that fits an operation's
// template but with a refused parameter (empty, a dot segment, control
// characters) gives an ErrInvalidInput naming the parameter: no argument
// can move a request to another path. It allocates nothing on success.
func match(basePath, method string, u *url.URL) (*route, error) {
	rest, ok := strings.CutPrefix(u.EscapedPath(), basePath+"/")
	if !ok {
		return nil, fmt.Errorf("%w: %s is not below the base URL", ErrInvalidInput, u.EscapedPath())
	}
	n := strings.Count(rest, "/") + 1
	area := ""
	if _, after, ok := strings.Cut(rest, "/"); ok {
		area, _, _ = strings.Cut(after, "/")
	}
	var refused error
	for _, bucket := range [2][]*route{byShape[shape{method, n, area}], byShape[shape{method, n, "*"}]} {
		for _, r := range bucket {
			err, fits := r.matches(rest)
			if fits && err == nil {
				return r, nil
			}
			if fits && refused == nil {
				refused = err
			}
		}
	}
	if refused != nil {
		return nil, refused
	}
	return nil, fmt.Errorf("%w: %s %s matches no operation in openapi.yaml", ErrInvalidInput, method, u.EscapedPath())
}

// matches reports whether the escaped path below the base, split at "/",
// fits r's template (fits) and, if it does, whether a path parameter is
// refused (err). The caller has checked the number of segments.
func (r *route) matches(path string) (err error, fits bool) {
	k := 0
	for _, s := range r.segs {
		seg, next, _ := strings.Cut(path, "/")
		path = next
		if s != "" {
			if seg != s {
				return nil, false
			}
			continue
		}
		name := r.params[k]
		k++
		v, uerr := url.PathUnescape(seg)
		if uerr != nil {
			err = fmt.Errorf("%w: %s %q is not a valid escaped path segment", ErrInvalidInput, name, seg)
		} else if cerr := checkPathParam(name, v); cerr != nil && err == nil {
			err = cerr
		}
	}
	return err, true
}

// segments splits u's escaped path below basePath.
func segments(basePath string, u *url.URL) ([]string, bool) {
	p, ok := strings.CutPrefix(u.EscapedPath(), basePath+"/")
	if !ok {
		return nil, false
	}
	return strings.Split(p, "/"), true
}
