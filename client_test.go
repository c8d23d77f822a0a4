package solid_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	solid "github.com/solidsdk/solid-go"
	"github.com/solidsdk/solid-go/gen"
	"github.com/solidsdk/solid-go/secret"
)

func TestNewClientRefusesBadConfig(t *testing.T) {
	tests := []struct {
		name    string
		key     string
		opts    []solid.Option
		wantErr string // substring; "" means success
		wantURL string
	}{
		{name: "sandbox", key: testKey, opts: []solid.Option{solid.WithEnvironment(solid.Sandbox)}, wantURL: "https://api.sandbox.solidfi.com/"},
		{name: "production", key: testKey, opts: []solid.Option{solid.WithEnvironment(solid.Production)}, wantURL: "https://api.prod.solidfi.com/"},
		{name: "base URL wins", key: testKey, opts: []solid.Option{solid.WithEnvironment(solid.Production), solid.WithBaseURL("http://127.0.0.1:4010")}, wantURL: "http://127.0.0.1:4010/"},
		{name: "base URL with prefix", key: testKey, opts: []solid.Option{solid.WithBaseURL("https://proxy.example.com/solid")}, wantURL: "https://proxy.example.com/solid/"},
		{name: "localhost http", key: testKey, opts: []solid.Option{solid.WithBaseURL("http://localhost:8080")}, wantURL: "http://localhost:8080/"},
		{name: "ipv6 loopback http", key: testKey, opts: []solid.Option{solid.WithBaseURL("http://[::1]:8080")}, wantURL: "http://[::1]:8080/"},
		{name: "no environment", key: testKey, wantErr: "no environment"},
		{name: "unknown environment", key: testKey, opts: []solid.Option{solid.WithEnvironment("staging")}, wantErr: `unknown environment "staging"`},
		{name: "empty key", key: "", opts: []solid.Option{solid.WithEnvironment(solid.Sandbox)}, wantErr: "empty API key"},
		{name: "key with CRLF", key: "sk\r\nX-Evil: 1", opts: []solid.Option{solid.WithEnvironment(solid.Sandbox)}, wantErr: "control characters"},
		{name: "key with NUL", key: "sk\x00", opts: []solid.Option{solid.WithEnvironment(solid.Sandbox)}, wantErr: "control characters"},
		{name: "plain http off loopback", key: testKey, opts: []solid.Option{solid.WithBaseURL("http://api.sandbox.solidfi.com")}, wantErr: "only for loopback"},
		{name: "no scheme", key: testKey, opts: []solid.Option{solid.WithBaseURL("api.sandbox.solidfi.com")}, wantErr: "scheme must be https"},
		{name: "ftp", key: testKey, opts: []solid.Option{solid.WithBaseURL("ftp://example.com")}, wantErr: "scheme must be https"},
		{name: "user info", key: testKey, opts: []solid.Option{solid.WithBaseURL("https://user:pw@example.com")}, wantErr: "user info"},
		{name: "query", key: testKey, opts: []solid.Option{solid.WithBaseURL("https://example.com/?a=1")}, wantErr: "no query"},
		{name: "negative retries", key: testKey, opts: []solid.Option{solid.WithEnvironment(solid.Sandbox), solid.WithMaxRetries(-1)}, wantErr: "want 0 to 10"},
		{name: "negative timeout", key: testKey, opts: []solid.Option{solid.WithEnvironment(solid.Sandbox), solid.WithTimeout(-time.Second)}, wantErr: "negative"},
		{name: "zero body cap", key: testKey, opts: []solid.Option{solid.WithEnvironment(solid.Sandbox), solid.WithMaxResponseBytes(0)}, wantErr: "want > 0"},
		{name: "nil http client", key: testKey, opts: []solid.Option{solid.WithEnvironment(solid.Sandbox), solid.WithHTTPClient(nil)}, wantErr: "nil *http.Client"},
		{name: "backoff max below initial", key: testKey, opts: []solid.Option{solid.WithEnvironment(solid.Sandbox), solid.WithRetryBackoff(time.Second, time.Millisecond)}, wantErr: "initial <= max"},
		{name: "user agent with newline", key: testKey, opts: []solid.Option{solid.WithEnvironment(solid.Sandbox), solid.WithUserAgent("a\nb")}, wantErr: "control characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := solid.NewClient(tt.key, tt.opts...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
				}
				if tt.key != "" && strings.Contains(err.Error(), tt.key) {
					t.Fatalf("error reveals the key: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := c.BaseURL(); got != tt.wantURL {
				t.Fatalf("BaseURL = %q, want %q", got, tt.wantURL)
			}
		})
	}
}

func TestNewClientFromEnv(t *testing.T) {
	tests := []struct {
		name              string
		key, env, baseURL string
		wantErr, wantURL  string
	}{
		{name: "sandbox", key: testKey, env: "sandbox", wantURL: "https://api.sandbox.solidfi.com/"},
		{name: "production upper case", key: testKey, env: "PRODUCTION", wantURL: "https://api.prod.solidfi.com/"},
		{name: "base URL overrides env", key: testKey, env: "production", baseURL: "http://127.0.0.1:4010", wantURL: "http://127.0.0.1:4010/"},
		{name: "no key", env: "sandbox", wantErr: "SOLID_API_KEY is not set"},
		// The caller of NewClientFromEnv wrote no option: the hint names
		// the variables, not WithEnvironment.
		{name: "no environment", key: testKey, wantErr: "no environment: set SOLID_ENV=sandbox, SOLID_ENV=production or SOLID_BASE_URL"},
		{name: "bad env", key: testKey, env: "prod", wantErr: `unknown environment "prod"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("SOLID_API_KEY", tt.key)
			t.Setenv("SOLID_ENV", tt.env)
			t.Setenv("SOLID_BASE_URL", tt.baseURL)
			c, err := solid.NewClientFromEnv()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.BaseURL() != tt.wantURL {
				t.Fatalf("BaseURL = %q, want %q", c.BaseURL(), tt.wantURL)
			}
		})
	}
}

// TestPrintingHidesSecrets formats a client and a token every way fmt and
// slog can, directly and nested in other values.
func TestPrintingHidesSecrets(t *testing.T) {
	c, err := solid.NewClient(testKey, solid.WithEnvironment(solid.Sandbox), solid.WithHTTPClient(&http.Client{}))
	if err != nil {
		t.Fatal(err)
	}
	tok := solid.SetPinToken{CardID: seedCard, Token: secret.New(seedTok)}
	gtok := gen.SetPinToken{Id: seedCard, SetPinToken: secret.New(seedTok)}
	show := solid.ShowToken{CardID: seedCard, Token: secret.New(seedShowTok), RequestID: "req_1"}
	gshow := gen.ShowToken{Id: seedCard, ShowToken: secret.New(seedShowTok)}
	values := map[string]any{
		"show token":           show,
		"show token pointer":   &show,
		"generated show token": gshow,
		"generated show resp":  gen.CreateShowTokenResponse{JSON200: &gshow},
		"client":               c,
		"client value":         *c,
		"token":                tok,
		"token pointer":        &tok,
		"nested":               struct{ T solid.SetPinToken }{tok},
		"slice":                []*solid.SetPinToken{&tok},
		"map":                  map[string]solid.SetPinToken{"t": tok},
		// The generated type redacts itself: the spec marks the field
		// secret (format: password, x-go-type: secret.String).
		"generated":          gtok,
		"generated pointer":  &gtok,
		"generated response": gen.CreateSetPinTokenResponse{JSON200: &gtok},
	}
	for name, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
			out := fmt.Sprintf(verb, v)
			if strings.Contains(out, testKey) || strings.Contains(out, seedTok) || strings.Contains(out, fmt.Sprintf("%x", seedTok)) ||
				strings.Contains(out, seedShowTok) || strings.Contains(out, fmt.Sprintf("%x", seedShowTok)) {
				t.Errorf("%s under %s reveals a secret: %s", name, verb, out)
			}
		}
	}

	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	logger.Info("minted", "token", tok, "ptr", &tok, "client", c)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("minted", "token", tok, "client", c, "generated", gtok, "field", gtok.SetPinToken)
	logger.Info("minted", "field", gtok.SetPinToken)
	logger.Info("shown", "token", show, "ptr", &show, "field", gshow.ShowToken)
	// A whole generated struct goes through encoding/json in JSONHandler,
	// which gives the value by design (README, Secrets); TextHandler uses fmt.
	slog.New(slog.NewTextHandler(&logs, nil)).Info("shown", "generated", gshow, "resp", gen.CreateShowTokenResponse{JSON200: &gshow})
	if strings.Contains(logs.String(), seedTok) || strings.Contains(logs.String(), testKey) || strings.Contains(logs.String(), seedShowTok) {
		t.Errorf("slog output reveals a secret: %s", logs.String())
	}
	if !strings.Contains(logs.String(), seedCard) {
		t.Errorf("slog output lost the card ID: %s", logs.String())
	}

	for _, v := range []any{tok, gtok} {
		b, err := json.Marshal(v)
		if err != nil || string(b) != `{"id":"`+seedCard+`","set_pin_token":"`+seedTok+`"}` {
			t.Fatalf("JSON of %T = %s, %v; want the token kept", v, b, err)
		}
	}
	for _, v := range []any{show, gshow} {
		b, err := json.Marshal(v)
		if err != nil || string(b) != `{"id":"`+seedCard+`","show_token":"`+seedShowTok+`"}` {
			t.Fatalf("JSON of %T = %s, %v; want the token kept", v, b, err)
		}
	}
	if gtok.SetPinToken.Reveal() != seedTok {
		t.Fatalf("Reveal = %q", gtok.SetPinToken.Reveal())
	}
}
