/* SPDX-License-Identifier: MIT */
/*
 * tests/bpf/test_log.c - bpf/lib/log.h through BPF_PROG_TEST_RUN: the
 * record's fields, the per-rule limit under a flood and the suppressed
 * count carried by the next record.
 */
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <string.h>

#include "tests/lib/check.h"
#include "tests/bpf/harness.h"
#include "tests/bpf/pktgen.h"
#include "maps/events.h"
#include "maps/ratelimit.h"
#include "maps/counters.h"

static struct bpf_object *obj;
static int prog, m_cfg, m_rl;
static struct ring_buffer *rb;
static struct fwl_event got[64];
static int ngot;

static int on_event(void *c, void *data, size_t sz)
{
	(void)c;
	if (sz == sizeof(struct fwl_event) && ngot < 64)
		memcpy(&got[ngot++], data, sz);
	return 0;
}

static void cfg(uint32_t rule, uint32_t rate, uint32_t burst)
{
	uint32_t k, v[3] = { rule, rate, burst };

	for (k = 0; k < 3; k++)
		bpf_map_update_elem(m_cfg, &k, &v[k], 0);
}

static void send_tcp(uint16_t dport)
{
	struct h_run r;
	struct pk p;

	pk_init(&p);
	pk_eth(&p, ETH_P_IP);
	pk_ip4(&p, IP4(10, 1, 2, 3), IP4(10, 0, 0, 1), IPPROTO_TCP);
	pk_tcp(&p, 1234, dport, 1, 0, 0x02, 100);
	pk_finish(&p);
	h_xdp(prog, p.b, p.len, &r);
	CHECK_INT(r.err, 0);
}

static void drain(void)
{
	ngot = 0;
	ring_buffer__consume(rb);
}

static void test_record_fields(void)
{
	h_map_clear(m_rl);
	cfg(77, 0, 0);
	drain();
	send_tcp(22);
	drain();
	CHECK_INT(ngot, 1);
	CHECK_INT(got[0].version, FWL_EVENTS_LAYOUT_VERSION);
	CHECK_INT(got[0].size, sizeof(struct fwl_event));
	CHECK_INT(got[0].rule_id, 77);
	CHECK_INT(got[0].prefix_id, 3);
	CHECK_INT(got[0].level, FWL_LOG_WARN);
	CHECK_INT(got[0].reason, FWL_DROP_POLICY);
	CHECK_INT(got[0].l3, ETH_P_IP);
	CHECK_INT(got[0].l4, IPPROTO_TCP);
	CHECK_INT(got[0].saddr[0], htonl(IP4(10, 1, 2, 3)));
	CHECK_INT(got[0].dport, 22);
	CHECK_INT(got[0].tcp_flags, 0x02);
	CHECK_INT(got[0].ttl, 64);		/* layout version 2 */
	CHECK_INT(got[0].tos, 0);
	CHECK_INT(got[0].vlan_depth, 0);
	CHECK_INT(got[0].ifindex, 1);
	CHECK_INT(got[0].suppressed, 0);
}

static void test_flood_is_limited(void)
{
	struct fwl_rl_key k = { .rule = 78, .kind = FWL_RL_KIND_LOG };
	struct fwl_rl_val v;
	int i;

	h_map_clear(m_rl);
	cfg(78, 0, 0);	/* defaults: 10/s, burst 20 */
	drain();
	for (i = 0; i < 1000; i++)
		send_tcp(80);
	drain();
	CHECK(ngot >= 20 && ngot <= 22, "%d records for 1000 packets", ngot);
	/* a second later the next record tells what was suppressed */
	CHECK(bpf_map_lookup_elem(m_rl, &k, &v) == 0, "limiter state");
	v.tat -= 1000000000ULL;
	bpf_map_update_elem(m_rl, &k, &v, 0);
	send_tcp(80);
	drain();
	CHECK_INT(ngot, 1);
	CHECK(got[0].suppressed >= 978 && got[0].suppressed <= 980,
	      "suppressed %u", got[0].suppressed);
	/* another rule is not affected by this one's flood */
	cfg(79, 1, 1);
	send_tcp(80);
	send_tcp(80);
	drain();
	CHECK_INT(ngot, 1);
	CHECK_INT(got[0].rule_id, 79);
}

int main(void)
{
	obj = h_open("log");
	prog = h_prog(obj, "log_xdp");
	m_cfg = h_map(obj, "log_cfg");
	m_rl = h_map(obj, "fwl_rl");
	rb = ring_buffer__new(h_map(obj, "fwl_events"), on_event, NULL, NULL);
	if (!rb) {
		printf("FAIL ringbuf: ring_buffer__new failed\n");
		return 1;
	}
	RUN(test_record_fields);
	RUN(test_flood_is_limited);
	ring_buffer__free(rb);
	bpf_object__close(obj);
	return check_done();
}
