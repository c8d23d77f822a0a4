package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/solidsdk/solid-go/webhook"
)

const listenSecret = "whsec_test_5f0c1a2b3c4d5e6f"

// TestWebhooksListen drives solid webhooks listen with signed and badly
// signed deliveries: verified events are JSON lines on stdout, refusals
// lines on stderr, and neither holds the secret.
func TestWebhooksListen(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env := func(k string) string {
		if k == "HOOK_SECRET" {
			return listenSecret
		}
		return ""
	}
	var stdout, stderr syncBuffer
	urls := make(chan string, 1)
	exit := make(chan int, 1)
	go func() {
		exit <- runWebhooks(ctx, []string{"listen", "--addr", "127.0.0.1:0", "--secret-env", "HOOK_SECRET", "--max-body-bytes", "4096"},
			env, &stdout, &stderr, func(u string) { urls <- u })
	}()
	var base string
	select {
	case base = <-urls:
	case code := <-exit:
		t.Fatalf("exited %d: %s", code, stderr.String())
	}

	card := []byte(`{"eventType":"card.status.locked","programId":"prg-1","env":"test","data":{"id":"crd_1",
	  "status":"locked"}}`)
	txn := []byte(`{"eventType":"transaction.created","data":{"id":"txn_1"}}`)
	big := []byte(`{"eventType":"card.updated","data":{"pad":"` + strings.Repeat("x", 5000) + `"}}`)
	tests := []struct {
		name   string
		body   []byte
		sig    string
		status int
	}{
		{"signed card event", card, webhook.Sign(card, listenSecret), 200},
		{"wrong secret", txn, webhook.Sign(txn, "not-the-secret"), 401},
		{"no signature", txn, "", 400},
		{"too large", big, webhook.Sign(big, listenSecret), 413},
		{"signed transaction event", txn, webhook.Sign(txn, listenSecret), 200},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest("POST", base+"/hooks/solid", bytes.NewReader(tt.body))
		if tt.sig != "" {
			req.Header.Set(webhook.Header, tt.sig)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.status {
			t.Errorf("%s: status %d, want %d", tt.name, resp.StatusCode, tt.status)
		}
	}
	cancel()
	if code := <-exit; code != 0 {
		t.Fatalf("exit %d after cancel: %s", code, stderr.String())
	}

	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("stdout has %d lines, want one per verified event:\n%s", len(lines), stdout.String())
	}
	for i, want := range []struct{ typ, id string }{{"card.status.locked", "crd_1"}, {"transaction.created", "txn_1"}} {
		var got struct {
			Type string
			Data struct{ ID string }
		}
		if err := json.Unmarshal([]byte(lines[i]), &got); err != nil {
			t.Fatalf("line %q: %v", lines[i], err)
		}
		if got.Type != want.typ || got.Data.ID != want.id {
			t.Errorf("line %d = %s, want type %s and data.id %s", i, lines[i], want.typ, want.id)
		}
	}
	refused := regexp.MustCompile(`(?m)^.*msg="webhook refused".*$`).FindAllString(stderr.String(), -1)
	if len(refused) != 3 {
		t.Errorf("stderr has %d refusal lines, want 3:\n%s", len(refused), stderr.String())
	}
	for i, want := range []string{"does not match", "no sd-webhook-sha256-signature", "too large"} {
		if i < len(refused) && !strings.Contains(refused[i], want) {
			t.Errorf("refusal %q does not say %q", refused[i], want)
		}
	}
	for _, s := range []string{listenSecret, webhook.Sign(txn, listenSecret), webhook.Sign(txn, "not-the-secret")} {
		if strings.Contains(stdout.String()+stderr.String(), s) {
			t.Errorf("output holds the secret or a signature %q:\n%s%s", s, stdout.String(), stderr.String())
		}
	}
	if !strings.Contains(stderr.String(), "stopped") {
		t.Errorf("no stop line on stderr:\n%s", stderr.String())
	}
}

func TestWebhooksListenUsage(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string
	}{
		{"no subcommand", nil, []string{"webhooks"}, 2, "want a subcommand"},
		{"unknown subcommand", nil, []string{"webhooks", "send"}, 2, "want a subcommand"},
		{"no --secret-env", nil, []string{"webhooks", "listen"}, 2, "--secret-env NAME is required"},
		{"unset secret", nil, []string{"webhooks", "listen", "--secret-env", "HOOK_SECRET"}, 2, "$HOOK_SECRET is empty or not set"},
		{"empty secret", map[string]string{"HOOK_SECRET": ""}, []string{"webhooks", "listen", "--secret-env", "HOOK_SECRET"}, 2, "$HOOK_SECRET is empty"},
		{"no secret flag", map[string]string{"HOOK_SECRET": "s"}, []string{"webhooks", "listen", "--secret", "s"}, 2, "flag provided but not defined: -secret"},
		{"bad addr", map[string]string{"HOOK_SECRET": "s"}, []string{"webhooks", "listen", "--secret-env", "HOOK_SECRET", "--addr", "4030"}, 2, "not host:port"},
		{"bad max", map[string]string{"HOOK_SECRET": "s"}, []string{"webhooks", "listen", "--secret-env", "HOOK_SECRET", "--max-body-bytes", "0"}, 2, "not positive"},
		{"help", nil, []string{"webhooks", "listen", "--help"}, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, tt.env, "", tt.args...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit %d saying %q", r.code, r.stderr, tt.code, tt.want)
			}
		})
	}
}

// TestWebhooksListenWarning: like solid mock, the listener warns beyond
// loopback, and only there.
func TestWebhooksListenWarning(t *testing.T) {
	for addr, warn := range map[string]bool{"127.0.0.1:0": false, "0.0.0.0:0": true} {
		t.Run(addr, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var stdout, stderr syncBuffer
			env := func(string) string { return listenSecret }
			code := runWebhooks(ctx, []string{"listen", "--addr", addr, "--secret-env", "S"}, env, &stdout, &stderr, func(string) { cancel() })
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			warned := strings.Contains(stderr.String(), "solid webhooks listen: warning: listening on 0.0.0.0, beyond loopback")
			if warned != warn {
				t.Errorf("warned %v, want %v:\n%s", warned, warn, stderr.String())
			}
			if strings.Contains(stderr.String()+stdout.String(), listenSecret) {
				t.Error("output holds the secret")
			}
		})
	}
}
