// SPDX-License-Identifier: MIT
/* ctstats.c - conntrack and NAT figures, see ctstats.h. */
#include "loader/ctstats.h"
#include "loader/metrics.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Sum a per-CPU array of __u64 counters into v[0..n). */
static void percpu_sums(int fd, uint64_t *v, unsigned n)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *vals;
	memset(v, 0, n * sizeof(*v));
	if (fd < 0 || ncpu <= 0 || !(vals = calloc(ncpu, sizeof(*vals))))
		return;
	for (__u32 k = 0; k < n; k++)
		if (!bpf_map_lookup_elem(fd, &k, vals))
			for (int c = 0; c < ncpu; c++)
				v[k] += vals[c];
	free(vals);
}

static uint64_t max_entries(int fd)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	return fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len)
		       ? info.max_entries : 0;
}

void ct_summary_read(struct ct_summary *s, int ct_fd, int ct_new_fd,
		     int ct_stat_fd, int nat_stat_fd, uint64_t swept)
{
	int fds[2] = { ct_new_fd, ct_fd };
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	__u64 now = (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;

	memset(s, 0, sizeof(*s));
	s->have_ct = ct_fd >= 0 || ct_new_fd >= 0;
	s->have_nat = nat_stat_fd >= 0;
	s->swept = swept;
	for (int m = 0; m < 2; m++) {
		struct fwl_ct_key k, next;
		struct fwl_ct_entry e;
		void *prev = NULL;
		s->max[m] = max_entries(fds[m]);
		if (fds[m] < 0)
			continue;
		while (bpf_map_get_next_key(fds[m], prev, &next) == 0) {
			k = next;
			prev = &k;
			if (bpf_map_lookup_elem(fds[m], &k, &e) ||
			    (e.expires && e.expires < now))
				continue;
			s->tier[m]++;
			s->entries[k.family == 6]++;
			s->snat += !!(e.status & FWL_CT_S_SNAT);
			s->dnat += !!(e.status & FWL_CT_S_DNAT);
		}
	}
	percpu_sums(ct_stat_fd, s->ct, FWL_CT_STAT_MAX);
	percpu_sums(nat_stat_fd, s->nat, FWL_NAT_STAT_MAX);
}

static uint64_t inserts(const struct ct_summary *s)
{
	return s->ct[FWL_CT_STAT_NEW];
}

static uint64_t evictions_timeout(const struct ct_summary *s)
{
	return s->ct[FWL_CT_STAT_EXPIRED] + s->swept;
}

void ct_summary_metrics(struct metrics_out *out, const struct ct_summary *s)
{
	if (!s->have_ct)
		return;
	metrics_family(out, "fwl_conntrack_entries", METRICS_GAUGE,
		       "Live tracked flows.");
	metrics_sample_u(out, "fwl_conntrack_entries", s->entries[0],
			 "family", "ipv4", NULL);
	metrics_sample_u(out, "fwl_conntrack_entries", s->entries[1],
			 "family", "ipv6", NULL);
	metrics_family(out, "fwl_conntrack_table_entries", METRICS_GAUGE,
		       "Live flows by table: new (unanswered, LRU) or "
		       "established.");
	metrics_sample_u(out, "fwl_conntrack_table_entries", s->tier[0],
			 "table", "new", NULL);
	metrics_sample_u(out, "fwl_conntrack_table_entries", s->tier[1],
			 "table", "established", NULL);
	metrics_family(out, "fwl_conntrack_max_entries", METRICS_GAUGE,
		       "Capacity of the conntrack tables.");
	metrics_sample_u(out, "fwl_conntrack_max_entries", s->max[0],
			 "table", "new", NULL);
	metrics_sample_u(out, "fwl_conntrack_max_entries", s->max[1],
			 "table", "established", NULL);
	metrics_family(out, "fwl_conntrack_inserts_total", METRICS_COUNTER,
		       "Flows created.");
	metrics_sample_u(out, "fwl_conntrack_inserts_total", inserts(s), NULL);
	metrics_family(out, "fwl_conntrack_promotions_total", METRICS_COUNTER,
		       "Flows moved to the established table by a reply.");
	metrics_sample_u(out, "fwl_conntrack_promotions_total",
			 s->ct[FWL_CT_STAT_PROMOTE], NULL);
	metrics_family(out, "fwl_conntrack_insert_failures_total",
		       METRICS_COUNTER, "Flows that could not be created "
		       "(new) or moved to the full established table (full).");
	metrics_sample_u(out, "fwl_conntrack_insert_failures_total",
			 s->ct[FWL_CT_STAT_NEW_FAIL], "reason", "new", NULL);
	metrics_sample_u(out, "fwl_conntrack_insert_failures_total",
			 s->ct[FWL_CT_STAT_INSERT_FAIL], "reason", "full",
			 NULL);
	metrics_family(out, "fwl_conntrack_evictions_total", METRICS_COUNTER,
		       "Flows removed because their timeout passed (by the "
		       "data path or fwld's sweep).");
	metrics_sample_u(out, "fwl_conntrack_evictions_total",
			 evictions_timeout(s), "reason", "timeout", NULL);
	metrics_family(out, "fwl_conntrack_lost_total", METRICS_COUNTER,
		       "Replies that found no flow (typically: its unanswered "
		       "entry was evicted by the LRU table).");
	metrics_sample_u(out, "fwl_conntrack_lost_total",
			 s->ct[FWL_CT_STAT_LOST_NEW], NULL);
	if (!s->have_nat)
		return;
	metrics_family(out, "fwl_nat_bindings", METRICS_GAUGE,
		       "Live flows carrying a translation.");
	metrics_sample_u(out, "fwl_nat_bindings", s->snat, "kind", "snat",
			 NULL);
	metrics_sample_u(out, "fwl_nat_bindings", s->dnat, "kind", "dnat",
			 NULL);
	metrics_family(out, "fwl_nat_port_exhaustion_total", METRICS_COUNTER,
		       "New SNAT flows dropped: no free source port.");
	metrics_sample_u(out, "fwl_nat_port_exhaustion_total",
			 s->nat[FWL_NAT_STAT_NO_PORT], NULL);
	metrics_family(out, "fwl_nat_translations_total", METRICS_COUNTER,
		       "Flows given a translation.");
	metrics_sample_u(out, "fwl_nat_translations_total",
			 s->nat[FWL_NAT_STAT_SNAT], "kind", "snat", NULL);
	metrics_sample_u(out, "fwl_nat_translations_total",
			 s->nat[FWL_NAT_STAT_DNAT], "kind", "dnat", NULL);
}

void ct_summary_json(struct strbuf *out, const struct ct_summary *s)
{
	if (!s->have_ct) {
		sb_printf(out, "\"conntrack\": null, \"nat\": null");
		return;
	}
	sb_printf(out, "\"conntrack\": {\"entries\": %llu, \"ipv4\": %llu, "
		  "\"ipv6\": %llu, \"new\": %llu, \"established\": %llu, "
		  "\"max_new\": %llu, \"max_established\": %llu, "
		  "\"inserts\": %llu, \"insert_failures\": %llu, "
		  "\"evictions\": %llu, \"lost\": %llu}, ",
		  (unsigned long long)(s->entries[0] + s->entries[1]),
		  (unsigned long long)s->entries[0],
		  (unsigned long long)s->entries[1],
		  (unsigned long long)s->tier[0], (unsigned long long)s->tier[1],
		  (unsigned long long)s->max[0], (unsigned long long)s->max[1],
		  (unsigned long long)inserts(s),
		  (unsigned long long)(s->ct[FWL_CT_STAT_NEW_FAIL] +
				       s->ct[FWL_CT_STAT_INSERT_FAIL]),
		  (unsigned long long)evictions_timeout(s),
		  (unsigned long long)s->ct[FWL_CT_STAT_LOST_NEW]);
	if (!s->have_nat) {
		sb_printf(out, "\"nat\": null");
		return;
	}
	sb_printf(out, "\"nat\": {\"snat\": %llu, \"dnat\": %llu, "
		  "\"port_exhaustion\": %llu}", (unsigned long long)s->snat,
		  (unsigned long long)s->dnat,
		  (unsigned long long)s->nat[FWL_NAT_STAT_NO_PORT]);
}
