# tests/lib/e2e.sh - the end-to-end suites' common setup, sourced after
# tests/lib/lib.sh.
#
#   e2e_lab NAME   build the lab (tools/lab.sh); set PIN (bpffs pin dir),
#                  RUN (fwld's run dir) and TMP, unique per run; on exit
#                  stop fwld, remove its pins, the files and the lab
#   rule_field STATS_JSON RULE FIELD   a rule's field in `fwlctl --json stats`

. "$FWL_SRC/tools/lab.sh"

e2e_cleanup() {
	lab_exec router "$FWLCTL" --run-dir "$RUN" stop >/dev/null 2>&1
	"$FWLD" --cleanup --pin-dir "$PIN" >/dev/null 2>&1
	rm -rf "$RUN" "$TMP"
	lab_down
}

e2e_lab() {
	lab_up || { fail lab_up "cannot build the lab"; exit 1; }
	PIN=/sys/fs/bpf/fwl-$1-$LAB_ID
	RUN=/run/fwl-$1-$LAB_ID
	TMP=$(mktemp -d)
	trap e2e_cleanup EXIT
}

# fwld's reply has one rule per line.
rule_field() {
	echo "$1" | grep "\"name\": \"$2\"" | grep -o "\"$3\": [0-9]*" |
		grep -o '[0-9]*$'
}
