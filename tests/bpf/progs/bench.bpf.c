/* SPDX-License-Identifier: MIT */
/*
 * tests/bpf/progs/bench.bpf.c - programs timed by tools/bench-dataplane.c
 * with BPF_PROG_TEST_RUN repeat.  A test run repeats on the same packet
 * buffer, so the NAT programs save the first 128 bytes and put them back
 * at the end (timed alone by *_restore, the baseline for them).
 */
#include "parse.h"
#include "ct.h"
#include "nat.h"
#include "scratch.h"

#define SAVE 128

struct bench_save {
	__u8 b[SAVE];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bench_save);
} bench_save SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);		/* [0] DNAT to, [1] SNAT to */
	__type(key, __u32);
	__type(value, struct fwl_nat_target);
} bench_nat SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} bench_ctr SEC(".maps");

static __always_inline struct bench_save *save_(void *data, void *data_end)
{
	__u32 z = 0;
	struct bench_save *s = bpf_map_lookup_elem(&bench_save, &z);

	int i;

	if (!s || data + SAVE > data_end)
		return NULL;
#pragma unroll
	for (i = 0; i < SAVE / 8; i++)
		((__u64 *)s->b)[i] = ((__u64 *)data)[i];
	return s;
}

static __always_inline void restore_(void *data, void *data_end,
				     struct bench_save *s)
{
	int i;

	if (!s || data + SAVE > data_end)
		return;
#pragma unroll
	for (i = 0; i < SAVE / 8; i++)
		((__u64 *)data)[i] = ((__u64 *)s->b)[i];
}

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("xdp")
int xdp_parse(struct xdp_md *ctx)
{
	struct fwl_scratch *s = fwl_scratch();

	if (!s)
		return XDP_ABORTED;
	return fwl_parse(ctx, &s->pkt) ? XDP_DROP : XDP_PASS;
}

static __always_inline int ct_path(struct xdp_md *ctx, struct fwl_scratch *s)
{
	if (fwl_parse(ctx, &s->pkt))
		return XDP_DROP;
	fwl_ct_track(ctx, &s->pkt, 0, &s->ct);
	if (s->ct.state == FWL_CT_INVALID)
		return XDP_DROP;
	if (s->ct.pending && fwl_ct_confirm(ctx, &s->pkt, &s->ct, 1))
		return XDP_DROP;
	return XDP_PASS;
}

SEC("xdp")
int xdp_ct(struct xdp_md *ctx)
{
	struct fwl_scratch *s = fwl_scratch();

	if (!s)
		return XDP_ABORTED;
	return ct_path(ctx, s);
}

/* A new UDP flow every run: the source port comes from a counter. */
SEC("xdp")
int xdp_ct_miss(struct xdp_md *ctx)
{
	struct fwl_scratch *s = fwl_scratch();
	void *data = xdp_data(ctx), *data_end = xdp_data_end(ctx);
	__u32 z = 0, *c = bpf_map_lookup_elem(&bench_ctr, &z);
	__be16 *sport = data + 34;

	if (!s || !c || (void *)(sport + 1) > data_end)
		return XDP_ABORTED;
	*sport = bpf_htons((__u16)(++*c));
	return ct_path(ctx, s);
}

SEC("xdp")
int xdp_restore(struct xdp_md *ctx)
{
	void *data = xdp_data(ctx), *data_end = xdp_data_end(ctx);
	struct bench_save *sv = save_(data, data_end);

	restore_(xdp_data(ctx), xdp_data_end(ctx), sv);
	return XDP_PASS;
}

/* The ingress of a DNAT'd flow: reverse NAT, track, DNAT. */
SEC("xdp")
int xdp_dnat(struct xdp_md *ctx)
{
	struct fwl_scratch *s = fwl_scratch();
	struct bench_save *sv = save_(xdp_data(ctx), xdp_data_end(ctx));
	struct fwl_nat_target *t;
	__u32 z = 0;
	int v = XDP_PASS;

	t = bpf_map_lookup_elem(&bench_nat, &z);
	if (!s || !t)
		return XDP_ABORTED;
	if (fwl_parse(ctx, &s->pkt))
		return XDP_DROP;
	if (fwl_nat_rev(ctx, &s->pkt, 0))
		v = XDP_DROP;
	fwl_ct_track(ctx, &s->pkt, 0, &s->ct);
	if (s->ct.state == FWL_CT_INVALID)
		v = XDP_DROP;
	else if (fwl_nat_dnat_apply(ctx, &s->pkt, &s->ct))
		v = XDP_DROP;
	else if (s->ct.pending) {
		if (fwl_ct_confirm(ctx, &s->pkt, &s->ct, 1) ||
		    fwl_nat_dnat(ctx, &s->pkt, &s->ct, t))
			v = XDP_DROP;
	}
	if (bpf_map_lookup_elem(&bench_ctr, &z))	/* timed runs restore */
		restore_(xdp_data(ctx), xdp_data_end(ctx), sv);
	return v;
}

/* Same as xdp_dnat but leaves the packet rewritten (for seeding). */
SEC("xdp")
int xdp_ingress_seed(struct xdp_md *ctx)
{
	struct fwl_scratch *s = fwl_scratch();
	struct fwl_nat_target *t;
	__u32 z = 0;

	t = bpf_map_lookup_elem(&bench_nat, &z);
	if (!s || !t)
		return XDP_ABORTED;
	if (fwl_parse(ctx, &s->pkt) || fwl_nat_rev(ctx, &s->pkt, 0))
		return XDP_DROP;
	fwl_ct_track(ctx, &s->pkt, 0, &s->ct);
	if (s->ct.state == FWL_CT_INVALID ||
	    fwl_nat_dnat_apply(ctx, &s->pkt, &s->ct))
		return XDP_DROP;
	if (s->ct.pending &&
	    (fwl_ct_confirm(ctx, &s->pkt, &s->ct, 1) ||
	     fwl_nat_dnat(ctx, &s->pkt, &s->ct, t)))
		return XDP_DROP;
	return XDP_PASS;
}

SEC("tc")
int tc_pass(struct __sk_buff *ctx)
{
	return TC_ACT_OK;
}

static __always_inline struct bench_save *tc_save(struct __sk_buff *ctx)
{
	__u32 z = 0;
	struct bench_save *s = bpf_map_lookup_elem(&bench_save, &z);

	if (!s || bpf_skb_load_bytes(ctx, 0, s->b, SAVE))
		return NULL;
	return s;
}

SEC("tc")
int tc_restore(struct __sk_buff *ctx)
{
	struct bench_save *sv = tc_save(ctx);

	if (sv)
		bpf_skb_store_bytes(ctx, 0, sv->b, SAVE, 0);
	return TC_ACT_OK;
}

/* The egress of a flow being SNAT'd: track, SNAT. */
SEC("tc")
int tc_snat(struct __sk_buff *ctx)
{
	struct fwl_scratch *s = fwl_scratch();
	struct bench_save *sv = tc_save(ctx);
	struct fwl_nat_target *t;
	__u32 one = 1;
	int v = TC_ACT_OK;

	t = bpf_map_lookup_elem(&bench_nat, &one);
	if (!s || !t)
		return TC_ACT_SHOT;
	if (fwl_parse(ctx, &s->pkt))
		return TC_ACT_SHOT;
	fwl_ct_track(ctx, &s->pkt, 0, &s->ct);
	if (s->ct.state == FWL_CT_INVALID)
		v = TC_ACT_SHOT;
	else if (s->ct.pending && fwl_ct_confirm(ctx, &s->pkt, &s->ct, 2))
		v = TC_ACT_SHOT;
	else if (fwl_nat_snat(ctx, &s->pkt, &s->ct, t, 1024, 65535))
		v = TC_ACT_SHOT;
	if (sv && bpf_map_lookup_elem(&bench_ctr, &one))
		bpf_skb_store_bytes(ctx, 0, sv->b, SAVE, 0);
	return v;
}

char _license[] SEC("license") = "Dual MIT/GPL";
