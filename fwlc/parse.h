/* SPDX-License-Identifier: MIT */
/*
 * parse.h - the FWL parser: one Source in, one Program (ast.h) out.
 *
 *	Arena a = {0};
 *	Diags d;
 *	diag_init(&d);
 *	Source *src = source_read(&a, "home.fwl");
 *	Program *p = parse_program(src, &a, &d);	// never NULL
 *	if (diag_failed(&d)) ...			// syntax errors
 *	diag_print(&d, stderr);
 *
 * A recursive-descent parser, one function per grammar rule with the rule
 * above it (docs/language.md has the whole grammar).  On a syntax error it
 * reports, skips to the next declaration keyword at the start of a line
 * (or a misspelling of one in column 1) and goes on, so one run reports
 * the errors of every declaration; the declarations that failed are left
 * out of the Program.  Nesting deeper than FWL_MAX_DEPTH (brackets, and
 * operator chains, which make trees as deep) is an error (E0107), not a
 * stack overflow.
 */
#ifndef FWLC_PARSE_H
#define FWLC_PARSE_H

#include "fwlc/ast.h"
#include "fwlc/diag.h"

#define FWL_MAX_DEPTH 200

Program *parse_program(const Source *src, Arena *a, Diags *d);

#endif
