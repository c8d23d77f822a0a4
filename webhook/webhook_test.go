package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os/exec"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/solidsdk/solid-go/gen"
	"github.com/solidsdk/solid-go/internal/spec"
)

const testSecret = "pPibTgWHeiAAlJR7I0gzuXJpU3iNcwlf"

var cardEvent = []byte(`{"eventType":"card.status.open","programId":"prg-1","env":"test","data":{"id":"crd_7948d9a96706dd05360a340002de725f","status":"open","card_type":"virtual"}}`)

// forbidden are the strings no error, answer or log may hold for payload:
// the secret and the signature it expects, in every encoding.
func forbidden(payload []byte, secret string) []string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(payload)
	sum := m.Sum(nil)
	return []string{secret, hex.EncodeToString(sum), strings.ToUpper(hex.EncodeToString(sum)), base64.StdEncoding.EncodeToString(sum)}
}

func TestSign(t *testing.T) {
	// RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
	got := Sign([]byte("what do ya want for nothing?"), "Jefe")
	want := "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
	if got != want {
		t.Fatalf("Sign = %s, want %s (RFC 4231 case 2)", got, want)
	}
}

func TestVerify(t *testing.T) {
	sum := mac(cardEvent, testSecret)
	hexSig := hex.EncodeToString(sum)
	tests := []struct {
		name      string
		payload   []byte
		signature string
		secret    string
		want      error
	}{
		{"hex", cardEvent, hexSig, testSecret, nil},
		{"upper-case hex", cardEvent, strings.ToUpper(hexSig), testSecret, nil},
		{"standard base64", cardEvent, base64.StdEncoding.EncodeToString(sum), testSecret, nil},
		{"surrounding spaces", cardEvent, " " + hexSig + " ", testSecret, nil},
		{"empty body signed", nil, Sign(nil, testSecret), testSecret, nil},
		{"no secret", cardEvent, hexSig, "", ErrNoSecret},
		{"no signature", cardEvent, "", testSecret, ErrNoSignature},
		{"blank signature", cardEvent, "   ", testSecret, ErrNoSignature},
		{"wrong secret", cardEvent, hexSig, testSecret + "x", ErrBadSignature},
		{"body changed", append(slices.Clone(cardEvent), ' '), hexSig, testSecret, ErrBadSignature},
		{"body re-encoded", []byte(strings.ReplaceAll(string(cardEvent), ",", ", ")), hexSig, testSecret, ErrBadSignature},
		{"truncated hex", cardEvent, hexSig[:62], testSecret, ErrBadSignature},
		{"hex with a non-hex digit", cardEvent, "z" + hexSig[1:], testSecret, ErrBadSignature},
		{"url-safe base64", cardEvent, strings.NewReplacer("+", "-", "/", "_").Replace(base64.StdEncoding.EncodeToString(mac([]byte("x>?"), testSecret))), testSecret, ErrBadSignature},
		{"unpadded base64", cardEvent, base64.RawStdEncoding.EncodeToString(sum), testSecret, ErrBadSignature},
		{"sha256= prefix", cardEvent, "sha256=" + hexSig, testSecret, ErrBadSignature},
		{"sha1 length", cardEvent, hexSig[:40], testSecret, ErrBadSignature},
		{"all zero", cardEvent, strings.Repeat("0", 64), testSecret, ErrBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(tt.payload, tt.signature, tt.secret)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Verify: %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify: %v, want %v", err, tt.want)
			}
			if tt.secret != "" {
				for _, s := range forbidden(tt.payload, tt.secret) {
					if strings.Contains(err.Error(), s) {
						t.Errorf("error %q holds the secret or the expected signature", err)
					}
				}
			}
		})
	}
}

func TestConstructEvent(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		want    error
		typ     gen.WebhookEventType
	}{
		{"card event", string(cardEvent), nil, gen.WebhookEventTypeCardStatusOpen},
		{"only the required keys", `{"eventType":"transaction.created","data":{}}`, nil, gen.WebhookEventTypeTransactionCreated},
		{"unknown keys kept out", `{"eventType":"card.updated","id":"evt_1","data":{"id":"crd_1"},"extra":[1,2]}`, nil, gen.WebhookEventTypeCardUpdated},
		{"an event Solid adds later", `{"eventType":"card.status.activated","data":{"id":"crd_1"}}`, nil, "card.status.activated"},
		{"not JSON", `eventType=card.updated`, ErrBadPayload, ""},
		{"truncated JSON", string(cardEvent[:40]), ErrBadPayload, ""},
		{"a JSON array", `[{"eventType":"card.updated","data":{}}]`, ErrBadPayload, ""},
		{"no eventType", `{"data":{"id":"crd_1"}}`, ErrBadPayload, ""},
		{"empty eventType", `{"eventType":"","data":{"id":"crd_1"}}`, ErrBadPayload, ""},
		{"eventType a number", `{"eventType":7,"data":{"id":"crd_1"}}`, ErrBadPayload, ""},
		{"no data", `{"eventType":"card.updated"}`, ErrBadPayload, ""},
		{"data null", `{"eventType":"card.updated","data":null}`, ErrBadPayload, ""},
		{"data a string", `{"eventType":"card.updated","data":"crd_1"}`, ErrBadPayload, ""},
		{"snake_case envelope", `{"event_type":"card.updated","data":{"id":"crd_1"}}`, ErrBadPayload, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := []byte(tt.payload)
			ev, err := ConstructEvent(p, Sign(p, testSecret), testSecret)
			if tt.want != nil {
				if !errors.Is(err, tt.want) {
					t.Fatalf("ConstructEvent: %v, want %v", err, tt.want)
				}
				if !reflect.DeepEqual(ev, Event{}) {
					t.Errorf("ConstructEvent returned %+v with its error", ev)
				}
				return
			}
			if err != nil {
				t.Fatalf("ConstructEvent: %v", err)
			}
			if ev.Type != tt.typ {
				t.Errorf("Type = %q, want %q", ev.Type, tt.typ)
			}
			if !json.Valid(ev.Data) || ev.Data[0] != '{' {
				t.Errorf("Data = %s, want the data object", ev.Data)
			}
		})
	}

	t.Run("verifies before parsing", func(t *testing.T) {
		_, err := ConstructEvent([]byte("not json"), Sign([]byte("other"), testSecret), testSecret)
		if !errors.Is(err, ErrBadSignature) {
			t.Fatalf("ConstructEvent of a badly signed non-event: %v, want ErrBadSignature", err)
		}
	})
	t.Run("envelope fields", func(t *testing.T) {
		ev, err := ConstructEvent(cardEvent, Sign(cardEvent, testSecret), testSecret)
		if err != nil {
			t.Fatal(err)
		}
		if ev.ProgramID != "prg-1" || ev.Env != "test" || ev.Family() != "card" {
			t.Errorf("got %+v (family %q), want programId prg-1, env test, family card", ev, ev.Family())
		}
		c, err := ev.Card()
		if err != nil {
			t.Fatal(err)
		}
		if c.Id == nil || *c.Id != "crd_7948d9a96706dd05360a340002de725f" {
			t.Errorf("Card().Id = %v", c.Id)
		}
		if _, err := ev.Transaction(); !errors.Is(err, ErrWrongFamily) {
			t.Errorf("Transaction() of a card event: %v, want ErrWrongFamily", err)
		}
	})
	t.Run("data of the wrong shape", func(t *testing.T) {
		p := []byte(`{"eventType":"card.updated","data":{"id":42}}`)
		ev, err := ConstructEvent(p, Sign(p, testSecret), testSecret)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ev.Card(); !errors.Is(err, ErrBadPayload) {
			t.Errorf("Card() of data with a numeric id: %v, want ErrBadPayload", err)
		}
	})
}

func loadSpec(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData([]byte(spec.YAML))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// pascal turns an event family into the schema name it would have:
// card_holder -> CardHolder.
func pascal(family string) string {
	var b strings.Builder
	for w := range strings.SplitSeq(family, "_") {
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	return b.String()
}

// TestFamilies derives the family -> type mapping from openapi.yaml: every
// family of the documented events is in families, mapped to the schema
// named after it when there is one and to "" when there is none, and each
// schema has an accessor of its name returning its generated type.
func TestFamilies(t *testing.T) {
	doc := loadSpec(t)
	fams := map[string]bool{}
	for _, v := range doc.Components.Schemas["WebhookEventType"].Value.Enum {
		fam, _, _ := strings.Cut(v.(string), ".")
		fams[fam] = true
	}
	if len(fams) != len(families) {
		t.Errorf("the documented events have %d families, the table %d", len(fams), len(families))
	}
	evType := reflect.TypeFor[Event]()
	for fam := range fams {
		name, ok := families[fam]
		if !ok {
			t.Errorf("family %q of the documented events is not in families", fam)
			continue
		}
		_, hasSchema := doc.Components.Schemas[pascal(fam)]
		switch {
		case hasSchema && name != pascal(fam):
			t.Errorf("families[%q] = %q, want %q: openapi.yaml has that schema", fam, name, pascal(fam))
			continue
		case !hasSchema && name != "":
			t.Errorf("families[%q] = %q, but openapi.yaml has no schema %s", fam, name, pascal(fam))
			continue
		case name == "":
			continue
		}
		m, ok := evType.MethodByName(name)
		if !ok {
			t.Errorf("Event has no accessor %s for %s.* events", name, fam)
			continue
		}
		if out := m.Type.Out(0); out.Kind() != reflect.Pointer || out.Elem().Name() != name || out.Elem().PkgPath() != reflect.TypeFor[gen.Card]().PkgPath() {
			t.Errorf("Event.%s returns %v, want *gen.%s", name, out, name)
		}
		// It decodes an event of its family, and refuses another family.
		ev := Event{Type: gen.WebhookEventType(fam + ".updated"), Data: json.RawMessage(`{"id":"x"}`)}
		res := m.Func.Call([]reflect.Value{reflect.ValueOf(ev)})
		if err, _ := res[1].Interface().(error); err != nil {
			t.Errorf("Event.%s of a %s.updated event: %v", name, fam, err)
		}
		ev.Type = "other.updated"
		res = m.Func.Call([]reflect.Value{reflect.ValueOf(ev)})
		if err, _ := res[1].Interface().(error); !errors.Is(err, ErrWrongFamily) {
			t.Errorf("Event.%s of an other.updated event: %v, want ErrWrongFamily", name, err)
		}
	}
}

// TestSpecDeclaresTheDelivery ties this package to openapi.yaml: the
// callback of createWebhook posts a WebhookEvent with the header Header,
// and the envelope's JSON keys are the ones ConstructEvent reads.
func TestSpecDeclaresTheDelivery(t *testing.T) {
	doc := loadSpec(t)
	op := doc.Paths.Find("/v2/webhook").Post
	cb := op.Callbacks["webhookEvent"]
	if cb == nil || cb.Value == nil {
		t.Fatal("createWebhook has no webhookEvent callback")
	}
	item := cb.Value.Value("{$request.body#/url}")
	if item == nil || item.Post == nil {
		t.Fatal("the webhookEvent callback has no POST to {$request.body#/url}")
	}
	var hdr *openapi3.Parameter
	for _, p := range item.Post.Parameters {
		if p.Value.In == "header" {
			hdr = p.Value
		}
	}
	if hdr == nil || hdr.Name != Header || !hdr.Required {
		t.Fatalf("the callback's header parameter is %+v, want %s, required", hdr, Header)
	}
	if err := hdr.Schema.Value.VisitJSON(Sign(cardEvent, testSecret)); err != nil {
		t.Errorf("Sign's output does not match the header's schema: %v", err)
	}
	if err := hdr.Schema.Value.VisitJSON(base64.StdEncoding.EncodeToString(mac(cardEvent, testSecret))); err != nil {
		t.Errorf("a base64 signature does not match the header's schema: %v", err)
	}
	body := item.Post.RequestBody.Value.Content.Get("application/json").Schema
	if body.Ref != "#/components/schemas/WebhookEvent" {
		t.Errorf("the callback's body is %q, want the WebhookEvent schema", body.Ref)
	}
	var v any
	if err := json.Unmarshal(cardEvent, &v); err != nil {
		t.Fatal(err)
	}
	if err := doc.Components.Schemas["WebhookEvent"].Value.VisitJSON(v); err != nil {
		t.Errorf("the test event does not validate against WebhookEvent: %v", err)
	}
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range doc.Components.Schemas["WebhookEvent"].Value.Properties {
			if !yield(k) {
				return
			}
		}
	})
	if want := []string{"data", "env", "eventType", "programId"}; !slices.Equal(keys, want) {
		t.Errorf("WebhookEvent's keys are %v, want %v", keys, want)
	}
	if ok := item.Post.Responses.Value("2XX"); ok == nil {
		t.Error("the callback declares no 2XX answer")
	}
}

// TestImportsNoClient: the mock (solidtest), which must never import the
// client, signs its deliveries with Sign, so this package must not import
// the client either.
func TestImportsNoClient(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	if slices.Contains(strings.Fields(string(out)), "github.com/solidsdk/solid-go") {
		t.Error("package webhook imports the client, github.com/solidsdk/solid-go: solidtest could not use Sign")
	}
}

// TestSpecTestVector: the header example of the callback in openapi.yaml
// is Sign of its body example (compact JSON, keys sorted, as
// encoding/json writes a map) under the Webhook schema's example secret,
// and ConstructEvent accepts that pair.
func TestSpecTestVector(t *testing.T) {
	doc := loadSpec(t)
	post := doc.Paths.Find("/v2/webhook").Post.Callbacks["webhookEvent"].Value.Value("{$request.body#/url}").Post
	var sig string
	for _, p := range post.Parameters {
		if p.Value.Name == Header {
			sig, _ = p.Value.Example.(string)
		}
	}
	ex := post.RequestBody.Value.Content.Get("application/json").Examples["webhook_event_example"]
	if sig == "" || ex == nil {
		t.Fatal("the callback has no header example or no webhook_event_example")
	}
	body, err := json.Marshal(ex.Value.Value)
	if err != nil {
		t.Fatal(err)
	}
	secret, _ := doc.Components.Schemas["Webhook"].Value.Properties["secret"].Value.Example.(string)
	if got := Sign(body, secret); got != sig {
		t.Fatalf("Sign(%s, example secret) = %s, the header example says %s", body, got, sig)
	}
	ev, err := ConstructEvent(body, sig, secret)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := ev.Card(); err != nil || *c.Status != "locked" {
		t.Fatalf("Card() = %+v, %v", c, err)
	}
}
