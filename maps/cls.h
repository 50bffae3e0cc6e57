/* SPDX-License-Identifier: MIT */
/*
 * maps/cls.h - kernel/userspace ABI of the classification table: the arms
 * of a policy that are plain header matches, as map contents.
 *
 * fwlc groups each run of consecutive table arms by shape (which fields
 * they test, the prefix lengths of their addresses); a shape is a table
 * id.  An arm is one entry per shape: the key holds the arm's values, the
 * packet's key the packet's fields under the shape's masks.  The decision
 * code does one lookup per shape and takes the entry of the lowest arm
 * number, so the code grows with the number of shapes, never of arms
 * (docs/bundle.md, "Classification tables").
 *
 *   fwl_cls  HASH  key struct fwl_cls_key  value struct fwl_cls_val
 *
 * Fields a shape does not test are 0 in the entry and in the packet's
 * key.  Do not reorder fields; append only.  Files that change with this
 * one: bpf/lib/cls.h, fwlc/classify.c, fwlc/mapdata.c.
 */
#ifndef FWL_MAPS_CLS_H
#define FWL_MAPS_CLS_H

#include <linux/types.h>

#define FWL_CLS_LAYOUT_VERSION 3

struct fwl_cls_key {
	__u32 table;		/* shape id (host order) */
	__be32 src[4];		/* source under the shape's mask (IPv4 in
				   word 0, the rest 0) */
	__be32 dst[4];		/* destination, likewise */
	__u16 sport;		/* TCP/UDP ports under the shape's port
				   masks (a range is aligned blocks), host
				   order */
	__u16 dport;
	__u16 l3;		/* ethertype of the IP layer, host order */
	__u8 l4;		/* IP protocol */
	__u8 flags;		/* FWL_CLS_F_*: conditions an arm needs absent;
				   0 in every entry, set in the packet's key
				   when the shape tests it and it holds */
	__u8 icmp_type;		/* ICMP / ICMPv6 type and code */
	__u8 icmp_code;
	__u16 reserved;		/* 0 */
};

#define FWL_CLS_F_VLAN	1	/* the frame has a VLAN tag */
#define FWL_CLS_F_FRAG	2	/* a later (non-first) IP fragment */
_Static_assert(sizeof(struct fwl_cls_key) == 48, "fwl_cls_key layout");

/* fwl_cls_val.verdict: the values of FWL_VERDICT_* (bpf/policy.h; cls.h
 * checks they agree). */
#define FWL_CLS_PASS		0
#define FWL_CLS_DROP		1
#define FWL_CLS_CONTINUE	2

struct fwl_cls_val {
	__u32 arm;		/* arm number in its policy: lowest wins */
	__u32 rule_id;		/* stable rule id (counters, logs) */
	__u32 verdict;		/* FWL_VERDICT_PASS / _DROP / _CONTINUE */
};
_Static_assert(sizeof(struct fwl_cls_val) == 12, "fwl_cls_val layout");

#endif
