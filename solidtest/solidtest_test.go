package solidtest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/solidsdk/solid-go/internal/specval"
)

var (
	tokenRE = regexp.MustCompile(`^card_pin_test_[0-9a-f]{32}$`)
	reqIDRE = regexp.MustCompile(`^req_[0-9a-f]{32}$`)
)

const setPinPath = "/v2/issuing/card/" + DefaultCardID + "/set_pin_token"

func pinPath(escapedID string) string { return "/v2/issuing/card/" + escapedID + "/set_pin_token" }

type envelope struct {
	RequestID string `json:"request_id"`
	ClientID  string `json:"client_id"`
	Method    string `json:"method"`
	Status    int    `json:"status"`
	Error     struct {
		Code      string `json:"code"`
		Message   string `json:"message"`
		FieldName string `json:"field_name"`
	} `json:"error"`
	CreatedAt string `json:"created_at"`
}

// response is one raw exchange with the mock.
type response struct {
	status int
	header http.Header
	body   []byte
}

// send makes a raw request and checks what every response must satisfy:
// JSON, an X-Request-Id, and a body that openapi.yaml allows (declared
// statuses with ValidateResponse, others against ErrorEnvelope).
func send(t *testing.T, hc *http.Client, base, method, path, key string) response {
	t.Helper()
	req, err := http.NewRequest(method, base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("api-key", key)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	checkResponse(t, req, resp.StatusCode, resp.Header, body)
	return response{resp.StatusCode, resp.Header, body}
}

func checkResponse(t *testing.T, req *http.Request, status int, header http.Header, body []byte) {
	t.Helper()
	v, err := specval.Default()
	if err != nil {
		t.Fatal(err)
	}
	rt, _ := v.FindRoute(req)
	// A success is a 2xx the operation declares (200, a create's 201, a
	// delete's 204); anything else must be the error envelope.
	success := rt != nil && status >= 200 && status <= 299 && rt.Operation.Responses.Status(status) != nil
	if status == http.StatusNoContent {
		if len(body) != 0 || header.Get("Content-Type") != "" {
			t.Errorf("a 204 with a body %q or a Content-Type %q", body, header.Get("Content-Type"))
		}
	} else if ct := header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	id := header.Get("X-Request-Id")
	if !reqIDRE.MatchString(id) {
		t.Errorf("X-Request-Id %q", id)
	}
	if rt != nil && declared(rt, status) {
		if err := v.ValidateResponse(rt, status, header, body); err != nil {
			t.Errorf("response %d violates openapi.yaml: %v", status, err)
		}
	} else if err := validateEnvelope(v, body); err != nil {
		t.Errorf("undeclared response %d: %v", status, err)
	}
	if success {
		return
	}
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatalf("error body %q: %v", body, err)
	}
	if env.RequestID != id || env.Status != status || env.Method != req.Method || env.ClientID != "" {
		t.Errorf("envelope %+v for %d %s (header id %s)", env, status, req.Method, id)
	}
	if ts, err := time.Parse(time.RFC3339, env.CreatedAt); err != nil || ts.Location() != time.UTC {
		t.Errorf("created_at %q: %v", env.CreatedAt, err)
	}
}

func TestServerAnswers(t *testing.T) {
	srv := NewServer(WithCards("crd_extra", "a/b", "crd_ünï"))
	defer srv.Close()
	tests := []struct {
		name    string
		method  string
		path    string
		key     string
		status  int
		code    string
		message string
		cardID  string // the id in a 200 body
		allow   string
	}{
		{name: "seed card", method: "POST", path: setPinPath, key: DefaultAPIKey, status: 200, cardID: DefaultCardID},
		{name: "added card", method: "POST", path: pinPath("crd_extra"), key: DefaultAPIKey, status: 200, cardID: "crd_extra"},
		{name: "escaped slash stays in the id", method: "POST", path: pinPath("a%2Fb"), key: DefaultAPIKey, status: 200, cardID: "a/b"},
		{name: "unicode id", method: "POST", path: pinPath(url.PathEscape("crd_ünï")), key: DefaultAPIKey, status: 200, cardID: "crd_ünï"},
		{name: "no key", method: "POST", path: setPinPath, status: 401, code: "ERROR_CODE_UNAUTHORIZED", message: "unauthorized"},
		{name: "wrong key", method: "POST", path: setPinPath, key: "sk_wrong", status: 401, code: "ERROR_CODE_UNAUTHORIZED", message: "unauthorized"},
		{name: "no key, unknown card", method: "POST", path: pinPath("crd_nope"), status: 401, code: "ERROR_CODE_UNAUTHORIZED"},
		{name: "unknown card", method: "POST", path: pinPath("crd_nope"), key: DefaultAPIKey, status: 404, code: "ERROR_CODE_RESOURCE_NOT_FOUND", message: "cannot find card by id crd_nope"},
		{name: "quote in id", method: "POST", path: pinPath("%22%5C"), key: DefaultAPIKey, status: 404, code: "ERROR_CODE_RESOURCE_NOT_FOUND"},
		{name: "unknown path", method: "POST", path: "/v2/nope", key: DefaultAPIKey, status: 404, code: "ERROR_CODE_RESOURCE_NOT_FOUND"},
		{name: "root", method: "GET", path: "/", status: 404, code: "ERROR_CODE_RESOURCE_NOT_FOUND"},
		{name: "extra segment", method: "POST", path: "/v2/issuing/card/a/b/set_pin_token", key: DefaultAPIKey, status: 404, code: "ERROR_CODE_RESOURCE_NOT_FOUND"},
		// The router gives an empty segment to card_id, which the spec requires.
		{name: "empty card segment", method: "POST", path: "/v2/issuing/card//set_pin_token", key: DefaultAPIKey, status: 404, code: "ERROR_CODE_RESOURCE_NOT_FOUND"},
		// kin-openapi's router tolerates a trailing slash; the mock does not.
		{name: "trailing slash", method: "POST", path: setPinPath + "/", key: DefaultAPIKey, status: 404},
		{name: "GET is not allowed", method: "GET", path: setPinPath, key: DefaultAPIKey, status: 405, code: "ERROR_CODE_METHOD_NOT_ALLOWED", allow: "POST"},
		{name: "DELETE is not allowed", method: "DELETE", path: setPinPath, status: 405, allow: "POST"},
		{name: "odd method", method: "PURGE", path: setPinPath, status: 405, allow: "POST"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := send(t, srv.Client(), srv.URL, tt.method, tt.path, tt.key)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			if tt.allow != "" && r.header.Get("Allow") != tt.allow {
				t.Errorf("Allow %q, want %q", r.header.Get("Allow"), tt.allow)
			}
			if tt.status == 200 {
				var tok struct {
					ID    string `json:"id"`
					Token string `json:"set_pin_token"`
				}
				if err := json.Unmarshal(r.body, &tok); err != nil {
					t.Fatal(err)
				}
				if tok.ID != tt.cardID || !tokenRE.MatchString(tok.Token) {
					t.Errorf("200 body %s", r.body)
				}
				return
			}
			var env envelope
			json.Unmarshal(r.body, &env)
			if (tt.code != "" && env.Error.Code != tt.code) || (tt.message != "" && env.Error.Message != tt.message) {
				t.Errorf("error %+v, want %s %q", env.Error, tt.code, tt.message)
			}
			if strings.Contains(string(r.body), DefaultAPIKey) {
				t.Error("body reveals the API key")
			}
		})
	}
}

func TestTokensAndRequestIDsAreFresh(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	seen := map[string]bool{}
	for range 5 {
		r := send(t, srv.Client(), srv.URL, "POST", setPinPath, DefaultAPIKey)
		for _, v := range []string{string(r.body), r.header.Get("X-Request-Id")} {
			if seen[v] {
				t.Fatalf("repeated %q", v)
			}
			seen[v] = true
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			switch i % 4 {
			case 0:
				srv.QueueFault(Fault{Status: 502})
			case 1:
				srv.AddCard("crd_x")
			case 2:
				srv.Requests()
			}
			req, _ := http.NewRequest("POST", srv.URL+setPinPath, nil)
			req.Header.Set("api-key", DefaultAPIKey)
			if resp, err := srv.Client().Do(req); err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	if n := len(srv.Requests()); n != 8 {
		t.Errorf("recorded %d requests, want 8", n)
	}
}
