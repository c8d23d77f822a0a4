package solidtest

// AddCard makes the mock know another card ID.
func (h *Handler) AddCard(id string) {
	h.mu.Lock()
	h.cards[id] = struct{}{}
	h.mu.Unlock()
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

func (h *Handler) knownCard(id string) bool {
	h.mu.RLock()
	_, ok := h.cards[id]
	h.mu.RUnlock()
	return ok
}
