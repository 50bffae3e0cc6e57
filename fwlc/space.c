/* SPDX-License-Identifier: MIT */
/*
 * space.c - packet spaces as BDDs with complement edges, and the arm
 * analyses.  The design, its invariants and its costs are described at the
 * top of space.h and in docs/analysis.md.
 *
 * Edges ("refs") are uint32: node index << 1 | complement bit.  Node 0 is
 * the constant TRUE, so TRUE = 0 and FALSE = 1.  A node's `hi` edge is never
 * complemented (canonical form).  Multi-terminal diagrams (verdict maps)
 * use terminal nodes carrying a value and never a complement bit.
 */
#include "fwlc/space.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TRUE_REF	0u
#define FALSE_REF	1u
#define TERMV		UINT32_MAX	/* var of terminal nodes */
#define EMPTY_SLOT	UINT32_MAX
#define U128_MAX	(~(space_u128)0)
#define MAX_DIMS	64

enum {
	OP_AND = 1,	/* f AND g */
	OP_ITE,		/* s ? t : F   (t a verdict terminal) */
	OP_GUARD,	/* s ? (F == t ? t : AMBIG) : F */
	OP_MAPEQ,	/* F == t ? t : AMBIG */
	OP_SAT3,	/* is f AND g AND h non-empty (0/1) */
	OP_MTNE,	/* is there p in r with F(p) != t (0/1) */
};

struct node {
	uint32_t var;		/* level; TERMV for terminals */
	uint32_t lo, hi;	/* children; terminals: value, 1 (TRUE: 0,0) */
};

struct centry {
	uint32_t op, a, b, c, r;
};

struct chunk {
	struct chunk *next;
	size_t used, cap;
	_Alignas(16) unsigned char data[];
};

struct dim {
	char *name;
	space_u128 max;
	int width;
	uint32_t base;		/* first level */
};

struct space {
	int ndims;
	struct dim dims[MAX_DIMS];
	uint32_t nvars;
	uint8_t *var_dim;	/* level -> dimension */
	uint8_t *var_bit;	/* level -> bit position in the value */

	struct node *nodes;
	uint32_t nnodes, capnodes;
	size_t node_limit;
	uint32_t *utab;		/* unique table: node indices */
	uint32_t umask;
	struct centry *cache;	/* computed table, lossy */
	uint32_t cmask;

	space_set valid;	/* points within every domain; lazily */
	bool failed;		/* sticky: node budget or memory gone */
	char err[256];
	struct chunk *arena;
};

/* ---- errors and memory ---- */

static void set_err(struct space *sp, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void set_err(struct space *sp, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sp->err, sizeof(sp->err), fmt, ap);
	va_end(ap);
}

static void fail(struct space *sp, const char *why)
{
	if (!sp->failed)
		set_err(sp, "%s", why);
	sp->failed = true;
}

static void *arena_alloc(struct space *sp, size_t size)
{
	struct chunk *c = sp->arena;

	size = (size + 15) & ~(size_t)15;
	if (!c || c->cap - c->used < size) {
		size_t cap = size > 65536 ? size : 65536;

		c = malloc(sizeof(*c) + cap);
		if (!c) {
			fail(sp, "out of memory");
			return NULL;
		}
		c->next = sp->arena;
		c->used = 0;
		c->cap = cap;
		sp->arena = c;
	}
	c->used += size;
	return c->data + c->used - size;
}

static void *arena_zalloc(struct space *sp, size_t size)
{
	void *p = arena_alloc(sp, size ? size : 1);

	if (p)
		memset(p, 0, size);
	return p;
}

/* ---- the node store ---- */

static inline uint32_t hash3(uint32_t a, uint32_t b, uint32_t c)
{
	uint64_t h = a * 0x9E3779B97F4A7C15ull;

	h ^= b + 0x7F4A7C159E3779B9ull + (h << 6) + (h >> 2);
	h ^= c * 0xC2B2AE3D27D4EB4Full;
	h ^= h >> 29;
	h *= 0xBF58476D1CE4E5B9ull;
	h ^= h >> 32;
	return (uint32_t)h;
}

static bool grow_unique(struct space *sp)
{
	uint32_t size = (sp->umask + 1) * 2, i;
	uint32_t *t = malloc(sizeof(*t) * size);

	if (!t)
		return false;
	memset(t, 0xff, sizeof(*t) * size);
	for (i = 0; i < sp->nnodes; i++) {
		struct node *n = &sp->nodes[i];
		uint32_t h = hash3(n->var, n->lo, n->hi) & (size - 1);

		while (t[h] != EMPTY_SLOT)
			h = (h + 1) & (size - 1);
		t[h] = i;
	}
	free(sp->utab);
	sp->utab = t;
	sp->umask = size - 1;
	return true;
}

static void grow_cache(struct space *sp)
{
	uint32_t size = (sp->cmask + 1) * 2;
	struct centry *c = calloc(size, sizeof(*c));

	if (!c)
		return;		/* a small cache is only slower */
	free(sp->cache);
	sp->cache = c;
	sp->cmask = size - 1;
}

/* The node (var, lo, hi), shared if it exists. */
static uint32_t find_or_add(struct space *sp, uint32_t var, uint32_t lo,
			    uint32_t hi)
{
	uint32_t h = hash3(var, lo, hi) & sp->umask, i;

	while ((i = sp->utab[h]) != EMPTY_SLOT) {
		struct node *n = &sp->nodes[i];

		if (n->var == var && n->lo == lo && n->hi == hi)
			return i;
		h = (h + 1) & sp->umask;
	}
	if (sp->failed)
		return 0;
	if (sp->nnodes >= sp->node_limit) {
		fail(sp, "the packet space is too complex: node budget "
			 "exhausted");
		return 0;
	}
	if (sp->nnodes == sp->capnodes) {
		uint32_t cap = sp->capnodes * 2;
		struct node *n = realloc(sp->nodes, sizeof(*n) * cap);

		if (!n) {
			fail(sp, "out of memory");
			return 0;
		}
		sp->nodes = n;
		sp->capnodes = cap;
	}
	i = sp->nnodes++;
	sp->nodes[i] = (struct node){ var, lo, hi };
	sp->utab[h] = i;
	if ((uint64_t)sp->nnodes * 2 > sp->umask && !grow_unique(sp))
		fail(sp, "out of memory");
	if (sp->nnodes > (sp->cmask + 1) && sp->cmask < (1u << 22) - 1)
		grow_cache(sp);
	return i;
}

/* The reduced, canonical node for "var ? hi : lo". */
static uint32_t mk(struct space *sp, uint32_t var, uint32_t lo, uint32_t hi)
{
	uint32_t c;

	if (lo == hi)
		return lo;
	c = hi & 1;
	if (c) {
		lo ^= 1;
		hi ^= 1;
	}
	return find_or_add(sp, var, lo, hi) << 1 | c;
}

static uint32_t term(struct space *sp, uint32_t value)
{
	return find_or_add(sp, TERMV, value, 1) << 1;
}

static inline uint32_t var_of(const struct space *sp, uint32_t r)
{
	return sp->nodes[r >> 1].var;
}

static inline uint32_t lo_of(const struct space *sp, uint32_t r)
{
	return sp->nodes[r >> 1].lo ^ (r & 1);
}

static inline uint32_t hi_of(const struct space *sp, uint32_t r)
{
	return sp->nodes[r >> 1].hi ^ (r & 1);
}

/* Cofactors of r at level v (r itself when r does not test v). */
static inline void cof(const struct space *sp, uint32_t r, uint32_t v,
		       uint32_t *r0, uint32_t *r1)
{
	if (var_of(sp, r) == v) {
		*r0 = lo_of(sp, r);
		*r1 = hi_of(sp, r);
	} else {
		*r0 = *r1 = r;
	}
}

static inline uint32_t min3(uint32_t a, uint32_t b, uint32_t c)
{
	uint32_t m = a < b ? a : b;

	return m < c ? m : c;
}

static inline struct centry *cache_slot(struct space *sp, uint32_t op,
					uint32_t a, uint32_t b, uint32_t c)
{
	return &sp->cache[(hash3(a, b, c) ^ op * 0x85EBCA6Bu) & sp->cmask];
}

static inline bool cache_get(struct space *sp, uint32_t op, uint32_t a,
			     uint32_t b, uint32_t c, uint32_t *r)
{
	struct centry *e = cache_slot(sp, op, a, b, c);

	if (e->op == op && e->a == a && e->b == b && e->c == c) {
		*r = e->r;
		return true;
	}
	return false;
}

static inline void cache_put(struct space *sp, uint32_t op, uint32_t a,
			     uint32_t b, uint32_t c, uint32_t r)
{
	if (!sp->failed)
		*cache_slot(sp, op, a, b, c) = (struct centry){ op, a, b, c, r };
}

/* ---- boolean operations ---- */

static uint32_t bdd_and(struct space *sp, uint32_t f, uint32_t g)
{
	uint32_t v, f0, f1, g0, g1, r;

	if (f == FALSE_REF || g == FALSE_REF || (f ^ g) == 1)
		return FALSE_REF;
	if (f == TRUE_REF || f == g)
		return g;
	if (g == TRUE_REF)
		return f;
	if (f > g) {
		uint32_t t = f;

		f = g;
		g = t;
	}
	if (cache_get(sp, OP_AND, f, g, 0, &r))
		return r;
	v = var_of(sp, f) < var_of(sp, g) ? var_of(sp, f) : var_of(sp, g);
	cof(sp, f, v, &f0, &f1);
	cof(sp, g, v, &g0, &g1);
	f0 = bdd_and(sp, f0, g0);
	f1 = bdd_and(sp, f1, g1);
	r = mk(sp, v, f0, f1);
	cache_put(sp, OP_AND, f, g, 0, r);
	return r;
}

static uint32_t bdd_or(struct space *sp, uint32_t f, uint32_t g)
{
	return bdd_and(sp, f ^ 1, g ^ 1) ^ 1;
}

/* Sort three refs, drop TRUEs and duplicates: how many remain in x[], or
 * -1 when the conjunction is trivially empty. */
static int norm3(uint32_t a, uint32_t b, uint32_t c, uint32_t x[3])
{
	uint32_t in[3] = { a, b, c };
	int n = 0, i, j;

	for (i = 0; i < 3; i++) {
		uint32_t r = in[i];
		bool dup = false;

		if (r == FALSE_REF)
			return -1;
		if (r == TRUE_REF)
			continue;
		for (j = 0; j < n; j++) {
			if (x[j] == r)
				dup = true;
			else if ((x[j] ^ r) == 1)
				return -1;
		}
		if (!dup)
			x[n++] = r;
	}
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && x[j - 1] > x[j]; j--) {
			uint32_t t = x[j];

			x[j] = x[j - 1];
			x[j - 1] = t;
		}
	for (i = n; i < 3; i++)
		x[i] = TRUE_REF;
	return n;
}

/* Is a AND b AND c non-empty?  Builds nothing. */
static bool sat3(struct space *sp, uint32_t a, uint32_t b, uint32_t c)
{
	uint32_t x[3], v, a0, a1, b0, b1, c0, c1, r;
	int n = norm3(a, b, c, x);

	if (n < 0)
		return false;
	if (n <= 1)
		return true;	/* one non-constant function */
	if (cache_get(sp, OP_SAT3, x[0], x[1], x[2], &r))
		return r;
	v = min3(var_of(sp, x[0]), var_of(sp, x[1]), var_of(sp, x[2]));
	cof(sp, x[0], v, &a0, &a1);
	cof(sp, x[1], v, &b0, &b1);
	cof(sp, x[2], v, &c0, &c1);
	r = sat3(sp, a0, b0, c0) || sat3(sp, a1, b1, c1);
	cache_put(sp, OP_SAT3, x[0], x[1], x[2], r);
	return r;
}

/* Clamp each value to its domain (values above max alias max). */
static void clamp_point(const struct space *sp, space_u128 *point)
{
	int d;

	for (d = 0; d < sp->ndims; d++)
		if (point[d] > sp->dims[d].max)
			point[d] = sp->dims[d].max;
}

/* A point of a AND b AND c (known non-empty), low branches first. */
static void pick3(struct space *sp, uint32_t a, uint32_t b, uint32_t c,
		  space_u128 *point)
{
	memset(point, 0, sizeof(*point) * sp->ndims);
	for (;;) {
		uint32_t v = min3(var_of(sp, a), var_of(sp, b),
				  var_of(sp, c));
		uint32_t a0, a1, b0, b1, c0, c1;

		if (v == TERMV)
			break;
		cof(sp, a, v, &a0, &a1);
		cof(sp, b, v, &b0, &b1);
		cof(sp, c, v, &c0, &c1);
		if (sat3(sp, a0, b0, c0)) {
			a = a0, b = b0, c = c0;
		} else {
			a = a1, b = b1, c = c1;
			point[sp->var_dim[v]] |= (space_u128)1
						 << sp->var_bit[v];
		}
	}
	clamp_point(sp, point);
}

/* ---- verdict maps (multi-terminal) ---- */

static uint32_t mt_mapeq(struct space *sp, uint32_t t, uint32_t f)
{
	uint32_t r, v;

	if (var_of(sp, f) == TERMV)
		return f == t ? t : term(sp, SPACE_AMBIG);
	if (cache_get(sp, OP_MAPEQ, f, 0, t, &r))
		return r;
	v = var_of(sp, f);
	r = mk(sp, v, mt_mapeq(sp, t, lo_of(sp, f)),
	       mt_mapeq(sp, t, hi_of(sp, f)));
	cache_put(sp, OP_MAPEQ, f, 0, t, r);
	return r;
}

/* s ? t : f (guarded: s ? (f == t ? t : AMBIG) : f). */
static uint32_t mt_ite(struct space *sp, int op, uint32_t s, uint32_t t,
		       uint32_t f)
{
	uint32_t r, v, s0, s1, f0, f1;

	if (s == FALSE_REF || f == t)
		return f;
	if (s == TRUE_REF)
		return op == OP_ITE ? t : mt_mapeq(sp, t, f);
	if (cache_get(sp, op, s, f, t, &r))
		return r;
	v = var_of(sp, s) < var_of(sp, f) ? var_of(sp, s) : var_of(sp, f);
	cof(sp, s, v, &s0, &s1);
	cof(sp, f, v, &f0, &f1);
	f0 = mt_ite(sp, op, s0, t, f0);
	f1 = mt_ite(sp, op, s1, t, f1);
	r = mk(sp, v, f0, f1);
	cache_put(sp, op, s, f, t, r);
	return r;
}

/* Is there a point p in r with f(p) != t? */
static bool mt_ne(struct space *sp, uint32_t r, uint32_t f, uint32_t t)
{
	uint32_t v, r0, r1, f0, f1, res;

	if (r == FALSE_REF)
		return false;
	if (var_of(sp, f) == TERMV)
		return f != t;
	if (r == TRUE_REF)
		return true;	/* f has two distinct leaves */
	if (cache_get(sp, OP_MTNE, r, f, t, &res))
		return res;
	v = var_of(sp, r) < var_of(sp, f) ? var_of(sp, r) : var_of(sp, f);
	cof(sp, r, v, &r0, &r1);
	cof(sp, f, v, &f0, &f1);
	res = mt_ne(sp, r0, f0, t) || mt_ne(sp, r1, f1, t);
	cache_put(sp, OP_MTNE, r, f, t, res);
	return res;
}

/* ---- the space ---- */

static int width_of(space_u128 max)
{
	int w = 0;

	while (max) {
		w++;
		max >>= 1;
	}
	return w;
}

struct space *space_new(const struct space_dim *dims, int ndims,
			const char **err)
{
	struct space *sp;
	uint32_t level = 0;
	int d, k;

	if (!dims || ndims < 1 || ndims > MAX_DIMS) {
		if (err)
			*err = "a packet space needs 1 to 64 dimensions";
		return NULL;
	}
	sp = calloc(1, sizeof(*sp));
	if (!sp)
		goto nomem;
	sp->ndims = ndims;
	for (d = 0; d < ndims; d++) {
		sp->dims[d].max = dims[d].max;
		sp->dims[d].width = width_of(dims[d].max);
		sp->dims[d].base = level;
		level += sp->dims[d].width;
	}
	sp->nvars = level;
	sp->node_limit = (size_t)1 << 25;
	sp->var_dim = malloc(level + 1);
	sp->var_bit = malloc(level + 1);
	sp->capnodes = 1024;
	sp->nodes = malloc(sizeof(*sp->nodes) * sp->capnodes);
	sp->umask = 2047;
	sp->utab = malloc(sizeof(*sp->utab) * (sp->umask + 1));
	sp->cmask = (1u << 14) - 1;
	sp->cache = calloc(sp->cmask + 1, sizeof(*sp->cache));
	if (!sp->var_dim || !sp->var_bit || !sp->nodes || !sp->utab ||
	    !sp->cache)
		goto nomem;
	memset(sp->utab, 0xff, sizeof(*sp->utab) * (sp->umask + 1));
	for (d = 0; d < ndims; d++) {
		const char *name = dims[d].name;
		char buf[32];

		if (!name) {
			snprintf(buf, sizeof(buf), "dim%d", d);
			name = buf;
		}
		sp->dims[d].name = arena_alloc(sp, strlen(name) + 1);
		if (!sp->dims[d].name)
			goto nomem;
		strcpy(sp->dims[d].name, name);
		for (k = 0; k < sp->dims[d].width; k++) {
			sp->var_dim[sp->dims[d].base + k] = (uint8_t)d;
			sp->var_bit[sp->dims[d].base + k] =
				(uint8_t)(sp->dims[d].width - 1 - k);
		}
	}
	/* Node 0: the constant TRUE. */
	find_or_add(sp, TERMV, 0, 0);
	sp->valid = SPACE_ERR;
	if (sp->failed)
		goto nomem;
	return sp;
nomem:
	space_free(sp);
	if (err)
		*err = "out of memory";
	return NULL;
}

void space_free(struct space *sp)
{
	struct chunk *c, *next;

	if (!sp)
		return;
	for (c = sp->arena; c; c = next) {
		next = c->next;
		free(c);
	}
	free(sp->var_dim);
	free(sp->var_bit);
	free(sp->nodes);
	free(sp->utab);
	free(sp->cache);
	free(sp);
}

const char *space_error(const struct space *sp)
{
	return sp->err;
}

int space_ndims(const struct space *sp)
{
	return sp->ndims;
}

static bool dim_ok(struct space *sp, int dim, const char *what)
{
	if (dim < 0 || dim >= sp->ndims) {
		set_err(sp, "%s: no dimension %d (the space has %d)", what,
			dim, sp->ndims);
		return false;
	}
	return true;
}

space_u128 space_dim_max(const struct space *sp, int dim)
{
	return dim >= 0 && dim < sp->ndims ? sp->dims[dim].max : 0;
}

int space_dim_width(const struct space *sp, int dim)
{
	return dim >= 0 && dim < sp->ndims ? sp->dims[dim].width : -1;
}

const char *space_dim_name(const struct space *sp, int dim)
{
	return dim >= 0 && dim < sp->ndims ? sp->dims[dim].name : NULL;
}

size_t space_nodes(const struct space *sp)
{
	return sp->nnodes;
}

void space_set_node_limit(struct space *sp, size_t max_nodes)
{
	if (max_nodes > ((size_t)1 << 31) - 1)
		max_nodes = ((size_t)1 << 31) - 1;
	sp->node_limit = max_nodes;
}

/* ---- building sets ---- */

static space_set done(struct space *sp, uint32_t r)
{
	return sp->failed ? SPACE_ERR : r;
}

static bool bad(struct space *sp, space_set a)
{
	if (sp->failed)
		return true;
	if (a == SPACE_ERR || (a >> 1) >= sp->nnodes ||
	    (sp->nodes[a >> 1].var == TERMV && (a >> 1) != 0)) {
		if (a != SPACE_ERR)
			set_err(sp, "not a set of this space: %u", a);
		return true;
	}
	return false;
}

space_set space_empty(struct space *sp)
{
	return done(sp, FALSE_REF);
}

space_set space_universe(struct space *sp)
{
	return done(sp, TRUE_REF);
}

static inline space_u128 ones(int k)
{
	return k >= 128 ? U128_MAX : ((space_u128)1 << k) - 1;
}

/* Values in [lo, hi] of the k low bits, tested from `level` on. */
static uint32_t range(struct space *sp, uint32_t level, int k, space_u128 lo,
		      space_u128 hi)
{
	space_u128 half;
	uint32_t r0 = FALSE_REF, r1 = FALSE_REF;

	if (lo == 0 && hi == ones(k))
		return TRUE_REF;
	half = (space_u128)1 << (k - 1);
	if (lo < half)
		r0 = range(sp, level + 1, k - 1, lo, hi < half ? hi : half - 1);
	if (hi >= half)
		r1 = range(sp, level + 1, k - 1, lo < half ? 0 : lo - half,
			   hi - half);
	return mk(sp, level, r0, r1);
}

/* [lo, hi] on dim, with the alias rule: containing max takes in every
 * value up to 2^width-1. */
static uint32_t dim_range(struct space *sp, int dim, space_u128 lo,
			  space_u128 hi)
{
	struct dim *d = &sp->dims[dim];

	if (hi == d->max)
		hi = ones(d->width);
	if (d->width == 0)
		return TRUE_REF;
	return range(sp, d->base, d->width, lo, hi);
}

static bool range_ok(struct space *sp, int dim, space_u128 lo, space_u128 hi,
		     const char *what)
{
	if (!dim_ok(sp, dim, what))
		return false;
	if (lo > hi) {
		set_err(sp, "%s: empty range on %s (low end above high end)",
			what, sp->dims[dim].name);
		return false;
	}
	if (hi > sp->dims[dim].max) {
		set_err(sp, "%s: range on %s goes past the domain's maximum",
			what, sp->dims[dim].name);
		return false;
	}
	return true;
}

space_set space_interval(struct space *sp, int dim, space_u128 lo,
			 space_u128 hi)
{
	if (sp->failed || !range_ok(sp, dim, lo, hi, "interval"))
		return SPACE_ERR;
	return done(sp, dim_range(sp, dim, lo, hi));
}

space_set space_prefix(struct space *sp, int dim, space_u128 addr, int plen)
{
	int w;
	space_u128 host;

	if (sp->failed || !dim_ok(sp, dim, "prefix"))
		return SPACE_ERR;
	w = sp->dims[dim].width;
	if (plen < 0 || plen > w) {
		set_err(sp, "prefix: length /%d does not fit the %d-bit %s",
			plen, w, sp->dims[dim].name);
		return SPACE_ERR;
	}
	host = ones(w - plen);
	if (addr & host) {
		set_err(sp, "prefix: host bits set in /%d on %s", plen,
			sp->dims[dim].name);
		return SPACE_ERR;
	}
	return space_interval(sp, dim, addr, addr | host);
}

space_set space_values(struct space *sp, int dim, const space_u128 *vals,
		       size_t n)
{
	uint32_t r = FALSE_REF;
	size_t i;

	if (sp->failed || !dim_ok(sp, dim, "values"))
		return SPACE_ERR;
	for (i = 0; i < n; i++) {
		if (!range_ok(sp, dim, vals[i], vals[i], "values"))
			return SPACE_ERR;
		r = bdd_or(sp, r, dim_range(sp, dim, vals[i], vals[i]));
	}
	return done(sp, r);
}

space_set space_box(struct space *sp, const struct space_range *rg, size_t n)
{
	uint32_t per[MAX_DIMS] = { 0 }, r = TRUE_REF;
	bool seen[MAX_DIMS] = { false };
	size_t i;
	int d;

	if (sp->failed)
		return SPACE_ERR;
	for (i = 0; i < n; i++) {
		if (!range_ok(sp, rg[i].dim, rg[i].lo, rg[i].hi, "box"))
			return SPACE_ERR;
		d = rg[i].dim;
		if (!seen[d])
			per[d] = FALSE_REF;
		seen[d] = true;
		per[d] = bdd_or(sp, per[d],
				dim_range(sp, d, rg[i].lo, rg[i].hi));
	}
	/* Conjoin from the last dimension up: each AND only substitutes
	 * the rest for the TRUE leaves of one dimension's diagram. */
	for (d = sp->ndims - 1; d >= 0; d--)
		if (seen[d])
			r = bdd_and(sp, per[d], r);
	return done(sp, r);
}

/* ---- set algebra ---- */

space_set space_or(struct space *sp, space_set a, space_set b)
{
	if (bad(sp, a) || bad(sp, b))
		return SPACE_ERR;
	return done(sp, bdd_or(sp, a, b));
}

space_set space_and(struct space *sp, space_set a, space_set b)
{
	if (bad(sp, a) || bad(sp, b))
		return SPACE_ERR;
	return done(sp, bdd_and(sp, a, b));
}

space_set space_diff(struct space *sp, space_set a, space_set b)
{
	if (bad(sp, a) || bad(sp, b))
		return SPACE_ERR;
	return done(sp, bdd_and(sp, a, b ^ 1));
}

space_set space_not(struct space *sp, space_set a)
{
	if (bad(sp, a))
		return SPACE_ERR;
	return a ^ 1;
}

bool space_is_empty(struct space *sp, space_set a)
{
	return !bad(sp, a) && a == FALSE_REF;
}

bool space_is_universe(struct space *sp, space_set a)
{
	return !bad(sp, a) && a == TRUE_REF;
}

bool space_intersects(struct space *sp, space_set a, space_set b)
{
	if (bad(sp, a) || bad(sp, b))
		return false;
	return sat3(sp, a, b, TRUE_REF);
}

bool space_subset(struct space *sp, space_set a, space_set b)
{
	if (bad(sp, a) || bad(sp, b))
		return false;
	return !sat3(sp, a, b ^ 1, TRUE_REF);
}

static uint32_t eval(const struct space *sp, uint32_t r,
		     const space_u128 *point)
{
	uint32_t v;

	while ((v = var_of(sp, r)) != TERMV) {
		space_u128 x = point[sp->var_dim[v]];

		r = (x >> sp->var_bit[v]) & 1 ? hi_of(sp, r) : lo_of(sp, r);
	}
	return r;
}

bool space_member(struct space *sp, space_set a, const space_u128 *point)
{
	int d;

	if (bad(sp, a))
		return false;
	for (d = 0; d < sp->ndims; d++)
		if (point[d] > sp->dims[d].max)
			return false;
	return eval(sp, a, point) == TRUE_REF;
}

/* ---- counting ---- */

struct count {
	double d;
	space_u128 e;
	bool over;		/* e saturated */
};

struct cmemo {
	uint32_t f, v;
	struct count c;
};

struct counter {
	struct space *sp;
	struct cmemo *tab;
	uint32_t mask, used;
	bool nomem;
};

static uint32_t level_of(const struct space *sp, uint32_t r)
{
	uint32_t v = var_of(sp, r);

	return v == TERMV ? sp->nvars : v;
}

static struct count scale(struct count c, uint32_t k)
{
	if (k == 0)
		return c;
	c.d = __builtin_ldexp(c.d, (int)k);
	if (c.e == 0)
		return c;
	if (k >= 128 || (c.e >> (128 - k)) != 0) {
		c.over = true;
		c.e = U128_MAX;
	} else {
		c.e <<= k;
	}
	return c;
}

static struct count add(struct count a, struct count b)
{
	a.d += b.d;
	a.over |= b.over;
	if (a.e > U128_MAX - b.e)
		a.over = true;
	a.e = a.over ? U128_MAX : a.e + b.e;
	return a;
}

static bool counter_grow(struct counter *ct)
{
	uint32_t size = (ct->mask + 1) * 2, i;
	struct cmemo *t = malloc(sizeof(*t) * size);

	if (!t)
		return false;
	for (i = 0; i < size; i++)
		t[i].f = EMPTY_SLOT;
	for (i = 0; i <= ct->mask; i++) {
		uint32_t h;

		if (ct->tab[i].f == EMPTY_SLOT)
			continue;
		h = hash3(ct->tab[i].f, ct->tab[i].v, 0) & (size - 1);
		while (t[h].f != EMPTY_SLOT)
			h = (h + 1) & (size - 1);
		t[h] = ct->tab[i];
	}
	free(ct->tab);
	ct->tab = t;
	ct->mask = size - 1;
	return true;
}

/* Points of f AND v over the levels from min(top f, top v) down. */
static struct count count_rec(struct counter *ct, uint32_t f, uint32_t v)
{
	struct space *sp = ct->sp;
	struct count c = { 0, 0, false }, c0, c1;
	uint32_t h, t, f0, f1, v0, v1;

	if (f == FALSE_REF || v == FALSE_REF || (f ^ v) == 1)
		return c;
	if (f == TRUE_REF && v == TRUE_REF)
		return (struct count){ 1, 1, false };
	h = hash3(f, v, 0) & ct->mask;
	while (ct->tab[h].f != EMPTY_SLOT) {
		if (ct->tab[h].f == f && ct->tab[h].v == v)
			return ct->tab[h].c;
		h = (h + 1) & ct->mask;
	}
	t = level_of(sp, f) < level_of(sp, v) ? level_of(sp, f)
					      : level_of(sp, v);
	cof(sp, f, t, &f0, &f1);
	cof(sp, v, t, &v0, &v1);
	c0 = count_rec(ct, f0, v0);
	c0 = scale(c0, (level_of(sp, f0) < level_of(sp, v0) ?
			level_of(sp, f0) : level_of(sp, v0)) - t - 1);
	c1 = count_rec(ct, f1, v1);
	c1 = scale(c1, (level_of(sp, f1) < level_of(sp, v1) ?
			level_of(sp, f1) : level_of(sp, v1)) - t - 1);
	c = add(c0, c1);
	if ((ct->used + 1) * 2 > ct->mask && !counter_grow(ct)) {
		ct->nomem = true;
		return c;
	}
	h = hash3(f, v, 0) & ct->mask;
	while (ct->tab[h].f != EMPTY_SLOT)
		h = (h + 1) & ct->mask;
	ct->tab[h] = (struct cmemo){ f, v, c };
	ct->used++;
	return c;
}

static uint32_t valid_set(struct space *sp)
{
	uint32_t r = TRUE_REF;
	int d;

	if (sp->valid != SPACE_ERR)
		return sp->valid;
	for (d = sp->ndims - 1; d >= 0; d--) {
		struct dim *dm = &sp->dims[d];

		if (dm->width && dm->max != ones(dm->width))
			r = bdd_and(sp, range(sp, dm->base, dm->width, 0,
					      dm->max), r);
	}
	sp->valid = r;
	return r;
}

int space_count(struct space *sp, space_set a, double *approx,
		space_u128 *exact)
{
	struct counter ct = { sp, NULL, 1023, 0, false };
	struct count c;
	uint32_t v, top, i;

	if (bad(sp, a))
		return -1;
	v = valid_set(sp);
	if (sp->failed)
		return -1;
	ct.tab = malloc(sizeof(*ct.tab) * (ct.mask + 1));
	if (!ct.tab) {
		set_err(sp, "out of memory");
		return -1;
	}
	for (i = 0; i <= ct.mask; i++)
		ct.tab[i].f = EMPTY_SLOT;
	c = count_rec(&ct, a, v);
	top = level_of(sp, a) < level_of(sp, v) ? level_of(sp, a)
						: level_of(sp, v);
	c = scale(c, top);
	free(ct.tab);
	if (ct.nomem) {
		set_err(sp, "out of memory");
		return -1;
	}
	if (approx)
		*approx = c.d;
	if (exact)
		*exact = c.e;
	return c.over ? 1 : 0;
}

/* ---- witnesses ---- */

int space_pick(struct space *sp, space_set a, space_u128 *point)
{
	if (bad(sp, a))
		return -1;
	if (a == FALSE_REF) {
		set_err(sp, "pick: the set is empty");
		return -1;
	}
	pick3(sp, a, TRUE_REF, TRUE_REF, point);
	return 0;
}

/* One interval of a dimension's partition and the diagram below it. */
struct piece {
	space_u128 lo, hi;
	uint32_t child;
};

struct pieces {
	struct piece *v;
	size_t n, cap;
	bool nomem;
};

static void piece_add(struct pieces *p, space_u128 lo, space_u128 hi,
		      uint32_t child)
{
	if (child == FALSE_REF)
		return;
	if (p->n && p->v[p->n - 1].child == child &&
	    p->v[p->n - 1].hi + 1 == lo) {
		p->v[p->n - 1].hi = hi;
		return;
	}
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		struct piece *v = realloc(p->v, sizeof(*v) * cap);

		if (!v) {
			p->nomem = true;
			return;
		}
		p->v = v;
		p->cap = cap;
	}
	p->v[p->n++] = (struct piece){ lo, hi, child };
}

/* Walk dimension d's bits below r: k bits decided, with value prefix. */
static void partition_rec(const struct space *sp, int d, uint32_t r, int k,
			  space_u128 prefix, struct pieces *out)
{
	const struct dim *dm = &sp->dims[d];
	uint32_t v = var_of(sp, r);

	if (k == dm->width || v == TERMV || v >= dm->base + dm->width) {
		int rest = dm->width - k;
		space_u128 lo = k == 0 ? 0 : prefix << rest;

		piece_add(out, lo, lo | ones(rest), r);
		return;
	}
	if (v == dm->base + (uint32_t)k) {
		partition_rec(sp, d, lo_of(sp, r), k + 1, prefix << 1, out);
		partition_rec(sp, d, hi_of(sp, r), k + 1, prefix << 1 | 1,
			      out);
	} else {
		partition_rec(sp, d, r, k + 1, prefix << 1, out);
		partition_rec(sp, d, r, k + 1, prefix << 1 | 1, out);
	}
}

/* The maximal intervals of dimension d under r, clamped to the domain. */
static bool partition(const struct space *sp, int d, uint32_t r,
		      struct pieces *out)
{
	size_t i, n = 0;

	out->n = 0;
	partition_rec(sp, d, r, 0, 0, out);
	if (out->nomem)
		return false;
	for (i = 0; i < out->n; i++) {
		if (out->v[i].lo > sp->dims[d].max)
			continue;	/* aliases of max: merged already */
		if (out->v[i].hi > sp->dims[d].max)
			out->v[i].hi = sp->dims[d].max;
		out->v[n++] = out->v[i];
	}
	out->n = n;
	return true;
}

struct boxer {
	struct space *sp;
	struct space_ival *out, *cur;
	size_t limit, written;
	struct cmemo *memo;	/* (ref, dim) -> box count */
	uint32_t mask, used;
	bool nomem;
};

static double box_total(struct boxer *bx, int d, uint32_t r)
{
	struct space *sp = bx->sp;
	struct pieces p = { NULL, 0, 0, false };
	double total = 0;
	uint32_t h;
	size_t i;

	if (r == FALSE_REF)
		return 0;
	if (d == sp->ndims)
		return 1;
	h = hash3(r, (uint32_t)d, 0) & bx->mask;
	while (bx->memo[h].f != EMPTY_SLOT) {
		if (bx->memo[h].f == r && bx->memo[h].v == (uint32_t)d)
			return bx->memo[h].c.d;
		h = (h + 1) & bx->mask;
	}
	if (!partition(sp, d, r, &p)) {
		bx->nomem = true;
		free(p.v);
		return 0;
	}
	for (i = 0; i < p.n; i++)
		total += box_total(bx, d + 1, p.v[i].child);
	free(p.v);
	if ((bx->used + 1) * 2 > bx->mask) {
		struct counter ct = { sp, bx->memo, bx->mask, bx->used, false };

		if (!counter_grow(&ct)) {
			bx->nomem = true;
			return total;
		}
		bx->memo = ct.tab;
		bx->mask = ct.mask;
	}
	h = hash3(r, (uint32_t)d, 0) & bx->mask;
	while (bx->memo[h].f != EMPTY_SLOT)
		h = (h + 1) & bx->mask;
	bx->memo[h] = (struct cmemo){ r, (uint32_t)d, { total, 0, false } };
	bx->used++;
	return total;
}

static void box_list(struct boxer *bx, int d, uint32_t r)
{
	struct space *sp = bx->sp;
	struct pieces p = { NULL, 0, 0, false };
	size_t i;

	if (bx->written == bx->limit || r == FALSE_REF)
		return;
	if (d == sp->ndims) {
		memcpy(bx->out + bx->written * sp->ndims, bx->cur,
		       sizeof(*bx->cur) * sp->ndims);
		bx->written++;
		return;
	}
	if (!partition(sp, d, r, &p)) {
		bx->nomem = true;
		free(p.v);
		return;
	}
	for (i = 0; i < p.n && bx->written < bx->limit; i++) {
		bx->cur[d].lo = p.v[i].lo;
		bx->cur[d].hi = p.v[i].hi;
		box_list(bx, d + 1, p.v[i].child);
	}
	free(p.v);
}

long space_boxes(struct space *sp, space_set a, struct space_ival *out,
		 size_t limit, double *total)
{
	struct space_ival cur[MAX_DIMS];
	struct boxer bx = { sp, out, cur, limit, 0, NULL, 1023, 0, false };
	uint32_t i;

	if (bad(sp, a))
		return -1;
	if (!out && limit) {
		set_err(sp, "boxes: no output array");
		return -1;
	}
	bx.memo = malloc(sizeof(*bx.memo) * (bx.mask + 1));
	if (!bx.memo) {
		set_err(sp, "out of memory");
		return -1;
	}
	for (i = 0; i <= bx.mask; i++)
		bx.memo[i].f = EMPTY_SLOT;
	box_list(&bx, 0, a);
	if (total)
		*total = box_total(&bx, 0, a);
	free(bx.memo);
	if (bx.nomem) {
		set_err(sp, "out of memory");
		return -1;
	}
	return (long)bx.written;
}

int space_cidrs(space_u128 lo, space_u128 hi, int width,
		struct space_cidr *out, int cap)
{
	int n = 0;

	if (width < 1 || width > 128 || lo > hi || hi > ones(width))
		return -1;
	for (;;) {
		int k = 0;	/* block of 2^k addresses */

		while (k < width && !((lo >> k) & 1) &&
		       lo + ones(k + 1) <= hi && lo + ones(k + 1) >= lo)
			k++;
		if (n < cap)
			out[n] = (struct space_cidr){ lo, width - k };
		n++;
		if (lo + ones(k) == hi)
			break;
		lo += ones(k) + 1;
	}
	return n;
}

/* ---- arm analyses ---- */

struct emap {			/* action -> E_a, open addressing */
	uint32_t *key, *val;
	uint32_t mask, used;
};

static uint32_t *emap_get(struct emap *m, uint32_t action)
{
	uint32_t h = hash3(action, 7, 7) & m->mask;

	while (m->key[h] != EMPTY_SLOT && m->key[h] != action)
		h = (h + 1) & m->mask;
	if (m->key[h] == EMPTY_SLOT) {
		m->key[h] = action;
		m->val[h] = FALSE_REF;
		m->used++;
	}
	return &m->val[h];
}

/* The first k < n with point in cs[k] (known to exist below n). */
static uint32_t first_cover(struct space *sp, const uint32_t *cs, size_t n,
			    const space_u128 *point)
{
	size_t lo = 0, hi = n - 1;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (eval(sp, cs[mid], point) == TRUE_REF)
			hi = mid;
		else
			lo = mid + 1;
	}
	return (uint32_t)lo;
}

/* An irredundant list of earlier unguarded arms covering dead arm i. */
static bool dead_cover(struct space *sp, const struct space_arm *arms,
		       size_t i, const uint32_t *cs,
		       struct space_arm_result *res)
{
	uint32_t s = arms[i].set, rem = s, pick_n = 0, keep_n = 0, kept;
	uint32_t *pick = NULL, *suf = NULL, *keep;
	space_u128 point[MAX_DIMS];
	bool ok = false;
	size_t cap = 0, m;

	while (rem != FALSE_REF && !sp->failed) {
		uint32_t k;

		pick3(sp, rem, TRUE_REF, TRUE_REF, point);
		k = first_cover(sp, cs, i, point);
		if (pick_n == cap) {
			uint32_t *p;

			cap = cap ? cap * 2 : 8;
			p = realloc(pick, sizeof(*p) * cap);
			if (!p)
				goto out;
			pick = p;
		}
		pick[pick_n++] = k;
		rem = bdd_and(sp, rem, arms[k].set ^ 1);
	}
	/* Drop each pick the kept earlier picks and the later picks cover. */
	suf = malloc(sizeof(*suf) * (pick_n + 1));
	keep = arena_alloc(sp, sizeof(*keep) * (pick_n ? pick_n : 1));
	if (!suf || !keep)
		goto out;
	suf[pick_n] = FALSE_REF;
	for (m = pick_n; m-- > 0;)
		suf[m] = bdd_or(sp, suf[m + 1], arms[pick[m]].set);
	kept = FALSE_REF;
	for (m = 0; m < pick_n; m++) {
		if (!sat3(sp, s, bdd_or(sp, kept, suf[m + 1]) ^ 1, TRUE_REF))
			continue;
		kept = bdd_or(sp, kept, arms[pick[m]].set);
		keep[keep_n++] = pick[m];
	}
	for (m = 1; m < keep_n; m++)
		for (size_t j = m; j > 0 && keep[j - 1] > keep[j]; j--) {
			uint32_t t = keep[j];

			keep[j] = keep[j - 1];
			keep[j - 1] = t;
		}
	res->cover = keep;
	res->ncover = keep_n;
	ok = true;
out:
	free(pick);
	free(suf);
	if (!ok)
		fail(sp, "out of memory");
	return ok;
}

static bool arms_ok(struct space *sp, const struct space_arm *arms, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (bad(sp, arms[i].set)) {
			if (!sp->failed)
				set_err(sp, "arm %zu: not a set of this space",
					i);
			return false;
		}
		if (arms[i].action >= SPACE_ACTION_MAX) {
			set_err(sp, "arm %zu: action id %u is reserved", i,
				arms[i].action);
			return false;
		}
	}
	return true;
}

int space_analyze(struct space *sp, const struct space_arm *arms, size_t n,
		  bool has_default, uint32_t default_action,
		  struct space_analysis *out)
{
	struct space_arm_result *res;
	struct emap em = { NULL, NULL, 0, 0 };
	uint32_t *cs = NULL, c = FALSE_REF, f;
	size_t i;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (sp->failed || !arms_ok(sp, arms, n))
		return -1;
	if (has_default && default_action >= SPACE_ACTION_MAX) {
		set_err(sp, "default action id %u is reserved",
			default_action);
		return -1;
	}
	res = arena_zalloc(sp, sizeof(*res) * n);
	cs = malloc(sizeof(*cs) * (n ? n : 1));
	em.mask = 63;
	while (em.mask < 2 * n)
		em.mask = em.mask * 2 + 1;
	em.key = malloc(sizeof(*em.key) * (em.mask + 1));
	em.val = malloc(sizeof(*em.val) * (em.mask + 1));
	if (!res || !cs || !em.key || !em.val) {
		fail(sp, "out of memory");
		goto out;
	}
	memset(em.key, 0xff, sizeof(*em.key) * (em.mask + 1));

	/* Forward: reach, dead, shadowed; C and E_a grow. */
	for (i = 0; i < n && !sp->failed; i++) {
		uint32_t s = arms[i].set, r = bdd_and(sp, s, c ^ 1);
		uint32_t *e = emap_get(&em, arms[i].action);

		res[i].reach = r;
		res[i].dead = r == FALSE_REF;
		if (!res[i].dead && r != s && sat3(sp, s, c, *e ^ 1)) {
			space_u128 *p = arena_alloc(sp, sizeof(*p) *
							    sp->ndims);

			if (!p)
				goto out;
			pick3(sp, s, c, *e ^ 1, p);
			res[i].shadowed = true;
			res[i].shadow_point = p;
			res[i].shadow_by = first_cover(sp, cs, i, p);
		}
		if (!arms[i].guarded) {
			c = bdd_or(sp, c, s);
			if (!res[i].dead)
				*e = bdd_or(sp, *e, r);
		}
		cs[i] = c;
	}
	out->residual = c ^ 1;
	out->exhaustive = c == TRUE_REF;

	/* Backward: F is the verdict of the arms after i. */
	f = term(sp, has_default ? default_action : SPACE_NOMATCH);
	for (i = n; i-- > 0 && !sp->failed;) {
		uint32_t t = term(sp, arms[i].action);

		if (!res[i].dead)
			res[i].redundant = !mt_ne(sp, res[i].reach, f, t);
		f = mt_ite(sp, arms[i].guarded ? OP_GUARD : OP_ITE,
			   arms[i].set, t, f);
	}

	for (i = 0; i < n && !sp->failed; i++)
		if (res[i].dead && !dead_cover(sp, arms, i, cs, &res[i]))
			goto out;
	if (sp->failed)
		goto out;
	out->narms = n;
	out->arms = res;
	rc = 0;
out:
	free(cs);
	free(em.key);
	free(em.val);
	if (rc)
		memset(out, 0, sizeof(*out));
	return rc;
}

/* ---- tiling ---- */

struct tile_arm {
	space_u128 lo, hi;
	uint32_t idx;
};

static int tile_cmp(const void *a, const void *b)
{
	const struct tile_arm *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int overlap_cmp(const void *a, const void *b)
{
	const struct space_overlap *x = a, *y = b;

	if (x->b != y->b)
		return x->b < y->b ? -1 : 1;
	return x->a < y->a ? -1 : x->a > y->a;
}

int space_tile(struct space *sp, struct space_ival parent,
	       const struct space_ival *arms, size_t n, size_t cap,
	       struct space_tiling *out)
{
	struct tile_arm *t = NULL;
	struct space_overlap *ov = NULL;
	struct space_ival *gaps;
	uint32_t *outside, *active = NULL;
	size_t i, j, nact = 0, nov = 0, capov = 0, ngaps = 0, nout = 0;
	space_u128 cur = parent.lo;
	bool full = false;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (parent.lo > parent.hi) {
		set_err(sp, "tile: the parent range is empty");
		return -1;
	}
	for (i = 0; i < n; i++)
		if (arms[i].lo > arms[i].hi) {
			set_err(sp, "tile: arm %zu has an empty range", i);
			return -1;
		}
	t = malloc(sizeof(*t) * (n ? n : 1));
	active = malloc(sizeof(*active) * (n ? n : 1));
	gaps = arena_alloc(sp, sizeof(*gaps) * (n + 1));
	outside = arena_alloc(sp, sizeof(*outside) * (n ? n : 1));
	if (!t || !active || !gaps || !outside)
		goto nomem;
	for (i = 0; i < n; i++) {
		t[i] = (struct tile_arm){ arms[i].lo, arms[i].hi, (uint32_t)i };
		if (arms[i].lo < parent.lo || arms[i].hi > parent.hi)
			outside[nout++] = (uint32_t)i;
	}
	qsort(t, n, sizeof(*t), tile_cmp);
	for (i = 0; i < n; i++) {
		space_u128 lo = t[i].lo, hi = t[i].hi;

		/* Overlaps with the arms still open at lo. */
		for (j = 0; j < nact;) {
			struct tile_arm *o = &t[active[j]];

			if (o->hi < lo) {
				active[j] = active[--nact];
				continue;
			}
			if (nov == capov) {
				size_t c2 = capov ? capov * 2 : 16;
				struct space_overlap *v =
					realloc(ov, sizeof(*v) * c2);

				if (!v)
					goto nomem;
				ov = v;
				capov = c2;
			}
			ov[nov++] = (struct space_overlap){
				o->idx < t[i].idx ? o->idx : t[i].idx,
				o->idx < t[i].idx ? t[i].idx : o->idx,
				lo, o->hi < hi ? o->hi : hi };
			j++;
		}
		active[nact++] = (uint32_t)i;
		/* Gaps: the part of the parent before this arm. */
		if (full || hi < parent.lo || lo > parent.hi)
			continue;
		if (lo > cur)
			gaps[ngaps++] = (struct space_ival){ cur, lo - 1 };
		if (hi >= cur) {
			if (hi >= parent.hi)
				full = true;
			else
				cur = hi + 1;
		}
	}
	if (!full)
		gaps[ngaps++] = (struct space_ival){ cur, parent.hi };
	if (nov)
		qsort(ov, nov, sizeof(*ov), overlap_cmp);
	out->total_overlaps = nov;
	out->noverlaps = nov < cap ? nov : cap;
	if (out->noverlaps) {
		struct space_overlap *keep =
			arena_alloc(sp, sizeof(*keep) * out->noverlaps);

		if (!keep)
			goto nomem;
		memcpy(keep, ov, sizeof(*keep) * out->noverlaps);
		out->overlaps = keep;
	}
	out->gaps = gaps;
	out->ngaps = ngaps;
	out->outside = outside;
	out->noutside = nout;
	rc = 0;
	goto done_;
nomem:
	set_err(sp, "out of memory");
	memset(out, 0, sizeof(*out));
done_:
	free(t);
	free(ov);
	free(active);
	return rc;
}
