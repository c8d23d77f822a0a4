package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	solid "github.com/solidsdk/solid-go"
	"github.com/solidsdk/solid-go/internal/specval"
	"github.com/solidsdk/solid-go/solidtest"
)

var tokenLine = regexp.MustCompile(`(?m)^\{"id":"crd_7948d9a96706dd05360a340002de725f","set_pin_token":"card_pin_test_[0-9a-f]{32}"\}$`)

func TestRun(t *testing.T) {
	srv := solidtest.NewServer(solidtest.WithCards("crd_upd"))
	defer srv.Close()
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(500)
		io.WriteString(w, "<html>oops "+r.Header.Get("api-key")+"</html>")
	}))
	defer broken.Close()
	faulty := solidtest.NewServer()
	defer faulty.Close()

	keyEnv := map[string]string{"SOLID_API_KEY": solidtest.DefaultAPIKey}
	tests := []struct {
		name       string
		args       []string
		env        map[string]string
		before     func()
		code       int
		stdout     string // regexp
		stderr     string // regexp
		noSecretIn bool   // stderr must not hold the key
	}{
		{name: "no command", args: nil, code: 2, stderr: "Usage:"},
		{name: "unknown command", args: []string{"pin"}, code: 2, stderr: `unknown command "pin"`},
		{name: "help", args: []string{"--help"}, code: 0, stdout: "set-pin-token"},
		{name: "--version is solid.Version", args: []string{"--version"}, code: 0, stdout: `^solid ` + regexp.QuoteMeta(solid.Version) + `( \(|\n)`},
		{name: "version", args: []string{"version"}, code: 0, stdout: `^solid ` + regexp.QuoteMeta(solid.Version)},

		{name: "set-pin-token --help", args: []string{"set-pin-token", "--help"}, code: 0, stdout: "SOLID_API_KEY"},
		{name: "set-pin-token without a card", args: []string{"set-pin-token"}, env: keyEnv, code: 2, stderr: `want 1 arguments \(CARD_ID\), got 0`},
		{name: "set-pin-token with two cards", args: []string{"set-pin-token", "a", "b"}, env: keyEnv, code: 2, stderr: `want 1 arguments \(CARD_ID\), got 2`},
		{name: "set-pin-token unknown flag", args: []string{"set-pin-token", "--api-key", "x", "crd_1"}, env: keyEnv, code: 2, stderr: "flag provided but not defined: -api-key"},
		{name: "set-pin-token without SOLID_API_KEY", args: []string{"set-pin-token", "--base-url", srv.URL, solidtest.DefaultCardID}, code: 2, stderr: "SOLID_API_KEY is not set"},
		{name: "set-pin-token unknown env", args: []string{"set-pin-token", "--env", "staging", "crd_1"}, env: keyEnv, code: 2, stderr: "unknown environment", noSecretIn: true},
		{name: "set-pin-token plain http elsewhere", args: []string{"set-pin-token", "--base-url", "http://example.com", "crd_1"}, env: keyEnv, code: 2, stderr: "loopback"},
		{name: "set-pin-token refused card ID", args: []string{"set-pin-token", "--base-url", srv.URL, ".."}, env: keyEnv, code: 2,
			stderr: `^solid create-set-pin-token: CARD_ID "\.\." is not an id\n`},
		{name: "set-pin-token ok", args: []string{"set-pin-token", "--base-url", srv.URL, solidtest.DefaultCardID}, env: keyEnv, code: 0, stdout: tokenLine.String()},
		{name: "set-pin-token base URL from SOLID_BASE_URL", args: []string{"set-pin-token", solidtest.DefaultCardID},
			env: map[string]string{"SOLID_API_KEY": solidtest.DefaultAPIKey, "SOLID_BASE_URL": srv.URL}, code: 0, stdout: tokenLine.String()},
		{name: "set-pin-token wrong key", args: []string{"set-pin-token", "--base-url", srv.URL, solidtest.DefaultCardID},
			env: map[string]string{"SOLID_API_KEY": "sk_test_wrong_key_0123"}, code: 1,
			stderr: `status 401\n  code: +ERROR_CODE_UNAUTHORIZED\n  message: +unauthorized\n  request id: req_[0-9a-f]{32}`, noSecretIn: true},
		{name: "set-pin-token unknown card", args: []string{"set-pin-token", "--base-url", srv.URL, "crd_nope"}, env: keyEnv, code: 1,
			stderr: `status 404\n  code: +ERROR_CODE_RESOURCE_NOT_FOUND\n  message: +cannot find card by id crd_[0-9a-z_]+\n  request id: req_[0-9a-f]{32}`, noSecretIn: true},
		{name: "set-pin-token 503 until retries run out", args: []string{"set-pin-token", "--base-url", faulty.URL, solidtest.DefaultCardID}, env: keyEnv,
			before: func() { faulty.QueueFault(solidtest.Fault{Status: 503, RetryAfter: "0", Count: 3}) },
			code:   1, stderr: `status 503[\s\S]*attempts: +3`, noSecretIn: true},

		{name: "mock --help", args: []string{"mock", "--help"}, code: 0, stdout: "--addr"},
		{name: "mock with an argument", args: []string{"mock", "extra"}, code: 2, stderr: "unexpected arguments"},
		{name: "mock with an empty key", args: []string{"mock", "--api-key", ""}, code: 2, stderr: "empty key"},
		{name: "mock on a bad address", args: []string{"mock", "--addr", "127.0.0.1:notaport"}, code: 1, stderr: "solid mock: "},
		{name: "mock --addr with a port only", args: []string{"mock", "--addr", "4010"}, code: 2, stderr: `--addr "4010" is not host:port; for port 4010 on this machine write 127.0.0.1:4010`},
		{name: "mock --latency negative", args: []string{"mock", "--latency", "-1s"}, code: 2, stderr: `--latency -1s is negative`},

		{name: "demo tells the cards story, secrets redacted", args: []string{"demo"}, code: 0,
			stdout: `(?s)1\. Create a card holder.*set_pin_token: \[REDACTED\].*signing secret: \[REDACTED\].*<- card\.status\.blocked .*\d+ events received`},
		{name: "demo --show-secrets", args: []string{"demo", "--show-secrets"}, code: 0,
			stdout: `(?s)set_pin_token: card_pin_test_[0-9a-f]{32}\n.*signing secret: whsec_[0-9a-f]{32}\n`},

		{name: "get-card", args: []string{"get-card", "--base-url", srv.URL, solidtest.DefaultCardID}, env: keyEnv, code: 0,
			stdout: `^\{.*"id":"` + solidtest.DefaultCardID + `".*\}\n$`},
		{name: "get-card, flags after the argument", args: []string{"get-card", solidtest.DefaultCardID, "--base-url", srv.URL}, env: keyEnv, code: 0,
			stdout: `"label":"Travel"`},
		{name: "get-card unknown card", args: []string{"get-card", "--base-url", srv.URL, "crd_nope"}, env: keyEnv, code: 1,
			stderr: `status 404\n  code: +ERROR_CODE_RESOURCE_NOT_FOUND`, noSecretIn: true},
		{name: "get-card without its argument", args: []string{"get-card", "--base-url", srv.URL}, env: keyEnv, code: 2, stderr: `want 1 arguments \(CARD_ID\)`},
		{name: "get-card with a refused card ID", args: []string{"get-card", "--base-url", srv.URL, ".."}, env: keyEnv, code: 2, stderr: `CARD_ID "\.\." is not an id`},
		{name: "get-card with a card ID the SDK refuses", args: []string{"get-card", "--base-url", srv.URL, "crd\x01"}, env: keyEnv, code: 2, stderr: `invalid input: card_id "crd\\x01" has control characters`},
		{name: "get-card base URL without a scheme", args: []string{"get-card", "--base-url", "localhost:4010", "crd_1"}, env: keyEnv, code: 2,
			stderr: `has no scheme: write http://localhost:4010`},
		{name: "update-card with --data", args: []string{"update-card", "--base-url", srv.URL, "crd_upd", "--data", `{"label":"x"}`}, env: keyEnv,
			code: 0, stdout: `"label":"x"`},
		{name: "update-card with --data @file", args: []string{"update-card", "--base-url", srv.URL, "crd_upd", "--data", "@" + dataFile(t, `{"label":"from a file"}`)}, env: keyEnv,
			code: 0, stdout: `"label":"from a file"`},
		{name: "update-card --data from a missing file", args: []string{"update-card", "--base-url", srv.URL, "crd_upd", "--data", "@/nonexistent/x.json"}, env: keyEnv,
			code: 2, stderr: `--data: open /nonexistent/x.json`},
		{name: "update-card with a body the spec refuses", args: []string{"update-card", "--base-url", srv.URL, "crd_upd", "--data", `{"status":"melted"}`}, env: keyEnv,
			code: 1, stderr: `status 400`},
		{name: "list-cards --limit", args: []string{"list-cards", "--base-url", srv.URL, "--limit", "1"}, env: keyEnv, code: 0, stdout: `"has_more":"true"`},
		{name: "list-cards --limit abc", args: []string{"list-cards", "--base-url", srv.URL, "--limit", "abc"}, env: keyEnv, code: 2, stderr: `--limit "abc" is not a whole number`},
		{name: "list-card-holders", args: []string{"list-card-holders", "--base-url", srv.URL}, env: keyEnv, code: 0, stdout: `"first_name":"John"`},
		{name: "get-card-holder", args: []string{"get-card-holder", "--base-url", srv.URL, solidtest.DefaultCardHolderID}, env: keyEnv, code: 0, stdout: `"purpose":"Ace Sales Rep"`},
		{name: "update-card-holder", args: []string{"update-card-holder", "--base-url", srv.URL, solidtest.DefaultCardHolderID, "--data", `{"purpose":"Fleet"}`}, env: keyEnv,
			code: 0, stdout: `"purpose":"Fleet"`},
		{name: "create-show-token", args: []string{"create-show-token", "--base-url", srv.URL, solidtest.DefaultCardID}, env: keyEnv, code: 0,
			stdout: `"show_token":"card_show_test_[0-9a-f]{32}"`},
		{name: "create-set-pin-token with its own idempotency key", args: []string{"create-set-pin-token", "--idempotency-key", "cli-key-1", "--base-url", srv.URL, solidtest.DefaultCardID}, env: keyEnv,
			code: 0, stdout: `"set_pin_token":"card_pin_test_[0-9a-f]{32}"`},
		{name: "conformance against the mock", args: []string{"conformance", "--base-url", srv.URL, "--card", solidtest.DefaultCardID}, env: keyEnv, code: 0,
			stdout: `^solid conformance: 22 calls, 20 of 20 GETs reached, 0 skipped, 0 findings against openapi.yaml\n$`},
		{name: "conformance --json --writes", args: []string{"conformance", "--json", "--writes", "--base-url", srv.URL, "--card", solidtest.DefaultCardID}, env: keyEnv, code: 0,
			stdout: `(?s)"operation": "updateCard".*"findings": \[\]`},
		{name: "conformance against a server that drifts", args: []string{"conformance", "--base-url", broken.URL, "--card", "crd_1"}, env: keyEnv, code: 1,
			stdout: `(?s)getCard \(answer\): expected a status of 200, 401, 404, 429, seen 500 \(text/html.*findings against openapi.yaml`, noSecretIn: true},
		{name: "conformance without --card", args: []string{"conformance", "--base-url", srv.URL}, env: keyEnv, code: 2, stderr: `--card is required`},
		{name: "conformance refuses production", args: []string{"conformance", "--env", "production", "--card", "crd_1"}, env: keyEnv, code: 2, stderr: `production refused`},
		{name: "conformance without SOLID_API_KEY", args: []string{"conformance", "--base-url", srv.URL, "--card", "crd_1"}, code: 2, stderr: `SOLID_API_KEY is not set`},
		{name: "proxy without --target", args: []string{"proxy"}, code: 2, stderr: `--target "": want a URL`},
		{name: "an operation's --help", args: []string{"list-cards", "--help"}, code: 0, stdout: `(?s)Usage: solid list-cards.*--limit N.*--starting-after VALUE`},
		{name: "help lists every operation", args: []string{"--help"}, code: 0, stdout: `(?s)create-show-token.*get-card-holder.*list-cards.*update-card-holder`},
		{name: "demo --help", args: []string{"demo", "--help"}, code: 0, stdout: "Usage: solid demo"},
		{name: "demo with an argument", args: []string{"demo", "x"}, code: 2, stderr: "unexpected arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.before != nil {
				tt.before()
			}
			var stdout, stderr bytes.Buffer
			code := run(tt.args, func(k string) string { return tt.env[k] }, &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, &stdout, &stderr)
			}
			if tt.stdout != "" && !regexp.MustCompile(tt.stdout).MatchString(stdout.String()) {
				t.Errorf("stdout does not match %q:\n%s", tt.stdout, &stdout)
			}
			if tt.stderr != "" && !regexp.MustCompile(tt.stderr).MatchString(stderr.String()) {
				t.Errorf("stderr does not match %q:\n%s", tt.stderr, &stderr)
			}
			// A drift report is the output of a conformance run that exits 1.
			if tt.code != 0 && stdout.Len() > 0 && !strings.Contains(strings.Join(tt.args, " "), "help") && tt.args[0] != "conformance" {
				t.Errorf("stdout on failure: %s", &stdout)
			}
			if k := tt.env["SOLID_API_KEY"]; tt.noSecretIn && k != "" && (strings.Contains(stderr.String(), k) || strings.Contains(stdout.String(), k)) {
				t.Errorf("output reveals the API key: %s %s", &stdout, &stderr)
			}
		})
	}
}

// TestMockPrintsAnOpenableURL: on 0.0.0.0 the printed URL is loopback's.
func TestMockPrintsAnOpenableURL(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	exit := make(chan int, 1)
	go func() {
		exit <- runMock(ctx, []string{"--addr", "0.0.0.0:0", "--quiet"}, &stdout, &stderr, func(string) { cancel() })
	}()
	<-exit
	if !regexp.MustCompile(`at http://127\.0\.0\.1:[0-9]+\n`).MatchString(stdout.String()) {
		t.Errorf("stdout:\n%s", stdout.String())
	}
}

// TestProxyCommand: solid proxy in front of the mock passes traffic
// unchanged and logs nothing.
func TestProxyCommand(t *testing.T) {
	mock := solidtest.NewServer()
	defer mock.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	urls := make(chan string, 1)
	exit := make(chan int, 1)
	go func() {
		exit <- runProxy(ctx, []string{"--target", mock.URL, "--addr", "127.0.0.1:0"}, &stdout, &stderr, func(u string) { urls <- u })
	}()
	var base string
	select {
	case base = <-urls:
	case code := <-exit:
		t.Fatalf("proxy exited %d: %s", code, stderr.String())
	}
	req, _ := http.NewRequest(http.MethodGet, base+"/v2/issuing/card/"+solidtest.DefaultCardID, nil)
	req.Header.Set("api-key", solidtest.DefaultAPIKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"label":"Travel"`) {
		t.Errorf("through the proxy: %d %s", resp.StatusCode, body)
	}
	cancel()
	<-exit
	if s := stderr.String(); s != "" {
		t.Errorf("the proxy logged for spec-conforming traffic:\n%s", s)
	}
}

// dataFile writes a --data file for a test.
func dataFile(t *testing.T, body string) string {
	t.Helper()
	name := filepath.Join(t.TempDir(), "body.json")
	if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}

// syncBuffer is a bytes.Buffer safe to write from the mock's goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestMockCommand runs `solid mock` in-process on a free port and sends it
// what curl would, checking every answer against openapi.yaml.
func TestMockCommand(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	urls := make(chan string, 1)
	exit := make(chan int, 1)
	go func() {
		exit <- runMock(ctx, []string{"--addr", "127.0.0.1:0", "--card", "crd_extra", "--api-key", "sk_test_cli", "--api-key", "sk_test_cli2"},
			&stdout, &stderr, func(u string) { urls <- u })
	}()
	var base string
	select {
	case base = <-urls:
	case code := <-exit:
		t.Fatalf("mock exited %d: %s", code, stderr.String())
	}
	v, err := specval.Default()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, card, key string
		status          int
		code            string
	}{
		{name: "no key", card: solidtest.DefaultCardID, status: 401, code: "ERROR_CODE_UNAUTHORIZED"},
		{name: "default key is replaced", card: solidtest.DefaultCardID, key: solidtest.DefaultAPIKey, status: 401, code: "ERROR_CODE_UNAUTHORIZED"},
		{name: "key, unknown card", card: "crd_nope", key: "sk_test_cli", status: 404, code: "ERROR_CODE_RESOURCE_NOT_FOUND"},
		{name: "key, seed card", card: solidtest.DefaultCardID, key: "sk_test_cli", status: 200},
		{name: "second key, added card", card: "crd_extra", key: "sk_test_cli2", status: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, base+"/v2/issuing/card/"+tt.card+"/set_pin_token", nil)
			if tt.key != "" {
				req.Header.Set("api-key", tt.key)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			rt, err := v.FindRoute(req)
			if err != nil {
				t.Fatal(err)
			}
			if err := v.ValidateResponse(rt, resp.StatusCode, resp.Header, body); err != nil {
				t.Errorf("response violates openapi.yaml: %v", err)
			}
			var got struct {
				ID    string                `json:"id"`
				Token string                `json:"set_pin_token"`
				Error struct{ Code string } `json:"error"`
			}
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatal(err)
			}
			if tt.status == 200 && (got.ID != tt.card || !strings.HasPrefix(got.Token, "card_pin_test_")) {
				t.Errorf("200 body %s", body)
			}
			if tt.status != 200 && got.Error.Code != tt.code {
				t.Errorf("code %q, want %q", got.Error.Code, tt.code)
			}
		})
	}
	// A fault set from outside the process, through the control API.
	resp, err := http.Post(base+"/_solidtest/faults", "application/json", strings.NewReader(`{"status":503,"operation":"createSetPinToken"}`))
	if err != nil || resp.StatusCode != 204 {
		t.Fatalf("control API: %v %v", resp, err)
	}
	resp.Body.Close()
	req, _ := http.NewRequest(http.MethodPost, base+"/v2/issuing/card/"+solidtest.DefaultCardID+"/set_pin_token", nil)
	req.Header.Set("api-key", "sk_test_cli")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 503 {
		t.Errorf("after a fault from outside: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	cancel()
	if code := <-exit; code != 0 {
		t.Errorf("mock exited %d after its context ended: %s", code, stderr.String())
	}
	logs := stderr.String()
	for _, want := range []string{
		"operation=createSetPinToken status=401 reason=unauthorized",
		"operation=createSetPinToken status=404",
		"operation=createSetPinToken status=200",
		"operation=createSetPinToken status=503 reason=fault",
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
	if strings.Contains(logs, "sk_test_cli") {
		t.Errorf("log holds an API key:\n%s", logs)
	}
	out := stdout.String()
	for _, want := range []string{base, "sk_test_cli, sk_test_cli2", "crd_extra", "stopped"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
}

// TestVersionLineStamped: a release build's -ldflags -X stamp shows after
// the version, which stays solid.Version.
func TestVersionLineStamped(t *testing.T) {
	oldCommit, oldDate := commit, date
	defer func() { commit, date = oldCommit, oldDate }()
	commit, date = "0123abcd", "2026-11-29T00:00:00Z"
	if got, want := versionLine(), "solid "+solid.Version+" (0123abcd, 2026-11-29T00:00:00Z)"; got != want {
		t.Errorf("versionLine() = %q, want %q", got, want)
	}
	// GoReleaser without git state stamps "none" and the zero time.
	commit, date = "none", "0001-01-01T00:00:00Z"
	if got := versionLine(); !strings.HasPrefix(got, "solid "+solid.Version) || strings.Contains(got, "none") || strings.Contains(got, "0001-01-01") {
		t.Errorf("versionLine() = %q, want the version without the empty stamp", got)
	}
}
