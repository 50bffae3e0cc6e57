#!/usr/bin/env bash
# tests/frontend/golden.sh - golden tests of fwlc's front end.
#
# Expectations live beside their inputs:
#   cases/X.fwl    a program that parses; X.ast is its `fwlc parse --dump-ast`
#                  and X.fmt its `fwlc fmt` (which must be a fixed point)
#   errors/EXXXX.fwl      fails with exactly EXXXX.err on stderr (exit 1)
#   errors/EXXXX-ok.fwl   its near miss, which parses cleanly
#   errors/recovery.fwl   several errors reported in one run
# Every example in examples/ parses and formats idempotently.  Each check
# runs with build/fwlc and, when present, the sanitizer build.
#
#   tests/frontend/golden.sh --update   rewrite the expectations (review
#                                       the diff before committing)
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.sh"
set -u
here=$FWL_SRC/tests/frontend
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

for bin in "${bins[@]}"; do
	tag=$( [ "$bin" = "$FWLC" ] && echo "" || echo "asan:")
	[ -n "$tag" ] && update=0

	for f in cases/*.fwl; do
		n=${f%.fwl}
		"$bin" parse --dump-ast "$f" >"$tmp/ast" 2>"$tmp/err"
		rc=$?
		if [ $rc -ne 0 ] || [ -s "$tmp/err" ]; then
			fail "${tag}parse-$n" "exit $rc: $(head -n 5 "$tmp/err")"
			continue
		fi
		same "${tag}ast-$n" "$n.ast" "$tmp/ast"
		"$bin" fmt "$f" >"$tmp/fmt" 2>&1
		same "${tag}fmt-$n" "$n.fmt" "$tmp/fmt"
		cp "$tmp/fmt" "$tmp/again.fwl"
		"$bin" fmt "$tmp/again.fwl" >"$tmp/fmt2" 2>&1
		if cmp -s "$tmp/fmt" "$tmp/fmt2"; then
			pass "${tag}idempotent-$n"
		else
			fail "${tag}idempotent-$n" "$(diff "$tmp/fmt" "$tmp/fmt2" | head)"
		fi
	done

	for f in errors/*.fwl; do
		n=${f%.fwl}
		case $n in
		*-ok)
			out=$("$bin" parse "$f" 2>&1)
			rc=$?
			if [ $rc -eq 0 ] && [ -z "$out" ]; then
				pass "${tag}near-miss-$n"
			else
				fail "${tag}near-miss-$n" "exit $rc: $out"
			fi
			;;
		*/json)
			"$bin" parse --format json "$f" >/dev/null 2>"$tmp/err"
			rc=$?
			[ $rc -eq 1 ] || fail "${tag}exit-$n" "exit $rc, want 1"
			same "${tag}diag-$n" "$n.err" "$tmp/err"
			;;
		*)
			"$bin" parse "$f" >/dev/null 2>"$tmp/err"
			rc=$?
			[ $rc -eq 1 ] || fail "${tag}exit-$n" "exit $rc, want 1"
			same "${tag}diag-$n" "$n.err" "$tmp/err"
			;;
		esac
	done

	for f in "$FWL_SRC"/examples/*.fwl; do
		n=examples/$(basename "$f" .fwl)
		expect "${tag}parse-$n" "$bin" parse "$f"
		"$bin" fmt "$f" >"$tmp/a.fwl" 2>&1
		"$bin" fmt "$tmp/a.fwl" >"$tmp/b.fwl" 2>&1
		if cmp -s "$tmp/a.fwl" "$tmp/b.fwl"; then
			pass "${tag}idempotent-$n"
		else
			fail "${tag}idempotent-$n" "$(diff "$tmp/a.fwl" "$tmp/b.fwl" | head)"
		fi
		# everything but the verbatim proposal is kept formatted
		if [ "$n" != examples/proposal ]; then
			expect "${tag}canonical-$n" "$bin" fmt --check "$f"
		fi
	done
done

# Unicode and ASCII spellings mean the same program.
a=$("$FWLC" fmt cases/unicode.fwl 2>&1)
b=$("$FWLC" fmt cases/ascii.fwl 2>&1)
assert_eq unicode-ascii-same "$a" "$b"

# The recovery case reports an error for each broken declaration.
out=$("$FWLC" parse errors/recovery.fwl 2>&1)
assert_contains recovery-count "$out" "fwlc: 4 errors"
for line in 3: 7: 10: 11:; do
	assert_contains "recovery-line-$line" "$out" "recovery.fwl:$line"
done

# CLI behaviour.
printf 'let  x =   1\n' >"$tmp/ugly.fwl"
"$FWLC" fmt --check "$tmp/ugly.fwl" 2>"$tmp/err"
assert_eq fmt-check-fails "$?" 1
assert_contains fmt-check-says "$(cat "$tmp/err")" "not in canonical form"
"$FWLC" fmt -w "$tmp/ugly.fwl"
assert_eq fmt-w-rewrites "$(cat "$tmp/ugly.fwl")" "let x = 1"
expect fmt-check-after-w "$FWLC" fmt --check "$tmp/ugly.fwl"
"$FWLC" fmt errors/e0101.fwl >"$tmp/out" 2>&1
assert_eq fmt-refuses-broken "$?" 1
"$FWLC" parse "$tmp/does-not-exist.fwl" 2>"$tmp/err"
assert_eq io-error-exit "$?" 2
assert_contains io-error-E0900 "$(cat "$tmp/err")" "error[E0900]: cannot read the file"
truncate -s 5G "$tmp/huge.fwl"
"$FWLC" parse "$tmp/huge.fwl" 2>"$tmp/err"
assert_eq too-large-exit "$?" 2
assert_contains too-large-E0901 "$(cat "$tmp/err")" "error[E0901]"
rm -f "$tmp/huge.fwl"
"$FWLC" parse 2>/dev/null
assert_eq usage-exit "$?" 2
"$FWLC" parse --bogus x 2>/dev/null
assert_eq bad-option-exit "$?" 2
"$FWLC" nosuchcommand 2>/dev/null
assert_eq unknown-command-exit "$?" 2

# Every front-end error code (E00xx lexical, E01xx syntax) in
# docs/language.md has its failing case and near miss here.
for code in $(grep -o 'E0[01][0-9][0-9]' "$FWL_SRC/docs/language.md" | sort -u); do
	c=$(echo "$code" | tr E e)
	case $c in
	e0900|e0901) continue ;;	# tested above through the CLI
	esac
	if [ -f "errors/$c.fwl" ] && [ -f "errors/$c-ok.fwl" ]; then
		pass "documented-$code-tested"
	else
		fail "documented-$code-tested" "no errors/$c.fwl and errors/$c-ok.fwl"
	fi
done

# ... and every code the front end defines is documented.
for n in $(grep -oE 'ERR_[A-Z0-9_]+ = [0-9]+' "$FWL_SRC/fwlc/diag.h" | grep -oE '[0-9]+$'); do
	code=$(printf 'E%04d' "$n")
	if grep -q "| $code |" "$FWL_SRC/docs/language.md"; then
		pass "defined-$code-documented"
	else
		fail "defined-$code-documented" "$code is not in the tables of docs/language.md"
	fi
done

finish
