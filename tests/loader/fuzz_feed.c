// SPDX-License-Identifier: MIT
/*
 * fuzz_feed.c - libFuzzer target for the threat-feed parser.
 *
 * Any input: feed_parse_buf must not crash, hang or read out of bounds.
 * When it accepts, the set's promises are checked: sorted, no duplicates,
 * IPv4 first (n4 right), prefix lengths in range, host bits zero, and
 * printing the set and parsing that again gives the same set.  When it
 * rejects, the set is empty and the message starts with "NAME:".  A broken
 * promise aborts, so libFuzzer reports it with the input.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader/feed.h"
#include "loader/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void die(const char *why, const struct feed_entry *e)
{
	char b[64];
	fprintf(stderr, "fuzz: %s%s%s\n", why, e ? ": " : "",
		e ? feed_entry_str(e, b, sizeof(b)) : "");
	abort();
}

static void check_set(const struct feed_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct feed_entry *e = &s->v[i];
		unsigned max = e->family == AF_INET ? 32 : 128;
		if (e->family != AF_INET && e->family != AF_INET6)
			die("bad family", e);
		if ((e->family == AF_INET) != (i < s->n4))
			die("n4 does not split the families", e);
		if (e->prefixlen > max)
			die("prefix too long", e);
		for (unsigned b = e->prefixlen; b < 128; b++)
			if (e->addr[b / 8] & (0x80 >> (b % 8)))
				die("host bits set", e);
		if (i && memcmp(&s->v[i - 1], e, sizeof(*e)) >= 0)
			die("not sorted or duplicate", e);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct feed_limits lim = { .max_entries = 256, .max_bytes = 1 << 16 };
	struct feed_set s, t;
	char err[512];
	struct strbuf sb;

	if (feed_parse_buf("fuzz", (const char *)data, size, &lim, &s, err,
			   sizeof(err))) {
		if (s.n || s.v)
			die("rejected but the set is not empty", NULL);
		if (strncmp(err, "fuzz:", 5))
			die("error without the file name", NULL);
		return 0;
	}
	check_set(&s);
	sb_init(&sb);
	for (size_t i = 0; i < s.n; i++) {
		char b[64];
		sb_printf(&sb, "%s\n", feed_entry_str(&s.v[i], b, sizeof(b)));
	}
	if (feed_parse_buf("again", sb.s, sb.len, &lim, &t, err, sizeof(err)))
		die(err, NULL);
	if (t.n != s.n || t.n4 != s.n4 ||
	    (s.n && memcmp(t.v, s.v, s.n * sizeof(*s.v))))
		die("printing and parsing again changed the set", NULL);
	feed_set_free(&t);
	feed_set_free(&s);
	sb_free(&sb);
	return 0;
}
