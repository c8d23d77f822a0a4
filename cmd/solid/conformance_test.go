package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/solidsdk/solid-go/internal/specval"
	"github.com/solidsdk/solid-go/solidtest"
)

// confKey is long enough that a cut could leave a telling part of it.
const confKey = "sk_test_q7w8e9r0t1y2u3i4o5p6a7s8d9f0g1h2"

// driftingServer serves solidtest's answers (accepting keys, or confKey
// when none), each changed by plant (op, status, header, decoded body).
func driftingServer(t *testing.T, plant func(op string, h http.Header, body map[string]any), keys ...string) string {
	t.Helper()
	if len(keys) == 0 {
		keys = []string{confKey}
	}
	v, err := specval.Default()
	if err != nil {
		t.Fatal(err)
	}
	mock := solidtest.NewHandler(solidtest.WithAPIKeys(keys...))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		mock.ServeHTTP(rec, r)
		var body map[string]any
		json.Unmarshal(rec.Body.Bytes(), &body)
		h := rec.Header().Clone()
		if rt, err := v.FindRoute(r); err == nil && plant != nil && body != nil {
			plant(rt.Operation.OperationID, h, body)
		}
		h.Del("Content-Length")
		for k, vs := range h {
			w.Header()[k] = vs
		}
		w.WriteHeader(rec.Code)
		json.NewEncoder(w).Encode(body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestConformanceExitCodes(t *testing.T) {
	wrongType := driftingServer(t, func(op string, _ http.Header, body map[string]any) {
		if op == "getCard" {
			body["last4"] = 5275
		}
	})
	undeclared := driftingServer(t, func(op string, _ http.Header, body map[string]any) {
		if op == "createShowToken" {
			body["debug"] = "x"
		}
	})
	leaky := driftingServer(t, func(op string, h http.Header, body map[string]any) {
		// The key in the request id, past the point where ids are cut,
		// and in a field's value and name.
		h.Set("X-Request-Id", "req_"+strings.Repeat("0", 50)+confKey)
		if op == "getCard" {
			body["status"] = "frozen " + strings.Repeat(".", 60) + confKey
			body[confKey] = 1
		}
	})
	refusing := driftingServer(t, nil, "sk_test_another_key_000000000000")
	emptyHooks := driftingServer(t, func(op string, _ http.Header, body map[string]any) {
		if op == "listWebhooks" {
			body["data"], body["total"], body["has_more"] = []any{}, 0, "false"
		}
	})
	good := driftingServer(t, nil)
	// The mock's createWebhook answers its example, whose id is the seeded
	// webhook's: each --writes run deletes it, so each needs its own mock.
	good2 := driftingServer(t, nil)
	card := solidtest.DefaultCardID
	key := map[string]string{"SOLID_API_KEY": confKey}
	with := func(kv ...string) map[string]string {
		m := map[string]string{"SOLID_API_KEY": confKey}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name   string
		args   []string
		env    map[string]string
		code   int
		stdout string // regexp
		stderr string // regexp
	}{
		{"a wrong JSON type is a finding", []string{"--base-url", wrongType, "--card", card}, key, 1,
			`(?s)getCard /last4: expected a string, seen an integer 5275.*solid conformance: 22 calls, 20 of 20 GETs reached, 0 skipped, 1 findings`, ``},
		{"a wrong JSON type is a finding, --json", []string{"--json", "--base-url", wrongType, "--card", card}, key, 1,
			`(?s)"operation": "getCard",\s*"pointer": "/last4"`, ``},
		{"an undeclared field", []string{"--base-url", undeclared, "--card", card}, key, 1,
			`createShowToken /debug: expected no field debug`, ``},
		{"401 on every call", []string{"--base-url", refusing, "--card", card}, key, 1,
			`0 findings`, `the API key was refused: 401 on every call`},
		{"401 on every call, --json", []string{"--json", "--base-url", refusing, "--card", card}, key, 1,
			`"problems": \[\s*"the API key was refused`, `the API key was refused`},
		{"the card is not found", []string{"--base-url", good, "--card", "crd_nope"}, key, 1,
			``, `card "crd_nope" was not found \(404 on getCard, createSetPinToken, createShowToken\)`},
		{"the card is not found, --json", []string{"--json", "--base-url", good, "--card", "crd_nope"}, key, 1,
			`"problems": \[\s*"card \\"crd_nope\\" was not found`, `was not found`},
		{"the key in answers, text", []string{"--base-url", leaky, "--card", card}, key, 1, `getCard /status`, ``},
		{"the key in answers, --json", []string{"--json", "--base-url", leaky, "--card", card}, key, 1, `"request_id": "req_0+`, ``},
		{"a good run", []string{"--base-url", good, "--card", card}, key, 0, `22 calls, 20 of 20 GETs reached, 0 skipped, 0 findings`, `^$`},
		{"a good run with --writes", []string{"--writes", "--base-url", good, "--card", card}, key, 0, `28 calls, 20 of 20 GETs reached, 0 skipped, 0 findings`, `^$`},
		{"a good run with --writes, --json", []string{"--json", "--writes", "--base-url", good2, "--card", card}, key, 0,
			`(?s)"operation": "simulateCardTransaction".*"operation": "deleteWebhook".*"findings": \[\].*"skipped": \[\].*"reached": 20,\s*"total": 20`, `^$`},
		{"a list with no items: its item GET is skipped", []string{"--base-url", emptyHooks, "--card", card}, key, 0,
			`(?m)^solid conformance: skipped getWebhook: listWebhooks gave no webhook_id: it has no items$`, `^$`},

		{"--writes at production, even allowed", []string{"--writes", "--allow-production", "--env", "production", "--card", card}, key, 2, ``, `writes refused against production.*--allow-production does not allow --writes`},
		{"--writes at a production base URL, even allowed", []string{"--writes", "--allow-production", "--base-url", "https://API.prod.solidfi.com.", "--card", card}, key, 2, ``, `writes refused against production`},
		{"--writes with SOLID_ENV=production, even allowed", []string{"--writes", "--allow-production", "--card", card}, with("SOLID_ENV", "production"), 2, ``, `writes refused against production`},

		{"--env production", []string{"--env", "production", "--card", card}, key, 2, ``, `production refused`},
		{"--env PRODUCTION", []string{"--env", "PRODUCTION", "--card", card}, key, 2, ``, `production refused`},
		{"SOLID_ENV=production", []string{"--card", card}, with("SOLID_ENV", "production"), 2, ``, `production refused`},
		{"--base-url at production", []string{"--base-url", "https://api.prod.solidfi.com", "--card", card}, key, 2, ``, `production refused`},
		{"--base-url at production, upper case, dot, :443", []string{"--base-url", "https://API.PROD.SOLIDFI.COM.:443/", "--card", card}, key, 2, ``, `production refused`},
		{"--base-url at production, in IDNA dots", []string{"--base-url", "https://api\u3002prod\uff0esolidfi.com", "--card", card}, key, 2, ``, `production refused`},
		{"SOLID_BASE_URL at production", []string{"--card", card}, with("SOLID_BASE_URL", "https://api.prod.solidfi.com/"), 2, ``, `production refused`},
		{"--env production beside a base URL", []string{"--env", "production", "--base-url", good, "--card", card}, key, 2, ``, `production refused`},
		{"--base-url beats SOLID_BASE_URL at production", []string{"--base-url", good, "--card", card}, with("SOLID_BASE_URL", "https://api.prod.solidfi.com"), 0, `0 findings`, ``},
		{"--env production beats SOLID_BASE_URL", []string{"--env", "production", "--card", card}, with("SOLID_BASE_URL", good), 2, ``, `production refused`},
		{"unknown --env", []string{"--env", "staging", "--card", card}, key, 2, ``, `unknown environment "staging"`},

		{"a base URL the SDK refuses", []string{"--base-url", "http://example.com", "--card", card}, key, 2, ``, `loopback`},
		{"a base URL without a scheme", []string{"--base-url", "127.0.0.1:4010", "--card", card}, key, 2, ``, `no scheme`},
		{"a base URL with user info", []string{"--base-url", "https://u:p@example.com", "--card", card}, key, 2, ``, `user info`},
		{"a card ID of ..", []string{"--base-url", good, "--card", ".."}, key, 2, ``, `card "\.\." refused: invalid input`},
		{"a card ID with a newline", []string{"--base-url", good, "--card", "crd_1\n"}, key, 2, ``, `invalid input`},
		{"no key", []string{"--base-url", good, "--card", card}, nil, 2, ``, `SOLID_API_KEY is not set`},
		{"a key with a space", []string{"--base-url", good, "--card", card}, map[string]string{"SOLID_API_KEY": "sk test"}, 2, ``, `API key`},
		{"no card", []string{"--base-url", good}, key, 2, ``, `--card is required`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(append([]string{"conformance"}, tt.args...), func(k string) string { return tt.env[k] }, &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, &stdout, &stderr)
			}
			if tt.stdout != "" && !regexp.MustCompile(tt.stdout).MatchString(stdout.String()) {
				t.Errorf("stdout does not match %q:\n%s", tt.stdout, &stdout)
			}
			if tt.stderr != "" && !regexp.MustCompile(tt.stderr).MatchString(stderr.String()) {
				t.Errorf("stderr does not match %q:\n%s", tt.stderr, &stderr)
			}
			if k := tt.env["SOLID_API_KEY"]; len(k) >= 8 {
				for i := 0; i+8 <= len(k); i++ {
					if frag := k[i : i+8]; strings.Contains(stdout.String()+stderr.String(), frag) {
						t.Fatalf("the output holds %q of the key:\nstdout: %s\nstderr: %s", frag, &stdout, &stderr)
					}
				}
			}
		})
	}
}

// TestConformanceKeepsTheWebhookSecret: the signing secret of the webhook
// --writes creates is in no report, text or --json, wherever the server
// echoes it.
func TestConformanceKeepsTheWebhookSecret(t *testing.T) {
	const secret = "pPibTgWHeiAAlJR7I0gzuXJpU3iNcwlz"
	for _, asJSON := range []bool{false, true} {
		srv := driftingServer(t, func(op string, h http.Header, body map[string]any) {
			switch op {
			case "createWebhook":
				body["secret"] = secret
				body["status"] = secret
				h.Set("X-Request-Id", "req_"+secret)
			}
		})
		args := []string{"conformance", "--writes", "--base-url", srv, "--card", solidtest.DefaultCardID}
		if asJSON {
			args = append(args, "--json")
		}
		var stdout, stderr bytes.Buffer
		if code := run(args, func(k string) string { return map[string]string{"SOLID_API_KEY": confKey}[k] }, &stdout, &stderr); code != 1 {
			t.Errorf("json=%v: exit %d, want 1 (createWebhook /status)\n%s%s", asJSON, code, &stdout, &stderr)
		}
		out := stdout.String() + stderr.String()
		if !strings.Contains(out, "createWebhook") {
			t.Errorf("json=%v: no finding on createWebhook:\n%s", asJSON, out)
		}
		for i := 0; i+8 <= len(secret); i++ {
			if strings.Contains(out, secret[i:i+8]) {
				t.Fatalf("json=%v: the output holds %q of the webhook's secret:\n%s", asJSON, secret[i:i+8], out)
			}
		}
	}
}
