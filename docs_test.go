package solid_test

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// docFiles are the documents a user or contributor reads.
func docFiles(t *testing.T) []string {
	t.Helper()
	files := []string{"README.md", "CONTRIBUTING.md", "BENCHMARKS.md", "CHANGELOG.md"}
	more, _ := filepath.Glob("docs/*.md")
	var out []string
	for _, f := range append(files, more...) {
		if _, err := os.Stat(f); err == nil {
			out = append(out, f)
		}
	}
	return out
}

// makeRules returns the Makefile's targets that have a recipe or
// prerequisites: a target named only in .PHONY does nothing.
func makeRules(t *testing.T) map[string]bool {
	t.Helper()
	f, err := os.Open("Makefile")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rule := regexp.MustCompile(`^([a-z][a-z0-9-]*):(.*)$`)
	rules := map[string]bool{}
	var last string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if m := rule.FindStringSubmatch(line); m != nil && !strings.HasPrefix(m[2], "=") {
			last = m[1]
			if strings.TrimSpace(m[2]) != "" {
				rules[last] = true
			}
			continue
		}
		if strings.HasPrefix(line, "\t") && last != "" {
			rules[last] = true
			continue
		}
		last = ""
	}
	return rules
}

// TestDocumentedMakeTargetsExist: every `make TARGET` the documents name
// is a rule of the Makefile that does something (make bench-mock was
// documented while the Makefile only listed it as phony).
func TestDocumentedMakeTargetsExist(t *testing.T) {
	rules := makeRules(t)
	// In backquotes, or a command line (after VAR=value settings).
	mention := regexp.MustCompile("(?m)(?:`|^\\s*(?:[A-Z0-9_]+=\\S*\\s+)*)make ([a-z][a-z0-9-]*)")
	for _, doc := range docFiles(t) {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range mention.FindAllStringSubmatch(string(b), -1) {
			if !rules[m[1]] {
				t.Errorf("%s names `make %s`, which the Makefile does not define", doc, m[1])
			}
		}
	}
}

// TestReleaseLinksHaveTags: a document may point at a release download
// only when its tag exists, so no one is sent to a 404.
func TestReleaseLinksHaveTags(t *testing.T) {
	link := regexp.MustCompile(`releases/download/(v[0-9][^/\s]*)/`)
	for _, doc := range docFiles(t) {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range link.FindAllStringSubmatch(string(b), -1) {
			out, err := exec.Command("git", "tag", "-l", m[1]).Output()
			if err != nil {
				t.Skipf("git tag: %v", err)
			}
			if strings.TrimSpace(string(out)) != m[1] {
				t.Errorf("%s links a download of release %s, which has no tag", doc, m[1])
			}
		}
	}
}
