// SPDX-License-Identifier: MIT
/* stats.c - fwld's metric families, see stats.h. */
#include "loader/stats.h"
#include "loader/metrics.h"
#include "maps/counters.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

int stats_rule_counter(int fd, uint32_t id, uint64_t *packets,
		       uint64_t *bytes)
{
	int ncpu = libbpf_num_possible_cpus();
	struct fwl_count *vals;
	int r = 0;

	*packets = *bytes = 0;
	if (fd < 0)
		return -EBADF;
	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &id, vals)) {
		r = -errno;
	} else {
		for (int c = 0; c < ncpu; c++) {
			*packets += vals[c].packets;
			*bytes += vals[c].bytes;
		}
	}
	free(vals);
	return r;
}

void stats_metrics_rules(struct metrics_out *out, const struct bundle *b,
			 int counters_fd)
{
	static const char *const fam[2] = { "fwl_rule_packets_total",
					    "fwl_rule_bytes_total" };
	static const char *const help[2] = {
		"Packets that matched a rule (arm) of the active policy.",
		"Bytes of the packets that matched a rule of the active "
		"policy.",
	};
	uint64_t (*v)[2] = calloc(b->nrules ? b->nrules : 1, sizeof(*v));
	if (!v)
		return;
	for (int i = 0; i < b->nrules; i++)
		stats_rule_counter(counters_fd, b->rules[i].id, &v[i][0],
				   &v[i][1]);
	for (int k = 0; k < 2; k++) {
		metrics_family(out, fam[k], METRICS_COUNTER, help[k]);
		for (int i = 0; i < b->nrules; i++) {
			const struct bundle_rule *r = &b->rules[i];
			char id[16];
			snprintf(id, sizeof(id), "%u", r->id);
			metrics_sample_u(out, fam[k], v[i][k], "rule",
					 r->name ? r->name : "", "policy",
					 r->policy ? r->policy : "", "action",
					 r->action ? r->action : "", "id", id,
					 NULL);
		}
	}
	free(v);
}

void stats_metrics_named(struct metrics_out *out, const struct bundle *b,
			 int named_fd)
{
	static const char *const fam[2] = { "fwl_counter_packets_total",
					    "fwl_counter_bytes_total" };
	static const char *const help[2] = {
		"Packets counted by a named counter (Counter.add).",
		"Bytes counted by a named counter (Counter.add).",
	};
	if (!b->ncounters)
		return;
	for (int k = 0; k < 2; k++) {
		metrics_family(out, fam[k], METRICS_COUNTER, help[k]);
		for (int i = 0; i < b->ncounters; i++) {
			uint64_t v[2];
			stats_rule_counter(named_fd, b->counter_ids[i], &v[0],
					   &v[1]);
			metrics_sample_u(out, fam[k], v[k], "counter",
					 b->counters[i], NULL);
		}
	}
}

/* "FWL_DROP_CT_FULL" → "ct_full": the label value of a drop reason. */
static const char *reason_label(const char *enum_name, char *buf, size_t len)
{
	const char *p = enum_name + sizeof("FWL_DROP_") - 1;
	size_t i = 0;
	for (; *p && i + 1 < len; p++)
		buf[i++] = (*p >= 'A' && *p <= 'Z') ? *p - 'A' + 'a' : *p;
	buf[i] = 0;
	return buf;
}

const char *stats_drop_reason_name(unsigned reason, char *buf, size_t len)
{
	static const char *const names[FWL_DROP_MAX] = {
#define FWL_DROP_NAME_(name, num, text) [num] = #name,
		FWL_DROP_REASONS(FWL_DROP_NAME_)
#undef FWL_DROP_NAME_
	};
	if (reason >= FWL_DROP_MAX || !names[reason]) {
		snprintf(buf, len, "reason_%u", reason);
		return buf;
	}
	return reason_label(names[reason], buf, len);
}

void stats_metrics_drops(struct metrics_out *out, int drop_fd)
{
	uint64_t p[FWL_DROP_MAX], b[FWL_DROP_MAX];
	char name[64];
	/* Reason 0 is "not dropped": the array's slot stays unused. */
	for (unsigned r = 1; r < FWL_DROP_MAX; r++)
		stats_rule_counter(drop_fd, r, &p[r], &b[r]);
	metrics_family(out, "fwl_drops_total", METRICS_COUNTER,
		       "Packets dropped by the data plane, by reason "
		       "(maps/counters.h).");
	for (unsigned r = 1; r < FWL_DROP_MAX; r++)
		metrics_sample_u(out, "fwl_drops_total", p[r], "reason",
				 stats_drop_reason_name(r, name, sizeof(name)),
				 NULL);
	metrics_family(out, "fwl_drop_bytes_total", METRICS_COUNTER,
		       "Bytes of the packets dropped, by reason.");
	for (unsigned r = 1; r < FWL_DROP_MAX; r++)
		metrics_sample_u(out, "fwl_drop_bytes_total", b[r], "reason",
				 stats_drop_reason_name(r, name, sizeof(name)),
				 NULL);
}

void stats_metrics_policy(struct metrics_out *out, const struct bundle *b,
			  time_t loaded_at)
{
	metrics_family(out, "fwl_policy_info", METRICS_GAUGE,
		       "The active policy: its hash and source file (value "
		       "1).");
	metrics_sample_u(out, "fwl_policy_info", 1, "hash",
			 b->hash ? b->hash : "", "source",
			 b->source ? b->source : "", NULL);
	metrics_family(out, "fwl_policy_loaded_timestamp_seconds",
		       METRICS_GAUGE,
		       "Unix time the active policy was committed.");
	metrics_sample_u(out, "fwl_policy_loaded_timestamp_seconds",
			 (uint64_t)loaded_at, NULL);
	metrics_family(out, "fwl_policy_rules", METRICS_GAUGE,
		       "Rules (arms) of the active policy.");
	metrics_sample_u(out, "fwl_policy_rules", b->nrules, NULL);
}

const char *reload_result_name(enum reload_result r)
{
	static const char *const names[RELOAD_NRESULTS] = {
		[RELOAD_OK] = "ok",
		[RELOAD_COMPILE] = "compile_error",
		[RELOAD_BUNDLE] = "bundle_error",
		[RELOAD_LOAD] = "load_error",
		[RELOAD_MAP_LAYOUT] = "map_layout_error",
		[RELOAD_INTERFACE] = "interface_error",
		[RELOAD_ATTACH] = "attach_error",
	};
	return (unsigned)r < RELOAD_NRESULTS ? names[r] : "unknown";
}

void reload_stats_add(struct reload_stats *rs, enum reload_result r,
		      double seconds)
{
	if ((unsigned)r >= RELOAD_NRESULTS)
		return;
	rs->count[r]++;
	rs->last_duration = seconds;
	if (r == RELOAD_OK)
		rs->last_success = time(NULL);
}

void stats_metrics_reloads(struct metrics_out *out,
			   const struct reload_stats *rs)
{
	metrics_family(out, "fwl_reloads_total", METRICS_COUNTER,
		       "Policy loads and reloads, by result.");
	for (int r = 0; r < RELOAD_NRESULTS; r++)
		metrics_sample_u(out, "fwl_reloads_total", rs->count[r],
				 "result", reload_result_name(r), NULL);
	metrics_family(out, "fwl_reload_duration_seconds", METRICS_GAUGE,
		       "Time of the last reload, from request to switch.");
	metrics_sample(out, "fwl_reload_duration_seconds", rs->last_duration,
		       NULL);
	metrics_family(out, "fwl_reload_last_success_timestamp_seconds",
		       METRICS_GAUGE,
		       "Unix time of the last successful reload (0: never).");
	metrics_sample_u(out, "fwl_reload_last_success_timestamp_seconds",
			 (uint64_t)rs->last_success, NULL);
}
