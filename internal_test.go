package solid

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/solidsdk/solid-go/internal/ops"
)

func TestRetryable(t *testing.T) {
	idem := &ops.Operation{ID: "x", Method: "POST", Idempotent: true}
	post := &ops.Operation{ID: "y", Method: "POST"}
	urlErr := func(err error) error { return &url.Error{Op: "Post", URL: "https://x", Err: err} }
	dialRefused := urlErr(&net.OpError{Op: "dial", Err: &net.OpError{Op: "connect", Err: syscall.ECONNREFUSED}})
	dialTimeout := urlErr(&net.OpError{Op: "dial", Err: timeoutErr{}})
	reset := urlErr(&net.OpError{Op: "read", Err: syscall.ECONNRESET})
	redirect := urlErr(fmt.Errorf("%w: a to b", ErrRedirectRefused))
	tests := []struct {
		name   string
		status int
		err    error
		idem   bool
		post   bool
	}{
		{status: 200}, {status: 400}, {status: 401}, {status: 404}, {status: 409}, {status: 422},
		{status: 408, idem: true},
		{status: 429, idem: true, post: true},
		{status: 500, idem: true},
		{status: 501},
		{status: 502, idem: true},
		{status: 503, idem: true, post: true},
		{status: 504, idem: true},
		{name: "connection refused", err: dialRefused, idem: true, post: true},
		{name: "dial timeout", err: dialTimeout, idem: true, post: true},
		{name: "connection reset", err: reset, idem: true},
		{name: "unexpected EOF", err: urlErr(io.ErrUnexpectedEOF), idem: true},
		{name: "EOF before a response", err: urlErr(io.EOF), idem: true},
		{name: "the attempt's own timeout", err: urlErr(timeoutErr{}), idem: true},
		// Deterministic failures: the next attempt fails the same way.
		{name: "redirect refused", err: redirect},
		{name: "redirect loop", err: urlErr(errors.New("stopped after 10 redirects"))},
		{name: "https to a plain-http server", err: urlErr(errors.New("http: server gave HTTP response to HTTPS client"))},
		{name: "bad certificate", err: urlErr(&tls.CertificateVerificationError{Err: errors.New("x509: unknown authority")})},
		{name: "body too large", err: ErrResponseTooLarge},
		{name: "no such host", err: urlErr(&net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "x", IsNotFound: true}})},
		{name: "any other error", err: errors.New("something else")},
	}
	for _, tt := range tests {
		name := tt.name
		if name == "" {
			name = strconv.Itoa(tt.status)
		}
		t.Run(name, func(t *testing.T) {
			var resp *http.Response
			if tt.err == nil {
				resp = &http.Response{StatusCode: tt.status}
			}
			if got := retryable(idem, resp, tt.err); got != tt.idem {
				t.Errorf("operation safe to repeat: retryable = %v, want %v", got, tt.idem)
			}
			if got := retryable(post, resp, tt.err); got != tt.post {
				t.Errorf("other POST: retryable = %v, want %v", got, tt.post)
			}
		})
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestRetryAfter(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{"3", 3 * time.Second, true},
		{" 7 ", 7 * time.Second, true},
		{"59", 59 * time.Second, true},
		{"60", MaxRetryAfter, true},
		{"3600", MaxRetryAfter, true},
		// Too large for time.Duration once multiplied by a second: the cap
		// holds, no overflow into a short or negative wait.
		{strconv.FormatInt(math.MaxInt64/int64(time.Second)+1, 10), MaxRetryAfter, true},
		{"18446744073", MaxRetryAfter, true},
		{strconv.FormatUint(math.MaxUint64, 10), MaxRetryAfter, true},
		{"99999999999999999999999999", MaxRetryAfter, true},
		{"-1", 0, false},
		{"+5", 0, false},
		{"soon", 0, false},
		{"1.5", 0, false},
		{"Wed, 21 Oct 2015 07:28:00 GMT", 0, true}, // in the past: retry now
		{time.Now().Add(time.Hour).UTC().Format(http.TimeFormat), MaxRetryAfter, true},
	}
	for _, tt := range tests {
		got, ok := retryAfter(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("retryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	future := time.Now().Add(10 * time.Second).UTC().Format(http.TimeFormat)
	if got, ok := retryAfter(future); !ok || got < 8*time.Second || got > 10*time.Second {
		t.Errorf("retryAfter(now+10s) = %v, %v", got, ok)
	}
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		initial, max time.Duration
	}{
		{DefaultRetryBackoff, DefaultMaxRetryBackoff},
		{time.Millisecond, time.Hour},
		{time.Duration(math.MaxInt64 / 2), time.Duration(math.MaxInt64)},
	}
	for _, tt := range tests {
		for n := 1; n <= 70; n++ {
			want := tt.max
			if n-1 < 62 && tt.initial<<(n-1)>>(n-1) == tt.initial {
				want = min(tt.initial<<(n-1), tt.max)
			}
			for range 20 {
				got := backoffFor(tt.initial, tt.max, n)
				if got > want || got < want-want/4 {
					t.Fatalf("backoffFor(%v, %v, %d) = %v, want within [%v, %v]", tt.initial, tt.max, n, got, want-want/4, want)
				}
			}
		}
	}
	// Zero means no wait, whatever the cap.
	for n := 1; n <= 5; n++ {
		if got := backoffFor(0, time.Minute, n); got != 0 {
			t.Errorf("backoffFor(0, 1m, %d) = %v, want 0", n, got)
		}
	}
}

func TestHold(t *testing.T) {
	tests := []struct {
		size, limit int
		wantErr     error
	}{
		{size: 0, limit: 10},
		{size: 10, limit: 10},
		{size: 11, limit: 10, wantErr: ErrResponseTooLarge},
		{size: 5 << 20, limit: 1 << 20, wantErr: ErrResponseTooLarge},
	}
	for _, tt := range tests {
		closed := false
		rc := closeFunc{strings.NewReader(strings.Repeat("x", tt.size)), func() { closed = true }}
		resp, err := hold(&http.Response{Body: rc}, int64(tt.limit))
		if !closed {
			t.Errorf("size %d: the network body was not closed", tt.size)
		}
		if !errors.Is(err, tt.wantErr) {
			t.Errorf("size %d limit %d: err %v, want %v", tt.size, tt.limit, err, tt.wantErr)
		}
		if err != nil {
			continue
		}
		got, _ := io.ReadAll(resp.Body)
		if len(got) != tt.size {
			t.Errorf("size %d: held %d bytes", tt.size, len(got))
		}
		resp.Body.Close()
		if n, err := resp.Body.Read(make([]byte, 1)); n != 0 || err != io.EOF {
			t.Errorf("read after Close = %d, %v", n, err)
		}
	}
}

type closeFunc struct {
	io.Reader
	close func()
}

func (c closeFunc) Close() error { c.close(); return nil }

func TestExcerpt(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"a\r\nb\x00c", "a  b c"},
		{strings.Repeat("é", 150), strings.Repeat("é", 100) + "..."},
		{"\xff\xfebad", "\uFFFDbad"}, // a run of invalid bytes is one U+FFFD
	}
	for _, tt := range tests {
		if got := excerpt(printable(tt.in)); got != tt.want {
			t.Errorf("excerpt(printable(%q)) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestBodyScrubbedBeforeItIsMadePrintable: an invalid byte inside the key
// must not be dropped after scrubbing, or the key comes back whole (found
// by FuzzResponseDecoding; its input is in testdata/fuzz).
func TestBodyScrubbedBeforeItIsMadePrintable(t *testing.T) {
	const key = "sk_test_contract_key_0123456789"
	for _, body := range []string{
		"sk_test_cont\xb1ract_key_0123456789",
		"sk_test_cont\x00ract_key_0123456789",
		"x sk_test_contract_key_0123456789 \xff",
	} {
		resp := &http.Response{StatusCode: 400, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body))}
		e := newAPIError("op", resp, 1, 1<<20, key)
		if strings.Contains(e.Body, key) || strings.Contains(e.Error(), key) {
			t.Errorf("body %q: APIError holds the key: %q", body, e.Body)
		}
	}
}

func TestMatch(t *testing.T) {
	const pin = "/v2/issuing/card/%s/set_pin_token"
	tests := []struct {
		base, method, path string
		wantOp             string // "" means refused with ErrInvalidInput
		wantText           string
	}{
		{base: "", method: "POST", path: fmt.Sprintf(pin, "crd_1"), wantOp: "createSetPinToken"},
		{base: "/prefix", method: "POST", path: "/prefix" + fmt.Sprintf(pin, "crd_1"), wantOp: "createSetPinToken"},
		{base: "", method: "POST", path: fmt.Sprintf(pin, "a%2Fb"), wantOp: "createSetPinToken"},
		{base: "", method: "POST", path: fmt.Sprintf(pin, ""), wantText: "empty card_id"},
		{base: "", method: "POST", path: fmt.Sprintf(pin, "%2E%2E"), wantText: `card_id ".." is a path segment`},
		{base: "", method: "POST", path: fmt.Sprintf(pin, "a%0Ab"), wantText: "control characters"},
		{base: "", method: "GET", path: fmt.Sprintf(pin, "crd_1"), wantText: "matches no operation"},
		{base: "", method: "POST", path: "/v2/issuing/set_pin_token", wantText: "matches no operation"},
		{base: "/prefix", method: "POST", path: fmt.Sprintf(pin, "crd_1"), wantText: "not below the base URL"},
	}
	for _, tt := range tests {
		p, err := url.PathUnescape(tt.path)
		if err != nil {
			t.Fatal(err)
		}
		u := &url.URL{Path: p, RawPath: tt.path}
		r, err := match(tt.base, tt.method, u)
		if tt.wantOp != "" {
			if err != nil || r.op.ID != tt.wantOp {
				t.Errorf("%s %s: got %v, %v; want %s", tt.method, tt.path, r, err, tt.wantOp)
			}
			continue
		}
		if !errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), tt.wantText) {
			t.Errorf("%s %s: err = %v, want ErrInvalidInput containing %q", tt.method, tt.path, err, tt.wantText)
		}
	}
}

// TestWithTimeout keeps the earlier of the context's deadline and the
// client's timeout.
func TestWithTimeout(t *testing.T) {
	tr := &transport{timeout: time.Hour}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	got, c2 := tr.withTimeout(ctx)
	defer c2()
	if dl, _ := got.Deadline(); time.Until(dl) > time.Minute {
		t.Errorf("deadline %v: the context's sooner deadline was lost", time.Until(dl))
	}
	tr.timeout = time.Second
	got, c3 := tr.withTimeout(ctx)
	defer c3()
	if dl, _ := got.Deadline(); time.Until(dl) > time.Second {
		t.Errorf("deadline %v: the client's timeout was not applied", time.Until(dl))
	}
}

// TestEnvelopeWithAnOddCreatedAt: an envelope whose created_at is not a
// date-time still gives its code, message and request id.
func TestEnvelopeWithAnOddCreatedAt(t *testing.T) {
	for _, created := range []string{`""`, `"2024-06-12 20:47:38"`, `1718225258`, `null`} {
		body := `{"created_at":` + created + `,"request_id":"req_1","status":404,"error":{"code":"ERROR_CODE_RESOURCE_NOT_FOUND","message":"cannot find card holder by id in qldb"}}`
		resp := &http.Response{StatusCode: 404, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body))}
		e := newAPIError("getCard", resp, 1, 1<<20, "sk_test_key")
		if e.Code != CodeResourceNotFound || e.Message == "" || e.RequestID != "req_1" || e.Body != "" {
			t.Errorf("created_at %s: %+v", created, e)
		}
	}
}
