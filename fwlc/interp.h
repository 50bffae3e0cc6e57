/* SPDX-License-Identifier: MIT */
/*
 * interp.h - the FWL interpreter: runs a parsed policy on packets.
 *
 * An independent oracle for the BPF backend: it evaluates the AST directly
 * (its own name lookup, no code shared with lower.c / gen_bpf.c) and
 * WRITES the state a data plane would: conntrack with TCP tracking, NAT
 * bindings, sequence-pattern state, rate-limit buckets and per-arm
 * counters.  External effects (FIB, ThreatFeed, DNS, Log) go through an
 * FwlEffects (effects.h); an effect the handler does not answer is an
 * error naming it.
 *
 *	Interp in;
 *	interp_init(&in, prog, &fx);	// fx: mock_effects(&mock)
 *	Result r;
 *	interp_packet(&in, &pkt, "lan", &r);	// r.verdict, r.out, r.trace
 *	in.now_ms += 5000;			// the clock is the caller's
 *	interp_free(&in);
 *
 * The path of a packet arriving on interface iif (docs/testing-scenarios.md
 * has the details): parse check -> conntrack lookup (reverse NAT of
 * replies) -> prerouting policies (NAT-table policies only for new flows)
 * -> routing (FIB.daddrLocal / FIB route, or the caller's oif) -> input or
 * forward policies -> postrouting (forwarded packets) -> conntrack
 * create/update, sequence-state update, counters.  A packet with iif
 * "local" is locally generated: output -> routing -> postrouting.
 */
#ifndef FWLC_INTERP_H
#define FWLC_INTERP_H

#include <setjmp.h>

#include "fwlc/ast.h"
#include "fwlc/effects.h"
#include "fwlc/pkt.h"

enum Hook { H_PREROUTING, H_INPUT, H_FORWARD, H_OUTPUT, H_POSTROUTING,
	    H_COUNT };
const char *interp_hook_name(int h);

/* conntrack */
enum CtState { CT_NEW, CT_ESTABLISHED, CT_RELATED, CT_INVALID,
	       CT_UNTRACKED };
enum TcpState { TCP_NONE, TCP_SYN_SENT, TCP_SYN_SENT2, TCP_SYN_RECV,
		TCP_ESTABLISHED, TCP_FIN_WAIT, TCP_CLOSE_WAIT, TCP_LAST_ACK,
		TCP_TIME_WAIT, TCP_CLOSE, TCP_NSTATES };
enum { CTS_SEEN_REPLY = 1, CTS_ASSURED = 2, CTS_DNAT = 4, CTS_SNAT = 8,
       CTS_EXPECTED = 16,	/* opened by a helper's expectation */
       CTS_OFFLOAD = 32 };	/* Conntrack.offload: established packets
				   skip the filter hooks */
const char *ct_state_name(int s);
const char *tcp_state_name(int s);

typedef struct Tuple {
	uint8_t proto;
	PktAddr src, dst;
	uint16_t sport, dport;
} Tuple;

typedef struct TcpDir {
	uint32_t end, maxend, maxwin;
	uint8_t wscale;
	bool known, fin, wscale_opt;
	bool liberal;		/* picked up mid-stream: no window checks */
} TcpDir;

typedef struct CtEntry {
	int id;
	Tuple orig, reply;	/* reply: as the reply is seen on the wire */
	int tcp;		/* TcpState */
	unsigned status;	/* CTS_* */
	uint64_t expires, created;
	TcpDir td[2];
	uint64_t packets[2], bytes[2];
	char helper[16];	/* Conntrack.setHelper ("ftp" reads the
				   payload for expectations) */
} CtEntry;

/* A connection a helper saw announced: the first TCP SYN from src to
 * dst:dport (any source port) before `expires` is RELATED (once). */
typedef struct CtExpect {
	PktAddr src, dst;
	uint16_t dport;
	uint64_t expires;	/* ms */
	char helper[16];
} CtExpect;

/* sequence-pattern state, per (flow pattern, flow key) */
typedef struct SeqEntry {
	const Decl *flow;
	Tuple key;		/* normalised: lower endpoint first */
	int step;
	bool matched;
	uint64_t deadline, last;
} SeqEntry;

/* first fragments' ports, for the later fragments of the same id */
typedef struct FragEntry {
	PktAddr src, dst;
	uint32_t id;
	uint8_t proto;
	bool l4;		/* the first fragment had its L4 header */
	uint16_t sport, dport;
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_id;
	uint64_t expires;
} FragEntry;

typedef struct Counter {
	const Decl *policy;
	int arm;		/* 1-based */
	uint64_t packets, bytes;
} Counter;

typedef struct Bucket {
	char key[128];
	double tokens;
	uint64_t last;
} Bucket;

/* The log rate limit of one arm (a GCRA "theoretical arrival time"), as
 * the data plane's (bpf/lib/log.h). */
#define INTERP_LOG_RATE 10	/* records per second per arm */
#define INTERP_LOG_BURST 20
typedef struct LogRate {
	char rule[96];		/* "policy#N" */
	uint64_t tat;		/* ms */
} LogRate;

/* One step of the path taken, for explain and expectations. */
typedef struct TraceStep {
	int hook;
	const Decl *policy;
	int arm;		/* 1-based, 0 = fell off the end */
	int line;
	char action[96];	/* Allow, Drop, DNAT 10.0.0.1:80, ... */
	char effects[256];	/* effects performed, "; "-separated */
} TraceStep;

#define MAX_TRACE 32
#define MAX_COUNTED 64

/* An arm whose counter the packet moved: its pattern and guard held
   (whatever its body then did: a rule call that Continues still counted
   the arm), as nftables counts a rule's matches. */
typedef struct Counted {
	const Decl *policy;	/* a policy or a rule */
	int arm;		/* 1-based */
} Counted;

enum Verdict { VERDICT_ALLOW, VERDICT_DROP, VERDICT_ERROR };

typedef struct Result {
	int verdict;
	char reason[128];	/* why dropped: "forward#7", "invalid: ..." */
	int ct_state;		/* CtState seen by the policies */
	CtEntry *ct;		/* the entry after the packet, or NULL; valid
				   until the next interp_packet() */
	int ct_id;		/* its id (0 = none): interp_ct_by_id() */
	bool local_in;		/* delivered to this box (input) */
	char iif[32], oif[32];
	Pkt out;		/* the packet after NAT */
	TraceStep trace[MAX_TRACE];
	int ntrace;
	Counted counted[MAX_COUNTED];	/* in the order they matched */
	int ncounted;
	char after[256];	/* state written after the hooks: ct, flows */
	char err[512];		/* VERDICT_ERROR: message */
	Span err_span;
} Result;

typedef struct Env Env;

typedef struct Interp {
	const Program *prog;
	FwlEffects fx;
	uint64_t now_ms;
	const Decl *hooks[H_COUNT][32];
	int nhooks[H_COUNT];
	int nlayers_err;

	CtEntry *ct;
	int nct, capct, ct_max, ct_next_id;
	bool ct_loose;		/* pick up mid-stream TCP (default on) */
	uint64_t tcp_timeout[TCP_NSTATES];
	uint64_t udp_timeout, udp_stream_timeout, icmp_timeout,
		 other_timeout, seq_timeout;
	uint64_t ct_inserts, ct_insert_failed;
	int *hidx;		/* open addressing: entry index + 1 per
				   orig/reply tuple; dead entries skipped */
	int hcap;
	uint64_t last_sweep;
	CtExpect *expect;	/* helpers' expectations */
	int nexpect;

	SeqEntry *seq;
	int nseq, capseq;
	FragEntry *frag;
	int nfrag;
	uint64_t frag_timeout;
	Counter *counters;
	int ncounters;
	Bucket *buckets;
	int nbuckets;
	LogRate *lograte;
	int nlograte;

	/* per packet */
	Arena scratch;
	Pkt *pkt;
	const char *iif, *oif;
	int hook;
	int ct_state;
	bool ct_first;		/* the packet opens its flow: NAT chains run */
	Tuple flow0;		/* the packet's tuple as it arrived: the
				   original tuple of the flow it opens
				   (DNAT(set)/SNAT(set) hash it) */
	CtEntry *cur_ct;
	int cur_dir;
	bool frag_later;	/* the packet is a later fragment: policies
				   see Fragment(..), conntrack its first's
				   ports */
	unsigned pending_status;	/* NAT decided for a new flow */
	char pending_helper[16];
	Result *res;
	TraceStep *step;
	jmp_buf fail;
	int depth;
} Interp;

/* Collects the policies per hook; reports problems (unknown hook) in err. */
int interp_init(Interp *in, const Program *p, const FwlEffects *fx,
		char *err, size_t errsz);
void interp_free(Interp *in);
/* Run one packet.  iif "local" = generated by this box.  oif NULL: ask
   FIB.  Returns r->verdict. */
int interp_packet(Interp *in, const Pkt *pkt, const char *iif,
		  const char *oif, Result *r);
/* Lookups for expectations. */
Counter *interp_counter(Interp *in, const char *policy, int arm);
SeqEntry *interp_seq_find(Interp *in, const char *flow, const Tuple *key);
CtEntry *interp_ct_find(Interp *in, const Tuple *t, int *dir);
int interp_ct_count(Interp *in);	/* live entries */
CtEntry *interp_ct_by_id(Interp *in, int id);
/* "forward#4" */
void interp_counted_name(const Counted *c, char *buf, size_t size);
void interp_arm_name(const TraceStep *s, char *buf, size_t size);
/* the tuple of a packet (proto, addresses, ports / icmp id) */
void tuple_of(const Pkt *p, Tuple *t);

#endif
