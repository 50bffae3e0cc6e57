// SPDX-License-Identifier: MIT
/*
 * interp_cmd.c - fwlc test, fwlc explain, fwlc replay (the interpreter's
 * commands; see docs/testing-scenarios.md).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwlc/arena.h"
#include "fwlc/cmd.h"
#include "fwlc/scenario.h"

/* The backends `fwlc test --backend NAME` knows. */
static const ScenarioBackend *const backends[] = {
	&scenario_interp_backend,
	&scenario_bpf_backend,
};

/* fwlc test [--backend interp] [--explain] [--case NAME] [--pcap OUT]
   [--stage-budget N] FILE... */
static const char test_usage[] =
	"usage: fwlc test [--explain] [--case NAME] [--pcap OUT.pcap] "
	"[--backend interp|bpf] [--stage-budget N] FILE.fwlt...\n";

int cmd_test(int argc, char **argv)
{
	ScenarioOpts o = {0};
	int passed = 0, failed = 0, nfiles = 0;
	const char *files[256];

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--explain") == 0) {
			o.explain = true;
		} else if (strcmp(a, "--case") == 0 && i + 1 < argc) {
			o.only_case = argv[++i];
		} else if (strcmp(a, "--pcap") == 0 && i + 1 < argc) {
			o.pcap_out = argv[++i];
		} else if (strcmp(a, "--backend") == 0 && i + 1 < argc) {
			const char *b = argv[++i];
			o.backend = NULL;
			for (size_t k = 0; k < sizeof backends /
						    sizeof backends[0]; k++)
				if (strcmp(backends[k]->name, b) == 0)
					o.backend = backends[k];
			if (!o.backend) {
				fprintf(stderr, "fwlc test: unknown backend '%s' "
					"(interp or bpf)\n",
					b);
				return 2;
			}
		} else if (strcmp(a, "--stage-budget") == 0 && i + 1 < argc) {
			/* the bpf backend's object: fwlc build --stage-budget */
			char *end;
			fwlc_test_stage_budget = strtol(argv[++i], &end, 10);
			if (*end || fwlc_test_stage_budget <= 0) {
				fprintf(stderr, "fwlc test: --stage-budget %s: "
					"expected a positive number\n", argv[i]);
				return 2;
			}
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(test_usage, stdout);
			return 0;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "fwlc test: unknown option '%s'\n", a);
			return 2;
		} else if (nfiles < 256) {
			files[nfiles++] = a;
		} else {
			fprintf(stderr, "fwlc test: more than 256 files\n");
			return 2;
		}
	}
	if (!nfiles) {
		fputs(test_usage, stderr);
		return 2;
	}
	if (o.pcap_out && nfiles > 1) {
		fprintf(stderr, "fwlc test: --pcap takes one scenario file\n");
		return 2;
	}
	for (int i = 0; i < nfiles; i++) {
		scenario_run(files[i], NULL, &o, stdout, &passed, &failed);
		fflush(stdout);
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

/* Setup statements from repeated --with options, one per line. */
static char *join_with(Arena *a, char **with, int n)
{
	size_t len = 1;
	for (int i = 0; i < n; i++)
		len += strlen(with[i]) + 1;
	char *s = arena_alloc(a, len);
	size_t o = 0;
	for (int i = 0; i < n; i++) {
		size_t k = strlen(with[i]);
		memcpy(s + o, with[i], k);
		o += k;
		s[o++] = '\n';
	}
	s[o] = 0;
	return s;
}

static const char *abs_path(Arena *a, const char *p)
{
	char buf[PATH_MAX];
	if (p[0] == '/' || !realpath(p, buf))
		return p;
	return arena_strndup(a, buf, strlen(buf));
}

/* fwlc explain POLICY --packet 'IFACE [-> IFACE] LAYERS' [--with STMT]... */
int cmd_explain(int argc, char **argv)
{
	const char *policy = NULL;
	char *with[64];
	int nwith = 0;
	char *packets[64];
	int npackets = 0;
	Arena a = {0};

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--packet") == 0 && i + 1 < argc &&
		    npackets < 64) {
			packets[npackets++] = argv[++i];
		} else if (strcmp(argv[i], "--with") == 0 && i + 1 < argc &&
			   nwith < 64) {
			with[nwith++] = argv[++i];
		} else if (strcmp(argv[i], "-h") == 0 ||
			   strcmp(argv[i], "--help") == 0) {
			printf("usage: fwlc explain POLICY --packet 'IFACE "
			       "[-> IFACE] LAYERS' [--with 'STATEMENT']...\n");
			return 0;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "fwlc explain: unknown option '%s'\n",
				argv[i]);
			return 2;
		} else if (!policy) {
			policy = argv[i];
		} else {
			fprintf(stderr, "fwlc explain: one policy at a time\n");
			return 2;
		}
	}
	if (!policy || !npackets) {
		fprintf(stderr, "usage: fwlc explain POLICY --packet 'IFACE "
				"[-> IFACE] LAYERS' [--with 'STATEMENT']...\n"
				"  e.g. --packet 'wan ipv4(src=192.0.2.1, "
				"dst=203.0.113.1) / tcp(dport=22)' --with "
				"'iface wan addr 203.0.113.1'\n");
		return 2;
	}
	char *text = arena_printf(&a, "policy \"%s\"\n%scase \"explain\"\n",
				  abs_path(&a, policy),
				  join_with(&a, with, nwith));
	for (int i = 0; i < npackets; i++)
		text = arena_printf(&a, "%spacket %s\n", text, packets[i]);
	ScenarioOpts opt = {.explain = true, .quiet = true};
	int passed = 0, failed = 0;
	int rc = scenario_run("<explain>", text, &opt, stdout, &passed,
			      &failed);
	arena_free(&a);
	return rc || failed ? 1 : 0;
}

/* fwlc replay POLICY CAPTURE.pcap [--on IFACE] [--with STMT]... */
int cmd_replay(int argc, char **argv)
{
	const char *policy = NULL, *cap = NULL, *iif = NULL;
	char *with[64];
	int nwith = 0;
	Arena a = {0};

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--on") == 0 && i + 1 < argc) {
			iif = argv[++i];
		} else if (strcmp(argv[i], "--with") == 0 && i + 1 < argc &&
			   nwith < 64) {
			with[nwith++] = argv[++i];
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "fwlc replay: unknown option '%s'\n",
				argv[i]);
			return 2;
		} else if (!policy) {
			policy = argv[i];
		} else if (!cap) {
			cap = argv[i];
		} else {
			fprintf(stderr, "fwlc replay: POLICY CAPTURE.pcap\n");
			return 2;
		}
	}
	if (!policy || !cap || !iif) {
		fprintf(stderr, "usage: fwlc replay POLICY CAPTURE.pcap --on "
				"IFACE [--with 'STATEMENT']...\n");
		return 2;
	}
	int rc = scenario_replay(abs_path(&a, policy),
				 join_with(&a, with, nwith), iif, cap, stdout);
	arena_free(&a);
	return rc;
}
