#!/usr/bin/env bash
# tests/e2e/conntrack.sh - a stateful policy on the lab router
# (tests/e2e/policies/stateful-input.fwl): the router's own TCP and UDP
# connections to the WAN host get their replies (tracked at TC egress,
# ESTABLISHED at XDP ingress), while the same ports opened from outside
# stay closed; live connections survive a reload (FLOW maps reused).
set -u
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/e2e.sh"
need_root conntrack_needs_root

POLICY=$FWL_SRC/tests/e2e/policies/stateful-input.fwl
e2e_lab ct
lab_bg wan nc -lk 8080
lab_bg router nc -lk 8080
lab_bg wan sh -c 'while :; do nc -u -l -W 1 5353 </dev/null >/dev/null; done'
sleep 0.3

out=$(lab_exec router "$FWLD" --policy "$POLICY" --attach wan --pin-dir "$PIN" --run-dir "$RUN" 2>&1)
assert_eq fwld_starts "$?" 0
assert_contains tc_egress_attached "$out" "TC egress"
[ -e "$PIN/links/tcx-egress-wan" ] && pass tcx_link_pinned || fail tcx_link_pinned "no tcx link pin"
[ -e "$PIN/maps/fwl_ct" ] && pass ct_map_pinned || fail ct_map_pinned "no fwl_ct pin"

# Outbound from the router: the SYN/ACK is ESTABLISHED, so it passes.
expect router_outbound_tcp lab_tcp router 203.0.113.2 8080
# Inbound to the same port: a new connection, not allowed.
expect_fail inbound_tcp_8080_dropped lab_tcp wan 203.0.113.1 8080

# Conntrack entries exist for the router's flow.
dump=$(bpftool map dump pinned "$PIN/maps/fwl_ct" 2>&1)
assert_contains ct_entry_recorded "$dump" "\"key\""

# A long-lived connection survives a reload of the same policy: the
# conntrack map is reused (same map id, same entries), so its packets stay
# ESTABLISHED and it goes on.
ct_id() { bpftool map show pinned "$PIN/maps/fwl_ct" | grep -o '^[0-9]*'; }
ct_entries() { bpftool map dump pinned "$PIN/maps/fwl_ct" | grep -c '"key"'; }
id_before=$(ct_id)
mkfifo "$TMP/in"
lab_exec router nc 203.0.113.2 8080 <"$TMP/in" >/dev/null 2>&1 &
ncpid=$!
exec 7<>"$TMP/in"	# read-write: never blocks, nc or not
echo hello >&7
sleep 0.3
n_before=$(ct_entries)
lab_exec router "$FWLCTL" --run-dir "$RUN" reload "$POLICY" >/dev/null 2>&1
assert_eq reload_ok "$?" 0
assert_eq ct_map_reused "$(ct_id)" "$id_before"
n_after=$(ct_entries)
[ "$n_after" -ge "$n_before" ] && [ "$n_before" -ge 1 ] && pass ct_entries_kept ||
	fail ct_entries_kept "before $n_before, after $n_after"
echo again >&7
sleep 0.3
kill -0 $ncpid 2>/dev/null && pass connection_alive_after_reload || fail connection_alive_after_reload "nc exited"
# fwlctl ct: the live connection, by filter; a filter that matches nothing.
ct=$(lab_exec router "$FWLCTL" --run-dir "$RUN" ct --port 8080)
assert_contains ct_lists_flow "$ct" "dst=203.0.113.2"
assert_contains ct_tcp_state "$ct" "ESTABLISHED"
assert_contains ct_status_bits "$ct" "[Assured]"
# (the two listings are taken apart in time: a second boundary between
# them changes the countdowns, so those are left out of the comparison)
no_expiry() { sed 's/ expires=[0-9]*s//'; }
assert_eq ct_list_is_ct "$(lab_exec router "$FWLCTL" --run-dir "$RUN" ct list --port 8080 | no_expiry)" "$(no_expiry <<<"$ct")"
none=$(lab_exec router "$FWLCTL" --run-dir "$RUN" ct --port 1)
assert_contains ct_filter_excludes "$none" "0 flows"
fl=$(lab_exec router "$FWLCTL" --run-dir "$RUN" ct flush)
assert_contains ct_flush_reports "$fl" "flushed"
[ "$(ct_entries)" -eq 0 ] && pass ct_flush_empties || fail ct_flush_empties "$(ct_entries) entries left"
# Expired flows are reaped by fwld (the data path never deletes from
# fwl_ct): plant one that expired long ago and watch it go.
key="0x0a 0x63 0x63 0x63 $(printf '0 %.0s' $(seq 1 12))0x0a 0x63 0x63 0x64 $(printf '0 %.0s' $(seq 1 12))0x01 0 0x02 0 17 4 0 0"
val="1 0 0 0 0 0 0 0 $(printf '0 %.0s' $(seq 1 128))"
bpftool map update pinned "$PIN/maps/fwl_ct" key $key value $val 2>&1
planted=$(bpftool map lookup pinned "$PIN/maps/fwl_ct" key $key 2>&1)
assert_contains planted_expired_flow "$planted" '"expires": 1'
for i in $(seq 1 80); do
	bpftool map lookup pinned "$PIN/maps/fwl_ct" key $key >/dev/null 2>&1 || break
	sleep 0.1
done
if bpftool map lookup pinned "$PIN/maps/fwl_ct" key $key >/dev/null 2>&1; then
	fail expired_flow_reaped "still there after 8 s"
else
	pass expired_flow_reaped
fi
exec 7>&-
kill $ncpid 2>/dev/null
wait $ncpid 2>/dev/null
stats=$(lab_exec router "$FWLCTL" --run-dir "$RUN" --json stats)
est=$(echo "$stats" | grep '"name": "input/1"' | grep -o '"packets": [0-9]*' | grep -o '[0-9]*$')
[ "${est:-0}" -ge 3 ] && pass established_rule_counted || fail established_rule_counted "input/1 packets=$est"
finish
