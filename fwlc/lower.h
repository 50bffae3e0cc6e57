/* SPDX-License-Identifier: MIT */
/*
 * lower.h - from the checked AST to the decision IR (ir.h).
 *
 * Lowering refuses, with an E07xx diagnostic on the construct, anything the
 * BPF backend cannot compile yet: it never drops a test it does not
 * understand, because an arm that tests less matches more.
 */
#ifndef FWL_FWLC_LOWER_H
#define FWL_FWLC_LOWER_H

#include "fwlc/ast.h"
#include "fwlc/check.h"
#include "fwlc/diag.h"
#include "fwlc/ir.h"

/* Lower every policy of the checked prog into ir (memory from a), with
 * the names and types chk found.  Returns 0, or -1 when diagnostics were
 * reported. */
int lower_program(const Program *prog, const Check *chk, Arena *a, Diags *d,
		  struct ir_prog *ir);

#endif
