package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/solidsdk/solid-go/solidtest"
)

// TestKebabCaseFlags: parameter flags are the spec's names in kebab-case;
// the old snake_case spelling still works but is not in the help.
func TestKebabCaseFlags(t *testing.T) {
	url, _ := countingMock(t, solidtest.WithCards("crd_second"))
	env := map[string]string{"SOLID_API_KEY": solidtest.DefaultAPIKey, "SOLID_BASE_URL": url}
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
	}{
		{name: "--starting-after", args: []string{"list-cards", "--limit", "1", "--starting-after", solidtest.DefaultCardID}, stdout: `"id":"crd_second"`},
		{name: "--starting-after=", args: []string{"list-cards", "--limit=1", "--starting-after=" + solidtest.DefaultCardID}, stdout: `"id":"crd_second"`},
		{name: "--ending-before", args: []string{"list-cards", "--ending-before", "crd_second"}, stdout: `"id":"` + solidtest.DefaultCardID + `"`},
		{name: "hidden alias --starting_after", args: []string{"list-cards", "--limit", "1", "--starting_after", solidtest.DefaultCardID}, stdout: `"id":"crd_second"`},
		{name: "hidden alias --ending_before", args: []string{"list-card-holders", "--ending_before", solidtest.DefaultCardHolderID}, stdout: `"data":\[\]`},
		{name: "--idempotency-key", args: []string{"create-show-token", "--idempotency-key", "kebab-1", solidtest.DefaultCardID}, stdout: `"show_token"`},
		{name: "a name no spelling knows", args: []string{"list-cards", "--startingAfter", "x"}, code: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, env, "", tt.args...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d\nstderr: %s", r.code, tt.code, r.stderr)
			}
			if !regexp.MustCompile(tt.stdout).MatchString(r.stdout) {
				t.Errorf("stdout does not match %q:\n%s", tt.stdout, r.stdout)
			}
		})
	}

	// Every flag every command documents is kebab-case, in its synopsis and
	// its flag list, and no snake_case alias is shown.
	cmds, err := opCommands()
	if err != nil {
		t.Fatal(err)
	}
	flagRE := regexp.MustCompile(`--?([A-Za-z0-9_.-]+)`)
	kebabRE := regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	for _, c := range cmds {
		t.Run(c.name+" --help", func(t *testing.T) {
			r := runCLI(t, nil, "", c.name, "--help")
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			for _, line := range strings.Split(r.stdout, "\n") {
				trimmed := strings.TrimSpace(line)
				if !strings.HasPrefix(line, "Usage:") && !strings.HasPrefix(trimmed, "-") {
					continue
				}
				for _, m := range flagRE.FindAllStringSubmatch(line, -1) {
					if !kebabRE.MatchString(m[1]) {
						t.Errorf("flag %q is not kebab-case in: %s", m[0], line)
					}
				}
			}
			if strings.Contains(r.stdout, "_after") || strings.Contains(r.stdout, "_before") {
				t.Errorf("help shows a snake_case flag:\n%s", r.stdout)
			}
		})
	}
}

// TestHelpNotCut: what help shows of a summary or a description is all of
// it or whole sentences of it, never a fragment.
func TestHelpNotCut(t *testing.T) {
	cmds, err := opCommands()
	if err != nil {
		t.Fatal(err)
	}
	norm := func(s string) string { return strings.Join(strings.Fields(strings.ReplaceAll(s, "`", "")), " ") }
	// whole reports whether shown is text, or its first sentences.
	whole := func(shown, text string) bool {
		shown, text = norm(shown), norm(text)
		return shown == text || strings.HasPrefix(text, shown) && strings.ContainsAny(shown[len(shown)-1:], ".!?") && text[len(shown)] == ' '
	}
	help := runCLI(t, nil, "", "--help").stdout
	for _, c := range cmds {
		t.Run(c.name, func(t *testing.T) {
			m := regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(c.name) + ` +(.*) \(` + c.op.Method + ` `).FindStringSubmatch(help)
			if m == nil || !whole(m[1], c.summary) {
				t.Errorf("solid --help shows %q for the summary %q", m, c.summary)
			}
			out := runCLI(t, nil, "", c.name, "--help").stdout
			for _, f := range c.flags {
				desc := f.param.Description
				if desc == "" {
					continue
				}
				// The flag's line, then its description up to the next flag or the end.
				m := regexp.MustCompile(`(?ms)^  --?` + regexp.QuoteMeta(f.name) + `\b[^\n]*\n(.*?)(\n  -|\z)`).FindStringSubmatch(out)
				if m == nil {
					t.Errorf("--%s not in the help:\n%s", f.name, out)
					continue
				}
				if !whole(m[1], desc) {
					t.Errorf("--%s shows %q, a fragment of %q", f.name, norm(m[1]), norm(desc))
				}
			}
		})
	}
}

// TestBrief: the text help shows for a description.
func TestBrief(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"List all Cards", "List all Cards"},
		{"how many records to return (the guide says int; a list page says number)", "how many records to return (the guide says int; a list page says number)"},
		{"A unique value per logical call (Solid suggests a UUID kept in your\nown database). A repeat with the same key gets the first answer\nback.", "A unique value per logical call (Solid suggests a UUID kept in your own database)."},
		{"who verified, an outside vendor (e.g. alloy) or Solid. More.", "who verified, an outside vendor (e.g. alloy) or Solid."},
		{"See https://docs.solidfi.com/v2/x. Then more.", "See https://docs.solidfi.com/v2/x."},
		{"Version 2.0 is here. It is.", "Version 2.0 is here."},
		{"Ends with a sentence.", "Ends with a sentence."},
		{"Is it? Yes.", "Is it?"},
		{"a list: (one. two) and more", "a list: (one. two) and more"},
		{"  spaced\n\n  out  ", "spaced out"},
	}
	for _, tt := range tests {
		if got := brief(tt.in); got != tt.want {
			t.Errorf("brief(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestKebab: command and flag names from operationIds and parameter names.
func TestKebab(t *testing.T) {
	tests := []struct{ in, want string }{
		{"getCard", "get-card"},
		{"createSetPinToken", "create-set-pin-token"},
		{"starting_after", "starting-after"},
		{"idempotency-key", "idempotency-key"},
		{"card_holder_id", "card-holder-id"},
		{"cardHolderID", "card-holder-id"},
		{"IDType", "id-type"},
		{"simulateATMWithdrawal", "simulate-atm-withdrawal"},
		{"v2Cards", "v2-cards"},
		{"created_at.gte", "created-at-gte"},
		{"__x__", "x"},
		{"X-Request-Id", "x-request-id"},
	}
	for _, tt := range tests {
		if got := kebab(tt.in); got != tt.want {
			t.Errorf("kebab(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
