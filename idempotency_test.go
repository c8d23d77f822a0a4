package solid

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/solidsdk/solid-go/internal/ops"
)

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// reply is one canned answer of keyServer.
type reply struct {
	status int
	body   string
	header map[string]string
}

// keyServer answers with replies in order (repeating the last) and records
// the idempotency-key header of every request ("" when absent).
type keyServer struct {
	srv     *httptest.Server
	mu      sync.Mutex
	keys    []string
	present []bool
}

func newKeyServer(t *testing.T, replies ...reply) *keyServer {
	t.Helper()
	ks := &keyServer{}
	ks.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ks.mu.Lock()
		n := len(ks.keys)
		_, ok := r.Header["Idempotency-Key"]
		ks.keys = append(ks.keys, r.Header.Get("Idempotency-Key"))
		ks.present = append(ks.present, ok)
		ks.mu.Unlock()
		rp := replies[min(n, len(replies)-1)]
		for k, v := range rp.header {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rp.status)
		w.Write([]byte(rp.body))
	}))
	t.Cleanup(ks.srv.Close)
	return ks
}

func (ks *keyServer) seen() []string {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	return append([]string(nil), ks.keys...)
}

const occEnvelope = `{"request_id":"req_1","status":409,"error":{"code":"EC_QLDB_OCC_ERROR_RETRY","message":"qldb occ error please retry"}}`

// occFlat is the 409 as Solid's idempotency guide shows it.
const occFlat = `{"code":"EC_QLDB_OCC_ERROR_RETRY","sysMessage":"qldb occ error please retry"}`

func TestIdempotencyKeys(t *testing.T) {
	write := &ops.Operation{ID: "write", Method: "POST", Path: "/w", Idempotent: true, IdempotencyKey: true}
	read := &ops.Operation{ID: "read", Method: "GET", Path: "/w", Idempotent: true}
	ok := reply{status: 200, body: `{}`}
	tests := []struct {
		name      string
		op        *ops.Operation
		replies   []reply
		ctxKey    string // WithIdempotencyKey, when set
		headerKey string // set on the request, as a generated params struct does
		wantErr   error
		wantCode  string // APIError.Code of the final error
		// wantKeys: "new" for a key the SDK made (a UUID), "same" for the
		// key of the request before, "other" for a new one unlike it, or
		// the literal key; "none" for no header.
		wantKeys []string
	}{
		{name: "one key on a write", op: write, replies: []reply{ok}, wantKeys: []string{"new"}},
		{name: "no key on a read", op: read, replies: []reply{ok}, wantKeys: []string{"none"}},
		{name: "the same key on every retry", op: write, replies: []reply{{status: 503}, {status: 502}, ok},
			wantKeys: []string{"new", "same", "same"}},
		{name: "429 keeps the key", op: write, replies: []reply{{status: 429, header: map[string]string{"Retry-After": "0"}}, ok},
			wantKeys: []string{"new", "same"}},
		{name: "409 OCC: a new key", op: write, replies: []reply{{status: 409, body: occEnvelope}, ok},
			wantKeys: []string{"new", "other"}},
		{name: "409 OCC every time: a new key each time, then the error", op: write, replies: []reply{{status: 409, body: occEnvelope}},
			wantKeys: []string{"new", "other", "other"}, wantCode: CodeOCCRetry},
		{name: "409 OCC in the guide's flat form: a new key", op: write, replies: []reply{{status: 409, body: occFlat}, ok},
			wantKeys: []string{"new", "other"}},
		{name: "409 OCC flat every time: the error keeps its code", op: write, replies: []reply{{status: 409, body: occFlat}},
			wantKeys: []string{"new", "other", "other"}, wantCode: CodeOCCRetry},
		{name: "other 409: not retried", op: write, replies: []reply{{status: 409, body: `{"request_id":"req_1","status":409,"error":{"code":"ERROR_CODE_CONFLICT","message":"x"}}`}},
			wantKeys: []string{"new"}, wantCode: "ERROR_CODE_CONFLICT"},
		{name: "the caller's key, as given", op: write, ctxKey: "order-42-pin", replies: []reply{{status: 503}, ok},
			wantKeys: []string{"order-42-pin", "order-42-pin"}},
		{name: "a key in the request's header wins", op: write, headerKey: "hdr-key", ctxKey: "ctx-key", replies: []reply{ok},
			wantKeys: []string{"hdr-key"}},
		{name: "409 OCC with the caller's key: back to the caller", op: write, ctxKey: "order-42-pin", replies: []reply{{status: 409, body: occEnvelope}, ok},
			wantKeys: []string{"order-42-pin"}, wantCode: CodeOCCRetry},
		{name: "empty caller key refused", op: write, ctxKey: "", replies: []reply{ok}, wantErr: ErrInvalidInput},
		{name: "caller key with a newline refused", op: write, ctxKey: "a\nb", replies: []reply{ok}, wantErr: ErrInvalidInput},
		{name: "caller key too long refused", op: write, ctxKey: strings.Repeat("k", 256), replies: []reply{ok}, wantErr: ErrInvalidInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ks := newKeyServer(t, tt.replies...)
			c, err := NewClient("sk_test_key", WithBaseURL(ks.srv.URL), WithRetryBackoff(0, 0))
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if tt.ctxKey != "" || tt.wantErr != nil {
				ctx = WithIdempotencyKey(ctx, tt.ctxKey)
			}
			req, err := http.NewRequestWithContext(ctx, tt.op.Method, ks.srv.URL+"/w", nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.headerKey != "" {
				req.Header.Set("idempotency-key", tt.headerKey)
			}
			resp, err := c.tr.send(req, &route{op: tt.op}, noop)
			if resp != nil {
				resp.Body.Close()
			}
			seen := ks.seen()
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || len(seen) != 0 {
					t.Fatalf("err = %v, %d requests; want %v before any request", err, len(seen), tt.wantErr)
				}
				return
			}
			var apiErr *APIError
			switch {
			case tt.wantCode != "" && (!errors.As(err, &apiErr) || apiErr.Code != tt.wantCode):
				t.Errorf("err = %v, want an *APIError with code %s", err, tt.wantCode)
			case tt.wantCode == "" && err != nil:
				t.Errorf("err = %v, want success", err)
			}
			if len(seen) != len(tt.wantKeys) {
				t.Fatalf("keys %q, want %d requests", seen, len(tt.wantKeys))
			}
			for i, want := range tt.wantKeys {
				got := seen[i]
				switch want {
				case "none":
					if ks.present[i] {
						t.Errorf("request %d carries idempotency-key %q", i+1, got)
					}
				case "new":
					if !uuidV4.MatchString(got) {
						t.Errorf("request %d key %q, want a random UUID", i+1, got)
					}
				case "same":
					if got != seen[i-1] {
						t.Errorf("request %d key %q, want %q again", i+1, got, seen[i-1])
					}
				case "other":
					if !uuidV4.MatchString(got) || got == seen[i-1] {
						t.Errorf("request %d key %q, want a new UUID after %q", i+1, got, seen[i-1])
					}
				default:
					if got != want {
						t.Errorf("request %d key %q, want %q", i+1, got, want)
					}
				}
			}
		})
	}
}

func TestNewIdempotencyKeyIsRandom(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		k := newIdempotencyKey()
		if !uuidV4.MatchString(k) || seen[k] {
			t.Fatalf("key %q: not a fresh UUID v4", k)
		}
		seen[k] = true
	}
}

func TestAPIErrorRetryAfter(t *testing.T) {
	ks := newKeyServer(t, reply{status: 429, header: map[string]string{"Retry-After": "7"}})
	c, err := NewClient("sk_test_key", WithBaseURL(ks.srv.URL), WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", ks.srv.URL+"/w", nil)
	_, err = c.tr.send(req, &route{op: &ops.Operation{ID: "read", Method: "GET", Idempotent: true}}, noop)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.RetryAfter != 7*time.Second {
		t.Fatalf("err = %v, want an *APIError with RetryAfter 7s", err)
	}
}
