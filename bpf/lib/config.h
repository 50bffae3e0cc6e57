/* SPDX-License-Identifier: MIT */
/*
 * bpf/lib/config.h - the fwl_config map (maps/config.h) and its readers.
 *
 *	fwl_cfg_flags()            FWL_CFG_* bits (0 when the map is empty)
 *	fwl_cfg_timeout_ns(idx)    conntrack timeout idx in ns, default if 0
 *	fwl_now(), fwl_now_fine()  the clock (coarse / exact); in an object
 *	                           built for tests (FWL_TESTING), the virtual
 *	                           clock they set (fwl_config.clock_ns)
 */
#ifndef FWL_BPF_CONFIG_H
#define FWL_BPF_CONFIG_H

#include "ctx.h"
#include "maps/config.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fwl_config);
} fwl_config SEC(".maps");

static __always_inline struct fwl_config *fwl_cfg(void)
{
	__u32 k = 0;

	return bpf_map_lookup_elem(&fwl_config, &k);
}

#ifdef FWL_TESTING
/* A virtual clock set by tests (fwl_config.clock_ns), 0 when none.  Only
 * in objects built for tests (fwlc's scenario backend and difftest,
 * tests/bpf): production objects never read it on the packet path. */
static __always_inline __u64 fwl_virtual_clock(void)
{
	struct fwl_config *c = fwl_cfg();

	return c ? c->clock_ns : 0;
}
#endif

/*
 * The clock of flow state (conntrack, fragments, sequences): CLOCK_MONOTONIC
 * read coarsely (one tick, 1-4 ms, behind at most) - reading the clock
 * source costs tens of ns under kvm-clock, the coarse clock a few.
 * Userspace comparing with it (GC) uses CLOCK_MONOTONIC(_COARSE).
 * fwl_now_fine() is the exact clock (rate limits, log timestamps).  Both
 * read the virtual clock instead when a test set one (FWL_TESTING).
 */
static __always_inline __u64 fwl_now(void)
{
#ifdef FWL_TESTING
	__u64 v = fwl_virtual_clock();

	if (v)
		return v;
#endif
	return bpf_ktime_get_coarse_ns();
}

static __always_inline __u64 fwl_now_fine(void)
{
#ifdef FWL_TESTING
	__u64 v = fwl_virtual_clock();

	if (v)
		return v;
#endif
	return bpf_ktime_get_ns();
}

static __always_inline __u32 fwl_cfg_flags(void)
{
	struct fwl_config *c = fwl_cfg();

	return c ? c->flags : 0;
}

static __always_inline __u32 fwl_ct_timeout_default(__u32 idx)
{
	switch (idx) {
	case FWL_CT_TO_TCP_SYN_SENT:	return 120;
	case FWL_CT_TO_TCP_SYN_RECV:	return 60;
	case FWL_CT_TO_TCP_ESTABLISHED:	return 432000;
	case FWL_CT_TO_TCP_FIN_WAIT:	return 120;
	case FWL_CT_TO_TCP_CLOSE_WAIT:	return 60;
	case FWL_CT_TO_TCP_LAST_ACK:	return 30;
	case FWL_CT_TO_TCP_TIME_WAIT:	return 120;
	case FWL_CT_TO_TCP_CLOSE:	return 10;
	case FWL_CT_TO_TCP_SYN_SENT2:	return 120;
	case FWL_CT_TO_UDP:		return 30;
	case FWL_CT_TO_UDP_STREAM:	return 120;
	case FWL_CT_TO_ICMP:		return 30;
	case FWL_CT_TO_FRAG:		return 30;
	case FWL_CT_TO_SEQ:		return 600;
	default:			return 600;
	}
}

static __always_inline __u64 fwl_cfg_timeout_ns(__u32 idx)
{
	struct fwl_config *c = fwl_cfg();
	__u32 s = 0;

	if (c && idx < FWL_CT_TO_MAX)
		s = c->ct_timeout[idx & (FWL_CT_TO_MAX - 1)];
	if (!s)
		s = fwl_ct_timeout_default(idx);
	return (__u64)s * 1000000000ULL;
}

#endif
