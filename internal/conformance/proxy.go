package conformance

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"

	"github.com/solidsdk/solid-go/internal/specval"
)

// NewProxy returns a reverse proxy to target that checks every request
// and answer passing through against openapi.yaml, strictly (Check), and
// logs one record per difference to logger. Traffic passes unchanged: the
// API key is forwarded as sent and never logged, bodies are read (up to
// 1 MiB) and handed on as they were.
func NewProxy(target *url.URL, logger *slog.Logger) (http.Handler, error) {
	v, err := specval.Default()
	if err != nil {
		return nil, err
	}
	p := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.Host = target.Host
		},
	}
	basePath := strings.TrimSuffix(target.Path, "/")
	check := func(req *http.Request, status int, header http.Header, body []byte, key string) {
		vreq := req.Clone(req.Context())
		vreq.URL.Path = strings.TrimPrefix(vreq.URL.Path, basePath)
		vreq.URL.RawPath = ""
		rt, err := v.FindRoute(vreq)
		if err != nil {
			logger.Warn("solid proxy", "operation", "", "pointer", "", "expected", "an operation of openapi.yaml",
				"seen", Scrub(req.Method+" "+vreq.URL.Path, key, maxText))
			return
		}
		for _, f := range Check(rt.Operation, status, header, body, key) {
			logger.Warn("solid proxy", "operation", f.Operation, "pointer", f.Pointer, "expected", f.Expected, "seen", f.Seen, "request_id", f.RequestID)
		}
	}
	p.ModifyResponse = func(resp *http.Response) error {
		body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
		resp.Body.Close()
		if err != nil {
			return err
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		req := resp.Request
		check(req, resp.StatusCode, resp.Header, body, req.Header.Get("api-key"))
		return nil
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The request is checked against the spec as it arrives.
		var body []byte
		if r.Body != nil && r.Body != http.NoBody {
			b, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
			r.Body.Close()
			if err != nil {
				http.Error(w, "reading the request: "+err.Error(), http.StatusBadGateway)
				return
			}
			body = b
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		vreq := r.Clone(r.Context())
		vreq.URL.Path = strings.TrimPrefix(vreq.URL.Path, basePath)
		vreq.URL.RawPath = ""
		vreq.Body = io.NopCloser(bytes.NewReader(body))
		if _, err := v.ValidateRequest(vreq); err != nil {
			key := r.Header.Get("api-key")
			first, _, _ := strings.Cut(err.Error(), "\n")
			logger.Warn("solid proxy", "request", Scrub(r.Method+" "+r.URL.Path, key, maxText), "violation", Scrub(first, key, 4*maxText))
		}
		p.ServeHTTP(w, r)
	}), nil
}
