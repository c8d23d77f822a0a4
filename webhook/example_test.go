package webhook_test

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/solidsdk/solid-go/webhook"
)

// The signing secret comes once, in Create a Webhook's answer:
// secret := wh.Secret.Reveal(). Keep it out of source code and logs.
const secret = "pPibTgWHeiAAlJR7I0gzuXJpU3iNcwlf"

func ExampleConstructEvent() {
	// body and signature as they arrived: the raw request body and the
	// sd-webhook-sha256-signature header.
	body := []byte(`{"eventType":"card.status.locked","programId":"prg-1","env":"test","data":{"id":"crd_7948d9a96706dd05360a340002de725f","status":"locked"}}`)
	signature := webhook.Sign(body, secret) // what Solid sends

	ev, err := webhook.ConstructEvent(body, signature, secret)
	if err != nil {
		log.Fatal(err) // refuse the request: its signature or body is bad
	}
	card, err := ev.Card()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ev.Type, *card.Id, *card.Status)
	// Output: card.status.locked crd_7948d9a96706dd05360a340002de725f locked
}

func ExampleHandler() {
	h := webhook.Handler(secret, func(ctx context.Context, ev webhook.Event) error {
		switch ev.Family() {
		case "transaction":
			txn, err := ev.Transaction()
			if err != nil {
				return err // 500: Solid delivers the event again
			}
			fmt.Println(ev.Type, *txn.Id)
		default:
			fmt.Println("ignored", ev.Type)
		}
		return nil // 200: the event is handled
	})
	// In a service: http.Handle("POST /hooks/solid", h).
	srv := httptest.NewServer(h)
	defer srv.Close()

	body := []byte(`{"eventType":"transaction.status.declined","data":{"id":"txn_1"}}`)
	req, _ := http.NewRequest("POST", srv.URL, bytes.NewReader(body))
	req.Header.Set(webhook.Header, webhook.Sign(body, secret))
	resp, err := srv.Client().Do(req)
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println(resp.Status)

	req, _ = http.NewRequest("POST", srv.URL, bytes.NewReader(body))
	req.Header.Set(webhook.Header, webhook.Sign(body, "not the secret"))
	resp, err = srv.Client().Do(req)
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println(resp.Status)
	// Output:
	// transaction.status.declined txn_1
	// 200 OK
	// 401 Unauthorized
}

func ExampleSign() {
	// In a test of your own endpoint: sign the exact bytes you send.
	body := []byte(`{"eventType":"card.updated","data":{"id":"crd_1"}}`)
	fmt.Println(webhook.Header+":", webhook.Sign(body, secret))
	// Output: sd-webhook-sha256-signature: 6dce64f29eb2a4e3ecc225e9c3c86101d70934c2abd3d769a947308f7c11756a
}
