/* SPDX-License-Identifier: MIT */
/*
 * scenario_bpf.h - the BPF backend's compiled policies (scenario_bpf.c,
 * scenario_bpf_build.c).
 *
 * bpf_policy_build() runs fwlc build's pipeline (fwlc_build()) on a parsed
 * policy's text into a temporary bundle, loads its manifest with the
 * loader's library and keeps the IR for the names of rule ids, flows,
 * feeds and log prefixes.  Results are cached by the policy text for the
 * life of the process; the temporary directories go at exit.
 */
#ifndef FWLC_SCENARIO_BPF_H
#define FWLC_SCENARIO_BPF_H

#include <stdbool.h>
#include <stdint.h>

#include "fwlc/arena.h"
#include "fwlc/ast.h"
#include "fwlc/ir.h"
#include "loader/bundle.h"

typedef struct Built {
	uint64_t hash;		/* of the policy text */
	char dir[64];		/* the temporary directory */
	bool ok;		/* else err says why */
	char err[512];
	struct bundle b;	/* dir/bundle's manifest */
	Arena arena;
	struct ir_prog ir;
	/* the loaded object, kept for the next case (scenario_bpf.c resets
	   its state maps instead of loading it again: the verifier is the
	   slow part) */
	struct bpf_object *obj;
	struct ring_buffer *rb;
	void *cur;		/* the case reading rb */
	struct Built *next;
} Built;

/* The compiled policy of prog (NULL: out of memory; check ->ok). */
Built *bpf_policy_build(const Program *prog);

#endif
