package solidtest

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/getkin/kin-openapi/openapi3"
)

// Creates, read from the spec (buildPlan, refKind):
//
//   - a POST on a path without parameters that answers 201 with a schema
//     some item path's GET also answers (by $ref: Card, CardHolder,
//     Transaction, ...) creates a resource of that kind: createCard, the
//     originations and simulations that answer a Transaction, ... The
//     kind is found from the schema's name (CardHolder names the kind of
//     {card_holder_id}) and checked against that GET's $ref;
//   - the new resource is the operation's documented example with a fresh
//     id (the prefix of the seed's id, then 32 random hex digits),
//     overlaid with the request's fields that the read schema declares
//     (metadata replaced, other objects merged; a field sent under a
//     spelling the read schema keeps as deprecated, cardholder_id, stored
//     under the current one, card_holder_id), and its timestamps
//     created_at and updated_at set to now (other timestamps dropped);
//   - a top-level body field naming a kept kind's id (card_holder_id, or
//     cardholder_id, whose letters are the same; sub_account_id; card_id)
//     must name a stored resource, else the 404 envelope when the
//     operation declares 404, the 400 envelope with field_name when it
//     does not (createCard declares none); only where the spec's own
//     example for the field is the seeded id (see parentFields). The new
//     resource takes the
//     parent's other *_id fields it has and the request did not send (a
//     card its card holder's sub_account_id, ...), and an object of it
//     named after the parent's kind gets the parent's id (a simulated
//     transaction's card.id);
//   - a field of the answer marked format: password that a read does not
//     return (a webhook's signing secret) gets a fresh value in the create's
//     answer only: the prefix of its documented example when that ends in
//     32 hex digits, else the mock's own format: the first two letters of
//     the kind's id prefix and "sec_" ("whsec_" for a webhook, whk_), then
//     32 hex digits. The
//     mock keeps it for delivery (webhookSecret) and no read returns it.

// refKind returns the kind whose item GET answers the schema ref, or nil:
// the kind of the path parameter named after the schema (CardHolder:
// card_holder_id), when its GET answers the same $ref.
func (h *Handler) refKind(ref string) *kind {
	name := ref[strings.LastIndex(ref, "/")+1:]
	param := snake(name) + "_id"
	if h.kindInit[param] == nil {
		return nil
	}
	h.ensureKind(param)
	h.smu.Lock()
	defer h.smu.Unlock()
	if k := h.kinds[param]; k != nil && k.ref == ref {
		return k
	}
	return nil
}

// snake turns a schema name into a path parameter's words: CardHolder
// gives card_holder.
func snake(name string) string {
	var b strings.Builder
	for i, r := range name {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// family is the kind's event family: card for card_id.
func (k *kind) family() string { return strings.TrimSuffix(k.param, "_id") }

// idPrefix is the prefix of the kind's ids: its seed's id without the 32
// hex digits ("crd_"), or the seed's id up to its first "_".
func (k *kind) idPrefix() string {
	k.prefixOnce.Do(func() { k.prefix = k.findPrefix() })
	return k.prefix
}

func (k *kind) findPrefix() string {
	id, _ := k.seed["id"].(string)
	if hexTail.MatchString(id) {
		return hexTail.ReplaceAllString(id, "")
	}
	if i := strings.IndexByte(id, '_'); i > 0 {
		return id[:i+1]
	}
	return k.family() + "_"
}

// insert stores obj, created by a request, under id: Reset forgets it.
func (k *kind) insert(id string, obj map[string]any) {
	if _, ok := k.byID[id]; !ok {
		k.order = append(k.order, id)
	} else {
		k.churn++
	}
	k.byID[id] = obj
	k.gen++
	delete(k.enc, id)
	k.indexNew(id)
}

// filters returns the query parameters of a list operation that name a
// top-level field of the listed item: each filters on equality.
func filters(op *openapi3.Operation, k *kind) []string {
	props := map[string]*openapi3.Schema{}
	if k.schema != nil {
		collect(k.schema, props)
	}
	var out []string
	for _, pr := range op.Parameters {
		if pr.Value == nil || pr.Value.In != openapi3.ParameterInQuery {
			continue
		}
		name := pr.Value.Name
		if _, ok := props[name]; !ok {
			if _, ok := k.seed[name]; !ok {
				continue
			}
		}
		out = append(out, name)
	}
	return out
}

// filtered returns the ids of k, in order, whose fields equal every filter
// q sends.
func (k *kind) filtered(q url.Values, filters []string) []string {
	var on []string
	for _, f := range filters {
		if q.Has(f) {
			on = append(on, f)
		}
	}
	if len(on) == 0 {
		return k.order
	}
	out := make([]string, 0, len(k.order))
	for _, id := range k.order {
		obj := k.byID[id]
		if !slices.ContainsFunc(on, func(f string) bool { return fmt.Sprint(obj[f]) != q.Get(f) }) {
			out = append(out, id)
		}
	}
	return out
}

// change is a change to announce once the state lock is released.
type change struct {
	typ string
	id  string // the resource's
	obj []byte
}

// changes returns the events for a change of obj of kind k: typ
// ("created", "updated") and, when its status moved from before, the
// status event, those the spec's WebhookEventType lists.
func (h *Handler) changes(k *kind, typ string, obj map[string]any, before any) []change {
	return h.changesEnc(k, typ, obj, before, nil)
}

// changesEnc is changes with obj's encoding, when the caller has it.
func (h *Handler) changesEnc(k *kind, typ string, obj map[string]any, before any, b []byte) []change {
	var types []string
	types = append(types, k.family()+"."+typ)
	if st, ok := obj["status"].(string); ok && typ != "created" && st != before {
		types = append(types, k.family()+".status."+st)
	}
	var out []change
	id, _ := obj["id"].(string)
	for _, t := range types {
		if !h.eventTypes()[t] {
			continue
		}
		if b == nil {
			b = marshal(obj)
		}
		out = append(out, change{t, id, b})
	}
	return out
}

// announce emits events, after the state lock is released.
func (h *Handler) announce(evs []change) {
	for _, e := range evs {
		if h.onEmit != nil {
			h.onEmit(e.typ, e.obj)
		}
		h.emitID(e.typ, e.id, e.obj)
	}
}

// eventTypes is the enum of the spec's WebhookEventType, read once from
// the first operation under a webhook path whose schemas refer to it.
func (h *Handler) eventTypes() map[string]bool {
	h.evOnce.Do(func() {
		h.events = map[string]bool{}
		for _, o := range h.v.Operations() {
			if !strings.Contains(o.Path, "webhook") {
				continue
			}
			_, op, err := h.v.Load(o)
			if err != nil {
				continue
			}
			if s := findRef(op, "/WebhookEventType"); s != nil {
				for _, e := range s.Enum {
					if t, ok := e.(string); ok {
						h.events[t] = true
					}
				}
				return
			}
		}
	})
	return h.events
}

// findRef finds a schema whose $ref ends in suffix among op's request
// and answer schemas.
func findRef(op *openapi3.Operation, suffix string) *openapi3.Schema {
	seen := map[*openapi3.Schema]bool{}
	var walk func(r *openapi3.SchemaRef, depth int) *openapi3.Schema
	walk = func(r *openapi3.SchemaRef, depth int) *openapi3.Schema {
		if r == nil || r.Value == nil || depth > 8 {
			return nil
		}
		if strings.HasSuffix(r.Ref, suffix) {
			return r.Value
		}
		if seen[r.Value] {
			return nil
		}
		seen[r.Value] = true
		s := r.Value
		kids := append(openapi3.SchemaRefs{s.Items}, s.AllOf...)
		kids = append(kids, s.OneOf...)
		kids = append(kids, s.AnyOf...)
		for _, p := range s.Properties {
			kids = append(kids, p)
		}
		for _, c := range kids {
			if f := walk(c, depth+1); f != nil {
				return f
			}
		}
		return nil
	}
	var roots []*openapi3.SchemaRef
	if op.RequestBody != nil && op.RequestBody.Value != nil {
		for _, mt := range op.RequestBody.Value.Content {
			roots = append(roots, mt.Schema)
		}
	}
	for _, r := range op.Responses.Map() {
		if r.Value != nil {
			for _, mt := range r.Value.Content {
				roots = append(roots, mt.Schema)
			}
		}
	}
	for _, r := range roots {
		if f := walk(r, 0); f != nil {
			return f
		}
	}
	return nil
}

// parentFields returns the top-level fields of op's request body that
// name a kept kind's id (see parentParam) and that the spec's own examples
// hold to: the field's value in op's request example, else its schema's
// example, is the id of the kind's documented example. Where openapi.yaml
// names another id there (createSubAccountHolder's master_account_id
// "mas_456", createSubAccount's sub_account_holder_id, which no read
// documents), the mock cannot tell a real id from a placeholder and does
// not check the field.
func (h *Handler) parentFields(op *openapi3.Operation) map[string]string {
	if op.RequestBody == nil || op.RequestBody.Value == nil {
		return nil
	}
	mt := op.RequestBody.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
		return nil
	}
	ex, _ := mt.Example.(map[string]any)
	if ex == nil {
		ex, _ = firstExample(mt.Examples).(map[string]any)
	}
	props := map[string]*openapi3.Schema{}
	collect(mt.Schema.Value, props)
	out := map[string]string{}
	for f, s := range props {
		param := h.parentParam(f)
		if param == "" {
			continue
		}
		doc, ok := ex[f].(string)
		if !ok && s != nil {
			doc, _ = s.Example.(string)
		}
		h.ensureKind(param)
		h.smu.Lock()
		k := h.kinds[param]
		if k != nil && k.ref != "" && doc != "" && k.seed["id"] == doc {
			out[f] = param
		}
		h.smu.Unlock()
	}
	return out
}

// parentParam returns the path parameter of a kept kind that a body field
// names: the field itself (sub_account_id), or the parameter with the
// same letters (cardholder_id: card_holder_id); "" when none.
func (h *Handler) parentParam(field string) string {
	if !strings.HasSuffix(field, "_id") {
		return ""
	}
	if h.kindInit[field] != nil {
		return field
	}
	for param := range h.kindInit {
		if sameLetters(param, field) {
			return param
		}
	}
	return ""
}

// create answers a create: see the comment at the top of this file.
// req is the request body, decoded.
func (h *Handler) create(r *http.Request, reqID string, p *plan, req map[string]any) (int, []byte) {
	var rnd [32]byte
	rand.Read(rnd[:])
	k := p.kind
	id := token(k.idPrefix(), rnd[:16])
	if k.param == "transaction_id" {
		h.cardTxnKinds()
	}

	// The new object, from the example and the request: nothing stored
	// is read, so smu is not held yet.
	var obj map[string]any
	if ex, ok := p.example.(map[string]any); ok {
		obj = clone(ex).(map[string]any)
	} else {
		obj = clone(k.seed).(map[string]any)
	}
	overlay, _ := readable(p.schema, req).(map[string]any)
	props := propsOf(p.schema)
	respell(overlay, props)
	if _, ok := overlay["metadata"]; ok {
		delete(obj, "metadata")
	}
	merge(obj, overlay, false)
	// A field sent under another spelling of a stored field
	// (cardholder_id, card_holder_id) sets both.
	for f, v := range overlay {
		for g := range obj {
			if g != f && sameLetters(g, f) && (props[g] == nil || !props[g].Deprecated) {
				if _, sent := req[g]; !sent {
					obj[g] = clone(v)
				}
			}
		}
	}
	obj["id"] = id
	now := h.now()
	stamp(obj, now)
	// A card transaction reads and moves what is stored (its card's
	// spend, its parent, balances): it is made in one hold of smu.
	// Any other create holds smu to read its parents, then again to
	// store itself, and is encoded between the two.
	cardTxn := isCardTxn(k, obj)

	h.smu.Lock()
	var inherit []*kind
	var parentObjs []map[string]any
	for _, f := range sortedKeys(p.parents) {
		v, sent := req[f].(string)
		if !sent {
			continue
		}
		parent, ok := h.kinds[p.parents[f]].byID[v]
		if !ok {
			h.smu.Unlock()
			status := h.pick(p.op, http.StatusNotFound, http.StatusBadRequest)
			code := codeNotFound
			if status != http.StatusNotFound {
				code = codeInvalidField
			}
			return status, appendEnvelope(nil, r.Method, reqID, status, code, notFoundMsg(p.parents[f], v), f)
		}
		inherit, parentObjs = append(inherit, h.kinds[p.parents[f]]), append(parentObjs, parent)
	}
	for i, parent := range parentObjs {
		// An object named after the parent's kind holds its id (a
		// transaction's card.id).
		if m, ok := obj[inherit[i].family()].(map[string]any); ok {
			if _, has := m["id"]; has {
				m["id"] = parent["id"]
			}
		}
		for f, v := range parent {
			if _, has := obj[f]; has && f != "id" && strings.HasSuffix(f, "_id") {
				if _, sent := overlay[f]; !sent && !sentAs(overlay, f) {
					obj[f] = clone(v)
				}
			}
		}
	}
	var more []change
	if cardTxn {
		// A card transaction's rules (transactions.go).
		field, msg, evs := h.cardTxn(obj, req, now)
		if field != "" {
			h.smu.Unlock()
			return http.StatusBadRequest, appendEnvelope(nil, r.Method, reqID, http.StatusBadRequest, codeInvalidField, msg, field)
		}
		more = append(h.cardTxnEvents(obj), evs...)
	} else {
		h.smu.Unlock()
	}
	// Secrets are the create's answer only.
	out := obj
	var secrets map[string]any
	for name, s := range p.schema.Properties {
		if s.Value == nil || s.Value.Format != "password" {
			continue
		}
		delete(obj, name)
		if secrets == nil {
			secrets = map[string]any{}
		}
		prefix := strings.TrimSuffix(k.idPrefix(), "_")
		prefix = prefix[:min(2, len(prefix))] + "sec_"
		if ex, ok := s.Value.Example.(string); ok && hexTail.MatchString(ex) {
			prefix = hexTail.ReplaceAllString(ex, "")
		}
		secrets[name] = token(prefix, rnd[16:])
	}
	if secrets != nil {
		out = clone(obj).(map[string]any)
		for name, v := range secrets {
			out[name] = v
		}
	}
	b := marshal(out)
	if !cardTxn {
		h.smu.Lock()
	}
	k.insert(id, obj)
	for _, v := range secrets {
		if h.secrets == nil {
			h.secrets = map[string]string{}
		}
		h.secrets[id] = v.(string)
	}
	enc := b // the event's body: the answer's, when it holds no secret
	if secrets != nil {
		enc = nil
	} else {
		b = k.keep(id, b)
		enc = b
	}
	evs := append(h.changesEnc(k, "created", obj, nil, enc), more...)
	h.smu.Unlock()
	h.announce(evs)
	return p.status, b
}

// respell moves a field sent under a spelling the read schema keeps only
// as deprecated (a card's cardholder_id) to the current spelling with the
// same letters (card_holder_id), so reads carry the current one only.
func respell(overlay map[string]any, props map[string]*openapi3.Schema) {
	for f, v := range overlay {
		if props[f] == nil || !props[f].Deprecated {
			continue
		}
		for g, s := range props {
			if g != f && s != nil && !s.Deprecated && sameLetters(g, f) {
				if _, sent := overlay[g]; !sent {
					overlay[g] = v
				}
				delete(overlay, f)
				break
			}
		}
	}
}

// sentAs reports whether overlay has a field spelt like f without its
// underscores (cardholder_id for card_holder_id).
func sentAs(overlay map[string]any, f string) bool {
	for g := range overlay {
		if sameLetters(g, f) {
			return true
		}
	}
	return false
}

// stamp sets a new object's timestamps: created_at and updated_at now,
// the others (closed_at) dropped.
func stamp(obj map[string]any, now time.Time) {
	ts, ok := obj["timestamps"].(map[string]any)
	if !ok {
		return
	}
	at := now.UTC().Format(time.RFC3339)
	for f := range ts {
		delete(ts, f)
	}
	ts["created_at"], ts["updated_at"] = at, at
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// webhookSecret returns the signing secret of webhook id, made by its
// create, while the webhook is stored.
func (h *Handler) webhookSecret(id string) (string, bool) {
	h.smu.Lock()
	defer h.smu.Unlock()
	s, ok := h.secrets[id]
	return s, ok
}

// evState is what Handler keeps for events and secrets.
type evState struct {
	evOnce sync.Once
	events map[string]bool // the spec's WebhookEventType values
	// onEmit, when set (tests), sees every event emit is called with.
	onEmit func(eventType string, resource []byte)
	// secrets are the signing secrets of created webhooks, by id; guarded
	// by smu.
	secrets map[string]string
	// subs are the active webhooks with a known secret, by event type,
	// as subscribers found them when the webhooks' gen was subsGen, their
	// churn subsChurn and their count subsLen; guarded by smu. Slices
	// handed out are capped, so appending here never shows through them.
	subs               map[string][]target
	subsGen, subsChurn uint64
	subsLen            int
}

// sameLetters reports whether a and b are the same once their underscores
// are dropped (cardholder_id, card_holder_id), without allocating.
func sameLetters(a, b string) bool {
	i, j := 0, 0
	for {
		for i < len(a) && a[i] == '_' {
			i++
		}
		for j < len(b) && b[j] == '_' {
			j++
		}
		if i == len(a) || j == len(b) {
			return i == len(a) && j == len(b)
		}
		if a[i] != b[j] {
			return false
		}
		i++
		j++
	}
}
