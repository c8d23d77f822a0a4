// Command mocksession runs a scripted session against `solid mock` through
// a checking proxy (make check-mock puts Stoplight Prism in proxy mode with
// --errors in front of the mock): every operation of openapi.yaml, its
// error answers included, and the answers that must stay inside the spec:
// reused idempotency keys (the same path replays, marked; another path
// gets a declared 409), unknown body fields, out-of-range limits and
// Prefer: code=429. It exits 1 when an answer's status or a header is not
// the one expected, which is also how Prism's --errors shows a violation
// (422 for a request, 500 for a response). Faults come from the mock's
// control API, which it reads at the end.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

const (
	key    = "sk_test_solidtest_4f1c2b7e9a0d4c6e8b3a5d7f9e1c3b5a"
	card   = "/v2/issuing/card/crd_7948d9a96706dd05360a340002de725f"
	holder = "/v2/issuing/card_holder/cah_a120a61f60dfd40fdb07b2e8bcd1f6f0"
)

type step struct {
	method, path, body string
	header             map[string]string
	fault              string // a fault to queue on the mock first (control API JSON)
	status             int
	want               map[string]string // answer headers expected
	// invalid: the request breaks openapi.yaml on purpose. Prism with
	// --errors answers such a request itself (422) and never forwards it,
	// so it goes through the lenient proxy (Prism without --errors), which
	// forwards it and still checks the answer: any response violation
	// fails the step.
	invalid bool
}

var (
	replayed = map[string]string{"Idempotent-Replayed": "true"}
	session1 = map[string]string{"idempotency-key": "session-1"}
	session2 = map[string]string{"idempotency-key": "session-2"}
)

var session = []step{
	{method: "GET", path: card, status: 200},
	{method: "GET", path: "/v2/issuing/card/crd_unknown", status: 404},
	{method: "GET", path: card, header: map[string]string{"api-key": "sk_test_wrong"}, status: 401},
	{method: "PATCH", path: card, body: `{"label":"Travel Expense Card","controls":{"atm_enabled":"false"},"metadata":{"description":""}}`, status: 200},
	{method: "PATCH", path: card, body: `{"label":"x"}`, header: map[string]string{"Prefer": "code=400"}, status: 400},
	{method: "PATCH", path: card, body: `{"label":"x"}`, fault: `{"status":409,"operation":"updateCard"}`, status: 409},
	{method: "PATCH", path: "/v2/issuing/card/crd_unknown", body: `{"label":"x"}`, status: 404},
	{method: "GET", path: "/v2/issuing/card?limit=1", status: 200},
	{method: "GET", path: "/v2/issuing/card?limit=1&starting_after=crd_7948d9a96706dd05360a340002de725f", status: 200},
	{method: "GET", path: "/v2/issuing/card", fault: `{"status":429,"retry_after":"1"}`, status: 429},
	{method: "POST", path: card + "/set_pin_token", header: session1, status: 200},
	{method: "POST", path: card + "/set_pin_token", header: session1, status: 200, want: replayed},
	// A key reused on another path: replaying would send a PIN token as
	// the answer; the mock sends the declared 409 instead.
	{method: "POST", path: card + "/show_token", header: session1, status: 409},
	{method: "PATCH", path: holder, body: `{"purpose":"x"}`, header: session1, status: 409},
	// Same path, another body: Solid's documented cached answer, marked.
	{method: "PATCH", path: card, body: `{"label":"one"}`, header: session2, status: 200},
	{method: "PATCH", path: card, body: `{"label":"two"}`, header: session2, status: 200, want: replayed},
	// Fields the request schema does not declare are refused, not stored.
	{method: "PATCH", path: card, body: `{"labelz":"x"}`, status: 400},
	{method: "PATCH", path: card, body: `{"controls":{"limitz":{}}}`, status: 400},
	{method: "PATCH", path: holder, body: `{"person":{"first_namez":"x"}}`, status: 400},
	{method: "GET", path: card, status: 200},
	// Limits out of range: the 400 the lists declare.
	{method: "GET", path: "/v2/issuing/card?limit=0", status: 400, invalid: true},
	{method: "GET", path: "/v2/issuing/card?limit=500", status: 400, invalid: true},
	{method: "GET", path: "/v2/issuing/card_holder?limit=0", status: 400, invalid: true},
	{method: "GET", path: "/v2/issuing/card_holder?limit=500", status: 400, invalid: true},
	// Prefer an answer declared without a body: the envelope.
	{method: "GET", path: card, header: map[string]string{"Prefer": "code=429"}, status: 429},
	{method: "PATCH", path: card, body: `{"label":"x"}`, header: map[string]string{"Prefer": "code=429"}, status: 429},
	{method: "POST", path: "/v2/issuing/card/crd_unknown/set_pin_token", status: 404},
	{method: "POST", path: card + "/show_token", status: 200},
	{method: "POST", path: card + "/show_token", fault: `{"status":409,"operation":"createShowToken"}`, status: 409},
	{method: "POST", path: "/v2/issuing/card/crd_unknown/show_token", status: 404},
	{method: "GET", path: holder, status: 200},
	{method: "GET", path: "/v2/issuing/card_holder/cah_unknown", status: 404},
	{method: "PATCH", path: holder, body: `{"person":{"first_name":"Johnson"}}`, status: 200},
	{method: "PATCH", path: holder, body: `{"purpose":"x"}`, header: map[string]string{"Prefer": "code=400"}, status: 400},
	{method: "PATCH", path: "/v2/issuing/card_holder/cah_unknown", body: `{"purpose":"x"}`, status: 404},
	{method: "GET", path: "/v2/issuing/card_holder?limit=5", status: 200},
	{method: "GET", path: "/v2/issuing/card_holder", header: map[string]string{"api-key": "sk_test_wrong"}, status: 401},
}

func main() {
	base := flag.String("base", "", "the checking proxy's URL")
	lenient := flag.String("lenient", "", "a checking proxy that forwards invalid requests (Prism without --errors), for the steps that send them")
	mock := flag.String("mock", "", "the mock's own URL, for its control API")
	flag.Parse()
	if *base == "" || *mock == "" || *lenient == "" {
		fmt.Fprintln(os.Stderr, "usage: mocksession -base PROXY_URL -lenient PROXY_URL -mock MOCK_URL")
		os.Exit(2)
	}
	hc := &http.Client{Timeout: 10 * time.Second}
	failed := 0
	for i, s := range session {
		if s.fault != "" {
			resp, err := hc.Post(*mock+"/_solidtest/faults", "application/json", strings.NewReader(s.fault))
			if err != nil || resp.StatusCode != http.StatusNoContent {
				fmt.Fprintf(os.Stderr, "step %d: queueing %s: %v %v\n", i+1, s.fault, resp, err)
				os.Exit(1)
			}
			resp.Body.Close()
		}
		var body io.Reader
		if s.body != "" {
			body = strings.NewReader(s.body)
		}
		url := *base
		if s.invalid {
			url = *lenient
		}
		req, err := http.NewRequest(s.method, url+s.path, body)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		req.Header.Set("api-key", key)
		if s.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		for k, v := range s.header {
			req.Header.Set(k, v)
		}
		resp, err := hc.Do(req)
		if err != nil {
			fmt.Fprintf(os.Stderr, "step %d: %s %s: %v\n", i+1, s.method, s.path, err)
			os.Exit(1)
		}
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		mark := "ok"
		if resp.StatusCode != s.status {
			mark = fmt.Sprintf("FAIL, want %d: %.300s", s.status, b)
			failed++
		}
		// Prism lists what it found in sl-violations: the request's own
		// violations are the point of an invalid step, the answer's never.
		if v := resp.Header.Get("sl-violations"); strings.Contains(v, `"response`) && mark == "ok" {
			mark = fmt.Sprintf("FAIL, Prism: %.300s", v)
			failed++
		}
		for k, v := range s.want {
			if got := resp.Header.Get(k); got != v && mark == "ok" {
				mark = fmt.Sprintf("FAIL, header %s %q, want %q", k, got, v)
				failed++
			}
		}
		fmt.Printf("%2d %-5s %-80s %d %s\n", i+1, s.method, s.path, resp.StatusCode, mark)
	}
	// The journal, read back: the two replays are marked.
	if n, err := replays(hc, *mock); err != nil || n != 2 {
		fmt.Fprintf(os.Stderr, "mocksession: GET /_solidtest/requests: %d replayed, want 2 (%v)\n", n, err)
		failed++
	}
	if failed > 0 {
		fmt.Fprintf(os.Stderr, "mocksession: %d of %d steps failed\n", failed, len(session))
		os.Exit(1)
	}
	fmt.Printf("mocksession: %d steps, every answer as expected\n", len(session))
}

// replays counts the replayed requests in the mock's journal.
func replays(hc *http.Client, mock string) (int, error) {
	resp, err := hc.Get(mock + "/_solidtest/requests")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("status %d", resp.StatusCode)
	}
	var reqs []struct {
		Replayed bool `json:"replayed"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&reqs); err != nil {
		return 0, err
	}
	n := 0
	for _, r := range reqs {
		if r.Replayed {
			n++
		}
	}
	return n, nil
}
