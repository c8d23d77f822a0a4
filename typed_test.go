package solid_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	solid "github.com/solidsdk/solid-go"
	"github.com/solidsdk/solid-go/gen"
	"github.com/solidsdk/solid-go/internal/ops"
)

// handWrittenOps are the operations whose methods tokens.go writes by
// hand (they return the SDK's redacted token types); the generator skips
// exactly these.
var handWrittenOps = map[string]bool{"createSetPinToken": true, "createShowToken": true}

// isListShape reports whether o is a list as the generator recognises
// one: limit, starting_after and ending_before query parameters, and a
// success schema with a data array and has_more.
func isListShape(o *openapi3.Operation) bool {
	q := map[string]bool{}
	for _, p := range o.Parameters {
		if p.Value != nil && p.Value.In == openapi3.ParameterInQuery {
			q[p.Value.Name] = true
		}
	}
	r := o.Responses.Value("200")
	if !q["limit"] || !q["starting_after"] || !q["ending_before"] || r == nil || r.Value == nil {
		return false
	}
	mt := r.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
		return false
	}
	data := mt.Schema.Value.Properties["data"]
	return data != nil && data.Value != nil && data.Value.Type.Is("array") && mt.Schema.Value.Properties["has_more"] != nil
}

// TestTypedMethodsCoverSpec checks, by reflection, that every operation of
// openapi.yaml has its typed method on *solid.Client and in solid.API,
// with the generated shape (context, path parameters as strings, params
// when the operation has query parameters, the body when it has one,
// opts ...RequestOption; the success type and an error, or only an error
// when the success answer has no body), and every list its iterator; and
// that API holds nothing else. An operation added to openapi.yaml without
// go generate fails it.
func TestTypedMethodsCoverSpec(t *testing.T) {
	doc := loadSpec(t, "openapi.yaml")
	client := reflect.TypeFor[*solid.Client]()
	api := reflect.TypeFor[solid.API]()
	ctxType := reflect.TypeFor[context.Context]()
	optsType := reflect.TypeFor[[]solid.RequestOption]()
	errType := reflect.TypeFor[error]()
	inAPI := map[string]bool{}
	var specIDs []string
	for path, item := range doc.Paths.Map() {
		for method, o := range item.Operations() {
			specIDs = append(specIDs, o.OperationID)
			name := strings.ToUpper(o.OperationID[:1]) + o.OperationID[1:]
			m, ok := client.MethodByName(name)
			if !ok {
				t.Errorf("%s (%s %s): *solid.Client has no method %s: run go generate", o.OperationID, method, path, name)
				continue
			}
			if _, ok := api.MethodByName(name); !ok {
				t.Errorf("%s: solid.API lacks %s", o.OperationID, name)
			}
			inAPI[name] = true
			mt := m.Type // the receiver is In(0)
			if mt.NumIn() < 2 || mt.In(1) != ctxType {
				t.Errorf("%s: first argument is not a context.Context: %v", name, mt)
				continue
			}
			if isListShape(o) {
				it := strings.TrimPrefix(name, "List")
				im, ok := client.MethodByName(it)
				if !ok {
					t.Errorf("%s is a list; *solid.Client has no iterator %s", o.OperationID, it)
				} else if im.Type.NumOut() != 1 || !strings.HasPrefix(im.Type.Out(0).String(), "iter.Seq2[") {
					t.Errorf("%s: %v is not an iterator", it, im.Type)
				}
				if _, ok := api.MethodByName(it); !ok {
					t.Errorf("solid.API lacks the iterator %s", it)
				}
				inAPI[it] = true
			}
			if handWrittenOps[o.OperationID] {
				continue
			}
			in := 2
			for range strings.Count(path, "{") {
				if in >= mt.NumIn() || mt.In(in).Kind() != reflect.String {
					t.Errorf("%s: want a string for each of the %d path parameters: %v", name, strings.Count(path, "{"), mt)
				}
				in++
			}
			query := slices.ContainsFunc(o.Parameters, func(p *openapi3.ParameterRef) bool { return p.Value.In == openapi3.ParameterInQuery })
			if query {
				if in >= mt.NumIn() || mt.In(in).String() != "*gen."+name+"Params" {
					t.Errorf("%s: the operation has query parameters; want *gen.%sParams next: %v", name, name, mt)
				}
				in++
			}
			if o.RequestBody != nil {
				if in >= mt.NumIn() || mt.In(in).Kind() != reflect.Struct {
					t.Errorf("%s: the operation takes a body; want its struct next: %v", name, mt)
				}
				in++
			}
			if !mt.IsVariadic() || mt.NumIn() != in+1 || mt.In(in) != optsType {
				t.Errorf("%s: want opts ...RequestOption last and nothing else: %v", name, mt)
			}
			status := lowestSuccess(o)
			hasBody := false
			if r := o.Responses.Value(status); r != nil && r.Value != nil {
				hasBody = r.Value.Content.Get("application/json") != nil
			}
			switch {
			case hasBody && (mt.NumOut() != 2 || mt.Out(0).Kind() != reflect.Pointer || mt.Out(1) != errType):
				t.Errorf("%s: a %s with a body; want (*gen.T, error): %v", name, status, mt)
			case !hasBody && (mt.NumOut() != 1 || mt.Out(0) != errType):
				t.Errorf("%s: a %s without a body; want only an error: %v", name, status, mt)
			}
		}
	}
	for i := range api.NumMethod() {
		if n := api.Method(i).Name; !inAPI[n] {
			t.Errorf("solid.API has %s, which no operation of openapi.yaml explains: run go generate", n)
		}
	}
	var tableIDs []string
	for _, op := range ops.Operations {
		tableIDs = append(tableIDs, op.ID)
	}
	slices.Sort(specIDs)
	if !slices.Equal(specIDs, tableIDs) {
		t.Errorf("internal/ops lists %d operations, openapi.yaml %d: run go generate", len(tableIDs), len(specIDs))
	}
}

func lowestSuccess(o *openapi3.Operation) string {
	best := ""
	for code := range o.Responses.Map() {
		if len(code) == 3 && code[0] == '2' && (best == "" || code < best) {
			best = code
		}
	}
	return best
}

// countingServer answers every request with status and body, and counts.
func countingServer(t *testing.T, status int, body string) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// TestRequestOptionsRefused: an option the SDK cannot use fails the call
// with ErrInvalidInput before any request, and its error never quotes a
// key or header value.
func TestRequestOptionsRefused(t *testing.T) {
	const secretish = "s3cr3t-value-never-shown"
	tests := []struct {
		name string
		opt  solid.RequestOption
	}{
		{"empty idempotency key", solid.WithCallIdempotencyKey("")},
		{"idempotency key with a newline", solid.WithCallIdempotencyKey(secretish + "\n")},
		{"idempotency key too long", solid.WithCallIdempotencyKey(strings.Repeat("k", 256))},
		{"negative timeout", solid.WithCallTimeout(-time.Second)},
		{"negative retries", solid.WithCallRetries(-1)},
		{"too many retries", solid.WithCallRetries(11)},
		{"nil response", solid.WithResponseInto(nil)},
		{"api-key header", solid.WithHeader("api-key", secretish)},
		{"API-KEY header", solid.WithHeader("API-KEY", secretish)},
		{"idempotency-key header", solid.WithHeader("Idempotency-Key", secretish)},
		{"host header", solid.WithHeader("host", "evil.example")},
		{"user-agent header", solid.WithHeader("User-Agent", "x")},
		{"content-length header", solid.WithHeader("Content-Length", "1")},
		{"header name with a space", solid.WithHeader("X Bad", secretish)},
		{"header value with CRLF", solid.WithHeader("X-Ok", secretish+"\r\nApi-Key: x")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, n := countingServer(t, 200, `{"id":"crd_1"}`)
			c := newTestClient(t, srv.URL)
			_, err := c.UpdateCard(context.Background(), "crd_1", gen.CardUpdate{}, tt.opt)
			if !errors.Is(err, solid.ErrInvalidInput) {
				t.Fatalf("got %v, want ErrInvalidInput", err)
			}
			if n.Load() != 0 {
				t.Errorf("%d requests sent; a refused option sends none", n.Load())
			}
			if strings.Contains(err.Error(), secretish) || !strings.HasPrefix(err.Error(), "solid: updateCard: ") {
				t.Errorf("error %q: want the operation named and the value never quoted", err)
			}
		})
	}
}

// TestRequestOptionsPerCall: the per-call settings replace the client's
// for that call only.
func TestRequestOptionsPerCall(t *testing.T) {
	ctx := context.Background()
	t.Run("retries", func(t *testing.T) {
		srv, n := countingServer(t, 503, `{}`)
		c := newTestClient(t, srv.URL, solid.WithMaxRetries(0))
		var apiErr *solid.APIError
		if _, err := c.GetCard(ctx, "crd_1", solid.WithCallRetries(2)); !errors.As(err, &apiErr) || apiErr.Attempts != 3 || n.Load() != 3 {
			t.Errorf("WithCallRetries(2) over WithMaxRetries(0): %v after %d requests, want 3 attempts", err, n.Load())
		}
		n.Store(0)
		if _, err := c.GetCard(ctx, "crd_1"); !errors.As(err, &apiErr) || apiErr.Attempts != 1 || n.Load() != 1 {
			t.Errorf("the next call without options: %v after %d requests, want the client's 1 attempt", err, n.Load())
		}
	})
	t.Run("no timeout for this call", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(100 * time.Millisecond)
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"id":"crd_1"}`)
		}))
		defer srv.Close()
		c := newTestClient(t, srv.URL, solid.WithTimeout(20*time.Millisecond), solid.WithMaxRetries(0))
		if _, err := c.GetCard(ctx, "crd_1", solid.WithCallTimeout(0)); err != nil {
			t.Errorf("WithCallTimeout(0) over WithTimeout(20ms): %v", err)
		}
		if _, err := c.GetCard(ctx, "crd_1"); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("the next call without options: %v, want the client's timeout", err)
		}
	})
	t.Run("extra header on every attempt", func(t *testing.T) {
		var got []string
		var calls atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got = append(got, r.Header.Get("X-Trace"))
			w.Header().Set("Content-Type", "application/json")
			if calls.Add(1) == 1 {
				w.WriteHeader(503)
			}
			io.WriteString(w, `{"id":"crd_1"}`)
		}))
		defer srv.Close()
		c := newTestClient(t, srv.URL)
		if _, err := c.GetCard(ctx, "crd_1", solid.WithHeader("x-trace", "t-1")); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, []string{"t-1", "t-1"}) {
			t.Errorf("X-Trace on each attempt: %q", got)
		}
	})
}

// TestOptionSecretsNeverShown: a header value and an idempotency key given
// as options reach neither the log nor the error, even when the server
// echoes them back in its error answers.
func TestOptionSecretsNeverShown(t *testing.T) {
	const token, key = "proxy-token-7c1d2e3f4a5b", "idem-key-9f8e7d6c5b4a"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", "req_"+r.Header.Get("X-Proxy-Token"))
		echo := r.Header.Get("X-Proxy-Token") + " " + r.Header.Get("Idempotency-Key")
		if r.Method == http.MethodPatch {
			w.WriteHeader(500)
			fmt.Fprintf(w, `{"request_id":"req_%s","status":500,"error":{"code":"E_%s","message":"bad %s","field_name":"%s"}}`, echo, echo, echo, echo)
			return
		}
		w.WriteHeader(502)
		fmt.Fprintf(w, "<html>upstream said %s</html>", echo)
	}))
	defer srv.Close()
	var logs bytes.Buffer
	c := newTestClient(t, srv.URL, solid.WithLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	ctx := context.Background()
	opts := []solid.RequestOption{solid.WithHeader("X-Proxy-Token", token), solid.WithCallIdempotencyKey(key)}
	_, errEnvelope := c.UpdateCard(ctx, "crd_1", gen.CardUpdate{}, opts...)
	_, errBody := c.GetCard(ctx, "crd_1", opts...)
	for name, err := range map[string]error{"envelope": errEnvelope, "plain body": errBody} {
		var apiErr *solid.APIError
		if !errors.As(err, &apiErr) {
			t.Fatalf("%s: got %v, want an *APIError", name, err)
		}
		shown := fmt.Sprintf("%v %+v %#v", err, *apiErr, *apiErr)
		for _, secret := range []string{token, key} {
			if strings.Contains(shown, secret) {
				t.Errorf("%s: the error shows an option's value: %s", name, shown)
			}
		}
	}
	if logs.Len() == 0 {
		t.Fatal("no log records")
	}
	for _, secret := range []string{token, key} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the log shows an option's value: %s", logs.String())
		}
	}
}

// TestForwardCompatible: an answer with a field openapi.yaml lacks, and an
// enum value it lacks, still decodes (the generated types do not refuse
// unknown fields, and their enums are open string types), and
// WithResponseInto gives the raw body to whoever needs the new field.
func TestForwardCompatible(t *testing.T) {
	doc := loadSpec(t, "openapi.yaml")
	answers := map[string]map[string]any{}
	for _, op := range []string{"getCard", "getTransaction", "getWebhook"} {
		m := map[string]any{}
		if err := json.Unmarshal(documentedExample(t, doc, op), &m); err != nil {
			t.Fatal(err)
		}
		m["status"] = "from_the_future"
		m["x_new_field"] = map[string]any{"nested": []int{1, 2}}
		answers[op] = m
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := map[string]string{"card": "getCard", "transaction": "getTransaction", "webhook": "getWebhook"}
		for part, id := range op {
			if strings.Contains(r.URL.Path, "/"+part+"/") {
				w.Header().Set("Content-Type", "application/json")
				json.NewEncoder(w).Encode(answers[id])
				return
			}
		}
		w.WriteHeader(500)
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL)
	ctx := context.Background()
	check := func(name string, status string, err error, raw solid.Response) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if status != "from_the_future" {
			t.Errorf("%s: status %q, want the unknown value as is", name, status)
		}
		if !bytes.Contains(raw.Body, []byte(`"x_new_field":{"nested":[1,2]}`)) {
			t.Errorf("%s: raw body lacks the new field: %s", name, raw.Body)
		}
	}
	var raw solid.Response
	card, err := c.GetCard(ctx, "crd_1", solid.WithResponseInto(&raw))
	check("getCard", string(deref(card, func(v *gen.Card) *gen.CardStatus { return v.Status })), err, raw)
	tx, err := c.GetTransaction(ctx, "txn_1", solid.WithResponseInto(&raw))
	check("getTransaction", string(deref(tx, func(v *gen.Transaction) *gen.TransactionStatus { return v.Status })), err, raw)
	wh, err := c.GetWebhook(ctx, "wh_1", solid.WithResponseInto(&raw))
	check("getWebhook", string(deref(wh, func(v *gen.Webhook) *gen.WebhookStatus { return v.Status })), err, raw)
}

func deref[T any, F any](v *T, f func(*T) *F) F {
	var zero F
	if v == nil || f(v) == nil {
		return zero
	}
	return *f(v)
}

// documentedExample is the first example of op's 200 answer.
func documentedExample(t testing.TB, doc *openapi3.T, op string) []byte {
	t.Helper()
	for _, item := range doc.Paths.Map() {
		for _, o := range item.Operations() {
			if o.OperationID != op {
				continue
			}
			mt := o.Responses.Value("200").Value.Content.Get("application/json")
			for _, ex := range mt.Examples {
				b, _ := json.Marshal(ex.Value.Value)
				return b
			}
			b, _ := json.Marshal(mt.Example)
			return b
		}
	}
	t.Fatalf("no operation %s", op)
	return nil
}

// TestTypedMalformed: a success answer that is not JSON, or not the
// declared status, or does not decode, is ErrMalformedResponse.
func TestTypedMalformed(t *testing.T) {
	tests := []struct {
		name   string
		status int
		ctype  string
		body   string
	}{
		{"text/plain", 200, "text/plain", "ok"},
		{"no body", 200, "application/json", ""},
		{"not the type", 200, "application/json", `{"id": 42}`},
		{"another 2xx", 202, "application/json", `{"id":"crd_1"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.ctype)
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			c := newTestClient(t, srv.URL)
			if _, err := c.GetCard(context.Background(), "crd_1"); !errors.Is(err, solid.ErrMalformedResponse) {
				t.Errorf("got %v, want ErrMalformedResponse", err)
			}
		})
	}
	t.Run("204 ignores the body", func(t *testing.T) {
		srv, _ := countingServer(t, 204, "")
		c := newTestClient(t, srv.URL)
		if err := c.DeleteWebhook(context.Background(), "wh_1"); err != nil {
			t.Errorf("DeleteWebhook: %v", err)
		}
	})
}

// TestWebhookEventsWalk: event types are plain strings with no id; a page
// without a starting_after cursor continues after its last item, the way
// starting_after is documented ("the id of the last record received").
func TestWebhookEventsWalk(t *testing.T) {
	var cursors []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		after := r.URL.Query().Get("starting_after")
		cursors = append(cursors, after)
		w.Header().Set("Content-Type", "application/json")
		switch after {
		case "":
			io.WriteString(w, `{"total":3,"data":["card.created","card.updated"],"has_more":"true"}`)
		case "card.updated":
			io.WriteString(w, `{"total":3,"data":["transaction.created"],"has_more":false}`)
		default:
			io.WriteString(w, `{"data":[],"has_more":"false"}`)
		}
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL)
	var got []string
	for ev, err := range c.WebhookEvents(context.Background(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(ev))
	}
	if want := []string{"card.created", "card.updated", "transaction.created"}; !slices.Equal(got, want) {
		t.Errorf("events %q, want %q", got, want)
	}
	if want := []string{"", "card.updated"}; !slices.Equal(cursors, want) {
		t.Errorf("cursors sent %q, want %q", cursors, want)
	}
	// A server that repeats the page would loop: the walk ends with an error.
	srv2, _ := countingServer(t, 200, `{"data":["card.created"],"has_more":"true"}`)
	c2 := newTestClient(t, srv2.URL)
	var last error
	n := 0
	for _, err := range c2.WebhookEvents(context.Background(), nil) {
		n++
		last = err
		if n > 10 {
			break
		}
	}
	if !errors.Is(last, solid.ErrMalformedResponse) || n > 3 {
		t.Errorf("a repeating server: %d items, last error %v; want ErrMalformedResponse at once", n, last)
	}
}

// TestRequestOptionsConcurrent: options belong to their call; concurrent
// calls on one client never see each other's key or header.
func TestRequestOptionsConcurrent(t *testing.T) {
	var mismatches atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Label string `json:"label"`
		}
		json.NewDecoder(r.Body).Decode(&body)
		if r.Header.Get("Idempotency-Key") != "key-"+body.Label || r.Header.Get("X-Label") != body.Label {
			mismatches.Add(1)
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id":"crd_1","label":%q}`, body.Label)
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL)
	errs := make(chan error, 16)
	for i := range 16 {
		go func() {
			label := fmt.Sprint(i)
			card, err := c.UpdateCard(context.Background(), "crd_1", gen.CardUpdate{Label: &label},
				solid.WithCallIdempotencyKey("key-"+label), solid.WithHeader("X-Label", label))
			if err == nil && (card.Label == nil || *card.Label != label) {
				err = fmt.Errorf("call %s got the answer %v", label, card.Label)
			}
			errs <- err
		}()
	}
	for range 16 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if n := mismatches.Load(); n != 0 {
		t.Errorf("%d requests carried another call's key or header", n)
	}
}
