package solidtest

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Card transactions: simulateCardTransaction (Simulate an Auth
// Transaction, docs.solidfi.com/v2/api-reference/simulation/
// simulate-an-auth-transaction) creates a Transaction as every create
// does (create.go); cardTxn then applies the rules the package
// documentation lists under "a simulated card transaction". Everything
// runs under smu, from reading the card to storing the transaction, so
// authorizations that arrive at once are checked against each other's
// spend.

// isCardTxn reports whether obj, a new resource of kind k, is a card
// transaction: a transaction whose documented example is card activity
// (method card_issuing), which only the card simulation's is.
func isCardTxn(k *kind, obj map[string]any) bool {
	return k.param == "transaction_id" && obj["method"] == "card_issuing"
}

// cardTxnKinds makes the kinds a card transaction reads, before smu is
// taken (ensureKind must not be called with it held).
func (h *Handler) cardTxnKinds() {
	h.ensureKind("card_id")
	h.ensureKind("sub_account_id")
}

// cardTxn applies the card transaction rules to obj, the new transaction
// built from req: its card, direction, parent, decline and balances. It
// answers the field at fault and why, for a 400, or the events of the
// parent's change. The caller holds smu and stores obj afterwards.
func (h *Handler) cardTxn(obj, req map[string]any, now time.Time) (field, msg string, evs []change) {
	txns := h.kinds["transaction_id"]
	c, _ := obj["card"].(map[string]any)
	if c == nil {
		c = map[string]any{}
		obj["card"] = c
	}
	cardID, _ := c["id"].(string)
	var card map[string]any
	if k := h.kinds["card_id"]; k != nil {
		card = k.byID[cardID]
	}
	if card == nil {
		return "card_id", notFoundMsg("card_id", cardID), nil
	}
	amount, ok := cents(obj["amount"])
	if !ok || amount <= 0 {
		return "amount", "amount must be a positive amount in dollars, at most two decimals (\"93.50\")", nil
	}
	typ, _ := obj["type"].(string)
	status, _ := obj["status"].(string)
	obj["method"], obj["message"] = "card_issuing", "incoming"
	obj["direction"] = "debit"
	if typ == "reverse" || typ == "refund" {
		obj["direction"] = "credit"
	}
	// The card object: the card's id and card holder.
	holder, _ := card["card_holder_id"].(string)
	if holder == "" {
		holder, _ = card["cardholder_id"].(string)
	}
	c["card_holder_id"] = holder
	delete(c, "cardholder_id")
	if lt, ok := c["local_transaction"].(map[string]any); ok {
		lt["amount"] = obj["amount"]
	}
	for _, f := range []string{"sub_account_id", "master_account_id", "sub_account_holder_id", "master_account_holder_id", "client_id"} {
		if v, ok := card[f].(string); ok && v != "" {
			obj[f] = v
		}
	}
	subID, _ := obj["sub_account_id"].(string)
	var sub map[string]any
	if k := h.kinds["sub_account_id"]; k != nil {
		sub = k.byID[subID]
	}

	// The parent: none for an auth, else a card transaction of this card
	// in the state the type follows.
	var parent map[string]any
	pid, _ := req["parent_transaction_id"].(string)
	if typ == "auth" {
		obj["parent_transaction_id"] = ""
	} else {
		if pid == "" {
			return "parent_transaction_id", "parent_transaction_id is required for an " + typ, nil
		}
		parent = txns.byID[pid]
		if parent == nil {
			return "parent_transaction_id", notFoundMsg("transaction_id", pid), nil
		}
		pc, _ := parent["card"].(map[string]any)
		if parent["method"] != "card_issuing" || pc == nil || pc["id"] != cardID {
			return "parent_transaction_id", "transaction " + pid + " is not a card transaction of card " + cardID, nil
		}
		ptyp, pst := parent["type"], parent["status"]
		var fits bool
		switch typ {
		case "adjust", "reverse":
			fits = ptyp == "auth" && pst == "pending"
		case "refund":
			fits = (ptyp == "auth" || ptyp == "adjust") && pst == "settled" ||
				ptyp == "refund" && pst == "pending" && status == "settled"
		}
		if !fits {
			return "parent_transaction_id", fmt.Sprintf("an %s cannot follow transaction %s, a %v %v", typ, pid, pst, ptyp), nil
		}
	}

	// Declines: an auth only.
	limit := spendLimit(card)
	var spent, count int64
	if limit.ok {
		spent, count = h.spent(txns, cardID, limit.period, now)
	}
	if typ == "auth" {
		if reason := decline(card, c, limit, spent, amount); reason != "" {
			obj["status"], obj["description"] = "declined", reason
			status = "declined"
		}
	}
	if limit.ok {
		left := limit.max - spent
		if limit.period == "per_transaction" {
			left = limit.max
		} else if typ == "auth" && status != "declined" {
			left -= amount
			count++
		}
		al := map[string]any{"period": limit.period, "max_spend_amount": money(max(left, 0))}
		if limit.count >= 0 {
			al["max_spend_count"] = strconv.FormatInt(max(limit.count-count, 0), 10)
		}
		c["available_limit"] = al
	} else {
		delete(c, "available_limit")
	}

	// Balances and the parent.
	bal := balances(sub)
	var settle, reverse bool
	switch {
	case status == "declined":
	case typ == "auth" && status == "pending":
		bal.hold(amount)
	case typ == "auth":
		bal.available -= amount
	case typ == "adjust":
		bal.release(h.hold(txns, pid, parent))
		if status == "pending" {
			bal.hold(amount)
		} else {
			bal.available -= amount
			settle = true
		}
	case typ == "reverse":
		bal.release(h.hold(txns, pid, parent))
		reverse = true
	case typ == "refund" && parent["type"] == "refund":
		p, _ := cents(parent["amount"])
		bal.pendingCredits -= p
		bal.available += amount
		settle = true
	case typ == "refund" && status == "pending":
		bal.pendingCredits += amount
	case typ == "refund":
		bal.available += amount
	}
	bal.store(sub, now)
	if sub != nil {
		h.kinds["sub_account_id"].changed(subID)
	}
	obj["available_balance"], obj["pending_debits"], obj["pending_credits"] = money(bal.available), money(bal.pendingDebits), money(bal.pendingCredits)

	at := now.UTC().Format(time.RFC3339)
	c["network_settlement_at"] = ""
	if status == "settled" {
		settled(obj, at)
	}
	if rec, ok := obj["reconciliation"].(map[string]any); ok {
		for _, side := range []string{"master_account", "sub_account"} {
			list, _ := rec[side].([]any)
			for _, e := range list {
				if m, ok := e.(map[string]any); ok {
					m["amount"] = obj["amount"]
					if side == "sub_account" {
						m["id"], m["transaction_id"] = subID, obj["id"]
					}
				}
			}
		}
	}
	if settle || reverse {
		before := parent["status"]
		if settle {
			parent["status"] = "settled"
			settled(parent, at)
		} else {
			parent["status"] = "reversed"
		}
		touch(parent, now)
		txns.changed(pid)
		evs = h.changes(txns, "updated", parent, before)
	}
	return "", "", evs
}

// cardTxnEvents are the events of a new card transaction besides
// transaction.created: transaction.status.declined when it was declined.
func (h *Handler) cardTxnEvents(obj map[string]any) []change {
	if obj["status"] != "declined" || !h.eventTypes()["transaction.status.declined"] {
		return nil
	}
	id, _ := obj["id"].(string)
	return []change{{"transaction.status.declined", id, marshal(obj)}}
}

// settled marks a transaction settled at at: timestamps.settled_at and,
// on its card, network_settlement_at.
func settled(obj map[string]any, at string) {
	if ts, ok := obj["timestamps"].(map[string]any); ok {
		ts["settled_at"] = at
	}
	if c, ok := obj["card"].(map[string]any); ok {
		c["network_settlement_at"] = at
	}
}

// hold is what pending auth pid holds of its sub account: the amount of
// the last pending adjust that follows it, else its own.
func (h *Handler) hold(txns *kind, pid string, auth map[string]any) int64 {
	held, _ := cents(auth["amount"])
	for _, id := range txns.order {
		t := txns.byID[id]
		if t["parent_transaction_id"] == pid && t["type"] == "adjust" && t["status"] == "pending" {
			held, _ = cents(t["amount"])
		}
	}
	return held
}

// limit is a card's controls.limit: max and period, count the examples'
// max_spend_count (-1 when absent); ok when max_spend_amount is set.
type limit struct {
	period     string
	max, count int64
	ok         bool
}

func spendLimit(card map[string]any) limit {
	ctl, _ := card["controls"].(map[string]any)
	l, _ := ctl["limit"].(map[string]any)
	out := limit{count: -1}
	out.max, out.ok = cents(l["max_spend_amount"])
	out.period, _ = l["period"].(string)
	if out.period == "" {
		out.ok = false
	}
	if n, err := strconv.ParseInt(fmt.Sprint(l["max_spend_count"]), 10, 64); err == nil {
		out.count = n
	}
	return out
}

// spent sums card's auths in the period now is in, declined and reversed
// ones aside, by created_at: their amounts and how many. It reads the
// card's transactions only (txnindex.go), and keeps the sum until one of
// them changes or the period moves on.
func (h *Handler) spent(txns *kind, card, period string, now time.Time) (sum, n int64) {
	if period == "per_transaction" {
		return 0, 0
	}
	from := periodStart(period, now)
	ct := txns.txns.byCard[card]
	if ct == nil {
		return 0, 0
	}
	if s, ok := ct.sums[period]; ok && s.from.Equal(from) {
		return s.sum, s.n
	}
	for _, id := range ct.ids {
		t := txns.byID[id]
		if c, _ := txnCard(t); c != card {
			continue
		}
		if a, ok := spendOf(t, from); ok {
			sum, n = sum+a, n+1
		}
	}
	if ct.sums == nil {
		ct.sums = map[string]spendSum{}
	}
	ct.sums[period] = spendSum{from: from, sum: sum, n: n}
	return sum, n
}

// periodStart is when the limit period now is in began, in UTC: the day,
// the week (from Monday), the month, the year; all_time and any other
// period from the beginning.
func periodStart(period string, now time.Time) time.Time {
	now = now.UTC()
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	switch period {
	case "daily":
		return day
	case "weekly":
		return day.AddDate(0, 0, -((int(now.Weekday()) + 6) % 7))
	case "monthly":
		return time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	case "yearly":
		return time.Date(now.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return time.Time{}
}

// decline returns why an auth of amount on card is declined, or "".
func decline(card, c map[string]any, l limit, spent, amount int64) string {
	if st, _ := card["status"].(string); st != "open" && st != "activated" {
		return "declined: card is " + st
	}
	ctl, _ := card["controls"].(map[string]any)
	merchant, _ := c["merchant"].(string)
	has := func(list string) (bool, bool) {
		m, _ := ctl[list].(map[string]any)
		names, _ := m["merchants"].([]any)
		return len(names) > 0, slices.ContainsFunc(names, func(n any) bool {
			s, _ := n.(string)
			return strings.EqualFold(s, merchant)
		})
	}
	if set, in := has("allowed"); set && !in {
		return "declined: merchant " + merchant + " is not among the card's allowed merchants"
	}
	if _, in := has("blocked"); in {
		return "declined: merchant " + merchant + " is among the card's blocked merchants"
	}
	if l.ok && spent+amount > l.max {
		if l.period == "per_transaction" {
			return "declined: over the card's per_transaction spend limit of " + money(l.max)
		}
		return fmt.Sprintf("declined: over the card's %s spend limit of %s (%s spent)", l.period, money(l.max), money(spent))
	}
	return ""
}

// ledger is a sub account's balances, in cents.
type ledger struct{ available, pendingDebits, pendingCredits int64 }

func balances(sub map[string]any) ledger {
	var b ledger
	b.available, _ = cents(sub["available_balance"])
	b.pendingDebits, _ = cents(sub["pending_debits"])
	b.pendingCredits, _ = cents(sub["pending_credits"])
	return b
}

// hold sets amount aside for a pending debit; release gives it back.
func (b *ledger) hold(amount int64) {
	b.available, b.pendingDebits = b.available-amount, b.pendingDebits+amount
}
func (b *ledger) release(amount int64) { b.hold(-amount) }

// store writes the balances into sub, when there is one.
func (b ledger) store(sub map[string]any, now time.Time) {
	if sub == nil {
		return
	}
	sub["available_balance"], sub["pending_debits"], sub["pending_credits"] = money(b.available), money(b.pendingDebits), money(b.pendingCredits)
	touch(sub, now)
}

var amountRe = regexp.MustCompile(`^-?[0-9]{1,13}(\.[0-9]{1,2})?$`)

// cents reads an amount ("93.50", "93.5", "93") as cents.
func cents(v any) (int64, bool) {
	s, _ := v.(string)
	if !amountRe.MatchString(s) {
		return 0, false
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	frac = (frac + "00")[:2]
	w, _ := strconv.ParseInt(whole, 10, 64)
	f, _ := strconv.ParseInt(frac, 10, 64)
	n := w*100 + f
	if neg {
		n = -n
	}
	return n, true
}

// money writes cents as an amount: "93.50", "-1.05".
func money(c int64) string {
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	return fmt.Sprintf("%s%d.%02d", sign, c/100, c%100)
}
