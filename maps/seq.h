/* SPDX-License-Identifier: MIT */
/*
 * maps/seq.h - kernel/userspace ABI of sequence-pattern state (FlowMatch).
 *
 *   fwl_seq  LRU_HASH  key struct fwl_seq_key  value struct fwl_seq_val
 *            one entry per (pattern, flow) that has matched a first step;
 *            lifetime FLOW (kept across reloads while pattern ids stay).
 *
 * The flow is the canonical conntrack key (maps/ct.h), so both directions
 * of a flow (WGInitiation one way, WGResponse the other) share the state.
 * A pattern has at most FWL_SEQ_MAX_STEPS steps: the compiler must reject
 * longer ones (the step index is FWL_SEQ_STEP_BITS wide).
 * Timestamps CLOCK_MONOTONIC ns.  Do not reorder; append only.
 * Files that change with this one: bpf/lib/seq.h, fwlc (step limit).
 */
#ifndef FWL_MAPS_SEQ_H
#define FWL_MAPS_SEQ_H

#include <linux/types.h>
#include "maps/ct.h"

#define FWL_SEQ_LAYOUT_VERSION 1

#define FWL_SEQ_STEP_BITS	8
#define FWL_SEQ_MAX_STEPS	((1 << FWL_SEQ_STEP_BITS) - 1)	/* 255 */
#define FWL_SEQ_MAX		65536	/* default max_entries of fwl_seq */

struct fwl_seq_key {
	struct fwl_ct_key flow;	/* canonical flow key */
	__u32 pattern;		/* pattern id assigned by fwlc */
	__u32 reserved;
};
_Static_assert(sizeof(struct fwl_seq_key) == 48, "fwl_seq_key layout");

struct fwl_seq_val {
	__u64 deadline;		/* the whole sequence must finish by then */
	__u8 step;		/* steps matched so far (next expected) */
	__u8 reserved[7];
};
_Static_assert(sizeof(struct fwl_seq_val) == 16, "fwl_seq_val layout");

/* Results of fwl_seq_step() */
#define FWL_SEQ_NONE		0	/* no sequence in progress */
#define FWL_SEQ_PARTIAL		1	/* some steps matched, in time */
#define FWL_SEQ_MATCHED		2	/* every step matched in time */

#endif
