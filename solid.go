// Package solid is a Go client for Solid's card-issuing API.
//
// The client is generated from openapi.yaml (package gen); this package adds
// what every call needs: the api-key header, the choice of environment,
// typed errors, retries with backoff, an overall timeout, a cap on response
// bodies, refusal of cross-host redirects, and logging that never carries a
// secret.
//
// Start with [NewClient] or [NewClientFromEnv]. Every operation of the
// spec is a typed method on [Client], named after its operationId and
// returning the decoded answer: [Client.CreateCardHolder],
// [Client.CreateCard], [Client.ActivateCard], [Client.UpdateCard],
// [Client.GetCard], [Client.CreateWebhook] and the rest; each one's doc
// names its tag and Solid's page. [Client.CreateSetPinToken] and
// [Client.CreateShowToken] mint one-time tokens for Solid's SDK, tokens
// that print redacted. Each list has an iterator that fetches page after
// page and cannot loop ([Client.Cards], [Client.Transactions],
// [Client.Webhooks], ...). The typed methods and the token helpers take
// per-call options last: [WithCallIdempotencyKey], [WithResponseInto],
// [WithCallTimeout], [WithCallRetries] and [WithHeader]. [API] is the
// interface of them all, so a service can take it and its tests can pass
// a fake (see the API example). [Client.API] gives the generated client
// beneath, with the same behaviour.
//
// The examples of these methods tell a card program's life against the
// solidtest mock: create a card holder, issue a card, activate it, set
// its PIN, show it, freeze it, walk its transactions, register a webhook.
package solid

import "github.com/solidsdk/solid-go/internal/spec"

// Version is the SDK's version; it is sent in the User-Agent header.
const Version = "0.6.0"

// OpenAPISpec returns the OpenAPI document the client was generated from,
// for request validators and mock servers. Each call returns a fresh copy.
func OpenAPISpec() []byte {
	return []byte(spec.YAML)
}
