package solid_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	solid "github.com/solidsdk/solid-go"
	"github.com/solidsdk/solid-go/flex"
	"github.com/solidsdk/solid-go/gen"
	"github.com/solidsdk/solid-go/internal/specval"
)

// scriptServer answers with replies in order (repeating the last),
// validates every request against openapi.yaml (and every answer whose
// status the spec declares with a body), and records what arrived.
type scriptServer struct {
	t       *testing.T
	srv     *httptest.Server
	replies []scriptReply
	check   bool // validate answers too

	mu      sync.Mutex
	queries []string
	keys    []string // idempotency-key headers
	paths   []string
	bodies  []string
	errs    []error
}

type scriptReply struct {
	status int
	body   string
	header map[string]string
}

func newScriptServer(t *testing.T, check bool, replies ...scriptReply) *scriptServer {
	t.Helper()
	v, err := specval.Default()
	if err != nil {
		t.Fatal(err)
	}
	s := &scriptServer{t: t, replies: replies, check: check}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		query := r.URL.RawQuery // before validation fills in defaults
		rt, verr := v.ValidateRequest(r)
		s.mu.Lock()
		n := len(s.queries)
		s.queries = append(s.queries, query)
		s.keys = append(s.keys, r.Header.Get("Idempotency-Key"))
		s.paths = append(s.paths, r.URL.EscapedPath())
		s.bodies = append(s.bodies, string(body))
		if verr != nil {
			s.errs = append(s.errs, fmt.Errorf("request %s %s: %w", r.Method, r.URL, verr))
		}
		s.mu.Unlock()
		rep := s.replies[min(n, len(s.replies)-1)]
		if verr == nil && s.check && rep.status < 500 {
			if err := v.ValidateResponse(rt, rep.status, http.Header{"Content-Type": {"application/json"}}, []byte(rep.body)); err != nil {
				s.mu.Lock()
				s.errs = append(s.errs, fmt.Errorf("answer %d: %w", rep.status, err))
				s.mu.Unlock()
			}
		}
		for k, v := range rep.header {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rep.status)
		io.WriteString(w, rep.body)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

// requestBodies returns the body of each request, in order.
func (s *scriptServer) requestBodies() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.bodies...)
}

func (s *scriptServer) seen() (queries, keys, paths []string, errs []error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.queries...), append([]string(nil), s.keys...), append([]string(nil), s.paths...), append([]error(nil), s.errs...)
}

// cardPage is a listCards answer with cards ids, has_more as given (a JSON
// literal: "true" the string, or true the boolean) and a next cursor.
func cardPage(hasMore string, next string, ids ...string) scriptReply {
	data := make([]string, len(ids))
	for i, id := range ids {
		data[i] = `{"id":"` + id + `","card_holder_id":"cah_1","status":"activated","controls":{"atm_enabled":"true"}}`
	}
	b := `{"total":9,"data":[` + strings.Join(data, ",") + `],"has_more":` + hasMore
	if next != "" {
		b += `,"starting_after":"` + next + `"`
	}
	return scriptReply{status: 200, body: b + "}"}
}

func TestCardsIterator(t *testing.T) {
	limit := func(n int) *int { return &n }
	str := func(s string) *string { return &s }
	notFound := scriptReply{status: 401, body: `{"request_id":"req_1","status":401,"error":{"code":"ERROR_CODE_UNAUTHORIZED","message":"unauthorized"}}`}
	tests := []struct {
		name     string
		params   *gen.ListCardsParams
		replies  []scriptReply
		stopAt   int  // break out of the loop after this many cards
		check    bool // validate the answers against openapi.yaml
		want     []string
		wantErr  error
		wantText string
		queries  []string // the query of each request, in order
	}{
		{
			name: "three pages, has_more as the documented string", check: true,
			params: &gen.ListCardsParams{Limit: limit(3)},
			replies: []scriptReply{
				cardPage(`"true"`, "crd_3", "crd_1", "crd_2", "crd_3"),
				cardPage(`"true"`, "crd_6", "crd_4", "crd_5", "crd_6"),
				cardPage(`"false"`, "crd_7", "crd_7"),
			},
			want:    []string{"crd_1", "crd_2", "crd_3", "crd_4", "crd_5", "crd_6", "crd_7"},
			queries: []string{"limit=3", "limit=3&starting_after=crd_3", "limit=3&starting_after=crd_6"},
		},
		{
			name: "three pages, has_more as the guide's boolean",
			replies: []scriptReply{
				cardPage(`true`, "crd_1", "crd_1"),
				cardPage(`true`, "crd_2", "crd_2"),
				cardPage(`false`, "", "crd_3"),
			},
			want:    []string{"crd_1", "crd_2", "crd_3"},
			queries: []string{"", "starting_after=crd_1", "starting_after=crd_2"},
		},
		{
			name:    "no starting_after in the envelope: the last id is the cursor",
			replies: []scriptReply{cardPage(`"true"`, "", "crd_1", "crd_2"), cardPage(`"false"`, "", "crd_3")},
			want:    []string{"crd_1", "crd_2", "crd_3"},
			queries: []string{"", "starting_after=crd_2"},
		},
		{
			name:    "from the caller's cursor",
			params:  &gen.ListCardsParams{StartingAfter: str("crd_0")},
			replies: []scriptReply{cardPage(`"false"`, "", "crd_1")},
			want:    []string{"crd_1"},
			queries: []string{"starting_after=crd_0"},
		},
		{
			name:    "the loop stops early: no further page",
			replies: []scriptReply{cardPage(`"true"`, "crd_2", "crd_1", "crd_2"), cardPage(`"false"`, "", "crd_3")},
			stopAt:  1,
			want:    []string{"crd_1"},
			queries: []string{""},
		},
		{
			name:     "a server that repeats its cursor: an error, not a loop",
			replies:  []scriptReply{cardPage(`"true"`, "crd_1", "crd_1")},
			want:     []string{"crd_1", "crd_1"},
			wantErr:  solid.ErrMalformedResponse,
			wantText: "repeats the cursor",
			queries:  []string{"", "starting_after=crd_1"},
		},
		{
			name:     "an empty page with has_more",
			replies:  []scriptReply{cardPage(`"true"`, "crd_9")},
			wantErr:  solid.ErrMalformedResponse,
			wantText: "empty but has_more",
			queries:  []string{""},
		},
		{
			name:    "an error on page 2 ends the walk",
			replies: []scriptReply{cardPage(`"true"`, "crd_1", "crd_1"), notFound},
			want:    []string{"crd_1"},
			wantErr: solid.ErrUnauthorized,
			queries: []string{"", "starting_after=crd_1"},
		},
		{name: "limit 0 refused before any request", params: &gen.ListCardsParams{Limit: limit(0)}, wantErr: solid.ErrInvalidInput, wantText: "limit 0"},
		{name: "limit 101 refused before any request", params: &gen.ListCardsParams{Limit: limit(101)}, wantErr: solid.ErrInvalidInput},
		{name: "ending_before refused: the walk goes forward", params: &gen.ListCardsParams{EndingBefore: str("crd_5")}, wantErr: solid.ErrInvalidInput, wantText: "ending_before"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			replies := tt.replies
			if replies == nil {
				replies = []scriptReply{cardPage(`"false"`, "", "crd_1")}
			}
			s := newScriptServer(t, tt.check, replies...)
			c := newTestClient(t, s.srv.URL)
			var before gen.ListCardsParams
			if tt.params != nil {
				before = *tt.params
			}
			var got []string
			var err error
			for card, e := range c.Cards(context.Background(), tt.params) {
				if e != nil {
					err = e
					break
				}
				got = append(got, *card.Id)
				if tt.stopAt > 0 && len(got) == tt.stopAt {
					break
				}
			}
			if tt.wantErr == nil && err != nil {
				t.Fatalf("err = %v", err)
			}
			if tt.wantErr != nil && (!errors.Is(err, tt.wantErr) || !strings.Contains(fmt.Sprint(err), tt.wantText)) {
				t.Fatalf("err = %v, want %v containing %q", err, tt.wantErr, tt.wantText)
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("cards %v, want %v", got, tt.want)
			}
			queries, keys, _, errs := s.seen()
			if strings.Join(queries, " | ") != strings.Join(tt.queries, " | ") || len(queries) != len(tt.queries) {
				t.Errorf("queries %q, want %q", queries, tt.queries)
			}
			for i, k := range keys {
				if k != "" {
					t.Errorf("list request %d carries idempotency-key %q; only writes do", i+1, k)
				}
			}
			for _, e := range errs {
				t.Error(e)
			}
			if tt.params != nil && fmt.Sprint(*tt.params) != fmt.Sprint(before) {
				t.Errorf("Cards modified the caller's params: %+v, was %+v", *tt.params, before)
			}
		})
	}
}

func TestCardHoldersIterator(t *testing.T) {
	page := func(hasMore, next string, ids ...string) scriptReply {
		data := make([]string, len(ids))
		for i, id := range ids {
			data[i] = `{"id":"` + id + `","status":"activated","person":{"first_name":"John"}}`
		}
		b := `{"total":3,"data":[` + strings.Join(data, ",") + `],"has_more":` + hasMore
		if next != "" {
			b += `,"starting_after":"` + next + `","ending_before":"` + ids[0] + `"`
		}
		return scriptReply{status: 200, body: b + "}"}
	}
	s := newScriptServer(t, true, page(`"true"`, "cah_1", "cah_1"), page(`"true"`, "cah_2", "cah_2"), page(`"false"`, "cah_3", "cah_3"))
	c := newTestClient(t, s.srv.URL)
	limit := 1
	var got []string
	for h, err := range c.CardHolders(context.Background(), &gen.ListCardHoldersParams{Limit: &limit}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, *h.Id+":"+*h.Person.FirstName)
	}
	if strings.Join(got, ",") != "cah_1:John,cah_2:John,cah_3:John" {
		t.Errorf("card holders %v", got)
	}
	queries, _, _, errs := s.seen()
	if want := "limit=1 | limit=1&starting_after=cah_1 | limit=1&starting_after=cah_2"; strings.Join(queries, " | ") != want {
		t.Errorf("queries %q, want %q", queries, want)
	}
	for _, e := range errs {
		t.Error(e)
	}
}

// TestDocumentedFormsDecode decodes each field the docs give in two forms,
// in each form.
func TestDocumentedFormsDecode(t *testing.T) {
	tests := []struct {
		name       string
		card       string
		holder     string
		atmEnabled bool
	}{
		{"card_holder_id (the examples), atm_enabled \"true\" (the schema)", `{"card_holder_id":"cah_a","controls":{"atm_enabled":"true"}}`, "cah_a", true},
		{"cardholder_id (the schema), atm_enabled true (the ATM guide)", `{"cardholder_id":"cah_b","controls":{"atm_enabled":true}}`, "cah_b", true},
		{"both spellings: card_holder_id first, atm_enabled \"false\"", `{"card_holder_id":"cah_a","cardholder_id":"cah_b","controls":{"atm_enabled":"false"}}`, "cah_a", false},
		{"neither, atm_enabled false", `{"controls":{"atm_enabled":false}}`, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var card gen.Card
			if err := json.Unmarshal([]byte(tt.card), &card); err != nil {
				t.Fatal(err)
			}
			if got := solid.CardHolderID(card); got != tt.holder {
				t.Errorf("CardHolderID = %q, want %q", got, tt.holder)
			}
			if card.Controls == nil || card.Controls.AtmEnabled == nil || bool(*card.Controls.AtmEnabled) != tt.atmEnabled {
				t.Errorf("atm_enabled = %v, want %v", card.Controls.AtmEnabled, tt.atmEnabled)
			}
		})
	}
	for _, hasMore := range []string{`"true"`, `true`} {
		var l gen.CardHolderList
		if err := json.Unmarshal([]byte(`{"data":[],"has_more":`+hasMore+`}`), &l); err != nil || l.HasMore == nil || !bool(*l.HasMore) {
			t.Errorf("has_more %s: %v, %v", hasMore, l.HasMore, err)
		}
	}
	// What the SDK sends is the documented string form.
	b, err := json.Marshal(gen.CardUpdate{Controls: &gen.CardControls{AtmEnabled: ptrTo(flex.Bool(false))}})
	if err != nil || string(b) != `{"controls":{"atm_enabled":"false"}}` {
		t.Errorf("CardUpdate JSON = %s, %v", b, err)
	}
}

func ptrTo[T any](v T) *T { return &v }
