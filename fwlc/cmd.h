/* SPDX-License-Identifier: MIT */
/*
 * cmd.h - the fwlc subcommands.
 *
 * Each command is `int cmd_NAME(int argc, char **argv)`, with argv[0] the
 * command's name; it returns the exit status (0 ok, 1 errors in the input,
 * 2 usage or I/O problems).  To add a command, declare it here and add one
 * line to the table in main.c.
 */
#ifndef FWLC_CMD_H
#define FWLC_CMD_H

#include <stdbool.h>

#include "fwlc/ast.h"
#include "fwlc/diag.h"

int cmd_parse(int argc, char **argv);	/* parse.c's front end: main.c */
int cmd_fmt(int argc, char **argv);	/* fmt.c */
int cmd_build(int argc, char **argv);	/* cmd_build.c: compile a bundle */
int cmd_dot(int argc, char **argv);	/* dot.c: decision structure as DOT */
int cmd_check(int argc, char **argv);	/* check.c: the semantic checks */
int cmd_test(int argc, char **argv);	/* interp_cmd.c: run scenarios */
int cmd_explain(int argc, char **argv);	/* interp_cmd.c: path of a packet */
int cmd_replay(int argc, char **argv);	/* interp_cmd.c: pcap replay */
int cmd_difftest(int argc, char **argv);	/* difftest.c: interp vs BPF */

/* fwlc build's pipeline for other commands: POLICY into the bundle
 * directory OUT, messages on stderr.  0, or non-zero on failure.  With
 * testing, the object is the scenario backend's (FWL_TESTING: a virtual
 * clock, the feeds each packet asked); fwlc build's never is. */
int fwlc_build(const char *input, const char *out, bool testing);
/* Tests only (fwlc difftest --inject-fault ct-state): fwlc_build() emits
   hooks that see an Invalid packet as New, a known fault for the
   differential tester to find (tests/scenarios/difftest.sh). */
extern bool fwlc_test_fault_ct;
/* fwlc test --stage-budget N: fwlc_build(.., testing) builds with this
   stage budget (0: the default), so that the bpf backend runs a scenario
   with its hooks in tail-called stages (tests/scenarios/bpf.sh). */
extern long fwlc_test_stage_budget;

/*
 * Helpers for commands (main.c).
 *
 * cmd_load: read and parse a file.  I/O errors are reported to stderr as
 * "x: error[E0900]: cannot read the file: reason" and give NULL; syntax errors are left in
 * d (the Program is still returned, without the declarations that failed).
 */
Program *cmd_load(const char *path, Arena *a, Diags *d);

/*
 * cmd_common_opt: handle an option every command accepts (--format json,
 * --format text, --Werror).  Returns the number of argv entries used (0 if
 * arg is not a common option, -1 after printing a usage error).
 */
int cmd_common_opt(Diags *d, int argc, char **argv, int i);

/* Seconds since an arbitrary start (monotonic), for --stats. */
double cmd_now(void);
/* Print "fwlc: STAGE S s" lines and the peak RSS to stderr (--stats). */
void cmd_stats(const char *stage, double seconds);

#endif
