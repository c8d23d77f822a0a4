#!/usr/bin/env bash
# check-mock.sh: a third party checks the mock. Starts `solid mock`, puts
# Stoplight Prism (tools/prism, pinned by its lockfile) in front of it in
# proxy mode with --errors, which validates every request and answer
# against openapi.yaml, and runs internal/cmd/mocksession through it: every
# operation, its error answers included. Fails on any unexpected status or
# any violation Prism logs. Prism with --errors never forwards a request
# that breaks the spec (it answers 422 itself), so a second Prism without
# --errors carries the session's deliberately invalid requests (limit=500)
# to the mock; there only response violations count. `make check-mock`
# runs it (in make ci).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
prism=tools/prism/node_modules/.bin/prism
[ -x "$prism" ] || { echo "check-mock: $prism missing: make check-mock installs it (npm ci)" >&2; exit 2; }

tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

go build -o "$tmp/solid" ./cmd/solid
"$tmp/solid" mock --addr 127.0.0.1:0 --quiet >"$tmp/mock.out" 2>&1 &
pids+=($!)
mock_url=
for _ in $(seq 50); do
	mock_url=$(sed -n 's/^solid mock: serving .* at \(http:[^ ]*\)$/\1/p' "$tmp/mock.out")
	[ -n "$mock_url" ] && break
	sleep 0.1
done
[ -n "$mock_url" ] || { cat "$tmp/mock.out" >&2; echo "check-mock: the mock did not start" >&2; exit 1; }

port=$((20000 + RANDOM % 40000))
lport=$((port + 1))
"$prism" proxy openapi.yaml "$mock_url" --errors --host 127.0.0.1 --port "$port" >"$tmp/prism.log" 2>&1 &
pids+=($!)
"$prism" proxy openapi.yaml "$mock_url" --host 127.0.0.1 --port "$lport" >"$tmp/lenient.log" 2>&1 &
pids+=($!)
for log in prism lenient; do
	ready=
	for _ in $(seq 150); do
		if grep -q "Prism is listening" "$tmp/$log.log"; then ready=1; break; fi
		sleep 0.2
	done
	[ -n "$ready" ] || { cat "$tmp/$log.log" >&2; echo "check-mock: Prism ($log) did not start" >&2; exit 1; }
done

status=0
go run ./internal/cmd/mocksession -base "http://127.0.0.1:$port" -lenient "http://127.0.0.1:$lport" -mock "$mock_url" || status=1
violations=$(grep -cE 'Violation|✖' "$tmp/prism.log" || true)
if [ "$violations" -gt 0 ]; then
	grep -E 'Violation|✖' "$tmp/prism.log" >&2
	echo "check-mock: Prism reported $violations violations" >&2
	status=1
fi
# The lenient proxy logs the invalid requests' own violations (on purpose);
# a violation in an answer, or a request it could not carry, fails.
violations=$(grep -cE 'Violation: response|terminated with error' "$tmp/lenient.log" || true)
if [ "$violations" -gt 0 ]; then
	grep -E 'Violation: response|terminated with error' "$tmp/lenient.log" >&2
	echo "check-mock: Prism (lenient) reported $violations violations in answers" >&2
	status=1
fi
[ $status -eq 0 ] && echo "check-mock: Prism (proxy, --errors; without it for deliberately invalid requests) saw the whole session and reported no violation in an answer"
exit $status
