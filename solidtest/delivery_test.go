package solidtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/solidsdk/solid-go/gen"
	"github.com/solidsdk/solid-go/internal/specval"
	"github.com/solidsdk/solid-go/webhook"
)

// The branch that makes the mock stateful calls emit at every change of
// state; until then these tests call it themselves, as that code will.

const testWebhookSecret = "whsec-solidtest-5f3a9c1e7b2d4068"

// fast retries, so failing receivers cost milliseconds.
var fastRetries = WithDeliveryRetries(5, time.Millisecond, 4*time.Millisecond)

// receiver is a webhook endpoint serving webhook.Handler: it verifies
// each delivery with its secret and keeps the events it was handed.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	events []webhook.Event
	types  []string // Content-Type of each request
	calls  int      // requests received, verified or not
}

// newReceiver starts a receiver whose fn answers with fail's error (nil:
// 200) after block, when not nil, returns.
func newReceiver(t *testing.T, secret string, fail error, block func(*http.Request)) *receiver {
	t.Helper()
	rc := &receiver{}
	wh := webhook.Handler(secret, func(_ context.Context, ev webhook.Event) error {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		if fail == nil {
			rc.events = append(rc.events, ev)
		}
		return fail
	})
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc.mu.Lock()
		rc.calls++
		rc.types = append(rc.types, r.Header.Get("Content-Type"))
		rc.mu.Unlock()
		if block != nil {
			block(r)
		}
		wh.ServeHTTP(w, r)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) got() ([]webhook.Event, int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]webhook.Event(nil), rc.events...), rc.calls
}

// card is a card object with a sequence number, for checking order.
func card(id string, seq int) []byte {
	return fmt.Appendf(nil, `{"id":%q,"status":"active","seq":%d}`, id, seq)
}

func waitCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestDeliveryInOrderPerResource(t *testing.T) {
	h := NewHandler(fastRetries)
	defer h.close()
	rc := newReceiver(t, testWebhookSecret, nil, nil)
	id := h.SubscribeWebhook(rc.URL+"/hooks/solid", testWebhookSecret, "card.created", "card.updated")

	resources := []string{"crd_a", "crd_b", "crd_c", "crd_d", "crd_e"}
	const n = 40
	for i := range n {
		h.emit("card.updated", card(resources[i%len(resources)], i))
	}
	ctx := waitCtx(t)
	for range n {
		d, err := h.WaitForEvent(ctx, "card.updated")
		if err != nil {
			t.Fatal(err)
		}
		if d.WebhookID != id || !d.Delivered || !d.Done || d.Attempts != 1 || d.LastStatus != 200 || d.Error != "" {
			t.Fatalf("delivery %+v", d)
		}
	}
	events, calls := rc.got()
	if len(events) != n || calls != n {
		t.Fatalf("receiver verified %d events in %d requests, want %d", len(events), calls, n)
	}
	last := map[string]int{}
	for _, ev := range events {
		var data struct {
			ID  string `json:"id"`
			Seq int    `json:"seq"`
		}
		if err := json.Unmarshal(ev.Data, &data); err != nil {
			t.Fatal(err)
		}
		if ev.Type != "card.updated" || ev.Env != "sandbox" || ev.ProgramID != ProgramID {
			t.Errorf("event %+v", ev)
		}
		if prev, ok := last[data.ID]; ok && data.Seq <= prev {
			t.Errorf("%s: event %d arrived after %d", data.ID, data.Seq, prev)
		}
		last[data.ID] = data.Seq
		if c, err := ev.Card(); err != nil || *c.Id != data.ID {
			t.Errorf("Card() = %v, %v", c, err)
		}
	}
	for _, ct := range rc.types {
		if ct != "application/json" {
			t.Errorf("Content-Type %q", ct)
		}
	}
	ds := h.Deliveries()
	if len(ds) != n {
		t.Fatalf("%d deliveries recorded, want %d", len(ds), n)
	}
	for _, d := range ds {
		var env map[string]json.RawMessage
		if err := json.Unmarshal(d.Body, &env); err != nil || string(env["eventType"]) != `"card.updated"` ||
			d.URL != rc.URL+"/hooks/solid" || d.ResourceID == "" {
			t.Errorf("delivery %+v (%v)", d, err)
		}
	}
}

func TestDeliveryFilter(t *testing.T) {
	h := NewHandler(fastRetries)
	defer h.close()
	cards := newReceiver(t, testWebhookSecret, nil, nil)
	txns := newReceiver(t, "whsec-other-9d8c7b6a", nil, nil)
	cardsID := h.SubscribeWebhook(cards.URL, testWebhookSecret, "card.created")
	h.SubscribeWebhook(txns.URL, "whsec-other-9d8c7b6a", "transaction.created")

	// Same resource: card.updated, which nobody subscribes to, is handled
	// before card.created is delivered.
	h.emit("card.updated", card("crd_f", 1))
	h.emit("card.created", card("crd_f", 2))
	d, err := h.WaitForEvent(waitCtx(t), "card.created")
	if err != nil || d.WebhookID != cardsID {
		t.Fatalf("%+v, %v", d, err)
	}
	if ds := h.Deliveries(); len(ds) != 1 {
		t.Errorf("deliveries %+v, want only card.created to %s", ds, cardsID)
	}
	if events, calls := txns.got(); calls != 0 || len(events) != 0 {
		t.Errorf("the transaction webhook got %d requests", calls)
	}
	if events, _ := cards.got(); len(events) != 1 || events[0].Type != "card.created" {
		t.Errorf("the card webhook got %+v", events)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := h.WaitForEvent(ctx, "card.updated"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitForEvent for an event nobody subscribes to: %v", err)
	}
}

func TestDeliveryRetried(t *testing.T) {
	h := NewHandler(fastRetries)
	defer h.close()
	rc := newReceiver(t, testWebhookSecret, nil, nil)
	h.SubscribeWebhook(rc.URL, testWebhookSecret, "card.updated")
	h.FailNextDeliveries(2)
	h.emit("card.updated", card("crd_r", 1))
	d, err := h.WaitForEvent(waitCtx(t), "card.updated")
	if err != nil || !d.Delivered || d.Attempts != 3 || d.LastStatus != 200 {
		t.Fatalf("%+v, %v: want delivered at the third attempt", d, err)
	}
	if events, calls := rc.got(); len(events) != 1 || calls != 1 {
		t.Errorf("receiver got %d requests, %d events; the failed attempts send nothing", calls, len(events))
	}
}

func TestDeliveryGivesUp(t *testing.T) {
	h := NewHandler(fastRetries)
	defer h.close()
	rc := newReceiver(t, testWebhookSecret, errors.New("database down"), nil)
	h.SubscribeWebhook(rc.URL, testWebhookSecret, "card.updated")
	h.emit("card.updated", card("crd_g", 1))
	d, err := h.WaitForEvent(waitCtx(t), "card.updated")
	if err == nil || d.Delivered || !d.Done || d.Attempts != 5 || d.LastStatus != 500 || !strings.Contains(d.Error, "given up after 5") {
		t.Fatalf("%+v, %v: want given up after 5 attempts", d, err)
	}
	if _, calls := rc.got(); calls != 5 {
		t.Errorf("receiver got %d requests, want 5", calls)
	}

	// The next event of the resource goes on.
	h.FailNextDeliveries(0)
	ok := newReceiver(t, testWebhookSecret, nil, nil)
	h.SubscribeWebhook(ok.URL, testWebhookSecret, "card.created")
	h.emit("card.created", card("crd_g", 2))
	if d, err := h.WaitForEvent(waitCtx(t), "card.created"); err != nil || !d.Delivered {
		t.Fatalf("%+v, %v", d, err)
	}
}

func TestDeliveryStopsWhenDeleted(t *testing.T) {
	srv := NewServer(fastRetries)
	defer srv.Close()
	del := func(id string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodDelete, srv.URL+"/v2/webhook/"+id, nil)
		req.Header.Set("api-key", DefaultAPIKey)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			t.Fatalf("deleteWebhook: %d", resp.StatusCode)
		}
	}
	// blocking makes a receiver's first request wait for release.
	blocking := func(entered, release chan struct{}) func(*http.Request) {
		var once sync.Once
		return func(r *http.Request) {
			once.Do(func() {
				close(entered)
				select {
				case <-release:
				case <-r.Context().Done():
				}
			})
		}
	}
	ctx := waitCtx(t)

	t.Run("queued", func(t *testing.T) {
		entered, release := make(chan struct{}), make(chan struct{})
		rc := newReceiver(t, testWebhookSecret, nil, blocking(entered, release))
		id := srv.SubscribeWebhook(rc.URL, testWebhookSecret, "card.updated")
		for i := range 3 {
			srv.emit("card.updated", card("crd_x", i))
		}
		<-entered // the first is in flight, the others queued
		del(id)
		close(release)
		if d, err := srv.WaitForEvent(ctx, "card.updated"); err != nil || !d.Delivered || d.WebhookID != id {
			t.Fatalf("the delivery in flight: %+v, %v", d, err)
		}
		// The two queued for it are given up, never sent.
		for range 2 {
			if d, err := srv.WaitForEvent(ctx, "card.updated"); err == nil || d.Delivered || d.Attempts != 0 || d.WebhookID != id {
				t.Fatalf("a queued delivery to the deleted webhook: %+v, %v", d, err)
			}
		}
		// A later event of the same resource, queued after the others,
		// reaches a live webhook; the deleted one, made first, would
		// have been sent it first.
		live := newReceiver(t, testWebhookSecret, nil, nil)
		liveID := srv.SubscribeWebhook(live.URL, testWebhookSecret, "card.updated")
		srv.emit("card.updated", card("crd_x", 3))
		if d, err := srv.WaitForEvent(ctx, "card.updated"); err != nil || d.WebhookID != liveID {
			t.Fatalf("%+v, %v", d, err)
		}
		del(liveID)
		for _, d := range srv.Deliveries() {
			if d.WebhookID == id && d.Attempts > 0 && !bytes.Contains(d.Body, []byte(`"seq":0`)) {
				t.Errorf("the deleted webhook was sent %s", d.Body)
			}
		}
		if _, calls := rc.got(); calls != 1 {
			t.Errorf("the deleted webhook got %d requests, want 1", calls)
		}
	})

	t.Run("retrying", func(t *testing.T) {
		entered, release := make(chan struct{}), make(chan struct{})
		rc := newReceiver(t, testWebhookSecret, errors.New("not now"), blocking(entered, release))
		id := srv.SubscribeWebhook(rc.URL, testWebhookSecret, "card.created")
		srv.emit("card.created", card("crd_y", 0))
		<-entered
		del(id)
		close(release) // the first attempt fails; the second finds no webhook
		d, err := srv.WaitForEvent(ctx, "card.created")
		if err == nil || d.Delivered || d.Attempts != 1 || d.LastStatus != 500 || !strings.Contains(d.Error, "deleted") {
			t.Fatalf("%+v, %v: want stopped after the first attempt", d, err)
		}
		if _, calls := rc.got(); calls != 1 {
			t.Errorf("the deleted webhook got %d requests, want 1", calls)
		}
	})
}

// While the receiver hangs, requests are answered, events past the
// queue's bound are dropped and counted, and Close still ends the
// workers at once.
func TestDeliveryOffTheRequestPath(t *testing.T) {
	var logs syncBuffer
	h := NewHandler(fastRetries, WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	rc := newReceiver(t, testWebhookSecret, nil, func(r *http.Request) {
		once.Do(func() { close(entered) })
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	t.Cleanup(func() { close(release) }) // before rc.Close
	h.SubscribeWebhook(rc.URL, testWebhookSecret, "card.updated")
	// A mock whose updateCard emits, as the stateful branch's will.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		if r.Method == http.MethodPatch {
			h.emit("card.updated", card(DefaultCardID, 0))
		}
	}))
	defer srv.Close()
	patch := func() {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPatch, srv.URL+"/v2/issuing/card/"+DefaultCardID, strings.NewReader(`{"label":"x"}`))
		req.Header.Set("api-key", DefaultAPIKey)
		req.Header.Set("Content-Type", "application/json")
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("updateCard: %d", resp.StatusCode)
		}
	}
	patch()
	<-entered // the receiver now hangs until released
	for i := range deliveryQueue + 10 {
		h.emit("card.updated", card(DefaultCardID, i+1))
	}
	patch() // answered while the receiver hangs and the queue is full
	if _, calls := rc.got(); calls != 1 {
		t.Fatalf("receiver got %d requests, want the one it hangs on", calls)
	}
	if n := h.DroppedEvents(); n < 10 {
		t.Errorf("DroppedEvents() = %d, want at least 10", n)
	}
	h.close() // cancels the hanging attempt; returns once the workers end
	h.emit("card.updated", card(DefaultCardID, -1))
	ds := h.Deliveries()
	if len(ds) != 1 || ds[0].Delivered || !strings.Contains(ds[0].Error, "closed") {
		t.Errorf("deliveries after Close: %+v", ds)
	}
	if _, err := h.WaitForEvent(context.Background(), "card.created"); err == nil {
		t.Error("WaitForEvent after Close: no error")
	}
	if !strings.Contains(logs.String(), "dropped") {
		t.Errorf("no log of the dropped events:\n%s", logs.String())
	}
}

func TestDeliveryControlAndSecrets(t *testing.T) {
	var logs syncBuffer
	srv := NewServer(fastRetries, WithControl(), WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	rc := newReceiver(t, testWebhookSecret, nil, nil)
	const password = "pw-in-the-url-1c2d3e4f"
	hookURL := strings.Replace(rc.URL, "http://", "http://user:"+password+"@", 1) + "/hooks"
	srv.SubscribeWebhook(hookURL, testWebhookSecret, "card.updated")

	control := func(method, path, body string) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	for _, bad := range []string{`{"count":-1}`, `{}`, `{"n":1}`, `[]`} {
		if status, _ := control("POST", "/_solidtest/deliveries/fail", bad); status != 400 {
			t.Errorf("POST deliveries/fail %s: %d, want 400", bad, status)
		}
	}
	if status, b := control("POST", "/_solidtest/deliveries/fail", `{"count":1}`); status != 204 {
		t.Fatalf("POST deliveries/fail: %d %s", status, b)
	}
	srv.emit("card.updated", card("crd_s", 1))
	d, err := srv.WaitForEvent(waitCtx(t), "card.updated")
	if err != nil || d.Attempts != 2 {
		t.Fatalf("%+v, %v: want delivered at the second attempt", d, err)
	}
	status, listed := control("GET", "/_solidtest/deliveries", "")
	var ds []Delivery
	if err := json.Unmarshal(listed, &ds); status != 200 || err != nil || len(ds) != 1 || !ds[0].Delivered || ds[0].Attempts != 2 {
		t.Fatalf("GET deliveries: %d %s (%v)", status, listed, err)
	}
	if !bytes.Equal(ds[0].Body, d.Body) || strings.Contains(ds[0].URL, password) || !strings.Contains(ds[0].URL, "user:") {
		t.Errorf("GET deliveries: %+v", ds[0])
	}
	srv.Close()

	sig := webhook.Sign(d.Body, testWebhookSecret)
	for name, text := range map[string]string{
		"Deliveries":     fmt.Sprintf("%+v %#v", srv.Deliveries(), srv.Deliveries()),
		"control API":    string(listed),
		"log":            logs.String(),
		"WaitForEvent's": fmt.Sprintf("%+v", d),
	} {
		for _, s := range []string{testWebhookSecret, sig, password} {
			if strings.Contains(text, s) {
				t.Errorf("%s holds a secret (%.8s...):\n%s", name, s, text)
			}
		}
	}
	if !strings.Contains(logs.String(), "webhook delivered") || !strings.Contains(logs.String(), "attempt failed") {
		t.Errorf("log:\n%s", logs.String())
	}
}

// A webhook the mock has no secret for (the documented examples it
// starts with) gets nothing.
func TestDeliveryNeedsASecret(t *testing.T) {
	h := NewHandler(fastRetries)
	defer h.close()
	h.ensureKind("webhook_id")
	h.smu.Lock()
	n := len(h.kind("webhook_id").order)
	h.smu.Unlock()
	if n == 0 {
		t.Skip("the spec seeds no example webhook")
	}
	if got := h.subscribers("transaction.status.declined"); len(got) != 0 {
		t.Errorf("subscribers %+v: the example webhooks have no secret", got)
	}
}

// syncBuffer is a bytes.Buffer safe for the mock's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// The body sent is the webhookEvent callback's WebhookEvent, its data the
// card as getCard answers it; an undocumented event type is not sent.
func TestDeliveryMatchesSpec(t *testing.T) {
	h := NewHandler(fastRetries)
	defer h.close()
	rc := newReceiver(t, testWebhookSecret, nil, nil)
	h.SubscribeWebhook(rc.URL, testWebhookSecret, "card.status.active", "card.updated")
	w := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/v2/issuing/card/"+DefaultCardID, nil)
	req.Header.Set("api-key", DefaultAPIKey)
	h.ServeHTTP(w, req)
	if w.Code != 200 {
		t.Fatalf("getCard: %d", w.Code)
	}
	// No event is documented for a card's active status: none is sent.
	h.emit("card.status.active", w.Body.Bytes())
	h.emit("card.updated", w.Body.Bytes())
	d, err := h.WaitForEvent(waitCtx(t), "card.updated")
	if err != nil {
		t.Fatal(err)
	}
	v, err := specval.Default()
	if err != nil {
		t.Fatal(err)
	}
	schemas := v.Doc().Components.Schemas
	var body map[string]any
	if err := json.Unmarshal(d.Body, &body); err != nil {
		t.Fatal(err)
	}
	if err := schemas["WebhookEvent"].Value.VisitJSON(body); err != nil {
		t.Errorf("the body is not a WebhookEvent: %v", err)
	}
	if err := schemas["Card"].Value.VisitJSON(body["data"]); err != nil {
		t.Errorf("its data is not a Card: %v", err)
	}
	if body["env"] != "sandbox" || body["programId"] != ProgramID || d.ResourceID != DefaultCardID {
		t.Errorf("body %s", d.Body)
	}
	if events, _ := rc.got(); len(events) != 1 || events[0].Type != "card.updated" || !bytes.Equal(events[0].Data, w.Body.Bytes()) {
		t.Errorf("the receiver got %+v", events)
	}
}

// A Handler nobody closes (NewHandler's users often do not) keeps no
// goroutine once its deliveries are done.
func TestDeliveryWorkersEndWhenIdle(t *testing.T) {
	before := goleak.IgnoreCurrent()
	h := NewHandler(fastRetries)
	rc := newReceiver(t, testWebhookSecret, nil, nil)
	h.SubscribeWebhook(rc.URL, testWebhookSecret, "card.updated")
	for i := range 8 {
		h.emit("card.updated", card(fmt.Sprintf("crd_%d", i), i))
	}
	for range 8 {
		if _, err := h.WaitForEvent(waitCtx(t), "card.updated"); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan struct{})
	go func() { h.dl.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-waitCtx(t).Done():
		t.Fatal("the workers did not end")
	}
	// Nothing of the mock's is left: no worker, no connection to the
	// receiver (whose own goroutines, serving it, are not the mock's).
	if err := goleak.Find(before, goleak.IgnoreAnyFunction("net/http.(*conn).serve"),
		goleak.IgnoreAnyFunction("net/http/httptest.(*Server).goServe.func1")); err != nil {
		t.Error(err)
	}
}

// TestLaterWebhookGetsNoEarlierEvent: the webhooks an event goes to are
// those subscribed when the change was announced, even while the event
// waits behind a slow delivery of the same resource.
func TestLaterWebhookGetsNoEarlierEvent(t *testing.T) {
	h := NewHandler(fastRetries)
	defer h.close()
	first := newReceiver(t, testWebhookSecret, nil, nil)
	h.SubscribeWebhook(first.URL, testWebhookSecret, "card.updated")
	h.FailNextDeliveries(2) // the first event waits out two retries
	h.emit("card.updated", card("crd_later", 1))
	h.emit("card.updated", card("crd_later", 2))
	later := newReceiver(t, testWebhookSecret, nil, nil)
	h.SubscribeWebhook(later.URL, testWebhookSecret, "card.updated")
	for range 2 {
		if _, err := h.WaitForEvent(waitCtx(t), "card.updated"); err != nil {
			t.Fatal(err)
		}
	}
	if events, _ := first.got(); len(events) != 2 {
		t.Errorf("the first webhook got %d events, want 2", len(events))
	}
	if events, calls := later.got(); len(events) != 0 || calls != 0 {
		t.Errorf("a webhook registered after both changes got %d events (%d calls), want none", len(events), calls)
	}
}

// TestEventBodyAsMarshal: the event body built by hand is what
// json.Marshal makes of the gen.WebhookEvent, for encodings of the mock's
// own and for what emit makes of a resource given to it.
func TestEventBodyAsMarshal(t *testing.T) {
	objs := []map[string]any{
		{"id": "crd_1", "status": "active", "n": 1.5, "nested": map[string]any{"a": []any{"x", nil, true}}},
		{"id": "txn_<&>", "description": "line\u2028break \"quoted\" é", "amount": "10.00"},
		{},
	}
	for _, obj := range objs {
		enc := marshal(obj)
		env, program := deliveryEnv, ProgramID
		want, err := json.Marshal(gen.WebhookEvent{EventType: "card.updated", Env: &env, ProgramId: &program, Data: json.RawMessage(enc)})
		if err != nil {
			t.Fatal(err)
		}
		if got := appendEvent(nil, "card.updated", enc); !bytes.Equal(got, want) {
			t.Errorf("appendEvent:\n got %s\nwant %s", got, want)
		}
	}
	// emit compacts and escapes what it is given first.
	h := NewHandler()
	defer h.stopDeliveries()
	got := make(chan []byte, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- b
	}))
	defer srv.Close()
	h.SubscribeWebhook(srv.URL, "whsec_x", "card.updated")
	raw := []byte("{ \"id\": \"crd_9\",\n \"name\": \"<b>\" }")
	h.emit("card.updated", raw)
	env, program := deliveryEnv, ProgramID
	want, _ := json.Marshal(gen.WebhookEvent{EventType: "card.updated", Env: &env, ProgramId: &program, Data: json.RawMessage(raw)})
	select {
	case b := <-got:
		if !bytes.Equal(b, want) {
			t.Errorf("emit sent\n %s\nwant %s", b, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no delivery")
	}
}
