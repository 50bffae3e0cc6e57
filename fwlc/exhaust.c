// SPDX-License-Identifier: MIT
/*
 * exhaust.c - exhaustiveness, overlap and shadowing over packet sets.
 *
 * A pattern (with its guard) is turned into a union of boxes: products of
 * one interval per dimension (check.h: DIM_IIF ... DIM_ICODE).  A CIDR is
 * an interval of addresses, a port range an interval of ports, a set of
 * constructors or interfaces a few one-value intervals; `∉` is the
 * complement.  What cannot be expressed (a payload pattern, a TTL, an
 * opaque guard) leaves the box larger than the arm and marks it inexact:
 * such an arm may still be found shadowed (its superset is covered) but
 * never covers anything.
 *
 * The arms are swept in order with R, the packets no earlier arm decided,
 * starting from the universe (only real packets: an IPv4 address is below
 * 2^32, ports exist only for TCP/UDP, ICMP types only for ICMP).  Arm i is
 * shadowed when its set misses R; it covers when exact and it cannot
 * Continue, and then R -= S_i.  R left at the end is the witness of
 * non-exhaustiveness, printed as FWL patterns.  This is Maranget's
 * usefulness question answered on sets split at every boundary the arms
 * mention, so the answers are exact for what the boxes express.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwlc/check_int.h"

#define U128_MAX (~(u128)0)
#define V4_MAX ((u128)0xffffffffu)
#define MAX_WITNESSES 3
#define MAX_ARM_BOXES 4096	/* beyond: the constraint is dropped */
/* earlier arms subtracted one by one, beyond: only liveness (tests lower it) */
int exhaust_max_subtract = 64;
#define MAX_WITNESS_BOXES 1000	/* uncovered pieces looked for */

/*
 * Box sets
 */

void boxes_push(BoxSet *s, const Box *b)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 4;
		s->v = xrealloc(s->v, sizeof(*s->v) * (size_t)s->cap);
	}
	s->v[s->n++] = *b;
}

void boxes_free(BoxSet *s)
{
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

/* Move a set's boxes into the arena (results that outlive the pass). */
void boxes_keep(Check *c, BoxSet *s)
{
	Box *v = s->n ? arena_memdup(c->a, s->v, sizeof(*v) * (size_t)s->n) :
			NULL;
	free(s->v);
	s->v = v;
	s->cap = s->n;
}

void box_full(Box *b)
{
	for (int d = 0; d < NDIM; d++) {
		b->lo[d] = 0;
		b->hi[d] = U128_MAX;
	}
}

static u128 addr_value(const IPAddr *ip)
{
	u128 v = 0;
	int n = ip->family == 4 ? 4 : 16;
	for (int i = 0; i < n; i++)
		v = (v << 8) | ip->addr[i];
	return v;
}

/*
 * One-dimensional sets
 */

void iv_push(IvSet *s, u128 lo, u128 hi)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 4;
		s->v = xrealloc(s->v, sizeof(*s->v) * (size_t)s->cap);
	}
	s->v[s->n++] = (Iv){ lo, hi };
	s->sorted = 0;
}

void iv_push_cidr(IvSet *s, const IPAddr *ip)
{
	int bits = ip->family == 4 ? 32 : 128;
	u128 v = addr_value(ip);
	u128 host = ip->prefix >= bits ? 0 :
		    bits - ip->prefix == 128 ? U128_MAX :
		    (((u128)1) << (bits - ip->prefix)) - 1;
	iv_push(s, v & ~host, v | host);
}

void iv_free(IvSet *s)
{
	free(s->v);
	*s = (IvSet){0};
}

void iv_keep(Check *c, IvSet *s)
{
	Iv *v = s->n ? arena_memdup(c->a, s->v, sizeof(*v) * (size_t)s->n) :
		       NULL;
	free(s->v);
	s->v = v;
	s->cap = s->n;
}

static void iv_append(IvSet *out, const IvSet *in)
{
	if (out->cap - out->n < in->n) {
		out->cap = out->n + in->n;
		out->v = xrealloc(out->v, sizeof(*out->v) * (size_t)out->cap);
	}
	if (in->n)
		memcpy(out->v + out->n, in->v, sizeof(*in->v) * (size_t)in->n);
	out->n += in->n;
	out->sorted = 0;
}

/* Are the intervals ascending and disjoint (so a binary search finds
   those that meet a range)?  Asked once per set. */
static bool iv_sorted(IvSet *s)
{
	if (!s->sorted) {
		s->sorted = 1;
		for (int i = 1; i < s->n && s->sorted > 0; i++)
			if (s->v[i].lo <= s->v[i - 1].hi)
				s->sorted = -1;
	}
	return s->sorted > 0;
}

/* The first interval of a sorted set whose end is at least lo. */
static int iv_first_from(const IvSet *s, u128 lo)
{
	int a = 0, b = s->n;
	while (a < b) {
		int m = a + (b - a) / 2;
		if (s->v[m].hi < lo)
			a = m + 1;
		else
			b = m;
	}
	return a;
}

/*
 * out = [0, max] minus the intervals of s, as the pieces subtracting them
 * one by one in the set's order leaves, in that order: a piece that misses
 * an interval stays where it is, one it meets is replaced by what is left
 * of it below and above, appended.  When the intervals ascend by their
 * start, every interval meets only the last piece, so the pieces are the
 * gaps in ascending order: computed in one pass.  Otherwise the
 * subtraction is done as described (the cost grows with the set's size
 * times the pieces').
 */
static void iv_complement(IvSet *out, const IvSet *s, u128 max)
{
	bool ascending = true;
	for (int i = 1; i < s->n && ascending; i++)
		ascending = s->v[i].lo >= s->v[i - 1].lo;
	if (ascending) {
		u128 next = 0;	/* the lowest value not yet covered */
		bool done = false;
		for (int i = 0; i < s->n && !done; i++) {
			const Iv *b = &s->v[i];
			if (b->lo > max || b->hi < next)
				continue;
			if (b->lo > next)
				iv_push(out, next, b->lo - 1);
			if (b->hi >= max)
				done = true;
			else
				next = b->hi + 1;
		}
		if (!done)
			iv_push(out, next, max);
		return;
	}
	IvSet add = {0};
	iv_push(out, 0, max);
	for (int k = 0; k < s->n && out->n; k++) {
		const Iv *b = &s->v[k];
		int w = 0;
		add.n = 0;
		for (int i = 0; i < out->n; i++) {
			Iv cur = out->v[i];
			if (cur.lo > b->hi || b->lo > cur.hi) {
				out->v[w++] = cur;
				continue;
			}
			if (cur.lo < b->lo)
				iv_push(&add, cur.lo, b->lo - 1);
			if (cur.hi > b->hi)
				iv_push(&add, b->hi + 1, cur.hi);
		}
		out->n = w;
		for (int i = 0; i < add.n; i++)
			iv_push(out, add.v[i].lo, add.v[i].hi);
	}
	iv_free(&add);
}

static inline bool box_meets(const Box *a, const Box *b)
{
	/* the dimensions that tell boxes apart most often first */
	static const int order[NDIM] = {
		DIM_SRC, DIM_DPORT, DIM_DST, DIM_PROTO, DIM_L3, DIM_IIF,
		DIM_OIF, DIM_CTSTATE, DIM_SPORT, DIM_ITYPE, DIM_ICODE,
		DIM_CTDIR,
	};
	for (int k = 0; k < NDIM; k++) {
		int d = order[k];
		if (a->lo[d] > b->hi[d] || b->lo[d] > a->hi[d])
			return false;
	}
	return true;
}

static inline void box_and(Box *out, const Box *a, const Box *b)
{
	for (int d = 0; d < NDIM; d++) {
		out->lo[d] = a->lo[d] > b->lo[d] ? a->lo[d] : b->lo[d];
		out->hi[d] = a->hi[d] < b->hi[d] ? a->hi[d] : b->hi[d];
	}
}

/* out += a \ b (at most 2 * NDIM boxes). */
static void box_minus(BoxSet *out, const Box *a, const Box *b)
{
	if (!box_meets(a, b)) {
		boxes_push(out, a);
		return;
	}
	Box cur = *a;
	for (int d = 0; d < NDIM; d++) {
		if (cur.lo[d] < b->lo[d]) {
			Box p = cur;
			p.hi[d] = b->lo[d] - 1;
			boxes_push(out, &p);
			cur.lo[d] = b->lo[d];
		}
		if (cur.hi[d] > b->hi[d]) {
			Box p = cur;
			p.lo[d] = b->hi[d] + 1;
			boxes_push(out, &p);
			cur.hi[d] = b->hi[d];
		}
	}
}

/* r -= b, in place: boxes that miss b stay where they are. */
static void set_minus_box(BoxSet *r, const Box *b)
{
	static BoxSet add;
	int w = 0;
	add.n = 0;
	for (int i = 0; i < r->n; i++) {
		if (!box_meets(&r->v[i], b)) {
			if (w != i)	/* a box is 384 bytes: no self-copies */
				r->v[w] = r->v[i];
			w++;
		} else {
			box_minus(&add, &r->v[i], b);
		}
	}
	r->n = w;
	for (int i = 0; i < add.n; i++)
		boxes_push(r, &add.v[i]);
	if (add.cap > 1 << 16)
		boxes_free(&add);
}

/* r -= s */
static void set_minus(BoxSet *r, const BoxSet *s)
{
	for (int k = 0; k < s->n && r->n; k++)
		set_minus_box(r, &s->v[k]);
}

static bool set_meets(const BoxSet *a, const BoxSet *b)
{
	for (int i = 0; i < a->n; i++)
		for (int j = 0; j < b->n; j++)
			if (box_meets(&a->v[i], &b->v[j]))
				return true;
	return false;
}

/* out = a ∩ b */
static void set_and(BoxSet *out, const BoxSet *a, const BoxSet *b)
{
	for (int i = 0; i < a->n; i++)
		for (int j = 0; j < b->n; j++)
			if (box_meets(&a->v[i], &b->v[j])) {
				Box x;
				box_and(&x, &a->v[i], &b->v[j]);
				boxes_push(out, &x);
			}
}

static void set_copy(BoxSet *out, const BoxSet *a)
{
	for (int i = 0; i < a->n; i++)
		boxes_push(out, &a->v[i]);
}

/*
 * Constants as one-dimensional sets (of values on dim)
 */

static bool const_set(Check *c, const Expr *v, int dim, int fam,
		      IvSet *out, int depth);

/* The CIDR set a let built once (check_let), when it is the set asked for
   at this depth: the same family, not ICMP names (which depend on dim),
   and not so deep that building it again here would fail. */
static IvSet *shared_let(Check *c, DeclInfo *di, int dim, int fam, int depth)
{
	if (di->decl->kind != D_LET || !di->has_cidrs || di->cidr_fam != fam ||
	    dim == DIM_ITYPE || depth + 1 + di->cidr_depth > 32)
		return NULL;
	if (depth + 1 + di->cidr_depth > c->const_depth)
		c->const_depth = depth + 1 + di->cidr_depth;
	return &di->cidrs;
}

static bool const_decl(Check *c, DeclInfo *di, int dim, int fam,
		       IvSet *out, int depth)
{
	const Decl *d = di->decl;
	if (d->kind == D_IMPORT) {
		if (!di->has_cidrs)
			return false;
		if (fam && di->cidr_fam && di->cidr_fam != fam)
			return true;	/* no member of that family */
		if (fam && !di->cidr_fam) {
			/* mixed builtin: keep only the family's prefixes */
			const BuiltinSet *s = builtin_set(d->from + 8);
			IPAddr *ips = s ? builtin_set_addrs(s, c->a) : NULL;
			for (int i = 0; ips && i < s->n; i++)
				if (ips[i].family == fam)
					iv_push_cidr(out, &ips[i]);
			return ips != NULL;
		}
		/* a mixed set keeps its two families apart by magnitude:
		   IPv4 prefixes are < 2^32, IPv6 ones (except ::/96 and the
		   like) above */
		iv_append(out, &di->cidrs);
		return true;
	}
	if (d->kind == D_LET && d->value) {
		const IvSet *sh = shared_let(c, di, dim, fam, depth);
		if (sh) {
			iv_append(out, sh);
			return true;
		}
		return const_set(c, d->value, dim, fam, out, depth + 1);
	}
	return false;
}

static bool const_set(Check *c, const Expr *v, int dim, int fam,
		      IvSet *out, int depth)
{
	if (depth > 32)
		return false;
	if (depth > c->const_depth)
		c->const_depth = depth;
	switch (v->kind) {
	case E_LIT: {
		const Lit *l = &v->lit;
		switch (l->kind) {
		case LIT_IP:
		case LIT_CIDR:
			if (fam && l->ip.family != fam)
				return true;	/* other family: empty */
			iv_push_cidr(out, &l->ip);
			return true;
		case LIT_PORT:
		case LIT_PORTRANGE:
			iv_push(out, l->port.lo, l->port.hi);
			return true;
		case LIT_INT:
			iv_push(out, l->u, l->u);
			return true;
		default:
			return false;
		}
	}
	case E_SET:
		if (out->cap - out->n < v->nitems) {	/* one allocation,
							   not log2(n) */
			out->cap = out->n + v->nitems;
			out->v = xrealloc(out->v, sizeof(*out->v) *
						  (size_t)out->cap);
		}
		for (int i = 0; i < v->nitems; i++)
			if (!const_set(c, v->items[i], dim, fam, out, depth + 1))
				return false;
		return true;
	case E_NAME: {
		int n = proto_number(v->name);
		if (n >= 0) {
			iv_push(out, (u128)n, (u128)n);
			return true;
		}
		DeclInfo *di = global_lookup(c, v->name);
		if (di)
			return const_decl(c, di, dim, fam, out, depth);
		int ix;
		const EnumDef *en = enum_of_value(v->name, &ix);
		if (en && dim == DIM_ITYPE) {
			/* ICMP types by their wire number */
			const EnumDef *want = enum_by_name(fam == 6 ?
							   "Icmp6Type" :
							   "IcmpType");
			int k = enum_index(want, v->name);
			if (k < 0)
				return false;
			iv_push(out, (u128)want->numbers[k],
				(u128)want->numbers[k]);
			return true;
		}
		if (en) {
			iv_push(out, (u128)ix, (u128)ix);
			return true;
		}
		return false;
	}
	case E_FIELD: {
		if (v->lhs->kind != E_NAME)
			return false;
		DeclInfo *di = global_lookup(c, v->lhs->name);
		if (!di || di->decl->kind != D_INTERFACE)
			return false;
		int f = !strcmp(v->field, "cidr4") ? 4 :
			!strcmp(v->field, "cidr6") ? 6 : 0;
		if (!f)
			return false;
		if (fam && fam != f)
			return true;
		for (int i = 0; i < di->decl->nattrs; i++) {
			const Attr *at = di->decl->attrs[i];
			if (at->value && !strcmp(at->name, v->field))
				return const_set(c, at->value, dim, f, out,
						 depth + 1);
		}
		return true;	/* no such attribute: the empty set */
	}
	default:
		return false;
	}
}

/* The set a constant names, already built (a let's), or NULL. */
static IvSet *shared_set(Check *c, const Expr *v, int dim, int fam)
{
	if (v->kind != E_NAME || proto_number(v->name) >= 0)
		return NULL;
	DeclInfo *di = global_lookup(c, v->name);
	return di ? shared_let(c, di, dim, fam, 0) : NULL;
}

bool exhaust_const_set(Check *c, const Expr *v, int dim, int fam,
		       IvSet *out)
{
	const IvSet *sh = shared_set(c, v, dim, fam);
	if (sh) {	/* arena memory, read only: shared, not copied */
		*out = *sh;
		return true;
	}
	IvSet tmp = {0};
	bool ok = const_set(c, v, dim, fam, &tmp, 0);
	if (ok) {
		*out = tmp;
		iv_keep(c, out);
	} else {
		iv_free(&tmp);
	}
	return ok;
}

/*
 * Patterns and guards into box sets
 */

typedef struct Binder {
	const char *name;
	const HeaderDef *hdr;
	int fam;
} Binder;

typedef struct PB {
	Check *c;
	BoxSet s;		/* current set */
	bool exact;
	Binder binders[8];
	int nbinders;
} PB;

static u128 dim_max(const Check *c, int dim, int fam)
{
	switch (dim) {
	case DIM_IIF:
	case DIM_OIF:
		return (u128)c->nifaces + 1;
	case DIM_CTSTATE:
		return 4;
	case DIM_CTDIR:
		return 1;
	case DIM_L3:
		return 3;
	case DIM_PROTO:
		return 255;
	case DIM_SRC:
	case DIM_DST:
		return fam == 4 ? V4_MAX : U128_MAX;
	case DIM_SPORT:
	case DIM_DPORT:
		return 65535;
	case DIM_ITYPE:
	case DIM_ICODE:
		return 255;
	}
	return U128_MAX;
}

/* s := s ∩ (set on dim), or s \ (set on dim) when negate.  More than
   MAX_ARM_BOXES boxes: the constraint is dropped, and s is inexact. */
static void pb_constrain(PB *pb, int dim, IvSet *set, bool negate, int fam)
{
	IvSet neg = {0};
	IvSet *iv = set;	/* read in place, not copied */
	if (negate) {
		iv_complement(&neg, set, dim_max(pb->c, dim, fam));
		iv = &neg;
	}
	/* the intervals that meet a box, in the set's order: those of a
	   sorted set are found by a binary search (a million prefixes
	   against a box that meets a few), the others all tried */
	bool sorted = iv->n > 16 && iv_sorted(iv);
	BoxSet out = {0};
	for (int i = 0; i < pb->s.n && out.n <= MAX_ARM_BOXES; i++) {
		const Box *in = &pb->s.v[i];
		int j = sorted ? iv_first_from(iv, in->lo[dim]) : 0;
		for (; j < iv->n && out.n <= MAX_ARM_BOXES; j++) {
			u128 lo = iv->v[j].lo, hi = iv->v[j].hi;
			if (sorted && lo > in->hi[dim])
				break;
			if (lo < in->lo[dim])
				lo = in->lo[dim];
			if (hi > in->hi[dim])
				hi = in->hi[dim];
			if (lo <= hi) {
				boxes_push(&out, in);
				out.v[out.n - 1].lo[dim] = lo;
				out.v[out.n - 1].hi[dim] = hi;
			}
		}
	}
	iv_free(&neg);
	if (out.n > MAX_ARM_BOXES) {
		boxes_free(&out);
		pb->exact = false;
		return;
	}
	boxes_free(&pb->s);
	pb->s = out;
}

static void pb_value(PB *pb, int dim, u128 v)
{
	IvSet one = {0};
	iv_push(&one, v, v);
	pb_constrain(pb, dim, &one, false, 0);
	iv_free(&one);
}

/* A field test `dim op value`. */
static void pb_test(PB *pb, int dim, int op, const Expr *v, int fam)
{
	IvSet tmp = {0};
	IvSet *set = shared_set(pb->c, v, dim, fam);
	if (!set) {
		if (!const_set(pb->c, v, dim, fam, &tmp, 0)) {
			pb->exact = false;
			iv_free(&tmp);
			return;
		}
		set = &tmp;
	}
	switch (op) {
	case OP_EQ:
	case OP_IN:
		pb_constrain(pb, dim, set, false, fam);
		break;
	case OP_NE:
	case OP_NOTIN:
		pb_constrain(pb, dim, set, true, fam);
		break;
	case OP_LT: case OP_LE: case OP_GT: case OP_GE: {
		if (set->n != 1) {
			pb->exact = false;
			break;
		}
		u128 x = set->v[0].lo, mx = dim_max(pb->c, dim, fam);
		IvSet iv = {0};
		if (op == OP_LT && x > 0)
			iv_push(&iv, 0, x - 1);
		else if (op == OP_LE)
			iv_push(&iv, 0, x);
		else if (op == OP_GT && x < mx)
			iv_push(&iv, x + 1, mx);
		else if (op == OP_GE)
			iv_push(&iv, x, mx);
		pb_constrain(pb, dim, &iv, false, fam);
		iv_free(&iv);
		break;
	}
	default:
		pb->exact = false;
	}
	iv_free(&tmp);
}

/* Interfaces named by an expression or pattern name: a bit mask. */
static bool iface_mask(Check *c, const char *name, uint64_t *m)
{
	if (!strcmp(name, "lo")) {
		*m |= 1ull << c->nifaces;
		return true;
	}
	DeclInfo *di = global_lookup(c, name);
	if (!di)
		return false;
	if (di->decl->kind == D_INTERFACE && di->iface >= 0 && di->iface < 62) {
		*m |= 1ull << di->iface;
		return true;
	}
	if (di->decl->kind == D_ZONE) {
		*m |= di->zone;
		return true;
	}
	return false;
}

static bool iface_expr_mask(Check *c, const Expr *e, uint64_t *m)
{
	if (e->kind == E_NAME)
		return iface_mask(c, e->name, m);
	if (e->kind == E_SET) {
		for (int i = 0; i < e->nitems; i++)
			if (!iface_expr_mask(c, e->items[i], m))
				return false;
		return true;
	}
	return false;
}

static void pb_mask(PB *pb, int dim, uint64_t m, bool negate)
{
	IvSet set = {0};
	for (int i = 0; i <= pb->c->nifaces + 1 && i < 64; i++)
		if (m & (1ull << i))
			iv_push(&set, (u128)i, (u128)i);
	pb_constrain(pb, dim, &set, negate, 0);
	iv_free(&set);
}

static void pb_iface(PB *pb, const Pat *p, int dim)
{
	uint64_t m = 0;
	if (p->kind == P_WILD)
		return;
	if (p->kind == P_VAR) {
		if (pb->c->nifaces > 60 || !iface_mask(pb->c, p->name, &m)) {
			pb->exact = false;
			return;
		}
		pb_mask(pb, dim, m, false);
		return;
	}
	if (p->kind == P_IN) {
		if (pb->c->nifaces > 60 || !iface_expr_mask(pb->c, p->set, &m)) {
			pb->exact = false;
			return;
		}
		pb_mask(pb, dim, m, p->op == OP_NOTIN);
		return;
	}
	pb->exact = false;
}

static bool is_any(const Pat *p)
{
	return p->kind == P_WILD || p->kind == P_VAR;
}

static void pb_record(PB *pb, const Pat *p, const HeaderDef *h)
{
	if (p->kind == P_AS) {
		pb_record(pb, p->as, h);
		return;
	}
	if ((p->kind == P_VAR || p->kind == P_RECORD) && p->name &&
	    pb->nbinders < 8)
		pb->binders[pb->nbinders++] = (Binder){ p->name, h, h->fam };
	if (p->kind != P_RECORD)
		return;
	for (int i = 0; i < p->nfields; i++) {
		const PatField *f = p->fields[i];
		const FieldDef *fd = header_field(h, f->name);
		if (!fd || fd->dim < 0) {
			pb->exact = false;
			continue;
		}
		pb_test(pb, fd->dim, f->op, f->value, h->fam);
	}
}

static void pb_l4(PB *pb, const Pat *p, int fam)
{
	if (p->kind == P_AS) {
		pb_l4(pb, p->as, fam);
		return;
	}
	if (is_any(p))
		return;
	if (p->kind != P_CON) {
		pb->exact = false;
		return;
	}
	const HeaderDef *h = header_by_con(p->name);
	if (h && h->layer == 4 && p->nargs == 2) {
		pb_value(pb, DIM_PROTO, (u128)h->proto);
		pb_record(pb, p->args[0], h);
		if (!is_any(p->args[1]))
			pb->exact = false;
		return;
	}
	/* a declared pattern: its header fixes the protocol */
	DeclInfo *di = global_lookup(pb->c, p->name);
	if (di && di->ty && di->ty->kind == TY_TUPLE && di->ty->nitems == 2 &&
	    di->ty->items[0]->kind == TY_HEADER &&
	    di->ty->items[0]->hdr->proto >= 0)
		pb_value(pb, DIM_PROTO, (u128)di->ty->items[0]->hdr->proto);
	pb->exact = false;
}

static void pb_l3(PB *pb, const Pat *p)
{
	if (p->kind == P_AS) {
		pb_l3(pb, p->as);
		return;
	}
	if (is_any(p))
		return;
	if (p->kind != P_CON || p->nargs != 2) {
		pb->exact = false;
		return;
	}
	const HeaderDef *h = header_by_con(p->name);
	if (!h || h->layer != 3) {
		pb->exact = false;
		return;
	}
	if (!h->fam) {	/* VLAN: the inner packet is not analysed */
		pb_value(pb, DIM_L3, L3_VLAN);
		if (!is_any(p->args[0]) || !is_any(p->args[1]))
			pb->exact = false;
		return;
	}
	pb_value(pb, DIM_L3, h->fam == 4 ? L3_IPV4 : L3_IPV6);
	pb_record(pb, p->args[0], h);
	pb_l4(pb, p->args[1], h->fam);
}

static void pb_frame(PB *pb, const Pat *p)
{
	if (p->kind == P_AS) {
		pb_frame(pb, p->as);
		return;
	}
	if (is_any(p))
		return;
	if (p->kind != P_CON || p->nargs < 1) {
		pb->exact = false;
		return;
	}
	const Pat *ifs = p->args[0];
	if (ifs->kind == P_ARROW) {
		pb_iface(pb, ifs->sub, DIM_IIF);
		pb_iface(pb, ifs->to, DIM_OIF);
	} else {
		pb_iface(pb, ifs, DIM_IIF);
	}
	if (p->nargs < 2 || is_any(p->args[1]))
		return;
	const Pat *eth = p->args[1];
	if (eth->kind != P_CON || eth->nargs != 2) {
		pb->exact = false;
		return;
	}
	pb_record(pb, eth->args[0], header_by_con("Ether"));
	pb_l3(pb, eth->args[1]);
}

static const Binder *pb_binder(PB *pb, const char *name)
{
	for (int i = pb->nbinders - 1; i >= 0; i--)
		if (!strcmp(pb->binders[i].name, name))
			return &pb->binders[i];
	return NULL;
}

/* One comparison of a guard: ct fields, iif/oif, bound header fields. */
static void pb_atom(PB *pb, const Expr *g)
{
	if (g->kind != E_BINARY) {
		pb->exact = false;
		return;
	}
	const Expr *l = g->lhs, *r = g->rhs;
	int op = g->op;
	if (op != OP_EQ && op != OP_NE && op != OP_IN && op != OP_NOTIN &&
	    !(op >= OP_LT && op <= OP_GE)) {
		pb->exact = false;
		return;
	}
	bool neg = op == OP_NE || op == OP_NOTIN;
	if (l->kind == E_NAME && (!strcmp(l->name, "iif") ||
				  !strcmp(l->name, "oif")) &&
	    (op == OP_EQ || op == OP_NE || op == OP_IN || op == OP_NOTIN)) {
		uint64_t m = 0;
		if (pb->c->nifaces > 60 || !iface_expr_mask(pb->c, r, &m)) {
			pb->exact = false;
			return;
		}
		pb_mask(pb, l->name[0] == 'i' ? DIM_IIF : DIM_OIF, m, neg);
		return;
	}
	if (l->kind != E_FIELD || l->lhs->kind != E_NAME) {
		pb->exact = false;
		return;
	}
	if (!strcmp(l->lhs->name, "ct") && !pb_binder(pb, "ct")) {
		int dim = !strcmp(l->field, "state") ? DIM_CTSTATE :
			  !strcmp(l->field, "direction") ? DIM_CTDIR : -1;
		const EnumDef *en = enum_by_name(dim == DIM_CTSTATE ?
						 "CtState" : "CtDirection");
		if (dim < 0 || (op != OP_EQ && op != OP_NE && op != OP_IN &&
				op != OP_NOTIN)) {
			pb->exact = false;
			return;
		}
		IvSet set = {0};
		const Expr *items[64];
		int n = 0;
		if (r->kind == E_SET)
			for (int i = 0; i < r->nitems && n < 64; i++)
				items[n++] = r->items[i];
		else
			items[n++] = r;
		for (int i = 0; i < n; i++) {
			int k = items[i]->kind == E_NAME ?
					enum_index(en, items[i]->name) : -1;
			if (k < 0) {
				iv_free(&set);
				pb->exact = false;
				return;
			}
			iv_push(&set, (u128)k, (u128)k);
		}
		pb_constrain(pb, dim, &set, neg, 0);
		iv_free(&set);
		return;
	}
	const Binder *b = pb_binder(pb, l->lhs->name);
	const FieldDef *fd = b ? header_field(b->hdr, l->field) : NULL;
	if (!fd || fd->dim < 0) {
		pb->exact = false;
		return;
	}
	pb_test(pb, fd->dim, op, r, b->fam);
}

static void pb_guard(PB *pb, const Expr *g)
{
	if (g->kind == E_BINARY && g->op == OP_AND) {
		pb_guard(pb, g->lhs);
		pb_guard(pb, g->rhs);
		return;
	}
	if (g->kind == E_BINARY && g->op == OP_OR) {
		PB a = *pb, b = *pb;
		a.s = (BoxSet){0};
		b.s = (BoxSet){0};
		set_copy(&a.s, &pb->s);
		set_copy(&b.s, &pb->s);
		a.exact = b.exact = true;
		pb_guard(&a, g->lhs);
		pb_guard(&b, g->rhs);
		if (!a.exact || !b.exact) {
			/* the superset stays pb->s */
			pb->exact = false;
		} else {
			boxes_free(&pb->s);
			set_copy(&pb->s, &a.s);
			set_copy(&pb->s, &b.s);
		}
		boxes_free(&a.s);
		boxes_free(&b.s);
		return;
	}
	if (g->kind == E_NAME && (!strcmp(g->name, "true") ||
				  !strcmp(g->name, "True")))
		return;
	pb_atom(pb, g);
}

/* The universe of frames: only packets that exist. */
static void frame_universe(Check *c, BoxSet *u)
{
	Box b;
	box_full(&b);
	b.hi[DIM_IIF] = b.hi[DIM_OIF] = (u128)c->nifaces + 1;
	b.hi[DIM_CTSTATE] = 4;
	b.hi[DIM_CTDIR] = 1;
	for (int d = DIM_PROTO; d < NDIM; d++)
		b.lo[d] = b.hi[d] = 0;
	b.lo[DIM_L3] = b.hi[DIM_L3] = L3_OTHER;
	boxes_push(u, &b);
	b.lo[DIM_L3] = b.hi[DIM_L3] = L3_VLAN;
	boxes_push(u, &b);
	for (int fam = 4; fam <= 6; fam += 2) {
		Box ip = b;
		int icmp = fam == 4 ? 1 : 58;
		ip.lo[DIM_L3] = ip.hi[DIM_L3] = fam == 4 ? L3_IPV4 : L3_IPV6;
		ip.hi[DIM_SRC] = ip.hi[DIM_DST] = fam == 4 ? V4_MAX : U128_MAX;
		Box t = ip;	/* TCP, UDP: ports */
		t.hi[DIM_SPORT] = t.hi[DIM_DPORT] = 65535;
		t.lo[DIM_PROTO] = t.hi[DIM_PROTO] = 6;
		boxes_push(u, &t);
		t.lo[DIM_PROTO] = t.hi[DIM_PROTO] = 17;
		boxes_push(u, &t);
		Box i = ip;	/* ICMP: type and code */
		i.lo[DIM_PROTO] = i.hi[DIM_PROTO] = (u128)icmp;
		i.hi[DIM_ITYPE] = i.hi[DIM_ICODE] = 255;
		boxes_push(u, &i);
		/* every other protocol */
		int cuts[3] = { 6, 17, icmp };
		if (icmp == 1) {
			cuts[0] = 1;
			cuts[1] = 6;
			cuts[2] = 17;
		} else {
			cuts[0] = 6;
			cuts[1] = 17;
			cuts[2] = 58;
		}
		int lo = 0;
		for (int k = 0; k <= 3; k++) {
			int hi = k < 3 ? cuts[k] - 1 : 255;
			if (lo <= hi) {
				Box o = ip;
				o.lo[DIM_PROTO] = (u128)lo;
				o.hi[DIM_PROTO] = (u128)hi;
				boxes_push(u, &o);
			}
			lo = k < 3 ? cuts[k] + 1 : 256;
		}
	}
}

/*
 * Printing boxes as FWL patterns
 */

typedef struct Buf {
	char *p, *end;
} Buf;

static void bputs(Buf *b, const char *s)
{
	while (*s && b->p < b->end - 1)
		*b->p++ = *s++;
	*b->p = 0;
}

static void bprintf(Buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void bprintf(Buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(b->p, (size_t)(b->end - b->p), fmt, ap);
	va_end(ap);
	if (n > 0)
		b->p += n < b->end - b->p ? n : b->end - b->p - 1;
}

/* The largest prefix starting at lo inside [lo, hi]. */
static void print_addr_iv(Buf *b, u128 lo, u128 hi, int fam)
{
	int bits = fam == 4 ? 32 : 128;
	int host = 0;
	while (host < bits) {
		u128 m = host + 1 == 128 ? U128_MAX : (((u128)1) << (host + 1)) - 1;
		if ((lo & m) != 0 || (lo | m) > hi)
			break;
		host++;
	}
	IPAddr ip = { .family = (uint8_t)fam,
		      .prefix = (uint8_t)(bits - host) };
	int n = fam == 4 ? 4 : 16;
	u128 v = lo;
	for (int i = n - 1; i >= 0; i--) {
		ip.addr[i] = (uint8_t)(v & 0xff);
		v >>= 8;
	}
	char s[64];
	ip_str(&ip, s, sizeof(s));
	bprintf(b, "%s/%d", s, ip.prefix);
}

static void print_iface_set(Buf *b, const Check *c, u128 lo, u128 hi,
			    const char *which)
{
	int other = c->nifaces + 1;
	if (lo == hi && (int)lo < other) {
		bputs(b, c->iface_names[(int)lo]);
		return;
	}
	if (lo == hi) {	/* an undeclared interface */
		bprintf(b, "%s ∉ {", which);
		for (int i = 0; i < other; i++)
			bprintf(b, "%s%s", i ? ", " : "", c->iface_names[i]);
		bputs(b, "}");
		return;
	}
	if ((int)hi >= other) {	/* includes undeclared ones: the rest */
		bprintf(b, "%s ∉ {", which);
		for (int i = 0; i < (int)lo; i++)
			bprintf(b, "%s%s", i ? ", " : "", c->iface_names[i]);
		bputs(b, "}");
		return;
	}
	bprintf(b, "%s ∈ {", which);
	for (u128 i = lo; i <= hi && (int)i < other; i++)
		bprintf(b, "%s%s", i > lo ? ", " : "", c->iface_names[(int)i]);
	bputs(b, "}");
}

static bool dim_full(const Check *c, const Box *x, int d, int fam)
{
	return x->lo[d] == 0 && x->hi[d] >= dim_max(c, d, fam);
}

static void print_port_field(Buf *b, const Box *x, int d, const char *name,
			     bool *first)
{
	if (x->lo[d] == 0 && x->hi[d] >= 65535)
		return;
	bprintf(b, "%s%s ", *first ? " { " : ", ", name);
	*first = false;
	if (x->lo[d] == x->hi[d])
		bprintf(b, "= :%u", (unsigned)x->lo[d]);
	else
		bprintf(b, "∈ :%u-%u", (unsigned)x->lo[d], (unsigned)x->hi[d]);
}

static void print_frame_box(Buf *b, const Check *c, const Box *x)
{
	bool iif = !dim_full(c, x, DIM_IIF, 0), oif = !dim_full(c, x, DIM_OIF, 0);
	bputs(b, "Frame(");
	if (iif)
		print_iface_set(b, c, x->lo[DIM_IIF], x->hi[DIM_IIF], "iif");
	else
		bputs(b, "_");
	if (oif) {
		bputs(b, " -> ");
		print_iface_set(b, c, x->lo[DIM_OIF], x->hi[DIM_OIF], "oif");
	}
	bputs(b, ", ");
	int l3 = (int)x->lo[DIM_L3];
	if (x->lo[DIM_L3] != x->hi[DIM_L3]) {
		bputs(b, "_");
	} else if (l3 == L3_OTHER) {
		bputs(b, "Ether(eth { type = 0x0806 }, _)");
	} else if (l3 == L3_VLAN) {
		bputs(b, "Ether(_, VLAN(_, _))");
	} else {
		int fam = l3 == L3_IPV4 ? 4 : 6;
		const char *v = fam == 4 ? "ip" : "ip6";
		bprintf(b, "Ether(_, IPv%d(", fam);
		bool first = true;
		for (int d = DIM_SRC; d <= DIM_DST; d++)
			if (!dim_full(c, x, d, fam)) {
				bprintf(b, "%s%s { ", first ? "" : ", ",
					first ? v : "");
				if (!first)
					b->p -= 2, *b->p = 0;
				bprintf(b, "%s ∈ ", d == DIM_SRC ? "src" : "dst");
				print_addr_iv(b, x->lo[d], x->hi[d], fam);
				first = false;
			}
		int proto = (int)x->lo[DIM_PROTO];
		bool one = x->lo[DIM_PROTO] == x->hi[DIM_PROTO];
		bool l4 = one && (proto == 6 || proto == 17 ||
				  proto == (fam == 4 ? 1 : 58));
		if (!l4 && !(x->lo[DIM_PROTO] == 0 && x->hi[DIM_PROTO] == 255)) {
			bprintf(b, "%s%s %s = %d", first ? v : ",",
				first ? " {" : "",
				fam == 4 ? "protocol" : "nexthdr", proto);
			first = false;
		}
		bputs(b, first ? "_" : " }");
		bputs(b, ", ");
		if (!l4) {
			bputs(b, "_");
		} else if (proto == 6 || proto == 17) {
			const char *n = proto == 6 ? "TCP" : "UDP";
			const char *h = proto == 6 ? "tcp" : "udp";
			bprintf(b, "%s(", n);
			bool f = true;
			char *mark = b->p;
			bputs(b, h);
			print_port_field(b, x, DIM_SPORT, "sport", &f);
			print_port_field(b, x, DIM_DPORT, "dport", &f);
			if (f) {
				b->p = mark;
				bputs(b, "_");
			} else {
				bputs(b, " }");
			}
			bputs(b, ", _)");
		} else {
			bprintf(b, "%s(", fam == 4 ? "ICMP" : "ICMPv6");
			bool f = x->lo[DIM_ITYPE] == 0 &&
				 x->hi[DIM_ITYPE] >= 255 &&
				 x->lo[DIM_ICODE] == 0 &&
				 x->hi[DIM_ICODE] >= 255;
			if (f)
				bputs(b, "_");
			else
				bprintf(b, "%s { type = %u, code = %u }",
					fam == 4 ? "icmp" : "icmp6",
					(unsigned)x->lo[DIM_ITYPE],
					(unsigned)x->lo[DIM_ICODE]);
			bputs(b, ", _)");
		}
		bputs(b, "))");
	}
	bputs(b, ")");
	static const char *const dn[2] = { "state", "direction" };
	bool guard = false;
	for (int k = 0; k < 2; k++) {
		int d = k ? DIM_CTDIR : DIM_CTSTATE;
		if (dim_full(c, x, d, 0))
			continue;
		const EnumDef *en = enum_by_name(k ? "CtDirection" : "CtState");
		bprintf(b, " %s ct.%s ", guard ? "&&" : "if", dn[k]);
		guard = true;
		if (x->lo[d] == x->hi[d]) {
			bprintf(b, "== %s", en->values[(int)x->lo[d]]);
		} else {
			bputs(b, "∈ {");
			for (u128 i = x->lo[d]; i <= x->hi[d]; i++)
				bprintf(b, "%s%s", i > x->lo[d] ? ", " : "",
					en->values[(int)i]);
			bputs(b, "}");
		}
	}
}

/*
 * Arms
 */

/* The action of a simple body (Allow, Drop, DNATMap(forwards)) as text
   for comparing verdicts; NULL when the body computes its verdict. */
static const char *action_key(Check *c, const Expr *body)
{
	if (body->kind == E_NAME)
		return body->name;
	if (body->kind == E_CALL && body->fn->kind == E_NAME &&
	    (!strcmp(body->fn->name, "DNAT") ||
	     !strcmp(body->fn->name, "SNAT") ||
	     !strcmp(body->fn->name, "DNATMap"))) {
		const Source *s = source_get(body->span.file);
		if (!s)
			return NULL;
		char *k = arena_alloc(c->a, body->span.len + 1), *o = k;
		for (uint32_t i = 0; i < body->span.len; i++)
			if (s->text[body->span.off + i] != ' ' &&
			    s->text[body->span.off + i] != '\n' &&
			    s->text[body->span.off + i] != '\t')
				*o++ = s->text[body->span.off + i];
		*o = 0;
		return k;
	}
	return NULL;
}

static void arm_set(Check *c, CheckArm *ca, bool frame)
{
	PB pb = { .c = c, .exact = true };
	Box full;
	box_full(&full);
	boxes_push(&pb.s, &full);
	if (frame)
		pb_frame(&pb, ca->arm->pat);
	if (ca->arm->guard)
		pb_guard(&pb, ca->arm->guard);
	ca->set = pb.s;
	ca->exact = pb.exact;
}

static const char *arm_label(Check *c, const CheckArm *arms, int i)
{
	return arena_printf(c->a, "arm %d (line %u)", i + 1,
			    arms[i].arm->span.line);
}

/* Merge boxes equal in every dimension but one where they touch. */
static void coalesce(BoxSet *r)
{
	bool changed = true;
	while (changed && r->n <= 4096) {
		changed = false;
		for (int i = 0; i < r->n; i++)
			for (int j = i + 1; j < r->n; j++) {
				Box *a = &r->v[i], *b = &r->v[j];
				int diff = -1, ndiff = 0;
				for (int d = 0; d < NDIM && ndiff < 2; d++)
					if (a->lo[d] != b->lo[d] ||
					    a->hi[d] != b->hi[d]) {
						diff = d;
						ndiff++;
					}
				if (ndiff != 1)
					continue;
				int d = diff;
				if (a->hi[d] != U128_MAX && a->hi[d] + 1 < b->lo[d])
					continue;
				if (b->hi[d] != U128_MAX && b->hi[d] + 1 < a->lo[d])
					continue;
				if (b->lo[d] < a->lo[d])
					a->lo[d] = b->lo[d];
				if (b->hi[d] > a->hi[d])
					a->hi[d] = b->hi[d];
				r->v[j] = r->v[--r->n];
				changed = true;
				j--;
			}
	}
}

/* Witnesses users read first: IPv4, then IPv6, then the rest. */
static int l3_rank(const Box *b)
{
	static const int rank[4] = { 2, 0, 1, 3 };
	return b->lo[DIM_L3] <= 3 ? rank[(int)b->lo[DIM_L3]] : 4;
}

static int proto_rank(const Box *b)
{
	if (b->lo[DIM_PROTO] != b->hi[DIM_PROTO])
		return 4;
	switch ((int)b->lo[DIM_PROTO]) {
	case 6: return 0;
	case 17: return 1;
	case 1: case 58: return 2;
	default: return 3;
	}
}

static int box_order(const void *x, const void *y)
{
	const Box *a = x, *b = y;
	if (l3_rank(a) != l3_rank(b))
		return l3_rank(a) - l3_rank(b);
	if (proto_rank(a) != proto_rank(b))
		return proto_rank(a) - proto_rank(b);
	for (int d = 0; d < NDIM; d++)
		if (a->lo[d] != b->lo[d])
			return a->lo[d] < b->lo[d] ? -1 : 1;
	return 0;
}

static void witnesses(Check *c, Diag *g, BoxSet *r,
		      void (*print)(Buf *, const Check *, const Box *))
{
	int shown = 0;
	coalesce(r);
	qsort(r->v, (size_t)r->n, sizeof(*r->v), box_order);
	for (int i = 0; i < r->n && shown < MAX_WITNESSES; i++, shown++) {
		char buf[1024];
		Buf b = { buf, buf + sizeof(buf) };
		buf[0] = 0;
		print(&b, c, &r->v[i]);
		diag_help(c->d, g, "missing: %s", buf);
	}
	if (r->n >= MAX_WITNESS_BOXES)
		diag_help(c->d, g, "and at least %d more", r->n - shown);
	else if (r->n > shown)
		diag_help(c->d, g, "and %d more", r->n - shown);
}

/*
 * An index of the arms by their bounding interval on DIM_SRC (the field
 * arms differ in most), so that each arm meets only the arms near it:
 * intervals are grouped by length class 2^k and sorted by start; a query
 * for [lo, hi] looks in class k at starts in [lo - 2^k, hi].
 */

typedef struct IxEnt {
	u128 lo, hi;
	int arm;
} IxEnt;

typedef struct ArmIndex {
	IxEnt *cls[129];
	int n[129];
} ArmIndex;

static int bitlen(u128 x)
{
	int n = 0;
	while (x) {
		n++;
		x >>= 1;
	}
	return n;
}

static bool bounds(const BoxSet *s, u128 *lo, u128 *hi)
{
	if (!s->n)
		return false;
	*lo = s->v[0].lo[DIM_SRC];
	*hi = s->v[0].hi[DIM_SRC];
	for (int i = 1; i < s->n; i++) {
		if (s->v[i].lo[DIM_SRC] < *lo)
			*lo = s->v[i].lo[DIM_SRC];
		if (s->v[i].hi[DIM_SRC] > *hi)
			*hi = s->v[i].hi[DIM_SRC];
	}
	return true;
}

static int ixent_order(const void *x, const void *y)
{
	const IxEnt *a = x, *b = y;
	return a->lo < b->lo ? -1 : a->lo > b->lo;
}

static void index_build(ArmIndex *ix, const CheckArm *arms, int narms)
{
	memset(ix, 0, sizeof(*ix));
	int cap[129] = { 0 };
	for (int i = 0; i < narms; i++) {
		u128 lo, hi;
		if (!bounds(&arms[i].set, &lo, &hi))
			continue;
		int k = bitlen(hi - lo);
		if (ix->n[k] == cap[k]) {
			cap[k] = cap[k] ? cap[k] * 2 : 16;
			ix->cls[k] = xrealloc(ix->cls[k], sizeof(IxEnt) *
							  (size_t)cap[k]);
		}
		ix->cls[k][ix->n[k]++] = (IxEnt){ lo, hi, i };
	}
	for (int k = 0; k <= 128; k++)
		if (ix->n[k])
			qsort(ix->cls[k], (size_t)ix->n[k], sizeof(IxEnt),
			      ixent_order);
}

static void index_free(ArmIndex *ix)
{
	for (int k = 0; k <= 128; k++)
		free(ix->cls[k]);
}

static int int_order(const void *x, const void *y)
{
	return *(const int *)x - *(const int *)y;
}

/* Arms in [from, to) whose bounding interval meets that of s, ascending;
   *out is malloc'ed. */
static int index_query(const ArmIndex *ix, const BoxSet *s, int from, int to,
		       int **out)
{
	u128 lo, hi;
	int n = 0, cap = 16;
	*out = xmalloc(sizeof(int) * (size_t)cap);
	if (!bounds(s, &lo, &hi))
		return 0;
	for (int k = 0; k <= 128; k++) {
		if (!ix->n[k])
			continue;
		u128 span = k == 128 ? U128_MAX : (((u128)1) << k);
		u128 start = lo >= span ? lo - span : 0;
		int a = 0, b = ix->n[k];
		while (a < b) {	/* first entry with lo >= start */
			int m = (a + b) / 2;
			if (ix->cls[k][m].lo < start)
				a = m + 1;
			else
				b = m;
		}
		for (int m = a; m < ix->n[k] && ix->cls[k][m].lo <= hi; m++) {
			const IxEnt *e = &ix->cls[k][m];
			if (e->hi < lo || e->arm < from || e->arm >= to)
				continue;
			if (n == cap) {
				cap *= 2;
				*out = xrealloc(*out, sizeof(int) * (size_t)cap);
			}
			(*out)[n++] = e->arm;
		}
	}
	qsort(*out, (size_t)n, sizeof(int), int_order);
	return n;
}

static bool covers(const CheckArm *a)
{
	return a->exact && !a->may_continue;
}

/* Arm i never fires: report the earlier arms that decide its packets
   (each packet goes to the first covering arm that matches it), so the
   list is exact: together they cover the arm, none is superfluous. */
static void report_shadowed(Check *c, CheckArm *arms, int i,
			    const int *used, int n, const char *what)
{
	Diag *g = diag_warning(c->d, arms[i].arm->pat->span, WARN_SHADOWED,
			       "this arm never matches: %s cover%s every %s it "
			       "matches", n == 1 ? "an earlier arm" :
			       "earlier arms", n == 1 ? "s" : "", what);
	for (int k = 0; k < n && k < 8; k++)
		diag_note(c->d, g, &arms[used[k]].arm->pat->span,
			  "covered by %s", arm_label(c, arms, used[k]));
	if (n > 8)
		diag_note(c->d, g, NULL, "and %d more arms", n - 8);
	if (n == 0)
		diag_note(c->d, g, NULL, "no %s can match it", what);
}

/*
 * What part of box q do the rows leave uncovered?  Maranget-style
 * splitting instead of subtraction: choose the dimension the rows
 * constrain most, cut q there at every row boundary, and recurse into each
 * piece with the rows that meet it.  A piece no row meets is uncovered; a
 * piece some row contains is covered.  This stays fast where subtracting
 * thousands of boxes one by one would fragment the remainder.
 */

typedef struct Row {
	const Box *b;
} Row;

static int cut_order(const void *x, const void *y)
{
	u128 a = *(const u128 *)x, b = *(const u128 *)y;
	return a < b ? -1 : a > b;
}

static int row_lo_dim;

static int row_order(const void *x, const void *y)
{
	const Row *a = x, *b = y;
	u128 p = a->b->lo[row_lo_dim], q = b->b->lo[row_lo_dim];
	return p < q ? -1 : p > q;
}

/* Small working arrays live on the stack: uncovered() is asked hundreds
   of thousands of times over a policy of 100,000 arms, mostly of a few
   rows, and malloc was a sixth of the check. */
#define SMALL_ROWS 32

/* Returns false once out holds limit boxes (the search stops). */
static bool uncovered(const Box *q, const Row *in, int nin, BoxSet *out,
		      int limit, int depth)
{
	Row rows_s[SMALL_ROWS], active_s[SMALL_ROWS];
	u128 cuts_s[2 * SMALL_ROWS];
	Row *rows = nin < SMALL_ROWS ? rows_s :
		    xmalloc(sizeof(Row) * (size_t)(nin + 1));
	int n = 0;
	for (int i = 0; i < nin; i++)
		if (box_meets(in[i].b, q))
			rows[n++] = in[i];
	bool ok = true;
	if (n == 0) {
		boxes_push(out, q);
		ok = out->n < limit;
		goto done;
	}
	for (int i = 0; i < n; i++) {
		bool in_all = true;
		for (int d = 0; d < NDIM && in_all; d++)
			in_all = rows[i].b->lo[d] <= q->lo[d] &&
				 rows[i].b->hi[d] >= q->hi[d];
		if (in_all)
			goto done;	/* covered */
	}
	/* the dimension most rows constrain inside q */
	int best = -1, bestn = 0;
	for (int d = 0; d < NDIM; d++) {
		int k = 0;
		for (int i = 0; i < n; i++)
			k += rows[i].b->lo[d] > q->lo[d] ||
			     rows[i].b->hi[d] < q->hi[d];
		if (k > bestn) {
			bestn = k;
			best = d;
		}
	}
	if (best < 0 || depth > 64) {	/* cannot happen: a row would
					   contain q */
		goto done;
	}
	int d = best;
	u128 *cuts = n < SMALL_ROWS - 1 ? cuts_s :
		     xmalloc(sizeof(u128) * (size_t)(2 * n + 2));
	int nc = 0;
	cuts[nc++] = q->lo[d];
	for (int i = 0; i < n; i++) {
		if (rows[i].b->lo[d] > q->lo[d])
			cuts[nc++] = rows[i].b->lo[d];
		if (rows[i].b->hi[d] < q->hi[d])
			cuts[nc++] = rows[i].b->hi[d] + 1;
	}
	qsort(cuts, (size_t)nc, sizeof(u128), cut_order);
	row_lo_dim = d;
	qsort(rows, (size_t)n, sizeof(Row), row_order);
	Row *active = n < SMALL_ROWS ? active_s :
		      xmalloc(sizeof(Row) * (size_t)(n + 1));
	int na = 0, next = 0;
	for (int k = 0; k < nc && ok; k++) {
		if (k && cuts[k] == cuts[k - 1])
			continue;
		u128 lo = cuts[k];
		int k2 = k + 1;
		while (k2 < nc && cuts[k2] == lo)
			k2++;
		u128 hi = k2 < nc ? cuts[k2] - 1 : q->hi[d];
		/* rows starting at or before lo join; ended rows leave */
		while (next < n && rows[next].b->lo[d] <= lo)
			active[na++] = rows[next++];
		int w = 0;
		for (int i = 0; i < na; i++)
			if (active[i].b->hi[d] >= lo)
				active[w++] = active[i];
		na = w;
		Box piece = *q;
		piece.lo[d] = lo;
		piece.hi[d] = hi;
		ok = uncovered(&piece, active, na, out, limit, depth + 1);
	}
	if (active != active_s)
		free(active);
	if (cuts != cuts_s)
		free(cuts);
done:
	if (rows != rows_s)
		free(rows);
	return ok;
}

/* Is anything of set s (within universe) left by the arms cand[]? */
static bool set_live(const BoxSet *s, const BoxSet *universe,
		     const CheckArm *arms, const int *cand, int nc)
{
	int nr = 0, cap = 16;
	Row *rows = xmalloc(sizeof(Row) * (size_t)cap);
	for (int k = 0; k < nc; k++) {
		const CheckArm *b = &arms[cand[k]];
		if (!covers(b))
			continue;
		for (int m = 0; m < b->set.n; m++) {
			if (nr == cap) {
				cap *= 2;
				rows = xrealloc(rows, sizeof(Row) * (size_t)cap);
			}
			rows[nr++] = (Row){ &b->set.v[m] };
		}
	}
	BoxSet q = {0}, out = {0};
	set_and(&q, s, universe);
	bool live = false;
	for (int i = 0; i < q.n && !live; i++) {
		uncovered(&q.v[i], rows, nr, &out, 1, 0);
		live = out.n > 0;
	}
	boxes_free(&q);
	boxes_free(&out);
	free(rows);
	return live;
}

/* The boxes of the arms taken so far, as rows for uncovered(). */
typedef struct Rows {
	Row *v;
	int n, cap;
} Rows;

static void rows_add(Rows *r, const BoxSet *s)
{
	for (int m = 0; m < s->n; m++) {
		if (r->n == r->cap) {
			r->cap = r->cap ? r->cap * 2 : 16;
			r->v = xrealloc(r->v, sizeof(Row) * (size_t)r->cap);
		}
		r->v[r->n++] = (Row){ &s->v[m] };
	}
}

/* Does box q hold a point no row covers? */
static bool box_live(const Box *q, const Rows *r)
{
	static BoxSet out;	/* reused: at most one box */
	out.n = 0;
	uncovered(q, r->v, r->n, &out, 1, 0);
	return out.n > 0;
}

/* Does a (∩ b, unless b is NULL) hold a point no row covers?  The same
   answer as subtracting the rows' boxes from a one by one and looking at
   what is left, without the fragments that subtraction makes. */
static bool meet_live(const BoxSet *a, const BoxSet *b, const Rows *r)
{
	for (int i = 0; i < a->n; i++) {
		if (!b) {
			if (box_live(&a->v[i], r))
				return true;
			continue;
		}
		for (int j = 0; j < b->n; j++)
			if (box_meets(&a->v[i], &b->v[j])) {
				Box x;
				box_and(&x, &a->v[i], &b->v[j]);
				if (box_live(&x, r))
					return true;
			}
	}
	return false;
}

/* Does one covering arm take in the whole universe (a catch-all)? */
static bool has_catch_all(const CheckArm *arms, int narms,
			  const BoxSet *universe)
{
	for (int i = 0; i < narms; i++) {
		if (!covers(&arms[i]))
			continue;
		bool all = true;
		for (int u = 0; u < universe->n && all; u++) {
			bool in = false;
			for (int k = 0; k < arms[i].set.n && !in; k++) {
				const Box *a = &universe->v[u], *b =
					&arms[i].set.v[k];
				in = true;
				for (int d = 0; d < NDIM && in; d++)
					in = a->lo[d] >= b->lo[d] &&
					     a->hi[d] <= b->hi[d];
			}
			all = in;
		}
		if (all)
			return true;
	}
	return false;
}

/* What arm j decides, D_j: q[j] (S_j within the universe) minus the earlier
   covering arms, subtracted box by box as before, since its boxes are
   printed (made only for the partly-shadowed example). */
static const BoxSet *decided_of(const ArmIndex *ix, const CheckArm *arms,
				const BoxSet *q, BoxSet *decided, bool *made,
				int j)
{
	if (made[j])
		return &decided[j];
	made[j] = true;
	BoxSet d = {0};
	set_copy(&d, &q[j]);
	int *cand;
	int nc = index_query(ix, &arms[j].set, 0, j, &cand);
	for (int k = 0; k < nc && d.n; k++) {
		const CheckArm *b = &arms[cand[k]];
		if (!covers(b) || !set_meets(&b->set, &d))
			continue;
		set_minus(&d, &b->set);
	}
	free(cand);
	decided[j] = d;
	return &decided[j];
}

/* The core sweep over arms; policy: report redundancy and partial
   shadowing too (first-match arms with verdicts). */
static void sweep(Check *c, CheckArm *arms, int narms, BoxSet *universe,
		  const char *what, Span at, const char *whole, bool policy)
{
	ArmIndex ix;
	BoxSet *decided = xmalloc(sizeof(BoxSet) * (size_t)(narms + 1));
	BoxSet *q = xmalloc(sizeof(BoxSet) * (size_t)(narms + 1));
	bool *dlive = xmalloc(sizeof(bool) * (size_t)(narms + 1));
	bool *made = xmalloc(sizeof(bool) * (size_t)(narms + 1));
	const char **keys = xmalloc(sizeof(char *) * (size_t)(narms + 1));
	int *used = xmalloc(sizeof(int) * (size_t)(narms + 1));
	/* the q[i] kept, one after the other in one block (q[i].v points
	   into it once it stops growing): a malloc per arm was a tenth of
	   the check at 100,000 arms */
	BoxSet pool = { xmalloc(sizeof(Box) * (size_t)(narms + 1)), 0,
			narms + 1 }, d = {0};
	int *qoff = xmalloc(sizeof(int) * (size_t)(narms + 1));
	index_build(&ix, arms, narms);
	for (int i = 0; i < narms; i++) {
		CheckArm *a = &arms[i];
		keys[i] = policy ? action_key(c, a->arm->body) : NULL;
		decided[i] = q[i] = (BoxSet){0};
		dlive[i] = made[i] = false;
		/* D = S_i minus the earlier covering arms; with many of
		   them only whether D is empty (D itself is then not kept:
		   no redundancy or partial-shadowing report for the arm) */
		d.n = 0;
		int *cand, nu = 0;
		int nc = index_query(&ix, &a->set, 0, i, &cand);
		if (nc > exhaust_max_subtract) {
			if (!set_live(&a->set, universe, arms, cand, nc)) {
				a->shadowed = true;
				for (int k = 0; k < nc; k++)
					if (covers(&arms[cand[k]]) &&
					    set_meets(&arms[cand[k]].set,
						      &a->set))
						used[nu++] = cand[k];
				report_shadowed(c, arms, i, used, nu, what);
			}
			free(cand);
			continue;
		}
		/* asked of the sets with uncovered() rather than by
		   subtracting box by box, which fragments: an arm is used
		   when it meets what the covering arms before it leave,
		   and D is empty when they cover all of S_i */
		set_and(&d, &a->set, universe);
		Rows rows = {0};
		for (int k = 0; k < nc && d.n; k++) {
			const CheckArm *b = &arms[cand[k]];
			if (!covers(b))
				continue;
			if (set_meets(&b->set, &d) &&
			    meet_live(&d, &b->set, &rows))
				used[nu++] = cand[k];
			rows_add(&rows, &b->set);
		}
		free(cand);
		bool empty = !meet_live(&d, NULL, &rows);
		free(rows.v);
		if (empty) {
			a->shadowed = true;
			report_shadowed(c, arms, i, used, nu, what);
		}
		if (covers(a) && !empty) {
			dlive[i] = true;
			qoff[i] = pool.n;
			q[i].n = d.n;
			set_copy(&pool, &d);
		}
	}
	boxes_free(&d);
	for (int i = 0; i < narms; i++)
		if (dlive[i])
			q[i].v = pool.v + qoff[i];	/* cap 0: not freed */
	if (!has_catch_all(arms, narms, universe)) {
		BoxSet r = {0};
		int nr = 0;
		Row *rows = xmalloc(sizeof(Row) * (size_t)(1 + narms));
		int cap = narms + 1;
		for (int i = 0; i < narms; i++) {
			if (!covers(&arms[i]))
				continue;
			for (int m = 0; m < arms[i].set.n; m++) {
				if (nr == cap) {
					cap *= 2;
					rows = xrealloc(rows, sizeof(Row) *
							       (size_t)cap);
				}
				rows[nr++] = (Row){ &arms[i].set.v[m] };
			}
		}
		for (int u = 0; u < universe->n; u++)
			if (!uncovered(&universe->v[u], rows, nr, &r,
				       MAX_WITNESS_BOXES, 0))
				break;
		free(rows);
		if (getenv("FWL_CHECK_STATS"))
			fprintf(stderr, "sweep: %d arms, %d boxes left\n",
				narms, r.n);
		if (r.n) {
			Diag *g = diag_error(c->d, at, ERR_NONEXHAUSTIVE, "%s",
					     whole);
			witnesses(c, g, &r, print_frame_box);
			/* an arm that would cover but may Continue: say so */
			for (int i = narms - 1; i >= 0; i--)
				if (arms[i].exact && arms[i].may_continue &&
				    !arms[i].shadowed) {
					diag_note(c->d, g, &arms[i].arm->body->span,
						  "%s may return Continue, which "
						  "passes the packet to the next "
						  "arm; after the last arm no "
						  "arm decides it",
						  arm_label(c, arms, i));
					break;
				}
			diag_help(c->d, g, "add arms for these, or end with "
				  "_ -> ...");
		}
		boxes_free(&r);
	}
	if (!policy)
		goto out;
	/* partly shadowed arms with another verdict (not after a Drop or
	   Reject: denying first is the usual idiom) */
	for (int i = 0; i < narms; i++) {
		CheckArm *a = &arms[i];
		if (a->shadowed || !keys[i] ||
		    (a->arm->pat->kind == P_WILD && !a->arm->guard))
			continue;
		int *cand;
		int nc = index_query(&ix, &a->set, 0, i, &cand);
		for (int k = 0; k < nc; k++) {
			int j = cand[k];
			if (!dlive[j] || !keys[j] ||
			    !strcmp(keys[j], keys[i]) ||
			    !strcmp(keys[j], "Drop") ||
			    !strcmp(keys[j], "Reject") ||
			    !set_meets(&q[j], &a->set) ||
			    !set_meets(decided_of(&ix, arms, q, decided, made,
						  j), &a->set))
				continue;
			BoxSet both = {0};
			set_and(&both, &decided[j], &a->set);
			qsort(both.v, (size_t)both.n, sizeof(*both.v),
			      box_order);
			char buf[1024];
			Buf b = { buf, buf + sizeof(buf) };
			buf[0] = 0;
			print_frame_box(&b, c, &both.v[0]);
			Diag *g = diag_warning(c->d, a->arm->pat->span,
					       WARN_PARTLY_SHADOWED,
					       "this arm (%s) is partly "
					       "shadowed by %s, which decides "
					       "%s", keys[i],
					       arm_label(c, arms, j), keys[j]);
			diag_note(c->d, g, &arms[j].arm->pat->span, "%s "
				  "decides %s first", arm_label(c, arms, j),
				  keys[j]);
			diag_help(c->d, g, "for example: %s", buf);
			boxes_free(&both);
			break;
		}
		free(cand);
	}
	/* redundant arms: removing them changes no verdict.  Arm i is
	   redundant when the later arms, in order, decide all it decides
	   with its verdict: each later arm with another verdict misses
	   what the covering later arms before it leave of decided[i], and
	   those cover all of it.  Asked of the sets with uncovered(), not
	   by subtracting box by box (which fragments: 300 /32s subtracted
	   from thousands of boxes made hundreds of thousands). */
	for (int i = 0; i < narms; i++) {
		if (!dlive[i] || !keys[i])
			continue;
		/* D_i is q[i] less the earlier covering arms: they start
		   the rows */
		Rows rows = {0};
		int *pc;
		int npc = index_query(&ix, &arms[i].set, 0, i, &pc);
		for (int k = 0; k < npc; k++)
			if (covers(&arms[pc[k]]))
				rows_add(&rows, &arms[pc[k]].set);
		free(pc);
		bool same = true;
		int *cand;
		int nc = index_query(&ix, &q[i], i + 1, narms, &cand);
		for (int k = 0; k < nc; k++) {
			CheckArm *b = &arms[cand[k]];
			if (keys[cand[k]] && !strcmp(keys[cand[k]], keys[i])) {
				if (covers(b))
					rows_add(&rows, &b->set);
				continue;
			}
			if (set_meets(&b->set, &q[i]) &&
			    meet_live(&q[i], &b->set, &rows)) {
				same = false;
				break;
			}
		}
		free(cand);
		if (same && !meet_live(&q[i], NULL, &rows)) {
			Diag *g = diag_warning(c->d, arms[i].arm->pat->span,
					       WARN_REDUNDANT,
					       "this arm is redundant: without "
					       "it, later arms decide %s for "
					       "the same packets", keys[i]);
			diag_help(c->d, g, "remove it, or change its action");
		}
		free(rows.v);
	}
out:
	for (int i = 0; i < narms; i++)
		boxes_free(&decided[i]);
	boxes_free(&pool);
	free(qoff);
	index_free(&ix);
	free(decided);
	free(q);
	free(dlive);
	free(made);
	free(keys);
	free(used);
}

void exhaust_policy(Check *c, CheckPolicy *cp)
{
	const Decl *d = cp->decl;
	BoxSet u = {0};
	frame_universe(c, &u);
	/* each arm's boxes go to the arena at once (they outlive the pass),
	   so the heap keeps reusing the same few blocks: growing 100,000
	   sets side by side made malloc a third of the time */
	for (int i = 0; i < d->narms; i++) {
		arm_set(c, &cp->arms[i], true);
		boxes_keep(c, &cp->arms[i].set);
	}
	char *whole = arena_printf(c->a, "policy '%s' does not decide every "
				   "packet", d->name);
	sweep(c, cp->arms, d->narms, &u, "packet", d->name_span, whole, true);
	boxes_free(&u);
}

void exhaust_frame_case(Check *c, const Expr *cs, CheckArm *ca, bool in_rule)
{
	(void)in_rule;
	BoxSet u = {0};
	frame_universe(c, &u);
	for (int i = 0; i < cs->narms; i++) {
		ca[i].may_continue = false;	/* a case returns Continue as a
						   value; it still matched */
		arm_set(c, &ca[i], true);
	}
	Span at = cs->span;
	at.len = 4;	/* `case` */
	sweep(c, ca, cs->narms, &u, "frame", at,
	      "this case does not cover every frame", false);
	for (int i = 0; i < cs->narms; i++)
		boxes_free(&ca[i].set);
	boxes_free(&u);
}

/*
 * Cases over scalars: IP, Port, Protocol, Int, enums, Bool and tuples of
 * them.  Dimension k is item k of the tuple.
 */

typedef struct Scalar {
	Check *c;
	const Ty *items[NDIM];
	int n;
} Scalar;

static u128 scalar_max(const Ty *t)
{
	switch (t->kind) {
	case TY_IP:
		return t->fam == 4 ? V4_MAX : U128_MAX;
	case TY_PORT:
		return 65535;
	case TY_PROTO:
		return 255;
	case TY_ENUM:
		return (u128)t->en->nvalues - 1;
	case TY_BOOL:
		return 1;
	default:
		return (u128)UINT64_MAX;
	}
}

static void scalar_universe(const Scalar *s, Box *b)
{
	box_full(b);
	for (int d = 0; d < NDIM; d++)
		b->lo[d] = b->hi[d] = 0;
	for (int d = 0; d < s->n; d++)
		b->hi[d] = scalar_max(s->items[d]);
}

/* Constrain pb->s by pattern p on dimension d; false: not constant. */
static void scalar_pat(Scalar *s, PB *pb, const Pat *p, int d)
{
	const Ty *t = s->items[d];
	switch (p->kind) {
	case P_WILD:
		return;
	case P_AS:
		scalar_pat(s, pb, p->as, d);
		return;
	case P_VAR: {
		DeclInfo *di = global_lookup(s->c, p->name);
		if (di && di->decl->kind == D_LET) {
			IvSet set = {0};
			if (const_decl(s->c, di, d, t->fam, &set, 0))
				pb_constrain(pb, d, &set, false, t->fam);
			else
				pb->exact = false;
			iv_free(&set);
		}
		return;
	}
	case P_LIT: {
		IvSet set = {0};
		if (const_set(s->c, p->value, d, t->fam, &set, 0))
			pb_constrain(pb, d, &set, false, t->fam);
		else
			pb->exact = false;
		iv_free(&set);
		return;
	}
	case P_CON: {
		int k = -1;
		if (t->kind == TY_ENUM)
			k = enum_index(t->en, p->name);
		else if (t->kind == TY_BOOL)
			k = !strcmp(p->name, "True") ? 1 :
			    !strcmp(p->name, "False") ? 0 : -1;
		if (k < 0) {
			pb->exact = false;
			return;
		}
		pb_value(pb, d, (u128)k);
		return;
	}
	case P_IN: {
		IvSet set = {0};
		if (const_set(s->c, p->set, d, t->fam, &set, 0))
			pb_constrain(pb, d, &set, p->op == OP_NOTIN, t->fam);
		else
			pb->exact = false;
		iv_free(&set);
		return;
	}
	case P_TUPLE:
		if (s->n == p->nargs && d == 0 && s->n > 1) {
			for (int i = 0; i < p->nargs; i++)
				scalar_pat(s, pb, p->args[i], i);
			return;
		}
		pb->exact = false;
		return;
	default:
		pb->exact = false;
	}
}

static void print_scalar_iv(Buf *b, const Ty *t, u128 lo, u128 hi)
{
	switch (t->kind) {
	case TY_IP:
		print_addr_iv(b, lo, hi, t->fam == 6 ? 6 : 4);
		return;
	case TY_PORT:
		if (lo == hi)
			bprintf(b, ":%u", (unsigned)lo);
		else
			bprintf(b, ":%u-%u", (unsigned)lo, (unsigned)hi);
		return;
	case TY_ENUM:
		bputs(b, t->en->values[(int)lo]);
		return;
	case TY_BOOL:
		bputs(b, lo ? "True" : "False");
		return;
	case TY_PROTO:
		if (proto_name((int)lo)) {
			bputs(b, proto_name((int)lo));
			return;
		}
		/* fall through */
	default:
		bprintf(b, "%llu", (unsigned long long)lo);
	}
}

static const Scalar *cur_scalar;

static void print_scalar_box(Buf *b, const Check *c, const Box *x)
{
	(void)c;
	const Scalar *s = cur_scalar;
	if (s->n > 1)
		bputs(b, "(");
	for (int d = 0; d < s->n; d++) {
		if (d)
			bputs(b, ", ");
		if (x->lo[d] == 0 && x->hi[d] >= scalar_max(s->items[d]))
			bputs(b, "_");
		else
			print_scalar_iv(b, s->items[d], x->lo[d], x->hi[d]);
	}
	if (s->n > 1)
		bputs(b, ")");
}

static bool is_literal_arm(const Pat *p)
{
	return p->kind == P_LIT || (p->kind == P_AS && is_literal_arm(p->as));
}

void exhaust_scalar_case(Check *c, const Expr *cs, const Ty *t,
			 const Refinement *ref)
{
	Scalar s = { .c = c };
	if (t->kind == TY_TUPLE) {
		for (int i = 0; i < t->nitems; i++)
			s.items[s.n++] = t->items[i];
	} else {
		s.items[s.n++] = t;
	}
	BoxSet u = {0};
	Box ub;
	scalar_universe(&s, &ub);
	if (ref && s.n == 1) {
		for (int i = 0; i < ref->set.n; i++) {
			Box b = ub;
			b.lo[0] = ref->set.v[i].lo;
			b.hi[0] = ref->set.v[i].hi;
			boxes_push(&u, &b);
		}
	} else {
		boxes_push(&u, &ub);
	}
	CheckArm *ca = xmalloc(sizeof(*ca) * (size_t)(cs->narms + 1));
	for (int i = 0; i < cs->narms; i++) {
		PB pb = { .c = c, .exact = true };
		Box full;
		box_full(&full);
		boxes_push(&pb.s, &full);
		scalar_pat(&s, &pb, cs->arms[i]->pat, 0);
		if (cs->arms[i]->guard)
			pb.exact = false;
		ca[i] = (CheckArm){ .arm = cs->arms[i], .set = pb.s,
				    .exact = pb.exact };
	}
	/* arms that must tile: literal arms may not overlap */
	bool bad = false;
	for (int i = 0; i < cs->narms; i++) {
		if (!is_literal_arm(cs->arms[i]->pat))
			continue;
		BoxSet in = {0};
		set_and(&in, &ca[i].set, &u);
		if (!in.n && ref) {
			char buf[512];
			Buf b = { buf, buf + sizeof(buf) };
			buf[0] = 0;
			for (int k = 0; k < u.n && k < 4; k++) {
				if (k)
					bputs(&b, ", ");
				print_scalar_iv(&b, s.items[0], u.v[k].lo[0],
						u.v[k].hi[0]);
			}
			Diag *g = diag_error(c->d, cs->arms[i]->pat->span,
					     ERR_OUTSIDE_REFINEMENT,
					     "this arm can never match: the "
					     "value is refined to %s%s here",
					     u.n > 1 ? "{" : "", buf);
			if (u.n > 1)
				bputs(&b, "}");
			diag_note(c->d, g, NULL, "the refinement comes from the "
				  "record pattern that bound the field");
			ca[i].shadowed = true;
			bad = true;
		}
		boxes_free(&in);
		for (int j = 0; j < i; j++) {
			if (!is_literal_arm(cs->arms[j]->pat) ||
			    ca[j].shadowed || !set_meets(&ca[j].set, &ca[i].set))
				continue;
			BoxSet both = {0};
			set_and(&both, &ca[j].set, &ca[i].set);
			char buf[512];
			Buf b = { buf, buf + sizeof(buf) };
			buf[0] = 0;
			cur_scalar = &s;
			print_scalar_box(&b, c, &both.v[0]);
			Diag *g = diag_error(c->d, cs->arms[i]->pat->span,
					     ERR_OVERLAP, "this arm overlaps "
					     "%s: both match %s",
					     arm_label(c, ca, j), buf);
			diag_note(c->d, g, &cs->arms[j]->pat->span, "%s is "
				  "here", arm_label(c, ca, j));
			diag_help(c->d, g, "the arms of a case on addresses or "
				  "ports must tile: make them disjoint");
			boxes_free(&both);
			ca[i].shadowed = true;
			bad = true;
			break;
		}
	}
	/* shadowing and exhaustiveness (refined universe) */
	int *used = xmalloc(sizeof(int) * (size_t)(cs->narms + 1));
	BoxSet r = {0};
	set_copy(&r, &u);
	for (int i = 0; i < cs->narms; i++) {
		if (ca[i].shadowed)
			continue;
		BoxSet d = {0};
		int nu = 0;
		set_and(&d, &ca[i].set, &u);
		for (int j = 0; j < i && d.n; j++)
			if (covers(&ca[j]) && !ca[j].shadowed &&
			    set_meets(&ca[j].set, &d)) {
				used[nu++] = j;
				set_minus(&d, &ca[j].set);
			}
		bool dead = !d.n;
		boxes_free(&d);
		if (dead) {
			ca[i].shadowed = true;
			report_shadowed(c, ca, i, used, nu, "value");
			continue;
		}
		if (ca[i].exact)
			set_minus(&r, &ca[i].set);
	}
	if (r.n && !bad) {
		Span at = cs->span;
		at.len = 4;
		Diag *g = diag_error(c->d, at, ERR_NONEXHAUSTIVE, "this case "
				     "does not cover every value of %s%s",
				     ty_str(c->a, t), ref ? " (as refined)" :
				     "");
		cur_scalar = &s;
		witnesses(c, g, &r, print_scalar_box);
	}
	boxes_free(&r);
	free(used);
	for (int i = 0; i < cs->narms; i++)
		boxes_free(&ca[i].set);
	free(ca);
	boxes_free(&u);
}
