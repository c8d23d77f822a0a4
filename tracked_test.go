package solid_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckTracked runs scripts/check-tracked.sh, the script behind `make
// check-tracked`, on throwaway repositories: a tracked ELF binary, an
// executable holding NUL bytes, or a file over 1 MiB fails it; source,
// scripts and data pass.
func TestCheckTracked(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	script, err := filepath.Abs(filepath.Join("scripts", "check-tracked.sh"))
	if err != nil {
		t.Fatal(err)
	}
	type file struct {
		name string
		data []byte
		exec bool
	}
	src := file{"main.go", []byte("package main\n"), false}
	tests := []struct {
		name     string
		files    []file
		wantExit int
		wantOut  string
	}{
		{"source and a script", []file{src, {"run.sh", []byte("#!/bin/sh\necho hi\n"), true}}, 0, "no binary"},
		{"a zip archive of data", []file{src, {"api.export", []byte("PK\x03\x04\x00\x00data"), false}}, 0, "no binary"},
		{"an ELF binary", []file{src, {"solid", append([]byte("\x7fELF\x02\x01\x01"), make([]byte, 64)...), true}}, 1, "solid is an executable binary"},
		{"an ELF test binary without the exec bit", []file{{"solid-go.test", []byte("\x7fELF\x02\x01\x01\x00"), false}}, 1, "executable binary"},
		{"a Mach-O binary", []file{{"solid-darwin", []byte("\xcf\xfa\xed\xfe\x07\x00"), true}}, 1, "executable binary"},
		{"an executable with NUL bytes", []file{{"tool", []byte("\x00\x01\x02\x03binary"), true}}, 1, "executable and binary"},
		{"a file over 1 MiB", []file{{"dump.json", bytes.Repeat([]byte("a"), 1<<20+1), false}}, 1, "over 1 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			git := func(args ...string) {
				t.Helper()
				cmd := exec.Command("git", args...)
				cmd.Dir = dir
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("git %v: %v\n%s", args, err, out)
				}
			}
			git("init", "-q")
			for _, f := range tt.files {
				mode := os.FileMode(0o644)
				if f.exec {
					mode = 0o755
				}
				if err := os.WriteFile(filepath.Join(dir, f.name), f.data, mode); err != nil {
					t.Fatal(err)
				}
				git("add", f.name)
			}
			out, err := exec.Command("bash", script, dir).CombinedOutput()
			exit := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				exit = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if exit != tt.wantExit || !strings.Contains(string(out), tt.wantOut) {
				t.Errorf("exit %d (want %d), output lacks %q:\n%s", exit, tt.wantExit, tt.wantOut, out)
			}
		})
	}
}
