#!/usr/bin/env bash
# tests/e2e/feed.sh - a ThreatFeed in the kernel, kept by fwld: the feed
# file's prefixes are dropped; rewriting the file changes what is dropped
# without a reload; a malformed file is rejected whole (with its line) and
# the previous contents keep working.
set -u
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/e2e.sh"
need_root feed_needs_root

e2e_lab feed
FEED=$TMP/block.txt
put() { printf "$1" >"$FEED.new" && mv "$FEED.new" "$FEED"; }
put '# listed sources\n198.51.100.0/24\n203.0.113.2\n2001:db8:bad::/48\n'
cat >"$TMP/policy.fwl" <<EOT
import blocklist : ThreatFeed from "file:$FEED"

policy input : Frame<{}>
  on hook = Input, table = Filter, priority = Filter
  where
  | Frame(_, Ether(_, IPv4(ip, _))) ->
      perform ThreatFeed.lookup(blocklist, ip.src) >>= \\listed ->
      if listed then Drop else Allow
  | _ -> Allow
EOT
out=$(lab_exec router "$FWLD" --policy "$TMP/policy.fwl" --attach wan \
	--pin-dir "$PIN" --run-dir "$RUN" 2>&1)
assert_eq fwld_starts "$?" 0
assert_contains feed_watched "$out" "feed blocklist: watching"
expect_fail listed_source_dropped lab_ping wan 203.0.113.1

wait_for() { # wait_for CMD...: up to 3 s for CMD to succeed
	for i in $(seq 1 30); do "$@" && return 0; sleep 0.1; done
	return 1
}
# The file changes: the address is no longer listed, no reload needed.
put '198.51.100.0/24\n'
expect delisted_source_passes wait_for lab_ping wan 203.0.113.1
feeds=$(lab_exec router "$FWLCTL" --run-dir "$RUN" feeds)
assert_contains fwlctl_feeds_lists "$feeds" "blocklist"

# A bad line rejects the whole update; the previous contents stay.
put '203.0.113.2\nnot-an-address\n'
sleep 1
expect bad_update_keeps_previous lab_ping wan 203.0.113.1
feeds=$(lab_exec router "$FWLCTL" --run-dir "$RUN" --json feeds)
assert_contains bad_update_names_line "$feeds" "block.txt:2"

# A good file again: listed, dropped.
put '203.0.113.0/28\n'
expect relisted_source_dropped wait_for sh -c "! nsenter --net=/var/run/netns/$LAB_NS_WAN ping -c1 -W1 -q 203.0.113.1 >/dev/null 2>&1"
finish
