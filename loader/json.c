// SPDX-License-Identifier: MIT
/* json.c - recursive-descent JSON reader (RFC 8259), see json.h. */
#include "loader/json.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_DEPTH 64

struct parser {
	const char *s, *end, *start;
	char *err;
	size_t errlen;
	int depth;
};

static void fail(struct parser *p, const char *what)
{
	int line = 1, col = 1;
	for (const char *c = p->start; c < p->s; c++) {
		if (*c == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	if (p->err && !p->err[0])
		snprintf(p->err, p->errlen, "%d:%d (byte %zu): %s", line, col,
			 (size_t)(p->s - p->start), what);
}

static void skip_ws(struct parser *p)
{
	while (p->s < p->end &&
	       (*p->s == ' ' || *p->s == '\t' || *p->s == '\n' || *p->s == '\r'))
		p->s++;
}

static struct json *node(enum json_kind kind)
{
	struct json *j = calloc(1, sizeof(*j));
	if (j)
		j->kind = kind;
	return j;
}

static int hex4(struct parser *p, unsigned *out)
{
	unsigned v = 0;
	if (p->end - p->s < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		char c = *p->s++;
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	*out = v;
	return 0;
}

static size_t put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = 0xc0 | (cp >> 6);
		o[1] = 0x80 | (cp & 0x3f);
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = 0xe0 | (cp >> 12);
		o[1] = 0x80 | ((cp >> 6) & 0x3f);
		o[2] = 0x80 | (cp & 0x3f);
		return 3;
	}
	o[0] = 0xf0 | (cp >> 18);
	o[1] = 0x80 | ((cp >> 12) & 0x3f);
	o[2] = 0x80 | ((cp >> 6) & 0x3f);
	o[3] = 0x80 | (cp & 0x3f);
	return 4;
}

/* string = '"' chars '"' ; returns a malloc'd, unescaped copy */
static char *parse_string(struct parser *p)
{
	const char *q = ++p->s;
	while (q < p->end && *q != '"') /* upper bound of the output size */
		q += (*q == '\\') ? 2 : 1;
	char *out = malloc((size_t)(q - p->s) * 2 + 8), *o = out;
	if (!out) {
		fail(p, "out of memory");
		return NULL;
	}
	while (p->s < p->end && *p->s != '"') {
		unsigned char c = *p->s++;
		if (c < 0x20) {
			p->s--;
			fail(p, "control character in string");
			goto bad;
		}
		if (c != '\\') {
			*o++ = c;
			continue;
		}
		if (p->s >= p->end)
			break;
		c = *p->s++;
		switch (c) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '/': *o++ = '/'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u': {
			unsigned cp, lo;
			if (hex4(p, &cp)) {
				fail(p, "bad \\u escape");
				goto bad;
			}
			if (cp >= 0xd800 && cp < 0xdc00 && p->end - p->s >= 6 &&
			    p->s[0] == '\\' && p->s[1] == 'u') {
				p->s += 2;
				if (hex4(p, &lo) || lo < 0xdc00 || lo > 0xdfff) {
					fail(p, "bad surrogate pair");
					goto bad;
				}
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			}
			o += put_utf8(o, cp);
			break;
		}
		default:
			p->s--;
			fail(p, "bad escape in string");
			goto bad;
		}
	}
	if (p->s >= p->end) {
		fail(p, "unterminated string");
		goto bad;
	}
	p->s++;
	*o = 0;
	return out;
bad:
	free(out);
	return NULL;
}

static struct json *parse_value(struct parser *p);

static int expect_lit(struct parser *p, const char *lit)
{
	size_t n = strlen(lit);
	if ((size_t)(p->end - p->s) < n || memcmp(p->s, lit, n)) {
		fail(p, "unexpected token");
		return -1;
	}
	p->s += n;
	return 0;
}

/* container = '[' [value (',' value)*] ']' | '{' [member (',' member)*] '}' */
static struct json *parse_container(struct parser *p, bool obj)
{
	char close = obj ? '}' : ']';
	struct json *j = node(obj ? JSON_OBJ : JSON_ARR), **tail;
	if (!j)
		return NULL;
	if (++p->depth > JSON_MAX_DEPTH) {
		fail(p, "nesting deeper than 64");
		goto bad;
	}
	tail = &j->child;
	p->s++;
	skip_ws(p);
	if (p->s < p->end && *p->s == close) {
		p->s++;
		p->depth--;
		return j;
	}
	for (;;) {
		char *key = NULL;
		skip_ws(p);
		if (obj) {
			if (p->s >= p->end || *p->s != '"') {
				fail(p, "expected a member name");
				goto bad;
			}
			if (!(key = parse_string(p)))
				goto bad;
			skip_ws(p);
			if (p->s >= p->end || *p->s != ':') {
				free(key);
				fail(p, "expected ':'");
				goto bad;
			}
			p->s++;
		}
		struct json *v = parse_value(p);
		if (!v) {
			free(key);
			goto bad;
		}
		v->key = key;
		*tail = v;
		tail = &v->next;
		skip_ws(p);
		if (p->s < p->end && *p->s == ',') {
			p->s++;
			continue;
		}
		if (p->s < p->end && *p->s == close) {
			p->s++;
			p->depth--;
			return j;
		}
		fail(p, obj ? "expected ',' or '}'" : "expected ',' or ']'");
		goto bad;
	}
bad:
	json_free(j);
	return NULL;
}

/* value = object | array | string | number | true | false | null */
static struct json *parse_value(struct parser *p)
{
	struct json *j;
	skip_ws(p);
	if (p->s >= p->end) {
		fail(p, "unexpected end of input");
		return NULL;
	}
	switch (*p->s) {
	case '{':
		return parse_container(p, true);
	case '[':
		return parse_container(p, false);
	case '"': {
		char *s = parse_string(p);
		if (!s)
			return NULL;
		if (!(j = node(JSON_STR))) {
			free(s);
			return NULL;
		}
		j->str = s;
		return j;
	}
	case 't':
	case 'f':
		if (expect_lit(p, *p->s == 't' ? "true" : "false"))
			return NULL;
		if ((j = node(JSON_BOOL)))
			j->b = p->s[-1] == 'e' && p->s[-2] == 'u';
		return j;
	case 'n':
		if (expect_lit(p, "null"))
			return NULL;
		return node(JSON_NULL);
	default: {
		char buf[64];
		size_t n = 0;
		while (p->s + n < p->end && n < sizeof(buf) - 1 &&
		       strchr("+-0123456789.eE", p->s[n]))
			n++;
		if (n == 0) {
			fail(p, "unexpected character");
			return NULL;
		}
		memcpy(buf, p->s, n);
		buf[n] = 0;
		char *e;
		errno = 0;
		double d = strtod(buf, &e);
		if (*e || errno) {
			fail(p, "bad number");
			return NULL;
		}
		p->s += n;
		if (!(j = node(JSON_NUM)))
			return NULL;
		j->num = d;
		j->i64 = strtoll(buf, NULL, 10);
		return j;
	}
	}
}

struct json *json_parse(const char *text, size_t len, char *err, size_t errlen)
{
	struct parser p = { text, text + len, text, err, errlen, 0 };
	if (err && errlen)
		err[0] = 0;
	struct json *j = parse_value(&p);
	if (!j)
		return NULL;
	skip_ws(&p);
	if (p.s != p.end) {
		fail(&p, "trailing characters after the value");
		json_free(j);
		return NULL;
	}
	return j;
}

void json_free(struct json *j)
{
	while (j) {
		struct json *next = j->next;
		json_free(j->child);
		free((char *)j->key);
		free((char *)j->str);
		free(j);
		j = next;
	}
}

const struct json *json_get(const struct json *obj, const char *key)
{
	if (!obj || obj->kind != JSON_OBJ)
		return NULL;
	for (const struct json *m = obj->child; m; m = m->next)
		if (m->key && strcmp(m->key, key) == 0)
			return m;
	return NULL;
}

const char *json_str(const struct json *obj, const char *key, const char *def)
{
	const struct json *m = json_get(obj, key);
	return m && m->kind == JSON_STR ? m->str : def;
}

int64_t json_int(const struct json *obj, const char *key, int64_t def)
{
	const struct json *m = json_get(obj, key);
	return m && m->kind == JSON_NUM ? m->i64 : def;
}

size_t json_len(const struct json *arr)
{
	size_t n = 0;
	if (arr && (arr->kind == JSON_ARR || arr->kind == JSON_OBJ))
		for (const struct json *m = arr->child; m; m = m->next)
			n++;
	return n;
}
