/* SPDX-License-Identifier: MIT */
/*
 * budget.h - what the kernel's verifier will think of the decision code,
 * estimated before clang runs (`fwlc build` prints it, manifest.json
 * records it; `--load-check` measures the real figures).
 *
 * Per hook: the BPF instructions of the generated decision code, its
 * conditional branches, the noinline parts it is cut into (gen_bpf.c) and
 * an estimate of the instructions the verifier processes for it.  The
 * entry program's own libraries (parsing, conntrack, NAT) come on top:
 * about 11,000 processed instructions for a stateless policy.
 */
#ifndef FWL_FWLC_BUDGET_H
#define FWL_FWLC_BUDGET_H

#include <stdio.h>

#include "fwlc/ir.h"

/* The kernel's limits for a privileged loader (kernel/bpf/verifier.c,
 * include/linux/bpf.h): processed instructions per program load, and
 * subprograms (our noinline parts share these with the entry's own). */
#define BUDGET_MAX_PROCESSED 1000000L
#define BUDGET_MAX_SUBPROGS 256
/* An entry program (fwl_ingress, fwl_egress) whose hooks' decision code
 * is estimated above this many processed instructions runs its costliest
 * hooks in tail-called stages of at most this much each (gen_bpf.c); the
 * entry program's own work needs the rest. */
#define BUDGET_STAGE_PROCESSED 400000L
/* ... and noinline parts: the entry program's own functions need the
 * rest of the kernel's 256. */
#define BUDGET_STAGE_SUBPROGS 192
/* ... and conditional branches: the verifier keeps the branches it has
 * still to walk on a stack of at most 8192 (BPF_COMPLEXITY_LIMIT_JMP_SEQ,
 * "the sequence of 8193 jumps is too complex"); a path that matches no
 * arm leaves about every other branch of the arms it passed there. */
#define BUDGET_STAGE_BRANCHES 8192L
#define BUDGET_MAX_STAGES 8	/* per hook; tail calls per packet: 33 */
/* fwlc warns past this share of the processed limit: the estimate is
 * rough.  Noinline parts are counted exactly: it warns when a program
 * holds more than BUDGET_STAGE_SUBPROGS (the stages could not split them
 * further, BUDGET_MAX_STAGES). */
#define BUDGET_WARN_PERCENT 50

struct budget_hook {
	enum ir_hook hook;
	long insns;		/* BPF instructions of the decision code */
	long branches;		/* conditional jumps among them */
	int parts;		/* functions: 1 per policy not cut */
	int subprogs;		/* noinline parts among them */
	int lookups;		/* table lookups (one per shape) */
	int stages;		/* tail-called programs (1: not staged) */
	int max_parts;		/* noinline parts in its fullest stage, or
				   all of them when not staged */
	long processed;		/* estimated verifier-processed insns */
};

struct budget {
	struct budget_hook hooks[IR_HOOK_COUNT];
	int nhooks;
	long processed;		/* all hooks */
	int subprogs;		/* all noinline parts */
};

void budget_estimate(const struct ir_prog *ir, struct budget *b);
/* Estimated processed instructions of arms [from, to) of pol as one
 * function (r: the first table run not before from); its conditional
 * branches in *branches unless NULL. */
long budget_items(const struct ir_prog *ir, const struct ir_policy *pol,
		  int from, int to, int r, long *branches);
/* "hook Input: 1,234 insns, ..." lines on f; a warning when a limit is
 * near.  Returns 1 when it warned. */
int budget_report(FILE *f, const struct budget *b);

#endif
