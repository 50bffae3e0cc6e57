/* SPDX-License-Identifier: MIT */
/*
 * bpf/lib/seq.h - sequence patterns (FlowMatch): per-flow step + deadline.
 *
 *	r = fwl_seq_step(&pkt, zone, pattern_id, step, nsteps, window_ns);
 *
 * `step` is the index (0-based) of the pattern step this packet matches,
 * decided by the generated code, or FWL_SEQ_NO_STEP.  The state of
 * (pattern, flow) advances when the packet matches the next expected step
 * before the deadline, which is set by the first step to now + window.
 * A late packet finds the state expired and starts over (a step 0 starts
 * a new sequence; other steps leave none).  A step 0 while a sequence is
 * in progress restarts it.  Returns FWL_SEQ_NONE / _PARTIAL / _MATCHED
 * (maps/seq.h) for the state after the packet.  Once MATCHED, the state
 * stays matched while the flow is alive: every packet of the flow moves
 * its deadline to now + the idle timeout (fwl_config FWL_CT_TO_SEQ, 600 s
 * by default), as a connection mark lives with its connection.  A window
 * of 0 (no `within`) is that idle timeout too.  docs/semantics.md,
 * "Sequence patterns"; fwlc/interp.c seq_update() is the same.
 * nsteps <= FWL_SEQ_MAX_STEPS.
 */
#ifndef FWL_BPF_SEQ_H
#define FWL_BPF_SEQ_H

#include "parse.h"
#include "ct.h"
#include "config.h"
#include "maps/seq.h"

#define FWL_SEQ_NO_STEP	0xff

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FWL_SEQ_MAX);
	__type(key, struct fwl_seq_key);
	__type(value, struct fwl_seq_val);
} fwl_seq SEC(".maps");

static __always_inline int fwl_seq_step(const struct fwl_pkt *pkt, __u16 zone,
					__u32 pattern, __u8 step, __u8 nsteps,
					__u64 window_ns)
{
	struct fwl_seq_key k = {};
	struct fwl_seq_val *v, nv = {};
	__u64 now = fwl_now();
	__u64 idle = now + fwl_cfg_timeout_ns(FWL_CT_TO_SEQ);
	__u16 sp = pkt->sport, dp = pkt->dport;
	__u8 lo;

	if (pkt->l4 == IPPROTO_ICMP || pkt->l4 == IPPROTO_ICMPV6)
		fwl_ct_query_ports(fwl_icmp_query(pkt->l4, pkt->icmp_type),
				   pkt->icmp_id, &sp, &dp);	/* as ct.h */
	fwl_ct_key_make(&k.flow, pkt->saddr, sp, pkt->daddr, dp, pkt->l4,
			pkt->l3 == ETH_P_IPV6 ? 6 : 4, zone, &lo);
	k.pattern = pattern;
	v = bpf_map_lookup_elem(&fwl_seq, &k);
	if (v && v->deadline < now) {
		bpf_map_delete_elem(&fwl_seq, &k);
		v = NULL;
	}
	if (v && v->step >= nsteps) {
		/* matched: so while the flow is alive */
		v->deadline = idle;
		return FWL_SEQ_MATCHED;
	}
	if (step == 0) {
		nv.step = 1;
		nv.deadline = nsteps <= 1 || !window_ns ? idle
							: now + window_ns;
		bpf_map_update_elem(&fwl_seq, &k, &nv, BPF_ANY);
		return nsteps <= 1 ? FWL_SEQ_MATCHED : FWL_SEQ_PARTIAL;
	}
	if (!v)
		return FWL_SEQ_NONE;
	if (step == v->step) {
		v->step++;
		if (v->step >= nsteps || !window_ns)
			v->deadline = idle;
	}
	return v->step >= nsteps ? FWL_SEQ_MATCHED : FWL_SEQ_PARTIAL;
}

#endif
