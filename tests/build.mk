# tests/build.mk - shared test infrastructure.  Suites add themselves to
# TEST_BINS (C binaries under $(BUILD)/tests) or TEST_SCRIPTS (shell) from
# their own tests/<suite>/build.mk.
