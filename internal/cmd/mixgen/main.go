// Command mixgen writes the mixed workload of scripts/bench-mock.sh (MIX=1)
// from openapi.yaml: one entry per operation, every tag, reads and writes,
// for internal/cmd/loadgen -mix.
//
//	go run ./internal/cmd/mixgen [-spec openapi.yaml] [-o testdata/bench/mix.json]
//
// Each entry is read from the spec, never written per operation:
//
//   - path: the operation's path with each path parameter set to the id
//     the mock seeds for it (the "id" of the documented 200 example of the
//     GET on the item path ending in that parameter), else to the
//     parameter's documented example;
//   - query: the required query parameters, at their documented examples;
//   - body: the first (by name) documented request example, else the
//     request schema's example; none for an operation without a body;
//   - declared: the statuses the operation declares, so loadgen can tell
//     an allowed non-2xx answer (reported) from an undeclared one (failed);
//   - weight 1.
//
// Callbacks: a body field a callback of the operation is sent to (the
// spec's "{$request.body#/url}" of createWebhook: the webhook's url) is
// set to the placeholder @CALLBACK_URL@, which loadgen replaces with its
// -callback URL, a loopback one. A mock that delivers callbacks (Prism
// does) then delivers them on this machine, never to the documented
// example's host.
//
// Setup: the mix's "setup" holds the entry with a callback
// (createWebhook) with its body's enum-array fields set to the whole enum
// (events: every event type the spec lists); loadgen -setup sends it once
// before the load, so every change a stateful mock makes is delivered.
//
// Deletes, for the mix to stay repeatable against a stateful mock: a
// DELETE on a resource the mock keeps deletes what the same loadgen
// worker's last create of that collection (the POST on the path without
// its last parameter) made: the entry's from names that create, and
// loadgen puts the id of its answer in place of from_id, once. So what a
// worker creates it also deletes, and the mock's state (its webhooks, each
// sent every event it subscribes to) stays the same size however long the
// run. Until the worker has such an id, the path names an id nobody
// stores (the seed's id with its hex tail zeroed): deleting the seed would
// make every later read of it 404 for the rest of the run; the mock
// answers that with the 404 the operation declares, a stateless mock
// (Prism) with its 2xx. The entry's note says so.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Mix is the file loadgen -mix reads.
type Mix struct {
	Comment string  `json:"comment"`
	Entries []Entry `json:"entries"`
	// Setup is sent once before a load by loadgen -setup: the entry with
	// a callback (createWebhook) subscribed to every event type the spec
	// lists, so every change a stateful mock makes is delivered.
	Setup []Entry `json:"setup,omitempty"`
}

// Entry is one request of the mix.
type Entry struct {
	Tag       string          `json:"tag"`
	Operation string          `json:"operation"`
	Method    string          `json:"method"`
	Path      string          `json:"path"` // with the query, if any
	Body      json.RawMessage `json:"body,omitempty"`
	Weight    int             `json:"weight"`
	Declared  []int           `json:"declared"`
	// Callback names the body fields set to CallbackURL.
	Callback []string `json:"callback,omitempty"`
	// From is the create whose answer's id loadgen puts in place of
	// FromID in Path (see the package doc).
	From   string `json:"from,omitempty"`
	FromID string `json:"from_id,omitempty"`
	Note   string `json:"note,omitempty"`
}

// CallbackURL stands for the URL a callback is sent to; loadgen replaces
// it with its -callback URL.
const CallbackURL = "@CALLBACK_URL@"

func main() {
	spec := flag.String("spec", "openapi.yaml", "the OpenAPI document")
	out := flag.String("o", "testdata/bench/mix.json", "where to write the mix (- for stdout)")
	flag.Parse()
	b, err := generate(*spec)
	if err != nil {
		fmt.Fprintf(os.Stderr, "mixgen: %v\n", err)
		os.Exit(1)
	}
	if *out == "-" {
		os.Stdout.Write(b)
		return
	}
	if err := os.WriteFile(*out, b, 0o644); err != nil {
		fmt.Fprintf(os.Stderr, "mixgen: %v\n", err)
		os.Exit(1)
	}
}

// generate reads the spec at path and returns the mix as indented JSON.
func generate(path string) ([]byte, error) {
	doc, err := openapi3.NewLoader().LoadFromFile(path)
	if err != nil {
		return nil, err
	}
	m, err := build(doc)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

var hexTail = regexp.MustCompile(`[0-9a-f]{32}$`)

// build makes the mix of doc: entries by tag (in the order the document
// lists its tags), then by path and method.
func build(doc *openapi3.T) (*Mix, error) {
	paths := doc.Paths.Map()
	// The ids the mock seeds: the documented example of each item GET.
	seeds := map[string]string{}
	for p, item := range paths {
		if item.Get == nil || !strings.HasSuffix(p, "}") {
			continue
		}
		param := p[strings.LastIndex(p, "{")+1 : len(p)-1]
		if obj, ok := example2xx(item.Get).(map[string]any); ok {
			if id, ok := obj["id"].(string); ok && id != "" {
				seeds[param] = id
			}
		}
	}
	tagOrder := map[string]int{}
	for i, t := range doc.Tags {
		tagOrder[t.Name] = i
	}
	var entries []Entry
	for p, item := range paths {
		for method, op := range item.Operations() {
			if len(op.Tags) == 0 {
				return nil, fmt.Errorf("%s: no tag", op.OperationID)
			}
			e := Entry{Tag: op.Tags[0], Operation: op.OperationID, Method: method, Weight: 1}
			params := map[string]*openapi3.Parameter{}
			for _, ps := range []openapi3.Parameters{item.Parameters, op.Parameters} {
				for _, pr := range ps {
					if pr.Value != nil {
						params[pr.Value.In+"\x00"+pr.Value.Name] = pr.Value
					}
				}
			}
			path := p
			for _, name := range pathParams(p) {
				pr := params["path\x00"+name]
				id, seeded := seeds[name]
				if !seeded && pr != nil {
					id = fmt.Sprint(exampleOf(pr))
				}
				if id == "" || id == "<nil>" {
					return nil, fmt.Errorf("%s: no id for {%s}", op.OperationID, name)
				}
				if method == http.MethodDelete && seeded && name == pathParams(p)[len(pathParams(p))-1] {
					id = hexTail.ReplaceAllString(id, strings.Repeat("0", 32))
					e.Note = "an id nobody stores: deleting the seed would make its later reads 404; the mock answers the declared 404, a stateless mock its 2xx"
					coll := strings.TrimSuffix(p, "/{"+name+"}")
					if c := paths[coll]; c != nil && c.Post != nil {
						e.From, e.FromID = c.Post.OperationID, id
						e.Note = "deletes what the same worker's last " + e.From + " made (loadgen takes the id from its answer), once; before that, " + e.Note
					}
				}
				path = strings.Replace(path, "{"+name+"}", url.PathEscape(id), 1)
			}
			var q []string
			for _, pr := range params {
				if pr.In == "query" && pr.Required {
					q = append(q, url.QueryEscape(pr.Name)+"="+url.QueryEscape(fmt.Sprint(exampleOf(pr))))
				}
			}
			sort.Strings(q)
			if len(q) > 0 {
				path += "?" + strings.Join(q, "&")
			}
			e.Path = path
			if rb := op.RequestBody; rb != nil && rb.Value != nil {
				if mt := rb.Value.Content.Get("application/json"); mt != nil {
					v := mt.Example
					if v == nil {
						v = firstExample(mt.Examples)
					}
					if v == nil && mt.Schema != nil && mt.Schema.Value != nil {
						v = mt.Schema.Value.Example
					}
					if v == nil && rb.Value.Required {
						return nil, fmt.Errorf("%s: a required body with no documented example", op.OperationID)
					}
					if v != nil {
						v = clone(v)
						for _, cb := range op.Callbacks {
							if cb == nil || cb.Value == nil {
								continue
							}
							for expr := range cb.Value.Map() {
								ptr, ok := strings.CutPrefix(expr, "{$request.body#")
								if !ok || !strings.HasSuffix(ptr, "}") {
									continue
								}
								ptr = strings.TrimSuffix(ptr, "}")
								if !setPointer(v, ptr, CallbackURL) {
									return nil, fmt.Errorf("%s: callback %s: the example has no %s", op.OperationID, expr, ptr)
								}
								e.Callback = append(e.Callback, ptr)
							}
						}
						sort.Strings(e.Callback)
						b, err := json.Marshal(v)
						if err != nil {
							return nil, fmt.Errorf("%s: %v", op.OperationID, err)
						}
						e.Body = b
					}
				}
			}
			for code := range op.Responses.Map() {
				if n, err := strconv.Atoi(code); err == nil {
					e.Declared = append(e.Declared, n)
				}
			}
			sort.Ints(e.Declared)
			entries = append(entries, e)
		}
	}
	sort.Slice(entries, func(i, j int) bool {
		a, b := entries[i], entries[j]
		if tagOrder[a.Tag] != tagOrder[b.Tag] {
			return tagOrder[a.Tag] < tagOrder[b.Tag]
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Method < b.Method
	})
	setup, err := subscribeAll(doc, entries)
	if err != nil {
		return nil, err
	}
	return &Mix{
		Comment: "Generated by `go run ./internal/cmd/mixgen` from openapi.yaml: every operation once, by tag. Do not edit; regenerate.",
		Entries: entries,
		Setup:   setup,
	}, nil
}

// subscribeAll returns the setup: each entry with a callback, its body's
// array fields whose items are an enum (createWebhook's events) set to
// the whole enum.
func subscribeAll(doc *openapi3.T, entries []Entry) ([]Entry, error) {
	var out []Entry
	for _, e := range entries {
		if len(e.Callback) == 0 {
			continue
		}
		var op *openapi3.Operation
		if item := doc.Paths.Find(strings.SplitN(e.Path, "?", 2)[0]); item != nil {
			op = item.GetOperation(e.Method)
		}
		if op == nil || op.RequestBody == nil {
			return nil, fmt.Errorf("%s: cannot find its operation at %s", e.Operation, e.Path)
		}
		mt := op.RequestBody.Value.Content.Get("application/json")
		if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
			continue
		}
		var body map[string]any
		if err := json.Unmarshal(e.Body, &body); err != nil {
			return nil, fmt.Errorf("%s: %v", e.Operation, err)
		}
		set := false
		for name, p := range mt.Schema.Value.Properties {
			if p.Value == nil || !p.Value.Type.Is("array") || p.Value.Items == nil || p.Value.Items.Value == nil || len(p.Value.Items.Value.Enum) == 0 {
				continue
			}
			body[name] = p.Value.Items.Value.Enum
			set = true
		}
		if !set {
			continue
		}
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		e.Body, e.Weight = b, 1
		e.Note = "sent once before the load (loadgen -setup): subscribed to every event type"
		out = append(out, e)
	}
	return out, nil
}

// example2xx is the documented example of op's lowest 2xx answer.
func example2xx(op *openapi3.Operation) any {
	var codes []int
	for code := range op.Responses.Map() {
		if n, err := strconv.Atoi(code); err == nil && n >= 200 && n <= 299 {
			codes = append(codes, n)
		}
	}
	if len(codes) == 0 {
		return nil
	}
	sort.Ints(codes)
	r := op.Responses.Value(strconv.Itoa(codes[0]))
	if r == nil || r.Value == nil {
		return nil
	}
	mt := r.Value.Content.Get("application/json")
	if mt == nil {
		return nil
	}
	if mt.Example != nil {
		return mt.Example
	}
	return firstExample(mt.Examples)
}

// firstExample is the value of the first example by name, or nil.
func firstExample(examples openapi3.Examples) any {
	names := make([]string, 0, len(examples))
	for n := range examples {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if e := examples[n]; e != nil && e.Value != nil {
			return e.Value.Value
		}
	}
	return nil
}

// exampleOf is a parameter's documented example, or its schema's.
func exampleOf(p *openapi3.Parameter) any {
	if p.Example != nil {
		return p.Example
	}
	if v := firstExample(p.Examples); v != nil {
		return v
	}
	if p.Schema != nil && p.Schema.Value != nil {
		if p.Schema.Value.Example != nil {
			return p.Schema.Value.Example
		}
		if len(p.Schema.Value.Enum) > 0 {
			return p.Schema.Value.Enum[0]
		}
	}
	return nil
}

// setPointer sets the string at JSON pointer ptr ("/a/b") in v, which
// must exist, and reports whether it did.
func setPointer(v any, ptr, to string) bool {
	parts := strings.Split(strings.TrimPrefix(ptr, "/"), "/")
	for i, p := range parts {
		p = strings.ReplaceAll(strings.ReplaceAll(p, "~1", "/"), "~0", "~")
		m, ok := v.(map[string]any)
		if !ok {
			return false
		}
		if i == len(parts)-1 {
			if _, ok := m[p].(string); !ok {
				return false
			}
			m[p] = to
			return true
		}
		v = m[p]
	}
	return false
}

// clone deep-copies a decoded JSON value.
func clone(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, x := range v {
			m[k] = clone(x)
		}
		return m
	case []any:
		s := make([]any, len(v))
		for i, x := range v {
			s[i] = clone(x)
		}
		return s
	}
	return v
}

func pathParams(path string) []string {
	var out []string
	for _, seg := range strings.Split(path, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			out = append(out, seg[1:len(seg)-1])
		}
	}
	return out
}
