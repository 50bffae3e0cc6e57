#!/usr/bin/env bash
# tests/e2e/ratelimit.sh - RateLimit.check and Log.emit in a policy
# (tests/e2e/policies/ratelimit.fwl): a ping flood is answered at about
# 5 per second, the refused ones are dropped and logged to the ring buffer.
set -u
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/e2e.sh"
need_root ratelimit_needs_root

POLICY=$FWL_SRC/tests/e2e/policies/ratelimit.fwl
e2e_lab rl

lab_exec router "$FWLD" --policy "$POLICY" --attach wan --pin-dir "$PIN" \
	--run-dir "$RUN" >/dev/null 2>&1
assert_eq fwld_starts "$?" 0
# 60 echo requests in 0.6 s: a 5/s bucket (burst 5) answers ~5-10.
out=$(lab_exec wan ping -q -i 0.01 -c 60 -W 1 203.0.113.1 2>&1)
got=$(echo "$out" | grep -o '[0-9]* received' | grep -o '[0-9]*')
[ "${got:-0}" -ge 3 ] && [ "${got:-0}" -le 20 ] && pass flood_limited ||
	fail flood_limited "$got of 60 answered, want 3..20"
# Slow pings all pass once the bucket refills.
sleep 1.2
out=$(lab_exec wan ping -q -i 0.3 -c 3 -W 1 203.0.113.1 2>&1)
assert_contains slow_pings_pass "$out" "3 received"
# Every request went through the rule (answered or refused).
stats=$(lab_exec router "$FWLCTL" --run-dir "$RUN" --json stats)
n=$(echo "$stats" | grep '"name": "input/1"' | grep -o '"packets": [0-9]*' | grep -o '[0-9]*$')
assert_eq all_requests_counted "$n" 63
# The refused ones were logged: records with the rule and the prefix.
log=$(lab_exec router "$FWLCTL" --run-dir "$RUN" log)
assert_contains log_names_rule "$log" "input/1"
assert_contains log_has_message "$log" "ping flood from 203.0.113.2 (203.0.113.2 -> 203.0.113.1"
jlog=$(lab_exec router "$FWLCTL" --run-dir "$RUN" --json log)
assert_contains log_json_level "$jlog" '"level": "warn"'
finish
