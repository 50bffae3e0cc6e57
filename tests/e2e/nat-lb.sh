#!/usr/bin/env bash
# tests/e2e/nat-lb.sh - load balancing with real TCP through the lab
# router (tests/e2e/policies/nat-lb.fwl): DNAT to a set of two backends,
# the LAN host and a second backend namespace behind interface be2:
# connections from fixed source ports land on the backend the flow hash
# names (computed by tests/e2e/lb.py, apart from fwlc), both backends get
# some, every line of a connection reaches the same backend and the
# replies come back from the address the client called; SNAT to a pool of
# two router addresses: the WAN host sees the pool address the hash names.
set -u
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/e2e.sh"
need_root nat_lb_needs_root

POLICY=$FWL_SRC/tests/e2e/policies/nat-lb.fwl
LB=$FWL_SRC/tests/e2e/lb.py
e2e_lab nat-lb
BE2=fwl$LAB_ID-be2
BE2_PID=
lb_cleanup() {
	[ -n "$BE2_PID" ] && kill "$BE2_PID" 2>/dev/null
	ip netns del "$BE2" 2>/dev/null
	ip link del "fwl$LAB_ID-b" 2>/dev/null
	e2e_cleanup
}
trap lb_cleanup EXIT
be2() { nsenter --net="/var/run/netns/$BE2" "$@"; }

# the second backend: 10.17.2.10 behind the router's be2 (10.17.2.1)
ip netns add "$BE2" &&
	ip link add "fwl$LAB_ID-b" type veth peer name "fwl$LAB_ID-br" &&
	ip link set "fwl$LAB_ID-b" netns "$BE2" name eth0 &&
	ip link set "fwl$LAB_ID-br" netns "$LAB_NS_ROUTER" name be2 &&
	ip -n "$BE2" addr add 10.17.2.10/24 dev eth0 &&
	ip -n "$LAB_NS_ROUTER" addr add 10.17.2.1/24 dev be2 &&
	ip -n "$BE2" link set lo up && ip -n "$BE2" link set eth0 up &&
	ip -n "$LAB_NS_ROUTER" link set be2 up &&
	ip -n "$BE2" route add default via 10.17.2.1 &&
	ip -n "$LAB_NS_ROUTER" addr add 203.0.113.3/24 dev wan
assert_eq backend_ns_up "$?" 0

lab_bg lan python3 "$LB" serve be1 80
lab_bg wan python3 "$LB" serve peer 9000
be2 python3 "$LB" serve be2 80 </dev/null >/dev/null 2>&1 &
BE2_PID=$!
for i in $(seq 1 30); do
	be2 ping -c1 -W1 -q 10.17.2.1 >/dev/null 2>&1 && break
	sleep 0.1
done
sleep 0.5

out=$(lab_exec router "$FWLD" --policy "$POLICY" --pin-dir "$PIN" --run-dir "$RUN" 2>&1)
assert_eq fwld_starts "$?" 0 || echo "$out"
assert_contains backend_set_in_maps "$(bpftool map dump pinned "$PIN/policy/fwl_nat_sets" 2>&1)" '"count": 2'

# DNAT(web): backends sorted 10.17.1.10:80 (0, be1), 10.17.2.10:80 (1, be2)
names=(be1 be2)
seen0=0 seen1=0
for sport in 41000 41001 41002 41003 41004 41005 41006 41007; do
	want=${names[$(python3 "$LB" hash 203.0.113.2 203.0.113.1 $sport 8080 6 2)]}
	got=$(lab_exec wan python3 "$LB" client 203.0.113.1 8080 $sport 4)
	assert_eq "dnat_set_sport_${sport}_stays_on_$want" "$got" "$want $want $want $want"
	[ "$want" = be1 ] && seen0=$((seen0 + 1))
	[ "$want" = be2 ] && seen1=$((seen1 + 1))
done
# the ports above are chosen so that the hash spreads them
if [ "$seen0" -gt 0 ] && [ "$seen1" -gt 0 ]; then
	pass dnat_set_spreads_over_both_backends
else
	fail dnat_set_spreads_over_both_backends "be1 $seen0, be2 $seen1"
fi
# every connection's flow is DNAT'd
ct=$(lab_exec router "$FWLCTL" --run-dir "$RUN" ct 2>&1)
assert_eq dnat_set_ct_flows "$(grep -c 'dport=8080 .*\[DNAT\]' <<<"$ct")" 8

# SNAT(pool): pool sorted 203.0.113.1 (0), 203.0.113.3 (1)
pool=(203.0.113.1 203.0.113.3)
for sport in 42000 42001 42002 42003; do
	want=${pool[$(python3 "$LB" hash 10.17.1.10 203.0.113.2 $sport 9000 6 2)]}
	got=$(lab_exec lan python3 "$LB" client 203.0.113.2 9000 $sport 2)
	assert_eq "snat_pool_sport_${sport}_is_$want" "$got" "$want $want"
done
finish
