# tests/backend/build.mk - fwlc build's bundles: verifier, specialization,
# classification tables against code (bundle-run feeds both the packets).
TEST_SCRIPTS += tests/backend/build.sh tests/backend/tables.sh \
	tests/backend/stages.sh \
	tests/backend/refuse.sh

# bundle-run: a bundle's XDP program under BPF_PROG_TEST_RUN, maps.bin filled.
$(BUILD)/tests/backend/bundle-run: $(BUILD)/obj/tests/backend/bundle_run.o \
		$(LOADER_LIB) $(BUILD)/obj/tests/bpf/harness.o \
		$(BUILD)/obj/tests/bpf/pktgen.o
	$(call msg,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBBPF_LIBS)

PROGRAMS += $(BUILD)/tests/backend/bundle-run
DEPS += $(BUILD)/obj/tests/backend/bundle_run.d

# Policies compiled by fwlc, run under BPF_PROG_TEST_RUN (libbpf harness of
# tests/bpf; tests/bpf/build.mk is read after this file, so name its
# objects here).
TBACK_LIB := $(BUILD)/obj/tests/bpf/harness.o $(BUILD)/obj/tests/bpf/pktgen.o

$(BUILD)/tests/backend/test_ftfw: $(BUILD)/obj/tests/backend/test_ftfw.o \
		$(TBACK_LIB) | $(BUILD)/fwlc
	$(call msg,LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) $(LIBBPF_LIBS)

TEST_BINS += $(BUILD)/tests/backend/test_ftfw
DEPS += $(BUILD)/obj/tests/backend/test_ftfw.d
.SECONDARY: $(BUILD)/obj/tests/backend/test_ftfw.o
