package solidtest

import (
	"encoding/json"
	"slices"
	"strconv"
	"sync"
)

// appendJSON appends v's encoding as json.Marshal writes it, byte for
// byte, without reflection for what decoded JSON holds (maps, slices,
// strings, float64, bool, nil): map keys in sorted order, HTML characters
// escaped. A string that needs escaping, a float json.Marshal writes in
// exponent form, and any other type are handed to json.Marshal itself.
func appendJSON(b []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendMarshalString(b, v), nil
	case bool:
		return strconv.AppendBool(b, v), nil
	case float64:
		if abs := max(v, -v); abs == 0 || abs >= 1e-6 && abs < 1e21 {
			return strconv.AppendFloat(b, v, 'f', -1, 64), nil
		}
	case map[string]any:
		if v == nil {
			return append(b, "null"...), nil
		}
		ks := keyPool.Get().(*[]string)
		keys := (*ks)[:0]
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		var err error
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendMarshalString(b, k)
			b = append(b, ':')
			if b, err = appendJSON(b, v[k]); err != nil {
				break
			}
		}
		clear(keys)
		*ks = keys[:0]
		keyPool.Put(ks)
		if err != nil {
			return b, err
		}
		return append(b, '}'), nil
	case []any:
		if v == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		for i, x := range v {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendJSON(b, x); err != nil {
				return b, err
			}
		}
		return append(b, ']'), nil
	}
	e, err := json.Marshal(v)
	if err != nil {
		return b, err
	}
	return append(b, e...), nil
}

var keyPool = sync.Pool{New: func() any { s := make([]string, 0, 32); return &s }}

// appendMarshalString appends s quoted: as is when no byte of it needs
// escaping (printable ASCII but ", \, <, > and &), else as json.Marshal
// quotes it.
func appendMarshalString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			e, _ := json.Marshal(s) // a string always encodes
			return append(b, e...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
