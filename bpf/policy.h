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

/* What the hooks know beyond the packet's headers. */
struct fwl_md {
	__u32 oif;		/* egress ifindex from the FIB (Forward) */
	__u64 iif_mask;		/* the policy's interfaces the packet came in */
	__u64 oif_mask;		/* ... and goes out on (ifaces.h) */
};

/* A policy's verdicts: FWL_VERDICT_PASS (Allow) and FWL_VERDICT_DROP come
 * from ctx.h; a policy whose arms did not decide returns CONTINUE. */
#define FWL_VERDICT_CONTINUE 2

#endif
