// SPDX-License-Identifier: MIT
/* feedctl.c - fwld's `feed ...` control requests, see feedctl.h. */
#include "loader/feedctl.h"
#include "loader/feed.h"
#include "loader/strbuf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void reply_error(struct strbuf *out, const char *msg)
{
	sb_printf(out, "{\"ok\": false, \"error\": ");
	sb_json_str(out, msg);
	sb_printf(out, "}\n");
}

/* The prefixes of a request: "--file PATH" or PREFIX..., validated whole.
 * Each prefix is checked alone so the error names it and its position. */
static int parse_prefixes(char *args, const char *what, struct feed_set *s,
			  char *err, size_t errlen)
{
	struct feed_limits lim = { 0 };
	struct strbuf text;
	char *save = NULL, *tok, e[512];
	int k = 0, r = 0;

	memset(s, 0, sizeof(*s));
	if (!strncmp(args, "--file ", 7)) {
		if ((r = feed_parse_file(args + 7, &lim, s, e, sizeof(e))))
			snprintf(err, errlen, "%s: %s; nothing was changed",
				 what, e);
		return r;
	}
	sb_init(&text);
	for (tok = strtok_r(args, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		struct feed_set one;
		int bad;
		k++;
		bad = feed_parse_buf("", tok, strlen(tok), &lim, &one, e,
				     sizeof(e));
		if (bad || one.n != 1) {
			const char *why = strncmp(e, ":1: ", 4) ? e : e + 4;
			snprintf(err, errlen, "%s: prefix %d '%.64s': %s; "
				 "nothing was changed", what, k, tok,
				 bad ? why : "not a prefix");
			feed_set_free(&one);
			sb_free(&text);
			return -EINVAL;
		}
		feed_set_free(&one);
		sb_printf(&text, "%s\n", tok);
	}
	if (!k) {
		snprintf(err, errlen, "%s: give the prefixes, or --file FILE",
			 what);
		sb_free(&text);
		return -EINVAL;
	}
	r = feed_parse_buf(what, text.s, text.len, &lim, s, e, sizeof(e));
	if (r)
		snprintf(err, errlen, "%s", e);
	sb_free(&text);
	return r;
}

void feedctl_request(struct feed_watch *w, const char *req,
		     struct strbuf *out)
{
	static const char *const ops[] = { "add", "del", "replace" };
	char buf[4200], what[160], err[1024], *op, *name, *args, *save = NULL;
	struct feed_set s;

	snprintf(buf, sizeof(buf), "%s", req);
	strtok_r(buf, " ", &save);	/* "feed" */
	op = strtok_r(NULL, " ", &save);
	if (!op || !strcmp(op, "list")) {
		sb_printf(out, "{\"ok\": true, \"feeds\": ");
		if (w)
			feed_watch_json(w, out);
		else
			sb_printf(out, "[]");
		sb_printf(out, "}\n");
		return;
	}
	int k;
	for (k = 0; k < 3 && strcmp(op, ops[k]); k++)
		;
	if (k == 3) {
		snprintf(err, sizeof(err), "unknown feed request '%.32s' "
			 "(known: list, add, del, replace)", op);
		reply_error(out, err);
		return;
	}
	name = strtok_r(NULL, " ", &save);
	args = save ? save : (char *)"";
	while (*args == ' ')
		args++;
	if (!name) {
		snprintf(err, sizeof(err), "feed %s: which feed? (feed %s NAME "
			 "PREFIX... | --file FILE)", op, op);
		reply_error(out, err);
		return;
	}
	if (!w || !feed_watch_has_name(w, name)) {
		snprintf(err, sizeof(err), "feed %s: the active policy has no "
			 "feed named '%.64s'", op, name);
		reply_error(out, err);
		return;
	}
	snprintf(what, sizeof(what), "feed %s %.64s", op, name);
	if (parse_prefixes(args, what, &s, err, sizeof(err))) {
		reply_error(out, err);
		return;
	}
	if (feed_watch_edit(w, name, (enum feed_edit)k, &s, err, sizeof(err))) {
		reply_error(out, err);
	} else {
		const struct feed_status *st = NULL;
		for (size_t i = 0; i < feed_watch_count(w); i++)
			if (!strcmp(feed_watch_status(w, i)->name, name))
				st = feed_watch_status(w, i);
		sb_printf(out, "{\"ok\": true, \"feed\": ");
		sb_json_str(out, name);
		sb_printf(out, ", \"op\": \"%s\", \"prefixes\": %zu, "
			  "\"entries\": %zu, \"overlay_add\": %zu, "
			  "\"overlay_del\": %zu}\n", ops[k], s.n,
			  st ? st->entries : 0, st ? st->overlay_add : 0,
			  st ? st->overlay_del : 0);
	}
	feed_set_free(&s);
}
