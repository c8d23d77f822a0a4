package solidtest

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
)

// listed returns the ids on the first page of a list.
func listed(t *testing.T, base, path string) []string {
	t.Helper()
	status, m := call(t, base, http.MethodGet, path, "", nil)
	if status != http.StatusOK {
		t.Fatalf("GET %s: %d %v", path, status, m)
	}
	var ids []string
	data, _ := m["data"].([]any)
	for _, d := range data {
		ids = append(ids, fmt.Sprint(d.(map[string]any)["id"]))
	}
	return ids
}

// TestCreateStores creates a resource of several kinds (a create, an
// origination, a simulation answering a Transaction): each answers a
// fresh id with its kind's prefix, holding the fields sent, and a later
// GET, the list and the list filtered on a field it has show it.
func TestCreateStores(t *testing.T) {
	const cah = DefaultCardHolderID
	sub := "sub_bda1e562657c41e553104b10aad3fe70"
	tests := []struct {
		name, path, body string
		prefix, item     string
		want             map[string]any // fields the answer and the GET show
		list, filter     string         // the list, and a filter that keeps it
	}{
		{name: "card", path: "/v2/issuing/card", prefix: "crd_", item: "/v2/issuing/card/",
			body: `{"cardholder_id":"` + cah + `","type":"virtual","label":"Ads","metadata":{"team":"growth"}}`,
			want: map[string]any{"label": "Ads", "type": "virtual", "card_holder_id": cah, "metadata": map[string]any{"team": "growth"}},
			list: "/v2/issuing/card", filter: "card_holder_id=" + cah},
		{name: "card holder", path: "/v2/issuing/card_holder", prefix: "cah_", item: "/v2/issuing/card_holder/",
			body: `{"sub_account_id":"` + sub + `","person":{"first_name":"Jane"},"external_reference_id":"ref-1"}`,
			want: map[string]any{"sub_account_id": sub, "external_reference_id": "ref-1", "person": map[string]any{"first_name": "Jane"}},
			list: "/v2/issuing/card_holder"},
		{name: "webhook", path: "/v2/webhook", prefix: "whk_", item: "/v2/webhook/",
			body: `{"url":"https://example.com/hook","description":"mine","events":["card.created"]}`,
			want: map[string]any{"url": "https://example.com/hook", "description": "mine", "events": []any{"card.created"}},
			list: "/v2/webhook"},
		{name: "simulated card transaction", path: "/v2/simulate/incoming/card_issuing", prefix: "txn_", item: "/v2/payments/transaction/",
			body: `{"card_id":"` + DefaultCardID + `","amount":"93.50","type":"auth","status":"pending"}`,
			want: map[string]any{"amount": "93.50", "sub_account_id": sub},
			list: "/v2/payments/transaction", filter: "sub_account_id=" + sub},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := NewServer()
			defer srv.Close()
			before := listed(t, srv.URL, tt.list)
			status, m := call(t, srv.URL, http.MethodPost, tt.path, tt.body, nil)
			if status != http.StatusCreated {
				t.Fatalf("create: %d %v", status, m)
			}
			id, _ := m["id"].(string)
			if !regexp.MustCompile("^" + tt.prefix + "[0-9a-f]{32}$").MatchString(id) {
				t.Fatalf("id %q, want %s and 32 hex digits", id, tt.prefix)
			}
			if slices.Contains(before, id) {
				t.Fatalf("id %s was already listed", id)
			}
			if _, ok := m["cardholder_id"]; ok {
				t.Errorf("the answer carries the deprecated cardholder_id: %v", m)
			}
			ts, _ := m["timestamps"].(map[string]any)
			if ts != nil && (ts["created_at"] == "2024-04-01T21:00:00Z" || ts["created_at"] == nil) {
				t.Errorf("timestamps not set: %v", ts)
			}
			_, got := call(t, srv.URL, http.MethodGet, tt.item+id, "", nil)
			for where, obj := range map[string]map[string]any{"answer": m, "GET": got} {
				if !containsJSON(obj, tt.want) {
					t.Errorf("the %s lacks %v: %v", where, tt.want, obj)
				}
			}
			if ids := listed(t, srv.URL, tt.list+"?limit=100"); !slices.Contains(ids, id) || len(ids) != len(before)+1 {
				t.Errorf("list %v: want %v and %s", ids, before, id)
			}
			if tt.filter != "" {
				if ids := listed(t, srv.URL, tt.list+"?limit=100&"+tt.filter); !slices.Contains(ids, id) {
					t.Errorf("filtered list %v lacks %s", ids, id)
				}
				k, v, _ := strings.Cut(tt.filter, "=")
				if ids := listed(t, srv.URL, tt.list+"?"+k+"="+url.QueryEscape(v+"x")); len(ids) != 0 {
					t.Errorf("list filtered on another %s: %v, want none", k, ids)
				}
			}
			if tt.prefix == "crd_" {
				if s, tok := call(t, srv.URL, http.MethodPost, tt.item+id+"/set_pin_token", "", nil); s != http.StatusOK || tok["id"] != id {
					t.Errorf("a PIN token for the new card: %d %v", s, tok)
				}
			}
			srv.Reset()
			if s, _ := call(t, srv.URL, http.MethodGet, tt.item+id, "", nil); s != http.StatusNotFound {
				t.Errorf("after Reset: %d, want 404", s)
			}
		})
	}
}

// TestListFilters: a list query parameter that is a top-level field of
// the item filters on equality; the others (limits aside) are ignored.
func TestListFilters(t *testing.T) {
	srv := NewServer(WithCards("crd_b"))
	defer srv.Close()
	other := "cah_0000000000000000000000000000000b"
	srv.AddCardHolder(other)
	call(t, srv.URL, http.MethodPatch, "/v2/issuing/card/crd_b", `{"label":"B"}`, nil)
	_, m := call(t, srv.URL, http.MethodPost, "/v2/issuing/card", `{"cardholder_id":"`+other+`"}`, nil)
	made := m["id"].(string)
	tests := []struct {
		query string
		want  []string
	}{
		{"", []string{DefaultCardID, "crd_b", made}},
		{"card_holder_id=" + DefaultCardHolderID, []string{DefaultCardID, "crd_b"}},
		{"card_holder_id=" + other, []string{made}},
		{"card_holder_id=cah_none", nil},
		{"sub_account_id=sub_bda1e562657c41e553104b10aad3fe70&card_holder_id=" + other, []string{made}},
		{"card_holder_id=" + DefaultCardHolderID + "&limit=1", []string{DefaultCardID}},
	}
	for _, tt := range tests {
		if got := listed(t, srv.URL, "/v2/issuing/card?"+tt.query); !slices.Equal(got, tt.want) {
			t.Errorf("?%s: %v, want %v", tt.query, got, tt.want)
		}
	}
	_, page := call(t, srv.URL, http.MethodGet, "/v2/issuing/card?card_holder_id="+DefaultCardHolderID+"&limit=1", "", nil)
	if page["total"] != float64(2) || page["has_more"] != "true" {
		t.Errorf("filtered page: total %v has_more %v, want 2 and true", page["total"], page["has_more"])
	}
}

// TestCreateParentMustExist: a create whose body names a resource the
// mock keeps must name a stored one: the 404 envelope where the
// operation declares 404, else 400 naming the field.
func TestCreateParentMustExist(t *testing.T) {
	tests := []struct {
		path, body, field string
		status            int
	}{
		{"/v2/issuing/card_holder", `{"sub_account_id":"sub_ffffffffffffffffffffffffffffffff"}`, "sub_account_id", http.StatusNotFound},
		{"/v2/issuing/card", `{"cardholder_id":"cah_ffffffffffffffffffffffffffffffff"}`, "cardholder_id", http.StatusBadRequest},
		{"/v2/simulate/incoming/card_issuing", `{"card_id":"crd_ffffffffffffffffffffffffffffffff","amount":"1.00","type":"auth","status":"pending"}`, "card_id", http.StatusBadRequest},
		{"/v2/payments/ach/push", `{"sub_account_id":"sub_ffffffffffffffffffffffffffffffff"}`, "sub_account_id", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			srv := NewServer()
			defer srv.Close()
			var made []string
			srv.onEmit = func(typ string, _ []byte) { made = append(made, typ) }
			status, m := call(t, srv.URL, http.MethodPost, tt.path, tt.body, nil)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %v", status, tt.status, m)
			}
			e, _ := m["error"].(map[string]any)
			if e["field_name"] != tt.field || !strings.Contains(fmt.Sprint(e["message"]), "ffff") {
				t.Errorf("error %v, want field_name %s and the id", e, tt.field)
			}
			if len(made) != 0 {
				t.Errorf("events %v for a refused create", made)
			}
		})
	}
}

// TestCreateThenDelete: a created webhook is gone after its DELETE, from
// reads, lists and the secrets kept for delivery.
func TestCreateThenDelete(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	_, m := call(t, srv.URL, http.MethodPost, "/v2/webhook", `{"url":"https://example.com/h","events":["card.created"]}`, nil)
	id := m["id"].(string)
	if _, ok := srv.webhookSecret(id); !ok {
		t.Fatal("no secret kept for the new webhook")
	}
	if s, _ := call(t, srv.URL, http.MethodDelete, "/v2/webhook/"+id, "", nil); s != http.StatusNoContent {
		t.Fatalf("DELETE: %d", s)
	}
	if s, _ := call(t, srv.URL, http.MethodGet, "/v2/webhook/"+id, "", nil); s != http.StatusNotFound {
		t.Errorf("GET after DELETE: %d, want 404", s)
	}
	if ids := listed(t, srv.URL, "/v2/webhook"); slices.Contains(ids, id) {
		t.Errorf("listed after DELETE: %v", ids)
	}
	if _, ok := srv.webhookSecret(id); ok {
		t.Error("secret kept after DELETE")
	}
}

// TestWebhookSecretOnce: the signing secret is in the create's answer
// only, fresh each time, and kept for delivery.
func TestWebhookSecretOnce(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	secretRE := regexp.MustCompile(`^whsec_[0-9a-f]{32}$`)
	seen := map[string]bool{}
	for range 2 {
		_, m := call(t, srv.URL, http.MethodPost, "/v2/webhook", `{"url":"https://example.com/h"}`, nil)
		id, secret := m["id"].(string), fmt.Sprint(m["secret"])
		if !secretRE.MatchString(secret) || seen[secret] {
			t.Fatalf("secret %q: want a fresh whsec_ and 32 hex", secret)
		}
		seen[secret] = true
		if kept, ok := srv.webhookSecret(id); !ok || kept != secret {
			t.Errorf("webhookSecret(%s) = %q, %v; want the answer's", id, kept, ok)
		}
		if _, got := call(t, srv.URL, http.MethodGet, "/v2/webhook/"+id, "", nil); got["secret"] != nil {
			t.Errorf("GET carries the secret: %v", got)
		}
		_, page := call(t, srv.URL, http.MethodGet, "/v2/webhook?limit=100", "", nil)
		for _, d := range page["data"].([]any) {
			if d.(map[string]any)["secret"] != nil {
				t.Errorf("list carries a secret: %v", d)
			}
		}
	}
	srv.Reset()
	if len(srv.secrets) != 0 {
		t.Errorf("secrets kept after Reset: %v", srv.secrets)
	}
}

// TestEmittedEvents: creates and updates emit <kind>.created,
// <kind>.updated and, when the status moves, <kind>.status.<status>, only
// the types the spec's WebhookEventType lists (no webhook.created).
func TestEmittedEvents(t *testing.T) {
	tests := []struct {
		name, method, path, body string
		want                     []string
	}{
		{"create card", "POST", "/v2/issuing/card", `{"cardholder_id":"` + DefaultCardHolderID + `"}`, []string{"card.created"}},
		{"create card holder", "POST", "/v2/issuing/card_holder", `{"person":{"first_name":"A"}}`, []string{"card_holder.created"}},
		{"simulate", "POST", "/v2/simulate/incoming/card_issuing", `{"card_id":"` + DefaultCardID + `","amount":"1.00","type":"auth","status":"pending"}`, []string{"transaction.created"}},
		{"label", "PATCH", cardPath, `{"label":"x"}`, []string{"card.updated"}},
		{"block", "PATCH", cardPath, `{"status":"blocked"}`, []string{"card.updated", "card.status.blocked"}},
		{"same status", "PATCH", holderPath, `{"status":"activated"}`, []string{"card_holder.updated"}},
		{"holder status", "PATCH", holderPath, `{"status":"suspended"}`, []string{"card_holder.updated", "card_holder.status.suspended"}},
		{"webhook", "POST", "/v2/webhook", `{"url":"https://example.com/h"}`, nil},
		{"read", "GET", cardPath, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := NewServer()
			defer srv.Close()
			var mu sync.Mutex
			var got []string
			var bodies []string
			srv.onEmit = func(typ string, res []byte) {
				mu.Lock()
				got, bodies = append(got, typ), append(bodies, string(res))
				mu.Unlock()
			}
			status, m := call(t, srv.URL, tt.method, tt.path, tt.body, nil)
			if status >= 300 {
				t.Fatalf("%d %v", status, m)
			}
			mu.Lock()
			defer mu.Unlock()
			if !slices.Equal(got, tt.want) {
				t.Errorf("events %v, want %v", got, tt.want)
			}
			for _, b := range bodies {
				if !strings.Contains(b, fmt.Sprint(m["id"])) || strings.Contains(b, "secret") {
					t.Errorf("event resource %s: want the stored %v", b, m["id"])
				}
			}
		})
	}
}

// TestSimulateOnCreatedCard: a simulated authorization on a card created
// in the mock is that card's transaction: its card.id and sub account are
// the card's.
func TestSimulateOnCreatedCard(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	_, card := call(t, srv.URL, http.MethodPost, "/v2/issuing/card", `{"cardholder_id":"`+DefaultCardHolderID+`","type":"virtual"}`, nil)
	id := card["id"].(string)
	status, tx := call(t, srv.URL, http.MethodPost, "/v2/simulate/incoming/card_issuing", `{"card_id":"`+id+`","amount":"5.00","type":"auth","status":"pending"}`, nil)
	if status != http.StatusCreated {
		t.Fatalf("%d %v", status, tx)
	}
	if c, _ := tx["card"].(map[string]any); c["id"] != id || tx["sub_account_id"] != card["sub_account_id"] || tx["amount"] != "5.00" {
		t.Errorf("transaction %v: want card %s, sub account %v, amount 5.00", tx, id, card["sub_account_id"])
	}
	if ids := listed(t, srv.URL, "/v2/payments/transaction?limit=100"); !slices.Contains(ids, tx["id"].(string)) {
		t.Errorf("not listed: %v", ids)
	}
}

// TestConcurrentCreates: creates at once each store their own resource,
// with distinct ids, all listed and each emitted once.
func TestConcurrentCreates(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	var mu sync.Mutex
	emitted := map[string]int{}
	srv.onEmit = func(typ string, _ []byte) {
		mu.Lock()
		emitted[typ]++
		mu.Unlock()
	}
	const n = 20
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, m := call(t, srv.URL, http.MethodPost, "/v2/issuing/card_holder", `{"person":{"first_name":"P"}}`, nil)
			ids[i], _ = m["id"].(string)
		})
	}
	wg.Wait()
	all := listed(t, srv.URL, "/v2/issuing/card_holder?limit=100")
	seen := map[string]bool{}
	for _, id := range ids {
		if id == "" || seen[id] || !slices.Contains(all, id) {
			t.Errorf("id %q: empty, repeated or not listed (%v)", id, all)
		}
		seen[id] = true
	}
	if emitted["card_holder.created"] != n {
		t.Errorf("emitted %v, want %d card_holder.created", emitted, n)
	}
}
