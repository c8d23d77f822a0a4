package webhook

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// FuzzConstructEvent feeds ConstructEvent bodies, signatures and secrets
// from outside. It must never panic; it accepts a body only with its
// signature and only as an envelope; a body signed with Sign never fails
// on its signature; and no error carries the secret.
func FuzzConstructEvent(f *testing.F) {
	f.Add(cardEvent, Sign(cardEvent, testSecret), testSecret)
	f.Add([]byte(`{"eventType":"transaction.created","data":{}}`), "", testSecret)
	f.Add([]byte(`{"eventType":7,"data":[]}`), strings.Repeat("A", 43)+"=", "k")
	f.Add([]byte(`{"eventType":"card.updated","data":null}`), strings.Repeat("0", 64), "secret")
	f.Add([]byte("\xff{"), "zz", "")
	f.Fuzz(func(t *testing.T, payload []byte, sig, secret string) {
		ev, err := ConstructEvent(payload, sig, secret)
		if err == nil {
			if Verify(payload, sig, secret) != nil {
				t.Fatal("ConstructEvent accepted a body Verify refuses")
			}
			if ev.Type == "" || len(ev.Data) == 0 || ev.Data[0] != '{' || !json.Valid(ev.Data) {
				t.Fatalf("ConstructEvent accepted %+v", ev)
			}
			_, _ = ev.Card()
			_, _ = ev.Transaction()
		} else if len(secret) >= 8 && strings.Contains(err.Error(), secret) {
			t.Fatalf("error %q holds the secret", err)
		}
		if secret == "" {
			return
		}
		_, err = ConstructEvent(payload, Sign(payload, secret), secret)
		if err != nil && !errors.Is(err, ErrBadPayload) {
			t.Fatalf("a body signed with Sign: %v", err)
		}
	})
}
