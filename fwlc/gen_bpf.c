// SPDX-License-Identifier: MIT
/* gen_bpf.c - decision IR to BPF C, see gen_bpf.h. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "fwlc/gen_bpf.h"

/* How each IR field reads from struct fwl_pkt (bpf/lib/parse.h). */
static const char *const field_expr[] = {
	[IRF_L3] = "p->l3",
	[IRF_L4] = "p->l4",
	[IRF_SRC4] = "p->saddr[0]",
	[IRF_DST4] = "p->daddr[0]",
	[IRF_SRC6] = "p->saddr",
	[IRF_DST6] = "p->daddr",
	[IRF_SPORT] = "p->sport",
	[IRF_DPORT] = "p->dport",
	[IRF_ICMP_TYPE] = "p->icmp_type",
	[IRF_ICMP_CODE] = "p->icmp_code",
	[IRF_IIF] = "m->iif_mask",
	[IRF_OIF] = "m->oif_mask",
	[IRF_CT_STATE] = "m->ct.state",
	[IRF_CT_STATUS] = "m->ct.status",
	[IRF_CT_DIR] = "m->ct.dir",
	[IRF_DST_LOCAL] = "m->dst_local",
	[IRF_RATELIMIT] = "(rate limit)",
	[IRF_PAYLOAD] = "m->payload",
	[IRF_PAYLOAD_LEN] = "p->payload_len",
	[IRF_FLOW] = "m->flow",
	[IRF_FEED_SRC] = "p->saddr",
	[IRF_FEED_DST] = "p->daddr",
	[IRF_VLAN_TAGS] = "p->vlan_depth",
	[IRF_FRAG_LATER] = "!!(p->frag & FWL_FRAG_LATER)",
};

static const char *const hook_fn[IR_HOOK_COUNT] = {
	[IR_HOOK_PREROUTING] = "prerouting",
	[IR_HOOK_INPUT] = "input",
	[IR_HOOK_FORWARD] = "forward",
	[IR_HOOK_OUTPUT] = "output",
	[IR_HOOK_POSTROUTING] = "postrouting",
};

static uint32_t be32_at(const uint8_t *a)
{
	return (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 |
	       (uint32_t)a[2] << 8 | a[3];
}

static uint32_t mask32(int plen)
{
	return plen <= 0 ? 0 : plen >= 32 ? 0xffffffffu : ~0u << (32 - plen);
}

/* An address prefix test: each 32-bit word under its mask. */
static void emit_prefix(FILE *f, const struct ir_test *t)
{
	const char *base = field_expr[t->field];
	int words = (t->field == IRF_SRC4 || t->field == IRF_DST4) ? 1 : 4;
	int any = 0;
	fputc('(', f);
	for (int w = 0; w < words; w++) {
		uint32_t m = mask32(t->plen - 32 * w);
		if (!m)
			break;
		fprintf(f, "%s(bpf_ntohl(%s%s) & 0x%08" PRIx32 "u) == "
			   "0x%08" PRIx32 "u",
			any ? " && " : "", base,
			words == 1 ? "" : (const char *[]){ "[0]", "[1]", "[2]",
							   "[3]" }[w],
			m, be32_at(t->addr + 4 * w) & m);
		any = 1;
	}
	if (!any)
		fputc('1', f);
	fputc(')', f);
}

/* Set membership: one map lookup (bpf/lib/sets.h). */
static void emit_in_set(FILE *f, const struct ir_prog *ir,
			const struct ir_test *t)
{
	const struct ir_set *s = &ir->sets[t->set];
	switch (t->field) {
	case IRF_SRC4:
	case IRF_DST4:
		fprintf(f, "fwl_in_cidr4(%u, %s)", s->id, field_expr[t->field]);
		break;
	case IRF_SRC6:
	case IRF_DST6:
		fprintf(f, "fwl_in_cidr6(%u, %s)", s->id, field_expr[t->field]);
		break;
	default:
		fprintf(f, "fwl_in_portset(%u, %s)", s->id,
			field_expr[t->field]);
		break;
	}
}

static void emit_test(FILE *f, const struct ir_prog *ir,
		      const struct ir_test *t)
{
	if (t->negate)
		fputs("!", f);
	if (t->field == IRF_RATELIMIT) {
		/* One token bucket per rule (GCRA, bpf/lib/ratelimit.h). */
		fprintf(f, "fwl_rl_allow(m->rule_id, %" PRIu64 ", %" PRIu64 ")",
			t->lo, t->hi);
		return;
	}
	if (t->field == IRF_FEED_SRC || t->field == IRF_FEED_DST) {
		/* The packet's family picks the feed's trie. */
		fprintf(f, "%s(p->l3 == 0x0800 ? fwl_feed_lookup4(&fwl_feed_%d_v4, "
			   "%s[0]) != NULL : fwl_feed_lookup6(&fwl_feed_%d_v6, "
			   "%s) != NULL)", t->negate ? "!" : "", t->idx,
			field_expr[t->field], t->idx, field_expr[t->field]);
		return;
	}
	if (t->field == IRF_PAYLOAD || t->field == IRF_FLOW) {
		fprintf(f, "%s(%s[%d] == %" PRIu64 ")", t->negate ? "!" : "",
			field_expr[t->field], t->idx, t->lo);
		return;
	}
	switch (t->op) {
	case IR_EQ:
		fprintf(f, t->field == IRF_L3 ? "(%s == 0x%04" PRIx64 ")"
					       : "(%s == %" PRIu64 ")",
			field_expr[t->field], t->lo);
		break;
	case IR_RANGE:
		fprintf(f, "(%s >= %" PRIu64 " && %s <= %" PRIu64 ")",
			field_expr[t->field], t->lo, field_expr[t->field],
			t->hi);
		break;
	case IR_PREFIX:
		emit_prefix(f, t);
		break;
	case IR_ANY:
		fputc('(', f);
		for (int i = 0; i < t->nalts; i++) {
			if (i)
				fputs(" || ", f);
			emit_test(f, ir, &t->alts[i]);
		}
		if (!t->nalts)
			fputc('0', f);
		fputc(')', f);
		break;
	case IR_MASK:
		fprintf(f, "((%s & 0x%" PRIx64 "ull) != 0)",
			field_expr[t->field], t->lo);
		break;
	case IR_IN_SET:
		emit_in_set(f, ir, t);
		break;
	}
}

static void emit_cond(FILE *f, const struct ir_prog *ir,
		      const struct ir_cond *c)
{
	switch (c->kind) {
	case IRC_TEST:
		emit_test(f, ir, &c->test);
		break;
	case IRC_AND:
	case IRC_OR:
		fputc('(', f);
		emit_cond(f, ir, c->a);
		fputs(c->kind == IRC_AND ? " && " : " || ", f);
		emit_cond(f, ir, c->b);
		fputc(')', f);
		break;
	case IRC_NOT:
		fputs("!", f);
		emit_cond(f, ir, c->a);
		break;
	}
}

/* Comment text: the arm as written, without anything that ends a comment. */
static void emit_comment_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (s[0] == '*' && s[1] == '/')
			fputs("* /", f), s++;
		else
			fputc(*s, f);
	}
}

static void indent(FILE *f, int n)
{
	while (n--)
		fputc('\t', f);
}

/* An arm's action tree: nested ifs whose leaves return a verdict. */
static void emit_act(FILE *f, const struct ir_prog *ir,
		     const struct ir_act *a, int in)
{
	switch (a->kind) {
	case IRA_IF:
		indent(f, in);
		fputs("if (", f);
		emit_cond(f, ir, a->cond);
		fputs(") {\n", f);
		emit_act(f, ir, a->then_, in + 1);
		indent(f, in);
		fputs("} else {\n", f);
		emit_act(f, ir, a->else_, in + 1);
		indent(f, in);
		fputs("}\n", f);
		return;
	case IRA_LOG:
		indent(f, in);
		fprintf(f, "fwl_log(p, m->rule_id, %d, %d, 0, 0, %s);\n",
			a->prefix, a->level, ir->uses_ct ? "m->ct.state" : "0");
		emit_act(f, ir, a->then_, in);
		return;
	case IRA_LEAF:
		break;
	}
	indent(f, in);
	switch (a->action) {
	case IR_ALLOW:
		fputs("return FWL_VERDICT_PASS;\n", f);
		break;
	case IR_DROP:
		fputs("return FWL_VERDICT_DROP;\n", f);
		break;
	case IR_CONTINUE:
		fputs("return FWL_VERDICT_CONTINUE;\n", f);
		break;
	case IR_DNAT_MAP:
		fputs("return FWL_VERDICT_DNAT_MAP;\n", f);
		break;
	case IR_MASQ:
		fputs("return FWL_VERDICT_MASQ;\n", f);
		break;
	case IR_CALL:
		/* The rule's Continue goes on with the next arm. */
		fprintf(f, "{\n");
		indent(f, in + 1);
		fprintf(f, "int v = fwl_rule_%s(p, m);\n", ir->rules[a->call].name);
		indent(f, in + 1);
		fprintf(f, "if (v != FWL_VERDICT_CONTINUE)\n");
		indent(f, in + 2);
		fprintf(f, "return v;\n");
		indent(f, in);
		fprintf(f, "}\n");
		break;
	}
}

static void emit_arm(FILE *f, const struct ir_prog *ir,
		     const struct ir_policy *pol, const struct ir_arm *a)
{
	fprintf(f, "\t/* %s/%d, line %d: ", pol->name, a->index, a->line);
	emit_comment_text(f, a->text);
	fputs(" */\n\tif (", f);
	for (int i = 0; i < a->ntests; i++) {
		if (i)
			fputs("\n\t    && ", f);
		emit_test(f, ir, &a->tests[i]);
	}
	if (a->guard) {
		fputs(a->ntests ? "\n\t    && " : "", f);
		emit_cond(f, ir, a->guard);
	} else if (!a->ntests) {
		fputc('1', f);
	}
	fprintf(f, ") {\n\t\tfwl_count_rule(0x%08" PRIx32 "u, p->len);\n"
		   "\t\tm->rule_id = 0x%08" PRIx32 "u;\n",
		a->rule_id, a->rule_id);
	emit_act(f, ir, a->act, 2);
	fputs("\t}\n", f);
}

static void emit_policy(FILE *f, const struct ir_prog *ir,
			const struct ir_policy *pol)
{
	if (pol->is_rule)
		fprintf(f, "/* rule %s */\n"
			   "static __always_inline int fwl_rule_%s(struct "
			   "fwl_pkt *p,\n\t\t\t\t\t    struct fwl_md *m)"
			   "\n{\n", pol->name, pol->name);
	else
		fprintf(f, "/* policy %s, hook %s */\n"
			   "static __always_inline int fwl_policy_%s(struct "
			   "fwl_pkt *p,\n\t\t\t\t\t      struct fwl_md *m)"
			   "\n{\n", pol->name, ir_hook_name(pol->hook),
			pol->name);
	for (int i = 0; i < pol->narms; i++)
		emit_arm(f, ir, pol, &pol->arms[i]);
	/* Only reachable when no arm matches: a checked policy is
	 * exhaustive, so this is the nftables-like default for the rest. */
	fputs("\treturn FWL_VERDICT_CONTINUE;\n}\n\n", f);
}

int gen_bpf(FILE *f, const struct ir_prog *ir)
{
	fprintf(f, "/* Generated by fwlc from %s (policy %016" PRIx64 ").\n"
		   " * Do not edit: edit the policy and rebuild. */\n"
		   "#include \"policy.h\"\n",
		ir->source, ir->hash);
	/* Only the libraries the policy uses. */
	if (ir->nsets)
		fputs("#include \"sets.h\"\n", f);
	if (ir->uses_ifaces)
		fputs("#define FWL_USES_IFACES 1\n#include \"ifaces.h\"\n", f);
	if (ir->uses_ct)
		fputs("#define FWL_USES_CT 1\n#include \"ct.h\"\n", f);
	if (ir->uses_nat)
		fputs("#define FWL_USES_NAT 1\n#include \"nat.h\"\n", f);
	if (ir->uses_ratelimit || ir->uses_log)
		fputs("#include \"ratelimit.h\"\n", f);
	if (ir->uses_log)
		fputs("#include \"log.h\"\n", f);
	if (ir->uses_dst_local)
		fputs("#define FWL_USES_DST_LOCAL 1\n", f);
	fputc('\n', f);
	if (ir->uses_payload)
		fputs("#define FWL_USES_PAYLOAD 1\n", f);
	if (ir->nfeeds)
		fputs("#include \"feed.h\"\n", f);
	for (int i = 0; i < ir->nfeeds; i++)
		fprintf(f, "FWL_FEED_MAPS(fwl_feed_%d, FWL_FEED_MAX);\t/* %s */\n",
			i, ir->feeds[i].name);
	if (ir->nflows) {
		/* Every packet advances the flow patterns' per-flow state
		 * before the policies look at it (FlowMatch.check). */
		fputs("#include \"seq.h\"\n#define FWL_USES_FLOWS 1\n"
		      "/* noinline: its stack is its own, not the entry's */\n"
		      "static __attribute__((noinline)) void "
		      "fwl_flows_update(struct "
		      "fwl_pkt *p, struct fwl_md *m)\n{\n\t__u8 step;\n\n", f);
		for (int i = 0; i < ir->nflows; i++) {
			const struct ir_flow *fl = &ir->flows[i];
			fprintf(f, "\t/* flow %s */\n\tstep = FWL_SEQ_NO_STEP;\n",
				fl->name);
			for (int k = 0; k < fl->nsteps; k++) {
				fputs(k ? "\telse if (" : "\tif (", f);
				for (int j = 0; j < fl->nsteps_tests[k]; j++) {
					fputs(j ? " && " : "", f);
					emit_test(f, ir, &fl->steps[k][j]);
				}
				if (!fl->nsteps_tests[k])
					fputc('1', f);
				fprintf(f, ")\n\t\tstep = %d;\n", k);
			}
			fprintf(f, "\tm->flow[%d] = fwl_seq_step(p, 0, %d, step, "
				   "%d, %" PRIu64 "ull);\n", i, i, fl->nsteps,
				(uint64_t)(fl->window_ms * 1000000ull));
		}
		fputs("}\n\n", f);
	}
	/* Rules first: policies call them.  A rule called from a rule is
	 * lowered after its caller, so emit in reverse. */
	for (int i = ir->nrules - 1; i >= 0; i--)
		emit_policy(f, ir, &ir->rules[i]);
	for (int i = 0; i < ir->npolicies; i++)
		emit_policy(f, ir, &ir->policies[i]);

	/* One function per hook: its policies in declaration order (the
	 * priority order); Drop is final, Allow lets the next one look. */
	for (int h = 0; h < IR_HOOK_COUNT; h++) {
		int n = 0;
		for (int i = 0; i < ir->npolicies; i++)
			n += ir->policies[i].hook == (enum ir_hook)h;
		if (!n)
			continue;
		char up[16];
		size_t k;
		for (k = 0; hook_fn[h][k] && k < sizeof(up) - 1; k++)
			up[k] = hook_fn[h][k] - 'a' + 'A';
		up[k] = 0;
		fprintf(f, "#define FWL_HOOK_%s 1\n"
			   "static __always_inline int fwl_hook_%s(struct "
			   "fwl_pkt *p, struct fwl_md *m)\n{\n\tint v;\n\n",
			up, hook_fn[h]);
		for (int i = 0; i < ir->npolicies; i++) {
			if (ir->policies[i].hook != (enum ir_hook)h)
				continue;
			/* NAT verdicts go to the entry program, which
			 * rewrites the packet; Drop is final. */
			fprintf(f, "\tv = fwl_policy_%s(p, m);\n"
				   "\tif (v == FWL_VERDICT_DROP || v >= "
				   "FWL_VERDICT_DNAT_MAP)\n\t\treturn v;\n",
				ir->policies[i].name);
		}
		fputs("\treturn FWL_VERDICT_PASS;\n}\n\n", f);
	}
	fputs("#include \"ingress.h\"\n", f);
	if (ir->uses_ct || ir->has_egress)
		fputs("#include \"egress.h\"\n", f);
	return ferror(f) ? -EIO : 0;
}
