package solid_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	solid "github.com/solidsdk/solid-go"
)

// roundTripFunc is an in-memory transport: no sockets, so fuzzing is fast.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func fuzzClient(t *testing.T, base string, rt roundTripFunc) *solid.Client {
	c, err := solid.NewClient(testKey,
		solid.WithBaseURL(base),
		solid.WithHTTPClient(&http.Client{Transport: rt}),
		solid.WithMaxRetries(1),
		solid.WithRetryBackoff(0, 0),
		solid.WithTimeout(50*time.Millisecond), // a long Retry-After ends the call at once
		solid.WithMaxResponseBytes(4<<10),
		solid.WithLogger(suiteLogger),
	)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// FuzzResponseDecoding feeds arbitrary statuses, bodies and headers to
// CreateSetPinToken: it must never panic, never return a token from a
// non-200, and never put the key in an error.
func FuzzResponseDecoding(f *testing.F) {
	f.Add(200, `{"id":"crd_7948d9a96706dd05360a340002de725f","set_pin_token":"card_pin_test_01920c6725b4707688fa0ad517bdeddb"}`, "application/json", "")
	f.Add(404, `{"request_id":"req_1","status":404,"error":{"code":"ERROR_CODE_RESOURCE_NOT_FOUND","message":"x"}}`, "application/json", "")
	f.Add(401, `{"error":{"code":"ERROR_CODE_UNAUTHORIZED","message":"`+testKey+`"}}`, "application/json", "")
	f.Add(500, "<html>oops</html>", "text/html", "1")
	f.Add(429, "", "", "Wed, 21 Oct 2015 07:28:00 GMT")
	f.Add(503, "{}", "application/json", "99999")
	f.Add(200, `{"id":"crd_7948d9a96706dd05360a340002de725f","set_pin_token":""}`, "application/json", "")
	f.Add(200, `[`, "application/json", "")
	f.Add(201, `{"id":"crd_7948d9a96706dd05360a340002de725f","set_pin_token":"card_pin_x"}`, "application/json", "")
	f.Add(302, "", "", "")
	f.Fuzz(func(t *testing.T, status int, body, ctype, retryAfter string) {
		status = 100 + abs(status)%900
		rt := func(r *http.Request) (*http.Response, error) {
			h := http.Header{}
			if ctype != "" {
				h["Content-Type"] = []string{ctype}
			}
			if retryAfter != "" {
				h["Retry-After"] = []string{retryAfter}
			}
			return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
		}
		c := fuzzClient(t, "http://127.0.0.1:1", rt)
		tok, err := c.CreateSetPinToken(context.Background(), seedCard)
		if err == nil {
			if status != 200 || tok == nil || tok.Token.IsZero() || tok.CardID != seedCard {
				t.Fatalf("status %d gave token %v without error", status, tok)
			}
			return
		}
		if tok != nil {
			t.Fatalf("token alongside error %v", err)
		}
		if strings.Contains(err.Error(), testKey) {
			t.Fatalf("error reveals the key: %v", err)
		}
		var apiErr *solid.APIError
		if (status < 200 || status > 299) && (status < 300 || status > 399) && !errors.As(err, &apiErr) && !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("status %d: err %v is not an *APIError", status, err)
		}
		if apiErr != nil && apiErr.StatusCode != status {
			t.Fatalf("APIError status %d, response %d", apiErr.StatusCode, status)
		}
	})
}

func abs(n int) int {
	if n < 0 {
		return -(n + 1)
	}
	return n
}

// FuzzCardIDPath checks that no card ID yields a request outside
// /v2/issuing/card/{card_id}/set_pin_token: each is refused before any
// request or arrives as exactly one path segment that decodes to itself.
func FuzzCardIDPath(f *testing.F) {
	for _, s := range []string{seedCard, "", ".", "..", "a/b", "%2e%2e", "?", "#", "a b", "../../x", "\x00", "\r\n", "é", "%", "%zz", ";", "\\", "//", "./."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		for _, base := range []string{"http://127.0.0.1:1", "http://127.0.0.1:1/prefix/"} {
			var mu sync.Mutex
			var seen []*url.URL
			rt := func(r *http.Request) (*http.Response, error) {
				mu.Lock()
				seen = append(seen, r.URL)
				mu.Unlock()
				if r.Header.Get("api-key") != testKey {
					t.Errorf("api-key header changed")
				}
				body := `{"id":` + jsonString(id) + `,"set_pin_token":"t"}`
				return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
			}
			c := fuzzClient(t, base, rt)
			_, err := c.CreateSetPinToken(context.Background(), id)
			if errors.Is(err, solid.ErrInvalidInput) {
				if len(seen) != 0 {
					t.Fatalf("refused ID %q still sent a request", id)
				}
				continue
			}
			if len(seen) != 1 {
				t.Fatalf("ID %q: %d requests (err %v)", id, len(seen), err)
			}
			u := seen[0]
			prefix := strings.TrimPrefix(base, "http://127.0.0.1:1")
			p := strings.TrimPrefix(u.EscapedPath(), strings.TrimSuffix(prefix, "/"))
			seg, ok := strings.CutPrefix(p, "/v2/issuing/card/")
			seg, ok2 := strings.CutSuffix(seg, "/set_pin_token")
			if !ok || !ok2 || strings.Contains(seg, "/") || u.RawQuery != "" || u.Fragment != "" {
				t.Fatalf("ID %q gave path %q query %q", id, u.EscapedPath(), u.RawQuery)
			}
			if got, err := url.PathUnescape(seg); err != nil || got != id {
				t.Fatalf("ID %q arrived as %q (%v)", id, got, err)
			}
		}
	})
}

// FuzzListPages serves arbitrary list bodies, the same body for every page,
// to the Cards iterator: it must never panic and always end, with an error
// or after the pages the server vouched for, and never yield a card
// alongside an error.
func FuzzListPages(f *testing.F) {
	f.Add(200, `{"total":1,"data":[{"id":"crd_1","card_holder_id":"cah_1"}],"has_more":"false"}`)
	f.Add(200, `{"total":2,"data":[{"id":"crd_1"}],"has_more":"true","starting_after":"crd_1"}`)
	f.Add(200, `{"data":[{"id":"crd_1"}],"has_more":true}`)
	f.Add(200, `{"data":[],"has_more":true}`)
	f.Add(200, `{"data":[{}],"has_more":"true"}`)
	f.Add(200, `{"data":null,"has_more":"maybe"}`)
	f.Add(200, `{"data":[{"id":"crd_1","controls":{"atm_enabled":"yes"}}]}`)
	f.Add(401, `{"request_id":"req_1","status":401,"error":{"code":"ERROR_CODE_UNAUTHORIZED","message":"unauthorized"}}`)
	f.Add(200, `[`)
	f.Fuzz(func(t *testing.T, status int, body string) {
		status = 100 + abs(status)%900
		var mu sync.Mutex
		pages := 0
		rt := func(r *http.Request) (*http.Response, error) {
			mu.Lock()
			pages++
			mu.Unlock()
			h := http.Header{"Content-Type": {"application/json"}}
			return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
		}
		c := fuzzClient(t, "http://127.0.0.1:1", rt)
		n := 0
		for card, err := range c.Cards(context.Background(), nil) {
			if err != nil {
				if card.Id != nil {
					t.Fatalf("card %v alongside error %v", *card.Id, err)
				}
				if strings.Contains(err.Error(), testKey) {
					t.Fatalf("error reveals the key: %v", err)
				}
				break
			}
			if n++; n > 10000 {
				t.Fatalf("the iterator did not end: %d cards from one repeated page", n)
			}
		}
		mu.Lock()
		defer mu.Unlock()
		if pages > 3 {
			// The same body every time: a second page with has_more repeats
			// its cursor, which must end the walk.
			t.Fatalf("%d pages fetched for one repeated body", pages)
		}
	})
}
