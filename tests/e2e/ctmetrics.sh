#!/usr/bin/env bash
# tests/e2e/ctmetrics.sh - conntrack and NAT figures in /metrics and
# `fwlctl status`, against what the tables and the data path's counters
# hold: real connections through port forwarding and masquerade
# (tests/e2e/policies/nat.fwl), compared with `fwlctl ct` (the flows) and
# with bpftool's reading of the pinned per-CPU counters; a flow planted
# expired is swept and counted as an eviction.
set -u
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/e2e.sh"
need_root ctmetrics_needs_root

POLICY=$FWL_SRC/tests/e2e/policies/nat.fwl
e2e_lab ctm
MPORT=$((20000 + RANDOM % 20000))
lab_bg lan nc -lk 80
lab_bg wan nc -lk 9000
sleep 0.3
out=$(lab_exec router "$FWLD" --policy "$POLICY" --pin-dir "$PIN" \
	--run-dir "$RUN" --metrics 127.0.0.1:$MPORT 2>&1)
rc=$?
assert_eq fwld_starts "$rc" 0
[ "$rc" -eq 0 ] || { echo "$out"; exit 1; }	# nothing below means anything
metrics() { lab_exec router curl -s --max-time 5 "http://127.0.0.1:$MPORT/metrics"; }
# metric TEXT NAME{LABELS}: the sample's value
metric() { echo "$1" | grep -v '^#' | grep -F "$2 " | head -n1 | awk '{print $2}'; }
# The per-CPU counter at index K of a pinned stat map, summed (bpftool).
pinned_stat() {
	bpftool -j map lookup pinned "$PIN/maps/$1" key $2 0 0 0 |
		jq '[.formatted.values[].value] | add'
}

# 3 masqueraded connections out, 2 forwarded in, one masqueraded ping.
for i in 1 2 3; do lab_tcp lan 203.0.113.2 9000; done
for i in 1 2; do lab_tcp wan 203.0.113.1 8080; done
lab_ping lan 203.0.113.2
m=$(metrics)
ct=$(lab_exec router "$FWLCTL" --run-dir "$RUN" --json ct)
flows=$(echo "$ct" | jq '.flows | length')
snat=$(echo "$ct" | jq '[.flows[] | select(.status | index("SNAT"))] | length')
dnat=$(echo "$ct" | jq '[.flows[] | select(.status | index("DNAT"))] | length')
[ "$flows" -ge 6 ] && pass flows_tracked || fail flows_tracked "$flows flows: $ct"
assert_eq entries_match_table "$(metric "$m" 'fwl_conntrack_entries{family="ipv4"}')" "$flows"
assert_eq snat_bindings_match "$(metric "$m" 'fwl_nat_bindings{kind="snat"}')" "$snat"
assert_eq dnat_bindings_match "$(metric "$m" 'fwl_nat_bindings{kind="dnat"}')" "$dnat"
assert_eq snat_bindings_count "$snat" 4
assert_eq dnat_bindings_count "$dnat" 2
# Counters: the same numbers bpftool reads from the pinned maps
# (FWL_CT_STAT_NEW = 2, FWL_NAT_STAT_SNAT = 1, FWL_NAT_STAT_NO_PORT = 4).
assert_eq inserts_match_pinned "$(metric "$m" 'fwl_conntrack_inserts_total')" "$(pinned_stat fwl_ct_stat 2)"
ins=$(metric "$m" 'fwl_conntrack_inserts_total')
[ "${ins:-0}" -ge 6 ] && pass inserts_counted || fail inserts_counted "inserts $ins, want >= 6"
assert_eq snat_translations_match "$(metric "$m" 'fwl_nat_translations_total{kind="snat"}')" "$(pinned_stat fwl_nat_stat 1)"
assert_eq port_exhaustion_match "$(metric "$m" 'fwl_nat_port_exhaustion_total')" "$(pinned_stat fwl_nat_stat 4)"
assert_contains max_entries_exported "$m" 'fwl_conntrack_max_entries{table="established"} 262144'
st=$(lab_exec router "$FWLCTL" --run-dir "$RUN" status)
assert_contains status_shows_conntrack "$st" "conntrack $flows flows"
assert_contains status_shows_nat "$st" "nat      $snat SNAT and $dnat DNAT flows"

# A flow that expired long ago: fwld's sweep deletes it and counts it.
ev0=$(metric "$m" 'fwl_conntrack_evictions_total{reason="timeout"}')
key="0x0a 0x63 0x63 0x63 $(printf '0 %.0s' $(seq 1 12))0x0a 0x63 0x63 0x64 $(printf '0 %.0s' $(seq 1 12))0x01 0 0x02 0 17 4 0 0"
val="1 0 0 0 0 0 0 0 $(printf '0 %.0s' $(seq 1 128))"
bpftool map update pinned "$PIN/maps/fwl_ct" key $key value $val
for i in $(seq 1 80); do
	bpftool map lookup pinned "$PIN/maps/fwl_ct" key $key >/dev/null 2>&1 || break
	sleep 0.1
done
ev1=$(metric "$(metrics)" 'fwl_conntrack_evictions_total{reason="timeout"}')
[ "${ev1:-0}" -ge $((ev0 + 1)) ] && pass sweep_counted_as_eviction ||
	fail sweep_counted_as_eviction "evictions $ev0 -> $ev1"
finish
