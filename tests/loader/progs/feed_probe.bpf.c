// SPDX-License-Identifier: MIT
/*
 * feed_probe.bpf.c - the data plane's side of the feed ABI, for
 * tests/loader/feed_bpf_test.c: look the packet's source address up in a
 * feed (bpf/lib/feed.h).  A hit writes the entry's tag into the first four
 * bytes of the destination MAC and returns XDP_TX; a miss returns
 * XDP_PASS.  Every lookup and hit is counted in globals.
 */
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>

#include "ctx.h"
#include "feed.h"

FWL_FEED_MAPS(probe_feed, 4096);

__u64 lookups, hits;

SEC("xdp")
int feed_probe(struct xdp_md *ctx)
{
	void *data = xdp_data(ctx), *end = xdp_data_end(ctx);
	struct ethhdr *eth = data;
	struct fwl_feed_value *v;

	if ((void *)(eth + 1) > end)
		return XDP_ABORTED;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);
		if ((void *)(ip + 1) > end)
			return XDP_ABORTED;
		v = fwl_feed_lookup4(&probe_feed_v4, ip->saddr);
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);
		if ((void *)(ip6 + 1) > end)
			return XDP_ABORTED;
		v = fwl_feed_lookup6(&probe_feed_v6, &ip6->saddr);
	} else {
		return XDP_PASS;
	}
	__sync_fetch_and_add(&lookups, 1);
	if (!v)
		return XDP_PASS;
	__sync_fetch_and_add(&hits, 1);
	__builtin_memcpy(eth->h_dest, &v->tag, sizeof(v->tag));
	return XDP_TX;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
