package solidtest

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/solidsdk/solid-go/internal/redact"
)

// Error codes the mock sends. The first three are Solid's documented
// codes.
const (
	codeUnauthorized     = "ERROR_CODE_UNAUTHORIZED"
	codeNotFound         = "ERROR_CODE_RESOURCE_NOT_FOUND"
	codeInvalidField     = "ERROR_CODE_INVALID_FIELD"
	codeMethodNotAllowed = "ERROR_CODE_METHOD_NOT_ALLOWED"
	codeInvalidRequest   = "ERROR_CODE_INVALID_REQUEST"
	codeTooManyRequests  = "ERROR_CODE_TOO_MANY_REQUESTS"
	codeKeyReused        = "ERROR_CODE_IDEMPOTENCY_KEY_REUSED"
	codeOCCRetry         = "EC_QLDB_OCC_ERROR_RETRY"
)

// notFoundMsg names the resource asked for, from its path parameter
// ("card_holder_id" gives "card holder"). Solid's documented message says
// "card holder" for cards too; naming the right one helps tests more.
func notFoundMsg(param, id string) string {
	noun := strings.ReplaceAll(strings.TrimSuffix(param, "_id"), "_", " ")
	return "cannot find " + noun + " by id " + truncate(redact.Secrets(id, ""))
}

// maxPooled is the largest buffer put back in bufPool: a rare huge list
// page is left to the collector rather than kept.
const maxPooled = 256 << 10

var (
	jsonType = []string{"application/json"}
	bufPool  = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}
)

// writeError sends Solid's error envelope.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, id string, status int, code, msg, field string) {
	bp := bufPool.Get().(*[]byte)
	b := appendEnvelope((*bp)[:0], r.Method, id, status, code, msg, field)
	h.write(w, status, id, b)
	*bp = b
	bufPool.Put(bp)
}

// appendEnvelope appends Solid's error envelope to b.
func appendEnvelope(b []byte, method, id string, status int, code, msg, field string) []byte {
	b = append(b, `{"request_id":"`...)
	b = append(b, id...)
	b = append(b, `","client_id":"","method":`...)
	b = appendJSONString(b, method)
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, `,"error":{"code":`...)
	b = appendJSONString(b, code)
	b = append(b, `,"message":`...)
	b = appendJSONString(b, msg)
	b = append(b, `,"field_name":`...)
	b = appendJSONString(b, field)
	b = append(b, `},"created_at":"`...)
	b = time.Now().UTC().AppendFormat(b, time.RFC3339)
	return append(b, `"}`...)
}

func (h *Handler) write(w http.ResponseWriter, status int, id string, body []byte) {
	hdr := w.Header()
	if len(body) > 0 {
		// An answer declared without a body (204) has no type either.
		hdr["Content-Type"] = jsonType
	}
	hdr["X-Request-Id"] = []string{id}
	// net/http adds Content-Length itself for a body this small.
	w.WriteHeader(status)
	w.Write(body)
}

// appendJSONString appends s as a JSON string; invalid UTF-8 becomes U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20 || c == 0x7f:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

func truncate(s string) string {
	if len(s) <= 200 {
		return s
	}
	for i := 200; i > 0; i-- {
		if utf8.RuneStart(s[i]) {
			return s[:i] + "..."
		}
	}
	return ""
}
