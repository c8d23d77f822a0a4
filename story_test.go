package solid_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	solid "github.com/solidsdk/solid-go"
	"github.com/solidsdk/solid-go/gen"
	"github.com/solidsdk/solid-go/solidtest"
	"github.com/solidsdk/solid-go/webhook"
)

// The README's story, end to end, against solidtest through the typed
// calls: a card holder, a virtual card, its PIN, a webhook on a loopback
// receiver serving webhook.Handler, an authorization and its settlement,
// a freeze; the receiver verifies every event it is sent, and gets the
// events the story caused, in order per resource, and no other.

// seededSubAccountID is the sub account of Solid's documented examples,
// which the mock starts with.
const seededSubAccountID = "sub_bda1e562657c41e553104b10aad3fe70"

// storyEvent is an event as the story sees it: its type and the id of
// its resource (the data's "id").
type storyEvent struct {
	Type gen.WebhookEventType
	ID   string
}

func (e storyEvent) String() string { return string(e.Type) + " " + e.ID }

// expectation is the list of events a story expects, built from what it
// did with the rules of List all Webhook Events: a create is announced
// by <resource>.created, an update by <resource>.updated and, when the
// status moved, <resource>.status.<status>; only the types the spec
// lists (gen.WebhookEventType) are ever sent.
type expectation []storyEvent

func (x *expectation) add(family, suffix, id string) {
	if t := gen.WebhookEventType(family + "." + suffix); t.Valid() {
		*x = append(*x, storyEvent{t, id})
	}
}

func (x *expectation) created(family, id string) { x.add(family, "created", id) }

func (x *expectation) updated(family, id, before, after string) {
	x.add(family, "updated", id)
	if after != before {
		x.add(family, "status."+after, id)
	}
}

// byResource groups events by resource, keeping their order.
func byResource(evs []storyEvent) map[string][]storyEvent {
	out := map[string][]storyEvent{}
	for _, e := range evs {
		out[e.ID] = append(out[e.ID], e)
	}
	return out
}

// receiver is a loopback endpoint serving webhook.Handler with the
// secret createWebhook answers. A delivery that comes before the secret
// (the mock may send one the moment the webhook exists) waits for it, up
// to 5 seconds, then gets 503.
type receiver struct {
	srv     *httptest.Server
	h       atomic.Pointer[http.Handler]
	ready   chan struct{}   // closed once h is set
	events  chan storyEvent // every verified event, as it comes
	refused atomic.Int64    // deliveries answered other than 200

	mu  sync.Mutex
	all []storyEvent
}

func newReceiver(t testing.TB) *receiver {
	r := &receiver{events: make(chan storyEvent, 4096), ready: make(chan struct{})}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		select {
		case <-r.ready:
		case <-req.Context().Done():
		case <-time.After(5 * time.Second):
		}
		h := r.h.Load()
		if h == nil {
			r.refused.Add(1)
			http.Error(w, "no secret yet", http.StatusServiceUnavailable)
			return
		}
		rec := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		(*h).ServeHTTP(rec, req)
		if rec.status != http.StatusOK {
			r.refused.Add(1)
		}
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// verify makes the receiver verify deliveries with secret.
func (r *receiver) verify(secret string) {
	h := webhook.Handler(secret, func(_ context.Context, ev webhook.Event) error {
		var obj struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(ev.Data, &obj); err != nil {
			return err
		}
		e := storyEvent{ev.Type, obj.ID}
		r.mu.Lock()
		r.all = append(r.all, e)
		r.mu.Unlock()
		select {
		case r.events <- e:
		default: // the test reads r.all then
		}
		return nil
	})
	r.h.Store(&h)
	close(r.ready)
}

func (r *receiver) received() []storyEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.all)
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// await reads r's events until every one of want about the resources in
// mine has come, or ctx ends. It returns what came about mine, in order.
func (r *receiver) await(ctx context.Context, want expectation, mine map[string]bool) ([]storyEvent, error) {
	left := map[storyEvent]int{}
	for _, e := range want {
		left[e]++
	}
	n := len(want)
	var got []storyEvent
	for n > 0 {
		select {
		case e := <-r.events:
			if !mine[e.ID] {
				continue
			}
			got = append(got, e)
			if left[e] > 0 {
				left[e]--
				n--
			}
		case <-ctx.Done():
			return got, fmt.Errorf("%d of %d expected events did not come: %v", n, len(want), ctx.Err())
		}
	}
	return got, nil
}

// story is one run of the story: what it made and the events it expects.
type story struct {
	holder, card, auth, settle string
	webhookID                  string
	want                       expectation
}

// mine is the set of the story's resources.
func (s *story) mine() map[string]bool {
	return map[string]bool{s.holder: true, s.card: true, s.auth: true, s.settle: true}
}

// allEventTypes is every event a webhook can subscribe to, as the API
// lists them (List all Webhook Events).
func allEventTypes(ctx context.Context, t testing.TB, c *solid.Client) []gen.WebhookEventType {
	var out []gen.WebhookEventType
	for typ, err := range c.WebhookEvents(ctx, nil) {
		if err != nil {
			t.Fatalf("WebhookEvents: %v", err)
		}
		out = append(out, typ)
	}
	for _, must := range []gen.WebhookEventType{gen.WebhookEventTypeCardUpdated, gen.WebhookEventTypeCardStatusBlocked, gen.WebhookEventTypeTransactionCreated} {
		if !slices.Contains(out, must) {
			t.Fatalf("List all Webhook Events lacks %s: %v", must, out)
		}
	}
	return out
}

// runStory tells the story once with c, its webhook sent to r. It
// reports failures with t.Errorf (it may run on any goroutine) and
// returns false when it could not go on.
func runStory(ctx context.Context, t testing.TB, c *solid.Client, r *receiver, types []gen.WebhookEventType, n int) (*story, bool) {
	s := &story{}
	fail := func(step string, err error) (*story, bool) {
		t.Errorf("story %d: %s: %v", n, step, err)
		return s, false
	}

	// 1. A card holder, under the seeded sub account.
	sub, first, last := seededSubAccountID, "Jane", fmt.Sprintf("Doe %d", n)
	email := fmt.Sprintf("jane.doe+%d@example.com", n)
	holder, err := c.CreateCardHolder(ctx, gen.CardHolderCreate{
		SubAccountId: &sub,
		Person:       &gen.Person{FirstName: &first, LastName: &last, Email: &email},
	})
	if err != nil {
		return fail("CreateCardHolder", err)
	}
	s.holder = *holder.Id
	if got := val(holder.SubAccountId); got != sub {
		t.Errorf("story %d: card holder's sub_account_id %q, want %q", n, got, sub)
	}

	// 2. A virtual card for it.
	virtual, label := gen.CardTypeVirtual, fmt.Sprintf("Online ads %d", n)
	card, err := c.CreateCard(ctx, gen.CardCreate{CardholderId: &s.holder, Type: &virtual, Label: &label})
	if err != nil {
		return fail("CreateCard", err)
	}
	s.card = *card.Id
	if got := solid.CardHolderID(*card); got != s.holder {
		t.Errorf("story %d: card's card holder %q, want %q", n, got, s.holder)
	}
	if val(card.SubAccountId) != sub {
		t.Errorf("story %d: card's sub_account_id %q, want its card holder's %q", n, val(card.SubAccountId), sub)
	}

	// 3. Its PIN: a one-time token for the card holder's device, which
	// never prints.
	tok, err := c.CreateSetPinToken(ctx, s.card)
	if err != nil {
		return fail("CreateSetPinToken", err)
	}
	if tok.CardID != s.card || !strings.HasPrefix(tok.Token.Reveal(), "card_pin_test_") {
		t.Errorf("story %d: PIN token for %q, prefix of %d chars; want card %q, card_pin_test_", n, tok.CardID, len(tok.Token.Reveal()), s.card)
	}
	if shown := fmt.Sprintf("%v %+v %#v", tok, tok, tok); strings.Contains(shown, tok.Token.Reveal()) {
		t.Errorf("story %d: printing the PIN token shows it", n)
	}

	// 4. A webhook for every event, sent to the receiver, which verifies
	// with the secret the create answers (once).
	url, desc := r.srv.URL+"/solid/events", fmt.Sprintf("story %d", n)
	w, err := c.CreateWebhook(ctx, gen.WebhookCreate{Url: &url, Description: &desc, Events: &types})
	if err != nil {
		return fail("CreateWebhook", err)
	}
	s.webhookID = *w.Id
	if w.Secret == nil || w.Secret.Reveal() == "" {
		return fail("CreateWebhook", fmt.Errorf("the answer has no signing secret"))
	}
	if strings.Contains(fmt.Sprintf("%v %+v", *w, w.Secret), w.Secret.Reveal()) {
		t.Errorf("story %d: printing the webhook shows its secret", n)
	}
	r.verify(w.Secret.Reveal())
	// The card holder and the card were made before the webhook: no
	// event of theirs is expected (solidtest picks an event's webhooks
	// when the change is announced).

	// 5. An authorization, pending.
	amount, auth, pending := "93.50", gen.CardTransactionSimulationTypeAuth, gen.CardTransactionSimulationStatusPending
	tx, err := c.SimulateCardTransaction(ctx, gen.CardTransactionSimulation{CardId: &s.card, Amount: &amount, Type: &auth, Status: &pending})
	if err != nil {
		return fail("SimulateCardTransaction auth", err)
	}
	s.auth = *tx.Id
	if st := string(val(tx.Status)); st != "pending" {
		t.Errorf("story %d: authorization status %q, want pending", n, st)
	}
	if tx.Card == nil || val(tx.Card.Id) != s.card {
		t.Errorf("story %d: authorization is not the card's: %+v", n, tx.Card)
	}
	s.want.created("transaction", s.auth)

	// 6. Its settlement: the documented settle example, adjust settled,
	// naming the authorization.
	adjust, settled := gen.CardTransactionSimulationTypeAdjust, gen.CardTransactionSimulationStatusSettled
	st, err := c.SimulateCardTransaction(ctx, gen.CardTransactionSimulation{
		CardId: &s.card, Amount: &amount, Type: &adjust, Status: &settled, ParentTransactionId: &s.auth,
	})
	if err != nil {
		return fail("SimulateCardTransaction adjust", err)
	}
	s.settle = *st.Id
	if got := string(val(st.Status)); got != "settled" {
		t.Errorf("story %d: settlement status %q, want settled", n, got)
	}
	if got := val(st.ParentTransactionId); got != s.auth {
		t.Errorf("story %d: settlement's parent_transaction_id %q, want the authorization %q", n, got, s.auth)
	}
	s.want.created("transaction", s.settle)
	// Whatever the settlement did to the authorization is announced too:
	// read it back.
	authNow, err := c.GetTransaction(ctx, s.auth)
	if err != nil {
		return fail("GetTransaction", err)
	}
	if before, after := string(val(tx.Status)), string(val(authNow.Status)); after != before || !sameTime(tx.Timestamps, authNow.Timestamps) {
		s.want.updated("transaction", s.auth, before, after)
	}

	// 7. Freeze the card.
	blocked := gen.CardUpdateStatusBlocked
	frozen, err := c.UpdateCard(ctx, s.card, gen.CardUpdate{Status: &blocked})
	if err != nil {
		return fail("UpdateCard", err)
	}
	if got := string(val(frozen.Status)); got != "blocked" {
		t.Errorf("story %d: frozen card's status %q, want blocked", n, got)
	}
	s.want.updated("card", s.card, string(val(card.Status)), string(val(frozen.Status)))
	return s, true
}

// sameTime reports whether two transactions' timestamps say the same.
func sameTime(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

func val[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// checkOrder compares what came about each resource of story s with
// what it expects: exactly s.want, in order per resource.
func checkOrder(t testing.TB, n int, s *story, got []storyEvent) {
	w, g := byResource(s.want), byResource(got)
	for id := range s.mine() {
		evs := g[id]
		if !slices.Equal(evs, w[id]) {
			t.Errorf("story %d: events of %s:\n got %v\nwant %v", n, id, evs, w[id])
		}
	}
	for id, evs := range g {
		if !s.mine()[id] {
			t.Errorf("story %d: unexpected events of %s: %v", n, id, evs)
		}
	}
}

func TestStory(t *testing.T) {
	srv := solidtest.NewServer()
	defer srv.Close()
	c, err := solid.NewClient(solidtest.DefaultAPIKey, solid.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r := newReceiver(t)
	types := allEventTypes(ctx, t, c)
	s, ok := runStory(ctx, t, c, r, types, 0)
	if !ok {
		t.FailNow()
	}
	t.Logf("expected: %v", s.want)
	// The expected list is the story's: four transaction and card events
	// at least (the authorization, the settlement, the freeze's update
	// and status).
	for _, must := range []storyEvent{
		{gen.WebhookEventTypeTransactionCreated, s.auth},
		{gen.WebhookEventTypeTransactionCreated, s.settle},
		{gen.WebhookEventTypeCardUpdated, s.card},
		{gen.WebhookEventTypeCardStatusBlocked, s.card},
	} {
		if !slices.Contains(s.want, must) {
			t.Errorf("expectation lacks %v: %v", must, s.want)
		}
	}

	wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
	defer wcancel()
	if _, err := r.await(wctx, s.want, s.mine()); err != nil {
		t.Errorf("%v; received %v", err, r.received())
	}
	// Anything else the story caused was queued before its last answer;
	// give it a moment to show.
	quiet := time.NewTimer(200 * time.Millisecond)
quiet:
	for {
		select {
		case e := <-r.events:
			t.Errorf("unexpected event after the expected ones: %v", e)
		case <-quiet.C:
			break quiet
		}
	}
	checkOrder(t, 0, s, r.received())
	if n := r.refused.Load(); n != 0 {
		t.Errorf("the receiver refused %d deliveries", n)
	}
	// The mock's record agrees: each delivered once, at the first attempt.
	for _, d := range srv.Deliveries() {
		if d.WebhookID != s.webhookID {
			t.Errorf("delivery to another webhook: %+v", d)
			continue
		}
		if !d.Delivered || d.Attempts != 1 {
			t.Errorf("delivery of %s to %s: delivered %v after %d attempts (%s)", d.EventType, d.ResourceID, d.Delivered, d.Attempts, d.Error)
		}
	}
}

// TestStoryConcurrent runs 50 stories at once against one mock, each with
// its own card holder, card and webhook: each receiver verifies every
// delivery with its own webhook's secret, and gets its own story's events
// in order. Every webhook subscribes to every event, so a receiver is
// also sent the other stories' events (Solid's webhooks filter by type,
// not by resource); those must be events of the other stories, and
// nothing else.
func TestStoryConcurrent(t *testing.T) {
	const stories = 50
	srv := solidtest.NewServer()
	defer srv.Close()
	c, err := solid.NewClient(solidtest.DefaultAPIKey, solid.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	types := allEventTypes(ctx, t, c)

	var wg sync.WaitGroup
	recvs := make([]*receiver, stories)
	runs := make([]*story, stories)
	for i := range stories {
		recvs[i] = newReceiver(t)
		wg.Go(func() {
			s, ok := runStory(ctx, t, c, recvs[i], types, i)
			if !ok {
				return
			}
			runs[i] = s
			wctx, wcancel := context.WithTimeout(ctx, 60*time.Second)
			defer wcancel()
			if _, err := recvs[i].await(wctx, s.want, s.mine()); err != nil {
				t.Errorf("story %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	// Let stragglers show, then stop the mock's deliveries.
	time.Sleep(200 * time.Millisecond)
	srv.Close()

	everyone := map[string]bool{}
	for _, s := range runs {
		for id := range s.mine() {
			everyone[id] = true
		}
	}
	for i, s := range runs {
		var own []storyEvent
		for _, e := range recvs[i].received() {
			switch {
			case s.mine()[e.ID]:
				own = append(own, e)
			case !everyone[e.ID]:
				t.Errorf("story %d: event of no story: %v", i, e)
			}
		}
		checkOrder(t, i, s, own)
		if n := recvs[i].refused.Load(); n != 0 {
			t.Errorf("story %d: the receiver refused %d deliveries", i, n)
		}
	}
}

// TestStoryScript runs scripts/story.sh, the same story against `solid
// mock` with curl and `solid webhooks listen`, as a team in another
// language would; and again through Prism (--prism) where make check-mock
// has installed it. It builds the CLI, so it is skipped with -short, and
// where bash, curl or go is missing.
func TestStoryScript(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the CLI: not with -short")
	}
	for _, tool := range []string{"bash", "curl", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("scripts/story.sh needs %s: %v", tool, err)
		}
	}
	for _, tt := range []struct{ name, flag string }{{"mock", ""}, {"through Prism", "--prism"}} {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"scripts/story.sh"}
			if tt.flag != "" {
				if _, err := os.Stat("tools/prism/node_modules/.bin/prism"); err != nil {
					t.Skip("Prism is not installed (make check-mock installs it)")
				}
				args = append(args, tt.flag)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, "bash", args...)
			cmd.WaitDelay = 10 * time.Second
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
			}
			for _, want := range []string{"1. card holder cah_", "7. card crd_", "expected events, in order per resource, and no other"} {
				if !strings.Contains(string(out), want) {
					t.Errorf("%s printed no %q:\n%s", strings.Join(args, " "), want, out)
				}
			}
			if strings.Contains(string(out), "whsec_") || strings.Contains(string(out), "card_pin_test_") {
				t.Errorf("%s printed a secret:\n%s", strings.Join(args, " "), out)
			}
		})
	}
}
