package solid

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
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
	apiKey      *secret // behind a pointer: fmt never follows it when nested
	env         Environment
	base        *url.URL // always ends in "/"
	basePath    string   // base.EscapedPath() without the trailing "/"
	hc          *http.Client
	maxRetries  int
	timeout     time.Duration
	maxBody     int64
	backoff     time.Duration
	maxBackoff  time.Duration
	logger      *slog.Logger
	userAgent   string
	uaHeader    []string
	api         *gen.ClientWithResponses
	setPinToken *route
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

// WithUserAgent puts ua in front of the SDK's own User-Agent.
func WithUserAgent(ua string) Option {
	return func(c *Client) error {
		if hasControl(ua) {
			return errors.New("solid: WithUserAgent: control characters in user agent")
		}
		c.userAgent = ua + " " + c.userAgent
		return nil
	}
}

// NewClient returns a client that authenticates with apiKey. It needs
// WithEnvironment or WithBaseURL. It refuses an empty key, a key with
// spaces or control characters, and options that do not make sense.
func NewClient(apiKey string, opts ...Option) (*Client, error) {
	if apiKey == "" {
		return nil, errors.New("solid: empty API key")
	}
	if hasControl(apiKey) || !utf8.ValidString(apiKey) || strings.ContainsRune(apiKey, ' ') {
		return nil, errors.New("solid: API key contains spaces or control characters")
	}
	c := &Client{
		apiKey:     &secret{v: apiKey, header: []string{apiKey}},
		maxRetries: DefaultMaxRetries,
		timeout:    DefaultTimeout,
		maxBody:    DefaultMaxResponseBytes,
		backoff:    DefaultRetryBackoff,
		maxBackoff: DefaultMaxRetryBackoff,
		userAgent:  "solid-go/" + Version,
	}
	for _, o := range opts {
		if err := o(c); err != nil {
			return nil, err
		}
	}
	if c.base == nil {
		if c.env == "" {
			return nil, errors.New("solid: no environment: use WithEnvironment(solid.Sandbox), WithEnvironment(solid.Production) or WithBaseURL")
		}
		u, err := parseBaseURL(c.env.BaseURL())
		if err != nil {
			return nil, err
		}
		c.base = u
	}
	c.basePath = strings.TrimSuffix(c.base.EscapedPath(), "/")
	c.uaHeader = []string{c.userAgent}
	c.hc = httpClient(c.hc)
	c.setPinToken = routeFor("createSetPinToken")
	api, err := gen.NewClientWithResponses(c.base.String(), gen.WithHTTPClient((*doer)(c)))
	if err != nil {
		return nil, fmt.Errorf("solid: %w", err)
	}
	c.api = api
	return c, nil
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
	return NewClient(key, append(envOpts, opts...)...)
}

// API returns the generated client for every operation in openapi.yaml, with
// the same auth, environment, retries and limits as the client's own
// methods. A non-2xx response comes back as an error wrapping *APIError, so
// the generated JSON4xx fields stay nil.
func (c *Client) API() *gen.ClientWithResponses { return c.api }

// BaseURL returns the base URL the client sends requests to.
func (c *Client) BaseURL() string { return c.base.String() }

// secret holds the API key, and the header value made from it once.
type secret struct {
	v      string
	header []string
}

// String describes the client without its API key.
func (c Client) String() string {
	return fmt.Sprintf("solid.Client{BaseURL: %q, APIKey: [REDACTED]}", c.base.String())
}

// Format prints the client as String does, for every verb, so %v, %+v and
// %#v cannot reveal the API key.
func (c Client) Format(f fmt.State, _ rune) { fmt.Fprint(f, c.String()) }

// SetPinToken is a one-time token for setting a card's PIN with Solid's PIN
// SDK (step 2 of the flow). Printing it, with fmt or slog, shows the card ID
// but never the token; read Token, or encode it as JSON, to use the value.
type SetPinToken struct {
	// CardID is the card the token is for.
	CardID string `json:"id"`
	// Token is the one-time PIN token. Treat it as a secret.
	Token string `json:"set_pin_token"`
}

// String describes the token without revealing it.
func (t SetPinToken) String() string {
	return fmt.Sprintf("solid.SetPinToken{CardID: %q, Token: [REDACTED]}", t.CardID)
}

// Format prints the token as String does, for every verb.
func (t SetPinToken) Format(f fmt.State, _ rune) { fmt.Fprint(f, t.String()) }

// LogValue keeps the token out of slog records.
func (t SetPinToken) LogValue() slog.Value {
	return slog.GroupValue(slog.String("card_id", t.CardID), slog.String("token", "[REDACTED]"))
}

// CreateSetPinToken mints a one-time PIN token for cardID (step 1 of setting
// a PIN). A card ID that could change the request path (empty, ".", "..",
// control characters, invalid UTF-8, over 256 bytes) is refused with
// ErrInvalidInput before any request; any other is escaped. Errors from the
// API are *APIError. The call is safe to retry: a repeat only mints another
// token.
func (c *Client) CreateSetPinToken(ctx context.Context, cardID string) (*SetPinToken, error) {
	const op = "createSetPinToken"
	if err := checkPathParam("card ID", cardID); err != nil {
		return nil, fmt.Errorf("solid: %s: %w", op, err)
	}
	ctx, cancel := c.withTimeout(ctx)
	req, err := c.newRequest(ctx, c.setPinToken, cardID)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("solid: %s: %w", op, err)
	}
	resp, err := c.send(req, c.setPinToken, cancel)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, c.apiError(op, resp, 1)
	}
	// SetPinToken has the JSON names of gen.SetPinToken (a test keeps them
	// equal), so the body decodes straight into the value returned.
	tok := new(SetPinToken)
	if err := decodeJSON(resp, tok); err != nil {
		return nil, fmt.Errorf("solid: %s: %w: %w", op, ErrMalformedResponse, err)
	}
	switch {
	case tok.CardID == "":
		return nil, fmt.Errorf("solid: %s: %w: no id in 200 body", op, ErrMalformedResponse)
	case tok.Token == "":
		return nil, fmt.Errorf("solid: %s: %w: no set_pin_token in 200 body", op, ErrMalformedResponse)
	case tok.CardID != cardID:
		return nil, fmt.Errorf("solid: %s: %w: token is for card %q, not %q", op, ErrMalformedResponse, truncate(tok.CardID), truncate(cardID))
	}
	return tok, nil
}

// maxParamLen bounds a path parameter: Solid's IDs are under 64 bytes.
const maxParamLen = 256

// checkPathParam refuses values that could change the request path or
// break it; anything else is escaped when the path is built.
func checkPathParam(what, v string) error {
	switch {
	case v == "":
		return fmt.Errorf("%w: empty %s", ErrInvalidInput, what)
	case v == "." || v == "..":
		return fmt.Errorf("%w: %s %q is a path segment", ErrInvalidInput, what, v)
	case len(v) > maxParamLen:
		return fmt.Errorf("%w: %s is %d bytes, over %d", ErrInvalidInput, what, len(v), maxParamLen)
	case !utf8.ValidString(v):
		return fmt.Errorf("%w: %s %q is not valid UTF-8", ErrInvalidInput, what, v)
	case hasControl(v):
		return fmt.Errorf("%w: %s %q has control characters", ErrInvalidInput, what, v)
	}
	return nil
}

func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return true
		}
	}
	return false
}

func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

// parseBaseURL accepts https URLs, and http URLs on loopback hosts.
func parseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("solid: base URL: %w", err)
	}
	switch {
	case u.Scheme != "https" && u.Scheme != "http":
		return nil, fmt.Errorf("solid: base URL %q: scheme must be https", raw)
	case u.Host == "":
		return nil, fmt.Errorf("solid: base URL %q: no host", raw)
	case u.User != nil:
		return nil, errors.New("solid: base URL must not contain user info")
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return nil, fmt.Errorf("solid: base URL %q: no query or fragment allowed", raw)
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		return nil, fmt.Errorf("solid: base URL %q: plain http is allowed only for loopback hosts; use https", raw)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
		if u.RawPath != "" {
			u.RawPath += "/"
		}
	}
	return u, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
