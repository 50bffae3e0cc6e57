/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * fib.h - where is this packet going?  Input vs forward, and the egress
 * interface, from the kernel's FIB (bpf_fib_lookup), as netfilter would
 * decide between its input and forward hooks.
 */
#ifndef FWL_BPF_LIB_FIB_H
#define FWL_BPF_LIB_FIB_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "parse.h"

#ifndef AF_INET
#define AF_INET 2
#endif
#ifndef AF_INET6
#define AF_INET6 10
#endif

enum fwl_route {
	FWL_ROUTE_LOCAL,	/* delivered to this host: the Input hook */
	FWL_ROUTE_FORWARD,	/* routed through: the Forward hook (oif set) */
};

/* Look the packet's destination up; *oif is the egress interface of a
 * forwarded packet (0 when the kernel could not route it). */
static __always_inline int fwl_fib_route(void *ctx, const struct fwl_pkt *p,
					 __u32 *oif)
{
	struct bpf_fib_lookup fib = {};
	int r;

	fib.ifindex = p->ifindex;
	fib.l4_protocol = p->l4;
	fib.sport = bpf_htons(p->sport);
	fib.dport = bpf_htons(p->dport);
	if (p->l3 == 0x0800) {
		fib.family = AF_INET;
		fib.ipv4_src = p->saddr[0];
		fib.ipv4_dst = p->daddr[0];
	} else {
		fib.family = AF_INET6;
		__builtin_memcpy(fib.ipv6_src, p->saddr, 16);
		__builtin_memcpy(fib.ipv6_dst, p->daddr, 16);
	}
	r = bpf_fib_lookup(ctx, &fib, sizeof(fib), 0);
	/* NOT_FWDED: the route is local (or broadcast/multicast): Input.
	 * Anything the kernel would route, or fail to route, is Forward. */
	if (r == BPF_FIB_LKUP_RET_NOT_FWDED)
		return FWL_ROUTE_LOCAL;
	*oif = (r == BPF_FIB_LKUP_RET_SUCCESS ||
		r == BPF_FIB_LKUP_RET_NO_NEIGH) ? fib.ifindex : 0;
	return FWL_ROUTE_FORWARD;
}

#endif
