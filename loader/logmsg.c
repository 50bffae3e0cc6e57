// SPDX-License-Identifier: MIT
/* logmsg.c - Log.emit messages from their templates, see logmsg.h. */
#include "loader/logmsg.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "maps/events.h"

/* The value of placeholder name (len bytes) in ev, or NULL. */
static const char *value_of(const char *name, size_t len,
			    const struct fwl_event *ev, char *v, size_t size)
{
	int fam = ev->l3 == 0x86dd ? AF_INET6 : AF_INET;
	if (len == 3 && !strncmp(name, "src", 3))
		return inet_ntop(fam, ev->saddr, v, (socklen_t)size);
	if (len == 3 && !strncmp(name, "dst", 3))
		return inet_ntop(fam, ev->daddr, v, (socklen_t)size);
	if (len == 5 && (!strncmp(name, "sport", 5) ||
			 !strncmp(name, "dport", 5))) {
		snprintf(v, size, ":%u", name[0] == 's' ? ev->sport : ev->dport);
		return v;
	}
	return NULL;
}

char *log_msg_format(const char *tmpl, const struct fwl_event *ev, char *buf,
		     size_t size)
{
	size_t n = 0;
	char v[64];

	if (!size)
		return buf;
	for (const char *c = tmpl ? tmpl : ""; *c && n + 1 < size; c++) {
		const char *end = c[0] == '{' && c[1] != '{' ? strchr(c, '}')
							      : NULL;
		const char *val = end ? value_of(c + 1, (size_t)(end - c - 1),
						 ev, v, sizeof(v))
				      : NULL;
		if (val) {
			n += (size_t)snprintf(buf + n, size - n, "%s", val);
			if (n >= size)
				n = size - 1;
			c = end;
			continue;
		}
		if ((c[0] == '{' || c[0] == '}') && c[1] == c[0])
			c++;	/* a doubled brace is one */
		buf[n++] = *c;
	}
	buf[n] = 0;
	return buf;
}

char *log_msg_prefix(const char *tmpl, char *buf, size_t size)
{
	size_t n = 0;

	if (!size)
		return buf;
	for (const char *c = tmpl ? tmpl : ""; *c && n + 1 < size; c++) {
		if (*c == '{' && c[1] != '{')
			break;
		if ((*c == '{' || *c == '}') && c[1] == *c)
			c++;
		buf[n++] = *c;
	}
	buf[n] = 0;
	return buf;
}
