package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	solid "github.com/solidsdk/solid-go"
	"github.com/solidsdk/solid-go/internal/specval"
	"github.com/solidsdk/solid-go/solidtest"
)

// answer is one answer of the mock, for a plant to change.
type answer struct {
	status int
	header http.Header
	body   any // decoded JSON; nil when the body is not JSON
}

// plantedServer serves solidtest's answers (accepting keys, or reportKey
// when none), after plant has changed them; plant may be nil.
func plantedServer(t *testing.T, plant func(op string, a *answer), keys ...string) *httptest.Server {
	t.Helper()
	if len(keys) == 0 {
		keys = []string{reportKey}
	}
	v, err := specval.Default()
	if err != nil {
		t.Fatal(err)
	}
	mock := solidtest.NewHandler(solidtest.WithAPIKeys(keys...))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		mock.ServeHTTP(rec, r)
		a := answer{status: rec.Code, header: rec.Header().Clone()}
		json.Unmarshal(rec.Body.Bytes(), &a.body)
		op := ""
		if rt, err := v.FindRoute(r); err == nil {
			op = rt.Operation.OperationID
		}
		if plant != nil {
			plant(op, &a)
		}
		a.header.Del("Content-Length")
		for k, vs := range a.header {
			w.Header()[k] = vs
		}
		w.WriteHeader(a.status)
		json.NewEncoder(w).Encode(a.body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// set puts v at the path of keys (an int for an array index) in body.
func set(body any, v any, path ...any) {
	for i, p := range path {
		last := i == len(path)-1
		switch k := p.(type) {
		case string:
			m := body.(map[string]any)
			if last {
				m[k] = v
				return
			}
			body = m[k]
		case int:
			s := body.([]any)
			if last {
				s[k] = v
				return
			}
			body = s[k]
		}
	}
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestRunReportsDriftAndGoesOn(t *testing.T) {
	tests := []struct {
		name     string
		plant    func(op string, a *answer)
		keys     []string // the keys the server accepts (default reportKey)
		card     string
		findings []string // "operation pointer" that must be found
		problems []string // substrings of Problems, in order
		ops      int      // distinct operations called (all 28 a run with writes can call)
	}{
		{
			name: "a number where the spec says string",
			plant: func(op string, a *answer) {
				if op == "getCard" {
					set(a.body, 5275, "last4")
				}
			},
			findings: []string{"getCard /last4"},
			ops:      28, // getCardHolder too: its id read from the raw answer
		},
		{
			name: "a wrong type inside a list item",
			plant: func(op string, a *answer) {
				if op == "listCards" {
					set(a.body, 5275, "data", 0, "last4")
				}
				if op == "getCardHolder" {
					set(a.body, true, "purpose")
				}
			},
			findings: []string{"listCards /data/0/last4", "getCardHolder /purpose"},
			ops:      28,
		},
		{
			name: "an undeclared field",
			plant: func(op string, a *answer) {
				if op == "createShowToken" {
					set(a.body, "x", "debug")
				}
			},
			findings: []string{"createShowToken /debug"},
			ops:      28,
		},
		{
			name:     "401 on every call",
			keys:     []string{"sk_test_another_key_000000000000"},
			problems: []string{"the API key was refused", "401 on every call"},
			ops:      15, // the card operations, every list and getBankInfo, createWebhook: nothing gives an id
		},
		{
			name:     "the card is not found",
			card:     "crd_00000000000000000000000000000000",
			problems: []string{`card "crd_00000000000000000000000000000000" was not found`, "getCard"},
			ops:      28, // getCardHolder reads the first card holder listed
		},
		{
			name: "the request id holds the key, past where it is cut",
			plant: func(op string, a *answer) {
				a.header.Set("X-Request-Id", "req_"+strings.Repeat("0", 50)+reportKey)
				if op == "getCard" {
					set(a.body, "frozen "+strings.Repeat(".", 60)+reportKey, "status")
					set(a.body, 1, reportKey)
				}
			},
			findings: []string{"getCard /status", "getCard /[REDACTED]"},
			ops:      28,
		},
		{
			// Each page valid, the list endless: the SDK stops it, and
			// that is a finding although no answer breaks the schema.
			name: "a list that repeats its cursor",
			plant: func(op string, a *answer) {
				if op == "listCards" {
					set(a.body, "true", "has_more")
					set(a.body, "crd_loop", "starting_after")
				}
			},
			findings: []string{"listCards "},
			ops:      28,
		},
		{
			name: "an id for another card, holding the key and a token",
			plant: func(op string, a *answer) {
				if op == "createSetPinToken" {
					tok := a.body.(map[string]any)["set_pin_token"]
					set(a.body, map[string]any{"card": "crd_other", "echo": reportKey, "token": tok}, "id")
				}
			},
			findings: []string{"createSetPinToken /id"},
			ops:      28,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := plantedServer(t, tt.plant, tt.keys...)
			card := tt.card
			if card == "" {
				card = solidtest.DefaultCardID
			}
			res, err := Run(context.Background(), Config{BaseURL: srv.URL, APIKey: reportKey, Card: card, Writes: true})
			if err != nil {
				t.Fatalf("Run stopped: %v", err)
			}
			got := keys(res.Findings)
			for _, f := range tt.findings {
				if !has(got, f) {
					t.Errorf("no finding %q in %q", f, got)
				}
			}
			text := strings.Join(res.Problems, "\n")
			for _, p := range tt.problems {
				i := strings.Index(text, p)
				if i < 0 {
					t.Errorf("problems %q do not say %q", res.Problems, p)
					continue
				}
				text = text[i:]
			}
			if len(tt.problems) == 0 && len(res.Problems) != 0 {
				t.Errorf("problems %q, want none", res.Problems)
			}
			if res.OK() {
				t.Errorf("OK() with findings %q and problems %q", got, res.Problems)
			}
			ops := map[string]bool{}
			for _, c := range res.Calls {
				ops[c.Operation] = true
			}
			if len(ops) != tt.ops {
				t.Errorf("called %d operations %v, want %d: the run must go on", len(ops), ops, tt.ops)
			}
			out, _ := json.Marshal(res)
			for _, f := range res.Findings {
				out = append(out, f.String()...)
			}
			if frag := keyFragment(string(out), reportKey); frag != "" {
				t.Errorf("the report holds %q of the key: %s", frag, out)
			}
			if bytes.Contains(out, []byte("card_pin_")) || bytes.Contains(out, []byte("card_show_")) {
				t.Errorf("the report holds a token: %s", out)
			}
		})
	}
}

func TestRunRefusesBeforeAnyRequest(t *testing.T) {
	var sent int
	count := roundTripFunc(func(*http.Request) (*http.Response, error) {
		sent++
		return nil, errors.New("no request should be sent")
	})
	tests := []struct {
		name string
		cfg  Config
		is   error // errors.Is the error
	}{
		{"a card ID that is a path segment", Config{BaseURL: "http://127.0.0.1:1", Card: ".."}, solid.ErrInvalidInput},
		{"a card ID with a control character", Config{BaseURL: "http://127.0.0.1:1", Card: "crd_1\n"}, solid.ErrInvalidInput},
		{"no card", Config{BaseURL: "http://127.0.0.1:1"}, solid.ErrInvalidInput},
		{"plain http beyond loopback", Config{BaseURL: "http://example.com", Card: "crd_1"}, nil},
		{"no scheme", Config{BaseURL: "127.0.0.1:4010", Card: "crd_1"}, nil},
		{"user info", Config{BaseURL: "https://u:p@example.com", Card: "crd_1"}, nil},
		{"a key with a space", Config{BaseURL: "http://127.0.0.1:1", Card: "crd_1", APIKey: "sk test"}, nil},
		{"production", Config{BaseURL: solid.Production.BaseURL(), Card: "crd_1"}, ErrProduction},
		{"production, spelt otherwise", Config{BaseURL: "https://API.Prod.SolidFi.com.:443/v2", Card: "crd_1"}, ErrProduction},
		{"writes against production, even allowed", Config{BaseURL: solid.Production.BaseURL(), Card: "crd_1", Writes: true, AllowProduction: true}, ErrWritesProduction},
		{"writes against production, spelt otherwise, even allowed", Config{BaseURL: "https://api.prod.solidfi.com.", Card: "crd_1", Writes: true, AllowProduction: true}, ErrWritesProduction},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sent = 0
			cfg := tt.cfg
			if cfg.APIKey == "" {
				cfg.APIKey = reportKey
			}
			cfg.Transport = count
			_, err := Run(context.Background(), cfg)
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("err %v, want a *ConfigError", err)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("err %v, want one matching %v", err, tt.is)
			}
			if sent != 0 {
				t.Errorf("%d requests sent", sent)
			}
			if strings.Contains(err.Error(), reportKey) {
				t.Errorf("the error holds the key: %v", err)
			}
		})
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestRunAllowsProduction: with AllowProduction the run goes on; the
// transport serves the mock in place of Solid, so nothing leaves the
// machine.
func TestRunAllowsProduction(t *testing.T) {
	mock := solidtest.NewHandler(solidtest.WithAPIKeys(reportKey))
	var hosts []string
	tr := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		hosts = append(hosts, r.URL.Host)
		rec := httptest.NewRecorder()
		mock.ServeHTTP(rec, r)
		resp := rec.Result()
		resp.Request = r
		return resp, nil
	})
	res, err := Run(context.Background(), Config{BaseURL: solid.Production.BaseURL(), APIKey: reportKey, Card: solidtest.DefaultCardID, AllowProduction: true, Transport: tr})
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK() || len(hosts) == 0 || hosts[0] != "api.prod.solidfi.com" {
		t.Errorf("findings %v, problems %v, hosts %v", res.Findings, res.Problems, hosts)
	}
}

func TestIsProduction(t *testing.T) {
	tests := []struct {
		url  string
		want bool
	}{
		{"https://api.prod.solidfi.com", true},
		{"https://api.prod.solidfi.com/", true},
		{"https://API.PROD.SOLIDFI.COM/v2", true},
		{"https://api.prod.solidfi.com.", true},
		{"https://api.prod.solidfi.com.:443", true},
		{"https://api.prod.solidfi.com:443/", true},
		{"https://api.prod.solidfi.com:8443/", true},
		{"HTTPS://Api.Prod.SolidFi.Com", true},
		{"https://api\u3002prod\uff0esolidfi.com", true}, // IDNA dots: net/http dials production
		{"https://\uff41pi.prod.solidfi.com", true},      // a full-width letter
		{"https://api.prod.solidfi.com..", true},
		{"https://api.sandbox.solidfi.com", false},
		{"https://api.prod.solidfi.com.evil.example", false},
		{"https://prod.solidfi.com", false},
		{"http://127.0.0.1:4010", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := IsProduction(tt.url); got != tt.want {
			t.Errorf("IsProduction(%q) = %v, want %v", tt.url, got, tt.want)
		}
	}
}
