/* SPDX-License-Identifier: MIT */
/*
 * tools/bench-policy.c - ns/packet of compiled policies (fwlc bundles)
 * against a bare XDP_PASS program, in the same run.
 *
 *	bench-policy REPEAT NAME=BUNDLE_DIR... < packets
 *
 * Each bundle's fwl_ingress is loaded with its maps.bin, as fwld does.
 * Packet lines: "LABEL tcp|udp SRC DST SPORT DPORT" or "LABEL icmp SRC
 * DST TYPE CODE".  Every (program, packet) pair is timed with
 * BPF_PROG_TEST_RUN repeat REPEAT, round-robin over TRIALS rounds so that
 * load from other processes hits every case alike; the figure is the
 * median, printed beside the bare program's on the same packet.  Use the
 * ratios, not the absolute numbers.
 */
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader/bundle.h"
#include "loader/mapdata.h"
#include "tests/bpf/harness.h"
#include "tests/bpf/pktgen.h"

#define TRIALS 9
#define MAX_PROGS 8
#define MAX_PKTS 16

struct prog {
	char name[64];
	int fd;
	unsigned long long sets_kib;	/* the set maps' memlock */
};

/* The kernel's memlock figure of a map (/proc/self/fdinfo). */
static unsigned long long memlock(int fd)
{
	char path[64], line[128];
	unsigned long long v = 0;
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

struct packet {
	char label[32];
	struct pk p;
};

static void die(const char *what, const char *why)
{
	fprintf(stderr, "bench-policy: %s: %s\n", what, why);
	exit(1);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* Load NAME=DIR: the bundle's object, its POLICY maps filled. */
static void load_bundle(const char *arg, struct prog *pr)
{
	char err[512];
	struct bundle b;
	const char *eq = strchr(arg, '=');
	if (!eq)
		die(arg, "expected NAME=BUNDLE_DIR");
	snprintf(pr->name, sizeof(pr->name), "%.*s", (int)(eq - arg), arg);
	if (bundle_load(eq + 1, &b, err, sizeof(err)))
		die(eq + 1, err);
	struct bpf_object *obj = bpf_object__open_file(b.object, NULL);
	if (!obj || bpf_object__load(obj))
		die(b.object, "cannot open or load");
	if (mapdata_fill(&b, obj, err, sizeof(err)))
		die("maps.bin", err);
	pr->fd = h_prog(obj, "fwl_ingress");
	static const char *const sets[] = { "fwl_dir4", "fwl_dir4_leaf",
					    "fwl_cidr4", "fwl_cidr6" };
	pr->sets_kib = 0;
	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(obj, sets[i]);
		if (m)
			pr->sets_kib += memlock(bpf_map__fd(m)) / 1024;
	}
	bundle_free(&b);	/* the object stays loaded until exit */
}

static int read_packets(struct packet *pk)
{
	char line[256], proto[8], src[64], dst[64];
	unsigned a, b;
	int n = 0;
	while (n < MAX_PKTS && fgets(line, sizeof(line), stdin)) {
		struct in_addr s4, d4;
		struct packet *x = &pk[n];
		if (sscanf(line, "%31s %7s %63s %63s %u %u", x->label, proto,
			   src, dst, &a, &b) != 6 || !inet_aton(src, &s4) ||
		    !inet_aton(dst, &d4))
			die("input", line);
		int l4 = !strcmp(proto, "tcp") ? IPPROTO_TCP
			 : !strcmp(proto, "udp") ? IPPROTO_UDP : IPPROTO_ICMP;
		pk_init(&x->p);
		pk_eth(&x->p, ETH_P_IP);
		pk_ip4(&x->p, ntohl(s4.s_addr), ntohl(d4.s_addr), l4);
		if (l4 == IPPROTO_TCP)
			pk_tcp(&x->p, a, b, 1, 0, 0x02, 65535);
		else if (l4 == IPPROTO_UDP)
			pk_udp(&x->p, a, b);
		else
			pk_icmp(&x->p, a, b, 1, 1);
		pk_finish(&x->p);
		n++;
	}
	return n;
}

int main(int argc, char **argv)
{
	static struct packet pk[MAX_PKTS];
	static uint32_t d[MAX_PROGS + 1][MAX_PKTS][TRIALS];
	struct prog pr[MAX_PROGS + 1];
	int np = 0, repeat = argc > 1 ? atoi(argv[1]) : 0;

	if (argc < 3 || repeat <= 0 || argc - 2 > MAX_PROGS) {
		fprintf(stderr, "usage: bench-policy REPEAT NAME=BUNDLE_DIR... "
			"< packets\n");
		return 2;
	}
	/* The baseline: a program that only returns XDP_PASS. */
	snprintf(pr[0].name, sizeof(pr[0].name), "bare XDP_PASS");
	pr[0].fd = h_prog(h_open("bench"), "xdp_pass");
	for (int i = 2; i < argc; i++)
		load_bundle(argv[i], &pr[++np]);
	int nk = read_packets(pk);
	if (!nk)
		die("input", "no packets");
	struct h_run *r = calloc(1, sizeof(*r));
	if (!r)
		die("run", "out of memory");
	for (int t = 0; t < TRIALS; t++)
		for (int i = 0; i <= np; i++)
			for (int k = 0; k < nk; k++) {
				h_xdp_repeat(pr[i].fd, pk[k].p.b, pk[k].p.len,
					     repeat, r);
				if (r->err)
					die(pr[i].name, strerror(-r->err));
				d[i][k][t] = r->duration;
			}
	free(r);
	printf("%-20s %-14s %10s %10s %8s %10s\n", "program", "packet",
	       "ns/pkt", "bare ns", "x bare", "sets KiB");
	for (int i = 1; i <= np; i++)
		for (int k = 0; k < nk; k++) {
			qsort(d[i][k], TRIALS, sizeof(uint32_t), cmp_u32);
			qsort(d[0][k], TRIALS, sizeof(uint32_t), cmp_u32);
			double ns = d[i][k][TRIALS / 2];
			double bare = d[0][k][TRIALS / 2];
			printf("%-20s %-14s %10.1f %10.1f %8.2f %10llu\n",
			       pr[i].name, pk[k].label, ns, bare,
			       bare > 0 ? ns / bare : 0, pr[i].sets_kib);
		}
	return 0;
}
