#!/usr/bin/env bash
# tests/e2e/home-router.sh - the proposal's home router (examples/
# home-router.fwl) loaded by fwld on the lab router, real traffic:
# masquerade out, the two port forwards in, SSH to the router, unsolicited
# WAN traffic dropped, IPv6 link-local ICMPv6 allowed, and the counters
# of fwlctl and bpftool agree.
set -u
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/e2e.sh"
need_root home_router_needs_root

POLICY=$FWL_SRC/examples/home-router.fwl
e2e_lab home
# The second forward target, 10.17.1.11, is the LAN host too.
lab_exec lan ip addr add 10.17.1.11/24 dev eth0
for p in 22 80 81; do lab_bg lan nc -lk $p; done
for p in 22 80; do lab_bg router nc -lk $p; done
lab_bg wan nc -lk 9000
sleep 0.3

out=$(lab_exec router "$FWLD" --policy "$POLICY" --pin-dir "$PIN" --run-dir "$RUN" 2>&1)
rc=$?
assert_eq fwld_starts "$rc" 0
[ "$rc" -eq 0 ] || { echo "$out"; exit 1; }
assert_contains missing_wg0_is_a_warning "$out" "'wg0' does not exist"
assert_contains attached_lan "$(lab_exec router ip link show lan)" "prog/xdp"

# Out: the LAN reaches the WAN, masqueraded to the router's address.
expect lan_to_wan lab_tcp lan 203.0.113.2 9000
lab_exec lan bash -c 'exec 3<>/dev/tcp/203.0.113.2/9000; sleep 1' 2>/dev/null &
conn=$!
sleep 0.3
peer=$(lab_exec wan ss -Htn state established '( sport = :9000 )' | awk '{print $4}' | head -1)
wait $conn
assert_contains lan_masqueraded "$peer" "203.0.113.1:"
# In: the port forwards.
expect forward_8080_to_lan_80 lab_tcp wan 203.0.113.1 8080
expect forward_2222_to_lan_22 lab_tcp wan 203.0.113.1 2222
# The router itself: SSH yes; port 80 (a listener, no forward) no; ping no
# (the proposal's input policy allows no ICMP).
expect wan_ssh_to_router lab_tcp wan 203.0.113.1 22
expect_fail wan_http_to_router_dropped lab_tcp wan 203.0.113.1 80
expect_fail wan_ping_to_router_dropped lab_ping wan 203.0.113.1
# Unsolicited WAN traffic to the LAN: a port that is no forward target.
expect_fail wan_to_lan_port_81_dropped lab_tcp wan 10.17.1.10 81
# IPv6 link-local ICMPv6 to the router passes (neighbour discovery too).
ll=$(lab_exec router ip -6 addr show dev wan scope link | grep -o 'fe80::[0-9a-f:]*')
expect icmpv6_link_local lab_exec wan ping -6 -c 1 -W 2 -q "$ll%eth0"
# The router's own connections get their replies (conntrack at egress).
expect router_outbound lab_tcp router 203.0.113.2 9000

# Counters: fwlctl and bpftool agree on the SSH rule.
stats=$(lab_exec router "$FWLCTL" --run-dir "$RUN" --json stats)
line=$(echo "$stats" | grep '"name": "input/4"')
id=$(echo "$line" | grep -o '"id": [0-9]*' | grep -o '[0-9]*$')
pk=$(echo "$line" | grep -o '"packets": [0-9]*' | grep -o '[0-9]*$')
sum=$(bpftool -j map lookup pinned "$PIN/maps/fwl_rule_cnt" key $(printf '0x%02x 0x%02x 0x%02x 0x%02x' $((id & 255)) $((id >> 8 & 255)) $((id >> 16 & 255)) $((id >> 24 & 255))) |
	grep -o '"packets": *[0-9]*' | grep -o '[0-9]*$' | awk '{s += $1} END {print s}')
# Only the SYN is NEW; the rest of the connection is ESTABLISHED (input/1).
[ "${pk:-0}" -ge 1 ] && pass ssh_rule_counted || fail ssh_rule_counted "input/4 packets=$pk"
est=$(echo "$stats" | grep '"name": "input/1"' | grep -o '"packets": [0-9]*' | grep -o '[0-9]*$')
[ "${est:-0}" -ge 2 ] && pass established_rule_counted || fail established_rule_counted "input/1 packets=$est"
assert_eq fwlctl_and_bpftool_agree "$pk" "$sum"
# ... and Prometheus (fwld serves /metrics on the router's loopback).
metrics=$(lab_exec router bash -c 'exec 3<>/dev/tcp/127.0.0.1/9464 &&
	printf "GET /metrics HTTP/1.0\r\n\r\n" >&3 && cat <&3')
assert_contains metrics_http_ok "$metrics" "200 OK"
mp=$(echo "$metrics" | grep '^fwl_rule_packets_total{' | grep 'rule="input/4"' | awk '{print $NF}')
assert_eq metrics_agree_with_fwlctl "$mp" "$pk"
assert_contains metrics_reloads "$metrics" 'fwl_reloads_total{result="ok"} 1'
assert_contains metrics_drops "$metrics" 'fwl_drops_total{'
finish
