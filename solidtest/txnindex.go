package solidtest

import (
	"slices"
	"time"
)

// The transactions of each card, for the spend-limit check: spent reads
// only the card's own transactions, and keeps what it summed per period
// until one of them changes. Only the kind of transaction_id keeps it;
// everything runs under smu.
//
// The index holds every stored transaction whose card.id is a string,
// whatever its method or type, so a transaction changed later (an update
// or action that merges into it) is found under its card; spent checks
// every condition again on what it reads.

// cardTxns is one card's transactions and the sums spent made of them.
type cardTxns struct {
	ids  []string
	sums map[string]spendSum // by period
}

// spendSum is what spent found for a period starting at from.
type spendSum struct {
	from   time.Time
	sum, n int64
}

// txnIndex is the kind's index of transactions by card.
type txnIndex struct {
	byCard map[string]*cardTxns
	cardOf map[string]string // the card each indexed transaction is under
}

func (k *kind) indexed() bool { return k.param == "transaction_id" }

// txnCard is the card id of a transaction, when it has one.
func txnCard(t map[string]any) (string, bool) {
	c, _ := t["card"].(map[string]any)
	id, ok := c["id"].(string)
	return id, ok
}

// index files a transaction just stored under id by a create: the sums
// kept for its card take it in, rather than being summed again.
func (k *kind) indexNew(id string) {
	if !k.indexed() {
		return
	}
	if _, had := k.txns.cardOf[id]; had {
		k.reindex(id)
		return
	}
	t := k.byID[id]
	card, ok := txnCard(t)
	if !ok {
		return
	}
	ct := k.cardEntry(card)
	ct.ids = append(ct.ids, id)
	k.txns.cardOf[id] = card
	for p, s := range ct.sums {
		if a, ok := spendOf(t, s.from); ok {
			s.sum, s.n = s.sum+a, s.n+1
			ct.sums[p] = s
		}
	}
}

func (k *kind) cardEntry(card string) *cardTxns {
	if k.txns.byCard == nil {
		k.txns.byCard = map[string]*cardTxns{}
		k.txns.cardOf = map[string]string{}
	}
	ct := k.txns.byCard[card]
	if ct == nil {
		ct = &cardTxns{}
		k.txns.byCard[card] = ct
	}
	return ct
}

// reindex files transaction id again after it changed in place (an
// update, an action, a card transaction settling or reversing it), or
// forgets it when it is no longer stored: the sums of the cards it was
// and is under are dropped.
func (k *kind) reindex(id string) {
	if !k.indexed() {
		return
	}
	old, had := k.txns.cardOf[id]
	t, stored := k.byID[id]
	card, ok := txnCard(t)
	if had {
		ct := k.txns.byCard[old]
		ct.sums = nil
		if !stored || !ok || card != old {
			ct.ids = slices.DeleteFunc(ct.ids, func(x string) bool { return x == id })
			delete(k.txns.cardOf, id)
			had = false
		}
	}
	if stored && ok && !had {
		ct := k.cardEntry(card)
		ct.ids = append(ct.ids, id)
		k.txns.cardOf[id] = card
	}
	if stored && ok {
		k.txns.byCard[card].sums = nil
	}
}

// rebuildIndex files every stored transaction again (Reset).
func (k *kind) rebuildIndex() {
	if !k.indexed() {
		return
	}
	k.txns = txnIndex{}
	for _, id := range k.order {
		k.indexNew(id)
	}
}

// spendOf is what transaction t counts toward its card's spend in a
// period starting at from: its amount, when it is a card auth neither
// declined nor reversed, created at or after from.
func spendOf(t map[string]any, from time.Time) (int64, bool) {
	if t["method"] != "card_issuing" || t["type"] != "auth" || t["status"] == "declined" || t["status"] == "reversed" {
		return 0, false
	}
	ts, _ := t["timestamps"].(map[string]any)
	s, _ := ts["created_at"].(string)
	at, err := time.Parse(time.RFC3339, s)
	if err != nil || at.Before(from) {
		return 0, false
	}
	return cents(t["amount"])
}
