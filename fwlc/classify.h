/* SPDX-License-Identifier: MIT */
/*
 * classify.h - runs of plain header-match arms as classification tables.
 *
 * After lowering, classify_program() finds in each policy and rule the
 * runs of consecutive *table arms* -- arms whose tests are only equality
 * of ethertype, IP protocol and ports and IPv4 prefixes, without guard,
 * whose action is Allow, Drop or Continue -- and turns a run into
 * entries of the fwl_cls map (maps/cls.h), grouped by shape.  gen_bpf
 * then emits one lookup per shape instead of one `if` per arm; mapdata
 * writes the entries to maps.bin.  Every other arm stays code, in order,
 * so first-match semantics hold across code and tables.
 */
#ifndef FWL_FWLC_CLASSIFY_H
#define FWL_FWLC_CLASSIFY_H

#include "fwlc/arena.h"
#include "fwlc/ir.h"

enum cls_mode {
	CLS_AUTO,	/* runs of at least CLS_MIN_ARMS arms */
	CLS_ALWAYS,	/* every run, even of one arm (tests) */
	CLS_NEVER,	/* no tables: every arm is code */
};

#define CLS_MIN_ARMS 32		/* shorter runs are cheaper as code */
#define CLS_MAX_ALTS 64		/* entries one arm may expand to */

/* Fill ir->cls and each policy's runs.  Returns 0, or -1 (out of table
 * ids: cannot happen below 2^32 shapes). */
int classify_program(struct ir_prog *ir, Arena *a, enum cls_mode mode);

#endif
