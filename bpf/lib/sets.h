/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * sets.h - membership in the policy's sets, one map lookup each (layout:
 * maps/sets.h).  Included by generated code only when the policy uses sets.
 */
#ifndef FWL_BPF_LIB_SETS_H
#define FWL_BPF_LIB_SETS_H

#include "ctx.h"
#include "maps/sets.h"

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, FWL_CIDR4_MAX);
	__type(key, struct fwl_cidr4_key);
	__type(value, __u8);
} fwl_cidr4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, FWL_CIDR6_MAX);
	__type(key, struct fwl_cidr6_key);
	__type(value, __u8);
} fwl_cidr6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FWL_PORTSET_MAX * FWL_PORTSET_WORDS);
	__type(key, __u32);
	__type(value, __u64);
} fwl_portset SEC(".maps");

static __always_inline int fwl_in_cidr4(__u32 set, __be32 addr)
{
	struct fwl_cidr4_key k = {
		.prefixlen = 64, .set = bpf_htonl(set), .addr = addr,
	};
	return bpf_map_lookup_elem(&fwl_cidr4, &k) != NULL;
}

static __always_inline int fwl_in_cidr6(__u32 set, const __be32 *addr)
{
	struct fwl_cidr6_key k = { .prefixlen = 160, .set = bpf_htonl(set) };
	__builtin_memcpy(k.addr, addr, 16);
	return bpf_map_lookup_elem(&fwl_cidr6, &k) != NULL;
}

static __always_inline int fwl_in_portset(__u32 set, __u16 port)
{
	__u32 k = set * FWL_PORTSET_WORDS + (port >> 6);
	__u64 *w = bpf_map_lookup_elem(&fwl_portset, &k);
	return w && ((*w >> (port & 63)) & 1);
}

#endif
