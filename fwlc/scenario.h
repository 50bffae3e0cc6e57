/* SPDX-License-Identifier: MIT */
/*
 * scenario.h - `.fwlt` scenario files: parse them, run them.
 *
 * A scenario names a policy (by path or inline), sets what the mock effect
 * handlers answer, then has cases: packets built layer by layer, clock
 * advances and expectations.  docs/testing-scenarios.md is the reference.
 * The format is parsed by its own small grammar here, never evaluated as
 * code; errors are file:line:col diagnostics (codes E0700-E0799).
 *
 * The result of a case is backend-neutral: a runner (this interpreter
 * today, BPF_PROG_TEST_RUN later) fills an Outcome per packet and
 * scenario_check() compares it with the expectations.
 */
#ifndef FWLC_SCENARIO_H
#define FWLC_SCENARIO_H

#include <stdbool.h>
#include <stdio.h>

#include "fwlc/diag.h"

enum {
	ERR_SCN_SYNTAX = 700,	/* malformed statement */
	ERR_SCN_VALUE = 701,	/* bad address/number/duration/flag */
	ERR_SCN_POLICY = 702,	/* policy missing, unreadable or invalid */
	ERR_SCN_ORDER = 703,	/* statement in the wrong place */
	ERR_SCN_PACKET = 704,	/* packet cannot be built */
};

typedef struct ScenarioOpts {
	bool explain;		/* print the path of every packet */
	bool verbose;		/* print passing cases' paths too */
	const char *pcap_out;	/* write every built packet to this pcap */
	const char *only_case;	/* run only the case of this name */
	bool quiet;		/* no PASS/FAIL lines (explain) */
} ScenarioOpts;

/*
 * Run every case of one scenario file (or text, when text is not NULL;
 * path then names it in messages).  Prints "PASS file: case" / "FAIL
 * file: case" lines and diffs to out; adds to *passed / *failed.  Returns
 * 0, or 1 when the file itself is malformed (diagnostics on stderr; the
 * file then counts as one failure).
 */
int scenario_run(const char *path, const char *text, const ScenarioOpts *o,
		 FILE *out, int *passed, int *failed);

/*
 * fwlc replay: run every packet of a capture through the policy, arriving
 * on iif, with mocks from setup (scenario statements, one per line).
 * Prints a verdict per packet and a summary per arm.  Returns 0, 1 when
 * a packet stopped with an error or the capture is damaged (the packets
 * before the damage are reported; the error names the byte offset), 2
 * when the policy or capture cannot be read.
 */
int scenario_replay(const char *policy, const char *setup, const char *iif,
		    const char *capture, FILE *out);

#endif
