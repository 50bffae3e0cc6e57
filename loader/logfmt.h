/* SPDX-License-Identifier: MIT */
/*
 * loader/logfmt.h - the message of a log record from its template.
 *
 * fwlc compiles `Log.emit(L, "listed: " ++ show ip.src)` to the template
 * "listed: {src}" (manifest.json log_prefixes); a record (maps/events.h)
 * carries the packet's addresses and ports, so the reader fills in
 * {src} {dst} (addresses) and {sport} {dport} (":N", as show prints a
 * port).  "{{" is a literal "{".  fwld's log lines and `fwlc test
 * --backend bpf` use the same function.
 */
#ifndef FWL_LOADER_LOGFMT_H
#define FWL_LOADER_LOGFMT_H

#include <stddef.h>

#include "maps/events.h"

/* The message of record e under template tmpl, into out (always ended). */
void fwl_log_format(const char *tmpl, const struct fwl_event *e, char *out,
		    size_t size);

#endif
