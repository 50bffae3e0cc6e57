/* SPDX-License-Identifier: MIT */
/*
 * bpf/lib/csum.h - rewrite packet fields with incremental checksums.
 *
 *	fwl_rewrite(ctx, off, val, n, csa, csb, region)
 *
 * stores n bytes (2, 4 or 16) of val at frame offset off and adds the
 * change to up to two checksum fields, RFC 1624 eqn. 3:
 * HC' = ~(~HC + ~m + m').  A checksum spec is FWL_CS(off, flags), 0 for
 * none; flags say which kind of checksum it is:
 *
 *	FWL_CS_L3      the IPv4 header checksum
 *	FWL_CS_L4      a TCP/UDP/ICMP checksum, field not in the pseudo-header
 *	FWL_CS_PSEUDO  a TCP/UDP/ICMPv6 checksum, field in the pseudo-header
 *	FWL_CS_UDP     with L4/PSEUDO: 0 means "no checksum" (IPv4 UDP), keep
 *	               it, and never write 0 (write 0xffff)
 *
 * At XDP the arithmetic is done here on the frame; at TC the kernel
 * helpers do it (bpf_l3/l4_csum_replace), which also handles
 * CHECKSUM_PARTIAL skbs at egress.  The return value is the one's
 * complement sum of every change made at or after frame offset `region`
 * (the field and the checksum fields there), for a checksum that covers
 * them too (the outer ICMP checksum of an error whose quoted packet is
 * rewritten); pass region = 0xffff when not needed.  A negative return
 * means the field was not in the frame and nothing was written.
 */
#ifndef FWL_BPF_CSUM_H
#define FWL_BPF_CSUM_H

#include "parse.h"

#define FWL_CS_L3	0x1
#define FWL_CS_L4	0x2
#define FWL_CS_PSEUDO	0x4
#define FWL_CS_UDP	0x8
#define FWL_CS(off, flags) (((__u32)(flags) << 16) | ((off) & 0xffff))
#define FWL_CS_NONE	0

static __always_inline __u16 fwl_csum_fold(__u32 s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)s;
}

/* ~old + new over n bytes, 16-bit words in memory order. */
static __always_inline __u32 fwl_csum_delta(const __u16 *old,
					    const __u16 *new, __u32 n)
{
	__u32 d = 0;
	int i;

#pragma unroll
	for (i = 0; i < 8; i++)
		if (i < (int)(n / 2))
			d += (__u16)~old[i] + new[i];
	return d;
}

/* Apply diff to the checksum at spec; returns ~old + new of that field. */
static __always_inline __u32 fwl_csum_fix_xdp(struct xdp_md *ctx, __u32 spec,
					      __u32 diff)
{
	__u16 *c, old, new;

	if (!spec)
		return 0;
	c = fwl_hdr_at(xdp_data(ctx), xdp_data_end(ctx), spec & 0xffff, 2);
	if (!c)
		return 0;
	old = *c;
	if ((spec >> 16) & FWL_CS_UDP && old == 0)
		return 0;
	new = ~fwl_csum_fold((__u16)~old + diff);
	if ((spec >> 16) & FWL_CS_UDP && new == 0)
		new = 0xffff;
	*c = new;
	return (__u16)~old + new;
}

static __always_inline __u32 fwl_csum_fix_skb(struct __sk_buff *ctx,
					      __u32 spec, __u32 diff)
{
	__u32 off = spec & 0xffff, fl = spec >> 16, hf = 0;
	__u16 old = 0, new = 0;

	if (!spec)
		return 0;
	if (bpf_skb_load_bytes(ctx, off, &old, 2))
		return 0;
	if (fl & FWL_CS_L3) {
		bpf_l3_csum_replace(ctx, off, 0, diff, 0);
	} else {
		if (fl & FWL_CS_PSEUDO)
			hf |= BPF_F_PSEUDO_HDR;
		if (fl & FWL_CS_UDP)
			hf |= BPF_F_MARK_MANGLED_0;
		bpf_l4_csum_replace(ctx, off, 0, diff, hf);
	}
	if (bpf_skb_load_bytes(ctx, off, &new, 2))
		return 0;
	return (__u16)~old + new;
}

static __always_inline int fwl_rewrite_xdp(struct xdp_md *ctx, __u32 off,
					   const void *val, __u32 n, __u32 csa,
					   __u32 csb, __u32 region)
{
	__u16 *p = fwl_hdr_at(xdp_data(ctx), xdp_data_end(ctx), off, 16);
	__u32 d, out = 0, fa, fb;

	if (n != 16)
		p = fwl_hdr_at(xdp_data(ctx), xdp_data_end(ctx), off,
			       n == 4 ? 4 : 2);
	if (!p)
		return -1;
	d = fwl_csum_delta(p, val, n);
	if (n == 16)
		__builtin_memcpy(p, val, 16);
	else if (n == 4)
		__builtin_memcpy(p, val, 4);
	else
		__builtin_memcpy(p, val, 2);
	fa = fwl_csum_fix_xdp(ctx, csa, d);
	fb = fwl_csum_fix_xdp(ctx, csb, d);
	if (off >= region)
		out += d;
	if (csa && (csa & 0xffff) >= region)
		out += fa;
	if (csb && (csb & 0xffff) >= region)
		out += fb;
	return fwl_csum_fold(out);
}

static __always_inline int fwl_rewrite_skb(struct __sk_buff *ctx, __u32 off,
					   const void *val, __u32 n, __u32 csa,
					   __u32 csb, __u32 region)
{
	__u16 old[8] = {};
	__u32 d, out = 0, fa, fb;

	if (n != 2 && n != 4 && n != 16)
		return -1;
	if (bpf_skb_load_bytes(ctx, off, old, n & 31))
		return -1;
	d = fwl_csum_delta(old, val, n);
	if (bpf_skb_store_bytes(ctx, off, val, n & 31, 0))
		return -1;
	fa = fwl_csum_fix_skb(ctx, csa, d);
	fb = fwl_csum_fix_skb(ctx, csb, d);
	if (off >= region)
		out += d;
	if (csa && (csa & 0xffff) >= region)
		out += fa;
	if (csb && (csb & 0xffff) >= region)
		out += fb;
	return fwl_csum_fold(out);
}

#define fwl_rewrite(ctx, off, val, n, csa, csb, region)			\
	FWL_CTX_DISPATCH_(ctx, fwl_rewrite_xdp, fwl_rewrite_skb)(ctx, off,  \
		val, n, csa, csb, region)

/* Add a precomputed change to a checksum field (hook-generic). */
#define fwl_csum_add(ctx, spec, diff)					\
	FWL_CTX_DISPATCH_(ctx, fwl_csum_fix_xdp, fwl_csum_fix_skb)(ctx,     \
		spec, diff)

#endif
