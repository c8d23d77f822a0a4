package solidtest

import (
	"context"
	"encoding/json"
	"log/slog"

	"github.com/solidsdk/solid-go/gen"
)

// emit announces a change of state: eventType (a gen.WebhookEventType
// value, say "card.updated") happened to resource, the v2 object as its
// Retrieve operation answers it. It builds the event's body once, a
// gen.WebhookEvent with env "sandbox" and programId ProgramID, and queues
// it for every webhook subscribed to eventType now (delivery.go), so a
// webhook registered later never gets an earlier change's event. It
// returns at once: it never waits for a receiver. It reads the webhooks
// under smu, so it is called after the change's lock is released, as
// announce does.
//
// An eventType that is not one of the 78 documented events (say
// "card.status.active": no event is documented for a card's active
// status) is not sent, since its body would be outside the spec; it is
// logged at Warn.
func (h *Handler) emit(eventType string, resource []byte) {
	if !gen.WebhookEventType(eventType).Valid() {
		if h.logger != nil {
			h.logger.LogAttrs(context.Background(), slog.LevelWarn, "solidtest webhook event not sent: not a documented event type",
				slog.String("event", truncate(eventType)))
		}
		return
	}
	// No webhook subscribed: nothing to build.
	targets := h.subscribers(eventType)
	if len(targets) == 0 {
		return
	}
	var obj struct {
		ID string `json:"id"`
	}
	json.Unmarshal(resource, &obj) // an object without an id is queued under ""
	env, program := deliveryEnv, ProgramID
	body, err := json.Marshal(gen.WebhookEvent{
		EventType: gen.WebhookEventType(eventType),
		ProgramId: &program,
		Env:       &env,
		Data:      json.RawMessage(resource),
	})
	if err != nil {
		if h.logger != nil {
			h.logger.LogAttrs(context.Background(), slog.LevelError, "solidtest webhook event not sent: its resource is not JSON",
				slog.String("event", eventType))
		}
		return
	}
	h.enqueue(event{typ: eventType, resource: obj.ID, body: body, targets: targets})
}
