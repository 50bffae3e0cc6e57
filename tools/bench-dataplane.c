/* SPDX-License-Identifier: MIT */
/*
 * tools/bench-dataplane.c - ns/packet of the data-plane library.
 *
 * Times the programs of tests/bpf/progs/bench.bpf.c with BPF_PROG_TEST_RUN
 * repeat and prints each against the bare program of its hook measured in
 * the same run: parse only, conntrack hit (established TCP), conntrack
 * miss + insert (a new UDP flow per packet), DNAT and SNAT of an
 * established flow.  The NAT programs put the packet back after each run
 * (128 bytes); that cost is measured alone and shown too.  The cases are
 * timed round-robin, TRIALS rounds, so that load from other processes
 * hits every case alike; each figure is a median.  Use the ratios, not
 * the absolute numbers.
 *
 *	bench-dataplane [repeat]
 */
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/bpf/harness.h"
#include "tests/bpf/pktgen.h"
#include "maps/nat.h"

#define TRIALS 9

static struct bpf_object *obj;
static int repeat = 200000;

typedef void (*reset_fn)(void);

struct bcase {
	const char *name, *prog, *note;
	int tc, base;		/* base: index of the baseline case */
	const struct pk *p;
	uint32_t want;
	int rep;
	reset_fn reset;
	uint32_t d[TRIALS];
	double ns;
};

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* One timed run (ns per repetition); the verdict must be want. */
static uint32_t run1(const struct bcase *c)
{
	struct h_run *r = calloc(1, sizeof(*r));
	int fd = h_prog(obj, c->prog);
	uint32_t d;

	if (!r)
		exit(1);
	if (c->reset)
		c->reset();
	if (c->tc) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = c->p->b,
			    .data_size_in = (uint32_t)c->p->len,
			    .repeat = c->rep);
		if (bpf_prog_test_run_opts(fd, &o)) {
			perror(c->prog);
			exit(1);
		}
		r->ret = o.retval;
		r->duration = o.duration;
	} else {
		h_xdp_repeat(fd, c->p->b, c->p->len, c->rep, r);
		if (r->err) {
			fprintf(stderr, "%s: test run failed: %d\n", c->prog,
				r->err);
			exit(1);
		}
	}
	if (r->ret != c->want) {
		fprintf(stderr, "%s: verdict %u, expected %u\n", c->prog,
			r->ret, c->want);
		exit(1);
	}
	d = r->duration;
	free(r);
	return d;
}

static void measure_all(struct bcase *c, int n)
{
	int t, i;

	for (t = 0; t < TRIALS; t++)
		for (i = 0; i < n; i++)
			c[i].d[t] = run1(&c[i]);
	for (i = 0; i < n; i++) {
		qsort(c[i].d, TRIALS, sizeof(c[i].d[0]), cmp_u32);
		c[i].ns = c[i].d[TRIALS / 2];
	}
}

static void once(const char *prog, int tc, const struct pk *p, uint32_t want)
{
	struct h_run *r = calloc(1, sizeof(*r));

	if (!r)
		exit(1);
	if (tc)
		h_tc(h_prog(obj, prog), p->b, p->len, r);
	else
		h_xdp(h_prog(obj, prog), p->b, p->len, r);
	if (r->err || r->ret != want) {
		fprintf(stderr, "seeding %s: err %d verdict %u, expected %u\n",
			prog, r->err, r->ret, want);
		exit(1);
	}
	free(r);
}

static void tcp(struct pk *p, uint32_t s, uint16_t sp, uint32_t d,
		uint16_t dp, uint8_t fl, uint32_t seq, uint32_t ack,
		size_t plen)
{
	pk_init(p);
	pk_eth(p, ETH_P_IP);
	pk_ip4(p, s, d, IPPROTO_TCP);
	pk_tcp(p, sp, dp, seq, ack, fl, 65535);
	pk_zero(p, plen);
	pk_finish(p);
}

static void clear_new(void)
{
	uint32_t z = 0, zero[512] = { 0 };

	h_map_clear(h_map(obj, "fwl_ct_new"));
	bpf_map_update_elem(h_map(obj, "bench_ctr"), &z, zero, 0);
}

static void set_target(uint32_t idx, uint32_t ip, uint16_t port)
{
	struct fwl_nat_target t;

	memset(&t, 0, sizeof(t));
	t.addr[0] = htonl(ip);
	t.port = port;
	bpf_map_update_elem(h_map(obj, "bench_nat"), &idx, &t, 0);
}

int main(int argc, char **argv)
{
	static struct pk hitp, missp, dnatp, snatp, p;
	struct bcase c[9];
	int i, n = 0, mrep;

	if (argc > 1)
		repeat = atoi(argv[1]);
	if (repeat < 1000)
		repeat = 1000;
	mrep = repeat > 50000 ? 50000 : repeat;
	obj = h_open("bench");
	set_target(0, IP4(10, 0, 0, 80), 8080);		/* DNAT V:80 -> B */
	set_target(1, IP4(203, 0, 113, 1), 0);		/* SNAT to E */

	/* an established TCP flow; 200-byte data segments */
	tcp(&p, IP4(10, 1, 0, 1), 40000, IP4(10, 2, 0, 1), 443, 0x02, 1, 0, 0);
	once("xdp_ct", 0, &p, 2);
	tcp(&p, IP4(10, 2, 0, 1), 443, IP4(10, 1, 0, 1), 40000, 0x12, 9, 2, 0);
	once("xdp_ct", 0, &p, 2);
	tcp(&hitp, IP4(10, 1, 0, 1), 40000, IP4(10, 2, 0, 1), 443, 0x18, 2,
	    10, 146);
	once("xdp_ct", 0, &hitp, 2);

	/* new UDP flows: the program sets a new source port each run */
	pk_init(&missp);
	pk_eth(&missp, ETH_P_IP);
	pk_ip4(&missp, IP4(10, 3, 0, 1), IP4(10, 4, 0, 1), IPPROTO_UDP);
	pk_udp(&missp, 1, 53);
	pk_zero(&missp, 158);
	pk_finish(&missp);

	/* DNAT: handshake through the ingress, then data C -> V */
	tcp(&p, IP4(198, 51, 100, 9), 40000, IP4(203, 0, 113, 1), 80, 0x02,
	    1, 0, 0);
	once("xdp_ingress_seed", 0, &p, 2);
	tcp(&p, IP4(10, 0, 0, 80), 8080, IP4(198, 51, 100, 9), 40000, 0x12,
	    9, 2, 0);
	once("xdp_ingress_seed", 0, &p, 2);
	tcp(&dnatp, IP4(198, 51, 100, 9), 40000, IP4(203, 0, 113, 1), 80,
	    0x18, 2, 10, 146);
	once("xdp_ingress_seed", 0, &dnatp, 2);

	/* SNAT: I:5000 -> R:443 leaves as E:5000 */
	tcp(&p, IP4(10, 0, 0, 20), 5000, IP4(192, 0, 2, 50), 443, 0x02, 1, 0,
	    0);
	once("tc_snat", 1, &p, 0);
	tcp(&p, IP4(192, 0, 2, 50), 443, IP4(203, 0, 113, 1), 5000, 0x12, 9,
	    2, 0);
	once("xdp_ingress_seed", 0, &p, 2);
	tcp(&snatp, IP4(10, 0, 0, 20), 5000, IP4(192, 0, 2, 50), 443, 0x18, 2,
	    10, 146);
	once("tc_snat", 1, &snatp, 0);

#define CASE(nm, pg, nt, tc_, base_, pk_, want_, rep_, reset_)		\
	c[n++] = (struct bcase){ .name = nm, .prog = pg, .note = nt,	\
				 .tc = tc_, .base = base_, .p = pk_,	\
				 .want = want_, .rep = rep_,		\
				 .reset = reset_ }
	CASE("XDP bare XDP_PASS", "xdp_pass", "baseline", 0, 0, &hitp, 2,
	     repeat, NULL);
	CASE("XDP parse only", "xdp_parse", "", 0, 0, &hitp, 2, repeat, NULL);
	CASE("XDP conntrack hit (TCP est.)", "xdp_ct", "parse + track", 0, 0,
	     &hitp, 2, repeat, NULL);
	/* below fwl_ct_new's size: no eviction in this figure */
	CASE("XDP conntrack miss + insert (UDP)", "xdp_ct_miss",
	     "parse + track + confirm, a new flow each run", 0, 0, &missp, 2,
	     mrep, clear_new);
	CASE("XDP packet restore only", "xdp_restore", "baseline of DNAT", 0,
	     0, &dnatp, 2, repeat, NULL);
	CASE("XDP DNAT est. flow", "xdp_dnat",
	     "parse + rev NAT + track + DNAT + restore", 0, 0, &dnatp, 2,
	     repeat, NULL);
	CASE("TC bare TC_ACT_OK", "tc_pass", "baseline", 1, 6, &snatp, 0,
	     repeat, NULL);
	CASE("TC packet restore only", "tc_restore", "baseline of SNAT", 1, 6,
	     &snatp, 0, repeat, NULL);
	CASE("TC SNAT est. flow", "tc_snat", "parse + track + SNAT + restore",
	     1, 6, &snatp, 0, repeat, NULL);
	measure_all(c, n);

	printf("data plane: ns/packet, BPF_PROG_TEST_RUN repeat %d, median of "
	       "%d interleaved rounds, %zu-byte frames\n", repeat, TRIALS,
	       hitp.len);
	printf("  %-34s %8s %9s %9s\n", "program", "ns/pkt", "ratio",
	       "added ns");
	for (i = 0; i < n; i++)
		printf("  %-34s %8.1f %8.2fx %+9.1f  %s\n", c[i].name, c[i].ns,
		       c[i].ns / c[c[i].base].ns, c[i].ns - c[c[i].base].ns,
		       c[i].note);
	printf("conntrack hit adds %.1f ns over parse only, %.1f ns over "
	       "bare XDP_PASS\n", c[2].ns - c[1].ns, c[2].ns - c[0].ns);
	printf("DNAT adds %.1f ns over restore only; SNAT adds %.1f ns over "
	       "restore only\n", c[5].ns - c[4].ns, c[8].ns - c[7].ns);
	bpf_object__close(obj);
	return 0;
}
