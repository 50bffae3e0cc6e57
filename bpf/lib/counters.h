/* SPDX-License-Identifier: MIT */
/*
 * bpf/lib/counters.h - per-rule, named and drop-reason counters.
 *
 *	fwl_count_rule(id, bytes)     rule `id` matched a packet of `bytes`
 *	fwl_count_named(idx, bytes)   named counter `idx` (< FWL_NAMED_CNT_MAX)
 *	fwl_count_drop(reason, bytes) a packet dropped for enum fwl_drop_reason
 *
 * All counters are per CPU (no atomics); userspace sums the CPUs.  A rule's
 * entry is created on its first packet, so a reload keeps the counts of
 * every rule id that survives.  Failure to create an entry (map full) is
 * ignored: counting never changes a verdict.
 */
#ifndef FWL_BPF_COUNTERS_H
#define FWL_BPF_COUNTERS_H

#include "counters_maps.h"

static __always_inline void fwl_count_rule(__u32 id, __u32 bytes)
{
	struct fwl_count *c, init = { .packets = 1, .bytes = bytes };

	c = bpf_map_lookup_elem(&fwl_rule_cnt, &id);
	if (c) {
		c->packets++;
		c->bytes += bytes;
		return;
	}
	/* BPF_NOEXIST: another packet on this CPU cannot race us, but a
	 * concurrent insert from userspace (a reset) must not be clobbered. */
	bpf_map_update_elem(&fwl_rule_cnt, &id, &init, BPF_NOEXIST);
}

static __always_inline void fwl_count_idx_(void *map, __u32 idx, __u32 bytes)
{
	struct fwl_count *c = bpf_map_lookup_elem(map, &idx);

	if (c) {
		c->packets++;
		c->bytes += bytes;
	}
}

static __always_inline void fwl_count_named(__u32 idx, __u32 bytes)
{
	fwl_count_idx_(&fwl_named_cnt, idx, bytes);
}

static __always_inline void fwl_count_drop(__u32 reason, __u32 bytes)
{
	fwl_count_idx_(&fwl_drop_cnt, reason, bytes);
}

#endif
