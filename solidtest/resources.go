package solidtest

import (
	"bytes"
	"encoding/hex"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/solidsdk/solid-go/internal/specval"
)

// The mock's behaviour per operation is read from openapi.yaml by the
// shape of each path, never from a list of operationIds, on the
// operation's first use (plan, ensureKind):
//
//   - an item path ("/v2/issuing/card/{card_id}") with a GET is a kind of
//     resource; its documented 200 example is the seed object;
//   - GET on an item path returns the stored object; PATCH merges the body
//     into it;
//   - GET on the path above an item path ("/v2/issuing/card") lists it;
//   - DELETE on an item path removes the stored object: later reads
//     answer 404 and lists no longer show it (until Reset);
//   - a POST below an item path whose 200 body has a secret field
//     (format: password) mints a token for a known item, with the prefix
//     of the documented example token;
//   - a POST on a path without parameters answering 201 with the schema
//     an item GET answers creates an item of that kind (create.go);
//   - a POST or PATCH with a body below an item path, answering the
//     item's schema, acts on the stored item (action.go);
//   - GET on a list filters on the query parameters that are fields of
//     the item (filters);
//   - anything else answers with its documented example, path parameters
//     substituted, or with a value made from its schema; a 2xx declared
//     without a body (204) is answered without one.
//
// Every path parameter that names a kind the mock keeps must name a
// stored object, for every operation under the path (actions, deletes
// and answers by example included): else the operation answers the 404
// envelope naming the resource, when it declares 404.

type action int

const (
	actExample action = iota
	actGet
	actUpdate
	actList
	actMint
	actDelete
	actCreate
	actAction
)

// plan is how the mock answers one operation.
type plan struct {
	op     string
	act    action
	kind   *kind // the resource kind, for every action but actExample
	write  bool  // POST or PATCH: idempotency keys apply
	body   bool  // the operation declares a request body
	status int   // the 2xx status to answer with
	// actExample: the documented example, or nil to make one from schema.
	example any
	schema  *openapi3.Schema
	params  []string // the path's parameters, in order
	// notFound: the operation declares 404, so an unknown id in any of
	// params that names a kept kind gets it.
	notFound bool
	// actMint: the secret field and its token prefix.
	field, prefix string
	// so is the operation's definition, from its path's part of the spec.
	so *openapi3.Operation
	// actList: the query parameters that filter on a field of the item.
	filters []string
	// actCreate: the body fields that must name a stored resource, and
	// the path parameter of its kind.
	parents map[string]string
	// actAction: the status the action sets (activate: activated), or ""
	// for an action that stores what it is sent (replace).
	sets string
}

// kind is one kind of resource the mock keeps, in insertion order.
type kind struct {
	item  string // item path template
	param string // the item's path parameter
	seed  map[string]any
	// ref is the schema the item's GET answers ("#/components/schemas/Card"),
	// schema that schema; both unset for a kind only minted for.
	ref    string
	schema *openapi3.Schema
	order  []string
	byID   map[string]map[string]any
	// pristine is the state Reset restores.
	pristine      map[string]map[string]any
	pristineOrder []string
	// txns indexes transactions by card (transaction_id only; txnindex.go).
	txns txnIndex
	// gen moves on at every change of what is stored (subscribers keeps
	// the webhooks by event type until it does); churn at every change but
	// a new id added at the end of order (subscribers then files just the
	// new ones).
	gen, churn uint64
	// enc keeps the stored objects' encodings, by id (encoded); every
	// change of an object in place must go through changed.
	enc map[string][]byte
	// prefix is idPrefix's answer, found once: the seed does not change.
	prefixOnce sync.Once
	prefix     string
}

var hexTail = regexp.MustCompile(`[0-9a-f]{32}$`)

// lazyPlan is one operation's plan, built on its first use.
type lazyPlan struct {
	op   *specval.Operation
	once sync.Once
	p    *plan
}

// initPlans makes an entry per operation of the spec, to be planned on
// first use, and indexes the item paths kinds are found by. It reads the
// spec's skeleton only: it loads nothing.
func (h *Handler) initPlans() {
	ops := h.v.Operations()
	h.plans = make(map[string]*lazyPlan, len(ops))
	h.kinds = map[string]*kind{}
	h.kindInit = map[string]*sync.Once{}
	h.items = map[string][]string{}
	h.byRoute = make(map[string]*specval.Operation, len(ops))
	seen := map[string]bool{}
	for _, o := range ops {
		h.plans[o.ID] = &lazyPlan{op: o}
		h.byRoute[o.Method+" "+o.Path] = o
		for _, name := range pathParams(o.Path) {
			if h.kindInit[name] == nil {
				h.kindInit[name] = new(sync.Once)
			}
		}
		if strings.HasSuffix(o.Path, "}") && !seen[o.Path] {
			seen[o.Path] = true
			param := lastParam(o.Path)
			h.items[param] = append(h.items[param], o.Path)
			h.itemPaths = append(h.itemPaths, o.Path)
		}
	}
	for _, name := range []string{"card_id", "card_holder_id"} {
		if h.kindInit[name] == nil {
			h.kindInit[name] = new(sync.Once)
		}
	}
	for _, paths := range h.items {
		sort.Strings(paths)
	}
	sort.Strings(h.itemPaths)
}

// lastParam is the name of the last path parameter of an item path:
// "card_id" for "/v2/issuing/card/{card_id}".
func lastParam(path string) string {
	return path[strings.LastIndex(path, "{")+1 : len(path)-1]
}

// plan returns how the mock answers operation op, building it on first
// use (loading the operation's part of the spec, and the kinds of
// resource it touches); nil when the spec has no such operation.
func (h *Handler) plan(op string) *plan {
	lp := h.plans[op]
	if lp == nil {
		return nil
	}
	lp.once.Do(func() { lp.p = h.buildPlan(lp.op) })
	return lp.p
}

// buildPlan reads one operation into a plan, and makes the kinds of
// resource it touches: the kind of its item path, the one it lists or
// mints tokens for, and the kind each of its path parameters names.
func (h *Handler) buildPlan(o *specval.Operation) *plan {
	_, op, err := h.v.Load(o)
	if err != nil {
		// Requests reach a plan only once routed and validated against
		// the same part of the spec, which therefore loaded.
		panic("solidtest: " + err.Error())
	}
	path, method := o.Path, o.Method
	res, status := twoXX(op)
	p := &plan{op: op.OperationID, so: op, status: status, example: res.example, schema: res.schema,
		write: method == http.MethodPost || method == http.MethodPatch, params: pathParams(path),
		body: op.RequestBody != nil, notFound: op.Responses.Status(http.StatusNotFound) != nil}
	if strings.HasSuffix(path, "}") {
		switch k := h.itemKind(path); {
		case k != nil && method == http.MethodGet:
			p.act, p.kind = actGet, k
		case k != nil && method == http.MethodPatch:
			p.act, p.kind = actUpdate, k
		case k != nil && method == http.MethodDelete:
			p.act, p.kind = actDelete, k
		}
	}
	if p.act == actExample && method == http.MethodGet {
		for _, item := range h.itemPaths {
			if strings.HasPrefix(item, path+"/{") && !strings.Contains(item[len(path)+1:], "/") {
				if k := h.itemKind(item); k != nil {
					p.act, p.kind, p.filters = actList, k, filters(op, k)
				}
			}
		}
	}
	if p.act == actExample && method == http.MethodPost && res.schema != nil {
		if item := itemOf(path); item != "" {
			if field, prefix, ok := secretField(res); ok {
				// The item's kind: seeded from its GET, or, when no GET
				// documents one, an empty kind minted for (resolveKind).
				if k := h.itemKind(item); k != nil {
					p.act, p.kind, p.field, p.prefix = actMint, k, field, prefix
				}
			}
		}
	}
	if p.act == actExample && p.write && p.body && res.ref != "" {
		if item := itemOf(path); item != "" {
			if k := h.itemKind(item); k != nil && k.ref == res.ref {
				p.act, p.kind, p.sets = actAction, k, actionStatus(path, k)
			}
		}
	}
	if p.act == actExample && method == http.MethodPost && status == http.StatusCreated && len(p.params) == 0 && res.ref != "" {
		if k := h.refKind(res.ref); k != nil {
			p.act, p.kind, p.parents = actCreate, k, h.parentFields(op)
		}
	}
	for _, name := range p.params {
		h.ensureKind(name)
	}
	return p
}

// itemKind returns the kind of resource kept at item path, making it on
// first use, or nil when the path keeps none.
func (h *Handler) itemKind(path string) *kind {
	param := lastParam(path)
	h.ensureKind(param)
	h.smu.Lock()
	k := h.kinds[param]
	h.smu.Unlock()
	if k == nil || k.item != path {
		return nil
	}
	return k
}

// ensureKind makes the kind of resource path parameter param names, once:
// seeded with its documented example and, for cards and card holders,
// the ones the options add. It must not be called with smu held.
func (h *Handler) ensureKind(param string) {
	once := h.kindInit[param]
	if once == nil {
		return
	}
	once.Do(func() {
		k := h.resolveKind(param)
		h.smu.Lock()
		defer h.smu.Unlock()
		if k != nil {
			h.kinds[param] = k
			if id, ok := k.seed["id"].(string); ok && id != "" {
				k.add(id)
			}
		}
		switch param {
		case "card_id":
			cards := h.kind("card_id")
			if _, ok := cards.byID[DefaultCardID]; !ok {
				cards.add(DefaultCardID)
			}
			for _, id := range h.cards {
				cards.add(id)
			}
			h.cardsMade.Store(true)
		case "card_holder_id":
			for _, id := range h.holders {
				h.kind("card_holder_id").add(id)
			}
		}
	})
}

// resolveKind reads from the spec the kind of resource param names, if
// any, without seeding it:
//
//   - an item path ending in {param} with a GET whose 2xx example is an
//     object is a kind of resource, that example its seed;
//   - else, a POST below such an item path whose 2xx body has a secret
//     field (a token) makes the item a kind with no seed: it still has
//     ids, which tokens are minted for.
func (h *Handler) resolveKind(param string) *kind {
	for _, item := range h.items[param] {
		o := h.byRoute[http.MethodGet+" "+item]
		if o == nil {
			continue
		}
		_, op, err := h.v.Load(o)
		if err != nil {
			continue
		}
		ex, _ := twoXX(op)
		if seed, ok := ex.example.(map[string]any); ok {
			return &kind{item: item, param: param, seed: seed, ref: ex.ref, schema: ex.schema, byID: map[string]map[string]any{}}
		}
	}
	for _, o := range h.v.Operations() {
		item := itemOf(o.Path)
		if o.Method != http.MethodPost || item == "" || lastParam(item) != param {
			continue
		}
		_, op, err := h.v.Load(o)
		if err != nil {
			continue
		}
		if res, _ := twoXX(op); res.schema != nil {
			if _, _, ok := secretField(res); ok {
				return &kind{item: item, param: param, seed: map[string]any{}, byID: map[string]map[string]any{}}
			}
		}
	}
	return nil
}

type answer struct {
	example any
	schema  *openapi3.Schema
	ref     string // the schema's $ref, if it is one
}

// twoXX returns the lowest 2xx answer of op: its first example (by name)
// and its JSON schema.
func twoXX(op *openapi3.Operation) (answer, int) {
	var codes []int
	for code := range op.Responses.Map() {
		if n, err := strconv.Atoi(code); err == nil && n >= 200 && n <= 299 {
			codes = append(codes, n)
		}
	}
	if len(codes) == 0 {
		return answer{}, http.StatusOK
	}
	sort.Ints(codes)
	r := op.Responses.Value(strconv.Itoa(codes[0]))
	var a answer
	if r == nil || r.Value == nil {
		return a, codes[0]
	}
	mt := r.Value.Content.Get("application/json")
	if mt == nil {
		return a, codes[0]
	}
	if mt.Schema != nil {
		a.schema, a.ref = mt.Schema.Value, mt.Schema.Ref
	}
	a.example = mt.Example
	if a.example == nil {
		a.example = firstExample(mt.Examples)
	}
	return a, codes[0]
}

// firstExample is the value of the first example by name, or nil.
func firstExample(examples openapi3.Examples) any {
	names := make([]string, 0, len(examples))
	for n := range examples {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if e := examples[n]; e != nil && e.Value != nil {
			return e.Value.Value
		}
	}
	return nil
}

func schemaOf(mt *openapi3.MediaType) *openapi3.Schema {
	if mt == nil || mt.Schema == nil {
		return nil
	}
	return mt.Schema.Value
}

// secretField finds the property of a token answer marked format:
// password, and the prefix of its documented example (the example without
// its 32 random hex digits).
func secretField(a answer) (field, prefix string, ok bool) {
	for name, p := range a.schema.Properties {
		if p.Value == nil || p.Value.Format != "password" {
			continue
		}
		prefix = name + "_"
		if ex, isStr := p.Value.Example.(string); isStr && hexTail.MatchString(ex) {
			prefix = hexTail.ReplaceAllString(ex, "")
		}
		return name, prefix, true
	}
	return "", "", false
}

// itemOf returns the item path a path is below: "/a/{id}" for
// "/a/{id}/b", "" when it is below none.
func itemOf(path string) string {
	i := strings.LastIndex(path, "}/")
	if i < 0 || strings.Contains(path[i+2:], "/") {
		return ""
	}
	return path[:i+1]
}

func pathParams(path string) []string {
	var out []string
	for _, seg := range strings.Split(path, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			out = append(out, seg[1:len(seg)-1])
		}
	}
	return out
}

// add stores a copy of the seed under id, keeping the seed's other fields.
func (k *kind) add(id string) {
	obj := clone(k.seed).(map[string]any)
	obj["id"] = id
	if _, ok := k.byID[id]; !ok {
		k.order = append(k.order, id)
	}
	k.byID[id] = obj
	if k.pristine == nil {
		k.pristine = map[string]map[string]any{}
	}
	if _, ok := k.pristine[id]; !ok {
		k.pristineOrder = append(k.pristineOrder, id)
	}
	k.pristine[id] = clone(obj).(map[string]any)
	k.changed(id)
}

// remove forgets id, which is stored.
func (k *kind) remove(id string) {
	delete(k.byID, id)
	for i, x := range k.order {
		if x == id {
			k.order = append(k.order[:i:i], k.order[i+1:]...)
			break
		}
	}
	k.changed(id)
}

func (k *kind) reset() {
	k.order = append([]string(nil), k.pristineOrder...)
	k.byID = make(map[string]map[string]any, len(k.pristine))
	for id, obj := range k.pristine {
		k.byID[id] = clone(obj).(map[string]any)
	}
	k.gen++
	k.churn++
	k.enc = nil
	k.rebuildIndex()
}

// changed notes that the stored object id was added, changed in place,
// or removed: gen moves on, and the transaction index follows.
func (k *kind) changed(id string) {
	k.gen++
	k.churn++
	delete(k.enc, id)
	k.reindex(id)
}

// clone deep-copies a decoded JSON value.
func clone(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, x := range v {
			m[k] = clone(x)
		}
		return m
	case []any:
		s := make([]any, len(v))
		for i, x := range v {
			s[i] = clone(x)
		}
		return s
	}
	return v
}

// readable returns v without the fields, at any depth, that the read
// schema s does not declare: a field an update may send (say a sub
// account holder's outside verification) that no read returns. Stored, it
// would come back in every later read, which the spec does not declare.
// An object schema without properties (metadata) keeps every field; one
// with oneOf or anyOf is kept whole.
func readable(s *openapi3.Schema, v any) any {
	if s == nil || len(s.OneOf) > 0 || len(s.AnyOf) > 0 {
		return v
	}
	switch v := v.(type) {
	case map[string]any:
		props := propsOf(s)
		ap := s.AdditionalProperties.Schema
		if len(props) == 0 && ap == nil {
			return v
		}
		out := make(map[string]any, len(v))
		for k, x := range v {
			switch p, ok := props[k]; {
			case ok:
				out[k] = readable(p, x)
			case ap != nil:
				out[k] = readable(ap.Value, x)
			}
		}
		return out
	case []any:
		if s.Items == nil {
			return v
		}
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = readable(s.Items.Value, x)
		}
		return out
	}
	return v
}

// merge applies a documented partial update: fields sent replace fields
// stored, nested objects merge, and a metadata key sent as "" is removed.
func merge(dst, patch map[string]any, inMetadata bool) {
	for key, v := range patch {
		if s, ok := v.(string); ok && s == "" && inMetadata {
			delete(dst, key)
			continue
		}
		if pm, ok := v.(map[string]any); ok {
			if dm, ok := dst[key].(map[string]any); ok {
				merge(dm, pm, key == "metadata")
				continue
			}
			if key == "metadata" {
				m := map[string]any{}
				merge(m, pm, true)
				dst[key] = m
				continue
			}
		}
		dst[key] = clone(v)
	}
}

// page returns a page of k as Solid's list envelope, over the records
// whose fields match the filters sent (see filtered). Records come in the
// order they were added; starting_after gives the records after a cursor,
// ending_before the limit records just before one; has_more says whether
// records remain beyond the page in the direction walked. A cursor that
// names no record gives an empty page (the spec declares no 400 for lists).
// The limit was validated against the spec already.
func (k *kind) page(b []byte, q url.Values, filters []string) []byte {
	order := k.filtered(q, filters)
	limit := 25
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n >= 1 && n <= 100 {
		limit = n
	}
	index := func(id string) int {
		for i, x := range order {
			if x == id {
				return i
			}
		}
		return -1
	}
	var from, to int
	more := false
	switch {
	case q.Get("starting_after") != "":
		i := index(q.Get("starting_after"))
		if i < 0 {
			i = len(order) - 1
		}
		from = i + 1
		to = min(from+limit, len(order))
		more = to < len(order)
	case q.Get("ending_before") != "":
		i := index(q.Get("ending_before"))
		if i < 0 {
			i = 0
		}
		to = i
		from = max(0, to-limit)
		more = from > 0
	default:
		to = min(limit, len(order))
		more = to < len(order)
	}
	// The envelope as json.Marshal writes the map {"total", "data",
	// "has_more", "starting_after", "ending_before"}: keys sorted, the
	// items' kept encodings in data.
	n := 256 // the envelope around the items
	for _, id := range order[from:to] {
		n += len(k.encoded(id)) + 1
	}
	b = slices.Grow(b[:0], n)
	b = append(b, `{"data":[`...)
	for i, id := range order[from:to] {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, k.encoded(id)...)
	}
	b = append(b, ']')
	if to > from {
		b = append(b, `,"ending_before":`...)
		b = appendMarshalString(b, order[from])
	}
	b = append(b, `,"has_more":`...)
	b = appendMarshalString(b, strconv.FormatBool(more))
	if to > from {
		b = append(b, `,"starting_after":`...)
		b = appendMarshalString(b, order[to-1])
	}
	b = append(b, `,"total":`...)
	b = strconv.AppendInt(b, int64(len(order)), 10)
	return append(b, '}')
}

// encoded is stored object id's encoding, kept until it changes (changed,
// reset). The caller holds smu and must not modify it.
func (k *kind) encoded(id string) []byte {
	if b, ok := k.enc[id]; ok {
		return b
	}
	return k.keep(id, marshal(k.byID[id]))
}

// keep keeps b as stored object id's encoding, made under smu since its
// last change, and returns it, its capacity clipped: whoever holds it
// reads it only.
func (k *kind) keep(id string, b []byte) []byte {
	b = slices.Clip(b)
	if k.enc == nil {
		k.enc = map[string][]byte{}
	}
	k.enc[id] = b
	return b
}

// generate makes a value that fits s: its example, else its first enum
// value, else the simplest value of its type.
func generate(s *openapi3.Schema, depth int) any {
	if s == nil || depth > 10 {
		return nil
	}
	if s.Example != nil {
		return clone(s.Example)
	}
	if len(s.Enum) > 0 {
		return s.Enum[0]
	}
	for _, alts := range []openapi3.SchemaRefs{s.AllOf, s.OneOf, s.AnyOf} {
		if len(alts) > 0 && alts[0].Value != nil {
			return generate(alts[0].Value, depth+1)
		}
	}
	switch {
	case s.Type.Is("object") || len(s.Properties) > 0:
		m := map[string]any{}
		for name, p := range s.Properties {
			if p.Value != nil && !p.Value.WriteOnly {
				m[name] = generate(p.Value, depth+1)
			}
		}
		return m
	case s.Type.Is("array"):
		return []any{}
	case s.Type.Is("integer"), s.Type.Is("number"):
		if s.Min != nil {
			return *s.Min
		}
		return 0
	case s.Type.Is("boolean"):
		return false
	}
	return "string"
}

// substitute puts path parameters into the top-level fields of an example
// answer: a field named like a parameter gets its value, and "id" the last
// parameter's.
func substitute(v any, names []string, values map[string]string) any {
	m, ok := v.(map[string]any)
	if !ok || len(names) == 0 {
		return v
	}
	for _, n := range names {
		if _, ok := m[n]; ok {
			m[n] = values[n]
		}
	}
	if _, ok := m["id"]; ok {
		m["id"] = values[names[len(names)-1]]
	}
	return m
}

// token returns prefix followed by 32 random hex digits.
func token(prefix string, rnd []byte) string {
	return prefix + hex.EncodeToString(rnd)
}

// touch sets timestamps.updated_at to now, when the object has one.
func touch(obj map[string]any, now time.Time) {
	if ts, ok := obj["timestamps"].(map[string]any); ok {
		ts["updated_at"] = now.UTC().Format(time.RFC3339)
	}
}

// marshal encodes v as json.Marshal does (appendJSON).
func marshal(v any) []byte {
	// Encoded in a pooled buffer and copied out at its size: one
	// allocation, no larger than needed, for an encoding that is kept.
	bp := bufPool.Get().(*[]byte)
	b, err := appendJSON((*bp)[:0], v)
	if err != nil {
		// Decoded JSON always encodes.
		panic("solidtest: " + err.Error())
	}
	out := bytes.Clone(b)
	if cap(b) <= maxPooled {
		*bp = b
		bufPool.Put(bp)
	}
	return out
}
