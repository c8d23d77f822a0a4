// Command solid calls Solid's card-issuing API and runs a mock of it.
//
//	solid [--env sandbox|production] [--base-url URL] COMMAND [flags] ARGS
//	solid mock [--addr 127.0.0.1:4010] [--card ID]... [--api-key KEY]...
//	solid demo
//
// There is a COMMAND per operation of openapi.yaml (create-set-pin-token,
// get-card, ...). They read the API key from SOLID_API_KEY only, never
// from a flag, so it stays out of shell history and process lists. Exit
// status: 0 success, 1 an API or network error, 2 a usage error (bad flags
// or arguments, SOLID_API_KEY not set, a card ID the SDK refuses).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"time"

	solid "github.com/solidsdk/solid-go"
	"github.com/solidsdk/solid-go/solidtest"
)

func main() {
	os.Exit(run(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// commit and date are stamped by release builds (.goreleaser.yaml, with
// -ldflags -X); the version itself is always solid.Version, so a binary
// and the SDK it was built from cannot disagree.
var commit, date string

// versionLine is what `solid --version` prints: the version, then the
// commit and date of a release build, or of the VCS stamp go build adds.
func versionLine() string {
	c, d := commit, date
	if c == "" || c == "none" {
		// Not stamped, or stamped by a GoReleaser that found no git
		// state (a clone without a remote): go build's VCS stamp then.
		c, d = "", ""
		if bi, ok := debug.ReadBuildInfo(); ok {
			for _, s := range bi.Settings {
				switch s.Key {
				case "vcs.revision":
					c = s.Value
				case "vcs.time":
					d = s.Value
				}
			}
		}
	}
	line := "solid " + solid.Version
	if c != "" {
		line += " (" + c
		if d != "" {
			line += ", " + d
		}
		line += ")"
	}
	return line
}

const usage = `solid: Solid's card-issuing API from the command line.

Usage:
  solid [--env sandbox|production] [--base-url URL] COMMAND [flags] ARGS
        call an operation of openapi.yaml (the commands below) and print
        its JSON answer; the API key comes from SOLID_API_KEY. Requests go
        to --base-url, else --env, else SOLID_BASE_URL, else SOLID_ENV
        (sandbox when none is set)
  solid mock [--addr 127.0.0.1:4010] [--card ID]... [--api-key KEY]... [--quiet]
        serve a stateful mock of the API, checked against openapi.yaml
  solid demo [--show-secrets]
        the cards story against an in-process mock: a card holder, a
        virtual card, its PIN, a webhook on a local listener, an
        authorization and its settlement, a freeze; events verified as
        they come
  solid conformance --card ID [--env sandbox] [--writes] [--json]
        does Solid's API still match openapi.yaml? one line per difference
  solid proxy --target URL [--addr 127.0.0.1:4020]
        forward to URL, checking every request and answer against openapi.yaml
  solid webhooks listen --addr ADDR --secret-env NAME
        receive webhook events, verify each signature with the secret in
        the environment variable NAME, print verified events as JSON lines
  solid --version
        print the version (solid-go's, solid.Version) and the build

Run 'solid COMMAND --help' for a command's flags.
Exit status: 0 success, 1 API or network error, 2 usage error.
`

// run is the whole program, for tests: args without the program name, env
// in place of os.Getenv.
func run(args []string, env func(string) string, stdout, stderr io.Writer) int {
	return runIn(args, env, os.Stdin, stdout, stderr)
}

// runIn is run reading --data - from stdin.
func runIn(args []string, env func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, fullUsage())
		return 2
	}
	args, err := hoistGlobals(args)
	if err != nil {
		fmt.Fprintf(stderr, "solid: %v\nRun 'solid --help' for the commands and their flags.\n", err)
		return 2
	}
	if name, ok := aliases[args[0]]; ok {
		args = append([]string{name}, args[1:]...)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch args[0] {
	case "mock":
		return runMock(ctx, args[1:], stdout, stderr, nil)
	case "demo":
		return runDemo(ctx, args[1:], stdout, stderr)
	case "conformance":
		return runConformance(ctx, args[1:], env, stdout, stderr)
	case "proxy":
		return runProxy(ctx, args[1:], stdout, stderr, nil)
	case "webhooks":
		return runWebhooks(ctx, args[1:], env, stdout, stderr, nil)
	case "version", "-version", "--version":
		fmt.Fprintln(stdout, versionLine())
		return 0
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, fullUsage())
		return 0
	}
	cmds, err := opCommands()
	if err != nil {
		fmt.Fprintf(stderr, "solid: %v\n", err)
		return 1
	}
	for _, c := range cmds {
		if c.name == args[0] {
			return runOperation(ctx, c, args[1:], env, stdin, stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "solid: unknown command %q\n\n%s", args[0], fullUsage())
	return 2
}

// aliases are other names of commands, not listed in the help.
// set-pin-token was a hand-written command before every operation had
// one; scripts and the README call it.
var aliases = map[string]string{"set-pin-token": "create-set-pin-token"}

// globalFlags are the flags that may come before the command.
var globalFlags = []string{"env", "base-url"}

// hoistGlobals moves global flags written before the command to just
// after it, where the command parses them as its own: solid --env sandbox
// list-cards is solid list-cards --env sandbox.
func hoistGlobals(args []string) ([]string, error) {
	var globals []string
	for len(args) > 0 && strings.HasPrefix(args[0], "-") && args[0] != "-" && args[0] != "--" {
		name, _, hasValue := strings.Cut(strings.TrimLeft(args[0], "-"), "=")
		if !slices.Contains(globalFlags, name) {
			switch name {
			case "h", "help", "version":
				return append(args[:1:1], append(globals, args[1:]...)...), nil
			}
			return nil, fmt.Errorf("--%s is not a global flag (--%s): put it after the command", name, strings.Join(globalFlags, ", --"))
		}
		n := 1
		if !hasValue {
			if len(args) < 2 {
				return nil, fmt.Errorf("flag needs an argument: --%s", name)
			}
			n = 2
		}
		globals = append(globals, args[:n]...)
		args = args[n:]
	}
	if len(args) == 0 {
		return nil, fmt.Errorf("no command after %s", strings.Join(globals, " "))
	}
	return append(args[:1:1], append(globals, args[1:]...)...), nil
}

// fullUsage is the usage with a line per operation of openapi.yaml.
func fullUsage() string {
	cmds, err := opCommands()
	if err != nil {
		return usage
	}
	var b strings.Builder
	b.WriteString("\nOne command per operation of openapi.yaml (solid COMMAND --help for its flags):\n")
	for _, c := range cmds {
		fmt.Fprintf(&b, "  %-20s %s (%s %s)\n", c.name, brief(c.summary), c.op.Method, c.op.Path)
	}
	return strings.Replace(usage, "\nRun 'solid COMMAND --help'", b.String()+"\nRun 'solid COMMAND --help'", 1)
}

// errText is an SDK error's text without its "solid: " prefix, since the
// CLI puts its own ("solid COMMAND: ") in front.
func errText(err error) string {
	return strings.TrimPrefix(err.Error(), "solid: ")
}

// parseFlags parses args into fs. --help prints the usage to stdout (exit
// 0); a bad flag prints it to stderr (exit 2). ok is false when the
// command should exit with code.
func parseFlags(fs *flag.FlagSet, synopsis string, args []string, stdout, stderr io.Writer) (code int, ok bool) {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	err := fs.Parse(args)
	if err == nil {
		return 0, true
	}
	if errors.Is(err, flag.ErrHelp) {
		printUsage(stdout, fs, synopsis)
		return 0, false
	}
	fmt.Fprintf(stderr, "solid %s: %v\n", fs.Name(), err)
	printUsage(stderr, fs, synopsis)
	return 2, false
}

func printUsage(w io.Writer, fs *flag.FlagSet, synopsis string) {
	fmt.Fprint(w, synopsis)
	printDefaults(w, fs)
}

// printDefaults lists fs's flags as the usage lines write them, --name
// VALUE, leaving out hidden ones (old spellings).
func printDefaults(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		if _, ok := f.Value.(hiddenValue); ok {
			return
		}
		name, text := flag.UnquoteUsage(f)
		if p, ok := f.Value.(interface{ placeholder() string }); ok {
			name = p.placeholder()
		}
		fmt.Fprintf(w, "  --%s", f.Name)
		if name != "" {
			fmt.Fprintf(w, " %s", name)
		}
		fmt.Fprintf(w, "\n        %s", strings.ReplaceAll(text, "\n", "\n        "))
		switch f.DefValue {
		case "", "0", "false", "0s":
		default:
			fmt.Fprintf(w, " (default %q)", f.DefValue)
		}
		fmt.Fprintln(w)
	})
}

func usageError(fs *flag.FlagSet, synopsis string, stderr io.Writer, format string, args ...any) int {
	fmt.Fprintf(stderr, "solid %s: %s\n", fs.Name(), fmt.Sprintf(format, args...))
	printUsage(stderr, fs, synopsis)
	return 2
}

// clientFlags registers --env and --base-url, with their defaults from
// SOLID_ENV and SOLID_BASE_URL. After parsing, a non-empty *baseURL wins
// over *envName: an explicit --base-url, else an explicit --env (which
// drops the SOLID_BASE_URL default), else SOLID_BASE_URL, else SOLID_ENV.
// An unknown --env is a parse error.
func clientFlags(fs *flag.FlagSet, env func(string) string) (envName, baseURL *string) {
	envName = new(defaultString(env("SOLID_ENV"), string(solid.Sandbox)))
	baseURL = new(env("SOLID_BASE_URL"))
	baseSet := new(bool)
	fs.Var(&envFlag{envName, baseURL, baseSet}, "env", "the environment; given, it beats SOLID_BASE_URL; SOLID_ENV sets the default")
	fs.Var(&baseURLFlag{baseURL, baseSet}, "base-url", "send to this base URL instead of the environment's, e.g. a mock's; SOLID_BASE_URL sets the default, unless --env is given")
	return envName, baseURL
}

// envFlag is --env. Given, it beats SOLID_BASE_URL: it clears that
// default unless --base-url was given too.
type envFlag struct {
	name, baseURL *string
	baseSet       *bool
}

func (f *envFlag) String() string {
	if f.name == nil {
		return ""
	}
	return *f.name
}

func (f *envFlag) Set(s string) error {
	if solid.Environment(strings.ToLower(s)).BaseURL() == "" {
		return errors.New("unknown environment: want sandbox or production")
	}
	*f.name = s
	if !*f.baseSet {
		*f.baseURL = ""
	}
	return nil
}

func (f *envFlag) placeholder() string { return "sandbox|production" }

// baseURLFlag is --base-url.
type baseURLFlag struct {
	url *string
	set *bool
}

func (f *baseURLFlag) String() string {
	if f.url == nil {
		return ""
	}
	return *f.url
}

func (f *baseURLFlag) Set(s string) error {
	*f.url, *f.set = s, true
	return nil
}

func (f *baseURLFlag) placeholder() string { return "URL" }

// newCLIClient makes the client of a command, or prints why it cannot and
// returns the exit status (2: a usage error).
func newCLIClient(cmd, envName, baseURL string, env func(string) string, stderr io.Writer) (*solid.Client, int) {
	key := env("SOLID_API_KEY")
	if key == "" {
		fmt.Fprintf(stderr, "solid %s: SOLID_API_KEY is not set: export your API key in it (there is no flag for it)\n", cmd)
		return nil, 2
	}
	e := solid.Environment(strings.ToLower(envName))
	if e.BaseURL() == "" {
		// --env checks its value as it parses: this one is SOLID_ENV's.
		fmt.Fprintf(stderr, "solid %s: unknown environment %q (SOLID_ENV): want sandbox or production\n", cmd, envName)
		return nil, 2
	}
	// The environment is checked even when a base URL overrides it.
	opts := append([]solid.Option{solid.WithUserAgent("solid-cli"), solid.WithEnvironment(e)}, testClientOptions...)
	if baseURL != "" {
		if !strings.Contains(baseURL, "://") {
			fmt.Fprintf(stderr, "solid %s: --base-url %q has no scheme: write http://%s for a mock on this machine, or https://...\n", cmd, baseURL, baseURL)
			return nil, 2
		}
		opts = append(opts, solid.WithBaseURL(baseURL))
	}
	c, err := solid.NewClient(key, opts...)
	if err != nil {
		fmt.Fprintf(stderr, "solid %s: %s\n", cmd, errText(err))
		return nil, 2
	}
	return c, 0
}

// testClientOptions are added to every command's client by tests: an
// offline transport that records where a request would go.
var testClientOptions []solid.Option

func defaultString(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

const mockUsage = `Usage: solid mock [--addr 127.0.0.1:4010] [--card ID]... [--card-holder ID]... [--api-key KEY]...
                  [--latency D] [--rate-limits] [--strict-idempotency] [--control-open] [--quiet]

Serves a mock of Solid's API, the same as the solidtest package, for
services in any language: every request is checked against openapi.yaml,
and every operation is answered from it, with state (an update shows in
later reads and lists; a repeated idempotency-key gets the first answer).
It starts with the card ` + solidtest.DefaultCardID + `
and the card holder ` + solidtest.DefaultCardHolderID + `
of Solid's documented examples, and accepts the key
` + solidtest.DefaultAPIKey + ` unless told otherwise.

It logs one line per request to stderr (method, path, operation, status,
and why a request was refused) unless --quiet. A request may ask for a
documented answer with Prism's header, "Prefer: code=404" or
"Prefer: example=card_example". Faults and latency can be set, and what
the mock received read, from loopback (--control-open: from anywhere),
with JSON bodies only:

  curl -X POST localhost:4010/_solidtest/faults  -H 'content-type: application/json' -d '{"status":503,"retry_after":"1","count":2}'
  curl -X POST localhost:4010/_solidtest/faults  -H 'content-type: application/json' -d '{"status":409,"operation":"updateCard"}'
  curl -X POST localhost:4010/_solidtest/latency -H 'content-type: application/json' -d '{"latency":"250ms"}'
  curl -X POST localhost:4010/_solidtest/reset   -H 'content-type: application/json'
  curl localhost:4010/_solidtest/requests

Stops on Ctrl-C or SIGTERM (run a built binary in the background: go run
does not pass SIGTERM on).

Flags:
`

// runMock is `solid mock`: it serves until ctx ends. ready, when not nil,
// gets the base URL once the mock is listening.
func runMock(ctx context.Context, args []string, stdout, stderr io.Writer, ready func(url string)) int {
	fs := flag.NewFlagSet("mock", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:4010", "`host:port` to listen on (port 0 picks a free one)")
	var cards, holders, keys []string
	fs.Func("card", "a card the mock knows, besides the default one: a copy of the example with this `ID` (repeatable)", func(s string) error {
		cards = append(cards, s)
		return nil
	})
	fs.Func("card-holder", "a card holder the mock knows, besides the default one, by its `ID` (repeatable)", func(s string) error {
		holders = append(holders, s)
		return nil
	})
	fs.Func("api-key", "a `KEY` the mock accepts as an API key, instead of the default test key (repeatable)", func(s string) error {
		if s == "" {
			return errors.New("empty key")
		}
		keys = append(keys, s)
		return nil
	})
	latency := fs.Duration("latency", 0, "wait this long before each answer, e.g. 250ms")
	limits := fs.Bool("rate-limits", false, "answer 429 with Retry-After over Solid's sandbox limits (50 reads and 50 writes a second)")
	strict := fs.Bool("strict-idempotency", false, "refuse (409) a reused idempotency-key with another body, instead of replaying the first answer")
	ctlOpen := fs.Bool("control-open", false, "serve the /_solidtest/ control API to any client, not only loopback ones")
	quiet := fs.Bool("quiet", false, "no log line per request")
	if code, ok := parseFlags(fs, mockUsage, args, stdout, stderr); !ok {
		return code
	}
	if fs.NArg() != 0 {
		return usageError(fs, mockUsage, stderr, "unexpected arguments %q", fs.Args())
	}
	host, port, err := net.SplitHostPort(*addr)
	if err != nil {
		return usageError(fs, mockUsage, stderr, "--addr %q is not host:port; for port %s on this machine write 127.0.0.1:%s", *addr, *addr, *addr)
	}
	if *latency < 0 {
		return usageError(fs, mockUsage, stderr, "--latency %s is negative", *latency)
	}
	opts := []solidtest.Option{solidtest.WithCards(cards...), solidtest.WithCardHolders(holders...), solidtest.WithControl()}
	if len(keys) > 0 {
		opts = append(opts, solidtest.WithAPIKeys(keys...))
	} else {
		keys = []string{solidtest.DefaultAPIKey}
	}
	if *limits {
		opts = append(opts, solidtest.WithRateLimits(solidtest.RateLimitsSandbox, solidtest.RateLimitsSandbox))
	}
	if *strict {
		opts = append(opts, solidtest.WithStrictIdempotency())
	}
	if *ctlOpen {
		opts = append(opts, solidtest.WithControlFrom(netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")))
	}
	if !*quiet {
		opts = append(opts, solidtest.WithLogger(slog.New(slog.NewTextHandler(stderr, nil))))
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, port))
	if err != nil {
		fmt.Fprintf(stderr, "solid mock: %v\n", err)
		return 1
	}
	h := solidtest.NewHandler(opts...)
	h.SetLatency(*latency)
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	// A URL a user can open: an unspecified address (0.0.0.0, ::) is
	// reachable on loopback.
	lhost, lport, _ := net.SplitHostPort(ln.Addr().String())
	shown := lhost
	if ip := net.ParseIP(lhost); ip != nil && ip.IsUnspecified() {
		shown = "127.0.0.1"
	}
	url := "http://" + net.JoinHostPort(shown, lport)
	warnBeyondLoopback(stderr, "mock", *addr, ln, "the mock accepts a published test key")
	fmt.Fprintf(stdout, "solid mock: serving Solid's API (openapi.yaml) at %s\n", url)
	fmt.Fprintf(stdout, "  api key:      %s\n", strings.Join(keys, ", "))
	fmt.Fprintf(stdout, "  cards:        %s\n", strings.Join(append([]string{solidtest.DefaultCardID}, cards...), ", "))
	fmt.Fprintf(stdout, "  card holders: %s\n", strings.Join(append([]string{solidtest.DefaultCardHolderID}, holders...), ", "))
	fmt.Fprintf(stdout, "  try:          curl -s -H 'api-key: %s' %s/v2/issuing/card/%s\n", keys[0], url, solidtest.DefaultCardID)
	fmt.Fprintln(stdout, "Stop with Ctrl-C.")

	if code := serve(ctx, srv, ln, url, ready, "mock", stderr); code != 0 {
		return code
	}
	fmt.Fprintln(stdout, "solid mock: stopped")
	return 0
}

// warnBeyondLoopback warns when ln, listening on addr, is reachable from
// other machines. The warning names addr's host: Go listens on :: for
// 0.0.0.0.
func warnBeyondLoopback(stderr io.Writer, cmd, addr string, ln net.Listener, why string) {
	lhost, _, _ := net.SplitHostPort(ln.Addr().String())
	if ip := net.ParseIP(lhost); ip != nil && ip.IsLoopback() {
		return
	}
	host, _, _ := net.SplitHostPort(addr)
	if host == "" {
		host = "every interface"
	}
	fmt.Fprintf(stderr, "solid %s: warning: listening on %s, beyond loopback; %s\n", cmd, host, why)
}

// serve runs srv on ln until ctx ends, then shuts it down, giving
// requests in flight a few seconds. ready, when not nil, gets url once
// srv is serving.
func serve(ctx context.Context, srv *http.Server, ln net.Listener, url string, ready func(string), cmd string, stderr io.Writer) int {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if ready != nil {
		ready(url)
	}
	select {
	case err := <-errc:
		fmt.Fprintf(stderr, "solid %s: %v\n", cmd, err)
		return 1
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
	}
	return 0
}
