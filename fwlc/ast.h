/* SPDX-License-Identifier: MIT */
/*
 * ast.h - the FWL abstract syntax tree.
 *
 * The parser (parse.h) builds a Program from one source file.  All nodes
 * live in the Arena given to the parser; they are never freed one by one.
 * Every node carries a Span (diag.h): file, line, column, byte offset and
 * length, covering the whole construct.  Names are interned (arena.h), so
 * two names are the same exactly when their pointers are equal.
 *
 * Literals are decoded by the lexer (Lit below): addresses as 16 bytes in
 * network order plus family and prefix, ports as integers, durations in
 * milliseconds, strings unescaped.
 *
 * Node lists are arrays with a count (Expr **args; int nargs).  Walking the
 * arms of every policy:
 *
 *	for (int i = 0; i < prog->ndecls; i++) {
 *		Decl *d = prog->decls[i];
 *		if (d->kind != D_POLICY)
 *			continue;
 *		for (int j = 0; j < d->narms; j++) {
 *			Arm *a = d->arms[j];	// a->pat, a->guard?, a->body
 *			...
 *		}
 *	}
 *
 * The parser resolves nothing: a lowercase name in a pattern (P_VAR) may be
 * a binder or a reference to an interface, zone or constant; a capitalised
 * name (P_CON, E_NAME) may be a constructor or a declared pattern, flow,
 * rule...  The checker decides.
 */
#ifndef FWLC_AST_H
#define FWLC_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fwlc/arena.h"
#include "fwlc/diag.h"

typedef struct Expr Expr;
typedef struct Pat Pat;
typedef struct Type Type;
typedef struct Arm Arm;
typedef struct Decl Decl;

/*
 * Literals
 */

typedef enum LitKind {
	LIT_INT,	/* 42, 0x2a: u (hex set when written in hex) */
	LIT_STR,	/* "WG blocked: ": str.s/str.len, escapes decoded */
	LIT_IP,		/* 10.17.1.10, fe80::1: ip (prefix = 32 or 128) */
	LIT_CIDR,	/* 10.17.1.0/24, fe80::/10: ip with prefix; no host bits */
	LIT_PORT,	/* :22: port.lo == port.hi */
	LIT_PORTRANGE,	/* :1024-65535: port.lo <= port.hi */
	LIT_DURATION,	/* 5s, 100ms, 2m, 1h, 1d: u in milliseconds */
	LIT_RATE,	/* 10/second: rate.count events per rate.per_ms ms */
} LitKind;

/* An address.  IPv4 uses addr[0..3] (network order), addr[4..15] are 0. */
typedef struct IPAddr {
	uint8_t family;		/* 4 or 6 */
	uint8_t prefix;		/* prefix length; 32/128 for a plain address */
	uint8_t addr[16];
} IPAddr;

typedef struct Lit {
	uint8_t kind;		/* LitKind */
	bool hex;		/* LIT_INT written as 0x..: printed the same way */
	union {
		uint64_t u;	/* LIT_INT value, LIT_DURATION milliseconds */
		IPAddr ip;	/* LIT_IP, LIT_CIDR */
		struct {
			uint16_t lo, hi;
		} port;		/* LIT_PORT, LIT_PORTRANGE */
		struct {
			const char *s;	/* NUL-terminated, may contain NULs */
			uint32_t len;
		} str;		/* LIT_STR */
		struct {
			uint64_t count;
			uint64_t per_ms;	/* 1000 for /second */
		} rate;		/* LIT_RATE */
	};
} Lit;

/*
 * Operators (binary expressions, record-pattern fields, membership patterns)
 */

typedef enum BinOp {
	OP_BIND,	/* >>=   effectful sequencing with result: m >>= \x -> e */
	OP_THEN,	/* >>    sequencing, discarding the left result */
	OP_OR,		/* || ∨  */
	OP_AND,		/* && ∧  */
	OP_EQ,		/* ==    (in record patterns written =) */
	OP_NE,		/* != ≠  */
	OP_LT,		/* <     */
	OP_LE,		/* <= ≤  */
	OP_GT,		/* >     */
	OP_GE,		/* >= ≥  */
	OP_IN,		/* ∈ in  membership in a set, CIDR set, map, zone */
	OP_NOTIN,	/* ∉ not in */
	OP_CONCAT,	/* ++    string/list concatenation (right assoc.) */
} BinOp;

/* The canonical spelling of op (Unicode where the language has one). */
const char *binop_str(BinOp op);

/*
 * Types
 */

typedef enum TypeKind {
	T_NAME,		/* Port, Frame<{}>, Map<K, V>: name + args */
	T_TUPLE,	/* (UDPHeader, Bytes<{}>): args are the items (>= 2;
			   () is the unit type with 0) */
	T_RECORD,	/* {} or { len : Int, ... }: fields (row of a Frame) */
	T_FUN,		/* A -> <E1, E2> B: from, effects (if has_effects), to */
} TypeKind;

typedef struct TypeField {
	const char *name;
	Span name_span;
	Type *type;
} TypeField;

struct Type {
	TypeKind kind;
	Span span;
	const char *name;	/* T_NAME */
	Type **args;		/* T_NAME type arguments, T_TUPLE items */
	int nargs;
	TypeField **fields;	/* T_RECORD */
	int nfields;
	Type *from, *to;	/* T_FUN */
	bool has_effects;	/* T_FUN: an effect row <...> was written */
	const char **effects;	/* T_FUN: effect names, in written order */
	Span *effect_spans;
	int neffects;
};

/*
 * Patterns.  48 bytes each: the kind-specific parts share a union, so read
 * only the members documented for the node's kind.
 */

typedef enum PatKind {
	P_WILD,		/* _ */
	P_VAR,		/* ip, frame, lo: name; a binder or a named constant */
	P_CON,		/* IPv4(ip, _), Matched, WGInitiation: name, args
			   (paren when written with parentheses) */
	P_RECORD,	/* ip { src ∈ lan.cidr4, ttl = 1 }: name (binder, NULL
			   for an anonymous { ... }), fields */
	P_IN,		/* iif ∈ lan_zone, _ ∉ bogons: sub (P_VAR or P_WILD),
			   op (OP_IN or OP_NOTIN), set */
	P_ARROW,	/* iif -> oif, the interfaces of a Frame: sub (in), to */
	P_TUPLE,	/* (udp { length = 156 }, [0x01 _*]): args (>= 2) */
	P_BYTES,	/* [0x01 _ 0x02 _*]: bytes, nbytes (payload pattern) */
	P_LIT,		/* :22, 10.0.0.0/8, :1024-65535, 156, "x": value
			   (an E_LIT expression) */
	P_AS,		/* wg @ WGInitiation: name bound to what `as` matched */
} PatKind;

/* One field test of a record pattern: name op value. */
typedef struct PatField {
	const char *name;	/* field name: src, dport, length, ... */
	Span name_span;
	BinOp op;		/* OP_EQ (written =), OP_NE, OP_LT, OP_LE,
				   OP_GT, OP_GE, OP_IN, OP_NOTIN */
	Expr *value;
	Span span;		/* the whole field test */
} PatField;

/* Byte-pattern elements besides 0..255. */
#define PB_ANY	(-1)	/* _   any one byte */
#define PB_REST	(-2)	/* _*  any number of bytes (zero or more) */

struct Pat {
	uint8_t kind;		/* PatKind */
	bool paren;		/* P_CON: written with (...), even if empty */
	uint8_t op;		/* P_IN: BinOp OP_IN or OP_NOTIN */
	Span span;		/* the whole pattern; for P_VAR/P_CON/P_RECORD/
				   P_AS the name is its first strlen(name)
				   bytes */
	uint32_t id;		/* AST_ID: where it is in Expr too */
	union {
		int nargs;	/* P_CON, P_TUPLE */
		int nfields;	/* P_RECORD */
		int nbytes;	/* P_BYTES */
	};
	union {
		struct {	/* P_VAR, P_CON, P_TUPLE, P_RECORD, P_AS */
			const char *name;	/* NULL for P_TUPLE and an
						   anonymous record */
			union {
				Pat **args;		/* P_CON, P_TUPLE */
				PatField **fields;	/* P_RECORD */
				Pat *as;		/* P_AS: the pattern
							   whose match name is
							   bound to */
			};
		};
		struct {	/* P_IN, P_ARROW */
			Pat *sub;	/* P_IN: the binder or _; P_ARROW: in */
			union {
				Pat *to;	/* P_ARROW: out */
				Expr *set;	/* P_IN */
			};
		};
		int16_t *bytes;	/* P_BYTES: 0..255, PB_ANY, PB_REST */
		Expr *value;	/* P_LIT: an E_LIT */
	};
};

/*
 * Expressions.  56 bytes each; as for patterns, the kind-specific parts
 * share a union.
 */

typedef enum ExprKind {
	E_LIT,		/* 10.0.0.1, :22, "x", 5s: lit */
	E_NAME,		/* ip, forwards, Allow, WireGuardHandshake: name */
	E_FIELD,	/* ip.src, ct.state, lan.cidr4: lhs . field
			   (name_span is the field name's span) */
	E_CALL,		/* f(a, b) (paren set) or show x (juxtaposition):
			   fn, args */
	E_PERFORM,	/* perform FlowMatch.check(a, b): fn is the E_FIELD
			   FlowMatch.check (fn->lhs an E_NAME effect, fn->name
			   the operation), args, paren as for E_CALL */
	E_BINARY,	/* lhs op rhs */
	E_NOT,		/* not e: lhs */
	E_IF,		/* if cond then then_ else else_ */
	E_CASE,		/* case lhs of | arms */
	E_LAMBDA,	/* \x y -> body: params (P_VAR or P_WILD), body */
	E_TUPLE,	/* (a, b): items (nitems >= 2); () has nitems 0 */
	E_SET,		/* {a, b} or {}: items */
	E_MAP,		/* {k -> v, ...}: keys[i] -> items[i] */
	E_RECORD,	/* {name = e, ...}: fields */
} ExprKind;

typedef struct ExprField {
	const char *name;
	Span name_span;
	Expr *value;
} ExprField;

struct Expr {
	uint8_t kind;		/* ExprKind */
	bool paren;		/* E_CALL, E_PERFORM: args written in (...) */
	uint8_t op;		/* E_BINARY: BinOp */
	Span span;
	uint32_t id;		/* 1, 2, ... for the Exprs and Pats of one
				   Program in parse order (Program.nids); 0
				   when not made by the parser.  At the same
				   offset in Pat, so that a side table keyed
				   by either finds it (AST_ID) */
	union {
		Lit lit;	/* E_LIT */
		const char *name;	/* E_NAME */
		struct {	/* E_FIELD, E_BINARY, E_NOT, E_CASE */
			Expr *lhs;
			union {
				struct {	/* E_FIELD */
					const char *field;
					Span name_span;
				};
				Expr *rhs;	/* E_BINARY */
				struct {	/* E_CASE */
					Arm **arms;
					int narms;
				};
			};
		};
		struct {	/* E_CALL, E_PERFORM */
			Expr *fn;
			Expr **args;
			int nargs;
		};
		struct {	/* E_IF */
			Expr *cond, *then_, *else_;
		};
		struct {	/* E_LAMBDA */
			Pat **params;
			int nparams;
			Expr *body;
		};
		struct {	/* E_TUPLE, E_SET, E_MAP */
			Expr **items;	/* E_MAP: the values */
			Expr **keys;	/* E_MAP only */
			int nitems;
		};
		struct {	/* E_RECORD */
			ExprField **fields;
			int nfields;
		};
	};
};

/* One arm of a case or a policy: | pat [if guard] -> body */
struct Arm {
	Span span;		/* from '|' to the end of body */
	Pat *pat;
	Expr *guard;		/* NULL when there is no guard */
	Expr *body;
};

/*
 * Declarations
 */

typedef enum DeclKind {
	D_INTERFACE,	/* interface lan : LAN cidr4 = {...}: type, attrs */
	D_ZONE,		/* zone lan_zone = { lan, wg0 }: value */
	D_IMPORT,	/* import rfc1918 : CIDRSet from "builtin:rfc1918":
			   type, from */
	D_LET,		/* let forwards : Map<...> = {...}: type?, value */
	D_PATTERN,	/* pattern P : T = pat: type?, pat */
	D_FLOW,		/* flow F : FlowPattern = A . B within 5s:
			   type?, steps, within? */
	D_RULE,		/* rule r : Frame<{}> -> <Log> Action = expr:
			   type, value */
	D_POLICY,	/* policy p : Frame<{}> on k = v, ... where | ...:
			   type, props (hook/table/priority), arms */
} DeclKind;

/* interface attribute (`dynamic`, `cidr4 = {...}`) or policy property. */
typedef struct Attr {
	const char *name;
	Span name_span;
	Expr *value;		/* NULL for a bare attribute like dynamic */
	Span span;
} Attr;

struct Decl {
	DeclKind kind;
	Span span;		/* keyword to end of the declaration */
	const char *name;
	Span name_span;
	Type *type;		/* NULL when not written (let/pattern/flow) */
	Expr *value;		/* D_ZONE, D_LET, D_RULE */
	Pat *pat;		/* D_PATTERN */
	Attr **attrs;		/* D_INTERFACE attributes, D_POLICY props */
	int nattrs;
	const char *from;	/* D_IMPORT: the string after from */
	Span from_span;
	Pat **steps;		/* D_FLOW: sequence steps (>= 2) */
	int nsteps;
	bool has_within;	/* D_FLOW */
	Lit within;		/* D_FLOW: a LIT_DURATION */
	Span within_span;
	Arm **arms;		/* D_POLICY */
	int narms;
};

/* A comment, kept for the formatter.  The text is the span's bytes. */
typedef struct Comment {
	Span span;
	bool block;		/* {- -} rather than -- */
} Comment;

typedef struct Program {
	const Source *src;
	Decl **decls;
	int ndecls;
	Comment *comments;	/* in source order */
	int ncomments;
	uint32_t nids;		/* ids given to its Exprs and Pats */
} Program;

/* The id of an Expr or a Pat (the checker's side table is indexed by it). */
_Static_assert(offsetof(Expr, id) == offsetof(Pat, id),
	       "Expr.id and Pat.id must be at the same offset");
#define AST_ID(node) (((const Expr *)(node))->id)

/* Print the AST with spans (fwlc parse --dump-ast).  */
void ast_dump(FILE *out, const Program *p);
/* Print one literal in canonical FWL spelling. */
void lit_print(FILE *out, const Lit *l);
/* Same into buf (at least 64 bytes; strings are truncated); returns buf. */
char *lit_str(const Lit *l, char *buf, size_t size);
/* Canonical text of an address (RFC 5952 for IPv6), no prefix. */
void ip_str(const IPAddr *ip, char *buf, size_t size);

/* Structural equality, ignoring spans (parse(fmt(x)) == parse(x)). */
bool program_equal(const Program *a, const Program *b);

const char *decl_kind_name(DeclKind k);

#endif
