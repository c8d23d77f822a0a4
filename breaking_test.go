package solid_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestBreakingGate runs scripts/check-breaking.sh, the script behind
// `make check-breaking`, on edited copies of openapi.yaml: it must fail on
// a breaking change unless CHANGELOG.md's [Unreleased] section declares it,
// and pass additive changes. It builds oasdiff (tools/go.mod) on first use,
// so -short skips it.
func TestBreakingGate(t *testing.T) {
	if testing.Short() {
		t.Skip("runs oasdiff from tools/go.mod; skipped with -short")
	}
	spec := readString(t, "openapi.yaml")
	evolved := string(evolvedSpec(t))

	const (
		undeclared = "# Changelog\n\n## [Unreleased]\n\n### Added\n\n- Something additive.\n\n## [0.1.0] - 2026-11-27\n"
		declared   = "# Changelog\n\n## [Unreleased]\n\n### Changed\n\n- BREAKING: SetPinToken no longer carries set_pin_token.\n\n## [0.1.0] - 2026-11-27\n"
		// A Go API break's line does not declare a wire break.
		goAPIOnly = "# Changelog\n\n## [Unreleased]\n\n### Changed\n\n- BREAKING (Go API): a renamed type.\n\n## [0.1.0] - 2026-11-27\n"
		// BREAKING under a released version does not declare an unreleased change.
		declaredEarlier = "# Changelog\n\n## [Unreleased]\n\n## [0.1.0] - 2026-11-27\n\n- BREAKING: an old one.\n"
	)
	removedField := cutBlock(t, edit(t, spec,
		"      required: [id, set_pin_token]\n", "      required: [id]\n"),
		"    SetPinToken:\n", "        set_pin_token:\n")
	setPinParams := "        - $ref: \"#/components/parameters/IdempotencyKey\"\n      responses:\n        \"200\":\n          $ref: \"#/components/responses/SetPinToken\"\n"
	requiredQuery := edit(t, spec, setPinParams,
		"        - name: reason\n          in: query\n          required: true\n          schema:\n            type: string\n"+setPinParams)
	optionalField := edit(t, spec,
		"    SetPinToken:\n      type: object\n      required: [id, set_pin_token]\n      properties:\n",
		"    SetPinToken:\n      type: object\n      required: [id, set_pin_token]\n      properties:\n"+
			"        expires_at:\n          type: string\n          format: date-time\n")

	tests := []struct {
		name      string
		revision  string
		changelog string
		wantExit  int
		wantOut   string
	}{
		{"unchanged", spec, undeclared, 0, "no breaking change"},
		{"new operations (the spec-evolution fixture)", evolved, undeclared, 0, "no breaking change"},
		{"new optional response field", optionalField, undeclared, 0, "no breaking change"},
		{"removed response field", removedField, undeclared, 1, "response-required-property-removed"},
		{"new required query parameter", requiredQuery, undeclared, 1, "new-required-request-parameter"},
		{"removed response field declared BREAKING", removedField, declared, 0, "declared BREAKING"},
		{"BREAKING only under an earlier release", removedField, declaredEarlier, 1, "FAIL"},
		{"only a Go API break declared", removedField, goAPIOnly, 1, "FAIL"},
		{"revision that does not parse", "openapi: 3.0.3\ninfo: [\n", undeclared, 2, "oasdiff failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			rev := filepath.Join(dir, "openapi.yaml")
			changelog := filepath.Join(dir, "CHANGELOG.md")
			writeFile(t, rev, []byte(tt.revision))
			writeFile(t, changelog, []byte(tt.changelog))

			cmd := exec.Command("bash", filepath.Join("scripts", "check-breaking.sh"),
				filepath.Join("api", "released.yaml"), rev, changelog)
			out, err := cmd.CombinedOutput()
			exit := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				exit = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if exit != tt.wantExit {
				t.Errorf("exit %d, want %d; output:\n%s", exit, tt.wantExit, out)
			}
			if !strings.Contains(string(out), tt.wantOut) {
				t.Errorf("output lacks %q:\n%s", tt.wantOut, out)
			}
		})
	}
}

func readString(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// edit replaces the one occurrence of old in s, failing the test if old is
// not there exactly once (so a change to openapi.yaml cannot silently turn
// a case into a no-op).
// cutBlock removes from s the YAML block that starts with the line block,
// the first such line after the line within, up to the next line indented
// no deeper than it.
func cutBlock(t *testing.T, s, within, block string) string {
	t.Helper()
	at := strings.Index(s, within)
	if at < 0 {
		t.Fatalf("cutBlock: %q not found", within)
	}
	i := strings.Index(s[at:], block)
	if i < 0 {
		t.Fatalf("cutBlock: %q not found after %q", block, within)
	}
	start := at + i
	indent := len(block) - len(strings.TrimLeft(block, " "))
	end := start + len(block)
	for end < len(s) {
		next := strings.IndexByte(s[end:], '\n')
		line := s[end:]
		if next >= 0 {
			line = s[end : end+next+1]
		}
		if trimmed := strings.TrimLeft(line, " "); trimmed != "\n" && len(line)-len(trimmed) <= indent {
			break
		}
		end += len(line)
	}
	return s[:start] + s[end:]
}

func edit(t *testing.T, s, old, new string) string {
	t.Helper()
	if n := strings.Count(s, old); n != 1 {
		t.Fatalf("edit: %q occurs %d times, want 1", old, n)
	}
	return strings.Replace(s, old, new, 1)
}
