package solid

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/solidsdk/solid-go/gen"
)

// Defaults applied by NewClient; see the README's "Retries and limits".
const (
	// DefaultMaxRetries is how many times a failed call is retried.
	DefaultMaxRetries = 2
	// DefaultTimeout bounds a whole call, every attempt and wait included.
	DefaultTimeout = 60 * time.Second
	// DefaultMaxResponseBytes caps how much of a response body is read.
	DefaultMaxResponseBytes = 1 << 20
	// DefaultRetryBackoff is the wait before the first retry; it doubles for
	// each later one, up to DefaultMaxRetryBackoff, with jitter.
	DefaultRetryBackoff = 500 * time.Millisecond
	// DefaultMaxRetryBackoff caps the computed backoff.
	DefaultMaxRetryBackoff = 8 * time.Second
	// MaxRetryAfter caps how long a server's Retry-After header can make a
	// call wait before its next attempt.
	MaxRetryAfter = 60 * time.Second
)

// Environment selects which of Solid's servers a client talks to. Its base
// URLs come from the servers listed in openapi.yaml.
type Environment string

const (
	// Sandbox is Solid's test environment: no real cards, no real money.
	Sandbox Environment = "sandbox"
	// Production is Solid's live environment.
	Production Environment = "production"
)

// BaseURL returns the environment's base URL, or "" for an unknown one.
func (e Environment) BaseURL() string {
	switch e {
	case Sandbox:
		return gen.ServerUrlSandbox
	case Production:
		return gen.ServerUrlProduction
	}
	return ""
}

// Client calls Solid's API. It is safe for concurrent use; create one and
// share it. Printing a Client never shows its API key.
type Client struct {
	key        *apiKey // behind a pointer: fmt never follows it when nested
	env        Environment
	base       *url.URL // always ends in "/"
	hc         *http.Client
	maxRetries int
	timeout    time.Duration
	maxBody    int64
	backoff    time.Duration
	maxBackoff time.Duration
	logger     *slog.Logger
	uaPrefix   string
	tr         *transport
	api        *gen.ClientWithResponses
}

// Option configures a Client in NewClient.
type Option func(*Client) error

// WithEnvironment selects Sandbox or Production. A client needs either this
// or WithBaseURL; there is no default, so production is never reached by
// accident.
func WithEnvironment(env Environment) Option {
	return func(c *Client) error {
		if env.BaseURL() == "" {
			return fmt.Errorf("solid: unknown environment %q (want %q or %q)", string(env), Sandbox, Production)
		}
		c.env = env
		return nil
	}
}

// WithBaseURL points the client at any server, such as a mock from the
// solidtest package. It overrides WithEnvironment. Plain http:// is
// accepted only for loopback hosts; user info, query and fragment are
// refused.
func WithBaseURL(baseURL string) Option {
	return func(c *Client) error {
		u, err := parseBaseURL(baseURL)
		if err != nil {
			return err
		}
		c.base = u
		return nil
	}
}

// WithHTTPClient sends requests through hc. The client is copied, never
// modified: the copy refuses redirects to another host before running hc's
// own CheckRedirect. A nil Transport means the SDK's pooled transport.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) error {
		if hc == nil {
			return errors.New("solid: WithHTTPClient: nil *http.Client")
		}
		c.hc = hc
		return nil
	}
}

// WithMaxRetries sets how many times a failed call is retried (default
// DefaultMaxRetries). Zero turns retries off.
func WithMaxRetries(n int) Option {
	return func(c *Client) error {
		if n < 0 || n > 10 {
			return fmt.Errorf("solid: WithMaxRetries(%d): want 0 to 10", n)
		}
		c.maxRetries = n
		return nil
	}
}

// WithRetryBackoff sets the wait before the first retry and the cap on
// later ones (defaults DefaultRetryBackoff and DefaultMaxRetryBackoff).
// Tests use small values to keep retry paths fast.
func WithRetryBackoff(initial, max time.Duration) Option {
	return func(c *Client) error {
		if initial < 0 || max < initial {
			return fmt.Errorf("solid: WithRetryBackoff(%v, %v): want 0 <= initial <= max", initial, max)
		}
		c.backoff, c.maxBackoff = initial, max
		return nil
	}
}

// WithTimeout bounds each call as a whole, retries and waits included
// (default DefaultTimeout). Zero means no SDK timeout; a deadline on the
// call's context always applies.
func WithTimeout(d time.Duration) Option {
	return func(c *Client) error {
		if d < 0 {
			return fmt.Errorf("solid: WithTimeout(%v): negative", d)
		}
		c.timeout = d
		return nil
	}
}

// WithMaxResponseBytes caps how much of a response body is read (default
// DefaultMaxResponseBytes); a larger body fails with ErrResponseTooLarge.
func WithMaxResponseBytes(n int64) Option {
	return func(c *Client) error {
		if n <= 0 {
			return fmt.Errorf("solid: WithMaxResponseBytes(%d): want > 0", n)
		}
		c.maxBody = n
		return nil
	}
}

// WithLogger logs one record per attempt: method, path template, path
// parameters, status, attempt, duration and request id. The API key and
// response bodies are never logged.
func WithLogger(l *slog.Logger) Option {
	return func(c *Client) error {
		c.logger = l
		return nil
	}
}

// WithUserAgent puts ua in front of the SDK's own User-Agent
// ("ua solid-go/VERSION"). The last call wins; "" leaves the SDK's alone.
func WithUserAgent(ua string) Option {
	return func(c *Client) error {
		if hasControl(ua) {
			return errors.New("solid: WithUserAgent: control characters in user agent")
		}
		c.uaPrefix = strings.TrimSpace(ua)
		return nil
	}
}

// NewClient returns a client that authenticates with apiKey. It needs
// WithEnvironment or WithBaseURL. It refuses an empty key, a key with
// spaces or control characters, and options that do not make sense.
func NewClient(apiKey string, opts ...Option) (*Client, error) {
	return newClient(apiKey, "use WithEnvironment(solid.Sandbox), WithEnvironment(solid.Production) or WithBaseURL", opts)
}

// NewClientFromEnv is NewClient configured from the environment:
// SOLID_API_KEY (required), SOLID_ENV ("sandbox" or "production") and
// SOLID_BASE_URL (overrides SOLID_ENV). Options in opts apply after those.
func NewClientFromEnv(opts ...Option) (*Client, error) {
	key := os.Getenv("SOLID_API_KEY")
	if key == "" {
		return nil, errors.New("solid: SOLID_API_KEY is not set")
	}
	var envOpts []Option
	if e := os.Getenv("SOLID_ENV"); e != "" {
		envOpts = append(envOpts, WithEnvironment(Environment(strings.ToLower(e))))
	}
	if u := os.Getenv("SOLID_BASE_URL"); u != "" {
		envOpts = append(envOpts, WithBaseURL(u))
	}
	return newClient(key, "set SOLID_ENV=sandbox, SOLID_ENV=production or SOLID_BASE_URL", append(envOpts, opts...))
}

// newClient is NewClient; noEnvHint says how the caller chooses an
// environment, for the error when none was chosen.
func newClient(key, noEnvHint string, opts []Option) (*Client, error) {
	if key == "" {
		return nil, errors.New("solid: empty API key")
	}
	if hasControl(key) || !utf8.ValidString(key) || strings.ContainsRune(key, ' ') {
		return nil, errors.New("solid: API key contains spaces or control characters")
	}
	c := &Client{
		key:        &apiKey{v: key, header: []string{key}},
		maxRetries: DefaultMaxRetries,
		timeout:    DefaultTimeout,
		maxBody:    DefaultMaxResponseBytes,
		backoff:    DefaultRetryBackoff,
		maxBackoff: DefaultMaxRetryBackoff,
	}
	for _, o := range opts {
		if err := o(c); err != nil {
			return nil, err
		}
	}
	if c.base == nil {
		if c.env == "" {
			return nil, errors.New("solid: no environment: " + noEnvHint)
		}
		u, err := parseBaseURL(c.env.BaseURL())
		if err != nil {
			return nil, err
		}
		c.base = u
	}
	ua := "solid-go/" + Version
	if c.uaPrefix != "" {
		ua = c.uaPrefix + " " + ua
	}
	t := &transport{
		key:        c.key,
		basePath:   strings.TrimSuffix(c.base.EscapedPath(), "/"),
		hc:         httpClient(c.hc),
		maxRetries: c.maxRetries,
		timeout:    c.timeout,
		maxBody:    c.maxBody,
		backoff:    c.backoff,
		maxBackoff: c.maxBackoff,
		logger:     c.logger,
		ua:         []string{ua},
	}
	api, err := gen.NewClientWithResponses(c.base.String(), gen.WithHTTPClient(t))
	if err != nil {
		return nil, fmt.Errorf("solid: %w", err)
	}
	c.tr, c.api = t, api
	return c, nil
}

// API returns the generated client for every operation in openapi.yaml, with
// the same auth, environment, retries and limits as the client's own
// methods. A non-2xx response comes back as an error wrapping *APIError, so
// the generated JSON4xx fields stay nil.
func (c *Client) API() *gen.ClientWithResponses { return c.api }

// BaseURL returns the base URL the client sends requests to.
func (c *Client) BaseURL() string { return c.base.String() }

// String describes the client without its API key.
func (c Client) String() string {
	return fmt.Sprintf("solid.Client{BaseURL: %q, APIKey: [REDACTED]}", c.base.String())
}

// Format prints the client as String does, for every verb, so %v, %+v and
// %#v cannot reveal the API key.
func (c Client) Format(f fmt.State, _ rune) { fmt.Fprint(f, c.String()) }

// parseBaseURL accepts https URLs, and http URLs on loopback hosts. Its
// errors never show a URL that may carry a password.
func parseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error repeats the whole URL
		}
		return nil, fmt.Errorf("solid: base URL %s: %w", shownURL(raw), err)
	}
	switch {
	case u.User != nil:
		return nil, errors.New("solid: base URL must not contain user info")
	case u.Scheme != "https" && u.Scheme != "http":
		return nil, fmt.Errorf("solid: base URL %s: scheme must be https (or http on loopback hosts)", shownURL(raw))
	case u.Host == "":
		return nil, fmt.Errorf("solid: base URL %s: no host", shownURL(raw))
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return nil, fmt.Errorf("solid: base URL %s: no query or fragment allowed", shownURL(raw))
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		return nil, fmt.Errorf("solid: base URL %s: plain http is allowed only for loopback hosts; use https", shownURL(raw))
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
		if u.RawPath != "" {
			u.RawPath += "/"
		}
	}
	return u, nil
}

// shownURL quotes raw for an error, unless it has an "@" anywhere: then it
// may hold user info that url.Parse could not separate, so it is withheld.
func shownURL(raw string) string {
	if strings.Contains(raw, "@") {
		return "(not shown: it contains '@')"
	}
	return strconv.Quote(raw)
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
