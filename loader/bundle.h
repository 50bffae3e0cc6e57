/* SPDX-License-Identifier: MIT */
/*
 * bundle.h - a compiled policy as fwlc leaves it (docs/bundle.md):
 *
 *	BUNDLE/manifest.json	programs, maps and their lifetime class, rules
 *	BUNDLE/policy.bpf.o	the BPF object
 *	BUNDLE/policy.bpf.c	the generated source (for humans and bug reports)
 *
 * bundle_load() reads and validates the manifest; nothing here touches the
 * kernel.
 */
#ifndef FWL_LOADER_BUNDLE_H
#define FWL_LOADER_BUNDLE_H

#include <stdbool.h>
#include <stdint.h>

#define FWL_BUNDLE_VERSION 1

enum map_class {
	MAP_FLOW,	/* state that outlives a policy: reused from pins */
	MAP_POLICY,	/* the policy's own data: built fresh on each load */
	MAP_EXTERNAL,	/* filled at run time by an effect handler */
};

struct bundle_map {
	char *name;		/* BPF map name, also its pin name */
	enum map_class class;
	int layout;		/* layout version from maps/<family>.h */
};

struct bundle_prog {
	char *name;		/* program (function) name in the object */
	char *attach;		/* "xdp" (ingress) or "tc-egress" */
};

struct bundle_rule {
	uint32_t id;		/* stable rule id: counters are keyed by it */
	char *name;		/* "policy/arm" label shown to operators */
	char *policy;		/* policy declaration name */
	char *action;		/* action as written ("Allow", "Drop", ...) */
	char *text;		/* the arm's source text, one line */
	int line, col;		/* where the arm starts in the source */
};

struct bundle_iface {
	char *name;		/* as declared (and `lo`) */
	int bit;		/* bit in the interface masks (maps/sets.h) */
	int dynamic;		/* may come and go: resolved when it appears */
};

struct bundle_feed {
	char *name;		/* as imported in the policy */
	char *path;		/* the file (source without "file:") */
	char *dns;		/* or: a DNS name set (source "dns:NAME") */
	char *map4, *map6;	/* its LPM tries (EXTERNAL maps) */
};

struct bundle {
	char *dir;		/* the bundle directory */
	char *hash;		/* policy hash (hex), identifies the policy */
	char *source;		/* source file the bundle was built from */
	char *object;		/* absolute path of the BPF object */
	char *counters_map;	/* name of the per-rule counter map */
	struct bundle_prog *progs;
	int nprogs;
	struct bundle_map *maps;
	int nmaps;
	struct bundle_rule *rules;
	int nrules;
	struct bundle_iface *ifaces;	/* interfaces the policy names */
	int nifaces;
	struct bundle_feed *feeds;	/* threat feeds fwld keeps filled */
	int nfeeds;
	char **log_messages;	/* Log.emit message templates by the
				 * records' prefix_id (loader/logmsg.h) */
	int nlog_messages;
	char **counters;	/* named counters (Counter.add) ... */
	uint32_t *counter_ids;	/* ... and their keys in fwl_named_cnt */
	int ncounters;
	bool dnat;		/* the policy destination-NATs: its replies are
				   translated before routing (accept_local) */
};

/* Load BUNDLE/manifest.json.  Returns 0, or -errno with err filled. */
int bundle_load(const char *dir, struct bundle *b, char *err, int errlen);
void bundle_free(struct bundle *b);
const struct bundle_map *bundle_find_map(const struct bundle *b,
					 const char *name);
const char *map_class_name(enum map_class c);

#endif
