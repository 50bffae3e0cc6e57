# tests/loader/build.mk - unit tests of the loader library.
$(BUILD)/tests/json_test: $(BUILD)/obj/tests/loader/json_test.o $(LOADER_LIB)
	$(call msg,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBBPF_LIBS)

TEST_BINS += $(BUILD)/tests/json_test
DEPS += $(BUILD)/obj/tests/loader/json_test.d
