/* SPDX-License-Identifier: MIT */
/*
 * tests/bpf/progs/seq.bpf.c - FlowMatch under test.  Pattern 7 is the
 * proposal's WireGuardHandshake (first payload byte 1 then 2, within
 * seq_cfg.window_ns); pattern 8 has three steps (0x11, 0x12, 0x13).
 * A MATCHED packet is dropped, like blockOutboundWG; the result of the
 * last packet goes to seq_out.
 */
#define FWL_TESTING 1	/* the virtual clock (bpf/lib/config.h) */
#include "parse.h"
#include "seq.h"
#include "scratch.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);		/* window_ns */
} seq_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} seq_out SEC(".maps");

SEC("xdp")
int seq_xdp(struct xdp_md *ctx)
{
	struct fwl_scratch *s = fwl_scratch();
	__u32 z = 0, r = FWL_SEQ_NONE;
	__u64 *w = bpf_map_lookup_elem(&seq_cfg, &z);
	int b;

	if (!s || !w)
		return XDP_ABORTED;
	if (fwl_parse(ctx, &s->pkt) || s->pkt.l4 != IPPROTO_UDP)
		return XDP_PASS;
	b = fwl_payload_byte(ctx, &s->pkt, 0);
	if (b >= 1 && b <= 2)
		r = fwl_seq_step(&s->pkt, 0, 7, b - 1, 2, *w);
	else if (b >= 0x11 && b <= 0x13)
		r = fwl_seq_step(&s->pkt, 0, 8, b - 0x11, 3, *w);
	bpf_map_update_elem(&seq_out, &z, &r, 0);
	return r == FWL_SEQ_MATCHED ? XDP_DROP : XDP_PASS;
}

char _license[] SEC("license") = "Dual MIT/GPL";
