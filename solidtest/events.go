package solidtest

// emit records that the mock changed state: eventType is one of the
// spec's WebhookEventType values (card.created, card.status.blocked,
// transaction.created, ...), resource the stored resource as JSON. Webhook
// delivery (events.go) sends it to the webhooks registered for it.
func (h *Handler) emit(eventType string, resource []byte) {}
