#!/usr/bin/env bash
# tests/e2e/layout.sh - FLOW maps and their layout versions: a reload
# whose bundle declares another layout version of a pinned FLOW map is
# refused with the map's name and both versions, and the old policy keeps
# enforcing (real pings); fwld started on such pins says the same and
# changes nothing; a pin of another key/value size is refused naming both
# sides.  The bumped version comes from editing a built bundle's
# manifest.json (fwld --bundle loads prebuilt bundles).
set -u
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/e2e.sh"
need_root layout_needs_root

e2e_lab layout
MPORT=$((20000 + RANDOM % 20000))
cat >"$TMP/noping.fwl" <<'EOT'
policy input : Frame<{}>
  on hook = Input, table = Filter, priority = Filter
  where
  | Frame(_, Ether(_, IPv4(_, ICMP(_, _)))) -> Drop
  | _                                        -> Allow
EOT
"$FWLC" build "$TMP/noping.fwl" -o "$TMP/b" >/dev/null ||
	{ fail bundle_builds "fwlc build failed"; exit 1; }
start() { lab_exec router "$FWLD" --bundle "$TMP/b" --attach wan --pin-dir "$PIN" \
	--run-dir "$RUN" --metrics 127.0.0.1:$MPORT 2>&1; }
ctl() { lab_exec router "$FWLCTL" --run-dir "$RUN" "$@"; }
bump() { # bump VERSION: fwl_rule_cnt's layout in the bundle's manifest
	jq "(.maps[] | select(.name == \"fwl_rule_cnt\") | .layout) = $1" \
		"$TMP/b/manifest.json" >"$TMP/m.json" && mv "$TMP/m.json" "$TMP/b/manifest.json"
}

out=$(start)
rc=$?
assert_eq fwld_starts "$rc" 0
[ "$rc" -eq 0 ] || { echo "$out"; exit 1; }	# nothing below means anything
expect_fail policy_enforcing lab_ping wan 203.0.113.1
rec=$(bpftool map dump pinned "$PIN/maps/fwl_layouts" 2>&1)
assert_contains layouts_recorded "$rec" "66 77 6c 5f 72 75 6c 65  5f 63 6e 74 00"

bump 2
out=$(ctl reload 2>&1)
assert_eq reload_refused "$?" 1
assert_contains refusal_names_map_and_versions "$out" \
	"FLOW map fwl_rule_cnt pinned at $PIN/maps/fwl_rule_cnt has layout version 1, but the new policy's bundle declares layout version 2"
assert_contains refusal_says_nothing_changed "$out" "nothing was changed"
expect_fail old_policy_still_enforcing lab_ping wan 203.0.113.1
m=$(lab_exec router curl -s --max-time 5 "http://127.0.0.1:$MPORT/metrics")
assert_contains refusal_counted "$m" 'fwl_reloads_total{result="map_layout_error"} 1'

# fwld restarted on the incompatible pins: the same message, exit 1, and
# the pinned link keeps the old policy enforcing.
ctl stop >/dev/null
for i in $(seq 1 30); do [ -S "$RUN/fwld.sock" ] || break; sleep 0.1; done
out=$(start)
assert_eq start_refused "$?" 1
assert_contains start_names_versions "$out" "has layout version 1, but the new policy's bundle declares layout version 2"
expect_fail pinned_policy_still_enforcing lab_ping wan 203.0.113.1

# The same version again: accepted.
bump 1
out=$(start)
assert_eq same_layout_accepted "$?" 0
ctl stop >/dev/null
for i in $(seq 1 30); do [ -S "$RUN/fwld.sock" ] || break; sleep 0.1; done

# A pin of another value size (not ours): refused, naming both sides.
"$FWLD" --cleanup --pin-dir "$PIN" >/dev/null 2>&1
expect pings_after_cleanup lab_ping wan 203.0.113.1
mkdir -p "$PIN/maps"
bpftool map create "$PIN/maps/fwl_rule_cnt" type percpu_hash key 4 value 8 \
	entries 16 name fwl_rule_cnt
out=$(start)
assert_eq size_mismatch_refused "$?" 1
assert_contains size_mismatch_named "$out" "FLOW map fwl_rule_cnt pinned at $PIN/maps/fwl_rule_cnt is a percpu_hash map with 4-byte keys, 8-byte values"
expect nothing_attached lab_ping wan 203.0.113.1
rm -f "$PIN/maps/fwl_rule_cnt"
finish
