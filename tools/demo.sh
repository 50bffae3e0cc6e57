#!/usr/bin/env bash
# tools/demo.sh - `make demo`: FWL on a small lab, end to end.
#
# Builds the lab (tools/lab.sh), checks and compiles the proposal's home
# router (examples/home-router.fwl) with fwlc, loads it with fwld on the
# lab router, sends traffic both ways and shows what passed, what was
# dropped and the counters.  The lab, the daemon and the pins are removed
# at the end, also on failure.
set -uo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${FWL_BUILD:-$SRC/build}
POLICY=${1:-$SRC/examples/home-router.fwl}
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

bold "3. Check and compile: fwlc check, fwlc build --load-check"
"$BUILD/fwlc" check "$POLICY" && echo "   fwlc check: clean"
OUT=$(mktemp -d)
"$BUILD/fwlc" build --load-check "$POLICY" -o "$OUT" 2>&1 | sed 's/^/   /' ||
	die "fwlc build failed"
echo "   bundle: $(cd "$OUT" && ls | tr '\n' ' ')"
rm -rf "$OUT"

bold "4. Load: fwld attaches to the interfaces the policy declares"
lab_exec router "$BUILD/fwld" --policy "$POLICY" \
	--pin-dir "$PIN" --run-dir "$RUN" 2>&1 | sed 's/^/   /'
[ "${PIPESTATUS[0]}" -eq 0 ] || die "fwld failed"
for i in wan lan; do
	lab_exec router ip link show $i | grep -o 'prog/xdp id [0-9]*' |
		sed "s/^/   ip link show $i: /"
done

bold "5. Traffic through the router"
# Listeners everywhere: without the firewall every one would answer.
lab_exec lan ip addr add 10.17.1.11/24 dev eth0
for p in 22 80 81; do lab_bg lan nc -lk $p; done
for p in 22 80; do lab_bg router nc -lk $p; done
lab_bg wan nc -lk 9000
sleep 0.3
try() {
	local what=$1 expect=$2; shift 2
	if "$@"; then got=passed; else got=dropped; fi
	printf '   %-50s %-8s (expected %s)\n' "$what" "$got" "$expect"
	[ "$got" == "$expect" ] || failures=$((failures + 1))
}
failures=0
try "LAN host -> WAN host :9000 (masquerade)" passed lab_tcp lan 203.0.113.2 9000
try "WAN -> router :8080 (forward to 10.17.1.10:80)" passed lab_tcp wan 203.0.113.1 8080
try "WAN -> router :2222 (forward to 10.17.1.11:22)" passed lab_tcp wan 203.0.113.1 2222
try "WAN -> router :22 (SSH to the router)" passed lab_tcp wan 203.0.113.1 22
try "WAN -> router :80 (no rule)" dropped lab_tcp wan 203.0.113.1 80
try "WAN -> router ping (no ICMP rule)" dropped lab_ping wan 203.0.113.1
try "WAN -> LAN host :81 (unsolicited)" dropped lab_tcp wan 10.17.1.10 81
try "router -> WAN host :9000 (its own connection)" passed lab_tcp router 203.0.113.2 9000
lab_exec lan bash -c 'exec 3<>/dev/tcp/203.0.113.2/9000; sleep 1' 2>/dev/null &
conn=$!
sleep 0.3
peer=$(lab_exec wan ss -Htn state established '( sport = :9000 )' | awk '{print $4}' | head -1)
wait $conn
echo "   the WAN host sees the LAN host's connection coming from: ${peer:-?}"
[[ "$peer" == 203.0.113.1:* ]] || failures=$((failures + 1))

bold "6. Counters: fwlctl stats"
lab_exec router "$BUILD/fwlctl" --run-dir "$RUN" stats | sed 's/^/   /'

bold "7. The same counters, with bpftool (per CPU, keyed by stable rule id)"
echo "   bpftool map dump pinned $PIN/maps/fwl_rule_cnt | head -n 16"
bpftool map dump pinned "$PIN/maps/fwl_rule_cnt" 2>&1 | head -n 16 | sed 's/^/     /'
echo "   conntrack entries: $(bpftool map dump pinned "$PIN/maps/fwl_ct" 2>/dev/null | grep -c '"key"')"

bold "8. Clean up"
echo "   fwld --cleanup removes the links (detaching XDP) and the pins"
if [ "$failures" -ne 0 ]; then
	bold "demo: $failures check(s) did not behave as expected"
	exit 1
fi
bold "demo: everything behaved as expected"
