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

# run_all BIN DIR: every case's stderr and exit status into DIR, 4 at a
# time (the sanitizer build starts slowly); near misses under --Werror.
run_all() {
	mkdir -p "$2"
	printf '%s\n' errors/*.fwl ok/*.fwl | xargs -P 4 -I{} sh -c '
		f=$2; o=$3/$(echo "$f" | tr / _)
		case $f in
		*-ok.fwl|ok/*) "$1" check --Werror "$f" >"$o.out" 2>&1 ;;
		*) "$1" check "$f" >/dev/null 2>"$o.out" ;;
		esac
		echo $? >"$o.rc"' sh "$1" {} "$2"
}

for bin in "${bins[@]}"; do
	tag=$( [ "$bin" = "$FWLC" ] && echo "" || echo "asan:")
	[ -n "$tag" ] && update=0
	res=$tmp/res${tag%:}
	run_all "$bin" "$res"

	for f in errors/*.fwl; do
		n=${f%.fwl}
		o=$res/$(echo "$f" | tr / _)
		rc=$(cat "$o.rc")
		case $n in
		*-ok)
			if [ "$rc" -eq 0 ] && [ ! -s "$o.out" ]; then
				pass "${tag}near-miss-${n#errors/}"
			else
				fail "${tag}near-miss-${n#errors/}" \
					"exit $rc: $(head -n 8 "$o.out")"
			fi
			continue ;;
		esac
		code=$(basename "$n" | cut -c2-5)
		if [ "$code" -ge 602 ] && [ "$code" -le 604 ]; then
			want=0	# warnings
		else
			want=1
		fi
		if [ "$rc" -ne $want ]; then
			fail "${tag}exit-${n#errors/}" "exit $rc, want $want"
		else
			pass "${tag}exit-${n#errors/}"
		fi
		same "${tag}diag-${n#errors/}" "$n.err" "$o.out"
		grep -q "\[E$code\]" "$o.out" &&
			pass "${tag}code-${n#errors/}" ||
			fail "${tag}code-${n#errors/}" "no E$code in the output"
	done

	# E0622: a map literal larger than the data plane's maps (generated:
	# the smallest one has 65,537 entries); 65,536 are accepted
	if [ -z "$tag" ]; then
		for n in 65536 65537; do
			python3 -c "
import sys
n = int(sys.argv[1])
print('let m : Map<Port, Port> = {')
print(',\n'.join('  :%d -> :%d' % (i % 65536, i % 65536) for i in range(n)))
print('}')" $n >"$tmp/big$n.fwl"
		done
		"$bin" check "$tmp/big65536.fwl" >/dev/null 2>&1
		assert_eq "map-limit-ok" "$?" 0
		out=$("$bin" check "$tmp/big65537.fwl" 2>&1)
		assert_contains "map-limit-E0622" "$out" "error[E0622]: this map has 65537 entries, more than the data plane's maps hold (65536)"
	fi

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
		o=$res/$(echo "$f" | tr / _)
		rc=$(cat "$o.rc")
		if [ "$rc" -eq 0 ] && [ ! -s "$o.out" ]; then
			pass "${tag}ok-$(basename "$f" .fwl)"
		else
			fail "${tag}ok-$(basename "$f" .fwl)" \
				"exit $rc: $(head -n 8 "$o.out")"
		fi
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
