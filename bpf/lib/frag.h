/* SPDX-License-Identifier: MIT */
/*
 * bpf/lib/frag.h - non-first fragments matched to their flow by fragment id.
 *
 *	fwl_frag_resolve(&pkt)
 *
 * A first fragment (FWL_FRAG_FIRST) records its ports and ICMP fields under
 * (saddr, daddr, id, proto) in fwl_frag; a later one (FWL_FRAG_LATER) gets
 * them back into pkt.sport/dport/icmp_*, so policies and conntrack see the
 * flow, and FWL_FRAG_RESOLVED: transport patterns match it as they match
 * its first (docs/semantics.md, "Later fragments").  Returns 0, or
 * FWL_DROP_FRAG_NO_FLOW for a later fragment whose
 * first fragment was not seen (out of order, or expired after
 * FWL_CT_TO_FRAG): the policy decides (the proposal's Drop is usual).
 * The entry is not removed by the last fragment: fragments may be
 * reordered; it expires instead (and the map is an LRU).
 */
#ifndef FWL_BPF_FRAG_H
#define FWL_BPF_FRAG_H

#include "parse.h"
#include "config.h"
#include "maps/ct.h"

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FWL_FRAG_MAX);
	__type(key, struct fwl_frag_key);
	__type(value, struct fwl_frag_val);
} fwl_frag SEC(".maps");

static __always_inline void fwl_frag_key_of(const struct fwl_pkt *pkt,
					    struct fwl_frag_key *k)
{
	__builtin_memset(k, 0, sizeof(*k));
	__builtin_memcpy(k->saddr, pkt->saddr, 16);
	__builtin_memcpy(k->daddr, pkt->daddr, 16);
	k->id = pkt->frag_id;
	k->proto = pkt->l4;
	k->family = pkt->l3 == ETH_P_IPV6 ? 6 : 4;
}

static __always_inline int fwl_frag_resolve(struct fwl_pkt *pkt)
{
	struct fwl_frag_key k;
	struct fwl_frag_val v, *vp;
	__u64 now;

	if (!(pkt->frag & FWL_FRAG_IS) || pkt->invalid)
		return 0;
	fwl_frag_key_of(pkt, &k);
	now = fwl_now();
	if (pkt->frag & FWL_FRAG_FIRST) {
		v.expires = now + fwl_cfg_timeout_ns(FWL_CT_TO_FRAG);
		v.sport = pkt->sport;
		v.dport = pkt->dport;
		v.icmp_type = pkt->icmp_type;
		v.icmp_code = pkt->icmp_code;
		v.icmp_id = pkt->icmp_id;
		bpf_map_update_elem(&fwl_frag, &k, &v, BPF_ANY);
		return 0;
	}
	vp = bpf_map_lookup_elem(&fwl_frag, &k);
	if (!vp || vp->expires <= now)
		return FWL_DROP_FRAG_NO_FLOW;
	pkt->sport = vp->sport;
	pkt->dport = vp->dport;
	pkt->icmp_type = vp->icmp_type;
	pkt->icmp_code = vp->icmp_code;
	pkt->icmp_id = vp->icmp_id;
	pkt->frag |= FWL_FRAG_RESOLVED;
	return 0;
}

#endif
