#!/usr/bin/env bash
# tests/e2e/slice.sh - FWL source to kernel verdict, with real traffic.
#
# examples/ssh-icmp.fwl is compiled by fwlc and loaded by fwld on the lab
# router's wan interface; the WAN host's ping and SSH get through, TCP to
# port 80 (which has a listener, so only the firewall can stop it) does not;
# the per-rule counters in fwlctl and bpftool match what was sent.  Then the
# bad inputs: each a clear message, a non-zero exit and nothing left behind.
set -u
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/e2e.sh"
need_root slice_needs_root

POLICY=$FWL_SRC/examples/ssh-icmp.fwl
e2e_lab test
fwld() { lab_exec router "$FWLD" --pin-dir "$PIN" --run-dir "$RUN" "$@"; }
fwlctl() { lab_exec router "$FWLCTL" --run-dir "$RUN" "$@"; }

# --- before: both ports reachable, so a later failure is the firewall's ----
lab_bg router nc -lk 22
lab_bg router nc -lk 80
for i in $(seq 1 20); do lab_tcp wan 203.0.113.1 80 && break; sleep 0.1; done
expect baseline_tcp80_open lab_tcp wan 203.0.113.1 80
expect baseline_tcp22_open lab_tcp wan 203.0.113.1 22

# --- load ---------------------------------------------------------------
out=$(fwld --policy "$POLICY" --attach wan 2>&1)
rc=$?
assert_eq fwld_starts "$rc" 0
[ "$rc" -eq 0 ] || { echo "$out"; exit 1; }
assert_contains ip_link_shows_xdp "$(lab_exec router ip link show wan)" "prog/xdp"
[ -e "$PIN/links/xdp-wan" ] && pass link_pinned || fail link_pinned "no $PIN/links/xdp-wan"
[ -e "$PIN/maps/fwl_rule_cnt" ] && pass counters_pinned || fail counters_pinned "no $PIN/maps/fwl_rule_cnt"

# --- traffic ------------------------------------------------------------
expect ping_passes lab_ping wan 203.0.113.1
expect ping_passes_again lab_ping wan 203.0.113.1
expect ssh_passes lab_tcp wan 203.0.113.1 22
expect_fail http_dropped lab_tcp wan 203.0.113.1 80
expect lan_side_untouched lab_ping lan 10.17.1.1

# --- counters -------------------------------------------------------------
stats=$(fwlctl --json stats)
count() { # count RULE-NAME FIELD (fwld's reply has one rule per line)
	echo "$stats" | grep "\"name\": \"$1\"" |
		grep -o "\"$2\": [0-9]*" | grep -o '[0-9]*$'
}
assert_eq icmp_rule_counts_two_pings "$(count input/2 packets)" 2
ssh=$(count input/1 packets)
[ "${ssh:-0}" -ge 3 ] && pass ssh_rule_counts_handshake || fail ssh_rule_counts_handshake "input/1 packets=$ssh, want >= 3"
drop=$(count input/3 packets)
[ "${drop:-0}" -ge 1 ] && pass drop_rule_counts || fail drop_rule_counts "input/3 packets=$drop, want >= 1"
bytes=$(count input/2 bytes)
assert_eq icmp_rule_bytes "$bytes" $((2 * 98))
human=$(fwlctl stats)
assert_contains fwlctl_stats_human "$human" "input/2"
dump=$(bpftool map dump pinned "$PIN/maps/fwl_rule_cnt" 2>&1)
id=$(echo "$stats" | grep '"name": "input/2"' | grep -o '"id": [0-9]*' | grep -o '[0-9]*')
assert_contains bpftool_dump_has_rule "$dump" "\"key\": $id"
assert_contains bpftool_dump_named_fields "$dump" "\"packets\": "
status=$(fwlctl status)
assert_contains fwlctl_status_iface "$status" "wan"

# --- bad inputs ---------------------------------------------------------
out=$("$FWLC" build "$TMP/missing.fwl" -o "$TMP/b" 2>&1)
rc=$?
[ "$rc" -ne 0 ] && pass missing_file_fails || fail missing_file_fails "exit 0"
assert_contains missing_file_named "$out" "missing.fwl"

printf 'policy p : Frame<{}>\n  on hook = Input, table = Filter, priority = Filter\n  where\n  | Frame(_, Ether(_, IPv4(_ TCP(_, _)))) -> Allow\n' >"$TMP/bad.fwl"
out=$("$FWLC" build "$TMP/bad.fwl" -o "$TMP/b" 2>&1)
rc=$?
[ "$rc" -ne 0 ] && pass syntax_error_fails || fail syntax_error_fails "exit 0"
assert_contains syntax_error_position "$out" "bad.fwl:4:"
assert_contains syntax_error_caret "$out" "^"

# A second daemon on an interface that does not exist: nothing pinned.
PIN2=/sys/fs/bpf/fwl-test2-$LAB_ID
out=$(lab_exec router "$FWLD" --policy "$POLICY" --attach nosuch0 --pin-dir "$PIN2" --run-dir "$RUN-2" 2>&1)
rc=$?
[ "$rc" -ne 0 ] && pass missing_iface_fails || fail missing_iface_fails "exit 0"
assert_contains missing_iface_named "$out" "nosuch0"
[ ! -e "$PIN2" ] && pass missing_iface_pins_nothing || fail missing_iface_pins_nothing "$PIN2 exists"

# Pin directory not on bpffs.
out=$(lab_exec router "$FWLD" --policy "$POLICY" --attach lan --pin-dir "$TMP/notbpf/fwl" --run-dir "$RUN-3" 2>&1)
rc=$?
[ "$rc" -ne 0 ] && pass no_bpffs_fails || fail no_bpffs_fails "exit 0"
assert_contains no_bpffs_named "$out" "bpffs"
assert_not_contains no_bpffs_lan_untouched "$(lab_exec router ip link show lan)" "prog/xdp"

# An interface held by another XDP program (ours, of the first daemon).
out=$(lab_exec router "$FWLD" --policy "$POLICY" --attach wan --pin-dir "$PIN2" --run-dir "$RUN-2" 2>&1)
rc=$?
[ "$rc" -ne 0 ] && pass busy_iface_refused || fail busy_iface_refused "exit 0"
assert_contains busy_iface_named "$out" "'wan' already has XDP program"
[ ! -e "$PIN2" ] && pass busy_iface_pins_nothing || fail busy_iface_pins_nothing "$PIN2 exists"

# Not root: fwld refuses, and the control socket refuses.
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$FWLD" --policy "$POLICY" --attach lo 2>&1)
rc=$?
[ "$rc" -ne 0 ] && pass nonroot_fwld_refused || fail nonroot_fwld_refused "exit 0"
assert_contains nonroot_fwld_says_root "$out" "root"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$FWLCTL" --run-dir "$RUN" stats 2>&1)
rc=$?
[ "$rc" -ne 0 ] && pass nonroot_fwlctl_refused || fail nonroot_fwlctl_refused "exit 0"

# The first policy is still enforcing after all of that.
expect_fail still_dropping_http lab_tcp wan 203.0.113.1 80
expect still_passing_ssh lab_tcp wan 203.0.113.1 22

# --- daemon gone: the pinned link keeps enforcing; cleanup removes it -----
fwlctl stop >/dev/null
sleep 0.2
expect_fail enforcing_without_daemon lab_tcp wan 203.0.113.1 80
"$FWLD" --cleanup --pin-dir "$PIN" >/dev/null 2>&1
assert_not_contains cleanup_detaches "$(lab_exec router ip link show wan)" "prog/xdp"
[ ! -e "$PIN" ] && pass cleanup_removes_pins || fail cleanup_removes_pins "$PIN still exists"
expect open_after_cleanup lab_tcp wan 203.0.113.1 80
finish
