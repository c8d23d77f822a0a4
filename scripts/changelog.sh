#!/usr/bin/env bash
# changelog.sh: the one rule both gates use to read CHANGELOG.md. Source it.
#
# unreleased_declares KIND CHANGELOG succeeds when the "## [Unreleased]"
# section (up to the next "## " heading) declares a break of KIND:
#   spec  a line with the word BREAKING that is not a "BREAKING (Go API)"
#         line: a wire break needs its own entry;
#   go    a line with "BREAKING (Go API)".

unreleased_section() {
	awk '
		/^## \[Unreleased\]/ { in_section = 1; next }
		/^## / { in_section = 0 }
		in_section { print }
	' "$1"
}

unreleased_declares() {
	local kind=$1 changelog=$2 section
	section=$(unreleased_section "$changelog")
	case $kind in
	spec) printf '%s\n' "$section" | grep -v 'BREAKING (Go API)' | grep -qw BREAKING ;;
	go) printf '%s\n' "$section" | grep -qF 'BREAKING (Go API)' ;;
	*)
		echo "unreleased_declares: unknown kind $kind" >&2
		return 2
		;;
	esac
}
