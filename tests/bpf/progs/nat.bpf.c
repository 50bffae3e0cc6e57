/* SPDX-License-Identifier: MIT */
/*
 * tests/bpf/progs/nat.bpf.c - NAT under test: an XDP ingress program
 * (reverse NAT, conntrack, DNAT) and a TC egress program (conntrack,
 * SNAT/masquerade), driven by nat_cfg so one object covers every case.
 */
#include "parse.h"
#include "ct.h"
#include "nat.h"
#include "scratch.h"

struct nat_test_cfg {
	__u32 dnat;		/* 0 none, 1 target, 2 DNATMap, 3 set 0 */
	__u32 snat;		/* 0 none, 1 to target, 2 masquerade */
	__u16 pmin, pmax;
	struct fwl_nat_target dnat_to;
	struct fwl_nat_target snat_to;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nat_test_cfg);
} nat_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);		/* [0] ingress, [1] egress */
	__type(key, __u32);
	__type(value, struct fwl_ct);
} nat_out SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u32);		/* last NAT result (reason) */
} nat_res SEC(".maps");

static __always_inline void out(__u32 k, struct fwl_ct *ct, __u32 r)
{
	bpf_map_update_elem(&nat_out, &k, ct, 0);
	bpf_map_update_elem(&nat_res, &k, &r, 0);
}

SEC("xdp")
int nat_xdp(struct xdp_md *ctx)
{
	struct fwl_scratch *s = fwl_scratch();
	struct nat_test_cfg *c;
	__u32 z = 0;
	int r = 0;

	c = bpf_map_lookup_elem(&nat_cfg, &z);
	if (!s || !c)
		return XDP_ABORTED;
	if (fwl_parse(ctx, &s->pkt))
		return XDP_DROP;
	r = fwl_nat_rev(ctx, &s->pkt, 0);
	if (r)
		goto drop;
	fwl_ct_track(ctx, &s->pkt, 0, &s->ct);
	if (s->ct.state == FWL_CT_INVALID) {
		r = s->ct.reason;
		goto drop;
	}
	r = fwl_nat_dnat_apply(ctx, &s->pkt, &s->ct);
	if (r)
		goto drop;
	if (s->ct.pending && (c->dnat == 1 || c->dnat == 2)) {
		/* as bpf/ingress.h: prepare after Prerouting, commit (binding
		 * and flow) once accepted */
		struct fwl_nat_target *tp = c->dnat == 1 ?
			&c->dnat_to : fwl_dnat_map_target(&s->pkt);

		struct fwl_nat_target t;

		if (tp) {
			t = *tp;
			r = fwl_nat_dnat_prepare(ctx, &s->pkt, &s->ct, &t,
						 s->pkt.l3 == ETH_P_IPV6 ? 6 : 4);
			if (r > 0)
				goto drop;
			if (r == 0) {
				r = fwl_nat_dnat_commit(&s->pkt, &s->ct, 1);
				if (r)
					goto drop;
				goto pass;
			}
			r = 0;
		}
	}
	if (s->ct.pending) {
		if (fwl_ct_confirm(ctx, &s->pkt, &s->ct, 1)) {
			r = FWL_DROP_CT_FULL;
			goto drop;
		}
		if (c->dnat == 3)
			r = fwl_nat_dnat_backend(ctx, &s->pkt, &s->ct, 0);
		if (r == -1)
			r = 0;
		if (r)
			goto drop;
	}
pass:
	out(0, &s->ct, 0);
	return XDP_PASS;
drop:
	out(0, &s->ct, r);
	return XDP_DROP;
}

SEC("tc")
int nat_tc(struct __sk_buff *ctx)
{
	struct fwl_scratch *s = fwl_scratch();
	struct nat_test_cfg *c;
	__u32 z = 0;
	int r = 0;

	c = bpf_map_lookup_elem(&nat_cfg, &z);
	if (!s || !c)
		return TC_ACT_SHOT;
	if (fwl_parse(ctx, &s->pkt))
		return TC_ACT_SHOT;
	fwl_ct_track(ctx, &s->pkt, 0, &s->ct);
	if (s->ct.state == FWL_CT_INVALID) {
		r = s->ct.reason;
		goto drop;
	}
	if (s->ct.pending && fwl_ct_confirm(ctx, &s->pkt, &s->ct, 2)) {
		r = FWL_DROP_CT_FULL;
		goto drop;
	}
	if (c->snat == 1)
		r = fwl_nat_snat(ctx, &s->pkt, &s->ct, &c->snat_to, c->pmin,
				 c->pmax);
	else if (c->snat == 2)
		r = fwl_nat_masq(ctx, &s->pkt, &s->ct, c->pmin, c->pmax);
	if (r)
		goto drop;
	out(1, &s->ct, 0);
	return TC_ACT_OK;
drop:
	out(1, &s->ct, r);
	return TC_ACT_SHOT;
}

char _license[] SEC("license") = "Dual MIT/GPL";
