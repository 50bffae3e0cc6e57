/* SPDX-License-Identifier: MIT */
/* strbuf.h - a growable string for replies and JSON output. */
#ifndef FWL_LOADER_STRBUF_H
#define FWL_LOADER_STRBUF_H

#include <stddef.h>

struct strbuf {
	char *s;	/* NUL-terminated contents (never NULL after init) */
	size_t len;	/* bytes used, without the NUL */
	size_t cap;	/* bytes allocated */
	int oom;	/* an allocation failed: contents are truncated */
};

void sb_init(struct strbuf *sb);
void sb_free(struct strbuf *sb);
void sb_printf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Append s as a JSON string literal, quotes included. */
void sb_json_str(struct strbuf *sb, const char *s);

#endif
