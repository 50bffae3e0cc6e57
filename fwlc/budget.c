// SPDX-License-Identifier: MIT
/* budget.c - verifier cost estimate of the decision code, see budget.h.
 *
 * Instruction counts per construct are what clang -O2 makes of gen_bpf.c's
 * output (read from llvm-objdump of generated objects); the processed
 * estimate is PROCESSED_PER_INSN times the code of each part: within a
 * part the verifier walks a few paths through each instruction, across
 * parts the costs add up (see GEN_PART_ITEMS).  tools/bench.d/compile
 * prints the estimate beside the kernel's figure.
 */
#include <stdio.h>

#include "fwlc/budget.h"
#include "fwlc/gen_bpf.h"

#define PROCESSED_PER_INSN 3
#define ARM_ACTION_INSNS 16	/* count the rule, record it, return */
#define ARM_ACTION_BRANCHES 2
#define SHAPE_INSNS 16		/* build the key, look up, compare arms */
#define SHAPE_BRANCHES 3
#define RUN_INSNS 24		/* the winner: count, record, return */
#define PART_CALL_INSNS 4	/* call, compare, return */

struct cost {
	long insns, branches;
};

static void add(struct cost *c, long insns, long branches)
{
	c->insns += insns;
	c->branches += branches;
}

static void test_cost(const struct ir_test *t, struct cost *c)
{
	switch (t->field) {
	case IRF_RATELIMIT:
		add(c, 60, 6);	/* GCRA bucket lookup and update */
		return;
	case IRF_FEED_SRC:
	case IRF_FEED_DST:
		add(c, 30, 3);	/* two LPM lookups, by family */
		return;
	case IRF_VLAN_TAGS:
	case IRF_FRAG_LATER:
		/* Every Ether(_, IP..)/TCP(..) pattern has them; clang tests
		 * them once for a run of such arms (fitted on tables.sh). */
		add(c, 1, 0);
		return;
	default:
		break;
	}
	switch (t->op) {
	case IR_EQ:
	case IR_MASK:
		add(c, 2, 1);
		return;
	case IR_RANGE:
		add(c, 4, 2);
		return;
	case IR_PREFIX: {
		int words = t->field == IRF_SRC6 || t->field == IRF_DST6
				    ? (t->plen + 31) / 32 : 1;
		add(c, 4L * words, words);
		return;
	}
	case IR_IN_SET:
		add(c, 14, 2);	/* key on the stack, lookup, NULL check */
		return;
	case IR_ANY:
		for (int i = 0; i < t->nalts; i++)
			test_cost(&t->alts[i], c);
		return;
	}
}

static void cond_cost(const struct ir_cond *k, struct cost *c)
{
	if (!k)
		return;
	if (k->kind == IRC_TEST)
		test_cost(&k->test, c);
	cond_cost(k->a, c);
	cond_cost(k->b, c);
}

static void policy_cost(const struct ir_prog *ir, const struct ir_policy *pol,
			struct cost *c, int depth);
static void arm_cost(const struct ir_prog *ir, const struct ir_arm *a,
		     struct cost *c, int depth);

static void act_cost(const struct ir_prog *ir, const struct ir_act *a,
		     struct cost *c, int depth)
{
	if (!a)
		return;
	switch (a->kind) {
	case IRA_IF:
		cond_cost(a->cond, c);
		add(c, 1, 1);
		act_cost(ir, a->then_, c, depth);
		act_cost(ir, a->else_, c, depth);
		return;
	case IRA_LOG:
		add(c, 40, 3);	/* ring buffer record */
		act_cost(ir, a->then_, c, depth);
		return;
	case IRA_COUNT:		/* one per-CPU array lookup and two adds */
	case IRA_CT_HELPER:	/* a write to the connection's entry */
	case IRA_CT_OFFLOAD:
		add(c, 12, 1);
		act_cost(ir, a->then_, c, depth);
		return;
	case IRA_MATCH:		/* nested arms, in order, as code */
		for (int i = 0; i < a->narms; i++)
			arm_cost(ir, &a->arms[i], c, depth);
		return;
	case IRA_LEAF:
		add(c, 2, 0);
		if (a->action == IR_CALL && depth < 8) {
			/* Rules are inlined at each call. */
			policy_cost(ir, &ir->rules[a->call], c, depth + 1);
			add(c, 3, 1);
		}
		return;
	}
}

static void arm_cost(const struct ir_prog *ir, const struct ir_arm *a,
		     struct cost *c, int depth)
{
	for (int i = 0; i < a->ntests; i++)
		test_cost(&a->tests[i], c);
	cond_cost(a->guard, c);
	add(c, ARM_ACTION_INSNS, ARM_ACTION_BRANCHES);
	act_cost(ir, a->act, c, depth);
}

/* Items [from, to) of pol: arms and table runs; lookups counted in *nl. */
static void items_cost(const struct ir_prog *ir, const struct ir_policy *pol,
		       int from, int to, int *r, struct cost *c, int *nl,
		       int depth)
{
	for (int i = from; i < to; i++) {
		if (*r < pol->nruns && pol->runs[*r].first == i) {
			const struct ir_run *run = &pol->runs[(*r)++];
			add(c, RUN_INSNS + (long)SHAPE_INSNS * run->nshapes,
			    1 + (long)SHAPE_BRANCHES * run->nshapes);
			if (nl)
				*nl += run->nshapes;
			i = run->end - 1;
			continue;
		}
		arm_cost(ir, &pol->arms[i], c, depth);
	}
}

static void policy_cost(const struct ir_prog *ir, const struct ir_policy *pol,
			struct cost *c, int depth)
{
	int r = 0;
	items_cost(ir, pol, 0, pol->narms, &r, c, NULL, depth);
}

long budget_items(const struct ir_prog *ir, const struct ir_policy *pol,
		  int from, int to, int r, long *branches)
{
	struct cost c = { 0 };
	items_cost(ir, pol, from, to, &r, &c, NULL, 0);
	if (branches)
		*branches = c.branches + 1;
	return PROCESSED_PER_INSN * (c.insns + PART_CALL_INSNS);
}

/* A policy of hook h: its parts, their code and processed estimate. */
static void policy_budget(const struct ir_prog *ir, const struct ir_policy *pol,
			  struct budget_hook *h)
{
	int r = 0, parts = 0;
	if (gen_part_end(pol, 0, 0) >= pol->narms) {
		struct cost c = { 0 };
		items_cost(ir, pol, 0, pol->narms, &r, &c, &h->lookups, 0);
		h->insns += c.insns;
		h->branches += c.branches;
		h->processed += PROCESSED_PER_INSN * c.insns;
		h->parts += 1;
		return;
	}
	for (int i = 0; i < pol->narms; parts++) {
		int end = gen_part_end(pol, i, r);
		struct cost c = { 0 };
		items_cost(ir, pol, i, end, &r, &c, &h->lookups, 0);
		add(&c, PART_CALL_INSNS, 1);
		h->insns += c.insns;
		h->branches += c.branches;
		h->processed += PROCESSED_PER_INSN * c.insns;
		i = end;
	}
	h->parts += parts;
	h->subprogs += parts;
}

void budget_estimate(const struct ir_prog *ir, struct budget *b)
{
	*b = (struct budget){ 0 };
	for (int hk = 0; hk < IR_HOOK_COUNT; hk++) {
		struct budget_hook h = { .hook = (enum ir_hook)hk };
		int n = 0;
		for (int i = 0; i < ir->npolicies; i++)
			if (ir->policies[i].hook == (enum ir_hook)hk) {
				policy_budget(ir, &ir->policies[i], &h);
				n++;
			}
		if (!n)
			continue;
		h.stages = gen_hook_stages(ir, (enum ir_hook)hk, NULL);
		h.max_parts = gen_hook_max_parts(ir, (enum ir_hook)hk);
		b->hooks[b->nhooks++] = h;
		b->processed += h.processed;
		b->subprogs += h.subprogs;
	}
}

int budget_report(FILE *f, const struct budget *b)
{
	int warned = 0;
	for (int i = 0; i < b->nhooks; i++) {
		const struct budget_hook *h = &b->hooks[i];
		int st = h->stages > 1 ? h->stages : 1;
		fprintf(f, "fwlc: verifier budget: hook %s: %ld instructions, "
			"%ld branches, %d part%s, %d table lookup%s, ~%ld "
			"processed (estimate)", ir_hook_name(h->hook),
			h->insns, h->branches, h->parts,
			h->parts == 1 ? "" : "s", h->lookups,
			h->lookups == 1 ? "" : "s", h->processed);
		if (st > 1)
			fprintf(f, " in %d tail-called stages", st);
		fputc('\n', f);
		/* Each stage is a program of its own, with its own limits. */
		if (h->processed / st * 100 >
		    BUDGET_MAX_PROCESSED * BUDGET_WARN_PERCENT) {
			fprintf(f, "fwlc: warning: hook %s: the decision code's "
				"estimated verifier cost, ~%ld processed "
				"instructions per program, is near the "
				"kernel's limit of %ld; run with --load-check "
				"to see whether the kernel accepts it\n",
				ir_hook_name(h->hook), h->processed / st,
				BUDGET_MAX_PROCESSED);
			warned = 1;
		}
		if (st > 1 && h->max_parts > BUDGET_STAGE_SUBPROGS) {
			fprintf(f, "fwlc: warning: hook %s: a stage of %d "
				"noinline parts, more than the %d a program "
				"may hold (the kernel allows %d functions per "
				"program) even in %d stages\n",
				ir_hook_name(h->hook), h->max_parts,
				BUDGET_STAGE_SUBPROGS, BUDGET_MAX_SUBPROGS, st);
			warned = 1;
		}
	}
	/* An entry program holds its hooks that are not staged. */
	for (int e = 0; e < 2; e++) {
		int parts = 0;
		for (int i = 0; i < b->nhooks; i++) {
			const struct budget_hook *h = &b->hooks[i];
			int eg = h->hook == IR_HOOK_OUTPUT ||
				 h->hook == IR_HOOK_POSTROUTING;
			if (eg == e && h->stages <= 1)
				parts += h->max_parts;
		}
		if (parts > BUDGET_STAGE_SUBPROGS) {
			fprintf(f, "fwlc: warning: %s: %d noinline parts in "
				"the entry program, more than the %d a program "
				"may hold (the kernel allows %d functions per "
				"program)\n", e ? "fwl_egress" : "fwl_ingress",
				parts, BUDGET_STAGE_SUBPROGS,
				BUDGET_MAX_SUBPROGS);
			warned = 1;
		}
	}
	return warned;
}
