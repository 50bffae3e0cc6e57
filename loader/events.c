// SPDX-License-Identifier: MIT
/* events.c - ring buffer records to JSON lines, see events.h. */
#include "loader/events.h"

#include <arpa/inet.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "maps/events.h"

struct events {
	struct ring_buffer *rb;
	FILE *file;
	const struct bundle *b;	/* during dispatch */
	char *lines[EVENTS_KEPT];
	uint64_t seq;		/* sequence number of the newest line */
};

static const char *const levels[] = { "debug", "info", "warn", "error" };

static int on_event(void *ctx, void *data, size_t size)
{
	struct events *ev = ctx;
	const struct fwl_event *e = data;
	struct strbuf sb;
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], ifn[IF_NAMESIZE] = "";
	const char *rule = "", *prefix = "";

	if (size < sizeof(*e) || e->version != FWL_EVENTS_LAYOUT_VERSION)
		return 0;	/* another layout: skip, never misread */
	for (int i = 0; ev->b && i < ev->b->nrules; i++)
		if (ev->b->rules[i].id == e->rule_id)
			rule = ev->b->rules[i].name;
	if (ev->b && e->prefix_id < (uint32_t)ev->b->nlog_prefixes)
		prefix = ev->b->log_prefixes[e->prefix_id];
	int fam = e->l3 == 0x86dd ? AF_INET6 : AF_INET;
	inet_ntop(fam, e->saddr, s, sizeof(s));
	inet_ntop(fam, e->daddr, d, sizeof(d));
	if_indextoname(e->ifindex, ifn);

	sb_init(&sb);
	sb_printf(&sb, "{\"seq\": %llu, \"time\": %ld, \"level\": \"%s\", "
		  "\"rule\": ", (unsigned long long)ev->seq + 1,
		  (long)time(NULL), e->level < 4 ? levels[e->level] : "?");
	sb_json_str(&sb, rule);
	sb_printf(&sb, ", \"prefix\": ");
	sb_json_str(&sb, prefix);
	sb_printf(&sb, ", \"iif\": \"%s\", \"proto\": %u, \"src\": \"%s\", "
		  "\"dst\": \"%s\", \"sport\": %u, \"dport\": %u, \"len\": %u, "
		  "\"suppressed\": %u}", ifn, e->l4, s, d, e->sport, e->dport,
		  e->len, e->suppressed);
	if (sb.oom) {
		sb_free(&sb);
		return 0;
	}
	ev->seq++;
	free(ev->lines[ev->seq % EVENTS_KEPT]);
	ev->lines[ev->seq % EVENTS_KEPT] = sb.s;
	if (ev->file) {
		fprintf(ev->file, "%s\n", sb.s);
		fflush(ev->file);
	}
	return 0;
}

struct events *events_new(int fd, const char *file, char *err, size_t errlen)
{
	struct events *ev = calloc(1, sizeof(*ev));
	if (!ev) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (file && !(ev->file = fopen(file, "a"))) {
		snprintf(err, errlen, "cannot open %s: %s", file,
			 strerror(errno));
		free(ev);
		return NULL;
	}
	ev->rb = ring_buffer__new(fd, on_event, ev, NULL);
	if (!ev->rb) {
		snprintf(err, errlen, "cannot read the log ring buffer: %s",
			 strerror(errno));
		if (ev->file)
			fclose(ev->file);
		free(ev);
		return NULL;
	}
	return ev;
}

void events_free(struct events *ev)
{
	if (!ev)
		return;
	ring_buffer__free(ev->rb);
	if (ev->file)
		fclose(ev->file);
	for (int i = 0; i < EVENTS_KEPT; i++)
		free(ev->lines[i]);
	free(ev);
}

int events_fd(const struct events *ev)
{
	return ring_buffer__epoll_fd(ev->rb);
}

void events_dispatch(struct events *ev, const struct bundle *b)
{
	ev->b = b;
	ring_buffer__consume(ev->rb);
	ev->b = NULL;
}

void events_json(const struct events *ev, uint64_t after, struct strbuf *out)
{
	uint64_t first = ev->seq > EVENTS_KEPT ? ev->seq - EVENTS_KEPT + 1 : 1;
	int n = 0;
	if (after + 1 > first)
		first = after + 1;
	sb_printf(out, "\"events\": [");
	for (uint64_t s = first; s <= ev->seq; s++)
		sb_printf(out, "%s\n  %s", n++ ? "," : "",
			  ev->lines[s % EVENTS_KEPT]);
	sb_printf(out, "], \"last\": %llu", (unsigned long long)ev->seq);
}
