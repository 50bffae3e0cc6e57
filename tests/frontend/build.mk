# tests/frontend/build.mk - the front end's unit tests and golden tests.
#
# The unit binary links the front-end objects only (not main.o, not the
# other passes), so it does not depend on the rest of fwlc.

FRONTEND_OBJS := $(addprefix $(BUILD)/obj/fwlc/, \
	arena.o diag.o lex.o ast.o parse.o fmt.o cmd.o builtin.o)

$(BUILD)/tests/frontend-unit: $(BUILD)/obj/tests/frontend/unit.o $(FRONTEND_OBJS)
	$(call msg,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^

TEST_BINS += $(BUILD)/tests/frontend-unit
TEST_SCRIPTS += tests/frontend/golden.sh
DEPS += $(BUILD)/obj/tests/frontend/unit.d
