// Command constserver is the baseline for scripts/bench-mock.sh: a minimal
// net/http server that answers every request with the same 200 and JSON
// body the mock sends for createSetPinToken, doing no other work.
//
//	constserver -addr 127.0.0.1:4011 [-count]
//
// With -count (the callback sink of the mixed workload) it counts the
// requests it answers, and GET /_count answers that number instead.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"
)

var body = []byte(`{"id":"crd_7948d9a96706dd05360a340002de725f","set_pin_token":"card_pin_test_01920c6725b4707688fa0ad517bdeddb"}`)

func main() {
	addr := flag.String("addr", "127.0.0.1:4011", "address to listen on")
	count := flag.Bool("count", false, "count the requests answered; GET /_count answers the number")
	flag.Parse()
	var n atomic.Int64
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "constserver: %v\n", err)
		os.Exit(1)
	}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if *count {
				if r.Method == http.MethodGet && r.URL.Path == "/_count" {
					w.Write([]byte(strconv.FormatInt(n.Load(), 10)))
					return
				}
				n.Add(1)
			}
			w.Header().Set("Content-Type", "application/json")
			w.Write(body)
		}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	fmt.Printf("constserver: serving at http://%s\n", ln.Addr())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		fmt.Fprintf(os.Stderr, "constserver: %v\n", err)
		os.Exit(1)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(sctx)
}
