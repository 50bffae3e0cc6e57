/* SPDX-License-Identifier: MIT */
/* maps/counters.h - per-rule counters (placeholder until the data-plane
 * library lands; the data-plane branch owns this file). */
#ifndef FWL_MAPS_COUNTERS_H
#define FWL_MAPS_COUNTERS_H
#include <linux/types.h>
#define FWL_COUNTERS_LAYOUT 1
/* Value of the per-CPU hash keyed by __u32 stable rule id. */
struct fwl_rule_counter {
	__u64 packets;
	__u64 bytes;
};
#endif
