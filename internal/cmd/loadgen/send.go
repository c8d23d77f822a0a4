package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// sender sends one worker's requests, one at a time, and returns each
// answer's status, and its body when keep is set (it is read and dropped
// otherwise). path is the request's path and query, relative to the
// target's base.
type sender interface {
	send(method, path string, body []byte, keep bool) (status int, answer []byte, err error)
	close()
}

// The clients -client picks.
const (
	// clientRaw writes each request on the worker's own keep-alive
	// connection and reads the answer with http.ReadResponse: it takes
	// far less of the machine than net/http's client, which leaves the
	// CPU to the server measured (loadgen and the server share the cores).
	clientRaw = "raw"
	// clientHTTP sends through an http.Client, as a Go program would.
	clientHTTP = "http"
)

// newSender returns a sender of kind (clientRaw or clientHTTP) for target
// (a loopback URL: scheme, host and an optional path prefix), with hdr on
// every request.
func newSender(kind string, target *url.URL, hdr http.Header, hc *http.Client, timeout time.Duration) sender {
	if kind == clientHTTP {
		return &httpSender{hc: hc, base: target, hdr: hdr}
	}
	var h bytes.Buffer
	fmt.Fprintf(&h, "Host: %s\r\nUser-Agent: loadgen\r\n", target.Host)
	for k, vs := range hdr {
		for _, v := range vs {
			fmt.Fprintf(&h, "%s: %s\r\n", k, v)
		}
	}
	return &rawSender{addr: target.Host, prefix: target.EscapedPath(), hdr: h.Bytes(), timeout: timeout}
}

// rawSender is clientRaw: HTTP/1.1 on one connection, dialled again after
// an error or a "Connection: close". Requests are never retried.
type rawSender struct {
	addr, prefix string
	hdr          []byte // Host, User-Agent and -H, each ending in CRLF
	timeout      time.Duration
	c            net.Conn
	br           *bufio.Reader
	buf          []byte
}

func (s *rawSender) send(method, path string, body []byte, keep bool) (int, []byte, error) {
	if s.c == nil {
		ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
		c, err := loopbackDialer.DialContext(ctx, "tcp", s.addr)
		cancel()
		if err != nil {
			return 0, nil, err
		}
		s.c = c
		if s.br == nil {
			s.br = bufio.NewReaderSize(c, 16<<10)
		} else {
			s.br.Reset(c)
		}
	}
	b := append(s.buf[:0], method...)
	b = append(b, ' ')
	b = append(b, s.prefix...)
	b = append(b, path...)
	b = append(b, " HTTP/1.1\r\n"...)
	b = append(b, s.hdr...)
	if body != nil {
		b = append(b, "Content-Type: application/json\r\n"...)
	}
	if body != nil || method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch {
		b = append(b, "Content-Length: "...)
		b = strconv.AppendInt(b, int64(len(body)), 10)
		b = append(b, "\r\n"...)
	}
	b = append(b, "\r\n"...)
	b = append(b, body...)
	s.buf = b
	s.c.SetDeadline(time.Now().Add(s.timeout))
	if _, err := s.c.Write(b); err != nil {
		s.close()
		return 0, nil, err
	}
	resp, err := http.ReadResponse(s.br, nil)
	if err != nil {
		s.close()
		return 0, nil, err
	}
	answer, err := readAnswer(resp, keep)
	if err != nil || resp.Close {
		s.close()
	}
	if err != nil {
		return 0, nil, err
	}
	return resp.StatusCode, answer, nil
}

// readAnswer reads resp's body to its end and closes it: the body when
// keep is set, else nothing.
func readAnswer(resp *http.Response, keep bool) (answer []byte, err error) {
	if keep {
		answer, err = io.ReadAll(resp.Body)
	} else {
		_, err = io.Copy(io.Discard, resp.Body)
	}
	resp.Body.Close()
	return answer, err
}

func (s *rawSender) close() {
	if s.c != nil {
		s.c.Close()
		s.c = nil
	}
}

// httpSender is clientHTTP. It keeps one request per method and path, as
// a request may be sent again once its answer's body is closed.
type httpSender struct {
	hc   *http.Client
	base *url.URL
	hdr  http.Header
	reqs map[[2]string]*http.Request
}

func (s *httpSender) send(method, path string, body []byte, keep bool) (int, []byte, error) {
	key := [2]string{method, path}
	req := s.reqs[key]
	if req == nil {
		var err error
		if req, err = http.NewRequest(method, s.base.String()+path, nil); err != nil {
			return 0, nil, err
		}
		req.Header = s.hdr.Clone()
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if s.reqs == nil {
			s.reqs = map[[2]string]*http.Request{}
		}
		if len(s.reqs) < 1024 { // paths made from answers are each sent once
			s.reqs[key] = req
		}
	}
	setBody(req, body)
	resp, err := s.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	answer, err := readAnswer(resp, keep)
	if err != nil {
		return 0, nil, err
	}
	return resp.StatusCode, answer, nil
}

func (s *httpSender) close() {}
