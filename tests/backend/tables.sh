#!/usr/bin/env bash
# tests/backend/tables.sh - classification tables (fwlc/classify.c) decide
# exactly as the arms compiled to code: random policies mixing table arms
# of many shapes (overlapping IPv4 and IPv6 prefixes, port alternatives
# and ranges, ICMP types and codes, shadowed duplicates) with code arms, built with --tables always and never (and
# auto), the same random packets through each under BPF_PROG_TEST_RUN
# (bundle-run): same verdict, same deciding rule id, same per-rule
# counters; the same in tail-called stages.  Then a 100,000-arm policy:
# small code, passes the verifier, and decides as its generator says.
set -u
. "$(dirname "$0")/../lib/lib.sh"
need_root tables_needs_root
RUN=$FWL_BUILD/tests/backend/bundle-run
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# gen_policy SEED N: N random arms over small pools, so that they overlap:
# IPv4 and IPv6 prefixes, ports, port sets and ranges (aligned blocks in a
# table), ICMP/ICMPv6 types and codes, and code arms among them (a
# negated test, a range's complement).
gen_policy() {
	awk -v seed="$1" -v n="$2" '
	function r(k) { return int(rand() * k) }
	function addr() { return (10 + r(4)) "." r(4) "." r(4) "." r(4) }
	function pfx(  l) {
		l = r(8) ? 16 + 8 * r(3) : 8
		return (10 + r(4)) "." (l > 8 ? r(4) : 0) "." (l > 16 ? r(4) : 0) \
			"." (l > 24 ? r(4) : 0) "/" l
	}
	function pfx6(  l) {	# 2001:db8:A:B::/l over a small pool
		l = 32 + 16 * r(4)
		if (l == 32) return "2001:db8::/32"
		if (l == 48) return "2001:db8:" r(3) "::/48"
		if (l == 64) return "2001:db8:" r(3) ":" r(3) "::/64"
		return "2001:db8:" r(3) ":" r(3) "::" r(3) "/128"
	}
	function port() { return (r(2) ? 20 + r(6) : 1000 + r(8)) }
	function rec(portless,  k) {	# a portless arm has addresses
		k = portless ? 1 + r(4) : r(5)
		if (k == 0) return "_"
		if (k == 1) return "ip { src ∈ " pfx() " }"
		if (k == 2) return "ip { dst ∈ " pfx() " }"
		if (k == 3) return "ip { src ∈ " pfx() ", dst ∈ " pfx() " }"
		return "ip { src ∈ " addr() "/32 }"
	}
	function rec6(portless,  k) {
		k = portless ? 1 + r(3) : r(4)
		if (k == 0) return "_"
		if (k == 1) return "ip6 { src ∈ " pfx6() " }"
		if (k == 2) return "ip6 { dst ∈ " pfx6() " }"
		return "ip6 { src ∈ " pfx6() ", dst ∈ " pfx6() " }"
	}
	function itype(six) {
		if (six) return r(2) ? "EchoRequest" : r(2) ? "DestUnreachable" : "PacketTooBig"
		return r(2) ? "EchoRequest" : r(2) ? "DestUnreachable" : "TimeExceeded"
	}
	function icmp(six,  k, c) {
		c = six ? "ICMPv6" : "ICMP"
		k = r(5)
		if (k == 0) return c "(_, _)"
		if (k == 1) return c "(icmp { type = " itype(six) " }, _)"
		if (k == 2) return c "(icmp { type = " itype(six) ", code = " r(3) " }, _)"
		if (k == 3) return c "(icmp { type ∈ {" itype(six) ", " itype(six) "} }, _)"
		return c "(icmp { type ∉ {" itype(six) "} }, _)"	# code
	}
	function l4(six,  k, lo) {
		k = r(11)
		if (k == 0) return "_"
		if (k == 1) return "TCP(tcp { dport = :" port() " }, _)"
		if (k == 2) return "TCP(tcp { sport = :" port() ", dport = :" port() " }, _)"
		if (k == 3) return "UDP(udp { sport = :" port() " }, _)"
		if (k == 4) return "UDP(_, _)"
		if (k == 5 || k == 9) return icmp(six)
		if (k == 6) return "TCP(tcp { dport ∈ {:" port() ", :" port() "} }, _)"
		if (k == 7) return "UDP(udp { dport ∈ {:" port() ", :" port() ", :" port() "} }, _)"
		if (k == 10) return "TCP(tcp { dport ∉ {:" port() "} }, _)"	# code
		lo = port()
		return "TCP(tcp { dport = :" lo "-" (lo + r(12)) " }, _)"
	}
	BEGIN {
		srand(seed)
		print "policy pre : Frame<{}>"
		print "  on hook = Prerouting, table = Filter, priority = Filter"
		print "  where"
		for (i = 0; i < n; i++) {
			six = r(4) == 0
			l = l4(six)
			if (six)
				printf "  | Frame(_, Ether(_, IPv6(%s, %s))) -> %s\n",
					rec6(l !~ /port/), l, r(2) ? "Allow" : "Drop"
			else
				printf "  | Frame(_, Ether(_, IPv4(%s, %s))) -> %s\n",
					rec(l !~ /port/), l, r(2) ? "Allow" : "Drop"
		}
		print "  | _ -> Allow"
	}'
}

# gen_packets SEED N: packets from the same pools (and near misses).
gen_packets() {
	awk -v seed="$1" -v n="$2" '
	function r(k) { return int(rand() * k) }
	function addr() { return (10 + r(5)) "." r(5) "." r(5) "." r(5) }
	function addr6() {
		return (r(6) ? "2001:db8:" : "2001:db9:") r(4) ":" r(4) "::" r(4)
	}
	function port() { return (r(2) ? 19 + r(8) : 999 + r(21)) }
	BEGIN {
		srand(seed)
		split("0 3 5 8 11 12", t4, " ")
		split("1 2 3 128 129 135", t6, " ")
		for (i = 0; i < n; i++) {
			k = r(3)
			six = r(4) == 0
			printf "%s %s %s %d %d\n",
				k == 0 ? "tcp" : k == 1 ? "udp" : "icmp",
				six ? addr6() : addr(), six ? addr6() : addr(),
				k == 2 ? (six ? t6[1 + r(6)] : t4[1 + r(6)]) : port(),
				k == 2 ? r(4) : port()
		}
	}'
}

build() { # build NAME POLICY ARGS...
	local name=$1 pol=$2; shift 2
	"$FWLC" build "$pol" -o "$TMP/$name" "$@" >"$TMP/$name.out" 2>&1
}

for seed in 1 2 3; do
	gen_policy "$seed" 300 >"$TMP/p$seed.fwl"
	gen_packets "$((seed + 100))" 3000 >"$TMP/k$seed.txt"
	ok=1
	for mode in always never auto; do
		if ! build "$mode$seed" "$TMP/p$seed.fwl" --tables "$mode"; then
			fail "build_${mode}_$seed" "$(tail -n 5 "$TMP/$mode$seed.out")"
			ok=0
			continue
		fi
		if ! "$RUN" "$TMP/$mode$seed" <"$TMP/k$seed.txt" \
			>"$TMP/r$mode$seed.txt" 2>"$TMP/r$mode$seed.err"; then
			fail "run_${mode}_$seed" "$(tail -n 5 "$TMP/r$mode$seed.err")"
			ok=0
		fi
	done
	[ "$ok" = 1 ] || continue
	lookups=$(grep -c 'fwl_cls_best(' "$TMP/always$seed/policy.bpf.c")
	arms=$(grep -c '^	/\* pre/[0-9]*, line' "$TMP/always$seed/policy.bpf.c")
	if [ "$lookups" -gt 0 ] && [ "$arms" -lt 60 ]; then
		pass "tables_used_$seed"
	else
		fail "tables_used_$seed" "$lookups lookups, $arms arms as code"
	fi
	# The new shapes are tables, not code: IPv6 prefixes, ICMP type and
	# code, port ranges as aligned blocks (a port mask other than exact).
	c=$(cat "$TMP/always$seed/policy.bpf.c")
	assert_contains "ipv6_prefix_shape_$seed" "$c" "p->saddr[3] & bpf_htonl("
	assert_contains "icmp_type_shape_$seed" "$c" ".icmp_type = p->icmp_type"
	assert_contains "icmp_code_shape_$seed" "$c" ".icmp_code = p->icmp_code"
	if grep -q '\.dport = p->dport & 0x[0-9a-f]\{4\}' <<<"$c" &&
	   grep '\.dport = p->dport & 0x[0-9a-f]\{4\}' <<<"$c" | grep -vq '0xffff'; then
		pass "port_range_blocks_$seed"
	else
		fail "port_range_blocks_$seed" "no dport block (mask other than 0xffff) in the tables"
	fi
	assert_not_contains "never_has_no_table_$seed" \
		"$(cat "$TMP/never$seed/policy.bpf.c")" "fwl_cls"
	# The comparison means something: many rules decide, both ways.
	rules=$(grep -v '^count' "$TMP/rnever$seed.txt" | sort -u | wc -l)
	drops=$(grep -c '^DROP' "$TMP/rnever$seed.txt")
	if [ "$rules" -ge 40 ] && [ "$drops" -ge 100 ] && [ "$drops" -le 2900 ]; then
		pass "packets_exercise_many_arms_$seed"
	else
		fail "packets_exercise_many_arms_$seed" "$rules distinct outcomes, $drops drops of 3000"
	fi
	for mode in always auto; do
		if cmp -s "$TMP/rnever$seed.txt" "$TMP/r$mode$seed.txt"; then
			pass "same_decisions_${mode}_$seed"
		else
			fail "same_decisions_${mode}_$seed" "$(diff "$TMP/rnever$seed.txt" \
				"$TMP/r$mode$seed.txt" | head -n 6)"
		fi
	done
done

# Long code: the 300 arms as code are cut into noinline parts (as one
# function they exceed the verifier's 1,000,000 processed instructions);
# fwlc's estimate of the verifier's work is in the manifest and near what
# the kernel reports (the entry program's own cost, measured on a one-arm
# policy, subtracted).
parts=$(grep -c 'noinline)) int fwl_policy_pre_part' "$TMP/never1/policy.bpf.c" 2>/dev/null)
if [ "${parts:-0}" -ge 10 ]; then pass long_policy_in_parts; else
	fail long_policy_in_parts "${parts:-0} parts for 300 arms"; fi
assert_contains budget_reported "$(cat "$TMP/never1.out")" \
	"verifier budget: hook Prerouting"
printf 'policy pre : Frame<{}>\n  on hook = Prerouting, table = Filter, priority = Filter\n  where\n  | _ -> Allow\n' >"$TMP/one.fwl"
processed() { sed -n 's/.*bytes, \([0-9]*\) instructions processed.*/\1/p' "$1" | head -n 1; }
if build one "$TMP/one.fwl" --load-check &&
   build never1lc "$TMP/p1.fwl" --tables never --load-check; then
	base=$(processed "$TMP/one.out")
	real=$(processed "$TMP/never1lc.out")
	est=$(sed -n 's/.*"processed_estimate": \([0-9]*\).*/\1/p' "$TMP/never1lc/manifest.json")
	if [ -n "$base" ] && [ -n "$real" ] && [ -n "$est" ] &&
	   [ $((2 * est)) -ge $((real - base)) ] && [ "$est" -le $((2 * (real - base))) ]; then
		pass budget_estimate_near_kernel
	else
		fail budget_estimate_near_kernel "estimate $est, kernel $real - entry $base"
	fi
else
	fail budget_estimate_near_kernel "$(tail -n 5 "$TMP/never1lc.out")"
fi

# Tail-called stages: with a small stage budget the 300 arms run as a
# chain of XDP programs (each through the verifier on its own) and decide
# exactly as one program does.  The default budget keeps them in one.
if build staged "$TMP/p1.fwl" --tables never --stage-budget 10000 --load-check; then
	pass staged_loads
else
	fail staged_loads "$(grep -v E06 "$TMP/staged.out" | tail -n 8)"
fi
stages=$(grep -c 'passed the verifier' "$TMP/staged.out")
if [ "$stages" -ge 4 ]; then pass staged_in_programs; else
	fail staged_in_programs "$stages programs passed the verifier"; fi
assert_contains staged_reported "$(cat "$TMP/staged.out")" "tail-called stages"
assert_contains staged_array_pinned "$(cat "$TMP/staged/manifest.json" 2>/dev/null)" \
	'"name": "fwl_stages", "class": "POLICY"'
assert_not_contains unstaged_by_default "$(cat "$TMP/never1/policy.bpf.c")" "fwl_stage_"
if "$RUN" "$TMP/staged" <"$TMP/k1.txt" >"$TMP/rstaged.txt" 2>"$TMP/rstaged.err" &&
   cmp -s "$TMP/rnever1.txt" "$TMP/rstaged.txt"; then
	pass staged_same_decisions
else
	fail staged_same_decisions "$(tail -n 3 "$TMP/rstaged.err"; diff "$TMP/rnever1.txt" "$TMP/rstaged.txt" | head -n 6)"
fi

# A verifier rejection names the policy line whose code failed: the
# generated C carries #line directives, so BTF line info in the log does.
# --inject-fault LINE (tests only) makes the arm at LINE read out of
# bounds; the arm at line 5 of p1 is the test's second arm.
line5=$(sed -n 5p "$TMP/p1.fwl" | sed 's/^ *//')
if build fault "$TMP/p1.fwl" --tables never --inject-fault 5 --load-check; then
	fail fault_rejected "the verifier accepted an out-of-bounds read"
else
	pass fault_rejected
fi
assert_contains fault_names_policy_line "$(cat "$TMP/fault.out")" \
	"p1.fwl:5: note: the failing code was generated for this line of the policy: $line5"
assert_not_contains fault_leaves_no_bundle "$(ls "$TMP")" "fault
"
# Near miss: the same build without the fault loads.
assert_contains no_fault_loads "$(cat "$TMP/never1lc.out")" "passed the verifier"

# 100,000 arms (the benchmark's generator, at Prerouting): one table
# lookup, through the verifier, deciding as the generator says.
awk -v n=100000 'BEGIN {
	print "policy pre : Frame<{}>"
	print "  on hook = Prerouting, table = Filter, priority = Filter"
	print "  where"
	for (i = 0; i < n; i++)
		printf "  | Frame(_, Ether(_, IPv4(ip { src ∈ %d.%d.%d.0/24 }, TCP(tcp { dport = :%d }, _)))) -> %s\n",
			10 + int(i / 65536) % 200, int(i / 256) % 256, i % 256, 1 + i % 60000,
			i % 2 ? "Allow" : "Drop"
	print "  | _ -> Allow"
}' >"$TMP/big.fwl"
if build big "$TMP/big.fwl" --load-check; then
	pass big_builds_and_loads
else
	fail big_builds_and_loads "$(grep -v E0603 "$TMP/big.out" | tail -n 8)"
fi
lines=$(wc -l <"$TMP/big/policy.bpf.c" 2>/dev/null || echo 99999)
if [ "$lines" -lt 100 ]; then pass big_code_is_small; else
	fail big_code_is_small "policy.bpf.c has $lines lines for 100,000 arms"; fi
assert_contains big_table_in_manifest "$(cat "$TMP/big/manifest.json" 2>/dev/null)" \
	'"name": "fwl_cls", "class": "POLICY"'
# Arm i: source 10+i/65536 . (i/256)%256 . i%256 .x, TCP dport 1+i%60000;
# even arms drop.  Near misses: the next port, a neighbour /24.
awk 'BEGIN {
	srand(7)
	for (k = 0; k < 300; k++) {
		i = int(rand() * 100000)
		a = (10 + int(i / 65536)) "." (int(i / 256) % 256) "." (i % 256) "." int(rand() * 256)
		d = 1 + i % 60000
		m = k % 3
		printf "tcp %s 192.0.2.1 4000 %d %s\n", a, m == 1 ? d + 1 : d,
			m != 1 ? (i % 2 ? "PASS" : "DROP") : "?"
	}
}' >"$TMP/bigk.txt"
if cut -d' ' -f1-5 "$TMP/bigk.txt" | "$RUN" "$TMP/big" >"$TMP/bigr.txt" 2>"$TMP/bigr.err"; then
	bad=$(paste -d' ' "$TMP/bigk.txt" "$TMP/bigr.txt" | awk '
		$6 != "?" && $6 != $7 { n++ }	# exact hits: the arm decides
		END { print n + 0 }')
	hits=$(awk '$6 != "?"' "$TMP/bigk.txt" | wc -l)
	if [ "$bad" = 0 ] && [ "$hits" -ge 50 ]; then pass big_decides_per_arm; else
		fail big_decides_per_arm "$bad of $hits exact hits decided otherwise"; fi
	# A near miss whose port matches no arm of its /24 falls to `_ -> Allow`.
	miss=$(paste -d' ' "$TMP/bigk.txt" "$TMP/bigr.txt" | awk '
		$6 == "?" && $7 != "PASS" { n++ } END { print n + 0 }')
	assert_eq big_near_misses_pass "$miss" 0
else
	fail big_decides_per_arm "$(tail -n 5 "$TMP/bigr.err")"
fi
finish
