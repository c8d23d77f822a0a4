package solidtest

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer safe for the handler's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestLogLinePerRequest(t *testing.T) {
	var logs lockedBuffer
	srv := NewServer(WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	defer srv.Close()
	call(t, srv.URL, "GET", cardPath, "", nil)
	call(t, srv.URL, "GET", "/v2/issuing/card?limit=0", "", nil)
	srv.QueueFault(Fault{Status: 503})
	call(t, srv.URL, "GET", cardPath, "", nil)
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	want := []string{
		`method=GET path=/v2/issuing/card/` + DefaultCardID + ` operation=getCard status=200`,
		`query="limit=0" operation=listCards status=400 reason="query parameter limit: number must be at least 1" request_id=req_`,
		`operation=getCard status=503 reason=fault request_id=req_`,
	}
	if len(lines) != len(want) {
		t.Fatalf("%d log lines, want %d:\n%s", len(lines), len(want), logs.String())
	}
	for i, w := range want {
		if !strings.Contains(lines[i], w) {
			t.Errorf("line %d %q lacks %q", i+1, lines[i], w)
		}
		if strings.Contains(lines[i], DefaultAPIKey) {
			t.Errorf("line %d holds the API key", i+1)
		}
	}
}

func TestPreferHeader(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	tests := []struct {
		path, prefer string
		status       int
		check        func(m map[string]any) bool
	}{
		{cardPath, "code=404", 404, func(m map[string]any) bool {
			return m["error"].(map[string]any)["code"] == "ERROR_CODE_RESOURCE_NOT_FOUND"
		}},
		{cardPath, "code=401", 401, func(m map[string]any) bool { return m["status"] == 401.0 }},
		{cardPath, "example=card_example", 200, func(m map[string]any) bool { return m["label"] == "Travel" }},
		{cardPath, "code=200, example=card_example", 200, func(m map[string]any) bool { return m["id"] == DefaultCardID }},
		// A preference the operation cannot honour is ignored (RFC 7240).
		{cardPath, "code=418", 200, func(m map[string]any) bool { return m["id"] == DefaultCardID }},
		{cardPath, "example=nope", 200, func(m map[string]any) bool { return m["id"] == DefaultCardID }},
		{cardPath, "code=400", 200, func(m map[string]any) bool { return m["id"] == DefaultCardID }},
		{cardPath, "code=429", 429, func(m map[string]any) bool {
			return m["status"] == 429.0 && m["error"].(map[string]any)["code"] == "ERROR_CODE_TOO_MANY_REQUESTS"
		}},
		{"/v2/issuing/card/crd_unknown", "code=200", 200, func(m map[string]any) bool { return m["id"] == DefaultCardID }},
	}
	for _, tt := range tests {
		t.Run(tt.prefer, func(t *testing.T) {
			status, m := call(t, srv.URL, "GET", tt.path, "", map[string]string{"Prefer": tt.prefer})
			if status != tt.status || (tt.check != nil && !tt.check(m)) {
				t.Errorf("Prefer %q: %d %v, want %d", tt.prefer, status, m, tt.status)
			}
		})
	}
}

func TestControlAPI(t *testing.T) {
	srv := NewServer(WithControl())
	defer srv.Close()
	post := func(path, body string) int {
		resp, err := http.Post(srv.URL+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := post("/_solidtest/faults", `{"status":503,"retry_after":"1","operation":"getCard"}`); s != 204 {
		t.Fatalf("faults: %d", s)
	}
	if s, _ := call(t, srv.URL, "GET", cardPath, "", nil); s != 503 {
		t.Errorf("after a fault from outside: %d, want 503", s)
	}
	for _, bad := range []string{`{"status":200}`, `{"status":503,"operation":"nope"}`, `{"statuz":503}`, `not json`} {
		if s := post("/_solidtest/faults", bad); s != 400 {
			t.Errorf("faults %s: %d, want 400", bad, s)
		}
	}
	if s := post("/_solidtest/latency", `{"latency":"150ms"}`); s != 204 {
		t.Fatalf("latency: %d", s)
	}
	if d := time.Duration(srv.Handler.latency.Load()); d != 150*time.Millisecond {
		t.Errorf("latency set from outside: %s, want 150ms", d)
	}
	if s := post("/_solidtest/latency", `{"latency":"soon"}`); s != 400 {
		t.Errorf("bad latency: %d", s)
	}
	call(t, srv.URL, "PATCH", cardPath, `{"label":"x"}`, nil)
	if s := post("/_solidtest/reset", ``); s != 204 {
		t.Fatalf("reset: %d", s)
	}
	if _, m := call(t, srv.URL, "GET", cardPath, "", nil); m["label"] != "Travel" {
		t.Errorf("reset from outside kept the update: %v", m["label"])
	}
	// Without WithControl the paths are just unknown.
	plain := NewServer()
	defer plain.Close()
	resp, err := http.Post(plain.URL+"/_solidtest/reset", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("control path without WithControl: %d", resp.StatusCode)
	}
}

func TestRateLimits(t *testing.T) {
	h := NewHandler(WithRateLimits(2, 1))
	srv := newServerFor(h)
	defer srv.Close()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	h.now = func() time.Time { return now }
	var got []int
	for range 3 {
		s, _ := call(t, srv.URL, "GET", cardPath, "", nil)
		got = append(got, s)
	}
	for range 2 {
		s, _ := call(t, srv.URL, "PATCH", cardPath, `{"label":"x"}`, nil)
		got = append(got, s)
	}
	if want := "[200 200 429 200 429]"; fmt.Sprint(got) != want {
		t.Errorf("statuses %v, want %s", got, want)
	}
	now = now.Add(time.Second)
	if s, _ := call(t, srv.URL, "GET", cardPath, "", nil); s != 200 {
		t.Errorf("next second: %d", s)
	}
}

func TestRequestBodies(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	send := func(method, path, ctype string, body []byte) (int, string) {
		req, _ := http.NewRequest(method, srv.URL+path, bytes.NewReader(body))
		req.Header.Set("api-key", DefaultAPIKey)
		req.Header.Set("Content-Type", ctype)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		return resp.StatusCode, b.String()
	}
	// createSetPinToken declares no body and no 400: the body is ignored.
	if s, b := send("POST", setPinPath, "application/json", []byte(`{"x":1}`)); s != 200 || !strings.Contains(b, "card_pin_test_") {
		t.Errorf("body on createSetPinToken: %d %s", s, b)
	}
	big := append([]byte(`{"label":"`), bytes.Repeat([]byte("x"), maxRequestBody)...)
	big = append(big, `"}`...)
	if s, b := send("PATCH", cardPath, "application/json", big); s != 400 || !strings.Contains(b, `"status":400`) {
		t.Errorf("oversized body: %d %.100s", s, b)
	}
}
