package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/solidsdk/solid-go/solidtest"
	"github.com/solidsdk/solid-go/webhook"
)

const demoUsage = `Usage: solid demo [--show-secrets]

Starts the mock in-process and tells the cards story against it, through
the same code as the real commands: create a card holder, issue it a
virtual card, set its PIN, register a webhook sent to a listener on this
machine (webhook.Handler on 127.0.0.1), simulate an authorization and its
settlement, freeze the card. The listener verifies each event's signature
with the webhook's signing secret and the demo prints it as it comes.
The PIN token and the signing secret are printed redacted unless
--show-secrets. Needs no key and no network beyond loopback.

Flags:
`

// demoEventTimeout bounds the wait for the events of a step.
const demoEventTimeout = 10 * time.Second

// demoEvents are the events the demo's webhook subscribes to: the card's
// and its transactions' changes the story makes, and a few it could.
var demoEvents = []string{
	"card.updated", "card.status.blocked", "card.status.closed",
	"transaction.created", "transaction.updated", "transaction.status.settled", "transaction.status.declined",
}

// demoEvent is a verified event: its type and its resource's id.
type demoEvent struct{ typ, id string }

// demoListener is the demo's webhook endpoint: webhook.Handler on
// loopback, once the secret is known; it answers 503 before.
type demoListener struct {
	url     string
	srv     *http.Server
	h       atomic.Pointer[http.Handler]
	out     io.Writer
	mu      sync.Mutex
	seen    map[demoEvent]int
	changed chan struct{} // closed and replaced on every event
	count   int
	pending []string // lines of events not printed yet
}

func startDemoListener(out io.Writer) (*demoListener, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	l := &demoListener{url: "http://" + ln.Addr().String() + "/solid/events", out: out,
		seen: map[demoEvent]int{}, changed: make(chan struct{})}
	l.srv = &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h := l.h.Load(); h != nil {
			(*h).ServeHTTP(w, r)
			return
		}
		http.Error(w, "no signing secret yet", http.StatusServiceUnavailable)
	})}
	go l.srv.Serve(ln)
	return l, nil
}

// verify makes the listener verify deliveries with secret and print each
// verified event.
func (l *demoListener) verify(secret string) {
	h := webhook.Handler(secret, func(_ context.Context, ev webhook.Event) error {
		var obj struct {
			ID     string `json:"id"`
			Status string `json:"status"`
			Amount string `json:"amount"`
		}
		json.Unmarshal(ev.Data, &obj) // the accessors' job in real code; the ids are all the demo needs
		var what string
		switch ev.Family() {
		case "card":
			what = "status " + obj.Status
		case "transaction":
			what = obj.Amount + " " + obj.Status
		}
		l.mu.Lock()
		l.pending = append(l.pending, fmt.Sprintf("  <- %-26s %s  %s  (signature verified)\n", ev.Type, obj.ID, what))
		l.seen[demoEvent{string(ev.Type), obj.ID}]++
		l.count++
		close(l.changed)
		l.changed = make(chan struct{})
		l.mu.Unlock()
		return nil
	})
	l.h.Store(&h)
}

// await prints the events that have come, as they come, until every
// event of want has, or ctx ends. Events print only here, on the demo's
// goroutine, so they never cut into a step's lines.
func (l *demoListener) await(ctx context.Context, want ...demoEvent) error {
	for {
		l.mu.Lock()
		var missing []string
		need := map[demoEvent]int{}
		for _, e := range want {
			need[e]++
			if l.seen[e] < need[e] {
				missing = append(missing, e.typ+" "+e.id)
			}
		}
		ch, lines := l.changed, l.pending
		l.pending = nil
		l.mu.Unlock()
		for _, s := range lines {
			io.WriteString(l.out, s)
		}
		if len(missing) == 0 {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("no event %s within %s", strings.Join(missing, ", "), demoEventTimeout)
		}
	}
}

func (l *demoListener) close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if l.srv.Shutdown(ctx) != nil {
		l.srv.Close()
	}
}

// runDemo is `solid demo`.
func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	show := fs.Bool("show-secrets", false, "print the PIN token and the webhook's signing secret instead of [REDACTED]")
	if code, ok := parseFlags(fs, demoUsage, args, stdout, stderr); !ok {
		return code
	}
	if fs.NArg() != 0 {
		return usageError(fs, demoUsage, stderr, "unexpected arguments %q", fs.Args())
	}
	out := stdout
	srv := solidtest.NewServer()
	defer srv.Close()
	lis, err := startDemoListener(out)
	if err != nil {
		fmt.Fprintf(stderr, "solid demo: %v\n", err)
		return 1
	}
	defer lis.close()
	env := func(k string) string {
		switch k {
		case "SOLID_API_KEY":
			return solidtest.DefaultAPIKey
		case "SOLID_BASE_URL":
			return srv.URL
		}
		return ""
	}
	cmds, err := opCommands()
	if err != nil {
		fmt.Fprintf(stderr, "solid demo: %v\n", err)
		return 1
	}
	byName := map[string]*opCommand{}
	for _, c := range cmds {
		byName[c.name] = c
	}
	// step runs one command as a user would, and returns its JSON answer.
	step := func(title string, args ...string) map[string]any {
		shown := make([]string, len(args))
		for i, a := range args {
			shown[i] = a
			if strings.ContainsAny(a, " {}\"*$") {
				shown[i] = "'" + a + "'"
			}
		}
		fmt.Fprintf(out, "\n%s\n  $ solid %s\n", title, strings.Join(shown, " "))
		var answer bytes.Buffer
		if code := runOperation(ctx, byName[args[0]], args[1:], env, strings.NewReader(""), &answer, stderr); code != 0 {
			return nil
		}
		var m map[string]any
		if err := json.Unmarshal(answer.Bytes(), &m); err != nil {
			fmt.Fprintf(stderr, "solid demo: %v\n", err)
			return nil
		}
		return m
	}
	secret := func(v any) string {
		if *show {
			return fmt.Sprint(v)
		}
		return "[REDACTED] (solid demo --show-secrets prints it)"
	}
	// events waits for the events a step causes; they print as they come.
	events := func(want ...demoEvent) bool {
		wctx, cancel := context.WithTimeout(ctx, demoEventTimeout)
		defer cancel()
		if err := lis.await(wctx, want...); err != nil {
			fmt.Fprintf(stderr, "solid demo: %v\n", err)
			return false
		}
		return true
	}
	str := func(m map[string]any, path ...string) string {
		var v any = m
		for _, p := range path {
			o, _ := v.(map[string]any)
			v = o[p]
		}
		s, _ := v.(string)
		return s
	}
	jsonArg := func(v any) string {
		b, _ := json.Marshal(v)
		return string(b)
	}

	fmt.Fprintf(out, "Mock of Solid's API (package solidtest, checked against openapi.yaml) at %s\n", srv.URL)
	fmt.Fprintln(out, "Every command below reads SOLID_API_KEY and SOLID_BASE_URL, set here to the mock's.")

	const sub = "sub_bda1e562657c41e553104b10aad3fe70"
	m := step("1. Create a card holder, under the sub account their cards spend from:", "create-card-holder", "--data",
		jsonArg(map[string]any{"sub_account_id": sub, "person": map[string]string{"first_name": "Jane", "last_name": "Doe", "email": "jane.doe@example.com"}}))
	if m == nil {
		return 1
	}
	holder := str(m, "id")
	fmt.Fprintf(out, "  card holder %s: %s %s, status %s, OFAC check %s\n", holder, str(m, "person", "first_name"), str(m, "person", "last_name"), str(m, "status"), str(m, "ofac", "status"))

	if m = step("2. Issue them a virtual card:", "create-card", "--data",
		jsonArg(map[string]string{"cardholder_id": holder, "type": "virtual", "label": "Online ads"})); m == nil {
		return 1
	}
	card := str(m, "id")
	fmt.Fprintf(out, "  card %s: %s, label %q, status %s, card holder %s\n", card, str(m, "type"), str(m, "label"), str(m, "status"), str(m, "card_holder_id"))

	if m = step("3. Set its PIN: mint a one-time PIN token (step 1 of 2):", "create-set-pin-token", card); m == nil {
		return 1
	}
	fmt.Fprintf(out, "  set_pin_token: %s\n  Send it to the card holder's device, where Solid's PIN SDK uses it once to set the PIN.\n", secret(m["set_pin_token"]))

	fmt.Fprintf(out, "\nA listener on this machine, %s, serves webhook.Handler: it verifies each\ndelivery's %s header before it prints the event.\n", lis.url, webhook.Header)
	if m = step("4. Register a webhook for the card's and its transactions' events, sent to the listener:", "create-webhook", "--data",
		jsonArg(map[string]any{"url": lis.url, "description": "solid demo", "events": demoEvents})); m == nil {
		return 1
	}
	sec := str(m, "secret")
	if sec == "" {
		fmt.Fprintln(stderr, "solid demo: create-webhook answered no signing secret")
		return 1
	}
	lis.verify(sec)
	fmt.Fprintf(out, "  webhook %s: %s\n  signing secret: %s\n  Only this answer carries it: the listener keeps it to verify every delivery.\n", str(m, "id"), str(m, "status"), secret(sec))

	if m = step("5. A merchant asks to authorize $93.50 (sandbox simulation):", "simulate-card-transaction", "--data",
		jsonArg(map[string]string{"card_id": card, "amount": "93.50", "type": "auth", "status": "pending"})); m == nil {
		return 1
	}
	auth := str(m, "id")
	fmt.Fprintf(out, "  transaction %s: %s %s %s, %s\n", auth, str(m, "method"), str(m, "direction"), str(m, "amount"), str(m, "status"))
	if !events(demoEvent{"transaction.created", auth}) {
		return 1
	}

	if m = step("6. The merchant settles it:", "simulate-card-transaction", "--data",
		jsonArg(map[string]string{"card_id": card, "amount": "93.50", "type": "adjust", "status": "settled", "parent_transaction_id": auth})); m == nil {
		return 1
	}
	settle := str(m, "id")
	fmt.Fprintf(out, "  transaction %s: %s %s, %s, parent_transaction_id %s\n", settle, str(m, "direction"), str(m, "amount"), str(m, "status"), str(m, "parent_transaction_id"))
	if !events(demoEvent{"transaction.created", settle}) {
		return 1
	}

	if m = step("7. Freeze the card:", "update-card", card, "--data", `{"status":"blocked"}`); m == nil {
		return 1
	}
	fmt.Fprintf(out, "  card %s: status %s\n", card, str(m, "status"))
	if !events(demoEvent{"card.updated", card}, demoEvent{"card.status.blocked", card}) {
		return 1
	}

	lis.await(ctx) // any other event that came
	lis.mu.Lock()
	n := lis.count
	lis.mu.Unlock()
	fmt.Fprintf(out, "\n%d events received, each one's signature verified with the webhook's secret.\n", n)
	return 0
}
