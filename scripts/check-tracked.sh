#!/usr/bin/env bash
# check-tracked.sh: fail when git tracks a build output. A tracked file may
# not be an executable binary (ELF, Mach-O, PE, or any file with NUL bytes
# and the executable bit) nor larger than 1 MiB. Real exceptions are listed
# below by name, with why. `make check-tracked` runs it (in make ci).
# Usage: check-tracked.sh [DIR]  (a git work tree; default: this repo)
set -euo pipefail

dir=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$dir"
max=$((1 << 20))

# Files allowed over the size limit: none today.
allowed_large=()

fail=0
while IFS= read -r -d '' entry; do
	mode=${entry%% *}
	f=${entry#*$'\t'}
	[ -f "$f" ] || continue
	size=$(wc -c <"$f")
	if [ "$size" -gt "$max" ]; then
		ok=0
		for a in "${allowed_large[@]}"; do [ "$a" = "$f" ] && ok=1; done
		if [ "$ok" = 0 ]; then
			echo "check-tracked: $f is $size bytes, over 1 MiB: a build output or data that belongs elsewhere" >&2
			fail=1
		fi
	fi
	magic=$(head -c 4 "$f" | od -An -tx1 | tr -d ' \n')
	case "$magic" in
	7f454c46 | feedface | feedfacf | cefaedfe | cffaedfe | cafebabe | 4d5a9000)
		echo "check-tracked: $f is an executable binary ($magic): build outputs never enter git" >&2
		fail=1
		continue
		;;
	esac
	if [ "$mode" = 100755 ] && [ "$size" -gt 0 ] && head -c 8192 "$f" | tr -d '\000' | cmp -s - <(head -c 8192 "$f"); then
		: # text, executable: a script
	elif [ "$mode" = 100755 ]; then
		echo "check-tracked: $f is executable and binary: build outputs never enter git" >&2
		fail=1
	fi
done < <(git ls-files -s -z | sed -z 's/^\([0-9]*\) [0-9a-f]* [0-9]*\t/\1 \t/')

if [ "$fail" != 0 ]; then
	echo "check-tracked: FAIL: git rm --cached the files above (.gitignore keeps build outputs out)" >&2
	exit 1
fi
echo "check-tracked: no binary and no file over 1 MiB is tracked"
