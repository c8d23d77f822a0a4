package solidtest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/solidsdk/solid-go/internal/spec"
	"github.com/solidsdk/solid-go/internal/specval"
)

// TestLazyFirstRequestsConcurrent sends the first requests of a fresh
// mock, on a fresh validator that loads the spec a path at a time, to
// every operation at once, several of each, with a known id, an unknown
// one, no key, the wrong method and a Prefer: every plan, every kind of
// resource and every path is made on these first requests, concurrently.
// Each must get the answer a mock on the whole document gives it, one
// request at a time. Writes are left out (their order would change the
// reads); the reads, lists and token mints cover every kind. Run it with
// -race.
func TestLazyFirstRequestsConcurrent(t *testing.T) {
	whole, err := specval.New([]byte(spec.YAML))
	if err != nil {
		t.Fatal(err)
	}
	doc := whole.Doc()
	type req struct {
		method, path, key, prefer string
		body                      bool // compare bodies, not only statuses
	}
	var reqs []req
	for _, path := range specKeys(doc.Paths.Map()) {
		item := doc.Paths.Value(path)
		for method, op := range item.Operations() {
			filled, _ := fillPath(doc, path, op)
			switch method {
			case http.MethodGet:
				reqs = append(reqs, req{method, filled, DefaultAPIKey, "", true})
				reqs = append(reqs, req{method, filled, DefaultAPIKey, "code=404", false})
			case http.MethodPost:
				if op.RequestBody == nil {
					reqs = append(reqs, req{method, filled, DefaultAPIKey, "", false})
				}
			}
			reqs = append(reqs, req{method, filled, "", "", true})
			reqs = append(reqs, req{http.MethodPut, filled, DefaultAPIKey, "", true})
			if strings.HasSuffix(path, "}") {
				unknown := filled[:strings.LastIndex(filled, "/")+1] + "unknown_id_1"
				if method == http.MethodGet {
					reqs = append(reqs, req{method, unknown, DefaultAPIKey, "", false})
				}
			}
		}
	}
	type answer struct {
		status int
		body   string
	}
	serve := func(h *Handler, r req) answer {
		hr := httptest.NewRequest(r.method, r.path, nil)
		if r.key != "" {
			hr.Header.Set("api-key", r.key)
		}
		if r.prefer != "" {
			hr.Header.Set("Prefer", r.prefer)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, hr)
		a := answer{status: w.Code}
		if r.body && w.Code < 400 {
			a.body = w.Body.String()
		}
		return a
	}
	ref := newHandler(whole)
	want := make([]answer, len(reqs))
	for i, r := range reqs {
		want[i] = serve(ref, r)
	}

	h := newHandler(specval.Embedded())
	const copies = 3
	var wg sync.WaitGroup
	start := make(chan struct{})
	var mu sync.Mutex
	var problems []string
	for range copies {
		for i, r := range reqs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if got := serve(h, r); got != want[i] {
					mu.Lock()
					problems = append(problems, fmt.Sprintf("%s %s (key %t, Prefer %q): %d %s, the whole document's mock %d %s",
						r.method, r.path, r.key != "", r.prefer, got.status, got.body, want[i].status, want[i].body))
					mu.Unlock()
				}
			}()
		}
	}
	close(start)
	wg.Wait()
	sort.Strings(problems)
	for _, p := range problems {
		t.Error(p)
	}
	if len(reqs) < 100 {
		t.Errorf("only %d requests", len(reqs))
	}
	// The state is the same too: every kind holds what the reference's
	// holds, in the same order.
	for _, r := range reqs {
		if r.method == http.MethodGet && r.key != "" && r.prefer == "" {
			if a, b := serve(h, r), serve(ref, r); a != b {
				t.Errorf("after: %s %s: %v, the whole document's mock %v", r.method, r.path, a, b)
			}
		}
	}
}

// TestLazyResetBeforeFirstUse: Reset, AddCard and AddCardHolder before any
// request leave the same state as after the kinds are made: seeds first,
// then the options' ids, then the added ones.
func TestLazyResetBeforeFirstUse(t *testing.T) {
	for _, order := range []string{"reset first", "use first"} {
		h := NewHandler(WithCards("crd_opt"), WithCardHolders("cah_opt"))
		if order == "use first" {
			serveGet(t, h, "/v2/issuing/card")
		}
		h.Reset()
		h.AddCard("crd_added")
		h.AddCardHolder("cah_added")
		h.Reset()
		cards := serveGet(t, h, "/v2/issuing/card?limit=100")
		holders := serveGet(t, h, "/v2/issuing/card_holder?limit=100")
		for _, c := range []struct{ got, want string }{
			{cards, `"` + DefaultCardID + `".*"crd_opt".*"crd_added"`},
			{holders, `"` + DefaultCardHolderID + `".*"cah_opt".*"cah_added"`},
		} {
			if !matchOrder(c.got, strings.Split(c.want, ".*")) {
				t.Errorf("%s: got %s, want ids in order %s", order, c.got, c.want)
			}
		}
	}
}

func serveGet(t *testing.T, h *Handler, path string) string {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, path, nil)
	r.Header.Set("api-key", DefaultAPIKey)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 200 {
		t.Fatalf("GET %s: %d %s", path, w.Code, w.Body)
	}
	return w.Body.String()
}

// matchOrder reports whether parts occur in s in this order.
func matchOrder(s string, parts []string) bool {
	for _, p := range parts {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return true
}

// TestFastPathBeforeCardsMade: the fast path answers the default card and
// WithCards' without making the cards (no card is loaded for them), and
// any other card as before: 404 for an unknown one, 200 for the seed.
func TestFastPathBeforeCardsMade(t *testing.T) {
	h := newHandler(specval.Embedded(), WithCards("crd_opt"))
	for _, tt := range []struct {
		id     string
		status int
		made   bool
	}{
		{DefaultCardID, 200, false},
		{"crd_opt", 200, false},
		{"crd_unknown", 404, true},
		{DefaultCardID, 200, true},
		{"crd_opt", 200, true},
	} {
		r := httptest.NewRequest(http.MethodPost, pinPath(tt.id), nil)
		r.Header.Set("api-key", DefaultAPIKey)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != tt.status || h.cardsMade.Load() != tt.made {
			t.Errorf("%s: %d (cards made %t), want %d (%t)", tt.id, w.Code, h.cardsMade.Load(), tt.status, tt.made)
		}
	}
}
