/* SPDX-License-Identifier: MIT */
/*
 * bpf/lib/log.h - log records to the fwl_events ring buffer.
 *
 *	fwl_log(&pkt, rule, prefix_id, level, verdict, reason, ct_state);
 *	fwl_log_rl(..., rate, burst)     with an explicit per-rule limit
 *
 * Each rule may emit at most FWL_LOG_RATE records per second (burst
 * FWL_LOG_BURST) unless the generated code passes its own limit; records
 * over the limit are not written but counted, and the next record of the
 * rule carries the count in `suppressed`.  A full ring buffer drops the
 * record (counted in fwl_log_lost, per CPU).  Returns 1
 * when a record was written.
 */
#ifndef FWL_BPF_LOG_H
#define FWL_BPF_LOG_H

#include "parse.h"
#include "ratelimit.h"
#include "maps/events.h"

#define FWL_LOG_RATE	10	/* records per second per rule */
#define FWL_LOG_BURST	20

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, FWL_EVENTS_BYTES);
} fwl_events SEC(".maps");

/* records lost because the ring buffer was full (per CPU, index 0) */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} fwl_log_lost SEC(".maps");

static __always_inline int fwl_log_rl(const struct fwl_pkt *pkt, __u32 rule,
				      __u32 prefix_id, __u8 level,
				      __u8 verdict, __u16 reason,
				      __u8 ct_state, __u32 rate, __u32 burst)
{
	struct fwl_rl_key k = { .rule = rule, .kind = FWL_RL_KIND_LOG };
	struct fwl_event *ev;
	__u64 suppressed = 0, *lost;
	__u32 z = 0;

	if (!fwl_rl_take(&k, rate, burst, &suppressed))
		return 0;
	ev = bpf_ringbuf_reserve(&fwl_events, sizeof(*ev), 0);
	if (!ev) {
		lost = bpf_map_lookup_elem(&fwl_log_lost, &z);
		if (lost)
			(*lost)++;
		return 0;
	}
	__builtin_memset(ev, 0, sizeof(*ev));
	ev->version = FWL_EVENTS_LAYOUT_VERSION;
	ev->size = sizeof(*ev);
	ev->rule_id = rule;
	ev->ts_ns = fwl_now_fine();
	ev->prefix_id = prefix_id;
	ev->reason = reason;
	ev->level = level;
	ev->verdict = verdict;
	ev->ifindex = pkt->ifindex;
	ev->len = pkt->len;
	ev->suppressed = suppressed > 0xffffffffULL ? 0xffffffffU :
						      (__u32)suppressed;
	ev->l3 = pkt->l3;
	ev->l4 = pkt->l4;
	ev->tcp_flags = pkt->tcp_flags;
	__builtin_memcpy(ev->saddr, pkt->saddr, 16);
	__builtin_memcpy(ev->daddr, pkt->daddr, 16);
	ev->sport = pkt->sport;
	ev->dport = pkt->dport;
	ev->icmp_type = pkt->icmp_type;
	ev->icmp_code = pkt->icmp_code;
	ev->ct_state = ct_state;
	ev->ttl = pkt->ttl;
	ev->tos = pkt->tos;
	ev->vlan_depth = pkt->vlan_depth;
	ev->vlan[0] = pkt->vlan[0];
	ev->vlan[1] = pkt->vlan[1];
	bpf_ringbuf_submit(ev, 0);
	return 1;
}

#define fwl_log(pkt, rule, prefix, level, verdict, reason, ct_state)	\
	fwl_log_rl(pkt, rule, prefix, level, verdict, reason, ct_state,	\
		   FWL_LOG_RATE, FWL_LOG_BURST)

#endif
