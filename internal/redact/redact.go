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
