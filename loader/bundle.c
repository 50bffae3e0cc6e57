// SPDX-License-Identifier: MIT
/* bundle.c - read a bundle's manifest.json, see bundle.h. */
#include "loader/bundle.h"
#include "loader/json.h"
#include "maps/counters.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;
	if (!f)
		return NULL;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			char *nb = realloc(buf, cap = cap * 2 + 8192);
			if (!nb) {
				free(buf);
				fclose(f);
				errno = ENOMEM;
				return NULL;
			}
			buf = nb;
		}
		size_t r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
		if (r == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		fclose(f);
		errno = EIO;
		return NULL;
	}
	fclose(f);
	buf[n] = 0;
	*len = n;
	return buf;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

const char *map_class_name(enum map_class c)
{
	switch (c) {
	case MAP_FLOW: return "FLOW";
	case MAP_POLICY: return "POLICY";
	case MAP_EXTERNAL: return "EXTERNAL";
	}
	return "?";
}

static int parse_class(const char *s, enum map_class *c)
{
	if (!s)
		return -1;
	if (!strcmp(s, "FLOW"))
		*c = MAP_FLOW;
	else if (!strcmp(s, "POLICY"))
		*c = MAP_POLICY;
	else if (!strcmp(s, "EXTERNAL"))
		*c = MAP_EXTERNAL;
	else
		return -1;
	return 0;
}

#define BAD(...)                                                              \
	do {                                                                  \
		snprintf(err, errlen, __VA_ARGS__);                           \
		goto bad;                                                     \
	} while (0)

int bundle_load(const char *dir, struct bundle *b, char *err, int errlen)
{
	char path[4096], jerr[256];
	size_t len;
	struct json *root = NULL;
	const struct json *a, *e;
	int i;

	memset(b, 0, sizeof(*b));
	snprintf(path, sizeof(path), "%s/manifest.json", dir);
	char *text = read_file(path, &len);
	if (!text) {
		snprintf(err, errlen, "cannot read %s: %s", path,
			 strerror(errno));
		return -errno;
	}
	root = json_parse(text, len, jerr, sizeof(jerr));
	free(text);
	if (!root)
		BAD("%s:%s", path, jerr);
	if (strcmp(json_str(root, "format", ""), "fwl-bundle"))
		BAD("%s: not an FWL bundle manifest (no \"format\": "
		    "\"fwl-bundle\")", path);
	if (json_int(root, "version", -1) != FWL_BUNDLE_VERSION)
		BAD("%s: bundle version %lld, this fwld reads version %d; "
		    "rebuild the bundle with the matching fwlc", path,
		    (long long)json_int(root, "version", -1),
		    FWL_BUNDLE_VERSION);

	b->dir = strdup(dir);
	b->hash = dup_or_null(json_str(root, "policy_hash", "unknown"));
	b->source = dup_or_null(json_str(root, "source", ""));
	b->counters_map = dup_or_null(json_str(root, "counters_map", NULL));
	snprintf(path, sizeof(path), "%s/%s", dir,
		 json_str(root, "object", "policy.bpf.o"));
	b->object = strdup(path);

	a = json_get(root, "programs");
	b->nprogs = json_len(a);
	if (b->nprogs == 0)
		BAD("%s/manifest.json: no programs", dir);
	b->progs = calloc(b->nprogs, sizeof(*b->progs));
	for (i = 0, e = a->child; e; e = e->next, i++) {
		b->progs[i].name = dup_or_null(json_str(e, "name", NULL));
		b->progs[i].attach = dup_or_null(json_str(e, "attach", NULL));
		if (!b->progs[i].name || !b->progs[i].attach)
			BAD("%s/manifest.json: program %d lacks name or attach",
			    dir, i);
	}

	a = json_get(root, "maps");
	b->nmaps = json_len(a);
	b->maps = calloc(b->nmaps ? b->nmaps : 1, sizeof(*b->maps));
	for (i = 0, e = a ? a->child : NULL; e; e = e->next, i++) {
		b->maps[i].name = dup_or_null(json_str(e, "name", NULL));
		b->maps[i].layout = json_int(e, "layout", 0);
		if (!b->maps[i].name ||
		    parse_class(json_str(e, "class", NULL), &b->maps[i].class))
			BAD("%s/manifest.json: map %d needs a name and a class "
			    "FLOW, POLICY or EXTERNAL", dir, i);
	}

	a = json_get(root, "rules");
	b->nrules = json_len(a);
	b->rules = calloc(b->nrules ? b->nrules : 1, sizeof(*b->rules));
	for (i = 0, e = a ? a->child : NULL; e; e = e->next, i++) {
		struct bundle_rule *r = &b->rules[i];
		int64_t id = json_int(e, "id", -1);
		if (id < 0 || id > UINT32_MAX)
			BAD("%s/manifest.json: rule %d has no valid id", dir, i);
		r->id = id;
		r->name = dup_or_null(json_str(e, "name", "?"));
		r->policy = dup_or_null(json_str(e, "policy", "?"));
		r->action = dup_or_null(json_str(e, "action", "?"));
		r->text = dup_or_null(json_str(e, "text", ""));
		r->line = json_int(e, "line", 0);
		r->col = json_int(e, "col", 0);
	}

	a = json_get(root, "interfaces");
	b->nifaces = json_len(a);
	b->ifaces = calloc(b->nifaces ? b->nifaces : 1, sizeof(*b->ifaces));
	for (i = 0, e = a ? a->child : NULL; e; e = e->next, i++) {
		const struct json *dyn = json_get(e, "dynamic");
		b->ifaces[i].name = dup_or_null(json_str(e, "name", NULL));
		b->ifaces[i].bit = json_int(e, "bit", -1);
		b->ifaces[i].dynamic = dyn && dyn->kind == JSON_BOOL && dyn->b;
		if (!b->ifaces[i].name || b->ifaces[i].bit < 0 ||
		    b->ifaces[i].bit > 63)
			BAD("%s/manifest.json: interface %d needs a name and a "
			    "bit 0..63", dir, i);
	}

	a = json_get(root, "feeds");
	b->nfeeds = json_len(a);
	b->feeds = calloc(b->nfeeds ? b->nfeeds : 1, sizeof(*b->feeds));
	for (i = 0, e = a ? a->child : NULL; e; e = e->next, i++) {
		const char *src = json_str(e, "source", "");
		struct bundle_feed *f = &b->feeds[i];
		f->name = dup_or_null(json_str(e, "name", NULL));
		f->map4 = dup_or_null(json_str(e, "v4", NULL));
		f->map6 = dup_or_null(json_str(e, "v6", NULL));
		f->path = strncmp(src, "file:", 5) ? NULL : strdup(src + 5);
		f->dns = strncmp(src, "dns:", 4) || !src[4] ? NULL
							     : strdup(src + 4);
		if (!f->name || !f->map4 || !f->map6 || (!f->path && !f->dns))
			BAD("%s/manifest.json: feed %d needs a name, maps and "
			    "a \"file:PATH\" or \"dns:NAME\" source", dir, i);
	}

	/* Log.emit message templates; a bundle older than them has only
	 * the messages' constant starts, which are templates without
	 * placeholders once their braces are doubled. */
	a = json_get(root, "log_messages");
	bool old_prefixes = !a;
	if (old_prefixes)
		a = json_get(root, "log_prefixes");
	b->nlog_messages = json_len(a);
	b->log_messages = calloc(b->nlog_messages ? b->nlog_messages : 1,
				 sizeof(char *));
	if (!b->log_messages)
		BAD("out of memory");
	for (i = 0, e = a ? a->child : NULL; e; e = e->next, i++) {
		const char *m = e->kind == JSON_STR ? e->str : "";
		char *t = malloc(2 * strlen(m) + 1), *o = t;
		if (!t)
			BAD("out of memory");
		for (; *m; m++) {
			if (old_prefixes && (*m == '{' || *m == '}'))
				*o++ = *m;
			*o++ = *m;
		}
		*o = 0;
		b->log_messages[i] = t;
	}

	a = json_get(root, "counters");
	b->ncounters = json_len(a);
	b->counters = calloc(b->ncounters ? b->ncounters : 1, sizeof(char *));
	b->counter_ids = calloc(b->ncounters ? b->ncounters : 1,
				sizeof(*b->counter_ids));
	for (i = 0, e = a ? a->child : NULL; e; e = e->next, i++) {
		long long id = json_int(e, "id", -1);
		if (id < 0 || id >= FWL_NAMED_CNT_MAX ||
		    !json_str(e, "name", NULL))
			BAD("%s/manifest.json: counter %d needs a name and an "
			    "id below %d", dir, i, FWL_NAMED_CNT_MAX);
		b->counters[i] = strdup(json_str(e, "name", ""));
		b->counter_ids[i] = (uint32_t)id;
	}
	/* "dnat" (bool); a manifest without it (older fwlc): any object
	 * with a DNAT map may destination-NAT */
	e = json_get(root, "dnat");
	if (e && e->kind != JSON_BOOL)
		BAD("%s/manifest.json: \"dnat\" must be true or false", dir);
	b->dnat = e ? e->b : bundle_find_map(b, "fwl_dnat_map") != NULL;

	json_free(root);
	return 0;
bad:
	json_free(root);
	bundle_free(b);
	return -EINVAL;
}

void bundle_free(struct bundle *b)
{
	int i;
	for (i = 0; i < b->nprogs; i++) {
		free(b->progs[i].name);
		free(b->progs[i].attach);
	}
	for (i = 0; i < b->nmaps; i++)
		free(b->maps[i].name);
	for (i = 0; i < b->nrules; i++) {
		free(b->rules[i].name);
		free(b->rules[i].policy);
		free(b->rules[i].action);
		free(b->rules[i].text);
	}
	for (i = 0; i < b->nifaces && b->ifaces; i++)
		free(b->ifaces[i].name);
	for (i = 0; i < b->nfeeds && b->feeds; i++) {
		free(b->feeds[i].name);
		free(b->feeds[i].path);
		free(b->feeds[i].dns);
		free(b->feeds[i].map4);
		free(b->feeds[i].map6);
	}
	free(b->feeds);
	for (i = 0; i < b->nlog_messages && b->log_messages; i++)
		free(b->log_messages[i]);
	free(b->log_messages);
	for (i = 0; i < b->ncounters && b->counters; i++)
		free(b->counters[i]);
	free(b->counters);
	free(b->counter_ids);
	free(b->progs);
	free(b->maps);
	free(b->rules);
	free(b->ifaces);
	free(b->dir);
	free(b->hash);
	free(b->source);
	free(b->object);
	free(b->counters_map);
	memset(b, 0, sizeof(*b));
}

const struct bundle_map *bundle_find_map(const struct bundle *b,
					 const char *name)
{
	for (int i = 0; i < b->nmaps; i++)
		if (!strcmp(b->maps[i].name, name))
			return &b->maps[i];
	return NULL;
}
