package solid

import (
	"fmt"
	"unicode/utf8"
)

// maxParamLen bounds a path parameter: Solid's IDs are under 64 bytes.
const maxParamLen = 256

// checkPathParam refuses values that could change the request path or
// break it; anything else is escaped when the path is built.
func checkPathParam(name, v string) error {
	switch {
	case v == "":
		return fmt.Errorf("%w: empty %s", ErrInvalidInput, name)
	case v == "." || v == "..":
		return fmt.Errorf("%w: %s %q is a path segment", ErrInvalidInput, name, v)
	case len(v) > maxParamLen:
		return fmt.Errorf("%w: %s is %d bytes, over %d", ErrInvalidInput, name, len(v), maxParamLen)
	case !utf8.ValidString(v):
		return fmt.Errorf("%w: %s %q is not valid UTF-8", ErrInvalidInput, name, v)
	case hasControl(v):
		return fmt.Errorf("%w: %s %q has control characters", ErrInvalidInput, name, v)
	}
	return nil
}

func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return true
		}
	}
	return false
}

// truncate shortens text for an error message.
func truncate(s string) string {
	if len(s) <= 64 {
		return s
	}
	for i := 64; i > 0; i-- {
		if utf8.RuneStart(s[i]) {
			return s[:i] + "..."
		}
	}
	return "..."
}
