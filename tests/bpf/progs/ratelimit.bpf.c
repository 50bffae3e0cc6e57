/* SPDX-License-Identifier: MIT */
/*
 * tests/bpf/progs/ratelimit.bpf.c - rate limits under test: rl_cfg picks
 * per-rule buckets, per-source buckets or every-Nth sampling; a packet
 * over the limit is dropped.
 */
#include "parse.h"
#include "ratelimit.h"
#include "scratch.h"

struct rl_test_cfg {
	__u32 mode;		/* 0 per rule, 1 per source, 2 every nth */
	__u32 rule;
	__u32 rate;
	__u32 burst;		/* or n */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rl_test_cfg);
} rl_cfg SEC(".maps");

SEC("xdp")
int rl_xdp(struct xdp_md *ctx)
{
	struct fwl_scratch *s = fwl_scratch();
	struct rl_test_cfg *c;
	__u32 z = 0;
	int ok;

	c = bpf_map_lookup_elem(&rl_cfg, &z);
	if (!s || !c)
		return XDP_ABORTED;
	if (fwl_parse(ctx, &s->pkt))
		return XDP_DROP;
	if (c->mode == 0)
		ok = fwl_rl_allow(c->rule, c->rate, c->burst);
	else if (c->mode == 1)
		ok = fwl_rl_allow_key(c->rule, s->pkt.saddr,
				      s->pkt.l3 == ETH_P_IPV6 ? 6 : 4,
				      c->rate, c->burst);
	else
		ok = fwl_every_nth(c->rule, c->burst);
	return ok ? XDP_PASS : XDP_DROP;
}

char _license[] SEC("license") = "Dual MIT/GPL";
