/* SPDX-License-Identifier: MIT */
/*
 * ir.h - the decision IR: a checked policy in data-plane terms.
 *
 * lower.c builds it from the AST; gen_bpf.c (BPF C), manifest.c (bundle
 * manifest) read it.  An arm is a conjunction of tests on packet fields and
 * an action; the first arm whose tests all hold decides.  A test with
 * alternatives holds when any alternative does (a small set literal).
 * Addresses are in network byte order; ports and types in host order.
 */
#ifndef FWL_FWLC_IR_H
#define FWL_FWLC_IR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ir_hook {
	IR_HOOK_PREROUTING,	/* XDP ingress, before the FIB lookup */
	IR_HOOK_INPUT,		/* XDP ingress, FIB says local delivery */
	IR_HOOK_FORWARD,	/* XDP ingress, FIB says forward (oif known) */
	IR_HOOK_OUTPUT,		/* egress, locally generated */
	IR_HOOK_POSTROUTING,	/* egress, after routing */
	IR_HOOK_COUNT,
};

enum ir_field {
	IRF_L3,		/* ethertype of the IP layer (0x0800, 0x86dd) */
	IRF_L4,		/* IP protocol number */
	IRF_SRC4,	/* IPv4 source address */
	IRF_DST4,	/* IPv4 destination address */
	IRF_SRC6,	/* IPv6 source address */
	IRF_DST6,	/* IPv6 destination address */
	IRF_SPORT,	/* TCP/UDP source port */
	IRF_DPORT,	/* TCP/UDP destination port */
	IRF_ICMP_TYPE,	/* ICMP / ICMPv6 type */
	IRF_ICMP_CODE,	/* ICMP / ICMPv6 code */
	IRF_IIF,	/* ingress interface: mask of the policy's interfaces */
	IRF_OIF,	/* egress interface (FIB): mask, as IRF_IIF */
	IRF_CT_STATE,	/* conntrack state (maps/ct.h enum fwl_ct_state) */
	IRF_CT_STATUS,	/* conntrack status bits (FWL_CT_S_*) */
	IRF_CT_DIR,	/* conntrack direction (FWL_CT_DIR_*) */
	IRF_DST_LOCAL,	/* FIB.daddrLocal: the destination is this host */
	IRF_RATELIMIT,	/* RateLimit.check: the arm's bucket (lo packets per
			   second, hi burst) has a token */
	IRF_PAYLOAD,	/* payload byte number idx (FWL_PAYLOAD_BYTES) */
	IRF_PAYLOAD_LEN,	/* payload length in bytes */
	IRF_FLOW,	/* state of flow pattern idx (FWL_SEQ_*) */
	IRF_FEED_SRC,	/* source address in threat feed idx */
	IRF_FEED_DST,	/* destination address in threat feed idx */
	IRF_TCP_FLAGS,	/* TCP flags byte (FWL_TCP_*): IR_MASK for `F ∈
			   tcp.flags`, IR_EQ for `tcp.flags == {..}` */
	IRF_CT_HELPER,	/* the connection's helper (FWL_CT_HELPER_*) */
	IRF_VLAN_TAGS,	/* number of VLAN tags (Ether(_, IPv4(..)): 0) */
	IRF_FRAG_LATER,	/* 1 for a non-first fragment (no transport
			   header: TCP(..)/UDP(..)/ICMP(..) need 0) */
	IRF_TTL,	/* IPv4 TTL / IPv6 hop limit */
	IRF_TOS,	/* IPv4 TOS / IPv6 traffic class */
	IRF_DSCP,	/* TOS >> 2 */
	IRF_IP4_LEN,	/* IPv4 total length */
	IRF_IP6_LEN,	/* IPv6 payload length */
	IRF_IP_ID,	/* IPv4 identification */
	IRF_IHL,	/* IPv4 header length in 32-bit words */
	IRF_FRAG_IS,	/* 1 for a fragment, first or later */
	IRF_TCP_SEQ,	/* TCP sequence number */
	IRF_TCP_ACK,	/* TCP acknowledgment number */
	IRF_TCP_WIN,	/* TCP window (raw) */
	IRF_UDP_LEN,	/* UDP length (header and payload) */
	IRF_FLOWLABEL,	/* IPv6 flow label */
	IRF_VLAN_PCP,	/* VLAN priority of tag idx */
	IRF_VLAN_DEI,	/* VLAN drop eligible bit of tag idx */
	IRF_VLAN_ID,	/* VLAN id of tag idx (0: outermost); the last of
			   the scalar header fields (IRF_TTL..) */
};

enum ir_op {
	IR_EQ,		/* field == lo */
	IR_RANGE,	/* lo <= field <= hi */
	IR_PREFIX,	/* field within addr/plen */
	IR_ANY,		/* any of alts[] */
	IR_MASK,	/* field & lo != 0 (interface masks) */
	IR_IN_SET,	/* field in set number set (a map lookup) */
};

struct ir_test {
	enum ir_field field;
	enum ir_op op;
	bool negate;		/* the test's complement (∉, !=) */
	uint64_t lo, hi;	/* IR_EQ, IR_RANGE */
	uint8_t addr[16];	/* IR_PREFIX: IPv4 in addr[0..3] */
	uint8_t plen;		/* IR_PREFIX: prefix length */
	struct ir_test *alts;	/* IR_ANY */
	int nalts;
	int set;		/* IR_IN_SET: index into ir_prog.sets */
	int idx;		/* IRF_PAYLOAD byte, IRF_FLOW flow number */
};

/* A guard: a boolean tree over tests. */
enum ir_cond_kind {
	IRC_TEST,	/* test */
	IRC_AND,	/* a && b */
	IRC_OR,		/* a || b */
	IRC_NOT,	/* !a */
};

struct ir_cond {
	enum ir_cond_kind kind;
	struct ir_test test;
	struct ir_cond *a, *b;
};

enum ir_set_kind {
	IR_SET_CIDR4,	/* entries: prefixes (fwl_cidr4) */
	IR_SET_CIDR6,	/* entries: prefixes (fwl_cidr6) */
	IR_SET_PORT,	/* entries: port ranges lo..hi (fwl_portset) */
};

struct ir_set_entry {
	uint8_t addr[16];	/* CIDR sets */
	uint8_t plen;
	uint16_t lo, hi;	/* port sets */
};

/* A set the decision code looks up; its entries go to maps.bin. */
struct ir_set {
	enum ir_set_kind kind;
	uint32_t id;		/* set id within its map */
	const char *name;	/* what the policy calls it (for humans) */
	const void *key;	/* the AST node it came from (deduplication) */
	struct ir_set_entry *entries;
	int nentries;
	bool dir4;		/* IPv4 set in fwl_dir4 (dir4.c), else LPM */
	uint32_t dir4_root;	/* its root chunk in fwl_dir4 */
};

/* A sequence pattern (`flow F = A . B within 5s`): each step's tests;
 * every packet advances the per-flow state (bpf/lib/seq.h). */
struct ir_flow {
	const char *name;
	struct ir_test **steps;	/* tests of each step */
	int *nsteps_tests;
	int nsteps;
	uint64_t window_ms;
};

/* A threat feed (`import F : ThreatFeed from "file:PATH"`): two LPM maps
 * fwl_feed_N_v4/_v6 (EXTERNAL) that fwld fills from PATH and keeps
 * current. */
struct ir_feed {
	const char *name;	/* as imported */
	const char *source;	/* "file:/path" */
	const char *op;		/* the operation that first reads it:
				   "ThreatFeed.lookup", "DNS.resolves",
				   "DNS.resolve" (for messages) */
};

/* An interface the policy names; fwld resolves it to an ifindex. */
struct ir_iface {
	const char *name;
	int bit;		/* bit in the interface masks */
	bool dynamic;		/* may be missing at load; resolved later */
};

enum ir_action {
	IR_ALLOW,	/* pass the packet on */
	IR_DROP,	/* drop it */
	IR_CONTINUE,	/* no verdict here: the next arm/policy decides */
	IR_CALL,	/* run rule `call`; its Continue goes on to the
			   next arm */
	IR_DNAT_MAP,	/* DNATMap(m): destination from ir_prog.dnat, by
			   (protocol, port); no entry: Allow */
	IR_MASQ,	/* Masquerade: source := the egress interface's */
	IR_DNAT,	/* DNAT(addr[, :port]): ir_act.nat (port 0: keep) */
	IR_SNAT,	/* SNAT(addr[, :port]): ir_act.nat (port 0: any free,
			   the original first) */
};

/* The target of IR_DNAT / IR_SNAT: an address (and port), or a backend
 * set: one set of ir_prog.natsets per family (-1: none of that family). */
struct ir_nat_target {
	uint8_t family;		/* 4 or 6 */
	uint8_t addr[16];	/* network order; IPv4 in the first 4 */
	uint16_t port;		/* 0: none given */
	bool is_set;		/* a backend set: set4 / set6, not addr */
	int set4, set6;		/* ids in fwl_nat_sets, or -1 */
};

/* A backend set (fwl_nat_sets entry `id`, maps/nat.h): backends of one
 * family in canonical order (address bytes, then port), no duplicates. */
struct ir_natset {
	uint8_t family;
	int n;
	struct {
		uint8_t addr[16];
		uint16_t port;	/* 0: keep the packet's */
	} be[16];		/* FWL_NAT_SET_SIZE */
};

/* One entry of the DNATMap map: (proto, port) -> (addr, port). */
struct ir_dnat {
	uint8_t proto, family;
	uint16_t port;
	uint8_t addr[16];
	uint16_t to_port;
};

/* What an arm does: a tree of effects and decisions whose leaves are
 * actions.  `perform E.op(..) >>= \x -> if x then A else B` is an IRA_IF
 * whose condition tests the effect. */
enum ir_act_kind {
	IRA_LEAF,	/* action (and call for IR_CALL) */
	IRA_IF,		/* cond ? then_ : else_ */
	IRA_LOG,	/* emit a log record (prefix, level), then then_ */
	IRA_COUNT,	/* Counter.add: count in named counter `counter`,
			   then then_ */
	IRA_CT_HELPER,	/* Conntrack.setHelper: the connection gets helper
			   `helper` (FWL_CT_HELPER_*), then then_ */
	IRA_CT_OFFLOAD,	/* Conntrack.offload: the connection's later
			   packets skip the policies, then then_ */
	IRA_MATCH,	/* case frame of: the first of arms[] whose tests
			   hold; none: Continue */
};

struct ir_act {
	enum ir_act_kind kind;
	enum ir_action action;	/* IRA_LEAF */
	int call;		/* IRA_LEAF, IR_CALL: index into rules */
	struct ir_cond *cond;	/* IRA_IF */
	struct ir_act *then_, *else_;
	int prefix;		/* IRA_LOG: index into ir_prog.log_messages */
	int level;		/* IRA_LOG: FWL_LOG_* */
	int counter;		/* IRA_COUNT: index into ir_prog.counters */
	int helper;		/* IRA_CT_HELPER: FWL_CT_HELPER_* */
	struct ir_arm *arms;	/* IRA_MATCH */
	int narms;
	struct ir_nat_target nat;	/* IRA_LEAF, IR_DNAT / IR_SNAT */
};

struct ir_arm {
	struct ir_test *tests;	/* all must hold */
	int ntests;
	struct ir_cond *guard;	/* and this must hold (NULL: none) */
	struct ir_act *act;	/* what it does */
	enum ir_action action;	/* the action when act is a single leaf,
				   else that of its first leaf */
	int call;		/* IR_CALL: index into ir_prog.rules */
	uint32_t rule_id;	/* stable across reloads: counters key */
	int index;		/* 1-based arm number in its policy */
	int line, col;		/* where the arm starts */
	const char *text;	/* the arm's source, whitespace folded */
};

/* Fields a shape of table arms tests (fwlc/classify.c, maps/cls.h). */
enum ir_shape_field {
	IR_SH_L3 = 1,		/* ethertype */
	IR_SH_L4 = 2,		/* IP protocol */
	IR_SH_SRC4 = 4,		/* IPv4 source under src_plen */
	IR_SH_DST4 = 8,		/* IPv4 destination under dst_plen */
	IR_SH_SPORT = 16,	/* source port */
	IR_SH_DPORT = 32,	/* destination port */
	IR_SH_NOVLAN = 64,	/* no VLAN tag (IRF_VLAN_TAGS == 0) */
	IR_SH_NOFRAG = 128,	/* not a later fragment (IRF_FRAG_LATER == 0) */
	IR_SH_SRC6 = 256,	/* IPv6 source under src_plen */
	IR_SH_DST6 = 512,	/* IPv6 destination under dst_plen */
	IR_SH_ITYPE = 1024,	/* ICMP / ICMPv6 type */
	IR_SH_ICODE = 2048,	/* ICMP / ICMPv6 code */
};

/* A shape: one lookup in fwl_cls, keyed by table and the fields. */
struct ir_shape {
	uint32_t table;		/* fwl_cls_key.table */
	unsigned fields;	/* IR_SH_* */
	uint8_t src_plen, dst_plen;
	uint8_t sport_plen, dport_plen;	/* port masks: 16 bits = exact; a
					   port range is aligned blocks */
	int nentries;		/* entries of this shape in ir_prog.cls */
};

/* A run of consecutive table arms [first, end) of a policy: one lookup
 * per shape decides which of them matches first. */
struct ir_run {
	int first, end;
	struct ir_shape *shapes;
	int nshapes;
};

/* One entry of fwl_cls.  Addresses in network order, masked. */
struct ir_cls_entry {
	uint32_t table;
	uint8_t src[16], dst[16];	/* IPv4 in [0..3] */
	uint16_t sport, dport, l3;
	uint8_t l4;
	uint8_t icmp_type, icmp_code;
	uint32_t arm;		/* arm index in its policy (0-based) */
	uint32_t rule_id;
	enum ir_action action;	/* IR_ALLOW, IR_DROP or IR_CONTINUE */
};

/* A policy, or a rule (a function from frames to actions, whose arms are
 * those of its top-level case). */
struct ir_policy {
	const char *name;
	bool is_rule;
	bool nat_table;		/* table = NAT: runs on a flow's first packet */
	enum ir_hook hook;
	struct ir_arm *arms;
	int narms;
	struct ir_run *runs;	/* table runs, in arm order (classify.c) */
	int nruns;
};

struct ir_prog {
	const char *source;	/* source file name */
	uint64_t hash;		/* FNV-1a of the source text */
	struct ir_policy *policies;
	int npolicies;
	struct ir_policy *rules;
	int nrules;
	struct ir_set *sets;
	int nsets;
	struct ir_dir4 *dir4;	/* fwl_dir4's contents (dir4.c); NULL: none */
	struct ir_iface *ifaces;
	int nifaces;
	bool uses_ifaces;	/* some test reads IRF_IIF or IRF_OIF */
	bool uses_ct;		/* some test reads conntrack */
	bool has_egress;	/* a policy at Output or Postrouting */
	bool uses_nat;		/* DNAT/SNAT/Masquerade somewhere */
	bool uses_dnat;		/* DNAT/DNATMap somewhere: its replies are
				   translated at XDP ingress (fwld sets
				   accept_local, manifest "dnat") */
	struct ir_dnat *dnat;	/* the DNATMap map's entries */
	int ndnat;
	const void *dnat_key;	/* the `let` they came from */
	struct ir_natset *natsets;	/* backend sets, by id (fwl_nat_sets) */
	int nnatsets;
	const char **log_messages;	/* Log.emit message templates, by id
					   (docs/bundle.md: text, {src},
					   {dst}, {sport}, {dport}) */
	int nlog_messages;
	bool uses_log, uses_ratelimit, uses_dst_local, uses_payload;
	bool uses_frag;		/* transport patterns: later fragments get
				   their first's ports (bpf/lib/frag.h) */
	struct ir_flow *flows;	/* the flow patterns FlowMatch checks */
	int nflows;
	struct ir_feed *feeds;	/* the threat feeds the policy performs */
	int nfeeds;
	const char **counters;	/* named counters (Counter.add) */
	uint32_t *counter_ids;	/* ... their keys in fwl_named_cnt: FNV-1a
				   of the name modulo its size, probed on a
				   collision, so a counter keeps its count
				   across reloads */
	int ncounters;
	bool uses_helper;	/* Conntrack.setHelper or ct.helper */
	bool uses_offload;	/* Conntrack.offload */
	struct ir_cls_entry *cls;	/* fwl_cls contents (classify.c) */
	int ncls;
	int nshapes;		/* table ids handed out */
	long stage_budget;	/* --stage-budget: processed insns per tail-
				   called stage (0: BUDGET_STAGE_PROCESSED) */
	bool testing;		/* an object for the scenario backend and
				   difftest (FWL_TESTING): the virtual clock,
				   fwl_md.feeds_asked; never fwlc build's */
	int fault_line;		/* fwlc build --inject-fault (tests): the arm
				   at this line reads out of bounds */
	bool fault_ct;		/* fwlc difftest --inject-fault ct-state
				   (tests): the hooks see Invalid as New */
};

const char *ir_hook_name(enum ir_hook h);
const char *ir_action_name(enum ir_action a);
/* Give every arm a stable rule id (FNV-1a of policy name and arm text;
 * a collision is resolved by salting the later arm). */
void ir_assign_rule_ids(struct ir_prog *p);
uint64_t ir_fnv1a64(const void *data, size_t len);

#endif
