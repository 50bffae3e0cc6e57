/* SPDX-License-Identifier: MIT */
/*
 * bpf/lib/ctx.h - one context layer for XDP and TC programs.
 *
 * The libraries take the program context as `ctx` and use only these
 * accessors, so the same code serves an XDP program (struct xdp_md *) and a
 * TC/clsact program (struct __sk_buff *) in one object:
 *
 *	ctx_data(ctx), ctx_data_end(ctx)  packet bounds (L2 header first)
 *	ctx_len(ctx)                      frame length in bytes
 *	ctx_ifindex(ctx)                  ingress ifindex (XDP) / skb->ifindex
 *	CTX_ACT_OK(ctx), CTX_ACT_DROP(ctx) the verdict for the hook
 *
 * Dispatch is by the static type of ctx (C11 _Generic), so it costs nothing
 * at run time.  FWL_VERDICT_* are hook-neutral verdicts the libraries return;
 * fwl_verdict(ctx, v) maps them to the hook's return code.
 */
#ifndef FWL_BPF_CTX_H
#define FWL_BPF_CTX_H

#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

/* Hook-neutral verdicts used by the libraries. */
enum fwl_verdict {
	FWL_VERDICT_PASS = 0,	/* continue into the stack */
	FWL_VERDICT_DROP = 1,
};

static __always_inline void *xdp_data(const struct xdp_md *ctx)
{
	return (void *)(long)ctx->data;
}

static __always_inline void *xdp_data_end(const struct xdp_md *ctx)
{
	return (void *)(long)ctx->data_end;
}

static __always_inline __u32 xdp_ifindex(const struct xdp_md *ctx)
{
	return ctx->ingress_ifindex;
}

static __always_inline __u32 xdp_len(const struct xdp_md *ctx)
{
	return (__u32)(ctx->data_end - ctx->data);
}

static __always_inline int xdp_verdict(const struct xdp_md *ctx, int v)
{
	return v == FWL_VERDICT_DROP ? XDP_DROP : XDP_PASS;
}

static __always_inline void *skb_data(const struct __sk_buff *ctx)
{
	return (void *)(long)ctx->data;
}

static __always_inline void *skb_data_end(const struct __sk_buff *ctx)
{
	return (void *)(long)ctx->data_end;
}

static __always_inline __u32 skb_ifindex(const struct __sk_buff *ctx)
{
	return ctx->ifindex;
}

static __always_inline __u32 skb_len(const struct __sk_buff *ctx)
{
	return ctx->len;
}

static __always_inline int skb_verdict(const struct __sk_buff *ctx, int v)
{
	return v == FWL_VERDICT_DROP ? TC_ACT_SHOT : TC_ACT_OK;
}

#define FWL_CTX_DISPATCH_(ctx, xdp_fn, skb_fn)				\
	_Generic((ctx), struct xdp_md *: xdp_fn, struct __sk_buff *: skb_fn)

#define ctx_data(ctx)     FWL_CTX_DISPATCH_(ctx, xdp_data, skb_data)(ctx)
#define ctx_data_end(ctx) FWL_CTX_DISPATCH_(ctx, xdp_data_end, skb_data_end)(ctx)
#define ctx_ifindex(ctx)  FWL_CTX_DISPATCH_(ctx, xdp_ifindex, skb_ifindex)(ctx)
#define ctx_len(ctx)      FWL_CTX_DISPATCH_(ctx, xdp_len, skb_len)(ctx)
#define fwl_verdict(ctx, v) \
	FWL_CTX_DISPATCH_(ctx, xdp_verdict, skb_verdict)(ctx, v)

#define CTX_ACT_OK(ctx)   fwl_verdict(ctx, FWL_VERDICT_PASS)
#define CTX_ACT_DROP(ctx) fwl_verdict(ctx, FWL_VERDICT_DROP)

#endif
