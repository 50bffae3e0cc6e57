// SPDX-License-Identifier: MIT
/* logfmt.c - log record messages from templates, see logfmt.h. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "loader/logfmt.h"

static size_t put(char *out, size_t size, size_t o, const char *s, size_t n)
{
	while (n-- && o + 1 < size)
		out[o++] = *s++;
	return o;
}

void fwl_log_format(const char *tmpl, const struct fwl_event *e, char *out,
		    size_t size)
{
	size_t o = 0;
	char v[INET6_ADDRSTRLEN + 8];

	if (!size)
		return;
	for (const char *p = tmpl; *p && o + 1 < size; p++) {
		if (p[0] == '{' && p[1] == '{') {
			o = put(out, size, o, "{", 1);
			p++;
			continue;
		}
		const char *end = p[0] == '{' ? strchr(p, '}') : NULL;
		if (!end) {
			o = put(out, size, o, p, 1);
			continue;
		}
		size_t n = (size_t)(end - p - 1);
		int fam = e->l3 == 0x86dd ? AF_INET6 : AF_INET;
		if (n == 3 && !strncmp(p + 1, "src", 3))
			inet_ntop(fam, e->saddr, v, sizeof(v));
		else if (n == 3 && !strncmp(p + 1, "dst", 3))
			inet_ntop(fam, e->daddr, v, sizeof(v));
		else if (n == 5 && !strncmp(p + 1, "sport", 5))
			snprintf(v, sizeof(v), ":%u", e->sport);
		else if (n == 5 && !strncmp(p + 1, "dport", 5))
			snprintf(v, sizeof(v), ":%u", e->dport);
		else
			snprintf(v, sizeof(v), "%.*s", (int)(n + 2), p);
		o = put(out, size, o, v, strlen(v));
		p = end;
	}
	out[o] = 0;
}
