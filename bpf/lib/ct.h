/* SPDX-License-Identifier: MIT */
/*
 * bpf/lib/ct.h - connection tracking.
 *
 * API (generated code):
 *
 *	struct fwl_ct ct;
 *	fwl_ct_track(ctx, &pkt, zone, &ct);    // classify + update the flow
 *	... policy on ct.state / ct.status / ct.dir ...
 *	if (allowed)
 *		fwl_ct_confirm(ctx, &pkt, &ct, rule_id); // create if ct.pending
 *
 * fwl_ct_track() finds the flow of the packet (one lookup per tier, both
 * directions share the canonical key of maps/ct.h), checks the packet
 * against the flow's state and, if it fits, updates the flow in place
 * (TCP state and windows, timeout, counters).  It fills ct.state with
 * NEW / ESTABLISHED / RELATED / INVALID / UNTRACKED, ct.dir, ct.status
 * and, for INVALID, ct.reason (FWL_DROP_*).  A packet that would open a
 * flow is NEW with ct.pending = 1; the flow exists only once
 * fwl_ct_confirm() is called (so a dropped SYN leaves no entry).
 *
 * TCP follows Linux's nf_conntrack_proto_tcp: the same state table, the
 * same window checks (Rooij's "Real stateful TCP packet filtering"), with
 * these choices:
 *  - an invalid packet changes nothing (a stale SYN/ACK cannot poison the
 *    reply side's window); a SYN/ACK answering SYN_SENT must acknowledge
 *    the SYN exactly (RFC 793), otherwise INVALID;
 *  - a SYN (without ACK) on a TIME_WAIT or CLOSE flow starts a new flow,
 *    the sender becoming the originator;
 *  - a retransmitted SYN in SYN_SENT passes but does not extend the entry;
 *  - window scaling is used only if both SYN and SYN/ACK carry the option;
 *  - mid-stream packets (ACK, no entry) are picked up as ESTABLISHED with
 *    liberal window checks ("loose", Linux's default) unless fwl_config
 *    has FWL_CFG_TCP_STRICT, then they are INVALID (FWL_DROP_CT_NO_ENTRY).
 * UDP, ICMP echo/timestamp/info and other IP protocols are pseudo-flows:
 * NEW until a reply, then ESTABLISHED, with their own timeouts.  An ICMP or
 * ICMPv6 error is RELATED when the packet it quotes belongs to a flow, and
 * INVALID otherwise.  Non-first fragments get their ports from the first
 * (bpf/lib/frag.h) and are classified, not tracked.  A packet is tracked
 * once, where it enters: at TC egress a forwarded packet (one that came in
 * on an interface, so XDP ingress tracked it) is only looked up and
 * classified; the host's own packets are tracked there.  An ICMP query's
 * key holds its identifier on the requester's side only, so a request
 * each way is a flow of its own (Linux's tuple has the type).
 *
 * The entry points are global BPF functions (verified once); they take
 * the hook's ctx, so there is an _xdp and an _skb variant behind each
 * macro.
 */
#ifndef FWL_BPF_CT_H
#define FWL_BPF_CT_H

#include "ct_types.h"
#include "parse.h"
#include "config.h"
#include "frag.h"
#include "ct_maps.h"
#include "scratch.h"

#define FWL_TCP_S_IV	0xfe	/* table: invalid */
#define FWL_TCP_S_IG	0xff	/* table: ignore, passes, changes nothing */

/* TCP flag classes (Linux's tcp_bit_set index). */
enum { FWL_TI_SYN, FWL_TI_SYNACK, FWL_TI_FIN, FWL_TI_ACK, FWL_TI_RST,
       FWL_TI_NONE, FWL_TI_MAX };

#define sNO FWL_TCP_NONE
#define sSS FWL_TCP_SYN_SENT
#define sSR FWL_TCP_SYN_RECV
#define sES FWL_TCP_ESTABLISHED
#define sFW FWL_TCP_FIN_WAIT
#define sCW FWL_TCP_CLOSE_WAIT
#define sLA FWL_TCP_LAST_ACK
#define sTW FWL_TCP_TIME_WAIT
#define sCL FWL_TCP_CLOSE
#define sS2 FWL_TCP_SYN_SENT2
#define sIV FWL_TCP_S_IV
#define sIG FWL_TCP_S_IG

/* Linux's tcp_conntracks[dir][flag class][state]. */
static const __u8 fwl_tcp_table[2][FWL_TI_MAX][FWL_TCP_STATE_MAX] = {
	{ /* ORIGINAL */
/*	     sNO, sSS, sSR, sES, sFW, sCW, sLA, sTW, sCL, sS2 */
/*syn*/	   { sSS, sSS, sIG, sIG, sIG, sIG, sIG, sSS, sSS, sS2 },
/*synack*/ { sIV, sIV, sSR, sIV, sIV, sIV, sIV, sIV, sIV, sSR },
/*fin*/	   { sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV },
/*ack*/	   { sES, sIV, sES, sES, sCW, sCW, sTW, sTW, sCL, sIV },
/*rst*/	   { sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL },
/*none*/   { sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV },
	},
	{ /* REPLY */
/*	     sNO, sSS, sSR, sES, sFW, sCW, sLA, sTW, sCL, sS2 */
/*syn*/	   { sIV, sS2, sIV, sIV, sIV, sIV, sIV, sSS, sIV, sS2 },
/*synack*/ { sIV, sSR, sIG, sIG, sIG, sIG, sIG, sIG, sIG, sSR },
/*fin*/	   { sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV },
/*ack*/	   { sIV, sIG, sSR, sES, sCW, sCW, sTW, sTW, sCL, sIG },
/*rst*/	   { sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL },
/*none*/   { sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV },
	},
};

static __always_inline int fwl_seq_before(__u32 a, __u32 b)
{
	return (__s32)(a - b) < 0;
}

#define fwl_seq_after(a, b) fwl_seq_before(b, a)

/* Linux's tcp_valid_flags, over the flags without ECE, CWR and PSH. */
static __always_inline int fwl_tcp_flags_valid(__u8 f)
{
	f &= ~(FWL_TCP_ECE | FWL_TCP_CWR | FWL_TCP_PSH);
	switch (f) {
	case FWL_TCP_SYN:
	case FWL_TCP_SYN | FWL_TCP_URG:
	case FWL_TCP_SYN | FWL_TCP_ACK:
	case FWL_TCP_RST:
	case FWL_TCP_RST | FWL_TCP_ACK:
	case FWL_TCP_FIN | FWL_TCP_ACK:
	case FWL_TCP_FIN | FWL_TCP_ACK | FWL_TCP_URG:
	case FWL_TCP_ACK:
	case FWL_TCP_ACK | FWL_TCP_URG:
		return 1;
	}
	return 0;
}

static __always_inline __u32 fwl_tcp_index(__u8 f)
{
	if (f & FWL_TCP_RST)
		return FWL_TI_RST;
	if (f & FWL_TCP_SYN)
		return (f & FWL_TCP_ACK) ? FWL_TI_SYNACK : FWL_TI_SYN;
	if (f & FWL_TCP_FIN)
		return FWL_TI_FIN;
	if (f & FWL_TCP_ACK)
		return FWL_TI_ACK;
	return FWL_TI_NONE;
}

static __always_inline __u32 fwl_tcp_timeout_idx(__u8 state)
{
	switch (state) {
	case FWL_TCP_SYN_SENT:		return FWL_CT_TO_TCP_SYN_SENT;
	case FWL_TCP_SYN_RECV:		return FWL_CT_TO_TCP_SYN_RECV;
	case FWL_TCP_ESTABLISHED:	return FWL_CT_TO_TCP_ESTABLISHED;
	case FWL_TCP_FIN_WAIT:		return FWL_CT_TO_TCP_FIN_WAIT;
	case FWL_TCP_CLOSE_WAIT:	return FWL_CT_TO_TCP_CLOSE_WAIT;
	case FWL_TCP_LAST_ACK:		return FWL_CT_TO_TCP_LAST_ACK;
	case FWL_TCP_TIME_WAIT:		return FWL_CT_TO_TCP_TIME_WAIT;
	case FWL_TCP_SYN_SENT2:		return FWL_CT_TO_TCP_SYN_SENT2;
	default:			return FWL_CT_TO_TCP_CLOSE;
	}
}

/* The sequence space a segment occupies: data plus SYN and FIN. */
static __always_inline __u32 fwl_tcp_end(const struct fwl_pkt *pkt)
{
	return pkt->tcp_seq + pkt->payload_len +
	       !!(pkt->tcp_flags & FWL_TCP_SYN) +
	       !!(pkt->tcp_flags & FWL_TCP_FIN);
}

/* The first packet of a side that sends a SYN: its window starts here. */
static __always_inline void fwl_tcp_init_side(struct fwl_ct_tcp_side *s,
					      const struct fwl_pkt *pkt)
{
	s->td_end = s->td_maxend = fwl_tcp_end(pkt);
	s->td_maxwin = pkt->tcp_win ? pkt->tcp_win : 1;
	s->flags &= ~FWL_CT_TCP_F_WSCALE;
	s->td_scale = 0;
	if (pkt->tcp_wscale != FWL_WSCALE_NONE) {
		s->flags |= FWL_CT_TCP_F_WSCALE;
		s->td_scale = pkt->tcp_wscale;
	}
}

/*
 * Linux's tcp_in_window() on copies of the two sides; the caller writes
 * them back only when this returns 1.
 */
static __always_inline int fwl_tcp_in_window(struct fwl_ct_tcp_side *snd,
					     struct fwl_ct_tcp_side *rcv,
					     const struct fwl_pkt *pkt,
					     __u8 state)
{
	__u8 f = pkt->tcp_flags;
	__u32 seq = pkt->tcp_seq, ack = pkt->tcp_ack;
	__u32 end = fwl_tcp_end(pkt), win = pkt->tcp_win, maxack;

	if (snd->td_maxwin == 0) {
		if (f & FWL_TCP_SYN) {
			/* SYN/ACK, or the reply SYN of a simultaneous open */
			fwl_tcp_init_side(snd, pkt);
			if (!((snd->flags & FWL_CT_TCP_F_WSCALE) &&
			      (rcv->flags & FWL_CT_TCP_F_WSCALE)))
				snd->td_scale = rcv->td_scale = 0;
			if (!(f & FWL_TCP_ACK))
				return 1;
		} else {
			/* first packet of a side picked up mid-stream */
			__u32 swin = win << (snd->td_scale & 15);

			snd->td_end = end;
			snd->td_maxwin = swin ? swin : 1;
			snd->td_maxend = end + snd->td_maxwin;
			if (rcv->td_maxwin == 0)
				rcv->td_end = rcv->td_maxend = ack;
			else if (ack == rcv->td_end + 1)
				rcv->td_end++;	/* keepalive reply */
		}
	} else if ((f & FWL_TCP_SYN) && fwl_seq_after(end, snd->td_end) &&
		   (state == FWL_TCP_SYN_SENT || state == FWL_TCP_SYN_RECV)) {
		/* RFC 793: a reinitialised TCP uses higher sequence numbers */
		fwl_tcp_init_side(snd, pkt);
	}

	if (!(f & FWL_TCP_ACK))
		ack = rcv->td_end;
	else if ((f & (FWL_TCP_ACK | FWL_TCP_RST)) ==
		 (FWL_TCP_ACK | FWL_TCP_RST) && ack == 0)
		ack = rcv->td_end;	/* broken stacks */
	if ((f & FWL_TCP_RST) && seq == 0 && state == FWL_TCP_SYN_SENT)
		seq = end = snd->td_end;	/* RST answering a SYN */

	if (!((snd->flags | rcv->flags) & FWL_CT_TCP_F_LIBERAL)) {
		maxack = snd->td_maxwin ? snd->td_maxwin : 66000;
		if (!fwl_seq_before(seq, snd->td_maxend + 1))
			return 0;	/* beyond the receiver's window */
		if (!fwl_seq_after(end, snd->td_end - rcv->td_maxwin - 1))
			return 0;	/* older than a whole window */
		if (!fwl_seq_before(ack, rcv->td_end + 1))
			return 0;	/* acknowledges data never sent */
		if (!fwl_seq_after(ack, rcv->td_end - maxack - 1))
			return 0;	/* ACK far too old */
	}

	if (!(f & FWL_TCP_SYN))
		win <<= snd->td_scale & 15;
	if (snd->td_maxwin < win)
		snd->td_maxwin = win;
	if (fwl_seq_after(end, snd->td_end))
		snd->td_end = end;
	if (rcv->td_maxwin != 0 && fwl_seq_after(end, snd->td_maxend))
		rcv->td_maxwin += end - snd->td_maxend;
	if (fwl_seq_after(ack + win, rcv->td_maxend - 1)) {
		rcv->td_maxend = ack + win;
		if (win == 0)
			rcv->td_maxend++;
	}
	return 1;
}

/* Canonical key: is (a, ap) below (b, bp)?  Ties count as below. */
static __always_inline int fwl_ct_le(const __be32 *a, __u16 ap,
				     const __be32 *b, __u16 bp)
{
	int i;

#pragma unroll
	for (i = 0; i < 4; i++)
		if (a[i] != b[i])
			return a[i] < b[i];
	return ap <= bp;
}

static __always_inline void fwl_ct_key_make(struct fwl_ct_key *k,
					    const __be32 *sa, __u16 sp,
					    const __be32 *da, __u16 dp,
					    __u8 proto, __u8 family, __u16 zone,
					    __u8 *src_is_lo)
{
	int lo = fwl_ct_le(sa, sp, da, dp);

	__builtin_memcpy(k->addr_lo, lo ? sa : da, 16);
	__builtin_memcpy(k->addr_hi, lo ? da : sa, 16);
	k->port_lo = lo ? sp : dp;
	k->port_hi = lo ? dp : sp;
	k->proto = proto;
	k->family = family;
	k->zone = zone;
	*src_is_lo = lo;
}

/* ICMP types by role. */
static __always_inline int fwl_icmp_is_error(__u8 l4, __u8 type)
{
	if (l4 == IPPROTO_ICMP)
		return type == 3 || type == 4 || type == 5 || type == 11 ||
		       type == 12;
	return type < 128;	/* ICMPv6: RFC 4443, as Linux's icmpv6_error */
}

/* Echo, timestamp, info, mask: 1 for a request, 2 for a reply, 0 other */
static __always_inline int fwl_icmp_query(__u8 l4, __u8 type)
{
	if (l4 == IPPROTO_ICMP) {
		if (type == 8 || type == 13 || type == 15 || type == 17)
			return 1;
		if (type == 0 || type == 14 || type == 16 || type == 18)
			return 2;
		return 0;
	}
	if (type == 128)
		return 1;
	if (type == 129)
		return 2;
	return 0;
}

/*
 * The ports of an ICMP query's key.  Linux's tuple holds the identifier
 * and the message type, so a request each way is a flow of its own: the
 * requester's side carries the identifier, the responder's 0 (q: 1 for a
 * request, 2 for a reply, 0 for another message, as fwl_icmp_query).
 */
static __always_inline void fwl_ct_query_ports(__u8 q, __u16 id, __u16 *sp,
					       __u16 *dp)
{
	*sp = q == 1 ? id : 0;
	*dp = q == 2 ? id : 0;	/* other messages: no ports */
}

static __always_inline __u32 fwl_ct_proto_timeout(__u8 proto, __u32 status)
{
	if (proto == IPPROTO_UDP)
		return (status & FWL_CT_S_SEEN_REPLY) ? FWL_CT_TO_UDP_STREAM :
							FWL_CT_TO_UDP;
	if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6)
		return FWL_CT_TO_ICMP;
	return FWL_CT_TO_GENERIC;
}

/* The originator's end of a flow: the key's lo or hi side. */
static __always_inline const __be32 *fwl_ct_orig_saddr(const struct fwl_ct_key *k,
						     __u32 status)
{
	return (status & FWL_CT_S_ORIG_LO) ? k->addr_lo : k->addr_hi;
}

static __always_inline const __be32 *fwl_ct_orig_daddr(const struct fwl_ct_key *k,
						     __u32 status)
{
	return (status & FWL_CT_S_ORIG_LO) ? k->addr_hi : k->addr_lo;
}

static __always_inline __u16 fwl_ct_orig_sport(const struct fwl_ct_key *k,
					       __u32 status)
{
	return (status & FWL_CT_S_ORIG_LO) ? k->port_lo : k->port_hi;
}

static __always_inline __u16 fwl_ct_orig_dport(const struct fwl_ct_key *k,
					       __u32 status)
{
	return (status & FWL_CT_S_ORIG_LO) ? k->port_hi : k->port_lo;
}

/*
 * The reply of a flow as it appears on the wire: from the (DNAT'd)
 * destination to the (SNAT'd) source.  This is the flow's binding key in
 * fwl_nat_rev.  For ICMP echo both ports are the (SNAT'd) identifier.
 */
static __always_inline void fwl_ct_reply_key(const struct fwl_ct_key *k,
					     const struct fwl_ct_entry *e,
					     struct fwl_nat_rkey *r)
{
	__u32 st = e->status;
	int echo = k->proto == IPPROTO_ICMP || k->proto == IPPROTO_ICMPV6;

	__builtin_memset(r, 0, sizeof(*r));
	if (st & FWL_CT_S_DNAT) {
		__builtin_memcpy(r->saddr, e->dnat.addr, 16);
		r->sport = e->dnat.port ? e->dnat.port :
					  fwl_ct_orig_dport(k, st);
	} else {
		__builtin_memcpy(r->saddr, fwl_ct_orig_daddr(k, st), 16);
		r->sport = fwl_ct_orig_dport(k, st);
	}
	if (st & FWL_CT_S_SNAT) {
		__builtin_memcpy(r->daddr, e->snat.addr, 16);
		r->dport = e->snat.port ? e->snat.port :
					  fwl_ct_orig_sport(k, st);
	} else {
		__builtin_memcpy(r->daddr, fwl_ct_orig_saddr(k, st), 16);
		r->dport = fwl_ct_orig_sport(k, st);
	}
	if (echo)
		r->sport = r->dport;	/* the (SNAT'd) identifier on both */
	r->proto = k->proto;
	r->family = k->family;
	r->zone = k->zone;
}

/* A flow is going away: its NAT binding goes with it. */
static __always_inline void fwl_ct_unbind(const struct fwl_ct_key *k,
					  const struct fwl_ct_entry *e)
{
	struct fwl_nat_rkey r;

	if (!(e->status & (FWL_CT_S_DNAT | FWL_CT_S_SNAT)))
		return;
	fwl_ct_reply_key(k, e, &r);
	bpf_map_delete_elem(&fwl_nat_rev, &r);
}

/* Find the key in fwl_ct then fwl_ct_new; drop it if expired. */
static __always_inline struct fwl_ct_entry *
fwl_ct_find(const struct fwl_ct_key *k, __u64 now, __u8 *tier)
{
	struct fwl_ct_entry *e;

	*tier = FWL_CT_TIER_EST;
	e = bpf_map_lookup_elem(&fwl_ct, k);
	if (!e) {
		*tier = FWL_CT_TIER_NEW;
		e = bpf_map_lookup_elem(&fwl_ct_new, k);
	}
	if (!e) {
		*tier = FWL_CT_TIER_NONE;
		return NULL;
	}
	if (e->expires <= now) {	/* Linux: gone at its timeout */
		fwl_ct_unbind(k, e);
		bpf_map_delete_elem(*tier == FWL_CT_TIER_EST ? (void *)&fwl_ct :
							     (void *)&fwl_ct_new,
				    k);
		fwl_ct_stat_inc(FWL_CT_STAT_EXPIRED);
		*tier = FWL_CT_TIER_NONE;
		return NULL;
	}
	return e;
}

static __always_inline void fwl_ct_delete(const struct fwl_ct_key *k,
					  __u8 tier)
{
	if (tier == FWL_CT_TIER_EST)
		bpf_map_delete_elem(&fwl_ct, k);
	else if (tier == FWL_CT_TIER_NEW)
		bpf_map_delete_elem(&fwl_ct_new, k);
}

/* Move an assured flow from fwl_ct_new to fwl_ct (fails if full). */
static __always_inline void fwl_ct_promote(struct fwl_ct *ct,
					   struct fwl_ct_entry *e)
{
	if (ct->tier != FWL_CT_TIER_NEW)
		return;
	e->status |= FWL_CT_S_PROMOTED;
	if (bpf_map_update_elem(&fwl_ct, &ct->key, e, BPF_NOEXIST)) {
		e->status &= ~FWL_CT_S_PROMOTED;
		fwl_ct_stat_inc(FWL_CT_STAT_INSERT_FAIL);
		return;
	}
	bpf_map_delete_elem(&fwl_ct_new, &ct->key);
	ct->tier = FWL_CT_TIER_EST;
	fwl_ct_stat_inc(FWL_CT_STAT_PROMOTE);
}

static __always_inline void fwl_ct_invalid(struct fwl_ct *ct, __u8 reason)
{
	ct->state = FWL_CT_INVALID;
	ct->reason = reason;
	fwl_ct_stat_inc(FWL_CT_STAT_INVALID);
}

/* State of a packet of an existing flow. */
static __always_inline void fwl_ct_classify(struct fwl_ct *ct,
					    const struct fwl_ct_entry *e)
{
	ct->status = e->status;
	ct->tcp_state = e->tcp_state;
	ct->rule_id = e->rule_id;
	ct->dnat = e->dnat;
	ct->snat = e->snat;
	ct->helper = e->helper;
	if (ct->dir == FWL_CT_DIR_REPLY || (e->status & FWL_CT_S_SEEN_REPLY))
		ct->state = FWL_CT_ESTABLISHED;
	else if (e->status & FWL_CT_S_EXPECTED)
		ct->state = FWL_CT_RELATED;	/* expected, not answered yet */
	else
		ct->state = FWL_CT_NEW;
}

/* The TCP state machine for a packet of an existing flow. */
static __always_inline void fwl_ct_tcp(struct fwl_ct *ct,
				       struct fwl_ct_entry *e,
				       const struct fwl_pkt *pkt, __u64 now)
{
	struct fwl_ct_tcp_side snd, rcv;
	__u8 dir = ct->dir & 1, old = e->tcp_state, new;
	__u32 idx = fwl_tcp_index(pkt->tcp_flags);
	__u64 to;

	if (old >= FWL_TCP_STATE_MAX || idx >= FWL_TI_MAX) {
		fwl_ct_invalid(ct, FWL_DROP_CT_INVALID);
		return;
	}
	new = fwl_tcp_table[dir][idx][old];
	if (new == sIV) {
		fwl_ct_invalid(ct, FWL_DROP_CT_INVALID);
		return;
	}
	if (new == sIG) {
		fwl_ct_classify(ct, e);
		return;
	}
	/* A SYN/ACK must acknowledge the SYN it answers (RFC 793). */
	if (idx == FWL_TI_SYNACK &&
	    (old == FWL_TCP_SYN_SENT || old == FWL_TCP_SYN_SENT2) &&
	    pkt->tcp_ack != e->tcp[dir ^ 1].td_end) {
		fwl_ct_invalid(ct, FWL_DROP_CT_INVALID);
		return;
	}
	snd = e->tcp[dir];
	rcv = e->tcp[dir ^ 1];
	if (!fwl_tcp_in_window(&snd, &rcv, pkt, old)) {
		fwl_ct_invalid(ct, FWL_DROP_CT_INVALID);
		return;
	}
	e->tcp[dir] = snd;
	e->tcp[dir ^ 1] = rcv;
	e->tcp_state = new;
	e->last_dir = dir;
	e->last_flags = pkt->tcp_flags;
	if (dir == FWL_CT_DIR_REPLY)
		e->status |= FWL_CT_S_SEEN_REPLY;
	if (new == FWL_TCP_ESTABLISHED && (e->status & FWL_CT_S_SEEN_REPLY))
		e->status |= FWL_CT_S_ASSURED;
	/* A retransmitted SYN does not extend the entry. */
	if (!(idx == FWL_TI_SYN && old == FWL_TCP_SYN_SENT &&
	      new == FWL_TCP_SYN_SENT)) {
		to = fwl_cfg_timeout_ns(fwl_tcp_timeout_idx(new));
		e->expires = now + to;
	}
	fwl_ct_classify(ct, e);
}

/*
 * An ICMP/ICMPv6 error: RELATED if the packet it quotes belongs to a flow.
 * The quoted packet went from its source to its destination, so its key
 * is made as for a packet; the error itself travels the other way.
 */
static __attribute__((noinline)) void fwl_ct_icmp_error(struct fwl_ct *ct,
					      void *data, void *data_end,
					      const struct fwl_pkt *pkt,
					      __u32 zone)
{
	__u64 now = fwl_now();
	__u32 off = pkt->payload_off;
	struct fwl_scratch *s = fwl_scratch();
	__u16 sp = 0, dp = 0;
	__u8 proto, lo, tier;
	struct fwl_ct_entry *e;
	__u8 *l4;

	/* The quoted addresses live in the scratch buffer, not on the stack:
	 * this function is the deepest frame of fwl_ingress -> fwl_ct_track
	 * -> here, and the three share the verifier's 512 bytes. */
	if (!s)
		goto unrelated;
	__be32 *sa = (__be32 *)s->buf, *da = sa + 4;
	__builtin_memset(s->buf, 0, 32);
	if (pkt->l4 == IPPROTO_ICMP) {
		struct iphdr *ip = fwl_hdr_at(data, data_end, off, sizeof(*ip));

		if (!ip || ip->version != 4 || ip->ihl < 5)
			goto unrelated;
		sa[0] = ip->saddr;
		da[0] = ip->daddr;
		proto = ip->protocol;
		off += ip->ihl * 4;
	} else {
		struct ipv6hdr *ip6 = fwl_hdr_at(data, data_end, off,
						 sizeof(*ip6));

		if (!ip6 || ip6->version != 6)
			goto unrelated;
		__builtin_memcpy(sa, &ip6->saddr, 16);
		__builtin_memcpy(da, &ip6->daddr, 16);
		proto = ip6->nexthdr;	/* quoted extension headers: gap */
		off += sizeof(*ip6);
	}
	/* RFC 792 quotes at least 8 bytes of the transport header. */
	l4 = fwl_hdr_at(data, data_end, off, 8);
	if (!l4)
		goto unrelated;
	if (proto == IPPROTO_TCP || proto == IPPROTO_UDP) {
		sp = ((__u16)l4[0] << 8) | l4[1];
		dp = ((__u16)l4[2] << 8) | l4[3];
	} else if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6) {
		__u8 qq = fwl_icmp_query(proto, l4[0]);

		if (qq == 0)
			goto unrelated;
		fwl_ct_query_ports(qq, ((__u16)l4[4] << 8) | l4[5], &sp, &dp);
	}
	fwl_ct_key_make(&ct->key, sa, sp, da, dp, proto,
			pkt->l3 == ETH_P_IPV6 ? 6 : 4, zone, &lo);
	e = fwl_ct_find(&ct->key, now, &tier);
	if (!e)
		goto unrelated;
	ct->tier = tier;
	ct->src_is_lo = !lo;
	/* The quoted packet went ORIG iff its source is the originator. */
	ct->dir = (lo == !!(e->status & FWL_CT_S_ORIG_LO)) ?
		  FWL_CT_DIR_REPLY : FWL_CT_DIR_ORIG;
	ct->status = e->status;
	ct->tcp_state = e->tcp_state;
	ct->rule_id = e->rule_id;
	ct->helper = e->helper;
	ct->state = FWL_CT_RELATED;
	return;
unrelated:
	fwl_ct_invalid(ct, FWL_DROP_CT_INVALID);
}

/*
 * An Invalid packet that XDP ingress lets through on a flow (fwl_ct_tcp_side
 * .inv_fp).  Linux attaches no conntrack to an invalid packet: its NAT
 * leaves it as it is and every later hook sees it Invalid.  TC egress only
 * looks a forwarded packet up (it was tracked at ingress), so ingress
 * leaves a fingerprint of the packet on its flow, per direction, and
 * egress classifies the packet with that fingerprint Invalid (and forgets
 * it); the next packet ingress finds valid that way forgets it too, so a
 * fingerprint left by a packet the stack lost cannot touch later traffic.
 * The fingerprint: the transport checksum xor the IP datagram length,
 * never 0.  Forwarding changes neither (only the TTL and the IPv4 header
 * checksum).  One slot per direction: of two Invalid packets of a flow in
 * flight together only the later is recognized.
 */
static __always_inline __u16 fwl_ct_fp(void *data, void *data_end,
				       const struct fwl_pkt *pkt)
{
	__u16 fp = pkt->ip_end - pkt->l3_off, *cs;
	__u32 off = 0;

	if (!(pkt->frag & FWL_FRAG_LATER)) {
		if (pkt->l4 == IPPROTO_TCP)
			off = pkt->l4_off + 16;
		else if (pkt->l4 == IPPROTO_UDP)
			off = pkt->l4_off + 6;
		else if (pkt->l4 == IPPROTO_ICMP ||
			 pkt->l4 == IPPROTO_ICMPV6)
			off = pkt->l4_off + 2;
	}
	if (off) {
		cs = fwl_hdr_at(data, data_end, off, 2);
		if (cs)
			fp ^= *cs;
	}
	return fp ? fp : 1;
}

/* Ingress passes an Invalid packet of a known flow: egress is to see it
 * Invalid too (bpf/ingress.h, after the hooks allowed it). */
static __always_inline void fwl_ct_pass_invalid(void *data, void *data_end,
						const struct fwl_pkt *pkt,
						const struct fwl_ct *ct)
{
	struct fwl_ct_entry *e;

	if (ct->state != FWL_CT_INVALID || ct->pending)
		return;
	if (ct->tier == FWL_CT_TIER_EST)
		e = bpf_map_lookup_elem(&fwl_ct, &ct->key);
	else if (ct->tier == FWL_CT_TIER_NEW)
		e = bpf_map_lookup_elem(&fwl_ct_new, &ct->key);
	else
		return;
	if (e)
		e->tcp[ct->dir & 1].inv_fp = fwl_ct_fp(data, data_end, pkt);
}

/*
 * A forwarded packet of a translated flow found through the flow's reply
 * binding (fwl_nat_rev).  as_reply 0: a packet seen after its translation
 * (at egress, after DNAT at ingress), whose tuple is the reverse of the
 * binding: ORIG direction.  as_reply 1: a reply ingress judged Invalid and
 * so did not translate back (bpf/ingress.h), whose tuple is the binding
 * itself: REPLY direction.  Fills ct->key and returns the entry.
 */
static __always_inline struct fwl_ct_entry *
fwl_ct_find_bound(struct fwl_ct *ct, const struct fwl_pkt *pkt, __u16 sp,
		  __u16 dp, __u8 family, __u16 zone, __u64 now, int as_reply)
{
	struct fwl_nat_rkey r;
	struct fwl_nat_rval *v;
	struct fwl_ct_entry *e;

	__builtin_memcpy(r.saddr, as_reply ? pkt->saddr : pkt->daddr, 16);
	__builtin_memcpy(r.daddr, as_reply ? pkt->daddr : pkt->saddr, 16);
	r.sport = as_reply ? sp : dp;
	r.dport = as_reply ? dp : sp;
	r.proto = pkt->l4;
	r.family = family;
	r.zone = zone;
	v = bpf_map_lookup_elem(&fwl_nat_rev, &r);
	if (!v)
		return NULL;
	ct->key = v->ct;
	e = fwl_ct_find(&ct->key, now, &ct->tier);
	if (e)
		ct->src_is_lo = !!(e->status & FWL_CT_S_ORIG_LO) ^ !!as_reply;
	return e;
}

#ifdef FWL_USES_HELPER
/*
 * A SYN that opens a flow a helper expected (fwl_ct_expect): the
 * expectation is used up (whatever the policy then decides, as in Linux)
 * and the flow is RELATED, FWL_CT_S_EXPECTED, with the master's helper.
 */
static __always_inline void fwl_ct_expected(struct fwl_ct *ct,
					    const struct fwl_pkt *pkt,
					    __u8 family, __u16 zone, __u64 now)
{
	struct fwl_ct_expect_key k;
	struct fwl_ct_expect *x;

	__builtin_memset(&k, 0, sizeof(k));
	__builtin_memcpy(k.saddr, pkt->saddr, 16);
	__builtin_memcpy(k.daddr, pkt->daddr, 16);
	k.dport = pkt->dport;
	k.proto = pkt->l4;
	k.family = family;
	k.zone = zone;
	x = bpf_map_lookup_elem(&fwl_ct_expect, &k);
	if (!x)
		return;
	if (x->expires >= now) {
		ct->state = FWL_CT_RELATED;
		ct->status |= FWL_CT_S_EXPECTED;
		ct->helper = x->helper;
	}
	bpf_map_delete_elem(&fwl_ct_expect, &k);	/* single use */
}
#endif

/* egress: 0 XDP ingress, 1 TC egress (the host's own packet), 2 TC egress
 * (a forwarded packet: only looked up) */
static __always_inline int fwl_ct_track_data(void *data, void *data_end,
					     struct fwl_pkt *pkt, __u16 zone,
					     struct fwl_ct *ct, int egress)
{
	struct fwl_ct_entry *e;
	__u16 *fp;
	__u64 now = fwl_now();
	__u16 sp = pkt->sport, dp = pkt->dport;
	__u8 family, q = 0, r;

	__builtin_memset(ct, 0, sizeof(*ct));
	if (pkt->l3 != ETH_P_IP && pkt->l3 != ETH_P_IPV6) {
		ct->state = FWL_CT_UNTRACKED;
		return ct->state;
	}
	if (pkt->invalid) {
		fwl_ct_invalid(ct, pkt->invalid);
		return ct->state;
	}
	r = fwl_frag_resolve(pkt);
	if (r) {
		fwl_ct_invalid(ct, r);
		return ct->state;
	}
	sp = pkt->sport;
	dp = pkt->dport;
	family = pkt->l3 == ETH_P_IPV6 ? 6 : 4;
	fwl_ct_stat_inc(FWL_CT_STAT_LOOKUP);

	if (pkt->l4 == IPPROTO_ICMP || pkt->l4 == IPPROTO_ICMPV6) {
		if (fwl_icmp_is_error(pkt->l4, pkt->icmp_type)) {
			if (pkt->frag & FWL_FRAG_LATER)
				fwl_ct_invalid(ct, FWL_DROP_CT_INVALID);
			else
				fwl_ct_icmp_error(ct, data, data_end, pkt,
						  zone);
			return ct->state;
		}
		q = fwl_icmp_query(pkt->l4, pkt->icmp_type);
		if (!q) {
			ct->state = FWL_CT_UNTRACKED;	/* ND, MLD, ... */
			return ct->state;
		}
		fwl_ct_query_ports(q, pkt->icmp_id, &sp, &dp);
	} else if (pkt->l4 != IPPROTO_TCP && pkt->l4 != IPPROTO_UDP) {
		sp = dp = 0;	/* generic: addresses and protocol */
	}

	fwl_ct_key_make(&ct->key, pkt->saddr, sp, pkt->daddr, dp, pkt->l4,
			family, zone, &ct->src_is_lo);
	e = fwl_ct_find(&ct->key, now, &ct->tier);
	/* Only TC (egress) sees forwarded packets after their DNAT.  NAT
	 * bindings name an ICMP query by its identifier on both ends.  The
	 * host's own packet is never translated before here: one on a
	 * translated flow's translated tuple is a flow of its own (whose
	 * source NAT then clashes), as in Linux. */
	if (!e && egress == 2)
		e = fwl_ct_find_bound(ct, pkt, q ? pkt->icmp_id : sp,
				      q ? pkt->icmp_id : dp, family, zone, now,
				      0);
	/* ... or a reply ingress found Invalid and left untranslated */
	if (!e && egress == 2) {
		e = fwl_ct_find_bound(ct, pkt, q ? pkt->icmp_id : sp,
				      q ? pkt->icmp_id : dp, family, zone, now,
				      1);
		if (!e || e->tcp[FWL_CT_DIR_REPLY].inv_fp !=
			  fwl_ct_fp(data, data_end, pkt)) {
			/* not that packet: the packet's own key, as before
			 * (the lookups above may have replaced it) */
			e = NULL;
			ct->tier = FWL_CT_TIER_NONE;
			fwl_ct_key_make(&ct->key, pkt->saddr, sp, pkt->daddr,
					dp, pkt->l4, family, zone,
					&ct->src_is_lo);
		}
	}

	if (e) {
		ct->dir = (ct->src_is_lo == !!(e->status & FWL_CT_S_ORIG_LO)) ?
			  FWL_CT_DIR_ORIG : FWL_CT_DIR_REPLY;
		/* a packet a NAT binding turned back is the flow's reply,
		 * also when the key cannot tell (both ends the same address
		 * and port) */
		if ((pkt->flags & FWL_PKT_F_NAT_REV) &&
		    (e->status & (FWL_CT_S_SNAT | FWL_CT_S_DNAT)))
			ct->dir = FWL_CT_DIR_REPLY;
		if (egress == 2) {
			/* a forwarded packet, tracked at ingress already:
			 * Linux's conntrack sees a packet once.  When both
			 * ends are the same address and port the key cannot
			 * tell its direction: ingress, which could (a reply
			 * comes through its NAT binding), just wrote it */
			if (ct->key.addr_lo[0] == ct->key.addr_hi[0] &&
			    ct->key.addr_lo[1] == ct->key.addr_hi[1] &&
			    ct->key.addr_lo[2] == ct->key.addr_hi[2] &&
			    ct->key.addr_lo[3] == ct->key.addr_hi[3] &&
			    ct->key.port_lo == ct->key.port_hi)
				ct->dir = e->last_dir & 1;
			/* one ingress found Invalid is Invalid here too
			 * (fwl_ct_fp) */
			fp = &e->tcp[ct->dir & 1].inv_fp;
			if (*fp && *fp == fwl_ct_fp(data, data_end, pkt)) {
				*fp = 0;
				ct->state = FWL_CT_INVALID;
				ct->reason = FWL_DROP_CT_INVALID;
				return ct->state;
			}
			fwl_ct_classify(ct, e);
			return ct->state;
		}
		/* A translated flow's replies arrive translated (fwl_nat_rev
		 * turned them back at XDP ingress): its untranslated reverse
		 * tuple is another connection, as in Linux, whose entry would
		 * clash with this one (the data plane keys both directions
		 * together), so it is dropped where it would be created
		 * (ingress.h, egress.h: "nat: reply tuple already bound").
		 * Checked at ingress and for the host's own packets. */
		if (ct->dir == FWL_CT_DIR_REPLY &&
		    (e->status & (FWL_CT_S_SNAT | FWL_CT_S_DNAT)) &&
		    !(pkt->flags & FWL_PKT_F_NAT_REV)) {
			ct->clash = 1;
			ct->tier = FWL_CT_TIER_NONE;
			goto new_flow;
		}
		if (pkt->frag & FWL_FRAG_LATER) {
			fwl_ct_classify(ct, e);	/* no header to track */
			goto count;
		}
		if (pkt->l4 == IPPROTO_TCP) {
			__u32 idx = fwl_tcp_index(pkt->tcp_flags);

			if (!fwl_tcp_flags_valid(pkt->tcp_flags)) {
				fwl_ct_invalid(ct, FWL_DROP_CT_TCP_FLAGS);
				return ct->state;
			}
			/* A SYN on a closed flow opens a new incarnation. */
			if (idx == FWL_TI_SYN &&
			    (e->tcp_state == FWL_TCP_TIME_WAIT ||
			     e->tcp_state == FWL_TCP_CLOSE)) {
				fwl_ct_unbind(&ct->key, e);
				fwl_ct_delete(&ct->key, ct->tier);
				fwl_ct_stat_inc(FWL_CT_STAT_DELETE);
				ct->tier = FWL_CT_TIER_NONE;
				goto new_flow;
			}
			fwl_ct_tcp(ct, e, pkt, now);
			if (ct->state == FWL_CT_INVALID)
				return ct->state;
		} else {
			if (ct->dir == FWL_CT_DIR_REPLY) {
				if (q == 1 && (pkt->l4 == IPPROTO_ICMP ||
					       pkt->l4 == IPPROTO_ICMPV6)) {
					/* a request in the reply direction */
					fwl_ct_invalid(ct, FWL_DROP_CT_INVALID);
					return ct->state;
				}
				/* Linux assures UDP once answered; ICMP and
				 * the generic tracker never */
				e->status |= FWL_CT_S_SEEN_REPLY;
				if (pkt->l4 == IPPROTO_UDP)
					e->status |= FWL_CT_S_ASSURED;
			}
			e->last_dir = ct->dir;
			e->expires = now + fwl_cfg_timeout_ns(
				fwl_ct_proto_timeout(pkt->l4, e->status));
			fwl_ct_classify(ct, e);
		}
count:
		/* valid this way: an older Invalid one's fingerprint goes */
		if (e->tcp[ct->dir & 1].inv_fp)
			e->tcp[ct->dir & 1].inv_fp = 0;
		e->packets[ct->dir & 1]++;
		e->bytes[ct->dir & 1] += pkt->len;
		/* answered flows move to the established tier (TCP once
		 * assured) */
		if ((e->status & FWL_CT_S_ASSURED) ||
		    (pkt->l4 != IPPROTO_TCP &&
		     (e->status & FWL_CT_S_SEEN_REPLY)))
			fwl_ct_promote(ct, e);
		return ct->state;
	}

new_flow:
	fwl_ct_stat_inc(FWL_CT_STAT_MISS);
	ct->dir = FWL_CT_DIR_ORIG;
	if (pkt->frag & FWL_FRAG_LATER) {
		fwl_ct_invalid(ct, FWL_DROP_CT_INVALID);
		return ct->state;
	}
	if (pkt->l4 == IPPROTO_TCP) {
		__u32 idx = fwl_tcp_index(pkt->tcp_flags);

		if (!fwl_tcp_flags_valid(pkt->tcp_flags)) {
			fwl_ct_invalid(ct, FWL_DROP_CT_TCP_FLAGS);
			return ct->state;
		}
		if (idx == FWL_TI_SYN) {
			ct->tcp_state = FWL_TCP_SYN_SENT;
		} else if (idx == FWL_TI_ACK &&
			   !(fwl_cfg_flags() & FWL_CFG_TCP_STRICT)) {
			ct->tcp_state = FWL_TCP_ESTABLISHED;	/* pick up */
		} else {
			fwl_ct_stat_inc(FWL_CT_STAT_LOST_NEW);
			fwl_ct_invalid(ct, FWL_DROP_CT_NO_ENTRY);
			return ct->state;
		}
	} else if ((pkt->l4 == IPPROTO_ICMP || pkt->l4 == IPPROTO_ICMPV6) &&
		   q != 1) {
		fwl_ct_stat_inc(FWL_CT_STAT_LOST_NEW);
		fwl_ct_invalid(ct, FWL_DROP_CT_INVALID);	/* reply, no flow */
		return ct->state;
	}
	ct->state = FWL_CT_NEW;
	ct->pending = 1;	/* a clash (ct->clash) is dropped before it
				 * would be created, never confirmed */
	ct->status = ct->src_is_lo ? FWL_CT_S_ORIG_LO : 0;
	if (ct->clash) {
		ct->dir = FWL_CT_DIR_ORIG;
		fwl_ct_stat_inc(FWL_CT_STAT_NEW_FAIL);
		return ct->state;
	}
#ifdef FWL_USES_HELPER
	if (pkt->l4 == IPPROTO_TCP && ct->tcp_state == FWL_TCP_SYN_SENT)
		fwl_ct_expected(ct, pkt, family, zone, now);
#endif
	return ct->state;
}

/* Create the flow of a NEW packet that the policy accepted. */
static __always_inline int fwl_ct_confirm_pkt(const struct fwl_pkt *pkt,
					      struct fwl_ct *ct, __u32 rule_id)
{
	struct fwl_ct_entry e;
	__u64 now = fwl_now();
	__u32 to;

	if (!ct->pending)
		return 0;
	if (ct->clash)
		return -1;	/* counted in fwl_ct_track_data */
	__builtin_memset(&e, 0, sizeof(e));
	e.created = now;
	e.status = ct->status;
	e.dnat = ct->dnat;	/* a DNAT decided before the flow existed */
	e.snat = ct->snat;	/* (bpf/lib/nat.h, fwl_nat_dnat_commit) */
	e.helper = ct->helper;
	e.rule_id = rule_id;
	e.packets[FWL_CT_DIR_ORIG] = 1;
	e.bytes[FWL_CT_DIR_ORIG] = pkt->len;
	if (pkt->l4 == IPPROTO_TCP) {
		e.tcp_state = ct->tcp_state;
		e.last_flags = pkt->tcp_flags;
		if (ct->tcp_state == FWL_TCP_SYN_SENT) {
			fwl_tcp_init_side(&e.tcp[FWL_CT_DIR_ORIG], pkt);
		} else {
			/* picked up: liberal, like Linux */
			e.tcp[0].td_end = fwl_tcp_end(pkt);
			e.tcp[0].td_maxwin = pkt->tcp_win ? pkt->tcp_win : 1;
			e.tcp[0].td_maxend = e.tcp[0].td_end +
					     e.tcp[0].td_maxwin;
			e.tcp[0].flags = FWL_CT_TCP_F_LIBERAL;
			e.tcp[1].flags = FWL_CT_TCP_F_LIBERAL;
		}
		to = fwl_tcp_timeout_idx(ct->tcp_state);
	} else {
		to = fwl_ct_proto_timeout(pkt->l4, 0);
	}
	e.expires = now + fwl_cfg_timeout_ns(to);
	if (bpf_map_update_elem(&fwl_ct_new, &ct->key, &e, BPF_ANY)) {
		fwl_ct_stat_inc(FWL_CT_STAT_NEW_FAIL);
		return -1;
	}
	fwl_ct_stat_inc(FWL_CT_STAT_NEW);
	ct->pending = 0;
	ct->tier = FWL_CT_TIER_NEW;
	ct->rule_id = rule_id;
	return 0;
}

__attribute__((noinline)) int fwl_ct_track_xdp(struct xdp_md *ctx,
					       struct fwl_pkt *pkt, __u32 zone,
					       struct fwl_ct *ct)
{
	if (!pkt || !ct)
		return FWL_CT_INVALID;
	return fwl_ct_track_data(xdp_data(ctx), xdp_data_end(ctx), pkt,
				 (__u16)zone, ct, 0);
}

__attribute__((noinline)) int fwl_ct_track_skb(struct __sk_buff *ctx,
					       struct fwl_pkt *pkt, __u32 zone,
					       struct fwl_ct *ct)
{
	if (!pkt || !ct)
		return FWL_CT_INVALID;
	/* 2: a forwarded packet (it came in on an interface) is only
	 * looked up; 1: the host's own packet is tracked here */
	return fwl_ct_track_data(skb_data(ctx), skb_data_end(ctx), pkt,
				 (__u16)zone, ct, ctx->ingress_ifindex ? 2 : 1);
}

__attribute__((noinline)) int fwl_ct_confirm_g(struct fwl_pkt *pkt,
					       struct fwl_ct *ct,
					       __u32 rule_id)
{
	if (!pkt || !ct)
		return -1;
	return fwl_ct_confirm_pkt(pkt, ct, rule_id);
}

/* The entry of a tracked (not pending, not invalid) flow, or NULL. */
static __always_inline struct fwl_ct_entry *fwl_ct_entry_of(struct fwl_ct *ct)
{
	if (ct->pending || ct->state == FWL_CT_INVALID ||
	    ct->state == FWL_CT_UNTRACKED)
		return NULL;
	if (ct->tier == FWL_CT_TIER_EST)
		return bpf_map_lookup_elem(&fwl_ct, &ct->key);
	if (ct->tier == FWL_CT_TIER_NEW)
		return bpf_map_lookup_elem(&fwl_ct_new, &ct->key);
	return NULL;
}

/* Conntrack.setHelper(h): the flow gets helper h now (a pending flow
 * when fwl_ct_confirm() creates it). */
static __always_inline void fwl_ct_set_helper(struct fwl_ct *ct, __u8 h)
{
	struct fwl_ct_entry *e = fwl_ct_entry_of(ct);

	if (ct->state == FWL_CT_INVALID || ct->state == FWL_CT_UNTRACKED)
		return;
	ct->helper = h;
	if (e)
		e->helper = h;
}

/* Conntrack.offload(t): the flow's ESTABLISHED packets skip the policies
 * from now on (bpf/ingress.h's fast path). */
static __always_inline void fwl_ct_set_offload(struct fwl_ct *ct)
{
	struct fwl_ct_entry *e = fwl_ct_entry_of(ct);

	if (ct->state == FWL_CT_INVALID || ct->state == FWL_CT_UNTRACKED)
		return;
	ct->status |= FWL_CT_S_OFFLOAD;
	if (e)
		e->status |= FWL_CT_S_OFFLOAD;
}

#define fwl_ct_track(ctx, pkt, zone, ct) \
	FWL_CTX_DISPATCH_(ctx, fwl_ct_track_xdp, fwl_ct_track_skb)(ctx, pkt, \
								    zone, ct)
#define fwl_ct_confirm(ctx, pkt, ct, rule_id) \
	fwl_ct_confirm_g(pkt, ct, rule_id)

#undef sNO
#undef sSS
#undef sSR
#undef sES
#undef sFW
#undef sCW
#undef sLA
#undef sTW
#undef sCL
#undef sS2
#undef sIV
#undef sIG

#endif
