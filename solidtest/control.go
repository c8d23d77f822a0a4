package solidtest

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/solidsdk/solid-go/internal/redact"
)

// serveControl serves the /_solidtest/ API of WithControl, and logs each
// call.
func (h *Handler) serveControl(w http.ResponseWriter, r *http.Request, start time.Time) {
	status, reason := h.control1(w, r)
	if h.logger == nil {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", r.Method),
		slog.String("path", truncate(redact.Secrets(r.URL.EscapedPath(), ""))),
		slog.Int("status", status),
		slog.String("remote", r.RemoteAddr),
		slog.Duration("duration", time.Since(start)),
	}
	if reason != "" {
		attrs = append(attrs, slog.String("reason", reason))
	}
	h.logger.LogAttrs(r.Context(), slog.LevelInfo, "solidtest control", attrs...)
}

// control1 answers one control call, returning its status and, for a
// refusal, why.
func (h *Handler) control1(w http.ResponseWriter, r *http.Request) (int, string) {
	fail := func(status int, msg string) (int, string) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(status)
		fmt.Fprintln(w, msg)
		return status, msg
	}
	if !h.controlAllowed(r.RemoteAddr, r.Host) {
		return fail(http.StatusForbidden, "control API: only loopback clients (see WithControlFrom, solid mock --control-open)")
	}
	if r.Method == http.MethodGet {
		var v any
		switch r.URL.Path {
		case "/_solidtest/requests":
			reqs := h.Requests()
			for i := range reqs {
				reqs[i].Path = redact.Secrets(reqs[i].Path, "")
				reqs[i].CardID = redact.Secrets(reqs[i].CardID, "")
			}
			v = reqs
		case "/_solidtest/faults":
			v = h.Faults()
		case "/_solidtest/deliveries":
			v = h.Deliveries()
			w.Header().Set("Solidtest-Dropped-Events", strconv.Itoa(h.DroppedEvents()))
		default:
			return fail(http.StatusNotFound, "control API: no "+truncate(r.URL.EscapedPath()))
		}
		b, err := json.Marshal(v)
		if err != nil {
			return fail(http.StatusInternalServerError, err.Error())
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(b)
		return http.StatusOK, ""
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		return fail(http.StatusMethodNotAllowed, "control API: GET or POST")
	}
	// A page on any site can POST text/plain or a form here without a
	// preflight; application/json needs one, which is never granted.
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		return fail(http.StatusUnsupportedMediaType, "control API: send Content-Type: application/json")
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	switch r.URL.Path {
	case "/_solidtest/faults":
		var f Fault
		if err := dec.Decode(&f); err != nil {
			return fail(http.StatusBadRequest, "faults: "+err.Error())
		}
		if msg := h.faultProblem(f); msg != "" {
			return fail(http.StatusBadRequest, "faults: "+msg)
		}
		h.QueueFault(f)
	case "/_solidtest/latency":
		var l struct {
			Latency string `json:"latency"`
		}
		if err := dec.Decode(&l); err != nil {
			return fail(http.StatusBadRequest, "latency: "+err.Error())
		}
		d, err := time.ParseDuration(l.Latency)
		if err != nil || d < 0 {
			return fail(http.StatusBadRequest, fmt.Sprintf("latency: %q is not a duration like 250ms", l.Latency))
		}
		h.SetLatency(d)
	case "/_solidtest/reset":
		h.Reset()
	case "/_solidtest/deliveries/fail":
		var f struct {
			Count *int `json:"count"`
		}
		if err := dec.Decode(&f); err != nil || f.Count == nil || *f.Count < 0 {
			return fail(http.StatusBadRequest, `deliveries/fail: send {"count":n}, n >= 0`)
		}
		h.FailNextDeliveries(*f.Count)
	default:
		return fail(http.StatusNotFound, "control API: no "+truncate(r.URL.EscapedPath()))
	}
	w.WriteHeader(http.StatusNoContent)
	return http.StatusNoContent, ""
}

// controlAllowed reports whether a client at remote (an http.Request's
// RemoteAddr) asking for host may use the control API. A loopback client
// must also name the mock by a loopback name or an IP address: a page
// whose DNS name is rebound to 127.0.0.1 is a loopback client too, but
// its requests carry its own name.
func (h *Handler) controlAllowed(remote, host string) bool {
	ap, err := netip.ParseAddrPort(remote)
	if err != nil {
		return false
	}
	a := ap.Addr().Unmap()
	for _, p := range h.ctlFrom {
		if p.Contains(a) {
			return true
		}
	}
	if !a.IsLoopback() {
		return false
	}
	if hn, _, err := net.SplitHostPort(host); err == nil {
		host = hn
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if _, err := netip.ParseAddr(host); err == nil {
		return true
	}
	host = strings.ToLower(host)
	return host == "localhost" || strings.HasSuffix(host, ".localhost")
}
