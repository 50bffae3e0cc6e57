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

/* What the hooks know beyond the packet's headers. */
struct fwl_md {
	__u32 oif;		/* egress ifindex from the FIB (Forward) */
	__u64 iif_mask;		/* the policy's interfaces the packet came in */
	__u64 oif_mask;		/* ... and goes out on (ifaces.h) */
	__u32 rule_id;		/* the arm that decided (creates the flow) */
	struct fwl_ct *ct;	/* conntrack's view (FWL_USES_CT), in the
				   per-CPU scratch: the stack is too small */
};

/* A policy's verdicts: FWL_VERDICT_PASS (Allow) and FWL_VERDICT_DROP come
 * from ctx.h; a policy whose arms did not decide returns CONTINUE. */
#define FWL_VERDICT_CONTINUE 2
/* NAT actions: the entry program rewrites the packet (bpf/lib/nat.h). */
#define FWL_VERDICT_DNAT_MAP 3	/* DNATMap: by the fwl_dnat_map entry */
#define FWL_VERDICT_MASQ 4	/* Masquerade: the egress address */

#endif
