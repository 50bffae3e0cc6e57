/* SPDX-License-Identifier: MIT */
/*
 * lex.h - the FWL lexer.
 *
 * A streaming lexer: lex_next() returns one token at a time, decoding
 * literals (Lit, ast.h) as it goes and recording comments for the
 * formatter.  Malformed input is reported to the Diags (codes E0001-E0099)
 * and lexing continues with a best-effort token, so the parser can go on
 * and report more.
 *
 * Unicode and ASCII spellings produce the same token: ∈/in, ∉ (the parser
 * also accepts `not in`), → ->, ≠ !=, ≤ <=, ≥ >=, ∧ &&, ∨ ||, λ \.
 */
#ifndef FWLC_LEX_H
#define FWLC_LEX_H

#include "fwlc/ast.h"
#include "fwlc/diag.h"

typedef enum TokKind {
	TK_EOF,		/* end of input */
	TK_IDENT,	/* ip, lan_zone, _x: lowercase or _ first */
	TK_UIDENT,	/* Frame, IPv4, Allow: uppercase first */
	TK_LIT,		/* a literal: Token.lit */
	/* keywords (reserved) */
	TK_INTERFACE,	/* interface */
	TK_ZONE,	/* zone */
	TK_IMPORT,	/* import */
	TK_LET,		/* let */
	TK_PATTERN,	/* pattern */
	TK_FLOW,	/* flow */
	TK_RULE,	/* rule */
	TK_POLICY,	/* policy */
	TK_WHERE,	/* where */
	TK_CASE,	/* case */
	TK_OF,		/* of */
	TK_IF,		/* if */
	TK_THEN,	/* then */
	TK_ELSE,	/* else */
	TK_PERFORM,	/* perform */
	TK_NOT,		/* not */
	TK_IN,		/* in ∈ */
	/* punctuation */
	TK_NOTIN,	/* ∉ */
	TK_LPAREN,	/* ( */
	TK_RPAREN,	/* ) */
	TK_LBRACE,	/* { */
	TK_RBRACE,	/* } */
	TK_LBRACKET,	/* [ */
	TK_RBRACKET,	/* ] */
	TK_COMMA,	/* , */
	TK_COLON,	/* : */
	TK_DOT,		/* . */
	TK_BAR,		/* | */
	TK_ARROW,	/* -> → */
	TK_BACKSLASH,	/* \ λ */
	TK_UNDERSCORE,	/* _ */
	TK_STAR,	/* * */
	TK_ASSIGN,	/* = */
	TK_EQ,		/* == */
	TK_NE,		/* != ≠ */
	TK_LT,		/* < */
	TK_LE,		/* <= ≤ */
	TK_GT,		/* > */
	TK_GE,		/* >= ≥ */
	TK_AND,		/* && ∧ */
	TK_OR,		/* || ∨ */
	TK_CONCAT,	/* ++ */
	TK_BIND,	/* >>= */
	TK_THEN_OP,	/* >> */
	TK_AT,		/* @ */
	TK_ERROR,	/* a character that starts no token (already reported) */
	TK_COUNT
} TokKind;

typedef struct Token {
	TokKind kind;
	bool bol;		/* first token on its line */
	Span span;
	const char *name;	/* TK_IDENT, TK_UIDENT: interned */
	Lit lit;		/* TK_LIT */
} Token;

typedef struct Lexer {
	const Source *src;
	Arena *arena;		/* strings, interned names */
	Diags *diags;
	uint32_t pos;		/* byte offset of the next character */
	uint32_t line, col;	/* position of pos */
	bool bol;		/* no token yet on the current line */
	Comment *comments;	/* malloc'ed; handed over by lex_take_comments */
	int ncomments, capcomments;
	bool keep_comments;
} Lexer;

void lex_init(Lexer *lx, const Source *src, Arena *a, Diags *d);
Token lex_next(Lexer *lx);
/* The comments seen so far, copied into the arena; resets the list. */
Comment *lex_take_comments(Lexer *lx, int *n);
void lex_fini(Lexer *lx);

/*
 * Parse an address or CIDR written as text ("10.0.0.0/8", "fe80::1"), with
 * the lexer's rules (host bits must be zero).  False if malformed.
 */
bool ip_parse(const char *s, IPAddr *out);

/* How a token kind is written, for messages: "'->'", "identifier", ... */
const char *tok_kind_str(TokKind k);

#endif
