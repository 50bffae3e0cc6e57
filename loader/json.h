/* SPDX-License-Identifier: MIT */
/*
 * json.h - a small JSON reader for bundle manifests and control messages.
 *
 * json_parse() builds a tree of struct json nodes in one allocation owned by
 * the returned root; json_free() releases all of it.  Strings are unescaped
 * (\uXXXX to UTF-8).  Errors name the byte offset, line and column.
 */
#ifndef FWL_LOADER_JSON_H
#define FWL_LOADER_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

enum json_kind {
	JSON_NULL,	/* null */
	JSON_BOOL,	/* true / false */
	JSON_NUM,	/* number (kept as double and, when integral, int64) */
	JSON_STR,	/* "string" */
	JSON_ARR,	/* [ ... ] */
	JSON_OBJ,	/* { "key": value, ... } */
};

struct json {
	enum json_kind kind;
	const char *key;	/* member name when inside an object */
	struct json *next;	/* next sibling */
	struct json *child;	/* first element / member */
	const char *str;	/* JSON_STR */
	double num;		/* JSON_NUM */
	int64_t i64;		/* JSON_NUM, truncated */
	bool b;			/* JSON_BOOL */
};

/* Parse text[0..len).  On error returns NULL and writes a sentence to err. */
struct json *json_parse(const char *text, size_t len, char *err,
			size_t errlen);
void json_free(struct json *root);

/* Member `key` of an object, or NULL. */
const struct json *json_get(const struct json *obj, const char *key);
/* Typed accessors: return def when missing or of another kind. */
const char *json_str(const struct json *obj, const char *key, const char *def);
int64_t json_int(const struct json *obj, const char *key, int64_t def);
size_t json_len(const struct json *arr);

#endif
