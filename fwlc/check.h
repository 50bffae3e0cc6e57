/* SPDX-License-Identifier: MIT */
/*
 * check.h - the semantic pass: names, types, effects, hooks and actions,
 * refinements, exhaustiveness and shadowing (docs/semantics.md).
 *
 *	Arena a = {0};
 *	Diags d;
 *	diag_init(&d);
 *	Program *p = parse_program(src, &a, &d);
 *	Check *c = check_program(p, &a, &d);	// never NULL
 *	if (diag_failed(&d)) ...		// E0200-E0699
 *
 * The result stays valid as long as the Arena.  Later passes (lowering,
 * the interpreter) read what the checker found through the functions at
 * the end of this file instead of deciding names and types again:
 *
 *	const Ty *t = check_type_of(c, e);	// type of any expression
 *	const Decl *d = check_decl_of(c, e);	// E_NAME -> its declaration
 *	const CheckPolicy *cp = check_policy(c, decl);
 *	cp->hook, cp->effects, cp->arms[i].set  // per-arm packet sets
 *
 * Error codes owned here: E0200-E0699 (docs/semantics.md lists each with
 * an example).  E02xx names, E03xx types, E04xx effects, E05xx hooks and
 * actions, E06xx patterns (exhaustiveness, overlap, shadowing, limits).
 */
#ifndef FWLC_CHECK_H
#define FWLC_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "fwlc/ast.h"
#include "fwlc/diag.h"

enum {
	/* names */
	ERR_UNDEFINED = 200,	/* a name bound nowhere */
	ERR_DUPLICATE = 201,	/* two declarations of one name */
	ERR_CYCLE = 202,	/* a declaration that depends on itself */
	ERR_REBOUND = 203,	/* a name bound twice in one pattern */
	ERR_IMPORT = 204,	/* unknown import source or builtin set */
	ERR_WRONG_KIND = 205,	/* a name of the wrong kind here */
	/* types */
	ERR_TYPE = 300,		/* expected one type, found another */
	ERR_FAMILY = 301,	/* IPv4 and IPv6 mixed */
	ERR_FIELD = 302,	/* no such field */
	ERR_CON = 303,		/* wrong or unknown constructor here */
	ERR_ARITY = 304,	/* wrong number of arguments */
	ERR_MAP_KEY = 305,	/* membership in a map with the wrong key */
	ERR_UNKNOWN_TYPE = 306,	/* unknown type name */
	ERR_LITERAL = 307,	/* a literal of the wrong type */
	ERR_NOT_FN = 308,	/* applying something that is not a function */
	ERR_ATTR = 309,		/* bad interface attribute */
	/* effects */
	ERR_EFFECT_UNDECLARED = 400,	/* perform of an effect not in row */
	ERR_EFFECT_CALL = 401,	/* calling a rule with a larger row */
	ERR_EFFECT_HOOK = 402,	/* no handler provides it at the hook */
	ERR_EFFECT_UNKNOWN = 403,	/* unknown effect */
	ERR_EFFECT_OP = 404,	/* unknown operation of an effect */
	/* hooks and actions */
	ERR_ACTION_HOOK = 500,	/* action not legal at this hook */
	ERR_IFACE_HOOK = 501,	/* iif/oif not known at this hook */
	ERR_POLICY_PROP = 502,	/* missing or unknown hook/table/priority */
	ERR_ACTION_TABLE = 503,	/* NAT action outside table NAT */
	/* patterns */
	ERR_NONEXHAUSTIVE = 600,	/* inputs no arm matches */
	ERR_OVERLAP = 601,	/* arms of a tiling case overlap */
	WARN_SHADOWED = 602,	/* arm never fires (warning) */
	WARN_REDUNDANT = 603,	/* arm removable, no verdict changes */
	WARN_PARTLY_SHADOWED = 604,	/* part of the arm decided otherwise */
	ERR_OUTSIDE_REFINEMENT = 605,	/* arm outside the refined space */
	/* data-plane limits (limits.h) */
	ERR_PAYLOAD_LIMIT = 620,	/* payload pattern too long */
	ERR_FLOW_LIMIT = 621,	/* flow with too many steps */
	ERR_SET_LIMIT = 622,	/* set or map larger than its map */
	ERR_NAT_BACKEND = 623,	/* a NAT backend that is not one address */
	ERR_NAT_SET_LIMIT = 624,	/* more backends than a NAT set holds */
};

/*
 * Types
 */

typedef enum TyKind {
	TY_ERROR,	/* after an error: compatible with everything */
	TY_ANY,		/* a polymorphic argument of a builtin (show x) */
	TY_UNIT,	/* the result of Log.emit and friends */
	TY_BOOL,
	TY_INT,
	TY_STRING,
	TY_IP,		/* fam 4, 6, or 0 (either: the IP of a map value) */
	TY_CIDR,	/* a prefix: fam as for TY_IP */
	TY_CIDRSET,	/* a set of prefixes (LPM): fam 4, 6 or 0 (mixed) */
	TY_MAC,
	TY_PORT,
	TY_PORTRANGE,
	TY_PROTO,	/* tcp, udp, icmp, icmpv6, numbers */
	TY_DURATION,
	TY_RATE,
	TY_BYTES,	/* a payload */
	TY_SET,		/* Set<elem> */
	TY_MAP,		/* Map<key, elem> */
	TY_TUPLE,	/* (items...) */
	TY_HEADER,	/* a header record: hdr (builtins.c) */
	TY_L3,		/* what Ether carries: IPv4(..) | IPv6(..) | VLAN(..) */
	TY_L4,		/* what IPv4/IPv6 carry: TCP(..) | UDP(..) | ... */
	TY_FRAME,	/* Frame<{}> */
	TY_ACTION,
	TY_IFACE,	/* an interface */
	TY_ZONE,	/* a set of interfaces */
	TY_ENUM,	/* CtState, LogLevel, FlowResult, ...: en */
	TY_OPAQUE,	/* ThreatFeed, Counter, CtHelper, FlowTable, Flow,
			   FlowPattern: name */
	TY_FUN,		/* from -> <effects> to */
	TY_CT,		/* the record behind `ct` */
} TyKind;

typedef struct HeaderDef HeaderDef;
typedef struct EnumDef EnumDef;

typedef struct Ty {
	TyKind kind;
	uint8_t fam;		/* TY_IP, TY_CIDR, TY_CIDRSET, TY_HEADER */
	const char *name;	/* TY_OPAQUE, TY_ENUM */
	const HeaderDef *hdr;	/* TY_HEADER */
	const EnumDef *en;	/* TY_ENUM */
	const struct Ty *elem;	/* TY_SET, TY_MAP (the values) */
	const struct Ty *key;	/* TY_MAP */
	const struct Ty **items;	/* TY_TUPLE */
	int nitems;
	const struct Ty *from, *to;	/* TY_FUN */
	uint32_t effects;	/* TY_FUN: EffectBit mask */
} Ty;

/* The type in FWL spelling ("Map<(Protocol, Port), (IP, Port)>"). */
const char *ty_str(Arena *a, const Ty *t);

/* Effects (bit masks); builtins.c has their operations. */
typedef enum EffectBit {
	EFF_THREATFEED = 1 << 0,
	EFF_LOG = 1 << 1,
	EFF_FLOWMATCH = 1 << 2,
	EFF_FIB = 1 << 3,
	EFF_DNS = 1 << 4,
	EFF_CONNTRACK = 1 << 5,
	EFF_RATELIMIT = 1 << 6,
	EFF_COUNTER = 1 << 7,
	EFF_COUNT = 8,
} EffectBit;

/* Actions a body can return (bit masks). */
typedef enum ActionBit {
	ACT_ALLOW = 1 << 0,
	ACT_DROP = 1 << 1,
	ACT_REJECT = 1 << 2,
	ACT_CONTINUE = 1 << 3,
	ACT_DNAT = 1 << 4,	/* DNAT(addr), DNAT((addr, port)), DNATMap */
	ACT_SNAT = 1 << 5,	/* SNAT(addr) */
	ACT_MASQ = 1 << 6,	/* Masquerade */
	ACT_COUNT = 7,
} ActionBit;

typedef enum Hook {
	HOOK_PREROUTING,
	HOOK_INPUT,
	HOOK_FORWARD,
	HOOK_OUTPUT,
	HOOK_POSTROUTING,
	HOOK_COUNT,
} Hook;

/*
 * Packet sets: a union of boxes over the dimensions of a frame (exhaust.c).
 * Each dimension is an interval of unsigned 128-bit values; an IPv4 address
 * is a value below 2^32.  Interfaces are numbered in declaration order,
 * then `lo`, then "any other interface".
 */
enum {
	DIM_IIF, DIM_OIF, DIM_CTSTATE, DIM_CTDIR, DIM_L3, DIM_PROTO,
	DIM_SRC, DIM_DST, DIM_SPORT, DIM_DPORT, DIM_ITYPE, DIM_ICODE,
	NDIM
};
/* DIM_L3 values */
enum { L3_OTHER, L3_IPV4, L3_IPV6, L3_VLAN };

typedef unsigned __int128 u128;

typedef struct Box {
	u128 lo[NDIM], hi[NDIM];
} Box;

typedef struct BoxSet {
	Box *v;
	int n, cap;
} BoxSet;

/*
 * A one-dimensional set: the intervals of one field's values (a CIDR set,
 * ports, interfaces, enum values), in the order the constant lists them.
 * 32 bytes an element where a Box takes 384: a constant set of 1,000,000
 * prefixes is kept as intervals, once, and meets the other dimensions only
 * in the boxes of the arms that test it (docs/analysis.md).
 */
typedef struct Iv {
	u128 lo, hi;
} Iv;

typedef struct IvSet {
	Iv *v;
	int n, cap;
	signed char sorted;	/* 0 not known yet; 1 ascending and disjoint,
				   -1 not */
} IvSet;

/* Per arm of a policy or of a case on a frame. */
typedef struct CheckArm {
	const Arm *arm;
	BoxSet set;		/* the packets the arm's pattern and guard may
				   match (a superset when !exact) */
	bool exact;		/* set is exactly what the pattern+guard match */
	bool may_continue;	/* the body may return Continue */
	bool shadowed;		/* never fires */
	uint32_t actions;	/* ActionBit mask of the body */
} CheckArm;

typedef struct CheckPolicy {
	const Decl *decl;
	Hook hook;
	bool nat_table;		/* table = NAT */
	uint32_t effects;	/* effects the policy's arms need */
	uint32_t actions;
	CheckArm *arms;		/* decl->narms of them */
} CheckPolicy;

/* A binder's refinement: what its record pattern proved about a field. */
typedef struct Refinement {
	const char *field;	/* src, dst, sport, dport */
	int dim;		/* DIM_SRC ... */
	IvSet set;		/* the values the field is refined to */
	struct Refinement *next;
} Refinement;

typedef struct Check Check;

/* Run every check; diagnostics go to d.  Never NULL. */
Check *check_program(const Program *p, Arena *a, Diags *d);
/* Release what the result holds outside the Arena (its node table); call
   it before arena_free().  The queries below need it still alive. */
void check_free(Check *c);

/* The type the checker gave an expression (NULL if never reached). */
const Ty *check_type_of(const Check *c, const Expr *e);
/* The declaration an E_NAME (or a P_VAR naming a constant, interface or
   zone) refers to; NULL for locals and builtins. */
const Decl *check_decl_of(const Check *c, const void *node);
/* The binder (P_VAR, P_RECORD or P_AS) a local E_NAME refers to. */
const Pat *check_binder_of(const Check *c, const Expr *e);
/* What a binder's record pattern proved (NULL: nothing). */
const Refinement *check_refinement_of(const Check *c, const Pat *binder);
/* The analysis of a policy (NULL for other declarations). */
const CheckPolicy *check_policy(const Check *c, const Decl *policy);
/* Effect row of a rule as inferred (declared row in the rule's type). */
uint32_t check_rule_effects(const Check *c, const Decl *rule);
/* Interface number used by DIM_IIF/DIM_OIF (-1 if not an interface). */
int check_iface_index(const Check *c, const char *name);

const char *hook_name(Hook h);
const char *effect_name(int bit_index);

/* fwlc check FILE [--Werror] [--format json] */
int cmd_check(int argc, char **argv);

#endif
