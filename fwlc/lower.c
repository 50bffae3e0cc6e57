// SPDX-License-Identifier: MIT
/*
 * lower.c - patterns, guards and actions to IR, see lower.h.
 *
 * A Frame pattern is taken apart layer by layer; each layer adds tests:
 *
 *	Frame(iif ∈ lan_zone -> wan, Ether(_, IPv4(ip { src ∈ rfc1918 }, _)))
 *	  → iif & {lan, wg0} && oif & {wan} && l3 == 0x0800
 *	    && src4 in set#0 (rfc1918, a map lookup)
 *
 * Names are the checker's: an interface or zone becomes bits of the
 * interface mask, a named set becomes map contents (an ir_set).  Whatever
 * the BPF backend cannot compile yet is refused with E07xx on the
 * construct: a test is never dropped, since an arm that tests less
 * matches more.
 */
#include <stdlib.h>
#include <string.h>

#include "fwlc/check_int.h"
#include "fwlc/lower.h"
#include "maps/counters.h"
#include "maps/ct.h"
#include "maps/events.h"
#include "maps/nat.h"
#include "maps/seq.h"
#include "maps/sets.h"

enum {
	E_UNSUPPORTED = 700,	/* E0700: not compiled by the BPF backend yet */
	E_BAD_CON = 701,	/* E0701: wrong constructor at this layer */
	E_BAD_FIELD = 702,	/* E0702: unknown header field */
	E_BAD_VALUE = 703,	/* E0703: value of the wrong kind for a field */
	E_BAD_HOOK = 704,	/* E0704: unknown hook */
	E_BAD_ACTION = 705,	/* E0705: unknown action */
	E_LIMIT = 706,		/* E0706: beyond a data-plane limit */
};

#define FWL_VLAN_MAX 2	/* tags the data plane parses (bpf/lib/parse.h) */
#define MAX_TESTS 64
#define MAX_BINDERS 16
#define INLINE_SET_MAX 4	/* literal sets up to this size are inlined */

/* A binder of a header record pattern: `ip` in IPv4(ip { ... }, _). */
struct binder {
	const char *name;
	const FieldDef *fields;
	int fam;		/* 4 or 6 for IP headers and ICMP */
	int layer;		/* 3 IP, 4 transport */
	const char *con;	/* the header's constructor: "IPv4", ... */
	int idx;		/* VLAN: the tag's depth (0: outermost) */
};

/* A variable bound to an effect's result by >>=. */
struct effect_var {
	const char *name;
	struct ir_test test;	/* a Bool result: the test that computes it */
	int feed;		/* a DNS.resolve name set: its feed; else -1 */
};

struct lower {
	Arena *a;
	Diags *d;
	const Check *c;
	struct ir_prog *ir;
	struct ir_test tests[MAX_TESTS];	/* the arm being lowered */
	int ntests;
	struct binder binders[MAX_BINDERS];	/* ... and its binders */
	int nbinders;
	int failed;
	/* sets, grown as arms name them */
	int sets_cap;
	uint32_t next_id[3];	/* per set kind */
	struct effect_var evars[16];	/* bound by >>=, innermost last */
	int nevars;
	int vlan_depth;		/* VLAN layers around the pattern being lowered */
};

static void unsupported(struct lower *l, Span at, const char *what)
{
	diag_error(l->d, at, E_UNSUPPORTED,
		   "%s is not compiled by the BPF backend yet", what);
	l->failed = 1;
}

static struct ir_test *add_test(struct lower *l, Span at)
{
	if (l->ntests == MAX_TESTS) {
		diag_error(l->d, at, E_LIMIT, "this arm needs more than %d "
			   "tests", MAX_TESTS);
		l->failed = 1;
		return NULL;
	}
	struct ir_test *t = &l->tests[l->ntests++];
	memset(t, 0, sizeof(*t));
	return t;
}

static void add_eq(struct lower *l, Span at, enum ir_field f, uint64_t v)
{
	struct ir_test *t = add_test(l, at);
	if (t) {
		t->field = f;
		t->op = IR_EQ;
		t->lo = t->hi = v;
	}
}

/* A pattern that tests nothing: `_` or a binder. */
static int is_any(const Pat *p)
{
	return p->kind == P_WILD || p->kind == P_VAR;
}

/*
 * Sets
 */

/* The set made from `key` (an AST node), creating it on first use. */
static struct ir_set *set_for(struct lower *l, const void *key,
			      enum ir_set_kind kind, const char *name, Span at)
{
	struct ir_prog *ir = l->ir;
	for (int i = 0; i < ir->nsets; i++)
		if (ir->sets[i].key == key && ir->sets[i].kind == kind)
			return &ir->sets[i];
	if (kind == IR_SET_PORT && l->next_id[kind] == FWL_PORTSET_MAX) {
		diag_error(l->d, at, E_LIMIT, "more than %d port sets",
			   FWL_PORTSET_MAX);
		l->failed = 1;
		return NULL;
	}
	if (ir->nsets == l->sets_cap) {
		int cap = l->sets_cap ? l->sets_cap * 2 : 8;
		struct ir_set *n = arena_alloc(l->a, sizeof(*n) * cap);
		if (ir->nsets)
			memcpy(n, ir->sets, sizeof(*n) * ir->nsets);
		ir->sets = n;
		l->sets_cap = cap;
	}
	struct ir_set *s = &ir->sets[ir->nsets++];
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->id = l->next_id[kind]++;
	s->name = name;
	s->key = key;
	return s;
}

static void set_add_cidr(struct lower *l, struct ir_set *s, const IPAddr *ip,
			 int *cap)
{
	if (s->nentries == *cap) {
		int nc = *cap ? *cap * 2 : 16;
		struct ir_set_entry *n = arena_alloc(l->a, sizeof(*n) * nc);
		if (s->nentries)
			memcpy(n, s->entries, sizeof(*n) * s->nentries);
		s->entries = n;
		*cap = nc;
	}
	struct ir_set_entry *e = &s->entries[s->nentries++];
	memcpy(e->addr, ip->addr, 16);
	e->plen = ip->prefix;
}

static void set_add_ports(struct lower *l, struct ir_set *s, unsigned lo,
			  unsigned hi, int *cap)
{
	IPAddr dummy = { 0 };
	set_add_cidr(l, s, &dummy, cap);
	s->entries[s->nentries - 1].lo = lo;
	s->entries[s->nentries - 1].hi = hi;
}

/* Fill set s from expression v (a set literal, a name of a let, import or
 * interface attribute, nested sets).  Returns 0 or -1 (reported). */
static int fill_set(struct lower *l, struct ir_set *s, const Expr *v,
		    int fam, int *cap, int depth)
{
	if (depth > 16) {
		unsupported(l, v->span, "a set nested this deeply");
		return -1;
	}
	switch (v->kind) {
	case E_SET:
		for (int i = 0; i < v->nitems; i++)
			if (fill_set(l, s, v->items[i], fam, cap, depth + 1))
				return -1;
		return 0;
	case E_LIT:
		if (s->kind != IR_SET_PORT &&
		    (v->lit.kind == LIT_IP || v->lit.kind == LIT_CIDR)) {
			if (v->lit.ip.family != fam)
				return 0;	/* the other family's part */
			set_add_cidr(l, s, &v->lit.ip, cap);
			return 0;
		}
		if (s->kind == IR_SET_PORT && (v->lit.kind == LIT_PORT ||
					       v->lit.kind == LIT_PORTRANGE)) {
			set_add_ports(l, s, v->lit.port.lo, v->lit.port.hi, cap);
			return 0;
		}
		break;
	case E_NAME: {
		const Decl *d = check_decl_of(l->c, v);
		if (d && (d->kind == D_LET || d->kind == D_ZONE) && d->value)
			return fill_set(l, s, d->value, fam, cap, depth + 1);
		if (d && d->kind == D_IMPORT && d->from &&
		    !strncmp(d->from, "builtin:", 8)) {
			const BuiltinSet *b = builtin_set(d->from + 8);
			if (!b)
				break;
			IPAddr *ips = builtin_set_addrs(b, l->a);
			for (int i = 0; ips && ips[i].family; i++)
				if (ips[i].family == fam)
					set_add_cidr(l, s, &ips[i], cap);
			return 0;
		}
		break;
	}
	case E_FIELD: {	/* lan.cidr4: an interface's attribute */
		const Decl *d = v->lhs ? check_decl_of(l->c, v->lhs) : NULL;
		if (d && d->kind == D_INTERFACE) {
			for (int i = 0; i < d->nattrs; i++)
				if (!strcmp(d->attrs[i]->name, v->field) &&
				    d->attrs[i]->value)
					return fill_set(l, s, d->attrs[i]->value,
							fam, cap, depth + 1);
			return 0;	/* declared without it: empty */
		}
		break;
	}
	default:
		break;
	}
	unsupported(l, v->span, "this set expression");
	return -1;
}

/* Count the literal elements of a set literal (-1: not all literals). */
static int literal_count(const Expr *v)
{
	if (v->kind != E_SET)
		return -1;
	for (int i = 0; i < v->nitems; i++)
		if (v->items[i]->kind != E_LIT)
			return -1;
	return v->nitems;
}

/*
 * Header fields
 */

/* The IR field of header `con`'s field `name` (carried in IPv`fam`), or
 * -1 when the data plane does not parse it (the caller names it). */
static enum ir_field field_of(const char *con, const char *name, int fam)
{
	static const struct {
		const char *con;	/* NULL: any header with the field */
		const char *name;
		enum ir_field f4, f6;
	} map[] = {
		{ NULL, "src", IRF_SRC4, IRF_SRC6 },
		{ NULL, "dst", IRF_DST4, IRF_DST6 },
		{ NULL, "sport", IRF_SPORT, IRF_SPORT },
		{ NULL, "dport", IRF_DPORT, IRF_DPORT },
		{ NULL, "type", IRF_ICMP_TYPE, IRF_ICMP_TYPE },
		{ NULL, "code", IRF_ICMP_CODE, IRF_ICMP_CODE },
		{ "IPv4", "protocol", IRF_L4, IRF_L4 },
		{ "IPv6", "nexthdr", IRF_L4, IRF_L4 },
		{ "IPv4", "ttl", IRF_TTL, IRF_TTL },
		{ "IPv6", "hoplimit", IRF_TTL, IRF_TTL },
		{ "IPv4", "tos", IRF_TOS, IRF_TOS },
		{ "IPv6", "tclass", IRF_TOS, IRF_TOS },
		{ "IPv4", "dscp", IRF_DSCP, IRF_DSCP },
		{ "IPv4", "length", IRF_IP4_LEN, IRF_IP4_LEN },
		{ "IPv6", "length", IRF_IP6_LEN, IRF_IP6_LEN },
		{ "IPv4", "id", IRF_IP_ID, IRF_IP_ID },
		{ "IPv4", "ihl", IRF_IHL, IRF_IHL },
		{ "IPv4", "fragment", IRF_FRAG_IS, IRF_FRAG_IS },
		{ "TCP", "seq", IRF_TCP_SEQ, IRF_TCP_SEQ },
		{ "TCP", "ack", IRF_TCP_ACK, IRF_TCP_ACK },
		{ "TCP", "window", IRF_TCP_WIN, IRF_TCP_WIN },
		{ "UDP", "length", IRF_UDP_LEN, IRF_UDP_LEN },
		{ "VLAN", "id", IRF_VLAN_ID, IRF_VLAN_ID },
		{ "VLAN", "pcp", IRF_VLAN_PCP, IRF_VLAN_PCP },
		{ "VLAN", "dei", IRF_VLAN_DEI, IRF_VLAN_DEI },
		{ "IPv6", "flowlabel", IRF_FLOWLABEL, IRF_FLOWLABEL },
		{ "Ether", "type", IRF_L3, IRF_L3 },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(*map); i++) {
		if (strcmp(map[i].name, name))
			continue;
		if (map[i].con && (!con || strcmp(map[i].con, con)))
			continue;
		if (!map[i].con && con && (!strcmp(con, "Ether") ||
					   !strcmp(con, "VLAN")))
			continue;	/* Ether src/dst are MACs */
		return fam == 6 ? map[i].f6 : map[i].f4;
	}
	return (enum ir_field)-1;
}

/* The largest value of a scalar field (ordering comparisons). */
static uint64_t field_max(enum ir_field f)
{
	switch (f) {
	case IRF_TTL: case IRF_TOS: case IRF_IHL: case IRF_L4:
	case IRF_ICMP_TYPE: case IRF_ICMP_CODE:
		return 0xff;
	case IRF_DSCP:
		return 0x3f;
	case IRF_FRAG_IS: case IRF_VLAN_DEI:
		return 1;
	case IRF_VLAN_PCP:
		return 7;
	case IRF_FLOWLABEL:
		return 0xfffff;
	case IRF_VLAN_ID:
		return 0xfff;
	case IRF_TCP_SEQ: case IRF_TCP_ACK:
		return 0xffffffffu;
	default:
		return 0xffff;
	}
}

/* A scalar field compared with an integer (or a Bool, a Protocol). */
static int is_scalar_field(enum ir_field f)
{
	return f == IRF_L3 || f == IRF_L4 || (f >= IRF_TTL && f <= IRF_VLAN_ID);
}

static int is_addr_field(enum ir_field f)
{
	return f == IRF_SRC4 || f == IRF_DST4 || f == IRF_SRC6 ||
	       f == IRF_DST6;
}

/* An ICMP type written by name (EchoRequest) or number. */
static int enum_value(const FieldDef *fd, const Expr *v, uint64_t *out)
{
	if (v->kind == E_LIT && v->lit.kind == LIT_INT) {
		*out = v->lit.u;
		return 0;
	}
	if (v->kind == E_NAME && fd->enum_name) {
		const EnumDef *e = enum_by_name(fd->enum_name);
		int i = e ? enum_index(e, v->name) : -1;
		if (i >= 0 && e->numbers) {
			*out = (uint64_t)e->numbers[i];
			return 0;
		}
	}
	return -1;
}

/* field op value, as one IR test in t (field already set). */
static int value_test(struct lower *l, enum ir_field f, const FieldDef *fd,
		      int fam, const Expr *v, struct ir_test *t)
{
	t->field = f;
	if (is_addr_field(f)) {
		if (v->kind == E_LIT && (v->lit.kind == LIT_IP ||
					 v->lit.kind == LIT_CIDR)) {
			if (v->lit.ip.family != fam)
				goto bad;
			t->op = IR_PREFIX;
			memcpy(t->addr, v->lit.ip.addr, 16);
			t->plen = v->lit.ip.prefix;
			return 0;
		}
		int n = literal_count(v);
		if (n >= 0 && n <= INLINE_SET_MAX) {
			t->op = IR_ANY;
			t->alts = arena_alloc(l->a, sizeof(*t->alts) * (n + 1));
			for (int i = 0; i < n; i++) {
				if (value_test(l, f, fd, fam, v->items[i],
					       &t->alts[t->nalts]) == 0)
					t->nalts++;
			}
			return 0;
		}
		struct ir_set *s = set_for(l, v, fam == 4 ? IR_SET_CIDR4
							  : IR_SET_CIDR6,
					   v->kind == E_NAME ? v->name
					   : v->kind == E_FIELD ? v->field
								: "literal",
					   v->span);
		int cap = s ? s->nentries : 0;
		if (!s || (s->nentries == 0 && fill_set(l, s, v, fam, &cap, 0)))
			return -1;
		t->op = IR_IN_SET;
		t->set = s - l->ir->sets;
		return 0;
	}
	if (f == IRF_SPORT || f == IRF_DPORT) {
		if (v->kind == E_LIT && (v->lit.kind == LIT_PORT ||
					 v->lit.kind == LIT_PORTRANGE)) {
			t->op = v->lit.port.lo == v->lit.port.hi ? IR_EQ
								 : IR_RANGE;
			t->lo = v->lit.port.lo;
			t->hi = v->lit.port.hi;
			return 0;
		}
		int n = literal_count(v);
		if (n >= 0 && n <= INLINE_SET_MAX) {
			t->op = IR_ANY;
			t->alts = arena_alloc(l->a, sizeof(*t->alts) * (n + 1));
			for (int i = 0; i < n; i++)
				if (value_test(l, f, fd, fam, v->items[i],
					       &t->alts[t->nalts]) == 0)
					t->nalts++;
			return 0;
		}
		struct ir_set *s = set_for(l, v, IR_SET_PORT,
					   v->kind == E_NAME ? v->name
							     : "literal",
					   v->span);
		int cap = s ? s->nentries : 0;
		if (!s || (s->nentries == 0 && fill_set(l, s, v, fam, &cap, 0)))
			return -1;
		t->op = IR_IN_SET;
		t->set = s - l->ir->sets;
		return 0;
	}
	if (f == IRF_ICMP_TYPE || f == IRF_ICMP_CODE) {
		if (v->kind == E_SET) {
			t->op = IR_ANY;
			t->alts = arena_alloc(l->a, sizeof(*t->alts) *
						      (v->nitems + 1));
			for (int i = 0; i < v->nitems; i++)
				if (value_test(l, f, fd, fam, v->items[i],
					       &t->alts[t->nalts]) == 0)
					t->nalts++;
			return 0;
		}
		if (enum_value(fd, v, &t->lo) == 0) {
			t->op = IR_EQ;
			t->hi = t->lo;
			return 0;
		}
	}
	if (is_scalar_field(f)) {
		if (v->kind == E_SET) {
			t->op = IR_ANY;
			t->alts = arena_alloc(l->a, sizeof(*t->alts) *
						      (v->nitems + 1));
			for (int i = 0; i < v->nitems; i++) {
				if (value_test(l, f, fd, fam, v->items[i],
					       &t->alts[t->nalts]))
					return -1;
				t->alts[t->nalts++].idx = t->idx;
			}
			return 0;
		}
		int64_t n = -1;
		if (v->kind == E_LIT && v->lit.kind == LIT_INT)
			n = (int64_t)v->lit.u;
		else if (v->kind == E_NAME && f == IRF_FRAG_IS)
			n = !strcmp(v->name, "True") ? 1 :
			    !strcmp(v->name, "False") ? 0 : -1;
		else if (v->kind == E_NAME && f == IRF_L4)
			n = proto_number(v->name);
		if (n >= 0 && (uint64_t)n <= field_max(f)) {
			t->op = IR_EQ;
			t->lo = t->hi = (uint64_t)n;
			return 0;
		}
	}
bad:
	unsupported(l, v->span, "this value in a header test");
	return -1;
}

/* Turn the IR_EQ test t into `field op t->lo` for an ordering op. */
static int order_test(struct lower *l, Span at, BinOp op, struct ir_test *t)
{
	uint64_t v = t->lo, max = field_max(t->field);
	if (t->op != IR_EQ || !is_scalar_field(t->field) ||
	    t->field == IRF_FRAG_IS || t->field == IRF_L3) {
		if (t->field == IRF_SPORT || t->field == IRF_DPORT)
			max = 0xffff;
		else if (t->field == IRF_ICMP_CODE)
			max = 0xff;	/* code is an Int (type an enum) */
		else {
			unsupported(l, at, "an ordering comparison of this "
					   "field or value");
			return -1;
		}
		if (t->op != IR_EQ) {
			unsupported(l, at, "an ordering comparison with a port "
					   "range or set");
			return -1;
		}
	}
	if ((op == OP_LT && v == 0) || (op == OP_GT && v >= max)) {
		t->op = IR_ANY;	/* no alternative: never holds */
		t->nalts = 0;
		return 0;
	}
	t->op = IR_RANGE;
	t->lo = op == OP_LT || op == OP_LE ? 0 : op == OP_GT ? v + 1 : v;
	t->hi = op == OP_LT ? v - 1 : op == OP_LE ? v : max;
	return 0;
}

/* A field the data plane's parser does not keep (struct fwl_pkt). */
static void unparsed_field(struct lower *l, Span at, const char *field,
			   const char *con)
{
	diag_error(l->d, at, E_BAD_FIELD, "field '%s' of %s is not compiled: "
		   "the data plane's parser does not keep it (docs/bundle.md, "
		   "\"What does not compile\")", field, con);
	l->failed = 1;
}

/* A header pattern: `_`, a binder, or `name { field op value, ... }`. */
static void lower_header(struct lower *l, const Pat *p, const HeaderDef *h)
{
	const char *bname = NULL;
	if (p->kind == P_WILD)
		return;
	if (p->kind == P_VAR)
		bname = p->name;
	else if (p->kind == P_RECORD)
		bname = p->name;
	else {
		unsupported(l, p->span, "this kind of header pattern");
		return;
	}
	if (bname && l->nbinders < MAX_BINDERS)
		l->binders[l->nbinders++] = (struct binder){
			bname, h->fields, h->fam, h->layer, h->con,
			l->vlan_depth };
	if (p->kind != P_RECORD)
		return;
	for (int i = 0; i < p->nfields; i++) {
		const PatField *pf = p->fields[i];
		const FieldDef *fd = header_field(h, pf->name);
		enum ir_field f = fd ? field_of(h->con, pf->name, h->fam)
				     : (enum ir_field)-1;
		if ((int)f < 0 && fd && fd->kind == TY_MAC) {
			unsupported(l, pf->span, "a MAC address test");
			continue;
		}
		if ((int)f < 0) {
			unparsed_field(l, pf->name_span, pf->name, h->con);
			continue;
		}
		int negate = pf->op == OP_NE || pf->op == OP_NOTIN;
		struct ir_test *t = add_test(l, pf->span);
		if (!t)
			return;
		t->idx = l->vlan_depth;
		if (value_test(l, f, fd, h->fam, pf->value, t) ||
		    (pf->op >= OP_LT && pf->op <= OP_GE &&
		     order_test(l, pf->span, pf->op, t))) {
			l->ntests--;
			continue;
		}
		t->negate = negate;
	}
}

static int con_is(const Pat *p, const char *name, int nargs)
{
	return p->kind == P_CON && !strcmp(p->name, name) &&
	       p->nargs == nargs;
}

static void bad_con(struct lower *l, const Pat *p, const char *layer,
		    const char *expected)
{
	diag_error(l->d, p->span, E_BAD_CON, "expected %s here, at the %s "
		   "layer", expected, layer);
	l->failed = 1;
}

#define PAYLOAD_BYTES 16	/* FWL_PAYLOAD_BYTES in bpf/policy.h */

/* [0x01 _ 0x02 _*]: byte tests and a length test on the payload. */
static void lower_bytes(struct lower *l, const Pat *p)
{
	int n = 0, rest = 0;
	for (int i = 0; i < p->nbytes; i++) {
		if (p->bytes[i] == PB_REST) {
			rest = 1;
			break;
		}
		n++;
		if (p->bytes[i] == PB_ANY)
			continue;
		if (i >= PAYLOAD_BYTES) {
			diag_error(l->d, p->span, E_LIMIT, "byte patterns may "
				   "test the first %d payload bytes",
				   PAYLOAD_BYTES);
			l->failed = 1;
			return;
		}
		struct ir_test *t = add_test(l, p->span);
		if (!t)
			return;
		t->field = IRF_PAYLOAD;
		t->op = IR_EQ;
		t->idx = i;
		t->lo = t->hi = (uint64_t)p->bytes[i];
	}
	struct ir_test *t = add_test(l, p->span);
	if (!t)
		return;
	t->field = IRF_PAYLOAD_LEN;
	t->op = rest ? IR_RANGE : IR_EQ;
	t->lo = n;
	t->hi = rest ? 65535 : n;
	l->ir->uses_payload = true;
}

/* `udp { length = 156 }` in a named (UDPHeader, Bytes) pattern: the UDP
 * length is the payload's plus the 8-byte header. */
static void lower_udp_named(struct lower *l, const Pat *h)
{
	if (h->kind == P_WILD || h->kind == P_VAR)
		return;
	if (h->kind != P_RECORD) {
		unsupported(l, h->span, "this UDP header pattern");
		return;
	}
	for (int i = 0; i < h->nfields; i++) {
		const PatField *pf = h->fields[i];
		if (!strcmp(pf->name, "length") && pf->op == OP_EQ &&
		    pf->value->kind == E_LIT && pf->value->lit.kind == LIT_INT &&
		    pf->value->lit.u >= 8) {
			struct ir_test *t = add_test(l, pf->span);
			if (!t)
				return;
			t->field = IRF_PAYLOAD_LEN;
			t->op = IR_EQ;
			t->lo = t->hi = pf->value->lit.u - 8;
			continue;
		}
		HeaderDef h1 = *header_by_con("UDP");
		struct ir_test *t = add_test(l, pf->span);
		const FieldDef *fd = header_field(&h1, pf->name);
		enum ir_field f = fd ? field_of("UDP", pf->name, 4)
				     : (enum ir_field)-1;
		if (!t || (int)f < 0 ||
		    value_test(l, f, fd, 4, pf->value, t)) {
			if (t)
				l->ntests--;
			if ((int)f < 0)
				unsupported(l, pf->span, "this UDP field test");
		}
	}
}

/* A named pattern of type (UDPHeader, Bytes): pattern P = (udp {..}, [..]) */
static int lower_named_l4(struct lower *l, const Pat *p)
{
	const Decl *d = check_decl_of(l->c, p);
	const Pat *v = d && d->kind == D_PATTERN ? d->pat : NULL;
	if (!v || v->kind != P_TUPLE || v->nargs != 2)
		return -1;
	add_eq(l, p->span, IRF_L4, 17);
	add_eq(l, p->span, IRF_FRAG_LATER, 0);	/* as lower_l4 */
	l->ir->uses_frag = true;
	lower_udp_named(l, v->args[0]);
	if (v->args[1]->kind == P_BYTES)
		lower_bytes(l, v->args[1]);
	else if (!is_any(v->args[1]))
		unsupported(l, v->args[1]->span, "this payload pattern");
	return 0;
}

/* L4: TCP(h, payload) | UDP(h, payload) | ICMP(h, payload) | ... */
static void lower_l4(struct lower *l, const Pat *p, int fam)
{
	static const char *const cons[] = { "TCP", "UDP", "ICMP", "ICMPv6" };
	if (p->kind == P_AS)
		p = p->as;
	if (is_any(p))
		return;
	if (p->kind == P_CON && p->nargs == 0 && lower_named_l4(l, p) == 0)
		return;
	if (con_is(p, "Fragment", 2)) {
		/* a non-first fragment whose first was not seen: no
		   transport header to test */
		add_eq(l, p->span, IRF_FRAG_LATER, 1);
		l->ir->uses_frag = true;
		if (!is_any(p->args[0])) {
			unsupported(l, p->args[0]->span, "this protocol pattern "
				    "of Fragment(..)");
		}
		if (!is_any(p->args[1]))
			unsupported(l, p->args[1]->span, "a payload pattern of "
				    "Fragment(..) (a later fragment's bytes are "
				    "not parsed)");
		return;
	}
	for (size_t i = 0; i < sizeof(cons) / sizeof(*cons); i++) {
		if (!con_is(p, cons[i], 2))
			continue;
		const HeaderDef *h = header_by_con(cons[i]);
		if (h->fam && h->fam != fam) {
			diag_error(l->d, p->span, E_BAD_CON,
				   "%s cannot be carried in IPv%d", cons[i],
				   fam);
			l->failed = 1;
			return;
		}
		add_eq(l, p->span, IRF_L4, h->proto);
		/* a later fragment has no transport header: it is a
		   Fragment(proto, payload), not this -- unless its first
		   fragment was seen (frag.h gives it the first's ports) */
		add_eq(l, p->span, IRF_FRAG_LATER, 0);
		l->ir->uses_frag = true;
		HeaderDef hf = *h;
		hf.fam = fam;
		lower_header(l, p->args[0], &hf);
		if (p->args[1]->kind == P_BYTES)
			lower_bytes(l, p->args[1]);
		else if (!is_any(p->args[1]))
			unsupported(l, p->args[1]->span, "this payload pattern");
		return;
	}
	if (p->kind == P_CON)
		unsupported(l, p->span, "a named pattern at the transport "
					"layer");
	else
		bad_con(l, p, "transport", "TCP(..), UDP(..), ICMP(..), "
					   "ICMPv6(..) or _");
}

/* L3: IPv4(h, l4) | IPv6(h, l4) | VLAN(h, l3) */
static void lower_l3(struct lower *l, const Pat *p)
{
	if (is_any(p))
		return;
	if (con_is(p, "VLAN", 2)) {
		/* at least one more tag; its id is p->vlan[depth] */
		if (l->vlan_depth == FWL_VLAN_MAX) {
			diag_error(l->d, p->span, E_LIMIT, "the data plane "
				   "parses at most %d VLAN tags (a frame with "
				   "more is invalid)", FWL_VLAN_MAX);
			l->failed = 1;
			return;
		}
		struct ir_test *t = add_test(l, p->span);
		if (!t)
			return;
		t->field = IRF_VLAN_TAGS;
		t->op = IR_RANGE;
		t->lo = (uint64_t)l->vlan_depth + 1;
		t->hi = 255;
		lower_header(l, p->args[0], header_by_con("VLAN"));
		l->vlan_depth++;
		lower_l3(l, p->args[1]);
		l->vlan_depth--;
		return;
	}
	int fam = con_is(p, "IPv4", 2) ? 4 : con_is(p, "IPv6", 2) ? 6 : 0;
	if (!fam) {
		bad_con(l, p, "network", "IPv4(header, payload), IPv6(header, "
					 "payload), VLAN(header, payload) or _");
		return;
	}
	add_eq(l, p->span, IRF_L3, fam == 4 ? 0x0800 : 0x86dd);
	/* Ether(_, IPv4(..)) is an untagged frame: a tagged one is
	   Ether(_, VLAN(v, IPv4(..))); under n VLAN(..) layers, n tags */
	add_eq(l, p->span, IRF_VLAN_TAGS, (uint64_t)l->vlan_depth);
	lower_header(l, p->args[0], header_by_con(p->name));
	lower_l4(l, p->args[1], fam);
}

/*
 * Interfaces
 */

/* Interface bits of a name (an interface, `lo` or a zone), or of a set
 * literal of them.  0 and an error when it is neither. */
static uint64_t iface_bits(struct lower *l, const Expr *e, int depth)
{
	if (depth > 16)
		return 0;
	if (e->kind == E_SET) {
		uint64_t m = 0;
		for (int i = 0; i < e->nitems; i++)
			m |= iface_bits(l, e->items[i], depth + 1);
		return m;
	}
	if (e->kind == E_NAME) {
		int bit = check_iface_index(l->c, e->name);
		if (bit >= 0 && bit < 64)
			return 1ull << bit;
		const Decl *d = check_decl_of(l->c, e);
		if (d && d->kind == D_ZONE && d->value)
			return iface_bits(l, d->value, depth + 1);
	}
	unsupported(l, e->span, "this interface expression");
	return 0;
}

static uint64_t pat_iface_bits(struct lower *l, const Pat *p)
{
	int bit = check_iface_index(l->c, p->name);
	if (bit >= 0 && bit < 64)
		return 1ull << bit;
	const Decl *d = check_decl_of(l->c, p);
	if (d && d->kind == D_ZONE && d->value)
		return iface_bits(l, d->value, 0);
	return 0;	/* a binder: tests nothing */
}

static void add_iface_test(struct lower *l, Span at, enum ir_field f,
			   uint64_t bits, int negate)
{
	struct ir_test *t = add_test(l, at);
	if (!t)
		return;
	t->field = f;
	t->op = IR_MASK;
	t->lo = bits;
	t->negate = negate;
	l->ir->uses_ifaces = true;
}

/* One side of `in -> out`: _, a binder, a name, or `x ∈ zone`. */
static void lower_iface(struct lower *l, const Pat *p, enum ir_field f)
{
	if (p->kind == P_WILD)
		return;
	if (p->kind == P_VAR) {
		uint64_t bits = pat_iface_bits(l, p);
		if (bits)
			add_iface_test(l, p->span, f, bits, 0);
		return;
	}
	if (p->kind == P_IN) {
		uint64_t bits = iface_bits(l, p->set, 0);
		add_iface_test(l, p->span, f, bits, p->op == OP_NOTIN);
		return;
	}
	unsupported(l, p->span, "this interface pattern");
}

/* Frame(ifaces, Ether(eth, l3)) | Frame(ifaces) | _ | binder */
static void lower_frame(struct lower *l, const Pat *p)
{
	if (p->kind == P_WILD || p->kind == P_VAR)
		return;
	if (p->kind != P_CON || strcmp(p->name, "Frame") ||
	    p->nargs < 1 || p->nargs > 2) {
		bad_con(l, p, "frame", "Frame(interfaces, Ether(..)) or _");
		return;
	}
	const Pat *ifs = p->args[0];
	if (ifs->kind == P_ARROW) {
		lower_iface(l, ifs->sub, IRF_IIF);
		lower_iface(l, ifs->to, IRF_OIF);
	} else {
		lower_iface(l, ifs, IRF_IIF);
	}
	if (p->nargs == 1)
		return;
	const Pat *eth = p->args[1];
	if (eth->kind == P_WILD || eth->kind == P_VAR)
		return;
	if (!con_is(eth, "Ether", 2)) {
		bad_con(l, eth, "link", "Ether(header, payload) or _");
		return;
	}
	/* the ethertype is the one after the VLAN tags, as the
	   interpreter's (and netfilter's) */
	lower_header(l, eth->args[0], header_by_con("Ether"));
	lower_l3(l, eth->args[1]);
}

/*
 * Guards
 */

static struct ir_cond *cond_new(struct lower *l, enum ir_cond_kind k)
{
	struct ir_cond *c = arena_alloc(l->a, sizeof(*c));
	c->kind = k;
	return c;
}

static const struct binder *binder_named(struct lower *l, const char *name)
{
	for (int i = l->nbinders - 1; i >= 0; i--)
		if (l->binders[i].name == name ||
		    !strcmp(l->binders[i].name, name))
			return &l->binders[i];
	return NULL;
}

static struct ir_cond *lower_guard(struct lower *l, const Expr *e);

/* Conntrack: ct.state / ct.status / ct.direction against enum values. */
static const struct {
	const char *field, *value;
	enum ir_field f;
	uint64_t v;
} ct_values[] = {
	{ "state", "New", IRF_CT_STATE, FWL_CT_NEW },
	{ "state", "Established", IRF_CT_STATE, FWL_CT_ESTABLISHED },
	{ "state", "Related", IRF_CT_STATE, FWL_CT_RELATED },
	{ "state", "Invalid", IRF_CT_STATE, FWL_CT_INVALID },
	{ "state", "Untracked", IRF_CT_STATE, FWL_CT_UNTRACKED },
	{ "status", "DNAT", IRF_CT_STATUS, FWL_CT_S_DNAT },
	{ "status", "SNAT", IRF_CT_STATUS, FWL_CT_S_SNAT },
	{ "status", "Expected", IRF_CT_STATUS, FWL_CT_S_EXPECTED },
	{ "status", "Assured", IRF_CT_STATUS, FWL_CT_S_ASSURED },
	{ "status", "SeenReply", IRF_CT_STATUS, FWL_CT_S_SEEN_REPLY },
	{ "direction", "Original", IRF_CT_DIR, FWL_CT_DIR_ORIG },
	{ "direction", "Reply", IRF_CT_DIR, FWL_CT_DIR_REPLY },
};

/* One value (or a set of them) of a ct field as a test. */
static int ct_value(struct lower *l, const char *field, const Expr *v,
		    struct ir_test *t)
{
	if (v->kind == E_SET) {
		t->op = IR_ANY;
		t->alts = arena_alloc(l->a, sizeof(*t->alts) * (v->nitems + 1));
		for (int i = 0; i < v->nitems; i++) {
			if (ct_value(l, field, v->items[i], &t->alts[t->nalts]))
				return -1;
			t->nalts++;
		}
		/* All status bits at once: one mask test. */
		if (!strcmp(field, "status")) {
			uint64_t m = 0;
			for (int i = 0; i < t->nalts; i++)
				m |= t->alts[i].lo;
			t->op = IR_MASK;
			t->lo = m;
		}
		t->field = t->nalts ? t->alts[0].field : IRF_CT_STATE;
		return 0;
	}
	for (size_t i = 0; v->kind == E_NAME &&
			   i < sizeof(ct_values) / sizeof(*ct_values); i++) {
		if (strcmp(ct_values[i].field, field) ||
		    strcmp(ct_values[i].value, v->name))
			continue;
		t->field = ct_values[i].f;
		t->op = t->field == IRF_CT_STATUS ? IR_MASK : IR_EQ;
		t->lo = t->hi = ct_values[i].v;
		return 0;
	}
	if (!strcmp(field, "helper") && v->kind == E_LIT &&
	    v->lit.kind == LIT_STR) {
		if (strcmp(v->lit.str.s, "ftp")) {
			unsupported(l, v->span, "a helper other than \"ftp\"");
			return -1;
		}
		t->field = IRF_CT_HELPER;
		t->op = IR_EQ;
		t->lo = t->hi = FWL_CT_HELPER_FTP;
		l->ir->uses_helper = true;
		return 0;
	}
	unsupported(l, v->span, "this conntrack value");
	return -1;
}

/* The bit of a TcpFlag value (Fin 0x01 ... Cwr 0x80, the header's order),
 * or -1. */
static int tcp_flag_bit(const Expr *v)
{
	const EnumDef *e = enum_by_name("TcpFlag");
	int i = e && v->kind == E_NAME ? enum_index(e, v->name) : -1;
	return i >= 0 && i < 8 ? 1 << i : -1;
}

/* A `flags` field of a TCP header binder. */
static int is_tcp_flags(struct lower *l, const Expr *fe)
{
	const struct binder *b;
	if (fe->kind != E_FIELD || fe->lhs->kind != E_NAME ||
	    strcmp(fe->field, "flags"))
		return 0;
	b = binder_named(l, fe->lhs->name);
	return b && b->layer == 4;
}

/* Syn ∈ tcp.flags (one bit set), tcp.flags == {Syn, Ack} (exactly those) */
static struct ir_cond *lower_flags(struct lower *l, const Expr *e)
{
	struct ir_cond *c = cond_new(l, IRC_TEST);
	uint64_t m = 0;
	c->test.field = IRF_TCP_FLAGS;
	c->test.negate = e->op == OP_NE || e->op == OP_NOTIN;
	if (e->op == OP_IN || e->op == OP_NOTIN) {
		int bit = tcp_flag_bit(e->lhs);
		if (bit < 0) {
			unsupported(l, e->lhs->span, "this TCP flag");
			return NULL;
		}
		c->test.op = IR_MASK;
		c->test.lo = (uint64_t)bit;
		return c;
	}
	const Expr *v = is_tcp_flags(l, e->lhs) ? e->rhs : e->lhs;
	if (v->kind != E_SET) {
		unsupported(l, v->span, "a comparison of tcp.flags with "
					"anything but a set of flags");
		return NULL;
	}
	for (int i = 0; i < v->nitems; i++) {
		int bit = tcp_flag_bit(v->items[i]);
		if (bit < 0) {
			unsupported(l, v->items[i]->span, "this TCP flag");
			return NULL;
		}
		m |= (uint64_t)bit;
	}
	c->test.op = IR_EQ;
	c->test.lo = c->test.hi = m;
	return c;
}

static int field_test(struct lower *l, const Expr *fe, const Expr *v,
		      struct ir_test *t);
static struct ir_cond *dns_member_cond(struct lower *l, const Expr *e,
				       int *bad);

/* (ip.dst, tcp.dport) ∈ values(m): one of the map's (address, port)
 * values.  Compiled inline: the forward maps it is for are small. */
static struct ir_cond *lower_tuple_in_values(struct lower *l, const Expr *e)
{
	const Expr *tup = e->lhs, *call = e->rhs;
	const Decl *d = call->nargs == 1 && call->args[0]->kind == E_NAME ?
				check_decl_of(l->c, call->args[0]) : NULL;
	const Expr *m = d && d->kind == D_LET ? d->value : NULL;
	if (!m || m->kind != E_MAP || m->nitems > 16 || tup->nitems != 2) {
		unsupported(l, e->span, "this membership in values(..)");
		return NULL;
	}
	struct ir_cond *any = NULL;
	for (int i = 0; i < m->nitems; i++) {
		const Expr *v = m->items[i];
		if (v->kind != E_TUPLE || v->nitems != 2) {
			unsupported(l, v->span, "this map value");
			return NULL;
		}
		struct ir_cond *a = cond_new(l, IRC_TEST);
		struct ir_cond *b = cond_new(l, IRC_TEST);
		if (field_test(l, tup->items[0], v->items[0], &a->test) ||
		    field_test(l, tup->items[1], v->items[1], &b->test))
			return NULL;
		struct ir_cond *both = cond_new(l, IRC_AND);
		both->a = a;
		both->b = b;
		if (!any) {
			any = both;
		} else {
			struct ir_cond *o = cond_new(l, IRC_OR);
			o->a = any;
			o->b = both;
			any = o;
		}
	}
	if (!any) {	/* an empty map: nothing is in it */
		any = cond_new(l, IRC_TEST);
		any->test.op = IR_ANY;
	}
	if (e->op == OP_NOTIN) {
		struct ir_cond *n = cond_new(l, IRC_NOT);
		n->a = any;
		return n;
	}
	return any;
}

/* lhs op rhs where lhs is iif/oif or a bound header's field. */
static struct ir_cond *lower_compare(struct lower *l, const Expr *e)
{
	const Expr *lhs = e->lhs, *rhs = e->rhs;
	int negate = e->op == OP_NE || e->op == OP_NOTIN;
	struct ir_cond *c = cond_new(l, IRC_TEST);

	int bad = 0;
	struct ir_cond *dc = dns_member_cond(l, e, &bad);
	if (dc || bad)
		return dc;

	if (lhs->kind == E_TUPLE && rhs->kind == E_CALL &&
	    rhs->fn->kind == E_NAME && !strcmp(rhs->fn->name, "values") &&
	    (e->op == OP_IN || e->op == OP_NOTIN))
		return lower_tuple_in_values(l, e);

	if (((e->op == OP_IN || e->op == OP_NOTIN) && is_tcp_flags(l, rhs)) ||
	    ((e->op == OP_EQ || e->op == OP_NE) &&
	     (is_tcp_flags(l, lhs) || is_tcp_flags(l, rhs))))
		return lower_flags(l, e);

	if (lhs->kind == E_NAME &&
	    (!strcmp(lhs->name, "iif") || !strcmp(lhs->name, "oif"))) {
		c->test.field = lhs->name[0] == 'i' ? IRF_IIF : IRF_OIF;
		c->test.op = IR_MASK;
		c->test.lo = iface_bits(l, rhs, 0);
		c->test.negate = negate;
		l->ir->uses_ifaces = true;
		return c;
	}
	if (lhs->kind == E_FIELD && lhs->lhs->kind == E_NAME &&
	    !strcmp(lhs->lhs->name, "ct")) {
		if (ct_value(l, lhs->field, rhs, &c->test))
			return NULL;
		c->test.negate = negate;
		l->ir->uses_ct = true;
		return c;
	}
	if (lhs->kind == E_FIELD && lhs->lhs->kind == E_NAME &&
	    binder_named(l, lhs->lhs->name)) {
		if (field_test(l, lhs, rhs, &c->test))
			return NULL;
		c->test.negate = negate;
		return c;
	}
	unsupported(l, e->span, "this comparison in a guard");
	return NULL;
}

/* binder.field == v as a test (binder from the arm's header patterns). */
static int field_test(struct lower *l, const Expr *fe, const Expr *v,
		      struct ir_test *t)
{
	const struct binder *b = fe->kind == E_FIELD &&
					 fe->lhs->kind == E_NAME ?
				 binder_named(l, fe->lhs->name) : NULL;
	HeaderDef h = { 0 };
	if (!b) {
		unsupported(l, fe->span, "this field");
		return -1;
	}
	h.fam = b->fam;
	h.fields = b->fields;
	const FieldDef *fd = header_field(&h, fe->field);
	enum ir_field f = fd ? field_of(b->con, fe->field, b->fam)
			     : (enum ir_field)-1;
	if ((int)f < 0) {
		if (fd && fd->kind == TY_MAC)
			unsupported(l, fe->span, "a MAC address test");
		else if (fd)
			unparsed_field(l, fe->span, fe->field, b->con);
		else
			unsupported(l, fe->span, "a test of this field");
		return -1;
	}
	memset(t, 0, sizeof(*t));
	t->idx = b->idx;
	return value_test(l, f, fd, b->fam, v, t);
}

/* binder.field < n (<=, >, >=): a range of the field. */
static struct ir_cond *lower_order(struct lower *l, const Expr *e)
{
	struct ir_cond *c = cond_new(l, IRC_TEST);
	if (e->lhs->kind != E_FIELD || e->lhs->lhs->kind != E_NAME ||
	    !binder_named(l, e->lhs->lhs->name)) {
		unsupported(l, e->span, "an ordering comparison whose left "
					"side is not a header field");
		return NULL;
	}
	if (field_test(l, e->lhs, e->rhs, &c->test) ||
	    order_test(l, e->span, e->op, &c->test))
		return NULL;
	return c;
}

/* guard = guard && guard | guard || guard | not guard | comparison */
static struct ir_cond *lower_guard(struct lower *l, const Expr *e)
{
	struct ir_cond *c;
	switch (e->kind) {
	case E_BINARY:
		switch (e->op) {
		case OP_AND:
		case OP_OR:
			c = cond_new(l, e->op == OP_AND ? IRC_AND : IRC_OR);
			c->a = lower_guard(l, e->lhs);
			c->b = lower_guard(l, e->rhs);
			return c->a && c->b ? c : NULL;
		case OP_EQ:
		case OP_NE:
		case OP_IN:
		case OP_NOTIN:
			return lower_compare(l, e);
		case OP_LT:
		case OP_LE:
		case OP_GT:
		case OP_GE:
			return lower_order(l, e);
		default:
			break;
		}
		break;
	case E_NOT:
		c = cond_new(l, IRC_NOT);
		c->a = lower_guard(l, e->lhs);
		return c->a ? c : NULL;
	case E_FIELD:
		/* a Bool header field: `if ip.fragment` */
		if (e->lhs->kind == E_NAME && binder_named(l, e->lhs->name)) {
			c = cond_new(l, IRC_TEST);
			Expr one = { .kind = E_LIT, .span = e->span };
			one.lit.kind = LIT_INT;
			one.lit.u = 1;
			if (field_test(l, e, &one, &c->test))
				return NULL;
			if (c->test.field != IRF_FRAG_IS) {
				unsupported(l, e->span, "this field as a guard");
				return NULL;
			}
			return c;
		}
		break;
	default:
		break;
	}
	unsupported(l, e->span, "this guard");
	return NULL;
}

/*
 * Arms, rules, policies
 */

static int rule_index(struct lower *l, const Decl *rule);

/* DNATMap(m): m is a `let` map {(proto, :port) -> (addr, :port), ...}. */
static int lower_dnat_map(struct lower *l, const Expr *arg)
{
	const Decl *d = arg->kind == E_NAME ? check_decl_of(l->c, arg) : NULL;
	const Expr *m = d && d->kind == D_LET ? d->value : NULL;
	struct ir_prog *ir = l->ir;

	if (!m || m->kind != E_MAP) {
		unsupported(l, arg->span, "DNATMap of anything but a named "
					  "map literal");
		return -1;
	}
	if (ir->dnat_key && ir->dnat_key != d) {
		unsupported(l, arg->span, "a second DNATMap map");
		return -1;
	}
	if (ir->dnat_key)
		return 0;
	ir->dnat_key = d;
	ir->dnat = arena_alloc(l->a, sizeof(*ir->dnat) * (m->nitems + 1));
	for (int i = 0; i < m->nitems; i++) {
		const Expr *k = m->keys[i], *v = m->items[i];
		struct ir_dnat *e = &ir->dnat[ir->ndnat];
		if (k->kind != E_TUPLE || k->nitems != 2 ||
		    v->kind != E_TUPLE || v->nitems != 2 ||
		    k->items[0]->kind != E_NAME || k->items[1]->kind != E_LIT ||
		    v->items[0]->kind != E_LIT || v->items[1]->kind != E_LIT) {
			unsupported(l, k->span, "this DNATMap entry");
			return -1;
		}
		int proto = proto_number(k->items[0]->name);
		const Lit *port = &k->items[1]->lit, *addr = &v->items[0]->lit,
			  *to = &v->items[1]->lit;
		if ((proto != 6 && proto != 17) || port->kind != LIT_PORT ||
		    addr->kind != LIT_IP || to->kind != LIT_PORT) {
			unsupported(l, k->span, "this DNATMap entry (tcp or "
					        "udp, a port, an address)");
			return -1;
		}
		e->proto = proto;
		e->port = port->port.lo;
		e->family = addr->ip.family;
		memcpy(e->addr, addr->ip.addr, 16);
		e->to_port = to->port.lo;
		ir->ndnat++;
	}
	return 0;
}

/* A literal of kind k: written in place, or the value of a `let`. */
static const Lit *const_lit(struct lower *l, const Expr *e, int kind)
{
	if (e->kind == E_NAME) {
		const Decl *d = check_decl_of(l->c, e);
		e = d && d->kind == D_LET ? d->value : NULL;
	}
	return e && e->kind == E_LIT && (int)e->lit.kind == kind ? &e->lit
								  : NULL;
}

/* One backend of a set: an address, or (address, port).  The checker
 * refuses a prefix (E0623) and more than FWL_NAT_SET_SIZE backends of a
 * family (E0624) first; the errors here only guard the backend. */
static int natset_backend(struct lower *l, const Expr *e, uint8_t *family,
			  uint8_t addr[16], uint16_t *port)
{
	const Expr *a = e, *p = NULL;
	if (e->kind == E_TUPLE && e->nitems == 2) {
		a = e->items[0];
		p = e->items[1];
	}
	const Lit *la = const_lit(l, a, LIT_IP);
	const Lit *lp = p ? const_lit(l, p, LIT_PORT) : NULL;
	if (!la || (p && !lp) ||
	    la->ip.prefix != (la->ip.family == 4 ? 32 : 128)) {
		unsupported(l, e->span, "a backend other than a constant "
					"address (and port)");
		return -1;
	}
	*family = la->ip.family;
	memcpy(addr, la->ip.addr, 16);
	*port = lp ? lp->port.lo : 0;
	return 0;
}

static int natset_be_cmp(const void *x, const void *y)
{
	const uint8_t *a = x, *b = y;	/* addr[16] then port */
	int c = memcmp(a, b, 16);
	if (c)
		return c;
	uint16_t pa, pb;
	memcpy(&pa, a + 16, 2);
	memcpy(&pb, b + 16, 2);
	return (pa > pb) - (pa < pb);
}

/* DNAT(set) / SNAT(set): the set literal (or a `let` of one) becomes a
 * set of fwl_nat_sets per family, its backends in canonical order. */
static int lower_nat_set(struct lower *l, const Expr *e, const Expr *set,
			 struct ir_nat_target *t)
{
	struct ir_prog *ir = l->ir;
	struct ir_natset fam[2];
	memset(fam, 0, sizeof(fam));
	fam[0].family = 4;
	fam[1].family = 6;
	for (int i = 0; i < set->nitems; i++) {
		uint8_t f, addr[16];
		uint16_t port;
		if (natset_backend(l, set->items[i], &f, addr, &port))
			return -1;
		struct ir_natset *s = &fam[f == 6];
		int dup = 0;
		for (int j = 0; j < s->n; j++)
			dup |= !memcmp(s->be[j].addr, addr, 16) &&
			       s->be[j].port == port;
		if (dup)
			continue;
		if (s->n == FWL_NAT_SET_SIZE) {
			diag_error(l->d, set->span, E_LIMIT, "a backend set "
				   "has more than %d IPv%d backends",
				   FWL_NAT_SET_SIZE, f);
			l->failed = 1;
			return -1;
		}
		memcpy(s->be[s->n].addr, addr, 16);
		s->be[s->n].port = port;
		s->n++;
	}
	t->is_set = true;
	t->set4 = t->set6 = -1;
	for (int k = 0; k < 2; k++) {
		if (!fam[k].n)
			continue;
		if (ir->nnatsets == FWL_NAT_SETS_MAX) {
			diag_error(l->d, e->span, E_LIMIT, "more than %d "
				   "backend sets", FWL_NAT_SETS_MAX);
			l->failed = 1;
			return -1;
		}
		qsort(fam[k].be, (size_t)fam[k].n, sizeof(fam[k].be[0]),
		      natset_be_cmp);
		struct ir_natset *ns = arena_alloc(l->a, sizeof(*ns) *
					(size_t)(ir->nnatsets + 1));
		if (ir->nnatsets)
			memcpy(ns, ir->natsets,
			       sizeof(*ns) * (size_t)ir->nnatsets);
		ns[ir->nnatsets] = fam[k];
		ir->natsets = ns;
		*(k ? &t->set6 : &t->set4) = ir->nnatsets++;
	}
	return 0;
}

/* DNAT(addr) | DNAT(addr, :port) | DNAT((addr, :port)) | DNAT(set),
 * SNAT alike. */
static int lower_nat_target(struct lower *l, const Expr *e,
			    struct ir_nat_target *t)
{
	const Expr *addr = e->args[0], *port = e->nargs > 1 ? e->args[1]
							    : NULL;
	const Expr *set = addr;
	if (set->kind == E_NAME) {
		const Decl *d = check_decl_of(l->c, set);
		set = d && d->kind == D_LET ? d->value : NULL;
	}
	if (!port && set && set->kind == E_SET)
		return lower_nat_set(l, e, set, t);
	if (e->nargs == 1 && addr->kind == E_TUPLE && addr->nitems == 2) {
		port = addr->items[1];
		addr = addr->items[0];
	}
	const Lit *a = const_lit(l, addr, LIT_IP);
	const Lit *p = port ? const_lit(l, port, LIT_PORT) : NULL;
	if (!a || (port && !p)) {
		unsupported(l, e->span, "a NAT target other than a constant "
					"address (and port) or a set of them");
		return -1;
	}
	t->family = a->ip.family;
	memcpy(t->addr, a->ip.addr, 16);
	t->port = p ? p->port.lo : 0;
	return 0;
}

static struct ir_act *act_new(struct lower *l, enum ir_act_kind k)
{
	struct ir_act *a = arena_alloc(l->a, sizeof(*a));
	a->kind = k;
	return a;
}

static struct ir_act *leaf(struct lower *l, enum ir_action action)
{
	struct ir_act *a = act_new(l, IRA_LEAF);
	a->action = action;
	return a;
}

/* The id of a Log.emit message template (deduplicated). */
static int log_message(struct lower *l, const char *s)
{
	struct ir_prog *ir = l->ir;
	for (int i = 0; i < ir->nlog_messages; i++)
		if (!strcmp(ir->log_messages[i], s))
			return i;
	const char **n = arena_alloc(l->a, sizeof(*n) *
					       (ir->nlog_messages + 1));
	if (ir->nlog_messages)
		memcpy(n, ir->log_messages, sizeof(*n) * ir->nlog_messages);
	n[ir->nlog_messages] = arena_strndup(l->a, s, strlen(s));
	ir->log_messages = n;
	return ir->nlog_messages++;
}

/* The index of the feed called name in the IR (added, with its source,
 * on first use): ThreatFeed imports and DNS name sets alike. */
static int feed_of(struct lower *l, const char *name, const char *source,
		   const char *op)
{
	struct ir_prog *ir = l->ir;
	int k;
	for (k = 0; k < ir->nfeeds; k++)
		if (!strcmp(ir->feeds[k].name, name))
			return k;
	struct ir_feed *n = arena_alloc(l->a, sizeof(*n) * (k + 1));
	if (k)
		memcpy(n, ir->feeds, sizeof(*n) * k);
	n[k].name = name;
	n[k].source = source;
	n[k].op = op;
	ir->feeds = n;
	ir->nfeeds++;
	return k;
}

/* A test "the packet's src/dst (field) is in feed k". */
static void feed_test(struct ir_test *t, const char *field, int k)
{
	t->field = field[0] == 's' ? IRF_FEED_SRC : IRF_FEED_DST;
	t->op = IR_EQ;
	t->idx = k;
	t->lo = t->hi = 1;
}

/* The feed that holds the addresses of DNS name lit ("dns:NAME"). */
static int dns_feed(struct lower *l, const Expr *lit, const char *op)
{
	const char *name = lit->lit.str.s;
	size_t len = lit->lit.str.len;
	if (!len || len > 253 || strspn(name, "abcdefghijklmnopqrstuvwxyz"
		   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:") != len) {
		unsupported(l, lit->span, "a DNS name that is not a host name");
		return -1;
	}
	char *src = arena_alloc(l->a, len + 5);
	snprintf(src, len + 5, "dns:%s", name);
	return feed_of(l, src, src, op);
}

/* `perform DNS.resolve("name")`: the name's addresses as a set. */
static int is_dns_resolve(const Expr *pf)
{
	return pf->kind == E_PERFORM && pf->fn->kind == E_FIELD &&
	       pf->fn->lhs->kind == E_NAME &&
	       !strcmp(pf->fn->lhs->name, "DNS") &&
	       !strcmp(pf->fn->field, "resolve");
}

/* The feed of DNS.resolve("name"): the same "dns:NAME" LPM tries as
 * DNS.resolves("name", a), which fwld refills every --dns-interval. */
static int dns_resolve_feed(struct lower *l, const Expr *pf)
{
	if (pf->nargs != 1 || pf->args[0]->kind != E_LIT ||
	    pf->args[0]->lit.kind != LIT_STR) {
		unsupported(l, pf->span, "DNS.resolve of anything but a string "
					 "literal");
		return -1;
	}
	return dns_feed(l, pf->args[0], "DNS.resolve");
}

/* ip.src ∈ ns (∉) where ns is bound to a DNS.resolve name set: a feed
 * test; NULL when rhs is not such a name. */
static struct ir_cond *dns_member_cond(struct lower *l, const Expr *e,
				       int *bad)
{
	const Expr *lhs = e->lhs, *rhs = e->rhs;
	if ((e->op != OP_IN && e->op != OP_NOTIN) || rhs->kind != E_NAME)
		return NULL;
	for (int i = l->nevars - 1; i >= 0; i--) {
		if (strcmp(l->evars[i].name, rhs->name))
			continue;
		if (l->evars[i].feed < 0)
			return NULL;
		const struct binder *b = lhs->kind == E_FIELD &&
				lhs->lhs->kind == E_NAME ?
				binder_named(l, lhs->lhs->name) : NULL;
		if (!b || b->layer != 3 || (strcmp(lhs->field, "src") &&
					    strcmp(lhs->field, "dst"))) {
			unsupported(l, e->span, "a membership in a DNS.resolve "
				    "set of anything but an IP header's src or "
				    "dst");
			*bad = 1;
			return NULL;
		}
		struct ir_cond *c = cond_new(l, IRC_TEST);
		feed_test(&c->test, lhs->field, l->evars[i].feed);
		c->test.negate = e->op == OP_NOTIN;
		return c;
	}
	return NULL;
}

/* The boolean result of `perform E.op(args)` as a test. */
static int effect_test(struct lower *l, const Expr *pf, struct ir_test *t)
{
	const char *eff = pf->fn->lhs->name, *op = pf->fn->field;
	memset(t, 0, sizeof(*t));
	if (!strcmp(eff, "RateLimit") && !strcmp(op, "check") &&
	    pf->nargs == 1) {
		const Expr *r = pf->args[0];
		if (r->kind == E_NAME) {
			const Decl *d = check_decl_of(l->c, r);
			r = d && d->kind == D_LET ? d->value : r;
		}
		if (r->kind == E_LIT && r->lit.kind == LIT_RATE &&
		    r->lit.rate.per_ms) {
			uint64_t pps = r->lit.rate.count * 1000 /
				       r->lit.rate.per_ms;
			t->field = IRF_RATELIMIT;
			t->op = IR_EQ;
			t->lo = pps ? pps : 1;
			t->hi = t->lo;	/* burst: one second's worth */
			l->ir->uses_ratelimit = true;
			return 0;
		}
	}
	if (!strcmp(eff, "ThreatFeed") && !strcmp(op, "lookup") &&
	    pf->nargs == 2 && pf->args[0]->kind == E_NAME &&
	    pf->args[1]->kind == E_FIELD &&
	    (!strcmp(pf->args[1]->field, "src") ||
	     !strcmp(pf->args[1]->field, "dst"))) {
		const Decl *d = check_decl_of(l->c, pf->args[0]);
		if (!d || d->kind != D_IMPORT || !d->from ||
		    strncmp(d->from, "file:", 5)) {
			unsupported(l, pf->args[0]->span, "a feed that is not "
				    "imported from \"file:PATH\"");
			return -1;
		}
		feed_test(t, pf->args[1]->field,
			  feed_of(l, d->name, d->from, "ThreatFeed.lookup"));
		return 0;
	}
	/* DNS.resolves("name", ip.src|dst): fwld keeps the name's addresses
	 * in a feed's LPM tries (source "dns:NAME"), so it is a feed test. */
	if (!strcmp(eff, "DNS") && !strcmp(op, "resolves") &&
	    pf->nargs == 2 && pf->args[0]->kind == E_LIT &&
	    pf->args[0]->lit.kind == LIT_STR &&
	    pf->args[1]->kind == E_FIELD &&
	    (!strcmp(pf->args[1]->field, "src") ||
	     !strcmp(pf->args[1]->field, "dst"))) {
		int k = dns_feed(l, pf->args[0], "DNS.resolves");
		if (k < 0)
			return -1;
		feed_test(t, pf->args[1]->field, k);
		return 0;
	}
	if (!strcmp(eff, "FIB") && !strcmp(op, "daddrLocal") &&
	    pf->nargs == 1 && pf->args[0]->kind == E_FIELD &&
	    !strcmp(pf->args[0]->field, "dst")) {
		t->field = IRF_DST_LOCAL;
		t->op = IR_EQ;
		t->lo = t->hi = 1;
		l->ir->uses_dst_local = true;
		return 0;
	}
	unsupported(l, pf->span, "this effect");
	return -1;
}

/* The flow pattern `flow` (a D_FLOW) as an ir_flow; its index. */
static int flow_index(struct lower *l, const Decl *fd)
{
	struct ir_prog *ir = l->ir;
	for (int i = 0; i < ir->nflows; i++)
		if (ir->flows[i].name == fd->name)
			return i;
	if (fd->nsteps > FWL_SEQ_MAX_STEPS) {
		diag_error(l->d, fd->name_span, E_LIMIT, "a flow of %d steps; "
			   "the per-flow state holds %d", fd->nsteps,
			   FWL_SEQ_MAX_STEPS);
		l->failed = 1;
		return -1;
	}
	if (ir->nflows == 8) {	/* FWL_MAX_FLOWS, bpf/policy.h */
		diag_error(l->d, fd->name_span, E_LIMIT, "more than 8 flow "
			   "patterns are checked");
		l->failed = 1;
		return -1;
	}
	/* seq.h keys flows as conntrack does (fwl_ct_key_make), but needs
	 * no connection tracking */
	struct ir_flow *n = arena_alloc(l->a, sizeof(*n) * (ir->nflows + 1));
	if (ir->nflows)
		memcpy(n, ir->flows, sizeof(*n) * ir->nflows);
	ir->flows = n;
	struct ir_flow *f = &ir->flows[ir->nflows];
	f->name = fd->name;
	f->nsteps = fd->nsteps;
	f->window_ms = fd->has_within ? fd->within.u : 0;
	f->steps = arena_alloc(l->a, sizeof(*f->steps) * fd->nsteps);
	f->nsteps_tests = arena_alloc(l->a, sizeof(int) * fd->nsteps);
	/* Lower each step on its own (save the arm being lowered). */
	struct ir_test saved[MAX_TESTS];
	int snt = l->ntests;
	memcpy(saved, l->tests, sizeof(saved));
	for (int i = 0; i < fd->nsteps; i++) {
		l->ntests = 0;
		if (fd->steps[i]->kind != P_CON ||
		    lower_named_l4(l, fd->steps[i])) {
			unsupported(l, fd->steps[i]->span, "this flow step");
			break;
		}
		f->steps[i] = arena_memdup(l->a, l->tests, sizeof(*l->tests) *
						(l->ntests ? l->ntests : 1));
		f->nsteps_tests[i] = l->ntests;
	}
	memcpy(l->tests, saved, sizeof(saved));
	l->ntests = snt;
	return ir->nflows++;
}

/* `perform FlowMatch.check(flowOf(..), F)`: a test of F's state. */
static int flow_check_test(struct lower *l, const Expr *pf,
			   struct ir_test *t)
{
	const Expr *fe = pf->nargs == 2 ? pf->args[1] : NULL;
	const Decl *fd = fe && fe->kind == E_NAME ? check_decl_of(l->c, fe)
						  : NULL;
	if (!fd || fd->kind != D_FLOW) {
		unsupported(l, pf->span, "this FlowMatch.check");
		return -1;
	}
	memset(t, 0, sizeof(*t));
	t->field = IRF_FLOW;
	t->op = IR_EQ;
	t->idx = flow_index(l, fd);
	t->lo = t->hi = FWL_SEQ_MATCHED;
	return t->idx < 0 ? -1 : 0;
}


static struct ir_cond *effect_var_cond(struct lower *l, const Expr *e)
{
	for (int i = l->nevars - 1; e->kind == E_NAME && i >= 0; i--) {
		if (!strcmp(l->evars[i].name, e->name) &&
		    l->evars[i].feed < 0) {
			struct ir_cond *c = cond_new(l, IRC_TEST);
			c->test = l->evars[i].test;
			return c;
		}
	}
	return NULL;
}

static struct ir_act *lower_act(struct lower *l, const Expr *e, int depth);

#define LOG_TEMPLATE_MAX 256	/* bytes of a message template */

/* Append part e of a Log.emit message to the template t (*n bytes so far):
 * a string literal (braces doubled), `show B.F` of a header field the log
 * record carries ({src} {dst} {sport} {dport} {proto} {flags} {itype}
 * {icode} {ttl} {tos} {dscp} {vlan0} {vlan1}: maps/events.h,
 * loader/logmsg.c), or a ++ of those.  -1 (reported) for anything the data plane cannot format. */
static int log_part(struct lower *l, const Expr *e, char *t, size_t *n)
{
	if (e->kind == E_BINARY && e->op == OP_CONCAT)
		return log_part(l, e->lhs, t, n) || log_part(l, e->rhs, t, n);
	if (e->kind == E_LIT && e->lit.kind == LIT_STR) {
		for (uint32_t i = 0; i < e->lit.str.len; i++) {
			char c = e->lit.str.s[i];
			if (!c || *n + 3 >= LOG_TEMPLATE_MAX)
				goto bad;
			if (c == '{' || c == '}')
				t[(*n)++] = c;
			t[(*n)++] = c;
		}
		t[*n] = 0;
		return 0;
	}
	if (e->kind == E_CALL && e->fn->kind == E_NAME &&
	    !strcmp(e->fn->name, "show") && e->nargs == 1 &&
	    e->args[0]->kind == E_FIELD && e->args[0]->lhs->kind == E_NAME) {
		const Expr *fe = e->args[0];
		const struct binder *b = binder_named(l, fe->lhs->name);
		HeaderDef h = { 0 };
		const FieldDef *fd = NULL;
		if (b) {
			h.fam = b->fam;
			h.fields = b->fields;
			fd = header_field(&h, fe->field);
		}
		enum ir_field f = fd ? field_of(b->con, fe->field, b->fam) : (enum ir_field)-1;
		if (fd && b->con && !strcmp(b->con, "TCP") &&
		    !strcmp(fe->field, "flags"))
			f = IRF_TCP_FLAGS;
		const char *ph = f == IRF_SRC4 || f == IRF_SRC6 ? "{src}"
			       : f == IRF_DST4 || f == IRF_DST6 ? "{dst}"
			       : f == IRF_SPORT ? "{sport}"
			       : f == IRF_DPORT ? "{dport}"
			       : f == IRF_L4 ? "{proto}"
			       : f == IRF_TCP_FLAGS ? "{flags}"
			       : f == IRF_ICMP_TYPE ? "{itype}"
			       : f == IRF_ICMP_CODE ? "{icode}"
			       : f == IRF_TTL ? "{ttl}"
			       : f == IRF_TOS ? "{tos}"
			       : f == IRF_DSCP ? "{dscp}"
			       : f == IRF_VLAN_ID ? (b->idx ? "{vlan1}"
							    : "{vlan0}")
			       : NULL;
		if (ph && *n + strlen(ph) < LOG_TEMPLATE_MAX) {
			strcpy(t + *n, ph);
			*n += strlen(ph);
			return 0;
		}
	}
bad:
	unsupported(l, e->span, "this part of a Log.emit message (the data "
		    "plane formats string literals and `show` of a header's "
		    "src, dst, sport, dport, protocol, TCP flags, ICMP type "
		    "or code, TTL, TOS, DSCP or VLAN id, up to 255 bytes)");
	return -1;
}

/* Log.emit(Level, MESSAGE) >> rest: the record names its message template
 * by id; fwld and the scenario backend format it from the record
 * (loader/logmsg.c), as the interpreter does from the values. */
static struct ir_act *lower_log(struct lower *l, const Expr *pf,
				const Expr *rest, int depth)
{
	static const struct { const char *name; int level; } levels[] = {
		{ "Debug", FWL_LOG_DEBUG }, { "Info", FWL_LOG_INFO },
		{ "Notice", FWL_LOG_INFO }, { "Warn", FWL_LOG_WARN },
		{ "Error", FWL_LOG_ERROR },
	};
	char t[LOG_TEMPLATE_MAX] = "";
	size_t n = 0;
	if (pf->nargs != 2 || pf->args[0]->kind != E_NAME) {
		unsupported(l, pf->span, "this Log.emit (a level and a "
					 "message)");
		return NULL;
	}
	if (log_part(l, pf->args[1], t, &n))
		return NULL;
	struct ir_act *a = act_new(l, IRA_LOG);
	a->level = FWL_LOG_INFO;
	for (size_t i = 0; i < sizeof(levels) / sizeof(*levels); i++)
		if (!strcmp(levels[i].name, pf->args[0]->name))
			a->level = levels[i].level;
	a->prefix = log_message(l, t);
	l->ir->uses_log = true;
	a->then_ = lower_act(l, rest, depth + 1);
	return a->then_ ? a : NULL;
}

/* The `let` a name refers to, its value. */
static const Expr *let_value(struct lower *l, const Expr *e, const Decl **dp)
{
	const Decl *d = e->kind == E_NAME ? check_decl_of(l->c, e) : NULL;
	if (dp)
		*dp = d;
	return d && d->kind == D_LET ? d->value : NULL;
}

/* The index of named counter `d` in fwl_named_cnt (by first use). */
static int counter_index(struct lower *l, const Decl *d)
{
	struct ir_prog *ir = l->ir;
	for (int i = 0; i < ir->ncounters; i++)
		if (!strcmp(ir->counters[i], d->name))
			return i;
	if (ir->ncounters == FWL_NAMED_CNT_MAX) {
		diag_error(l->d, d->name_span, E_LIMIT, "more than %d named "
			   "counters", FWL_NAMED_CNT_MAX);
		l->failed = 1;
		return -1;
	}
	const char **n = arena_alloc(l->a, sizeof(*n) * (ir->ncounters + 1));
	uint32_t *ids = arena_alloc(l->a, sizeof(*ids) * (ir->ncounters + 1));
	uint32_t id = (uint32_t)(ir_fnv1a64(d->name, strlen(d->name)) %
				 FWL_NAMED_CNT_MAX);
	for (int i = 0; i < ir->ncounters; i++)
		if (ir->counter_ids[i] == id) {	/* taken: the next one */
			id = (id + 1) % FWL_NAMED_CNT_MAX;
			i = -1;
		}
	if (ir->ncounters) {
		memcpy(n, ir->counters, sizeof(*n) * ir->ncounters);
		memcpy(ids, ir->counter_ids, sizeof(*ids) * ir->ncounters);
	}
	n[ir->ncounters] = d->name;
	ids[ir->ncounters] = id;
	ir->counters = n;
	ir->counter_ids = ids;
	return ir->ncounters++;
}

/* The helper number of a CtHelper { name = "ftp", ... } value. */
static int helper_of(struct lower *l, const Expr *arg)
{
	const Expr *v = let_value(l, arg, NULL);
	if (v && v->kind == E_CALL && v->nargs == 1)
		v = v->args[0];
	for (int i = 0; v && v->kind == E_RECORD && i < v->nfields; i++) {
		const Expr *x = v->fields[i]->value;
		if (strcmp(v->fields[i]->name, "name") || x->kind != E_LIT ||
		    x->lit.kind != LIT_STR)
			continue;
		if (!strcmp(x->lit.str.s, "ftp"))
			return FWL_CT_HELPER_FTP;
		unsupported(l, x->span, "a helper other than \"ftp\"");
		return -1;
	}
	unsupported(l, arg->span, "this helper (a `let` of CtHelper { name = "
				  "\"ftp\", ... })");
	return -1;
}

/* `stmt >> rest` where stmt performs an effect for its own sake:
 * Log.emit, Counter.add, Conntrack.setHelper, Conntrack.offload. */
static struct ir_act *lower_stmt(struct lower *l, const Expr *pf,
				 const Expr *rest, int depth)
{
	const char *eff, *op;
	struct ir_act *a;
	const Decl *d;
	if ((pf->kind != E_PERFORM && pf->kind != E_CALL) ||
	    pf->fn->kind != E_FIELD || pf->fn->lhs->kind != E_NAME) {
		unsupported(l, pf->span, "this effect before `>>`");
		return NULL;
	}
	eff = pf->fn->lhs->name;
	op = pf->fn->field;
	if (!strcmp(eff, "Log") && !strcmp(op, "emit"))
		return lower_log(l, pf, rest, depth);
	if (!strcmp(eff, "Counter") && !strcmp(op, "add") && pf->nargs == 1) {
		let_value(l, pf->args[0], &d);
		if (!d || d->kind != D_LET) {
			unsupported(l, pf->args[0]->span, "a counter that is "
				    "not a `let` of type Counter");
			return NULL;
		}
		a = act_new(l, IRA_COUNT);
		a->counter = counter_index(l, d);
		if (a->counter < 0)
			return NULL;
	} else if (!strcmp(eff, "Conntrack") && !strcmp(op, "setHelper") &&
		   pf->nargs == 1) {
		a = act_new(l, IRA_CT_HELPER);
		a->helper = helper_of(l, pf->args[0]);
		if (a->helper < 0)
			return NULL;
		l->ir->uses_ct = l->ir->uses_helper = true;
	} else if (!strcmp(eff, "Conntrack") && !strcmp(op, "offload") &&
		   pf->nargs == 1) {
		a = act_new(l, IRA_CT_OFFLOAD);
		l->ir->uses_ct = l->ir->uses_offload = true;
	} else {
		unsupported(l, pf->span, "this effect before `>>`");
		return NULL;
	}
	a->then_ = lower_act(l, rest, depth + 1);
	return a->then_ ? a : NULL;
}

static void lower_frame(struct lower *l, const Pat *p);

/* case frame of | arms, inside a rule's body: a nested first match. */
static struct ir_act *lower_match(struct lower *l, const Expr *e, int depth)
{
	struct ir_act *a = act_new(l, IRA_MATCH);
	struct ir_test saved[MAX_TESTS];
	struct binder sbind[MAX_BINDERS];
	int snt = l->ntests, snb = l->nbinders, ok = 1;
	memcpy(saved, l->tests, sizeof(saved));
	memcpy(sbind, l->binders, sizeof(sbind));
	a->arms = arena_alloc(l->a, sizeof(*a->arms) * (e->narms + 1));
	for (int j = 0; j < e->narms; j++) {
		const Arm *arm = e->arms[j];
		struct ir_arm *ia = &a->arms[a->narms++];
		l->ntests = 0;
		memset(ia, 0, sizeof(*ia));
		lower_frame(l, arm->pat);
		if (arm->guard)
			ia->guard = lower_guard(l, arm->guard);
		ia->act = lower_act(l, arm->body, depth + 1);
		ok &= ia->act != NULL && (!arm->guard || ia->guard);
		ia->ntests = l->ntests;
		ia->tests = arena_memdup(l->a, l->tests, sizeof(*l->tests) *
						(l->ntests ? l->ntests : 1));
		ia->index = j + 1;
		ia->line = arm->span.line;
		ia->col = arm->span.col;
		l->nbinders = snb;
	}
	memcpy(l->tests, saved, sizeof(saved));
	memcpy(l->binders, sbind, sizeof(sbind));
	l->ntests = snt;
	l->nbinders = snb;
	return ok ? a : NULL;
}

/* Is e the frame a rule or policy decides over (a Frame-typed name)? */
static int is_frame(struct lower *l, const Expr *e)
{
	const Ty *t = e->kind == E_NAME ? check_type_of(l->c, e) : NULL;
	return t && t->kind == TY_FRAME;
}

/* act = Allow | Drop | Continue | Masquerade | DNATMap(m) | rule(frame)
 *     | if cond then act else act
 *     | perform E.op(..) >>= \x -> act | perform Log.emit(..) >> act */
static struct ir_act *lower_act(struct lower *l, const Expr *e, int depth)
{
	struct ir_act *a;
	if (depth > 32) {
		unsupported(l, e->span, "an action nested this deeply");
		return NULL;
	}
	switch (e->kind) {
	case E_NAME:
		if (!strcmp(e->name, "Allow"))
			return leaf(l, IR_ALLOW);
		if (!strcmp(e->name, "Drop"))
			return leaf(l, IR_DROP);
		if (!strcmp(e->name, "Continue"))
			return leaf(l, IR_CONTINUE);
		if (!strcmp(e->name, "Masquerade")) {
			l->ir->uses_nat = l->ir->uses_ct = true;
			return leaf(l, IR_MASQ);
		}
		break;
	case E_CALL:
		if (e->fn->kind == E_NAME && e->nargs >= 1 && e->nargs <= 2 &&
		    (!strcmp(e->fn->name, "DNAT") ||
		     !strcmp(e->fn->name, "SNAT"))) {
			l->ir->uses_nat = l->ir->uses_ct = true;
			l->ir->uses_dnat |= e->fn->name[0] == 'D';
			a = leaf(l, e->fn->name[0] == 'D' ? IR_DNAT : IR_SNAT);
			return lower_nat_target(l, e, &a->nat) ? NULL : a;
		}
		if (e->fn->kind != E_NAME || e->nargs != 1)
			break;
		if (!strcmp(e->fn->name, "DNATMap")) {
			l->ir->uses_nat = l->ir->uses_ct = true;
			l->ir->uses_dnat = true;
			if (lower_dnat_map(l, e->args[0]))
				return NULL;
			return leaf(l, IR_DNAT_MAP);
		} else {
			/* A rule called with the frame: its Continue falls
			 * through to the next arm. */
			const Decl *d = check_decl_of(l->c, e->fn);
			if (!d || d->kind != D_RULE)
				break;
			a = leaf(l, IR_CALL);
			a->call = rule_index(l, d);
			return a->call < 0 ? NULL : a;
		}
	case E_CASE:
		if (is_frame(l, e->lhs))
			return lower_match(l, e, depth);
		/* case perform FlowMatch.check(..) of | Matched -> A | _ -> B */
		if (e->lhs->kind == E_PERFORM && e->lhs->fn->kind == E_FIELD &&
		    !strcmp(e->lhs->fn->lhs->name, "FlowMatch") &&
		    e->narms == 2 && e->arms[0]->pat->kind == P_CON &&
		    !strcmp(e->arms[0]->pat->name, "Matched") &&
		    !e->arms[0]->guard && !e->arms[1]->guard &&
		    e->arms[1]->pat->kind == P_WILD) {
			a = act_new(l, IRA_IF);
			a->cond = cond_new(l, IRC_TEST);
			if (flow_check_test(l, e->lhs, &a->cond->test))
				return NULL;
			a->then_ = lower_act(l, e->arms[0]->body, depth + 1);
			a->else_ = lower_act(l, e->arms[1]->body, depth + 1);
			return a->then_ && a->else_ ? a : NULL;
		}
		break;
	case E_IF:
		a = act_new(l, IRA_IF);
		a->cond = effect_var_cond(l, e->cond);
		if (!a->cond)
			a->cond = lower_guard(l, e->cond);
		a->then_ = lower_act(l, e->then_, depth + 1);
		a->else_ = lower_act(l, e->else_, depth + 1);
		return a->cond && a->then_ && a->else_ ? a : NULL;
	case E_BINARY:
		/* (a >> b) >> rest is a >> (b >> rest) */
		if (e->op == OP_THEN && e->lhs->kind == E_BINARY &&
		    e->lhs->op == OP_THEN) {
			Expr *r = arena_alloc(l->a, sizeof(*r));
			*r = *e;
			r->lhs = e->lhs->rhs;
			r->span = e->lhs->rhs->span;
			return lower_stmt(l, e->lhs->lhs, r, depth);
		}
		/* Log.emit(..) >> act, Counter.add(c) >> act, ... with or
		 * without `perform` */
		if (e->op == OP_THEN)
			return lower_stmt(l, e->lhs, e->rhs, depth);
		if (e->op == OP_BIND && e->lhs->kind == E_PERFORM &&
		    e->rhs->kind == E_LAMBDA && e->rhs->nparams == 1 &&
		    e->rhs->params[0]->kind == P_VAR &&
		    l->nevars < (int)(sizeof(l->evars) / sizeof(*l->evars))) {
			struct effect_var *v = &l->evars[l->nevars];
			v->feed = -1;
			if (is_dns_resolve(e->lhs)) {
				memset(&v->test, 0, sizeof(v->test));
				v->feed = dns_resolve_feed(l, e->lhs);
				if (v->feed < 0)
					return NULL;
			} else if (effect_test(l, e->lhs, &v->test))
				return NULL;
			v->name = e->rhs->params[0]->name;
			l->nevars++;
			a = lower_act(l, e->rhs->body, depth + 1);
			l->nevars--;
			return a;
		}
		break;
	default:
		break;
	}
	unsupported(l, e->span, "this action");
	return NULL;
}

/* The first leaf of an action tree: what the manifest calls its action. */
static const struct ir_act *first_leaf(const struct ir_act *a)
{
	while (a && a->kind != IRA_LEAF)
		a = a->kind == IRA_MATCH ? (a->narms ? a->arms[0].act : NULL)
					 : a->then_;
	return a;
}

/* The arm's source on one line, runs of white space folded to one space. */
static const char *arm_text(Arena *a, const Arm *arm)
{
	const char *s = source_get(arm->span.file)->text + arm->span.off;
	char *out = arena_alloc(a, arm->span.len + 1), *o = out;
	uint32_t n = arm->span.len;
	if (n && *s == '|')
		s++, n--;
	for (uint32_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '\n' || c == '\t' || c == '\r')
			c = ' ';
		if (c == ' ' && (o == out || o[-1] == ' '))
			continue;
		*o++ = c;
	}
	while (o > out && o[-1] == ' ')
		o--;
	*o = 0;
	return out;
}

static void lower_arm(struct lower *l, const Arm *arm, int index,
		      struct ir_arm *ia)
{
	l->ntests = 0;
	l->nbinders = 0;
	memset(ia, 0, sizeof(*ia));
	lower_frame(l, arm->pat);
	if (arm->guard)
		ia->guard = lower_guard(l, arm->guard);
	ia->act = lower_act(l, arm->body, 0);
	const struct ir_act *first = first_leaf(ia->act);
	if (first) {
		ia->action = first->action;
		ia->call = first->call;
	}
	ia->ntests = l->ntests;
	ia->tests = arena_memdup(l->a, l->tests,
				 sizeof(*l->tests) * (l->ntests ? l->ntests : 1));
	ia->index = index;
	ia->line = arm->span.line;
	ia->col = arm->span.col;
	ia->text = arm_text(l->a, arm);
}

/* A rule body that is not a top-level case: an arm with no tests. */
static void lower_rule_body(struct lower *l, const Arm *whole,
			    struct ir_arm *ia)
{
	struct ir_test saved[MAX_TESTS];
	struct binder sbind[MAX_BINDERS];
	int snt = l->ntests, snb = l->nbinders;
	memcpy(saved, l->tests, sizeof(saved));
	memcpy(sbind, l->binders, sizeof(sbind));
	l->ntests = 0;
	l->nbinders = 0;
	memset(ia, 0, sizeof(*ia));
	ia->act = lower_act(l, whole->body, 0);
	const struct ir_act *first = first_leaf(ia->act);
	if (first) {
		ia->action = first->action;
		ia->call = first->call;
	}
	ia->tests = arena_alloc(l->a, sizeof(*ia->tests));
	ia->index = 1;
	ia->line = whole->span.line;
	ia->col = whole->span.col;
	ia->text = arm_text(l->a, whole);
	memcpy(l->tests, saved, sizeof(saved));
	memcpy(l->binders, sbind, sizeof(sbind));
	l->ntests = snt;
	l->nbinders = snb;
}

/* A rule `\frame -> case frame of | arms` as an arm list. */
static int rule_index(struct lower *l, const Decl *rule)
{
	struct ir_prog *ir = l->ir;
	for (int i = 0; i < ir->nrules; i++)
		if (!strcmp(ir->rules[i].name, rule->name))
			return i;
	const Expr *v = rule->value;
	if (!v || v->kind != E_LAMBDA || v->nparams != 1 || !v->body) {
		unsupported(l, rule->name_span, "a rule that is not "
						"\\frame -> ...");
		return -1;
	}
	int idx = ir->nrules++;
	struct ir_policy *r = &ir->rules[idx];
	const Expr *cs = v->body;
	r->name = rule->name;
	r->is_rule = true;
	if (cs->kind != E_CASE || !is_frame(l, cs->lhs)) {
		/* Any other body: one arm that always holds; its Continue
		 * (or a nested case no arm of which holds) returns to the
		 * caller. */
		Arm whole = { .span = cs->span, .pat = NULL, .body =
			      (Expr *)cs };
		r->arms = arena_alloc(l->a, sizeof(*r->arms));
		lower_rule_body(l, &whole, &r->arms[r->narms++]);
		return idx;
	}
	r->arms = arena_alloc(l->a, sizeof(*r->arms) * (cs->narms + 1));
	/* Save the caller's arm state: rules are lowered from inside arms. */
	struct ir_test saved[MAX_TESTS];
	struct binder sbind[MAX_BINDERS];
	int snt = l->ntests, snb = l->nbinders;
	memcpy(saved, l->tests, sizeof(saved));
	memcpy(sbind, l->binders, sizeof(sbind));
	for (int j = 0; j < cs->narms; j++)
		lower_arm(l, cs->arms[j], j + 1, &r->arms[r->narms++]);
	memcpy(l->tests, saved, sizeof(saved));
	memcpy(l->binders, sbind, sizeof(sbind));
	l->ntests = snt;
	l->nbinders = snb;
	return idx;
}

static int lower_hook(struct lower *l, const Decl *d, enum ir_hook *out)
{
	const CheckPolicy *cp = check_policy(l->c, d);
	static const enum ir_hook map[HOOK_COUNT] = {
		[HOOK_PREROUTING] = IR_HOOK_PREROUTING,
		[HOOK_INPUT] = IR_HOOK_INPUT,
		[HOOK_FORWARD] = IR_HOOK_FORWARD,
		[HOOK_OUTPUT] = IR_HOOK_OUTPUT,
		[HOOK_POSTROUTING] = IR_HOOK_POSTROUTING,
	};
	if (!cp) {
		diag_error(l->d, d->name_span, E_BAD_HOOK,
			   "policy '%s' has no hook", d->name);
		l->failed = 1;
		return -1;
	}
	*out = map[cp->hook];
	if (cp->nat_table) {
		/* NAT chains see a flow's first packet: conntrack decides
		 * which one that is */
		l->ir->uses_ct = true;
	}
	if (*out == IR_HOOK_OUTPUT || *out == IR_HOOK_POSTROUTING)
		l->ir->has_egress = true;
	return 0;
}

static void lower_ifaces(struct lower *l, const Program *prog)
{
	struct ir_prog *ir = l->ir;
	ir->ifaces = arena_alloc(l->a, sizeof(*ir->ifaces) *
					       (prog->ndecls + 2));
	for (int i = 0; i < prog->ndecls; i++) {
		const Decl *d = prog->decls[i];
		if (d->kind != D_INTERFACE)
			continue;
		int bit = check_iface_index(l->c, d->name);
		if (bit < 0)
			continue;
		if (bit >= 64) {
			diag_error(l->d, d->name_span, E_LIMIT, "more than 63 "
				   "interfaces");
			l->failed = 1;
			continue;
		}
		struct ir_iface *f = &ir->ifaces[ir->nifaces++];
		f->name = d->name;
		f->bit = bit;
		for (int j = 0; j < d->nattrs; j++)
			if (!strcmp(d->attrs[j]->name, "dynamic"))
				f->dynamic = true;
	}
	int lo = check_iface_index(l->c, "lo");
	if (lo >= 0 && lo < 64) {
		struct ir_iface *f = &ir->ifaces[ir->nifaces++];
		f->name = "lo";
		f->bit = lo;
	}
}

int lower_program(const Program *prog, const Check *chk, Arena *a, Diags *d,
		  struct ir_prog *ir)
{
	struct lower l = { .a = a, .d = d, .c = chk, .ir = ir };
	int n = 0, nrules = 0;

	memset(ir, 0, sizeof(*ir));
	ir->source = prog->src->path;
	ir->hash = ir_fnv1a64(prog->src->text, prog->src->len);
	for (int i = 0; i < prog->ndecls; i++) {
		n += prog->decls[i]->kind == D_POLICY;
		nrules += prog->decls[i]->kind == D_RULE;
	}
	ir->policies = arena_alloc(a, sizeof(*ir->policies) * (n + 1));
	ir->rules = arena_alloc(a, sizeof(*ir->rules) * (nrules + 1));
	lower_ifaces(&l, prog);
	for (int i = 0; i < prog->ndecls; i++) {
		const Decl *dc = prog->decls[i];
		if (dc->kind != D_POLICY)
			continue;
		struct ir_policy *pol = &ir->policies[ir->npolicies++];
		pol->name = dc->name;
		lower_hook(&l, dc, &pol->hook);
		const CheckPolicy *cp = check_policy(l.c, dc);
		pol->nat_table = cp && cp->nat_table;
		pol->arms = arena_alloc(a, sizeof(*pol->arms) * (dc->narms + 1));
		for (int j = 0; j < dc->narms; j++)
			lower_arm(&l, dc->arms[j], j + 1,
				  &pol->arms[pol->narms++]);
	}
	if (!l.failed)
		ir_assign_rule_ids(ir);
	return l.failed ? -1 : 0;
}
