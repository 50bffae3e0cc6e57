/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * bpf/policy.h - what generated policy code may use.
 *
 * fwlc's output (docs/bundle.md) includes this first, defines one function
 * per policy and per hook returning FWL_VERDICT_*, then includes ingress.h.
 */
#ifndef FWL_BPF_POLICY_H
#define FWL_BPF_POLICY_H

#include "ctx.h"
#include "parse.h"
#include "counters.h"
#include "fib.h"
#include "ct_types.h"
#include "scratch.h"
#include "maps/nat.h"
#include "nat_sets.h"

#define FWL_PAYLOAD_BYTES 16	/* byte patterns test these (fwlc too) */
#define FWL_MAX_FLOWS 8		/* flow patterns a policy checks */

/* What the hooks know beyond the packet's headers. */
struct fwl_md {
	__u32 oif;		/* egress ifindex from the FIB (Forward) */
	__u64 iif_mask;		/* the policy's interfaces the packet came in */
	__u64 oif_mask;		/* ... and goes out on (ifaces.h) */
	__u32 rule_id;		/* the arm that decided (creates the flow) */
	__u8 dst_local;		/* FIB: the destination is this host */
	__u8 payload[FWL_PAYLOAD_BYTES];	/* the first payload bytes */
	__u8 flow[FWL_MAX_FLOWS];	/* flow pattern states (FWL_SEQ_*) */
#ifdef FWL_TESTING
	__u32 feeds_asked;	/* feeds 0..31 (threat feeds, DNS name sets)
				 * the policies read for this packet: the
				 * scenario backend's unmocked-effect error
				 * (only in objects built for it) */
#endif
	struct fwl_ct ct;	/* conntrack's view (FWL_USES_CT) */
	/* NAT (bpf/lib/nat.h): a `table = NAT` policy runs only when
	 * nat_first (the flow's first packet); the target of a DNAT/SNAT
	 * verdict, and a DNAT applied to the packet whose binding is made
	 * only once the packet is accepted (nat_pending). */
	__u8 nat_first;
	__u8 nat_pending;
	__u8 nat_family;	/* of nat: 4 or 6 */
	struct fwl_nat_target nat;
	/* A hook in tail-called stages (FWL_STAGES, FWL_EGRESS_STAGES):
	 * where the entry program (fwl_ingress, fwl_egress) resumes, with
	 * which verdict and route, and the policy whose remaining parts a
	 * stage skips (index + 1: it already decided). */
	__u8 resume;		/* FWL_RESUME_*: re-entered after stages */
	__u8 resume_hook;	/* FWL_RESUME_* of the staged hook running */
	__u16 stage_skip;
	__u8 stage_nat;		/* the first NAT verdict of the staged hook */
	__s32 stage_v;
	__s32 route;
};

#define FWL_RESUME_PREROUTING 1
#define FWL_RESUME_INPUT 2
#define FWL_RESUME_FORWARD 3
#define FWL_RESUME_OUTPUT 4	/* fwl_egress's hooks (egress.h) */
#define FWL_RESUME_POSTROUTING 5

/* The hooks' struct fwl_md lives in a per-CPU slot, like the packet in
 * scratch.h: the entry program's stack, with the conntrack and flow
 * functions', is bounded by 512 bytes. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fwl_md);
} fwl_md_map SEC(".maps");

/* The slot as it is: a re-entered entry program reads its resume state
 * (fwl_md.resume) before it clears the slot for a new packet. */
static __always_inline struct fwl_md *fwl_md_peek(void)
{
	__u32 k = 0;

	return bpf_map_lookup_elem(&fwl_md_map, &k);
}

/* A policy's verdicts: FWL_VERDICT_PASS (Allow) and FWL_VERDICT_DROP come
 * from ctx.h; a policy whose arms did not decide returns CONTINUE. */
#define FWL_VERDICT_CONTINUE 2
/* A part of a long policy (a noinline function): none of its arms
 * matched, the next part goes on.  Never leaves the policy. */
#define FWL_VERDICT_NONE 255
/* NAT actions: the entry program rewrites the packet (bpf/lib/nat.h). */
#define FWL_VERDICT_DNAT_MAP 3	/* DNATMap: by the fwl_dnat_map entry */
#define FWL_VERDICT_MASQ 4	/* Masquerade: the egress address */
#define FWL_VERDICT_DNAT 5	/* DNAT(addr[, port]): md->nat */
#define FWL_VERDICT_SNAT 6	/* SNAT(addr[, port]): md->nat */

/* A DNAT/SNAT verdict with its target (addresses in host order words,
 * IPv4 in a0; port 0: none given). */
static __always_inline int fwl_nat_to(struct fwl_md *m, int v, int family,
				      __u32 a0, __u32 a1, __u32 a2, __u32 a3,
				      __u16 port)
{
	if (m->nat_family)
		return v;	/* an earlier policy's target stands */
	m->nat_family = family;
	m->nat.addr[0] = bpf_htonl(a0);
	m->nat.addr[1] = bpf_htonl(a1);
	m->nat.addr[2] = bpf_htonl(a2);
	m->nat.addr[3] = bpf_htonl(a3);
	m->nat.port = port;
	m->nat.reserved = 0;
	return v;
}

/* A DNAT/SNAT verdict to a backend set (DNAT(set), SNAT(set)): the flow's
 * backend among the set's of the packet's family (set4 / set6, -1: the
 * set has none, the arm allows the packet untranslated), chosen by the
 * hash of the flow's original tuple (nat_sets.h).  A set emptied at run
 * time drops the flow's first packet. */
static __always_inline int fwl_nat_pick(const struct fwl_pkt *p,
					struct fwl_md *m, int v, int set4,
					int set6)
{
	int six = p->l3 == ETH_P_IPV6, set = six ? set6 : set4;
	struct fwl_nat_target *t;

	if (m->nat_family)
		return v;	/* an earlier policy's target stands */
	if (set < 0)
		return FWL_VERDICT_PASS;
	t = fwl_nat_set_pick(&m->ct, (__u32)set);
	if (!t)
		return FWL_VERDICT_DROP;
	m->nat_family = six ? 6 : 4;
	m->nat = *t;
	m->nat.reserved = 0;
	return v;
}

#endif
