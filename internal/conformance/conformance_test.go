package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/solidsdk/solid-go/internal/specval"
	"github.com/solidsdk/solid-go/solidtest"
)

const (
	driftKey   = "sk_test_drift_key_0123456789abcdef"
	driftCard  = "crd_7948d9a96706dd05360a340002de725f"
	driftToken = "card_pin_test_0123456789abcdef0123456789abcdef"
)

// drift is a server that answers the card operations as Solid's docs
// allow in their other forms, with one planted difference per answer,
// and every other operation as solidtest does; it records what it got.
type drift struct {
	mu   sync.Mutex
	seen []string // "METHOD path body"
}

// planted is every difference drift plants, as "operation pointer".
var planted = []string{
	"createSetPinToken ",     // no X-Request-Id
	"createShowToken /debug", // an undeclared field
	"getCard /cardholder_id", // the deprecated spelling
	"getCard /new_field",     // an undeclared field
	"getCard /status",        // outside the enum
	"getCard /type",          // outside the enum, holding the API key
	"listCardHolders ",       // a 500 HTML page
	"listCards /has_more",    // a boolean where the spec says string
}

func example(t *testing.T, name string) map[string]any {
	t.Helper()
	v, err := specval.Default()
	if err != nil {
		t.Fatal(err)
	}
	ex := v.Doc().Components.Examples[name]
	b, _ := json.Marshal(ex.Value.Value)
	var m map[string]any
	json.Unmarshal(b, &m)
	return m
}

func (d *drift) server(t *testing.T) *httptest.Server {
	card := example(t, "card_example")
	delete(card, "card_holder_id")
	card["cardholder_id"] = "cah_a120a61f60dfd40fdb07b2e8bcd1f6f0"
	card["status"] = "frozen"
	card["new_field"] = "x"
	card["type"] = driftKey
	holder := example(t, "card_holder_example")
	mock := solidtest.NewHandler(solidtest.WithAPIKeys(driftKey))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		d.mu.Lock()
		d.seen = append(d.seen, r.Method+" "+r.URL.Path+" "+string(body))
		d.mu.Unlock()
		js := func(v any) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-Request-Id", "req_drift")
			json.NewEncoder(w).Encode(v)
		}
		switch {
		case r.URL.Path == "/v2/issuing/card/"+driftCard && r.Method == http.MethodGet:
			js(card)
		case strings.HasPrefix(r.URL.Path, "/v2/issuing/card/crd_") && !strings.Contains(r.URL.Path[len("/v2/issuing/card/"):], "/") && r.Method == http.MethodPatch:
			// The lifecycle updates the card it created (a fresh id).
			js(card)
		case r.URL.Path == "/v2/issuing/card" && r.Method == http.MethodGet:
			js(map[string]any{"total": 1, "data": []any{}, "has_more": false})
		case r.URL.Path == "/v2/issuing/card_holder/cah_a120a61f60dfd40fdb07b2e8bcd1f6f0":
			js(holder)
		case r.URL.Path == "/v2/issuing/card_holder" && r.Method == http.MethodGet:
			w.Header().Set("Content-Type", "text/html")
			w.Header().Set("X-Request-Id", "req_drift")
			w.WriteHeader(500)
			io.WriteString(w, "<html><body>Internal Server Error</body></html>")
		case strings.HasSuffix(r.URL.Path, "/set_pin_token"):
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"id":"`+driftCard+`","set_pin_token":"`+driftToken+`"}`)
		case strings.HasSuffix(r.URL.Path, "/show_token"):
			js(map[string]any{"id": driftCard, "show_token": "card_show_test_0123456789abcdef0123456789abcdef", "debug": driftToken})
		default:
			mock.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func keys(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Operation+" "+f.Pointer)
	}
	sort.Strings(out)
	return out
}

// lifecycle is what a --writes run sends beyond the reads, in order.
var lifecycle = []string{"createCardHolder", "createCard", "updateCard", "simulateCardTransaction", "createWebhook", "deleteWebhook"}

// specGETCount counts the GET operations of openapi.yaml, apart from the
// code under test.
func specGETCount(t *testing.T) (n int, ids map[string]bool) {
	t.Helper()
	v, err := specval.Default()
	if err != nil {
		t.Fatal(err)
	}
	ids = map[string]bool{}
	for _, item := range v.Doc().Paths.Map() {
		if item.Get != nil {
			ids[item.Get.OperationID] = true
		}
	}
	return len(ids), ids
}

func TestRunAgainstSolidtest(t *testing.T) {
	total, gets := specGETCount(t)
	if total < 20 {
		t.Fatalf("openapi.yaml has %d GETs, want the whole API's 20 or more", total)
	}
	for _, writes := range []bool{false, true} {
		srv := solidtest.NewServer()
		res, err := Run(context.Background(), Config{BaseURL: srv.URL, APIKey: solidtest.DefaultAPIKey, Card: solidtest.DefaultCardID, Writes: writes})
		srv.Close()
		if err != nil {
			t.Fatal(err)
		}
		if !res.OK() || len(res.Skipped) != 0 {
			t.Errorf("writes=%v: findings %v, problems %q, skipped %v against solidtest", writes, res.Findings, res.Problems, res.Skipped)
		}
		reached := map[string]bool{}
		var writesSent []string
		for _, c := range res.Calls {
			if c.Status/100 != 2 {
				t.Errorf("writes=%v: %s %s answered %d", writes, c.Method, c.Path, c.Status)
			}
			switch {
			case c.Method == http.MethodGet:
				if reached[c.Operation] && c.Operation != "listCards" {
					// A list may be read twice (two pages); nothing else.
					t.Errorf("writes=%v: %s called twice", writes, c.Operation)
				}
				reached[c.Operation] = true
			case c.Operation != "createSetPinToken" && c.Operation != "createShowToken":
				writesSent = append(writesSent, c.Operation)
			}
		}
		for id := range gets {
			if !reached[id] {
				t.Errorf("writes=%v: the GET %s was not reached", writes, id)
			}
		}
		if len(reached) != total || res.GETs != (Coverage{Reached: total, Total: total}) {
			t.Errorf("writes=%v: reached %d GETs, reported %+v, want all %d", writes, len(reached), res.GETs, total)
		}
		want := []string(nil)
		if writes {
			want = lifecycle
		}
		if strings.Join(writesSent, " ") != strings.Join(want, " ") {
			t.Errorf("writes=%v: sent %v, want %v", writes, writesSent, want)
		}
	}
}

func TestRunReportsEachPlantedDifferenceOnce(t *testing.T) {
	for _, writes := range []bool{false, true} {
		d := &drift{}
		srv := d.server(t)
		res, err := Run(context.Background(), Config{BaseURL: srv.URL, APIKey: driftKey, Card: driftCard, Writes: writes})
		if err != nil {
			t.Fatal(err)
		}
		got := keys(res.Findings)
		want := append([]string(nil), planted...)
		if writes {
			// The PATCH answers with the same drifting card.
			want = append(want, "updateCard /cardholder_id", "updateCard /new_field", "updateCard /status", "updateCard /type")
		}
		sort.Strings(want)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("writes=%v: findings\n%s\nwant\n%s", writes, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		out, _ := json.Marshal(res)
		for _, f := range res.Findings {
			out = append(out, f.String()...)
		}
		for _, secret := range []string{driftKey, driftToken, "card_show_test_"} {
			if bytes.Contains(out, []byte(secret)) {
				t.Errorf("the report holds a secret (%.12s...): %s", secret, out)
			}
		}
		// Writes: none without Writes; with it, the lifecycle, the card's
		// new label the spec's example.
		var sent []string
		for _, s := range d.seen {
			method := strings.Fields(s)[0]
			switch {
			case method == "GET":
			case method == "POST" && (strings.Contains(s, "/set_pin_token") || strings.Contains(s, "/show_token")):
			default:
				sent = append(sent, s)
			}
		}
		want = nil
		if writes {
			want = []string{"POST /v2/issuing/card_holder ", "POST /v2/issuing/card ",
				"PATCH /v2/issuing/card/crd_", // the card created just before, a fresh id
				"POST /v2/simulate/incoming/card_issuing ", "POST /v2/webhook ", "DELETE /v2/webhook/"}
		}
		if len(sent) != len(want) {
			t.Errorf("writes=%v: sent %q, want %q", writes, sent, want)
		} else {
			for i := range want {
				if !strings.HasPrefix(sent[i], want[i]) {
					t.Errorf("writes=%v: request %d is %q, want %q...", writes, i, sent[i], want[i])
				}
			}
		}
	}
}

func TestProxy(t *testing.T) {
	tests := []struct {
		name   string
		target func(t *testing.T) string
		key    string
		card   string
		want   []string
	}{
		{"in front of solidtest", func(t *testing.T) string {
			s := solidtest.NewServer()
			t.Cleanup(s.Close)
			return s.URL
		}, solidtest.DefaultAPIKey, solidtest.DefaultCardID, nil},
		{"in front of a drifting server", func(t *testing.T) string { return (&drift{}).server(t).URL }, driftKey, driftCard, planted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := tt.target(t)
			u, _ := url.Parse(target)
			var logs bytes.Buffer
			var mu sync.Mutex
			h, err := NewProxy(u, slog.New(slog.NewJSONHandler(lockedWriter{&mu, &logs}, nil)))
			if err != nil {
				t.Fatal(err)
			}
			proxy := httptest.NewServer(h)
			defer proxy.Close()
			res, err := Run(context.Background(), Config{BaseURL: proxy.URL, APIKey: tt.key, Card: tt.card})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Findings) != len(tt.want) {
				t.Errorf("through the proxy Run found %v, want %d (traffic must pass unchanged)", keys(res.Findings), len(tt.want))
			}
			mu.Lock()
			text := logs.String()
			mu.Unlock()
			var got []string
			for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
				if line == "" {
					continue
				}
				var m map[string]any
				if err := json.Unmarshal([]byte(line), &m); err != nil {
					t.Fatalf("log line %q", line)
				}
				got = append(got, m["operation"].(string)+" "+m["pointer"].(string))
			}
			sort.Strings(got)
			want := append([]string(nil), tt.want...)
			sort.Strings(want)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("proxy logged\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			for _, secret := range []string{tt.key, driftToken, "card_pin_test_", "card_show_test_"} {
				if strings.Contains(text, secret) {
					t.Errorf("the proxy's log holds a secret (%.12s...)", secret)
				}
			}
		})
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
