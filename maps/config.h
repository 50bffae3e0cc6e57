/* SPDX-License-Identifier: MIT */
/*
 * maps/config.h - kernel/userspace ABI of the data-plane configuration.
 *
 *   fwl_config   ARRAY, 1 entry   key __u32 0   value struct fwl_config
 *                lifetime POLICY: the loader fills it before the switch.
 *
 * A zero field means "the default" (named FWL_*_DEFAULT below), so a zeroed
 * map gives Linux-like behaviour.  Host byte order throughout.
 * Do not reorder fields; append only; retired fields become reserved.
 * Files that change with this one: bpf/lib/config.h, loader/.
 */
#ifndef FWL_MAPS_CONFIG_H
#define FWL_MAPS_CONFIG_H

#include <linux/types.h>

#define FWL_CONFIG_LAYOUT_VERSION 1

/* Conntrack timeouts, indexes into fwl_config.ct_timeout (seconds).  The
 * comment gives the default (bpf/lib/config.h fwl_ct_timeout_default()). */
enum fwl_ct_timeout {
	FWL_CT_TO_TCP_SYN_SENT,		/* 120 (Linux nf_conntrack defaults) */
	FWL_CT_TO_TCP_SYN_RECV,		/* 60 */
	FWL_CT_TO_TCP_ESTABLISHED,	/* 432000 (5 days) */
	FWL_CT_TO_TCP_FIN_WAIT,		/* 120 */
	FWL_CT_TO_TCP_CLOSE_WAIT,	/* 60 */
	FWL_CT_TO_TCP_LAST_ACK,		/* 30 */
	FWL_CT_TO_TCP_TIME_WAIT,	/* 120 */
	FWL_CT_TO_TCP_CLOSE,		/* 10 */
	FWL_CT_TO_TCP_SYN_SENT2,	/* 120 */
	FWL_CT_TO_UDP,			/* 30: unreplied */
	FWL_CT_TO_UDP_STREAM,		/* 120: seen both directions */
	FWL_CT_TO_ICMP,			/* 30 */
	FWL_CT_TO_GENERIC,		/* 600: other protocols */
	FWL_CT_TO_FRAG,			/* 30: fragment -> flow binding */
	FWL_CT_TO_SEQ,			/* 600: a matched sequence pattern
					 * (fwl_seq) of an idle flow */
	FWL_CT_TO_MAX = 16		/* room to grow; not a timeout */
};

/* fwl_config.flags */
#define FWL_CFG_TCP_STRICT	0x01	/* mid-stream TCP without an entry is
					 * INVALID (default: loose pick-up,
					 * like nf_conntrack_tcp_loose=1) */

struct fwl_config {
	__u32 layout_version;		/* FWL_CONFIG_LAYOUT_VERSION */
	__u32 flags;			/* FWL_CFG_* */
	__u32 ct_timeout[FWL_CT_TO_MAX];/* seconds; 0 = default */
	__u64 clock_ns;			/* 0: the data plane's clock is
					 * CLOCK_MONOTONIC.  Else, in objects
					 * built for tests (FWL_TESTING: fwlc
					 * test --backend bpf, fwlc difftest,
					 * tests/bpf) the clock reads this
					 * value, a virtual clock they set
					 * before every packet.  Production
					 * objects never read it. */
	__u32 nat_seed;			/* key of source NAT's port choice
					 * (maps/nat.h fwl_nat_port_hash):
					 * fwld draws one at every load; the
					 * scenario backend leaves 0, as the
					 * interpreter uses */
	__u32 reserved[5];
};
_Static_assert(sizeof(struct fwl_config) == 104, "fwl_config layout");

#endif
