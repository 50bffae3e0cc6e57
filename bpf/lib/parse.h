/* SPDX-License-Identifier: MIT */
/*
 * bpf/lib/parse.h - the packet parser every FWL program starts with.
 *
 * API (stable: fields are only ever added, never renamed or removed):
 *
 *	struct fwl_pkt pkt;
 *	int reason = fwl_parse(ctx, &pkt);   // ctx: struct xdp_md * or
 *	                                     //      struct __sk_buff *
 *
 * fwl_parse() zeroes pkt, walks Ethernet, up to FWL_VLAN_MAX 802.1Q/802.1ad
 * tags, IPv4 (options skipped) or IPv6 (up to FWL_IP6_EXT_MAX extension
 * headers, the fragment header anywhere in the chain), then TCP, UDP, ICMP
 * or ICMPv6, and returns pkt.invalid: FWL_DROP_NONE (0) when the headers are
 * well formed, else the named reason (enum fwl_drop_reason, maps/counters.h)
 * of the first malformed or truncated header.  An invalid packet still has
 * every field parsed before the bad header; nothing after it is trusted.
 * A non-IP frame is valid with l3 = its ethertype and l4 = 0.
 *
 * Field conventions:
 *  - addresses (saddr/daddr) are in network byte order, IPv4 in word 0 and
 *    words 1..3 zero; compare with bpf_htonl()'d constants;
 *  - every other integer field is host order;
 *  - offsets are from the start of the frame (ctx_data());
 *  - sport/dport, icmp_*, tcp_* are parsed only when FWL_FRAG_LATER is not
 *    set: a non-first fragment has no transport header; it carries frag_id
 *    for matching to its flow (see bpf/lib/ct.h);
 *  - len is the frame length; at TC a non-linear skb's head is pulled up
 *    to FWL_PARSE_MAX_OFF + 64 bytes first so all headers are readable;
 *  - bounds: every read is checked against the frame end, and transport
 *    headers against the IP datagram end; no header may end beyond
 *    FWL_PARSE_MAX_OFF bytes (FWL_DROP_HDR_TOO_DEEP).
 */
#ifndef FWL_BPF_PARSE_H
#define FWL_BPF_PARSE_H

#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>

#include <linux/types.h>
#include "maps/counters.h"
#ifndef FWL_PARSE_TYPES_ONLY
#include "ctx.h"
#endif

#define FWL_VLAN_MAX		2	/* tags parsed; a third is invalid */
#define FWL_IP6_EXT_MAX		8	/* extension headers walked */
#define FWL_PARSE_MAX_OFF	1024	/* headers must end before this */
#define FWL_PARSE_OFF_MASK	2047	/* >= FWL_PARSE_MAX_OFF, 2^n - 1 */

#ifndef ETH_P_8021AD
#define ETH_P_8021AD		0x88A8
#endif
#define FWL_ETH_P_QINQ_OLD	0x9100

/* pkt.frag bits */
#define FWL_FRAG_IS		0x01	/* a fragment (first or not) */
#define FWL_FRAG_FIRST		0x02	/* offset 0, more fragments follow */
#define FWL_FRAG_LATER		0x04	/* offset > 0: no transport header */
#define FWL_FRAG_MORE		0x08	/* MF set */

/* pkt.flags bits */
#define FWL_PKT_F_IP4_OPTS	0x01	/* IPv4 header has options (IHL > 5) */
#define FWL_PKT_F_IP6_EXT	0x02	/* IPv6 has extension headers */
#define FWL_PKT_F_IP6_RH	0x04	/* IPv6 routing header present */
#define FWL_PKT_F_NAT_REV	0x08	/* a NAT'd flow's reply, translated back
					 * by fwl_nat_rev (bpf/lib/nat.h) */

/* TCP flag bits in pkt.tcp_flags (the 8 bits of TCP header byte 13). */
#define FWL_TCP_FIN		0x01
#define FWL_TCP_SYN		0x02
#define FWL_TCP_RST		0x04
#define FWL_TCP_PSH		0x08
#define FWL_TCP_ACK		0x10
#define FWL_TCP_URG		0x20
#define FWL_TCP_ECE		0x40
#define FWL_TCP_CWR		0x80

#define FWL_IP_MF		0x2000	/* IPv4 frag_off: more fragments */
#define FWL_IP_OFFSET		0x1fff	/* IPv4 frag_off: offset / 8 */

#define FWL_WSCALE_NONE		0xff	/* pkt.tcp_wscale: no option seen */

/* IPv6 fragment header (RFC 8200 4.5); the UAPI headers lack it. */
struct fwl_ip6_frag {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off;	/* offset (13 bits) << 3 | res (2) | M (1) */
	__be32 identification;
};

struct fwl_pkt {
	__u32 ifindex;		/* ingress ifindex (XDP) / skb->ifindex (TC) */
	__u32 len;		/* frame length in bytes */
	__u16 l3;		/* ethertype after VLAN tags: ETH_P_IP, ... */
	__u8 l4;		/* IPPROTO_* after IPv6 ext headers; 0 if none */
	__u8 invalid;		/* enum fwl_drop_reason; 0 = well formed */
	__be32 saddr[4];	/* network order; IPv4 in [0] */
	__be32 daddr[4];
	__u16 sport;		/* TCP/UDP ports; 0 otherwise */
	__u16 dport;
	__u8 icmp_type;		/* ICMP or ICMPv6 */
	__u8 icmp_code;
	__u16 icmp_id;		/* echo request/reply identifier */
	__u8 tcp_flags;		/* FWL_TCP_* */
	__u8 tcp_wscale;	/* window scale option, FWL_WSCALE_NONE if absent */
	__u16 tcp_win;		/* raw window field */
	__u32 tcp_seq;
	__u32 tcp_ack;
	__u16 l3_off;		/* IP header */
	__u16 l4_off;		/* transport header (fragment data if LATER) */
	__u16 payload_off;	/* first byte after the transport header */
	__u16 payload_len;	/* bytes of payload inside the datagram */
	__u16 ip_end;		/* offset one past the IP datagram */
	__u16 vlan[FWL_VLAN_MAX]; /* VLAN ids, outermost first */
	__u8 vlan_depth;	/* number of tags */
	__u8 frag;		/* FWL_FRAG_* */
	__u16 frag_off;		/* fragment offset in bytes */
	__u32 frag_id;		/* IPv4 id (16 bit) or IPv6 identification */
	__u8 ttl;		/* TTL / hop limit */
	__u8 tos;		/* IPv4 TOS / IPv6 traffic class */
	__u8 flags;		/* FWL_PKT_F_* */
	__u8 ext_count;		/* IPv6 extension headers walked */
	__u8 smac[ETH_ALEN];
	__u8 dmac[ETH_ALEN];
};

#ifndef FWL_PARSE_TYPES_ONLY

/* A pointer to `size` bytes at `off`, or NULL when they are not all in the
 * frame.  The off bound keeps the verifier's view of the pointer finite. */
static __always_inline void *fwl_hdr_at(void *data, void *data_end, __u32 off,
					__u32 size)
{
	void *p;

	if (off > FWL_PARSE_MAX_OFF)
		return NULL;
	/* clang may otherwise add an unchecked copy of off: hide the range
	 * from it and mask (a no-op here) so the verifier sees the bound. */
	asm volatile("" : "+r"(off));
	off &= FWL_PARSE_OFF_MASK;
	p = data + off;
	if (p + size > data_end)
		return NULL;
	return p;
}

/* Returns the l4 offset for an IPv4 header at pkt->l3_off, or 0 + reason. */
static __always_inline int fwl_parse_ip4(void *data, void *data_end,
					 struct fwl_pkt *pkt)
{
	struct iphdr *ip;
	__u32 hlen, tot, fo;

	ip = fwl_hdr_at(data, data_end, pkt->l3_off, sizeof(*ip));
	if (!ip)
		return FWL_DROP_IP4_TRUNC;
	if (ip->version != 4)
		return FWL_DROP_IP4_VERSION;
	hlen = ip->ihl * 4;
	tot = bpf_ntohs(ip->tot_len);
	if (hlen < sizeof(*ip) || hlen > tot)
		return FWL_DROP_IP4_IHL;
	if (pkt->l3_off + hlen > pkt->len)
		return FWL_DROP_IP4_TRUNC;
	if (pkt->l3_off + tot > pkt->len)
		return FWL_DROP_IP4_LEN;

	pkt->saddr[0] = ip->saddr;
	pkt->daddr[0] = ip->daddr;
	pkt->l4 = ip->protocol;
	pkt->ttl = ip->ttl;
	pkt->tos = ip->tos;
	pkt->ip_end = pkt->l3_off + tot;
	pkt->l4_off = pkt->l3_off + hlen;
	if (hlen > sizeof(*ip))
		pkt->flags |= FWL_PKT_F_IP4_OPTS;

	fo = bpf_ntohs(ip->frag_off);
	pkt->frag_id = bpf_ntohs(ip->id);
	if (fo & (FWL_IP_MF | FWL_IP_OFFSET)) {
		pkt->frag = FWL_FRAG_IS;
		pkt->frag_off = (fo & FWL_IP_OFFSET) * 8;
		if (fo & FWL_IP_MF)
			pkt->frag |= FWL_FRAG_MORE;
		if (pkt->frag_off)
			pkt->frag |= FWL_FRAG_LATER;
		else
			pkt->frag |= FWL_FRAG_FIRST;
		if (pkt->frag_off + (tot - hlen) > 0xffff)
			return FWL_DROP_IP4_FRAG;
	}
	return FWL_DROP_NONE;
}

static __always_inline int fwl_ip6_is_ext(__u8 nh)
{
	return nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING ||
	       nh == IPPROTO_FRAGMENT || nh == IPPROTO_DSTOPTS ||
	       nh == IPPROTO_AH;
}

/* IPv6 header and extension chain. */
static __always_inline int fwl_parse_ip6(void *data, void *data_end,
					 struct fwl_pkt *pkt)
{
	struct ipv6hdr *ip6;
	__u32 off, plen;
	__u8 nh;
	int i;

	ip6 = fwl_hdr_at(data, data_end, pkt->l3_off, sizeof(*ip6));
	if (!ip6)
		return FWL_DROP_IP6_TRUNC;
	if (ip6->version != 6)
		return FWL_DROP_IP6_VERSION;
	plen = bpf_ntohs(ip6->payload_len);
	if (pkt->l3_off + sizeof(*ip6) + plen > pkt->len)
		return FWL_DROP_IP6_LEN;

	__builtin_memcpy(pkt->saddr, &ip6->saddr, 16);
	__builtin_memcpy(pkt->daddr, &ip6->daddr, 16);
	pkt->ttl = ip6->hop_limit;
	pkt->tos = (ip6->priority << 4) | (ip6->flow_lbl[0] >> 4);
	pkt->ip_end = pkt->l3_off + sizeof(*ip6) + plen;
	nh = ip6->nexthdr;
	off = pkt->l3_off + sizeof(*ip6);

#pragma unroll
	for (i = 0; i < FWL_IP6_EXT_MAX; i++) {
		struct ipv6_opt_hdr *eh;
		struct fwl_ip6_frag *fh;
		__u32 elen;

		if (!fwl_ip6_is_ext(nh))
			break;
		if (nh == IPPROTO_HOPOPTS && i > 0)
			return FWL_DROP_IP6_HBH_ORDER;
		pkt->flags |= FWL_PKT_F_IP6_EXT;
		/* 8 bytes: the smallest extension header (fragment). */
		eh = fwl_hdr_at(data, data_end, off, 8);
		if (!eh || off + 8 > pkt->ip_end)
			return off > FWL_PARSE_MAX_OFF ? FWL_DROP_HDR_TOO_DEEP :
							 FWL_DROP_IP6_EXT_TRUNC;
		if (nh == IPPROTO_FRAGMENT) {
			__u16 fo;

			fh = (struct fwl_ip6_frag *)eh;
			fo = bpf_ntohs(fh->frag_off);
			pkt->frag = FWL_FRAG_IS;
			pkt->frag_off = fo & 0xfff8;
			pkt->frag_id = bpf_ntohl(fh->identification);
			if (fo & 1)
				pkt->frag |= FWL_FRAG_MORE;
			if (pkt->frag_off)
				pkt->frag |= FWL_FRAG_LATER;
			else
				pkt->frag |= FWL_FRAG_FIRST;
			elen = 8;
		} else if (nh == IPPROTO_AH) {
			elen = (eh->hdrlen + 2) * 4;
		} else {
			if (nh == IPPROTO_ROUTING)
				pkt->flags |= FWL_PKT_F_IP6_RH;
			elen = (eh->hdrlen + 1) * 8;
		}
		nh = eh->nexthdr;
		off += elen;
		pkt->ext_count++;
		if (off > pkt->ip_end)
			return FWL_DROP_IP6_EXT_TRUNC;
		if (pkt->frag & FWL_FRAG_LATER)
			break;	/* what follows is fragment data */
	}
	if (fwl_ip6_is_ext(nh) && !(pkt->frag & FWL_FRAG_LATER))
		return FWL_DROP_IP6_EXT_DEPTH;
	pkt->l4 = nh;
	pkt->l4_off = off;
	return FWL_DROP_NONE;
}

static __always_inline int fwl_parse_l4(void *data, void *data_end,
					struct fwl_pkt *pkt)
{
	__u32 off = pkt->l4_off, end = pkt->ip_end, hlen;

	if (pkt->frag & FWL_FRAG_LATER) {
		pkt->payload_off = off;
		pkt->payload_len = end - off;
		return FWL_DROP_NONE;
	}

	switch (pkt->l4) {
	case IPPROTO_TCP: {
		struct tcphdr *th = fwl_hdr_at(data, data_end, off, sizeof(*th));

		if (!th || off + sizeof(*th) > end)
			return off > FWL_PARSE_MAX_OFF ? FWL_DROP_HDR_TOO_DEEP :
							 FWL_DROP_TCP_TRUNC;
		pkt->sport = bpf_ntohs(th->source);
		pkt->dport = bpf_ntohs(th->dest);
		pkt->tcp_flags = ((__u8 *)th)[13];
		pkt->tcp_seq = bpf_ntohl(th->seq);
		pkt->tcp_ack = bpf_ntohl(th->ack_seq);
		pkt->tcp_win = bpf_ntohs(th->window);
		hlen = th->doff * 4;
		if (hlen < sizeof(*th) || off + hlen > end)
			return FWL_DROP_TCP_DOFF;
		if (off + hlen > pkt->len)
			return FWL_DROP_TCP_TRUNC;
		break;
	}
	case IPPROTO_UDP: {
		struct udphdr *uh = fwl_hdr_at(data, data_end, off, sizeof(*uh));
		__u32 ulen;

		if (!uh || off + sizeof(*uh) > end)
			return off > FWL_PARSE_MAX_OFF ? FWL_DROP_HDR_TOO_DEEP :
							 FWL_DROP_UDP_TRUNC;
		pkt->sport = bpf_ntohs(uh->source);
		pkt->dport = bpf_ntohs(uh->dest);
		hlen = sizeof(*uh);
		ulen = bpf_ntohs(uh->len);
		/* A first fragment holds only part of the datagram. */
		if (ulen < sizeof(*uh) ||
		    (!(pkt->frag & FWL_FRAG_MORE) && off + ulen > end))
			return FWL_DROP_UDP_LEN;
		break;
	}
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6: {
		/* type, code, checksum and the 4-byte rest of header */
		__u8 *ih = fwl_hdr_at(data, data_end, off, 8);

		if (!ih || off + 8 > end)
			return off > FWL_PARSE_MAX_OFF ? FWL_DROP_HDR_TOO_DEEP :
			       pkt->l4 == IPPROTO_ICMP ? FWL_DROP_ICMP_TRUNC :
							 FWL_DROP_ICMP6_TRUNC;
		pkt->icmp_type = ih[0];
		pkt->icmp_code = ih[1];
		pkt->icmp_id = ((__u16)ih[4] << 8) | ih[5];
		hlen = 8;
		break;
	}
	default:
		hlen = 0;
		break;
	}
	pkt->payload_off = off + hlen;
	pkt->payload_len = end - (off + hlen);
	return FWL_DROP_NONE;
}

static __always_inline int fwl_parse_data(void *data, void *data_end,
					  struct fwl_pkt *pkt)
{
	struct ethhdr *eth;
	__u32 off = sizeof(*eth);
	__u16 proto;
	int i, r;

	eth = fwl_hdr_at(data, data_end, 0, sizeof(*eth));
	if (!eth)
		return FWL_DROP_ETH_TRUNC;
	__builtin_memcpy(pkt->smac, eth->h_source, ETH_ALEN);
	__builtin_memcpy(pkt->dmac, eth->h_dest, ETH_ALEN);
	proto = bpf_ntohs(eth->h_proto);

#pragma unroll
	for (i = 0; i < FWL_VLAN_MAX + 1; i++) {
		__be16 *tag;

		if (proto != ETH_P_8021Q && proto != ETH_P_8021AD &&
		    proto != FWL_ETH_P_QINQ_OLD)
			break;
		if (i == FWL_VLAN_MAX)
			return FWL_DROP_VLAN_DEPTH;
		tag = fwl_hdr_at(data, data_end, off, 4);
		if (!tag)
			return FWL_DROP_VLAN_TRUNC;
		pkt->vlan[i] = bpf_ntohs(tag[0]) & 0x0fff;
		pkt->vlan_depth = i + 1;
		proto = bpf_ntohs(tag[1]);
		off += 4;
	}
	pkt->l3 = proto;
	pkt->l3_off = off;

	if (proto == ETH_P_IP)
		r = fwl_parse_ip4(data, data_end, pkt);
	else if (proto == ETH_P_IPV6)
		r = fwl_parse_ip6(data, data_end, pkt);
	else
		return FWL_DROP_NONE;
	if (r)
		return r;
	return fwl_parse_l4(data, data_end, pkt);
}

/*
 * The window-scale option (RFC 7323) of a SYN, FWL_WSCALE_NONE if absent,
 * from the options between off and end.  A bounded loop over packet bytes;
 * it lives in its own global function (below) so the verifier walks it once
 * instead of once per path through the parser.
 */
static __always_inline __u8 fwl_tcp_wscale_scan(void *data, void *data_end,
						__u32 off, __u32 end)
{
	int i;

	for (i = 0; i < 40; i++) {
		__u8 *k, *l, *v;

		if (off >= end)
			break;
		k = fwl_hdr_at(data, data_end, off, 1);
		if (!k || *k == 0)	/* end of option list */
			break;
		if (*k == 1) {		/* NOP */
			off++;
			continue;
		}
		l = fwl_hdr_at(data, data_end, off + 1, 1);
		if (!l || *l < 2 || off + *l > end)
			break;
		if (*k == 3 && *l == 3) {
			v = fwl_hdr_at(data, data_end, off + 2, 1);
			if (!v)
				break;
			return *v > 14 ? 14 : *v;
		}
		off += *l;
	}
	return FWL_WSCALE_NONE;
}

static __always_inline int fwl_parse_need_opts_(const struct fwl_pkt *pkt)
{
	return !pkt->invalid && pkt->l4 == IPPROTO_TCP &&
	       !(pkt->frag & FWL_FRAG_LATER) &&
	       (pkt->tcp_flags & FWL_TCP_SYN) &&
	       pkt->payload_off > pkt->l4_off + 20;
}

/*
 * The entry points are global (non-static, noinline) BPF functions: the
 * verifier checks each once, on its own, whatever the program calling them
 * looks like, so the parser's cost does not multiply with the policy's.
 * A program is one translation unit, so defining them in a header is fine;
 * do not link two objects that both include parse.h.
 */
__attribute__((noinline)) __u8 fwl_tcp_wscale_xdp(struct xdp_md *ctx, __u32 off,
						  __u32 end)
{
	return fwl_tcp_wscale_scan(xdp_data(ctx), xdp_data_end(ctx), off, end);
}

__attribute__((noinline)) __u8 fwl_tcp_wscale_skb(struct __sk_buff *ctx,
						  __u32 off, __u32 end)
{
	return fwl_tcp_wscale_scan(skb_data(ctx), skb_data_end(ctx), off, end);
}

__attribute__((noinline)) int fwl_parse_xdp(struct xdp_md *ctx,
					    struct fwl_pkt *pkt)
{
	void *data = xdp_data(ctx), *data_end = xdp_data_end(ctx);

	if (!pkt)
		return FWL_DROP_UNSUPPORTED;
	__builtin_memset(pkt, 0, sizeof(*pkt));
	pkt->ifindex = xdp_ifindex(ctx);
	pkt->len = data_end - data;
	pkt->tcp_wscale = FWL_WSCALE_NONE;
	pkt->invalid = fwl_parse_data(data, data_end, pkt);
	if (fwl_parse_need_opts_(pkt))
		pkt->tcp_wscale = fwl_tcp_wscale_xdp(ctx, pkt->l4_off + 20,
						     pkt->payload_off);
	return pkt->invalid;
}

__attribute__((noinline)) int fwl_parse_skb(struct __sk_buff *ctx,
					    struct fwl_pkt *pkt)
{
	void *data, *data_end;
	__u32 want = ctx->len;

	if (!pkt)
		return FWL_DROP_UNSUPPORTED;
	/* Make the header window linear so direct access can see it. */
	if (want > FWL_PARSE_MAX_OFF + 64)
		want = FWL_PARSE_MAX_OFF + 64;
	if ((__u32)(ctx->data_end - ctx->data) < want)
		bpf_skb_pull_data(ctx, want);
	data = skb_data(ctx);
	data_end = skb_data_end(ctx);
	__builtin_memset(pkt, 0, sizeof(*pkt));
	pkt->ifindex = skb_ifindex(ctx);
	pkt->len = ctx->len;	/* the frame; the linear part may be shorter */
	pkt->tcp_wscale = FWL_WSCALE_NONE;
	pkt->invalid = fwl_parse_data(data, data_end, pkt);
	if (fwl_parse_need_opts_(pkt))
		pkt->tcp_wscale = fwl_tcp_wscale_skb(ctx, pkt->l4_off + 20,
						     pkt->payload_off);
	return pkt->invalid;
}

/*
 * Byte i of the payload (after the transport header), or -1 when the
 * payload is shorter or i is beyond the FWL_PAYLOAD_WINDOW bytes that
 * byte patterns may look at.  Usable at XDP and TC.
 */
#define FWL_PAYLOAD_WINDOW	64

static __always_inline int fwl_payload_byte_(void *data, void *data_end,
					     const struct fwl_pkt *pkt,
					     __u32 i)
{
	__u8 *b;

	if (i >= FWL_PAYLOAD_WINDOW || i >= pkt->payload_len ||
	    (pkt->frag & FWL_FRAG_LATER))
		return -1;
	b = fwl_hdr_at(data, data_end, pkt->payload_off + i, 1);
	return b ? *b : -1;
}

#define fwl_payload_byte(ctx, pkt, i) \
	fwl_payload_byte_(ctx_data(ctx), ctx_data_end(ctx), pkt, i)

#define fwl_parse(ctx, pkt) \
	FWL_CTX_DISPATCH_(ctx, fwl_parse_xdp, fwl_parse_skb)(ctx, pkt)

#endif /* FWL_PARSE_TYPES_ONLY */
#endif
