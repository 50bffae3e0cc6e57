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
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "loader/logmsg.h"
#include "maps/events.h"

struct events {
	struct ring_buffer *rb;
	FILE *file;
	int sl_fd;		/* syslog: a unix datagram socket, or -1 */
	struct sockaddr_un sl_addr;
	uint64_t sl_sent, sl_lost;
	const struct bundle *b;	/* during dispatch */
	char *lines[EVENTS_KEPT];
	uint64_t seq;		/* sequence number of the newest line */
};

static const char *const levels[] = { "debug", "info", "warn", "error" };
/* syslog severities of the levels (debug, info, warning, err) */
static const int severities[] = { 7, 6, 4, 3 };

/* One record to syslog, RFC 3164 as local daemons read it:
 * "<PRI>Mmm dd hh:mm:ss fwld[PID]: JSON", facility daemon.  Never blocks:
 * a full or absent receiver loses the record (counted); a restarted one
 * is reconnected on the next record. */
static void to_syslog(struct events *ev, unsigned level, const char *line)
{
	char head[64], ts[32];
	struct tm tm;
	time_t now = time(NULL);
	struct strbuf m;
	localtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%b %e %H:%M:%S", &tm);
	snprintf(head, sizeof(head), "<%d>%s fwld[%d]: ",
		 3 * 8 + (level < 4 ? severities[level] : 6), ts, (int)getpid());
	sb_init(&m);
	sb_printf(&m, "%s%s", head, line);
	for (int attempt = 0; attempt < 2 && !m.oom; attempt++) {
		if (send(ev->sl_fd, m.s, m.len, MSG_DONTWAIT | MSG_NOSIGNAL)
		    == (ssize_t)m.len) {
			ev->sl_sent++;
			sb_free(&m);
			return;
		}
		if (errno != ENOTCONN && errno != ECONNREFUSED &&
		    errno != ENOENT)
			break;
		connect(ev->sl_fd, (struct sockaddr *)&ev->sl_addr,
			sizeof(ev->sl_addr));	/* the receiver restarted */
	}
	ev->sl_lost++;
	sb_free(&m);
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct events *ev = ctx;
	const struct fwl_event *e = data;
	struct strbuf sb;
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], ifn[IF_NAMESIZE] = "";
	const char *rule = "", *tmpl = "";
	char msg[512], prefix[256];

	/* version 1 is version 2 with ttl, tos, vlan zero (reserved) */
	if (size < sizeof(*e) || e->version < 1 ||
	    e->version > FWL_EVENTS_LAYOUT_VERSION)
		return 0;	/* another layout: skip, never misread */
	for (int i = 0; ev->b && i < ev->b->nrules; i++)
		if (ev->b->rules[i].id == e->rule_id)
			rule = ev->b->rules[i].name;
	if (ev->b && e->prefix_id < (uint32_t)ev->b->nlog_messages)
		tmpl = ev->b->log_messages[e->prefix_id];
	/* the message as the policy wrote it, and its constant start */
	log_msg_format(tmpl, e, msg, sizeof(msg));
	log_msg_prefix(tmpl, prefix, sizeof(prefix));
	int fam = e->l3 == 0x86dd ? AF_INET6 : AF_INET;
	inet_ntop(fam, e->saddr, s, sizeof(s));
	inet_ntop(fam, e->daddr, d, sizeof(d));
	if_indextoname(e->ifindex, ifn);

	sb_init(&sb);
	sb_printf(&sb, "{\"seq\": %llu, \"time\": %ld, \"level\": \"%s\", "
		  "\"rule\": ", (unsigned long long)ev->seq + 1,
		  (long)time(NULL), e->level < 4 ? levels[e->level] : "?");
	sb_json_str(&sb, rule);
	sb_printf(&sb, ", \"msg\": ");
	sb_json_str(&sb, msg);
	sb_printf(&sb, ", \"prefix\": ");
	sb_json_str(&sb, prefix);
	sb_printf(&sb, ", \"iif\": \"%s\", \"proto\": %u, \"src\": \"%s\", "
		  "\"dst\": \"%s\", \"sport\": %u, \"dport\": %u, \"len\": %u, "
		  "\"suppressed\": %u", ifn, e->l4, s, d, e->sport, e->dport,
		  e->len, e->suppressed);
	if (e->version >= 2) {
		sb_printf(&sb, ", \"ttl\": %u, \"tos\": %u", e->ttl, e->tos);
		for (int i = 0; i < e->vlan_depth && i < 2; i++)
			sb_printf(&sb, "%s%u", i ? ", " : ", \"vlan\": [",
				  e->vlan[i]);
		if (e->vlan_depth)
			sb_printf(&sb, "]");
	}
	sb_printf(&sb, "}");
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
	if (ev->sl_fd >= 0)
		to_syslog(ev, e->level, sb.s);
	return 0;
}

struct events *events_new(int fd, const char *file, const char *syslog_path,
			  char *err, size_t errlen)
{
	struct events *ev = calloc(1, sizeof(*ev));
	if (!ev) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ev->sl_fd = -1;
	if (file && !(ev->file = fopen(file, "a"))) {
		snprintf(err, errlen, "cannot open %s: %s", file,
			 strerror(errno));
		free(ev);
		return NULL;
	}
	if (syslog_path) {
		ev->sl_addr.sun_family = AF_UNIX;
		if (strlen(syslog_path) >= sizeof(ev->sl_addr.sun_path) ||
		    (ev->sl_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC,
					0)) < 0) {
			snprintf(err, errlen, "syslog socket %s: %s", syslog_path,
				 strlen(syslog_path) >= sizeof(ev->sl_addr.sun_path)
				 ? "path too long" : strerror(errno));
			goto fail;
		}
		strcpy(ev->sl_addr.sun_path, syslog_path);
		if (connect(ev->sl_fd, (struct sockaddr *)&ev->sl_addr,
			    sizeof(ev->sl_addr)) && errno != ENOENT &&
		    errno != ECONNREFUSED) {
			snprintf(err, errlen, "cannot send to syslog at %s: %s",
				 syslog_path, strerror(errno));
			goto fail;
		}
	}
	ev->rb = ring_buffer__new(fd, on_event, ev, NULL);
	if (!ev->rb) {
		snprintf(err, errlen, "cannot read the log ring buffer: %s",
			 strerror(errno));
		goto fail;
	}
	return ev;
fail:
	if (ev->file)
		fclose(ev->file);
	if (ev->sl_fd >= 0)
		close(ev->sl_fd);
	free(ev);
	return NULL;
}

void events_syslog_stats(const struct events *ev, uint64_t *sent,
			 uint64_t *lost)
{
	*sent = ev ? ev->sl_sent : 0;
	*lost = ev ? ev->sl_lost : 0;
}

void events_free(struct events *ev)
{
	if (!ev)
		return;
	ring_buffer__free(ev->rb);
	if (ev->file)
		fclose(ev->file);
	if (ev->sl_fd >= 0)
		close(ev->sl_fd);
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
