/* SPDX-License-Identifier: MIT */
/*
 * diag.h - source files, spans and diagnostics.
 *
 * A diagnostic is printed as
 *
 *	file:line:col: error[E0100]: expected ')', found '->'
 *	   3 |   | Frame(_, Ether(_, _) -> Allow
 *	     |                        ^^
 *	     = help: ...
 *	file:line:col: note: '(' opened here
 *	...
 *
 * Diagnostics are collected in a Diags (in the order reported) and printed
 * sorted by position with diag_print(), as text or as JSON (--format json):
 *
 *	[{"file":"x.fwl","line":3,"col":24,"end_line":3,"end_col":26,
 *	  "offset":51,"length":2,"severity":"error","code":"E0100",
 *	  "message":"...","notes":[{"severity":"help","message":"..."}]}]
 *
 * Codes are stable; docs/language.md lists them.  The front end owns
 * E0001-E0199 (lexical E00xx, syntax E01xx) and E0900-E0999 (input/output);
 * later passes take other hundreds.
 */
#ifndef FWLC_DIAG_H
#define FWLC_DIAG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "fwlc/arena.h"

/*
 * A source file held in memory (text is NUL-terminated; len excludes it).
 * Every Source is registered in a process-wide table and gets a small id
 * (1, 2, ...) that spans use to name their file: source_get(span.file).
 */
typedef struct Source {
	const char *path;	/* as given on the command line */
	const char *text;
	uint32_t len;
	uint16_t id;		/* index in the source table, never 0 */
} Source;

/*
 * A span: where a token or node is (16 bytes, so every node can afford
 * one).  line and col are 1-based; col counts Unicode code points (a tab
 * is one column) and saturates at 65535; off/len are bytes into the
 * file's text.  A span of len 0 points between characters (end of file).
 */
typedef struct Span {
	uint32_t off, len;
	uint32_t line;
	uint16_t col;
	uint16_t file;		/* Source id: source_get(file) */
} Span;

/* The Source with that id, or NULL (id 0 or unknown). */
const Source *source_get(uint16_t id);
/* Forget every registered Source (their memory belongs to their arenas). */
void source_forget_all(void);

/* Span from the start of a to the end of b (same source). */
Span span_join(Span a, Span b);

/*
 * The front end's error codes (stable: tests and users rely on them; see
 * docs/language.md for an example of each).  Printed as E%04d.
 */
enum {
	/* lexical */
	ERR_BAD_CHAR = 1,	/* a character that starts no token */
	ERR_UNTERM_STRING = 2,	/* string not closed before end of line */
	ERR_UNTERM_COMMENT = 3,	/* {- without its -} */
	ERR_BAD_ESCAPE = 4,	/* unknown escape in a string */
	ERR_BAD_NUMBER = 5,	/* 12abc, 0x without digits */
	ERR_BAD_IPV4 = 6,	/* 10.0.300.1, 10.1.2, 010.0.0.1 */
	ERR_BAD_IPV6 = 7,	/* fe80:::1, 1:2:3:4:5:6:7:8:9 */
	ERR_BAD_PREFIX = 8,	/* 10.0.0.0/33, fe80::/129 */
	ERR_HOST_BITS = 9,	/* 10.17.1.5/24: host bits set */
	ERR_BAD_PORT = 10,	/* :70000 */
	ERR_PORT_RANGE = 11,	/* :2000-1000 */
	ERR_INT_RANGE = 12,	/* integer or duration beyond 64 bits */
	ERR_BAD_UTF8 = 13,	/* invalid UTF-8, or a non-ASCII character
				   outside strings and comments */
	ERR_BAD_RATE = 14,	/* 10/fortnight */
	/* syntax */
	ERR_EXPECTED = 100,	/* expected X, found Y */
	ERR_UNCLOSED = 101,	/* ( [ { not closed */
	ERR_EXPECTED_DECL = 102,	/* a top-level line that starts no
					   declaration */
	ERR_EXPECTED_EXPR = 103,	/* expected an expression */
	ERR_EXPECTED_PAT = 104,	/* expected a pattern */
	ERR_EXPECTED_TYPE = 105,	/* expected a type */
	ERR_NO_ARMS = 106,	/* case/policy without a | arm */
	ERR_TOO_DEEP = 107,	/* nesting deeper than FWL_MAX_DEPTH */
	ERR_BAD_BYTE = 108,	/* byte-pattern element not a byte, _ or _* */
	ERR_MIXED_BRACES = 109,	/* {a, b -> c}: set and map entries mixed */
	ERR_CHAINED_CMP = 110,	/* a == b == c: comparisons do not chain */
	ERR_FLOW_STEPS = 111,	/* flow with fewer than two steps */
	ERR_BAD_ATTR = 112,	/* policy header entry not `name = value` */
	/* input/output */
	ERR_IO = 900,		/* cannot read the file */
	ERR_TOO_LARGE = 901,	/* file of 4 GiB or more */
};

typedef enum DiagLevel {
	DL_ERROR,	/* error: compilation fails */
	DL_WARNING,	/* warning: an error under --Werror */
	DL_NOTE,	/* note: extra facts (where something was opened) */
	DL_HELP,	/* help: what to do about it */
} DiagLevel;

typedef struct DiagNote {
	struct DiagNote *next;
	DiagLevel level;	/* DL_NOTE or DL_HELP */
	bool has_span;		/* printed with its own location and line */
	Span span;
	const char *msg;
} DiagNote;

typedef struct Diag {
	struct Diag *next;
	DiagLevel level;	/* DL_ERROR or DL_WARNING */
	int code;		/* 100 prints as E0100; 0 = no code */
	Span span;
	const char *msg;
	DiagNote *notes, **notes_tail;
	uint32_t seq;		/* report order, to keep sorting stable */
} Diag;

typedef enum DiagFormat {
	DIAG_TEXT,		/* human-readable, with source lines */
	DIAG_JSON,		/* one JSON array on the stream */
} DiagFormat;

typedef struct Diags {
	Arena arena;		/* messages and notes */
	Diag *head, **tail;
	uint32_t n;		/* diagnostics kept */
	int nerrors, nwarnings;
	int max_errors;		/* stop keeping errors after this (0 = 100) */
	bool werror;		/* warnings count as errors */
	DiagFormat format;
} Diags;

void diag_init(Diags *d);
void diag_free(Diags *d);

/* Report; the returned Diag may get notes.  Never NULL. */
Diag *diag_error(Diags *d, Span at, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
Diag *diag_warning(Diags *d, Span at, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A note (at may be NULL for a note without location) or a help line. */
void diag_note(Diags *d, Diag *g, const Span *at, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void diag_help(Diags *d, Diag *g, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* True when an error (or, under werror, a warning) was reported. */
bool diag_failed(const Diags *d);
/* Print everything kept, sorted by position, and a summary line (text). */
void diag_print(Diags *d, FILE *out);

/*
 * Read a whole file into a Source (arena memory); NULL and errno on error
 * (EFBIG past 4 GiB, EMFILE when 65535 sources are registered).
 */
Source *source_read(Arena *a, const char *path);
/* A Source over a memory buffer (copied, NUL-terminated). */
Source *source_from_mem(Arena *a, const char *path, const char *text,
			size_t len);

#endif
