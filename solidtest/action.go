package solidtest

import (
	"fmt"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Actions on a resource, read from the spec (buildPlan): a POST or PATCH
// with a body, below an item path, that answers the item's own schema
// (activateCard, reissueCard) acts on the stored item and answers it:
//
//   - when the path's last segment is a verb whose past participle is a
//     value of the item's status enum (activate: activated), the action
//     checks what it is sent: every top-level field of the body that a
//     read returns must equal the stored one (activateCard's last4,
//     expiry_month, expiry_year: what is printed on the card), else 400
//     ERROR_CODE_INVALID_FIELD naming the field; then the status is set;
//   - else the body's fields that a read returns are merged into the item
//     as an update merges them (reissueCard's card_fulfilment: the new
//     card's shipping address); the others (its reason) are not stored.
//
// Either moves timestamps.updated_at and emits <kind>.updated, and the
// status event when the status moved and the spec lists one.

// actionStatus is the status an action at path sets, or "".
func actionStatus(path string, k *kind) string {
	verb := path[strings.LastIndex(path, "/")+1:]
	props := map[string]*openapi3.Schema{}
	if k.schema != nil {
		collect(k.schema, props)
	}
	st := props["status"]
	if st == nil || strings.Contains(verb, "{") {
		return ""
	}
	for _, cand := range []string{verb + "d", verb + "ed"} {
		if slices.Contains(st.Enum, any(cand)) {
			return cand
		}
	}
	return ""
}

// act applies an action to the stored item: its answer (the kept
// encoding), or the field that does not match. The caller holds smu and
// has checked the item exists.
func (h *Handler) act(p *plan, params map[string]string, req map[string]any) ([]byte, string, []change) {
	obj := p.kind.byID[params[p.kind.param]]
	sent, _ := readable(p.kind.schema, req).(map[string]any)
	before := obj["status"]
	if p.sets != "" {
		for _, f := range sortedKeys(sent) {
			if _, isObj := sent[f].(map[string]any); isObj {
				continue
			}
			if fmt.Sprint(sent[f]) != fmt.Sprint(obj[f]) {
				return nil, f, nil
			}
		}
		obj["status"] = p.sets
	} else {
		merge(obj, sent, false)
	}
	touch(obj, h.now())
	id := params[p.kind.param]
	p.kind.changed(id)
	enc := p.kind.keep(id, marshal(obj))
	return enc, "", h.changesEnc(p.kind, "updated", obj, before, enc)
}

// notFoundNoun is the resource a path parameter names: "card" for card_id.
func notFoundNoun(param string) string {
	return strings.ReplaceAll(strings.TrimSuffix(param, "_id"), "_", " ")
}
