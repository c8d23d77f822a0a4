package solidtest

// lifecycleOnCreate sets what a new resource of kind k starts as, from
// the create request req. The caller holds smu.
func (h *Handler) lifecycleOnCreate(k *kind, obj, req map[string]any) {}
