package solid_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"iter"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	solid "github.com/solidsdk/solid-go"
	"github.com/solidsdk/solid-go/gen"
	"github.com/solidsdk/solid-go/solidtest"
)

// keyRecorder is a RoundTripper in front of the mock that records each
// request's method, path and idempotency-key header.
type keyRecorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	seen []sentRequest
}

type sentRequest struct {
	method, path, key string
	hasKey            bool
	header            http.Header
}

func (k *keyRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	vs, ok := r.Header["Idempotency-Key"]
	s := sentRequest{method: r.Method, path: r.URL.Path, hasKey: ok, header: r.Header.Clone()}
	if ok && len(vs) > 0 {
		s.key = vs[0]
	}
	k.mu.Lock()
	k.seen = append(k.seen, s)
	k.mu.Unlock()
	return k.next.RoundTrip(r)
}

// take returns the requests recorded since the last take.
func (k *keyRecorder) take() []sentRequest {
	k.mu.Lock()
	defer k.mu.Unlock()
	out := k.seen
	k.seen = nil
	return out
}

// requestBody decodes the first documented request example of operation
// op into a T, the typed method's body argument.
func requestBody[T any](t *testing.T, doc *openapi3.T, op string) T {
	t.Helper()
	var v T
	for _, item := range doc.Paths.Map() {
		for _, o := range item.Operations() {
			if o.OperationID != op || o.RequestBody == nil {
				continue
			}
			mt := o.RequestBody.Value.Content.Get("application/json")
			ex := mt.Example
			if ex == nil {
				names := make([]string, 0, len(mt.Examples))
				for n := range mt.Examples {
					names = append(names, n)
				}
				sort.Strings(names)
				if len(names) > 0 {
					ex = mt.Examples[names[0]].Value.Value
				}
			}
			if ex == nil {
				return v
			}
			b, _ := json.Marshal(ex)
			if err := json.Unmarshal(b, &v); err != nil {
				t.Fatalf("%s: request example does not decode into %T: %v", op, v, err)
			}
			return v
		}
	}
	t.Fatalf("no operation %s with a body in openapi.yaml", op)
	return v
}

// ids walks seq to its end and returns each item's id.
func ids[T any](seq iter.Seq2[T, error], id func(T) *string) ([]string, error) {
	var out []string
	for v, err := range seq {
		if err != nil {
			return out, err
		}
		if p := id(v); p != nil {
			out = append(out, *p)
		}
	}
	return out, nil
}

// typedCase is one tag of openapi.yaml, exercised through its typed
// methods: its iterator (when it has a list), a retrieve (when it has an
// item path) and a write (when it has one).
type typedCase struct {
	tag     string
	list    func(ctx context.Context, c *solid.Client) ([]string, error)
	getOp   string
	get     func(ctx context.Context, c *solid.Client, id string, opts ...solid.RequestOption) (*string, error)
	writeOp string
	write   func(ctx context.Context, c *solid.Client, id string, opts ...solid.RequestOption) error
}

func typedCases(t *testing.T) []typedCase {
	doc := loadSpec(t, "openapi.yaml")
	return []typedCase{
		{
			tag: "Cards",
			list: func(ctx context.Context, c *solid.Client) ([]string, error) {
				return ids(c.Cards(ctx, nil), func(v gen.Card) *string { return v.Id })
			},
			getOp: "getCard",
			get: func(ctx context.Context, c *solid.Client, id string, opts ...solid.RequestOption) (*string, error) {
				v, err := c.GetCard(ctx, id, opts...)
				return idOf(v, err, func() *string { return v.Id })
			},
			writeOp: "updateCard",
			write: func(ctx context.Context, c *solid.Client, id string, opts ...solid.RequestOption) error {
				_, err := c.UpdateCard(ctx, id, requestBody[gen.CardUpdate](t, doc, "updateCard"), opts...)
				return err
			},
		},
		{
			tag: "Card Holders",
			list: func(ctx context.Context, c *solid.Client) ([]string, error) {
				return ids(c.CardHolders(ctx, nil), func(v gen.CardHolder) *string { return v.Id })
			},
			getOp: "getCardHolder",
			get: func(ctx context.Context, c *solid.Client, id string, opts ...solid.RequestOption) (*string, error) {
				v, err := c.GetCardHolder(ctx, id, opts...)
				return idOf(v, err, func() *string { return v.Id })
			},
			writeOp: "updateCardHolder",
			write: func(ctx context.Context, c *solid.Client, id string, opts ...solid.RequestOption) error {
				_, err := c.UpdateCardHolder(ctx, id, requestBody[gen.CardHolderUpdate](t, doc, "updateCardHolder"), opts...)
				return err
			},
		},
		{
			tag: "Attachments",
			list: func(ctx context.Context, c *solid.Client) ([]string, error) {
				return ids(c.Attachments(ctx, nil), func(v gen.Attachment) *string { return v.Id })
			},
			getOp: "getAttachment",
			get: func(ctx context.Context, c *solid.Client, id string, opts ...solid.RequestOption) (*string, error) {
				v, err := c.GetAttachment(ctx, id, opts...)
				return idOf(v, err, func() *string { return v.Id })
			},
			writeOp: "createAttachment",
			write: func(ctx context.Context, c *solid.Client, _ string, opts ...solid.RequestOption) error {
				_, err := c.CreateAttachment(ctx, requestBody[gen.AttachmentCreate](t, doc, "createAttachment"), opts...)
				return err
			},
		},
		{
			tag: "Counterparties",
			list: func(ctx context.Context, c *solid.Client) ([]string, error) {
				return ids(c.Counterparties(ctx, nil), func(v gen.Counterparty) *string { return v.Id })
			},
			getOp: "getCounterparty",
			get: func(ctx context.Context, c *solid.Client, id string, opts ...solid.RequestOption) (*string, error) {
				v, err := c.GetCounterparty(ctx, id, opts...)
				return idOf(v, err, func() *string { return v.Id })
			},
			writeOp: "createCounterparty",
			write: func(ctx context.Context, c *solid.Client, _ string, opts ...solid.RequestOption) error {
				_, err := c.CreateCounterparty(ctx, requestBody[gen.CounterpartyCreate](t, doc, "createCounterparty"), opts...)
				return err
			},
		},
		{
			tag: "Sub Accounts",
			list: func(ctx context.Context, c *solid.Client) ([]string, error) {
				return ids(c.SubAccounts(ctx, nil), func(v gen.SubAccount) *string { return v.Id })
			},
			getOp: "getSubAccount",
			get: func(ctx context.Context, c *solid.Client, id string, opts ...solid.RequestOption) (*string, error) {
				v, err := c.GetSubAccount(ctx, id, opts...)
				return idOf(v, err, func() *string { return v.Id })
			},
			writeOp: "updateSubAccount",
			write: func(ctx context.Context, c *solid.Client, id string, opts ...solid.RequestOption) error {
				_, err := c.UpdateSubAccount(ctx, id, requestBody[gen.SubAccountUpdate](t, doc, "updateSubAccount"), opts...)
				return err
			},
		},
		{
			tag: "Sub Account Holders",
			list: func(ctx context.Context, c *solid.Client) ([]string, error) {
				return ids(c.SubAccountHolders(ctx, nil), func(v gen.SubAccountHolder) *string { return v.Id })
			},
			getOp: "getSubAccountHolder",
			get: func(ctx context.Context, c *solid.Client, id string, opts ...solid.RequestOption) (*string, error) {
				v, err := c.GetSubAccountHolder(ctx, id, opts...)
				return idOf(v, err, func() *string { return v.Id })
			},
			writeOp: "submitSubAccountHolderKyc",
			write: func(ctx context.Context, c *solid.Client, id string, opts ...solid.RequestOption) error {
				_, err := c.SubmitSubAccountHolderKyc(ctx, id, opts...)
				return err
			},
		},
		{
			// Master accounts are read only: the retry check is on the
			// retrieve, which carries no idempotency key.
			tag: "Master Accounts",
			list: func(ctx context.Context, c *solid.Client) ([]string, error) {
				return ids(c.MasterAccounts(ctx, nil), func(v gen.MasterAccount) *string { return v.Id })
			},
			getOp: "getMasterAccount",
			get: func(ctx context.Context, c *solid.Client, id string, opts ...solid.RequestOption) (*string, error) {
				v, err := c.GetMasterAccount(ctx, id, opts...)
				return idOf(v, err, func() *string { return v.Id })
			},
		},
		{
			tag: "Transactions",
			list: func(ctx context.Context, c *solid.Client) ([]string, error) {
				return ids(c.Transactions(ctx, nil), func(v gen.Transaction) *string { return v.Id })
			},
			getOp: "getTransaction",
			get: func(ctx context.Context, c *solid.Client, id string, opts ...solid.RequestOption) (*string, error) {
				v, err := c.GetTransaction(ctx, id, opts...)
				return idOf(v, err, func() *string { return v.Id })
			},
			writeOp: "updateTransaction",
			write: func(ctx context.Context, c *solid.Client, id string, opts ...solid.RequestOption) error {
				_, err := c.UpdateTransaction(ctx, id, requestBody[gen.TransactionUpdate](t, doc, "updateTransaction"), opts...)
				return err
			},
		},
		{
			tag: "Webhooks",
			list: func(ctx context.Context, c *solid.Client) ([]string, error) {
				return ids(c.Webhooks(ctx, nil), func(v gen.Webhook) *string { return v.Id })
			},
			getOp: "getWebhook",
			get: func(ctx context.Context, c *solid.Client, id string, opts ...solid.RequestOption) (*string, error) {
				v, err := c.GetWebhook(ctx, id, opts...)
				return idOf(v, err, func() *string { return v.Id })
			},
			writeOp: "createWebhook",
			write: func(ctx context.Context, c *solid.Client, _ string, opts ...solid.RequestOption) error {
				_, err := c.CreateWebhook(ctx, requestBody[gen.WebhookCreate](t, doc, "createWebhook"), opts...)
				return err
			},
		},
		{
			// Simulation has neither a list nor an item path.
			tag:     "Simulation",
			writeOp: "simulateCardTransaction",
			write: func(ctx context.Context, c *solid.Client, _ string, opts ...solid.RequestOption) error {
				_, err := c.SimulateCardTransaction(ctx, requestBody[gen.SimulateCardTransactionJSONRequestBody](t, doc, "simulateCardTransaction"), opts...)
				return err
			},
		},
	}
}

// idOf returns the id of a typed method's result.
func idOf[T any](v *T, err error, id func() *string) (*string, error) {
	if err != nil || v == nil {
		return nil, err
	}
	return id(), nil
}

// TestTypedMethodsAgainstMock goes through one operation of each tag of
// openapi.yaml, by its typed method (and its iterator where it has one),
// against solidtest: the per-call idempotency key is the same on each
// retry after a 503, WithResponseInto gives the raw answer,
// WithCallTimeout ends a call the mock holds with
// context.DeadlineExceeded, and an unknown id is an *APIError 404.
func TestTypedMethodsAgainstMock(t *testing.T) {
	cases := typedCases(t)
	tags := map[string]bool{}
	for _, tc := range cases {
		tags[tc.tag] = true
	}
	for _, tag := range loadSpec(t, "openapi.yaml").Tags {
		if !tags[tag.Name] {
			t.Errorf("tag %q of openapi.yaml has no case here", tag.Name)
		}
	}
	for _, tc := range cases {
		t.Run(tc.tag, func(t *testing.T) {
			t.Parallel()
			srv := solidtest.NewServer(solidtest.WithAPIKeys(testKey))
			defer srv.Close()
			rec := &keyRecorder{next: srv.Client().Transport}
			c := newTestClient(t, srv.URL, solid.WithHTTPClient(&http.Client{Transport: rec}))
			ctx := context.Background()

			id := ""
			if tc.list != nil {
				got, err := tc.list(ctx, c)
				if err != nil || len(got) == 0 {
					t.Fatalf("iterator: %v items, error %v; want the mock's seeded items", got, err)
				}
				id = got[0]
			}

			if tc.get != nil {
				t.Run("response into", func(t *testing.T) {
					var raw solid.Response
					got, err := tc.get(ctx, c, id, solid.WithResponseInto(&raw))
					if err != nil || got == nil || *got != id {
						t.Fatalf("%s(%q): id %v, error %v", tc.getOp, id, got, err)
					}
					var body map[string]any
					if raw.StatusCode != 200 || json.Unmarshal(raw.Body, &body) != nil || body["id"] != id {
						t.Errorf("raw answer: status %d, body %.200s; want 200 and the object %s", raw.StatusCode, raw.Body, id)
					}
					if raw.RequestID == "" || raw.Header.Get("Content-Type") == "" || raw.Attempts != 1 {
						t.Errorf("raw answer: request id %q, headers %v, attempts %d", raw.RequestID, raw.Header, raw.Attempts)
					}
				})
				t.Run("404", func(t *testing.T) {
					var raw solid.Response
					_, err := tc.get(ctx, c, "unknown_404", solid.WithResponseInto(&raw))
					var apiErr *solid.APIError
					if !errors.As(err, &apiErr) || apiErr.StatusCode != 404 || !errors.Is(err, solid.ErrNotFound) || apiErr.Operation != tc.getOp {
						t.Fatalf("got %v, want an *APIError 404 from %s", err, tc.getOp)
					}
					if raw.StatusCode != 404 || !bytes.Contains(raw.Body, []byte(solid.CodeResourceNotFound)) {
						t.Errorf("raw answer of the 404: status %d, body %.200s", raw.StatusCode, raw.Body)
					}
				})
			} else {
				t.Run("error answer", func(t *testing.T) {
					// No item path, and no 404 declared: the mock sends
					// only declared statuses, so a 400 stands in.
					srv.QueueFault(solidtest.Fault{Operation: tc.writeOp, Status: 400})
					err := tc.write(ctx, c, id)
					var apiErr *solid.APIError
					if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || apiErr.Operation != tc.writeOp {
						t.Fatalf("got %v, want an *APIError 400 from %s", err, tc.writeOp)
					}
				})
			}

			t.Run("key on every retry", func(t *testing.T) {
				rec.take()
				op, key := tc.writeOp, "order-"+strings.ReplaceAll(tc.tag, " ", "-")
				if op == "" {
					op = tc.getOp
				}
				srv.QueueFault(solidtest.Fault{Operation: op, Status: 503})
				var raw solid.Response
				var err error
				if tc.write != nil {
					err = tc.write(ctx, c, id, solid.WithCallIdempotencyKey(key), solid.WithResponseInto(&raw), solid.WithCallRetries(1))
				} else {
					_, err = tc.get(ctx, c, id, solid.WithCallIdempotencyKey(key), solid.WithResponseInto(&raw), solid.WithCallRetries(1))
				}
				if err != nil {
					t.Fatalf("%s after a 503: %v", op, err)
				}
				sent := rec.take()
				if len(sent) != 2 || raw.Attempts != 2 || raw.StatusCode/100 != 2 {
					t.Fatalf("%d requests, raw answer %d after %d attempts; want 2 requests, a 2xx on the second", len(sent), raw.StatusCode, raw.Attempts)
				}
				for i, s := range sent {
					switch {
					case tc.write != nil && s.key != key:
						t.Errorf("attempt %d sent idempotency key %q, want the per-call %q", i+1, s.key, key)
					case tc.write == nil && s.hasKey:
						t.Errorf("attempt %d of a read sent an idempotency key", i+1)
					}
				}
			})

			t.Run("per-call timeout", func(t *testing.T) {
				srv.SetLatency(2 * time.Second)
				defer srv.SetLatency(0)
				start := time.Now()
				var err error
				if tc.get != nil {
					_, err = tc.get(ctx, c, id, solid.WithCallTimeout(50*time.Millisecond))
				} else {
					err = tc.write(ctx, c, id, solid.WithCallTimeout(50*time.Millisecond))
				}
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("got %v, want context.DeadlineExceeded", err)
				}
				if d := time.Since(start); d > time.Second {
					t.Errorf("the call took %v; the per-call timeout was 50ms", d)
				}
			})
		})
	}
}
