package webhook

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"
)

// DefaultMaxBodyBytes is the largest body [Handler] reads unless told
// otherwise (WithMaxBodyBytes): 1 MiB, far above any documented Solid
// object.
const DefaultMaxBodyBytes = 1 << 20

// HandlerOption configures [Handler].
type HandlerOption func(*handler)

// WithMaxBodyBytes sets the largest body the handler reads; a longer one
// is refused with 413 and never verified nor handed on. n <= 0 keeps the
// default, [DefaultMaxBodyBytes].
func WithMaxBodyBytes(n int64) HandlerOption {
	return func(h *handler) {
		if n > 0 {
			h.max = n
		}
	}
}

// WithLogger logs each delivery to l: a refused one at Warn (status and
// reason), a verified one at Info (event type, duration), one whose fn
// failed at Error (event type and fn's error). Records never hold the
// secret, the signature or the body.
func WithLogger(l *slog.Logger) HandlerOption {
	return func(h *handler) { h.log = l }
}

type handler struct {
	secret string
	fn     func(context.Context, Event) error
	max    int64
	log    *slog.Logger
}

// Handler returns an http.Handler for the URL of a webhook: it verifies
// each delivery with secret, parses it, and calls fn with the event and
// the request's context. It answers:
//
//   - 200 once fn has returned nil: only then is an event acknowledged;
//   - 500 when fn returns an error, so the sender delivers it again (fn's
//     error is logged, never sent back);
//   - 405 to a method other than POST;
//   - 413 to a body over the limit (1 MiB, WithMaxBodyBytes);
//   - 400 to a request with no signature header, or a signed body that is
//     not an event;
//   - 401 to a signature that does not match.
//
// A refused request is never handed to fn. Answers other than 200 carry a
// one-line reason as text, never the secret or the expected signature.
// Deliveries may repeat: fn should be idempotent (see the package doc).
//
// The secret is the webhook's signing secret as a string
// (wh.Secret.Reveal() of Create a Webhook's answer). Handler panics when
// secret is empty or fn is nil, as net/http does for a nil handler: both
// are mistakes in the program, not in a request.
func Handler(secret string, fn func(context.Context, Event) error, opts ...HandlerOption) http.Handler {
	if secret == "" {
		panic("webhook: Handler with an empty secret")
	}
	if fn == nil {
		panic("webhook: Handler with a nil fn")
	}
	h := &handler{secret: secret, fn: fn, max: DefaultMaxBodyBytes}
	for _, o := range opts {
		o(h)
	}
	return h
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.refuse(w, r, http.StatusMethodNotAllowed, "webhook: "+r.Method+" is not POST")
		return
	}
	if r.ContentLength > h.max {
		h.refuse(w, r, http.StatusRequestEntityTooLarge, ErrTooLarge.Error())
		return
	}
	sig := r.Header.Get(Header)
	if sig == "" {
		h.refuse(w, r, http.StatusBadRequest, ErrNoSignature.Error())
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.max))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			h.refuse(w, r, http.StatusRequestEntityTooLarge, ErrTooLarge.Error())
			return
		}
		h.refuse(w, r, http.StatusBadRequest, "webhook: reading the body failed")
		return
	}
	ev, err := ConstructEvent(body, sig, h.secret)
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, ErrBadSignature) {
			status = http.StatusUnauthorized
		}
		h.refuse(w, r, status, err.Error())
		return
	}
	if err := h.fn(r.Context(), ev); err != nil {
		if h.log != nil {
			h.log.LogAttrs(r.Context(), slog.LevelError, "webhook handler failed",
				slog.String("event", string(ev.Type)), slog.String("error", err.Error()),
				slog.Duration("duration", time.Since(start)))
		}
		http.Error(w, "webhook: the event was not handled; deliver it again", http.StatusInternalServerError)
		return
	}
	if h.log != nil {
		h.log.LogAttrs(r.Context(), slog.LevelInfo, "webhook event",
			slog.String("event", string(ev.Type)), slog.Duration("duration", time.Since(start)))
	}
	w.WriteHeader(http.StatusOK)
}

// refuse answers status with reason, and logs it. reason never holds the
// secret or a signature: it is the text of this package's errors.
func (h *handler) refuse(w http.ResponseWriter, r *http.Request, status int, reason string) {
	if h.log != nil {
		h.log.LogAttrs(r.Context(), slog.LevelWarn, "webhook refused",
			slog.Int("status", status), slog.String("reason", reason),
			slog.String("remote", r.RemoteAddr))
	}
	http.Error(w, reason, status)
}
