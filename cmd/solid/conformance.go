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
	"net/url"
	"strings"
	"time"

	solid "github.com/solidsdk/solid-go"
	"github.com/solidsdk/solid-go/internal/conformance"
)

const conformanceUsage = `Usage: solid conformance --card ID [--env sandbox] [--base-url URL] [--writes] [--json] [--allow-production]

Does Solid's API still match openapi.yaml? Calls every operation that is
safe to run (the reads, a few pages of each list, the token operations on
the card you name) and checks each answer strictly against openapi.yaml:
undeclared fields and statuses, values outside an enum, a string where the
spec says boolean, a field the spec keeps only as a deprecated spelling, a
missing X-Request-Id. One line per finding (operation, JSON pointer,
expected vs seen, request id), secrets redacted; --json for a report.

Writes: none, unless --writes, and then one PATCH that sets the card's label
to the value it already has. The key comes from SOLID_API_KEY. Production
is refused unless --allow-production.
Exit status: 0 the API matches the spec, 1 drift (or a failed call), 2 usage error.

Flags:
`

func runConformance(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("conformance", flag.ContinueOnError)
	envName, baseURL := clientFlags(fs, env)
	card := fs.String("card", "", "a card of yours for the token operations and getCard (required)")
	writes := fs.Bool("writes", false, "also send one PATCH setting the card's label to the value it has")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	allowProd := fs.Bool("allow-production", false, "allow running against production")
	pos, code, ok := parseInterspersed(fs, conformanceUsage, args, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) != 0 {
		return usageError(fs, conformanceUsage, stderr, "unexpected arguments %q", pos)
	}
	if *card == "" {
		return usageError(fs, conformanceUsage, stderr, "--card is required: a card of yours the token operations can run on")
	}
	base := *baseURL
	if base == "" {
		e := solid.Environment(strings.ToLower(*envName))
		if e == solid.Production && !*allowProd {
			return usageError(fs, conformanceUsage, stderr, "production refused: pass --allow-production to run against it")
		}
		if base = e.BaseURL(); base == "" {
			return usageError(fs, conformanceUsage, stderr, "unknown environment %q: sandbox or production", *envName)
		}
	} else if !strings.Contains(base, "://") {
		return usageError(fs, conformanceUsage, stderr, "--base-url %q has no scheme", base)
	}
	key := env("SOLID_API_KEY")
	if key == "" {
		fmt.Fprintln(stderr, "solid conformance: SOLID_API_KEY is not set: export your API key in it (there is no flag for it)")
		return 2
	}
	res, err := conformance.Run(ctx, conformance.Config{BaseURL: base, APIKey: key, Card: *card, Writes: *writes})
	if err != nil {
		fmt.Fprintf(stderr, "solid conformance: %s\n", strings.ReplaceAll(errText(err), key, "[REDACTED]"))
		return 1
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return 1
		}
	} else {
		for _, f := range res.Findings {
			fmt.Fprintln(stdout, f)
		}
		fmt.Fprintf(stdout, "solid conformance: %d calls, %d findings against openapi.yaml\n", len(res.Calls), len(res.Findings))
	}
	if len(res.Findings) > 0 {
		return 1
	}
	return 0
}

const proxyUsage = `Usage: solid proxy --target URL [--addr 127.0.0.1:4020]

A local proxy for services in any language: it forwards every request to
the target (Solid's sandbox, or solid mock) unchanged and checks each
request and answer against openapi.yaml as it passes, strictly, logging one
line per difference to stderr. The API key passes through untouched and is
never logged, nor are tokens. Stops on Ctrl-C or SIGTERM.

Flags:
`

func runProxy(ctx context.Context, args []string, stdout, stderr io.Writer, ready func(string)) int {
	fs := flag.NewFlagSet("proxy", flag.ContinueOnError)
	target := fs.String("target", "", "the URL to forward to, e.g. https://api.sandbox.solidfi.com or http://127.0.0.1:4010 (required)")
	addr := fs.String("addr", "127.0.0.1:4020", "host:port to listen on")
	pos, code, ok := parseInterspersed(fs, proxyUsage, args, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) != 0 {
		return usageError(fs, proxyUsage, stderr, "unexpected arguments %q", pos)
	}
	u, err := url.Parse(*target)
	if *target == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usageError(fs, proxyUsage, stderr, "--target %q: want a URL such as http://127.0.0.1:4010", *target)
	}
	if _, _, err := net.SplitHostPort(*addr); err != nil {
		return usageError(fs, proxyUsage, stderr, "--addr %q is not host:port", *addr)
	}
	h, err := conformance.NewProxy(u, slog.New(slog.NewTextHandler(stderr, nil)))
	if err != nil {
		fmt.Fprintf(stderr, "solid proxy: %v\n", err)
		return 1
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "solid proxy: %v\n", err)
		return 1
	}
	warnBeyondLoopback(stderr, "proxy", *addr, ln, "anyone who reaches it can send requests to "+u.Redacted()+" through it")
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	url := "http://" + ln.Addr().String()
	fmt.Fprintf(stdout, "solid proxy: %s -> %s, checking against openapi.yaml; differences go to stderr\n", url, u.Redacted())
	return serve(ctx, srv, ln, url, ready, "proxy", stderr)
}
