package solid_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestGoAPIGate runs scripts/check-goapi.sh, the script behind `make
// check-goapi`, on a throwaway module whose API changes between a baseline
// and now: an incompatible change (a renamed exported type) fails unless
// CHANGELOG.md's [Unreleased] declares "BREAKING (Go API)"; additions pass.
// It builds apidiff (tools/go.mod) on first use, so -short skips it.
func TestGoAPIGate(t *testing.T) {
	if testing.Short() {
		t.Skip("runs apidiff from tools/go.mod; skipped with -short")
	}
	repo, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	const (
		v1          = "package m\n\ntype Card struct{ ID string }\n\ntype ClientInterface interface{ GetCard() Card }\n"
		renamed     = "package m\n\ntype PaymentCard struct{ ID string }\n\ntype ClientInterface interface{ GetCard() PaymentCard }\n"
		added       = v1 + "\nfunc NewCard(id string) Card { return Card{ID: id} }\n"
		newOp       = "package m\n\ntype Card struct{ ID string }\n\ntype ClientInterface interface {\n\tGetCard() Card\n\tListCards() []Card\n}\n"
		undeclared  = "# Changelog\n\n## [Unreleased]\n\n### Added\n\n- Something.\n\n## [0.1.0] - 2026-11-27\n"
		declared    = "# Changelog\n\n## [Unreleased]\n\n### Changed\n\n- BREAKING (Go API): Card is PaymentCard.\n\n## [0.1.0] - 2026-11-27\n"
		specOnly    = "# Changelog\n\n## [Unreleased]\n\n### Changed\n\n- BREAKING: a wire change.\n\n## [0.1.0] - 2026-11-27\n"
		earlierOnly = "# Changelog\n\n## [Unreleased]\n\n## [0.1.0] - 2026-11-27\n\n- BREAKING (Go API): an old one.\n"
	)
	tests := []struct {
		name, now, changelog string
		wantExit             int
		wantOut              string
	}{
		{"unchanged", v1, undeclared, 0, "no incompatible Go API change"},
		{"a new function", added, undeclared, 0, "NewCard: added"},
		{"a method added to the generated client interface", newOp, undeclared, 0, "break only your own implementations"},
		{"a renamed exported type", renamed, undeclared, 1, "FAIL"},
		{"a renamed exported type, declared", renamed, declared, 0, "declared \"BREAKING (Go API)\""},
		{"a renamed exported type, only a spec break declared", renamed, specOnly, 1, "FAIL"},
		{"a renamed exported type, declared under an earlier release", renamed, earlierOnly, 1, "FAIL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "go.mod"), []byte("module example.com/m\n\ngo 1.26\n"))
			writeFile(t, filepath.Join(dir, "m.go"), []byte(v1))
			baseline := filepath.Join(dir, "v0.1.0.export")
			tool := exec.Command("go", "tool", "-modfile="+filepath.Join(repo, "tools", "go.mod"), "apidiff", "-m", "-w", baseline, "example.com/m")
			tool.Dir = dir
			tool.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
			if out, err := tool.CombinedOutput(); err != nil {
				t.Fatalf("apidiff -w: %v\n%s", err, out)
			}
			writeFile(t, filepath.Join(dir, "m.go"), []byte(tt.now))
			changelog := filepath.Join(dir, "CHANGELOG.md")
			writeFile(t, changelog, []byte(tt.changelog))

			cmd := exec.Command("bash", filepath.Join(repo, "scripts", "check-goapi.sh"), baseline, changelog)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
			out, err := cmd.CombinedOutput()
			exit := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				exit = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if exit != tt.wantExit || !strings.Contains(string(out), tt.wantOut) {
				t.Errorf("exit %d (want %d), output lacks %q or is wrong:\n%s", exit, tt.wantExit, tt.wantOut, out)
			}
		})
	}
}
