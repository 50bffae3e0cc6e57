#!/usr/bin/env bash
# tests/e2e/nat-invalid.sh - a packet conntrack finds Invalid is not
# translated (docs/semantics.md, "NAT (run time)"), on real traffic: the
# LAN host's masqueraded connection (tests/e2e/policies/nat.fwl, no
# filter) carries "hello", then a segment with its addresses and ports and
# SYN+FIN set, then "bye".  The WAN host sees the data from the router's
# address, and the SYN+FIN segment from the LAN host's own address, as
# Linux's NAT leaves a packet without conntrack: the data plane judges it
# at XDP ingress and source-NATs at TC egress (bpf/lib/ct.h, fwl_ct_fp).
set -u
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/e2e.sh"
need_root nat_invalid_needs_root

POLICY=$FWL_SRC/tests/e2e/policies/nat.fwl
PY=$FWL_SRC/tests/e2e/nat_invalid.py
e2e_lab natinv
lab_bg wan nc -lk 9000
out=$(lab_exec router "$FWLD" --policy "$POLICY" --pin-dir "$PIN" --run-dir "$RUN" 2>&1)
assert_eq fwld_starts "$?" 0
[ "$?" -eq 0 ] || echo "$out"

lab_bg wan timeout 20 python3 "$PY" capture eth0 9000 6 "$TMP/cap"
for i in $(seq 1 20); do [ -e "$TMP/cap" ] && break; sleep 0.1; done
sleep 0.3
me=$(lab_exec lan timeout 10 python3 "$PY" client "$LAB_WAN4" 9000 2>&1)
assert_contains client_connects "$me" "$LAB_LAN4 "
sport=${me##* }
for i in $(seq 1 60); do
	[ "$(grep -c " 0x03 " "$TMP/cap" 2>/dev/null)" -ge 1 ] &&
		[ "$(grep -c "^$LAB_ROUTER_WAN4 .* [1-9][0-9]*\$" "$TMP/cap")" -ge 2 ] &&
		break
	sleep 0.1
done
cap=$(cat "$TMP/cap" 2>/dev/null)
# the connection's data, before and after the invalid segment: masqueraded
data=$(grep -c "^$LAB_ROUTER_WAN4 [0-9]* 0x[0-9a-f]* [1-9][0-9]*\$" <<<"$cap")
[ "$data" -ge 2 ] && pass masquerade_data_before_and_after ||
	fail masquerade_data_before_and_after "want hello and bye from $LAB_ROUTER_WAN4: $cap"
assert_contains invalid_segment_untranslated "$cap" "$LAB_LAN4 $sport 0x03 0"
assert_not_contains invalid_segment_not_masqueraded "$cap" "$LAB_ROUTER_WAN4 $sport 0x03"
assert_not_contains lan_data_never_untranslated "$(grep -v " 0x03 " <<<"$cap")" "$LAB_LAN4 "
finish
