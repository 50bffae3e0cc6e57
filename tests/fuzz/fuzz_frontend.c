// SPDX-License-Identifier: MIT
/*
 * fuzz_frontend.c - libFuzzer target for the lexer, parser and formatter.
 *
 * Any input: lexing and parsing must not crash, hang or read out of
 * bounds, and printing the diagnostics (text and JSON) must work.  When the
 * input parses cleanly, the formatter's promises are checked too:
 * fmt(x) parses cleanly, parse(fmt(x)) == parse(x) and fmt is idempotent;
 * a broken promise aborts, so libFuzzer reports it with the input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwlc/fmt.h"
#include "fwlc/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *devnull;

static void die(const char *why, const char *a, size_t an, const char *b,
		size_t bn)
{
	fprintf(stderr, "fuzz: %s\n--- first:\n%.*s\n--- second:\n%.*s\n", why,
		(int)an, a, (int)bn, b);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 16)
		return 0;
	if (!devnull)
		devnull = fopen("/dev/null", "w");

	Arena a = {0};
	Diags d;
	diag_init(&d);
	Source *s = source_from_mem(&a, "fuzz.fwl", (const char *)data, size);
	Program *p = parse_program(s, &a, &d);
	d.format = DIAG_TEXT;
	diag_print(&d, devnull);
	d.format = DIAG_JSON;
	diag_print(&d, devnull);
	if (!diag_failed(&d)) {
		size_t n1, n2;
		char *f1 = fmt_program(p, &n1);
		Arena b = {0};
		Diags d2;
		diag_init(&d2);
		Source *s2 = source_from_mem(&b, "fmt.fwl", f1, n1);
		Program *q = parse_program(s2, &b, &d2);
		if (diag_failed(&d2)) {
			diag_print(&d2, stderr);
			die("formatted output does not parse", (const char *)data,
			    size, f1, n1);
		}
		if (!program_equal(p, q))
			die("parse(fmt(x)) != parse(x)", (const char *)data, size,
			    f1, n1);
		if (q->ncomments != p->ncomments)
			die("comments lost", (const char *)data, size, f1, n1);
		char *f2 = fmt_program(q, &n2);
		if (n1 != n2 || memcmp(f1, f2, n1) != 0)
			die("fmt is not idempotent", f1, n1, f2, n2);
		free(f1);
		free(f2);
		diag_free(&d2);
		arena_free(&b);
	}
	diag_free(&d);
	arena_free(&a);
	source_forget_all();
	return 0;
}
