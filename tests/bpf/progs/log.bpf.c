/* SPDX-License-Identifier: MIT */
/*
 * tests/bpf/progs/log.bpf.c - log records under test: every packet is
 * logged for rule log_cfg[0] with the limit log_cfg[1] per second,
 * burst log_cfg[2] (0: the library's defaults).
 */
#include "parse.h"
#include "log.h"
#include "scratch.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 3);
	__type(key, __u32);
	__type(value, __u32);
} log_cfg SEC(".maps");

SEC("xdp")
int log_xdp(struct xdp_md *ctx)
{
	struct fwl_scratch *s = fwl_scratch();
	__u32 k0 = 0, k1 = 1, k2 = 2, *rule, *rate, *burst;

	rule = bpf_map_lookup_elem(&log_cfg, &k0);
	rate = bpf_map_lookup_elem(&log_cfg, &k1);
	burst = bpf_map_lookup_elem(&log_cfg, &k2);
	if (!s || !rule || !rate || !burst)
		return XDP_ABORTED;
	fwl_parse(ctx, &s->pkt);
	if (*rate)
		fwl_log_rl(&s->pkt, *rule, 3, FWL_LOG_WARN, FWL_VERDICT_DROP,
			   FWL_DROP_POLICY, 0, *rate, *burst);
	else
		fwl_log(&s->pkt, *rule, 3, FWL_LOG_WARN, FWL_VERDICT_DROP,
			FWL_DROP_POLICY, 0);
	return XDP_DROP;
}

char _license[] SEC("license") = "Dual MIT/GPL";
