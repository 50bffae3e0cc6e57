/* SPDX-License-Identifier: MIT */
/*
 * tests/backend/bundle_run.c - run packets through a bundle's XDP program
 * (or, with --egress, its TC egress program, as packets the host sends)
 * with BPF_PROG_TEST_RUN: load policy.bpf.o, fill its POLICY maps from
 * maps.bin as fwld does, then one packet per input line:
 *
 *	tcp|udp SRC DST SPORT DPORT      IPv4 (dotted) or IPv6 addresses
 *	icmp    SRC DST TYPE CODE        (ICMPv6 between IPv6 addresses)
 *
 * optionally followed by "ttl=N" (the IPv4 TTL or IPv6 hop limit, else 64)
 *
 * and print one line per packet, "PASS|DROP|... rule=0xID" (the verdict
 * and the rule id of the arm that decided, 0 for none), then the per-rule
 * counters, "count 0xID PACKETS", sorted by id.  Two builds of one policy
 * (tables and code) must print the same; tests/backend/tables.sh checks it.
 *
 *	bundle-run [--egress] BUNDLE_DIR < packets
 */
#include <arpa/inet.h>
#include <bpf/btf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader/bundle.h"
#include "loader/mapdata.h"
#include "tests/bpf/harness.h"
#include "tests/bpf/pktgen.h"

static void die(const char *what, const char *why)
{
	fprintf(stderr, "bundle-run: %s: %s\n", what, why);
	exit(1);
}

/* Offset of struct fwl_md's rule_id, from the object's BTF. */
static int rule_id_offset(struct bpf_object *obj)
{
	struct btf *btf = bpf_object__btf(obj);
	int id = btf ? btf__find_by_name_kind(btf, "fwl_md", BTF_KIND_STRUCT)
		     : -1;
	if (id < 0)
		die("fwl_md", "the object's BTF has no struct fwl_md");
	const struct btf_type *t = btf__type_by_id(btf, id);
	const struct btf_member *m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++, m++)
		if (!strcmp(btf__name_by_offset(btf, m->name_off), "rule_id"))
			return (int)(btf_member_bit_offset(t, i) / 8);
	die("fwl_md", "has no member rule_id");
	return -1;
}

static int cmp_id(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* The per-rule counters: "count 0xID PACKETS", by id. */
static void print_counters(struct bpf_object *obj)
{
	int fd = h_map(obj, "fwl_rule_cnt"), ncpu = h_ncpus(), n = 0;
	uint32_t key, next, *ids = NULL;
	void *prev = NULL;
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		ids = realloc(ids, (n + 1) * sizeof(*ids));
		if (!ids)
			die("counters", "out of memory");
		ids[n++] = key = next;
		prev = &key;
	}
	qsort(ids, n, sizeof(*ids), cmp_id);
	for (int i = 0; i < n; i++) {
		uint64_t v[2 * 512] = { 0 }, packets = 0;
		if (ncpu > 512 || bpf_map_lookup_elem(fd, &ids[i], v))
			die("fwl_rule_cnt", "lookup failed");
		for (int c = 0; c < ncpu; c++)
			packets += v[2 * c];	/* struct fwl_count: packets, bytes */
		printf("count 0x%08x %llu\n", ids[i], (unsigned long long)packets);
	}
	free(ids);
}

int main(int argc, char **argv)
{
	char err[512], line[256], proto[8], src[64], dst[64], path[4096];
	unsigned a, b;
	struct bundle bun;
	cpu_set_t cpus;

	int egress = argc == 3 && !strcmp(argv[1], "--egress");
	if (argc != 2 + egress) {
		fprintf(stderr, "usage: bundle-run [--egress] BUNDLE_DIR < "
			"packets\n");
		return 2;
	}
	const char *dir = argv[1 + egress];
	/* The decision is read back from CPU 0's fwl_md. */
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus))
		die("sched_setaffinity", "cannot run on CPU 0");
	if (bundle_load(dir, &bun, err, sizeof(err)))
		die(dir, err);
	snprintf(path, sizeof(path), "%s", bun.object);
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	if (!obj || bpf_object__load(obj))
		die(path, "cannot open or load (see the verifier log above)");
	if (mapdata_fill(&bun, obj, err, sizeof(err)))
		die("maps.bin", err);
	int prog = h_prog(obj, egress ? "fwl_egress" : "fwl_ingress");
	int md = h_map(obj, "fwl_md_map");
	int off = rule_id_offset(obj), ncpu = h_ncpus();
	size_t vsz = (bpf_map__value_size(bpf_object__find_map_by_name(
			      obj, "fwl_md_map")) + 7) & ~7u;
	unsigned char *vals = calloc(ncpu, vsz);
	if (!vals)
		die("fwl_md", "out of memory");

	while (fgets(line, sizeof(line), stdin)) {
		struct in_addr s4, d4;
		uint8_t s6[16], d6[16];
		struct pk p;
		struct h_run *r = calloc(1, sizeof(*r));
		if (!r)
			die("run", "out of memory");
		int six = strchr(line, ':') != NULL;
		unsigned ttl = 64;
		int nf = sscanf(line, "%7s %63s %63s %u %u ttl=%u", proto, src,
				dst, &a, &b, &ttl);
		if (nf < 5 || ttl > 255 ||
		    (six ? inet_pton(AF_INET6, src, s6) != 1 ||
			   inet_pton(AF_INET6, dst, d6) != 1
			 : !inet_aton(src, &s4) || !inet_aton(dst, &d4)))
			die("input", line);
		pk_init(&p);
		pk_eth(&p, six ? ETH_P_IPV6 : ETH_P_IP);
		int l4 = !strcmp(proto, "tcp") ? IPPROTO_TCP
			 : !strcmp(proto, "udp") ? IPPROTO_UDP
			 : six ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
		if (six)
			pk_ip6(&p, s6, d6, l4);
		else
			pk_ip4(&p, ntohl(s4.s_addr), ntohl(d4.s_addr), l4);
		p.b[p.l3 + (six ? 7 : 8)] = (uint8_t)ttl;
		if (l4 == IPPROTO_TCP)
			pk_tcp(&p, a, b, 1, 0, 0x02, 65535);
		else if (l4 == IPPROTO_UDP)
			pk_udp(&p, a, b);
		else
			pk_icmp(&p, a, b, 1, 1);
		pk_finish(&p);
		if (egress)	/* no ingress ifindex: the host's own */
			h_tc(prog, p.b, p.len, r);
		else
			h_xdp(prog, p.b, p.len, r);
		if (r->err)
			die("BPF_PROG_TEST_RUN", strerror(-r->err));
		uint32_t k = 0, id = 0;
		if (bpf_map_lookup_elem(md, &k, vals))
			die("fwl_md_map", "lookup failed");
		memcpy(&id, vals + off, 4);	/* CPU 0's */
		if (egress)	/* TC_ACT_OK, TC_ACT_SHOT */
			printf("%s rule=0x%08x\n", r->ret == 0 ? "PASS"
			       : r->ret == 2 ? "DROP" : "OTHER", id);
		else
			printf("%s rule=0x%08x\n", r->ret == 1 ? "DROP"
			       : r->ret == 2 ? "PASS" : r->ret == 3 ? "TX"
			       : "OTHER", id);
		free(r);
	}
	print_counters(obj);
	free(vals);
	bpf_object__close(obj);
	bundle_free(&bun);
	return 0;
}
