#!/usr/bin/env bash
# tests/e2e/egress-stages.sh - fwld with a staged egress program: a large
# Output and a large Postrouting policy (2,100 arms of code each), whose
# hooks fwlc splits into tail-called TC stages in the PROG_ARRAY
# fwl_egress_stages (docs/bundle.md, "Tail-called stages"), loaded by fwld
# on the lab router.  The arms real traffic meets are the last of each
# policy, in the last stage of its hook: the router's own connection to
# the WAN host's :7001 is dropped at Output, the LAN host's to :7003 at
# Postrouting, its connection to :9000 SNAT'd to 203.0.113.1 there; near
# misses pass.  fwld pins the stage array with the policy; the stages keep
# deciding after a reload (which moves the Output drop to :7002), after
# fwld stops (the pins keep the array filled), and `fwld --cleanup`
# removes the pins and with them the policy.
set -u
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/e2e.sh"
need_root egress_stages_needs_root

e2e_lab egstage
fwlctl() { lab_exec router "$FWLCTL" --run-dir "$RUN" "$@"; }

# egress_policy N OUTPORT: N arms of code first in each policy that no
# packet here matches (ttl 1..20: the router sends with 64, forwards with
# 63; ip.ttl is no table field, so they stay code), then the arms the
# traffic meets: Output drops TCP to OUTPORT; Postrouting drops what
# leaves by wan to :7003 and SNATs the LAN's other traffic to the router.
N=2100
egress_policy() {
	awk -v n="$1" -v op="$2" 'BEGIN {
		print "interface wan : WAN"
		print "interface lan : LAN cidr4 = { 10.17.1.0/24 }"
		print ""
		print "policy out : Frame<{}>"
		print "  on hook = Output, table = Filter, priority = Filter"
		print "  where"
		for (i = 0; i < n; i++)
			printf "  | Frame(_, Ether(_, IPv4(ip { ttl = %d }, TCP(tcp { dport = :%d }, _)))) -> %s\n",
				1 + i % 20, 1 + int(i / 20), i % 2 ? "Drop" : "Allow"
		printf "  | Frame(_, Ether(_, IPv4(_, TCP(tcp { dport = :%d }, _)))) -> Drop\n", op
		print "  | _ -> Allow"
		print ""
		print "policy post : Frame<{}>"
		print "  on hook = Postrouting, table = NAT, priority = SrcNat"
		print "  where"
		for (i = 0; i < n; i++)
			printf "  | Frame(_, Ether(_, IPv4(ip { ttl = %d }, TCP(tcp { sport = :%d }, _)))) -> %s\n",
				1 + i % 20, 1 + int(i / 20), i % 2 ? "Drop" : "Allow"
		print "  | Frame(_ -> wan, Ether(_, IPv4(_, TCP(tcp { dport = :7003 }, _)))) -> Drop"
		print "  | Frame(_ -> wan, Ether(_, IPv4(ip { src ∈ 10.17.1.0/24 }, _))) -> SNAT(203.0.113.1)"
		print "  | _ -> Allow"
	}'
}
egress_policy $N 7001 >"$TMP/a.fwl"
egress_policy $N 7002 >"$TMP/b.fwl"
OUT_DROP=out/$((N + 1)) POST_DROP=post/$((N + 1)) POST_SNAT=post/$((N + 2))

for p in 7001 7002 7003 7004 9000; do lab_bg wan nc -lk "$p"; done
sleep 0.3
expect before_router_7001 lab_tcp router 203.0.113.2 7001
expect before_lan_7003 lab_tcp lan 203.0.113.2 7003

# wan_peer SPORT: the address the WAN host sees for a LAN connection
# from SPORT to :9000 (each call its own port: earlier ones may linger).
wan_peer() {
	local peer="" pid i
	rm -f "$TMP/in"
	mkfifo "$TMP/in"
	lab_exec lan nc -p "$1" 203.0.113.2 9000 <"$TMP/in" >/dev/null 2>&1 &
	pid=$!
	exec 7<>"$TMP/in"	# never blocks, nc or not
	echo hi >&7
	for i in $(seq 1 20); do
		peer=$(lab_exec wan ss -Htn state established "( sport = :9000 and dport = :$1 )" | awk '{print $4}')
		[ -n "$peer" ] && break
		sleep 0.1
	done
	exec 7>&-
	kill $pid 2>/dev/null
	wait $pid 2>/dev/null
	echo "$peer"
}
# stage_slots: the filled slots of the pinned stage array (entry + stages).
stage_slots() {
	bpftool map dump pinned "$PIN/policy/fwl_egress_stages" 2>/dev/null |
		grep -c '^key:'
}
count() { rule_field "$(fwlctl --json stats)" "$1" packets; }

# --- fwld compiles and loads the staged policy ------------------------
out=$(lab_exec router "$FWLD" --policy "$TMP/a.fwl" --pin-dir "$PIN" --run-dir "$RUN" 2>&1)
assert_eq fwld_starts "$?" 0 || echo "$out" | tail -n 5
man=$(cat "$RUN"/bundle/manifest.json 2>/dev/null)
assert_contains output_in_stages "$man" \
	'"attach": "tail-call", "hook": "Output", "map": "fwl_egress_stages"'
assert_contains postrouting_in_stages "$man" \
	'"attach": "tail-call", "hook": "Postrouting", "map": "fwl_egress_stages"'
nstages=$(echo "$man" | grep -c '"attach": "tail-call"')
[ -e "$PIN/policy/fwl_egress_stages" ] && pass stage_array_pinned ||
	fail stage_array_pinned "no $PIN/policy/fwl_egress_stages"
assert_eq stage_array_filled "$(stage_slots)" $((nstages + 1))

expect_fail output_drop_in_stage lab_tcp router 203.0.113.2 7001
expect output_near_miss lab_tcp router 203.0.113.2 7004
expect_fail postrouting_drop_in_stage lab_tcp lan 203.0.113.2 7003
expect postrouting_near_miss lab_tcp lan 203.0.113.2 7004
assert_eq postrouting_snat_in_stage "$(wan_peer 42001)" 203.0.113.1:42001
stats=$(fwlctl --json stats)
for r in "$OUT_DROP" "$POST_DROP" "$POST_SNAT"; do
	n=$(rule_field "$stats" "$r" packets)
	[ "${n:-0}" -ge 1 ] && pass "counted_$r" || fail "counted_$r" "rule $r: '${n:-}' packets"
done

# --- a reload: the new policy's stages decide --------------------------
out=$(fwlctl reload "$TMP/b.fwl" 2>&1)
assert_contains reload_staged "$out" "now enforcing"
assert_eq stage_array_refilled "$(stage_slots)" $((nstages + 1))
expect reload_output_7001_passes lab_tcp router 203.0.113.2 7001
expect_fail reload_output_7002_dropped lab_tcp router 203.0.113.2 7002
expect_fail reload_postrouting_drop lab_tcp lan 203.0.113.2 7003
assert_eq reload_postrouting_snat "$(wan_peer 42002)" 203.0.113.1:42002

# --- fwld stops: the pinned policy, stages and all, keeps enforcing -----
pid=$(fwlctl --json status | grep -o '"pid": [0-9]*' | grep -o '[0-9]*$')
fwlctl stop >/dev/null 2>&1
for i in $(seq 1 50); do
	[ -n "$pid" ] && [ -d "/proc/$pid" ] || break
	sleep 0.1
done
[ -n "$pid" ] && [ ! -d "/proc/$pid" ] && pass fwld_stopped ||
	fail fwld_stopped "fwld (pid '$pid') still runs"
expect_fail stopped_output_drop lab_tcp router 203.0.113.2 7002
expect_fail stopped_postrouting_drop lab_tcp lan 203.0.113.2 7003
assert_eq stopped_stage_array_filled "$(stage_slots)" $((nstages + 1))

# --- fwld --cleanup: no pin left, no policy enforcing -------------------
out=$(lab_exec router "$FWLD" --cleanup --pin-dir "$PIN" 2>&1)
assert_eq cleanup_exits "$?" 0 || echo "$out"
[ ! -e "$PIN/policy/fwl_egress_stages" ] && pass cleanup_unpins_stages ||
	fail cleanup_unpins_stages "$PIN/policy/fwl_egress_stages is still there"
left=$(find "$PIN" 2>/dev/null | head -n 5)
assert_eq cleanup_no_pins "$left" ""
expect cleaned_output_passes lab_tcp router 203.0.113.2 7002
expect cleaned_postrouting_passes lab_tcp lan 203.0.113.2 7003
assert_eq cleaned_no_snat "$(wan_peer 42003)" 10.17.1.10:42003
finish
