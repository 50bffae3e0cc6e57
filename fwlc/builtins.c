// SPDX-License-Identifier: MIT
/*
 * builtins.c - what FWL knows without a declaration: header records and
 * their fields, enumerations, effects and their operations, which hook
 * provides which effect and allows which action, and the builtin address
 * sets of `import x : CIDRSet from "builtin:NAME"`.  Data only; the
 * checker (check.c) and docs/semantics.md describe the same tables.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "fwlc/check_int.h"

/*
 * Header records.  dim names the packet-set dimension exhaust.c analyses
 * for the field (-1: the field is tested, but not analysed).
 */

static const FieldDef ether_fields[] = {
	{ "src", TY_MAC, NULL, -1 },
	{ "dst", TY_MAC, NULL, -1 },
	{ "type", TY_INT, NULL, -1 },
	{ NULL, 0, NULL, 0 },
};
static const FieldDef vlan_fields[] = {
	{ "id", TY_INT, NULL, -1 },
	{ "pcp", TY_INT, NULL, -1 },
	{ "dei", TY_INT, NULL, -1 },
	{ NULL, 0, NULL, 0 },
};
static const FieldDef ipv4_fields[] = {
	{ "src", TY_IP, NULL, DIM_SRC },
	{ "dst", TY_IP, NULL, DIM_DST },
	{ "protocol", TY_PROTO, NULL, DIM_PROTO },
	{ "ttl", TY_INT, NULL, -1 },
	{ "tos", TY_INT, NULL, -1 },
	{ "dscp", TY_INT, NULL, -1 },
	{ "length", TY_INT, NULL, -1 },
	{ "id", TY_INT, NULL, -1 },
	{ "fragment", TY_BOOL, NULL, -1 },
	{ "ihl", TY_INT, NULL, -1 },
	{ NULL, 0, NULL, 0 },
};
static const FieldDef ipv6_fields[] = {
	{ "src", TY_IP, NULL, DIM_SRC },
	{ "dst", TY_IP, NULL, DIM_DST },
	{ "nexthdr", TY_PROTO, NULL, DIM_PROTO },
	{ "hoplimit", TY_INT, NULL, -1 },
	{ "tclass", TY_INT, NULL, -1 },
	{ "flowlabel", TY_INT, NULL, -1 },
	{ "length", TY_INT, NULL, -1 },
	{ NULL, 0, NULL, 0 },
};
static const FieldDef tcp_fields[] = {
	{ "sport", TY_PORT, NULL, DIM_SPORT },
	{ "dport", TY_PORT, NULL, DIM_DPORT },
	{ "flags", TY_SET, "TcpFlag", -1 },
	{ "seq", TY_INT, NULL, -1 },
	{ "ack", TY_INT, NULL, -1 },
	{ "window", TY_INT, NULL, -1 },
	{ NULL, 0, NULL, 0 },
};
static const FieldDef udp_fields[] = {
	{ "sport", TY_PORT, NULL, DIM_SPORT },
	{ "dport", TY_PORT, NULL, DIM_DPORT },
	{ "length", TY_INT, NULL, -1 },
	{ "checksum", TY_INT, NULL, -1 },
	{ NULL, 0, NULL, 0 },
};
static const FieldDef icmp_fields[] = {
	{ "type", TY_ENUM, "IcmpType", DIM_ITYPE },
	{ "code", TY_INT, NULL, DIM_ICODE },
	{ NULL, 0, NULL, 0 },
};
static const FieldDef icmp6_fields[] = {
	{ "type", TY_ENUM, "Icmp6Type", DIM_ITYPE },
	{ "code", TY_INT, NULL, DIM_ICODE },
	{ NULL, 0, NULL, 0 },
};

static const HeaderDef headers[] = {
	{ "Ether", "EtherHeader", 0, 2, -1, ether_fields },
	{ "VLAN", "VLANHeader", 0, 3, -1, vlan_fields },
	{ "IPv4", "IPv4Header", 4, 3, -1, ipv4_fields },
	{ "IPv6", "IPv6Header", 6, 3, -1, ipv6_fields },
	{ "TCP", "TCPHeader", 0, 4, 6, tcp_fields },
	{ "UDP", "UDPHeader", 0, 4, 17, udp_fields },
	{ "ICMP", "ICMPHeader", 4, 4, 1, icmp_fields },
	{ "ICMPv6", "ICMPv6Header", 6, 4, 58, icmp6_fields },
	{ NULL, NULL, 0, 0, 0, NULL },
};

const HeaderDef *header_by_con(const char *con)
{
	for (const HeaderDef *h = headers; h->con; h++)
		if (!strcmp(h->con, con))
			return h;
	return NULL;
}

const HeaderDef *header_by_type(const char *type)
{
	for (const HeaderDef *h = headers; h->con; h++)
		if (!strcmp(h->type, type))
			return h;
	return NULL;
}

const FieldDef *header_field(const HeaderDef *h, const char *name)
{
	for (const FieldDef *f = h->fields; f->name; f++)
		if (!strcmp(f->name, name))
			return f;
	return NULL;
}

/*
 * Enumerations
 */

#define VALUES(...) (const char *const[]){ __VA_ARGS__ }
#define NVALUES(...) (int)(sizeof((const char *const[]){ __VA_ARGS__ }) / \
			   sizeof(const char *))
#define ENUM(name, ...) { name, VALUES(__VA_ARGS__), NVALUES(__VA_ARGS__), NULL }

static const int icmp_numbers[] = { 0, 3, 5, 8, 11, 12, 13, 14 };
static const int icmp6_numbers[] = { 1, 2, 3, 4, 128, 129, 133, 134, 135,
				     136, 137 };

static const EnumDef enums[] = {
	ENUM("CtState", "New", "Established", "Related", "Invalid",
	     "Untracked"),
	ENUM("CtDirection", "Original", "Reply"),
	ENUM("CtStatus", "DNAT", "SNAT", "Expected", "Confirmed", "Assured",
	     "SeenReply"),
	ENUM("LogLevel", "Debug", "Info", "Notice", "Warn", "Error"),
	ENUM("FlowResult", "Matched", "Partial", "NoMatch"),
	ENUM("TcpFlag", "Fin", "Syn", "Rst", "Psh", "Ack", "Urg", "Ece",
	     "Cwr"),
	{ "IcmpType", VALUES("EchoReply", "DestUnreachable", "Redirect",
			     "EchoRequest", "TimeExceeded", "ParameterProblem",
			     "Timestamp", "TimestampReply"), 8, icmp_numbers },
	{ "Icmp6Type", VALUES("DestUnreachable", "PacketTooBig",
			      "TimeExceeded", "ParameterProblem",
			      "EchoRequest", "EchoReply", "RouterSolicit",
			      "RouterAdvert", "NeighborSolicit",
			      "NeighborAdvert", "Redirect"), 11, icmp6_numbers },
	ENUM("Family", "Inet", "Ip", "Ip6"),
	ENUM("HookName", "Ingress", "Prerouting", "Input", "Forward", "Output",
	     "Postrouting"),
	ENUM("Priority", "Raw", "Mangle", "DstNat", "Filter", "Security",
	     "SrcNat"),
	ENUM("Bool", "False", "True"),
	{ NULL, NULL, 0, NULL },
};

const EnumDef *enum_by_name(const char *name)
{
	for (const EnumDef *e = enums; e->name; e++)
		if (!strcmp(e->name, name))
			return e;
	return NULL;
}

int enum_index(const EnumDef *e, const char *v)
{
	for (int i = 0; i < e->nvalues; i++)
		if (!strcmp(e->values[i], v))
			return i;
	return -1;
}

const EnumDef *enum_of_value(const char *v, int *index)
{
	for (const EnumDef *e = enums; e->name; e++) {
		int i = enum_index(e, v);
		if (i >= 0) {
			if (index)
				*index = i;
			return e;
		}
	}
	return NULL;
}

/*
 * Effects.  Which hook provides a handler:
 *
 *	ThreatFeed, Log, DNS, RateLimit, Counter: every hook (map lookups and
 *	    ring-buffer writes work in XDP and TC alike)
 *	FIB: Prerouting, Input, Forward (ingress: bpf_fib_lookup)
 *	FlowMatch: Prerouting, Input, Forward (sequence state is updated at
 *	    ingress, after conntrack)
 *	Conntrack: Prerouting, Input, Forward, Output (not Postrouting: the
 *	    entry is confirmed by then)
 */

static const char *const effect_names[EFF_COUNT] = {
	"ThreatFeed", "Log", "FlowMatch", "FIB", "DNS", "Conntrack",
	"RateLimit", "Counter",
};

#define ALL_HOOKS ((1u << HOOK_COUNT) - 1)
#define INGRESS ((1u << HOOK_PREROUTING) | (1u << HOOK_INPUT) | \
		 (1u << HOOK_FORWARD))

static const uint32_t effect_hook_mask[EFF_COUNT] = {
	ALL_HOOKS,			/* ThreatFeed */
	ALL_HOOKS,			/* Log */
	INGRESS,			/* FlowMatch */
	INGRESS,			/* FIB */
	ALL_HOOKS,			/* DNS */
	INGRESS | (1u << HOOK_OUTPUT),	/* Conntrack */
	ALL_HOOKS,			/* RateLimit */
	ALL_HOOKS,			/* Counter */
};

const char *effect_name(int bit_index)
{
	return bit_index >= 0 && bit_index < EFF_COUNT ?
		       effect_names[bit_index] : "?";
}

int effect_bit(const char *name)
{
	for (int i = 0; i < EFF_COUNT; i++)
		if (!strcmp(effect_names[i], name))
			return i;
	return -1;
}

uint32_t effect_hooks(int bit_index)
{
	return effect_hook_mask[bit_index];
}

static const EffectOp ops[] = {
	{ "ThreatFeed", "lookup", 2, { TY_OPAQUE, TY_IP }, { "ThreatFeed" },
	  TY_BOOL, NULL },
	{ "Log", "emit", 2, { TY_ENUM, TY_STRING }, { "LogLevel" }, TY_UNIT,
	  NULL },
	{ "FlowMatch", "check", 2, { TY_OPAQUE, TY_OPAQUE },
	  { "Flow", "FlowPattern" }, TY_ENUM, "FlowResult" },
	{ "FIB", "daddrLocal", 1, { TY_IP }, { NULL }, TY_BOOL, NULL },
	{ "FIB", "saddrLocal", 1, { TY_IP }, { NULL }, TY_BOOL, NULL },
	{ "FIB", "reachable", 1, { TY_IP }, { NULL }, TY_BOOL, NULL },
	{ "DNS", "resolves", 2, { TY_STRING, TY_IP }, { NULL }, TY_BOOL, NULL },
	{ "DNS", "resolve", 1, { TY_STRING }, { NULL }, TY_CIDRSET, NULL },
	{ "Conntrack", "setHelper", 1, { TY_OPAQUE }, { "CtHelper" }, TY_UNIT,
	  NULL },
	{ "Conntrack", "offload", 1, { TY_OPAQUE }, { "FlowTable" }, TY_UNIT,
	  NULL },
	{ "Conntrack", "setMark", 1, { TY_INT }, { NULL }, TY_UNIT, NULL },
	{ "RateLimit", "check", 1, { TY_RATE }, { NULL }, TY_BOOL, NULL },
	{ "Counter", "add", 1, { TY_OPAQUE }, { "Counter" }, TY_UNIT, NULL },
	{ NULL, NULL, 0, { 0 }, { NULL }, 0, NULL },
};

const EffectOp *effect_op(const char *effect, const char *op)
{
	for (const EffectOp *o = ops; o->effect; o++)
		if (!strcmp(o->effect, effect) && !strcmp(o->op, op))
			return o;
	return NULL;
}

/*
 * Hooks and actions: DNAT only before routing, SNAT/Masquerade only
 * after; Continue is legal everywhere (inside a rule it returns to the
 * calling policy, which goes on with its next arm).
 */

static const char *const hook_names[HOOK_COUNT] = {
	"Prerouting", "Input", "Forward", "Output", "Postrouting",
};

const char *hook_name(Hook h)
{
	return h < HOOK_COUNT ? hook_names[h] : "?";
}

uint32_t hook_actions(Hook h)
{
	uint32_t base = ACT_ALLOW | ACT_DROP | ACT_REJECT | ACT_CONTINUE;

	switch (h) {
	case HOOK_PREROUTING:
		return base | ACT_DNAT;
	case HOOK_POSTROUTING:
		return base | ACT_SNAT | ACT_MASQ;
	default:
		return base;
	}
}

static const struct {
	const char *name;
	int n;
} protos[] = {
	{ "icmp", 1 }, { "tcp", 6 }, { "udp", 17 }, { "gre", 47 },
	{ "esp", 50 }, { "icmpv6", 58 }, { "sctp", 132 },
};

int proto_number(const char *name)
{
	for (size_t i = 0; i < sizeof(protos) / sizeof(*protos); i++)
		if (!strcmp(protos[i].name, name))
			return protos[i].n;
	return -1;
}

const char *proto_name(int n)
{
	for (size_t i = 0; i < sizeof(protos) / sizeof(*protos); i++)
		if (protos[i].n == n)
			return protos[i].name;
	return NULL;
}

/*
 * Builtin address sets (import x : CIDRSet from "builtin:NAME"): the one
 * table is in builtin.c; these adapt it for the checker.
 */

const char *const *builtin_set_names(void)
{
	static const char *names[64];
	int n;
	const BuiltinSet *v = builtin_sets(&n);

	for (int i = 0; i < n && i < 63; i++)
		names[i] = v[i].name;
	return names;
}

IPAddr *builtin_set_addrs(const BuiltinSet *s, Arena *a)
{
	IPAddr *v = arena_alloc(a, sizeof(*v) * s->n);

	for (int i = 0; i < s->n; i++) {
		char buf[64];
		const char *slash = strchr(s->cidrs[i], '/');
		size_t n = (size_t)(slash - s->cidrs[i]);
		memcpy(buf, s->cidrs[i], n);
		buf[n] = 0;
		v[i].family = strchr(buf, ':') ? 6 : 4;
		v[i].prefix = (uint8_t)atoi(slash + 1);
		inet_pton(v[i].family == 4 ? AF_INET : AF_INET6, buf,
			  v[i].addr);
	}
	return v;
}
