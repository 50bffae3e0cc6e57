# tests/bpf/build.mk - BPF_PROG_TEST_RUN suites for bpf/lib.
#
# tests/bpf/progs/NAME.bpf.c  -> $(BUILD)/tests/bpf/NAME.bpf.o  (clang -target bpf)
# tests/bpf/test_NAME.c       -> $(BUILD)/tests/bpf/test_NAME   (libbpf harness)
# The harness finds the objects through TEST_BPF_DIR (absolute, baked in).

TBPF_DIR   := $(BUILD)/tests/bpf
TBPF_OBJS  := $(patsubst tests/bpf/progs/%.bpf.c,$(TBPF_DIR)/%.bpf.o,\
                $(wildcard tests/bpf/progs/*.bpf.c))
TBPF_BINS  := $(patsubst tests/bpf/%.c,$(TBPF_DIR)/%,\
                $(wildcard tests/bpf/test_*.c))
TBPF_LIB   := $(BUILD)/obj/tests/bpf/harness.o $(BUILD)/obj/tests/bpf/pktgen.o

$(TBPF_DIR)/%.bpf.o: tests/bpf/progs/%.bpf.c
	$(call msg,CLANG,$<)
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/obj/tests/bpf/harness.o: ALL_CFLAGS += \
	-DTEST_BPF_DIR='"$(abspath $(TBPF_DIR))"'

$(TBPF_DIR)/test_%: $(BUILD)/obj/tests/bpf/test_%.o $(TBPF_LIB) | $(TBPF_OBJS)
	$(call msg,LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBBPF_LIBS)

TEST_BINS += $(TBPF_BINS)
DEPS += $(TBPF_OBJS:.o=.d) $(TBPF_BINS:$(TBPF_DIR)/%=$(BUILD)/obj/tests/bpf/%.d) \
	$(TBPF_LIB:.o=.d)

# Name the intermediates so make neither deletes nor rebuilds them each run.
TBPF_TOBJS := $(TBPF_BINS:$(TBPF_DIR)/%=$(BUILD)/obj/tests/bpf/%.o)
$(TBPF_BINS): $(TBPF_LIB) | $(TBPF_OBJS)
.SECONDARY: $(TBPF_TOBJS) $(TBPF_OBJS)

# The data-plane benchmark driver (tools/bench.d/dataplane, make bench).
$(BUILD)/bench-dataplane: $(BUILD)/obj/tools/bench-dataplane.o $(TBPF_LIB) \
		| $(TBPF_DIR)/bench.bpf.o
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBBPF_LIBS)

PROGRAMS += $(BUILD)/bench-dataplane
DEPS += $(BUILD)/obj/tools/bench-dataplane.d

# ns/packet of compiled policies (tools/bench.d/dataplane, make bench).
$(BUILD)/bench-policy: $(BUILD)/obj/tools/bench-policy.o $(LOADER_LIB) \
		$(TBPF_LIB) | $(TBPF_DIR)/bench.bpf.o
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBBPF_LIBS)

PROGRAMS += $(BUILD)/bench-policy
DEPS += $(BUILD)/obj/tools/bench-policy.d
