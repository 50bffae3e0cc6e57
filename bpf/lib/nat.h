/* SPDX-License-Identifier: MIT */
/*
 * bpf/lib/nat.h - DNAT, SNAT and masquerade on top of conntrack.
 *
 * Generated XDP ingress (prerouting):
 *
 *	fwl_parse(ctx, pkt);
 *	fwl_nat_rev(ctx, pkt, zone);            // replies: undo NAT first
 *	fwl_ct_track(ctx, pkt, zone, ct);
 *	fwl_nat_rev_undo(ctx, pkt, ct);         // ... unless ct is INVALID
 *	fwl_nat_dnat_apply(ctx, pkt, ct);       // later packets of a flow
 *	... Prerouting; a DNAT verdict (DNATMap: fwl_dnat_map_target()):
 *	r = fwl_nat_dnat_prepare(ctx, pkt, ct, &target, family);
 *	... Input/Forward; the packet accepted:
 *	r = fwl_nat_dnat_commit(pkt, ct, rule);  // binding + flow, at once
 *
 * fwl_nat_dnat(ctx, pkt, ct, &target) and fwl_nat_dnat_backend(ctx, pkt,
 * ct, set) translate a flow confirmed already, in one step (tests/bpf and
 * the benchmarks).  Generated code picks a set's backend itself
 * (bpf/policy.h fwl_nat_pick, nat_sets.h) and returns a DNAT/SNAT verdict
 * with it, which goes the ways above.
 *
 * Generated TC egress (postrouting):
 *
 *	fwl_parse(ctx, pkt);
 *	fwl_ct_track(ctx, pkt, zone, ct);       // finds DNAT'd flows too
 *	first packet of the flow (fwl_nat_src_first()):
 *	  r = fwl_nat_snat(ctx, pkt, ct, addr, port_min, port_max);
 *	  r = fwl_nat_masq(ctx, pkt, ct, port_min, port_max);
 *	later packets: r = fwl_nat_snat_apply(ctx, pkt, ct);
 *
 * An INVALID packet is never translated (Linux's NAT leaves a packet
 * without conntrack alone): the functions skip it, ingress undoes what
 * fwl_nat_rev did before conntrack judged it, and ingress leaves egress a
 * fingerprint of the packet to see it INVALID too (bpf/lib/ct.h, fwl_ct_fp).
 *
 * Each returns 0 when the packet may go on (translated or not applicable)
 * or a FWL_DROP_* reason when it must be dropped (fails closed for that
 * flow only); fwl_nat_dnat_prepare() returns -1 when it does not apply.
 *
 * The forward translation is stored in the flow's ct entry (dnat/snat
 * slots), so a flow keeps its address, port and backend for its life; the
 * reverse binding (fwl_nat_rev, keyed by the reply tuple on the wire) is
 * inserted before the forward one and dies with the entry (bpf/lib/ct.h
 * removes it; a binding found without its entry is stale and dropped).
 * SNAT keeps the original source port when it is free (no binding and no
 * conntrack entry holds the reply tuple, fwl_nat_tuple_taken) and inside
 * [port_min, port_max], else tries FWL_NAT_PROBES ports of that range (or
 * of the port's class) in the order maps/nat.h gives; if all are taken
 * the flow is dropped, its entry removed, and counted
 * (FWL_NAT_STAT_NO_PORT).  Checksums are updated incrementally (csum.h)
 * for IPv4, TCP, UDP, ICMP and ICMPv6, and for the quoted packet inside
 * ICMP errors.  Non-first fragments have their addresses rewritten only
 * (their ports and L4 checksum are in the first fragment).
 *
 * Known gaps: ICMP errors are translated only on the way to the flow's
 * originator (errors about replies are passed untranslated); IPv6
 * extension headers inside quoted packets are not walked; protocols other
 * than TCP/UDP/ICMP echo are translated by address only, so two inside
 * hosts cannot share a masquerade address towards the same peer with such
 * a protocol (the second gets FWL_DROP_NAT_NO_PORT).
 */
#ifndef FWL_BPF_NAT_H
#define FWL_BPF_NAT_H

#include "ct.h"
#include "csum.h"
#include "fib.h"
#include "maps/nat.h"
#include "nat_sets.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FWL_DNAT_MAP_MAX);
	__type(key, struct fwl_dnat_key);
	__type(value, struct fwl_nat_target);
} fwl_dnat_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FWL_IFADDR_MAX);
	__type(key, __u32);
	__type(value, struct fwl_ifaddr);
} fwl_ifaddr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FWL_NAT_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} fwl_nat_stat SEC(".maps");

static __always_inline void fwl_nat_stat_inc(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&fwl_nat_stat, &idx);

	if (v)
		(*v)++;
}

static __always_inline int fwl_nat_is_echo(const struct fwl_pkt *pkt)
{
	return (pkt->l4 == IPPROTO_ICMP || pkt->l4 == IPPROTO_ICMPV6) &&
	       fwl_icmp_query(pkt->l4, pkt->icmp_type);
}

static __always_inline int fwl_addr_eq(const __be32 *a, const __be32 *b)
{
	return a[0] == b[0] && a[1] == b[1] && a[2] == b[2] && a[3] == b[3];
}

/* Checksum specs of the packet's transport: for a pseudo-header field
 * (address) and for a header field (port). */
static __always_inline __u32 fwl_nat_l4_spec(const struct fwl_pkt *pkt,
					     int pseudo)
{
	__u32 off = pkt->l4_off, fl = pseudo ? FWL_CS_PSEUDO : FWL_CS_L4;

	if (pkt->frag & FWL_FRAG_LATER)
		return FWL_CS_NONE;
	switch (pkt->l4) {
	case IPPROTO_TCP:
		return FWL_CS(off + 16, fl);
	case IPPROTO_UDP:
		return FWL_CS(off + 6, fl | FWL_CS_UDP);
	case IPPROTO_ICMPV6:
		return FWL_CS(off + 2, fl);
	case IPPROTO_ICMP:
		return pseudo ? FWL_CS_NONE : FWL_CS(off + 2, fl);
	}
	return FWL_CS_NONE;
}

/*
 * Set the source (dst = 0) or destination (dst = 1) address and port of
 * the packet, checksums included, and update pkt.  port 0 keeps the port;
 * for ICMP echo the port is the identifier.
 */
static __always_inline int fwl_nat_set_end(void *ctx_, struct fwl_pkt *pkt,
					   int dst, const __be32 *addr,
					   __u16 port, int is_xdp)
{
	__be32 *cur = dst ? pkt->daddr : pkt->saddr;
	__u32 l3 = pkt->l3_off, off;
	__u16 oldp, nport;
	int r;

	if (!fwl_addr_eq(cur, addr)) {
		if (pkt->l3 == ETH_P_IP) {
			off = l3 + (dst ? 16 : 12);
			r = is_xdp ?
			    fwl_rewrite_xdp(ctx_, off, addr, 4,
					    FWL_CS(l3 + 10, FWL_CS_L3),
					    fwl_nat_l4_spec(pkt, 1), 0xffff) :
			    fwl_rewrite_skb(ctx_, off, addr, 4,
					    FWL_CS(l3 + 10, FWL_CS_L3),
					    fwl_nat_l4_spec(pkt, 1), 0xffff);
		} else {
			off = l3 + (dst ? 24 : 8);
			r = is_xdp ?
			    fwl_rewrite_xdp(ctx_, off, addr, 16,
					    fwl_nat_l4_spec(pkt, 1),
					    FWL_CS_NONE, 0xffff) :
			    fwl_rewrite_skb(ctx_, off, addr, 16,
					    fwl_nat_l4_spec(pkt, 1),
					    FWL_CS_NONE, 0xffff);
		}
		if (r < 0)
			return FWL_DROP_UNSUPPORTED;
		__builtin_memcpy(cur, addr, 16);
	}
	if (!port || (pkt->frag & FWL_FRAG_LATER))
		return 0;
	if (pkt->l4 == IPPROTO_TCP || pkt->l4 == IPPROTO_UDP) {
		oldp = dst ? pkt->dport : pkt->sport;
		off = pkt->l4_off + (dst ? 2 : 0);
	} else if (fwl_nat_is_echo(pkt)) {
		oldp = pkt->icmp_id;
		off = pkt->l4_off + 4;
	} else {
		return 0;
	}
	if (oldp == port)
		return 0;
	nport = bpf_htons(port);
	r = is_xdp ? fwl_rewrite_xdp(ctx_, off, &nport, 2,
				     fwl_nat_l4_spec(pkt, 0), FWL_CS_NONE,
				     0xffff) :
		     fwl_rewrite_skb(ctx_, off, &nport, 2,
				     fwl_nat_l4_spec(pkt, 0), FWL_CS_NONE,
				     0xffff);
	if (r < 0)
		return FWL_DROP_UNSUPPORTED;
	if (pkt->l4 == IPPROTO_TCP || pkt->l4 == IPPROTO_UDP) {
		if (dst)
			pkt->dport = port;
		else
			pkt->sport = port;
	} else {
		pkt->icmp_id = port;
	}
	return 0;
}

#define fwl_nat_set_end_(ctx, pkt, dst, addr, port)			\
	fwl_nat_set_end(ctx, pkt, dst, addr, port,			\
			_Generic((ctx), struct xdp_md *: 1, default: 0))

/* The current tuple of the packet as a reverse-binding key. */
static __always_inline void fwl_nat_pkt_rkey(const struct fwl_pkt *pkt,
					     __u16 zone,
					     struct fwl_nat_rkey *r)
{
	__builtin_memcpy(r->saddr, pkt->saddr, 16);
	__builtin_memcpy(r->daddr, pkt->daddr, 16);
	if (pkt->l4 == IPPROTO_TCP || pkt->l4 == IPPROTO_UDP) {
		r->sport = pkt->sport;
		r->dport = pkt->dport;
	} else if (fwl_nat_is_echo(pkt)) {
		r->sport = r->dport = pkt->icmp_id;
	} else {
		r->sport = r->dport = 0;
	}
	r->proto = pkt->l4;
	r->family = pkt->l3 == ETH_P_IPV6 ? 6 : 4;
	r->zone = zone;
}

/* The live entry of a binding, or NULL (the stale binding is removed). */
static __always_inline struct fwl_ct_entry *
fwl_nat_binding_entry(const struct fwl_nat_rkey *r,
		      const struct fwl_nat_rval *v)
{
	struct fwl_ct_entry *e;
	__u8 tier;

	e = fwl_ct_find(&v->ct, fwl_now(), &tier);
	if (!e || !(e->status & (FWL_CT_S_DNAT | FWL_CT_S_SNAT))) {
		bpf_map_delete_elem(&fwl_nat_rev, r);
		fwl_nat_stat_inc(FWL_NAT_STAT_STALE);
		return NULL;
	}
	return e;
}

/*
 * Insert the reverse binding r -> ct; an existing binding whose flow is
 * gone is taken over.  Returns 0 or -1 (taken by a live flow).
 */
static __always_inline int fwl_nat_bind(const struct fwl_nat_rkey *r,
					const struct fwl_ct_key *ct)
{
	struct fwl_nat_rval v, *old;

	v.ct = *ct;
	if (!bpf_map_update_elem(&fwl_nat_rev, r, &v, BPF_NOEXIST))
		return 0;
	old = bpf_map_lookup_elem(&fwl_nat_rev, r);
	if (!old)
		return bpf_map_update_elem(&fwl_nat_rev, r, &v, BPF_NOEXIST) ?
		       -1 : 0;
	if (fwl_nat_binding_entry(r, old))
		return -1;
	return bpf_map_update_elem(&fwl_nat_rev, r, &v, BPF_NOEXIST) ? -1 : 0;
}

static __always_inline struct fwl_ct_entry *
fwl_nat_entry(const struct fwl_ct *ct)
{
	if (ct->tier == FWL_CT_TIER_EST)
		return bpf_map_lookup_elem(&fwl_ct, &ct->key);
	if (ct->tier == FWL_CT_TIER_NEW)
		return bpf_map_lookup_elem(&fwl_ct_new, &ct->key);
	return NULL;
}

/* ---- reverse translation (ingress, before fwl_ct_track) ---- */

/* An ICMP error quoting a translated packet on its way to the flow's
 * originator: restore the quoted packet and the outer destination. */
static __always_inline int fwl_nat_rev_icmp_err(void *ctx_,
						struct fwl_pkt *pkt,
						__u16 zone, int is_xdp)
{
	void *data = is_xdp ? xdp_data(ctx_) : skb_data(ctx_);
	void *data_end = is_xdp ? xdp_data_end(ctx_) : skb_data_end(ctx_);
	__u32 il3 = pkt->payload_off, il4, icsum = FWL_CS(pkt->l4_off + 2,
							   FWL_CS_L4);
	__u32 l4cs_ps = 0, l4cs = 0, diff = 0, region = pkt->l4_off;
	struct fwl_nat_rkey r = {};
	struct fwl_nat_rval *v;
	struct fwl_ct_entry *e;
	const __be32 *os, *od;
	__u16 osp, odp, np;
	__u8 proto, *l4;
	int v6 = pkt->l3 == ETH_P_IPV6, d, off_s, off_d;
	__u32 st;

	if (!v6) {
		struct iphdr *ip = fwl_hdr_at(data, data_end, il3, sizeof(*ip));

		if (!ip || ip->version != 4 || ip->ihl < 5)
			return 0;
		r.daddr[0] = ip->saddr;
		r.saddr[0] = ip->daddr;
		proto = ip->protocol;
		il4 = il3 + ip->ihl * 4;
		off_s = il3 + 12;
		off_d = il3 + 16;
	} else {
		struct ipv6hdr *ip6 = fwl_hdr_at(data, data_end, il3,
						 sizeof(*ip6));

		if (!ip6 || ip6->version != 6)
			return 0;
		__builtin_memcpy(r.daddr, &ip6->saddr, 16);
		__builtin_memcpy(r.saddr, &ip6->daddr, 16);
		proto = ip6->nexthdr;
		il4 = il3 + 40;
		off_s = il3 + 8;
		off_d = il3 + 24;
	}
	l4 = fwl_hdr_at(data, data_end, il4, 8);
	if (!l4)
		return 0;
	if (proto == IPPROTO_TCP || proto == IPPROTO_UDP) {
		r.dport = ((__u16)l4[0] << 8) | l4[1];
		r.sport = ((__u16)l4[2] << 8) | l4[3];
		/* the quoted checksum, if quoted */
		if (proto == IPPROTO_UDP) {
			l4cs_ps = FWL_CS(il4 + 6, FWL_CS_PSEUDO | FWL_CS_UDP);
			l4cs = FWL_CS(il4 + 6, FWL_CS_L4 | FWL_CS_UDP);
		} else if (il4 + 18 <= pkt->ip_end) {
			l4cs_ps = FWL_CS(il4 + 16, FWL_CS_PSEUDO);
			l4cs = FWL_CS(il4 + 16, FWL_CS_L4);
		}
	} else if ((proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6) &&
		   fwl_icmp_query(proto, l4[0])) {
		r.sport = r.dport = ((__u16)l4[4] << 8) | l4[5];
		l4cs = FWL_CS(il4 + 2, FWL_CS_L4);
		if (proto == IPPROTO_ICMPV6)
			l4cs_ps = FWL_CS(il4 + 2, FWL_CS_PSEUDO);
	}
	r.proto = proto;
	r.family = v6 ? 6 : 4;
	r.zone = zone;
	v = bpf_map_lookup_elem(&fwl_nat_rev, &r);
	if (!v)
		return 0;
	e = fwl_nat_binding_entry(&r, v);
	if (!e)
		return 0;
	st = e->status;
	os = fwl_ct_orig_saddr(&v->ct, st);
	od = fwl_ct_orig_daddr(&v->ct, st);
	osp = fwl_ct_orig_sport(&v->ct, st);
	odp = fwl_ct_orig_dport(&v->ct, st);

	if (st & FWL_CT_S_SNAT) {
		/* quoted source: back to the originator */
		d = is_xdp ? fwl_rewrite_xdp(ctx_, off_s, os, v6 ? 16 : 4,
					     v6 ? FWL_CS_NONE :
						  FWL_CS(il3 + 10, FWL_CS_L3),
					     l4cs_ps, region) :
			     fwl_rewrite_skb(ctx_, off_s, os, v6 ? 16 : 4,
					     v6 ? FWL_CS_NONE :
						  FWL_CS(il3 + 10, FWL_CS_L3),
					     l4cs_ps, region);
		if (d < 0)
			return FWL_DROP_UNSUPPORTED;
		diff += d;
		if (r.dport && osp) {
			np = bpf_htons(osp);
			d = is_xdp ?
			    fwl_rewrite_xdp(ctx_, il4 + (r.sport == r.dport &&
					    proto != IPPROTO_TCP &&
					    proto != IPPROTO_UDP ? 4 : 0),
					    &np, 2, l4cs, FWL_CS_NONE, region) :
			    fwl_rewrite_skb(ctx_, il4 + (r.sport == r.dport &&
					    proto != IPPROTO_TCP &&
					    proto != IPPROTO_UDP ? 4 : 0),
					    &np, 2, l4cs, FWL_CS_NONE, region);
			if (d < 0)
				return FWL_DROP_UNSUPPORTED;
			diff += d;
		}
	}
	if (st & FWL_CT_S_DNAT) {
		/* quoted destination: back to what the originator asked */
		d = is_xdp ? fwl_rewrite_xdp(ctx_, off_d, od, v6 ? 16 : 4,
					     v6 ? FWL_CS_NONE :
						  FWL_CS(il3 + 10, FWL_CS_L3),
					     l4cs_ps, region) :
			     fwl_rewrite_skb(ctx_, off_d, od, v6 ? 16 : 4,
					     v6 ? FWL_CS_NONE :
						  FWL_CS(il3 + 10, FWL_CS_L3),
					     l4cs_ps, region);
		if (d < 0)
			return FWL_DROP_UNSUPPORTED;
		diff += d;
		if ((proto == IPPROTO_TCP || proto == IPPROTO_UDP) && odp) {
			np = bpf_htons(odp);
			d = is_xdp ? fwl_rewrite_xdp(ctx_, il4 + 2, &np, 2, l4cs,
						     FWL_CS_NONE, region) :
				     fwl_rewrite_skb(ctx_, il4 + 2, &np, 2, l4cs,
						     FWL_CS_NONE, region);
			if (d < 0)
				return FWL_DROP_UNSUPPORTED;
			diff += d;
		}
	}
	/* the outer ICMP checksum covers the quoted packet */
	if (is_xdp)
		fwl_csum_fix_xdp(ctx_, icsum, diff);
	else
		fwl_csum_fix_skb(ctx_, icsum, diff);
	/* the error goes to the originator */
	if (st & FWL_CT_S_SNAT) {
		d = fwl_nat_set_end(ctx_, pkt, 1, os, 0, is_xdp);
		if (d)
			return d;
	}
	fwl_nat_stat_inc(FWL_NAT_STAT_REV);
	return 0;
}

static __always_inline int fwl_nat_rev_data(void *ctx_, struct fwl_pkt *pkt,
					    __u32 zone, int is_xdp)
{
	struct fwl_nat_rkey r;
	struct fwl_nat_rval *v;
	struct fwl_ct_entry *e;
	struct fwl_scratch *s;
	struct fwl_ct_key k;
	__u32 st;
	int d;

	if ((pkt->l3 != ETH_P_IP && pkt->l3 != ETH_P_IPV6) || pkt->invalid)
		return 0;
	if ((pkt->l4 == IPPROTO_ICMP || pkt->l4 == IPPROTO_ICMPV6) &&
	    fwl_icmp_is_error(pkt->l4, pkt->icmp_type)) {
		if (pkt->frag & FWL_FRAG_LATER)
			return 0;
		return fwl_nat_rev_icmp_err(ctx_, pkt, zone, is_xdp);
	}
	if (fwl_frag_resolve(pkt))
		return 0;
	/* an ICMP query's reply is a reply message: a request the other
	 * way is a flow of its own (Linux's tuple has the type), even with
	 * the binding's identifier */
	if ((pkt->l4 == IPPROTO_ICMP || pkt->l4 == IPPROTO_ICMPV6) &&
	    fwl_icmp_query(pkt->l4, pkt->icmp_type) != 2)
		return 0;
	fwl_nat_pkt_rkey(pkt, zone, &r);
	v = bpf_map_lookup_elem(&fwl_nat_rev, &r);
	if (!v)
		return 0;
	e = fwl_nat_binding_entry(&r, v);
	if (!e)
		return 0;
	st = e->status;
	k = v->ct;
	s = fwl_scratch();
	if (s)
		s->nat_pre = r;	/* fwl_nat_rev_undo() */
	if (st & FWL_CT_S_DNAT) {
		d = fwl_nat_set_end(ctx_, pkt, 0, fwl_ct_orig_daddr(&k, st),
				    fwl_ct_orig_dport(&k, st), is_xdp);
		if (d)
			return d;
	}
	if (st & FWL_CT_S_SNAT) {
		d = fwl_nat_set_end(ctx_, pkt, 1, fwl_ct_orig_saddr(&k, st),
				    fwl_ct_orig_sport(&k, st), is_xdp);
		if (d)
			return d;
	}
	pkt->flags |= FWL_PKT_F_NAT_REV;	/* conntrack: a true reply */
	fwl_nat_stat_inc(FWL_NAT_STAT_REV);
	return 0;
}

__attribute__((noinline)) int fwl_nat_rev_xdp(struct xdp_md *ctx,
					      struct fwl_pkt *pkt, __u32 zone)
{
	if (!pkt)
		return FWL_DROP_UNSUPPORTED;
	return fwl_nat_rev_data(ctx, pkt, zone, 1);
}

__attribute__((noinline)) int fwl_nat_rev_skb(struct __sk_buff *ctx,
					      struct fwl_pkt *pkt, __u32 zone)
{
	if (!pkt)
		return FWL_DROP_UNSUPPORTED;
	return fwl_nat_rev_data(ctx, pkt, zone, 0);
}

#define fwl_nat_rev(ctx, pkt, zone) \
	FWL_CTX_DISPATCH_(ctx, fwl_nat_rev_xdp, fwl_nat_rev_skb)(ctx, pkt, zone)

/*
 * A packet fwl_nat_rev() turned back that conntrack then found INVALID
 * (bad TCP flags, out of window) is not the flow's: Linux detaches the
 * connection from an invalid packet and NAT leaves it alone.  Put its
 * tuple back as it arrived (XDP ingress).
 */
__attribute__((noinline)) int fwl_nat_rev_undo(struct xdp_md *ctx,
					       struct fwl_pkt *pkt)
{
	struct fwl_scratch *s = fwl_scratch();
	int d;

	if (!pkt || !s || !(pkt->flags & FWL_PKT_F_NAT_REV))
		return 0;
	pkt->flags &= ~FWL_PKT_F_NAT_REV;
	d = fwl_nat_set_end(ctx, pkt, 0, s->nat_pre.saddr, s->nat_pre.sport,
			    1);
	if (d)
		return d;
	return fwl_nat_set_end(ctx, pkt, 1, s->nat_pre.daddr,
			       s->nat_pre.dport, 1);
}

/* ---- DNAT (ingress) ---- */

/* Later packets of a DNAT'd flow, original direction. */
__attribute__((noinline)) int fwl_nat_dnat_apply_xdp(struct xdp_md *ctx,
						     struct fwl_pkt *pkt,
						     struct fwl_ct *ct)
{
	if (!pkt || !ct || ct->state == FWL_CT_INVALID || !ct->tier ||
	    ct->dir != FWL_CT_DIR_ORIG || !(ct->status & FWL_CT_S_DNAT))
		return 0;
	return fwl_nat_set_end(ctx, pkt, 1, ct->dnat.addr, ct->dnat.port, 1);
}

__attribute__((noinline)) int fwl_nat_dnat_apply_skb(struct __sk_buff *ctx,
						     struct fwl_pkt *pkt,
						     struct fwl_ct *ct)
{
	if (!pkt || !ct || ct->state == FWL_CT_INVALID || !ct->tier ||
	    ct->dir != FWL_CT_DIR_ORIG || !(ct->status & FWL_CT_S_DNAT))
		return 0;
	return fwl_nat_set_end(ctx, pkt, 1, ct->dnat.addr, ct->dnat.port, 0);
}

#define fwl_nat_dnat_apply(ctx, pkt, ct)				\
	FWL_CTX_DISPATCH_(ctx, fwl_nat_dnat_apply_xdp,			\
			  fwl_nat_dnat_apply_skb)(ctx, pkt, ct)

/* The host's own packet that fwl_nat_dnat_apply() just translated: is
 * its new destination routed out of another interface (or to the host
 * itself, or nowhere)?  TC egress runs after the kernel's routing and
 * cannot route the packet again as Linux's output NAT does, so the
 * caller drops it.  Only DNAT'd flows pay the lookup. */
__attribute__((noinline)) int fwl_nat_dnat_rerouted(struct __sk_buff *skb,
						    struct fwl_pkt *pkt,
						    struct fwl_ct *ct)
{
	__u32 oif = 0;

	/* its own frame: the FIB query's 64 bytes stay off fwl_egress's
	 * stack, which its deepest call chain needs (512 in all) */
	if (!skb || !pkt || !ct)
		return 1;	/* cannot happen: fails closed */
	if (ct->state == FWL_CT_INVALID || !ct->tier ||
	    ct->dir != FWL_CT_DIR_ORIG || !(ct->status & FWL_CT_S_DNAT))
		return 0;
	if (fwl_fib_route(skb, pkt, &oif) != FWL_ROUTE_FORWARD)
		return 1;
	return oif != skb->ifindex;
}

static __always_inline int fwl_nat_dnat_data(void *ctx_, struct fwl_pkt *pkt,
					     struct fwl_ct *ct,
					     const struct fwl_nat_target *t,
					     int is_xdp)
{
	struct fwl_nat_rkey r;
	struct fwl_ct_entry *e;

	if (ct->state == FWL_CT_INVALID || ct->dir != FWL_CT_DIR_ORIG)
		return 0;
	if (ct->status & FWL_CT_S_DNAT)
		return fwl_nat_set_end(ctx_, pkt, 1, ct->dnat.addr,
				       ct->dnat.port, is_xdp);
	e = fwl_nat_entry(ct);
	if (!e)
		return FWL_DROP_NAT_NO_FLOW;
	/* reply: from the target to the (not yet SNAT'd) source */
	fwl_nat_pkt_rkey(pkt, ct->key.zone, &r);
	__builtin_memcpy(r.daddr, pkt->saddr, 16);
	__builtin_memcpy(r.saddr, t->addr, 16);
	if (pkt->l4 == IPPROTO_TCP || pkt->l4 == IPPROTO_UDP) {
		r.dport = pkt->sport;
		r.sport = t->port ? t->port : pkt->dport;
	}
	if (fwl_nat_bind(&r, &ct->key)) {
		fwl_nat_stat_inc(FWL_NAT_STAT_COLLISION);
		return FWL_DROP_NAT_COLLISION;
	}
	__builtin_memcpy(e->dnat.addr, t->addr, 16);
	e->dnat.port = (pkt->l4 == IPPROTO_TCP || pkt->l4 == IPPROTO_UDP) ?
		       t->port : 0;
	e->status |= FWL_CT_S_DNAT;
	ct->dnat = e->dnat;
	ct->status |= FWL_CT_S_DNAT;
	fwl_nat_stat_inc(FWL_NAT_STAT_DNAT);
	return fwl_nat_set_end(ctx_, pkt, 1, t->addr, e->dnat.port, is_xdp);
}

__attribute__((noinline)) int fwl_nat_dnat_xdp(struct xdp_md *ctx,
					       struct fwl_pkt *pkt,
					       struct fwl_ct *ct,
					       struct fwl_nat_target *t)
{
	if (!pkt || !ct || !t)
		return FWL_DROP_UNSUPPORTED;
	return fwl_nat_dnat_data(ctx, pkt, ct, t, 1);
}

__attribute__((noinline)) int fwl_nat_dnat_skb(struct __sk_buff *ctx,
					       struct fwl_pkt *pkt,
					       struct fwl_ct *ct,
					       struct fwl_nat_target *t)
{
	if (!pkt || !ct || !t)
		return FWL_DROP_UNSUPPORTED;
	return fwl_nat_dnat_data(ctx, pkt, ct, t, 0);
}

/* DNAT to one target (t: pointer to a struct fwl_nat_target). */
#define fwl_nat_dnat(ctx, pkt, ct, t) \
	FWL_CTX_DISPATCH_(ctx, fwl_nat_dnat_xdp, fwl_nat_dnat_skb)(ctx, pkt, \
								    ct, t)

/* DNATMap: the target of the packet's (family, protocol, destination
 * port) in fwl_dnat_map, or NULL. */
static __always_inline struct fwl_nat_target *
fwl_dnat_map_target(const struct fwl_pkt *pkt)
{
	struct fwl_dnat_key k = { .port = pkt->dport, .proto = pkt->l4,
				  .family = pkt->l3 == ETH_P_IPV6 ? 6 : 4 };

	return bpf_map_lookup_elem(&fwl_dnat_map, &k);
}

/*
 * DNAT of a flow's first packet in two steps, so that a packet a later
 * policy drops leaves nothing behind (Linux confirms a connection, with
 * its NAT binding, only when the packet leaves the hooks accepted):
 *
 *	fwl_nat_dnat_prepare()	after Prerouting: rewrites the packet's
 *				destination (routing and the filter see the
 *				target) and marks ct DNAT; no map is touched;
 *	fwl_nat_dnat_commit()	once the packet is accepted: inserts the
 *				reverse binding, then creates the flow with
 *				its translation (instead of fwl_ct_confirm).
 *
 * prepare returns -1 when it does not apply (not a flow's first packet,
 * the target's family is not the packet's), 0 when applied, or a drop
 * reason; t->port becomes the port the flow keeps (0 outside TCP/UDP).
 */
__attribute__((noinline)) int fwl_nat_dnat_prepare(struct xdp_md *ctx,
						   struct fwl_pkt *pkt,
						   struct fwl_ct *ct,
						   struct fwl_nat_target *t,
						   __u32 family)
{
	if (!pkt || !ct || !t)
		return FWL_DROP_UNSUPPORTED;
	if (!ct->pending || ct->state == FWL_CT_INVALID ||
	    ct->dir != FWL_CT_DIR_ORIG ||
	    (family == 6) != (pkt->l3 == ETH_P_IPV6))
		return -1;
	if (pkt->l4 != IPPROTO_TCP && pkt->l4 != IPPROTO_UDP)
		t->port = 0;
	__builtin_memcpy(ct->dnat.addr, t->addr, 16);
	ct->dnat.port = t->port;
	ct->status |= FWL_CT_S_DNAT;
	return fwl_nat_set_end(ctx, pkt, 1, t->addr, t->port, 1);
}

__attribute__((noinline)) int fwl_nat_dnat_commit(struct fwl_pkt *pkt,
						  struct fwl_ct *ct,
						  __u32 rule_id)
{
	struct fwl_nat_rkey r;

	if (!pkt || !ct)
		return FWL_DROP_UNSUPPORTED;
	if (!ct->pending || !(ct->status & FWL_CT_S_DNAT))
		return FWL_DROP_NAT_NO_FLOW;
	/* the reply: the packet as it now is, turned around */
	fwl_nat_pkt_rkey(pkt, ct->key.zone, &r);
	__builtin_memcpy(r.saddr, pkt->daddr, 16);
	__builtin_memcpy(r.daddr, pkt->saddr, 16);
	if (pkt->l4 == IPPROTO_TCP || pkt->l4 == IPPROTO_UDP) {
		r.sport = pkt->dport;
		r.dport = pkt->sport;
	}
	if (fwl_nat_bind(&r, &ct->key)) {
		fwl_nat_stat_inc(FWL_NAT_STAT_COLLISION);
		return FWL_DROP_NAT_COLLISION;
	}
	if (fwl_ct_confirm_pkt(pkt, ct, rule_id)) {
		bpf_map_delete_elem(&fwl_nat_rev, &r);
		return FWL_DROP_NAT_NO_FLOW;
	}
	fwl_nat_stat_inc(FWL_NAT_STAT_DNAT);
	return 0;
}

/* DNAT to a backend of set `set` (nat_sets.h), in one step: a flow
 * confirmed already (tests/bpf and the benchmarks). */
#define fwl_nat_dnat_backend(ctx, pkt, ct, set) ({			\
	struct fwl_nat_target *be_ = fwl_nat_set_pick(ct, set);		\
	int r_;								\
	if ((ct)->status & FWL_CT_S_DNAT)				\
		r_ = fwl_nat_dnat_apply(ctx, pkt, ct);			\
	else if (!be_) {						\
		fwl_nat_stat_inc(FWL_NAT_STAT_NO_BACKEND);		\
		r_ = FWL_DROP_NAT_NO_BACKEND;				\
	} else								\
		r_ = fwl_nat_dnat(ctx, pkt, ct, be_);			\
	r_; })

/* ---- SNAT / masquerade (egress) ---- */

/*
 * Does a live conntrack entry other than the flow's own (own) hold the
 * reply tuple r (Linux's nf_nat_used_tuple: the conntrack table, not only
 * the NAT bindings)?  An entry whose original tuple is r holds it, and so
 * does an untranslated entry whose original is r's reverse (its reply is
 * r); a translated entry's reply is its binding in fwl_nat_rev, checked
 * apart.  For an ICMP echo r's identifier is on the requester's side.
 */
__attribute__((noinline)) int fwl_nat_tuple_taken(struct fwl_nat_rkey *r,
						  struct fwl_ct_key *own)
{
	struct fwl_ct_entry *e;
	struct fwl_ct_key k;
	const __u32 *a = (const __u32 *)&k, *b = (const __u32 *)own;
	__u32 diff = 0, i;
	__u8 lo, tier;
	int echo;

	if (!r || !own)
		return 1;
	echo = r->proto == IPPROTO_ICMP || r->proto == IPPROTO_ICMPV6;
	fwl_ct_key_make(&k, r->saddr, echo ? 0 : r->sport, r->daddr,
			r->dport, r->proto, r->family, r->zone, &lo);
	for (i = 0; i < sizeof(k) / 4; i++)
		diff |= a[i] ^ b[i];
	if (!diff)
		return 0;	/* the flow itself (Linux ignores it too) */
	e = fwl_ct_find(&k, fwl_now(), &tier);
	if (!e)
		return 0;
	/* r's source is the originator: the entry's original tuple is r */
	if (lo == !!(e->status & FWL_CT_S_ORIG_LO))
		return 1;
	return !(e->status & (FWL_CT_S_DNAT | FWL_CT_S_SNAT));
}

static __always_inline int fwl_nat_snat_data(void *ctx_, struct fwl_pkt *pkt,
					     struct fwl_ct *ct,
					     const __be32 *addr, __u32 range,
					     int is_xdp)
{
	__u16 pmin = range & 0xffff, pmax = range >> 16, orig, cand;
	__u32 span, h;
	struct fwl_config *cfg;
	struct fwl_nat_rkey r, old;
	struct fwl_ct_entry *e;
	int i, got = 0, ported, any;

	if (ct->state == FWL_CT_INVALID || ct->state == FWL_CT_UNTRACKED ||
	    !ct->tier || ct->dir != FWL_CT_DIR_ORIG)
		return 0;
	if (ct->status & FWL_CT_S_SNAT)
		return fwl_nat_set_end(ctx_, pkt, 0, ct->snat.addr,
				       ct->snat.port, is_xdp);
	if (pkt->frag & FWL_FRAG_LATER)
		return FWL_DROP_NAT_NO_FLOW;	/* needs the first fragment */
	e = fwl_nat_entry(ct);
	if (!e)
		return FWL_DROP_NAT_NO_FLOW;
	ported = pkt->l4 == IPPROTO_TCP || pkt->l4 == IPPROTO_UDP ||
		 fwl_nat_is_echo(pkt);
	/* the reply as it will come back: from the (DNAT'd) destination */
	fwl_nat_pkt_rkey(pkt, ct->key.zone, &r);
	__builtin_memcpy(r.saddr, pkt->daddr, 16);
	__builtin_memcpy(r.daddr, addr, 16);
	r.sport = ported ? (fwl_nat_is_echo(pkt) ? 0 : pkt->dport) : 0;
	orig = pkt->l4 == IPPROTO_TCP || pkt->l4 == IPPROTO_UDP ?
	       pkt->sport : pkt->icmp_id;
	if (!ported) {
		/* no port to move aside: a clash drops the flow */
		r.dport = 0;
		got = !fwl_nat_tuple_taken(&r, &ct->key) &&
		      !fwl_nat_bind(&r, &ct->key);
		cand = 0;
	} else {
		/* no range given: the original port whatever it is, else
		   its class (Linux: nf_in_range holds without a range) */
		any = pmin == 0 && pmax == 0;
		if (any)
			fwl_nat_port_class(orig, fwl_nat_is_echo(pkt), &pmin,
					   &pmax);
		if (pmax < pmin)
			pmax = pmin;
		span = (__u32)pmax - pmin + 1;
		/* the candidates after the original (maps/nat.h) */
		cfg = fwl_cfg();
		h = fwl_nat_port_hash(pkt->saddr, pkt->daddr,
				      fwl_nat_is_echo(pkt) ? 0 : pkt->dport,
				      pkt->l4, cfg ? cfg->nat_seed : 0);
		cand = orig;
		for (i = 0; i <= FWL_NAT_PROBES; i++) {
			if (i > 0)
				cand = pmin + (h + i) % span;
			else if (!any && (orig < pmin || orig > pmax))
				continue;
			r.dport = cand;
			if (fwl_nat_is_echo(pkt))
				r.sport = cand;
			if (fwl_nat_tuple_taken(&r, &ct->key))
				continue;
			if (!fwl_nat_bind(&r, &ct->key)) {
				got = 1;
				fwl_nat_stat_inc(i ? FWL_NAT_STAT_PROBED :
						     FWL_NAT_STAT_KEPT_PORT);
				break;
			}
		}
	}
	if (!got) {
		/* The flow cannot be made: Linux drops its first packet
		 * before confirming it.  The entry ingress (or, for the
		 * host's packet, egress) made for it goes, with its DNAT
		 * binding, so its reverse is not Established. */
		fwl_ct_unbind(&ct->key, e);
		fwl_ct_delete(&ct->key, ct->tier);
		ct->tier = FWL_CT_TIER_NONE;
		fwl_nat_stat_inc(FWL_NAT_STAT_NO_PORT);
		return FWL_DROP_NAT_NO_PORT;
	}
	/* a DNAT'd flow had a binding for the un-SNAT'd reply: replace it */
	if (e->status & FWL_CT_S_DNAT) {
		fwl_ct_reply_key(&ct->key, e, &old);
		bpf_map_delete_elem(&fwl_nat_rev, &old);
	}
	__builtin_memcpy(e->snat.addr, addr, 16);
	e->snat.port = cand;
	e->status |= FWL_CT_S_SNAT;
	ct->snat = e->snat;
	ct->status |= FWL_CT_S_SNAT;
	fwl_nat_stat_inc(FWL_NAT_STAT_SNAT);
	return fwl_nat_set_end(ctx_, pkt, 0, addr, cand, is_xdp);
}

__attribute__((noinline)) int fwl_nat_snat_xdp(struct xdp_md *ctx,
					       struct fwl_pkt *pkt,
					       struct fwl_ct *ct,
					       struct fwl_nat_target *a,
					       __u32 range)
{
	if (!pkt || !ct || !a)
		return FWL_DROP_UNSUPPORTED;
	return fwl_nat_snat_data(ctx, pkt, ct, a->addr, range, 1);
}

__attribute__((noinline)) int fwl_nat_snat_skb(struct __sk_buff *ctx,
					       struct fwl_pkt *pkt,
					       struct fwl_ct *ct,
					       struct fwl_nat_target *a,
					       __u32 range)
{
	if (!pkt || !ct || !a)
		return FWL_DROP_UNSUPPORTED;
	return fwl_nat_snat_data(ctx, pkt, ct, a->addr, range, 0);
}

#define FWL_PORT_RANGE(min, max) ((__u32)(min) | (__u32)(max) << 16)

/* SNAT to a->addr (a: struct fwl_nat_target *, port ignored). */
#define fwl_nat_snat(ctx, pkt, ct, a, pmin, pmax)			\
	FWL_CTX_DISPATCH_(ctx, fwl_nat_snat_xdp, fwl_nat_snat_skb)(ctx, pkt, \
		ct, a, FWL_PORT_RANGE(pmin, pmax))

/* Later packets of a SNAT'd flow, original direction (egress). */
__attribute__((noinline)) int fwl_nat_snat_apply(struct __sk_buff *ctx,
						 struct fwl_pkt *pkt,
						 struct fwl_ct *ct)
{
	if (!pkt || !ct || ct->state == FWL_CT_INVALID || !ct->tier ||
	    ct->dir != FWL_CT_DIR_ORIG || !(ct->status & FWL_CT_S_SNAT))
		return 0;
	return fwl_nat_set_end(ctx, pkt, 0, ct->snat.addr, ct->snat.port, 0);
}

/* Do the Postrouting NAT policies see this packet?  Only a flow's first
 * (Linux: while the connection's source NAT is not initialized): one that
 * opens the flow here, or the first of a forwarded flow, or of a flow a
 * helper expected. */
static __always_inline int fwl_nat_src_first(const struct fwl_ct *ct)
{
	if (ct->pending)
		return 1;
	if (!ct->tier || ct->dir != FWL_CT_DIR_ORIG ||
	    (ct->status & FWL_CT_S_SRC_NAT_SEEN))
		return 0;
	return ct->state == FWL_CT_NEW ||
	       (ct->state == FWL_CT_RELATED &&
		(ct->status & FWL_CT_S_EXPECTED));
}

/* The Postrouting NAT policies have seen the flow: later packets use its
 * binding (fwl_nat_snat_apply), or none. */
static __always_inline void fwl_nat_src_seen(struct fwl_ct *ct)
{
	struct fwl_ct_entry *e = fwl_nat_entry(ct);

	ct->status |= FWL_CT_S_SRC_NAT_SEEN;
	if (e)
		e->status |= FWL_CT_S_SRC_NAT_SEEN;
}

/* Masquerade: SNAT to the egress interface's address (fwl_ifaddr). */
#define fwl_nat_masq(ctx, pkt, ct, pmin, pmax) ({			\
	__u32 if_ = ctx_ifindex(ctx);					\
	struct fwl_ifaddr *ia_ = bpf_map_lookup_elem(&fwl_ifaddr, &if_); \
	struct fwl_nat_target *mt_ = fwl_nat_masq_target_(ia_, pkt);	\
	mt_ ? fwl_nat_snat(ctx, pkt, ct, mt_, pmin, pmax) :		\
	      FWL_DROP_NAT_NO_ADDR; })

/* The address of ia for the packet's family, in a per-CPU slot. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fwl_nat_target);
} fwl_nat_tmp SEC(".maps");

static __always_inline struct fwl_nat_target *
fwl_nat_masq_target_(const struct fwl_ifaddr *ia, const struct fwl_pkt *pkt)
{
	struct fwl_nat_target *t;
	__u32 z = 0;

	if (!ia)
		return NULL;
	t = bpf_map_lookup_elem(&fwl_nat_tmp, &z);
	if (!t)
		return NULL;
	__builtin_memset(t, 0, sizeof(*t));
	if (pkt->l3 == ETH_P_IPV6) {
		if (!(ia->v6[0] | ia->v6[1] | ia->v6[2] | ia->v6[3]))
			return NULL;
		__builtin_memcpy(t->addr, ia->v6, 16);
	} else {
		if (!ia->v4)
			return NULL;
		t->addr[0] = ia->v4;
	}
	return t;
}

#endif
