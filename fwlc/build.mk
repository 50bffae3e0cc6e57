# fwlc/build.mk - the FWL compiler, fwlc.
#
# Every fwlc/*.c is part of fwlc (the wildcard in $(call objs,fwlc) picks up
# new files); main.c holds the command table.

FWLC_OBJS := $(call objs,fwlc)
FWLC_LIBS += $(LIBBPF_LIBS)	# build --load-check

$(BUILD)/fwlc: $(FWLC_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(FWLC_LIBS)

PROGRAMS += $(BUILD)/fwlc
DEPS += $(FWLC_OBJS:.o=.d)
