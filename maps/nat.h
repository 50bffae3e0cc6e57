/* SPDX-License-Identifier: MIT */
/*
 * maps/nat.h - kernel/userspace ABI of NAT.
 *
 *   fwl_dnat_map  HASH   key struct fwl_dnat_key  value struct fwl_nat_target
 *                 the proposal's DNATMap: (proto, port) -> (ip, port).
 *                 Lifetime POLICY (filled by the loader from the bundle).
 *   fwl_nat_sets  ARRAY  key __u32 set id  value struct fwl_nat_set
 *                 backend sets of DNAT(set) / SNAT(set), one set id per
 *                 address family; a flow's first packet picks
 *                 be[fwl_nat_flow_hash(its original tuple) % count] and
 *                 the flow keeps it for its life (stored in its ct entry).
 *                 Lifetime POLICY (filled by the loader from maps.bin).
 *   fwl_ifaddr    HASH   key __u32 ifindex  value struct fwl_ifaddr
 *                 the address masquerade uses on an egress interface;
 *                 kept current by the loader.  Lifetime EXTERNAL.
 *   fwl_nat_rev   HASH   key struct fwl_nat_rkey  value struct fwl_nat_rval
 *                 reverse bindings: the reply tuple as it appears on the
 *                 wire -> the conntrack entry holding the translation.
 *                 Inserted before the forward binding (the ct entry's
 *                 dnat/snat slot); valid only while that ct entry lives:
 *                 a binding whose entry is gone is deleted when found and
 *                 its port is free again.  Lifetime FLOW.
 *   fwl_nat_stat  PERCPU_ARRAY key enum fwl_nat_stat, value __u64
 *
 * Addresses network byte order (IPv4 in word 0), ports host byte order.
 * Do not reorder fields; append only; retired fields become reserved.
 * Files that change with this one: bpf/lib/nat.h, bpf/lib/ct.h (binding
 * cleanup), bpf/policy.h (fwl_nat_pick), fwlc/mapdata.c, fwlc/interp.c
 * (fwl_nat_flow_hash), loader/, tests/bpf/test_nat.c.
 */
#ifndef FWL_MAPS_NAT_H
#define FWL_MAPS_NAT_H

#include <linux/types.h>
#include "maps/ct.h"

#define FWL_NAT_LAYOUT_VERSION 1

#define FWL_NAT_REV_MAX		262144	/* default max_entries of fwl_nat_rev */
#define FWL_DNAT_MAP_MAX	4096
#define FWL_NAT_SETS_MAX	256
#define FWL_NAT_SET_SIZE	16	/* backends per set */
#define FWL_IFADDR_MAX		256
#define FWL_NAT_PROBES		16	/* ports tried after the original */

struct fwl_dnat_key {
	__u16 port;		/* destination port, host order */
	__u8 proto;		/* IPPROTO_TCP / IPPROTO_UDP */
	__u8 family;		/* 4 or 6 */
};
_Static_assert(sizeof(struct fwl_dnat_key) == 4, "fwl_dnat_key layout");

struct fwl_nat_target {
	__be32 addr[4];		/* network order; IPv4 in [0] */
	__u16 port;		/* host order; 0 = keep the port */
	__u16 reserved;
};
_Static_assert(sizeof(struct fwl_nat_target) == 20, "fwl_nat_target layout");

struct fwl_nat_set {
	__u32 count;		/* backends in use, <= FWL_NAT_SET_SIZE */
	__u32 reserved;
	struct fwl_nat_target be[FWL_NAT_SET_SIZE];
};
_Static_assert(sizeof(struct fwl_nat_set) == 328, "fwl_nat_set layout");

struct fwl_ifaddr {
	__be32 v4;		/* 0 = none */
	__be32 v6[4];		/* all zero = none */
};
_Static_assert(sizeof(struct fwl_ifaddr) == 20, "fwl_ifaddr layout");

/* A directional tuple as on the wire. */
struct fwl_nat_rkey {
	__be32 saddr[4];
	__be32 daddr[4];
	__u16 sport;		/* host order; ICMP echo: identifier */
	__u16 dport;
	__u8 proto;
	__u8 family;
	__u16 zone;
};
_Static_assert(sizeof(struct fwl_nat_rkey) == 40, "fwl_nat_rkey layout");

struct fwl_nat_rval {
	struct fwl_ct_key ct;	/* the flow whose entry holds the NAT */
};
_Static_assert(sizeof(struct fwl_nat_rval) == 40, "fwl_nat_rval layout");

/*
 * Source NAT's choice of port, the contract the data plane (bpf/lib/nat.h)
 * and the interpreter (fwlc/interp.c) both follow, so that `fwlc
 * difftest` can compare the ports they pick.  A flow keeps its source
 * port when the reply tuple is free (no conntrack entry and no binding
 * holds it).  Else, as Linux's nf_nat_l4proto_unique_tuple without a
 * port range, the port stays in its class: below 512 -> 1..511, below
 * 1024 -> 600..1023, else 1024..65535 (an ICMP echo identifier:
 * 1..65535); FWL_NAT_PROBES candidates are tried, the i-th (1-based)
 * min + (h + i) % span with h = fwl_nat_port_hash() of the flow (Linux
 * draws a random offset; a keyed hash gives unpredictable ports with a
 * secret seed, fwl_config.nat_seed, and the same ones in both backends
 * with a known seed).  A protocol without ports has no candidate.
 */
static inline __u32 fwl_nat_port_hash(const __be32 *saddr,
				      const __be32 *daddr, __u16 dport,
				      __u8 proto, __u32 seed)
{
	__u32 h = seed ^ 0x9e3779b9u, i;

	for (i = 0; i < 4; i++) {
		h = (h ^ (__u32)saddr[i]) * 0x01000193u;
		h = (h ^ (__u32)daddr[i]) * 0x01000193u;
	}
	h = (h ^ ((__u32)dport << 8 | proto)) * 0x01000193u;
	return h ^ (h >> 16);
}

/* The class of the original port (TCP/UDP) or identifier (echo). */
static inline void fwl_nat_port_class(__u16 orig, int echo, __u16 *pmin,
				      __u16 *pmax)
{
	if (echo) {
		*pmin = 1;
		*pmax = 65535;
	} else if (orig < 512) {
		*pmin = 1;
		*pmax = 511;
	} else if (orig < 1024) {
		*pmin = 600;
		*pmax = 1023;
	} else {
		*pmin = 1024;
		*pmax = 65535;
	}
}

enum fwl_nat_stat {
	FWL_NAT_STAT_DNAT,	/* flows given a DNAT */
	FWL_NAT_STAT_SNAT,	/* flows given a SNAT */
	FWL_NAT_STAT_KEPT_PORT,	/* SNAT kept the original port */
	FWL_NAT_STAT_PROBED,	/* SNAT needed another port */
	FWL_NAT_STAT_NO_PORT,	/* exhaustion: flow dropped */
	FWL_NAT_STAT_NO_BACKEND,/* empty backend set: flow dropped */
	FWL_NAT_STAT_COLLISION,	/* DNAT reply tuple already bound */
	FWL_NAT_STAT_REV,	/* replies translated back */
	FWL_NAT_STAT_STALE,	/* bindings found without their flow */
	FWL_NAT_STAT_MAX = 16
};

/*
 * The flow hash that picks a flow's backend in a set (DNAT(set),
 * SNAT(set)): FNV-1a, 32 bit (offset basis 2166136261, prime 16777619),
 * over the 37 bytes
 *
 *	saddr[16] daddr[16] sport[2] dport[2] proto[1]
 *
 * of the flow's original tuple (conntrack's original direction, before
 * any NAT): addresses in network order, IPv4 in bytes 0..3 and zeros
 * after; ports big endian (an ICMP query: its identifier as the
 * requester's port, 0 as the other; no ports: 0).  The backend is
 * be[hash % count] of the set, its backends in canonical order (by
 * address bytes, then port).  The interpreter (fwlc/interp.c) and the
 * data plane (bpf/policy.h) both call this one function; tests/bpf and
 * tests/scenarios check it against vectors computed independently.
 */
#define FWL_NAT_HASH_BASIS	2166136261u
#define FWL_NAT_HASH_PRIME	16777619u

static inline __attribute__((always_inline)) __u32
fwl_nat_hash_bytes(__u32 h, const __u8 *b, int n)
{
	int i;

	for (i = 0; i < n; i++)
		h = (h ^ b[i]) * FWL_NAT_HASH_PRIME;
	return h;
}

static inline __attribute__((always_inline)) __u32
fwl_nat_flow_hash(const void *saddr, const void *daddr, __u16 sport,
		  __u16 dport, __u8 proto)
{
	__u8 tail[5] = { (__u8)(sport >> 8), (__u8)sport, (__u8)(dport >> 8),
			 (__u8)dport, proto };
	__u32 h = FWL_NAT_HASH_BASIS;

	h = fwl_nat_hash_bytes(h, (const __u8 *)saddr, 16);
	h = fwl_nat_hash_bytes(h, (const __u8 *)daddr, 16);
	return fwl_nat_hash_bytes(h, tail, 5);
}

#endif
