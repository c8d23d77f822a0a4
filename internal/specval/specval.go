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
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

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
//
// It routes with a skeleton of the document (each operation's id, method,
// path template and declared statuses: no schemas), and validates a
// request against its path's part of the document. For the embedded
// openapi.yaml (Default, Embedded) that part is loaded on the first
// request routed to the path, from the path's self-contained slice of the
// text (spec.Slice), once: concurrent first requests wait for the same
// load. Validators made by New load the whole document at once.
type Validator struct {
	router *router
	ops    []*Operation          // sorted by path, then method
	byID   map[string]*Operation // by operationId
	doc    func() (*openapi3.T, error)
	opts   *openapi3filter.Options
}

// Operation is one operation as the validator's skeleton knows it, before
// its path is loaded.
type Operation struct {
	// ID is the operationId; Method the HTTP method, upper case; Path the
	// path template.
	ID, Method, Path string
	responses        map[string]bool
	p                *pathSpec
}

// Declares reports whether the operation declares status, as
// openapi3.Responses.Status finds it (the code, or its range as "4XX";
// not "default").
func (o *Operation) Declares(status int) bool {
	st := strconv.Itoa(status)
	if o.responses[st] {
		return true
	}
	if status > 99 && status < 600 {
		return o.responses[st[:1]+"XX"]
	}
	return false
}

// pathSpec is one path of the document, loaded on first use.
type pathSpec struct {
	path    string
	methods map[string]*Operation
	load    func() (*openapi3.T, error) // the document to validate the path's requests with
	once    sync.Once
	routes  map[string]*routers.Route // by method
	err     error
}

// resolve loads the path's document, once.
func (p *pathSpec) resolve() error {
	p.once.Do(func() {
		doc, err := p.load()
		if err != nil {
			p.err = fmt.Errorf("specval: loading %s: %w", p.path, err)
			return
		}
		item := doc.Paths.Value(p.path)
		if item == nil {
			p.err = fmt.Errorf("specval: the document for %s lacks it", p.path)
			return
		}
		routes := make(map[string]*routers.Route, len(p.methods))
		for method, op := range item.Operations() {
			routes[method] = &routers.Route{Spec: doc, Path: p.path, PathItem: item, Method: method, Operation: op}
		}
		for method, o := range p.methods {
			if rt := routes[method]; rt == nil || rt.Operation.OperationID != o.ID {
				p.err = fmt.Errorf("specval: the document for %s lacks %s (%s)", p.path, o.ID, method)
				return
			}
		}
		p.routes = routes
	})
	return p.err
}

// Default returns the validator for the embedded openapi.yaml (as
// generated into internal/spec), made once per process and shared.
// Making it costs well under a millisecond: it reads the generated
// skeleton, and each path's slice is loaded on the first request routed
// to it (a millisecond or a few each). It does not validate the document:
// opsgen refuses an invalid openapi.yaml at `go generate` time, and
// TestEmbeddedSpecValid checks the embedded text and every slice, so a
// process (say `solid mock`) does not spend its start-up re-proving it.
var Default = sync.OnceValues(func() (*Validator, error) {
	return Embedded(), nil
})

// Embedded returns a new validator for the embedded openapi.yaml, loading
// each path on first use as Default's does, sharing nothing with it: for
// tests of the loading itself. Most callers want Default.
//
// A path first used after Doc has loaded the whole document is validated
// against it rather than its slice (the same validation, as
// TestSlicesValidateAsTheWholeDocument checks): loading the slices of
// every path costs about four times the whole document, since each parses
// the components it shares with others again.
func Embedded() *Validator {
	var whole atomic.Pointer[openapi3.T]
	full := sync.OnceValues(func() (*openapi3.T, error) {
		doc, err := loadDoc([]byte(spec.YAML))
		if err == nil {
			whole.Store(doc)
		}
		return doc, err
	})
	var ops []*Operation
	for _, o := range spec.Operations {
		resp := make(map[string]bool, len(o.Responses))
		for _, r := range o.Responses {
			resp[r] = true
		}
		ops = append(ops, &Operation{ID: o.ID, Method: o.Method, Path: o.Path, responses: resp})
	}
	v, err := newValidator(ops, func(path string) func() (*openapi3.T, error) {
		return func() (*openapi3.T, error) {
			if doc := whole.Load(); doc != nil {
				return doc, nil
			}
			b := spec.Slice(path)
			if b == nil {
				return nil, fmt.Errorf("no slice of openapi.yaml for %s", path)
			}
			return loadDoc(b)
		}
	}, full)
	if err != nil {
		// The skeleton is generated from a document kin-openapi loaded.
		panic("specval: " + err.Error())
	}
	return v
}

// New loads and validates spec (examples included) and builds a router that
// matches paths only: the spec's servers are cleared, since requests in
// tests go to loopback hosts. The whole document is loaded at once.
func New(spec []byte) (*Validator, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(spec)
	if err != nil {
		return nil, fmt.Errorf("specval: loading spec: %w", err)
	}
	if err := doc.Validate(loader.Context, openapi3.EnableExamplesValidation()); err != nil {
		return nil, fmt.Errorf("specval: invalid spec: %w", err)
	}
	doc.Servers = nil
	var ops []*Operation
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			resp := map[string]bool{}
			for code := range op.Responses.Map() {
				resp[code] = true
			}
			ops = append(ops, &Operation{ID: op.OperationID, Method: method, Path: path, responses: resp})
		}
	}
	sort.Slice(ops, func(i, j int) bool {
		if ops[i].Path != ops[j].Path {
			return ops[i].Path < ops[j].Path
		}
		return ops[i].Method < ops[j].Method
	})
	whole := func() (*openapi3.T, error) { return doc, nil }
	v, err := newValidator(ops, func(string) func() (*openapi3.T, error) { return whole }, whole)
	if err != nil {
		return nil, fmt.Errorf("specval: router: %w", err)
	}
	if err := v.LoadAll(); err != nil {
		return nil, err
	}
	return v, nil
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

// loadDoc loads a document without validating it, servers cleared.
func loadDoc(b []byte) (*openapi3.T, error) {
	doc, err := openapi3.NewLoader().LoadFromData(b)
	if err != nil {
		return nil, err
	}
	doc.Servers = nil
	return doc, nil
}

// newValidator builds the skeleton router of ops; loader gives the load
// function of each path's document, full the whole document's.
func newValidator(ops []*Operation, loader func(path string) func() (*openapi3.T, error), full func() (*openapi3.T, error)) (*Validator, error) {
	v := &Validator{
		byID: make(map[string]*Operation, len(ops)),
		ops:  ops,
		doc:  full,
		opts: &openapi3filter.Options{
			IncludeResponseStatus: true,
			MultiError:            false,
			AuthenticationFunc:    authenticate,
		},
	}
	r := &router{root: &pathpattern.Node{}, paths: map[string]*pathSpec{}}
	for _, o := range ops {
		p := r.paths[o.Path]
		if p == nil {
			p = &pathSpec{path: o.Path, methods: map[string]*Operation{}, load: loader(o.Path)}
			r.paths[o.Path] = p
		}
		p.methods[o.Method] = o
		o.p = p
		v.byID[o.ID] = o
		if err := r.root.Add(o.Method+" "+o.Path, o, nil); err != nil {
			return nil, err
		}
	}
	v.router = r
	return v, nil
}

// LoadAll loads every path's part of the document now, rather than on
// first use: for tests that want everything loaded up front. For the
// embedded spec it loads each path's slice (~175 ms for all of them on
// the machine of BENCHMARKS.md), unless Doc has loaded the whole document
// (~45 ms), which the paths then share.
func (v *Validator) LoadAll() error {
	for _, o := range v.ops {
		if err := o.p.resolve(); err != nil {
			return err
		}
	}
	return nil
}

// Operations returns the skeleton's operations, sorted by path, then
// method. Reading them loads nothing. Do not modify them.
func (v *Validator) Operations() []*Operation { return v.ops }

// Operation returns the operation with operationId id, or nil.
func (v *Validator) Operation(id string) *Operation { return v.byID[id] }

// Load returns op's definition, loading its path's part of the document
// on first use.
func (v *Validator) Load(op *Operation) (*openapi3.PathItem, *openapi3.Operation, error) {
	if err := op.p.resolve(); err != nil {
		return nil, nil, err
	}
	rt := op.p.routes[op.Method]
	return rt.PathItem, rt.Operation, nil
}

// router is kin-openapi's legacy router (routers/legacy) for a document
// without servers, built on the same path trie, minus the doc.Validate
// that legacy.NewRouter runs first, and over the skeleton: it routes
// without loading any path.
type router struct {
	root  *pathpattern.Node
	paths map[string]*pathSpec // by path template
}

// find is legacy.Router.FindRoute over the skeleton: the operation and
// its path parameters (escaped, as matched).
func (r *router) find(method, path string) (*Operation, map[string]string, error) {
	var op *Operation
	node, values := r.root.Match(method + " " + path)
	if node != nil {
		op, _ = node.Value.(*Operation)
	}
	if op == nil {
		p := r.paths[path]
		if p == nil {
			return nil, nil, &routers.RouteError{Reason: routers.ErrPathNotFound.Error()}
		}
		if p.methods[method] == nil {
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
	return op, params, nil
}

// FindRoute is legacy.Router.FindRoute for a document without servers,
// loading the path's part of the document on first use.
func (r *router) FindRoute(req *http.Request) (*routers.Route, map[string]string, error) {
	op, params, err := r.find(req.Method, req.URL.Path)
	if err != nil {
		return nil, nil, err
	}
	if err := op.p.resolve(); err != nil {
		return nil, nil, err
	}
	return op.p.routes[op.Method], params, nil
}

// Doc returns the whole document (servers cleared), loading it on the
// first call for a validator of the embedded spec (tens of
// milliseconds). Requests are validated against their path's part of it,
// not against this value. Do not modify it. It panics if the document
// does not load, which TestEmbeddedSpecValid rules out for the embedded
// one.
func (v *Validator) Doc() *openapi3.T {
	doc, err := v.doc()
	if err != nil {
		panic("specval: " + err.Error())
	}
	return doc
}

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

// Match routes a request for method and path (escaped, as
// url.URL.EscapedPath gives it) over the skeleton, loading nothing: its
// operation and path parameters (unescaped), or FindRoute's error.
func (v *Validator) Match(method, path string) (*Operation, map[string]string, error) {
	op, params, err := v.router.find(method, path)
	if err != nil {
		return nil, nil, err
	}
	for k, p := range params {
		if params[k], err = url.PathUnescape(p); err != nil {
			return nil, nil, fmt.Errorf("path parameter %s: %w", k, err)
		}
	}
	return op, params, nil
}

// FindRoute matches req to an operation, loading its path's part of the
// document on first use. Path parameters are matched on the escaped path,
// so an escaped "/" in a parameter stays inside it.
func (v *Validator) FindRoute(req *http.Request) (*Route, error) {
	op, params, err := v.Match(req.Method, req.URL.EscapedPath())
	if err != nil {
		return nil, err
	}
	if err := op.p.resolve(); err != nil {
		return nil, err
	}
	route := op.p.routes[op.Method]
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
