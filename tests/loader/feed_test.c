// SPDX-License-Identifier: MIT
/* feed_test.c - threat-feed files, their swap into real LPM tries, and the
 * watcher.  Needs root (creates BPF maps). */
#include "loader/feed.h"
#include "loader/json.h"
#include "loader/log.h"
#include "loader/metrics.h"
#include "loader/strbuf.h"
#include "maps/feed.h"
#include "tests/lib/check.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

static char tmpdir[] = "/tmp/fwl-feed-test-XXXXXX";

static int parse(const char *text, struct feed_set *s, char *err)
{
	return feed_parse_buf("f.txt", text, strlen(text), NULL, s, err, 512);
}

/* The set as "a,b,c" (sorted order). */
static char *set_str(const struct feed_set *s, char *buf, size_t len)
{
	char eb[64];
	buf[0] = 0;
	for (size_t i = 0; i < s->n; i++) {
		size_t l = strlen(buf);
		snprintf(buf + l, len - l, "%s%s", i ? "," : "",
			 feed_entry_str(&s->v[i], eb, sizeof(eb)));
	}
	return buf;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
}

/* Replace path by rename, as feed downloaders should. */
static void replace_file(const char *path, const char *text)
{
	char tmp[512];
	snprintf(tmp, sizeof(tmp), "%s/.incoming", tmpdir);
	write_file(tmp, text);
	if (rename(tmp, path))
		perror("rename");
}

static void test_feed_parse_formats(void)
{
	struct feed_set s;
	char err[512] = "", buf[1024];
	int r = parse("# threat feed\r\n"
		      "\n"
		      "  10.0.0.0/8   # comment after\r\n"
		      "192.0.2.1\n"
		      "2001:db8::/32\r\n"
		      "198.51.100.0/24 ; SBL123\n"
		      "\t\n"
		      "10.0.0.0/8\n"		/* duplicate */
		      "10.0.0.0/16\n"		/* nested: kept */
		      "2001:db8::1\n"
		      "0.0.0.0/0\n"
		      "::ffff:192.0.2.0/120", &s, err);
	CHECK_INT(r, 0);
	CHECK_STR(err, "");
	CHECK_STR(set_str(&s, buf, sizeof(buf)),
		  "0.0.0.0/0,10.0.0.0/8,10.0.0.0/16,192.0.2.1/32,"
		  "198.51.100.0/24,::ffff:192.0.2.0/120,2001:db8::/32,"
		  "2001:db8::1/128");
	CHECK_INT(s.n, 8);
	CHECK_INT(s.n4, 5);
	CHECK_INT(s.duplicates, 1);
	CHECK_INT(s.lines, 12);
	CHECK(!s.gzip, "not gzip");
	feed_set_free(&s);

	CHECK_INT(parse("", &s, err), 0);
	CHECK_INT(s.n, 0);
	feed_set_free(&s);
}

/* Every bad line names the file, the line and the reason, and rejects
 * the whole feed. */
static void test_feed_parse_errors(void)
{
	static const struct {
		const char *text, *err;
	} cases[] = {
		{ "10.0.0.0/8\n10.0.0.256\n",
		  "f.txt:2: '10.0.0.256' is not an IPv4 address" },
		{ "10.0.0.0/33\n", "f.txt:1: '10.0.0.0/33': prefix length 33 "
				   "is longer than 32" },
		{ "\n\n::/129", "f.txt:3: '::/129': prefix length 129 is "
				"longer than 128" },
		{ "10.0.0.1/8\n", "f.txt:1: '10.0.0.1/8' has host bits set "
				  "(the network is 10.0.0.0/8)" },
		{ "2001:db8::1/32\n", "f.txt:1: '2001:db8::1/32' has host bits "
				      "set (the network is 2001:db8::/32)" },
		{ "10.0.0.0/\n", "f.txt:1: '10.0.0.0/': the prefix length "
				 "must be a number" },
		{ "10.0.0.0/x8\n", "f.txt:1: '10.0.0.0/x8': the prefix length "
				   "must be a number" },
		{ "10.0.0.0/8 10.1.0.0/16\n",
		  "f.txt:1: unexpected '10.1.0.0/16' after the address (one "
		  "prefix per line; comments start with '#')" },
		{ "2001:db8:::1\n", "f.txt:1: '2001:db8:::1' is not an IPv6 "
				    "address" },
		{ "1.2.3\n", "f.txt:1: '1.2.3' is not an IPv4 address" },
		{ "# ok\nexample.com\n", "f.txt:2: 'example.com' is not an "
					 "IPv4 address" },
		{ "10.0.0.0/8\xc2\xa0\n", "f.txt:1: unexpected byte 0xc2" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct feed_set s;
		char err[512] = "";
		int r = parse(cases[i].text, &s, err);
		CHECK(r == -EINVAL, "case %zu: r %d", i, r);
		CHECK_STR(err, cases[i].err);
		CHECK(s.n == 0 && s.v == NULL, "case %zu: set not empty", i);
	}
	/* A NUL byte inside an address must not cut it short. */
	struct feed_set s;
	char err[512];
	static const char nul[] = "10.0.0.1\0garbage\n";
	CHECK_INT(feed_parse_buf("f.txt", nul, sizeof(nul) - 1, NULL, &s, err,
				 sizeof(err)), -EINVAL);
	CHECK_STR(err, "f.txt:1: unexpected byte 0x00");
	/* Over-long lines. */
	char *big = malloc(FEED_MAX_LINE + 100);
	memset(big, ' ', FEED_MAX_LINE + 99);
	big[FEED_MAX_LINE + 99] = 0;
	big[0] = '#';
	CHECK_INT(parse(big, &s, err), -EINVAL);
	CHECK_STR(err, "f.txt:1: line longer than 4096 bytes");
	free(big);
}

static void test_feed_parse_limits(void)
{
	struct feed_limits lim = { .max_entries = 3 };
	struct feed_set s;
	char err[512];
	const char *four = "10.0.0.0/8\n10.1.0.0/16\n10.2.0.0/16\n10.3.0.0/16\n";
	CHECK_INT(feed_parse_buf("f", four, strlen(four), &lim, &s, err,
				 sizeof(err)), -E2BIG);
	CHECK_STR(err, "f:4: more than 3 entries (the feed's limit, "
		       "max_entries)");
	/* Duplicates do not count against the limit. */
	const char *dups = "10.0.0.0/8\n10.0.0.0/8\n10.1.0.0/16\n10.0.0.0/8\n"
			   "10.1.0.0/16\n10.2.0.0/16\n10.2.0.0/16\n";
	CHECK_INT(feed_parse_buf("f", dups, strlen(dups), &lim, &s, err,
				 sizeof(err)), 0);
	CHECK_INT(s.n, 3);
	CHECK_INT(s.duplicates, 4);
	feed_set_free(&s);
	struct feed_limits blim = { .max_bytes = 20 };
	CHECK_INT(feed_parse_buf("f", four, strlen(four), &blim, &s, err,
				 sizeof(err)), -EFBIG);
	CHECK(strstr(err, "more than 20 bytes") != NULL, "err %s", err);
}

static void write_gz(const char *path, const char *text, size_t keep)
{
	char raw[512];
	snprintf(raw, sizeof(raw), "%s.tmp", path);
	gzFile g = gzopen(raw, "wb");
	gzwrite(g, text, strlen(text));
	gzclose(g);
	/* Copy, cut to keep bytes when asked (a truncated download). */
	FILE *in = fopen(raw, "rb"), *out = fopen(path, "wb");
	char buf[65536];
	size_t n = fread(buf, 1, sizeof(buf), in);
	fwrite(buf, 1, keep && keep < n ? keep : n, out);
	fclose(in);
	fclose(out);
	unlink(raw);
}

static void test_feed_parse_gzip_and_files(void)
{
	char path[256], err[512], buf[512];
	struct feed_set s;
	struct strbuf text;

	snprintf(path, sizeof(path), "%s/feed.gz", tmpdir);
	write_gz(path, "# gz\n203.0.113.0/24\r\n2001:db8:1::/48\n", 0);
	CHECK_INT(feed_parse_file(path, NULL, &s, err, sizeof(err)), 0);
	CHECK(s.gzip, "gzip not detected");
	CHECK_STR(set_str(&s, buf, sizeof(buf)),
		  "203.0.113.0/24,2001:db8:1::/48");
	feed_set_free(&s);

	/* A big compressed feed with an error deep inside: its line. */
	sb_init(&text);
	for (int i = 0; i < 5000; i++)
		sb_printf(&text, "10.%d.%d.0/24\n", i / 256, i % 256);
	sb_printf(&text, "10.0.0.0/8\n10.300.0.0/16\n");
	write_gz(path, text.s, 0);
	CHECK_INT(feed_parse_file(path, NULL, &s, err, sizeof(err)), -EINVAL);
	snprintf(buf, sizeof(buf), "%s:5002: '10.300.0.0/16' is not an IPv4 "
		 "address", path);
	CHECK_STR(err, buf);
	sb_free(&text);

	/* A truncated download is rejected, not half-applied. */
	write_gz(path, "10.0.0.0/8\n10.1.0.0/16\n10.2.0.0/16\n10.3.0.0/16\n"
		       "10.4.0.0/16\n10.5.0.0/16\n", 30);
	CHECK(feed_parse_file(path, NULL, &s, err, sizeof(err)) < 0,
	      "truncated gzip accepted");
	CHECK(strstr(err, "bad gzip data") != NULL, "err %s", err);
	CHECK_INT(s.n, 0);

	snprintf(path, sizeof(path), "%s/feed.txt", tmpdir);
	write_file(path, "192.0.2.0/24\n192.0.2.128/25");
	CHECK_INT(feed_parse_file(path, NULL, &s, err, sizeof(err)), 0);
	CHECK_STR(set_str(&s, buf, sizeof(buf)),
		  "192.0.2.0/24,192.0.2.128/25");
	feed_set_free(&s);

	snprintf(path, sizeof(path), "%s/missing.txt", tmpdir);
	CHECK_INT(feed_parse_file(path, NULL, &s, err, sizeof(err)), -ENOENT);
	CHECK(strstr(err, "missing.txt: cannot open: No such file") != NULL,
	      "err %s", err);
}

/* --- Kernel side ---------------------------------------------------------- */

static int map4 = -1, map6 = -1;

static void new_maps(uint32_t max)
{
	char err[256];
	if (map4 >= 0)
		close(map4);
	if (map6 >= 0)
		close(map6);
	map4 = feed_map_create(AF_INET, "test_feed_v4", max, err, sizeof(err));
	map6 = feed_map_create(AF_INET6, "test_feed_v6", max, err,
			       sizeof(err));
	if (map4 < 0 || map6 < 0) {
		printf("FAIL feed_maps: %s (this suite needs root and BPF)\n",
		       err);
		exit(1);
	}
}

/* The maps' contents as a sorted "prefix=tag,..." string. */
static char *dump_maps(char *buf, size_t len)
{
	char (*strs)[96] = NULL;
	size_t n = 0, cap = 0;
	int fds[2] = { map4, map6 };

	for (int k = 0; k < 2; k++) {
		uint8_t key[20], next[20];
		void *prev = NULL;
		size_t ks = k ? 20 : 8;
		while (!bpf_map_get_next_key(fds[k], prev, next)) {
			struct fwl_feed_value v = { 0 };
			struct feed_entry e = { .family = k ? AF_INET6
							    : AF_INET };
			uint32_t plen;
			char eb[64];
			if (n == cap) {
				cap = cap ? 2 * cap : 64;
				strs = realloc(strs, cap * sizeof(*strs));
			}
			memcpy(&plen, next, 4);
			e.prefixlen = plen;
			memcpy(e.addr, next + 4, ks - 4);
			bpf_map_lookup_elem(fds[k], next, &v);
			snprintf(strs[n++], 96, "%s=%u",
				 feed_entry_str(&e, eb, sizeof(eb)), v.tag);
			memcpy(key, next, ks);
			prev = key;
		}
	}
	if (n)
		qsort(strs, n, sizeof(*strs),
		      (int (*)(const void *, const void *))strcmp);
	buf[0] = 0;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(buf);
		snprintf(buf + l, len - l, "%s%s", i ? "," : "", strs[i]);
	}
	free(strs);
	return buf;
}

static bool lookup(const char *addr)
{
	uint8_t key[20];
	struct fwl_feed_value v;
	int v6 = strchr(addr, ':') != NULL;
	uint32_t plen = v6 ? 128 : 32;
	memcpy(key, &plen, 4);
	inet_pton(v6 ? AF_INET6 : AF_INET, addr, key + 4);
	return bpf_map_lookup_elem(v6 ? map6 : map4, key, &v) == 0;
}

static int apply_text(const char *text, uint32_t tag, feed_step_fn fn,
		      void *arg, struct feed_apply_stats *st, char *err)
{
	struct feed_set s;
	int r = parse(text, &s, err);
	if (r)
		return r;
	r = feed_apply(map4, map6, &s, tag, fn, arg, st, err, 512);
	feed_set_free(&s);
	return r;
}

static void test_feed_apply_contents(void)
{
	struct feed_apply_stats st;
	char err[512] = "", buf[4096];

	new_maps(64);
	CHECK_INT(apply_text("10.0.0.0/8\n192.0.2.0/24\n2001:db8::/32\n", 7,
			     NULL, NULL, &st, err), 0);
	CHECK_STR(err, "");
	CHECK_STR(dump_maps(buf, sizeof(buf)),
		  "10.0.0.0/8=7,192.0.2.0/24=7,2001:db8::/32=7");
	CHECK(st.before == 0 && st.added == 3 && st.removed == 0,
	      "stats %zu %zu %zu", st.before, st.added, st.removed);
	CHECK(lookup("10.200.1.1"), "10.200.1.1 not matched");
	CHECK(lookup("2001:db8:ffff::1"), "2001:db8:ffff::1 not matched");
	CHECK(!lookup("11.0.0.1"), "11.0.0.1 matched");
	CHECK(!lookup("2001:db9::1"), "2001:db9::1 matched");

	/* Second set: one kept, one dropped, two new. */
	CHECK_INT(apply_text("10.0.0.0/8\n198.51.100.7\n2001:db8:5::/48\n", 7,
			     NULL, NULL, &st, err), 0);
	CHECK_STR(dump_maps(buf, sizeof(buf)),
		  "10.0.0.0/8=7,198.51.100.7/32=7,2001:db8:5::/48=7");
	CHECK(st.before == 3 && st.added == 2 && st.removed == 2 &&
		      st.unchanged == 1 && st.updated == 0,
	      "stats before %zu added %zu removed %zu unchanged %zu",
	      st.before, st.added, st.removed, st.unchanged);
	CHECK(!lookup("192.0.2.1"), "removed prefix still matches");

	/* Same prefixes, another tag: rewritten in place. */
	CHECK_INT(apply_text("10.0.0.0/8\n198.51.100.7\n2001:db8:5::/48\n", 9,
			     NULL, NULL, &st, err), 0);
	CHECK_INT(st.updated, 3);
	CHECK_STR(dump_maps(buf, sizeof(buf)),
		  "10.0.0.0/8=9,198.51.100.7/32=9,2001:db8:5::/48=9");

	/* The empty set empties the maps (an empty feed file is valid). */
	CHECK_INT(apply_text("# nothing today\n", 9, NULL, NULL, &st, err), 0);
	CHECK_STR(dump_maps(buf, sizeof(buf)), "");
	CHECK_INT(st.removed, 3);
}

static void test_feed_apply_refuses_bad_maps(void)
{
	char err[512];
	struct feed_set s;
	int h = bpf_map_create(BPF_MAP_TYPE_HASH, "not_a_feed", 8, 4, 16,
			       NULL);
	CHECK(h >= 0, "hash map: %s", strerror(errno));
	parse("10.0.0.0/8\n", &s, err);
	CHECK_INT(feed_apply(h, -1, &s, 1, NULL, NULL, NULL, err, sizeof(err)),
		  -EINVAL);
	CHECK(strstr(err, "IPv4 map 'not_a_feed' is not a feed map") != NULL,
	      "err %s", err);
	/* The IPv6 map where the IPv4 one belongs: wrong key size. */
	new_maps(16);
	CHECK_INT(feed_apply(map6, -1, &s, 1, NULL, NULL, NULL, err,
			     sizeof(err)), -EINVAL);
	CHECK(strstr(err, "key 20") != NULL, "err %s", err);
	/* IPv4 entries but no IPv4 map. */
	CHECK_INT(feed_apply(-1, map6, &s, 1, NULL, NULL, NULL, err,
			     sizeof(err)), -EINVAL);
	CHECK_STR(err, "the feed has 1 IPv4 entries but no IPv4 map");
	feed_set_free(&s);
	close(h);
}

/* A file that fails validation never reaches the maps. */
static void test_feed_bad_update_keeps_map(void)
{
	char err[512], buf[4096];
	struct feed_apply_stats st;
	new_maps(64);
	apply_text("10.0.0.0/8\n2001:db8::/32\n", 1, NULL, NULL, &st, err);
	CHECK_INT(apply_text("10.0.0.0/8\n172.16.0.0/12\n172.16.0.1/12\n", 1,
			     NULL, NULL, &st, err), -EINVAL);
	CHECK_STR(err, "f.txt:3: '172.16.0.1/12' has host bits set (the "
		       "network is 172.16.0.0/12)");
	CHECK_STR(dump_maps(buf, sizeof(buf)), "10.0.0.0/8=1,2001:db8::/32=1");
}

static void test_feed_apply_capacity(void)
{
	char err[512], buf[4096];
	struct feed_apply_stats st;
	new_maps(4);
	CHECK_INT(apply_text("10.0.0.0/8\n10.1.0.0/16\n10.2.0.0/16\n", 1, NULL,
			     NULL, &st, err), 0);
	/* Three old and two new do not fit four: refused before any
	 * change, because the swap holds both for a moment. */
	CHECK_INT(apply_text("10.3.0.0/16\n10.4.0.0/16\n", 1, NULL, NULL, &st,
			     err), -ENOSPC);
	CHECK_STR(err, "IPv4 map holds at most 4 entries; the swap needs room "
		       "for old and new together (3 old, 2 new, 0 in both "
		       "sets)");
	CHECK_STR(dump_maps(buf, sizeof(buf)),
		  "10.0.0.0/8=1,10.1.0.0/16=1,10.2.0.0/16=1");
	/* One new and three old fit. */
	CHECK_INT(apply_text("10.3.0.0/16\n10.1.0.0/16\n", 1, NULL, NULL, &st,
			     err), 0);
	CHECK_STR(dump_maps(buf, sizeof(buf)), "10.1.0.0/16=1,10.3.0.0/16=1");
}

/* old ∩ new, probed after every single change the update makes. */
struct probe {
	const char *const *both;	/* addresses inside old ∩ new prefixes */
	const char *old_only_addr;	/* matched before, gone after */
	int steps, misses, deletes, updates, abort_at;
	bool updates_before_deletes;
};

static int probe_step(void *arg, enum feed_step step,
		      const struct feed_entry *e)
{
	struct probe *p = arg;
	p->steps++;
	if (step == FEED_STEP_DELETE)
		p->deletes++;
	if (step == FEED_STEP_UPDATE) {
		p->updates++;
		if (p->deletes)
			p->updates_before_deletes = false;
	}
	for (int i = 0; p->both[i]; i++)
		if (!lookup(p->both[i]))
			p->misses++;
	return p->abort_at && p->steps == p->abort_at;
}

static const char *const both_addrs[] = {
	"10.9.9.9", "192.0.2.77", "198.51.100.1", "2001:db8:1::5",
	"2001:db8:2:3::4", NULL
};
static const char old_set[] =
	"10.0.0.0/8\n10.5.0.0/16\n192.0.2.0/24\n192.0.2.128/25\n"
	"198.51.100.0/24\n203.0.113.0/24\n2001:db8:1::/48\n2001:db8:2::/48\n"
	"2001:db8:2:3::/64\n2001:db8:99::/48\n";
static const char new_set[] =
	"10.0.0.0/8\n10.6.0.0/16\n192.0.2.0/24\n192.0.2.64/26\n"
	"198.51.100.0/24\n198.51.100.0/25\n2001:db8:1::/48\n"
	"2001:db8:2:3::/64\n2001:db8:2:3::/96\n2001:db8:77::/48\n";

static void test_feed_swap_has_no_window(void)
{
	char err[512], buf[4096];
	struct feed_apply_stats st;
	struct probe p = { .both = both_addrs, .updates_before_deletes = true };

	new_maps(64);
	CHECK_INT(apply_text(old_set, 1, NULL, NULL, &st, err), 0);
	CHECK_INT(apply_text(new_set, 1, probe_step, &p, &st, err), 0);
	CHECK_INT(p.misses, 0);
	CHECK(p.steps == 10, "steps %d", p.steps);	/* 5 adds + 5 deletes */
	CHECK_INT(p.updates, 5);
	CHECK_INT(p.deletes, 5);
	CHECK(p.updates_before_deletes, "a delete came before an insert");
	CHECK(!lookup("203.0.113.9"), "old-only prefix still matches");
	CHECK(lookup("10.6.1.1"), "new prefix does not match");
	/* Contents: exactly the new set (in dump_maps' string order). */
	CHECK_STR(dump_maps(buf, sizeof(buf)),
		  "10.0.0.0/8=1,10.6.0.0/16=1,192.0.2.0/24=1,192.0.2.64/26=1,"
		  "198.51.100.0/24=1,198.51.100.0/25=1,2001:db8:1::/48=1,"
		  "2001:db8:2:3::/64=1,2001:db8:2:3::/96=1,"
		  "2001:db8:77::/48=1");
}

/* A failure in the middle (here: the hook aborts, as a kernel error would)
 * puts the old contents back, in both phases. */
static void test_feed_failure_rolls_back(void)
{
	char err[512], before[4096], after[4096];
	struct feed_apply_stats st;

	for (int at = 1; at <= 10; at += 3) {
		struct probe p = { .both = both_addrs, .abort_at = at };
		new_maps(64);
		apply_text(old_set, 1, NULL, NULL, &st, err);
		dump_maps(before, sizeof(before));
		CHECK_INT(apply_text(new_set, 2, probe_step, &p, &st, err),
			  -ECANCELED);
		CHECK_STR(err, "update aborted by the step hook");
		CHECK_STR(dump_maps(after, sizeof(after)), before);
		CHECK(p.misses == 0, "abort at %d: %d misses", at, p.misses);
	}
}

/* A real kernel failure in the middle of a batch: the trie refuses an
 * IPv4 key longer than /32 (a set not made by the parser), after it took
 * the keys before it in the same batch call.  All are taken back out. */
static void test_feed_kernel_failure_mid_batch_rolls_back(void)
{
	char err[512], before[8192], after[8192];
	struct feed_apply_stats st;
	struct feed_set s;
	struct strbuf text;

	new_maps(8192);
	apply_text(old_set, 1, NULL, NULL, &st, err);
	dump_maps(before, sizeof(before));
	sb_init(&text);
	for (int i = 0; i < 3000; i++)	/* fills most of one batch */
		sb_printf(&text, "100.%d.%d.0/24\n", i / 256, i % 256);
	CHECK_INT(parse(text.s, &s, err), 0);
	sb_free(&text);
	s.v[2000].prefixlen = 40;	/* sorted position stays the same */
	CHECK_INT(feed_apply(map4, map6, &s, 1, NULL, NULL, &st, err,
			     sizeof(err)), -EINVAL);
	CHECK_STR(err, "IPv4 map: cannot insert 100.7.208.0/40: Invalid "
		       "argument");
	CHECK_STR(dump_maps(after, sizeof(after)), before);
	feed_set_free(&s);
}

/* The same promise under a concurrent reader: a thread looks up addresses
 * of old ∩ new while the maps swap back and forth. */
static atomic_int reader_stop;
static atomic_long reader_lookups, reader_misses;

static void *reader(void *arg)
{
	(void)arg;
	while (!atomic_load(&reader_stop)) {
		for (int i = 0; both_addrs[i]; i++) {
			if (!lookup(both_addrs[i]))
				atomic_fetch_add(&reader_misses, 1);
			atomic_fetch_add(&reader_lookups, 1);
		}
	}
	return NULL;
}

static void test_feed_swap_under_concurrent_lookups(void)
{
	char err[512];
	struct feed_apply_stats st;
	struct strbuf a, b;
	pthread_t t;
	int fails = 0;
	size_t rewritten = 0;

	/* Bigger sets around the shared prefixes, so each swap takes a
	 * while: 2000 prefixes come and go each time. */
	sb_init(&a);
	sb_init(&b);
	sb_printf(&a, "%s", old_set);
	sb_printf(&b, "%s", new_set);
	for (int i = 0; i < 1000; i++) {
		sb_printf(&a, "172.16.%d.%d/32\n", i / 250, i % 250);
		sb_printf(&b, "172.17.%d.%d/32\n", i / 250, i % 250);
	}
	new_maps(4096);
	apply_text(a.s, 1, NULL, NULL, &st, err);
	pthread_create(&t, NULL, reader, NULL);
	for (int round = 0; round < 10; round++) {
		/* Another tag each time: the shared prefixes are rewritten
		 * too (an in-place replace in the trie), not just kept. */
		fails += apply_text(b.s, 2, NULL, NULL, &st, err) != 0;
		rewritten += st.updated;
		fails += apply_text(a.s, 1, NULL, NULL, &st, err) != 0;
		rewritten += st.updated;
	}
	atomic_store(&reader_stop, 1);
	pthread_join(t, NULL);
	CHECK_INT(fails, 0);
	CHECK_INT(rewritten, 20 * 5);	/* 5 shared prefixes, 20 swaps */
	CHECK(atomic_load(&reader_lookups) > 100, "only %ld lookups",
	      atomic_load(&reader_lookups));
	CHECK_INT(atomic_load(&reader_misses), 0);
	sb_free(&a);
	sb_free(&b);
}

/* --- Watching --------------------------------------------------------------*/

static bool wait_readable(int fd, int ms)
{
	struct pollfd p = { fd, POLLIN, 0 };
	return poll(&p, 1, ms) == 1;
}

static void test_feed_watch_events(void)
{
	char path[512], err[512], buf[4096];
	struct feed_watch *w = feed_watch_new(err, sizeof(err));
	const struct feed_status *fs;

	CHECK(w != NULL, "feed_watch_new: %s", err);
	if (!w)
		return;
	new_maps(64);
	snprintf(path, sizeof(path), "%s/watched.txt", tmpdir);
	write_file(path, "10.0.0.0/8\n");
	struct feed_config cfg = {
		.name = "blocklist", .path = path, .fd4 = map4, .fd6 = map6,
		.tag = 3, .interval = 3600,
	};
	CHECK_INT(feed_watch_add(w, &cfg, err, sizeof(err)), 0);
	CHECK_STR(dump_maps(buf, sizeof(buf)), "10.0.0.0/8=3");
	fs = feed_watch_status(w, 0);
	CHECK(fs && fs->ok && fs->entries == 1 && fs->updates == 1,
	      "status after add");
	CHECK(fs && fs->last_update > 0, "no last update time");

	/* Replaced by rename. */
	replace_file(path, "10.0.0.0/8\n2001:db8::/32\n");
	CHECK(wait_readable(feed_watch_fd(w), 2000), "no event on rename");
	CHECK_INT(feed_watch_dispatch(w), 1);
	CHECK_STR(dump_maps(buf, sizeof(buf)), "10.0.0.0/8=3,2001:db8::/32=3");

	/* Modified in place: picked up when the writer closes it. */
	write_file(path, "192.0.2.0/24\n");
	CHECK(wait_readable(feed_watch_fd(w), 2000), "no event on write");
	feed_watch_dispatch(w);
	CHECK_STR(dump_maps(buf, sizeof(buf)), "192.0.2.0/24=3");

	/* Another file in the directory is no reason to re-read. */
	char other[600];
	snprintf(other, sizeof(other), "%s/unrelated.txt", tmpdir);
	write_file(other, "junk\n");
	if (wait_readable(feed_watch_fd(w), 200))
		CHECK_INT(feed_watch_dispatch(w), 0);
	CHECK_INT(feed_watch_status(w, 0)->updates, 3);

	/* A bad file: rejected with its line, the maps keep their set. */
	replace_file(path, "192.0.2.0/24\n198.51.100.0/33\n");
	CHECK(wait_readable(feed_watch_fd(w), 2000), "no event on bad file");
	feed_watch_dispatch(w);
	fs = feed_watch_status(w, 0);
	CHECK_STR(dump_maps(buf, sizeof(buf)), "192.0.2.0/24=3");
	CHECK(!fs->ok && fs->failures == 1, "ok %d failures %llu", fs->ok,
	      (unsigned long long)fs->failures);
	CHECK(strstr(fs->last_error, "watched.txt:2: '198.51.100.0/33': "
				     "prefix length 33 is longer than 32"),
	      "last_error %s", fs->last_error);
	CHECK_INT(fs->entries, 1);

	/* Fixed again: accepted, the error clears. */
	replace_file(path, "192.0.2.0/24\n198.51.100.0/24\n");
	CHECK(wait_readable(feed_watch_fd(w), 2000), "no event on fix");
	feed_watch_dispatch(w);
	CHECK(fs->ok && fs->last_error[0] == 0, "still failing: %s",
	      fs->last_error);
	CHECK_STR(dump_maps(buf, sizeof(buf)),
		  "192.0.2.0/24=3,198.51.100.0/24=3");

	/* Metrics of the feed. */
	struct strbuf sb;
	struct metrics_out out;
	sb_init(&sb);
	metrics_out_init(&out, &sb);
	feed_watch_metrics(w, &out);
	CHECK_INT(out.errors, 0);
	CHECK(strstr(sb.s, "fwl_feed_entries{feed=\"blocklist\",family="
			   "\"ipv4\"} 2\n") != NULL, "metrics:\n%s", sb.s);
	CHECK(strstr(sb.s, "fwl_feed_update_failures_total{feed="
			   "\"blocklist\"} 1\n") != NULL, "metrics:\n%s", sb.s);
	CHECK(strstr(sb.s, "# TYPE fwl_feed_updates_total counter\n") != NULL,
	      "metrics:\n%s", sb.s);
	sb_free(&sb);

	CHECK_INT(feed_watch_reload(w, "nope", err, sizeof(err)), -ENOENT);
	CHECK_INT(feed_watch_remove(w, "blocklist"), 0);
	CHECK_INT(feed_watch_count(w), 0);
	/* Removing the feed leaves its maps alone. */
	CHECK_STR(dump_maps(buf, sizeof(buf)),
		  "192.0.2.0/24=3,198.51.100.0/24=3");
	feed_watch_free(w);
}

/* A reload that brings new feed maps: they are filled from the live ones
 * before the caller switches, then the watcher writes to them. */
static void test_feed_watch_moves_to_new_maps(void)
{
	char path[512], err[512], a[4096], b[4096];
	struct feed_watch *w = feed_watch_new(err, sizeof(err));
	struct feed_set s;
	CHECK(w != NULL, "feed_watch_new: %s", err);
	if (!w)
		return;
	new_maps(64);
	snprintf(path, sizeof(path), "%s/moving.txt", tmpdir);
	write_file(path, "10.0.0.0/8\n2001:db8::/32\n192.0.2.0/24\n");
	struct feed_config cfg = {
		.name = "moving", .path = path, .fd4 = map4, .fd6 = map6,
		.tag = 5, .interval = 3600,
	};
	CHECK_INT(feed_watch_add(w, &cfg, err, sizeof(err)), 0);
	CHECK_INT(feed_read_maps(map4, map6, &s, err, sizeof(err)), 0);
	CHECK(s.n == 3 && s.n4 == 2, "read back %zu/%zu", s.n, s.n4);
	feed_set_free(&s);
	dump_maps(a, sizeof(a));
	int old4 = map4, old6 = map6;
	map4 = map6 = -1;
	new_maps(64);		/* the reload's maps, empty */
	CHECK_INT(feed_watch_set_maps(w, "moving", map4, map6, err,
				      sizeof(err)), 0);
	CHECK_STR(dump_maps(b, sizeof(b)), a);
	replace_file(path, "10.0.0.0/8\n");
	CHECK(wait_readable(feed_watch_fd(w), 2000), "no event");
	feed_watch_dispatch(w);
	CHECK_STR(dump_maps(b, sizeof(b)), "10.0.0.0/8=5");
	/* The old maps were left as they were. */
	int n4 = map4, n6 = map6;
	map4 = old4;
	map6 = old6;
	CHECK_STR(dump_maps(b, sizeof(b)), a);
	map4 = n4;
	map6 = n6;
	close(old4);
	close(old6);
	CHECK_INT(feed_watch_set_maps(w, "other", map4, map6, err,
				      sizeof(err)), -ENOENT);

	/* Status as JSON for fwlctl. */
	struct strbuf sb;
	sb_init(&sb);
	feed_watch_json(w, &sb);
	struct json *j = json_parse(sb.s, sb.len, err, sizeof(err));
	CHECK(j && j->kind == JSON_ARR && json_len(j) == 1, "json %s: %s",
	      sb.s, err);
	if (j && j->child) {
		CHECK_STR(json_str(j->child, "name", NULL), "moving");
		CHECK_INT(json_int(j->child, "entries", -1), 1);
		CHECK_INT(json_int(j->child, "ipv6", -1), 0);
		CHECK_INT(json_int(j->child, "updates", -1), 2);
		CHECK_STR(json_str(j->child, "last_error", NULL), "");
		const char *when = json_str(j->child, "last_update", "");
		CHECK(strlen(when) == 20 && when[19] == 'Z', "when %s", when);
	}
	json_free(j);
	sb_free(&sb);
	feed_watch_free(w);
}

/* The interval catches a change inotify cannot see: a write through a hard
 * link in another directory. */
static void test_feed_watch_interval(void)
{
	char path[512], alias[600], dir2[540], err[512], buf[4096];
	struct feed_watch *w = feed_watch_new(err, sizeof(err));
	CHECK(w != NULL, "feed_watch_new: %s", err);
	if (!w)
		return;
	new_maps(64);
	snprintf(path, sizeof(path), "%s/interval.txt", tmpdir);
	snprintf(dir2, sizeof(dir2), "%s/elsewhere", tmpdir);
	snprintf(alias, sizeof(alias), "%s/alias.txt", dir2);
	mkdir(dir2, 0700);
	write_file(path, "10.0.0.0/8\n");
	unlink(alias);
	CHECK(link(path, alias) == 0, "link: %s", strerror(errno));
	struct feed_config cfg = {
		.name = "slow", .path = path, .fd4 = map4, .fd6 = map6,
		.tag = 4, .interval = 1,
	};
	CHECK_INT(feed_watch_add(w, &cfg, err, sizeof(err)), 0);
	FILE *f = fopen(alias, "r+");
	fputs("11.0.0.0/8\n", f);
	fclose(f);
	/* Nothing until the interval is due... */
	bool early = wait_readable(feed_watch_fd(w), 300);
	CHECK(!early, "readable before the interval");
	CHECK_STR(dump_maps(buf, sizeof(buf)), "10.0.0.0/8=4");
	/* ...then the re-read sees the new contents. */
	CHECK(wait_readable(feed_watch_fd(w), 2000), "interval never fired");
	CHECK_INT(feed_watch_dispatch(w), 1);
	CHECK_STR(dump_maps(buf, sizeof(buf)), "11.0.0.0/8=4");
	CHECK_INT(feed_watch_status(w, 0)->updates, 2);
	/* An unchanged file is not re-applied on the next interval. */
	CHECK(wait_readable(feed_watch_fd(w), 2000), "interval stopped");
	feed_watch_dispatch(w);
	CHECK_INT(feed_watch_status(w, 0)->updates, 2);
	feed_watch_free(w);
}

/* The directory itself is removed and made again: the interval watches
 * it anew, and events work again afterwards. */
static void test_feed_watch_directory_comes_back(void)
{
	char dir[540], path[600], err[512], buf[4096], cmd[700];
	struct feed_watch *w = feed_watch_new(err, sizeof(err));
	CHECK(w != NULL, "feed_watch_new: %s", err);
	if (!w)
		return;
	new_maps(64);
	snprintf(dir, sizeof(dir), "%s/vanishing", tmpdir);
	snprintf(path, sizeof(path), "%s/feed.txt", dir);
	mkdir(dir, 0700);
	write_file(path, "10.0.0.0/8\n");
	struct feed_config cfg = {
		.name = "vanishing", .path = path, .fd4 = map4, .fd6 = map6,
		.interval = 1,
	};
	CHECK_INT(feed_watch_add(w, &cfg, err, sizeof(err)), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK_INT(system(cmd), 0);
	if (wait_readable(feed_watch_fd(w), 500))
		feed_watch_dispatch(w);
	/* Gone: the maps keep the last good set. */
	CHECK_STR(dump_maps(buf, sizeof(buf)), "10.0.0.0/8=0");
	mkdir(dir, 0700);
	write_file(path, "192.0.2.0/24\n");
	for (int i = 0; i < 3 && strcmp(dump_maps(buf, sizeof(buf)),
					 "192.0.2.0/24=0"); i++)
		if (wait_readable(feed_watch_fd(w), 1500))
			feed_watch_dispatch(w);
	CHECK_STR(dump_maps(buf, sizeof(buf)), "192.0.2.0/24=0");
	/* Watched again: a rename is seen at once (before the interval). */
	replace_file(path, "198.51.100.0/24\n");
	CHECK(wait_readable(feed_watch_fd(w), 300), "no event after the "
	      "directory came back");
	feed_watch_dispatch(w);
	CHECK_STR(dump_maps(buf, sizeof(buf)), "198.51.100.0/24=0");
	feed_watch_free(w);
}

/* A feed whose first load fails is still watched and picked up once the
 * file is fixed. */
static void test_feed_watch_first_load_fails(void)
{
	char path[512], err[512], buf[4096];
	struct feed_watch *w = feed_watch_new(err, sizeof(err));
	CHECK(w != NULL, "feed_watch_new: %s", err);
	if (!w)
		return;
	new_maps(64);
	snprintf(path, sizeof(path), "%s/late.txt", tmpdir);
	unlink(path);
	struct feed_config cfg = {
		.name = "late", .path = path, .fd4 = map4, .fd6 = -1,
		.interval = 3600,
	};
	CHECK_INT(feed_watch_add(w, &cfg, err, sizeof(err)), -ENOENT);
	CHECK(strstr(err, "late.txt: cannot open") != NULL, "err %s", err);
	CHECK_INT(feed_watch_count(w), 1);
	replace_file(path, "203.0.113.0/24\n");
	CHECK(wait_readable(feed_watch_fd(w), 2000), "no event");
	feed_watch_dispatch(w);
	CHECK_STR(dump_maps(buf, sizeof(buf)), "203.0.113.0/24=0");
	/* IPv6 entries without an IPv6 map: a clear failure. */
	replace_file(path, "2001:db8::/32\n");
	CHECK(wait_readable(feed_watch_fd(w), 2000), "no event");
	feed_watch_dispatch(w);
	CHECK(strstr(feed_watch_status(w, 0)->last_error,
		     "1 IPv6 entries but no IPv6 map"), "last_error %s",
	      feed_watch_status(w, 0)->last_error);
	CHECK_STR(dump_maps(buf, sizeof(buf)), "203.0.113.0/24=0");
	feed_watch_free(w);
}


/* --- Runtime changes (fwlctl feed add/del/replace) ---------------------- */

static void test_feed_set_combine(void)
{
	struct feed_set a, b, u, d;
	char err[512], buf[512];
	CHECK_INT(parse("10.0.0.0/8\n192.0.2.1\n2001:db8::/32\n", &a, err), 0);
	CHECK_INT(parse("192.0.2.1\n198.51.100.0/24\n2001:db8::1\n", &b, err),
		  0);
	CHECK_INT(feed_set_combine(&a, &b, true, &u), 0);
	CHECK_STR(set_str(&u, buf, sizeof(buf)), "10.0.0.0/8,192.0.2.1/32,"
		  "198.51.100.0/24,2001:db8::/32,2001:db8::1/128");
	CHECK_INT(u.n4, 3);
	CHECK_INT(feed_set_combine(&a, &b, false, &d), 0);
	CHECK_STR(set_str(&d, buf, sizeof(buf)), "10.0.0.0/8,2001:db8::/32");
	CHECK_INT(d.n4, 1);
	feed_set_free(&a);
	feed_set_free(&b);
	feed_set_free(&u);
	feed_set_free(&d);
}

static int edit(struct feed_watch *w, enum feed_edit op, const char *text,
		char *err)
{
	struct feed_set s;
	int r = parse(text, &s, err);
	if (r)
		return r;
	r = feed_watch_edit(w, "edited", op, &s, err, 512);
	feed_set_free(&s);
	return r;
}

/* add/del are an overlay on the file: kept through the file's changes and
 * saved; replace holds until the file changes. */
static void test_feed_watch_edit_overlay(void)
{
	char path[512], state[512], err[512], buf[4096];
	struct feed_watch *w = feed_watch_new(err, sizeof(err));
	CHECK(w != NULL, "feed_watch_new: %s", err);
	if (!w)
		return;
	new_maps(64);
	snprintf(path, sizeof(path), "%s/edited.txt", tmpdir);
	snprintf(state, sizeof(state), "%s/edited.overlay", tmpdir);
	write_file(path, "10.0.0.0/8\n192.0.2.0/24\n");
	struct feed_config cfg = {
		.name = "edited", .path = path, .fd4 = map4, .fd6 = map6,
		.tag = 2, .interval = 3600, .state_path = state,
	};
	CHECK_INT(feed_watch_add(w, &cfg, err, sizeof(err)), 0);
	CHECK_INT(edit(w, FEED_EDIT_ADD, "198.51.100.7\n2001:db8::1\n", err), 0);
	CHECK_STR(dump_maps(buf, sizeof(buf)), "10.0.0.0/8=2,192.0.2.0/24=2,"
		  "198.51.100.7/32=2,2001:db8::1/128=2");
	CHECK_INT(edit(w, FEED_EDIT_DEL, "192.0.2.0/24\n", err), 0);
	CHECK_STR(dump_maps(buf, sizeof(buf)), "10.0.0.0/8=2,"
		  "198.51.100.7/32=2,2001:db8::1/128=2");
	const struct feed_status *fs = feed_watch_status(w, 0);
	CHECK(fs->overlay_add == 2 && fs->overlay_del == 1 && fs->edits == 2 &&
	      fs->entries == 3, "overlay %zu/%zu edits %llu entries %zu",
	      fs->overlay_add, fs->overlay_del,
	      (unsigned long long)fs->edits, fs->entries);

	/* The file changes: the overlay is applied on top of it. */
	replace_file(path, "10.0.0.0/8\n192.0.2.0/24\n203.0.113.0/24\n");
	CHECK(wait_readable(feed_watch_fd(w), 2000), "no event");
	feed_watch_dispatch(w);
	CHECK_STR(dump_maps(buf, sizeof(buf)), "10.0.0.0/8=2,"
		  "198.51.100.7/32=2,2001:db8::1/128=2,203.0.113.0/24=2");

	/* A bad entry rejects the whole edit; nothing changes. */
	CHECK(edit(w, FEED_EDIT_ADD, "192.0.2.9\n10.0.0.1/8\n", err) != 0,
	      "bad edit accepted");
	CHECK(strstr(err, "host bits") != NULL, "err %s", err);
	CHECK_STR(dump_maps(buf, sizeof(buf)), "10.0.0.0/8=2,"
		  "198.51.100.7/32=2,2001:db8::1/128=2,203.0.113.0/24=2");
	/* More than the maps hold: refused before any change. */
	new_maps(4);
	CHECK_INT(feed_watch_set_maps(w, "edited", map4, map6, err,
				      sizeof(err)), 0);
	CHECK(edit(w, FEED_EDIT_ADD, "1.0.0.0/8\n2.0.0.0/8\n3.0.0.0/8\n",
		   err) != 0, "over capacity accepted");
	CHECK_STR(dump_maps(buf, sizeof(buf)), "10.0.0.0/8=2,"
		  "198.51.100.7/32=2,2001:db8::1/128=2,203.0.113.0/24=2");
	new_maps(64);
	CHECK_INT(feed_watch_set_maps(w, "edited", map4, map6, err,
				      sizeof(err)), 0);

	/* The overlay was saved: a new watcher (fwld restarted) has it. */
	feed_watch_free(w);
	w = feed_watch_new(err, sizeof(err));
	new_maps(64);
	cfg.fd4 = map4;
	cfg.fd6 = map6;
	CHECK_INT(feed_watch_add(w, &cfg, err, sizeof(err)), 0);
	CHECK_STR(dump_maps(buf, sizeof(buf)), "10.0.0.0/8=2,"
		  "198.51.100.7/32=2,2001:db8::1/128=2,203.0.113.0/24=2");

	/* add after del (and del after add) cancel each other out. */
	CHECK_INT(edit(w, FEED_EDIT_ADD, "192.0.2.0/24\n", err), 0);
	CHECK_INT(edit(w, FEED_EDIT_DEL, "2001:db8::1\n", err), 0);
	fs = feed_watch_status(w, 0);
	CHECK(fs->overlay_add == 2 && fs->overlay_del == 1,
	      "overlay %zu/%zu", fs->overlay_add, fs->overlay_del);

	/* replace: exactly these, the overlay cleared, until the file
	 * changes; an unchanged file on the interval keeps it. */
	CHECK_INT(edit(w, FEED_EDIT_REPLACE, "192.0.2.77\n", err), 0);
	CHECK_STR(dump_maps(buf, sizeof(buf)), "192.0.2.77/32=2");
	fs = feed_watch_status(w, 0);
	CHECK(fs->replaced && fs->overlay_add == 0 && fs->overlay_del == 0,
	      "replaced %d overlay %zu/%zu", fs->replaced, fs->overlay_add,
	      fs->overlay_del);
	CHECK(access(state, F_OK) != 0, "an empty overlay leaves no file");
	replace_file(path, "10.0.0.0/8\n");
	CHECK(wait_readable(feed_watch_fd(w), 2000), "no event");
	feed_watch_dispatch(w);
	CHECK_STR(dump_maps(buf, sizeof(buf)), "10.0.0.0/8=2");
	CHECK(!feed_watch_status(w, 0)->replaced, "still replaced");
	CHECK_INT(feed_watch_edit(w, "nope", FEED_EDIT_ADD,
				  &(struct feed_set){ 0 }, err, sizeof(err)),
		  -ENOENT);
	feed_watch_free(w);
}

/* A DNS name set: the name's addresses, re-resolved on the interval.  An
 * address literal resolves without any resolver, so this stays local. */
static void test_feed_watch_dns(void)
{
	char err[512], buf[4096];
	struct feed_watch *w = feed_watch_new(err, sizeof(err));
	CHECK(w != NULL, "feed_watch_new: %s", err);
	if (!w)
		return;
	new_maps(64);
	struct feed_config cfg = {
		.name = "dns4", .dns = "192.0.2.7", .fd4 = map4, .fd6 = map6,
		.tag = 9, .interval = 1,
	};
	CHECK_INT(feed_watch_add(w, &cfg, err, sizeof(err)), 0);
	CHECK_STR(dump_maps(buf, sizeof(buf)), "192.0.2.7/32=9");
	int m4 = feed_map_create(AF_INET, "dns6_v4", 8, err, sizeof(err));
	int m6 = feed_map_create(AF_INET6, "dns6_v6", 8, err, sizeof(err));
	struct feed_config cfg6 = {
		.name = "dns6", .dns = "2001:db8::7", .fd4 = m4, .fd6 = m6,
		.tag = 9, .interval = 1,
	};
	CHECK_INT(feed_watch_add(w, &cfg6, err, sizeof(err)), 0);
	struct feed_set s6;
	CHECK_INT(feed_read_maps(m4, m6, &s6, err, sizeof(err)), 0);
	CHECK_STR(set_str(&s6, buf, sizeof(buf)), "2001:db8::7/128");
	feed_set_free(&s6);
	close(m4);
	close(m6);
	CHECK_STR(feed_watch_status(w, 0)->path, "dns:192.0.2.7");
	CHECK(feed_watch_has(w, "dns4", NULL, "192.0.2.7") &&
	      !feed_watch_has(w, "dns4", "192.0.2.7", NULL),
	      "has() tells DNS from file sources");
	/* Re-resolved on the interval. */
	CHECK(wait_readable(feed_watch_fd(w), 3000), "no interval");
	CHECK(feed_watch_dispatch(w) >= 1, "nothing re-resolved");
	CHECK(feed_watch_status(w, 0)->updates >= 2, "updates %llu",
	      (unsigned long long)feed_watch_status(w, 0)->updates);
	feed_watch_free(w);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	log_max_level = LOG_LVL_ERR;	/* rejected feeds are expected here */
	RUN(test_feed_parse_formats);
	RUN(test_feed_parse_errors);
	RUN(test_feed_parse_limits);
	RUN(test_feed_parse_gzip_and_files);
	RUN(test_feed_apply_contents);
	RUN(test_feed_apply_refuses_bad_maps);
	RUN(test_feed_bad_update_keeps_map);
	RUN(test_feed_apply_capacity);
	RUN(test_feed_swap_has_no_window);
	RUN(test_feed_failure_rolls_back);
	RUN(test_feed_kernel_failure_mid_batch_rolls_back);
	RUN(test_feed_swap_under_concurrent_lookups);
	RUN(test_feed_watch_events);
	RUN(test_feed_watch_moves_to_new_maps);
	RUN(test_feed_watch_interval);
	RUN(test_feed_watch_directory_comes_back);
	RUN(test_feed_watch_first_load_fails);
	RUN(test_feed_set_combine);
	RUN(test_feed_watch_edit_overlay);
	RUN(test_feed_watch_dns);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd))
		printf("could not remove %s\n", tmpdir);
	return check_done();
}
