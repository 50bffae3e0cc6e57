# loader/build.mk - fwld and the loader library (also used by tools/).
LOADER_OBJS := $(filter-out $(BUILD)/obj/loader/fwld.o,$(call objs,loader))
LOADER_LIB  := $(BUILD)/libfwlload.a

$(LOADER_LIB): $(LOADER_OBJS)
	$(call msg,AR,$@)
	$(Q)$(AR) rcs $@ $^

$(BUILD)/fwld: $(BUILD)/obj/loader/fwld.o $(LOADER_LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBBPF_LIBS) $(LIBXDP_LIBS)

PROGRAMS += $(BUILD)/fwld
DEPS += $(LOADER_OBJS:.o=.d) $(BUILD)/obj/loader/fwld.d
