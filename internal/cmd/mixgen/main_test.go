package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/solidsdk/solid-go/solidtest"
)

const (
	spec    = "../../../openapi.yaml"
	mixFile = "../../../testdata/bench/mix.json"
)

// The committed mix is what the generator makes from the spec today.
func TestMixUpToDate(t *testing.T) {
	want, err := generate(spec)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(mixFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("testdata/bench/mix.json is stale: run go run ./internal/cmd/mixgen")
	}
}

func readMix(t *testing.T) Mix {
	t.Helper()
	b, err := os.ReadFile(mixFile)
	if err != nil {
		t.Fatal(err)
	}
	var m Mix
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// Every operation and every tag of the spec is in the mix, once, and
// every tag has a read or a write as the spec has.
func TestMixCoversSpec(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromFile(spec)
	if err != nil {
		t.Fatal(err)
	}
	m := readMix(t)
	seen := map[string]int{}
	for _, e := range m.Entries {
		seen[e.Operation]++
		if e.Weight < 1 {
			t.Errorf("%s: weight %d", e.Operation, e.Weight)
		}
	}
	ops := 0
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			ops++
			if seen[op.OperationID] != 1 {
				t.Errorf("%s: %d entries, want 1", op.OperationID, seen[op.OperationID])
			}
		}
	}
	if len(m.Entries) != ops {
		t.Errorf("%d entries, %d operations", len(m.Entries), ops)
	}
	for _, tag := range doc.Tags {
		if !slices.ContainsFunc(m.Entries, func(e Entry) bool { return e.Tag == tag.Name }) {
			t.Errorf("tag %q: no entry", tag.Name)
		}
	}
}

// The callback of createWebhook is sent to loopback, never to the
// example's host.
func TestMixCallback(t *testing.T) {
	n := 0
	for _, e := range readMix(t).Entries {
		if bytes.Contains(e.Body, []byte("test-url.com")) {
			t.Errorf("%s: the example's callback host is still in the body", e.Operation)
		}
		if len(e.Callback) > 0 {
			n++
			if !bytes.Contains(e.Body, []byte(`"`+CallbackURL+`"`)) {
				t.Errorf("%s: no %s in %s", e.Operation, CallbackURL, e.Body)
			}
		}
	}
	if n == 0 {
		t.Error("no entry with a callback; the spec declares one on createWebhook")
	}
}

// The mock answers every entry 2xx when, as loadgen does, each delete
// takes the id its create made (from), and the deletes of an id nobody
// stores their declared 404; and again on a second round, since the mix
// must be repeatable against a stateful mock.
func TestMixAgainstMock(t *testing.T) {
	h := solidtest.NewHandler()
	m := readMix(t)
	posts := map[string]bool{}
	for _, e := range m.Entries {
		posts[e.Operation] = e.Method == http.MethodPost
	}
	deletes := 0
	for _, e := range m.Entries {
		if e.From != "" {
			deletes++
			if !posts[e.From] || !strings.Contains(e.Path, e.FromID) {
				t.Errorf("%s: from %q is not a create of the mix, or from_id %q not in %s", e.Operation, e.From, e.FromID, e.Path)
			}
		}
	}
	if deletes == 0 {
		t.Error("no delete takes its create's id")
	}
	send := func(e Entry, path string) (int, []byte) {
		var body *bytes.Reader
		if e.Body != nil {
			body = bytes.NewReader(bytes.ReplaceAll(e.Body, []byte(CallbackURL), []byte("http://127.0.0.1:9/webhook")))
		} else {
			body = bytes.NewReader(nil)
		}
		r := httptest.NewRequest(e.Method, path, body)
		r.Header.Set("api-key", solidtest.DefaultAPIKey)
		if e.Body != nil {
			r.Header.Set("Content-Type", "application/json")
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code, w.Body.Bytes()
	}
	for round := range 2 {
		made := map[string]string{}
		for _, e := range m.Entries {
			path := e.Path
			if id := made[e.From]; id != "" {
				path = strings.Replace(path, e.FromID, id, 1)
			}
			code, body := send(e, path)
			if code/100 == 2 {
				var v struct{ ID string }
				json.Unmarshal(body, &v)
				made[e.Operation] = v.ID
			}
			if code/100 != 2 || !slices.Contains(e.Declared, code) {
				t.Errorf("round %d: %s %s %s: %d %s", round, e.Operation, e.Method, path, code, body)
			}
			if e.From != "" {
				// Sent as written: an id nobody stores.
				if code, body := send(e, e.Path); code != http.StatusNotFound {
					t.Errorf("round %d: %s %s as written: %d %s", round, e.Operation, e.Path, code, body)
				}
			}
		}
	}
}

// The setup is createWebhook subscribed to every event type the spec
// lists, and the mock takes it.
func TestMixSetup(t *testing.T) {
	m := readMix(t)
	if len(m.Setup) != 1 || m.Setup[0].Operation != "createWebhook" {
		t.Fatalf("setup %+v, want one createWebhook", m.Setup)
	}
	doc, err := openapi3.NewLoader().LoadFromFile(spec)
	if err != nil {
		t.Fatal(err)
	}
	var body struct{ Events []string }
	if err := json.Unmarshal(m.Setup[0].Body, &body); err != nil {
		t.Fatal(err)
	}
	all := doc.Components.Schemas["WebhookEventType"].Value.Enum
	if len(body.Events) != len(all) || len(all) < 70 {
		t.Errorf("setup subscribes to %d event types, the spec lists %d", len(body.Events), len(all))
	}
	h := solidtest.NewHandler()
	r := httptest.NewRequest(http.MethodPost, m.Setup[0].Path, bytes.NewReader(bytes.ReplaceAll(m.Setup[0].Body, []byte(CallbackURL), []byte("http://127.0.0.1:9/webhook"))))
	r.Header.Set("api-key", solidtest.DefaultAPIKey)
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusCreated {
		t.Errorf("setup against the mock: %d %s", w.Code, w.Body.String())
	}
}
