// SPDX-License-Identifier: MIT
/*
 * lower.c - patterns and actions to IR tests, see lower.h.
 *
 * A Frame pattern is taken apart layer by layer; each layer adds tests:
 *
 *	Frame(ifaces, Ether(eth, IPv4(ip { src ∈ 10.0.0.0/8 }, TCP(tcp, _))))
 *	  → l3 == 0x0800 && src4 in 10.0.0.0/8 && l4 == 6
 */
#include <string.h>

#include "fwlc/lower.h"

enum {
	E_UNSUPPORTED = 700,	/* E0700: not compiled by the BPF backend yet */
	E_BAD_CON = 701,	/* E0701: wrong constructor at this layer */
	E_BAD_FIELD = 702,	/* E0702: unknown header field */
	E_BAD_VALUE = 703,	/* E0703: value of the wrong kind for a field */
	E_BAD_HOOK = 704,	/* E0704: unknown hook */
	E_BAD_ACTION = 705,	/* E0705: unknown action */
};

struct lower {
	Arena *a;
	Diags *d;
	struct ir_test tests[64];	/* the arm being lowered */
	int ntests;
	int failed;
};

static struct ir_test *add_test(struct lower *l, Span at)
{
	if (l->ntests == (int)(sizeof(l->tests) / sizeof(*l->tests))) {
		diag_error(l->d, at, E_UNSUPPORTED,
			   "this arm needs more than 64 tests");
		l->failed = 1;
		return NULL;
	}
	struct ir_test *t = &l->tests[l->ntests++];
	memset(t, 0, sizeof(*t));
	return t;
}

static void add_eq(struct lower *l, Span at, enum ir_field f, uint64_t v)
{
	struct ir_test *t = add_test(l, at);
	if (t) {
		t->field = f;
		t->op = IR_EQ;
		t->lo = t->hi = v;
	}
}

static void unsupported(struct lower *l, Span at, const char *what)
{
	diag_error(l->d, at, E_UNSUPPORTED,
		   "%s is not compiled by the BPF backend yet", what);
	l->failed = 1;
}

/* A pattern that tests nothing: `_` or a binder. */
static int is_any(const Pat *p)
{
	return p->kind == P_WILD || p->kind == P_VAR;
}

/* One value a field is compared with, as an IR test (no field set yet). */
static int value_test(struct lower *l, const Expr *v, int is_addr, int fam,
		      struct ir_test *t)
{
	if (v->kind == E_SET) {
		t->op = IR_ANY;
		t->nalts = v->nitems;
		t->alts = arena_alloc(l->a, sizeof(*t->alts) *
					     (v->nitems ? v->nitems : 1));
		for (int i = 0; i < v->nitems; i++)
			if (value_test(l, v->items[i], is_addr, fam,
				       &t->alts[i]))
				return -1;
		return 0;
	}
	if (v->kind != E_LIT)
		goto bad;
	const Lit *lit = &v->lit;
	if (is_addr && (lit->kind == LIT_IP || lit->kind == LIT_CIDR)) {
		if (lit->ip.family != fam) {
			diag_error(l->d, v->span, E_BAD_VALUE,
				   "an IPv%d address where this IPv%d header "
				   "field is compared", lit->ip.family, fam);
			l->failed = 1;
			return -1;
		}
		t->op = IR_PREFIX;
		memcpy(t->addr, lit->ip.addr, 16);
		t->plen = lit->ip.prefix;
		return 0;
	}
	if (!is_addr && (lit->kind == LIT_PORT || lit->kind == LIT_PORTRANGE)) {
		t->op = lit->port.lo == lit->port.hi ? IR_EQ : IR_RANGE;
		t->lo = lit->port.lo;
		t->hi = lit->port.hi;
		return 0;
	}
	if (!is_addr && lit->kind == LIT_INT && lit->u <= 255) {
		t->op = IR_EQ;
		t->lo = t->hi = lit->u;
		return 0;
	}
bad:
	if (v->kind == E_NAME || v->kind == E_FIELD) {
		unsupported(l, v->span, "a named set or constant in a header "
				       "pattern");
		return -1;
	}
	diag_error(l->d, v->span, E_BAD_VALUE, "expected %s here",
		   is_addr ? "an address or CIDR" : "a port, port range or "
						    "number");
	l->failed = 1;
	return -1;
}

struct field_def {
	const char *name;
	enum ir_field f4, f6;	/* field for IPv4 / IPv6 headers */
	int is_addr;
};

static const struct field_def ip_fields[] = {
	{ "src", IRF_SRC4, IRF_SRC6, 1 },
	{ "dst", IRF_DST4, IRF_DST6, 1 },
	{ NULL, 0, 0, 0 },
};
static const struct field_def l4_fields[] = {
	{ "sport", IRF_SPORT, IRF_SPORT, 0 },
	{ "dport", IRF_DPORT, IRF_DPORT, 0 },
	{ NULL, 0, 0, 0 },
};
static const struct field_def icmp_fields[] = {
	{ "type", IRF_ICMP_TYPE, IRF_ICMP_TYPE, 0 },
	{ "code", IRF_ICMP_CODE, IRF_ICMP_CODE, 0 },
	{ NULL, 0, 0, 0 },
};

/* A header pattern: `_`, a binder, or `name { field op value, ... }`. */
static void lower_header(struct lower *l, const Pat *p, int fam,
			 const struct field_def *defs, const char *header)
{
	if (is_any(p))
		return;
	if (p->kind != P_RECORD) {
		unsupported(l, p->span, "this kind of header pattern");
		return;
	}
	for (int i = 0; i < p->nfields; i++) {
		const PatField *pf = p->fields[i];
		const struct field_def *fd = defs;
		while (fd->name && strcmp(fd->name, pf->name))
			fd++;
		if (!fd->name) {
			Diag *g = diag_error(l->d, pf->name_span, E_BAD_FIELD,
					     "%s headers have no field '%s' "
					     "the BPF backend can test",
					     header, pf->name);
			diag_help(l->d, g, "fields: %s%s%s", defs[0].name,
				  defs[1].name ? ", " : "",
				  defs[1].name ? defs[1].name : "");
			l->failed = 1;
			continue;
		}
		int negate;
		switch (pf->op) {
		case OP_EQ: case OP_IN: negate = 0; break;
		case OP_NE: case OP_NOTIN: negate = 1; break;
		default:
			unsupported(l, pf->span, "an ordering comparison");
			continue;
		}
		struct ir_test *t = add_test(l, pf->span);
		if (!t)
			return;
		if (value_test(l, pf->value, fd->is_addr, fam, t))
			continue;
		t->negate = negate;
		t->field = fam == 4 ? fd->f4 : fd->f6;
		for (int k = 0; k < t->nalts; k++)
			t->alts[k].field = t->field;
	}
}

static int con_is(const Pat *p, const char *name, int nargs)
{
	return p->kind == P_CON && !strcmp(p->name, name) &&
	       p->nargs == nargs;
}

static void bad_con(struct lower *l, const Pat *p, const char *layer,
		    const char *expected)
{
	Diag *g = diag_error(l->d, p->span, E_BAD_CON,
			     "expected %s here, at the %s layer", expected,
			     layer);
	(void)g;
	l->failed = 1;
}

/* L4: TCP(h, payload) | UDP(h, payload) | ICMP(h, payload) | ... */
static void lower_l4(struct lower *l, const Pat *p, int fam)
{
	static const struct {
		const char *name;
		int proto, fam;
		const struct field_def *fields;
	} l4[] = {
		{ "TCP", 6, 0, l4_fields },
		{ "UDP", 17, 0, l4_fields },
		{ "ICMP", 1, 4, icmp_fields },
		{ "ICMPv6", 58, 6, icmp_fields },
	};
	if (is_any(p))
		return;
	for (size_t i = 0; i < sizeof(l4) / sizeof(*l4); i++) {
		if (!con_is(p, l4[i].name, 2))
			continue;
		if (l4[i].fam && l4[i].fam != fam) {
			diag_error(l->d, p->span, E_BAD_CON,
				   "%s cannot be carried in IPv%d",
				   l4[i].name, fam);
			l->failed = 1;
			return;
		}
		add_eq(l, p->span, IRF_L4, l4[i].proto);
		lower_header(l, p->args[0], fam, l4[i].fields, l4[i].name);
		if (!is_any(p->args[1]))
			unsupported(l, p->args[1]->span, "a payload pattern");
		return;
	}
	bad_con(l, p, "transport", "TCP(..), UDP(..), ICMP(..), ICMPv6(..) "
				   "or _");
}

/* L3: IPv4(h, l4) | IPv6(h, l4) */
static void lower_l3(struct lower *l, const Pat *p)
{
	if (is_any(p))
		return;
	int fam = con_is(p, "IPv4", 2) ? 4 : con_is(p, "IPv6", 2) ? 6 : 0;
	if (!fam) {
		bad_con(l, p, "network", "IPv4(header, payload), IPv6(header, "
					 "payload) or _");
		return;
	}
	add_eq(l, p->span, IRF_L3, fam == 4 ? 0x0800 : 0x86dd);
	lower_header(l, p->args[0], fam, ip_fields, p->name);
	lower_l4(l, p->args[1], fam);
}

/* Frame(ifaces, Ether(eth, l3)) | Frame(ifaces) | _ | binder */
static void lower_frame(struct lower *l, const Pat *p)
{
	if (is_any(p))
		return;
	if (p->kind != P_CON || strcmp(p->name, "Frame") ||
	    p->nargs < 1 || p->nargs > 2) {
		bad_con(l, p, "frame", "Frame(interfaces, Ether(..)) or _");
		return;
	}
	const Pat *ifs = p->args[0];
	if (!(ifs->kind == P_WILD ||
	      (ifs->kind == P_ARROW && ifs->sub->kind == P_WILD &&
	       ifs->to->kind == P_WILD)))
		unsupported(l, ifs->span, "an interface pattern");
	if (p->nargs == 1)
		return;
	const Pat *eth = p->args[1];
	if (is_any(eth))
		return;
	if (!con_is(eth, "Ether", 2)) {
		bad_con(l, eth, "link", "Ether(header, payload) or _");
		return;
	}
	if (!is_any(eth->args[0]))
		unsupported(l, eth->args[0]->span, "an Ethernet header pattern");
	lower_l3(l, eth->args[1]);
}

static int lower_action(struct lower *l, const Expr *body,
			enum ir_action *out)
{
	if (body->kind == E_NAME) {
		if (!strcmp(body->name, "Allow"))
			*out = IR_ALLOW;
		else if (!strcmp(body->name, "Drop"))
			*out = IR_DROP;
		else if (!strcmp(body->name, "Continue"))
			*out = IR_CONTINUE;
		else
			goto bad;
		return 0;
	}
bad:
	unsupported(l, body->span, "this action");
	return -1;
}

static int lower_hook(struct lower *l, const Decl *d, enum ir_hook *out)
{
	for (int i = 0; i < d->nattrs; i++) {
		const Attr *at = d->attrs[i];
		if (strcmp(at->name, "hook"))
			continue;
		if (!at->value || at->value->kind != E_NAME)
			break;
		for (int h = 0; h < IR_HOOK_COUNT; h++) {
			if (!strcmp(at->value->name, ir_hook_name(h))) {
				*out = h;
				if (h == IR_HOOK_OUTPUT ||
				    h == IR_HOOK_POSTROUTING) {
					unsupported(l, at->span,
						    "an egress hook");
					return -1;
				}
				return 0;
			}
		}
		diag_error(l->d, at->value->span, E_BAD_HOOK,
			   "unknown hook '%s'", at->value->name);
		l->failed = 1;
		return -1;
	}
	diag_error(l->d, d->name_span, E_BAD_HOOK,
		   "policy '%s' has no 'on hook = ...'", d->name);
	l->failed = 1;
	return -1;
}

/* The arm's source on one line, runs of white space folded to one space. */
static const char *arm_text(Arena *a, const Arm *arm)
{
	const char *s = source_get(arm->span.file)->text + arm->span.off;
	char *out = arena_alloc(a, arm->span.len + 1), *o = out;
	uint32_t n = arm->span.len;
	if (n && *s == '|')
		s++, n--;
	for (uint32_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '\n' || c == '\t' || c == '\r')
			c = ' ';
		if (c == ' ' && (o == out || o[-1] == ' '))
			continue;
		*o++ = c;
	}
	while (o > out && o[-1] == ' ')
		o--;
	*o = 0;
	return out;
}

int lower_program(const Program *prog, Arena *a, Diags *d,
		  struct ir_prog *ir)
{
	struct lower l = { .a = a, .d = d };
	int n = 0;

	memset(ir, 0, sizeof(*ir));
	ir->source = prog->src->path;
	ir->hash = ir_fnv1a64(prog->src->text, prog->src->len);
	for (int i = 0; i < prog->ndecls; i++)
		n += prog->decls[i]->kind == D_POLICY;
	ir->policies = arena_alloc(a, sizeof(*ir->policies) * (n ? n : 1));
	for (int i = 0; i < prog->ndecls; i++) {
		const Decl *dc = prog->decls[i];
		if (dc->kind != D_POLICY)
			continue;
		struct ir_policy *pol = &ir->policies[ir->npolicies++];
		pol->name = dc->name;
		lower_hook(&l, dc, &pol->hook);
		pol->arms = arena_alloc(a, sizeof(*pol->arms) *
					       (dc->narms ? dc->narms : 1));
		for (int j = 0; j < dc->narms; j++) {
			const Arm *arm = dc->arms[j];
			struct ir_arm *ia = &pol->arms[pol->narms++];
			l.ntests = 0;
			lower_frame(&l, arm->pat);
			if (arm->guard)
				unsupported(&l, arm->guard->span, "a guard");
			lower_action(&l, arm->body, &ia->action);
			ia->ntests = l.ntests;
			ia->tests = arena_memdup(a, l.tests,
						 sizeof(*l.tests) *
							 (l.ntests ? l.ntests : 1));
			ia->index = j + 1;
			ia->line = arm->span.line;
			ia->col = arm->span.col;
			ia->text = arm_text(a, arm);
		}
	}
	if (!l.failed)
		ir_assign_rule_ids(ir);
	return l.failed ? -1 : 0;
}
