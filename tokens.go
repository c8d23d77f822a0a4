package solid

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/solidsdk/solid-go/gen"
	"github.com/solidsdk/solid-go/internal/redact"
	"github.com/solidsdk/solid-go/secret"
)

// SetPinToken is a one-time token for setting a card's PIN with Solid's PIN
// SDK (step 2 of the flow). Printing it, with fmt or slog, shows the card ID
// but never the token, also as a field of your own struct; use
// Token.Reveal(), or encode it as JSON, to use the value.
type SetPinToken struct {
	// CardID is the card the token is for.
	CardID string `json:"id"`
	// Token is the one-time PIN token. A secret.String, so it stays
	// redacted wherever the SetPinToken sits; Token.Reveal() gives it.
	Token secret.String `json:"set_pin_token"`
	// RequestID is the X-Request-Id of the answer, when Solid sent one:
	// what Solid support asks for. It is not part of the JSON form.
	RequestID string `json:"-"`
}

// String describes the token without revealing it.
func (t SetPinToken) String() string { return describeToken("SetPinToken", t.CardID) }

// Format prints the token as String does, for every verb.
func (t SetPinToken) Format(f fmt.State, _ rune) { fmt.Fprint(f, t.String()) }

// LogValue keeps the token out of slog records.
func (t SetPinToken) LogValue() slog.Value { return logToken(t.CardID) }

// ShowToken is a one-time token for showing a card's full number and CVV
// with Solid's SDK (step 2 of "Show a Card"). Printing it, with fmt or
// slog, shows the card ID but never the token, also as a field of your own
// struct; use Token.Reveal(), or encode it as JSON, to use the value.
type ShowToken struct {
	// CardID is the card the token is for.
	CardID string `json:"id"`
	// Token is the one-time show token, redacted like SetPinToken's;
	// Token.Reveal() gives it.
	Token secret.String `json:"show_token"`
	// RequestID is the X-Request-Id of the answer, when Solid sent one.
	// It is not part of the JSON form.
	RequestID string `json:"-"`
}

// String describes the token without revealing it.
func (t ShowToken) String() string { return describeToken("ShowToken", t.CardID) }

// Format prints the token as String does, for every verb.
func (t ShowToken) Format(f fmt.State, _ rune) { fmt.Fprint(f, t.String()) }

// LogValue keeps the token out of slog records.
func (t ShowToken) LogValue() slog.Value { return logToken(t.CardID) }

// describeToken and logToken are the printed and logged forms of both
// token types: the card, never the token.
func describeToken(typ, cardID string) string {
	return fmt.Sprintf("solid.%s{CardID: %q, Token: [REDACTED]}", typ, cardID)
}

func logToken(cardID string) slog.Value {
	return slog.GroupValue(slog.String("card_id", cardID), slog.String("token", "[REDACTED]"))
}

var (
	setPinTokenRoute = routeFor("createSetPinToken")
	showTokenRoute   = routeFor("createShowToken")
)

// CreateSetPinToken mints a one-time PIN token for cardID (step 1 of setting
// a PIN). A card ID that could change the request path (empty, ".", "..",
// control characters, invalid UTF-8, over 256 bytes) is refused with
// ErrInvalidInput before any request; any other is escaped. Errors from the
// API are *APIError. The call sends an idempotency key (one per call, the
// same on each retry; WithCallIdempotencyKey sets your own), so a retry
// gets Solid's first answer rather than a second token. opts are the
// per-call options every method takes.
func (c *Client) CreateSetPinToken(ctx context.Context, cardID string, opts ...RequestOption) (*SetPinToken, error) {
	var out SetPinToken
	err := c.mintToken(ctx, opts, setPinTokenRoute, cardID, "set_pin_token", &out.CardID, &out.Token, &out.RequestID,
		func(ctx context.Context) (*http.Response, error) { return c.api.CreateSetPinToken(ctx, cardID, nil) },
		func(resp *http.Response) (string, secret.String, bool, error) {
			p, err := gen.ParseCreateSetPinTokenResponse(resp)
			if err != nil || p.JSON200 == nil {
				return "", secret.String{}, false, err
			}
			return p.JSON200.Id, p.JSON200.SetPinToken, true, nil
		})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// CreateShowToken mints a one-time show token for cardID (step 1 of
// showing a card's number and CVV). It checks its input, retries and
// reports errors as CreateSetPinToken does, and likewise refuses an answer
// for another card. opts are the per-call options every method takes.
func (c *Client) CreateShowToken(ctx context.Context, cardID string, opts ...RequestOption) (*ShowToken, error) {
	var out ShowToken
	err := c.mintToken(ctx, opts, showTokenRoute, cardID, "show_token", &out.CardID, &out.Token, &out.RequestID,
		func(ctx context.Context) (*http.Response, error) { return c.api.CreateShowToken(ctx, cardID, nil) },
		func(resp *http.Response) (string, secret.String, bool, error) {
			p, err := gen.ParseCreateShowTokenResponse(resp)
			if err != nil || p.JSON200 == nil {
				return "", secret.String{}, false, err
			}
			return p.JSON200.Id, p.JSON200.ShowToken, true, nil
		})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// mintToken is the shared part of the token operations: it checks cardID,
// sends through the generated client, decodes with the generated parser
// and checks that the answer is a token for the card asked about. It
// writes the card id, the token and the request id through the pointers.
func (c *Client) mintToken(ctx context.Context, opts []RequestOption, rt *route, cardID, field string, id *string, token *secret.String, reqID *string,
	send func(context.Context) (*http.Response, error),
	decode func(*http.Response) (string, secret.String, bool, error)) error {
	op := rt.op.ID
	if err := rt.checkArgs(cardID); err != nil {
		return opError(op, err)
	}
	// The call's options and timeout are applied here, before the
	// generated builder sets the request's context, so transport.Do need
	// not copy it again.
	ctx, cancel, err := c.begin(ctx, op, opts)
	if err != nil {
		return err
	}
	defer cancel()
	resp, err := send(ctx)
	if err != nil {
		return opError(op, err)
	}
	gotID, tok, ok, err := decode(resp)
	switch {
	case err != nil:
		return malformed(op, "%v", err)
	case !ok:
		return malformed(op, "status %d with content type %q, want a JSON body with %s", resp.StatusCode, truncate(redact.Secrets(resp.Header.Get("Content-Type"), c.tr.key.v)), field)
	case gotID == "":
		return malformed(op, "no id in 200 body")
	case tok.IsZero():
		return malformed(op, "no %s in 200 body", field)
	case gotID != cardID:
		// The server's id could hold anything, the key or a token too:
		// scrub before cutting, or a cut secret would no longer match.
		key := c.tr.key.v
		return malformed(op, "token is for card %q, not %q", truncate(redact.Secrets(gotID, key)), truncate(redact.Secrets(cardID, key)))
	}
	*id, *token, *reqID = gotID, tok, requestID(resp.Header, c.tr.key.v)
	return nil
}
