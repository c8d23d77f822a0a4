// Package solid is a Go client for Solid's card-issuing API.
//
// The client is generated from openapi.yaml (package gen); this package adds
// what every call needs: the api-key header, the choice of environment,
// typed errors, retries with backoff, an overall timeout, a cap on response
// bodies, refusal of cross-host redirects, and logging that never carries a
// secret.
//
// Start with [NewClient] or [NewClientFromEnv]. The typed helpers are
// [Client.CreateSetPinToken] and [Client.CreateShowToken] (one-time tokens
// for Solid's SDK) and the iterators [Client.Cards] and
// [Client.CardHolders]; every operation in the spec (retrieve and update a
// card or card holder, and the rest) is reachable through [Client.API]
// with the same behaviour. Writes carry Solid's idempotency key
// ([WithIdempotencyKey]).
package solid

import "github.com/solidsdk/solid-go/internal/spec"

// Version is the SDK's version; it is sent in the User-Agent header.
const Version = "0.4.0"

// OpenAPISpec returns the OpenAPI document the client was generated from,
// for request validators and mock servers. Each call returns a fresh copy.
func OpenAPISpec() []byte {
	return []byte(spec.YAML)
}
