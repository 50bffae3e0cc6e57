// SPDX-License-Identifier: MIT
/* feed_map.c - apply a feed set to its LPM tries without a window, see
 * feed.h and docs/feeds.md. */
#include "loader/feed.h"
#include "loader/feed_int.h"
#include "maps/feed.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One entry of a map as read before the update. */
struct old_ent {
	struct feed_entry e;
	uint32_t tag;
};

/* The update of one family's map. */
struct plan {
	int fd, family;
	const char *fam;		/* "IPv4" / "IPv6" */
	uint32_t key_size, max_entries;
	struct old_ent *old;		/* sorted */
	size_t nold;
	const struct feed_entry *nw;	/* the new entries of this family */
	size_t nnew;
	size_t done_update;		/* nw[0..done_update) are in */
	size_t done_delete;		/* old[0..done_delete) handled */
	bool single;			/* no batch operations: key by key */
};

static void make_key(const struct feed_entry *e, void *key)
{
	uint32_t plen = e->prefixlen;
	memcpy(key, &plen, 4);
	memcpy((char *)key + 4, e->addr, e->family == AF_INET ? 4 : 16);
}

/* Find e in the sorted old list, moving the cursor *j forward. */
static const struct old_ent *find_old(const struct plan *pl, size_t *j,
				      const struct feed_entry *e)
{
	while (*j < pl->nold && ecmp(&pl->old[*j].e, e) < 0)
		(*j)++;
	if (*j < pl->nold && ecmp(&pl->old[*j].e, e) == 0)
		return &pl->old[*j];
	return NULL;
}

static bool in_new(const struct plan *pl, size_t *i,
		   const struct feed_entry *e)
{
	while (*i < pl->nnew && ecmp(&pl->nw[*i], e) < 0)
		(*i)++;
	return *i < pl->nnew && ecmp(&pl->nw[*i], e) == 0;
}

#define OLD_KEY(x) (&(x)->e)
DEFINE_SORT(sort_old, struct old_ent, OLD_KEY)

/*
 * Batches: the kernel's generic batch operations (BPF_MAP_*_BATCH) run the
 * same per-key update/delete as single calls, in order, so they keep the
 * insert-first/delete-last guarantee while saving a syscall per key.  A
 * kernel without them for LPM tries, and the step hook (which wants to see
 * every single change), use one call per key.
 */
#define FEED_BATCH 4096

struct batch {
	uint8_t keys[FEED_BATCH * sizeof(struct fwl_feed_key6)];
	struct fwl_feed_value vals[FEED_BATCH];
	size_t idx[FEED_BATCH];		/* index in nw[] or old[] */
	size_t n;
};

static bool batch_unsupported(int e)
{
	return e == EINVAL || e == EOPNOTSUPP || e == 524 /* ENOTSUPP */;
}

/* Append what one lookup batch returned to pl->old. */
static int add_old(struct plan *pl, const uint8_t *keys,
		   const struct fwl_feed_value *vals, size_t n, size_t *cap)
{
	if (pl->nold + n > *cap) {
		size_t c = *cap ? *cap : 1024;
		while (c < pl->nold + n)
			c *= 2;
		void *v = realloc(pl->old, c * sizeof(*pl->old));
		if (!v)
			return -ENOMEM;
		pl->old = v;
		*cap = c;
	}
	for (size_t i = 0; i < n; i++) {
		struct old_ent *o = &pl->old[pl->nold++];
		const uint8_t *k = keys + i * pl->key_size;
		uint32_t plen;
		memcpy(&plen, k, 4);
		memset(o, 0, sizeof(*o));
		o->e.family = pl->family;
		o->e.prefixlen = plen;
		memcpy(o->e.addr, k + 4, pl->key_size - 4);
		o->tag = vals[i].tag;
	}
	return 0;
}

/* The map's keys one syscall at a time (kernels without lookup batch). */
static int read_keys_single(struct plan *pl, struct batch *b, size_t *cap,
			    size_t limit)
{
	uint8_t prev[20];
	void *pk = NULL;
	size_t steps = 0;
	for (;;) {
		if (bpf_map_get_next_key(pl->fd, pk, b->keys))
			return errno == ENOENT ? 0 : -errno;
		if (++steps > limit)
			return -EBUSY;
		/* An exact key's lookup returns its own value. */
		if (bpf_map_lookup_elem(pl->fd, b->keys, b->vals))
			b->vals[0].tag = 0;
		if (add_old(pl, b->keys, b->vals, 1, cap))
			return -ENOMEM;
		memcpy(prev, b->keys, pl->key_size);
		pk = prev;
	}
}

/* Check fd's type and layout, then read its contents into pl->old. */
static int read_map(struct plan *pl, struct batch *b, char *err,
		    size_t errlen)
{
	struct bpf_map_info info;
	uint32_t len = sizeof(info);
	uint8_t in[20], out[20];
	size_t cap = 0, limit;
	uint32_t want = pl->family == AF_INET ? sizeof(struct fwl_feed_key4)
					      : sizeof(struct fwl_feed_key6);
	int r = 0;

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(pl->fd, &info, &len)) {
		feed_err(err, errlen, "%s map: cannot read its info: %s",
			pl->fam, strerror(errno));
		return -errno;
	}
	if (info.type != BPF_MAP_TYPE_LPM_TRIE || info.key_size != want ||
	    info.value_size != sizeof(struct fwl_feed_value)) {
		feed_err(err, errlen, "%s map '%s' is not a feed map: type %u, "
			"key %u, value %u bytes (want LPM trie, key %u, value "
			"%zu; maps/feed.h layout %d)", pl->fam, info.name,
			info.type, info.key_size, info.value_size, want,
			sizeof(struct fwl_feed_value), FWL_FEED_LAYOUT);
		return -EINVAL;
	}
	pl->key_size = want;
	pl->max_entries = info.max_entries;
	/* Keys deleted behind our back restart the kernel's walk: bound it. */
	limit = 2 * (size_t)pl->max_entries + 16;
	for (void *pin = NULL;;) {
		uint32_t cnt = FEED_BATCH;
		int rc = bpf_map_lookup_batch(pl->fd, pin, out, b->keys,
					      b->vals, &cnt, NULL);
		int e = rc ? errno : 0;
		if (rc && !pin && !cnt && batch_unsupported(e)) {
			r = read_keys_single(pl, b, &cap, limit);
			break;
		}
		if (rc && e != ENOENT) {
			r = -e;
			break;
		}
		if (add_old(pl, b->keys, b->vals, cnt, &cap)) {
			r = -ENOMEM;
			break;
		}
		if (rc)		/* ENOENT: the walk is complete */
			break;
		if (pl->nold > limit) {
			r = -EBUSY;
			break;
		}
		memcpy(in, out, want);
		pin = in;
	}
	if (r == -EBUSY)
		feed_err(err, errlen, "%s map '%s' kept changing while it was "
			"read (another writer?)", pl->fam, info.name);
	else if (r)
		feed_err(err, errlen, "%s map '%s': reading its keys: %s",
			pl->fam, info.name, strerror(-r));
	if (r || !pl->nold)
		return r;
	sort_old(pl->old, pl->nold);
	/* A restarted walk may have seen keys twice. */
	size_t n = 0;
	for (size_t i = 0; i < pl->nold; i++)
		if (!n || ecmp(&pl->old[n - 1].e, &pl->old[i].e))
			pl->old[n++] = pl->old[i];
	pl->nold = n;
	return 0;
}

static int put(const struct plan *pl, const struct feed_entry *e,
	       uint32_t tag)
{
	uint8_t key[20];
	struct fwl_feed_value v = { .tag = tag };
	make_key(e, key);
	return bpf_map_update_elem(pl->fd, key, &v, BPF_ANY) ? -errno : 0;
}

static int del(const struct plan *pl, const struct feed_entry *e)
{
	uint8_t key[20];
	make_key(e, key);
	if (bpf_map_delete_elem(pl->fd, key) && errno != ENOENT)
		return -errno;
	return 0;
}

/* Write b's keys (with values when vals); *done: how many are in.  A key
 * already gone counts as deleted. */
static int flush(struct plan *pl, struct batch *b, bool vals, size_t *done)
{
	size_t off = 0, ks = pl->key_size;
	while (off < b->n && !pl->single) {
		uint32_t cnt = b->n - off;
		int rc = vals ? bpf_map_update_batch(pl->fd, b->keys + off * ks,
						     b->vals + off, &cnt, NULL)
			      : bpf_map_delete_batch(pl->fd, b->keys + off * ks,
						     &cnt, NULL);
		if (!rc) {
			off = b->n;
			break;
		}
		int e = errno;
		if (!vals && e == ENOENT) {
			off += cnt + 1;		/* skip the missing key */
		} else if (!cnt && batch_unsupported(e)) {
			pl->single = true;
		} else {
			*done = off + cnt;
			return -e;
		}
	}
	for (; off < b->n; off++) {
		const uint8_t *k = b->keys + off * ks;
		int rc = vals ? bpf_map_update_elem(pl->fd, k, &b->vals[off],
						    BPF_ANY)
			      : bpf_map_delete_elem(pl->fd, k);
		if (rc && (vals || errno != ENOENT)) {
			*done = off;
			return -errno;
		}
	}
	*done = b->n;
	return 0;
}

/* Run b: on success the phase's progress moves past its last key, on
 * failure to the key that failed; err names it. */
static int run_batch(struct plan *pl, struct batch *b, bool update,
		     char *err, size_t errlen)
{
	size_t done;
	char eb[64];
	if (!b->n)
		return 0;
	int r = flush(pl, b, update, &done);
	size_t *progress = update ? &pl->done_update : &pl->done_delete;
	if (!r) {
		*progress = b->idx[b->n - 1] + 1;
		b->n = 0;
		return 0;
	}
	*progress = b->idx[done];
	const struct feed_entry *e = update ? &pl->nw[b->idx[done]]
					    : &pl->old[b->idx[done]].e;
	feed_err(err, errlen, "%s map: cannot %s %s: %s", pl->fam,
		update ? "insert" : "delete",
		feed_entry_str(e, eb, sizeof(eb)), strerror(-r));
	b->n = 0;
	return r;
}

static void queue(struct plan *pl, struct batch *b,
		  const struct feed_entry *e, uint32_t tag, size_t idx)
{
	make_key(e, b->keys + b->n * pl->key_size);
	b->vals[b->n].tag = tag;
	b->idx[b->n++] = idx;
}

/* Phase 1: insert or rewrite every new entry. */
static int plan_update(struct plan *pl, struct batch *b, uint32_t tag,
		       feed_step_fn step, void *arg,
		       struct feed_apply_stats *st, char *err, size_t errlen)
{
	size_t j = 0;
	int r;
	for (size_t i = 0; i < pl->nnew; i++) {
		const struct old_ent *o = find_old(pl, &j, &pl->nw[i]);
		if (o && o->tag == tag) {
			st->unchanged++;
			continue;
		}
		queue(pl, b, &pl->nw[i], tag, i);
		if (o)
			st->updated++;
		else
			st->added++;
		if (b->n == FEED_BATCH || step)
			if ((r = run_batch(pl, b, true, err, errlen)))
				return r;
		if (step && step(arg, FEED_STEP_UPDATE, &pl->nw[i])) {
			feed_err(err, errlen, "update aborted by the step hook");
			return -ECANCELED;
		}
	}
	if ((r = run_batch(pl, b, true, err, errlen)))
		return r;
	pl->done_update = pl->nnew;
	return 0;
}

/* Phase 2: delete the old entries that are not in the new set. */
static int plan_delete(struct plan *pl, struct batch *b, feed_step_fn step,
		       void *arg, struct feed_apply_stats *st, char *err,
		       size_t errlen)
{
	size_t i = 0;
	int r;
	for (size_t k = 0; k < pl->nold; k++) {
		if (in_new(pl, &i, &pl->old[k].e))
			continue;
		queue(pl, b, &pl->old[k].e, 0, k);
		st->removed++;
		if (b->n == FEED_BATCH || step)
			if ((r = run_batch(pl, b, false, err, errlen)))
				return r;
		if (step && step(arg, FEED_STEP_DELETE, &pl->old[k].e)) {
			feed_err(err, errlen, "update aborted by the step hook");
			return -ECANCELED;
		}
	}
	if ((r = run_batch(pl, b, false, err, errlen)))
		return r;
	pl->done_delete = pl->nold;
	return 0;
}

/* Undo what phases 1 and 2 did, in the same safe order: put back deleted
 * and rewritten old entries first, then remove the added ones. */
static int plan_rollback(struct plan *pl, uint32_t tag, feed_step_fn step,
			 void *arg)
{
	size_t i = 0, j = 0;
	int bad = 0;
	for (size_t k = 0; k < pl->done_delete; k++) {
		if (in_new(pl, &i, &pl->old[k].e))
			continue;
		bad |= put(pl, &pl->old[k].e, pl->old[k].tag);
		if (step)
			step(arg, FEED_STEP_ROLLBACK, &pl->old[k].e);
	}
	for (size_t n = 0; n < pl->done_update; n++) {
		const struct old_ent *o = find_old(pl, &j, &pl->nw[n]);
		if (o && o->tag == tag)
			continue;	/* never touched */
		if (o)
			bad |= put(pl, &o->e, o->tag);
		else
			bad |= del(pl, &pl->nw[n]);
		if (step)
			step(arg, FEED_STEP_ROLLBACK, &pl->nw[n]);
	}
	return bad;
}

/* Entries of old ∪ new: the peak fill during the update. */
static size_t union_size(const struct plan *pl)
{
	size_t j = 0, u = pl->nold;
	for (size_t i = 0; i < pl->nnew; i++)
		if (!find_old(pl, &j, &pl->nw[i]))
			u++;
	return u;
}

int feed_apply(int fd4, int fd6, const struct feed_set *s, uint32_t tag,
	       feed_step_fn step, void *step_arg,
	       struct feed_apply_stats *st, char *err, size_t errlen)
{
	struct feed_apply_stats dummy;
	struct batch *b;
	struct plan pl[2] = {
		{ .fd = fd4, .family = AF_INET, .fam = "IPv4",
		  .nw = s->v, .nnew = s->n4 },
		{ .fd = fd6, .family = AF_INET6, .fam = "IPv6",
		  .nw = s->v + s->n4, .nnew = s->n - s->n4 },
	};
	int r = 0, k, phase = 0;

	if (!st)
		st = &dummy;
	memset(st, 0, sizeof(*st));
	for (k = 0; k < 2; k++) {
		if (pl[k].fd < 0 && pl[k].nnew) {
			feed_err(err, errlen, "the feed has %zu %s entries but "
				"no %s map", pl[k].nnew, pl[k].fam,
				pl[k].fam);
			return -EINVAL;
		}
	}
	b = malloc(sizeof(*b));
	if (!b) {
		feed_err(err, errlen, "out of memory");
		return -ENOMEM;
	}
	b->n = 0;
	for (k = 0; k < 2; k++) {
		if (pl[k].fd < 0)
			continue;
		if ((r = read_map(&pl[k], b, err, errlen)))
			goto out;
		st->before += pl[k].nold;
		size_t u = union_size(&pl[k]);
		if (u > pl[k].max_entries) {
			feed_err(err, errlen, "%s map holds at most %u entries; "
				"the swap needs room for old and new together "
				"(%zu old, %zu new, %zu in both sets)",
				pl[k].fam, pl[k].max_entries, pl[k].nold,
				pl[k].nnew, pl[k].nold + pl[k].nnew - u);
			r = -ENOSPC;
			goto out;
		}
	}
	phase = 1;
	for (k = 0; k < 2; k++)
		if (pl[k].fd >= 0 &&
		    (r = plan_update(&pl[k], b, tag, step, step_arg, st, err,
				     errlen)))
			goto out;
	for (k = 0; k < 2; k++)
		if (pl[k].fd >= 0 &&
		    (r = plan_delete(&pl[k], b, step, step_arg, st, err,
				     errlen)))
			goto out;
out:
	if (r && phase) {
		for (k = 0; k < 2; k++) {
			if (pl[k].fd >= 0 &&
			    plan_rollback(&pl[k], tag, step, step_arg) &&
			    err && errlen) {
				size_t l = strlen(err);
				feed_err(err + l, errlen - l, "; restoring the "
					"old %s contents failed too",
					pl[k].fam);
			}
		}
	}
	free(pl[0].old);
	free(pl[1].old);
	free(b);
	return r;
}

int feed_read_maps(int fd4, int fd6, struct feed_set *out, char *err,
		   size_t errlen)
{
	struct plan pl[2] = {
		{ .fd = fd4, .family = AF_INET, .fam = "IPv4" },
		{ .fd = fd6, .family = AF_INET6, .fam = "IPv6" },
	};
	struct batch *b = malloc(sizeof(*b));
	int r = 0;

	memset(out, 0, sizeof(*out));
	if (!b) {
		feed_err(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (int k = 0; k < 2 && !r; k++)
		if (pl[k].fd >= 0)
			r = read_map(&pl[k], b, err, errlen);
	free(b);
	if (!r) {
		out->v = malloc((pl[0].nold + pl[1].nold + 1) * sizeof(*out->v));
		if (!out->v) {
			feed_err(err, errlen, "out of memory");
			r = -ENOMEM;
		}
	}
	for (int k = 0; k < 2 && !r; k++)
		for (size_t i = 0; i < pl[k].nold; i++)
			out->v[out->n++] = pl[k].old[i].e;
	out->n4 = pl[0].nold;
	free(pl[0].old);
	free(pl[1].old);
	if (r)
		feed_set_free(out);
	return r;
}

int feed_map_create(int family, const char *name, uint32_t max_entries,
		    char *err, size_t errlen)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
	int fd = bpf_map_create(BPF_MAP_TYPE_LPM_TRIE, name,
				family == AF_INET ? sizeof(struct fwl_feed_key4)
						  : sizeof(struct fwl_feed_key6),
				sizeof(struct fwl_feed_value), max_entries,
				&opts);
	if (fd < 0) {
		int e = errno;
		feed_err(err, errlen, "cannot create LPM trie '%s': %s", name,
			strerror(e));
		return -e;
	}
	return fd;
}

