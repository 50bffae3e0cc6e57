# tests/fuzz/build.mk - libFuzzer target for the front end.
#
# Built with clang -fsanitize=fuzzer,address,undefined straight from the
# front-end sources.  `make test` runs it for ~20 s through the suite
# $(BUILD)/tests/fuzz-frontend (a copy of tests/fuzz/smoke.sh that depends
# on the fuzzer, so building the test suites builds it); `make fuzz` runs
# tools/fuzz.sh for FUZZ_SECONDS.

FUZZ_FRONTEND_SRCS := $(addprefix fwlc/,arena.c diag.c lex.c ast.c parse.c \
	fmt.c cmd.c) tests/fuzz/fuzz_frontend.c
FUZZ_CFLAGS := -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -fno-omit-frame-pointer -I$(SRC) \
	-DFWL_SRCDIR='"$(SRC)"'

$(BUILD)/fuzz/fwl-frontend-fuzz: $(FUZZ_FRONTEND_SRCS) $(wildcard fwlc/*.h)
	$(call msg,FUZZ,$@)
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -o $@ $(FUZZ_FRONTEND_SRCS)

$(BUILD)/tests/fuzz-frontend: tests/fuzz/smoke.sh $(BUILD)/fuzz/fwl-frontend-fuzz
	@mkdir -p $(@D)
	$(Q)cp $< $@ && chmod +x $@

TEST_BINS += $(BUILD)/tests/fuzz-frontend
