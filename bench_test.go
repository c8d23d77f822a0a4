package solid_test

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	solid "github.com/solidsdk/solid-go"
	"github.com/solidsdk/solid-go/gen"
)

// The benchmarks compare three clients making the same call, in the same
// run: a hand-written net/http + encoding/json baseline, the raw generated
// ClientWithResponses, and the SDK's CreateSetPinToken with default options
// (retries armed, body cap, timeout; logging off). All three send the same
// request: the api-key header and a fresh idempotency-key, which Solid's
// docs ask of every POST, made the way the SDK makes its own, so the ratios
// measure the layers, not different requests. `make bench` prints the
// ratios.

// benchKey is a fresh idempotency key (a random UUID v4), as the SDK makes.
func benchKey() string {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], rand.Uint64())
	binary.LittleEndian.PutUint64(b[8:], rand.Uint64())
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// handWritten is the baseline: what a careful engineer writes without an SDK.
type handWritten struct {
	hc   *http.Client
	base string
	key  string
}

type handToken struct {
	ID          string `json:"id"`
	SetPinToken string `json:"set_pin_token"`
}

func (h *handWritten) setPinToken(ctx context.Context, cardID string) (*handToken, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.base+"/v2/issuing/card/"+url.PathEscape(cardID)+"/set_pin_token", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("api-key", h.key)
	req.Header.Set("Idempotency-Key", benchKey())
	resp, err := h.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		// Same decode as the SDK: the error envelope, for a useful message.
		var e struct {
			RequestID string `json:"request_id"`
			Error     struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&e)
		io.Copy(io.Discard, resp.Body)
		return nil, fmt.Errorf("status %d %s: %s (request id %s)", resp.StatusCode, e.Error.Code, e.Error.Message, e.RequestID)
	}
	var t handToken
	if err := json.NewDecoder(resp.Body).Decode(&t); err != nil {
		return nil, err
	}
	io.Copy(io.Discard, resp.Body)
	return &t, nil
}

// memTransport answers every request in memory with a fixed response.
type memTransport struct {
	status int
	body   string
}

func (m memTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{
		StatusCode: m.status, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(strings.NewReader(m.body)),
		ContentLength: int64(len(m.body)), Request: r,
	}, nil
}

type benchCase struct {
	name   string
	status int
	rt     http.RoundTripper // nil: loopback
}

func benchClients(b *testing.B, bc benchCase) (base string, hand *handWritten, raw *gen.ClientWithResponses, ours *solid.Client) {
	b.Helper()
	body := string(readFixture("200.json"))
	if bc.status == 404 {
		body = string(readFixture("404.json"))
	}
	base = "http://127.0.0.1:1"
	rt := bc.rt
	var oursOpts []solid.Option
	if rt == nil {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(bc.status)
			io.WriteString(w, body)
		}))
		b.Cleanup(srv.Close)
		base = srv.URL
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 128
		rt = t
		// The SDK uses its own pooled transport, as users get it.
	} else {
		rt = memTransport{status: bc.status, body: body}
		oursOpts = append(oursOpts, solid.WithHTTPClient(&http.Client{Transport: rt}))
	}
	hc := &http.Client{Transport: rt}
	hand = &handWritten{hc: hc, base: base, key: testKey}
	raw, err := gen.NewClientWithResponses(base, gen.WithHTTPClient(hc), gen.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
		r.Header.Set("api-key", testKey)
		r.Header.Set("Idempotency-Key", benchKey())
		return nil
	}))
	if err != nil {
		b.Fatal(err)
	}
	ours, err = solid.NewClient(testKey, append(oursOpts, solid.WithBaseURL(base))...)
	if err != nil {
		b.Fatal(err)
	}
	return base, hand, raw, ours
}

func BenchmarkSetPinToken(b *testing.B) {
	cases := []benchCase{
		{name: "inmemory", status: 200, rt: memTransport{}},
		{name: "inmemory404", status: 404, rt: memTransport{}},
		{name: "loopback", status: 200},
	}
	ctx := context.Background()
	for _, bc := range cases {
		_, hand, raw, ours := benchClients(b, bc)
		want200 := bc.status == 200
		b.Run(bc.name+"/baseline", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := hand.setPinToken(ctx, seedCard); (err == nil) != want200 {
					b.Fatal(err)
				}
			}
		})
		b.Run(bc.name+"/generated", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r, err := raw.CreateSetPinTokenWithResponse(ctx, seedCard, nil)
				if err != nil || (r.JSON200 != nil) != want200 {
					b.Fatal(err)
				}
			}
		})
		b.Run(bc.name+"/sdk", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ours.CreateSetPinToken(ctx, seedCard); (err == nil) != want200 {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSetPinTokenParallel alternates the three clients for several
// rounds (benchratio keeps each one's best): throughput over loopback on
// this small, shared machine drifts over seconds, and interleaving keeps
// the drift from landing on one variant.
func BenchmarkSetPinTokenParallel(b *testing.B) {
	_, hand, raw, ours := benchClients(b, benchCase{status: 200})
	ctx := context.Background()
	run := func(b *testing.B, call func() error) {
		b.ReportAllocs()
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := call(); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
	}
	for range 4 {
		b.Run("loopback/baseline", func(b *testing.B) {
			run(b, func() error { _, err := hand.setPinToken(ctx, seedCard); return err })
		})
		b.Run("loopback/generated", func(b *testing.B) {
			run(b, func() error { _, err := raw.CreateSetPinTokenWithResponse(ctx, seedCard, nil); return err })
		})
		b.Run("loopback/sdk", func(b *testing.B) {
			run(b, func() error { _, err := ours.CreateSetPinToken(ctx, seedCard); return err })
		})
	}
}
