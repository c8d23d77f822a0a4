package solid_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestDataFlow enforces DESIGN.md's one-way data flow: openapi.yaml -> gen
// -> the client -> cmd/solid; solidtest reads the spec but never imports
// the client, and the client never imports solidtest.
func TestDataFlow(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	const root = "github.com/solidsdk/solid-go"
	tests := []struct {
		pkg       string
		forbidden []string
	}{
		{pkg: "./solidtest", forbidden: []string{root}},
		{pkg: "./internal/specval", forbidden: []string{root}},
		{pkg: ".", forbidden: []string{root + "/solidtest", root + "/internal/specval", "github.com/getkin/kin-openapi/openapi3"}},
		{pkg: "./gen", forbidden: []string{root}},
	}
	for _, tt := range tests {
		out, err := exec.Command("go", "list", "-deps", tt.pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", tt.pkg, err)
		}
		deps := strings.Fields(string(out))
		for _, f := range tt.forbidden {
			if slices.Contains(deps, f) {
				t.Errorf("%s imports %s", tt.pkg, f)
			}
		}
	}
}
