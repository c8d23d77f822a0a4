package solid

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/solidsdk/solid-go/gen"
)

func TestRetryable(t *testing.T) {
	idem := &gen.Operation{ID: "x", Method: "POST", Idempotent: true}
	post := &gen.Operation{ID: "y", Method: "POST"}
	dial := &url.Error{Op: "Post", URL: "https://x", Err: &net.OpError{Op: "dial", Err: errors.New("connection refused")}}
	reset := &url.Error{Op: "Post", URL: "https://x", Err: &net.OpError{Op: "read", Err: errors.New("connection reset by peer")}}
	redirect := &url.Error{Op: "Post", URL: "https://x", Err: fmt.Errorf("%w: a to b", ErrRedirectRefused)}
	tests := []struct {
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
		{err: dial, idem: true, post: true},
		{err: reset, idem: true},
		{err: io.ErrUnexpectedEOF, idem: true},
		{err: redirect},
		{err: fmt.Errorf("wrapped: %w", errors.Join(errors.New("x"), errTimeout))},
	}
	for _, tt := range tests {
		name := fmt.Sprint(tt.status)
		if tt.err != nil {
			name = tt.err.Error()
		}
		t.Run(name, func(t *testing.T) {
			var resp *http.Response
			if tt.err == nil {
				resp = &http.Response{StatusCode: tt.status}
			}
			if got := retryable(idem, resp, tt.err); got != tt.idem {
				t.Errorf("idempotent op: retryable = %v, want %v", got, tt.idem)
			}
			if got := retryable(post, resp, tt.err); got != tt.post {
				t.Errorf("plain POST: retryable = %v, want %v", got, tt.post)
			}
		})
	}
}

var errTimeout = fmt.Errorf("ctx: %w", context.DeadlineExceeded)

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
		{"3600", MaxRetryAfter, true},
		{"-1", 0, false},
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
	c := &Client{backoff: DefaultRetryBackoff, maxBackoff: DefaultMaxRetryBackoff}
	for n := 1; n <= 12; n++ {
		want := min(DefaultRetryBackoff<<(n-1), DefaultMaxRetryBackoff)
		for range 100 {
			got := c.backoffFor(n)
			if got > want || got < want*3/4 {
				t.Fatalf("backoffFor(%d) = %v, want within [%v, %v]", n, got, want*3/4, want)
			}
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
		c := &Client{maxBody: int64(tt.limit)}
		resp, err := c.hold(&http.Response{Body: rc})
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
		{"\xff\xfebad", "bad"},
	}
	for _, tt := range tests {
		if got := excerpt([]byte(tt.in)); got != tt.want {
			t.Errorf("excerpt(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestNewRequestMatchesGenerated checks that the wrapper's URL building
// gives the same URL as the generated request builder.
func TestNewRequestMatchesGenerated(t *testing.T) {
	ids := []string{"crd_7948d9a96706dd05360a340002de725f", "a/b", "%2e%2e", "?", "#", "a b", "é", "%", ";,", "...", "+&="}
	for _, base := range []string{"https://api.sandbox.solidfi.com", "http://127.0.0.1:4010/prefix", "https://h.example/a%2Fb/"} {
		c, err := NewClient("k", WithBaseURL(base))
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			want, err := gen.NewCreateSetPinTokenRequest(c.base.String(), id)
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.newRequest(context.Background(), c.setPinToken, id)
			if err != nil {
				t.Fatal(err)
			}
			if got.URL.String() != want.URL.String() || got.URL.EscapedPath() != want.URL.EscapedPath() ||
				got.URL.Path != want.URL.Path || got.Method != want.Method || got.Host != want.URL.Host {
				t.Errorf("base %s id %q: got %s %s (path %q), generated %s %s (path %q)", base, id,
					got.Method, got.URL, got.URL.Path, want.Method, want.URL, want.URL.Path)
			}
		}
	}
}

// TestSetPinTokenMirrorsGenerated keeps SetPinToken's JSON names equal to
// the generated model's, since the wrapper decodes straight into it.
func TestSetPinTokenMirrorsGenerated(t *testing.T) {
	tags := func(v any) []string {
		var out []string
		rt := reflect.TypeOf(v)
		for i := range rt.NumField() {
			out = append(out, rt.Field(i).Tag.Get("json"))
		}
		sort.Strings(out)
		return out
	}
	if got, want := tags(SetPinToken{}), tags(gen.SetPinToken{}); !reflect.DeepEqual(got, want) {
		t.Fatalf("SetPinToken JSON fields %v, generated %v", got, want)
	}
}
