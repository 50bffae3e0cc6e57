/* SPDX-License-Identifier: MIT */
/*
 * maps/events.h - kernel/userspace ABI of log records.
 *
 *   fwl_events  RINGBUF (FWL_EVENTS_BYTES)  records struct fwl_event
 *
 * One record per logged packet, rate-limited per rule in the kernel
 * (bpf/lib/log.h) so a flood cannot drown the reader; `suppressed` tells
 * how many records of that rule were dropped since the previous one.
 * Addresses network order (IPv4 in word 0); everything else host order.
 * Do not reorder; append only (readers check `version` and `size`).
 * Version 2 took the reserved bytes of version 1 (same size) for ttl,
 * tos and the VLAN ids; readers take both versions (a version 1 record
 * has none of them: its templates have no placeholders for them).
 * The ring buffer itself did not change: the manifest's layout of the
 * fwl_events map stays 1 (a reload keeps the pinned ring), each record
 * names its own version.
 * Files that change with this one: bpf/lib/log.h, loader/ (log reader,
 * logmsg.c placeholders), fwlc/lower.c (which fields a template may
 * name).
 */
#ifndef FWL_MAPS_EVENTS_H
#define FWL_MAPS_EVENTS_H

#include <linux/types.h>

#define FWL_EVENTS_LAYOUT_VERSION 2	/* 2: ttl, tos, vlan (were reserved) */
#define FWL_EVENTS_BYTES	(256 * 1024)	/* ring buffer size */

/* fwl_event.level (the proposal's Log levels) */
#define FWL_LOG_DEBUG	0
#define FWL_LOG_INFO	1
#define FWL_LOG_WARN	2
#define FWL_LOG_ERROR	3

struct fwl_event {
	__u16 version;		/* FWL_EVENTS_LAYOUT_VERSION */
	__u16 size;		/* sizeof(struct fwl_event) */
	__u32 rule_id;		/* stable rule id */
	__u64 ts_ns;		/* CLOCK_MONOTONIC */
	__u32 prefix_id;	/* message template id (manifest.json
				 * log_messages; loader/logmsg.h formats it
				 * from this record's fields) */
	__u16 reason;		/* enum fwl_drop_reason, 0 if none */
	__u8 level;		/* FWL_LOG_* */
	__u8 verdict;		/* FWL_VERDICT_* of the rule */
	__u32 ifindex;
	__u32 len;		/* frame length */
	__u32 suppressed;	/* records of this rule dropped before it */
	__u16 l3;		/* ethertype */
	__u8 l4;		/* IPPROTO_* */
	__u8 tcp_flags;
	__be32 saddr[4];
	__be32 daddr[4];
	__u16 sport;
	__u16 dport;
	__u8 icmp_type;
	__u8 icmp_code;
	__u8 ct_state;		/* enum fwl_ct_state, 0 if not tracked */
	__u8 ttl;		/* IPv4 TTL / IPv6 hop limit (version 2) */
	__u8 tos;		/* IPv4 TOS / IPv6 traffic class (version 2) */
	__u8 vlan_depth;	/* VLAN tags (version 2) */
	__u16 vlan[2];		/* their ids, outermost first (version 2) */
	__u16 reserved2;
};
_Static_assert(sizeof(struct fwl_event) == 88, "fwl_event layout");

#endif
