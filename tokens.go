package solid

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/solidsdk/solid-go/gen"
)

// SetPinToken is a one-time token for setting a card's PIN with Solid's PIN
// SDK (step 2 of the flow). Printing it, with fmt or slog, shows the card ID
// but never the token; read Token, or encode it as JSON, to use the value.
type SetPinToken struct {
	// CardID is the card the token is for.
	CardID string `json:"id"`
	// Token is the one-time PIN token. Treat it as a secret.
	Token string `json:"set_pin_token"`
}

// String describes the token without revealing it.
func (t SetPinToken) String() string {
	return fmt.Sprintf("solid.SetPinToken{CardID: %q, Token: [REDACTED]}", t.CardID)
}

// Format prints the token as String does, for every verb.
func (t SetPinToken) Format(f fmt.State, _ rune) { fmt.Fprint(f, t.String()) }

// LogValue keeps the token out of slog records.
func (t SetPinToken) LogValue() slog.Value {
	return slog.GroupValue(slog.String("card_id", t.CardID), slog.String("token", "[REDACTED]"))
}

var setPinTokenRoute = routeFor("createSetPinToken")

// CreateSetPinToken mints a one-time PIN token for cardID (step 1 of setting
// a PIN). A card ID that could change the request path (empty, ".", "..",
// control characters, invalid UTF-8, over 256 bytes) is refused with
// ErrInvalidInput before any request; any other is escaped. Errors from the
// API are *APIError. The call is safe to retry: a repeat only mints another
// token.
func (c *Client) CreateSetPinToken(ctx context.Context, cardID string) (*SetPinToken, error) {
	op := setPinTokenRoute.op.ID
	if err := setPinTokenRoute.checkArgs(cardID); err != nil {
		return nil, opError(op, err)
	}
	// The call's timeout is applied here, before the generated builder
	// sets the request's context, so transport.Do need not copy it again.
	ctx, cancel := c.tr.withTimeout(ctx)
	defer cancel()
	resp, err := c.api.CreateSetPinToken(ctx, cardID, nil)
	if err != nil {
		return nil, opError(op, err)
	}
	parsed, err := gen.ParseCreateSetPinTokenResponse(resp)
	if err != nil {
		return nil, malformed(op, "%v", err)
	}
	g := parsed.JSON200
	switch {
	case g == nil:
		return nil, malformed(op, "status %d with content type %q, want a JSON SetPinToken", parsed.StatusCode(), parsed.ContentType())
	case g.Id == "":
		return nil, malformed(op, "no id in 200 body")
	case g.SetPinToken.IsZero():
		return nil, malformed(op, "no set_pin_token in 200 body")
	case g.Id != cardID:
		return nil, malformed(op, "token is for card %q, not %q", truncate(g.Id), truncate(cardID))
	}
	return &SetPinToken{CardID: g.Id, Token: g.SetPinToken.Reveal()}, nil
}
