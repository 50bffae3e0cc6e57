// SPDX-License-Identifier: MIT
/* ast.c - printing literals, dumping the AST, structural equality. */
#include "fwlc/ast.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

const char *binop_str(BinOp op)
{
	static const char *const s[] = {
		[OP_BIND] = ">>=", [OP_THEN] = ">>",  [OP_OR] = "||",
		[OP_AND] = "&&",   [OP_EQ] = "==",    [OP_NE] = "≠",
		[OP_LT] = "<",	   [OP_LE] = "≤",     [OP_GT] = ">",
		[OP_GE] = "≥",	   [OP_IN] = "∈",     [OP_NOTIN] = "∉",
		[OP_CONCAT] = "++",
	};
	return (unsigned)op < sizeof s / sizeof s[0] ? s[op] : "?";
}

const char *decl_kind_name(DeclKind k)
{
	static const char *const s[] = {
		[D_INTERFACE] = "interface", [D_ZONE] = "zone",
		[D_IMPORT] = "import",	     [D_LET] = "let",
		[D_PATTERN] = "pattern",     [D_FLOW] = "flow",
		[D_RULE] = "rule",	     [D_POLICY] = "policy",
	};
	return (unsigned)k < sizeof s / sizeof s[0] ? s[k] : "?";
}

void ip_str(const IPAddr *ip, char *buf, size_t size)
{
	const uint8_t *a = ip->addr;

	if (ip->family == 4) {
		snprintf(buf, size, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
		return;
	}
	/* RFC 5952: lowercase, no leading zeros, the longest run (>= 2) of
	 * zero groups (the first when tied) becomes "::", an IPv4-mapped
	 * address keeps its dotted tail. */
	unsigned g[8];
	for (int i = 0; i < 8; i++)
		g[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
	int best = -1, blen = 0;
	for (int i = 0; i < 8;) {
		if (g[i]) {
			i++;
			continue;
		}
		int j = i;
		while (j < 8 && !g[j])
			j++;
		if (j - i > blen && j - i >= 2) {
			best = i;
			blen = j - i;
		}
		i = j;
	}
	size_t n = 0;
	buf[0] = '\0';
	bool mapped = g[0] == 0 && g[1] == 0 && g[2] == 0 && g[3] == 0 &&
		      g[4] == 0 && g[5] == 0xffff;
	int end = mapped ? 6 : 8;
	for (int i = 0; i < end && n < size; i++) {
		if (i == best) {
			n += (size_t)snprintf(buf + n, size - n, "::");
			i += blen - 1;
			continue;
		}
		if (i && i != best + blen)
			n += (size_t)snprintf(buf + n, size - n, ":");
		n += (size_t)snprintf(buf + n, size - n, "%x", g[i]);
	}
	if (mapped && n < size)
		snprintf(buf + n, size - n, ":%u.%u.%u.%u", a[12], a[13], a[14],
			 a[15]);
	if (best == 0 && blen == 8)
		snprintf(buf, size, "::");
}

static size_t str_escape(const Lit *l, char *buf, size_t size)
{
	size_t n = 0;

#define PUT(...) \
	n += (size_t)snprintf(buf + n, n < size ? size - n : 0, __VA_ARGS__)
	PUT("\"");
	for (uint32_t i = 0; i < l->str.len && n < size; i++) {
		unsigned char c = (unsigned char)l->str.s[i];
		switch (c) {
		case '\n':
			PUT("\\n");
			break;
		case '\t':
			PUT("\\t");
			break;
		case '\r':
			PUT("\\r");
			break;
		case '\\':
			PUT("\\\\");
			break;
		case '"':
			PUT("\\\"");
			break;
		case '\0':
			PUT("\\0");
			break;
		default:
			if (c < 0x20 || c == 0x7f)
				PUT("\\x%02x", c);
			else
				PUT("%c", c);
		}
	}
	PUT("\"");
#undef PUT
	return n;
}

char *lit_str(const Lit *l, char *buf, size_t size)
{
	char ip[64];

	switch ((LitKind)l->kind) {
	case LIT_INT:
		if (l->hex)
			snprintf(buf, size, "0x%02" PRIx64, l->u);
		else
			snprintf(buf, size, "%" PRIu64, l->u);
		break;
	case LIT_STR:
		str_escape(l, buf, size);
		if (size > 4 && strlen(buf) == size - 1)
			memcpy(buf + size - 5, "...\"", 5);
		break;
	case LIT_IP:
		ip_str(&l->ip, buf, size);
		break;
	case LIT_CIDR:
		ip_str(&l->ip, ip, sizeof ip);
		snprintf(buf, size, "%s/%u", ip, l->ip.prefix);
		break;
	case LIT_PORT:
		snprintf(buf, size, ":%u", l->port.lo);
		break;
	case LIT_PORTRANGE:
		snprintf(buf, size, ":%u-%u", l->port.lo, l->port.hi);
		break;
	case LIT_DURATION: {
		static const struct {
			const char *u;
			uint64_t ms;
		} units[] = {{"d", 86400000}, {"h", 3600000}, {"m", 60000},
			     {"s", 1000}, {"ms", 1}};
		for (size_t i = 0; i < 5; i++) {
			if ((l->u && l->u % units[i].ms == 0) || i == 3 ||
			    (i == 4)) {
				if (i == 3 && l->u % 1000)
					continue;
				snprintf(buf, size, "%" PRIu64 "%s",
					 l->u / units[i].ms, units[i].u);
				break;
			}
		}
		break;
	}
	case LIT_RATE: {
		const char *u = "second";
		uint64_t per = l->rate.per_ms;
		if (per == 60000)
			u = "minute";
		else if (per == 3600000)
			u = "hour";
		else if (per == 86400000)
			u = "day";
		snprintf(buf, size, "%" PRIu64 "/%s", l->rate.count, u);
		break;
	}
	default:
		snprintf(buf, size, "?");
	}
	return buf;
}

void lit_print(FILE *out, const Lit *l)
{
	if (l->kind == LIT_STR) {
		size_t need = (size_t)l->str.len * 4 + 3;
		char *b = xmalloc(need);
		str_escape(l, b, need);
		fputs(b, out);
		free(b);
		return;
	}
	char b[96];
	fputs(lit_str(l, b, sizeof b), out);
}

/* --- dump ------------------------------------------------------------ */

static const char *const lit_names[] = {
	"int", "string", "ip", "cidr", "port", "portrange", "duration", "rate",
};

static void ind(FILE *o, int d)
{
	for (int i = 0; i < d; i++)
		fputs("  ", o);
}

static void sp(FILE *o, Span s)
{
	fprintf(o, " @%u:%u[%u+%u]\n", s.line, s.col, s.off, s.len);
}

static void dump_type(FILE *o, const Type *t, int d, const char *label);
static void dump_expr(FILE *o, const Expr *e, int d, const char *label);
static void dump_pat(FILE *o, const Pat *p, int d, const char *label);

static void head(FILE *o, int d, const char *label)
{
	ind(o, d);
	if (label)
		fprintf(o, "%s: ", label);
}

static void dump_type(FILE *o, const Type *t, int d, const char *label)
{
	head(o, d, label);
	switch (t->kind) {
	case T_NAME:
		fprintf(o, "TypeName %s", t->name);
		sp(o, t->span);
		for (int i = 0; i < t->nargs; i++)
			dump_type(o, t->args[i], d + 1, "arg");
		break;
	case T_TUPLE:
		fprintf(o, "TypeTuple");
		sp(o, t->span);
		for (int i = 0; i < t->nargs; i++)
			dump_type(o, t->args[i], d + 1, "item");
		break;
	case T_RECORD:
		fprintf(o, "TypeRecord");
		sp(o, t->span);
		for (int i = 0; i < t->nfields; i++)
			dump_type(o, t->fields[i]->type, d + 1,
				  t->fields[i]->name);
		break;
	case T_FUN:
		fprintf(o, "TypeFun");
		if (t->has_effects) {
			fputs(" effects <", o);
			for (int i = 0; i < t->neffects; i++)
				fprintf(o, "%s%s", i ? ", " : "", t->effects[i]);
			fputc('>', o);
		}
		sp(o, t->span);
		dump_type(o, t->from, d + 1, "from");
		dump_type(o, t->to, d + 1, "to");
		break;
	}
}

static void dump_arm(FILE *o, const Arm *a, int d)
{
	ind(o, d);
	fputs("Arm", o);
	sp(o, a->span);
	dump_pat(o, a->pat, d + 1, "pat");
	if (a->guard)
		dump_expr(o, a->guard, d + 1, "guard");
	dump_expr(o, a->body, d + 1, "body");
}

static void dump_pat(FILE *o, const Pat *p, int d, const char *label)
{
	head(o, d, label);
	switch ((PatKind)p->kind) {
	case P_WILD:
		fputs("PatWild", o);
		sp(o, p->span);
		break;
	case P_VAR:
		fprintf(o, "PatVar %s", p->name);
		sp(o, p->span);
		break;
	case P_CON:
		fprintf(o, "PatCon %s%s", p->name, p->paren ? " ()" : "");
		sp(o, p->span);
		for (int i = 0; i < p->nargs; i++)
			dump_pat(o, p->args[i], d + 1, NULL);
		break;
	case P_RECORD:
		fprintf(o, "PatRecord %s", p->name ? p->name : "(anonymous)");
		sp(o, p->span);
		for (int i = 0; i < p->nfields; i++) {
			PatField *f = p->fields[i];
			ind(o, d + 1);
			fprintf(o, "Field %s %s", f->name, binop_str(f->op));
			sp(o, f->span);
			dump_expr(o, f->value, d + 2, NULL);
		}
		break;
	case P_IN:
		fprintf(o, "PatIn %s", binop_str(p->op));
		sp(o, p->span);
		dump_pat(o, p->sub, d + 1, "sub");
		dump_expr(o, p->set, d + 1, "set");
		break;
	case P_ARROW:
		fputs("PatArrow", o);
		sp(o, p->span);
		dump_pat(o, p->sub, d + 1, "in");
		dump_pat(o, p->to, d + 1, "out");
		break;
	case P_TUPLE:
		fputs("PatTuple", o);
		sp(o, p->span);
		for (int i = 0; i < p->nargs; i++)
			dump_pat(o, p->args[i], d + 1, NULL);
		break;
	case P_BYTES:
		fputs("PatBytes [", o);
		for (int i = 0; i < p->nbytes; i++) {
			if (i)
				fputc(' ', o);
			if (p->bytes[i] == PB_ANY)
				fputs("_", o);
			else if (p->bytes[i] == PB_REST)
				fputs("_*", o);
			else
				fprintf(o, "0x%02x", p->bytes[i]);
		}
		fputc(']', o);
		sp(o, p->span);
		break;
	case P_AS:
		fprintf(o, "PatAs %s", p->name);
		sp(o, p->span);
		dump_pat(o, p->as, d + 1, NULL);
		break;
	case P_LIT:
		fputs("PatLit", o);
		sp(o, p->span);
		dump_expr(o, p->value, d + 1, NULL);
		break;
	}
}

static void dump_lit(FILE *o, const Lit *l)
{
	fprintf(o, "Lit %s ", lit_names[l->kind]);
	lit_print(o, l);
	switch ((LitKind)l->kind) {
	case LIT_INT:
	case LIT_DURATION:
		fprintf(o, " (%" PRIu64 "%s)", l->u,
			l->kind == LIT_DURATION ? " ms" : "");
		break;
	case LIT_IP:
	case LIT_CIDR:
		fprintf(o, " (v%u /%u", l->ip.family, l->ip.prefix);
		for (int i = 0; i < (l->ip.family == 4 ? 4 : 16); i++)
			fprintf(o, "%s%02x", i ? "" : " ", l->ip.addr[i]);
		fputc(')', o);
		break;
	case LIT_PORT:
	case LIT_PORTRANGE:
		fprintf(o, " (%u..%u)", l->port.lo, l->port.hi);
		break;
	case LIT_STR:
		fprintf(o, " (%u bytes)", l->str.len);
		break;
	case LIT_RATE:
		fprintf(o, " (%" PRIu64 " per %" PRIu64 " ms)", l->rate.count,
			l->rate.per_ms);
		break;
	}
}

static void dump_expr(FILE *o, const Expr *e, int d, const char *label)
{
	head(o, d, label);
	switch ((ExprKind)e->kind) {
	case E_LIT:
		dump_lit(o, &e->lit);
		sp(o, e->span);
		break;
	case E_NAME:
		fprintf(o, "Name %s", e->name);
		sp(o, e->span);
		break;
	case E_FIELD:
		fprintf(o, "Field .%s", e->field);
		sp(o, e->span);
		dump_expr(o, e->lhs, d + 1, NULL);
		break;
	case E_CALL:
	case E_PERFORM:
		fprintf(o, "%s%s", e->kind == E_CALL ? "Call" : "Perform",
			e->paren ? " ()" : "");
		sp(o, e->span);
		dump_expr(o, e->fn, d + 1, "fn");
		for (int i = 0; i < e->nargs; i++)
			dump_expr(o, e->args[i], d + 1, "arg");
		break;
	case E_BINARY:
		fprintf(o, "Binary %s", binop_str(e->op));
		sp(o, e->span);
		dump_expr(o, e->lhs, d + 1, NULL);
		dump_expr(o, e->rhs, d + 1, NULL);
		break;
	case E_NOT:
		fputs("Not", o);
		sp(o, e->span);
		dump_expr(o, e->lhs, d + 1, NULL);
		break;
	case E_IF:
		fputs("If", o);
		sp(o, e->span);
		dump_expr(o, e->cond, d + 1, "cond");
		dump_expr(o, e->then_, d + 1, "then");
		dump_expr(o, e->else_, d + 1, "else");
		break;
	case E_CASE:
		fputs("Case", o);
		sp(o, e->span);
		dump_expr(o, e->lhs, d + 1, "of");
		for (int i = 0; i < e->narms; i++)
			dump_arm(o, e->arms[i], d + 1);
		break;
	case E_LAMBDA:
		fputs("Lambda", o);
		sp(o, e->span);
		for (int i = 0; i < e->nparams; i++)
			dump_pat(o, e->params[i], d + 1, "param");
		dump_expr(o, e->body, d + 1, "body");
		break;
	case E_TUPLE:
	case E_SET:
		fprintf(o, "%s", e->kind == E_TUPLE ? "Tuple" : "Set");
		sp(o, e->span);
		for (int i = 0; i < e->nitems; i++)
			dump_expr(o, e->items[i], d + 1, NULL);
		break;
	case E_MAP:
		fputs("Map", o);
		sp(o, e->span);
		for (int i = 0; i < e->nitems; i++) {
			dump_expr(o, e->keys[i], d + 1, "key");
			dump_expr(o, e->items[i], d + 1, "value");
		}
		break;
	case E_RECORD:
		fputs("Record", o);
		sp(o, e->span);
		for (int i = 0; i < e->nfields; i++)
			dump_expr(o, e->fields[i]->value, d + 1,
				  e->fields[i]->name);
		break;
	}
}

void ast_dump(FILE *o, const Program *p)
{
	fprintf(o, "Program %s (%d declarations, %d comments)\n",
		p->src ? p->src->path : "?", p->ndecls, p->ncomments);
	for (int i = 0; i < p->ndecls; i++) {
		const Decl *d = p->decls[i];
		fprintf(o, "  %s %s", decl_kind_name(d->kind),
			d->name ? d->name : "?");
		sp(o, d->span);
		if (d->type)
			dump_type(o, d->type, 2, "type");
		for (int j = 0; j < d->nattrs; j++) {
			const Attr *a = d->attrs[j];
			ind(o, 2);
			fprintf(o, "%s %s", d->kind == D_POLICY ? "prop" : "attr",
				a->name);
			sp(o, a->span);
			if (a->value)
				dump_expr(o, a->value, 3, NULL);
		}
		if (d->from) {
			ind(o, 2);
			fprintf(o, "from \"%s\"", d->from);
			sp(o, d->from_span);
		}
		if (d->value)
			dump_expr(o, d->value, 2, "value");
		if (d->pat)
			dump_pat(o, d->pat, 2, "pat");
		for (int j = 0; j < d->nsteps; j++)
			dump_pat(o, d->steps[j], 2, "step");
		if (d->has_within) {
			ind(o, 2);
			fputs("within ", o);
			dump_lit(o, &d->within);
			sp(o, d->within_span);
		}
		for (int j = 0; j < d->narms; j++)
			dump_arm(o, d->arms[j], 2);
	}
}

/* --- equality -------------------------------------------------------- */

static bool lit_eq(const Lit *a, const Lit *b)
{
	if (a->kind != b->kind)
		return false;
	switch ((LitKind)a->kind) {
	case LIT_INT:
	case LIT_DURATION:
		return a->u == b->u;
	case LIT_STR:
		return a->str.len == b->str.len &&
		       memcmp(a->str.s, b->str.s, a->str.len) == 0;
	case LIT_IP:
	case LIT_CIDR:
		return a->ip.family == b->ip.family &&
		       a->ip.prefix == b->ip.prefix &&
		       memcmp(a->ip.addr, b->ip.addr, 16) == 0;
	case LIT_PORT:
	case LIT_PORTRANGE:
		return a->port.lo == b->port.lo && a->port.hi == b->port.hi;
	case LIT_RATE:
		return a->rate.count == b->rate.count &&
		       a->rate.per_ms == b->rate.per_ms;
	}
	return false;
}

/* Names from different arenas: compare text. */
static bool name_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static bool type_eq(const Type *a, const Type *b)
{
	if (!a || !b)
		return a == b;
	if (a->kind != b->kind || !name_eq(a->name, b->name) ||
	    a->nargs != b->nargs || a->nfields != b->nfields ||
	    a->has_effects != b->has_effects || a->neffects != b->neffects)
		return false;
	for (int i = 0; i < a->nargs; i++)
		if (!type_eq(a->args[i], b->args[i]))
			return false;
	for (int i = 0; i < a->nfields; i++)
		if (!name_eq(a->fields[i]->name, b->fields[i]->name) ||
		    !type_eq(a->fields[i]->type, b->fields[i]->type))
			return false;
	for (int i = 0; i < a->neffects; i++)
		if (!name_eq(a->effects[i], b->effects[i]))
			return false;
	return type_eq(a->from, b->from) && type_eq(a->to, b->to);
}

static bool expr_eq(const Expr *a, const Expr *b);

static bool pat_eq(const Pat *a, const Pat *b)
{
	if (!a || !b)
		return a == b;
	if (a->kind != b->kind)
		return false;
	switch ((PatKind)a->kind) {
	case P_WILD:
		return true;
	case P_VAR:
		return name_eq(a->name, b->name);
	case P_CON:
	case P_TUPLE:
		if (!name_eq(a->name, b->name) || a->nargs != b->nargs ||
		    a->paren != b->paren)
			return false;
		for (int i = 0; i < a->nargs; i++)
			if (!pat_eq(a->args[i], b->args[i]))
				return false;
		return true;
	case P_RECORD:
		if (!name_eq(a->name, b->name) || a->nfields != b->nfields)
			return false;
		for (int i = 0; i < a->nfields; i++) {
			const PatField *x = a->fields[i], *y = b->fields[i];
			if (!name_eq(x->name, y->name) || x->op != y->op ||
			    !expr_eq(x->value, y->value))
				return false;
		}
		return true;
	case P_IN:
		return a->op == b->op && pat_eq(a->sub, b->sub) &&
		       expr_eq(a->set, b->set);
	case P_ARROW:
		return pat_eq(a->sub, b->sub) && pat_eq(a->to, b->to);
	case P_AS:
		return name_eq(a->name, b->name) && pat_eq(a->as, b->as);
	case P_BYTES:
		return a->nbytes == b->nbytes &&
		       memcmp(a->bytes, b->bytes,
			      (size_t)a->nbytes * sizeof *a->bytes) == 0;
	case P_LIT:
		return expr_eq(a->value, b->value);
	}
	return false;
}

static bool arm_eq(const Arm *a, const Arm *b)
{
	return pat_eq(a->pat, b->pat) && expr_eq(a->guard, b->guard) &&
	       expr_eq(a->body, b->body);
}

static bool exprs_eq(Expr *const *a, Expr *const *b, int n)
{
	for (int i = 0; i < n; i++)
		if (!expr_eq(a[i], b[i]))
			return false;
	return true;
}

static bool expr_eq(const Expr *a, const Expr *b)
{
	if (!a || !b)
		return a == b;
	if (a->kind != b->kind)
		return false;
	switch ((ExprKind)a->kind) {
	case E_LIT:
		return lit_eq(&a->lit, &b->lit);
	case E_NAME:
		return name_eq(a->name, b->name);
	case E_FIELD:
		return name_eq(a->field, b->field) && expr_eq(a->lhs, b->lhs);
	case E_CALL:
	case E_PERFORM:
		return a->paren == b->paren && a->nargs == b->nargs &&
		       expr_eq(a->fn, b->fn) &&
		       exprs_eq(a->args, b->args, a->nargs);
	case E_BINARY:
		return a->op == b->op && expr_eq(a->lhs, b->lhs) &&
		       expr_eq(a->rhs, b->rhs);
	case E_NOT:
		return expr_eq(a->lhs, b->lhs);
	case E_IF:
		return expr_eq(a->cond, b->cond) && expr_eq(a->then_, b->then_) &&
		       expr_eq(a->else_, b->else_);
	case E_CASE:
		if (a->narms != b->narms || !expr_eq(a->lhs, b->lhs))
			return false;
		for (int i = 0; i < a->narms; i++)
			if (!arm_eq(a->arms[i], b->arms[i]))
				return false;
		return true;
	case E_LAMBDA:
		if (a->nparams != b->nparams || !expr_eq(a->body, b->body))
			return false;
		for (int i = 0; i < a->nparams; i++)
			if (!pat_eq(a->params[i], b->params[i]))
				return false;
		return true;
	case E_TUPLE:
	case E_SET:
		return a->nitems == b->nitems &&
		       exprs_eq(a->items, b->items, a->nitems);
	case E_MAP:
		return a->nitems == b->nitems &&
		       exprs_eq(a->items, b->items, a->nitems) &&
		       exprs_eq(a->keys, b->keys, a->nitems);
	case E_RECORD:
		if (a->nfields != b->nfields)
			return false;
		for (int i = 0; i < a->nfields; i++)
			if (!name_eq(a->fields[i]->name, b->fields[i]->name) ||
			    !expr_eq(a->fields[i]->value, b->fields[i]->value))
				return false;
		return true;
	}
	return false;
}

static bool decl_eq(const Decl *a, const Decl *b)
{
	if (a->kind != b->kind || !name_eq(a->name, b->name) ||
	    !type_eq(a->type, b->type) || !expr_eq(a->value, b->value) ||
	    !pat_eq(a->pat, b->pat) || a->nattrs != b->nattrs ||
	    !name_eq(a->from, b->from) || a->nsteps != b->nsteps ||
	    a->has_within != b->has_within || a->narms != b->narms)
		return false;
	if (a->has_within && !lit_eq(&a->within, &b->within))
		return false;
	for (int i = 0; i < a->nattrs; i++)
		if (!name_eq(a->attrs[i]->name, b->attrs[i]->name) ||
		    !expr_eq(a->attrs[i]->value, b->attrs[i]->value))
			return false;
	for (int i = 0; i < a->nsteps; i++)
		if (!pat_eq(a->steps[i], b->steps[i]))
			return false;
	for (int i = 0; i < a->narms; i++)
		if (!arm_eq(a->arms[i], b->arms[i]))
			return false;
	return true;
}

bool program_equal(const Program *a, const Program *b)
{
	if (a->ndecls != b->ndecls)
		return false;
	for (int i = 0; i < a->ndecls; i++)
		if (!decl_eq(a->decls[i], b->decls[i]))
			return false;
	return true;
}
