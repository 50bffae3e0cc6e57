// SPDX-License-Identifier: MIT
/*
 * bench-feed - how long a ThreatFeed update takes (make bench).
 *
 *	bench-feed [PREFIXES]	(default 1000000; needs root for the maps)
 *
 * Writes a feed of PREFIXES random prefixes (90 % IPv4 /24../32, 10 % IPv6
 * /32../128, like real block lists) to a temporary directory, plain and
 * gzip'd, then times in one run: reading the file (the I/O floor), parsing
 * it (validate, sort, deduplicate: the baseline), and applying it to real
 * LPM tries: the first fill, a re-apply of the same set, a 10 % churn, and
 * a full replacement by a disjoint set.  Reports milliseconds and ratios
 * to the parse baseline; no timing is asserted.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "loader/feed.h"
#include "loader/log.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One random prefix, host bits cleared, as a feed line.  `salt` keeps
 * the sets of different generations disjoint (first byte of IPv4 / the
 * second 16-bit group of IPv6). */
static void gen_line(char *buf, size_t len, int salt)
{
	struct feed_entry e = { 0 };
	uint64_t r = next_rand();
	if (r % 10) {
		e.family = AF_INET;
		e.prefixlen = 24 + (r >> 8) % 9;
		uint32_t a = (uint32_t)(r >> 32);
		memcpy(e.addr, &a, 4);
		e.addr[0] = 1 + salt * 74 + e.addr[0] % 74;
	} else {
		e.family = AF_INET6;
		e.prefixlen = 32 + (r >> 8) % 97;
		uint64_t b = next_rand();
		memcpy(e.addr, &r, 8);
		memcpy(e.addr + 8, &b, 8);
		e.addr[0] = 0x20;
		e.addr[1] = 0x01;
		e.addr[2] = salt;
	}
	for (unsigned k = e.prefixlen; k < (e.family == AF_INET ? 32u : 128u);
	     k++)
		e.addr[k / 8] &= ~(0x80 >> (k % 8));
	feed_entry_str(&e, buf, len);
}

/* Write n prefixes; keep the first `keep` lines of `from` (churn). */
static int write_feed(const char *path, const char *gzpath, size_t n,
		      int salt, const char *from, size_t keep)
{
	FILE *f = fopen(path, "w");
	gzFile g = gzpath ? gzopen(gzpath, "wb6") : NULL;
	FILE *in = from ? fopen(from, "r") : NULL;
	char line[128];
	if (!f || (gzpath && !g) || (from && !in))
		return -1;
	fprintf(f, "# bench feed\n");
	for (size_t i = 0; i < n; i++) {
		if (in && i < keep && fgets(line, sizeof(line), in)) {
			if (line[0] == '#' && !fgets(line, sizeof(line), in))
				break;
			line[strcspn(line, "\n")] = 0;
		} else {
			gen_line(line, sizeof(line), salt);
		}
		fprintf(f, "%s\n", line);
		if (g)
			gzprintf(g, "%s\n", line);
	}
	if (in)
		fclose(in);
	if (g)
		gzclose(g);
	return fclose(f);
}

static double time_read(const char *path)
{
	char buf[1 << 16];
	double t = now();
	int fd = open(path, O_RDONLY);
	while (fd >= 0 && read(fd, buf, sizeof(buf)) > 0)
		;
	if (fd >= 0)
		close(fd);
	return now() - t;
}

static double time_parse(const char *path, struct feed_set *s)
{
	struct feed_limits lim = { .max_entries = 4000000 };
	char err[512];
	double t = now();
	if (feed_parse_file(path, &lim, s, err, sizeof(err))) {
		fprintf(stderr, "bench-feed: %s\n", err);
		exit(1);
	}
	return now() - t;
}

/* Parse + apply, the whole update as fwld does it. */
static double time_update(const char *path, int fd4, int fd6,
			  struct feed_apply_stats *st)
{
	struct feed_set s;
	char err[512];
	double t = now();
	time_parse(path, &s);
	if (feed_apply(fd4, fd6, &s, 1, NULL, NULL, st, err, sizeof(err))) {
		fprintf(stderr, "bench-feed: apply: %s\n", err);
		exit(1);
	}
	t = now() - t;
	feed_set_free(&s);
	return t;
}

static void row(const char *what, double t, double base, const char *note)
{
	printf("  %-34s %9.1f ms  %6.2fx parse  %s\n", what, t * 1e3,
	       t / base, note);
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	char dir[] = "/tmp/fwl-bench-feed-XXXXXX", a[64], agz[80], b[64],
	     c[64], note[160], err[256];
	struct feed_set s;
	struct feed_apply_stats st;
	struct rusage ru;

	log_max_level = LOG_LVL_WARN;
	if (!n || !mkdtemp(dir)) {
		fprintf(stderr, "usage: bench-feed [PREFIXES]\n");
		return 2;
	}
	snprintf(a, sizeof(a), "%s/a.txt", dir);
	snprintf(agz, sizeof(agz), "%s/a.txt.gz", dir);
	snprintf(b, sizeof(b), "%s/churn.txt", dir);
	snprintf(c, sizeof(c), "%s/other.txt", dir);
	if (write_feed(a, agz, n, 0, NULL, 0) ||
	    write_feed(b, NULL, n, 1, a, n - n / 10) ||
	    write_feed(c, NULL, n, 2, NULL, 0)) {
		fprintf(stderr, "bench-feed: cannot write feeds in %s\n", dir);
		return 1;
	}
	/* Room for old and new during a full replacement. */
	uint32_t cap = 2 * n + 1024;
	int fd4 = feed_map_create(AF_INET, "bench_feed_v4", cap, err,
				  sizeof(err));
	int fd6 = fd4 < 0 ? -1 : feed_map_create(AF_INET6, "bench_feed_v6",
						  cap, err, sizeof(err));
	if (fd4 < 0 || fd6 < 0) {
		fprintf(stderr, "bench-feed: %s (run as root)\n", err);
		return 1;
	}

	double rd = time_read(a);
	double base = time_parse(a, &s);
	size_t total = s.n, n4 = s.n4;
	feed_set_free(&s);
	double gz = time_parse(agz, &s);
	feed_set_free(&s);
	printf("feed update, %zu prefixes (%zu IPv4, %zu IPv6 after "
	       "dedup)\n", total, n4, total - n4);
	printf("  baseline: parse (validate, sort, dedup) = %.1f ms, "
	       "%.0f ns/prefix\n", base * 1e3, base / total * 1e9);
	row("read the file (I/O floor)", rd, base, "");
	row("parse the gzip'd file", gz, base, "");

	double t = time_update(a, fd4, fd6, &st);
	snprintf(note, sizeof(note), "+%zu", st.added);
	row("update: first fill (empty maps)", t, base, note);
	t = time_update(a, fd4, fd6, &st);
	snprintf(note, sizeof(note), "%zu unchanged", st.unchanged);
	row("update: same set again", t, base, note);
	t = time_update(b, fd4, fd6, &st);
	snprintf(note, sizeof(note), "+%zu -%zu, %zu unchanged", st.added,
		 st.removed, st.unchanged);
	row("update: 10% churn", t, base, note);
	t = time_update(c, fd4, fd6, &st);
	snprintf(note, sizeof(note), "+%zu -%zu", st.added, st.removed);
	row("update: full replacement", t, base, note);
	getrusage(RUSAGE_SELF, &ru);
	printf("  peak RSS of the process: %ld MiB\n", ru.ru_maxrss / 1024);

	close(fd4);
	close(fd6);
	unlink(a);
	unlink(agz);
	unlink(b);
	unlink(c);
	rmdir(dir);
	return 0;
}
