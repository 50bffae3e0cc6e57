// SPDX-License-Identifier: MIT
/*
 * cmd_build.c - `fwlc build POLICY -o DIR`: the whole pipeline.
 *
 *	read → parse → lower (IR) → BPF C → clang → object; manifest.json
 *
 * Each stage stops the build when it reports an error.  On failure the
 * files this run created in DIR are removed again; DIR itself is removed
 * when this run created it.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fwlc/budget.h"
#include "fwlc/check.h"
#include "fwlc/classify.h"
#include "fwlc/dir4.h"
#include "fwlc/cmd.h"
#include "fwlc/gen_bpf.h"
#include "fwlc/loadcheck.h"
#include "fwlc/lower.h"
#include "fwlc/manifest.h"
#include "fwlc/mapdata.h"
#include "fwlc/parse.h"
#include "maps/cls.h"
#include "maps/config.h"
#include "maps/counters.h"
#include "maps/ct.h"
#include "maps/feed.h"
#include "maps/nat.h"
#include "maps/seq.h"
#include "maps/sets.h"

#ifndef FWL_SRCDIR
#define FWL_SRCDIR "/usr/local/share/fwl"
#endif

struct build_opts {
	const char *input;
	const char *out;
	const char *include;	/* dir holding bpf/ and maps/ */
	const char *clang;
	int load_check;		/* --load-check: run the verifier now */
	enum cls_mode tables;	/* --tables: arms as classification tables */
	int fault_line;		/* --inject-fault LINE (tests only) */
	int testing;		/* an object for tests (FWL_TESTING) */
	long stage_budget;	/* --stage-budget N */
};

/* Where bpf/lib, bpf/ and maps/ are: --include-dir, $FWL_INCLUDE_DIR, or
 * the source tree fwlc was built from. */
static const char *include_root(const struct build_opts *o)
{
	if (o->include)
		return o->include;
	if (getenv("FWL_INCLUDE_DIR"))
		return getenv("FWL_INCLUDE_DIR");
	return FWL_SRCDIR;
}

static int run_clang(const struct build_opts *o, const char *c_path,
		     const char *o_path)
{
	char inc_lib[PATH_MAX], inc_bpf[PATH_MAX], inc_root[PATH_MAX];
	const char *root = include_root(o);
	const char *clang = o->clang ? o->clang
				     : getenv("CLANG") ? getenv("CLANG")
						       : "clang";
	snprintf(inc_lib, sizeof(inc_lib), "-I%s/bpf/lib", root);
	snprintf(inc_bpf, sizeof(inc_bpf), "-I%s/bpf", root);
	snprintf(inc_root, sizeof(inc_root), "-I%s", root);
	const char *argv[] = {
		clang, "-O2", "-g", "-target", "bpf", "-Wall",
		"-Werror", "-Wno-unused-function",
		"-Wno-parentheses-equality", inc_lib, inc_bpf, inc_root,
		"-I/usr/include/" FWL_MULTIARCH, "-c", c_path, "-o",
		o_path, NULL,
	};
	int status;
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execvp(clang, (char *const *)argv);
		fprintf(stderr, "fwlc: error: cannot run %s: %s (install clang "
			"or set CLANG)\n", clang, strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
			return -ENOENT;
		fprintf(stderr, "fwlc: error: clang failed on the generated "
			"%s: this is a bug in fwlc, please report it with the "
			"policy\n", c_path);
		return -EINVAL;
	}
	return 0;
}

static int write_file(const char *path, int (*emit)(FILE *, const void *),
		      const void *arg)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "fwlc: error: cannot write %s: %s\n", path,
			strerror(errno));
		return -errno;
	}
	int r = emit(f, arg);
	if (fclose(f) && !r)
		r = -errno;
	if (r)
		fprintf(stderr, "fwlc: error: writing %s failed: %s\n", path,
			strerror(-r));
	return r;
}

struct c_job {
	const struct ir_prog *ir;
	const char *c_path;
};

/* The generated C, its arms' lines mapped to the policy's (#line). */
static int emit_c(FILE *f, const void *arg)
{
	const struct c_job *j = arg;
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	if (!m)
		return -errno;
	int r = gen_bpf(m, j->ir);
	if (fclose(m) && !r)
		r = -EIO;
	if (!r) {
		FILE *in = fmemopen(buf, len ? len : 1, "r");
		if (!in)
			r = -errno;
		else {
			r = len ? gen_bpf_lines(in, f, j->ir->source, j->c_path)
				: 0;
			fclose(in);
		}
	}
	free(buf);
	return r;
}

static int emit_mapdata(FILE *f, const void *arg)
{
	return mapdata_write(f, arg);
}

static int emit_manifest(FILE *f, const void *arg)
{
	return manifest_write(f, arg);
}

static int build(const struct build_opts *o)
{
	/* The entry programs, then each hook's tail-called stages. */
	struct manifest_prog progs[2 + IR_HOOK_COUNT * BUDGET_MAX_STAGES] = {
		{ "fwl_ingress", "xdp", NULL, NULL, 0 },
	};
	static char stage_names[IR_HOOK_COUNT * BUDGET_MAX_STAGES][32];
	struct manifest_map maps[48] = {
		{ "fwl_rule_cnt", "FLOW", FWL_COUNTERS_LAYOUT_VERSION },
		{ "fwl_drop_cnt", "FLOW", FWL_COUNTERS_LAYOUT_VERSION },
		{ "fwl_named_cnt", "FLOW", FWL_COUNTERS_LAYOUT_VERSION },
	};
	int nmaps = 3;
	char c_path[PATH_MAX], o_path[PATH_MAX], m_path[PATH_MAX];
	char d_path[PATH_MAX];
	struct ir_prog ir;
	Arena arena = { 0 };
	Diags diags;
	int made_dir = 0, r = 1;
	struct load_stats ls = { 0 };
	struct budget budget;

	diag_init(&diags);
	Source *src = source_read(&arena, o->input);
	if (!src) {
		fprintf(stderr, "fwlc: error: cannot read %s: %s\n", o->input,
			strerror(errno));
		goto out;
	}
	/* The pipeline: each stage runs only on what the last one passed. */
	Program *prog = parse_program(src, &arena, &diags);
	Check *chk = diag_failed(&diags) ? NULL
					 : check_program(prog, &arena, &diags);
	if (!chk || diag_failed(&diags) ||
	    lower_program(prog, chk, &arena, &diags, &ir) || diag_failed(&diags)) {
		diag_print(&diags, stderr);
		goto out;
	}
	if (diags.n)	/* warnings only: shown, the build goes on */
		diag_print(&diags, stderr);
	ir.fault_line = o->fault_line;
	ir.testing = o->testing;
	ir.fault_ct = fwlc_test_fault_ct;
	ir.stage_budget = o->stage_budget;
	if (dir4_plan(&ir, &arena)) {
		fprintf(stderr, "fwlc: error: out of memory laying out the "
			"policy's IPv4 sets\n");
		goto out;
	}
	classify_program(&ir, &arena, o->tables);
	budget_estimate(&ir, &budget);
	budget_report(stderr, &budget);
	if (mkdir(o->out, 0755) == 0)
		made_dir = 1;
	else if (errno != EEXIST) {
		fprintf(stderr, "fwlc: error: cannot create %s: %s\n", o->out,
			strerror(errno));
		goto out;
	}
	snprintf(c_path, sizeof(c_path), "%s/policy.bpf.c", o->out);
	snprintf(o_path, sizeof(o_path), "%s/policy.bpf.o", o->out);
	snprintf(m_path, sizeof(m_path), "%s/manifest.json", o->out);
	snprintf(d_path, sizeof(d_path), "%s/maps.bin", o->out);
	/* The maps the object has, by what the policy uses. */
	if (ir.nsets) {
		maps[nmaps++] = (struct manifest_map){
			"fwl_dir4", "POLICY", FWL_SETS_LAYOUT_VERSION };
		maps[nmaps++] = (struct manifest_map){
			"fwl_dir4_leaf", "POLICY", FWL_SETS_LAYOUT_VERSION };
		maps[nmaps++] = (struct manifest_map){
			"fwl_cidr4", "POLICY", FWL_SETS_LAYOUT_VERSION };
		maps[nmaps++] = (struct manifest_map){
			"fwl_cidr6", "POLICY", FWL_SETS_LAYOUT_VERSION };
		maps[nmaps++] = (struct manifest_map){
			"fwl_portset", "POLICY", FWL_SETS_LAYOUT_VERSION };
	}
	if (ir.ncls)
		maps[nmaps++] = (struct manifest_map){
			"fwl_cls", "POLICY", FWL_CLS_LAYOUT_VERSION };
	/* The stages: pinned with the policy, their array keeps them. */
	int staged[2] = { 0 }, nprogs = 1, nstaged = 0;
	/* The egress program is needed to see what the host sends: its own
	 * flows (conntrack) and the egress hooks. */
	if (ir.uses_ct || ir.has_egress)
		progs[nprogs++] = (struct manifest_prog){ "fwl_egress",
							  "tc-egress", NULL,
							  NULL, 0 };
	for (int h = 0; h < budget.nhooks; h++) {
		const struct budget_hook *bh = &budget.hooks[h];
		int eg = bh->hook == IR_HOOK_OUTPUT ||
			 bh->hook == IR_HOOK_POSTROUTING;
		for (int k = 0; bh->stages > 1 && k < bh->stages; k++) {
			snprintf(stage_names[nstaged], sizeof(stage_names[0]),
				 "%s%d", eg ? "fwl_eg_stage_" : "fwl_stage_",
				 ++staged[eg]);
			progs[nprogs++] = (struct manifest_prog){
				stage_names[nstaged], "tail-call",
				ir_hook_name(bh->hook),
				eg ? "fwl_egress_stages" : "fwl_stages",
				staged[eg] };
			nstaged++;
		}
	}
	if (staged[0])
		maps[nmaps++] = (struct manifest_map){ "fwl_stages", "POLICY",
						       1 };
	if (staged[1])
		maps[nmaps++] = (struct manifest_map){ "fwl_egress_stages",
						       "POLICY", 1 };
	if (ir.uses_ifaces)
		maps[nmaps++] = (struct manifest_map){
			"fwl_ifaces", "POLICY", FWL_SETS_LAYOUT_VERSION };
	maps[nmaps++] = (struct manifest_map){
		"fwl_scratch_map", "POLICY", 1 };
	maps[nmaps++] = (struct manifest_map){ "fwl_md_map", "POLICY", 1 };
	if (ir.uses_ct) {
		/* Live connections: reused across reloads. */
		maps[nmaps++] = (struct manifest_map){
			"fwl_ct", "FLOW", FWL_CT_LAYOUT_VERSION };
		maps[nmaps++] = (struct manifest_map){
			"fwl_ct_new", "FLOW", FWL_CT_LAYOUT_VERSION };
		maps[nmaps++] = (struct manifest_map){
			"fwl_ct_stat", "FLOW", FWL_CT_LAYOUT_VERSION };
		maps[nmaps++] = (struct manifest_map){
			"fwl_frag", "FLOW", FWL_CT_LAYOUT_VERSION };
		maps[nmaps++] = (struct manifest_map){
			"fwl_config", "POLICY", FWL_CONFIG_LAYOUT_VERSION };
	}
	if (ir.uses_helper) {
		/* Expected connections outlive a reload as flows do. */
		maps[nmaps++] = (struct manifest_map){
			"fwl_ct_expect", "FLOW", FWL_CT_LAYOUT_VERSION };
		maps[nmaps++] = (struct manifest_map){
			"fwl_ftp_scratch", "POLICY", 1 };
	}
	static char feed_names[8][2][32];
	for (int i = 0; i < ir.nfeeds && i < 8; i++)
		for (int v = 0; v < 2; v++) {
			snprintf(feed_names[i][v], sizeof(feed_names[i][v]),
				 "fwl_feed_%d_v%d", i, v ? 6 : 4);
			maps[nmaps++] = (struct manifest_map){
				feed_names[i][v], "EXTERNAL",
				FWL_FEED_LAYOUT };
		}
	if (ir.nflows)
		maps[nmaps++] = (struct manifest_map){
			"fwl_seq", "FLOW", FWL_SEQ_LAYOUT_VERSION };
	if (ir.uses_ratelimit || ir.uses_log) {
		maps[nmaps++] = (struct manifest_map){ "fwl_rl", "FLOW", 1 };
		maps[nmaps++] = (struct manifest_map){ "fwl_nth", "FLOW", 1 };
	}
	if (ir.uses_log) {
		maps[nmaps++] = (struct manifest_map){ "fwl_events", "FLOW", 1 };
		maps[nmaps++] = (struct manifest_map){ "fwl_log_lost", "FLOW",
						       1 };
	}
	if (ir.uses_nat) {
		maps[nmaps++] = (struct manifest_map){
			"fwl_nat_rev", "FLOW", FWL_NAT_LAYOUT_VERSION };
		maps[nmaps++] = (struct manifest_map){
			"fwl_nat_stat", "FLOW", FWL_NAT_LAYOUT_VERSION };
		maps[nmaps++] = (struct manifest_map){
			"fwl_dnat_map", "POLICY", FWL_NAT_LAYOUT_VERSION };
		maps[nmaps++] = (struct manifest_map){
			"fwl_nat_sets", "POLICY", FWL_NAT_LAYOUT_VERSION };
		maps[nmaps++] = (struct manifest_map){
			"fwl_ifaddr", "EXTERNAL", FWL_NAT_LAYOUT_VERSION };
	}
	struct manifest m = {
		.ir = &ir, .object = "policy.bpf.o",
		.counters_map = "fwl_rule_cnt",
		.progs = progs, .nprogs = nprogs,
		.maps = maps, .nmaps = nmaps, .budget = &budget,
	};
	struct c_job cj = { &ir, c_path };
	if (write_file(c_path, emit_c, &cj) || run_clang(o, c_path, o_path) ||
	    write_file(d_path, emit_mapdata, &ir) ||
	    write_file(m_path, emit_manifest, &m) ||
	    (o->load_check && load_check(o_path, c_path, o->input, &ls))) {
		unlink(m_path);
		unlink(d_path);
		unlink(o_path);
		unlink(c_path);
		if (made_dir)
			rmdir(o->out);
		goto out;
	}
	r = 0;
out:
	diag_free(&diags);
	arena_free(&arena);
	return r;
}

bool fwlc_test_fault_ct;
long fwlc_test_stage_budget;

int fwlc_build(const char *input, const char *out, bool testing)
{
	struct build_opts o = { .input = input, .out = out,
				.testing = testing,
				.stage_budget = testing ? fwlc_test_stage_budget
							: 0 };

	return build(&o);
}

/* One text for --help and a usage error (tests/scenarios/cli.sh).  The
   tests-only options (--inject-fault, --test-instrumentation) are not in
   it. */
static const char build_usage[] =
	"usage: fwlc build POLICY.fwl -o DIR [--include-dir DIR] "
	"[--clang PATH] [--load-check] [--tables auto|always|never] "
	"[--stage-budget N]\n";

int cmd_build(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", 1, NULL, 'o' },
		{ "include-dir", 1, NULL, 'I' },
		{ "clang", 1, NULL, 'c' },
		{ "load-check", 0, NULL, 'L' },
		{ "tables", 1, NULL, 'T' },
		/* Tests only: the arm at LINE reads out of bounds, so that
		 * the verifier rejects it (tests/backend/tables.sh). */
		{ "inject-fault", 1, NULL, 'F' },
		{ "stage-budget", 1, NULL, 'S' },
		/* Tests only: the object the scenario backend builds, with
		 * its virtual clock and records (FWL_TESTING). */
		{ "test-instrumentation", 0, NULL, 'X' },
		{ "help", 0, NULL, 'h' },
		{ 0 },
	};
	struct build_opts o = { 0 };
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:I:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': o.out = optarg; break;
		case 'I': o.include = optarg; break;
		case 'c': o.clang = optarg; break;
		case 'L': o.load_check = 1; break;
		case 'F': o.fault_line = atoi(optarg); break;
		case 'S': {
			char *end;

			o.stage_budget = strtol(optarg, &end, 10);
			if (!*optarg || *end || o.stage_budget <= 0) {
				fprintf(stderr, "fwlc: error: --stage-budget "
					"%s: expected a positive number (of "
					"processed instructions per stage)\n",
					optarg);
				return 2;
			}
			break;
		}
		case 'X': o.testing = 1; break;
		case 'T':
			if (!strcmp(optarg, "auto"))
				o.tables = CLS_AUTO;
			else if (!strcmp(optarg, "always"))
				o.tables = CLS_ALWAYS;
			else if (!strcmp(optarg, "never"))
				o.tables = CLS_NEVER;
			else {
				fprintf(stderr, "fwlc: error: --tables %s: "
					"expected auto, always or never\n",
					optarg);
				return 2;
			}
			break;
		case 'h':
			fputs(build_usage, stdout);
			return 0;
		default:
			return 2;
		}
	}
	if (optind != argc - 1 || !o.out) {
		fputs(build_usage, stderr);
		return 2;
	}
	o.input = argv[optind];
	return build(&o);
}
