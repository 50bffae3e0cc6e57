// SPDX-License-Identifier: MIT
/*
 * lex.c - turning FWL source text into tokens.
 *
 * The lexer is a loop over bytes with one function per token class
 * (identifiers, numbers and addresses, ports, strings, operators).  Every
 * literal is decoded here, so the parser and later passes see values, not
 * text.  Errors are reported with the literal underlined and a usable
 * token is still returned.
 */
#include "fwlc/lex.h"

#include <stdlib.h>
#include <string.h>

static const struct {
	const char *word;
	TokKind kind;
} keywords[] = {
	{"interface", TK_INTERFACE}, {"zone", TK_ZONE},
	{"import", TK_IMPORT},	     {"let", TK_LET},
	{"pattern", TK_PATTERN},     {"flow", TK_FLOW},
	{"rule", TK_RULE},	     {"policy", TK_POLICY},
	{"where", TK_WHERE},	     {"case", TK_CASE},
	{"of", TK_OF},		     {"if", TK_IF},
	{"then", TK_THEN},	     {"else", TK_ELSE},
	{"perform", TK_PERFORM},     {"not", TK_NOT},
	{"in", TK_IN},
};

static const char *const tok_names[TK_COUNT] = {
	[TK_EOF] = "end of file",	[TK_IDENT] = "identifier",
	[TK_UIDENT] = "name",		[TK_LIT] = "literal",
	[TK_INTERFACE] = "'interface'", [TK_ZONE] = "'zone'",
	[TK_IMPORT] = "'import'",	[TK_LET] = "'let'",
	[TK_PATTERN] = "'pattern'",	[TK_FLOW] = "'flow'",
	[TK_RULE] = "'rule'",		[TK_POLICY] = "'policy'",
	[TK_WHERE] = "'where'",		[TK_CASE] = "'case'",
	[TK_OF] = "'of'",		[TK_IF] = "'if'",
	[TK_THEN] = "'then'",		[TK_ELSE] = "'else'",
	[TK_PERFORM] = "'perform'",	[TK_NOT] = "'not'",
	[TK_IN] = "'∈'",		[TK_NOTIN] = "'∉'",
	[TK_LPAREN] = "'('",		[TK_RPAREN] = "')'",
	[TK_LBRACE] = "'{'",		[TK_RBRACE] = "'}'",
	[TK_LBRACKET] = "'['",		[TK_RBRACKET] = "']'",
	[TK_COMMA] = "','",		[TK_COLON] = "':'",
	[TK_DOT] = "'.'",		[TK_BAR] = "'|'",
	[TK_ARROW] = "'->'",		[TK_BACKSLASH] = "'\\'",
	[TK_UNDERSCORE] = "'_'",	[TK_STAR] = "'*'",
	[TK_ASSIGN] = "'='",		[TK_EQ] = "'=='",
	[TK_NE] = "'!='",		[TK_LT] = "'<'",
	[TK_LE] = "'<='",		[TK_GT] = "'>'",
	[TK_GE] = "'>='",		[TK_AND] = "'&&'",
	[TK_OR] = "'||'",		[TK_CONCAT] = "'++'",
	[TK_BIND] = "'>>='",		[TK_THEN_OP] = "'>>'",
	[TK_AT] = "'@'",		[TK_ERROR] = "invalid character",
};

const char *tok_kind_str(TokKind k)
{
	return k < TK_COUNT && tok_names[k] ? tok_names[k] : "token";
}

void lex_init(Lexer *lx, const Source *src, Arena *a, Diags *d)
{
	memset(lx, 0, sizeof *lx);
	lx->src = src;
	lx->arena = a;
	lx->diags = d;
	lx->line = 1;
	lx->col = 1;
	lx->bol = true;
	lx->keep_comments = true;
	/* skip a UTF-8 byte order mark */
	if (src->len >= 3 && memcmp(src->text, "\xEF\xBB\xBF", 3) == 0)
		lx->pos = 3;
}

void lex_fini(Lexer *lx)
{
	free(lx->comments);
	lx->comments = NULL;
	lx->ncomments = lx->capcomments = 0;
}

Comment *lex_take_comments(Lexer *lx, int *n)
{
	Comment *c = NULL;

	*n = lx->ncomments;
	if (lx->ncomments)
		c = arena_memdup(lx->arena, lx->comments,
				 (size_t)lx->ncomments * sizeof *c);
	lx->ncomments = 0;
	return c;
}

/* --- characters ------------------------------------------------------ */

static int peekc(const Lexer *lx, uint32_t ahead)
{
	uint32_t p = lx->pos + ahead;

	return p < lx->src->len ? (unsigned char)lx->src->text[p] : -1;
}

static void advance(Lexer *lx, uint32_t n)
{
	const char *t = lx->src->text;

	while (n-- > 0 && lx->pos < lx->src->len) {
		unsigned char c = (unsigned char)t[lx->pos++];
		if (c == '\n') {
			lx->line++;
			lx->col = 1;
			lx->bol = true;
		} else if ((c & 0xC0) != 0x80) {
			lx->col++;
		}
	}
}

static Span here(const Lexer *lx)
{
	Span s = {
		.off = lx->pos,
		.line = lx->line,
		.col = lx->col > 65535 ? 65535 : (uint16_t)lx->col,
		.file = lx->src->id,
	};
	return s;
}

static Span span_to(const Lexer *lx, Span start)
{
	start.len = lx->pos - start.off;
	return start;
}

/* A span over bytes [off, off+len) of the current line, starting at s. */
static Span sub_span(Span s, uint32_t skip, uint32_t len)
{
	s.off += skip;
	s.col = (uint16_t)(s.col + skip > 65535 ? 65535 : s.col + skip);
	s.len = len;
	return s;
}

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool is_hex(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int hexval(int c)
{
	return is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10;
}

static bool is_ident_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_ident(int c)
{
	return is_ident_start(c) || is_digit(c) || c == '\'';
}

/* Decode one UTF-8 sequence at p; returns its length, 0 when invalid. */
static int utf8_len(const unsigned char *p, uint32_t avail, uint32_t *cp)
{
	unsigned c = p[0];
	int n;
	uint32_t v, min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if ((c & 0xE0) == 0xC0) {
		n = 2, v = c & 0x1F, min = 0x80;
	} else if ((c & 0xF0) == 0xE0) {
		n = 3, v = c & 0x0F, min = 0x800;
	} else if ((c & 0xF8) == 0xF0) {
		n = 4, v = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if ((uint32_t)n > avail)
		return 0;
	for (int i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		v = v << 6 | (p[i] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	*cp = v;
	return n;
}

/* --- comments and blanks --------------------------------------------- */

static void add_comment(Lexer *lx, Span s, bool block)
{
	if (!lx->keep_comments)
		return;
	if (lx->ncomments == lx->capcomments) {
		lx->capcomments = lx->capcomments ? lx->capcomments * 2 : 16;
		lx->comments = xrealloc(lx->comments, (size_t)lx->capcomments *
						      sizeof *lx->comments);
	}
	lx->comments[lx->ncomments].span = s;
	lx->comments[lx->ncomments].block = block;
	lx->ncomments++;
}

/* {- ... -}, nested.  Reports an unterminated one at its opening. */
static void block_comment(Lexer *lx)
{
	Span start = here(lx);
	int depth = 0;

	do {
		if (lx->pos >= lx->src->len) {
			Span s = span_to(lx, start);
			Diag *g = diag_error(lx->diags, sub_span(start, 0, 2),
					     ERR_UNTERM_COMMENT,
					     "unterminated block comment");
			diag_help(lx->diags, g,
				  "close it with -} (block comments nest: "
				  "every {- needs its own -})");
			add_comment(lx, s, true);
			return;
		}
		if (peekc(lx, 0) == '{' && peekc(lx, 1) == '-') {
			depth++;
			advance(lx, 2);
		} else if (peekc(lx, 0) == '-' && peekc(lx, 1) == '}') {
			depth--;
			advance(lx, 2);
		} else {
			advance(lx, 1);
		}
	} while (depth > 0);
	add_comment(lx, span_to(lx, start), true);
}

static void skip_blanks(Lexer *lx)
{
	for (;;) {
		int c = peekc(lx, 0);
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
		    c == '\f' || c == '\v') {
			advance(lx, 1);
		} else if (c == '-' && peekc(lx, 1) == '-') {
			Span start = here(lx);
			while (lx->pos < lx->src->len && peekc(lx, 0) != '\n')
				advance(lx, 1);
			Span s = span_to(lx, start);
			/* a CR of a CRLF line end is not part of the text */
			if (s.len && lx->src->text[s.off + s.len - 1] == '\r')
				s.len--;
			add_comment(lx, s, false);
		} else if (c == '{' && peekc(lx, 1) == '-') {
			block_comment(lx);
		} else {
			return;
		}
	}
}

/* --- addresses ------------------------------------------------------- */

/* a.b.c.d exactly over s[0..n): decimal parts 0..255, no leading zeros. */
static bool parse_ipv4(const char *s, size_t n, uint8_t out[4])
{
	size_t i = 0;

	for (int part = 0; part < 4; part++) {
		if (part) {
			if (i >= n || s[i] != '.')
				return false;
			i++;
		}
		size_t j = i;
		unsigned v = 0;
		while (j < n && is_digit(s[j]) && j - i < 4)
			v = v * 10 + (unsigned)(s[j++] - '0');
		if (j == i || j - i > 3 || v > 255)
			return false;
		if (j - i > 1 && s[i] == '0')
			return false;
		out[part] = (uint8_t)v;
		i = j;
	}
	return i == n;
}

/* Any RFC 4291 text form over s[0..n) (no zone index). */
static bool parse_ipv6(const char *s, size_t n, uint8_t out[16])
{
	uint16_t g[8];
	int ng = 0, dc = -1;
	size_t i = 0;

	if (n >= 2 && s[0] == ':' && s[1] == ':') {
		dc = 0;
		i = 2;
	} else if (n >= 1 && s[0] == ':') {
		return false;
	}
	while (i < n) {
		size_t j = i;
		while (j < n && is_hex(s[j]))
			j++;
		if (j < n && s[j] == '.') {
			uint8_t v4[4];
			if (ng > 6 || !parse_ipv4(s + i, n - i, v4))
				return false;
			g[ng++] = (uint16_t)(v4[0] << 8 | v4[1]);
			g[ng++] = (uint16_t)(v4[2] << 8 | v4[3]);
			i = n;
			break;
		}
		if (j == i || j - i > 4 || ng == 8)
			return false;
		unsigned v = 0;
		for (size_t k = i; k < j; k++)
			v = v << 4 | (unsigned)hexval(s[k]);
		g[ng++] = (uint16_t)v;
		i = j;
		if (i == n)
			break;
		if (s[i] != ':')
			return false;
		i++;
		if (i < n && s[i] == ':') {
			if (dc >= 0)
				return false;
			dc = ng;
			i++;
		} else if (i == n) {
			return false;
		}
	}
	if (dc < 0 ? ng != 8 : ng > 7)
		return false;
	memset(out, 0, 16);
	int tail = dc < 0 ? 0 : ng - dc;
	int head = ng - tail;
	for (int k = 0; k < head; k++) {
		out[2 * k] = (uint8_t)(g[k] >> 8);
		out[2 * k + 1] = (uint8_t)g[k];
	}
	for (int k = 0; k < tail; k++) {
		int at = 8 - tail + k;
		out[2 * at] = (uint8_t)(g[head + k] >> 8);
		out[2 * at + 1] = (uint8_t)g[head + k];
	}
	return true;
}

/*
 * After an address: an optional /prefix.  Checks the length and that no
 * host bit is set; the token becomes a LIT_CIDR either way.
 */
static void cidr_suffix(Lexer *lx, Token *t, Span start)
{
	IPAddr *ip = &t->lit.ip;
	unsigned max = ip->family == 4 ? 32 : 128;

	if (peekc(lx, 0) != '/' || !is_digit(peekc(lx, 1)))
		return;
	advance(lx, 1);
	Span ps = here(lx);
	unsigned v = 0;
	int nd = 0;
	while (is_digit(peekc(lx, 0))) {
		if (v <= 1000)
			v = v * 10 + (unsigned)(peekc(lx, 0) - '0');
		nd++;
		advance(lx, 1);
	}
	t->lit.kind = LIT_CIDR;
	if (v > max || (nd > 1 && lx->src->text[ps.off] == '0')) {
		Diag *g = diag_error(lx->diags, span_to(lx, start),
				     ERR_BAD_PREFIX,
				     "prefix length /%.*s is not valid for an "
				     "IPv%d address",
				     (int)(lx->pos - ps.off),
				     lx->src->text + ps.off, ip->family);
		diag_help(lx->diags, g, "IPv%d prefixes are /0 to /%u",
			  ip->family, max);
		v = max;
	}
	ip->prefix = (uint8_t)v;
	bool host = false;
	for (unsigned bit = v; bit < max; bit++) {
		if (ip->addr[bit / 8] & (0x80 >> (bit % 8))) {
			host = true;
			ip->addr[bit / 8] &= (uint8_t)~(0x80 >> (bit % 8));
		}
	}
	if (host) {
		char buf[64];
		Diag *g = diag_error(lx->diags, span_to(lx, start),
				     ERR_HOST_BITS,
				     "host bits are set in CIDR '%.*s'",
				     (int)(lx->pos - start.off),
				     lx->src->text + start.off);
		ip_str(ip, buf, sizeof buf);
		diag_help(lx->diags, g, "the network is %s/%u; write that, "
			  "or /%u for the single address", buf, v, max);
	}
}

/* Length of the run of hex digits, ':' and '.' at pos. */
static uint32_t addr_run(const Lexer *lx)
{
	uint32_t n = 0;
	int c;

	while ((c = peekc(lx, n)) >= 0 && (is_hex(c) || c == ':' || c == '.'))
		n++;
	/* an address never ends in '.', and a final ':' is punctuation */
	while (n > 0 && lx->src->text[lx->pos + n - 1] == '.')
		n--;
	return n;
}

/* Try an IPv6 address at pos (starting with a hex digit or "::"). */
static bool try_ipv6(Lexer *lx, Token *t, Span start)
{
	uint32_t n = addr_run(lx);
	const char *s = lx->src->text + lx->pos;
	int colons = 0;

	for (uint32_t i = 0; i < n; i++)
		colons += s[i] == ':';
	if (colons == 0)
		return false;
	/* letters right after: an identifier such as "abc:" is not an address */
	if (is_ident(peekc(lx, n)) && !is_digit(peekc(lx, n)))
		return false;
	t->kind = TK_LIT;
	t->lit.kind = LIT_IP;
	t->lit.ip.family = 6;
	t->lit.ip.prefix = 128;
	if (!parse_ipv6(s, n, t->lit.ip.addr)) {
		if (!is_digit(s[0]) && s[0] != ':')
			return false;	/* e.g. "dead:x" - not meant as one */
		if (colons < 2) {
			t->kind = TK_EOF;	/* not an address: a number */
			return false;
		}
		advance(lx, n);
		Diag *g = diag_error(lx->diags, span_to(lx, start),
				     ERR_BAD_IPV6,
				     "malformed IPv6 address '%.*s'", (int)n,
				     s);
		diag_help(lx->diags, g,
			  "write eight groups of up to four hex digits, "
			  "with at most one '::' for a run of zero groups");
		cidr_suffix(lx, t, start);
		return true;
	}
	advance(lx, n);
	cidr_suffix(lx, t, start);
	return true;
}

/* --- numbers, durations, rates, IPv4 ---------------------------------- */

static const struct {
	const char *unit;
	uint64_t ms;
} units[] = {
	{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000},
};

static const struct {
	const char *unit;
	uint64_t ms;
} rate_units[] = {
	{"second", 1000}, {"s", 1000}, {"minute", 60000}, {"m", 60000},
	{"hour", 3600000}, {"h", 3600000}, {"day", 86400000},
	{"d", 86400000},
};

static uint32_t word_len(const Lexer *lx, uint32_t from)
{
	uint32_t n = 0;

	while (is_ident(peekc(lx, from + n)))
		n++;
	return n;
}

static bool word_is(const Lexer *lx, uint32_t from, uint32_t n,
		    const char *w)
{
	return strlen(w) == n && memcmp(lx->src->text + lx->pos + from, w,
					n) == 0;
}

static void lex_ipv4(Lexer *lx, Token *t, Span start)
{
	uint32_t n = 0;
	int c;

	while ((c = peekc(lx, n)) >= 0 && (is_digit(c) || c == '.'))
		n++;
	while (n > 0 && lx->src->text[lx->pos + n - 1] == '.')
		n--;
	const char *s = lx->src->text + lx->pos;
	t->kind = TK_LIT;
	t->lit.kind = LIT_IP;
	t->lit.ip.family = 4;
	t->lit.ip.prefix = 32;
	if (!parse_ipv4(s, n, t->lit.ip.addr)) {
		advance(lx, n);
		Diag *g = diag_error(lx->diags, span_to(lx, start),
				     ERR_BAD_IPV4,
				     "malformed IPv4 address '%.*s'", (int)n,
				     s);
		diag_help(lx->diags, g,
			  "write four decimal numbers 0-255 without leading "
			  "zeros, as in 10.0.0.1");
	} else {
		advance(lx, n);
	}
	cidr_suffix(lx, t, start);
}

static void lex_number(Lexer *lx, Token *t, Span start)
{
	uint64_t v = 0;
	bool overflow = false;

	t->kind = TK_LIT;
	t->lit.kind = LIT_INT;
	if (peekc(lx, 0) == '0' && (peekc(lx, 1) | 0x20) == 'x') {
		advance(lx, 2);
		int nd = 0;
		while (is_hex(peekc(lx, 0))) {
			if (v >> 60)
				overflow = true;
			v = v << 4 | (uint64_t)hexval(peekc(lx, 0));
			advance(lx, 1);
			nd++;
		}
		t->lit.hex = true;
		if (nd == 0 || is_ident(peekc(lx, 0))) {
			advance(lx, word_len(lx, 0));
			diag_error(lx->diags, span_to(lx, start),
				   ERR_BAD_NUMBER,
				   "malformed hexadecimal number '%.*s'",
				   (int)(lx->pos - start.off),
				   lx->src->text + start.off);
		}
	} else {
		while (is_digit(peekc(lx, 0))) {
			uint64_t d = (uint64_t)(peekc(lx, 0) - '0');
			if (v > (UINT64_MAX - d) / 10)
				overflow = true;
			v = v * 10 + d;
			advance(lx, 1);
		}
	}
	if (overflow) {
		diag_error(lx->diags, span_to(lx, start), ERR_INT_RANGE,
			   "number '%.*s' does not fit in 64 bits",
			   (int)(lx->pos - start.off),
			   lx->src->text + start.off);
		v = UINT64_MAX;
	}
	t->lit.u = v;
	if (t->lit.hex)
		return;
	/* a duration: 5s, 100ms, 2m, 1h, 1d */
	uint32_t wl = word_len(lx, 0);
	if (wl && !is_digit(peekc(lx, 0))) {
		for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
			if (!word_is(lx, 0, wl, units[i].unit))
				continue;
			advance(lx, wl);
			t->lit.kind = LIT_DURATION;
			if (v > UINT64_MAX / units[i].ms) {
				diag_error(lx->diags, span_to(lx, start),
					   ERR_INT_RANGE,
					   "duration '%.*s' is too long",
					   (int)(lx->pos - start.off),
					   lx->src->text + start.off);
				v = UINT64_MAX / units[i].ms;
			}
			t->lit.u = v * units[i].ms;
			return;
		}
		advance(lx, wl);
		Diag *g = diag_error(lx->diags, span_to(lx, start),
				     ERR_BAD_NUMBER,
				     "malformed number '%.*s'",
				     (int)(lx->pos - start.off),
				     lx->src->text + start.off);
		diag_help(lx->diags, g, "durations end in ms, s, m, h or d "
			  "(as in 5s); names cannot start with a digit");
		return;
	}
	/* a rate: 10/second, 5/m */
	if (peekc(lx, 0) == '/' && is_ident_start(peekc(lx, 1))) {
		uint32_t ul = word_len(lx, 1);
		advance(lx, 1);
		t->lit.kind = LIT_RATE;
		t->lit.rate.count = v;
		t->lit.rate.per_ms = 1000;
		for (size_t i = 0; i < sizeof rate_units / sizeof rate_units[0];
		     i++) {
			if (word_is(lx, 0, ul, rate_units[i].unit)) {
				t->lit.rate.per_ms = rate_units[i].ms;
				advance(lx, ul);
				return;
			}
		}
		advance(lx, ul);
		Diag *g = diag_error(lx->diags, span_to(lx, start),
				     ERR_BAD_RATE, "unknown rate unit in '%.*s'",
				     (int)(lx->pos - start.off),
				     lx->src->text + start.off);
		diag_help(lx->diags, g, "write a rate as N/second, N/minute, "
			  "N/hour or N/day (or N/s, N/m, N/h, N/d)");
		return;
	}
	if (peekc(lx, 0) == '/' && is_digit(peekc(lx, 1))) {
		advance(lx, 1);
		while (is_digit(peekc(lx, 0)))
			advance(lx, 1);
		Diag *g = diag_error(lx->diags, span_to(lx, start),
				     ERR_BAD_IPV4,
				     "'%.*s' is not a CIDR: the address needs "
				     "four parts", (int)(lx->pos - start.off),
				     lx->src->text + start.off);
		diag_help(lx->diags, g, "write the whole network address, as "
			  "in 10.0.0.0/8");
		t->lit.kind = LIT_CIDR;
		t->lit.ip.family = 4;
		memset(t->lit.ip.addr, 0, sizeof t->lit.ip.addr);
		t->lit.ip.prefix = 0;
	}
}

/* :22 or :1024-65535 */
static void lex_port(Lexer *lx, Token *t, Span start)
{
	unsigned long v[2] = {0, 0};
	int n = 0;

	advance(lx, 1);	/* ':' */
	for (;;) {
		while (is_digit(peekc(lx, 0))) {
			if (v[n] < 1000000)
				v[n] = v[n] * 10 + (unsigned)(peekc(lx, 0) - '0');
			advance(lx, 1);
		}
		if (v[n] > 65535) {
			Diag *g = diag_error(lx->diags, span_to(lx, start),
					     ERR_BAD_PORT,
					     "port %lu is out of range", v[n]);
			diag_help(lx->diags, g, "ports are :0 to :65535");
			v[n] = 65535;
		}
		if (n == 1 || peekc(lx, 0) != '-' || !is_digit(peekc(lx, 1)))
			break;
		advance(lx, 1);
		n = 1;
	}
	t->kind = TK_LIT;
	t->lit.kind = n ? LIT_PORTRANGE : LIT_PORT;
	t->lit.port.lo = (uint16_t)v[0];
	t->lit.port.hi = (uint16_t)(n ? v[1] : v[0]);
	if (n && v[0] > v[1]) {
		Diag *g = diag_error(lx->diags, span_to(lx, start),
				     ERR_PORT_RANGE,
				     "port range :%lu-%lu is empty", v[0],
				     v[1]);
		diag_help(lx->diags, g, "write the low port first: :%lu-%lu",
			  v[1], v[0]);
		t->lit.port.lo = (uint16_t)v[1];
		t->lit.port.hi = (uint16_t)v[0];
	}
	if (is_ident(peekc(lx, 0))) {
		advance(lx, word_len(lx, 0));
		diag_error(lx->diags, span_to(lx, start), ERR_BAD_PORT,
			   "malformed port '%.*s'", (int)(lx->pos - start.off),
			   lx->src->text + start.off);
	}
}

/* --- strings --------------------------------------------------------- */

static void put_utf8(char **buf, size_t *len, size_t *cap, uint32_t cp)
{
	if (*len + 4 >= *cap) {
		*cap = *cap * 2 + 16;
		*buf = xrealloc(*buf, *cap);
	}
	char *p = *buf + *len;
	if (cp < 0x80) {
		p[0] = (char)cp;
		*len += 1;
	} else if (cp < 0x800) {
		p[0] = (char)(0xC0 | cp >> 6);
		p[1] = (char)(0x80 | (cp & 0x3F));
		*len += 2;
	} else if (cp < 0x10000) {
		p[0] = (char)(0xE0 | cp >> 12);
		p[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		p[2] = (char)(0x80 | (cp & 0x3F));
		*len += 3;
	} else {
		p[0] = (char)(0xF0 | cp >> 18);
		p[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		p[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		p[3] = (char)(0x80 | (cp & 0x3F));
		*len += 4;
	}
}

static void put_byte(char **buf, size_t *len, size_t *cap, int b)
{
	if (*len + 1 >= *cap) {
		*cap = *cap * 2 + 16;
		*buf = xrealloc(*buf, *cap);
	}
	(*buf)[(*len)++] = (char)b;
}

/* One escape after the backslash; returns false (reported) when bad. */
static void string_escape(Lexer *lx, char **buf, size_t *len, size_t *cap)
{
	Span es = here(lx);
	int c = peekc(lx, 1);
	static const char simple[] = "n\nt\tr\r0\0\\\\\"\"";

	for (size_t i = 0; i + 1 < sizeof simple; i += 2) {
		if (c == simple[i]) {
			put_byte(buf, len, cap, simple[i + 1]);
			advance(lx, 2);
			return;
		}
	}
	if (c == 'x' && is_hex(peekc(lx, 2)) && is_hex(peekc(lx, 3))) {
		put_byte(buf, len, cap,
			 hexval(peekc(lx, 2)) << 4 | hexval(peekc(lx, 3)));
		advance(lx, 4);
		return;
	}
	if (c == 'u' && peekc(lx, 2) == '{') {
		uint32_t n = 3, cp = 0;
		while (is_hex(peekc(lx, n)) && n < 10)
			cp = cp << 4 | (uint32_t)hexval(peekc(lx, n++));
		if (n > 3 && peekc(lx, n) == '}' && cp <= 0x10FFFF &&
		    !(cp >= 0xD800 && cp <= 0xDFFF)) {
			put_utf8(buf, len, cap, cp);
			advance(lx, n + 1);
			return;
		}
	}
	advance(lx, c >= 0 && c != '\n' ? 2 : 1);
	Diag *g = diag_error(lx->diags, span_to(lx, es), ERR_BAD_ESCAPE,
			     "unknown escape sequence in string");
	diag_help(lx->diags, g, "valid escapes: \\n \\t \\r \\0 \\\\ \\\" "
		  "\\xHH \\u{HHHH}");
}

static void lex_string(Lexer *lx, Token *t, Span start)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;

	advance(lx, 1);
	for (;;) {
		int c = peekc(lx, 0);
		if (c < 0 || c == '\n') {
			Diag *g = diag_error(lx->diags, span_to(lx, start),
					     ERR_UNTERM_STRING,
					     "unterminated string");
			diag_help(lx->diags, g, "close it with \" on the same "
				  "line; write a newline as \\n");
			break;
		}
		if (c == '"') {
			advance(lx, 1);
			break;
		}
		if (c == '\\') {
			string_escape(lx, &buf, &len, &cap);
			continue;
		}
		put_byte(&buf, &len, &cap, c);
		advance(lx, 1);
	}
	t->kind = TK_LIT;
	t->lit.kind = LIT_STR;
	t->lit.str.s = arena_strndup(lx->arena, buf ? buf : "", len);
	t->lit.str.len = (uint32_t)len;
	free(buf);
}

/* --- identifiers and operators ---------------------------------------- */

static void lex_ident(Lexer *lx, Token *t)
{
	uint32_t n = word_len(lx, 0);
	const char *s = lx->src->text + lx->pos;

	advance(lx, n);
	if (n == 1 && s[0] == '_') {
		t->kind = TK_UNDERSCORE;
		return;
	}
	for (size_t i = 0; n >= 2 && n <= 9 && s[0] >= 'c' && s[0] <= 'z' &&
			   i < sizeof keywords / sizeof keywords[0]; i++) {
		if (keywords[i].word[0] == s[0] &&
		    strncmp(keywords[i].word, s, n) == 0 &&
		    keywords[i].word[n] == '\0') {
			t->kind = keywords[i].kind;
			return;
		}
	}
	t->kind = s[0] >= 'A' && s[0] <= 'Z' ? TK_UIDENT : TK_IDENT;
	t->name = arena_intern(lx->arena, s, n);
}

/* Operators and punctuation, longest match; Unicode spellings too. */
static bool lex_op(Lexer *lx, Token *t)
{
	int c = peekc(lx, 0), d = peekc(lx, 1), e = peekc(lx, 2);
	TokKind k;
	uint32_t n = 1;

	switch (c) {
	case '>':
		if (d == '>' && e == '=')
			k = TK_BIND, n = 3;
		else if (d == '>')
			k = TK_THEN_OP, n = 2;
		else if (d == '=')
			k = TK_GE, n = 2;
		else
			k = TK_GT;
		break;
	case '<':
		if (d == '=')
			k = TK_LE, n = 2;
		else
			k = TK_LT;
		break;
	case '=':
		if (d == '=')
			k = TK_EQ, n = 2;
		else
			k = TK_ASSIGN;
		break;
	case '|':
		if (d == '|')
			k = TK_OR, n = 2;
		else
			k = TK_BAR;
		break;
	case '!':
		if (d != '=')
			return false;
		k = TK_NE, n = 2;
		break;
	case '&':
		if (d != '&')
			return false;
		k = TK_AND, n = 2;
		break;
	case '+':
		if (d != '+')
			return false;
		k = TK_CONCAT, n = 2;
		break;
	case '-':
		if (d != '>')
			return false;
		k = TK_ARROW, n = 2;
		break;
	case '(': k = TK_LPAREN; break;
	case ')': k = TK_RPAREN; break;
	case '{': k = TK_LBRACE; break;
	case '}': k = TK_RBRACE; break;
	case '[': k = TK_LBRACKET; break;
	case ']': k = TK_RBRACKET; break;
	case ',': k = TK_COMMA; break;
	case ':': k = TK_COLON; break;
	case '.': k = TK_DOT; break;
	case '\\': k = TK_BACKSLASH; break;
	case '*': k = TK_STAR; break;
	case '@': k = TK_AT; break;
	case 0xCE:	/* λ U+03BB */
		if (d != 0xBB)
			return false;
		k = TK_BACKSLASH, n = 2;
		break;
	case 0xE2:
		n = 3;
		if (d == 0x88 && e == 0x88)
			k = TK_IN;	/* ∈ */
		else if (d == 0x88 && e == 0x89)
			k = TK_NOTIN;	/* ∉ */
		else if (d == 0x86 && e == 0x92)
			k = TK_ARROW;	/* → */
		else if (d == 0x89 && e == 0xA0)
			k = TK_NE;	/* ≠ */
		else if (d == 0x89 && e == 0xA4)
			k = TK_LE;	/* ≤ */
		else if (d == 0x89 && e == 0xA5)
			k = TK_GE;	/* ≥ */
		else if (d == 0x88 && e == 0xA7)
			k = TK_AND;	/* ∧ */
		else if (d == 0x88 && e == 0xA8)
			k = TK_OR;	/* ∨ */
		else
			return false;
		break;
	default:
		return false;
	}
	t->kind = k;
	advance(lx, n);
	return true;
}

static void bad_char(Lexer *lx, Token *t, Span start)
{
	const unsigned char *s =
		(const unsigned char *)lx->src->text + lx->pos;
	uint32_t cp;
	int n = utf8_len(s, lx->src->len - lx->pos, &cp);

	t->kind = TK_ERROR;
	if (n == 0) {
		advance(lx, 1);
		diag_error(lx->diags, span_to(lx, start), ERR_BAD_UTF8,
			   "invalid UTF-8 byte 0x%02x", s[0]);
		return;
	}
	advance(lx, (uint32_t)n);
	Diag *g;
	if (cp >= 0x80) {
		g = diag_error(lx->diags, span_to(lx, start), ERR_BAD_UTF8,
			       "unexpected character '%.*s' (U+%04X)", n,
			       (const char *)s, cp);
		diag_help(lx->diags, g, "outside strings and comments FWL "
			  "uses ASCII and the operators ∈ ∉ → ≠ ≤ ≥ ∧ ∨ λ");
		return;
	}
	if (cp < 0x20 || cp == 0x7F)
		g = diag_error(lx->diags, span_to(lx, start), ERR_BAD_CHAR,
			       "unexpected control character 0x%02x", cp);
	else
		g = diag_error(lx->diags, span_to(lx, start), ERR_BAD_CHAR,
			       "unexpected character '%c'", (int)cp);
	if (cp == '!')
		diag_help(lx->diags, g, "negation is written 'not'; "
			  "inequality is '!=' or '≠'");
	else if (cp == '-')
		diag_help(lx->diags, g, "'-' appears only in '->', '--' "
			  "comments and port ranges (:1024-65535)");
	else if (cp == '&')
		diag_help(lx->diags, g, "conjunction is '&&' or '∧'");
	else if (cp == '+')
		diag_help(lx->diags, g, "concatenation is '++'");
}

Token lex_next(Lexer *lx)
{
	Token t;

	skip_blanks(lx);
	memset(&t, 0, sizeof t);
	t.bol = lx->bol;
	lx->bol = false;
	Span start = here(lx);
	int c = peekc(lx, 0);

	if (c < 0) {
		t.kind = TK_EOF;
		t.span = start;
		return t;
	}
	if (c == ':' && peekc(lx, 1) == ':') {
		if (!try_ipv6(lx, &t, start)) {
			/* "::" followed by junk */
			advance(lx, 2);
			diag_error(lx->diags, span_to(lx, start),
				   ERR_BAD_IPV6, "malformed IPv6 address");
			t.kind = TK_LIT;
			t.lit.kind = LIT_IP;
			t.lit.ip.family = 6;
			t.lit.ip.prefix = 128;
		}
	} else if (c == ':' && is_digit(peekc(lx, 1))) {
		lex_port(lx, &t, start);
	} else if (is_hex(c) && try_ipv6(lx, &t, start)) {
		/* an IPv6 address or CIDR */
	} else if (is_digit(c)) {
		uint32_t n = 0;
		while (is_digit(peekc(lx, n)))
			n++;
		if (peekc(lx, n) == '.' && is_digit(peekc(lx, n + 1)))
			lex_ipv4(lx, &t, start);
		else
			lex_number(lx, &t, start);
	} else if (is_ident_start(c)) {
		lex_ident(lx, &t);
	} else if (c == '"') {
		lex_string(lx, &t, start);
	} else if (!lex_op(lx, &t)) {
		bad_char(lx, &t, start);
	}
	t.span = span_to(lx, start);
	return t;
}

bool ip_parse(const char *s, IPAddr *out)
{
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);

	memset(out, 0, sizeof *out);
	if (parse_ipv4(s, n, out->addr)) {
		out->family = 4;
		out->prefix = 32;
	} else if (parse_ipv6(s, n, out->addr)) {
		out->family = 6;
		out->prefix = 128;
	} else {
		return false;
	}
	if (!slash)
		return true;
	unsigned v = 0, max = out->family == 4 ? 32 : 128;
	const char *p = slash + 1;
	if (!is_digit(*p) || (p[0] == '0' && p[1]))
		return false;
	for (; is_digit(*p) && v <= max; p++)
		v = v * 10 + (unsigned)(*p - '0');
	if (*p || v > max)
		return false;
	out->prefix = (uint8_t)v;
	for (unsigned bit = v; bit < max; bit++)
		if (out->addr[bit / 8] & (0x80 >> (bit % 8)))
			return false;
	return true;
}
