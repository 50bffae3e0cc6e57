/* SPDX-License-Identifier: MIT */
/*
 * bpf/lib/feed.h - threat-feed maps and lookups for the data plane (layout
 * and meaning in maps/feed.h; fwld fills the maps, docs/feeds.md).
 *
 *	FWL_FEED_MAPS(blocklist, 1 << 20);	// blocklist_v4, blocklist_v6
 *	if (fwl_feed_lookup4(&blocklist_v4, iph->saddr)) ...
 *
 * A lookup is a longest-prefix match of the full address; it returns the
 * entry's value (which feed put it there) or NULL.
 */
#ifndef FWL_BPF_FEED_H
#define FWL_BPF_FEED_H

#include "ctx.h"
#include "maps/feed.h"

/* max_entries of each feed trie: room for a full replacement of a
 * 1,000,000-prefix feed (old and new side by side during the swap). */
#ifndef FWL_FEED_MAX
#define FWL_FEED_MAX (1u << 21)
#endif

/* The two LPM tries of feed NAME, BTF-defined so that bpftool prints the
 * keys and values by field.  max_entries: room for old and new together
 * during a swap (twice the feed's size for a full replacement). */
#define FWL_FEED_MAPS(NAME, MAX)					\
	struct {							\
		__uint(type, BPF_MAP_TYPE_LPM_TRIE);			\
		__uint(map_flags, BPF_F_NO_PREALLOC);			\
		__uint(max_entries, MAX);				\
		__type(key, struct fwl_feed_key4);			\
		__type(value, struct fwl_feed_value);			\
	} NAME##_v4 SEC(".maps");					\
	struct {							\
		__uint(type, BPF_MAP_TYPE_LPM_TRIE);			\
		__uint(map_flags, BPF_F_NO_PREALLOC);			\
		__uint(max_entries, MAX);				\
		__type(key, struct fwl_feed_key6);			\
		__type(value, struct fwl_feed_value);			\
	} NAME##_v6 SEC(".maps")

/* addr in network order, as in the IPv4 header. */
static __always_inline struct fwl_feed_value *
fwl_feed_lookup4(void *map, __be32 addr)
{
	struct fwl_feed_key4 k = { .prefixlen = 32 };
	__builtin_memcpy(k.addr, &addr, sizeof(k.addr));
	return bpf_map_lookup_elem(map, &k);
}

/* addr: 16 bytes in network order, as in the IPv6 header. */
static __always_inline struct fwl_feed_value *
fwl_feed_lookup6(void *map, const void *addr)
{
	struct fwl_feed_key6 k = { .prefixlen = 128 };
	__builtin_memcpy(k.addr, addr, sizeof(k.addr));
	return bpf_map_lookup_elem(map, &k);
}

#endif
