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
}

// callbackURL is the placeholder a mix puts where a callback is sent to
// (createWebhook's url); -callback replaces it.
const callbackURL = "@CALLBACK_URL@"

// readMix reads a mix file and expands it by weight into the sequence
// each worker cycles through, with callback, a loopback URL, for the
// placeholder @CALLBACK_URL@ in bodies (required when one has it).
func readMix(name, callback string) ([]mixEntry, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var m mixFile
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	var seq []mixEntry
	for i, e := range m.Entries {
		if e.Method == "" || !strings.HasPrefix(e.Path, "/") {
			return nil, fmt.Errorf("%s: entry %d (%s): want a method and a path starting with /", name, i, e.Operation)
		}
		if e.Weight < 0 {
			return nil, fmt.Errorf("%s: entry %d (%s): negative weight", name, i, e.Operation)
		}
		if (e.From == "") != (e.FromID == "") || (e.FromID != "" && !strings.Contains(e.Path, e.FromID)) {
			return nil, fmt.Errorf("%s: entry %d (%s): from and from_id go together, and the path must hold from_id", name, i, e.Operation)
		}
		if string(e.Body) == "null" {
			e.Body = nil
		}
		if bytes.Contains(e.Body, []byte(callbackURL)) {
			if callback == "" {
				return nil, fmt.Errorf("%s: %s sends a callback: give -callback a loopback URL for it", name, e.Operation)
			}
			cb, _ := json.Marshal(callback)
			e.Body = bytes.ReplaceAll(e.Body, []byte(`"`+callbackURL+`"`), cb)
		}
		for range e.Weight {
			seq = append(seq, e)
		}
	}
	if len(seq) == 0 {
		return nil, fmt.Errorf("%s: no entries with a weight", name)
	}
	return seq, nil
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
