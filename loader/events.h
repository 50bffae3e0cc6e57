/* SPDX-License-Identifier: MIT */
/*
 * events.h - the Log effect's production handler: records from the
 * policy's ring buffer (maps/events.h) become JSON lines with the rule's
 * name and the Log.emit prefix, kept in a bounded in-memory ring for
 * `fwlctl log` and appended to a file when one is given.
 */
#ifndef FWL_LOADER_EVENTS_H
#define FWL_LOADER_EVENTS_H

#include <stdint.h>

#include "loader/bundle.h"
#include "loader/strbuf.h"

#define EVENTS_KEPT 1024	/* lines fwlctl log can fetch */

struct events;

/* Consume the ring buffer map fd (fwl_events).  file: append lines there
 * too (NULL: memory only).  syslog_path: also send each line to the syslog
 * daemon listening on that unix datagram socket ("/dev/log"; NULL: no
 * syslog), facility daemon, severity from the record's level.  NULL with
 * err on failure. */
struct events *events_new(int ringbuf_fd, const char *file,
			  const char *syslog_path, char *err, size_t errlen);
/* Records sent to syslog, and lost (no receiver, or its queue full). */
void events_syslog_stats(const struct events *ev, uint64_t *sent,
			 uint64_t *lost);
void events_free(struct events *ev);
/* The fd to poll; call events_dispatch() when it is readable. */
int events_fd(const struct events *ev);
/* Read what the data plane wrote; names come from the active bundle. */
void events_dispatch(struct events *ev, const struct bundle *b);
/* Lines with sequence number > after, as a JSON array member "events",
 * and "last": the newest sequence number. */
void events_json(const struct events *ev, uint64_t after, struct strbuf *out);

#endif
