#!/usr/bin/env bash
# cost-of-size.sh BEFORE [AFTER]: what the spec's size costs, for two
# commits measured in one run on this machine (AFTER defaults to the work
# tree). For each: lines of generated Go, a consumer's clean build (a
# scratch module importing the root package, empty GOCACHE), the size of
# the `solid` binary, `solid mock` start-up to its first 200 beside a
# constant server's (median of STARTS), and the per-call benchmarks of
# bench_test.go. Prints one markdown table. Loopback only.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
GO=${GO:-go}
STARTS=${STARTS:-7}
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
	starts=$(for _ in $(seq "$STARTS"); do startup "$tmp/solid-$name" mock --quiet --addr 127.0.0.1:@PORT@; done | median)
	cstarts=$(for _ in $(seq "$STARTS"); do startup "$tmp/constserver" -addr 127.0.0.1:@PORT@; done | median)
	row[$name]="| $name | $lines | $gen | $t | $(awk -v b="$s" 'BEGIN {printf "%.1f", b / 1048576}') | $starts | $cstarts | $(awk -v a="$starts" -v b="$cstarts" 'BEGIN {printf "%.1f", a / b}') |"
	echo "measured $name" >&2
}

measure before "$tmp/before"
measure after "$after_dir"

echo "| tree | lines in gen/ | other generated lines | consumer clean build s | solid binary MB | solid mock start-up ms | constant start-up ms | mock / constant |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
echo "${row[before]}"
echo "${row[after]}"
echo
echo "before: $(git rev-parse --short "$before"); after: ${after:-work tree}; start-ups: median of $STARTS."

if [ "${BENCH:-1}" = 1 ]; then
	echo
	echo "Per-call benchmarks (bench_test.go), before then after:"
	for d in "$tmp/before" "$after_dir"; do
		(cd "$d" && "$GO" test -run '^$' -bench 'SetPinToken' -benchtime 20000x . | grep -E '^Benchmark') || true
		echo
	done
fi
