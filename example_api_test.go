package solid_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	solid "github.com/solidsdk/solid-go"
	"github.com/solidsdk/solid-go/gen"
	"github.com/solidsdk/solid-go/solidtest"
)

// cardBlocker is a service of yours that blocks a card once a fraud check
// fails. It takes a solid.API, not a *solid.Client: in production it gets
// the client, in its tests a fake.
type cardBlocker struct {
	solid solid.API
}

// Block blocks cardID unless it is closed already, and says what it did.
func (b cardBlocker) Block(ctx context.Context, cardID string) (string, error) {
	card, err := b.solid.GetCard(ctx, cardID)
	if err != nil {
		return "", fmt.Errorf("blocking %s: %w", cardID, err)
	}
	if card.Status != nil && *card.Status == gen.CardStatusClosed {
		return "already closed", nil
	}
	blocked := gen.CardUpdateStatusBlocked
	// One key per logical block, kept with the fraud case in a real
	// service: a retry of this write, now or after a restart, is done once.
	_, err = b.solid.UpdateCard(ctx, cardID, gen.CardUpdate{Status: &blocked},
		solid.WithCallIdempotencyKey("block-"+cardID))
	if err != nil {
		return "", fmt.Errorf("blocking %s: %w", cardID, err)
	}
	return "blocked", nil
}

// fakeSolid is a test double: it embeds solid.API, so it satisfies the
// interface whatever methods the SDK adds, and overrides only what the
// code under test calls. A call to any other method panics (the embedded
// interface is nil), which shows at once what the code called.
type fakeSolid struct {
	solid.API
	status  gen.CardStatus
	updates []gen.CardUpdate
}

func (f *fakeSolid) GetCard(_ context.Context, cardID string, _ ...solid.RequestOption) (*gen.Card, error) {
	if cardID == "crd_missing" {
		return nil, &solid.APIError{Operation: "getCard", StatusCode: 404, Code: solid.CodeResourceNotFound}
	}
	return &gen.Card{Id: &cardID, Status: &f.status}, nil
}

func (f *fakeSolid) UpdateCard(_ context.Context, cardID string, body gen.CardUpdate, _ ...solid.RequestOption) (*gen.Card, error) {
	f.updates = append(f.updates, body)
	return &gen.Card{Id: &cardID}, nil
}

// ExampleAPI shows a service that takes solid.API: given the real client
// (here against the solidtest mock), and given a fake that embeds the
// interface and overrides the two methods the service calls.
func ExampleAPI() {
	ctx := context.Background()

	// Production: the *solid.Client is a solid.API.
	srv := solidtest.NewServer() // in real use: solid.WithEnvironment(solid.Sandbox)
	defer srv.Close()
	c, err := solid.NewClient(solidtest.DefaultAPIKey, solid.WithBaseURL(srv.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cardBlocker{solid: c}.Block(ctx, solidtest.DefaultCardID))

	// Tests: a fake.
	fake := &fakeSolid{status: gen.CardStatusActivated}
	fmt.Println(cardBlocker{solid: fake}.Block(ctx, "crd_1"))
	fmt.Println(len(fake.updates), *fake.updates[0].Status)
	// Output:
	// blocked <nil>
	// blocked <nil>
	// 1 blocked
}

// TestFakeAPI is the test the example stands for: the service against a
// fake that embeds solid.API and overrides what it needs.
func TestFakeAPI(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		card    string
		status  gen.CardStatus
		want    string
		updates int
		wantErr error
	}{
		{name: "active card", card: "crd_1", status: gen.CardStatusActivated, want: "blocked", updates: 1},
		{name: "closed card", card: "crd_1", status: gen.CardStatusClosed, want: "already closed"},
		{name: "unknown card", card: "crd_missing", wantErr: solid.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := &fakeSolid{status: tt.status}
			got, err := cardBlocker{solid: fake}.Block(ctx, tt.card)
			if got != tt.want || !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Errorf("Block(%s) = %q, %v; want %q, %v", tt.card, got, err, tt.want, tt.wantErr)
			}
			if len(fake.updates) != tt.updates {
				t.Errorf("%d updates, want %d", len(fake.updates), tt.updates)
			}
		})
	}
}

// A typed method takes the path parameters, the body and per-call
// options; WithResponseInto keeps the raw answer, for a header or a field
// the generated type lacks.
func ExampleClient_GetCard() {
	srv := solidtest.NewServer() // in real use: solid.WithEnvironment(solid.Sandbox)
	defer srv.Close()
	c, err := solid.NewClient(solidtest.DefaultAPIKey, solid.WithBaseURL(srv.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	var raw solid.Response
	card, err := c.GetCard(context.Background(), solidtest.DefaultCardID,
		solid.WithResponseInto(&raw), solid.WithCallTimeout(5*time.Second))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(*card.Id)
	fmt.Println(raw.StatusCode, strings.HasPrefix(raw.RequestID, "req_"), json.Valid(raw.Body))
	// Output:
	// crd_7948d9a96706dd05360a340002de725f
	// 200 true true
}

// A write with your own idempotency key, for this call only: every retry
// of it sends the same key, and sending it again later gets Solid's first
// answer rather than a second write.
func ExampleWithCallIdempotencyKey() {
	srv := solidtest.NewServer()
	defer srv.Close()
	c, err := solid.NewClient(solidtest.DefaultAPIKey, solid.WithBaseURL(srv.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	label := "travel card"
	card, err := c.UpdateCard(context.Background(), solidtest.DefaultCardID, gen.CardUpdate{Label: &label},
		solid.WithCallIdempotencyKey("order-42-label"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(*card.Label)
	// Output:
	// travel card
}
