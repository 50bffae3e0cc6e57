/* SPDX-License-Identifier: MIT */
/*
 * ctstats.h - conntrack and NAT figures for /metrics and `fwlctl status`
 * (docs/metrics.md): table fill from the pinned maps, the data path's
 * per-CPU counters (fwl_ct_stat, fwl_nat_stat) and fwld's own sweeps.
 */
#ifndef FWL_LOADER_CTSTATS_H
#define FWL_LOADER_CTSTATS_H

#include <stdbool.h>
#include <stdint.h>

#include "loader/strbuf.h"
#include "maps/ct.h"
#include "maps/nat.h"

struct metrics_out;

struct ct_summary {
	bool have_ct, have_nat;
	uint64_t entries[2];	/* live flows by family: [0] IPv4, [1] IPv6 */
	uint64_t tier[2];	/* [0] fwl_ct_new (unanswered), [1] fwl_ct */
	uint64_t max[2];	/* max_entries of the two tables */
	uint64_t snat, dnat;	/* live flows carrying a translation */
	uint64_t ct[FWL_CT_STAT_MAX];	/* fwl_ct_stat, summed over CPUs */
	uint64_t nat[FWL_NAT_STAT_MAX];	/* fwl_nat_stat, summed */
	uint64_t swept;		/* expired flows fwld deleted (its GC) */
};

/* Fill s from the maps (fd -1: absent).  Expired entries not yet reaped
 * are not live.  swept is fwld's count of GC deletions. */
void ct_summary_read(struct ct_summary *s, int ct_fd, int ct_new_fd,
		     int ct_stat_fd, int nat_stat_fd, uint64_t swept);
/* fwl_conntrack_* and fwl_nat_* families (nothing without conntrack). */
void ct_summary_metrics(struct metrics_out *out, const struct ct_summary *s);
/* "conntrack": {...}, "nat": {...} members (null without conntrack). */
void ct_summary_json(struct strbuf *out, const struct ct_summary *s);

#endif
