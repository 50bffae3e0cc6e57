// SPDX-License-Identifier: MIT
/*
 * scenario_bpf_build.c - compile a parsed policy into a temporary bundle
 * for the BPF backend (scenario_bpf.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fwlc/check.h"
#include "fwlc/cmd.h"
#include "fwlc/lower.h"
#include "fwlc/scenario_bpf.h"

static Built *built_list;

static uint64_t text_hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 1099511628211ull;
	return h;
}

static void rm_tree(const char *dir)
{
	static const char *const files[] = {
		"bundle/policy.bpf.c", "bundle/policy.bpf.o",
		"bundle/maps.bin", "bundle/manifest.json", "bundle",
		"policy.fwl", "build.log",
	};
	char p[128];
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, files[i]);
		if (unlink(p) && errno == EISDIR)
			rmdir(p);
		rmdir(p);
	}
	rmdir(dir);
}

static void built_cleanup(void)
{
	for (Built *b = built_list; b; b = b->next)
		if (b->dir[0])
			rm_tree(b->dir);
}

/* The first "error" line of the build's messages. */
static void first_error(const char *log, char *out, size_t size)
{
	FILE *f = fopen(log, "r");
	char line[512];
	snprintf(out, size, "fwlc build failed");
	if (!f)
		return;
	while (fgets(line, sizeof line, f)) {
		if (strstr(line, "error")) {
			line[strcspn(line, "\n")] = 0;
			snprintf(out, size, "fwlc build: %.400s", line);
			break;
		}
	}
	fclose(f);
}

Built *bpf_policy_build(const Program *prog)
{
	const Source *src = prog->src;
	uint64_t h = text_hash(src->text, src->len);
	for (Built *b = built_list; b; b = b->next)
		if (b->hash == h)
			return b;

	Built *b = calloc(1, sizeof *b);
	if (!b)
		return NULL;
	if (!built_list)
		atexit(built_cleanup);
	b->next = built_list;
	built_list = b;
	b->hash = h;
	snprintf(b->dir, sizeof b->dir, "/tmp/fwlc-bpf-XXXXXX");
	if (!mkdtemp(b->dir)) {
		snprintf(b->err, sizeof b->err, "cannot create a temporary "
			 "directory: %s", strerror(errno));
		b->dir[0] = 0;
		return b;
	}
	/* The same pipeline as fwlc build, on the policy's text. */
	char in[128], out[128], log[128];
	snprintf(in, sizeof in, "%s/policy.fwl", b->dir);
	snprintf(out, sizeof out, "%s/bundle", b->dir);
	snprintf(log, sizeof log, "%s/build.log", b->dir);
	FILE *f = fopen(in, "w");
	if (!f || fwrite(src->text, 1, src->len, f) != src->len) {
		snprintf(b->err, sizeof b->err, "cannot write %s", in);
		if (f)
			fclose(f);
		return b;
	}
	fclose(f);
	fflush(stderr);
	int saved = dup(2);
	int lfd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (lfd >= 0) {
		dup2(lfd, 2);
		close(lfd);
	}
	int r = fwlc_build(in, out, true);	/* FWL_TESTING */
	fflush(stderr);
	if (saved >= 0) {
		dup2(saved, 2);
		close(saved);
	}
	if (r) {
		first_error(log, b->err, sizeof b->err);
		return b;
	}
	char err[256];
	if (bundle_load(out, &b->b, err, sizeof err)) {
		snprintf(b->err, sizeof b->err, "the bundle: %s", err);
		return b;
	}
	/* The IR again, for the names of rule ids, flows and feeds. */
	Diags d;
	diag_init(&d);
	Check *chk = check_program(prog, &b->arena, &d);
	if (diag_failed(&d) ||
	    lower_program(prog, chk, &b->arena, &d, &b->ir)) {
		snprintf(b->err, sizeof b->err, "lowering failed");
		diag_free(&d);
		return b;
	}
	diag_free(&d);
	b->ok = true;
	return b;
}

