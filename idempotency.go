package solid

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net/http"
)

// Solid documents an idempotency-key header for every POST and PATCH: the
// first answer to a key is kept for 24 hours and sent again for a repeat,
// whatever its status, except 429. The transport sends one key per call on
// every operation that declares the header in openapi.yaml, the same on
// each retry of that call, so a retried write is done once.

// idempotencyHeader is the canonical form of Solid's idempotency-key header.
const idempotencyHeader = "Idempotency-Key"

// maxIdempotencyKeyLen bounds a caller's key; Solid's example is a
// 36-character UUID and it documents no limit.
const maxIdempotencyKeyLen = 255

type idempotencyKeyCtx struct{}

// WithIdempotencyKey returns a context that makes the next write sent with
// it (a POST or PATCH that declares the idempotency-key header, typed
// method or c.API() call alike) use key instead of one the SDK makes. Use
// your own key, kept with the operation in your database, when a write
// must be done once across restarts of your service: sending the same key
// again returns Solid's first answer. With your key the SDK never replaces
// it: after a 409 EC_QLDB_OCC_ERROR_RETRY the error comes back to you, and
// the retry with a new key is yours to make. A key that is empty, longer
// than 255 bytes or has control characters fails the call with
// ErrInvalidInput.
func WithIdempotencyKey(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, idempotencyKeyCtx{}, key)
}

// idempotencyKey returns the key for req: the header already set (a
// generated params struct sets it), else the context's, else a new one;
// own reports whether it came from the caller.
func idempotencyKey(req *http.Request) (key string, own bool, err error) {
	if v := req.Header.Get(idempotencyHeader); v != "" {
		key, own = v, true
	} else if v, ok := req.Context().Value(idempotencyKeyCtx{}).(string); ok {
		key, own = v, true
	} else {
		return newIdempotencyKey(), false, nil
	}
	switch {
	case key == "":
		return "", true, fmt.Errorf("%w: empty idempotency key", ErrInvalidInput)
	case len(key) > maxIdempotencyKeyLen:
		return "", true, fmt.Errorf("%w: idempotency key is %d bytes, over %d", ErrInvalidInput, len(key), maxIdempotencyKeyLen)
	case hasControl(key):
		return "", true, fmt.Errorf("%w: idempotency key has control characters", ErrInvalidInput)
	}
	return key, true, nil
}

// newIdempotencyKey returns a random UUID (version 4), the form of Solid's
// example key. A key must be unique, not secret (Solid keeps answers per
// API key, and whoever could replay one holds the API key already), so it
// comes from math/rand/v2's generator, ChaCha8 seeded by the runtime from
// the OS for each thread, at a tenth of crypto/rand's cost per call.
func newIdempotencyKey() string {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], rand.Uint64())
	binary.LittleEndian.PutUint64(b[8:], rand.Uint64())
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	const hexd = "0123456789abcdef"
	var s [36]byte
	j := 0
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			s[j] = '-'
			j++
		}
		s[j], s[j+1] = hexd[c>>4], hexd[c&15]
		j += 2
	}
	return string(s[:])
}
