# tests/backend/build.mk - fwlc build's bundles: verifier, specialization,
# classification tables against code (bundle-run feeds both the packets).
TEST_SCRIPTS += tests/backend/build.sh tests/backend/tables.sh

# bundle-run: a bundle's XDP program under BPF_PROG_TEST_RUN, maps.bin filled.
$(BUILD)/tests/backend/bundle-run: $(BUILD)/obj/tests/backend/bundle_run.o \
		$(LOADER_LIB) $(BUILD)/obj/tests/bpf/harness.o \
		$(BUILD)/obj/tests/bpf/pktgen.o
	$(call msg,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBBPF_LIBS)

PROGRAMS += $(BUILD)/tests/backend/bundle-run
DEPS += $(BUILD)/obj/tests/backend/bundle_run.d
