# tests/scenarios/build.mk - every .fwlt in the tree through the
# interpreter (`fwlc test`) and the compiled BPF object (`--backend bpf`),
# `fwlc difftest`, plus the CLI cases of test/explain/replay.
#
# fwlc links libpcap for `fwlc replay` and `fwlc test --pcap` (the
# interpreter's fragment owns that one library; fwlc/build.mk links
# $(FWLC_LIBS)).
FWLC_LIBS += -lpcap
TEST_SCRIPTS += tests/scenarios/run.sh tests/scenarios/cli.sh
# the same files on the compiled object, and the differential fuzzer (root)
TEST_SCRIPTS += tests/scenarios/bpf.sh tests/scenarios/difftest.sh

# the packet builder/parser unit tests
$(BUILD)/tests/pkt_test: $(BUILD)/obj/tests/scenarios/pkt_test.o \
		$(BUILD)/obj/fwlc/pkt.o
	$(call msg,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^

TEST_BINS += $(BUILD)/tests/pkt_test
DEPS += $(BUILD)/obj/tests/scenarios/pkt_test.d
