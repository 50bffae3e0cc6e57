/* SPDX-License-Identifier: MIT */
/*
 * pkt.h - packets as fields and as bytes: a builder and a parser.
 *
 * A Pkt describes one frame layer by layer.  pkt_build() turns it into wire
 * bytes with correct lengths and checksums (the same bytes can be given to
 * BPF_PROG_TEST_RUN or written to a pcap); pkt_parse() reads bytes back into
 * a Pkt, bounds-checked, and names the reason when a header is malformed or
 * truncated (pkt->invalid).  The interpreter (interp.h) evaluates policies
 * over a parsed Pkt and rewrites it for NAT, then rebuilds the bytes.
 *
 *	Pkt p;
 *	pkt_init(&p);
 *	p.l3 = 4; ip4(&p.src, 10,17,1,5); ...; p.l4 = PROTO_UDP; ...
 *	uint8_t buf[PKT_MAX];
 *	size_t n = pkt_build(&p, buf, sizeof buf);
 *	Pkt q;
 *	pkt_parse(buf, n, &q);	// q.invalid == NULL when well-formed
 *
 * Shares no code with bpf/lib: it is the interpreter's own reading of the
 * wire formats (RFC 791, 8200, 793, 768, 792, 4443).
 */
#ifndef FWLC_PKT_H
#define FWLC_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PKT_MAX 9216		/* largest frame built or parsed */
#define PKT_MAX_VLAN 2		/* 802.1Q, QinQ */
#define PKT_MAX_EXT 8		/* IPv6 extension headers */

enum {
	PROTO_ICMP = 1,
	PROTO_TCP = 6,
	PROTO_UDP = 17,
	PROTO_IPV6_FRAG = 44,
	PROTO_ICMPV6 = 58,
};

/* TCP flags (the low byte of the flags field, plus NS as bit 8). */
enum {
	TCPF_FIN = 0x01, TCPF_SYN = 0x02, TCPF_RST = 0x04, TCPF_PSH = 0x08,
	TCPF_ACK = 0x10, TCPF_URG = 0x20, TCPF_ECE = 0x40, TCPF_CWR = 0x80,
};

typedef struct PktAddr {
	uint8_t family;		/* 4 or 6 */
	uint8_t a[16];		/* network order; IPv4 in a[0..3] */
} PktAddr;

typedef struct PktExt {
	uint8_t type;		/* 0 hop-by-hop, 43 routing, 60 dest opts,
				   44 fragment */
	uint8_t len;		/* bytes of the header (8-byte multiple) */
} PktExt;

typedef struct Pkt {
	/* L2 */
	bool has_eth;
	uint8_t eth_src[6], eth_dst[6];
	int nvlan;
	uint16_t vlan_tpid[PKT_MAX_VLAN], vlan_tci[PKT_MAX_VLAN];
	uint16_t ethertype;	/* innermost; 0x0800, 0x86dd or other */

	/* L3: 0 none (non-IP), 4, 6 */
	int l3;
	PktAddr src, dst;
	uint8_t ttl, tos;
	uint16_t ip_id;		/* IPv4 id; IPv6 fragment id (low 16) */
	uint32_t frag_id6;	/* IPv6 fragment identification */
	bool df, mf;
	uint16_t frag_off;	/* in 8-byte units */
	bool has_frag;		/* IPv4: mf or frag_off; IPv6: fragment hdr */
	uint8_t ip_opts[40];
	int ip_optlen;		/* IPv4 options bytes (multiple of 4) */
	uint32_t flowlabel;
	PktExt ext[PKT_MAX_EXT];
	int next;		/* IPv6 extension headers */
	uint8_t proto;		/* L4 protocol number (after extensions) */
	uint16_t ip_len;	/* parsed: total length (v4) / payload (v6) */

	/* L4: proto decides; l4 false for non-first fragments */
	bool l4;
	uint16_t sport, dport;	/* TCP/UDP ports */
	uint32_t seq, ack;	/* TCP */
	uint16_t flags;		/* TCP */
	uint16_t window;
	uint8_t doff;		/* TCP data offset (words); 0 = computed */
	uint8_t tcp_opts[40];
	int tcp_optlen;
	uint16_t udp_len;	/* 0 = computed */
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_id, icmp_seq;	/* echo; or the 4 "rest" bytes */

	/* inner header of an ICMP/ICMPv6 error (parsed from the payload) */
	bool has_inner;
	int inner_l3;
	PktAddr inner_src, inner_dst;
	uint8_t inner_proto;
	uint16_t inner_sport, inner_dport;

	/* payload after the L4 header (or after L3 for other protocols) */
	uint8_t payload[PKT_MAX];
	int paylen;

	/* parse result: NULL or why the frame is malformed */
	const char *invalid;
	int len;		/* bytes on the wire */
} Pkt;

void pkt_init(Pkt *p);
/* Wire bytes of p into buf; returns the length, 0 if it does not fit. */
size_t pkt_build(const Pkt *p, uint8_t *buf, size_t cap);
/* Parse wire bytes.  Never reads past len.  Sets p->invalid on error. */
void pkt_parse(const uint8_t *buf, size_t len, Pkt *p);
/* One line summary: "IPv4 10.0.0.1:1234 -> 10.0.0.2:80 TCP [S]". */
void pkt_summary(const Pkt *p, char *buf, size_t size);
/* Text of an address / TCP flags ("SA", "." for none). */
void pkt_addr_str(const PktAddr *a, char *buf, size_t size);
void pkt_flags_str(uint16_t flags, char *buf, size_t size);
/* The Internet checksum over a buffer (RFC 1071), folded, not inverted. */
uint32_t pkt_csum_add(uint32_t sum, const uint8_t *p, size_t n);
uint16_t pkt_csum_fold(uint32_t sum);

#endif
