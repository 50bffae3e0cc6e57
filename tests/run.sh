#!/usr/bin/env bash
# tests/run.sh - run every test suite given and print one summary line.
#
# A suite is an executable (C test binary or shell script).  It reports each
# case on its own line as "PASS name" or "FAIL name: why".  A suite that exits
# non-zero without having reported a failure counts as one failed case (a
# crash, a sanitizer report, a missing prerequisite), so nothing is lost.
# The last line is "N passed, N failed".
set -u
pass=0; fail=0; failed=()
log_dir=${FWL_BUILD:-build}/test-logs
mkdir -p "$log_dir"

for suite in "$@"; do
	# Name: the path below the build or source tree (asan/tests/x, ...).
	name=${suite#"${FWL_BUILD:-build}"/}
	name=${name#"${FWL_SRC:-.}"/}
	log="$log_dir/$(echo "$name" | tr / _).log"
	printf '== %s\n' "$name"
	start=$SECONDS
	"$suite" >"$log" 2>&1
	rc=$?
	p=$(grep -c '^PASS ' "$log")
	f=$(grep -c '^FAIL ' "$log")
	grep -E '^(FAIL) ' "$log" | sed 's/^/   /'
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "   FAIL $name: exited $rc without reporting a failure; last lines:"
		tail -n 15 "$log" | sed 's/^/     | /'
	fi
	if [ "$f" -gt 0 ]; then failed+=("$name"); fi
	printf '   %d passed, %d failed (%ds, log %s)\n' "$p" "$f" $((SECONDS - start)) "$log"
	pass=$((pass + p)); fail=$((fail + f))
done

if [ ${#failed[@]} -gt 0 ]; then
	echo "failed suites: ${failed[*]}"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
