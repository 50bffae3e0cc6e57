/* SPDX-License-Identifier: MIT */
/*
 * bpf/lib/scratch.h - per-CPU room for the packet and flow state.
 *
 * BPF gives a program 512 bytes of stack for the whole call chain.  The
 * library's global functions use part of it (ct tracking the most: see
 * the verifier figures in the data-plane note), so programs should keep
 * struct fwl_pkt and struct fwl_ct here rather than on their stack:
 *
 *	struct fwl_scratch *s = fwl_scratch();
 *	if (!s)
 *		return XDP_ABORTED;	// cannot happen: 1-entry array
 *	fwl_parse(ctx, &s->pkt);
 *	fwl_ct_track(ctx, &s->pkt, zone, &s->ct);
 *
 * The entry is per CPU and a BPF program runs to completion on one CPU
 * without preemption by another BPF program of the same hook, so the
 * content is private to the running packet.  Contents are undefined at
 * program start: fwl_parse() and fwl_ct_track() overwrite what they fill.
 */
#ifndef FWL_BPF_SCRATCH_H
#define FWL_BPF_SCRATCH_H

#include "ctx.h"
#include "parse.h"
#include "ct_types.h"
#include "maps/nat.h"

struct fwl_scratch {
	struct fwl_pkt pkt;
	struct fwl_ct ct;
	__u8 buf[64];		/* free for the libraries' temporaries */
	struct fwl_nat_rkey nat_pre;	/* the tuple a NAT binding turned
					 * back (bpf/lib/nat.h), to undo it
					 * for a packet conntrack finds
					 * invalid */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fwl_scratch);
} fwl_scratch_map SEC(".maps");

static __always_inline struct fwl_scratch *fwl_scratch(void)
{
	__u32 k = 0;

	return bpf_map_lookup_elem(&fwl_scratch_map, &k);
}

#endif
