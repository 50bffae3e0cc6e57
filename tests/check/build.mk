# tests/check/build.mk - the semantic checker's suites: golden diagnostics
# (golden.sh) and the brute-force comparison of exhaustiveness, shadowing
# and redundancy against enumeration of every packet class (brute.c).
# brute links every fwlc object but main.o.

CHECK_BRUTE_OBJS := $(BUILD)/obj/tests/check/brute.o \
	$(filter-out %/main.o,$(FWLC_OBJS))

$(BUILD)/tests/check-brute: $(CHECK_BRUTE_OBJS) $(FWLC_LOADER_LIB)
	$(call msg,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(FWLC_LIBS)

TEST_BINS += $(BUILD)/tests/check-brute
TEST_SCRIPTS += tests/check/golden.sh
DEPS += $(BUILD)/obj/tests/check/brute.d
