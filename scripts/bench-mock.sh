#!/usr/bin/env bash
# bench-mock.sh: process-level load benchmark of `solid mock` (full request
# validation against openapi.yaml) beside a constant net/http server, and
# optionally Prism, all measured the same way with internal/cmd/loadgen.
#
#   scripts/bench-mock.sh                 # constant and solid mock
#   PRISM=1 scripts/bench-mock.sh         # and Prism 5.16.0 (needs npm the first time)
#   MIX=1 scripts/bench-mock.sh           # the mixed workload: constant, solid mock, Prism
#
# For each target: t0, start the server on a free loopback port, time to the
# first 200 (loadgen -await), closed-loop load at c=1 and c=32, peak RSS
# (VmHWM), stop. Prints one markdown table. Loopback only, bounded counts.
#
# Environment: N1 (requests at c=1, default 3000), N32 (at c=32, default
# 20000), WARMUP1 / WARMUP32 (unmeasured requests first, default 300 / 2000),
# PRISM=1, PRISM_N1 / PRISM_N32 (default N1 / N32), PRISM_ARGS (extra
# arguments for `prism mock`, e.g. "-v error"; default none), PIN=1 to pin the server
# to CPU 0 and loadgen to CPU 1 (taskset), GO (default go).
#
# MIX=1: instead of the one request, every operation of openapi.yaml, as
# testdata/bench/mix.json lists them (internal/cmd/mixgen writes it from
# the spec; MIXFILE overrides), each loadgen worker cycling through the
# list. Three targets in one run: the constant server (the upper bound:
# one fixed 200 for any request), `solid mock --quiet` and Prism with
# `-v error` (both without a log line per request; PRISM=0 leaves Prism
# out), on the same spec and the same mix. Prism runs from tools/prism
# (npm ci with its lockfile) when installed there, else from the npx
# cache. createWebhook's url, where a callback goes, is a loopback sink (a
# second constant server): Prism delivers createWebhook's callback there,
# solid mock the signed events the mix's webhooks subscribe to (its
# simulated transactions' events), off the request path. Each worker's
# delete deletes what its own create made (the mix's "from"), so the
# mock's webhooks do not pile up over a run. Prints one table with the
# ratios to Prism and to the constant server. Non-2xx answers are counted
# (a worker's delete before its first create names an id nobody stores:
# the mock answers the declared 404, Prism, which keeps no state, 204); an
# answer the operation does not declare fails.
#
# CLIENT: how loadgen sends (default raw: HTTP/1.1 written on each
# worker's own connection, which leaves the server measured more of the
# shared cores than Go's http.Client; CLIENT=http for that one).
set -euo pipefail

cd "$(dirname "$0")/.."
GO=${GO:-go}
N1=${N1:-3000}
N32=${N32:-20000}
WARMUP1=${WARMUP1:-300}
WARMUP32=${WARMUP32:-2000}
MIX=${MIX:-0}
# With MIX=1 Prism is in by default.
if [ "$MIX" = 1 ]; then PRISM=${PRISM:-1}; else PRISM=${PRISM:-0}; fi
PRISM_PKG=@stoplight/prism-cli@5.16.0
PRISM_N1=${PRISM_N1:-$N1}
PRISM_N32=${PRISM_N32:-$N32}
PRISM_ARGS=${PRISM_ARGS:-}
PIN=${PIN:-0}
MIXFILE=${MIXFILE:-testdata/bench/mix.json}
CLIENT=${CLIENT:-raw}

CARD=crd_7948d9a96706dd05360a340002de725f
PATH_=/v2/issuing/card/$CARD/set_pin_token
MOCK_KEY=$(sed -n 's/^[[:space:]]*DefaultAPIKey = "\(.*\)"$/\1/p' solidtest/solidtest.go)
[ -n "$MOCK_KEY" ] || { echo "bench-mock: cannot find solidtest.DefaultAPIKey" >&2; exit 1; }

tmp=$(mktemp -d)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do
		# Each server runs in its own process group (setsid): stop the group.
		kill -TERM -- "-$p" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "building into $tmp" >&2
"$GO" build -o "$tmp/solid" ./cmd/solid
"$GO" build -o "$tmp/constserver" ./internal/cmd/constserver
"$GO" build -o "$tmp/loadgen" ./internal/cmd/loadgen

srv_cpu=() lg_cpu=()
if [ "$PIN" = 1 ]; then
	srv_cpu=(taskset -c 0)
	lg_cpu=(taskset -c 1)
fi

# free_port: a loopback port no socket uses, below the ephemeral range
# (where loadgen's own connections would otherwise collide with it).
free_port() {
	local p lo
	lo=$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
	for _ in $(seq 100); do
		p=$((10000 + RANDOM % (lo - 10000)))
		if [ -z "$(ss -Htan "( sport = :$p or dport = :$p )")" ]; then
			echo "$p"
			return
		fi
	done
	echo "bench-mock: no free port" >&2
	return 1
}

# start NAME CMD...: starts CMD in its own process group with output to
# $tmp/NAME.log; sets $pid.
start() {
	local name=$1
	shift
	setsid "${srv_cpu[@]}" "$@" >"$tmp/$name.log" 2>&1 &
	pid=$!
	pids+=("$pid")
}

# stop PID: stops the process group and waits for it.
stop() {
	kill -TERM -- "-$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
	local p keep=()
	for p in "${pids[@]}"; do
		[ "$p" = "$1" ] || keep+=("$p")
	done
	pids=("${keep[@]+"${keep[@]}"}")
}

# listener_pid PORT: the pid of the process listening on PORT.
listener_pid() {
	ss -Htlnp "sport = :$1" | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1
}

# tree_pids PID: PID and all its descendants.
tree_pids() {
	local p
	echo "$1"
	for p in $(pgrep -P "$1" || true); do
		tree_pids "$p"
	done
}

# hwm_kb PID: peak resident set size (VmHWM) of one process, in kB.
hwm_kb() {
	awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0
}

# await_ok NAME URL KEY T0 TIMEOUT: sets $startup to the ms from T0 to the
# first 200 from URL, or fails when the server ($pid) exits first.
await_ok() {
	local name=$1 url=$2 key=$3 t0=$4 timeout=$5 apid
	lg -await "$url" -method POST -H "api-key: $key" -t0 "$t0" -timeout "$timeout" >"$tmp/await.out" &
	apid=$!
	while kill -0 "$apid" 2>/dev/null; do
		if ! kill -0 "$pid" 2>/dev/null; then
			kill "$apid" 2>/dev/null || true
			wait "$apid" 2>/dev/null || true
			echo "bench-mock: $name exited before answering 200; its log:" >&2
			cat "$tmp/$name.log" >&2
			return 1
		fi
		sleep 0.05
	done
	if ! wait "$apid"; then
		echo "bench-mock: $name did not answer 200; its log:" >&2
		cat "$tmp/$name.log" >&2
		return 1
	fi
	startup=$(cat "$tmp/await.out")
}

json_field() { # json_field JSON NAME
	sed -n "s/.*\"$2\":\([^,}]*\).*/\1/p" <<<"$1"
}

lg() { "${lg_cpu[@]}" "$tmp/loadgen" -client "$CLIENT" "$@"; }

rows=()
const_rps32=

# launch NAME KEY TIMEOUT CMD...: start CMD on a free port (@PORT@ in its
# arguments) and wait for its first 200; sets $port, $url, $pid, $startup.
launch() {
	local name=$1 key=$2 timeout=$3
	shift 3
	local t0
	port=$(free_port)
	url=http://127.0.0.1:$port$PATH_
	local cmd=("$@")
	cmd=("${cmd[@]//@PORT@/$port}")
	t0=$(date +%s%N)
	start "$name" "${cmd[@]}"
	await_ok "$name" "$url" "$key" "$t0" "$timeout"
}

# measure NAME KEY N1 N32 CMD...: one row of the table.
measure() {
	local name=$1 key=$2 n1=$3 n32=$4
	shift 4
	local port url r1 r32 spid rss_kb rss_tree_kb p
	launch "$name" "$key" 120s "$@" || return 1
	r1=$(lg -url "$url" -method POST -H "api-key: $key" -c 1 -n "$n1" -warmup "$WARMUP1" -json) ||
		{ echo "bench-mock: $name at c=1: $r1" >&2; return 1; }
	r32=$(lg -url "$url" -method POST -H "api-key: $key" -c 32 -n "$n32" -warmup "$WARMUP32" -json) ||
		{ echo "bench-mock: $name at c=32: $r32" >&2; return 1; }
	spid=$(listener_pid "$port")
	rss_kb=$(hwm_kb "${spid:-$pid}")
	rss_tree_kb=0
	for p in $(tree_pids "$pid"); do
		rss_tree_kb=$((rss_tree_kb + $(hwm_kb "$p")))
	done
	stop "$pid"

	local rps1 rps32 ratio rss
	rps1=$(json_field "$r1" req_per_s)
	rps32=$(json_field "$r32" req_per_s)
	[ -n "$const_rps32" ] || const_rps32=$rps32
	ratio=$(awk -v a="$rps32" -v b="$const_rps32" 'BEGIN {printf "%.2f", a / b}')
	rss=$(awk -v k="$rss_kb" 'BEGIN {printf "%.1f", k / 1024}')
	if [ "$rss_tree_kb" -gt "$rss_kb" ]; then
		rss="$rss (tree $(awk -v k="$rss_tree_kb" 'BEGIN {printf "%.1f", k / 1024}'))"
	fi
	rows+=("$(printf '| %s | %s | %.0f | %.2f / %.2f | %.0f | %.2f / %.2f | %s | %s |' \
		"$name" "$startup" "$rps1" "$(json_field "$r1" p50_ms)" "$(json_field "$r1" p99_ms)" \
		"$rps32" "$(json_field "$r32" p50_ms)" "$(json_field "$r32" p99_ms)" "$rss" "$ratio")")
	echo "  $name: start-up ${startup} ms; c=1: $r1" >&2
	echo "  $name: c=32: $r32" >&2
}

# startup_only NAME KEY CMD...: start-up time to the first 200, nothing
# else; sets $startup.
startup_only() {
	local name=$1 key=$2
	shift 2
	local port url
	launch "$name" "$key" 300s "$@" || return 1
	stop "$pid"
}

# prism_bin: Prism's entry point, from tools/prism (npm ci, lockfile) or
# else the npx cache (filled through npx if need be); sets $bin.
prism_bin() {
	local d want=${PRISM_PKG##*@}
	bin=
	for d in "$PWD/tools/prism/node_modules/@stoplight/prism-cli" "$(npm config get cache)"/_npx/*/node_modules/@stoplight/prism-cli; do
		if grep -q "\"version\": \"$want\"" "$d/package.json" 2>/dev/null; then
			bin=$d/dist/index.js
			break
		fi
	done
}

if [ "$MIX" = 1 ]; then
	[ -f "$MIXFILE" ] || { echo "bench-mock: no mix file $MIXFILE (go run ./internal/cmd/mixgen)" >&2; exit 1; }
	# The operations of the mix, its setup entries aside.
	nops=$(awk '/"setup":/ {exit} /"operation":/ {n++} END {print n}' "$MIXFILE")
	# The callback sink: where createWebhook's url points. It counts what
	# it is sent (GET /_count).
	sink_port=$(free_port)
	setsid "${srv_cpu[@]}" "$tmp/constserver" -addr "127.0.0.1:$sink_port" -count >"$tmp/sink.log" 2>&1 &
	sink_pid=$!
	pids+=("$sink_pid")
	sink_url=http://127.0.0.1:$sink_port/webhook
	# sink_count: the number of requests the sink has answered.
	sink_count() {
		local n
		exec 3<>"/dev/tcp/127.0.0.1/$sink_port"
		printf 'GET /_count HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
		n=$(tail -n 1 <&3)
		exec 3<&-
		echo "$n"
	}

	names=() r1s=() r32s=() rsss=() starts=() sinks=()
	# measure_mix NAME KEY N1 N32 [EXTRA...] -- CMD...: one target under
	# the mix. EXTRA: loadgen arguments; -setup goes to the first run only
	# (the mix's setup entries: a webhook on every event type).
	measure_mix() {
		local name=$1 key=$2 n1=$3 n32=$4
		shift 4
		local extra=() setup=()
		while [ "$1" != -- ]; do
			if [ "$1" = -setup ]; then setup=(-setup); else extra+=("$1"); fi
			shift
		done
		shift
		local port url r1 r32 spid rss_kb base sink0 sink1
		launch "$name" "$key" 120s "$@" || return 1
		base=http://127.0.0.1:$port
		local mixargs=(-mix "$MIXFILE" -base "$base" -callback "$sink_url" -H "api-key: $key" -json "${extra[@]+"${extra[@]}"}")
		sink0=$(sink_count)
		r1=$(lg "${mixargs[@]}" "${setup[@]+"${setup[@]}"}" -c 1 -n "$n1" -warmup "$WARMUP1") ||
			{ echo "bench-mock: $name at c=1: $r1" >&2; return 1; }
		r32=$(lg "${mixargs[@]}" -c 32 -n "$n32" -warmup "$WARMUP32") ||
			{ echo "bench-mock: $name at c=32: $r32" >&2; return 1; }
		# Deliveries run off the request path: wait until the sink's
		# count holds still (at most 20 s), and ask the mock what it
		# dropped (its control API; another server has none).
		local last=-1 same=0 tries=0
		sink1=$(sink_count)
		while [ "$same" -lt 3 ] && [ "$tries" -lt 100 ]; do
			sleep 0.2
			last=$sink1 sink1=$(sink_count) tries=$((tries + 1))
			if [ "$sink1" = "$last" ]; then same=$((same + 1)); else same=0; fi
		done
		local dropped
		dropped=$(exec 3<>"/dev/tcp/127.0.0.1/$port" && printf 'GET /_solidtest/deliveries HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3 &&
			sed -n 's/^Solidtest-Dropped-Events: *\([0-9]*\).*/\1/p' <&3; exec 3<&-)
		spid=$(listener_pid "$port")
		rss_kb=$(hwm_kb "${spid:-$pid}")
		stop "$pid"
		names+=("$name") r1s+=("$r1") r32s+=("$r32") rsss+=("$rss_kb") starts+=("$startup")
		sinks+=("$(awk -v d="$((sink1 - sink0))" -v n="$((n1 + WARMUP1 + n32 + WARMUP32))" 'BEGIN {printf "%.2f", d / n}')${dropped:+ ($dropped dropped)}")
		echo "  $name: start-up ${startup} ms; c=1: $r1" >&2
		echo "  $name: c=32: $r32" >&2
		echo "  $name: the sink got $((sink1 - sink0)) requests" >&2
	}

	echo "mixed workload: $nops operations from $MIXFILE; callback sink $sink_url" >&2
	echo "measuring constant" >&2
	# The constant server answers 200 to everything, which the spec does not
	# declare for a create (201) or a delete (204): counted, not a failure.
	measure_mix constant "$MOCK_KEY" "$N1" "$N32" -any-status -- "$tmp/constserver" -addr 127.0.0.1:@PORT@
	echo "measuring solid mock --quiet" >&2
	measure_mix "solid mock" "$MOCK_KEY" "$N1" "$N32" -- "$tmp/solid" mock --quiet --addr 127.0.0.1:@PORT@
	echo "measuring solid mock --quiet, a webhook on every event" >&2
	measure_mix "solid mock, every event delivered" "$MOCK_KEY" "$N1" "$N32" -setup -- "$tmp/solid" mock --quiet --addr 127.0.0.1:@PORT@
	prism_i=
	if [ "$PRISM" = 1 ]; then
		prism_bin
		if [ -z "$bin" ]; then
			echo "prism: not in tools/prism nor the npx cache; fetching $PRISM_PKG through npx" >&2
			npx --yes "$PRISM_PKG" --version >/dev/null
			prism_bin
		fi
		[ -n "$bin" ] && [ -f "$bin" ] || { echo "bench-mock: cannot find Prism $PRISM_PKG" >&2; exit 1; }
		echo "measuring prism -v error ($bin)" >&2
		prism_i=${#names[@]}
		measure_mix "prism ${PRISM_PKG##*@} -v error" "any-key" "$PRISM_N1" "$PRISM_N32" -- \
			node "$bin" mock -p @PORT@ -h 127.0.0.1 -v error "$PWD/openapi.yaml"
	fi
	stop "$sink_pid"

	ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.1fx", a / b; else printf "-"}'; }
	echo
	echo "| target | start-up ms | req/s c=1 | p50/p99 ms c=1 | req/s c=32 | p50/p99 ms c=32 | peak RSS MB | non-2xx c=1 / c=32 | sink POSTs per request | req/s vs Prism c=1 / c=32 | req/s c=32 vs constant |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	c1=$(json_field "${r1s[0]}" req_per_s) c32=$(json_field "${r32s[0]}" req_per_s)
	p1= p32=
	if [ -n "$prism_i" ]; then
		p1=$(json_field "${r1s[$prism_i]}" req_per_s) p32=$(json_field "${r32s[$prism_i]}" req_per_s)
	fi
	for i in "${!names[@]}"; do
		a1=$(json_field "${r1s[$i]}" req_per_s) a32=$(json_field "${r32s[$i]}" req_per_s)
		vsp="-"
		[ -z "$p1" ] || vsp="$(ratio "$a1" "$p1") / $(ratio "$a32" "$p32")"
		printf '| %s | %s | %.0f | %.2f / %.2f | %.0f | %.2f / %.2f | %.1f | %s / %s | %s | %s | %.2f |\n' \
			"${names[$i]}" "${starts[$i]}" "$a1" "$(json_field "${r1s[$i]}" p50_ms)" "$(json_field "${r1s[$i]}" p99_ms)" \
			"$a32" "$(json_field "${r32s[$i]}" p50_ms)" "$(json_field "${r32s[$i]}" p99_ms)" \
			"$(awk -v k="${rsss[$i]}" 'BEGIN {printf "%.1f", k / 1024}')" \
			"$(json_field "${r1s[$i]}" non2xx)" "$(json_field "${r32s[$i]}" non2xx)" "${sinks[$i]}" "$vsp" \
			"$(awk -v a="$a32" -v b="$c32" 'BEGIN {printf "%.2f", a / b}')"
	done
	echo
	echo "Mix: $nops operations ($MIXFILE), each worker cycling through them from its own place; c=1: $N1 requests after $WARMUP1 unmeasured; c=32: $N32 after $WARMUP32$([ -z "$prism_i" ] || [ "$PRISM_N1/$PRISM_N32" = "$N1/$N32" ] || echo "; Prism: $PRISM_N1 and $PRISM_N32"). pinned: $([ "$PIN" = 1 ] && echo 'server CPU 0, loadgen CPU 1' || echo no); loadgen -client $CLIENT."
	[ -z "$prism_i" ] || echo "Prism $(node --version): node on $bin, -v error; it delivers createWebhook's callback to the loopback sink; solid mock delivers its webhooks' events there (the sink's count, per request sent, warm-ups included; the every-event row first registers a webhook on all event types with loadgen -setup)."
	echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
	exit 0
fi

echo "measuring constant" >&2
measure constant "$MOCK_KEY" "$N1" "$N32" "$tmp/constserver" -addr 127.0.0.1:@PORT@
echo "measuring solid mock" >&2
measure "solid mock" "$MOCK_KEY" "$N1" "$N32" "$tmp/solid" mock --addr 127.0.0.1:@PORT@

notes=()
if [ "$PRISM" = 1 ]; then
	spec=$PWD/openapi.yaml
	read -r -a prism_args <<<"$PRISM_ARGS"
	npx_cmd=(npx --yes "$PRISM_PKG" mock -p @PORT@ -h 127.0.0.1 "${prism_args[@]}" "$spec")
	# First through npx: downloads the package unless cached.
	echo "prism via npx (first start in this run: downloads unless cached)" >&2
	startup_only "prism-npx-first" "any-key" "${npx_cmd[@]}"
	s_first=$startup
	echo "prism via npx (second start)" >&2
	startup_only "prism-npx" "any-key" "${npx_cmd[@]}"
	s_npx=$startup
	# The same package, without npx's resolution: node runs Prism's own
	# entry point from the npx cache, as the mock's binary runs directly.
	bin=
	for d in "$(npm config get cache)"/_npx/*/node_modules/@stoplight/prism-cli; do
		if grep -q "\"version\": \"${PRISM_PKG##*@}\"" "$d/package.json" 2>/dev/null; then
			bin=$d/dist/index.js
			break
		fi
	done
	if [ -z "$bin" ] || [ ! -f "$bin" ]; then
		echo "bench-mock: cannot find Prism in the npx cache" >&2
		exit 1
	fi
	echo "measuring prism ($bin)" >&2
	measure "prism ${PRISM_PKG##*@}" "any-key" "$PRISM_N1" "$PRISM_N32" node "$bin" mock -p @PORT@ -h 127.0.0.1 "${prism_args[@]}" "$spec"
	notes+=("Prism ($(node --version)) start-up through npx: ${s_first} ms the first time in this run, ${s_npx} ms the second (npx resolution included); the table's row runs node on Prism's entry point directly.")
fi

echo
echo "| target | start-up ms | req/s c=1 | p50/p99 ms c=1 | req/s c=32 | p50/p99 ms c=32 | peak RSS MB | req/s c=32 vs constant |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
echo
[ -z "$PRISM_ARGS" ] || echo "Prism's extra arguments: $PRISM_ARGS"
echo "c=1: $N1 requests after $WARMUP1 unmeasured; c=32: $N32 after $WARMUP32. pinned: $([ "$PIN" = 1 ] && echo 'server CPU 0, loadgen CPU 1' || echo no); loadgen -client $CLIENT."
for n in "${notes[@]+"${notes[@]}"}"; do
	echo "$n"
done
