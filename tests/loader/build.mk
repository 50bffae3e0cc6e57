# tests/loader/build.mk - unit tests of the loader library.
LOADER_TESTS := json_test feed_test metrics_test feed_bpf_test netlink_test \
		logmsg_test
LOADER_TEST_BINS := $(addprefix $(BUILD)/tests/,$(LOADER_TESTS))

$(LOADER_TEST_BINS): $(BUILD)/tests/%: $(BUILD)/obj/tests/loader/%.o \
		     $(LOADER_LIB)
	$(call msg,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBBPF_LIBS) -lpthread

TEST_BINS += $(LOADER_TEST_BINS)

# feed_bpf_test runs a small XDP program against maps filled by the loader.
FEED_PROBE_OBJ := $(BUILD)/tests/loader/feed_probe.bpf.o

$(FEED_PROBE_OBJ): tests/loader/progs/feed_probe.bpf.c
	$(call msg,CLANG,$<)
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/obj/tests/loader/feed_bpf_test.o: ALL_CFLAGS += \
	-DFEED_PROBE_OBJ='"$(abspath $(FEED_PROBE_OBJ))"'
$(BUILD)/tests/feed_bpf_test: | $(FEED_PROBE_OBJ)
DEPS += $(FEED_PROBE_OBJ:.o=.d)
DEPS += $(addprefix $(BUILD)/obj/tests/loader/,$(LOADER_TESTS:=.d))

# The feed parser under libFuzzer (clang, straight from the sources);
# `make test` runs it briefly through $(BUILD)/tests/fuzz-feed.
FUZZ_FEED_SRCS := $(addprefix loader/,feed.c strbuf.c) \
	tests/loader/fuzz_feed.c
FUZZ_FEED_CFLAGS := -std=gnu11 -D_GNU_SOURCE -g -O1 \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer -I$(SRC)

$(BUILD)/fuzz/fwl-feed-fuzz: $(FUZZ_FEED_SRCS) $(wildcard loader/*.h maps/*.h)
	$(call msg,FUZZ,$@)
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_FEED_CFLAGS) -o $@ $(FUZZ_FEED_SRCS) -lz

$(BUILD)/tests/fuzz-feed: tests/loader/fuzz-feed.sh $(BUILD)/fuzz/fwl-feed-fuzz
	@mkdir -p $(@D)
	$(Q)cp $< $@ && chmod +x $@

TEST_BINS += $(BUILD)/tests/fuzz-feed
