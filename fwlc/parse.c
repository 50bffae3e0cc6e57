// SPDX-License-Identifier: MIT
/*
 * parse.c - recursive descent over the token stream of lex.c.
 *
 * Each grammar rule has its own function with the rule written above it.
 * A syntax error is reported once and unwinds (longjmp) to the declaration
 * being parsed; the parser then skips to the next declaration keyword at
 * the start of a line.  Nodes are allocated in the arena; node lists are
 * collected on one shared stack and copied into the arena when complete.
 *
 * Layout: the arms of a case or policy continue while the next '|' is at
 * or right of the column of the first '|', so a nested case ends where a
 * less indented '|' starts.  A juxtaposed argument (show x) never starts
 * at column 1, nor is it a name directly followed by '='.
 */
#include "fwlc/parse.h"

#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "fwlc/lex.h"

typedef struct Parser {
	Lexer lx;
	Arena *a;
	Diags *d;
	Token tok[3];		/* tok[0] current, then lookahead */
	int ntok;		/* tokens in tok[] */
	uint32_t prev_end;	/* byte offset after the previous token */
	Span prev;		/* the previous token */
	Vec stk;		/* shared stack for node lists */
	Vec decls;		/* the declarations parsed so far */
	int depth;
	uint32_t nids;		/* Expr and Pat ids given so far */
	jmp_buf fail;		/* back to the declaration loop */
	const char *w_from, *w_on, *w_within;	/* contextual words */
} Parser;

/* --- tokens ---------------------------------------------------------- */

static Token *peek(Parser *P, int k)
{
	while (P->ntok <= k)
		P->tok[P->ntok++] = lex_next(&P->lx);
	return &P->tok[k];
}

#define CUR(P) (peek(P, 0))

static Token next(Parser *P)
{
	Token t = *peek(P, 0);

	memmove(&P->tok[0], &P->tok[1], sizeof(Token) * 2);
	P->ntok--;
	P->prev = t.span;
	P->prev_end = t.span.off + t.span.len;
	return t;
}

static bool at(Parser *P, TokKind k)
{
	return CUR(P)->kind == k;
}

static bool accept(Parser *P, TokKind k)
{
	if (!at(P, k))
		return false;
	next(P);
	return true;
}

/* A span from start to the end of the previous token. */
static Span from(Parser *P, Span start)
{
	return span_join(start, P->prev);
}

static const char *tok_desc(Parser *P, const Token *t, char *buf, size_t n)
{
	if (t->kind == TK_IDENT || t->kind == TK_UIDENT) {
		snprintf(buf, n, "'%s'", t->name);
	} else if (t->kind == TK_LIT) {
		char lb[64];
		lit_str(&t->lit, lb, sizeof lb);
		snprintf(buf, n, "'%s'", lb);
	} else if (t->kind == TK_ERROR) {
		snprintf(buf, n, "an invalid character");
	} else {
		snprintf(buf, n, "%s", tok_kind_str(t->kind));
	}
	(void)P;
	return buf;
}

/*
 * Where to report "expected X, found Y": at Y, unless Y starts a later
 * line; then just after the previous token, where X is missing.
 */
static Span err_span(Parser *P)
{
	Token *t = CUR(P);

	if (!t->bol || P->prev.len == 0 || P->prev.line >= t->span.line)
		return t->span;
	Span s = P->prev;
	const char *txt = P->lx.src->text;
	uint32_t w = 0;
	for (uint32_t i = s.off; i < s.off + s.len; i++)
		if (((unsigned char)txt[i] & 0xC0) != 0x80)
			w++;
	if (memchr(txt + s.off, '\n', s.len))	/* multi-line token */
		return t->span;
	s.col = (uint16_t)(s.col + w > 65535 ? 65535 : s.col + w);
	s.off += s.len;
	s.len = 0;
	return s;
}

static _Noreturn void bail(Parser *P)
{
	longjmp(P->fail, 1);
}

/* Report "expected WHAT, found TOKEN" at the current token and unwind. */
static _Noreturn void expected(Parser *P, int code, const char *what,
			       const char *help)
{
	char b[96];
	Token *t = CUR(P);
	if (t->kind == TK_ERROR)	/* the lexer has said why */
		bail(P);
	if (t->kind == TK_ERROR)
		bail(P);
	Diag *g = diag_error(P->d, err_span(P), code, "expected %s, found %s",
			     what, tok_desc(P, t, b, sizeof b));

	if (help)
		diag_help(P->d, g, "%s", help);
	bail(P);
}

static Token expect(Parser *P, TokKind k, const char *ctx)
{
	if (!at(P, k)) {
		char what[96];
		snprintf(what, sizeof what, "%s%s%s", tok_kind_str(k),
			 ctx ? " " : "", ctx ? ctx : "");
		expected(P, ERR_EXPECTED, what, NULL);
	}
	return next(P);
}

/* The closer of a bracket opened at `open`; names the opening if missing. */
static void expect_close(Parser *P, TokKind k, Span open, const char *what)
{
	if (at(P, k)) {
		next(P);
		return;
	}
	char b[96];
	Token *t = CUR(P);
	if (t->kind == TK_ERROR)
		bail(P);
	if (t->kind == TK_ERROR)
		bail(P);
	Diag *g = diag_error(P->d, err_span(P), ERR_UNCLOSED,
			     "expected %s to close the %s opened at line %u, "
			     "found %s", tok_kind_str(k), what, open.line,
			     tok_desc(P, t, b, sizeof b));
	diag_note(P->d, g, &open, "the %s was opened here", what);
	if (!t->bol && (k == TK_RBRACE || k == TK_RPAREN || k == TK_RBRACKET) &&
	    (t->kind == TK_LIT || t->kind == TK_IDENT || t->kind == TK_UIDENT ||
	     t->kind == TK_LPAREN || t->kind == TK_LBRACE ||
	     t->kind == TK_UNDERSCORE))
		diag_help(P->d, g, "is a ',' missing before %s?",
			  tok_desc(P, t, b, sizeof b));
	bail(P);
}

static void enter(Parser *P)
{
	if (++P->depth > FWL_MAX_DEPTH) {
		Diag *g = diag_error(P->d, CUR(P)->span, ERR_TOO_DEEP,
				     "nesting is too deep (more than %d levels)",
				     FWL_MAX_DEPTH);
		diag_help(P->d, g, "split the expression with let or pattern "
			  "declarations");
		bail(P);
	}
}

static void leave(Parser *P)
{
	P->depth--;
}

/*
 * Operator chains (a && b && ..., a.b.c, f(x)(y)) are parsed by loops but
 * make trees as deep as they are long, and every later pass walks them
 * recursively: each link counts as a level of nesting.
 */
static void leave_n(Parser *P, int n)
{
	P->depth -= n;
}

static bool is_word(Parser *P, const char *w)
{
	Token *t = CUR(P);
	return t->kind == TK_IDENT && t->name == w;
}

static bool is_decl_kw(TokKind k)
{
	return k == TK_INTERFACE || k == TK_ZONE || k == TK_IMPORT ||
	       k == TK_LET || k == TK_PATTERN || k == TK_FLOW ||
	       k == TK_RULE || k == TK_POLICY;
}

/* --- lists ----------------------------------------------------------- */

static int mark(Parser *P)
{
	return P->stk.len;
}

static void push(Parser *P, void *p)
{
	vec_push(&P->stk, p);
}

/* Pop everything pushed since m into an arena array. */
static void *pop(Parser *P, int m, int *n)
{
	*n = P->stk.len - m;
	void **v = NULL;
	if (*n)
		v = arena_memdup(P->a, P->stk.data + m, (size_t)*n * sizeof *v);
	P->stk.len = m;
	return v;
}

/* --- nodes ----------------------------------------------------------- */

static Expr *new_expr(Parser *P, ExprKind k, Span s)
{
	Expr *e = arena_alloc(P->a, sizeof *e);
	e->kind = (uint8_t)k;
	e->span = s;
	e->id = ++P->nids;
	return e;
}

static Pat *new_pat(Parser *P, PatKind k, Span s)
{
	Pat *p = arena_alloc(P->a, sizeof *p);
	p->kind = (uint8_t)k;
	p->span = s;
	p->id = ++P->nids;
	return p;
}

static Type *new_type(Parser *P, TypeKind k, Span s)
{
	Type *t = arena_alloc(P->a, sizeof *t);
	t->kind = k;
	t->span = s;
	return t;
}

static Expr *parse_expr(Parser *P);
static Pat *parse_pat(Parser *P, bool arrow);
static Expr *parse_app(Parser *P);

/* --- types ----------------------------------------------------------- */

static Type *parse_type(Parser *P);

/* effect_row = '<' [ UIDENT { ',' UIDENT } ] '>' */
static void parse_effect_row(Parser *P, Type *t)
{
	Span open = next(P).span;
	int m = mark(P), n;

	t->has_effects = true;
	while (!at(P, TK_GT)) {
		Token e = *CUR(P);
		if (e.kind != TK_UIDENT && e.kind != TK_IDENT)
			expected(P, ERR_EXPECTED_TYPE, "an effect name",
				 "an effect row lists effects: <Log, FIB>");
		next(P);
		push(P, (void *)e.name);
		push(P, arena_memdup(P->a, &e.span, sizeof e.span));
		if (!accept(P, TK_COMMA))
			break;
	}
	expect_close(P, TK_GT, open, "effect row '<'");
	void **v = pop(P, m, &n);
	n /= 2;
	t->neffects = n;
	t->effects = arena_alloc(P->a, (size_t)n * sizeof *t->effects);
	t->effect_spans = arena_alloc(P->a, (size_t)n * sizeof(Span));
	for (int i = 0; i < n; i++) {
		t->effects[i] = v[2 * i];
		t->effect_spans[i] = *(Span *)v[2 * i + 1];
	}
}

/*
 * btype = NAME [ '<' type { ',' type } '>' ]
 *       | '(' [ type { ',' type } ] ')'
 *       | '{' [ IDENT ':' type { ',' IDENT ':' type } ] '}'
 */
static Type *parse_btype(Parser *P)
{
	Token t = *CUR(P);
	Type *ty;
	int m = mark(P), n;

	if (t.kind == TK_UIDENT || t.kind == TK_IDENT) {
		next(P);
		ty = new_type(P, T_NAME, t.span);
		ty->name = t.name;
		if (at(P, TK_LT)) {
			Span open = next(P).span;
			do
				push(P, parse_type(P));
			while (accept(P, TK_COMMA));
			expect_close(P, TK_GT, open, "type arguments '<'");
			ty->args = pop(P, m, &n);
			ty->nargs = n;
		}
	} else if (t.kind == TK_LPAREN) {
		next(P);
		ty = new_type(P, T_TUPLE, t.span);
		if (!at(P, TK_RPAREN)) {
			do
				push(P, parse_type(P));
			while (accept(P, TK_COMMA));
		}
		expect_close(P, TK_RPAREN, t.span, "'('");
		ty->args = pop(P, m, &n);
		ty->nargs = n;
		if (n == 1) {	/* (T) is T */
			Type *in = ty->args[0];
			return in;
		}
	} else if (t.kind == TK_LBRACE) {
		next(P);
		ty = new_type(P, T_RECORD, t.span);
		while (!at(P, TK_RBRACE)) {
			Token f = expect(P, TK_IDENT, "(a field name)");
			TypeField *tf = arena_alloc(P->a, sizeof *tf);
			tf->name = f.name;
			tf->name_span = f.span;
			expect(P, TK_COLON, "after the field name");
			tf->type = parse_type(P);
			push(P, tf);
			if (!accept(P, TK_COMMA))
				break;
		}
		expect_close(P, TK_RBRACE, t.span, "'{'");
		ty->fields = pop(P, m, &n);
		ty->nfields = n;
	} else {
		expected(P, ERR_EXPECTED_TYPE, "a type",
			 "types look like Port, Frame<{}>, (IP, Port) or "
			 "Frame<{}> -> <Log> Action");
	}
	ty->span = from(P, t.span);
	return ty;
}

/* type = btype [ '->' [ effect_row ] type ] */
static Type *parse_type(Parser *P)
{
	enter(P);
	Type *t = parse_btype(P);
	if (at(P, TK_ARROW)) {
		next(P);
		Type *f = new_type(P, T_FUN, t->span);
		f->from = t;
		if (at(P, TK_LT))
			parse_effect_row(P, f);
		f->to = parse_type(P);
		f->span = from(P, t->span);
		t = f;
	}
	leave(P);
	return t;
}

/* --- patterns -------------------------------------------------------- */

static BinOp field_op(Parser *P, bool *ok)
{
	*ok = true;
	switch (CUR(P)->kind) {
	case TK_ASSIGN:
	case TK_EQ:
		next(P);
		return OP_EQ;
	case TK_NE:
		next(P);
		return OP_NE;
	case TK_LT:
		next(P);
		return OP_LT;
	case TK_LE:
		next(P);
		return OP_LE;
	case TK_GT:
		next(P);
		return OP_GT;
	case TK_GE:
		next(P);
		return OP_GE;
	case TK_IN:
		next(P);
		return OP_IN;
	case TK_NOTIN:
		next(P);
		return OP_NOTIN;
	case TK_NOT:
		if (peek(P, 1)->kind == TK_IN) {
			next(P);
			next(P);
			return OP_NOTIN;
		}
		break;
	default:
		break;
	}
	*ok = false;
	return OP_EQ;
}

/* fields = '{' [ IDENT op expr { ',' IDENT op expr } ] '}' */
static void parse_pat_fields(Parser *P, Pat *p)
{
	Span open = next(P).span;
	int m = mark(P), n;

	while (!at(P, TK_RBRACE)) {
		Token f = *CUR(P);
		if (f.kind != TK_IDENT)
			expected(P, ERR_EXPECTED_PAT, "a field name",
				 "record patterns test fields: "
				 "ip { src ∈ lan.cidr4, ttl = 1 }");
		next(P);
		PatField *pf = arena_alloc(P->a, sizeof *pf);
		pf->name = f.name;
		pf->name_span = f.span;
		bool ok;
		pf->op = field_op(P, &ok);
		if (!ok)
			expected(P, ERR_EXPECTED, "'=', '∈', '∉', '≠', '<', "
				 "'<=', '>' or '>=' after the field name",
				 NULL);
		pf->value = parse_expr(P);
		pf->span = from(P, f.span);
		push(P, pf);
		if (!accept(P, TK_COMMA))
			break;
	}
	expect_close(P, TK_RBRACE, open, "record pattern '{'");
	p->fields = pop(P, m, &n);
	p->nfields = n;
}

/* bytes = '[' { HEXBYTE | INT | '_' | '_' '*' } ']' */
static Pat *parse_pat_bytes(Parser *P)
{
	Span open = next(P).span;
	int m = mark(P), n;

	while (!at(P, TK_RBRACKET)) {
		Token t = *CUR(P);
		intptr_t b = 0;
		if (t.kind == TK_UNDERSCORE) {
			next(P);
			b = PB_ANY;
			if (at(P, TK_STAR) && CUR(P)->span.off == P->prev_end) {
				next(P);
				b = PB_REST;
			}
		} else if (t.kind == TK_LIT && t.lit.kind == LIT_INT &&
			   t.lit.u <= 255) {
			next(P);
			b = (intptr_t)t.lit.u;
		} else if (t.kind == TK_LIT && t.lit.kind == LIT_INT) {
			if (t.kind == TK_ERROR)
				bail(P);
			Diag *g = diag_error(P->d, t.span, ERR_BAD_BYTE,
					     "byte value %llu is out of range",
					     (unsigned long long)t.lit.u);
			diag_help(P->d, g, "a byte is 0x00 to 0xff; write "
				  "longer values byte by byte");
			bail(P);
		} else if (t.kind == TK_EOF || t.kind == TK_BAR ||
			   t.kind == TK_RPAREN || t.kind == TK_ARROW ||
			   is_decl_kw(t.kind)) {
			expect_close(P, TK_RBRACKET, open, "byte pattern '['");
		} else {
			char b2[96];
			if (t.kind == TK_ERROR)
				bail(P);
			Diag *g = diag_error(P->d, t.span, ERR_BAD_BYTE,
					     "expected a byte, '_' or '_*' in "
					     "the byte pattern, found %s",
					     tok_desc(P, &t, b2, sizeof b2));
			diag_help(P->d, g, "byte patterns look like "
				  "[0x01 _ _ 0x02 _*]");
			bail(P);
		}
		push(P, (void *)b);
	}
	next(P);
	Pat *p = new_pat(P, P_BYTES, from(P, open));
	void **v = pop(P, m, &n);
	p->bytes = arena_alloc(P->a, (size_t)n * sizeof *p->bytes);
	for (int i = 0; i < n; i++)
		p->bytes[i] = (int16_t)(intptr_t)v[i];
	p->nbytes = n;
	return p;
}

static Expr *lit_expr(Parser *P, const Token *t)
{
	Expr *e = new_expr(P, E_LIT, t->span);
	e->lit = t->lit;
	return e;
}

/*
 * pat_atom = '_' | IDENT [ fields ] | '{' ... '}' (anonymous record)
 *          | IDENT '@' pat_atom
 *          | UIDENT [ '(' [ pat { ',' pat } ] ')' ]
 *          | '(' pat { ',' pat } ')' | bytes | LITERAL
 */
static Pat *parse_pat_atom(Parser *P)
{
	Token t = *CUR(P);
	Pat *p;
	int m = mark(P), n;

	switch (t.kind) {
	case TK_UNDERSCORE:
		next(P);
		return new_pat(P, P_WILD, t.span);
	case TK_IDENT:
		next(P);
		if (at(P, TK_AT)) {
			next(P);
			enter(P);
			p = new_pat(P, P_AS, t.span);
			p->name = t.name;
			p->as = parse_pat_atom(P);
			leave(P);
			break;
		}
		if (!at(P, TK_LBRACE)) {
			p = new_pat(P, P_VAR, t.span);
			p->name = t.name;
			return p;
		}
		p = new_pat(P, P_RECORD, t.span);
		p->name = t.name;
		parse_pat_fields(P, p);
		break;
	case TK_LBRACE:
		p = new_pat(P, P_RECORD, t.span);
		parse_pat_fields(P, p);
		break;
	case TK_UIDENT:
		next(P);
		p = new_pat(P, P_CON, t.span);
		p->name = t.name;
		if (at(P, TK_LPAREN)) {
			Span open = next(P).span;
			p->paren = true;
			if (!at(P, TK_RPAREN)) {
				do
					push(P, parse_pat(P, true));
				while (accept(P, TK_COMMA) &&
				       !at(P, TK_RPAREN));
			}
			expect_close(P, TK_RPAREN, open, "'('");
			p->args = pop(P, m, &n);
			p->nargs = n;
		}
		break;
	case TK_LPAREN:
		next(P);
		p = new_pat(P, P_TUPLE, t.span);
		if (!at(P, TK_RPAREN)) {
			do
				push(P, parse_pat(P, true));
			while (accept(P, TK_COMMA) && !at(P, TK_RPAREN));
		}
		expect_close(P, TK_RPAREN, t.span, "'('");
		p->args = pop(P, m, &n);
		p->nargs = n;
		if (n == 1) {
			/* (p) is p */
			Pat *in = p->args[0];
			in->span = from(P, t.span);
			return in;
		}
		break;
	case TK_LBRACKET:
		return parse_pat_bytes(P);
	case TK_LIT:
		next(P);
		p = new_pat(P, P_LIT, t.span);
		p->value = lit_expr(P, &t);
		return p;
	default:
		expected(P, ERR_EXPECTED_PAT, "a pattern",
			 "patterns are _, a name, Con(p, ...), "
			 "name { field = value }, (p, p), [0x01 _*] or a "
			 "literal");
	}
	p->span = from(P, t.span);
	return p;
}

/*
 * pat    = pat_in [ '->' pat_in ]        (the arrow only inside brackets)
 * pat_in = ( IDENT | '_' ) ( '∈' | '∉' | 'not' 'in' ) app | pat_atom
 */
static Pat *parse_pat(Parser *P, bool arrow)
{
	enter(P);
	Token t = *CUR(P);
	Pat *p;

	if ((t.kind == TK_IDENT || t.kind == TK_UNDERSCORE) &&
	    (peek(P, 1)->kind == TK_IN || peek(P, 1)->kind == TK_NOTIN ||
	     (peek(P, 1)->kind == TK_NOT && peek(P, 2)->kind == TK_IN))) {
		Pat *sub = parse_pat_atom(P);
		bool ok;
		p = new_pat(P, P_IN, t.span);
		p->sub = sub;
		p->op = (uint8_t)field_op(P, &ok);
		p->set = parse_app(P);
		p->span = from(P, t.span);
	} else {
		p = parse_pat_atom(P);
	}
	if (arrow && at(P, TK_ARROW)) {
		next(P);
		Pat *a = new_pat(P, P_ARROW, t.span);
		a->sub = p;
		a->to = parse_pat(P, false);
		a->span = from(P, t.span);
		p = a;
	}
	leave(P);
	return p;
}

/* --- expressions ----------------------------------------------------- */

/* arms = '|' pat [ 'if' expr ] '->' expr { '|' ... } (layout: see top) */
static Arm **parse_arms(Parser *P, int *narms, Span opener, const char *what)
{
	int m = mark(P);

	if (!at(P, TK_BAR)) {
		char b[96];
		Token *t = CUR(P);
		if (t->kind == TK_ERROR)
			bail(P);
		Diag *g = diag_error(P->d, t->span, ERR_NO_ARMS,
				     "expected '|' to start the first arm of "
				     "this %s, found %s", what,
				     tok_desc(P, t, b, sizeof b));
		diag_note(P->d, g, &opener, "the %s starts here", what);
		diag_help(P->d, g, "arms look like: | pattern -> result");
		bail(P);
	}
	uint32_t col = CUR(P)->span.col;
	while (at(P, TK_BAR) && CUR(P)->span.col >= col) {
		Span start = next(P).span;
		Arm *a = arena_alloc(P->a, sizeof *a);
		a->pat = parse_pat(P, false);
		if (accept(P, TK_IF))
			a->guard = parse_expr(P);
		if (!at(P, TK_ARROW))
			expected(P, ERR_EXPECTED,
				 a->guard ? "'->' after the guard"
					  : "'->' or 'if' after the pattern",
				 at(P, TK_ASSIGN) && peek(P, 1)->kind == TK_GT
					 ? "arms are written | pattern -> result "
					   "(or →), not =>"
					 : NULL);
		next(P);
		a->body = parse_expr(P);
		a->span = from(P, start);
		push(P, a);
	}
	return pop(P, m, narms);
}

/* case = 'case' expr 'of' arms */
static Expr *parse_case(Parser *P)
{
	Span start = next(P).span;
	Expr *e = new_expr(P, E_CASE, start);
	int n;

	e->lhs = parse_expr(P);
	if (!at(P, TK_OF)) {
		char b[96];
		Token *t = CUR(P);
		if (t->kind == TK_ERROR)
			bail(P);
		Diag *g = diag_error(P->d, err_span(P), ERR_EXPECTED,
				     "expected 'of' after the scrutinee of "
				     "'case', found %s",
				     tok_desc(P, t, b, sizeof b));
		diag_note(P->d, g, &start, "the 'case' starts here");
		bail(P);
	}
	next(P);
	e->arms = parse_arms(P, &n, start, "case");
	e->narms = n;
	e->span = from(P, start);
	return e;
}

/* if = 'if' expr 'then' expr 'else' expr */
static Expr *parse_if(Parser *P)
{
	Span start = next(P).span;
	Expr *e = new_expr(P, E_IF, start);

	e->cond = parse_expr(P);
	expect(P, TK_THEN, "after the condition of 'if'");
	e->then_ = parse_expr(P);
	if (!at(P, TK_ELSE)) {
		char b[96];
		Token *t = CUR(P);
		if (t->kind == TK_ERROR)
			bail(P);
		Diag *g = diag_error(P->d, err_span(P), ERR_EXPECTED,
				     "expected 'else', found %s",
				     tok_desc(P, t, b, sizeof b));
		diag_note(P->d, g, &start, "the 'if' starts here");
		diag_help(P->d, g, "every 'if' has an 'else' branch");
		bail(P);
	}
	next(P);
	e->else_ = parse_expr(P);
	e->span = from(P, start);
	return e;
}

/* lambda = '\' param { param } '->' expr;  param = IDENT | '_' */
static Expr *parse_lambda(Parser *P)
{
	Span start = next(P).span;
	Expr *e = new_expr(P, E_LAMBDA, start);
	int m = mark(P), n;

	do {
		Token t = *CUR(P);
		if (t.kind == TK_IDENT) {
			Pat *p = new_pat(P, P_VAR, t.span);
			p->name = t.name;
			push(P, p);
		} else if (t.kind == TK_UNDERSCORE) {
			push(P, new_pat(P, P_WILD, t.span));
		} else {
			expected(P, ERR_EXPECTED, "a parameter name",
				 "lambdas look like \\x -> e");
		}
		next(P);
	} while (!at(P, TK_ARROW));
	next(P);
	e->params = pop(P, m, &n);
	e->nparams = n;
	e->body = parse_expr(P);
	e->span = from(P, start);
	return e;
}

/*
 * braces = '{' '}' | '{' expr { ',' expr } '}'
 *        | '{' expr '->' expr { ',' expr '->' expr } '}'
 *        | '{' IDENT '=' expr { ',' IDENT '=' expr } '}'
 */
static Expr *parse_braces(Parser *P)
{
	Span open = next(P).span;
	int m = mark(P), n;
	Expr *e;

	if (at(P, TK_IDENT) && peek(P, 1)->kind == TK_ASSIGN) {
		e = new_expr(P, E_RECORD, open);
		while (!at(P, TK_RBRACE)) {
			Token f = expect(P, TK_IDENT, "(a field name)");
			ExprField *ef = arena_alloc(P->a, sizeof *ef);
			ef->name = f.name;
			ef->name_span = f.span;
			expect(P, TK_ASSIGN, "after the field name");
			ef->value = parse_expr(P);
			push(P, ef);
			if (!accept(P, TK_COMMA))
				break;
		}
		expect_close(P, TK_RBRACE, open, "record '{'");
		e->fields = pop(P, m, &n);
		e->nfields = n;
		e->span = from(P, open);
		return e;
	}
	e = new_expr(P, E_SET, open);
	int kind = -1;	/* 0 set, 1 map (pushed key, value, key, ...) */
	while (!at(P, TK_RBRACE)) {
		Span es = CUR(P)->span;
		Expr *k = parse_expr(P);
		int this = at(P, TK_ARROW);
		if (kind >= 0 && this != kind) {
			Diag *g = diag_error(P->d, from(P, es), ERR_MIXED_BRACES,
					     "%s entry in a %s literal",
					     this ? "a map" : "a set",
					     kind ? "map" : "set");
			diag_help(P->d, g, "sets are {a, b}; maps are "
				  "{k -> v, k2 -> v2}");
			bail(P);
		}
		kind = this;
		push(P, k);
		if (this) {
			next(P);
			push(P, parse_expr(P));
		}
		if (!accept(P, TK_COMMA))
			break;
	}
	expect_close(P, TK_RBRACE, open, kind == 1 ? "map '{'" : "set '{'");
	void **v = pop(P, m, &n);
	if (kind == 1) {
		e->kind = E_MAP;
		n /= 2;
		e->keys = arena_alloc(P->a, (size_t)n * sizeof(Expr *));
		e->items = arena_alloc(P->a, (size_t)n * sizeof(Expr *));
		for (int i = 0; i < n; i++) {
			e->keys[i] = v[2 * i];
			e->items[i] = v[2 * i + 1];
		}
	} else {
		e->items = (Expr **)v;
	}
	e->nitems = n;
	e->span = from(P, open);
	return e;
}

/* parens = '(' ')' | '(' expr ')' | '(' expr ',' expr { ',' expr } ')' */
static Expr *parse_parens(Parser *P)
{
	Span open = next(P).span;
	int m = mark(P), n;

	if (!at(P, TK_RPAREN)) {
		do
			push(P, parse_expr(P));
		while (accept(P, TK_COMMA) && !at(P, TK_RPAREN));
	}
	expect_close(P, TK_RPAREN, open, "'('");
	void **items = pop(P, m, &n);
	if (n == 1) {
		Expr *in = items[0];
		return in;
	}
	Expr *e = new_expr(P, E_TUPLE, from(P, open));
	e->items = (Expr **)items;
	e->nitems = n;
	return e;
}

/*
 * primary = LITERAL | IDENT | UIDENT | parens | braces
 *         | case | if | lambda
 */
static Expr *parse_primary(Parser *P)
{
	Token t = *CUR(P);
	Expr *e;

	switch (t.kind) {
	case TK_LIT:
		next(P);
		return lit_expr(P, &t);
	case TK_IDENT:
	case TK_UIDENT:
		next(P);
		e = new_expr(P, E_NAME, t.span);
		e->name = t.name;
		return e;
	case TK_LPAREN:
		return parse_parens(P);
	case TK_LBRACE:
		return parse_braces(P);
	case TK_CASE:
		return parse_case(P);
	case TK_IF:
		return parse_if(P);
	case TK_BACKSLASH:
		return parse_lambda(P);
	default:
		expected(P, ERR_EXPECTED_EXPR, "an expression", NULL);
	}
}

/* args = '(' [ expr { ',' expr } ] ')'   (the '(' touching the callee) */
static Expr *parse_call_args(Parser *P, Expr *fn)
{
	Span open = next(P).span;
	int m = mark(P), n;
	Expr *e = new_expr(P, E_CALL, fn->span);

	e->fn = fn;
	e->paren = true;
	if (!at(P, TK_RPAREN)) {
		do
			push(P, parse_expr(P));
		while (accept(P, TK_COMMA) && !at(P, TK_RPAREN));
	}
	expect_close(P, TK_RPAREN, open, "argument list '('");
	e->args = pop(P, m, &n);
	e->nargs = n;
	e->span = from(P, fn->span);
	return e;
}

/* postfix = primary { '.' NAME | args } */
static Expr *parse_postfix(Parser *P)
{
	Expr *e = parse_primary(P);
	int links = 0;

	for (;; links++) {
		if (at(P, TK_DOT) || (at(P, TK_LPAREN) &&
				      CUR(P)->span.off == P->prev_end))
			enter(P);
		if (at(P, TK_DOT)) {
			next(P);
			Token f = *CUR(P);
			if (f.kind != TK_IDENT && f.kind != TK_UIDENT)
				expected(P, ERR_EXPECTED, "a field name after "
					 "'.'", NULL);
			next(P);
			Expr *x = new_expr(P, E_FIELD, e->span);
			x->lhs = e;
			x->field = f.name;
			x->name_span = f.span;
			x->span = from(P, e->span);
			e = x;
		} else if (at(P, TK_LPAREN) &&
			   CUR(P)->span.off == P->prev_end) {
			e = parse_call_args(P, e);
		} else {
			leave_n(P, links);
			return e;
		}
	}
}

/* Can the current token start a juxtaposed argument? */
static bool arg_start(Parser *P)
{
	Token *t = CUR(P);

	if (t->bol && t->span.col == 1)
		return false;
	switch (t->kind) {
	case TK_IDENT:
		return peek(P, 1)->kind != TK_ASSIGN;
	case TK_UIDENT:
	case TK_LIT:
	case TK_LPAREN:
	case TK_LBRACE:
		return true;
	default:
		return false;
	}
}

/* app = postfix { postfix }   (juxtaposition: show ip.src) */
static Expr *parse_app(Parser *P)
{
	Expr *f = parse_postfix(P);

	if (f->kind != E_NAME && f->kind != E_FIELD && f->kind != E_CALL)
		return f;
	if (!arg_start(P))
		return f;
	int m = mark(P), n;
	while (arg_start(P))
		push(P, parse_postfix(P));
	Expr *e = new_expr(P, E_CALL, f->span);
	e->fn = f;
	e->args = pop(P, m, &n);
	e->nargs = n;
	e->span = from(P, f->span);
	return e;
}

/* unary = 'not' unary | 'perform' app | app */
static Expr *parse_unary(Parser *P)
{
	Token t = *CUR(P);

	if (t.kind == TK_NOT) {
		next(P);
		enter(P);
		Expr *e = new_expr(P, E_NOT, t.span);
		e->lhs = parse_unary(P);
		e->span = from(P, t.span);
		leave(P);
		return e;
	}
	if (t.kind == TK_PERFORM) {
		next(P);
		Expr *c = parse_app(P);
		Expr *e = new_expr(P, E_PERFORM, t.span);
		if (c->kind == E_CALL && c->fn->kind == E_FIELD) {
			e->fn = c->fn;
			e->args = c->args;
			e->nargs = c->nargs;
			e->paren = c->paren;
		} else if (c->kind == E_FIELD) {
			e->fn = c;
		} else {
			Diag *g = diag_error(P->d, c->span, ERR_EXPECTED,
					     "expected Effect.operation after "
					     "'perform'");
			diag_help(P->d, g, "as in perform FIB.daddrLocal(ip.dst)");
			bail(P);
		}
		e->span = from(P, t.span);
		return e;
	}
	return parse_app(P);
}

/* concat = unary { '++' unary }   (right associative) */
static Expr *parse_concat(Parser *P)
{
	Expr *e = parse_unary(P);

	if (!at(P, TK_CONCAT))
		return e;
	int m = mark(P), n;
	push(P, e);
	while (accept(P, TK_CONCAT)) {
		enter(P);
		push(P, parse_unary(P));
	}
	Expr **v = pop(P, m, &n);
	leave_n(P, n - 1);
	Expr *r = v[n - 1];
	for (int i = n - 2; i >= 0; i--) {
		Expr *b = new_expr(P, E_BINARY, span_join(v[i]->span, r->span));
		b->op = OP_CONCAT;
		b->lhs = v[i];
		b->rhs = r;
		r = b;
	}
	return r;
}

static bool cmp_op(Parser *P, BinOp *op)
{
	switch (CUR(P)->kind) {
	case TK_EQ:
		*op = OP_EQ;
		break;
	case TK_NE:
		*op = OP_NE;
		break;
	case TK_LT:
		*op = OP_LT;
		break;
	case TK_LE:
		*op = OP_LE;
		break;
	case TK_GT:
		*op = OP_GT;
		break;
	case TK_GE:
		*op = OP_GE;
		break;
	case TK_IN:
		*op = OP_IN;
		break;
	case TK_NOTIN:
		*op = OP_NOTIN;
		break;
	case TK_NOT:
		if (peek(P, 1)->kind != TK_IN)
			return false;
		next(P);
		*op = OP_NOTIN;
		break;
	default:
		return false;
	}
	next(P);
	return true;
}

static Expr *binary(Parser *P, BinOp op, Expr *l, Expr *r)
{
	Expr *b = new_expr(P, E_BINARY, span_join(l->span, r->span));
	b->op = (uint8_t)op;
	b->lhs = l;
	b->rhs = r;
	return b;
}

/* cmp = concat [ ('==' | '!=' | '<' | '<=' | '>' | '>=' | '∈' | '∉') concat ] */
static Expr *parse_cmp(Parser *P)
{
	Expr *l = parse_concat(P);
	BinOp op;

	if (!cmp_op(P, &op))
		return l;
	Expr *e = binary(P, op, l, parse_concat(P));
	BinOp op2;
	Span s = CUR(P)->span;
	if (cmp_op(P, &op2)) {
		Diag *g = diag_error(P->d, s, ERR_CHAINED_CMP,
				     "comparisons do not chain");
		diag_help(P->d, g, "write (a %s b) && (b %s c) or add "
			  "parentheses", binop_str(op), binop_str(op2));
		bail(P);
	}
	return e;
}

/* and = cmp { '&&' cmp } */
static Expr *parse_and(Parser *P)
{
	Expr *e = parse_cmp(P);
	int links = 0;

	for (; accept(P, TK_AND); links++) {
		enter(P);
		e = binary(P, OP_AND, e, parse_cmp(P));
	}
	leave_n(P, links);
	return e;
}

/* or = and { '||' and } */
static Expr *parse_or(Parser *P)
{
	Expr *e = parse_and(P);
	int links = 0;

	for (; accept(P, TK_OR); links++) {
		enter(P);
		e = binary(P, OP_OR, e, parse_and(P));
	}
	leave_n(P, links);
	return e;
}

/* An operand of >>= / >>: a case, if or lambda, or an or-expression. */
static Expr *parse_seq_operand(Parser *P)
{
	switch (CUR(P)->kind) {
	case TK_CASE:
	case TK_IF:
	case TK_BACKSLASH:
		return parse_expr(P);
	default:
		return parse_or(P);
	}
}

/*
 * expr = case | if | lambda | seq
 * seq  = operand { ('>>=' | '>>') operand }     (left associative)
 */
static Expr *parse_expr(Parser *P)
{
	enter(P);
	Expr *e;
	switch (CUR(P)->kind) {
	case TK_CASE:
		e = parse_case(P);
		break;
	case TK_IF:
		e = parse_if(P);
		break;
	case TK_BACKSLASH:
		e = parse_lambda(P);
		break;
	default:
		e = parse_or(P);
		for (int links = 0;; links++) {
			BinOp op;
			if (accept(P, TK_BIND)) {
				op = OP_BIND;
			} else if (accept(P, TK_THEN_OP)) {
				op = OP_THEN;
			} else {
				leave_n(P, links);
				break;
			}
			enter(P);
			e = binary(P, op, e, parse_seq_operand(P));
		}
	}
	leave(P);
	return e;
}

/* --- declarations ---------------------------------------------------- */

static Decl *new_decl(Parser *P, DeclKind k, Span s)
{
	Decl *d = arena_alloc(P->a, sizeof *d);
	d->kind = k;
	d->span = s;
	return d;
}

static void decl_name(Parser *P, Decl *d, const char *what)
{
	Token t = *CUR(P);

	if (t.kind != TK_IDENT && t.kind != TK_UIDENT) {
		char w[96];
		snprintf(w, sizeof w, "the name of the %s", what);
		expected(P, ERR_EXPECTED, w, NULL);
	}
	next(P);
	d->name = t.name;
	d->name_span = t.span;
}

/* [ ':' type ] */
static void opt_type(Parser *P, Decl *d)
{
	if (accept(P, TK_COLON))
		d->type = parse_type(P);
}

/* interface = 'interface' NAME ':' type { IDENT [ '=' expr ] } */
static void parse_interface(Parser *P, Decl *d)
{
	int m = mark(P), n;

	decl_name(P, d, "interface");
	expect(P, TK_COLON, "and the interface kind after the name");
	d->type = parse_type(P);
	while (at(P, TK_IDENT) && !(CUR(P)->bol && CUR(P)->span.col == 1)) {
		Token t = next(P);
		Attr *a = arena_alloc(P->a, sizeof *a);
		a->name = t.name;
		a->name_span = t.span;
		if (accept(P, TK_ASSIGN))
			a->value = parse_expr(P);
		a->span = from(P, t.span);
		push(P, a);
	}
	d->attrs = pop(P, m, &n);
	d->nattrs = n;
}

/* zone = 'zone' NAME [ ':' type ] '=' expr */
static void parse_zone(Parser *P, Decl *d)
{
	decl_name(P, d, "zone");
	opt_type(P, d);
	expect(P, TK_ASSIGN, "after the zone name");
	d->value = parse_expr(P);
}

/* import = 'import' NAME [ ':' type ] 'from' STRING */
static void parse_import(Parser *P, Decl *d)
{
	decl_name(P, d, "import");
	opt_type(P, d);
	if (!is_word(P, P->w_from))
		expected(P, ERR_EXPECTED, "'from'",
			 "imports look like: import rfc1918 : CIDRSet from "
			 "\"builtin:rfc1918\"");
	next(P);
	Token s = *CUR(P);
	if (s.kind != TK_LIT || s.lit.kind != LIT_STR)
		expected(P, ERR_EXPECTED, "a string after 'from'", NULL);
	next(P);
	d->from = s.lit.str.s;
	d->from_span = s.span;
}

/* let = 'let' NAME [ ':' type ] '=' expr;  rule is the same with 'rule' */
static void parse_let(Parser *P, Decl *d, const char *what)
{
	decl_name(P, d, what);
	opt_type(P, d);
	expect(P, TK_ASSIGN, "before the definition");
	d->value = parse_expr(P);
}

/* pattern = 'pattern' NAME [ ':' type ] '=' pat */
static void parse_pattern_decl(Parser *P, Decl *d)
{
	decl_name(P, d, "pattern");
	opt_type(P, d);
	expect(P, TK_ASSIGN, "before the pattern");
	d->pat = parse_pat(P, true);
}

/* flow = 'flow' NAME [ ':' type ] '=' pat_atom '.' pat_atom { '.' pat_atom }
 *        [ 'within' DURATION ] */
static void parse_flow(Parser *P, Decl *d)
{
	int m = mark(P), n;

	decl_name(P, d, "flow");
	opt_type(P, d);
	expect(P, TK_ASSIGN, "before the sequence");
	Span start = CUR(P)->span;
	do {
		enter(P);
		push(P, parse_pat_atom(P));
		leave(P);
	} while (accept(P, TK_DOT));
	d->steps = pop(P, m, &n);
	d->nsteps = n;
	if (n < 2) {
		Diag *g = diag_error(P->d, from(P, start), ERR_FLOW_STEPS,
				     "a flow needs at least two steps");
		diag_help(P->d, g, "write the packets in order: "
			  "Initiation . Response within 5s");
		bail(P);
	}
	if (is_word(P, P->w_within)) {
		next(P);
		Token t = *CUR(P);
		if (t.kind != TK_LIT || t.lit.kind != LIT_DURATION)
			expected(P, ERR_EXPECTED, "a duration after 'within'",
				 "durations look like 100ms, 5s, 2m, 1h");
		next(P);
		d->has_within = true;
		d->within = t.lit;
		d->within_span = t.span;
	}
}

/* policy = 'policy' NAME ':' type [ 'on' prop { ',' prop } ] 'where' arms
 * prop   = IDENT '=' expr */
static void parse_policy(Parser *P, Decl *d)
{
	int m = mark(P), n;

	decl_name(P, d, "policy");
	expect(P, TK_COLON, "and the policy's input type after the name");
	d->type = parse_type(P);
	if (is_word(P, P->w_on)) {
		next(P);
		do {
			Token t = *CUR(P);
			if (t.kind != TK_IDENT ||
			    peek(P, 1)->kind != TK_ASSIGN) {
				char b[96];
				if (t.kind == TK_ERROR)
					bail(P);
				Diag *g = diag_error(P->d, t.span, ERR_BAD_ATTR,
						     "expected 'name = value' "
						     "in the policy header, "
						     "found %s",
						     tok_desc(P, &t, b,
							      sizeof b));
				diag_help(P->d, g, "as in: on hook = Input, "
					  "table = Filter, priority = Filter");
				bail(P);
			}
			next(P);
			next(P);
			Attr *a = arena_alloc(P->a, sizeof *a);
			a->name = t.name;
			a->name_span = t.span;
			a->value = parse_app(P);
			a->span = from(P, t.span);
			push(P, a);
		} while (accept(P, TK_COMMA));
		d->attrs = pop(P, m, &n);
		d->nattrs = n;
	}
	if (!at(P, TK_WHERE))
		expected(P, ERR_EXPECTED, is_word(P, P->w_on) || d->nattrs
			 ? "'where' before the arms"
			 : "'on' or 'where' after the policy type", NULL);
	Span w = next(P).span;
	d->arms = parse_arms(P, &n, w, "policy");
	d->narms = n;
}

/* decl = interface | zone | import | let | pattern | flow | rule | policy */
static Decl *parse_decl(Parser *P)
{
	Token t = next(P);
	Decl *d;

	switch (t.kind) {
	case TK_INTERFACE:
		d = new_decl(P, D_INTERFACE, t.span);
		parse_interface(P, d);
		break;
	case TK_ZONE:
		d = new_decl(P, D_ZONE, t.span);
		parse_zone(P, d);
		break;
	case TK_IMPORT:
		d = new_decl(P, D_IMPORT, t.span);
		parse_import(P, d);
		break;
	case TK_LET:
		d = new_decl(P, D_LET, t.span);
		parse_let(P, d, "let");
		break;
	case TK_PATTERN:
		d = new_decl(P, D_PATTERN, t.span);
		parse_pattern_decl(P, d);
		break;
	case TK_FLOW:
		d = new_decl(P, D_FLOW, t.span);
		parse_flow(P, d);
		break;
	case TK_RULE:
		d = new_decl(P, D_RULE, t.span);
		parse_let(P, d, "rule");
		break;
	case TK_POLICY:
		d = new_decl(P, D_POLICY, t.span);
		parse_policy(P, d);
		break;
	default:
		abort();	/* the caller checked is_decl_kw */
	}
	d->span = from(P, t.span);
	return d;
}

/* Edit distance (insertions, deletions, substitutions), capped at 9. */
static int edit_distance(const char *a, const char *b)
{
	int la = (int)strlen(a), lb = (int)strlen(b);
	int row[16] = {0};

	if (la > 15 || lb > 15)
		return 9;
	for (int j = 0; j <= lb; j++)
		row[j] = j;
	for (int i = 1; i <= la; i++) {
		int diag = row[0];
		row[0] = i;
		for (int j = 1; j <= lb; j++) {
			int up = row[j];
			int best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* A declaration keyword close to a misspelt word, or NULL. */
static const char *decl_kw_like(const char *w)
{
	static const char *const kws[] = {
		"interface", "zone", "import", "let", "pattern", "flow",
		"rule", "policy",
	};
	for (size_t i = 0; i < sizeof kws / sizeof kws[0]; i++)
		if (edit_distance(w, kws[i]) <= (strlen(kws[i]) > 4 ? 2 : 1))
			return kws[i];
	return NULL;
}

/* Skip to the next declaration keyword at the start of a line. */
static void recover(Parser *P)
{
	for (;;) {
		Token *t = CUR(P);
		if (t->kind == TK_EOF || (t->bol && is_decl_kw(t->kind)))
			return;
		/* a misspelt keyword starting a line: report it too */
		if (t->bol && t->span.col == 1 && t->kind == TK_IDENT &&
		    decl_kw_like(t->name))
			return;
		next(P);
	}
}

/* program = { decl } EOF */
Program *parse_program(const Source *src, Arena *a, Diags *d)
{
	Parser *P = xmalloc(sizeof *P);
	Program *prog = arena_alloc(a, sizeof *prog);

	memset(P, 0, sizeof *P);
	P->a = a;
	P->d = d;
	P->w_from = arena_intern(a, "from", 4);
	P->w_on = arena_intern(a, "on", 2);
	P->w_within = arena_intern(a, "within", 6);
	lex_init(&P->lx, src, a, d);
	prog->src = src;

	while (!at(P, TK_EOF)) {
		uint32_t start = CUR(P)->span.off;
		if (setjmp(P->fail)) {
			P->stk.len = 0;
			P->depth = 0;
			if (CUR(P)->span.off == start && !at(P, TK_EOF))
				next(P);
			recover(P);
			continue;
		}
		if (!is_decl_kw(CUR(P)->kind)) {
			char b[96];
			Token *t = CUR(P);
			if (t->kind == TK_ERROR)
				bail(P);
			Diag *g = diag_error(d, t->span, ERR_EXPECTED_DECL,
					     "expected a declaration, found %s",
					     tok_desc(P, t, b, sizeof b));
			const char *like = t->kind == TK_IDENT
						   ? decl_kw_like(t->name)
						   : NULL;
			if (like)
				diag_help(d, g, "did you mean '%s'?", like);
			else
				diag_help(d, g, "declarations start with "
					  "interface, zone, import, let, "
					  "pattern, flow, rule or policy");
			bail(P);
		}
		Decl *dc = parse_decl(P);
		if (!at(P, TK_EOF) &&
		    !(CUR(P)->bol && is_decl_kw(CUR(P)->kind))) {
			char b[96];
			Token *t = CUR(P);
			if (t->kind == TK_ERROR)
				bail(P);
			Diag *g = diag_error(d, t->span, ERR_EXPECTED,
					     "expected the end of %s '%s', "
					     "found %s",
					     decl_kind_name(dc->kind), dc->name,
					     tok_desc(P, t, b, sizeof b));
			diag_note(d, g, &dc->span, "the %s starts here",
				  decl_kind_name(dc->kind));
			if (t->kind == TK_BAR)
				diag_help(d, g, "this '|' is left of the first "
					  "arm's; the arms of one policy or case "
					  "start in the same column");
			else
				diag_help(d, g, "each declaration starts on a "
					  "new line with its keyword");
			bail(P);
		}
		vec_push(&P->decls, dc);
	}
	prog->decls = (Decl **)vec_finish(&P->decls, a, &prog->ndecls);
	vec_drop(&P->decls);
	prog->comments = lex_take_comments(&P->lx, &prog->ncomments);
	prog->nids = P->nids;
	lex_fini(&P->lx);
	vec_drop(&P->stk);
	free(P);
	return prog;
}
