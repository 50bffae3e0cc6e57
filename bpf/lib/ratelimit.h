/* SPDX-License-Identifier: MIT */
/*
 * bpf/lib/ratelimit.h - token buckets and every-Nth sampling.
 *
 *	fwl_rl_allow(rule, rate, burst)                 per rule
 *	fwl_rl_allow_key(rule, &pkt.saddr, fam, rate, burst)  per rule+address
 *	fwl_every_nth(rule, n)                          1 for packets 1, n+1, ..
 *
 * rate is packets per second (> 0), burst the bucket depth (>= 1).  The
 * bucket is kept as a GCRA "theoretical arrival time" (maps/ratelimit.h):
 * a packet conforms when tat - now <= (burst - 1) * interval, and then
 * moves tat on by one interval.  The state is shared by all CPUs; two
 * CPUs racing on one bucket may let one extra packet through (no locks on
 * the fast path) - a documented approximation.
 */
#ifndef FWL_BPF_RATELIMIT_H
#define FWL_BPF_RATELIMIT_H

#include "ctx.h"
#include "config.h"
#include "maps/ratelimit.h"

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FWL_RL_MAX);
	__type(key, struct fwl_rl_key);
	__type(value, struct fwl_rl_val);
} fwl_rl SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FWL_NTH_MAX);
	__type(key, __u32);
	__type(value, __u64);
} fwl_nth SEC(".maps");

/* 1 if a packet conforms to the bucket k (and is counted), else 0;
 * *denied gets the refusals since the last conforming packet. */
static __always_inline int fwl_rl_take(const struct fwl_rl_key *k, __u32 rate,
				       __u32 burst, __u64 *denied)
{
	__u64 now = fwl_now_fine(), ival, tat;
	struct fwl_rl_val *v, nv = {};

	if (!rate)
		return 0;
	if (!burst)
		burst = 1;
	ival = 1000000000ULL / rate;
	v = bpf_map_lookup_elem(&fwl_rl, k);
	if (!v) {
		nv.tat = now + ival;
		bpf_map_update_elem(&fwl_rl, k, &nv, BPF_ANY);
		if (denied)
			*denied = 0;
		return 1;
	}
	tat = v->tat > now ? v->tat : now;
	if (tat - now > (__u64)(burst - 1) * ival) {
		__sync_fetch_and_add(&v->denied, 1);
		return 0;
	}
	v->tat = tat + ival;
	if (denied)
		*denied = v->denied;
	v->denied = 0;
	return 1;
}

static __always_inline int fwl_rl_allow(__u32 rule, __u32 rate, __u32 burst)
{
	struct fwl_rl_key k = { .rule = rule, .kind = FWL_RL_KIND_RULE };

	return fwl_rl_take(&k, rate, burst, NULL);
}

static __always_inline int fwl_rl_allow_key(__u32 rule, const __be32 *addr,
					    __u8 family, __u32 rate,
					    __u32 burst)
{
	struct fwl_rl_key k = { .rule = rule, .kind = FWL_RL_KIND_KEY,
				.family = family };

	__builtin_memcpy(k.addr, addr, 16);
	return fwl_rl_take(&k, rate, burst, NULL);
}

static __always_inline int fwl_every_nth(__u32 rule, __u32 n)
{
	__u64 *c, one = 1, seen;

	if (n <= 1)
		return 1;
	c = bpf_map_lookup_elem(&fwl_nth, &rule);
	if (!c) {
		bpf_map_update_elem(&fwl_nth, &rule, &one, BPF_NOEXIST);
		return 1;
	}
	seen = __sync_fetch_and_add(c, 1);
	return seen % n == 0;
}

#endif
