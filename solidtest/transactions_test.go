package solidtest

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	simPath = "/v2/simulate/incoming/card_issuing"
	subID   = "sub_bda1e562657c41e553104b10aad3fe70" // the example card's sub account
	subPath = "/v2/accounts/sub_account/" + subID
	txnPath = "/v2/payments/transaction/"
	// otherCard is a second card of the same sub account.
	otherCard = "crd_0000000000000000000000000000000a"
)

// simStep is one simulateCardTransaction call of a scenario.
type simStep struct {
	typ, status, amount string
	parent              int    // the step whose transaction is the parent; -1 none, -2 an id the mock does not keep
	card                string // the card, DefaultCardID when ""
	code                int    // the HTTP status wanted, 201 when 0
	want                string // the transaction's status wanted, as sent when ""
	reason              string // in the description of a decline; field_name of a 400
}

func simBody(s simStep, ids []string) string {
	card := s.card
	if card == "" {
		card = DefaultCardID
	}
	b := fmt.Sprintf(`{"card_id":%q,"amount":%q,"type":%q,"status":%q`, card, s.amount, s.typ, s.status)
	switch {
	case s.parent == -2:
		b += `,"parent_transaction_id":"txn_ffffffffffffffffffffffffffffffff"`
	case s.parent >= 0:
		b += fmt.Sprintf(`,"parent_transaction_id":%q`, ids[s.parent])
	}
	return b + "}"
}

// TestCardTransactions runs card activity on the example card (daily
// limit 500.00, status activated, sub account balances 0.00) and checks
// each answer, the parents' statuses, the sub account's balances and the
// events emitted.
func TestCardTransactions(t *testing.T) {
	tests := []struct {
		name    string
		card    string // a PATCH of the card before the steps
		steps   []simStep
		parents map[int]string // step -> its transaction's status at the end
		balance string         // the sub account's available/pending_debits/pending_credits at the end
		events  []string       // emitted during the steps
	}{
		{name: "auth", steps: []simStep{{typ: "auth", status: "pending", amount: "93.50", parent: -1}},
			balance: "-93.50/93.50/0.00", events: []string{"transaction.created"}},
		{name: "auth settled at once", steps: []simStep{{typ: "auth", status: "settled", amount: "120.00", parent: -1}},
			balance: "-120.00/0.00/0.00", events: []string{"transaction.created"}},
		{name: "auth on a blocked card", card: `{"status":"blocked"}`,
			steps:   []simStep{{typ: "auth", status: "pending", amount: "10.00", parent: -1, want: "declined", reason: "card is blocked"}},
			balance: "0.00/0.00/0.00", events: []string{"transaction.created", "transaction.status.declined"}},
		{name: "auth on a closed card", card: `{"status":"closed"}`,
			steps:   []simStep{{typ: "auth", status: "settled", amount: "10.00", parent: -1, want: "declined", reason: "card is closed"}},
			balance: "0.00/0.00/0.00"},
		{name: "over a per_transaction limit", card: `{"controls":{"limit":{"period":"per_transaction","max_spend_amount":"50.00"}}}`,
			steps: []simStep{
				{typ: "auth", status: "pending", amount: "50.00", parent: -1},
				{typ: "auth", status: "pending", amount: "50.01", parent: -1, want: "declined", reason: "per_transaction spend limit of 50.00"},
				{typ: "auth", status: "pending", amount: "50.00", parent: -1},
			},
			balance: "-100.00/100.00/0.00"},
		{name: "over the daily limit", steps: []simStep{
			{typ: "auth", status: "pending", amount: "300.00", parent: -1},
			{typ: "auth", status: "settled", amount: "200.00", parent: -1},
			{typ: "auth", status: "pending", amount: "0.01", parent: -1, want: "declined", reason: "daily spend limit of 500.00 (500.00 spent)"},
		}, balance: "-500.00/300.00/0.00",
			events: []string{"transaction.created", "transaction.created", "transaction.created", "transaction.status.declined"}},
		{name: "a reversed auth frees its spend", steps: []simStep{
			{typ: "auth", status: "pending", amount: "500.00", parent: -1},
			{typ: "reverse", status: "settled", amount: "500.00", parent: 0},
			{typ: "auth", status: "pending", amount: "500.00", parent: -1},
		}, parents: map[int]string{0: "reversed"}, balance: "-500.00/500.00/0.00"},
		{name: "blocked merchant", card: `{"controls":{"blocked":{"merchants":["Mom and Pop"]}}}`,
			steps:   []simStep{{typ: "auth", status: "pending", amount: "1.00", parent: -1, want: "declined", reason: "blocked merchants"}},
			balance: "0.00/0.00/0.00"},
		{name: "merchant not allowed", card: `{"controls":{"allowed":{"merchants":["Walmart"]}}}`,
			steps:   []simStep{{typ: "auth", status: "pending", amount: "1.00", parent: -1, want: "declined", reason: "allowed merchants"}},
			balance: "0.00/0.00/0.00"},
		{name: "adjust with a missing parent", steps: []simStep{
			{typ: "adjust", status: "settled", amount: "1.00", parent: -2, code: 400, reason: "parent_transaction_id"},
			{typ: "adjust", status: "settled", amount: "1.00", parent: -1, code: 400, reason: "parent_transaction_id"},
			{typ: "reverse", status: "settled", amount: "1.00", parent: -1, code: 400, reason: "parent_transaction_id"},
			{typ: "refund", status: "settled", amount: "1.00", parent: -2, code: 400, reason: "parent_transaction_id"},
		}, balance: "0.00/0.00/0.00"},
		{name: "parent of another card", steps: []simStep{
			{typ: "auth", status: "pending", amount: "5.00", parent: -1, card: otherCard},
			{typ: "adjust", status: "settled", amount: "5.00", parent: 0, code: 400, reason: "parent_transaction_id"},
		}, parents: map[int]string{0: "pending"}, balance: "-5.00/5.00/0.00"},
		{name: "parents in the wrong state", steps: []simStep{
			{typ: "auth", status: "pending", amount: "5.00", parent: -1},
			{typ: "refund", status: "settled", amount: "5.00", parent: 0, code: 400, reason: "parent_transaction_id"},
			{typ: "auth", status: "settled", amount: "5.00", parent: -1},
			{typ: "reverse", status: "settled", amount: "5.00", parent: 2, code: 400, reason: "parent_transaction_id"},
			{typ: "adjust", status: "settled", amount: "5.00", parent: 2, code: 400, reason: "parent_transaction_id"},
		}, parents: map[int]string{0: "pending", 2: "settled"}, balance: "-10.00/5.00/0.00"},
		{name: "bad amounts", steps: []simStep{
			{typ: "auth", status: "pending", amount: "abc", parent: -1, code: 400, reason: "amount"},
			{typ: "auth", status: "pending", amount: "0.00", parent: -1, code: 400, reason: "amount"},
			{typ: "auth", status: "pending", amount: "1.005", parent: -1, code: 400, reason: "amount"},
		}, balance: "0.00/0.00/0.00"},
		{name: "settle", steps: []simStep{
			{typ: "auth", status: "pending", amount: "93.50", parent: -1},
			{typ: "adjust", status: "settled", amount: "120.00", parent: 0},
		}, parents: map[int]string{0: "settled"}, balance: "-120.00/0.00/0.00",
			events: []string{"transaction.created", "transaction.created", "transaction.updated", "transaction.status.settled"}},
		{name: "adjust pending then settle", steps: []simStep{
			{typ: "auth", status: "pending", amount: "100.00", parent: -1},
			{typ: "adjust", status: "pending", amount: "80.00", parent: 0},
			{typ: "adjust", status: "settled", amount: "90.00", parent: 0},
		}, parents: map[int]string{0: "settled", 1: "pending"}, balance: "-90.00/0.00/0.00"},
		{name: "reverse", steps: []simStep{
			{typ: "auth", status: "pending", amount: "93.50", parent: -1},
			{typ: "reverse", status: "settled", amount: "93.50", parent: 0},
		}, parents: map[int]string{0: "reversed"}, balance: "0.00/0.00/0.00",
			events: []string{"transaction.created", "transaction.created", "transaction.updated", "transaction.status.reversed"}},
		{name: "refund", steps: []simStep{
			{typ: "auth", status: "settled", amount: "120.00", parent: -1},
			{typ: "refund", status: "settled", amount: "120.00", parent: 0},
		}, parents: map[int]string{0: "settled"}, balance: "0.00/0.00/0.00",
			events: []string{"transaction.created", "transaction.created"}},
		{name: "refund pending then settled", steps: []simStep{
			{typ: "auth", status: "settled", amount: "120.00", parent: -1},
			{typ: "refund", status: "pending", amount: "20.00", parent: 0},
			{typ: "refund", status: "settled", amount: "20.00", parent: 1},
		}, parents: map[int]string{0: "settled", 1: "settled"}, balance: "-100.00/0.00/0.00"},
		{name: "auth with a parent sent", steps: []simStep{
			{typ: "auth", status: "pending", amount: "1.00", parent: -2},
		}, balance: "-1.00/1.00/0.00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := NewServer(WithCards(otherCard))
			defer srv.Close()
			if tt.card != "" {
				if status, m := call(t, srv.URL, http.MethodPatch, cardPath, tt.card, nil); status != http.StatusOK {
					t.Fatalf("PATCH card: %d %v", status, m)
				}
			}
			var mu sync.Mutex
			var events []string
			srv.onEmit = func(typ string, _ []byte) { mu.Lock(); events = append(events, typ); mu.Unlock() }
			ids := make([]string, len(tt.steps))
			for i, s := range tt.steps {
				status, m := call(t, srv.URL, http.MethodPost, simPath, simBody(s, ids), nil)
				code := s.code
				if code == 0 {
					code = http.StatusCreated
				}
				if status != code {
					t.Fatalf("step %d %s: %d %v, want %d", i, s.typ, status, m, code)
				}
				if code != http.StatusCreated {
					if e, _ := m["error"].(map[string]any); e["field_name"] != s.reason {
						t.Errorf("step %d: error %v, want field_name %s", i, e, s.reason)
					}
					continue
				}
				ids[i] = m["id"].(string)
				want := s.want
				if want == "" {
					want = s.status
				}
				dir := "debit"
				if s.typ == "reverse" || s.typ == "refund" {
					dir = "credit"
				}
				card := s.card
				if card == "" {
					card = DefaultCardID
				}
				c, _ := m["card"].(map[string]any)
				if m["status"] != want || m["type"] != s.typ || m["amount"] != s.amount || m["direction"] != dir ||
					m["method"] != "card_issuing" || m["message"] != "incoming" || m["sub_account_id"] != subID ||
					c["id"] != card || c["card_holder_id"] != DefaultCardHolderID {
					t.Errorf("step %d: %v; want status %s, type %s, amount %s, %s, card %s", i, m, want, s.typ, s.amount, dir, card)
				}
				if d, _ := m["description"].(string); s.reason != "" && !strings.Contains(d, s.reason) {
					t.Errorf("step %d: description %q, want the reason %q", i, d, s.reason)
				}
				ts, _ := m["timestamps"].(map[string]any)
				if _, has := ts["settled_at"]; has != (want == "settled") {
					t.Errorf("step %d: timestamps %v with status %s", i, ts, want)
				}
				if s.typ == "auth" && m["parent_transaction_id"] != "" {
					t.Errorf("step %d: an auth follows %v", i, m["parent_transaction_id"])
				}
				if s.parent >= 0 && m["parent_transaction_id"] != ids[s.parent] {
					t.Errorf("step %d: parent_transaction_id %v, want %s", i, m["parent_transaction_id"], ids[s.parent])
				}
			}
			for i, want := range tt.parents {
				if status, m := call(t, srv.URL, http.MethodGet, txnPath+ids[i], "", nil); status != http.StatusOK || m["status"] != want {
					t.Errorf("step %d's transaction: %d %v, want status %s", i, status, m["status"], want)
				} else if ts, _ := m["timestamps"].(map[string]any); want == "settled" && ts["settled_at"] == nil {
					t.Errorf("step %d's transaction settled without settled_at: %v", i, ts)
				}
			}
			_, sub := call(t, srv.URL, http.MethodGet, subPath, "", nil)
			if got := fmt.Sprintf("%v/%v/%v", sub["available_balance"], sub["pending_debits"], sub["pending_credits"]); got != tt.balance {
				t.Errorf("sub account balances %s, want %s", got, tt.balance)
			}
			mu.Lock()
			defer mu.Unlock()
			if tt.events != nil && !slices.Equal(events, tt.events) {
				t.Errorf("events %v, want %v", events, tt.events)
			}
		})
	}
}

// TestCardTransactionBalancesShown: each transaction carries the sub
// account's balances after it and what the card may still spend; reads
// and the sub account's list filter show it; Reset forgets the moves.
func TestCardTransactionBalancesShown(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	_, a := call(t, srv.URL, http.MethodPost, simPath, `{"card_id":"`+DefaultCardID+`","amount":"93.50","type":"auth","status":"pending"}`, nil)
	if a["available_balance"] != "-93.50" || a["pending_debits"] != "93.50" || a["pending_credits"] != "0.00" {
		t.Errorf("auth balances %v %v %v", a["available_balance"], a["pending_debits"], a["pending_credits"])
	}
	c, _ := a["card"].(map[string]any)
	// The documented auth of 93.50 leaves 406.50 of the daily 500.00 and
	// 9 of 10 transactions (simulate_auth_example).
	if al, _ := c["available_limit"].(map[string]any); al["period"] != "daily" || al["max_spend_amount"] != "406.50" || al["max_spend_count"] != "9" {
		t.Errorf("available_limit %v", c["available_limit"])
	}
	_, s := call(t, srv.URL, http.MethodPost, simPath, `{"card_id":"`+DefaultCardID+`","amount":"100.00","type":"adjust","status":"settled","parent_transaction_id":"`+a["id"].(string)+`"}`, nil)
	if s["available_balance"] != "-100.00" || s["pending_debits"] != "0.00" {
		t.Errorf("settle balances %v %v", s["available_balance"], s["pending_debits"])
	}
	for _, id := range []any{a["id"], s["id"]} {
		if status, m := call(t, srv.URL, http.MethodGet, txnPath+id.(string), "", nil); status != http.StatusOK || m["method"] != "card_issuing" {
			t.Errorf("GET %v: %d %v", id, status, m)
		}
	}
	ids := listed(t, srv.URL, "/v2/payments/transaction?limit=100&sub_account_id="+subID)
	if !slices.Contains(ids, a["id"].(string)) || !slices.Contains(ids, s["id"].(string)) {
		t.Errorf("list by sub account %v lacks %v, %v", ids, a["id"], s["id"])
	}
	if ids := listed(t, srv.URL, "/v2/payments/transaction?sub_account_id=sub_00000000000000000000000000000000"); slices.Contains(ids, a["id"].(string)) {
		t.Errorf("another sub account lists the card's transaction: %v", ids)
	}
	// Reset gives the sub account its documented balances back.
	srv.Reset()
	if _, sub := call(t, srv.URL, http.MethodGet, subPath, "", nil); sub["available_balance"] != "0.00" || sub["pending_debits"] != "0.00" {
		t.Errorf("after Reset: %v/%v", sub["available_balance"], sub["pending_debits"])
	}
}

// TestCardSpendPeriods: a period's limit counts the auths created in it,
// in UTC: the next day, week, month or year starts afresh; all_time never.
func TestCardSpendPeriods(t *testing.T) {
	// Wednesday 2026-01-14 23:00 UTC, and an hour later.
	start := time.Date(2026, 1, 14, 23, 0, 0, 0, time.UTC)
	tests := []struct {
		period string
		later  time.Duration // from start
		ok     bool          // a second auth of 80.00 then fits under 100.00
	}{
		{"daily", time.Hour, true},
		{"daily", 30 * time.Minute, false},
		{"weekly", 4 * 24 * time.Hour, false}, // Sunday
		{"weekly", 5 * 24 * time.Hour, true},  // Monday
		{"monthly", 16 * 24 * time.Hour, false},
		{"monthly", 18 * 24 * time.Hour, true},
		{"yearly", 300 * 24 * time.Hour, false},
		{"yearly", 400 * 24 * time.Hour, true},
		{"all_time", 4000 * 24 * time.Hour, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.period, tt.later), func(t *testing.T) {
			h := NewHandler()
			srv := newServerFor(h)
			defer srv.Close()
			var clock sync.Mutex
			now := start
			h.now = func() time.Time { clock.Lock(); defer clock.Unlock(); return now }
			call(t, srv.URL, http.MethodPatch, cardPath, `{"controls":{"limit":{"period":"`+tt.period+`","max_spend_amount":"100.00"}}}`, nil)
			body := `{"card_id":"` + DefaultCardID + `","amount":"80.00","type":"auth","status":"pending"}`
			if _, m := call(t, srv.URL, http.MethodPost, simPath, body, nil); m["status"] != "pending" {
				t.Fatalf("first auth %v", m)
			}
			clock.Lock()
			now = start.Add(tt.later)
			clock.Unlock()
			_, m := call(t, srv.URL, http.MethodPost, simPath, body, nil)
			if got := m["status"] == "pending"; got != tt.ok {
				t.Errorf("second auth at %s: %v %v, want approved %v", start.Add(tt.later), m["status"], m["description"], tt.ok)
			}
		})
	}
}

// TestCardAuthsAtOnce: authorizations that arrive at once on one card
// never spend more than its daily limit together.
func TestCardAuthsAtOnce(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	const n = 40 // of 20.00 each, under the example card's daily 500.00: 25 fit
	body := `{"card_id":"` + DefaultCardID + `","amount":"20.00","type":"auth","status":"pending"}`
	var wg sync.WaitGroup
	var mu sync.Mutex
	approved := 0
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, m := call(t, srv.URL, http.MethodPost, simPath, body, nil)
			if status != http.StatusCreated {
				t.Errorf("%d %v", status, m)
				return
			}
			if m["status"] == "pending" {
				mu.Lock()
				approved++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if approved != 25 {
		t.Errorf("%d auths of 20.00 approved under a daily limit of 500.00, want 25", approved)
	}
	_, sub := call(t, srv.URL, http.MethodGet, subPath, "", nil)
	if sub["pending_debits"] != "500.00" || sub["available_balance"] != "-500.00" {
		t.Errorf("sub account %v/%v, want -500.00/500.00", sub["available_balance"], sub["pending_debits"])
	}
}

func TestCents(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"93.50", 9350, true}, {"93.5", 9350, true}, {"93", 9300, true}, {"0.01", 1, true},
		{"-1.05", -105, true}, {"1.005", 0, false}, {"", 0, false}, {"1e3", 0, false}, {".5", 0, false},
	}
	for _, tt := range tests {
		got, ok := cents(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("cents(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
		if ok && money(got) != map[string]string{"93.5": "93.50", "93": "93.00"}[tt.in] && money(got) != tt.in {
			t.Errorf("money(%d) = %s", got, money(got))
		}
	}
}
