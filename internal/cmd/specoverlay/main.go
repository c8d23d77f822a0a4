// Command specoverlay writes an OpenAPI document with an overlay's paths
// and components added (internal/specoverlay.Merge), for tools that read a
// file: make lint-spec lints the spec-evolution fixture this way.
//
//	go run ./internal/cmd/specoverlay -out evolved.yaml openapi.yaml testdata/spec-evolution/overlay.yaml
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/solidsdk/solid-go/internal/specoverlay"
)

func main() {
	out := flag.String("out", "", "file to write the merged document to (default: standard output)")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: specoverlay [-out file] base.yaml overlay.yaml")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 2 {
		flag.Usage()
		os.Exit(2)
	}
	base, err := os.ReadFile(flag.Arg(0))
	if err != nil {
		fail(err)
	}
	overlay, err := os.ReadFile(flag.Arg(1))
	if err != nil {
		fail(err)
	}
	merged, err := specoverlay.Merge(base, overlay)
	if err != nil {
		fail(fmt.Errorf("%s + %s: %w", flag.Arg(0), flag.Arg(1), err))
	}
	if *out == "" {
		_, err = os.Stdout.Write(merged)
	} else {
		err = os.WriteFile(*out, merged, 0o644)
	}
	if err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "specoverlay:", err)
	os.Exit(1)
}
