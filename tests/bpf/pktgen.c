/* SPDX-License-Identifier: MIT */
/* tests/bpf/pktgen.c - see pktgen.h. */
#include "tests/bpf/pktgen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/in6.h>

static const uint8_t pk_dmac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t pk_smac[6] = { 0x02, 0, 0, 0, 0, 0x01 };

void pk_init(struct pk *p)
{
	memset(p, 0, sizeof(*p));
}

void pk_put(struct pk *p, const void *d, size_t n)
{
	if (p->len + n > PK_MAX) {
		fprintf(stderr, "pktgen: packet longer than %d bytes\n", PK_MAX);
		abort();
	}
	if (d)
		memcpy(p->b + p->len, d, n);
	else
		memset(p->b + p->len, 0, n);
	p->len += n;
}

void pk_u8(struct pk *p, uint8_t v)
{
	pk_put(p, &v, 1);
}

void pk_be16(struct pk *p, uint16_t v)
{
	uint8_t b[2] = { v >> 8, v & 0xff };

	pk_put(p, b, 2);
}

void pk_be32(struct pk *p, uint32_t v)
{
	pk_be16(p, v >> 16);
	pk_be16(p, v & 0xffff);
}

void pk_zero(struct pk *p, size_t n)
{
	pk_put(p, NULL, n);
}

uint16_t pk_get16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

uint32_t pk_get32(const uint8_t *b)
{
	return (uint32_t)pk_get16(b) << 16 | pk_get16(b + 2);
}

static void pk_set16(uint8_t *b, uint16_t v)
{
	b[0] = v >> 8;
	b[1] = v & 0xff;
}

void pk_eth(struct pk *p, uint16_t ethertype)
{
	pk_put(p, pk_dmac, 6);
	pk_put(p, pk_smac, 6);
	pk_be16(p, ethertype);
}

void pk_vlan(struct pk *p, uint16_t vid, uint16_t next_type)
{
	pk_be16(p, vid & 0x0fff);
	pk_be16(p, next_type);
}

static void pk_mark_l3(struct pk *p, int v)
{
	if (p->in_err) {
		p->il3 = p->len;
		p->il3v = v;
	} else {
		p->l3 = p->len;
		p->l3v = v;
	}
}

static void pk_mark_l4(struct pk *p, int proto)
{
	if (p->in_err) {
		p->il4 = p->len;
		p->il4proto = proto;
	} else {
		p->l4 = p->len;
		p->l4proto = proto;
	}
}

void pk_ip4_opt(struct pk *p, uint32_t src, uint32_t dst, uint8_t proto,
		size_t optlen)
{
	size_t i;

	pk_mark_l3(p, 4);
	pk_u8(p, 0x40 | (uint8_t)((20 + optlen) / 4));
	pk_u8(p, 0);		/* tos */
	pk_be16(p, 0);		/* tot_len: pk_finish */
	pk_be16(p, 0x1234);	/* id */
	pk_be16(p, 0x4000);	/* DF */
	pk_u8(p, 64);
	pk_u8(p, proto);
	pk_be16(p, 0);		/* checksum: pk_finish */
	pk_be32(p, src);
	pk_be32(p, dst);
	for (i = 0; i < optlen; i++)
		pk_u8(p, 1);	/* NOP */
}

void pk_ip4(struct pk *p, uint32_t src, uint32_t dst, uint8_t proto)
{
	pk_ip4_opt(p, src, dst, proto, 0);
}

void pk_ip4_frag(struct pk *p, uint16_t id, uint16_t off, int more)
{
	uint8_t *ip = p->b + (p->in_err ? p->il3 : p->l3);

	pk_set16(ip + 4, id);
	pk_set16(ip + 6, (uint16_t)((off / 8) | (more ? 0x2000 : 0)));
}

void pk_ip6(struct pk *p, const uint8_t src[16], const uint8_t dst[16],
	    uint8_t nexthdr)
{
	pk_mark_l3(p, 6);
	pk_be32(p, 0x60000000);
	pk_be16(p, 0);		/* payload length: pk_finish */
	pk_u8(p, nexthdr);
	pk_u8(p, 64);
	pk_put(p, src, 16);
	pk_put(p, dst, 16);
}

void pk_ip6_ext(struct pk *p, uint8_t nexthdr, uint8_t hdrlen)
{
	size_t i, n = 8 + (size_t)hdrlen * 8;

	pk_u8(p, nexthdr);
	pk_u8(p, hdrlen);
	/* PadN option filling the rest (valid for HBH/DSTOPTS). */
	pk_u8(p, 1);
	pk_u8(p, (uint8_t)(n - 4));
	for (i = 4; i < n; i++)
		pk_u8(p, 0);
}

void pk_ip6_frag(struct pk *p, uint8_t nexthdr, uint16_t off, int more,
		 uint32_t id)
{
	pk_u8(p, nexthdr);
	pk_u8(p, 0);
	pk_be16(p, (uint16_t)((off & 0xfff8) | (more ? 1 : 0)));
	pk_be32(p, id);
}

void pk_tcp_opt(struct pk *p, uint16_t sport, uint16_t dport, uint32_t seq,
		uint32_t ack, uint8_t flags, uint16_t win, const uint8_t *opt,
		size_t optlen)
{
	pk_mark_l4(p, IPPROTO_TCP);
	pk_be16(p, sport);
	pk_be16(p, dport);
	pk_be32(p, seq);
	pk_be32(p, ack);
	pk_u8(p, (uint8_t)(((20 + optlen) / 4) << 4));
	pk_u8(p, flags);
	pk_be16(p, win);
	pk_be16(p, 0);		/* checksum */
	pk_be16(p, 0);		/* urgent */
	if (optlen)
		pk_put(p, opt, optlen);
}

void pk_tcp(struct pk *p, uint16_t sport, uint16_t dport, uint32_t seq,
	    uint32_t ack, uint8_t flags, uint16_t win)
{
	pk_tcp_opt(p, sport, dport, seq, ack, flags, win, NULL, 0);
}

void pk_udp(struct pk *p, uint16_t sport, uint16_t dport)
{
	pk_mark_l4(p, IPPROTO_UDP);
	pk_be16(p, sport);
	pk_be16(p, dport);
	pk_be16(p, 0);		/* length: pk_finish */
	pk_be16(p, 0);
}

void pk_icmp(struct pk *p, uint8_t type, uint8_t code, uint16_t id,
	     uint16_t seq)
{
	int v = p->in_err ? p->il3v : p->l3v;

	pk_mark_l4(p, v == 6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
	pk_u8(p, type);
	pk_u8(p, code);
	pk_be16(p, 0);
	pk_be16(p, id);
	pk_be16(p, seq);
}

void pk_icmp_err(struct pk *p, uint8_t type, uint8_t code)
{
	pk_icmp(p, type, code, 0, 0);
	p->in_err = 1;
}

static uint32_t pk_sum(const uint8_t *b, size_t n, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += pk_get16(b + i);
	if (n & 1)
		sum += (uint32_t)b[n - 1] << 8;
	return sum;
}

static uint16_t pk_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Pseudo-header sum of the IP header at l3 for an upper layer of len. */
static uint32_t pk_pseudo(const uint8_t *ip, int v, int proto, size_t len)
{
	uint32_t sum = 0;

	if (v == 4)
		sum = pk_sum(ip + 12, 8, 0);
	else
		sum = pk_sum(ip + 8, 32, 0);
	sum += (uint32_t)proto;
	sum += (uint32_t)(len & 0xffff) + (uint32_t)(len >> 16);
	return sum;
}

/* Fill lengths and checksums of one IP layer ending at `end`. */
static void pk_fix_layer(uint8_t *b, size_t l3, int v, size_t l4, int proto,
			 size_t end)
{
	uint8_t *ip = b + l3, *th = b + l4;
	size_t ulen;
	int csum_off;

	if (v == 4) {
		pk_set16(ip + 2, (uint16_t)(end - l3));
		pk_set16(ip + 10, 0);
		pk_set16(ip + 10, pk_fold(pk_sum(ip, (size_t)(ip[0] & 15) * 4, 0)));
	} else if (v == 6) {
		pk_set16(ip + 4, (uint16_t)(end - l3 - 40));
	}
	if (!l4)
		return;
	/* Not for fragments: their checksum covers the whole datagram. */
	if (v == 4 && (pk_get16(ip + 6) & 0x3fff))
		return;
	ulen = end - l4;
	switch (proto) {
	case IPPROTO_TCP: csum_off = 16; break;
	case IPPROTO_UDP: csum_off = 6; pk_set16(th + 4, (uint16_t)ulen); break;
	case IPPROTO_ICMP: case IPPROTO_ICMPV6: csum_off = 2; break;
	default: return;
	}
	if (ulen < (size_t)csum_off + 2)
		return;
	pk_set16(th + csum_off, 0);
	{
		uint32_t sum = proto == IPPROTO_ICMP ? 0 :
			       pk_pseudo(ip, v, proto, ulen);
		uint16_t c = pk_fold(pk_sum(th, ulen, sum));

		if (proto == IPPROTO_UDP && c == 0)
			c = 0xffff;
		pk_set16(th + csum_off, c);
	}
}

void pk_finish(struct pk *p)
{
	if (p->il3)
		pk_fix_layer(p->b, p->il3, p->il3v, p->il4, p->il4proto, p->len);
	if (p->l3)
		pk_fix_layer(p->b, p->l3, p->l3v, p->l4, p->l4proto, p->len);
}

static int pk_check_layer(const uint8_t *b, size_t len, size_t l3,
			  const char **why, int depth);

static int pk_check_l4(const uint8_t *b, size_t len, size_t l3, int v,
		       size_t l4, int proto, size_t end, const char **why,
		       int depth)
{
	const uint8_t *th = b + l4;
	size_t ulen = (end > len ? len : end) - l4;
	uint32_t sum;
	uint8_t type;

	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP &&
	    proto != IPPROTO_ICMP && proto != IPPROTO_ICMPV6)
		return 1;
	if (proto == IPPROTO_UDP && ulen >= 8 && pk_get16(th + 6) == 0 && v == 4)
		return 1;	/* no checksum */
	sum = proto == IPPROTO_ICMP ? 0 : pk_pseudo(b + l3, v, proto, ulen);
	/* A quoted datagram cut short cannot be checked. */
	if (depth > 0 && end > len)
		return 1;
	if (pk_fold(pk_sum(th, ulen, sum)) != 0) {
		*why = "bad L4 checksum";
		return 0;
	}
	if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6) {
		type = th[0];
		if ((proto == IPPROTO_ICMP &&
		     (type == 3 || type == 11 || type == 12 || type == 5)) ||
		    (proto == IPPROTO_ICMPV6 && type < 128))
			return pk_check_layer(b, end, l4 + 8, why, depth + 1);
	}
	return 1;
}

static int pk_check_layer(const uint8_t *b, size_t len, size_t l3,
			  const char **why, int depth)
{
	int v = b[l3] >> 4, proto;
	size_t l4, end;

	if (v == 4) {
		l4 = l3 + (size_t)(b[l3] & 15) * 4;
		if (pk_fold(pk_sum(b + l3, l4 - l3, 0)) != 0) {
			*why = depth ? "bad inner IPv4 header checksum" :
				       "bad IPv4 header checksum";
			return 0;
		}
		proto = b[l3 + 9];
		if (pk_get16(b + l3 + 6) & 0x3fff)
			return 1;
	} else if (v == 6) {
		l4 = l3 + 40;
		proto = b[l3 + 6];
		while (proto == 0 || proto == 43 || proto == 60) {
			proto = b[l4];
			l4 += 8 + (size_t)b[l4 + 1] * 8;
		}
		if (proto == 44)
			return 1;
	} else {
		*why = "not IP";
		return 0;
	}
	end = v == 4 ? l3 + pk_get16(b + l3 + 2) : l3 + 40 + pk_get16(b + l3 + 4);
	return pk_check_l4(b, len, l3, v, l4, proto, end, why, depth);
}

int pk_csum_ok(const uint8_t *b, size_t len, const char **why)
{
	size_t l3 = 14;
	uint16_t t = pk_get16(b + 12);

	*why = "ok";
	while (t == 0x8100 || t == 0x88a8) {
		t = pk_get16(b + l3 + 2);
		l3 += 4;
	}
	return pk_check_layer(b, len, l3, why, 0);
}
