/* SPDX-License-Identifier: MIT */
/*
 * builtin.h - the well-known address sets behind `import NAME : CIDRSet
 * from "builtin:NAME"`.
 *
 *	const BuiltinSet *b = builtin_set("builtin:rfc1918");	// or "rfc1918"
 *	for (int i = 0; b && i < b->n; i++) {
 *		IPAddr net;
 *		ip_parse(b->cidrs[i], &net);	// always succeeds (tested)
 *	}
 *
 * Sources: RFC 1918, RFC 6890 (special-purpose registries), RFC 5737 and
 * RFC 3849/9637 (documentation), RFC 4193 (ULA), RFC 6598 (shared space).
 * The bogon lists are the "martians": addresses that must never appear as
 * a source on the public internet (not the full unallocated-space lists,
 * which change monthly and belong in a ThreatFeed).
 */
#ifndef FWLC_BUILTIN_H
#define FWLC_BUILTIN_H

typedef struct BuiltinSet {
	const char *name;		/* "rfc1918" (without "builtin:") */
	int family;			/* 4 or 6 */
	const char *const *cidrs;	/* CIDR texts, canonical */
	int n;
	const char *doc;		/* one line: what the set is */
} BuiltinSet;

/* The set named "builtin:NAME" or "NAME", or NULL. */
const BuiltinSet *builtin_set(const char *name);
/* All sets, for listings and "did you mean". */
const BuiltinSet *builtin_sets(int *n);

#endif
