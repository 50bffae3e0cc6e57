/* SPDX-License-Identifier: MIT */
/*
 * tests/bpf/test_ct.c - bpf/lib/ct.h through BPF_PROG_TEST_RUN.
 *
 * Multi-packet flows: each case clears the tables, sends a flow packet by
 * packet through tests/bpf/progs/ct.bpf.c (parse, track, drop INVALID,
 * confirm) and checks the verdict, the fwl_ct result and the entry in the
 * maps after each step.  The tables are made small before load (fwl_ct 32,
 * fwl_ct_new 64) so the flood and full-table cases run fast.
 */
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/lib/check.h"
#include "tests/bpf/harness.h"
#include "tests/bpf/pktgen.h"
#include "maps/config.h"
#define FWL_PARSE_TYPES_ONLY
#include "bpf/lib/parse.h"
#include "bpf/lib/ct_types.h"

#define CT_MAX 32
#define CT_NEW_MAX 64

static struct bpf_object *obj;
static int prog, prog_tc, m_out, m_ct, m_new, m_stat, m_cfg;

enum { ORIG = 0, REPLY = 1 };
#define XDP_DROP_ 1
#define XDP_PASS_ 2

struct tflow {
	int v6;
	uint32_t a, b;		/* IPv4, host order: a opens the flow */
	uint8_t a6[16], b6[16];
	uint16_t ap, bp;
	uint8_t proto;
};

static void prep(struct bpf_object *o)
{
	bpf_map__set_max_entries(bpf_object__find_map_by_name(o, "fwl_ct"),
				 CT_MAX);
	bpf_map__set_max_entries(bpf_object__find_map_by_name(o, "fwl_ct_new"),
				 CT_NEW_MAX);
}

static void reset(void)
{
	struct fwl_config c;
	uint32_t z = 0;

	h_map_clear(m_ct);
	h_map_clear(m_new);
	h_map_clear(m_stat);
	memset(&c, 0, sizeof(c));
	bpf_map_update_elem(m_cfg, &z, &c, 0);
}

static void set_config(uint32_t flags, int idx, uint32_t secs)
{
	struct fwl_config c;
	uint32_t z = 0;

	memset(&c, 0, sizeof(c));
	c.layout_version = FWL_CONFIG_LAYOUT_VERSION;
	c.flags = flags;
	if (idx >= 0)
		c.ct_timeout[idx] = secs;
	bpf_map_update_elem(m_cfg, &z, &c, 0);
}

static void l3(struct pk *p, const struct tflow *f, int dir, uint8_t proto)
{
	pk_init(p);
	if (f->v6) {
		pk_eth(p, ETH_P_IPV6);
		pk_ip6(p, dir ? f->b6 : f->a6, dir ? f->a6 : f->b6, proto);
	} else {
		pk_eth(p, ETH_P_IP);
		pk_ip4(p, dir ? f->b : f->a, dir ? f->a : f->b, proto);
	}
}

/* A TCP segment of flow f; wscale < 0: no option. */
static void tcp_seg(struct pk *p, const struct tflow *f, int dir, uint8_t fl,
		    uint32_t seq, uint32_t ack, uint16_t win, int wscale,
		    size_t plen)
{
	uint8_t opt[4] = { 1, 3, 3, (uint8_t)wscale };

	l3(p, f, dir, IPPROTO_TCP);
	pk_tcp_opt(p, dir ? f->bp : f->ap, dir ? f->ap : f->bp, seq, ack, fl,
		   win, opt, wscale >= 0 ? 4 : 0);
	pk_zero(p, plen);
	pk_finish(p);
}

static uint32_t send_pk(const struct pk *p, struct fwl_ct *ct)
{
	struct h_run r;
	uint32_t z = 0;

	memset(ct, 0, sizeof(*ct));
	bpf_map_update_elem(m_out, &z, ct, 0);
	h_xdp(prog, p->b, p->len, &r);
	CHECK(r.err == 0, "test run: %d", r.err);
	bpf_map_lookup_elem(m_out, &z, ct);
	return r.ret;
}

static uint32_t tcp(const struct tflow *f, int dir, uint8_t fl, uint32_t seq,
		    uint32_t ack, uint16_t win, struct fwl_ct *ct)
{
	struct pk p;

	tcp_seg(&p, f, dir, fl, seq, ack, win, -1, 0);
	return send_pk(&p, ct);
}

static uint32_t tcp_data(const struct tflow *f, int dir, uint32_t seq,
			 uint32_t ack, uint16_t win, size_t plen,
			 struct fwl_ct *ct)
{
	struct pk p;

	tcp_seg(&p, f, dir, FWL_TCP_ACK | FWL_TCP_PSH, seq, ack, win, -1, plen);
	return send_pk(&p, ct);
}

static uint32_t udp(const struct tflow *f, int dir, struct fwl_ct *ct)
{
	struct pk p;

	l3(&p, f, dir, IPPROTO_UDP);
	pk_udp(&p, dir ? f->bp : f->ap, dir ? f->ap : f->bp);
	pk_zero(&p, 10);
	pk_finish(&p);
	return send_pk(&p, ct);
}

/* The canonical key, computed as the BPF side does. */
static void key_of(const struct tflow *f, uint8_t proto, uint16_t sp,
		   uint16_t dp, struct fwl_ct_key *k)
{
	uint32_t sa[4] = { 0 }, da[4] = { 0 };
	int lo = 1, i;

	if (f->v6) {
		memcpy(sa, f->a6, 16);
		memcpy(da, f->b6, 16);
	} else {
		sa[0] = htonl(f->a);
		da[0] = htonl(f->b);
	}
	for (i = 0; i < 4; i++)
		if (sa[i] != da[i]) {
			lo = sa[i] < da[i];
			break;
		}
	if (i == 4)
		lo = sp <= dp;
	memset(k, 0, sizeof(*k));
	memcpy(k->addr_lo, lo ? sa : da, 16);
	memcpy(k->addr_hi, lo ? da : sa, 16);
	k->port_lo = lo ? sp : dp;
	k->port_hi = lo ? dp : sp;
	k->proto = proto;
	k->family = f->v6 ? 6 : 4;
}

/* Find f's entry: 2 in fwl_ct, 1 in fwl_ct_new, 0 nowhere. */
static int entry(const struct tflow *f, struct fwl_ct_entry *e)
{
	struct fwl_ct_key k;

	key_of(f, f->proto, f->ap, f->bp, &k);
	if (bpf_map_lookup_elem(m_ct, &k, e) == 0)
		return 2;
	if (bpf_map_lookup_elem(m_new, &k, e) == 0)
		return 1;
	return 0;
}

static int put_entry(const struct tflow *f, const struct fwl_ct_entry *e,
		     int tier)
{
	struct fwl_ct_key k;

	key_of(f, f->proto, f->ap, f->bp, &k);
	return bpf_map_update_elem(tier == 2 ? m_ct : m_new, &k, e, 0);
}

static uint64_t stat(int idx)
{
	uint64_t v;
	uint32_t k = (uint32_t)idx;

	if (h_percpu_sum(m_stat, &k, &v, 1))
		return ~0ULL;
	return v;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static struct tflow tf(uint16_t ap)
{
	struct tflow f = { .a = IP4(10, 0, 0, 2), .b = IP4(192, 0, 2, 80),
			   .ap = ap, .bp = 443, .proto = IPPROTO_TCP };
	return f;
}

/* SYN, SYN/ACK, ACK with ISNs 1000 (a) and 5000 (b), windows 1000. */
static void handshake(const struct tflow *f)
{
	struct fwl_ct ct;

	CHECK_INT(tcp(f, ORIG, FWL_TCP_SYN, 1000, 0, 1000, &ct), XDP_PASS_);
	CHECK_INT(tcp(f, REPLY, FWL_TCP_SYN | FWL_TCP_ACK, 5000, 1001, 1000,
		      &ct), XDP_PASS_);
	CHECK_INT(tcp(f, ORIG, FWL_TCP_ACK, 1001, 5001, 1000, &ct), XDP_PASS_);
	CHECK_INT(ct.tcp_state, FWL_TCP_ESTABLISHED);
}

static void test_tcp_handshake(void)
{
	struct tflow f = tf(40001);
	struct fwl_ct ct;
	struct fwl_ct_entry e;

	reset();
	CHECK_INT(tcp(&f, ORIG, FWL_TCP_SYN, 1000, 0, 1000, &ct), XDP_PASS_);
	CHECK_INT(ct.state, FWL_CT_NEW);
	CHECK_INT(ct.dir, ORIG);
	CHECK_INT(ct.tcp_state, FWL_TCP_SYN_SENT);
	CHECK_INT(entry(&f, &e), 1);
	CHECK_INT(e.tcp_state, FWL_TCP_SYN_SENT);
	CHECK_INT(e.rule_id, 42);
	CHECK_INT(e.tcp[ORIG].td_end, 1001);

	CHECK_INT(tcp(&f, REPLY, FWL_TCP_SYN | FWL_TCP_ACK, 5000, 1001, 1000,
		      &ct), XDP_PASS_);
	CHECK_INT(ct.state, FWL_CT_ESTABLISHED);
	CHECK_INT(ct.dir, REPLY);
	CHECK_INT(ct.tcp_state, FWL_TCP_SYN_RECV);
	CHECK(ct.status & FWL_CT_S_SEEN_REPLY, "seen reply");
	CHECK(!(ct.status & FWL_CT_S_ASSURED), "not yet assured");
	CHECK_INT(entry(&f, &e), 1);

	CHECK_INT(tcp(&f, ORIG, FWL_TCP_ACK, 1001, 5001, 1000, &ct), XDP_PASS_);
	CHECK_INT(ct.state, FWL_CT_ESTABLISHED);
	CHECK_INT(ct.dir, ORIG);
	CHECK_INT(ct.tcp_state, FWL_TCP_ESTABLISHED);
	CHECK(ct.status & FWL_CT_S_ASSURED, "assured");
	CHECK_INT(entry(&f, &e), 2);	/* promoted to fwl_ct */
	CHECK_INT(e.packets[ORIG], 2);
	CHECK_INT(e.packets[REPLY], 1);
	CHECK_INT(stat(FWL_CT_STAT_NEW), 1);
	CHECK_INT(stat(FWL_CT_STAT_PROMOTE), 1);
	CHECK_INT(stat(FWL_CT_STAT_LOOKUP) - stat(FWL_CT_STAT_MISS), 2);

	/* data both ways */
	CHECK_INT(tcp_data(&f, ORIG, 1001, 5001, 1000, 100, &ct), XDP_PASS_);
	CHECK_INT(ct.state, FWL_CT_ESTABLISHED);
	CHECK_INT(tcp_data(&f, REPLY, 5001, 1101, 1000, 200, &ct), XDP_PASS_);
	CHECK_INT(ct.state, FWL_CT_ESTABLISHED);
	CHECK_INT(ct.dir, REPLY);

	/* orderly close: FIN, ACK, FIN, ACK -> TIME_WAIT */
	CHECK_INT(tcp(&f, ORIG, FWL_TCP_FIN | FWL_TCP_ACK, 1101, 5201, 1000,
		      &ct), XDP_PASS_);
	CHECK_INT(ct.tcp_state, FWL_TCP_FIN_WAIT);
	CHECK_INT(tcp(&f, REPLY, FWL_TCP_ACK, 5201, 1102, 1000, &ct), XDP_PASS_);
	CHECK_INT(ct.tcp_state, FWL_TCP_CLOSE_WAIT);
	CHECK_INT(tcp(&f, REPLY, FWL_TCP_FIN | FWL_TCP_ACK, 5201, 1102, 1000,
		      &ct), XDP_PASS_);
	CHECK_INT(ct.tcp_state, FWL_TCP_LAST_ACK);
	CHECK_INT(tcp(&f, ORIG, FWL_TCP_ACK, 1102, 5202, 1000, &ct), XDP_PASS_);
	CHECK_INT(ct.tcp_state, FWL_TCP_TIME_WAIT);
}

static void test_tcp_rst_in_window_only(void)
{
	struct tflow f = tf(40002);
	struct fwl_ct ct;
	struct fwl_ct_entry e;

	reset();
	handshake(&f);
	/* Out of window: far beyond what the receiver allows. */
	CHECK_INT(tcp(&f, REPLY, FWL_TCP_RST, 5001 + 1000000, 0, 0, &ct),
		  XDP_DROP_);
	CHECK_INT(ct.state, FWL_CT_INVALID);
	CHECK_INT(ct.reason, FWL_DROP_CT_INVALID);
	CHECK_INT(entry(&f, &e), 2);
	CHECK_INT(e.tcp_state, FWL_TCP_ESTABLISHED);
	/* Below the window too. */
	CHECK_INT(tcp(&f, REPLY, FWL_TCP_RST | FWL_TCP_ACK, 5001 - 100000,
		      1001, 0, &ct), XDP_DROP_);
	CHECK_INT(entry(&f, &e), 2);
	CHECK_INT(e.tcp_state, FWL_TCP_ESTABLISHED);
	/* The flow still carries data. */
	CHECK_INT(tcp_data(&f, ORIG, 1001, 5001, 1000, 10, &ct), XDP_PASS_);
	CHECK_INT(ct.state, FWL_CT_ESTABLISHED);
	/* In window: closes. */
	CHECK_INT(tcp(&f, REPLY, FWL_TCP_RST, 5001, 0, 0, &ct), XDP_PASS_);
	CHECK_INT(ct.tcp_state, FWL_TCP_CLOSE);
	CHECK(entry(&f, &e) > 0, "entry kept");
	CHECK_INT(e.tcp_state, FWL_TCP_CLOSE);
}

static void test_tcp_retransmissions_pass(void)
{
	struct tflow f = tf(40003);
	struct fwl_ct ct;
	struct fwl_ct_entry e;

	reset();
	handshake(&f);
	CHECK_INT(tcp_data(&f, ORIG, 1001, 5001, 1000, 500, &ct), XDP_PASS_);
	/* the same segment again (lost on the way) */
	CHECK_INT(tcp_data(&f, ORIG, 1001, 5001, 1000, 500, &ct), XDP_PASS_);
	CHECK_INT(ct.state, FWL_CT_ESTABLISHED);
	/* the peer acknowledges it; then a spurious retransmission of
	 * already acknowledged data */
	CHECK_INT(tcp(&f, REPLY, FWL_TCP_ACK, 5001, 1501, 1000, &ct), XDP_PASS_);
	CHECK_INT(tcp_data(&f, ORIG, 1001, 5001, 1000, 500, &ct), XDP_PASS_);
	CHECK_INT(ct.state, FWL_CT_ESTABLISHED);
	/* a duplicate ACK */
	CHECK_INT(tcp(&f, REPLY, FWL_TCP_ACK, 5001, 1501, 1000, &ct), XDP_PASS_);
	CHECK_INT(ct.state, FWL_CT_ESTABLISHED);
	CHECK_INT(entry(&f, &e), 2);
	CHECK_INT(e.tcp_state, FWL_TCP_ESTABLISHED);
	/* but data older than a whole window is not a retransmission */
	CHECK_INT(tcp_data(&f, ORIG, 1001 - 70000, 5001, 1000, 10, &ct),
		  XDP_DROP_);
	CHECK_INT(ct.state, FWL_CT_INVALID);
	/* nor is an ACK for data never sent */
	CHECK_INT(tcp(&f, REPLY, FWL_TCP_ACK, 5001, 1501 + 5000, 1000, &ct),
		  XDP_DROP_);
}

static void test_tcp_simultaneous_open(void)
{
	struct tflow f = tf(40004);
	struct fwl_ct ct;
	struct fwl_ct_entry e;

	reset();
	CHECK_INT(tcp(&f, ORIG, FWL_TCP_SYN, 1000, 0, 1000, &ct), XDP_PASS_);
	CHECK_INT(tcp(&f, REPLY, FWL_TCP_SYN, 5000, 0, 1000, &ct), XDP_PASS_);
	CHECK_INT(ct.tcp_state, FWL_TCP_SYN_SENT2);
	CHECK_INT(tcp(&f, ORIG, FWL_TCP_SYN | FWL_TCP_ACK, 1000, 5001, 1000,
		      &ct), XDP_PASS_);
	CHECK_INT(ct.tcp_state, FWL_TCP_SYN_RECV);
	CHECK_INT(tcp(&f, REPLY, FWL_TCP_SYN | FWL_TCP_ACK, 5000, 1001, 1000,
		      &ct), XDP_PASS_);
	CHECK_INT(ct.state, FWL_CT_ESTABLISHED);
	CHECK_INT(tcp(&f, ORIG, FWL_TCP_ACK, 1001, 5001, 1000, &ct), XDP_PASS_);
	CHECK_INT(ct.tcp_state, FWL_TCP_ESTABLISHED);
	CHECK_INT(tcp(&f, REPLY, FWL_TCP_ACK, 5001, 1001, 1000, &ct), XDP_PASS_);
	CHECK_INT(entry(&f, &e), 2);
	CHECK_INT(e.tcp_state, FWL_TCP_ESTABLISHED);
	CHECK(e.status & FWL_CT_S_ASSURED, "assured");
}

static void test_tcp_stale_synack(void)
{
	struct tflow f = tf(40005);
	struct fwl_ct ct;
	struct fwl_ct_entry e;

	reset();
	CHECK_INT(tcp(&f, ORIG, FWL_TCP_SYN, 1000, 0, 1000, &ct), XDP_PASS_);
	/* a SYN/ACK of an old incarnation: acknowledges another ISN */
	CHECK_INT(tcp(&f, REPLY, FWL_TCP_SYN | FWL_TCP_ACK, 90000, 777, 1000,
		      &ct), XDP_DROP_);
	CHECK_INT(ct.state, FWL_CT_INVALID);
	CHECK_INT(entry(&f, &e), 1);
	CHECK_INT(e.tcp_state, FWL_TCP_SYN_SENT);
	CHECK_INT(e.tcp[REPLY].td_maxwin, 0);	/* nothing learnt from it */
	CHECK_INT(tcp(&f, REPLY, FWL_TCP_SYN | FWL_TCP_ACK, 5000, 1001, 1000,
		      &ct), XDP_PASS_);
	CHECK_INT(ct.tcp_state, FWL_TCP_SYN_RECV);
	CHECK_INT(tcp(&f, ORIG, FWL_TCP_ACK, 1001, 5001, 1000, &ct), XDP_PASS_);
	CHECK_INT(ct.tcp_state, FWL_TCP_ESTABLISHED);
	CHECK_INT(entry(&f, &e), 2);
	CHECK_INT(e.tcp_state, FWL_TCP_ESTABLISHED);
}

static void test_tcp_syn_reopens_closed(void)
{
	struct tflow f = tf(40006);
	struct fwl_ct ct;
	struct fwl_ct_entry e;

	reset();
	handshake(&f);
	CHECK_INT(tcp(&f, ORIG, FWL_TCP_FIN | FWL_TCP_ACK, 1001, 5001, 1000,
		      &ct), XDP_PASS_);
	CHECK_INT(tcp(&f, REPLY, FWL_TCP_FIN | FWL_TCP_ACK, 5001, 1002, 1000,
		      &ct), XDP_PASS_);
	CHECK_INT(tcp(&f, ORIG, FWL_TCP_ACK, 1002, 5002, 1000, &ct), XDP_PASS_);
	CHECK_INT(ct.tcp_state, FWL_TCP_TIME_WAIT);
	/* a new SYN on the TIME_WAIT tuple: a new connection */
	CHECK_INT(tcp(&f, ORIG, FWL_TCP_SYN, 200000, 0, 1000, &ct), XDP_PASS_);
	CHECK_INT(ct.state, FWL_CT_NEW);
	CHECK_INT(ct.tcp_state, FWL_TCP_SYN_SENT);
	CHECK_INT(entry(&f, &e), 1);
	CHECK_INT(e.tcp_state, FWL_TCP_SYN_SENT);
	CHECK_INT(e.tcp[ORIG].td_end, 200001);
	CHECK_INT(e.packets[REPLY], 0);
	CHECK_INT(tcp(&f, REPLY, FWL_TCP_SYN | FWL_TCP_ACK, 7000, 200001, 1000,
		      &ct), XDP_PASS_);
	CHECK_INT(tcp(&f, ORIG, FWL_TCP_ACK, 200001, 7001, 1000, &ct),
		  XDP_PASS_);
	CHECK_INT(ct.tcp_state, FWL_TCP_ESTABLISHED);

	/* closed by RST, then a SYN from the other side: it becomes the
	 * originator of the new flow */
	CHECK_INT(tcp(&f, REPLY, FWL_TCP_RST, 7001, 0, 0, &ct), XDP_PASS_);
	CHECK_INT(ct.tcp_state, FWL_TCP_CLOSE);
	CHECK_INT(tcp(&f, REPLY, FWL_TCP_SYN, 9000, 0, 1000, &ct), XDP_PASS_);
	CHECK_INT(ct.state, FWL_CT_NEW);
	CHECK_INT(ct.dir, ORIG);
	CHECK_INT(ct.tcp_state, FWL_TCP_SYN_SENT);
	CHECK_INT(tcp(&f, ORIG, FWL_TCP_SYN | FWL_TCP_ACK, 3000, 9001, 1000,
		      &ct), XDP_PASS_);
	CHECK_INT(ct.dir, REPLY);
	CHECK_INT(ct.tcp_state, FWL_TCP_SYN_RECV);
}

static void test_tcp_invalid_flags_no_entry(void)
{
	static const uint8_t bad[] = {
		FWL_TCP_SYN | FWL_TCP_FIN, 0, FWL_TCP_FIN,
		FWL_TCP_SYN | FWL_TCP_RST, FWL_TCP_RST | FWL_TCP_FIN,
		FWL_TCP_SYN | FWL_TCP_FIN | FWL_TCP_ACK,
	};
	struct tflow f = tf(40007);
	struct fwl_ct ct;
	struct fwl_ct_entry e;
	struct pk p;
	size_t i;

	reset();
	for (i = 0; i < sizeof(bad); i++) {
		CHECK_INT(tcp(&f, ORIG, bad[i], 1000, 0, 1000, &ct), XDP_DROP_);
		CHECK_INT(ct.state, FWL_CT_INVALID);
		CHECK_INT(ct.reason, FWL_DROP_CT_TCP_FLAGS);
		CHECK_INT(entry(&f, &e), 0);
	}
	/* data offset < 5: the parser rejects it before conntrack */
	tcp_seg(&p, &f, ORIG, FWL_TCP_SYN, 1000, 0, 1000, -1, 0);
	p.b[p.l4 + 12] = 4 << 4;
	CHECK_INT(send_pk(&p, &ct), XDP_DROP_);
	CHECK_INT(entry(&f, &e), 0);
	/* invalid flags on an established flow: INVALID, flow unchanged */
	handshake(&f);
	CHECK_INT(tcp(&f, ORIG, FWL_TCP_SYN | FWL_TCP_FIN, 1001, 5001, 1000,
		      &ct), XDP_DROP_);
	CHECK_INT(ct.reason, FWL_DROP_CT_TCP_FLAGS);
	CHECK_INT(entry(&f, &e), 2);
	CHECK_INT(e.tcp_state, FWL_TCP_ESTABLISHED);
}

/* Orig data 50000 bytes ahead: fits only a scaled window. */
static uint32_t wscale_run(int ws_syn, int ws_synack, struct fwl_ct_entry *e)
{
	struct tflow f = tf(40008);
	struct fwl_ct ct;
	struct pk p;

	reset();
	tcp_seg(&p, &f, ORIG, FWL_TCP_SYN, 1000, 0, 1000, ws_syn, 0);
	CHECK_INT(send_pk(&p, &ct), XDP_PASS_);
	tcp_seg(&p, &f, REPLY, FWL_TCP_SYN | FWL_TCP_ACK, 5000, 1001, 1000,
		ws_synack, 0);
	CHECK_INT(send_pk(&p, &ct), XDP_PASS_);
	CHECK_INT(tcp(&f, ORIG, FWL_TCP_ACK, 1001, 5001, 1000, &ct), XDP_PASS_);
	/* the reply side opens its (scaled) window */
	CHECK_INT(tcp(&f, REPLY, FWL_TCP_ACK, 5001, 1001, 1000, &ct), XDP_PASS_);
	CHECK(entry(&f, e) > 0, "entry");
	return tcp_data(&f, ORIG, 1001 + 50000, 5001, 1000, 100, &ct);
}

static void test_tcp_window_scaling(void)
{
	struct fwl_ct_entry e;

	CHECK_INT(wscale_run(7, 7, &e), XDP_PASS_);
	CHECK_INT(e.tcp[ORIG].td_scale, 7);
	CHECK_INT(e.tcp[REPLY].td_scale, 7);
	CHECK_INT(wscale_run(7, -1, &e), XDP_DROP_);
	CHECK_INT(e.tcp[ORIG].td_scale, 0);
	CHECK_INT(e.tcp[REPLY].td_scale, 0);
	CHECK_INT(wscale_run(-1, 7, &e), XDP_DROP_);
	CHECK_INT(e.tcp[ORIG].td_scale, 0);
	CHECK_INT(e.tcp[REPLY].td_scale, 0);
}

static void test_tcp_midstream_loose_and_strict(void)
{
	struct tflow f = tf(40009);
	struct fwl_ct ct;
	struct fwl_ct_entry e;

	/* loose (default): picked up, liberal windows */
	reset();
	CHECK_INT(tcp_data(&f, ORIG, 777777, 888888, 1000, 10, &ct), XDP_PASS_);
	CHECK_INT(ct.state, FWL_CT_NEW);
	CHECK_INT(ct.tcp_state, FWL_TCP_ESTABLISHED);
	CHECK_INT(entry(&f, &e), 1);
	CHECK(e.tcp[ORIG].flags & FWL_CT_TCP_F_LIBERAL, "liberal");
	CHECK_INT(tcp_data(&f, REPLY, 888888, 777787, 1000, 10, &ct), XDP_PASS_);
	CHECK_INT(ct.state, FWL_CT_ESTABLISHED);
	CHECK_INT(entry(&f, &e), 2);
	/* a mid-stream FIN or RST does not pick a flow up */
	f.ap = 40010;
	CHECK_INT(tcp(&f, ORIG, FWL_TCP_FIN | FWL_TCP_ACK, 1, 1, 1000, &ct),
		  XDP_DROP_);
	CHECK_INT(ct.reason, FWL_DROP_CT_NO_ENTRY);
	CHECK_INT(tcp(&f, ORIG, FWL_TCP_RST, 1, 0, 0, &ct), XDP_DROP_);
	CHECK_INT(entry(&f, &e), 0);

	/* strict: INVALID, no entry */
	reset();
	set_config(FWL_CFG_TCP_STRICT, -1, 0);
	f.ap = 40009;
	CHECK_INT(tcp_data(&f, ORIG, 777777, 888888, 1000, 10, &ct), XDP_DROP_);
	CHECK_INT(ct.state, FWL_CT_INVALID);
	CHECK_INT(ct.reason, FWL_DROP_CT_NO_ENTRY);
	CHECK_INT(entry(&f, &e), 0);
	/* a SYN still opens flows */
	CHECK_INT(tcp(&f, ORIG, FWL_TCP_SYN, 1000, 0, 1000, &ct), XDP_PASS_);
	CHECK_INT(entry(&f, &e), 1);
}

/* The entry expires `want` seconds after t0: flow state uses the coarse
 * monotonic clock (up to a tick, <= 4 ms, behind), and the test takes
 * well under a second. */
#define CHECK_TTL(e, t0, want)						\
	do {								\
		int64_t d_ = (int64_t)((e)->expires - (t0));		\
		int64_t w_ = (int64_t)(want) * 1000000000LL;		\
		CHECK(d_ >= w_ - 20000000LL && d_ <= w_ + 1000000000LL,	\
		      "expires in %lld ns, want %lld s", (long long)d_,	\
		      (long long)(want));				\
	} while (0)

static void test_tcp_timeouts(void)
{
	struct tflow f = tf(40011);
	struct fwl_ct ct;
	struct fwl_ct_entry e;
	uint64_t t0, old;

	reset();
	t0 = mono_ns();
	CHECK_INT(tcp(&f, ORIG, FWL_TCP_SYN, 1000, 0, 1000, &ct), XDP_PASS_);
	CHECK_INT(entry(&f, &e), 1);
	CHECK_TTL(&e, t0, 120);	/* SYN_SENT */
	/* a retransmitted SYN does not extend the entry */
	e.expires -= 50ULL * 1000000000ULL;
	old = e.expires;
	put_entry(&f, &e, 1);
	CHECK_INT(tcp(&f, ORIG, FWL_TCP_SYN, 1000, 0, 1000, &ct), XDP_PASS_);
	CHECK_INT(entry(&f, &e), 1);
	CHECK(e.expires == old, "expires moved by %lld ns",
	      (long long)(e.expires - old));
	CHECK_INT(tcp(&f, REPLY, FWL_TCP_SYN | FWL_TCP_ACK, 5000, 1001, 1000,
		      &ct), XDP_PASS_);
	CHECK_INT(entry(&f, &e), 1);
	CHECK_TTL(&e, t0, 60);	/* SYN_RECV */
	CHECK_INT(tcp(&f, ORIG, FWL_TCP_ACK, 1001, 5001, 1000, &ct), XDP_PASS_);
	CHECK_INT(entry(&f, &e), 2);
	CHECK_TTL(&e, t0, 432000);	/* ESTABLISHED */

	/* configured */
	set_config(0, FWL_CT_TO_TCP_ESTABLISHED, 3600);
	CHECK_INT(tcp_data(&f, ORIG, 1001, 5001, 1000, 1, &ct), XDP_PASS_);
	CHECK_INT(entry(&f, &e), 2);
	CHECK_TTL(&e, t0, 3600);
	set_config(0, FWL_CT_TO_TCP_FIN_WAIT, 7);
	CHECK_INT(tcp(&f, ORIG, FWL_TCP_FIN | FWL_TCP_ACK, 1002, 5001, 1000,
		      &ct), XDP_PASS_);
	CHECK_INT(entry(&f, &e), 2);
	CHECK_TTL(&e, t0, 7);

	/* expired: the next packet finds no flow (strict: INVALID) */
	e.expires = 1;
	put_entry(&f, &e, 2);
	set_config(FWL_CFG_TCP_STRICT, -1, 0);
	CHECK_INT(tcp(&f, REPLY, FWL_TCP_ACK, 5001, 1003, 1000, &ct), XDP_DROP_);
	CHECK_INT(ct.reason, FWL_DROP_CT_NO_ENTRY);
	CHECK_INT(entry(&f, &e), 0);
	CHECK_INT(stat(FWL_CT_STAT_EXPIRED), 1);
}

static void test_udp_pseudo_state(void)
{
	struct tflow f = { .a = IP4(10, 0, 0, 3), .b = IP4(9, 9, 9, 9),
			   .ap = 5353, .bp = 53, .proto = IPPROTO_UDP };
	struct fwl_ct ct;
	struct fwl_ct_entry e;
	uint64_t t0 = mono_ns();

	reset();
	CHECK_INT(udp(&f, ORIG, &ct), XDP_PASS_);
	CHECK_INT(ct.state, FWL_CT_NEW);
	CHECK_INT(entry(&f, &e), 1);
	CHECK_TTL(&e, t0, 30);
	CHECK_INT(udp(&f, ORIG, &ct), XDP_PASS_);
	CHECK_INT(ct.state, FWL_CT_NEW);	/* still unanswered */
	CHECK_INT(udp(&f, REPLY, &ct), XDP_PASS_);
	CHECK_INT(ct.state, FWL_CT_ESTABLISHED);
	CHECK_INT(ct.dir, REPLY);
	CHECK_INT(entry(&f, &e), 2);
	CHECK_TTL(&e, t0, 120);
	CHECK(e.status & FWL_CT_S_ASSURED, "assured");
	CHECK_INT(udp(&f, ORIG, &ct), XDP_PASS_);
	CHECK_INT(ct.state, FWL_CT_ESTABLISHED);
	CHECK_INT(ct.dir, ORIG);
	CHECK_INT(e.packets[ORIG] + e.packets[REPLY], 3);
}

static uint32_t icmp_echo(const struct tflow *f, int dir, uint8_t type,
			  uint16_t id, struct fwl_ct *ct)
{
	struct pk p;

	l3(&p, f, dir, f->v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
	pk_icmp(&p, type, 0, id, 1);
	pk_finish(&p);
	return send_pk(&p, ct);
}

static void test_icmp_echo(void)
{
	struct tflow f = { .a = IP4(10, 0, 0, 4), .b = IP4(8, 8, 8, 8),
			   .proto = IPPROTO_ICMP };
	struct tflow f6 = { .v6 = 1, .a6 = { 0x20, 1, 0xd, 0xb8, [15] = 4 },
			    .b6 = { 0x20, 1, 0xd, 0xb8, [15] = 8 },
			    .proto = IPPROTO_ICMPV6 };
	struct fwl_ct ct;
	struct fwl_ct_entry e;

	reset();
	CHECK_INT(icmp_echo(&f, REPLY, 0, 77, &ct), XDP_DROP_);
	CHECK_INT(ct.state, FWL_CT_INVALID);	/* reply without request */
	CHECK_INT(icmp_echo(&f, ORIG, 8, 77, &ct), XDP_PASS_);
	CHECK_INT(ct.state, FWL_CT_NEW);
	f.ap = 77;	/* the requester's side carries the identifier */
	f.bp = 0;
	CHECK_INT(entry(&f, &e), 1);
	CHECK_INT(icmp_echo(&f, REPLY, 0, 77, &ct), XDP_PASS_);
	CHECK_INT(ct.state, FWL_CT_ESTABLISHED);
	CHECK_INT(ct.dir, REPLY);
	CHECK_INT(entry(&f, &e), 2);
	/* another identifier is another flow */
	CHECK_INT(icmp_echo(&f, REPLY, 0, 78, &ct), XDP_DROP_);
	/* a request the other way with the same identifier is a flow of
	   its own (Linux's tuple has the type): NEW, not INVALID */
	CHECK_INT(icmp_echo(&f, REPLY, 8, 77, &ct), XDP_PASS_);
	CHECK_INT(ct.state, FWL_CT_NEW);
	CHECK_INT(ct.dir, ORIG);
	CHECK_INT(icmp_echo(&f, ORIG, 0, 77, &ct), XDP_PASS_);
	CHECK_INT(ct.state, FWL_CT_ESTABLISHED);
	CHECK_INT(ct.dir, REPLY);

	CHECK_INT(icmp_echo(&f6, ORIG, 128, 5, &ct), XDP_PASS_);
	CHECK_INT(ct.state, FWL_CT_NEW);
	CHECK_INT(icmp_echo(&f6, REPLY, 129, 5, &ct), XDP_PASS_);
	CHECK_INT(ct.state, FWL_CT_ESTABLISHED);
	f6.ap = 5;
	f6.bp = 0;
	CHECK_INT(entry(&f6, &e), 2);
	/* neighbour discovery is not tracked */
	CHECK_INT(icmp_echo(&f6, ORIG, 135, 0, &ct), XDP_PASS_);
	CHECK_INT(ct.state, FWL_CT_UNTRACKED);
}

/* An ICMP error from `router` about a UDP packet of f sent by side dir. */
static uint32_t icmp_err(const struct tflow *f, int dir, int v6,
			 uint16_t bad_port, struct fwl_ct *ct)
{
	static const uint8_t r6[16] = { 0x20, 1, 0xd, 0xb8, [15] = 0x99 };
	struct pk p;

	pk_init(&p);
	if (v6) {
		pk_eth(&p, ETH_P_IPV6);
		pk_ip6(&p, r6, dir ? f->b6 : f->a6, IPPROTO_ICMPV6);
		pk_icmp_err(&p, 1, 4);	/* port unreachable */
		pk_ip6(&p, dir ? f->b6 : f->a6, dir ? f->a6 : f->b6,
		       IPPROTO_UDP);
	} else {
		pk_eth(&p, ETH_P_IP);
		pk_ip4(&p, IP4(10, 9, 9, 9), dir ? f->b : f->a, IPPROTO_ICMP);
		pk_icmp_err(&p, 3, 3);
		pk_ip4(&p, dir ? f->b : f->a, dir ? f->a : f->b, IPPROTO_UDP);
	}
	pk_udp(&p, dir ? f->bp : (bad_port ? bad_port : f->ap),
	       dir ? f->ap : f->bp);
	pk_zero(&p, 4);
	pk_finish(&p);
	return send_pk(&p, ct);
}

static void test_icmp_error_related(void)
{
	struct tflow f = { .a = IP4(10, 0, 0, 5), .b = IP4(203, 0, 113, 7),
			   .ap = 6000, .bp = 7000, .proto = IPPROTO_UDP };
	struct tflow f6 = { .v6 = 1, .a6 = { 0x20, 1, 0xd, 0xb8, [15] = 5 },
			    .b6 = { 0x20, 1, 0xd, 0xb8, 1, [15] = 7 },
			    .ap = 6000, .bp = 7000, .proto = IPPROTO_UDP };
	struct fwl_ct ct;

	reset();
	CHECK_INT(udp(&f, ORIG, &ct), XDP_PASS_);
	CHECK_INT(icmp_err(&f, ORIG, 0, 0, &ct), XDP_PASS_);
	CHECK_INT(ct.state, FWL_CT_RELATED);
	CHECK_INT(ct.dir, REPLY);	/* goes back to the originator */
	CHECK_INT(icmp_err(&f, REPLY, 0, 0, &ct), XDP_PASS_);
	CHECK_INT(ct.state, FWL_CT_RELATED);
	CHECK_INT(ct.dir, ORIG);
	/* an error about a flow nobody opened */
	CHECK_INT(icmp_err(&f, ORIG, 0, 6001, &ct), XDP_DROP_);
	CHECK_INT(ct.state, FWL_CT_INVALID);

	CHECK_INT(udp(&f6, ORIG, &ct), XDP_PASS_);
	CHECK_INT(icmp_err(&f6, ORIG, 1, 0, &ct), XDP_PASS_);
	CHECK_INT(ct.state, FWL_CT_RELATED);
	CHECK_INT(icmp_err(&f6, ORIG, 1, 6001, &ct), XDP_DROP_);
	CHECK_INT(ct.state, FWL_CT_INVALID);
}

static void test_syn_flood_keeps_established(void)
{
	struct tflow f = tf(40012), g;
	struct fwl_ct ct;
	struct fwl_ct_entry e;
	int i, newer = 0;

	reset();
	handshake(&f);
	CHECK_INT(entry(&f, &e), 2);
	/* 20x the size of the new-flow table, from spoofed sources */
	for (i = 0; i < CT_NEW_MAX * 20; i++) {
		g = tf((uint16_t)(1024 + i));
		g.a = IP4(100, 64, (i >> 8) & 255, i & 255);
		if (tcp(&g, ORIG, FWL_TCP_SYN, (uint32_t)i, 0, 1000, &ct) !=
		    XDP_PASS_)
			newer++;
	}
	CHECK_INT(newer, 0);	/* each SYN got an entry (evicting old ones) */
	CHECK_INT(entry(&f, &e), 2);
	CHECK_INT(e.tcp_state, FWL_TCP_ESTABLISHED);
	CHECK_INT(tcp_data(&f, ORIG, 1001, 5001, 1000, 10, &ct), XDP_PASS_);
	CHECK_INT(ct.state, FWL_CT_ESTABLISHED);
	CHECK_INT(tcp_data(&f, REPLY, 5001, 1011, 1000, 10, &ct), XDP_PASS_);
	CHECK_INT(ct.state, FWL_CT_ESTABLISHED);
	/* and a real new connection still gets through */
	g = tf(40013);
	handshake(&g);
	CHECK_INT(entry(&g, &e), 2);
}

static void test_full_table_policy(void)
{
	struct fwl_ct ct;
	struct fwl_ct_entry e;
	struct tflow f;
	int i;

	reset();
	for (i = 0; i < CT_MAX; i++) {
		f = tf((uint16_t)(20000 + i));
		handshake(&f);
	}
	CHECK_INT(stat(FWL_CT_STAT_PROMOTE), CT_MAX);
	CHECK_INT(stat(FWL_CT_STAT_INSERT_FAIL), 0);
	/* fwl_ct is full: the next flow works but stays in fwl_ct_new */
	f = tf(30000);
	handshake(&f);
	CHECK_INT(entry(&f, &e), 1);
	CHECK_INT(e.tcp_state, FWL_TCP_ESTABLISHED);
	CHECK(stat(FWL_CT_STAT_INSERT_FAIL) >= 1, "insert failures counted");
	CHECK_INT(tcp_data(&f, ORIG, 1001, 5001, 1000, 10, &ct), XDP_PASS_);
	CHECK_INT(ct.state, FWL_CT_ESTABLISHED);
	/* every earlier flow is intact */
	for (i = 0; i < CT_MAX; i++) {
		f = tf((uint16_t)(20000 + i));
		if (entry(&f, &e) != 2) {
			CHECK(0, "flow %d lost", i);
			break;
		}
	}
	CHECK(i == CT_MAX, "all %d established flows kept", CT_MAX);
}

static void test_fragments_follow_flow(void)
{
	struct tflow f = { .a = IP4(10, 0, 0, 6), .b = IP4(198, 51, 100, 1),
			   .ap = 4444, .bp = 53, .proto = IPPROTO_UDP };
	struct fwl_ct ct;
	struct fwl_ct_entry e;
	struct pk p;

	reset();
	/* first fragment: ports, opens the flow */
	l3(&p, &f, ORIG, IPPROTO_UDP);
	pk_udp(&p, f.ap, f.bp);
	pk_zero(&p, 16);
	pk_finish(&p);
	pk_ip4_frag(&p, 0x77, 0, 1);
	p.b[p.l4 + 4] = 0x05;	/* the whole datagram is longer */
	pk_finish(&p);
	CHECK_INT(send_pk(&p, &ct), XDP_PASS_);
	CHECK_INT(ct.state, FWL_CT_NEW);
	CHECK_INT(entry(&f, &e), 1);
	/* a later fragment: same flow, by id */
	l3(&p, &f, ORIG, IPPROTO_UDP);
	pk_zero(&p, 40);
	pk_finish(&p);
	pk_ip4_frag(&p, 0x77, 24, 0);
	pk_finish(&p);
	CHECK_INT(send_pk(&p, &ct), XDP_PASS_);
	CHECK_INT(ct.state, FWL_CT_NEW);
	CHECK_INT(ct.key.port_lo == 53 || ct.key.port_hi == 53, 1);
	CHECK_INT(entry(&f, &e), 1);
	CHECK_INT(e.packets[ORIG], 2);
	/* a later fragment of an unknown datagram */
	pk_ip4_frag(&p, 0x78, 24, 0);
	pk_finish(&p);
	CHECK_INT(send_pk(&p, &ct), XDP_DROP_);
	CHECK_INT(ct.reason, FWL_DROP_FRAG_NO_FLOW);
}

static void test_ipv6_fragments_follow_flow(void)
{
	struct tflow f = { .v6 = 1, .a6 = { 0x20, 1, 0xd, 0xb8, [15] = 0x31 },
			   .b6 = { 0x20, 1, 0xd, 0xb8, [15] = 0x32 },
			   .ap = 5000, .bp = 53, .proto = IPPROTO_UDP };
	struct fwl_ct ct;
	struct fwl_ct_entry e;
	struct pk p;

	reset();
	/* first fragment behind a destination-options header */
	pk_init(&p);
	pk_eth(&p, ETH_P_IPV6);
	pk_ip6(&p, f.a6, f.b6, IPPROTO_DSTOPTS);
	pk_ip6_ext(&p, IPPROTO_FRAGMENT, 0);
	pk_ip6_frag(&p, IPPROTO_UDP, 0, 1, 0xabcdef01);
	pk_udp(&p, f.ap, f.bp);
	pk_zero(&p, 24);
	pk_finish(&p);
	CHECK_INT(send_pk(&p, &ct), XDP_PASS_);
	CHECK_INT(ct.state, FWL_CT_NEW);
	CHECK_INT(entry(&f, &e), 1);
	/* a later fragment: no ports in it, found by identification */
	pk_init(&p);
	pk_eth(&p, ETH_P_IPV6);
	pk_ip6(&p, f.a6, f.b6, IPPROTO_FRAGMENT);
	pk_ip6_frag(&p, IPPROTO_UDP, 32, 0, 0xabcdef01);
	pk_zero(&p, 40);
	pk_finish(&p);
	CHECK_INT(send_pk(&p, &ct), XDP_PASS_);
	CHECK_INT(ct.state, FWL_CT_NEW);
	CHECK_INT(entry(&f, &e), 1);
	CHECK_INT(e.packets[ORIG], 2);
	/* another identification: no flow */
	p.b[14 + 40 + 4 + 3] ^= 1;
	CHECK_INT(send_pk(&p, &ct), XDP_DROP_);
	CHECK_INT(ct.reason, FWL_DROP_FRAG_NO_FLOW);
}

static void test_ipv6_tcp_and_tc(void)
{
	struct tflow f = { .v6 = 1, .a6 = { 0x20, 1, 0xd, 0xb8, [15] = 1 },
			   .b6 = { 0x20, 1, 0xd, 0xb8, [15] = 2 },
			   .ap = 50000, .bp = 22, .proto = IPPROTO_TCP };
	struct fwl_ct ct;
	struct fwl_ct_entry e;
	struct h_run r;
	struct pk p;
	uint32_t z = 0;

	reset();
	handshake(&f);
	CHECK_INT(entry(&f, &e), 2);
	CHECK_INT(e.tcp_state, FWL_TCP_ESTABLISHED);
	/* the TC program shares the tables */
	tcp_seg(&p, &f, REPLY, FWL_TCP_ACK, 5001, 1001, 1000, -1, 20);
	h_tc(prog_tc, p.b, p.len, &r);
	CHECK_INT(r.err, 0);
	CHECK_INT(r.ret, 0 /* TC_ACT_OK */);
	bpf_map_lookup_elem(m_out, &z, &ct);
	CHECK_INT(ct.state, FWL_CT_ESTABLISHED);
	CHECK_INT(ct.dir, REPLY);
	tcp_seg(&p, &f, REPLY, FWL_TCP_ACK, 5001 + 10000000, 1001, 1000, -1, 0);
	h_tc(prog_tc, p.b, p.len, &r);
	CHECK_INT(r.ret, 2 /* TC_ACT_SHOT */);
}

int main(void)
{
	obj = h_open_prep("ct", prep);
	prog = h_prog(obj, "ct_xdp");
	prog_tc = h_prog(obj, "ct_tc");
	m_out = h_map(obj, "ct_out");
	m_ct = h_map(obj, "fwl_ct");
	m_new = h_map(obj, "fwl_ct_new");
	m_stat = h_map(obj, "fwl_ct_stat");
	m_cfg = h_map(obj, "fwl_config");

	RUN(test_tcp_handshake);
	RUN(test_tcp_rst_in_window_only);
	RUN(test_tcp_retransmissions_pass);
	RUN(test_tcp_simultaneous_open);
	RUN(test_tcp_stale_synack);
	RUN(test_tcp_syn_reopens_closed);
	RUN(test_tcp_invalid_flags_no_entry);
	RUN(test_tcp_window_scaling);
	RUN(test_tcp_midstream_loose_and_strict);
	RUN(test_tcp_timeouts);
	RUN(test_udp_pseudo_state);
	RUN(test_icmp_echo);
	RUN(test_icmp_error_related);
	RUN(test_syn_flood_keeps_established);
	RUN(test_full_table_policy);
	RUN(test_fragments_follow_flow);
	RUN(test_ipv6_fragments_follow_flow);
	RUN(test_ipv6_tcp_and_tc);
	bpf_object__close(obj);
	return check_done();
}
