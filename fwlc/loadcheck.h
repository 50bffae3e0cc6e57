/* SPDX-License-Identifier: MIT */
/* loadcheck.h - `fwlc build --load-check`, see loadcheck.c. */
#ifndef FWL_FWLC_LOADCHECK_H
#define FWL_FWLC_LOADCHECK_H

#define LOAD_MAX_PROGS 8

/* What the verifier said of one program that passed. */
struct load_prog_stats {
	char name[64];
	unsigned insns;		/* instructions after the verifier */
	unsigned jited;		/* JITed bytes */
	long processed;		/* instructions the verifier processed */
};

struct load_stats {
	struct load_prog_stats progs[LOAD_MAX_PROGS];
	int nprogs;
};

/* Load o_path (generated from c_path) into the kernel and unload it.
 * Returns 0 when every program passes the verifier (their figures in
 * *st), else -errno after printing why and, from the log's line info, the
 * line of source (the policy) that the failing code came from. */
int load_check(const char *o_path, const char *c_path, const char *source,
	       struct load_stats *st);

#endif
