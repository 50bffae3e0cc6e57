/* SPDX-License-Identifier: MIT */
/*
 * gen_bpf.h - emit a policy's decision code as BPF C.
 *
 * The output defines one function per hook the policy uses,
 * `fwl_hook_<hook>(struct fwl_pkt *p)` returning FWL_VERDICT_*, sets
 * FWL_HOOK_<HOOK> for each, then includes the hand-written entry programs
 * (bpf/ingress.h), which parse the packet and call the hooks in order.
 * Features a policy does not use are never included.
 */
#ifndef FWL_FWLC_GEN_BPF_H
#define FWL_FWLC_GEN_BPF_H

#include <stdio.h>

#include "fwlc/ir.h"

/* Arms (or table runs) per noinline part of a long policy, see gen_bpf.c. */
#define GEN_PART_ITEMS 16

/* Write the BPF C of ir to f.  Returns 0 or -errno.  Each policy (and
 * part) function starts with the comment line "/ * fwl:line N * /" (N: its
 * first arm's line in the policy), each arm with its own, and the function
 * ends with "/ * fwl:end * /"; `fwlc build` turns them into #line
 * directives (gen_bpf_lines), so that clang's line info -- BTF takes the
 * file from the function, the line from the instruction -- and with it
 * the verifier's log name the policy's file and line. */
int gen_bpf(FILE *f, const struct ir_prog *ir);

/* The end (arm index) of the part of pol starting at arm from; r is the
 * first table run not before from.  A policy that ends in one part is
 * emitted as a single function. */
int gen_part_end(const struct ir_policy *pol, int from, int r);

/* The tail-called stages of hook h: 0 (no policy), 1 (not staged) or
 * more; with stage_of, the stage of each step (malloc'ed).  See gen_bpf.c. */
int gen_hook_stages(const struct ir_prog *ir, enum ir_hook h, int **stage_of);

/* The noinline parts of hook h's decision code in its fullest program:
 * its largest stage when staged, else all of them (they share the entry
 * program with its entry's other unstaged hooks). */
int gen_hook_max_parts(const struct ir_prog *ir, enum ir_hook h);

/* Copy generated C from in to out, each line between "fwl:line N" and
 * "fwl:end" preceded by `#line N "source"`, the others by their own
 * position in c_name.  Returns 0 or -errno. */
int gen_bpf_lines(FILE *in, FILE *out, const char *source,
		  const char *c_name);

#endif
