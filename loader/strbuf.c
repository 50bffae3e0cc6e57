// SPDX-License-Identifier: MIT
/* strbuf.c - see strbuf.h. */
#include "loader/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void sb_init(struct strbuf *sb)
{
	sb->cap = 256;
	sb->len = 0;
	sb->oom = 0;
	sb->s = malloc(sb->cap);
	if (!sb->s) {
		sb->cap = 0;
		sb->oom = 1;
		sb->s = (char *)"";
		return;
	}
	sb->s[0] = 0;
}

void sb_free(struct strbuf *sb)
{
	if (sb->cap)
		free(sb->s);
	sb->s = NULL;
	sb->cap = sb->len = 0;
}

static int grow(struct strbuf *sb, size_t need)
{
	if (sb->oom)
		return -1;
	if (sb->len + need + 1 <= sb->cap)
		return 0;
	size_t cap = sb->cap * 2;
	while (cap < sb->len + need + 1)
		cap *= 2;
	char *n = realloc(sb->s, cap);
	if (!n) {
		sb->oom = 1;
		return -1;
	}
	sb->s = n;
	sb->cap = cap;
	return 0;
}

void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || grow(sb, n))
		return;
	va_start(ap, fmt);
	vsnprintf(sb->s + sb->len, sb->cap - sb->len, fmt, ap);
	va_end(ap);
	sb->len += n;
}

void sb_json_str(struct strbuf *sb, const char *s)
{
	sb_printf(sb, "\"");
	for (; s && *s; s++) {
		unsigned char c = *s;
		if (c == '"' || c == '\\')
			sb_printf(sb, "\\%c", c);
		else if (c == '\n')
			sb_printf(sb, "\\n");
		else if (c == '\t')
			sb_printf(sb, "\\t");
		else if (c < 0x20)
			sb_printf(sb, "\\u%04x", c);
		else
			sb_printf(sb, "%c", c);
	}
	sb_printf(sb, "\"");
}
