package fidelity

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// A small spec of our own, to show the check finds each kind of missing fact
// and resolves $ref, allOf and oneOf on our side.
const smallSpec = `
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /v2/things/{thing_id}:
    parameters:
      - {name: thing_id, in: path, required: true, schema: {type: string}}
    patch:
      operationId: updateThing
      parameters:
        - {name: limit, in: query, schema: {type: integer}}
        - {name: order, in: query, schema: {type: string, enum: [asc]}}
        - {name: owner, in: query, schema: {type: string}}
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/components/schemas/ThingUpdate"}
            examples:
              update_a_thing: {value: {label: New}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Thing"}
              examples:
                thing_example: {$ref: "#/components/examples/thing_example"}
components:
  examples:
    thing_example: {value: {id: thg_1, status: open, extra: 1}}
  schemas:
    ThingUpdate:
      type: object
      properties:
        label: {type: string}
    Base:
      type: object
      properties:
        id: {type: string}
    Thing:
      allOf:
        - $ref: "#/components/schemas/Base"
        - type: object
          properties:
            status: {type: string, enum: [open]}
            has_more:
              oneOf: [{type: string}, {type: boolean}]
            parts:
              type: array
              items: {$ref: "#/components/schemas/Base"}
`

const smallFacts = `{
  "operation_id": "updateThing", "method": "PATCH", "path": "/v2/things/{thing_id}",
  "page": "https://docs.solidfi.com/v2/api-reference/things/update-a-thing", "source": "mintlify",
  "parameters": [
    {"name":"thing_id","in":"path","required":true,"type":"string"},
    {"name":"limit","in":"query","type":"number"},
    {"name":"order","in":"query","type":"string","enum":["asc","desc"]},
    {"name":"owner","in":"query","required":true,"type":"string"},
    {"name":"since","in":"query","type":"string"}
  ],
  "request": {"content_type": "application/json", "fields": [
    {"path":"label","type":"string","required":true},
    {"path":"note","type":"string"}
  ]},
  "responses": [
    {"status":"200","content_type":"application/json","fields":[
      {"path":"id","type":"string"},
      {"path":"status","type":"string","enum":["open","closed"]},
      {"path":"has_more","type":"boolean"},
      {"path":"parts[].id","type":"string"},
      {"path":"parts[].name","type":"string"},
      {"path":"count","type":"number"}
    ]},
    {"status":"404","content_type":"application/json","fields":[]}
  ],
  "examples": [
    {"in":"200","name":"thing_example","value":{"id":"thg_1","status":"open"}},
    {"in":"request","name":"Update a Thing","value":{"label":"New"}}
  ]
}`

func TestCheckFindsEachKindOfGap(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData([]byte(smallSpec))
	if err != nil {
		t.Fatal(err)
	}
	var f factOp
	if err := json.Unmarshal([]byte(smallFacts), &f); err != nil {
		t.Fatal(err)
	}
	misses := compare(f, specOps(doc)["updateThing"])
	var got []string
	for _, m := range misses {
		got = append(got, m.fact)
	}
	sort.Strings(got)
	want := []string{
		"updateThing example 200 thing_example value", // the spec's example adds `extra`
		"updateThing example request Update a Thing",  // under another name
		"updateThing parameter query limit type number",
		"updateThing parameter query order enum desc",
		"updateThing parameter query owner required",
		"updateThing parameter query since",
		"updateThing request field label required",
		"updateThing request field note",
		"updateThing response 200 field count",
		"updateThing response 200 field parts[].name",
		"updateThing response 200 field status enum closed",
		"updateThing status 404",
	}
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("misses:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// The rules excuse a miss only when what they say holds.
	byFact := map[string]miss{}
	for _, m := range misses {
		byFact[m.fact] = m
	}
	decide := func(rule, as string, facts ...string) decisions {
		d := &decision{ID: "d", Rule: rule, As: as, Facts: facts}
		for _, p := range facts {
			d.res = append(d.res, globRe(p))
		}
		return decisions{Decisions: []*decision{d}}
	}
	for _, tc := range []struct {
		name    string
		fact    string
		dec     decisions
		excused bool
	}{
		{"integer for number", "updateThing parameter query limit type number", decide(ruleIntegerForNumber, "", "* limit type number"), true},
		{"superset example", "updateThing example 200 thing_example value", decide(ruleExampleSuperset, "", "* thing_example value"), true},
		{"renamed, same value", "updateThing example request Update a Thing", decide(ruleRenamed, "update_a_thing", "updateThing example request *"), true},
		{"renamed, no such example", "updateThing example request Update a Thing", decide(ruleRenamed, "other", "updateThing example request *"), false},
		{"integer rule on an enum", "updateThing parameter query order enum desc", decide(ruleIntegerForNumber, "", "*"), false},
		{"superset rule on a missing field", "updateThing request field note", decide(ruleExampleSuperset, "", "*"), false},
		{"accept", "updateThing status 404", decide(ruleAccept, "", "updateThing status 404"), true},
		{"pattern that does not match", "updateThing status 404", decide(ruleAccept, "", "updateThing status 40"), false},
	} {
		m, ok := byFact[tc.fact]
		if !ok {
			t.Fatalf("%s: no miss %q", tc.name, tc.fact)
		}
		if got := excuse(m, tc.dec) != nil; got != tc.excused {
			t.Errorf("%s: excused = %v, want %v", tc.name, got, tc.excused)
		}
	}
}

// TestDecisionsFileIsStrict: decisions.yaml holds decisions only. A list of
// gaps to fix later (the `pending:` of issue 18) or a misspelt key is an
// error, not something quietly ignored.
func TestDecisionsFileIsStrict(t *testing.T) {
	const one = "decisions:\n  - {id: d, rule: accept, facts: [\"x status 404\"], reason: r}\n"
	if _, err := parseDecisions([]byte(one)); err != nil {
		t.Fatalf("a well-formed file: %v", err)
	}
	for name, in := range map[string]string{
		"a pending list":   one + "pending:\n  - {id: p, rule: accept, facts: [\"x status 400\"], note: later}\n",
		"a misspelt key":   one + "decision: []\n",
		"an unknown field": "decisions:\n  - {id: d, rule: accept, facts: [\"x status 404\"], reason: r, note: n}\n",
	} {
		if _, err := parseDecisions([]byte(in)); err == nil {
			t.Errorf("%s: accepted:\n%s", name, in)
		}
	}
}
