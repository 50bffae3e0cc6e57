// SPDX-License-Identifier: MIT
/* arena.c - pool allocator, string interning and temporary vectors. */
#include "fwlc/arena.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_MIN (64 * 1024)

struct ArenaBlock {
	ArenaBlock *prev;
	size_t size;
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

void *arena_alloc(Arena *a, size_t size)
{
	size = (size + 15) & ~(size_t)15;
	if (!a->head || a->used + size > a->head->size) {
		size_t bs = size > BLOCK_MIN ? size : BLOCK_MIN;

		/* grow blocks geometrically so big inputs need few blocks */
		if (a->total / 4 > bs)
			bs = a->total / 4;
		if (bs > 16u << 20 && size <= 16u << 20)
			bs = 16u << 20;
		ArenaBlock *b = malloc(sizeof *b + bs);
		if (!b)
			oom(bs);
		b->prev = a->head;
		b->size = bs;
		a->head = b;
		a->used = 0;
		a->total += bs;
	}
	void *p = a->head->data + a->used;
	a->used += size;
	memset(p, 0, size);
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
		free(b);
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
