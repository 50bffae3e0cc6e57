// SPDX-License-Identifier: MIT
/*
 * check.c - names, declarations, types, effects, hooks and actions.
 *
 * One walk over the program.  Declarations are checked on demand (a use
 * checks what it uses first), which gives rules' effect rows before their
 * callers need them and finds cycles: a declaration met again while it is
 * being checked depends on itself.  Expressions are checked against an
 * expected type where one is known (bidirectional), so `EchoRequest` is an
 * ICMP type in `icmp { type = EchoRequest }` and `{}` is an empty CIDR set
 * where a CIDRSet is wanted.  Patterns bind names into a chain of Locals.
 * exhaust.c then analyses the arms of policies and cases.
 */
#include <stdlib.h>
#include <string.h>

#include "fwlc/check_int.h"
#include "fwlc/cmd.h"
#include "fwlc/limits.h"
#include "fwlc/parse.h"
#include "maps/nat.h"

/*
 * Side table: AST node -> what the checker found.  The program's Exprs
 * and Pats are found by their id in an array (in parse order, so a walk
 * over the program reads it nearly in order); a node without an id, or
 * whose slot another program's node holds, in a hash table (open
 * addressing).
 */

static size_t ptr_hash(const void *p)
{
	/* a full 64-bit mix: the table keeps the low bits, and arena
	   pointers differ mostly in their middle ones (the old 32-bit
	   multiply left long probe chains at 100,000 arms) */
	uint64_t x = (uintptr_t)p;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return (size_t)x;
}

static NodeInfo *node_find(const Check *c, const void *node)
{
	uint32_t id = node ? AST_ID(node) : 0;
	if (id < c->nids && c->byid[id].node == node)
		return &c->byid[id];
	if (!c->ncap)
		return NULL;
	for (size_t i = ptr_hash(node) & (c->ncap - 1);;
	     i = (i + 1) & (c->ncap - 1)) {
		if (c->nodes[i].node == node)
			return &c->nodes[i];
		if (!c->nodes[i].node)
			return NULL;
	}
}

NodeInfo *node_info(Check *c, const void *node)
{
	uint32_t id = node ? AST_ID(node) : 0;
	if (id && id < c->nids) {
		NodeInfo *n = &c->byid[id];
		if (n->node == node)
			return n;
		if (!n->node) {
			n->node = node;
			return n;
		}
	}
	if ((c->nlen + 1) * 2 > c->ncap) {
		size_t ocap = c->ncap;
		NodeInfo *old = c->nodes;
		c->ncap = ocap ? ocap * 2 : 1024;
		c->nodes = calloc(c->ncap, sizeof(*c->nodes));
		if (!c->nodes) {
			fprintf(stderr, "fwlc: out of memory\n");
			exit(2);
		}
		c->nlen = 0;
		for (size_t i = 0; i < ocap; i++)
			if (old[i].node)
				*node_info(c, old[i].node) = old[i];
		free(old);
	}
	size_t i = ptr_hash(node) & (c->ncap - 1);
	while (c->nodes[i].node && c->nodes[i].node != node)
		i = (i + 1) & (c->ncap - 1);
	if (!c->nodes[i].node) {
		c->nodes[i].node = node;
		c->nlen++;
	}
	return &c->nodes[i];
}

/*
 * Types
 */

static const Ty T_ERROR = { .kind = TY_ERROR };
static const Ty T_ANY = { .kind = TY_ANY };
static const Ty T_UNIT = { .kind = TY_UNIT };
static const Ty T_BOOL = { .kind = TY_BOOL };
static const Ty T_INT = { .kind = TY_INT };
static const Ty T_STRING = { .kind = TY_STRING };
static const Ty T_PORT = { .kind = TY_PORT };
static const Ty T_PORTRANGE = { .kind = TY_PORTRANGE };
static const Ty T_PROTO = { .kind = TY_PROTO };
static const Ty T_DURATION = { .kind = TY_DURATION };
static const Ty T_RATE = { .kind = TY_RATE };
static const Ty T_BYTES = { .kind = TY_BYTES };
static const Ty T_FRAME = { .kind = TY_FRAME };
static const Ty T_ACTION = { .kind = TY_ACTION };
static const Ty T_IFACE = { .kind = TY_IFACE };
static const Ty T_ZONE = { .kind = TY_ZONE };
static const Ty T_L3 = { .kind = TY_L3 };
static const Ty T_L4 = { .kind = TY_L4 };
static const Ty T_CT = { .kind = TY_CT };
static const Ty T_MAC = { .kind = TY_MAC };
static const Ty T_IP[3] = { { .kind = TY_IP, .fam = 0 },
			    { .kind = TY_IP, .fam = 4 },
			    { .kind = TY_IP, .fam = 6 } };
static const Ty T_CIDR[3] = { { .kind = TY_CIDR, .fam = 0 },
			      { .kind = TY_CIDR, .fam = 4 },
			      { .kind = TY_CIDR, .fam = 6 } };
static const Ty T_CIDRSET[3] = { { .kind = TY_CIDRSET, .fam = 0 },
				 { .kind = TY_CIDRSET, .fam = 4 },
				 { .kind = TY_CIDRSET, .fam = 6 } };

static int fam_ix(int fam)
{
	return fam == 4 ? 1 : fam == 6 ? 2 : 0;
}

const Ty *ty_new(Check *c, TyKind k)
{
	Ty *t = arena_alloc(c->a, sizeof(*t));
	t->kind = k;
	return t;
}

static const Ty *ty_opaque(Check *c, const char *name)
{
	Ty *t = (Ty *)ty_new(c, TY_OPAQUE);
	t->name = name;
	return t;
}

static const Ty *ty_enum(Check *c, const EnumDef *e)
{
	Ty *t = (Ty *)ty_new(c, TY_ENUM);
	t->en = e;
	t->name = e->name;
	return t;
}

static const Ty *ty_set(Check *c, const Ty *elem)
{
	Ty *t;
	if (elem->kind == TY_CIDR || elem->kind == TY_IP)
		return &T_CIDRSET[fam_ix(elem->fam)];
	if (elem->kind == TY_IFACE)
		return &T_ZONE;
	t = (Ty *)ty_new(c, TY_SET);
	t->elem = elem;
	return t;
}

static const Ty *ty_header(Check *c, const HeaderDef *h)
{
	Ty *t = (Ty *)ty_new(c, TY_HEADER);
	t->hdr = h;
	t->fam = (uint8_t)h->fam;
	return t;
}

static void sb_puts(char **p, char *end, const char *s)
{
	while (*s && *p < end - 1)
		*(*p)++ = *s++;
	**p = 0;
}

static void ty_fmt(char **p, char *end, const Ty *t)
{
	static const char *const simple[] = {
		[TY_ERROR] = "?", [TY_ANY] = "a", [TY_UNIT] = "()",
		[TY_BOOL] = "Bool", [TY_INT] = "Int", [TY_STRING] = "String",
		[TY_MAC] = "MAC", [TY_PORT] = "Port",
		[TY_PORTRANGE] = "PortRange", [TY_PROTO] = "Protocol",
		[TY_DURATION] = "Duration", [TY_RATE] = "Rate",
		[TY_BYTES] = "Bytes<{}>", [TY_L3] = "the network layer",
		[TY_L4] = "the transport layer", [TY_FRAME] = "Frame<{}>",
		[TY_ACTION] = "Action", [TY_IFACE] = "Interface",
		[TY_ZONE] = "Zone", [TY_CT] = "Conntrack",
	};
	switch (t->kind) {
	case TY_IP:
		sb_puts(p, end, t->fam == 4 ? "IPv4 address" :
				t->fam == 6 ? "IPv6 address" : "IP");
		break;
	case TY_CIDR:
		sb_puts(p, end, t->fam == 4 ? "IPv4 CIDR" :
				t->fam == 6 ? "IPv6 CIDR" : "CIDR");
		break;
	case TY_CIDRSET:
		sb_puts(p, end, t->fam == 4 ? "CIDRSet (IPv4)" :
				t->fam == 6 ? "CIDRSet (IPv6)" : "CIDRSet");
		break;
	case TY_SET:
		sb_puts(p, end, "Set<");
		ty_fmt(p, end, t->elem);
		sb_puts(p, end, ">");
		break;
	case TY_MAP:
		sb_puts(p, end, "Map<");
		ty_fmt(p, end, t->key);
		sb_puts(p, end, ", ");
		ty_fmt(p, end, t->elem);
		sb_puts(p, end, ">");
		break;
	case TY_TUPLE:
		sb_puts(p, end, "(");
		for (int i = 0; i < t->nitems; i++) {
			if (i)
				sb_puts(p, end, ", ");
			ty_fmt(p, end, t->items[i]);
		}
		sb_puts(p, end, ")");
		break;
	case TY_HEADER:
		sb_puts(p, end, t->hdr->type);
		break;
	case TY_ENUM:
	case TY_OPAQUE:
		sb_puts(p, end, t->name);
		break;
	case TY_FUN:
		ty_fmt(p, end, t->from);
		sb_puts(p, end, " -> ");
		if (t->effects) {
			sb_puts(p, end, "<");
			bool first = true;
			for (int i = 0; i < EFF_COUNT; i++) {
				if (!(t->effects & (1u << i)))
					continue;
				if (!first)
					sb_puts(p, end, ", ");
				sb_puts(p, end, effect_name(i));
				first = false;
			}
			sb_puts(p, end, "> ");
		}
		ty_fmt(p, end, t->to);
		break;
	default:
		sb_puts(p, end, simple[t->kind]);
	}
}

const char *ty_str(Arena *a, const Ty *t)
{
	char buf[512], *p = buf;
	buf[0] = 0;
	ty_fmt(&p, buf + sizeof(buf), t);
	return arena_strndup(a, buf, strlen(buf));
}

static const char *effects_str(Arena *a, uint32_t m)
{
	char buf[256], *p = buf;
	buf[0] = 0;
	for (int i = 0; i < EFF_COUNT; i++) {
		if (!(m & (1u << i)))
			continue;
		if (p != buf)
			sb_puts(&p, buf + sizeof(buf), ", ");
		sb_puts(&p, buf + sizeof(buf), effect_name(i));
	}
	return arena_strndup(a, buf, strlen(buf));
}

/* Can a value of type got be used where want is expected? */
static bool ty_compat(const Ty *want, const Ty *got)
{
	if (want->kind == TY_ERROR || got->kind == TY_ERROR ||
	    want->kind == TY_ANY || got->kind == TY_ANY)
		return true;
	switch (want->kind) {
	case TY_IP:
	case TY_CIDR:
	case TY_CIDRSET:
		if (got->kind != want->kind &&
		    !(want->kind == TY_CIDR && got->kind == TY_IP))
			return false;
		return !want->fam || !got->fam || want->fam == got->fam;
	case TY_PORTRANGE:
		return got->kind == TY_PORT || got->kind == TY_PORTRANGE;
	case TY_PROTO:
		return got->kind == TY_PROTO;
	case TY_SET:
		return got->kind == TY_SET && ty_compat(want->elem, got->elem);
	case TY_MAP:
		return got->kind == TY_MAP && ty_compat(want->key, got->key) &&
		       ty_compat(want->elem, got->elem);
	case TY_TUPLE:
		if (got->kind != TY_TUPLE || got->nitems != want->nitems)
			return false;
		for (int i = 0; i < want->nitems; i++)
			if (!ty_compat(want->items[i], got->items[i]))
				return false;
		return true;
	case TY_HEADER:
		return got->kind == TY_HEADER && got->hdr == want->hdr;
	case TY_ENUM:
		return got->kind == TY_ENUM && got->en == want->en;
	case TY_OPAQUE:
		return got->kind == TY_OPAQUE && !strcmp(got->name, want->name);
	case TY_FUN:
		return got->kind == TY_FUN && ty_compat(want->from, got->from) &&
		       ty_compat(want->to, got->to);
	default:
		return got->kind == want->kind;
	}
}

/* An IPv4/IPv6 clash somewhere inside want vs got: the families, or 0. */
static int fam_clash(const Ty *want, const Ty *got, int *gfam)
{
	if ((want->kind == TY_IP || want->kind == TY_CIDR ||
	     want->kind == TY_CIDRSET || want->kind == TY_HEADER) &&
	    (got->kind == TY_IP || got->kind == TY_CIDR ||
	     got->kind == TY_CIDRSET || got->kind == TY_HEADER) &&
	    want->fam && got->fam && want->fam != got->fam) {
		*gfam = got->fam;
		return want->fam;
	}
	if (want->kind == TY_TUPLE && got->kind == TY_TUPLE &&
	    want->nitems == got->nitems)
		for (int i = 0; i < want->nitems; i++) {
			int f = fam_clash(want->items[i], got->items[i], gfam);
			if (f)
				return f;
		}
	return 0;
}

/* Report a mismatch of e's type against want (true when compatible). */
static bool expect_ty(Check *c, const Expr *e, Span at, const Ty *want,
		      const Ty *got, const char *what)
{
	if (ty_compat(want, got))
		return true;
	int gfam = 0, wfam = fam_clash(want, got, &gfam);
	if (wfam) {
		Diag *g = diag_error(c->d, at, ERR_FAMILY,
				     "IPv%d and IPv%d are mixed here: %s is "
				     "%s, but %s is expected", gfam == 4 ? 4 : 6,
				     wfam, what, ty_str(c->a, got),
				     ty_str(c->a, want));
		diag_help(c->d, g, "an IPv4 field is only compared with IPv4 "
			  "addresses and prefixes, an IPv6 field with IPv6");
		return false;
	}
	if (e && e->kind == E_LIT) {
		diag_error(c->d, e->span, ERR_LITERAL,
			   "this literal is %s, but %s is expected here",
			   ty_str(c->a, got), ty_str(c->a, want));
		return false;
	}
	diag_error(c->d, at, ERR_TYPE, "%s has type %s, but %s is expected",
		   what, ty_str(c->a, got), ty_str(c->a, want));
	return false;
}

/*
 * Names
 */

static size_t name_hash(const char *p)
{
	return ptr_hash(p);
}

static void global_add(Check *c, DeclInfo *di)
{
	if (c->gcap == 0 || (c->prog->ndecls + 1) * 2 > c->gcap) {
		/* sized once in check_program */
	}
	size_t i = name_hash(di->decl->name) & (size_t)(c->gcap - 1);
	while (c->gname[i])
		i = (i + 1) & (size_t)(c->gcap - 1);
	c->gname[i] = di->decl->name;
	c->gdecl[i] = di;
}

DeclInfo *global_lookup(Check *c, const char *name)
{
	if (!name || !c->gcap)
		return NULL;
	for (size_t i = name_hash(name) & (size_t)(c->gcap - 1); c->gname[i];
	     i = (i + 1) & (size_t)(c->gcap - 1))
		if (c->gname[i] == name)
			return c->gdecl[i];
	return NULL;
}

int check_iface_index(const Check *c, const char *name)
{
	for (int i = 0; i <= c->nifaces; i++)
		if (!strcmp(c->iface_names[i], name))
			return i;
	return -1;
}

static int lev(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 40 || lb > 40)
		return 99;
	int d[41][41];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (int)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (int)j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			int x = d[i - 1][j] + 1, y = d[i][j - 1] + 1;
			int z = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			d[i][j] = x < y ? (x < z ? x : z) : (y < z ? y : z);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < d[i][j])
				d[i][j] = d[i - 2][j - 2] + 1;
		}
	return d[la][lb];
}

const char *did_you_mean(const char *name, const char *const *cands, int n)
{
	const char *best = NULL;
	int bd = 99;
	int limit = strlen(name) <= 3 ? 1 : strlen(name) <= 6 ? 2 : 3;
	for (int i = 0; i < n; i++) {
		if (!cands[i] || !strcmp(cands[i], name))
			continue;
		int dd = lev(name, cands[i]);
		if (dd < bd) {
			bd = dd;
			best = cands[i];
		}
	}
	return bd <= limit ? best : NULL;
}

/* Locals: a chain, innermost first. */
typedef struct Local {
	const char *name;
	const Ty *ty;
	const Pat *binder;
	Refinement *ref;
	struct Local *next;
} Local;

/* Builtin values: names usable without a declaration. */
static const char *const builtin_values[] = {
	"ct", "iif", "oif", "lo", "show", "flowOf", "values", "keys",
	"true", "false", "Allow", "Drop", "Reject", "Continue", "Masquerade",
	"DNAT", "SNAT", "DNATMap", "CtHelper", "Counter", "FlowTable",
	"tcp", "udp", "icmp", "icmpv6", "gre", "esp", "sctp", NULL,
};

static void report_undefined(Check *c, Span at, const char *name,
			     const Local *env, const char *what)
{
	Vec v = {0};
	for (const Local *l = env; l; l = l->next)
		vec_push(&v, (void *)l->name);
	for (int i = 0; i < c->prog->ndecls; i++)
		vec_push(&v, (void *)c->prog->decls[i]->name);
	for (int i = 0; builtin_values[i]; i++)
		vec_push(&v, (void *)builtin_values[i]);
	const char *s = did_you_mean(name, (const char *const *)v.data, v.len);
	vec_drop(&v);
	Diag *g = diag_error(c->d, at, ERR_UNDEFINED, "%s '%s' is not bound "
			     "anywhere", what, name);
	if (s)
		diag_help(c->d, g, "did you mean '%s'?", s);
}

/*
 * Declarations on demand, with cycle detection.
 */

static void check_decl(Check *c, DeclInfo *di);

static DeclInfo **stack;
static int nstack, capstack;

static bool need_decl(Check *c, DeclInfo *di, Span use)
{
	if (di->state == 2)
		return true;
	if (di->state == 1) {
		char buf[512], *p = buf;
		buf[0] = 0;
		int k = nstack - 1;
		while (k > 0 && stack[k] != di)
			k--;
		for (int i = k; i < nstack; i++) {
			sb_puts(&p, buf + sizeof(buf), stack[i]->decl->name);
			sb_puts(&p, buf + sizeof(buf), " -> ");
		}
		sb_puts(&p, buf + sizeof(buf), di->decl->name);
		Diag *g = diag_error(c->d, use, ERR_CYCLE,
				     "'%s' depends on itself: %s",
				     di->decl->name, buf);
		diag_note(c->d, g, &di->decl->name_span, "'%s' is declared "
			  "here", di->decl->name);
		diag_help(c->d, g, "rules and constants cannot recurse: the "
			  "data plane has no loops");
		return false;
	}
	/* save the caller's per-body state */
	uint32_t eff = c->cur_effects, needs = c->cur_needs;
	Span iu = c->cur_iif_use, ou = c->cur_oif_use;
	DeclInfo *cur = c->cur_decl;
	if (nstack == capstack) {
		capstack = capstack ? capstack * 2 : 16;
		stack = xrealloc(stack, sizeof(*stack) * (size_t)capstack);
	}
	stack[nstack++] = di;
	di->state = 1;
	check_decl(c, di);
	di->state = 2;
	nstack--;
	c->cur_effects = eff;
	c->cur_needs = needs;
	c->cur_iif_use = iu;
	c->cur_oif_use = ou;
	c->cur_decl = cur;
	return true;
}

/*
 * Types written in the source
 */

static const Ty *ty_of_syntax(Check *c, const Type *t);

static const Ty *ty_of_name(Check *c, const Type *t)
{
	const char *n = t->name;
	static const struct {
		const char *name;
		const Ty *ty;
	} simple[] = {
		{ "Int", &T_INT }, { "Bool", &T_BOOL }, { "String", &T_STRING },
		{ "Port", &T_PORT }, { "PortRange", &T_PORTRANGE },
		{ "Protocol", &T_PROTO }, { "Duration", &T_DURATION },
		{ "Rate", &T_RATE }, { "Bytes", &T_BYTES }, { "Frame", &T_FRAME },
		{ "Packet", &T_FRAME }, { "Action", &T_ACTION },
		{ "Interface", &T_IFACE }, { "Zone", &T_ZONE }, { "MAC", &T_MAC },
		{ "IP", &T_IP[0] }, { "IP4", &T_IP[1] }, { "IP6", &T_IP[2] },
		{ "IPv4Addr", &T_IP[1] }, { "IPv6Addr", &T_IP[2] },
		{ "CIDR", &T_CIDR[0] }, { "CIDR4", &T_CIDR[1] },
		{ "CIDR6", &T_CIDR[2] }, { "CIDRSet", &T_CIDRSET[0] },
		{ "CIDRSet4", &T_CIDRSET[1] }, { "CIDRSet6", &T_CIDRSET[2] },
	};
	static const char *const opaque[] = {
		"ThreatFeed", "Counter", "CtHelper", "FlowTable", "Flow",
		"FlowPattern", NULL,
	};
	for (size_t i = 0; i < sizeof(simple) / sizeof(*simple); i++)
		if (!strcmp(simple[i].name, n))
			return simple[i].ty;
	for (int i = 0; opaque[i]; i++)
		if (!strcmp(opaque[i], n))
			return ty_opaque(c, opaque[i]);
	if (!strcmp(n, "Set") && t->nargs == 1)
		return ty_set(c, ty_of_syntax(c, t->args[0]));
	if (!strcmp(n, "Map") && t->nargs == 2) {
		Ty *m = (Ty *)ty_new(c, TY_MAP);
		m->key = ty_of_syntax(c, t->args[0]);
		m->elem = ty_of_syntax(c, t->args[1]);
		return m;
	}
	const HeaderDef *h = header_by_type(n);
	if (h)
		return ty_header(c, h);
	const EnumDef *e = enum_by_name(n);
	if (e)
		return ty_enum(c, e);
	static const char *const all[] = {
		"Int", "Bool", "String", "Port", "PortRange", "Protocol",
		"Duration", "Rate", "Bytes", "Frame", "Action", "Interface",
		"Zone", "IP", "CIDR", "CIDRSet", "ThreatFeed", "Counter",
		"CtHelper", "FlowTable", "Flow", "FlowPattern", "Set", "Map",
		"EtherHeader", "VLANHeader", "IPv4Header", "IPv6Header",
		"TCPHeader", "UDPHeader", "ICMPHeader", "ICMPv6Header",
		"CtState", "CtStatus", "CtDirection", "LogLevel", "FlowResult",
	};
	const char *s = did_you_mean(n, all, sizeof(all) / sizeof(*all));
	Diag *g = diag_error(c->d, t->span, ERR_UNKNOWN_TYPE,
			     (!strcmp(n, "Set") || !strcmp(n, "Map")) ?
				     "'%s' takes %s type argument%s" :
				     "unknown type '%s'%s%s",
			     n, !strcmp(n, "Set") ? "one" :
				!strcmp(n, "Map") ? "two" : "",
			     !strcmp(n, "Map") ? "s" : "");
	if (s)
		diag_help(c->d, g, "did you mean '%s'?", s);
	return &T_ERROR;
}

static const Ty *ty_of_syntax(Check *c, const Type *t)
{
	switch (t->kind) {
	case T_NAME:
		return ty_of_name(c, t);
	case T_TUPLE: {
		if (t->nargs == 0)
			return &T_UNIT;
		Ty *r = (Ty *)ty_new(c, TY_TUPLE);
		r->nitems = t->nargs;
		r->items = arena_alloc(c->a, sizeof(*r->items) *
						     (size_t)t->nargs);
		for (int i = 0; i < t->nargs; i++)
			r->items[i] = ty_of_syntax(c, t->args[i]);
		return r;
	}
	case T_RECORD:
		return &T_UNIT;
	case T_FUN: {
		Ty *r = (Ty *)ty_new(c, TY_FUN);
		r->from = ty_of_syntax(c, t->from);
		r->to = ty_of_syntax(c, t->to);
		for (int i = 0; i < t->neffects; i++) {
			int b = effect_bit(t->effects[i]);
			if (b < 0) {
				const char *cands[EFF_COUNT];
				for (int k = 0; k < EFF_COUNT; k++)
					cands[k] = effect_name(k);
				const char *s = did_you_mean(t->effects[i],
							     cands, EFF_COUNT);
				Diag *g = diag_error(c->d, t->effect_spans[i],
						     ERR_EFFECT_UNKNOWN,
						     "unknown effect '%s'",
						     t->effects[i]);
				if (s)
					diag_help(c->d, g, "did you mean '%s'?",
						  s);
				continue;
			}
			r->effects |= 1u << b;
		}
		return r;
	}
	}
	return &T_ERROR;
}

/*
 * Expressions
 */

typedef struct Ctx {
	Local *env;
	uint32_t row;		/* effects allowed here (declared row) */
	bool row_declared;	/* in a rule with a written row */
	bool in_policy;
	Hook hook;
} Ctx;

static const Ty *tc_expr(Check *c, Ctx *x, const Expr *e, const Ty *want,
			 uint32_t *acts);
static void tc_pat(Check *c, Ctx *x, Local **binds, const Pat *p,
		   const Ty *want, Local *outer);
static void check_case(Check *c, Ctx *x, const Expr *e, const Ty *st,
		       uint32_t *acts, const Ty **rt, const Ty *want);

static Local *local_find(Local *env, const char *name)
{
	for (Local *l = env; l; l = l->next)
		if (l->name == name || !strcmp(l->name, name))
			return l;
	return NULL;
}

static void note_effect(Check *c, Ctx *x, int bit, Span at, const char *op)
{
	c->cur_effects |= 1u << bit;
	if (x->in_policy) {
		if (!(effect_hooks(bit) & (1u << x->hook))) {
			Diag *g = diag_error(c->d, at, ERR_EFFECT_HOOK,
					     "no handler provides effect %s at "
					     "hook %s", effect_name(bit),
					     hook_name(x->hook));
			char buf[128], *p = buf;
			buf[0] = 0;
			for (int h = 0; h < HOOK_COUNT; h++)
				if (effect_hooks(bit) & (1u << h)) {
					if (p != buf)
						sb_puts(&p, buf + sizeof(buf),
							", ");
					sb_puts(&p, buf + sizeof(buf),
						hook_name(h));
				}
			diag_help(c->d, g, "%s is provided at: %s",
				  effect_name(bit), buf);
		}
	} else if (x->row_declared && !(x->row & (1u << bit))) {
		Diag *g = diag_error(c->d, at, ERR_EFFECT_UNDECLARED,
				     "%s performs effect %s, which rule '%s' "
				     "does not declare", op, effect_name(bit),
				     c->cur_decl->decl->name);
		diag_help(c->d, g, "add %s to the effect row: <%s>",
			  effect_name(bit),
			  effects_str(c->a, x->row | (1u << bit)));
	}
}

static void note_need(Check *c, Ctx *x, int need, Span at)
{
	static const uint32_t knows[2] = {
		/* iif */ (1u << HOOK_PREROUTING) | (1u << HOOK_INPUT) |
			(1u << HOOK_FORWARD) | (1u << HOOK_POSTROUTING),
		/* oif */ (1u << HOOK_FORWARD) | (1u << HOOK_OUTPUT) |
			(1u << HOOK_POSTROUTING),
	};
	int k = need == NEED_IIF ? 0 : 1;
	if (!(c->cur_needs & need)) {
		if (k == 0)
			c->cur_iif_use = at;
		else
			c->cur_oif_use = at;
	}
	c->cur_needs |= need;
	if (x->in_policy && !(knows[k] & (1u << x->hook))) {
		Diag *g = diag_error(c->d, at, ERR_IFACE_HOOK,
				     "the %s interface is not known at hook %s",
				     k ? "output" : "input", hook_name(x->hook));
		diag_help(c->d, g, k ? "oif is known at Forward, Output and "
				       "Postrouting (after routing)" :
				       "iif is known at Prerouting, Input, "
				       "Forward and Postrouting (not for "
				       "locally generated packets)");
	}
}

static void note_actions(Check *c, Ctx *x, uint32_t a, Span at,
			 const char *callee)
{
	(void)c;
	if (!x->in_policy)
		return;
	uint32_t bad = a & ~hook_actions(x->hook);
	static const char *const names[ACT_COUNT] = {
		"Allow", "Drop", "Reject", "Continue", "DNAT", "SNAT",
		"Masquerade",
	};
	for (int i = 0; i < ACT_COUNT; i++) {
		if (!(bad & (1u << i)))
			continue;
		Diag *g;
		if (callee)
			g = diag_error(c->d, at, ERR_ACTION_HOOK,
				       "rule '%s' may return %s, which is not "
				       "allowed at hook %s", callee, names[i],
				       hook_name(x->hook));
		else
			g = diag_error(c->d, at, ERR_ACTION_HOOK,
				       "%s is not allowed at hook %s",
				       names[i], hook_name(x->hook));
		diag_help(c->d, g, (1u << i) == ACT_DNAT ?
				  "destination NAT happens before routing: "
				  "use it at hook Prerouting" :
				  "source NAT happens after routing: use it "
				  "at hook Postrouting");
	}
}

/* The type of a literal (want steers integers towards Protocol). */
static const Ty *lit_type(const Lit *l, const Ty *want)
{
	switch (l->kind) {
	case LIT_INT:
		if (want && want->kind == TY_PROTO && l->u <= 255)
			return &T_PROTO;
		return &T_INT;
	case LIT_STR:
		return &T_STRING;
	case LIT_IP:
		return &T_IP[fam_ix(l->ip.family)];
	case LIT_CIDR:
		return &T_CIDR[fam_ix(l->ip.family)];
	case LIT_PORT:
		return &T_PORT;
	case LIT_PORTRANGE:
		return &T_PORTRANGE;
	case LIT_DURATION:
		return &T_DURATION;
	case LIT_RATE:
		return &T_RATE;
	}
	return &T_ERROR;
}

/* A name in an expression. */
static const Ty *tc_name(Check *c, Ctx *x, const Expr *e, const Ty *want,
			 uint32_t *acts)
{
	const char *n = e->name;
	NodeInfo *ni;
	Local *l = local_find(x->env, n);
	if (l) {
		ni = node_info(c, e);
		ni->binder = l->binder;
		return l->ty;
	}
	/* an enum value steered by the expected type */
	if (want && want->kind == TY_ENUM && enum_index(want->en, n) >= 0)
		return want;
	DeclInfo *di = global_lookup(c, n);
	if (di) {
		node_info(c, e)->decl = di->decl;
		if (!need_decl(c, di, e->span))
			return &T_ERROR;
		return di->ty ? di->ty : &T_ERROR;
	}
	static const struct {
		const char *name;
		uint32_t act;
	} actions[] = {
		{ "Allow", ACT_ALLOW }, { "Drop", ACT_DROP },
		{ "Reject", ACT_REJECT }, { "Continue", ACT_CONTINUE },
		{ "Masquerade", ACT_MASQ },
	};
	for (size_t i = 0; i < sizeof(actions) / sizeof(*actions); i++)
		if (!strcmp(n, actions[i].name)) {
			*acts |= actions[i].act;
			note_actions(c, x, actions[i].act, e->span, NULL);
			return &T_ACTION;
		}
	if (!strcmp(n, "ct"))
		return &T_CT;
	if (!strcmp(n, "iif") || !strcmp(n, "oif")) {
		note_need(c, x, n[0] == 'i' ? NEED_IIF : NEED_OIF, e->span);
		return &T_IFACE;
	}
	if (!strcmp(n, "lo"))
		return &T_IFACE;
	if (!strcmp(n, "true") || !strcmp(n, "false") ||
	    !strcmp(n, "True") || !strcmp(n, "False"))
		return &T_BOOL;
	if (proto_number(n) >= 0)
		return &T_PROTO;
	int ix;
	const EnumDef *en = enum_of_value(n, &ix);
	if (en)
		return ty_enum(c, en);
	if (effect_bit(n) >= 0) {
		diag_error(c->d, e->span, ERR_WRONG_KIND,
			   "effect '%s' is not a value: perform one of its "
			   "operations, e.g. perform %s.op(...)", n, n);
		return &T_ERROR;
	}
	report_undefined(c, e->span, n, x->env, "name");
	return &T_ERROR;
}

/* Fields of a record value: headers, ct, interfaces. */
static const Ty *tc_field(Check *c, Ctx *x, const Expr *e, uint32_t *acts)
{
	if (e->lhs->kind == E_NAME && effect_bit(e->lhs->name) >= 0 &&
	    !local_find(x->env, e->lhs->name)) {
		diag_error(c->d, e->span, ERR_WRONG_KIND,
			   "%s.%s is an effect operation: call it, as in "
			   "perform %s.%s(...)", e->lhs->name, e->field,
			   e->lhs->name, e->field);
		return &T_ERROR;
	}
	const Ty *lt = tc_expr(c, x, e->lhs, NULL, acts);
	const char *f = e->field;
	switch (lt->kind) {
	case TY_ERROR:
		return &T_ERROR;
	case TY_HEADER: {
		const FieldDef *fd = header_field(lt->hdr, f);
		if (!fd)
			break;
		/* a refined binder: remember the refinement for case */
		if (e->lhs->kind == E_NAME) {
			Local *l = local_find(x->env, e->lhs->name);
			for (Refinement *r = l ? l->ref : NULL; r; r = r->next)
				if (!strcmp(r->field, f))
					node_info(c, e)->ref = r;
		}
		switch (fd->kind) {
		case TY_IP:
			return &T_IP[fam_ix(lt->hdr->fam)];
		case TY_SET:
			return ty_set(c, ty_enum(c, enum_by_name(fd->enum_name)));
		case TY_ENUM:
			return ty_enum(c, enum_by_name(fd->enum_name));
		case TY_PORT:
			return &T_PORT;
		case TY_PROTO:
			return &T_PROTO;
		case TY_MAC:
			return &T_MAC;
		case TY_BOOL:
			return &T_BOOL;
		default:
			return &T_INT;
		}
	}
	case TY_CT:
		if (!strcmp(f, "state"))
			return ty_enum(c, enum_by_name("CtState"));
		if (!strcmp(f, "status"))
			return ty_enum(c, enum_by_name("CtStatus"));
		if (!strcmp(f, "direction"))
			return ty_enum(c, enum_by_name("CtDirection"));
		if (!strcmp(f, "helper"))
			return &T_STRING;
		if (!strcmp(f, "mark"))
			return &T_INT;
		break;
	case TY_IFACE:
		if (!strcmp(f, "cidr4"))
			return &T_CIDRSET[1];
		if (!strcmp(f, "cidr6"))
			return &T_CIDRSET[2];
		if (!strcmp(f, "name"))
			return &T_STRING;
		break;
	default:
		break;
	}
	static const char *const ctf[] = { "state", "status", "direction",
					   "helper", "mark" };
	static const char *const iff[] = { "cidr4", "cidr6", "name" };
	const char *cands[16] = { NULL };
	int nc = 0;
	if (lt->kind == TY_HEADER)
		for (const FieldDef *fd = lt->hdr->fields; fd->name && nc < 16;
		     fd++)
			cands[nc++] = fd->name;
	else if (lt->kind == TY_CT)
		for (int i = 0; i < 5; i++)
			cands[nc++] = ctf[i];
	else if (lt->kind == TY_IFACE)
		for (int i = 0; i < 3; i++)
			cands[nc++] = iff[i];
	const char *s = did_you_mean(f, cands, nc);
	Diag *g = diag_error(c->d, e->name_span, ERR_FIELD,
			     "%s has no field '%s'", ty_str(c->a, lt), f);
	if (s)
		diag_help(c->d, g, "did you mean '%s'?", s);
	else if (nc) {
		char buf[256], *p = buf;
		buf[0] = 0;
		for (int i = 0; i < nc; i++) {
			if (i)
				sb_puts(&p, buf + sizeof(buf), ", ");
			sb_puts(&p, buf + sizeof(buf), cands[i]);
		}
		diag_help(c->d, g, "its fields: %s", buf);
	}
	return &T_ERROR;
}

static const Ty *op_arg_ty(Check *c, TyKind k, const char *name)
{
	switch (k) {
	case TY_OPAQUE:
		return ty_opaque(c, name);
	case TY_ENUM:
		return ty_enum(c, enum_by_name(name));
	case TY_IP:
		return &T_IP[0];
	case TY_STRING:
		return &T_STRING;
	case TY_BOOL:
		return &T_BOOL;
	case TY_UNIT:
		return &T_UNIT;
	case TY_RATE:
		return &T_RATE;
	case TY_INT:
		return &T_INT;
	case TY_CIDRSET:
		return &T_CIDRSET[0];
	default:
		return &T_ANY;
	}
}

/* perform Effect.op(args), or Effect.op(args) called directly. */
static const Ty *tc_perform(Check *c, Ctx *x, const Expr *e, uint32_t *acts)
{
	const Expr *fn = e->fn;
	if (fn->kind != E_FIELD || fn->lhs->kind != E_NAME) {
		diag_error(c->d, fn->span, ERR_WRONG_KIND, "perform takes an "
			   "effect operation, as in perform Log.emit(...)");
		return &T_ERROR;
	}
	const char *eff = fn->lhs->name;
	int bit = effect_bit(eff);
	if (bit < 0) {
		const char *cands[EFF_COUNT];
		for (int k = 0; k < EFF_COUNT; k++)
			cands[k] = effect_name(k);
		const char *s = did_you_mean(eff, cands, EFF_COUNT);
		Diag *g = diag_error(c->d, fn->lhs->span, ERR_EFFECT_UNKNOWN,
				     "unknown effect '%s'", eff);
		if (s)
			diag_help(c->d, g, "did you mean '%s'?", s);
		return &T_ERROR;
	}
	const EffectOp *op = effect_op(eff, fn->field);
	if (!op) {
		const char *cands[8] = { NULL };
		int nc = 0;
		for (int k = 0; k < 16 && nc < 8; k++) {
			static const char *const all[] = {
				"lookup", "emit", "check", "daddrLocal",
				"saddrLocal", "reachable", "resolves",
				"setHelper", "offload", "setMark", "add",
				"resolve",
			};
			if (k < 12 && effect_op(eff, all[k]))
				cands[nc++] = all[k];
		}
		const char *s = did_you_mean(fn->field, cands, nc);
		Diag *g = diag_error(c->d, fn->name_span, ERR_EFFECT_OP,
				     "effect %s has no operation '%s'", eff,
				     fn->field);
		if (s)
			diag_help(c->d, g, "did you mean '%s'?", s);
		return &T_ERROR;
	}
	if (e->nargs != op->nargs) {
		diag_error(c->d, e->span, ERR_ARITY, "%s.%s takes %d argument%s, "
			   "but %d %s given", eff, op->op, op->nargs,
			   op->nargs == 1 ? "" : "s", e->nargs,
			   e->nargs == 1 ? "is" : "are");
	}
	for (int i = 0; i < e->nargs; i++) {
		const Ty *want = e->nargs == op->nargs ?
			op_arg_ty(c, op->args[i], op->arg_name[i]) : &T_ANY;
		const Ty *got = tc_expr(c, x, e->args[i], want, acts);
		char what[64];
		snprintf(what, sizeof(what), "argument %d of %s.%s", i + 1, eff,
			 op->op);
		expect_ty(c, e->args[i], e->args[i]->span, want, got, what);
	}
	char opname[64];
	snprintf(opname, sizeof(opname), "%s.%s", eff, op->op);
	note_effect(c, x, bit, e->span, arena_strndup(c->a, opname,
						       strlen(opname)));
	return op_arg_ty(c, op->result, op->result_name);
}

static void check_record_arg(Check *c, Ctx *x, const Expr *arg,
			     const char *con, uint32_t *acts)
{
	static const struct {
		const char *con, *field;
	} known[] = {
		{ "CtHelper", "name" }, { "CtHelper", "protocol" },
		{ "CtHelper", "family" }, { "FlowTable", "hook" },
		{ "FlowTable", "priority" }, { "FlowTable", "devices" },
	};
	if (arg->kind == E_SET && arg->nitems == 0)
		return;
	if (arg->kind != E_RECORD) {
		diag_error(c->d, arg->span, ERR_TYPE, "%s takes a record "
			   "{ field = value, ... }", con);
		return;
	}
	for (int i = 0; i < arg->nfields; i++) {
		const ExprField *f = arg->fields[i];
		bool ok = false;
		for (size_t k = 0; k < sizeof(known) / sizeof(*known); k++)
			ok |= !strcmp(known[k].con, con) &&
			      !strcmp(known[k].field, f->name);
		if (!ok)
			diag_error(c->d, f->name_span, ERR_FIELD,
				   "%s has no field '%s'", con, f->name);
		tc_expr(c, x, f->value, NULL, acts);
	}
}

/* A set of backends with ports: Set<(IP, Port)> (DNAT, SNAT). */
static bool is_backend_set(const Ty *t)
{
	const Ty *e = t->kind == TY_SET ? t->elem : NULL;
	return e && e->kind == TY_TUPLE && e->nitems == 2 &&
	       e->items[0]->kind == TY_IP && e->items[1]->kind == TY_PORT;
}

/* The constant a name or literal stands for (a `let` of a literal). */
static const Expr *nat_const(const Check *c, const Expr *e)
{
	if (e && e->kind == E_NAME) {
		const Decl *d = check_decl_of(c, e);
		e = d && d->kind == D_LET ? d->value : NULL;
	}
	return e;
}

/* DNAT(set) / SNAT(set): each backend is one address, or (address,
 * port), and a set holds at most FWL_NAT_SET_SIZE distinct backends of
 * each family (maps/nat.h; the interpreter and the backend count them
 * the same way, duplicates once).  A set named by a `let` is checked
 * once, however many arms use it. */
static void check_nat_backends(Check *c, const char *n, const Expr *arg)
{
	const Expr *set = nat_const(c, arg);
	if (!set || set->kind != E_SET)
		return;
	NodeInfo *ni = node_info(c, set);
	if (ni->nat_backends)
		return;
	ni->nat_backends = true;
	struct {
		uint8_t addr[16];
		uint16_t port;
	} be[2][FWL_NAT_SET_SIZE];
	int nbe[2] = {0, 0};
	bool over[2] = {false, false};
	for (int i = 0; i < set->nitems; i++) {
		const Expr *it = set->items[i], *a = it, *p = NULL;
		if (it->kind == E_TUPLE && it->nitems == 2) {
			a = it->items[0];
			p = it->items[1];
		}
		a = nat_const(c, a);
		p = nat_const(c, p);
		if (!a || a->kind != E_LIT)
			continue;
		if (a->lit.kind == LIT_CIDR) {
			char buf[64];
			lit_str(&a->lit, buf, sizeof buf);
			Diag *g = diag_error(c->d, it->span, ERR_NAT_BACKEND,
					     "a backend of %s is one address, "
					     "but %s is a prefix", n, buf);
			diag_help(c->d, g, "list the backends' addresses one "
				  "by one");
			continue;
		}
		if (a->lit.kind != LIT_IP)
			continue;
		int f = a->lit.ip.family == 6;
		uint16_t port = p && p->kind == E_LIT &&
					p->lit.kind == LIT_PORT ? p->lit.port.lo
								: 0;
		bool dup = false;
		for (int j = 0; j < nbe[f]; j++)
			dup |= !memcmp(be[f][j].addr, a->lit.ip.addr, 16) &&
			       be[f][j].port == port;
		if (dup || over[f])
			continue;
		if (nbe[f] == FWL_NAT_SET_SIZE) {
			Diag *g = diag_error(c->d, it->span, ERR_NAT_SET_LIMIT,
					     "a %s set holds at most %d IPv%d "
					     "backends, and this is backend %d",
					     n, FWL_NAT_SET_SIZE, f ? 6 : 4,
					     nbe[f] + 1);
			diag_help(c->d, g, "split the backends between arms, "
				  "e.g. by source address");
			over[f] = true;
			continue;
		}
		memcpy(be[f][nbe[f]].addr, a->lit.ip.addr, 16);
		be[f][nbe[f]].port = port;
		nbe[f]++;
	}
}

static const Ty *tc_call(Check *c, Ctx *x, const Expr *e, uint32_t *acts)
{
	const Expr *fn = e->fn;
	if (fn->kind == E_FIELD && fn->lhs->kind == E_NAME &&
	    effect_bit(fn->lhs->name) >= 0 &&
	    !local_find(x->env, fn->lhs->name))
		return tc_perform(c, x, e, acts);
	if (fn->kind != E_NAME) {
		tc_expr(c, x, fn, NULL, acts);
		diag_error(c->d, fn->span, ERR_NOT_FN,
			   "this expression is not a function");
		return &T_ERROR;
	}
	const char *n = fn->name;
	DeclInfo *di = local_find(x->env, n) ? NULL : global_lookup(c, n);
	if (di && di->decl->kind == D_RULE) {
		node_info(c, fn)->decl = di->decl;
		if (!need_decl(c, di, fn->span))
			return &T_ERROR;
		const Ty *rt = di->ty;
		if (e->nargs != 1)
			diag_error(c->d, e->span, ERR_ARITY, "rule '%s' takes 1 "
				   "argument, but %d %s given", n, e->nargs,
				   e->nargs == 1 ? "is" : "are");
		for (int i = 0; i < e->nargs; i++) {
			const Ty *got = tc_expr(c, x, e->args[i], rt->from,
						acts);
			expect_ty(c, e->args[i], e->args[i]->span, rt->from, got,
				  "the argument");
		}
		uint32_t row = di->decl->type && di->decl->type->kind == T_FUN &&
					       di->decl->type->has_effects ?
				       rt->effects : di->effects;
		c->cur_effects |= row;
		if (x->in_policy) {
			for (int b = 0; b < EFF_COUNT; b++)
				if ((row & (1u << b)) &&
				    !(effect_hooks(b) & (1u << x->hook))) {
					Diag *g = diag_error(
						c->d, e->span, ERR_EFFECT_HOOK,
						"rule '%s' needs effect %s, "
						"which no handler provides at "
						"hook %s", n, effect_name(b),
						hook_name(x->hook));
					diag_note(c->d, g, &di->decl->name_span,
						  "'%s' is declared here", n);
				}
		} else if (x->row_declared && (row & ~x->row)) {
			Diag *g = diag_error(c->d, e->span, ERR_EFFECT_CALL,
					     "rule '%s' needs effect%s %s, "
					     "which rule '%s' does not declare",
					     n, (row & ~x->row) & ((row & ~x->row) - 1) ? "s" : "",
					     effects_str(c->a, row & ~x->row),
					     c->cur_decl->decl->name);
			diag_help(c->d, g, "add %s to the effect row of '%s'",
				  effects_str(c->a, row & ~x->row),
				  c->cur_decl->decl->name);
		}
		if (di->needs & NEED_IIF)
			note_need(c, x, NEED_IIF, e->span);
		if (di->needs & NEED_OIF)
			note_need(c, x, NEED_OIF, e->span);
		*acts |= di->actions;
		note_actions(c, x, di->actions, e->span, n);
		return rt->to;
	}
	if (di) {
		need_decl(c, di, fn->span);
		diag_error(c->d, fn->span, ERR_NOT_FN, "'%s' is a %s, not a rule "
			   "or function", n, decl_kind_name(di->decl->kind));
		return &T_ERROR;
	}
	/* builtin functions and constructors */
	const Ty *a0 = NULL;
	int want_args = 1;
	const Ty *res = &T_ERROR;
	if (!strcmp(n, "show")) {
		res = &T_STRING;
	} else if (!strcmp(n, "flowOf")) {
		want_args = 2;
		res = ty_opaque(c, "Flow");
	} else if (!strcmp(n, "values") || !strcmp(n, "keys")) {
		if (e->nargs == 1) {
			a0 = tc_expr(c, x, e->args[0], NULL, acts);
			if (a0->kind == TY_MAP)
				return ty_set(c, n[0] == 'v' ? a0->elem : a0->key);
			if (a0->kind != TY_ERROR)
				diag_error(c->d, e->args[0]->span, ERR_TYPE,
					   "%s takes a map, but this is %s", n,
					   ty_str(c->a, a0));
			return &T_ERROR;
		}
	} else if (!strcmp(n, "DNAT") || !strcmp(n, "SNAT") ||
		   !strcmp(n, "DNATMap")) {
		uint32_t a = n[0] == 'S' ? ACT_SNAT : ACT_DNAT;
		*acts |= a;
		/* DNAT(addr, :port) / SNAT(addr, :port): address and port */
		if (strcmp(n, "DNATMap") && e->nargs == 2)
			want_args = 2;
		note_actions(c, x, a, e->span, NULL);
		res = &T_ACTION;
	} else if (!strcmp(n, "CtHelper") || !strcmp(n, "Counter") ||
		   !strcmp(n, "FlowTable")) {
		if (e->nargs == 1)
			check_record_arg(c, x, e->args[0], n, acts);
		else
			diag_error(c->d, e->span, ERR_ARITY, "%s takes one "
				   "record argument", n);
		return ty_opaque(c, n);
	} else {
		for (int i = 0; i < e->nargs; i++)
			tc_expr(c, x, e->args[i], NULL, acts);
		if (global_lookup(c, n) || local_find(x->env, n) ||
		    !strcmp(n, "Allow") || !strcmp(n, "Drop") ||
		    !strcmp(n, "iif") || !strcmp(n, "oif")) {
			diag_error(c->d, fn->span, ERR_NOT_FN,
				   "'%s' is not a function", n);
			return &T_ERROR;
		}
		report_undefined(c, fn->span, n, x->env, "function");
		return &T_ERROR;
	}
	if (e->nargs != want_args)
		diag_error(c->d, e->span, ERR_ARITY, "%s takes %d argument%s, "
			   "but %d %s given", n, want_args,
			   want_args == 1 ? "" : "s", e->nargs,
			   e->nargs == 1 ? "is" : "are");
	for (int i = 0; i < e->nargs; i++) {
		const Ty *t = tc_expr(c, x, e->args[i], NULL, acts);
		if (!strcmp(n, "flowOf") && i == 0 && t->kind != TY_ERROR &&
		    !(t->kind == TY_HEADER && t->hdr->layer == 3 && t->fam))
			diag_error(c->d, e->args[i]->span, ERR_TYPE,
				   "flowOf takes an IPv4 or IPv6 header first, "
				   "but this is %s", ty_str(c->a, t));
		if (!strcmp(n, "DNATMap") && t->kind != TY_ERROR &&
		    t->kind != TY_MAP)
			diag_error(c->d, e->args[i]->span, ERR_TYPE,
				   "DNATMap takes a map from (Protocol, Port) "
				   "to (IP, Port), but this is %s",
				   ty_str(c->a, t));
		if ((!strcmp(n, "DNAT") || !strcmp(n, "SNAT")) && i == 1 &&
		    t->kind != TY_ERROR && t->kind != TY_PORT)
			diag_error(c->d, e->args[i]->span, ERR_TYPE,
				   "%s(address, port) takes a port second, but "
				   "this is %s", n, ty_str(c->a, t));
		if ((!strcmp(n, "DNAT") || !strcmp(n, "SNAT")) && i == 0 &&
		    e->nargs == 2 && t->kind != TY_ERROR && t->kind != TY_IP)
			diag_error(c->d, e->args[i]->span, ERR_TYPE,
				   "%s(address, port) takes an address first, "
				   "but this is %s", n, ty_str(c->a, t));
		else if ((!strcmp(n, "DNAT") || !strcmp(n, "SNAT")) && i == 0 &&
		    t->kind != TY_ERROR && t->kind != TY_IP &&
		    t->kind != TY_CIDRSET && t->kind != TY_TUPLE &&
		    !is_backend_set(t))
			diag_error(c->d, e->args[i]->span, ERR_TYPE,
				   "%s takes an address, an (address, port) "
				   "or a set of backends, but this is %s", n,
				   ty_str(c->a, t));
		else if ((!strcmp(n, "DNAT") || !strcmp(n, "SNAT")) && i == 0 &&
			 e->nargs == 1)
			check_nat_backends(c, n, e->args[i]);
	}
	return res;
}

/* a ∈ s, a ∉ s */
static const Ty *tc_member(Check *c, Ctx *x, const Expr *e, uint32_t *acts)
{
	const Ty *st = tc_expr(c, x, e->rhs, NULL, acts);
	const Ty *want = NULL;
	switch (st->kind) {
	case TY_CIDRSET:
	case TY_CIDR:
		want = &T_IP[st->fam ? fam_ix(st->fam) : 0];
		break;
	case TY_SET:
		want = st->elem;
		break;
	case TY_ZONE:
		want = &T_IFACE;
		break;
	case TY_PORTRANGE:
		want = &T_PORT;
		break;
	case TY_MAP:
		want = st->key;
		break;
	case TY_ERROR:
		tc_expr(c, x, e->lhs, NULL, acts);
		return &T_BOOL;
	default:
		tc_expr(c, x, e->lhs, NULL, acts);
		diag_error(c->d, e->rhs->span, ERR_TYPE, "membership needs a "
			   "set, CIDR set, zone, port range or map on the "
			   "right, but this is %s", ty_str(c->a, st));
		return &T_BOOL;
	}
	const Ty *lt = tc_expr(c, x, e->lhs, want, acts);
	if (st->kind == TY_MAP && !ty_compat(want, lt)) {
		Diag *g = diag_error(c->d, e->span, ERR_MAP_KEY,
				     "membership in a map tests its keys, of "
				     "type %s, but this is %s",
				     ty_str(c->a, st->key), ty_str(c->a, lt));
		if (ty_compat(st->elem, lt))
			diag_help(c->d, g, "%s is the type of the map's values: "
				  "to test those, write ∈ values(%s)",
				  ty_str(c->a, lt),
				  e->rhs->kind == E_NAME ? e->rhs->name : "...");
		return &T_BOOL;
	}
	if (lt->kind == TY_IP && st->kind == TY_CIDRSET && lt->fam &&
	    st->fam && lt->fam != st->fam) {
		diag_error(c->d, e->span, ERR_FAMILY, "IPv%d and IPv%d are "
			   "mixed here: an IPv%d address is never in a set of "
			   "IPv%d prefixes", lt->fam, st->fam, lt->fam,
			   st->fam);
		return &T_BOOL;
	}
	expect_ty(c, e->lhs, e->lhs->span, want, lt, "the left side");
	return &T_BOOL;
}

static const Ty *tc_binary(Check *c, Ctx *x, const Expr *e, const Ty *want,
			   uint32_t *acts)
{
	switch (e->op) {
	case OP_BIND: {
		const Ty *lt = tc_expr(c, x, e->lhs, NULL, acts);
		if (e->rhs->kind != E_LAMBDA || e->rhs->nparams != 1) {
			diag_error(c->d, e->rhs->span, ERR_TYPE, ">>= needs a "
				   "function of one argument on the right, "
				   "as in m >>= \\x -> ...");
			return tc_expr(c, x, e->rhs, want, acts);
		}
		Local *binds = NULL;
		tc_pat(c, x, &binds, e->rhs->params[0], lt, x->env);
		Local *saved = x->env;
		if (binds) {
			Local *last = binds;
			while (last->next)
				last = last->next;
			last->next = x->env;
			x->env = binds;
		}
		node_info(c, e->rhs)->ty = lt;
		const Ty *r = tc_expr(c, x, e->rhs->body, want, acts);
		x->env = saved;
		return r;
	}
	case OP_THEN: {
		uint32_t ignored = 0;
		const Ty *lt = tc_expr(c, x, e->lhs, NULL, &ignored);
		if (lt->kind == TY_ACTION)
			diag_error(c->d, e->lhs->span, ERR_TYPE, "the left side "
				   "of >> is an action, which >> would "
				   "discard");
		return tc_expr(c, x, e->rhs, want, acts);
	}
	case OP_OR:
	case OP_AND:
		for (int i = 0; i < 2; i++) {
			const Expr *s = i ? e->rhs : e->lhs;
			const Ty *t = tc_expr(c, x, s, &T_BOOL, acts);
			expect_ty(c, s, s->span, &T_BOOL, t, "this operand");
		}
		return &T_BOOL;
	case OP_IN:
	case OP_NOTIN:
		return tc_member(c, x, e, acts);
	case OP_CONCAT:
		for (int i = 0; i < 2; i++) {
			const Expr *s = i ? e->rhs : e->lhs;
			const Ty *t = tc_expr(c, x, s, &T_STRING, acts);
			expect_ty(c, s, s->span, &T_STRING, t, "this operand");
		}
		return &T_STRING;
	default: {
		const Ty *lt = tc_expr(c, x, e->lhs, NULL, acts);
		const Ty *rt = tc_expr(c, x, e->rhs, lt, acts);
		if (lt->kind == TY_IP && rt->kind == TY_IP && lt->fam &&
		    rt->fam && lt->fam != rt->fam) {
			diag_error(c->d, e->span, ERR_FAMILY, "IPv%d and IPv%d "
				   "are mixed here: an IPv%d address is never "
				   "equal to an IPv%d address", lt->fam, rt->fam,
				   lt->fam, rt->fam);
			return &T_BOOL;
		}
		if (!ty_compat(lt, rt) && !ty_compat(rt, lt))
			expect_ty(c, e->rhs, e->rhs->span, lt, rt,
				  "the right side");
		if (e->op != OP_EQ && e->op != OP_NE) {
			TyKind k = lt->kind;
			if (k != TY_INT && k != TY_PORT && k != TY_DURATION &&
			    k != TY_ERROR)
				diag_error(c->d, e->span, ERR_TYPE,
					   "%s values are not ordered",
					   ty_str(c->a, lt));
		}
		return &T_BOOL;
	}
	}
}

static const Ty *tc_set(Check *c, Ctx *x, const Expr *e, const Ty *want,
			uint32_t *acts)
{
	const Ty *ew = NULL;
	if (want && want->kind == TY_SET)
		ew = want->elem;
	else if (want && (want->kind == TY_CIDRSET))
		ew = &T_CIDR[fam_ix(want->fam)];
	else if (want && want->kind == TY_ZONE)
		ew = &T_IFACE;
	if (e->nitems > FWL_MAX_SET_ENTRIES)
		diag_error(c->d, e->span, ERR_SET_LIMIT, "this set has %d "
			   "entries, more than the data plane's sets hold "
			   "(%d)", e->nitems, FWL_MAX_SET_ENTRIES);
	if (e->nitems == 0)
		return want ? want : ty_set(c, &T_ANY);
	const Ty *first = NULL;
	int fam = -1;
	for (int i = 0; i < e->nitems; i++) {
		const Ty *t = tc_expr(c, x, e->items[i], ew, acts);
		if (t->kind == TY_IP || t->kind == TY_CIDR)
			fam = fam < 0 ? t->fam : fam == t->fam ? fam : 0;
		if (ew) {
			if (ew->kind == TY_CIDR && ew->fam == 0 &&
			    (t->kind == TY_IP || t->kind == TY_CIDR))
				continue;
			expect_ty(c, e->items[i], e->items[i]->span, ew, t,
				  "this element");
		} else if (!first) {
			first = t;
		} else if (!ty_compat(first, t) &&
			   !((first->kind == TY_IP || first->kind == TY_CIDR) &&
			     (t->kind == TY_IP || t->kind == TY_CIDR))) {
			expect_ty(c, e->items[i], e->items[i]->span, first, t,
				  "this element");
		}
	}
	if (ew && ew->kind == TY_CIDR)
		return &T_CIDRSET[want->fam ? fam_ix(want->fam) :
				  fam > 0 ? fam_ix(fam) : 0];
	if (ew)
		return want;
	if (fam >= 0)
		return &T_CIDRSET[fam_ix(fam)];
	return ty_set(c, first ? first : &T_ANY);
}

static const Ty *tc_expr_(Check *c, Ctx *x, const Expr *e, const Ty *want,
			  uint32_t *acts)
{
	switch ((ExprKind)e->kind) {
	case E_LIT:
		return lit_type(&e->lit, want);
	case E_NAME:
		return tc_name(c, x, e, want, acts);
	case E_FIELD:
		return tc_field(c, x, e, acts);
	case E_CALL:
		return tc_call(c, x, e, acts);
	case E_PERFORM:
		return tc_perform(c, x, e, acts);
	case E_BINARY:
		return tc_binary(c, x, e, want, acts);
	case E_NOT: {
		const Ty *t = tc_expr(c, x, e->lhs, &T_BOOL, acts);
		expect_ty(c, e->lhs, e->lhs->span, &T_BOOL, t, "the operand");
		return &T_BOOL;
	}
	case E_IF: {
		const Ty *t = tc_expr(c, x, e->cond, &T_BOOL, acts);
		expect_ty(c, e->cond, e->cond->span, &T_BOOL, t,
			  "the condition");
		const Ty *a = tc_expr(c, x, e->then_, want, acts);
		const Ty *b = tc_expr(c, x, e->else_, want ? want : a, acts);
		if (!ty_compat(a, b) && !ty_compat(b, a))
			expect_ty(c, e->else_, e->else_->span, a, b,
				  "the else branch");
		return a->kind == TY_ERROR ? b : a;
	}
	case E_CASE: {
		const Ty *st = tc_expr(c, x, e->lhs, NULL, acts);
		const Ty *rt = NULL;
		check_case(c, x, e, st, acts, &rt, want);
		return rt ? rt : &T_ERROR;
	}
	case E_LAMBDA:
		diag_error(c->d, e->span, ERR_TYPE, "a function is not "
			   "expected here");
		return &T_ERROR;
	case E_TUPLE: {
		if (e->nitems == 0)
			return &T_UNIT;
		Ty *t = (Ty *)ty_new(c, TY_TUPLE);
		t->nitems = e->nitems;
		t->items = arena_alloc(c->a, sizeof(*t->items) *
						     (size_t)e->nitems);
		for (int i = 0; i < e->nitems; i++) {
			const Ty *w = want && want->kind == TY_TUPLE &&
					      want->nitems == e->nitems ?
					      want->items[i] : NULL;
			t->items[i] = tc_expr(c, x, e->items[i], w, acts);
			if (w && e->items[i]->kind == E_LIT)
				expect_ty(c, e->items[i], e->items[i]->span, w,
					  t->items[i], "this item");
		}
		return t;
	}
	case E_SET:
		return tc_set(c, x, e, want, acts);
	case E_MAP: {
		Ty *t = (Ty *)ty_new(c, TY_MAP);
		const Ty *kw = want && want->kind == TY_MAP ? want->key : NULL;
		const Ty *vw = want && want->kind == TY_MAP ? want->elem : NULL;
		if (e->nitems > FWL_MAX_MAP_ENTRIES)
			diag_error(c->d, e->span, ERR_SET_LIMIT, "this map has "
				   "%d entries, more than the data plane's maps "
				   "hold (%d)", e->nitems, FWL_MAX_MAP_ENTRIES);
		for (int i = 0; i < e->nitems; i++) {
			const Ty *k = tc_expr(c, x, e->keys[i], kw, acts);
			const Ty *v = tc_expr(c, x, e->items[i], vw, acts);
			if (kw)
				expect_ty(c, e->keys[i], e->keys[i]->span, kw, k,
					  "this key");
			if (vw)
				expect_ty(c, e->items[i], e->items[i]->span, vw,
					  v, "this value");
			if (!i) {
				t->key = k;
				t->elem = v;
			}
		}
		if (want && want->kind == TY_MAP)
			return want;
		if (!t->key)
			t->key = t->elem = &T_ANY;
		return t;
	}
	case E_RECORD:
		for (int i = 0; i < e->nfields; i++)
			tc_expr(c, x, e->fields[i]->value, NULL, acts);
		diag_error(c->d, e->span, ERR_TYPE, "a record is only written "
			   "as the argument of CtHelper, Counter or FlowTable");
		return &T_ERROR;
	}
	return &T_ERROR;
}

static const Ty *tc_expr(Check *c, Ctx *x, const Expr *e, const Ty *want,
			 uint32_t *acts)
{
	const Ty *t = tc_expr_(c, x, e, want, acts);
	node_info(c, e)->ty = t;
	return t;
}

/*
 * Patterns
 */

static void bind(Check *c, Local **binds, const char *name, const Ty *t,
		 const Pat *binder, Span at)
{
	for (Local *l = *binds; l; l = l->next)
		if (l->name == name) {
			Diag *g = diag_error(c->d, at, ERR_REBOUND, "'%s' is "
					     "bound twice in this pattern",
					     name);
			diag_note(c->d, g, &l->binder->span, "first bound here");
			return;
		}
	Local *l = arena_alloc(c->a, sizeof(*l));
	l->name = name;
	l->ty = t;
	l->binder = binder;
	l->next = *binds;
	*binds = l;
}

/* An interface position of a Frame: _, iif/oif name, zone, `iif ∈ z`. */
static void tc_iface_pat(Check *c, Ctx *x, const Pat *p, int need)
{
	switch (p->kind) {
	case P_WILD:
		return;
	case P_VAR: {
		note_need(c, x, need, p->span);
		if (!strcmp(p->name, "lo"))
			return;
		DeclInfo *di = global_lookup(c, p->name);
		if (di && (di->decl->kind == D_INTERFACE ||
			   di->decl->kind == D_ZONE)) {
			node_info(c, p)->decl = di->decl;
			need_decl(c, di, p->span);
			return;
		}
		if (di) {
			diag_error(c->d, p->span, ERR_WRONG_KIND, "'%s' is a %s, "
				   "but an interface or zone is expected here",
				   p->name, decl_kind_name(di->decl->kind));
			return;
		}
		const char **cands = arena_alloc(c->a, sizeof(char *) *
						 (size_t)(c->prog->ndecls + 1));
		int nc = 0;
		for (int i = 0; i < c->prog->ndecls; i++)
			if (c->prog->decls[i]->kind == D_INTERFACE ||
			    c->prog->decls[i]->kind == D_ZONE)
				cands[nc++] = c->prog->decls[i]->name;
		cands[nc++] = "lo";
		const char *s = did_you_mean(p->name, cands, nc);
		Diag *g = diag_error(c->d, p->span, ERR_UNDEFINED, "interface "
				     "or zone '%s' is not declared", p->name);
		if (s)
			diag_help(c->d, g, "did you mean '%s'?", s);
		return;
	}
	case P_IN: {
		if (p->sub->kind == P_VAR && strcmp(p->sub->name, "iif") &&
		    strcmp(p->sub->name, "oif"))
			diag_error(c->d, p->sub->span, ERR_WRONG_KIND,
				   "write iif ∈ ... or oif ∈ ... here, or _ ∈ "
				   "...");
		note_need(c, x, need, p->span);
		uint32_t acts = 0;
		const Ty *t = tc_expr(c, x, p->set, &T_ZONE, &acts);
		if (t->kind != TY_ZONE && t->kind != TY_IFACE &&
		    t->kind != TY_ERROR)
			diag_error(c->d, p->set->span, ERR_TYPE, "this is %s, "
				   "but a zone or set of interfaces is "
				   "expected", ty_str(c->a, t));
		return;
	}
	default:
		diag_error(c->d, p->span, ERR_CON, "expected an interface "
			   "pattern here: _, an interface, a zone, or "
			   "iif ∈ zone");
	}
}

static const Ty *pattern_decl_ty(Check *c, const Pat *p, DeclInfo **out)
{
	DeclInfo *di = global_lookup(c, p->name);
	*out = di;
	if (!di || di->decl->kind != D_PATTERN)
		return NULL;
	node_info(c, p)->decl = di->decl;
	if (!need_decl(c, di, p->span))
		return &T_ERROR;
	return di->ty;
}

/* A record pattern's field tests; fills refinements of binder l. */
static void tc_record(Check *c, Ctx *x, const Pat *p, const HeaderDef *h,
		      Local *l)
{
	for (int i = 0; i < p->nfields; i++) {
		const PatField *f = p->fields[i];
		const FieldDef *fd = header_field(h, f->name);
		uint32_t acts = 0;
		if (!fd) {
			const char *cands[16];
			int nc = 0;
			for (const FieldDef *k = h->fields; k->name; k++)
				cands[nc++] = k->name;
			const char *s = did_you_mean(f->name, cands, nc);
			Diag *g = diag_error(c->d, f->name_span, ERR_FIELD,
					     "%s has no field '%s'", h->type,
					     f->name);
			if (s)
				diag_help(c->d, g, "did you mean '%s'?", s);
			tc_expr(c, x, f->value, NULL, &acts);
			continue;
		}
		const Ty *ft;
		switch (fd->kind) {
		case TY_IP:
			ft = &T_IP[fam_ix(h->fam)];
			break;
		case TY_PORT:
			ft = &T_PORT;
			break;
		case TY_PROTO:
			ft = &T_PROTO;
			break;
		case TY_ENUM:
			ft = ty_enum(c, enum_by_name(fd->enum_name));
			break;
		case TY_SET:
			ft = ty_set(c, ty_enum(c, enum_by_name(fd->enum_name)));
			break;
		case TY_MAC:
			ft = &T_MAC;
			break;
		case TY_BOOL:
			ft = &T_BOOL;
			break;
		default:
			ft = &T_INT;
		}
		bool member = f->op == OP_IN || f->op == OP_NOTIN;
		const Ty *want = ft;
		if (member)
			want = ft->kind == TY_IP ? &T_CIDRSET[fam_ix(ft->fam)] :
			       ft->kind == TY_PORT ? &T_PORTRANGE :
			       ty_set(c, ft);
		else if (ft->kind == TY_IP)
			want = &T_CIDR[fam_ix(ft->fam)];
		else if (ft->kind == TY_PORT)
			want = &T_PORTRANGE;
		const Ty *vt = tc_expr(c, x, f->value, want, &acts);
		if (member && ft->kind == TY_PORT && vt->kind == TY_SET)
			want = ty_set(c, &T_PORT);
		if (member && ft->kind == TY_IP && vt->kind == TY_CIDR)
			want = &T_CIDR[fam_ix(ft->fam)];
		if (member && ft->kind == TY_PROTO && vt->kind == TY_SET)
			want = vt;
		if (f->op >= OP_LT && f->op <= OP_GE && ft->kind != TY_INT &&
		    ft->kind != TY_PORT)
			diag_error(c->d, f->span, ERR_TYPE, "%s values are not "
				   "ordered", ty_str(c->a, ft));
		char what[64];
		snprintf(what, sizeof(what), "the value for %s", f->name);
		if (!ty_compat(want, vt)) {
			expect_ty(c, f->value, f->value->span,
				  member ? want : ft, vt, what);
			continue;
		}
		/* a refinement: an analysed field tested with a constant */
		if (l && fd->dim >= 0 && f->op != OP_NE && f->op != OP_NOTIN &&
		    (fd->dim == DIM_SRC || fd->dim == DIM_DST ||
		     fd->dim == DIM_SPORT || fd->dim == DIM_DPORT)) {
			Refinement *r = arena_alloc(c->a, sizeof(*r));
			if (exhaust_const_set(c, f->value, fd->dim, h->fam,
					      &r->set)) {
				r->field = f->name;
				r->dim = fd->dim;
				r->next = l->ref;
				l->ref = r;
				node_info(c, l->binder)->ref = r;
			}
		}
	}
}

/* A header position: _, a binder, or `name { ... }`. */
static void tc_header(Check *c, Ctx *x, Local **binds, const Pat *p,
		      const HeaderDef *h)
{
	const Ty *ht = ty_header(c, h);
	switch (p->kind) {
	case P_WILD:
		return;
	case P_VAR:
		bind(c, binds, p->name, ht, p, p->span);
		return;
	case P_RECORD: {
		Local *l = NULL;
		if (p->name) {
			bind(c, binds, p->name, ht, p, p->span);
			l = *binds && (*binds)->binder == p ? *binds : NULL;
		}
		tc_record(c, x, p, h, l);
		return;
	}
	default:
		diag_error(c->d, p->span, ERR_CON, "expected a %s pattern here: "
			   "_, a name, or name { field = value, ... }",
			   h->type);
	}
}

static void bad_con(Check *c, const Pat *p, const char *layer,
		    const char *expected)
{
	Vec v = {0};
	static const char *const cons[] = {
		"Frame", "Ether", "VLAN", "IPv4", "IPv6", "TCP", "UDP", "ICMP",
		"ICMPv6",
	};
	const char *s = NULL;
	if (p->kind == P_CON) {
		for (size_t i = 0; i < sizeof(cons) / sizeof(*cons); i++)
			vec_push(&v, (void *)cons[i]);
		s = did_you_mean(p->name, (const char *const *)v.data, v.len);
		vec_drop(&v);
	}
	Diag *g = diag_error(c->d, p->span, ERR_CON, "expected %s here, at the "
			     "%s layer", expected, layer);
	if (s)
		diag_help(c->d, g, "did you mean '%s'?", s);
}

/* Layered patterns: want is TY_FRAME, TY_L3 or TY_L4 (fam in want). */
static void tc_layer(Check *c, Ctx *x, Local **binds, const Pat *p,
		     TyKind layer, int fam)
{
	if (p->kind == P_WILD)
		return;
	if (p->kind == P_VAR) {
		bind(c, binds, p->name, layer == TY_FRAME ? &T_FRAME :
			      layer == TY_L3 ? &T_L3 : &T_L4, p, p->span);
		return;
	}
	if (p->kind == P_AS) {
		DeclInfo *di;
		const Ty *pt = p->as->kind == P_CON ?
				       pattern_decl_ty(c, p->as, &di) : NULL;
		bind(c, binds, p->name, pt ? pt : layer == TY_FRAME ? &T_FRAME :
			      layer == TY_L3 ? &T_L3 : &T_L4, p, p->span);
		tc_layer(c, x, binds, p->as, layer, fam);
		return;
	}
	if (p->kind != P_CON) {
		bad_con(c, p, layer == TY_FRAME ? "frame" :
			layer == TY_L3 ? "network" : "transport",
			layer == TY_FRAME ? "Frame(interfaces, Ether(..)) or _" :
			layer == TY_L3 ? "IPv4(..), IPv6(..), VLAN(..) or _" :
					 "TCP(..), UDP(..), ICMP(..), ICMPv6(..), "
					 "Fragment(..) or _");
		return;
	}
	if (layer == TY_FRAME) {
		if (strcmp(p->name, "Frame") || p->nargs < 1 || p->nargs > 2) {
			bad_con(c, p, "frame", "Frame(interfaces, Ether(..)) "
				"or _");
			return;
		}
		const Pat *ifs = p->args[0];
		if (ifs->kind == P_ARROW) {
			tc_iface_pat(c, x, ifs->sub, NEED_IIF);
			tc_iface_pat(c, x, ifs->to, NEED_OIF);
		} else {
			tc_iface_pat(c, x, ifs, NEED_IIF);
		}
		if (p->nargs < 2)
			return;
		const Pat *eth = p->args[1];
		if (eth->kind == P_WILD)
			return;
		if (eth->kind == P_VAR) {
			bind(c, binds, eth->name, &T_L3, eth, eth->span);
			return;
		}
		if (eth->kind != P_CON || strcmp(eth->name, "Ether") ||
		    eth->nargs != 2) {
			bad_con(c, eth, "link", "Ether(header, payload) or _");
			return;
		}
		tc_header(c, x, binds, eth->args[0], header_by_con("Ether"));
		tc_layer(c, x, binds, eth->args[1], TY_L3, 0);
		return;
	}
	const HeaderDef *h = header_by_con(p->name);
	if (layer == TY_L3) {
		if (!h || h->layer != 3 || p->nargs != 2) {
			bad_con(c, p, "network", "IPv4(header, payload), "
				"IPv6(header, payload), VLAN(header, payload) "
				"or _");
			return;
		}
		tc_header(c, x, binds, p->args[0], h);
		tc_layer(c, x, binds, p->args[1], h->fam ? TY_L4 : TY_L3,
			 h->fam);
		return;
	}
	/* transport */
	DeclInfo *di = NULL;
	const Ty *pt = pattern_decl_ty(c, p, &di);
	if (pt) {
		if (p->nargs)
			diag_error(c->d, p->span, ERR_ARITY, "pattern '%s' takes "
				   "no arguments", p->name);
		if (pt->kind == TY_TUPLE && pt->nitems == 2 &&
		    pt->items[0]->kind == TY_HEADER &&
		    pt->items[0]->hdr->layer == 4) {
			const HeaderDef *ph = pt->items[0]->hdr;
			if (ph->fam && fam && ph->fam != fam)
				diag_error(c->d, p->span, ERR_FAMILY, "pattern "
					   "'%s' matches %s, which IPv%d does "
					   "not carry", p->name, ph->con, fam);
			return;
		}
		if (pt->kind != TY_ERROR)
			diag_error(c->d, p->span, ERR_TYPE, "pattern '%s' has "
				   "type %s; at the transport layer a pattern "
				   "of type (XHeader, Bytes<{}>) is expected",
				   p->name, ty_str(c->a, pt));
		return;
	}
	if (!h && !strcmp(p->name, "Fragment") && p->nargs == 2) {
		/* a non-first fragment: its protocol, its bytes (no header) */
		const Pat *pr = p->args[0], *pl = p->args[1];
		if (pr->kind == P_VAR)
			bind(c, binds, pr->name, &T_PROTO, pr, pr->span);
		else if (pr->kind != P_WILD)
			diag_error(c->d, pr->span, ERR_CON, "expected the "
				   "protocol of Fragment(..) here: _ or a name");
		if (pl->kind == P_VAR)
			bind(c, binds, pl->name, &T_BYTES, pl, pl->span);
		else if (pl->kind != P_WILD)
			diag_error(c->d, pl->span, ERR_CON, "expected the "
				   "payload of Fragment(..) here: _ or a name");
		return;
	}
	if (!h || h->layer != 4 || p->nargs != 2) {
		if (di || (!h && p->nargs == 0)) {
			report_undefined(c, p->span, p->name, x->env, "pattern");
			return;
		}
		bad_con(c, p, "transport", "TCP(..), UDP(..), ICMP(..), "
			"ICMPv6(..), Fragment(..) or _");
		return;
	}
	if (h->fam && fam && h->fam != fam) {
		diag_error(c->d, p->span, ERR_FAMILY, "%s is not carried in "
			   "IPv%d%s", h->con, fam, h->fam == 6 ?
			   " (ICMP for IPv4 is ICMP)" : " (use ICMPv6)");
		return;
	}
	tc_header(c, x, binds, p->args[0], h);
	const Pat *pl = p->args[1];
	if (pl->kind == P_VAR)
		bind(c, binds, pl->name, &T_BYTES, pl, pl->span);
	else if (pl->kind == P_BYTES) {
		if (pl->nbytes > FWL_MAX_PAYLOAD_BYTES)
			diag_error(c->d, pl->span, ERR_PAYLOAD_LIMIT, "this "
				   "payload pattern reaches %d bytes into the "
				   "payload; the data plane reads at most %d",
				   pl->nbytes, FWL_MAX_PAYLOAD_BYTES);
	} else if (pl->kind != P_WILD)
		diag_error(c->d, pl->span, ERR_CON, "expected a payload "
			   "pattern here: _, a name or [bytes]");
}

/* A pattern against any type (case arms, lambda parameters, patterns). */
static void tc_pat(Check *c, Ctx *x, Local **binds, const Pat *p,
		   const Ty *want, Local *outer)
{
	uint32_t acts = 0;
	switch ((PatKind)p->kind) {
	case P_WILD:
		return;
	case P_VAR: {
		/* a declared constant of a scalar type is a constant pattern */
		DeclInfo *di = global_lookup(c, p->name);
		if (di && di->decl->kind == D_LET && want &&
		    want->kind != TY_FRAME) {
			node_info(c, p)->decl = di->decl;
			return;
		}
		bind(c, binds, p->name, want ? want : &T_ANY, p, p->span);
		return;
	}
	case P_AS:
		bind(c, binds, p->name, want ? want : &T_ANY, p, p->span);
		tc_pat(c, x, binds, p->as, want, outer);
		return;
	case P_LIT: {
		const Ty *t = tc_expr(c, x, p->value, want, &acts);
		const Ty *w = want;
		if (w && w->kind == TY_IP)
			w = &T_CIDR[fam_ix(w->fam)];
		if (w && w->kind == TY_PORT)
			w = &T_PORTRANGE;
		if (w)
			expect_ty(c, p->value, p->value->span, w, t,
				  "this pattern");
		return;
	}
	case P_TUPLE:
		if (want && want->kind == TY_TUPLE && want->nitems == p->nargs) {
			for (int i = 0; i < p->nargs; i++)
				tc_pat(c, x, binds, p->args[i], want->items[i],
				       outer);
			return;
		}
		if (want && want->kind != TY_ERROR && want->kind != TY_ANY) {
			diag_error(c->d, p->span, ERR_TYPE, "a tuple pattern of "
				   "%d items, but the value is %s", p->nargs,
				   ty_str(c->a, want));
			return;
		}
		for (int i = 0; i < p->nargs; i++)
			tc_pat(c, x, binds, p->args[i], NULL, outer);
		return;
	case P_IN: {
		const Ty *st = tc_expr(c, x, p->set, NULL, &acts);
		if (p->sub->kind == P_VAR)
			bind(c, binds, p->sub->name, want ? want : &T_ANY,
			     p->sub, p->sub->span);
		(void)st;
		return;
	}
	case P_CON:
		if (want && want->kind == TY_FRAME) {
			tc_layer(c, x, binds, p, TY_FRAME, 0);
			return;
		}
		if (want && (want->kind == TY_ENUM || want->kind == TY_BOOL)) {
			const EnumDef *en = want->kind == TY_BOOL ?
				enum_by_name("Bool") : want->en;
			if (p->nargs || enum_index(en, p->name) < 0) {
				const char *s = did_you_mean(p->name, en->values,
							     en->nvalues);
				Diag *g = diag_error(c->d, p->span, ERR_CON,
						     "'%s' is not a %s",
						     p->name, en->name);
				if (s)
					diag_help(c->d, g, "did you mean "
						  "'%s'?", s);
			}
			return;
		}
		if (want && want->kind == TY_TUPLE) {
			DeclInfo *di;
			const Ty *pt = pattern_decl_ty(c, p, &di);
			if (pt) {
				expect_ty(c, NULL, p->span, want, pt,
					  "this pattern");
				return;
			}
		}
		if (want && (want->kind == TY_L3 || want->kind == TY_L4)) {
			tc_layer(c, x, binds, p, want->kind, 0);
			return;
		}
		if (!want || want->kind == TY_ERROR || want->kind == TY_ANY)
			return;
		diag_error(c->d, p->span, ERR_CON, "'%s' is not a constructor "
			   "of %s", p->name, ty_str(c->a, want));
		return;
	case P_RECORD:
		if (want && want->kind == TY_HEADER) {
			Local *l = NULL;
			if (p->name) {
				bind(c, binds, p->name, want, p, p->span);
				l = *binds;
			}
			tc_record(c, x, p, want->hdr, l);
			return;
		}
		if (want && want->kind != TY_ERROR)
			diag_error(c->d, p->span, ERR_TYPE, "a record pattern, "
				   "but the value is %s", ty_str(c->a, want));
		return;
	case P_BYTES:
		if (want && want->kind != TY_BYTES && want->kind != TY_ERROR &&
		    want->kind != TY_ANY)
			diag_error(c->d, p->span, ERR_TYPE, "a payload pattern, "
				   "but the value is %s", ty_str(c->a, want));
		if (p->nbytes > FWL_MAX_PAYLOAD_BYTES)
			diag_error(c->d, p->span, ERR_PAYLOAD_LIMIT, "this "
				   "payload pattern reaches %d bytes into the "
				   "payload; the data plane reads at most %d",
				   p->nbytes, FWL_MAX_PAYLOAD_BYTES);
		return;
	case P_ARROW:
		diag_error(c->d, p->span, ERR_CON, "an interface pattern is "
			   "only written as the first argument of Frame");
		return;
	}
}

static Local *push_binds(Local *binds, Local *env)
{
	if (!binds)
		return env;
	Local *last = binds;
	while (last->next)
		last = last->next;
	last->next = env;
	return binds;
}

/* The body of an arm under its bindings and guard. */
static const Ty *tc_arm(Check *c, Ctx *x, const Arm *arm, const Ty *st,
			const Ty *want, uint32_t *acts)
{
	Local *binds = NULL, *saved = x->env;
	tc_pat(c, x, &binds, arm->pat, st, x->env);
	x->env = push_binds(binds, x->env);
	if (arm->guard) {
		uint32_t ga = 0;
		const Ty *g = tc_expr(c, x, arm->guard, &T_BOOL, &ga);
		expect_ty(c, arm->guard, arm->guard->span, &T_BOOL, g,
			  "the guard");
	}
	const Ty *t = tc_expr(c, x, arm->body, want, acts);
	x->env = saved;
	return t;
}

static bool is_scalar(const Ty *t)
{
	switch (t->kind) {
	case TY_IP: case TY_PORT: case TY_PROTO: case TY_INT: case TY_ENUM:
	case TY_BOOL:
		return true;
	case TY_TUPLE:
		for (int i = 0; i < t->nitems; i++)
			if (!is_scalar(t->items[i]))
				return false;
		return t->nitems <= NDIM;
	default:
		return false;
	}
}

static void check_case(Check *c, Ctx *x, const Expr *e, const Ty *st,
		       uint32_t *acts, const Ty **rt, const Ty *want)
{
	int errors_before = c->d->nerrors;
	CheckArm *ca = arena_alloc(c->a, sizeof(*ca) * (size_t)(e->narms + 1));
	for (int i = 0; i < e->narms; i++) {
		uint32_t a = 0;
		const Ty *t = tc_arm(c, x, e->arms[i], st, want ? want : *rt, &a);
		if (!*rt || (*rt)->kind == TY_ERROR)
			*rt = t;
		else if (!ty_compat(*rt, t) && !ty_compat(t, *rt))
			expect_ty(c, e->arms[i]->body, e->arms[i]->body->span,
				  *rt, t, "this arm");
		*acts |= a;
		ca[i].arm = e->arms[i];
		ca[i].actions = a;
	}
	if (c->d->nerrors != errors_before)
		return;	/* no coverage analysis of ill-typed arms */
	if (st->kind == TY_FRAME)
		exhaust_frame_case(c, e, ca, !x->in_policy);
	else if (is_scalar(st)) {
		NodeInfo *ni = node_info(c, e->lhs);
		exhaust_scalar_case(c, e, st, ni->ref);
	} else if (st->kind != TY_ERROR) {
		/* other types: only a catch-all arm covers everything */
		bool any = false;
		for (int i = 0; i < e->narms; i++) {
			const Pat *p = e->arms[i]->pat;
			if ((p->kind == P_WILD || p->kind == P_VAR) &&
			    !e->arms[i]->guard)
				any = true;
		}
		if (!any) {
			Diag *g = diag_error(c->d, e->span, ERR_NONEXHAUSTIVE,
					     "this case does not cover every "
					     "value of %s", ty_str(c->a, st));
			diag_help(c->d, g, "missing: _");
		}
	}
}

/*
 * Declarations
 */

static void check_iface(Check *c, DeclInfo *di)
{
	const Decl *d = di->decl;
	di->ty = &T_IFACE;
	for (int i = 0; i < d->nattrs; i++) {
		const Attr *at = d->attrs[i];
		int fam = !strcmp(at->name, "cidr4") ? 4 :
			  !strcmp(at->name, "cidr6") ? 6 : 0;
		if (!fam) {
			if (!strcmp(at->name, "dynamic") && !at->value)
				continue;
			static const char *const names[] = { "dynamic",
							     "cidr4", "cidr6" };
			const char *s = did_you_mean(at->name, names, 3);
			Diag *g = diag_error(c->d, at->name_span, ERR_ATTR,
					     "unknown interface attribute '%s'",
					     at->name);
			diag_help(c->d, g, s ? "did you mean '%s'?" :
				  "attributes: dynamic, cidr4 = {...}, cidr6 "
				  "= {...}%s", s ? s : "");
			continue;
		}
		if (!at->value) {
			diag_error(c->d, at->span, ERR_ATTR, "%s needs a set: "
				   "%s = { ... }", at->name, at->name);
			continue;
		}
		Ctx x = { 0 };
		uint32_t acts = 0;
		const Ty *t = tc_expr(c, &x, at->value, &T_CIDRSET[fam_ix(fam)],
				      &acts);
		expect_ty(c, at->value, at->value->span,
			  &T_CIDRSET[fam_ix(fam)], t, at->name);
	}
}

static void check_zone(Check *c, DeclInfo *di)
{
	const Decl *d = di->decl;
	di->ty = &T_ZONE;
	if (d->value->kind != E_SET) {
		diag_error(c->d, d->value->span, ERR_TYPE, "a zone is a set of "
			   "interfaces: zone %s = { a, b }", d->name);
		return;
	}
	for (int i = 0; i < d->value->nitems; i++) {
		const Expr *it = d->value->items[i];
		if (it->kind == E_NAME && !strcmp(it->name, "lo")) {
			di->zone |= 1u << c->nifaces;
			continue;
		}
		DeclInfo *m = it->kind == E_NAME ? global_lookup(c, it->name) :
						   NULL;
		if (!m) {
			Ctx x = { 0 };
			if (it->kind == E_NAME)
				report_undefined(c, it->span, it->name, NULL,
						 "interface");
			else
				diag_error(c->d, it->span, ERR_TYPE, "a zone "
					   "holds interface names");
			(void)x;
			continue;
		}
		node_info(c, it)->decl = m->decl;
		need_decl(c, m, it->span);
		node_info(c, it)->ty = m->ty;
		if (m->decl->kind == D_INTERFACE)
			di->zone |= m->iface < 32 ? 1u << m->iface : 0;
		else if (m->decl->kind == D_ZONE)
			di->zone |= m->zone;
		else
			diag_error(c->d, it->span, ERR_WRONG_KIND, "'%s' is a "
				   "%s, but a zone holds interfaces", it->name,
				   decl_kind_name(m->decl->kind));
	}
}

static void check_import(Check *c, DeclInfo *di)
{
	const Decl *d = di->decl;
	const Ty *t = d->type ? ty_of_syntax(c, d->type) : &T_CIDRSET[0];
	di->ty = t;
	const char *from = d->from;
	if (!strncmp(from, "builtin:", 8)) {
		const BuiltinSet *s = builtin_set(from + 8);
		if (!s) {
			const char *const *names = builtin_set_names();
			int n = 0;
			while (names[n])
				n++;
			const char *m = did_you_mean(from + 8, names, n);
			Diag *g = diag_error(c->d, d->from_span, ERR_IMPORT,
					     "there is no builtin set '%s'",
					     from + 8);
			if (m)
				diag_help(c->d, g, "did you mean "
					  "\"builtin:%s\"?", m);
			else
				diag_help(c->d, g, "builtin sets: rfc1918, "
					  "loopback, link-local, multicast, "
					  "bogons4, bogons6, ula, ...");
			return;
		}
		if (t->kind != TY_CIDRSET && t->kind != TY_ERROR) {
			diag_error(c->d, d->type->span, ERR_TYPE, "a builtin "
				   "set is a CIDRSet, not %s", ty_str(c->a, t));
			return;
		}
		IPAddr *v = builtin_set_addrs(s, c->a);
		int fam = -1;
		for (int i = 0; i < s->n; i++) {
			iv_push_cidr(&di->cidrs, &v[i]);
			fam = fam < 0 ? v[i].family :
			      fam == v[i].family ? fam : 0;
		}
		iv_keep(c, &di->cidrs);
		di->cidr_fam = fam;
		di->has_cidrs = true;
		di->ty = &T_CIDRSET[fam_ix(fam)];
		return;
	}
	if (!strncmp(from, "file:", 5) || !strncmp(from, "http:", 5) ||
	    !strncmp(from, "https:", 6) || !strncmp(from, "dns:", 4)) {
		if (t->kind != TY_OPAQUE && t->kind != TY_CIDRSET &&
		    t->kind != TY_ERROR)
			diag_error(c->d, d->type->span, ERR_TYPE, "an imported "
				   "feed is a ThreatFeed or a CIDRSet, not %s",
				   ty_str(c->a, t));
		return;
	}
	diag_error(c->d, d->from_span, ERR_IMPORT, "unknown import source "
		   "\"%s\": use \"builtin:NAME\", \"file:PATH\" or "
		   "\"https://URL\"", from);
}

static void check_let(Check *c, DeclInfo *di)
{
	const Decl *d = di->decl;
	const Ty *want = d->type ? ty_of_syntax(c, d->type) : NULL;
	Ctx x = { 0 };
	uint32_t acts = 0;
	c->cur_decl = di;
	const Ty *t = tc_expr(c, &x, d->value, want, &acts);
	if (want) {
		expect_ty(c, d->value, d->value->span, want, t, "the value");
		di->ty = want->kind == TY_CIDRSET && t->kind == TY_CIDRSET ?
				 t : want;
	} else {
		di->ty = t;
	}
	c->const_depth = 0;
	if (di->ty->kind == TY_CIDRSET &&
	    exhaust_const_set(c, d->value, DIM_SRC, di->ty->fam, &di->cidrs)) {
		di->has_cidrs = true;
		di->cidr_fam = di->ty->fam;
		di->cidr_depth = c->const_depth;
	}
}

static void check_pattern(Check *c, DeclInfo *di)
{
	const Decl *d = di->decl;
	const Ty *want = d->type ? ty_of_syntax(c, d->type) : NULL;
	Ctx x = { 0 };
	Local *binds = NULL;
	c->cur_decl = di;
	di->ty = want ? want : &T_ANY;
	if (want && want->kind == TY_TUPLE && d->pat->kind == P_TUPLE &&
	    want->nitems == d->pat->nargs) {
		for (int i = 0; i < d->pat->nargs; i++)
			tc_pat(c, &x, &binds, d->pat->args[i], want->items[i],
			       NULL);
		return;
	}
	tc_pat(c, &x, &binds, d->pat, want, NULL);
}

static void check_flow(Check *c, DeclInfo *di)
{
	const Decl *d = di->decl;
	di->ty = ty_opaque(c, "FlowPattern");
	if (d->type) {
		const Ty *t = ty_of_syntax(c, d->type);
		expect_ty(c, NULL, d->type->span, di->ty, t, "a flow");
	}
	if (d->nsteps > FWL_MAX_FLOW_STEPS) {
		Diag *g = diag_error(c->d, d->span, ERR_FLOW_LIMIT,
				     "flow '%s' has %d steps, but the per-flow "
				     "state field holds at most %d", d->name,
				     d->nsteps, FWL_MAX_FLOW_STEPS);
		diag_help(c->d, g, "the state field has %d bits; split the "
			  "sequence into two flows", FWL_SEQ_STATE_BITS);
	}
	for (int i = 0; i < d->nsteps; i++) {
		const Pat *s = d->steps[i];
		if (s->kind != P_CON) {
			diag_error(c->d, s->span, ERR_CON, "a flow step names a "
				   "declared pattern");
			continue;
		}
		DeclInfo *pi;
		const Ty *pt = pattern_decl_ty(c, s, &pi);
		if (!pt)
			report_undefined(c, s->span, s->name, NULL, "pattern");
	}
}

static void check_rule(Check *c, DeclInfo *di)
{
	const Decl *d = di->decl;
	const Ty *t = ty_of_syntax(c, d->type);
	di->ty = t;
	if (t->kind != TY_FUN) {
		if (t->kind != TY_ERROR)
			diag_error(c->d, d->type->span, ERR_TYPE, "a rule has a "
				   "function type, as in Frame<{}> -> <Log> "
				   "Action");
		di->ty = &T_ERROR;
		return;
	}
	Ctx x = { 0 };
	x.row = t->effects;
	x.row_declared = d->type->has_effects;
	c->cur_decl = di;
	c->cur_effects = 0;
	c->cur_needs = 0;
	uint32_t acts = 0;
	const Expr *v = d->value;
	if (v->kind != E_LAMBDA || v->nparams != 1) {
		diag_error(c->d, v->span, ERR_TYPE, "a rule's value is a "
			   "function of one argument: \\frame -> ...");
		return;
	}
	Local *binds = NULL;
	tc_pat(c, &x, &binds, v->params[0], t->from, NULL);
	x.env = binds;
	const Ty *bt = tc_expr(c, &x, v->body, t->to, &acts);
	expect_ty(c, v->body, v->body->span, t->to, bt, "the rule's body");
	di->effects = c->cur_effects;
	di->actions = acts;
	di->needs = c->cur_needs;
}

static void check_policy_decl(Check *c, DeclInfo *di)
{
	const Decl *d = di->decl;
	CheckPolicy *cp = &c->policies[c->npolicies++];
	di->policy = cp;
	di->ty = &T_UNIT;
	cp->decl = d;
	cp->hook = HOOK_COUNT;
	cp->arms = arena_alloc(c->a, sizeof(*cp->arms) *
					     (size_t)(d->narms + 1));
	if (d->type) {
		const Ty *t = ty_of_syntax(c, d->type);
		if (t->kind != TY_FRAME && t->kind != TY_ERROR)
			diag_error(c->d, d->type->span, ERR_TYPE, "a policy "
				   "decides over Frame<{}>, not %s",
				   ty_str(c->a, t));
	}
	bool has_table = false;
	for (int i = 0; i < d->nattrs; i++) {
		const Attr *at = d->attrs[i];
		const char *v = at->value && at->value->kind == E_NAME ?
					at->value->name : NULL;
		if (!strcmp(at->name, "hook")) {
			for (int h = 0; v && h < HOOK_COUNT; h++)
				if (!strcmp(v, hook_name(h)))
					cp->hook = h;
			if (cp->hook == HOOK_COUNT) {
				const char *names[HOOK_COUNT];
				for (int h = 0; h < HOOK_COUNT; h++)
					names[h] = hook_name(h);
				const char *s = v ? did_you_mean(v, names,
								 HOOK_COUNT) :
						    NULL;
				Diag *g = diag_error(c->d, at->value ?
						     at->value->span : at->span,
						     ERR_POLICY_PROP,
						     "unknown hook%s%s%s",
						     v ? " '" : "", v ? v : "",
						     v ? "'" : "");
				diag_help(c->d, g, s ? "did you mean '%s'?" :
					  "hooks: Prerouting, Input, Forward, "
					  "Output, Postrouting%s", s ? s : "");
			}
		} else if (!strcmp(at->name, "table")) {
			has_table = true;
			if (v && !strcmp(v, "NAT"))
				cp->nat_table = true;
			else if (!v || strcmp(v, "Filter"))
				diag_error(c->d, at->value ? at->value->span :
					   at->span, ERR_POLICY_PROP,
					   "unknown table: tables are Filter "
					   "and NAT");
		} else if (!strcmp(at->name, "priority")) {
			if (at->value && at->value->kind == E_LIT &&
			    at->value->lit.kind == LIT_INT)
				continue;
			if (!v || enum_index(enum_by_name("Priority"), v) < 0)
				diag_error(c->d, at->value ? at->value->span :
					   at->span, ERR_POLICY_PROP,
					   "unknown priority: use a number or "
					   "Raw, Mangle, DstNat, Filter, "
					   "Security, SrcNat");
		} else {
			diag_error(c->d, at->name_span, ERR_POLICY_PROP,
				   "unknown policy property '%s': properties "
				   "are hook, table and priority", at->name);
		}
	}
	(void)has_table;
	if (cp->hook == HOOK_COUNT) {
		bool written = false;
		for (int i = 0; i < d->nattrs; i++)
			written |= !strcmp(d->attrs[i]->name, "hook");
		if (!written)
			diag_error(c->d, d->name_span, ERR_POLICY_PROP,
				   "policy '%s' has no 'on hook = ...'",
				   d->name);
	}
	int errors_before = c->d->nerrors;
	Ctx x = { 0 };
	x.in_policy = cp->hook != HOOK_COUNT;
	x.hook = cp->hook;
	c->cur_decl = di;
	c->cur_effects = 0;
	c->cur_needs = 0;
	for (int j = 0; j < d->narms; j++) {
		uint32_t acts = 0;
		const Ty *t = tc_arm(c, &x, d->arms[j], &T_FRAME, &T_ACTION,
				     &acts);
		expect_ty(c, d->arms[j]->body, d->arms[j]->body->span,
			  &T_ACTION, t, "the arm's body");
		if ((acts & (ACT_DNAT | ACT_SNAT | ACT_MASQ)) &&
		    !cp->nat_table && x.in_policy)
			diag_error(c->d, d->arms[j]->body->span,
				   ERR_ACTION_TABLE, "address translation "
				   "belongs in a policy with table = NAT");
		cp->arms[j].arm = d->arms[j];
		cp->arms[j].actions = acts;
		cp->arms[j].may_continue = acts & ACT_CONTINUE;
		cp->actions |= acts;
	}
	cp->effects = c->cur_effects;
	if (cp->hook != HOOK_COUNT && c->d->nerrors == errors_before)
		exhaust_policy(c, cp);
}

static void check_decl(Check *c, DeclInfo *di)
{
	switch (di->decl->kind) {
	case D_INTERFACE:
		check_iface(c, di);
		break;
	case D_ZONE:
		check_zone(c, di);
		break;
	case D_IMPORT:
		check_import(c, di);
		break;
	case D_LET:
		check_let(c, di);
		break;
	case D_PATTERN:
		check_pattern(c, di);
		break;
	case D_FLOW:
		check_flow(c, di);
		break;
	case D_RULE:
		check_rule(c, di);
		break;
	case D_POLICY:
		check_policy_decl(c, di);
		break;
	}
}

Check *check_program(const Program *p, Arena *a, Diags *d)
{
	Check *c = arena_alloc(a, sizeof(*c));
	c->prog = p;
	c->a = a;
	c->d = d;
	c->info = arena_alloc(a, sizeof(*c->info) * (size_t)(p->ndecls + 1));
	c->nids = p->nids + 1;
	c->byid = calloc(c->nids, sizeof(*c->byid));
	if (!c->byid) {
		fprintf(stderr, "fwlc: out of memory\n");
		exit(2);
	}
	c->gcap = 16;
	while (c->gcap < 2 * (p->ndecls + 1))
		c->gcap *= 2;
	c->gname = arena_alloc(a, sizeof(*c->gname) * (size_t)c->gcap);
	c->gdecl = arena_alloc(a, sizeof(*c->gdecl) * (size_t)c->gcap);
	c->iface_names = arena_alloc(a, sizeof(char *) *
						(size_t)(p->ndecls + 1));
	int npol = 0;
	for (int i = 0; i < p->ndecls; i++) {
		const Decl *dc = p->decls[i];
		DeclInfo *di = &c->info[i];
		di->decl = dc;
		di->iface = -1;
		npol += dc->kind == D_POLICY;
		DeclInfo *prev = global_lookup(c, dc->name);
		if (prev || (dc->kind == D_INTERFACE && !strcmp(dc->name, "lo"))) {
			Diag *g = diag_error(d, dc->name_span, ERR_DUPLICATE,
					     prev ? "'%s' is declared twice" :
					     "'%s' is the builtin loopback "
					     "interface", dc->name);
			if (prev)
				diag_note(d, g, &prev->decl->name_span,
					  "first declared here");
			di->state = 2;
			di->ty = &T_ERROR;
			continue;
		}
		if (dc->kind == D_INTERFACE) {
			di->iface = c->nifaces;
			c->iface_names[c->nifaces++] = dc->name;
		}
		global_add(c, di);
	}
	c->iface_names[c->nifaces] = "lo";
	c->policies = arena_alloc(a, sizeof(*c->policies) * (size_t)(npol + 1));
	for (int i = 0; i < p->ndecls; i++)
		need_decl(c, &c->info[i], p->decls[i]->name_span);
	free(stack);
	stack = NULL;
	nstack = capstack = 0;
	return c;
}

/*
 * Results for later passes
 */

void check_free(Check *c)
{
	if (!c)
		return;
	free(c->nodes);
	c->nodes = NULL;
	c->ncap = c->nlen = 0;
	free(c->byid);
	c->byid = NULL;
	c->nids = 0;
}

const Ty *check_type_of(const Check *c, const Expr *e)
{
	NodeInfo *n = node_find(c, e);
	return n ? n->ty : NULL;
}

const Decl *check_decl_of(const Check *c, const void *node)
{
	NodeInfo *n = node_find(c, node);
	return n ? n->decl : NULL;
}

const Pat *check_binder_of(const Check *c, const Expr *e)
{
	NodeInfo *n = node_find(c, e);
	return n ? n->binder : NULL;
}

const Refinement *check_refinement_of(const Check *c, const Pat *binder)
{
	NodeInfo *n = node_find(c, binder);
	return n ? n->ref : NULL;
}

const CheckPolicy *check_policy(const Check *c, const Decl *policy)
{
	for (int i = 0; i < c->npolicies; i++)
		if (c->policies[i].decl == policy)
			return &c->policies[i];
	return NULL;
}

uint32_t check_rule_effects(const Check *c, const Decl *rule)
{
	for (int i = 0; i < c->prog->ndecls; i++)
		if (c->info[i].decl == rule)
			return c->info[i].effects;
	return 0;
}

/* fwlc check FILE [--Werror] [--format json] */
int cmd_check(int argc, char **argv)
{
	const char *path = NULL;
	Diags d;
	Arena a = {0};

	diag_init(&d);
	for (int i = 1; i < argc; i++) {
		int n = cmd_common_opt(&d, argc, argv, i);
		if (n < 0) {
			diag_free(&d);
			return 2;
		}
		if (n > 0) {
			i += n - 1;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf("usage: fwlc check FILE [--Werror] "
			       "[--format json]\n");
			diag_free(&d);
			return 0;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "fwlc check: unknown option '%s'\n",
				argv[i]);
			diag_free(&d);
			return 2;
		} else if (!path) {
			path = argv[i];
		} else {
			fprintf(stderr, "fwlc check: one file at a time\n");
			diag_free(&d);
			return 2;
		}
	}
	if (!path) {
		fprintf(stderr, "usage: fwlc check FILE [--Werror] "
			"[--format json]\n");
		diag_free(&d);
		return 2;
	}
	Program *p = cmd_load(path, &a, &d);
	int rc = 2;
	if (p) {
		Check *c = check_program(p, &a, &d);
		diag_print(&d, stderr);
		rc = diag_failed(&d) ? 1 : 0;
		check_free(c);
	}
	diag_free(&d);
	arena_free(&a);
	return rc;
}
