/* SPDX-License-Identifier: MIT */
/*
 * tests/bpf/test_ratelimit.c - bpf/lib/ratelimit.h through
 * BPF_PROG_TEST_RUN: burst then refusal, refill with time (moved by
 * editing the bucket), independent per-source buckets, every-Nth.
 */
#include <linux/if_ether.h>
#include <linux/in.h>
#include <string.h>

#include "tests/lib/check.h"
#include "tests/bpf/harness.h"
#include "tests/bpf/pktgen.h"
#include "maps/ratelimit.h"

struct rl_test_cfg {
	uint32_t mode, rule, rate, burst;
};

static struct bpf_object *obj;
static int prog, m_cfg, m_rl, m_nth;

static void cfg(uint32_t mode, uint32_t rule, uint32_t rate, uint32_t burst)
{
	struct rl_test_cfg c = { mode, rule, rate, burst };
	uint32_t z = 0;

	bpf_map_update_elem(m_cfg, &z, &c, 0);
}

static int sendp(uint32_t src)
{
	struct h_run r;
	struct pk p;

	pk_init(&p);
	pk_eth(&p, ETH_P_IP);
	pk_ip4(&p, src, IP4(10, 0, 0, 1), IPPROTO_ICMP);
	pk_icmp(&p, 8, 0, 1, 1);
	pk_finish(&p);
	h_xdp(prog, p.b, p.len, &r);
	CHECK_INT(r.err, 0);
	return r.ret == 2;
}

static void test_bucket_burst_then_limit(void)
{
	struct fwl_rl_key k = { .rule = 5, .kind = FWL_RL_KIND_RULE };
	struct fwl_rl_val v;
	int i, passed = 0;

	h_map_clear(m_rl);
	cfg(0, 5, 1, 3);	/* 1/s, burst 3 */
	for (i = 0; i < 10; i++)
		passed += sendp(IP4(1, 1, 1, 1));
	CHECK_INT(passed, 3);
	CHECK(bpf_map_lookup_elem(m_rl, &k, &v) == 0, "bucket");
	CHECK_INT(v.denied, 7);
	/* one second later: one more token */
	v.tat -= 1000000000ULL;
	bpf_map_update_elem(m_rl, &k, &v, 0);
	CHECK_INT(sendp(IP4(1, 1, 1, 1)), 1);
	CHECK_INT(sendp(IP4(1, 1, 1, 1)), 0);
	/* another rule has its own bucket */
	cfg(0, 6, 1, 1);
	CHECK_INT(sendp(IP4(1, 1, 1, 1)), 1);
	CHECK_INT(sendp(IP4(1, 1, 1, 1)), 0);
}

static void test_per_source_buckets(void)
{
	int a = 0, b = 0, i;

	h_map_clear(m_rl);
	cfg(1, 9, 1, 2);
	for (i = 0; i < 5; i++) {
		a += sendp(IP4(192, 0, 2, 1));
		b += sendp(IP4(192, 0, 2, 2));
	}
	CHECK_INT(a, 2);
	CHECK_INT(b, 2);
}

static void test_high_rate_passes(void)
{
	int i, passed = 0;

	h_map_clear(m_rl);
	cfg(0, 7, 1000000, 100);
	for (i = 0; i < 50; i++)
		passed += sendp(IP4(1, 1, 1, 1));
	CHECK_INT(passed, 50);
}

static void test_every_nth(void)
{
	int i, passed = 0, pattern_ok = 1;

	h_map_clear(m_nth);
	cfg(2, 11, 0, 2);	/* every other ping */
	for (i = 0; i < 10; i++) {
		int ok = sendp(IP4(1, 1, 1, 1));

		passed += ok;
		if (ok != (i % 2 == 0))
			pattern_ok = 0;
	}
	CHECK_INT(passed, 5);
	CHECK(pattern_ok, "1st, 3rd, 5th... pass");
	cfg(2, 12, 0, 3);
	passed = 0;
	for (i = 0; i < 9; i++)
		passed += sendp(IP4(1, 1, 1, 1));
	CHECK_INT(passed, 3);
}

int main(void)
{
	obj = h_open("ratelimit");
	prog = h_prog(obj, "rl_xdp");
	m_cfg = h_map(obj, "rl_cfg");
	m_rl = h_map(obj, "fwl_rl");
	m_nth = h_map(obj, "fwl_nth");
	RUN(test_bucket_burst_then_limit);
	RUN(test_per_source_buckets);
	RUN(test_high_rate_passes);
	RUN(test_every_nth);
	bpf_object__close(obj);
	return check_done();
}
