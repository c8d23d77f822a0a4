package solid_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	solid "github.com/solidsdk/solid-go"
	"github.com/solidsdk/solid-go/gen"
	"github.com/solidsdk/solid-go/internal/ops"
	"github.com/solidsdk/solid-go/solidtest"
)

// tagPrefix is the path of the base URL the tag test's clients use: the
// mock sits behind a reverse proxy that serves it under this prefix, so a
// request that lost the base URL's path would miss it.
const tagPrefix = "/gateway/solid"

// Keys for TestEveryTagWriteAndRead: the mock accepts tagKey only.
const (
	tagKey      = "sk_test_tagrow_0b8e4f27c9d14a63a1e5f0c2d7b93e68"
	tagWrongKey = "sk_test_tagwrong_5d1a9c3e7f2b4086b4e9a7c1f3d5e20b"
)

// TestEveryTagWriteAndRead takes one write and one read of each tag of
// openapi.yaml through c.API() against solidtest, and shows on each call
// what every call has: the api key, the environment, the idempotency key,
// retries and redaction (issue 18). The rows come from the spec, one per
// tag in the order of its tags list; nothing here names an operation:
//
//   - the write is the tag's first POST or PATCH in document order whose
//     success answer can hold a `format: password` value, else its first
//     POST or PATCH; the read is chosen the same way among its GETs (so
//     redaction is shown on real secrets wherever the tag has any);
//   - the body is the operation's first documented request example;
//   - a path parameter is the id the mock seeds for it: the id of the
//     documented example its item GET answers with.
//
// Each row runs its own stack: client -> a front server under tagPrefix
// that records what arrives -> http.StripPrefix -> a reverse proxy whose
// transport is solidtest.ContractTransport (every request and answer
// checked against openapi.yaml there, where the path has no prefix) ->
// solidtest.NewServer, which accepts tagKey only.
//
// A tag that documents no write (Master Accounts) or no read (Simulation)
// gets only the call it has, said in the log.
func TestEveryTagWriteAndRead(t *testing.T) {
	doc, inOrder := specInOrder(t)
	rows := tagRows(t, doc, inOrder)
	ids := seededIDs(t, doc)
	api := reflect.TypeFor[*gen.ClientWithResponses]()
	byID := map[string]ops.Operation{}
	for _, op := range ops.Operations {
		byID[op.ID] = op
	}

	for _, row := range rows {
		t.Run(row.tag, func(t *testing.T) {
			if row.write == nil {
				t.Logf("%s documents no POST or PATCH: read only", row.tag)
			}
			if row.read == nil {
				t.Logf("%s documents no GET: write only", row.tag)
			}
			st := newTagStack(t)

			// Environment: a client with none is refused, before any request.
			if c, err := solid.NewClient(tagKey, solid.WithHTTPClient(st.hc), solid.WithLogger(st.logger)); err == nil || !strings.Contains(err.Error(), "no environment") {
				t.Errorf("NewClient with no environment: client %v, error %v; want it refused with \"no environment\"", c, err)
			}
			c := st.client(t, tagKey)
			wrong := st.client(t, tagWrongKey)

			for _, call := range []*taggedOp{row.write, row.read} {
				if call == nil {
					continue
				}
				op, ok := byID[call.o.OperationID]
				if !ok {
					t.Fatalf("%s is not in internal/ops: run go generate", call.o.OperationID)
				}
				t.Run(op.ID, func(t *testing.T) {
					write := op.Method == http.MethodPost || op.Method == http.MethodPatch
					build := func() opCall {
						oc, err := buildCall(api, op, call.o)
						if err != nil {
							t.Fatal(err)
						}
						if oc, err = seedPathParams(oc, op, ids); err != nil {
							t.Fatal(err)
						}
						return oc
					}
					status, _ := successAnswer(t, call.o)

					// One call, with a 503 queued for its operation.
					oc := build()
					front0, mock0 := st.seenLen(), len(st.srv.Requests())
					st.srv.QueueFault(solidtest.Fault{Operation: op.ID, Status: http.StatusServiceUnavailable})
					resp, err := oc.do(context.Background(), c.API())
					front, mock := st.seenFrom(front0), st.srv.Requests()[mock0:]

					// Retries: two attempts, the second answered, and the call succeeds.
					if err != nil {
						t.Fatalf("%s after a 503: %v", oc.method, err)
					}
					if got := resp.MethodByName("StatusCode").Call(nil)[0].Int(); got != int64(status) {
						t.Errorf("status %d, want the documented %d", got, status)
					}
					if len(front) != 2 || len(mock) != 2 {
						t.Fatalf("%d requests reached the front, %d the mock; want 2 each (one retry after the 503)", len(front), len(mock))
					}
					for i, want := range []int{http.StatusServiceUnavailable, status} {
						if m := mock[i]; m.Operation != op.ID || m.Status != want || m.Path != oc.path {
							t.Errorf("attempt %d reached the mock as %s %s answered %d; want %s %s answered %d", i+1, m.Operation, m.Path, m.Status, op.ID, oc.path, want)
						}
					}
					if f := st.srv.Faults(); len(f) != 0 {
						t.Errorf("faults left unused: %+v", f)
					}

					// Key and environment, on every attempt.
					for i, r := range front {
						if r.host != st.host {
							t.Errorf("attempt %d went to host %q, want the base URL's %q", i+1, r.host, st.host)
						}
						if want := tagPrefix + oc.path; r.path != want {
							t.Errorf("attempt %d went to %s, want %s (the base URL's path, then the operation's)", i+1, r.path, want)
						}
						if len(r.apiKey) != 1 || r.apiKey[0] != tagKey {
							t.Errorf("attempt %d: api-key header %s, want the client's key, once", i+1, shownKeys(r.apiKey))
						}
					}

					// Idempotency key: one UUID on a write, the same on the retry; none on a read.
					k1, k2 := front[0].idem, front[1].idem
					switch {
					case write && (len(k1) != 1 || len(k2) != 1 || !uuidV4.MatchString(k1[0]) || k1[0] != k2[0]):
						t.Errorf("write: idempotency keys %q then %q, want one UUID sent on both attempts", k1, k2)
					case !write && (len(k1) != 0 || len(k2) != 0):
						t.Errorf("read: idempotency keys %q then %q, want none", k1, k2)
					}

					// Redaction of the decoded answer.
					st.checkRedacted(t, call.o, resp, status)

					// Key: a client with the wrong key gets 401, not retried.
					front0 = st.seenLen()
					_, err = build().do(context.Background(), wrong.API())
					var apiErr *solid.APIError
					switch {
					case !errors.As(err, &apiErr):
						t.Errorf("wrong key: error %v (%T), want an *solid.APIError", err, err)
					case !errors.Is(err, solid.ErrUnauthorized) || apiErr.StatusCode != http.StatusUnauthorized || apiErr.Operation != op.ID:
						t.Errorf("wrong key: %v (status %d, operation %q), want a 401 that is ErrUnauthorized for %s", err, apiErr.StatusCode, apiErr.Operation, op.ID)
					}
					if err != nil && (strings.Contains(err.Error(), tagWrongKey) || strings.Contains(fmt.Sprintf("%+v", err), tagWrongKey)) {
						t.Error("wrong key: the error shows the API key")
					}
					if wf := st.seenFrom(front0); len(wf) != 1 || len(wf[0].apiKey) != 1 || wf[0].apiKey[0] != tagWrongKey {
						t.Errorf("wrong key: %d requests, want 1 (a 401 is not retried) carrying that client's key", len(wf))
					}
				})
			}

			// Redaction in the clients' own logs, for every call of the row.
			logs := st.logs.String()
			if !strings.Contains(logs, `"attempt":2`) {
				t.Errorf("the client logged no second attempt; the log check saw nothing:\n%s", logs)
			}
			for _, s := range append([]string{tagKey, tagWrongKey}, st.secrets...) {
				if strings.Contains(logs, s) {
					t.Errorf("the client's log shows a secret (%.12s...)", s)
				}
			}
		})
	}
}

// taggedOp is an operation of openapi.yaml with where it starts.
type taggedOp struct {
	path, method string
	o            *openapi3.Operation
	line         int
}

type tagRow struct {
	tag         string
	write, read *taggedOp // nil when the tag documents none
}

// specInOrder loads openapi.yaml with the lines each element starts on,
// and returns its operations in document order.
func specInOrder(t *testing.T) (*openapi3.T, []*taggedOp) {
	t.Helper()
	b, err := os.ReadFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	l := openapi3.NewLoader()
	l.IncludeOrigin = true
	doc, err := l.LoadFromData(b)
	if err != nil {
		t.Fatal(err)
	}
	var all []*taggedOp
	for path, item := range doc.Paths.Map() {
		for method, o := range item.Operations() {
			if o.Origin == nil || o.Origin.Key == nil {
				t.Fatalf("%s %s: no origin recorded", method, path)
			}
			all = append(all, &taggedOp{path: path, method: method, o: o, line: o.Origin.Key.Line})
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].line < all[j].line })
	return doc, all
}

// tagRows picks each tag's write and read as TestEveryTagWriteAndRead
// says. Every operation must have one tag of the tags list.
func tagRows(t *testing.T, doc *openapi3.T, all []*taggedOp) []tagRow {
	t.Helper()
	w := &secretWalk{t: t, holds: map[*openapi3.Schema]bool{}, checked: map[string]bool{}}
	holds := func(o *openapi3.Operation) bool {
		return w.holdsSecret(successSchema(o))
	}
	pick := func(tag string, methods ...string) *taggedOp {
		var first *taggedOp
		for _, x := range all {
			if x.o.Tags[0] != tag || !slices.Contains(methods, x.method) {
				continue
			}
			if holds(x.o) {
				return x
			}
			if first == nil {
				first = x
			}
		}
		return first
	}
	known := map[string]bool{}
	var rows []tagRow
	for _, tg := range doc.Tags {
		known[tg.Name] = true
	}
	for _, x := range all {
		if len(x.o.Tags) != 1 || !known[x.o.Tags[0]] {
			t.Fatalf("%s has tags %q, want one of the tags list", x.o.OperationID, x.o.Tags)
		}
	}
	for _, tg := range doc.Tags {
		r := tagRow{tag: tg.Name, write: pick(tg.Name, http.MethodPost, http.MethodPatch), read: pick(tg.Name, http.MethodGet)}
		if r.write == nil && r.read == nil {
			t.Errorf("tag %s has neither a write nor a read", tg.Name)
		}
		rows = append(rows, r)
	}
	if len(rows) == 0 {
		t.Fatal("openapi.yaml lists no tags")
	}
	return rows
}

// successSchema is the JSON schema of o's lowest 2xx answer, or nil.
func successSchema(o *openapi3.Operation) *openapi3.SchemaRef {
	var codes []int
	for code := range o.Responses.Map() {
		if n, err := strconv.Atoi(code); err == nil && n >= 200 && n <= 299 {
			codes = append(codes, n)
		}
	}
	if len(codes) == 0 {
		return nil
	}
	sort.Ints(codes)
	r := o.Responses.Status(codes[0])
	if r == nil || r.Value == nil {
		return nil
	}
	if mt := r.Value.Content.Get("application/json"); mt != nil {
		return mt.Schema
	}
	return nil
}

// seededIDs is the id the mock seeds for each path parameter: the "id" of
// the documented answer of the GET on the parameter's item path
// ("/v2/issuing/card/{card_id}"), which solidtest stores at start.
func seededIDs(t *testing.T, doc *openapi3.T) map[string]string {
	t.Helper()
	ids := map[string]string{}
	for path, item := range doc.Paths.Map() {
		if item.Get == nil || !strings.HasSuffix(path, "}") {
			continue
		}
		param := path[strings.LastIndex(path, "{")+1 : len(path)-1]
		_, answer := successAnswer(t, item.Get)
		var obj struct {
			ID string `json:"id"`
		}
		if json.Unmarshal([]byte(answer), &obj) == nil && obj.ID != "" {
			ids[param] = obj.ID
		}
	}
	return ids
}

// seedPathParams puts the seeded ids into c's path parameters, which
// buildCall puts first, in path order.
func seedPathParams(c opCall, op ops.Operation, ids map[string]string) (opCall, error) {
	c.path = op.Path
	for i, sub := range pathParam.FindAllStringSubmatch(op.Path, -1) {
		id, ok := ids[sub[1]]
		if !ok {
			return c, fmt.Errorf("%s: the mock seeds no %s (no GET on its item path documents one)", op.ID, sub[1])
		}
		c.args[i] = reflect.ValueOf(id).Convert(c.args[i].Type())
		c.path = strings.Replace(c.path, sub[0], url.PathEscape(id), 1)
	}
	return c, nil
}

// frontRequest is what the front server saw of one request.
type frontRequest struct {
	host, path   string
	apiKey, idem []string
}

// tagStack is one row's client side and server side.
type tagStack struct {
	srv    *solidtest.Server
	host   string // the front server's host:port
	base   string // the base URL: the front server under tagPrefix
	hc     *http.Client
	logs   *syncBuffer
	logger *slog.Logger

	mu   sync.Mutex
	seen []frontRequest

	secrets []string // secret values seen in answers, for the log check
}

func newTagStack(t *testing.T) *tagStack {
	st := &tagStack{srv: solidtest.NewServer(solidtest.WithAPIKeys(tagKey)), logs: &syncBuffer{}}
	t.Cleanup(st.srv.Close)
	target, err := url.Parse(st.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	proxyTr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(proxyTr.CloseIdleConnections)
	proxy := &httputil.ReverseProxy{
		Rewrite:   func(pr *httputil.ProxyRequest) { pr.SetURL(target) },
		Transport: solidtest.ContractTransport(t, proxyTr),
	}
	inner := http.StripPrefix(tagPrefix, proxy)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st.mu.Lock()
		st.seen = append(st.seen, frontRequest{
			host: r.Host, path: r.URL.EscapedPath(),
			apiKey: r.Header.Values("Api-Key"), idem: r.Header.Values("Idempotency-Key"),
		})
		st.mu.Unlock()
		inner.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	u, err := url.Parse(front.URL)
	if err != nil {
		t.Fatal(err)
	}
	st.host, st.base = u.Host, front.URL+tagPrefix
	clientTr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(clientTr.CloseIdleConnections)
	st.hc = &http.Client{Transport: clientTr}
	st.logger = slog.New(slog.NewJSONHandler(st.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return st
}

func (st *tagStack) client(t *testing.T, key string) *solid.Client {
	t.Helper()
	c, err := solid.NewClient(key, solid.WithBaseURL(st.base), solid.WithHTTPClient(st.hc),
		solid.WithRetryBackoff(time.Millisecond, 2*time.Millisecond), solid.WithLogger(st.logger))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (st *tagStack) seenLen() int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return len(st.seen)
}

func (st *tagStack) seenFrom(i int) []frontRequest {
	st.mu.Lock()
	defer st.mu.Unlock()
	return append([]frontRequest(nil), st.seen[i:]...)
}

// checkRedacted finds the `format: password` values in the answer as sent
// (walking its JSON with the spec's schema), checks the decoded answer
// holds them, and that the decoded answer and the generated response,
// printed with %+v and logged with slog's JSON handler, show none.
func (st *tagStack) checkRedacted(t *testing.T, o *openapi3.Operation, resp reflect.Value, status int) {
	t.Helper()
	r := resp.Elem()
	var doc any
	if body := r.FieldByName("Body").Bytes(); len(body) > 0 {
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatalf("answer is not JSON: %v", err)
		}
	}
	var secrets []string
	passwordValues(successSchema(o), doc, 0, &secrets)
	st.secrets = append(st.secrets, secrets...)
	f := r.FieldByName("JSON" + strconv.Itoa(status))
	if !f.IsValid() || f.IsNil() {
		if doc != nil {
			t.Errorf("%s.JSON%d not decoded", r.Type(), status)
		}
		return
	}
	decoded := f.Interface()
	if len(secrets) == 0 {
		t.Logf("the answer holds no format: password value; redaction shown on the client's log only")
		return
	}
	if b, err := json.Marshal(decoded); err != nil || !containsAll(string(b), secrets) {
		t.Errorf("the decoded answer lost a secret (JSON %.200s, %v): the check below would prove nothing", b, err)
	}
	var jsonLog bytes.Buffer
	slog.New(slog.NewJSONHandler(&jsonLog, nil)).Info("answer", "decoded", decoded, "response", resp.Interface())
	out := map[string]string{
		"%+v of the decoded answer":     fmt.Sprintf("%+v", decoded),
		"%+v of the generated response": fmt.Sprintf("%+v", resp.Interface()),
		"slog JSON":                     jsonLog.String(),
	}
	for how, s := range out {
		for _, sec := range secrets {
			if strings.Contains(s, sec) {
				t.Errorf("%s shows a format: password value (%.8s...)", how, sec)
			}
		}
	}
	t.Logf("%d format: password value(s) in the answer, none shown", len(secrets))
}

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// passwordValues appends the non-empty string values of v that ref
// declares `format: password`, at any depth.
func passwordValues(ref *openapi3.SchemaRef, v any, depth int, out *[]string) {
	if ref == nil || ref.Value == nil || v == nil || depth > 16 {
		return
	}
	s := ref.Value
	if str, ok := v.(string); ok && s.Format == "password" && str != "" {
		*out = append(*out, str)
	}
	for _, g := range []openapi3.SchemaRefs{s.AllOf, s.OneOf, s.AnyOf} {
		for _, sub := range g {
			passwordValues(sub, v, depth+1, out)
		}
	}
	switch x := v.(type) {
	case map[string]any:
		for name, p := range s.Properties {
			passwordValues(p, x[name], depth+1, out)
		}
		if s.AdditionalProperties.Schema != nil {
			for k, val := range x {
				if _, declared := s.Properties[k]; !declared {
					passwordValues(s.AdditionalProperties.Schema, val, depth+1, out)
				}
			}
		}
	case []any:
		for _, e := range x {
			passwordValues(s.Items, e, depth+1, out)
		}
	}
}

// shownKeys describes api-key header values without showing them.
func shownKeys(vs []string) string {
	var parts []string
	for _, v := range vs {
		switch v {
		case tagKey:
			parts = append(parts, "the client's key")
		case tagWrongKey:
			parts = append(parts, "the wrong-key client's key")
		default:
			parts = append(parts, fmt.Sprintf("a %d-byte value", len(v)))
		}
	}
	return fmt.Sprintf("%d value(s): %s", len(vs), strings.Join(parts, ", "))
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a logger.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
