// SPDX-License-Identifier: MIT
/*
 * interp.c - evaluator over the AST and the packet path (see interp.h).
 *
 * Values are allocated in a per-packet scratch arena.  Evaluation errors
 * (an unmocked effect, no case arm matching, a value of the wrong kind)
 * longjmp back to interp_packet() with a message and the span at fault.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwlc/builtin.h"
#include "fwlc/effects_mock.h"
#include "fwlc/interp.h"
#include "maps/nat.h"

/*
 * Values
 */

enum VKind {
	V_UNIT, V_BOOL, V_INT, V_STR, V_IP, V_PORT, V_PROTO, V_CON, V_TUPLE,
	V_SET, V_MAP, V_RECORD, V_LAYER, V_HDR, V_BYTES, V_IFACE, V_IFPAIR,
	V_FN, V_CT, V_CTSTATUS, V_FLOWKEY, V_RATE, V_EFFOP, V_NAMEDSET,
	V_FLOWPAT, V_IFACE_DECL,
};

enum { L_FRAME, L_ETH, L_VLAN, L_L3, L_L4 };
enum { HD_ETH, HD_VLAN, HD_IPV4, HD_IPV6, HD_TCP, HD_UDP, HD_ICMP,
       HD_ICMPV6 };

typedef struct Value Value;
struct Value {
	int kind;
	union {
		bool b;
		uint64_t i;
		struct {
			const char *s;
			uint32_t n;
		} str;
		IPAddr ip;
		struct {
			uint16_t lo, hi;
		} port;
		struct {
			const char *name;
			Value **args;
			int n;
			const char **fnames;	/* V_RECORD */
		} con;
		struct {
			int layer, sub;
		} lay;
		struct {
			const uint8_t *p;
			int n;
		} bytes;
		const char *iface;
		struct {
			const Expr *lam;
			Env *env;
			const Decl *rule;
			const char *builtin;
		} fn;
		unsigned status;
		Tuple flow;
		struct {
			uint64_t count, per_ms;
		} rate;
		struct {
			const char *effect, *op;
		} eff;
		const Decl *decl;	/* V_NAMEDSET, V_FLOWPAT, V_IFACE_DECL */
	};
};

struct Env {
	const char *name;
	Value *v;
	Env *next;
};

static Value *eval(Interp *in, const Expr *e, Env *env);
static bool match(Interp *in, const Pat *p, Value *v, Env **env);

static void __attribute__((noreturn, format(printf, 3, 4)))
fail(Interp *in, Span at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(in->res->err, sizeof in->res->err, fmt, ap);
	va_end(ap);
	in->res->err_span = at;
	if (in->step)
		snprintf(in->step->action, sizeof in->step->action, "(error)");
	longjmp(in->fail, 1);
}

static Value *mk(Interp *in, int kind)
{
	Value *v = arena_alloc(&in->scratch, sizeof *v);
	v->kind = kind;
	return v;
}

static Value *mk_bool(Interp *in, bool b)
{
	Value *v = mk(in, V_BOOL);
	v->b = b;
	return v;
}

static Value *mk_int(Interp *in, uint64_t i)
{
	Value *v = mk(in, V_INT);
	v->i = i;
	return v;
}

static Value *mk_con(Interp *in, const char *name, int n)
{
	Value *v = mk(in, V_CON);
	v->con.name = name;
	v->con.n = n;
	v->con.args = n ? arena_alloc(&in->scratch, n * sizeof(Value *))
			: NULL;
	return v;
}

static Value *mk_str(Interp *in, const char *s)
{
	Value *v = mk(in, V_STR);
	v->str.s = arena_strndup(&in->scratch, s, strlen(s));
	v->str.n = (uint32_t)strlen(s);
	return v;
}

static Value *mk_port(Interp *in, uint16_t p)
{
	Value *v = mk(in, V_PORT);
	v->port.lo = v->port.hi = p;
	return v;
}

static Value *mk_ip(Interp *in, const PktAddr *a)
{
	Value *v = mk(in, V_IP);
	v->ip.family = a->family;
	v->ip.prefix = a->family == 4 ? 32 : 128;
	memcpy(v->ip.addr, a->a, 16);
	return v;
}

static Value *mk_layer(Interp *in, int layer, int sub)
{
	Value *v = mk(in, V_LAYER);
	v->lay.layer = layer;
	v->lay.sub = sub;
	return v;
}

static Value *mk_hdr(Interp *in, int hd, int sub)
{
	Value *v = mk(in, V_HDR);
	v->lay.layer = hd;
	v->lay.sub = sub;
	return v;
}

static Value *mk_iface(Interp *in, const char *name)
{
	Value *v = mk(in, V_IFACE);
	v->iface = name;
	return v;
}

static const char *kind_name(int k)
{
	static const char *n[] = {
		"()", "Bool", "Int", "String", "IP", "Port", "Protocol",
		"constructor", "tuple", "set", "map", "record", "layer",
		"header", "Bytes", "interface", "interfaces", "function",
		"ct", "ct.status", "flow", "Rate", "effect operation",
		"named set", "flow pattern", "interface",
	};
	return k >= 0 && k < (int)(sizeof n / sizeof n[0]) ? n[k] : "?";
}

/* Names (interned in the program arena, compared by content here). */
static bool is(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static void str_of(Interp *in, Value *v, char *buf, size_t size);

/*
 * The layered view of the current packet
 */

static const char *hdr_name(int hd)
{
	static const char *n[] = {"Ether", "VLAN", "IPv4", "IPv6", "TCP",
				  "UDP", "ICMP", "ICMPv6"};
	return n[hd];
}

/* The constructor name and arguments of a layer value. */
static const char *layer_view(Interp *in, Value *v, Value *args[2])
{
	Pkt *p = in->pkt;

	switch (v->lay.layer) {
	case L_FRAME: {
		Value *ifs = mk(in, V_IFPAIR);
		args[0] = ifs;
		args[1] = mk_layer(in, L_ETH, 0);
		return "Frame";
	}
	case L_ETH:
		args[0] = mk_hdr(in, HD_ETH, 0);
		args[1] = p->nvlan ? mk_layer(in, L_VLAN, 0)
				   : mk_layer(in, L_L3, 0);
		return "Ether";
	case L_VLAN:
		args[0] = mk_hdr(in, HD_VLAN, v->lay.sub);
		args[1] = v->lay.sub + 1 < p->nvlan
				  ? mk_layer(in, L_VLAN, v->lay.sub + 1)
				  : mk_layer(in, L_L3, 0);
		return "VLAN";
	case L_L3:
		args[1] = mk_layer(in, L_L4, 0);
		if (p->l3 == 4) {
			args[0] = mk_hdr(in, HD_IPV4, 0);
			return "IPv4";
		}
		if (p->l3 == 6) {
			args[0] = mk_hdr(in, HD_IPV6, 0);
			return "IPv6";
		}
		args[0] = mk_int(in, p->ethertype);
		args[1] = mk(in, V_BYTES);
		args[1]->bytes.p = p->payload;
		args[1]->bytes.n = p->paylen;
		return "OtherL3";
	default: {
		Value *pl = mk(in, V_BYTES);
		pl->bytes.p = p->payload;
		pl->bytes.n = p->paylen;
		args[1] = pl;
		if (!p->l4 || in->frag_later) {
			args[0] = mk_int(in, p->proto);
			return p->has_frag ? "Fragment" : "OtherL4";
		}
		switch (p->proto) {
		case PROTO_TCP:
			args[0] = mk_hdr(in, HD_TCP, 0);
			return "TCP";
		case PROTO_UDP:
			args[0] = mk_hdr(in, HD_UDP, 0);
			return "UDP";
		case PROTO_ICMP:
			args[0] = mk_hdr(in, HD_ICMP, 0);
			return "ICMP";
		default:
			args[0] = mk_hdr(in, HD_ICMPV6, 0);
			return "ICMPv6";
		}
	}
	}
}

static const struct {
	const char *name;
	int v4, v6;
} icmp_types[] = {
	{"EchoReply", 0, 129},
	{"DestUnreachable", 3, 1},
	{"Redirect", 5, 137},
	{"EchoRequest", 8, 128},
	{"TimeExceeded", 11, 3},
	{"ParameterProblem", 12, 4},
	{"PacketTooBig", -1, 2},
	{"RouterSolicitation", 10, 133},
	{"RouterAdvertisement", 9, 134},
	{"NeighborSolicitation", -1, 135},
	{"NeighborAdvertisement", -1, 136},
};

static Value *icmp_type_value(Interp *in, int v6, int type)
{
	for (size_t i = 0; i < sizeof icmp_types / sizeof icmp_types[0]; i++)
		if ((v6 ? icmp_types[i].v6 : icmp_types[i].v4) == type)
			return mk_con(in, icmp_types[i].name, 0);
	return mk_int(in, (uint64_t)type);
}

static const char *tcp_flag_names[] = {"Fin", "Syn", "Rst", "Psh", "Ack",
				       "Urg", "Ece", "Cwr"};

static Value *proto_value(Interp *in, int proto)
{
	Value *v = mk(in, V_PROTO);
	v->i = (uint64_t)proto;
	return v;
}

/* Field f of header h of the current packet; NULL if there is none. */
static Value *hdr_field(Interp *in, Value *h, const char *f)
{
	Pkt *p = in->pkt;

	switch (h->lay.layer) {
	case HD_ETH:
		if (is(f, "type") || is(f, "ethertype"))
			return mk_int(in, p->ethertype);
		if (is(f, "src") || is(f, "dst")) {
			char b[32];
			const uint8_t *m = is(f, "src") ? p->eth_src
							: p->eth_dst;
			snprintf(b, sizeof b, "%02x:%02x:%02x:%02x:%02x:%02x",
				 m[0], m[1], m[2], m[3], m[4], m[5]);
			return mk_str(in, b);
		}
		break;
	case HD_VLAN:
		if (is(f, "id") || is(f, "vid"))
			return mk_int(in, p->vlan_tci[h->lay.sub] & 0xfff);
		if (is(f, "pcp"))
			return mk_int(in, p->vlan_tci[h->lay.sub] >> 13);
		if (is(f, "dei"))
			return mk_int(in, (p->vlan_tci[h->lay.sub] >> 12) & 1);
		if (is(f, "tpid"))
			return mk_int(in, p->vlan_tpid[h->lay.sub]);
		break;
	case HD_IPV4:
	case HD_IPV6:
		if (is(f, "src"))
			return mk_ip(in, &p->src);
		if (is(f, "dst"))
			return mk_ip(in, &p->dst);
		if (is(f, "ttl") || is(f, "hoplimit") || is(f, "hop_limit"))
			return mk_int(in, p->ttl);
		if (is(f, "tos") || is(f, "tc") || is(f, "tclass"))
			return mk_int(in, p->tos);
		if (is(f, "dscp"))
			return mk_int(in, p->tos >> 2);
		if (is(f, "proto") || is(f, "protocol") || is(f, "nexthdr"))
			return proto_value(in, p->proto);
		if (is(f, "length") || is(f, "len"))
			return mk_int(in, p->ip_len);
		if (is(f, "id"))
			return mk_int(in, p->l3 == 6 ? p->frag_id6 : p->ip_id);
		if (is(f, "df"))
			return mk_bool(in, p->df);
		if (is(f, "mf"))
			return mk_bool(in, p->mf);
		if (is(f, "frag_off") || is(f, "fragoff"))
			return mk_int(in, p->frag_off);
		if (is(f, "fragment"))
			return mk_bool(in, p->has_frag);
		if (is(f, "flowlabel"))
			return mk_int(in, p->flowlabel);
		if (is(f, "ihl"))
			return mk_int(in, 5 + p->ip_optlen / 4);
		break;
	case HD_TCP:
	case HD_UDP:
		if (is(f, "sport"))
			return mk_port(in, p->sport);
		if (is(f, "dport"))
			return mk_port(in, p->dport);
		if (h->lay.layer == HD_UDP) {
			if (is(f, "length") || is(f, "len"))
				return mk_int(in, p->udp_len
						      ? p->udp_len
						      : (uint64_t)p->paylen + 8);
			break;
		}
		if (is(f, "seq"))
			return mk_int(in, p->seq);
		if (is(f, "ack") || is(f, "ackseq"))
			return mk_int(in, p->ack);
		if (is(f, "window"))
			return mk_int(in, p->window);
		if (is(f, "doff"))
			return mk_int(in, p->doff ? p->doff
						  : 5 + p->tcp_optlen / 4);
		if (is(f, "flags")) {
			int n = 0;
			for (int i = 0; i < 8; i++)
				n += !!(p->flags & (1 << i));
			Value *s = mk_con(in, NULL, n);
			s->kind = V_SET;
			n = 0;
			for (int i = 0; i < 8; i++)
				if (p->flags & (1 << i))
					s->con.args[n++] =
						mk_con(in, tcp_flag_names[i], 0);
			return s;
		}
		for (int i = 0; i < 8; i++) {
			char lower[8];
			snprintf(lower, sizeof lower, "%s", tcp_flag_names[i]);
			lower[0] = (char)(lower[0] - 'A' + 'a');
			if (is(f, lower) && i != 4)
				return mk_bool(in, p->flags & (1 << i));
		}
		break;
	case HD_ICMP:
	case HD_ICMPV6:
		if (is(f, "type"))
			return icmp_type_value(in, h->lay.layer == HD_ICMPV6,
					       p->icmp_type);
		if (is(f, "code"))
			return mk_int(in, p->icmp_code);
		if (is(f, "id"))
			return mk_int(in, p->icmp_id);
		if (is(f, "seq"))
			return mk_int(in, p->icmp_seq);
		break;
	}
	return NULL;
}

/*
 * Comparison and membership
 */

static bool ip_in(const IPAddr *a, const IPAddr *c)
{
	if (a->family != c->family || a->prefix < c->prefix)
		return false;
	int bits = c->prefix;
	for (int i = 0; i < 16 && bits > 0; i++, bits -= 8) {
		uint8_t m = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));
		if ((a->addr[i] & m) != (c->addr[i] & m))
			return false;
	}
	return true;
}

static int icmp_con_number(const char *name, bool v6)
{
	for (size_t i = 0; i < sizeof icmp_types / sizeof icmp_types[0]; i++)
		if (is(icmp_types[i].name, name))
			return v6 ? icmp_types[i].v6 : icmp_types[i].v4;
	return -1;
}

static bool veq(Interp *in, Value *a, Value *b)
{
	if (a->kind == V_CTSTATUS && b->kind == V_CON) {
		static const struct {
			const char *n;
			unsigned bit;
		} bits[] = {{"SeenReply", CTS_SEEN_REPLY},
			    {"Assured", CTS_ASSURED},
			    {"DNAT", CTS_DNAT},
			    {"SNAT", CTS_SNAT},
			    {"Expected", CTS_EXPECTED}};
		for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++)
			if (is(b->con.name, bits[i].n))
				return a->status & bits[i].bit;
		return false;
	}
	if (b->kind == V_CTSTATUS)
		return veq(in, b, a);
	if (a->kind == V_INT && b->kind == V_PORT)
		return b->port.lo == b->port.hi && a->i == b->port.lo;
	if (a->kind == V_PORT && b->kind == V_INT)
		return veq(in, b, a);
	if (a->kind == V_INT && b->kind == V_PROTO)
		return a->i == b->i;
	if (a->kind == V_PROTO && b->kind == V_INT)
		return a->i == b->i;
	if (a->kind == V_INT && b->kind == V_CON && b->con.n == 0)
		return icmp_con_number(b->con.name, in->pkt->l3 == 6) ==
		       (int)a->i;
	if (a->kind == V_CON && b->kind == V_INT)
		return veq(in, b, a);
	/* the Bool constructors True/False against a Bool field */
	if (a->kind == V_BOOL && b->kind == V_CON && b->con.n == 0 &&
	    (is(b->con.name, "True") || is(b->con.name, "False")))
		return a->b == is(b->con.name, "True");
	if (a->kind == V_CON && b->kind == V_BOOL)
		return veq(in, b, a);
	if (a->kind == V_IFACE_DECL)
		return b->kind == V_IFACE && is(a->decl->name, b->iface);
	if (b->kind == V_IFACE_DECL)
		return veq(in, b, a);
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case V_UNIT:
		return true;
	case V_BOOL:
		return a->b == b->b;
	case V_INT:
	case V_PROTO:
		return a->i == b->i;
	case V_STR:
		return a->str.n == b->str.n &&
		       memcmp(a->str.s, b->str.s, a->str.n) == 0;
	case V_IP:
		return a->ip.family == b->ip.family &&
		       a->ip.prefix == b->ip.prefix &&
		       memcmp(a->ip.addr, b->ip.addr, 16) == 0;
	case V_PORT:
		return a->port.lo == b->port.lo && a->port.hi == b->port.hi;
	case V_IFACE:
		return is(a->iface, b->iface);
	case V_CON:
		if (!is(a->con.name, b->con.name))
			return false;
		/* fall through */
	case V_TUPLE:
		if (a->con.n != b->con.n)
			return false;
		for (int i = 0; i < a->con.n; i++)
			if (!veq(in, a->con.args[i], b->con.args[i]))
				return false;
		return true;
	case V_FLOWKEY:
		return memcmp(&a->flow, &b->flow, sizeof a->flow) == 0;
	default:
		return a == b;
	}
}

#include <arpa/inet.h>

static bool parse_cidr(const char *s, IPAddr *out)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);

	if (n >= sizeof buf)
		return false;
	memcpy(buf, s, n);
	buf[n] = 0;
	memset(out, 0, sizeof *out);
	if (inet_pton(AF_INET, buf, out->addr) == 1)
		out->family = 4;
	else if (inet_pton(AF_INET6, buf, out->addr) == 1)
		out->family = 6;
	else
		return false;
	out->prefix = (uint8_t)(slash ? atoi(slash + 1)
				      : out->family == 4 ? 32 : 128);
	return true;
}

/* Membership in a builtin set: the one table fwlc/builtin.c keeps for the
   checker, the compiler and fwld (a copy here had drifted: "::/8" for
   bogons6's "::/128", "::1/128", "::/96" ...). */
static bool builtin_set_has(const char *from, Value *x, bool *known)
{
	const BuiltinSet *set = builtin_set(from);

	*known = set != NULL;
	if (!set || x->kind != V_IP)
		return false;
	for (int i = 0; i < set->n; i++) {
		IPAddr c;
		if (parse_cidr(set->cidrs[i], &c) && ip_in(&x->ip, &c))
			return true;
	}
	return false;
}

static Value *global(Interp *in, const char *name, Span at);

static bool vin(Interp *in, Value *x, Value *s, Span at)
{
	switch (s->kind) {
	case V_SET:
		for (int i = 0; i < s->con.n; i++)
			if (vin(in, x, s->con.args[i], at))
				return true;
		return false;
	case V_MAP:
		for (int i = 0; i < s->con.n; i += 2)
			if (veq(in, x, s->con.args[i]))
				return true;
		return false;
	case V_IP:
		return x->kind == V_IP && ip_in(&x->ip, &s->ip);
	case V_PORT:
		if (x->kind == V_PORT)
			return x->port.lo >= s->port.lo &&
			       x->port.hi <= s->port.hi;
		if (x->kind == V_INT)
			return x->i >= s->port.lo && x->i <= s->port.hi;
		return false;
	case V_NAMEDSET: {
		bool known;
		bool r = builtin_set_has(s->decl->from, x, &known);
		if (!known)
			fail(in, at, "set '%s' comes from \"%s\", which the "
				     "interpreter cannot read (builtin:rfc1918, "
				     "builtin:bogons4, builtin:bogons6 are known)",
			     s->decl->name, s->decl->from);
		return r;
	}
	case V_IFACE_DECL:
		return x->kind == V_IFACE && is(x->iface, s->decl->name);
	default:
		return veq(in, x, s);
	}
}

static int vcmp(Interp *in, Value *a, Value *b, Span at)
{
	uint64_t x, y;

	if (a->kind == V_INT || a->kind == V_PROTO)
		x = a->i;
	else if (a->kind == V_PORT)
		x = a->port.lo;
	else
		fail(in, at, "cannot order a %s", kind_name(a->kind));
	if (b->kind == V_INT || b->kind == V_PROTO)
		y = b->i;
	else if (b->kind == V_PORT)
		y = b->port.lo;
	else
		fail(in, at, "cannot order a %s", kind_name(b->kind));
	return x < y ? -1 : x > y;
}

static bool binop_test(Interp *in, int op, Value *a, Value *b, Span at)
{
	switch (op) {
	case OP_EQ:
		return veq(in, a, b);
	case OP_NE:
		return !veq(in, a, b);
	case OP_IN:
		return vin(in, a, b, at);
	case OP_NOTIN:
		return !vin(in, a, b, at);
	case OP_LT:
		return vcmp(in, a, b, at) < 0;
	case OP_LE:
		return vcmp(in, a, b, at) <= 0;
	case OP_GT:
		return vcmp(in, a, b, at) > 0;
	case OP_GE:
		return vcmp(in, a, b, at) >= 0;
	}
	fail(in, at, "operator %s is not a test", binop_str(op));
}

/*
 * Printing values (show, actions, traces)
 */

static void str_of(Interp *in, Value *v, char *buf, size_t size)
{
	char a[64];
	size_t o = 0;

	switch (v->kind) {
	case V_UNIT:
		snprintf(buf, size, "()");
		return;
	case V_BOOL:
		snprintf(buf, size, "%s", v->b ? "true" : "false");
		return;
	case V_INT:
		snprintf(buf, size, "%llu", (unsigned long long)v->i);
		return;
	case V_PROTO:
		snprintf(buf, size, "%s", v->i == 6 ? "tcp" : v->i == 17 ? "udp"
				  : v->i == 1 ? "icmp" : v->i == 58 ? "icmpv6"
							      : "proto");
		return;
	case V_STR:
		snprintf(buf, size, "%.*s", (int)v->str.n, v->str.s);
		return;
	case V_IP:
		ip_str(&v->ip, a, sizeof a);
		if (v->ip.prefix != (v->ip.family == 4 ? 32 : 128))
			snprintf(buf, size, "%s/%u", a, v->ip.prefix);
		else
			snprintf(buf, size, "%s", a);
		return;
	case V_PORT:
		if (v->port.lo == v->port.hi)
			snprintf(buf, size, ":%u", v->port.lo);
		else
			snprintf(buf, size, ":%u-%u", v->port.lo, v->port.hi);
		return;
	case V_IFACE:
		snprintf(buf, size, "%s", v->iface ? v->iface : "none");
		return;
	case V_CON:
	case V_TUPLE:
	case V_SET:
		if (v->kind == V_CON)
			o = (size_t)snprintf(buf, size, "%s", v->con.name);
		if (v->kind == V_CON && !v->con.n)
			return;
		if (o < size)
			o += (size_t)snprintf(buf + o, size - o, "%s",
					      v->kind == V_SET ? "{" : "(");
		for (int i = 0; i < v->con.n && o < size; i++) {
			char s[128];
			str_of(in, v->con.args[i], s, sizeof s);
			o += (size_t)snprintf(buf + o, size - o, "%s%s",
					      i ? ", " : "", s);
		}
		if (o < size)
			snprintf(buf + o, size - o, "%s",
				 v->kind == V_SET ? "}" : ")");
		return;
	default:
		snprintf(buf, size, "<%s>", kind_name(v->kind));
	}
}

/*
 * Globals
 */

static const Decl *find_decl(Interp *in, const char *name)
{
	for (int i = 0; i < in->prog->ndecls; i++)
		if (is(in->prog->decls[i]->name, name))
			return in->prog->decls[i];
	return NULL;
}

static const char *effect_names[] = {"ThreatFeed", "Log", "FlowMatch", "FIB",
				     "DNS", "Conntrack", "RateLimit",
				     "Counter", NULL};

static bool is_effect(const char *n)
{
	for (int i = 0; effect_names[i]; i++)
		if (is(effect_names[i], n))
			return true;
	return false;
}

static Value *global(Interp *in, const char *name, Span at)
{
	const Decl *d = find_decl(in, name);
	Value *v;

	if (d) {
		switch (d->kind) {
		case D_INTERFACE:
			v = mk(in, V_IFACE_DECL);
			v->decl = d;
			return v;
		case D_ZONE:
		case D_LET:
			return eval(in, d->value, NULL);
		case D_IMPORT:
			v = mk(in, V_NAMEDSET);
			v->decl = d;
			return v;
		case D_RULE:
			v = mk(in, V_FN);
			v->fn.rule = d;
			return v;
		case D_FLOW:
			v = mk(in, V_FLOWPAT);
			v->decl = d;
			return v;
		default:
			fail(in, at, "'%s' is a %s, not a value", name,
			     decl_kind_name(d->kind));
		}
	}
	if (is(name, "iif"))
		return mk_iface(in, in->iif);
	if (is(name, "oif"))
		return mk_iface(in, in->oif);
	if (is(name, "lo"))
		return mk_iface(in, "lo");
	if (is(name, "ct"))
		return mk(in, V_CT);
	if (is(name, "true") || is(name, "false"))
		return mk_bool(in, is(name, "true"));
	if (is(name, "tcp"))
		return proto_value(in, PROTO_TCP);
	if (is(name, "udp"))
		return proto_value(in, PROTO_UDP);
	if (is(name, "icmp"))
		return proto_value(in, PROTO_ICMP);
	if (is(name, "icmpv6"))
		return proto_value(in, PROTO_ICMPV6);
	if (is(name, "show") || is(name, "flowOf") || is(name, "values") ||
	    is(name, "keys")) {
		v = mk(in, V_FN);
		v->fn.builtin = name;
		return v;
	}
	if (name[0] >= 'A' && name[0] <= 'Z')
		return mk_con(in, name, 0);	/* Allow, Established, ... */
	fail(in, at, "unknown name '%s'", name);
}

/*
 * Conntrack, NAT, sequences: declared below
 */

static CtEntry *ct_alloc(Interp *in);
static void seq_key(const Tuple *t, Tuple *k);

static void effect_note(Interp *in, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void effect_note(Interp *in, const char *fmt, ...)
{
	char *e = in->step ? in->step->effects : in->res->after;
	size_t cap = in->step ? sizeof in->step->effects
			      : sizeof in->res->after;
	size_t o = strlen(e);
	if (o + 3 >= cap)
		return;
	if (o) {
		memcpy(e + o, "; ", 3);
		o += 2;
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e + o, cap - o, fmt, ap);
	va_end(ap);
}

static void to_fx(const Value *v, FxAddr *a)
{
	memset(a, 0, sizeof *a);
	a->family = v->ip.family;
	a->prefix = v->ip.prefix;
	memcpy(a->a, v->ip.addr, 16);
}

static Value *arg_ip(Interp *in, Value **args, int n, int i, Span at,
		     const char *op)
{
	if (i >= n || args[i]->kind != V_IP)
		fail(in, at, "%s: argument %d must be an IP address", op,
		     i + 1);
	return args[i];
}

/* The arm a log record names: the last one counted, i.e. the innermost
   arm whose body runs (a rule's arm inside its caller's), as the data
   plane's m->rule_id. */
static const char *cur_rule_name(Interp *in, char *buf, size_t size)
{
	if (in->res && in->res->ncounted)
		interp_counted_name(&in->res->counted[in->res->ncounted - 1],
				    buf, size);
	else if (in->step && in->step->policy)
		snprintf(buf, size, "%s#%d", in->step->policy->name,
			 in->step->arm);
	else
		snprintf(buf, size, "?");
	return buf;
}

/* Log records are rate-limited per arm, as the data plane writes them
   (bpf/lib/log.h: FWL_LOG_RATE 10 per second, FWL_LOG_BURST 20, a GCRA
   bucket, bpf/lib/ratelimit.h): true when this one may be written. */
static bool log_conforms(Interp *in, const char *rule)
{
	const uint64_t ival = 1000 / INTERP_LOG_RATE;	/* ms */
	LogRate *b = NULL;
	for (int i = 0; i < in->nlograte && !b; i++)
		if (is(in->lograte[i].rule, rule))
			b = &in->lograte[i];
	if (!b) {
		in->lograte = xrealloc(in->lograte, (in->nlograte + 1) *
							    sizeof *b);
		b = &in->lograte[in->nlograte++];
		snprintf(b->rule, sizeof b->rule, "%s", rule);
		b->tat = in->now_ms + ival;
		return true;
	}
	uint64_t tat = b->tat > in->now_ms ? b->tat : in->now_ms;
	if (tat - in->now_ms > (INTERP_LOG_BURST - 1) * ival)
		return false;
	b->tat = tat + ival;
	return true;
}

static Value *do_effect(Interp *in, const char *eff, const char *op,
			Value **args, int n, Span at)
{
	char s[256], r[64];
	int rc;

	if (is(eff, "FIB") && is(op, "daddrLocal")) {
		FxAddr a;
		bool local = false;
		to_fx(arg_ip(in, args, n, 0, at, "FIB.daddrLocal"), &a);
		rc = in->fx.fib_daddr_local
			     ? in->fx.fib_daddr_local(in->fx.ctx, &a, &local)
			     : FX_UNMOCKED;
		if (rc == FX_UNMOCKED)
			fail(in, at, "effect FIB.daddrLocal is not mocked by "
				     "the scenario (add 'fib local ADDR...')");
		str_of(in, args[0], s, sizeof s);
		effect_note(in, "FIB.daddrLocal(%s) = %s", s,
			    local ? "true" : "false");
		return mk_bool(in, local);
	}
	if (is(eff, "ThreatFeed") && (is(op, "lookup") || is(op, "contains"))) {
		if (n < 2 || args[0]->kind != V_NAMEDSET)
			fail(in, at, "ThreatFeed.%s(feed, address): the first "
				     "argument must be an imported feed", op);
		FxAddr a;
		bool hit = false;
		to_fx(arg_ip(in, args, n, 1, at, "ThreatFeed.lookup"), &a);
		rc = in->fx.feed_contains
			     ? in->fx.feed_contains(in->fx.ctx,
						    args[0]->decl->name, &a,
						    &hit)
			     : FX_UNMOCKED;
		if (rc == FX_UNMOCKED)
			fail(in, at, "effect ThreatFeed.%s is not mocked for "
				     "feed '%s' (add 'feed %s CIDR...')",
			     op, args[0]->decl->name, args[0]->decl->name);
		str_of(in, args[1], s, sizeof s);
		effect_note(in, "ThreatFeed.%s(%s, %s) = %s", op,
			    args[0]->decl->name, s, hit ? "true" : "false");
		return mk_bool(in, hit);
	}
	if (is(eff, "DNS") && is(op, "resolves")) {
		/* DNS.resolves(name, address): is address one of name's? */
		FxAddr a, out[16];
		int cnt = 0;
		bool hit = false;
		if (n < 2 || args[0]->kind != V_STR)
			fail(in, at, "DNS.resolves(name, address): a string "
				     "and an address");
		to_fx(arg_ip(in, args, n, 1, at, "DNS.resolves"), &a);
		rc = in->fx.dns_resolve ? in->fx.dns_resolve(in->fx.ctx,
							     args[0]->str.s,
							     out, 16, &cnt)
					: FX_UNMOCKED;
		if (rc == FX_UNMOCKED)
			fail(in, at, "effect DNS.resolves is not mocked for "
				     "\"%s\" (add 'dns %s ADDR...')",
			     args[0]->str.s, args[0]->str.s);
		for (int i = 0; i < cnt; i++)
			hit |= out[i].family == a.family &&
			       !memcmp(out[i].a, a.a, a.family == 4 ? 4 : 16);
		str_of(in, args[1], s, sizeof s);
		effect_note(in, "DNS.resolves(\"%s\", %s) = %s",
			    args[0]->str.s, s, hit ? "true" : "false");
		return mk_bool(in, hit);
	}
	if (is(eff, "DNS") && (is(op, "resolve") || is(op, "lookup"))) {
		if (n < 1 || args[0]->kind != V_STR)
			fail(in, at, "DNS.%s(name): a string", op);
		FxAddr out[16];
		int cnt = 0;
		rc = in->fx.dns_resolve ? in->fx.dns_resolve(in->fx.ctx,
							     args[0]->str.s,
							     out, 16, &cnt)
					: FX_UNMOCKED;
		if (rc == FX_UNMOCKED)
			fail(in, at, "effect DNS.%s is not mocked for \"%s\" "
				     "(add 'dns %s ADDR...')", op,
			     args[0]->str.s, args[0]->str.s);
		Value *set = mk_con(in, NULL, cnt);
		set->kind = V_SET;
		for (int i = 0; i < cnt; i++) {
			PktAddr pa = {.family = out[i].family};
			memcpy(pa.a, out[i].a, 16);
			set->con.args[i] = mk_ip(in, &pa);
		}
		effect_note(in, "DNS.%s(\"%s\") = %d addresses", op,
			    args[0]->str.s, cnt);
		return set;
	}
	if (is(eff, "Log") && is(op, "emit")) {
		FxLogLevel lv = FX_INFO;
		if (n < 2)
			fail(in, at, "Log.emit(level, message)");
		if (args[0]->kind == V_CON) {
			for (int l = FX_DEBUG; l <= FX_ERROR_LEVEL; l++)
				if (is(args[0]->con.name,
				       fx_level_name((FxLogLevel)l)))
					lv = (FxLogLevel)l;
		}
		str_of(in, args[1], s, sizeof s);
		cur_rule_name(in, r, sizeof r);
		if (!log_conforms(in, r)) {
			effect_note(in, "Log.emit(%s, \"%s\"): over the log "
				    "rate, suppressed", fx_level_name(lv), s);
			return mk(in, V_UNIT);
		}
		if (in->fx.log_emit)
			in->fx.log_emit(in->fx.ctx, lv, s, r);
		effect_note(in, "Log.emit(%s, \"%s\")", fx_level_name(lv), s);
		return mk(in, V_UNIT);
	}
	if (is(eff, "FlowMatch") && is(op, "check")) {
		if (n < 2 || args[0]->kind != V_FLOWKEY ||
		    args[1]->kind != V_FLOWPAT)
			fail(in, at, "FlowMatch.check(flowOf(...), FLOW)");
		Tuple k;
		seq_key(&args[0]->flow, &k);
		SeqEntry *e = interp_seq_find(in, args[1]->decl->name, &k);
		bool m = e && e->matched;
		int step = e ? e->step : 0;
		if (in->fx.flowmatch_check) {
			FxFlow f = {.proto = k.proto, .sport = k.sport,
				    .dport = k.dport};
			in->fx.flowmatch_check(in->fx.ctx, &f,
					       args[1]->decl->name, &step, &m);
		}
		effect_note(in, "FlowMatch.check(%s) = %s",
			    args[1]->decl->name,
			    m ? "Matched" : step ? "Partial" : "NoMatch");
		return mk_con(in, m ? "Matched" : step ? "Partial" : "NoMatch",
			      0);
	}
	if (is(eff, "RateLimit") && is(op, "check")) {
		Value *rate = NULL;
		char key[128];
		int ko = snprintf(key, sizeof key, "%u", at.off);
		for (int i = 0; i < n; i++) {
			if (args[i]->kind == V_RATE) {
				rate = args[i];
			} else if (ko < (int)sizeof key) {
				str_of(in, args[i], s, sizeof s);
				ko += snprintf(key + ko, sizeof key - ko,
					       "/%s", s);
			}
		}
		if (!rate)
			fail(in, at, "RateLimit.check needs a rate (10/second)");
		Bucket *b = NULL;
		for (int i = 0; i < in->nbuckets; i++)
			if (is(in->buckets[i].key, key))
				b = &in->buckets[i];
		if (!b) {
			in->buckets = xrealloc(in->buckets,
					       (in->nbuckets + 1) * sizeof *b);
			b = &in->buckets[in->nbuckets++];
			snprintf(b->key, sizeof b->key, "%s", key);
			b->tokens = (double)rate->rate.count;
			b->last = in->now_ms;
		}
		double per = (double)rate->rate.per_ms;
		b->tokens += (double)(in->now_ms - b->last) *
			     (double)rate->rate.count / (per ? per : 1);
		if (b->tokens > (double)rate->rate.count)
			b->tokens = (double)rate->rate.count;
		b->last = in->now_ms;
		bool ok = b->tokens >= 1.0;
		if (ok)
			b->tokens -= 1.0;
		effect_note(in, "RateLimit.check(%llu/%llums) = %s",
			    (unsigned long long)rate->rate.count,
			    (unsigned long long)rate->rate.per_ms,
			    ok ? "true" : "false");
		return mk_bool(in, ok);
	}
	if (is(eff, "Conntrack") && is(op, "setHelper") && n == 1) {
		/* CtHelper { name = "ftp", ... }: the entry records it */
		Value *h = args[0];
		if (h->kind == V_CON && h->con.n == 1)
			h = h->con.args[0];
		const char *nm = NULL;
		if (h->kind == V_RECORD)
			for (int i = 0; i < h->con.n; i++)
				if (is(h->con.fnames[i], "name") &&
				    h->con.args[i]->kind == V_STR)
					nm = h->con.args[i]->str.s;
		if (!nm)
			fail(in, at, "Conntrack.setHelper needs a helper "
				     "record with a name");
		snprintf(in->pending_helper, sizeof in->pending_helper, "%s",
			 nm);
		if (in->cur_ct)
			snprintf(in->cur_ct->helper, sizeof in->cur_ct->helper,
				 "%s", nm);
		effect_note(in, "Conntrack.setHelper(\"%s\")", nm);
		return mk(in, V_UNIT);
	}
	if (is(eff, "Conntrack") && is(op, "offload") && n == 1) {
		/* the flow's established packets skip the filter hooks */
		if (in->ct_state != CT_INVALID && in->ct_state != CT_UNTRACKED) {
			if (in->cur_ct)
				in->cur_ct->status |= CTS_OFFLOAD;
			else
				in->pending_status |= CTS_OFFLOAD;
		}
		effect_note(in, "Conntrack.offload");
		return mk(in, V_UNIT);
	}
	if (is(eff, "Conntrack") || is(eff, "Counter")) {
		/* recorded in the trace; no answer */
		effect_note(in, "%s.%s", eff, op);
		return mk(in, V_UNIT);
	}
	fail(in, at, "effect operation %s.%s is not known to the interpreter",
	     eff, op);
}

/* ct.field */
static Value *ct_field(Interp *in, const char *f, Span at)
{
	if (is(f, "state"))
		return mk_con(in, ct_state_name(in->ct_state), 0);
	if (is(f, "status")) {
		Value *v = mk(in, V_CTSTATUS);
		v->status = (in->cur_ct ? in->cur_ct->status : 0) |
			    in->pending_status;
		return v;
	}
	if (is(f, "direction"))
		return mk_con(in, in->cur_dir ? "Reply" : "Original", 0);
	if (is(f, "helper"))
		return mk_str(in, in->cur_ct && in->cur_ct->helper[0]
					  ? in->cur_ct->helper
					  : in->pending_helper);
	fail(in, at, "ct has no field '%s' (state, status, direction)", f);
}

static Value *field_of(Interp *in, Value *v, const char *f, Span at)
{
	Value *r = NULL;

	switch (v->kind) {
	case V_HDR:
		r = hdr_field(in, v, f);
		break;
	case V_CT:
		return ct_field(in, f, at);
	case V_RECORD:
		for (int i = 0; i < v->con.n; i++)
			if (is(v->con.fnames[i], f))
				r = v->con.args[i];
		break;
	case V_IFACE_DECL:
		for (int i = 0; i < v->decl->nattrs; i++)
			if (is(v->decl->attrs[i]->name, f) &&
			    v->decl->attrs[i]->value)
				return eval(in, v->decl->attrs[i]->value,
					    NULL);
		if (is(f, "cidr4") || is(f, "cidr6")) {	/* none declared */
			Value *s = mk_con(in, NULL, 0);
			s->kind = V_SET;
			return s;
		}
		break;
	default:
		break;
	}
	if (!r)
		fail(in, at, "a %s has no field '%s'", kind_name(v->kind), f);
	return r;
}

/*
 * Evaluation
 */

static Value *apply(Interp *in, Value *fn, Value **args, int n, Span at);
static void count(Interp *in, const Decl *pol, int arm);
static Value *eval_case_arms(Interp *in, Value *v, Arm **arms, int narms,
			     Env *env, Span at, const Decl *rule);

static Value *eval_lit(Interp *in, const Lit *l)
{
	Value *v;

	switch (l->kind) {
	case LIT_INT:
	case LIT_DURATION:
		return mk_int(in, l->u);
	case LIT_STR:
		v = mk(in, V_STR);
		v->str.s = l->str.s;
		v->str.n = l->str.len;
		return v;
	case LIT_IP:
	case LIT_CIDR:
		v = mk(in, V_IP);
		v->ip = l->ip;
		return v;
	case LIT_PORT:
	case LIT_PORTRANGE:
		v = mk(in, V_PORT);
		v->port.lo = l->port.lo;
		v->port.hi = l->port.hi;
		return v;
	case LIT_RATE:
		v = mk(in, V_RATE);
		v->rate.count = l->rate.count;
		v->rate.per_ms = l->rate.per_ms;
		return v;
	}
	return mk(in, V_UNIT);
}

static Value *lookup(Interp *in, const char *name, Env *env, Span at)
{
	for (Env *e = env; e; e = e->next)
		if (is(e->name, name))
			return e->v;
	return global(in, name, at);
}

static Env *env_bind(Interp *in, Env *env, const char *name, Value *v)
{
	Env *e = arena_alloc(&in->scratch, sizeof *e);
	e->name = name;
	e->v = v;
	e->next = env;
	return e;
}

static Value *eval_call(Interp *in, const Expr *e, Env *env, bool perform)
{
	const Expr *fn = e->fn;
	Value **args = e->nargs ? arena_alloc(&in->scratch,
					      e->nargs * sizeof(Value *))
				: NULL;

	/* Effect.op(args), with or without `perform` */
	if (fn->kind == E_FIELD && fn->lhs->kind == E_NAME &&
	    is_effect(fn->lhs->name) && !find_decl(in, fn->lhs->name)) {
		for (int i = 0; i < e->nargs; i++)
			args[i] = eval(in, e->args[i], env);
		return do_effect(in, fn->lhs->name, fn->field, args, e->nargs,
				 e->span);
	}
	if (perform)
		fail(in, e->span, "perform needs Effect.operation(...)");
	/* flowOf(...): the flow of the current packet */
	if (fn->kind == E_NAME && is(fn->name, "flowOf")) {
		Value *v = mk(in, V_FLOWKEY);
		tuple_of(in->pkt, &v->flow);
		return v;
	}
	for (int i = 0; i < e->nargs; i++)
		args[i] = eval(in, e->args[i], env);
	Value *f = eval(in, fn, env);
	return apply(in, f, args, e->nargs, e->span);
}

/* A rule call.  A rule's arms have counters as a policy's do (the code
   generator's, fwlc/lower.c rule_index): the arms of a body `\frame ->
   case frame of ...` count when their pattern and guard hold; any other
   body is one arm, counted on every call. */
static Value *apply_rule(Interp *in, const Decl *rule, Value **args, int n,
			 Span at)
{
	const Expr *lam = rule->value;
	if (lam && lam->kind == E_LAMBDA && lam->nparams == 1 && n == 1 &&
	    lam->params[0]->kind == P_VAR && lam->body &&
	    lam->body->kind == E_CASE && lam->body->lhs->kind == E_NAME &&
	    is(lam->body->lhs->name, lam->params[0]->name)) {
		Env *env = NULL;
		if (!match(in, lam->params[0], args[0], &env))
			fail(in, lam->params[0]->span,
			     "argument does not match");
		if (++in->depth > 200)
			fail(in, at, "recursion deeper than 200");
		const Expr *cs = lam->body;
		Value *v = eval(in, cs->lhs, env);
		Value *r = eval_case_arms(in, v, cs->arms, cs->narms, env,
					  cs->span, rule);
		in->depth--;
		return r;
	}
	count(in, rule, 1);
	return apply(in, eval(in, rule->value, NULL), args, n, at);
}

static Value *apply(Interp *in, Value *f, Value **args, int n, Span at)
{
	if (f->kind == V_CON) {	/* constructor application: DNAT(x) */
		Value *c = mk_con(in, f->con.name, f->con.n + n);
		for (int i = 0; i < f->con.n; i++)
			c->con.args[i] = f->con.args[i];
		for (int i = 0; i < n; i++)
			c->con.args[f->con.n + i] = args[i];
		return c;
	}
	if (f->kind != V_FN)
		fail(in, at, "a %s cannot be applied", kind_name(f->kind));
	if (f->fn.builtin) {
		const char *b = f->fn.builtin;
		if (n != 1)
			fail(in, at, "%s takes one argument", b);
		if (is(b, "show")) {
			char s[256];
			str_of(in, args[0], s, sizeof s);
			return mk_str(in, s);
		}
		if (args[0]->kind != V_MAP)
			fail(in, at, "%s needs a map", b);
		int cnt = args[0]->con.n / 2;
		Value *s = mk_con(in, NULL, cnt);
		s->kind = V_SET;
		for (int i = 0; i < cnt; i++)
			s->con.args[i] =
				args[0]->con.args[2 * i + (is(b, "values"))];
		return s;
	}
	if (f->fn.rule)
		return apply_rule(in, f->fn.rule, args, n, at);
	const Expr *lam = f->fn.lam;
	Env *env = f->fn.env;
	int np = lam->nparams;
	if (n > np)
		fail(in, at, "too many arguments (%d for %d)", n, np);
	for (int i = 0; i < n; i++)
		if (!match(in, lam->params[i], args[i], &env))
			fail(in, lam->params[i]->span, "argument does not match");
	if (n < np) {
		fail(in, at, "partial application is not supported");
	}
	if (++in->depth > 200)
		fail(in, at, "recursion deeper than 200");
	Value *r = eval(in, lam->body, env);
	in->depth--;
	return r;
}

/* The first arm of a case that holds; `rule`: the case is a rule's top
   level, whose arms have counters (a policy's arms' meaning). */
static Value *eval_case_arms(Interp *in, Value *v, Arm **arms, int narms,
			     Env *env, Span at, const Decl *rule)
{
	for (int i = 0; i < narms; i++) {
		Env *e2 = env;
		if (!match(in, arms[i]->pat, v, &e2))
			continue;
		if (arms[i]->guard) {
			Value *g = eval(in, arms[i]->guard, e2);
			if (g->kind != V_BOOL)
				fail(in, arms[i]->guard->span,
				     "guard is a %s, not a Bool",
				     kind_name(g->kind));
			if (!g->b)
				continue;
		}
		if (rule)
			count(in, rule, i + 1);
		return eval(in, arms[i]->body, e2);
	}
	char s[128];
	str_of(in, v, s, sizeof s);
	fail(in, at, "no arm of this case matches %s", s);
}

static Value *eval(Interp *in, const Expr *e, Env *env)
{
	Value *a, *b, *v;

	switch (e->kind) {
	case E_LIT:
		return eval_lit(in, &e->lit);
	case E_NAME:
		return lookup(in, e->name, env, e->span);
	case E_FIELD:
		a = eval(in, e->lhs, env);
		return field_of(in, a, e->field, e->name_span);
	case E_CALL:
		return eval_call(in, e, env, false);
	case E_PERFORM:
		return eval_call(in, e, env, true);
	case E_BINARY:
		switch (e->op) {
		case OP_BIND:
			a = eval(in, e->lhs, env);
			b = eval(in, e->rhs, env);
			return apply(in, b, &a, 1, e->span);
		case OP_THEN:
			eval(in, e->lhs, env);
			return eval(in, e->rhs, env);
		case OP_AND:
		case OP_OR:
			a = eval(in, e->lhs, env);
			if (a->kind != V_BOOL)
				fail(in, e->lhs->span, "a %s is not a Bool",
				     kind_name(a->kind));
			if (a->b == (e->op == OP_OR))
				return a;
			b = eval(in, e->rhs, env);
			if (b->kind != V_BOOL)
				fail(in, e->rhs->span, "a %s is not a Bool",
				     kind_name(b->kind));
			return b;
		case OP_CONCAT: {
			a = eval(in, e->lhs, env);
			b = eval(in, e->rhs, env);
			if (a->kind != V_STR || b->kind != V_STR)
				fail(in, e->span, "++ joins strings");
			v = mk(in, V_STR);
			char *s = arena_alloc(&in->scratch,
					      a->str.n + b->str.n + 1);
			memcpy(s, a->str.s, a->str.n);
			memcpy(s + a->str.n, b->str.s, b->str.n);
			v->str.s = s;
			v->str.n = a->str.n + b->str.n;
			return v;
		}
		default:
			a = eval(in, e->lhs, env);
			b = eval(in, e->rhs, env);
			return mk_bool(in, binop_test(in, e->op, a, b,
						      e->span));
		}
	case E_NOT:
		a = eval(in, e->lhs, env);
		if (a->kind != V_BOOL)
			fail(in, e->span, "not needs a Bool");
		return mk_bool(in, !a->b);
	case E_IF:
		a = eval(in, e->cond, env);
		if (a->kind != V_BOOL)
			fail(in, e->cond->span, "condition is a %s, not a Bool",
			     kind_name(a->kind));
		return eval(in, a->b ? e->then_ : e->else_, env);
	case E_CASE:
		a = eval(in, e->lhs, env);
		return eval_case_arms(in, a, e->arms, e->narms, env, e->span,
				      NULL);
	case E_LAMBDA:
		v = mk(in, V_FN);
		v->fn.lam = e;
		v->fn.env = env;
		return v;
	case E_TUPLE:
	case E_SET:
		if (e->kind == E_TUPLE && e->nitems == 0)
			return mk(in, V_UNIT);
		v = mk_con(in, NULL, e->nitems);
		v->kind = e->kind == E_TUPLE ? V_TUPLE : V_SET;
		for (int i = 0; i < e->nitems; i++)
			v->con.args[i] = eval(in, e->items[i], env);
		return v;
	case E_MAP:
		v = mk_con(in, NULL, 2 * e->nitems);
		v->kind = V_MAP;
		for (int i = 0; i < e->nitems; i++) {
			v->con.args[2 * i] = eval(in, e->keys[i], env);
			v->con.args[2 * i + 1] = eval(in, e->items[i], env);
		}
		return v;
	case E_RECORD:
		v = mk_con(in, NULL, e->nfields);
		v->kind = V_RECORD;
		v->con.fnames = arena_alloc(&in->scratch,
					    (e->nfields + 1) * sizeof(char *));
		for (int i = 0; i < e->nfields; i++) {
			v->con.fnames[i] = e->fields[i]->name;
			v->con.args[i] = eval(in, e->fields[i]->value, env);
		}
		return v;
	}
	fail(in, e->span, "cannot evaluate this expression");
}

/*
 * Pattern matching
 */

/* A lowercase name in a pattern: a constant when it names something. */
static Value *pat_constant(Interp *in, const char *name)
{
	const Decl *d = find_decl(in, name);

	if (d && (d->kind == D_INTERFACE || d->kind == D_ZONE ||
		  d->kind == D_LET || d->kind == D_IMPORT))
		return global(in, name, d->name_span);
	if (is(name, "lo"))
		return mk_iface(in, "lo");
	return NULL;	/* tcp, udp... in a pattern are binders */
}

static bool bytes_match(const int16_t *pat, int np, const uint8_t *b, int n)
{
	if (np == 0)
		return n == 0;
	if (pat[0] == PB_REST) {
		for (int k = 0; k <= n; k++)
			if (bytes_match(pat + 1, np - 1, b + k, n - k))
				return true;
		return false;
	}
	if (n == 0)
		return false;
	if (pat[0] != PB_ANY && pat[0] != b[0])
		return false;
	return bytes_match(pat + 1, np - 1, b + 1, n - 1);
}

/* The header kind a declared pattern's type asks for, or -1. */
static int type_header(const Type *t)
{
	if (!t || t->kind != T_NAME)
		return -1;
	if (is(t->name, "UDPHeader"))
		return HD_UDP;
	if (is(t->name, "TCPHeader"))
		return HD_TCP;
	if (is(t->name, "ICMPHeader"))
		return HD_ICMP;
	if (is(t->name, "ICMPv6Header"))
		return HD_ICMPV6;
	if (is(t->name, "IPv4Header"))
		return HD_IPV4;
	if (is(t->name, "IPv6Header"))
		return HD_IPV6;
	return -1;
}

static bool match_args(Interp *in, Pat **ps, int np, Value **vs, int nv,
		       Env **env)
{
	if (np != nv)
		return false;
	for (int i = 0; i < np; i++)
		if (!match(in, ps[i], vs[i], env))
			return false;
	return true;
}

static bool match(Interp *in, const Pat *p, Value *v, Env **env)
{
	Value *args[2];
	Value *c;

	switch (p->kind) {
	case P_WILD:
		return true;
	case P_VAR:
		c = pat_constant(in, p->name);
		if (!c) {
			*env = env_bind(in, *env, p->name, v);
			return true;
		}
		if (v->kind == V_IFPAIR)
			v = mk_iface(in, in->iif);
		if (c->kind == V_SET || c->kind == V_NAMEDSET)
			return vin(in, v, c, p->span);
		return veq(in, v, c);
	case P_AS:
		if (!match(in, p->as, v, env))
			return false;
		*env = env_bind(in, *env, p->name, v);
		return true;
	case P_IN: {
		Value *s = eval(in, p->set, *env);
		if (v->kind == V_IFPAIR)
			v = mk_iface(in, in->iif);
		if (binop_test(in, p->op, v, s, p->span) == false)
			return false;
		return match(in, p->sub, v, env);
	}
	case P_ARROW:
		if (v->kind != V_IFPAIR)
			return false;
		return match(in, p->sub, mk_iface(in, in->iif), env) &&
		       match(in, p->to, mk_iface(in, in->oif), env);
	case P_LIT:
		c = eval(in, p->value, *env);
		if (c->kind == V_IP && v->kind == V_IP)
			return ip_in(&v->ip, &c->ip);
		if (c->kind == V_PORT && (v->kind == V_PORT || v->kind == V_INT))
			return vin(in, v, c, p->span);
		return veq(in, v, c);
	case P_BYTES:
		if (v->kind != V_BYTES)
			return false;
		return bytes_match(p->bytes, p->nbytes, v->bytes.p, v->bytes.n);
	case P_TUPLE:
		if (v->kind == V_TUPLE)
			return match_args(in, p->args, p->nargs, v->con.args,
					  v->con.n, env);
		if (v->kind == V_LAYER && v->lay.layer == L_L4) {
			layer_view(in, v, args);
			if (args[0]->kind != V_HDR)
				return false;
			return match_args(in, p->args, p->nargs, args, 2, env);
		}
		return false;
	case P_RECORD: {
		if (v->kind != V_HDR && v->kind != V_RECORD)
			return false;
		for (int i = 0; i < p->nfields; i++) {
			const PatField *f = p->fields[i];
			Value *fv = v->kind == V_HDR ? hdr_field(in, v, f->name)
						     : NULL;
			if (v->kind == V_RECORD)
				for (int k = 0; k < v->con.n; k++)
					if (is(v->con.fnames[k], f->name))
						fv = v->con.args[k];
			if (!fv)
				return false;
			Value *want = eval(in, f->value, *env);
			if (!binop_test(in, f->op, fv, want, f->span))
				return false;
		}
		if (p->name)
			*env = env_bind(in, *env, p->name, v);
		return true;
	}
	case P_CON: {
		const Decl *d = find_decl(in, p->name);
		if (d && d->kind == D_PATTERN) {
			/* a declared pattern; its type says which header */
			if (d->type && d->type->kind == T_TUPLE &&
			    d->type->nargs == 2 && v->kind == V_LAYER &&
			    v->lay.layer == L_L4) {
				int want = type_header(d->type->args[0]);
				layer_view(in, v, args);
				if (want >= 0 && (args[0]->kind != V_HDR ||
						  args[0]->lay.layer != want))
					return false;
			}
			if (d->type && type_header(d->type) >= 0 &&
			    (v->kind != V_HDR ||
			     v->lay.layer != type_header(d->type)))
				return false;
			if (++in->depth > 200)
				fail(in, p->span, "pattern recursion too deep");
			bool ok = match(in, d->pat, v, env);
			in->depth--;
			return ok;
		}
		if (v->kind == V_LAYER) {
			const char *n = layer_view(in, v, args);
			if (!is(n, p->name))
				return false;
			if (p->nargs == 0)
				return true;
			return match_args(in, p->args, p->nargs, args, 2, env);
		}
		if (v->kind == V_CON) {
			if (!is(v->con.name, p->name))
				return false;
			if (!p->paren && p->nargs == 0)
				return true;
			return match_args(in, p->args, p->nargs, v->con.args,
					  v->con.n, env);
		}
		if (v->kind == V_INT && p->nargs == 0)
			return veq(in, v, mk_con(in, p->name, 0));
		if (v->kind == V_HDR && p->nargs == 0)
			return is(hdr_name(v->lay.layer), p->name);
		return false;
	}
	}
	return false;
}

/*
 * Conntrack
 */

const char *ct_state_name(int s)
{
	static const char *n[] = {"New", "Established", "Related", "Invalid",
				  "Untracked"};
	return s >= 0 && s <= CT_UNTRACKED ? n[s] : "?";
}

const char *tcp_state_name(int s)
{
	static const char *n[] = {"NONE", "SYN_SENT", "SYN_SENT2",
				  "SYN_RECV", "ESTABLISHED", "FIN_WAIT",
				  "CLOSE_WAIT", "LAST_ACK", "TIME_WAIT",
				  "CLOSE"};
	return s >= 0 && s < TCP_NSTATES ? n[s] : "?";
}

const char *interp_hook_name(int h)
{
	static const char *n[] = {"prerouting", "input", "forward", "output",
				  "postrouting"};
	return h >= 0 && h < H_COUNT ? n[h] : "?";
}

void tuple_of(const Pkt *p, Tuple *t)
{
	memset(t, 0, sizeof *t);
	t->proto = p->proto;
	t->src = p->src;
	t->dst = p->dst;
	if (!p->l4)
		return;
	if (p->proto == PROTO_TCP || p->proto == PROTO_UDP) {
		t->sport = p->sport;
		t->dport = p->dport;
	} else if (p->proto == PROTO_ICMP || p->proto == PROTO_ICMPV6) {
		/* queries: the id, on the side of the requester */
		uint8_t ty = p->icmp_type;
		bool v6 = p->proto == PROTO_ICMPV6;
		if (v6 ? ty == 128
		       : (ty == 8 || ty == 13 || ty == 15 || ty == 17))
			t->sport = p->icmp_id;
		else if (v6 ? ty == 129
			    : (ty == 0 || ty == 14 || ty == 16 || ty == 18))
			t->dport = p->icmp_id;
	}
}

static bool tuple_eq(const Tuple *a, const Tuple *b)
{
	return a->proto == b->proto && a->sport == b->sport &&
	       a->dport == b->dport && a->src.family == b->src.family &&
	       memcmp(a->src.a, b->src.a, 16) == 0 &&
	       memcmp(a->dst.a, b->dst.a, 16) == 0;
}

static void tuple_rev(const Tuple *a, Tuple *r)
{
	*r = *a;
	r->src = a->dst;
	r->dst = a->src;
	r->sport = a->dport;
	r->dport = a->sport;
}

static uint32_t tuple_hash(const Tuple *t)
{
	uint32_t h = 2166136261u;
	const uint8_t *parts[2] = {t->src.a, t->dst.a};

	for (int k = 0; k < 2; k++)
		for (int i = 0; i < 16; i++)
			h = (h ^ parts[k][i]) * 16777619u;
	h = (h ^ t->proto) * 16777619u;
	h = (h ^ t->sport) * 16777619u;
	h = (h ^ t->dport) * 16777619u;
	return h ^ (h >> 15);
}

static void ct_index_put(Interp *in, const Tuple *t, int idx)
{
	uint32_t m = (uint32_t)in->hcap - 1, h = tuple_hash(t) & m;
	while (in->hidx[h])
		h = (h + 1) & m;
	in->hidx[h] = idx + 1;
}

static void ct_index_rebuild(Interp *in)
{
	int need = 64;
	while (need < 8 * in->nct)
		need *= 2;
	if (in->hcap < need) {
		free(in->hidx);
		in->hidx = xmalloc((size_t)need * sizeof *in->hidx);
		in->hcap = need;
	}
	memset(in->hidx, 0, (size_t)in->hcap * sizeof *in->hidx);
	for (int i = 0; i < in->nct; i++) {
		if (in->ct[i].expires <= in->now_ms)
			continue;
		ct_index_put(in, &in->ct[i].orig, i);
		ct_index_put(in, &in->ct[i].reply, i);
	}
}

/* A new entry (its tuples set) joins the index. */
static void ct_index_add(Interp *in, int idx)
{
	if (4 * in->nct > in->hcap) {
		ct_index_rebuild(in);	/* grows; includes idx */
		return;
	}
	ct_index_put(in, &in->ct[idx].orig, idx);
	ct_index_put(in, &in->ct[idx].reply, idx);
}

/* Drop expired entries; lookups skip them anyway, so this only runs once
   a second of scenario time or when the table is full. */
static void ct_sweep(Interp *in, bool force)
{
	if (!force && in->now_ms < in->last_sweep + 1000)
		goto seq;
	in->last_sweep = in->now_ms;
	int j = 0;
	for (int i = 0; i < in->nct; i++)
		if (in->ct[i].expires > in->now_ms)
			in->ct[j++] = in->ct[i];
	if (j != in->nct || !in->hidx) {
		in->nct = j;
		ct_index_rebuild(in);
	}
seq:
	j = 0;
	for (int i = 0; i < in->nfrag; i++)
		if (in->frag[i].expires > in->now_ms)
			in->frag[j++] = in->frag[i];
	in->nfrag = j;
	j = 0;
	for (int i = 0; i < in->nseq; i++)
		if (in->seq[i].deadline >= in->now_ms)
			in->seq[j++] = in->seq[i];
	in->nseq = j;
}

CtEntry *interp_ct_find(Interp *in, const Tuple *t, int *dir)
{
	if (!in->hidx)
		return NULL;
	uint32_t m = (uint32_t)in->hcap - 1, h = tuple_hash(t) & m;
	for (; in->hidx[h]; h = (h + 1) & m) {
		CtEntry *e = &in->ct[in->hidx[h] - 1];
		if (e->expires <= in->now_ms)
			continue;
		if (tuple_eq(&e->orig, t)) {
			*dir = 0;
			return e;
		}
		if (tuple_eq(&e->reply, t)) {
			*dir = 1;
			return e;
		}
	}
	return NULL;
}

int interp_ct_count(Interp *in)
{
	int n = 0;
	for (int i = 0; i < in->nct; i++)
		n += in->ct[i].expires > in->now_ms;
	return n;
}

CtEntry *interp_ct_by_id(Interp *in, int id)
{
	for (int i = 0; i < in->nct && id; i++)
		if (in->ct[i].id == id)
			return in->ct[i].expires > in->now_ms ? &in->ct[i]
							       : NULL;
	return NULL;
}

static CtEntry *ct_alloc(Interp *in)
{
	if (in->nct >= in->ct_max)
		ct_sweep(in, true);
	if (in->nct >= in->ct_max) {
		in->ct_insert_failed++;
		return NULL;
	}
	if (in->nct == in->capct) {
		in->capct = in->capct ? 2 * in->capct : 64;
		in->ct = xrealloc(in->ct, in->capct * sizeof *in->ct);
	}
	CtEntry *e = &in->ct[in->nct++];
	memset(e, 0, sizeof *e);
	e->id = ++in->ct_next_id;
	e->created = in->now_ms;
	in->ct_inserts++;
	return e;
}

/* Linux's tcp_valid_flags, ignoring ECE/CWR. */
static bool tcp_flags_valid(uint16_t f)
{
	static const uint8_t ok[] = {
		TCPF_SYN, TCPF_SYN | TCPF_URG, TCPF_SYN | TCPF_ACK, TCPF_RST,
		TCPF_RST | TCPF_ACK, TCPF_RST | TCPF_ACK | TCPF_PSH,
		TCPF_FIN | TCPF_ACK, TCPF_FIN | TCPF_ACK | TCPF_URG,
		TCPF_ACK, TCPF_ACK | TCPF_URG, TCPF_FIN | TCPF_ACK | TCPF_PSH,
		TCPF_FIN | TCPF_ACK | TCPF_PSH | TCPF_URG,
		TCPF_ACK | TCPF_PSH, TCPF_ACK | TCPF_PSH | TCPF_URG,
	};
	f &= ~(TCPF_ECE | TCPF_CWR | 0x100);
	for (size_t i = 0; i < sizeof ok; i++)
		if (ok[i] == f)
			return true;
	return false;
}

static int tcp_wscale(const Pkt *p)
{
	for (int i = 0; i < p->tcp_optlen;) {
		uint8_t k = p->tcp_opts[i];
		if (k == 0)
			break;
		if (k == 1) {
			i++;
			continue;
		}
		if (i + 1 >= p->tcp_optlen)
			break;
		uint8_t l = p->tcp_opts[i + 1];
		if (l < 2)
			break;
		if (k == 3 && l == 3 && i + 2 < p->tcp_optlen)
			return p->tcp_opts[i + 2] > 14 ? 14 : p->tcp_opts[i + 2];
		i += l;
	}
	return -1;
}

static bool seq_before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static bool seq_after(uint32_t a, uint32_t b)
{
	return seq_before(b, a);
}

static uint32_t seg_end(const Pkt *p)
{
	return p->seq + (uint32_t)p->paylen + !!(p->flags & TCPF_SYN) +
	       !!(p->flags & TCPF_FIN);
}

/* The first segment of a side that sends a SYN: its window starts here. */
static void tcp_init_side(TcpDir *s, const Pkt *p)
{
	int ws = tcp_wscale(p);

	s->end = s->maxend = seg_end(p);
	s->maxwin = p->window ? p->window : 1;
	s->wscale_opt = ws >= 0;
	s->wscale = ws >= 0 ? (uint8_t)ws : 0;
	s->known = true;
}

/*
 * Linux's tcp_in_window (nf_conntrack_proto_tcp.c, after Rooij's "Real
 * stateful TCP packet filtering"): is the segment from side s in the
 * window the receiver r announced?  Updates both sides when it is; the
 * caller passes copies and keeps them only then.  A side picked up
 * mid-stream (loose) is liberal: no bounds are checked.
 */
static bool tcp_window(TcpDir *s, TcpDir *r, const Pkt *p, int st)
{
	uint16_t f = p->flags;
	uint32_t seq = p->seq, ack = p->ack, end = seg_end(p);
	uint32_t win = p->window;

	if (s->maxwin == 0) {
		if (f & TCPF_SYN) {
			/* the SYN/ACK, or the reply SYN of a simultaneous
			   open: scaling only if both sides offer it */
			tcp_init_side(s, p);
			if (!(s->wscale_opt && r->wscale_opt))
				s->wscale = r->wscale = 0;
			if (!(f & TCPF_ACK))
				return true;
		} else {
			/* the first segment of a side picked up mid-stream */
			uint32_t sw = win << (s->wscale & 15);
			s->end = end;
			s->maxwin = sw ? sw : 1;
			s->maxend = end + s->maxwin;
			s->known = true;
			if (r->maxwin == 0)
				r->end = r->maxend = ack;
			else if (ack == r->end + 1)
				r->end++;	/* a keepalive's answer */
		}
	} else if ((f & TCPF_SYN) && seq_after(end, s->end) &&
		   (st == TCP_SYN_SENT || st == TCP_SYN_RECV)) {
		tcp_init_side(s, p);	/* a reinitialised sender */
	}
	if (!(f & TCPF_ACK))
		ack = r->end;
	else if ((f & (TCPF_ACK | TCPF_RST)) == (TCPF_ACK | TCPF_RST) &&
		 ack == 0)
		ack = r->end;		/* broken stacks send RST ack 0 */
	if ((f & TCPF_RST) && seq == 0 && st == TCP_SYN_SENT)
		seq = end = s->end;	/* an RST answering a SYN */
	if (!s->liberal && !r->liberal) {
		uint32_t maxack = s->maxwin ? s->maxwin : 66000;
		if (!seq_before(seq, s->maxend + 1))
			return false;	/* beyond what the receiver allows */
		if (!seq_after(end, s->end - r->maxwin - 1))
			return false;	/* more than a window old */
		if (!seq_before(ack, r->end + 1))
			return false;	/* acknowledges unsent data */
		if (!seq_after(ack, r->end - maxack - 1))
			return false;	/* an ACK far too old */
	}
	if (!(f & TCPF_SYN))
		win <<= s->wscale & 15;
	if (s->maxwin < win)
		s->maxwin = win;
	if (seq_after(end, s->end))
		s->end = end;
	if (r->maxwin != 0 && seq_after(end, s->maxend))
		r->maxwin += end - s->maxend;
	if (seq_after(ack + win, r->maxend - 1)) {
		r->maxend = ack + win;
		if (win == 0)
			r->maxend++;
	}
	return true;
}

static uint64_t tcp_timeout(Interp *in, int st)
{
	return in->tcp_timeout[st];
}

/* Flag classes of Linux's tcp_conntracks table. */
enum { TI_SYN, TI_SYNACK, TI_FIN, TI_ACK, TI_RST, TI_NONE, TI_N };

static int tcp_class(uint16_t f)
{
	if (f & TCPF_RST)
		return TI_RST;
	if (f & TCPF_SYN)
		return (f & TCPF_ACK) ? TI_SYNACK : TI_SYN;
	if (f & TCPF_FIN)
		return TI_FIN;
	return (f & TCPF_ACK) ? TI_ACK : TI_NONE;
}

#define T_IV (-1)	/* invalid */
#define T_IG (-2)	/* ignored: passes, changes nothing */

/* The next state, nf_conntrack_proto_tcp's tcp_conntracks[dir][class]
   [state] (the first FIN from either side is FIN_WAIT, the ACK after it
   CLOSE_WAIT, the other FIN LAST_ACK, its ACK TIME_WAIT). */
static int tcp_next(int dir, int cls, int st)
{
	enum { NO = TCP_NONE, SS = TCP_SYN_SENT, S2 = TCP_SYN_SENT2,
	       SR = TCP_SYN_RECV, ES = TCP_ESTABLISHED, FW = TCP_FIN_WAIT,
	       CW = TCP_CLOSE_WAIT, LA = TCP_LAST_ACK, TW = TCP_TIME_WAIT,
	       CL = TCP_CLOSE, IV = T_IV, IG = T_IG };
	static const int8_t t[2][TI_N][TCP_NSTATES] = {
		[0] = {	/* original direction */
			[TI_SYN] = {[NO] = SS, [SS] = SS, [S2] = S2, [SR] = IG,
				    [ES] = IG, [FW] = IG, [CW] = IG, [LA] = IG,
				    [TW] = SS, [CL] = SS},
			[TI_SYNACK] = {[NO] = IV, [SS] = IV, [S2] = SR,
				       [SR] = SR, [ES] = IV, [FW] = IV,
				       [CW] = IV, [LA] = IV, [TW] = IV,
				       [CL] = IV},
			[TI_FIN] = {[NO] = IV, [SS] = IV, [S2] = IV, [SR] = FW,
				    [ES] = FW, [FW] = LA, [CW] = LA, [LA] = LA,
				    [TW] = TW, [CL] = CL},
			[TI_ACK] = {[NO] = ES, [SS] = IV, [S2] = IV, [SR] = ES,
				    [ES] = ES, [FW] = CW, [CW] = CW, [LA] = TW,
				    [TW] = TW, [CL] = CL},
			[TI_RST] = {[NO] = IV, [SS] = CL, [S2] = CL, [SR] = CL,
				    [ES] = CL, [FW] = CL, [CW] = CL, [LA] = CL,
				    [TW] = CL, [CL] = CL},
			[TI_NONE] = {[NO] = IV, [SS] = IV, [S2] = IV,
				     [SR] = IV, [ES] = IV, [FW] = IV,
				     [CW] = IV, [LA] = IV, [TW] = IV,
				     [CL] = IV},
		},
		[1] = {	/* reply direction */
			[TI_SYN] = {[NO] = IV, [SS] = S2, [S2] = S2, [SR] = IV,
				    [ES] = IV, [FW] = IV, [CW] = IV, [LA] = IV,
				    [TW] = SS, [CL] = IV},
			[TI_SYNACK] = {[NO] = IV, [SS] = SR, [S2] = SR,
				       [SR] = IG, [ES] = IG, [FW] = IG,
				       [CW] = IG, [LA] = IG, [TW] = IG,
				       [CL] = IG},
			[TI_FIN] = {[NO] = IV, [SS] = IV, [S2] = IV, [SR] = FW,
				    [ES] = FW, [FW] = LA, [CW] = LA, [LA] = LA,
				    [TW] = TW, [CL] = CL},
			[TI_ACK] = {[NO] = IV, [SS] = IG, [S2] = IG, [SR] = SR,
				    [ES] = ES, [FW] = CW, [CW] = CW, [LA] = TW,
				    [TW] = TW, [CL] = CL},
			[TI_RST] = {[NO] = IV, [SS] = CL, [S2] = CL, [SR] = CL,
				    [ES] = CL, [FW] = CL, [CW] = CL, [LA] = CL,
				    [TW] = CL, [CL] = CL},
			[TI_NONE] = {[NO] = IV, [SS] = IV, [S2] = IV,
				     [SR] = IV, [ES] = IV, [FW] = IV,
				     [CW] = IV, [LA] = IV, [TW] = IV,
				     [CL] = IV},
		},
	};
	return t[dir & 1][cls][st];
}

/* The TCP tracker for a packet of an existing entry; returns CT_INVALID
   or the state to report.  *fresh is set when a SYN on a closed entry
   (TIME_WAIT, CLOSE) starts a new connection, its sender the originator. */
static int tcp_track(Interp *in, CtEntry *e, int dir, const Pkt *p,
		     bool commit, bool *fresh)
{
	int cls = tcp_class(p->flags), st = e->tcp, nst;
	TcpDir s, r;

	*fresh = false;
	if (cls == TI_SYN && (st == TCP_TIME_WAIT || st == TCP_CLOSE)) {
		*fresh = true;	/* a new incarnation */
		return CT_NEW;
	}
	nst = tcp_next(dir, cls, st);
	if (nst == T_IV)
		return CT_INVALID;
	if (nst != T_IG) {
		/* a SYN/ACK must acknowledge the SYN it answers */
		if (cls == TI_SYNACK &&
		    (st == TCP_SYN_SENT || st == TCP_SYN_SENT2) &&
		    p->ack != e->td[!dir].end)
			return CT_INVALID;	/* stale: an old incarnation */
		s = e->td[dir];
		r = e->td[!dir];
		if (!tcp_window(&s, &r, p, st))
			return CT_INVALID;
		if (commit) {
			e->td[dir] = s;
			e->td[!dir] = r;
			if (p->flags & TCPF_FIN)
				e->td[dir].fin = true;
			if (dir == 1)
				e->status |= CTS_SEEN_REPLY;
			if (nst == TCP_ESTABLISHED &&
			    (e->status & CTS_SEEN_REPLY))
				e->status |= CTS_ASSURED;
			/* a retransmitted SYN does not extend its entry */
			if (!(cls == TI_SYN && st == TCP_SYN_SENT))
				e->expires = in->now_ms + tcp_timeout(in, nst);
			e->tcp = nst;
		}
	}
	return dir == 1 || (e->status & CTS_SEEN_REPLY) ? CT_ESTABLISHED
							 : CT_NEW;
}

static bool icmp_error(const Pkt *p)
{
	if (!p->l4)
		return false;
	if (p->proto == PROTO_ICMP)
		return p->icmp_type == 3 || p->icmp_type == 4 ||
		       p->icmp_type == 5 || p->icmp_type == 11 ||
		       p->icmp_type == 12;
	return p->proto == PROTO_ICMPV6 && p->icmp_type < 128;
}

/*
 * Sequence patterns
 */

static void seq_key(const Tuple *t, Tuple *k)
{
	int c = t->src.family ? memcmp(t->src.a, t->dst.a, 16) : 0;
	if (c > 0 || (c == 0 && t->sport > t->dport))
		tuple_rev(t, k);
	else
		*k = *t;
}

SeqEntry *interp_seq_find(Interp *in, const char *flow, const Tuple *key)
{
	for (int i = 0; i < in->nseq; i++)
		if (is(in->seq[i].flow->name, flow) &&
		    tuple_eq(&in->seq[i].key, key))
			return in->seq[i].deadline >= in->now_ms ? &in->seq[i]
								 : NULL;
	return NULL;
}

/* Does the packet match step pattern p? (evaluated on the L4 layer) */
static bool step_matches(Interp *in, const Pat *p)
{
	Env *env = NULL;
	if (in->pkt->l3 == 0)
		return false;
	return match(in, p, mk_layer(in, L_L4, 0), &env);
}

/* Sequence patterns (docs/semantics.md, "Sequence patterns"), as the data
   plane's fwl_seq_step (bpf/lib/seq.h): every packet arriving at ingress
   moves the state of its flow before the policies see it.  The packet's
   step is the first step of the pattern it matches.  In progress, the
   steps must come in order before the window's deadline (set by the
   first step; a first step restarts the sequence); once every step
   matched, the flow is matched until timeout-seq passes without a packet
   of the flow.  Without `within` the window is timeout-seq too. */
static void seq_update(Interp *in)
{
	Tuple t, k;

	tuple_of(in->pkt, &t);
	seq_key(&t, &k);
	for (int i = 0; i < in->prog->ndecls; i++) {
		const Decl *d = in->prog->decls[i];
		if (d->kind != D_FLOW)
			continue;
		SeqEntry *e = interp_seq_find(in, d->name, &k);
		uint64_t idle = in->now_ms + in->seq_timeout;
		if (e && e->matched) {
			e->deadline = idle;	/* the flow is alive */
			continue;
		}
		int step = -1;
		for (int s = 0; s < d->nsteps && step < 0; s++)
			if (step_matches(in, d->steps[s]))
				step = s;
		if (step < 0 || (step > 0 && (!e || step != e->step)))
			continue;
		if (!e) {
			/* a dead entry of this key is reused */
			for (int j = 0; j < in->nseq && !e; j++)
				if (in->seq[j].flow == d &&
				    tuple_eq(&in->seq[j].key, &k))
					e = &in->seq[j];
		}
		if (!e) {
			if (in->nseq == in->capseq) {
				in->capseq = in->capseq ? 2 * in->capseq : 16;
				in->seq = xrealloc(in->seq,
						   in->capseq * sizeof *in->seq);
			}
			e = &in->seq[in->nseq++];
		}
		if (step == 0) {
			memset(e, 0, sizeof *e);
			e->flow = d;
			e->key = k;
			e->deadline = d->has_within ? in->now_ms + d->within.u
						    : idle;
		}
		e->last = in->now_ms;
		e->step = step + 1;
		if (e->step >= d->nsteps) {
			e->matched = true;
			e->deadline = idle;
		} else if (!d->has_within) {
			e->deadline = idle;
		}
		effect_note(in, "flow %s: step %d of %d%s", d->name, step + 1,
			    d->nsteps, e->matched ? " (matched)" : "");
	}
}

/*
 * NAT
 */

static void nat_set_dst(Pkt *p, const PktAddr *a, uint16_t port)
{
	p->dst = *a;
	if (p->l4 && (p->proto == PROTO_TCP || p->proto == PROTO_UDP))
		p->dport = port;
}

static void nat_set_src(Pkt *p, const PktAddr *a, uint16_t port)
{
	p->src = *a;
	if (p->l4 && (p->proto == PROTO_TCP || p->proto == PROTO_UDP))
		p->sport = port;
}

/* Rewrite the header an ICMP error quotes (addresses, ports, checksum). */
static void nat_inner(Pkt *p, bool src, const PktAddr *a, uint16_t port)
{
	if (!p->has_inner || p->inner_l3 != 4 || p->paylen < 20)
		return;
	uint8_t *ip = p->payload;
	size_t h = (size_t)(ip[0] & 15) * 4;
	if (src) {
		memcpy(ip + 12, a->a, 4);
		p->inner_src = *a;
	} else {
		memcpy(ip + 16, a->a, 4);
		p->inner_dst = *a;
	}
	if ((p->inner_proto == PROTO_TCP || p->inner_proto == PROTO_UDP) &&
	    (size_t)p->paylen >= h + 4) {
		uint8_t *l4 = ip + h + (src ? 0 : 2);
		l4[0] = port >> 8;
		l4[1] = port & 0xff;
		if (src)
			p->inner_sport = port;
		else
			p->inner_dport = port;
	}
	ip[10] = ip[11] = 0;
	uint16_t c = (uint16_t)~pkt_csum_fold(pkt_csum_add(0, ip, h));
	ip[10] = c >> 8;
	ip[11] = c & 0xff;
}

/*
 * Policies
 */

static int hook_of(const char *s)
{
	static const char *n[] = {"Prerouting", "Input", "Forward", "Output",
				  "Postrouting"};
	for (int i = 0; i < H_COUNT; i++)
		if (is(s, n[i]))
			return i;
	return -1;
}

static int priority_of(const Expr *e)
{
	if (!e)
		return 0;
	if (e->kind == E_LIT && e->lit.kind == LIT_INT)
		return (int)e->lit.u;
	if (e->kind == E_NAME) {
		static const struct {
			const char *n;
			int v;
		} p[] = {{"Raw", -300}, {"Mangle", -150}, {"DstNat", -100},
			 {"Filter", 0}, {"Security", 50}, {"SrcNat", 100}};
		for (size_t i = 0; i < sizeof p / sizeof p[0]; i++)
			if (is(e->name, p[i].n))
				return p[i].v;
	}
	return 0;
}

static const Expr *prop(const Decl *d, const char *name)
{
	for (int i = 0; i < d->nattrs; i++)
		if (is(d->attrs[i]->name, name))
			return d->attrs[i]->value;
	return NULL;
}

static bool is_nat_policy(const Decl *d)
{
	const Expr *t = prop(d, "table");
	return t && t->kind == E_NAME && is(t->name, "NAT");
}

int interp_init(Interp *in, const Program *p, const FwlEffects *fx,
		char *err, size_t errsz)
{
	memset(in, 0, sizeof *in);
	in->prog = p;
	in->fx = *fx;
	in->ct_max = 65536;
	in->ct_loose = true;
	static const uint64_t tcp_to[TCP_NSTATES] = {
		[TCP_NONE] = 0, [TCP_SYN_SENT] = 120, [TCP_SYN_SENT2] = 120,
		[TCP_SYN_RECV] = 60, [TCP_ESTABLISHED] = 432000,
		[TCP_FIN_WAIT] = 120, [TCP_CLOSE_WAIT] = 60,
		[TCP_LAST_ACK] = 30, [TCP_TIME_WAIT] = 120, [TCP_CLOSE] = 10,
	};
	for (int i = 0; i < TCP_NSTATES; i++)
		in->tcp_timeout[i] = tcp_to[i] * 1000;
	in->udp_timeout = 30000;
	in->udp_stream_timeout = 120000;
	in->icmp_timeout = 30000;
	in->other_timeout = 600000;
	in->seq_timeout = 600000;
	in->frag_timeout = 30000;
	in->now_ms = 1000000;	/* so deadlines never underflow */

	for (int i = 0; i < p->ndecls; i++) {
		const Decl *d = p->decls[i];
		if (d->kind != D_POLICY)
			continue;
		const Expr *h = prop(d, "hook");
		int k = h && h->kind == E_NAME ? hook_of(h->name) : -1;
		if (k < 0) {
			snprintf(err, errsz, "%s:%u:%u: policy '%s' has no hook "
				 "the interpreter knows (Prerouting, Input, "
				 "Forward, Output, Postrouting)",
				 source_get(d->span.file)
					 ? source_get(d->span.file)->path : "?",
				 d->span.line, d->span.col, d->name);
			return -1;
		}
		if (in->nhooks[k] == 32) {
			snprintf(err, errsz, "more than 32 policies on hook %s",
				 interp_hook_name(k));
			return -1;
		}
		/* insertion by priority, stable in source order */
		int pr = priority_of(prop(d, "priority"));
		int j = in->nhooks[k]++;
		while (j > 0 &&
		       priority_of(prop(in->hooks[k][j - 1], "priority")) > pr) {
			in->hooks[k][j] = in->hooks[k][j - 1];
			j--;
		}
		in->hooks[k][j] = d;
	}
	return 0;
}

void interp_free(Interp *in)
{
	free(in->ct);
	free(in->expect);
	free(in->frag);
	free(in->hidx);
	free(in->seq);
	free(in->counters);
	free(in->buckets);
	free(in->lograte);
	arena_free(&in->scratch);
	memset(in, 0, sizeof *in);
}

Counter *interp_counter(Interp *in, const char *policy, int arm)
{
	for (int i = 0; i < in->ncounters; i++)
		if (is(in->counters[i].policy->name, policy) &&
		    in->counters[i].arm == arm)
			return &in->counters[i];
	return NULL;
}

static void count(Interp *in, const Decl *pol, int arm)
{
	Counter *c = interp_counter(in, pol->name, arm);
	if (!c) {
		in->counters = xrealloc(in->counters,
					(in->ncounters + 1) * sizeof *c);
		c = &in->counters[in->ncounters++];
		c->policy = pol;
		c->arm = arm;
		c->packets = c->bytes = 0;
	}
	c->packets++;
	c->bytes += (uint64_t)in->pkt->len;
	if (in->res && in->res->ncounted < MAX_COUNTED)
		in->res->counted[in->res->ncounted++] = (Counted){pol, arm};
}

void interp_counted_name(const Counted *c, char *buf, size_t size)
{
	snprintf(buf, size, "%s#%d", c->policy->name, c->arm);
}

void interp_arm_name(const TraceStep *s, char *buf, size_t size)
{
	if (s->arm)
		snprintf(buf, size, "%s#%d", s->policy->name, s->arm);
	else
		snprintf(buf, size, "%s#end", s->policy->name);
}

/* Actions a policy arm may produce. */
enum { A_ALLOW, A_DROP, A_CONTINUE, A_DNAT, A_SNAT, A_MASQ };

typedef struct Action {
	int kind;
	PktAddr addr;
	uint16_t port;
	bool has_port;
	Span at;		/* the arm body that chose it */
} Action;

/* A backend of a set, as the data plane orders them: address bytes,
   then port. */
typedef struct Backend {
	uint8_t addr[16];
	uint16_t port;
	bool has_port;
} Backend;

static int backend_cmp(const void *x, const void *y)
{
	const Backend *a = x, *b = y;
	int c = memcmp(a->addr, b->addr, 16);
	if (c)
		return c;
	return (a->port > b->port) - (a->port < b->port);
}

/* DNAT(set) / SNAT(set) (docs/semantics.md, "NAT"): the flow's backend
   among the set's backends of the packet's family, sorted and without
   duplicates, is number fwl_nat_flow_hash(original tuple) % count.
   false: the set has no backend of that family. */
static bool pick_backend(Interp *in, const Value *set, Action *a, Span at)
{
	Backend be[FWL_NAT_SET_SIZE];	/* per family, as maps/nat.h */
	int n = 0, fam = in->pkt->l3;
	for (int i = 0; i < set->con.n; i++) {
		const Value *x = set->con.args[i], *ip = x, *port = NULL;
		if (x->kind == V_TUPLE && x->con.n == 2) {
			ip = x->con.args[0];
			port = x->con.args[1];
		}
		if (ip->kind != V_IP || (port && port->kind != V_PORT) ||
		    ip->ip.prefix != (ip->ip.family == 4 ? 32 : 128))
			fail(in, at, "a backend of a NAT set must be an "
				     "address or (address, port)");	/* E0623 */
		if (ip->ip.family != fam)
			continue;
		Backend b = {.port = port ? port->port.lo : 0,
			     .has_port = port != NULL};
		memcpy(b.addr, ip->ip.addr, 16);
		bool dup = false;
		for (int j = 0; j < n; j++)
			dup |= !backend_cmp(&be[j], &b);
		if (dup)
			continue;
		if (n == FWL_NAT_SET_SIZE)	/* the checker refuses it (E0624) */
			fail(in, at, "a NAT set of more than %d IPv%d "
			     "backends", FWL_NAT_SET_SIZE, fam);
		be[n++] = b;
	}
	if (!n)
		return false;
	qsort(be, (size_t)n, sizeof be[0], backend_cmp);
	const Tuple *t = &in->flow0;
	uint32_t h = fwl_nat_flow_hash(t->src.a, t->dst.a, t->sport,
				       t->dport, t->proto);
	const Backend *b = &be[h % (uint32_t)n];
	a->addr.family = (uint8_t)fam;
	memcpy(a->addr.a, b->addr, 16);
	a->port = b->port;
	a->has_port = b->has_port && b->port;
	return true;
}

static void action_from(Interp *in, Value *v, Action *a, Span at)
{
	memset(a, 0, sizeof *a);
	if (v->kind != V_CON)
		fail(in, at, "the arm gives a %s, not an Action",
		     kind_name(v->kind));
	const char *n = v->con.name;
	if (is(n, "Allow") || is(n, "Accept")) {
		a->kind = A_ALLOW;
	} else if (is(n, "Drop") || is(n, "Reject")) {
		a->kind = A_DROP;
	} else if (is(n, "Continue")) {
		a->kind = A_CONTINUE;
	} else if (is(n, "Masquerade")) {
		a->kind = A_MASQ;
	} else if (is(n, "DNATMap")) {
		if (v->con.n != 1 || v->con.args[0]->kind != V_MAP)
			fail(in, at, "DNATMap takes a map");
		Value *m = v->con.args[0];
		Value *key = mk_con(in, NULL, 2);
		key->kind = V_TUPLE;
		key->con.args[0] = proto_value(in, in->pkt->proto);
		key->con.args[1] = mk_port(in, in->pkt->dport);
		a->kind = A_ALLOW;
		if (!in->pkt->l4 || (in->pkt->proto != PROTO_TCP &&
				     in->pkt->proto != PROTO_UDP))
			return;
		for (int i = 0; i < m->con.n; i += 2) {
			if (!veq(in, key, m->con.args[i]))
				continue;
			Value *t = m->con.args[i + 1];
			if (t->kind != V_TUPLE || t->con.n != 2 ||
			    t->con.args[0]->kind != V_IP ||
			    t->con.args[1]->kind != V_PORT)
				fail(in, at, "DNATMap: map values must be "
					     "(IP, Port)");
			a->kind = A_DNAT;
			a->addr.family = t->con.args[0]->ip.family;
			memcpy(a->addr.a, t->con.args[0]->ip.addr, 16);
			a->port = t->con.args[1]->port.lo;
			a->has_port = true;
			return;
		}
	} else if ((is(n, "DNAT") || is(n, "SNAT")) && v->con.n == 1 &&
		   v->con.args[0]->kind == V_SET) {
		a->kind = is(n, "DNAT") ? A_DNAT : A_SNAT;
		if (!pick_backend(in, v->con.args[0], a, at))
			a->kind = A_ALLOW;	/* none of the packet's family */
	} else if (is(n, "DNAT") || is(n, "SNAT")) {
		a->kind = is(n, "DNAT") ? A_DNAT : A_SNAT;
		Value *t = v->con.n == 1 && v->con.args[0]->kind == V_TUPLE
				   ? v->con.args[0] : v;
		if (t->con.n < 1 || t->con.args[0]->kind != V_IP)
			fail(in, at, "%s needs an address", n);
		a->addr.family = t->con.args[0]->ip.family;
		memcpy(a->addr.a, t->con.args[0]->ip.addr, 16);
		if (t->con.n > 1 && t->con.args[1]->kind == V_PORT) {
			a->port = t->con.args[1]->port.lo;
			a->has_port = true;
		}
	} else {
		fail(in, at, "'%s' is not an Action (Allow, Drop, Continue, "
			     "DNAT, DNATMap, SNAT, Masquerade)", n);
	}
}

static void action_str(const Action *a, char *buf, size_t size)
{
	char s[64];
	static const char *n[] = {"Allow", "Drop", "Continue", "DNAT", "SNAT",
				  "Masquerade"};
	if (a->kind == A_DNAT || a->kind == A_SNAT) {
		pkt_addr_str(&a->addr, s, sizeof s);
		if (a->has_port)
			snprintf(buf, size, "%s %s:%u", n[a->kind], s, a->port);
		else
			snprintf(buf, size, "%s %s", n[a->kind], s);
	} else {
		snprintf(buf, size, "%s", n[a->kind]);
	}
}

/* Run the policies of a hook; returns A_ALLOW or A_DROP, with any NAT
   action in *nat. */
static int run_hook(Interp *in, int hook, Action *nat)
{
	in->hook = hook;
	for (int k = 0; k < in->nhooks[hook]; k++) {
		const Decl *pol = in->hooks[hook][k];
		if (is_nat_policy(pol) && !in->ct_first)
			continue;	/* NAT chains see a flow's first packet */
		if (in->res->ntrace == MAX_TRACE)
			fail(in, pol->span, "path longer than %d steps",
			     MAX_TRACE);
		TraceStep *st = &in->res->trace[in->res->ntrace++];
		memset(st, 0, sizeof *st);
		st->hook = hook;
		st->policy = pol;
		in->step = st;
		Action a = {.kind = A_ALLOW};
		bool decided = false;
		for (int i = 0; i < pol->narms && !decided; i++) {
			const Arm *arm = pol->arms[i];
			Env *env = NULL;
			st->arm = i + 1;
			st->line = (int)arm->span.line;
			if (!match(in, arm->pat, mk_layer(in, L_FRAME, 0), &env))
				continue;
			if (arm->guard) {
				Value *g = eval(in, arm->guard, env);
				if (g->kind != V_BOOL)
					fail(in, arm->guard->span,
					     "guard is a %s, not a Bool",
					     kind_name(g->kind));
				if (!g->b)
					continue;
			}
			/* the arm matched: its counter counts the packet,
			   whatever its body decides (nftables' meaning) */
			count(in, pol, st->arm);
			Value *v = eval(in, arm->body, env);
			action_from(in, v, &a, arm->body->span);
			a.at = arm->body->span;
			if (a.kind == A_CONTINUE) {
				effect_note(in, "arm %d: Continue", i + 1);
				continue;
			}
			decided = true;
		}
		if (!decided) {
			st->arm = 0;
			st->line = 0;
			a.kind = A_ALLOW;	/* a chain's policy: accept */
		}
		action_str(&a, st->action, sizeof st->action);
		if (a.kind == A_DROP) {
			char nm[96];
			interp_arm_name(st, nm, sizeof nm);
			snprintf(in->res->reason, sizeof in->res->reason, "%s",
				 nm);
			return A_DROP;
		}
		if (a.kind == A_DNAT &&
		    hook != H_PREROUTING && hook != H_OUTPUT)
			fail(in, pol->span, "DNAT in the %s hook (only "
					    "prerouting and output)",
			     interp_hook_name(hook));
		if ((a.kind == A_SNAT || a.kind == A_MASQ) &&
		    hook != H_POSTROUTING && hook != H_INPUT)
			fail(in, pol->span, "%s in the %s hook (only "
					    "postrouting and input)",
			     a.kind == A_MASQ ? "Masquerade" : "SNAT",
			     interp_hook_name(hook));
		if (a.kind != A_ALLOW && !nat->kind)
			*nat = a;
	}
	in->step = NULL;
	return A_ALLOW;
}

static bool reply_tuple_used(Interp *in, const Tuple *t)
{
	int dir;
	return interp_ct_find(in, t, &dir) != NULL;
}

/* Is t the untranslated reverse of a translated connection's original
   tuple?  Such a packet is not that connection's reply (its replies come
   translated) but a new connection whose entry would clash with it: the
   data plane keeps one entry per address and port pair, so it is dropped
   where the new flow would be created (docs/semantics.md). */
static bool nat_clash(Interp *in, const Tuple *t)
{
	Tuple rv;
	int dir;
	tuple_rev(t, &rv);
	CtEntry *x = interp_ct_find(in, &rv, &dir);
	return x && dir == 0 && (x->status & (CTS_SNAT | CTS_DNAT));
}

/* Would the reply of p, DNAT'd now, be that of another translated flow?
   Two flows from one source (and port) to two addresses DNAT'd to one
   target (a backend set makes it common) have one reply tuple: as Linux,
   which confirms the second with a clashing reply tuple never (a DNAT
   without a port range does not move the port), the second is dropped
   (bpf/lib/nat.h fwl_nat_dnat_commit, its binding in fwl_nat_rev). */
static bool dnat_reply_bound(Interp *in, const Pkt *p)
{
	Tuple cur, rt;
	tuple_of(p, &cur);
	tuple_rev(&cur, &rt);
	for (int i = 0; i < in->nct; i++) {
		const CtEntry *x = &in->ct[i];
		if (x->expires > in->now_ms &&
		    (x->status & (CTS_SNAT | CTS_DNAT)) &&
		    tuple_eq(&x->reply, &rt))
			return true;
	}
	return false;
}

static int route(Interp *in, bool *local, char *oif, size_t size)
{
	FxAddr d = {.family = in->pkt->dst.family};
	memcpy(d.a, in->pkt->dst.a, 16);
	d.prefix = d.family == 4 ? 32 : 128;
	*local = false;
	if (in->pkt->l3 == 0)
		return FX_ERROR;
	if (in->fx.fib_daddr_local) {
		int rc = in->fx.fib_daddr_local(in->fx.ctx, &d, local);
		if (rc == FX_OK && *local)
			return FX_OK;
		if (rc == FX_UNMOCKED)
			return FX_UNMOCKED;
	} else {
		return FX_UNMOCKED;
	}
	return in->fx.fib_route ? in->fx.fib_route(in->fx.ctx, &d, oif, size)
				: FX_UNMOCKED;
}

/* ICMP queries (echo, timestamp, information, address mask) make
   pseudo-flows; other non-error messages are not tracked (neighbour
   discovery, MLD, router messages). */
static bool icmp_request(const Pkt *p)
{
	if (p->proto == PROTO_ICMP)
		return p->icmp_type == 8 || p->icmp_type == 13 ||
		       p->icmp_type == 15 || p->icmp_type == 17;
	return p->proto == PROTO_ICMPV6 && p->icmp_type == 128;
}

static bool icmp_reply(const Pkt *p)
{
	if (p->proto == PROTO_ICMP)
		return p->icmp_type == 0 || p->icmp_type == 14 ||
		       p->icmp_type == 16 || p->icmp_type == 18;
	return p->proto == PROTO_ICMPV6 && p->icmp_type == 129;
}

static bool icmp_untracked(const Pkt *p)
{
	return (p->proto == PROTO_ICMP || p->proto == PROTO_ICMPV6) &&
	       !icmp_error(p) && !icmp_request(p) && !icmp_reply(p);
}

/* A packet of an existing pseudo-flow (UDP, ICMP, other) refreshes it. */
static void ct_refresh(Interp *in, CtEntry *e, int dir, const Pkt *p)
{
	if (dir == 1 && !(e->status & CTS_SEEN_REPLY))
		e->status |= CTS_SEEN_REPLY | (p->proto == PROTO_UDP
						       ? CTS_ASSURED : 0);
	if (p->proto == PROTO_UDP)
		e->expires = in->now_ms + ((e->status & CTS_SEEN_REPLY)
						   ? in->udp_stream_timeout
						   : in->udp_timeout);
	else if (p->proto == PROTO_ICMP || p->proto == PROTO_ICMPV6)
		e->expires = in->now_ms + in->icmp_timeout;
	else
		e->expires = in->now_ms + in->other_timeout;
}

/* First fragments record their ports under (src, dst, id, proto); later
   ones get them back, so conntrack sees the flow.  Returns whether a
   later fragment found its first. */
static bool frag_resolve(Interp *in, Pkt *p)
{
	if (!p->l3 || !p->has_frag)
		return false;
	uint32_t id = p->l3 == 6 ? p->frag_id6 : p->ip_id;
	FragEntry *f = NULL;
	for (int i = 0; i < in->nfrag; i++) {
		FragEntry *c = &in->frag[i];
		if (c->id == id && c->proto == p->proto &&
		    c->src.family == p->src.family &&
		    memcmp(c->src.a, p->src.a, 16) == 0 &&
		    memcmp(c->dst.a, p->dst.a, 16) == 0 &&
		    c->expires > in->now_ms)
			f = c;
	}
	if (!p->frag_off) {
		if (!f) {
			in->frag = xrealloc(in->frag,
					    (in->nfrag + 1) * sizeof *in->frag);
			f = &in->frag[in->nfrag++];
		}
		f->src = p->src;
		f->dst = p->dst;
		f->id = id;
		f->proto = p->proto;
		f->l4 = p->l4;
		f->sport = p->sport;
		f->dport = p->dport;
		f->icmp_type = p->icmp_type;
		f->icmp_code = p->icmp_code;
		f->icmp_id = p->icmp_id;
		f->expires = in->now_ms + in->frag_timeout;
		return false;
	}
	if (!f)
		return false;
	p->l4 = f->l4;
	p->sport = f->sport;
	p->dport = f->dport;
	p->icmp_type = f->icmp_type;
	p->icmp_code = f->icmp_code;
	p->icmp_id = f->icmp_id;
	return true;
}

/*
 * Connection helpers (docs/semantics.md, "Conntrack helpers").
 */

#define EXPECT_TIMEOUT_MS 300000	/* an expectation lives 300 s */
#define FTP_SCAN 128			/* payload bytes the helper reads */

static bool addr_eq(const PktAddr *a, const PktAddr *b)
{
	return a->family == b->family && memcmp(a->a, b->a, 16) == 0;
}

/* Take (and remove) the expectation a SYN from src to dst:dport meets;
 * expired ones are removed on the way.  Returns whether one did. */
static bool expect_take(Interp *in, const Pkt *p, char *helper, size_t hsz)
{
	bool hit = false;
	for (int i = 0; i < in->nexpect;) {
		CtExpect *x = &in->expect[i];
		bool match = addr_eq(&x->src, &p->src) &&
			     addr_eq(&x->dst, &p->dst) && x->dport == p->dport;
		if (match || x->expires < in->now_ms) {
			if (match && !hit && x->expires >= in->now_ms) {
				hit = true;
				snprintf(helper, hsz, "%s", x->helper);
			}
			in->expect[i] = in->expect[--in->nexpect];
			continue;
		}
		i++;
	}
	return hit;
}

/* Up to six numbers after the 4-byte command word: from the first digit,
 * numbers of 1..5 digits separated by one of , . | up to any other byte. */
static int ftp_numbers(const uint8_t *b, int len, unsigned v[6])
{
	int n = 0, i = 4;
	while (i < len && !(b[i] >= '0' && b[i] <= '9'))
		i++;
	while (i < len && n < 6) {
		unsigned x = 0;
		int d = 0;
		while (i < len && b[i] >= '0' && b[i] <= '9') {
			if (++d > 5)
				return 0;
			x = x * 10 + (unsigned)(b[i++] - '0');
		}
		v[n++] = x;
		if (i >= len || (b[i] != ',' && b[i] != '.' && b[i] != '|'))
			break;
		while (i < len && (b[i] == ',' || b[i] == '.' || b[i] == '|'))
			i++;
		if (i >= len || !(b[i] >= '0' && b[i] <= '9'))
			break;
	}
	return n;
}

/* The FTP helper on an allowed packet of flow e going direction dir:
 * PORT/EPRT (from the originator) and 227/229 (from the responder)
 * announce a data connection, which becomes an expectation. */
static void ftp_helper(Interp *in, const Pkt *p, int dir)
{
	const uint8_t *b = p->payload;
	int len = p->paylen < FTP_SCAN ? p->paylen : FTP_SCAN;
	unsigned v[6] = {0};
	PktAddr announced = {0};
	int cmd = 0, n;
	uint16_t port;

	if (len < 6)
		return;
	if (dir == 0 && !memcmp(b, "PORT ", 5))
		cmd = 'P';
	else if (dir == 0 && !memcmp(b, "EPRT ", 5))
		cmd = 'E';
	else if (dir == 1 && !memcmp(b, "227 ", 4))
		cmd = '7';
	else if (dir == 1 && !memcmp(b, "229 ", 4))
		cmd = '9';
	if (!cmd)
		return;
	n = ftp_numbers(b, len, v);
	unsigned *a = cmd == 'E' ? v + 1 : v;
	if (cmd == '9') {
		if (n < 1 || v[0] > 65535)
			return;
		port = (uint16_t)v[0];
		announced = p->src;
	} else {
		if (n != 6 || p->src.family != 4 || a[0] > 255 || a[1] > 255 ||
		    a[2] > 255 || a[3] > 255 || (cmd == 'E' && v[0] != 1))
			return;
		if (cmd == 'E' ? v[5] > 65535 : (v[4] > 255 || v[5] > 255))
			return;
		port = (uint16_t)(cmd == 'E' ? v[5] : v[4] << 8 | v[5]);
		announced.family = 4;
		for (int i = 0; i < 4; i++)
			announced.a[i] = (uint8_t)a[i];
	}
	/* only the sender's own address (Linux's helper without "loose") */
	if (!port || !addr_eq(&announced, &p->src))
		return;
	CtExpect *x = NULL;
	for (int i = 0; i < in->nexpect; i++)
		if (addr_eq(&in->expect[i].src, &p->dst) &&
		    addr_eq(&in->expect[i].dst, &p->src) &&
		    in->expect[i].dport == port)
			x = &in->expect[i];
	if (!x) {
		in->expect = xrealloc(in->expect,
				      (in->nexpect + 1) * sizeof *in->expect);
		x = &in->expect[in->nexpect++];
	}
	memset(x, 0, sizeof *x);
	x->src = p->dst;	/* the peer connects ... */
	x->dst = p->src;	/* ... to the sender */
	x->dport = port;
	x->expires = in->now_ms + EXPECT_TIMEOUT_MS;
	snprintf(x->helper, sizeof x->helper, "ftp");
	effect_note(in, "ftp helper: expect %s port %u", cmd == 'P' ? "PORT"
		    : cmd == 'E' ? "EPRT" : cmd == '7' ? "227" : "229",
		    (unsigned)port);
}

/* A later fragment leaves as it came: the ports its first fragment lent
   to conntrack are not on the wire. */
static void wire_l4(Pkt *out, const Pkt *wire)
{
	out->l4 = wire->l4;
	out->sport = wire->sport;
	out->dport = wire->dport;
	out->icmp_type = wire->icmp_type;
	out->icmp_code = wire->icmp_code;
	out->icmp_id = wire->icmp_id;
}

int interp_packet(Interp *in, const Pkt *pkt0, const char *iif,
		  const char *oif_given, Result *r)
{
	static Pkt work;	/* large: keep it off the stack */
	Pkt *p = &work;
	char oifbuf[32] = "";
	Action nat = {0};
	Tuple t0;

	memset(r, 0, offsetof(Result, out));
	r->ntrace = 0;
	r->ncounted = 0;
	r->err[0] = 0;
	r->after[0] = 0;
	*p = *pkt0;
	/* values of earlier packets are dead; free them in bulk now and
	   then rather than per packet (each free unmaps a block) */
	if (in->scratch.total > (4u << 20))
		arena_free(&in->scratch);
	in->pkt = p;
	in->res = r;
	in->step = NULL;
	in->depth = 0;
	in->cur_ct = NULL;
	in->cur_dir = 0;
	in->frag_later = false;
	in->pending_status = 0;
	in->pending_helper[0] = 0;
	bool local_out = is(iif, "local");
	in->iif = local_out ? NULL : iif;
	in->oif = NULL;
	snprintf(r->iif, sizeof r->iif, "%s", iif);
	ct_sweep(in, false);

	if (setjmp(in->fail)) {
		r->verdict = VERDICT_ERROR;
		r->out = *p;
		in->step = NULL;
		return r->verdict;
	}

	if (p->invalid && local_out) {
		/* the host's own malformed packet: no policy sees it, it
		   leaves as built (the data plane counts and passes it,
		   bpf/egress.h) */
		bool to_self = false;
		char dev[32] = "";
		r->verdict = VERDICT_ALLOW;
		r->ct_state = CT_INVALID;
		r->out = *p;
		int rc = FX_OK;
		if (oif_given)
			snprintf(r->oif, sizeof r->oif, "%s", oif_given);
		else if (p->l3 && (rc = route(in, &to_self, dev,
					      sizeof dev)) == FX_OK &&
			 !to_self)
			snprintf(r->oif, sizeof r->oif, "%s", dev);
		if (rc == FX_ERROR) {
			/* no route: its sender gets ENETUNREACH */
			r->verdict = VERDICT_DROP;
			snprintf(r->reason, sizeof r->reason,
				 "no route: the sender gets ENETUNREACH");
		}
		return r->verdict;
	}
	if (p->invalid) {
		r->verdict = VERDICT_DROP;
		r->ct_state = CT_INVALID;
		snprintf(r->reason, sizeof r->reason, "invalid: %s",
			 p->invalid);
		r->out = *p;
		return r->verdict;
	}

	/* the host's packet to one of its own addresses travels over lo,
	   where no program of the data plane runs: no policy sees it and
	   conntrack does not track it (docs/semantics.md) */
	char host_dev[32] = "";	/* where the kernel routed the host's packet */
	if (local_out && p->l3) {
		bool to_self = false;
		FxAddr d = {.family = p->dst.family,
			    .prefix = p->dst.family == 4 ? 32 : 128};
		memcpy(d.a, p->dst.a, 16);
		if (oif_given)
			to_self = is(oif_given, "local");
		else if (!in->fx.fib_daddr_local ||
			 in->fx.fib_daddr_local(in->fx.ctx, &d, &to_self) !=
				 FX_OK)
			to_self = false;
		if (to_self) {
			r->verdict = VERDICT_ALLOW;
			r->ct_state = CT_UNTRACKED;
			r->out = *p;
			return r->verdict;
		}
		/* no route: the host routes its own packet before Output,
		   and its sender gets ENETUNREACH; nothing is built, no
		   hook sees it, nothing is tracked, nothing leaves */
		char dev[32];
		int hrc = oif_given ? FX_OK
				    : route(in, &to_self, dev, sizeof dev);
		if (hrc == FX_ERROR) {
			r->verdict = VERDICT_DROP;
			r->ct_state = CT_UNTRACKED;
			snprintf(r->reason, sizeof r->reason,
				 "no route: the sender gets ENETUNREACH");
			r->out = *p;
			return r->verdict;
		}
		if (!oif_given && hrc == FX_OK && !to_self)
			snprintf(host_dev, sizeof host_dev, "%s", dev);
	}

	/* later fragments get the ports of their first (by fragment id):
	   conntrack classifies them by that flow and the policies match
	   them as they matched it (as netfilter's filter sees the
	   reassembled datagram); one whose first was not seen is a
	   Fragment.  The packet itself keeps no ports (r->out below). */
	bool later = p->l3 && p->has_frag && p->frag_off;
	bool resolved = frag_resolve(in, p);
	in->frag_later = later && !resolved;

	/* conntrack lookup (docs/semantics.md, "Connection tracking") */
	int dir = 0;
	CtEntry *e = NULL;
	bool fresh = false, related = false;
	int state = CT_UNTRACKED;
	bool icmp = p->proto == PROTO_ICMP || p->proto == PROTO_ICMPV6;
	/* other IP protocols: Linux's generic tracker, by addresses and
	   protocol */
	bool generic = p->l3 && !p->l4 && !icmp && p->proto != PROTO_TCP &&
		       p->proto != PROTO_UDP;
	tuple_of(p, &t0);
	in->flow0 = t0;
	if (p->l3 && later && !resolved) {
		state = CT_INVALID;	/* a later fragment of no known flow */
	} else if (p->l3 && icmp_error(p)) {
		if (p->has_inner && !later) {
			Tuple it = {.proto = p->inner_proto,
				    .src = p->inner_src, .dst = p->inner_dst,
				    .sport = p->inner_sport,
				    .dport = p->inner_dport};
			Tuple rv;
			tuple_rev(&it, &rv);
			int d2;
			e = interp_ct_find(in, &it, &d2);
			if (!e)
				e = interp_ct_find(in, &rv, &d2);
		}
		if (e) {
			related = true;
			state = CT_RELATED;
			/* the quoted packet went orig (after SNAT) when the
			   inner equals the reverse of the reply tuple */
			Tuple it = {.proto = p->inner_proto,
				    .src = p->inner_src, .dst = p->inner_dst,
				    .sport = p->inner_sport,
				    .dport = p->inner_dport};
			Tuple rr;
			tuple_rev(&e->reply, &rr);
			dir = tuple_eq(&it, &rr) ? 1 : 0;
		} else {
			state = CT_INVALID;	/* about no flow we know */
		}
	} else if (p->l3 && p->l4 && icmp_untracked(p)) {
		state = CT_UNTRACKED;	/* ND, MLD, router messages, ... */
	} else if (p->l3 && (p->l4 || generic)) {
		e = interp_ct_find(in, &t0, &dir);
		if (e && later) {
			/* classified, not tracked: no header to check */
			state = dir == 1 || (e->status & CTS_SEEN_REPLY)
					? CT_ESTABLISHED : CT_NEW;
		} else if (e && p->proto == PROTO_TCP) {
			/* an existing flow is updated now, before the
			   policies (netfilter's order; bpf/lib/ct.h too) */
			if (!tcp_flags_valid(p->flags)) {
				state = CT_INVALID;
			} else {
				int s2 = tcp_track(in, e, dir, p, true,
						   &fresh);
				if (fresh) {
					/* the closed connection is gone now,
					   whatever the policies then decide
					   of the SYN (Linux: nf_ct_kill, then
					   the packet is looked up again) */
					e->expires = 0;
					e = NULL, dir = 0;
				}
				state = fresh ? CT_NEW : s2;
			}
		} else if (e && icmp_request(p) && dir == 1) {
			state = CT_INVALID;	/* a request the wrong way */
		} else if (e) {
			state = dir == 1 || (e->status & CTS_SEEN_REPLY)
					? CT_ESTABLISHED : CT_NEW;
			ct_refresh(in, e, dir, p);
		} else if (later) {
			state = CT_INVALID;
		} else if (p->proto == PROTO_TCP) {
			/* Linux's tcp_new: a SYN opens a flow; with loose
			   pick-up a plain ACK (no SYN, FIN, RST) joins one
			   mid-stream; nothing else */
			int cls = tcp_class(p->flags);
			if (!tcp_flags_valid(p->flags) ||
			    !(cls == TI_SYN ||
			      (cls == TI_ACK && in->ct_loose)))
				state = CT_INVALID;
			else
				state = CT_NEW;
		} else if (icmp && !icmp_request(p)) {
			state = CT_INVALID;	/* a reply to no request */
		} else {
			state = CT_NEW;
		}
		if (e && state != CT_INVALID) {
			e->packets[dir]++;
			e->bytes[dir] += (uint64_t)p->len;
		}
	} else if (p->l3) {
		state = CT_UNTRACKED;
	}
	/* a SYN a helper expected opens a RELATED flow; the expectation is
	   used up whatever the policies decide (as in Linux) */
	if (state == CT_NEW && !e && p->proto == PROTO_TCP && p->l4 &&
	    (p->flags & (TCPF_SYN | TCPF_ACK | TCPF_FIN | TCPF_RST)) ==
		    TCPF_SYN &&
	    expect_take(in, p, in->pending_helper, sizeof in->pending_helper)) {
		state = CT_RELATED;
		in->pending_status |= CTS_EXPECTED;
	}
	/* an expected flow stays RELATED until its first reply */
	if (state == CT_NEW && e && dir == 0 && (e->status & CTS_EXPECTED))
		state = CT_RELATED;
	in->ct_state = state;
	/* the packet that opens its flow (creates the entry below, if the
	   policies accept it); Linux's NAT chains see only that one */
	in->ct_first = (state == CT_NEW ||
			(state == CT_RELATED &&
			 (in->pending_status & CTS_EXPECTED))) &&
		       (!e || fresh) && p->l3 &&
		       !(p->proto == PROTO_TCP && !tcp_flags_valid(p->flags));
	in->cur_ct = state == CT_INVALID ? NULL : e;
	in->cur_dir = dir;
	r->ct_state = state;
	/* Conntrack.offload: established packets skip the filter hooks (the
	   XDP fast path); NAT and Postrouting still see them */
	bool offloaded = e && !related && state == CT_ESTABLISHED &&
			 (e->status & CTS_OFFLOAD) && !local_out;

	/* NAT of packets of known flows, before routing */
	if (e && !related && state != CT_INVALID) {
		if (dir == 0 && (e->status & CTS_DNAT))
			nat_set_dst(p, &e->reply.src, e->reply.sport);
		if (dir == 1 && (e->status & CTS_SNAT))
			nat_set_dst(p, &e->orig.src, e->orig.sport);
	}
	if (e && related && dir == 1 && (e->status & CTS_SNAT)) {
		p->dst = e->orig.src;
		nat_inner(p, true, &e->orig.src, e->orig.sport);
	}

	/* sequence patterns: every arriving packet, before the policies */
	if (!local_out && p->l3)
		seq_update(in);

	/* prerouting / output */
	int first = local_out ? H_OUTPUT : H_PREROUTING;
	if (!offloaded && run_hook(in, first, &nat) == A_DROP)
		goto drop;
	if (nat.kind == A_DNAT) {
		nat_set_dst(p, &nat.addr, nat.has_port ? nat.port : p->dport);
		in->pending_status |= CTS_DNAT;
	}

	/* routing */
	bool local = false, unroutable = false;
	if (oif_given) {
		local = is(oif_given, "local");
		snprintf(oifbuf, sizeof oifbuf, "%s", local ? "" : oif_given);
	} else {
		int rc = route(in, &local, oifbuf, sizeof oifbuf);
		if (rc == FX_UNMOCKED)
			fail(in, (Span){0},
			     "effect FIB (routing: is the destination local, "
			     "which interface) is not mocked by the scenario "
			     "(add 'fib local ADDR...' and 'fib route CIDR "
			     "IFACE', or give the packet '-> IFACE')");
		if (rc != FX_OK && (local_out || !p->l3)) {
			/* after an Output DNAT to an unroutable address;
			   a frame that is not IP */
			snprintf(r->reason, sizeof r->reason, "no route");
			r->verdict = VERDICT_DROP;
			r->out = *p;
			return r->verdict;
		}
		if (rc != FX_OK) {
			/* not routable: the data plane's FIB lookup
			   (bpf_fib_lookup) does not forward it, as for a
			   local destination, so Input judges it; if Input
			   accepts, the kernel drops it for want of a route
			   (docs/semantics.md, "Routing") */
			unroutable = true;
			local = true;
			oifbuf[0] = 0;
		}
	}
	/* the host's packet DNAT'd by its flow's binding: the data plane
	   translates it at TC egress, after the kernel routed it, and cannot
	   route it again as Linux's output NAT does; one whose new
	   destination lies another way is dropped (docs/semantics.md) */
	if (local_out && host_dev[0] && e && !related &&
	    state != CT_INVALID && dir == 0 && (e->status & CTS_DNAT) &&
	    (local || strcmp(oifbuf, host_dev) != 0)) {
		snprintf(r->reason, sizeof r->reason,
			 "nat: host packet translated onto another route");
		snprintf(r->oif, sizeof r->oif, "%s", host_dev);
		goto drop;
	}
	if (local_out)
		local = false;
	in->oif = local ? NULL : arena_strndup(&in->scratch, oifbuf,
					       strlen(oifbuf));
	snprintf(r->oif, sizeof r->oif, "%s",
		 unroutable ? "" : local ? "local" : oifbuf);
	r->local_in = local;
	if (!local_out) {
		if (!offloaded &&
		    run_hook(in, local ? H_INPUT : H_FORWARD, &nat) == A_DROP)
			goto drop;
	}

	if (in->ct_first && (nat_clash(in, &t0) ||
			     (nat.kind == A_DNAT && dnat_reply_bound(in, p)))) {
		snprintf(r->reason, sizeof r->reason,
			 "nat: reply tuple already bound");
		goto drop;
	}
	Pkt before_snat = *p;

	if (!local) {
		if (run_hook(in, H_POSTROUTING, &nat) == A_DROP)
			goto drop;
		if (e && !related && state != CT_INVALID) {
			if (dir == 0 && (e->status & CTS_SNAT))
				nat_set_src(p, &e->reply.dst, e->reply.dport);
			if (dir == 1 && (e->status & CTS_DNAT))
				nat_set_src(p, &e->orig.dst, e->orig.dport);
		}
	}

	/* conntrack create / update */
	if ((state == CT_NEW ||
	     (state == CT_RELATED && (in->pending_status & CTS_EXPECTED))) &&
	    (!e || fresh) && p->l3 &&
	    !(p->proto == PROTO_TCP && !tcp_flags_valid(p->flags))) {
		e = ct_alloc(in);
		if (e) {
			e->orig = t0;
			Tuple cur;
			tuple_of(p, &cur);
			if (nat.kind == A_DNAT) {
				e->status |= CTS_DNAT;
				cur.dst = p->dst;
				cur.dport = p->dport;
			}
			if (nat.kind == A_SNAT || nat.kind == A_MASQ) {
				PktAddr sa = nat.addr;
				if (nat.kind == A_MASQ && !in->oif) {
					in->nct--;
					fail(in, nat.at, "Masquerade on a packet "
							 "with no output "
							 "interface (input)");
				}
				if (nat.kind == A_MASQ) {
					FxAddr fa;
					int rc = in->fx.fib_iface_addr
						? in->fx.fib_iface_addr(
							  in->fx.ctx, in->oif,
							  p->l3, &fa)
						: FX_UNMOCKED;
					if (rc != FX_OK) {
						in->nct--;
						fail(in, nat.at,
						     "effect FIB (the address of "
						     "interface '%s' for "
						     "Masquerade) is not mocked "
						     "(add 'iface %s addr ADDR')",
						     in->oif, in->oif);
					}
					sa.family = fa.family;
					memcpy(sa.a, fa.a, 16);
				}
				/* keep the port when the reply tuple is
				   free, else the candidates of maps/nat.h
				   (its class, a hash of the flow); a
				   protocol without ports has none: the flow
				   clashes, as in Linux.  An ICMP query's
				   identifier is its port (echo, timestamp,
				   information, mask). */
				bool echo = p->l4 && icmp_request(p);
				bool ported = p->l4 &&
					      (p->proto == PROTO_TCP ||
					       p->proto == PROTO_UDP || echo);
				uint16_t orig = nat.has_port ? nat.port
							     : cur.sport;
				uint16_t pmin = nat.port, pmax = nat.port;
				if (!nat.has_port)
					fwl_nat_port_class(orig, echo, &pmin,
							   &pmax);
				uint32_t span = (uint32_t)pmax - pmin + 1;
				__be32 hs[4] = {0}, hd[4] = {0};
				memcpy(hs, p->src.a, p->l3 == 4 ? 4 : 16);
				memcpy(hd, p->dst.a, p->l3 == 4 ? 4 : 16);
				uint32_t h = fwl_nat_port_hash(
					hs, hd, echo ? 0 : cur.dport,
					(uint8_t)p->proto, 0);
				uint16_t port = orig;
				Tuple rt;
				bool got = false;
				for (int i = 0; i <= FWL_NAT_PROBES; i++) {
					if (i > 0)
						port = (uint16_t)(pmin +
							(h + (uint32_t)i) %
								span);
					cur.src = sa;
					cur.sport = ported ? port : cur.sport;
					tuple_rev(&cur, &rt);
					if (!reply_tuple_used(in, &rt)) {
						got = true;
						break;
					}
					if (!ported)
						break;
				}
				if (!got) {
					in->nct--;
					snprintf(r->reason, sizeof r->reason,
						 "nat: no free port");
					r->verdict = VERDICT_DROP;
					r->out = *p;
					return r->verdict;
				}
				if (!ported)
					port = cur.sport;
				e->status |= CTS_SNAT;
				nat_set_src(p, &sa, port);
			}
			tuple_rev(&cur, &e->reply);
			e->status |= in->pending_status &
				     (CTS_EXPECTED | CTS_OFFLOAD);
			snprintf(e->helper, sizeof e->helper, "%s",
				 in->pending_helper);
			if (p->proto == PROTO_TCP && p->l4) {
				if (p->flags & TCPF_SYN) {
					e->tcp = TCP_SYN_SENT;
					tcp_init_side(&e->td[0], pkt0);
				} else {
					/* picked up mid-stream (loose):
					   liberal windows, as in Linux */
					TcpDir *s = &e->td[0];
					e->tcp = TCP_ESTABLISHED;
					s->end = seg_end(pkt0);
					s->maxwin = pkt0->window ? pkt0->window
								 : 1;
					s->maxend = s->end + s->maxwin;
					s->known = true;
					s->liberal = e->td[1].liberal = true;
				}
				e->expires = in->now_ms +
					     in->tcp_timeout[e->tcp];
			} else if (p->proto == PROTO_UDP) {
				e->expires = in->now_ms + in->udp_timeout;
			} else if (p->proto == PROTO_ICMP ||
				   p->proto == PROTO_ICMPV6) {
				e->expires = in->now_ms + in->icmp_timeout;
			} else {
				e->expires = in->now_ms + in->other_timeout;
			}
			int d3;
			if (interp_ct_find(in, &e->orig, &d3) ||
			    interp_ct_find(in, &e->reply, &d3)) {
				/* a tuple of another flow (the reverse of a
				   translated flow's original, say): Linux's
				   confirm finds a clash; not tracked */
				in->nct--;
				in->ct_inserts--;
				in->ct_insert_failed++;
				e = NULL;
			} else {
				ct_index_add(in, (int)(e - in->ct));
				effect_note(in, "ct new #%d", e->id);
			}
		}
	}
	/* helpers read the packets the policies allowed */
	if (e && !related && state != CT_INVALID && is(e->helper, "ftp") &&
	    p->proto == PROTO_TCP && p->l4)
		ftp_helper(in, &before_snat, e == in->cur_ct ? dir : 0);
	r->ct = e;
	r->ct_id = e ? e->id : 0;
	r->verdict = VERDICT_ALLOW;
	if (unroutable) {
		r->verdict = VERDICT_DROP;
		snprintf(r->reason, sizeof r->reason,
			 "no route: the kernel drops it after Input");
	}
	r->out = *p;
	if (later)
		wire_l4(&r->out, pkt0);
	in->step = NULL;
	return r->verdict;

drop:
	r->verdict = VERDICT_DROP;
	r->out = *p;
	if (later)
		wire_l4(&r->out, pkt0);
	in->step = NULL;
	r->ct = e;	/* the flow's entry, also when this packet was
			   invalid for it */
	r->ct_id = e ? e->id : 0;
	return r->verdict;
}
