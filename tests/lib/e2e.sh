# tests/lib/e2e.sh - the end-to-end suites' common setup, sourced after
# tests/lib/lib.sh.
#
#   e2e_lab NAME   build the lab (tools/lab.sh); set PIN (bpffs pin dir),
#                  RUN (fwld's run dir) and TMP, unique per run; on exit
#                  stop fwld, remove its pins, the files and the lab (also
#                  PIN-N and RUN-N, N a digit, of a second daemon)
#   rule_field STATS_JSON RULE FIELD   a rule's field in `fwlctl --json stats`

. "$FWL_SRC/tools/lab.sh"

e2e_cleanup() {
	local d
	lab_exec router "$FWLCTL" --run-dir "$RUN" stop >/dev/null 2>&1
	# Also the second daemons' dirs a suite may use ($PIN-2, $RUN-2, ...).
	for d in "$PIN" "$PIN"-[0-9]; do
		[ -e "$d" ] && "$FWLD" --cleanup --pin-dir "$d" >/dev/null 2>&1
	done
	rm -rf "$RUN" "$RUN"-[0-9] "$TMP"
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

# iface FIELD NAME: a field of interface NAME in the lab router's
# `fwlctl --json status` (run dir $RUN).
iface() {
	lab_exec router "$FWLCTL" --run-dir "$RUN" --json status 2>/dev/null |
		python3 -c '
import json, sys
for i in json.load(sys.stdin).get("interfaces", []):
    if i["name"] == sys.argv[2]:
        print(i.get(sys.argv[1], ""))' "$1" "$2"
}

# wait_state NAME STATE: up to 5 s for fwld to report interface NAME so.
wait_state() {
	local i
	for i in $(seq 1 50); do
		[ "$(iface state "$1")" == "$2" ] && return 0
		sleep 0.1
	done
	return 1
}
