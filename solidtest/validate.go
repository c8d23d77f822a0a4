package solidtest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
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

// checked is what validate found of a request.
type checked struct {
	op     string            // its operationId
	params map[string]string // its path parameters
	// body is the request body, read once, when the operation declares
	// one; val is body decoded and validated (schema defaults set,
	// numbers as float64, as json.Unmarshal gives them), nil without.
	body []byte
	val  any
	// routeErr is set when no operation matches; vErr when the
	// operation's checks (security included) fail, when a body declared
	// by the operation is over maxRequestBody (an *http.MaxBytesError), or
	// when the body has a field its schema does not declare.
	vErr, routeErr error
}

// validate routes and validates r (tooLarge: its declared length is over
// maxRequestBody).
func (h *Handler) validate(r *http.Request, path string, tooLarge bool) checked {
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
				return checked{op: fastOp, params: in.PathParams, vErr: openapi3filter.ValidateRequest(r.Context(), in)}
			}
		}
	}
	rt, err := h.v.FindRoute(r)
	if err != nil {
		return checked{routeErr: err}
	}
	c := checked{op: rt.Operation.OperationID, params: rt.Input.PathParams}
	rb := rt.Operation.RequestBody
	if tooLarge && rb != nil {
		c.vErr = &http.MaxBytesError{Limit: maxRequestBody}
		return c
	}
	if rb != nil && r.Body != nil && r.Body != http.NoBody {
		// Read once here; validation reads this copy.
		if c.body, c.vErr = io.ReadAll(r.Body); c.vErr != nil {
			return c
		}
		r.Body = io.NopCloser(bytes.NewReader(c.body))
	}
	if keyed := h.keyed(rt.Input.Route); checkKeys && keyed.met(r) {
		// The api-key headers the security asks for are there: what
		// kin-openapi's check would find (our AuthenticationFunc asks
		// for nothing else), without its reading the body again.
		rt.Input.Route = keyed.route
	}
	var v any
	if mt := jsonContent(r, rb, c.body); mt != nil && checkJSONBodies && json.Unmarshal(c.body, &v) == nil {
		// A JSON body: decoded once here and validated against its
		// schema as kin-openapi's ValidateRequestBody does (the same
		// options and error), after the security and parameters.
		rt.Input.Options = h.opts(rt.Input.Options).skipBody
		if c.vErr = openapi3filter.ValidateRequest(r.Context(), rt.Input); c.vErr != nil {
			return c
		}
		if err := mt.Schema.Value.VisitJSON(v, openapi3.VisitAsRequest(), openapi3.DefaultsSet(func() {})); err != nil {
			c.vErr = &openapi3filter.RequestError{Input: rt.Input, RequestBody: rb.Value, Reason: "doesn't match schema" + schemaID(mt.Schema), Err: err}
			return c
		}
		c.val = v
	} else {
		// Anything else (no body, another media type, JSON that
		// json.Unmarshal refuses): kin-openapi in full, keeping the value
		// it decodes.
		if c.body != nil {
			rt.Input.Options = h.opts(rt.Input.Options).keep
		}
		if c.vErr = openapi3filter.ValidateRequest(r.Context(), rt.Input); c.vErr != nil {
			return c
		}
		if vb, ok := r.Body.(interface{ ValidatedValue() any }); ok {
			c.val = floatNumbers(vb.ValidatedValue())
		}
	}
	if rb != nil && rb.Value != nil && c.val != nil {
		if mt := rb.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil {
			if !hasUnknown(mt.Schema.Value, c.val) {
				return c
			}
			if f, known := unknownField(mt.Schema.Value, c.val, ""); f != "" {
				c.vErr = &unknownFieldError{field: f, known: known}
			}
		}
	}
	return c
}

// keyedRoute is a route's security when it asks only for api-key
// headers: headers lists, for each requirement (any one will do), the
// headers it needs, nil for a requirement of another kind; route is the
// route with no security, for kin-openapi once the headers are there.
type keyedRoute struct {
	headers [][]string
	route   *routers.Route
}

// keyed returns rt's keyedRoute, made once per route.
func (h *Handler) keyed(rt *routers.Route) *keyedRoute {
	if k, ok := h.keyedRoutes.Load(rt); ok {
		return k.(*keyedRoute)
	}
	k := &keyedRoute{}
	security := rt.Operation.Security
	if security == nil {
		security = &rt.Spec.Security
	}
	var schemes openapi3.SecuritySchemes
	if rt.Spec.Components != nil {
		schemes = rt.Spec.Components.SecuritySchemes
	}
	for _, req := range *security {
		var names []string
		for name := range req {
			ref := schemes[name]
			if ref == nil || ref.Value == nil || ref.Value.Type != "apiKey" || ref.Value.In != "header" {
				names = nil
				break
			}
			names = append(names, ref.Value.Name)
		}
		if len(req) == 0 {
			names = []string{} // an empty requirement: met by anything
		}
		k.headers = append(k.headers, names)
	}
	op := *rt.Operation
	op.Security = &openapi3.SecurityRequirements{}
	route := *rt
	route.Operation = &op
	k.route = &route
	v, _ := h.keyedRoutes.LoadOrStore(rt, k)
	return v.(*keyedRoute)
}

// met reports whether r has every header of one of k's requirements.
func (k *keyedRoute) met(r *http.Request) bool {
	for _, names := range k.headers {
		if names == nil {
			continue
		}
		ok := true
		for _, n := range names {
			if r.Header.Get(n) == "" {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// checkJSONBodies and checkKeys turn on validate's own check of JSON
// bodies and of api-key headers; a test turns them off to compare with
// kin-openapi's.
var checkJSONBodies, checkKeys = true, true

// checkOpts are the validation options of the mock, made once from the
// validator's.
type checkOpts struct {
	// keep has KeepValidatedValue: the body kin-openapi decodes is handed
	// on instead of being decoded again.
	keep *openapi3filter.Options
	// skipBody has ExcludeRequestBody: validate checks a JSON body itself.
	skipBody *openapi3filter.Options
}

func (h *Handler) opts(from *openapi3filter.Options) *checkOpts {
	h.optsOnce.Do(func() {
		o := openapi3filter.Options{}
		if from != nil {
			o = *from
		}
		keep, skip := o, o
		keep.KeepValidatedValue = true
		skip.ExcludeRequestBody = true
		h.checkOpts = &checkOpts{keep: &keep, skipBody: &skip}
	})
	return h.checkOpts
}

// jsonContent returns rb's application/json content when body is one to
// decode and validate in validate: not empty, sent as application/json
// (parameters aside), for a schema that is not binary and has no
// encoding. Otherwise nil, and kin-openapi checks the body in full.
func jsonContent(r *http.Request, rb *openapi3.RequestBodyRef, body []byte) *openapi3.MediaType {
	if rb == nil || rb.Value == nil || len(body) == 0 {
		return nil
	}
	ct := r.Header.Get("Content-Type")
	mediaType, _, _ := strings.Cut(ct, ";")
	if !strings.EqualFold(strings.TrimSpace(mediaType), "application/json") {
		return nil
	}
	mt := rb.Value.Content.Get(ct)
	if mt == nil || mt != rb.Value.Content["application/json"] || mt.Schema == nil || mt.Schema.Value == nil ||
		len(mt.Encoding) > 0 || (mt.Schema.Value.Type.Is("string") && mt.Schema.Value.Format == "binary") {
		return nil
	}
	return mt
}

// schemaID names a schema in a body error as kin-openapi does: " " and
// its $ref, else its title, else nothing.
func schemaID(s *openapi3.SchemaRef) string {
	id := strings.TrimSpace(s.Ref)
	if id == "" && s.Value != nil {
		id = strings.TrimSpace(s.Value.Title)
	}
	if id != "" {
		id = " " + id
	}
	return id
}

// floatNumbers turns the json.Numbers of a decoded value (validation
// decodes with UseNumber) into float64 in place, as json.Unmarshal would
// give them, and returns v.
func floatNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil {
			return v
		}
		return f
	case map[string]any:
		for k, e := range x {
			switch e.(type) {
			case json.Number, map[string]any, []any:
				x[k] = floatNumbers(e)
			}
		}
	case []any:
		for i, e := range x {
			x[i] = floatNumbers(e)
		}
	}
	return v
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
