package solidtest

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/getkin/kin-openapi/openapi3filter"
)

// initFastPath finds createSetPinToken in the spec and routes a sample
// request to it, keeping the route for requests of the same shape.
func (h *Handler) initFastPath() {
	for path, item := range h.v.Doc().Paths.Map() {
		op := item.Post
		if op == nil || op.OperationID != fastOp {
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

// fastOp is the operation validated without the generic router.
const fastOp = "createSetPinToken"

// validate routes and validates r, returning its operationId and path
// parameters. routeErr is set when no operation matches; vErr when the
// operation's checks (security included) fail.
func (h *Handler) validate(r *http.Request, path string) (op string, params map[string]string, vErr, routeErr error) {
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
				return fastOp, in.PathParams, openapi3filter.ValidateRequest(r.Context(), in), nil
			}
		}
	}
	rt, err := h.v.FindRoute(r)
	if err != nil {
		return "", nil, nil, err
	}
	return rt.Operation.OperationID, rt.Input.PathParams, openapi3filter.ValidateRequest(r.Context(), rt.Input), nil
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
