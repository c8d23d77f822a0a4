package solid_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	solid "github.com/solidsdk/solid-go"
)

// TestAPIErrorNeverHoldsAFragmentOfTheKey puts the API key (and a PIN
// token) at every offset around the excerpt's 200-byte cut: scrubbing
// must happen before the cut, or a prefix of the key survives in Body.
func TestAPIErrorNeverHoldsAFragmentOfTheKey(t *testing.T) {
	tests := []struct {
		name, secret string
	}{
		{name: "API key", secret: testKey},
		{name: "PIN token", secret: seedTok},
	}
	for _, tt := range tests {
		for at := 150; at <= 210; at += 3 {
			body := strings.Repeat("x", at) + tt.secret + " trailing text that pushes the body past the cut"
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/plain")
				w.WriteHeader(http.StatusBadRequest)
				w.Write([]byte(body))
			}))
			c := newTestClient(t, srv.URL)
			_, err := c.CreateSetPinToken(context.Background(), seedCard)
			srv.Close()
			var apiErr *solid.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("%s at %d: err = %v, want *APIError", tt.name, at, err)
			}
			for _, text := range []string{apiErr.Body, err.Error()} {
				if frag := fragmentOf(text, tt.secret, 6); frag != "" {
					t.Errorf("%s at offset %d: %q holds the fragment %q", tt.name, at, text, frag)
				}
			}
		}
	}
}

// fragmentOf returns the longest prefix of secret, at least min bytes
// long, found in text.
func fragmentOf(text, secret string, min int) string {
	for n := len(secret); n >= min; n-- {
		if strings.Contains(text, secret[:n]) {
			return secret[:n]
		}
	}
	return ""
}

// TestErrorsHaveOnePrefix: every error a call returns starts with
// "solid: OPERATION: " once; wrapped sentinels add no second prefix.
func TestErrorsHaveOnePrefix(t *testing.T) {
	c := newTestClient(t, "http://127.0.0.1:1")
	tests := []struct {
		name, cardID string
		want         string
	}{
		{name: "empty card ID", cardID: "", want: "solid: createSetPinToken: invalid input: empty card_id"},
		{name: "dot segment", cardID: "..", want: `solid: createSetPinToken: invalid input: card_id ".." is a path segment`},
	}
	for _, tt := range tests {
		_, err := c.CreateSetPinToken(context.Background(), tt.cardID)
		if !errors.Is(err, solid.ErrInvalidInput) || err.Error() != tt.want {
			t.Errorf("%s: err = %q, want %q", tt.name, err, tt.want)
		}
	}
	// The generated client's path, for an operation reached through API().
	_, err := c.API().CreateSetPinTokenWithResponse(context.Background(), "", nil)
	if !errors.Is(err, solid.ErrInvalidInput) || strings.Count(err.Error(), "solid:") != 1 {
		t.Errorf("API() with an empty card ID: err = %q, want one ErrInvalidInput with one prefix", err)
	}
}

// TestAPIErrorBodyCutAtTheCap puts a secret across a small response cap:
// the body is cut inside it, so the start of the secret no longer matches
// the scrubber. Nothing of it may survive: Body is the filler, then at
// most the mask.
func TestAPIErrorBodyCutAtTheCap(t *testing.T) {
	const limit = 64
	tests := []struct {
		name, secret string
	}{
		{name: "API key", secret: testKey},
		{name: "PIN token", secret: seedTok},
		{name: "show token", secret: seedShowTok},
	}
	for _, tt := range tests {
		for at := limit - len(tt.secret); at <= limit; at++ {
			filler := strings.Repeat("x", at)
			body := filler + tt.secret + " trailing text"
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/plain")
				w.WriteHeader(http.StatusBadRequest)
				w.Write([]byte(body))
			}))
			c := newTestClient(t, srv.URL, solid.WithMaxResponseBytes(limit))
			_, err := c.CreateSetPinToken(context.Background(), seedCard)
			srv.Close()
			var apiErr *solid.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("%s at %d: err = %v, want *APIError", tt.name, at, err)
			}
			rest, ok := strings.CutPrefix(apiErr.Body, filler)
			if !ok || (rest != "" && rest != "[REDACTED]") {
				t.Errorf("%s at offset %d of a %d-byte cap: Body %q keeps a piece of it", tt.name, at, limit, apiErr.Body)
			}
		}
	}
}
