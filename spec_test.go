package solid_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	solid "github.com/solidsdk/solid-go"
	"github.com/solidsdk/solid-go/internal/specval"
)

// specFiles are the OpenAPI documents the repository keeps: the source of
// truth, the spec-evolution fixture (built from it, see evolvedSpec), and
// the spec as last released.
// Each has a name for subtests and the file to read.
func specFiles(t *testing.T) []struct{ name, file string } {
	return []struct{ name, file string }{
		{"openapi.yaml", "openapi.yaml"},
		{"spec-evolution fixture", evolvedSpecFile(t)},
		{"api/released.yaml", filepath.Join("api", "released.yaml")},
	}
}

func loadSpec(t *testing.T, name string) *openapi3.T {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	// specval.New validates the document, examples included.
	if _, err := specval.New(b); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(b)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return doc
}

// TestSpecExamples checks every example in each spec against its schema:
// media-type examples (request and response bodies), parameter examples,
// and the example of every component schema and of its properties. It
// repeats what kin-openapi's example validation does, so a change in that
// library cannot quietly turn the check off, and counts what it checked.
func TestSpecExamples(t *testing.T) {
	for _, f := range specFiles(t) {
		t.Run(f.name, func(t *testing.T) {
			doc := loadSpec(t, f.file)
			var c exampleChecker
			for path, item := range doc.Paths.Map() {
				for method, op := range item.Operations() {
					where := method + " " + path
					for _, p := range op.Parameters {
						c.parameter(where, p)
					}
					if op.RequestBody != nil && op.RequestBody.Value != nil {
						c.content(where+" request", op.RequestBody.Value.Content)
					}
					for status, r := range op.Responses.Map() {
						if r.Value != nil {
							c.content(where+" "+status, r.Value.Content)
						}
					}
				}
			}
			for n, p := range doc.Components.Parameters {
				c.parameter("components.parameters."+n, p)
			}
			for n, r := range doc.Components.Responses {
				c.content("components.responses."+n, r.Value.Content)
			}
			for n, rb := range doc.Components.RequestBodies {
				c.content("components.requestBodies."+n, rb.Value.Content)
			}
			for n, s := range doc.Components.Schemas {
				c.schema("components.schemas."+n, s.Value, 0)
			}
			for _, e := range c.errs {
				t.Error(e)
			}
			if c.checked < 10 {
				t.Errorf("checked only %d examples; the walk is missing some", c.checked)
			}
		})
	}
}

type exampleChecker struct {
	checked int
	errs    []error
}

func (c *exampleChecker) check(where string, s *openapi3.Schema, v any) {
	if s == nil || v == nil {
		return
	}
	c.checked++
	if err := s.VisitJSON(v); err != nil {
		c.errs = append(c.errs, fmt.Errorf("%s: example does not match its schema: %w", where, err))
	}
}

func (c *exampleChecker) parameter(where string, p *openapi3.ParameterRef) {
	if p == nil || p.Value == nil || p.Value.Schema == nil {
		return
	}
	c.check(where+" parameter "+p.Value.Name, p.Value.Schema.Value, p.Value.Example)
	for k, e := range p.Value.Examples {
		c.check(where+" parameter "+p.Value.Name+" example "+k, p.Value.Schema.Value, e.Value.Value)
	}
}

func (c *exampleChecker) content(where string, content openapi3.Content) {
	for mt, m := range content {
		if m.Schema == nil {
			continue
		}
		c.check(where+" "+mt, m.Schema.Value, m.Example)
		for k, e := range m.Examples {
			if e.Value == nil || e.Value.Value == nil {
				c.errs = append(c.errs, fmt.Errorf("%s %s example %s has no value", where, mt, k))
				continue
			}
			c.check(where+" "+mt+" example "+k, m.Schema.Value, e.Value.Value)
		}
	}
}

func (c *exampleChecker) schema(where string, s *openapi3.Schema, depth int) {
	if s == nil || depth > 8 {
		return
	}
	c.check(where, s, s.Example)
	for n, p := range s.Properties {
		c.schema(where+"."+n, p.Value, depth+1)
	}
	if s.Items != nil {
		c.schema(where+"[]", s.Items.Value, depth+1)
	}
}

// TestSpecServers checks that the environments' base URLs are the servers
// openapi.yaml lists, in order.
func TestSpecServers(t *testing.T) {
	doc := loadSpec(t, "openapi.yaml")
	var got []string
	for _, s := range doc.Servers {
		got = append(got, s.URL)
	}
	want := []string{solid.Sandbox.BaseURL(), solid.Production.BaseURL()}
	if !slices.Equal(got, want) {
		t.Errorf("openapi.yaml servers %q, want %q (solid.Sandbox, solid.Production)", got, want)
	}
}

// TestResponseFixtures checks that the fixtures named for a status
// (testdata/responses/NNN.json) match the schema openapi.yaml gives
// createSetPinToken's response with that status.
func TestResponseFixtures(t *testing.T) {
	doc := loadSpec(t, "openapi.yaml")
	op := doc.Paths.Find("/v2/issuing/card/{card_id}/set_pin_token").Post
	files, err := filepath.Glob(filepath.Join("testdata", "responses", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	statusFile := regexp.MustCompile(`^([0-9]{3})\.json$`)
	n := 0
	for _, f := range files {
		m := statusFile.FindStringSubmatch(filepath.Base(f))
		if m == nil {
			continue // a deliberately bad fixture, such as missing-token.json
		}
		n++
		t.Run(filepath.Base(f), func(t *testing.T) {
			r := op.Responses.Value(m[1])
			if r == nil || r.Value == nil {
				t.Fatalf("openapi.yaml declares no %s response for createSetPinToken", m[1])
			}
			mt := r.Value.Content.Get("application/json")
			if mt == nil || mt.Schema == nil {
				t.Fatalf("the %s response has no application/json schema", m[1])
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var v any
			if err := json.Unmarshal(b, &v); err != nil {
				t.Fatalf("not JSON: %v", err)
			}
			if err := mt.Schema.Value.VisitJSON(v); err != nil {
				t.Errorf("does not match the %s schema: %v", m[1], err)
			}
		})
	}
	for _, want := range []string{"200", "401", "404"} {
		if _, err := os.Stat(filepath.Join("testdata", "responses", want+".json")); err != nil {
			t.Errorf("fixture %s.json: %v", want, err)
		}
	}
	if n == 0 {
		t.Fatal("no status fixtures found")
	}
}

// TestSpecEvolutionFixtureInStep checks that the spec-evolution fixture is
// openapi.yaml plus additions: every operation and component of
// openapi.yaml is there unchanged, and the overlay adds paths. The fixture
// is built from openapi.yaml on each use (evolvedSpec), so this checks the
// merge, which must change nothing of the base.
func TestSpecEvolutionFixtureInStep(t *testing.T) {
	base := loadSpec(t, "openapi.yaml")
	evo := loadSpec(t, evolvedSpecFile(t))
	same := func(what string, a, b any) {
		t.Helper()
		ja, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		jb, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		if string(ja) != string(jb) {
			t.Errorf("%s differs between openapi.yaml and the spec-evolution fixture:\n%s\n%s", what, ja, jb)
		}
	}
	same("info", base.Info, evo.Info)
	same("servers", base.Servers, evo.Servers)
	same("security", base.Security, evo.Security)
	same("tags", base.Tags, evo.Tags)
	for path, item := range base.Paths.Map() {
		same("path "+path, item, evo.Paths.Value(path))
	}
	for n, s := range base.Components.Schemas {
		same("schema "+n, s, evo.Components.Schemas[n])
	}
	for n, r := range base.Components.Responses {
		same("response "+n, r, evo.Components.Responses[n])
	}
	for n, p := range base.Components.Parameters {
		same("parameter "+n, p, evo.Components.Parameters[n])
	}
	for n, e := range base.Components.Examples {
		same("example "+n, e, evo.Components.Examples[n])
	}
	same("security schemes", base.Components.SecuritySchemes, evo.Components.SecuritySchemes)
	if len(evo.Paths.Map()) <= len(base.Paths.Map()) {
		t.Error("the spec-evolution fixture adds no path")
	}
}
