// SPDX-License-Identifier: MIT
/*
 * loadcheck.c - `fwlc build --load-check`: load the bundle's object into
 * the kernel (the verifier runs), report what it processed, unload.
 *
 * A verifier rejection of generated code is a compiler bug; the report
 * shows the verifier's last lines and, from the BTF line info the log
 * carries ("@ policy.bpf.c:LINE"), the policy arm whose generated code
 * failed, with its source line.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwlc/loadcheck.h"

static char *vlog;	/* the verifier log of the failing program */
static size_t vlog_len, vlog_cap;

static int collect(enum libbpf_print_level level, const char *fmt,
		   va_list ap)
{
	char *buf = NULL;
	/* The verifier log comes in one message, of any length. */
	int n = vasprintf(&buf, fmt, ap);
	if (level == LIBBPF_DEBUG || n <= 0) {
		free(buf);
		return 0;
	}
	if (vlog_len + n + 1 > vlog_cap) {
		size_t cap = (vlog_cap + n + 1) * 2;
		char *p = realloc(vlog, cap);
		if (!p) {
			free(buf);
			return 0;
		}
		vlog = p;
		vlog_cap = cap;
	}
	memcpy(vlog + vlog_len, buf, n);
	vlog_len += n;
	vlog[vlog_len] = 0;
	free(buf);
	return 0;
}

/* The arm comment ("/ * policy/N, line L: text * /") at or before line
 * cline of the generated C, copied into out. */
static int arm_of_line(const char *c_path, int cline, char *out, size_t len)
{
	FILE *f = fopen(c_path, "r");
	char line[4096];
	int n = 0, found = 0;
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f) && ++n <= cline) {
		const char *s = strstr(line, "/* ");
		if (s && strstr(s, ", line ") && strchr(s, '/') &&
		    strstr(line, ": ")) {
			snprintf(out, len, "%s", s + 3);
			char *end = strstr(out, " */");
			if (end)
				*end = 0;
			found = 1;
		}
	}
	fclose(f);
	return found;
}

/* The verifier's "processed N insns" from a stats log, or -1. */
static long processed_of(const char *log)
{
	const char *p = strstr(log, "processed ");
	return p ? strtol(p + 10, NULL, 10) : -1;
}

/* Load with the verifier's statistics (log level 4) into our own buffers;
 * 0 when every program passed, the counts are in stats[]. */
static int load_with_stats(const char *o_path, char (*logs)[4096], int max,
			   struct load_stats *st)
{
	struct bpf_object *obj = bpf_object__open_file(o_path, NULL);
	struct bpf_program *prog;
	int n = 0, r;
	if (!obj)
		return -errno;
	bpf_object__for_each_program(prog, obj) {
		if (n == max)
			break;
		logs[n][0] = 0;
		bpf_program__set_log_buf(prog, logs[n], 4096);
		bpf_program__set_log_level(prog, 4);
		n++;
	}
	r = bpf_object__load(obj);
	st->nprogs = 0;
	if (!r) {
		int i = 0;
		bpf_object__for_each_program(prog, obj) {
			if (i == max)
				break;
			struct bpf_prog_info info = { 0 };
			__u32 len = sizeof(info);
			struct load_prog_stats *ps = &st->progs[st->nprogs++];
			bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info,
					       &len);
			snprintf(ps->name, sizeof(ps->name), "%s",
				 bpf_program__name(prog));
			ps->insns = info.xlated_prog_len / 8;
			ps->jited = info.jited_prog_len;
			ps->processed = processed_of(logs[i++]);
		}
	}
	bpf_object__close(obj);	/* unload: nothing stays in the kernel */
	return r;
}

int load_check(const char *o_path, const char *c_path, const char *source,
	       struct load_stats *st)
{
	static char logs[LOAD_MAX_PROGS][4096];
	struct bpf_object *obj;
	int r;

	vlog_len = 0;
	libbpf_set_print(collect);
	if (load_with_stats(o_path, logs, LOAD_MAX_PROGS, st) == 0) {
		for (int i = 0; i < st->nprogs; i++)
			fprintf(stderr, "fwlc: load check: %s passed the "
				"verifier (%u instructions translated, %u JITed "
				"bytes, %ld instructions processed)\n",
				st->progs[i].name, st->progs[i].insns,
				st->progs[i].jited, st->progs[i].processed);
		libbpf_set_print(NULL);
		return 0;
	}
	/* Rejected: load again the ordinary way, for the full log. */
	vlog_len = 0;
	obj = bpf_object__open_file(o_path, NULL);
	if (!obj) {
		r = -errno;
		fprintf(stderr, "fwlc: error: cannot open %s: %s\n", o_path,
			strerror(-r));
		libbpf_set_print(NULL);
		return r;
	}
	r = bpf_object__load(obj);
	if (r) {
		fprintf(stderr, "fwlc: error: the kernel's verifier rejected the "
			"generated program (%s).\nThis is a bug in fwlc: please "
			"report it with the policy.\n", strerror(-r));
		/* Where: the last policy line in the log's line info
		 * ("; TEXT @ FILE.fwl:LINE", from the #line directives). */
		const char *fl = NULL, *q = vlog;
		while (q && (q = strstr(q, ".fwl:"))) {
			fl = q;
			q += 5;
		}
		if (fl) {
			const char *bol = fl;
			while (bol > vlog && bol[-1] != '\n')
				bol--;
			const char *at = strstr(bol, " @ ");
			if (bol[0] == ';' && at && at < fl)
				fprintf(stderr, "%s:%d: note: the failing code "
					"was generated for this line of the "
					"policy:%.*s\n", source, atoi(fl + 5),
					(int)(at - bol - 1), bol + 1);
			else
				fprintf(stderr, "%s:%d: note: the failing code "
					"was generated for this line of the "
					"policy\n", source, atoi(fl + 5));
		}
		/* Or the arm whose comment precedes the generated line. */
		const char *at = NULL, *p = vlog;
		while (p && (p = strstr(p, ".bpf.c:"))) {
			at = p;
			p += 7;
		}
		char arm[4096];
		if (!fl && at &&
		    arm_of_line(c_path, atoi(at + 7), arm, sizeof(arm)))
			fprintf(stderr, "fwlc: note: the failing code was "
				"generated for arm %s\n", arm);
		/* The verifier's last lines say why. */
		const char *tail = vlog ? vlog + vlog_len : NULL;
		for (int k = 0; tail && tail > vlog && k < 12; k++)
			for (tail--; tail > vlog && tail[-1] != '\n'; tail--)
				;
		if (tail)
			fprintf(stderr, "fwlc: verifier log (end):\n%s", tail);
	} else {
		fprintf(stderr, "fwlc: error: the load with verifier "
			"statistics failed, the plain load passed\n");
		r = -EINVAL;
	}
	bpf_object__close(obj);
	libbpf_set_print(NULL);
	return r;
}
