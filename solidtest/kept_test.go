package solidtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
)

// TestCardSpendKept: the spend kept per card and period follows
// declines, reversals, other cards' auths and Reset.
func TestCardSpendKept(t *testing.T) {
	h := NewHandler()
	h.AddCard(otherCard)
	srv := newServerFor(h)
	defer srv.Close()
	auth := func(card, amount, want string) string {
		t.Helper()
		body := `{"card_id":"` + card + `","amount":"` + amount + `","type":"auth","status":"pending"}`
		status, m := call(t, srv.URL, http.MethodPost, simPath, body, nil)
		if status != http.StatusCreated || m["status"] != want {
			t.Fatalf("auth of %s on %s: %d %v %v, want %s", amount, card, status, m["status"], m["description"], want)
		}
		id, _ := m["id"].(string)
		return id
	}
	first := auth(DefaultCardID, "400.00", "pending")
	auth(DefaultCardID, "200.00", "declined")
	auth(otherCard, "450.00", "pending") // the other card's own limit
	auth(DefaultCardID, "100.00", "pending")
	auth(DefaultCardID, "0.01", "declined")
	body := `{"card_id":"` + DefaultCardID + `","amount":"400.00","type":"reverse","status":"settled","parent_transaction_id":"` + first + `"}`
	if status, m := call(t, srv.URL, http.MethodPost, simPath, body, nil); status != http.StatusCreated {
		t.Fatalf("reverse: %d %v", status, m)
	}
	auth(DefaultCardID, "400.00", "pending") // the reversed 400.00 is spent no more
	auth(DefaultCardID, "0.01", "declined")
	h.Reset()
	auth(DefaultCardID, "500.00", "pending")
	auth(otherCard, "500.00", "pending")
	auth(otherCard, "0.01", "declined")
}

// TestSubscribersKept: the webhooks kept by event type follow webhooks
// added, deleted and a type listed twice.
func TestSubscribersKept(t *testing.T) {
	h := NewHandler()
	srv := newServerFor(h)
	defer srv.Close()
	ids := func(typ string) []string {
		var out []string
		for _, w := range h.subscribers(typ) {
			out = append(out, w.id)
		}
		return out
	}
	if got := ids("card.updated"); got != nil {
		t.Fatalf("before any webhook: %v", got)
	}
	a := h.SubscribeWebhook("http://127.0.0.1:1/a", "sa", "card.updated", "card.updated")
	if got := ids("card.updated"); len(got) != 1 || got[0] != a {
		t.Fatalf("after a: %v", got)
	}
	b := h.SubscribeWebhook("http://127.0.0.1:1/b", "sb", "card.updated", "card.created")
	if got := ids("card.updated"); len(got) != 2 || got[0] != a || got[1] != b {
		t.Fatalf("after b: %v", got)
	}
	if got := ids("card.created"); len(got) != 1 || got[0] != b {
		t.Fatalf("card.created after b: %v", got)
	}
	if status, m := call(t, srv.URL, http.MethodDelete, "/v2/webhook/"+a, "", nil); status/100 != 2 {
		t.Fatalf("delete a: %d %v", status, m)
	}
	if got := ids("card.updated"); len(got) != 1 || got[0] != b {
		t.Fatalf("after deleting a: %v", got)
	}
}

// TestSubscribersAddedIncrementally: webhooks created one by one are filed
// without refiling the others, and the answer is always what filing every
// webhook from scratch gives, through creates, a delete and a subscribe,
// also while webhooks are created concurrently.
func TestSubscribersAddedIncrementally(t *testing.T) {
	h := NewHandler()
	srv := newServerFor(h)
	defer srv.Close()
	types := []string{"card.created", "card.updated", "transaction.created"}
	got := func(typ string) []string {
		var out []string
		for _, w := range h.subscribers(typ) {
			out = append(out, w.id)
		}
		return out
	}
	want := func(typ string) []string {
		h.smu.Lock()
		var found map[string][]target
		if k := h.kinds["webhook_id"]; k != nil {
			found, _ = h.findSubscribers(k, k.order)
		}
		h.smu.Unlock()
		var out []string
		for _, w := range found[typ] {
			if _, ok := h.secretOf(w.id); ok {
				out = append(out, w.id)
			}
		}
		return out
	}
	check := func(step string) {
		t.Helper()
		for _, typ := range types {
			if g, w := got(typ), want(typ); !slices.Equal(g, w) {
				t.Fatalf("%s, %s: subscribers %v, from scratch %v", step, typ, g, w)
			}
		}
	}
	create := func(events ...string) string {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"url": "http://127.0.0.1:1/w", "events": events, "description": "d"})
		status, m := call(t, srv.URL, http.MethodPost, "/v2/webhook", string(body), nil)
		if status != http.StatusCreated {
			t.Fatalf("createWebhook: %d %v", status, m)
		}
		return m["id"].(string)
	}
	check("before any webhook")
	var made []string
	for i := range 6 {
		made = append(made, create(types[i%3], types[(i+1)%3]))
		check(fmt.Sprintf("after create %d", i))
	}
	if status, m := call(t, srv.URL, http.MethodDelete, "/v2/webhook/"+made[2], "", nil); status/100 != 2 {
		t.Fatalf("delete: %d %v", status, m)
	}
	check("after a delete")
	create("card.updated")
	check("after a create following the delete")
	h.SubscribeWebhook("http://127.0.0.1:1/s", "s", "card.created")
	create("card.created")
	check("after a subscribe and a create")

	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				body := `{"url":"http://127.0.0.1:1/c","events":["` + types[g%3] + `"],"description":"c"}`
				if status, _ := call(t, srv.URL, http.MethodPost, "/v2/webhook", body, nil); status != http.StatusCreated {
					t.Errorf("concurrent createWebhook: %d", status)
				}
				for _, typ := range types {
					h.subscribers(typ)
				}
			}
		}()
	}
	wg.Wait()
	check("after concurrent creates")
}
