/* SPDX-License-Identifier: MIT */
/*
 * tests/bpf/test_nat.c - bpf/lib/nat.h through BPF_PROG_TEST_RUN.
 *
 * The XDP program of tests/bpf/progs/nat.bpf.c plays the ingress
 * (reverse NAT, conntrack, DNAT), its TC program the egress (SNAT,
 * masquerade).  Every case sends a flow both ways and checks the
 * rewritten bytes, that every checksum of the rewritten packet is right
 * (pk_csum_ok recomputes them from scratch, the quoted packet of ICMP
 * errors included), the bindings in the maps and the counters.
 */
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <stdlib.h>
#include <string.h>

#include "tests/lib/check.h"
#include "tests/bpf/harness.h"
#include "tests/bpf/pktgen.h"
#include "maps/nat.h"
#define FWL_PARSE_TYPES_ONLY
#include "bpf/lib/parse.h"
#include "bpf/lib/ct_types.h"

struct nat_test_cfg {
	uint32_t dnat;
	uint32_t snat;
	uint16_t pmin, pmax;
	struct fwl_nat_target dnat_to;
	struct fwl_nat_target snat_to;
};

static struct bpf_object *obj;
static int p_xdp, p_tc, m_cfg, m_out, m_res, m_ct, m_new, m_rev, m_stat,
	   m_dmap, m_sets, m_ifaddr;

#define PASS_X 2
#define DROP_X 1
#define PASS_T 0
#define DROP_T 2

/* addresses, host order */
#define C_IP IP4(198, 51, 100, 10)	/* outside client */
#define V_IP IP4(203, 0, 113, 1)	/* the router's public address */
#define B_IP IP4(10, 0, 0, 80)		/* inside server */
#define I_IP IP4(10, 0, 0, 20)		/* inside client */
#define I2_IP IP4(10, 0, 0, 21)
#define R_IP IP4(192, 0, 2, 50)		/* outside server */
#define X_IP IP4(192, 0, 2, 254)	/* a router on the path */

static void reset(struct nat_test_cfg *c)
{
	uint32_t z = 0;

	h_map_clear(m_ct);
	h_map_clear(m_new);
	h_map_clear(m_rev);
	h_map_clear(m_stat);
	h_map_clear(m_dmap);
	memset(c, 0, sizeof(*c));
	bpf_map_update_elem(m_cfg, &z, c, 0);
}

static void set_cfg(const struct nat_test_cfg *c)
{
	uint32_t z = 0;

	bpf_map_update_elem(m_cfg, &z, c, 0);
}

static struct fwl_nat_target tgt4(uint32_t ip, uint16_t port)
{
	struct fwl_nat_target t = { .port = port };

	t.addr[0] = htonl(ip);
	return t;
}

static void tcp4(struct pk *p, uint32_t s, uint16_t sp, uint32_t d,
		 uint16_t dp, uint8_t fl, uint32_t seq, uint32_t ack)
{
	pk_init(p);
	pk_eth(p, ETH_P_IP);
	pk_ip4(p, s, d, IPPROTO_TCP);
	pk_tcp(p, sp, dp, seq, ack, fl, 1000);
	if (!(fl & 0x02))	/* no data on SYNs */
		pk_put(p, "data", 4);
	pk_finish(p);
}

static void udp4(struct pk *p, uint32_t s, uint16_t sp, uint32_t d,
		 uint16_t dp)
{
	pk_init(p);
	pk_eth(p, ETH_P_IP);
	pk_ip4(p, s, d, IPPROTO_UDP);
	pk_udp(p, sp, dp);
	pk_put(p, "query", 5);
	pk_finish(p);
}

/* Run at ingress (XDP, egress 0) or egress (TC: 1 the host's own packet,
 * 2 a forwarded one, which came in on interface 1); the output replaces
 * p. */
static uint32_t run(int egress, struct pk *p, struct fwl_ct *ct,
		    uint32_t *res)
{
	struct h_run r;
	uint32_t k = egress ? 1 : 0, zero = 0;
	struct fwl_ct none;

	memset(&none, 0, sizeof(none));
	bpf_map_update_elem(m_out, &k, &none, 0);
	bpf_map_update_elem(m_res, &k, &zero, 0);
	if (egress == 2)
		h_tc_fwd(p_tc, p->b, p->len, 1, &r);
	else if (egress)
		h_tc(p_tc, p->b, p->len, &r);
	else
		h_xdp(p_xdp, p->b, p->len, &r);
	CHECK(r.err == 0, "test run: %d", r.err);
	CHECK(r.out_len == p->len, "length changed: %u", r.out_len);
	memcpy(p->b, r.out, p->len);
	bpf_map_lookup_elem(m_out, &k, ct);
	bpf_map_lookup_elem(m_res, &k, res);
	return r.ret;
}

static void check_csum(const struct pk *p, const char *what)
{
	const char *why;

	CHECK(pk_csum_ok(p->b, p->len, &why), "%s: %s", what, why);
}

static void check_tuple4(const struct pk *p, uint32_t s, uint16_t sp,
			 uint32_t d, uint16_t dp)
{
	CHECK_INT(pk_get32(p->b + 14 + 12), s);
	CHECK_INT(pk_get32(p->b + 14 + 16), d);
	CHECK_INT(pk_get16(p->b + 34), sp);
	CHECK_INT(pk_get16(p->b + 36), dp);
}

/* Unanswered flows not expired by hand (expires = 1). */
static int ct_count(void)
{
	struct fwl_ct_key k, n;
	struct fwl_ct_entry e;
	int c = 0, more;

	for (more = !bpf_map_get_next_key(m_new, NULL, &k); more;
	     more = !bpf_map_get_next_key(m_new, &k, &n), k = n)
		if (!bpf_map_lookup_elem(m_new, &k, &e) && e.expires > 1)
			c++;
	return c;
}

/* Expire every unanswered flow; how many there were. */
static int ct_expire_all(void)
{
	struct fwl_ct_key k, n;
	struct fwl_ct_entry e;
	int c = 0, more;

	for (more = !bpf_map_get_next_key(m_new, NULL, &k); more;
	     more = !bpf_map_get_next_key(m_new, &k, &n), k = n)
		if (!bpf_map_lookup_elem(m_new, &k, &e) && e.expires > 1) {
			e.expires = 1;
			bpf_map_update_elem(m_new, &k, &e, 0);
			c++;
		}
	return c;
}

static int rev_count(void)
{
	struct fwl_nat_rkey k, n;
	int c = 0;

	if (bpf_map_get_next_key(m_rev, NULL, &k))
		return 0;
	c = 1;
	while (!bpf_map_get_next_key(m_rev, &k, &n)) {
		k = n;
		c++;
	}
	return c;
}

static uint64_t nstat(int idx)
{
	uint64_t v;
	uint32_t k = (uint32_t)idx;

	if (h_percpu_sum(m_stat, &k, &v, 1))
		return ~0ULL;
	return v;
}

static void test_dnat_single_tcp_flow(void)
{
	struct nat_test_cfg c;
	struct fwl_ct ct;
	uint32_t res;
	struct pk p;

	reset(&c);
	c.dnat = 1;
	c.dnat_to = tgt4(B_IP, 8080);
	set_cfg(&c);
	tcp4(&p, C_IP, 40000, V_IP, 80, 0x02, 100, 0);
	CHECK_INT(run(0, &p, &ct, &res), PASS_X);
	check_tuple4(&p, C_IP, 40000, B_IP, 8080);
	check_csum(&p, "SYN after DNAT");
	CHECK(ct.status & FWL_CT_S_DNAT, "status DNAT");
	CHECK_INT(rev_count(), 1);
	/* the server answers from B:8080; the client must see V:80 */
	tcp4(&p, B_IP, 8080, C_IP, 40000, 0x12, 500, 101);
	CHECK_INT(run(0, &p, &ct, &res), PASS_X);
	check_tuple4(&p, V_IP, 80, C_IP, 40000);
	check_csum(&p, "SYN/ACK after reverse DNAT");
	CHECK_INT(ct.state, FWL_CT_ESTABLISHED);
	CHECK_INT(ct.dir, FWL_CT_DIR_REPLY);
	tcp4(&p, C_IP, 40000, V_IP, 80, 0x10, 101, 501);
	CHECK_INT(run(0, &p, &ct, &res), PASS_X);
	check_tuple4(&p, C_IP, 40000, B_IP, 8080);
	check_csum(&p, "ACK after DNAT");
	CHECK_INT(ct.tcp_state, FWL_TCP_ESTABLISHED);
	/* at egress the DNAT'd (forwarded) packet still finds its flow */
	tcp4(&p, C_IP, 40000, B_IP, 8080, 0x10, 101, 501);
	CHECK_INT(run(2, &p, &ct, &res), PASS_T);
	CHECK_INT(ct.state, FWL_CT_ESTABLISHED);
	CHECK_INT(ct.dir, FWL_CT_DIR_ORIG);
	/* the host's own packet on that tuple is a flow of its own (it was
	 * never translated: Linux looks it up as it is) */
	CHECK_INT(run(1, &p, &ct, &res), PASS_T);
	CHECK_INT(ct.state, FWL_CT_NEW);
	CHECK_INT(nstat(FWL_NAT_STAT_DNAT), 1);
	CHECK(nstat(FWL_NAT_STAT_REV) >= 1, "reverse counted");
}

static void test_dnat_map(void)
{
	struct fwl_dnat_key k = { .port = 2222, .proto = IPPROTO_TCP,
				  .family = 4 };
	struct fwl_nat_target t = tgt4(B_IP, 22);
	struct nat_test_cfg c;
	struct fwl_ct ct;
	uint32_t res;
	struct pk p;

	reset(&c);
	c.dnat = 2;
	set_cfg(&c);
	bpf_map_update_elem(m_dmap, &k, &t, 0);
	tcp4(&p, C_IP, 41000, V_IP, 2222, 0x02, 1, 0);
	CHECK_INT(run(0, &p, &ct, &res), PASS_X);
	check_tuple4(&p, C_IP, 41000, B_IP, 22);
	check_csum(&p, "DNATMap");
	/* a port not in the map passes untranslated */
	tcp4(&p, C_IP, 41001, V_IP, 2223, 0x02, 1, 0);
	CHECK_INT(run(0, &p, &ct, &res), PASS_X);
	check_tuple4(&p, C_IP, 41001, V_IP, 2223);
	CHECK(!(ct.status & FWL_CT_S_DNAT), "no DNAT");
	/* UDP to the TCP port: another key */
	udp4(&p, C_IP, 41002, V_IP, 2222);
	CHECK_INT(run(0, &p, &ct, &res), PASS_X);
	check_tuple4(&p, C_IP, 41002, V_IP, 2222);
}

/* fwl_nat_flow_hash (maps/nat.h) against vectors computed apart from it:
 * FNV-1a 32 of saddr[16] daddr[16] sport dport (big endian) proto. */
static void test_flow_hash_vectors(void)
{
	uint8_t z[16] = { 0 }, a[16] = { 198, 51, 100, 1 },
		b[16] = { 192, 0, 2, 1 }, c[16] = { 10, 0, 0, 5 },
		d[16] = { 198, 51, 100, 1 },
		e[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 },
		f[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x0f, [15] = 1 };

	/* 37 zero bytes: the basis times the prime 37 times */
	CHECK_INT(fwl_nat_flow_hash(z, z, 0, 0, 0), 0x2dfe038fu);
	CHECK_INT(fwl_nat_hash_bytes(FWL_NAT_HASH_BASIS, z, 0), 0x811c9dc5u);
	CHECK_INT(fwl_nat_flow_hash(a, b, 40000, 80, 6), 0xef0cb1a2u);
	CHECK_INT(fwl_nat_flow_hash(c, d, 5000, 53, 17), 0x741e6f0bu);
	CHECK_INT(fwl_nat_flow_hash(e, f, 40001, 80, 6), 0xdbff1523u);
	/* the direction matters: the original tuple, not a sorted one */
	CHECK(fwl_nat_flow_hash(b, a, 80, 40000, 6) != 0xef0cb1a2u,
	      "reversed tuple hashed alike");
}

static void test_dnat_backends_per_flow(void)
{
	struct fwl_nat_set set;
	struct nat_test_cfg c;
	struct fwl_ct ct;
	uint32_t res, z = 0, seen[3] = { 0 }, first[30];
	struct pk p;
	int i, j, stuck = 1;

	reset(&c);
	c.dnat = 3;
	set_cfg(&c);
	memset(&set, 0, sizeof(set));
	set.count = 3;
	for (i = 0; i < 3; i++)
		set.be[i] = tgt4(IP4(10, 0, 1, 1 + i), 80);
	bpf_map_update_elem(m_sets, &z, &set, 0);
	for (i = 0; i < 30; i++) {
		tcp4(&p, C_IP, (uint16_t)(30000 + i), V_IP, 80, 0x02, 1, 0);
		CHECK_INT(run(0, &p, &ct, &res), PASS_X);
		check_csum(&p, "backend DNAT");
		first[i] = pk_get32(p.b + 30);
		for (j = 0; j < 3; j++)
			if (first[i] == IP4(10, 0, 1, 1 + j))
				seen[j]++;
	}
	/* each as maps/nat.h says: be[fwl_nat_flow_hash(tuple) % 3] */
	for (i = 0; i < 30; i++) {
		uint8_t ca[16] = { 198, 51, 100, 10 }, va[16] = { 203, 0, 113, 1 };
		uint32_t h = fwl_nat_flow_hash(ca, va, (uint16_t)(30000 + i),
					       80, IPPROTO_TCP);
		CHECK_INT(first[i], IP4(10, 0, 1, 1 + h % 3));
	}
	CHECK_INT(seen[0] + seen[1] + seen[2], 30);
	CHECK(seen[0] && seen[1] && seen[2], "spread %u/%u/%u", seen[0],
	      seen[1], seen[2]);
	/* later packets of each flow go to the same backend, even after
	 * the set changes (kept for the flow's life) */
	set.be[0] = tgt4(IP4(10, 0, 2, 1), 80);
	set.be[1] = tgt4(IP4(10, 0, 2, 2), 80);
	set.be[2] = tgt4(IP4(10, 0, 2, 3), 80);
	bpf_map_update_elem(m_sets, &z, &set, 0);
	for (i = 0; i < 30; i++) {
		tcp4(&p, C_IP, (uint16_t)(30000 + i), V_IP, 80, 0x02, 1, 0);
		run(0, &p, &ct, &res);
		if (pk_get32(p.b + 30) != first[i])
			stuck = 0;
	}
	CHECK(stuck, "a flow changed backend");
	/* an empty set fails closed */
	set.count = 0;
	bpf_map_update_elem(m_sets, &z, &set, 0);
	tcp4(&p, C_IP, 39999, V_IP, 80, 0x02, 1, 0);
	CHECK_INT(run(0, &p, &ct, &res), DROP_X);
	CHECK_INT(res, FWL_DROP_NAT_NO_BACKEND);
}

static void snat_cfg(struct nat_test_cfg *c, uint16_t pmin, uint16_t pmax)
{
	reset(c);
	c->snat = 1;
	c->snat_to = tgt4(V_IP, 0);
	c->pmin = pmin;
	c->pmax = pmax;
	set_cfg(c);
}

static void test_snat_keeps_port_and_reverses(void)
{
	struct nat_test_cfg c;
	struct fwl_ct ct;
	uint32_t res;
	struct pk p;

	snat_cfg(&c, 1024, 65535);
	udp4(&p, I_IP, 5000, R_IP, 53);
	CHECK_INT(run(1, &p, &ct, &res), PASS_T);
	check_tuple4(&p, V_IP, 5000, R_IP, 53);
	check_csum(&p, "UDP after SNAT");
	CHECK_INT(nstat(FWL_NAT_STAT_KEPT_PORT), 1);
	CHECK(ct.status & FWL_CT_S_SNAT, "SNAT status");
	udp4(&p, R_IP, 53, V_IP, 5000);
	CHECK_INT(run(0, &p, &ct, &res), PASS_X);
	check_tuple4(&p, R_IP, 53, I_IP, 5000);
	check_csum(&p, "UDP reply after reverse SNAT");
	CHECK_INT(ct.state, FWL_CT_ESTABLISHED);
	CHECK_INT(ct.dir, FWL_CT_DIR_REPLY);
	/* later packets keep the binding */
	udp4(&p, I_IP, 5000, R_IP, 53);
	CHECK_INT(run(1, &p, &ct, &res), PASS_T);
	check_tuple4(&p, V_IP, 5000, R_IP, 53);
	CHECK_INT(nstat(FWL_NAT_STAT_SNAT), 1);
	/* TCP with a checksum over a payload */
	tcp4(&p, I_IP, 6000, R_IP, 443, 0x02, 7, 0);
	CHECK_INT(run(1, &p, &ct, &res), PASS_T);
	check_tuple4(&p, V_IP, 6000, R_IP, 443);
	check_csum(&p, "TCP after SNAT");
}

static void test_snat_probes_when_taken(void)
{
	struct nat_test_cfg c;
	struct fwl_ct ct;
	uint32_t res;
	struct pk p;
	uint16_t port;

	snat_cfg(&c, 20000, 20099);
	udp4(&p, I_IP, 20050, R_IP, 53);
	CHECK_INT(run(1, &p, &ct, &res), PASS_T);
	check_tuple4(&p, V_IP, 20050, R_IP, 53);
	/* another inside host, same source port, same peer */
	udp4(&p, I2_IP, 20050, R_IP, 53);
	CHECK_INT(run(1, &p, &ct, &res), PASS_T);
	port = pk_get16(p.b + 34);
	CHECK(port != 20050 && port >= 20000 && port <= 20099, "port %u",
	      port);
	check_csum(&p, "probed SNAT");
	CHECK_INT(nstat(FWL_NAT_STAT_PROBED), 1);
	/* replies reach the right host */
	udp4(&p, R_IP, 53, V_IP, port);
	CHECK_INT(run(0, &p, &ct, &res), PASS_X);
	check_tuple4(&p, R_IP, 53, I2_IP, 20050);
	udp4(&p, R_IP, 53, V_IP, 20050);
	CHECK_INT(run(0, &p, &ct, &res), PASS_X);
	check_tuple4(&p, R_IP, 53, I_IP, 20050);
	/* a source port outside the range is not kept */
	udp4(&p, I_IP, 999, R_IP, 53);
	CHECK_INT(run(1, &p, &ct, &res), PASS_T);
	port = pk_get16(p.b + 34);
	CHECK(port >= 20000 && port <= 20099, "port %u", port);
}

static void test_snat_exhaustion_fails_closed(void)
{
	struct nat_test_cfg c;
	struct fwl_ct ct;
	uint32_t res;
	struct pk p;

	snat_cfg(&c, 1000, 1001);
	udp4(&p, I_IP, 7000, R_IP, 53);
	CHECK_INT(run(1, &p, &ct, &res), PASS_T);
	udp4(&p, I2_IP, 7000, R_IP, 53);
	CHECK_INT(run(1, &p, &ct, &res), PASS_T);
	udp4(&p, IP4(10, 0, 0, 22), 7000, R_IP, 53);
	CHECK_INT(run(1, &p, &ct, &res), DROP_T);
	CHECK_INT(res, FWL_DROP_NAT_NO_PORT);
	CHECK_INT(nstat(FWL_NAT_STAT_NO_PORT), 1);
	/* the flows that got a port still work */
	udp4(&p, I_IP, 7000, R_IP, 53);
	CHECK_INT(run(1, &p, &ct, &res), PASS_T);
	CHECK_INT(pk_get32(p.b + 26), V_IP);
	/* and another peer has its own ports */
	udp4(&p, IP4(10, 0, 0, 22), 7000, IP4(192, 0, 2, 51), 53);
	CHECK_INT(run(1, &p, &ct, &res), PASS_T);
}

static void test_binding_dies_with_flow(void)
{
	struct nat_test_cfg c;
	struct fwl_ct ct;
	struct fwl_ct_key k, n;
	struct fwl_ct_entry e;
	uint32_t res;
	struct pk p;
	int found = 0;

	snat_cfg(&c, 1000, 1000);	/* a single port */
	udp4(&p, I_IP, 7000, R_IP, 53);
	CHECK_INT(run(1, &p, &ct, &res), PASS_T);
	CHECK_INT(rev_count(), 1);
	/* expire the flow */
	if (!bpf_map_get_next_key(m_new, NULL, &k) &&
	    !bpf_map_lookup_elem(m_new, &k, &e)) {
		e.expires = 1;
		bpf_map_update_elem(m_new, &k, &e, 0);
		found = 1;
	}
	CHECK(found, "flow entry");
	(void)n;
	/* a reply to the dead binding is not translated */
	udp4(&p, R_IP, 53, V_IP, 1000);
	run(0, &p, &ct, &res);
	check_tuple4(&p, R_IP, 53, V_IP, 1000);
	CHECK_INT(rev_count(), 0);
	/* it opened a plain flow of its own, which holds the reply tuple
	 * port 1000 would give: no port (Linux's nf_nat_used_tuple asks
	 * the conntrack table), and the dropped flow leaves no entry */
	udp4(&p, I2_IP, 7001, R_IP, 53);
	CHECK_INT(run(1, &p, &ct, &res), DROP_T);
	CHECK_INT(res, FWL_DROP_NAT_NO_PORT);
	CHECK_INT(ct_count(), 1);
	/* once that flow is gone too, the port is free for another flow */
	CHECK_INT(ct_expire_all(), 1);
	udp4(&p, I2_IP, 7001, R_IP, 53);
	CHECK_INT(run(1, &p, &ct, &res), PASS_T);
	check_tuple4(&p, V_IP, 1000, R_IP, 53);
}

/* ICMP error from X to the SNAT address about a UDP packet of I. */
static void test_icmp_error_inner_rewrite(void)
{
	struct nat_test_cfg c;
	struct fwl_ct ct;
	uint32_t res;
	struct pk p;
	size_t in3;

	snat_cfg(&c, 0, 0);
	udp4(&p, I_IP, 5555, R_IP, 53);
	CHECK_INT(run(1, &p, &ct, &res), PASS_T);
	check_tuple4(&p, V_IP, 5555, R_IP, 53);

	pk_init(&p);
	pk_eth(&p, ETH_P_IP);
	pk_ip4(&p, X_IP, V_IP, IPPROTO_ICMP);
	pk_icmp_err(&p, 11, 0);		/* time exceeded */
	pk_ip4(&p, V_IP, R_IP, IPPROTO_UDP);
	pk_udp(&p, 5555, 53);
	pk_put(&p, "query", 5);
	pk_finish(&p);
	in3 = p.il3;
	check_csum(&p, "ICMP error as built");
	CHECK_INT(run(0, &p, &ct, &res), PASS_X);
	CHECK_INT(pk_get32(p.b + 30), I_IP);		/* outer destination */
	CHECK_INT(pk_get32(p.b + in3 + 12), I_IP);	/* quoted source */
	CHECK_INT(pk_get32(p.b + in3 + 16), R_IP);
	CHECK_INT(ct.state, FWL_CT_RELATED);
	check_csum(&p, "ICMP error after reverse SNAT");

	/* DNAT: an error about C -> B must show C -> V to the client */
	reset(&c);
	c.dnat = 1;
	c.dnat_to = tgt4(B_IP, 8080);
	set_cfg(&c);
	udp4(&p, C_IP, 4000, V_IP, 80);
	CHECK_INT(run(0, &p, &ct, &res), PASS_X);
	pk_init(&p);
	pk_eth(&p, ETH_P_IP);
	pk_ip4(&p, X_IP, C_IP, IPPROTO_ICMP);
	pk_icmp_err(&p, 3, 1);		/* host unreachable */
	pk_ip4(&p, C_IP, B_IP, IPPROTO_UDP);
	pk_udp(&p, 4000, 8080);
	pk_put(&p, "query", 5);
	pk_finish(&p);
	CHECK_INT(run(0, &p, &ct, &res), PASS_X);
	CHECK_INT(pk_get32(p.b + in3 + 16), V_IP);	/* quoted dest */
	CHECK_INT(pk_get16(p.b + in3 + 22), 80);	/* quoted dport */
	CHECK_INT(ct.state, FWL_CT_RELATED);
	check_csum(&p, "ICMP error after reverse DNAT");
}

static void test_icmp_echo_snat(void)
{
	struct nat_test_cfg c;
	struct fwl_ct ct;
	uint32_t res;
	struct pk p;
	uint16_t id;

	snat_cfg(&c, 1, 65535);
	pk_init(&p);
	pk_eth(&p, ETH_P_IP);
	pk_ip4(&p, I_IP, R_IP, IPPROTO_ICMP);
	pk_icmp(&p, 8, 0, 0x1234, 1);
	pk_finish(&p);
	CHECK_INT(run(1, &p, &ct, &res), PASS_T);
	CHECK_INT(pk_get32(p.b + 26), V_IP);
	id = pk_get16(p.b + 38);
	CHECK_INT(id, 0x1234);
	check_csum(&p, "echo after SNAT");
	/* same id from another host: another id outside */
	pk_init(&p);
	pk_eth(&p, ETH_P_IP);
	pk_ip4(&p, I2_IP, R_IP, IPPROTO_ICMP);
	pk_icmp(&p, 8, 0, 0x1234, 1);
	pk_finish(&p);
	CHECK_INT(run(1, &p, &ct, &res), PASS_T);
	id = pk_get16(p.b + 38);
	CHECK(id != 0x1234, "id %x", id);
	check_csum(&p, "echo with new id");
	pk_init(&p);
	pk_eth(&p, ETH_P_IP);
	pk_ip4(&p, R_IP, V_IP, IPPROTO_ICMP);
	pk_icmp(&p, 0, 0, id, 1);
	pk_finish(&p);
	CHECK_INT(run(0, &p, &ct, &res), PASS_X);
	CHECK_INT(pk_get32(p.b + 30), I2_IP);
	CHECK_INT(pk_get16(p.b + 38), 0x1234);
	check_csum(&p, "echo reply after reverse");
	CHECK_INT(ct.state, FWL_CT_ESTABLISHED);
}

static void test_ipv6_masquerade(void)
{
	static const uint8_t in6[16] = { 0xfd, 0, [15] = 0x20 };
	static const uint8_t out6[16] = { 0x20, 1, 0xd, 0xb8, [15] = 0x50 };
	static const uint8_t me6[16] = { 0x20, 1, 0xd, 0xb8, 9, [15] = 1 };
	struct fwl_ifaddr ia;
	struct nat_test_cfg c;
	struct fwl_ct ct;
	uint32_t res, ifx = 1;
	struct pk p;

	reset(&c);
	c.snat = 2;		/* masquerade */
	set_cfg(&c);
	/* no address known for the interface: fails closed */
	h_map_clear(m_ifaddr);
	pk_init(&p);
	pk_eth(&p, ETH_P_IPV6);
	pk_ip6(&p, in6, out6, IPPROTO_TCP);
	pk_tcp(&p, 33000, 443, 1, 0, 0x02, 1000);
	pk_finish(&p);
	CHECK_INT(run(1, &p, &ct, &res), DROP_T);
	CHECK_INT(res, FWL_DROP_NAT_NO_ADDR);
	memset(&ia, 0, sizeof(ia));
	memcpy(ia.v6, me6, 16);
	ia.v4 = htonl(V_IP);
	/* TC test runs see skb->ifindex 1 (lo) */
	bpf_map_update_elem(m_ifaddr, &ifx, &ia, 0);
	pk_init(&p);
	pk_eth(&p, ETH_P_IPV6);
	pk_ip6(&p, in6, out6, IPPROTO_TCP);
	pk_tcp(&p, 33000, 443, 1, 0, 0x02, 1000);
	pk_finish(&p);
	CHECK_INT(run(1, &p, &ct, &res), PASS_T);
	CHECK(memcmp(p.b + 22, me6, 16) == 0, "IPv6 source masqueraded");
	check_csum(&p, "IPv6 TCP after masquerade");
	pk_init(&p);
	pk_eth(&p, ETH_P_IPV6);
	pk_ip6(&p, out6, me6, IPPROTO_TCP);
	pk_tcp(&p, 443, pk_get16(p.b), 5, 2, 0x12, 1000);
	p.b[p.l4 + 2] = 33000 >> 8;
	p.b[p.l4 + 3] = 33000 & 0xff;
	pk_finish(&p);
	CHECK_INT(run(0, &p, &ct, &res), PASS_X);
	CHECK(memcmp(p.b + 38, in6, 16) == 0, "IPv6 reply to inside host");
	check_csum(&p, "IPv6 reply after reverse");
	CHECK_INT(ct.state, FWL_CT_ESTABLISHED);
}

static void test_dnat_and_snat_same_flow(void)
{
	struct nat_test_cfg c;
	struct fwl_ct ct;
	uint32_t res;
	struct pk p;
	uint16_t port;

	reset(&c);
	c.dnat = 1;
	c.dnat_to = tgt4(B_IP, 8080);
	c.snat = 1;
	c.snat_to = tgt4(IP4(10, 0, 0, 1), 0);	/* hairpin: router inside */
	set_cfg(&c);
	udp4(&p, C_IP, 4100, V_IP, 80);
	CHECK_INT(run(0, &p, &ct, &res), PASS_X);
	check_tuple4(&p, C_IP, 4100, B_IP, 8080);
	CHECK_INT(run(2, &p, &ct, &res), PASS_T);
	port = pk_get16(p.b + 34);
	check_tuple4(&p, IP4(10, 0, 0, 1), port, B_IP, 8080);
	check_csum(&p, "DNAT+SNAT");
	CHECK_INT(rev_count(), 1);	/* the DNAT-only binding replaced */
	udp4(&p, B_IP, 8080, IP4(10, 0, 0, 1), port);
	CHECK_INT(run(0, &p, &ct, &res), PASS_X);
	check_tuple4(&p, V_IP, 80, C_IP, 4100);
	check_csum(&p, "reply of DNAT+SNAT");
	CHECK_INT(ct.dir, FWL_CT_DIR_REPLY);
}

int main(void)
{
	obj = h_open("nat");
	p_xdp = h_prog(obj, "nat_xdp");
	p_tc = h_prog(obj, "nat_tc");
	m_cfg = h_map(obj, "nat_cfg");
	m_out = h_map(obj, "nat_out");
	m_res = h_map(obj, "nat_res");
	m_ct = h_map(obj, "fwl_ct");
	m_new = h_map(obj, "fwl_ct_new");
	m_rev = h_map(obj, "fwl_nat_rev");
	m_stat = h_map(obj, "fwl_nat_stat");
	m_dmap = h_map(obj, "fwl_dnat_map");
	m_sets = h_map(obj, "fwl_nat_sets");
	m_ifaddr = h_map(obj, "fwl_ifaddr");

	RUN(test_dnat_single_tcp_flow);
	RUN(test_dnat_map);
	RUN(test_flow_hash_vectors);
	RUN(test_dnat_backends_per_flow);
	RUN(test_snat_keeps_port_and_reverses);
	RUN(test_snat_probes_when_taken);
	RUN(test_snat_exhaustion_fails_closed);
	RUN(test_binding_dies_with_flow);
	RUN(test_icmp_error_inner_rewrite);
	RUN(test_icmp_echo_snat);
	RUN(test_ipv6_masquerade);
	RUN(test_dnat_and_snat_same_flow);
	bpf_object__close(obj);
	return check_done();
}
