package solid_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/solidsdk/solid-go/gen"
	"github.com/solidsdk/solid-go/internal/ops"
)

// TestEveryOperation calls each operation of internal/ops through c.API()
// (the generated *gen.ClientWithResponses, by reflection: nothing here is
// per operation) against a server that validates every request and
// answer: it answers 503, then the operation's own documented success
// status (the lowest 2xx in openapi.yaml) with its documented example, or
// no body for a 204. Each call must be retried once after the 503 with the
// same path and body, decode its success answer, and carry the
// idempotency key the spec declares: one UUID sent on both attempts on a
// write (POST, PATCH), none on anything else.
func TestEveryOperation(t *testing.T) {
	doc := loadSpec(t, "openapi.yaml")
	api := reflect.TypeFor[*gen.ClientWithResponses]()
	if len(ops.Operations) == 0 {
		t.Fatal("internal/ops lists no operation")
	}
	for _, op := range ops.Operations {
		t.Run(op.ID, func(t *testing.T) {
			o := doc.Paths.Find(op.Path).GetOperation(op.Method)
			if o == nil || o.OperationID != op.ID {
				t.Fatalf("internal/ops has %s %s, openapi.yaml does not: run go generate", op.Method, op.Path)
			}
			call, err := buildCall(api, op, o)
			if err != nil {
				t.Fatal(err)
			}
			status, answer := successAnswer(t, o)
			s := newScriptServer(t, true, scriptReply{status: 503, body: `{}`}, scriptReply{status: status, body: answer})
			c := newTestClient(t, s.srv.URL)

			resp, err := call.do(context.Background(), c.API())
			if err != nil {
				t.Fatalf("%s: %v", call.method, err)
			}
			checkDecoded(t, resp, status, answer)

			_, keys, paths, errs := s.seen()
			for _, e := range errs {
				t.Error(e)
			}
			if len(paths) != 2 {
				t.Fatalf("%d requests, want 2 (a retry after the 503)", len(paths))
			}
			bodies := s.requestBodies()
			for i := range paths {
				if paths[i] != call.path {
					t.Errorf("request %d went to %s, want %s", i+1, paths[i], call.path)
				}
				if got := strings.TrimSpace(bodies[i]); got != call.body {
					t.Errorf("request %d body %q, want %q", i+1, got, call.body)
				}
			}
			write := op.Method == "POST" || op.Method == "PATCH"
			switch {
			case op.IdempotencyKey && (!uuidV4.MatchString(keys[0]) || keys[1] != keys[0]):
				t.Errorf("idempotency keys %q, want one UUID sent twice", keys)
			case !op.IdempotencyKey && (keys[0] != "" || keys[1] != ""):
				t.Errorf("a %s that declares no idempotency-key header carries keys %q", op.Method, keys)
			}
			if write != op.IdempotencyKey {
				t.Errorf("operation table says IdempotencyKey %v for a %s; Solid documents the header on every POST and PATCH", op.IdempotencyKey, op.Method)
			}
		})
	}
}

// opCall is one call of a generated method, its arguments built from the
// spec.
type opCall struct {
	method string          // e.g. GetCardWithResponse
	args   []reflect.Value // after the context
	path   string          // the escaped path it must reach
	body   string          // the JSON body it must send, "" for none
}

var pathParam = regexp.MustCompile(`\{([^}]+)\}`)

// buildCall finds op's method on the generated client: the
// <OperationId>WithBodyWithResponse variant (content type
// application/json, the operation's first documented request example or
// {}) when there is one, else <OperationId>WithResponse. Path parameters,
// which the generated signature takes in path order, get their documented
// example (or a sample id); a params struct is a nil pointer.
func buildCall(api reflect.Type, op ops.Operation, o *openapi3.Operation) (opCall, error) {
	name := strings.ToUpper(op.ID[:1]) + op.ID[1:]
	m, ok := api.MethodByName(name + "WithBodyWithResponse")
	if !ok {
		m, ok = api.MethodByName(name + "WithResponse")
	}
	if !ok {
		return opCall{}, fmt.Errorf("the generated client has no method %sWithResponse: run go generate", name)
	}
	c := opCall{method: m.Name, path: op.Path}
	var values []string
	for _, sub := range pathParam.FindAllStringSubmatch(op.Path, -1) {
		v := samplePathValue(o, sub[1])
		values = append(values, v)
		c.path = strings.Replace(c.path, sub[0], url.PathEscape(v), 1)
	}
	t := m.Type // a method of a type: In(0) is the receiver, In(1) the context
	readerType := reflect.TypeFor[io.Reader]()
	n := 0
	for i := 2; i < t.NumIn(); i++ {
		in := t.In(i)
		switch {
		case t.IsVariadic() && i == t.NumIn()-1:
			// request editors: none
		case n < len(values):
			if in.Kind() != reflect.String {
				return opCall{}, fmt.Errorf("%s: path parameter %d is a %s; this test sets string ids only", m.Name, n+1, in)
			}
			v := reflect.New(in).Elem()
			v.SetString(values[n])
			c.args = append(c.args, v)
			n++
		case in.Kind() == reflect.String:
			c.args = append(c.args, reflect.ValueOf("application/json").Convert(in))
		case in == readerType:
			c.body = requestExample(o)
			c.args = append(c.args, reflect.ValueOf(io.Reader(strings.NewReader(c.body))))
		case in.Kind() == reflect.Pointer && in.Elem().Kind() == reflect.Struct:
			c.args = append(c.args, reflect.Zero(in))
		default:
			return opCall{}, fmt.Errorf("%s: argument %d is a %s, which this test cannot build", m.Name, i-1, in)
		}
	}
	if n != len(values) {
		return opCall{}, fmt.Errorf("%s takes %d path parameters, %s has %d", m.Name, n, op.Path, len(values))
	}
	return c, nil
}

func (c opCall) do(ctx context.Context, api *gen.ClientWithResponses) (reflect.Value, error) {
	out := reflect.ValueOf(api).MethodByName(c.method).Call(append([]reflect.Value{reflect.ValueOf(ctx)}, c.args...))
	err, _ := out[1].Interface().(error)
	return out[0], err
}

// samplePathValue is the documented example of op's path parameter name,
// or a sample id.
func samplePathValue(o *openapi3.Operation, name string) string {
	for _, p := range o.Parameters {
		if p.Value == nil || p.Value.In != openapi3.ParameterInPath || p.Value.Name != name {
			continue
		}
		if s, ok := p.Value.Example.(string); ok && s != "" {
			return s
		}
		if p.Value.Schema != nil && p.Value.Schema.Value != nil {
			if s, ok := p.Value.Schema.Value.Example.(string); ok && s != "" {
				return s
			}
		}
	}
	return "sample_" + name
}

// requestExample is the JSON of o's first documented application/json
// request example (its example, else its examples by name), or {}.
func requestExample(o *openapi3.Operation) string {
	if o.RequestBody == nil || o.RequestBody.Value == nil {
		return "{}"
	}
	if v := firstExample(o.RequestBody.Value.Content.Get("application/json")); v != nil {
		b, err := json.Marshal(v)
		if err == nil {
			return string(b)
		}
	}
	return "{}"
}

func firstExample(mt *openapi3.MediaType) any {
	if mt == nil {
		return nil
	}
	if mt.Example != nil {
		return mt.Example
	}
	for _, k := range sortedKeys(mt.Examples) {
		if e := mt.Examples[k]; e != nil && e.Value != nil && e.Value.Value != nil {
			return e.Value.Value
		}
	}
	return nil
}

// successAnswer is o's documented success: the lowest 2xx status it
// declares, with the first example of that answer's JSON body ("" for a
// 204 or an answer without a body; {} when no example is documented).
func successAnswer(t *testing.T, o *openapi3.Operation) (int, string) {
	t.Helper()
	var codes []int
	for code := range o.Responses.Map() {
		if n, err := strconv.Atoi(code); err == nil && n >= 200 && n <= 299 {
			codes = append(codes, n)
		}
	}
	if len(codes) == 0 {
		t.Fatalf("%s declares no 2xx answer", o.OperationID)
	}
	sort.Ints(codes)
	r := o.Responses.Status(codes[0])
	if codes[0] == http.StatusNoContent || r == nil || r.Value == nil || len(r.Value.Content) == 0 {
		return codes[0], ""
	}
	v := firstExample(r.Value.Content.Get("application/json"))
	if v == nil {
		return codes[0], "{}"
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return codes[0], string(b)
}

// checkDecoded checks the generated response: its status, its body as
// sent, and, for a JSON answer, its JSON<status> field decoded.
func checkDecoded(t *testing.T, resp reflect.Value, status int, answer string) {
	t.Helper()
	if resp.IsNil() {
		t.Fatal("no response")
	}
	if got := resp.MethodByName("StatusCode").Call(nil)[0].Int(); got != int64(status) {
		t.Errorf("status %d, want %d", got, status)
	}
	r := resp.Elem()
	if body := r.FieldByName("Body").Bytes(); !bytes.Equal(body, []byte(answer)) {
		t.Errorf("body %q, want %q", body, answer)
	}
	if answer == "" {
		return
	}
	f := r.FieldByName("JSON" + strconv.Itoa(status))
	if !f.IsValid() {
		t.Fatalf("%s has no JSON%d field: the generated client does not decode the documented %d answer", r.Type(), status, status)
	}
	if f.IsNil() {
		t.Errorf("%s.JSON%d is nil: the %d answer was not decoded", r.Type(), status, status)
	}
}
