// Package flex holds JSON types for fields that Solid's documents describe
// in two forms. openapi.yaml picks one form for each such field and names
// the type here with `x-go-type`, so the generated types decode either.
package flex

import (
	"bytes"
	"fmt"
)

// Bool is a boolean that Solid's API reference types as the string "true"
// or "false" (has_more, atm_enabled) while its guides show a JSON boolean.
// It decodes both forms and encodes the reference's string form, the one
// openapi.yaml declares.
type Bool bool

// MarshalJSON encodes b as the string "true" or "false".
func (b Bool) MarshalJSON() ([]byte, error) {
	if b {
		return []byte(`"true"`), nil
	}
	return []byte(`"false"`), nil
}

// UnmarshalJSON accepts true, false, "true" and "false". Anything else is
// an error, so a value that means neither is never read as false.
func (b *Bool) UnmarshalJSON(data []byte) error {
	switch string(bytes.TrimSpace(data)) {
	case "true", `"true"`:
		*b = true
	case "false", `"false"`:
		*b = false
	case "null":
		// Like encoding/json for a plain bool: null leaves b unchanged.
	default:
		return fmt.Errorf("flex.Bool: want true, false, \"true\" or \"false\", got %.40s", data)
	}
	return nil
}
