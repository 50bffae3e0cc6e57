/* SPDX-License-Identifier: MIT */
/*
 * check_int.h - what the checker's files share (not for other passes:
 * they use check.h).
 *
 *	builtins.c	headers, enums, effects, actions, hooks, builtin sets
 *	check.c		names, declarations, types, effects, hooks; cmd_check
 *	exhaust.c	packet sets, exhaustiveness, overlap, shadowing
 */
#ifndef FWLC_CHECK_INT_H
#define FWLC_CHECK_INT_H

#include "fwlc/builtin.h"
#include "fwlc/check.h"

/*
 * builtins.c
 */

typedef struct FieldDef {
	const char *name;
	TyKind kind;		/* TY_IP, TY_PORT, TY_INT, TY_PROTO, TY_MAC,
				   TY_SET (of enum), TY_ENUM */
	const char *enum_name;	/* TY_ENUM or TY_SET element */
	int dim;		/* DIM_SRC...; -1: not analysed */
} FieldDef;

struct HeaderDef {
	const char *con;	/* constructor: IPv4 */
	const char *type;	/* type name: IPv4Header */
	int fam;		/* 4/6 for IP headers and ICMP(v6), else 0 */
	int layer;		/* 2 Ether, 3 IP/VLAN, 4 transport */
	int proto;		/* L4 protocol number, -1 */
	const FieldDef *fields;
};

struct EnumDef {
	const char *name;	/* CtState */
	const char *const *values;	/* New, Established, ... */
	int nvalues;
	const int *numbers;	/* wire values (ICMP types), or NULL */
};

typedef struct EffectOp {
	const char *effect;	/* Log */
	const char *op;		/* emit */
	int nargs;
	TyKind args[3];
	const char *arg_name[3];	/* TY_ENUM/TY_OPAQUE names */
	TyKind result;
	const char *result_name;
} EffectOp;

const HeaderDef *header_by_con(const char *con);
const HeaderDef *header_by_type(const char *type);
const FieldDef *header_field(const HeaderDef *h, const char *name);
const EnumDef *enum_by_name(const char *name);
/* The enum that has value `v` (first match); *index gets its position. */
const EnumDef *enum_of_value(const char *v, int *index);
int enum_index(const EnumDef *e, const char *v);
int effect_bit(const char *name);	/* EffectBit index or -1 */
const EffectOp *effect_op(const char *effect, const char *op);
/* Hooks at which the effect has a handler (mask of 1 << Hook). */
uint32_t effect_hooks(int bit_index);
/* Actions legal at a hook (ActionBit mask). */
uint32_t hook_actions(Hook h);
/* Protocol names: tcp 6, udp 17, icmp 1, icmpv6 58; -1 if unknown. */
int proto_number(const char *name);
const char *proto_name(int n);

/* builtin_set(), builtin_sets(): builtin.h */
/* The prefixes of a builtin set, decoded (arena memory). */
IPAddr *builtin_set_addrs(const BuiltinSet *s, Arena *a);
/* Names of every builtin set, NULL-terminated (for did-you-mean). */
const char *const *builtin_set_names(void);

/*
 * check.c: the context shared with exhaust.c
 */

typedef struct Scope Scope;

/* What the checker knows about a declaration. */
typedef struct DeclInfo {
	const Decl *decl;
	int state;		/* 0 unchecked, 1 in progress, 2 done */
	const Ty *ty;
	int iface;		/* D_INTERFACE: its number */
	uint32_t zone;		/* D_ZONE: interface bit mask (<= 32) */
	IvSet cidrs;		/* constant CIDR sets (D_LET, D_IMPORT): built
				   once, shared by every test of the name */
	int cidr_fam;		/* 4, 6, or 0 (mixed) for cidrs */
	int cidr_depth;		/* D_LET: how deep building cidrs nested */
	bool has_cidrs;
	uint32_t effects;	/* D_RULE: inferred row */
	uint32_t actions;	/* D_RULE: ActionBit mask */
	uint32_t needs;		/* D_RULE: NEED_IIF/NEED_OIF */
	Span oif_use, iif_use;	/* where the need arose */
	CheckPolicy *policy;	/* D_POLICY */
} DeclInfo;

enum { NEED_IIF = 1, NEED_OIF = 2 };

typedef struct NodeInfo {
	const void *node;
	const Ty *ty;
	const Decl *decl;
	const Pat *binder;
	const Refinement *ref;
	bool nat_backends;	/* a backend set already checked (E0623/4) */
} NodeInfo;

struct Check {
	const Program *prog;
	Arena *a;
	Diags *d;
	DeclInfo *info;		/* one per prog->decls */
	/* global names: open addressing over interned names */
	const char **gname;
	DeclInfo **gdecl;
	int gcap;
	/* node side table: by id (the program's nodes), else hashed */
	NodeInfo *byid;
	uint32_t nids;
	NodeInfo *nodes;
	size_t ncap, nlen;
	int nifaces;		/* declared interfaces; lo is nifaces */
	const char **iface_names;	/* nifaces + 1 (lo) */
	/* what the body being checked needs */
	uint32_t cur_effects;
	uint32_t cur_needs;
	Span cur_iif_use, cur_oif_use;
	DeclInfo *cur_decl;	/* the declaration being checked */
	CheckPolicy *policies;
	int npolicies;
	int const_depth;	/* deepest nesting a constant set reached
				   (exhaust.c, for DeclInfo.cidr_depth) */
};

NodeInfo *node_info(Check *c, const void *node);
DeclInfo *global_lookup(Check *c, const char *name);
const Ty *ty_new(Check *c, TyKind k);
/* Best near-miss for name among the candidates, or NULL. */
const char *did_you_mean(const char *name, const char *const *cands, int n);

/*
 * exhaust.c
 */

void boxes_push(BoxSet *s, const Box *b);
void boxes_free(BoxSet *s);
/* Move a set into the arena (for results kept after the pass). */
void boxes_keep(Check *c, BoxSet *s);
void box_full(Box *b);
void iv_push(IvSet *s, u128 lo, u128 hi);
/* The interval of a CIDR: v4 values < 2^32. */
void iv_push_cidr(IvSet *s, const IPAddr *ip);
void iv_free(IvSet *s);
/* Move a set into the arena (for results kept after the pass). */
void iv_keep(Check *c, IvSet *s);

/* Earlier arms an arm is tested against by subtraction (beyond, only its
   liveness is decided, by splitting).  64; tests lower it to cover both. */
extern int exhaust_max_subtract;

/* Analyse a policy's arms (fills cp->arms[i].set etc.; reports). */
void exhaust_policy(Check *c, CheckPolicy *cp);
/* Analyse a `case` over a frame inside a rule; arms' may-continue flags
   and actions given in ca[]. */
void exhaust_frame_case(Check *c, const Expr *cs, CheckArm *ca, bool in_rule);
/* Analyse a case over a scalar type: scrutinee type t, refinement r. */
void exhaust_scalar_case(Check *c, const Expr *cs, const Ty *t,
			 const Refinement *r);
/* The values of a constant `value` (of a record-field test `field ∈
   value` on dim, or a let's CIDR set) into the empty set *out: arena
   memory, or the set of the let it names, shared; false when it is not a
   compile-time constant. */
bool exhaust_const_set(Check *c, const Expr *v, int dim, int fam,
		       IvSet *out);

#endif
