// SPDX-License-Identifier: MIT
/* feed.c - ThreatFeed files: parse, apply to LPM tries, watch.  See feed.h
 * and docs/feeds.md. */
#include "loader/feed.h"
#include "loader/log.h"
#include "loader/metrics.h"
#include "loader/strbuf.h"
#include "maps/feed.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <zlib.h>

#define READ_CHUNK (64 * 1024)

/* --- Parsing ------------------------------------------------------------- */

/* Where the bytes come from: a plain fd, a gzip stream, or memory. */
struct reader {
	int fd;
	gzFile gz;
	const char *mem;
	size_t memlen, mempos;
};

struct parser {
	const char *name;	/* the path, for messages */
	struct feed_limits lim;
	struct feed_set *set;
	size_t cap;
	bool full;		/* at max_entries, sorted and unique */
	size_t line;
	uint64_t bytes;
	char *err;
	size_t errlen;
};

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* struct feed_entry is ordered family, address, length, all bytes and
 * AF_INET < AF_INET6: its bytes compared as a big-endian number are the
 * sort order. */
_Static_assert(sizeof(struct feed_entry) == 18, "feed_entry has no padding");
_Static_assert(AF_INET < AF_INET6, "IPv4 sorts first");

static inline uint64_t load_be64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return be64toh(v);
}

static inline int ecmp(const struct feed_entry *a, const struct feed_entry *b)
{
	const uint8_t *x = (const uint8_t *)a, *y = (const uint8_t *)b;
	uint64_t p = load_be64(x), q = load_be64(y);
	if (p != q)
		return p < q ? -1 : 1;
	p = load_be64(x + 8);
	q = load_be64(y + 8);
	if (p != q)
		return p < q ? -1 : 1;
	return ((x[16] << 8) | x[17]) - ((y[16] << 8) | y[17]);
}

static int entry_cmp(const void *a, const void *b)
{
	return ecmp(a, b);
}

/*
 * Introsort over arrays of T whose member `e` (or T itself) is the
 * feed_entry: quicksort with a median-of-three pivot, heapsort past a depth
 * bound (no quadratic case for a hostile feed), insertion sort for short
 * runs.  qsort() with a compare callback was two thirds of the parse time.
 */
#define DEFINE_SORT(NAME, T, KEY)					\
static void NAME##_sift(T *v, size_t i, size_t n)			\
{									\
	for (;;) {							\
		size_t c = 2 * i + 1;					\
		if (c >= n)						\
			return;						\
		if (c + 1 < n && ecmp(KEY(&v[c]), KEY(&v[c + 1])) < 0)	\
			c++;						\
		if (ecmp(KEY(&v[i]), KEY(&v[c])) >= 0)			\
			return;						\
		T t = v[i]; v[i] = v[c]; v[c] = t;			\
		i = c;							\
	}								\
}									\
static void NAME##_intro(T *v, size_t n, int depth)			\
{									\
	while (n > 16) {						\
		if (depth-- == 0) {					\
			for (size_t i = n / 2; i-- > 0;)		\
				NAME##_sift(v, i, n);			\
			for (size_t k = n - 1; k > 0; k--) {		\
				T t = v[0]; v[0] = v[k]; v[k] = t;	\
				NAME##_sift(v, 0, k);			\
			}						\
			return;						\
		}							\
		size_t m = n / 2, i, j;					\
		T t;							\
		if (ecmp(KEY(&v[m]), KEY(&v[0])) < 0) {			\
			t = v[m]; v[m] = v[0]; v[0] = t;		\
		}							\
		if (ecmp(KEY(&v[n - 1]), KEY(&v[m])) < 0) {		\
			t = v[n - 1]; v[n - 1] = v[m]; v[m] = t;	\
			if (ecmp(KEY(&v[m]), KEY(&v[0])) < 0) {		\
				t = v[m]; v[m] = v[0]; v[0] = t;	\
			}						\
		}							\
		T p = v[m];						\
		/* Hoare: v[0..j] <= p <= v[j+1..n) */			\
		for (i = 0, j = n - 1;; i++, j--) {			\
			while (ecmp(KEY(&v[i]), KEY(&p)) < 0)		\
				i++;					\
			while (ecmp(KEY(&p), KEY(&v[j])) < 0)		\
				j--;					\
			if (i >= j)					\
				break;					\
			t = v[i]; v[i] = v[j]; v[j] = t;		\
		}							\
		/* Recurse into the smaller part: stack depth log n. */	\
		if (j + 1 < n - j - 1) {				\
			NAME##_intro(v, j + 1, depth);			\
			v += j + 1;					\
			n -= j + 1;					\
		} else {						\
			NAME##_intro(v + j + 1, n - j - 1, depth);	\
			n = j + 1;					\
		}							\
	}								\
	for (size_t i = 1; i < n; i++) {				\
		T t = v[i];						\
		size_t k = i;						\
		for (; k > 0 && ecmp(KEY(&v[k - 1]), KEY(&t)) > 0; k--)	\
			v[k] = v[k - 1];				\
		v[k] = t;						\
	}								\
}									\
static void NAME(T *v, size_t n)					\
{									\
	size_t i = 1;							\
	while (i < n && ecmp(KEY(&v[i - 1]), KEY(&v[i])) <= 0)		\
		i++;							\
	if (i < n)	/* not already sorted, as many feeds are */	\
		NAME##_intro(v, n, 2 * (64 - __builtin_clzll(n)));	\
}

#define SELF(x) (x)
DEFINE_SORT(sort_entries, struct feed_entry, SELF)

/* Sort and drop exact duplicates in place. */
static void sort_dedup(struct feed_set *s)
{
	size_t out = 0;
	if (!s->n)
		return;
	sort_entries(s->v, s->n);
	for (size_t i = 1; i < s->n; i++) {
		if (ecmp(&s->v[out], &s->v[i]) == 0)
			s->duplicates++;
		else
			s->v[++out] = s->v[i];
	}
	s->n = out + 1;
}

const char *feed_entry_str(const struct feed_entry *e, char *buf,
			   size_t len)
{
	char a[INET6_ADDRSTRLEN];
	if (!inet_ntop(e->family, e->addr, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	snprintf(buf, len, "%s/%u", a, e->prefixlen);
	return buf;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/*
 * line = space* [ address [ "/" digits ] ] space* [ ("#" | ";") any* ]
 * Returns 1 with *e filled, 0 for a blank or comment line, -1 with why.
 */
static int parse_line(const char *s, size_t len, struct feed_entry *e,
		      char *why, size_t whylen)
{
	char tok[64], orig[64], *slash;
	size_t i = 0, t0, tlen;
	unsigned plen, maxlen;

	while (i < len && is_space(s[i]))
		i++;
	if (i == len || s[i] == '#' || s[i] == ';')
		return 0;
	t0 = i;
	while (i < len && !is_space(s[i]) && s[i] != '#' && s[i] != ';') {
		unsigned char c = s[i];
		if (c < 0x21 || c > 0x7e) {
			set_err(why, whylen, "unexpected byte 0x%02x", c);
			return -1;
		}
		i++;
	}
	tlen = i - t0;
	while (i < len && is_space(s[i]))
		i++;
	if (i < len && s[i] != '#' && s[i] != ';') {
		size_t rest = len - i;
		while (rest && is_space(s[i + rest - 1]))
			rest--;
		set_err(why, whylen, "unexpected '%.*s' after the address "
			"(one prefix per line; comments start with '#')",
			(int)(rest > 32 ? 32 : rest), s + i);
		return -1;
	}
	if (tlen >= sizeof(tok)) {
		set_err(why, whylen, "'%.40s...' is not an address or prefix",
			s + t0);
		return -1;
	}
	memcpy(tok, s + t0, tlen);
	tok[tlen] = 0;
	memcpy(orig, tok, tlen + 1);
	memset(e, 0, sizeof(*e));
	e->family = strchr(tok, ':') ? AF_INET6 : AF_INET;
	maxlen = e->family == AF_INET ? 32 : 128;
	plen = maxlen;
	slash = strchr(tok, '/');
	if (slash) {
		const char *d = slash + 1;
		*slash = 0;
		if (!*d || strlen(d) > 3 || strspn(d, "0123456789") != strlen(d)) {
			set_err(why, whylen, "'%s/%s': the prefix length must "
				"be a number", tok, d);
			return -1;
		}
		plen = (unsigned)atoi(d);
		if (plen > maxlen) {
			set_err(why, whylen, "'%s/%u': prefix length %u is "
				"longer than %u", tok, plen, plen, maxlen);
			return -1;
		}
	}
	if (inet_pton(e->family, tok, e->addr) != 1) {
		set_err(why, whylen, "'%s' is not an %s address", orig,
			e->family == AF_INET ? "IPv4" : "IPv6");
		return -1;
	}
	e->prefixlen = plen;
	/* Host bits set is an error, not masked: "10.0.0.1/8" is more likely
	 * a typo for a /32 (or a /24) than a wish to block a /8. */
	for (unsigned b = plen; b < maxlen; b++) {
		if (e->addr[b / 8] & (0x80 >> (b % 8))) {
			struct feed_entry net = *e;
			char nb[64];
			for (unsigned k = plen; k < maxlen; k++)
				net.addr[k / 8] &= ~(0x80 >> (k % 8));
			set_err(why, whylen, "'%s/%u' has host bits set (the "
				"network is %s)", tok, plen,
				feed_entry_str(&net, nb, sizeof(nb)));
			return -1;
		}
	}
	return 1;
}

static int add_entry(struct parser *p, const struct feed_entry *e)
{
	struct feed_set *s = p->set;
	size_t max = p->lim.max_entries;
	if (s->n == p->cap && s->n >= max && !p->full) {
		/* Duplicates may be what filled it: compact once.  If that
		 * frees nothing, the array stays sorted from here on and
		 * each further line costs a binary search, not a sort. */
		sort_dedup(s);
		p->full = s->n >= max;
	}
	if (p->full) {
		if (bsearch(e, s->v, s->n, sizeof(*e), entry_cmp)) {
			s->duplicates++;
			return 0;
		}
		set_err(p->err, p->errlen, "%s:%zu: more than %zu entries (the "
			"feed's limit, max_entries)", p->name, p->line, max);
		return -E2BIG;
	}
	if (s->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 1024;
		if (cap > max)
			cap = max;
		void *v = realloc(s->v, cap * sizeof(*s->v));
		if (!v) {
			set_err(p->err, p->errlen, "%s: out of memory at line "
				"%zu", p->name, p->line);
			return -ENOMEM;
		}
		s->v = v;
		p->cap = cap;
	}
	s->v[s->n++] = *e;
	return 0;
}

static int do_line(struct parser *p, const char *s, size_t len)
{
	struct feed_entry e;
	char why[256];
	int r;

	p->line++;
	if (len > FEED_MAX_LINE) {
		set_err(p->err, p->errlen, "%s:%zu: line longer than %d bytes",
			p->name, p->line, FEED_MAX_LINE);
		return -EINVAL;
	}
	r = parse_line(s, len, &e, why, sizeof(why));
	if (r < 0) {
		set_err(p->err, p->errlen, "%s:%zu: %s", p->name, p->line, why);
		return -EINVAL;
	}
	return r ? add_entry(p, &e) : 0;
}

static ssize_t reader_read(struct reader *r, struct parser *p, char *buf,
			   size_t len)
{
	if (r->mem) {
		size_t n = r->memlen - r->mempos;
		if (n > len)
			n = len;
		memcpy(buf, r->mem + r->mempos, n);
		r->mempos += n;
		return n;
	}
	if (r->gz) {
		int n = gzread(r->gz, buf, len), errnum;
		const char *msg = gzerror(r->gz, &errnum);
		if (n < 0 || (errnum != Z_OK && errnum != Z_STREAM_END)) {
			set_err(p->err, p->errlen, "%s: bad gzip data after "
				"line %zu: %s", p->name, p->line,
				errnum == Z_ERRNO ? strerror(errno) : msg);
			return -EINVAL;
		}
		return n;
	}
	for (;;) {
		ssize_t n = read(r->fd, buf, len);
		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		set_err(p->err, p->errlen, "%s: read failed: %s", p->name,
			strerror(errno));
		return -errno;
	}
}

/* Split the stream into lines (LF; a CR before it is white space). */
static int parse_stream(struct parser *p, struct reader *r)
{
	size_t size = READ_CHUNK + FEED_MAX_LINE + 2, start = 0, end = 0;
	char *buf = malloc(size);
	int ret = 0;

	if (!buf) {
		set_err(p->err, p->errlen, "%s: out of memory", p->name);
		return -ENOMEM;
	}
	for (;;) {
		char *nl;
		while ((nl = memchr(buf + start, '\n', end - start))) {
			if ((ret = do_line(p, buf + start, nl - (buf + start))))
				goto out;
			start = nl + 1 - buf;
		}
		if (end - start > FEED_MAX_LINE) {
			p->line++;
			set_err(p->err, p->errlen, "%s:%zu: line longer than "
				"%d bytes", p->name, p->line, FEED_MAX_LINE);
			ret = -EINVAL;
			goto out;
		}
		memmove(buf, buf + start, end - start);
		end -= start;
		start = 0;
		ssize_t n = reader_read(r, p, buf + end, size - end);
		if (n < 0) {
			ret = n;
			goto out;
		}
		if (n == 0)
			break;
		p->bytes += n;
		if (p->bytes > p->lim.max_bytes) {
			set_err(p->err, p->errlen, "%s: more than %llu bytes "
				"(decompressed); the limit is max_bytes",
				p->name, (unsigned long long)p->lim.max_bytes);
			ret = -EFBIG;
			goto out;
		}
		end += n;
	}
	if (end > start)	/* a last line without LF */
		ret = do_line(p, buf + start, end - start);
out:
	free(buf);
	return ret;
}

static void parser_init(struct parser *p, const char *name,
			const struct feed_limits *lim, struct feed_set *out,
			char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	memset(p, 0, sizeof(*p));
	p->name = name;
	p->set = out;
	p->err = err;
	p->errlen = errlen;
	if (lim)
		p->lim = *lim;
	if (!p->lim.max_entries)
		p->lim.max_entries = FEED_DEFAULT_MAX_ENTRIES;
	if (!p->lim.max_bytes)
		p->lim.max_bytes = FEED_DEFAULT_MAX_BYTES;
}

static int parser_finish(struct parser *p, int r)
{
	struct feed_set *s = p->set;
	if (r) {
		feed_set_free(s);
		return r;
	}
	s->lines = p->line;
	sort_dedup(s);
	s->n4 = 0;
	while (s->n4 < s->n && s->v[s->n4].family == AF_INET)
		s->n4++;
	return 0;
}

int feed_parse_buf(const char *name, const char *buf, size_t len,
		   const struct feed_limits *lim, struct feed_set *out,
		   char *err, size_t errlen)
{
	struct parser p;
	struct reader r = { .fd = -1, .mem = buf, .memlen = len };
	parser_init(&p, name, lim, out, err, errlen);
	if (!buf)
		r.mem = "";
	return parser_finish(&p, parse_stream(&p, &r));
}

int feed_parse_file(const char *path, const struct feed_limits *lim,
		    struct feed_set *out, char *err, size_t errlen)
{
	struct parser p;
	struct reader r = { .fd = -1 };
	unsigned char magic[2];
	int ret;

	parser_init(&p, path, lim, out, err, errlen);
	r.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r.fd < 0) {
		ret = -errno;
		set_err(err, errlen, "%s: cannot open: %s", path,
			strerror(errno));
		return ret;
	}
	if (pread(r.fd, magic, 2, 0) == 2 && magic[0] == 0x1f &&
	    magic[1] == 0x8b) {
		int gfd = dup(r.fd);
		r.gz = gfd >= 0 ? gzdopen(gfd, "rb") : NULL;
		if (!r.gz) {
			if (gfd >= 0)
				close(gfd);
			close(r.fd);
			set_err(err, errlen, "%s: cannot open the gzip stream",
				path);
			return -ENOMEM;
		}
		gzbuffer(r.gz, 128 * 1024);
		out->gzip = true;
	}
	ret = parse_stream(&p, &r);
	if (r.gz)
		gzclose(r.gz);
	close(r.fd);
	bool gz = out->gzip;
	ret = parser_finish(&p, ret);
	out->gzip = gz;
	return ret;
}

void feed_set_free(struct feed_set *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* --- Applying to the kernel --------------------------------------------- */

/* One entry of a map as read before the update. */
struct old_ent {
	struct feed_entry e;
	uint32_t tag;
};

/* The update of one family's map. */
struct plan {
	int fd, family;
	const char *fam;		/* "IPv4" / "IPv6" */
	uint32_t key_size, max_entries;
	struct old_ent *old;		/* sorted */
	size_t nold;
	const struct feed_entry *nw;	/* the new entries of this family */
	size_t nnew;
	size_t done_update;		/* nw[0..done_update) are in */
	size_t done_delete;		/* old[0..done_delete) handled */
	bool single;			/* no batch operations: key by key */
};

static void make_key(const struct feed_entry *e, void *key)
{
	uint32_t plen = e->prefixlen;
	memcpy(key, &plen, 4);
	memcpy((char *)key + 4, e->addr, e->family == AF_INET ? 4 : 16);
}

/* Find e in the sorted old list, moving the cursor *j forward. */
static const struct old_ent *find_old(const struct plan *pl, size_t *j,
				      const struct feed_entry *e)
{
	while (*j < pl->nold && ecmp(&pl->old[*j].e, e) < 0)
		(*j)++;
	if (*j < pl->nold && ecmp(&pl->old[*j].e, e) == 0)
		return &pl->old[*j];
	return NULL;
}

static bool in_new(const struct plan *pl, size_t *i,
		   const struct feed_entry *e)
{
	while (*i < pl->nnew && ecmp(&pl->nw[*i], e) < 0)
		(*i)++;
	return *i < pl->nnew && ecmp(&pl->nw[*i], e) == 0;
}

#define OLD_KEY(x) (&(x)->e)
DEFINE_SORT(sort_old, struct old_ent, OLD_KEY)

/*
 * Batches: the kernel's generic batch operations (BPF_MAP_*_BATCH) run the
 * same per-key update/delete as single calls, in order, so they keep the
 * insert-first/delete-last guarantee while saving a syscall per key.  A
 * kernel without them for LPM tries, and the step hook (which wants to see
 * every single change), use one call per key.
 */
#define FEED_BATCH 4096

struct batch {
	uint8_t keys[FEED_BATCH * sizeof(struct fwl_feed_key6)];
	struct fwl_feed_value vals[FEED_BATCH];
	size_t idx[FEED_BATCH];		/* index in nw[] or old[] */
	size_t n;
};

static bool batch_unsupported(int e)
{
	return e == EINVAL || e == EOPNOTSUPP || e == 524 /* ENOTSUPP */;
}

/* Append what one lookup batch returned to pl->old. */
static int add_old(struct plan *pl, const uint8_t *keys,
		   const struct fwl_feed_value *vals, size_t n, size_t *cap)
{
	if (pl->nold + n > *cap) {
		size_t c = *cap ? *cap : 1024;
		while (c < pl->nold + n)
			c *= 2;
		void *v = realloc(pl->old, c * sizeof(*pl->old));
		if (!v)
			return -ENOMEM;
		pl->old = v;
		*cap = c;
	}
	for (size_t i = 0; i < n; i++) {
		struct old_ent *o = &pl->old[pl->nold++];
		const uint8_t *k = keys + i * pl->key_size;
		uint32_t plen;
		memcpy(&plen, k, 4);
		memset(o, 0, sizeof(*o));
		o->e.family = pl->family;
		o->e.prefixlen = plen;
		memcpy(o->e.addr, k + 4, pl->key_size - 4);
		o->tag = vals[i].tag;
	}
	return 0;
}

/* The map's keys one syscall at a time (kernels without lookup batch). */
static int read_keys_single(struct plan *pl, struct batch *b, size_t *cap,
			    size_t limit)
{
	uint8_t prev[20];
	void *pk = NULL;
	size_t steps = 0;
	for (;;) {
		if (bpf_map_get_next_key(pl->fd, pk, b->keys))
			return errno == ENOENT ? 0 : -errno;
		if (++steps > limit)
			return -EBUSY;
		/* An exact key's lookup returns its own value. */
		if (bpf_map_lookup_elem(pl->fd, b->keys, b->vals))
			b->vals[0].tag = 0;
		if (add_old(pl, b->keys, b->vals, 1, cap))
			return -ENOMEM;
		memcpy(prev, b->keys, pl->key_size);
		pk = prev;
	}
}

/* Check fd's type and layout, then read its contents into pl->old. */
static int read_map(struct plan *pl, struct batch *b, char *err,
		    size_t errlen)
{
	struct bpf_map_info info;
	uint32_t len = sizeof(info);
	uint8_t in[20], out[20];
	size_t cap = 0, limit;
	uint32_t want = pl->family == AF_INET ? sizeof(struct fwl_feed_key4)
					      : sizeof(struct fwl_feed_key6);
	int r = 0;

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(pl->fd, &info, &len)) {
		set_err(err, errlen, "%s map: cannot read its info: %s",
			pl->fam, strerror(errno));
		return -errno;
	}
	if (info.type != BPF_MAP_TYPE_LPM_TRIE || info.key_size != want ||
	    info.value_size != sizeof(struct fwl_feed_value)) {
		set_err(err, errlen, "%s map '%s' is not a feed map: type %u, "
			"key %u, value %u bytes (want LPM trie, key %u, value "
			"%zu; maps/feed.h layout %d)", pl->fam, info.name,
			info.type, info.key_size, info.value_size, want,
			sizeof(struct fwl_feed_value), FWL_FEED_LAYOUT);
		return -EINVAL;
	}
	pl->key_size = want;
	pl->max_entries = info.max_entries;
	/* Keys deleted behind our back restart the kernel's walk: bound it. */
	limit = 2 * (size_t)pl->max_entries + 16;
	for (void *pin = NULL;;) {
		uint32_t cnt = FEED_BATCH;
		int rc = bpf_map_lookup_batch(pl->fd, pin, out, b->keys,
					      b->vals, &cnt, NULL);
		int e = rc ? errno : 0;
		if (rc && !pin && !cnt && batch_unsupported(e)) {
			r = read_keys_single(pl, b, &cap, limit);
			break;
		}
		if (rc && e != ENOENT) {
			r = -e;
			break;
		}
		if (add_old(pl, b->keys, b->vals, cnt, &cap)) {
			r = -ENOMEM;
			break;
		}
		if (rc)		/* ENOENT: the walk is complete */
			break;
		if (pl->nold > limit) {
			r = -EBUSY;
			break;
		}
		memcpy(in, out, want);
		pin = in;
	}
	if (r == -EBUSY)
		set_err(err, errlen, "%s map '%s' kept changing while it was "
			"read (another writer?)", pl->fam, info.name);
	else if (r)
		set_err(err, errlen, "%s map '%s': reading its keys: %s",
			pl->fam, info.name, strerror(-r));
	if (r || !pl->nold)
		return r;
	sort_old(pl->old, pl->nold);
	/* A restarted walk may have seen keys twice. */
	size_t n = 0;
	for (size_t i = 0; i < pl->nold; i++)
		if (!n || ecmp(&pl->old[n - 1].e, &pl->old[i].e))
			pl->old[n++] = pl->old[i];
	pl->nold = n;
	return 0;
}

static int put(const struct plan *pl, const struct feed_entry *e,
	       uint32_t tag)
{
	uint8_t key[20];
	struct fwl_feed_value v = { .tag = tag };
	make_key(e, key);
	return bpf_map_update_elem(pl->fd, key, &v, BPF_ANY) ? -errno : 0;
}

static int del(const struct plan *pl, const struct feed_entry *e)
{
	uint8_t key[20];
	make_key(e, key);
	if (bpf_map_delete_elem(pl->fd, key) && errno != ENOENT)
		return -errno;
	return 0;
}

/* Write b's keys (with values when vals); *done: how many are in.  A key
 * already gone counts as deleted. */
static int flush(struct plan *pl, struct batch *b, bool vals, size_t *done)
{
	size_t off = 0, ks = pl->key_size;
	while (off < b->n && !pl->single) {
		uint32_t cnt = b->n - off;
		int rc = vals ? bpf_map_update_batch(pl->fd, b->keys + off * ks,
						     b->vals + off, &cnt, NULL)
			      : bpf_map_delete_batch(pl->fd, b->keys + off * ks,
						     &cnt, NULL);
		if (!rc) {
			off = b->n;
			break;
		}
		int e = errno;
		if (!vals && e == ENOENT) {
			off += cnt + 1;		/* skip the missing key */
		} else if (!cnt && batch_unsupported(e)) {
			pl->single = true;
		} else {
			*done = off + cnt;
			return -e;
		}
	}
	for (; off < b->n; off++) {
		const uint8_t *k = b->keys + off * ks;
		int rc = vals ? bpf_map_update_elem(pl->fd, k, &b->vals[off],
						    BPF_ANY)
			      : bpf_map_delete_elem(pl->fd, k);
		if (rc && (vals || errno != ENOENT)) {
			*done = off;
			return -errno;
		}
	}
	*done = b->n;
	return 0;
}

/* Run b: on success the phase's progress moves past its last key, on
 * failure to the key that failed; err names it. */
static int run_batch(struct plan *pl, struct batch *b, bool update,
		     char *err, size_t errlen)
{
	size_t done;
	char eb[64];
	if (!b->n)
		return 0;
	int r = flush(pl, b, update, &done);
	size_t *progress = update ? &pl->done_update : &pl->done_delete;
	if (!r) {
		*progress = b->idx[b->n - 1] + 1;
		b->n = 0;
		return 0;
	}
	*progress = b->idx[done];
	const struct feed_entry *e = update ? &pl->nw[b->idx[done]]
					    : &pl->old[b->idx[done]].e;
	set_err(err, errlen, "%s map: cannot %s %s: %s", pl->fam,
		update ? "insert" : "delete",
		feed_entry_str(e, eb, sizeof(eb)), strerror(-r));
	b->n = 0;
	return r;
}

static void queue(struct plan *pl, struct batch *b,
		  const struct feed_entry *e, uint32_t tag, size_t idx)
{
	make_key(e, b->keys + b->n * pl->key_size);
	b->vals[b->n].tag = tag;
	b->idx[b->n++] = idx;
}

/* Phase 1: insert or rewrite every new entry. */
static int plan_update(struct plan *pl, struct batch *b, uint32_t tag,
		       feed_step_fn step, void *arg,
		       struct feed_apply_stats *st, char *err, size_t errlen)
{
	size_t j = 0;
	int r;
	for (size_t i = 0; i < pl->nnew; i++) {
		const struct old_ent *o = find_old(pl, &j, &pl->nw[i]);
		if (o && o->tag == tag) {
			st->unchanged++;
			continue;
		}
		queue(pl, b, &pl->nw[i], tag, i);
		if (o)
			st->updated++;
		else
			st->added++;
		if (b->n == FEED_BATCH || step)
			if ((r = run_batch(pl, b, true, err, errlen)))
				return r;
		if (step && step(arg, FEED_STEP_UPDATE, &pl->nw[i])) {
			set_err(err, errlen, "update aborted by the step hook");
			return -ECANCELED;
		}
	}
	if ((r = run_batch(pl, b, true, err, errlen)))
		return r;
	pl->done_update = pl->nnew;
	return 0;
}

/* Phase 2: delete the old entries that are not in the new set. */
static int plan_delete(struct plan *pl, struct batch *b, feed_step_fn step,
		       void *arg, struct feed_apply_stats *st, char *err,
		       size_t errlen)
{
	size_t i = 0;
	int r;
	for (size_t k = 0; k < pl->nold; k++) {
		if (in_new(pl, &i, &pl->old[k].e))
			continue;
		queue(pl, b, &pl->old[k].e, 0, k);
		st->removed++;
		if (b->n == FEED_BATCH || step)
			if ((r = run_batch(pl, b, false, err, errlen)))
				return r;
		if (step && step(arg, FEED_STEP_DELETE, &pl->old[k].e)) {
			set_err(err, errlen, "update aborted by the step hook");
			return -ECANCELED;
		}
	}
	if ((r = run_batch(pl, b, false, err, errlen)))
		return r;
	pl->done_delete = pl->nold;
	return 0;
}

/* Undo what phases 1 and 2 did, in the same safe order: put back deleted
 * and rewritten old entries first, then remove the added ones. */
static int plan_rollback(struct plan *pl, uint32_t tag, feed_step_fn step,
			 void *arg)
{
	size_t i = 0, j = 0;
	int bad = 0;
	for (size_t k = 0; k < pl->done_delete; k++) {
		if (in_new(pl, &i, &pl->old[k].e))
			continue;
		bad |= put(pl, &pl->old[k].e, pl->old[k].tag);
		if (step)
			step(arg, FEED_STEP_ROLLBACK, &pl->old[k].e);
	}
	for (size_t n = 0; n < pl->done_update; n++) {
		const struct old_ent *o = find_old(pl, &j, &pl->nw[n]);
		if (o && o->tag == tag)
			continue;	/* never touched */
		if (o)
			bad |= put(pl, &o->e, o->tag);
		else
			bad |= del(pl, &pl->nw[n]);
		if (step)
			step(arg, FEED_STEP_ROLLBACK, &pl->nw[n]);
	}
	return bad;
}

/* Entries of old ∪ new: the peak fill during the update. */
static size_t union_size(const struct plan *pl)
{
	size_t j = 0, u = pl->nold;
	for (size_t i = 0; i < pl->nnew; i++)
		if (!find_old(pl, &j, &pl->nw[i]))
			u++;
	return u;
}

int feed_apply(int fd4, int fd6, const struct feed_set *s, uint32_t tag,
	       feed_step_fn step, void *step_arg,
	       struct feed_apply_stats *st, char *err, size_t errlen)
{
	struct feed_apply_stats dummy;
	struct batch *b;
	struct plan pl[2] = {
		{ .fd = fd4, .family = AF_INET, .fam = "IPv4",
		  .nw = s->v, .nnew = s->n4 },
		{ .fd = fd6, .family = AF_INET6, .fam = "IPv6",
		  .nw = s->v + s->n4, .nnew = s->n - s->n4 },
	};
	int r = 0, k, phase = 0;

	if (!st)
		st = &dummy;
	memset(st, 0, sizeof(*st));
	for (k = 0; k < 2; k++) {
		if (pl[k].fd < 0 && pl[k].nnew) {
			set_err(err, errlen, "the feed has %zu %s entries but "
				"no %s map", pl[k].nnew, pl[k].fam,
				pl[k].fam);
			return -EINVAL;
		}
	}
	b = malloc(sizeof(*b));
	if (!b) {
		set_err(err, errlen, "out of memory");
		return -ENOMEM;
	}
	b->n = 0;
	for (k = 0; k < 2; k++) {
		if (pl[k].fd < 0)
			continue;
		if ((r = read_map(&pl[k], b, err, errlen)))
			goto out;
		st->before += pl[k].nold;
		size_t u = union_size(&pl[k]);
		if (u > pl[k].max_entries) {
			set_err(err, errlen, "%s map holds at most %u entries; "
				"the swap needs room for old and new together "
				"(%zu old, %zu new, %zu in both sets)",
				pl[k].fam, pl[k].max_entries, pl[k].nold,
				pl[k].nnew, pl[k].nold + pl[k].nnew - u);
			r = -ENOSPC;
			goto out;
		}
	}
	phase = 1;
	for (k = 0; k < 2; k++)
		if (pl[k].fd >= 0 &&
		    (r = plan_update(&pl[k], b, tag, step, step_arg, st, err,
				     errlen)))
			goto out;
	for (k = 0; k < 2; k++)
		if (pl[k].fd >= 0 &&
		    (r = plan_delete(&pl[k], b, step, step_arg, st, err,
				     errlen)))
			goto out;
out:
	if (r && phase) {
		for (k = 0; k < 2; k++) {
			if (pl[k].fd >= 0 &&
			    plan_rollback(&pl[k], tag, step, step_arg) &&
			    err && errlen) {
				size_t l = strlen(err);
				set_err(err + l, errlen - l, "; restoring the "
					"old %s contents failed too",
					pl[k].fam);
			}
		}
	}
	free(pl[0].old);
	free(pl[1].old);
	free(b);
	return r;
}

int feed_read_maps(int fd4, int fd6, struct feed_set *out, char *err,
		   size_t errlen)
{
	struct plan pl[2] = {
		{ .fd = fd4, .family = AF_INET, .fam = "IPv4" },
		{ .fd = fd6, .family = AF_INET6, .fam = "IPv6" },
	};
	struct batch *b = malloc(sizeof(*b));
	int r = 0;

	memset(out, 0, sizeof(*out));
	if (!b) {
		set_err(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (int k = 0; k < 2 && !r; k++)
		if (pl[k].fd >= 0)
			r = read_map(&pl[k], b, err, errlen);
	free(b);
	if (!r) {
		out->v = malloc((pl[0].nold + pl[1].nold + 1) * sizeof(*out->v));
		if (!out->v) {
			set_err(err, errlen, "out of memory");
			r = -ENOMEM;
		}
	}
	for (int k = 0; k < 2 && !r; k++)
		for (size_t i = 0; i < pl[k].nold; i++)
			out->v[out->n++] = pl[k].old[i].e;
	out->n4 = pl[0].nold;
	free(pl[0].old);
	free(pl[1].old);
	if (r)
		feed_set_free(out);
	return r;
}

int feed_map_create(int family, const char *name, uint32_t max_entries,
		    char *err, size_t errlen)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
	int fd = bpf_map_create(BPF_MAP_TYPE_LPM_TRIE, name,
				family == AF_INET ? sizeof(struct fwl_feed_key4)
						  : sizeof(struct fwl_feed_key6),
				sizeof(struct fwl_feed_value), max_entries,
				&opts);
	if (fd < 0) {
		int e = errno;
		set_err(err, errlen, "cannot create LPM trie '%s': %s", name,
			strerror(e));
		return -e;
	}
	return fd;
}

/* --- Watching ------------------------------------------------------------ */

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
		set_err(err, errlen, "out of memory");
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
	set_err(err, errlen, "cannot set up the feed watcher: %s",
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
		set_err(e, sizeof(e), "%s: %s", f->path, tmp);
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
	set_err(err, errlen, "%s", e);
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
		set_err(err, errlen, "feed '%s': cannot watch %s: %s", f->name,
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
		set_err(err, errlen, "a feed needs a name and a file");
		return -EINVAL;
	}
	if (find_src(w, cfg->name, NULL)) {
		set_err(err, errlen, "feed '%s' is already watched", cfg->name);
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
	set_err(err, errlen, "out of memory adding feed '%s'", cfg->name);
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
		set_err(err, errlen, "no feed named '%s'", name);
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
		set_err(err, errlen, "feed '%s': %s", name, strerror(errno));
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
		set_err(err, errlen, "no feed named '%s'", name);
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
