/* SPDX-License-Identifier: MIT */
/*
 * maps/counters.h - kernel/userspace ABI of FWL's counters.
 *
 * Maps (names as the loader pins them, BTF-defined in bpf/lib/counters_maps.h):
 *
 *   fwl_rule_cnt   PERCPU_HASH   key __u32 stable rule id (host order)
 *                                value struct fwl_count
 *                  lifetime FLOW: reused across reloads so a rule keeps its
 *                  counts (the rule id, not the rule's position, is the key).
 *   fwl_drop_cnt   PERCPU_ARRAY  key __u32 enum fwl_drop_reason
 *                                value struct fwl_count
 *   fwl_named_cnt  PERCPU_ARRAY  key __u32 named counter index (assigned by
 *                                fwlc, listed in manifest.json)
 *                                value struct fwl_count
 *
 * Userspace sums the per-CPU values.  All fields are host byte order.
 * Do not reorder fields; append only; retired fields become reserved.
 * Files that change with this one: bpf/lib/counters.h, bpf/lib/counters_maps.h,
 * loader/ (stats), tools/fwlctl (names of drop reasons).
 */
#ifndef FWL_MAPS_COUNTERS_H
#define FWL_MAPS_COUNTERS_H

#include <linux/types.h>

#define FWL_COUNTERS_LAYOUT_VERSION 1

#define FWL_RULE_CNT_MAX	65536	/* max_entries of fwl_rule_cnt */
#define FWL_NAMED_CNT_MAX	1024	/* max_entries of fwl_named_cnt */

/* Value of every counter map (per CPU). */
struct fwl_count {
	__u64 packets;
	__u64 bytes;		/* frame bytes (L2 included) */
};
_Static_assert(sizeof(struct fwl_count) == 16, "fwl_count layout");

/*
 * Drop / invalid reasons.  The same number is used by the parser
 * (struct fwl_pkt.invalid), the drop counters (fwl_drop_cnt index) and log
 * records (struct fwl_event.reason).  Numbers are ABI: append only, never
 * renumber.  X(name, number, "text for operators").
 */
#define FWL_DROP_REASONS(X)						\
	X(FWL_DROP_NONE,		0,  "not dropped")			\
	X(FWL_DROP_ETH_TRUNC,		1,  "Ethernet header truncated")	\
	X(FWL_DROP_VLAN_TRUNC,		2,  "VLAN tag truncated")		\
	X(FWL_DROP_VLAN_DEPTH,		3,  "too many VLAN tags")		\
	X(FWL_DROP_IP4_TRUNC,		4,  "IPv4 header truncated")		\
	X(FWL_DROP_IP4_VERSION,		5,  "IPv4 version field is not 4")	\
	X(FWL_DROP_IP4_IHL,		6,  "IPv4 IHL < 5 or > total length") \
	X(FWL_DROP_IP4_LEN,		7,  "IPv4 total length beyond frame")	\
	X(FWL_DROP_IP4_FRAG,		8,  "IPv4 fragment offset+length > 65535") \
	X(FWL_DROP_IP6_TRUNC,		9,  "IPv6 header truncated")		\
	X(FWL_DROP_IP6_VERSION,		10, "IPv6 version field is not 6")	\
	X(FWL_DROP_IP6_LEN,		11, "IPv6 payload length beyond frame") \
	X(FWL_DROP_IP6_EXT_TRUNC,	12, "IPv6 extension header truncated") \
	X(FWL_DROP_IP6_EXT_DEPTH,	13, "IPv6 extension chain too long")	\
	X(FWL_DROP_IP6_HBH_ORDER,	14, "IPv6 hop-by-hop header not first") \
	X(FWL_DROP_HDR_TOO_DEEP,	15, "headers end beyond parse window") \
	X(FWL_DROP_TCP_TRUNC,		16, "TCP header truncated")		\
	X(FWL_DROP_TCP_DOFF,		17, "TCP data offset < 5 or beyond segment") \
	X(FWL_DROP_UDP_TRUNC,		18, "UDP header truncated")		\
	X(FWL_DROP_UDP_LEN,		19, "UDP length < 8 or beyond datagram") \
	X(FWL_DROP_ICMP_TRUNC,		20, "ICMP header truncated")		\
	X(FWL_DROP_ICMP6_TRUNC,		21, "ICMPv6 header truncated")		\
	X(FWL_DROP_POLICY,		22, "dropped by a policy rule")	\
	X(FWL_DROP_CT_INVALID,		23, "conntrack: invalid for the flow state") \
	X(FWL_DROP_CT_TCP_FLAGS,	24, "conntrack: invalid TCP flag combination") \
	X(FWL_DROP_CT_FULL,		25, "conntrack: table full")		\
	X(FWL_DROP_CT_NO_ENTRY,		26, "conntrack: mid-stream packet without entry") \
	X(FWL_DROP_NAT_NO_PORT,		27, "NAT: no free port")		\
	X(FWL_DROP_NAT_NO_BACKEND,	28, "NAT: no backend")			\
	X(FWL_DROP_RATELIMIT,		29, "rate limit exceeded")		\
	X(FWL_DROP_FRAG_NO_FLOW,	30, "non-first fragment without flow")	\
	X(FWL_DROP_UNSUPPORTED,		31, "unsupported packet")		\
	X(FWL_DROP_NAT_COLLISION,	32, "NAT: reply tuple already bound") \
	X(FWL_DROP_NAT_NO_ADDR,		33, "NAT: no address on the interface") \
	X(FWL_DROP_NAT_NO_FLOW,		34, "NAT: flow not confirmed first") \
	X(FWL_DROP_NAT_REROUTE,		35, "NAT: host packet translated onto another route")

enum fwl_drop_reason {
#define FWL_DROP_ENUM_(name, num, text) name = num,
	FWL_DROP_REASONS(FWL_DROP_ENUM_)
#undef FWL_DROP_ENUM_
	FWL_DROP_MAX		/* one past the last reason; not a reason */
};

/* max_entries of fwl_drop_cnt: room for new reasons without a new layout. */
#define FWL_DROP_CNT_MAX	256
_Static_assert(FWL_DROP_MAX <= FWL_DROP_CNT_MAX, "fwl_drop_cnt too small");

#endif
