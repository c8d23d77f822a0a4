package solid_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	solid "github.com/solidsdk/solid-go"
	"github.com/solidsdk/solid-go/gen"
)

// TestEmptyKeyInParamsRefused: IdempotencyKey: &"" in generated params is
// the caller's key, and an empty one, so it is refused as the context's
// empty key is, never replaced by a random key.
func TestEmptyKeyInParamsRefused(t *testing.T) {
	empty := ""
	tests := []struct {
		name string
		call func(ctx context.Context, c *solid.Client) error
	}{
		{"updateCard", func(ctx context.Context, c *solid.Client) error {
			_, err := c.API().UpdateCardWithResponse(ctx, seedCard, &gen.UpdateCardParams{IdempotencyKey: &empty}, gen.CardUpdate{})
			return err
		}},
		{"createSetPinToken", func(ctx context.Context, c *solid.Client) error {
			_, err := c.API().CreateSetPinTokenWithResponse(ctx, seedCard, &gen.CreateSetPinTokenParams{IdempotencyKey: &empty})
			return err
		}},
		{"createShowToken", func(ctx context.Context, c *solid.Client) error {
			_, err := c.API().CreateShowTokenWithResponse(ctx, seedCard, &gen.CreateShowTokenParams{IdempotencyKey: &empty})
			return err
		}},
		{"updateCardHolder", func(ctx context.Context, c *solid.Client) error {
			_, err := c.API().UpdateCardHolderWithResponse(ctx, "cah_1", &gen.UpdateCardHolderParams{IdempotencyKey: &empty}, gen.CardHolderUpdate{})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScriptServer(t, false, scriptReply{status: 200, body: `{"id":"x"}`})
			c := newTestClient(t, s.srv.URL)
			err := tt.call(context.Background(), c)
			if _, keys, _, _ := s.seen(); !errors.Is(err, solid.ErrInvalidInput) || len(keys) != 0 {
				t.Fatalf("err = %v after %d requests (keys %q); want ErrInvalidInput before any request", err, len(keys), keys)
			}
			if !strings.Contains(err.Error(), "empty idempotency key") {
				t.Errorf("err = %q, want it to say the key is empty", err)
			}
		})
	}
}

// TestContextKeyServesOneWrite: a key on the context is claimed by the
// first write made with it. The same write again (a retry) reuses it; a
// different write is refused before anything is sent, since Solid would
// answer it with the first write's answer.
func TestContextKeyServesOneWrite(t *testing.T) {
	label := func(s string) gen.CardUpdate { return gen.CardUpdate{Label: &s} }
	update := func(card string, body gen.CardUpdate) func(context.Context, *solid.Client) error {
		return func(ctx context.Context, c *solid.Client) error {
			_, err := c.API().UpdateCardWithResponse(ctx, card, nil, body)
			return err
		}
	}
	show := func(card string) func(context.Context, *solid.Client) error {
		return func(ctx context.Context, c *solid.Client) error {
			_, err := c.API().CreateShowTokenWithResponse(ctx, card, nil)
			return err
		}
	}
	showWithParamsKey := func(key string) func(context.Context, *solid.Client) error {
		return func(ctx context.Context, c *solid.Client) error {
			_, err := c.API().CreateShowTokenWithResponse(ctx, seedCard, &gen.CreateShowTokenParams{IdempotencyKey: &key})
			return err
		}
	}
	get := func(ctx context.Context, c *solid.Client) error {
		_, err := c.API().GetCardWithResponse(ctx, seedCard)
		return err
	}
	type step struct {
		call    func(context.Context, *solid.Client) error
		derive  bool // send with a context derived from the keyed one
		newKey  string
		refused bool
	}
	tests := []struct {
		name  string
		steps []step
		keys  []string // idempotency-key of each request sent ("" for none)
	}{
		{name: "the same write twice: the key is reused", steps: []step{{call: show(seedCard)}, {call: show(seedCard)}},
			keys: []string{"order-42", "order-42"}},
		{name: "the README's case: a token, then an update", steps: []step{{call: show(seedCard)}, {call: update(seedCard, label("a")), refused: true}},
			keys: []string{"order-42"}},
		{name: "same operation, another card", steps: []step{{call: show(seedCard)}, {call: show("crd_other"), refused: true}},
			keys: []string{"order-42"}},
		{name: "same operation and card, another body", steps: []step{{call: update(seedCard, label("a"))}, {call: update(seedCard, label("b")), refused: true}},
			keys: []string{"order-42"}},
		{name: "same update twice", steps: []step{{call: update(seedCard, label("a"))}, {call: update(seedCard, label("a"))}},
			keys: []string{"order-42", "order-42"}},
		{name: "a derived context shares the claim", steps: []step{{call: show(seedCard)}, {call: update(seedCard, label("a")), derive: true, refused: true}},
			keys: []string{"order-42"}},
		{name: "a new WithIdempotencyKey per write", steps: []step{{call: show(seedCard)}, {call: update(seedCard, label("a")), newKey: "order-43"}},
			keys: []string{"order-42", "order-43"}},
		{name: "reads neither use nor claim the key", steps: []step{{call: get}, {call: show(seedCard)}},
			keys: []string{"", "order-42"}},
		{name: "a key in the params does not claim the context's", steps: []step{{call: showWithParamsKey("p-1")}, {call: update(seedCard, label("a"))}},
			keys: []string{"p-1", "order-42"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScriptServer(t, false, scriptReply{status: 200, body: `{"id":"` + seedCard + `"}`})
			c := newTestClient(t, s.srv.URL)
			keyed := solid.WithIdempotencyKey(context.Background(), "order-42")
			for i, st := range tt.steps {
				ctx := keyed
				if st.derive {
					var cancel context.CancelFunc
					ctx, cancel = context.WithCancel(ctx)
					defer cancel()
				}
				if st.newKey != "" {
					ctx = solid.WithIdempotencyKey(ctx, st.newKey)
				}
				err := st.call(ctx, c)
				switch {
				case st.refused && !errors.Is(err, solid.ErrInvalidInput):
					t.Errorf("step %d: err = %v, want ErrInvalidInput", i+1, err)
				case st.refused && !strings.Contains(err.Error(), "new key for each write"):
					t.Errorf("step %d: err = %q, want it to say to use a new key per write", i+1, err)
				case !st.refused && err != nil:
					t.Errorf("step %d: err = %v", i+1, err)
				}
			}
			_, keys, _, errs := s.seen()
			for _, e := range errs {
				t.Error(e)
			}
			if strings.Join(keys, ",") != strings.Join(tt.keys, ",") {
				t.Errorf("keys sent %q, want %q", keys, tt.keys)
			}
		})
	}
}

// TestContextKeyRetriedAfterAFailure: a write that failed (here on a 503
// the SDK gave up on) may be sent again with the same context and key.
func TestContextKeyRetriedAfterAFailure(t *testing.T) {
	s := newScriptServer(t, false, scriptReply{status: 503, body: `{}`}, scriptReply{status: 200, body: `{"id":"` + seedCard + `"}`})
	c := newTestClient(t, s.srv.URL, solid.WithMaxRetries(0))
	ctx := solid.WithIdempotencyKey(context.Background(), "order-42")
	if _, err := c.API().CreateShowTokenWithResponse(ctx, seedCard, nil); err == nil {
		t.Fatal("first call: want the 503")
	}
	if _, err := c.API().CreateShowTokenWithResponse(ctx, seedCard, nil); err != nil {
		t.Fatalf("the same write again: %v", err)
	}
	if _, keys, _, _ := s.seen(); strings.Join(keys, ",") != "order-42,order-42" {
		t.Errorf("keys %q, want order-42 twice", keys)
	}
}
