# tests/space/build.mk - the packet-space library's unit, differential and
# benchmark binary.  Links fwlc/space.o alone: the library has no other
# dependency.  `build/tests/space_test bench [N...]` times the analyses.
SPACE_TEST := $(BUILD)/tests/space_test
SPACE_TEST_OBJS := $(BUILD)/obj/fwlc/space.o \
                   $(BUILD)/obj/tests/space/space_test.o

$(SPACE_TEST): $(SPACE_TEST_OBJS)
	$(call msg,LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^

TEST_BINS += $(SPACE_TEST)
DEPS += $(SPACE_TEST_OBJS:.o=.d)
