// SPDX-License-Identifier: MIT
/* feed_watch.c - re-read feed files on inotify events and on an interval,
 * see feed.h and docs/feeds.md. */
#include "loader/feed.h"
#include "loader/feed_int.h"
#include "loader/log.h"
#include "loader/metrics.h"
#include "loader/strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

struct feed_src {
	struct feed_status st;
	char *name, *path, *base;	/* base: the file name in its dir */
	int fd4, fd6, wd;
	uint32_t tag;
	unsigned interval;
	struct feed_limits lim;
	double next_due;		/* monotonic seconds */
	struct stat sig;		/* the file as of the last update */
	bool have_sig, dirty;
};

struct feed_watch {
	int epfd, ifd, tfd;
	struct feed_src **v;
	size_t n, cap;
};

static double mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct feed_watch *feed_watch_new(char *err, size_t errlen)
{
	struct feed_watch *w = calloc(1, sizeof(*w));
	struct epoll_event ev = { .events = EPOLLIN };
	if (!w) {
		feed_err(err, errlen, "out of memory");
		return NULL;
	}
	w->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	w->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (w->ifd < 0 || w->tfd < 0 || w->epfd < 0)
		goto fail;
	ev.data.fd = w->ifd;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->ifd, &ev))
		goto fail;
	ev.data.fd = w->tfd;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->tfd, &ev))
		goto fail;
	return w;
fail:
	feed_err(err, errlen, "cannot set up the feed watcher: %s",
		strerror(errno));
	feed_watch_free(w);
	return NULL;
}

static void src_free(struct feed_src *f)
{
	if (f->fd4 >= 0)
		close(f->fd4);
	if (f->fd6 >= 0)
		close(f->fd6);
	free(f->name);
	free(f->path);
	free(f);
}

void feed_watch_free(struct feed_watch *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n; i++)
		src_free(w->v[i]);
	free(w->v);
	if (w->epfd >= 0)
		close(w->epfd);
	if (w->ifd >= 0)
		close(w->ifd);
	if (w->tfd >= 0)
		close(w->tfd);
	free(w);
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	       a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	       a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* Read and apply f's file.  Unless forced, a file whose inode, size and
 * times are those of the last successful update is not read again. */
static int src_update(struct feed_src *f, bool force, char *err,
		      size_t errlen)
{
	struct feed_set s;
	struct feed_apply_stats st;
	struct stat sb;
	char e[512];
	double t0 = mono_now();
	int r;

	f->st.last_attempt = time(NULL);
	if (stat(f->path, &sb)) {
		r = -errno;
		snprintf(e, sizeof(e), "%s: cannot open: %s", f->path,
			 strerror(errno));
		goto fail;
	}
	if (!force && f->have_sig && same_file(&sb, &f->sig))
		return 0;
	if ((r = feed_parse_file(f->path, &f->lim, &s, e, sizeof(e))))
		goto fail;
	r = feed_apply(f->fd4, f->fd6, &s, f->tag, NULL, NULL, &st, e,
		       sizeof(e));
	if (r) {
		char tmp[512];
		snprintf(tmp, sizeof(tmp), "%s", e);
		feed_err(e, sizeof(e), "%s: %s", f->path, tmp);
		feed_set_free(&s);
		goto fail;
	}
	f->sig = sb;
	f->have_sig = true;
	f->st.ok = true;
	f->st.last_error[0] = 0;
	f->st.updates++;
	f->st.last_update = time(NULL);
	f->st.entries = s.n;
	f->st.entries4 = s.n4;
	f->st.entries6 = s.n - s.n4;
	f->st.last_duration = mono_now() - t0;
	log_info("feed %s: %zu prefixes from %s (+%zu ~%zu -%zu) in %.0f ms",
		 f->name, s.n, f->path, st.added, st.updated, st.removed,
		 f->st.last_duration * 1e3);
	feed_set_free(&s);
	return 0;
fail:
	f->st.ok = false;
	f->st.failures++;
	snprintf(f->st.last_error, sizeof(f->st.last_error), "%s", e);
	log_err("feed %s: update rejected, keeping the previous %zu "
		"prefixes: %s", f->name, f->st.entries, e);
	feed_err(err, errlen, "%s", e);
	return r;
}

static void arm_timer(struct feed_watch *w)
{
	struct itimerspec its = { 0 };
	double due = 0;
	for (size_t i = 0; i < w->n; i++)
		if (!due || w->v[i]->next_due < due)
			due = w->v[i]->next_due;
	if (due) {
		its.it_value.tv_sec = (time_t)due;
		its.it_value.tv_nsec = (long)((due - (time_t)due) * 1e9);
		if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
			its.it_value.tv_nsec = 1;
	}
	timerfd_settime(w->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static struct feed_src *find_src(const struct feed_watch *w,
				 const char *name, size_t *idx)
{
	for (size_t i = 0; i < w->n; i++) {
		if (!strcmp(w->v[i]->name, name)) {
			if (idx)
				*idx = i;
			return w->v[i];
		}
	}
	return NULL;
}

/* Watch f's directory: replacing the file by rename changes its inode,
 * which a watch on the file itself would not follow. */
static int watch_dir(struct feed_watch *w, struct feed_src *f, char *err,
		     size_t errlen)
{
	char dir[4096];
	size_t dl = f->base - f->path;
	if (dl == 0)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(dl > 1 ? dl - 1 : 1),
			 f->path);
	f->wd = inotify_add_watch(w->ifd, dir, IN_CLOSE_WRITE | IN_MOVED_TO |
				  IN_CREATE);
	if (f->wd < 0) {
		int r = -errno;
		feed_err(err, errlen, "feed '%s': cannot watch %s: %s", f->name,
			dir, strerror(errno));
		return r;
	}
	return 0;
}

int feed_watch_add(struct feed_watch *w, const struct feed_config *cfg,
		   char *err, size_t errlen)
{
	struct feed_src *f;
	int r;

	if (!cfg->name || !cfg->path || !*cfg->path) {
		feed_err(err, errlen, "a feed needs a name and a file");
		return -EINVAL;
	}
	if (find_src(w, cfg->name, NULL)) {
		feed_err(err, errlen, "feed '%s' is already watched", cfg->name);
		return -EEXIST;
	}
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 8;
		void *v = realloc(w->v, cap * sizeof(*w->v));
		if (!v)
			goto nomem;
		w->v = v;
		w->cap = cap;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		goto nomem;
	f->fd4 = f->fd6 = -1;
	f->name = strdup(cfg->name);
	f->path = strdup(cfg->path);
	if ((cfg->fd4 >= 0 && (f->fd4 = fcntl(cfg->fd4, F_DUPFD_CLOEXEC, 3)) < 0) ||
	    (cfg->fd6 >= 0 && (f->fd6 = fcntl(cfg->fd6, F_DUPFD_CLOEXEC, 3)) < 0) ||
	    !f->name || !f->path) {
		src_free(f);
		goto nomem;
	}
	f->st.name = f->name;
	f->st.path = f->path;
	f->tag = cfg->tag;
	f->lim = cfg->limits;
	f->interval = cfg->interval ? cfg->interval : FEED_DEFAULT_INTERVAL;
	f->base = strrchr(f->path, '/') ? strrchr(f->path, '/') + 1 : f->path;
	if ((r = watch_dir(w, f, err, errlen))) {
		src_free(f);
		return r;
	}
	w->v[w->n++] = f;
	r = src_update(f, true, err, errlen);
	f->next_due = mono_now() + f->interval;
	arm_timer(w);
	return r;
nomem:
	feed_err(err, errlen, "out of memory adding feed '%s'", cfg->name);
	return -ENOMEM;
}

int feed_watch_remove(struct feed_watch *w, const char *name)
{
	size_t i;
	struct feed_src *f = find_src(w, name, &i);
	bool shared = false;
	if (!f)
		return -ENOENT;
	for (size_t k = 0; k < w->n; k++)
		if (k != i && w->v[k]->wd == f->wd)
			shared = true;
	if (!shared && f->wd >= 0)
		inotify_rm_watch(w->ifd, f->wd);
	src_free(f);
	memmove(&w->v[i], &w->v[i + 1], (w->n - i - 1) * sizeof(*w->v));
	w->n--;
	arm_timer(w);
	return 0;
}

int feed_watch_set_maps(struct feed_watch *w, const char *name, int fd4,
			int fd6, char *err, size_t errlen)
{
	struct feed_src *f = find_src(w, name, NULL);
	struct feed_set s;
	int n4 = -1, n6 = -1, r;

	if (!f) {
		feed_err(err, errlen, "no feed named '%s'", name);
		return -ENOENT;
	}
	if ((r = feed_read_maps(f->fd4, f->fd6, &s, err, errlen)))
		return r;
	r = feed_apply(fd4, fd6, &s, f->tag, NULL, NULL, NULL, err, errlen);
	feed_set_free(&s);
	if (r)
		return r;
	if ((fd4 >= 0 && (n4 = fcntl(fd4, F_DUPFD_CLOEXEC, 3)) < 0) ||
	    (fd6 >= 0 && (n6 = fcntl(fd6, F_DUPFD_CLOEXEC, 3)) < 0)) {
		r = -errno;
		feed_err(err, errlen, "feed '%s': %s", name, strerror(errno));
		if (n4 >= 0)
			close(n4);
		return r;
	}
	if (f->fd4 >= 0)
		close(f->fd4);
	if (f->fd6 >= 0)
		close(f->fd6);
	f->fd4 = n4;
	f->fd6 = n6;
	return 0;
}

void feed_watch_json(const struct feed_watch *w, struct strbuf *out)
{
	sb_printf(out, "[");
	for (size_t i = 0; i < w->n; i++) {
		const struct feed_status *st = &w->v[i]->st;
		char when[32] = "";
		struct tm tm;
		if (st->last_update && gmtime_r(&st->last_update, &tm))
			strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		sb_printf(out, "%s{\"name\": ", i ? ", " : "");
		sb_json_str(out, st->name);
		sb_printf(out, ", \"path\": ");
		sb_json_str(out, st->path);
		sb_printf(out, ", \"entries\": %zu, \"ipv4\": %zu, \"ipv6\": "
			  "%zu, \"updates\": %llu, \"failures\": %llu, "
			  "\"ok\": %s, \"last_update\": ", st->entries,
			  st->entries4, st->entries6,
			  (unsigned long long)st->updates,
			  (unsigned long long)st->failures,
			  st->ok ? "true" : "false");
		if (when[0])
			sb_json_str(out, when);
		else
			sb_printf(out, "null");
		sb_printf(out, ", \"last_error\": ");
		sb_json_str(out, st->last_error);
		sb_printf(out, "}");
	}
	sb_printf(out, "]");
}

int feed_watch_fd(const struct feed_watch *w)
{
	return w->epfd;
}

/* Mark the feeds named by the queued inotify events. */
static void drain_inotify(struct feed_watch *w)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	for (;;) {
		ssize_t n = read(w->ifd, buf, sizeof(buf));
		if (n <= 0)
			return;
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *ev = (struct inotify_event *)p;
			for (size_t i = 0; i < w->n; i++) {
				struct feed_src *f = w->v[i];
				/* The directory went away: the interval
				 * watches it again once it is back. */
				if ((ev->mask & IN_IGNORED) && ev->wd == f->wd)
					f->wd = -1;
				if ((ev->mask & IN_Q_OVERFLOW) ||
				    (ev->wd == f->wd && ev->len &&
				     !strcmp(ev->name, f->base)))
					f->dirty = true;
			}
			p += sizeof(*ev) + ev->len;
		}
	}
}

int feed_watch_dispatch(struct feed_watch *w)
{
	uint64_t ticks;
	double now;
	int count = 0;

	drain_inotify(w);
	while (read(w->tfd, &ticks, sizeof(ticks)) > 0)
		;
	now = mono_now();
	for (size_t i = 0; i < w->n; i++) {
		struct feed_src *f = w->v[i];
		bool due = now >= f->next_due;
		if (!f->dirty && !due)
			continue;
		if (f->wd < 0)
			watch_dir(w, f, NULL, 0);
		/* An event forces a read; the interval only reads a file
		 * that looks changed (or whose last update failed). */
		src_update(f, f->dirty, NULL, 0);
		f->dirty = false;
		f->next_due = now + f->interval;
		count++;
	}
	arm_timer(w);
	return count;
}

int feed_watch_reload(struct feed_watch *w, const char *name, char *err,
		      size_t errlen)
{
	struct feed_src *f = find_src(w, name, NULL);
	if (!f) {
		feed_err(err, errlen, "no feed named '%s'", name);
		return -ENOENT;
	}
	return src_update(f, true, err, errlen);
}

size_t feed_watch_count(const struct feed_watch *w)
{
	return w->n;
}

const struct feed_status *feed_watch_status(const struct feed_watch *w,
					    size_t i)
{
	return i < w->n ? &w->v[i]->st : NULL;
}

void feed_watch_metrics(const struct feed_watch *w, struct metrics_out *out)
{
	size_t i;
	metrics_family(out, "fwl_feed_entries", METRICS_GAUGE,
		       "Prefixes of a threat feed now in its maps.");
	for (i = 0; i < w->n; i++) {
		metrics_sample_u(out, "fwl_feed_entries", w->v[i]->st.entries4,
				 "feed", w->v[i]->name, "family", "ipv4", NULL);
		metrics_sample_u(out, "fwl_feed_entries", w->v[i]->st.entries6,
				 "feed", w->v[i]->name, "family", "ipv6", NULL);
	}
	metrics_family(out, "fwl_feed_last_update_timestamp_seconds",
		       METRICS_GAUGE,
		       "Unix time of the last update applied (0: never).");
	for (i = 0; i < w->n; i++)
		metrics_sample_u(out, "fwl_feed_last_update_timestamp_seconds",
				 w->v[i]->st.last_update, "feed",
				 w->v[i]->name, NULL);
	metrics_family(out, "fwl_feed_last_update_duration_seconds",
		       METRICS_GAUGE,
		       "Time to read, validate and apply the last update.");
	for (i = 0; i < w->n; i++)
		metrics_sample(out, "fwl_feed_last_update_duration_seconds",
			       w->v[i]->st.last_duration, "feed",
			       w->v[i]->name, NULL);
	metrics_family(out, "fwl_feed_updates_total", METRICS_COUNTER,
		       "Feed updates applied.");
	for (i = 0; i < w->n; i++)
		metrics_sample_u(out, "fwl_feed_updates_total",
				 w->v[i]->st.updates, "feed", w->v[i]->name,
				 NULL);
	metrics_family(out, "fwl_feed_update_failures_total", METRICS_COUNTER,
		       "Feed updates rejected (bad file) or failed (kernel).");
	for (i = 0; i < w->n; i++)
		metrics_sample_u(out, "fwl_feed_update_failures_total",
				 w->v[i]->st.failures, "feed", w->v[i]->name,
				 NULL);
	metrics_family(out, "fwl_feed_ok", METRICS_GAUGE,
		       "1 if the feed's last read succeeded, else 0.");
	for (i = 0; i < w->n; i++)
		metrics_sample_u(out, "fwl_feed_ok", w->v[i]->st.ok, "feed",
				 w->v[i]->name, NULL);
}
