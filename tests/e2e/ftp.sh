#!/usr/bin/env bash
# tests/e2e/ftp.sh - the FTP helper with real traffic: the lab router runs
# tests/e2e/policies/ftp.fwl, which lets passive data connections in only
# as Related via the helper.  A passive exchange (tests/e2e/ftp.py) with
# the WAN host works on port 21 (helper: PASV/227 and EPSV/229) and fails
# on port 2121 (no helper), although it works there without the firewall;
# the named counter shows in fwlctl stats, bpftool and /metrics.
set -u
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/e2e.sh"
need_root ftp_needs_root

POLICY=$FWL_SRC/tests/e2e/policies/ftp.fwl
FTP="python3 $FWL_SRC/tests/e2e/ftp.py"
e2e_lab ftp
lab_bg wan $FTP server 21
lab_bg wan $FTP server 2121
# Both servers listen before any client starts (python is slow to start
# on a loaded machine): bounded wait, 20 s.
for i in $(seq 1 200); do
	l=$(lab_exec wan ss -ltnH 2>/dev/null)
	case $l in *:21\ *) case $l in *:2121\ *) break ;; esac ;; esac
	sleep 0.1
done

# Without the firewall both control ports work: the exchange is sound.
assert_eq exchange_works_unfiltered_2121 \
	"$(lab_exec lan timeout 20 $FTP client 203.0.113.2 2121)" "DATA-OK"

out=$(lab_exec router "$FWLD" --policy "$POLICY" --pin-dir "$PIN" --run-dir "$RUN" 2>&1)
rc=$?
assert_eq fwld_starts "$rc" 0
[ "$rc" -eq 0 ] || { echo "$out"; exit 1; }
[ -e "$PIN/maps/fwl_ct_expect" ] && pass expect_map_pinned ||
	fail expect_map_pinned "no fwl_ct_expect pin"

# With the helper (port 21) the data connection is Related: it passes.
assert_eq passive_227_with_helper \
	"$(lab_exec lan timeout 20 $FTP client 203.0.113.2 21)" "DATA-OK"
assert_eq passive_229_with_helper \
	"$(lab_exec lan timeout 20 $FTP client 203.0.113.2 21 epsv)" "DATA-OK"
# Without it (port 2121) the data connection is New: dropped.
r=$(lab_exec lan timeout 20 $FTP client 203.0.113.2 2121)
assert_contains passive_without_helper_dropped "$r" "DATA-FAIL"
# The control connection on 2121 itself was allowed (the 227 arrived).
assert_not_contains control_2121_allowed "$r" "no passive reply"

# fwlctl ct: the control flows carry the helper; the data flows were
# expected and offloaded (they are gone when their TIME_WAIT is reaped,
# which takes longer than this test).
ct=$(lab_exec router "$FWLCTL" --run-dir "$RUN" ct --port 21)
assert_contains ct_control_has_helper "$ct" "helper=ftp"
ct=$(lab_exec router "$FWLCTL" --run-dir "$RUN" ct --addr 10.17.1.10)
assert_contains ct_data_expected_offloaded "$ct" "[Expected] [Offload] helper=ftp"
assert_not_contains ct_2121_no_helper \
	"$(lab_exec router "$FWLCTL" --run-dir "$RUN" ct --port 2121)" "helper="

# Expectations are single use: both were consumed.
n=$(bpftool map dump pinned "$PIN/maps/fwl_ct_expect" 2>/dev/null | grep -c '"key"')
assert_eq expectations_used_up "$n" 0

# The named counter: each data connection's first reply went through the
# rule (then offloaded); fwlctl, bpftool and Prometheus say so.
stats=$(lab_exec router "$FWLCTL" --run-dir "$RUN" --json stats)
pk=$(echo "$stats" | grep '"name": "ftp_data"' | grep -o '"packets": [0-9]*' | grep -o '[0-9]*$')
[ "${pk:-0}" -ge 2 ] && pass fwlctl_stats_counter ||
	fail fwlctl_stats_counter "ftp_data packets '${pk:-}' in: $stats"
assert_contains fwlctl_stats_names_counter \
	"$(lab_exec router "$FWLCTL" --run-dir "$RUN" stats)" "ftp_data"
id=$(echo "$stats" | grep '"name": "ftp_data"' | grep -o '"id": [0-9]*' | grep -o '[0-9]*$')
dump=$(bpftool map lookup pinned "$PIN/maps/fwl_named_cnt" \
	key $((${id:-0} & 255)) $((${id:-0} >> 8 & 255)) 0 0 2>&1)
assert_contains bpftool_counter_btf "$dump" '"packets"'
sum=$(echo "$dump" | grep -o '"packets": [0-9]*' | grep -o '[0-9]*$' | paste -sd+ | bc)
assert_eq bpftool_agrees_with_fwlctl "${sum:-x}" "${pk:-y}"
metrics=$(lab_exec router bash -c 'exec 3<>/dev/tcp/127.0.0.1/9464 &&
	printf "GET /metrics HTTP/1.0\r\n\r\n" >&3 && timeout 5 cat <&3')
assert_contains metrics_counter "$metrics" "fwl_counter_packets_total{counter=\"ftp_data\"} $pk"
finish
