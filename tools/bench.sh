#!/usr/bin/env bash
# tools/bench.sh - `make bench`: run every benchmark in tools/bench.d/.
#
# Each benchmark measures its baseline in the same run and reports ratios
# against it (never timed assertions).  Output is for people and notes.
set -u
SRC=$(cd "$(dirname "$0")/.." && pwd)
export FWL_BUILD=${FWL_BUILD:-$SRC/build} FWL_SRC=$SRC
status=0
for b in "$SRC"/tools/bench.d/*; do
	[ -x "$b" ] || continue
	printf '\n== %s\n' "$(basename "$b")"
	"$b" || { echo "benchmark $(basename "$b") failed"; status=1; }
done
exit $status
