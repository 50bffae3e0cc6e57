/* SPDX-License-Identifier: MIT */
/*
 * fmt.h - the canonical printer (fwlc fmt).
 *
 * fmt_program() prints a Program in FWL's one canonical layout, keeping
 * every comment of the source.  It is idempotent (formatting its output
 * changes nothing) and parsing its output gives an equal AST
 * (program_equal).  Canonical spelling: Unicode operators (∈ ∉ → is
 * written ->, ≠ ≤ ≥), two-space indentation, arms aligned on their '->'.
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

#endif
