// Package solidtest runs a mock of Solid's API for tests, in the manner of
// net/http/httptest. The mock is driven by the same openapi.yaml the SDK is
// generated from: every request is validated against it, and every answer
// is one the spec allows.
//
//	srv := solidtest.NewServer()
//	defer srv.Close()
//	c, _ := solid.NewClient(solidtest.DefaultAPIKey, solid.WithBaseURL(srv.URL))
//	tok, err := c.CreateSetPinToken(ctx, solidtest.DefaultCardID)
//
// The server knows one API key ([DefaultAPIKey]), and starts with the card
// and the card holder of Solid's documented examples ([DefaultCardID],
// [DefaultCardHolderID]); [WithCards], [WithCardHolders],
// [Handler.AddCard] and [Handler.AddCardHolder] add copies of them with
// other ids. It answers every operation in openapi.yaml, reading how from
// the shape of each path rather than from a list of operations:
//
//   - GET on a resource (getCard, getCardHolder) returns it as stored;
//   - PATCH (updateCard, updateCardHolder) applies Solid's partial update:
//     fields sent replace fields stored, nested objects merge, a metadata
//     key sent as "" is removed, and timestamps.updated_at moves; later
//     reads and lists show the change. A field the update takes but its
//     answer's schema does not declare (a sub account holder's
//     verification) is accepted and not stored, since no read may
//     return it;
//   - a create (createCard, createCardHolder, createWebhook, and every
//     origination and simulation that answers a Transaction: a POST
//     answering 201 with the schema an item GET answers) stores a new
//     resource with a fresh id in the documented prefix (crd_, cah_,
//     txn_, whk_, ... and 32 random hex digits), made of the documented
//     example and the request's fields that a read returns, its
//     timestamps now; reads, lists, updates and deletes then see it, and
//     Reset forgets it. A body id naming a resource the mock keeps
//     (a card's cardholder_id, a card holder's sub_account_id, a simulated
//     transaction's card_id) must name a stored one, else the 404 envelope
//     (400 naming the field where the operation declares no 404); the new
//     resource takes its parent's other ids (a card its card holder's
//     sub_account_id). createWebhook's answer alone carries a fresh
//     signing secret, in the mock's own format (whsec_ and 32 hex
//     digits); no read returns it;
//   - a list (listCards, listCardHolders) pages over the stored resources
//     in the order they were added: limit (1 to 100, default 25),
//     starting_after, ending_before, and the envelope's total, has_more
//     (the string "true" or "false", as documented) and cursors; a cursor
//     that names no record gives an empty page. A query parameter that is
//     a top-level field of the listed item (listCards' card_holder_id,
//     listTransactions' sub_account_id) keeps the records whose field
//     equals it; the others are ignored;
//   - a token operation (createSetPinToken, createShowToken) mints a fresh
//     token with the documented prefix (card_pin_test_, card_show_test_)
//     for a known card;
//   - DELETE on a resource (deleteWebhook, deleteAttachment) removes it:
//     later reads answer 404 and lists no longer show it, until Reset;
//     its 204 has no body;
//   - a card's life (Cards pages of docs.solidfi.com/v2/api-reference):
//     activateCard (Activate a Card: "the request repeats what is printed
//     on it") checks the last4, expiry_month and expiry_year sent against
//     the stored card, 400 ERROR_CODE_INVALID_FIELD naming the first that
//     differs, and sets the status activated; reissueCard (Reissue a Card:
//     "the answer is the card") answers the stored card with the shipping
//     address sent, for any of its reasons (lost, stolen, damaged,
//     expired); updateCard sets any status its enum allows (open, closed,
//     blocked), since no page documents which transitions are allowed. A
//     new card takes the documented example's status (activated), virtual
//     or physical: no page documents another status before activation.
//     These are read from the shape of the spec, not per operation: an
//     action below an item that answers the item's schema acts on the
//     stored item, checking what it is sent when its verb names a status
//     (activate: activated), else storing it;
//   - a simulated card transaction (simulateCardTransaction; its page is
//     Simulate an Auth Transaction, docs.solidfi.com/v2/api-reference/
//     simulation/simulate-an-auth-transaction, "the page" below) is a
//     stored Transaction with method card_issuing, message incoming,
//     type, status and amount as sent, the card's sub account and other
//     ids, and card.id and card.card_holder_id from the stored card; its
//     merchant is the page's example's (Mom and Pop). Fields not sent take
//     the page's auth example's values (the page marks none required); an
//     amount that is not a positive dollar amount with at most two
//     decimals gets 400 naming amount (the page is silent). Rules
//     (transactions.go):
//   - direction: debit for auth and adjust, credit for reverse and refund,
//     as the page's examples show (the docs state no rule);
//   - parents: adjust, reverse and refund need a parent_transaction_id
//     naming a stored card transaction of the same card, else 400
//     ERROR_CODE_INVALID_FIELD naming parent_transaction_id (the
//     operation declares 400 and no 404). The page's examples give each
//     type its parent: an adjust ("Simulate a Settle Transaction") and a
//     reverse follow a pending auth; a refund follows a settled auth or
//     adjust, and a settled refund may follow a pending refund ("Refund
//     Settle" after "Refund Auth"); another parent gets the same 400 (the
//     docs are silent; the mock's rule). An auth follows nothing: the
//     docs are silent on an auth sent with one, so the mock is lenient:
//     it is ignored and the auth's parent_transaction_id is "";
//   - declines: an auth, and only an auth (adjust, reverse and refund
//     follow one already approved; the docs are silent), is stored with
//     status declined and a description giving the reason (the schema
//     has no decline-reason field; the page documents no way to force a
//     decline, so these are the mock's rules, from the card's documented
//     fields) when: the card's status is neither open nor activated
//     (blocked, closed, locked: "declined: card is blocked"); the card
//     has controls.allowed.merchants and the merchant is not among them,
//     or is among controls.blocked.merchants, compared without case
//     (card-issuance/controls: an allowed list approves a transaction
//     that matches it, a blocked list declines one); or it goes over
//     controls.limit.max_spend_amount (the most the card may spend in its
//     period, Update a Card): for
//     per_transaction its amount, for daily, weekly, monthly, yearly and
//     all_time the card's auths created in the period, declined and
//     reversed ones aside, plus its amount. Periods are calendar periods
//     in UTC (weeks from Monday), the docs being silent. Not checkable, so
//     not checked: MCC categories and countries (a v2 card transaction
//     carries neither), controls.atm_enabled (card-issuance/atm; the
//     simulation has no ATM flag), the examples' max_spend_per_transaction
//     and max_spend_count as limits (the schema declares them read-only,
//     and the page's own approved auth of 120.00 is over the example
//     card's 100.00; max_spend_count only shows what is left), the
//     card's expiry, and
//     the available balance (v1's card-testing page declined over it; the
//     v2 docs are silent, and the mock's sub accounts start at 0.00);
//   - card.available_limit shows the card's limit period and what it may
//     still spend in it after the transaction, and max_spend_count what
//     is left of the card's max_spend_count, as the page's auth example
//     does (500.00 daily, 93.50 spent: 406.50, and 9 of 10); it is
//     absent when the card has no limit;
//   - parents move: a settled adjust settles its auth (status settled,
//     timestamps.settled_at and card.network_settlement_at set), a
//     reverse marks its auth reversed (pending or settled itself: the
//     page shows only a settled one), a settled refund settles the
//     pending refund it follows; a refund of a settled auth is a credit of
//     its own and leaves it as it is. The new transaction emits
//     transaction.created and, when declined, transaction.status.declined
//     (the Create a Webhook example subscribes to it, and no other event
//     would tell of a decline); a parent that moves emits
//     transaction.updated and transaction.status.<status>;
//   - balances: the sub account's available_balance, pending_debits and
//     pending_credits (SubAccount), and each new transaction's copy of
//     them as they stand after it (Transaction), move as the page's
//     examples show: a pending auth moves its amount from the available
//     balance into pending_debits (simulate_auth_example), a settled auth
//     takes it from the available balance (simulate_auth_settle_example).
//     Where the docs are silent, the mock's rules: an adjust's amount is
//     what its auth now stands at, pending (the hold changes to it) or
//     settled (the hold is released and the amount taken); a reverse
//     releases the auth's hold; a pending refund adds to pending_credits,
//     a settled one to the available balance (taking a pending refund it
//     settles out of pending_credits). A declined auth moves nothing.
//     Balances may go below zero, and move no sub_account event;
//   - listTransactions and getTransaction show card transactions as any
//     other (listTransactions filters on sub_account_id and the other
//     ids, as above; it documents no card_id filter);
//   - a create or an update emits the events the spec's WebhookEventType
//     lists for it: <kind>.created, <kind>.updated and, when the status
//     moves, <kind>.status.<status> (card.status.blocked), the kind being
//     the resource's (card, card_holder, transaction, ...);
//   - any other operation answers with its documented example, path
//     parameters put into the fields named like them (and "id"), or with a
//     value made from its schema.
//
// An unknown resource gets the 404 envelope, naming it ("cannot find card
// by id crd_..."): every path parameter that names a kind of resource the
// mock keeps must name one it stores, for every operation under that path
// that declares 404 (activateCard, reissueCard, the sub-account holder's
// idv, deletes). A missing or wrong key gets the 401 envelope. Requests the
// spec does not allow get an error envelope too (404 for an unknown path,
// 405 for a wrong method, 400 otherwise, with field_name when a field is
// at fault), never a panic or an HTML page. A body field the operation's
// request schema does not declare, at any depth, gets 400
// ERROR_CODE_INVALID_FIELD naming it ("controls.limitz"): stored, it would
// come back in every later read, which the spec does not allow.
//
// Every status the mock answers an operation with is one openapi.yaml
// declares for it (the package's tests walk every operation through every
// kind of request to check it), so it never
// sends an answer the SDK, or any client generated from the spec, cannot
// expect. Where the spec declares no error for a request, the mock does
// what it allows: a body sent to an operation that declares none is
// ignored; a Prism-style Prefer header ("Prefer: code=404",
// "example=card_example") asking for an undeclared answer is ignored, as
// RFC 7240 has servers do, and an honoured one is echoed in
// Preference-Applied. The one exception is a 5xx fault (see Fault).
//
// A POST or PATCH that repeats an idempotency-key header (with the same API
// key, method and path) gets the first answer back, whatever its status,
// marked with Idempotent-Replayed: true (as Stripe marks it) and
// Request.Replayed, and changes nothing again, also when the repeats
// arrive at once; keys expire after 24 hours. Solid documents that a
// reused key gets the cached answer, so a different body on the same path
// gets it too, with a warning in the log; WithStrictIdempotency refuses it
// instead. Solid does not document a key reused on another method or path:
// replaying there would answer one operation with another's answer (a PIN
// token for a card holder update), outside the spec, so the mock answers
// 409 ERROR_CODE_IDEMPOTENCY_KEY_REUSED, a status every write declares,
// and logs a warning. Injected faults are not kept under a key: they stand
// for answers from before the request was handled, so a retry with the
// same key goes on.
//
// Webhooks hear of changes: each event is POSTed, signed as the webhook
// package verifies it ([webhook.Handler]), to every active webhook that
// subscribes to its type and whose secret the mock knows, off the request
// path, in order per resource, retried with backoff
// ([WithDeliveryRetries]) and stopped by deleteWebhook.
// [Handler.SubscribeWebhook] registers a webhook with a secret the test
// chooses; [Handler.WaitForEvent] and [Handler.Deliveries] show what was
// sent, without secrets; [Handler.FailNextDeliveries] makes receivers seem
// down.
//
// For testing retry and timeout handling, the server can answer the next
// requests with an error status and Retry-After ([Handler.QueueFault]),
// drop the connection, or wait before answering ([Handler.SetLatency]).
// [Handler.Requests] records what it received, without API keys.
// [WithControl] offers the same from outside the process, to loopback
// clients only unless [WithControlFrom] says otherwise. [WithLogger] logs
// a line per request (request id, duration, why a request was refused)
// with API keys and token-shaped values scrubbed.
//
// [NewServer] serves the mock over HTTP on an httptest.Server,
// [NewTLSServer] over HTTPS, and [NewHandler] gives it as an http.Handler
// to serve any other way.
//
// [ContractTransport] checks the other direction: it wraps the
// http.RoundTripper of code under test and reports every request and
// response that violates openapi.yaml.
package solidtest

import (
	"log/slog"
	"net/netip"

	"github.com/solidsdk/solid-go/internal/specval"
)

const (
	// DefaultAPIKey is the API key the mock accepts unless WithAPIKeys says
	// otherwise. It is a test key and opens nothing real.
	DefaultAPIKey = "sk_test_solidtest_4f1c2b7e9a0d4c6e8b3a5d7f9e1c3b5a"

	// DefaultCardID is the card the mock always knows: the example card of
	// Solid's documentation ("Set a PIN", "Retrieve a Card").
	DefaultCardID = "crd_7948d9a96706dd05360a340002de725f"

	// DefaultCardHolderID is the card holder the mock knows from the
	// start: the example card holder of Solid's documentation.
	DefaultCardHolderID = "cah_a120a61f60dfd40fdb07b2e8bcd1f6f0"
)

// Option configures a mock in NewServer, NewTLSServer or NewHandler.
type Option func(*config)

type config struct {
	cards         []string
	holders       []string
	logger        *slog.Logger
	reads, writes int
	control       bool
	ctlFrom       []netip.Prefix
	strict        bool
	keys          []string
	set           bool               // WithAPIKeys was used
	delivery      deliveryConfig     // WithDeliveryRetries
	v             *specval.Validator // for tests; specval.Default() when nil
}

// WithCards adds cards the mock knows, besides DefaultCardID: copies of
// the documented example card with these ids, listed in this order after
// it. A request for any other card gets the 404 envelope.
func WithCards(ids ...string) Option {
	return func(c *config) { c.cards = append(c.cards, ids...) }
}

// WithCardHolders adds card holders the mock knows, besides
// DefaultCardHolderID: copies of the documented example with these ids.
func WithCardHolders(ids ...string) Option {
	return func(c *config) { c.holders = append(c.holders, ids...) }
}

// WithAPIKeys sets the API keys the mock accepts, replacing DefaultAPIKey.
// Empty keys are ignored: a request without a key always gets 401.
func WithAPIKeys(keys ...string) Option {
	return func(c *config) {
		c.keys = append(c.keys, keys...)
		c.set = true
	}
}
