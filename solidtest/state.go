package solidtest

import "slices"

// AddCard makes the mock know another card: a copy of the documented
// example card (the one DefaultCardID names) with id as its id. It is
// listed after the cards already known, and Reset keeps it.
func (h *Handler) AddCard(id string) {
	h.ensureKind("card_id")
	h.smu.Lock()
	h.kind("card_id").add(id)
	h.smu.Unlock()
}

// AddCardHolder makes the mock know another card holder: a copy of the
// documented example card holder (DefaultCardHolderID) with id as its id.
// It is listed after the card holders already known, and Reset keeps it.
func (h *Handler) AddCardHolder(id string) {
	h.ensureKind("card_holder_id")
	h.smu.Lock()
	h.kind("card_holder_id").add(id)
	h.smu.Unlock()
}

// AddAPIKey makes the mock accept another API key. An empty key is ignored.
func (h *Handler) AddAPIKey(key string) {
	if key == "" {
		return
	}
	h.mu.Lock()
	h.keys[key] = struct{}{}
	h.mu.Unlock()
}

func (h *Handler) knownKey(k string) bool {
	h.mu.RLock()
	_, ok := h.keys[k]
	h.mu.RUnlock()
	return ok
}

// knownCard reports whether the mock keeps card id. Until the cards are
// made (ensureKind), the cards it keeps are the documented example's, the
// default card and WithCards': the last two are known without making
// them, so the fast path's first answer for them loads no card.
func (h *Handler) knownCard(id string) bool {
	if !h.cardsMade.Load() && (id == DefaultCardID || slices.Contains(h.cards, id)) {
		return true
	}
	h.ensureKind("card_id")
	h.smu.Lock()
	_, ok := h.kinds["card_id"].byID[id]
	h.smu.Unlock()
	return ok
}

// kind returns the resource kind of a path parameter, made empty if the
// spec documents no such resource. The caller holds smu, after
// ensureKind(param).
func (h *Handler) kind(param string) *kind {
	k := h.kinds[param]
	if k == nil {
		k = &kind{param: param, seed: map[string]any{}, byID: map[string]map[string]any{}}
		h.kinds[param] = k
	}
	return k
}
