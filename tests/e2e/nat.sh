#!/usr/bin/env bash
# tests/e2e/nat.sh - port forwarding (DNATMap) and masquerade on the lab
# router (tests/e2e/policies/nat.fwl), real TCP through both; a port
# forward to a service on the router itself, whose replies leave un-DNAT'd
# (bpf/egress.h).
set -u
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/e2e.sh"
need_root nat_needs_root

POLICY=$FWL_SRC/tests/e2e/policies/nat.fwl
e2e_lab nat
lab_bg lan nc -lk 80
lab_bg wan nc -lk 9000
lab_bg router nc -lk 7022
sleep 0.3
# Before: nothing listens on the router's 8080 nor 2222.
expect_fail no_forward_before lab_tcp wan 203.0.113.1 8080
expect_fail no_local_forward_before lab_tcp wan 203.0.113.1 2222

out=$(lab_exec router "$FWLD" --policy "$POLICY" --pin-dir "$PIN" --run-dir "$RUN" 2>&1)
assert_eq fwld_starts "$?" 0
[ "$?" -eq 0 ] || echo "$out"

# Port forward: the WAN host's connection to 203.0.113.1:8080 is the LAN
# host's :80.
expect port_forward_8080 lab_tcp wan 203.0.113.1 8080
expect_fail no_forward_other_port lab_tcp wan 203.0.113.1 8081

# Port forward to the router itself: :2222 is its own 10.17.1.1:7022; the
# handshake completes only if its replies come from 203.0.113.1:2222 (TC
# egress un-DNATs the host's own replies), and the WAN host's connection
# is to that address.
expect local_port_forward_2222 lab_tcp wan 203.0.113.1 2222
mkfifo "$TMP/in2"
lab_exec wan nc 203.0.113.1 2222 <"$TMP/in2" >/dev/null 2>&1 &
ncpid=$!
exec 8>"$TMP/in2"
echo hi >&8
conn=""
for i in $(seq 1 20); do
	conn=$(lab_exec wan ss -Htn state established '( dport = :2222 )')
	[ -n "$conn" ] && break
	sleep 0.1
done
assert_contains local_forward_reply_from_public "$conn" "203.0.113.1:2222"
srv=$(lab_exec router ss -Htn state established '( sport = :7022 )')
assert_contains local_forward_served_on_router "$srv" "203.0.113.2:"
exec 8>&-
kill $ncpid 2>/dev/null
wait $ncpid 2>/dev/null

# Masquerade: the WAN host sees the router's address, not 10.17.1.10.
mkfifo "$TMP/in"
lab_exec lan nc 203.0.113.2 9000 <"$TMP/in" >/dev/null 2>&1 &
ncpid=$!
exec 7<>"$TMP/in"	# read-write: never blocks, nc or not
echo hi >&7
peer=""
for i in $(seq 1 20); do
	peer=$(lab_exec wan ss -Htn state established '( sport = :9000 )' | awk '{print $4}')
	[ -n "$peer" ] && break
	sleep 0.1
done
assert_contains masquerade_source "$peer" "203.0.113.1:"
assert_not_contains masquerade_hides_lan "$peer" "10.17.1.10"
exec 7>&-
kill $ncpid 2>/dev/null
wait $ncpid 2>/dev/null

stat=$(bpftool map dump pinned "$PIN/maps/fwl_nat_stat" 2>&1)
assert_contains nat_stats_pinned "$stat" "\"key\""
finish
