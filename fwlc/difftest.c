// SPDX-License-Identifier: MIT
/*
 * difftest.c - `fwlc difftest`: the interpreter against the compiled BPF
 * object on random packets (docs/testing-scenarios.md).
 *
 *	fwlc difftest POLICY [--packets N] [--seed S] [--with STMT]...
 *	fwlc difftest --random-policies K [--packets N] [--seed S]
 *
 * Packets are written as scenario statements (so a disagreement can be
 * pasted into a .fwlt) and run through scenario.c's differential mode:
 * every packet on the interpreter and on the BPF backend, each with its
 * own state, their outcomes compared.  The generator is structure-aware
 * and biased to the policy's constants, taken from its decision IR: the
 * edges of every CIDR (first, last, one before, one after), of every port
 * range and port set (lo-1, lo, hi, hi+1), its ICMP types and payload
 * lengths, the scenario's own addresses; then random values, malformed
 * headers (bad UDP lengths, TCP data offsets, fragments, VLAN tags) and
 * replies to earlier packets, so sequences build state (conntrack, NAT,
 * flow patterns, rate limits), with clock advances in between.
 *
 * The environment (interfaces, addresses, routes, feeds) comes from
 * --with statements, else from the setup of the policy's sibling .fwlt
 * (examples/home-router.fwlt for examples/home-router.fwl), else it is
 * made up from the policy's interfaces.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fwlc/arena.h"
#include "fwlc/check.h"
#include "fwlc/cmd.h"
#include "fwlc/lower.h"
#include "fwlc/scenario.h"

/*
 * Randomness: xorshift64*, seeded; the seed replays a run.
 */
static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ull;
}

static unsigned rn(unsigned n)	/* 0 .. n-1 */
{
	return n ? (unsigned)(rnd() % n) : 0;
}

static bool chance(unsigned percent)
{
	return rn(100) < percent;
}

/*
 * A growable text.
 */
typedef struct Txt {
	char *s;
	size_t n, cap;
} Txt;

static void tx(Txt *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void tx(Txt *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (t->n + (size_t)n + 1 > t->cap) {
		t->cap = (t->n + (size_t)n + 1) * 2 + 4096;
		t->s = realloc(t->s, t->cap);
		if (!t->s) {
			fprintf(stderr, "fwlc difftest: out of memory\n");
			exit(2);
		}
	}
	va_start(ap, fmt);
	vsnprintf(t->s + t->n, t->cap - t->n, fmt, ap);
	va_end(ap);
	t->n += (size_t)n;
}

/*
 * The constants to aim at.
 */
#define POOL_MAX 512

typedef struct Pfx {
	uint8_t a[16];
	uint8_t plen;
} Pfx;

typedef struct Pools {
	Pfx v4[POOL_MAX], v6[POOL_MAX];
	int n4, n6;
	uint16_t ports[POOL_MAX];
	int nports;
	uint8_t icmp[64], icmp6[64];
	int nicmp, nicmp6;
	int paylens[64];
	int npaylens;
	char ifaces[16][32];
	int nifaces;
	/* constants of the scalar header fields (IRF_TTL .. IRF_VLAN_ID),
	   with their neighbours */
	uint32_t scal[IRF_VLAN_ID - IRF_TTL + 1][32];
	int nscal[IRF_VLAN_ID - IRF_TTL + 1];
} Pools;

static void add_pfx(Pools *p, int fam, const uint8_t *a, int plen)
{
	Pfx *v = fam == 4 ? p->v4 : p->v6;
	int *n = fam == 4 ? &p->n4 : &p->n6;
	if (*n >= POOL_MAX)
		return;
	memset(&v[*n], 0, sizeof v[*n]);
	memcpy(v[*n].a, a, fam == 4 ? 4 : 16);
	v[*n].plen = (uint8_t)plen;
	(*n)++;
}

static void add_port(Pools *p, long port)
{
	if (port >= 0 && port <= 65535 && p->nports < POOL_MAX)
		p->ports[p->nports++] = (uint16_t)port;
}

static void add_iface(Pools *p, const char *name)
{
	if (!name || !name[0] || strcmp(name, "lo") == 0 ||
	    strlen(name) >= sizeof p->ifaces[0])
		return;
	for (int i = 0; i < p->nifaces; i++)
		if (strcmp(p->ifaces[i], name) == 0)
			return;
	if (p->nifaces < 16)
		snprintf(p->ifaces[p->nifaces++], sizeof p->ifaces[0], "%s",
			 name);
}

static void add_scal(Pools *p, enum ir_field f, int64_t v, int64_t max)
{
	int i = (int)f - IRF_TTL;
	if (v < 0 || v > max || p->nscal[i] >= 32)
		return;
	p->scal[i][p->nscal[i]++] = (uint32_t)v;
}

/* A value of scalar field f from the pool, or -1 (then the generator
 * picks its default). */
static int64_t scal_of(const Pools *p, enum ir_field f, int pct)
{
	int i = (int)f - IRF_TTL;
	if (!p->nscal[i] || !chance(pct))
		return -1;
	return p->scal[i][rn((unsigned)p->nscal[i])];
}

static void pool_test(Pools *p, const struct ir_test *t)
{
	if (t->field >= IRF_TTL && t->field <= IRF_VLAN_ID &&
	    (t->op == IR_EQ || t->op == IR_RANGE)) {
		static const int64_t max[] = {
			[IRF_TTL - IRF_TTL] = 255, [IRF_TOS - IRF_TTL] = 255,
			[IRF_DSCP - IRF_TTL] = 63, [IRF_IP4_LEN - IRF_TTL] = 1400,
			[IRF_IP6_LEN - IRF_TTL] = 1400,
			[IRF_IP_ID - IRF_TTL] = 65535, [IRF_IHL - IRF_TTL] = 15,
			[IRF_FRAG_IS - IRF_TTL] = 1,
			[IRF_TCP_SEQ - IRF_TTL] = 0xffffffffll,
			[IRF_TCP_ACK - IRF_TTL] = 0xffffffffll,
			[IRF_TCP_WIN - IRF_TTL] = 65535,
			[IRF_UDP_LEN - IRF_TTL] = 1400,
			[IRF_FLOWLABEL - IRF_TTL] = 0xfffff,
			[IRF_VLAN_PCP - IRF_TTL] = 7,
			[IRF_VLAN_DEI - IRF_TTL] = 1,
			[IRF_VLAN_ID - IRF_TTL] = 4094,
		};
		int64_t m = max[t->field - IRF_TTL];
		int64_t lo = (int64_t)t->lo, hi = (int64_t)t->hi;
		add_scal(p, t->field, lo - 1, m);
		add_scal(p, t->field, lo, m);
		add_scal(p, t->field, hi, m);
		add_scal(p, t->field, hi + 1, m);
		/* a length is reached through the payload's */
		static const int hdr[][2] = {
			[IRF_IP4_LEN - IRF_TTL] = { 28, 40 },
			[IRF_IP6_LEN - IRF_TTL] = { 8, 20 },
			[IRF_UDP_LEN - IRF_TTL] = { 8, 8 },
		};
		const int *h = hdr[t->field - IRF_TTL];
		for (int k = 0; h[0] && k < 2; k++)
			for (int64_t x = lo - 1; x <= hi + 1 && x <= lo + 1 &&
			     p->npaylens < 60; x++)
				if (x - h[k] >= 0)
					p->paylens[p->npaylens++] =
						(int)(x - h[k]);
		if (h[0] && hi > lo + 1 && p->npaylens < 58) {
			p->paylens[p->npaylens++] = (int)(hi - h[0]);
			p->paylens[p->npaylens++] = (int)(hi + 1 - h[0]);
		}
		return;
	}
	switch (t->field) {
	case IRF_SRC4:
	case IRF_DST4:
		if (t->op == IR_PREFIX)
			add_pfx(p, 4, t->addr, t->plen);
		break;
	case IRF_SRC6:
	case IRF_DST6:
		if (t->op == IR_PREFIX)
			add_pfx(p, 6, t->addr, t->plen);
		break;
	case IRF_SPORT:
	case IRF_DPORT:
		if (t->op == IR_EQ || t->op == IR_RANGE) {
			long lo = (long)t->lo, hi = t->op == IR_RANGE
							? (long)t->hi : lo;
			add_port(p, lo - 1);
			add_port(p, lo);
			add_port(p, hi);
			add_port(p, hi + 1);
		}
		break;
	case IRF_ICMP_TYPE:
		if ((t->op == IR_EQ || t->op == IR_RANGE) && p->nicmp < 60) {
			p->icmp[p->nicmp++] = (uint8_t)t->lo;
			p->icmp6[p->nicmp6++] = (uint8_t)t->lo;
		}
		break;
	case IRF_PAYLOAD_LEN:
		if (p->npaylens < 60) {
			p->paylens[p->npaylens++] = (int)t->lo;
			if (t->lo)
				p->paylens[p->npaylens++] = (int)t->lo - 1;
			p->paylens[p->npaylens++] = (int)t->lo + 1;
			if (t->op == IR_RANGE && t->hi < 1400)
				p->paylens[p->npaylens++] = (int)t->hi;
		}
		break;
	default:
		break;
	}
	for (int i = 0; i < t->nalts; i++)
		pool_test(p, &t->alts[i]);
}

static void pool_cond(Pools *p, const struct ir_cond *c)
{
	if (!c)
		return;
	if (c->kind == IRC_TEST)
		pool_test(p, &c->test);
	pool_cond(p, c->a);
	pool_cond(p, c->b);
}

static void pool_act(Pools *p, const struct ir_act *a)
{
	if (!a)
		return;
	pool_cond(p, a->cond);
	pool_act(p, a->then_);
	pool_act(p, a->else_);
}

static void pool_policy(Pools *p, const struct ir_policy *pol)
{
	for (int k = 0; k < pol->narms; k++) {
		const struct ir_arm *a = &pol->arms[k];
		for (int j = 0; j < a->ntests; j++)
			pool_test(p, &a->tests[j]);
		pool_cond(p, a->guard);
		pool_act(p, a->act);
	}
}

static void pool_ir(Pools *p, const struct ir_prog *ir)
{
	for (int i = 0; i < ir->npolicies; i++)
		pool_policy(p, &ir->policies[i]);
	for (int i = 0; i < ir->nrules; i++)
		pool_policy(p, &ir->rules[i]);
	for (int i = 0; i < ir->nflows; i++)
		for (int s = 0; s < ir->flows[i].nsteps; s++)
			for (int j = 0; j < ir->flows[i].nsteps_tests[s]; j++)
				pool_test(p, &ir->flows[i].steps[s][j]);
	for (int i = 0; i < ir->nsets; i++) {
		const struct ir_set *s = &ir->sets[i];
		for (int k = 0; k < s->nentries && k < 64; k++) {
			const struct ir_set_entry *e = &s->entries[k];
			if (s->kind == IR_SET_CIDR4)
				add_pfx(p, 4, e->addr, e->plen);
			else if (s->kind == IR_SET_CIDR6)
				add_pfx(p, 6, e->addr, e->plen);
			else {
				add_port(p, (long)e->lo - 1);
				add_port(p, e->lo);
				add_port(p, e->hi);
				add_port(p, (long)e->hi + 1);
			}
		}
	}
	for (int i = 0; i < ir->ndnat; i++) {
		add_port(p, ir->dnat[i].port);
		add_port(p, ir->dnat[i].to_port);
		add_pfx(p, ir->dnat[i].family == 6 ? 6 : 4, ir->dnat[i].addr,
			ir->dnat[i].family == 6 ? 128 : 32);
	}
	for (int i = 0; i < ir->nifaces; i++)
		add_iface(p, ir->ifaces[i].name);
}

/* Addresses and interface names in the setup statements. */
static void pool_setup(Pools *p, const char *setup)
{
	char line[512];
	const char *s = setup;
	while (*s) {
		size_t k = strcspn(s, "\n");
		snprintf(line, sizeof line, "%.*s", (int)(k < 511 ? k : 511), s);
		s += k + (s[k] ? 1 : 0);
		char *save = NULL, *w[32];
		int nw = 0;
		for (char *tok = strtok_r(line, " \t", &save); tok && nw < 32;
		     tok = strtok_r(NULL, " \t", &save))
			w[nw++] = tok;
		if (nw >= 2 && strcmp(w[0], "iface") == 0)
			add_iface(p, w[1]);
		if (nw >= 3 && strcmp(w[0], "route") == 0)
			add_iface(p, w[2]);
		for (int i = 1; i < nw; i++) {
			char a[64];
			int plen = -1;
			snprintf(a, sizeof a, "%s", w[i]);
			char *sl = strchr(a, '/');
			if (sl) {
				*sl = 0;
				plen = atoi(sl + 1);
			}
			uint8_t b[16] = {0};
			if (inet_pton(AF_INET, a, b) == 1)
				add_pfx(p, 4, b, plen < 0 ? 32 : plen);
			else if (inet_pton(AF_INET6, a, b) == 1)
				add_pfx(p, 6, b, plen < 0 ? 128 : plen);
		}
	}
}

/* An address near prefix x: its first or last address, one outside on
 * either side, or a random one inside. */
static void addr_near(const Pfx *x, int fam, uint8_t *out)
{
	int bytes = fam == 4 ? 4 : 16, bits = bytes * 8;
	int plen = x->plen > bits ? bits : x->plen;
	memcpy(out, x->a, (size_t)bytes);
	int how = (int)rn(5);
	for (int b = plen; b < bits; b++) {	/* host bits */
		int bit = how == 0 ? 0 : how == 1 ? 1 : (int)rn(2);
		uint8_t m = (uint8_t)(0x80 >> (b % 8));
		out[b / 8] = bit ? out[b / 8] | m : out[b / 8] & ~m;
	}
	if (how == 3 || how == 4) {	/* one before / after the prefix */
		int up = how == 4;
		if (up)
			for (int b = plen; b < bits; b++)
				out[b / 8] |= (uint8_t)(0x80 >> (b % 8));
		else
			for (int b = plen; b < bits; b++)
				out[b / 8] &= (uint8_t)~(0x80 >> (b % 8));
		for (int i = bytes - 1; i >= 0; i--) {
			if (up ? out[i]++ != 0xff : out[i]-- != 0)
				break;
		}
	}
}

static void rand_addr1(const Pools *p, int fam, int n, uint8_t *a)
{
	if (n && chance(85)) {
		addr_near(fam == 4 ? &p->v4[rn((unsigned)n)]
				   : &p->v6[rn((unsigned)n)], fam, a);
	} else {
		for (int i = 0; i < 16; i++)
			a[i] = (uint8_t)rnd();
		if (fam == 6 && chance(50)) {	/* global unicast */
			a[0] = 0x20;
			a[1] = 0x01;
		}
	}
}

/* Addresses whose routing is special in the kernel's FIB (multicast,
 * broadcast, unspecified, loopback, link-local: bpf_fib_lookup does not
 * forward them) but plain in the scenario's mock FIB: both oracles model
 * only ordinary unicast routing, so the generator stays there. */
static bool special_addr(int fam, const uint8_t *a)
{
	static const uint8_t zero[16];
	if (fam == 4)
		return a[0] == 0 || a[0] == 127 || a[0] >= 224 ||
		       (a[0] == 169 && a[1] == 254);
	return a[0] == 0xff || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) ||
	       !memcmp(a, zero, 15);
}

static void rand_addr(const Pools *p, int fam, char *buf, size_t size)
{
	uint8_t a[16] = {0};
	int n = fam == 4 ? p->n4 : p->n6;
	for (int tries = 0; tries < 64; tries++) {
		rand_addr1(p, fam, n, a);
		if (!special_addr(fam, a))
			break;
	}
	inet_ntop(fam == 4 ? AF_INET : AF_INET6, a, buf, (socklen_t)size);
}

static unsigned rand_port(const Pools *p)
{
	if (p->nports && chance(80))
		return p->ports[rn((unsigned)p->nports)];
	if (chance(30))
		return 1 + rn(1024);
	return rn(65536);
}

/*
 * Packets and sequences.
 */
typedef struct Sent {
	char iif[32];
	int fam, proto;
	char src[64], dst[64];
	unsigned sport, dport, seq;
} Sent;

#define RECENT 16

static const char *const tcp_flags[] = {
	"S", "S", "SA", "A", "A", "PA", "FA", "R", "RA", "F", "none", "SF",
	"SR", "FPU", "SAE", "U",
};

static const char *rand_iif(const Pools *p)
{
	if (!p->nifaces || chance(3))
		return "local";
	return p->ifaces[rn((unsigned)p->nifaces)];
}

static void payload(Txt *t, const Pools *p)
{
	if (p->npaylens && chance(50)) {
		int n = p->paylens[rn((unsigned)p->npaylens)];
		if (n >= 0 && n < 1400)
			tx(t, " / payload(len=%d, fill=%u)", n,
			   chance(50) ? 0 : rn(256));
		return;
	}
	if (chance(30))
		tx(t, " / payload(len=%u)", rn(200));
}

static void gen_packet(Txt *t, const Pools *p, Sent *recent, int *nrecent)
{
	Sent s = {0};
	bool reply = *nrecent && chance(35);
	if (reply) {
		const Sent *o = &recent[rn((unsigned)*nrecent)];
		s = *o;
		snprintf(s.src, sizeof s.src, "%s", o->dst);
		snprintf(s.dst, sizeof s.dst, "%s", o->src);
		s.sport = o->dport;
		s.dport = o->sport;
		/* the reply comes in on another interface, mostly */
		snprintf(s.iif, sizeof s.iif, "%s", rand_iif(p));
	} else {
		snprintf(s.iif, sizeof s.iif, "%s", rand_iif(p));
		s.fam = (p->n6 && chance(30)) || !p->n4 ? 6 : 4;
		rand_addr(p, s.fam, s.src, sizeof s.src);
		rand_addr(p, s.fam, s.dst, sizeof s.dst);
		unsigned r = rn(100);
		static const int other[] = {47, 50, 132, 41, 4, 89, 253, 2};
		s.proto = r < 45 ? 6 : r < 75 ? 17 : r < 92 ? (s.fam == 4 ? 1 : 58)
			: other[rn(sizeof other / sizeof other[0])];
		s.sport = rand_port(p);
		s.dport = rand_port(p);
		s.seq = (unsigned)rnd();
	}
	tx(t, "packet %s ", s.iif);
	int64_t v = scal_of(p, IRF_VLAN_ID, 20);
	int64_t pcp = scal_of(p, IRF_VLAN_PCP, 30);
	char pc[16] = "";
	if (pcp >= 0)
		snprintf(pc, sizeof pc, ", pcp=%u", (unsigned)pcp);
	if (pcp >= 0 && v <= 0)
		v = 1 + rn(4094);
	if (v > 0 && chance(20))	/* QinQ: the policy's id inside */
		tx(t, "vlan(id=%u%s) / vlan(id=%u%s) / ", 1 + rn(4094), pc,
		   (unsigned)v, pc);
	else if (v > 0)
		tx(t, "vlan(id=%u%s) / ", (unsigned)v, pc);
	else if (chance(3))
		tx(t, "vlan(id=%u) / ", 1 + rn(4094));
	bool later = chance(3);
	int64_t ttl = scal_of(p, IRF_TTL, 40), tos = scal_of(p, IRF_TOS, 40);
	if (tos < 0 && (tos = scal_of(p, IRF_DSCP, 40)) >= 0)
		tos = (tos << 2) | rn(4);
	if (s.fam == 4) {
		int64_t id = later ? -1 : scal_of(p, IRF_IP_ID, 40);
		tx(t, "ipv4(src=%s, dst=%s%s%s", s.src, s.dst,
		   ttl < 0 && chance(5) ? ", ttl=1" : "",
		   chance(3) ? ", df" : "");
		if (id >= 0)
			tx(t, ", id=%u", (unsigned)id);
		if (scal_of(p, IRF_IHL, 30) >= 0)
			tx(t, ", options=%s", chance(50) ? "01010101"
							 : "0101010101010101");
	} else {
		int64_t fl = scal_of(p, IRF_FLOWLABEL, 40);
		tx(t, "ipv6(src=%s, dst=%s%s", s.src, s.dst,
		   ttl < 0 && chance(5) ? ", hlim=1" : "");
		if (fl >= 0)
			tx(t, ", flowlabel=%u", (unsigned)fl);
	}
	if (ttl > 0)
		tx(t, ", %s=%u", s.fam == 4 ? "ttl" : "hlim", (unsigned)ttl);
	if (tos >= 0)
		tx(t, ", tos=%u", (unsigned)tos);
	if (later) {	/* a later fragment: no transport header */
		if (s.fam == 4)
			tx(t, ", id=%u, frag=%u, proto=%d", rn(65536),
			   1 + rn(100), s.proto);
		tx(t, ")");
		if (s.fam == 6)
			tx(t, " / frag6(id=%u, off=%u)", rn(65536),
			   1 + rn(100));
		tx(t, " / payload(len=%u)\n", 8 + rn(64));
		goto remember;
	}
	tx(t, ")");
	if (s.fam == 6 && chance(3) && (s.proto == 6 || s.proto == 17 ||
					s.proto == 58))
		tx(t, " / %s(len=8)", chance(50) ? "hbh" : "dstopts");
	switch (s.proto) {
	case 6: {
		const char *fl = reply && chance(70)
				 ? (chance(50) ? "SA" : "A")
				 : tcp_flags[rn(sizeof tcp_flags /
						sizeof tcp_flags[0])];
		int64_t sq = scal_of(p, IRF_TCP_SEQ, 40);
		int64_t ak = scal_of(p, IRF_TCP_ACK, 40);
		int64_t win = scal_of(p, IRF_TCP_WIN, 40);
		tx(t, " / tcp(sport=%u, dport=%u, flags=%s, seq=%u", s.sport,
		   s.dport, fl, sq >= 0 ? (unsigned)sq
			     : reply ? (unsigned)rnd() : s.seq);
		if (ak >= 0)
			tx(t, ", ack=%u", (unsigned)ak);
		else if (reply)
			tx(t, ", ack=%u", s.seq + 1);
		if (win >= 0)
			tx(t, ", win=%u", (unsigned)win);
		if (chance(3))
			tx(t, ", doff=%u", rn(5));
		if (chance(5))
			tx(t, ", wscale=%u", rn(15));
		tx(t, ")");
		break;
	}
	case 17:
		tx(t, " / udp(sport=%u, dport=%u", s.sport, s.dport);
		if (chance(3))
			tx(t, ", len=%u", rn(12));
		tx(t, ")");
		break;
	case 1:
	case 58: {
		unsigned ty;
		const uint8_t *pool = s.proto == 1 ? p->icmp : p->icmp6;
		int n = s.proto == 1 ? p->nicmp : p->nicmp6;
		if (reply)
			ty = s.proto == 1 ? 0 : 129;	/* echo reply */
		else if (n && chance(50))
			ty = pool[rn((unsigned)n)];
		else
			ty = s.proto == 1 ? (chance(60) ? 8 : rn(20))
					  : (chance(60) ? 128 : 1 + rn(140));
		tx(t, " / %s(type=%u, code=%u, id=%u, seq=%u)",
		   s.proto == 1 ? "icmp" : "icmpv6", ty, chance(80) ? 0 : rn(16),
		   s.sport, rn(65536));
		break;
	}
	default:
		t->n--;	/* reopen the IP layer for its protocol */
		tx(t, ", proto=%d)", s.proto);
		break;
	}
	payload(t, p);
	tx(t, "\n");
remember:
	if (!reply) {
		if (*nrecent < RECENT)
			recent[(*nrecent)++] = s;
		else
			recent[rn(RECENT)] = s;
	}
}

/*
 * The environment.
 */

/* The setup statements of the sibling scenario (FILE.fwl -> FILE.fwlt):
 * every statement before its first case, but its policy line. */
static char *sibling_setup(const char *policy)
{
	char path[PATH_MAX];
	size_t n = strlen(policy);
	if (n < 4 || strcmp(policy + n - 4, ".fwl") ||
	    snprintf(path, sizeof path, "%st", policy) >= (int)sizeof path)
		return NULL;
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	Txt t = {0};
	char line[1024];
	tx(&t, "%s", "");
	while (fgets(line, sizeof line, f)) {
		const char *w = line + strspn(line, " \t");
		if (strncmp(w, "case", 4) == 0 &&
		    (w[4] == ' ' || w[4] == '\t'))
			break;
		if (strncmp(w, "policy", 6) == 0 || strncmp(w, "--", 2) == 0)
			continue;
		tx(&t, "%s", line);
	}
	fclose(f);
	return t.s;
}

/* Made up from the policy's interfaces: an address and a /16 each, the
 * first one the default route; a mocked feed per feed. */
static char *invented_setup(const struct ir_prog *ir)
{
	Txt t = {0};
	int n = ir->nifaces;
	const char *first = NULL;
	tx(&t, "%s", "");
	for (int i = 0; i < n; i++) {
		const char *nm = ir->ifaces[i].name;
		if (strcmp(nm, "lo") == 0)
			continue;
		tx(&t, "iface %s addr 10.%d.0.1 fd00:%x::1\nroute 10.%d.0.0/16 "
		       "%s\nroute fd00:%x::/32 %s\n", nm, i + 1, i + 1, i + 1,
		   nm, i + 1, nm);
		if (!first)
			first = nm;
	}
	if (!first) {
		first = "eth0";
		tx(&t, "iface eth0 addr 192.0.2.1 2001:db8::1\n");
	}
	tx(&t, "route 0.0.0.0/0 %s\nroute ::/0 %s\n", first, first);
	for (int i = 0; i < ir->nfeeds; i++)
		tx(&t, "feed %s 198.51.100.0/25 2001:db8:bad::/48\n",
		   ir->feeds[i].name);
	return t.s;
}

typedef struct Dt {
	long packets;
	int per_case;
	uint64_t seed;
	char *with;
	int max_report;
	const char *keep;	/* write the generated scenario here */
	bool verbose;
} Dt;

/* One policy file: returns 0 (no disagreement), 1, or 2 (cannot run). */
static int difftest_file(const char *policy, const Dt *d, const char *label)
{
	Arena a = {0};
	Diags dg;
	struct ir_prog ir;
	char abs[PATH_MAX];
	int rc = 2;

	diag_init(&dg);
	if (!realpath(policy, abs)) {
		fprintf(stderr, "fwlc difftest: cannot read %s: %s\n", policy,
			strerror(errno));
		return 2;
	}
	Program *prog = cmd_load(abs, &a, &dg);
	Check *chk = prog && !diag_failed(&dg) ? check_program(prog, &a, &dg)
					       : NULL;
	if (!chk || diag_failed(&dg) ||
	    lower_program(prog, chk, &a, &dg, &ir) || diag_failed(&dg)) {
		diag_print(&dg, stderr);
		fprintf(stderr, "fwlc difftest: %s does not compile (see "
			"above)\n", policy);
		goto out;
	}
	char *setup = d->with ? strdup(d->with) : sibling_setup(abs);
	if (!setup)
		setup = invented_setup(&ir);
	Pools *p = calloc(1, sizeof *p);
	pool_ir(p, &ir);
	pool_setup(p, setup);

	rng_state = d->seed ? d->seed : 1;
	Txt t = {0};
	tx(&t, "policy \"%s\"\n%s\n", abs, setup);
	Sent recent[RECENT];
	int nrecent = 0;
	long ncase = 0;
	for (long i = 0; i < d->packets; i++) {
		if (i % d->per_case == 0) {
			tx(&t, "case \"%s sequence %ld\"\n", label, ++ncase);
			nrecent = 0;
		}
		if (chance(2))
			tx(&t, "advance %ums\n", chance(50) ? 1 + rn(2000)
							   : 1000 * (1 + rn(200)));
		gen_packet(&t, p, recent, &nrecent);
	}
	free(p);
	if (d->keep) {
		FILE *f = fopen(d->keep, "w");
		if (f) {
			fputs(t.s, f);
			fclose(f);
		}
	}
	char replay[PATH_MAX + 160];
	snprintf(replay, sizeof replay, "fwlc difftest %s --packets %ld "
		 "--seed %llu%s (--keep FILE writes the packets as a .fwlt)",
		 label, d->packets, (unsigned long long)d->seed,
		 fwlc_test_fault_ct ? " --inject-fault ct-state" : "");
	ScenarioOpts o = {
		.quiet = !d->verbose,
		.backend = &scenario_interp_backend,
		.compare = &scenario_bpf_backend,
		.replay = replay,
		.max_report = d->max_report,
	};
	int passed = 0, failed = 0;
	char name[PATH_MAX + 32];
	snprintf(name, sizeof name, "<difftest %s>", label);
	scenario_run(name, t.s, &o, stdout, &passed, &failed);
	if (o.compared != d->packets) {
		printf("difftest %s: only %ld of %ld packets compared (a "
		       "backend could not run a sequence: run with -v)\n",
		       label, o.compared, d->packets);
		rc = 2;
	} else {
		printf("difftest %s: %ld packets in %ld sequences, seed %llu: "
		       "%ld disagreement%s\n", label, o.compared, ncase,
		       (unsigned long long)d->seed, o.disagreements,
		       o.disagreements == 1 ? "" : "s");
		rc = o.disagreements ? 1 : 0;
	}
	free(t.s);
	free(setup);
out:
	diag_free(&dg);
	arena_free(&a);
	return rc;
}

/*
 * Random policies: small, well typed, exhaustive, over two interfaces.
 */
static void rand_cidr(Txt *t, int fam)
{
	uint8_t a[16];
	char s[64];
	int plen = fam == 4 ? 8 + (int)rn(25) : 16 + (int)rn(113);
	for (int i = 0; i < 16; i++)
		a[i] = (uint8_t)rnd();
	if (fam == 4)
		a[0] = (uint8_t)(chance(50) ? 10 : 192);
	else {
		a[0] = 0x20;
		a[1] = 0x01;
	}
	int bytes = fam == 4 ? 4 : 16;
	for (int b = plen; b < bytes * 8; b++)
		a[b / 8] &= (uint8_t)~(0x80 >> (b % 8));
	inet_ntop(fam == 4 ? AF_INET : AF_INET6, a, s, sizeof s);
	tx(t, "%s/%d", s, plen);
}

static void rand_arm(Txt *t, int nsets4, int nsets6, int nports)
{
	int fam = chance(70) ? 4 : 6;
	const char *ifc = chance(30) ? (chance(50) ? "wan" : "lan") : "_";
	tx(t, "  | Frame(%s, Ether(_, IPv%d(", ifc, fam);
	int ns = fam == 4 ? nsets4 : nsets6;
	if (ns && chance(60))
		tx(t, "ip { %s ∈ s%d_%u }", chance(50) ? "src" : "dst", fam,
		   rn((unsigned)ns));
	else
		tx(t, "_");
	tx(t, ", ");
	unsigned r = rn(100);
	if (r < 40 || r < 70) {
		const char *l4 = r < 40 ? "TCP" : "UDP";
		const char *f = r < 40 ? "tcp" : "udp";
		unsigned k = rn(3);
		if (k == 0)
			tx(t, "%s(%s { dport = :%u }, _)", l4, f, 1 + rn(1024));
		else if (k == 1 && nports)
			tx(t, "%s(%s { dport ∈ ports%u }, _)", l4, f,
			   rn((unsigned)nports));
		else {
			unsigned lo = 1 + rn(60000);
			tx(t, "%s(%s { sport ≥ :%u, sport ≤ :%u }, _)", l4, f,
			   lo, lo + rn(4000));
		}
	} else if (r < 85) {
		tx(t, "%s(_, _)", fam == 4 ? "ICMP" : "ICMPv6");
	} else {
		tx(t, "_");
	}
	tx(t, "))) -> %s\n", chance(50) ? "Allow" : "Drop");
}

static char *random_policy(void)
{
	Txt t = {0};
	int n4 = 1 + (int)rn(3), n6 = (int)rn(2), np = (int)rn(2);
	tx(&t, "-- generated by fwlc difftest --random-policies\n"
	       "interface wan : WAN\ninterface lan : LAN\n\n");
	for (int i = 0; i < n4; i++) {
		tx(&t, "let s4_%d : CIDRSet = { ", i);
		for (int k = 0, m = 1 + (int)rn(3); k < m; k++) {
			tx(&t, k ? ", " : "");
			rand_cidr(&t, 4);
		}
		tx(&t, " }\n");
	}
	for (int i = 0; i < n6; i++) {
		tx(&t, "let s6_%d : CIDRSet = { ", i);
		rand_cidr(&t, 6);
		tx(&t, " }\n");
	}
	for (int i = 0; i < np; i++)
		tx(&t, "let ports%d : Set<Port> = { :%u, :%u }\n", i,
		   1 + rn(1024), 1025 + rn(60000));
	static const char *const hooks[] = {"input", "Input", "forward",
					     "Forward"};
	for (int h = 0; h < 2; h++) {
		if (h == 1 && chance(30))
			break;
		tx(&t, "\npolicy %s : Frame<{}>\n  on hook = %s, table = Filter, "
		       "priority = Filter\n  where\n", hooks[2 * h],
		   hooks[2 * h + 1]);
		if (chance(50))
			tx(&t, "  | _ if ct.state ∈ { Established, Related } -> "
			       "Allow\n");
		for (int k = 0, m = 1 + (int)rn(6); k < m; k++)
			rand_arm(&t, n4, n6, np);
		tx(&t, "  | _ -> %s\n", chance(50) ? "Allow" : "Drop");
	}
	return t.s;
}

/* Does the text check and compile (fwlc build's front half)? */
static bool policy_ok(const char *path)
{
	Arena a = {0};
	Diags dg;
	struct ir_prog ir;
	diag_init(&dg);
	Program *prog = cmd_load(path, &a, &dg);
	Check *chk = prog && !diag_failed(&dg) ? check_program(prog, &a, &dg)
					       : NULL;
	bool ok = chk && !diag_failed(&dg) &&
		  !lower_program(prog, chk, &a, &dg, &ir) &&
		  !diag_failed(&dg);
	diag_free(&dg);
	arena_free(&a);
	return ok;
}

static int difftest_random(int k, const Dt *d)
{
	int worst = 0;
	char dir[] = "/tmp/fwlc-difftest-XXXXXX";
	if (!mkdtemp(dir)) {
		fprintf(stderr, "fwlc difftest: cannot create a temporary "
			"directory: %s\n", strerror(errno));
		return 2;
	}
	for (int i = 0; i < k; i++) {
		char path[64], label[64];
		snprintf(path, sizeof path, "%s/random-%d.fwl", dir, i + 1);
		/* the policy from the seed, then its packets from the seed */
		rng_state = (d->seed ? d->seed : 1) + 7919ull * (uint64_t)i;
		int tries = 0;
		for (;; tries++) {
			char *pol = random_policy();
			FILE *f = fopen(path, "w");
			if (!f) {
				free(pol);
				return 2;
			}
			fputs(pol, f);
			fclose(f);
			free(pol);
			if (policy_ok(path))
				break;
			if (tries == 50) {
				fprintf(stderr, "fwlc difftest: no well-typed "
					"policy in 50 tries (the generator's "
					"bug): the last is %s\n", path);
				return 2;
			}
		}
		snprintf(label, sizeof label, "random policy %d", i + 1);
		Dt di = *d;
		di.seed = (d->seed ? d->seed : 1) + 104729ull * (uint64_t)i;
		int r = difftest_file(path, &di, label);
		if (r) {
			printf("  the policy is %s (kept)\n", path);
			worst = r > worst ? r : worst;
		} else {
			unlink(path);
		}
	}
	if (!worst)
		rmdir(dir);
	return worst;
}

/* --inject-fault ct-state is for tests only (docs/testing-scenarios.md). */
static const char difftest_usage[] =
	"usage: fwlc difftest POLICY [--packets N] [--seed S] [--sequence LEN]\n"
	"                    [--with STMT]... [--keep OUT.fwlt] "
	"[--max-report N] [-v]\n"
	"       fwlc difftest --random-policies K [--packets N] [--seed S] "
	"[--max-report N]\n";

int cmd_difftest(int argc, char **argv)
{
	Dt d = {.packets = 1000, .per_case = 500};
	const char *policy = NULL;
	int random = 0;
	Txt with = {0};
	bool seeded = false;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--packets") == 0 && i + 1 < argc) {
			d.packets = atol(argv[++i]);
		} else if (strcmp(a, "--seed") == 0 && i + 1 < argc) {
			d.seed = strtoull(argv[++i], NULL, 0);
			seeded = true;
		} else if (strcmp(a, "--sequence") == 0 && i + 1 < argc) {
			d.per_case = atoi(argv[++i]);
		} else if (strcmp(a, "--random-policies") == 0 &&
			   i + 1 < argc) {
			random = atoi(argv[++i]);
		} else if (strcmp(a, "--with") == 0 && i + 1 < argc) {
			tx(&with, "%s\n", argv[++i]);
		} else if (strcmp(a, "--keep") == 0 && i + 1 < argc) {
			d.keep = argv[++i];
		} else if (strcmp(a, "--max-report") == 0 && i + 1 < argc) {
			d.max_report = atoi(argv[++i]);
		} else if (strcmp(a, "--inject-fault") == 0 && i + 1 < argc) {
			/* tests only: a known fault in the compiled object,
			   so that the tool's reporting stays tested */
			if (strcmp(argv[++i], "ct-state") != 0) {
				fprintf(stderr, "fwlc difftest: unknown fault "
					"'%s' (known: ct-state)\n", argv[i]);
				return 2;
			}
			fwlc_test_fault_ct = true;
		} else if (strcmp(a, "-v") == 0) {
			d.verbose = true;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(difftest_usage, stdout);
			return 0;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "fwlc difftest: unknown option '%s'\n",
				a);
			return 2;
		} else if (!policy) {
			policy = a;
		} else {
			fprintf(stderr, "fwlc difftest: one policy at a time\n");
			return 2;
		}
	}
	if ((!policy && !random) || (policy && random) || d.packets <= 0 ||
	    d.per_case <= 0) {
		fputs(difftest_usage, stderr);
		return 2;
	}
	if (!seeded)
		d.seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 16);
	d.with = with.s;
	int rc = random ? difftest_random(random, &d)
			: difftest_file(policy, &d, policy);
	free(with.s);
	return rc;
}
