#!/usr/bin/env bash
# check-breaking.sh BASE REVISION CHANGELOG
#
# The breaking-change gate. Compares the OpenAPI document BASE (the spec as
# last released, api/released.yaml) with REVISION (openapi.yaml) using the
# oasdiff pinned in tools/go.mod. It fails when oasdiff reports a change of
# level ERR (a breaking change for clients), unless the "## [Unreleased]"
# section of CHANGELOG contains the word BREAKING on a line of its own (a
# "BREAKING (Go API)" line declares a Go API break only; see
# scripts/changelog.sh): a breaking change must be declared, and then
# released as a new major version (or minor, before 1.0).
#
# Exit status: 0 no breaking change, or a declared one; 1 an undeclared
# breaking change; 2 usage or tool errors (a spec that does not load counts).
# `make check-breaking` and breaking_test.go both run this script, so the
# rule lives here only. OASDIFF may name another oasdiff command to run.
set -euo pipefail

if [ $# -ne 3 ]; then
	echo "usage: $0 BASE REVISION CHANGELOG" >&2
	exit 2
fi

root=$(cd "$(dirname "$0")/.." && pwd)
abs() { case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$PWD/$1" ;; esac; }
base=$(abs "$1")
rev=$(abs "$2")
changelog=$(abs "$3")

for f in "$base" "$rev" "$changelog"; do
	[ -f "$f" ] || { echo "check-breaking: $f: no such file" >&2; exit 2; }
done

oasdiff() {
	if [ -n "${OASDIFF:-}" ]; then
		$OASDIFF "$@"
	else
		# go tool needs a module root; run it from the repository's.
		(cd "$root" && go tool -modfile=tools/go.mod oasdiff "$@")
	fi
}

set +e
out=$(oasdiff breaking --fail-on ERR --color never --format text "$base" "$rev" 2>&1)
rc=$?
set -e
printf '%s\n' "$out"

case $rc in
0)
	echo "check-breaking: no breaking change from $1 to $2"
	exit 0
	;;
1) ;;
*)
	echo "check-breaking: oasdiff failed (exit $rc)" >&2
	exit 2
	;;
esac

. "$root/scripts/changelog.sh"
if unreleased_declares spec "$changelog"; then
	echo "check-breaking: breaking change from $1 to $2, declared BREAKING in $3's [Unreleased] section: release it as a new major version"
	exit 0
fi

cat >&2 <<EOF
check-breaking: FAIL: $2 breaks clients of $1 (see above).
Either make the change additive, or declare it: add an entry containing the
word BREAKING (not only a "BREAKING (Go API)" one) under "## [Unreleased]"
in $3 and release a new major version.
EOF
exit 1
