// Package webhook verifies, parses and signs the events Solid delivers to
// the URL of a webhook registered with Create a Webhook, the way
// stripe-go's webhook package does for Stripe: [ConstructEvent] verifies
// the signature, then parses the event; [Handler] serves an endpoint that
// does both; [Sign] signs a payload for tests.
//
// # The delivery, as inferred
//
// Solid's v2 documentation does not describe the delivery request: its
// only word on it is the `secret` field of Create a Webhook's answer, "the
// webhook signing secret". What this package implements is inferred from
// Solid's v1 webhook pages and is declared, with the same sources, in
// openapi.yaml (the schema WebhookEvent and the callback webhookEvent of
// createWebhook):
//
//   - The signature is an HMAC-SHA256 of the raw request body, in bytes,
//     keyed by the webhook's secret, in the header
//     sd-webhook-sha256-signature ([Header]); a request whose HMAC does not
//     match is discarded. Source: https://www.solidfi.com/docs/introduction-to-webhooks
//     (copies of July 19, 2022 and November 30, 2023) and
//     https://www.solidfi.com/docs/retrieve-a-webhook-secret.
//   - The encoding of the signature is documented nowhere. [Sign] produces
//     lowercase hex; [Verify] accepts hex (either case) or standard base64
//     with padding, since a real server could send either.
//   - The body is the envelope of the v1 samples, with its v1 keys:
//     {"eventType": "...", "programId": "...", "env": "...", "data": {...}}
//     (e.g. https://www.solidfi.com/docs/webhook-sample-solidcard-delivered).
//     No other envelope is documented, v1 or v2, so the keys stay as v1
//     spells them (camelCase). eventType holds one of the 78 v2 events of
//     List all Webhook Events, and data the v2 object of the event's
//     resource (snake_case, as every v2 object), decoded by [Event.Card],
//     [Event.Transaction] and the other accessors. That data is the v2
//     object is itself an inference: v1's data was v1's own object.
//   - No timestamp, event id or retry schedule is documented, so none is
//     checked: a signature proves who sent a body, not when. Handle events
//     idempotently (an event's type and its object's id and status say
//     what happened) and expect the same event more than once.
//
// # The secret
//
// Functions take the secret as a string. Create a Webhook's answer carries
// it once, as a *secret.String that prints [REDACTED] (nil when the
// answer carries none); pass wh.Secret.Reveal() (and keep it somewhere
// safer than a log). No error,
// log record or answer of this package contains the secret, or the
// signature it expects.
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/solidsdk/solid-go/gen"
)

// Header is the request header that carries the signature of the body.
const Header = "sd-webhook-sha256-signature"

// The errors of Verify, ConstructEvent and the accessors; test them with
// errors.Is. None of them carries the secret or the expected signature.
var (
	// ErrNoSecret: the secret given to verify with is empty.
	ErrNoSecret = errors.New("webhook: no signing secret configured")
	// ErrNoSignature: the request has no signature (an empty header).
	ErrNoSignature = errors.New("webhook: no " + Header + " header")
	// ErrBadSignature: the signature is neither hex nor base64 of an
	// HMAC-SHA256, or it is not the body's HMAC under the secret.
	ErrBadSignature = errors.New("webhook: signature does not match the body")
	// ErrTooLarge: the body is over the Handler's limit.
	ErrTooLarge = errors.New("webhook: body too large")
	// ErrBadPayload: the body is signed but is not an event envelope (not
	// JSON, no eventType, no data object).
	ErrBadPayload = errors.New("webhook: body is not a webhook event")
	// ErrWrongFamily: an accessor was called on an event of another
	// resource (Card on a transaction.* event, say).
	ErrWrongFamily = errors.New("webhook: event is not of this resource")
)

// Sign returns the signature of payload under secret as Solid sends it in
// [Header]: the HMAC-SHA256 of payload keyed by secret, in lowercase hex.
// It is for tests: a test server or mock signs the exact bytes it sends
// (with gen.CallbackInitiator, generated from the same callback, as
// gen.WebhookEventParams.SdWebhookSha256Signature).
func Sign(payload []byte, secret string) string {
	return hex.EncodeToString(mac(payload, secret))
}

func mac(payload []byte, secret string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(payload)
	return m.Sum(nil)
}

// Verify reports whether signature, the value of [Header], is the
// HMAC-SHA256 of payload, the raw request body, keyed by secret. It
// accepts hex (either case) and standard base64, compares in constant time
// (hmac.Equal), and returns nil, [ErrNoSecret], [ErrNoSignature] or an
// error wrapping [ErrBadSignature]. Pass the body exactly as received:
// re-encoded JSON does not verify.
func Verify(payload []byte, signature string, secret string) error {
	if secret == "" {
		return ErrNoSecret
	}
	signature = strings.TrimSpace(signature)
	if signature == "" {
		return ErrNoSignature
	}
	got, ok := decodeSignature(signature)
	if !ok {
		return fmt.Errorf("%w (not the hex or base64 of an HMAC-SHA256)", ErrBadSignature)
	}
	if !hmac.Equal(got, mac(payload, secret)) {
		return ErrBadSignature
	}
	return nil
}

// decodeSignature decodes the 32 bytes of an HMAC-SHA256 written in hex
// (64 characters) or standard base64 (44 with its padding).
func decodeSignature(s string) ([]byte, bool) {
	switch len(s) {
	case hex.EncodedLen(sha256.Size):
		b, err := hex.DecodeString(s)
		return b, err == nil
	case base64.StdEncoding.EncodedLen(sha256.Size):
		b, err := base64.StdEncoding.Strict().DecodeString(s)
		return b, err == nil && len(b) == sha256.Size
	}
	return nil, false
}

// Event is a verified webhook event.
type Event struct {
	// Type is the event, one of gen.WebhookEventType's values (an event
	// Solid adds later is kept as sent: see Type.Valid).
	Type gen.WebhookEventType
	// ProgramID and Env are the envelope's programId and env, empty when
	// the body has none (v1 sent them; v2 does not document them).
	ProgramID string
	Env       string
	// Data is the envelope's data: the object of the event's resource, as
	// received. The accessors (Card, Transaction, ...) decode it; decode it
	// yourself for a resource the SDK has no type for (client.*,
	// client_member.*, master_account_holder.*).
	Data json.RawMessage
}

// ConstructEvent verifies payload's signature with [Verify], then parses
// the envelope. payload must be the raw request body and signature the
// value of [Header]. A signature error comes first; a signed body that is
// not an envelope (not JSON, no eventType, data not an object) gives an
// error wrapping [ErrBadPayload]. Read the body through a cap
// (http.MaxBytesReader) before calling it; [Handler] does.
func ConstructEvent(payload []byte, signature, secret string) (Event, error) {
	if err := Verify(payload, signature, secret); err != nil {
		return Event{}, err
	}
	return parse(payload)
}

// parse decodes the envelope, declared in openapi.yaml as WebhookEvent.
func parse(payload []byte) (Event, error) {
	var env gen.WebhookEvent
	if err := json.Unmarshal(payload, &env); err != nil {
		return Event{}, fmt.Errorf("%w: %v", ErrBadPayload, jsonErrText(err))
	}
	if env.EventType == "" {
		return Event{}, fmt.Errorf("%w: no eventType", ErrBadPayload)
	}
	if len(env.Data) == 0 || env.Data[0] != '{' {
		return Event{}, fmt.Errorf("%w: data is not an object", ErrBadPayload)
	}
	ev := Event{Type: env.EventType, Data: env.Data}
	if env.ProgramId != nil {
		ev.ProgramID = *env.ProgramId
	}
	if env.Env != nil {
		ev.Env = *env.Env
	}
	return ev, nil
}

// jsonErrText is a JSON error's text without the input it quotes (an
// UnmarshalTypeError names only the field and type).
func jsonErrText(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("invalid JSON at offset %d", se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("%s is not a %s", te.Field, te.Type)
	}
	return "invalid JSON"
}

// Family is the resource the event is about: the part of Type before its
// first dot ("card" for card.status.open, "card_holder",
// "transaction", ...).
func (e Event) Family() string {
	family, _, _ := strings.Cut(string(e.Type), ".")
	return family
}

// families maps each event family to the name of its v2 schema in
// openapi.yaml, the type of its data (the Go type gen.<name>, decoded by
// the accessor of that name); a family mapped to "" has no v2 schema, and
// its data is read from Data. The keys are the families of the 78
// documented events; a test keeps the map in step with openapi.yaml and
// with the accessors.
var families = map[string]string{
	"card":                  "Card",
	"card_holder":           "CardHolder",
	"transaction":           "Transaction",
	"sub_account":           "SubAccount",
	"sub_account_holder":    "SubAccountHolder",
	"counterparty":          "Counterparty",
	"master_account":        "MasterAccount",
	"client":                "",
	"client_member":         "",
	"master_account_holder": "",
}

// decode decodes e.Data into a new T when e is of family.
func decode[T any](e Event, family string) (*T, error) {
	if e.Family() != family {
		return nil, fmt.Errorf("%w: %s is not a %s.* event", ErrWrongFamily, e.Type, family)
	}
	v := new(T)
	if err := json.Unmarshal(e.Data, v); err != nil {
		return nil, fmt.Errorf("%w: data of %s: %v", ErrBadPayload, e.Type, jsonErrText(err))
	}
	return v, nil
}

// Card decodes the data of a card.* event.
func (e Event) Card() (*gen.Card, error) { return decode[gen.Card](e, "card") }

// CardHolder decodes the data of a card_holder.* event.
func (e Event) CardHolder() (*gen.CardHolder, error) {
	return decode[gen.CardHolder](e, "card_holder")
}

// Transaction decodes the data of a transaction.* event.
func (e Event) Transaction() (*gen.Transaction, error) {
	return decode[gen.Transaction](e, "transaction")
}

// SubAccount decodes the data of a sub_account.* event.
func (e Event) SubAccount() (*gen.SubAccount, error) {
	return decode[gen.SubAccount](e, "sub_account")
}

// SubAccountHolder decodes the data of a sub_account_holder.* event.
func (e Event) SubAccountHolder() (*gen.SubAccountHolder, error) {
	return decode[gen.SubAccountHolder](e, "sub_account_holder")
}

// Counterparty decodes the data of a counterparty.* event.
func (e Event) Counterparty() (*gen.Counterparty, error) {
	return decode[gen.Counterparty](e, "counterparty")
}

// MasterAccount decodes the data of a master_account.* event (not a
// master_account_holder.* one, which has no v2 schema).
func (e Event) MasterAccount() (*gen.MasterAccount, error) {
	return decode[gen.MasterAccount](e, "master_account")
}
