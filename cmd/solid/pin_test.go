package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/solidsdk/solid-go/solidtest"
)

// TestOnePINCommand: create-set-pin-token is the PIN command; set-pin-token
// still runs it (scripts and the README use it) but is not listed.
func TestOnePINCommand(t *testing.T) {
	url, _ := countingMock(t)
	env := map[string]string{"SOLID_API_KEY": solidtest.DefaultAPIKey, "SOLID_BASE_URL": url}
	help := runCLI(t, nil, "", "--help").stdout
	listed := regexp.MustCompile(`(?m)^\s+(solid )?(create-)?set-pin-token\b`).FindAllString(help, -1)
	if len(listed) != 1 || !strings.Contains(listed[0], "create-set-pin-token") {
		t.Errorf("help lists the PIN command as %q, want create-set-pin-token once:\n%s", listed, help)
	}
	tests := []struct {
		name   string
		args   []string
		stdout string
	}{
		{name: "create-set-pin-token", args: []string{"create-set-pin-token", solidtest.DefaultCardID}, stdout: tokenLine.String()},
		{name: "set-pin-token", args: []string{"set-pin-token", solidtest.DefaultCardID}, stdout: tokenLine.String()},
		{name: "set-pin-token takes the same flags", args: []string{"set-pin-token", "--idempotency-key", "k1", solidtest.DefaultCardID}, stdout: tokenLine.String()},
		{name: "set-pin-token --help is create-set-pin-token's", args: []string{"set-pin-token", "--help"}, stdout: `^Usage: solid create-set-pin-token `},
		{name: "the demo names create-set-pin-token", args: []string{"demo"}, stdout: `\$ solid create-set-pin-token crd_`},
		{name: "after global flags", args: []string{"--base-url", url, "set-pin-token", solidtest.DefaultCardID}, stdout: tokenLine.String()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, env, "", tt.args...)
			if r.code != 0 {
				t.Fatalf("exit %d\nstderr: %s", r.code, r.stderr)
			}
			if !regexp.MustCompile(tt.stdout).MatchString(r.stdout) {
				t.Errorf("stdout does not match %q:\n%s", tt.stdout, r.stdout)
			}
		})
	}
}
