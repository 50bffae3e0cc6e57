/* SPDX-License-Identifier: MIT */
/*
 * bpf/lib/counters_maps.h - definitions of the counter maps (layout and
 * meaning in maps/counters.h).  Included by counters.h; kept apart from the
 * logic so a program or a test can see the maps without the helpers.
 */
#ifndef FWL_BPF_COUNTERS_MAPS_H
#define FWL_BPF_COUNTERS_MAPS_H

#include "ctx.h"
#include "maps/counters.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, FWL_RULE_CNT_MAX);
	__type(key, __u32);			/* stable rule id */
	__type(value, struct fwl_count);
} fwl_rule_cnt SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FWL_DROP_CNT_MAX);
	__type(key, __u32);			/* enum fwl_drop_reason */
	__type(value, struct fwl_count);
} fwl_drop_cnt SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FWL_NAMED_CNT_MAX);
	__type(key, __u32);			/* named counter index */
	__type(value, struct fwl_count);
} fwl_named_cnt SEC(".maps");

#endif
