/* SPDX-License-Identifier: MIT */
/*
 * tests/bpf/harness.h - run test BPF programs with BPF_PROG_TEST_RUN.
 *
 *	struct bpf_object *obj = h_open("parse");   // build/tests/bpf/parse.bpf.o
 *	int prog = h_prog(obj, "parse_xdp");
 *	struct h_run r = h_xdp(prog, pkt.b, pkt.len);  // r.ret, r.out, r.out_len
 *
 * Every failure to open, load or run prints a sentence naming the object,
 * program and errno and exits non-zero (a suite that cannot run fails).
 */
#ifndef FWL_TESTS_BPF_HARNESS_H
#define FWL_TESTS_BPF_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>

#define H_OUT_MAX 4096

struct h_run {
	int err;		/* 0 or -errno from bpf_prog_test_run_opts */
	uint32_t ret;		/* the program's return value */
	uint32_t out_len;	/* bytes of the (possibly rewritten) packet */
	uint32_t duration;	/* ns per repetition as the kernel measured */
	uint8_t out[H_OUT_MAX];
};

struct bpf_object *h_open(const char *name);
/* Open, let prep() adjust maps (sizes...) before load, then load. */
struct bpf_object *h_open_prep(const char *name,
			       void (*prep)(struct bpf_object *obj));
int h_prog(struct bpf_object *obj, const char *prog);
int h_map(struct bpf_object *obj, const char *map);
/* XDP run on ifindex 1 (lo) so ingress_ifindex is meaningful. */
void h_xdp(int prog, const void *pkt, size_t len, struct h_run *r);
void h_xdp_repeat(int prog, const void *pkt, size_t len, int repeat,
		  struct h_run *r);
void h_tc(int prog, const void *pkt, size_t len, struct h_run *r);
/* TC with a forwarded packet: the __sk_buff's ingress_ifindex is set. */
void h_tc_fwd(int prog, const void *pkt, size_t len, __u32 ingress_ifindex,
	      struct h_run *r);
/* Sum of a per-CPU value of `vsize` bytes made of __u64 fields. */
int h_percpu_sum(int map, const void *key, uint64_t *sum, size_t nfields);
int h_ncpus(void);
/* Empty every entry of a hash map / zero every entry of an array map. */
void h_map_clear(int map);

#endif
