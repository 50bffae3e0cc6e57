/* SPDX-License-Identifier: MIT */
/*
 * maps/ratelimit.h - kernel/userspace ABI of rate limits and sampling.
 *
 *   fwl_rl   LRU_HASH  key struct fwl_rl_key  value struct fwl_rl_val
 *            token buckets (GCRA form), per rule or per (rule, key);
 *            also the per-rule log limiter (bpf/lib/log.h, kind LOG).
 *   fwl_nth  HASH      key __u32 rule id      value __u64 packets seen
 *            "every Nth packet" sampling.
 *   Lifetime FLOW.  Timestamps CLOCK_MONOTONIC ns, host byte order except
 *   addresses (network order, IPv4 in word 0).
 * Do not reorder; append only.  Files that change with this one:
 * bpf/lib/ratelimit.h, bpf/lib/log.h.
 */
#ifndef FWL_MAPS_RATELIMIT_H
#define FWL_MAPS_RATELIMIT_H

#include <linux/types.h>

#define FWL_RL_LAYOUT_VERSION 1

#define FWL_RL_MAX	65536	/* default max_entries of fwl_rl */
#define FWL_NTH_MAX	4096	/* default max_entries of fwl_nth */

#define FWL_RL_KIND_RULE	0	/* one bucket per rule */
#define FWL_RL_KIND_KEY		1	/* one bucket per (rule, address) */
#define FWL_RL_KIND_LOG		2	/* log records of a rule */

struct fwl_rl_key {
	__u32 rule;		/* stable rule id */
	__u8 kind;		/* FWL_RL_KIND_* */
	__u8 family;		/* 4 or 6 for KEY, else 0 */
	__u16 reserved;
	__be32 addr[4];		/* KEY: the address; else zero */
};
_Static_assert(sizeof(struct fwl_rl_key) == 24, "fwl_rl_key layout");

struct fwl_rl_val {
	__u64 tat;		/* GCRA theoretical arrival time, ns */
	__u64 denied;		/* packets refused (or logs suppressed)
				 * since the last one allowed */
};
_Static_assert(sizeof(struct fwl_rl_val) == 16, "fwl_rl_val layout");

#endif
