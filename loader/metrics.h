/* SPDX-License-Identifier: MIT */
/*
 * metrics.h - Prometheus text exposition (format 0.0.4) over HTTP on a
 * loopback address (docs/metrics.md).
 *
 * The server is non-blocking and single-threaded: metrics_server_fd() is one
 * fd (an epoll fd over the listening socket, the clients and a timer) to
 * poll for POLLIN in fwld's loop; metrics_server_dispatch() then accepts,
 * reads, answers and times out clients without ever blocking.  Requests are
 * bounded in size (METRICS_MAX_REQUEST) and time (METRICS_TIMEOUT_MS), and at
 * most METRICS_MAX_CLIENTS are served at once.
 *
 *	GET /metrics, HEAD /metrics   200, text/plain; version=0.0.4
 *	another method on /metrics    405 (Allow: GET, HEAD)
 *	another path                  404
 *	malformed request line        400;  too large 431;  too slow 408
 *	more clients than the bound   503;  body over the bound 500
 *
 * The body comes from the caller's collect callback, which writes families
 * with the helpers below; it runs once per scrape, on fwld's thread.
 */
#ifndef FWL_LOADER_METRICS_H
#define FWL_LOADER_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loader/strbuf.h"

#define METRICS_DEFAULT_ADDR "127.0.0.1:9464"
#define METRICS_MAX_REQUEST 8192
#define METRICS_TIMEOUT_MS 5000
#define METRICS_MAX_CLIENTS 16
#define METRICS_MAX_BODY (64u << 20)	/* a bigger exposition is a 500 */
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

enum metrics_type {
	METRICS_COUNTER,	/* "counter": only goes up (name ends _total) */
	METRICS_GAUGE,		/* "gauge" */
	METRICS_UNTYPED,	/* "untyped" */
};

/* One exposition being written. */
struct metrics_out {
	struct strbuf *sb;
	char family[128];	/* the family samples must belong to */
	enum metrics_type type;
	char seen[64][128];	/* families written so far (bounded) */
	int nseen;
	int errors;		/* invalid calls dropped */
	char first_error[256];	/* the first one's sentence */
};

void metrics_out_init(struct metrics_out *out, struct strbuf *sb);
/* Start a family: "# HELP name help" and "# TYPE name type".  An invalid or
 * repeated name is an error: the call and the family's samples are
 * dropped, counted in out->errors. */
int metrics_family(struct metrics_out *out, const char *name,
		   enum metrics_type type, const char *help);
/* One sample of the current family: name, value, then label name/value
 * pairs ending with NULL:
 *	metrics_sample_u(out, "fwl_rule_packets_total", n,
 *			 "rule", "input/1", "action", "Allow", NULL);
 * Label values are escaped (\\, \", \n); names are validated.  Returns 0 or
 * -EINVAL (the sample is dropped and counted). */
int metrics_sample(struct metrics_out *out, const char *name, double value,
		   ...) __attribute__((sentinel));
int metrics_sample_u(struct metrics_out *out, const char *name,
		     uint64_t value, ...) __attribute__((sentinel));
bool metrics_valid_name(const char *name);	/* [a-zA-Z_:][a-zA-Z0-9_:]* */
bool metrics_valid_label(const char *name);	/* [a-zA-Z_][a-zA-Z0-9_]*, no __ */

typedef void (*metrics_collect_fn)(struct metrics_out *out, void *arg);

struct metrics_server;

/* Listen on addr ("127.0.0.1:9464", "[::1]:9464"; port 0 picks one).  A
 * non-loopback address is refused unless allow_public.  NULL on error with
 * err filled. */
struct metrics_server *metrics_server_new(const char *addr, bool allow_public,
					  metrics_collect_fn collect,
					  void *arg, char *err, size_t errlen);
void metrics_server_free(struct metrics_server *m);
int metrics_server_fd(const struct metrics_server *m);
/* Call when the fd is readable (or at any time): never blocks. */
void metrics_server_dispatch(struct metrics_server *m);
/* Time a client has to send its request (default METRICS_TIMEOUT_MS). */
void metrics_server_set_timeout(struct metrics_server *m, int ms);
/* Largest body served (default METRICS_MAX_BODY): with at most
 * METRICS_MAX_CLIENTS bodies in flight, the server's memory is bounded. */
void metrics_server_set_max_body(struct metrics_server *m, size_t bytes);
/* The bound port (useful with port 0). */
int metrics_server_port(const struct metrics_server *m);
/* Requests answered so far, by class (for fwld's own metrics and tests). */
struct metrics_server_stats {
	uint64_t ok, client_errors, timeouts, refused;
};
const struct metrics_server_stats *
metrics_server_stats(const struct metrics_server *m);

#endif
