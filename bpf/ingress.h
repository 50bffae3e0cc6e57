/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * bpf/ingress.h - the XDP ingress entry program (included last by
 * generated policy code, after its fwl_hook_* functions).
 *
 * Order, as in ARCHITECTURE.md: parse → prerouting → FIB (local ⇒ input,
 * else forward with oif) → input/forward → verdict.  Hooks the policy does
 * not use compile away (FWL_HOOK_* are defined by the generated code).
 *
 * Like nftables' inet family, the IP hooks only see IPv4 and IPv6: ARP and
 * other ethertypes pass untouched.  Malformed IP packets are dropped and
 * counted by reason (they would never be treated as another protocol).
 */
#ifndef FWL_BPF_INGRESS_H
#define FWL_BPF_INGRESS_H

SEC("xdp")
int fwl_ingress(struct xdp_md *ctx)
{
	struct fwl_scratch *s = fwl_scratch();
	struct fwl_md *md = fwl_md_peek();
	int route __attribute__((unused));
	int v __attribute__((unused)), r __attribute__((unused));

	if (!s || !md)
		return XDP_ABORTED;	/* cannot happen: 1-entry arrays */
	struct fwl_pkt *pkt = &s->pkt;
#ifdef FWL_STAGES
	/* Back from a staged hook (a chain of tail calls, fwlc's gen_bpf.c):
	 * the packet and md are as the stages left them. */
	if (md->resume) {
		int at = md->resume;

		md->resume = 0;
		v = md->stage_v;
		route = md->route;
#ifdef FWL_STAGED_PREROUTING
		if (at == FWL_RESUME_PREROUTING)
			goto resume_prerouting;
#endif
#ifdef FWL_STAGED_INPUT
		if (at == FWL_RESUME_INPUT)
			goto resume_input;
#endif
#ifdef FWL_STAGED_FORWARD
		if (at == FWL_RESUME_FORWARD)
			goto resume_forward;
#endif
		return XDP_DROP;	/* cannot happen: fails closed */
	}
#endif
	__builtin_memset(md, 0, sizeof(*md));
	if (fwl_parse(ctx, pkt) != FWL_DROP_NONE) {
		fwl_count_drop(pkt->invalid, pkt->len);
		return XDP_DROP;
	}
	if (pkt->l3 != 0x0800 && pkt->l3 != 0x86dd)
		return XDP_PASS;
#ifdef FWL_USES_IFACES
	md->iif_mask = fwl_iface_mask(pkt->ifindex);
#endif
#ifdef FWL_USES_NAT
	/* Replies to translated flows: back to the original tuple first. */
	if ((r = fwl_nat_rev(ctx, pkt, 0)) > 0)
		goto drop_reason;
#endif
#ifdef FWL_USES_CT
	fwl_ct_track(ctx, pkt, 0, &md->ct);
	/* `table = NAT` policies see only the packet that opens a flow */
	md->nat_first = md->ct.pending;
#ifdef FWL_USES_NAT
	/* an invalid packet is not translated (Linux: no conntrack) */
	if (md->ct.state == FWL_CT_INVALID &&
	    (r = fwl_nat_rev_undo(ctx, pkt)) > 0)
		goto drop_reason;
#endif
#elif defined(FWL_USES_FRAG)
	/* later fragments: their first's ports (conntrack does it above) */
	fwl_frag_resolve(pkt);
#endif
#ifdef FWL_USES_NAT
	/* Later packets of a DNAT'd flow keep their translation. */
	if ((r = fwl_nat_dnat_apply(ctx, pkt, &md->ct)) > 0)
		goto drop_reason;
#endif
#ifdef FWL_USES_PAYLOAD
	for (int i = 0; i < FWL_PAYLOAD_BYTES; i++) {
		int b = fwl_payload_byte(ctx, pkt, i);
		md->payload[i] = b < 0 ? 0 : b;	/* lengths are tested too */
	}
#endif
#ifdef FWL_USES_FLOWS
	fwl_flows_update(pkt, md);
#endif
#ifdef FWL_USES_OFFLOAD
	/* Conntrack.offload: established packets of an offloaded flow skip
	 * the policies (the XDP meaning of an nftables flowtable); the
	 * flow patterns above still saw them. */
	if (md->ct.state == FWL_CT_ESTABLISHED &&
	    (md->ct.status & FWL_CT_S_OFFLOAD)) {
#ifdef FWL_USES_HELPER
		fwl_ct_helper(ctx, pkt, &md->ct);
#endif
		return XDP_PASS;
	}
#endif
#ifdef FWL_USES_DST_LOCAL
	/* FIB.daddrLocal, as the packet arrived (before any DNAT). */
	md->dst_local = fwl_fib_route(ctx, pkt, &md->oif) == FWL_ROUTE_LOCAL;
#endif
#ifdef FWL_HOOK_PREROUTING
#ifdef FWL_STAGED_PREROUTING
	fwl_stages_enter(ctx, md, FWL_RESUME_PREROUTING, FWL_STAGED_PREROUTING,
			0);
	return XDP_DROP;	/* the stage is missing: fails closed */
resume_prerouting:
#else
	v = fwl_hook_prerouting(pkt, md);
#endif
	if (v == FWL_VERDICT_DROP)
		return XDP_DROP;
#ifdef FWL_USES_NAT
	/* DNAT: the packet is rewritten now (routing and the filter see
	 * the target); the binding and the flow are made only if the packet
	 * is accepted (fwl_nat_dnat_commit below). */
	if (v == FWL_VERDICT_DNAT_MAP) {
		struct fwl_nat_target *t = fwl_dnat_map_target(pkt);

		if (t) {
			md->nat = *t;
			md->nat_family = pkt->l3 == ETH_P_IPV6 ? 6 : 4;
			v = FWL_VERDICT_DNAT;
		}
	}
	if (v == FWL_VERDICT_DNAT) {
		r = fwl_nat_dnat_prepare(ctx, pkt, &md->ct, &md->nat,
					 md->nat_family);
		if (r > 0)
			goto drop_reason;	/* fails closed, this flow */
		md->nat_pending = r == 0;
	}
#endif
#endif
#if defined(FWL_HOOK_INPUT) || defined(FWL_HOOK_FORWARD)
	route = fwl_fib_route(ctx, pkt, &md->oif);
#ifdef FWL_USES_IFACES
	if (md->oif)
		md->oif_mask = fwl_iface_mask(md->oif);
#endif
#endif
#ifdef FWL_HOOK_INPUT
#ifdef FWL_STAGED_INPUT
	if (route == FWL_ROUTE_LOCAL) {
		fwl_stages_enter(ctx, md, FWL_RESUME_INPUT, FWL_STAGED_INPUT,
				route);
		return XDP_DROP;	/* the stage is missing: fails closed */
	}
	if (0) {
resume_input:
		if (v == FWL_VERDICT_DROP)
			return XDP_DROP;
	}
#else
	if (route == FWL_ROUTE_LOCAL &&
	    fwl_hook_input(pkt, md) == FWL_VERDICT_DROP)
		return XDP_DROP;
#endif
#endif
#ifdef FWL_HOOK_FORWARD
#ifdef FWL_STAGED_FORWARD
	if (route == FWL_ROUTE_FORWARD) {
		fwl_stages_enter(ctx, md, FWL_RESUME_FORWARD,
				FWL_STAGED_FORWARD, route);
		return XDP_DROP;	/* the stage is missing: fails closed */
	}
	if (0) {
resume_forward:
		if (v == FWL_VERDICT_DROP)
			return XDP_DROP;
	}
#else
	if (route == FWL_ROUTE_FORWARD &&
	    fwl_hook_forward(pkt, md) == FWL_VERDICT_DROP)
		return XDP_DROP;
#endif
#endif
#ifdef FWL_USES_NAT
	/* A new flow on the untranslated reverse tuple of a translated one
	 * cannot have an entry of its own (bpf/lib/ct.h): dropped. */
	if (md->ct.pending && md->ct.clash) {
		r = FWL_DROP_NAT_COLLISION;
		goto drop_reason;
	}
	/* Accepted: a DNAT'd flow is created with its binding. */
	if (md->nat_pending &&
	    (r = fwl_nat_dnat_commit(pkt, &md->ct, md->rule_id)) > 0)
		goto drop_reason;	/* fails closed, this flow */
#endif
#ifdef FWL_USES_CT
	/* Allowed: a packet that opens a flow creates it now (a dropped one
	 * never does). */
	if (md->ct.pending)
		fwl_ct_confirm(ctx, pkt, &md->ct, md->rule_id);
#endif
#ifdef FWL_USES_NAT
	/* Invalid, yet allowed, on a known flow: TC egress is to see it
	 * Invalid too, and so not translate it (bpf/lib/ct.h, fwl_ct_fp). */
	if (md->ct.state == FWL_CT_INVALID)
		fwl_ct_pass_invalid(xdp_data(ctx), xdp_data_end(ctx), pkt,
				    &md->ct);
#endif
#ifdef FWL_USES_HELPER
	/* Helpers read what the policies allowed (FTP: expectations). */
	fwl_ct_helper(ctx, pkt, &md->ct);
#endif
	return XDP_PASS;
#ifdef FWL_USES_NAT
drop_reason:
	fwl_count_drop(r, pkt->len);
	return XDP_DROP;
#endif
}

char _license[] SEC("license") = "GPL";

#endif
