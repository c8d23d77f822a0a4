// Package redact removes secrets from text that may be logged or shown:
// the API key and anything shaped like a PIN token. The client and
// solidtest share it, so they agree on what a secret looks like.
package redact

import (
	"regexp"
	"strings"
)

// Mask replaces each secret.
const Mask = "[REDACTED]"

var pinToken = regexp.MustCompile(`card_(?:pin|show)_[A-Za-z0-9_]+`)

// tokenPrefixes start every token pinToken matches.
var tokenPrefixes = []string{"card_pin_", "card_show_"}

// Secrets returns s with key (when not empty) and every PIN token
// replaced by Mask. Text without secrets is returned as is, unscanned by
// the regexp.
func Secrets(s, key string) string {
	if key != "" && strings.Contains(s, key) {
		s = strings.ReplaceAll(s, key, Mask)
	}
	if strings.Contains(s, "card_pin_") || strings.Contains(s, "card_show_") {
		s = pinToken.ReplaceAllString(s, Mask)
	}
	return s
}

// Cut is Secrets for text whose end was cut off (a body read through a
// cap): a secret cut in two no longer matches whole, so an end of s that
// is the start of key or of a token's prefix is replaced by Mask too.
func Cut(s, key string) string {
	s = Secrets(s, key)
	n := partialAtEnd(s, key)
	for _, p := range tokenPrefixes {
		n = max(n, partialAtEnd(s, p))
	}
	if n > 0 {
		return s[:len(s)-n] + Mask
	}
	return s
}

// partialAtEnd returns the length of the longest prefix of secret that s
// ends with; 0 when none does.
func partialAtEnd(s, secret string) int {
	for n := min(len(s), len(secret)); n > 0; n-- {
		if strings.HasSuffix(s, secret[:n]) {
			return n
		}
	}
	return 0
}
