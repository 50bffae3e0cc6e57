# fwlc/build.mk - the FWL compiler, fwlc.
#
# Every fwlc/*.c is part of fwlc (the wildcard in $(call objs,fwlc) picks up
# new files); main.c holds the command table (add a command there and its
# prototype in fwlc/cmd.h).  A pass that needs a library appends it to
# FWLC_LIBS (e.g. FWLC_LIBS += $(LIBBPF_LIBS)) from its own fragment or here.

FWLC_OBJS := $(call objs,fwlc)
FWLC_LIBS += $(LIBBPF_LIBS)	# build --load-check

# fwlc test --backend bpf loads bundles with the loader's library (maps.bin,
# interfaces, addresses): the same code fwld runs.
FWLC_LOADER_LIB := $(BUILD)/libfwlload.a

$(BUILD)/fwlc: $(FWLC_OBJS) $(FWLC_LOADER_LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(FWLC_LIBS)

PROGRAMS += $(BUILD)/fwlc
DEPS += $(FWLC_OBJS:.o=.d)
