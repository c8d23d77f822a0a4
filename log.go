package solid

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/solidsdk/solid-go/internal/redact"
)

// logAttempt writes one record for one attempt: operation, method, path
// template, path parameters, attempt, duration, and the status and request
// id or the error. Never a header or a body; error text is scrubbed.
func (t *transport) logAttempt(ctx context.Context, r *route, req *http.Request, resp *http.Response, err error, attempt int, d time.Duration) {
	attrs := []slog.Attr{
		slog.String("operation", r.op.ID),
		slog.String("method", req.Method),
		slog.String("path", r.op.Path),
		slog.Group("params", pathParams(t.basePath, r, req.URL)...),
		slog.Int("attempt", attempt),
		slog.Duration("duration", d),
	}
	level := slog.LevelInfo
	if err != nil {
		level = slog.LevelWarn
		attrs = append(attrs, slog.String("error", scrubOptions(ctx, redact.Secrets(err.Error(), t.key.v))))
	} else {
		attrs = append(attrs, slog.Int("status", resp.StatusCode))
		if id := requestID(resp.Header, t.key.v); id != "" {
			attrs = append(attrs, slog.String("request_id", scrubOptions(ctx, id)))
		}
		if resp.StatusCode >= 400 {
			level = slog.LevelWarn
		}
	}
	t.logger.LogAttrs(ctx, level, "solid request", attrs...)
}

// pathParams returns the unescaped path parameters of u as log attributes.
func pathParams(basePath string, r *route, u *url.URL) []any {
	segs, _ := segments(basePath, u)
	var attrs []any
	k := 0
	for j, s := range r.segs {
		if s == "" && j < len(segs) && k < len(r.params) {
			v, _ := url.PathUnescape(segs[j])
			attrs = append(attrs, slog.String(r.params[k], v))
			k++
		}
	}
	return attrs
}

// scrubOptions removes the values of a typed call's options (a header
// value, an idempotency key) from text the server wrote.
func scrubOptions(ctx context.Context, text string) string {
	if s := callSettingsFrom(ctx); s != nil {
		return s.scrub(text)
	}
	return text
}
