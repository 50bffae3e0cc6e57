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
	struct fwl_pkt pkt;
	struct fwl_md md = {};
	int route __attribute__((unused));

	if (fwl_parse(ctx, &pkt) != FWL_DROP_NONE) {
		fwl_count_drop(pkt.invalid, pkt.len);
		return XDP_DROP;
	}
	if (pkt.l3 != 0x0800 && pkt.l3 != 0x86dd)
		return XDP_PASS;
#ifdef FWL_USES_IFACES
	md.iif_mask = fwl_iface_mask(pkt.ifindex);
#endif
#ifdef FWL_HOOK_PREROUTING
	if (fwl_hook_prerouting(&pkt, &md) == FWL_VERDICT_DROP)
		return XDP_DROP;
#endif
#if defined(FWL_HOOK_INPUT) || defined(FWL_HOOK_FORWARD)
	route = fwl_fib_route(ctx, &pkt, &md.oif);
#ifdef FWL_USES_IFACES
	if (md.oif)
		md.oif_mask = fwl_iface_mask(md.oif);
#endif
#endif
#ifdef FWL_HOOK_INPUT
	if (route == FWL_ROUTE_LOCAL &&
	    fwl_hook_input(&pkt, &md) == FWL_VERDICT_DROP)
		return XDP_DROP;
#endif
#ifdef FWL_HOOK_FORWARD
	if (route == FWL_ROUTE_FORWARD &&
	    fwl_hook_forward(&pkt, &md) == FWL_VERDICT_DROP)
		return XDP_DROP;
#endif
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";

#endif
