package solidtest

import (
	"bytes"
	"encoding/json"
	"io"
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
// operation's checks (security included) fail, when a body declared by
// the operation is over maxRequestBody (tooLarge: an *http.MaxBytesError),
// or when the body has a field its schema does not declare.
func (h *Handler) validate(r *http.Request, path string, tooLarge bool) (op string, params map[string]string, vErr, routeErr error) {
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
				// createSetPinToken declares no body: none is read.
				return fastOp, in.PathParams, openapi3filter.ValidateRequest(r.Context(), in), nil
			}
		}
	}
	rt, err := h.v.FindRoute(r)
	if err != nil {
		return "", nil, nil, err
	}
	op, params = rt.Operation.OperationID, rt.Input.PathParams
	rb := rt.Operation.RequestBody
	if tooLarge && rb != nil {
		return op, params, &http.MaxBytesError{Limit: maxRequestBody}, nil
	}
	if err := openapi3filter.ValidateRequest(r.Context(), rt.Input); err != nil {
		return op, params, err, nil
	}
	if rb != nil && rb.Value != nil && r.Body != nil && r.Body != http.NoBody {
		// Validation read the body and put it back.
		b, err := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(b))
		if err != nil {
			return op, params, err, nil
		}
		if mt := rb.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil && len(b) > 0 {
			var v any
			if json.Unmarshal(b, &v) == nil {
				if f, known := unknownField(mt.Schema.Value, v, ""); f != "" {
					return op, params, &unknownFieldError{field: f, known: known}, nil
				}
			}
		}
	}
	return op, params, nil, nil
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
