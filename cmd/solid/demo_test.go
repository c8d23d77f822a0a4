package main

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestDemoStory: `solid demo` tells the whole story, step by step, each
// step's events verified and printed after its answer, and no secret
// printed unless --show-secrets.
func TestDemoStory(t *testing.T) {
	const (
		hex   = `[0-9a-f]{32}`
		holdr = `cah_` + hex
		card  = `crd_` + hex
		txn   = `txn_` + hex
	)
	// The lines of the story, in order (regexps, each matching a whole
	// line); other lines may come between them.
	steps := []string{
		`1\. Create a card holder, under the sub account their cards spend from:`,
		`  \$ solid create-card-holder --data '\{.*"sub_account_id":"sub_bda1e562657c41e553104b10aad3fe70"\}'`,
		`  card holder (` + holdr + `): Jane Doe, status activated, OFAC check pass`,
		`2\. Issue them a virtual card:`,
		`  \$ solid create-card --data '\{"cardholder_id":"\1","label":"Online ads","type":"virtual"\}'`,
		`  card (` + card + `): virtual, label "Online ads", status activated, card holder \1`,
		`3\. Set its PIN: mint a one-time PIN token \(step 1 of 2\):`,
		`  \$ solid create-set-pin-token \2`,
		`  set_pin_token: SECRET`,
		`A listener on this machine, (http://127\.0\.0\.1:\d+/solid/events), serves webhook\.Handler: it verifies each`,
		`4\. Register a webhook for the card's and its transactions' events, sent to the listener:`,
		`  \$ solid create-webhook --data '\{"description":"solid demo","events":\[.*"card\.status\.blocked".*"transaction\.created".*\],"url":"\3"\}'`,
		`  webhook whk_` + hex + `: active`,
		`  signing secret: SECRET`,
		`5\. A merchant asks to authorize \$93\.50 \(sandbox simulation\):`,
		`  \$ solid simulate-card-transaction --data '\{"amount":"93\.50","card_id":"\2","status":"pending","type":"auth"\}'`,
		`  transaction (` + txn + `): card_issuing debit 93\.50, pending`,
		`  <- transaction\.created +\4  93\.50 pending  \(signature verified\)`,
		`6\. The merchant settles it:`,
		`  \$ solid simulate-card-transaction --data '\{"amount":"93\.50","card_id":"\2","parent_transaction_id":"\4","status":"settled","type":"adjust"\}'`,
		`  transaction (` + txn + `): debit 93\.50, settled, parent_transaction_id \4`,
		`  <- transaction\.created +\5  93\.50 settled  \(signature verified\)`,
		`7\. Freeze the card:`,
		`  \$ solid update-card \2 --data '\{"status":"blocked"\}'`,
		`  card \2: status blocked`,
		`  <- card\.updated +\2  status blocked  \(signature verified\)`,
		`  <- card\.status\.blocked +\2  status blocked  \(signature verified\)`,
		`\d+ events received, each one's signature verified with the webhook's secret\.`,
	}
	tests := []struct {
		name   string
		args   []string
		secret string // what SECRET stands for
	}{
		{"redacted", []string{"demo"}, `\[REDACTED\] \(solid demo --show-secrets prints it\)`},
		{"--show-secrets", []string{"demo", "--show-secrets"}, `(?:card_pin_test_|whsec_)` + hex},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, nil, "", tt.args...)
			if r.code != 0 {
				t.Fatalf("exit %d\nstderr: %s\nstdout: %s", r.code, r.stderr, r.stdout)
			}
			var b strings.Builder
			b.WriteString(`(?ms)`)
			for i, s := range steps {
				if i > 0 {
					b.WriteString(`\n(?:.*\n)*?`)
				}
				b.WriteString(`^` + strings.ReplaceAll(s, "SECRET", tt.secret) + `$`)
			}
			re := b.String()
			// Go's regexp has no backreferences: capture, then substitute.
			if !matchWithRefs(t, re, r.stdout) {
				t.Errorf("the story's lines do not match:\n%s", r.stdout)
			}
			// The count at the end is of the events printed: the story's four
			// (matched above, each after its step's answer).
			m := regexp.MustCompile(`(?m)^(\d+) events received`).FindStringSubmatch(r.stdout)
			if n := strings.Count(r.stdout, "(signature verified)"); m == nil || m[1] != strconv.Itoa(n) {
				t.Errorf("%d verified events printed, the summary says %v:\n%s", n, m, r.stdout)
			}
			secrets := regexp.MustCompile(`(?:card_pin_test_|card_show_test_|whsec_)[0-9a-f]+`).FindAllString(r.stdout+r.stderr, -1)
			if tt.name == "redacted" && len(secrets) != 0 {
				t.Errorf("secrets printed without --show-secrets: %q", secrets)
			}
			if tt.name == "--show-secrets" && len(secrets) != 2 {
				t.Errorf("--show-secrets printed %q, want the PIN token and the signing secret", secrets)
			}
			if r.stderr != "" {
				t.Errorf("stderr: %s", r.stderr)
			}
		})
	}
}

// matchWithRefs matches re, whose \1..\9 refer to its groups, against s:
// it matches group by group, replacing each reference by the text its
// group matched before the next part is tried.
func matchWithRefs(t *testing.T, re, s string) bool {
	t.Helper()
	refs := regexp.MustCompile(`\\([1-9])`)
	var groups []string
	for {
		loc := refs.FindStringIndex(re)
		if loc == nil {
			return regexp.MustCompile(re).MatchString(s)
		}
		// Match the prefix before the first reference to learn the groups.
		m := regexp.MustCompile(re[:loc[0]]).FindStringSubmatch(s)
		if m == nil {
			return false
		}
		groups = m[1:]
		n := int(re[loc[0]+1] - '0')
		if n > len(groups) {
			t.Fatalf("\\%d refers to no group before it", n)
		}
		re = re[:loc[0]] + regexp.QuoteMeta(groups[n-1]) + re[loc[1]:]
	}
}
