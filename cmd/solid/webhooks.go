package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/solidsdk/solid-go/webhook"
)

const webhooksUsage = `Usage: solid webhooks listen --secret-env NAME [--addr 127.0.0.1:4030] [--max-body-bytes N]

Serves an endpoint for a webhook registered with create-webhook: every
POST, to any path, is verified with the webhook's signing secret (the
sd-webhook-sha256-signature header, an HMAC-SHA256 of the body; see the
README, Webhooks) and each verified event is printed to stdout as one JSON
line, {"type": ..., "data": ...}, and answered 200. A refused delivery (no
or wrong signature, a body too large, not an event) is answered 4xx and
logged as one line on stderr with its reason.

The secret is read from the environment variable NAME, never from a flag,
so it stays out of shell history and process lists; an empty or unset one
is a usage error. It is never printed.

Stops on Ctrl-C or SIGTERM.

Flags:
`

// runWebhooks is `solid webhooks SUBCOMMAND`. ready, when not nil, gets
// the listener's URL once it serves.
func runWebhooks(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer, ready func(url string)) int {
	if len(args) == 0 || args[0] != "listen" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprint(stdout, webhooksUsage)
			return 0
		}
		fmt.Fprint(stderr, "solid webhooks: want a subcommand: listen\n\n"+webhooksUsage)
		return 2
	}
	return runWebhooksListen(ctx, args[1:], env, stdout, stderr, ready)
}

func runWebhooksListen(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer, ready func(url string)) int {
	fs := flag.NewFlagSet("webhooks listen", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:4030", "`host:port` to listen on (port 0 picks a free one)")
	secretEnv := fs.String("secret-env", "", "the environment variable `NAME` holding the webhook's signing secret (required)")
	maxBody := fs.Int64("max-body-bytes", webhook.DefaultMaxBodyBytes, "refuse (413) a body longer than `N` bytes")
	if code, ok := parseFlags(fs, webhooksUsage, args, stdout, stderr); !ok {
		return code
	}
	if fs.NArg() != 0 {
		return usageError(fs, webhooksUsage, stderr, "unexpected arguments %q", fs.Args())
	}
	if *secretEnv == "" {
		return usageError(fs, webhooksUsage, stderr, "--secret-env NAME is required: the environment variable holding the signing secret")
	}
	secret := env(*secretEnv)
	if secret == "" {
		return usageError(fs, webhooksUsage, stderr, "$%s is empty or not set: it must hold the webhook's signing secret", *secretEnv)
	}
	if *maxBody <= 0 {
		return usageError(fs, webhooksUsage, stderr, "--max-body-bytes %d is not positive", *maxBody)
	}
	host, port, err := net.SplitHostPort(*addr)
	if err != nil {
		return usageError(fs, webhooksUsage, stderr, "--addr %q is not host:port; for port %s on this machine write 127.0.0.1:%s", *addr, *addr, *addr)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, port))
	if err != nil {
		fmt.Fprintf(stderr, "solid webhooks listen: %v\n", err)
		return 1
	}

	// One JSON line per verified event; deliveries may arrive at once.
	var mu sync.Mutex
	enc := json.NewEncoder(stdout)
	emit := func(_ context.Context, ev webhook.Event) error {
		mu.Lock()
		defer mu.Unlock()
		return enc.Encode(struct {
			Type string          `json:"type"`
			Data json.RawMessage `json:"data"`
		}{string(ev.Type), ev.Data})
	}
	// Refusals (Warn) and failures (Error) only: one line each on stderr.
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	h := webhook.Handler(secret, emit, webhook.WithMaxBodyBytes(*maxBody), webhook.WithLogger(logger))
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}

	lhost, lport, _ := net.SplitHostPort(ln.Addr().String())
	if ip := net.ParseIP(lhost); ip != nil && ip.IsUnspecified() {
		lhost = "127.0.0.1"
	}
	url := "http://" + net.JoinHostPort(lhost, lport)
	warnBeyondLoopback(stderr, "webhooks listen", *addr, ln, "anyone who reaches it can post to it (only correctly signed events are printed)")
	fmt.Fprintf(stderr, "solid webhooks listen: verifying deliveries at %s with the secret in $%s; events go to stdout. Stop with Ctrl-C.\n", url, *secretEnv)
	if code := serve(ctx, srv, ln, url, ready, "webhooks listen", stderr); code != 0 {
		return code
	}
	fmt.Fprintln(stderr, "solid webhooks listen: stopped")
	return 0
}
