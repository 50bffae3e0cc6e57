# tests/scenarios/build.mk - every .fwlt in the tree through the
# interpreter (`fwlc test`), plus the CLI cases of test/explain/replay.
#
# fwlc links libpcap for `fwlc replay` and `fwlc test --pcap` (the
# interpreter's fragment owns that one library; fwlc/build.mk links
# $(FWLC_LIBS)).
FWLC_LIBS += -lpcap
TEST_SCRIPTS += tests/scenarios/run.sh tests/scenarios/cli.sh
