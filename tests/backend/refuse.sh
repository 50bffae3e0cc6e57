#!/usr/bin/env bash
# tests/backend/refuse.sh - what the checker accepts but the BPF backend
# does not compile (docs/bundle.md, "What does not compile"): each policy
# of tests/backend/refuse/ names its expected error on its first line
# (`-- expect: TEXT`); fwlc build must fail with that error at the
# offending arm's line and leave no bundle behind, and `fwlc check` must
# accept the policy (it is a backend limit, not a type error).
set -u
. "$(dirname "$0")/../lib/lib.sh"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cd "$FWL_SRC" || exit 1

n=0
for pol in tests/backend/refuse/*.fwl; do
	name=refuse-$(basename "$pol" .fwl)
	want=$(sed -n '1s/^-- expect: //p' "$pol")
	if [ -z "$want" ]; then
		fail "$name" "$pol has no '-- expect:' first line"
		continue
	fi
	n=$((n + 1))
	if ! "$FWLC" check "$pol" >"$TMP/check.out" 2>&1; then
		fail "$name-checks" "fwlc check refuses it: $(head -n 3 "$TMP/check.out")"
		continue
	fi
	rm -rf "$TMP/out"
	"$FWLC" build "$pol" -o "$TMP/out" >"$TMP/build.out" 2>&1
	rc=$?
	out=$(cat "$TMP/build.out")
	assert_eq "$name-exit" "$rc" 1
	# the error points at line 7, the arm that uses the construct
	assert_contains "$name-error" "$out" "$pol:7:"
	assert_contains "$name-message" "$out" "$want"
	if [ -e "$TMP/out/policy.bpf.o" ]; then
		fail "$name-no-bundle" "an object was written despite the error"
	else
		pass "$name-no-bundle"
	fi
done
[ "$n" -gt 0 ] || fail refuse-policies "no policies in tests/backend/refuse/"
finish
