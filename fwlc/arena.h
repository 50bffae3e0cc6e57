/* SPDX-License-Identifier: MIT */
/*
 * arena.h - pool allocation for a short-lived compiler (QBE style).
 *
 * Everything a compilation allocates (tokens' strings, AST nodes, node
 * arrays, diagnostics) comes from one Arena and is released at once with
 * arena_free().  There are no per-node frees and no ownership questions.
 *
 *	Arena a = {0};
 *	Node *n = arena_alloc(&a, sizeof *n);	// zeroed, 16-byte aligned
 *	...
 *	arena_free(&a);
 *
 * Allocation never returns NULL: running out of memory prints a message and
 * exits (status 2), as a compiler cannot do anything useful without memory.
 *
 * Identifiers are interned (arena_intern): equal names get the same pointer,
 * so later passes may compare names with ==.
 */
#ifndef FWLC_ARENA_H
#define FWLC_ARENA_H

#include <stddef.h>
#include <stdint.h>

typedef struct ArenaBlock ArenaBlock;

typedef struct Arena {
	ArenaBlock *head;	/* current block; older blocks chained behind */
	size_t used;		/* bytes used in head */
	size_t total;		/* bytes allocated from the system so far */
	/* intern table: open addressing over arena strings */
	const char **itab;	/* malloc'ed slots (NULL = empty) */
	uint32_t *ihash;	/* hash of each slot */
	size_t icap, ilen;
} Arena;

void *arena_alloc(Arena *a, size_t size);
void *arena_memdup(Arena *a, const void *p, size_t size);
char *arena_strndup(Arena *a, const char *s, size_t n);
char *arena_printf(Arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
const char *arena_intern(Arena *a, const char *s, size_t n);
void arena_free(Arena *a);

/*
 * Vec: a growable array of pointers used while parsing; vec_finish() copies
 * it into the arena and resets the Vec.  The temporary buffer is malloc'ed.
 */
typedef struct Vec {
	void **data;
	int len, cap;
} Vec;

void vec_push(Vec *v, void *p);
void **vec_finish(Vec *v, Arena *a, int *len);
void vec_drop(Vec *v);

void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);

#endif
