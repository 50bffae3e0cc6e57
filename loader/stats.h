/* SPDX-License-Identifier: MIT */
/*
 * stats.h - fwld's own metric families, written from its state at scrape
 * time (docs/metrics.md).  Each function writes complete families with
 * loader/metrics.h; fwld's collect callback calls the ones it has state for.
 */
#ifndef FWL_LOADER_STATS_H
#define FWL_LOADER_STATS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "loader/bundle.h"

struct metrics_out;

/* Sum the per-CPU struct fwl_count at key id of a counter map
 * (maps/counters.h: fwl_rule_cnt by rule id, fwl_drop_cnt by reason).
 * Returns 0, or -errno (a rule that never matched has no entry: -ENOENT,
 * with both sums 0). */
int stats_rule_counter(int fd, uint32_t id, uint64_t *packets,
		       uint64_t *bytes);

/* The label value of a drop reason: FWL_DROP_CT_FULL → "ct_full". */
const char *stats_drop_reason_name(unsigned reason, char *buf, size_t len);
/* fwl_drops_total{reason} and fwl_drop_bytes_total{reason} from the per-CPU
 * array fwl_drop_cnt (every known reason, zeros included). */
void stats_metrics_drops(struct metrics_out *out, int drop_fd);
/* fwl_counter_{packets,bytes}_total{counter="NAME"}: the policy's named
 * counters (Counter.add) from fwl_named_cnt. */
void stats_metrics_named(struct metrics_out *out, const struct bundle *b,
			 int named_fd);

/* fwl_rule_packets_total and fwl_rule_bytes_total for every rule of the
 * active policy b, labelled rule, policy, action and id.  fd < 0: zeros. */
void stats_metrics_rules(struct metrics_out *out, const struct bundle *b,
			 int counters_fd);

/* fwl_policy_info{hash,source} 1 and fwl_policy_loaded_timestamp_seconds. */
void stats_metrics_policy(struct metrics_out *out, const struct bundle *b,
			  time_t loaded_at);

/* How a reload ended (the result label of fwl_reloads_total). */
enum reload_result {
	RELOAD_OK,		/* "ok": the links switched */
	RELOAD_COMPILE,		/* "compile_error": fwlc rejected the policy */
	RELOAD_BUNDLE,		/* "bundle_error": manifest unreadable */
	RELOAD_LOAD,		/* "load_error": libbpf/verifier refused */
	RELOAD_MAP_LAYOUT,	/* "map_layout_error": FLOW map incompatible */
	RELOAD_INTERFACE,	/* "interface_error": missing interface */
	RELOAD_ATTACH,		/* "attach_error": link update failed */
	RELOAD_NRESULTS,
};

/* What fwld counts about reloads (it owns this and fills it in). */
struct reload_stats {
	uint64_t count[RELOAD_NRESULTS];	/* by result */
	double last_duration;		/* seconds, request to switch */
	time_t last_success;		/* wall clock, 0: never */
};

const char *reload_result_name(enum reload_result r);
/* Count one reload that took `seconds` and ended with r. */
void reload_stats_add(struct reload_stats *rs, enum reload_result r,
		      double seconds);
/* fwl_reloads_total{result}, fwl_reload_duration_seconds,
 * fwl_reload_last_success_timestamp_seconds. */
void stats_metrics_reloads(struct metrics_out *out,
			   const struct reload_stats *rs);

#endif
