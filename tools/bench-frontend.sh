#!/usr/bin/env bash
# tools/bench-frontend.sh - parse and format benchmark of fwlc's front end.
#
# Generates (in a temporary directory) a policy of ARMS arms (default
# 100000) over CIDR/port record patterns and a set of CIDRS CIDRs (default
# 1000000), then times `fwlc parse` and `fwlc fmt` on each and reports the
# peak RSS and the bytes per arm / per CIDR above a baseline run on a tiny
# file.  Targets: under a second each and under 1 KiB per arm.
#
#   tools/bench-frontend.sh [ARMS] [CIDRS]     (FWLC=path/to/fwlc)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
fwlc=${FWLC:-${FWL_BUILD:-$src/build}/fwlc}
arms=${1:-100000}
cidrs=${2:-1000000}
[ -x "$fwlc" ] || { echo "bench-frontend: no $fwlc; run make" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

awk -v n="$arms" 'BEGIN {
	print "policy big : Frame<{}>"
	print "  on hook = Forward, table = Filter, priority = Filter"
	print "  where"
	for (i = 0; i < n; i++) {
		a = int(i / 256) % 256; b = i % 256
		printf "  | Frame(_, Ether(_, IPv4(ip { src \342\210\210 10.%d.%d.0/24 }, TCP(tcp { dport = :%d }, _)))) -> %s\n", a, b, 1 + i % 65535, (i % 3 ? "Allow" : "Drop")
	}
	print "  | _ -> Drop"
}' >"$tmp/arms.fwl"
awk -v n="$cidrs" 'BEGIN {
	print "let feed : CIDRSet = {"
	for (i = 0; i < n; i++)
		printf "  %d.%d.%d.0/24%s\n", 1 + int(i / 65536), int(i / 256) % 256, i % 256, (i + 1 < n ? "," : "")
	print "}"
}' >"$tmp/cidrs.fwl"
printf 'let x = 1\n' >"$tmp/tiny.fwl"

# peak RSS in KiB of `fwlc CMD FILE`, and its wall time in seconds
run() {
	local start end rss
	start=$(date +%s.%N)
	rss=$("$fwlc" "$1" --stats "$2" 2>&1 >/dev/null | awk '/peak RSS/ { r = $(NF - 1) } END { print r }')
	end=$(date +%s.%N)
	echo "$rss $(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')"
}

read -r base _ < <(run parse "$tmp/tiny.fwl")
printf '%-28s %10s %10s %12s\n' input command seconds "peak RSS"
for f in arms cidrs; do
	size=$(du -k "$tmp/$f.fwl" | cut -f1)
	for cmd in parse fmt; do
		read -r rss secs < <(run "$cmd" "$tmp/$f.fwl")
		printf '%-28s %10s %10.3f %9d KiB\n' "$f.fwl (${size} KiB)" "$cmd" "$secs" "$rss"
		if [ "$f" = arms ]; then
			echo "    per arm: $(( (rss - base) * 1024 / arms )) bytes above the baseline ($base KiB)"
		else
			echo "    per CIDR: $(( (rss - base) * 1024 / cidrs )) bytes above the baseline"
		fi
	done
done
# formatting the generated text must leave it unchanged apart from alignment
"$fwlc" fmt "$tmp/arms.fwl" >"$tmp/arms2.fwl"
"$fwlc" fmt --check "$tmp/arms2.fwl" && echo "fmt output is canonical (fmt --check passes)"
