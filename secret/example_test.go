package secret_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"os"

	"github.com/solidsdk/solid-go/secret"
)

func ExampleString() {
	tok := secret.New("card_pin_test_01920c6725b4707688fa0ad517bdeddb")

	fmt.Println(tok)                 // every fmt verb prints the mask
	fmt.Printf("%#v %q\n", tok, tok) // Go syntax and quoted, too
	log := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{} // a stable output for this example
			}
			return a
		},
	}))
	log.Info("minted", "token", tok) // and slog

	b, _ := json.Marshal(struct {
		Token secret.String `json:"set_pin_token"`
	}{tok})
	fmt.Println(string(b))    // JSON keeps the value: it is how the token travels
	fmt.Println(tok.Reveal()) // and code that needs it asks
	// Output:
	// [REDACTED]
	// [REDACTED] [REDACTED]
	// level=INFO msg=minted token=[REDACTED]
	// {"set_pin_token":"card_pin_test_01920c6725b4707688fa0ad517bdeddb"}
	// card_pin_test_01920c6725b4707688fa0ad517bdeddb
}
