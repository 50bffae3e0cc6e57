// SPDX-License-Identifier: MIT
/* builtin.c - the well-known address sets (see builtin.h). */
#include "fwlc/builtin.h"

#include <string.h>

#define SET(nm, fam, doc, ...)                                          \
	{                                                               \
		nm, fam, (const char *const[]){__VA_ARGS__},            \
		sizeof((const char *const[]){__VA_ARGS__}) /            \
			sizeof(const char *),                           \
		doc                                                     \
	}

static const BuiltinSet sets[] = {
	SET("rfc1918", 4, "private IPv4 networks (RFC 1918)",
	    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"),
	SET("loopback4", 4, "IPv4 loopback", "127.0.0.0/8"),
	SET("loopback6", 6, "IPv6 loopback", "::1/128"),
	SET("linklocal4", 4, "IPv4 link-local (RFC 3927)", "169.254.0.0/16"),
	SET("linklocal6", 6, "IPv6 link-local unicast", "fe80::/10"),
	SET("multicast4", 4, "IPv4 multicast", "224.0.0.0/4"),
	SET("multicast6", 6, "IPv6 multicast", "ff00::/8"),
	SET("cgnat", 4, "shared address space for carrier-grade NAT (RFC 6598)",
	    "100.64.0.0/10"),
	SET("ula6", 6, "IPv6 unique local addresses (RFC 4193)", "fc00::/7"),
	SET("documentation4", 4, "IPv4 documentation ranges (RFC 5737)",
	    "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"),
	SET("documentation6", 6, "IPv6 documentation ranges (RFC 3849, 9637)",
	    "2001:db8::/32", "3fff::/20"),
	SET("bogons4", 4, "IPv4 addresses never valid as a public source",
	    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8",
	    "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24",
	    "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
	    "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4"),
	SET("bogons6", 6, "IPv6 addresses never valid as a public source",
	    "::/128", "::1/128", "::ffff:0:0/96", "::/96", "100::/64",
	    "2001:10::/28", "2001:db8::/32", "3fff::/20", "fc00::/7",
	    "fe80::/10", "fec0::/10", "ff00::/8"),
};

const BuiltinSet *builtin_set(const char *name)
{
	if (strncmp(name, "builtin:", 8) == 0)
		name += 8;
	for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++)
		if (strcmp(sets[i].name, name) == 0)
			return &sets[i];
	return NULL;
}

const BuiltinSet *builtin_sets(int *n)
{
	*n = (int)(sizeof sets / sizeof sets[0]);
	return sets;
}
