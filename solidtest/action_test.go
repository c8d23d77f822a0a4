package solidtest

import (
	"net/http"
	"slices"
	"testing"
	"time"
)

// TestActivateCard: activateCard checks what is printed on the card
// against the stored card: a match sets the status activated (a later
// read shows it), a mismatch gets 400 naming the field and changes
// nothing.
func TestActivateCard(t *testing.T) {
	tests := []struct {
		name, pre, body string
		status          int
		field           string
	}{
		{"match", "", `{"last4":"5275","expiry_month":"12","expiry_year":"2022"}`, 200, ""},
		{"blocked, then activated", `{"status":"blocked"}`, `{"last4":"5275","expiry_month":"12","expiry_year":"2022"}`, 200, ""},
		{"last4 only", "", `{"last4":"5275"}`, 200, ""},
		{"wrong last4", `{"status":"blocked"}`, `{"last4":"0000","expiry_month":"12","expiry_year":"2022"}`, 400, "last4"},
		{"wrong month", `{"status":"blocked"}`, `{"last4":"5275","expiry_month":"11","expiry_year":"2022"}`, 400, "expiry_month"},
		{"wrong year", `{"status":"blocked"}`, `{"last4":"5275","expiry_month":"12","expiry_year":"2030"}`, 400, "expiry_year"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := NewServer()
			defer srv.Close()
			srv.now = func() time.Time { return time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC) }
			if tt.pre != "" {
				call(t, srv.URL, http.MethodPatch, cardPath, tt.pre, nil)
			}
			_, before := call(t, srv.URL, http.MethodGet, cardPath, "", nil)
			var events []string
			srv.onEmit = func(typ string, _ []byte) { events = append(events, typ) }
			status, m := call(t, srv.URL, http.MethodPatch, cardPath+"/activate", tt.body, nil)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %v", status, tt.status, m)
			}
			_, after := call(t, srv.URL, http.MethodGet, cardPath, "", nil)
			if tt.status != 200 {
				if e, _ := m["error"].(map[string]any); e["field_name"] != tt.field {
					t.Errorf("error %v, want field_name %s", e, tt.field)
				}
				if after["status"] != before["status"] || len(events) != 0 {
					t.Errorf("a refused activation changed the card (%v to %v) or emitted %v", before["status"], after["status"], events)
				}
				return
			}
			if m["id"] != DefaultCardID || m["status"] != "activated" || after["status"] != "activated" {
				t.Errorf("answer %v %v, later read %v; want the card, activated", m["id"], m["status"], after["status"])
			}
			if ts := after["timestamps"].(map[string]any); ts["updated_at"] != "2030-01-02T03:04:05Z" {
				t.Errorf("updated_at %v", ts["updated_at"])
			}
			// No event names a card's activated (openapi.yaml's 9).
			if !slices.Equal(events, []string{"card.updated"}) {
				t.Errorf("events %v", events)
			}
		})
	}
}

// TestReissueCard: reissueCard answers the stored card, for each
// documented reason, with the shipping address sent; the reason is not
// stored and the status does not move.
func TestReissueCard(t *testing.T) {
	for _, reason := range []string{"lost", "stolen", "damaged", "expired"} {
		t.Run(reason, func(t *testing.T) {
			srv := NewServer()
			defer srv.Close()
			body := `{"reason":"` + reason + `","card_fulfilment":{"shipping_address":{"line1":"1 New St","city":"Austin","state":"TX","country":"US","postal_code":"73301"}}}`
			status, m := call(t, srv.URL, http.MethodPost, cardPath+"/replace", body, nil)
			if status != http.StatusOK || m["id"] != DefaultCardID {
				t.Fatalf("%d %v", status, m)
			}
			_, after := call(t, srv.URL, http.MethodGet, cardPath, "", nil)
			for where, obj := range map[string]map[string]any{"answer": m, "later read": after} {
				addr := obj["card_fulfilment"].(map[string]any)["shipping_address"].(map[string]any)
				if addr["line1"] != "1 New St" || addr["city"] != "Austin" || addr["line2"] != "" {
					t.Errorf("%s: shipping address %v", where, addr)
				}
				if obj["reason"] != nil || obj["status"] != "activated" {
					t.Errorf("%s: reason %v, status %v", where, obj["reason"], obj["status"])
				}
			}
		})
	}
}
