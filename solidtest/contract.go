package solidtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/solidsdk/solid-go/internal/redact"
	"github.com/solidsdk/solid-go/internal/specval"
)

// ContractTransport returns an http.RoundTripper that sends through next
// (http.DefaultTransport when nil) and checks both directions against the
// embedded openapi.yaml, reporting each violation with t.Errorf. t is
// usually the test's *testing.T; any value with an Errorf method will do.
//
// What it checks:
//
//   - every request must match an operation and pass its checks, the
//     api-key header included; a path with a trailing slash matches none,
//     and a body on an operation that declares none, or one over 1 MiB,
//     is reported;
//   - a response with a status the operation declares must match it; a
//     response with any other status that claims to be JSON must be
//     Solid's error envelope. Other bodies (an HTML 502 from a proxy) are
//     not checked.
//
// Use it in tests of code that calls Solid, against solidtest or anything
// else:
//
//	hc := &http.Client{Transport: solidtest.ContractTransport(t, nil)}
//	c, err := solid.NewClient(key, solid.WithBaseURL(srv.URL), solid.WithHTTPClient(hc))
//
// It costs a copy of each request and response body in memory (responses
// are read whole, then handed on unchanged) and a validation per
// direction. Reports never include the API key or PIN tokens. Requests
// that violate the spec are still sent, so the code under test sees the
// server's answer. Do not use it after the test has ended.
func ContractTransport(t interface {
	Errorf(format string, args ...any)
}, next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	v, err := specval.Default()
	if err != nil {
		panic("solidtest: " + err.Error())
	}
	return &contractTransport{t: t, next: next, v: v}
}

type contractTransport struct {
	t interface {
		Errorf(format string, args ...any)
	}
	next http.RoundTripper
	v    *specval.Validator
}

func (c *contractTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
		req = req.Clone(ctx)
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	vreq := req.Clone(ctx)
	if body != nil {
		vreq.Body = io.NopCloser(bytes.NewReader(body))
	}
	key := req.Header.Get("api-key")
	where := req.Method + " " + truncate(req.URL.EscapedPath())
	rt, err := c.v.ValidateRequest(vreq)
	switch p := req.URL.EscapedPath(); {
	case len(p) > 1 && strings.HasSuffix(p, "/"):
		c.t.Errorf("solidtest: request %s violates openapi.yaml: a trailing slash is another path, and no operation has it", where)
	case err != nil:
		c.t.Errorf("solidtest: request %s violates openapi.yaml: %s", where, redact.Secrets(err.Error(), key))
	case len(body) > maxRequestBody:
		c.t.Errorf("solidtest: request %s: a %d-byte body, over the mock's %d", where, len(body), maxRequestBody)
	case rt != nil && rt.Operation.RequestBody == nil && len(body) > 0:
		c.t.Errorf("solidtest: request %s violates openapi.yaml: %s declares no request body, and one was sent", where, rt.Operation.OperationID)
	}

	resp, err := c.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	rb, rerr := io.ReadAll(resp.Body)
	resp.Body.Close()
	if rerr != nil {
		resp.Body = io.NopCloser(io.MultiReader(bytes.NewReader(rb), errReader{rerr}))
		return resp, nil
	}
	resp.Body = io.NopCloser(bytes.NewReader(rb))
	if rt == nil {
		return resp, nil
	}
	if declared(rt, resp.StatusCode) {
		err = c.v.ValidateResponse(rt, resp.StatusCode, resp.Header, rb)
	} else if isJSON(resp.Header.Get("Content-Type")) {
		err = validateRouteEnvelope(c.v, rt, rb)
	}
	if err != nil {
		c.t.Errorf("solidtest: response %d to %s violates openapi.yaml: %s", resp.StatusCode, where, redact.Secrets(err.Error(), key))
	}
	return resp, nil
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// declared reports whether the route's operation lists status (or a
// default response).
func declared(rt *specval.Route, status int) bool {
	rs := rt.Operation.Responses
	return rs != nil && (rs.Status(status) != nil || rs.Default() != nil)
}

func isJSON(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// validateEnvelope checks body against components.schemas.ErrorEnvelope,
// the shape of every error the mock sends, declared or not, in the whole
// document.
func validateEnvelope(v *specval.Validator, body []byte) error {
	return checkEnvelope(v.Doc().Components.Schemas["ErrorEnvelope"], body)
}

// validateRouteEnvelope is validateEnvelope with the ErrorEnvelope of the
// part of the spec rt was routed with, which has it when its path
// declares any error (so the whole document need not be loaded).
func validateRouteEnvelope(v *specval.Validator, rt *specval.Route, body []byte) error {
	if doc := rt.Input.Route.Spec; doc != nil && doc.Components != nil {
		if ref := doc.Components.Schemas["ErrorEnvelope"]; ref != nil {
			return checkEnvelope(ref, body)
		}
	}
	return validateEnvelope(v, body)
}

func checkEnvelope(ref *openapi3.SchemaRef, body []byte) error {
	if ref == nil || ref.Value == nil {
		return errors.New("no ErrorEnvelope schema in openapi.yaml")
	}
	var doc any
	if err := json.Unmarshal(body, &doc); err != nil {
		return fmt.Errorf("error body is not JSON: %w", err)
	}
	if err := ref.Value.VisitJSON(doc); err != nil {
		return fmt.Errorf("error body is not an ErrorEnvelope: %w", err)
	}
	return nil
}
