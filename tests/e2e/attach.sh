#!/usr/bin/env bash
# tests/e2e/attach.sh - XDP attach modes and interfaces held by other
# programs: --mode native refuses a driver without native XDP, auto falls
# back to generic with a warning, generic by flag filters too; an
# interface held by another XDP program (xdp-loader, or another fwld's
# bpf_link) is refused with a message naming that program unless
# --replace, also when it appears while fwld runs.
set -u
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/e2e.sh"
need_root attach_needs_root

POLICY=$FWL_SRC/examples/ssh-icmp.fwl	# :22 and ICMP in, nothing else
FOLLOW=$FWL_SRC/tests/e2e/policies/follow.fwl
FOREIGN=/usr/lib/x86_64-linux-gnu/bpf/xdpfilt_alw_all.o	# xdp-tools
[ -r "$FOREIGN" ] || FOREIGN=$(dpkg -L xdp-tools 2>/dev/null | grep '/xdpfilt_alw_all.o$' | head -1)
e2e_lab attach
R=$LAB_NS_ROUTER
fwld() { lab_exec router "$FWLD" --pin-dir "$PIN" --run-dir "$RUN" "$@" 2>&1; }
fwlctl() { lab_exec router "$FWLCTL" --run-dir "$RUN" "$@"; }
stop() { fwlctl stop >/dev/null 2>&1; sleep 0.2; "$FWLD" --cleanup --pin-dir "$PIN" >/dev/null 2>&1; }
# iface and wait_state: tests/lib/e2e.sh.
xdp_id() { lab_exec router ip link show "$1" | grep -o 'prog/xdp[a-z]* id [0-9]*' | grep -o '[0-9]*$'; }

lab_bg router nc -lk 80
for i in $(seq 1 20); do lab_tcp lan $LAB_ROUTER_LAN4 80 && break; sleep 0.1; done
expect baseline_lan_80_open lab_tcp lan $LAB_ROUTER_LAN4 80

# --- modes --------------------------------------------------------------------
# A bridge has no native XDP.
ip -n "$R" link add br0 type bridge && ip -n "$R" link set br0 up
out=$(fwld --policy "$POLICY" --attach br0 --mode native)
[ $? -ne 0 ] && pass native_refused_without_driver_support || fail native_refused_without_driver_support "exit 0: $out"
assert_contains native_refusal_names_iface "$out" "'br0'"
assert_contains native_refusal_says_why "$out" "no native XDP"
[ ! -e "$PIN" ] && pass native_refusal_pins_nothing || fail native_refusal_pins_nothing "$PIN exists"

out=$(fwld --policy "$POLICY" --attach br0)
assert_eq auto_starts "$?" 0
assert_contains auto_warns_generic "$out" "native XDP failed on 'br0'"
assert_eq auto_status_generic "$(iface mode br0)" generic
assert_contains auto_ip_link_generic "$(lab_exec router ip link show br0)" "xdpgeneric"
stop
assert_not_contains auto_cleanup_detaches "$(lab_exec router ip link show br0)" "xdp"

out=$(fwld --policy "$POLICY" --attach lan --mode generic)
assert_eq generic_starts "$?" 0
assert_eq generic_status "$(iface mode lan)" generic
assert_contains generic_ip_link "$(lab_exec router ip link show lan)" "xdpgeneric"
expect_fail generic_filters_80 lab_tcp lan $LAB_ROUTER_LAN4 80
stop

out=$(fwld --policy "$POLICY" --attach lan)
assert_eq native_starts "$?" 0
assert_eq veth_auto_is_native "$(iface mode lan)" native
assert_not_contains veth_not_generic "$(lab_exec router ip link show lan)" "xdpgeneric"
assert_not_contains veth_no_fallback_warning "$out" "native XDP failed"
expect_fail native_filters_80 lab_tcp lan $LAB_ROUTER_LAN4 80
stop
expect open_after_cleanup lab_tcp lan $LAB_ROUTER_LAN4 80

# --- another program holds the interface ---------------------------------------
lab_exec router xdp-loader load -m native lan "$FOREIGN" >/dev/null 2>&1
fid=$(xdp_id lan)
[ -n "$fid" ] && pass foreign_loaded || fail foreign_loaded "xdp-loader put nothing on lan"
out=$(fwld --policy "$POLICY" --attach lan)
[ $? -ne 0 ] && pass foreign_refused || fail foreign_refused "exit 0"
assert_contains foreign_named "$out" "'lan' already has XDP program 'xdpfilt_alw_all' (id $fid, native mode"
assert_contains foreign_not_dispatcher "$out" "not a libxdp dispatcher"
assert_contains foreign_hint_replace "$out" "--replace"
[ ! -e "$PIN" ] && pass foreign_refusal_pins_nothing || fail foreign_refusal_pins_nothing "$PIN exists"
assert_eq foreign_still_there "$(xdp_id lan)" "$fid"
out=$(fwld --policy "$POLICY" --attach lan --replace)
assert_eq replace_starts "$?" 0
assert_contains replace_warns "$out" "replacing XDP program 'xdpfilt_alw_all' (id $fid"
id=$(xdp_id lan)
[ -n "$id" ] && [ "$id" != "$fid" ] && pass replace_ours_on_lan || fail replace_ours_on_lan "prog id '$id' (foreign was $fid)"
expect_fail replace_filters_80 lab_tcp lan $LAB_ROUTER_LAN4 80

# Another fwld's pinned bpf_link: named as such.
out=$(lab_exec router "$FWLD" --policy "$POLICY" --attach lan --pin-dir "$PIN-2" --run-dir "$RUN-2" 2>&1)
[ $? -ne 0 ] && pass link_holder_refused || fail link_holder_refused "exit 0"
assert_contains link_holder_named "$out" "(id $id, native mode, held by a bpf_link"
[ ! -e "$PIN-2" ] && pass link_holder_pins_nothing || fail link_holder_pins_nothing "$PIN-2 exists"
stop

# --- a held interface appears while fwld runs ------------------------------------
out=$(fwld --policy "$FOLLOW")
assert_eq follow_starts "$?" 0
ip -n "$R" link del wan
wait_state wan waiting || fail follow_wan_gone "state '$(iface state wan)'"
ip link add "fwl$LAB_ID-w" type veth peer name "fwl$LAB_ID-wr" &&
	ip link set "fwl$LAB_ID-w" netns "$LAB_NS_WAN" name eth0 &&
	ip link set "fwl$LAB_ID-wr" netns "$R" name wanx &&
	ip -n "$R" link set wanx up
lab_exec router xdp-loader load -m native wanx "$FOREIGN" >/dev/null 2>&1
fid=$(xdp_id wanx)
ip -n "$R" link set wanx down && ip -n "$R" link set wanx name wan &&
	ip -n "$R" link set wan up
wait_state wan refused && pass appeared_held_refused || fail appeared_held_refused "state '$(iface state wan)'"
assert_contains appeared_held_error_names "$(iface error wan)" "'xdpfilt_alw_all' (id $fid"
assert_eq appeared_held_untouched "$(xdp_id wan)" "$fid"
assert_contains appeared_held_logged "$(cat "$RUN/fwld.log")" "interface 'wan' appeared"
assert_eq appeared_held_lan_still_attached "$(iface state lan)" attached
assert_contains appeared_held_fwlctl_status "$(fwlctl status)" "iface    wan refused"
# A reload goes on without it (it did not enforce there before either).
out=$(fwlctl --json reload 2>&1)
assert_contains reload_with_held_iface_ok "$out" '"ok": true'
assert_eq reload_held_still_refused "$(iface state wan)" refused
assert_eq reload_held_untouched "$(xdp_id wan)" "$fid"
# Freed, the next link event attaches it.
lab_exec router xdp-loader unload wan --all >/dev/null 2>&1
ip -n "$R" link set wan down && ip -n "$R" link set wan up
wait_state wan attached && pass freed_then_attached || fail freed_then_attached "state '$(iface state wan)'"
id=$(xdp_id wan)
[ -n "$id" ] && [ "$id" != "$fid" ] && pass freed_ours_on_wan || fail freed_ours_on_wan "prog id '$id'"
finish
