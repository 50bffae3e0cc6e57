/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * bpf/lib/nat_sets.h - backend sets of DNAT(set) / SNAT(set).
 *
 * fwl_nat_sets (maps/nat.h) holds each set's backends, filled from
 * maps.bin; fwl_nat_set_pick() gives a flow's backend: be[h % count],
 * h = fwl_nat_flow_hash() of the flow's original tuple, which the ct
 * key holds (FWL_CT_S_ORIG_LO says which side is the originator), so
 * the choice does not depend on NAT done before it.  Both generated
 * policy code (bpf/policy.h, fwl_nat_pick) and bpf/lib/nat.h use it.
 */
#ifndef FWL_BPF_NAT_SETS_H
#define FWL_BPF_NAT_SETS_H

#include "ctx.h"
#include "ct_types.h"
#include "maps/nat.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FWL_NAT_SETS_MAX);
	__type(key, __u32);
	__type(value, struct fwl_nat_set);
} fwl_nat_sets SEC(".maps");

/* The hash of the flow ct belongs to (its original tuple). */
static __always_inline __u32 fwl_nat_ct_hash(const struct fwl_ct *ct)
{
	const struct fwl_ct_key *k = &ct->key;
	int lo = !!(ct->status & FWL_CT_S_ORIG_LO);

	return fwl_nat_flow_hash(lo ? k->addr_lo : k->addr_hi,
				 lo ? k->addr_hi : k->addr_lo,
				 lo ? k->port_lo : k->port_hi,
				 lo ? k->port_hi : k->port_lo, k->proto);
}

/* The backend of set `set` for the flow of ct; NULL when the set is
 * missing or empty (the flow fails closed: FWL_DROP_NAT_NO_BACKEND). */
static __always_inline struct fwl_nat_target *
fwl_nat_set_pick(const struct fwl_ct *ct, __u32 set)
{
	struct fwl_nat_set *ns = bpf_map_lookup_elem(&fwl_nat_sets, &set);
	__u32 i;

	if (!ns || !ns->count || ns->count > FWL_NAT_SET_SIZE)
		return NULL;
	i = fwl_nat_ct_hash(ct) % ns->count;
	asm volatile("" : "+r"(i)); /* keep the mask */
	return &ns->be[i & (FWL_NAT_SET_SIZE - 1)];
}

#endif
