package main

// The contract between Solid's pages and our operationIds (issue 18): every
// operation Solid documents, by tag, with our operationId, its method and
// path, and the page that documents it. A page saved under
// <tag-slug>/<page-slug>.md is recorded as the operation its slugs name here;
// a saved page not in this table is an error.

const pageBase = "https://docs.solidfi.com/v2/api-reference/"

type entry struct {
	Tag, TagSlug string
	OperationID  string
	Method, Path string
	PageSlug     string
	NoPage       bool // Solid publishes no API page for it (rendered page only)
}

func (e entry) URL() string { return pageBase + e.TagSlug + "/" + e.PageSlug }

// noStoredCopy: operations whose page Solid publishes but of which no copy
// carrying the OpenAPI block could be saved (only the rendered page and the
// site index name their method and path; openapi.yaml builds them from the
// rendered page and says so in each description). Such a page, absent, is
// recorded as not_saved without -allow-missing, so a full refresh needs no
// flag; saved, it is read like any other page, and the check then covers
// it. Any other documented page that is absent is still an error.
var noStoredCopy = map[string]bool{
	"getSubAccountHolder":     true,
	"getCounterparty":         true,
	"createCardHolder":        true,
	"simulateIncomingAchPush": true,
}

var table = []entry{
	{"Master Accounts", "master-accounts", "listMasterAccounts", "GET", "/v2/accounts/master_account", "list-all-master-accounts", false},
	{"Master Accounts", "master-accounts", "getMasterAccount", "GET", "/v2/accounts/master_account/{master_account_id}", "retrieve-a-master-account", false},

	{"Sub Account Holders", "sub-account-holders", "createSubAccountHolder", "POST", "/v2/accounts/sub_account_holder", "create-a-sub-account-holder", false},
	{"Sub Account Holders", "sub-account-holders", "listSubAccountHolders", "GET", "/v2/accounts/sub_account_holder", "list-all-sub-account-holders", false},
	{"Sub Account Holders", "sub-account-holders", "getSubAccountHolder", "GET", "/v2/accounts/sub_account_holder/{sub_account_holder_id}", "retrieve-a-sub-account-holder", false},
	{"Sub Account Holders", "sub-account-holders", "updateSubAccountHolder", "PATCH", "/v2/accounts/sub_account_holder/{sub_account_holder_id}", "update-a-sub-account-holder", false},
	{"Sub Account Holders", "sub-account-holders", "submitSubAccountHolderIdv", "POST", "/v2/accounts/sub_account_holder/{sub_account_holder_id}/idv", "submit-a-idv", false},
	{"Sub Account Holders", "sub-account-holders", "submitSubAccountHolderKyb", "POST", "/v2/accounts/sub_account_holder/{sub_account_holder_id}/kyb", "submit-a-kyb", false},
	{"Sub Account Holders", "sub-account-holders", "submitSubAccountHolderKyc", "POST", "/v2/accounts/sub_account_holder/{sub_account_holder_id}/kyc", "submit-a-kyc", false},

	{"Sub Accounts", "sub-accounts", "createSubAccount", "POST", "/v2/accounts/sub_account", "create-a-sub-account", false},
	{"Sub Accounts", "sub-accounts", "listSubAccounts", "GET", "/v2/accounts/sub_account", "list-all-sub-accounts", false},
	{"Sub Accounts", "sub-accounts", "getSubAccount", "GET", "/v2/accounts/sub_account/{sub_account_id}", "retrieve-a-sub-account", false},
	{"Sub Accounts", "sub-accounts", "updateSubAccount", "PATCH", "/v2/accounts/sub_account/{sub_account_id}", "update-a-sub-account", false},

	{"Counterparties", "counterparties", "createCounterparty", "POST", "/v2/payments/counterparty", "create-a-counterparty", false},
	{"Counterparties", "counterparties", "listCounterparties", "GET", "/v2/payments/counterparty", "list-all-counterparties", false},
	{"Counterparties", "counterparties", "getCounterparty", "GET", "/v2/payments/counterparty/{counterparty_id}", "retrieve-a-counterparty", false},
	{"Counterparties", "counterparties", "updateCounterparty", "PATCH", "/v2/payments/counterparty/{counterparty_id}", "update-a-counterparty", false},
	{"Counterparties", "counterparties", "getBankInfo", "GET", "/v2/payments/counterparty/bank", "retrieve-bank-info", false},

	{"Card Holders", "card-holders", "createCardHolder", "POST", "/v2/issuing/card_holder", "create-a-card-holder", false},
	{"Card Holders", "card-holders", "listCardHolders", "GET", "/v2/issuing/card_holder", "list-all-card-holders", false},
	{"Card Holders", "card-holders", "getCardHolder", "GET", "/v2/issuing/card_holder/{card_holder_id}", "retrieve-a-card-holder", false},
	{"Card Holders", "card-holders", "updateCardHolder", "PATCH", "/v2/issuing/card_holder/{card_holder_id}", "update-a-card-holder", false},

	{"Cards", "cards", "createCard", "POST", "/v2/issuing/card", "create-a-card", true},
	{"Cards", "cards", "listCards", "GET", "/v2/issuing/card", "list-all-cards", false},
	{"Cards", "cards", "getCard", "GET", "/v2/issuing/card/{card_id}", "retrieve-a-card", false},
	{"Cards", "cards", "updateCard", "PATCH", "/v2/issuing/card/{card_id}", "update-a-card", false},
	{"Cards", "cards", "activateCard", "PATCH", "/v2/issuing/card/{card_id}/activate", "activate-a-card", false},
	{"Cards", "cards", "reissueCard", "POST", "/v2/issuing/card/{card_id}/replace", "reissue-a-card", false},
	{"Cards", "cards", "provisionCard", "POST", "/v2/issuing/card/{card_id}/provision", "provision-a-card", false},
	{"Cards", "cards", "createSetPinToken", "POST", "/v2/issuing/card/{card_id}/set_pin_token", "set-a-pin", false},
	{"Cards", "cards", "createShowToken", "POST", "/v2/issuing/card/{card_id}/show_token", "show-a-card", false},

	{"Transactions", "transactions", "listTransactions", "GET", "/v2/payments/transaction", "list-all-transactions", false},
	{"Transactions", "transactions", "subLedgerTransaction", "POST", "/v2/payments/transaction", "sub-ledger-a-transaction", false},
	{"Transactions", "transactions", "getTransaction", "GET", "/v2/payments/transaction/{transaction_id}", "retrieve-a-transaction", false},
	{"Transactions", "transactions", "updateTransaction", "PATCH", "/v2/payments/transaction/{transaction_id}", "update-a-transaction", false},
	{"Transactions", "transactions", "originateIntraAccountPush", "POST", "/v2/payments/intra_account/push", "originate-an-intra-account-push", true},
	{"Transactions", "transactions", "originateIntraAccountPull", "POST", "/v2/payments/intra_account/pull", "originate-an-intra-account-pull", false},
	{"Transactions", "transactions", "originateAchPush", "POST", "/v2/payments/ach/push", "originate-an-ach-push", true},
	{"Transactions", "transactions", "originateAchPull", "POST", "/v2/payments/ach/pull", "originate-an-ach-pull", false},
	{"Transactions", "transactions", "originateDomesticWire", "POST", "/v2/payments/domestic_wire/push", "originate-a-domestic-wire", false},
	{"Transactions", "transactions", "originateInternationalWire", "POST", "/v2/payments/international_wire/push", "originate-an-international-wire", false},
	{"Transactions", "transactions", "originateRtpPush", "POST", "/v2/payments/rtp/push", "originate-an-rtp-push", false},
	{"Transactions", "transactions", "originateFedNowPush", "POST", "/v2/payments/fednow/push", "originate-a-fednow-push", false},
	{"Transactions", "transactions", "originateDebitCardPush", "POST", "/v2/payments/debitcard/push", "originate-a-debit-card-push", false},
	{"Transactions", "transactions", "originateDebitCardPull", "POST", "/v2/payments/debitcard/pull", "originate-a-debit-card-pull", false},
	{"Transactions", "transactions", "originateCheckSend", "POST", "/v2/payments/check/send", "originate-a-check-send", false},
	{"Transactions", "transactions", "originateCheckDeposit", "POST", "/v2/payments/check/deposit", "originate-a-check-deposit", true},

	{"Attachments", "attachments", "createAttachment", "POST", "/v2/attachment", "create-an-attachment", false},
	{"Attachments", "attachments", "listAttachments", "GET", "/v2/attachment", "list-all-attachments", false},
	{"Attachments", "attachments", "getAttachment", "GET", "/v2/attachment/{attachment_id}", "retrieve-an-attachment", false},
	{"Attachments", "attachments", "deleteAttachment", "DELETE", "/v2/attachment/{attachment_id}", "delete-an-attachment", false},

	{"Webhooks", "webhooks", "createWebhook", "POST", "/v2/webhook", "create-a-webhook", false},
	{"Webhooks", "webhooks", "listWebhooks", "GET", "/v2/webhook", "list-all-webhook", false},
	{"Webhooks", "webhooks", "getWebhook", "GET", "/v2/webhook/{webhook_id}", "retrieve-a-webhook", false},
	{"Webhooks", "webhooks", "deleteWebhook", "DELETE", "/v2/webhook/{webhook_id}", "delete-a-webhook", false},
	{"Webhooks", "webhooks", "listWebhookEvents", "GET", "/v2/webhook/events", "list-all-webhook-events", false},

	{"Simulation", "simulation", "simulateCardTransaction", "POST", "/v2/simulate/incoming/card_issuing", "simulate-an-auth-transaction", false},
	{"Simulation", "simulation", "simulateIncomingAchPush", "POST", "/v2/simulate/incoming/ach/push", "simulate-an-incoming-ach-push", false},
	{"Simulation", "simulation", "simulateIncomingAchPull", "POST", "/v2/simulate/incoming/ach/pull", "simulate-an-incoming-ach-pull", false},
	{"Simulation", "simulation", "simulateIncomingDomesticWire", "POST", "/v2/simulate/incoming/domestic_wire", "simulate-an-incoming-domestic-wire-push", false},
	{"Simulation", "simulation", "simulateIncomingInternationalWire", "POST", "/v2/simulate/incoming/international_wire", "simulate-an-incoming-international-wire-push", false},
}
