# tests/loader/build.mk - unit tests of the loader library.
LOADER_TESTS := json_test feed_test metrics_test
LOADER_TEST_BINS := $(addprefix $(BUILD)/tests/,$(LOADER_TESTS))

$(LOADER_TEST_BINS): $(BUILD)/tests/%: $(BUILD)/obj/tests/loader/%.o \
		     $(LOADER_LIB)
	$(call msg,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBBPF_LIBS) -lpthread

TEST_BINS += $(LOADER_TEST_BINS)
DEPS += $(addprefix $(BUILD)/obj/tests/loader/,$(LOADER_TESTS:=.d))
