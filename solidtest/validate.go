package solidtest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// fastRoute is createSetPinToken's route, loaded on first use.
type fastRoute struct {
	get func() (*routers.Route, *openapi3filter.Options)
}

// initFastPath finds createSetPinToken in the spec's skeleton and routes
// a sample request to it there, keeping the path around {card_id} for
// requests of the same shape; its route is loaded on the first of them.
func (h *Handler) initFastPath() {
	o := h.v.Operation(fastOp)
	if o == nil || o.Method != http.MethodPost {
		return
	}
	prefix, suffix, ok := strings.Cut(o.Path, "{card_id}")
	if !ok || strings.Contains(suffix, "{") {
		return
	}
	sample := prefix + "x" + suffix
	if so, params, err := h.v.Match(http.MethodPost, sample); err != nil || so != o || params["card_id"] != "x" {
		return
	}
	v := h.v
	h.route = &fastRoute{get: sync.OnceValues(func() (*routers.Route, *openapi3filter.Options) {
		req := &http.Request{Method: http.MethodPost, URL: &url.URL{Path: sample}, Header: http.Header{}}
		rt, err := v.FindRoute(req)
		if err != nil {
			return nil, nil
		}
		return rt.Input.Route, rt.Input.Options
	})}
	h.prefix, h.suffix = prefix, suffix
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
		route, opts := h.route.get()
		if !strings.Contains(seg, "/") && route != nil {
			if id, err := url.PathUnescape(seg); err == nil {
				in := &openapi3filter.RequestValidationInput{
					Request:    r,
					PathParams: map[string]string{"card_id": id},
					Route:      route,
					Options:    opts,
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

// allowed lists the methods the spec allows on path, for a 405, from the
// spec's skeleton: it loads nothing.
func (h *Handler) allowed(r *http.Request, path string) string {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions, http.MethodTrace} {
		if m == r.Method {
			continue
		}
		if _, _, err := h.v.Match(m, path); err == nil {
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
