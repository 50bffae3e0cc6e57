#!/usr/bin/env bash
# tools/demo.sh - `make demo`: FWL on a small lab, end to end.
#
# Builds the lab (tools/lab.sh), compiles examples/ssh-icmp.fwl with fwlc,
# loads it with fwld on the router's wan interface, sends traffic from the
# WAN host and shows what passed, what was dropped and the counters.  The lab,
# the daemon and the pins are removed at the end, also on failure.
set -uo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${FWL_BUILD:-$SRC/build}
POLICY=${1:-$SRC/examples/ssh-icmp.fwl}
. "$SRC/tools/lab.sh"

bold() { printf '\n\033[1m%s\033[0m\n' "$*"; }
die() { echo "demo: $*" >&2; exit 1; }

lab_up || die "cannot build the lab"
PIN=/sys/fs/bpf/fwl-demo-$LAB_ID
RUN=/run/fwl-demo-$LAB_ID
cleanup() {
	lab_exec router "$BUILD/fwlctl" --run-dir "$RUN" stop >/dev/null 2>&1
	"$BUILD/fwld" --cleanup --pin-dir "$PIN" >/dev/null 2>&1
	rm -rf "$RUN"
	lab_down
}
trap cleanup EXIT

bold "1. The lab"
cat <<EOT
   wanhost 203.0.113.2 ── wan [router] lan ── lanhost 10.17.1.10
   namespaces: $LAB_NS_WAN  $LAB_NS_ROUTER  $LAB_NS_LAN
EOT

bold "2. The policy ($POLICY)"
sed 's/^/   /' "$POLICY"

bold "3. Compile: fwlc build"
OUT=$(mktemp -d)
"$BUILD/fwlc" build "$POLICY" -o "$OUT" || die "fwlc build failed"
echo "   bundle: $(cd "$OUT" && ls | tr '\n' ' ')"
rm -rf "$OUT"

bold "4. Load: fwld on the router's wan interface"
lab_exec router "$BUILD/fwld" --policy "$POLICY" --attach wan \
	--pin-dir "$PIN" --run-dir "$RUN" || die "fwld failed"
lab_exec router ip -brief link show wan | sed 's/^/   /'
lab_exec router ip link show wan | grep -o 'prog/xdp id [0-9]*' | sed 's/^/   ip link: /'

bold "5. Traffic from the WAN host to the router (203.0.113.1)"
# Listeners on both ports: without the firewall both would connect.
lab_bg router nc -lk 22
lab_bg router nc -lk 80
sleep 0.3
try() {
	local what=$1 expect=$2; shift 2
	if "$@"; then got=passed; else got=dropped; fi
	printf '   %-28s %-8s (expected %s)\n' "$what" "$got" "$expect"
	[ "$got" == "$expect" ] || failures=$((failures + 1))
}
failures=0
try "ping" passed lab_ping wan 203.0.113.1
try "TCP to port 22 (ssh)" passed lab_tcp wan 203.0.113.1 22
try "TCP to port 80 (http)" dropped lab_tcp wan 203.0.113.1 80
try "ping again" passed lab_ping wan 203.0.113.1

bold "6. Counters: fwlctl stats"
lab_exec router "$BUILD/fwlctl" --run-dir "$RUN" stats | sed 's/^/   /'

bold "7. Counters: bpftool map dump pinned $PIN/maps/..."
for m in "$PIN"/maps/*; do
	echo "   $m"
	bpftool map dump pinned "$m" 2>&1 | head -n 30 | sed 's/^/     /'
done

bold "8. Clean up"
echo "   fwld --cleanup removes the links (detaching XDP) and the pins"
if [ "$failures" -ne 0 ]; then
	bold "demo: $failures check(s) did not behave as expected"
	exit 1
fi
bold "demo: everything behaved as expected"
