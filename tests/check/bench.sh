#!/usr/bin/env bash
# tests/check/bench.sh - time and peak memory of `fwlc check` on generated
# policies of 1,000 and 10,000 arms over mixed CIDR/port/protocol fields
# (genpolicy.py).  A benchmark, not a test: it prints figures.
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
fwlc=${FWLC:-$src/build/fwlc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for n in ${BENCH_ARMS:-1000 10000}; do
	python3 "$src/tests/check/genpolicy.py" "$n" >"$tmp/p.fwl"
	best=
	for run in 1 2 3; do
		/usr/bin/time -f "%e %M" -o "$tmp/t" "$fwlc" check "$tmp/p.fwl" \
			>/dev/null 2>"$tmp/err" || true
		read -r s kib <"$tmp/t"
		if [ -z "$best" ] || awk "BEGIN{exit !($s < $best)}"; then
			best=$s; mem=$kib
		fi
	done
	printf 'check %6d arms: %5.2f s  %6d KiB peak  (%s)\n' "$n" "$best" \
		"$mem" "$(tail -n 1 "$tmp/err")"
done
