// SPDX-License-Identifier: MIT
/*
 * scenario.c - the .fwlt scenario format: lexer, parser, runner, report.
 *
 * Grammar (one statement per line; a newline inside (...) or after a
 * layer '/' continues the statement; `--` starts a comment):
 *
 *	file      = { stmt }
 *	stmt      = "policy" STRING | "policy" "{" NL raw-lines "}"
 *		  | "iface" NAME "addr" ADDR { ADDR }
 *		  | "fib" "local" ADDR { ADDR } | "route" CIDR NAME
 *		  | "feed" NAME { CIDR } | "dns" NAME { ADDR }
 *		  | "set" KEY VALUE
 *		  | "case" STRING
 *		  | "packet" IFACE [ "->" IFACE ] layer { "/" layer }
 *		  | "advance" DURATION
 *		  | "expect" expectation
 *	layer     = NAME [ "(" [ arg { "," arg } ] ")" ]
 *	arg       = NAME [ "=" WORD ] | STRING
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>

#include "fwlc/effects_mock.h"
#include "fwlc/interp.h"
#include "fwlc/parse.h"
#include "fwlc/pcap.h"
#include "fwlc/scenario.h"

/*
 * Lexer
 */

enum { K_EOF, K_NL, K_WORD, K_STR, K_LP, K_RP, K_COMMA, K_EQ, K_SLASH,
       K_ARROW, K_LBRACE };

typedef struct Tok {
	int kind;
	const char *s;		/* K_WORD: text; K_STR: decoded */
	int n;
	Span span;
} Tok;

typedef struct Lex {
	const Source *src;
	const char *p, *end;
	uint32_t line;
	const char *bol;
	int depth;		/* parentheses open */
	bool cont;		/* last token was '/' */
	Arena *a;
	Diags *d;
	Tok tok;		/* current */
} Lex;

static Span lspan(Lex *l, const char *at, int n)
{
	Span s = {.off = (uint32_t)(at - l->src->text), .len = (uint32_t)n,
		  .line = l->line, .col = (uint16_t)(at - l->bol + 1),
		  .file = l->src->id};
	return s;
}

static bool word_char(char c)
{
	return c && !isspace((unsigned char)c) && !strchr("(),=\"{}", c);
}

static void next(Lex *l)
{
	Tok *t = &l->tok;
again:
	while (l->p < l->end && (*l->p == ' ' || *l->p == '\t' ||
				 *l->p == '\r'))
		l->p++;
	if (l->p + 1 < l->end && l->p[0] == '-' && l->p[1] == '-') {
		while (l->p < l->end && *l->p != '\n')
			l->p++;
	}
	if (l->p >= l->end) {
		t->kind = K_EOF;
		t->span = lspan(l, l->end, 0);
		return;
	}
	const char *s = l->p;
	if (*s == '\n') {
		l->p++;
		l->line++;
		l->bol = l->p;
		if (l->depth > 0 || l->cont)
			goto again;
		t->kind = K_NL;
		t->span = lspan(l, s, 0);
		t->span.line = l->line - 1;
		return;
	}
	l->cont = false;
	t->s = s;
	t->n = 1;
	switch (*s) {
	case '(':
		l->depth++;
		t->kind = K_LP;
		break;
	case ')':
		if (l->depth)
			l->depth--;
		t->kind = K_RP;
		break;
	case ',':
		t->kind = K_COMMA;
		break;
	case '=':
		t->kind = K_EQ;
		break;
	case '{':
		t->kind = K_LBRACE;
		break;
	case '/':
		t->kind = K_SLASH;
		l->cont = true;
		break;
	case '"': {
		const char *q = s + 1;
		char *buf = arena_alloc(l->a, (size_t)(l->end - s) + 1);
		int n = 0;
		while (q < l->end && *q != '"' && *q != '\n') {
			if (*q == '\\' && q + 1 < l->end) {
				q++;
				buf[n++] = *q == 'n' ? '\n' : *q == 't' ? '\t'
									 : *q;
				q++;
				continue;
			}
			buf[n++] = *q++;
		}
		if (q >= l->end || *q != '"') {
			diag_error(l->d, lspan(l, s, (int)(q - s)),
				   ERR_SCN_SYNTAX, "string not closed before "
						   "the end of the line");
			l->p = q;
			t->kind = K_STR;
			t->s = buf;
			t->n = n;
			t->span = lspan(l, s, (int)(q - s));
			return;
		}
		buf[n] = 0;
		t->kind = K_STR;
		t->span = lspan(l, s, (int)(q + 1 - s));
		t->s = buf;
		t->n = n;
		l->p = q + 1;
		return;
	}
	default:
		if (s[0] == '-' && s + 1 < l->end && s[1] == '>') {
			t->kind = K_ARROW;
			t->n = 2;
			break;
		}
		while (s + t->n < l->end && word_char(s[t->n]))
			t->n++;
		t->kind = K_WORD;
		break;
	}
	t->span = lspan(l, s, t->n);
	l->p = s + t->n;
}

static bool tok_is(const Tok *t, const char *w)
{
	return t->kind == K_WORD && (int)strlen(w) == t->n &&
	       memcmp(t->s, w, t->n) == 0;
}

static char *tok_str(Lex *l, const Tok *t)
{
	return arena_strndup(l->a, t->s, t->n);
}

/*
 * Statements
 */

enum { S_CASE, S_PACKET, S_ADVANCE, S_EXPECT, S_LOCAL, S_ROUTE, S_IFACE,
       S_FEED, S_DNS, S_SET };

enum { EX_VERDICT, EX_ERROR, EX_ARM, EX_NOT_ARM, EX_ROUTE, EX_SRC, EX_DST,
       EX_SPORT, EX_DPORT, EX_LOG, EX_NOLOG, EX_CT_STATE, EX_CT_TCP,
       EX_CT_NONE, EX_CT_STATUS, EX_CT_COUNT, EX_COUNTER, EX_FLOW,
       EX_TTL, EX_INNER_SRC, EX_INNER_DST };

typedef struct Stmt {
	int kind;
	Span span;
	char *name;		/* case name, iface, feed, dns name, set key,
				   expectation text */
	char *text;		/* expectation's own words, as written */
	FxAddr addr;
	uint64_t num;
	/* packets: the bytes on the wire (stmt_pkt parses them) */
	uint8_t *bytes;
	size_t len;
	char iif[32], oif[32];
	/* expectations */
	int ex;
	int ival;
	bool neg, has_port, delta;
	char *s1, *s2;
} Stmt;

/* A packet statement's bytes as the interpreter sees them, parsed into
 * one scratch Pkt (valid until the next call): a Pkt holds a whole
 * frame, too much to keep for each of a difftest's packets. */
static const Pkt *stmt_pkt(const Stmt *t)
{
	static Pkt p;
	pkt_parse(t->bytes, t->len, &p);
	return &p;
}

typedef struct Scn {
	Arena a;
	Diags *d;
	const Source *src;
	const char *path;
	Program *prog;
	Stmt *st;
	int nst, cap;
	Lex l;
} Scn;

static Stmt *add(Scn *s, int kind, Span at)
{
	if (s->nst == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->st = xrealloc(s->st, s->cap * sizeof *s->st);
	}
	Stmt *t = &s->st[s->nst++];
	memset(t, 0, sizeof *t);
	t->kind = kind;
	t->span = at;
	return t;
}

static bool perr(Scn *s, Span at, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static bool perr(Scn *s, Span at, int code, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	diag_error(s->d, at, code, "%s", buf);
	return false;
}

static bool parse_addr(const char *w, FxAddr *a, bool allow_prefix)
{
	char buf[80];
	const char *slash = strchr(w, '/');
	size_t n = slash ? (size_t)(slash - w) : strlen(w);

	memset(a, 0, sizeof *a);
	if (n >= sizeof buf || (slash && !allow_prefix))
		return false;
	memcpy(buf, w, n);
	buf[n] = 0;
	if (inet_pton(AF_INET, buf, a->a) == 1)
		a->family = 4;
	else if (inet_pton(AF_INET6, buf, a->a) == 1)
		a->family = 6;
	else
		return false;
	int max = a->family == 4 ? 32 : 128;
	a->prefix = (uint8_t)max;
	if (slash) {
		char *e;
		long p = strtol(slash + 1, &e, 10);
		if (*e || e == slash + 1 || p < 0 || p > max)
			return false;
		a->prefix = (uint8_t)p;
	}
	return true;
}

/* ADDR or ADDR:PORT or [v6]:PORT or ADDR:* */
static bool parse_endpoint(const char *w, FxAddr *a, bool *has_port,
			   long *port)
{
	char buf[80];
	*has_port = false;
	if (strlen(w) >= sizeof buf)
		return false;
	snprintf(buf, sizeof buf, "%s", w);
	if (buf[0] == '[') {
		char *rb = strchr(buf, ']');
		if (!rb)
			return false;
		*rb = 0;
		if (rb[1] == ':') {
			*has_port = strcmp(rb + 2, "*") != 0;
			*port = strtol(rb + 2, NULL, 10);
		}
		return parse_addr(buf + 1, a, false);
	}
	char *c = strchr(buf, ':');
	if (c && !strchr(c + 1, ':')) {
		*c = 0;
		if (strcmp(c + 1, "*") != 0) {
			char *e;
			*port = strtol(c + 1, &e, 10);
			if (*e || *port < 0 || *port > 65535)
				return false;
			*has_port = true;
		}
	}
	return parse_addr(buf, a, false);
}

static bool parse_num(const char *w, uint64_t *v)
{
	char *e;
	errno = 0;
	unsigned long long x = strtoull(w, &e, 0);
	if (errno || *e || e == w || w[0] == '-')
		return false;
	*v = x;
	return true;
}

static bool parse_duration(const char *w, uint64_t *ms)
{
	char *e;
	double x = strtod(w, &e);
	if (e == w || x < 0)
		return false;
	double mul = 0;
	if (strcmp(e, "ms") == 0)
		mul = 1;
	else if (strcmp(e, "s") == 0)
		mul = 1000;
	else if (strcmp(e, "m") == 0)
		mul = 60000;
	else if (strcmp(e, "h") == 0)
		mul = 3600000;
	else if (strcmp(e, "d") == 0)
		mul = 86400000;
	else
		return false;
	*ms = (uint64_t)(x * mul + 0.5);
	return true;
}

static bool parse_mac(const char *w, uint8_t m[6])
{
	unsigned b[6];
	char tail;
	if (sscanf(w, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &tail) != 6)
		return false;
	for (int i = 0; i < 6; i++) {
		if (b[i] > 255)
			return false;
		m[i] = (uint8_t)b[i];
	}
	return true;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* "01 02ff" / "0x0102" -> bytes; -1 on error */
static int parse_hex(const char *w, uint8_t *out, int max)
{
	int n = 0;
	if (w[0] == '0' && (w[1] == 'x' || w[1] == 'X'))
		w += 2;
	while (*w) {
		if (*w == ' ' || *w == ':' || *w == '_') {
			w++;
			continue;
		}
		int h = hexval(w[0]), lo = w[1] ? hexval(w[1]) : -1;
		if (h < 0 || lo < 0 || n >= max)
			return -1;
		out[n++] = (uint8_t)(h << 4 | lo);
		w += 2;
	}
	return n;
}

/* TCP flags: "S", "SA", "FA", "R", "PA", "none", or "SYN|ACK". */
static bool parse_flags(const char *w, uint16_t *f)
{
	*f = 0;
	if (strcmp(w, "none") == 0 || strcmp(w, ".") == 0)
		return true;
	static const struct {
		const char *n;
		uint16_t v;
	} names[] = {{"FIN", TCPF_FIN}, {"SYN", TCPF_SYN}, {"RST", TCPF_RST},
		     {"PSH", TCPF_PSH}, {"ACK", TCPF_ACK}, {"URG", TCPF_URG},
		     {"ECE", TCPF_ECE}, {"CWR", TCPF_CWR}, {"NS", 0x100}};
	if (strchr(w, '|') || strlen(w) > 3) {
		char buf[64];
		snprintf(buf, sizeof buf, "%s", w);
		for (char *t = strtok(buf, "|"); t; t = strtok(NULL, "|")) {
			bool ok = false;
			for (size_t i = 0; i < sizeof names / sizeof names[0];
			     i++)
				if (strcasecmp(t, names[i].n) == 0) {
					*f |= names[i].v;
					ok = true;
				}
			if (!ok)
				return false;
		}
		return true;
	}
	for (; *w; w++) {
		const char *k = strchr("FSRPAUEC", *w);
		if (!k)
			return false;
		*f |= (uint16_t)(1 << (k - "FSRPAUEC"));
	}
	return true;
}

static int icmp_type_named(const char *w, bool v6)
{
	static const struct {
		const char *n;
		int v4, v6;
	} t[] = {{"echo-reply", 0, 129},      {"echo-request", 8, 128},
		 {"dest-unreach", 3, 1},      {"unreachable", 3, 1},
		 {"time-exceeded", 11, 3},    {"redirect", 5, 137},
		 {"param-problem", 12, 4},    {"packet-too-big", -1, 2},
		 {"neighbor-solicit", -1, 135}, {"neighbor-advert", -1, 136},
		 {"router-solicit", 10, 133}, {"router-advert", 9, 134}};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (strcmp(t[i].n, w) == 0)
			return v6 ? t[i].v6 : t[i].v4;
	uint64_t v;
	if (parse_num(w, &v) && v < 256)
		return (int)v;
	return -1;
}

typedef struct Arg {
	char *name, *val;	/* val NULL for a flag */
	Span span;
} Arg;

/* Parse one layer's argument list "(a=1, b, c=x)". */
static int parse_args(Scn *s, Arg *args, int max)
{
	Lex *l = &s->l;
	int n = 0;

	if (l->tok.kind != K_LP)
		return 0;
	next(l);
	while (l->tok.kind != K_RP) {
		if (n == max) {
			perr(s, l->tok.span, ERR_SCN_SYNTAX,
			     "more than %d arguments", max);
			return -1;
		}
		Arg *a = &args[n++];
		a->span = l->tok.span;
		a->val = NULL;
		if (l->tok.kind == K_STR) {
			a->name = arena_strndup(&s->a, "text", 4);
			a->val = tok_str(l, &l->tok);
			next(l);
		} else if (l->tok.kind == K_WORD) {
			a->name = tok_str(l, &l->tok);
			next(l);
			if (l->tok.kind == K_EQ) {
				next(l);
				if (l->tok.kind != K_WORD &&
				    l->tok.kind != K_STR) {
					perr(s, l->tok.span, ERR_SCN_SYNTAX,
					     "expected a value after '%s='",
					     a->name);
					return -1;
				}
				a->val = tok_str(l, &l->tok);
				a->span = span_join(a->span, l->tok.span);
				next(l);
			}
		} else {
			perr(s, l->tok.span, ERR_SCN_SYNTAX,
			     "expected an argument name or ')'");
			return -1;
		}
		if (l->tok.kind == K_COMMA)
			next(l);
		else if (l->tok.kind != K_RP) {
			perr(s, l->tok.span, ERR_SCN_SYNTAX,
			     "expected ',' or ')' in the argument list");
			return -1;
		}
	}
	next(l);
	return n;
}

static bool need_val(Scn *s, Arg *a)
{
	if (!a->val)
		return perr(s, a->span, ERR_SCN_VALUE, "'%s' needs a value "
			    "('%s=...')", a->name, a->name);
	return true;
}

static bool arg_num(Scn *s, Arg *a, uint64_t max, uint64_t *v)
{
	if (!need_val(s, a))
		return false;
	if (!parse_num(a->val, v) || *v > max)
		return perr(s, a->span, ERR_SCN_VALUE, "%s: '%s' is not a "
			    "number from 0 to %llu", a->name, a->val,
			    (unsigned long long)max);
	return true;
}

static bool arg_addr(Scn *s, Arg *a, int family, PktAddr *out)
{
	FxAddr x;
	if (!need_val(s, a))
		return false;
	if (!parse_addr(a->val, &x, false) || x.family != family)
		return perr(s, a->span, ERR_SCN_VALUE, "%s: '%s' is not an "
			    "IPv%d address", a->name, a->val, family);
	out->family = x.family;
	memcpy(out->a, x.a, 16);
	return true;
}

static bool bad_arg(Scn *s, Arg *a, const char *layer, const char *known)
{
	return perr(s, a->span, ERR_SCN_VALUE,
		    "%s has no argument '%s' (known: %s)", layer, a->name,
		    known);
}

/* Fill the payload from args: hex=.., text="..", len=N, fill=0xNN. */
static bool payload_args(Scn *s, Pkt *p, Arg *args, int n)
{
	uint64_t len = 0, fill = 0;
	bool has_len = false;

	p->paylen = 0;
	for (int i = 0; i < n; i++) {
		Arg *a = &args[i];
		if (strcmp(a->name, "hex") == 0) {
			if (!need_val(s, a))
				return false;
			int k = parse_hex(a->val, p->payload, PKT_MAX - 200);
			if (k < 0)
				return perr(s, a->span, ERR_SCN_VALUE,
					    "hex: '%s' is not pairs of hex "
					    "digits", a->val);
			p->paylen = k;
		} else if (strcmp(a->name, "text") == 0) {
			size_t k = strlen(a->val);
			if (k > PKT_MAX - 200)
				return perr(s, a->span, ERR_SCN_VALUE,
					    "text too long");
			memcpy(p->payload, a->val, k);
			p->paylen = (int)k;
		} else if (strcmp(a->name, "len") == 0) {
			if (!arg_num(s, a, PKT_MAX - 200, &len))
				return false;
			has_len = true;
		} else if (strcmp(a->name, "fill") == 0) {
			if (!arg_num(s, a, 255, &fill))
				return false;
		} else {
			return bad_arg(s, a, "payload", "hex, text, len, fill");
		}
	}
	if (has_len) {
		for (int i = p->paylen; i < (int)len; i++)
			p->payload[i] = (uint8_t)fill;
		p->paylen = (int)len;
	}
	return true;
}

/* layer { "/" layer } into p; returns false after reporting. */
static bool parse_layers(Scn *s, Pkt *p, Span *all)
{
	Lex *l = &s->l;
	Arg args[24];
	Pkt *inner = NULL;	/* after an ICMP error header */
	Pkt *cur = p;
	int stage = 0;		/* 0 L2, 1 L3 seen, 2 L4 seen, 3 payload */
	bool any_eth = false;

	*all = l->tok.span;
	for (;;) {
		if (l->tok.kind != K_WORD)
			return perr(s, l->tok.span, ERR_SCN_SYNTAX,
				    "expected a layer (ether, vlan, ipv4, "
				    "ipv6, tcp, udp, icmp, icmpv6, payload)");
		Tok name = l->tok;
		char *ln = tok_str(l, &name);
		next(l);
		int n = parse_args(s, args, 24);
		if (n < 0)
			return false;
		Span ls = name.span;
		*all = span_join(*all, ls);
		if (strcmp(ln, "ether") == 0) {
			if (stage > 0 || cur != p)
				return perr(s, ls, ERR_SCN_PACKET,
					    "ether must be the first layer");
			any_eth = true;
			for (int i = 0; i < n; i++) {
				Arg *a = &args[i];
				uint8_t *m = strcmp(a->name, "src") == 0
						     ? p->eth_src
						     : strcmp(a->name, "dst") == 0
							       ? p->eth_dst
							       : NULL;
				if (strcmp(a->name, "type") == 0) {
					uint64_t v;
					if (!arg_num(s, a, 0xffff, &v))
						return false;
					p->ethertype = (uint16_t)v;
					continue;
				}
				if (!m)
					return bad_arg(s, a, "ether",
						       "src, dst, type");
				if (!need_val(s, a))
					return false;
				if (!parse_mac(a->val, m))
					return perr(s, a->span, ERR_SCN_VALUE,
						    "'%s' is not a MAC address",
						    a->val);
			}
		} else if (strcmp(ln, "vlan") == 0) {
			if (stage > 0 || cur != p)
				return perr(s, ls, ERR_SCN_PACKET,
					    "vlan must come before the IP layer");
			if (p->nvlan == PKT_MAX_VLAN)
				return perr(s, ls, ERR_SCN_PACKET,
					    "at most %d VLAN tags (QinQ)",
					    PKT_MAX_VLAN);
			int k = p->nvlan++;
			for (int i = 0; i < n; i++) {
				Arg *a = &args[i];
				uint64_t v;
				if (strcmp(a->name, "id") == 0) {
					if (!arg_num(s, a, 4095, &v))
						return false;
					p->vlan_tci[k] = (uint16_t)((p->vlan_tci[k] &
								     0xf000) | v);
				} else if (strcmp(a->name, "pcp") == 0) {
					if (!arg_num(s, a, 7, &v))
						return false;
					p->vlan_tci[k] |= (uint16_t)(v << 13);
				} else if (strcmp(a->name, "tpid") == 0) {
					if (!arg_num(s, a, 0xffff, &v))
						return false;
					p->vlan_tpid[k] = (uint16_t)v;
				} else {
					return bad_arg(s, a, "vlan",
						       "id, pcp, tpid");
				}
			}
		} else if (strcmp(ln, "ipv4") == 0 || strcmp(ln, "ipv6") == 0) {
			bool v6 = ln[3] == '6';
			if (stage == 2 && cur == p && (p->proto == PROTO_ICMP ||
						       p->proto == PROTO_ICMPV6)) {
				inner = arena_alloc(&s->a, sizeof *inner);
				pkt_init(inner);
				inner->has_eth = false;
				cur = inner;
				stage = 0;
			}
			if (stage > 0)
				return perr(s, ls, ERR_SCN_PACKET,
					    "a second IP layer (only an ICMP "
					    "error may quote one)");
			cur->l3 = v6 ? 6 : 4;
			stage = 1;
			for (int i = 0; i < n; i++) {
				Arg *a = &args[i];
				uint64_t v;
				const char *k = a->name;
				if (strcmp(k, "src") == 0) {
					if (!arg_addr(s, a, cur->l3, &cur->src))
						return false;
				} else if (strcmp(k, "dst") == 0) {
					if (!arg_addr(s, a, cur->l3, &cur->dst))
						return false;
				} else if (strcmp(k, "ttl") == 0 ||
					   strcmp(k, "hlim") == 0) {
					if (!arg_num(s, a, 255, &v))
						return false;
					cur->ttl = (uint8_t)v;
				} else if (strcmp(k, "tos") == 0) {
					if (!arg_num(s, a, 255, &v))
						return false;
					cur->tos = (uint8_t)v;
				} else if (strcmp(k, "proto") == 0) {
					/* for fragments without an L4 layer */
					if (!need_val(s, a))
						return false;
					v = strcmp(a->val, "tcp") == 0 ? 6
					  : strcmp(a->val, "udp") == 0 ? 17
					  : strcmp(a->val, "icmp") == 0 ? 1
					  : strcmp(a->val, "icmpv6") == 0 ? 58
					  : 256;
					if (v == 256 && (!parse_num(a->val, &v) ||
							 v > 255))
						return perr(s, a->span,
							    ERR_SCN_VALUE,
							    "proto: tcp, udp, icmp, "
							    "icmpv6 or 0-255");
					cur->proto = (uint8_t)v;
				} else if (!v6 && strcmp(k, "id") == 0) {
					if (!arg_num(s, a, 0xffff, &v))
						return false;
					cur->ip_id = (uint16_t)v;
				} else if (!v6 && strcmp(k, "df") == 0) {
					cur->df = true;
				} else if (!v6 && strcmp(k, "mf") == 0) {
					cur->mf = cur->has_frag = true;
				} else if (!v6 && strcmp(k, "frag") == 0) {
					if (!arg_num(s, a, 0x1fff, &v))
						return false;
					cur->frag_off = (uint16_t)v;
					cur->has_frag = cur->has_frag || v;
				} else if (!v6 && strcmp(k, "options") == 0) {
					if (!need_val(s, a))
						return false;
					int q = parse_hex(a->val, cur->ip_opts,
							  40);
					if (q < 0 || q % 4)
						return perr(s, a->span,
							    ERR_SCN_VALUE,
							    "options: hex bytes, "
							    "a multiple of 4, at "
							    "most 40");
					cur->ip_optlen = q;
				} else if (v6 && strcmp(k, "flowlabel") == 0) {
					if (!arg_num(s, a, 0xfffff, &v))
						return false;
					cur->flowlabel = (uint32_t)v;
				} else {
					return bad_arg(s, a, ln,
						       v6 ? "src, dst, hlim, tos, "
							    "flowlabel, proto"
							  : "src, dst, ttl, tos, "
							    "id, df, mf, frag, "
							    "options");
				}
			}
			if (!cur->src.family || !cur->dst.family)
				return perr(s, ls, ERR_SCN_PACKET,
					    "%s needs src= and dst=", ln);
			cur->src.family = cur->dst.family = (uint8_t)cur->l3;
		} else if (strcmp(ln, "hbh") == 0 || strcmp(ln, "dstopts") == 0 ||
			   strcmp(ln, "routing") == 0 ||
			   strcmp(ln, "frag6") == 0) {
			if (stage != 1 || cur->l3 != 6)
				return perr(s, ls, ERR_SCN_PACKET,
					    "%s is an IPv6 extension header: it "
					    "goes after ipv6(...)", ln);
			if (cur->next == PKT_MAX_EXT)
				return perr(s, ls, ERR_SCN_PACKET,
					    "at most %d extension headers",
					    PKT_MAX_EXT);
			PktExt *x = &cur->ext[cur->next++];
			x->type = ln[0] == 'h' ? 0 : ln[0] == 'd' ? 60
					       : ln[0] == 'r' ? 43 : 44;
			x->len = 8;
			for (int i = 0; i < n; i++) {
				Arg *a = &args[i];
				uint64_t v;
				if (x->type == 44 && strcmp(a->name, "id") == 0) {
					if (!arg_num(s, a, 0xffffffff, &v))
						return false;
					cur->frag_id6 = (uint32_t)v;
				} else if (x->type == 44 &&
					   strcmp(a->name, "off") == 0) {
					if (!arg_num(s, a, 0x1fff, &v))
						return false;
					cur->frag_off = (uint16_t)v;
				} else if (x->type == 44 &&
					   strcmp(a->name, "mf") == 0) {
					cur->mf = true;
				} else if (x->type != 44 &&
					   strcmp(a->name, "len") == 0) {
					if (!arg_num(s, a, 248, &v) || v % 8 ||
					    v == 0)
						return perr(s, a->span,
							    ERR_SCN_VALUE,
							    "len: a multiple of "
							    "8 from 8 to 248");
					x->len = (uint8_t)(v > 255 ? 248 : v);
				} else {
					return bad_arg(s, a, ln,
						       x->type == 44 ? "id, off, mf"
								     : "len");
				}
			}
			if (x->type == 44)
				cur->has_frag = true;
		} else if (strcmp(ln, "tcp") == 0 || strcmp(ln, "udp") == 0 ||
			   strcmp(ln, "icmp") == 0 || strcmp(ln, "icmpv6") == 0) {
			if (stage != 1)
				return perr(s, ls, ERR_SCN_PACKET,
					    "%s needs an IP layer before it", ln);
			stage = 2;
			cur->l4 = true;
			bool tcp = ln[0] == 't', udp = ln[0] == 'u';
			bool v6i = strcmp(ln, "icmpv6") == 0;
			cur->proto = tcp ? PROTO_TCP : udp ? PROTO_UDP
					 : v6i ? PROTO_ICMPV6 : PROTO_ICMP;
			if (!tcp && !udp && (v6i != (cur->l3 == 6)))
				return perr(s, ls, ERR_SCN_PACKET,
					    "%s over IPv%d", ln, cur->l3);
			if (tcp)
				cur->flags = TCPF_SYN;
			if (!tcp && !udp)
				cur->icmp_type = v6i ? 128 : 8;
			for (int i = 0; i < n; i++) {
				Arg *a = &args[i];
				uint64_t v;
				const char *k = a->name;
				if ((tcp || udp) && strcmp(k, "sport") == 0) {
					if (!arg_num(s, a, 65535, &v))
						return false;
					cur->sport = (uint16_t)v;
				} else if ((tcp || udp) &&
					   strcmp(k, "dport") == 0) {
					if (!arg_num(s, a, 65535, &v))
						return false;
					cur->dport = (uint16_t)v;
				} else if (udp && strcmp(k, "len") == 0) {
					if (!arg_num(s, a, 65535, &v))
						return false;
					cur->udp_len = (uint16_t)v;
				} else if (tcp && strcmp(k, "flags") == 0) {
					if (!need_val(s, a))
						return false;
					if (!parse_flags(a->val, &cur->flags))
						return perr(s, a->span,
							    ERR_SCN_VALUE,
							    "flags: '%s' is not "
							    "letters of FSRPAUEC, "
							    "'none' or SYN|ACK",
							    a->val);
				} else if (tcp && strcmp(k, "seq") == 0) {
					if (!arg_num(s, a, 0xffffffff, &v))
						return false;
					cur->seq = (uint32_t)v;
				} else if (tcp && strcmp(k, "ack") == 0) {
					if (!arg_num(s, a, 0xffffffff, &v))
						return false;
					cur->ack = (uint32_t)v;
				} else if (tcp && strcmp(k, "win") == 0) {
					if (!arg_num(s, a, 65535, &v))
						return false;
					cur->window = (uint16_t)v;
				} else if (tcp && strcmp(k, "doff") == 0) {
					if (!arg_num(s, a, 15, &v))
						return false;
					cur->doff = (uint8_t)v;
				} else if (tcp && (strcmp(k, "mss") == 0 ||
						   strcmp(k, "wscale") == 0 ||
						   strcmp(k, "sackok") == 0)) {
					uint8_t *o = cur->tcp_opts +
						     cur->tcp_optlen;
					if (cur->tcp_optlen > 36)
						return perr(s, a->span,
							    ERR_SCN_VALUE,
							    "TCP options longer "
							    "than 40 bytes");
					if (k[0] == 'm') {
						if (!arg_num(s, a, 65535, &v))
							return false;
						o[0] = 2, o[1] = 4;
						o[2] = (uint8_t)(v >> 8);
						o[3] = (uint8_t)v;
					} else if (k[0] == 'w') {
						if (!arg_num(s, a, 255, &v))
							return false;
						o[0] = 1, o[1] = 3, o[2] = 3;
						o[3] = (uint8_t)v;
					} else {
						o[0] = 1, o[1] = 1, o[2] = 4;
						o[3] = 2;
					}
					cur->tcp_optlen += 4;
				} else if (tcp && strcmp(k, "options") == 0) {
					if (!need_val(s, a))
						return false;
					int q = parse_hex(a->val, cur->tcp_opts,
							  40);
					if (q < 0)
						return perr(s, a->span,
							    ERR_SCN_VALUE,
							    "options: hex bytes, "
							    "at most 40");
					cur->tcp_optlen = q;
				} else if (!tcp && !udp &&
					   strcmp(k, "type") == 0) {
					if (!need_val(s, a))
						return false;
					int t = icmp_type_named(a->val, v6i);
					if (t < 0)
						return perr(s, a->span,
							    ERR_SCN_VALUE,
							    "type: '%s' is not an "
							    "ICMP type", a->val);
					cur->icmp_type = (uint8_t)t;
				} else if (!tcp && !udp &&
					   strcmp(k, "code") == 0) {
					if (!arg_num(s, a, 255, &v))
						return false;
					cur->icmp_code = (uint8_t)v;
				} else if (!tcp && !udp && strcmp(k, "id") == 0) {
					if (!arg_num(s, a, 65535, &v))
						return false;
					cur->icmp_id = (uint16_t)v;
				} else if (!tcp && !udp && strcmp(k, "seq") == 0) {
					if (!arg_num(s, a, 65535, &v))
						return false;
					cur->icmp_seq = (uint16_t)v;
				} else {
					return bad_arg(s, a, ln,
						       tcp ? "sport, dport, flags, "
							     "seq, ack, win, doff, "
							     "mss, wscale, sackok, "
							     "options"
						       : udp ? "sport, dport, len"
							     : "type, code, id, "
							       "seq");
				}
			}
		} else if (strcmp(ln, "payload") == 0) {
			if (stage == 0 && cur == p && !p->l3)
				stage = 1;	/* raw L2 payload */
			if (stage == 3)
				return perr(s, ls, ERR_SCN_PACKET,
					    "a second payload");
			if (!payload_args(s, cur, args, n))
				return false;
			stage = 3;
		} else {
			return perr(s, ls, ERR_SCN_PACKET,
				    "unknown layer '%s' (ether, vlan, ipv4, "
				    "ipv6, hbh, dstopts, routing, frag6, tcp, "
				    "udp, icmp, icmpv6, payload)", ln);
		}
		if (l->tok.kind != K_SLASH)
			break;
		next(l);
	}
	(void)any_eth;
	if (inner) {
		uint8_t buf[PKT_MAX];
		size_t k = pkt_build(inner, buf, sizeof buf);
		if (!k || k + 100 > PKT_MAX)
			return perr(s, *all, ERR_SCN_PACKET,
				    "the quoted packet is too large");
		memcpy(p->payload, buf, k);
		p->paylen = (int)k;
	}
	return true;
}

/* ct status words */
static bool parse_status(const char *w, unsigned *bits)
{
	static const struct {
		const char *n;
		unsigned b;
	} t[] = {{"dnat", CTS_DNAT}, {"snat", CTS_SNAT},
		 {"assured", CTS_ASSURED}, {"seen-reply", CTS_SEEN_REPLY},
		 {"expected", CTS_EXPECTED}, {"offload", CTS_OFFLOAD}};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (strcmp(w, t[i].n) == 0) {
			*bits |= t[i].b;
			return true;
		}
	return false;
}

static int ct_state_named(const char *w)
{
	for (int i = 0; i <= CT_UNTRACKED; i++)
		if (strcasecmp(w, ct_state_name(i)) == 0)
			return i;
	return -1;
}

static int tcp_state_named(const char *w)
{
	for (int i = 0; i < TCP_NSTATES; i++)
		if (strcasecmp(w, tcp_state_name(i)) == 0)
			return i;
	return -1;
}

static bool word(Scn *s, const char *what, Tok *out)
{
	if (s->l.tok.kind != K_WORD)
		return perr(s, s->l.tok.span, ERR_SCN_SYNTAX, "expected %s",
			    what);
	*out = s->l.tok;
	next(&s->l);
	return true;
}

static bool parse_expect(Scn *s, Stmt *t)
{
	Lex *l = &s->l;
	Tok w = {0}, v = {0};

	if (!word(s, "what to expect (verdict, error, arm, route, src, dst, "
		     "sport, dport, log, ct, counter, flow, ttl)", &w))
		return false;
	char *k = tok_str(l, &w);
	if (strcmp(k, "verdict") == 0) {
		if (!word(s, "allow, drop or error", &v))
			return false;
		char *x = tok_str(l, &v);
		t->ex = EX_VERDICT;
		t->ival = strcmp(x, "allow") == 0 ? VERDICT_ALLOW
			: strcmp(x, "drop") == 0 ? VERDICT_DROP
			: strcmp(x, "error") == 0 ? VERDICT_ERROR : -1;
		if (t->ival < 0)
			return perr(s, v.span, ERR_SCN_VALUE,
				    "verdict: allow, drop or error, not '%s'", x);
		if (tok_is(&l->tok, "by")) {
			next(l);
			if (l->tok.kind == K_STR) {	/* "invalid: reason" */
				t->s1 = tok_str(l, &l->tok);
				next(l);
			} else {
				if (!word(s, "POLICY#ARM or \"invalid: REASON\"",
					  &v))
					return false;
				t->s1 = tok_str(l, &v);
			}
		}
		return true;
	}
	if (strcmp(k, "error") == 0) {
		t->ex = EX_ERROR;
		if (l->tok.kind != K_STR)
			return perr(s, l->tok.span, ERR_SCN_SYNTAX,
				    "expect error \"part of the message\"");
		t->s1 = tok_str(l, &l->tok);
		next(l);
		return true;
	}
	if (strcmp(k, "arm") == 0 || strcmp(k, "no-arm") == 0) {
		t->ex = k[0] == 'a' ? EX_ARM : EX_NOT_ARM;
		if (!word(s, "POLICY#ARM", &v))
			return false;
		t->s1 = tok_str(l, &v);
		return true;
	}
	if (strcmp(k, "route") == 0) {
		t->ex = EX_ROUTE;
		if (!word(s, "local or an interface", &v))
			return false;
		t->s1 = tok_str(l, &v);
		return true;
	}
	bool inner = false;
	if (strcmp(k, "inner") == 0) {	/* the header an ICMP error quotes */
		if (!word(s, "src or dst", &v))
			return false;
		k = tok_str(l, &v);
		inner = true;
		if (strcmp(k, "src") != 0 && strcmp(k, "dst") != 0)
			return perr(s, v.span, ERR_SCN_SYNTAX,
				    "expect inner src|dst ADDR[:PORT]");
	}
	if (strcmp(k, "src") == 0 || strcmp(k, "dst") == 0) {
		t->ex = k[0] == 's' ? EX_SRC : EX_DST;
		if (inner)
			t->ex = k[0] == 's' ? EX_INNER_SRC : EX_INNER_DST;
		if (!word(s, "ADDR or ADDR:PORT", &v))
			return false;
		long port = 0;
		t->s1 = tok_str(l, &v);
		if (!parse_endpoint(t->s1, &t->addr, &t->has_port, &port))
			return perr(s, v.span, ERR_SCN_VALUE,
				    "'%s' is not ADDR, ADDR:PORT or "
				    "[V6ADDR]:PORT", t->s1);
		t->ival = (int)port;
		return true;
	}
	if (strcmp(k, "sport") == 0 || strcmp(k, "dport") == 0 ||
	    strcmp(k, "ttl") == 0) {
		t->ex = k[0] == 's' ? EX_SPORT : k[0] == 'd' ? EX_DPORT : EX_TTL;
		if (tok_is(&l->tok, "!")) {
			next(l);
			if (l->tok.kind != K_EQ)
				return perr(s, l->tok.span, ERR_SCN_SYNTAX,
					    "expected '!=' or a number");
			t->neg = true;
			next(l);
		}
		uint64_t n;
		if (!word(s, "a number", &v))
			return false;
		if (!parse_num(tok_str(l, &v), &n) || n > 65535)
			return perr(s, v.span, ERR_SCN_VALUE, "not a port");
		t->ival = (int)n;
		return true;
	}
	if (strcmp(k, "log") == 0) {
		if (tok_is(&l->tok, "none")) {
			next(l);
			t->ex = EX_NOLOG;
			return true;
		}
		t->ex = EX_LOG;
		if (!word(s, "a level (Debug, Info, Warn, Error) or none", &v))
			return false;
		t->s1 = tok_str(l, &v);
		if (l->tok.kind != K_STR)
			return perr(s, l->tok.span, ERR_SCN_SYNTAX,
				    "expect log LEVEL \"message\"");
		t->s2 = tok_str(l, &l->tok);
		next(l);
		return true;
	}
	if (strcmp(k, "ct") == 0) {
		if (!word(s, "state, tcp, none, status or count", &v))
			return false;
		char *what = tok_str(l, &v);
		if (strcmp(what, "none") == 0) {
			t->ex = EX_CT_NONE;
			return true;
		}
		if (strcmp(what, "status") == 0) {
			t->ex = EX_CT_STATUS;
			unsigned bits = 0;
			while (l->tok.kind == K_WORD) {
				char *x = tok_str(l, &l->tok);
				if (!parse_status(x, &bits))
					return perr(s, l->tok.span,
						    ERR_SCN_VALUE,
						    "ct status: dnat, snat, "
						    "assured, seen-reply, "
						    "expected, offload");
				next(l);
			}
			t->ival = (int)bits;
			return true;
		}
		if (!word(s, "a value", &v))
			return false;
		char *x = tok_str(l, &v);
		if (strcmp(what, "state") == 0) {
			t->ex = EX_CT_STATE;
			t->ival = ct_state_named(x);
		} else if (strcmp(what, "tcp") == 0) {
			t->ex = EX_CT_TCP;
			t->ival = tcp_state_named(x);
		} else if (strcmp(what, "count") == 0) {
			uint64_t n;
			t->ex = EX_CT_COUNT;
			t->ival = parse_num(x, &n) && n < 1000000 ? (int)n : -1;
		} else {
			return perr(s, v.span, ERR_SCN_SYNTAX,
				    "expect ct state|tcp|none|status|count");
		}
		if (t->ival < 0)
			return perr(s, v.span, ERR_SCN_VALUE,
				    "'%s' is not a ct %s", x, what);
		return true;
	}
	if (strcmp(k, "counter") == 0) {
		t->ex = EX_COUNTER;
		if (!word(s, "POLICY#ARM", &v))
			return false;
		t->s1 = tok_str(l, &v);
		if (!strchr(t->s1, '#'))
			return perr(s, v.span, ERR_SCN_VALUE,
				    "counter: POLICY#ARM (forward#4)");
		if (!word(s, "+N (change by the last packet) or N (total)", &v))
			return false;
		char *x = tok_str(l, &v);
		uint64_t n;
		t->delta = x[0] == '+';
		if (!parse_num(x + t->delta, &n))
			return perr(s, v.span, ERR_SCN_VALUE,
				    "counter: '%s' is not +N or N", x);
		t->num = n;
		return true;
	}
	if (strcmp(k, "flow") == 0) {
		t->ex = EX_FLOW;
		if (!word(s, "a flow pattern name", &v))
			return false;
		t->s1 = tok_str(l, &v);
		if (!word(s, "matched, none or step N", &v))
			return false;
		char *x = tok_str(l, &v);
		if (strcmp(x, "matched") == 0) {
			t->ival = -1;
		} else if (strcmp(x, "none") == 0) {
			t->ival = 0;
		} else if (strcmp(x, "step") == 0) {
			uint64_t n;
			if (!word(s, "a step number", &v))
				return false;
			if (!parse_num(tok_str(l, &v), &n) || n > 64)
				return perr(s, v.span, ERR_SCN_VALUE,
					    "not a step number");
			t->ival = (int)n;
		} else {
			return perr(s, v.span, ERR_SCN_VALUE,
				    "flow: matched, none or step N");
		}
		return true;
	}
	return perr(s, w.span, ERR_SCN_SYNTAX, "unknown expectation '%s' "
		    "(verdict, error, arm, no-arm, route, src, dst, sport, "
		    "dport, ttl, log, ct, counter, flow)", k);
}

/* policy { ... }: the policy text is the file with everything outside
   the block blanked, so its spans are the .fwlt's lines and columns. */
static const char *inline_end(const char *p, const char *end)
{
	/* find a line whose only non-blank character is '}' */
	while (p < end) {
		const char *e = memchr(p, '\n', (size_t)(end - p));
		const char *le = e ? e : end;
		const char *q = p;
		while (q < le && (*q == ' ' || *q == '\t'))
			q++;
		if (q < le && *q == '}') {
			const char *r = q + 1;
			while (r < le && isspace((unsigned char)*r))
				r++;
			if (r == le)
				return q;
		}
		p = e ? e + 1 : end;
	}
	return NULL;
}

static bool load_policy(Scn *s, const char *path, Span at)
{
	char *dir = arena_strndup(&s->a, s->path, strlen(s->path));
	char *full = path[0] == '/' ? (char *)path
				    : arena_printf(&s->a, "%s/%s", dirname(dir),
						   path);
	Source *src = source_read(&s->a, full);
	if (!src)
		return perr(s, at, ERR_SCN_POLICY, "cannot read policy '%s': %s",
			    full, strerror(errno));
	s->prog = parse_program(src, &s->a, s->d);
	return !diag_failed(s->d);
}

static bool parse_file(Scn *s)
{
	Lex *l = &s->l;
	bool seen_case = false;

	next(l);
	while (l->tok.kind != K_EOF) {
		if (l->tok.kind == K_NL) {
			next(l);
			continue;
		}
		Tok kw = {0};
		int before = s->d->nerrors;
		if (!word(s, "a statement (policy, iface, fib, route, feed, "
			     "dns, set, case, packet, advance, expect)", &kw))
			goto skip;
		char *k = tok_str(l, &kw);
		if (strcmp(k, "policy") == 0) {
			if (s->prog) {
				perr(s, kw.span, ERR_SCN_ORDER,
				     "a second policy (one per scenario file)");
				goto skip;
			}
			if (l->tok.kind == K_STR) {
				char *path = tok_str(l, &l->tok);
				Span ps = l->tok.span;
				next(l);
				load_policy(s, path, ps);
			} else if (l->tok.kind == K_LBRACE) {
				const char *start = l->p;
				const char *end = inline_end(start, l->end);
				if (!end) {
					perr(s, l->tok.span, ERR_SCN_SYNTAX,
					     "policy { not closed by a line "
					     "holding only '}'");
					return false;
				}
				size_t n = (size_t)(l->end - l->src->text);
				char *txt = arena_alloc(&s->a, n + 1);
				for (size_t i = 0; i < n; i++) {
					const char *c = l->src->text + i;
					txt[i] = (c >= start && c < end) ||
							 *c == '\n'
							 ? *c : ' ';
				}
				Source *src = source_from_mem(&s->a, s->path,
							      txt, n);
				s->prog = parse_program(src, &s->a, s->d);
				/* skip the block in the lexer */
				for (const char *c = l->p; c < end; c++)
					if (*c == '\n') {
						l->line++;
						l->bol = c + 1;
					}
				l->p = end + 1;
				next(l);
			} else {
				perr(s, l->tok.span, ERR_SCN_SYNTAX,
				     "policy \"PATH\" or policy { ... }");
				goto skip;
			}
		} else if (strcmp(k, "case") == 0) {
			if (l->tok.kind != K_STR) {
				perr(s, l->tok.span, ERR_SCN_SYNTAX,
				     "case \"name\"");
				goto skip;
			}
			Stmt *t = add(s, S_CASE, kw.span);
			t->name = tok_str(l, &l->tok);
			next(l);
			seen_case = true;
		} else if (strcmp(k, "packet") == 0) {
			if (!seen_case) {
				perr(s, kw.span, ERR_SCN_ORDER,
				     "packet before the first case \"...\"");
				goto skip;
			}
			Tok ifn = {0};
			if (!word(s, "the interface it arrives on (or local)",
				  &ifn))
				goto skip;
			Stmt *t = add(s, S_PACKET, kw.span);
			snprintf(t->iif, sizeof t->iif, "%.*s", ifn.n, ifn.s);
			if (l->tok.kind == K_ARROW) {
				next(l);
				Tok o = {0};
				if (!word(s, "the output interface (or local)",
					  &o))
					goto skip;
				snprintf(t->oif, sizeof t->oif, "%.*s", o.n,
					 o.s);
			}
			/* built in scratch space, kept as its bytes only:
			   a difftest holds 100,000 packets (stmt_pkt) */
			static Pkt pk;
			static uint8_t buf[PKT_MAX];
			pkt_init(&pk);
			Span all;
			if (!parse_layers(s, &pk, &all))
				goto skip;
			t->span = span_join(kw.span, all);
			t->len = pkt_build(&pk, buf, PKT_MAX);
			if (!t->len) {
				perr(s, t->span, ERR_SCN_PACKET,
				     "the packet is larger than %d bytes",
				     PKT_MAX);
				goto skip;
			}
			t->bytes = arena_alloc(&s->a, t->len);
			memcpy(t->bytes, buf, t->len);
		} else if (strcmp(k, "advance") == 0) {
			Tok d = {0};
			if (!word(s, "a duration (5s, 100ms, 2m)", &d))
				goto skip;
			Stmt *t = add(s, S_ADVANCE, kw.span);
			if (!parse_duration(tok_str(l, &d), &t->num)) {
				perr(s, d.span, ERR_SCN_VALUE,
				     "'%.*s' is not a duration (5s, 100ms, 2m, "
				     "1h)", d.n, d.s);
				goto skip;
			}
		} else if (strcmp(k, "expect") == 0) {
			if (!seen_case) {
				perr(s, kw.span, ERR_SCN_ORDER,
				     "expect before the first case \"...\"");
				goto skip;
			}
			Stmt *t = add(s, S_EXPECT, kw.span);
			/* the expectation's own text, from the source (string
			   tokens point at decoded copies: use the spans) */
			const char *start = l->src->text + l->tok.span.off;
			if (!parse_expect(s, t))
				goto skip;
			const char *end = l->src->text + l->tok.span.off;
			if (end < start)
				end = start;
			t->text = arena_strndup(&s->a, start,
						(size_t)(end - start));
			for (int i = (int)strlen(t->text) - 1;
			     i >= 0 && isspace((unsigned char)t->text[i]); i--)
				t->text[i] = 0;
			t->span = span_join(kw.span, t->span);
		} else if (strcmp(k, "iface") == 0) {
			Tok n = {0}, a = {0};
			if (!word(s, "an interface name", &n))
				goto skip;
			if (!tok_is(&l->tok, "addr")) {
				perr(s, l->tok.span, ERR_SCN_SYNTAX,
				     "iface NAME addr ADDR...");
				goto skip;
			}
			next(l);
			while (l->tok.kind == K_WORD) {
				word(s, "", &a);
				Stmt *t = add(s, S_IFACE, a.span);
				t->name = tok_str(l, &n);
				if (!parse_addr(tok_str(l, &a), &t->addr,
						false)) {
					perr(s, a.span, ERR_SCN_VALUE,
					     "'%.*s' is not an address", a.n,
					     a.s);
					goto skip;
				}
			}
		} else if (strcmp(k, "fib") == 0) {
			Tok a = {0};
			if (!tok_is(&l->tok, "local")) {
				perr(s, l->tok.span, ERR_SCN_SYNTAX,
				     "fib local ADDR-or-CIDR...");
				goto skip;
			}
			next(l);
			do {
				if (!word(s, "an address", &a))
					goto skip;
				Stmt *t = add(s, S_LOCAL, a.span);
				if (!parse_addr(tok_str(l, &a), &t->addr, true)) {
					perr(s, a.span, ERR_SCN_VALUE,
					     "'%.*s' is not an address", a.n,
					     a.s);
					goto skip;
				}
			} while (l->tok.kind == K_WORD);
		} else if (strcmp(k, "route") == 0) {
			Tok c = {0}, d = {0};
			if (!word(s, "a CIDR", &c) || !word(s, "an interface",
							    &d))
				goto skip;
			Stmt *t = add(s, S_ROUTE, c.span);
			t->name = tok_str(l, &d);
			if (!parse_addr(tok_str(l, &c), &t->addr, true)) {
				perr(s, c.span, ERR_SCN_VALUE,
				     "'%.*s' is not a CIDR", c.n, c.s);
				goto skip;
			}
		} else if (strcmp(k, "feed") == 0 || strcmp(k, "dns") == 0) {
			Tok n = {0}, a = {0};
			bool feed = k[0] == 'f';
			if (feed) {
				if (!word(s, "a feed name", &n))
					goto skip;
			} else if (l->tok.kind == K_STR || l->tok.kind == K_WORD) {
				n = l->tok;
				next(l);
			} else {
				perr(s, l->tok.span, ERR_SCN_SYNTAX,
				     "dns NAME ADDR...");
				goto skip;
			}
			Stmt *t = add(s, feed ? S_FEED : S_DNS, n.span);
			t->name = tok_str(l, &n);	/* an empty entry */
			while (l->tok.kind == K_WORD) {
				word(s, "", &a);
				t = add(s, feed ? S_FEED : S_DNS, a.span);
				t->name = tok_str(l, &n);
				if (!parse_addr(tok_str(l, &a), &t->addr, feed)) {
					perr(s, a.span, ERR_SCN_VALUE,
					     "'%.*s' is not an address%s", a.n,
					     a.s, feed ? " or CIDR" : "");
					goto skip;
				}
			}
		} else if (strcmp(k, "set") == 0) {
			Tok n = {0}, v = {0};
			if (!word(s, "a setting", &n) || !word(s, "a value", &v))
				goto skip;
			Stmt *t = add(s, S_SET, n.span);
			t->name = tok_str(l, &n);
			t->s1 = tok_str(l, &v);
			static const char *known[] = {
				"ct-loose", "ct-max", "timeout-udp",
				"timeout-icmp", "timeout-tcp-established",
				"timeout-seq", "clock", NULL};
			bool ok = false;
			for (int i = 0; known[i]; i++)
				ok |= strcmp(known[i], t->name) == 0;
			if (!ok) {
				perr(s, n.span, ERR_SCN_VALUE,
				     "unknown setting '%s' (ct-loose on|off, "
				     "ct-max N, timeout-udp|timeout-icmp|"
				     "timeout-tcp-established|timeout-seq "
				     "DURATION, clock DURATION)", t->name);
				goto skip;
			}
		} else {
			perr(s, kw.span, ERR_SCN_SYNTAX,
			     "unknown statement '%s' (policy, iface, fib, "
			     "route, feed, dns, set, case, packet, advance, "
			     "expect)", k);
			goto skip;
		}
		if (l->tok.kind != K_NL && l->tok.kind != K_EOF) {
			perr(s, l->tok.span, ERR_SCN_SYNTAX,
			     "unexpected '%.*s' at the end of the statement",
			     l->tok.n, l->tok.s);
			goto skip;
		}
		continue;
skip:
		(void)before;
		l->depth = 0;
		l->cont = false;
		while (l->tok.kind != K_NL && l->tok.kind != K_EOF)
			next(l);
	}
	if (!s->prog && !diag_failed(s->d))
		perr(s, lspan(l, l->src->text, 0), ERR_SCN_POLICY,
		     "no policy: start the file with policy \"PATH\" or "
		     "policy { ... }");
	return !diag_failed(s->d);
}

/*
 * Running
 */

typedef struct Run {
	Scn *s;
	const ScenarioBackend *be;
	void *c;		/* the backend's case */
	Mock mock;
	Outcome *o;		/* of the last packet */
	Stmt *last;		/* the last packet statement */
	uint64_t *before;	/* counters of the expectations after the last
				   packet, read before it ran */
	int nlogs_before;
	FILE *out;
	Stmt *err_pkt;		/* a packet that failed with an error no
				   expectation has accounted for yet */
	char diff[8192];
	size_t dlen;
	bool failed;
	bool quiet;
	int npackets;
	/* differential mode (ScenarioOpts.compare) */
	const ScenarioBackend *cbe;
	void *cc;		/* its case */
	Mock cmock;		/* its mocks (its own log) */
} Run;

static void dprintf_(Run *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void dprintf_(Run *r, const char *fmt, ...)
{
	if (r->dlen + 2 >= sizeof r->diff)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(r->diff + r->dlen, sizeof r->diff - r->dlen, fmt, ap);
	va_end(ap);
	if (n > 0)
		r->dlen += (size_t)n;
	if (r->dlen >= sizeof r->diff)
		r->dlen = sizeof r->diff - 1;
}

/* Mock settings go to m; `set` statements to the backend's case c. */
static void apply_setup(Scn *s, Stmt *t, Mock *m, const ScenarioBackend *be,
			void *c)
{
	uint64_t v = 0;

	switch (t->kind) {
	case S_LOCAL:
		mock_add_local(m, &t->addr);
		break;
	case S_ROUTE:
		mock_add_route(m, &t->addr, t->name);
		break;
	case S_IFACE:
		mock_add_iface_addr(m, t->name, &t->addr);
		mock_add_local(m, &t->addr);
		break;
	case S_FEED:
		mock_add_feed(m, t->name, &t->addr);
		break;
	case S_DNS:
		mock_add_dns(m, t->name, &t->addr);
		break;
	case S_SET:
		if (!c)
			break;
		if (strcmp(t->name, "ct-loose") == 0)
			v = strcmp(t->s1, "off") != 0;
		else if (strcmp(t->name, "ct-max") == 0)
			parse_num(t->s1, &v);
		else
			parse_duration(t->s1, &v);
		be->set(c, t->name, v);
		break;
	}
	(void)s;
}

static const char *verdict_name(int v)
{
	return v == VERDICT_ALLOW ? "allow" : v == VERDICT_DROP ? "drop"
								: "error";
}

static void ep_str(const PktAddr *a, bool port, unsigned p, char *buf,
		   size_t size)
{
	char s[64];
	pkt_addr_str(a, s, sizeof s);
	if (!port)
		snprintf(buf, size, "%s", s);
	else if (a->family == 6)
		snprintf(buf, size, "[%s]:%u", s, p);
	else
		snprintf(buf, size, "%s:%u", s, p);
}

static bool decided_by(const Outcome *o, const char *arm)
{
	for (int i = 0; i < o->narms; i++)
		if (strcmp(o->arms[i], arm) == 0)
			return true;
	return false;
}

static bool parse_arm(const char *s, char *pol, size_t size, int *arm)
{
	const char *h = strchr(s, '#');
	if (!h || (size_t)(h - s) >= size)
		return false;
	memcpy(pol, s, (size_t)(h - s));
	pol[h - s] = 0;
	*arm = atoi(h + 1);
	return true;
}

static void mismatch(Run *r, Stmt *t, const char *want, const char *got)
{
	const Source *src = source_get(t->span.file);
	dprintf_(r, "  %s:%u:%u: expect %s\n    - expected: %s\n"
		    "    + actual:   %s\n",
		 src ? src->path : "?", t->span.line, t->span.col, t->text,
		 want, got);
	r->failed = true;
}

static void unexpected_error(Run *r)
{
	if (!r->err_pkt)
		return;
	Stmt *t = r->err_pkt;
	const Source *src = source_get(t->span.file);
	dprintf_(r, "  %s:%u:%u: packet %d stopped with an error\n"
		    "    - expected: a verdict\n"
		    "    + actual:   error: %s%s\n",
		 src ? src->path : "?", t->span.line, t->span.col,
		 r->npackets, r->o->err_at, r->o->err);
	r->failed = true;
	r->err_pkt = NULL;
}

static void check(Run *r, Stmt *t, int exi)
{
	Outcome *o = r->o;
	char want[256], got[1200];
	int tcp;
	unsigned status;

	if (t->ex != EX_CT_COUNT && t->ex != EX_COUNTER && !o) {
		mismatch(r, t, "a packet before this expectation", "none");
		return;
	}
	if (o && o->verdict == VERDICT_ERROR && t->ex != EX_ERROR &&
	    !(t->ex == EX_VERDICT && t->ival == VERDICT_ERROR) &&
	    t->ex != EX_CT_COUNT && t->ex != EX_COUNTER) {
		snprintf(want, sizeof want, "%s", t->text);
		snprintf(got, sizeof got, "error: %s", o->err);
		mismatch(r, t, want, got);
		r->err_pkt = NULL;	/* reported */
		return;
	}
	switch (t->ex) {
	case EX_VERDICT: {
		if (t->ival == VERDICT_ERROR)
			r->err_pkt = NULL;
		/* "by ARM": the dropping arm, or for allow an arm that
		   decided on the way */
		bool ok = o->verdict == t->ival &&
			  (!t->s1 || (t->ival == VERDICT_DROP
					      ? strcmp(o->reason, t->s1) == 0
					      : decided_by(o, t->s1)));
		snprintf(want, sizeof want, "%s%s%s", verdict_name(t->ival),
			 t->s1 ? " by " : "", t->s1 ? t->s1 : "");
		snprintf(got, sizeof got, "%s%s%s; path: %s%s%s",
			 verdict_name(o->verdict),
			 o->verdict == VERDICT_DROP ? " by " : "",
			 o->verdict == VERDICT_DROP ? o->reason : "", o->path,
			 o->verdict == VERDICT_ERROR ? "; error: " : "",
			 o->verdict == VERDICT_ERROR ? o->err : "");
		if (!ok)
			mismatch(r, t, want, got);
		return;
	}
	case EX_ERROR:
		r->err_pkt = NULL;
		if (o->verdict != VERDICT_ERROR || !strstr(o->err, t->s1)) {
			snprintf(want, sizeof want, "an error containing \"%s\"",
				 t->s1);
			if (o->verdict == VERDICT_ERROR)
				snprintf(got, sizeof got, "error: %s", o->err);
			else
				snprintf(got, sizeof got, "%s; path: %s",
					 verdict_name(o->verdict), o->path);
			mismatch(r, t, want, got);
		}
		return;
	case EX_ARM:
	case EX_NOT_ARM:
		if (decided_by(o, t->s1) != (t->ex == EX_ARM)) {
			snprintf(want, sizeof want, "%s %s",
				 t->ex == EX_ARM ? "decided by" : "not decided by",
				 t->s1);
			snprintf(got, sizeof got, "path: %s", o->path);
			mismatch(r, t, want, got);
		}
		return;
	case EX_ROUTE:
		if (strcmp(o->oif, t->s1) != 0)
			mismatch(r, t, t->s1, o->oif[0] ? o->oif : "(none)");
		return;
	case EX_INNER_SRC:
	case EX_INNER_DST:
		if (!o->out.has_inner) {
			mismatch(r, t, t->text, "no quoted header");
			return;
		}
		/* fall through */
	case EX_SRC:
	case EX_DST: {
		const PktAddr *a = t->ex == EX_SRC ? &o->out.src
				 : t->ex == EX_DST ? &o->out.dst
				 : t->ex == EX_INNER_SRC ? &o->out.inner_src
							 : &o->out.inner_dst;
		unsigned port = t->ex == EX_SRC ? o->out.sport
			      : t->ex == EX_DST ? o->out.dport
			      : t->ex == EX_INNER_SRC ? o->out.inner_sport
						      : o->out.inner_dport;
		bool ok = a->family == t->addr.family &&
			  memcmp(a->a, t->addr.a, 16) == 0 &&
			  (!t->has_port || port == (unsigned)t->ival);
		if (!ok) {
			PktAddr w = {.family = t->addr.family};
			memcpy(w.a, t->addr.a, 16);
			ep_str(&w, t->has_port, (unsigned)t->ival, want,
			       sizeof want);
			ep_str(a, true, port, got, sizeof got);
			mismatch(r, t, want, got);
		}
		return;
	}
	case EX_SPORT:
	case EX_DPORT:
	case EX_TTL: {
		unsigned v = t->ex == EX_SPORT ? o->out.sport
			   : t->ex == EX_DPORT ? o->out.dport : o->out.ttl;
		if ((v == (unsigned)t->ival) == t->neg) {
			snprintf(want, sizeof want, "%s%d", t->neg ? "!= " : "",
				 t->ival);
			snprintf(got, sizeof got, "%u", v);
			mismatch(r, t, want, got);
		}
		return;
	}
	case EX_LOG: {
		bool ok = false;
		size_t n = 0;
		got[0] = 0;
		for (int i = r->nlogs_before; i < r->mock.nlogs; i++) {
			MockLog *lg = &r->mock.logs[i];
			if (strcasecmp(fx_level_name(lg->level), t->s1) == 0 &&
			    strcmp(lg->msg, t->s2) == 0)
				ok = true;
			if (n < sizeof got)
				n += (size_t)snprintf(got + n, sizeof got - n,
						      "%s%s \"%s\" (%s)",
						      n ? "; " : "",
						      fx_level_name(lg->level),
						      lg->msg, lg->rule);
		}
		if (!ok) {
			snprintf(want, sizeof want, "log %s \"%s\"", t->s1,
				 t->s2);
			mismatch(r, t, want, n ? got : "no log event");
		}
		return;
	}
	case EX_NOLOG:
		if (r->mock.nlogs > r->nlogs_before) {
			MockLog *lg = &r->mock.logs[r->nlogs_before];
			snprintf(got, sizeof got, "log %s \"%s\" (%s)",
				 fx_level_name(lg->level), lg->msg, lg->rule);
			mismatch(r, t, "no log event", got);
		}
		return;
	case EX_CT_STATE:
		if (o->ct_state != t->ival)
			mismatch(r, t, ct_state_name(t->ival),
				 o->ct_state < 0 ? "not tracked (the compiled "
						   "policy reads no conntrack)"
						 : ct_state_name(o->ct_state));
		return;
	case EX_CT_NONE:
		if (r->be->ct_entry(r->c, o, &tcp, &status)) {
			snprintf(got, sizeof got, "an entry (%s)",
				 tcp_state_name(tcp));
			mismatch(r, t, "no conntrack entry", got);
		}
		return;
	case EX_CT_TCP:
	case EX_CT_STATUS:
		if (!r->be->ct_entry(r->c, o, &tcp, &status)) {
			mismatch(r, t, t->text, "no conntrack entry");
			return;
		}
		if (t->ex == EX_CT_TCP && tcp != t->ival)
			mismatch(r, t, tcp_state_name(t->ival),
				 tcp_state_name(tcp));
		if (t->ex == EX_CT_STATUS &&
		    (status & (unsigned)t->ival) != (unsigned)t->ival) {
			snprintf(got, sizeof got, "ct status %s%s%s%s%s%s",
				 status & CTS_DNAT ? "dnat " : "",
				 status & CTS_SNAT ? "snat " : "",
				 status & CTS_ASSURED ? "assured " : "",
				 status & CTS_SEEN_REPLY ? "seen-reply " : "",
				 status & CTS_EXPECTED ? "expected " : "",
				 status & CTS_OFFLOAD ? "offload" : "");
			mismatch(r, t, t->text, got);
		}
		return;
	case EX_CT_COUNT: {
		int n = r->be->ct_count(r->c);
		if (n != t->ival) {
			snprintf(want, sizeof want, "%d entries", t->ival);
			snprintf(got, sizeof got, "%d entries", n);
			mismatch(r, t, want, got);
		}
		return;
	}
	case EX_COUNTER: {
		char pol[96];
		int arm = 0;
		parse_arm(t->s1, pol, sizeof pol, &arm);
		uint64_t now = r->be->counter(r->c, pol, arm);
		uint64_t was = r->before ? r->before[exi] : 0;
		uint64_t v = t->delta ? now - was : now;
		if (v != t->num) {
			snprintf(want, sizeof want, "%s%llu", t->delta ? "+" : "",
				 (unsigned long long)t->num);
			snprintf(got, sizeof got, "%s%llu (total %llu)",
				 t->delta ? "+" : "", (unsigned long long)v,
				 (unsigned long long)now);
			mismatch(r, t, want, got);
		}
		return;
	}
	case EX_FLOW: {
		int have = r->be->flow_state(r->c, t->s1, o);
		if (have != t->ival) {
			snprintf(want, sizeof want, "%s", t->text);
			snprintf(got, sizeof got, "flow %s %s", t->s1,
				 have == -1 ? "matched"
				 : have == 0 ? "none" : "step");
			if (have > 0)
				snprintf(got + strlen(got),
					 sizeof got - strlen(got), " %d", have);
			mismatch(r, t, want, got);
		}
		return;
	}
	}
}

/*
 * Differential mode: the same packet on two backends.
 */

static int cmp_str(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

static void arms_sorted(const Outcome *o, char *buf, size_t size)
{
	char arms[OUTCOME_MAX_ARMS][96];
	size_t n = 0;
	memcpy(arms, o->arms, sizeof arms);
	qsort(arms, (size_t)o->narms, sizeof arms[0], cmp_str);
	buf[0] = 0;
	for (int i = 0; i < o->narms && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%s%s", i ? " " : "",
				      arms[i]);
}

static void outcome_text(const Outcome *o, char *buf, size_t size)
{
	char src[80], dst[80], arms[512];
	if (o->verdict == VERDICT_ERROR) {
		snprintf(buf, size, "error: %s", o->err);
		return;
	}
	ep_str(&o->out.src, o->out.l4, o->out.sport, src, sizeof src);
	ep_str(&o->out.dst, o->out.l4, o->out.dport, dst, sizeof dst);
	arms_sorted(o, arms, sizeof arms);
	snprintf(buf, size, "%s%s%s, route %s, ct %s, arms [%s], out %s -> %s "
		 "ttl %u",
		 verdict_name(o->verdict), o->verdict == VERDICT_DROP ? " by " : "",
		 o->verdict == VERDICT_DROP ? o->reason : "",
		 o->oif[0] ? o->oif : "-", ct_state_name(o->ct_state), arms,
		 src, dst, o->out.ttl);
}

/* What differs between a (this backend) and b (the compared one), or
   "" when nothing does.  A log event is compared by its level, its whole
   message and its rule (the compiled object's records are formatted from
   their message templates, loader/logmsg.h). */
static void outcome_diff(Run *r, int la, int lb, const Outcome *a,
			 const Outcome *b, char *why, size_t size)
{
	size_t n = 0;
	char x[512], y[512];
#define WHY(...) (n < size ? n += (size_t)snprintf(why + n, size - n, \
							__VA_ARGS__) : 0)
	why[0] = 0;
	if (a->verdict != b->verdict) {
		WHY("verdict; ");
		return;
	}
	if (a->verdict == VERDICT_ERROR)
		return;
	if (a->verdict == VERDICT_DROP && strcmp(a->reason, b->reason))
		WHY("dropping arm; ");
	arms_sorted(a, x, sizeof x);
	arms_sorted(b, y, sizeof y);
	if (strcmp(x, y))
		WHY("arms counted; ");
	if (strcmp(a->oif, b->oif))
		WHY("route; ");
	if (a->ct_state != b->ct_state && a->ct_state >= 0 &&
	    b->ct_state >= 0)
		WHY("conntrack state; ");
	if (a->verdict == VERDICT_ALLOW &&
	    (memcmp(&a->out.src, &b->out.src, sizeof a->out.src) ||
	     memcmp(&a->out.dst, &b->out.dst, sizeof a->out.dst) ||
	     (a->out.l4 && b->out.l4 && (a->out.sport != b->out.sport ||
					 a->out.dport != b->out.dport)) ||
	     a->out.ttl != b->out.ttl))
		WHY("the packet as it leaves; ");
	int na = r->mock.nlogs - la, nb = r->cmock.nlogs - lb;
	if (na != nb) {
		WHY("log events (%d vs %d); ", na, nb);
	} else {
		for (int i = 0; i < na; i++) {
			const MockLog *p = &r->mock.logs[la + i];
			const MockLog *q = &r->cmock.logs[lb + i];
			if (p->level != q->level || strcmp(p->msg, q->msg) ||
			    strcmp(p->rule, q->rule))
				WHY("log event %d; ", i + 1);
		}
	}
#undef WHY
}

static void compare_packet(Run *r, ScenarioOpts *o, Stmt *t,
			   const Outcome *a, const Outcome *b, int la, int lb)
{
	char why[256], x[1400], y[1400], sum[256];
	o->compared++;
	outcome_diff(r, la, lb, a, b, why, sizeof why);
	if (!why[0])
		return;
	o->disagreements++;
	r->failed = true;
	if (o->disagreements > (o->max_report ? o->max_report : 5))
		return;
	const Source *src = source_get(t->span.file);
	char line[600] = "?";
	if (src && t->span.off < src->len) {
		const char *p = src->text + t->span.off;
		size_t k = strcspn(p, "\n");
		if (strncmp(p, "packet ", 7) == 0) {
			p += 7;
			k -= 7;
		}
		snprintf(line, sizeof line, "%.*s", (int)(k < 590 ? k : 590), p);
	}
	outcome_text(a, x, sizeof x);
	outcome_text(b, y, sizeof y);
	pkt_summary(stmt_pkt(t), sum, sizeof sum);
	fprintf(r->out, "DISAGREE %s:%u: packet %d on %s: %s\n  differs in: "
		"%s\n  %-7s %s\n  %-7s %s\n  text:   packet %s\n  hex:    ",
		src ? src->path : "?", t->span.line, r->npackets, t->iif, sum,
		why, r->be->name, x, r->cbe->name, y, line);
	for (size_t i = 0; i < t->len; i++)
		fprintf(r->out, "%02x", t->bytes[i]);
	fprintf(r->out, "\n");
	if (strstr(why, "log event")) {
		/* the log events of both, as the expectations see them */
		for (int k = 0; k < 2; k++) {
			const Mock *m = k ? &r->cmock : &r->mock;
			for (int i = k ? lb : la; i < m->nlogs; i++)
				fprintf(r->out, "  log %-3s %s \"%s\" (%s)\n",
					k ? r->cbe->name : r->be->name,
					fx_level_name(m->logs[i].level),
					m->logs[i].msg, m->logs[i].rule);
		}
	}
	if (o->replay)
		fprintf(r->out, "  replay: %s\n", o->replay);
}

static void finish_case(Run *r, const char *file, const char *name,
			int *passed, int *failed)
{
	if (r->quiet) {
		(*(r->failed ? failed : passed))++;
		return;
	}
	if (r->failed) {
		fprintf(r->out, "FAIL %s: %s\n%s", file, name, r->diff);
		(*failed)++;
	} else {
		fprintf(r->out, "PASS %s: %s\n", file, name);
		(*passed)++;
	}
}

static void run_cases(Scn *s, ScenarioOpts *o, FILE *out, int *passed,
		      int *failed)
{
	Mock base;
	Run r;
	const char *case_name = NULL;
	bool started = false;
	pcap_writer *pw = NULL;
	static Outcome oc;
	uint64_t clock = 0;

	if (o->pcap_out) {
		pw = pcapw_open(o->pcap_out);
		if (!pw)
			fprintf(stderr, "fwlc: cannot write '%s': %s\n",
				o->pcap_out, strerror(errno));
	}
	mock_init(&base);
	memset(&r, 0, sizeof r);
	r.s = s;
	r.out = out;
	r.quiet = o->quiet;
	r.be = o->backend ? o->backend : &scenario_interp_backend;
	r.cbe = o->compare;
	int i = 0;
	for (; i < s->nst && s->st[i].kind != S_CASE; i++)
		apply_setup(s, &s->st[i], &base, r.be, NULL);
	for (; i <= s->nst; i++) {
		Stmt *t = i < s->nst ? &s->st[i] : NULL;
		if (!t || t->kind == S_CASE) {
			bool skip = case_name && o->only_case &&
				    strcmp(o->only_case, case_name) != 0;
			if (started && r.c)
				unexpected_error(&r);
			if (started && !skip)
				finish_case(&r, s->path, case_name, passed,
					    failed);
			if (started) {
				if (r.c)
					r.be->close(r.c);
				r.c = NULL;
				if (r.cc)
					r.cbe->close(r.cc);
				r.cc = NULL;
				if (r.cbe)
					mock_free(&r.cmock);
				mock_free(&r.mock);
				free(r.before);
				r.before = NULL;
			}
			if (!t)
				break;
			case_name = t->name;
			started = true;
			r.failed = false;
			r.err_pkt = NULL;
			r.dlen = 0;
			r.diff[0] = 0;
			r.o = NULL;
			r.npackets = 0;
			if (o->only_case && strcmp(o->only_case, case_name) != 0)
				continue;
			mock_copy(&r.mock, &base);
			FwlEffects fx = mock_effects(&r.mock);
			char err[512];
			r.c = r.be->open(s->prog, &fx, err, sizeof err);
			if (!r.c) {
				dprintf_(&r, "  the %s backend cannot run the "
					     "policy: %s\n", r.be->name, err);
				r.failed = true;
				continue;
			}
			/* the settings before the first case; a case's own
			   come as the case runs (they are its alone) */
			for (int k = 0; k < i && s->st[k].kind != S_CASE; k++)
				if (s->st[k].kind == S_SET)
					apply_setup(s, &s->st[k], &r.mock, r.be,
						    r.c);
			if (r.cbe) {
				mock_copy(&r.cmock, &base);
				FwlEffects cfx = mock_effects(&r.cmock);
				r.cc = r.cbe->open(s->prog, &cfx, err,
						   sizeof err);
				if (!r.cc) {
					dprintf_(&r, "  the %s backend cannot "
						 "run the policy: %s\n",
						 r.cbe->name, err);
					r.failed = true;
					r.be->close(r.c);
					r.c = NULL;
					continue;
				}
				for (int k = 0; k < i && s->st[k].kind != S_CASE;
				     k++)
					if (s->st[k].kind == S_SET)
						apply_setup(s, &s->st[k],
							    &r.cmock, r.cbe,
							    r.cc);
			}
			continue;
		}
		if (!r.c)
			continue;	/* case skipped or not runnable */
		switch (t->kind) {
		case S_PACKET: {
			unexpected_error(&r);
			/* counters the following expectations ask about */
			int n = 0;
			for (int k = i + 1; k < s->nst &&
					    s->st[k].kind == S_EXPECT; k++)
				n++;
			free(r.before);
			r.before = xmalloc((size_t)(n + 1) * sizeof *r.before);
			for (int k = 0; k < n; k++) {
				Stmt *e = &s->st[i + 1 + k];
				char pol[96];
				int arm = 0;
				r.before[k] = 0;
				if (e->ex == EX_COUNTER &&
				    parse_arm(e->s1, pol, sizeof pol, &arm))
					r.before[k] = r.be->counter(r.c, pol,
								    arm);
			}
			r.nlogs_before = r.mock.nlogs;
			r.npackets++;
			int clogs = r.cbe ? r.cmock.nlogs : 0;
			const Pkt *pk = stmt_pkt(t);
			r.be->packet(r.c, t->bytes, t->len, pk, t->iif,
				     t->oif[0] ? t->oif : NULL, &oc);
			if (r.cbe) {
				static Outcome coc;
				r.cbe->packet(r.cc, t->bytes, t->len, pk,
					      t->iif, t->oif[0] ? t->oif : NULL,
					      &coc);
				compare_packet(&r, o, t, &oc, &coc,
					       r.nlogs_before, clogs);
			}
			r.o = &oc;
			r.last = t;
			if (oc.verdict == VERDICT_ERROR)
				r.err_pkt = t;
			if (pw)
				pcapw_write(pw, t->bytes, t->len, clock);
			if (o->explain && r.be->explain) {
				const Source *src = source_get(t->span.file);
				if (!o->quiet)
					fprintf(out, "-- %s:%u\n",
						src ? src->path : "?",
						t->span.line);
				r.be->explain(r.c, out);
			}
			break;
		}
		case S_ADVANCE:
			r.be->advance(r.c, t->num);
			if (r.cc)
				r.cbe->advance(r.cc, t->num);
			clock += t->num;
			break;
		case S_EXPECT: {
			/* index among the expectations after the packet */
			int k = 0;
			while (i - 1 - k >= 0 && s->st[i - 1 - k].kind == S_EXPECT)
				k++;
			bool direct = i - 1 - k >= 0 &&
				      s->st[i - 1 - k].kind == S_PACKET;
			if (t->ex == EX_COUNTER && !direct && t->delta) {
				mismatch(&r, t, "a packet right before a +N "
						"counter expectation",
					 "another statement in between");
				break;
			}
			check(&r, t, k);
			break;
		}
		default:
			apply_setup(s, t, &r.mock, r.be, r.c);
			if (r.cc)
				apply_setup(s, t, &r.cmock, r.cbe, r.cc);
			break;
		}
	}
	mock_free(&base);
	if (pw)
		pcapw_close(pw);
}

int scenario_run(const char *path, const char *text, ScenarioOpts *o,
		 FILE *out, int *passed, int *failed)
{
	Scn s;
	Diags d;

	memset(&s, 0, sizeof s);
	diag_init(&d);
	s.d = &d;
	s.path = path;
	const Source *src = text ? source_from_mem(&s.a, path, text,
						   strlen(text))
				 : source_read(&s.a, path);
	if (!src) {
		fprintf(stderr, "fwlc: cannot read '%s': %s\n", path,
			strerror(errno));
		fprintf(out, "FAIL %s: cannot read the file\n", path);
		(*failed)++;
		arena_free(&s.a);
		diag_free(&d);
		return 1;
	}
	s.src = src;
	s.l.src = src;
	s.l.p = src->text;
	s.l.end = src->text + src->len;
	s.l.line = 1;
	s.l.bol = src->text;
	s.l.a = &s.a;
	s.l.d = &d;
	int rc = 0;
	if (!parse_file(&s)) {
		diag_print(&d, stderr);
		fprintf(out, "FAIL %s: the scenario file is malformed (%d "
			     "error%s, see above)\n", path, d.nerrors,
			d.nerrors == 1 ? "" : "s");
		(*failed)++;
		rc = 1;
	} else {
		run_cases(&s, o, out, passed, failed);
	}
	free(s.st);
	diag_free(&d);
	arena_free(&s.a);
	return rc;
}

/*
 * fwlc replay
 */

int scenario_replay(const char *policy, const char *setup, const char *iif,
		    const char *capture, FILE *out)
{
	Scn s;
	Diags d;
	char err[512];
	int rc = 0;

	memset(&s, 0, sizeof s);
	diag_init(&d);
	s.d = &d;
	s.path = "<replay>";
	char *text = arena_printf(&s.a, "policy \"%s\"\n%s\n", policy,
				  setup ? setup : "");
	const Source *src = source_from_mem(&s.a, "<replay>", text,
					    strlen(text));
	s.src = src;
	s.l.src = src;
	s.l.p = src->text;
	s.l.end = src->text + src->len;
	s.l.line = 1;
	s.l.bol = src->text;
	s.l.a = &s.a;
	s.l.d = &d;
	if (!parse_file(&s)) {
		diag_print(&d, stderr);
		rc = 2;
		goto out;
	}
	pcap_reader *pr = pcapr_open(capture, err, sizeof err);
	if (!pr) {
		fprintf(stderr, "fwlc replay: %s: %s\n", capture, err);
		rc = 2;
		goto out;
	}
	Mock m;
	Interp in;
	mock_init(&m);
	FwlEffects fx = mock_effects(&m);
	if (interp_init(&in, s.prog, &fx, err, sizeof err) < 0) {
		fprintf(stderr, "fwlc replay: %s\n", err);
		pcapr_close(pr);
		mock_free(&m);
		rc = 2;
		goto out;
	}
	for (int i = 0; i < s.nst; i++) {
		apply_setup(&s, &s.st[i], &m, NULL, NULL);
		if (s.st[i].kind == S_SET) {
			uint64_t v = 0;
			if (strcmp(s.st[i].name, "ct-loose") == 0)
				in.ct_loose = strcmp(s.st[i].s1, "off") != 0;
			else if (strcmp(s.st[i].name, "ct-max") == 0 &&
				 parse_num(s.st[i].s1, &v))
				in.ct_max = (int)v;
		}
	}

	static Pkt pkt;
	static Result res;
	const uint8_t *b;
	size_t n;
	uint64_t ts, first_ts = 0, start = in.now_ms;
	int k = 0, nallow = 0, ndrop = 0, nerr = 0, got;
	while ((got = pcapr_next(pr, &b, &n, &ts)) == 1) {
		if (k == 0)
			first_ts = ts;
		in.now_ms = start + (ts >= first_ts ? ts - first_ts : 0);
		pkt_parse(b, n, &pkt);
		interp_packet(&in, &pkt, iif, NULL, &res);
		k++;
		char sum[256];
		pkt_summary(&pkt, sum, sizeof sum);
		if (res.verdict == VERDICT_ERROR) {
			nerr++;
			fprintf(out, "%5d  %-60s error: %s\n", k, sum, res.err);
		} else {
			res.verdict == VERDICT_ALLOW ? nallow++ : ndrop++;
			fprintf(out, "%5d  %-60s %s%s%s\n", k, sum,
				verdict_name(res.verdict),
				res.verdict == VERDICT_DROP ? " by " : "",
				res.verdict == VERDICT_DROP ? res.reason : "");
		}
	}
	fprintf(out, "\nper arm (packets, bytes):\n");
	for (int i = 0; i < s.prog->ndecls; i++) {
		const Decl *pd = s.prog->decls[i];
		if (pd->kind != D_POLICY)
			continue;
		for (int a = 1; a <= pd->narms; a++) {
			Counter *c = interp_counter(&in, pd->name, a);
			char nm[96];
			snprintf(nm, sizeof nm, "%s#%d", pd->name, a);
			fprintf(out, "  %-24s line %-4u %8llu %10llu\n",
				nm, pd->arms[a - 1]->span.line,
				c ? (unsigned long long)c->packets : 0ULL,
				c ? (unsigned long long)c->bytes : 0ULL);
		}
	}
	fprintf(out, "%d packets: %d allowed, %d dropped, %d errors\n", k,
		nallow, ndrop, nerr);
	if (got < 0) {
		fprintf(stderr, "fwlc replay: %s: %s\n", capture,
			pcapr_error(pr));
		rc = 1;
	} else if (nerr) {
		rc = 1;
	}
	pcapr_close(pr);
	interp_free(&in);
	mock_free(&m);
out:
	free(s.st);
	diag_free(&d);
	arena_free(&s.a);
	return rc;
}
