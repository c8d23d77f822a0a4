package solidtest

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"slices"

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
	var obj struct {
		ID string `json:"id"`
	}
	json.Unmarshal(resource, &obj) // an object without an id is queued under ""
	var b, esc bytes.Buffer
	if json.Compact(&b, resource) != nil {
		if h.logger != nil {
			h.logger.LogAttrs(context.Background(), slog.LevelError, "solidtest webhook event not sent: its resource is not JSON",
				slog.String("event", eventType))
		}
		return
	}
	json.HTMLEscape(&esc, b.Bytes()) // as json.Marshal and the mock's encoder do
	h.emitID(eventType, obj.ID, esc.Bytes())
}

// emitID is emit for a resource whose id is known and whose encoding is
// compact JSON, as the mock's own encodings are (announce).
func (h *Handler) emitID(eventType, id string, resource []byte) {
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
	h.enqueue(event{typ: eventType, resource: id, body: appendEvent(nil, eventType, resource), targets: targets})
}

// appendEvent appends the body of an event: a gen.WebhookEvent with env
// "sandbox" and programId ProgramID, byte for byte what json.Marshal
// makes of it (TestEventBodyAsMarshal), resource being compact JSON.
func appendEvent(b []byte, eventType string, resource []byte) []byte {
	b = slices.Grow(b, len(resource)+len(eventType)+len(ProgramID)+64)
	b = append(b, `{"data":`...)
	b = append(b, resource...)
	b = append(b, `,"env":`...)
	b = appendMarshalString(b, deliveryEnv)
	b = append(b, `,"eventType":`...)
	b = appendMarshalString(b, eventType)
	b = append(b, `,"programId":`...)
	b = appendMarshalString(b, ProgramID)
	return append(b, '}')
}
