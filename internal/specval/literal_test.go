package specval

import (
	"net/http"
	"net/url"
	"testing"
)

// TestLiteralPathWins: the mock and the contract transport route through
// FindRoute, which must pick a literal path over a templated one beside
// it, as OpenAPI requires, whichever comes first in the document.
func TestLiteralPathWins(t *testing.T) {
	const head = "openapi: 3.0.3\ninfo: {title: t, version: \"1\"}\npaths:\n"
	op := func(path, id string) string {
		return "  " + path + ":\n    get:\n      operationId: " + id + "\n      responses:\n        \"200\": {description: ok}\n"
	}
	withParam := func(path, id, param string) string {
		return "  " + path + ":\n    parameters:\n      - {name: " + param + ", in: path, required: true, schema: {type: string}}\n    get:\n      operationId: " + id + "\n      responses:\n        \"200\": {description: ok}\n"
	}
	params := withParam("/v2/webhook/{webhook_id}", "getWebhook", "webhook_id") + withParam("/v2/payments/counterparty/{counterparty_id}", "getCounterparty", "counterparty_id")
	literals := op("/v2/webhook/events", "listWebhookEvents") + op("/v2/payments/counterparty/bank", "getBankInfo")
	for name, doc := range map[string]string{
		"templated first": head + params + literals,
		"literal first":   head + literals + params,
	} {
		v, err := New([]byte(doc))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for path, want := range map[string]string{
			"/v2/webhook/events":             "listWebhookEvents",
			"/v2/webhook/whk_1":              "getWebhook",
			"/v2/payments/counterparty/bank": "getBankInfo",
			"/v2/payments/counterparty/cp_1": "getCounterparty",
		} {
			rt, err := v.FindRoute(&http.Request{Method: http.MethodGet, URL: &url.URL{Path: path}, Header: http.Header{}})
			if err != nil {
				t.Errorf("%s: %s: %v", name, path, err)
				continue
			}
			if rt.Operation.OperationID != want {
				t.Errorf("%s: %s routed to %s, want %s", name, path, rt.Operation.OperationID, want)
			}
		}
	}
}
