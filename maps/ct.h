/* SPDX-License-Identifier: MIT */
/*
 * maps/ct.h - kernel/userspace ABI of connection tracking.
 *
 * Two tiers keep established flows safe from floods of new ones:
 *
 *   fwl_ct_new  LRU_HASH  key struct fwl_ct_key  value struct fwl_ct_entry
 *               flows that have not been answered yet (TCP SYN_SENT,
 *               UDP/ICMP unreplied).  A flood of new flows only evicts
 *               other unanswered flows (the LRU), like Linux's early_drop.
 *   fwl_ct      HASH      same key and value
 *               flows that have seen a reply.  An entry moves here from
 *               fwl_ct_new on the first reply.  Never evicted by the data
 *               path: when it is full the move fails (counted in
 *               FWL_CT_STAT_INSERT_FAIL) and the flow stays in fwl_ct_new.
 *               Expired entries are deleted when a packet finds them; the
 *               loader must also sweep it (delete entries whose expires is
 *               below CLOCK_MONOTONIC now), see fwl_ct_entry.expires.
 *   fwl_ct_stat PERCPU_ARRAY key __u32 enum fwl_ct_stat, value __u64
 *   fwl_ct_expect HASH    key struct fwl_ct_expect_key  value struct
 *               fwl_ct_expect: connections a helper expects (below); only
 *               in policies that use a helper (FWL_USES_HELPER).
 *   fwl_frag    LRU_HASH  key struct fwl_frag_key  value struct fwl_frag_val
 *               (defined in bpf/lib/frag.h)
 *               the ports of a fragmented datagram, from its first
 *               fragment, for its later fragments (by fragment id).
 *
 * Sizes: max_entries are FWL_CT_MAX / FWL_CT_NEW_MAX by default; the
 * loader may set others (bpf_map__set_max_entries) - table size is
 * configurable, the layout is not.
 *
 * The key is canonical: the (address, port) pair that compares lower
 * (word by word as __u32, then port) is "lo", so both directions of a flow
 * find the same entry with one lookup; FWL_CT_S_ORIG_LO tells which side
 * opened the flow.  Addresses are network byte order (IPv4 in word 0, words
 * 1..3 zero); ports are host byte order; for ICMP echo both ports are the
 * echo identifier.  Timestamps are CLOCK_MONOTONIC ns read coarsely
 * (bpf_ktime_get_coarse_ns: up to one tick behind).
 * Lifetime class FLOW: kept across reloads, layout checked by version.
 * Do not reorder fields; append only; retired fields become reserved.
 * Files that change with this one: bpf/lib/ct.h, bpf/lib/ct_maps.h,
 * bpf/lib/ct_helper.h, bpf/lib/nat.h, loader/ (GC, fwlctl ct),
 * tests/bpf/test_ct*.c, tests/backend/test_ftfw.c.
 */
#ifndef FWL_MAPS_CT_H
#define FWL_MAPS_CT_H

#include <linux/types.h>

#define FWL_CT_LAYOUT_VERSION 1

#define FWL_CT_MAX		262144	/* default max_entries of fwl_ct */
#define FWL_CT_NEW_MAX		65536	/* default max_entries of fwl_ct_new */
#define FWL_FRAG_MAX		8192	/* default max_entries of fwl_frag */

struct fwl_ct_key {
	__be32 addr_lo[4];	/* network order */
	__be32 addr_hi[4];
	__u16 port_lo;		/* host order; ICMP query: the identifier on
				   the requester's side, 0 on the responder's */
	__u16 port_hi;
	__u8 proto;		/* IPPROTO_* */
	__u8 family;		/* 4 or 6 */
	__u16 zone;		/* conntrack zone (host order) */
};
_Static_assert(sizeof(struct fwl_ct_key) == 40, "fwl_ct_key layout");

/* Per-direction TCP window tracking (after Linux's ip_ct_tcp_state). */
struct fwl_ct_tcp_side {
	__u32 td_end;		/* max of seq + len sent */
	__u32 td_maxend;	/* max of ack + max(win, 1) from the peer */
	__u32 td_maxwin;	/* max window advertised (scaled) */
	__u8 td_scale;		/* window scale in effect */
	__u8 flags;		/* FWL_CT_TCP_F_* */
	__u16 inv_fp;		/* any protocol: the fingerprint
				 * (fwl_ct_fp(), bpf/lib/ct.h) of a packet
				 * sent this way that XDP ingress judged
				 * Invalid and passed, so that TC egress sees
				 * it Invalid too and leaves it untranslated;
				 * 0 none (was reserved: old entries hold 0) */
};
_Static_assert(sizeof(struct fwl_ct_tcp_side) == 16, "tcp side layout");

#define FWL_CT_TCP_F_WSCALE	0x01	/* this side sent the wscale option */
#define FWL_CT_TCP_F_LIBERAL	0x02	/* picked up mid-stream: no window
					 * checks for this side */

/* One translation applied to a flow (addresses network order). */
struct fwl_ct_nat {
	__be32 addr[4];		/* DNAT: new destination; SNAT: new source */
	__u16 port;		/* host order; 0 = port unchanged */
	__u16 reserved;
};
_Static_assert(sizeof(struct fwl_ct_nat) == 20, "fwl_ct_nat layout");

struct fwl_ct_entry {
	__u64 expires;		/* CLOCK_MONOTONIC ns; gone after this */
	__u64 created;
	__u64 packets[2];	/* by direction, FWL_CT_DIR_* */
	__u64 bytes[2];
	struct fwl_ct_tcp_side tcp[2];	/* by direction */
	__u32 status;		/* FWL_CT_S_* */
	__u32 rule_id;		/* stable id of the rule that created it */
	__u8 tcp_state;		/* enum fwl_ct_tcp_state */
	__u8 last_dir;		/* direction of the last packet */
	__u8 last_flags;	/* TCP flags of the last packet */
	__u8 helper;		/* FWL_CT_HELPER_* (ct.helper) */
	__u32 mark;		/* free for policies (ct mark) */
	struct fwl_ct_nat dnat;	/* valid with FWL_CT_S_DNAT */
	struct fwl_ct_nat snat;	/* valid with FWL_CT_S_SNAT */
};
_Static_assert(sizeof(struct fwl_ct_entry) == 136, "fwl_ct_entry layout");

/* fwl_ct_entry.status bits (ct.status in FWL) */
#define FWL_CT_S_ORIG_LO	0x0001	/* the originator is the key's lo side */
#define FWL_CT_S_SEEN_REPLY	0x0002	/* a packet went the reply way */
#define FWL_CT_S_ASSURED	0x0004	/* TCP established / UDP replied */
#define FWL_CT_S_DNAT		0x0008
#define FWL_CT_S_SNAT		0x0010
#define FWL_CT_S_EXPECTED	0x0020	/* created from an expectation */
#define FWL_CT_S_PROMOTED	0x0040	/* lives in fwl_ct (not fwl_ct_new) */
#define FWL_CT_S_OFFLOAD	0x0080	/* Conntrack.offload: established
					 * packets skip the policies */
#define FWL_CT_S_SRC_NAT_SEEN	0x0100	/* the Postrouting NAT policies saw
					 * the flow's first packet (Linux's
					 * "nat initialized"); later packets
					 * use the stored binding */

/* Connection helpers (fwl_ct_entry.helper, ct.helper in FWL). */
#define FWL_CT_HELPER_NONE	0
#define FWL_CT_HELPER_FTP	1	/* "ftp": PORT/EPRT/227/229 */

/* Directions (ct.direction) */
#define FWL_CT_DIR_ORIG		0
#define FWL_CT_DIR_REPLY	1

/* Packet classes (ct.state in FWL, like nftables ct state). */
enum fwl_ct_state {
	FWL_CT_NEW = 1,		/* opens a flow (or the flow has no reply yet) */
	FWL_CT_ESTABLISHED = 2,	/* a flow that has seen both directions */
	FWL_CT_RELATED = 3,	/* ICMP error about a tracked flow */
	FWL_CT_INVALID = 4,	/* fits no flow / breaks its state */
	FWL_CT_UNTRACKED = 5,	/* not tracked (non-IP, ND, MLD, ...) */
};

/* TCP states, after Linux's tcp_conntrack (same order). */
enum fwl_ct_tcp_state {
	FWL_TCP_NONE = 0,
	FWL_TCP_SYN_SENT,
	FWL_TCP_SYN_RECV,
	FWL_TCP_ESTABLISHED,
	FWL_TCP_FIN_WAIT,
	FWL_TCP_CLOSE_WAIT,
	FWL_TCP_LAST_ACK,
	FWL_TCP_TIME_WAIT,
	FWL_TCP_CLOSE,
	FWL_TCP_SYN_SENT2,
	FWL_TCP_STATE_MAX
};

/* fwl_ct_stat indexes: per-CPU __u64 counters of table pressure. */
enum fwl_ct_stat {
	FWL_CT_STAT_LOOKUP,	/* packets looked up */
	FWL_CT_STAT_MISS,	/* found no entry (hits = LOOKUP - MISS) */
	FWL_CT_STAT_NEW,	/* entries created in fwl_ct_new */
	FWL_CT_STAT_NEW_FAIL,	/* creation failed */
	FWL_CT_STAT_PROMOTE,	/* moved to fwl_ct (inserts into fwl_ct) */
	FWL_CT_STAT_INSERT_FAIL,/* fwl_ct full: not moved */
	FWL_CT_STAT_EXPIRED,	/* expired entries deleted by the data path */
	FWL_CT_STAT_DELETE,	/* entries deleted for a new incarnation */
	FWL_CT_STAT_INVALID,	/* packets classified INVALID */
	FWL_CT_STAT_LOST_NEW,	/* a reply found no entry in either table
				 * (e.g. its fwl_ct_new entry was evicted) */
	FWL_CT_STAT_MAX = 16	/* max_entries; not a counter */
};

/*
 * Expectations (fwl_ct_expect, HASH, FLOW class): a connection a helper
 * saw announced on its control connection (FTP PORT/EPRT/227/229).  The
 * first packet from saddr to daddr:dport (any source port) that finds one
 * deletes it (single use) and opens a RELATED flow with FWL_CT_S_EXPECTED
 * and the master's helper.  Expired ones are ignored by the data path and
 * deleted by the loader's sweep.
 */
#define FWL_CT_EXPECT_MAX	4096	/* default max_entries of fwl_ct_expect */
#define FWL_CT_EXPECT_TIMEOUT_S	300	/* Linux's FTP expectation timeout */

struct fwl_ct_expect_key {
	__be32 saddr[4];	/* network order: who will connect */
	__be32 daddr[4];	/* ... to which address */
	__u16 dport;		/* host order */
	__u8 proto;		/* IPPROTO_TCP */
	__u8 family;		/* 4 or 6 */
	__u16 zone;
	__u16 reserved;
};
_Static_assert(sizeof(struct fwl_ct_expect_key) == 40, "expect key layout");

struct fwl_ct_expect {
	__u64 expires;		/* CLOCK_MONOTONIC ns */
	struct fwl_ct_key master;	/* the control connection */
	__u8 helper;		/* FWL_CT_HELPER_* of the master */
	__u8 reserved[7];
};
_Static_assert(sizeof(struct fwl_ct_expect) == 56, "expect layout");

/* Fragments: the first fragment's ports, for the later ones. */
struct fwl_frag_key {
	__be32 saddr[4];	/* network order */
	__be32 daddr[4];
	__u32 id;		/* IPv4 id or IPv6 identification, host order */
	__u8 proto;
	__u8 family;
	__u16 reserved;
};
_Static_assert(sizeof(struct fwl_frag_key) == 40, "fwl_frag_key layout");

struct fwl_frag_val {
	__u64 expires;		/* CLOCK_MONOTONIC ns */
	__u16 sport;		/* host order */
	__u16 dport;
	__u8 icmp_type;
	__u8 icmp_code;
	__u16 icmp_id;
};
_Static_assert(sizeof(struct fwl_frag_val) == 16, "fwl_frag_val layout");

#endif
