package solid_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	solid "github.com/solidsdk/solid-go"
	"github.com/solidsdk/solid-go/flex"
	"github.com/solidsdk/solid-go/gen"
	"github.com/solidsdk/solid-go/solidtest"
)

// The card program, step by step: the README's story, one Example per
// step, each run against solidtest on every go test. In real use the
// client gets solid.WithEnvironment(solid.Sandbox) (or Production)
// instead of the mock's URL.
//
// solidtest keeps what is created: a create answers a new resource with a
// fresh id (the documented prefix and 32 random hex digits, so the
// Outputs print its shape, not its value), built from the operation's
// documented example and what was sent, and later reads and lists show it.

// shape prints an id as its prefix and the shape of the rest: fresh ids
// are random.
func shape(id string) string {
	i := strings.IndexByte(id, '_')
	rest := id[i+1:]
	if i < 0 || len(rest) != 32 || strings.Trim(rest, "0123456789abcdef") != "" {
		return id
	}
	return id[:i+1] + "<32 hex>"
}

// Step 1: create a card holder, the person cards are issued to. A card is
// issued only once the card holder's OFAC check passes.
func ExampleClient_CreateCardHolder() {
	srv := solidtest.NewServer()
	defer srv.Close()
	c, err := solid.NewClient(solidtest.DefaultAPIKey, solid.WithBaseURL(srv.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	sub, first, last, email := "sub_bda1e562657c41e553104b10aad3fe70", "Jane", "Doe", "jane.doe@example.com"
	holder, err := c.CreateCardHolder(context.Background(), gen.CardHolderCreate{
		SubAccountId: &sub, // the sub account the card holder's cards spend from
		Person:       &gen.Person{FirstName: &first, LastName: &last, Email: &email},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(shape(*holder.Id), *holder.Person.FirstName, *holder.Status, "ofac:", *holder.Ofac.Status)

	// The mock keeps it: a read by its id shows it.
	again, err := c.GetCardHolder(context.Background(), *holder.Id)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("read back:", *again.Id == *holder.Id, *again.Person.Email)
	// Output:
	// cah_<32 hex> Jane activated ofac: pass
	// read back: true jane.doe@example.com
}

// Step 2: issue a virtual card to the card holder.
func ExampleClient_CreateCard() {
	srv := solidtest.NewServer()
	defer srv.Close()
	c, err := solid.NewClient(solidtest.DefaultAPIKey, solid.WithBaseURL(srv.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	holderID, label, virtual := solidtest.DefaultCardHolderID, "Online ads", gen.CardTypeVirtual
	card, err := c.CreateCard(context.Background(), gen.CardCreate{
		CardholderId: &holderID,
		Type:         &virtual,
		Label:        &label,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(shape(*card.Id), solid.CardHolderID(*card), *card.Type, *card.Label, *card.Status)
	// Output:
	// crd_<32 hex> cah_a120a61f60dfd40fdb07b2e8bcd1f6f0 virtual Online ads activated
}

// Step 3: activate a physical card once it arrives, with what the card
// holder reads off it: the last four digits and the expiry.
func ExampleClient_ActivateCard() {
	srv := solidtest.NewServer()
	defer srv.Close()
	c, err := solid.NewClient(solidtest.DefaultAPIKey, solid.WithBaseURL(srv.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	last4, month, year := "5275", "12", "2022"
	card, err := c.ActivateCard(context.Background(), solidtest.DefaultCardID, gen.CardActivate{
		Last4:       &last4,
		ExpiryMonth: &month,
		ExpiryYear:  &year,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(*card.Id, *card.Type, *card.Status)

	// What is sent must be what is printed on the card.
	wrong := "0000"
	_, err = c.ActivateCard(context.Background(), solidtest.DefaultCardID, gen.CardActivate{
		Last4:       &wrong,
		ExpiryMonth: &month,
		ExpiryYear:  &year,
	})
	var apiErr *solid.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.FieldName)
	}
	// Output:
	// crd_7948d9a96706dd05360a340002de725f physical activated
	// 400 last4
}

// Step 4: set its PIN. Step 1 of 2 mints a one-time PIN token; step 2,
// Solid's PIN SDK on the card holder's device, uses it to set the PIN.
func ExampleClient_CreateSetPinToken() {
	srv := solidtest.NewServer()
	defer srv.Close()
	c, err := solid.NewClient(solidtest.DefaultAPIKey, solid.WithBaseURL(srv.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	tok, err := c.CreateSetPinToken(context.Background(), solidtest.DefaultCardID)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(tok) // printing never shows the token; tok.Token.Reveal() gives it to the device
	fmt.Println(strings.HasPrefix(tok.Token.Reveal(), "card_pin_test_"), len(tok.Token.Reveal()))
	// Output:
	// solid.SetPinToken{CardID: "crd_7948d9a96706dd05360a340002de725f", Token: [REDACTED]}
	// true 46
}

// Step 5: show it. Step 1 of 2 mints a one-time show token; step 2,
// Solid's SDK on the card holder's device, uses it to display the number
// and CVV.
func ExampleClient_CreateShowToken() {
	srv := solidtest.NewServer()
	defer srv.Close()
	c, err := solid.NewClient(solidtest.DefaultAPIKey, solid.WithBaseURL(srv.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	tok, err := c.CreateShowToken(context.Background(), solidtest.DefaultCardID)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(tok) // printing never shows the token
	fmt.Println(strings.HasPrefix(tok.Token.Reveal(), "card_show_test_"), strings.HasPrefix(tok.RequestID, "req_"))
	// Output:
	// solid.ShowToken{CardID: "crd_7948d9a96706dd05360a340002de725f", Token: [REDACTED]}
	// true true
}

// Step 6: freeze it, with an update that sets its status to blocked; a
// later read shows the change.
func ExampleClient_UpdateCard() {
	srv := solidtest.NewServer()
	defer srv.Close()
	c, err := solid.NewClient(solidtest.DefaultAPIKey, solid.WithBaseURL(srv.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	blocked := gen.CardUpdateStatusBlocked
	card, err := c.UpdateCard(ctx, solidtest.DefaultCardID, gen.CardUpdate{Status: &blocked})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("updated:", *card.Id, *card.Status)

	card, err = c.GetCard(ctx, solidtest.DefaultCardID)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("read back:", *card.Id, *card.Status)
	// Output:
	// updated: crd_7948d9a96706dd05360a340002de725f blocked
	// read back: crd_7948d9a96706dd05360a340002de725f blocked
}

// An update changes only the fields it sends: here the label and ATM
// access, while the card's spending limit stays as it was.
func ExampleClient_UpdateCard_controls() {
	srv := solidtest.NewServer()
	defer srv.Close()
	c, err := solid.NewClient(solidtest.DefaultAPIKey, solid.WithBaseURL(srv.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	label, off := "Travel Expense Card", flex.Bool(false)
	card, err := c.UpdateCard(context.Background(), solidtest.DefaultCardID, gen.CardUpdate{
		Label:    &label,
		Controls: &gen.CardControls{AtmEnabled: &off},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(*card.Label, *card.Controls.AtmEnabled, *card.Controls.Limit.Period, *card.Controls.Limit.MaxSpendAmount)
	// Output:
	// Travel Expense Card false daily 500.00
}

// Step 7: walk its transactions. listTransactions filters by account, not
// by card: walk the card's sub account, and a card's own transactions
// are those with method card_issuing and tx.Card naming it. The iterator
// fetches the next page only when the loop asks for more.
func ExampleClient_Transactions() {
	srv := solidtest.NewServer()
	defer srv.Close()
	c, err := solid.NewClient(solidtest.DefaultAPIKey, solid.WithBaseURL(srv.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	card, err := c.GetCard(ctx, solidtest.DefaultCardID)
	if err != nil {
		fmt.Println(err)
		return
	}
	// In the sandbox, make the card spend: the mock keeps the simulated
	// authorization as a transaction of the card's sub account.
	amount, auth, pending := "93.50", gen.CardTransactionSimulationTypeAuth, gen.CardTransactionSimulationStatusPending
	if _, err := c.SimulateCardTransaction(ctx, gen.CardTransactionSimulation{
		CardId: card.Id, Amount: &amount, Type: &auth, Status: &pending,
	}); err != nil {
		fmt.Println(err)
		return
	}
	limit := 100
	for tx, err := range c.Transactions(ctx, &gen.ListTransactionsParams{SubAccountId: card.SubAccountId, Limit: &limit}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		mine := tx.Card != nil && tx.Card.Id != nil && *tx.Card.Id == *card.Id
		fmt.Println(shape(*tx.Id), *tx.Method, *tx.Direction, *tx.Amount, *tx.Status, "this card:", mine)
	}
	// Output:
	// txn_<32 hex> ach credit 1500.00 settled this card: false
	// txn_<32 hex> card_issuing debit 93.50 pending this card: true
}

// Step 8: register a webhook, so Solid tells you when the card's status
// changes. The answer to a create is the only one that carries the
// webhook's signing secret: keep it (w.Secret.Reveal()) to verify events.
func ExampleClient_CreateWebhook() {
	srv := solidtest.NewServer()
	defer srv.Close()
	c, err := solid.NewClient(solidtest.DefaultAPIKey, solid.WithBaseURL(srv.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	url, desc := "https://cards.example.com/solid/events", "Card status"
	events := []gen.WebhookEventType{gen.WebhookEventTypeCardStatusBlocked, gen.WebhookEventTypeCardStatusClosed}
	w, err := c.CreateWebhook(context.Background(), gen.WebhookCreate{Url: &url, Description: &desc, Events: &events})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(shape(*w.Id), *w.Status, *w.Url)
	if w.Secret != nil {
		// solidtest's secrets are its own format: whsec_ and 32 hex digits.
		fmt.Println("signing secret:", *w.Secret, shape(w.Secret.Reveal())) // *w.Secret prints [REDACTED]
	}

	// No later read carries the secret.
	again, err := c.GetWebhook(context.Background(), *w.Id)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("read back:", *again.Url, "secret:", again.Secret != nil)
	// Output:
	// whk_<32 hex> active https://cards.example.com/solid/events
	// signing secret: [REDACTED] whsec_<32 hex>
	// read back: https://cards.example.com/solid/events secret: false
}

// Walk every card, two per page; the iterator fetches the next page only
// when the loop asks for more.
func ExampleClient_Cards() {
	srv := solidtest.NewServer(solidtest.WithCards("crd_second", "crd_third"))
	defer srv.Close()
	c, err := solid.NewClient(solidtest.DefaultAPIKey, solid.WithBaseURL(srv.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	limit := 2
	for card, err := range c.Cards(context.Background(), &gen.ListCardsParams{Limit: &limit}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(*card.Id)
	}
	fmt.Println(len(srv.Requests()), "pages")
	// Output:
	// crd_7948d9a96706dd05360a340002de725f
	// crd_second
	// crd_third
	// 2 pages
}

// Walk every card holder.
func ExampleClient_CardHolders() {
	srv := solidtest.NewServer()
	defer srv.Close()
	c, err := solid.NewClient(solidtest.DefaultAPIKey, solid.WithBaseURL(srv.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	for h, err := range c.CardHolders(context.Background(), nil) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(*h.Id, *h.Person.FirstName, *h.Status)
	}
	// Output:
	// cah_a120a61f60dfd40fdb07b2e8bcd1f6f0 John activated
}

// Deprecated usage, kept while WithIdempotencyKey is: a key on the
// context. Prefer WithCallIdempotencyKey, which holds for one call.
func ExampleWithIdempotencyKey() {
	srv := solidtest.NewServer()
	defer srv.Close()
	c, err := solid.NewClient(solidtest.DefaultAPIKey, solid.WithBaseURL(srv.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := solid.WithIdempotencyKey(context.Background(), "order-42-show-token")
	first, err := c.CreateShowToken(ctx, solidtest.DefaultCardID)
	if err != nil {
		fmt.Println(err)
		return
	}
	again, err := c.CreateShowToken(ctx, solidtest.DefaultCardID) // say, after a crash
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("same token:", first.Token.Reveal() == again.Token.Reveal())
	// Output:
	// same token: true
}
