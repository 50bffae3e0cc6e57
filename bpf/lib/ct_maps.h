/* SPDX-License-Identifier: MIT */
/*
 * bpf/lib/ct_maps.h - the conntrack maps (layout and policy: maps/ct.h).
 */
#ifndef FWL_BPF_CT_MAPS_H
#define FWL_BPF_CT_MAPS_H

#include "ctx.h"
#include "maps/ct.h"
#include "maps/nat.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FWL_CT_MAX);
	__type(key, struct fwl_ct_key);
	__type(value, struct fwl_ct_entry);
} fwl_ct SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FWL_CT_NEW_MAX);
	__type(key, struct fwl_ct_key);
	__type(value, struct fwl_ct_entry);
} fwl_ct_new SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FWL_CT_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} fwl_ct_stat SEC(".maps");

/* NAT reverse bindings (maps/nat.h): they live and die with ct entries,
 * so conntrack owns the map and removes a flow's binding with the flow. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FWL_NAT_REV_MAX);
	__type(key, struct fwl_nat_rkey);
	__type(value, struct fwl_nat_rval);
} fwl_nat_rev SEC(".maps");

#ifdef FWL_USES_HELPER
/* Expectations of the connection helpers (maps/ct.h). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FWL_CT_EXPECT_MAX);
	__type(key, struct fwl_ct_expect_key);
	__type(value, struct fwl_ct_expect);
} fwl_ct_expect SEC(".maps");
#endif

static __always_inline void fwl_ct_stat_inc(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&fwl_ct_stat, &idx);

	if (v)
		(*v)++;
}

#endif
