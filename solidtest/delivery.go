package solidtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/solidsdk/solid-go/internal/redact"
	"github.com/solidsdk/solid-go/webhook"
)

// Webhook deliveries. On every change of state the mock emits an event
// (events.go); each webhook that subscribes to its type gets it POSTed to
// its url, signed with its secret as the webhook package verifies it:
//
//   - Off the request path. emit only appends the event to a bounded
//     queue; a worker goroutine, started when there is work and gone when
//     there is none, finds the webhooks that subscribe to it and POSTs it.
//     A full queue drops the event with a log line (DroppedEvents counts
//     them): a request is never blocked nor slowed by a receiver.
//   - In order per resource. Events are queued by the id of their
//     resource, so the events of one resource reach each webhook in the
//     order they happened, each one delivered (or given up) before the
//     next is sent.
//   - Retried. A POST that fails (no 2xx answer, or no answer within
//     DeliveryTimeout) is sent again after 100 ms, 200 ms, 400 ms, ... (at
//     most 2 s), up to 5 attempts in all; WithDeliveryRetries changes
//     that. A redirect is a failure: it is not followed.
//   - Only while the webhook lives. Before each attempt the webhook is
//     looked up again: once deleted (deleteWebhook) or no longer active,
//     its queued and retried deliveries stop.
//
// The mock delivers only to webhooks whose secret it knows: the ones
// SubscribeWebhook registers and the ones createWebhook makes. The
// documented example webhooks the mock starts with have none, and get
// nothing.

// ProgramID is the programId of every event the mock delivers; its env
// is "sandbox".
const ProgramID = "prg-5011d7e5-7000-4000-8000-000000000000"

// DeliveryTimeout bounds one delivery attempt: a receiver that has not
// answered by then has failed that attempt.
const DeliveryTimeout = 5 * time.Second

// MaxRecordedDeliveries bounds the delivery record: past it, Deliveries
// returns the most recent ones.
const MaxRecordedDeliveries = 1000

const (
	deliveryEnv    = "sandbox"
	deliveryShards = 4 // workers at most; a resource always uses the same one
	// deliveryQueue is the events waiting, per shard: a burst of some
	// 30,000 events waits; only a sustained overload drops.
	deliveryQueue = 8192

	defaultAttempts   = 5
	defaultBackoff    = 100 * time.Millisecond
	defaultMaxBackoff = 2 * time.Second
)

// Delivery is what the mock recorded of one event sent to one webhook.
// The JSON names are those of GET /_solidtest/deliveries (WithControl).
// It never holds the webhook's secret nor the signature.
type Delivery struct {
	// EventType is the event, say "card.updated".
	EventType string `json:"event_type"`
	// WebhookID is the webhook it is sent to, URL the webhook's url (a
	// password in it shown as "xxxxx").
	WebhookID string `json:"webhook_id"`
	URL       string `json:"url"`
	// ResourceID is the id of the event's resource (its data's "id").
	ResourceID string `json:"resource_id"`
	// Attempts is how many times it was sent (or failed by
	// FailNextDeliveries) so far.
	Attempts int `json:"attempts"`
	// LastStatus is the status of the last answer; 0 before the first
	// attempt, and when the last attempt got no answer.
	LastStatus int `json:"last_status"`
	// Error says why the last attempt failed, or why the delivery
	// stopped; empty once delivered.
	Error string `json:"error,omitempty"`
	// Delivered reports that the receiver answered 2xx.
	Delivered bool `json:"delivered"`
	// Done reports that the delivery is over: delivered, or given up
	// (attempts spent, webhook deleted, mock closed).
	Done bool `json:"done"`
	// Body is the request body, a gen.WebhookEvent, exactly as sent.
	Body json.RawMessage `json:"body"`
}

// WithDeliveryRetries sets how webhook deliveries are retried: at most
// attempts POSTs in all (1: no retry), waiting backoff after the first
// failure and twice as long after each next one, never more than
// maxBackoff. The default is 5 attempts, 100 ms, 2 s. Tests that exercise
// failing receivers pass a millisecond or so. A value <= 0 keeps its
// default.
func WithDeliveryRetries(attempts int, backoff, maxBackoff time.Duration) Option {
	return func(c *config) {
		c.delivery = deliveryConfig{attempts: attempts, backoff: backoff, maxBackoff: maxBackoff}
	}
}

type deliveryConfig struct {
	attempts            int
	backoff, maxBackoff time.Duration
}

// event is one emitted event waiting for its worker.
type event struct {
	typ, resource string
	body          []byte
	// targets are the webhooks subscribed when the change was announced:
	// a webhook registered later does not get an earlier change's event,
	// however long the event waits in its queue.
	targets []target
}

type shard struct {
	q       []event
	running bool // a worker goroutine serves it
}

type deliveryRecord struct {
	Delivery
	taken bool // returned by WaitForEvent
}

// deliverer holds the webhook deliveries of a Handler.
type deliverer struct {
	cfg    deliveryConfig
	tr     *http.Transport
	client *http.Client
	ctx    context.Context // cancelled by stop: attempts and backoffs end
	cancel context.CancelFunc

	failNext atomic.Int64
	dropped  atomic.Int64

	mu      sync.Mutex // guards what follows
	closed  bool
	shards  [deliveryShards]shard
	wg      sync.WaitGroup // the workers
	recs    []*deliveryRecord
	changed chan struct{}     // closed and replaced when a delivery is done
	secrets map[string]string // SubscribeWebhook's, by webhook id
}

func (d *deliverer) init(cfg deliveryConfig) {
	if cfg.attempts <= 0 {
		cfg.attempts = defaultAttempts
	}
	if cfg.backoff <= 0 {
		cfg.backoff = defaultBackoff
	}
	if cfg.maxBackoff <= 0 {
		cfg.maxBackoff = max(defaultMaxBackoff, cfg.backoff)
	}
	d.cfg = cfg
	d.tr = http.DefaultTransport.(*http.Transport).Clone()
	// Each worker keeps its connection to a receiver (the default keeps
	// two per host, so a third worker would dial anew for every event).
	d.tr.MaxIdleConnsPerHost = deliveryShards
	d.client = &http.Client{
		Transport: d.tr,
		Timeout:   DeliveryTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse // a 3xx is a failed attempt
		},
	}
	d.ctx, d.cancel = context.WithCancel(context.Background())
	d.changed = make(chan struct{})
	d.secrets = map[string]string{}
}

// stopDeliveries ends the workers: attempts in flight and backoffs are
// cut short, queued events are dropped, and it returns once every worker
// has ended. Later events are dropped.
func (h *Handler) stopDeliveries() {
	d := &h.dl
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return
	}
	d.closed = true
	for i := range d.shards {
		d.shards[i].q = nil
	}
	d.mu.Unlock()
	d.cancel()
	d.wg.Wait()
	d.tr.CloseIdleConnections()
	d.mu.Lock()
	close(d.changed) // WaitForEvent sees closed
	d.changed = make(chan struct{})
	d.mu.Unlock()
}

// enqueue queues ev for the worker of its resource, starting the worker
// if none runs. It never blocks on a receiver: it drops ev when the
// queue is full.
func (h *Handler) enqueue(ev event) {
	d := &h.dl
	f := fnv.New32a()
	f.Write([]byte(ev.resource))
	i := int(f.Sum32() % deliveryShards)
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return
	}
	s := &d.shards[i]
	if len(s.q) >= deliveryQueue {
		d.mu.Unlock()
		n := d.dropped.Add(1)
		if h.logger != nil {
			h.logger.LogAttrs(context.Background(), slog.LevelWarn, "solidtest webhook event dropped: delivery queue full",
				slog.String("event", ev.typ), slog.String("resource_id", ev.resource), slog.Int64("dropped", n))
		}
		return
	}
	s.q = append(s.q, ev)
	if !s.running {
		s.running = true
		d.wg.Add(1)
		go h.work(i)
	}
	d.mu.Unlock()
}

// work delivers the events of shard i, one after the other, and ends when
// the shard has none left.
func (h *Handler) work(i int) {
	d := &h.dl
	defer d.wg.Done()
	for {
		d.mu.Lock()
		s := &d.shards[i]
		if len(s.q) == 0 || d.closed {
			s.running = false
			d.mu.Unlock()
			// Idle keep-alive connections hold goroutines of their own.
			d.tr.CloseIdleConnections()
			return
		}
		ev := s.q[0]
		s.q[0] = event{}
		s.q = s.q[1:]
		d.mu.Unlock()
		for _, t := range ev.targets {
			h.deliver(ev, t)
		}
	}
}

// target is a webhook an event is for.
type target struct{ id, url string }

// subscribers returns the active webhooks whose events include typ and
// whose secret is known. It files the webhooks by event type and keeps
// that until they change; when the only change is webhooks added, it
// files just those (a mock under load gains a webhook every few dozen
// requests, and refiling them all each time grows with their number).
func (h *Handler) subscribers(typ string) []target {
	h.smu.Lock()
	k := h.kinds["webhook_id"]
	if k == nil || len(k.order) == 0 {
		h.smu.Unlock()
		return nil
	}
	if h.subs != nil && h.subsGen == k.gen {
		out := capped(h.subs[typ])
		h.smu.Unlock()
		return out
	}
	gen, churn, n := k.gen, k.churn, len(k.order)
	from := 0
	var base []target
	if h.subs != nil && h.subsChurn == churn && h.subsLen <= n {
		from, base = h.subsLen, capped(h.subs[typ])
	}
	found, ids := h.findSubscribers(k, k.order[from:])
	h.smu.Unlock()
	// Keep those whose secret is known, looked up outside smu.
	known := make(map[string]bool, len(ids))
	for _, id := range ids {
		_, known[id] = h.secretOf(id)
	}
	for t, list := range found {
		kept := list[:0]
		for _, w := range list {
			if known[w.id] {
				kept = append(kept, w)
			}
		}
		found[t] = kept
	}
	h.smu.Lock()
	defer h.smu.Unlock()
	if k.gen == gen && h.subsGen != gen {
		switch {
		case from == 0:
			h.subs, h.subsGen, h.subsChurn, h.subsLen = found, gen, churn, n
		case h.subsChurn == churn && h.subsLen == from:
			for t, list := range found {
				h.subs[t] = append(h.subs[t], list...)
			}
			h.subsGen, h.subsLen = gen, n
		}
	}
	if k.gen == gen && h.subsGen == gen {
		return capped(h.subs[typ])
	}
	// The webhooks changed meanwhile: answer as they were at gen.
	return append(base, found[typ]...)
}

func capped(s []target) []target { return s[:len(s):len(s)] }

// findSubscribers returns the active webhooks among ids, by the event
// types they subscribe to, each in ids' order, and the ids of the active
// ones. The caller holds smu.
func (h *Handler) findSubscribers(k *kind, ids []string) (map[string][]target, []string) {
	out := map[string][]target{}
	var active []string
	for _, id := range ids {
		obj := k.byID[id]
		if !activeWebhook(obj) {
			continue
		}
		active = append(active, id)
		u, _ := obj["url"].(string)
		events, _ := obj["events"].([]any)
		for i, e := range events {
			typ, ok := e.(string)
			if !ok || slices.Contains(events[:i], e) {
				continue // a type listed twice gets the event once
			}
			out[typ] = append(out[typ], target{id: id, url: u})
		}
	}
	return out, active
}

func activeWebhook(obj map[string]any) bool {
	if obj == nil {
		return false
	}
	s, ok := obj["status"]
	return !ok || s == "active"
}

// live returns the secret of webhook id while it is stored and active.
func (h *Handler) live(id string) (string, bool) {
	h.smu.Lock()
	var ok bool
	if k := h.kinds["webhook_id"]; k != nil {
		ok = activeWebhook(k.byID[id])
	}
	h.smu.Unlock()
	if !ok {
		return "", false
	}
	return h.secretOf(id)
}

// secretOf returns webhook id's signing secret: SubscribeWebhook's, or
// createWebhook's (webhookSecret).
func (h *Handler) secretOf(id string) (string, bool) {
	d := &h.dl
	d.mu.Lock()
	s, ok := d.secrets[id]
	d.mu.Unlock()
	if ok {
		return s, true
	}
	return h.webhookSecret(id)
}

// deliver sends ev to t, retrying as configured, and records it.
func (h *Handler) deliver(ev event, t target) {
	d := &h.dl
	shown := showURL(t.url)
	rec := d.record(Delivery{EventType: ev.typ, WebhookID: t.id, URL: shown, ResourceID: ev.resource, Body: ev.body})
	if u, err := url.Parse(t.url); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		h.finishDelivery(rec, false, "the webhook's url is not an absolute http or https URL")
		return
	}
	for attempt := 1; ; attempt++ {
		secret, ok := h.live(t.id)
		if !ok {
			h.finishDelivery(rec, false, "the webhook was deleted or is no longer active")
			return
		}
		start := time.Now()
		status, errText := h.post(ev.body, t.url, secret)
		ok = status >= 200 && status < 300
		if !ok && errText == "" {
			errText = fmt.Sprintf("the receiver answered %d", status)
		}
		d.mu.Lock()
		rec.Attempts, rec.LastStatus, rec.Error = attempt, status, errText
		d.mu.Unlock()
		if h.logger != nil {
			level, msg := slog.LevelInfo, "solidtest webhook delivered"
			if !ok {
				level, msg = slog.LevelWarn, "solidtest webhook attempt failed"
			}
			attrs := []slog.Attr{
				slog.String("event", ev.typ), slog.String("webhook_id", t.id), slog.String("url", shown),
				slog.String("resource_id", ev.resource), slog.Int("attempt", attempt), slog.Int("status", status),
			}
			if errText != "" {
				attrs = append(attrs, slog.String("error", errText))
			}
			attrs = append(attrs, slog.Duration("duration", time.Since(start)))
			h.logger.LogAttrs(context.Background(), level, msg, attrs...)
		}
		if ok {
			h.finishDelivery(rec, true, "")
			return
		}
		if attempt >= d.cfg.attempts {
			h.finishDelivery(rec, false, fmt.Sprintf("given up after %d attempts: %s", attempt, errText))
			return
		}
		wait := d.cfg.backoff << (attempt - 1)
		if wait > d.cfg.maxBackoff || wait <= 0 {
			wait = d.cfg.maxBackoff
		}
		timer := time.NewTimer(wait)
		select {
		case <-timer.C:
		case <-d.ctx.Done():
			timer.Stop()
			h.finishDelivery(rec, false, "the mock was closed")
			return
		}
	}
}

// post makes one attempt: the status of the answer, or 0 and why there
// was none. An attempt failed by FailNextDeliveries sends nothing.
func (h *Handler) post(body []byte, target, secret string) (int, string) {
	d := &h.dl
	for {
		n := d.failNext.Load()
		if n <= 0 {
			break
		}
		if d.failNext.CompareAndSwap(n, n-1) {
			return 0, "failed by FailNextDeliveries (not sent)"
		}
	}
	req, err := http.NewRequestWithContext(d.ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0, "the webhook's url is not usable"
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "solidtest-webhook")
	req.Header.Set(webhook.Header, webhook.Sign(body, secret))
	resp, err := d.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is in the record already
		}
		return 0, redact.Secrets(err.Error(), secret)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return resp.StatusCode, ""
}

// showURL is u with any password masked and token-shaped values scrubbed.
func showURL(u string) string {
	if p, err := url.Parse(u); err == nil {
		u = p.Redacted()
	}
	return truncate(redact.Secrets(u, ""))
}

// record adds a delivery to the record and returns it; the caller
// updates it under d.mu.
func (d *deliverer) record(dl Delivery) *deliveryRecord {
	r := &deliveryRecord{Delivery: dl}
	d.mu.Lock()
	d.recs = append(d.recs, r)
	if len(d.recs) > MaxRecordedDeliveries {
		d.recs[0] = nil
		d.recs = d.recs[1:]
	}
	d.mu.Unlock()
	return r
}

// finishDelivery marks r done and wakes WaitForEvent.
func (h *Handler) finishDelivery(r *deliveryRecord, delivered bool, why string) {
	d := &h.dl
	d.mu.Lock()
	r.Done, r.Delivered = true, delivered
	if delivered {
		r.Error = ""
	} else {
		r.Error = why
	}
	close(d.changed)
	d.changed = make(chan struct{})
	d.mu.Unlock()
	if !delivered && h.logger != nil {
		h.logger.LogAttrs(context.Background(), slog.LevelError, "solidtest webhook not delivered",
			slog.String("event", r.EventType), slog.String("webhook_id", r.WebhookID), slog.String("url", r.URL),
			slog.String("resource_id", r.ResourceID), slog.Int("attempts", r.Attempts), slog.String("reason", why))
	}
}

// SubscribeWebhook registers a webhook, as createWebhook does, that is
// sent the events of the given types (gen.WebhookEventType values, say
// "card.updated") at url, signed with secret, and returns its id
// ("whk_..."). It is for tests that know their receiver's secret in
// advance, such as one serving webhook.Handler(secret, fn). The webhook
// is listed and read like any other, without its secret; deleteWebhook
// removes it, and Reset keeps it, as it keeps AddCard's cards.
// SubscribeWebhook panics when url or secret is empty.
func (h *Handler) SubscribeWebhook(url, secret string, events ...string) string {
	if url == "" || secret == "" {
		panic("solidtest: SubscribeWebhook with an empty url or secret")
	}
	var rnd [16]byte
	rand.Read(rnd[:])
	id := "whk_" + hex.EncodeToString(rnd[:])
	evs := make([]any, len(events))
	for i, e := range events {
		evs[i] = e
	}
	d := &h.dl
	d.mu.Lock()
	d.secrets[id] = secret
	d.mu.Unlock()
	h.ensureKind("webhook_id")
	h.smu.Lock()
	k := h.kind("webhook_id")
	k.add(id)
	obj := k.byID[id]
	obj["url"], obj["events"], obj["status"] = url, evs, "active"
	k.changed(id)
	k.pristine[id] = clone(obj).(map[string]any)
	h.smu.Unlock()
	return id
}

// Deliveries returns a copy of the delivery record, oldest first: each
// event sent, or being sent, to each webhook, at most the last
// MaxRecordedDeliveries. A delivery is recorded when its worker takes it
// up, a moment after the change that emitted it; WaitForEvent waits for
// one. It never holds a secret or a signature.
func (h *Handler) Deliveries() []Delivery {
	d := &h.dl
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]Delivery, len(d.recs))
	for i, r := range d.recs {
		out[i] = r.Delivery
		out[i].Body = bytes.Clone(r.Body)
	}
	return out
}

// WaitForEvent waits until a delivery of eventType is done (delivered or
// given up) and returns it: the earliest such delivery not returned by
// an earlier WaitForEvent, so each call returns the next one. A delivery
// that ended without reaching its receiver is returned with an error
// saying why; so is nothing, when ctx ends first or the mock is closed.
func (h *Handler) WaitForEvent(ctx context.Context, eventType string) (Delivery, error) {
	d := &h.dl
	for {
		d.mu.Lock()
		for _, r := range d.recs {
			if r.taken || !r.Done || r.EventType != eventType {
				continue
			}
			r.taken = true
			out := r.Delivery
			out.Body = bytes.Clone(r.Body)
			d.mu.Unlock()
			if !out.Delivered {
				return out, fmt.Errorf("solidtest: %s to webhook %s not delivered: %s", out.EventType, out.WebhookID, out.Error)
			}
			return out, nil
		}
		ch, closed := d.changed, d.closed
		d.mu.Unlock()
		if closed {
			return Delivery{}, fmt.Errorf("solidtest: WaitForEvent(%q): the mock is closed", eventType)
		}
		select {
		case <-ctx.Done():
			return Delivery{}, fmt.Errorf("solidtest: WaitForEvent(%q): %w", eventType, ctx.Err())
		case <-ch:
		}
	}
}

// FailNextDeliveries makes the next n delivery attempts fail without
// being sent, as if the receiver had not answered, so tests can watch
// the retries; n <= 0 ends a previous call's failures.
func (h *Handler) FailNextDeliveries(n int) { h.dl.failNext.Store(int64(max(n, 0))) }

// DroppedEvents is how many events were dropped because the delivery
// queue was full (each drop is logged).
func (h *Handler) DroppedEvents() int { return int(h.dl.dropped.Load()) }
