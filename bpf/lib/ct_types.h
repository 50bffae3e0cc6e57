/* SPDX-License-Identifier: MIT */
/*
 * bpf/lib/ct_types.h - the result of fwl_ct_track() (bpf/lib/ct.h).
 * Types only, so userspace tests and bpf/lib/scratch.h can include it.
 */
#ifndef FWL_BPF_CT_TYPES_H
#define FWL_BPF_CT_TYPES_H

#include <linux/types.h>
#include "maps/ct.h"

/* The result of fwl_ct_track(). */
struct fwl_ct {
	struct fwl_ct_key key;	/* canonical key of the flow */
	__u32 status;		/* FWL_CT_S_* of the flow after this packet */
	__u8 state;		/* enum fwl_ct_state */
	__u8 dir;		/* FWL_CT_DIR_* of this packet */
	__u8 reason;		/* FWL_DROP_* when state is INVALID */
	__u8 pending;		/* NEW: fwl_ct_confirm() creates the flow */
	__u8 tcp_state;		/* enum fwl_ct_tcp_state after this packet */
	__u8 tier;		/* 0 none, 1 fwl_ct_new, 2 fwl_ct */
	__u8 src_is_lo;		/* the packet's source is the key's lo side */
	__u8 helper;		/* FWL_CT_HELPER_* of the flow (or to set) */
	__u32 rule_id;		/* rule that created the flow */
	struct fwl_ct_nat dnat;	/* the flow's translations (status bits */
	struct fwl_ct_nat snat;	/* FWL_CT_S_DNAT / _SNAT say if valid) */
	__u8 clash;		/* NEW, but its tuple is the untranslated
				 * reply of a NAT'd flow: never confirmed */
};	/* not ABI: a per-packet result, never stored in a map */

#define FWL_CT_TIER_NONE	0
#define FWL_CT_TIER_NEW		1
#define FWL_CT_TIER_EST		2

#endif
