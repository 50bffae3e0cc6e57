/* SPDX-License-Identifier: MIT */
/*
 * maps/sets.h - kernel/userspace ABI of the policy's sets and interfaces.
 *
 * Every set a policy names (a `let` CIDR set, an interface's cidr4/cidr6,
 * a builtin import, a port set) is map contents, never code: the decision
 * code is one lookup whatever the set's size.  fwlc numbers the sets (set
 * id, host order) and writes their entries to the bundle's maps.bin;
 * fwld fills the maps before the policy is switched in (class POLICY).
 *
 *   fwl_dir4      ARRAY  key __u32 chunk * 256 + byte   value __u32
 *   fwl_dir4_leaf ARRAY  key __u32 bitmap                value struct
 *                                                        fwl_dir4_leaf
 *       IPv4 sets as tries of fixed depth (fwlc/dir4.h): the set's root
 *       chunk is indexed by the address's first byte, the chunk an entry
 *       names by the next byte, and so on; the fourth byte picks a bit of
 *       a 256-bit bitmap.  Entry 0: not in the set, 1: every address
 *       under it is, n >= 2: chunk (at the fourth level: bitmap) n - 2.
 *       max_entries are the policy's (FWL_DIR4_NODES * 256,
 *       FWL_DIR4_LEAVES, defined by the generated code): the set's size
 *       changes map sizes, never code.
 *   fwl_cidr4   LPM_TRIE  key struct fwl_cidr4_key  value __u8 (1)
 *   fwl_cidr6   LPM_TRIE  key struct fwl_cidr6_key  value __u8 (1)
 *       The set id is the first 32 bits of the key (big endian), so one
 *       trie holds every set: prefixlen = 32 + the prefix's length.  IPv6
 *       sets, and IPv4 sets of scattered long prefixes whose chunks would
 *       take more memory than fwlc/dir4.h allows.
 *   fwl_portset ARRAY     key __u32 set id * 1024 + port / 64
 *                         value __u64, bit port % 64: port is in the set
 *   fwl_ifaces  HASH      key __u32 ifindex   value struct fwl_iface
 *       Filled by fwld from manifest.json's interfaces at load time (and
 *       again when an interface appears or is renamed): names are resolved
 *       to ifindex by the loader, never baked into the program.
 *
 * Do not reorder fields; append only.  Files that change with this one:
 * bpf/lib/sets.h, fwlc/dir4.c, fwlc/mapdata.c, loader/mapdata.c.
 */
#ifndef FWL_MAPS_SETS_H
#define FWL_MAPS_SETS_H

#include <linux/types.h>

#define FWL_SETS_LAYOUT_VERSION 2

#define FWL_CIDR4_MAX		(1u << 21)	/* prefixes in all v4 sets */
#define FWL_CIDR6_MAX		(1u << 20)	/* prefixes in all v6 sets */
#define FWL_PORTSET_MAX		64		/* port sets per policy */
#define FWL_PORTSET_WORDS	1024		/* 65536 bits per set */
#define FWL_IFACES_MAX		256		/* interfaces fwld resolves */
#define FWL_IFACE_BITS		64		/* declared interfaces + lo */

struct fwl_cidr4_key {
	__u32 prefixlen;	/* 32 (set id) + prefix length */
	__be32 set;		/* set id, network order */
	__be32 addr;		/* network order */
};
_Static_assert(sizeof(struct fwl_cidr4_key) == 12, "fwl_cidr4_key layout");

struct fwl_cidr6_key {
	__u32 prefixlen;	/* 32 (set id) + prefix length */
	__be32 set;		/* set id, network order */
	__u8 addr[16];
};
_Static_assert(sizeof(struct fwl_cidr6_key) == 24, "fwl_cidr6_key layout");

struct fwl_dir4_leaf {
	__u64 w[4];		/* bit b % 64 of w[b / 64]: last byte b */
};
_Static_assert(sizeof(struct fwl_dir4_leaf) == 32, "fwl_dir4_leaf layout");

struct fwl_iface {
	__u64 mask;		/* bit i: the policy's interface number i */
};
_Static_assert(sizeof(struct fwl_iface) == 8, "fwl_iface layout");

#endif
