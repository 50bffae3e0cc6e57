#!/usr/bin/env bash
# tests/e2e/wireguard.sh - sequence patterns in the kernel: the proposal's
# blockOutboundWG rule (tests/e2e/policies/wireguard.fwl) on the lab
# router.  Initiation (UDP length 156, payload 0x01...) from the LAN host,
# response (length 100, 0x02...) from the WAN host within 5 s, then the
# next initiation is dropped; a near miss (wrong first byte) is not.
set -u
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/e2e.sh"
need_root wireguard_needs_root

POLICY=$FWL_SRC/tests/e2e/policies/wireguard.fwl
UDP=$FWL_BUILD/fwl-udp
e2e_lab wg

out=$(lab_exec router "$FWLD" --policy "$POLICY" --pin-dir "$PIN" --run-dir "$RUN" 2>&1)
assert_eq fwld_starts "$?" 0
init() { lab_exec lan "$UDP" send 40000 203.0.113.2 51820 "$1" 148; }
received() { # received SECONDS: datagrams reaching the WAN host's 51820
	lab_exec wan "$UDP" recv 51820 "$1" >"$TMP/rx" &
	rxpid=$!
	sleep 0.3
}
count() { grep -o '^[0-9]*' "$TMP/rx"; }	# after `wait $rxpid`

# 1. The first initiation passes (the sequence is only partial).
received 1
init 1
wait $rxpid
assert_eq first_initiation_passes "$(count)" 1

# 2. The response comes back within 5 s: the handshake has matched.
lab_exec wan "$UDP" send 51820 10.17.1.10 40000 2 92

# 3. A near miss (first byte 0x03, same length) is not an initiation.
received 1
init 3
wait $rxpid
assert_eq near_miss_passes "$(count)" 1

# 4. The next initiation on the flow is dropped.
received 1
init 1
wait $rxpid
assert_eq next_initiation_dropped "$(count)" 0

stats=$(lab_exec router "$FWLCTL" --run-dir "$RUN" --json stats)
n=$(echo "$stats" | grep '"name": "blockOutboundWG/1"' | grep -o '"packets": [0-9]*' | grep -o '[0-9]*$')
assert_eq rule_saw_two_initiations "$n" 2
assert_contains seq_state_pinned "$(bpftool map dump pinned "$PIN/maps/fwl_seq" 2>&1)" '"key"'
finish
