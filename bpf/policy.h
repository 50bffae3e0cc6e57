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

/* What a policy (or a hook's chain of policies) decides. */
enum fwl_verdict {
	FWL_VERDICT_ALLOW = 0,		/* pass on to the next hook */
	FWL_VERDICT_DROP = 1,		/* final: drop the packet */
	FWL_VERDICT_CONTINUE = 2,	/* no arm decided */
};

#endif
