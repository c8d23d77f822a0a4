package main

import (
	"context"
	"encoding/json"
	"errors"
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

Does Solid's API still match openapi.yaml? Calls every GET of openapi.yaml
and the token operations on the card you name, and checks each answer
strictly against openapi.yaml: undeclared fields and statuses, values of
the wrong JSON type or outside an enum, a field the spec keeps only as a
deprecated spelling, a missing X-Request-Id. One line per finding
(operation, JSON pointer, expected vs seen, request id), secrets redacted;
--json for a report. A finding does not stop the run. Error answers the
spec declares (a refused key, an unknown card) go to stderr and into the
report's "problems".

Reads: getCard on --card, its card holder, the token operations on it;
then every other GET, read from openapi.yaml: each list (two pages at
most), each item (/x/{x_id}) with the id of the first item its list
gives, and the literal ones (getBankInfo with the spec's example query).
An item whose list gives no id is reported as skipped, which is not
drift.

Writes: none, unless --writes, which runs a card program's life in the
sandbox: create a card holder (under the first sub account listed) and a
virtual card, update the card's label, simulate an authorization on it,
create a webhook and delete it. Request bodies are the spec's documented
examples. A step that fails skips the steps that need what it was to
make, saying why. --writes is refused against production, even with
--allow-production: it would create a real card holder, card and webhook,
and simulation exists only in the sandbox.

Where: --base-url, else --env, else SOLID_BASE_URL, else SOLID_ENV
(default sandbox). The key comes from SOLID_API_KEY. Production is
refused unless --allow-production, however it is named.
Exit status: 0 the API matches the spec, 1 drift, a refused key, an
unknown card or a failed call, 2 usage error.

Flags:
`

func runConformance(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("conformance", flag.ContinueOnError)
	// Its own flags, not clientFlags: production must be refused however
	// it was named, so the command needs to see each source.
	envFlag := fs.String("env", "", "environment, sandbox or production; SOLID_ENV sets the default (sandbox)")
	baseFlag := fs.String("base-url", "", "base URL to run against instead of the environment's, e.g. a mock's; SOLID_BASE_URL sets the default")
	card := fs.String("card", "", "a card of yours for the token operations and getCard (required)")
	writes := fs.Bool("writes", false, "also run the write lifecycle in the sandbox (never production): card holder, virtual card, label, authorization, webhook")
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
	base, prod, err := conformanceTarget(*envFlag, *baseFlag, env)
	if err != nil {
		return usageError(fs, conformanceUsage, stderr, "%v", err)
	}
	if prod && *writes {
		return usageError(fs, conformanceUsage, stderr, "%v; --allow-production does not allow --writes", conformance.ErrWritesProduction)
	}
	if prod && !*allowProd {
		return usageError(fs, conformanceUsage, stderr, "%v: pass --allow-production to run against it", conformance.ErrProduction)
	}
	if !strings.Contains(base, "://") {
		// Not quoted: it may be user:password@host.
		return usageError(fs, conformanceUsage, stderr, "the base URL has no scheme: write http://HOST:PORT for a mock on this machine, or https://...")
	}
	key := env("SOLID_API_KEY")
	if key == "" {
		fmt.Fprintln(stderr, "solid conformance: SOLID_API_KEY is not set: export your API key in it (there is no flag for it)")
		return 2
	}
	res, err := conformance.Run(ctx, conformance.Config{BaseURL: base, APIKey: key, Card: *card, Writes: *writes, AllowProduction: *allowProd})
	if err != nil {
		fmt.Fprintf(stderr, "solid conformance: %s\n", conformance.Scrub(errText(err), key, 500))
		var cfgErr *conformance.ConfigError
		if errors.As(err, &cfgErr) {
			return 2
		}
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
		for _, sk := range res.Skipped {
			fmt.Fprintf(stdout, "solid conformance: %s\n", sk)
		}
		fmt.Fprintf(stdout, "solid conformance: %d calls, %d of %d GETs reached, %d skipped, %d findings against openapi.yaml\n",
			len(res.Calls), res.GETs.Reached, res.GETs.Total, len(res.Skipped), len(res.Findings))
	}
	for _, p := range res.Problems {
		fmt.Fprintf(stderr, "solid conformance: %s\n", p)
	}
	if !res.OK() {
		return 1
	}
	return 0
}

// conformanceTarget is the base URL a run goes to: --base-url, else --env,
// else SOLID_BASE_URL, else SOLID_ENV (default sandbox). prod is true when
// production is named: by the --env used (or given at all), or by the
// host of the base URL.
func conformanceTarget(envFlag, baseFlag string, env func(string) string) (base string, prod bool, err error) {
	name := strings.ToLower(envFlag)
	switch {
	case baseFlag != "":
		base = baseFlag
	case name != "":
	case env("SOLID_BASE_URL") != "":
		base = env("SOLID_BASE_URL")
	default:
		name = strings.ToLower(defaultString(env("SOLID_ENV"), string(solid.Sandbox)))
	}
	if name != "" && solid.Environment(name).BaseURL() == "" {
		return "", false, fmt.Errorf("unknown environment %q: sandbox or production", name)
	}
	if base == "" {
		base = solid.Environment(name).BaseURL()
	}
	return base, solid.Environment(name) == solid.Production || conformance.IsProduction(base), nil
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
