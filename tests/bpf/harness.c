/* SPDX-License-Identifier: MIT */
/* tests/bpf/harness.c - see harness.h. */
#include "tests/bpf/harness.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef TEST_BPF_DIR
#error "TEST_BPF_DIR must name the directory of the test BPF objects"
#endif

static int h_libbpf_print(enum libbpf_print_level lvl, const char *fmt,
			  va_list ap)
{
	if (lvl == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/*
 * Verifier statistics: each program is loaded with BPF_LOG_STATS and the
 * kernel's summary is printed as
 *   VERIFIER obj/prog: processed N insns ... stack depth A+B
 * so every suite run reports instruction counts and stack use.
 */
#define H_LOG_SZ 65536
static char *h_logs[16];

static void h_stats_begin(struct bpf_object *obj)
{
	struct bpf_program *p;
	int i = 0;

	bpf_object__for_each_program(p, obj) {
		if (i >= 16)
			break;
		h_logs[i] = calloc(1, H_LOG_SZ);
		if (!h_logs[i])
			break;
		bpf_program__set_log_buf(p, h_logs[i], H_LOG_SZ);
		bpf_program__set_log_level(p, 4);	/* BPF_LOG_STATS */
		i++;
	}
}

static void h_stats_end(struct bpf_object *obj, const char *name, int failed)
{
	struct bpf_program *p;
	int i = 0;

	bpf_object__for_each_program(p, obj) {
		char *l, *nl;

		if (i >= 16 || !h_logs[i])
			break;
		for (l = h_logs[i]; l && *l; l = nl ? nl + 1 : NULL) {
			nl = strchr(l, '\n');
			if (nl)
				*nl = 0;
			if (failed || strstr(l, "processed") ||
			    strstr(l, "stack depth"))
				fprintf(stderr, "VERIFIER %s/%s: %s\n", name,
					bpf_program__name(p), l);
		}
		fprintf(stderr, "VERIFIER %s/%s: %zu BPF instructions\n", name,
			bpf_program__name(p), bpf_program__insn_cnt(p));
		free(h_logs[i]);
		h_logs[i] = NULL;
		i++;
	}
}

struct bpf_object *h_open(const char *name)
{
	return h_open_prep(name, NULL);
}

struct bpf_object *h_open_prep(const char *name,
			       void (*prep)(struct bpf_object *obj))
{
	char path[512];
	struct bpf_object *obj;
	int err;

	libbpf_set_print(h_libbpf_print);
	snprintf(path, sizeof(path), "%s/%s.bpf.o", TEST_BPF_DIR, name);
	obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		printf("FAIL open_%s: cannot open BPF object %s: %s\n", name,
		       path, strerror(errno));
		exit(1);
	}
	if (prep)
		prep(obj);
	h_stats_begin(obj);
	err = bpf_object__load(obj);
	h_stats_end(obj, name, err != 0);
	if (err && getenv("FWL_VERIFIER_LOG")) {
		/* the full trace of the first failing program, tail only */
		struct bpf_object *o2 = bpf_object__open_file(path, NULL);
		struct bpf_program *p;
		size_t sz = 64 << 20;
		char *log = malloc(sz);

		if (o2 && log) {
			if (prep)
				prep(o2);
			bpf_object__for_each_program(p, o2) {
				bpf_program__set_log_buf(p, log, sz);
				bpf_program__set_log_level(p, 1);
			}
			log[0] = 0;
			bpf_object__load(o2);
			fprintf(stderr, "%s\n", strlen(log) > 6000 ?
				log + strlen(log) - 6000 : log);
		}
		free(log);
		bpf_object__close(o2);
	}
	if (err) {
		printf("FAIL load_%s: the kernel refused %s: %s (%d)\n", name,
		       path, strerror(-err), err);
		exit(1);
	}
	return obj;
}

int h_prog(struct bpf_object *obj, const char *name)
{
	struct bpf_program *p = bpf_object__find_program_by_name(obj, name);

	if (!p) {
		printf("FAIL prog_%s: no program '%s' in object '%s'\n", name,
		       name, bpf_object__name(obj));
		exit(1);
	}
	return bpf_program__fd(p);
}

int h_map(struct bpf_object *obj, const char *name)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, name);

	if (!m) {
		printf("FAIL map_%s: no map '%s' in object '%s'\n", name, name,
		       bpf_object__name(obj));
		exit(1);
	}
	return bpf_map__fd(m);
}

static void h_run_(int prog, const void *pkt, size_t len, int repeat,
		   const void *ctx, size_t ctx_len, struct h_run *r)
{
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.data_in = pkt,
		.data_size_in = (uint32_t)len,
		.data_out = r->out,
		.data_size_out = sizeof(r->out),
		.ctx_in = ctx,
		.ctx_size_in = (uint32_t)ctx_len,
		.repeat = repeat,
	);
	int err;

	memset(r->out, 0, sizeof(r->out));
	err = bpf_prog_test_run_opts(prog, &o);
	r->err = err ? -errno : 0;
	r->ret = o.retval;
	r->out_len = o.data_size_out;
	r->duration = o.duration;
}

void h_xdp_repeat(int prog, const void *pkt, size_t len, int repeat,
		  struct h_run *r)
{
	/* With a ctx, the kernel takes the frame length from data_end. */
	struct xdp_md md = { .data_end = (uint32_t)len, .ingress_ifindex = 1 };

	h_run_(prog, pkt, len, repeat, &md, sizeof(md), r);
}

void h_xdp(int prog, const void *pkt, size_t len, struct h_run *r)
{
	h_xdp_repeat(prog, pkt, len, 1, r);
}

void h_tc(int prog, const void *pkt, size_t len, struct h_run *r)
{
	h_run_(prog, pkt, len, 1, NULL, 0, r);
}

void h_tc_fwd(int prog, const void *pkt, size_t len, __u32 ingress_ifindex,
	      struct h_run *r)
{
	struct __sk_buff skb = { .ingress_ifindex = ingress_ifindex };

	h_run_(prog, pkt, len, 1, &skb, sizeof(skb), r);
}

int h_ncpus(void)
{
	int n = libbpf_num_possible_cpus();

	if (n <= 0) {
		printf("FAIL ncpus: libbpf_num_possible_cpus: %d\n", n);
		exit(1);
	}
	return n;
}

int h_percpu_sum(int map, const void *key, uint64_t *sum, size_t nfields)
{
	int n = h_ncpus();
	uint64_t *v = calloc((size_t)n * nfields, sizeof(*v));
	int err, c;
	size_t f;

	if (!v)
		return -ENOMEM;
	memset(sum, 0, nfields * sizeof(*sum));
	err = bpf_map_lookup_elem(map, key, v);
	if (!err)
		for (c = 0; c < n; c++)
			for (f = 0; f < nfields; f++)
				sum[f] += v[(size_t)c * nfields + f];
	free(v);
	return err ? -errno : 0;
}

void h_map_clear(int map)
{
	struct bpf_map_info info = { 0 };
	uint32_t ilen = sizeof(info);
	char key[256];
	void *zero;
	uint32_t i;

	if (bpf_obj_get_info_by_fd(map, &info, &ilen)) {
		printf("FAIL map_clear: bpf_obj_get_info_by_fd: %s\n",
		       strerror(errno));
		exit(1);
	}
	if (info.type == BPF_MAP_TYPE_ARRAY ||
	    info.type == BPF_MAP_TYPE_PERCPU_ARRAY) {
		zero = calloc((size_t)h_ncpus(), info.value_size + 8);
		for (i = 0; zero && i < info.max_entries; i++)
			bpf_map_update_elem(map, &i, zero, 0);
		free(zero);
		return;
	}
	while (bpf_map_get_next_key(map, NULL, key) == 0) {
		if (bpf_map_delete_elem(map, key))
			break;
	}
}
