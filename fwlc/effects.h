/* SPDX-License-Identifier: MIT */
/*
 * effects.h - the effect handler interface of FWL (header only).
 *
 * A policy performs effects (ThreatFeed, Log, FlowMatch, FIB, DNS,
 * Conntrack, RateLimit).  Whoever runs a policy supplies one FwlEffects: a
 * context pointer and one function per operation.  Two implementations:
 *
 *   - the mock one (fwlc/effects_mock.c), filled from a scenario file, used
 *     by the interpreter (`fwlc test`, `explain`, `replay`);
 *   - the production one in fwld (loader/), answering from the kernel and
 *     the daemon's own sources (netlink / bpf_fib_lookup for FIB, the feed
 *     files for ThreatFeed, the resolver for DNS, the ring buffer reader for
 *     Log, pinned FLOW maps for Conntrack/FlowMatch/RateLimit).
 *
 * This header depends on nothing but libc so loader/ may include it
 * (fwlc never includes loader/).  Every operation returns FX_OK with its
 * answer in the out-parameters, FX_UNMOCKED when the handler has no answer
 * configured (the interpreter reports "effect X.op is not mocked" naming the
 * effect, never a default), or FX_ERROR.  A NULL function pointer means
 * the same as FX_UNMOCKED.
 *
 * The stateful effects (FlowMatch, Conntrack, RateLimit) are state a data
 * plane WRITES.  The interpreter keeps its own model of that state
 * (interp.h) and only asks the handler when the corresponding pointer is
 * set (an override); fwld's implementation reads the pinned maps.
 */
#ifndef FWL_EFFECTS_H
#define FWL_EFFECTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { FX_OK = 0, FX_UNMOCKED = -1, FX_ERROR = -2 };

typedef struct FxAddr {
	uint8_t family;		/* 4 or 6 */
	uint8_t prefix;		/* 32/128 for an address */
	uint8_t a[16];		/* network order */
} FxAddr;

/* The 5-tuple a flow is known by (original direction). */
typedef struct FxFlow {
	uint8_t proto;
	FxAddr src, dst;
	uint16_t sport, dport;
} FxFlow;

typedef enum FxLogLevel {
	FX_DEBUG, FX_INFO, FX_WARN, FX_ERROR_LEVEL,
} FxLogLevel;

typedef struct FwlEffects {
	void *ctx;

	/* FIB */
	int (*fib_daddr_local)(void *ctx, const FxAddr *dst, bool *local);
	/* egress interface name for a destination (routing decision) */
	int (*fib_route)(void *ctx, const FxAddr *dst, char *oif,
			 size_t oif_size);
	/* an interface's primary address of a family (masquerade) */
	int (*fib_iface_addr)(void *ctx, const char *ifname, int family,
			      FxAddr *out);

	/* ThreatFeed.contains(feed, addr) */
	int (*feed_contains)(void *ctx, const char *feed, const FxAddr *addr,
			     bool *hit);

	/* DNS.resolve(name): up to max addresses into out, count in *n */
	int (*dns_resolve)(void *ctx, const char *name, FxAddr *out, int max,
			   int *n);

	/* Log.emit(level, message); rule is the emitting rule/policy arm */
	int (*log_emit)(void *ctx, FxLogLevel level, const char *msg,
			const char *rule);

	/* Overrides of the state effects (NULL: the runner's own model). */
	int (*flowmatch_check)(void *ctx, const FxFlow *flow,
			       const char *pattern, int *step, bool *matched);
	int (*ratelimit_take)(void *ctx, const char *key, uint64_t count,
			      uint64_t per_ms, uint64_t now_ms, bool *ok);
} FwlEffects;

#endif
