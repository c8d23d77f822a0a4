package solid_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestDataFlow enforces the one-way data flow the README's Architecture
// section describes: openapi.yaml -> gen -> the client -> cmd/solid;
// solidtest reads the spec (internal/spec) but never imports the client,
// the client never imports solidtest, and the types gen refers to (secret,
// flex) import nothing of the SDK.
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
		{pkg: "./gen", forbidden: []string{root, root + "/internal/ops"}},
		{pkg: "./secret", forbidden: []string{root, root + "/gen"}},
		{pkg: "./flex", forbidden: []string{root, root + "/gen"}},
		// Webhook receivers verify events without the client.
		{pkg: "./webhook", forbidden: []string{root, root + "/solidtest"}},
		{pkg: "./internal/spec", forbidden: []string{root, root + "/gen"}},
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
