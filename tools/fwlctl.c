// SPDX-License-Identifier: MIT
/*
 * fwlctl - talk to fwld over its control socket (docs/fwld.md).
 *
 *	fwlctl [--run-dir DIR] [--json] status|stats|stop|feed ...
 *
 * Human-readable output by default; --json prints fwld's reply as is.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loader/ctl.h"
#include "loader/json.h"

struct command {
	const char *name;
	void (*print)(const struct json *reply);
	const char *help;
};

/* The conntrack and NAT summary of status and stats, if any. */
static void print_ct_summary(const struct json *j)
{
	const struct json *c = json_get(j, "conntrack"), *n = json_get(j, "nat");
	if (c && c->kind == JSON_OBJ)
		printf("conntrack %lld flows (%lld IPv4, %lld IPv6; %lld new of "
		       "%lld, %lld established of %lld), %lld inserts, %lld "
		       "insert failures, %lld evictions, %lld lost replies\n",
		       (long long)json_int(c, "entries", 0),
		       (long long)json_int(c, "ipv4", 0),
		       (long long)json_int(c, "ipv6", 0),
		       (long long)json_int(c, "new", 0),
		       (long long)json_int(c, "max_new", 0),
		       (long long)json_int(c, "established", 0),
		       (long long)json_int(c, "max_established", 0),
		       (long long)json_int(c, "inserts", 0),
		       (long long)json_int(c, "insert_failures", 0),
		       (long long)json_int(c, "evictions", 0),
		       (long long)json_int(c, "lost", 0));
	if (n && n->kind == JSON_OBJ)
		printf("nat      %lld SNAT and %lld DNAT flows, %lld port "
		       "exhaustions\n", (long long)json_int(n, "snat", 0),
		       (long long)json_int(n, "dnat", 0),
		       (long long)json_int(n, "port_exhaustion", 0));
}

static void print_status(const struct json *j)
{
	printf("policy   %s\n", json_str(j, "policy_hash", "?"));
	printf("source   %s\n", json_str(j, "source", "?"));
	printf("loaded   %s\n", json_str(j, "loaded_at", "?"));
	printf("pins     %s\n", json_str(j, "pin_dir", "?"));
	printf("rules    %lld\n", (long long)json_int(j, "rules", 0));
	const struct json *ifs = json_get(j, "interfaces");
	for (const struct json *i = ifs ? ifs->child : NULL; i; i = i->next) {
		const char *st = json_str(i, "state", "?");
		if (!strcmp(st, "attached"))
			printf("iface    %s attached (ifindex %lld, %s XDP)\n",
			       json_str(i, "name", "?"),
			       (long long)json_int(i, "ifindex", 0),
			       json_str(i, "mode", "?"));
		else if (!strcmp(st, "refused"))
			printf("iface    %s refused (ifindex %lld): %s\n",
			       json_str(i, "name", "?"),
			       (long long)json_int(i, "ifindex", 0),
			       json_str(i, "error", "?"));
		else
			printf("iface    %s %s (does not exist; attached "
			       "when it appears)\n", json_str(i, "name", "?"),
			       st);
	}
	print_ct_summary(j);
}

static void print_stats(const struct json *j)
{
	const struct json *rules = json_get(j, "rules");
	const char *cur = NULL;
	printf("active policy %s\n", json_str(j, "policy_hash", "?"));
	print_ct_summary(j);
	for (const struct json *r = rules ? rules->child : NULL; r;
	     r = r->next) {
		const char *pol = json_str(r, "policy", "?");
		if (!cur || strcmp(cur, pol)) {
			printf("\npolicy %s\n", pol);
			cur = pol;
		}
		printf("  %-12s line %-4lld %-10s packets %-10lld bytes %-12lld"
		       "  %s\n",
		       json_str(r, "name", "?"), (long long)json_int(r, "line", 0),
		       json_str(r, "action", "?"),
		       (long long)json_int(r, "packets", 0),
		       (long long)json_int(r, "bytes", 0),
		       json_str(r, "text", ""));
	}
	const struct json *cs = json_get(j, "counters");
	if (json_len(cs))
		printf("\ncounters\n");
	for (const struct json *c = cs ? cs->child : NULL; c; c = c->next)
		printf("  %-24s packets %-10lld bytes %lld\n",
		       json_str(c, "name", "?"),
		       (long long)json_int(c, "packets", 0),
		       (long long)json_int(c, "bytes", 0));
}

static void print_feeds(const struct json *j)
{
	const struct json *fs = json_get(j, "feeds");
	if (!json_len(fs))
		printf("no feeds\n");
	for (const struct json *f = fs ? fs->child : NULL; f; f = f->next) {
		printf("%-16s %s\n", json_str(f, "name", "?"),
		       json_str(f, "path", "?"));
		for (const struct json *m = f->child; m; m = m->next)
			if (m->kind == JSON_NUM)
				printf("  %-20s %lld\n", m->key,
				       (long long)m->i64);
			else if (m->kind == JSON_STR && m->key &&
				 strcmp(m->key, "name") && strcmp(m->key, "path"))
				printf("  %-20s %s\n", m->key, m->str);
	}
}

/* Filters of `fwlctl ct`: --proto N, --addr A (either side), --port N. */
static const char *ct_proto, *ct_addr, *ct_port;

static int ct_match(const struct json *f)
{
	char buf[16];
	if (ct_proto && json_int(f, "proto", -1) != atoi(ct_proto))
		return 0;
	if (ct_addr && strcmp(json_str(f, "src", ""), ct_addr) &&
	    strcmp(json_str(f, "dst", ""), ct_addr))
		return 0;
	if (ct_port) {
		snprintf(buf, sizeof(buf), "%lld",
			 (long long)json_int(f, "sport", -1));
		if (strcmp(buf, ct_port) &&
		    json_int(f, "dport", -1) != atoi(ct_port))
			return 0;
	}
	return 1;
}

static void print_ct(const struct json *j)
{
	const struct json *fs = json_get(j, "flows");
	int n = 0;
	if (json_get(j, "flushed")) {
		printf("flushed %lld flows\n", (long long)json_int(j, "flushed", 0));
		return;
	}
	for (const struct json *f = fs ? fs->child : NULL; f; f = f->next) {
		if (!ct_match(f))
			continue;
		const struct json *st = json_get(f, "status"), *p, *b;
		p = json_get(f, "packets");
		b = json_get(f, "bytes");
		printf("%-4lld %-11s src=%s dst=%s sport=%lld dport=%lld "
		       "packets=%lld/%lld bytes=%lld/%lld",
		       (long long)json_int(f, "proto", 0),
		       json_str(f, "tcp_state", ""), json_str(f, "src", "?"),
		       json_str(f, "dst", "?"), (long long)json_int(f, "sport", 0),
		       (long long)json_int(f, "dport", 0),
		       p && p->child ? (long long)p->child->i64 : 0,
		       p && p->child && p->child->next ? (long long)p->child->next->i64 : 0,
		       b && b->child ? (long long)b->child->i64 : 0,
		       b && b->child && b->child->next ? (long long)b->child->next->i64 : 0);
		for (const struct json *s = st ? st->child : NULL; s; s = s->next)
			printf(" [%s]", s->str);
		if (json_get(f, "helper"))
			printf(" helper=%s", json_str(f, "helper", ""));
		printf(" expires=%llds rule=%s\n",
		       (long long)json_int(f, "expires_in", 0),
		       json_str(f, "rule", ""));
		n++;
	}
	printf("%d flows%s\n", n, json_get(j, "truncated") &&
	       json_get(j, "truncated")->b ? " (truncated)" : "");
}

static unsigned long long log_last;	/* newest record seen */

static void print_log(const struct json *j)
{
	const struct json *es = json_get(j, "events");
	for (const struct json *e = es ? es->child : NULL; e; e = e->next)
		printf("%s %-5s %-18s %s (%s -> %s proto %lld dport %lld)\n",
		       json_str(e, "iif", "?"), json_str(e, "level", "?"),
		       json_str(e, "rule", "?"),
		       json_str(e, "msg", json_str(e, "prefix", "")),
		       json_str(e, "src", "?"), json_str(e, "dst", "?"),
		       (long long)json_int(e, "proto", 0),
		       (long long)json_int(e, "dport", 0));
	log_last = json_int(j, "last", 0);
	fflush(stdout);
}

static void print_feed(const struct json *j)
{
	if (json_get(j, "feeds")) {
		print_feeds(j);
		return;
	}
	printf("feed %s: %s %lld prefixes; it holds %lld (runtime overlay: "
	       "%lld added, %lld removed)\n", json_str(j, "feed", "?"),
	       json_str(j, "op", "?"), (long long)json_int(j, "prefixes", 0),
	       (long long)json_int(j, "entries", 0),
	       (long long)json_int(j, "overlay_add", 0),
	       (long long)json_int(j, "overlay_del", 0));
}

static void print_ok(const struct json *j)
{
	(void)j;
	printf("ok\n");
}

static void print_reload(const struct json *j)
{
	printf("reloaded: policy %s now enforcing\n",
	       json_str(j, "policy_hash", "?"));
}

static const struct command commands[] = {
	{ "status", print_status, "the active policy and its interfaces" },
	{ "stats", print_stats, "per-rule packet and byte counters" },
	{ "reload", print_reload, "[FILE]  compile and switch to FILE (or "
				  "the current policy file)" },
	{ "ct", print_ct, "[list|flush] [--proto N] [--addr A] [--port N]  "
			  "the conntrack table (or empty it)" },
	{ "log", print_log, "[--follow]  Log.emit records (JSON with --json)" },
	{ "feed", print_feed, "list | add|del|replace NAME (PREFIX... | "
			      "--file FILE)\n"
			      "           the threat feeds and DNS sets, or change "
			      "one at run time" },
	{ "feeds", print_feeds, "the same as 'feed list'" },
	{ "stop", print_ok, "stop fwld (the policy stays enforcing)" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: fwlctl [--run-dir DIR] [--json] COMMAND\n\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(*commands); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\n  --run-dir DIR  where fwld's socket is (%s)\n"
		   "  --json         print fwld's JSON reply\n",
		FWL_DEFAULT_RUN_DIR);
}

/* The request line of `feed ...`: list, or OP NAME with prefixes or a
 * file (sent as an absolute path: fwld's working directory is not ours). */
static int feed_request(int argc, char **argv, const char *file, char *req,
			size_t len)
{
	char abs[PATH_MAX];
	size_t n;
	if (argc == 0 || (argc == 1 && !strcmp(argv[0], "list"))) {
		snprintf(req, len, "feed list");
		return 0;
	}
	if (strcmp(argv[0], "add") && strcmp(argv[0], "del") &&
	    strcmp(argv[0], "replace")) {
		fprintf(stderr, "fwlctl: feed %s: expected list, add, del or "
			"replace\n", argv[0]);
		return -1;
	}
	if (argc < 2 || (argc < 3 && !file) || (argc > 2 && file)) {
		fprintf(stderr, "fwlctl: feed %s NAME (PREFIX... | --file "
			"FILE)\n", argv[0]);
		return -1;
	}
	n = snprintf(req, len, "feed %s %s", argv[0], argv[1]);
	if (file) {
		if (!realpath(file, abs)) {
			fprintf(stderr, "fwlctl: feed %s: cannot read %s: %s\n",
				argv[0], file, strerror(errno));
			return -1;
		}
		n += snprintf(req + n, n < len ? len - n : 0, " --file %s", abs);
	}
	for (int i = 2; i < argc; i++)
		n += snprintf(req + n, n < len ? len - n : 0, " %s", argv[i]);
	if (n >= CTL_MAX_REQUEST) {
		fprintf(stderr, "fwlctl: feed %s: too many prefixes for one "
			"request (%d bytes at most); put them in a file and "
			"use --file\n", argv[0], CTL_MAX_REQUEST);
		return -1;
	}
	return 0;
}

/* One request, its reply printed; the exit status. */
static int request(const char *path, const char *req,
		   const struct command *cmd, bool as_json)
{
	char err[512];
	/* A reload compiles (a large policy takes minutes); a feed change
	 * may read a large file: wait longer for those. */
	int wait = !strncmp(req, "reload", 6) ? 900 :
		   !strncmp(req, "feed ", 5) ? 300 : 30;
	char *reply = ctl_request_wait(path, req, wait, err, sizeof(err));
	if (!reply) {
		fprintf(stderr, "fwlctl: %s\n", err);
		return 1;
	}
	struct json *j = json_parse(reply, strlen(reply), err, sizeof(err));
	if (!j) {
		fprintf(stderr, "fwlctl: fwld sent a malformed reply (%s)\n",
			err);
		free(reply);
		return 1;
	}
	const struct json *ok = json_get(j, "ok");
	int rc = 0;
	if (!ok || ok->kind != JSON_BOOL || !ok->b) {
		const char *e = json_str(j, "error", "fwld reported a failure");
		fprintf(stderr, "fwlctl: %s%s", e,
			e[0] && e[strlen(e) - 1] == '\n' ? "" : "\n");
		if (json_get(j, "active_policy_hash"))
			fprintf(stderr, "fwlctl: still enforcing policy %s\n",
				json_str(j, "active_policy_hash", "?"));
		rc = 1;
	} else if (as_json) {
		fputs(reply, stdout);
	} else {
		cmd->print(j);
	}
	json_free(j);
	free(reply);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "run-dir", 1, NULL, 'r' },
		{ "json", 0, NULL, 'j' },
		{ "proto", 1, NULL, 'P' },
		{ "addr", 1, NULL, 'A' },
		{ "port", 1, NULL, 'T' },
		{ "follow", 0, NULL, 'F' },
		{ "file", 1, NULL, 'f' },
		{ "help", 0, NULL, 'h' },
		{ 0 },
	};
	const char *run_dir = FWL_DEFAULT_RUN_DIR, *feed_file = NULL;
	bool as_json = false, follow = false;
	char path[PATH_MAX];
	int c;

	while ((c = getopt_long(argc, argv, "r:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'P': ct_proto = optarg; break;
		case 'A': ct_addr = optarg; break;
		case 'T': ct_port = optarg; break;
		case 'F': follow = true; break;
		case 'f': feed_file = optarg; break;
		case 'r': run_dir = optarg; break;
		case 'j': as_json = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	const struct command *cmd = NULL;
	for (size_t i = 0; i < sizeof(commands) / sizeof(*commands); i++)
		if (!strcmp(argv[optind], commands[i].name))
			cmd = &commands[i];
	if (!cmd) {
		fprintf(stderr, "fwlctl: unknown command '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	char req[PATH_MAX + 16], file[PATH_MAX];
	if (optind + 1 < argc && !strcmp(cmd->name, "reload")) {
		/* fwld's working directory is not ours: send an absolute path */
		if (optind + 2 < argc || !realpath(argv[optind + 1], file)) {
			fprintf(stderr, "fwlctl: reload: cannot read %s: %s\n",
				argv[optind + 1], strerror(errno));
			return 1;
		}
		snprintf(req, sizeof(req), "reload %s", file);
	} else if (!strcmp(cmd->name, "feed")) {
		if (feed_request(argc - optind - 1, argv + optind + 1,
				 feed_file, req, sizeof(req)))
			return 2;
	} else if (optind + 1 < argc && !strcmp(cmd->name, "ct") &&
		   !strcmp(argv[optind + 1], "flush") && optind + 2 == argc) {
		snprintf(req, sizeof(req), "ct flush");
	} else if (optind + 1 < argc && !strcmp(cmd->name, "ct") &&
		   !strcmp(argv[optind + 1], "list") && optind + 2 == argc) {
		snprintf(req, sizeof(req), "ct");	/* conntrack -L */
	} else if (optind + 1 < argc) {
		fprintf(stderr, "fwlctl: %s takes no argument\n", cmd->name);
		return 2;
	} else {
		snprintf(req, sizeof(req), "%s", cmd->name);
	}
	snprintf(path, sizeof(path), "%s/fwld.sock", run_dir);
	int rc;
	do {
		if (!strcmp(cmd->name, "log"))
			snprintf(req, sizeof(req), "log %llu", log_last);
		rc = request(path, req, cmd, as_json);
		if (follow && !rc)
			usleep(500000);
	} while (follow && !rc && !strcmp(cmd->name, "log"));
	return rc;
}
