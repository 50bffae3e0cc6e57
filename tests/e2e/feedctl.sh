#!/usr/bin/env bash
# tests/e2e/feedctl.sh - runtime changes to a threat feed (fwlctl feed
# add/del/replace) and a DNS name set, with real traffic: an added prefix
# is dropped at once and stays through a rewrite of the feed file and a
# reload; a bad prefix rejects the whole change; replace holds until the
# file changes.  The DNS set is resolved from a hosts file the test owns:
# fwld runs in a private mount namespace (unshare -m) with that file and
# an nsswitch.conf of "hosts: files" bind-mounted over /etc, so nothing
# leaves the machine.
set -u
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/e2e.sh"
need_root feedctl_needs_root

e2e_lab feedctl
FEED=$TMP/block.txt
HOSTS=$TMP/hosts
printf '192.0.2.0/24\n' >"$FEED"
printf '127.0.0.1 localhost\n203.0.113.2 wanhost.lab.test\n' >"$HOSTS"
printf 'hosts: files\n' >"$TMP/nsswitch.conf"
cat >"$TMP/policy.fwl" <<EOT
import blocklist : ThreatFeed from "file:$FEED"

policy input : Frame<{}>
  on hook = Input, table = Filter, priority = Filter
  where
  | Frame(_, Ether(_, IPv4(ip, ICMP(_, _)))) ->
      perform ThreatFeed.lookup(blocklist, ip.src) >>= \\listed ->
      if listed then Drop else Allow
  | Frame(_, Ether(_, IPv4(ip, UDP(udp { dport = :7777 }, _)))) ->
      perform DNS.resolves("wanhost.lab.test", ip.src) >>= \\ok ->
      if ok then Allow else Drop
  | _ -> Allow
EOT
out=$(lab_exec router unshare -m sh -c "mount --bind '$HOSTS' /etc/hosts &&
	mount --bind '$TMP/nsswitch.conf' /etc/nsswitch.conf &&
	exec '$FWLD' --policy '$TMP/policy.fwl' --attach wan --pin-dir '$PIN' \
		--run-dir '$RUN' --dns-interval 1 --metrics off" 2>&1)
rc=$?
assert_eq fwld_starts "$rc" 0
[ "$rc" -eq 0 ] || { echo "$out"; exit 1; }	# nothing below means anything
assert_contains dns_set_watched "$out" "feed dns:wanhost.lab.test: watching dns:wanhost.lab.test"

ctl() { lab_exec router "$FWLCTL" --run-dir "$RUN" "$@"; }
wait_for() { # up to 5 s for CMD to succeed
	for i in $(seq 1 50); do "$@" && return 0; sleep 0.1; done
	return 1
}
pings() { lab_ping wan 203.0.113.1; }
no_ping() { ! lab_ping wan 203.0.113.1; }
UDP=$FWL_BUILD/fwl-udp
# udp_reaches PORT: a datagram from wanhost to the router is received.
udp_reaches() {
	local got
	lab_exec router "$UDP" recv "$1" 1 >"$TMP/udp.out" 2>&1 &
	local rx=$!
	sleep 0.2
	lab_exec wan "$UDP" send 40000 203.0.113.1 "$1" 1 32 >/dev/null 2>&1
	wait $rx
	got=$(cat "$TMP/udp.out")
	[[ "$got" == "1 datagrams"* ]]
}

expect unlisted_source_passes pings
out=$(ctl feed add blocklist 203.0.113.2 2>&1)
assert_eq feed_add_succeeds "$?" 0
assert_contains feed_add_says "$out" "feed blocklist: add 1 prefixes; it holds 2"
expect added_source_dropped no_ping

# The file changes: the added prefix stays (the overlay), the file's
# contents follow the file.
printf '192.0.2.0/24\n198.51.100.0/24\n' >"$FEED.new" && mv "$FEED.new" "$FEED"
sleep 1
list=$(ctl --json feed list)
assert_contains overlay_survives_file_change "$list" '"entries": 3'
expect added_source_still_dropped no_ping

# A bad prefix rejects the whole change, naming it; nothing changes.
out=$(ctl feed del blocklist 203.0.113.2 10.0.0.1/8 2>&1)
assert_eq bad_prefix_refused "$?" 1
assert_contains bad_prefix_named "$out" "prefix 2 '10.0.0.1/8': '10.0.0.1/8' has host bits set"
expect bad_change_changed_nothing no_ping
out=$(ctl feed add nosuchfeed 192.0.2.1 2>&1)
assert_contains unknown_feed_named "$out" "no feed named 'nosuchfeed'"

# A reload keeps the feed and its overlay.
out=$(ctl reload 2>&1)
assert_eq reload_succeeds "$?" 0
list=$(ctl --json feed list)
assert_contains reload_keeps_overlay "$list" '"overlay_add": 1'
expect added_source_dropped_after_reload no_ping

out=$(ctl feed del blocklist 203.0.113.2 2>&1)
assert_eq feed_del_succeeds "$?" 0
expect deleted_source_passes pings

# replace: exactly these prefixes until the file next changes.
printf '203.0.113.0/24\n' >"$TMP/repl.txt"
out=$(ctl feed replace blocklist --file "$TMP/repl.txt" 2>&1)
assert_eq feed_replace_succeeds "$?" 0
expect replaced_set_drops no_ping
list=$(ctl --json feed list)
assert_contains replace_shown "$list" '"replaced": true'
printf '192.0.2.0/24\n' >"$FEED.new" && mv "$FEED.new" "$FEED"
expect file_change_ends_replace wait_for pings

# The DNS set: wanhost.lab.test is 203.0.113.2, so its datagrams pass.
expect dns_name_address_passes udp_reaches 7777
# The name moves: after the next resolution the old address is dropped.
printf '127.0.0.1 localhost\n203.0.113.99 wanhost.lab.test\n' >"$HOSTS"
sleep 2
expect_fail dns_moved_address_dropped udp_reaches 7777
# The name goes away: the previous addresses stay, the error is shown.
printf '127.0.0.1 localhost\n203.0.113.2 wanhost.lab.test\n' >"$HOSTS"
expect dns_name_back_passes wait_for udp_reaches 7777
printf '127.0.0.1 localhost\n' >"$HOSTS"
sleep 2
list=$(ctl --json feed list)
assert_contains dns_failure_reported "$list" "dns:wanhost.lab.test: cannot resolve"
expect dns_failure_keeps_previous udp_reaches 7777
finish
