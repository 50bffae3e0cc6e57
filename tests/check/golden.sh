#!/usr/bin/env bash
# tests/check/golden.sh - golden tests of `fwlc check` (the semantic pass).
#
# Expectations live beside their inputs:
#   errors/eNNNN.fwl      the smallest program that triggers ENNNN; its exact
#                         `fwlc check` output is eNNNN.err (exit 1 for errors,
#                         0 for warnings, 1 for warnings under --Werror)
#   errors/eNNNN-ok.fwl   its near miss, which checks clean (no output)
#   ok/*.fwl              programs that check clean
# Every example in examples/ checks clean, except examples/proposal.fwl,
# the proposal verbatim, whose two slips are reported exactly
# (proposal.err).  --format json and --Werror are checked too.  Each check
# runs with build/fwlc and, when present, the sanitizer build.
#
#   tests/check/golden.sh --update   rewrite the .err files (review the diff)
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.sh"
set -u
here=$FWL_SRC/tests/check
cd "$here" || exit 1
update=0
[ "${1:-}" = --update ] && update=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

bins=("$FWLC")
[ -x "$FWL_BUILD/asan/fwlc" ] && bins+=("$FWL_BUILD/asan/fwlc")
[ -x "$FWLC" ] || { fail build "no $FWLC (run make)"; exit 1; }

# same NAME EXPECTED-FILE ACTUAL-FILE
same() {
	if [ "$update" = 1 ]; then
		cp "$3" "$2"
		pass "$1"
	elif [ ! -f "$2" ]; then
		fail "$1" "missing expectation $2 (run $0 --update and review)"
	elif cmp -s "$2" "$3"; then
		pass "$1"
	else
		fail "$1" "differs from $2: $(diff "$2" "$3" | head -n 12)"
	fi
}

# clean NAME FILE: exit 0 and no output at all, also under --Werror
clean() {
	local out rc
	out=$("$bin" check --Werror "$2" 2>&1)
	rc=$?
	if [ $rc -eq 0 ] && [ -z "$out" ]; then
		pass "$1"
	else
		fail "$1" "exit $rc: $(echo "$out" | head -n 8)"
	fi
}

for bin in "${bins[@]}"; do
	tag=$( [ "$bin" = "$FWLC" ] && echo "" || echo "asan:")
	[ -n "$tag" ] && update=0

	for f in errors/*.fwl; do
		n=${f%.fwl}
		case $n in
		*-ok) clean "${tag}near-miss-${n#errors/}" "$f"; continue ;;
		esac
		"$bin" check "$f" >/dev/null 2>"$tmp/err"
		rc=$?
		code=$(basename "$n" | cut -c2-5)
		if [ "$code" -ge 602 ] && [ "$code" -le 604 ]; then
			want=0	# warnings
		else
			want=1
		fi
		if [ $rc -ne $want ]; then
			fail "${tag}exit-${n#errors/}" "exit $rc, want $want"
		else
			pass "${tag}exit-${n#errors/}"
		fi
		same "${tag}diag-${n#errors/}" "$n.err" "$tmp/err"
		grep -q "\[E$(basename "$n" | cut -c2-5)\]" "$tmp/err" &&
			pass "${tag}code-${n#errors/}" ||
			fail "${tag}code-${n#errors/}" "no E$code in the output"
	done

	# warnings become errors under --Werror
	"$bin" check --Werror errors/e0603.fwl >/dev/null 2>&1
	assert_eq "${tag}werror-exit" "$?" 1

	# JSON for editors and CI
	out=$("$bin" check --format json errors/e0200.fwl 2>&1)
	assert_contains "${tag}json-code" "$out" '"code":"E0200"'
	assert_contains "${tag}json-help" "$out" "did you mean 'Allow'?"
	echo "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[0]["line"]==4 and d[0]["col"]==10' 2>/dev/null &&
		pass "${tag}json-parses" || fail "${tag}json-parses" "not the JSON expected: $out"

	for f in ok/*.fwl; do
		clean "${tag}ok-$(basename "$f" .fwl)" "$f"
	done
	for f in "$FWL_SRC"/examples/*.fwl; do
		b=$(basename "$f" .fwl)
		if [ "$b" = proposal ]; then
			(cd "$FWL_SRC" && "$bin" check examples/proposal.fwl) \
				>/dev/null 2>"$tmp/err"
			assert_eq "${tag}proposal-exit" "$?" 1
			same "${tag}proposal-slips" proposal.err "$tmp/err"
			continue
		fi
		clean "${tag}example-$b" "$f"
	done
done
finish
