/* SPDX-License-Identifier: MIT */
/*
 * tests/bpf/pktgen.h - build test packets header by header.
 *
 *	struct pk p;
 *	pk_init(&p);
 *	pk_eth(&p, ETH_P_IP);
 *	pk_ip4(&p, IP4(10,0,0,1), IP4(10,0,0,2), IPPROTO_TCP);
 *	pk_tcp(&p, 1234, 80, seq, ack, TH_SYN, 65535);
 *	pk_finish(&p);		// lengths and checksums
 *
 * Headers are appended in order; pk_finish() fills IP lengths, the IPv4
 * header checksum, the UDP length and the L4 checksum.  Tests may corrupt
 * bytes after pk_finish().  pk_csum_ok() verifies the checksums of a
 * finished (or rewritten) IPv4/IPv6 packet, inner ICMP error headers too.
 */
#ifndef FWL_TESTS_BPF_PKTGEN_H
#define FWL_TESTS_BPF_PKTGEN_H

#include <stddef.h>
#include <stdint.h>

#define PK_MAX 3072

#define IP4(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

struct pk {
	uint8_t b[PK_MAX];
	size_t len;
	size_t l3;		/* offset of the IP header, 0 if none */
	int l3v;		/* 4 or 6 */
	size_t l4;		/* offset of the transport header, 0 if none */
	int l4proto;		/* IPPROTO_* of the l4 header */
	int in_err;		/* headers now go inside an ICMP error */
	size_t il3, il4;	/* inner IP and transport of an ICMP error */
	int il3v, il4proto;
};

void pk_init(struct pk *p);
void pk_put(struct pk *p, const void *d, size_t n);
void pk_u8(struct pk *p, uint8_t v);
void pk_be16(struct pk *p, uint16_t v);
void pk_be32(struct pk *p, uint32_t v);
void pk_zero(struct pk *p, size_t n);
void pk_eth(struct pk *p, uint16_t ethertype);
void pk_vlan(struct pk *p, uint16_t vid, uint16_t next_type);
/* IPv4 with optlen bytes of NOP options (multiple of 4). Addresses host
 * order. */
void pk_ip4_opt(struct pk *p, uint32_t src, uint32_t dst, uint8_t proto,
		size_t optlen);
void pk_ip4(struct pk *p, uint32_t src, uint32_t dst, uint8_t proto);
/* Set the IPv4 fragment field (offset in bytes, multiple of 8) and id. */
void pk_ip4_frag(struct pk *p, uint16_t id, uint16_t off, int more);
void pk_ip6(struct pk *p, const uint8_t src[16], const uint8_t dst[16],
	    uint8_t nexthdr);
/* Generic extension header: hdrlen in 8-byte units beyond the first 8. */
void pk_ip6_ext(struct pk *p, uint8_t nexthdr, uint8_t hdrlen);
void pk_ip6_frag(struct pk *p, uint8_t nexthdr, uint16_t off, int more,
		 uint32_t id);
void pk_tcp(struct pk *p, uint16_t sport, uint16_t dport, uint32_t seq,
	    uint32_t ack, uint8_t flags, uint16_t win);
/* TCP with options (optlen multiple of 4). */
void pk_tcp_opt(struct pk *p, uint16_t sport, uint16_t dport, uint32_t seq,
		uint32_t ack, uint8_t flags, uint16_t win, const uint8_t *opt,
		size_t optlen);
void pk_udp(struct pk *p, uint16_t sport, uint16_t dport);
void pk_icmp(struct pk *p, uint8_t type, uint8_t code, uint16_t id,
	     uint16_t seq);
/* ICMP (v4 or v6 by the outer l3) error header; the caller appends the
 * inner packet with pk_ip4/pk_tcp... and calls pk_finish_inner first. */
void pk_icmp_err(struct pk *p, uint8_t type, uint8_t code);
void pk_finish(struct pk *p);

uint16_t pk_get16(const uint8_t *b);
uint32_t pk_get32(const uint8_t *b);
/* 1 when the IP header checksum and the L4 checksum (incl. the inner
 * headers of an ICMP error) are right; else 0 with *why set. */
int pk_csum_ok(const uint8_t *b, size_t len, const char **why);

#endif
