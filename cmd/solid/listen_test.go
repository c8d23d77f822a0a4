package main

import (
	"context"
	"regexp"
	"testing"

	"github.com/solidsdk/solid-go/solidtest"
)

// TestListenWarning: solid mock and solid proxy warn when they listen
// beyond loopback, and only then.
func TestListenWarning(t *testing.T) {
	target := solidtest.NewServer()
	defer target.Close()
	tests := []struct {
		cmd, addr string
		warn      bool
	}{
		{cmd: "mock", addr: "127.0.0.1:0"},
		{cmd: "mock", addr: "0.0.0.0:0", warn: true},
		{cmd: "proxy", addr: "127.0.0.1:0"},
		{cmd: "proxy", addr: "0.0.0.0:0", warn: true},
	}
	for _, tt := range tests {
		t.Run(tt.cmd+" "+tt.addr, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var stdout, stderr syncBuffer
			ready := func(string) { cancel() }
			var code int
			switch tt.cmd {
			case "mock":
				code = runMock(ctx, []string{"--addr", tt.addr, "--quiet"}, &stdout, &stderr, ready)
			case "proxy":
				code = runProxy(ctx, []string{"--addr", tt.addr, "--target", target.URL}, &stdout, &stderr, ready)
			}
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			warned := regexp.MustCompile(`solid ` + tt.cmd + `: warning: listening on 0\.0\.0\.0, beyond loopback`).MatchString(stderr.String())
			if warned != tt.warn {
				t.Errorf("warned %v, want %v; stderr:\n%s", warned, tt.warn, stderr.String())
			}
		})
	}
}
