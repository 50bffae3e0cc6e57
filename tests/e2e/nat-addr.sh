#!/usr/bin/env bash
# tests/e2e/nat-addr.sh - DNAT to an address and port, a DNAT'd connection
# the filter drops, SNAT to an address (port kept) and to an address and
# port, with real TCP through the lab router (tests/e2e/policies/nat-addr.fwl).
set -u
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/e2e.sh"
need_root nat_addr_needs_root

POLICY=$FWL_SRC/tests/e2e/policies/nat-addr.fwl
e2e_lab nat-addr
lab_bg lan nc -lk 80
lab_bg lan nc -lk 81
lab_bg wan nc -lk 9000
lab_bg wan nc -lk 9001
sleep 0.3
expect_fail no_dnat_before lab_tcp wan 203.0.113.1 8081

out=$(lab_exec router "$FWLD" --policy "$POLICY" --pin-dir "$PIN" --run-dir "$RUN" 2>&1)
assert_eq fwld_starts "$?" 0
[ "$?" -eq 0 ] || echo "$out"

# A DNAT policy: fwld lets the translated replies (from the router's own
# address) in on the LAN side.
assert_eq accept_local_for_dnat "$(lab_exec router cat /proc/sys/net/ipv4/conf/lan/accept_local)" 1

# DNAT(10.17.1.10, :80): the WAN host's 203.0.113.1:8081 is the LAN :80.
expect dnat_addr_port lab_tcp wan 203.0.113.1 8081
expect_fail dnat_near_miss_8083 lab_tcp wan 203.0.113.1 8083
# DNAT(10.17.1.10, :81), then the forward policy drops :81 (someone
# listens there): no connection, and no binding is left behind.
before=$(bpftool map dump pinned "$PIN/maps/fwl_nat_rev" 2>/dev/null | grep -c '"key"')
expect_fail dnat_then_drop lab_tcp wan 203.0.113.1 8082
after=$(bpftool map dump pinned "$PIN/maps/fwl_nat_rev" 2>/dev/null | grep -c '"key"')
assert_eq dnat_then_drop_leaves_no_binding "$after" "$before"

# peer_on PORT: the peer address:port the WAN listener on PORT sees for a
# connection from the LAN host (empty when none within 2 s).
peer_on() {
	local port=$1 peer="" i pid
	rm -f "$TMP/in"
	mkfifo "$TMP/in"
	lab_exec lan nc 203.0.113.2 "$port" <"$TMP/in" >/dev/null 2>&1 &
	pid=$!
	exec 7<>"$TMP/in"	# read-write: never blocks, nc or not
	echo hi >&7
	for i in $(seq 1 20); do
		peer=$(lab_exec wan ss -Htn state established "( sport = :$port )" | awk '{print $4}')
		[ -n "$peer" ] && break
		sleep 0.1
	done
	exec 7>&-
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	echo "$peer"
}

# SNAT(203.0.113.1): the WAN host sees the router's address.
peer=$(peer_on 9000)
assert_contains snat_addr_source "$peer" "203.0.113.1:"
assert_not_contains snat_addr_hides_lan "$peer" "10.17.1.10"
# SNAT(203.0.113.1, :7777): and that port.
peer=$(peer_on 9001)
assert_eq snat_addr_port_source "$peer" "203.0.113.1:7777"
finish
