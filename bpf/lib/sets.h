/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * sets.h - membership in the policy's sets (layout: maps/sets.h): IPv4
 * sets in fixed-depth tries of arrays (at most four array lookups), IPv6
 * sets and sparse IPv4 ones in LPM tries (one lookup), port sets as
 * bitmaps (one lookup).  Included by generated code only when the policy
 * uses sets.
 */
#ifndef FWL_BPF_LIB_SETS_H
#define FWL_BPF_LIB_SETS_H

#include "ctx.h"
#include "maps/sets.h"

/* The policy's own sizes (generated code); one chunk without sets. */
#ifndef FWL_DIR4_NODES
#define FWL_DIR4_NODES 1
#endif
#ifndef FWL_DIR4_LEAVES
#define FWL_DIR4_LEAVES 1
#endif

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FWL_DIR4_NODES * 256);
	__type(key, __u32);
	__type(value, __u32);
} fwl_dir4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FWL_DIR4_LEAVES);
	__type(key, __u32);
	__type(value, struct fwl_dir4_leaf);
} fwl_dir4_leaf SEC(".maps");

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

/* One step down the trie: 0 or 1 (the answer), else the next chunk + 2. */
static __always_inline __u32 fwl_dir4_step(__u32 chunk, __u32 byte)
{
	__u32 k = chunk * 256 + byte;
	__u32 *e = bpf_map_lookup_elem(&fwl_dir4, &k);
	return e ? *e : 0;
}

/* Membership in an IPv4 set of fwl_dir4 (maps/sets.h): at most three
 * chunk lookups and a bitmap, whatever the set's size. */
static __always_inline int fwl_in_dir4(__u32 root, __be32 addr)
{
	__u32 a = bpf_ntohl(addr);
	__u32 e = fwl_dir4_step(root, a >> 24);
	if (e < 2)
		return e;
	e = fwl_dir4_step(e - 2, (a >> 16) & 0xff);
	if (e < 2)
		return e;
	e = fwl_dir4_step(e - 2, (a >> 8) & 0xff);
	if (e < 2)
		return e;
	__u32 k = e - 2;
	struct fwl_dir4_leaf *l = bpf_map_lookup_elem(&fwl_dir4_leaf, &k);
	if (!l)
		return 0;
	return (l->w[(a >> 6) & 3] >> (a & 63)) & 1;
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
