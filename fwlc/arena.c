// SPDX-License-Identifier: MIT
/* arena.c - pool allocator, string interning and temporary vectors. */
#include "fwlc/arena.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define BLOCK_MIN (64 * 1024)

struct ArenaBlock {
	ArenaBlock *prev;
	size_t size;		/* bytes in data */
	_Alignas(16) unsigned char data[];
};

static void oom(size_t n)
{
	fprintf(stderr, "fwlc: out of memory (asked for %zu bytes)\n", n);
	exit(2);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom(n);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

/*
 * Blocks come straight from mmap: they start zeroed (so allocations need
 * no memset) and big ones are backed by transparent huge pages where the
 * kernel allows it, which makes large inputs fault in far fewer pages.
 */
static ArenaBlock *block_new(size_t bs)
{
	size_t len = sizeof(ArenaBlock) + bs;
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		oom(len);
#ifdef MADV_HUGEPAGE
	if (len >= (2u << 20))
		madvise(p, len, MADV_HUGEPAGE);
#endif
	ArenaBlock *b = p;
	b->size = bs;
	return b;
}

void *arena_alloc(Arena *a, size_t size)
{
	/* max_align_t: the checker keeps unsigned __int128 in arena memory */
	size = (size + 15) & ~(size_t)15;
	if (!a->head || a->used + size > a->head->size) {
		size_t bs = BLOCK_MIN;

		/* grow geometrically so big inputs need few blocks */
		if (a->total / 2 > bs)
			bs = a->total / 2;
		if (bs > (32u << 20))
			bs = 32u << 20;
		if (size > bs)
			bs = size;
		ArenaBlock *b = block_new(bs);
		b->prev = a->head;
		a->head = b;
		a->used = 0;
		a->total += bs;
	}
	void *p = a->head->data + a->used;
	a->used += size;
	return p;
}

void *arena_memdup(Arena *a, const void *p, size_t size)
{
	void *q = arena_alloc(a, size);

	if (size)
		memcpy(q, p, size);
	return q;
}

char *arena_strndup(Arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *arena_printf(Arena *a, const char *fmt, ...)
{
	va_list ap;
	char small[256];

	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	char *p = arena_alloc(a, (size_t)n + 1);
	if ((size_t)n < sizeof small) {
		memcpy(p, small, (size_t)n + 1);
	} else {
		va_start(ap, fmt);
		vsnprintf(p, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	return p;
}

static uint32_t hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static void intern_grow(Arena *a)
{
	size_t ncap = a->icap ? a->icap * 2 : 1024;
	const char **nt = calloc(ncap, sizeof *nt);
	uint32_t *nh = calloc(ncap, sizeof *nh);

	if (!nt || !nh)
		oom(ncap * sizeof *nt);
	for (size_t i = 0; i < a->icap; i++) {
		if (!a->itab[i])
			continue;
		size_t j = a->ihash[i] & (ncap - 1);
		while (nt[j])
			j = (j + 1) & (ncap - 1);
		nt[j] = a->itab[i];
		nh[j] = a->ihash[i];
	}
	free(a->itab);
	free(a->ihash);
	a->itab = nt;
	a->ihash = nh;
	a->icap = ncap;
}

const char *arena_intern(Arena *a, const char *s, size_t n)
{
	if (a->ilen * 2 >= a->icap)
		intern_grow(a);
	uint32_t h = hash(s, n);
	size_t j = h & (a->icap - 1);
	while (a->itab[j]) {
		if (a->ihash[j] == h && strncmp(a->itab[j], s, n) == 0 &&
		    a->itab[j][n] == '\0')
			return a->itab[j];
		j = (j + 1) & (a->icap - 1);
	}
	a->itab[j] = arena_strndup(a, s, n);
	a->ihash[j] = h;
	a->ilen++;
	return a->itab[j];
}

void arena_free(Arena *a)
{
	ArenaBlock *b = a->head;

	while (b) {
		ArenaBlock *p = b->prev;
		munmap(b, sizeof *b + b->size);
		b = p;
	}
	free(a->itab);
	free(a->ihash);
	memset(a, 0, sizeof *a);
}

void vec_push(Vec *v, void *p)
{
	if (v->len == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 8;
		v->data = xrealloc(v->data, (size_t)v->cap * sizeof *v->data);
	}
	v->data[v->len++] = p;
}

void **vec_finish(Vec *v, Arena *a, int *len)
{
	void **out = NULL;

	*len = v->len;
	if (v->len)
		out = arena_memdup(a, v->data, (size_t)v->len * sizeof *out);
	v->len = 0;
	return out;
}

void vec_drop(Vec *v)
{
	free(v->data);
	memset(v, 0, sizeof *v);
}
