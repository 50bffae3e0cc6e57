// SPDX-License-Identifier: MIT
/*
 * main.c - the fwlc command line: a table of subcommands.
 *
 *	fwlc parse FILE [--dump-ast]	parse only; print the AST with spans
 *	fwlc fmt FILE [--check] [-w]	print FILE in canonical form
 *
 * Add a command with one line in `commands` (and its prototype in cmd.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwlc/cmd.h"
#include "fwlc/parse.h"

static int cmd_help(int argc, char **argv);

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
	{"parse", cmd_parse, "FILE [--dump-ast] [--stats]  parse only; "
			     "--dump-ast prints the AST with spans"},
	{"fmt", cmd_fmt, "FILE [--check] [-w] [--stats]  print in canonical "
			 "form; --check: fail if not canonical; -w: rewrite"},
	{"check", cmd_check, "FILE [--Werror] [--format json]  check names, "
			     "types, effects, hooks and pattern coverage"},
	{"build", cmd_build, "FILE -o DIR  compile to a bundle: BPF object, "
			     "generated C, manifest.json"},
	{"test", cmd_test, "FILE.fwlt... [--backend interp|bpf]  run scenarios "
			   "on the interpreter, or on the compiled object"},
	{"explain", cmd_explain, "POLICY --packet 'IFACE LAYERS'  path taken"},
	{"replay", cmd_replay, "POLICY CAP.pcap --on IFACE  verdict/packet"},
	{"difftest", cmd_difftest, "POLICY --packets N  interpreter vs BPF"},
	{"dot", cmd_dot, "FILE  the decision structure as Graphviz DOT"},
	{"help", cmd_help, "  this list"},
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("usage: fwlc COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		printf("  %-8s %s\n", commands[i].name, commands[i].help);
	printf("\ncommon options: --format text|json  --Werror\n");
	return 0;
}

static void usage_of(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			fprintf(stderr, "usage: fwlc %s %s\n", name,
				commands[i].help);
}

/* fwlc parse FILE [--dump-ast] */
int cmd_parse(int argc, char **argv)
{
	const char *path = NULL;
	bool dump = false, stats = false;
	Diags d;
	Arena a = {0};

	diag_init(&d);
	for (int i = 1; i < argc; i++) {
		int n = cmd_common_opt(&d, argc, argv, i);
		if (n < 0)
			return 2;
		if (n > 0) {
			i += n - 1;
		} else if (strcmp(argv[i], "--dump-ast") == 0) {
			dump = true;
		} else if (strcmp(argv[i], "--stats") == 0) {
			stats = true;
		} else if (strcmp(argv[i], "-h") == 0 ||
			   strcmp(argv[i], "--help") == 0) {
			usage_of("parse");
			return 0;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "fwlc parse: unknown option '%s'\n",
				argv[i]);
			usage_of("parse");
			return 2;
		} else if (!path) {
			path = argv[i];
		} else {
			fprintf(stderr, "fwlc parse: one file at a time\n");
			return 2;
		}
	}
	if (!path) {
		usage_of("parse");
		return 2;
	}
	double t0 = cmd_now();
	Program *p = cmd_load(path, &a, &d);
	if (stats && p)
		cmd_stats("parse", cmd_now() - t0);
	int rc = 2;
	if (p) {
		if (dump)
			ast_dump(stdout, p);
		diag_print(&d, stderr);
		rc = diag_failed(&d) ? 1 : 0;
	}
	diag_free(&d);
	arena_free(&a);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		cmd_help(0, NULL);
		return 2;
	}
	const char *name = argv[1];
	if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0)
		return cmd_help(0, NULL);
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "fwlc: unknown command '%s' (try 'fwlc help')\n", name);
	return 2;
}
