package solid_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	solid "github.com/solidsdk/solid-go"
	"github.com/solidsdk/solid-go/solidtest"
)

// TestTokenHelpersTakeOptions: the two hand-written token helpers take the
// per-call options every generated method takes. The mock replays the
// first answer to a repeated key, so the same per-call key gives the same
// token and another key a new one; WithResponseInto sees the raw answer,
// whose body holds the token, while the token itself prints redacted.
func TestTokenHelpersTakeOptions(t *testing.T) {
	srv := solidtest.NewServer()
	defer srv.Close()
	c, err := solid.NewClient(solidtest.DefaultAPIKey, solid.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	type mint func(opts ...solid.RequestOption) (token, printed string, err error)
	helpers := map[string]mint{
		"CreateSetPinToken": func(opts ...solid.RequestOption) (string, string, error) {
			tok, err := c.CreateSetPinToken(ctx, solidtest.DefaultCardID, opts...)
			if err != nil {
				return "", "", err
			}
			return tok.Token.Reveal(), tok.String(), nil
		},
		"CreateShowToken": func(opts ...solid.RequestOption) (string, string, error) {
			tok, err := c.CreateShowToken(ctx, solidtest.DefaultCardID, opts...)
			if err != nil {
				return "", "", err
			}
			return tok.Token.Reveal(), tok.String(), nil
		},
	}
	for name, call := range helpers {
		t.Run(name, func(t *testing.T) {
			var raw solid.Response
			first, printed, err := call(solid.WithCallIdempotencyKey(name+"-key-1"), solid.WithResponseInto(&raw))
			if err != nil {
				t.Fatal(err)
			}
			if raw.StatusCode != 200 || !strings.Contains(string(raw.Body), first) || raw.RequestID == "" {
				t.Errorf("raw answer: status %d, request id %q, body holds the token: %t", raw.StatusCode, raw.RequestID, strings.Contains(string(raw.Body), first))
			}
			if strings.Contains(printed, first) {
				t.Errorf("the token prints: %s", printed)
			}
			again, _, err := call(solid.WithCallIdempotencyKey(name + "-key-1"))
			if err != nil {
				t.Fatal(err)
			}
			other, _, err := call(solid.WithCallIdempotencyKey(name + "-key-2"))
			if err != nil {
				t.Fatal(err)
			}
			if again != first || other == first {
				t.Errorf("same key gave the same token: %t (want true); another key gave the same token: %t (want false)", again == first, other == first)
			}
			if _, _, err := call(solid.WithHeader("api-key", "sk_other")); !errors.Is(err, solid.ErrInvalidInput) {
				t.Errorf("overriding api-key: %v, want ErrInvalidInput", err)
			}
		})
	}
}
