package solid_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	solid "github.com/solidsdk/solid-go"
	"github.com/solidsdk/solid-go/gen"
	"github.com/solidsdk/solid-go/secret"
)

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestCreateShowToken(t *testing.T) {
	showBody := func(card string) string {
		return `{"id":"` + card + `","show_token":"` + seedShowTok + `"}`
	}
	ok := scriptReply{status: 200, body: showBody(seedCard), header: map[string]string{"X-Request-Id": "req_show_1"}}
	tests := []struct {
		name     string
		cardID   string
		replies  []scriptReply
		wantErr  error
		keys     string // "one", "same", "new": the idempotency keys sent
		attempts int
	}{
		{name: "the documented example", cardID: seedCard, replies: []scriptReply{ok}, keys: "one", attempts: 1},
		{name: "503 then 200: retried with the same key", cardID: seedCard,
			replies: []scriptReply{{status: 503, body: `{}`}, ok}, keys: "same", attempts: 2},
		{name: "flat 409 OCC then 200: retried with a new key", cardID: seedCard,
			replies: []scriptReply{{status: 409, body: `{"code":"EC_QLDB_OCC_ERROR_RETRY","sysMessage":"qldb occ error please retry"}`}, ok}, keys: "new", attempts: 2},
		{name: "a token for another card is refused", cardID: seedCard,
			replies: []scriptReply{{status: 200, body: showBody("crd_other")}}, wantErr: solid.ErrMalformedResponse, keys: "one", attempts: 1},
		{name: "no show_token", cardID: seedCard,
			replies: []scriptReply{{status: 200, body: `{"id":"` + seedCard + `"}`}}, wantErr: solid.ErrMalformedResponse, keys: "one", attempts: 1},
		{name: "404 envelope", cardID: "crd_missing",
			replies: []scriptReply{{status: 404, body: `{"request_id":"req_2","status":404,"error":{"code":"ERROR_CODE_RESOURCE_NOT_FOUND","message":"cannot find card holder by id in qldb"}}`}},
			wantErr: solid.ErrNotFound, keys: "one", attempts: 1},
		{name: "empty card ID refused", cardID: "", wantErr: solid.ErrInvalidInput},
		{name: "dot-dot card ID refused", cardID: "..", wantErr: solid.ErrInvalidInput},
		{name: "card ID with a newline refused", cardID: "crd\n1", wantErr: solid.ErrInvalidInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			replies := tt.replies
			if replies == nil {
				replies = []scriptReply{ok}
			}
			s := newScriptServer(t, false, replies...)
			c := newTestClient(t, s.srv.URL)
			tok, err := c.CreateShowToken(context.Background(), tt.cardID)
			_, keys, paths, errs := s.seen()
			for _, e := range errs {
				t.Error(e)
			}
			if len(paths) != tt.attempts {
				t.Fatalf("%d requests, want %d", len(paths), tt.attempts)
			}
			for _, p := range paths {
				if want := "/v2/issuing/card/" + tt.cardID + "/show_token"; p != want {
					t.Errorf("path %s, want %s", p, want)
				}
			}
			switch tt.keys {
			case "one", "same":
				for i, k := range keys {
					if !uuidV4.MatchString(k) || k != keys[0] {
						t.Errorf("request %d idempotency-key %q, want the first request's UUID", i+1, k)
					}
				}
			case "new":
				if len(keys) != 2 || !uuidV4.MatchString(keys[1]) || keys[0] == keys[1] {
					t.Errorf("keys %q, want a new key after the 409", keys)
				}
			}
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || tok != nil {
					t.Fatalf("CreateShowToken = %v, %v; want %v", tok, err, tt.wantErr)
				}
				if strings.Contains(err.Error(), seedShowTok) || strings.Contains(fmt.Sprintf("%+v", err), "card_show_") {
					t.Errorf("error reveals the token: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tok.CardID != seedCard || tok.Token.Reveal() != seedShowTok || tok.RequestID != "req_show_1" {
				t.Errorf("token %+v (Token %q, RequestID %q)", tok, tok.Token.Reveal(), tok.RequestID)
			}
			if out := fmt.Sprintf("%v %+v %#v %s", tok, tok, tok, tok); strings.Contains(out, "card_show_") {
				t.Errorf("fmt reveals the token: %s", out)
			}
		})
	}
}

// TestPathParamsFromTheSpec sends refused card holder ids through c.API():
// the hygiene card IDs have comes from the spec, for every path parameter.
func TestPathParamsFromTheSpec(t *testing.T) {
	s := newScriptServer(t, false, scriptReply{status: 200, body: `{"id":"cah_1"}`})
	c := newTestClient(t, s.srv.URL)
	for _, id := range []string{"", ".", "..", "cah\r\n1", strings.Repeat("c", 300)} {
		_, err := c.API().GetCardHolderWithResponse(context.Background(), id)
		if !errors.Is(err, solid.ErrInvalidInput) {
			t.Errorf("GetCardHolder(%q): err = %v, want ErrInvalidInput", truncateName(id), err)
		}
		_, err = c.API().UpdateCardHolderWithResponse(context.Background(), id, nil, gen.CardHolderUpdate{})
		if !errors.Is(err, solid.ErrInvalidInput) {
			t.Errorf("UpdateCardHolder(%q): err = %v, want ErrInvalidInput", truncateName(id), err)
		}
	}
	if _, _, paths, _ := s.seen(); len(paths) != 0 {
		t.Errorf("refused ids still sent %v", paths)
	}
	resp, err := c.API().GetCardHolderWithResponse(context.Background(), "cah_1")
	if err != nil || resp.JSON200 == nil || *resp.JSON200.Id != "cah_1" {
		t.Fatalf("GetCardHolder: %v, %v", resp, err)
	}
}

// TestWrongCardErrorHidesSecrets: the id of a token for another card is
// the server's text, and is quoted in the error; if it holds the key or a
// token, neither may show, nor a piece of one cut by the quote's limit.
func TestWrongCardErrorHidesSecrets(t *testing.T) {
	tests := []struct {
		name, id, secret string
	}{
		{name: "the key as the id", id: testKey, secret: testKey},
		{name: "a token as the id", id: seedTok, secret: seedTok},
		{name: "the key across the quote's cut", id: strings.Repeat("i", 50) + testKey, secret: testKey},
		{name: "a token across the quote's cut", id: "crd_" + strings.Repeat("0", 46) + seedShowTok, secret: seedShowTok},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScriptServer(t, false, scriptReply{status: 200, body: `{"id":"` + tt.id + `","set_pin_token":"` + seedTok + `"}`})
			c := newTestClient(t, s.srv.URL)
			tok, err := c.CreateSetPinToken(context.Background(), seedCard)
			if !errors.Is(err, solid.ErrMalformedResponse) || tok != nil {
				t.Fatalf("CreateSetPinToken = %v, %v; want ErrMalformedResponse", tok, err)
			}
			for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err)} {
				if frag := fragmentOf(text, tt.secret, 6); frag != "" {
					t.Errorf("error %q holds %q", text, frag)
				}
			}
		})
	}
}

// TestTokensInYourStructsStayRedacted holds the tokens by value inside a
// caller's own types, where fmt prints by reflection (an unexported field
// is never asked to format itself) and slog's text handler does the same.
// JSON keeps the value: that is how it reaches the device.
func TestTokensInYourStructsStayRedacted(t *testing.T) {
	pin := solid.SetPinToken{CardID: seedCard, Token: secret.New(seedTok)}
	show := solid.ShowToken{CardID: seedCard, Token: secret.New(seedShowTok)}
	type order struct {
		ID  string
		pin solid.SetPinToken
	}
	type reveal struct {
		show solid.ShowToken
		Pins []solid.SetPinToken
	}
	tests := []struct {
		name string
		v    any
	}{
		{"unexported field", order{ID: "o1", pin: pin}},
		{"pointer to it", &order{ID: "o1", pin: pin}},
		{"unexported show token, slice of tokens", reveal{show: show, Pins: []solid.SetPinToken{pin}}},
		{"map of tokens", map[string]solid.ShowToken{"a": show}},
		{"anonymous struct", struct{ t solid.ShowToken }{show}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
				fmt.Fprintf(&out, verb+"\n", tt.v)
			}
			slog.New(slog.NewTextHandler(&out, nil)).Info("held", "v", tt.v)
			for _, secret := range []string{seedTok, seedShowTok} {
				if strings.Contains(out.String(), secret) || strings.Contains(out.String(), fmt.Sprintf("%x", secret)) {
					t.Errorf("%s shows %s:\n%s", tt.name, secret, out.String())
				}
			}
		})
	}
	b, err := json.Marshal(pin)
	if err != nil || string(b) != `{"id":"`+seedCard+`","set_pin_token":"`+seedTok+`"}` {
		t.Errorf("JSON = %s, %v; want the token itself", b, err)
	}
}

// TestContentTypeInErrorsHidesSecrets: a 200 that is not JSON is reported
// with its content type, the server's text, which could hold the key or a
// token.
func TestContentTypeInErrorsHidesSecrets(t *testing.T) {
	calls := []struct {
		name string
		call func(*solid.Client) error
	}{
		{"createSetPinToken", func(c *solid.Client) error { _, err := c.CreateSetPinToken(context.Background(), seedCard); return err }},
		{"listCards", func(c *solid.Client) error {
			for _, err := range c.Cards(context.Background(), nil) {
				return err
			}
			return nil
		}},
		{"listCardHolders", func(c *solid.Client) error {
			for _, err := range c.CardHolders(context.Background(), nil) {
				return err
			}
			return nil
		}},
	}
	secrets := []struct{ name, ctype, secret string }{
		{"the key", "text/plain; x=" + testKey, testKey},
		{"a token", "text/plain; x=" + seedTok, seedTok},
		{"the key past the cut", "text/plain; x=" + strings.Repeat("p", 50) + testKey, testKey},
	}
	for _, call := range calls {
		for _, sc := range secrets {
			t.Run(call.name+"/"+sc.name, func(t *testing.T) {
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", sc.ctype)
					w.Write([]byte("not json"))
				}))
				defer srv.Close()
				err := call.call(newTestClient(t, srv.URL))
				if !errors.Is(err, solid.ErrMalformedResponse) {
					t.Fatalf("err = %v, want ErrMalformedResponse", err)
				}
				if frag := fragmentOf(err.Error(), sc.secret, 6); frag != "" {
					t.Errorf("err %q holds %q", err, frag)
				}
			})
		}
	}
}
