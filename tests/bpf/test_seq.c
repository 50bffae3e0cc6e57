/* SPDX-License-Identifier: MIT */
/*
 * tests/bpf/test_seq.c - bpf/lib/seq.h (FlowMatch) through
 * BPF_PROG_TEST_RUN: steps in order within the window match, in both
 * directions of a flow; late, out-of-order or other-flow steps do not;
 * a match lasts while its flow is alive (idle timeout), not its window.
 */
#include <linux/if_ether.h>
#include <linux/in.h>
#include <string.h>

#include "tests/lib/check.h"
#include "tests/bpf/harness.h"
#include "tests/bpf/pktgen.h"
#include "maps/seq.h"
#include "maps/config.h"

static struct bpf_object *obj;
static int prog, m_cfg, m_out, m_seq, m_config;

#define A IP4(10, 0, 0, 2)
#define B IP4(198, 51, 100, 7)

static void window(uint64_t ns)
{
	uint32_t z = 0;

	bpf_map_update_elem(m_cfg, &z, &ns, 0);
}

/* A UDP packet a:51820 -> b:51820 (or back) whose payload starts with
 * byte; returns the sequence result. */
static uint32_t send(int back, uint16_t aport, uint8_t byte, uint32_t *ret)
{
	struct h_run r;
	struct pk p;
	uint32_t z = 0, out = 99;

	pk_init(&p);
	pk_eth(&p, ETH_P_IP);
	pk_ip4(&p, back ? B : A, back ? A : B, IPPROTO_UDP);
	pk_udp(&p, back ? 51820 : aport, back ? aport : 51820);
	pk_u8(&p, byte);
	pk_zero(&p, 31);
	pk_finish(&p);
	bpf_map_update_elem(m_out, &z, &out, 0);
	h_xdp(prog, p.b, p.len, &r);
	CHECK_INT(r.err, 0);
	bpf_map_lookup_elem(m_out, &z, &out);
	if (ret)
		*ret = r.ret;
	return out;
}

static void test_two_steps_match(void)
{
	uint32_t ret;

	h_map_clear(m_seq);
	window(5000000000ULL);
	CHECK_INT(send(0, 40000, 1, &ret), FWL_SEQ_PARTIAL);
	CHECK_INT(ret, 2);
	CHECK_INT(send(1, 40000, 2, &ret), FWL_SEQ_MATCHED);	/* reply way */
	CHECK_INT(ret, 1);
	/* stays matched for the flow */
	CHECK_INT(send(0, 40000, 1, &ret), FWL_SEQ_MATCHED);
	/* another flow has its own state */
	CHECK_INT(send(1, 40001, 2, &ret), FWL_SEQ_NONE);
	CHECK_INT(ret, 2);
}

static void test_out_of_order_and_repeats(void)
{
	h_map_clear(m_seq);
	window(5000000000ULL);
	CHECK_INT(send(1, 40000, 2, NULL), FWL_SEQ_NONE);
	CHECK_INT(send(0, 40000, 0x12, NULL), FWL_SEQ_NONE);
	CHECK_INT(send(0, 40000, 0x11, NULL), FWL_SEQ_PARTIAL);
	CHECK_INT(send(0, 40000, 0x13, NULL), FWL_SEQ_PARTIAL);	/* skipped */
	CHECK_INT(send(1, 40000, 0x11, NULL), FWL_SEQ_PARTIAL);	/* restart */
	CHECK_INT(send(0, 40000, 0x12, NULL), FWL_SEQ_PARTIAL);
	CHECK_INT(send(0, 40000, 0x12, NULL), FWL_SEQ_PARTIAL);	/* repeat */
	CHECK_INT(send(1, 40000, 0x13, NULL), FWL_SEQ_MATCHED);
	/* patterns of one flow are independent */
	CHECK_INT(send(1, 40000, 2, NULL), FWL_SEQ_NONE);
}

static void test_window_expiry(void)
{
	struct fwl_seq_key k, n;
	struct fwl_seq_val v;
	int seen = 0;

	h_map_clear(m_seq);
	window(5000000000ULL);
	CHECK_INT(send(0, 40000, 1, NULL), FWL_SEQ_PARTIAL);
	/* the deadline passes */
	if (!bpf_map_get_next_key(m_seq, NULL, &k) &&
	    !bpf_map_lookup_elem(m_seq, &k, &v)) {
		CHECK_INT(v.step, 1);
		CHECK_INT(k.pattern, 7);
		v.deadline = 1;
		bpf_map_update_elem(m_seq, &k, &v, 0);
		seen = 1;
	}
	CHECK(seen, "state entry");
	(void)n;
	CHECK_INT(send(1, 40000, 2, NULL), FWL_SEQ_NONE);
	/* a new first step starts over */
	CHECK_INT(send(0, 40000, 1, NULL), FWL_SEQ_PARTIAL);
	CHECK_INT(send(1, 40000, 2, NULL), FWL_SEQ_MATCHED);
	CHECK(FWL_SEQ_MAX_STEPS == 255, "step width");
}

/* The data plane's clock (fwl_config.clock_ns, a virtual clock) and the
 * matched state's idle timeout (0: the default, 600 s). */
static void clock_at(uint64_t s, uint32_t idle_s)
{
	struct fwl_config c = {.layout_version = FWL_CONFIG_LAYOUT_VERSION,
			       .clock_ns = s * 1000000000ULL};
	uint32_t z = 0;

	c.ct_timeout[FWL_CT_TO_SEQ] = idle_s;
	CHECK_INT(bpf_map_update_elem(m_config, &z, &c, 0), 0);
}

/* A matched sequence outlives its window: it stays matched while the flow
 * is alive (each packet of it moves the deadline to now + the idle
 * timeout) and is forgotten after that timeout without one. */
static void test_matched_lifetime(void)
{
	h_map_clear(m_seq);
	window(5000000000ULL);
	clock_at(1000, 0);
	CHECK_INT(send(0, 40000, 1, NULL), FWL_SEQ_PARTIAL);
	clock_at(1002, 0);
	CHECK_INT(send(1, 40000, 2, NULL), FWL_SEQ_MATCHED);
	clock_at(1010, 0);	/* past the 5 s window: still matched */
	CHECK_INT(send(0, 40000, 1, NULL), FWL_SEQ_MATCHED);
	clock_at(1609, 0);	/* 599 s idle: still matched */
	CHECK_INT(send(0, 40000, 1, NULL), FWL_SEQ_MATCHED);
	clock_at(2210, 0);	/* 601 s idle: forgotten, a new attempt */
	CHECK_INT(send(0, 40000, 1, NULL), FWL_SEQ_PARTIAL);
	/* the idle timeout is fwl_config's */
	clock_at(2211, 30);
	CHECK_INT(send(1, 40000, 2, NULL), FWL_SEQ_MATCHED);
	clock_at(2240, 30);
	CHECK_INT(send(1, 40000, 2, NULL), FWL_SEQ_MATCHED);
	clock_at(2271, 30);
	CHECK_INT(send(1, 40000, 2, NULL), FWL_SEQ_NONE);
	/* no window (0): the steps may take the idle timeout */
	window(0);
	clock_at(3000, 30);
	CHECK_INT(send(0, 40001, 1, NULL), FWL_SEQ_PARTIAL);
	clock_at(3029, 30);
	CHECK_INT(send(1, 40001, 2, NULL), FWL_SEQ_MATCHED);
	clock_at(0, 0);		/* back to the real clock */
}

int main(void)
{
	obj = h_open("seq");
	prog = h_prog(obj, "seq_xdp");
	m_cfg = h_map(obj, "seq_cfg");
	m_out = h_map(obj, "seq_out");
	m_seq = h_map(obj, "fwl_seq");
	m_config = h_map(obj, "fwl_config");
	RUN(test_two_steps_match);
	RUN(test_out_of_order_and_repeats);
	RUN(test_window_expiry);
	RUN(test_matched_lifetime);
	bpf_object__close(obj);
	return check_done();
}
