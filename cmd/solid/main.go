// Command solid calls Solid's card-issuing API and runs a mock of it.
//
//	solid set-pin-token [--env sandbox|production] [--base-url URL] CARD_ID
//	solid mock [--addr 127.0.0.1:4010] [--card ID]... [--api-key KEY]...
//	solid demo
//
// set-pin-token reads the API key from SOLID_API_KEY only, never from a
// flag, so it stays out of shell history and process lists. Exit status:
// 0 success, 1 an API or network error, 2 a usage error (bad flags or
// arguments, SOLID_API_KEY not set, a card ID the SDK refuses).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
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
  solid set-pin-token [--env sandbox|production] [--base-url URL] CARD_ID
        step 1 of setting a PIN: print a one-time PIN token for the card
        as JSON; the API key comes from SOLID_API_KEY
  solid mock [--addr 127.0.0.1:4010] [--card ID]... [--api-key KEY]...
        serve a mock of the API, checked against openapi.yaml
  solid demo
        run set-pin-token against an in-process mock
  solid --version
        print the version (solid-go's, solid.Version) and the build

Run 'solid COMMAND --help' for a command's flags.
Exit status: 0 success, 1 API or network error, 2 usage error.
`

// run is the whole program, for tests: args without the program name, env
// in place of os.Getenv.
func run(args []string, env func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch args[0] {
	case "set-pin-token":
		return runSetPinToken(ctx, args[1:], env, stdout, stderr)
	case "mock":
		return runMock(ctx, args[1:], stdout, stderr, nil)
	case "demo":
		return runDemo(ctx, args[1:], stdout, stderr)
	case "version", "-version", "--version":
		fmt.Fprintln(stdout, versionLine())
		return 0
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "solid: unknown command %q\n\n%s", args[0], usage)
	return 2
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
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

func usageError(fs *flag.FlagSet, synopsis string, stderr io.Writer, format string, args ...any) int {
	fmt.Fprintf(stderr, "solid %s: %s\n", fs.Name(), fmt.Sprintf(format, args...))
	printUsage(stderr, fs, synopsis)
	return 2
}

const setPinTokenUsage = `Usage: solid set-pin-token [--env sandbox|production] [--base-url URL] CARD_ID

Step 1 of setting a card's PIN: asks Solid for a one-time PIN token and
prints {"id": CARD_ID, "set_pin_token": TOKEN} as JSON on stdout. The token
is a secret: hand it to the cardholder's device (step 2, Solid's PIN SDK).

The API key is read from SOLID_API_KEY, never from a flag. On an API error
the status, code, message and request id go to stderr.
Exit status: 0 success, 1 API or network error, 2 usage error (including
SOLID_API_KEY not set).

Flags:
`

// runSetPinToken is `solid set-pin-token`, and the call `solid demo` makes.
func runSetPinToken(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("set-pin-token", flag.ContinueOnError)
	envName := fs.String("env", defaultString(env("SOLID_ENV"), string(solid.Sandbox)), "environment: sandbox or production (default from SOLID_ENV)")
	baseURL := fs.String("base-url", env("SOLID_BASE_URL"), "base URL to send to instead of the environment's, e.g. a mock's (default from SOLID_BASE_URL)")
	if code, ok := parseFlags(fs, setPinTokenUsage, args, stdout, stderr); !ok {
		return code
	}
	if fs.NArg() != 1 {
		return usageError(fs, setPinTokenUsage, stderr, "want exactly one CARD_ID, got %d arguments", fs.NArg())
	}
	key := env("SOLID_API_KEY")
	if key == "" {
		fmt.Fprintln(stderr, "solid set-pin-token: SOLID_API_KEY is not set: export your API key in it (there is no flag for it)")
		return 2
	}
	opts := []solid.Option{solid.WithUserAgent("solid-cli")}
	if *baseURL != "" {
		opts = append(opts, solid.WithBaseURL(*baseURL))
	} else {
		opts = append(opts, solid.WithEnvironment(solid.Environment(strings.ToLower(*envName))))
	}
	c, err := solid.NewClient(key, opts...)
	if err != nil {
		fmt.Fprintf(stderr, "solid set-pin-token: %s\n", errText(err))
		return 2
	}
	tok, err := c.CreateSetPinToken(ctx, fs.Arg(0))
	if err != nil {
		var apiErr *solid.APIError
		switch {
		case errors.As(err, &apiErr):
			fmt.Fprintf(stderr, "solid set-pin-token: status %d\n", apiErr.StatusCode)
			if apiErr.Code != "" {
				fmt.Fprintf(stderr, "  code:       %s\n  message:    %s\n", apiErr.Code, apiErr.Message)
			} else if apiErr.Body != "" {
				fmt.Fprintf(stderr, "  body:       %s\n", apiErr.Body)
			}
			if apiErr.RequestID != "" {
				fmt.Fprintf(stderr, "  request id: %s (quote it to Solid support)\n", apiErr.RequestID)
			}
			if apiErr.Attempts > 1 {
				fmt.Fprintf(stderr, "  attempts:   %d\n", apiErr.Attempts)
			}
		case errors.Is(err, solid.ErrInvalidInput):
			fmt.Fprintf(stderr, "solid set-pin-token: %s\n", errText(err))
			return 2
		default:
			fmt.Fprintf(stderr, "solid set-pin-token: %s\n", errText(err))
		}
		return 1
	}
	// JSON keeps the token; fmt would print [REDACTED].
	if err := json.NewEncoder(stdout).Encode(tok); err != nil {
		fmt.Fprintf(stderr, "solid set-pin-token: writing the result: %v\n", err)
		return 1
	}
	return 0
}

func defaultString(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

const mockUsage = `Usage: solid mock [--addr 127.0.0.1:4010] [--card ID]... [--api-key KEY]...

Serves a mock of Solid's API, the same as the solidtest package: every
request is checked against openapi.yaml; a known key and card get a fresh
PIN token, a missing or wrong key the 401 envelope, an unknown card the 404
envelope. It knows the card ` + solidtest.DefaultCardID + `
and the key ` + solidtest.DefaultAPIKey + `
unless told otherwise. Stops on Ctrl-C or SIGTERM.

Flags:
`

// runMock is `solid mock`: it serves until ctx ends. ready, when not nil,
// gets the base URL once the mock is listening.
func runMock(ctx context.Context, args []string, stdout, stderr io.Writer, ready func(url string)) int {
	fs := flag.NewFlagSet("mock", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:4010", "address to listen on (port 0 picks a free one)")
	var cards, keys []string
	fs.Func("card", "a card ID the mock knows, besides the default one (repeatable)", func(s string) error {
		cards = append(cards, s)
		return nil
	})
	fs.Func("api-key", "an API key the mock accepts, instead of the default test key (repeatable)", func(s string) error {
		if s == "" {
			return errors.New("empty key")
		}
		keys = append(keys, s)
		return nil
	})
	if code, ok := parseFlags(fs, mockUsage, args, stdout, stderr); !ok {
		return code
	}
	if fs.NArg() != 0 {
		return usageError(fs, mockUsage, stderr, "unexpected arguments %q", fs.Args())
	}
	opts := []solidtest.Option{solidtest.WithCards(cards...)}
	if len(keys) > 0 {
		opts = append(opts, solidtest.WithAPIKeys(keys...))
	} else {
		keys = []string{solidtest.DefaultAPIKey}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "solid mock: %v\n", err)
		return 1
	}
	srv := &http.Server{Handler: solidtest.NewHandler(opts...), ReadHeaderTimeout: 10 * time.Second}
	url := "http://" + ln.Addr().String()
	if host, _, _ := net.SplitHostPort(ln.Addr().String()); !net.ParseIP(host).IsLoopback() {
		fmt.Fprintf(stderr, "solid mock: warning: listening on %s, beyond loopback; the mock accepts a published test key\n", host)
	}
	fmt.Fprintf(stdout, "solid mock: serving Solid's API (openapi.yaml) at %s\n", url)
	fmt.Fprintf(stdout, "  api key: %s\n", strings.Join(keys, ", "))
	fmt.Fprintf(stdout, "  cards:   %s\n", strings.Join(append([]string{solidtest.DefaultCardID}, cards...), ", "))
	fmt.Fprintf(stdout, "  try:     curl -s -X POST -H 'api-key: %s' %s/v2/issuing/card/%s/set_pin_token\n", keys[0], url, solidtest.DefaultCardID)
	fmt.Fprintln(stdout, "Stop with Ctrl-C.")

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if ready != nil {
		ready(url)
	}
	select {
	case err := <-errc:
		fmt.Fprintf(stderr, "solid mock: %v\n", err)
		return 1
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
	}
	fmt.Fprintln(stdout, "solid mock: stopped")
	return 0
}

const demoUsage = `Usage: solid demo

Starts the mock in-process and runs set-pin-token against it, through the
same code as the real command, then explains the PIN flow. Needs no key
and no network.
`

// runDemo is `solid demo`.
func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	if code, ok := parseFlags(fs, demoUsage, args, stdout, stderr); !ok {
		return code
	}
	if fs.NArg() != 0 {
		return usageError(fs, demoUsage, stderr, "unexpected arguments %q", fs.Args())
	}
	srv := solidtest.NewServer()
	defer srv.Close()
	fmt.Fprintf(stdout, "Mock of Solid's API (package solidtest, checked against openapi.yaml) at %s\n\n", srv.URL)
	fmt.Fprintln(stdout, "Step 1: your server asks Solid for a one-time PIN token for the card:")
	fmt.Fprintf(stdout, "  $ SOLID_API_KEY=... solid set-pin-token --base-url %s %s\n", srv.URL, solidtest.DefaultCardID)
	env := func(k string) string {
		if k == "SOLID_API_KEY" {
			return solidtest.DefaultAPIKey
		}
		return ""
	}
	if code := runSetPinToken(ctx, []string{"--base-url", srv.URL, solidtest.DefaultCardID}, env, stdout, stderr); code != 0 {
		return code
	}
	fmt.Fprintln(stdout)
	fmt.Fprintln(stdout, "Step 2 (outside this API): send set_pin_token to the cardholder's device, where")
	fmt.Fprintln(stdout, "Solid's PIN SDK (provided by Solid during implementation) uses it once to set the PIN.")
	return 0
}
