/* SPDX-License-Identifier: MIT */
/*
 * tests/bpf/progs/parse.bpf.c - the parser under test, shaped like the
 * programs fwlc generates: parse, count, verdict.  The parsed struct is
 * copied to parse_out so the harness can check every field.
 */
#include "parse.h"
#include "counters.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fwl_pkt);
} parse_out SEC(".maps");

#define TEST_RULE_ID 7

SEC("xdp")
int parse_xdp(struct xdp_md *ctx)
{
	struct fwl_pkt pkt;
	__u32 k = 0;

	fwl_parse(ctx, &pkt);
	bpf_map_update_elem(&parse_out, &k, &pkt, 0);
	if (pkt.invalid) {
		fwl_count_drop(pkt.invalid, pkt.len);
		return CTX_ACT_DROP(ctx);
	}
	fwl_count_rule(TEST_RULE_ID, pkt.len);
	return CTX_ACT_OK(ctx);
}

SEC("tc")
int parse_tc(struct __sk_buff *ctx)
{
	struct fwl_pkt pkt;
	__u32 k = 0;

	fwl_parse(ctx, &pkt);
	bpf_map_update_elem(&parse_out, &k, &pkt, 0);
	if (pkt.invalid) {
		fwl_count_drop(pkt.invalid, pkt.len);
		return CTX_ACT_DROP(ctx);
	}
	fwl_count_rule(TEST_RULE_ID, pkt.len);
	return CTX_ACT_OK(ctx);
}

char _license[] SEC("license") = "Dual MIT/GPL";
