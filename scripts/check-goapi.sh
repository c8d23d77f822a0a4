#!/usr/bin/env bash
# check-goapi.sh BASELINE CHANGELOG
#
# The Go API gate. Compares the exported Go API of every package of this
# module (internal packages excluded) with BASELINE, the apidiff export data
# of the last release (api/go/vX.Y.Z.export, written by
# scripts/goapi-snapshot.sh), using the apidiff pinned in tools/go.mod. A
# spec change harmless on the wire can still break Go callers: a renamed
# schema renames a type, a new header parameter changes a method's
# signature.
#
# It fails on an incompatible change unless the "## [Unreleased]" section
# of CHANGELOG has a "BREAKING (Go API)" entry (scripts/changelog.sh). A
# method added to a generated client interface (gen.ClientInterface,
# gen.ClientWithResponsesInterface), which every new operation brings, is
# reported as an addition to the interfaces: it breaks only code that
# implements them, and is listed, not failed.
#
# Exit status: 0 compatible, or declared; 1 an undeclared incompatible
# change; 2 usage or tool errors. `make check-goapi` and goapi_test.go run
# this script, so the rule lives here only. Run it from a module root.
set -euo pipefail

if [ $# -ne 2 ]; then
	echo "usage: $0 BASELINE CHANGELOG" >&2
	exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
baseline=$1
changelog=$2
for f in "$baseline" "$changelog"; do
	[ -f "$f" ] || { echo "check-goapi: $f: no such file" >&2; exit 2; }
done
module=$(go list -m)
apidiff=${APIDIFF:-"go tool -modfile=$root/tools/go.mod apidiff"}

set +e
out=$($apidiff -m "$baseline" "$module" 2>&1)
rc=$?
set -e
if [ $rc -ne 0 ]; then
	printf '%s\n' "$out" >&2
	echo "check-goapi: apidiff failed (exit $rc)" >&2
	exit 2
fi
out=$(printf '%s\n' "$out" | grep -v '^Ignoring internal package' || true)

# Split apidiff's "Incompatible changes:" list into interface additions
# and the rest.
incompatible=$(printf '%s\n' "$out" | awk '/^Incompatible changes:/ { on = 1; next } /^[A-Z]/ { on = 0 } on')
iface=$(printf '%s\n' "$incompatible" | grep -E '(^- |\.)(ClientInterface|ClientWithResponsesInterface)\.[A-Za-z0-9_]+: added$' || true)
breaks=$(printf '%s\n' "$incompatible" | grep -vE '(^- |\.)(ClientInterface|ClientWithResponsesInterface)\.[A-Za-z0-9_]+: added$' | grep . || true)
compatible=$(printf '%s\n' "$out" | awk '/^Compatible changes:/ { on = 1; next } /^[A-Z]/ { on = 0 } on')

[ -z "$compatible" ] || printf 'Compatible changes:\n%s\n' "$compatible"
[ -z "$iface" ] || printf 'Methods added to the generated client interfaces (break only your own implementations of them):\n%s\n' "$iface"
if [ -z "$breaks" ]; then
	echo "check-goapi: no incompatible Go API change from $baseline"
	exit 0
fi
printf 'Incompatible changes:\n%s\n' "$breaks"
. "$root/scripts/changelog.sh"
if unreleased_declares go "$changelog"; then
	echo "check-goapi: incompatible Go API changes from $baseline, declared \"BREAKING (Go API)\" in $changelog's [Unreleased] section"
	exit 0
fi
cat >&2 <<MSG
check-goapi: FAIL: the Go API is incompatible with $baseline (see above).
Either keep the old names and signatures, or declare it: add an entry
containing "BREAKING (Go API)" under "## [Unreleased]" in $changelog.
MSG
exit 1
