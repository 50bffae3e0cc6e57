#!/usr/bin/env bash
# tests/e2e/ifaces.sh - fwld follows interfaces (rtnetlink): a policy
# interface missing at start is waited for and attached when it appears,
# an interface renamed to (or away from) the policy's name is attached (or
# let go), a deleted and recreated one is attached again with its new
# ifindex and no stale pins, and a new address on the `dynamic` wan is the
# one masquerade uses, all without a reload (tests/e2e/policies/follow.fwl
# drops TCP :80 to the router on wan only, so a drop shows that the XDP
# program is on wan and fwl_ifaces knows wan's ifindex).
set -u
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/e2e.sh"
need_root ifaces_needs_root

POLICY=$FWL_SRC/tests/e2e/policies/follow.fwl
e2e_lab ifaces
R=$LAB_NS_ROUTER
fwlctl() { lab_exec router "$FWLCTL" --run-dir "$RUN" "$@"; }
# iface and wait_state: tests/lib/e2e.sh.
# mkwan: a new veth pair for wan, addressed like tools/lab.sh's.
mkwan() {
	ip link add "fwl$LAB_ID-w" type veth peer name "fwl$LAB_ID-wr" &&
	ip link set "fwl$LAB_ID-w" netns "$LAB_NS_WAN" name eth0 &&
	ip link set "fwl$LAB_ID-wr" netns "$R" name wan &&
	ip -n "$R" addr add $LAB_ROUTER_WAN4/24 dev wan &&
	ip -n "$LAB_NS_WAN" addr add $LAB_WAN4/24 dev eth0 &&
	ip -n "$R" link set wan up && ip -n "$LAB_NS_WAN" link set eth0 up &&
	ip -n "$LAB_NS_WAN" route add default via $LAB_ROUTER_WAN4
}
# reach PORT: the WAN host's TCP to the router's PORT opens (2 tries,
# the first may meet a neighbour entry still resolving).
reach() { lab_tcp wan $LAB_ROUTER_WAN4 "$1" || lab_tcp wan $LAB_ROUTER_WAN4 "$1"; }
# masq_peer: the source the WAN host sees for a LAN host's connection.
masq_peer() {
	local peer="" i
	lab_exec lan timeout 3 bash -c \
		"exec 3<>/dev/tcp/$LAB_WAN4/9000; sleep 1.5" 2>/dev/null &
	local conn=$!
	for i in $(seq 1 20); do
		peer=$(lab_exec wan ss -Htn state established '( sport = :9000 )' |
			awk '{print $4}' | head -1)
		[ -n "$peer" ] && break
		sleep 0.1
	done
	wait $conn 2>/dev/null
	echo "$peer"
}

lab_bg router nc -lk 22
lab_bg router nc -lk 80
lab_bg wan nc -lk 9000
sleep 0.3

# --- missing at start: a warning, and fwld waits for it ----------------------
ip -n "$R" link del wan
out=$(lab_exec router "$FWLD" --policy "$POLICY" --pin-dir "$PIN" --run-dir "$RUN" 2>&1)
rc=$?
assert_eq starts_without_wan "$rc" 0
[ "$rc" -eq 0 ] || { echo "$out"; exit 1; }
assert_contains missing_wan_named "$out" "'wan' does not exist (yet)"
assert_eq wan_waiting "$(iface state wan)" waiting
assert_eq lan_attached "$(iface state lan)" attached
assert_contains fwlctl_status_waiting "$(fwlctl status)" "iface    wan waiting"
loaded=$(fwlctl --json status | grep -o '"loaded_at": "[^"]*"')

# --- it appears: attached, and filtering --------------------------------------
mkwan || fail mkwan "cannot create the wan pair"
wait_state wan attached && pass wan_attached_when_created ||
	fail wan_attached_when_created "state '$(iface state wan)' after 5 s; $(tail -n 3 "$RUN/fwld.log")"
ifindex1=$(iface ifindex wan)
assert_eq wan_ifindex_resolved "$ifindex1" "$(lab_exec router ip -o link show wan | cut -d: -f1)"
assert_contains created_wan_has_xdp "$(lab_exec router ip link show wan)" "prog/xdp"
[ -e "$PIN/links/xdp-wan" ] && pass created_wan_link_pinned || fail created_wan_link_pinned "no $PIN/links/xdp-wan"
[ -e "$PIN/links/tcx-egress-wan" ] && pass created_wan_tc_pinned || fail created_wan_tc_pinned "no $PIN/links/tcx-egress-wan"
expect_fail created_wan_drops_80 reach 80
expect created_wan_passes_22 reach 22
assert_contains appeared_logged "$(cat "$RUN/fwld.log")" "interface 'wan' appeared (ifindex $ifindex1)"

# --- renamed away: let go; renamed back to the policy's name: attached --------
ip -n "$R" link set wan down && ip -n "$R" link set wan name uplink &&
	ip -n "$R" link set uplink up
wait_state wan waiting && pass renamed_away_waiting ||
	fail renamed_away_waiting "state '$(iface state wan)'"
assert_not_contains renamed_away_detached "$(lab_exec router ip link show uplink)" "prog/xdp"
[ ! -e "$PIN/links/xdp-wan" ] && pass renamed_away_unpinned || fail renamed_away_unpinned "$PIN/links/xdp-wan still there"
# Not the policy's wan now: :80 is open (the check below can fail).
expect renamed_away_80_open reach 80
ip -n "$R" link set uplink down && ip -n "$R" link set uplink name wan &&
	ip -n "$R" link set wan up
wait_state wan attached && pass renamed_to_wan_attached ||
	fail renamed_to_wan_attached "state '$(iface state wan)'"
assert_eq renamed_same_ifindex "$(iface ifindex wan)" "$ifindex1"
expect_fail renamed_to_wan_drops_80 reach 80
expect renamed_to_wan_passes_22 reach 22

# --- deleted: links and pins go; recreated: attached to the new ifindex -------
ip -n "$R" link del wan
wait_state wan waiting && pass deleted_waiting || fail deleted_waiting "state '$(iface state wan)'"
[ ! -e "$PIN/links/xdp-wan" ] && pass deleted_no_xdp_pin || fail deleted_no_xdp_pin "stale $PIN/links/xdp-wan"
[ ! -e "$PIN/links/tcx-egress-wan" ] && pass deleted_no_tc_pin || fail deleted_no_tc_pin "stale $PIN/links/tcx-egress-wan"
assert_contains gone_logged "$(cat "$RUN/fwld.log")" "interface 'wan' (ifindex $ifindex1) is gone"
mkwan || fail mkwan_again "cannot create the wan pair"
wait_state wan attached && pass recreated_attached || fail recreated_attached "state '$(iface state wan)'"
ifindex2=$(iface ifindex wan)
[ -n "$ifindex2" ] && [ "$ifindex2" != "$ifindex1" ] && pass recreated_new_ifindex ||
	fail recreated_new_ifindex "ifindex '$ifindex2', was '$ifindex1'"
assert_eq recreated_ifindex_is_kernels "$ifindex2" "$(lab_exec router ip -o link show wan | cut -d: -f1)"
# The pinned link runs the program that the new wan carries.
pinned=$(bpftool link show pinned "$PIN/links/xdp-wan" 2>&1 | grep -o 'prog [0-9]*' | grep -o '[0-9]*')
onwan=$(lab_exec router ip link show wan | grep -o 'prog/xdp id [0-9]*' | grep -o '[0-9]*$')
[ -n "$pinned" ] && [ "$pinned" == "$onwan" ] && pass recreated_pin_is_wans_link ||
	fail recreated_pin_is_wans_link "pinned link runs prog '$pinned', wan has '$onwan'"
expect_fail recreated_drops_80 reach 80
expect recreated_passes_22 reach 22
expect lan_still_attached_and_open lab_tcp lan $LAB_ROUTER_LAN4 80

# --- a new address on the dynamic wan: masquerade follows, no reload ----------
peer=$(masq_peer)
assert_contains masquerade_old_address "$peer" "$LAB_ROUTER_WAN4:"
# As a DHCP client does: the old lease goes, the new one comes.
ip -n "$R" addr del $LAB_ROUTER_WAN4/24 dev wan
ip -n "$R" addr add 203.0.113.5/24 dev wan
# fwld rewrites wan's entry in the pinned fwl_ifaddr (raw value bytes:
# the IPv4 address first, network order).
ifaddr=""
for i in $(seq 1 50); do
	ifaddr=$(bpftool -j map dump pinned "$PIN/maps/fwl_ifaddr" 2>&1)
	[[ "$ifaddr" == *'"0xcb","0x00","0x71","0x05"'* ]] && break
	sleep 0.1
done
assert_contains ifaddr_has_new_address "$ifaddr" '"0xcb","0x00","0x71","0x05"'
assert_not_contains ifaddr_lost_old_address "$ifaddr" '"0xcb","0x00","0x71","0x01"'
peer=$(masq_peer)
assert_contains masquerade_new_address "$peer" "203.0.113.5:"
assert_not_contains masquerade_not_old_address "$peer" "$LAB_ROUTER_WAN4:"
assert_eq no_reload "$(fwlctl --json status | grep -o '"loaded_at": "[^"]*"')" "$loaded"
finish
