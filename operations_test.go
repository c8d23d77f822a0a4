package solid_test

import (
	"context"
	"testing"

	"github.com/solidsdk/solid-go/gen"
	"github.com/solidsdk/solid-go/internal/ops"
)

// TestEveryOperation calls each operation in openapi.yaml through c.API()
// against a server that validates every request: each write (POST, PATCH)
// carries an idempotency key, the same on its retry, and no read does.
// A new operation in the spec fails the test until it is listed here.
func TestEveryOperation(t *testing.T) {
	cardID, holderID := seedCard, "cah_a120a61f60dfd40fdb07b2e8bcd1f6f0"
	label := "Travel Expense Card"
	first := "Johnson"
	calls := map[string]func(context.Context, *gen.ClientWithResponses) error{
		"createSetPinToken": func(ctx context.Context, c *gen.ClientWithResponses) error {
			_, err := c.CreateSetPinTokenWithResponse(ctx, cardID, nil)
			return err
		},
		"createShowToken": func(ctx context.Context, c *gen.ClientWithResponses) error {
			_, err := c.CreateShowTokenWithResponse(ctx, cardID, nil)
			return err
		},
		"getCard": func(ctx context.Context, c *gen.ClientWithResponses) error {
			_, err := c.GetCardWithResponse(ctx, cardID)
			return err
		},
		"updateCard": func(ctx context.Context, c *gen.ClientWithResponses) error {
			_, err := c.UpdateCardWithResponse(ctx, cardID, nil, gen.CardUpdate{Label: &label})
			return err
		},
		"listCards": func(ctx context.Context, c *gen.ClientWithResponses) error {
			_, err := c.ListCardsWithResponse(ctx, nil)
			return err
		},
		"getCardHolder": func(ctx context.Context, c *gen.ClientWithResponses) error {
			_, err := c.GetCardHolderWithResponse(ctx, holderID)
			return err
		},
		"updateCardHolder": func(ctx context.Context, c *gen.ClientWithResponses) error {
			_, err := c.UpdateCardHolderWithResponse(ctx, holderID, nil, gen.CardHolderUpdate{Person: &gen.Person{FirstName: &first}})
			return err
		},
		"listCardHolders": func(ctx context.Context, c *gen.ClientWithResponses) error {
			_, err := c.ListCardHoldersWithResponse(ctx, nil)
			return err
		},
	}
	for _, op := range ops.Operations {
		t.Run(op.ID, func(t *testing.T) {
			call, ok := calls[op.ID]
			if !ok {
				t.Fatalf("%s is in openapi.yaml but not in this test", op.ID)
			}
			// 503 then 200 with {}: every operation's 200 schema accepts an
			// empty object, so only the request is under test.
			s := newScriptServer(t, false, scriptReply{status: 503, body: `{}`}, scriptReply{status: 200, body: `{}`})
			c := newTestClient(t, s.srv.URL)
			if err := call(context.Background(), c.API()); err != nil {
				t.Fatal(err)
			}
			_, keys, paths, errs := s.seen()
			for _, e := range errs {
				t.Error(e)
			}
			if len(paths) != 2 {
				t.Fatalf("%d requests, want 2 (a retry after the 503)", len(paths))
			}
			write := op.Method == "POST" || op.Method == "PATCH"
			switch {
			case write && (!uuidV4.MatchString(keys[0]) || keys[1] != keys[0]):
				t.Errorf("idempotency keys %q, want one UUID sent twice", keys)
			case !write && (keys[0] != "" || keys[1] != ""):
				t.Errorf("a %s carries idempotency keys %q", op.Method, keys)
			}
			if write != op.IdempotencyKey {
				t.Errorf("operation table says IdempotencyKey %v for a %s", op.IdempotencyKey, op.Method)
			}
		})
	}
}
