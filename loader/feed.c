// SPDX-License-Identifier: MIT
/* feed.c - ThreatFeed files: parse and validate into a sorted set.  See
 * feed.h and docs/feeds.md; the kernel side is feed_map.c, the watcher
 * feed_watch.c. */
#include "loader/feed.h"
#include "loader/feed_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define READ_CHUNK (64 * 1024)

void feed_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

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

static int entry_cmp(const void *a, const void *b)
{
	return ecmp(a, b);
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
			feed_err(why, whylen, "unexpected byte 0x%02x", c);
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
		feed_err(why, whylen, "unexpected '%.*s' after the address "
			"(one prefix per line; comments start with '#')",
			(int)(rest > 32 ? 32 : rest), s + i);
		return -1;
	}
	if (tlen >= sizeof(tok)) {
		feed_err(why, whylen, "'%.40s...' is not an address or prefix",
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
			feed_err(why, whylen, "'%s/%s': the prefix length must "
				"be a number", tok, d);
			return -1;
		}
		plen = (unsigned)atoi(d);
		if (plen > maxlen) {
			feed_err(why, whylen, "'%s/%u': prefix length %u is "
				"longer than %u", tok, plen, plen, maxlen);
			return -1;
		}
	}
	if (inet_pton(e->family, tok, e->addr) != 1) {
		feed_err(why, whylen, "'%s' is not an %s address", orig,
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
			feed_err(why, whylen, "'%s/%u' has host bits set (the "
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
		feed_err(p->err, p->errlen, "%s:%zu: more than %zu entries (the "
			"feed's limit, max_entries)", p->name, p->line, max);
		return -E2BIG;
	}
	if (s->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 1024;
		if (cap > max)
			cap = max;
		void *v = realloc(s->v, cap * sizeof(*s->v));
		if (!v) {
			feed_err(p->err, p->errlen, "%s: out of memory at line "
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
		feed_err(p->err, p->errlen, "%s:%zu: line longer than %d bytes",
			p->name, p->line, FEED_MAX_LINE);
		return -EINVAL;
	}
	r = parse_line(s, len, &e, why, sizeof(why));
	if (r < 0) {
		feed_err(p->err, p->errlen, "%s:%zu: %s", p->name, p->line, why);
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
			feed_err(p->err, p->errlen, "%s: bad gzip data after "
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
		feed_err(p->err, p->errlen, "%s: read failed: %s", p->name,
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
		feed_err(p->err, p->errlen, "%s: out of memory", p->name);
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
			feed_err(p->err, p->errlen, "%s:%zu: line longer than "
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
			feed_err(p->err, p->errlen, "%s: more than %llu bytes "
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
		feed_err(err, errlen, "%s: cannot open: %s", path,
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
			feed_err(err, errlen, "%s: cannot open the gzip stream",
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


/* out = a ∪ b (add) or a − b (!add); a and b sorted and unique. */
int feed_set_combine(const struct feed_set *a, const struct feed_set *b,
		     bool add, struct feed_set *out)
{
	size_t i = 0, j = 0, n = 0, cap = a->n + (add ? b->n : 0);
	struct feed_entry *v = malloc((cap ? cap : 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	while (i < a->n || j < b->n) {
		int c = i == a->n ? 1 : j == b->n ? -1 : ecmp(&a->v[i], &b->v[j]);
		if (c < 0) {
			v[n++] = a->v[i++];
		} else if (c > 0) {
			if (add)
				v[n++] = b->v[j];
			j++;
		} else {
			if (add)
				v[n++] = a->v[i];
			i++;
			j++;
		}
	}
	memset(out, 0, sizeof(*out));
	out->v = v;
	out->n = n;
	while (out->n4 < n && v[out->n4].family == AF_INET)
		out->n4++;
	return 0;
}
