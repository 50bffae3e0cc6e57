#!/usr/bin/env bash
# tests/backend/build.sh - fwlc build: bundles that pass the kernel's
# verifier, specialization (features a policy does not use are not in the
# object), sets as map contents (code does not grow with a set), the DOT
# picture, and failures that leave nothing behind.
set -u
. "$(dirname "$0")/../lib/lib.sh"
need_root backend_needs_root
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

build() { # build NAME POLICY [--load-check]
	local name=$1 pol=$2; shift 2
	rm -rf "$TMP/$name"
	"$FWLC" build "$pol" -o "$TMP/$name" "$@" >"$TMP/$name.out" 2>&1
}

# Every policy the backend compiles passes the verifier.
for p in examples/ssh-icmp.fwl examples/server.fwl \
	 examples/home-router.fwl examples/router-forwards.fwl \
	 tests/e2e/policies/ifaces-sets.fwl tests/e2e/policies/nat.fwl \
	 tests/e2e/policies/nat-addr.fwl \
	 tests/e2e/policies/ratelimit.fwl \
	 tests/e2e/policies/stateful-input.fwl tests/e2e/policies/ftp.fwl \
	 examples/ftfw.fwl; do
	n=$(basename "$p" .fwl)
	if build "$n" "$FWL_SRC/$p" --load-check; then
		pass "verifier_$n"
	else
		fail "verifier_$n" "$(tail -n 15 "$TMP/$n.out")"
	fi
	assert_contains "load_check_reports_$n" "$(cat "$TMP/$n.out")" "passed the verifier"
done

# The manifest says whether the policy destination-NATs (fwld sets
# accept_local only then): DNATMap and DNAT yes, Masquerade/SNAT alone no.
assert_contains manifest_dnat_map "$(cat "$TMP/nat/manifest.json" 2>/dev/null)" '"dnat": true'
assert_contains manifest_dnat_addr "$(cat "$TMP/nat-addr/manifest.json" 2>/dev/null)" '"dnat": true'
cat >"$TMP/masq.fwl" <<'EOP'
interface wan : WAN dynamic
policy post : Frame<{}>
  on hook = Postrouting, table = NAT, priority = SrcNat
  where
  | Frame(_ -> wan, _) -> Masquerade
  | _ -> Allow
EOP
build masq "$TMP/masq.fwl"
assert_contains manifest_masquerade_only_no_dnat "$(cat "$TMP/masq/manifest.json" 2>/dev/null)" '"dnat": false'

# Specialization: a stateless policy has no conntrack, no egress program.
syms() { llvm-objdump -t "$TMP/$1/policy.bpf.o" 2>/dev/null; }
assert_not_contains stateless_has_no_ct "$(syms ssh-icmp)" "fwl_ct"
assert_not_contains stateless_has_no_egress "$(syms ssh-icmp)" "fwl_egress"
assert_not_contains stateless_has_no_sets "$(syms ssh-icmp)" "fwl_dir4"
assert_contains stateful_has_ct "$(syms stateful-input)" "fwl_ct"
assert_contains stateful_has_egress "$(syms stateful-input)" "fwl_egress"
assert_contains sets_policy_has_dir4 "$(syms ifaces-sets)" "fwl_dir4"
assert_contains sets_policy_has_lpm "$(syms ifaces-sets)" "fwl_cidr6"

# The ftfw constructs in the generated C: flag tests on the flags byte,
# the helper, counter and offload calls; only a policy using a helper has
# the expectation map (specialization).
gen=$(cat "$TMP/ftp/policy.bpf.c" 2>/dev/null)
assert_contains gen_flag_test "$gen" "((p->tcp_flags & 0x2ull) != 0)"
assert_contains gen_set_helper "$gen" "fwl_ct_set_helper(&m->ct, 1);"
cid=$(grep -o '"name": "ftp_data", "map": "fwl_named_cnt", "id": [0-9]*' \
	"$TMP/ftp/manifest.json" 2>/dev/null | grep -o '[0-9]*$')
assert_contains gen_counter "$gen" "fwl_count_named(${cid:-none}, p->len);"
assert_contains gen_offload "$gen" "fwl_ct_set_offload(&m->ct);"
assert_contains gen_helper_test "$gen" "(m->ct.helper == 1)"
# A counter's key depends on its name only: another policy naming it
# among others, in another order, counts it at the same key (FLOW map).
printf 'let zz : Counter = Counter {}\nlet ftp_data : Counter = Counter {}\npolicy p : Frame<{}>\n  on hook = Input, table = Filter, priority = Filter\n  where\n  | Frame(_, Ether(_, IPv4(_, UDP(_, _)))) -> perform Counter.add(zz) >> Allow\n  | _ -> perform Counter.add(ftp_data) >> Allow\n' >"$TMP/counters2.fwl"
build counters2 "$TMP/counters2.fwl"
assert_contains counter_id_stable "$(cat "$TMP/counters2/manifest.json" 2>/dev/null)" \
	"{\"name\": \"ftp_data\", \"map\": \"fwl_named_cnt\", \"id\": ${cid:-none}}"
assert_contains helper_has_expect_map "$(syms ftp)" "fwl_ct_expect"
assert_not_contains no_helper_no_expect_map "$(syms stateful-input)" "fwl_ct_expect"
printf 'policy p : Frame<{}>\n  on hook = Input, table = Filter, priority = Filter\n  where\n  | Frame(_, Ether(_, IPv4(_, TCP(tcp, _)))) if tcp.flags == {Syn, Ack} -> Drop\n  | _ -> Allow\n' >"$TMP/flags-eq.fwl"
build flags-eq "$TMP/flags-eq.fwl"
assert_contains gen_flags_exact "$(cat "$TMP/flags-eq/policy.bpf.c" 2>/dev/null)" "(p->tcp_flags == 18)"

# Large data are map contents: a 20,000-prefix set compiles to the same
# decision code as a 6-prefix one (only maps.bin and the sizes of the
# arrays that hold it grow).
gen_set() { # gen_set N FILE
	{
		printf 'let big : CIDRSet = {'
		for i in $(seq 0 $(($1 - 1))); do
			[ "$i" -gt 0 ] && printf ', '
			printf '10.%d.%d.0/25' $((i / 256)) $((i % 256))
		done
		printf ' }\n\n'
		printf 'policy input : Frame<{}>\n  on hook = Input, table = Filter, priority = Filter\n  where\n'
		printf '  | Frame(_, Ether(_, IPv4(ip { src ∈ big }, _))) -> Drop\n'
		printf '  | _                                            -> Allow\n'
	} >"$2"
}
gen_set 6 "$TMP/small.fwl"
gen_set 20000 "$TMP/large.fwl"
build small "$TMP/small.fwl" && build large "$TMP/large.fwl"
assert_eq set_size_builds "$?" 0
# (comments and #line directives name the files, which differ; the sizes
# of the IPv4 sets' arrays, FWL_DIR4_*, are data and grow with the set)
code() { grep -v '^/\*\|^ \*\|^#line\|^#define FWL_DIR4_' "$TMP/$1/policy.bpf.c"; }
assert_eq code_independent_of_set_size "$(code small | md5sum)" "$(code large | md5sum)"
assert_contains set_in_dir4 "$(cat "$TMP/large/policy.bpf.c")" "fwl_in_dir4(0, p->saddr[0])"
# (/25s, so that no chunk is full and left out) the root chunk, 10/8's,
# one per /16 of 10.0-10.78, and a bitmap per /24
assert_contains dir4_sized_to_the_set "$(cat "$TMP/large/policy.bpf.c")" \
	"#define FWL_DIR4_NODES 81
#define FWL_DIR4_LEAVES 20000"
sz_small=$(stat -c %s "$TMP/small/maps.bin" 2>/dev/null || echo 0)
sz_large=$(stat -c %s "$TMP/large/maps.bin" 2>/dev/null || echo 0)
[ "$sz_large" -gt $((sz_small * 100)) ] && pass set_entries_in_maps_bin ||
	fail set_entries_in_maps_bin "maps.bin $sz_small -> $sz_large bytes"
assert_contains manifest_counts_entries "$(cat "$TMP/large/manifest.json")" '"entries": 20000'

# DOT: one node per arm, with its tests, interfaces by name.
dot=$("$FWLC" dot "$FWL_SRC/tests/e2e/policies/ifaces-sets.fwl")
assert_contains dot_is_digraph "$dot" "digraph fwl"
assert_contains dot_names_iface "$dot" "iif ∈ {lan}"
assert_contains dot_names_set "$dot" "src ∈ blocked (map)"
assert_eq dot_one_box_per_arm "$(echo "$dot" | grep -c 'shape=box')" 5

# Failures leave nothing behind.
printf 'policy p : Frame<{}>\n  on hook = Input, table = Filter, priority = Filter\n  where\n  | _ if ct.status == Confirmed -> Allow\n  | _ -> Drop\n' >"$TMP/unsup.fwl"
build unsup "$TMP/unsup.fwl"
[ $? -ne 0 ] && pass unsupported_refused || fail unsupported_refused "built"
assert_contains unsupported_names_construct "$(cat "$TMP/unsup.out")" "unsup.fwl:4:"
[ ! -e "$TMP/unsup" ] && pass failed_build_leaves_nothing || fail failed_build_leaves_nothing "$(ls "$TMP/unsup")"
# Test-only instrumentation stays out of production objects: fwlc build's
# object neither reads the virtual clock (fwl_config.clock_ns, a u64 at
# offset 72 loaded right after a lookup of fwl_config) nor records the
# feeds a packet asked (fwl_md.feeds_asked); the scenario backend's object
# (--test-instrumentation, FWL_TESTING) does both -- the near miss that
# shows the checks see them.  A stateless policy with a feed and a rate
# limit, and router-forwards (conntrack, NAT, a feed).
cat >"$TMP/inst.fwl" <<'EOP'
import blocklist : ThreatFeed from "file:/var/lib/fwl/blocklist.txt"

let pingRate : Rate = 10/second

policy input : Frame<{}>
  on hook = Input, table = Filter, priority = Filter
  where
  | Frame(_, Ether(_, IPv4(ip, _))) ->
      perform ThreatFeed.lookup(blocklist, ip.src) >>= \listed ->
      if listed then Drop else Allow
  | Frame(_, Ether(_, IPv6(_, ICMPv6(_, _)))) ->
      perform RateLimit.check(pingRate) >>= \ok -> if ok then Allow else Drop
  | _ -> Allow
EOP
clock_reads() { # clock_reads OBJECT: loads of clock_ns after fwl_config lookups
	llvm-objdump -d -r --no-show-raw-insn "$1" | awk '
		/R_BPF_64_64[ \t]+fwl_config/ { n = 6; next }
		n > 0 { n--; if ($0 ~ /\*\(u64 \*\)\(r0 \+ 72\)/) c++ }
		END { print c + 0 }'
}
for p in inst router-forwards; do
	pol=$TMP/inst.fwl
	[ "$p" = inst ] || pol=$FWL_SRC/examples/$p.fwl
	if build "prod-$p" "$pol" --load-check &&
	   build "test-$p" "$pol" --test-instrumentation --load-check; then
		pass "instrumented_builds_$p"
	else
		fail "instrumented_builds_$p" "$(tail -n 5 "$TMP/prod-$p.out" "$TMP/test-$p.out")"
		continue
	fi
	assert_eq "production_no_clock_read_$p" "$(clock_reads "$TMP/prod-$p/policy.bpf.o")" 0
	n=$(clock_reads "$TMP/test-$p/policy.bpf.o")
	if [ "$n" -ge 1 ]; then pass "testing_reads_clock_$p"; else
		fail "testing_reads_clock_$p" "no clock_ns read found in the scenario backend's object"; fi
	assert_not_contains "production_c_no_feeds_asked_$p" \
		"$(cat "$TMP/prod-$p/policy.bpf.c")" "feeds_asked"
	assert_not_contains "production_c_not_testing_$p" \
		"$(cat "$TMP/prod-$p/policy.bpf.c")" "FWL_TESTING"
	assert_not_contains "production_btf_no_feeds_asked_$p" \
		"$(bpftool btf dump file "$TMP/prod-$p/policy.bpf.o")" "feeds_asked"
	assert_contains "testing_c_records_feeds_$p" \
		"$(cat "$TMP/test-$p/policy.bpf.c")" "m->feeds_asked |= 1u << 0"
	assert_contains "testing_btf_feeds_asked_$p" \
		"$(bpftool btf dump file "$TMP/test-$p/policy.bpf.o")" "'feeds_asked'"
done
finish
