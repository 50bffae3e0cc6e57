#!/usr/bin/env bash
# tests/loader/fuzz-feed.sh - a bounded libFuzzer run of the feed parser
# (make test).  FWL_FUZZ_FEED_SECONDS (default 10); any crash, sanitizer
# report, leak, timeout or broken promise fails the case and names the input.
. "${FWL_SRC:?}/tests/lib/lib.sh"
set -u
secs=${FWL_FUZZ_FEED_SECONDS:-10}
fuzzer=$FWL_BUILD/fuzz/fwl-feed-fuzz
[ -x "$fuzzer" ] || { fail fuzz-feed "no $fuzzer (make test builds it)"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus"
"$fuzzer" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	-max_len=4096 -artifact_prefix="$work/" -print_final_stats=1 \
	"$work/corpus" "$FWL_SRC/tests/loader/feed-corpus" >"$work/log" 2>&1
rc=$?
runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/log" | grep -o '[0-9]*$')
if [ $rc -eq 0 ] && [ -n "$runs" ] && [ "$runs" -gt 1000 ]; then
	pass "fuzz-feed-${secs}s ($runs inputs)"
else
	crash=$(ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* 2>/dev/null | head -n 1)
	if [ -n "$crash" ]; then
		mkdir -p "$FWL_BUILD/fuzz-artifacts"
		cp "$crash" "$FWL_BUILD/fuzz-artifacts/"
		crash="$FWL_BUILD/fuzz-artifacts/$(basename "$crash")"
	fi
	fail fuzz-feed "exit $rc after ${runs:-0} inputs; input saved as ${crash:-none}; $(grep -E 'ERROR|fuzz:|SUMMARY' "$work/log" | head -n 5)"
fi
finish
