#!/usr/bin/env bash
# story.sh: the README's story against `solid mock`, from a shell, for
# teams in any language: curl for the API, `solid webhooks listen` for the
# events. It builds `solid` into a temp dir, starts `solid mock --quiet`,
# then, with curl:
#
#   1. creates a card holder under the seeded sub account;
#   2. issues them a virtual card;
#   3. mints a PIN token for it (never printed);
#   4. registers a webhook for every event List all Webhook Events lists,
#      its url a `solid webhooks listen` started with the signing secret
#      the create answers (passed in an environment variable, never on a
#      command line);
#   5. simulates an authorization (auth, pending);
#   6. settles it (adjust, settled, parent_transaction_id);
#   7. freezes the card (status blocked).
#
# It then waits, bounded, for the listener to print the events the story
# caused, and checks them: each verified (the listener prints only
# those), in order per resource, none missing and no other. The card
# holder's and the card's events came before the webhook existed and are
# not expected: the mock sends an event to the webhooks registered when
# the change happens, so one of theirs is a mismatch. Exit status: 0 the story held, 1 a
# step or an event did not match, 2 the tools could not start. Processes
# it started are stopped on exit.
#
# With --prism, the API calls go through Stoplight Prism (tools/prism,
# pinned by its lockfile; `make check-mock` installs it) in proxy mode with
# --errors in front of the mock, which checks every request and answer of
# the story against openapi.yaml; any violation it logs fails the story.
#
# JSON is read with grep and sed on the compact JSON the mock and the
# listener print, by key and id prefix (no python, no jq).
set -euo pipefail

prism=
case ${1:-} in
--prism) prism=tools/prism/node_modules/.bin/prism ;;
"") ;;
*) echo "usage: scripts/story.sh [--prism]" >&2; exit 2 ;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
for tool in curl go; do
	command -v "$tool" >/dev/null || { echo "story: $tool is needed" >&2; exit 2; }
done
if [ -n "$prism" ] && [ ! -x "$prism" ]; then
	echo "story: $prism missing: make check-mock installs it (npm ci)" >&2
	exit 2
fi

tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

fail() { echo "story: $*" >&2; exit 1; }

go build -o "$tmp/solid" ./cmd/solid
"$tmp/solid" mock --addr 127.0.0.1:0 --quiet >"$tmp/mock.out" 2>&1 &
pids+=($!)
base=
for _ in $(seq 100); do
	base=$(sed -n 's/^solid mock: serving .* at \(http:[^ ]*\)$/\1/p' "$tmp/mock.out")
	[ -n "$base" ] && break
	sleep 0.1
done
[ -n "$base" ] || { cat "$tmp/mock.out" >&2; echo "story: the mock did not start" >&2; exit 2; }
echo "story: solid mock at $base"
mock=$base # the control API is the mock's own
if [ -n "$prism" ]; then
	port=$((20000 + RANDOM % 40000))
	"$prism" proxy openapi.yaml "$mock" --errors --host 127.0.0.1 --port "$port" >"$tmp/prism.log" 2>&1 &
	pids+=($!)
	ready=
	for _ in $(seq 150); do
		if grep -q "Prism is listening" "$tmp/prism.log"; then ready=1; break; fi
		sleep 0.2
	done
	[ -n "$ready" ] || { cat "$tmp/prism.log" >&2; echo "story: Prism did not start" >&2; exit 2; }
	base=http://127.0.0.1:$port
	echo "story: through Prism (proxy, --errors) at $base"
fi

KEY=sk_test_solidtest_4f1c2b7e9a0d4c6e8b3a5d7f9e1c3b5a # solidtest.DefaultAPIKey
SUB=sub_bda1e562657c41e553104b10aad3fe70              # the documented sub account the mock starts with

# api METHOD PATH [JSON]: calls the mock; the answer goes to $tmp/body.
# Fails on any status but 2xx.
api() {
	local method=$1 path=$2 data=${3:-} code
	local args=(-sS --max-time 10 -o "$tmp/body" -w '%{http_code}' -X "$method" -H "api-key: $KEY")
	[ -n "$data" ] && args+=(-H 'Content-Type: application/json' -d "$data")
	code=$(curl "${args[@]}" "$base$path") || fail "$method $path: curl failed"
	case $code in
	2??) ;;
	*) fail "$method $path: status $code: $(head -c 300 "$tmp/body")" ;;
	esac
}

# field KEY VALUE_PREFIX: the first string value of KEY starting with
# VALUE_PREFIX in the answer (ids carry their kind's prefix, so the
# top-level "id" of a transaction is the first "id" starting with txn_).
field() {
	grep -o "\"$1\": *\"$2[^\"]*\"" "$tmp/body" | head -n 1 | sed 's/.*: *"\(.*\)"$/\1/'
}

# has TEXT: the answer contains TEXT.
has() { grep -qF -- "$1" "$tmp/body"; }

# 1. A card holder, under the seeded sub account.
api POST /v2/issuing/card_holder '{"sub_account_id":"'$SUB'","person":{"first_name":"Jane","last_name":"Doe","email":"jane.doe@example.com"}}'
holder=$(field id cah_)
[ -n "$holder" ] || fail "createCardHolder answered no cah_ id"
has "\"sub_account_id\":\"$SUB\"" || fail "card holder $holder is not under $SUB"
echo "1. card holder $holder"

# 2. A virtual card for them.
api POST /v2/issuing/card '{"cardholder_id":"'$holder'","type":"virtual","label":"Online ads"}'
card=$(field id crd_)
[ -n "$card" ] || fail "createCard answered no crd_ id"
has "\"card_holder_id\":\"$holder\"" || fail "card $card is not $holder's"
has '"type":"virtual"' || fail "card $card is not virtual"
echo "2. virtual card $card"

# 3. Its PIN: a one-time token for the card holder's device. Not printed.
api POST "/v2/issuing/card/$card/set_pin_token"
[ -n "$(field set_pin_token card_pin_test_)" ] || fail "createSetPinToken answered no card_pin_test_ token"
echo "3. PIN token minted for $card ([REDACTED])"

# 4. A webhook for every event, sent to `solid webhooks listen`. Its url
# comes before its secret, and the listener needs the secret to start:
# pick a port, register, start the listener there; another port if that
# one is taken.
api GET '/v2/webhook/events?limit=100'
has '"has_more":"false"' || has '"has_more":false' || fail "listWebhookEvents has more than one page"
events=$(sed -n 's/.*"data":\(\[[^]]*\]\).*/\1/p' "$tmp/body")
[ -n "$events" ] || fail "listWebhookEvents answered no data"
listening=
for _ in 1 2 3 4 5; do
	port=$((20000 + RANDOM % 40000))
	api POST /v2/webhook '{"url":"http://127.0.0.1:'$port'/solid/events","description":"story.sh","events":'"$events"'}'
	webhook=$(field id whk_)
	STORY_WEBHOOK_SECRET=$(field secret "")
	[ -n "$webhook" ] && [ -n "$STORY_WEBHOOK_SECRET" ] || fail "createWebhook answered no whk_ id or no secret"
	rm -f "$tmp/body" # it holds the secret
	STORY_WEBHOOK_SECRET=$STORY_WEBHOOK_SECRET "$tmp/solid" webhooks listen --addr "127.0.0.1:$port" --secret-env STORY_WEBHOOK_SECRET \
		>"$tmp/events.jsonl" 2>"$tmp/listen.err" &
	lpid=$!
	for _ in $(seq 100); do
		if grep -q "verifying deliveries at" "$tmp/listen.err"; then listening=1; break; fi
		kill -0 "$lpid" 2>/dev/null || break
		sleep 0.1
	done
	if [ -n "$listening" ]; then
		pids+=("$lpid")
		break
	fi
	kill "$lpid" 2>/dev/null || true
	wait "$lpid" 2>/dev/null || true
	api DELETE "/v2/webhook/$webhook"
done
[ -n "$listening" ] || { cat "$tmp/listen.err" >&2; echo "story: solid webhooks listen did not start" >&2; exit 2; }
unset STORY_WEBHOOK_SECRET
echo "4. webhook $webhook -> solid webhooks listen on 127.0.0.1:$port (signing secret [REDACTED])"

# The events the story expects, in order per resource: "TYPE ID" lines.
# A create is announced by <resource>.created, an update by
# <resource>.updated and, when the status moved, <resource>.status.<status>.
want=$tmp/want
: >"$want"

# 5. An authorization, pending.
api POST /v2/simulate/incoming/card_issuing '{"card_id":"'$card'","amount":"93.50","type":"auth","status":"pending"}'
auth=$(field id txn_)
[ -n "$auth" ] || fail "simulateCardTransaction (auth) answered no txn_ id"
has '"status":"pending"' || fail "authorization $auth is not pending"
cp "$tmp/body" "$tmp/auth.json"
echo "transaction.created $auth" >>"$want"
echo "5. authorization $auth: 93.50 pending"

# 6. Its settlement, naming it.
api POST /v2/simulate/incoming/card_issuing '{"card_id":"'$card'","amount":"93.50","type":"adjust","status":"settled","parent_transaction_id":"'$auth'"}'
settle=$(field id txn_)
[ -n "$settle" ] || fail "simulateCardTransaction (adjust) answered no txn_ id"
has '"status":"settled"' || fail "settlement $settle is not settled"
has "\"parent_transaction_id\":\"$auth\"" || fail "settlement $settle does not name $auth"
echo "transaction.created $settle" >>"$want"
# Whatever the settlement did to the authorization is announced too.
api GET "/v2/payments/transaction/$auth"
if ! cmp -s "$tmp/body" "$tmp/auth.json"; then
	echo "transaction.updated $auth" >>"$want"
	if ! has '"status":"pending"'; then
		st=$(grep -o '"status":"[a-z_]*"' "$tmp/body" | tail -n 1 | sed 's/.*:"\(.*\)"/\1/')
		echo "transaction.status.$st $auth" >>"$want"
	fi
fi
echo "6. settlement $settle: 93.50 settled, parent_transaction_id $auth"

# 7. Freeze the card.
api PATCH "/v2/issuing/card/$card" '{"status":"blocked"}'
has '"status":"blocked"' || fail "card $card is not blocked"
printf 'card.updated %s\ncard.status.blocked %s\n' "$card" "$card" >>"$want"
echo "7. card $card frozen (blocked)"

# The listener's lines as "TYPE ID", the id read by the prefix of the
# event's resource.
got=$tmp/got
normalize() {
	: >"$got"
	while IFS= read -r line; do
		typ=$(printf '%s\n' "$line" | sed -n 's/^{"type":"\([^"]*\)".*/\1/p')
		case $typ in
		card_holder.*) prefix=cah_ ;;
		card.*) prefix=crd_ ;;
		transaction.*) prefix=txn_ ;;
		*) prefix=none ;;
		esac
		id=$(printf '%s\n' "$line" | grep -o "\"id\":\"$prefix[^\"]*\"" | head -n 1 | sed 's/.*:"\(.*\)"/\1/')
		echo "${typ:-?} ${id:-?}" >>"$got"
	done <"$tmp/events.jsonl"
}

# Wait, bounded, for as many events as expected, then until the mock has
# no delivery in flight, so a late unexpected one shows too.
n=$(wc -l <"$want")
for _ in $(seq 100); do
	normalize
	[ "$(wc -l <"$got")" -ge "$n" ] && break
	sleep 0.1
done
for _ in $(seq 50); do
	curl -sS --max-time 5 -o "$tmp/deliveries" "$mock/_solidtest/deliveries" || fail "GET /_solidtest/deliveries failed"
	grep -q '"done":false' "$tmp/deliveries" || break
	sleep 0.1
done
normalize

status=0
for id in "$holder" "$card" "$auth" "$settle"; do
	if ! diff <(grep " $id\$" "$want" || true) <(grep " $id\$" "$got" || true) >"$tmp/diff"; then
		echo "story: events of $id differ (< expected, > received):" >&2
		cat "$tmp/diff" >&2
		status=1
	fi
done
if grep -v -e " $holder\$" -e " $card\$" -e " $auth\$" -e " $settle\$" "$got" >"$tmp/other"; then
	echo "story: unexpected events:" >&2
	cat "$tmp/other" >&2
	status=1
fi
if grep -E 'level=(WARN|ERROR)' "$tmp/listen.err" >&2; then
	echo "story: solid webhooks listen refused deliveries" >&2
	status=1
fi
if [ -n "$prism" ] && grep -E 'Violation|✖' "$tmp/prism.log" >&2; then
	echo "story: Prism reported violations" >&2
	status=1
fi
if grep -q '"delivered":false' "$tmp/deliveries"; then
	echo "story: the mock did not deliver every event:" >&2
	cat "$tmp/deliveries" >&2
	status=1
fi
[ $status -eq 0 ] || exit 1
echo "story: solid webhooks listen verified the $n expected events, in order per resource, and no other:"
sed 's/^/  /' "$got"
