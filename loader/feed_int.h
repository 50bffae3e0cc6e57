/* SPDX-License-Identifier: MIT */
/*
 * feed_int.h - what feed.c, feed_map.c and feed_watch.c share; not an
 * interface for other code (that is feed.h).
 */
#ifndef FWL_LOADER_FEED_INT_H
#define FWL_LOADER_FEED_INT_H

#include <endian.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "loader/feed.h"

/* Write a sentence to err (NULL or errlen 0: nowhere). */
void feed_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* struct feed_entry is ordered family, address, length, all bytes and
 * AF_INET < AF_INET6: its bytes compared as a big-endian number are the
 * sort order. */
_Static_assert(sizeof(struct feed_entry) == 18, "feed_entry has no padding");
_Static_assert(AF_INET < AF_INET6, "IPv4 sorts first");

static inline uint64_t load_be64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return be64toh(v);
}

static inline int ecmp(const struct feed_entry *a, const struct feed_entry *b)
{
	const uint8_t *x = (const uint8_t *)a, *y = (const uint8_t *)b;
	uint64_t p = load_be64(x), q = load_be64(y);
	if (p != q)
		return p < q ? -1 : 1;
	p = load_be64(x + 8);
	q = load_be64(y + 8);
	if (p != q)
		return p < q ? -1 : 1;
	return ((x[16] << 8) | x[17]) - ((y[16] << 8) | y[17]);
}

/*
 * Introsort over arrays of T whose member `e` (or T itself) is the
 * feed_entry: quicksort with a median-of-three pivot, heapsort past a depth
 * bound (no quadratic case for a hostile feed), insertion sort for short
 * runs.  qsort() with a compare callback was two thirds of the parse time.
 */
#define DEFINE_SORT(NAME, T, KEY)					\
static void NAME##_sift(T *v, size_t i, size_t n)			\
{									\
	for (;;) {							\
		size_t c = 2 * i + 1;					\
		if (c >= n)						\
			return;						\
		if (c + 1 < n && ecmp(KEY(&v[c]), KEY(&v[c + 1])) < 0)	\
			c++;						\
		if (ecmp(KEY(&v[i]), KEY(&v[c])) >= 0)			\
			return;						\
		T t = v[i]; v[i] = v[c]; v[c] = t;			\
		i = c;							\
	}								\
}									\
static void NAME##_intro(T *v, size_t n, int depth)			\
{									\
	while (n > 16) {						\
		if (depth-- == 0) {					\
			for (size_t i = n / 2; i-- > 0;)		\
				NAME##_sift(v, i, n);			\
			for (size_t k = n - 1; k > 0; k--) {		\
				T t = v[0]; v[0] = v[k]; v[k] = t;	\
				NAME##_sift(v, 0, k);			\
			}						\
			return;						\
		}							\
		size_t m = n / 2, i, j;					\
		T t;							\
		if (ecmp(KEY(&v[m]), KEY(&v[0])) < 0) {			\
			t = v[m]; v[m] = v[0]; v[0] = t;		\
		}							\
		if (ecmp(KEY(&v[n - 1]), KEY(&v[m])) < 0) {		\
			t = v[n - 1]; v[n - 1] = v[m]; v[m] = t;	\
			if (ecmp(KEY(&v[m]), KEY(&v[0])) < 0) {		\
				t = v[m]; v[m] = v[0]; v[0] = t;	\
			}						\
		}							\
		T p = v[m];						\
		/* Hoare: v[0..j] <= p <= v[j+1..n) */			\
		for (i = 0, j = n - 1;; i++, j--) {			\
			while (ecmp(KEY(&v[i]), KEY(&p)) < 0)		\
				i++;					\
			while (ecmp(KEY(&p), KEY(&v[j])) < 0)		\
				j--;					\
			if (i >= j)					\
				break;					\
			t = v[i]; v[i] = v[j]; v[j] = t;		\
		}							\
		/* Recurse into the smaller part: stack depth log n. */	\
		if (j + 1 < n - j - 1) {				\
			NAME##_intro(v, j + 1, depth);			\
			v += j + 1;					\
			n -= j + 1;					\
		} else {						\
			NAME##_intro(v + j + 1, n - j - 1, depth);	\
			n = j + 1;					\
		}							\
	}								\
	for (size_t i = 1; i < n; i++) {				\
		T t = v[i];						\
		size_t k = i;						\
		for (; k > 0 && ecmp(KEY(&v[k - 1]), KEY(&t)) > 0; k--)	\
			v[k] = v[k - 1];				\
		v[k] = t;						\
	}								\
}									\
static void NAME(T *v, size_t n)					\
{									\
	size_t i = 1;							\
	while (i < n && ecmp(KEY(&v[i - 1]), KEY(&v[i])) <= 0)		\
		i++;							\
	if (i < n)	/* not already sorted, as many feeds are */	\
		NAME##_intro(v, n, 2 * (64 - __builtin_clzll(n)));	\
}

#endif
