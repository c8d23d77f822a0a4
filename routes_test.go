package solid

import (
	"net/url"
	"testing"

	"github.com/solidsdk/solid-go/internal/ops"
)

// TestLiteralSegmentWins: where a literal path sits beside a templated one
// on the same level, the literal is chosen, whatever the table's order.
func TestLiteralSegmentWins(t *testing.T) {
	table := []ops.Operation{
		{ID: "getCounterparty", Method: "GET", Path: "/v2/payments/counterparty/{counterparty_id}", Idempotent: true},
		{ID: "getWebhook", Method: "GET", Path: "/v2/webhook/{webhook_id}", Idempotent: true},
		{ID: "deleteWebhook", Method: "DELETE", Path: "/v2/webhook/{webhook_id}", Idempotent: true},
		{ID: "listWebhookEvents", Method: "GET", Path: "/v2/webhook/events", Idempotent: true},
		{ID: "getBankInfo", Method: "GET", Path: "/v2/payments/counterparty/bank", Idempotent: true},
		{ID: "zGetCardThing", Method: "GET", Path: "/v2/issuing/card/{card_id}/{thing}", Idempotent: true},
		{ID: "aGetCardShow", Method: "GET", Path: "/v2/issuing/card/{card_id}/show", Idempotent: true},
	}
	saved, savedIdx := routes, byShape
	t.Cleanup(func() { routes, byShape = saved, savedIdx })
	for _, order := range []string{"as listed", "reversed"} {
		tb := append([]ops.Operation(nil), table...)
		if order == "reversed" {
			for i, j := 0, len(tb)-1; i < j; i, j = i+1, j-1 {
				tb[i], tb[j] = tb[j], tb[i]
			}
		}
		routes = buildRoutes(tb)
		byShape = indexRoutes(routes)
		tests := []struct {
			method, path, want string
		}{
			{"GET", "/v2/webhook/events", "listWebhookEvents"},
			{"GET", "/v2/webhook/whk_123", "getWebhook"},
			{"DELETE", "/v2/webhook/events", "deleteWebhook"}, // no literal DELETE: the parameter takes it
			{"GET", "/v2/payments/counterparty/bank", "getBankInfo"},
			{"GET", "/v2/payments/counterparty/cp_1", "getCounterparty"},
			{"GET", "/v2/issuing/card/crd_1/show", "aGetCardShow"},
			{"GET", "/v2/issuing/card/crd_1/other", "zGetCardThing"},
		}
		for _, tt := range tests {
			u := &url.URL{Path: tt.path}
			r, err := match("", tt.method, u)
			if err != nil {
				t.Errorf("%s: %s %s: %v", order, tt.method, tt.path, err)
				continue
			}
			if r.op.ID != tt.want {
				t.Errorf("%s: %s %s matched %s, want %s", order, tt.method, tt.path, r.op.ID, tt.want)
			}
		}
	}
}

// BenchmarkMatch is the route lookup every request pays, on the spec's
// whole table: a card path, a payments path and a literal beside a
// parameter.
func BenchmarkMatch(b *testing.B) {
	paths := []struct{ method, path string }{
		{"POST", "/v2/issuing/card/crd_7948d9a96706dd05360a340002de725f/set_pin_token"},
		{"GET", "/v2/payments/transaction/txn_817d2a074042bb4ec54e08fd82b1e0a8"},
		{"GET", "/v2/webhook/events"},
	}
	urls := make([]*url.URL, len(paths))
	for i, p := range paths {
		urls[i] = &url.URL{Path: p.path}
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		k := i % len(paths)
		if _, err := match("", paths[k].method, urls[k]); err != nil {
			b.Fatal(err)
		}
	}
}
