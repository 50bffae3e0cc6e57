# tests/check/build.mk - the semantic checker's suites: golden diagnostics
# (golden.sh), the brute-force comparison of exhaustiveness, shadowing
# and redundancy against enumeration of every packet class (brute.c), and
# the same on policies that test large constant sets (bigsets.c).
# brute and bigsets link every fwlc object but main.o.

CHECK_FWLC_OBJS := $(filter-out %/main.o,$(FWLC_OBJS))

$(BUILD)/tests/check-brute: $(BUILD)/obj/tests/check/brute.o \
		$(CHECK_FWLC_OBJS) $(FWLC_LOADER_LIB)
	$(call msg,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(FWLC_LIBS)

$(BUILD)/tests/check-bigsets: $(BUILD)/obj/tests/check/bigsets.o \
		$(CHECK_FWLC_OBJS) $(FWLC_LOADER_LIB)
	$(call msg,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(FWLC_LIBS)

TEST_BINS += $(BUILD)/tests/check-brute $(BUILD)/tests/check-bigsets
TEST_SCRIPTS += tests/check/golden.sh
DEPS += $(BUILD)/obj/tests/check/brute.d $(BUILD)/obj/tests/check/bigsets.d
