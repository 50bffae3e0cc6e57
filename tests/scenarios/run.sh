#!/usr/bin/env bash
# tests/scenarios/run.sh - every .fwlt in the tree through the interpreter.
#
# Each case prints "PASS file: case" / "FAIL file: case" (fwlc test's own
# lines, counted by tests/run.sh).  The deliberately failing and malformed
# scenarios under tests/scenarios/{fail,bad}/ are run by cli.sh, which
# checks that they fail the right way.
. "$(dirname "$0")/../lib/lib.sh"

cd "$FWL_SRC" || exit 1
mapfile -t files < <(find . -name '*.fwlt' -not -path './build/*' \
	-not -path './tests/scenarios/fail/*' -not -path './tests/scenarios/bad/*' \
	-not -path './.git/*' | sort)
if [ ${#files[@]} -eq 0 ]; then
	fail scenarios "no .fwlt files found under $FWL_SRC"
	exit 1
fi
for f in "${files[@]}"; do
	out=$("$FWLC" test "${f#./}" 2>&1)
	rc=$?
	echo "$out"
	if [ $rc -ne 0 ] && ! grep -q '^FAIL ' <<<"$out"; then
		fail "${f#./}" "fwlc test exited $rc: $(tail -n 5 <<<"$out")"
	fi
	[ $rc -eq 0 ] || _failures=$((_failures + 1))
done
finish
