#!/usr/bin/env bash
# tests/scenarios/cli.sh - fwlc test / explain / replay from the outside:
# how failures and bad input read, exit codes, pcap replay and damage.
. "$(dirname "$0")/../lib/lib.sh"

cd "$FWL_SRC" || exit 1
tmp=$(mktemp -d /tmp/fwl-scn.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
HR=examples/home-router.fwl

# A failing case prints a diff of expected vs actual and exits 1.
out=$("$FWLC" test tests/scenarios/fail/mismatch.fwlt 2>&1); rc=$?
assert_eq fail-exit-code "$rc" 1
assert_contains fail-summary "$out" "1 passed, 1 failed"
assert_contains fail-names-case "$out" "FAIL tests/scenarios/fail/mismatch.fwlt: telnet is expected to pass, but the policy drops it"
assert_contains fail-diff-expected "$out" "    - expected: allow"
assert_contains fail-diff-actual "$out" "    + actual:   drop by input#6; path: prerouting nat_prerouting#1 (Allow), input input#6 (Drop)"
assert_contains fail-diff-location "$out" "tests/scenarios/fail/mismatch.fwlt:15:1: expect verdict allow"
assert_contains fail-counter-diff "$out" "+ actual:   +1 (total 1)"
out=$("$FWLC" test tests/scenarios/fail/unmocked.fwlt 2>&1); rc=$?
assert_eq unmocked-exit-code "$rc" 1
assert_contains fail-unexpected-error "$out" "fail/unmocked.fwlt:6:1: packet 1 stopped with an error"
assert_contains fail-error-names-fib "$out" "+ actual:   error: tests/scenarios/fail/../../../examples/home-router.fwl:53:7: effect FIB.daddrLocal is not mocked"

# A malformed scenario: file:line:col diagnostics, every error reported.
out=$("$FWLC" test tests/scenarios/bad/syntax.fwlt 2>&1); rc=$?
assert_eq bad-exit-code "$rc" 1
assert_contains bad-address "$out" "tests/scenarios/bad/syntax.fwlt:4:17: error[E0701]: src: '10.0.0.300' is not an IPv4 address"
assert_contains bad-verdict "$out" "bad/syntax.fwlt:5:16: error[E0701]: verdict: allow, drop or error, not 'maybe'"
assert_contains bad-arg "$out" "bad/syntax.fwlt:6:61: error[E0701]: tcp has no argument 'colour'"
assert_contains bad-stmt "$out" "bad/syntax.fwlt:7:1: error[E0700]: unknown statement 'frobnicate'"
assert_contains bad-summary "$out" "FAIL tests/scenarios/bad/syntax.fwlt: the scenario file is malformed (4 errors"

printf 'policy "nope.fwl"\ncase "x"\n' >"$tmp/missing.fwlt"
out=$("$FWLC" test "$tmp/missing.fwlt" 2>&1); rc=$?
assert_eq missing-policy-exit "$rc" 1
assert_contains missing-policy "$out" "missing.fwlt:1:8: error[E0702]: cannot read policy"

printf 'policy {\ninterface a : LAN\npolicy p : Frame<{}>\n  on hook = Input\n  where\n  | _ -> \n}\n' >"$tmp/inline.fwlt"
out=$("$FWLC" test "$tmp/inline.fwlt" 2>&1)
assert_contains inline-policy-error-at-fwlt-line "$out" "inline.fwlt:6:9: error[E0103]"

out=$("$FWLC" test no-such.fwlt 2>&1); rc=$?
assert_eq unreadable-exit "$rc" 1
assert_contains unreadable "$out" "cannot read 'no-such.fwlt'"

out=$("$FWLC" test --backend nosuch examples/home-router.fwlt 2>&1); rc=$?
assert_eq backend-unknown-exit "$rc" 2
assert_contains backend-unknown-msg "$out" "unknown backend 'nosuch' (interp or bpf)"

# the BPF backend: a case the data plane cannot express fails, saying why
# (never passes); the same case without the setting passes, the virtual
# clock expiring its UDP flow after 31 s.
if [ "$(id -u)" -eq 0 ]; then
	cat >"$tmp/ctmax.fwlt" <<'SCN'
policy "$SRC/examples/server.fwl"
iface eth0 addr 203.0.113.10
route 0.0.0.0/0 eth0

case "ct-max"
set ct-max 2
packet eth0 ipv4(src=192.0.2.70, dst=203.0.113.10) / tcp(sport=5000, dport=22, flags=S)
expect verdict allow

case "udp expires"
packet local ipv4(src=203.0.113.10, dst=192.0.2.9) / udp(sport=4000, dport=53)
expect ct count 1
advance 29s
expect ct count 1
advance 2s
expect ct count 0
SCN
	sed -i "s|\$SRC|$FWL_SRC|" "$tmp/ctmax.fwlt"
	out=$("$FWLC" test --backend bpf "$tmp/ctmax.fwlt" 2>&1); rc=$?
	assert_eq bpf-inexpressible-fails "$rc" 1
	assert_contains bpf-inexpressible-says-why "$out" "the bpf backend cannot express 'set ct-max'"
	assert_contains bpf-virtual-clock "$out" "1 passed, 1 failed"
else
	fail bpf-backend "needs root (CI is root)"
fi

# explain: each hook, the arm with its source line, effects, verdict.
out=$("$FWLC" explain $HR --with 'iface wan addr 203.0.113.1' \
	--with 'route 10.17.1.0/24 lan' --with 'route 0.0.0.0/0 wan' \
	--packet 'wan ipv4(src=198.51.100.7, dst=203.0.113.1) / tcp(sport=40000, dport=8080, flags=S)' 2>&1); rc=$?
assert_eq explain-exit "$rc" 0
assert_contains explain-prerouting "$out" "prerouting  nat_prerouting#1         line 52   -> DNAT 10.17.1.10:80"
assert_contains explain-effect "$out" "effects: FIB.daddrLocal(203.0.113.1) = true"
assert_contains explain-forward "$out" "forward     forward#3                line 80   -> Allow"
assert_contains explain-verdict "$out" "verdict: allow"
assert_contains explain-out "$out" "out: IPv4 198.51.100.7:40000 -> 10.17.1.10:80 TCP [S]"

out=$("$FWLC" explain $HR --packet 'wan ipv4(src=198.51.100.7, dst=203.0.113.1) / tcp(dport=22)' 2>&1); rc=$?
assert_eq explain-unmocked-exit "$rc" 1
assert_contains explain-unmocked "$out" "home-router.fwl:53:7: effect FIB.daddrLocal is not mocked"
assert_contains explain-unmocked-names "$out" "effect FIB.daddrLocal is not mocked"

out=$("$FWLC" explain $HR --packet 'wan ipv4(src=1.2.3.4) / tcp(dport=22)' 2>&1); rc=$?
assert_eq explain-bad-packet-exit "$rc" 1
assert_contains explain-bad-packet "$out" "ipv4 needs src= and dst="

# replay: the scenario's own packets written to a pcap, then replayed.
out=$("$FWLC" test --pcap "$tmp/hr.pcap" --case "masquerade: a TCP handshake out and back, then close" examples/home-router.fwlt 2>&1)
assert_contains pcap-written-case-passes "$out" "1 passed, 0 failed"
out=$("$FWLC" replay $HR "$tmp/hr.pcap" --on lan --with 'iface wan addr 203.0.113.1' \
	--with 'iface lan addr 10.17.1.1' --with 'route 10.17.1.0/24 lan' --with 'route 0.0.0.0/0 wan' 2>&1); rc=$?
assert_eq replay-exit "$rc" 0
assert_contains replay-first "$out" "    1  IPv4 10.17.1.5:42000 -> 198.51.100.7:80 TCP [S]"
assert_contains replay-summary "$out" "7 packets:"
assert_contains replay-per-arm "$out" "forward#1                line 78          6        346"

size=$(stat -c %s "$tmp/hr.pcap")
head -c $((size - 10)) "$tmp/hr.pcap" >"$tmp/trunc.pcap"
out=$("$FWLC" replay $HR "$tmp/trunc.pcap" --on lan --with 'iface wan addr 203.0.113.1' \
	--with 'iface lan addr 10.17.1.1' --with 'route 10.17.1.0/24 lan' --with 'route 0.0.0.0/0 wan' 2>&1); rc=$?
assert_eq replay-truncated-exit "$rc" 1
assert_contains replay-truncated-keeps-earlier "$out" "6 packets:"
assert_contains replay-truncated-offset "$out" "truncated record at byte offset"

head -c 10 "$tmp/hr.pcap" >"$tmp/short.pcap"
out=$("$FWLC" replay $HR "$tmp/short.pcap" --on lan 2>&1); rc=$?
assert_eq replay-bad-header-exit "$rc" 2
assert_contains replay-bad-header "$out" "short.pcap"

printf 'garbage that is not a capture file at all......' >"$tmp/junk.pcap"
out=$("$FWLC" replay $HR "$tmp/junk.pcap" --on lan 2>&1); rc=$?
assert_eq replay-junk-exit "$rc" 2

# the usage text names every option, in --help and on a usage error alike
for cmd in test difftest build; do
	help=$("$FWLC" $cmd --help 2>&1)
	err=$("$FWLC" $cmd 2>&1)
	assert_eq "usage-$cmd-same" "$err" "$help"
done
assert_contains usage-test-backend "$("$FWLC" test --help)" "--backend interp|bpf"
assert_contains usage-difftest-max-report "$("$FWLC" difftest --help)" "--max-report N"
assert_contains usage-build-stage-budget "$("$FWLC" build --help)" "--stage-budget N"
# a stage budget that is not a positive number is refused, naming it (it
# was read as 0, the default, silently); near miss: a number is taken
for bad in abc 0 -5 12x ""; do
	out=$("$FWLC" build examples/ssh-icmp.fwl -o "$tmp/sb" --stage-budget "$bad" 2>&1); rc=$?
	assert_eq "build-stage-budget-bad-exit[$bad]" "$rc" 2
	assert_contains "build-stage-budget-bad-msg[$bad]" "$out" "--stage-budget $bad: expected a positive number"
done
[ ! -e "$tmp/sb" ] && pass build-stage-budget-bad-writes-nothing || fail build-stage-budget-bad-writes-nothing "$tmp/sb exists"
out=$("$FWLC" build examples/ssh-icmp.fwl -o "$tmp/sb" --stage-budget 100000 2>&1); rc=$?
assert_eq build-stage-budget-number-exit "$rc" 0
[ -s "$tmp/sb/manifest.json" ] && pass build-stage-budget-number-builds || fail build-stage-budget-number-builds "no manifest.json: $out"
finish
