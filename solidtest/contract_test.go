package solidtest

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// reportTB records Errorf calls instead of failing the test.
type reportTB struct {
	mu   sync.Mutex
	msgs []string
}

func (r *reportTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
	r.mu.Unlock()
}

// ContractTransport accepts a testing.TB.
var _ = func(t testing.TB) http.RoundTripper { return ContractTransport(t, nil) }

func TestContractTransport(t *testing.T) {
	mock := NewServer()
	defer mock.Close()
	const leakyToken = "card_pin_test_0123456789abcdef0123456789abcdef"
	fake := func(status int, ctype, body string) *httptest.Server {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", ctype)
			w.WriteHeader(status)
			io.WriteString(w, body)
		}))
		t.Cleanup(s.Close)
		return s
	}
	tests := []struct {
		name    string
		base    string
		method  string
		path    string
		key     string
		body    string
		reports []string // substrings, one per expected report
	}{
		{name: "mock 200", base: mock.URL, method: "POST", path: setPinPath, key: DefaultAPIKey},
		{name: "mock 404", base: mock.URL, method: "POST", path: pinPath("crd_nope"), key: DefaultAPIKey},
		{name: "request body is passed on", base: mock.URL, method: "PATCH", path: "/v2/issuing/card/" + DefaultCardID, key: DefaultAPIKey, body: `{"label":"x"}`},
		{name: "a body on an operation that declares none", base: mock.URL, method: "POST", path: setPinPath, key: DefaultAPIKey, body: `{"x":1}`,
			reports: []string{"createSetPinToken declares no request body"}},
		{name: "a trailing slash", base: mock.URL, method: "POST", path: setPinPath + "/", key: DefaultAPIKey,
			reports: []string{"a trailing slash is another path"}},
		{name: "no key", base: mock.URL, method: "POST", path: setPinPath, reports: []string{"request POST " + setPinPath + " violates"}},
		{name: "unknown path", base: mock.URL, method: "GET", path: "/v3/x", key: DefaultAPIKey, reports: []string{"request GET /v3/x violates"}},
		{name: "200 without token", base: fake(200, "application/json", `{"id":"crd_1"}`).URL, method: "POST", path: setPinPath, key: DefaultAPIKey,
			reports: []string{"response 200"}},
		{name: "200 with a token of the wrong type", base: fake(200, "application/json", `{"id":1,"set_pin_token":"`+leakyToken+`"}`).URL, method: "POST", path: setPinPath, key: DefaultAPIKey,
			reports: []string{"response 200"}},
		{name: "401 that is not an envelope", base: fake(401, "application/json", `{"message":"`+DefaultAPIKey+`"}`).URL, method: "POST", path: setPinPath, key: DefaultAPIKey,
			reports: []string{"response 401"}},
		{name: "undeclared JSON status must be an envelope", base: fake(503, "application/json", `{"oops":true}`).URL, method: "POST", path: setPinPath, key: DefaultAPIKey,
			reports: []string{"response 503"}},
		{name: "undeclared HTML status is not checked", base: fake(502, "text/html", `<h1>bad gateway</h1>`).URL, method: "POST", path: setPinPath, key: DefaultAPIKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &reportTB{}
			hc := &http.Client{Transport: ContractTransport(rec, nil)}
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			req, _ := http.NewRequest(tt.method, tt.base+tt.path, body)
			if tt.key != "" {
				req.Header.Set("api-key", tt.key)
			}
			if tt.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			resp, err := hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || len(got) == 0 {
				t.Errorf("body not restored: %q, %v", got, err)
			}
			if len(rec.msgs) != len(tt.reports) {
				t.Fatalf("reports %q, want %d", rec.msgs, len(tt.reports))
			}
			for i, want := range tt.reports {
				if !strings.Contains(rec.msgs[i], want) {
					t.Errorf("report %q, want it to mention %q", rec.msgs[i], want)
				}
			}
			for _, m := range rec.msgs {
				if strings.Contains(m, DefaultAPIKey) || strings.Contains(m, leakyToken) {
					t.Errorf("report reveals a secret: %s", m)
				}
			}
		})
	}
}
