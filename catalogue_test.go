package solid_test

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	solid "github.com/solidsdk/solid-go"
	"github.com/solidsdk/solid-go/gen"
)

// entry is one row of testdata/catalogue.json: a bad input or a server
// fault, and what the SDK must do about it.
type entry struct {
	Kind     string `json:"kind"`  // card_id, api_key, base_url, server
	Name     string `json:"name"`  // shown in the README
	Input    string `json:"input"` // a Go string literal
	Repeat   int    `json:"repeat"`
	Fault    string `json:"fault"`    // server behaviour, see faultHandler
	Call     string `json:"call"`     // with server faults: "" for CreateSetPinToken, "updateCard" (through c.API()), "cards" (the iterator)
	Want     string `json:"want"`     // the outcome, see check
	Status   int    `json:"status"`   // with APIError outcomes
	Attempts *int   `json:"attempts"` // requests (connections, for plain-http) the server must see; every row states it
	Contains string `json:"contains"` // in the error text, when set
	Doc      string `json:"doc"`      // what the user sees, for the README
}

func loadCatalogue(t *testing.T) []entry {
	t.Helper()
	b, err := os.ReadFile("testdata/catalogue.json")
	if err != nil {
		t.Fatal(err)
	}
	var es []entry
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&es); err != nil {
		t.Fatalf("catalogue: %v", err)
	}
	for _, e := range es {
		if e.Attempts == nil {
			t.Fatalf("catalogue: %q states no attempts", e.Name)
		}
	}
	return es
}

func (e entry) input(t *testing.T) string {
	s, err := strconv.Unquote(e.Input)
	if err != nil {
		t.Fatalf("%s: input %s: %v", e.Name, e.Input, err)
	}
	if e.Repeat > 0 {
		s = strings.Repeat(s, e.Repeat)
	}
	return s
}

var sentinels = map[string]error{
	"ErrInvalidInput":      solid.ErrInvalidInput,
	"ErrMalformedResponse": solid.ErrMalformedResponse,
	"ErrResponseTooLarge":  solid.ErrResponseTooLarge,
	"ErrRedirectRefused":   solid.ErrRedirectRefused,
	"ErrUnauthorized":      solid.ErrUnauthorized,
	"ErrNotFound":          solid.ErrNotFound,
	"DeadlineExceeded":     context.DeadlineExceeded,
}

// faultServer serves one fault and counts the requests that reached it.
type faultServer struct {
	URL  string
	mu   sync.Mutex
	hits int
}

func (f *faultServer) hit() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hits++
	return f.hits
}

func (f *faultServer) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hits
}

func readFixture(name string) []byte {
	b, err := os.ReadFile("testdata/responses/" + name)
	if err != nil {
		panic(err)
	}
	return b
}

func newFaultServer(t *testing.T, fault string) *faultServer {
	t.Helper()
	f := &faultServer{}
	if fault == "refused" {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		f.URL = "http://" + l.Addr().String()
		l.Close()
		return f
	}
	if fault == "plain-http" {
		// An https client against a plain-http server: the handshake
		// fails before any handler runs, so count connections.
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
			t.Error("a handler ran for a TLS handshake")
		}))
		srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				f.hit()
			}
		}
		srv.Start()
		t.Cleanup(srv.Close)
		f.URL = strings.Replace(srv.URL, "http://", "https://", 1)
		return f
	}
	var other *httptest.Server
	if fault == "cross-host-redirect" {
		other = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			t.Errorf("the other host got a request (key present: %v)", r.Header.Get("api-key") != "")
		}))
		t.Cleanup(other.Close)
	}
	json200 := func(w http.ResponseWriter, body string) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, body)
	}
	h := func(w http.ResponseWriter, r *http.Request) {
		n := f.hit()
		switch fault {
		case "unauthorized", "not-found":
			w.Header().Set("Content-Type", "application/json")
			status, file := 401, "401.json"
			if fault == "not-found" {
				status, file = 404, "404.json"
			}
			w.WriteHeader(status)
			w.Write(readFixture(file))
		case "html-500":
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(500)
			w.Write(readFixture("500.html"))
		case "truncated-json":
			json200(w, string(readFixture("truncated.json")))
		case "wrong-shape":
			json200(w, `{"id": 42, "set_pin_token": ["card_pin_test_0"]}`)
		case "empty-token":
			json200(w, `{"id":"`+seedCard+`","set_pin_token":""}`)
		case "other-card":
			json200(w, `{"id":"crd_someone_else","set_pin_token":"card_pin_test_01920c6725b4707688fa0ad517bdeddb"}`)
		case "huge-body":
			w.Header().Set("Content-Type", "application/json")
			chunk := []byte(strings.Repeat(" ", 32<<10))
			for written := 0; written < 100<<20; written += len(chunk) {
				if _, err := w.Write(chunk); err != nil {
					return // the client hung up, as it should
				}
			}
		case "never-answers":
			<-r.Context().Done()
		case "reset-once":
			if n > 1 {
				json200(w, string(readFixture("200.json")))
				return
			}
			fallthrough
		case "reset-mid-body", "drop":
			conn, buf, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			if fault != "drop" {
				buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"id\":\"crd_")
				buf.Flush()
			}
			conn.Close()
		case "rate-limited":
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(429)
		case "unavailable-long-wait":
			w.Header().Set("Retry-After", "30")
			w.WriteHeader(503)
		case "unavailable-once":
			if n == 1 {
				w.WriteHeader(503)
				return
			}
			json200(w, string(readFixture("200.json")))
		case "unavailable-bad-retry-after":
			w.Header().Set("Retry-After", "soon")
			w.WriteHeader(503)
		case "unavailable-slow":
			time.Sleep(50 * time.Millisecond)
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(503)
		case "flaky":
			if n == 1 {
				w.Header().Set("Retry-After", "0")
				w.WriteHeader(503)
				return
			}
			w.Header().Set("X-Request-Id", "req_flaky_ok")
			json200(w, string(readFixture("200.json")))
		case "invalid-field":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(400)
			io.WriteString(w, `{"request_id":"req_01900ecf1c067ef39e132557e0a5cd39","client_id":"","method":"POST","status":400,"error":{"code":"ERROR_CODE_INVALID_FIELD","message":"enum is required","field_name":"card_type"},"created_at":"2024-06-12T23:36:12Z"}`)
		case "occ-once", "occ-always":
			if fault == "occ-once" && n > 1 {
				json200(w, `{"id":"`+seedCard+`","label":"Travel"}`)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(409)
			io.WriteString(w, `{"code":"EC_QLDB_OCC_ERROR_RETRY","sysMessage":"qldb occ error please retry"}`)
		case "repeated-cursor":
			json200(w, `{"total":2,"data":[{"id":"crd_`+strconv.Itoa(n)+`"}],"has_more":"true","starting_after":"Y2xpXzAxOGY4NjEzMDEyYjdlNTFiOTZjNmVlYWJiNmRiZTky"}`)
		case "empty-page-has-more":
			json200(w, `{"total":0,"data":[],"has_more":true}`)
		case "redirect-loop":
			http.Redirect(w, r, r.URL.Path, http.StatusTemporaryRedirect)
		case "cross-host-redirect":
			http.Redirect(w, r, other.URL+r.URL.Path, http.StatusTemporaryRedirect)
		default:
			t.Errorf("unknown fault %q", fault)
		}
	}
	srv := httptest.NewServer(http.HandlerFunc(h))
	t.Cleanup(srv.Close)
	f.URL = srv.URL
	return f
}

// TestCatalogue runs every bad input and server fault in the catalogue and
// checks the SDK fails clearly, never returns a token with an error, and
// never leaks the key or a PIN token into the error.
func TestCatalogue(t *testing.T) {
	for _, e := range loadCatalogue(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			var err error
			var hits int
			switch e.Kind {
			case "api_key", "base_url":
				key, opts := testKey, []solid.Option{solid.WithEnvironment(solid.Sandbox)}
				if e.Kind == "api_key" {
					key = e.input(t)
				} else {
					opts = []solid.Option{solid.WithBaseURL(e.input(t))}
				}
				var c *solid.Client
				c, err = solid.NewClient(key, opts...)
				if err != nil && c != nil {
					t.Errorf("NewClient returned a client alongside %v", err)
				}
			case "card_id":
				cs := newContractServer(t, 200, "")
				cs.echoID = true
				c := newTestClient(t, cs.srv.URL)
				id := e.input(t)
				var tok *solid.SetPinToken
				tok, err = c.CreateSetPinToken(context.Background(), id)
				reqs := cs.requests()
				hits = len(reqs)
				if e.Want == "escaped" {
					if err != nil || hits != 1 || reqs[0].cardID != id || tok.CardID != id {
						t.Fatalf("want %q to reach the server exactly; err %v, requests %+v", id, err, reqs)
					}
				}
			case "server":
				f := newFaultServer(t, e.Fault)
				c := newTestClient(t, f.URL, solid.WithTimeout(2*time.Second))
				if e.Fault == "never-answers" {
					c = newTestClient(t, f.URL, solid.WithTimeout(200*time.Millisecond))
				}
				switch e.Call {
				case "":
					var tok *solid.SetPinToken
					tok, err = c.CreateSetPinToken(context.Background(), seedCard)
					if err != nil && tok != nil {
						t.Errorf("got a token alongside error %v", err)
					}
				case "updateCard":
					label := "Travel"
					var resp *gen.UpdateCardResponse
					resp, err = c.API().UpdateCardWithResponse(context.Background(), seedCard, nil, gen.CardUpdate{Label: &label})
					if err == nil && (resp.JSON200 == nil || *resp.JSON200.Label != label) {
						t.Errorf("updateCard answer not decoded: %s", resp.Body)
					}
				case "cards":
					for _, e := range c.Cards(context.Background(), nil) {
						if e != nil {
							err = e
						}
					}
				default:
					t.Fatalf("unknown call %q", e.Call)
				}
				hits = f.count()
			default:
				t.Fatalf("unknown kind %q", e.Kind)
			}
			if hits != *e.Attempts {
				t.Errorf("server saw %d requests, want %d", hits, *e.Attempts)
			}
			if e.Want == "escaped" {
				return
			}
			check(t, e, err, hits)
		})
	}
}

func check(t *testing.T, e entry, err error, hits int) {
	t.Helper()
	if e.Want == "ok" {
		if err != nil {
			t.Fatalf("want success, got %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("want an error (%s), got none", e.Want)
	}
	msg := err.Error()
	for _, secret := range []string{testKey, "card_pin_", "secret@", "\r", "\n", "\x00"} {
		if strings.Contains(msg, secret) {
			t.Errorf("error text contains %q: %q", secret, msg)
		}
	}
	if e.Contains != "" && !strings.Contains(msg, e.Contains) {
		t.Errorf("error %q does not contain %q", msg, e.Contains)
	}
	if strings.Count(msg, "solid:") != 1 || !strings.HasPrefix(msg, "solid: ") {
		t.Errorf("error %q: want exactly one \"solid: \" prefix, at the start", msg)
	}
	var apiErr *solid.APIError
	switch e.Want {
	case "config":
		// Checked above: NewClient returned no client. Its errors carry
		// no response and no operation.
		if errors.As(err, &apiErr) {
			t.Errorf("config error %v is an *APIError", err)
		}
	case "transport":
		var urlErr *url.Error
		if !errors.As(err, &urlErr) && !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("err = %v (%T), want one wrapping *url.Error or io.ErrUnexpectedEOF", err, err)
		}
		if errors.As(err, &apiErr) {
			t.Errorf("transport error %v is an *APIError", err)
		}
	case "APIError":
		if !errors.As(err, &apiErr) || apiErr.StatusCode != e.Status {
			t.Errorf("err = %v, want *APIError with status %d", err, e.Status)
		}
	default:
		target, ok := sentinels[e.Want]
		if !ok {
			t.Fatalf("unknown want %q", e.Want)
		}
		if !errors.Is(err, target) {
			t.Errorf("err = %v, want errors.Is %s", err, e.Want)
		}
		if e.Want == "ErrInvalidInput" && hits != 0 {
			t.Errorf("a refused input still sent %d requests", hits)
		}
		if e.Status != 0 {
			if !errors.As(err, &apiErr) || apiErr.StatusCode != e.Status {
				t.Errorf("err = %v, want *APIError with status %d", err, e.Status)
			}
		}
	}
}

var update = flag.Bool("update", false, "rewrite the README's failure-modes table from the catalogue")

// TestReadmeFailureModes keeps the README's "Failure modes" table equal to
// what the catalogue says; go test -run TestReadmeFailureModes -update
// rewrites it.
func TestReadmeFailureModes(t *testing.T) {
	const start, end = "<!-- failure-modes:start -->\n", "<!-- failure-modes:end -->"
	var b strings.Builder
	b.WriteString("| case | what the SDK does | how to match it |\n|---|---|---|\n")
	for _, e := range loadCatalogue(t) {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", e.Name, e.Doc, matchDoc(e))
	}
	want := b.String()
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(readme)
	i, j := strings.Index(s, start), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the %q ... %q markers", start, end)
	}
	if got := s[i+len(start) : j]; got != want {
		if !*update {
			t.Fatalf("README failure-modes table is stale; run go test -run TestReadmeFailureModes -update\nwant:\n%s", want)
		}
		s = s[:i+len(start)] + want + s[j:]
		if err := os.WriteFile("README.md", []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func matchDoc(e entry) string {
	switch e.Want {
	case "ok":
		return "no error"
	case "escaped":
		return "no error; 404 if no such card"
	case "config":
		return "`NewClient` error"
	case "transport":
		return "error wrapping the `net/http` (`*url.Error`) or `io` error"
	case "APIError":
		return fmt.Sprintf("`*solid.APIError`, `StatusCode` %d", e.Status)
	case "DeadlineExceeded":
		return "`errors.Is(err, context.DeadlineExceeded)`"
	}
	return "`errors.Is(err, solid." + e.Want + ")`"
}
