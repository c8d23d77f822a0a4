package webhook

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/solidsdk/solid-go/gen"
)

// recorder is an fn that records the events it is handed.
type recorder struct {
	mu     sync.Mutex
	events []Event
	err    error
}

func (r *recorder) fn(_ context.Context, ev Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, ev)
	return r.err
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.events)
}

func TestHandler(t *testing.T) {
	big := []byte(`{"eventType":"card.updated","data":{"pad":"` + strings.Repeat("x", 2000) + `"}}`)
	tests := []struct {
		name    string
		method  string
		body    []byte
		sig     string // "" for no header
		chunked bool   // send without a Content-Length
		fnErr   error
		opts    []HandlerOption
		status  int
		handed  bool
		reason  string
	}{
		{name: "signed event", method: "POST", body: cardEvent, sig: Sign(cardEvent, testSecret), status: 200, handed: true},
		{name: "base64 signature", method: "POST", body: cardEvent, sig: b64(cardEvent), status: 200, handed: true},
		{name: "no signature", method: "POST", body: cardEvent, status: 400, reason: "no " + Header},
		{name: "wrong signature", method: "POST", body: cardEvent, sig: Sign(cardEvent, "other"), status: 401, reason: "does not match"},
		{name: "signature of another body", method: "POST", body: cardEvent, sig: Sign(big, testSecret), status: 401, reason: "does not match"},
		{name: "garbled signature", method: "POST", body: cardEvent, sig: "hello", status: 401, reason: "does not match"},
		{name: "signed, not an event", method: "POST", body: []byte(`{"hello":1}`), sig: Sign([]byte(`{"hello":1}`), testSecret), status: 400, reason: "not a webhook event"},
		{name: "GET", method: "GET", status: 405, reason: "not POST"},
		{name: "PUT signed", method: "PUT", body: cardEvent, sig: Sign(cardEvent, testSecret), status: 405},
		{name: "over the limit", method: "POST", body: big, sig: Sign(big, testSecret), opts: []HandlerOption{WithMaxBodyBytes(1024)}, status: 413, reason: "too large"},
		{name: "over the limit, no Content-Length", method: "POST", body: big, sig: Sign(big, testSecret), chunked: true, opts: []HandlerOption{WithMaxBodyBytes(1024)}, status: 413, reason: "too large"},
		{name: "under the limit", method: "POST", body: big, sig: Sign(big, testSecret), opts: []HandlerOption{WithMaxBodyBytes(4096)}, status: 200, handed: true},
		{name: "fn fails", method: "POST", body: cardEvent, sig: Sign(cardEvent, testSecret), fnErr: errors.New("database down"), status: 500, handed: true, reason: "deliver it again"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			rec := &recorder{err: tt.fnErr}
			opts := append([]HandlerOption{WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))}, tt.opts...)
			srv := httptest.NewServer(Handler(testSecret, rec.fn, opts...))
			defer srv.Close()

			var body io.Reader = bytes.NewReader(tt.body)
			if tt.chunked {
				body = io.MultiReader(body) // hides the length: sent chunked
			}
			req, err := http.NewRequest(tt.method, srv.URL+"/hooks/solid", body)
			if err != nil {
				t.Fatal(err)
			}
			if tt.sig != "" {
				req.Header.Set(Header, tt.sig)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d (%s), want %d", resp.StatusCode, got, tt.status)
			}
			if n := rec.count(); (n == 1) != tt.handed || n > 1 {
				t.Errorf("fn called %d times, want handed=%v", n, tt.handed)
			}
			if tt.handed && rec.events[0].Type == "" {
				t.Error("fn got an event with no type")
			}
			if tt.reason != "" && !strings.Contains(string(got), tt.reason) {
				t.Errorf("answer %q, want it to say %q", got, tt.reason)
			}
			if tt.status == 405 && resp.Header.Get("Allow") != "POST" {
				t.Errorf("Allow = %q, want POST", resp.Header.Get("Allow"))
			}
			for _, s := range append(forbidden(tt.body, testSecret), tt.sig) {
				if s == "" || len(s) < 8 {
					continue
				}
				if strings.Contains(string(got), s) {
					t.Errorf("answer %q holds the secret or a signature", got)
				}
				if strings.Contains(logs.String(), s) {
					t.Errorf("log %q holds the secret or a signature", logs.String())
				}
			}
			if tt.fnErr != nil && strings.Contains(string(got), tt.fnErr.Error()) {
				t.Errorf("answer %q holds fn's error", got)
			}
			if logs.Len() == 0 {
				t.Error("nothing logged")
			}
		})
	}
}

func b64(p []byte) string {
	return base64.StdEncoding.EncodeToString(mac(p, testSecret))
}

func TestHandlerContext(t *testing.T) {
	type key struct{}
	var got any
	h := Handler(testSecret, func(ctx context.Context, ev Event) error {
		got = ctx.Value(key{})
		return nil
	})
	req := httptest.NewRequestWithContext(context.WithValue(context.Background(), key{}, "v"), "POST", "/", bytes.NewReader(cardEvent))
	req.Header.Set(Header, Sign(cardEvent, testSecret))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != 200 || got != "v" {
		t.Fatalf("status %d, context value %v: fn should get the request's context", w.Code, got)
	}
}

func TestHandlerPanicsOnMisuse(t *testing.T) {
	for name, f := range map[string]func(){
		"empty secret": func() { Handler("", func(context.Context, Event) error { return nil }) },
		"nil fn":       func() { Handler(testSecret, nil) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f()
		})
	}
}

// TestGeneratedCallbackDelivers: the delivery oapi-codegen generated from
// the webhookEvent callback (gen.CallbackInitiator), given a body signed
// with Sign, is accepted by Handler: the path the mock's deliveries take.
func TestGeneratedCallbackDelivers(t *testing.T) {
	rec := &recorder{}
	srv := httptest.NewServer(Handler(testSecret, rec.fn))
	defer srv.Close()
	ci, err := gen.NewCallbackInitiator(gen.WithCallbackHTTPClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		secret string
		status int
	}{{testSecret, 200}, {"another", 401}} {
		params := &gen.WebhookEventParams{SdWebhookSha256Signature: Sign(cardEvent, tt.secret)}
		resp, err := ci.WebhookEventWithBody(context.Background(), srv.URL+"/hooks", params, "application/json", bytes.NewReader(cardEvent))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.status {
			t.Errorf("signed with %q: status %d, want %d", tt.secret, resp.StatusCode, tt.status)
		}
	}
	if rec.count() != 1 {
		t.Errorf("fn called %d times, want 1", rec.count())
	}
}
