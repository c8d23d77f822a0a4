package solidtest

// webhookSecret returns the signing secret createWebhook gave webhook id,
// if the mock keeps one.
//
// A stand-in: on this branch createWebhook keeps no webhook, so there is
// no secret to return; only SubscribeWebhook's webhooks (whose secrets
// delivery.go keeps itself) are delivered to. The branch that makes
// createWebhook stateful defines the real webhookSecret: delete this file
// when merging it.
func (h *Handler) webhookSecret(id string) (string, bool) { return "", false }
