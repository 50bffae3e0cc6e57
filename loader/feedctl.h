/* SPDX-License-Identifier: MIT */
/*
 * feedctl.h - the control socket's feed requests (docs/fwld.md):
 *
 *	feed list
 *	feed add|del|replace NAME PREFIX...	(or --file ABSOLUTE-PATH)
 *
 * The prefixes are validated whole (the error names the bad one and its
 * position) and applied with feed_watch_edit; the reply is one JSON line.
 */
#ifndef FWL_LOADER_FEEDCTL_H
#define FWL_LOADER_FEEDCTL_H

struct feed_watch;
struct strbuf;

/* req is the whole request line, starting with "feed"; w may be NULL (a
 * policy without feeds). */
void feedctl_request(struct feed_watch *w, const char *req,
		     struct strbuf *out);

#endif
