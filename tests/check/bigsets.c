// SPDX-License-Identifier: MIT
/*
 * bigsets.c - the checker's answers on policies whose arms test large
 * constant sets, against brute-force enumeration.
 *
 * The checker keeps a constant set as one-dimensional intervals, built
 * once per `let` and shared by every arm that names it, and finds the
 * intervals that meet an arm's boxes by binary search when they ascend
 * without overlapping; `∉` takes the gaps of the set in one pass when the
 * set ascends, by subtracting element by element when it does not
 * (docs/analysis.md, "Constant sets").  This test drives every one of
 * those paths: sets of 1 to 6,000 prefixes that are contiguous, sorted,
 * sorted and disjoint, or in random order with overlaps, tested with `∈`
 * and `∉`, in a record pattern and in a guard, named or written inline.
 *
 * An arm whose set makes more than 4,096 boxes is analysed without that
 * test (a superset, which never covers another arm): the brute force
 * models that bound, so the sets of 4,096 and 4,097 prefixes check both
 * sides of it.  Every packet class is enumerated (source addresses cut at
 * every set boundary; TCP port 22 or not, UDP, another protocol; frames
 * that are not IPv4), each packet matched
 * against the sets as generated, and the answers compared:
 *
 *	exhaustive    <=> every packet is taken by an exact arm     (E0600)
 *	arm shadowed  <=> no packet of the arm (its superset when inexact)
 *	                  escapes the exact arms before it          (E0602)
 *	arm redundant <=> exact, and every packet it decides meets, among the
 *	                  later arms, an exact one with its verdict
 *	                  before any with another verdict            (E0603)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwlc/check_int.h"
#include "fwlc/parse.h"
#include "tests/lib/check.h"

#define MAX_BOXES 4096		/* exhaust.c: MAX_ARM_BOXES */
#define MAXSETS 3
#define MAXARMS 9
#define MAXELEMS 6000

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

typedef struct Iv32 {
	uint64_t lo, hi;	/* inclusive; 64 bits so hi + 1 fits */
} Iv32;

/* A generated set: its elements as written, and their union, merged. */
typedef struct GSet {
	int n;
	Iv32 el[MAXELEMS];
	int plen[MAXELEMS];
	int nm;
	Iv32 merged[MAXELEMS];
} GSet;

enum { F_IN, F_NOTIN, F_GUARD_IN, F_GUARD_NOTIN, F_INLINE, F_PREFIX };
enum { L4_ANY, L4_TCP22, L4_TCP, L4_UDP };

typedef struct GArm {
	int form;
	int set;		/* F_IN .. F_INLINE: which set */
	uint32_t pfx;		/* F_PREFIX */
	int pplen;
	int l4;
	int action;		/* 0 Allow, 1 Drop */
	int wild;		/* `_` */
	int exact;		/* the checker's model: at most MAX_BOXES boxes */
} GArm;

static GSet sets[MAXSETS + 1];	/* the last one: an arm's inline set */
static int nsets;

static int iv_cmp(const void *x, const void *y)
{
	const Iv32 *a = x, *b = y;
	return a->lo < b->lo ? -1 : a->lo > b->lo ? 1 :
	       a->hi < b->hi ? -1 : a->hi > b->hi;
}

static void merge(GSet *s)
{
	Iv32 *v = malloc(sizeof(Iv32) * (size_t)(s->n ? s->n : 1));
	memcpy(v, s->el, sizeof(Iv32) * (size_t)s->n);
	qsort(v, (size_t)s->n, sizeof(Iv32), iv_cmp);
	s->nm = 0;
	for (int i = 0; i < s->n; i++) {
		if (s->nm && v[i].lo <= s->merged[s->nm - 1].hi + 1) {
			if (v[i].hi > s->merged[s->nm - 1].hi)
				s->merged[s->nm - 1].hi = v[i].hi;
			continue;
		}
		s->merged[s->nm++] = v[i];
	}
	free(v);
}

static void add(GSet *s, uint32_t v, int plen)
{
	uint64_t size = 1ull << (32 - plen);
	v &= (uint32_t)~(size - 1);
	s->el[s->n] = (Iv32){ v, v + size - 1 };
	s->plen[s->n++] = plen;
}

/* n prefixes inside 10.0.0.0/16, in one of four shapes. */
static void gen_set(GSet *s, int n)
{
	s->n = 0;
	int shape = (int)rnd(4);
	if (shape == 0) {	/* contiguous blocks, ascending */
		int plen = 28 + (int)rnd(5);
		uint32_t size = 1u << (32 - plen);
		uint32_t room = (65536u / size > (uint32_t)n) ?
				65536u / size - (uint32_t)n : 1;
		uint32_t base = 0x0a000000u + rnd(room) * size;
		for (int i = 0; i < n && i < 65536 / (int)size; i++)
			add(s, base + (uint32_t)i * size, plen);
	} else {
		for (int i = 0; i < n; i++)
			add(s, 0x0a000000u | rnd(65536), 22 + (int)rnd(11));
		if (shape >= 2)	/* sorted by start (overlaps stay) */
			qsort(s->el, (size_t)s->n, sizeof(Iv32), iv_cmp);
		if (shape == 3) {	/* and disjoint: drop what overlaps */
			int w = 0;
			for (int i = 0; i < s->n; i++)
				if (!w || s->el[i].lo > s->el[w - 1].hi)
					s->el[w++] = s->el[i];
			s->n = w;
		}
		for (int i = 0; i < s->n; i++) {	/* lengths again */
			uint64_t size = s->el[i].hi - s->el[i].lo + 1;
			int plen = 32;
			while ((1ull << (32 - plen)) < size)
				plen--;
			s->plen[i] = plen;
		}
	}
	merge(s);
}

static int in_set(const GSet *s, uint32_t x)
{
	int a = 0, b = s->nm;
	while (a < b) {
		int m = (a + b) / 2;
		if (s->merged[m].hi < x)
			a = m + 1;
		else
			b = m;
	}
	return a < s->nm && s->merged[a].lo <= x;
}

/* Gaps of the union in [0, 2^32 - 1]: the pieces `∉` makes. */
static int gaps(const GSet *s)
{
	int n = 0;
	uint64_t next = 0;
	for (int i = 0; i < s->nm; i++) {
		if (s->merged[i].lo > next)
			n++;
		next = s->merged[i].hi + 1;
	}
	return n + (next <= 0xffffffffull);
}

static void gen_arm(GArm *a, int inline_free)
{
	memset(a, 0, sizeof(*a));
	a->form = (int)rnd(6);
	if (a->form == F_INLINE && !inline_free)
		a->form = F_IN;
	a->set = a->form == F_INLINE ? MAXSETS : (int)rnd((uint32_t)nsets);
	if (a->form == F_PREFIX) {
		a->pplen = 16 + (int)rnd(17);
		a->pfx = (0x0a000000u | rnd(65536)) &
			 (a->pplen == 32 ? 0xffffffffu :
			  ~(0xffffffffu >> a->pplen));
	}
	a->l4 = (int)rnd(4);
	a->action = (int)rnd(2);
	const GSet *s = &sets[a->set];
	int boxes = a->form == F_PREFIX ? 1 :
		    a->form == F_NOTIN || a->form == F_GUARD_NOTIN ? gaps(s) :
		    s->n;
	a->exact = boxes <= MAX_BOXES;
}

typedef struct Pkt {
	int ip;			/* IPv4, else another frame */
	int proto, dport;	/* 6, 17 or 47 */
	uint32_t src;
} Pkt;

/* Does arm a match p; superset: as the checker sees an inexact arm. */
static int matches(const GArm *a, const Pkt *p, int superset)
{
	if (a->wild)
		return 1;
	if (!p->ip)
		return 0;
	if (a->l4 == L4_TCP22 && (p->proto != 6 || p->dport != 22))
		return 0;
	if (a->l4 == L4_TCP && p->proto != 6)
		return 0;
	if (a->l4 == L4_UDP && p->proto != 17)
		return 0;
	if (superset)
		return 1;
	switch (a->form) {
	case F_PREFIX:
		return p->src >= a->pfx && (uint64_t)p->src <= (uint64_t)a->pfx +
		       ((1ull << (32 - a->pplen)) - 1);
	case F_NOTIN:
	case F_GUARD_NOTIN:
		return !in_set(&sets[a->set], p->src);
	default:
		return in_set(&sets[a->set], p->src);
	}
}

static int sees(const GArm *a, const Pkt *p)
{
	return matches(a, p, !a->exact);
}

static int takes(const GArm *a, const Pkt *p)
{
	return a->exact && matches(a, p, 0);
}

static const char *const l4text[4] = {
	"_", "TCP(tcp { dport = :22 }, _)", "TCP(_, _)", "UDP(_, _)",
};

static char *put_set(char *o, const GSet *s)
{
	o += sprintf(o, "{ ");
	for (int i = 0; i < s->n; i++) {
		uint32_t v = (uint32_t)s->el[i].lo;
		o += sprintf(o, "%s%u.%u.%u.%u/%d", i ? ", " : "", v >> 24,
			     (v >> 16) & 255, (v >> 8) & 255, v & 255,
			     s->plen[i]);
	}
	return o + sprintf(o, " }");
}

/* The policy's text; arms start on line *first. */
static void print_policy(char *out, const GArm *arms, int n, int *first)
{
	char *o = out;
	int line = 1;
	for (int k = 0; k < nsets; k++, line++) {
		o += sprintf(o, "let s%d : CIDRSet = ", k);
		o = put_set(o, &sets[k]);
		o += sprintf(o, "\n");
	}
	o += sprintf(o, "policy p : Frame<{}>\n"
		     "  on hook = Forward, table = Filter, priority = Filter\n"
		     "  where\n");
	*first = line + 3;
	for (int i = 0; i < n; i++) {
		const GArm *a = &arms[i];
		const char *act = a->action ? "Drop" : "Allow";
		const char *l4 = l4text[a->l4];
		if (a->wild) {
			o += sprintf(o, "  | _ -> %s\n", act);
			continue;
		}
		o += sprintf(o, "  | Frame(_, Ether(_, IPv4(");
		switch (a->form) {
		case F_IN:
		case F_NOTIN:
			o += sprintf(o, "ip { src %s s%d }, %s)))",
				     a->form == F_IN ? "∈" : "∉", a->set, l4);
			break;
		case F_INLINE:
			o += sprintf(o, "ip { src ∈ ");
			o = put_set(o, &sets[a->set]);
			o += sprintf(o, " }, %s)))", l4);
			break;
		case F_PREFIX: {
			uint32_t v = a->pfx;
			o += sprintf(o, "ip { src ∈ %u.%u.%u.%u/%d }, %s)))",
				     v >> 24, (v >> 16) & 255, (v >> 8) & 255,
				     v & 255, a->pplen, l4);
			break;
		}
		default:
			o += sprintf(o, "ip, %s))) if ip.src %s s%d", l4,
				     a->form == F_GUARD_IN ? "∈" : "∉", a->set);
		}
		o += sprintf(o, " -> %s\n", act);
	}
}

struct answers {
	int exhaustive;
	int shadowed[MAXARMS + 1], redundant[MAXARMS + 1];
};

static int u64_cmp(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
	return a < b ? -1 : a > b;
}

static void brute(const GArm *arms, int n, struct answers *ans)
{
	/* source cells: cut at every boundary of every set and prefix */
	size_t cap = 4, nc = 0;
	for (int k = 0; k <= MAXSETS; k++)
		cap += 2 * (size_t)sets[k].n;
	cap += 2 * (size_t)n;
	uint64_t *cut = malloc(sizeof(uint64_t) * cap);
	cut[nc++] = 0;
	for (int k = 0; k <= MAXSETS; k++)
		for (int i = 0; i < sets[k].n; i++) {
			cut[nc++] = sets[k].el[i].lo;
			cut[nc++] = sets[k].el[i].hi + 1;
		}
	for (int i = 0; i < n; i++)
		if (!arms[i].wild && arms[i].form == F_PREFIX) {
			cut[nc++] = arms[i].pfx;
			cut[nc++] = (uint64_t)arms[i].pfx +
				    (1ull << (32 - arms[i].pplen));
		}
	qsort(cut, nc, sizeof(uint64_t), u64_cmp);
	int live[MAXARMS + 1] = { 0 }, red_ok[MAXARMS + 1];
	for (int i = 0; i < n; i++)
		red_ok[i] = 1;
	ans->exhaustive = 1;
	static const int l4s[4][2] = { { 6, 22 }, { 6, 80 }, { 17, 53 },
				       { 47, 0 } };
	for (size_t c = 0; c < nc; c++) {
		if ((c && cut[c] == cut[c - 1]) || cut[c] > 0xffffffffull)
			continue;
		for (int k = 0; k < 5; k++) {
			Pkt p = { k < 4, k < 4 ? l4s[k][0] : 0,
				  k < 4 ? l4s[k][1] : 0, (uint32_t)cut[c] };
			if (!p.ip && c)
				continue;	/* one non-IP frame */
			int first = -1;
			for (int i = 0; i < n; i++) {
				if (sees(&arms[i], &p))
					live[i] = 1;	/* reaches arm i */
				if (takes(&arms[i], &p)) {
					first = i;
					break;
				}
			}
			if (first < 0) {
				ans->exhaustive = 0;
				continue;
			}
			int ok = 0;
			for (int j = first + 1; j < n; j++) {
				if (!sees(&arms[j], &p))
					continue;
				if (arms[j].action != arms[first].action)
					break;
				if (arms[j].exact) {
					ok = 1;
					break;
				}
			}
			if (!ok)
				red_ok[first] = 0;
		}
	}
	free(cut);
	for (int i = 0; i < n; i++) {
		ans->shadowed[i] = !live[i];
		ans->redundant[i] = live[i] && arms[i].exact && red_ok[i];
	}
}

static void checker(const char *text, int first, int n, struct answers *ans)
{
	Arena a = {0};
	Diags d;
	diag_init(&d);
	d.max_errors = 10000;
	Source *src = source_from_mem(&a, "big.fwl", text, strlen(text));
	Program *p = parse_program(src, &a, &d);
	Check *c = check_program(p, &a, &d);
	ans->exhaustive = 1;
	memset(ans->shadowed, 0, sizeof(ans->shadowed));
	memset(ans->redundant, 0, sizeof(ans->redundant));
	for (Diag *g = d.head; g; g = g->next) {
		int arm = (int)g->span.line - first;
		if (g->code == ERR_NONEXHAUSTIVE)
			ans->exhaustive = 0;
		else if (g->code == WARN_SHADOWED && arm >= 0 && arm < n)
			ans->shadowed[arm] = 1;
		else if (g->code == WARN_REDUNDANT && arm >= 0 && arm < n)
			ans->redundant[arm] = 1;
		else if (g->code != WARN_PARTLY_SHADOWED) {
			printf("  unexpected diagnostic E%04d: %s\n", g->code,
			       g->msg);
			ans->exhaustive = -1;
		}
	}
	check_free(c);
	diag_free(&d);
	arena_free(&a);
	source_forget_all();
}

static const int sizes[] = { 1, 5, 40, 800, 3000, 4096, 4097, 6000 };

static void test_big_set_policies(void)
{
	static char text[8 << 20];
	int policies = 150, disagreements = 0;
	int exhaustive = 0, shadowed = 0, redundant = 0, inexact = 0;
	int forms[6] = { 0 };
	for (int t = 0; t < policies; t++) {
		nsets = 1 + (int)rnd(MAXSETS);
		for (int k = 0; k < nsets; k++)
			gen_set(&sets[k], sizes[rnd(8)]);
		gen_set(&sets[MAXSETS], sizes[rnd(5)]);
		GArm arms[MAXARMS + 1];
		int n = 2 + (int)rnd(MAXARMS - 2), inl = 1;
		for (int i = 0; i < n; i++) {
			gen_arm(&arms[i], inl);
			inl &= arms[i].form != F_INLINE;
			forms[arms[i].form]++;
			inexact += !arms[i].exact;
		}
		if (rnd(2)) {	/* half end with a catch-all */
			memset(&arms[n], 0, sizeof(arms[n]));
			arms[n].wild = arms[n].exact = 1;
			arms[n].action = (int)rnd(2);
			n++;
		}
		int first;
		print_policy(text, arms, n, &first);
		struct answers want, got;
		brute(arms, n, &want);
		checker(text, first, n, &got);
		int bad = want.exhaustive != got.exhaustive;
		for (int i = 0; i < n; i++)
			bad |= want.shadowed[i] != got.shadowed[i] ||
			       want.redundant[i] != got.redundant[i];
		exhaustive += want.exhaustive;
		for (int i = 0; i < n; i++) {
			shadowed += want.shadowed[i];
			redundant += want.redundant[i];
		}
		if (bad && disagreements++ < 3) {
			printf("  disagreement on policy %d (sets of", t);
			for (int k = 0; k < nsets; k++)
				printf(" %d", sets[k].n);
			printf(" prefixes):\n");
			for (const char *l = strstr(text, "policy"); l;) {
				const char *e = strchr(l, '\n');
				int len = e ? (int)(e - l) : (int)strlen(l);
				printf("    %.*s\n", len > 160 ? 160 : len, l);
				l = e ? e + 1 : NULL;
			}
			printf("  brute: exhaustive %d; checker %d\n",
			       want.exhaustive, got.exhaustive);
			for (int i = 0; i < n; i++)
				printf("  arm %d (%s): shadowed %d/%d redundant "
				       "%d/%d\n", i + 1, arms[i].exact ?
				       "exact" : "inexact", want.shadowed[i],
				       got.shadowed[i], want.redundant[i],
				       got.redundant[i]);
		}
	}
	printf("  %d policies: %d exhaustive, %d shadowed arms, %d redundant "
	       "arms, %d inexact arms (brute force)\n", policies, exhaustive,
	       shadowed, redundant, inexact);
	CHECK_INT(disagreements, 0);
	/* the generator must exercise every answer and every form */
	CHECK(exhaustive > 5 && exhaustive < policies - 5, "exhaustive %d",
	      exhaustive);
	CHECK(shadowed > 5, "shadowed %d", shadowed);
	CHECK(redundant > 5, "redundant %d", redundant);
	CHECK(inexact > 5, "inexact %d", inexact);
	for (int f = 0; f < 6; f++)
		CHECK(forms[f] > 5, "form %d used %d times", f, forms[f]);
}

int main(void)
{
	RUN(test_big_set_policies);
	return check_done();
}
