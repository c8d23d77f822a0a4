package main

import (
	"regexp"
	"testing"

	"github.com/solidsdk/solid-go/solidtest"
)

// TestWhereRequestsGo: an explicit --base-url or --env beats
// SOLID_BASE_URL, which beats SOLID_ENV; an unknown environment is refused
// whatever else is given.
func TestWhereRequestsGo(t *testing.T) {
	hosts := offlineHosts(t)
	const (
		envURL  = "http://127.0.0.1:1001"
		flagURL = "http://127.0.0.1:1002"
		sandbox = "api.sandbox.solidfi.com"
		prod    = "api.prod.solidfi.com"
	)
	tests := []struct {
		name   string
		env    map[string]string
		args   []string
		host   string // "" for a usage error
		stderr string
	}{
		{name: "nothing set: sandbox", args: []string{"list-cards"}, host: sandbox},
		{name: "SOLID_ENV", env: map[string]string{"SOLID_ENV": "production"}, args: []string{"list-cards"}, host: prod},
		{name: "SOLID_BASE_URL beats SOLID_ENV", env: map[string]string{"SOLID_ENV": "production", "SOLID_BASE_URL": envURL}, args: []string{"list-cards"}, host: "127.0.0.1:1001"},
		{name: "--env beats SOLID_BASE_URL", env: map[string]string{"SOLID_BASE_URL": envURL}, args: []string{"list-cards", "--env", "sandbox"}, host: sandbox},
		{name: "--env production beats SOLID_BASE_URL", env: map[string]string{"SOLID_BASE_URL": envURL}, args: []string{"list-cards", "--env", "production"}, host: prod},
		{name: "--env beats SOLID_ENV", env: map[string]string{"SOLID_ENV": "production"}, args: []string{"list-cards", "--env", "sandbox"}, host: sandbox},
		{name: "--env is case-blind", args: []string{"list-cards", "--env", "Production"}, host: prod},
		{name: "--base-url beats SOLID_BASE_URL", env: map[string]string{"SOLID_BASE_URL": envURL}, args: []string{"list-cards", "--base-url", flagURL}, host: "127.0.0.1:1002"},
		{name: "--base-url beats --env", args: []string{"list-cards", "--env", "production", "--base-url", flagURL}, host: "127.0.0.1:1002"},
		{name: "--env before the command beats SOLID_BASE_URL", env: map[string]string{"SOLID_BASE_URL": envURL}, args: []string{"--env", "sandbox", "list-cards"}, host: sandbox},
		{name: "unknown --env", args: []string{"list-cards", "--env", "staging"}, stderr: `^solid list-cards: invalid value "staging" for flag -env: unknown environment: want sandbox or production\n`},
		{name: "unknown --env with --base-url", args: []string{"list-cards", "--env", "staging", "--base-url", flagURL}, stderr: `invalid value "staging" for flag -env: unknown environment`},
		{name: "unknown --env with SOLID_BASE_URL", env: map[string]string{"SOLID_BASE_URL": envURL}, args: []string{"list-cards", "--env", "staging"}, stderr: `invalid value "staging" for flag -env: unknown environment`},
		{name: "unknown SOLID_ENV with --base-url", env: map[string]string{"SOLID_ENV": "staging"}, args: []string{"list-cards", "--base-url", flagURL}, stderr: `unknown environment "staging" \(SOLID_ENV\)`},
		{name: "empty --env", args: []string{"list-cards", "--env", ""}, stderr: `invalid value "" for flag -env: unknown environment`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"SOLID_API_KEY": solidtest.DefaultAPIKey}
			for k, v := range tt.env {
				env[k] = v
			}
			r := runCLI(t, env, "", tt.args...)
			got := hosts()
			if tt.host == "" {
				if r.code != 2 || len(got) != 0 {
					t.Fatalf("exit %d after requests to %q, want 2 and none\nstderr: %s", r.code, got, r.stderr)
				}
				if !regexp.MustCompile(tt.stderr).MatchString(r.stderr) {
					t.Errorf("stderr does not match %q:\n%s", tt.stderr, r.stderr)
				}
				return
			}
			if r.code != 0 || len(got) != 1 || got[0] != tt.host {
				t.Errorf("exit %d, requests to %q, want one to %s\nstderr: %s", r.code, got, tt.host, r.stderr)
			}
		})
	}
}

// TestGlobalFlagsFirst: --env and --base-url may come before the command.
func TestGlobalFlagsFirst(t *testing.T) {
	url, _ := countingMock(t)
	env := map[string]string{"SOLID_API_KEY": solidtest.DefaultAPIKey}
	tests := []struct {
		name           string
		args           []string
		code           int
		stdout, stderr string
	}{
		{name: "--base-url URL get-card ID", args: []string{"--base-url", url, "get-card", solidtest.DefaultCardID}, stdout: `"label":"Travel"`},
		{name: "--base-url=URL", args: []string{"--base-url=" + url, "list-cards", "--limit", "1"}, stdout: `"has_more"`},
		{name: "-base-url URL", args: []string{"-base-url", url, "get-card-holder", solidtest.DefaultCardHolderID}, stdout: `"purpose"`},
		{name: "both, before and after", args: []string{"--env", "sandbox", "--base-url", url, "get-card", "--limit", "1", solidtest.DefaultCardID}, code: 2, stderr: `flag provided but not defined: -limit`},
		{name: "the command after the globals gets its own flags", args: []string{"--base-url", url, "list-cards", "--limit", "abc"}, code: 2, stderr: `--limit "abc"`},
		{name: "--env without its value", args: []string{"--env"}, code: 2, stderr: `flag needs an argument: --env`},
		{name: "globals and no command", args: []string{"--base-url", url}, code: 2, stderr: `no command`},
		{name: "an unknown flag before the command", args: []string{"--limit", "1", "list-cards"}, code: 2, stderr: `--limit is not a global flag \(--env, --base-url\): put it after the command`},
		{name: "a command that takes no --env", args: []string{"--env", "sandbox", "demo"}, code: 2, stderr: `flag provided but not defined: -env`},
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
			if !regexp.MustCompile(tt.stderr).MatchString(r.stderr) {
				t.Errorf("stderr does not match %q:\n%s", tt.stderr, r.stderr)
			}
		})
	}
}
