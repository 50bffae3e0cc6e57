/* SPDX-License-Identifier: MIT */
/*
 * space_test.c - unit tests of fwlc/space.c and a randomized differential
 * test of its analyses against brute-force enumeration of every packet.
 *
 *	space_test            run the suite
 *	space_test bench N..  time the analysis of N generated arms (default
 *	                      1000 2000 5000 10000) and print nodes and memory
 */
#include "fwlc/space.h"
#include "tests/lib/check.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#define U128(hi, lo) (((space_u128)(hi) << 64) | (space_u128)(lo))
#define IP4(a, b, c, d) (((space_u128)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))

static space_u128 all_ones(int w)
{
	return w >= 128 ? ~(space_u128)0 : ((space_u128)1 << w) - 1;
}

static double count_of(struct space *sp, space_set s)
{
	double d = -1;

	if (space_count(sp, s, &d, NULL) < 0)
		return -1;
	return d;
}

/* ---- unit tests ---- */

static void test_universe_empty(void)
{
	struct space_dim dims[] = { { "a", 15 }, { "b", 10 } };
	struct space *sp = space_new(dims, 2, NULL);
	space_set u = space_universe(sp), e = space_empty(sp);

	CHECK(space_is_universe(sp, u), "universe");
	CHECK(space_is_empty(sp, e), "empty");
	CHECK(space_not(sp, u) == e, "not universe = empty");
	CHECK(count_of(sp, u) == 16 * 11, "count %g", count_of(sp, u));
	CHECK(count_of(sp, e) == 0, "count empty");
	CHECK_INT(space_ndims(sp), 2);
	CHECK_INT(space_dim_width(sp, 1), 4);
	CHECK_STR(space_dim_name(sp, 1), "b");
	space_free(sp);
}

static void test_interval_alias(void)
{
	/* Domain 0..10 in 4 bits: 11..15 alias 10 and never count. */
	struct space_dim dims[] = { { "x", 10 } };
	struct space *sp = space_new(dims, 1, NULL);
	space_set top = space_interval(sp, 0, 3, 10);
	space_set low = space_interval(sp, 0, 0, 2);
	space_set mid = space_interval(sp, 0, 5, 9);
	space_u128 p[1];

	CHECK(count_of(sp, top) == 8, "count %g", count_of(sp, top));
	CHECK(space_not(sp, top) == low, "complement of [3,10] is [0,2]");
	CHECK(count_of(sp, space_not(sp, mid)) == 6, "complement count");
	CHECK(space_or(sp, top, low) == space_universe(sp), "union");
	p[0] = 10;
	CHECK(space_member(sp, top, p), "10 in [3,10]");
	CHECK(!space_member(sp, mid, p), "10 not in [5,9]");
	p[0] = 11;
	CHECK(!space_member(sp, top, p), "11 is outside the domain");
	/* The complement of [5,9] picks 10, not an alias above it. */
	CHECK(space_pick(sp, space_diff(sp, top, space_interval(sp, 0, 3, 9)),
			 p) == 0 && p[0] == 10, "pick %d", (int)p[0]);
	space_free(sp);
}

static void test_prefix_values_box(void)
{
	struct space_dim dims[] = { { "proto", 3 }, { "src", 0xffffffff },
				    { "state", 4 } };
	struct space *sp = space_new(dims, 3, NULL);
	space_set ten = space_prefix(sp, 1, IP4(10, 0, 0, 0), 8);
	space_set host = space_prefix(sp, 1, IP4(10, 1, 2, 3), 32);
	space_u128 vals[] = { 1, 3 };
	space_set st = space_values(sp, 2, vals, 2);
	struct space_range r[] = { { 0, 1, 1 }, { 1, IP4(10, 0, 0, 0),
				     IP4(10, 255, 255, 255) },
				   { 2, 1, 1 }, { 2, 3, 3 } };
	space_set box = space_box(sp, r, 4);
	space_u128 pt[3] = { 1, IP4(10, 9, 9, 9), 3 };

	CHECK(count_of(sp, ten) == 4.0 * (1 << 24) * 5, "count /8");
	CHECK(count_of(sp, host) == 4 * 5, "count /32");
	CHECK(count_of(sp, st) == 4.0 * 4294967296.0 * 2, "values");
	CHECK(box == space_and(sp, space_and(sp, ten, st),
			       space_interval(sp, 0, 1, 1)),
	      "box = intersection of its constraints");
	CHECK(space_member(sp, box, pt), "member");
	pt[2] = 2;
	CHECK(!space_member(sp, box, pt), "state 2 not in box");
	CHECK(space_subset(sp, host, ten), "host in /8");
	CHECK(!space_subset(sp, ten, host), "/8 not in host");
	CHECK(space_intersects(sp, ten, host), "intersects");
	CHECK(!space_intersects(sp, host,
				space_prefix(sp, 1, IP4(192, 168, 0, 0), 16)),
	      "disjoint");
	space_free(sp);
}

static void test_algebra(void)
{
	struct space_dim dims[] = { { "a", 15 }, { "b", 7 } };
	struct space *sp = space_new(dims, 2, NULL);
	space_set a = space_interval(sp, 0, 2, 9);
	space_set b = space_interval(sp, 1, 1, 3);
	space_set ab = space_and(sp, a, b), aob = space_or(sp, a, b);

	CHECK(count_of(sp, ab) == 8 * 3, "and %g", count_of(sp, ab));
	CHECK(count_of(sp, aob) == 8 * 8 + 16 * 3 - 24, "or");
	CHECK(count_of(sp, space_diff(sp, a, b)) == 8 * 5, "diff");
	CHECK(space_diff(sp, aob, b) == space_diff(sp, a, b), "(a|b)-b");
	CHECK(space_not(sp, space_and(sp, a, b)) ==
	      space_or(sp, space_not(sp, a), space_not(sp, b)), "de morgan");
	CHECK(space_or(sp, ab, space_diff(sp, a, b)) == a, "split and join");
	CHECK(space_subset(sp, ab, a) && !space_subset(sp, a, ab), "subset");
	space_free(sp);
}

static void test_count_u128(void)
{
	struct space_dim dims[] = { { "src6", ~(space_u128)0 } };
	struct space *sp = space_new(dims, 1, NULL);
	space_u128 e = 0;
	double d = 0;

	CHECK_INT(space_count(sp, space_universe(sp), &d, &e), 1);
	CHECK(d == __builtin_ldexp(1.0, 128), "2^128 as double %g", d);
	CHECK(space_count(sp, space_prefix(sp, 0, U128(0xfe80000000000000ull,
						      0), 10), &d, &e) == 0,
	      "fe80::/10 fits");
	CHECK(e == (space_u128)1 << 118, "2^118 exactly");
	CHECK(space_count(sp, space_interval(sp, 0, 5, 9), &d, &e) == 0 &&
	      e == 5, "[5,9] has 5");
	space_free(sp);
}

static void test_pick(void)
{
	struct space_dim dims[] = { { "a", 15 }, { "b", 200 } };
	struct space *sp = space_new(dims, 2, NULL);
	space_set s = space_and(sp, space_interval(sp, 0, 12, 13),
				space_interval(sp, 1, 150, 200));
	space_u128 p[2];

	CHECK(space_pick(sp, s, p) == 0, "pick");
	CHECK(space_member(sp, s, p), "picked point is a member");
	CHECK(p[0] == 12 && p[1] == 150, "smallest point (%d, %d)",
	      (int)p[0], (int)p[1]);
	CHECK(space_pick(sp, space_empty(sp), p) == -1, "empty has no pick");
	space_free(sp);
}

static void test_boxes(void)
{
	struct space_dim dims[] = { { "l3", 2 }, { "src", 0xffffffff },
				    { "dport", 65535 } };
	struct space *sp = space_new(dims, 3, NULL);
	struct space_range r[] = { { 0, 0, 0 }, { 1, IP4(10, 0, 0, 0),
						  IP4(10, 127, 255, 255) } };
	space_set lan = space_and(sp, space_interval(sp, 0, 0, 0),
				  space_prefix(sp, 1, IP4(10, 0, 0, 0), 8));
	space_set rest = space_diff(sp, lan, space_box(sp, r, 2));
	struct space_ival out[6 * 3];
	double total = 0;
	long n = space_boxes(sp, rest, out, 6, &total);

	CHECK_INT(n, 1);
	CHECK(total == 1, "total %g", total);
	CHECK(out[0].lo == 0 && out[0].hi == 0, "l3 = 0");
	CHECK(out[1].lo == IP4(10, 128, 0, 0) &&
	      out[1].hi == IP4(10, 255, 255, 255), "10.128.0.0/9");
	CHECK(out[2].lo == 0 && out[2].hi == 65535, "dport free");

	/* Universe minus {l3=0} minus {dport 0..1023}: the lexicographic
	 * split is l3=1..2 (anything), then l3=0 with the high ports. */
	rest = space_diff(sp, space_not(sp, space_interval(sp, 0, 0, 0)),
			  space_interval(sp, 2, 0, 1023));
	n = space_boxes(sp, rest, out, 6, &total);
	CHECK_INT(n, 1);
	CHECK(out[0].lo == 1 && out[0].hi == 2, "l3 1..2 (alias of 3 not "
	      "shown): %d..%d", (int)out[0].lo, (int)out[0].hi);
	CHECK(out[2].lo == 1024 && out[2].hi == 65535, "ports");
	n = space_boxes(sp, space_universe(sp), out, 6, &total);
	CHECK(n == 1 && out[0].hi == 2 && out[1].hi == 0xffffffff,
	      "universe is one box");
	n = space_boxes(sp, space_empty(sp), out, 6, &total);
	CHECK(n == 0 && total == 0, "empty has no box");
	space_free(sp);
}

static void test_cidrs(void)
{
	struct space_cidr c[256];
	int n;

	n = space_cidrs(0, 0xffffffff, 32, c, 64);
	CHECK(n == 1 && c[0].addr == 0 && c[0].plen == 0, "0/0");
	n = space_cidrs(IP4(10, 0, 0, 1), IP4(10, 0, 0, 6), 32, c, 64);
	CHECK_INT(n, 4);
	CHECK(c[0].addr == IP4(10, 0, 0, 1) && c[0].plen == 32, ".1/32");
	CHECK(c[1].addr == IP4(10, 0, 0, 2) && c[1].plen == 31, ".2/31");
	CHECK(c[2].addr == IP4(10, 0, 0, 4) && c[2].plen == 31, ".4/31");
	CHECK(c[3].addr == IP4(10, 0, 0, 6) && c[3].plen == 32, ".6/32");
	n = space_cidrs(IP4(10, 0, 128, 0), IP4(10, 0, 255, 255), 32, c, 64);
	CHECK(n == 1 && c[0].plen == 17, "10.0.128.0/17");
	n = space_cidrs(1024, 65535, 16, c, 64);
	CHECK(n == 6 && c[0].addr == 1024 && c[0].plen == 6 &&
	      c[5].addr == 32768 && c[5].plen == 1, "ports 1024-65535: %d", n);
	n = space_cidrs(0, ~(space_u128)0, 128, c, 64);
	CHECK(n == 1 && c[0].plen == 0, "::/0");
	n = space_cidrs(1, ~(space_u128)0, 128, c, 256);
	CHECK(n == 128 && c[127].plen == 1 &&
	      c[127].addr == (space_u128)1 << 127, "[1, max] in 128 bits");
	n = space_cidrs(1, ~(space_u128)0 - 1, 128, c, 2);
	CHECK_INT(n, 254);	/* the count even when cap is small */
	CHECK_INT(space_cidrs(5, 4, 32, c, 64), -1);
	CHECK_INT(space_cidrs(0, 256, 8, c, 64), -1);
	CHECK_INT(space_cidrs(0, 1, 0, c, 64), -1);
	/* Exhaustive over 6 bits: blocks are aligned, maximal, exact. */
	for (int lo = 0; lo < 64; lo++)
		for (int hi = lo; hi < 64; hi++) {
			int next = lo, ok = 1;

			n = space_cidrs(lo, hi, 6, c, 64);
			for (int i = 0; i < n; i++) {
				int size = 1 << (6 - c[i].plen);

				ok &= (int)c[i].addr == next;
				ok &= (c[i].addr & (size - 1)) == 0;
				/* maximal: the doubled block is not
				 * aligned or does not fit */
				ok &= (c[i].addr & (2 * size - 1)) != 0 ||
				      (int)c[i].addr + 2 * size - 1 > hi ||
				      c[i].plen == 0;
				next += size;
			}
			if (!ok || next != hi + 1)
				CHECK(0, "cidrs of [%d,%d]", lo, hi);
		}
	CHECK(1, "exhaustive 6-bit decomposition");
}

static void test_errors(void)
{
	struct space_dim dims[] = { { "a", 15 }, { "src", 0xffffffff } };
	struct space_dim none[1] = { { "a", 1 } };
	const char *err = NULL;
	struct space *sp;
	space_set s;

	CHECK(space_new(none, 0, &err) == NULL && err, "zero dimensions");
	sp = space_new(dims, 2, &err);
	CHECK(space_interval(sp, 2, 0, 1) == SPACE_ERR, "bad dim");
	CHECK_STR(space_error(sp), "interval: no dimension 2 (the space "
		  "has 2)");
	CHECK(space_interval(sp, 0, 5, 4) == SPACE_ERR, "lo > hi");
	CHECK_STR(space_error(sp), "interval: empty range on a (low end "
		  "above high end)");
	CHECK(space_interval(sp, 0, 0, 16) == SPACE_ERR, "past max");
	CHECK(space_prefix(sp, 1, IP4(10, 0, 0, 1), 8) == SPACE_ERR,
	      "host bits");
	CHECK_STR(space_error(sp), "prefix: host bits set in /8 on src");
	CHECK(space_prefix(sp, 1, 0, 33) == SPACE_ERR, "/33");
	CHECK(space_or(sp, SPACE_ERR, space_universe(sp)) == SPACE_ERR,
	      "error propagates");
	CHECK(space_and(sp, 12345678, space_universe(sp)) == SPACE_ERR,
	      "foreign handle");
	CHECK(space_count(sp, SPACE_ERR, NULL, NULL) == -1, "count error");
	/* The node budget: a tiny one runs out, and stays out. */
	space_set_node_limit(sp, space_nodes(sp) + 3);
	s = space_prefix(sp, 1, IP4(10, 1, 0, 0), 16);
	CHECK(s == SPACE_ERR, "budget");
	CHECK_STR(space_error(sp), "the packet space is too complex: node "
		  "budget exhausted");
	CHECK(space_universe(sp) == SPACE_ERR, "sticky failure");
	space_free(sp);
}

/* ---- analyses: hand-made cases ---- */

enum { L3, SRC, DPORT, NDIM };

static struct space *net_space(void)
{
	struct space_dim dims[] = { { "l3", 2 }, { "src", 0xffffffff },
				    { "dport", 65535 } };

	return space_new(dims, NDIM, NULL);
}

static space_set v4(struct space *sp, int a, int b, int c, int d, int plen,
		    int plo, int phi)
{
	struct space_range r[] = {
		{ L3, 0, 0 },
		{ SRC, IP4(a, b, c, d), IP4(a, b, c, d) | all_ones(32 - plen) },
		{ DPORT, plo, phi },
	};

	return space_box(sp, r, 3);
}

static void test_dead_joint_cover(void)
{
	struct space *sp = net_space();
	struct space_arm arms[] = {
		{ v4(sp, 10, 0, 0, 0, 9, 0, 65535), 1, false },	/* 0 */
		{ v4(sp, 192, 168, 0, 0, 16, 0, 65535), 1, false }, /* 1 */
		{ v4(sp, 10, 128, 0, 0, 9, 0, 65535), 2, false }, /* 2 */
		{ v4(sp, 10, 0, 0, 0, 8, 22, 22), 1, false },	/* 3 */
		{ v4(sp, 10, 1, 0, 0, 16, 0, 65535), 1, true },	/* 4 */
		{ space_universe(sp), 3, false },		/* 5 */
	};
	struct space_analysis an;

	CHECK_INT(space_analyze(sp, arms, 6, false, 0, &an), 0);
	CHECK(!an.arms[0].dead && !an.arms[1].dead && !an.arms[2].dead,
	      "first arms live");
	CHECK(an.arms[3].dead, "arm 3 is covered by 0 and 2 jointly");
	CHECK(an.arms[3].ncover == 2 && an.arms[3].cover[0] == 0 &&
	      an.arms[3].cover[1] == 2, "cover {0,2}, not 1");
	CHECK(an.arms[4].dead && an.arms[4].ncover == 1 &&
	      an.arms[4].cover[0] == 0, "guarded arm is dead too");
	CHECK(!an.arms[5].dead && an.exhaustive, "catch-all");
	space_free(sp);
}

static void test_dead_minimal_cover(void)
{
	/* 0 = A, 1 = A u B, 2 = A u B: the cover of 2 is {1} alone. */
	struct space *sp = net_space();
	space_set a = v4(sp, 10, 0, 0, 0, 8, 0, 65535);
	space_set b = v4(sp, 11, 0, 0, 0, 8, 0, 65535);
	struct space_arm arms[] = {
		{ a, 1, false }, { space_or(sp, a, b), 2, false },
		{ space_or(sp, a, b), 1, false },
	};
	struct space_analysis an;

	CHECK_INT(space_analyze(sp, arms, 3, false, 0, &an), 0);
	CHECK(an.arms[2].dead && an.arms[2].ncover == 1 &&
	      an.arms[2].cover[0] == 1, "irredundant cover {1}: %zu",
	      an.arms[2].ncover);
	space_free(sp);
}

static void test_residual(void)
{
	/* IPv4 from 10.0.0.0/17, from 10/8 but not 10.0/16, from outside
	 * 10/8, and IPv6/other under a guard: what is missing is
	 * IPv4(ip { src in 10.0.128.0/17 }, _) and the unguarded rest. */
	struct space *sp = net_space();
	space_set ten = v4(sp, 10, 0, 0, 0, 8, 0, 65535);
	struct space_arm arms[] = {
		{ v4(sp, 10, 0, 0, 0, 17, 0, 65535), 1, false },
		{ space_diff(sp, ten, v4(sp, 10, 0, 0, 0, 16, 0, 65535)), 1,
		  false },
		{ space_diff(sp, space_interval(sp, L3, 0, 0), ten), 2, false },
		{ space_interval(sp, L3, 1, 2), 2, true },
	};
	struct space_analysis an;
	struct space_ival box[16 * NDIM];
	struct space_cidr c[8];
	double total = 0;
	long n;

	CHECK_INT(space_analyze(sp, arms, 4, false, 0, &an), 0);
	CHECK(!an.exhaustive, "not exhaustive: the guarded arm never covers");
	n = space_boxes(sp, an.residual, box, 16, &total);
	CHECK(n == 2 && total == 2, "two boxes: %ld of %g", n, total);
	CHECK(box[L3].lo == 0 && box[L3].hi == 0, "first IPv4");
	CHECK(space_cidrs(box[SRC].lo, box[SRC].hi, 32, c, 8) == 1 &&
	      c[0].addr == IP4(10, 0, 128, 0) && c[0].plen == 17,
	      "missing 10.0.128.0/17");
	CHECK(box[DPORT].lo == 0 && box[DPORT].hi == 65535, "any port: _");
	CHECK(box[NDIM + L3].lo == 1 && box[NDIM + L3].hi == 2 &&
	      box[NDIM + SRC].hi == 0xffffffff, "then l3 1..2, anything");
	space_free(sp);
}

static void test_redundant_and_shadow(void)
{
	struct space *sp = net_space();
	struct space_arm arms[] = {
		{ v4(sp, 10, 0, 0, 0, 8, 0, 65535), 1, false },	/* allow */
		{ v4(sp, 10, 1, 0, 0, 16, 80, 80), 2, false },	/* dead */
		{ v4(sp, 10, 0, 0, 0, 7, 22, 22), 2, false },	/* shadow */
		{ v4(sp, 11, 0, 0, 0, 8, 0, 65535), 1, false },	/* redund. */
		{ space_interval(sp, L3, 0, 0), 1, false },
		{ space_universe(sp), 2, false },
	};
	struct space_analysis an;
	const space_u128 *p;

	CHECK_INT(space_analyze(sp, arms, 6, false, 0, &an), 0);
	CHECK(an.arms[1].dead, "dead");
	CHECK(an.arms[2].shadowed && an.arms[2].shadow_by == 0,
	      "arm 2 partly shadowed by 0");
	p = an.arms[2].shadow_point;
	CHECK(p && p[L3] == 0 && p[DPORT] == 22 &&
	      (p[SRC] >> 24) == 10, "witness is 10.x on port 22");
	CHECK(!an.arms[2].redundant, "arm 2 decides 11.x:22");
	CHECK(an.arms[3].redundant, "arm 3 = what arm 4 says anyway");
	CHECK(!an.arms[4].redundant && !an.arms[0].redundant, "needed arms");
	/* 10/7 on port 22 also holds 11.x:22, which arm 2 takes first. */
	p = an.arms[3].shadow_point;
	CHECK(an.arms[3].shadowed && an.arms[3].shadow_by == 2 && p &&
	      (p[SRC] >> 24) == 11 && p[DPORT] == 22, "arm 3 by arm 2");
	/* The lowest packet of the catch-all is 0.0.0.0:0, caught by 4. */
	CHECK(an.arms[5].shadowed && an.arms[5].shadow_by == 4,
	      "catch-all shadowed by arm 4");
	space_free(sp);
}

static void test_redundant_default_and_guards(void)
{
	struct space *sp = net_space();
	space_set ssh = v4(sp, 0, 0, 0, 0, 0, 22, 22);
	space_set lan = v4(sp, 10, 0, 0, 0, 8, 0, 65535);
	struct space_arm arms[] = {
		{ ssh, 1, false },	/* drop == default: redundant */
		{ lan, 2, true },	/* guarded allow */
		{ lan, 1, false },	/* drop: redundant with default */
	};
	struct space_arm arms2[] = {
		{ lan, 1, false },	/* drop, but a guarded allow follows */
		{ lan, 2, true },
	};
	struct space_analysis an;

	CHECK_INT(space_analyze(sp, arms, 3, true, 1, &an), 0);
	CHECK(an.arms[2].redundant, "falls to the default drop");
	CHECK(!an.arms[1].redundant, "guarded allow matters");
	CHECK(!an.arms[0].redundant, "ssh from lan would meet the guarded "
	      "allow");
	CHECK_INT(space_analyze(sp, arms2, 2, true, 1, &an), 0);
	CHECK(!an.arms[0].redundant, "the guard may fire");
	CHECK_INT(space_analyze(sp, arms, 3, false, 0, &an), 0);
	CHECK(!an.arms[2].redundant, "without a default it is needed");
	space_free(sp);
}

static void test_analyze_errors(void)
{
	struct space *sp = net_space();
	struct space_arm arms[] = { { SPACE_ERR, 1, false } };
	struct space_arm arms2[] = { { space_universe(sp), SPACE_AMBIG,
				       false } };
	struct space_analysis an;

	CHECK_INT(space_analyze(sp, arms, 1, false, 0, &an), -1);
	CHECK_INT(space_analyze(sp, arms2, 1, false, 0, &an), -1);
	CHECK_STR(space_error(sp), "arm 0: action id 4294967294 is reserved");
	CHECK_INT(space_analyze(sp, arms2, 0, false, 0, &an), 0);
	CHECK(!an.exhaustive && an.narms == 0, "no arms: nothing covered");
	space_free(sp);
}

static void test_tile(void)
{
	struct space *sp = net_space();
	/* 10/8 split: /9, then /10 inside the /9 (overlap), a hole
	 * 10.192/10 missing, and an arm outside. */
	struct space_ival arms[] = {
		{ IP4(10, 0, 0, 0), IP4(10, 127, 255, 255) },
		{ IP4(10, 64, 0, 0), IP4(10, 127, 255, 255) },
		{ IP4(10, 128, 0, 0), IP4(10, 191, 255, 255) },
		{ IP4(11, 0, 0, 0), IP4(11, 0, 0, 255) },
	};
	struct space_ival parent = { IP4(10, 0, 0, 0), IP4(10, 255, 255, 255) };
	struct space_tiling t;

	CHECK_INT(space_tile(sp, parent, arms, 4, 8, &t), 0);
	CHECK(t.noverlaps == 1 && t.total_overlaps == 1, "one overlap");
	CHECK(t.overlaps[0].a == 0 && t.overlaps[0].b == 1 &&
	      t.overlaps[0].lo == IP4(10, 64, 0, 0) &&
	      t.overlaps[0].hi == IP4(10, 127, 255, 255), "0 and 1 on /10");
	CHECK(t.ngaps == 1 && t.gaps[0].lo == IP4(10, 192, 0, 0) &&
	      t.gaps[0].hi == IP4(10, 255, 255, 255), "gap 10.192/10");
	CHECK(t.noutside == 1 && t.outside[0] == 3, "arm 3 outside");
	/* Ports tile 0..65535 exactly. */
	struct space_ival ports[] = { { 1024, 65535 }, { 0, 1023 } };
	CHECK_INT(space_tile(sp, (struct space_ival){ 0, 65535 }, ports, 2,
			     8, &t), 0);
	CHECK(t.ngaps == 0 && t.total_overlaps == 0 && t.noutside == 0,
	      "exact tiling");
	CHECK_INT(space_tile(sp, (struct space_ival){ 5, 4 }, ports, 2, 8,
			     &t), -1);
	space_free(sp);
}

/* ---- randomized differential test against brute force ---- */

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state % n);
}

#define RMAXD 4
#define RMAXARMS 12
#define RMAXBOX 3
#define RMAXPTS 1536

struct rbox {
	int lo[RMAXD], hi[RMAXD];
};

struct rarm {			/* union of boxes, minus one box maybe */
	struct rbox plus[RMAXBOX];
	int nplus;
	bool minus;
	struct rbox sub;
	int action;
	bool guarded;
};

struct rcase {
	int ndims, max[RMAXD], npts;
	int narms;
	struct rarm arm[RMAXARMS];
	bool has_default;
	int def;
	unsigned guard_mask;		/* bit i: arm i is guarded */
	bool in[RMAXARMS][RMAXPTS];	/* brute membership */
	int pt[RMAXPTS][RMAXD];
};

static void rand_box(struct rcase *c, struct rbox *b)
{
	for (int d = 0; d < c->ndims; d++) {
		int kind = rnd(4), a, z;

		if (kind == 0) {	/* free */
			a = 0;
			z = c->max[d];
		} else if (kind == 1 && c->max[d] >= 7) {	/* aligned */
			int size = 1 << rnd(3);

			a = rnd(c->max[d] + 1) & ~(size - 1);
			z = a + size - 1;
			if (z > c->max[d])
				z = c->max[d];
		} else {
			a = rnd(c->max[d] + 1);
			z = rnd(c->max[d] + 1);
			if (a > z) {
				int t = a;

				a = z;
				z = t;
			}
		}
		b->lo[d] = a;
		b->hi[d] = z;
	}
}

static bool in_box(const struct rcase *c, const struct rbox *b, const int *p)
{
	for (int d = 0; d < c->ndims; d++)
		if (p[d] < b->lo[d] || p[d] > b->hi[d])
			return false;
	return true;
}

static space_set box_set(struct space *sp, const struct rcase *c,
			 const struct rbox *b)
{
	struct space_range r[RMAXD];

	for (int d = 0; d < c->ndims; d++)
		r[d] = (struct space_range){ d, b->lo[d], b->hi[d] };
	return space_box(sp, r, c->ndims);
}

static const int shapes[][RMAXD + 1] = {
	{ 3, 15, 7, 2, 0 },
	{ 4, 7, 5, 2, 3 },
	{ 2, 31, 10, 0, 0 },
	{ 3, 9, 12, 1, 0 },
	{ 4, 3, 15, 4, 2 },
	{ 1, 63, 0, 0, 0 },
};

static void make_case(struct rcase *c)
{
	const int *sh = shapes[rnd(sizeof(shapes) / sizeof(shapes[0]))];

	c->ndims = sh[0];
	c->npts = 1;
	for (int d = 0; d < c->ndims; d++) {
		c->max[d] = sh[d + 1];
		c->npts *= c->max[d] + 1;
	}
	c->narms = 1 + rnd(RMAXARMS);
	for (int i = 0; i < c->narms; i++) {
		struct rarm *a = &c->arm[i];

		a->nplus = 1 + (rnd(4) == 0) + (rnd(8) == 0);
		for (int k = 0; k < a->nplus; k++)
			rand_box(c, &a->plus[k]);
		a->minus = rnd(5) == 0;
		if (a->minus)
			rand_box(c, &a->sub);
		/* Repeat an earlier arm sometimes: dead arms and covers. */
		if (i > 0 && rnd(6) == 0) {
			*a = c->arm[rnd(i)];
		}
		a->action = rnd(3);
		a->guarded = rnd(6) == 0;
	}
	c->has_default = rnd(2);
	c->def = rnd(3);
	for (int p = 0; p < c->npts; p++) {
		int v = p;

		for (int d = c->ndims - 1; d >= 0; d--) {
			c->pt[p][d] = v % (c->max[d] + 1);
			v /= c->max[d] + 1;
		}
		for (int i = 0; i < c->narms; i++) {
			const struct rarm *a = &c->arm[i];
			bool in = false;

			for (int k = 0; k < a->nplus; k++)
				in |= in_box(c, &a->plus[k], c->pt[p]);
			if (a->minus && in_box(c, &a->sub, c->pt[p]))
				in = false;
			c->in[i][p] = in;
		}
	}
}

static int point_index(const struct rcase *c, const space_u128 *p)
{
	int idx = 0;

	for (int d = 0; d < c->ndims; d++) {
		if (p[d] > (space_u128)c->max[d])
			return -1;
		idx = idx * (c->max[d] + 1) + (int)p[d];
	}
	return idx;
}

/* First unguarded arm before `before` holding point p, or -1. */
static int first_unguarded(const struct rcase *c, int before, int p)
{
	for (int j = 0; j < before; j++)
		if (!c->arm[j].guarded && c->in[j][p])
			return j;
	return -1;
}

/* Verdict of point p with guard valuation `val` (bit i: guard of arm i
 * holds), skipping arm `skip`. */
static int verdict(const struct rcase *c, int p, unsigned val, int skip)
{
	for (int i = 0; i < c->narms; i++) {
		if (i == skip || !c->in[i][p])
			continue;
		if (!c->arm[i].guarded || (val >> i & 1))
			return c->arm[i].action;
	}
	return c->has_default ? c->def : -1;
}

static int diff_fail;

#define DCHECK(cond, ...)                                                    \
	do {                                                                 \
		if (!(cond)) {                                               \
			if (diff_fail++ < 10) {                              \
				printf("  seed case %d: ", ncase);           \
				printf(__VA_ARGS__);                         \
				printf("\n");                                \
			}                                                    \
		}                                                            \
	} while (0)

static void check_case(struct rcase *c, int ncase, long *stats)
{
	struct space_dim dims[RMAXD];
	struct space_arm arms[RMAXARMS];
	struct space_analysis an;
	struct space *sp;
	space_u128 pt[RMAXD];
	bool resid[RMAXPTS], cover[RMAXPTS];
	int nresid = 0;

	for (int d = 0; d < c->ndims; d++)
		dims[d] = (struct space_dim){ NULL, c->max[d] };
	sp = space_new(dims, c->ndims, NULL);
	for (int i = 0; i < c->narms; i++) {
		const struct rarm *a = &c->arm[i];
		space_set s = space_empty(sp);

		for (int k = 0; k < a->nplus; k++)
			s = space_or(sp, s, box_set(sp, c, &a->plus[k]));
		if (a->minus)
			s = space_diff(sp, s, box_set(sp, c, &a->sub));
		arms[i] = (struct space_arm){ s, a->action, a->guarded };
		/* The set itself, point by point, and its count. */
		int n = 0;
		for (int p = 0; p < c->npts; p++) {
			for (int d = 0; d < c->ndims; d++)
				pt[d] = c->pt[p][d];
			DCHECK(space_member(sp, s, pt) == c->in[i][p],
			       "arm %d membership at point %d", i, p);
			n += c->in[i][p];
		}
		DCHECK(count_of(sp, s) == n, "arm %d count %g != %d", i,
		       count_of(sp, s), n);
	}
	if (space_analyze(sp, arms, c->narms, c->has_default, c->def, &an)) {
		DCHECK(0, "analyze failed: %s", space_error(sp));
		space_free(sp);
		return;
	}

	/* Exhaustiveness: residual membership, count, box listing. */
	for (int p = 0; p < c->npts; p++) {
		resid[p] = first_unguarded(c, c->narms, p) < 0;
		nresid += resid[p];
		for (int d = 0; d < c->ndims; d++)
			pt[d] = c->pt[p][d];
		DCHECK(space_member(sp, an.residual, pt) == resid[p],
		       "residual at point %d", p);
		cover[p] = false;
	}
	DCHECK(an.exhaustive == (nresid == 0), "exhaustive flag");
	DCHECK(count_of(sp, an.residual) == nresid, "residual count");
	{
		struct space_ival boxes[RMAXPTS * RMAXD];
		double total = -1;
		long nb = space_boxes(sp, an.residual, boxes, RMAXPTS, &total);
		int vol = 0;

		DCHECK(nb == (long)total, "box total %g, listed %ld", total,
		       nb);
		for (long b = 0; b < nb; b++) {
			struct space_ival *bx = &boxes[b * c->ndims];

			for (int p = 0; p < c->npts; p++) {
				bool in = true;

				for (int d = 0; d < c->ndims; d++)
					in &= bx[d].lo <= (space_u128)c->pt[p][d] &&
					      (space_u128)c->pt[p][d] <= bx[d].hi;
				if (!in)
					continue;
				DCHECK(resid[p] && !cover[p],
				       "box %ld: point %d not residual or "
				       "listed twice", b, p);
				cover[p] = true;
				vol++;
			}
			for (int d = 0; d < c->ndims; d++)
				DCHECK(bx[d].hi <= (space_u128)c->max[d] &&
				       bx[d].lo <= bx[d].hi, "box in domain");
		}
		DCHECK(vol == nresid, "boxes hold %d of %d residual points",
		       vol, nresid);
		if (nb > 1) {
			long one = space_boxes(sp, an.residual, boxes, 1,
					       &total);
			DCHECK(one == 1, "limit honoured");
		}
	}

	for (int i = 0; i < c->narms; i++) {
		const struct space_arm_result *r = &an.arms[i];
		bool dead = true, shadow = false, removable = true;

		for (int p = 0; p < c->npts; p++)
			if (c->in[i][p] && first_unguarded(c, i, p) < 0)
				dead = false;
		DCHECK(r->dead == dead, "arm %d dead %d, brute %d", i,
		       r->dead, dead);
		stats[0] += dead;
		if (dead && r->dead) {
			/* Listed arms: earlier, unguarded, intersecting, and
			 * jointly covering; none can be dropped. */
			for (size_t k = 0; k < r->ncover; k++) {
				int j = (int)r->cover[k], hit = 0;

				DCHECK(j < i && !c->arm[j].guarded,
				       "arm %d: cover %d not an earlier "
				       "unguarded arm", i, j);
				if (j >= i)
					continue;
				for (int p = 0; p < c->npts; p++)
					hit |= c->in[i][p] && c->in[j][p];
				DCHECK(hit, "arm %d: cover %d does not "
				       "intersect it", i, j);
				DCHECK(k == 0 || r->cover[k - 1] < r->cover[k],
				       "cover sorted");
			}
			for (long drop = -1; drop < (long)r->ncover; drop++) {
				bool all = true;

				for (int p = 0; p < c->npts; p++) {
					bool got = false;

					if (!c->in[i][p])
						continue;
					for (size_t k = 0; k < r->ncover; k++)
						if ((long)k != drop &&
						    r->cover[k] < (uint32_t)i)
							got |= c->in[r->cover[k]][p];
					all &= got;
				}
				if (drop < 0)
					DCHECK(all, "arm %d: cover does not "
					       "cover", i);
				else
					DCHECK(!all, "arm %d: cover arm %u "
					       "is superfluous", i,
					       r->cover[drop]);
			}
			stats[1] += r->ncover >= 2;
		}
		/* Shadowed: a packet of the arm first caught by an earlier
		 * unguarded arm with another action. */
		for (int p = 0; p < c->npts && !dead; p++) {
			int j;

			if (!c->in[i][p])
				continue;
			j = first_unguarded(c, i, p);
			if (j >= 0 && c->arm[j].action != c->arm[i].action)
				shadow = true;
		}
		DCHECK(r->shadowed == shadow, "arm %d shadowed %d, brute %d",
		       i, r->shadowed, shadow);
		if (shadow && r->shadowed) {
			int p = point_index(c, r->shadow_point);
			int j = p < 0 ? -1 : first_unguarded(c, i, p);

			DCHECK(p >= 0 && c->in[i][p], "arm %d: witness not in "
			       "the arm", i);
			DCHECK(p >= 0 && j == (int)r->shadow_by &&
			       c->arm[j].action != c->arm[i].action,
			       "arm %d: witness not first caught by arm %u "
			       "(brute %d)", i, r->shadow_by, j);
			stats[2]++;
		}
		/* Redundant: removing the arm changes no verdict of any
		 * packet under any valuation of the guards. */
		for (int p = 0; p < c->npts && removable; p++) {
			if (!c->in[i][p])
				continue;
			/* every valuation of the guards (submasks) */
			for (unsigned val = c->guard_mask;;
			     val = (val - 1) & c->guard_mask) {
				if (verdict(c, p, val, -1) !=
				    verdict(c, p, val, i)) {
					removable = false;
					break;
				}
				if (val == 0)
					break;
			}
		}
		DCHECK(r->redundant == (!dead && removable),
		       "arm %d redundant %d, brute %d", i, r->redundant,
		       !dead && removable);
		stats[3] += !dead && removable;
	}
	stats[4] += nresid > 0;
	space_free(sp);
}

static void test_random_differential(void)
{
	static struct rcase c;
	long stats[5] = { 0 };
	const int ncases = 3000;

	rng_state = 0x5eed5eed12345ull;
	diff_fail = 0;
	for (int n = 0; n < ncases; n++) {
		make_case(&c);
		c.guard_mask = 0;
		for (int i = 0; i < c.narms; i++)
			if (c.arm[i].guarded)
				c.guard_mask |= 1u << i;
		check_case(&c, n, stats);
	}
	printf("  %d random cases, %d disagreements; dead arms %ld (joint "
	       "covers of 2+ arms %ld), shadowed %ld, redundant %ld, non-exhaustive %ld\n",
	       ncases, diff_fail, stats[0], stats[1], stats[2], stats[3],
	       stats[4]);
	CHECK(diff_fail == 0, "%d disagreements with brute force", diff_fail);
	CHECK(stats[0] > 100 && stats[1] > 100 && stats[2] > 100 && stats[3] > 100 &&
	      stats[4] > 100, "the cases exercise every analysis");
}

static void test_random_tile(void)
{
	int fails = 0, cases = 2000;

	rng_state = 0x711e711eull;
	for (int n = 0; n < cases; n++) {
		struct space_dim dims[] = { { "x", 63 } };
		struct space *sp = space_new(dims, 1, NULL);
		struct space_ival arms[8], parent;
		struct space_tiling t;
		int narms = 1 + rnd(8), a = rnd(64), z = rnd(64), pairs = 0;
		bool covered[64] = { false };

		parent = (struct space_ival){ a < z ? a : z, a < z ? z : a };
		for (int i = 0; i < narms; i++) {
			a = rnd(64);
			z = rnd(64);
			arms[i] = (struct space_ival){ a < z ? a : z,
						       a < z ? z : a };
			for (int x = (int)arms[i].lo; x <= (int)arms[i].hi; x++)
				covered[x] = true;
		}
		if (space_tile(sp, parent, arms, narms, 64, &t)) {
			fails++;
			space_free(sp);
			continue;
		}
		for (int i = 0; i < narms; i++)
			for (int j = i + 1; j < narms; j++) {
				space_u128 lo = arms[i].lo > arms[j].lo ?
						arms[i].lo : arms[j].lo;
				space_u128 hi = arms[i].hi < arms[j].hi ?
						arms[i].hi : arms[j].hi;
				bool found = false;

				if (lo > hi)
					continue;
				pairs++;
				for (size_t k = 0; k < t.noverlaps; k++)
					if (t.overlaps[k].a == (uint32_t)i &&
					    t.overlaps[k].b == (uint32_t)j &&
					    t.overlaps[k].lo == lo &&
					    t.overlaps[k].hi == hi)
						found = true;
				fails += !found;
			}
		fails += t.total_overlaps != (size_t)pairs;
		/* Gaps: exactly the uncovered points of the parent, as
		 * maximal ascending intervals. */
		int x = (int)parent.lo;
		size_t g = 0;
		while (x <= (int)parent.hi) {
			if (covered[x]) {
				x++;
				continue;
			}
			int y = x;
			while (y + 1 <= (int)parent.hi && !covered[y + 1])
				y++;
			fails += g >= t.ngaps || (int)t.gaps[g].lo != x ||
				 (int)t.gaps[g].hi != y;
			g++;
			x = y + 1;
		}
		fails += g != t.ngaps;
		for (int i = 0, k = 0; i < narms; i++) {
			bool out = arms[i].lo < parent.lo ||
				   arms[i].hi > parent.hi;

			if (out)
				fails += (size_t)k >= t.noutside ||
					 t.outside[k++] != (uint32_t)i;
		}
		space_free(sp);
	}
	printf("  %d random tilings, %d disagreements\n", cases, fails);
	CHECK(fails == 0, "%d tiling disagreements", fails);
}

/* ---- benchmark ---- */

enum { B_L3, B_L4, B_SRC4, B_DST4, B_SRC6, B_DST6, B_SPORT, B_DPORT, B_IIF,
       B_CT, B_NDIM };

static space_set bench_arm(struct space *sp)
{
	struct space_range r[8];
	int n = 0, kind = rnd(100);
	static const int plens[] = { 8, 16, 20, 24, 24, 28, 32, 32 };

	if (kind < 70) {		/* IPv4 5-tuple-ish */
		int sp_ = rnd(plens[rnd(8)] + 1), dp = plens[rnd(8)];
		space_u128 s = IP4(10, rnd(4), rnd(64), rnd(256));
		space_u128 d = IP4(192, 168, rnd(16), rnd(256));

		r[n++] = (struct space_range){ B_L3, 0, 0 };
		r[n++] = (struct space_range){ B_L4, rnd(3), 0 };
		r[n - 1].hi = r[n - 1].lo;
		s &= ~all_ones(32 - sp_);
		d &= ~all_ones(32 - dp);
		if (rnd(4))
			r[n++] = (struct space_range){ B_SRC4, s,
						       s | all_ones(32 - sp_) };
		r[n++] = (struct space_range){ B_DST4, d,
					       d | all_ones(32 - dp) };
		if (rnd(3)) {
			int p = 1 + rnd(2000);

			r[n++] = (struct space_range){ B_DPORT, p,
						       p + (rnd(3) ? 0 :
							    rnd(100)) };
		}
	} else if (kind < 85) {		/* IPv6 */
		int pl = 32 + 8 * rnd(13);
		space_u128 s = U128(0x20010db800000000ull | rnd(65536) << 16,
				    (uint64_t)rnd(1 << 30) << 32);

		s &= ~all_ones(128 - pl);
		r[n++] = (struct space_range){ B_L3, 1, 1 };
		r[n++] = (struct space_range){ B_SRC6, s,
					       s | all_ones(128 - pl) };
		if (rnd(2))
			r[n++] = (struct space_range){ B_DPORT, 443, 443 };
	} else if (kind < 95) {		/* broad: protocol / port / iface */
		r[n++] = (struct space_range){ B_L4, rnd(4), 0 };
		r[n - 1].hi = r[n - 1].lo;
		if (rnd(2)) {
			int p = rnd(1024);

			r[n++] = (struct space_range){ B_DPORT, p, p };
		}
		if (rnd(2))
			r[n++] = (struct space_range){ B_IIF, rnd(8), 0 };
		if (n && r[n - 1].dim == B_IIF)
			r[n - 1].hi = r[n - 1].lo;
	} else {			/* conntrack state */
		int s = rnd(4);

		r[n++] = (struct space_range){ B_CT, s, s };
	}
	return space_box(sp, r, n);
}

static long max_rss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int bench(int argc, char **argv)
{
	static const int defaults[] = { 1000, 2000, 5000, 10000 };
	int nruns = argc > 0 ? argc : 4;

	printf("%7s %9s %9s %9s %10s %6s %6s %6s %6s %9s\n", "arms",
	       "build s", "analyze s", "total s", "nodes", "dead", "shadow",
	       "redund", "boxes", "maxrss MB");
	for (int k = 0; k < nruns; k++) {
		int n = argc > 0 ? atoi(argv[k]) : defaults[k];
		struct space_dim dims[B_NDIM] = {
			{ "l3", 2 }, { "l4", 3 }, { "src4", 0xffffffff },
			{ "dst4", 0xffffffff }, { "src6", ~(space_u128)0 },
			{ "dst6", ~(space_u128)0 }, { "sport", 65535 },
			{ "dport", 65535 }, { "iif", 15 }, { "ct", 3 },
		};
		struct space *sp = space_new(dims, B_NDIM, NULL);
		struct space_arm *arms;
		struct space_analysis an;
		double t0, t1, t2, total = 0;
		int dead = 0, shadow = 0, red = 0;

		if (n <= 0 || !sp) {
			fprintf(stderr, "bench: bad arm count\n");
			return 1;
		}
		arms = calloc(n, sizeof(*arms));
		rng_state = 0xbe4c40000ull + n;
		t0 = now();
		for (int i = 0; i < n; i++)
			arms[i] = (struct space_arm){ bench_arm(sp), rnd(4),
						      rnd(20) == 0 };
		t1 = now();
		if (space_analyze(sp, arms, n, true, 0, &an)) {
			fprintf(stderr, "bench: %s\n", space_error(sp));
			return 1;
		}
		space_boxes(sp, an.residual, NULL, 0, &total);
		t2 = now();
		for (int i = 0; i < n; i++) {
			dead += an.arms[i].dead;
			shadow += an.arms[i].shadowed;
			red += an.arms[i].redundant;
		}
		printf("%7d %9.3f %9.3f %9.3f %10zu %6d %6d %6d %6.0f %9.1f\n",
		       n, t1 - t0, t2 - t1, t2 - t0, space_nodes(sp), dead,
		       shadow, red, total, max_rss_kb() / 1024.0);
		free(arms);
		space_free(sp);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "bench") == 0)
		return bench(argc - 2, argv + 2);
	RUN(test_universe_empty);
	RUN(test_interval_alias);
	RUN(test_prefix_values_box);
	RUN(test_algebra);
	RUN(test_count_u128);
	RUN(test_pick);
	RUN(test_boxes);
	RUN(test_cidrs);
	RUN(test_errors);
	RUN(test_dead_joint_cover);
	RUN(test_dead_minimal_cover);
	RUN(test_residual);
	RUN(test_redundant_and_shadow);
	RUN(test_redundant_default_and_guards);
	RUN(test_analyze_errors);
	RUN(test_tile);
	RUN(test_random_differential);
	RUN(test_random_tile);
	return check_done();
}
