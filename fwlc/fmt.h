/* SPDX-License-Identifier: MIT */
/*
 * fmt.h - the canonical printer (fwlc fmt).
 *
 * fmt_program() prints a Program in FWL's one canonical layout, keeping
 * every comment of the source.  It is idempotent (formatting its output
 * changes nothing) and parsing its output gives an equal AST
 * (program_equal).  Canonical spelling: ∈ ∉ ≠ ≤ ≥ in Unicode; ->, &&, ||
 * and the lambda backslash in ASCII; two-space indentation; 80 columns;
 * one-line arms (and map entries) aligned on their '->'.
 */
#ifndef FWLC_FMT_H
#define FWLC_FMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "fwlc/ast.h"

/* The formatted text, malloc'ed and NUL-terminated; *len gets its length. */
char *fmt_program(const Program *p, size_t *len);
/* Print the formatted text to out as it is made; false on a write error. */
bool fmt_program_to(const Program *p, FILE *out);

/*
 * One node in canonical FWL on a single line, malloc'ed: for messages
 * (a checker's witness "missing: IPv4(ip { src ∈ 10.0.128.0/17 }, _)").
 * The nodes need no spans or source.
 */
char *fmt_pat_str(const Pat *p);
char *fmt_expr_str(const Expr *e);
char *fmt_type_str(const Type *t);

#endif
