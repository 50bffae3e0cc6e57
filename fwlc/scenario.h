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
 * The result of a case is backend-neutral: a ScenarioBackend (the
 * interpreter today, BPF_PROG_TEST_RUN later) fills an Outcome per packet
 * and answers state queries; the runner here compares them with the
 * expectations and prints the diffs, the same code for every backend.
 */
#ifndef FWLC_SCENARIO_H
#define FWLC_SCENARIO_H

#include <stdbool.h>
#include <stdio.h>

#include "fwlc/ast.h"
#include "fwlc/diag.h"
#include "fwlc/effects.h"
#include "fwlc/pkt.h"

enum {
	ERR_SCN_SYNTAX = 700,	/* malformed statement */
	ERR_SCN_VALUE = 701,	/* bad address/number/duration/flag */
	ERR_SCN_POLICY = 702,	/* policy missing, unreadable or invalid */
	ERR_SCN_ORDER = 703,	/* statement in the wrong place */
	ERR_SCN_PACKET = 704,	/* packet cannot be built */
};

/* What a backend reports about one packet (verdicts as interp.h's
   VERDICT_ALLOW 0, VERDICT_DROP 1, VERDICT_ERROR 2). */
#define OUTCOME_MAX_ARMS 32
typedef struct Outcome {
	int verdict;
	char reason[128];	/* drop: "forward#7" or "invalid: REASON" */
	char arms[OUTCOME_MAX_ARMS][96];	/* "policy#N" that decided, in
						   path order */
	int narms;
	char path[512];		/* the path, one line, for diffs */
	char oif[32];		/* "local", an interface, "" (dropped before) */
	int ct_state;		/* interp.h CtState the policies saw; -1:
				   this backend does not track (a compiled
				   policy that never reads conntrack) */
	Pkt out;		/* the packet as it leaves (after NAT) */
	char err[512];		/* VERDICT_ERROR: message */
	char err_at[300];	/* "file:line:col: " of the error, or "" */
	long flow;		/* backend's handle of the packet's flow */
} Outcome;

/*
 * A backend runs packets through a policy: the interpreter
 * (scenario_interp.c) now, the compiled BPF object under
 * BPF_PROG_TEST_RUN later (issue 7).  One open() per case: fresh state.
 * Effects reach the scenario's mocks through fx (log events included).
 */
typedef struct ScenarioBackend {
	const char *name;
	void *(*open)(const Program *prog, const FwlEffects *fx, char *err,
		      size_t errsz);
	void (*close)(void *c);
	/* settings: ct-loose (0/1), ct-max, timeout-udp, timeout-icmp,
	   timeout-tcp-established, timeout-seq (ms); false if unknown */
	bool (*set)(void *c, const char *key, uint64_t value);
	void (*advance)(void *c, uint64_t ms);
	void (*packet)(void *c, const uint8_t *bytes, size_t len,
		       const Pkt *parsed, const char *iif, const char *oif,
		       Outcome *o);
	/* state now */
	uint64_t (*counter)(void *c, const char *policy, int arm);
	int (*ct_count)(void *c);
	/* the conntrack entry of o's flow, now: false if none */
	bool (*ct_entry)(void *c, const Outcome *o, int *tcp_state,
			 unsigned *status);
	/* sequence state of o's flow: -1 matched, 0 none, N at step N */
	int (*flow_state)(void *c, const char *flow, const Outcome *o);
	/* optional: a multi-line account of the last packet (explain) */
	void (*explain)(void *c, FILE *out);
} ScenarioBackend;

extern const ScenarioBackend scenario_interp_backend;
/* the compiled object under BPF_PROG_TEST_RUN (scenario_bpf.c; root) */
extern const ScenarioBackend scenario_bpf_backend;

typedef struct ScenarioOpts {
	bool explain;		/* print the path of every packet */
	bool verbose;		/* print passing cases' paths too */
	const char *pcap_out;	/* write every built packet to this pcap */
	const char *only_case;	/* run only the case of this name */
	bool quiet;		/* no PASS/FAIL lines (explain) */
	const ScenarioBackend *backend;	/* NULL: the interpreter */
	/* differential mode (fwlc difftest): every packet also runs on
	   this backend, with its own state and mocks; a packet whose
	   outcomes differ (verdict, dropping arm, arms counted, route,
	   conntrack state, the packet as it leaves, logs) is reported as
	   a DISAGREE block and fails its case */
	const ScenarioBackend *compare;
	const char *replay;	/* "how to replay" line for DISAGREE blocks */
	int max_report;		/* DISAGREE blocks printed (0: 5) */
	long disagreements;	/* out: packets whose outcomes differed */
	long compared;		/* out: packets compared */
} ScenarioOpts;

/*
 * Run every case of one scenario file (or text, when text is not NULL;
 * path then names it in messages).  Prints "PASS file: case" / "FAIL
 * file: case" lines and diffs to out; adds to *passed / *failed.  Returns
 * 0, or 1 when the file itself is malformed (diagnostics on stderr; the
 * file then counts as one failure).
 */
int scenario_run(const char *path, const char *text, ScenarioOpts *o,
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
