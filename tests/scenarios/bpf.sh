#!/usr/bin/env bash
# tests/scenarios/bpf.sh - every .fwlt in the tree through the compiled BPF
# object (fwlc test --backend bpf: BPF_PROG_TEST_RUN in a private network
# namespace; needs root, fails loudly without it).
#
# A passing case prints "PASS bpf: FILE: CASE".  A failing case listed in
# tests/scenarios/bpf-known.txt (a known disagreement, or a case the BPF
# backend cannot run, with the reason) prints "KNOWN bpf: ..." - neither
# PASS nor FAIL - and its diff; a listed case that passes now FAILs (take
# it off the list), and so does every unlisted failure.
. "$(dirname "$0")/../lib/lib.sh"
need_root bpf-scenarios

cd "$FWL_SRC" || exit 1
known=tests/scenarios/bpf-known.txt
mapfile -t files < <(find . -name '*.fwlt' -not -path './build/*' \
	-not -path './tests/scenarios/fail/*' -not -path './tests/scenarios/bad/*' \
	-not -path './.git/*' | sort)
if [ ${#files[@]} -eq 0 ]; then
	fail bpf-scenarios "no .fwlt files found under $FWL_SRC"
	exit 1
fi

# reason_of "FILE: CASE": the ledger's reason, or nothing
reason_of() {
	local file=${1%%: *}
	awk -F'\t' -v k="$1" -v f="$file: *" \
		'!/^#/ && ($1 == k || $1 == f) { print $2; exit }' "$known"
}

nknown=0
# run_file LABEL FILE [OPTIONS...]: the file's cases on the BPF object
run_file() {
	local label=$1 f=$2 out rc line name why diff
	shift 2
	out=$(timeout 600 "$FWLC" test --backend bpf "$@" "$f" 2>&1)
	rc=$?
	if ! grep -q '^[0-9]* passed, [0-9]* failed$' <<<"$out"; then
		fail "$label: $f" "fwlc test --backend bpf exited $rc: $(tail -n 5 <<<"$out")"
		return
	fi
	# one block per case: the PASS/FAIL line and its diff lines
	while IFS= read -r line; do
		case $line in
		"PASS "*)
			name=${line#PASS }
			why=$(reason_of "$name")
			if [ -n "$why" ]; then
				fail "$label: $name" "passes now: take it off $known ($why)"
			else
				pass "$label: $name"
			fi ;;
		"FAIL "*)
			name=${line#FAIL }
			diff=$(awk -v h="$line" '$0 == h { on = 1; next }
				on && /^(PASS|FAIL) / { exit } on' <<<"$out" | head -n 6)
			why=$(reason_of "$name")
			if [ -n "$why" ]; then
				echo "KNOWN $label: $name: $why"
				nknown=$((nknown + 1))
			else
				fail "$label: $name" "$diff"
			fi ;;
		esac
	done <<<"$out"
}
for f in "${files[@]}"; do
	run_file bpf "${f#./}"
done

# Tail-called stages (docs/bundle.md): these files again with every hook
# of more than one step (policies, parts of a long one) in stages of its
# own -- the ingress and egress programs' tail calls, resumptions and NAT
# verdicts across stages.  That their objects are staged is checked on
# fwlc build's manifest of the file's policy.
staged_files=(tests/scenarios/egress-stages.fwlt)
TMPS=$(mktemp -d)
trap 'rm -rf "$TMPS"' EXIT
for f in "${staged_files[@]}"; do
	awk '/^policy \{$/ { on = 1; next } on && /^\}$/ { exit } on' "$f" >"$TMPS/p.fwl"
	rm -rf "$TMPS/b"
	if "$FWLC" build "$TMPS/p.fwl" -o "$TMPS/b" --stage-budget 1 \
		--clang true >"$TMPS/b.out" 2>&1 &&
	   grep -q '"attach": "tail-call", "hook": "Output"' "$TMPS/b/manifest.json" &&
	   grep -q '"attach": "tail-call", "hook": "Postrouting"' "$TMPS/b/manifest.json"; then
		pass "bpf-staged: $f: its egress hooks are staged"
	else
		fail "bpf-staged: $f: its egress hooks are staged" "$(tail -n 3 "$TMPS/b.out")"
	fi
	run_file bpf-staged "$f" --stage-budget 1
done
echo "bpf scenarios: $nknown known disagreements (tests/scenarios/bpf-known.txt)"
finish
