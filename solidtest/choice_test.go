package solidtest

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/solidsdk/solid-go/internal/specval"
)

// TestProvisionAnswersTheWalletAsked: provisionCard answers under the
// wallet sent, the others null, with fresh secrets each time, and every
// answer holds to the spec.
func TestProvisionAnswersTheWalletAsked(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	v, err := specval.Default()
	if err != nil {
		t.Fatal(err)
	}
	device := `{"client_customer_id":"abc","device_id":"dev"}`
	for _, tt := range []struct {
		wallet, body string
	}{
		{"apple_pay", `{"wallet":"apple_pay","apple_pay":{"device_cert":"MIID","nonce_signature":"QHu","nonce":"kbc="}}`},
		{"google_pay", `{"wallet":"google_pay","google_pay":` + device + `}`},
		{"samsung_pay", `{"wallet":"samsung_pay","samsung_pay":` + device + `}`},
	} {
		t.Run(tt.wallet, func(t *testing.T) {
			var secrets []string
			for range 2 {
				req := newRequest(t, srv.URL, http.MethodPost, "/v2/issuing/card/"+DefaultCardID+"/provision", tt.body)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("%d %s", resp.StatusCode, b)
				}
				rt, err := v.FindRoute(req)
				if err != nil {
					t.Fatal(err)
				}
				if err := v.ValidateResponse(rt, resp.StatusCode, resp.Header, b); err != nil {
					t.Errorf("the answer violates the spec: %v", err)
				}
				var m map[string]any
				json.Unmarshal(b, &m)
				if m["wallet"] != tt.wallet {
					t.Errorf("wallet %v, want %s", m["wallet"], tt.wallet)
				}
				for _, w := range []string{"apple_pay", "google_pay", "samsung_pay"} {
					got, isObj := m[w].(map[string]any)
					if (w == tt.wallet) != isObj || (isObj && len(got) == 0) {
						t.Errorf("%s: %v (asked for %s)", w, m[w], tt.wallet)
					}
				}
				payload, _ := json.Marshal(m[tt.wallet])
				secrets = append(secrets, string(payload))
			}
			if secrets[0] == secrets[1] {
				t.Errorf("two answers share their payload: %s", secrets[0])
			}
		})
	}
}
