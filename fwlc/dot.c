// SPDX-License-Identifier: MIT
/*
 * dot.c - `fwlc dot POLICY`: the decision structure as Graphviz DOT.
 *
 * One cluster per hook; in it, each policy's arms as a chain of tests in
 * the order the data plane evaluates them: an arm's box lists its tests,
 * its "match" edge goes to its action, its "no match" edge to the next
 * arm.  Rule calls point at the rule's own chain, whose Continue comes
 * back to the caller's next arm.  Drawn from the same IR the BPF backend
 * compiles, so the picture is what runs.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "fwlc/check.h"
#include "fwlc/cmd.h"
#include "fwlc/lower.h"
#include "fwlc/parse.h"

static const char *const field_name[] = {
	[IRF_L3] = "l3", [IRF_L4] = "proto", [IRF_SRC4] = "src",
	[IRF_DST4] = "dst", [IRF_SRC6] = "src", [IRF_DST6] = "dst",
	[IRF_SPORT] = "sport", [IRF_DPORT] = "dport",
	[IRF_ICMP_TYPE] = "icmp type", [IRF_ICMP_CODE] = "icmp code",
	[IRF_IIF] = "iif", [IRF_OIF] = "oif", [IRF_CT_STATE] = "ct.state",
	[IRF_CT_STATUS] = "ct.status", [IRF_CT_DIR] = "ct.direction",
	[IRF_DST_LOCAL] = "daddrLocal", [IRF_RATELIMIT] = "rate limit",
	[IRF_PAYLOAD] = "payload", [IRF_PAYLOAD_LEN] = "payload length",
	[IRF_FLOW] = "flow", [IRF_FEED_SRC] = "src in feed",
	[IRF_FEED_DST] = "dst in feed", [IRF_TCP_FLAGS] = "tcp.flags",
	[IRF_CT_HELPER] = "ct.helper",
	[IRF_VLAN_TAGS] = "vlan tags", [IRF_FRAG_LATER] = "later fragment",
	[IRF_TTL] = "ttl", [IRF_TOS] = "tos", [IRF_DSCP] = "dscp",
	[IRF_IP4_LEN] = "length", [IRF_IP6_LEN] = "length", [IRF_IP_ID] = "id",
	[IRF_IHL] = "ihl", [IRF_FRAG_IS] = "fragment",
	[IRF_TCP_SEQ] = "tcp.seq", [IRF_TCP_ACK] = "tcp.ack",
	[IRF_TCP_WIN] = "tcp.window", [IRF_UDP_LEN] = "udp.length",
	[IRF_FLOWLABEL] = "flowlabel", [IRF_VLAN_PCP] = "vlan pcp",
	[IRF_VLAN_DEI] = "vlan dei", [IRF_VLAN_ID] = "vlan id",
};

/* A label-safe rendering of one test. */
static void put_test(FILE *f, const struct ir_prog *ir, const struct ir_test *t)
{
	const char *fn = field_name[t->field];
	switch (t->op) {
	case IR_EQ:
		fprintf(f, "%s %s %" PRIu64, fn, t->negate ? "≠" : "=", t->lo);
		break;
	case IR_RANGE:
		fprintf(f, "%s %s %" PRIu64 "-%" PRIu64, fn,
			t->negate ? "∉" : "∈", t->lo, t->hi);
		break;
	case IR_PREFIX: {
		IPAddr ip = { .family = (t->field == IRF_SRC4 ||
					 t->field == IRF_DST4) ? 4 : 6,
			      .prefix = t->plen };
		char buf[64];
		memcpy(ip.addr, t->addr, 16);
		ip_str(&ip, buf, sizeof(buf));
		fprintf(f, "%s %s %s/%d", fn, t->negate ? "∉" : "∈", buf,
			t->plen);
		break;
	}
	case IR_ANY:
		fprintf(f, "%s(", t->negate ? "not " : "");
		for (int i = 0; i < t->nalts; i++) {
			if (i)
				fputs(" or ", f);
			put_test(f, ir, &t->alts[i]);
		}
		fputc(')', f);
		break;
	case IR_MASK:
		if (t->field == IRF_IIF || t->field == IRF_OIF) {
			int first = 1;
			fprintf(f, "%s %s {", fn, t->negate ? "∉" : "∈");
			for (int i = 0; i < ir->nifaces; i++) {
				if (!(t->lo & (1ull << ir->ifaces[i].bit)))
					continue;
				fprintf(f, "%s%s", first ? "" : ", ",
					ir->ifaces[i].name);
				first = 0;
			}
			fputc('}', f);
		} else {
			fprintf(f, "%s %s mask 0x%" PRIx64, fn,
				t->negate ? "∉" : "∈", t->lo);
		}
		break;
	case IR_IN_SET:
		fprintf(f, "%s %s %s (map)", fn, t->negate ? "∉" : "∈",
			ir->sets[t->set].name);
		break;
	}
}

static void put_cond(FILE *f, const struct ir_prog *ir,
		     const struct ir_cond *c)
{
	switch (c->kind) {
	case IRC_TEST:
		put_test(f, ir, &c->test);
		break;
	case IRC_AND:
	case IRC_OR:
		fputc('(', f);
		put_cond(f, ir, c->a);
		fputs(c->kind == IRC_AND ? " and " : " or ", f);
		put_cond(f, ir, c->b);
		fputc(')', f);
		break;
	case IRC_NOT:
		fputs("not ", f);
		put_cond(f, ir, c->a);
		break;
	}
}

static void put_chain(FILE *f, const struct ir_prog *ir,
		      const struct ir_policy *pol, const char *id)
{
	for (int i = 0; i < pol->narms; i++) {
		const struct ir_arm *a = &pol->arms[i];
		fprintf(f, "    %s_%d [shape=box, label=\"%s/%d (line %d)\\l",
			id, i, pol->name, a->index, a->line);
		for (int k = 0; k < a->ntests; k++) {
			put_test(f, ir, &a->tests[k]);
			fputs("\\l", f);
		}
		if (a->guard) {
			fputs("if ", f);
			put_cond(f, ir, a->guard);
			fputs("\\l", f);
		}
		if (!a->ntests && !a->guard)
			fputs("any packet\\l", f);
		fputs("\"];\n", f);
		if (a->action == IR_CALL)
			fprintf(f, "    %s_%d -> rule_%s_0 [label=\"match: "
				   "call\"];\n", id, i, ir->rules[a->call].name);
		else
			fprintf(f, "    %s_%d -> %s_%s [label=\"match\"];\n", id,
				i, id, ir_action_name(a->action));
		if (i + 1 < pol->narms)
			fprintf(f, "    %s_%d -> %s_%d [label=\"no match\", "
				   "style=dashed];\n", id, i, id, i + 1);
		else
			fprintf(f, "    %s_%d -> %s_Continue [label=\"no "
				   "match\", style=dashed];\n", id, i, id);
	}
	for (int k = 0; k < 3; k++) {
		static const char *const shape[] = { "ellipse", "octagon",
						     "plaintext" };
		fprintf(f, "    %s_%s [shape=%s, label=\"%s\"];\n", id,
			ir_action_name(k), shape[k], ir_action_name(k));
	}
}

int cmd_dot(int argc, char **argv)
{
	Arena a = { 0 };
	Diags d;
	struct ir_prog ir;
	int r = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: fwlc dot POLICY.fwl > policy.dot\n");
		return 2;
	}
	diag_init(&d);
	Program *prog = cmd_load(argv[1], &a, &d);
	if (!prog)
		goto out;
	Check *chk = diag_failed(&d) ? NULL : check_program(prog, &a, &d);
	if (!chk || diag_failed(&d) ||
	    lower_program(prog, chk, &a, &d, &ir)) {
		diag_print(&d, stderr);
		goto out;
	}
	printf("digraph fwl {\n  rankdir=TB;\n  node [fontname=\"monospace\", "
	       "fontsize=10];\n  label=\"%s (policy %016" PRIx64 ")\";\n",
	       ir.source, ir.hash);
	for (int h = 0; h < IR_HOOK_COUNT; h++) {
		for (int i = 0; i < ir.npolicies; i++) {
			const struct ir_policy *pol = &ir.policies[i];
			if (pol->hook != (enum ir_hook)h)
				continue;
			printf("  subgraph cluster_%s {\n    label=\"hook %s: "
			       "policy %s\";\n", pol->name,
			       ir_hook_name(pol->hook), pol->name);
			put_chain(stdout, &ir, pol, pol->name);
			printf("  }\n");
		}
	}
	for (int i = 0; i < ir.nrules; i++) {
		char id[160];
		snprintf(id, sizeof(id), "rule_%s", ir.rules[i].name);
		printf("  subgraph cluster_%s {\n    label=\"rule %s\";\n", id,
		       ir.rules[i].name);
		put_chain(stdout, &ir, &ir.rules[i], id);
		printf("  }\n");
	}
	printf("}\n");
	r = 0;
out:
	diag_free(&d);
	arena_free(&a);
	return r;
}
