// SPDX-License-Identifier: MIT
/* metrics_test.c - Prometheus exposition writer and its HTTP server, with
 * real HTTP requests over loopback. */
#include "loader/log.h"
#include "loader/metrics.h"
#include "loader/stats.h"
#include "loader/strbuf.h"
#include "maps/counters.h"
#include "tests/lib/check.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define NASTY "say \"hi\"\n\\ok"	/* a label value needing escapes */

static int scrapes;

static void collect(struct metrics_out *out, void *arg)
{
	(void)arg;
	scrapes++;
	metrics_family(out, "fwl_test_packets_total", METRICS_COUNTER,
		       "Packets by rule.\nSecond line, a \\ backslash.");
	metrics_sample_u(out, "fwl_test_packets_total", 42, "rule", "input/1",
			 "text", NASTY, NULL);
	metrics_sample_u(out, "fwl_test_packets_total", UINT64_MAX, "rule",
			 "input/2", "text", "", NULL);
	metrics_family(out, "fwl_test_ratio", METRICS_GAUGE, "A ratio.");
	metrics_sample(out, "fwl_test_ratio", 0.25, NULL);
	metrics_sample(out, "fwl_test_ratio", NAN, "kind", "nan", NULL);
	metrics_sample(out, "fwl_test_ratio", -INFINITY, "kind", "inf", NULL);
	metrics_family(out, "fwl_test_scrapes", METRICS_UNTYPED, "Scrapes.");
	metrics_sample_u(out, "fwl_test_scrapes", scrapes, NULL);
}

static void test_metrics_text_format(void)
{
	struct strbuf sb;
	struct metrics_out out;
	scrapes = 0;
	sb_init(&sb);
	metrics_out_init(&out, &sb);
	collect(&out, NULL);
	CHECK_INT(out.errors, 0);
	CHECK_STR(sb.s,
		  "# HELP fwl_test_packets_total Packets by rule.\\nSecond "
		  "line, a \\\\ backslash.\n"
		  "# TYPE fwl_test_packets_total counter\n"
		  "fwl_test_packets_total{rule=\"input/1\",text=\"say "
		  "\\\"hi\\\"\\n\\\\ok\"} 42\n"
		  "fwl_test_packets_total{rule=\"input/2\",text=\"\"} "
		  "18446744073709551615\n"
		  "# HELP fwl_test_ratio A ratio.\n"
		  "# TYPE fwl_test_ratio gauge\n"
		  "fwl_test_ratio 0.25\n"
		  "fwl_test_ratio{kind=\"nan\"} NaN\n"
		  "fwl_test_ratio{kind=\"inf\"} -Inf\n"
		  "# HELP fwl_test_scrapes Scrapes.\n"
		  "# TYPE fwl_test_scrapes untyped\n"
		  "fwl_test_scrapes 1\n");
	sb_free(&sb);

	sb_init(&sb);
	metrics_out_init(&out, &sb);
	metrics_family(&out, "x", METRICS_GAUGE, "");
	metrics_sample(&out, "x", 0.1, NULL);
	metrics_sample(&out, "x", 1e300, NULL);
	metrics_sample(&out, "x", 1.0 / 3, NULL);
	CHECK_STR(sb.s, "# HELP x \n# TYPE x gauge\nx 0.1\nx 1e+300\n"
			"x 0.33333333333333331\n");
	CHECK(strtod("0.33333333333333331", NULL) == 1.0 / 3, "round trip");
	sb_free(&sb);
}

static void test_metrics_rejects_invalid(void)
{
	struct strbuf sb;
	struct metrics_out out;
	sb_init(&sb);
	metrics_out_init(&out, &sb);
	CHECK_INT(metrics_sample_u(&out, "fwl_a", 1, NULL), -EINVAL);
	CHECK_STR(out.first_error, "sample fwl_a outside its family (current: "
				   "none)");
	CHECK_INT(metrics_family(&out, "1bad", METRICS_GAUGE, "h"), -EINVAL);
	CHECK_INT(metrics_family(&out, "bad-name", METRICS_GAUGE, "h"),
		  -EINVAL);
	CHECK_INT(metrics_family(&out, "", METRICS_GAUGE, "h"), -EINVAL);
	CHECK_INT(metrics_family(&out, "fwl_a", METRICS_GAUGE, "h"), 0);
	CHECK_INT(metrics_sample_u(&out, "fwl_b", 1, NULL), -EINVAL);
	CHECK_INT(metrics_sample_u(&out, "fwl_a", 1, "__name__", "x", NULL),
		  -EINVAL);
	CHECK_INT(metrics_sample_u(&out, "fwl_a", 1, "a:b", "x", NULL),
		  -EINVAL);
	CHECK_INT(metrics_sample_u(&out, "fwl_a", 1, "k", "x", "k", "y", NULL),
		  -EINVAL);
	CHECK_INT(metrics_sample_u(&out, "fwl_a", 1, "k", NULL), -EINVAL);
	CHECK_INT(metrics_sample_u(&out, "fwl_a", 7, "k", "ok", NULL), 0);
	CHECK_INT(metrics_family(&out, "fwl_a", METRICS_GAUGE, "again"),
		  -EINVAL);
	/* After a rejected family, its samples go nowhere. */
	CHECK_INT(metrics_sample_u(&out, "fwl_a", 8, NULL), -EINVAL);
	CHECK_INT(out.errors, 11);
	CHECK_STR(sb.s, "# HELP fwl_a h\n# TYPE fwl_a gauge\n"
			"fwl_a{k=\"ok\"} 7\n");
	CHECK(metrics_valid_name("ns:sub_name_2"), "colon name");
	CHECK(!metrics_valid_label("ns:sub"), "colon label");
	sb_free(&sb);
}

/* --- HTTP ------------------------------------------------------------------*/

struct exchange {
	int port;
	const char *data;
	size_t len;
	struct strbuf resp;
	atomic_int done;
};

static int connect_to(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		printf("connect: %s\n", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* The client side, in a thread: send, then read until the server closes. */
static void *client(void *arg)
{
	struct exchange *x = arg;
	char buf[4096];
	int fd = connect_to(x->port);
	if (fd >= 0) {
		size_t off = 0;
		while (off < x->len) {
			ssize_t n = send(fd, x->data + off, x->len - off,
					 MSG_NOSIGNAL);
			if (n <= 0)
				break;	/* the server may stop reading */
			off += n;
		}
		for (;;) {
			struct pollfd p = { fd, POLLIN, 0 };
			if (poll(&p, 1, 5000) <= 0)
				break;
			ssize_t n = read(fd, buf, sizeof(buf));
			if (n <= 0)
				break;
			sb_printf(&x->resp, "%.*s", (int)n, buf);
		}
		close(fd);
	}
	atomic_store(&x->done, 1);
	return NULL;
}

/* Run the server's loop (as fwld would) until the client is done. */
static void pump_until(struct metrics_server *m, atomic_int *flag)
{
	for (int i = 0; i < 400 && !atomic_load(flag); i++) {
		struct pollfd p = { metrics_server_fd(m), POLLIN, 0 };
		if (poll(&p, 1, 25) > 0)
			metrics_server_dispatch(m);
	}
}

struct response {
	int status;
	char head[2048];
	const char *body;
	size_t blen;
};

/* Send data, return the parsed response (resp owns the bytes). */
static void http(struct metrics_server *m, const char *data, size_t len,
		 struct exchange *x, struct response *r)
{
	pthread_t t;
	memset(x, 0, sizeof(*x));
	x->port = metrics_server_port(m);
	x->data = data;
	x->len = len;
	sb_init(&x->resp);
	pthread_create(&t, NULL, client, x);
	pump_until(m, &x->done);
	pthread_join(t, NULL);
	memset(r, 0, sizeof(*r));
	char *end = strstr(x->resp.s, "\r\n\r\n");
	if (sscanf(x->resp.s, "HTTP/1.1 %d ", &r->status) != 1)
		r->status = -1;
	if (end) {
		snprintf(r->head, sizeof(r->head), "%.*s",
			 (int)(end - x->resp.s + 2), x->resp.s);
		r->body = end + 4;
		r->blen = x->resp.len - (end + 4 - x->resp.s);
	}
}

/* Value of a label in an exposition line, unescaped (the inverse of the
 * writer, written from the format's description). */
static bool label_value(const char *line, const char *label, char *out,
			size_t len)
{
	char pat[64];
	snprintf(pat, sizeof(pat), "%s=\"", label);
	const char *p = strstr(line, pat);
	size_t n = 0;
	if (!p)
		return false;
	for (p += strlen(pat); *p && *p != '"' && n + 1 < len; p++) {
		if (*p == '\\') {
			p++;
			out[n++] = *p == 'n' ? '\n' : *p;
		} else {
			out[n++] = *p;
		}
	}
	out[n] = 0;
	return *p == '"';
}

static void test_metrics_http_get(void)
{
	char err[256], v[128];
	struct exchange x;
	struct response r;
	struct metrics_server *m = metrics_server_new("127.0.0.1:0", false,
						      collect, NULL, err,
						      sizeof(err));
	CHECK(m != NULL, "server: %s", err);
	if (!m)
		return;
	CHECK(metrics_server_port(m) > 0, "no port");
	scrapes = 0;
	const char *req = "GET /metrics HTTP/1.1\r\nHost: localhost\r\n"
			  "Accept: text/plain\r\n\r\n";
	http(m, req, strlen(req), &x, &r);
	CHECK_INT(r.status, 200);
	CHECK(strstr(r.head, "\r\nContent-Type: text/plain; version=0.0.4; "
			     "charset=utf-8\r\n"), "head:\n%s", r.head);
	char want[64];
	snprintf(want, sizeof(want), "\r\nContent-Length: %zu\r\n", r.blen);
	CHECK(strstr(r.head, want) != NULL, "length mismatch:\n%s", r.head);
	CHECK(r.body && strstr(r.body, "# TYPE fwl_test_packets_total "
				       "counter\n"), "body:\n%s", r.body);
	/* Each sample line parses back to what was written. */
	const char *l = r.body ? strstr(r.body, "fwl_test_packets_total{") : 0;
	CHECK(l && label_value(l, "text", v, sizeof(v)), "no text label");
	if (l)
		CHECK_STR(v, NASTY);
	CHECK(l && strstr(l, "} 42\n") != NULL, "value 42");
	CHECK(r.body && strstr(r.body, "fwl_test_scrapes 1\n"), "scrapes");
	sb_free(&x.resp);

	/* HTTP/1.0 and a query string are fine; each GET collects anew. */
	req = "GET /metrics?x=1 HTTP/1.0\r\n\r\n";
	http(m, req, strlen(req), &x, &r);
	CHECK_INT(r.status, 200);
	CHECK(r.body && strstr(r.body, "fwl_test_scrapes 2\n"), "scrapes 2");
	sb_free(&x.resp);

	/* HEAD: the headers only. */
	req = "HEAD /metrics HTTP/1.1\r\n\r\n";
	http(m, req, strlen(req), &x, &r);
	CHECK_INT(r.status, 200);
	CHECK_INT(r.blen, 0);
	CHECK(strstr(r.head, "Content-Length: 0\r\n") == NULL,
	      "HEAD must give the GET's length");
	sb_free(&x.resp);
	CHECK_INT(metrics_server_stats(m)->ok, 3);
	metrics_server_free(m);
}

static void test_metrics_http_errors(void)
{
	static const struct {
		const char *req;
		int status;
	} cases[] = {
		{ "GET / HTTP/1.1\r\n\r\n", 404 },
		{ "GET /metricsx HTTP/1.1\r\n\r\n", 404 },
		{ "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n", 405 },
		{ "DELETE /metrics HTTP/1.0\r\n\r\n", 405 },
		{ "GET /metrics HTTP/2.0\r\n\r\n", 400 },
		{ "GET /metrics\r\n\r\n", 400 },
		{ "get /metrics HTTP/1.1\r\n\r\n", 400 },
		{ "GET  /metrics HTTP/1.1\r\n\r\n", 400 },
		{ "GET metrics HTTP/1.1\r\n\r\n", 400 },
		{ "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\n\n", 400 },
	};
	char err[256];
	struct exchange x;
	struct response r;
	struct metrics_server *m = metrics_server_new("127.0.0.1:0", false,
						      collect, NULL, err,
						      sizeof(err));
	CHECK(m != NULL, "server: %s", err);
	if (!m)
		return;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		http(m, cases[i].req, strlen(cases[i].req), &x, &r);
		CHECK(r.status == cases[i].status, "case %zu: status %d, want "
		      "%d", i, r.status, cases[i].status);
		if (cases[i].status == 405)
			CHECK(strstr(r.head, "\r\nAllow: GET, HEAD\r\n"),
			      "no Allow header");
		sb_free(&x.resp);
	}
	/* A request that never ends its head within the bound. */
	char *big = malloc(3 * METRICS_MAX_REQUEST);
	memcpy(big, "GET /metrics HTTP/1.1\r\nX-Pad: ", 30);
	memset(big + 30, 'a', 3 * METRICS_MAX_REQUEST - 30);
	http(m, big, 3 * METRICS_MAX_REQUEST, &x, &r);
	CHECK_INT(r.status, 431);
	sb_free(&x.resp);
	free(big);
	/* A NUL byte in the head. */
	http(m, "GET /metrics\0 HTTP/1.1\r\n\r\n", 26, &x, &r);
	CHECK_INT(r.status, 400);
	sb_free(&x.resp);
	/* An exposition over the body bound is a 500, not a huge reply. */
	const char *req = "GET /metrics HTTP/1.1\r\n\r\n";
	metrics_server_set_max_body(m, 100);
	http(m, req, strlen(req), &x, &r);
	CHECK_INT(r.status, 500);
	sb_free(&x.resp);
	metrics_server_set_max_body(m, 0);
	/* And the server still serves. */
	http(m, req, strlen(req), &x, &r);
	CHECK_INT(r.status, 200);
	sb_free(&x.resp);
	CHECK_INT(metrics_server_stats(m)->client_errors,
		  sizeof(cases) / sizeof(*cases) + 3);
	metrics_server_free(m);
}

/* A client that stalls mid-request neither blocks others nor stays. */
static void test_metrics_http_slow_client(void)
{
	char err[256], buf[512];
	struct exchange x;
	struct response r;
	struct metrics_server *m = metrics_server_new("127.0.0.1:0", false,
						      collect, NULL, err,
						      sizeof(err));
	CHECK(m != NULL, "server: %s", err);
	if (!m)
		return;
	metrics_server_set_timeout(m, 300);
	int slow = connect_to(metrics_server_port(m));
	CHECK(slow >= 0, "connect");
	CHECK(send(slow, "GET /metr", 9, 0) == 9, "send");
	metrics_server_dispatch(m);
	const char *req = "GET /metrics HTTP/1.1\r\n\r\n";
	http(m, req, strlen(req), &x, &r);
	CHECK_INT(r.status, 200);
	sb_free(&x.resp);
	/* The stalled one gets 408 and is closed after the timeout. */
	for (int i = 0; i < 24; i++) {	/* 600 ms of fwld's loop */
		struct pollfd p = { metrics_server_fd(m), POLLIN, 0 };
		if (poll(&p, 1, 25) > 0)
			metrics_server_dispatch(m);
	}
	ssize_t n = read(slow, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	CHECK(strncmp(buf, "HTTP/1.1 408 ", 13) == 0, "got '%s'", buf);
	CHECK_INT(metrics_server_stats(m)->timeouts, 1);
	close(slow);
	metrics_server_free(m);
}

/* At most METRICS_MAX_CLIENTS at once; more are told 503 and closed. */
static void test_metrics_http_client_bound(void)
{
	char err[256], buf[256];
	int fds[METRICS_MAX_CLIENTS];
	struct metrics_server *m = metrics_server_new("127.0.0.1:0", false,
						      collect, NULL, err,
						      sizeof(err));
	CHECK(m != NULL, "server: %s", err);
	if (!m)
		return;
	for (int i = 0; i < METRICS_MAX_CLIENTS; i++)
		fds[i] = connect_to(metrics_server_port(m));
	metrics_server_dispatch(m);
	int extra = connect_to(metrics_server_port(m));
	metrics_server_dispatch(m);
	struct pollfd p = { extra, POLLIN, 0 };
	poll(&p, 1, 1000);
	ssize_t n = read(extra, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	CHECK(strncmp(buf, "HTTP/1.1 503 ", 13) == 0, "got '%s'", buf);
	CHECK_INT(metrics_server_stats(m)->refused, 1);
	close(extra);
	for (int i = 0; i < METRICS_MAX_CLIENTS; i++)
		close(fds[i]);
	/* The slots free up again. */
	struct exchange x;
	struct response r;
	const char *req = "GET /metrics HTTP/1.1\r\n\r\n";
	http(m, req, strlen(req), &x, &r);
	CHECK_INT(r.status, 200);
	sb_free(&x.resp);
	metrics_server_free(m);
}

static void test_metrics_loopback_only(void)
{
	char err[256];
	struct metrics_server *m;

	m = metrics_server_new("0.0.0.0:0", false, collect, NULL, err,
			       sizeof(err));
	CHECK(m == NULL, "bound 0.0.0.0 without permission");
	CHECK_STR(err, "metrics address 0.0.0.0:0 is not a loopback address; "
		       "the metrics would be visible to the network (allow "
		       "it explicitly to do that)");
	m = metrics_server_new("[::]:0", false, collect, NULL, err,
			       sizeof(err));
	CHECK(m == NULL, "bound :: without permission");
	m = metrics_server_new("[::ffff:10.0.0.1]:0", false, collect, NULL,
			       err, sizeof(err));
	CHECK(m == NULL, "bound a mapped address without permission");
	static const char *const bad[] = {
		"127.0.0.1", "::1:9464", "localhost:9464", "127.0.0.1:70000",
		"127.0.0.1:", "[::1]9464", "127.0.0.1:94a",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		m = metrics_server_new(bad[i], false, collect, NULL, err,
				       sizeof(err));
		CHECK(m == NULL, "accepted '%s'", bad[i]);
		CHECK(strstr(err, "expected ADDRESS:PORT") != NULL, "err %s",
		      err);
	}
	m = metrics_server_new("[::1]:0", false, collect, NULL, err,
			       sizeof(err));
	CHECK(m != NULL, "[::1]: %s", err);
	metrics_server_free(m);
	m = metrics_server_new("127.0.0.2:0", false, collect, NULL, err,
			       sizeof(err));
	CHECK(m != NULL, "127.0.0.2: %s", err);
	metrics_server_free(m);
	m = metrics_server_new("0.0.0.0:0", true, collect, NULL, err,
			       sizeof(err));
	CHECK(m != NULL, "0.0.0.0 when allowed: %s", err);
	metrics_server_free(m);
}

/* fwld's families from a real per-CPU counter map (needs root). */
static void test_stats_rule_and_policy_families(void)
{
	int ncpu = libbpf_num_possible_cpus();
	struct fwl_count *vals = calloc(ncpu, sizeof(*vals));
	struct bundle_rule rules[2] = {
		{ .id = 100, .name = (char *)"input/1",
		  .policy = (char *)"input", .action = (char *)"Allow" },
		{ .id = 200, .name = (char *)"input/2",
		  .policy = (char *)"input", .action = (char *)"Drop" },
	};
	struct bundle b = { .hash = (char *)"9f1c0c3a5e2b7d41",
			    .source = (char *)"examples/a \"b\".fwl",
			    .rules = rules, .nrules = 2 };
	struct reload_stats rs = { 0 };
	struct strbuf sb;
	struct metrics_out out;
	uint32_t id = 100;
	uint64_t p, by;

	int fd = bpf_map_create(BPF_MAP_TYPE_PERCPU_HASH, "test_rule_stats",
				4, sizeof(*vals), 16, NULL);
	CHECK(fd >= 0, "per-CPU map: %s (needs root)", strerror(errno));
	for (int c = 0; c < ncpu; c++)
		vals[c] = (struct fwl_count){ c + 3, 100 * (c + 3) };
	CHECK_INT(bpf_map_update_elem(fd, &id, vals, BPF_ANY), 0);
	uint64_t want_p = 0, want_b = 0;
	for (int c = 0; c < ncpu; c++) {
		want_p += c + 3;
		want_b += 100 * (c + 3);
	}
	CHECK_INT(stats_rule_counter(fd, 100, &p, &by), 0);
	CHECK(p == want_p && by == want_b, "sums %llu %llu",
	      (unsigned long long)p, (unsigned long long)by);
	CHECK_INT(stats_rule_counter(fd, 200, &p, &by), -ENOENT);
	CHECK(p == 0 && by == 0, "missing rule not zero");

	sb_init(&sb);
	metrics_out_init(&out, &sb);
	stats_metrics_rules(&out, &b, fd);
	stats_metrics_policy(&out, &b, 1700000000);
	reload_stats_add(&rs, RELOAD_OK, 0.25);
	reload_stats_add(&rs, RELOAD_COMPILE, 0.5);
	reload_stats_add(&rs, RELOAD_OK, 0.125);
	stats_metrics_reloads(&out, &rs);
	CHECK_INT(out.errors, 0);
	char line[256];
	snprintf(line, sizeof(line), "fwl_rule_packets_total{rule=\"input/1\","
		 "policy=\"input\",action=\"Allow\",id=\"100\"} %llu\n",
		 (unsigned long long)want_p);
	CHECK(strstr(sb.s, line) != NULL, "no '%s' in:\n%s", line, sb.s);
	snprintf(line, sizeof(line), "fwl_rule_bytes_total{rule=\"input/1\","
		 "policy=\"input\",action=\"Allow\",id=\"100\"} %llu\n",
		 (unsigned long long)want_b);
	CHECK(strstr(sb.s, line) != NULL, "no '%s' in:\n%s", line, sb.s);
	CHECK(strstr(sb.s, "fwl_rule_packets_total{rule=\"input/2\",policy="
			   "\"input\",action=\"Drop\",id=\"200\"} 0\n"),
	      "rule 2:\n%s", sb.s);
	CHECK(strstr(sb.s, "fwl_policy_info{hash=\"9f1c0c3a5e2b7d41\","
			   "source=\"examples/a \\\"b\\\".fwl\"} 1\n"),
	      "policy info:\n%s", sb.s);
	CHECK(strstr(sb.s, "fwl_policy_loaded_timestamp_seconds 1700000000\n"),
	      "loaded at:\n%s", sb.s);
	CHECK(strstr(sb.s, "fwl_reloads_total{result=\"ok\"} 2\n") &&
		      strstr(sb.s, "fwl_reloads_total{result=\"compile_error\"} "
				   "1\n") &&
		      strstr(sb.s, "fwl_reloads_total{result=\"attach_error\"} "
				   "0\n"),
	      "reloads:\n%s", sb.s);
	CHECK(strstr(sb.s, "fwl_reload_duration_seconds 0.125\n"),
	      "duration:\n%s", sb.s);
	sb_free(&sb);
	free(vals);
	if (fd >= 0)
		close(fd);
}

/* Drops by reason from a real per-CPU array shaped like fwl_drop_cnt. */
static void test_stats_drop_families(void)
{
	int ncpu = libbpf_num_possible_cpus();
	struct fwl_count *vals = calloc(ncpu, sizeof(*vals));
	struct strbuf sb;
	struct metrics_out out;
	char name[64], line[128];
	uint32_t key = FWL_DROP_CT_FULL;

	int fd = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "test_drop_cnt", 4,
				sizeof(*vals), FWL_DROP_CNT_MAX, NULL);
	CHECK(fd >= 0, "per-CPU array: %s (needs root)", strerror(errno));
	vals[ncpu - 1] = (struct fwl_count){ 5, 640 };
	vals[0].packets += 2;
	vals[0].bytes += 128;
	CHECK_INT(bpf_map_update_elem(fd, &key, vals, BPF_ANY), 0);
	CHECK_STR(stats_drop_reason_name(FWL_DROP_CT_FULL, name, sizeof(name)),
		  "ct_full");
	CHECK_STR(stats_drop_reason_name(FWL_DROP_POLICY, name, sizeof(name)),
		  "policy");
	CHECK_STR(stats_drop_reason_name(200, name, sizeof(name)),
		  "reason_200");
	sb_init(&sb);
	metrics_out_init(&out, &sb);
	stats_metrics_drops(&out, fd);
	CHECK_INT(out.errors, 0);
	snprintf(line, sizeof(line), "fwl_drops_total{reason=\"ct_full\"} 7\n");
	CHECK(strstr(sb.s, line) != NULL, "no '%s' in:\n%s", line, sb.s);
	CHECK(strstr(sb.s, "fwl_drop_bytes_total{reason=\"ct_full\"} 768\n"),
	      "bytes:\n%s", sb.s);
	CHECK(strstr(sb.s, "fwl_drops_total{reason=\"policy\"} 0\n"),
	      "zeros are exported:\n%s", sb.s);
	CHECK(!strstr(sb.s, "reason=\"none\""), "reason 0 exported");
	sb_free(&sb);
	free(vals);
	if (fd >= 0)
		close(fd);
}

int main(void)
{
	log_max_level = LOG_LVL_ERR;
	RUN(test_metrics_text_format);
	RUN(test_metrics_rejects_invalid);
	RUN(test_metrics_http_get);
	RUN(test_metrics_http_errors);
	RUN(test_metrics_http_slow_client);
	RUN(test_metrics_http_client_bound);
	RUN(test_metrics_loopback_only);
	RUN(test_stats_rule_and_policy_families);
	RUN(test_stats_drop_families);
	return check_done();
}
