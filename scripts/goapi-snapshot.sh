#!/usr/bin/env bash
# goapi-snapshot.sh REF FILE
#
# Writes the exported Go API of this module at git REF (all packages but
# internal ones) to FILE as apidiff export data, the baseline that
# scripts/check-goapi.sh compares with. REF is checked out in a temporary
# worktree, so the working tree is left alone; REF "-" means the working
# tree itself, which is what `make goapi-snapshot` records at a release, so
# the baseline lands in the release's own commit.
set -euo pipefail

if [ $# -ne 2 ]; then
	echo "usage: $0 REF FILE" >&2
	exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
ref=$1
case $2 in /*) out=$2 ;; *) out=$PWD/$2 ;; esac
if [ "$ref" = - ]; then
	cd "$root"
else
	tmp=$(mktemp -d)
	trap 'git -C "$root" worktree remove --force "$tmp/src" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
	git -C "$root" worktree add --detach "$tmp/src" "$ref" >/dev/null
	cd "$tmp/src"
fi
go tool -modfile="$root/tools/go.mod" apidiff -m -w "$out" "$(go list -m)" 2>&1 | grep -v '^Ignoring internal package' || true
[ -s "$out" ] || { echo "goapi-snapshot: no export data written" >&2; exit 2; }
echo "goapi-snapshot: $out holds the Go API of ${ref/#-/the working tree}"
