#!/usr/bin/env bash
# tests/backend/stages.sh - tail-called stages of the egress program
# (fwl_egress: Output, Postrouting), as fwl_ingress has them.
#
# A large Output and a large Postrouting policy (2,100 arms of code each,
# 263 noinline parts in all: one program would hold more functions than
# the kernel's 256, "too many subprograms") pass the verifier as chains
# of TC programs and decide per arm as the generator says, packets the
# host sends going through both hooks under BPF_PROG_TEST_RUN
# (bundle-run --egress); the manifest lists the stages and their array.
# Random policies (tables.sh's generator) at Output decide the same in
# stages (--stage-budget) as in one program.  A small policy has no stage
# machinery; a large Prerouting policy is staged by its parts too.  A
# verifier rejection in egress code, staged or not, names the policy line.
set -u
. "$(dirname "$0")/../lib/lib.sh"
need_root stages_needs_root
RUN=$FWL_BUILD/tests/backend/bundle-run
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

build() { # build NAME POLICY ARGS...
	local name=$1 pol=$2; shift 2
	"$FWLC" build "$pol" -o "$TMP/$name" "$@" >"$TMP/$name.out" 2>&1
}

# arms NAME HOOK N PORT DROPMOD: N arms of code (ip.ttl is no table
# field), arm i matching ttl 1 + i % 100 and PORT (sport or dport)
# 1 + i / 100, dropping when i % 3 == DROPMOD; then `_ -> Allow`.
arms() {
	awk -v name="$1" -v hook="$2" -v n="$3" -v port="$4" -v dm="$5" 'BEGIN {
		print "policy " name " : Frame<{}>"
		print "  on hook = " hook ", table = Filter, priority = Filter"
		print "  where"
		for (i = 0; i < n; i++)
			printf "  | Frame(_, Ether(_, IPv4(ip { ttl = %d }, TCP(tcp { %s = :%d }, _)))) -> %s\n",
				1 + i % 100, port, 1 + int(i / 100), i % 3 == dm ? "Drop" : "Allow"
		print "  | _ -> Allow"
		print ""
	}'
}

# --- a large Output and a large Postrouting policy -------------------
N=2100
{ arms out Output $N dport 0; arms post Postrouting $N sport 1; } >"$TMP/big.fwl"
if build big "$TMP/big.fwl" --load-check; then
	pass big_egress_loads
else
	fail big_egress_loads "$(grep -v '^libbpf\|^[0-9]*:' "$TMP/big.out" | tail -n 8)"
fi
out=$(cat "$TMP/big.out")
assert_contains big_output_staged "$out" "hook Output: "
assert_contains big_output_in_stages "$(grep 'hook Output' "$TMP/big.out")" "tail-called stages"
assert_contains big_postrouting_in_stages "$(grep 'hook Postrouting' "$TMP/big.out")" "tail-called stages"
n=$(grep -c 'load check: fwl_eg_stage_[0-9]* passed the verifier' "$TMP/big.out")
if [ "$n" -ge 4 ]; then pass big_stages_pass_verifier; else
	fail big_stages_pass_verifier "$n egress stages passed the verifier"; fi
man=$(cat "$TMP/big/manifest.json" 2>/dev/null)
assert_contains big_manifest_stage_array "$man" \
	'"name": "fwl_egress_stages", "class": "POLICY"'
assert_contains big_manifest_output_stage "$man" \
	'{"name": "fwl_eg_stage_1", "attach": "tail-call", "hook": "Output", "map": "fwl_egress_stages", "slot": 1}'
assert_contains big_manifest_postrouting_stage "$man" \
	'"attach": "tail-call", "hook": "Postrouting", "map": "fwl_egress_stages"'
assert_not_contains big_no_ingress_stages "$man" '"fwl_stages"'
# The rule ids of the arms, by name (out/1 is arm 0).
sed -n 's/.*{"id": \([0-9]*\), "name": "\([a-z]*\/[0-9]*\)".*/\2 \1/p' \
	"$TMP/big/manifest.json" >"$TMP/ids.txt"
# Packets the host sends: Output decides first (its arm by ttl and
# dport), what it allows Postrouting decides (by ttl and sport); ttl over
# 100 or a port over 21 matches no arm (near misses).
awk -v n=$N 'BEGIN {
	srand(11)
	for (k = 0; k < 600; k++) {
		ttl = 1 + int(rand() * 104); sp = 1 + int(rand() * 22); dp = 1 + int(rand() * 22)
		o = ttl <= 100 && dp <= 21 ? ttl - 1 + 100 * (dp - 1) : -1
		q = ttl <= 100 && sp <= 21 ? ttl - 1 + 100 * (sp - 1) : -1
		if (o >= 0 && o % 3 == 0) { v = "DROP"; r = "out/" (o + 1) }
		else if (q >= 0) { v = q % 3 == 1 ? "DROP" : "PASS"; r = "post/" (q + 1) }
		else { v = "PASS"; r = "post/" (n + 1) }
		printf "tcp 10.1.0.1 192.0.2.1 %d %d ttl=%d %s %s\n", sp, dp, ttl, v, r
	}
}' >"$TMP/bigk.txt"
if cut -d' ' -f1-6 "$TMP/bigk.txt" | "$RUN" --egress "$TMP/big" \
	>"$TMP/bigr.txt" 2>"$TMP/bigr.err"; then
	bad=$(grep -v '^count' "$TMP/bigr.txt" | paste -d' ' "$TMP/bigk.txt" - |
		awk 'NR == FNR { id[$1] = $2; next }
		     { want = sprintf("rule=0x%08x", id[$8]) }
		     $7 != $9 || want != $10 { n++; if (n < 4) print "  " $0 " want " want }
		     END { print n + 0 }' "$TMP/ids.txt" -)
	assert_eq big_egress_decides_per_arm "$(echo "$bad" | tail -n 1)" 0
	drops=$(grep -c '^DROP' "$TMP/bigr.txt")
	outs=$(grep -c ' out/' "$TMP/bigk.txt")
	if [ "$drops" -ge 100 ] && [ "$drops" -le 500 ] && [ "$outs" -ge 50 ]; then
		pass big_egress_packets_exercise_both
	else
		fail big_egress_packets_exercise_both "$drops drops, $outs decided by Output"
	fi
else
	fail big_egress_decides_per_arm "$(tail -n 5 "$TMP/bigr.err")"
fi

# --- random policies at Output: stages decide as one program does ----
sed -n '/^gen_policy() {/,/^}/p' "$(dirname "$0")/tables.sh" >"$TMP/gen.sh"
. "$TMP/gen.sh"
sed -n '/^gen_packets() {/,/^}/p' "$(dirname "$0")/tables.sh" >"$TMP/genp.sh"
. "$TMP/genp.sh"
gen_policy 5 300 | sed 's/^policy pre /policy out /; s/hook = Prerouting/hook = Output/' >"$TMP/r.fwl"
gen_packets 105 3000 >"$TMP/rk.txt"
if build one "$TMP/r.fwl" --tables never &&
   build staged "$TMP/r.fwl" --tables never --stage-budget 10000 --load-check; then
	n=$(grep -c 'load check: fwl_eg_stage_[0-9]* passed the verifier' "$TMP/staged.out")
	if [ "$n" -ge 4 ]; then pass random_output_staged; else
		fail random_output_staged "$n egress stages passed the verifier"; fi
	assert_not_contains random_output_one_program \
		"$(cat "$TMP/one/policy.bpf.c")" "fwl_eg_stage_"
	if "$RUN" --egress "$TMP/one" <"$TMP/rk.txt" >"$TMP/r1.txt" 2>"$TMP/r1.err" &&
	   "$RUN" --egress "$TMP/staged" <"$TMP/rk.txt" >"$TMP/r2.txt" 2>"$TMP/r2.err" &&
	   cmp -s "$TMP/r1.txt" "$TMP/r2.txt"; then
		pass random_output_same_decisions
	else
		fail random_output_same_decisions "$(tail -n 3 "$TMP/r1.err" "$TMP/r2.err"; diff "$TMP/r1.txt" "$TMP/r2.txt" | head -n 6)"
	fi
	rules=$(grep -v '^count' "$TMP/r1.txt" | sort -u | wc -l)
	drops=$(grep -c '^DROP' "$TMP/r1.txt")
	if [ "$rules" -ge 40 ] && [ "$drops" -ge 100 ] && [ "$drops" -le 2900 ]; then
		pass random_output_packets_exercise_many_arms
	else
		fail random_output_packets_exercise_many_arms "$rules distinct outcomes, $drops drops of 3000"
	fi
else
	fail random_output_staged "$(grep -v '^libbpf\|^[0-9]*:\|E06' "$TMP/staged.out" "$TMP/one.out" | tail -n 8)"
fi

# --- specialization: a small egress policy has no stage machinery -----
arms small Output 20 dport 0 >"$TMP/small.fwl"
if build small "$TMP/small.fwl"; then
	c=$(cat "$TMP/small/policy.bpf.c")
	assert_not_contains small_no_stages "$c" "fwl_eg_stage_"
	assert_not_contains small_no_stage_array "$c" "FWL_EGRESS_STAGES"
	assert_not_contains small_manifest_no_stages "$(cat "$TMP/small/manifest.json")" "tail-call"
else
	fail small_no_stages "$(tail -n 5 "$TMP/small.out")"
fi

# --- ingress: a policy of more parts than one program may call --------
# (263 parts; its processed estimate alone would not stage it).  The
# generated C and the manifest only: clang is not run (--clang true).
arms pre Prerouting 4200 dport 0 >"$TMP/pre.fwl"
if build pre "$TMP/pre.fwl" --clang true; then
	assert_contains pre_staged_by_parts "$(cat "$TMP/pre/manifest.json")" \
		'"attach": "tail-call", "hook": "Prerouting", "map": "fwl_stages"'
else
	fail pre_staged_by_parts "$(tail -n 5 "$TMP/pre.out")"
fi

# --- the parts warning counts the fullest program ---------------------
# fwlc warns when one program would hold more than the 192 noinline parts
# the split aims at (docs/bundle.md, "Budget"): a hook cut into more
# stages than the 8 it may have puts what is left in its last stage
# (here, a stage budget of 1,000 processed instructions gives the first
# seven stages one part each and the eighth the other 200 of 207).  The
# figure is the generated code's: the part calls in the fullest stage.
# Near miss: the same policy in the default budget's 3 stages.
arms out Output 3300 dport 0 >"$TMP/parts.fwl"
stage_parts() { # the most part calls in one fwl_eg_stage_N of $1
	awk '/^int fwl_eg_stage_[0-9]+\(struct __sk_buff \*ctx\)$/ { s = $2 }
	     /^\t\tv = fwl_policy_[a-z]+_part[0-9]+\(p, m\)/ { c[s]++ }
	     END { m = 0; for (k in c) if (c[k] > m) m = c[k]; print m }' "$1"
}
if build partsfull "$TMP/parts.fwl" --clang true --stage-budget 1000 &&
   build partsok "$TMP/parts.fwl" --clang true; then
	full=$(stage_parts "$TMP/partsfull/policy.bpf.c")
	[ "$full" -gt 192 ] && pass parts_fullest_stage_over_192 ||
		fail parts_fullest_stage_over_192 "$full parts in the fullest stage"
	assert_contains parts_warning_fullest_stage "$(cat "$TMP/partsfull.out")" \
		"warning: hook Output: a stage of $full noinline parts, more than the 192 a program may hold (the kernel allows 256 functions per program) even in 8 stages"
	ok=$(stage_parts "$TMP/partsok/policy.bpf.c")
	[ "$ok" -gt 0 ] && [ "$ok" -le 192 ] && pass parts_default_stages_fit ||
		fail parts_default_stages_fit "$ok parts in the fullest stage"
	assert_not_contains parts_no_warning_when_they_fit \
		"$(cat "$TMP/partsok.out")" "noinline parts"
else
	fail parts_warning_builds "$(tail -n 5 "$TMP/partsfull.out" "$TMP/partsok.out")"
fi

# --- a verifier rejection in egress code names the policy line --------
# --inject-fault LINE (tests only) makes the arm at LINE read out of
# bounds; line 9 is the small policy's sixth arm.
line=$(sed -n 9p "$TMP/small.fwl" | sed 's/^ *//')
for how in one staged; do
	args=()
	[ "$how" = staged ] && args=(--stage-budget 300)
	if build "fault$how" "$TMP/small.fwl" --inject-fault 9 --load-check "${args[@]}"; then
		fail "egress_fault_rejected_$how" "the verifier accepted an out-of-bounds read"
	else
		pass "egress_fault_rejected_$how"
	fi
	assert_contains "egress_fault_names_line_$how" "$(cat "$TMP/fault$how.out")" \
		"small.fwl:9: note: the failing code was generated for this line of the policy: $line"
	if [ "$how" = staged ]; then
		assert_contains egress_fault_in_a_stage "$(cat "$TMP/faultstaged.out")" \
			"tail-called stages"
	fi
done
# Near miss: the same staged build without the fault loads.
if build smallstaged "$TMP/small.fwl" --stage-budget 300 --load-check &&
   grep -q 'fwl_eg_stage_2 passed the verifier' "$TMP/smallstaged.out"; then
	pass egress_no_fault_loads
else
	fail egress_no_fault_loads "$(grep -v '^libbpf\|^[0-9]*:' "$TMP/smallstaged.out" | tail -n 5)"
fi
finish
