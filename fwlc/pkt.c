// SPDX-License-Identifier: MIT
/*
 * pkt.c - packet builder and parser (see pkt.h).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "fwlc/pkt.h"

void pkt_init(Pkt *p)
{
	memset(p, 0, offsetof(Pkt, payload));
	p->paylen = 0;
	p->invalid = NULL;
	p->len = 0;
	p->has_eth = true;
	static const uint8_t s[6] = {0x02, 0, 0, 0, 0, 0x01};
	static const uint8_t d[6] = {0x02, 0, 0, 0, 0, 0x02};
	memcpy(p->eth_src, s, 6);
	memcpy(p->eth_dst, d, 6);
	p->ttl = 64;
	p->window = 65535;
}

uint32_t pkt_csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (i < n)
		sum += (uint32_t)p[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

uint16_t pkt_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = v >> 8;
	b[1] = v & 0xff;
}

static void put32(uint8_t *b, uint32_t v)
{
	put16(b, v >> 16);
	put16(b + 2, v & 0xffff);
}

static uint16_t get16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static uint32_t get32(const uint8_t *b)
{
	return (uint32_t)get16(b) << 16 | get16(b + 2);
}

static uint32_t pseudo_sum(const Pkt *p, uint8_t proto, size_t l4len)
{
	uint32_t s = 0;
	int alen = p->l3 == 4 ? 4 : 16;

	s = pkt_csum_add(s, p->src.a, alen);
	s = pkt_csum_add(s, p->dst.a, alen);
	s += proto;
	s += (uint32_t)(l4len >> 16) + (uint32_t)(l4len & 0xffff);
	return s;
}

/* L4 header + payload into b; returns length or 0 when cap is short. */
static size_t build_l4(const Pkt *p, uint8_t *b, size_t cap)
{
	size_t h = 0;

	if (!p->l4) {
		if ((size_t)p->paylen > cap)
			return 0;
		memcpy(b, p->payload, p->paylen);
		return p->paylen;
	}
	switch (p->proto) {
	case PROTO_TCP:
		h = 20 + ((p->tcp_optlen + 3) & ~3);
		break;
	case PROTO_UDP:
	case PROTO_ICMP:
	case PROTO_ICMPV6:
		h = 8;
		break;
	default:
		h = 0;
	}
	if (h + p->paylen > cap)
		return 0;
	memset(b, 0, h);
	memcpy(b + h, p->payload, p->paylen);
	size_t n = h + p->paylen;
	uint32_t s;
	switch (p->proto) {
	case PROTO_TCP:
		put16(b, p->sport);
		put16(b + 2, p->dport);
		put32(b + 4, p->seq);
		put32(b + 8, p->ack);
		b[12] = (uint8_t)((p->doff ? p->doff : h / 4) << 4 |
				  ((p->flags >> 8) & 1));
		b[13] = p->flags & 0xff;
		put16(b + 14, p->window);
		memcpy(b + 20, p->tcp_opts, p->tcp_optlen);
		s = pkt_csum_add(pseudo_sum(p, PROTO_TCP, n), b, n);
		put16(b + 16, ~pkt_csum_fold(s));
		break;
	case PROTO_UDP:
		put16(b, p->sport);
		put16(b + 2, p->dport);
		put16(b + 4, p->udp_len ? p->udp_len : (uint16_t)n);
		s = pkt_csum_add(pseudo_sum(p, PROTO_UDP, n), b, n);
		{
			uint16_t c = (uint16_t)~pkt_csum_fold(s);
			put16(b + 6, c ? c : 0xffff);
		}
		break;
	case PROTO_ICMP:
	case PROTO_ICMPV6:
		b[0] = p->icmp_type;
		b[1] = p->icmp_code;
		put16(b + 4, p->icmp_id);
		put16(b + 6, p->icmp_seq);
		s = p->proto == PROTO_ICMPV6 ? pseudo_sum(p, PROTO_ICMPV6, n)
					     : 0;
		s = pkt_csum_add(s, b, n);
		put16(b + 2, ~pkt_csum_fold(s));
		break;
	}
	return n;
}

size_t pkt_build(const Pkt *p, uint8_t *buf, size_t cap)
{
	size_t o = 0;

	if (p->has_eth) {
		if (cap < 14 + 4 * PKT_MAX_VLAN)
			return 0;
		memcpy(buf, p->eth_dst, 6);
		memcpy(buf + 6, p->eth_src, 6);
		o = 12;
		for (int i = 0; i < p->nvlan && i < PKT_MAX_VLAN; i++) {
			put16(buf + o, p->vlan_tpid[i] ? p->vlan_tpid[i]
				       : (i + 1 < p->nvlan ? 0x88a8 : 0x8100));
			put16(buf + o + 2, p->vlan_tci[i]);
			o += 4;
		}
		uint16_t et = p->l3 == 4 ? 0x0800 : p->l3 == 6 ? 0x86dd
							      : p->ethertype;
		put16(buf + o, et);
		o += 2;
	}
	if (p->l3 == 4) {
		size_t ihl = 20 + ((p->ip_optlen + 3) & ~3);
		if (o + ihl > cap)
			return 0;
		uint8_t *ip = buf + o;
		memset(ip, 0, ihl);
		ip[0] = (uint8_t)(0x40 | ihl / 4);
		ip[1] = p->tos;
		put16(ip + 4, p->ip_id);
		put16(ip + 6, (uint16_t)((p->df ? 0x4000 : 0) |
					 (p->mf ? 0x2000 : 0) |
					 (p->frag_off & 0x1fff)));
		ip[8] = p->ttl;
		ip[9] = p->proto;
		memcpy(ip + 12, p->src.a, 4);
		memcpy(ip + 16, p->dst.a, 4);
		memcpy(ip + 20, p->ip_opts, p->ip_optlen);
		size_t n = build_l4(p, ip + ihl, cap - o - ihl);
		if (!n && (p->l4 || p->paylen))
			return 0;
		put16(ip + 2, (uint16_t)(ihl + n));
		put16(ip + 10, ~pkt_csum_fold(pkt_csum_add(0, ip, ihl)));
		return o + ihl + n;
	}
	if (p->l3 == 6) {
		if (o + 40 > cap)
			return 0;
		uint8_t *ip = buf + o;
		memset(ip, 0, 40);
		put32(ip, 6u << 28 | (uint32_t)p->tos << 20 |
			  (p->flowlabel & 0xfffff));
		ip[7] = p->ttl;
		memcpy(ip + 8, p->src.a, 16);
		memcpy(ip + 24, p->dst.a, 16);
		size_t e = 40;
		uint8_t *nh = ip + 6;
		for (int i = 0; i < p->next; i++) {
			size_t l = p->ext[i].type == PROTO_IPV6_FRAG ? 8
				 : (p->ext[i].len < 8 ? 8 : p->ext[i].len);
			if (o + e + l > cap)
				return 0;
			*nh = p->ext[i].type;
			uint8_t *x = ip + e;
			memset(x, 0, l);
			nh = x;
			if (p->ext[i].type == PROTO_IPV6_FRAG) {
				put16(x + 2, (uint16_t)(p->frag_off << 3 |
							(p->mf ? 1 : 0)));
				put32(x + 4, p->frag_id6);
			} else {
				x[1] = (uint8_t)(l / 8 - 1);
				x[2] = 1;	/* PadN option over the rest */
				x[3] = (uint8_t)(l - 4);
			}
			e += l;
		}
		*nh = p->proto || p->l4 ? p->proto : 59;	/* no next hdr */
		size_t n = build_l4(p, ip + e, cap - o - e);
		if (!n && (p->l4 || p->paylen))
			return 0;
		put16(ip + 4, (uint16_t)(e - 40 + n));
		return o + e + n;
	}
	if ((size_t)p->paylen > cap - o)
		return 0;
	memcpy(buf + o, p->payload, p->paylen);
	return o + p->paylen;
}

/* Ports/addresses of the header an ICMP error quotes. */
static void parse_inner(Pkt *p, const uint8_t *b, size_t n, int fam)
{
	size_t h;

	if (fam == 4) {
		if (n < 20 || (b[0] >> 4) != 4)
			return;
		h = (size_t)(b[0] & 15) * 4;
		if (h < 20 || h > n)
			return;
		p->inner_l3 = 4;
		p->inner_src.family = p->inner_dst.family = 4;
		memcpy(p->inner_src.a, b + 12, 4);
		memcpy(p->inner_dst.a, b + 16, 4);
		p->inner_proto = b[9];
	} else {
		if (n < 40 || (b[0] >> 4) != 6)
			return;
		h = 40;
		p->inner_l3 = 6;
		p->inner_src.family = p->inner_dst.family = 6;
		memcpy(p->inner_src.a, b + 8, 16);
		memcpy(p->inner_dst.a, b + 24, 16);
		p->inner_proto = b[6];
	}
	p->has_inner = true;
	if (n >= h + 4 && (p->inner_proto == PROTO_TCP ||
			   p->inner_proto == PROTO_UDP)) {
		p->inner_sport = get16(b + h);
		p->inner_dport = get16(b + h + 2);
	} else if (n >= h + 8 && (p->inner_proto == PROTO_ICMP ||
				  p->inner_proto == PROTO_ICMPV6)) {
		p->inner_sport = get16(b + h + 4);	/* echo id */
	}
}

static bool icmp_is_error(uint8_t proto, uint8_t type)
{
	if (proto == PROTO_ICMP)
		return type == 3 || type == 4 || type == 5 || type == 11 ||
		       type == 12;
	return type < 128;
}

static void parse_l4(const uint8_t *b, size_t n, Pkt *p)
{
	size_t h;

	switch (p->proto) {
	case PROTO_TCP:
		if (n < 20) {
			p->invalid = "tcp-truncated";
			return;
		}
		p->sport = get16(b);
		p->dport = get16(b + 2);
		p->seq = get32(b + 4);
		p->ack = get32(b + 8);
		p->doff = b[12] >> 4;
		p->flags = (uint16_t)(b[13] | (b[12] & 1) << 8);
		p->window = get16(b + 14);
		h = (size_t)p->doff * 4;
		if (p->doff < 5) {
			p->invalid = "tcp-bad-doff";
			return;
		}
		if (h > n) {
			p->invalid = "tcp-truncated-options";
			return;
		}
		p->tcp_optlen = (int)(h - 20);
		memcpy(p->tcp_opts, b + 20, h - 20);
		break;
	case PROTO_UDP:
		if (n < 8) {
			p->invalid = "udp-truncated";
			return;
		}
		p->sport = get16(b);
		p->dport = get16(b + 2);
		p->udp_len = get16(b + 4);
		if (p->udp_len < 8 || p->udp_len > n) {
			p->invalid = "udp-bad-length";
			return;
		}
		h = 8;
		n = p->udp_len;
		break;
	case PROTO_ICMP:
	case PROTO_ICMPV6:
		if (n < 8) {
			p->invalid = "icmp-truncated";
			return;
		}
		p->icmp_type = b[0];
		p->icmp_code = b[1];
		p->icmp_id = get16(b + 4);
		p->icmp_seq = get16(b + 6);
		h = 8;
		if (icmp_is_error(p->proto, p->icmp_type))
			parse_inner(p, b + 8, n - 8,
				    p->proto == PROTO_ICMP ? 4 : 6);
		break;
	default:
		h = 0;
		break;
	}
	p->l4 = p->proto == PROTO_TCP || p->proto == PROTO_UDP ||
		p->proto == PROTO_ICMP || p->proto == PROTO_ICMPV6;
	p->paylen = (int)(n - h);
	memcpy(p->payload, b + h, n - h);
}

void pkt_parse(const uint8_t *buf, size_t len, Pkt *p)
{
	size_t o = 14;

	pkt_init(p);
	p->len = (int)len;
	if (len > PKT_MAX) {
		p->invalid = "frame-too-long";
		return;
	}
	if (len < 14) {
		p->invalid = "eth-truncated";
		return;
	}
	memcpy(p->eth_dst, buf, 6);
	memcpy(p->eth_src, buf + 6, 6);
	uint16_t et = get16(buf + 12);
	while (et == 0x8100 || et == 0x88a8) {
		if (p->nvlan == PKT_MAX_VLAN) {
			p->invalid = "vlan-too-deep";
			return;
		}
		if (o + 4 > len) {
			p->invalid = "vlan-truncated";
			return;
		}
		p->vlan_tpid[p->nvlan] = et;
		p->vlan_tci[p->nvlan] = get16(buf + o);
		p->nvlan++;
		et = get16(buf + o + 2);
		o += 4;
	}
	p->ethertype = et;
	const uint8_t *ip = buf + o;
	size_t n = len - o;
	if (et == 0x0800) {
		p->l3 = 4;
		if (n < 20) {
			p->invalid = "ipv4-truncated";
			return;
		}
		size_t ihl = (size_t)(ip[0] & 15) * 4;
		if ((ip[0] >> 4) != 4 || ihl < 20) {
			p->invalid = "ipv4-bad-header";
			return;
		}
		p->ip_len = get16(ip + 2);
		if (ihl > n || p->ip_len < ihl || p->ip_len > n) {
			p->invalid = "ipv4-bad-length";
			return;
		}
		p->tos = ip[1];
		p->ip_id = get16(ip + 4);
		uint16_t fo = get16(ip + 6);
		p->df = fo & 0x4000;
		p->mf = fo & 0x2000;
		p->frag_off = fo & 0x1fff;
		p->has_frag = p->mf || p->frag_off;
		p->ttl = ip[8];
		p->proto = ip[9];
		p->src.family = p->dst.family = 4;
		memcpy(p->src.a, ip + 12, 4);
		memcpy(p->dst.a, ip + 16, 4);
		p->ip_optlen = (int)(ihl - 20);
		memcpy(p->ip_opts, ip + 20, ihl - 20);
		if (p->frag_off) {	/* non-first fragment: no ports */
			p->paylen = (int)(p->ip_len - ihl);
			memcpy(p->payload, ip + ihl, p->paylen);
			return;
		}
		parse_l4(ip + ihl, p->ip_len - ihl, p);
		return;
	}
	if (et == 0x86dd) {
		p->l3 = 6;
		if (n < 40) {
			p->invalid = "ipv6-truncated";
			return;
		}
		if ((ip[0] >> 4) != 6) {
			p->invalid = "ipv6-bad-header";
			return;
		}
		uint32_t w = get32(ip);
		p->tos = (w >> 20) & 0xff;
		p->flowlabel = w & 0xfffff;
		p->ip_len = get16(ip + 4);
		if (40 + (size_t)p->ip_len > n) {
			p->invalid = "ipv6-bad-length";
			return;
		}
		n = 40 + p->ip_len;
		p->ttl = ip[7];
		p->src.family = p->dst.family = 6;
		memcpy(p->src.a, ip + 8, 16);
		memcpy(p->dst.a, ip + 24, 16);
		uint8_t nh = ip[6];
		size_t e = 40;
		bool later_frag = false;
		while (nh == 0 || nh == 43 || nh == 60 || nh == 44) {
			if (p->next == PKT_MAX_EXT) {
				p->invalid = "ipv6-ext-chain-too-long";
				return;
			}
			if (e + 8 > n) {
				p->invalid = "ipv6-ext-truncated";
				return;
			}
			size_t l = nh == 44 ? 8 : ((size_t)ip[e + 1] + 1) * 8;
			if (e + l > n) {
				p->invalid = "ipv6-ext-truncated";
				return;
			}
			if (nh == 44) {
				uint16_t fo = get16(ip + e + 2);
				p->has_frag = true;
				p->frag_off = fo >> 3;
				p->mf = fo & 1;
				p->frag_id6 = get32(ip + e + 4);
				p->ip_id = p->frag_id6 & 0xffff;
				later_frag = p->frag_off != 0;
			}
			p->ext[p->next].type = nh;
			p->ext[p->next].len = (uint8_t)l;
			p->next++;
			nh = ip[e];
			e += l;
		}
		p->proto = nh;
		if (later_frag) {
			p->paylen = (int)(n - e);
			memcpy(p->payload, ip + e, n - e);
			return;
		}
		parse_l4(ip + e, n - e, p);
		return;
	}
	p->paylen = (int)n;
	memcpy(p->payload, ip, n);
}

void pkt_addr_str(const PktAddr *a, char *buf, size_t size)
{
	if (!inet_ntop(a->family == 6 ? AF_INET6 : AF_INET, a->a, buf,
		       (socklen_t)size))
		snprintf(buf, size, "?");
}

void pkt_flags_str(uint16_t f, char *buf, size_t size)
{
	static const char names[] = "FSRPAUEC";
	size_t o = 0;

	for (int i = 0; i < 8 && o + 1 < size; i++)
		if (f & (1 << i))
			buf[o++] = names[i];
	if (o == 0 && size > 1)
		buf[o++] = '.';
	buf[o] = 0;
}

void pkt_summary(const Pkt *p, char *buf, size_t size)
{
	char s[64], d[64], f[16];

	if (p->l3 == 0) {
		snprintf(buf, size, "ethertype 0x%04x, %d bytes", p->ethertype,
			 p->len);
		return;
	}
	pkt_addr_str(&p->src, s, sizeof s);
	pkt_addr_str(&p->dst, d, sizeof d);
	const char *v = p->l3 == 4 ? "IPv4" : "IPv6";
	if (p->l4 && (p->proto == PROTO_TCP || p->proto == PROTO_UDP)) {
		pkt_flags_str(p->flags, f, sizeof f);
		snprintf(buf, size, "%s %s:%u -> %s:%u %s%s%s%s", v, s,
			 p->sport, d, p->dport,
			 p->proto == PROTO_TCP ? "TCP" : "UDP",
			 p->proto == PROTO_TCP ? " [" : "",
			 p->proto == PROTO_TCP ? f : "",
			 p->proto == PROTO_TCP ? "]" : "");
	} else if (p->l4) {
		snprintf(buf, size, "%s %s -> %s %s type %u code %u", v, s, d,
			 p->proto == PROTO_ICMP ? "ICMP" : "ICMPv6",
			 p->icmp_type, p->icmp_code);
	} else {
		snprintf(buf, size, "%s %s -> %s proto %u%s", v, s, d,
			 p->proto, p->has_frag ? " fragment" : "");
	}
}
