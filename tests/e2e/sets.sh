#!/usr/bin/env bash
# tests/e2e/sets.sh - interfaces, zones, CIDR sets and port sets as map
# contents, with real traffic on the lab router (policy:
# tests/e2e/policies/ifaces-sets.fwl).  fwld attaches to the interfaces
# the policy declares (no --attach) and resolves them to ifindex itself.
set -u
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/e2e.sh"
need_root sets_needs_root

POLICY=$FWL_SRC/tests/e2e/policies/ifaces-sets.fwl
e2e_lab sets
# A second WAN address that is not in the blocked set.
lab_exec wan ip addr add 203.0.113.3/24 dev eth0
for p in 22 80 9000; do lab_bg router nc -lk $p; done
sleep 0.3

out=$(lab_exec router "$FWLD" --policy "$POLICY" --pin-dir "$PIN" --run-dir "$RUN" 2>&1)
assert_eq fwld_starts "$?" 0
assert_contains attached_wan "$(lab_exec router ip link show wan)" "prog/xdp"
assert_contains attached_lan "$(lab_exec router ip link show lan)" "prog/xdp"
dump=$(bpftool map dump pinned "$PIN/policy/fwl_ifaces" 2>&1)
assert_contains ifaces_map_resolved "$dump" "\"mask\": "

tcp_from() { lab_exec wan nc -z -w 1 -s "$1" 203.0.113.1 "$2" >/dev/null 2>&1; }
ping_from() { lab_exec wan ping -c 1 -W 1 -q -I "$1" 203.0.113.1 >/dev/null 2>&1; }

# Port set (a bitmap map): 80 and 9000 are in `web`, 22 is not.
expect web_port_80_passes tcp_from 203.0.113.3 80
expect web_port_9000_passes tcp_from 203.0.113.3 9000
expect_fail port_22_not_in_set tcp_from 203.0.113.3 22
expect ping_unblocked_source ping_from 203.0.113.3
# CIDR set (an LPM trie): 203.0.113.2/32 is blocked, whatever the port.
expect_fail blocked_source_web tcp_from 203.0.113.2 80
expect_fail blocked_source_ping ping_from 203.0.113.2
# Zone membership by interface: the LAN reaches port 22.
expect lan_zone_port_22 lab_tcp lan 10.17.1.1 22

stats=$(lab_exec router "$FWLCTL" --run-dir "$RUN" --json stats)
n=$(echo "$stats" | grep '"name": "input/2"' | grep -o '"packets": [0-9]*' | grep -o '[0-9]*$')
[ "${n:-0}" -ge 2 ] && pass blocked_rule_counted || fail blocked_rule_counted "input/2 packets=$n"
finish
