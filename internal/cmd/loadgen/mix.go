package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
)

// mixEntry is one request of a mix file (internal/cmd/mixgen writes one
// from openapi.yaml: testdata/bench/mix.json). Fields loadgen does not use
// (tag, note) are ignored.
type mixEntry struct {
	Operation string          `json:"operation"`
	Method    string          `json:"method"`
	Path      string          `json:"path"` // with its query, if any
	Body      json.RawMessage `json:"body"`
	Weight    int             `json:"weight"`
	// Declared are the statuses the operation declares: an answer with
	// another one counts in Undeclared, and fails the run.
	Declared []int `json:"declared"`
	// From names an operation (a create) whose answer's id this entry
	// takes in place of FromID in its path: a delete deletes what the
	// same worker made, once. Until the worker has such an id, or once
	// it is used, the path is sent as written.
	From   string `json:"from,omitempty"`
	FromID string `json:"from_id,omitempty"`
}

// mixFile is the file -mix reads.
type mixFile struct {
	Entries []mixEntry `json:"entries"`
	// Setup is sent once, in order, before the load, with -setup.
	Setup []mixEntry `json:"setup"`
}

// callbackURL is the placeholder a mix puts where a callback is sent to
// (createWebhook's url); -callback replaces it.
const callbackURL = "@CALLBACK_URL@"

// readMix reads a mix file and expands it by weight into the sequence
// each worker cycles through, with callback, a loopback URL, for the
// placeholder @CALLBACK_URL@ in bodies (required when one has it). It
// returns the file's setup entries too, made ready the same way.
func readMix(name, callback string) (seq, setup []mixEntry, err error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, nil, err
	}
	var m mixFile
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&m); err != nil {
		return nil, nil, fmt.Errorf("%s: %v", name, err)
	}
	ready := func(what string, i int, e mixEntry) (mixEntry, error) {
		if e.Method == "" || !strings.HasPrefix(e.Path, "/") {
			return e, fmt.Errorf("%s: %s %d (%s): want a method and a path starting with /", name, what, i, e.Operation)
		}
		if e.Weight < 0 {
			return e, fmt.Errorf("%s: %s %d (%s): negative weight", name, what, i, e.Operation)
		}
		if (e.From == "") != (e.FromID == "") || (e.FromID != "" && !strings.Contains(e.Path, e.FromID)) {
			return e, fmt.Errorf("%s: %s %d (%s): from and from_id go together, and the path must hold from_id", name, what, i, e.Operation)
		}
		if string(e.Body) == "null" {
			e.Body = nil
		}
		if bytes.Contains(e.Body, []byte(callbackURL)) {
			if callback == "" {
				return e, fmt.Errorf("%s: %s sends a callback: give -callback a loopback URL for it", name, e.Operation)
			}
			cb, _ := json.Marshal(callback)
			e.Body = bytes.ReplaceAll(e.Body, []byte(`"`+callbackURL+`"`), cb)
		}
		return e, nil
	}
	for i, e := range m.Entries {
		if e, err = ready("entry", i, e); err != nil {
			return nil, nil, err
		}
		for range e.Weight {
			seq = append(seq, e)
		}
	}
	if len(seq) == 0 {
		return nil, nil, fmt.Errorf("%s: no entries with a weight", name)
	}
	for i, e := range m.Setup {
		if e, err = ready("setup entry", i, e); err != nil {
			return nil, nil, err
		}
		setup = append(setup, e)
	}
	return seq, setup, nil
}

// runSetup sends each setup entry once, in order, against cfg's base: an
// answer that is not 2xx is an error, unless anyStatus.
func runSetup(cfg config, setup []mixEntry, anyStatus bool) error {
	target, _, err := cfg.target()
	if err != nil {
		return err
	}
	hc := newClient(1, cfg.timeout)
	defer hc.CloseIdleConnections()
	s := newSender(cfg.client, target, cfg.headers, hc, cfg.timeout)
	defer s.close()
	for _, e := range setup {
		status, answer, err := s.send(e.Method, e.Path, e.Body, true)
		if err != nil {
			return fmt.Errorf("setup %s: %v", e.Operation, err)
		}
		if (status < 200 || status > 299) && !anyStatus {
			return fmt.Errorf("setup %s: %d %.200s", e.Operation, status, answer)
		}
	}
	return nil
}

// checkMix checks that every entry of seq makes a URL against base.
func checkMix(base string, seq []mixEntry) error {
	for _, e := range seq {
		if _, err := http.NewRequest(e.Method, base+e.Path, nil); err != nil {
			return fmt.Errorf("%s: %v", e.Operation, err)
		}
	}
	return nil
}

// takenFrom returns the operations of seq whose answers' ids an entry
// takes (From).
func takenFrom(seq []mixEntry) map[string]bool {
	out := map[string]bool{}
	for _, e := range seq {
		if e.From != "" {
			out[e.From] = true
		}
	}
	return out
}

// answerID returns the top-level "id" of a JSON answer, "" when it has none.
func answerID(answer []byte) string {
	var v struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(answer, &v) != nil {
		return ""
	}
	return v.ID
}

// setBody gives req a fresh reader over body (nil: none).
func setBody(req *http.Request, body []byte) {
	if body == nil {
		return
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	req.ContentLength = int64(len(body))
}

// opStatus is the key of Result.ByStatus: "operation status".
func opStatus(op string, status int) string { return op + " " + strconv.Itoa(status) }

// declared reports whether e declares status (an entry without a list
// declares everything).
func (e *mixEntry) declared(status int) bool {
	return len(e.Declared) == 0 || slices.Contains(e.Declared, status)
}
