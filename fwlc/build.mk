# fwlc/build.mk - the FWL compiler, fwlc.
#
# Every fwlc/*.c is part of fwlc (the wildcard in $(call objs,fwlc) picks up
# new files); main.c holds the command table (add a command there and its
# prototype in fwlc/cmd.h).  A pass that needs a library appends it to
# FWLC_LIBS (e.g. FWLC_LIBS += $(LIBBPF_LIBS)) from its own fragment or here.

FWLC_OBJS := $(call objs,fwlc)
# fwlc test --backend bpf loads bundles with the loader's library (maps.bin,
# interfaces, addresses): the same code fwld runs.  Whatever links fwlc's
# objects links $(FWLC_LIBS) and depends on $(FWLC_LOADER_LIB).
FWLC_LOADER_LIB := $(BUILD)/libfwlload.a
FWLC_LIBS += $(FWLC_LOADER_LIB) $(LIBBPF_LIBS)	# --backend bpf, --load-check

$(BUILD)/fwlc: $(FWLC_OBJS) $(FWLC_LOADER_LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(FWLC_LIBS)

PROGRAMS += $(BUILD)/fwlc
DEPS += $(FWLC_OBJS:.o=.d)
