/* SPDX-License-Identifier: MIT */
/*
 * feed.h - ThreatFeed sources: parse a feed file, apply it to LPM tries,
 * watch it for changes (docs/feeds.md).
 *
 * Three layers, each usable alone:
 *
 *	feed_parse_file()  file → sorted, deduplicated struct feed_set;
 *	(feed.c)	   validation is whole-file: one bad line rejects it
 *	feed_apply()	   set → the two LPM tries of a feed (maps/feed.h),
 *	(feed_map.c)	   inserts first, deletes last: never empty or partial
 *	feed_watch	   many feeds, re-read on inotify events and on an
 *	(feed_watch.c)	   interval; one pollable fd for fwld's loop
 *
 * Errors are sentences in caller-provided buffers, functions return 0 or
 * -errno.  Nothing here keeps a pointer to the caller's strings.
 */
#ifndef FWL_LOADER_FEED_H
#define FWL_LOADER_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define FEED_DEFAULT_MAX_ENTRIES 2000000
#define FEED_DEFAULT_MAX_BYTES (512ull << 20)	/* decompressed input */
#define FEED_MAX_LINE 4096
#define FEED_DEFAULT_INTERVAL 300		/* seconds between re-reads */

struct metrics_out;
struct strbuf;

/* One prefix, 18 bytes; IPv4 uses addr[0..3], the rest stays zero.  The
 * field order is the sort order (feed.c compares entries with memcmp). */
struct feed_entry {
	uint8_t family;		/* AF_INET or AF_INET6 */
	uint8_t addr[16];	/* network order, host bits zero */
	uint8_t prefixlen;	/* 0..32 or 0..128 */
};

/* A validated feed: sorted (IPv4 first, then by address, then by prefix
 * length) and without duplicates.  v[0..n4) are IPv4, v[n4..n) IPv6. */
struct feed_set {
	struct feed_entry *v;
	size_t n, n4;
	size_t lines;		/* lines read */
	size_t duplicates;	/* lines dropped as exact duplicates */
	bool gzip;		/* the file was gzip-compressed */
};

struct feed_limits {
	size_t max_entries;	/* after deduplication; 0: the default */
	uint64_t max_bytes;	/* decompressed input; 0: the default */
};

/* Parse the feed at path (gzip detected by its magic).  On any error the
 * set is left empty and err says "PATH:LINE: reason" (or "PATH: reason"). */
int feed_parse_file(const char *path, const struct feed_limits *lim,
		    struct feed_set *out, char *err, size_t errlen);
/* The same over a buffer in memory; name stands for the path in errors. */
int feed_parse_buf(const char *name, const char *buf, size_t len,
		   const struct feed_limits *lim, struct feed_set *out,
		   char *err, size_t errlen);
void feed_set_free(struct feed_set *s);
/* out = a ∪ b (add) or a − b (!add), for sorted, unique sets; out is a
 * new set (free it).  0 or -ENOMEM. */
int feed_set_combine(const struct feed_set *a, const struct feed_set *b,
		     bool add, struct feed_set *out);
/* "10.0.0.0/8", "2001:db8::/32" into buf (at least 64 bytes). */
const char *feed_entry_str(const struct feed_entry *e, char *buf,
			   size_t len);

/* What feed_apply did. */
struct feed_apply_stats {
	size_t before;		/* entries in the maps before */
	size_t added;		/* keys inserted */
	size_t updated;		/* keys whose value was rewritten */
	size_t removed;		/* keys deleted */
	size_t unchanged;	/* keys already present with the same value */
};

enum feed_step {
	FEED_STEP_UPDATE,	/* a key was inserted or its value rewritten */
	FEED_STEP_DELETE,	/* a key was deleted */
	FEED_STEP_ROLLBACK,	/* a key was restored after a failure */
};

/* Called after every change to a map (tests, tracing).  Non-zero aborts
 * the update, which is then rolled back like a kernel failure. */
typedef int (*feed_step_fn)(void *arg, enum feed_step step,
			    const struct feed_entry *e);

/*
 * Make the maps fd4 (IPv4 trie) and fd6 (IPv6 trie) hold exactly set s,
 * every value {tag}.  Either fd may be -1 when s has no entry of that family
 * (a map given is emptied of entries not in s).  Order: read the maps'
 * current keys, check that old ∪ new fits each map, insert or rewrite the
 * new entries, then delete the old ones not in s.  At every instant each
 * map holds a superset of old ∩ new and a subset of old ∪ new, so a prefix
 * in both sets never misses a lookup.  On a failure the maps are restored
 * to their old contents as far as the kernel lets us and err says why.
 */
int feed_apply(int fd4, int fd6, const struct feed_set *s, uint32_t tag,
	       feed_step_fn step, void *step_arg,
	       struct feed_apply_stats *st, char *err, size_t errlen);

/* The maps' current contents as a set (sorted, IPv4 first; tags are not
 * kept).  fd4 or fd6 may be -1. */
int feed_read_maps(int fd4, int fd6, struct feed_set *out, char *err,
		   size_t errlen);

/* Create an empty LPM trie of the layout of maps/feed.h (tests, benches
 * and fwld for feeds whose map the policy does not declare). */
int feed_map_create(int family, const char *name, uint32_t max_entries,
		    char *err, size_t errlen);

/* --- Watching ----------------------------------------------------------- */

struct feed_config {
	const char *name;	/* feed (effect instance) name, for logs */
	const char *path;	/* the file; its directory is watched */
	const char *dns;	/* instead of path: a host name resolved
				 * (getaddrinfo) every interval */
	const char *state_path;	/* where the runtime overlay (feed add/del)
				 * is kept across restarts; NULL: memory */
	int fd4, fd6;		/* maps; dup'd, the caller keeps its fds */
	uint32_t tag;		/* value written into every entry */
	unsigned interval;	/* seconds between re-reads; 0: default */
	struct feed_limits limits;
};

/* Per feed, for status and metrics.  Owned by the watcher: valid until the
 * feed is removed or the watcher freed. */
struct feed_status {
	const char *name, *path;
	time_t last_update;	/* wall clock of the last applied update */
	time_t last_attempt;	/* wall clock of the last read */
	size_t entries, entries4, entries6;	/* now in the maps */
	uint64_t updates;	/* successful updates (changed or not) */
	uint64_t failures;	/* rejected files and failed applies */
	double last_duration;	/* seconds, parse + apply, last update */
	bool ok;		/* the last attempt succeeded */
	char last_error[512];	/* the last failure's sentence, or "" */
	size_t overlay_add;	/* prefixes added at run time (feed add) */
	size_t overlay_del;	/* prefixes removed at run time (feed del) */
	bool replaced;		/* contents from `feed replace` until the
				 * source changes */
	uint64_t edits;		/* runtime changes applied */
};

struct feed_watch;

struct feed_watch *feed_watch_new(char *err, size_t errlen);
/* Stop watching, close the watcher's fds (the maps stay as they are). */
void feed_watch_free(struct feed_watch *w);
/* Add a feed and load it now.  A first load that fails still adds the feed
 * (the maps stay as they were; the error is returned and in its status),
 * so a later fix of the file is picked up.  Not added: a name already
 * watched (-EEXIST) or a directory that cannot be watched (-ENOENT...).
 * Returns 0 or -errno. */
int feed_watch_add(struct feed_watch *w, const struct feed_config *cfg,
		   char *err, size_t errlen);
/* Forget feed `name` (its maps are not touched).  -ENOENT if unknown. */
int feed_watch_remove(struct feed_watch *w, const char *name);
/* Move feed `name` to other maps (a reload that did not reuse the pinned
 * feed maps): copy what the current maps hold into fd4/fd6, then write
 * into those from now on (dup'd; the old ones are closed).  Call it before
 * the links switch, so the new program never sees an empty feed; if the
 * switch fails, call it again with the old maps. */
int feed_watch_set_maps(struct feed_watch *w, const char *name, int fd4,
			int fd6, char *err, size_t errlen);
/* The fd to poll for POLLIN (an epoll fd over inotify and a timer). */
int feed_watch_fd(const struct feed_watch *w);
/* Call when the fd is readable: handles file events and due intervals.
 * It never waits for events, but a re-read runs to its end on the caller's
 * thread (parse + apply: about 1.4 s for 1,000,000 prefixes, docs/feeds.md).
 * Returns the number of feeds checked. */
int feed_watch_dispatch(struct feed_watch *w);
/* Re-read feed `name` now (fwlctl feed reload).  0, or -errno with err. */
int feed_watch_reload(struct feed_watch *w, const char *name, char *err,
		      size_t errlen);
/* Runtime changes (fwlctl feed add|del|replace, docs/feeds.md):
 *   ADD      s joins the feed and stays through later reads of its source
 *            (the overlay: it is also taken out of the removed list);
 *   DEL      s leaves the feed and stays out through later reads;
 *   REPLACE  the feed holds exactly s (the overlay is cleared) until its
 *            source next changes.
 * Validated and applied whole (feed_apply: inserts before deletes, never
 * empty); on an error nothing changes.  The overlay is saved to the feed's
 * state_path.  0, or -errno with err. */
enum feed_edit { FEED_EDIT_ADD, FEED_EDIT_DEL, FEED_EDIT_REPLACE };
int feed_watch_edit(struct feed_watch *w, const char *name, enum feed_edit op,
		    const struct feed_set *s, char *err, size_t errlen);
/* Is feed `name` watched with this source (path or DNS name)? */
bool feed_watch_has(const struct feed_watch *w, const char *name,
		    const char *path, const char *dns);
bool feed_watch_has_name(const struct feed_watch *w, const char *name);
size_t feed_watch_count(const struct feed_watch *w);
const struct feed_status *feed_watch_status(const struct feed_watch *w,
					    size_t i);
/* Append the feeds' status as a JSON array (fwlctl feed list --json):
 * [{"name", "path", "entries", "ipv4", "ipv6", "updates", "failures",
 *   "ok", "last_update" (UTC ISO 8601 or null), "last_error"}, ...] */
void feed_watch_json(const struct feed_watch *w, struct strbuf *out);
/* Write the fwl_feed_* metric families (docs/metrics.md). */
void feed_watch_metrics(const struct feed_watch *w, struct metrics_out *out);

#endif
