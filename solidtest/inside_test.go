package solidtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/solidsdk/solid-go/internal/specval"
)

// raw sends one request as given (api-key DefaultAPIKey unless hdr says
// otherwise, "" for none) and returns the answer unchecked.
func raw(t *testing.T, base, method, path, body string, hdr map[string]string) (int, http.Header, []byte) {
	t.Helper()
	req := newRequest(t, base, method, path, body)
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
			continue
		}
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
	return resp.StatusCode, resp.Header, b
}

func errorOf(t *testing.T, b []byte) (code, msg, field string) {
	t.Helper()
	var env envelope
	if err := json.Unmarshal(b, &env); err != nil {
		t.Fatalf("not an envelope: %q", b)
	}
	return env.Error.Code, env.Error.Message, env.Error.FieldName
}

const showPath = "/v2/issuing/card/" + DefaultCardID + "/show_token"

// TestIdempotencyKeyScope: a key replays only for the same API key,
// method and path, marked; elsewhere it gets a declared 409 that says so.
func TestIdempotencyKeyScope(t *testing.T) {
	tests := []struct {
		name         string
		strict       bool
		first, again [3]string // method, path, body
		otherAPIKey  bool
		status       int
		replayed     bool
		code         string
	}{
		{"same path", false, [3]string{"POST", setPinPath}, [3]string{"POST", setPinPath}, false, 200, true, ""},
		{"show_token after set_pin_token", false, [3]string{"POST", setPinPath}, [3]string{"POST", showPath}, false, 409, false, codeKeyReused},
		{"another card", false, [3]string{"POST", setPinPath}, [3]string{"POST", pinPath("crd_other")}, false, 409, false, codeKeyReused},
		{"card holder PATCH after set_pin_token", false, [3]string{"POST", setPinPath}, [3]string{"PATCH", holderPath, `{"purpose":"x"}`}, false, 409, false, codeKeyReused},
		{"another body, same path", false, [3]string{"PATCH", cardPath, `{"label":"a"}`}, [3]string{"PATCH", cardPath, `{"label":"b"}`}, false, 200, true, ""},
		{"same body, other whitespace", true, [3]string{"PATCH", cardPath, `{"label":"a"}`}, [3]string{"PATCH", cardPath, `{ "label": "a" }`}, false, 200, true, ""},
		{"another body, strict", true, [3]string{"PATCH", cardPath, `{"label":"a"}`}, [3]string{"PATCH", cardPath, `{"label":"b"}`}, false, 409, false, codeKeyReused},
		{"another API key", false, [3]string{"POST", setPinPath}, [3]string{"POST", showPath}, true, 200, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs lockedBuffer
			opts := []Option{WithCards("crd_other"), WithAPIKeys(DefaultAPIKey, "sk_other"), WithLogger(slog.New(slog.NewTextHandler(&logs, nil)))}
			if tt.strict {
				opts = append(opts, WithStrictIdempotency())
			}
			srv := NewServer(opts...)
			defer srv.Close()
			key := map[string]string{"Idempotency-Key": "k-" + tt.name}
			s1, h1, b1 := raw(t, srv.URL, tt.first[0], tt.first[1], tt.first[2], key)
			if s1 != 200 {
				t.Fatalf("first: %d %s", s1, b1)
			}
			if tt.otherAPIKey {
				key["api-key"] = "sk_other"
			}
			s2, h2, b2 := raw(t, srv.URL, tt.again[0], tt.again[1], tt.again[2], key)
			req, _ := http.NewRequest(tt.again[0], srv.URL+tt.again[1], strings.NewReader(tt.again[2]))
			checkResponse(t, req, s2, h2, b2)
			if s2 != tt.status {
				t.Fatalf("again: %d %s, want %d", s2, b2, tt.status)
			}
			if got := h2.Get("Idempotent-Replayed") == "true"; got != tt.replayed {
				t.Errorf("Idempotent-Replayed %q, want replayed=%v", h2.Get("Idempotent-Replayed"), tt.replayed)
			}
			if tt.replayed && (!bytes.Equal(b1, b2) || h1.Get("X-Request-Id") != h2.Get("X-Request-Id")) {
				t.Errorf("replay differs from the first answer:\n%s\n%s", b1, b2)
			}
			if !tt.replayed && s2 == 200 && bytes.Equal(b1, b2) {
				t.Error("the first answer came back")
			}
			if tt.code != "" {
				code, msg, _ := errorOf(t, b2)
				if code != tt.code || !strings.Contains(msg, "idempotency-key already used") {
					t.Errorf("error %s %q", code, msg)
				}
			}
			reqs := srv.Requests()
			if last := reqs[len(reqs)-1]; last.Replayed != tt.replayed {
				t.Errorf("Request.Replayed %v, want %v", last.Replayed, tt.replayed)
			}
			lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
			last := lines[len(lines)-1]
			warn := tt.code != "" || tt.again[2] != tt.first[2] && tt.name != "same body, other whitespace"
			if strings.Contains(last, "level=WARN") != warn {
				t.Errorf("log line %q, want a warning: %v", last, warn)
			}
		})
	}
}

// TestUnknownBodyFields: a field the request body schema does not
// declare, at any depth, gets the documented 400 naming it, and is not
// stored; free-form objects (metadata) take any field.
func TestUnknownBodyFields(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	tests := []struct {
		path, body string
		status     int
		field      string
	}{
		{cardPath, `{"labelz":"x"}`, 400, "labelz"},
		{cardPath, `{"label":"ok","controls":{"limitz":{}}}`, 400, "controls.limitz"},
		{cardPath, `{"controls":{"limit":{"period":"daily","max":"1"}}}`, 400, "controls.limit.max"},
		{holderPath, `{"person":{"first_namez":"x"}}`, 400, "person.first_namez"},
		{holderPath, `{"person":{"address":{"line9":"x"}}}`, 400, "person.address.line9"},
		{cardPath, `{"metadata":{"anything":"x"}}`, 200, ""},
		{cardPath, `{"controls":{"allowed":{"merchants":["m1"]}}}`, 200, ""},
		{holderPath, `{"person":{"first_name":"Johnson"}}`, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			s, b := call(t, srv.URL, "PATCH", tt.path, tt.body, nil)
			if s != tt.status {
				t.Fatalf("%d %v, want %d", s, b, tt.status)
			}
			if tt.status != 400 {
				return
			}
			e := b["error"].(map[string]any)
			if e["code"] != codeInvalidField || e["field_name"] != tt.field {
				t.Errorf("error %v, want %s %s", e, codeInvalidField, tt.field)
			}
			_, got := call(t, srv.URL, "GET", tt.path, "", nil)
			if strings.Contains(fmt.Sprint(got), "z:") || strings.Contains(fmt.Sprint(got), "line9") {
				t.Errorf("refused field stored: %v", got)
			}
		})
	}
}

// TestValidationMessages: one line, bounded, an enum's values listed.
func TestValidationMessages(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	tests := []struct {
		method, path, body string
		field              string
		want               []string
	}{
		{"PATCH", cardPath, `{"status":"nope"}`, "status", []string{`"nope"`, "open, closed, blocked"}},
		{"PATCH", holderPath, `{"status":"nope"}`, "status", []string{"pending_activation, activated, suspended, deactivated"}},
		{"PATCH", holderPath, `{"person":{"id_type":"x"}}`, "person.id_type", []string{"ssn, passport, other"}},
		{"GET", "/v2/issuing/card?limit=500", "", "limit", []string{"limit", "at most 100"}},
		{"GET", "/v2/issuing/card_holder?limit=0", "", "limit", []string{"limit", "at least 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.path+tt.body, func(t *testing.T) {
			s, b := call(t, srv.URL, tt.method, tt.path, tt.body, nil)
			if s != 400 {
				t.Fatalf("%d %v", s, b)
			}
			e := b["error"].(map[string]any)
			msg := e["message"].(string)
			if e["field_name"] != tt.field || e["code"] != codeInvalidField {
				t.Errorf("error %v, want field %s", e, tt.field)
			}
			if strings.ContainsAny(msg, "\n\r") || len(msg) > maxMessage+3 {
				t.Errorf("message not one bounded line: %q", msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q lacks %q", msg, w)
				}
			}
		})
	}
	if got := list(strings.Fields(strings.Repeat("value_of_an_enum ", 100))); len(got) > maxMessage || !strings.HasSuffix(got, "more)") {
		t.Errorf("a long enum: %q", got)
	}
}

// TestNotFoundNamesResource: the 404 message names what was asked for.
func TestNotFoundNamesResource(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	tests := []struct{ method, path, body, want string }{
		{"GET", "/v2/issuing/card/crd_nope", "", "cannot find card by id crd_nope"},
		{"PATCH", "/v2/issuing/card/crd_nope", `{"label":"x"}`, "cannot find card by id crd_nope"},
		{"POST", pinPath("crd_nope"), "", "cannot find card by id crd_nope"},
		{"POST", "/v2/issuing/card/crd_nope/show_token", "", "cannot find card by id crd_nope"},
		{"GET", "/v2/issuing/card_holder/cah_nope", "", "cannot find card holder by id cah_nope"},
		{"PATCH", "/v2/issuing/card_holder/cah_nope", `{"purpose":"x"}`, "cannot find card holder by id cah_nope"},
	}
	for _, tt := range tests {
		s, b := call(t, srv.URL, tt.method, tt.path, tt.body, nil)
		if msg := b["error"].(map[string]any)["message"]; s != 404 || msg != tt.want {
			t.Errorf("%s %s: %d %q, want 404 %q", tt.method, tt.path, s, msg, tt.want)
		}
	}
}

// TestFaultsStayDeclared: a 4xx fault only hits operations that declare
// it; an impossible one is refused when queued.
func TestFaultsStayDeclared(t *testing.T) {
	tests := []struct {
		fault  Fault
		panics bool
		// statuses of getCard then updateCard after queueing it
		get, patch int
	}{
		{Fault{Status: 409}, false, 200, 409},
		{Fault{Status: 404}, false, 404, 200},
		{Fault{Status: 400}, false, 200, 400},
		{Fault{Status: 503}, false, 503, 200},
		{Fault{Status: 409, Operation: "getCard"}, true, 0, 0},
		{Fault{Status: 418}, true, 0, 0},
		{Fault{Status: 503, Operation: "nope"}, true, 0, 0},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%+v", tt.fault), func(t *testing.T) {
			srv := NewServer(WithControl())
			defer srv.Close()
			b, _ := json.Marshal(tt.fault)
			resp, err := http.Post(srv.URL+"/_solidtest/faults", "application/json", bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if (resp.StatusCode == 400) != tt.panics {
				t.Errorf("control API: %d for %s", resp.StatusCode, b)
			}
			srv.Reset()
			func() {
				defer func() {
					if p := recover(); (p != nil) != tt.panics {
						t.Errorf("QueueFault panic: %v, want one: %v", p, tt.panics)
					}
				}()
				srv.QueueFault(tt.fault)
			}()
			if tt.panics {
				return
			}
			if s, _, _ := raw(t, srv.URL, "GET", cardPath, "", nil); s != tt.get {
				t.Errorf("getCard: %d, want %d", s, tt.get)
			}
			if s, _, _ := raw(t, srv.URL, "PATCH", cardPath, `{"label":"x"}`, nil); s != tt.patch {
				t.Errorf("updateCard: %d, want %d", s, tt.patch)
			}
		})
	}
}

// TestEveryStatusDeclared walks every operation of openapi.yaml through
// every kind of request the mock answers differently, and checks that
// each answer's status is one the operation declares, its body valid
// (IncludeResponseStatus is on). 5xx faults are the one exception the
// package documents.
func TestEveryStatusDeclared(t *testing.T) {
	v, err := specval.Default()
	if err != nil {
		t.Fatal(err)
	}
	type req struct {
		kind, method, path, body string
		hdr                      map[string]string
		faultStatus              int
	}
	// The checker itself: an undeclared status must fail validation
	// (IncludeResponseStatus), else this test proves nothing.
	probe, _ := http.NewRequest("GET", "http://x"+cardPath, nil)
	if rt, err := v.FindRoute(probe); err != nil || v.ValidateResponse(rt, http.StatusTeapot, http.Header{"Content-Type": {"application/json"}}, []byte(`{}`)) == nil {
		t.Fatalf("specval accepts an undeclared status (route error %v)", err)
	}
	var closing sync.WaitGroup
	defer closing.Wait()
	var ops []string
	byOp := map[string]*openapi3.Operation{}
	paths := map[string][2]string{}
	for path, item := range v.Doc().Paths.Map() {
		for method, op := range item.Operations() {
			ops = append(ops, op.OperationID)
			byOp[op.OperationID] = op
			paths[op.OperationID] = [2]string{method, path}
		}
	}
	sort.Strings(ops)
	fill := func(path string, id func(string) string) string {
		for _, p := range pathParams(path) {
			path = strings.ReplaceAll(path, "{"+p+"}", id(p))
		}
		return path
	}
	for _, opID := range ops {
		op, method, tmpl := byOp[opID], paths[opID][0], paths[opID][1]
		path, _ := fillPath(v.Doc(), tmpl, op) // the ids the mock seeds
		body := requestExample(op)
		reqs := []req{
			{kind: "valid", method: method, path: path, body: body},
			{kind: "no key", method: method, path: path, body: body, hdr: map[string]string{"api-key": ""}},
			{kind: "wrong key", method: method, path: path, body: body, hdr: map[string]string{"api-key": "sk_wrong"}},
			{kind: "body where none", method: method, path: path, body: `{"x":1}`},
			{kind: "oversized body", method: method, path: path, body: `{"x":"` + strings.Repeat("x", maxRequestBody) + `"}`},
		}
		if len(pathParams(tmpl)) > 0 {
			reqs = append(reqs,
				req{kind: "unknown resource", method: method, path: fill(tmpl, func(string) string { return "zz_unknown" }), body: body},
				req{kind: "empty id", method: method, path: fill(tmpl, func(string) string { return "" }), body: body})
		}
		if op.RequestBody != nil {
			for _, b := range []string{`not json`, `[1]`, `{"zz_unknown":1}`, `{"status":"nope"}`, `{"label":` + strings.Repeat(" ", maxRequestBody) + `"x"}`} {
				reqs = append(reqs, req{kind: "bad body " + b[:min(len(b), 20)], method: method, path: path, body: b})
			}
		}
		for _, p := range op.Parameters {
			if p.Value.In != "query" {
				continue
			}
			for _, q := range []string{"0", "-1", "101", "500", "abc", ""} {
				reqs = append(reqs, req{kind: "query " + p.Value.Name + "=" + q, method: method, path: path + "?" + p.Value.Name + "=" + q, body: body})
			}
		}
		for _, pref := range []string{"code=200", "code=201", "code=400", "code=401", "code=404", "code=409", "code=418", "code=429", "code=500", "example=nope", "code=404, example=nope"} {
			reqs = append(reqs, req{kind: "Prefer " + pref, method: method, path: path, body: body, hdr: map[string]string{"Prefer": pref}})
		}
		for _, s := range []int{400, 401, 404, 409, 429, 500, 503} {
			reqs = append(reqs, req{kind: "fault " + strconv.Itoa(s), method: method, path: path, body: body, faultStatus: s})
		}
		if method == "POST" || method == "PATCH" {
			reqs = append(reqs,
				req{kind: "key used elsewhere", method: method, path: path, body: body, hdr: map[string]string{"Idempotency-Key": "used-on-show"}},
				req{kind: "key reused, another body", method: method, path: path, body: `{}`, hdr: map[string]string{"Idempotency-Key": "k-" + opID}})
		}
		reqs = append(reqs, req{kind: "over the rate limit", method: method, path: path, body: body})
		// Rows whose status is known besides being declared.
		want := map[string]int{"valid": successStatus(t, op), "over the rate limit": http.StatusTooManyRequests, "key used elsewhere": http.StatusConflict}
		for _, strict := range []bool{false, true} {
			opts := []Option{WithRateLimits(1, 1)}
			if strict {
				opts = append(opts, WithStrictIdempotency())
			}
			// The rate limiter's clock stands still: a row's requests
			// share its second, whatever the machine's pace.
			srv := newServer(opts)
			srv.now = func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }
			srv.start(false)
			newSecond := func() {
				srv.limiter.mu.Lock()
				srv.limiter.second = 0
				srv.limiter.mu.Unlock()
			}
			for _, rq := range reqs {
				newSecond()
				switch rq.kind {
				case "key used elsewhere":
					raw(t, srv.URL, "POST", pinPath("crd_zz"), "", map[string]string{"Idempotency-Key": "used-on-show"})
				case "key reused, another body":
					raw(t, srv.URL, method, path, body, map[string]string{"Idempotency-Key": "k-" + opID})
				case "over the rate limit":
					raw(t, srv.URL, rq.method, rq.path, rq.body, nil)
				}
				if rq.kind != "over the rate limit" {
					newSecond() // only the last row is over the limit
				}
				if rq.faultStatus != 0 {
					srv.Reset()
					if srv.faultProblem(Fault{Status: rq.faultStatus}) != "" {
						continue
					}
					srv.QueueFault(Fault{Status: rq.faultStatus})
				}
				s, hdr, b := raw(t, srv.URL, rq.method, rq.path, rq.body, rq.hdr)
				if rq.faultStatus != 0 {
					srv.Reset()
				}
				r, _ := http.NewRequest(rq.method, srv.URL+rq.path, nil)
				rt, err := v.FindRoute(r)
				if err != nil || rt.Operation.OperationID != opID {
					continue // the path matched no operation (an empty id, say)
				}
				if s >= 500 && rq.faultStatus == s {
					continue // a 5xx fault: documented as outside any operation
				}
				if w, ok := want[rq.kind]; ok && s != w {
					t.Errorf("%s %s (strict=%v): status %d, want %d: %.200s", opID, rq.kind, strict, s, w, b)
				}
				if op.Responses.Status(s) == nil {
					t.Errorf("%s %s (strict=%v): status %d, not declared by %s: %.200s", opID, rq.kind, strict, s, opID, b)
					continue
				}
				if err := v.ValidateResponse(rt, s, hdr, b); err != nil {
					t.Errorf("%s %s: answer %d violates openapi.yaml: %v", opID, rq.kind, s, err)
				}
			}
			// Close waits out net/http's half-second linger on each
			// connection closed with a body unread (the oversized rows):
			// the servers close together, at the end.
			closing.Go(srv.Close)
		}
	}
}

// TestControlAPIAccess: loopback only unless opened; JSON bodies only;
// a read side without secrets; every call logged.
func TestControlAPIAccess(t *testing.T) {
	tests := []struct {
		name, remote, method, path, ctype, body string
		opts                                    []Option
		status                                  int
		host                                    string // 127.0.0.1:4010 when empty
	}{
		{"loopback by name", "127.0.0.1:5000", "POST", "/_solidtest/reset", "application/json", "", nil, 204, "localhost:4010"},
		{"loopback by v6 address", "[::1]:5000", "GET", "/_solidtest/faults", "", "", nil, 200, "[::1]:4010"},
		{"DNS rebinding", "127.0.0.1:5000", "POST", "/_solidtest/reset", "application/json", "", nil, 403, "evil.example:4010"},
		{"DNS rebinding, read", "127.0.0.1:5000", "GET", "/_solidtest/requests", "", "", nil, 403, "evil.example"},
		{"loopback", "127.0.0.1:5000", "POST", "/_solidtest/reset", "application/json", "", nil, 204, ""},
		{"loopback v6", "[::1]:5000", "POST", "/_solidtest/reset", "application/json", "{}", nil, 204, ""},
		{"another host", "192.0.2.7:5000", "POST", "/_solidtest/reset", "application/json", "", nil, 403, ""},
		{"another host, read", "192.0.2.7:5000", "GET", "/_solidtest/requests", "", "", nil, 403, ""},
		{"another host, opened", "192.0.2.7:5000", "POST", "/_solidtest/reset", "application/json", "", []Option{WithControlFrom(netip.MustParsePrefix("0.0.0.0/0"))}, 204, ""},
		{"another network, opened", "198.51.100.1:5000", "POST", "/_solidtest/reset", "application/json", "", []Option{WithControlFrom(netip.MustParsePrefix("192.0.2.0/24"))}, 403, ""},
		{"text/plain", "127.0.0.1:5000", "POST", "/_solidtest/faults", "text/plain", `{"status":503}`, nil, 415, ""},
		{"form", "127.0.0.1:5000", "POST", "/_solidtest/faults", "application/x-www-form-urlencoded", `{"status":503}`, nil, 415, ""},
		{"multipart", "127.0.0.1:5000", "POST", "/_solidtest/faults", "multipart/form-data; boundary=x", `{"status":503}`, nil, 415, ""},
		{"no type", "127.0.0.1:5000", "POST", "/_solidtest/reset", "", "", nil, 415, ""},
		{"json with charset", "127.0.0.1:5000", "POST", "/_solidtest/faults", "application/json; charset=utf-8", `{"status":503}`, nil, 204, ""},
		{"requests", "127.0.0.1:5000", "GET", "/_solidtest/requests", "", "", nil, 200, ""},
		{"faults", "127.0.0.1:5000", "GET", "/_solidtest/faults", "", "", nil, 200, ""},
		{"unknown", "127.0.0.1:5000", "GET", "/_solidtest/nope", "", "", nil, 404, ""},
		{"DELETE", "127.0.0.1:5000", "DELETE", "/_solidtest/faults", "", "", nil, 405, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs lockedBuffer
			h := NewHandler(append([]Option{WithControl(), WithLogger(slog.New(slog.NewTextHandler(&logs, nil)))}, tt.opts...)...)
			h.QueueFault(Fault{Status: 409, Operation: "updateCard", RetryAfter: "1"})
			tok := "card_pin_test_0123456789abcdef0123456789abcdef"
			seed := httptest.NewRequest("GET", "/v2/issuing/card?starting_after="+tok, nil)
			seed.Header.Set("api-key", DefaultAPIKey)
			h.ServeHTTP(httptest.NewRecorder(), seed)
			seed = httptest.NewRequest("GET", "/v2/issuing/card/"+tok, nil)
			seed.Header.Set("api-key", DefaultAPIKey)
			h.ServeHTTP(httptest.NewRecorder(), seed)

			r := httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body))
			r.RemoteAddr, r.Host = tt.remote, tt.host
			if r.Host == "" {
				r.Host = "127.0.0.1:4010"
			}
			if tt.ctype != "" {
				r.Header.Set("Content-Type", tt.ctype)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.status {
				t.Fatalf("%d %s, want %d", w.Code, w.Body, tt.status)
			}
			if !strings.Contains(logs.String(), `msg="solidtest control" method=`+tt.method+` path=`+tt.path+` status=`+strconv.Itoa(tt.status)) {
				t.Errorf("control call not logged:\n%s", logs.String())
			}
			out := w.Body.String()
			if strings.Contains(out, DefaultAPIKey) || strings.Contains(out, tok) || strings.Contains(logs.String(), tok) {
				t.Errorf("a secret in the answer or the log:\n%s\n%s", out, logs.String())
			}
			switch tt.name {
			case "requests":
				var got []Request
				if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || len(got) != 2 || got[0].Operation != "listCards" || !got[0].HasAPIKey || got[1].Path != "/v2/issuing/card/[REDACTED]" {
					t.Errorf("requests %s: %v", out, err)
				}
			case "faults":
				if want := `[{"operation":"updateCard","status":409,"retry_after":"1","count":1}]`; out != want {
					t.Errorf("faults %s, want %s", out, want)
				}
			}
		})
	}
}

// TestLogLineFields: each line has the request id and duration, a 401
// says whether the key was missing or wrong (never the key), and
// token-shaped values in paths and queries are scrubbed.
func TestLogLineFields(t *testing.T) {
	tok := "card_pin_test_0123456789abcdef0123456789abcdef"
	tests := []struct {
		name, method, path string
		hdr                map[string]string
		want, not          []string
	}{
		{"ok", "GET", cardPath, nil, []string{"status=200 request_id=req_", "duration="}, nil},
		{"no key", "GET", cardPath, map[string]string{"api-key": ""}, []string{`status=401 reason=unauthorized auth="no api-key header" request_id=req_`}, nil},
		{"wrong key", "GET", cardPath, map[string]string{"api-key": "sk_wrong_secret"}, []string{`status=401 reason=unauthorized auth="api-key not one the mock accepts"`}, []string{"sk_wrong_secret"}},
		{"token in query", "GET", "/v2/issuing/card?starting_after=" + tok, nil, []string{`query="starting_after=[REDACTED]"`}, []string{tok}},
		{"token in path", "GET", "/v2/issuing/card/" + tok, nil, []string{`path=/v2/issuing/card/[REDACTED]`, `reason="cannot find card by id [REDACTED]"`}, []string{tok}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs lockedBuffer
			srv := NewServer(WithLogger(slog.New(slog.NewTextHandler(&logs, nil))), WithAPIKeys(DefaultAPIKey))
			defer srv.Close()
			s, _, b := raw(t, srv.URL, tt.method, tt.path, "", tt.hdr)
			line := logs.String()
			for _, w := range tt.want {
				if !strings.Contains(line, w) {
					t.Errorf("log %q lacks %q (answer %d %s)", line, w, s, b)
				}
			}
			for _, n := range append(tt.not, DefaultAPIKey) {
				if strings.Contains(line, n) {
					t.Errorf("log %q holds %q", line, n)
				}
			}
		})
	}
}
