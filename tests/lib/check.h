/* SPDX-License-Identifier: MIT */
/*
 * check.h - the assertion vocabulary of FWL's C test suites.
 *
 * Each case prints "PASS name" or "FAIL name: why" (tests/run.sh counts them).
 *
 *	static void test_lexer_ports(void)
 *	{
 *		CHECK(tok.kind == TK_PORT, "kind %d", tok.kind);
 *		CHECK_STR(out, "Allow");
 *	}
 *	int main(void) { RUN(test_lexer_ports); return check_done(); }
 *
 * A case passes when it made at least one check and none failed; a case that
 * checks nothing fails (an assertion that cannot fail is no test).
 */
#ifndef FWL_TESTS_CHECK_H
#define FWL_TESTS_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_case_failed;	/* failures in the running case */
static int check_case_checks;	/* checks made by the running case */
static int check_failed_cases;	/* cases failed so far */

#define CHECK(cond, ...)                                                      \
	do {                                                                  \
		check_case_checks++;                                          \
		if (!(cond)) {                                                \
			check_case_failed++;                                  \
			printf("  %s:%d: check failed: %s: ", __FILE__,       \
			       __LINE__, #cond);                              \
			printf(__VA_ARGS__);                                  \
			printf("\n");                                         \
		}                                                             \
	} while (0)

#define CHECK_STR(got, want)                                                  \
	do {                                                                  \
		const char *g_ = (got), *w_ = (want);                         \
		CHECK(g_ && strcmp(g_, w_) == 0,                              \
		      "\n    got:  \"%s\"\n    want: \"%s\"", g_ ? g_ : "(null)", w_); \
	} while (0)

#define CHECK_INT(got, want)                                                  \
	do {                                                                  \
		long long g_ = (long long)(got), w_ = (long long)(want);      \
		CHECK(g_ == w_, "got %lld, want %lld", g_, w_);               \
	} while (0)

#define RUN(fn) check_run(#fn, fn)

static inline void check_run(const char *name, void (*fn)(void))
{
	check_case_failed = 0;
	check_case_checks = 0;
	fn();
	if (check_case_checks == 0)
		printf("FAIL %s: made no check\n", name);
	else if (check_case_failed)
		printf("FAIL %s: %d of %d checks failed\n", name,
		       check_case_failed, check_case_checks);
	else
		printf("PASS %s\n", name);
	if (check_case_checks == 0 || check_case_failed)
		check_failed_cases++;
	fflush(stdout);
}

static inline int check_done(void)
{
	return check_failed_cases ? 1 : 0;
}

#endif
