/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * bpf/egress.h - the TC egress entry program (tcx link per interface),
 * included after ingress.h when the policy tracks connections or has an
 * egress hook (Output, Postrouting).
 *
 * XDP sees only what arrives; what the host itself sends is seen here.
 * Locally generated packets (skb->ingress_ifindex == 0) are tracked, so
 * that the replies to the host's own connections are ESTABLISHED at XDP
 * ingress, and go through the Output hook; every packet leaving goes
 * through Postrouting.  Forwarded packets were tracked at ingress already.
 *
 * A hook in tail-called stages (FWL_STAGED_OUTPUT, FWL_STAGED_POSTROUTING,
 * fwlc's gen_bpf.c) is left by a tail call; its last stage tail-calls
 * fwl_egress again, which resumes right after the hook (fwl_md.resume).
 */
#ifndef FWL_BPF_EGRESS_H
#define FWL_BPF_EGRESS_H

SEC("tc")
int fwl_egress(struct __sk_buff *skb)
{
	struct fwl_scratch *s = fwl_scratch();
	struct fwl_md *md = fwl_md_peek();
	int local __attribute__((unused)) = skb->ingress_ifindex == 0;
	int v __attribute__((unused)), r __attribute__((unused));

	if (!s || !md)
		return TC_ACT_OK;	/* cannot happen: 1-entry arrays */
	struct fwl_pkt *pkt = &s->pkt;
#ifdef FWL_EGRESS_STAGES
	/* Back from a staged hook (a chain of tail calls, fwlc's gen_bpf.c):
	 * the packet and md are as the stages left them. */
	if (md->resume) {
		int at = md->resume;

		md->resume = 0;
		v = md->stage_v;
#ifdef FWL_STAGED_OUTPUT
		if (at == FWL_RESUME_OUTPUT)
			goto resume_output;
#endif
#ifdef FWL_STAGED_POSTROUTING
		if (at == FWL_RESUME_POSTROUTING)
			goto resume_postrouting;
#endif
		return TC_ACT_SHOT;	/* cannot happen: fails closed */
	}
#endif
	__builtin_memset(md, 0, sizeof(*md));
	if (fwl_parse(skb, pkt) != FWL_DROP_NONE) {
		/* What the host sends is its own business: count, pass. */
		fwl_count_drop(pkt->invalid, pkt->len);
		return TC_ACT_OK;
	}
	if (pkt->l3 != 0x0800 && pkt->l3 != 0x86dd)
		return TC_ACT_OK;
#ifdef FWL_USES_IFACES
	md->oif_mask = fwl_iface_mask(skb->ifindex);
#endif
#ifdef FWL_USES_NAT
	/* The host's own reply on a translated flow (a connection DNAT'd
	 * to the box itself): back to the tuple its peer knows, as Linux's
	 * output NAT does; the flow then sees a true reply.  Forwarded
	 * replies were translated at ingress already. */
	if (local && (r = fwl_nat_rev(skb, pkt, 0)) > 0) {
		fwl_count_drop(r, pkt->len);
		return TC_ACT_SHOT;
	}
	/* Source NAT needs the flow of forwarded packets too. */
	fwl_ct_track(skb, pkt, 0, &md->ct);
	/* `table = NAT` policies see only a flow's first packet */
	md->nat_first = fwl_nat_src_first(&md->ct);
#elif defined(FWL_USES_CT)
	if (local)
		fwl_ct_track(skb, pkt, 0, &md->ct);
#endif
#ifdef FWL_USES_FRAG
	/* a forwarded later fragment, parsed again here: its first's ports
	   (a second call for one conntrack resolved is harmless) */
	fwl_frag_resolve(pkt);
#endif
#ifdef FWL_USES_NAT
	/* The host's own packet in the original direction of a DNAT'd
	 * flow (its tuple is that flow's original) is translated before
	 * the Output policies, as Linux's OUTPUT nat translates a packet of
	 * an existing connection (docs/semantics.md, NAT). */
	if (local && (r = fwl_nat_dnat_apply(skb, pkt, &md->ct)) > 0) {
		fwl_count_drop(r, pkt->len);
		return TC_ACT_SHOT;
	}
	/* The kernel routed it before this program saw it; Linux routes a
	 * translated packet again (ip_route_me_harder), TC egress cannot.
	 * One whose new destination lies another way is dropped, counted,
	 * rather than sent out where it does not go (docs/semantics.md). */
	if (local && fwl_nat_dnat_rerouted(skb, pkt, &md->ct)) {
		fwl_count_drop(FWL_DROP_NAT_REROUTE, pkt->len);
		return TC_ACT_SHOT;
	}
#endif
#ifdef FWL_HOOK_OUTPUT
#ifdef FWL_STAGED_OUTPUT
	if (local) {
		fwl_egress_stages_enter(skb, md, FWL_RESUME_OUTPUT,
					FWL_STAGED_OUTPUT, 0);
		return TC_ACT_SHOT;	/* the stage is missing: fails closed */
	}
	if (0) {
resume_output:
		if (v == FWL_VERDICT_DROP)
			return TC_ACT_SHOT;
	}
#else
	if (local && fwl_hook_output(pkt, md) == FWL_VERDICT_DROP)
		return TC_ACT_SHOT;
#endif
#endif
#ifdef FWL_USES_NAT
	/* The host's own packet on the untranslated reverse tuple of a
	 * translated flow: its flow cannot be created (bpf/lib/ct.h). */
	if (md->ct.pending && md->ct.clash) {
		fwl_count_drop(FWL_DROP_NAT_COLLISION, pkt->len);
		return TC_ACT_SHOT;
	}
#endif
#ifdef FWL_HOOK_POSTROUTING
#ifdef FWL_STAGED_POSTROUTING
	fwl_egress_stages_enter(skb, md, FWL_RESUME_POSTROUTING,
				FWL_STAGED_POSTROUTING, 0);
	return TC_ACT_SHOT;	/* the stage is missing: fails closed */
resume_postrouting:
#else
	v = fwl_hook_postrouting(pkt, md);
#endif
	if (v == FWL_VERDICT_DROP)
		return TC_ACT_SHOT;
#endif
#ifdef FWL_USES_CT
	if (md->ct.pending)
		fwl_ct_confirm(skb, pkt, &md->ct, md->rule_id);
#endif
#ifdef FWL_USES_NAT
	/* A flow's first packet: the NAT policies' decision makes the
	 * flow's source binding (or none); later packets use it. */
	r = 0;
	if (!md->nat_first) {
		r = fwl_nat_snat_apply(skb, pkt, &md->ct);
	} else {
#ifdef FWL_HOOK_POSTROUTING
		if (v == FWL_VERDICT_MASQ)
			r = fwl_nat_masq(skb, pkt, &md->ct, 0, 0);
		else if (v == FWL_VERDICT_SNAT &&
			 (md->nat_family == 6) == (pkt->l3 == ETH_P_IPV6))
			r = fwl_nat_snat(skb, pkt, &md->ct, &md->nat,
					 md->nat.port, md->nat.port);
#endif
		fwl_nat_src_seen(&md->ct);
	}
	if (r > 0) {
		fwl_count_drop(r, pkt->len);	/* fails closed, this flow */
		return TC_ACT_SHOT;
	}
#endif
	return TC_ACT_OK;
}

#endif
