package solidtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/solidsdk/solid-go/internal/spec"
	"github.com/solidsdk/solid-go/internal/specval"
)

// newServerFor serves h on a loopback httptest server.
func newServerFor(h *Handler) *httptest.Server { return httptest.NewServer(h) }

func specText(t *testing.T) string {
	t.Helper()
	if !strings.Contains(spec.YAML, "\npaths:\n") {
		t.Fatal("openapi.yaml has no paths: line")
	}
	return spec.YAML
}

// newRequest is a request to the mock with DefaultAPIKey and, when body
// is not empty, a JSON body.
func newRequest(t *testing.T, base, method, path, body string) *http.Request {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("api-key", DefaultAPIKey)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return req
}

// call sends one request with a JSON body (when not empty) and optional
// headers, checks the answer as send does, and decodes a JSON body.
func call(t *testing.T, base, method, path, body string, header map[string]string) (int, map[string]any) {
	t.Helper()
	req := newRequest(t, base, method, path, body)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Body = io.NopCloser(strings.NewReader(body))
	}
	checkResponse(t, req, resp.StatusCode, resp.Header, b)
	var m map[string]any
	if len(b) > 0 {
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s %s: body %q: %v", method, path, b, err)
		}
	}
	return resp.StatusCode, m
}

const (
	cardPath   = "/v2/issuing/card/" + DefaultCardID
	holderPath = "/v2/issuing/card_holder/" + DefaultCardHolderID
)

// TestEveryOperationAnswered calls every operation of openapi.yaml, each on
// a fresh server, with nothing written per operation: path parameters get
// the ids of the objects the mock seeds from the documented answers (see
// fillPath), a body its first documented request example. Each must answer
// with its documented success status (the lowest 2xx it declares; call
// checks the answer against the spec, and a 204 has no body) and be
// recorded under its operationId. Then, read from the shape of the path:
// an item (a path ending in a parameter) answers with its own id; a PATCH
// of an item with a GET keeps the fields it did not send and shows the
// ones it sent in the answer and in a later GET; a list's items can each
// be read at their item path, as listed.
func TestEveryOperationAnswered(t *testing.T) {
	v, err := specval.Default()
	if err != nil {
		t.Fatal(err)
	}
	doc := v.Doc()
	n := 0
	for _, path := range specKeys(doc.Paths.Map()) {
		item := doc.Paths.Value(path)
		for _, method := range specKeys(item.Operations()) {
			op := item.GetOperation(method)
			n++
			t.Run(op.OperationID, func(t *testing.T) {
				srv := NewServer()
				defer srv.Close()
				target, values := fillPath(doc, path, op)
				body := requestExample(op)
				want := successStatus(t, op)

				var before map[string]any
				hasGet := item.Get != nil && strings.HasSuffix(path, "}")
				if method == http.MethodPatch && hasGet {
					_, before = call(t, srv.URL, http.MethodGet, target, "", nil)
				}
				status, m := call(t, srv.URL, method, target, body, nil)
				if status != want {
					t.Fatalf("%s %s: status %d, want the documented %d: %v", method, target, status, want, m)
				}
				if rs := srv.Requests(); rs[len(rs)-1].Operation != op.OperationID {
					t.Errorf("recorded as %q, want %q", rs[len(rs)-1].Operation, op.OperationID)
				}
				if strings.HasSuffix(path, "}") && m["id"] != nil && m["id"] != values[len(values)-1] {
					t.Errorf("item %s answered with id %v", target, m["id"])
				}
				if before != nil {
					var sent map[string]any
					json.Unmarshal([]byte(body), &sent)
					for k := range before {
						if _, ok := m[k]; !ok {
							t.Errorf("field %s was not sent and is gone after the update: %v", k, m)
						}
					}
					_, after := call(t, srv.URL, http.MethodGet, target, "", nil)
					for where, got := range map[string]map[string]any{"answer": m, "later GET": after} {
						if !containsJSON(got, sent) {
							t.Errorf("the %s does not show the update %s: %v", where, body, got)
						}
					}
				}
				if data, ok := m["data"].([]any); ok {
					checkListed(t, srv.URL, doc, path, data)
				}
			})
		}
	}
	if plans := len(NewHandler().plans); n == 0 || n != plans {
		t.Errorf("called %d operations; the mock plans %d", n, plans)
	}
}

// TestUnknownIDAnswers404 calls every operation that has path parameters
// and declares a 404, its last path parameter an id the mock does not
// know (the others their documented example): each must answer the 404
// envelope (call checks it) naming the resource, whatever it does with a
// known id: reads, updates, actions (activate, replace, provision, idv)
// and deletes alike.
func TestUnknownIDAnswers404(t *testing.T) {
	v, err := specval.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range specKeys(v.Doc().Paths.Map()) {
		item := v.Doc().Paths.Value(path)
		params := specPathParams(path)
		for _, method := range specKeys(item.Operations()) {
			op := item.GetOperation(method)
			if len(params) == 0 || op.Responses.Status(http.StatusNotFound) == nil {
				continue
			}
			t.Run(op.OperationID, func(t *testing.T) {
				srv := NewServer()
				defer srv.Close()
				_, values := fillPath(v.Doc(), path, op)
				unknown := path
				for i, p := range params {
					val := values[i]
					if i == len(params)-1 {
						val = "unknown_" + p
					}
					unknown = strings.Replace(unknown, "{"+p+"}", url.PathEscape(val), 1)
				}
				status, m := call(t, srv.URL, method, unknown, requestExample(op), nil)
				if status != http.StatusNotFound {
					t.Fatalf("%s %s: status %d, want 404: %v", method, unknown, status, m)
				}
				last := params[len(params)-1]
				want := "cannot find " + strings.ReplaceAll(strings.TrimSuffix(last, "_id"), "_", " ") + " by id unknown_" + last
				if e, _ := m["error"].(map[string]any); e["message"] != want || e["code"] != codeNotFound {
					t.Errorf("%s %s: error %v, want %s %q", method, unknown, e, codeNotFound, want)
				}
			})
		}
	}
}

// TestDeleteRemoves deletes, on a fresh server, the seeded object of
// every DELETE on an item path: the delete answers its documented status,
// later a GET of it, a second delete and any operation under its path
// that declares 404 answer the 404 envelope, the list above it no longer
// shows it, and Reset brings it back.
func TestDeleteRemoves(t *testing.T) {
	v, err := specval.Default()
	if err != nil {
		t.Fatal(err)
	}
	doc := v.Doc()
	n := 0
	for _, path := range specKeys(doc.Paths.Map()) {
		item := doc.Paths.Value(path)
		if item.Delete == nil || item.Get == nil || !strings.HasSuffix(path, "}") {
			continue
		}
		n++
		op := item.Delete
		t.Run(op.OperationID, func(t *testing.T) {
			srv := NewServer()
			defer srv.Close()
			target, values := fillPath(doc, path, op)
			id := values[len(values)-1]
			list := path[:strings.LastIndex(path, "/")]
			listed := func() bool {
				if doc.Paths.Value(list) == nil || doc.Paths.Value(list).Get == nil {
					return false
				}
				s, m := call(t, srv.URL, http.MethodGet, list+"?limit=100", "", nil)
				if s != http.StatusOK {
					t.Fatalf("GET %s: %d %v", list, s, m)
				}
				for _, d := range m["data"].([]any) {
					if d.(map[string]any)["id"] == id {
						return true
					}
				}
				return false
			}
			before := listed()
			if lp := doc.Paths.Value(list); lp != nil && lp.Get != nil && !before {
				t.Fatalf("%s does not list the seeded %s", list, id)
			}
			if s, m := call(t, srv.URL, http.MethodDelete, target, "", nil); s != successStatus(t, op) {
				t.Fatalf("DELETE %s: %d %v", target, s, m)
			}
			for _, p := range specKeys(doc.Paths.Map()) {
				if p != path && !strings.HasPrefix(p, path+"/") {
					continue
				}
				for _, m := range specKeys(doc.Paths.Value(p).Operations()) {
					o := doc.Paths.Value(p).GetOperation(m)
					if o.Responses.Status(http.StatusNotFound) == nil {
						continue
					}
					u, _ := fillPath(doc, p, o)
					if s, body := call(t, srv.URL, m, u, requestExample(o), nil); s != http.StatusNotFound {
						t.Errorf("%s %s after the delete: %d %v, want 404", m, u, s, body)
					}
				}
			}
			if before && listed() {
				t.Errorf("%s still lists %s after the delete", list, id)
			}
			srv.Reset()
			if s, m := call(t, srv.URL, http.MethodGet, target, "", nil); s != http.StatusOK || listed() != before {
				t.Errorf("after Reset: GET %d %v, listed %v (before the delete %v)", s, m, listed(), before)
			}
		})
	}
	if n == 0 {
		t.Skip("openapi.yaml has no DELETE on an item path")
	}
}

// TestUpdateKeepsOnlyReadFields: for every PATCH of an item, each
// top-level field its request schema declares and its answer's schema
// does not (a write-only field) is accepted, and neither the answer nor a
// later GET returns it.
func TestUpdateKeepsOnlyReadFields(t *testing.T) {
	v, err := specval.Default()
	if err != nil {
		t.Fatal(err)
	}
	doc := v.Doc()
	n := 0
	for _, path := range specKeys(doc.Paths.Map()) {
		item := doc.Paths.Value(path)
		op := item.Patch
		if op == nil || item.Get == nil || op.RequestBody == nil {
			continue
		}
		res, _ := twoXX(op)
		mt := op.RequestBody.Value.Content.Get("application/json")
		if res.schema == nil || mt == nil || mt.Schema == nil {
			continue
		}
		for _, name := range specKeys(mt.Schema.Value.Properties) {
			if res.schema.Properties[name] != nil {
				continue
			}
			n++
			t.Run(op.OperationID+"/"+name, func(t *testing.T) {
				srv := NewServer()
				defer srv.Close()
				target, _ := fillPath(doc, path, op)
				b, _ := json.Marshal(map[string]any{name: generate(mt.Schema.Value.Properties[name].Value, 0)})
				status, m := call(t, srv.URL, http.MethodPatch, target, string(b), nil)
				if status != successStatus(t, op) {
					t.Fatalf("PATCH %s %s: %d %v", target, b, status, m)
				}
				_, got := call(t, srv.URL, http.MethodGet, target, "", nil)
				for where, obj := range map[string]map[string]any{"answer": m, "later GET": got} {
					if _, ok := obj[name]; ok {
						t.Errorf("the %s returns %s, which its schema does not declare: %v", where, name, obj[name])
					}
				}
			})
		}
	}
	if n == 0 {
		t.Skip("no update in openapi.yaml takes a field its answer lacks")
	}
}

// checkListed reads each listed item at its item path (the list's path and
// the item's id), when the spec has a GET there, and wants it as listed.
func checkListed(t *testing.T, base string, doc *openapi3.T, path string, data []any) {
	t.Helper()
	for itemPath, item := range doc.Paths.Map() {
		rest, ok := strings.CutPrefix(itemPath, path+"/{")
		if !ok || item.Get == nil || strings.Contains(rest, "/") {
			continue
		}
		for _, d := range data {
			obj, _ := d.(map[string]any)
			id, _ := obj["id"].(string)
			if id == "" {
				t.Errorf("listed item without an id: %v", d)
				continue
			}
			status, got := call(t, base, http.MethodGet, path+"/"+url.PathEscape(id), "", nil)
			if status != http.StatusOK || !reflect.DeepEqual(got, obj) {
				t.Errorf("listed %v, but GET %s/%s answers %d %v", obj, path, id, status, got)
			}
		}
	}
}

// containsJSON reports whether got holds every field of want with the same
// value, recursively for objects (a JSON merge: an update's fields).
func containsJSON(got, want map[string]any) bool {
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			return false
		}
		wm, wok := w.(map[string]any)
		gm, gok := g.(map[string]any)
		switch {
		case wok && gok:
			if !containsJSON(gm, wm) {
				return false
			}
		case !reflect.DeepEqual(g, w):
			return false
		}
	}
	return true
}

// fillPath fills each path parameter of path with the id of the object
// the mock seeds for it (the id in the documented 200 example of the GET
// on the item path the parameter ends, as the mock reads it), else the
// parameter's documented example (op's, or its schema's), else a sample
// id.
func fillPath(doc *openapi3.T, path string, op *openapi3.Operation) (string, []string) {
	var values []string
	for _, name := range specPathParams(path) {
		val := seededID(doc, name)
		for _, p := range op.Parameters {
			if val != "" || p.Value == nil || p.Value.In != openapi3.ParameterInPath || p.Value.Name != name {
				continue
			}
			if s, ok := p.Value.Example.(string); ok && s != "" {
				val = s
			} else if p.Value.Schema != nil && p.Value.Schema.Value != nil {
				if s, ok := p.Value.Schema.Value.Example.(string); ok && s != "" {
					val = s
				}
			}
		}
		if val == "" {
			val = "sample_" + name
		}
		values = append(values, val)
		path = strings.Replace(path, "{"+name+"}", url.PathEscape(val), 1)
	}
	return path, values
}

// seededID is the id of the documented 200 example of the GET on an item
// path ending in {param}, or "".
func seededID(doc *openapi3.T, param string) string {
	for _, p := range specKeys(doc.Paths.Map()) {
		item := doc.Paths.Value(p)
		if !strings.HasSuffix(p, "/{"+param+"}") || item.Get == nil {
			continue
		}
		r := item.Get.Responses.Status(http.StatusOK)
		if r == nil || r.Value == nil {
			continue
		}
		mt := r.Value.Content.Get("application/json")
		if mt == nil {
			continue
		}
		ex := mt.Example
		if ex == nil {
			for _, k := range specKeys(mt.Examples) {
				if e := mt.Examples[k]; e != nil && e.Value != nil && e.Value.Value != nil {
					ex = e.Value.Value
					break
				}
			}
		}
		if obj, ok := ex.(map[string]any); ok {
			if id, ok := obj["id"].(string); ok && id != "" {
				return id
			}
		}
	}
	return ""
}

// requestExample is the JSON of op's first documented application/json
// request example (its example, else its examples by name), {} for a
// body without one, "" when op takes no body. A top-level field naming an
// id of a kind the mock seeds (sub_account_id, or cardholder_id, with the
// letters of card_holder_id) gets the seeded id, as fillPath does for
// path parameters: the spec's examples do not agree with each other on
// ids, and a create checks that the resources its body names exist.
func requestExample(op *openapi3.Operation) string {
	if op.RequestBody == nil || op.RequestBody.Value == nil {
		return ""
	}
	mt := op.RequestBody.Value.Content.Get("application/json")
	v := any(nil)
	if mt != nil {
		v = mt.Example
		if v == nil {
			for _, k := range specKeys(mt.Examples) {
				if e := mt.Examples[k]; e != nil && e.Value != nil && e.Value.Value != nil {
					v = e.Value.Value
					break
				}
			}
		}
	}
	if v == nil {
		return "{}"
	}
	if m, ok := v.(map[string]any); ok {
		v = seedIDs(m)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// seedIDs returns a copy of m with its top-level *_id fields that name a
// seeded kind set to the seeded id.
func seedIDs(m map[string]any) map[string]any {
	v, err := specval.Default()
	if err != nil {
		return m
	}
	doc := v.Doc()
	out := make(map[string]any, len(m))
	for f, x := range m {
		out[f] = x
		if _, ok := x.(string); !ok || !strings.HasSuffix(f, "_id") {
			continue
		}
		bare := strings.ReplaceAll(f, "_", "")
		for _, p := range specKeys(doc.Paths.Map()) {
			if !strings.HasSuffix(p, "}") {
				continue
			}
			param := p[strings.LastIndex(p, "{")+1 : len(p)-1]
			if strings.ReplaceAll(param, "_", "") != bare {
				continue
			}
			if id := seededID(doc, param); id != "" {
				out[f] = id
				break
			}
		}
	}
	return out
}

// successStatus is the lowest 2xx status op declares.
func successStatus(t *testing.T, op *openapi3.Operation) int {
	t.Helper()
	best := 0
	for code := range op.Responses.Map() {
		if n, err := strconv.Atoi(code); err == nil && n >= 200 && n <= 299 && (best == 0 || n < best) {
			best = n
		}
	}
	if best == 0 {
		t.Fatalf("%s declares no 2xx answer", op.OperationID)
	}
	return best
}

// specPathParams lists the parameters of a path template, in order.
func specPathParams(path string) []string {
	var names []string
	for _, m := range regexp.MustCompile(`\{([^}]+)\}`).FindAllStringSubmatch(path, -1) {
		names = append(names, m[1])
	}
	return names
}

func specKeys[M ~map[string]V, V any](m M) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// TestUpdateMerges checks the documented partial update: nested objects
// merge, a metadata key sent as "" is removed, and later reads and lists
// show the change until Reset.
func TestUpdateMerges(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	_, m := call(t, srv.URL, "PATCH", cardPath,
		`{"controls":{"atm_enabled":"false","limit":{"max_spend_amount":"50.00"}},"metadata":{"description":"","team":"ops"}}`, nil)
	controls := m["controls"].(map[string]any)
	limit := controls["limit"].(map[string]any)
	if controls["atm_enabled"] != "false" || limit["max_spend_amount"] != "50.00" || limit["period"] != "daily" || controls["allowed"] == nil {
		t.Errorf("controls after update %v", controls)
	}
	if md := m["metadata"].(map[string]any); len(md) != 1 || md["team"] != "ops" {
		t.Errorf("metadata after update %v, want only team", md)
	}
	if ts := m["timestamps"].(map[string]any); ts["updated_at"] == "2024-04-02T21:00:00Z" {
		t.Errorf("updated_at not moved: %v", ts)
	}
	_, got := call(t, srv.URL, "GET", cardPath, "", nil)
	_, list := call(t, srv.URL, "GET", "/v2/issuing/card", "", nil)
	listed := list["data"].([]any)[0].(map[string]any)
	for _, c := range []map[string]any{got, listed} {
		if c["controls"].(map[string]any)["atm_enabled"] != "false" {
			t.Errorf("read after update %v", c["controls"])
		}
	}
	srv.Reset()
	if _, c := call(t, srv.URL, "GET", cardPath, "", nil); c["controls"].(map[string]any)["atm_enabled"] != "true" {
		t.Errorf("Reset kept the update: %v", c["controls"])
	}
}

// TestListPages walks seven cards three at a time, both ways.
func TestListPages(t *testing.T) {
	srv := NewServer(WithCards("c2", "c3", "c4", "c5", "c6", "c7"))
	defer srv.Close()
	ids := func(m map[string]any) string {
		var out []string
		for _, d := range m["data"].([]any) {
			out = append(out, d.(map[string]any)["id"].(string))
		}
		return strings.Join(out, ",")
	}
	d := DefaultCardID
	tests := []struct {
		query, want, hasMore, after, before string
	}{
		{"?limit=3", d + ",c2,c3", "true", "c3", d},
		{"?limit=3&starting_after=c3", "c4,c5,c6", "true", "c6", "c4"},
		{"?limit=3&starting_after=c6", "c7", "false", "c7", "c7"},
		{"?limit=3&ending_before=c7", "c4,c5,c6", "true", "c6", "c4"},
		{"?limit=3&ending_before=c3", d + ",c2", "false", "c2", d},
		{"", d + ",c2,c3,c4,c5,c6,c7", "false", "c7", d},
		{"?starting_after=crd_unknown", "", "false", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			status, m := call(t, srv.URL, "GET", "/v2/issuing/card"+tt.query, "", nil)
			if status != 200 {
				t.Fatalf("status %d: %v", status, m)
			}
			if got := ids(m); got != tt.want || m["has_more"] != tt.hasMore || m["total"] != 7.0 {
				t.Errorf("page %s has_more %v total %v, want %s %s", got, m["has_more"], m["total"], tt.want, tt.hasMore)
			}
			if tt.after != "" && (m["starting_after"] != tt.after || m["ending_before"] != tt.before) {
				t.Errorf("cursors %v %v, want %s %s", m["starting_after"], m["ending_before"], tt.after, tt.before)
			}
		})
	}
	for _, q := range []string{"?limit=0", "?limit=101"} {
		if status, _ := call(t, srv.URL, "GET", "/v2/issuing/card"+q, "", nil); status != 400 {
			t.Errorf("%s: status %d, want 400", q, status)
		}
	}
}

// TestIdempotencyKeys: a repeated key gets the first answer and changes
// nothing again, also when the repeats race; another API key's same key
// is another call; keys expire after 24 hours.
func TestIdempotencyKeys(t *testing.T) {
	h := NewHandler()
	h.AddAPIKey("sk_other")
	srv := newServerFor(h)
	defer srv.Close()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var clock sync.Mutex
	h.now = func() time.Time { clock.Lock(); defer clock.Unlock(); return now }
	key := map[string]string{"Idempotency-Key": "9c91bbca-67a0-11ec-90d6-0242ac120003"}

	_, first := call(t, srv.URL, "POST", setPinPath, "", key)
	_, again := call(t, srv.URL, "POST", setPinPath, "", key)
	if first["set_pin_token"] != again["set_pin_token"] {
		t.Errorf("a repeated key minted a new token: %v then %v", first, again)
	}
	if _, other := call(t, srv.URL, "POST", setPinPath, "", nil); other["set_pin_token"] == first["set_pin_token"] {
		t.Error("a call without a key got the stored answer")
	}
	// The first answer comes back whatever its status.
	nf := map[string]string{"Idempotency-Key": "k-404"}
	if s, _ := call(t, srv.URL, "POST", "/v2/issuing/card/crd_later/show_token", "", nf); s != 404 {
		t.Fatalf("status %d", s)
	}
	h.AddCard("crd_later")
	if s, _ := call(t, srv.URL, "POST", "/v2/issuing/card/crd_later/show_token", "", nf); s != 404 {
		t.Errorf("repeat after the card appeared: %d, want the stored 404", s)
	}
	// Many at once, one key: the update is made once, and every caller
	// gets that one answer (its request id).
	// The latency holds all of them, then lets them go at once.
	h.SetLatency(100 * time.Millisecond)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ids := map[string]int{}
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("PATCH", srv.URL+cardPath, strings.NewReader(`{"label":"raced"}`))
			req.Header.Set("api-key", DefaultAPIKey)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Idempotency-Key", "race")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			mu.Lock()
			ids[resp.Header.Get("X-Request-Id")]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	h.SetLatency(0)
	if len(ids) != 1 {
		t.Errorf("16 PATCHes with one key got %d different answers: %v", len(ids), ids)
	}
	var made int
	for _, r := range h.Requests() {
		if r.Operation == "updateCard" && r.Status == 200 {
			made++
		}
	}
	if made != 16 {
		t.Errorf("%d updateCard requests answered 200, want 16", made)
	}
	// Expiry: after 24 hours the key is new again.
	clock.Lock()
	now = now.Add(24 * time.Hour)
	clock.Unlock()
	if _, later := call(t, srv.URL, "POST", setPinPath, "", key); later["set_pin_token"] == first["set_pin_token"] {
		t.Error("a key older than 24 hours still replayed its answer")
	}
}

// TestConcurrentUpdatesKeepEveryField: PATCHes of different fields at
// once all land.
func TestConcurrentUpdatesKeepEveryField(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			call(t, srv.URL, "PATCH", cardPath, fmt.Sprintf(`{"metadata":{"k%d":"v"}}`, i), nil)
		}()
	}
	wg.Wait()
	_, c := call(t, srv.URL, "GET", cardPath, "", nil)
	if md := c["metadata"].(map[string]any); len(md) != 21 {
		t.Errorf("%d metadata keys, want 21 (the example's and 20 new): %v", len(md), md)
	}
}

// TestNewOperationAnswered adds operations to a copy of the spec: one
// answers with its documented example (its path parameter substituted),
// one with a value made from its schema; both validate.
func TestNewOperationAnswered(t *testing.T) {
	spec := strings.Replace(specText(t), "\npaths:\n", `
paths:
  /v2/issuing/card/{card_id}/summary:
    get:
      operationId: getCardSummary
      parameters:
        - $ref: "#/components/parameters/CardID"
      responses:
        "200":
          description: a summary
          content:
            application/json:
              schema:
                type: object
                required: [id, status]
                properties:
                  id: {type: string}
                  status: {type: string, enum: [active, inactive]}
              example: {id: crd_example, status: active}
  /v2/issuing/card/{card_id}/limits:
    get:
      operationId: getCardLimits
      parameters:
        - $ref: "#/components/parameters/CardID"
      responses:
        "200":
          description: limits, no example
          content:
            application/json:
              schema:
                type: object
                required: [card_id, count]
                properties:
                  card_id: {type: string}
                  count: {type: integer, minimum: 1}
`, 1)
	v, err := specval.New([]byte(spec))
	if err != nil {
		t.Fatal(err)
	}
	h := newHandler(v)
	srv := newServerFor(h)
	defer srv.Close()
	for _, tt := range []struct{ path, want string }{
		{"/v2/issuing/card/crd_x/summary", `{"id":"crd_x","status":"active"}`},
		{"/v2/issuing/card/crd_y/limits", `{"card_id":"crd_y","count":1}`},
	} {
		req, _ := http.NewRequest("GET", srv.URL+tt.path, nil)
		req.Header.Set("api-key", DefaultAPIKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(b) != tt.want {
			t.Errorf("%s: %d %s, want %s", tt.path, resp.StatusCode, b, tt.want)
		}
		rt, err := v.FindRoute(req)
		if err != nil {
			t.Fatal(err)
		}
		if err := v.ValidateResponse(rt, resp.StatusCode, resp.Header, b); err != nil {
			t.Errorf("%s: answer violates the spec: %v", tt.path, err)
		}
	}
}

// TestFaultForOneOperation: a fault with Operation set waits for that
// operation; others pass it by. A 409 gets Solid's flat OCC body.
func TestFaultForOneOperation(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	srv.QueueFault(Fault{Operation: "updateCard", Status: 409})
	if s, _ := call(t, srv.URL, "GET", cardPath, "", nil); s != 200 {
		t.Errorf("getCard took updateCard's fault: %d", s)
	}
	req, _ := http.NewRequest("PATCH", srv.URL+cardPath, strings.NewReader(`{"label":"x"}`))
	req.Header.Set("api-key", DefaultAPIKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	v, _ := specval.Default()
	rt, _ := v.FindRoute(req)
	if resp.StatusCode != 409 || string(b) != `{"code":"EC_QLDB_OCC_ERROR_RETRY","sysMessage":"qldb occ error please retry"}` {
		t.Errorf("updateCard: %d %s", resp.StatusCode, b)
	}
	if err := v.ValidateResponse(rt, resp.StatusCode, resp.Header, b); err != nil {
		t.Errorf("409 violates the spec: %v", err)
	}
	if s, m := call(t, srv.URL, "PATCH", cardPath, `{"label":"x"}`, nil); s != 200 || m["label"] != "x" {
		t.Errorf("after the fault: %d %v", s, m)
	}
}
