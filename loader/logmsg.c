// SPDX-License-Identifier: MIT
/* logmsg.c - Log.emit messages from their templates, see logmsg.h. */
#include "loader/logmsg.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "maps/events.h"

/* ICMP / ICMPv6 types by name, as the interpreter shows them (an IcmpType
 * value); other types are shown as numbers. */
static const struct {
	const char *name;
	int v4, v6;
} icmp_types[] = {
	{ "EchoReply", 0, 129 },
	{ "DestUnreachable", 3, 1 },
	{ "Redirect", 5, 137 },
	{ "EchoRequest", 8, 128 },
	{ "TimeExceeded", 11, 3 },
	{ "ParameterProblem", 12, 4 },
	{ "PacketTooBig", -1, 2 },
	{ "RouterSolicitation", 10, 133 },
	{ "RouterAdvertisement", 9, 134 },
	{ "NeighborSolicitation", -1, 135 },
	{ "NeighborAdvertisement", -1, 136 },
};

static const char *const tcp_flags[] = { "Fin", "Syn", "Rst", "Psh",
					 "Ack", "Urg", "Ece", "Cwr" };

/* {proto} {flags} {itype} {icode}: formatted as the interpreter's show of
 * the value (a Protocol, a Set<TcpFlag>, an IcmpType or number, a
 * number). */
static const char *value_of_l4(const char *name, size_t len,
			       const struct fwl_event *ev, char *v,
			       size_t size)
{
	int six = ev->l4 == 58;	/* ICMPv6: its types' names */
	if (len == 5 && !strncmp(name, "proto", 5)) {
		snprintf(v, size, "%s", ev->l4 == 6 ? "tcp" : ev->l4 == 17 ?
			 "udp" : ev->l4 == 1 ? "icmp" : ev->l4 == 58 ?
			 "icmpv6" : "proto");
		return v;
	}
	if (len == 5 && !strncmp(name, "flags", 5)) {
		size_t n = (size_t)snprintf(v, size, "{");
		for (int i = 0, k = 0; i < 8 && n < size; i++)
			if (ev->tcp_flags & (1 << i))
				n += (size_t)snprintf(v + n, size - n, "%s%s",
						      k++ ? ", " : "",
						      tcp_flags[i]);
		if (n < size)
			snprintf(v + n, size - n, "}");
		return v;
	}
	if (len == 5 && !strncmp(name, "itype", 5)) {
		snprintf(v, size, "%u", ev->icmp_type);
		for (size_t i = 0; i < sizeof(icmp_types) / sizeof(icmp_types[0]);
		     i++)
			if ((six ? icmp_types[i].v6 : icmp_types[i].v4) ==
			    ev->icmp_type)
				snprintf(v, size, "%s", icmp_types[i].name);
		return v;
	}
	if (len == 5 && !strncmp(name, "icode", 5)) {
		snprintf(v, size, "%u", ev->icmp_code);
		return v;
	}
	/* version 2: {ttl} {tos} {dscp} {vlan0} {vlan1} */
	if (ev->version < 2)
		return NULL;
	if (len == 3 && (!strncmp(name, "ttl", 3) || !strncmp(name, "tos", 3))) {
		snprintf(v, size, "%u", name[1] == 't' ? ev->ttl : ev->tos);
		return v;
	}
	if (len == 4 && !strncmp(name, "dscp", 4)) {
		snprintf(v, size, "%u", ev->tos >> 2);
		return v;
	}
	if (len == 5 && !strncmp(name, "vlan", 4) &&
	    (name[4] == '0' || name[4] == '1')) {
		snprintf(v, size, "%u", ev->vlan[name[4] - '0']);
		return v;
	}
	return NULL;
}

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
	return value_of_l4(name, len, ev, v, size);
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
