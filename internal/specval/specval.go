// Package specval validates HTTP requests and responses against the SDK's
// embedded openapi.yaml with kin-openapi. The contract tests, the solidtest
// mock and its contract-checking transport share it, so they agree on what
// the spec allows.
package specval

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy/pathpattern"

	"github.com/solidsdk/solid-go/internal/spec"
)

// ErrNoAPIKey is returned, wrapped, when a request lacks the api-key header.
var ErrNoAPIKey = errors.New("api-key header missing")

// Validator checks requests and responses against one OpenAPI document.
// It is safe for concurrent use.
type Validator struct {
	doc    *openapi3.T
	router *router
	opts   *openapi3filter.Options
}

// Default returns the validator for openapi.yaml (as generated into
// internal/spec), built once. It does not validate the document again:
// opsgen refuses an invalid openapi.yaml at `go generate` time and
// TestEmbeddedSpecValid checks the embedded text, so a process (say
// `solid mock`) does not spend its start-up re-proving it.
var Default = sync.OnceValues(func() (*Validator, error) {
	return load([]byte(spec.YAML), false)
})

// New loads and validates spec (examples included) and builds a router that
// matches paths only: the spec's servers are cleared, since requests in
// tests go to loopback hosts.
func New(spec []byte) (*Validator, error) {
	return load(spec, true)
}

// Validate checks spec as New does (examples included), without building
// a validator: for generators and tests.
func Validate(spec []byte) error {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(spec)
	if err != nil {
		return fmt.Errorf("specval: loading spec: %w", err)
	}
	if err := doc.Validate(loader.Context, openapi3.EnableExamplesValidation()); err != nil {
		return fmt.Errorf("specval: invalid spec: %w", err)
	}
	return nil
}

// load loads spec, validates it when check is set, and builds the
// validator.
func load(spec []byte, check bool) (*Validator, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(spec)
	if err != nil {
		return nil, fmt.Errorf("specval: loading spec: %w", err)
	}
	if check {
		if err := doc.Validate(loader.Context, openapi3.EnableExamplesValidation()); err != nil {
			return nil, fmt.Errorf("specval: invalid spec: %w", err)
		}
	}
	doc.Servers = nil
	router, err := newRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("specval: router: %w", err)
	}
	return &Validator{
		doc:    doc,
		router: router,
		opts: &openapi3filter.Options{
			IncludeResponseStatus: true,
			MultiError:            false,
			AuthenticationFunc:    authenticate,
		},
	}, nil
}

// router is kin-openapi's legacy router (routers/legacy) for a document
// without servers, built on the same path trie, minus the doc.Validate
// that legacy.NewRouter runs first: with examples, that walk cost as much
// as loading the document, and New has already done it.
type router struct {
	doc  *openapi3.T
	root *pathpattern.Node
}

func newRouter(doc *openapi3.T) (*router, error) {
	r := &router{doc: doc, root: &pathpattern.Node{}}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			rt := &routers.Route{Spec: doc, Path: path, PathItem: item, Method: method, Operation: op}
			if err := r.root.Add(method+" "+path, rt, nil); err != nil {
				return nil, err
			}
		}
	}
	return r, nil
}

// FindRoute is legacy.Router.FindRoute for a document without servers.
func (r *router) FindRoute(req *http.Request) (*routers.Route, map[string]string, error) {
	method, path := req.Method, req.URL.Path
	var route *routers.Route
	node, values := r.root.Match(method + " " + path)
	if node != nil {
		route, _ = node.Value.(*routers.Route)
	}
	if route == nil {
		item := r.doc.Paths.Value(path)
		if item == nil {
			return nil, nil, &routers.RouteError{Reason: routers.ErrPathNotFound.Error()}
		}
		if item.GetOperation(method) == nil {
			return nil, nil, &routers.RouteError{Reason: routers.ErrMethodNotAllowed.Error()}
		}
		if node == nil {
			return nil, nil, &routers.RouteError{Reason: routers.ErrPathNotFound.Error()}
		}
	}
	params := make(map[string]string, len(values))
	for i, v := range values {
		params[strings.TrimSuffix(node.VariableNames[i], "*")] = v
	}
	return route, params, nil
}

// Doc returns the loaded document (servers cleared). Do not modify it.
func (v *Validator) Doc() *openapi3.T { return v.doc }

// authenticate accepts any non-empty api-key header: which keys are valid is
// the server's business, the spec only says the header must be there.
func authenticate(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	s := in.SecurityScheme
	if s == nil || s.Type != "apiKey" || s.In != "header" {
		return fmt.Errorf("unsupported security scheme %q", in.SecuritySchemeName)
	}
	if in.RequestValidationInput.Request.Header.Get(s.Name) == "" {
		return fmt.Errorf("%w (%s)", ErrNoAPIKey, s.Name)
	}
	return nil
}

// Route is the result of a successful FindRoute.
type Route struct {
	Input     *openapi3filter.RequestValidationInput
	Operation *openapi3.Operation
}

// FindRoute matches req to an operation. Path parameters are matched on the
// escaped path, so an escaped "/" in a parameter stays inside it.
func (v *Validator) FindRoute(req *http.Request) (*Route, error) {
	u := *req.URL
	u.Path, u.RawPath = req.URL.EscapedPath(), ""
	r2 := *req
	r2.URL = &u
	route, params, err := v.router.FindRoute(&r2)
	if err != nil {
		return nil, err
	}
	for k, p := range params {
		if params[k], err = url.PathUnescape(p); err != nil {
			return nil, fmt.Errorf("path parameter %s: %w", k, err)
		}
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: v.opts}
	return &Route{Input: in, Operation: route.Operation}, nil
}

// ValidateRequest finds req's operation and validates the request against
// it, security included. It may read and replace req.Body.
func (v *Validator) ValidateRequest(req *http.Request) (*Route, error) {
	rt, err := v.FindRoute(req)
	if err != nil {
		return nil, err
	}
	if err := openapi3filter.ValidateRequest(req.Context(), rt.Input); err != nil {
		return rt, err
	}
	return rt, nil
}

// ValidateResponse checks a response to a request routed by FindRoute or
// ValidateRequest: the status must be declared, and the body must match.
func (v *Validator) ValidateResponse(rt *Route, status int, header http.Header, body []byte) error {
	return openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: rt.Input,
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                v.opts,
	})
}
