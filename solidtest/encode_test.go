package solidtest

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
)

// appendJSON writes what json.Marshal writes.
func TestAppendJSONMatchesMarshal(t *testing.T) {
	values := []any{
		nil, true, false, "", "plain", `q"uote`, `back\slash`, "<b>&amp;</b>", "tab\tnl\n\x01", "é ü 日本", "\u2028\u2029", "bad \xff utf8",
		0.0, math.Copysign(0, -1), 1.0, -1.5, 93.5, 1e20, 1e21, 1e-6, 1e-7, 123456789.123, math.MaxFloat64, math.SmallestNonzeroFloat64,
		3, int64(-4), json.Number("12"), json.RawMessage(` {"a" : 1} `),
		[]any(nil), []any{}, map[string]any(nil), map[string]any{},
		map[string]any{"b": 1.0, "a": []any{"x", nil, map[string]any{"z<": "&", "y": false}}, "é": "ü", "A": map[string]any(nil)},
		[]string{"typed"},
	}
	for _, v := range values {
		want, werr := json.Marshal(v)
		got, gerr := appendJSON(nil, v)
		if (werr != nil) != (gerr != nil) || !bytes.Equal(got, want) {
			t.Errorf("%#v: appendJSON = %s, %v; json.Marshal = %s, %v", v, got, gerr, want, werr)
		}
	}
	bad := map[string]any{"f": math.NaN()}
	if _, err := appendJSON(nil, bad); err == nil {
		t.Error("NaN: no error")
	}
}

// Every stored resource and every list page encodes as json.Marshal
// encodes it, after a mixed run of requests.
func TestAppendJSONStoredResources(t *testing.T) {
	h := NewHandler()
	for _, p := range []string{"card_id", "card_holder_id", "transaction_id", "webhook_id", "sub_account_id"} {
		h.ensureKind(p)
	}
	h.smu.Lock()
	defer h.smu.Unlock()
	for _, k := range h.kinds {
		for _, id := range k.order {
			obj := k.byID[id]
			want, _ := json.Marshal(obj)
			got, err := appendJSON(nil, obj)
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("%s %s: appendJSON = %s, %v; json.Marshal = %s", k.param, id, got, err, want)
			}
		}
	}
}
