// SPDX-License-Identifier: MIT
/* dir4.c - IPv4 CIDR sets as fixed-depth tries of arrays, see dir4.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fwlc/dir4.h"

/* The trie being built: chunks and bitmaps grow by doubling. */
struct build {
	uint32_t *node;
	uint32_t nnodes, cap_nodes;
	uint64_t (*leaf)[4];
	uint32_t nleaves, cap_leaves;
	int oom;
};

/* A new zeroed chunk; its number, or UINT32_MAX when out of memory. */
static uint32_t new_node(struct build *b)
{
	if (b->nnodes == b->cap_nodes) {
		uint32_t cap = b->cap_nodes ? 2 * b->cap_nodes : 16;
		uint32_t *n = realloc(b->node, (size_t)cap * 256 * sizeof(*n));
		if (!n) {
			b->oom = 1;
			return UINT32_MAX;
		}
		b->node = n;
		b->cap_nodes = cap;
	}
	memset(b->node + (size_t)b->nnodes * 256, 0, 256 * sizeof(*b->node));
	return b->nnodes++;
}

static uint32_t new_leaf(struct build *b)
{
	if (b->nleaves == b->cap_leaves) {
		uint32_t cap = b->cap_leaves ? 2 * b->cap_leaves : 16;
		uint64_t (*l)[4] = realloc(b->leaf, (size_t)cap * sizeof(*l));
		if (!l) {
			b->oom = 1;
			return UINT32_MAX;
		}
		b->leaf = l;
		b->cap_leaves = cap;
	}
	memset(b->leaf[b->nleaves], 0, sizeof(b->leaf[0]));
	return b->nleaves++;
}

/* Add a/plen (host order, bits past plen clear) under root.  Prefixes
 * come shortest first, so an entry a prefix fills with 1 never holds a
 * chunk, and a longer prefix under a 1 has nothing to add. */
static void insert(struct build *b, uint32_t root, uint32_t a, int plen)
{
	uint32_t n = root;
	for (int lv = 0; lv < 3; lv++) {
		uint32_t byte = (a >> (24 - 8 * lv)) & 0xff;
		uint32_t *e = &b->node[(size_t)n * 256 + byte];
		if (plen <= 8 * (lv + 1)) {
			uint32_t span = 1u << (8 * (lv + 1) - plen);
			for (uint32_t i = 0; i < span; i++)
				e[i] = 1;
			return;
		}
		if (*e == 1)
			return;
		if (*e == 0) {
			uint32_t c = lv < 2 ? new_node(b) : new_leaf(b);
			if (c == UINT32_MAX)
				return;
			/* new_node may have moved the chunks */
			b->node[(size_t)n * 256 + byte] = c + 2;
		}
		n = b->node[(size_t)n * 256 + byte] - 2;
	}
	uint64_t *w = b->leaf[n];
	uint32_t lo = a & 0xff, span = 1u << (32 - plen);
	for (uint32_t i = lo; i < lo + span; i++)
		w[i >> 6] |= 1ull << (i & 63);
}

static int by_plen(const void *x, const void *y)
{
	const struct ir_set_entry *p = x, *q = y;
	return (int)p->plen - (int)q->plen;
}

/* Build s under a new root; 1 if it fits its budget (else the build is
 * rolled back), 0, or -ENOMEM. */
static int place(struct build *b, struct ir_set *s)
{
	uint32_t n0 = b->nnodes, l0 = b->nleaves;
	struct ir_set_entry *e = malloc(((size_t)s->nentries + 1) *
					sizeof(*e));
	if (!e)
		return -ENOMEM;
	memcpy(e, s->entries, (size_t)s->nentries * sizeof(*e));
	qsort(e, (size_t)s->nentries, sizeof(*e), by_plen);
	uint32_t root = new_node(b);
	for (int i = 0; i < s->nentries && !b->oom; i++) {
		int plen = e[i].plen > 32 ? 32 : e[i].plen;
		uint32_t a = (uint32_t)e[i].addr[0] << 24 |
			     (uint32_t)e[i].addr[1] << 16 |
			     (uint32_t)e[i].addr[2] << 8 | e[i].addr[3];
		a &= plen ? ~0u << (32 - plen) : 0;
		insert(b, root, a, plen);
	}
	free(e);
	if (b->oom)
		return -ENOMEM;
	uint64_t bytes = (uint64_t)(b->nnodes - n0) * 256 * 4 +
			 (uint64_t)(b->nleaves - l0) * 32;
	if (bytes > (uint64_t)s->nentries * DIR4_BYTES_PER_PREFIX +
			    DIR4_BYTES_BASE) {
		b->nnodes = n0;
		b->nleaves = l0;
		return 0;
	}
	s->dir4 = true;
	s->dir4_root = root;
	return 1;
}

int dir4_plan(struct ir_prog *ir, Arena *a)
{
	struct build b = { 0 };
	int r = 0;
	ir->dir4 = NULL;
	for (int i = 0; i < ir->nsets && r >= 0; i++) {
		ir->sets[i].dir4 = false;
		if (ir->sets[i].kind == IR_SET_CIDR4)
			r = place(&b, &ir->sets[i]);
	}
	if (r >= 0 && b.nnodes) {
		struct ir_dir4 *d = arena_alloc(a, sizeof(*d));
		d->nnodes = b.nnodes;
		d->nleaves = b.nleaves;
		d->node = arena_memdup(a, b.node,
				       (size_t)b.nnodes * 256 * sizeof(*b.node));
		d->leaf = b.nleaves ? arena_memdup(a, b.leaf, (size_t)b.nleaves *
							      sizeof(*b.leaf))
				    : NULL;
		ir->dir4 = d;
	}
	free(b.node);
	free(b.leaf);
	return r < 0 ? r : 0;
}

uint64_t dir4_bytes(const struct ir_prog *ir)
{
	if (!ir->dir4)
		return 0;
	return (uint64_t)ir->dir4->nnodes * 256 * 4 +
	       (uint64_t)ir->dir4->nleaves * 32;
}
