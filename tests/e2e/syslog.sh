#!/usr/bin/env bash
# tests/e2e/syslog.sh - the Log effect's syslog sink: fwld --log-syslog=SOCK
# sends each Log.emit record (JSON with the rule's name, the formatted
# message and its constant prefix) to a unix datagram socket, here one the
# test owns (no system syslog daemon involved): priority daemon.warning,
# the tag fwld[PID].  A receiver that is
# not there yet loses records but does not stop fwld; once it listens the
# records arrive.
set -u
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/e2e.sh"
need_root syslog_needs_root

POLICY=$FWL_SRC/tests/e2e/policies/ratelimit.fwl
e2e_lab syslog
SOCK=$TMP/log.sock
GOT=$TMP/syslog.txt

# receive SECONDS: collect datagrams on $SOCK into $GOT (one per line).
receive() {
	python3 - "$SOCK" "$GOT" "$1" <<'PY' &
import socket, sys, time, os
path, out, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
try: os.unlink(path)
except FileNotFoundError: pass
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
end = time.time() + secs
with open(out, "a") as f:
    while time.time() < end:
        s.settimeout(max(0.05, end - time.time()))
        try: f.write(s.recv(65536).decode() + "\n"); f.flush()
        except socket.timeout: pass
PY
	RX=$!
	for i in $(seq 1 20); do [ -S "$SOCK" ] && break; sleep 0.05; done
}

# fwld starts before the receiver exists: no error, the records wait for it.
out=$(lab_exec router "$FWLD" --policy "$POLICY" --attach wan --pin-dir "$PIN" \
	--run-dir "$RUN" --log-syslog="$SOCK" --metrics off 2>&1)
rc=$?
assert_eq fwld_starts_without_receiver "$rc" 0
[ "$rc" -eq 0 ] || { echo "$out"; exit 1; }	# nothing below means anything
lab_exec wan ping -q -i 0.01 -c 30 -W 1 203.0.113.1 >/dev/null 2>&1
receive 4
sleep 1.2
lab_exec wan ping -q -i 0.01 -c 30 -W 1 203.0.113.1 >/dev/null 2>&1
wait $RX
rec=$(grep -m1 'ping flood' "$GOT")
assert_contains syslog_record_arrives "$rec" '"prefix": "ping flood from "'
assert_contains syslog_message_formatted "$rec" '"msg": "ping flood from 203.0.113.2"'
assert_contains syslog_names_rule "$rec" '"rule": "input/1"'
pid=$(lab_exec router "$FWLCTL" --run-dir "$RUN" --json status | grep -o '"pid": [0-9]*' | grep -o '[0-9]*$')
[[ "$rec" =~ ^\<28\>[A-Z][a-z]{2}\ [\ 0-9][0-9]\ [0-9:]{8}\ fwld\[$pid\]:\ \{ ]] &&
	pass syslog_priority_and_tag || fail syslog_priority_and_tag "header of: $rec"
n=$(grep -c 'ping flood' "$GOT")
[ "$n" -ge 10 ] && pass syslog_every_refused_ping ||
	fail syslog_every_refused_ping "$n records, want >= 10 of the ~25 refused"
# The in-memory log has them too (the sinks add up).
log=$(lab_exec router "$FWLCTL" --run-dir "$RUN" log)
assert_contains fwlctl_log_still_works "$log" "ping flood from 203.0.113.2 ("
finish
