#!/usr/bin/env bash
# tests/e2e/verifier.sh - a reload whose program the kernel's verifier
# rejects leaves the old policy enforcing, and says why.
#
# fwld runs fwlc through a wrapper (--fwlc) that, while $TMP/fault names a
# policy line, builds with fwlc's test-only --inject-fault LINE: the arm at
# that line reads out of bounds, so the bundle compiles but the kernel
# refuses the object in fwld's own load (not in fwlc).
set -u
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/e2e.sh"
need_root verifier_needs_root

e2e_lab verifier
fwlctl() { lab_exec router "$FWLCTL" --run-dir "$RUN" "$@"; }

cat >"$TMP/fwlc" <<EOT
#!/bin/sh
if [ -s "$TMP/fault" ]; then exec "$FWLC" "\$@" --inject-fault "\$(cat "$TMP/fault")"; fi
exec "$FWLC" "\$@"
EOT
chmod +x "$TMP/fwlc"

ALLOW=$FWL_SRC/examples/ssh-icmp.fwl
cat >"$TMP/noping.fwl" <<'EOT'
-- ICMP is dropped, everything else allowed.
policy input : Frame<{}>
  on hook = Input, table = Filter, priority = Filter
  where
  | Frame(_, Ether(_, IPv4(_, ICMP(_, _)))) -> Drop
  | _                                        -> Allow
EOT

lab_exec router "$FWLD" --fwlc "$TMP/fwlc" --policy "$TMP/noping.fwl" \
	--attach wan --pin-dir "$PIN" --run-dir "$RUN" >/dev/null 2>&1 ||
	{ fail fwld_starts "fwld failed"; exit 1; }
expect_fail ping_dropped_by_first_policy lab_ping wan 203.0.113.1
hash=$(fwlctl --json status | grep -o '"policy_hash": "[0-9a-f]*"')

# The fault at the ssh-icmp policy's first arm: compiles, the kernel refuses.
line=$(grep -n '^ *|' "$ALLOW" | head -n 1 | cut -d: -f1)
echo "$line" >"$TMP/fault"
out=$(fwlctl reload "$ALLOW" 2>&1)
rc=$?
[ "$rc" -ne 0 ] && pass rejected_reload_fails || fail rejected_reload_fails "exit 0: $out"
assert_contains rejected_reload_says_verifier "$out" "verifier"
assert_contains rejected_reload_names_active "$out" "still enforcing"
expect_fail old_policy_still_enforcing lab_ping wan 203.0.113.1
assert_eq status_keeps_old_hash \
	"$(fwlctl --json status | grep -o '"policy_hash": "[0-9a-f]*"')" "$hash"

# Without the fault the same policy loads: the refusal was the fault's.
: >"$TMP/fault"
out=$(fwlctl reload "$ALLOW" 2>&1)
assert_contains clean_reload_succeeds "$out" "now enforcing"
expect ping_allowed_after_clean_reload lab_ping wan 203.0.113.1
finish
