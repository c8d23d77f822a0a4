package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

func TestPluralAndGoArg(t *testing.T) {
	for in, want := range map[string]string{"Card": "Cards", "Counterparty": "Counterparties", "Day": "Days", "Address": "Addresses", "Box": "Boxes", "Batch": "Batches"} {
		if got := plural(in); got != want {
			t.Errorf("plural(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"card_id": "cardID", "sub_account_holder_id": "subAccountHolderID", "webhook_id": "webhookID", "id": "id"} {
		if got := goArg(in); got != want {
			t.Errorf("goArg(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestTypedFromSpec reads the real spec and generated client: every
// operation but the two hand-written token helpers gets a method, and the
// lists are those the shape rule finds, named after their resource.
func TestTypedFromSpec(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromFile("../../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	g, err := parseGen("../../gen/solid.gen.go")
	if err != nil {
		t.Fatal(err)
	}
	ops, err := collectTyped(doc, g)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, item := range doc.Paths.Map() {
		n += len(item.Operations())
	}
	if len(ops) != n-len(handWritten) {
		t.Errorf("%d typed operations, want %d (%d in the spec less the hand-written)", len(ops), n-len(handWritten), n)
	}
	var lists []string
	for _, o := range ops {
		if o.list != nil {
			lists = append(lists, o.list.name+" "+o.list.item)
		}
		if strings.HasPrefix(o.id, "list") != (o.list != nil) {
			t.Errorf("%s: list %v; every list operation of this spec has the list shape", o.id, o.list != nil)
		}
	}
	slices.Sort(lists)
	want := []string{"Attachments gen.Attachment", "CardHolders gen.CardHolder", "Cards gen.Card", "Counterparties gen.Counterparty",
		"MasterAccounts gen.MasterAccount", "SubAccountHolders gen.SubAccountHolder", "SubAccounts gen.SubAccount",
		"Transactions gen.Transaction", "WebhookEvents gen.WebhookEventType", "Webhooks gen.Webhook"}
	if !slices.Equal(lists, want) {
		t.Errorf("iterators %q, want %q", lists, want)
	}
}
