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

/* Copy leaf l of t into b: 1 if all its addresses are in, 0 if none,
 * else its number in b + 2. */
static uint32_t copy_leaf(const struct build *t, struct build *b, uint32_t l)
{
	const uint64_t *w = t->leaf[l];
	if ((w[0] & w[1] & w[2] & w[3]) == ~0ull)
		return 1;
	if (!(w[0] | w[1] | w[2] | w[3]))
		return 0;
	uint32_t c = new_leaf(b);
	if (c == UINT32_MAX)
		return 0;
	memcpy(b->leaf[c], w, sizeof(b->leaf[0]));
	return c + 2;
}

/* Copy chunk n of t (at level lv) into b, leaving out what is all in or
 * all out (a /16 full of /24s is one entry 1); as copy_leaf.  The root
 * (lv 0) is always copied, at root. */
static uint32_t copy_node(const struct build *t, struct build *b, uint32_t n,
			  int lv, uint32_t root)
{
	uint32_t e[256];
	int ones = 0, zeros = 0;
	for (int i = 0; i < 256; i++) {
		uint32_t v = t->node[(size_t)n * 256 + i];
		if (v >= 2)
			v = lv < 2 ? copy_node(t, b, v - 2, lv + 1, 0)
				   : copy_leaf(t, b, v - 2);
		e[i] = v;
		ones += v == 1;
		zeros += v == 0;
	}
	if (lv > 0 && ones == 256)
		return 1;
	if (lv > 0 && zeros == 256)
		return 0;
	uint32_t c = lv ? new_node(b) : root;
	if (c == UINT32_MAX)
		return 0;
	memcpy(b->node + (size_t)c * 256, e, sizeof(e));
	return c + 2;
}

/* Build s under a new root of b; 1 if it fits its budget (else it is
 * rolled back), 0, or -ENOMEM. */
static int place(struct build *b, struct ir_set *s)
{
	uint32_t n0 = b->nnodes, l0 = b->nleaves;
	struct build t = { 0 };
	struct ir_set_entry *e = malloc(((size_t)s->nentries + 1) *
					sizeof(*e));
	if (!e)
		return -ENOMEM;
	memcpy(e, s->entries, (size_t)s->nentries * sizeof(*e));
	qsort(e, (size_t)s->nentries, sizeof(*e), by_plen);
	uint32_t troot = new_node(&t);
	for (int i = 0; i < s->nentries && !t.oom; i++) {
		int plen = e[i].plen > 32 ? 32 : e[i].plen;
		uint32_t a = (uint32_t)e[i].addr[0] << 24 |
			     (uint32_t)e[i].addr[1] << 16 |
			     (uint32_t)e[i].addr[2] << 8 | e[i].addr[3];
		a &= plen ? ~0u << (32 - plen) : 0;
		insert(&t, troot, a, plen);
	}
	free(e);
	uint32_t root = t.oom ? UINT32_MAX : new_node(b);
	if (root != UINT32_MAX)
		copy_node(&t, b, troot, 0, root);
	free(t.node);
	free(t.leaf);
	if (t.oom || b->oom)
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
