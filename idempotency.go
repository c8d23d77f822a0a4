package solid

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
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
//
// The key is for one write. Solid answers a repeated key with the first
// answer, whatever the request, so the first write made with the returned
// context (or any context derived from it) claims the key: sending that
// same write again (same operation, path and body) reuses it, as a retry
// should, but a different write fails with ErrInvalidInput before anything
// is sent. Call WithIdempotencyKey with a new key for each write.
//
// Deprecated: pass WithCallIdempotencyKey(key) to the typed method
// instead (c.CreateCard(ctx, body, solid.WithCallIdempotencyKey(key))):
// it holds for that one call, so it cannot reach another write through a
// context handed on. WithIdempotencyKey keeps working, for typed methods
// and c.API() calls alike; a per-call key wins over it.
func WithIdempotencyKey(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, idempotencyKeyCtx{}, &keyClaim{key: key})
}

// keyClaim is a context's idempotency key and the write that claimed it,
// shared by every context derived from the one that holds it.
type keyClaim struct {
	key string

	mu      sync.Mutex
	claimed bool
	op      string   // the claiming write's operation
	sum     [32]byte // digest of its operation, method, URL and body
}

// claim lets req use the key when it is the first write made with it or
// the same write again.
func (k *keyClaim) claim(op string, req *http.Request) error {
	sum, err := writeDigest(op, req)
	if err != nil {
		return err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	switch {
	case !k.claimed:
		k.claimed, k.op, k.sum = true, op, sum
		return nil
	case k.sum == sum:
		return nil
	}
	return fmt.Errorf("%w: the idempotency key from WithIdempotencyKey was already used by another write (%s); Solid would answer this one with that write's answer: call WithIdempotencyKey with a new key for each write", ErrInvalidInput, k.op)
}

// writeDigest identifies a write: its operation, method, URL and body.
func writeDigest(op string, req *http.Request) ([32]byte, error) {
	h := sha256.New()
	for _, s := range []string{op, req.Method, req.URL.EscapedPath(), req.URL.RawQuery} {
		io.WriteString(h, s)
		h.Write([]byte{0})
	}
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return [32]byte{}, fmt.Errorf("reading request body: %w", err)
		}
		_, err = io.Copy(h, body)
		body.Close()
		if err != nil {
			return [32]byte{}, fmt.Errorf("reading request body: %w", err)
		}
	}
	var sum [32]byte
	h.Sum(sum[:0])
	return sum, nil
}

// idempotencyKey returns the key for the write req of operation op: the
// per-call key of WithCallIdempotencyKey in s (checked when the option was
// applied), else the header already set (a generated params struct sets
// it, even to ""), else the context's once claimed, else a new one; own
// reports whether it came from the caller.
func idempotencyKey(op string, req *http.Request, s *callSettings) (key string, own bool, err error) {
	if s != nil && s.hasKey {
		return s.key, true, nil
	}
	if vs, ok := req.Header[idempotencyHeader]; ok {
		// Present but empty is the caller's mistake, not "no key".
		key = first(vs)
		return key, true, checkIdempotencyKey(key)
	}
	k, ok := req.Context().Value(idempotencyKeyCtx{}).(*keyClaim)
	if !ok {
		return newIdempotencyKey(), false, nil
	}
	if err := checkIdempotencyKey(k.key); err != nil {
		return "", true, err
	}
	if err := k.claim(op, req); err != nil {
		return "", true, err
	}
	return k.key, true, nil
}

// checkIdempotencyKey refuses a caller's key that Solid could not use.
func checkIdempotencyKey(key string) error {
	switch {
	case key == "":
		return fmt.Errorf("%w: empty idempotency key", ErrInvalidInput)
	case len(key) > maxIdempotencyKeyLen:
		return fmt.Errorf("%w: idempotency key is %d bytes, over %d", ErrInvalidInput, len(key), maxIdempotencyKeyLen)
	case hasControl(key):
		return fmt.Errorf("%w: idempotency key has control characters", ErrInvalidInput)
	}
	return nil
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
