/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * ifaces.h - which of the policy's interfaces (and zones) an ifindex is.
 * fwld fills fwl_ifaces from the manifest (maps/sets.h); a policy's
 * interface and zone patterns test bits of the mask.
 */
#ifndef FWL_BPF_LIB_IFACES_H
#define FWL_BPF_LIB_IFACES_H

#include "ctx.h"
#include "maps/sets.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FWL_IFACES_MAX);
	__type(key, __u32);
	__type(value, struct fwl_iface);
} fwl_ifaces SEC(".maps");

/* The interface bits of ifindex; 0 for an interface the policy does not
 * name (it matches only `_`). */
static __always_inline __u64 fwl_iface_mask(__u32 ifindex)
{
	struct fwl_iface *i = bpf_map_lookup_elem(&fwl_ifaces, &ifindex);
	return i ? i->mask : 0;
}

#endif
