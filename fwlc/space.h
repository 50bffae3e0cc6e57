/* SPDX-License-Identifier: MIT */
/*
 * space.h - packet spaces: sets of packets as decision diagrams, and the
 * coverage analyses the checker runs over the arms of a `case` or a policy.
 *
 * This library knows nothing of FWL's syntax.  The checker lowers each arm's
 * pattern into a set over N declared dimensions (l3 constructor, l4
 * constructor, IPv4 src/dst, IPv6 src/dst, ports, ICMP type, iif/oif,
 * ct.state, ...) and asks:
 *
 *   exhaustiveness  residual = universe minus every unguarded arm
 *   dead            arm covered by earlier unguarded arms (listing them)
 *   redundant       removing the arm changes no verdict
 *   shadowed        a packet of the arm that an earlier arm with a
 *                   different action catches first
 *   tiling          overlaps and gaps of one-field `case` arms
 *
 * docs/analysis.md states each analysis precisely.
 *
 * == Model ==
 * Dimension d has the integer domain [0, max_d], max_d <= 2^128-1.  A point
 * (a "packet") gives every dimension a value.  A set is any set of points
 * built from per-dimension interval constraints with union, intersection and
 * difference.  Dimensions a pattern does not mention are unconstrained; a
 * field that only exists under some constructor (IPv4 src under l3=IPv4) is a
 * dimension like any other, left unconstrained by arms of other
 * constructors, so the checker prints it as `_` there.
 *
 * == Representation: a reduced ordered BDD with complement edges ==
 * Dimension d with width w_d = bits(max_d) contributes w_d boolean variables,
 * most significant bit first; dimensions are ordered as declared (put the
 * coarse ones -- constructors, protocol -- first: it keeps diagrams small and
 * witnesses readable).  A set is a node of a shared, hash-consed BDD
 * (Bryant's ROBDD with complement edges, as in CUDD): equal sets are equal
 * handles, so emptiness and equality are O(1) and complement is O(1).
 *
 * Why a bit-level BDD and not boxes or interval-labelled nodes:
 *  - an interval [lo,hi] over w bits is a chain of at most 2w nodes, a CIDR
 *    prefix /p exactly p nodes, so CIDR and port arms are cheap;
 *  - boxes minus boxes fragment exponentially in the number of dimensions;
 *    here difference is AND with a complemented edge, and sub-diagrams are
 *    shared, so "arm i over the cover of arms 0..i-1" re-uses the cover;
 *  - multi-way interval nodes must copy a whole node to change one edge;
 *    binary nodes change O(prefix length) nodes per specific arm.
 * Domains that are not a power of two: values above max_d are made aliases
 * of max_d (every constraint that contains max_d also contains max_d+1 ..
 * 2^w-1, and none other does), a property union, intersection and
 * complement preserve; so the universe is the constant TRUE, and counting,
 * witnesses and box listings clamp to [0, max_d].
 *
 * Operations are memoised through a lossy computed table (direct-mapped,
 * like CUDD's), so an operation on diagrams of sizes |f|, |g| costs at most
 * O(|f|*|g|) and in the arm analyses typically O(|f| * depth): AND stops as
 * soon as either side is a constant, and an arm that is TRUE below some
 * prefix (a broad arm) returns the other operand unchanged there.
 *
 * == The arm analysis (space_analyze) ==
 * Forward pass, i = 0..n-1, with C = union of earlier unguarded arms
 * (C_{-1} = empty) and one set E_a per action a (the packets whose first
 * unguarded match so far has action a):
 *   R_i = S_i AND NOT C          reach of arm i; dead iff R_i is empty
 *   shadowed iff S_i AND C AND NOT E_{a_i} is non-empty (one 3-way
 *       satisfiability walk, no construction); witness point p from it;
 *       the shadowing arm = the first k with p in C_k, found by binary
 *       search over the stored C_0 .. C_{i-1} (C is monotone)
 *   if unguarded: C |= S_i, E_{a_i} |= R_i; store C_i.
 * Backward pass, i = n-1..0, with F = the fall-through verdict map of arms
 * i+1..n-1 (a multi-terminal diagram: action, AMBIGUOUS, or NO-MATCH; F
 * starts as the default action or NO-MATCH):
 *   redundant iff arm i is live and F = a_i everywhere on R_i
 *   F := S_i ? a_i : F           (unguarded)
 *   F := S_i ? (F == a_i ? a_i : AMBIGUOUS) : F   (guarded)
 * Covers of dead arms: rem = S_i; while rem is non-empty: pick a point of
 * rem, add the first unguarded earlier arm containing it (binary search on
 * C), rem -= that arm.  Then drop every listed arm the others already cover.
 * The list is irredundant (minimal by inclusion: no listed arm can be
 * dropped) and every listed arm intersects the dead arm; it is not
 * guaranteed to have minimum cardinality (set cover is NP-hard).
 *
 * Complexity: n arms cost n AND/OR/ITE operations plus n satisfiability
 * walks; each is bounded by the product of its operands' sizes, and in
 * practice by the size of the arm times the depth of the cover under it.
 * tools/space-bench measures 1,000 -> 10,000 mixed CIDR/port/protocol arms.
 *
 * == Ownership ==
 * Everything (nodes, sets, analysis results, box and CIDR lists, copied
 * names) belongs to the struct space and is freed by space_free().  There is
 * no global state; a space is not thread-safe.  space_set handles are plain
 * integers valid until space_free().
 *
 * == Errors ==
 * A function that cannot do its job (bad dimension, lo > hi, value above the
 * domain, node budget exhausted, out of memory) returns SPACE_ERR (or -1) and
 * leaves a sentence in space_error().  Operations given SPACE_ERR return
 * SPACE_ERR, so a chain of calls can be checked once at its end.
 */
#ifndef FWL_SPACE_H
#define FWL_SPACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef unsigned __int128 space_u128;

/* A set of points: a handle into its struct space. */
typedef uint32_t space_set;
#define SPACE_ERR ((space_set)UINT32_MAX)	/* an operation failed */

/* Action ids are the caller's; these two values are reserved. */
#define SPACE_NOMATCH	0xFFFFFFFFu	/* no arm matches (no default) */
#define SPACE_AMBIG	0xFFFFFFFEu	/* depends on an opaque guard */
#define SPACE_ACTION_MAX 0xFFFFFFF0u	/* caller actions are below this */

struct space_dim {
	const char *name;	/* for messages; copied */
	space_u128 max;		/* domain [0, max] */
};

struct space_ival {
	space_u128 lo, hi;	/* inclusive */
};

/* A per-dimension constraint of space_box(). */
struct space_range {
	int dim;
	space_u128 lo, hi;	/* inclusive, lo <= hi <= max of dim */
};

struct space_cidr {
	space_u128 addr;	/* network address (host bits clear) */
	int plen;		/* prefix length, 0..width */
};

struct space;

/* ---- the space ---- */

/* A space over ndims dimensions (1..64), declared in order. NULL on bad
 * input or no memory, with the reason in *err if err is not NULL. */
struct space *space_new(const struct space_dim *dims, int ndims,
			const char **err);
void space_free(struct space *sp);
const char *space_error(const struct space *sp);	/* last error */
int space_ndims(const struct space *sp);
space_u128 space_dim_max(const struct space *sp, int dim);
int space_dim_width(const struct space *sp, int dim);	/* bits */
const char *space_dim_name(const struct space *sp, int dim);
/* Nodes in the diagram store (for benchmarks and budgets). */
size_t space_nodes(const struct space *sp);
/* Cap the node store (default 1<<25 nodes, ~400 MB); beyond it operations
 * fail with "too complex". */
void space_set_node_limit(struct space *sp, size_t max_nodes);

/* ---- building sets ---- */

space_set space_empty(struct space *sp);
space_set space_universe(struct space *sp);
/* { p : lo <= p[dim] <= hi }, other dimensions free. */
space_set space_interval(struct space *sp, int dim, space_u128 lo,
			 space_u128 hi);
/* The CIDR block addr/plen on dim, whose width is the address width (32 for
 * IPv4, 128 for IPv6: declare max = 2^w-1).  Host bits must be clear. */
space_set space_prefix(struct space *sp, int dim, space_u128 addr, int plen);
/* { p : p[dim] in vals } -- an enum value set such as ct.state. */
space_set space_values(struct space *sp, int dim, const space_u128 *vals,
		       size_t n);
/* A box: ranges on the same dimension are united, ranges on different
 * dimensions intersected; unmentioned dimensions are free. */
space_set space_box(struct space *sp, const struct space_range *r, size_t n);

/* ---- set algebra ---- */

space_set space_or(struct space *sp, space_set a, space_set b);
space_set space_and(struct space *sp, space_set a, space_set b);
space_set space_diff(struct space *sp, space_set a, space_set b); /* a - b */
space_set space_not(struct space *sp, space_set a);	/* universe - a */
bool space_is_empty(struct space *sp, space_set a);
bool space_is_universe(struct space *sp, space_set a);
bool space_intersects(struct space *sp, space_set a, space_set b);
bool space_subset(struct space *sp, space_set a, space_set b);	/* a <= b */
/* Is the point (ndims values, each within its domain) in a? */
bool space_member(struct space *sp, space_set a, const space_u128 *point);

/* Number of points in a, as a double (always) and exactly in *exact when
 * it fits: returns 0, or 1 when the count is 2^128 or more (then *exact is
 * UINT128 max).  -1 on SPACE_ERR. */
int space_count(struct space *sp, space_set a, double *approx,
		space_u128 *exact);

/* ---- witnesses ---- */

/* Fill point[ndims] with a point of a, preferring small values.  0, or -1
 * when a is empty or SPACE_ERR. */
int space_pick(struct space *sp, space_set a, space_u128 *point);

/* Decompose a into disjoint boxes, one interval per dimension, listed in
 * lexicographic order of the declared dimensions, each interval maximal
 * for the diagram's splits (so an unconstrained dimension is [0, max]).
 * Writes at most limit boxes to out[limit * ndims] (box b, dimension d at
 * out[b * ndims + d]), returns how many it wrote, and sets *total to the
 * number of boxes in the full decomposition (a double: it can be huge).
 * -1 on SPACE_ERR. */
long space_boxes(struct space *sp, space_set a, struct space_ival *out,
		 size_t limit, double *total);

/* Maximal CIDR-aligned blocks of [lo, hi] in a width-bit address space
 * (width 1..128), in address order: at most 2*width of them, written to
 * out[cap].  Returns the number of blocks (may exceed cap: then only cap
 * were written), or -1 on bad input (lo > hi, hi beyond width). */
int space_cidrs(space_u128 lo, space_u128 hi, int width,
		struct space_cidr *out, int cap);

/* ---- arm analyses ---- */

struct space_arm {
	space_set set;		/* the packets the pattern matches */
	uint32_t action;	/* caller's id; equal ids = same verdict */
	bool guarded;		/* has an opaque guard: never covers */
};

struct space_arm_result {
	bool dead;		/* no packet can reach the arm */
	const uint32_t *cover;	/* dead: covering earlier arms, ascending */
	size_t ncover;
	bool redundant;		/* live, and removing it changes no verdict */
	bool shadowed;		/* live, and part of it is caught earlier
				 * by an arm with another action */
	uint32_t shadow_by;	/* that earlier arm */
	const space_u128 *shadow_point;	/* ndims values: the packet */
	space_set reach;	/* the packets that reach the arm (R_i) */
};

struct space_analysis {
	size_t narms;
	struct space_arm_result *arms;	/* narms results, in arm order */
	space_set residual;	/* universe - all unguarded arms */
	bool exhaustive;	/* residual is empty */
};

/* Analyse arms[0..n-1] in order.  has_default/default_action give the
 * verdict of packets no arm matches (a policy's default); without it they
 * have no verdict (SPACE_NOMATCH).  Results live in sp.  0, or -1 with
 * space_error() on bad input (SPACE_ERR set, reserved action) or when the
 * node budget runs out. */
int space_analyze(struct space *sp, const struct space_arm *arms, size_t n,
		  bool has_default, uint32_t default_action,
		  struct space_analysis *out);

/* ---- tiling of one-field `case` arms ---- */

struct space_overlap {
	uint32_t a, b;		/* arm indices, a < b */
	space_u128 lo, hi;	/* their intersection */
};

struct space_tiling {
	const struct space_overlap *overlaps;	/* at most cap listed */
	size_t noverlaps;	/* listed */
	size_t total_overlaps;	/* all overlapping pairs */
	const struct space_ival *gaps;	/* parent minus all arms, in order */
	size_t ngaps;
	const uint32_t *outside;	/* arms not inside the parent */
	size_t noutside;
};

/* Arms arms[0..n-1], each one interval of one field (a CIDR block or a port
 * range), must tile the parent interval: overlapping pairs (ordered by the
 * later arm, then the earlier), the gaps left in the parent as maximal
 * intervals (space_cidrs() turns each into prefixes), and arms reaching
 * outside the parent.  Results live in sp.  0, or -1 on bad input. */
int space_tile(struct space *sp, struct space_ival parent,
	       const struct space_ival *arms, size_t n, size_t cap,
	       struct space_tiling *out);

#endif
