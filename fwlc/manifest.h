/* SPDX-License-Identifier: MIT */
/*
 * manifest.h - write a bundle's manifest.json (format: docs/bundle.md).
 *
 * The manifest lets an operator (and fwld) know what a bundle enforces
 * without its source: programs and where they attach, every map with its
 * lifetime class and layout version, and the rule table with stable ids.
 */
#ifndef FWL_FWLC_MANIFEST_H
#define FWL_FWLC_MANIFEST_H

#include <stdio.h>

#include "fwlc/ir.h"

/* One map of the object, as the manifest lists it. */
struct manifest_map {
	const char *name;	/* BPF map name */
	const char *class;	/* "FLOW", "POLICY" or "EXTERNAL" */
	int layout;		/* layout version from maps/<family>.h */
};

struct manifest_prog {
	const char *name;	/* program function name */
	const char *attach;	/* "xdp", "tc-egress" or "tail-call" (a stage) */
	const char *hook;	/* a stage's hook, else NULL */
	const char *array;	/* a stage's PROG_ARRAY ... */
	int slot;		/* ... and its slot there */
};

struct budget;

struct manifest {
	const struct ir_prog *ir;
	const char *object;		/* object file name in the bundle */
	const char *counters_map;	/* per-rule counters map name */
	const struct manifest_prog *progs;
	int nprogs;
	const struct manifest_map *maps;
	int nmaps;
	const struct budget *budget;	/* verifier cost estimate, or NULL */
};

/* Write m as JSON to f.  Returns 0 or -errno. */
int manifest_write(FILE *f, const struct manifest *m);
/* Write s as a JSON string literal. */
void json_put_str(FILE *f, const char *s);

#endif
