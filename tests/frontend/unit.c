// SPDX-License-Identifier: MIT
/*
 * unit.c - front-end unit tests: literal decoding (addresses in every RFC
 * 4291 form, printed per RFC 5952), the AST of the lead's slice policy,
 * the depth limit, and the round trip parse(fmt(x)) == parse(x) with
 * fmt(fmt(x)) == fmt(x) over examples/ and tests/frontend/cases/.
 */
#include <glob.h>
#include <stdlib.h>
#include <string.h>

#include "fwlc/builtin.h"
#include "fwlc/fmt.h"
#include "fwlc/lex.h"
#include "fwlc/parse.h"
#include "tests/lib/check.h"

/* Lex one literal; returns its token and the number of errors. */
static int lex1(const char *text, Token *out, int *code)
{
	Arena a = {0};
	Diags d;
	Lexer lx;
	static Arena keep;	/* strings of returned tokens */

	diag_init(&d);
	Source *s = source_from_mem(&keep, "t", text, strlen(text));
	lex_init(&lx, s, &a, &d);
	*out = lex_next(&lx);
	if (out->kind == TK_LIT && out->lit.kind == LIT_STR)
		out->lit.str.s = arena_strndup(&keep, out->lit.str.s,
					       out->lit.str.len);
	int n = d.nerrors;
	*code = d.head ? d.head->code : 0;
	Token rest = lex_next(&lx);
	if (rest.kind != TK_EOF)
		n += 1000;	/* the literal did not take all the text */
	lex_fini(&lx);
	diag_free(&d);
	arena_free(&a);
	return n;
}

static void test_ipv6_forms(void)
{
	static const char *const ok[][2] = {
		{"::", "::"},
		{"::1", "::1"},
		{"1::", "1::"},
		{"2001:db8::1", "2001:db8::1"},
		{"2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},
		{"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},
		{"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},
		{"2001:0:0:1:0:0:0:1", "2001:0:0:1::1"},
		{"2001:db8:aaaa:bbbb:cccc:dddd:eeee:0001",
		 "2001:db8:aaaa:bbbb:cccc:dddd:eeee:1"},
		{"fe80::1:2:3:4", "fe80::1:2:3:4"},
		{"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"},
		{"1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"},
		{"::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"},
		{"::ffff:192.0.2.1", "::ffff:192.0.2.1"},
		{"::ffff:c000:0201", "::ffff:192.0.2.1"},
		{"64:ff9b::192.0.2.33", "64:ff9b::c000:221"},
		{"1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"},
		{"abcd::", "abcd::"},
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		Token t;
		int code;
		char buf[80];
		int n = lex1(ok[i][0], &t, &code);
		CHECK(n == 0, "%s: %d errors (E%04d)", ok[i][0], n, code);
		CHECK(t.kind == TK_LIT && t.lit.kind == LIT_IP &&
		      t.lit.ip.family == 6 && t.lit.ip.prefix == 128,
		      "%s: not an IPv6 address", ok[i][0]);
		ip_str(&t.lit.ip, buf, sizeof buf);
		CHECK_STR(buf, ok[i][1]);
	}
	Token t;
	int code;
	lex1("2001:db8::1", &t, &code);
	static const uint8_t want[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
					 0,    0,    0,	   0,	 0, 0, 0, 1};
	CHECK(memcmp(t.lit.ip.addr, want, 16) == 0, "2001:db8::1 bytes");
}

static void test_ipv6_bad(void)
{
	static const char *const bad[] = {
		"1:2:3:4:5:6:7:8:9", "1::2::3",	  "12345::", "1:2:3:4:5:6:7",
		"::ffff:1.2.3",	     "2001:db8:::1", "::1.2.3.4.5", ":::",
		"1:2:3:4:5:6:7:1.2.3.4",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		Token t;
		int code = 0;
		int n = lex1(bad[i], &t, &code);
		CHECK(n > 0, "%s: accepted", bad[i]);
		CHECK(code == ERR_BAD_IPV6, "%s: E%04d, want E0007", bad[i],
		      code);
	}
}

static void test_ipv4_and_cidr(void)
{
	Token t;
	int code;

	CHECK_INT(lex1("10.17.1.10", &t, &code), 0);
	CHECK(t.lit.kind == LIT_IP && t.lit.ip.family == 4 &&
	      t.lit.ip.addr[0] == 10 && t.lit.ip.addr[3] == 10 &&
	      t.lit.ip.addr[4] == 0, "10.17.1.10 decoded");
	CHECK_INT(lex1("10.17.1.0/24", &t, &code), 0);
	CHECK(t.lit.kind == LIT_CIDR && t.lit.ip.prefix == 24, "cidr /24");
	CHECK_INT(lex1("fd12:3456::/48", &t, &code), 0);
	CHECK(t.lit.kind == LIT_CIDR && t.lit.ip.prefix == 48 &&
	      t.lit.ip.addr[0] == 0xfd && t.lit.ip.addr[3] == 0x56,
	      "fd12:3456::/48 decoded");
	static const struct {
		const char *s;
		int code;
	} bad[] = {
		{"10.0.300.1", ERR_BAD_IPV4},	{"010.0.0.1", ERR_BAD_IPV4},
		{"10.1.2", ERR_BAD_IPV4},	{"10.0.0.0/33", ERR_BAD_PREFIX},
		{"fe80::/129", ERR_BAD_PREFIX}, {"10.17.1.5/24", ERR_HOST_BITS},
		{"fe80::1/10", ERR_HOST_BITS},	{"10/8", ERR_BAD_IPV4},
		{"10.0.0.0/08", ERR_BAD_PREFIX},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int n = lex1(bad[i].s, &t, &code);
		CHECK(n > 0 && code == bad[i].code, "%s: %d errors, E%04d",
		      bad[i].s, n, code);
	}
	/* host bits are cleared in the token after the error */
	lex1("10.17.1.5/24", &t, &code);
	CHECK(t.lit.ip.addr[3] == 0, "host bits cleared");
}

static void test_other_literals(void)
{
	Token t;
	int code;

	CHECK_INT(lex1(":8080", &t, &code), 0);
	CHECK(t.lit.kind == LIT_PORT && t.lit.port.lo == 8080 &&
	      t.lit.port.hi == 8080, "port");
	CHECK_INT(lex1(":1024-65535", &t, &code), 0);
	CHECK(t.lit.kind == LIT_PORTRANGE && t.lit.port.lo == 1024 &&
	      t.lit.port.hi == 65535, "port range");
	CHECK_INT(lex1("100ms", &t, &code), 0);
	CHECK(t.lit.kind == LIT_DURATION && t.lit.u == 100, "100ms");
	CHECK_INT(lex1("2m", &t, &code), 0);
	CHECK(t.lit.kind == LIT_DURATION && t.lit.u == 120000, "2m");
	CHECK_INT(lex1("1d", &t, &code), 0);
	CHECK(t.lit.u == 86400000, "1d");
	CHECK_INT(lex1("0x2A", &t, &code), 0);
	CHECK(t.lit.kind == LIT_INT && t.lit.u == 42 && t.lit.hex, "hex");
	CHECK_INT(lex1("10/minute", &t, &code), 0);
	CHECK(t.lit.kind == LIT_RATE && t.lit.rate.count == 10 &&
	      t.lit.rate.per_ms == 60000, "rate");
	CHECK_INT(lex1("\"a\\tb\\x00\\u{2208}\\\"\"", &t, &code), 0);
	CHECK(t.lit.kind == LIT_STR && t.lit.str.len == 8 &&
	      memcmp(t.lit.str.s, "a\tb\0\xe2\x88\x88\"", 8) == 0,
	      "string escapes decoded (len %u)", t.lit.str.len);
	CHECK(lex1(":65536", &t, &code) > 0 && code == ERR_BAD_PORT,
	      ":65536");
	CHECK(lex1("\"abc", &t, &code) > 0 && code == ERR_UNTERM_STRING,
	      "unterminated");
	CHECK(lex1("99999999999999999999", &t, &code) > 0 &&
	      code == ERR_INT_RANGE, "overflow");
}

static Program *parse_text(Arena *a, Diags *d, const char *text)
{
	diag_init(d);
	Source *s = source_from_mem(a, "t.fwl", text, strlen(text));
	return parse_program(s, a, d);
}

/* The slice policy the code generator starts from, walked by hand. */
static void test_slice_ast(void)
{
	Arena a = {0};
	Diags d;
	Program *p = parse_text(&a, &d,
		"policy input : Frame<{}>\n"
		"  on hook = Input, table = Filter, priority = Filter\n"
		"  where\n"
		"  | Frame(_, Ether(_, IPv4(_, TCP(tcp { dport = :22 }, _)))) "
		"-> Allow\n"
		"  | Frame(_, Ether(_, IPv4(_, ICMP(_, _)))) -> Allow\n"
		"  | _ -> Drop\n");
	CHECK_INT(d.nerrors, 0);
	CHECK_INT(p->ndecls, 1);
	Decl *dc = p->decls[0];
	CHECK(dc->kind == D_POLICY && strcmp(dc->name, "input") == 0, "decl");
	CHECK_INT(dc->nattrs, 3);
	CHECK_STR(dc->attrs[0]->name, "hook");
	CHECK(dc->attrs[0]->value->kind == E_NAME &&
	      strcmp(dc->attrs[0]->value->name, "Input") == 0, "hook value");
	CHECK_INT(dc->narms, 3);
	Pat *frame = dc->arms[0]->pat;
	CHECK(frame->kind == P_CON && strcmp(frame->name, "Frame") == 0 &&
	      frame->nargs == 2, "Frame(_, _)");
	Pat *ether = frame->args[1];
	Pat *ipv4 = ether->args[1];
	Pat *tcp = ipv4->args[1];
	CHECK(tcp->kind == P_CON && strcmp(tcp->name, "TCP") == 0, "TCP");
	Pat *rec = tcp->args[0];
	CHECK(rec->kind == P_RECORD && strcmp(rec->name, "tcp") == 0 &&
	      rec->nfields == 1, "tcp { ... }");
	PatField *pf = rec->fields[0];
	CHECK(strcmp(pf->name, "dport") == 0 && pf->op == OP_EQ &&
	      pf->value->kind == E_LIT && pf->value->lit.kind == LIT_PORT &&
	      pf->value->lit.port.lo == 22, "dport = :22");
	CHECK(dc->arms[2]->pat->kind == P_WILD && !dc->arms[2]->guard &&
	      strcmp(dc->arms[2]->body->name, "Drop") == 0, "| _ -> Drop");
	/* spans: line 4 col 5 is the F of Frame */
	CHECK(frame->span.line == 4 && frame->span.col == 5,
	      "span %u:%u", frame->span.line, frame->span.col);
	CHECK(source_get(frame->span.file) == p->src, "span names its file");
	/* names are interned */
	CHECK(frame->name == dc->arms[1]->pat->name, "interned names");
	diag_free(&d);
	arena_free(&a);
}

static void deep(const char *open, const char *mid, const char *close,
		 int n, const char *what)
{
	size_t cap = (strlen(open) + strlen(close)) * (size_t)n + 256;
	char *s = malloc(cap);
	size_t len = 0;

	len += (size_t)sprintf(s, "let x = ");
	for (int i = 0; i < n; i++)
		len += (size_t)sprintf(s + len, "%s", open);
	len += (size_t)sprintf(s + len, "%s", mid);
	for (int i = 0; i < n; i++)
		len += (size_t)sprintf(s + len, "%s", close);
	sprintf(s + len, "\n");
	Arena a = {0};
	Diags d;
	parse_text(&a, &d, s);
	CHECK(d.nerrors == 1 && d.head && d.head->code == ERR_TOO_DEEP,
	      "%s x%d: %d errors, first E%04d", what, n, d.nerrors,
	      d.head ? d.head->code : 0);
	diag_free(&d);
	arena_free(&a);
	free(s);
}

static void test_depth_limit(void)
{
	deep("(", "1", ")", 100000, "parens");
	deep("{", "1", "}", 100000, "sets");
	deep("not ", "x", "", 100000, "not");
	deep("\\x -> ", "x", "", 100000, "lambdas");
	deep("if a then ", "b", " else c", 50000, "ifs");
	deep("f(", "1", ")", 100000, "calls");
	deep("case x of | A -> ", "1", "", 50000, "cases");
	/* operator chains are as deep as they are long */
	deep("", "x", " && x", 100000, "&& chain");
	deep("", "x", " || x", 100000, "|| chain");
	deep("", "x", " ++ x", 100000, "++ chain");
	deep("", "x", " >> x", 100000, ">> chain");
	deep("", "x", ".f", 100000, "field chain");
	deep("", "f", "(x)", 100000, "call chain");
	/* patterns and types */
	Arena a = {0};
	Diags d;
	size_t n = 100000, len;
	char *s = malloc(n * 3 + 64);
	len = (size_t)sprintf(s, "pattern P = ");
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(s + len, "C(");
	sprintf(s + len, "_\n");
	parse_text(&a, &d, s);
	CHECK(d.head && d.head->code == ERR_TOO_DEEP, "deep pattern");
	diag_free(&d);
	arena_free(&a);
	len = (size_t)sprintf(s, "let x : ");
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(s + len, "(");
	sprintf(s + len, "T\n");
	parse_text(&a, &d, s);
	CHECK(d.head && d.head->code == ERR_TOO_DEEP, "deep type");
	diag_free(&d);
	arena_free(&a);
	free(s);
	/* 150 levels (under FWL_MAX_DEPTH) parse */
	char *ok = malloc(400);
	len = (size_t)sprintf(ok, "let x = ");
	for (int i = 0; i < 150; i++)
		len += (size_t)sprintf(ok + len, "(");
	len += (size_t)sprintf(ok + len, "1");
	for (int i = 0; i < 150; i++)
		len += (size_t)sprintf(ok + len, ")");
	parse_text(&a, &d, ok);
	CHECK_INT(d.nerrors, 0);
	diag_free(&d);
	arena_free(&a);
	free(ok);
}

static void roundtrip_file(const char *path)
{
	Arena a = {0}, b = {0};
	Diags d;

	diag_init(&d);
	Source *src = source_read(&a, path);
	CHECK(src != NULL, "read %s", path);
	if (!src)
		return;
	Program *p = parse_program(src, &a, &d);
	CHECK(d.nerrors == 0, "%s: %d errors", path, d.nerrors);
	size_t n1, n2;
	char *f1 = fmt_program(p, &n1);
	Source *s2 = source_from_mem(&b, path, f1, n1);
	Diags d2;
	diag_init(&d2);
	Program *q = parse_program(s2, &b, &d2);
	CHECK(d2.nerrors == 0, "%s: formatted output has %d errors", path,
	      d2.nerrors);
	CHECK(program_equal(p, q), "%s: parse(fmt(x)) != parse(x)", path);
	CHECK(q->ncomments == p->ncomments, "%s: %d comments became %d", path,
	      p->ncomments, q->ncomments);
	char *f2 = fmt_program(q, &n2);
	CHECK(n1 == n2 && memcmp(f1, f2, n1) == 0, "%s: fmt not idempotent",
	      path);
	free(f1);
	free(f2);
	diag_free(&d);
	diag_free(&d2);
	arena_free(&a);
	arena_free(&b);
}

static void test_roundtrip(void)
{
	static const char *const pats[] = {
		FWL_SRCDIR "/examples/*.fwl",
		FWL_SRCDIR "/tests/frontend/cases/*.fwl",
		FWL_SRCDIR "/tests/frontend/errors/*-ok.fwl",
		FWL_SRCDIR "/tests/fuzz/corpus/*.fwl",
	};
	int files = 0;
	for (size_t i = 0; i < sizeof pats / sizeof pats[0]; i++) {
		glob_t g;
		if (glob(pats[i], 0, NULL, &g) != 0)
			continue;
		for (size_t j = 0; j < g.gl_pathc; j++) {
			roundtrip_file(g.gl_pathv[j]);
			files++;
		}
		globfree(&g);
	}
	CHECK(files >= 20, "only %d files found", files);
}

/* Recovery keeps the good declarations and reports each bad one. */
static void test_recovery(void)
{
	Arena a = {0};
	Diags d;
	Program *p = parse_text(&a, &d,
		"let a = (1\n"
		"let b = 2\n"
		"zone z = { x,\n"
		"let c = :3\n"
		"policy p : T where\n"
		"let d = 4\n");
	CHECK_INT(d.nerrors, 3);
	CHECK_INT(p->ndecls, 3);
	CHECK(p->ndecls == 3 && strcmp(p->decls[0]->name, "b") == 0 &&
	      strcmp(p->decls[1]->name, "c") == 0 &&
	      strcmp(p->decls[2]->name, "d") == 0, "good declarations kept");
	diag_free(&d);
	arena_free(&a);
}

/* Every built-in set entry is a valid CIDR of its family. */
static void test_builtin_sets(void)
{
	int n;
	const BuiltinSet *v = builtin_sets(&n);

	CHECK(n >= 11, "%d sets", n);
	static const char *const want[] = {
		"rfc1918", "loopback4", "loopback6", "linklocal4", "linklocal6",
		"multicast4", "multicast6", "bogons4", "bogons6",
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		CHECK(builtin_set(want[i]) != NULL, "no builtin:%s", want[i]);
	CHECK(builtin_set("builtin:rfc1918") == builtin_set("rfc1918"),
	      "prefix");
	CHECK(builtin_set("rfc1919") == NULL, "unknown set");
	for (int i = 0; i < n; i++) {
		for (int j = 0; j < v[i].n; j++) {
			IPAddr ip;
			bool ok = ip_parse(v[i].cidrs[j], &ip);
			CHECK(ok && ip.family == v[i].family, "%s: %s", v[i].name,
			      v[i].cidrs[j]);
		}
	}
	IPAddr ip;
	CHECK(!ip_parse("10.0.0.1/8", &ip), "host bits refused");
	CHECK(ip_parse("10.0.0.1", &ip) && ip.prefix == 32, "plain address");
}

int main(void)
{
	RUN(test_builtin_sets);
	RUN(test_ipv6_forms);
	RUN(test_ipv6_bad);
	RUN(test_ipv4_and_cidr);
	RUN(test_other_literals);
	RUN(test_slice_ast);
	RUN(test_depth_limit);
	RUN(test_recovery);
	RUN(test_roundtrip);
	return check_done();
}
