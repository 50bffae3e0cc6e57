/* SPDX-License-Identifier: MIT */
/*
 * tests/bpf/test_parse.c - bpf/lib/parse.h through BPF_PROG_TEST_RUN.
 *
 * Well-formed packets of every supported shape are checked field by field;
 * malformed ones must be dropped with their named reason.  The truncation
 * corpus cuts each packet at every byte and checks the reason named for the
 * header the cut falls in, both with the IP length left as built (the frame
 * is short) and rewritten to match the cut (the datagram is short).
 */
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "tests/lib/check.h"
#include "tests/bpf/harness.h"
#include "tests/bpf/pktgen.h"
#define FWL_PARSE_TYPES_ONLY
#include "bpf/lib/parse.h"

static struct bpf_object *obj;
static int prog_xdp, prog_tc, map_out, map_rule, map_drop;

static const uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t b6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

/* Run the XDP parser on p; fill *out; return the XDP verdict. */
static uint32_t run(const struct pk *p, struct fwl_pkt *out)
{
	struct h_run r;
	uint32_t k = 0;

	h_xdp(prog_xdp, p->b, p->len, &r);
	CHECK(r.err == 0, "test run failed: %d", r.err);
	memset(out, 0, sizeof(*out));
	CHECK(bpf_map_lookup_elem(map_out, &k, out) == 0, "read parse_out");
	return r.ret;
}

static void ip4_tcp(struct pk *p, uint8_t flags)
{
	pk_init(p);
	pk_eth(p, ETH_P_IP);
	pk_ip4(p, IP4(10, 0, 0, 1), IP4(192, 168, 1, 2), IPPROTO_TCP);
	pk_tcp(p, 40000, 443, 1000, 2000, flags, 512);
	pk_put(p, "hello", 5);
	pk_finish(p);
}

static void test_ip4_tcp_fields(void)
{
	struct fwl_pkt k;
	struct pk p;
	uint32_t id = 7;
	uint64_t cnt[2], before[2] = { 0, 0 };

	h_percpu_sum(map_rule, &id, before, 2);
	ip4_tcp(&p, FWL_TCP_ACK | FWL_TCP_PSH);
	CHECK_INT(run(&p, &k), 2 /* XDP_PASS */);
	CHECK_INT(k.invalid, FWL_DROP_NONE);
	CHECK_INT(k.ifindex, 1);
	CHECK_INT(k.len, p.len);
	CHECK_INT(k.l3, ETH_P_IP);
	CHECK_INT(k.l4, IPPROTO_TCP);
	CHECK_INT(k.saddr[0], htonl(IP4(10, 0, 0, 1)));
	CHECK_INT(k.daddr[0], htonl(IP4(192, 168, 1, 2)));
	CHECK_INT(k.saddr[1] | k.saddr[2] | k.saddr[3], 0);
	CHECK_INT(k.sport, 40000);
	CHECK_INT(k.dport, 443);
	CHECK_INT(k.tcp_flags, FWL_TCP_ACK | FWL_TCP_PSH);
	CHECK_INT(k.tcp_seq, 1000);
	CHECK_INT(k.tcp_ack, 2000);
	CHECK_INT(k.tcp_win, 512);
	CHECK_INT(k.tcp_wscale, FWL_WSCALE_NONE);
	CHECK_INT(k.l3_off, 14);
	CHECK_INT(k.l4_off, 34);
	CHECK_INT(k.payload_off, 54);
	CHECK_INT(k.payload_len, 5);
	CHECK_INT(k.ip_end, p.len);
	CHECK_INT(k.ttl, 64);
	CHECK_INT(k.frag, 0);
	CHECK_INT(k.vlan_depth, 0);
	CHECK_INT(k.smac[5], 1);
	CHECK_INT(k.dmac[5], 2);
	CHECK(h_percpu_sum(map_rule, &id, cnt, 2) == 0, "rule counter exists");
	CHECK_INT(cnt[0], before[0] + 1);
	CHECK_INT(cnt[1], before[1] + p.len);
}

static void test_tc_same_fields(void)
{
	struct fwl_pkt k;
	struct h_run r;
	struct pk p;
	uint32_t z = 0;

	ip4_tcp(&p, FWL_TCP_SYN);
	h_tc(prog_tc, p.b, p.len, &r);
	CHECK_INT(r.err, 0);
	CHECK_INT(r.ret, 0 /* TC_ACT_OK */);
	CHECK(bpf_map_lookup_elem(map_out, &z, &k) == 0, "read parse_out");
	CHECK_INT(k.l4, IPPROTO_TCP);
	CHECK_INT(k.sport, 40000);
	CHECK_INT(k.dport, 443);
	CHECK_INT(k.len, p.len);
	p.b[14] = 0x35;		/* IHL 5, version 3 */
	h_tc(prog_tc, p.b, p.len, &r);
	CHECK_INT(r.ret, 2 /* TC_ACT_SHOT */);
	CHECK(bpf_map_lookup_elem(map_out, &z, &k) == 0, "read parse_out");
	CHECK_INT(k.invalid, FWL_DROP_IP4_VERSION);
}

static void test_ip4_udp_icmp(void)
{
	struct fwl_pkt k;
	struct pk p;

	pk_init(&p);
	pk_eth(&p, ETH_P_IP);
	pk_ip4(&p, IP4(1, 2, 3, 4), IP4(5, 6, 7, 8), IPPROTO_UDP);
	pk_udp(&p, 53, 5353);
	pk_zero(&p, 12);
	pk_finish(&p);
	CHECK_INT(run(&p, &k), 2);
	CHECK_INT(k.l4, IPPROTO_UDP);
	CHECK_INT(k.sport, 53);
	CHECK_INT(k.dport, 5353);
	CHECK_INT(k.payload_off, 42);
	CHECK_INT(k.payload_len, 12);

	pk_init(&p);
	pk_eth(&p, ETH_P_IP);
	pk_ip4(&p, IP4(1, 2, 3, 4), IP4(5, 6, 7, 8), IPPROTO_ICMP);
	pk_icmp(&p, 8, 0, 0xbeef, 1);
	pk_finish(&p);
	CHECK_INT(run(&p, &k), 2);
	CHECK_INT(k.l4, IPPROTO_ICMP);
	CHECK_INT(k.icmp_type, 8);
	CHECK_INT(k.icmp_code, 0);
	CHECK_INT(k.icmp_id, 0xbeef);
	CHECK_INT(k.sport | k.dport, 0);
}

static void test_ethernet_padding(void)
{
	struct fwl_pkt k;
	struct pk p;

	/* A 42-byte UDP frame padded to the 60-byte Ethernet minimum. */
	pk_init(&p);
	pk_eth(&p, ETH_P_IP);
	pk_ip4(&p, IP4(1, 2, 3, 4), IP4(5, 6, 7, 8), IPPROTO_UDP);
	pk_udp(&p, 1, 2);
	pk_finish(&p);
	pk_zero(&p, 18);
	CHECK_INT(run(&p, &k), 2);
	CHECK_INT(k.invalid, 0);
	CHECK_INT(k.ip_end, 42);
	CHECK_INT(k.payload_len, 0);
	CHECK_INT(k.len, 60);
}

static void test_vlan(void)
{
	struct fwl_pkt k;
	struct pk p;

	pk_init(&p);
	pk_eth(&p, ETH_P_8021Q);
	pk_vlan(&p, 100, ETH_P_IP);
	pk_ip4(&p, IP4(1, 2, 3, 4), IP4(5, 6, 7, 8), IPPROTO_UDP);
	pk_udp(&p, 1000, 2000);
	pk_finish(&p);
	CHECK_INT(run(&p, &k), 2);
	CHECK_INT(k.vlan_depth, 1);
	CHECK_INT(k.vlan[0], 100);
	CHECK_INT(k.l3, ETH_P_IP);
	CHECK_INT(k.l3_off, 18);
	CHECK_INT(k.dport, 2000);

	pk_init(&p);
	pk_eth(&p, 0x88a8);
	pk_vlan(&p, 10, ETH_P_8021Q);
	pk_vlan(&p, 4000, ETH_P_IPV6);
	pk_ip6(&p, a6, b6, IPPROTO_UDP);
	pk_udp(&p, 1000, 2000);
	pk_finish(&p);
	CHECK_INT(run(&p, &k), 2);
	CHECK_INT(k.vlan_depth, 2);
	CHECK_INT(k.vlan[0], 10);
	CHECK_INT(k.vlan[1], 4000);
	CHECK_INT(k.l3, ETH_P_IPV6);
	CHECK_INT(k.l3_off, 22);
	CHECK_INT(k.sport, 1000);

	pk_init(&p);
	pk_eth(&p, 0x88a8);
	pk_vlan(&p, 10, ETH_P_8021Q);
	pk_vlan(&p, 11, ETH_P_8021Q);
	pk_vlan(&p, 12, ETH_P_IP);
	pk_ip4(&p, IP4(1, 2, 3, 4), IP4(5, 6, 7, 8), IPPROTO_UDP);
	pk_udp(&p, 1000, 2000);
	pk_finish(&p);
	CHECK_INT(run(&p, &k), 1 /* XDP_DROP */);
	CHECK_INT(k.invalid, FWL_DROP_VLAN_DEPTH);
}

static void test_non_ip(void)
{
	struct fwl_pkt k;
	struct pk p;

	pk_init(&p);
	pk_eth(&p, ETH_P_ARP);
	pk_zero(&p, 28);
	CHECK_INT(run(&p, &k), 2);
	CHECK_INT(k.invalid, 0);
	CHECK_INT(k.l3, ETH_P_ARP);
	CHECK_INT(k.l4, 0);
}

static void test_ip4_header_checks(void)
{
	struct fwl_pkt k;
	struct pk p;

	/* options: IHL 7 */
	pk_init(&p);
	pk_eth(&p, ETH_P_IP);
	pk_ip4_opt(&p, IP4(1, 2, 3, 4), IP4(5, 6, 7, 8), IPPROTO_UDP, 8);
	pk_udp(&p, 7, 9);
	pk_finish(&p);
	CHECK_INT(run(&p, &k), 2);
	CHECK_INT(k.l4_off, 14 + 28);
	CHECK_INT(k.flags & FWL_PKT_F_IP4_OPTS, FWL_PKT_F_IP4_OPTS);
	CHECK_INT(k.dport, 9);

	ip4_tcp(&p, FWL_TCP_ACK);
	p.b[14] = 0x44;		/* IHL 4 */
	CHECK_INT(run(&p, &k), 1);
	CHECK_INT(k.invalid, FWL_DROP_IP4_IHL);

	ip4_tcp(&p, FWL_TCP_ACK);
	p.b[16] = 0; p.b[17] = 19;	/* total length < IHL*4 */
	CHECK_INT(run(&p, &k), 1);
	CHECK_INT(k.invalid, FWL_DROP_IP4_IHL);

	ip4_tcp(&p, FWL_TCP_ACK);
	p.b[16] = 0; p.b[17] = (uint8_t)(p.len - 14 + 1);	/* one too long */
	CHECK_INT(run(&p, &k), 1);
	CHECK_INT(k.invalid, FWL_DROP_IP4_LEN);

	ip4_tcp(&p, FWL_TCP_ACK);
	p.b[14] = 0x65;		/* version 6 in an IPv4 ethertype */
	CHECK_INT(run(&p, &k), 1);
	CHECK_INT(k.invalid, FWL_DROP_IP4_VERSION);

	ip4_tcp(&p, FWL_TCP_ACK);
	p.b[14] = 0x4f;		/* IHL 15 = 60 bytes > total length 45 */
	CHECK_INT(run(&p, &k), 1);
	CHECK_INT(k.invalid, FWL_DROP_IP4_IHL);
}

static void test_tcp_header_checks(void)
{
	static const uint8_t ws[] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 7 };
	static const uint8_t ws_big[] = { 1, 1, 3, 3, 20, 0, 0, 0 };
	struct fwl_pkt k;
	struct pk p;

	ip4_tcp(&p, FWL_TCP_ACK);
	p.b[34 + 12] = 4 << 4;	/* doff 4 */
	CHECK_INT(run(&p, &k), 1);
	CHECK_INT(k.invalid, FWL_DROP_TCP_DOFF);

	ip4_tcp(&p, FWL_TCP_ACK);
	p.b[34 + 12] = 7 << 4;	/* 28 bytes > 25-byte segment */
	CHECK_INT(run(&p, &k), 1);
	CHECK_INT(k.invalid, FWL_DROP_TCP_DOFF);

	pk_init(&p);
	pk_eth(&p, ETH_P_IP);
	pk_ip4(&p, IP4(1, 2, 3, 4), IP4(5, 6, 7, 8), IPPROTO_TCP);
	pk_tcp_opt(&p, 1, 2, 0, 0, FWL_TCP_SYN, 100, ws, sizeof(ws));
	pk_finish(&p);
	CHECK_INT(run(&p, &k), 2);
	CHECK_INT(k.tcp_wscale, 7);
	CHECK_INT(k.payload_off, 34 + 28);

	pk_init(&p);
	pk_eth(&p, ETH_P_IP);
	pk_ip4(&p, IP4(1, 2, 3, 4), IP4(5, 6, 7, 8), IPPROTO_TCP);
	pk_tcp_opt(&p, 1, 2, 0, 0, FWL_TCP_SYN, 100, ws_big, sizeof(ws_big));
	pk_finish(&p);
	CHECK_INT(run(&p, &k), 2);
	CHECK_INT(k.tcp_wscale, 14);	/* RFC 7323: clamp to 14 */

	/* The option on a non-SYN segment is not looked at. */
	pk_init(&p);
	pk_eth(&p, ETH_P_IP);
	pk_ip4(&p, IP4(1, 2, 3, 4), IP4(5, 6, 7, 8), IPPROTO_TCP);
	pk_tcp_opt(&p, 1, 2, 0, 0, FWL_TCP_ACK, 100, ws, sizeof(ws));
	pk_finish(&p);
	CHECK_INT(run(&p, &k), 2);
	CHECK_INT(k.tcp_wscale, FWL_WSCALE_NONE);
}

static void test_udp_length(void)
{
	struct fwl_pkt k;
	struct pk p;

	pk_init(&p);
	pk_eth(&p, ETH_P_IP);
	pk_ip4(&p, IP4(1, 2, 3, 4), IP4(5, 6, 7, 8), IPPROTO_UDP);
	pk_udp(&p, 1, 2);
	pk_zero(&p, 4);
	pk_finish(&p);
	p.b[34 + 5] = 7;	/* length 7 < 8 */
	CHECK_INT(run(&p, &k), 1);
	CHECK_INT(k.invalid, FWL_DROP_UDP_LEN);
	p.b[34 + 5] = 13;	/* beyond the 12-byte datagram */
	CHECK_INT(run(&p, &k), 1);
	CHECK_INT(k.invalid, FWL_DROP_UDP_LEN);
	p.b[34 + 5] = 12;
	CHECK_INT(run(&p, &k), 2);
	CHECK_INT(k.invalid, 0);
}

static void test_ip4_fragments(void)
{
	struct fwl_pkt k;
	struct pk p;

	/* First fragment: ports parsed, UDP length may exceed the fragment. */
	pk_init(&p);
	pk_eth(&p, ETH_P_IP);
	pk_ip4(&p, IP4(1, 2, 3, 4), IP4(5, 6, 7, 8), IPPROTO_UDP);
	pk_udp(&p, 1111, 2222);
	pk_zero(&p, 16);
	pk_finish(&p);
	pk_ip4_frag(&p, 0x4242, 0, 1);
	p.b[34 + 4] = 0x10;	/* UDP length 4096: the whole datagram */
	pk_finish(&p);
	CHECK_INT(run(&p, &k), 2);
	CHECK_INT(k.frag, FWL_FRAG_IS | FWL_FRAG_FIRST | FWL_FRAG_MORE);
	CHECK_INT(k.frag_id, 0x4242);
	CHECK_INT(k.sport, 1111);

	/* Later fragment whose data looks like a UDP header: no ports. */
	pk_ip4_frag(&p, 0x4242, 24, 0);
	pk_finish(&p);
	CHECK_INT(run(&p, &k), 2);
	CHECK_INT(k.frag, FWL_FRAG_IS | FWL_FRAG_LATER);
	CHECK_INT(k.frag_off, 24);
	CHECK_INT(k.frag_id, 0x4242);
	CHECK_INT(k.l4, IPPROTO_UDP);
	CHECK_INT(k.sport | k.dport, 0);
	CHECK_INT(k.l4_off, 34);
	CHECK_INT(k.payload_off, 34);

	/* A later fragment too short for any header is still valid. */
	pk_init(&p);
	pk_eth(&p, ETH_P_IP);
	pk_ip4(&p, IP4(1, 2, 3, 4), IP4(5, 6, 7, 8), IPPROTO_TCP);
	pk_zero(&p, 3);
	pk_finish(&p);
	pk_ip4_frag(&p, 9, 8, 0);
	pk_finish(&p);
	CHECK_INT(run(&p, &k), 2);
	CHECK_INT(k.frag & FWL_FRAG_LATER, FWL_FRAG_LATER);

	/* Offset + length past 65535. */
	pk_init(&p);
	pk_eth(&p, ETH_P_IP);
	pk_ip4(&p, IP4(1, 2, 3, 4), IP4(5, 6, 7, 8), IPPROTO_TCP);
	pk_zero(&p, 15);
	pk_finish(&p);
	pk_ip4_frag(&p, 9, 65520, 0);
	pk_finish(&p);
	CHECK_INT(run(&p, &k), 2);	/* ends at 65535 exactly */
	pk_zero(&p, 1);
	pk_ip4_frag(&p, 9, 65520, 0);
	pk_finish(&p);
	pk_finish(&p);
	CHECK_INT(run(&p, &k), 1);
	CHECK_INT(k.invalid, FWL_DROP_IP4_FRAG);

	/* A first fragment cut inside the TCP header (tiny fragment). */
	pk_init(&p);
	pk_eth(&p, ETH_P_IP);
	pk_ip4(&p, IP4(1, 2, 3, 4), IP4(5, 6, 7, 8), IPPROTO_TCP);
	pk_zero(&p, 8);
	pk_finish(&p);
	pk_ip4_frag(&p, 9, 0, 1);
	pk_finish(&p);
	CHECK_INT(run(&p, &k), 1);
	CHECK_INT(k.invalid, FWL_DROP_TCP_TRUNC);
}

static void test_ip6_basic(void)
{
	struct fwl_pkt k;
	struct pk p;

	pk_init(&p);
	pk_eth(&p, ETH_P_IPV6);
	pk_ip6(&p, a6, b6, IPPROTO_TCP);
	pk_tcp(&p, 5000, 22, 1, 0, FWL_TCP_SYN, 1000);
	pk_finish(&p);
	CHECK_INT(run(&p, &k), 2);
	CHECK_INT(k.l3, ETH_P_IPV6);
	CHECK_INT(k.l4, IPPROTO_TCP);
	CHECK(memcmp(k.saddr, a6, 16) == 0, "saddr");
	CHECK(memcmp(k.daddr, b6, 16) == 0, "daddr");
	CHECK_INT(k.l4_off, 54);
	CHECK_INT(k.dport, 22);
	CHECK_INT(k.ttl, 64);
	CHECK_INT(k.ext_count, 0);

	pk_init(&p);
	pk_eth(&p, ETH_P_IPV6);
	pk_ip6(&p, a6, b6, IPPROTO_ICMPV6);
	pk_icmp(&p, 128, 0, 77, 1);
	pk_finish(&p);
	CHECK_INT(run(&p, &k), 2);
	CHECK_INT(k.l4, IPPROTO_ICMPV6);
	CHECK_INT(k.icmp_type, 128);
	CHECK_INT(k.icmp_id, 77);

	pk_init(&p);
	pk_eth(&p, ETH_P_IPV6);
	pk_ip6(&p, a6, b6, IPPROTO_TCP);
	pk_tcp(&p, 5000, 22, 1, 0, FWL_TCP_SYN, 1000);
	pk_finish(&p);
	p.b[14] = 0x40;		/* version 4 in an IPv6 ethertype */
	CHECK_INT(run(&p, &k), 1);
	CHECK_INT(k.invalid, FWL_DROP_IP6_VERSION);

	pk_init(&p);
	pk_eth(&p, ETH_P_IPV6);
	pk_ip6(&p, a6, b6, IPPROTO_TCP);
	pk_tcp(&p, 5000, 22, 1, 0, FWL_TCP_SYN, 1000);
	pk_finish(&p);
	p.b[19] += 1;		/* payload length one beyond the frame */
	CHECK_INT(run(&p, &k), 1);
	CHECK_INT(k.invalid, FWL_DROP_IP6_LEN);
}

static void test_ip6_ext_chain(void)
{
	struct fwl_pkt k;
	struct pk p;
	int i;

	/* HBH (8) + DSTOPTS (16) + ROUTING (8) + FRAG (8, first) + UDP */
	pk_init(&p);
	pk_eth(&p, ETH_P_IPV6);
	pk_ip6(&p, a6, b6, IPPROTO_HOPOPTS);
	pk_ip6_ext(&p, IPPROTO_DSTOPTS, 0);
	pk_ip6_ext(&p, IPPROTO_ROUTING, 1);
	pk_ip6_ext(&p, IPPROTO_FRAGMENT, 0);
	pk_ip6_frag(&p, IPPROTO_UDP, 0, 1, 0xdeadbeef);
	pk_udp(&p, 4000, 4001);
	pk_zero(&p, 8);
	pk_finish(&p);
	CHECK_INT(run(&p, &k), 2);
	CHECK_INT(k.invalid, 0);
	CHECK_INT(k.ext_count, 4);
	CHECK_INT(k.l4, IPPROTO_UDP);
	CHECK_INT(k.l4_off, 54 + 40);
	CHECK_INT(k.sport, 4000);
	CHECK_INT(k.frag, FWL_FRAG_IS | FWL_FRAG_FIRST | FWL_FRAG_MORE);
	CHECK_INT(k.frag_id, 0xdeadbeef);
	CHECK_INT(k.flags & (FWL_PKT_F_IP6_EXT | FWL_PKT_F_IP6_RH),
		  FWL_PKT_F_IP6_EXT | FWL_PKT_F_IP6_RH);

	/* Non-first fragment: no ports, fragment id kept. */
	pk_init(&p);
	pk_eth(&p, ETH_P_IPV6);
	pk_ip6(&p, a6, b6, IPPROTO_DSTOPTS);
	pk_ip6_ext(&p, IPPROTO_FRAGMENT, 0);
	pk_ip6_frag(&p, IPPROTO_TCP, 1232, 0, 0x01020304);
	pk_tcp(&p, 1, 2, 0, 0, FWL_TCP_SYN, 0);	/* bytes only */
	pk_finish(&p);
	CHECK_INT(run(&p, &k), 2);
	CHECK_INT(k.frag, FWL_FRAG_IS | FWL_FRAG_LATER);
	CHECK_INT(k.frag_off, 1232);
	CHECK_INT(k.frag_id, 0x01020304);
	CHECK_INT(k.l4, IPPROTO_TCP);
	CHECK_INT(k.sport | k.dport | k.tcp_flags, 0);

	/* HBH after another extension header. */
	pk_init(&p);
	pk_eth(&p, ETH_P_IPV6);
	pk_ip6(&p, a6, b6, IPPROTO_DSTOPTS);
	pk_ip6_ext(&p, IPPROTO_HOPOPTS, 0);
	pk_ip6_ext(&p, IPPROTO_UDP, 0);
	pk_udp(&p, 1, 2);
	pk_finish(&p);
	CHECK_INT(run(&p, &k), 1);
	CHECK_INT(k.invalid, FWL_DROP_IP6_HBH_ORDER);

	/* FWL_IP6_EXT_MAX headers pass, one more is too long a chain. */
	for (i = FWL_IP6_EXT_MAX; i <= FWL_IP6_EXT_MAX + 1; i++) {
		int j;

		pk_init(&p);
		pk_eth(&p, ETH_P_IPV6);
		pk_ip6(&p, a6, b6, IPPROTO_DSTOPTS);
		for (j = 0; j < i; j++)
			pk_ip6_ext(&p, j == i - 1 ? IPPROTO_UDP : IPPROTO_DSTOPTS, 0);
		pk_udp(&p, 1, 2);
		pk_finish(&p);
		if (i == FWL_IP6_EXT_MAX) {
			CHECK_INT(run(&p, &k), 2);
			CHECK_INT(k.ext_count, i);
			CHECK_INT(k.dport, 2);
		} else {
			CHECK_INT(run(&p, &k), 1);
			CHECK_INT(k.invalid, FWL_DROP_IP6_EXT_DEPTH);
		}
	}

	/* An extension header whose length runs past the datagram. */
	pk_init(&p);
	pk_eth(&p, ETH_P_IPV6);
	pk_ip6(&p, a6, b6, IPPROTO_DSTOPTS);
	pk_ip6_ext(&p, IPPROTO_UDP, 0);
	pk_udp(&p, 1, 2);
	pk_finish(&p);
	p.b[54 + 1] = 2;	/* 24 bytes, only 16 left */
	CHECK_INT(run(&p, &k), 1);
	CHECK_INT(k.invalid, FWL_DROP_IP6_EXT_TRUNC);

	/* Headers that end beyond the parse window. */
	pk_init(&p);
	pk_eth(&p, ETH_P_IPV6);
	pk_ip6(&p, a6, b6, IPPROTO_DSTOPTS);
	pk_ip6_ext(&p, IPPROTO_DSTOPTS, 255);	/* 2048 bytes */
	pk_ip6_ext(&p, IPPROTO_UDP, 0);
	pk_udp(&p, 1, 2);
	pk_finish(&p);
	CHECK_INT(run(&p, &k), 1);
	CHECK_INT(k.invalid, FWL_DROP_HDR_TOO_DEEP);
}

/*
 * Truncation corpus.  Each shape is built whole, then cut to every length
 * from ETH_HLEN to whole-1.  `seg` lists where headers end and the reason
 * a cut before that end must give.
 */
struct seg {
	size_t end;
	int reason_frame;	/* IP length left as built: frame short */
	int reason_dgram;	/* IP length rewritten to the cut */
};

struct shape {
	const char *name;
	void (*build)(struct pk *p);
	struct seg seg[8];
};

static void sh_ip4_tcp(struct pk *p)
{
	static const uint8_t ws[] = { 1, 3, 3, 7 };

	pk_init(p);
	pk_eth(p, ETH_P_IP);
	pk_ip4_opt(p, IP4(1, 2, 3, 4), IP4(5, 6, 7, 8), IPPROTO_TCP, 4);
	pk_tcp_opt(p, 1, 2, 3, 4, FWL_TCP_SYN, 5, ws, sizeof(ws));
	pk_finish(p);
}

static void sh_vlan_ip4_udp(struct pk *p)
{
	pk_init(p);
	pk_eth(p, ETH_P_8021Q);
	pk_vlan(p, 5, ETH_P_IP);
	pk_ip4(p, IP4(1, 2, 3, 4), IP4(5, 6, 7, 8), IPPROTO_UDP);
	pk_udp(p, 1, 2);
	pk_finish(p);
}

static void sh_ip4_icmp(struct pk *p)
{
	pk_init(p);
	pk_eth(p, ETH_P_IP);
	pk_ip4(p, IP4(1, 2, 3, 4), IP4(5, 6, 7, 8), IPPROTO_ICMP);
	pk_icmp(p, 8, 0, 1, 1);
	pk_finish(p);
}

static void sh_qinq_ip6_ext_tcp(struct pk *p)
{
	pk_init(p);
	pk_eth(p, 0x88a8);
	pk_vlan(p, 5, ETH_P_8021Q);
	pk_vlan(p, 6, ETH_P_IPV6);
	pk_ip6(p, a6, b6, IPPROTO_HOPOPTS);
	pk_ip6_ext(p, IPPROTO_FRAGMENT, 1);
	pk_ip6_frag(p, IPPROTO_TCP, 0, 1, 5);
	pk_tcp(p, 1, 2, 3, 4, FWL_TCP_ACK, 5);
	pk_finish(p);
}

static void sh_ip6_icmp6(struct pk *p)
{
	pk_init(p);
	pk_eth(p, ETH_P_IPV6);
	pk_ip6(p, a6, b6, IPPROTO_ICMPV6);
	pk_icmp(p, 128, 0, 1, 1);
	pk_finish(p);
}

static const struct shape shapes[] = {
	{ "ip4_opts_tcp_opts", sh_ip4_tcp, {
		{ 14 + 20, FWL_DROP_IP4_TRUNC, FWL_DROP_IP4_TRUNC },
		{ 14 + 24, FWL_DROP_IP4_TRUNC, FWL_DROP_IP4_IHL },
		{ 38 + 20, FWL_DROP_IP4_LEN, FWL_DROP_TCP_TRUNC },
		{ 38 + 24, FWL_DROP_IP4_LEN, FWL_DROP_TCP_DOFF } } },
	{ "vlan_ip4_udp", sh_vlan_ip4_udp, {
		{ 18, FWL_DROP_VLAN_TRUNC, FWL_DROP_VLAN_TRUNC },
		{ 18 + 20, FWL_DROP_IP4_TRUNC, FWL_DROP_IP4_TRUNC },
		{ 38 + 8, FWL_DROP_IP4_LEN, FWL_DROP_UDP_TRUNC } } },
	{ "ip4_icmp", sh_ip4_icmp, {
		{ 14 + 20, FWL_DROP_IP4_TRUNC, FWL_DROP_IP4_TRUNC },
		{ 34 + 8, FWL_DROP_IP4_LEN, FWL_DROP_ICMP_TRUNC } } },
	{ "qinq_ip6_hbh_frag_tcp", sh_qinq_ip6_ext_tcp, {
		{ 18, FWL_DROP_VLAN_TRUNC, FWL_DROP_VLAN_TRUNC },
		{ 22, FWL_DROP_VLAN_TRUNC, FWL_DROP_VLAN_TRUNC },
		{ 22 + 40, FWL_DROP_IP6_TRUNC, FWL_DROP_IP6_TRUNC },
		{ 62 + 16, FWL_DROP_IP6_LEN, FWL_DROP_IP6_EXT_TRUNC },
		{ 78 + 8, FWL_DROP_IP6_LEN, FWL_DROP_IP6_EXT_TRUNC },
		{ 86 + 20, FWL_DROP_IP6_LEN, FWL_DROP_TCP_TRUNC } } },
	{ "ip6_icmp6", sh_ip6_icmp6, {
		{ 14 + 40, FWL_DROP_IP6_TRUNC, FWL_DROP_IP6_TRUNC },
		{ 54 + 8, FWL_DROP_IP6_LEN, FWL_DROP_ICMP6_TRUNC } } },
};

/* Rewrite the IP length fields of p (cut to n) to match the cut. */
static void fix_ip_len(struct pk *p, size_t n)
{
	if (n < p->l3 + (p->l3v == 4 ? 20 : 40))
		return;
	if (p->l3v == 4) {
		p->b[p->l3 + 2] = (uint8_t)((n - p->l3) >> 8);
		p->b[p->l3 + 3] = (uint8_t)(n - p->l3);
	} else {
		p->b[p->l3 + 4] = (uint8_t)((n - p->l3 - 40) >> 8);
		p->b[p->l3 + 5] = (uint8_t)(n - p->l3 - 40);
	}
}

static void test_truncation_corpus(void)
{
	size_t s, n, i;

	for (s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
		const struct shape *sh = &shapes[s];
		struct pk whole, p;
		struct fwl_pkt k;
		int mode, bad = 0;

		sh->build(&whole);
		CHECK_INT(run(&whole, &k), 2);
		CHECK(k.invalid == 0, "%s whole: reason %d", sh->name,
		      k.invalid);
		for (n = ETH_HLEN; n < whole.len; n++) {
			for (mode = 0; mode < 2; mode++) {
				int want = -1;

				for (i = 0; i < 8 && sh->seg[i].end; i++)
					if (n < sh->seg[i].end) {
						want = mode ? sh->seg[i].reason_dgram :
							      sh->seg[i].reason_frame;
						break;
					}
				p = whole;
				p.len = n;
				if (mode)
					fix_ip_len(&p, n);
				if (run(&p, &k) != 1 || k.invalid != want) {
					if (bad++ < 5)
						CHECK(0, "%s cut at %zu (%s): reason %d, want %d",
						      sh->name, n, mode ? "dgram" : "frame",
						      k.invalid, want);
				}
			}
		}
		CHECK(bad == 0, "%s: %d bad cuts", sh->name, bad);
	}
}

static void test_short_frames(void)
{
	struct h_run r;
	uint8_t b[14] = { 0 };
	size_t n;

	/* The kernel refuses XDP test input shorter than an Ethernet
	 * header; the parser's ETH_TRUNC path is reached via TC. */
	for (n = 0; n < ETH_HLEN; n++) {
		h_xdp(prog_xdp, b, n, &r);
		CHECK(r.err != 0 || r.ret == 1, "len %zu: err %d ret %u", n,
		      r.err, r.ret);
	}
}

static void test_drop_counters(void)
{
	uint64_t before[2] = { 0, 0 }, after[2];
	uint32_t reason = FWL_DROP_TCP_DOFF;
	struct fwl_pkt k;
	struct pk p;

	h_percpu_sum(map_drop, &reason, before, 2);
	ip4_tcp(&p, FWL_TCP_ACK);
	p.b[34 + 12] = 2 << 4;
	CHECK_INT(run(&p, &k), 1);
	CHECK(h_percpu_sum(map_drop, &reason, after, 2) == 0, "read drop cnt");
	CHECK_INT(after[0], before[0] + 1);
	CHECK_INT(after[1], before[1] + p.len);
}

int main(void)
{
	obj = h_open("parse");
	prog_xdp = h_prog(obj, "parse_xdp");
	prog_tc = h_prog(obj, "parse_tc");
	map_out = h_map(obj, "parse_out");
	map_rule = h_map(obj, "fwl_rule_cnt");
	map_drop = h_map(obj, "fwl_drop_cnt");

	RUN(test_ip4_tcp_fields);
	RUN(test_tc_same_fields);
	RUN(test_ip4_udp_icmp);
	RUN(test_ethernet_padding);
	RUN(test_vlan);
	RUN(test_non_ip);
	RUN(test_ip4_header_checks);
	RUN(test_tcp_header_checks);
	RUN(test_udp_length);
	RUN(test_ip4_fragments);
	RUN(test_ip6_basic);
	RUN(test_ip6_ext_chain);
	RUN(test_truncation_corpus);
	RUN(test_short_frames);
	RUN(test_drop_counters);
	bpf_object__close(obj);
	return check_done();
}
