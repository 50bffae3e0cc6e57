// SPDX-License-Identifier: MIT
/*
 * pkt_test.c - the interpreter's packet builder and parser: bytes on the
 * wire (offsets, lengths), checksums that verify independently, round
 * trips, and malformed input classified with a reason, never read past
 * its end.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "fwlc/pkt.h"
#include "tests/lib/check.h"

static uint8_t buf[PKT_MAX];

static void v4(PktAddr *a, const char *s)
{
	a->family = 4;
	memset(a->a, 0, 16);
	inet_pton(AF_INET, s, a->a);
}

static void v6(PktAddr *a, const char *s)
{
	a->family = 6;
	inet_pton(AF_INET6, s, a->a);
}

/* Independent one's-complement sum, bytewise. */
static uint16_t sum16(const uint8_t *p, size_t n, uint32_t acc)
{
	for (size_t i = 0; i < n; i++)
		acc += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

static Pkt *tcp4(void)
{
	static Pkt p;
	pkt_init(&p);
	p.l3 = 4;
	v4(&p.src, "10.17.1.5");
	v4(&p.dst, "198.51.100.7");
	p.l4 = true;
	p.proto = PROTO_TCP;
	p.sport = 42000;
	p.dport = 80;
	p.seq = 1000;
	p.flags = TCPF_SYN;
	memcpy(p.payload, "hello", 5);
	p.paylen = 5;
	return &p;
}

static void test_tcp4_bytes(void)
{
	Pkt *p = tcp4();
	size_t n = pkt_build(p, buf, sizeof buf);
	CHECK_INT(n, 14 + 20 + 20 + 5);
	CHECK_INT(buf[12] << 8 | buf[13], 0x0800);
	CHECK_INT(buf[14], 0x45);
	CHECK_INT(buf[16] << 8 | buf[17], 45);	/* total length */
	CHECK_INT(buf[23], 6);
	/* IPv4 header checksum verifies to 0xffff */
	CHECK_INT(sum16(buf + 14, 20, 0), 0xffff);
	/* TCP checksum over the pseudo-header */
	uint32_t ph = 0;
	ph += (uint32_t)sum16(buf + 26, 8, 0);
	ph += 6 + 25;
	CHECK_INT(sum16(buf + 34, 25, ph), 0xffff);
	CHECK_INT(buf[34] << 8 | buf[35], 42000);
	CHECK_INT(buf[47], TCPF_SYN);
	CHECK(memcmp(buf + 54, "hello", 5) == 0, "payload");
}

static void test_udp6_ext_roundtrip(void)
{
	static Pkt p, q;
	pkt_init(&p);
	p.l3 = 6;
	v6(&p.src, "fd12:3456::5");
	v6(&p.dst, "2001:db8::1");
	p.ext[0].type = 0;
	p.ext[0].len = 8;
	p.ext[1].type = 60;
	p.ext[1].len = 16;
	p.next = 2;
	p.l4 = true;
	p.proto = PROTO_UDP;
	p.sport = 5353;
	p.dport = 53;
	p.paylen = 12;
	size_t n = pkt_build(&p, buf, sizeof buf);
	CHECK_INT(n, 14 + 40 + 8 + 16 + 8 + 12);
	CHECK_INT(buf[20], 0);		/* next header: hop-by-hop */
	pkt_parse(buf, n, &q);
	CHECK(q.invalid == NULL, "invalid: %s", q.invalid);
	CHECK_INT(q.l3, 6);
	CHECK_INT(q.next, 2);
	CHECK_INT(q.proto, PROTO_UDP);
	CHECK_INT(q.sport, 5353);
	CHECK_INT(q.dport, 53);
	CHECK_INT(q.udp_len, 20);
	CHECK_INT(q.paylen, 12);
	/* UDP checksum with the IPv6 pseudo-header */
	const uint8_t *u = buf + 14 + 40 + 24;
	uint32_t ph = sum16(buf + 22, 32, 0);
	ph += 17 + 20;
	CHECK_INT(sum16(u, 20, ph), 0xffff);
}

static void test_vlan_qinq(void)
{
	static Pkt q;
	Pkt *p = tcp4();
	p->nvlan = 2;
	p->vlan_tci[0] = 100;
	p->vlan_tci[1] = 20;
	size_t n = pkt_build(p, buf, sizeof buf);
	CHECK_INT(buf[12] << 8 | buf[13], 0x88a8);
	CHECK_INT(buf[16] << 8 | buf[17], 0x8100);
	pkt_parse(buf, n, &q);
	CHECK(q.invalid == NULL, "invalid");
	CHECK_INT(q.nvlan, 2);
	CHECK_INT(q.vlan_tci[1] & 0xfff, 20);
	CHECK_INT(q.dport, 80);
}

static void test_truncated_everywhere(void)
{
	static Pkt q;
	Pkt *p = tcp4();
	size_t n = pkt_build(p, buf, sizeof buf);
	int invalid = 0;
	for (size_t k = 0; k < n; k++) {
		/* a heap copy of exactly k bytes: ASan catches over-reads */
		uint8_t *c = malloc(k ? k : 1);
		memcpy(c, buf, k);
		pkt_parse(c, k, &q);
		invalid += q.invalid != NULL;
		free(c);
	}
	/* every cut inside the headers or the IP length is malformed */
	CHECK_INT(invalid, (int)n);
}

static void test_bad_lengths(void)
{
	static Pkt q;
	Pkt *p = tcp4();
	size_t n = pkt_build(p, buf, sizeof buf);
	buf[14] = 0x44;		/* IHL 4 */
	pkt_parse(buf, n, &q);
	CHECK_STR(q.invalid, "ipv4-bad-header");
	pkt_build(p, buf, sizeof buf);
	buf[46] = 0x30;		/* TCP data offset 3 */
	pkt_parse(buf, n, &q);
	CHECK_STR(q.invalid, "tcp-bad-doff");
	pkt_build(p, buf, sizeof buf);
	buf[17] = 200;		/* IP total length beyond the frame */
	pkt_parse(buf, n, &q);
	CHECK_STR(q.invalid, "ipv4-bad-length");
}

static void test_long_ext_chain(void)
{
	static Pkt p, q;
	pkt_init(&p);
	p.l3 = 6;
	v6(&p.src, "2001:db8::1");
	v6(&p.dst, "2001:db8::2");
	p.next = PKT_MAX_EXT;
	for (int i = 0; i < PKT_MAX_EXT; i++) {
		p.ext[i].type = 60;
		p.ext[i].len = 8;
	}
	p.l4 = true;
	p.proto = PROTO_TCP;
	size_t n = pkt_build(&p, buf, sizeof buf);
	pkt_parse(buf, n, &q);
	CHECK(q.invalid == NULL, "a chain of %d is fine", PKT_MAX_EXT);
	/* one more: the next header of the last one points at another */
	uint8_t *last = buf + 14 + 40 + 8 * (PKT_MAX_EXT - 1);
	last[0] = 60;
	pkt_parse(buf, n, &q);
	CHECK(q.invalid != NULL, "a chain longer than %d is refused",
	      PKT_MAX_EXT);
}

static void test_icmp_error_inner(void)
{
	static Pkt p, in, q;
	pkt_init(&in);
	in.has_eth = false;
	in.l3 = 4;
	v4(&in.src, "203.0.113.1");
	v4(&in.dst, "9.9.9.9");
	in.l4 = true;
	in.proto = PROTO_UDP;
	in.sport = 33000;
	in.dport = 5000;
	size_t k = pkt_build(&in, p.payload, sizeof p.payload);
	pkt_init(&p);
	pkt_build(&in, p.payload, sizeof p.payload);
	p.paylen = (int)k;
	p.l3 = 4;
	v4(&p.src, "9.9.9.9");
	v4(&p.dst, "203.0.113.1");
	p.l4 = true;
	p.proto = PROTO_ICMP;
	p.icmp_type = 3;
	p.icmp_code = 3;
	size_t n = pkt_build(&p, buf, sizeof buf);
	CHECK_INT(sum16(buf + 34, n - 34, 0), 0xffff);
	pkt_parse(buf, n, &q);
	CHECK(q.has_inner, "inner parsed");
	CHECK_INT(q.inner_proto, PROTO_UDP);
	CHECK_INT(q.inner_sport, 33000);
	CHECK_INT(q.inner_dport, 5000);
}

int main(void)
{
	RUN(test_tcp4_bytes);
	RUN(test_udp6_ext_roundtrip);
	RUN(test_vlan_qinq);
	RUN(test_truncated_everywhere);
	RUN(test_bad_lengths);
	RUN(test_long_ext_chain);
	RUN(test_icmp_error_inner);
	return check_done();
}
