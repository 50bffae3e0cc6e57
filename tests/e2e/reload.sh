#!/usr/bin/env bash
# tests/e2e/reload.sh - hot reload on the lab router, with real traffic.
#
# fwlctl reload switches policies atomically (no lost pings across ten
# reloads), a policy that does not compile leaves the old one enforcing,
# per-rule counters carry across reloads (FLOW map keyed by stable rule
# id), SIGHUP re-reads the policy file.
set -u
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/e2e.sh"
need_root reload_needs_root

e2e_lab reload
fwlctl() { lab_exec router "$FWLCTL" --run-dir "$RUN" "$@"; }
count() { # count RULE-NAME FIELD
	fwlctl --json stats | grep "\"name\": \"$1\"" |
		grep -o "\"$2\": [0-9]*" | grep -o '[0-9]*$'
}

ALLOW=$FWL_SRC/examples/ssh-icmp.fwl
cat >"$TMP/noping.fwl" <<'EOT'
-- ICMP is dropped, everything else allowed.
policy input : Frame<{}>
  on hook = Input, table = Filter, priority = Filter
  where
  | Frame(_, Ether(_, IPv4(_, ICMP(_, _)))) -> Drop
  | _                                        -> Allow
EOT
printf 'policy input : Frame<{}>\n  on hook = Input\n  where\n  | Frame(_, IPv4(_ _)) -> Allow\n' >"$TMP/broken.fwl"

lab_exec router "$FWLD" --policy "$ALLOW" --attach wan --pin-dir "$PIN" \
	--run-dir "$RUN" >/dev/null 2>&1 || { fail fwld_starts "fwld failed"; exit 1; }
expect ping_allowed lab_ping wan 203.0.113.1
before=$(count input/2 packets)

out=$(fwlctl reload "$TMP/noping.fwl" 2>&1)
assert_contains reload_reports_hash "$out" "now enforcing"
expect_fail ping_dropped_after_reload lab_ping wan 203.0.113.1

out=$(fwlctl reload "$TMP/broken.fwl" 2>&1)
rc=$?
[ "$rc" -ne 0 ] && pass bad_reload_fails || fail bad_reload_fails "exit 0"
assert_contains bad_reload_names_position "$out" "broken.fwl:4:"
assert_contains bad_reload_names_active "$out" "still enforcing"
expect_fail old_policy_still_enforcing lab_ping wan 203.0.113.1
status=$(fwlctl status)
assert_contains status_names_active_hash "$status" \
	"$(echo "$out" | grep -o 'still enforcing policy [0-9a-f]*' | awk '{print $4}')"

fwlctl reload "$ALLOW" >/dev/null 2>&1
expect ping_allowed_again lab_ping wan 203.0.113.1
after=$(count input/2 packets)
assert_eq counters_survive_reloads "$after" $((before + 1))

# Ten reloads under a ping stream: the switch is atomic, nothing is lost.
lab_exec wan ping -q -i 0.02 -c 150 -W 1 203.0.113.1 >"$TMP/ping.out" 2>&1 &
ping_pid=$!
for i in $(seq 1 10); do
	fwlctl reload "$ALLOW" >/dev/null 2>&1 || fail "reload_$i" "reload failed"
done
wait $ping_pid
loss=$(grep -o '[0-9.]*% packet loss' "$TMP/ping.out")
assert_eq no_loss_across_reloads "$loss" "0% packet loss"

# SIGHUP re-reads the current policy file (here: rewritten in place).
cp "$TMP/noping.fwl" "$TMP/live.fwl"
fwlctl reload "$TMP/live.fwl" >/dev/null 2>&1
cp "$ALLOW" "$TMP/live.fwl"
pid=$(fwlctl --json status | grep -o '"pid": [0-9]*' | grep -o '[0-9]*$')
kill -HUP "$pid"
for i in $(seq 1 30); do lab_ping wan 203.0.113.1 && break; sleep 0.1; done
expect sighup_reloads lab_ping wan 203.0.113.1
finish
