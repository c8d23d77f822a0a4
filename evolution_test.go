package solid_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/solidsdk/solid-go/internal/specoverlay"
)

// TestSpecEvolution proves that regeneration is generic: a spec with two new
// operations (openapi.yaml plus testdata/spec-evolution/overlay.yaml, see
// evolvedSpec) is swapped into a scratch copy of the repository, go generate runs there, and
// testdata/spec-evolution/evolved_test.go calls the new operations through
// the unchanged wrapper. No code is written for the new operations. It
// compiles the SDK again, so -short skips it.
func TestSpecEvolution(t *testing.T) {
	if testing.Short() {
		t.Skip("regenerates and compiles a copy of the SDK; skipped with -short")
	}
	dir := t.TempDir()
	copyTrackedFiles(t, dir)

	evolved := evolvedSpec(t)
	prog, err := os.ReadFile(filepath.Join("testdata", "spec-evolution", "evolved_test.go"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "openapi.yaml"), evolved)
	writeFile(t, filepath.Join(dir, "evolved_test.go"), prog)

	before, err := os.ReadFile(filepath.Join(dir, "internal", "ops", "ops.gen.go"))
	if err != nil {
		t.Fatal(err)
	}
	runGo(t, dir, "generate", "./...")
	after, err := os.ReadFile(filepath.Join(dir, "internal", "ops", "ops.gen.go"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(before, after) {
		t.Fatal("go generate left internal/ops/ops.gen.go unchanged for a spec with new operations")
	}
	out := runGo(t, dir, "test", "-count=1", "-v", "-run", "^TestEvolved", ".")
	t.Logf("go test in the regenerated copy:\n%s", out)
	for _, name := range []string{"TestEvolvedOperationTable", "TestEvolvedOperations"} {
		if !strings.Contains(out, "--- PASS: "+name) {
			t.Errorf("%s did not run and pass in the regenerated copy", name)
		}
	}
}

// evolvedSpec is the spec-evolution fixture: openapi.yaml with the two
// test-only operations of testdata/spec-evolution/overlay.yaml (and their
// schemas) added. It is built from today's openapi.yaml on every use, so it
// cannot drift from it.
func evolvedSpec(t *testing.T) []byte {
	t.Helper()
	base, err := os.ReadFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	overlay, err := os.ReadFile(filepath.Join("testdata", "spec-evolution", "overlay.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	merged, err := specoverlay.Merge(base, overlay)
	if err != nil {
		t.Fatalf("the spec-evolution fixture: %v", err)
	}
	return merged
}

// evolvedSpecFile writes evolvedSpec into a temporary directory and returns
// its name, for code that reads a file.
func evolvedSpecFile(t *testing.T) string {
	t.Helper()
	name := filepath.Join(t.TempDir(), "spec-evolution", "openapi.yaml")
	writeFile(t, name, evolvedSpec(t))
	return name
}

// copyTrackedFiles copies the files git tracks (and untracked ones not
// ignored, so work in progress is tested too) into dst.
func copyTrackedFiles(t *testing.T, dst string) {
	t.Helper()
	cmd := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	n := 0
	for _, name := range strings.Split(string(out), "\x00") {
		if name == "" {
			continue
		}
		b, err := os.ReadFile(name)
		if errors.Is(err, os.ErrNotExist) {
			continue // deleted in the work tree, not yet in the index
		}
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dst, name), b)
		n++
	}
	if n == 0 {
		t.Fatal("git ls-files listed no files")
	}
}

func writeFile(t *testing.T, name string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// runGo runs the go command in dir with the caller's module and build
// caches, outside any workspace, and fails the test with its output.
func runGo(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go %s in %s: %v\n%s", strings.Join(args, " "), dir, err, out)
	}
	return string(out)
}
