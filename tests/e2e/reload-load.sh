#!/usr/bin/env bash
# tests/e2e/reload-load.sh - hot reload under load and crash safety.
#
# A long TCP transfer through the router and a ping stream run while fwld
# switches between two policies 50 times: no ping is lost, the transfer is
# still running after the 50th reload (it is stopped then, so it spans the
# reloads however long they take on a busy machine) and the bytes that
# arrived are exactly the ones sent.  Then fwld is killed with
# SIGKILL right after a reload request: a policy stays enforcing, and a new
# fwld adopts the pinned links and maps.
set -u
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/e2e.sh"
need_root reload_load_needs_root

e2e_lab rl2
fwlctl() { lab_exec router "$FWLCTL" --run-dir "$RUN" "$@"; }

# Two stateful forward policies that both allow the transfer; they differ
# in an arm the traffic does not use, so each reload really switches code.
for v in a b; do
	cat >"$TMP/$v.fwl" <<EOT
policy forward : Frame<{}>
  on hook = Forward, table = Filter, priority = Filter
  where
  | _ if ct.state ∈ { Established, Related }                   -> Allow
  | Frame(_, Ether(_, IPv4(_, TCP(tcp { dport = :$([ $v = a ] && echo 5001 || echo 5002) }, _)))) -> Drop
  | _                                                          -> Allow
EOT
	"$FWLC" fmt -w "$TMP/$v.fwl" >/dev/null
done
lab_exec router "$FWLD" --policy "$TMP/a.fwl" --attach wan --attach lan \
	--pin-dir "$PIN" --run-dir "$RUN" >/dev/null 2>&1
assert_eq fwld_starts "$?" 0

head -c 4000000 /dev/urandom >"$TMP/data"
# The stream: the 4 MB file over and over, until the sender is stopped.
stream() { while cat "$TMP/data"; do :; done; }
lab_bg wan sh -c "nc -l 9001 >$TMP/recv"
sleep 0.3
# 256 KB/s (pv) for as long as the reloads take; pv's pid is kept to end
# the transfer once they are done.
lab_exec lan sh -c "while cat $TMP/data; do :; done | sh -c 'echo \$\$ >$TMP/pv.pid; exec pv -q -L 256k' | nc -N 203.0.113.2 9001" &
xfer=$!
lab_exec lan ping -q -i 0.05 -c 100 -W 1 203.0.113.2 >"$TMP/ping" 2>&1 &
pinger=$!
ok=0
for i in $(seq 1 50); do
	v=$([ $((i % 2)) -eq 1 ] && echo b || echo a)
	fwlctl reload "$TMP/$v.fwl" >/dev/null 2>&1 && ok=$((ok + 1))
done
assert_eq fifty_reloads "$ok" 50
kill -0 $xfer 2>/dev/null && pass transfer_spans_reloads ||
	fail transfer_spans_reloads "the transfer ended before the 50th reload"
wait $pinger
# End the sender: nc sends what it has and closes; the receiver exits.
kill "$(cat "$TMP/pv.pid")" 2>/dev/null
for i in $(seq 1 100); do kill -0 $xfer 2>/dev/null || break; sleep 0.1; done
wait $xfer
sleep 0.5
assert_eq no_ping_lost "$(grep -o '[0-9]*% packet loss' "$TMP/ping")" "0% packet loss"
got=$(stat -c %s "$TMP/recv")
[ "$got" -ge 1000000 ] && pass transfer_carried_data || fail transfer_carried_data "$got bytes arrived"
assert_eq transfer_intact "$(md5sum <"$TMP/recv" | cut -d' ' -f1)" \
	"$(stream | head -c "$got" | md5sum | cut -d' ' -f1)"

# SIGKILL right after a reload request: whichever policy committed keeps
# enforcing; no interface is left without its program.
pid=$(fwlctl --json status | grep -o '"pid": [0-9]*' | grep -o '[0-9]*$')
fwlctl reload "$TMP/b.fwl" >/dev/null 2>&1 &
sleep 0.05
kill -9 "$pid"
wait
sleep 0.2
assert_contains xdp_still_attached "$(lab_exec router ip link show wan)" "prog/xdp"
expect traffic_still_allowed lab_ping lan 203.0.113.2
# A new fwld adopts the pins (links updated in place, not re-created).
link_before=$(bpftool link show pinned "$PIN/links/xdp-wan" | grep -o '^[0-9]*')
lab_exec router "$FWLD" --policy "$TMP/a.fwl" --attach wan --attach lan \
	--pin-dir "$PIN" --run-dir "$RUN" >/dev/null 2>&1
assert_eq restart_adopts "$?" 0
assert_eq same_link_after_restart "$(bpftool link show pinned "$PIN/links/xdp-wan" | grep -o '^[0-9]*')" "$link_before"
expect traffic_after_restart lab_ping lan 203.0.113.2
finish
