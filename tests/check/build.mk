# tests/check/build.mk - the semantic checker's suites: golden diagnostics
# (golden.sh), the brute-force comparison of exhaustiveness and shadowing
# against enumeration of every packet (brute.sh).
TEST_SCRIPTS += tests/check/golden.sh tests/check/brute.sh
