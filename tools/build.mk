# tools/build.mk - fwlctl and the helper programs of tests and benchmarks.
$(BUILD)/fwlctl: $(BUILD)/obj/tools/fwlctl.o $(LOADER_LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBBPF_LIBS)

PROGRAMS += $(BUILD)/fwlctl
DEPS += $(BUILD)/obj/tools/fwlctl.d
