// SPDX-License-Identifier: MIT
/* gen_bpf.c - decision IR to BPF C, see gen_bpf.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "fwlc/budget.h"
#include "fwlc/dir4.h"
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
	[IRF_TCP_FLAGS] = "p->tcp_flags",
	[IRF_CT_HELPER] = "m->ct.helper",
	[IRF_VLAN_TAGS] = "p->vlan_depth",
	[IRF_FRAG_LATER] = "((p->frag & (FWL_FRAG_LATER | FWL_FRAG_RESOLVED)) "
			   "== FWL_FRAG_LATER)",
	[IRF_TTL] = "p->ttl",
	[IRF_TOS] = "p->tos",
	[IRF_DSCP] = "(p->tos >> 2)",
	[IRF_IP4_LEN] = "(p->ip_end - p->l3_off)",
	[IRF_IP6_LEN] = "(p->ip_end - p->l3_off - 40)",
	[IRF_IP_ID] = "p->frag_id",
	[IRF_IHL] = "((p->l4_off - p->l3_off) >> 2)",
	[IRF_FRAG_IS] = "!!(p->frag & FWL_FRAG_IS)",
	[IRF_TCP_SEQ] = "p->tcp_seq",
	[IRF_TCP_ACK] = "p->tcp_ack",
	[IRF_TCP_WIN] = "p->tcp_win",
	[IRF_UDP_LEN] = "(p->payload_len + 8)",
	[IRF_FLOWLABEL] = "p->flowlabel",
	[IRF_VLAN_PCP] = "p->vlan_prio",
	[IRF_VLAN_DEI] = "p->vlan_prio",
	[IRF_VLAN_ID] = "p->vlan",
};

/* Long policies are cut into noinline parts of GEN_PART_ITEMS arms (or
 * table runs).  Within a function the verifier walks every combination
 * of the arms' branch outcomes it cannot prune -- 60 arms of mixed tests
 * exceed its 1,000,000 instructions -- while a call returns one unknown
 * verdict, so the cost of parts adds up instead of multiplying. */

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

/* Set membership (bpf/lib/sets.h): an IPv4 set in its fixed-depth trie
 * (dir4.h) or the LPM trie, an IPv6 set in its LPM trie, a port set in
 * its bitmap. */
static void emit_in_set(FILE *f, const struct ir_prog *ir,
			const struct ir_test *t)
{
	const struct ir_set *s = &ir->sets[t->set];
	switch (t->field) {
	case IRF_SRC4:
	case IRF_DST4:
		if (s->dir4)
			fprintf(f, "fwl_in_dir4(%u, %s)", s->dir4_root,
				field_expr[t->field]);
		else
			fprintf(f, "fwl_in_cidr4(%u, %s)", s->id,
				field_expr[t->field]);
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
		/* The packet's family picks the feed's trie.  In an object
		 * for tests the read is recorded (fwl_md.feeds_asked: the
		 * scenario backend reports a feed or DNS name the scenario
		 * does not mock, as the interpreter does). */
		fputc('(', f);	/* a negation is written above */
		if (ir->testing && t->idx < 32)
			fprintf(f, "m->feeds_asked |= 1u << %d, ", t->idx);
		fprintf(f, "(p->l3 == 0x0800 ? fwl_feed_lookup4(&fwl_feed_%d_v4, "
			   "%s[0]) != NULL : fwl_feed_lookup6(&fwl_feed_%d_v6, "
			   "%s) != NULL))", t->idx, field_expr[t->field], t->idx,
			field_expr[t->field]);
		return;
	}
	if (t->field == IRF_VLAN_ID || t->field == IRF_VLAN_PCP ||
	    t->field == IRF_VLAN_DEI) {
		/* tag idx: the pattern's layer checked the tag count */
		char x[48];
		snprintf(x, sizeof(x), t->field == IRF_VLAN_ID ? "p->vlan[%d]"
			 : t->field == IRF_VLAN_PCP ? "(p->vlan_prio[%d] >> 1)"
						    : "(p->vlan_prio[%d] & 1)",
			 t->idx);
		if (t->op == IR_RANGE)
			fprintf(f, "(%s >= %" PRIu64 " && %s <= %" PRIu64 ")",
				x, t->lo, x, t->hi);
		else
			fprintf(f, "(%s == %" PRIu64 ")", x, t->lo);
		return;
	}
	if (t->field == IRF_PAYLOAD || t->field == IRF_FLOW) {
		fprintf(f, "(%s[%d] == %" PRIu64 ")", field_expr[t->field],
			t->idx, t->lo);
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

/* An arm's action tree: nested ifs whose leaves return a verdict.  `cont`
 * is what Continue does: in a rule, return it to the caller; in a policy,
 * go to the policy's next arm. */
static void emit_act(FILE *f, const struct ir_prog *ir,
		     const struct ir_act *a, int in, const char *cont)
{
	switch (a->kind) {
	case IRA_IF:
		indent(f, in);
		fputs("if (", f);
		emit_cond(f, ir, a->cond);
		fputs(") {\n", f);
		emit_act(f, ir, a->then_, in + 1, cont);
		indent(f, in);
		fputs("} else {\n", f);
		emit_act(f, ir, a->else_, in + 1, cont);
		indent(f, in);
		fputs("}\n", f);
		return;
	case IRA_LOG:
		indent(f, in);
		fprintf(f, "fwl_log(p, m->rule_id, %d, %d, 0, 0, %s);\n",
			a->prefix, a->level, ir->uses_ct ? "m->ct.state" : "0");
		emit_act(f, ir, a->then_, in, cont);
		return;
	case IRA_COUNT:
		indent(f, in);
		fprintf(f, "fwl_count_named(%" PRIu32 ", p->len);\t/* %s */\n",
			ir->counter_ids[a->counter], ir->counters[a->counter]);
		emit_act(f, ir, a->then_, in, cont);
		return;
	case IRA_CT_HELPER:
		indent(f, in);
		fprintf(f, "fwl_ct_set_helper(&m->ct, %d);\n", a->helper);
		emit_act(f, ir, a->then_, in, cont);
		return;
	case IRA_CT_OFFLOAD:
		indent(f, in);
		fputs("fwl_ct_set_offload(&m->ct);\n", f);
		emit_act(f, ir, a->then_, in, cont);
		return;
	case IRA_MATCH:
		/* case frame of: the first arm that holds; none: Continue */
		for (int i = 0; i < a->narms; i++) {
			const struct ir_arm *arm = &a->arms[i];
			indent(f, in);
			fputs("if (", f);
			for (int j = 0; j < arm->ntests; j++) {
				fputs(j ? " && " : "", f);
				emit_test(f, ir, &arm->tests[j]);
			}
			if (arm->guard) {
				fputs(arm->ntests ? " && " : "", f);
				emit_cond(f, ir, arm->guard);
			} else if (!arm->ntests) {
				fputc('1', f);
			}
			fputs(") {\n", f);
			emit_act(f, ir, arm->act, in + 1, cont);
			indent(f, in);
			fputs("}\n", f);
		}
		indent(f, in);
		fprintf(f, "%s\n", cont);
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
		fprintf(f, "%s\n", cont);
		break;
	case IR_DNAT_MAP:
		fputs("return FWL_VERDICT_DNAT_MAP;\n", f);
		break;
	case IR_MASQ:
		fputs("return FWL_VERDICT_MASQ;\n", f);
		break;
	case IR_DNAT:
	case IR_SNAT: {
		const struct ir_nat_target *t = &a->nat;
		uint32_t w[4];
		if (t->is_set) {
			fprintf(f, "return fwl_nat_pick(p, m, %s, %d, %d);\n",
				a->action == IR_DNAT ? "FWL_VERDICT_DNAT"
						     : "FWL_VERDICT_SNAT",
				t->set4, t->set6);
			break;
		}
		for (int i = 0; i < 4; i++)
			w[i] = (uint32_t)t->addr[4 * i] << 24 |
			       (uint32_t)t->addr[4 * i + 1] << 16 |
			       (uint32_t)t->addr[4 * i + 2] << 8 |
			       t->addr[4 * i + 3];
		fprintf(f, "return fwl_nat_to(m, %s, %d, 0x%08" PRIx32
			   ", 0x%08" PRIx32 ", 0x%08" PRIx32 ", 0x%08" PRIx32
			   ", %u);\n",
			a->action == IR_DNAT ? "FWL_VERDICT_DNAT"
					     : "FWL_VERDICT_SNAT",
			t->family, w[0], w[1], w[2], w[3], t->port);
		break;
	}
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
		indent(f, in);
		fprintf(f, "%s\n", cont);
		break;
	}
}

static void emit_arm(FILE *f, const struct ir_prog *ir,
		     const struct ir_policy *pol, const struct ir_arm *a)
{
	fprintf(f, "/* fwl:line %d */\n\t/* %s/%d, line %d: ", a->line,
		pol->name, a->index, a->line);
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
	if (a->line == ir->fault_line)	/* --inject-fault: tests only */
		fputs("\t\tm->payload[0] = *((volatile __u8 *)p + 65536);\n", f);
	char cont[48];
	if (pol->is_rule)
		snprintf(cont, sizeof(cont), "return FWL_VERDICT_CONTINUE;");
	else
		snprintf(cont, sizeof(cont), "goto fwl_next_%d;", a->index);
	emit_act(f, ir, a->act, 2, cont);
	fputs("\t}\n", f);
	if (!pol->is_rule)
		fprintf(f, "fwl_next_%d: __attribute__((unused));\n", a->index);
}

/* The packet's key for one shape: its fields under the shape's masks. */
static void emit_shape_key(FILE *f, const struct ir_shape *sh)
{
	fprintf(f, "\t\tk = (struct fwl_cls_key){ .table = %" PRIu32 "u",
		sh->table);
	if (sh->fields & IR_SH_L3)
		fputs(", .l3 = p->l3", f);
	if (sh->fields & IR_SH_L4)
		fputs(", .l4 = p->l4", f);
	for (int d = 0; d < 2; d++) {	/* source, destination */
		unsigned b4 = d ? IR_SH_DST4 : IR_SH_SRC4;
		unsigned b6 = d ? IR_SH_DST6 : IR_SH_SRC6;
		int plen = d ? sh->dst_plen : sh->src_plen;
		int words = sh->fields & b6 ? 4 : sh->fields & b4 ? 1 : 0;
		if (!words)
			continue;
		fprintf(f, ",\n\t\t\t.%s = {", d ? "dst" : "src");
		for (int w = 0; w < words; w++) {
			uint32_t m = mask32(plen - 32 * w);
			fprintf(f, "%s%s[%d] & bpf_htonl(0x%08" PRIx32 "u)",
				w ? ", " : " ", d ? "p->daddr" : "p->saddr", w,
				m);
		}
		fputs(" }", f);
	}
	if (sh->fields & IR_SH_SPORT)
		fprintf(f, ", .sport = p->sport & 0x%04x",
			(unsigned)(0xffff0000u >> sh->sport_plen) & 0xffff);
	if (sh->fields & IR_SH_DPORT)
		fprintf(f, ", .dport = p->dport & 0x%04x",
			(unsigned)(0xffff0000u >> sh->dport_plen) & 0xffff);
	if (sh->fields & IR_SH_ITYPE)
		fputs(", .icmp_type = p->icmp_type", f);
	if (sh->fields & IR_SH_ICODE)
		fputs(", .icmp_code = p->icmp_code", f);
	if (sh->fields & (IR_SH_NOVLAN | IR_SH_NOFRAG))
		fprintf(f, ",\n\t\t\t.flags = %s%s%s",
			sh->fields & IR_SH_NOVLAN
				? "(p->vlan_depth ? FWL_CLS_F_VLAN : 0)" : "",
			(sh->fields & IR_SH_NOVLAN) &&
					(sh->fields & IR_SH_NOFRAG) ? " | " : "",
			sh->fields & IR_SH_NOFRAG
				? "((p->frag & (FWL_FRAG_LATER | "
				  "FWL_FRAG_RESOLVED)) == FWL_FRAG_LATER ? "
				  "FWL_CLS_F_FRAG : 0)" : "");
	fputs(" };\n\t\tbest = fwl_cls_best(&k, best);\n", f);
}

/* A run of table arms: one lookup per shape; the lowest arm found
 * decides, exactly as the first of them whose tests hold would. */
static void emit_run(FILE *f, const struct ir_policy *pol,
		     const struct ir_run *run)
{
	const struct ir_arm *a = &pol->arms[run->first];
	const struct ir_arm *z = &pol->arms[run->end - 1];
	fprintf(f, "/* fwl:line %d */\n", a->line);
	fprintf(f, "\t/* %s/%d..%d, lines %d..%d: %d arms in %d table "
		   "shape%s (fwl_cls) */\n\t{\n"
		   "\t\tconst struct fwl_cls_val *best = NULL;\n"
		   "\t\tstruct fwl_cls_key k;\n\n",
		pol->name, a->index, z->index, a->line, z->line,
		run->end - run->first, run->nshapes,
		run->nshapes == 1 ? "" : "s");
	for (int i = 0; i < run->nshapes; i++)
		emit_shape_key(f, &run->shapes[i]);
	fputs("\t\tif (best) {\n"
	      "\t\t\tfwl_count_rule(best->rule_id, p->len);\n"
	      "\t\t\tm->rule_id = best->rule_id;\n"
	      "\t\t\treturn best->verdict;\n\t\t}\n\t}\n", f);
}

/* Emit the arms [from, to) of pol, a table run as one item; the next
 * run's index is *r. */
static void emit_items(FILE *f, const struct ir_prog *ir,
		       const struct ir_policy *pol, int from, int to, int *r)
{
	for (int i = from; i < to; i++) {
		if (*r < pol->nruns && pol->runs[*r].first == i) {
			emit_run(f, pol, &pol->runs[*r]);
			i = pol->runs[(*r)++].end - 1;
			continue;
		}
		emit_arm(f, ir, pol, &pol->arms[i]);
	}
}

/* The end of the part of pol that starts at arm from: at most PART_ITEMS
 * items (an arm, or a table run). */
int gen_part_end(const struct ir_policy *pol, int from, int r)
{
	int i = from;
	for (int n = 0; n < GEN_PART_ITEMS && i < pol->narms; n++) {
		while (r < pol->nruns && pol->runs[r].end <= i)
			r++;
		i = r < pol->nruns && pol->runs[r].first == i
			    ? pol->runs[r].end : i + 1;
	}
	return i;
}

static void emit_policy(FILE *f, const struct ir_prog *ir,
			const struct ir_policy *pol)
{
	const char *kind = pol->is_rule ? "rule" : "policy";
	int r = 0, nparts = 0;

	/* Long policies are cut into noinline parts: the verifier's paths
	 * multiply within a part, not across a call (docs/bundle.md). */
	if (gen_part_end(pol, 0, 0) < pol->narms) {
		for (int i = 0; i < pol->narms; nparts++) {
			int end = gen_part_end(pol, i, r);
			fprintf(f, "/* fwl:line %d */\n", pol->arms[i].line);
			fprintf(f, "/* %s %s, part %d: arms %d..%d */\n"
				   "static __attribute__((noinline)) int "
				   "fwl_%s_%s_part%d(struct fwl_pkt *p, "
				   "struct fwl_md *m)\n{\n",
				kind, pol->name, nparts, pol->arms[i].index,
				pol->arms[end - 1].index, kind, pol->name,
				nparts);
			emit_items(f, ir, pol, i, end, &r);
			fputs("\treturn FWL_VERDICT_NONE;\n}\n/* fwl:end */\n\n",
			      f);
			i = end;
		}
	}
	if (pol->narms)
		fprintf(f, "/* fwl:line %d */\n", pol->arms[0].line);
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
	if (nparts)
		fputs("\tint v;\n\n", f);
	for (int k = 0; k < nparts; k++)
		fprintf(f, "\tv = fwl_%s_%s_part%d(p, m);\n"
			   "\tif (v != FWL_VERDICT_NONE)\n\t\treturn v;\n",
			kind, pol->name, k);
	if (!nparts)
		emit_items(f, ir, pol, 0, pol->narms, &r);
	/* Only reachable when no arm matches: a checked policy is
	 * exhaustive, so this is the nftables-like default for the rest. */
	fputs("\treturn FWL_VERDICT_CONTINUE;\n}\n/* fwl:end */\n\n", f);
}

/* Tail-called stages.  Each entry program -- fwl_ingress (XDP: the hooks
 * Prerouting, Input, Forward) and fwl_egress (TC: Output, Postrouting) --
 * must pass the verifier on its own: at most ir->stage_budget
 * (BUDGET_STAGE_PROCESSED by default) estimated processed instructions and
 * BUDGET_STAGE_SUBPROGS noinline parts of decision code.  When its hooks
 * together exceed that, its costliest hooks run as chains of programs of
 * their own until what stays in the entry fits: the entry tail-calls the
 * hook's first stage; a stage runs its steps (a policy, or a part of a cut
 * one) in order, and when the hook has its verdict -- or after the last
 * step -- records it in fwl_md and tail-calls the entry again, which
 * resumes after the hook (ingress.h, egress.h).  A failed tail call drops
 * the packet (fails closed). */
struct step {
	int policy;		/* index in ir->policies */
	int part;		/* part number, -1: the whole policy */
	long cost;		/* estimated processed instructions */
	long branches;		/* conditional branches */
};

/* The two entry programs and what their stages are made of. */
struct entry {
	const char *name;	/* the entry program, slot 0 of the array */
	const char *array;	/* its PROG_ARRAY of stages */
	const char *stage;	/* stage program names: prefix, slot */
	const char *sec;	/* ELF section: program type */
	const char *ctx;	/* context type */
	const char *drop;	/* fail closed */
	const char *define;	/* set when the entry has stages */
};

/* The conditional branches a stage adds around each step (emit_step). */
#define STEP_BRANCHES 5

static const struct entry entries[2] = {
	{ "fwl_ingress", "fwl_stages", "fwl_stage_", "xdp", "struct xdp_md",
	  "XDP_DROP", "FWL_STAGES" },
	{ "fwl_egress", "fwl_egress_stages", "fwl_eg_stage_", "tc",
	  "struct __sk_buff", "TC_ACT_SHOT", "FWL_EGRESS_STAGES" },
};

/* 0: the hook is in fwl_ingress, 1: in fwl_egress. */
static int hook_entry(enum ir_hook h)
{
	return h == IR_HOOK_OUTPUT || h == IR_HOOK_POSTROUTING;
}

static long stage_budget(const struct ir_prog *ir)
{
	return ir->stage_budget > 0 ? ir->stage_budget
				    : BUDGET_STAGE_PROCESSED;
}

/* The steps of hook h (at most max, in steps[] unless NULL); their
 * number. */
static int hook_steps(const struct ir_prog *ir, enum ir_hook h,
		      struct step *steps, int max)
{
	int n = 0;
	for (int i = 0; i < ir->npolicies; i++) {
		const struct ir_policy *pol = &ir->policies[i];
		if (pol->hook != h)
			continue;
		if (gen_part_end(pol, 0, 0) >= pol->narms) {
			if (steps && n < max) {
				steps[n] = (struct step){ i, -1, 0, 0 };
				steps[n].cost = budget_items(ir, pol, 0,
					pol->narms, 0, &steps[n].branches);
			}
			n++;
			continue;
		}
		int r = 0;
		for (int a = 0, k = 0; a < pol->narms; k++) {
			int end = gen_part_end(pol, a, r);
			if (steps && n < max) {
				steps[n] = (struct step){ i, k, 0, 0 };
				steps[n].cost = budget_items(ir, pol, a, end,
					r, &steps[n].branches);
			}
			n++;
			while (r < pol->nruns && pol->runs[r].first < end)
				r++;
			a = end;
		}
	}
	return n;
}

/* The steps of hook h (malloc'ed, *n of them), NULL when none. */
static struct step *hook_steps_alloc(const struct ir_prog *ir, enum ir_hook h,
				     int *n)
{
	*n = hook_steps(ir, h, NULL, 0);
	if (!*n)
		return NULL;
	struct step *st = calloc(*n, sizeof(*st));
	if (!st)
		abort();
	hook_steps(ir, h, st, *n);
	return st;
}

/* Decision code: processed estimate, branches, noinline parts, steps. */
struct hook_cost {
	long processed;
	long branches;
	int subprogs;
	int nsteps;
};

static void cost_add(struct hook_cost *c, const struct step *s, int sign)
{
	c->processed += sign * s->cost;
	c->branches += sign * (s->branches + STEP_BRANCHES);
	c->subprogs += sign * (s->part >= 0);
}

static struct hook_cost hook_cost(const struct ir_prog *ir, enum ir_hook h)
{
	struct hook_cost c = { 0 };
	int n;
	struct step *st = hook_steps_alloc(ir, h, &n);
	for (int i = 0; i < n; i++)
		cost_add(&c, &st[i], 1);
	c.nsteps = n;
	free(st);
	return c;
}

/* Whether code of cost c fits one program (an entry or a stage). */
static int fits(const struct ir_prog *ir, const struct hook_cost *c)
{
	return c->processed <= stage_budget(ir) &&
	       c->branches <= BUDGET_STAGE_BRANCHES &&
	       c->subprogs <= BUDGET_STAGE_SUBPROGS;
}

/* Whether hook h runs in stages: of its entry program's hooks, the
 * costliest are staged, one after the other, until the rest fits.  A hook
 * of one step (a policy not cut into parts) stays in the entry. */
static int hook_staged(const struct ir_prog *ir, enum ir_hook h)
{
	struct hook_cost c[IR_HOOK_COUNT], sum = { 0 };
	int staged[IR_HOOK_COUNT] = { 0 };
	for (int k = 0; k < IR_HOOK_COUNT; k++) {
		c[k] = hook_entry((enum ir_hook)k) == hook_entry(h)
			       ? hook_cost(ir, (enum ir_hook)k)
			       : (struct hook_cost){ 0 };
		sum.processed += c[k].processed;
		sum.branches += c[k].branches;
		sum.subprogs += c[k].subprogs;
	}
	while (!fits(ir, &sum)) {
		int best = -1;
		for (int k = 0; k < IR_HOOK_COUNT; k++)
			if (!staged[k] && c[k].nsteps > 1 &&
			    (best < 0 || c[k].processed > c[best].processed ||
			     (c[k].processed == c[best].processed &&
			      c[k].subprogs > c[best].subprogs)))
				best = k;
		if (best < 0)
			break;	/* nothing left to stage: the kernel decides */
		staged[best] = 1;
		sum.processed -= c[best].processed;
		sum.branches -= c[best].branches;
		sum.subprogs -= c[best].subprogs;
	}
	return staged[h];
}

/* Stage number (0-based) of each step in stage_of[]; the number of stages
 * of hook h (0: no policy, 1: not staged).  A staged hook's steps are
 * packed in order into stages within the budget (at least two: one
 * would only add a tail call; at most BUDGET_MAX_STAGES). */
int gen_hook_stages(const struct ir_prog *ir, enum ir_hook h, int **stage_of)
{
	int n;
	struct step *st = hook_steps_alloc(ir, h, &n);
	if (!n)
		return 0;
	int *of = calloc(n, sizeof(*of));
	if (!of)
		abort();
	int stages = 1;
	if (hook_staged(ir, h)) {
		struct hook_cost sum = { 0 };
		long total = 0;
		for (int i = 0; i < n; i++) {
			cost_add(&sum, &st[i], 1);
			if (i && !fits(ir, &sum) &&
			    stages < BUDGET_MAX_STAGES) {
				stages++;
				sum = (struct hook_cost){ 0 };
				cost_add(&sum, &st[i], 1);
			}
			of[i] = stages - 1;
			total += st[i].cost;
		}
		if (stages == 1) {	/* fits one: cut it in halves */
			long half = 0;
			for (int i = 0; i < n; i++) {
				of[i] = i && half >= total / 2;
				half += st[i].cost;
			}
			stages = 2;
		}
	}
	free(st);
	if (stage_of)
		*stage_of = of;
	else
		free(of);
	return stages;
}

int gen_hook_max_parts(const struct ir_prog *ir, enum ir_hook h)
{
	int *of = NULL, n, max = 0;
	int stages = gen_hook_stages(ir, h, &of);
	struct step *st = hook_steps_alloc(ir, h, &n);
	int *parts = calloc(stages > 0 ? (size_t)stages : 1, sizeof(*parts));
	if (!parts)
		abort();
	for (int i = 0; i < n; i++) {
		int k = stages > 1 ? of[i] : 0;
		parts[k] += st[i].part >= 0;
		if (parts[k] > max)
			max = parts[k];
	}
	free(parts);
	free(st);
	free(of);
	return max;
}

static const char *const hook_resume[IR_HOOK_COUNT] = {
	[IR_HOOK_PREROUTING] = "FWL_RESUME_PREROUTING",
	[IR_HOOK_INPUT] = "FWL_RESUME_INPUT",
	[IR_HOOK_FORWARD] = "FWL_RESUME_FORWARD",
	[IR_HOOK_OUTPUT] = "FWL_RESUME_OUTPUT",
	[IR_HOOK_POSTROUTING] = "FWL_RESUME_POSTROUTING",
};

static void emit_step(FILE *f, const struct ir_prog *ir, const struct step *s)
{
	const struct ir_policy *pol = &ir->policies[s->policy];
	if (s->part < 0) {
		fprintf(f, "\tif (m->stage_skip != %d%s) {\n"
			   "\t\tv = fwl_policy_%s(p, m);\n"
			   "\t\tif (v == FWL_VERDICT_DROP)\n"
			   "\t\t\tgoto done;\n"
			   "\t\tif (v >= FWL_VERDICT_DNAT_MAP && "
			   "!m->stage_nat)\n\t\t\tm->stage_nat = v;\n"
			   "\t}\n", s->policy + 1,
			pol->nat_table ? " && m->nat_first" : "", pol->name);
		return;
	}
	/* A part: its verdict is its policy's; Allow, Continue and a NAT
	 * action end the policy (its later parts are skipped), the next
	 * policy looks; the first NAT action is the hook's. */
	fprintf(f, "\tif (m->stage_skip != %d%s) {\n"
		   "\t\tv = fwl_policy_%s_part%d(p, m);\n"
		   "\t\tif (v == FWL_VERDICT_DROP)\n"
		   "\t\t\tgoto done;\n"
		   "\t\tif (v >= FWL_VERDICT_DNAT_MAP && "
		   "v != FWL_VERDICT_NONE && !m->stage_nat)\n"
		   "\t\t\tm->stage_nat = v;\n"
		   "\t\tif (v != FWL_VERDICT_NONE)\n"
		   "\t\t\tm->stage_skip = %d;\n\t}\n",
		s->policy + 1, pol->nat_table ? " && m->nat_first" : "",
		pol->name, s->part, s->policy + 1);
}

/* The upper-case name of hook h, for FWL_HOOK_* and FWL_STAGED_*. */
static void hook_upper(enum ir_hook h, char *up, size_t size)
{
	size_t k;
	for (k = 0; hook_fn[h][k] && k < size - 1; k++)
		up[k] = hook_fn[h][k] - 'a' + 'A';
	up[k] = 0;
}

/* The stages of hook h, slots slot.. of e's array. */
static void emit_hook_stages(FILE *f, const struct ir_prog *ir,
			     const struct entry *e, enum ir_hook h, int slot,
			     int nstages, const int *of)
{
	int n;
	struct step *st = hook_steps_alloc(ir, h, &n);
	char up[16];
	hook_upper(h, up, sizeof(up));
	fprintf(f, "#define FWL_HOOK_%s 1\n#define FWL_STAGED_%s %d\n", up, up,
		slot);
	for (int sg = 0; sg < nstages; sg++) {
		fprintf(f, "/* hook %s, stage %d of %d */\n"
			   "SEC(\"%s\")\nint %s%d(%s *ctx)\n{\n"
			   "\tstruct fwl_scratch *s = fwl_scratch();\n"
			   "\tstruct fwl_md *m = fwl_md_peek();\n"
			   "\tint v = FWL_VERDICT_PASS;\n\n"
			   "\tif (!s || !m)\n\t\treturn %s;\n"
			   "\tstruct fwl_pkt *p = &s->pkt;\n\n",
			ir_hook_name(h), sg + 1, nstages, e->sec, e->stage,
			slot + sg, e->ctx, e->drop);
		for (int i = 0; i < n; i++)
			if (of[i] == sg)
				emit_step(f, ir, &st[i]);
		if (sg + 1 < nstages)
			fprintf(f, "\tbpf_tail_call(ctx, &%s, %d);\n"
				   "\treturn %s;\t/* the stage is missing: "
				   "fails closed */\n",
				e->array, slot + sg + 1, e->drop);
		else
			fputs("\tv = m->stage_nat ? m->stage_nat : "
			      "FWL_VERDICT_PASS;\n", f);
		fprintf(f, "done:\n\tm->stage_v = v;\n"
			   "\tm->resume = %s;\n"
			   "\tbpf_tail_call(ctx, &%s, 0);\n"
			   "\tm->resume = 0;\n"
			   "\treturn %s;\t/* fails closed */\n"
			   "}\n\n", hook_resume[h], e->array, e->drop);
	}
	free(st);
}

/* Entry e's array of stages, its way into a stage and the stages. */
static void emit_entry_stages(FILE *f, const struct ir_prog *ir,
			      const struct entry *e, int which)
{
	int slot[IR_HOOK_COUNT] = { 0 }, nstages[IR_HOOK_COUNT] = { 0 };
	int *of[IR_HOOK_COUNT] = { 0 }, total = 0;
	for (int h = 0; h < IR_HOOK_COUNT; h++) {
		if (hook_entry((enum ir_hook)h) != which)
			continue;
		int n = gen_hook_stages(ir, (enum ir_hook)h, &of[h]);
		if (n > 1) {
			slot[h] = 1 + total;
			nstages[h] = n;
			total += n;
		} else {
			free(of[h]);
			of[h] = NULL;
		}
	}
	if (!total)
		return;
	fprintf(f, "/* Tail-called stages of %s (see fwlc/gen_bpf.c): slot 0 "
		   "is the entry program. */\n#define %s 1\n"
		   "int %s(%s *ctx);\n", e->name, e->define, e->name, e->ctx);
	for (int i = 1; i <= total; i++)
		fprintf(f, "int %s%d(%s *ctx);\n", e->stage, i, e->ctx);
	fprintf(f, "struct {\n\t__uint(type, BPF_MAP_TYPE_PROG_ARRAY);\n"
		   "\t__uint(max_entries, %d);\n\t__uint(key_size, 4);\n"
		   "\t__array(values, int(%s *));\n"
		   "} %s SEC(\".maps\") = {\n\t.values = {\n"
		   "\t\t[0] = (void *)&%s,\n", total + 1, e->ctx, e->array,
		e->name);
	for (int i = 1; i <= total; i++)
		fprintf(f, "\t\t[%d] = (void *)&%s%d,\n", i, e->stage, i);
	fprintf(f, "\t},\n};\n\n"
		   "/* Into a staged hook: never returns unless the stage is "
		   "missing. */\n"
		   "static __always_inline void %s_enter(%s *ctx, struct "
		   "fwl_md *m,\n\t\t\t\t\t    int hook, int slot, int route)"
		   "\n{\n\tm->resume_hook = hook;\n"
		   "\tm->route = route;\n\tm->stage_skip = 0;\n"
		   "\tm->stage_nat = 0;\n"
		   "\tbpf_tail_call(ctx, &%s, slot);\n}\n\n",
		e->array, e->ctx, e->array);
	for (int h = 0; h < IR_HOOK_COUNT; h++) {
		if (!nstages[h])
			continue;
		emit_hook_stages(f, ir, e, (enum ir_hook)h, slot[h],
				 nstages[h], of[h]);
		free(of[h]);
	}
}

static void emit_stages(FILE *f, const struct ir_prog *ir)
{
	emit_entry_stages(f, ir, &entries[0], 0);
	emit_entry_stages(f, ir, &entries[1], 1);
}

int gen_bpf(FILE *f, const struct ir_prog *ir)
{
	fprintf(f, "/* Generated by fwlc from %s (policy %016" PRIx64 ").\n"
		   " * Do not edit: edit the policy and rebuild. */\n",
		ir->source, ir->hash);
	/* An object for the scenario backend and difftest: their virtual
	 * clock and records (bpf/lib/config.h, fwl_md.feeds_asked). */
	if (ir->testing)
		fputs("#define FWL_TESTING 1\t/* tests only, never fwlc build's "
		      "*/\n", f);
	fputs("#include \"policy.h\"\n", f);
	/* Only the libraries the policy uses. */
	/* the sets' map sizes (data: the code does not change with them) */
	if (ir->nsets)
		fprintf(f, "#define FWL_DIR4_NODES %u\n#define FWL_DIR4_LEAVES "
			   "%u\n#include \"sets.h\"\n",
			ir->dir4 && ir->dir4->nnodes ? ir->dir4->nnodes : 1,
			ir->dir4 && ir->dir4->nleaves ? ir->dir4->nleaves : 1);
	if (ir->ncls)
		fprintf(f, "#define FWL_CLS_ENTRIES %d\n#include \"cls.h\"\n",
			ir->ncls);
	if (ir->uses_ifaces)
		fputs("#define FWL_USES_IFACES 1\n#include \"ifaces.h\"\n", f);
	if (ir->uses_helper)
		fputs("#define FWL_USES_HELPER 1\n", f);
	if (ir->uses_offload)
		fputs("#define FWL_USES_OFFLOAD 1\n", f);
	if (ir->uses_ct)
		fputs("#define FWL_USES_CT 1\n#include \"ct.h\"\n", f);
	if (ir->uses_helper)
		fputs("#include \"ct_helper.h\"\n", f);
	if (ir->uses_nat)
		fputs("#define FWL_USES_NAT 1\n#include \"nat.h\"\n", f);
	if (ir->uses_ratelimit || ir->uses_log)
		fputs("#include \"ratelimit.h\"\n", f);
	if (ir->uses_log)
		fputs("#include \"log.h\"\n", f);
	if (ir->uses_dst_local)
		fputs("#define FWL_USES_DST_LOCAL 1\n", f);
	fputc('\n', f);
	if (ir->uses_frag)
		fputs("#define FWL_USES_FRAG 1\n#include \"frag.h\"\n", f);
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

	emit_stages(f, ir);
	/* One function per hook: its policies in declaration order (the
	 * priority order); Drop is final, Allow lets the next one look. */
	for (int h = 0; h < IR_HOOK_COUNT; h++) {
		int n = 0;
		if (gen_hook_stages(ir, (enum ir_hook)h, NULL) > 1)
			continue;	/* in stages, defined above */
		for (int i = 0; i < ir->npolicies; i++)
			n += ir->policies[i].hook == (enum ir_hook)h;
		if (!n)
			continue;
		char up[16];
		hook_upper((enum ir_hook)h, up, sizeof(up));
		fprintf(f, "#define FWL_HOOK_%s 1\n"
			   "static __always_inline int fwl_hook_%s(struct "
			   "fwl_pkt *p, struct fwl_md *m)\n{\n\tint v, nat = "
			   "FWL_VERDICT_PASS;\n\n",
			up, hook_fn[h]);
		if (ir->fault_ct)	/* --inject-fault ct-state: tests only */
			fputs("\tif (m->ct.state == FWL_CT_INVALID)\n"
			      "\t\tm->ct.state = FWL_CT_NEW;\n", f);
		for (int i = 0; i < ir->npolicies; i++) {
			if (ir->policies[i].hook != (enum ir_hook)h)
				continue;
			/* Drop is final; the first NAT verdict is the
			 * hook's (the entry program rewrites the packet),
			 * the later policies still look.  A `table = NAT`
			 * policy sees only a flow's first packet. */
			fprintf(f, "\t%sv = fwl_policy_%s(p, m);\n"
				   "\tif (v == FWL_VERDICT_DROP)\n"
				   "\t\treturn v;\n"
				   "\tif (v >= FWL_VERDICT_DNAT_MAP && nat == "
				   "FWL_VERDICT_PASS)\n\t\tnat = v;\n",
				ir->policies[i].nat_table ?
					"v = FWL_VERDICT_PASS;\n\tif "
					"(m->nat_first)\n\t\t" : "",
				ir->policies[i].name);
		}
		fputs("\treturn nat;\n}\n\n", f);
	}
	fputs("#include \"ingress.h\"\n", f);
	if (ir->uses_ct || ir->has_egress)
		fputs("#include \"egress.h\"\n", f);
	return ferror(f) ? -EIO : 0;
}

/* A string literal for a #line directive. */
static void put_cstr(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

int gen_bpf_lines(FILE *in, FILE *out, const char *source,
		  const char *c_name)
{
	char *line = NULL;
	size_t cap = 0;
	long n = 0;		/* lines written to out */
	int src = 0;		/* the policy line, inside an arm */
	ssize_t len;

	while ((len = getline(&line, &cap, in)) > 0) {
		int l;
		if (sscanf(line, "/* fwl:line %d */", &l) == 1) {
			src = l;
			continue;
		}
		if (!strncmp(line, "/* fwl:end */", 13)) {
			src = 0;
			/* Back to this file: the next line is line n + 2. */
			fprintf(out, "#line %ld ", n + 2);
			put_cstr(out, c_name);
			fputc('\n', out);
			n++;
			continue;
		}
		if (src) {
			fprintf(out, "#line %d ", src);
			put_cstr(out, source);
			fputc('\n', out);
			n++;
		}
		fwrite(line, 1, len, out);
		n++;
	}
	free(line);
	return ferror(in) || ferror(out) ? -EIO : 0;
}
