// SPDX-License-Identifier: MIT
/* feed_watch.c - re-read feed files on inotify events and on an interval,
 * see feed.h and docs/feeds.md. */
#include "loader/feed.h"
#include "loader/feed_int.h"
#include "loader/log.h"
#include "loader/metrics.h"
#include "loader/strbuf.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
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
	char *dns;			/* a DNS name set: the name */
	char *state_path;		/* the overlay's file, or NULL */
	struct feed_set add, del;	/* the overlay (feed add / del) */
};

#define FEED_DNS_INTERVAL 60	/* seconds between resolutions */

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
	free(f->dns);
	free(f->state_path);
	feed_set_free(&f->add);
	feed_set_free(&f->del);
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

/* Resolve f's DNS name into a set of /32 and /128 prefixes.  A name
 * without addresses is an error too: a resolver hiccup must not empty the
 * set (the previous contents stay). */
static int dns_resolve(struct feed_src *f, struct feed_set *s, char *e,
		       size_t elen)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
				  .ai_socktype = SOCK_STREAM }, *res, *ai;
	struct strbuf text;
	char a[INET6_ADDRSTRLEN];
	int r = getaddrinfo(f->dns, NULL, &hints, &res);
	if (r) {
		snprintf(e, elen, "dns:%s: cannot resolve: %s", f->dns,
			 r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r));
		return r == EAI_SYSTEM ? -errno : -EHOSTUNREACH;
	}
	sb_init(&text);
	for (ai = res; ai; ai = ai->ai_next) {
		const void *p = ai->ai_family == AF_INET ?
			(const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr :
			(const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
		if ((ai->ai_family == AF_INET || ai->ai_family == AF_INET6) &&
		    inet_ntop(ai->ai_family, p, a, sizeof(a)))
			sb_printf(&text, "%s\n", a);
	}
	freeaddrinfo(res);
	char name[300];
	snprintf(name, sizeof(name), "dns:%s", f->dns);
	r = feed_parse_buf(name, text.s ? text.s : "", text.len, &f->lim, s,
			   e, elen);
	sb_free(&text);
	if (!r && s->n == 0) {
		snprintf(e, elen, "dns:%s: no addresses", f->dns);
		feed_set_free(s);
		return -EHOSTUNREACH;
	}
	return r;
}

/* What the maps must hold: the source's set with the overlay applied. */
static int with_overlay(const struct feed_src *f, struct feed_set *s,
			char *e, size_t elen)
{
	struct feed_set t, u;
	if (!f->add.n && !f->del.n)
		return 0;
	if (feed_set_combine(s, &f->add, true, &t))
		goto nomem;
	if (feed_set_combine(&t, &f->del, false, &u)) {
		feed_set_free(&t);
		goto nomem;
	}
	feed_set_free(&t);
	feed_set_free(s);
	*s = u;
	return 0;
nomem:
	snprintf(e, elen, "out of memory applying the overlay");
	return -ENOMEM;
}

static void src_applied(struct feed_src *f, const struct feed_set *s,
			double t0)
{
	f->st.ok = true;
	f->st.last_error[0] = 0;
	f->st.updates++;
	f->st.last_update = time(NULL);
	f->st.entries = s->n;
	f->st.entries4 = s->n4;
	f->st.entries6 = s->n - s->n4;
	f->st.last_duration = mono_now() - t0;
	f->st.overlay_add = f->add.n;
	f->st.overlay_del = f->del.n;
}

/* Read and apply f's source (its file, or its DNS name) with the overlay.
 * Unless forced, a file whose inode, size and times are those of the last
 * successful update is not read again. */
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
	if (f->dns) {
		if ((r = dns_resolve(f, &s, e, sizeof(e))))
			goto fail;
	} else {
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
	}
	if ((r = with_overlay(f, &s, e, sizeof(e)))) {
		feed_set_free(&s);
		goto fail;
	}
	if (f->lim.max_entries && s.n > f->lim.max_entries) {
		snprintf(e, sizeof(e), "%s: %zu prefixes with the overlay, more "
			 "than the feed's limit of %zu", f->name, s.n,
			 f->lim.max_entries);
		feed_set_free(&s);
		r = -E2BIG;
		goto fail;
	}
	r = feed_apply(f->fd4, f->fd6, &s, f->tag, NULL, NULL, &st, e,
		       sizeof(e));
	if (r) {
		char tmp[512];
		snprintf(tmp, sizeof(tmp), "%s", e);
		feed_err(e, sizeof(e), "%s: %s", f->dns ? f->dns : f->path, tmp);
		feed_set_free(&s);
		goto fail;
	}
	if (!f->dns) {
		f->sig = sb;
		f->have_sig = true;
	}
	f->st.replaced = false;
	src_applied(f, &s, t0);
	log_info("feed %s: %zu prefixes from %s%s%s (+%zu ~%zu -%zu) in "
		 "%.0f ms", f->name, s.n, f->dns ? "dns:" : "",
		 f->dns ? f->dns : f->path,
		 f->add.n || f->del.n ? " and the overlay" : "", st.added,
		 st.updated, st.removed, f->st.last_duration * 1e3);
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

/* The overlay's file: "add PREFIX" and "del PREFIX" lines. */
static int overlay_save(const struct feed_src *f, char *err, size_t errlen)
{
	char tmp[4200], a[64];
	FILE *fp;
	if (!f->state_path)
		return 0;
	snprintf(tmp, sizeof(tmp), "%s.tmp", f->state_path);
	if (!f->add.n && !f->del.n) {
		if (unlink(f->state_path) && errno != ENOENT)
			goto fail;
		return 0;
	}
	if (!(fp = fopen(tmp, "w")))
		goto fail;
	fprintf(fp, "# fwld: runtime changes to feed %s (fwlctl feed add/del)\n",
		f->name);
	for (size_t i = 0; i < f->add.n; i++)
		fprintf(fp, "add %s\n", feed_entry_str(&f->add.v[i], a, sizeof(a)));
	for (size_t i = 0; i < f->del.n; i++)
		fprintf(fp, "del %s\n", feed_entry_str(&f->del.v[i], a, sizeof(a)));
	if (fclose(fp) || rename(tmp, f->state_path))
		goto fail;
	return 0;
fail:
	feed_err(err, errlen, "cannot save the overlay of feed '%s' to %s: %s",
		 f->name, f->state_path, strerror(errno));
	unlink(tmp);
	return -EIO;
}

static int overlay_load(struct feed_src *f, char *err, size_t errlen)
{
	struct strbuf add, del;
	char line[FEED_MAX_LINE], e[512];
	FILE *fp;
	int r = 0;
	if (!f->state_path || !(fp = fopen(f->state_path, "r")))
		return 0;
	sb_init(&add);
	sb_init(&del);
	while (fgets(line, sizeof(line), fp)) {
		if (!strncmp(line, "add ", 4))
			sb_printf(&add, "%s", line + 4);
		else if (!strncmp(line, "del ", 4))
			sb_printf(&del, "%s", line + 4);
	}
	fclose(fp);
	if ((r = feed_parse_buf(f->state_path, add.s ? add.s : "", add.len,
				&f->lim, &f->add, e, sizeof(e))) ||
	    (r = feed_parse_buf(f->state_path, del.s ? del.s : "", del.len,
				&f->lim, &f->del, e, sizeof(e)))) {
		feed_set_free(&f->add);
		feed_set_free(&f->del);
		feed_err(err, errlen, "feed '%s': ignoring its saved overlay: %s",
			 f->name, e);
	}
	sb_free(&add);
	sb_free(&del);
	return r;
}

int feed_watch_add(struct feed_watch *w, const struct feed_config *cfg,
		   char *err, size_t errlen)
{
	struct feed_src *f;
	char shown[300];
	int r;

	if (!cfg->name || (!cfg->dns && (!cfg->path || !*cfg->path)) ||
	    (cfg->dns && !*cfg->dns)) {
		feed_err(err, errlen, "a feed needs a name and a file or a "
			 "DNS name");
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
	f->wd = -1;
	snprintf(shown, sizeof(shown), "dns:%s", cfg->dns ? cfg->dns : "");
	f->name = strdup(cfg->name);
	f->path = strdup(cfg->dns ? shown : cfg->path);
	f->dns = cfg->dns ? strdup(cfg->dns) : NULL;
	f->state_path = cfg->state_path ? strdup(cfg->state_path) : NULL;
	if ((cfg->fd4 >= 0 && (f->fd4 = fcntl(cfg->fd4, F_DUPFD_CLOEXEC, 3)) < 0) ||
	    (cfg->fd6 >= 0 && (f->fd6 = fcntl(cfg->fd6, F_DUPFD_CLOEXEC, 3)) < 0) ||
	    !f->name || !f->path || (cfg->dns && !f->dns) ||
	    (cfg->state_path && !f->state_path)) {
		src_free(f);
		goto nomem;
	}
	f->st.name = f->name;
	f->st.path = f->path;
	f->tag = cfg->tag;
	f->lim = cfg->limits;
	f->interval = cfg->interval ? cfg->interval :
		      f->dns ? FEED_DNS_INTERVAL : FEED_DEFAULT_INTERVAL;
	f->base = strrchr(f->path, '/') ? strrchr(f->path, '/') + 1 : f->path;
	if (!f->dns && (r = watch_dir(w, f, err, errlen))) {
		src_free(f);
		return r;
	}
	w->v[w->n++] = f;
	char e2[512] = "";
	if (overlay_load(f, e2, sizeof(e2)))
		log_warn("%s", e2);
	r = src_update(f, true, err, errlen);
	f->next_due = mono_now() + f->interval;
	arm_timer(w);
	return r;
nomem:
	feed_err(err, errlen, "out of memory adding feed '%s'", cfg->name);
	return -ENOMEM;
}

bool feed_watch_has_name(const struct feed_watch *w, const char *name)
{
	return find_src(w, name, NULL) != NULL;
}

bool feed_watch_has(const struct feed_watch *w, const char *name,
		    const char *path, const char *dns)
{
	const struct feed_src *f = find_src(w, name, NULL);
	if (!f)
		return false;
	if (dns)
		return f->dns && !strcmp(f->dns, dns);
	return !f->dns && path && !strcmp(f->path, path);
}

int feed_watch_edit(struct feed_watch *w, const char *name, enum feed_edit op,
		    const struct feed_set *s, char *err, size_t errlen)
{
	struct feed_src *f = find_src(w, name, NULL);
	struct feed_set cur = { 0 }, eff = { 0 }, add = { 0 }, del = { 0 };
	struct feed_apply_stats st;
	char e[512];
	double t0 = mono_now();
	int r = -ENOMEM;

	if (!f) {
		feed_err(err, errlen, "no feed named '%s'", name);
		return -ENOENT;
	}
	if (op == FEED_EDIT_REPLACE) {
		if (feed_set_combine(s, &add, true, &eff))
			goto nomem;
	} else {
		bool in = op == FEED_EDIT_ADD;
		if ((r = feed_read_maps(f->fd4, f->fd6, &cur, e, sizeof(e)))) {
			feed_err(err, errlen, "feed '%s': %s", name, e);
			return r;
		}
		r = -ENOMEM;
		if (feed_set_combine(&cur, s, in, &eff) ||
		    feed_set_combine(&f->add, s, in, &add) ||
		    feed_set_combine(&f->del, s, !in, &del))
			goto nomem;
	}
	if (f->lim.max_entries && eff.n > f->lim.max_entries) {
		feed_err(err, errlen, "feed '%s' would hold %zu prefixes, more "
			 "than its limit of %zu; nothing was changed", name,
			 eff.n, f->lim.max_entries);
		r = -E2BIG;
		goto out;
	}
	if ((r = feed_apply(f->fd4, f->fd6, &eff, f->tag, NULL, NULL, &st, e,
			    sizeof(e)))) {
		feed_err(err, errlen, "feed '%s': %s; nothing was changed",
			 name, e);
		goto out;
	}
	/* Applied: the overlay becomes the new one. */
	feed_set_free(&f->add);
	feed_set_free(&f->del);
	f->add = add;
	f->del = del;
	memset(&add, 0, sizeof(add));
	memset(&del, 0, sizeof(del));
	src_applied(f, &eff, t0);
	f->st.updates--;	/* an edit, not a read of the source */
	f->st.edits++;
	f->st.replaced = op == FEED_EDIT_REPLACE || f->st.replaced;
	log_info("feed %s: %s %zu prefixes at run time: now %zu (+%zu -%zu)",
		 name, op == FEED_EDIT_ADD ? "added" :
		 op == FEED_EDIT_DEL ? "removed" : "replaced by", s->n, eff.n,
		 st.added, st.removed);
	r = 0;
	if (overlay_save(f, e, sizeof(e)))
		log_warn("%s", e);
	goto out;
nomem:
	feed_err(err, errlen, "out of memory changing feed '%s'", name);
out:
	feed_set_free(&cur);
	feed_set_free(&eff);
	feed_set_free(&add);
	feed_set_free(&del);
	return r;
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

static bool same_map(int a, int b)
{
	struct bpf_map_info ia = { 0 }, ib = { 0 };
	__u32 la = sizeof(ia), lb = sizeof(ib);
	if (a < 0 || b < 0)
		return a == b;
	return !bpf_obj_get_info_by_fd(a, &ia, &la) &&
	       !bpf_obj_get_info_by_fd(b, &ib, &lb) && ia.id == ib.id;
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
	/* The same maps (a reload that reused the pins): nothing to copy. */
	if (!(same_map(f->fd4, fd4) && same_map(f->fd6, fd6))) {
		if ((r = feed_read_maps(f->fd4, f->fd6, &s, err, errlen)))
			return r;
		r = feed_apply(fd4, fd6, &s, f->tag, NULL, NULL, NULL, err,
			       errlen);
		feed_set_free(&s);
		if (r)
			return r;
	}
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
		sb_printf(out, ", \"source\": \"%s\", \"overlay_add\": %zu, "
			  "\"overlay_del\": %zu, \"edits\": %llu, "
			  "\"replaced\": %s}", w->v[i]->dns ? "dns" : "file",
			  st->overlay_add, st->overlay_del,
			  (unsigned long long)st->edits,
			  st->replaced ? "true" : "false");
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
		if (f->wd < 0 && !f->dns)
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
