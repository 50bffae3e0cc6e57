/* SPDX-License-Identifier: MIT */
/*
 * dir4.h - IPv4 CIDR sets as fixed-depth multibit tries of BPF arrays
 * (layout: maps/sets.h, lookup: bpf/lib/sets.h fwl_in_dir4).
 *
 * An address is looked up one byte at a time: a chunk of 256 __u32
 * entries per level (the set's root, then one chunk per /8 and per /16
 * its prefixes reach into), then a 256-bit bitmap per /24 that holds
 * prefixes longer than /24.  Entry 0: not in the set; 1: every address
 * below is; n >= 2: chunk (or bitmap) n - 2.  A lookup costs at most
 * four array lookups (inlined by the JIT) whatever the set's size, where
 * the LPM trie fwl_cidr4 walks one node per bit that tells its prefixes
 * apart.
 *
 * A chunk or bitmap whose addresses are all in the set (or none is) is
 * left out for an entry 1 (0): a /16 full of /24s costs one entry.
 *
 * dir4_plan() decides per IPv4 set: in fwl_dir4 when its chunks and
 * bitmaps take at most DIR4_BYTES_PER_PREFIX per prefix plus
 * DIR4_BYTES_BASE (the LPM trie's own cost per prefix is about half
 * that), else in the LPM trie (a few thousand scattered /32s).
 *
 *	dir4_plan(&ir, &arena);		// after lower_program()
 *	ir.sets[i].dir4, .dir4_root	// what gen_bpf emits
 *	ir.dir4->node, ->leaf		// what mapdata writes
 */
#ifndef FWLC_DIR4_H
#define FWLC_DIR4_H

#include <stdint.h>

#include "fwlc/arena.h"
#include "fwlc/ir.h"

#define DIR4_BYTES_PER_PREFIX	256
#define DIR4_BYTES_BASE		(64 * 1024)

struct ir_dir4 {
	uint32_t *node;		/* nnodes chunks of 256 entries */
	uint32_t nnodes;
	uint64_t (*leaf)[4];	/* nleaves bitmaps of 256 bits */
	uint32_t nleaves;
};

/* Place every IPv4 set of ir (sets .dir4/.dir4_root, ir->dir4); 0, or
 * -ENOMEM. */
int dir4_plan(struct ir_prog *ir, Arena *a);

/* The bytes fwl_dir4 and fwl_dir4_leaf take (0 without ir->dir4). */
uint64_t dir4_bytes(const struct ir_prog *ir);

#endif
