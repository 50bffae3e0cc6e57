// SPDX-License-Identifier: MIT
/* classify.c - table runs of arms, see classify.h and maps/cls.h. */
#include <stdlib.h>
#include <string.h>

#include "fwlc/classify.h"

#define CLS_MAX_SHAPES 64	/* lookups per run; a longer run is split */

/* One combination of an arm's values: a future fwl_cls entry. */
struct point {
	unsigned fields;	/* IR_SH_* */
	uint8_t splen, dplen;	/* address prefix lengths */
	uint8_t spplen, dpplen;	/* port mask lengths (16: exact) */
	uint8_t src[16], dst[16];
	uint16_t sport, dport, l3;
	uint8_t l4, itype, icode;
};

static void put_prefix(uint8_t *out, const uint8_t *addr, int bytes, int plen)
{
	for (int i = 0; i < bytes; i++) {
		int bits = plen - 8 * i;
		uint8_t m = bits >= 8 ? 0xff : bits <= 0 ? 0
					 : (uint8_t)(0xff << (8 - bits));
		out[i] = addr[i] & m;
	}
}

/* Add one simple test to pt; -1 when it cannot be a table key. */
static int apply(struct point *pt, const struct ir_test *t)
{
	if (t->negate)
		return -1;
	switch (t->field) {
	case IRF_L3:
	case IRF_L4:
	case IRF_SPORT:
	case IRF_DPORT:
	case IRF_ICMP_TYPE:
	case IRF_ICMP_CODE: {
		static const unsigned bit[] = {
			[IRF_L3] = IR_SH_L3, [IRF_L4] = IR_SH_L4,
			[IRF_SPORT] = IR_SH_SPORT, [IRF_DPORT] = IR_SH_DPORT,
			[IRF_ICMP_TYPE] = IR_SH_ITYPE,
			[IRF_ICMP_CODE] = IR_SH_ICODE,
		};
		unsigned b = bit[t->field];
		uint64_t max = b == IR_SH_L4 || b == IR_SH_ITYPE ||
			       b == IR_SH_ICODE ? 0xff : 0xffff;
		if ((t->op != IR_EQ && !(t->op == IR_RANGE && t->lo == t->hi)) ||
		    (pt->fields & b) || t->lo > max)
			return -1;
		pt->fields |= b;
		if (b == IR_SH_L3)
			pt->l3 = (uint16_t)t->lo;
		else if (b == IR_SH_L4)
			pt->l4 = (uint8_t)t->lo;
		else if (b == IR_SH_SPORT)
			pt->sport = (uint16_t)t->lo, pt->spplen = 16;
		else if (b == IR_SH_DPORT)
			pt->dport = (uint16_t)t->lo, pt->dpplen = 16;
		else if (b == IR_SH_ITYPE)
			pt->itype = (uint8_t)t->lo;
		else
			pt->icode = (uint8_t)t->lo;
		return 0;
	}
	case IRF_VLAN_TAGS:
	case IRF_FRAG_LATER: {
		/* Patterns only ever require "none": the packet's key carries
		 * the condition as a flag that no entry has (maps/cls.h). */
		unsigned b = t->field == IRF_VLAN_TAGS ? IR_SH_NOVLAN
						       : IR_SH_NOFRAG;
		if (t->op != IR_EQ || t->lo != 0)
			return -1;
		pt->fields |= b;
		return 0;
	}
	case IRF_SRC4:
	case IRF_DST4:
	case IRF_SRC6:
	case IRF_DST6: {
		int six = t->field == IRF_SRC6 || t->field == IRF_DST6;
		int src = t->field == IRF_SRC4 || t->field == IRF_SRC6;
		unsigned b = src ? (six ? IR_SH_SRC6 : IR_SH_SRC4)
				 : (six ? IR_SH_DST6 : IR_SH_DST4);
		unsigned both = src ? IR_SH_SRC4 | IR_SH_SRC6
				    : IR_SH_DST4 | IR_SH_DST6;
		if (t->op != IR_PREFIX || t->plen > (six ? 128 : 32) ||
		    (pt->fields & both))
			return -1;
		if (t->plen == 0)
			return 0;	/* always holds */
		pt->fields |= b;
		if (src) {
			pt->splen = t->plen;
			put_prefix(pt->src, t->addr, six ? 16 : 4, t->plen);
		} else {
			pt->dplen = t->plen;
			put_prefix(pt->dst, t->addr, six ? 16 : 4, t->plen);
		}
		return 0;
	}
	default:
		return -1;
	}
}

/* A port range lo..hi as aligned blocks (value, mask length): at most 30;
 * their number, or -1 when more than max. */
static int port_blocks(uint32_t lo, uint32_t hi, struct ir_test *out, int max,
		       enum ir_field f)
{
	int n = 0;
	while (lo <= hi) {
		int len = 16;
		/* the largest aligned block at lo that stays within hi */
		while (len > 0) {
			uint32_t size = 1u << (16 - (len - 1));
			if ((lo & (size - 1)) || lo + size - 1 > hi)
				break;
			len--;
		}
		if (n == max)
			return -1;
		memset(&out[n], 0, sizeof(out[n]));
		out[n].field = f;
		out[n].op = IR_RANGE;	/* a block: lo, its mask length in idx */
		out[n].lo = lo;
		out[n].hi = lo + (1u << (16 - len)) - 1;
		out[n].idx = len;
		n++;
		lo += 1u << (16 - len);
	}
	return n;
}

/* Apply a port block (from port_blocks) to pt. */
static int apply_block(struct point *pt, const struct ir_test *t)
{
	unsigned b = t->field == IRF_SPORT ? IR_SH_SPORT : IR_SH_DPORT;
	if (pt->fields & b)
		return -1;
	pt->fields |= b;
	if (b == IR_SH_SPORT)
		pt->sport = (uint16_t)t->lo, pt->spplen = (uint8_t)t->idx;
	else
		pt->dport = (uint16_t)t->lo, pt->dpplen = (uint8_t)t->idx;
	return 0;
}

static int is_port_range(const struct ir_test *t)
{
	return (t->field == IRF_SPORT || t->field == IRF_DPORT) &&
	       t->op == IR_RANGE && t->lo < t->hi && !t->negate;
}

/* The arm's entries (its tests' alternatives multiplied out) in pts;
 * their number, or -1 when the arm must stay code. */
static int arm_points(const struct ir_arm *a, struct point *pts)
{
	int n = 1;
	struct ir_test blocks[CLS_MAX_ALTS];
	/* Continue stays code: in a policy it goes on with the next arm,
	 * which a table's "lowest matching arm decides" cannot express. */
	if (a->guard || !a->ntests || a->act->kind != IRA_LEAF ||
	    (a->act->action != IR_ALLOW && a->act->action != IR_DROP))
		return -1;
	memset(&pts[0], 0, sizeof(pts[0]));
	for (int i = 0; i < a->ntests; i++) {
		const struct ir_test *t = &a->tests[i];
		const struct ir_test *alts = t->alts;
		int nalts = t->nalts, block = 0;
		if (is_port_range(t)) {
			/* a range: one alternative per aligned block */
			nalts = port_blocks((uint32_t)t->lo, (uint32_t)t->hi,
					    blocks, CLS_MAX_ALTS, t->field);
			if (nalts < 0)
				return -1;
			alts = blocks;
			block = 1;
		} else if (t->op != IR_ANY) {
			for (int j = 0; j < n; j++)
				if (apply(&pts[j], t))
					return -1;
			continue;
		}
		if (t->negate || !nalts || n * nalts > CLS_MAX_ALTS)
			return -1;
		/* pts[k * n + j]: point j with alternative k. */
		for (int k = nalts - 1; k >= 0; k--)
			for (int j = 0; j < n; j++) {
				pts[k * n + j] = pts[j];
				if (alts[k].op == IR_ANY ||
				    (!block && is_port_range(&alts[k])) ||
				    (block ? apply_block(&pts[k * n + j],
							 &alts[k])
					   : apply(&pts[k * n + j], &alts[k])))
					return -1;
			}
		n *= nalts;
	}
	return n;
}

/* Entries already in the table, for deduplication: an equal key of a
 * later arm can never win (the earlier arm matches the same packets). */
struct keyset {
	uint32_t *slot;		/* entry index + 1; 0 = empty */
	size_t cap;
};

static uint64_t key_hash(const struct ir_cls_entry *e)
{
	uint8_t k[46];
	memcpy(k, &e->table, 4);
	memcpy(k + 4, e->src, 16);
	memcpy(k + 20, e->dst, 16);
	memcpy(k + 36, &e->sport, 2);
	memcpy(k + 38, &e->dport, 2);
	memcpy(k + 40, &e->l3, 2);
	k[42] = e->l4;
	k[43] = e->icmp_type;
	k[44] = e->icmp_code;
	k[45] = 0;
	return ir_fnv1a64(k, sizeof(k));
}

static int same_key(const struct ir_cls_entry *a, const struct ir_cls_entry *b)
{
	return a->table == b->table && !memcmp(a->src, b->src, 16) &&
	       !memcmp(a->dst, b->dst, 16) && a->sport == b->sport &&
	       a->dport == b->dport && a->l3 == b->l3 && a->l4 == b->l4 &&
	       a->icmp_type == b->icmp_type && a->icmp_code == b->icmp_code;
}

struct builder {
	struct ir_prog *ir;
	Arena *a;
	struct ir_cls_entry *ents;
	size_t nents, cap;
	struct keyset ks;
};

static void ks_grow(struct builder *b)
{
	size_t cap = b->ks.cap ? b->ks.cap * 2 : 1024;
	uint32_t *slot = calloc(cap, sizeof(*slot));
	if (!slot)
		abort();
	for (size_t i = 0; i < b->ks.cap; i++) {
		uint32_t s = b->ks.slot[i];
		if (!s)
			continue;
		size_t h = key_hash(&b->ents[s - 1]) & (cap - 1);
		while (slot[h])
			h = (h + 1) & (cap - 1);
		slot[h] = s;
	}
	free(b->ks.slot);
	b->ks.slot = slot;
	b->ks.cap = cap;
}

/* Add e unless its key is there; 1 if added. */
static int add_entry(struct builder *b, const struct ir_cls_entry *e)
{
	if (2 * (b->nents + 1) > b->ks.cap)
		ks_grow(b);
	size_t h = key_hash(e) & (b->ks.cap - 1);
	for (; b->ks.slot[h]; h = (h + 1) & (b->ks.cap - 1))
		if (same_key(&b->ents[b->ks.slot[h] - 1], e))
			return 0;
	if (b->nents == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 256;
		b->ents = xrealloc(b->ents, b->cap * sizeof(*b->ents));
	}
	b->ents[b->nents] = *e;
	b->ks.slot[h] = (uint32_t)++b->nents;
	return 1;
}

static int shape_of(struct ir_shape *sh, int nsh, const struct point *pt)
{
	for (int i = 0; i < nsh; i++)
		if (sh[i].fields == pt->fields && sh[i].src_plen == pt->splen &&
		    sh[i].dst_plen == pt->dplen &&
		    sh[i].sport_plen == pt->spplen &&
		    sh[i].dport_plen == pt->dpplen)
			return i;
	return -1;
}

/* Make arms [first, end) of pol a run (the caller checked each arm). */
static void make_run(struct builder *b, struct ir_policy *pol, int first,
		     int end, struct ir_run *run)
{
	struct ir_shape sh[CLS_MAX_SHAPES];
	struct point pts[CLS_MAX_ALTS];
	int nsh = 0;

	for (int i = first; i < end; i++) {
		const struct ir_arm *a = &pol->arms[i];
		int n = arm_points(a, pts);
		for (int j = 0; j < n; j++) {
			int s = shape_of(sh, nsh, &pts[j]);
			if (s < 0) {
				s = nsh++;
				sh[s] = (struct ir_shape){
					.table = (uint32_t)b->ir->nshapes++,
					.fields = pts[j].fields,
					.src_plen = pts[j].splen,
					.dst_plen = pts[j].dplen,
					.sport_plen = pts[j].spplen,
					.dport_plen = pts[j].dpplen,
				};
			}
			struct ir_cls_entry e = {
				.table = sh[s].table,
				.sport = pts[j].sport, .dport = pts[j].dport,
				.l3 = pts[j].l3, .l4 = pts[j].l4,
				.icmp_type = pts[j].itype,
				.icmp_code = pts[j].icode,
				.arm = (uint32_t)i, .rule_id = a->rule_id,
				.action = a->act->action,
			};
			memcpy(e.src, pts[j].src, 16);
			memcpy(e.dst, pts[j].dst, 16);
			sh[s].nentries += add_entry(b, &e);
		}
	}
	run->first = first;
	run->end = end;
	run->nshapes = nsh;
	run->shapes = arena_memdup(b->a, sh, sizeof(sh[0]) * (nsh ? nsh : 1));
}

/* Shapes arm a adds to the set sh (of *nsh); -1 past CLS_MAX_SHAPES. */
static int count_shapes(struct ir_shape *sh, int *nsh, const struct point *pts,
			int n)
{
	for (int j = 0; j < n; j++) {
		if (shape_of(sh, *nsh, &pts[j]) >= 0)
			continue;
		if (*nsh == CLS_MAX_SHAPES)
			return -1;
		sh[(*nsh)++] = (struct ir_shape){ .fields = pts[j].fields,
						  .src_plen = pts[j].splen,
						  .dst_plen = pts[j].dplen,
						  .sport_plen = pts[j].spplen,
						  .dport_plen = pts[j].dpplen };
	}
	return 0;
}

static void classify_policy(struct builder *b, struct ir_policy *pol,
			    enum cls_mode mode)
{
	struct ir_run *runs = NULL;
	int nruns = 0, cap = 0;
	struct point pts[CLS_MAX_ALTS];
	struct ir_shape sh[CLS_MAX_SHAPES];
	int min = mode == CLS_ALWAYS ? 1 : CLS_MIN_ARMS;

	for (int i = 0; i < pol->narms;) {
		int first = i, nsh = 0;
		while (i < pol->narms) {
			int n = arm_points(&pol->arms[i], pts);
			if (n < 0)
				break;
			int save = nsh;
			if (count_shapes(sh, &nsh, pts, n)) {
				nsh = save;
				break;	/* this run is full: the next one
					   starts here */
			}
			i++;
		}
		if (i - first >= min && i > first) {
			if (nruns == cap) {
				cap = cap ? 2 * cap : 4;
				runs = xrealloc(runs, cap * sizeof(*runs));
			}
			make_run(b, pol, first, i, &runs[nruns++]);
		}
		if (i == first)
			i++;	/* a code arm */
	}
	pol->nruns = nruns;
	pol->runs = nruns ? arena_memdup(b->a, runs, nruns * sizeof(*runs))
			  : NULL;
	free(runs);
}

int classify_program(struct ir_prog *ir, Arena *a, enum cls_mode mode)
{
	struct builder b = { .ir = ir, .a = a };

	ir->ncls = 0;
	ir->cls = NULL;
	ir->nshapes = 0;
	if (mode == CLS_NEVER)
		return 0;
	for (int i = 0; i < ir->npolicies; i++)
		classify_policy(&b, &ir->policies[i], mode);
	for (int i = 0; i < ir->nrules; i++)
		classify_policy(&b, &ir->rules[i], mode);
	if (b.nents) {
		ir->cls = arena_memdup(a, b.ents, b.nents * sizeof(*b.ents));
		ir->ncls = (int)b.nents;
	}
	free(b.ents);
	free(b.ks.slot);
	return 0;
}
