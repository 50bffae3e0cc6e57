// SPDX-License-Identifier: MIT
/* metrics.c - Prometheus text exposition over HTTP, see metrics.h. */
#include "loader/metrics.h"
#include "loader/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define MAX_LABELS 16
#define DRAIN_MAX (64 * 1024)	/* bytes discarded after an error reply */

/* --- Writing the exposition --------------------------------------------- */

void metrics_out_init(struct metrics_out *out, struct strbuf *sb)
{
	memset(out, 0, sizeof(*out));
	out->sb = sb;
}

static void out_error(struct metrics_out *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void out_error(struct metrics_out *out, const char *fmt, ...)
{
	va_list ap;
	if (!out->errors++) {
		va_start(ap, fmt);
		vsnprintf(out->first_error, sizeof(out->first_error), fmt, ap);
		va_end(ap);
	}
}

static bool name_char(char c, bool first, bool colon)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_')
		return true;
	if (colon && c == ':')
		return true;
	return !first && c >= '0' && c <= '9';
}

bool metrics_valid_name(const char *name)
{
	if (!name || !*name)
		return false;
	for (const char *p = name; *p; p++)
		if (!name_char(*p, p == name, true))
			return false;
	return true;
}

bool metrics_valid_label(const char *name)
{
	if (!name || !*name || !strncmp(name, "__", 2))
		return false;
	for (const char *p = name; *p; p++)
		if (!name_char(*p, p == name, false))
			return false;
	return true;
}

static const char *type_name(enum metrics_type t)
{
	switch (t) {
	case METRICS_COUNTER: return "counter";
	case METRICS_GAUGE: return "gauge";
	default: return "untyped";
	}
}

int metrics_family(struct metrics_out *out, const char *name,
		   enum metrics_type type, const char *help)
{
	out->family[0] = 0;
	if (!metrics_valid_name(name) || strlen(name) >= sizeof(out->family)) {
		out_error(out, "invalid metric name '%.64s'", name ? name : "");
		return -EINVAL;
	}
	for (int i = 0; i < out->nseen; i++) {
		if (!strcmp(out->seen[i], name)) {
			out_error(out, "metric family %s written twice", name);
			return -EINVAL;
		}
	}
	if (out->nseen < (int)(sizeof(out->seen) / sizeof(out->seen[0])))
		strcpy(out->seen[out->nseen++], name);
	strcpy(out->family, name);
	out->type = type;
	sb_printf(out->sb, "# HELP %s ", name);
	for (const char *p = help ? help : ""; *p; p++) {
		if (*p == '\\')
			sb_printf(out->sb, "\\\\");
		else if (*p == '\n')
			sb_printf(out->sb, "\\n");
		else
			sb_printf(out->sb, "%c", *p);
	}
	sb_printf(out->sb, "\n# TYPE %s %s\n", name, type_name(type));
	return 0;
}

static void put_label_value(struct strbuf *sb, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\')
			sb_printf(sb, "\\\\");
		else if (*v == '"')
			sb_printf(sb, "\\\"");
		else if (*v == '\n')
			sb_printf(sb, "\\n");
		else
			sb_printf(sb, "%c", *v);
	}
}

/* Check and write "name{l="v",...} " then the caller writes the value. */
static int sample_head(struct metrics_out *out, const char *name,
		       va_list ap)
{
	const char *k[MAX_LABELS], *v[MAX_LABELS];
	int n = 0;

	if (!out->family[0] || !name || strcmp(name, out->family)) {
		out_error(out, "sample %.64s outside its family (current: "
			  "%s)", name ? name : "(null)",
			  out->family[0] ? out->family : "none");
		return -EINVAL;
	}
	for (;;) {
		const char *key = va_arg(ap, const char *);
		if (!key)
			break;
		if (n == MAX_LABELS) {
			out_error(out, "%s: more than %d labels", name,
				  MAX_LABELS);
			return -EINVAL;
		}
		k[n] = key;
		v[n] = va_arg(ap, const char *);
		if (!metrics_valid_label(key)) {
			out_error(out, "%s: invalid label name '%.64s'", name,
				  key);
			return -EINVAL;
		}
		if (!v[n]) {
			out_error(out, "%s: label %s has no value", name, key);
			return -EINVAL;
		}
		for (int i = 0; i < n; i++) {
			if (!strcmp(k[i], key)) {
				out_error(out, "%s: label %s given twice",
					  name, key);
				return -EINVAL;
			}
		}
		n++;
	}
	sb_printf(out->sb, "%s", name);
	for (int i = 0; i < n; i++) {
		sb_printf(out->sb, "%s%s=\"", i ? "," : "{", k[i]);
		put_label_value(out->sb, v[i]);
		sb_printf(out->sb, "\"");
	}
	sb_printf(out->sb, "%s ", n ? "}" : "");
	return 0;
}

int metrics_sample(struct metrics_out *out, const char *name, double value,
		   ...)
{
	va_list ap;
	char num[40];
	int r;

	va_start(ap, value);
	r = sample_head(out, name, ap);
	va_end(ap);
	if (r)
		return r;
	if (isnan(value))
		snprintf(num, sizeof(num), "NaN");
	else if (isinf(value))
		snprintf(num, sizeof(num), value > 0 ? "+Inf" : "-Inf");
	else {
		snprintf(num, sizeof(num), "%.15g", value);
		if (strtod(num, NULL) != value)
			snprintf(num, sizeof(num), "%.17g", value);
	}
	sb_printf(out->sb, "%s\n", num);
	return 0;
}

int metrics_sample_u(struct metrics_out *out, const char *name,
		     uint64_t value, ...)
{
	va_list ap;
	int r;

	va_start(ap, value);
	r = sample_head(out, name, ap);
	va_end(ap);
	if (!r)
		sb_printf(out->sb, "%llu\n", (unsigned long long)value);
	return r;
}

/* --- The HTTP server ------------------------------------------------------ */

enum client_state {
	CL_FREE,	/* slot unused */
	CL_READ,	/* reading the request head */
	CL_WRITE,	/* sending the response */
	CL_DRAIN,	/* response sent, discarding input until EOF */
};

struct client {
	enum client_state state;
	int fd;
	size_t len;			/* request bytes read */
	struct strbuf resp;
	size_t sent;
	size_t drained;
	double deadline;		/* monotonic seconds */
	char req[METRICS_MAX_REQUEST + 1];	/* last: not cleared */
};

struct metrics_server {
	int epfd, lfd, tfd, port;
	int timeout_ms;
	size_t max_body;
	metrics_collect_fn collect;
	void *arg;
	struct metrics_server_stats stats;
	struct client cl[METRICS_MAX_CLIENTS];
};

#define TAG_LISTEN 0xffffffffu
#define TAG_TIMER 0xfffffffeu

static double mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* host:port or [v6]:port into a sockaddr. */
static int parse_addr(const char *s, struct sockaddr_storage *ss,
		      socklen_t *len, char *err, size_t errlen)
{
	char host[64];
	const char *colon, *hs = s;
	size_t hl;
	memset(ss, 0, sizeof(*ss));
	if (*s == '[') {
		const char *rb = strchr(s, ']');
		if (!rb || rb[1] != ':')
			goto bad;
		hs = s + 1;
		hl = rb - hs;
		colon = rb + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || memchr(s, ':', colon - s))
			goto bad;	/* bare IPv6 needs brackets */
		hl = colon - s;
	}
	if (hl == 0 || hl >= sizeof(host) || !colon[1] ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1) ||
	    strlen(colon + 1) > 5 || atoi(colon + 1) > 65535)
		goto bad;
	memcpy(host, hs, hl);
	host[hl] = 0;
	int port = atoi(colon + 1);
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(port);
		*len = sizeof(*a4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		*len = sizeof(*a6);
		return 0;
	}
bad:
	snprintf(err, errlen, "metrics address '%s': expected ADDRESS:PORT "
		 "with a numeric address, e.g. 127.0.0.1:9464 or [::1]:9464",
		 s);
	return -EINVAL;
}

static bool is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ((const uint8_t *)&((const struct sockaddr_in *)ss)
				->sin_addr)[0] == 127;
	const struct in6_addr *a = &((const struct sockaddr_in6 *)ss)->sin6_addr;
	return IN6_IS_ADDR_LOOPBACK(a) ||
	       (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
}

static int ep_add(struct metrics_server *m, int fd, uint32_t events,
		  uint32_t tag)
{
	struct epoll_event ev = { .events = events, .data.u32 = tag };
	return epoll_ctl(m->epfd, EPOLL_CTL_ADD, fd, &ev);
}

struct metrics_server *metrics_server_new(const char *addr, bool allow_public,
					  metrics_collect_fn collect,
					  void *arg, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	struct metrics_server *m;
	int one = 1;

	if (parse_addr(addr ? addr : METRICS_DEFAULT_ADDR, &ss, &sl, err,
		       errlen))
		return NULL;
	if (!allow_public && !is_loopback(&ss)) {
		snprintf(err, errlen, "metrics address %s is not a loopback "
			 "address; the metrics would be visible to the "
			 "network (allow it explicitly to do that)", addr);
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	m->collect = collect;
	m->arg = arg;
	m->timeout_ms = METRICS_TIMEOUT_MS;
	m->max_body = METRICS_MAX_BODY;
	for (int i = 0; i < METRICS_MAX_CLIENTS; i++)
		m->cl[i].fd = -1;
	m->lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
			SOCK_CLOEXEC, 0);
	m->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	m->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (m->lfd < 0 || m->tfd < 0 || m->epfd < 0)
		goto fail;
	setsockopt(m->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(m->lfd, (struct sockaddr *)&ss, sl) || listen(m->lfd, 32))
		goto fail;
	if (getsockname(m->lfd, (struct sockaddr *)&ss, &sl) == 0)
		m->port = ntohs(ss.ss_family == AF_INET
				? ((struct sockaddr_in *)&ss)->sin_port
				: ((struct sockaddr_in6 *)&ss)->sin6_port);
	if (ep_add(m, m->lfd, EPOLLIN, TAG_LISTEN) ||
	    ep_add(m, m->tfd, EPOLLIN, TAG_TIMER))
		goto fail;
	return m;
fail:
	snprintf(err, errlen, "cannot serve metrics on %s: %s",
		 addr ? addr : METRICS_DEFAULT_ADDR, strerror(errno));
	metrics_server_free(m);
	return NULL;
}

static void client_close(struct metrics_server *m, struct client *c)
{
	epoll_ctl(m->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	sb_free(&c->resp);
	c->state = CL_FREE;
	c->fd = -1;
}

void metrics_server_free(struct metrics_server *m)
{
	if (!m)
		return;
	for (int i = 0; i < METRICS_MAX_CLIENTS; i++)
		if (m->cl[i].state != CL_FREE)
			client_close(m, &m->cl[i]);
	if (m->lfd >= 0)
		close(m->lfd);
	if (m->tfd >= 0)
		close(m->tfd);
	if (m->epfd >= 0)
		close(m->epfd);
	free(m);
}

int metrics_server_fd(const struct metrics_server *m)
{
	return m->epfd;
}

void metrics_server_set_timeout(struct metrics_server *m, int ms)
{
	m->timeout_ms = ms > 0 ? ms : METRICS_TIMEOUT_MS;
}

void metrics_server_set_max_body(struct metrics_server *m, size_t bytes)
{
	m->max_body = bytes ? bytes : METRICS_MAX_BODY;
}

int metrics_server_port(const struct metrics_server *m)
{
	return m->port;
}

const struct metrics_server_stats *
metrics_server_stats(const struct metrics_server *m)
{
	return &m->stats;
}

static void arm_timer(struct metrics_server *m)
{
	struct itimerspec its = { 0 };
	double due = 0;
	for (int i = 0; i < METRICS_MAX_CLIENTS; i++)
		if (m->cl[i].state != CL_FREE &&
		    (!due || m->cl[i].deadline < due))
			due = m->cl[i].deadline;
	if (due) {
		its.it_value.tv_sec = (time_t)due;
		its.it_value.tv_nsec = (long)((due - (time_t)due) * 1e9);
	}
	timerfd_settime(m->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* Queue a response and switch c to writing. */
static void respond(struct metrics_server *m, struct client *c, int code,
		    const char *reason, const char *ctype, const char *extra,
		    const char *body, size_t blen, bool head_only)
{
	struct epoll_event ev = { .events = EPOLLOUT, .data.u32 = c - m->cl };
	sb_printf(&c->resp, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
		  "Content-Length: %zu\r\n%sConnection: close\r\n\r\n", code,
		  reason, ctype, blen, extra ? extra : "");
	if (!head_only)
		sb_printf(&c->resp, "%.*s", (int)blen, body);
	c->state = CL_WRITE;
	c->sent = 0;
	epoll_ctl(m->epfd, EPOLL_CTL_MOD, c->fd, &ev);
	if (code == 200)
		m->stats.ok++;
	else if (code == 408)
		m->stats.timeouts++;
	else
		m->stats.client_errors++;
}

static void respond_error(struct metrics_server *m, struct client *c,
			  int code, const char *reason, const char *extra)
{
	char body[128];
	int n = snprintf(body, sizeof(body), "%d %s\n", code, reason);
	respond(m, c, code, reason, "text/plain; charset=utf-8", extra, body,
		n, false);
}

/* The whole request head is in c->req: answer it. */
static void handle_request(struct metrics_server *m, struct client *c)
{
	char method[16], target[256], version[16];
	char *eol = strpbrk(c->req, "\r\n");
	size_t l = eol ? (size_t)(eol - c->req) : c->len;
	char line[512];

	if (l >= sizeof(line)) {
		respond_error(m, c, 414, "URI Too Long", NULL);
		return;
	}
	memcpy(line, c->req, l);
	line[l] = 0;
	/* request-line = method SP target SP HTTP-version */
	char *sp1 = strchr(line, ' '), *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	if (!sp1 || !sp2 || strchr(sp2 + 1, ' ') || sp1 == line ||
	    sp1 - line >= (long)sizeof(method) || sp2 == sp1 + 1 ||
	    sp2 - sp1 - 1 >= (long)sizeof(target) ||
	    strlen(sp2 + 1) >= sizeof(version)) {
		respond_error(m, c, 400, "Bad Request", NULL);
		return;
	}
	snprintf(method, sizeof(method), "%.*s", (int)(sp1 - line), line);
	snprintf(target, sizeof(target), "%.*s", (int)(sp2 - sp1 - 1), sp1 + 1);
	snprintf(version, sizeof(version), "%s", sp2 + 1);
	if (strspn(method, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != strlen(method) ||
	    target[0] != '/' ||
	    (strcmp(version, "HTTP/1.0") && strcmp(version, "HTTP/1.1"))) {
		respond_error(m, c, 400, "Bad Request", NULL);
		return;
	}
	target[strcspn(target, "?")] = 0;
	if (strcmp(target, "/metrics")) {
		respond_error(m, c, 404, "Not Found", NULL);
		return;
	}
	bool head = !strcmp(method, "HEAD");
	if (!head && strcmp(method, "GET")) {
		respond_error(m, c, 405, "Method Not Allowed",
			      "Allow: GET, HEAD\r\n");
		return;
	}
	struct strbuf body;
	struct metrics_out out;
	sb_init(&body);
	metrics_out_init(&out, &body);
	if (m->collect)
		m->collect(&out, m->arg);
	if (out.errors)
		log_warn("metrics: %d invalid metric calls dropped; the "
			 "first: %s", out.errors, out.first_error);
	if (body.oom || body.len > m->max_body) {
		log_warn("metrics: the exposition is %s (%zu bytes, limit %zu)",
			 body.oom ? "out of memory" : "too large", body.len,
			 m->max_body);
		sb_free(&body);
		respond_error(m, c, 500, "Internal Server Error", NULL);
		return;
	}
	respond(m, c, 200, "OK", METRICS_CONTENT_TYPE, NULL, body.s, body.len,
		head);
	sb_free(&body);
}

static void client_read(struct metrics_server *m, struct client *c)
{
	for (;;) {
		if (c->state == CL_DRAIN) {
			char junk[4096];
			ssize_t n = read(c->fd, junk, sizeof(junk));
			if (n > 0 && (c->drained += n) < DRAIN_MAX)
				continue;
			if (n < 0 && errno == EAGAIN)
				return;
			client_close(m, c);
			return;
		}
		if (c->state != CL_READ)
			return;
		ssize_t n = read(c->fd, c->req + c->len,
				 METRICS_MAX_REQUEST - c->len);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {	/* gone before a whole request */
			client_close(m, c);
			return;
		}
		/* Control bytes (a NUL, TLS spoken to us) end it early. */
		for (ssize_t i = 0; i < n; i++) {
			unsigned char ch = c->req[c->len + i];
			if ((ch < 0x20 && ch != '\r' && ch != '\n' &&
			     ch != '\t') || ch == 0x7f) {
				respond_error(m, c, 400, "Bad Request", NULL);
				return;
			}
		}
		c->len += n;
		c->req[c->len] = 0;
		if (strstr(c->req, "\r\n\r\n") || strstr(c->req, "\n\n")) {
			handle_request(m, c);
			return;
		}
		if (c->len == METRICS_MAX_REQUEST) {
			respond_error(m, c, 431, "Request Header Fields Too "
				      "Large", NULL);
			return;
		}
	}
}

static void client_write(struct metrics_server *m, struct client *c)
{
	while (c->sent < c->resp.len) {
		ssize_t n = send(c->fd, c->resp.s + c->sent,
				 c->resp.len - c->sent, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			client_close(m, c);
			return;
		}
		c->sent += n;
	}
	/* Done: half-close and read what the client still sends, so the
	 * kernel does not answer it with a reset that eats our reply. */
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = c - m->cl };
	shutdown(c->fd, SHUT_WR);
	c->state = CL_DRAIN;
	c->drained = 0;
	if (c->deadline > mono_now() + 1)
		c->deadline = mono_now() + 1;
	epoll_ctl(m->epfd, EPOLL_CTL_MOD, c->fd, &ev);
	client_read(m, c);
}

static void accept_clients(struct metrics_server *m)
{
	for (;;) {
		int fd = accept4(m->lfd, NULL, NULL,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct client *c = NULL;
		if (fd < 0)
			return;
		for (int i = 0; i < METRICS_MAX_CLIENTS && !c; i++)
			if (m->cl[i].state == CL_FREE)
				c = &m->cl[i];
		if (!c) {
			static const char busy[] = "HTTP/1.1 503 Service "
				"Unavailable\r\nContent-Length: 0\r\n"
				"Connection: close\r\n\r\n";
			send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL);
			close(fd);
			m->stats.refused++;
			continue;
		}
		memset(c, 0, offsetof(struct client, req));
		c->fd = fd;
		c->state = CL_READ;
		c->req[0] = 0;
		c->deadline = mono_now() + m->timeout_ms / 1e3;
		sb_init(&c->resp);
		if (ep_add(m, fd, EPOLLIN, c - m->cl)) {
			client_close(m, c);
			continue;
		}
		client_read(m, c);
	}
}

static void expire(struct metrics_server *m)
{
	uint64_t ticks;
	double now = mono_now();
	while (read(m->tfd, &ticks, sizeof(ticks)) > 0)
		;
	for (int i = 0; i < METRICS_MAX_CLIENTS; i++) {
		struct client *c = &m->cl[i];
		if (c->state == CL_FREE || c->deadline > now)
			continue;
		if (c->state == CL_READ) {
			/* One try to say why, then close regardless. */
			respond_error(m, c, 408, "Request Timeout", NULL);
			send(c->fd, c->resp.s, c->resp.len, MSG_NOSIGNAL);
		}
		client_close(m, c);
	}
}

void metrics_server_dispatch(struct metrics_server *m)
{
	struct epoll_event evs[METRICS_MAX_CLIENTS + 2];
	int n = epoll_wait(m->epfd, evs, METRICS_MAX_CLIENTS + 2, 0);
	bool listen_ready = false;
	for (int i = 0; i < n; i++) {
		uint32_t tag = evs[i].data.u32;
		if (tag == TAG_LISTEN)
			listen_ready = true;
		else if (tag == TAG_TIMER)
			expire(m);
		else if (tag < METRICS_MAX_CLIENTS) {
			struct client *c = &m->cl[tag];
			if (c->state == CL_WRITE)
				client_write(m, c);
			else if (c->state != CL_FREE)
				client_read(m, c);
		}
	}
	/* New clients after the batch's closes: a slot freed by a client
	 * that hung up in this batch serves a newcomer instead of a 503. */
	if (listen_ready)
		accept_clients(m);
	/* Timeouts also when the timer's event was not in this batch. */
	expire(m);
	arm_timer(m);
}
