/* SPDX-License-Identifier: MIT */
/*
 * maps/feed.h - threat-feed sets: the kernel/userspace ABI (docs/feeds.md).
 *
 * A ThreatFeed instance is two BPF_MAP_TYPE_LPM_TRIE maps, one per address
 * family, filled at run time by fwld's feed handler (loader/feed.c):
 *
 *	NAME_v4		key struct fwl_feed_key4, value struct fwl_feed_value
 *	NAME_v6		key struct fwl_feed_key6, value struct fwl_feed_value
 *
 * Both must be created with BPF_F_NO_PREALLOC (the kernel requires it for
 * LPM tries).  Lifetime class EXTERNAL: the handler owns the contents, a
 * reload keeps them while the new policy still declares the feed.
 *
 * Byte order: prefixlen is host order (the kernel's struct bpf_lpm_trie_key
 * header), addr is network order.  A lookup from the data plane sets
 * prefixlen to 32 (128) and addr to the packet's address.
 *
 * Do not reorder or resize fields; bump FWL_FEED_LAYOUT on any change and
 * update loader/feed.c, docs/feeds.md and the data plane's feed lookups.
 */
#ifndef FWL_MAPS_FEED_H
#define FWL_MAPS_FEED_H

#include <linux/types.h>

#define FWL_FEED_LAYOUT 1

/* IPv4 key: 8 bytes, no padding. */
struct fwl_feed_key4 {
	__u32 prefixlen;	/* 0..32, host order */
	__u8 addr[4];		/* network order, host bits zero */
};

/* IPv6 key: 20 bytes, no padding. */
struct fwl_feed_key6 {
	__u32 prefixlen;	/* 0..128, host order */
	__u8 addr[16];		/* network order, host bits zero */
};

/* Value of every entry: which feed put it there (the feed's tag, chosen by
 * the loader; the data plane may log it).  4 bytes. */
struct fwl_feed_value {
	__u32 tag;
};

_Static_assert(sizeof(struct fwl_feed_key4) == 8, "fwl_feed_key4 ABI");
_Static_assert(sizeof(struct fwl_feed_key6) == 20, "fwl_feed_key6 ABI");
_Static_assert(sizeof(struct fwl_feed_value) == 4, "fwl_feed_value ABI");

#endif
