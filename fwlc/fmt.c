// SPDX-License-Identifier: MIT
/*
 * fmt.c - the canonical printer.
 *
 * The printer walks the AST and decides for each breakable construct (set,
 * map and record literals, constructor patterns, case, lambda and sequence
 * chains, interface attributes) whether it fits on the current line of 80
 * columns; if not, it is broken one item per line.  Case and policy arms
 * are aligned on their '->' when head and body fit on one line.  Every
 * decision depends on the AST alone (and on where comments are), so
 * printing is deterministic.
 *
 * Comments are printed at break points: before a declaration, an arm, an
 * item of a broken list, or a closing bracket, either at the end of the
 * current line (when the comment followed code on its line in the source)
 * or on their own line.  A comment inside something printed flat moves to
 * the next break point.  To make formatting idempotent even then,
 * fmt_program re-formats its own output until it is stable (only for
 * files with comments; at most a few rounds).
 */
#include "fwlc/fmt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwlc/cmd.h"
#include "fwlc/parse.h"

#define WIDTH 80

typedef struct Buf {
	char *s;
	size_t len, cap;
} Buf;

typedef struct F {
	Buf out;
	const Program *p;
	const char *text;	/* source text */
	int ci;			/* next comment to print */
	int indent;		/* indentation of the current line */
	size_t line_start;	/* offset of the current line in out */
	bool bol;		/* nothing printed on the current line yet */
	int col;		/* display column at the end of out */
	bool last_blank;	/* the last finished line was empty */
	size_t lines;		/* lines finished */
	FILE *sink;		/* stream finished lines here (or NULL) */
	bool sink_err;
	/* flat (measuring) mode */
	bool flat;
	bool fail;		/* flat printing impossible or too wide */
	size_t limit;		/* flat mode: give up past this many bytes */
	struct F *scratch;	/* the measuring printer */
} F;

static void buf_put(Buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static int width(const char *s, size_t n)
{
	int w = 0;

	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			w++;
	return w;
}

static void indent_line(F *f)
{
	static const char sp[] = "                                        ";

	if (f->bol && !f->flat) {
		int n = f->indent;
		while (n > 0) {
			int k = n > 40 ? 40 : n;
			buf_put(&f->out, sp, (size_t)k);
			n -= k;
		}
		f->col = f->indent;
	}
	f->bol = false;
}

static void put(F *f, const char *s)
{
	if (f->fail)
		return;
	indent_line(f);
	size_t n = strlen(s);
	buf_put(&f->out, s, n);
	f->col += width(s, n);
	if (f->flat && f->out.len > f->limit)
		f->fail = true;
}

/* n bytes of s, which may contain NULs (comment text) */
static void putn(F *f, const char *s, size_t n)
{
	if (f->fail)
		return;
	indent_line(f);
	buf_put(&f->out, s, n);
	f->col += width(s, n);
}

static void nl(F *f)
{
	if (f->flat) {
		f->fail = true;
		return;
	}
	while (f->out.len > f->line_start && f->out.s[f->out.len - 1] == ' ')
		f->out.len--;
	f->last_blank = f->out.len == f->line_start;
	buf_put(&f->out, "\n", 1);
	f->lines++;
	f->bol = true;
	f->col = 0;
	if (f->sink && f->out.len >= (1u << 16)) {
		if (fwrite(f->out.s, 1, f->out.len, f->sink) != f->out.len)
			f->sink_err = true;
		f->out.len = 0;
	}
	f->line_start = f->out.len;
}

/* Display column of the end of the current line. */
static int col(const F *f)
{
	return f->bol ? f->indent : f->col;
}

/* --- comments -------------------------------------------------------- */

/* Is there a comment starting inside s? */
static bool has_comment(const F *f, Span s)
{
	const Program *p = f->p;
	int lo = f->ci, hi = p->ncomments;

	while (lo < hi) {	/* first comment at or after s.off */
		int mid = (lo + hi) / 2;
		if (p->comments[mid].span.off < s.off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < p->ncomments && p->comments[lo].span.off < s.off + s.len;
}

/* Does code precede this offset on its source line? */
static bool code_before(const F *f, uint32_t off)
{
	while (off > 0) {
		char c = f->text[off - 1];
		if (c == '\n')
			return false;
		if (c != ' ' && c != '\t' && c != '\r')
			return true;
		off--;
	}
	return false;
}

/* Is the source line before the one holding off blank? */
static bool blank_before(const F *f, uint32_t off)
{
	while (off > 0 && f->text[off - 1] != '\n')
		off--;
	if (off == 0)
		return false;
	off--;	/* the newline ending the previous line */
	while (off > 0 && (f->text[off - 1] == ' ' || f->text[off - 1] == '\t' ||
			   f->text[off - 1] == '\r'))
		off--;
	return off > 0 && f->text[off - 1] == '\n';
}

/* Is the output empty, or its last line finished and empty? */
static bool last_line_blank(const F *f)
{
	return (f->lines == 0 && f->out.len == 0) ||
	       (f->bol && f->last_blank);
}

/* Print the comments that start before off. */
static void flush(F *f, uint32_t off)
{
	const Program *p = f->p;

	if (f->flat)
		return;
	while (f->ci < p->ncomments && p->comments[f->ci].span.off < off) {
		const Comment *c = &p->comments[f->ci++];
		const char *t = f->text + c->span.off;
		size_t n = c->span.len;
		while (n > 0 && (t[n - 1] == ' ' || t[n - 1] == '\t' ||
				 t[n - 1] == '\r'))
			n--;
		if (!(code_before(f, c->span.off) && !f->bol)) {
			if (!f->bol)
				nl(f);
			if (blank_before(f, c->span.off) && !last_line_blank(f))
				nl(f);
		} else {
			put(f, " ");
		}
		putn(f, t, n);
		nl(f);
	}
}

/* Start an item on its own line (after the comments before it). */
static void item(F *f, uint32_t off, bool keep_blank)
{
	flush(f, off);
	if (!f->bol)
		nl(f);
	if (keep_blank && blank_before(f, off) && !last_line_blank(f))
		nl(f);
}

/* --- measuring ------------------------------------------------------- */

static void pexpr(F *f, const Expr *e, int prec);
static void ppat(F *f, const Pat *p);
static void ptype(F *f, const Type *t);

static F *scratch_begin(F *f, size_t limit)
{
	F *s = f->scratch;
	s->out.len = 0;
	s->line_start = 0;
	s->col = 0;
	s->fail = false;
	s->flat = true;
	s->bol = false;
	s->limit = limit;
	s->p = f->p;
	s->text = f->text;
	s->ci = f->p->ncomments;
	return s;
}

static int scratch_end(F *s)
{
	if (s->fail)
		return -1;
	return s->col;
}

/* Width of e printed flat, or -1 when it cannot be flat within limit. */
static int measure_expr(F *f, const Expr *e, int prec, int limit)
{
	if (f->flat)
		return -1;
	if (has_comment(f, e->span) || limit < 0)
		return -1;
	F *s = scratch_begin(f, (size_t)limit * 4);
	pexpr(s, e, prec);
	int w = scratch_end(s);
	return w > limit ? -1 : w;
}

static int measure_pat(F *f, const Pat *p, int limit)
{
	if (f->flat)
		return -1;
	if (has_comment(f, p->span) || limit < 0)
		return -1;
	F *s = scratch_begin(f, (size_t)limit * 4);
	ppat(s, p);
	int w = scratch_end(s);
	return w > limit ? -1 : w;
}

/* Does e fit flat from the current column (leaving `reserve` columns)? */
static bool fits_expr(F *f, const Expr *e, int prec, int reserve)
{
	if (f->flat)
		return true;
	return measure_expr(f, e, prec, WIDTH - col(f) - reserve) >= 0;
}

/* --- literals, types ------------------------------------------------- */

static void plit(F *f, const Lit *l)
{
	if (l->kind == LIT_STR) {
		size_t need = (size_t)l->str.len * 4 + 3;
		char *b = xmalloc(need);
		lit_str(l, b, need);
		put(f, b);
		free(b);
		return;
	}
	char b[96];
	put(f, lit_str(l, b, sizeof b));
}

/* type = btype [ '->' [ '<' effects '>' ] type ] */
static void ptype(F *f, const Type *t)
{
	switch (t->kind) {
	case T_NAME:
		put(f, t->name);
		if (t->nargs) {
			put(f, "<");
			for (int i = 0; i < t->nargs; i++) {
				if (i)
					put(f, ", ");
				ptype(f, t->args[i]);
			}
			put(f, ">");
		}
		break;
	case T_TUPLE:
		put(f, "(");
		for (int i = 0; i < t->nargs; i++) {
			if (i)
				put(f, ", ");
			ptype(f, t->args[i]);
		}
		put(f, ")");
		break;
	case T_RECORD:
		if (!t->nfields) {
			put(f, "{}");
			break;
		}
		put(f, "{ ");
		for (int i = 0; i < t->nfields; i++) {
			if (i)
				put(f, ", ");
			put(f, t->fields[i]->name);
			put(f, " : ");
			ptype(f, t->fields[i]->type);
		}
		put(f, " }");
		break;
	case T_FUN:
		if (t->from->kind == T_FUN) {
			put(f, "(");
			ptype(f, t->from);
			put(f, ")");
		} else {
			ptype(f, t->from);
		}
		put(f, " -> ");
		if (t->has_effects) {
			put(f, "<");
			for (int i = 0; i < t->neffects; i++) {
				if (i)
					put(f, ", ");
				put(f, t->effects[i]);
			}
			put(f, "> ");
		}
		ptype(f, t->to);
		break;
	}
}

/* --- patterns -------------------------------------------------------- */

static const char *field_op_str(BinOp op)
{
	return op == OP_EQ ? "=" : binop_str(op);
}

/* Constructor/tuple arguments: flat, or one per line aligned after '('. */
static void pat_args(F *f, const Pat *p)
{
	put(f, "(");
	bool flat = f->flat || measure_pat(f, p, WIDTH - col(f) + 1) >= 0;
	int save = f->indent;
	int at = col(f);
	for (int i = 0; i < p->nargs; i++) {
		if (i) {
			put(f, ",");
			if (flat) {
				put(f, " ");
			} else {
				f->indent = at;
				item(f, p->args[i]->span.off, false);
			}
		}
		ppat(f, p->args[i]);
	}
	if (!flat)
		flush(f, p->span.off + p->span.len);
	if (!flat && f->bol)
		f->indent = at - 1;
	put(f, ")");
	f->indent = save;
}

static void ppat(F *f, const Pat *p)
{
	if (f->fail)
		return;
	switch ((PatKind)p->kind) {
	case P_WILD:
		put(f, "_");
		break;
	case P_VAR:
		put(f, p->name);
		break;
	case P_CON:
		put(f, p->name);
		if (p->paren)
			pat_args(f, p);
		break;
	case P_TUPLE:
		pat_args(f, p);
		break;
	case P_RECORD:
		if (p->name) {
			put(f, p->name);
			put(f, " ");
		}
		if (!p->nfields) {
			put(f, "{}");
			break;
		}
		put(f, "{ ");
		for (int i = 0; i < p->nfields; i++) {
			const PatField *pf = p->fields[i];
			if (i)
				put(f, ", ");
			put(f, pf->name);
			put(f, " ");
			put(f, field_op_str(pf->op));
			put(f, " ");
			pexpr(f, pf->value, 0);
		}
		put(f, " }");
		break;
	case P_IN:
		ppat(f, p->sub);
		put(f, " ");
		put(f, binop_str(p->op));
		put(f, " ");
		pexpr(f, p->set, 7);
		break;
	case P_AS:
		put(f, p->name);
		put(f, " @ ");
		ppat(f, p->as);
		break;
	case P_ARROW:
		ppat(f, p->sub);
		put(f, " -> ");
		ppat(f, p->to);
		break;
	case P_BYTES:
		put(f, "[");
		for (int i = 0; i < p->nbytes; i++) {
			char b[8];
			if (i)
				put(f, " ");
			if (p->bytes[i] == PB_ANY)
				put(f, "_");
			else if (p->bytes[i] == PB_REST)
				put(f, "_*");
			else {
				snprintf(b, sizeof b, "0x%02x", p->bytes[i]);
				put(f, b);
			}
		}
		put(f, "]");
		break;
	case P_LIT:
		pexpr(f, p->value, 9);
		break;
	}
}

/* --- expressions ----------------------------------------------------- */

/*
 * Precedence levels: 0 case/if/lambda, 1 >>= >>, 2 ||, 3 &&,
 * 4 comparisons, 5 ++, 6 not/perform, 7 application, 8 postfix (call with
 * parentheses, field), 9 atoms.
 */
static int binop_prec(BinOp op)
{
	switch (op) {
	case OP_BIND:
	case OP_THEN:
		return 1;
	case OP_OR:
		return 2;
	case OP_AND:
		return 3;
	case OP_CONCAT:
		return 5;
	default:
		return 4;
	}
}

static int expr_prec(const Expr *e)
{
	switch ((ExprKind)e->kind) {
	case E_CASE:
	case E_IF:
	case E_LAMBDA:
		return 0;
	case E_BINARY:
		return binop_prec(e->op);
	case E_NOT:
	case E_PERFORM:
		return 6;
	case E_CALL:
		return e->paren ? 8 : 7;
	case E_FIELD:
		return 8;
	default:
		return 9;
	}
}

/* Does e end in a case/if/lambda that would swallow what follows? */
static bool open_right(const Expr *e)
{
	switch ((ExprKind)e->kind) {
	case E_CASE:
	case E_IF:
	case E_LAMBDA:
		return true;
	case E_BINARY:
		return open_right(e->rhs);
	case E_NOT:
		return open_right(e->lhs);
	default:
		return false;
	}
}

static void pexpr_raw(F *f, const Expr *e);

/* Print e where precedence prec is required; parenthesise if needed. */
static void pexpr(F *f, const Expr *e, int prec)
{
	if (f->fail)
		return;
	if (expr_prec(e) < prec) {
		int save = f->indent;
		put(f, "(");
		if (!f->flat)
			f->indent = col(f);
		pexpr_raw(f, e);
		f->indent = save;
		put(f, ")");
	} else {
		pexpr_raw(f, e);
	}
}

/* A non-tail operand: parenthesised when it ends open. */
static void pexpr_closed(F *f, const Expr *e, int prec)
{
	if (open_right(e) && expr_prec(e) >= prec) {
		put(f, "(");
		pexpr_raw(f, e);
		put(f, ")");
	} else {
		pexpr(f, e, prec);
	}
}

static void parms(F *f, const Expr *e)
{
	put(f, "\\");
	for (int i = 0; i < e->nparams; i++) {
		if (i)
			put(f, " ");
		ppat(f, e->params[i]);
	}
	put(f, " ->");
}

static void pcase_arms(F *f, Arm *const *arms, int n, int indent);

/* {a, b} / {k -> v} / {f = e}, flat or one item per line */
static void pbraces(F *f, const Expr *e)
{
	int n = e->kind == E_RECORD ? e->nfields : e->nitems;

	if (n == 0) {
		put(f, "{}");
		return;
	}
	bool flat = f->flat || fits_expr(f, e, 9, 1);
	int save = f->indent;
	int in = f->indent + 2;
	put(f, flat ? "{ " : "{");
	for (int i = 0; i < n; i++) {
		if (i)
			put(f, flat ? ", " : ",");
		uint32_t off = e->kind == E_RECORD ? e->fields[i]->name_span.off
			       : e->kind == E_MAP  ? e->keys[i]->span.off
						   : e->items[i]->span.off;
		if (!flat) {
			f->indent = in;
			item(f, off, true);
		}
		if (e->kind == E_RECORD) {
			put(f, e->fields[i]->name);
			put(f, " = ");
			pexpr(f, e->fields[i]->value, 0);
		} else if (e->kind == E_MAP) {
			pexpr_closed(f, e->keys[i], 1);
			put(f, " -> ");
			pexpr(f, e->items[i], 0);
		} else {
			pexpr(f, e->items[i], 0);
		}
	}
	if (!flat) {
		flush(f, e->span.off + e->span.len);
		f->indent = save;
		nl(f);
		put(f, "}");
	} else {
		put(f, " }");
	}
	f->indent = save;
}

/*
 * A chain a >> b >>= \x -> c that does not fit: one operand per line, a
 * final lambda's parameters at the end of the previous line:
 *
 *	perform FIB.daddrLocal(ip.dst) >>= \local ->
 *	if local then DNATMap(forwards) else Allow
 */
static void pseq_broken(F *f, const Expr *e)
{
	const Expr *ops[64];
	int n = 0;
	const Expr *x = e;

	/* walk down the left spine: ((a op b) op c) op d */
	while (x->kind == E_BINARY && binop_prec(x->op) == 1 &&
	       !open_right(x->lhs) && n < 63) {
		ops[n++] = x;
		x = x->lhs;
	}
	pexpr_closed(f, x, 1);
	for (int i = n - 1; i >= 0; i--) {
		const Expr *b = ops[i], *r = b->rhs;
		put(f, " ");
		put(f, binop_str(b->op));
		if (i == 0 && r->kind == E_LAMBDA) {
			put(f, " ");
			parms(f, r);
			nl(f);
			pexpr(f, r->body, 0);
			return;
		}
		nl(f);
		pexpr(f, r, expr_prec(r) == 0 && i == 0 ? 0 : 2);
	}
}

static void pargs(F *f, Expr *const *args, int n)
{
	put(f, "(");
	for (int i = 0; i < n; i++) {
		if (i)
			put(f, ", ");
		pexpr(f, args[i], 0);
	}
	put(f, ")");
}

static void pexpr_raw(F *f, const Expr *e)
{
	switch ((ExprKind)e->kind) {
	case E_LIT:
		plit(f, &e->lit);
		break;
	case E_NAME:
		put(f, e->name);
		break;
	case E_FIELD:
		pexpr(f, e->lhs, 8);
		put(f, ".");
		put(f, e->field);
		break;
	case E_CALL:
		if (e->fn->kind == E_CALL && !e->fn->paren)
			pexpr(f, e->fn, 9);
		else
			pexpr_closed(f, e->fn, 8);
		if (e->paren) {
			pargs(f, e->args, e->nargs);
		} else {
			for (int i = 0; i < e->nargs; i++) {
				put(f, " ");
				pexpr(f, e->args[i], 8);
			}
		}
		break;
	case E_PERFORM:
		put(f, "perform ");
		pexpr(f, e->fn, 8);
		if (e->paren) {
			pargs(f, e->args, e->nargs);
		} else {
			for (int i = 0; i < e->nargs; i++) {
				put(f, " ");
				pexpr(f, e->args[i], 8);
			}
		}
		break;
	case E_BINARY: {
		int p = binop_prec(e->op);
		if (p == 1 && !f->flat && !fits_expr(f, e, 1, 0)) {
			pseq_broken(f, e);
			break;
		}
		/* left operand: same level (left assoc.), except ++ and
		 * comparisons; a seq's right operand may be case/if/lambda */
		pexpr_closed(f, e->lhs, e->op == OP_CONCAT || p == 4 ? p + 1 : p);
		put(f, " ");
		put(f, binop_str(e->op));
		put(f, " ");
		if (e->op == OP_CONCAT)
			pexpr(f, e->rhs, p);
		else if (p == 1 && expr_prec(e->rhs) == 0)
			pexpr(f, e->rhs, 0);
		else if (p == 1)
			pexpr(f, e->rhs, p + 1);
		else
			pexpr_closed(f, e->rhs, p + 1);
		break;
	}
	case E_NOT:
		put(f, "not ");
		pexpr(f, e->lhs, 6);
		break;
	case E_IF:
		if (f->flat || fits_expr(f, e, 0, 0)) {
			put(f, "if ");
			pexpr_closed(f, e->cond, 1);
			put(f, " then ");
			pexpr_closed(f, e->then_, 1);
			put(f, " else ");
			pexpr(f, e->else_, 0);
		} else {
			/* if c
			 *   then a
			 *   else b      (branches aligned after the keyword) */
			int save = f->indent;
			put(f, "if ");
			pexpr_closed(f, e->cond, 1);
			f->indent = save + 2;
			nl(f);
			put(f, "then ");
			f->indent = save + 7;
			pexpr_closed(f, e->then_, 1);
			f->indent = save + 2;
			nl(f);
			put(f, "else ");
			f->indent = save + 7;
			pexpr(f, e->else_, 0);
			f->indent = save;
		}
		break;
	case E_CASE: {
		if (f->flat) {
			f->fail = true;
			return;
		}
		int base = f->indent;
		put(f, "case ");
		pexpr_closed(f, e->lhs, 1);
		put(f, " of");
		pcase_arms(f, e->arms, e->narms, base + 2);
		f->indent = base;
		break;
	}
	case E_LAMBDA:
		parms(f, e);
		if (!f->flat && e->body->kind != E_CASE &&
		    !fits_expr(f, e->body, 0, 0)) {
			int save = f->indent;
			f->indent = save + 2;
			nl(f);
			pexpr(f, e->body, 0);
			f->indent = save;
		} else {
			put(f, " ");
			pexpr(f, e->body, 0);
		}
		break;
	case E_TUPLE:
		put(f, "(");
		for (int i = 0; i < e->nitems; i++) {
			if (i)
				put(f, ", ");
			pexpr(f, e->items[i], 0);
		}
		put(f, ")");
		break;
	case E_SET:
	case E_MAP:
	case E_RECORD:
		pbraces(f, e);
		break;
	}
}

/* --- arms ------------------------------------------------------------ */

/* Width of "pat [if guard]" flat, or -1. */
static int arm_head_width(F *f, const Arm *a, int limit)
{
	int pw = measure_pat(f, a->pat, limit);

	if (pw < 0 || !a->guard)
		return pw;
	int gw = measure_expr(f, a->guard, 1, limit - pw - 4);
	return gw < 0 ? -1 : pw + 4 + gw;
}

static void pcase_arms(F *f, Arm *const *arms, int n, int indent)
{
	int *hw = xmalloc((size_t)n * sizeof *hw);

	for (int i = 0; i < n; i++) {
		const Arm *a = arms[i];
		int room = WIDTH - indent - 2;
		hw[i] = has_comment(f, a->span) ? -1
						: arm_head_width(f, a, room);
		if (hw[i] >= 0) {
			int bw = measure_expr(f, a->body, 0,
					      room - hw[i] - 4);
			if (bw < 0)
				hw[i] = -1;
		}
	}
	/* align '->' within runs of one-line arms not separated by
	 * comments or blank lines */
	for (int i = 0; i < n;) {
		int j = i + 1;
		while (j < n && hw[j] >= 0 && hw[j - 1] >= 0 &&
		       !has_comment(f, span_join(arms[j - 1]->span,
						 arms[j]->span)) &&
		       !blank_before(f, arms[j]->span.off))
			j++;
		int pad = 0;
		for (int k = i; k < j; k++)
			if (hw[k] > pad)
				pad = hw[k];
		for (int k = i; k < j; k++)
			if (hw[k] >= 0)
				hw[k] = pad;
		i = j;
	}
	for (int i = 0; i < n; i++) {
		const Arm *a = arms[i];
		f->indent = indent;
		item(f, a->span.off, true);
		put(f, "| ");
		int start = col(f);
		f->indent = indent + 2;
		ppat(f, a->pat);
		if (hw[i] >= 0) {
			if (a->guard) {
				put(f, " if ");
				pexpr_closed(f, a->guard, 1);
			}
			while (col(f) < start + hw[i])
				put(f, " ");
			put(f, " -> ");
			pexpr(f, a->body, 0);
			continue;
		}
		if (a->guard) {
			int w = measure_expr(f, a->guard, 1, WIDTH);
			if (w < 0 || col(f) + 4 + w + 3 > WIDTH) {
				/* guard on its own line under the pattern */
				f->indent = indent + 4;
				nl(f);
				put(f, "if ");
			} else {
				put(f, " if ");
			}
			pexpr_closed(f, a->guard, 1);
		}
		put(f, " ->");
		flush(f, a->body->span.off);
		f->indent = indent + 4;
		if (!f->bol && fits_expr(f, a->body, 0, 1)) {
			put(f, " ");
			pexpr(f, a->body, 0);
		} else {
			nl(f);
			pexpr(f, a->body, 0);
		}
	}
	free(hw);
}

/* --- declarations ---------------------------------------------------- */

static void decl_head(F *f, const Decl *d)
{
	put(f, decl_kind_name(d->kind));
	put(f, " ");
	put(f, d->name);
	if (d->type) {
		put(f, " : ");
		ptype(f, d->type);
	}
}

/* " = value": on the same line when it fits or opens a bracket */
static void decl_value(F *f, const Expr *v)
{
	put(f, " =");
	if (fits_expr(f, v, 0, 1) || v->kind == E_SET || v->kind == E_MAP ||
	    v->kind == E_RECORD) {
		put(f, " ");
		pexpr(f, v, 0);
		return;
	}
	f->indent = 2;
	nl(f);
	pexpr(f, v, 0);
	f->indent = 0;
}

static void pattr(F *f, const Attr *a)
{
	put(f, a->name);
	if (a->value) {
		put(f, " = ");
		pexpr(f, a->value, 0);
	}
}

static void pinterface(F *f, const Decl *d)
{
	decl_head(f, d);
	if (!d->nattrs)
		return;
	int total = col(f);
	for (int i = 0; i < d->nattrs; i++) {
		const Attr *a = d->attrs[i];
		int w = -1;
		if (!has_comment(f, a->span)) {
			F *s = scratch_begin(f, WIDTH * 4);
			pattr(s, a);
			w = scratch_end(s);
		}
		if (w < 0) {
			total = WIDTH + 1;
			break;
		}
		total += 1 + w;
	}
	put(f, " ");
	int at = col(f);
	for (int i = 0; i < d->nattrs; i++) {
		if (i && total <= WIDTH) {
			put(f, " ");
		} else if (i) {
			f->indent = at;
			item(f, d->attrs[i]->span.off, false);
		}
		pattr(f, d->attrs[i]);
	}
	f->indent = 0;
}

static void ppolicy(F *f, const Decl *d)
{
	decl_head(f, d);
	f->indent = 2;
	if (d->nattrs) {
		item(f, d->attrs[0]->span.off, false);
		put(f, "on ");
		for (int i = 0; i < d->nattrs; i++) {
			if (i)
				put(f, ", ");
			put(f, d->attrs[i]->name);
			put(f, " = ");
			pexpr(f, d->attrs[i]->value, 7);
		}
	}
	nl(f);
	put(f, "where");
	pcase_arms(f, d->arms, d->narms, 2);
	f->indent = 0;
}

static void pdecl(F *f, const Decl *d)
{
	f->indent = 0;
	switch (d->kind) {
	case D_INTERFACE:
		pinterface(f, d);
		break;
	case D_ZONE:
	case D_LET:
	case D_RULE:
		decl_head(f, d);
		decl_value(f, d->value);
		break;
	case D_IMPORT: {
		decl_head(f, d);
		put(f, " from ");
		Lit l = {.kind = LIT_STR};
		l.str.s = d->from;
		l.str.len = (uint32_t)strlen(d->from);
		plit(f, &l);
		break;
	}
	case D_PATTERN:
		decl_head(f, d);
		put(f, " =");
		f->indent = 2;
		if (measure_pat(f, d->pat, WIDTH - col(f) - 1) < 0)
			nl(f);
		else
			put(f, " ");
		ppat(f, d->pat);
		break;
	case D_FLOW:
		decl_head(f, d);
		put(f, " =");
		for (int i = 0; i < d->nsteps; i++) {
			put(f, i ? " . " : " ");
			ppat(f, d->steps[i]);
		}
		if (d->has_within) {
			put(f, " within ");
			plit(f, &d->within);
		}
		break;
	case D_POLICY:
		ppolicy(f, d);
		break;
	}
	f->indent = 0;
}

static char *fmt_once(const Program *p, size_t *len, FILE *sink, bool *err)
{
	F f = {0}, scratch = {0};

	f.sink = sink;
	if (p->src && !sink) {	/* about the size of the source */
		f.out.cap = (size_t)p->src->len + p->src->len / 8 + 64;
		f.out.s = xmalloc(f.out.cap);
	}
	f.p = p;
	f.text = p->src ? p->src->text : "";
	f.bol = true;
	f.scratch = &scratch;
	for (int i = 0; i < p->ndecls; i++) {
		item(&f, p->decls[i]->span.off, true);
		pdecl(&f, p->decls[i]);
	}
	flush(&f, UINT32_MAX);
	if (!f.bol)
		nl(&f);
	free(scratch.out.s);
	if (sink) {
		if (f.out.len &&
		    fwrite(f.out.s, 1, f.out.len, sink) != f.out.len)
			f.sink_err = true;
		*err = f.sink_err || fflush(sink) != 0;
		free(f.out.s);
		return NULL;
	}
	if (!f.out.s)
		buf_put(&f.out, "", 0);
	*len = f.out.len;
	return f.out.s;
}

bool fmt_program_to(const Program *p, FILE *out)
{
	bool err = false;
	size_t n;

	if (p->ncomments) {	/* may need settling: format in memory */
		char *s = fmt_program(p, &n);
		err = fwrite(s, 1, n, out) != n || fflush(out) != 0;
		free(s);
		return !err;
	}
	fmt_once(p, &n, out, &err);
	return !err;
}

char *fmt_program(const Program *p, size_t *len)
{
	char *out = fmt_once(p, len, NULL, NULL);

	/* comments moved by the first round can change later decisions:
	 * settle them (rarely more than one extra round) */
	for (int round = 0; round < 4 && p->ncomments; round++) {
		Arena a = {0};
		Diags d;
		diag_init(&d);
		Source *src = source_from_mem(&a, p->src ? p->src->path : "-",
					      out, *len);
		if (!src) {
			diag_free(&d);
			arena_free(&a);
			break;
		}
		Program *q = parse_program(src, &a, &d);
		size_t n2;
		char *again = diag_failed(&d) ? NULL
					       : fmt_once(q, &n2, NULL, NULL);
		diag_free(&d);
		arena_free(&a);
		if (!again)
			break;
		bool same = n2 == *len && memcmp(again, out, n2) == 0;
		free(out);
		out = again;
		*len = n2;
		if (same)
			break;
	}
	return out;
}

/* --- fwlc fmt -------------------------------------------------------- */

static int write_file(const char *path, const char *s, size_t n)
{
	size_t pl = strlen(path);
	char *tmp = xmalloc(pl + 16);
	snprintf(tmp, pl + 16, "%s.fmt~", path);
	FILE *o = fopen(tmp, "wb");
	if (!o) {
		fprintf(stderr, "fwlc fmt: cannot write '%s': %s\n", tmp,
			strerror(errno));
		free(tmp);
		return 2;
	}
	bool ok = fwrite(s, 1, n, o) == n;
	ok = fclose(o) == 0 && ok;
	if (!ok || rename(tmp, path) != 0) {
		fprintf(stderr, "fwlc fmt: cannot write '%s': %s\n", path,
			strerror(errno));
		remove(tmp);
		free(tmp);
		return 2;
	}
	free(tmp);
	return 0;
}

/* fwlc fmt FILE [--check] [-w] */
int cmd_fmt(int argc, char **argv)
{
	const char *path = NULL;
	bool check = false, write = false, stats = false;
	Diags d;
	Arena a = {0};

	diag_init(&d);
	for (int i = 1; i < argc; i++) {
		int n = cmd_common_opt(&d, argc, argv, i);
		if (n < 0)
			return 2;
		if (n > 0)
			i += n - 1;
		else if (strcmp(argv[i], "--check") == 0)
			check = true;
		else if (strcmp(argv[i], "-w") == 0)
			write = true;
		else if (strcmp(argv[i], "--stats") == 0)
			stats = true;
		else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "fwlc fmt: unknown option '%s'\n"
				"usage: fwlc fmt FILE [--check] [-w]\n", argv[i]);
			return 2;
		} else if (!path)
			path = argv[i];
		else {
			fprintf(stderr, "fwlc fmt: one file at a time\n");
			return 2;
		}
	}
	if (!path) {
		fprintf(stderr, "usage: fwlc fmt FILE [--check] [-w]\n");
		return 2;
	}
	double t0 = cmd_now();
	Program *p = cmd_load(path, &a, &d);
	double t1 = cmd_now();
	if (!p) {
		diag_free(&d);
		arena_free(&a);
		return 2;
	}
	if (diag_failed(&d)) {
		/* never print or write a program with its errors left out */
		diag_print(&d, stderr);
		diag_free(&d);
		arena_free(&a);
		return 1;
	}
	size_t n;
	int rc = 0;
	if (!check && !write) {
		/* straight to stdout: no copy of the output in memory */
		if (!fmt_program_to(p, stdout)) {
			fprintf(stderr, "fwlc fmt: cannot write the output: "
				"%s\n", strerror(errno));
			rc = 2;
		}
		if (stats) {
			cmd_stats("parse", t1 - t0);
			cmd_stats("fmt", cmd_now() - t1);
		}
		diag_free(&d);
		arena_free(&a);
		return rc;
	}
	char *out = fmt_program(p, &n);
	if (stats) {
		cmd_stats("parse", t1 - t0);
		cmd_stats("fmt", cmd_now() - t1);
	}
	bool same = n == p->src->len && memcmp(out, p->src->text, n) == 0;
	if (check) {
		if (!same) {
			fprintf(stderr, "%s: not in canonical form (run fwlc "
				"fmt -w %s)\n", path, path);
			rc = 1;
		}
	} else if (write && !same) {
		rc = write_file(path, out, n);
	}
	free(out);
	diag_free(&d);
	arena_free(&a);
	return rc;
}
