/* SPDX-License-Identifier: MIT */
/*
 * tests/bpf/progs/ct.bpf.c - conntrack under test, shaped like generated
 * code: parse, track, a policy (drop INVALID, accept the rest), confirm.
 * Packet and flow state live in the per-CPU scratch (bpf/lib/scratch.h);
 * the fwl_ct result is copied to ct_out for the harness.
 */
#include "parse.h"
#include "counters.h"
#include "ct.h"
#include "scratch.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fwl_ct);
} ct_out SEC(".maps");

#define TEST_RULE_ID 42

SEC("xdp")
int ct_xdp(struct xdp_md *ctx)
{
	struct fwl_scratch *s = fwl_scratch();
	__u32 k = 0;

	if (!s)
		return XDP_ABORTED;
	if (fwl_parse(ctx, &s->pkt)) {
		fwl_count_drop(s->pkt.invalid, s->pkt.len);
		return XDP_DROP;
	}
	fwl_ct_track(ctx, &s->pkt, 0, &s->ct);
	if (s->ct.state == FWL_CT_INVALID) {
		bpf_map_update_elem(&ct_out, &k, &s->ct, 0);
		fwl_count_drop(s->ct.reason, s->pkt.len);
		return XDP_DROP;
	}
	if (fwl_ct_confirm(ctx, &s->pkt, &s->ct, TEST_RULE_ID))
		s->ct.reason = FWL_DROP_CT_FULL;
	bpf_map_update_elem(&ct_out, &k, &s->ct, 0);
	return s->ct.reason ? XDP_DROP : XDP_PASS;
}

SEC("tc")
int ct_tc(struct __sk_buff *ctx)
{
	struct fwl_scratch *s = fwl_scratch();
	__u32 k = 0;

	if (!s)
		return TC_ACT_SHOT;
	if (fwl_parse(ctx, &s->pkt))
		return TC_ACT_SHOT;
	fwl_ct_track(ctx, &s->pkt, 0, &s->ct);
	bpf_map_update_elem(&ct_out, &k, &s->ct, 0);
	if (s->ct.state == FWL_CT_INVALID)
		return TC_ACT_SHOT;
	fwl_ct_confirm(ctx, &s->pkt, &s->ct, TEST_RULE_ID);
	return TC_ACT_OK;
}

char _license[] SEC("license") = "Dual MIT/GPL";
