#!/usr/bin/env bash
# cost-of-size.sh BEFORE [AFTER]: what the spec's size costs, for two
# commits measured in one run on this machine (AFTER defaults to the work
# tree). For each: lines of generated Go, a consumer's clean build (a
# scratch module importing the root package, empty GOCACHE), the size of
# the `solid` binary, `solid mock` start-up to its first 200 beside a
# constant server's (median of STARTS, with the range), where that
# start-up goes (runtime init from GODEBUG=inittrace=1; kin-openapi's load,
# doc.Validate with examples and legacy.NewRouter of openapi.yaml; a cold
# and a warm solidtest.NewHandler; the first request: medians of PHASES
# runs), and the per-call benchmarks of bench_test.go as `make bench`
# reports them (BENCH_ROUNDS interleaved rounds through benchratio).
# Prints markdown. Loopback only.
#
#   scripts/cost-of-size.sh $(git merge-base main spec-all)
#   STARTS=15 BENCH_ROUNDS=5 scripts/cost-of-size.sh BEFORE AFTER
#   BENCH=0 scripts/cost-of-size.sh BEFORE   # no per-call benchmarks
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
GO=${GO:-go}
STARTS=${STARTS:-7}
PHASES=${PHASES:-7}
BENCH_ROUNDS=${BENCH_ROUNDS:-3}
before=${1:?usage: cost-of-size.sh BEFORE [AFTER]}
after=${2:-}

tmp=$(mktemp -d)
cleanup() {
	git -C "$root" worktree remove --force "$tmp/before" 2>/dev/null || true
	[ -z "$after" ] || git -C "$root" worktree remove --force "$tmp/after" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

git worktree add -q --detach "$tmp/before" "$before"
if [ -n "$after" ]; then
	git worktree add -q --detach "$tmp/after" "$after"
	after_dir=$tmp/after
else
	after_dir=$root
fi

"$GO" build -o "$tmp/loadgen" ./internal/cmd/loadgen
"$GO" build -o "$tmp/constserver" ./internal/cmd/constserver
"$GO" build -o "$tmp/benchratio" ./internal/cmd/benchratio
key=$(sed -n 's/^[[:space:]]*DefaultAPIKey = "\(.*\)"$/\1/p' solidtest/solidtest.go)
card=crd_7948d9a96706dd05360a340002de725f

port() { echo $((20000 + RANDOM % 10000)); }

# startup CMD...: ms from exec to the first 200 (@PORT@ in the arguments).
startup() {
	local p t0 pid ms
	p=$(port)
	local cmd=("$@")
	cmd=("${cmd[@]//@PORT@/$p}")
	t0=$(date +%s%N)
	"${cmd[@]}" >/dev/null 2>&1 &
	pid=$!
	ms=$("$tmp/loadgen" -await "http://127.0.0.1:$p/v2/issuing/card/$card/set_pin_token" -method POST -H "api-key: $key" -t0 "$t0" -timeout 60s) || ms=NaN
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	echo "$ms"
}

median() { sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
# medrange: "median (min–max)" of the numbers on stdin.
medrange() { sort -g | awk '{a[NR] = $1} END {printf "%s (%s–%s)", a[int((NR + 1) / 2)], a[1], a[NR]}'; }

# initms BINARY ARGS...: ms of package initialisation (the sum of
# GODEBUG=inittrace=1's clock column), and of its largest package.
initms() {
	GODEBUG=inittrace=1 "$@" 2>&1 >/dev/null | awk '/^init / {t += $5; if ($5 > m) {m = $5; p = $2}} END {printf "%.1f %s %.1f\n", t, p, m}'
}

# The phase program: public APIs only, so it builds against either tree.
phases_src=$(cat <<'GO'
// The start-up phases of the mock, through public APIs only, so one
// program measures any commit (cost-of-size.sh builds it against each).
//
//	phases parts SPEC: kin-openapi's load, doc.Validate (examples), legacy.NewRouter
//	phases mock:       solidtest.NewHandler cold (what `solid mock` does), warm, first request
package main

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/solidsdk/solid-go/solidtest"
)

func main() {
	t := time.Now()
	lap := func(name string) {
		fmt.Printf("%s %.2f\n", name, float64(time.Since(t).Microseconds())/1000)
		t = time.Now()
	}
	switch os.Args[1] {
	case "parts":
		b, err := os.ReadFile(os.Args[2])
		if err != nil {
			panic(err)
		}
		t = time.Now()
		doc, err := openapi3.NewLoader().LoadFromData(b)
		if err != nil {
			panic(err)
		}
		lap("load")
		if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
			panic(err)
		}
		lap("validate")
		doc.Servers = nil
		if _, err := legacy.NewRouter(doc); err != nil {
			panic(err)
		}
		lap("legacy-router")
	case "mock":
		h := solidtest.NewHandler()
		lap("handler-cold")
		solidtest.NewHandler()
		lap("handler-warm")
		req := httptest.NewRequest("POST", "/v2/issuing/card/crd_7948d9a96706dd05360a340002de725f/set_pin_token", nil)
		req.Header.Set("api-key", solidtest.DefaultAPIKey)
		w := httptest.NewRecorder()
		t = time.Now()
		h.ServeHTTP(w, req)
		if w.Code != 200 {
			panic(w.Code)
		}
		lap("first-request")
	}
}
GO
)

declare -A phase
# measure_phases NAME DIR: medians of PHASES runs of each phase.
measure_phases() {
	local name=$1 dir=$2 mod=$tmp/phasesmod-$name k i
	mkdir -p "$mod"
	printf 'module example.com/phases\n\ngo 1.26\n\nrequire github.com/solidsdk/solid-go v0.0.0\n\nreplace github.com/solidsdk/solid-go => %s\n' "$dir" >"$mod/go.mod"
	cp "$dir/go.sum" "$mod/go.sum"
	printf '%s\n' "$phases_src" >"$mod/main.go"
	GOFLAGS=-mod=mod "$GO" build -C "$mod" -o "$tmp/phases-$name" .
	: >"$tmp/phases-$name.out"
	for i in $(seq "$PHASES"); do
		"$tmp/phases-$name" parts "$dir/openapi.yaml" >>"$tmp/phases-$name.out"
		"$tmp/phases-$name" mock >>"$tmp/phases-$name.out"
		initms "$tmp/solid-$name" --version | awk '{print "init-total", $1; print "init-largest", $3; print "init-largest-pkg", $2}' >>"$tmp/phases-$name.out"
		initms "$tmp/constserver" -h | awk '{print "init-constserver", $1}' >>"$tmp/phases-$name.out"
	done
	for k in init-total init-largest init-constserver load validate legacy-router handler-cold handler-warm first-request; do
		phase[$name,$k]=$(awk -v k="$k" '$1 == k {print $2}' "$tmp/phases-$name.out" | medrange)
	done
	phase[$name,init-largest-pkg]=$(awk '$1 == "init-largest-pkg" {print $2}' "$tmp/phases-$name.out" | sort | uniq -c | sort -rn | awk 'NR == 1 {print $2}')
}

declare -A row
measure() { # measure NAME DIR
	local name=$1 dir=$2 lines gen mod t s starts cstarts
	lines=$(cat "$dir"/gen/*.go | wc -l)
	gen=$(find "$dir" -name '*.gen.go' -not -path '*/testdata/*' -not -path '*/gen/*' -exec cat {} + | wc -l)
	mod=$tmp/consumer-$name
	mkdir -p "$mod"
	printf 'module example.com/consumer\n\ngo 1.26\n\nrequire github.com/solidsdk/solid-go v0.0.0\n\nreplace github.com/solidsdk/solid-go => %s\n' "$dir" >"$mod/go.mod"
	cp "$dir/go.sum" "$mod/go.sum"
	printf 'package main\n\nimport solid "github.com/solidsdk/solid-go"\n\nfunc main() { _, _ = solid.NewClient("k", solid.WithEnvironment(solid.Sandbox)) }\n' >"$mod/main.go"
	rm -rf "$tmp/gocache"
	t=$( { /usr/bin/time -f %e env GOCACHE="$tmp/gocache" GOFLAGS=-mod=mod "$GO" build -C "$mod" -o "$tmp/consumer" . ; } 2>&1 | tail -1)
	"$GO" build -C "$dir" -o "$tmp/solid-$name" ./cmd/solid
	s=$(stat -c %s "$tmp/solid-$name")
	# Interleaved, so the machine's drift touches both alike.
	: >"$tmp/starts-$name"
	: >"$tmp/cstarts-$name"
	for _ in $(seq "$STARTS"); do
		startup "$tmp/solid-$name" mock --quiet --addr 127.0.0.1:@PORT@ >>"$tmp/starts-$name"
		startup "$tmp/constserver" -addr 127.0.0.1:@PORT@ >>"$tmp/cstarts-$name"
	done
	starts=$(median <"$tmp/starts-$name")
	cstarts=$(median <"$tmp/cstarts-$name")
	row[$name]="| $name | $lines | $gen | $t | $(awk -v b="$s" 'BEGIN {printf "%.1f", b / 1048576}') | $(medrange <"$tmp/starts-$name") | $(medrange <"$tmp/cstarts-$name") | $(awk -v a="$starts" -v b="$cstarts" 'BEGIN {printf "%.1f", a / b}') |"
	measure_phases "$name" "$dir"
	echo "measured $name" >&2
}

measure before "$tmp/before"
measure after "$after_dir"

echo "| tree | lines in gen/ | other generated lines | consumer clean build s | solid binary MB | solid mock start-up ms | constant start-up ms | mock / constant |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
echo "${row[before]}"
echo "${row[after]}"
echo
echo "before: $(git rev-parse --short "$before"); after: ${after:-work tree}; start-ups: median (range) of $STARTS, interleaved with the constant server's."
echo
echo "Where start-up goes, ms, median (range) of $PHASES runs (in process, so without exec and listen):"
echo
echo "| phase | before | after |"
echo "|---|---:|---:|"
for k in init-total init-largest init-constserver load validate legacy-router handler-cold handler-warm first-request; do
	label=$k
	case $k in
	init-total) label="runtime init of \`solid\` (all packages)" ;;
	init-largest) label="of which the largest package (before: ${phase[before,init-largest-pkg]}; after: ${phase[after,init-largest-pkg]})" ;;
	init-constserver) label="runtime init of the constant server" ;;
	load) label="kin-openapi LoadFromData(openapi.yaml)" ;;
	validate) label="doc.Validate, examples included" ;;
	legacy-router) label="legacy.NewRouter (validates again)" ;;
	handler-cold) label="first solidtest.NewHandler (what \`solid mock\` runs)" ;;
	handler-warm) label="a second NewHandler (spec cached: plans, seeds)" ;;
	first-request) label="first request (createSetPinToken)" ;;
	esac
	echo "| $label | ${phase[before,$k]} | ${phase[after,$k]} |"
done

if [ "${BENCH:-1}" = 1 ]; then
	# As `make bench` does for the client: rounds of both trees
	# interleaved, each tree's ratios from its own rounds.
	: >"$tmp/bench-before.out"
	: >"$tmp/bench-after.out"
	for i in $(seq "$BENCH_ROUNDS"); do
		echo "bench round $i of $BENCH_ROUNDS" >&2
		(cd "$tmp/before" && "$GO" test -run '^$' -bench 'SetPinToken' -benchtime 20000x .) >>"$tmp/bench-before.out"
		(cd "$after_dir" && "$GO" test -run '^$' -bench 'SetPinToken' -benchtime 20000x .) >>"$tmp/bench-after.out"
	done
	for name in before after; do
		echo
		echo "Per-call benchmarks (bench_test.go), $name, $BENCH_ROUNDS rounds:"
		echo
		"$tmp/benchratio" <"$tmp/bench-$name.out"
	done
fi
