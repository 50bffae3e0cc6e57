# tests/lib/lib.sh - shell test vocabulary, sourced by tests/*/*.sh.
#
#   pass NAME            record a passing case
#   fail NAME WHY        record a failing case
#   expect NAME CMD...   run CMD; pass if it exits 0, else fail with its output
#   expect_fail NAME CMD...  pass if CMD exits non-zero
#   need_root            fail loudly (not skip) when not root
# Every line goes to stdout as "PASS name" / "FAIL name: why" for tests/run.sh.

: "${FWL_BUILD:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build}"
: "${FWL_SRC:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
export FWL_BUILD FWL_SRC
FWLC=${FWLC:-$FWL_BUILD/fwlc}
FWLD=${FWLD:-$FWL_BUILD/fwld}
FWLCTL=${FWLCTL:-$FWL_BUILD/fwlctl}

_failures=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: ${*:2}"; _failures=$((_failures + 1)); }

expect() {
	local name=$1; shift
	local out
	if out=$("$@" 2>&1); then pass "$name"; else fail "$name" "'$*' exited $?: $(echo "$out" | tail -n 5)"; fi
}

expect_fail() {
	local name=$1; shift
	local out
	if out=$("$@" 2>&1); then fail "$name" "'$*' succeeded but should have failed: $out"; else pass "$name"; fi
}

# assert_contains NAME HAYSTACK NEEDLE
assert_contains() {
	if [[ "$2" == *"$3"* ]]; then pass "$1"; else fail "$1" "expected to find '$3' in: $(echo "$2" | head -n 20)"; fi
}

assert_not_contains() {
	if [[ "$2" != *"$3"* ]]; then pass "$1"; else fail "$1" "did not expect '$3' in: $(echo "$2" | head -n 20)"; fi
}

assert_eq() {
	if [ "$2" == "$3" ]; then pass "$1"; else fail "$1" "got '$2', want '$3'"; fi
}

need_root() {
	if [ "$(id -u)" -ne 0 ]; then
		fail "${1:-root}" "this suite needs root (CI runs as root); run 'sudo make test'"
		exit 1
	fi
}

finish() { [ "$_failures" -eq 0 ]; }
