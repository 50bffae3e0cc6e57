// SPDX-License-Identifier: MIT
/*
 * brute.c - the checker's exhaustiveness, shadowing and redundancy answers
 * against brute-force enumeration.
 *
 * Random policies are generated over small address and port spaces (arms
 * with interfaces, CIDRs inside 10.0.0.0/24, TCP/UDP/ICMP, port ranges,
 * ct.state guards, Allow/Drop; with gen_sets, sources that are sets of up to
 * three prefixes, adjacent to, nested in or apart from each other), written out as FWL text, parsed and checked
 * by check_program().  Independently, every packet class is enumerated: the
 * values of each dimension are cut at every boundary the policy mentions,
 * so one packet per cell stands for all packets of the cell (the arms are
 * constant on a cell), and a second, random packet of the cell is tried
 * too.  Each packet is matched against the arms as generated (not through
 * the checker's boxes) to find which arm decides it.  Then:
 *
 *	exhaustive   <=> no packet is left undecided          (E0600)
 *	arm shadowed <=> the arm decides no packet            (E0602)
 *	arm redundant <=> for every packet it decides, the next arm that
 *	              matches exists and has the same action   (E0603)
 *
 * Any disagreement fails the test and prints the policy.  test_api checks
 * the results check.h gives later passes on a small program.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwlc/check_int.h"
#include "fwlc/parse.h"
#include "tests/lib/check.h"

enum { IF_ANY = -1 };
enum { P_ANY, P_TCP, P_UDP, P_ICMP };

typedef struct GArm {
	int iif;		/* 0 wan, 1 lan, 2 lo, IF_ANY */
	int has_src, has_dst;
	uint32_t src, smask, dst, dmask;	/* prefix as value/mask */
	int plen_s, plen_d;
	int nxs;		/* more source prefixes: src ∈ { ... } */
	uint32_t xs[2], xmask[2];
	int xplen[2];
	int proto;		/* P_ANY ... */
	int has_port;
	int plo, phi;
	int ctmask;		/* 0: no guard; else bit per CtState */
	int action;		/* 0 Allow, 1 Drop */
	int wild;		/* `_` */
} GArm;

#define MAXARMS 12

typedef struct Pkt {
	int iif;		/* 0 wan, 1 lan, 2 lo, 3 other */
	int ct;			/* 0..4 */
	int l3;			/* 0 other, 1 v4, 2 v6 */
	int proto;		/* 6, 17, 1, 47 */
	uint32_t src, dst;
	int dport;
} Pkt;

static uint64_t rng = 88172645463325252ull;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

static void gen_prefix(uint32_t *v, uint32_t *m, int *plen)
{
	*plen = 24 + (int)rnd(9);	/* /24 .. /32 inside 10.0.0.0/24 */
	*m = *plen == 32 ? 0xffffffffu : ~(0xffffffffu >> *plen);
	*v = (0x0a000000u | rnd(256)) & *m;
}

static int gen_sets;	/* sources may be sets of prefixes */

/* Another prefix beside v/plen: the next block of the same length
   (adjacent), one inside it (nested), one around it, or anywhere. */
static void gen_near(uint32_t v, int plen, uint32_t *x, uint32_t *m, int *xl)
{
	uint32_t size = plen == 32 ? 1 : 1u << (32 - plen);
	switch (rnd(4)) {
	case 0:		/* adjacent, after or before */
		*xl = plen;
		*x = rnd(2) ? v + size : v - size;
		*x = 0x0a000000u | (*x & 0xff);
		break;
	case 1:		/* nested inside */
		*xl = plen + (int)rnd((uint32_t)(33 - plen));
		*x = v | (rnd(256) & (size - 1));
		break;
	case 2:		/* around it */
		*xl = 24 + (int)rnd((uint32_t)(plen - 23));
		*x = v;
		break;
	default:
		gen_prefix(x, m, xl);
		return;
	}
	*m = *xl == 32 ? 0xffffffffu : ~(0xffffffffu >> *xl);
	*x &= *m;
}

static void gen_arm(GArm *a)
{
	memset(a, 0, sizeof(*a));
	a->iif = rnd(3) ? IF_ANY : (int)rnd(3);
	a->has_src = rnd(2);
	a->has_dst = rnd(4) == 0;
	if (a->has_src)
		gen_prefix(&a->src, &a->smask, &a->plen_s);
	if (a->has_src && gen_sets) {
		a->nxs = (int)rnd(3);
		for (int k = 0; k < a->nxs; k++)
			gen_near(k ? a->xs[0] : a->src,
				 k ? a->xplen[0] : a->plen_s, &a->xs[k],
				 &a->xmask[k], &a->xplen[k]);
	}
	if (a->has_dst)
		gen_prefix(&a->dst, &a->dmask, &a->plen_d);
	a->proto = (int)rnd(4);
	if (a->proto == P_TCP || a->proto == P_UDP) {
		a->has_port = rnd(2);
		static const int cuts[] = { 0, 22, 23, 53, 80, 443, 1024, 65535 };
		int i = (int)rnd(7), j = i + (int)rnd((uint32_t)(7 - i)) + 1;
		a->plo = cuts[i];
		a->phi = j == 7 ? 65535 : cuts[j] - 1;
		if (a->phi < a->plo)
			a->phi = a->plo;
	}
	if (rnd(4) == 0)
		a->ctmask = 1 + (int)rnd(31);
	a->action = (int)rnd(2);
}

static void ip4(char *buf, uint32_t v)
{
	sprintf(buf, "%u.%u.%u.%u", v >> 24, (v >> 16) & 255, (v >> 8) & 255,
		v & 255);
}

static const char *const ctnames[5] = { "New", "Established", "Related",
					 "Invalid", "Untracked" };
static const char *const ifnames[3] = { "wan", "lan", "lo" };

static int print_policy(char *out, size_t size, const GArm *arms, int n)
{
	int len = snprintf(out, size, "interface wan : WAN dynamic\n"
			   "interface lan : LAN dynamic\n\n"
			   "policy p : Frame<{}>\n"
			   "  on hook = Forward, table = Filter, priority = "
			   "Filter\n  where\n");
	for (int i = 0; i < n; i++) {
		const GArm *a = &arms[i];
		char l3[512] = "_", l4[128] = "_", hdr[256] = "ip", s[32], d[32];
		if (a->wild) {
			len += snprintf(out + len, size - (size_t)len,
					"  | _ -> %s\n",
					a->action ? "Drop" : "Allow");
			continue;
		}
		if (a->has_src || a->has_dst) {
			ip4(s, a->src);
			ip4(d, a->dst);
			char f1[128] = "", f2[64] = "";
			if (a->has_src && a->nxs) {
				int l = sprintf(f1, "src ∈ { %s/%d", s,
						a->plen_s);
				for (int k = 0; k < a->nxs; k++) {
					char x[32];
					ip4(x, a->xs[k]);
					l += sprintf(f1 + l, ", %s/%d", x,
						     a->xplen[k]);
				}
				sprintf(f1 + l, " }");
			} else if (a->has_src) {
				sprintf(f1, "src ∈ %s/%d", s, a->plen_s);
			}
			if (a->has_dst)
				sprintf(f2, "%sdst ∈ %s/%d",
					a->has_src ? ", " : "", d, a->plen_d);
			snprintf(hdr, sizeof(hdr), "ip { %s%s }", f1, f2);
		}
		if (a->proto == P_TCP || a->proto == P_UDP) {
			const char *c = a->proto == P_TCP ? "TCP" : "UDP";
			const char *h = a->proto == P_TCP ? "tcp" : "udp";
			if (a->has_port)
				snprintf(l4, sizeof(l4), "%s(%s { dport ∈ "
					 ":%d-%d }, _)", c, h, a->plo, a->phi);
			else
				snprintf(l4, sizeof(l4), "%s(_, _)", c);
		} else if (a->proto == P_ICMP) {
			strcpy(l4, "ICMP(_, _)");
		}
		if (a->has_src || a->has_dst || a->proto != P_ANY)
			snprintf(l3, sizeof(l3), "Ether(_, IPv4(%s, %s))", hdr,
				 l4);
		len += snprintf(out + len, size - (size_t)len,
				"  | Frame(%s, %s)",
				a->iif == IF_ANY ? "_" : ifnames[a->iif], l3);
		if (a->ctmask) {
			len += snprintf(out + len, size - (size_t)len,
					" if ct.state ∈ {");
			int first = 1;
			for (int k = 0; k < 5; k++)
				if (a->ctmask & (1 << k)) {
					len += snprintf(out + len,
							size - (size_t)len,
							"%s%s", first ? "" : ", ",
							ctnames[k]);
					first = 0;
				}
			len += snprintf(out + len, size - (size_t)len, "}");
		}
		len += snprintf(out + len, size - (size_t)len, " -> %s\n",
				a->action ? "Drop" : "Allow");
	}
	return len;
}

static int matches(const GArm *a, const Pkt *p)
{
	if (a->wild)
		return 1;
	if (a->iif != IF_ANY && a->iif != p->iif)
		return 0;
	if (a->ctmask && !(a->ctmask & (1 << p->ct)))
		return 0;
	int needs_ip = a->has_src || a->has_dst || a->proto != P_ANY;
	if (!needs_ip)
		return 1;
	if (p->l3 != 1)
		return 0;
	if (a->has_src) {
		int in = (p->src & a->smask) == a->src;
		for (int k = 0; k < a->nxs; k++)
			in |= (p->src & a->xmask[k]) == a->xs[k];
		if (!in)
			return 0;
	}
	if (a->has_dst && (p->dst & a->dmask) != a->dst)
		return 0;
	if (a->proto == P_TCP && p->proto != 6)
		return 0;
	if (a->proto == P_UDP && p->proto != 17)
		return 0;
	if (a->proto == P_ICMP && p->proto != 1)
		return 0;
	if (a->has_port && (p->dport < a->plo || p->dport > a->phi))
		return 0;
	return 1;
}

/* Cut points of a dimension: sorted unique values starting cells. */
typedef struct Cuts {
	uint64_t v[64];
	int n;
	uint64_t max;
} Cuts;

static void cut(Cuts *c, uint64_t x)
{
	if (x > c->max)
		return;
	for (int i = 0; i < c->n; i++)
		if (c->v[i] == x)
			return;
	if (c->n < 64)
		c->v[c->n++] = x;
}

static int cmp64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static uint64_t pick(const Cuts *c, int i, int random)
{
	uint64_t lo = c->v[i], hi = i + 1 < c->n ? c->v[i + 1] - 1 : c->max;
	if (!random || hi == lo)
		return lo;
	return lo + rnd((uint32_t)((hi - lo) > 0xfffffff0u ? 0xfffffff0u :
						      hi - lo + 1));
}

struct answers {
	int exhaustive;
	int shadowed[MAXARMS + 1], redundant[MAXARMS + 1];
};

static void brute(const GArm *arms, int n, struct answers *ans)
{
	Cuts src = { .max = 0xffffffffu }, dst = src, port = { .max = 65535 };
	cut(&src, 0);
	cut(&dst, 0);
	cut(&port, 0);
	for (int i = 0; i < n; i++) {
		const GArm *a = &arms[i];
		if (a->has_src) {
			cut(&src, a->src);
			cut(&src, (uint64_t)(a->src | ~a->smask) + 1);
			for (int k = 0; k < a->nxs; k++) {
				cut(&src, a->xs[k]);
				cut(&src,
				    (uint64_t)(a->xs[k] | ~a->xmask[k]) + 1);
			}
		}
		if (a->has_dst) {
			cut(&dst, a->dst);
			cut(&dst, (uint64_t)(a->dst | ~a->dmask) + 1);
		}
		if (a->has_port) {
			cut(&port, (uint64_t)a->plo);
			cut(&port, (uint64_t)a->phi + 1);
		}
	}
	qsort(src.v, (size_t)src.n, sizeof(uint64_t), cmp64);
	qsort(dst.v, (size_t)dst.n, sizeof(uint64_t), cmp64);
	qsort(port.v, (size_t)port.n, sizeof(uint64_t), cmp64);
	int decides[MAXARMS + 1] = { 0 };
	int redundant_ok[MAXARMS + 1];
	for (int i = 0; i < n; i++)
		redundant_ok[i] = 1;
	ans->exhaustive = 1;
	static const int protos[4] = { 6, 17, 1, 47 };
	for (int rep = 0; rep < 2; rep++)
	for (int iif = 0; iif < 4; iif++)
	for (int ct = 0; ct < 5; ct++)
	for (int l3 = 0; l3 < 3; l3++)
	for (int pr = 0; pr < (l3 == 1 ? 4 : 1); pr++)
	for (int s = 0; s < (l3 == 1 ? src.n : 1); s++)
	for (int d = 0; d < (l3 == 1 ? dst.n : 1); d++)
	for (int pt = 0; pt < (l3 == 1 && pr < 2 ? port.n : 1); pt++) {
		Pkt p = { iif, ct, l3, protos[pr],
			  (uint32_t)pick(&src, s, rep),
			  (uint32_t)pick(&dst, d, rep),
			  (int)pick(&port, pt, rep) };
		int first = -1;
		for (int i = 0; i < n && first < 0; i++)
			if (matches(&arms[i], &p))
				first = i;
		if (first < 0) {
			ans->exhaustive = 0;
			continue;
		}
		decides[first] = 1;
		int next = -1;
		for (int j = first + 1; j < n && next < 0; j++)
			if (matches(&arms[j], &p))
				next = j;
		if (next < 0 || arms[next].action != arms[first].action)
			redundant_ok[first] = 0;
	}
	for (int i = 0; i < n; i++) {
		ans->shadowed[i] = !decides[i];
		ans->redundant[i] = decides[i] && redundant_ok[i];
	}
}

static void checker(const char *text, int n, struct answers *ans)
{
	Arena a = {0};
	Diags d;
	diag_init(&d);
	d.max_errors = 10000;
	Source *src = source_from_mem(&a, "gen.fwl", text, strlen(text));
	Program *p = parse_program(src, &a, &d);
	Check *c = check_program(p, &a, &d);
	ans->exhaustive = 1;
	memset(ans->shadowed, 0, sizeof(ans->shadowed));
	memset(ans->redundant, 0, sizeof(ans->redundant));
	for (Diag *g = d.head; g; g = g->next) {
		int arm = (int)g->span.line - 7;	/* arms start on line 7 */
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

static void test_random_policies(void)
{
	static char text[1 << 15];
	int disagreements = 0, exhaustive = 0, shadowed = 0, redundant = 0;
	int policies = 1000;
	for (int t = 0; t < policies; t++) {
		GArm arms[MAXARMS + 1];
		int n = 2 + (int)rnd(MAXARMS - 2);
		for (int i = 0; i < n; i++)
			gen_arm(&arms[i]);
		if (rnd(2)) {	/* half end with a catch-all */
			memset(&arms[n], 0, sizeof(arms[n]));
			arms[n].wild = 1;
			arms[n].action = (int)rnd(2);
			n++;
		}
		print_policy(text, sizeof(text), arms, n);
		struct answers want, got;
		brute(arms, n, &want);
		checker(text, n, &got);
		int bad = want.exhaustive != got.exhaustive;
		/* decided by splitting, arms get no redundancy answer */
		int redund = exhaust_max_subtract > 0;
		for (int i = 0; i < n; i++)
			bad |= want.shadowed[i] != got.shadowed[i] ||
			       (redund && want.redundant[i] != got.redundant[i]);
		exhaustive += want.exhaustive;
		for (int i = 0; i < n; i++) {
			shadowed += want.shadowed[i];
			redundant += want.redundant[i];
		}
		if (bad && disagreements++ < 3) {
			printf("  disagreement on:\n%s", text);
			printf("  brute: exhaustive %d; checker %d\n",
			       want.exhaustive, got.exhaustive);
			for (int i = 0; i < n; i++)
				printf("  arm %d: shadowed %d/%d redundant "
				       "%d/%d\n", i + 1, want.shadowed[i],
				       got.shadowed[i], want.redundant[i],
				       got.redundant[i]);
		}
	}
	printf("  %d policies: %d exhaustive, %d shadowed arms, %d redundant "
	       "arms (brute force)\n", policies, exhaustive, shadowed,
	       redundant);
	CHECK_INT(disagreements, 0);
	/* the generator must exercise every answer, or the test proves
	   little */
	CHECK(exhaustive > 10 && exhaustive < policies - 10, "exhaustive %d",
	      exhaustive);
	CHECK(shadowed > 10, "shadowed %d", shadowed);
	CHECK(redundant > 10, "redundant %d", redundant);
}

/* The results later passes read (check.h), on a small program. */
static void test_api(void)
{
	static const char text[] =
		"interface lan : LAN cidr4 = { 10.17.1.0/24 }\n"
		"let forwards : Map<(Protocol, Port), (IP, Port)> = {\n"
		"  (tcp, :8080) -> (10.17.1.10, :80) }\n"
		"rule r : Frame<{}> -> <Log> Action =\n"
		"  \\f -> perform Log.emit(Info, \"x\") >> Continue\n"
		"policy p : Frame<{}>\n"
		"  on hook = Prerouting, table = NAT, priority = DstNat\n"
		"  where\n"
		"  | Frame(lan, Ether(_, IPv4(ip { src ∈ lan.cidr4 }, _))) ->\n"
		"      DNATMap(forwards)\n"
		"  | f -> r(f)\n"
		"  | _ -> Allow\n";
	Arena a = {0};
	Diags d;
	diag_init(&d);
	Source *src = source_from_mem(&a, "api.fwl", text, strlen(text));
	Program *p = parse_program(src, &a, &d);
	Check *c = check_program(p, &a, &d);
	CHECK_INT(d.nerrors + d.nwarnings, 0);
	const Decl *pol = p->decls[3], *rule = p->decls[2];
	const CheckPolicy *cp = check_policy(c, pol);
	CHECK(cp != NULL, "no policy result");
	if (!cp)
		goto out;
	CHECK_INT(cp->hook, HOOK_PREROUTING);
	CHECK(cp->nat_table, "table NAT");
	CHECK_INT(cp->effects, EFF_LOG);
	CHECK_INT(check_rule_effects(c, rule), EFF_LOG);
	/* arm 1: exact, from lan (interface 0), 10.17.1.0/24 */
	const CheckArm *a1 = &cp->arms[0];
	CHECK(a1->exact && !a1->may_continue, "arm 1 exact, decides");
	CHECK_INT(a1->set.n, 1);
	CHECK(a1->set.n && a1->set.v[0].lo[DIM_IIF] == 0 &&
	      a1->set.v[0].hi[DIM_IIF] == 0, "iif lan");
	CHECK(a1->set.n && a1->set.v[0].lo[DIM_SRC] == 0x0a110100 &&
	      a1->set.v[0].hi[DIM_SRC] == 0x0a1101ff, "src 10.17.1.0/24");
	CHECK_INT(a1->actions, ACT_DNAT);
	CHECK(cp->arms[1].may_continue, "arm 2 may continue");
	CHECK_INT(check_iface_index(c, "lan"), 0);
	CHECK_INT(check_iface_index(c, "lo"), 1);
	/* DNATMap(forwards): the argument resolves to the let, typed */
	const Expr *body = pol->arms[0]->body;
	const Expr *arg = body->args[0];
	CHECK(check_decl_of(c, arg) == p->decls[1], "forwards -> its let");
	const Ty *t = check_type_of(c, arg);
	CHECK(t && t->kind == TY_MAP, "forwards is a map");
	if (t)
		CHECK_STR(ty_str(&a, t), "Map<(Protocol, Port), (IP, Port)>");
	/* the binder ip is refined to lan.cidr4 */
	const Pat *ipv4 = pol->arms[0]->pat->args[1]->args[1];
	const Refinement *ref = check_refinement_of(c, ipv4->args[0]);
	CHECK(ref && !strcmp(ref->field, "src") && ref->set.n == 1 &&
	      ref->set.v[0].lo == 0x0a110100, "refinement of ip");
out:
	check_free(c);
	diag_free(&d);
	arena_free(&a);
	source_forget_all();
}

/* The same with every arm decided by splitting instead of subtraction. */
static void test_random_policies_split(void)
{
	exhaust_max_subtract = 0;
	test_random_policies();
	exhaust_max_subtract = 64;
}

/* The same with source sets of adjacent, nested and scattered prefixes
   (arms of several boxes that overlap or touch). */
static void test_random_set_policies(void)
{
	gen_sets = 1;
	test_random_policies();
	exhaust_max_subtract = 0;
	test_random_policies();
	exhaust_max_subtract = 64;
	gen_sets = 0;
}

int main(void)
{
	RUN(test_api);
	RUN(test_random_policies);
	RUN(test_random_policies_split);
	RUN(test_random_set_policies);
	return check_done();
}
