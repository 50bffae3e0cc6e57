// SPDX-License-Identifier: MIT
/*
 * feed_bpf_test.c - the feed ABI end to end: fwld's side (loader/feed_*.c)
 * fills the BTF-defined maps of a BPF object, the data plane's side
 * (bpf/lib/feed.h, in tests/loader/progs/feed_probe.bpf.c) looks packets'
 * source addresses up under BPF_PROG_TEST_RUN.  Needs root.
 */
#include "loader/feed.h"
#include "loader/log.h"
#include "tests/lib/check.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

static struct bpf_object *obj;
static int prog, fd4, fd6, bss;

static void open_probe(void)
{
	obj = bpf_object__open_file(FEED_PROBE_OBJ, NULL);
	if (!obj || bpf_object__load(obj)) {
		printf("FAIL feed_probe_load: cannot load %s: %s (needs root "
		       "and BPF)\n", FEED_PROBE_OBJ, strerror(errno));
		exit(1);
	}
	prog = bpf_program__fd(bpf_object__find_program_by_name(obj,
								"feed_probe"));
	fd4 = bpf_map__fd(bpf_object__find_map_by_name(obj, "probe_feed_v4"));
	fd6 = bpf_map__fd(bpf_object__find_map_by_name(obj, "probe_feed_v6"));
	struct bpf_map *m;
	bss = -1;
	bpf_object__for_each_map(m, obj)
		if (strstr(bpf_map__name(m), ".bss"))
			bss = bpf_map__fd(m);
}

/* An Ethernet + IPv4/IPv6 header with source address src. */
static size_t make_packet(const char *src, uint8_t *pkt)
{
	bool v6 = strchr(src, ':') != NULL;
	size_t l3 = v6 ? 40 : 20;
	memset(pkt, 0, 14 + l3);
	memset(pkt, 0xaa, 6);
	pkt[12] = v6 ? 0x86 : 0x08;
	pkt[13] = v6 ? 0xdd : 0x00;
	if (v6) {
		pkt[14] = 0x60;
		inet_pton(AF_INET6, src, pkt + 14 + 8);
	} else {
		pkt[14] = 0x45;
		pkt[17] = 20;
		pkt[22] = 64;
		inet_pton(AF_INET, src, pkt + 14 + 12);
	}
	return 14 + l3;
}

/* Run the probe on a packet from src: the tag it found, or -1 on a miss. */
static long long probe(const char *src)
{
	uint8_t pkt[64], out[128];
	struct xdp_md md = { .ingress_ifindex = 1 };
	size_t len = make_packet(src, pkt);
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = len,
		    .data_out = out, .data_size_out = sizeof(out),
		    .ctx_in = &md, .ctx_size_in = sizeof(md), .repeat = 1);
	md.data_end = len;
	if (bpf_prog_test_run_opts(prog, &o)) {
		printf("  test run: %s\n", strerror(errno));
		return -2;
	}
	if (o.retval == XDP_PASS)
		return -1;
	if (o.retval != XDP_TX)
		return -3;
	uint32_t tag;
	memcpy(&tag, out, 4);
	return tag;
}

static int apply(const char *text, uint32_t tag, char *err)
{
	struct feed_set s;
	int r = feed_parse_buf("f", text, strlen(text), NULL, &s, err, 512);
	if (!r)
		r = feed_apply(fd4, fd6, &s, tag, NULL, NULL, NULL, err, 512);
	feed_set_free(&s);
	return r;
}

static void test_feed_bpf_lookups(void)
{
	char err[512] = "";
	CHECK_INT(apply("10.0.0.0/8\n10.1.0.0/16\n192.0.2.7\n2001:db8::/32\n"
			"2001:db8:1:2::/64\n", 0x11223344, err), 0);
	CHECK_STR(err, "");
	CHECK_INT(probe("10.200.3.4"), 0x11223344);
	CHECK_INT(probe("10.1.2.3"), 0x11223344);
	CHECK_INT(probe("192.0.2.7"), 0x11223344);
	CHECK_INT(probe("192.0.2.8"), -1);	/* the /32 is exact */
	CHECK_INT(probe("11.0.0.1"), -1);
	CHECK_INT(probe("2001:db8:ffff::1"), 0x11223344);
	CHECK_INT(probe("2001:db8:1:2::99"), 0x11223344);
	CHECK_INT(probe("2001:db9::1"), -1);
	CHECK_INT(probe("::ffff:10.0.0.1"), -1);	/* v6, not v4 */

	/* Swap to another set: old-only gone, new in, tag rewritten. */
	CHECK_INT(apply("10.1.0.0/16\n172.16.0.0/12\n2001:db8:1:2::/64\n",
			0x55, err), 0);
	CHECK_INT(probe("10.200.3.4"), -1);
	CHECK_INT(probe("10.1.2.3"), 0x55);
	CHECK_INT(probe("172.31.255.255"), 0x55);
	CHECK_INT(probe("2001:db8:ffff::1"), -1);
	CHECK_INT(probe("2001:db8:1:2::99"), 0x55);
}

/* The maps from the object (with BTF) pass feed_apply's layout checks and
 * read back as the set that was applied. */
static void test_feed_bpf_maps_read_back(void)
{
	char err[512];
	struct feed_set s;
	CHECK_INT(apply("198.51.100.0/24\n2001:db8:5::/48\n", 9, err), 0);
	CHECK_INT(feed_read_maps(fd4, fd6, &s, err, sizeof(err)), 0);
	char a[64], b[64];
	CHECK(s.n == 2 && s.n4 == 1, "n %zu n4 %zu", s.n, s.n4);
	if (s.n == 2) {
		CHECK_STR(feed_entry_str(&s.v[0], a, sizeof(a)),
			  "198.51.100.0/24");
		CHECK_STR(feed_entry_str(&s.v[1], b, sizeof(b)),
			  "2001:db8:5::/48");
	}
	feed_set_free(&s);
}

/* The data plane never misses a prefix of old ∩ new while fwld swaps:
 * one thread runs the program 2000 times per call on an address covered
 * by both sets while the other thread swaps 20 times; the program counts
 * its own lookups and hits. */
static atomic_int stop;

static void *runner(void *arg)
{
	uint8_t pkt[64];
	size_t len = make_packet((const char *)arg, pkt);
	struct xdp_md md = { .ingress_ifindex = 1, .data_end = len };
	while (!atomic_load(&stop)) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt,
			    .data_size_in = len, .ctx_in = &md,
			    .ctx_size_in = sizeof(md), .repeat = 2000);
		if (bpf_prog_test_run_opts(prog, &o))
			break;
	}
	return NULL;
}

static void test_feed_bpf_swap_never_misses(void)
{
	char err[512];
	uint64_t g[2] = { 0, 0 };	/* lookups, hits (.bss order) */
	uint32_t zero = 0;
	int fails = 0;
	pthread_t t;
	static char a[64 * 1024], b[64 * 1024];
	size_t la = 0, lb = 0;

	/* 10.77.0.0/16 is in both; 2000 other prefixes come and go. */
	la += snprintf(a + la, sizeof(a) - la, "10.77.0.0/16\n");
	lb += snprintf(b + lb, sizeof(b) - lb, "10.77.0.0/16\n");
	for (int i = 0; i < 1000; i++) {
		la += snprintf(a + la, sizeof(a) - la, "100.64.%d.%d\n",
			       i / 250, i % 250);
		lb += snprintf(b + lb, sizeof(b) - lb, "100.65.%d.%d\n",
			       i / 250, i % 250);
	}
	CHECK_INT(apply(a, 1, err), 0);
	CHECK(bss >= 0, "no .bss map");
	if (bss < 0)
		return;
	bpf_map_update_elem(bss, &zero, g, BPF_ANY);
	pthread_create(&t, NULL, runner, (void *)"10.77.1.2");
	for (int i = 0; i < 10; i++) {
		fails += apply(b, 2, err) != 0;
		fails += apply(a, 1, err) != 0;
	}
	atomic_store(&stop, 1);
	pthread_join(t, NULL);
	CHECK_INT(fails, 0);
	CHECK_INT(bpf_map_lookup_elem(bss, &zero, g), 0);
	CHECK(g[0] >= 2000, "only %llu lookups", (unsigned long long)g[0]);
	CHECK(g[0] == g[1], "%llu lookups but %llu hits: a miss during a swap",
	      (unsigned long long)g[0], (unsigned long long)g[1]);
	printf("  %llu lookups by the program during 20 swaps, %llu hits\n",
	       (unsigned long long)g[0], (unsigned long long)g[1]);
}

int main(void)
{
	log_max_level = LOG_LVL_ERR;
	open_probe();
	RUN(test_feed_bpf_lookups);
	RUN(test_feed_bpf_maps_read_back);
	RUN(test_feed_bpf_swap_never_misses);
	bpf_object__close(obj);
	return check_done();
}
