// SPDX-License-Identifier: MIT
/* json_test.c - the manifest/control JSON reader. */
#include "loader/json.h"
#include "loader/strbuf.h"
#include "tests/lib/check.h"

#include <stdlib.h>

static struct json *parse(const char *s, char *err)
{
	return json_parse(s, strlen(s), err, 256);
}

static void test_json_values(void)
{
	char err[256];
	struct json *j = parse("{\"a\": [1, -2.5, true, null], \"s\": "
			       "\"x\\u00e9\\n\\\"q\", \"n\": 4294967295}", err);
	CHECK(j != NULL, "parse failed: %s", err);
	if (!j)
		return;
	const struct json *a = json_get(j, "a");
	CHECK_INT(json_len(a), 4);
	CHECK_INT(a->child->i64, 1);
	CHECK(a->child->next->num == -2.5, "num %f", a->child->next->num);
	CHECK(a->child->next->next->kind == JSON_BOOL &&
		      a->child->next->next->b, "true");
	CHECK_STR(json_str(j, "s", NULL), "x\xc3\xa9\n\"q");
	CHECK_INT(json_int(j, "n", 0), 4294967295LL);
	CHECK(json_get(j, "missing") == NULL, "missing member found");
	CHECK_STR(json_str(j, "missing", "def"), "def");
	json_free(j);
}

static void test_json_errors_name_position(void)
{
	char err[256];
	CHECK(parse("{\"a\": 1,\n \"b\" 2}", err) == NULL, "accepted");
	CHECK_STR(err, "2:6 (byte 14): expected ':'");
	CHECK(parse("[1, 2", err) == NULL, "accepted unterminated");
	CHECK(strstr(err, "expected ',' or ']'") != NULL, "err %s", err);
	CHECK(parse("\"abc", err) == NULL, "accepted unterminated string");
	CHECK(strstr(err, "unterminated string") != NULL, "err %s", err);
	CHECK(parse("{} x", err) == NULL, "accepted trailing");
	CHECK(strstr(err, "trailing") != NULL, "err %s", err);
	CHECK(parse("", err) == NULL, "accepted empty");
}

static void test_json_depth_bounded(void)
{
	char err[256], deep[1001];
	memset(deep, '[', 1000);
	deep[1000] = 0;
	CHECK(parse(deep, err) == NULL, "accepted 1000 nested arrays");
	CHECK(strstr(err, "nesting deeper") != NULL, "err %s", err);
}

static void test_strbuf_json_roundtrip(void)
{
	struct strbuf sb;
	char err[256];
	sb_init(&sb);
	sb_printf(&sb, "{\"k\": ");
	sb_json_str(&sb, "tab\there \"quoted\" \\ \x01");
	sb_printf(&sb, "}");
	struct json *j = parse(sb.s, err);
	CHECK(j != NULL, "reparse failed: %s (%s)", err, sb.s);
	if (j)
		CHECK_STR(json_str(j, "k", NULL),
			  "tab\there \"quoted\" \\ \x01");
	json_free(j);
	sb_free(&sb);
}

int main(void)
{
	RUN(test_json_values);
	RUN(test_json_errors_name_position);
	RUN(test_json_depth_bounded);
	RUN(test_strbuf_json_roundtrip);
	return check_done();
}
