#!/usr/bin/env bash
# tests/scenarios/difftest.sh - fwlc difftest: the interpreter against the
# compiled BPF object on random packets (needs root: BPF_PROG_TEST_RUN).
#
#   - the tool: on examples/server.fwl with a known fault injected into
#     the compiled object (--inject-fault ct-state, tests only: the hooks
#     see Invalid as New) it prints the packet (decoded, hex, as a scenario
#     line) with both results and the seed, exits 1; the same seed replays
#     the same run; without the fault the same run agrees;
#   - difftest-conntrack.fwl must agree (conntrack classes: other
#     protocols, loose pick-up, ICMP errors/replies without a flow, close
#     states, the host's own flows, fragments);
#   - difftest-layers.fwl must agree (VLAN tags, later fragments), and
#     difftest-fields.fwl (header fields, VLAN ids, Fragment(..));
#     difftest-agree.fwl (arms counted on match through rule calls that
#     Continue, guards, nested cases, tables and parts; sequence lifetime;
#     Log.emit messages and their rate); difftest-sets.fwl (IPv4 sets in
#     fwl_dir4 and in the LPM trie); difftest-lb.fwl (DNAT/SNAT to backend
#     sets) - every tests/scenarios/difftest-*.fwl;
#   - every example policy that compiles, FWL_DIFFTEST_PACKETS packets each
#     (default 100000, issue 7's bar), and FWL_DIFFTEST_RANDOM random
#     policies (default 3, FWL_DIFFTEST_RANDOM_PACKETS each, default
#     20000), fixed seeds.  A policy with disagreements must be
#     listed in tests/scenarios/difftest-known.txt (printed as KNOWN with
#     its count, never PASS); a listed one that agrees now FAILs.
# `make fuzz` (tools/fuzz.sh) runs as many as asked.
. "$(dirname "$0")/../lib/lib.sh"
need_root difftest

cd "$FWL_SRC" || exit 1
N=${FWL_DIFFTEST_PACKETS:-100000}
R=${FWL_DIFFTEST_RANDOM:-3}
RN=${FWL_DIFFTEST_RANDOM_PACKETS:-20000}
known=tests/scenarios/difftest-known.txt
tmp=$(mktemp -d /tmp/fwl-difftest.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# the tool itself, on a fault injected into the compiled object
out=$(timeout 300 "$FWLC" difftest examples/server.fwl --packets 2000 \
	--seed 7 --max-report 3 --inject-fault ct-state 2>&1)
rc=$?
assert_eq "difftest: exits 1 on a disagreement" "$rc" 1
assert_contains "difftest: names the packet" "$out" "DISAGREE <difftest examples/server.fwl>"
assert_contains "difftest: says what differs" "$out" "  differs in: "
assert_contains "difftest: finds the injected fault" "$out" "conntrack state"
assert_contains "difftest: the packet as a scenario line" "$out" "  text:   packet "
assert_contains "difftest: both results" "$out" "  bpf     "
assert_contains "difftest: the bytes" "$out" "  hex:    "
assert_contains "difftest: the seed to replay" "$out" "--seed 7 --inject-fault ct-state"
again=$(timeout 300 "$FWLC" difftest examples/server.fwl --packets 2000 \
	--seed 7 --max-report 3 --inject-fault ct-state 2>&1)
assert_eq "difftest: a seed replays the same run" "$(tail -n 1 <<<"$again")" "$(tail -n 1 <<<"$out")"
clean=$(timeout 300 "$FWLC" difftest examples/server.fwl --packets 2000 \
	--seed 7 --max-report 3 2>&1)
assert_contains "difftest: without the fault the same run agrees" "$(tail -n 1 <<<"$clean")" ": 0 disagreements"
expect_fail "difftest: a bad option is refused" "$FWLC" difftest --packets 10
expect_fail "difftest: an unknown fault is refused" "$FWLC" difftest examples/server.fwl --inject-fault nope

# judge LABEL OUTPUT PACKETS: the summary line against the ledger
judge() {
	local label=$1 out=$2 npk=$3 line n why
	line=$(grep "^difftest $label: " <<<"$out" | tail -n 1)
	why=$(awk -F'\t' -v k="$label" '!/^#/ && $1 == k { print $2; exit }' "$known")
	if [[ ! $line =~ :\ ([0-9]+)\ disagreements?$ ]]; then
		fail "difftest: $label" "no result: $(tail -n 5 <<<"$out")"
		return
	fi
	n=${BASH_REMATCH[1]}
	if [ "$n" -eq 0 ] && [ -n "$why" ]; then
		fail "difftest: $label" "agrees now: take it off $known"
	elif [ "$n" -eq 0 ]; then
		pass "difftest: $label ($line)"
	elif [ -n "$why" ]; then
		echo "KNOWN difftest: $label: $n disagreements in $npk packets: $why"
	else
		fail "difftest: $label" "$(grep -A 7 '^DISAGREE' <<<"$out" | head -n 16)"
	fi
}

for p in examples/*.fwl tests/scenarios/difftest-*.fwl; do
	if ! "$FWLC" build "$p" -o "$tmp/b" >"$tmp/build.log" 2>&1; then
		echo "NOTE difftest: $p does not compile yet: $(grep -m1 error "$tmp/build.log")"
		continue
	fi
	out=$(timeout 900 "$FWLC" difftest "$p" --packets "$N" --seed 1 \
		--max-report 2 2>&1)
	judge "$p" "$out" "$N"
done
out=$(timeout 900 "$FWLC" difftest --random-policies "$R" --packets "$RN" \
	--seed 1 --max-report 1 2>&1)
for i in $(seq 1 "$R"); do
	judge "random policy $i" "$out" "$RN"
done
finish
