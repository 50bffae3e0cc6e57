// SPDX-License-Identifier: MIT
/*
 * scenario_interp.c - the interpreter as a scenario backend (scenario.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwlc/interp.h"
#include "fwlc/scenario.h"

typedef struct IB {
	Interp in;
	Result res;
	const Pkt *last;
	const char *iif;
	int npackets;
} IB;

static void *ib_open(const Program *prog, const FwlEffects *fx, char *err,
		     size_t errsz)
{
	IB *b = calloc(1, sizeof *b);
	if (!b) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	if (interp_init(&b->in, prog, fx, err, errsz) < 0) {
		free(b);
		return NULL;
	}
	return b;
}

static void ib_close(void *c)
{
	IB *b = c;
	interp_free(&b->in);
	free(b);
}

static bool ib_set(void *c, const char *k, uint64_t v)
{
	Interp *in = &((IB *)c)->in;
	if (strcmp(k, "ct-loose") == 0)
		in->ct_loose = v != 0;
	else if (strcmp(k, "ct-max") == 0)
		in->ct_max = (int)v;
	else if (strcmp(k, "timeout-udp") == 0)
		in->udp_timeout = v;
	else if (strcmp(k, "timeout-icmp") == 0)
		in->icmp_timeout = v;
	else if (strcmp(k, "timeout-tcp-established") == 0)
		in->tcp_timeout[TCP_ESTABLISHED] = v;
	else if (strcmp(k, "timeout-seq") == 0)
		in->seq_timeout = v;
	else
		return false;
	return true;
}

static void ib_advance(void *c, uint64_t ms)
{
	((IB *)c)->in.now_ms += ms;
}

static void ib_packet(void *c, const uint8_t *bytes, size_t len,
		      const Pkt *parsed, const char *iif, const char *oif,
		      Outcome *o)
{
	IB *b = c;
	Result *r = &b->res;
	char nm[96];

	(void)bytes;
	(void)len;
	b->last = parsed;
	b->iif = iif;
	b->npackets++;
	interp_packet(&b->in, parsed, iif, oif, r);
	memset(o, 0, offsetof(Outcome, out));
	o->verdict = r->verdict;
	snprintf(o->reason, sizeof o->reason, "%s", r->reason);
	snprintf(o->oif, sizeof o->oif, "%s", r->oif);
	o->ct_state = r->ct_state;
	size_t po = 0;
	for (int i = 0; i < r->ntrace; i++) {
		interp_arm_name(&r->trace[i], nm, sizeof nm);
		if (po < sizeof o->path)
			po += (size_t)snprintf(o->path + po,
					       sizeof o->path - po,
					       "%s%s %s (%s)", i ? ", " : "",
					       interp_hook_name(r->trace[i].hook),
					       nm, r->trace[i].action);
	}
	if (!r->ntrace)
		snprintf(o->path, sizeof o->path, "(no policy ran)");
	/* the arms whose counters the packet moved (matched, whether or not
	   they decided), once each, as the data plane's counters tell */
	for (int i = 0; i < r->ncounted && o->narms < OUTCOME_MAX_ARMS; i++) {
		bool seen = false;
		interp_counted_name(&r->counted[i], nm, sizeof nm);
		for (int k = 0; k < o->narms && !seen; k++)
			seen = !strcmp(o->arms[k], nm);
		if (!seen)
			snprintf(o->arms[o->narms++], sizeof o->arms[0], "%s",
				 nm);
	}
	o->out = r->out;
	o->err[0] = o->err_at[0] = 0;
	if (r->verdict == VERDICT_ERROR) {
		snprintf(o->err, sizeof o->err, "%s", r->err);
		const Source *es = source_get(r->err_span.file);
		if (es)
			snprintf(o->err_at, sizeof o->err_at, "%s:%u:%u: ",
				 es->path, r->err_span.line, r->err_span.col);
	}
	o->flow = r->ct_id;
}

static uint64_t ib_counter(void *c, const char *policy, int arm)
{
	Counter *k = interp_counter(&((IB *)c)->in, policy, arm);
	return k ? k->packets : 0;
}

static int ib_ct_count(void *c)
{
	return interp_ct_count(&((IB *)c)->in);
}

static bool ib_ct_entry(void *c, const Outcome *o, int *tcp,
			unsigned *status)
{
	CtEntry *e = interp_ct_by_id(&((IB *)c)->in, (int)o->flow);
	if (!e)
		return false;
	*tcp = e->tcp;
	*status = e->status;
	return true;
}

static int ib_flow_state(void *c, const char *flow, const Outcome *o)
{
	Interp *in = &((IB *)c)->in;
	Tuple t, k;

	/* the flow as the filter hooks saw it: try the packet as it left
	   and, for SNATed flows, its entry's original tuple */
	tuple_of(&o->out, &t);
	CtEntry *e = interp_ct_by_id(in, (int)o->flow);
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1) {
			if (!e)
				break;
			t = e->orig;
			if (e->status & CTS_DNAT) {
				t.dst = e->reply.src;
				t.dport = e->reply.sport;
			}
		}
		int c2 = memcmp(t.src.a, t.dst.a, 16);
		if (c2 > 0 || (c2 == 0 && t.sport > t.dport)) {
			k = t;
			k.src = t.dst;
			k.dst = t.src;
			k.sport = t.dport;
			k.dport = t.sport;
		} else {
			k = t;
		}
		SeqEntry *se = interp_seq_find(in, flow, &k);
		if (se)
			return se->matched ? -1 : se->step;
	}
	return 0;
}

static void ib_explain(void *c, FILE *o)
{
	IB *b = c;
	Result *res = &b->res;
	char sum[256];

	pkt_summary(b->last, sum, sizeof sum);
	fprintf(o, "packet %d on %s: %s\n", b->npackets, b->iif, sum);
	fprintf(o, "  conntrack: %s\n", ct_state_name(res->ct_state));
	for (int i = 0; i < res->ntrace; i++) {
		TraceStep *st = &res->trace[i];
		char nm[96];
		interp_arm_name(st, nm, sizeof nm);
		if (st->arm)
			fprintf(o, "  %-11s %-24s line %-4d -> %s\n",
				interp_hook_name(st->hook), nm, st->line,
				st->action);
		else
			fprintf(o, "  %-11s %-24s no arm     -> %s (end of "
				   "policy)\n", interp_hook_name(st->hook), nm,
				st->action);
		if (st->effects[0])
			fprintf(o, "  %-11s   effects: %s\n", "", st->effects);
	}
	if (res->verdict != VERDICT_ERROR && res->oif[0])
		fprintf(o, "  route: %s\n", res->oif);
	if (res->after[0])
		fprintf(o, "  state: %s\n", res->after);
	if (res->verdict == VERDICT_ERROR) {
		const Source *es = source_get(res->err_span.file);
		if (es)
			fprintf(o, "  error: %s:%u:%u: %s\n", es->path,
				res->err_span.line, res->err_span.col,
				res->err);
		else
			fprintf(o, "  error: %s\n", res->err);
	} else {
		pkt_summary(&res->out, sum, sizeof sum);
		fprintf(o, "  verdict: %s%s%s\n  out: %s\n",
			res->verdict == VERDICT_ALLOW ? "allow" : "drop",
			res->verdict == VERDICT_DROP ? " by " : "",
			res->verdict == VERDICT_DROP ? res->reason : "", sum);
	}
}

const ScenarioBackend scenario_interp_backend = {
	.name = "interp",
	.open = ib_open,
	.close = ib_close,
	.set = ib_set,
	.advance = ib_advance,
	.packet = ib_packet,
	.counter = ib_counter,
	.ct_count = ib_ct_count,
	.ct_entry = ib_ct_entry,
	.flow_state = ib_flow_state,
	.explain = ib_explain,
};
