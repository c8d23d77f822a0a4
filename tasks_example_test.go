package solid_test

import (
	"context"
	"fmt"
	"strings"

	solid "github.com/solidsdk/solid-go"
	"github.com/solidsdk/solid-go/flex"
	"github.com/solidsdk/solid-go/gen"
	"github.com/solidsdk/solid-go/solidtest"
)

// The examples below are the README's tasks, run against solidtest; in
// real use the client gets solid.WithEnvironment(solid.Sandbox) instead of
// the mock's URL.

// Show a card: step 1 mints a one-time show token; step 2, Solid's SDK on
// the cardholder's device, uses it to display the number and CVV.
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

// Read a card, then relabel it and turn ATM access off. Fields not sent
// keep their values.
func ExampleClient_API_updateCard() {
	srv := solidtest.NewServer()
	defer srv.Close()
	c, err := solid.NewClient(solidtest.DefaultAPIKey, solid.WithBaseURL(srv.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()

	got, err := c.API().GetCardWithResponse(ctx, solidtest.DefaultCardID)
	if err != nil {
		fmt.Println(err)
		return
	}
	card := got.JSON200
	fmt.Println(*card.Label, *card.Status, solid.CardHolderID(*card), *card.Controls.AtmEnabled)

	label, off := "Travel Expense Card", flex.Bool(false)
	upd, err := c.API().UpdateCardWithResponse(ctx, solidtest.DefaultCardID, nil, gen.CardUpdate{
		Label:    &label,
		Controls: &gen.CardControls{AtmEnabled: &off},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	card = upd.JSON200
	fmt.Println(*card.Label, *card.Controls.AtmEnabled, *card.Controls.Limit.Period)
	// Output:
	// Travel activated cah_a120a61f60dfd40fdb07b2e8bcd1f6f0 true
	// Travel Expense Card false daily
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

// Keep your own idempotency key with the operation in your database, and
// pass it: a retry of the same logical call, even from another process,
// gets Solid's first answer instead of acting twice.
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
