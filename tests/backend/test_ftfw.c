/* SPDX-License-Identifier: MIT */
/*
 * tests/backend/test_ftfw.c - policies compiled by fwlc, run through
 * BPF_PROG_TEST_RUN: TCP flag guards, the FTP helper's expectations,
 * named counters, Conntrack.offload (tests/backend/policies/).
 *
 * Each policy is built with `fwlc build` into a temporary bundle; the
 * object is loaded as fwld would (without attaching) and fed packets on
 * XDP ingress.  Prerouting policies need no route, so no netns is needed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/lib/check.h"
#include "tests/bpf/harness.h"
#include "tests/bpf/pktgen.h"
#include "maps/counters.h"
#include "maps/ct.h"
#define FWL_PARSE_TYPES_ONLY
#include "bpf/lib/parse.h"

#define XDP_DROP_ 1
#define XDP_PASS_ 2

static char tmpdir[] = "/tmp/fwl-ftfw-XXXXXX";
static struct bpf_object *obj;
static int prog, m_ct, m_new, m_exp, m_named;

#define C_ADDR IP4(10, 0, 0, 2)
#define S_ADDR IP4(198, 51, 100, 10)

static int map_or_none(struct bpf_object *o, const char *name)
{
	struct bpf_map *m = bpf_object__find_map_by_name(o, name);

	return m ? bpf_map__fd(m) : -1;
}

/* Build POLICY (below FWL_SRC) with fwlc; load its object. */
static void load(const char *policy)
{
	const char *b = getenv("FWL_BUILD"), *s = getenv("FWL_SRC");
	char cmd[1024], path[512];
	struct bpf_object *o;

	if (obj)
		bpf_object__close(obj);
	obj = NULL;
	snprintf(cmd, sizeof(cmd), "rm -rf %s/b && %s/fwlc build %s/%s -o %s/b",
		 tmpdir, b ? b : "build", s ? s : ".", policy, tmpdir);
	if (system(cmd) != 0) {
		printf("FAIL build_%s: '%s' failed\n", policy, cmd);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/b/policy.bpf.o", tmpdir);
	o = bpf_object__open_file(path, NULL);
	if (!o || bpf_object__load(o)) {
		printf("FAIL load_%s: cannot load %s\n", policy, path);
		exit(1);
	}
	obj = o;
	prog = h_prog(o, "fwl_ingress");
	m_ct = map_or_none(o, "fwl_ct");
	m_new = map_or_none(o, "fwl_ct_new");
	m_exp = map_or_none(o, "fwl_ct_expect");
	m_named = map_or_none(o, "fwl_named_cnt");
}

static uint32_t send_tcp(uint32_t src, uint32_t dst, uint16_t sp, uint16_t dp,
			 uint8_t flags, uint32_t seq, uint32_t ack,
			 const char *payload)
{
	struct h_run r;
	struct pk p;

	pk_init(&p);
	pk_eth(&p, ETH_P_IP);
	pk_ip4(&p, src, dst, IPPROTO_TCP);
	pk_tcp(&p, sp, dp, seq, ack, flags, 65535);
	if (payload)
		pk_put(&p, payload, strlen(payload));
	pk_finish(&p);
	h_xdp(prog, p.b, p.len, &r);
	CHECK(r.err == 0, "test run: %d", r.err);
	return r.ret;
}

/* The entry of the flow with ports {a, b} (either table); 0 if none. */
static int flow(uint16_t a, uint16_t b, struct fwl_ct_entry *e)
{
	int maps[2] = { m_ct, m_new };
	struct fwl_ct_key k, next;

	for (int i = 0; i < 2; i++) {
		void *prev = NULL;
		while (bpf_map_get_next_key(maps[i], prev, &next) == 0) {
			k = next;
			prev = &k;
			if (((k.port_lo == a && k.port_hi == b) ||
			     (k.port_lo == b && k.port_hi == a)) &&
			    bpf_map_lookup_elem(maps[i], &k, e) == 0)
				return 1;
		}
	}
	return 0;
}

/* The expectation for saddr -> daddr:dport, 1 if there is one. */
static int expectation(uint32_t saddr, uint32_t daddr, uint16_t dport,
		       struct fwl_ct_expect *x)
{
	struct fwl_ct_expect_key k;

	memset(&k, 0, sizeof(k));
	k.saddr[0] = htonl(saddr);
	k.daddr[0] = htonl(daddr);
	k.dport = dport;
	k.proto = IPPROTO_TCP;
	k.family = 4;
	return bpf_map_lookup_elem(m_exp, &k, x) == 0;
}

static int nexpect(void)
{
	struct fwl_ct_expect_key k, next;
	void *prev = NULL;
	int n = 0;

	while (bpf_map_get_next_key(m_exp, prev, &next) == 0) {
		k = next;
		prev = &k;
		n++;
	}
	return n;
}

/* The packets of named counter NAME, its key from manifest.json. */
static uint64_t named_packets(const char *name)
{
	char path[512], buf[8192], pat[128], *at;
	uint32_t idx;
	uint64_t v[2];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/b/manifest.json", tmpdir);
	f = fopen(path, "r");
	if (!f)
		return ~0ull;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	snprintf(pat, sizeof(pat), "{\"name\": \"%s\", \"map\": "
		 "\"fwl_named_cnt\", \"id\": ", name);
	at = strstr(buf, pat);
	if (!at)
		return ~0ull;
	idx = (uint32_t)strtoul(at + strlen(pat), NULL, 10);
	if (h_percpu_sum(m_named, &idx, v, 2))
		return ~0ull;
	return v[0];
}

static void reset(void)
{
	h_map_clear(m_ct);
	h_map_clear(m_new);
	h_map_clear(m_exp);
	h_map_clear(m_named);
}

/* A control connection C:cport -> S:dport, handshake done; the next
 * sequence numbers of client and server in *cseq / *sseq. */
static void control(uint16_t cport, uint16_t dport, uint32_t *cseq,
		    uint32_t *sseq)
{
	CHECK_INT(send_tcp(C_ADDR, S_ADDR, cport, dport, FWL_TCP_SYN, 100, 0,
			   NULL), XDP_PASS_);
	CHECK_INT(send_tcp(S_ADDR, C_ADDR, dport, cport,
			   FWL_TCP_SYN | FWL_TCP_ACK, 900, 101, NULL), XDP_PASS_);
	CHECK_INT(send_tcp(C_ADDR, S_ADDR, cport, dport, FWL_TCP_ACK, 101, 901,
			   NULL), XDP_PASS_);
	*cseq = 101;
	*sseq = 901;
}

/* Server -> client text on the control connection. */
static uint32_t server_says(uint16_t cport, uint16_t dport, uint32_t *sseq,
			    uint32_t cseq, const char *text)
{
	uint32_t v = send_tcp(S_ADDR, C_ADDR, dport, cport,
			      FWL_TCP_ACK | FWL_TCP_PSH, *sseq, cseq, text);
	*sseq += strlen(text);
	return v;
}

static uint32_t client_says(uint16_t cport, uint16_t dport, uint32_t *cseq,
			    uint32_t sseq, const char *text)
{
	uint32_t v = send_tcp(C_ADDR, S_ADDR, cport, dport,
			      FWL_TCP_ACK | FWL_TCP_PSH, *cseq, sseq, text);
	*cseq += strlen(text);
	return v;
}

static void flags_in_guards(void)
{
	load("tests/backend/policies/flags.fwl");
	CHECK_INT(send_tcp(C_ADDR, S_ADDR, 1000, 80, FWL_TCP_SYN, 1, 0, NULL),
		  XDP_DROP_);
	CHECK_INT(send_tcp(C_ADDR, S_ADDR, 1000, 80, FWL_TCP_SYN | FWL_TCP_ACK,
			   1, 1, NULL), XDP_PASS_);
	CHECK_INT(send_tcp(C_ADDR, S_ADDR, 1000, 80, FWL_TCP_FIN | FWL_TCP_ACK,
			   1, 1, NULL), XDP_DROP_);
	/* == is exact: one more flag and it does not hold */
	CHECK_INT(send_tcp(C_ADDR, S_ADDR, 1000, 80,
			   FWL_TCP_FIN | FWL_TCP_ACK | FWL_TCP_PSH, 1, 1,
			   NULL), XDP_PASS_);
	CHECK_INT(send_tcp(C_ADDR, S_ADDR, 1000, 80, FWL_TCP_ACK | FWL_TCP_URG,
			   1, 1, NULL), XDP_DROP_);
	CHECK_INT(send_tcp(C_ADDR, S_ADDR, 1000, 80, FWL_TCP_ACK, 1, 1, NULL),
		  XDP_PASS_);
}

static void helper_recorded_on_flow(void)
{
	struct fwl_ct_entry e;
	uint32_t c, s;

	reset();
	control(40000, 21, &c, &s);
	CHECK(flow(40000, 21, &e), "control flow tracked");
	CHECK_INT(e.helper, FWL_CT_HELPER_FTP);
	control(40100, 2121, &c, &s);
	CHECK(flow(40100, 2121, &e), "second control flow tracked");
	CHECK_INT(e.helper, FWL_CT_HELPER_NONE);
	/* not a SYN: Syn ∈ tcp.flags does not hold, the last arm drops */
	CHECK_INT(send_tcp(C_ADDR, S_ADDR, 40200, 21, FWL_TCP_ACK, 5, 5, NULL),
		  XDP_DROP_);
}

static void passive_227_expectation_used_once(void)
{
	struct fwl_ct_expect x;
	struct fwl_ct_entry e;
	uint32_t c, s;

	reset();
	control(40000, 21, &c, &s);
	CHECK_INT(server_says(40000, 21, &s, c, "227 Entering Passive Mode "
			      "(198,51,100,10,195,149).\r\n"), XDP_PASS_);
	CHECK(expectation(C_ADDR, S_ADDR, 50069, &x), "expectation added");
	CHECK_INT(x.helper, FWL_CT_HELPER_FTP);
	CHECK_INT(nexpect(), 1);
	/* the data connection: RELATED with helper ftp, allowed */
	CHECK_INT(send_tcp(C_ADDR, S_ADDR, 40001, 50069, FWL_TCP_SYN, 5000, 0,
			   NULL), XDP_PASS_);
	CHECK_INT(nexpect(), 0);
	CHECK(flow(40001, 50069, &e), "data flow tracked");
	CHECK(e.status & FWL_CT_S_EXPECTED, "data flow expected: %#x",
	      e.status);
	CHECK_INT(e.helper, FWL_CT_HELPER_FTP);
	/* single use: another source port is a plain new flow, dropped */
	CHECK_INT(send_tcp(C_ADDR, S_ADDR, 40002, 50069, FWL_TCP_SYN, 5000, 0,
			   NULL), XDP_DROP_);
	CHECK(!flow(40002, 50069, &e), "no flow for the dropped SYN");
}

static void counter_and_offload(void)
{
	struct fwl_ct_entry e;
	uint32_t c, s;

	reset();
	control(40000, 21, &c, &s);
	server_says(40000, 21, &s, c, "227 Entering Passive Mode "
		    "(198,51,100,10,195,149).\r\n");
	CHECK_INT(send_tcp(C_ADDR, S_ADDR, 40001, 50069, FWL_TCP_SYN, 5000, 0,
			   NULL), XDP_PASS_);
	CHECK_INT(named_packets("data_cnt"), 0);
	/* the reply goes through `counted`: counted once, offloaded */
	CHECK_INT(send_tcp(S_ADDR, C_ADDR, 50069, 40001,
			   FWL_TCP_SYN | FWL_TCP_ACK, 7000, 5001, NULL),
		  XDP_PASS_);
	CHECK_INT(named_packets("data_cnt"), 1);
	CHECK(flow(40001, 50069, &e) && (e.status & FWL_CT_S_OFFLOAD),
	      "data flow offloaded: %#x", e.status);
	/* later packets take the fast path: the rule counts no more */
	CHECK_INT(send_tcp(C_ADDR, S_ADDR, 40001, 50069, FWL_TCP_ACK, 5001,
			   7001, NULL), XDP_PASS_);
	CHECK_INT(send_tcp(S_ADDR, C_ADDR, 50069, 40001,
			   FWL_TCP_ACK | FWL_TCP_PSH, 7001, 5001, "data"),
		  XDP_PASS_);
	CHECK_INT(named_packets("data_cnt"), 1);
	/* the control connection was not offloaded: its replies still go
	 * through the policy (and are not counted: not Expected) */
	CHECK(flow(40000, 21, &e) && !(e.status & FWL_CT_S_OFFLOAD),
	      "control flow not offloaded: %#x", e.status);
}

static void port_eprt_229_and_bad_addresses(void)
{
	struct fwl_ct_expect x;
	uint32_t c, s;

	reset();
	control(41000, 21, &c, &s);
	/* active mode: the server connects back to the announced port */
	CHECK_INT(client_says(41000, 21, &c, s, "PORT 10,0,0,2,200,10\r\n"),
		  XDP_PASS_);
	CHECK(expectation(S_ADDR, C_ADDR, 51210, &x), "PORT expectation");
	CHECK_INT(client_says(41000, 21, &c, s, "EPRT |1|10.0.0.2|6275|\r\n"),
		  XDP_PASS_);
	CHECK(expectation(S_ADDR, C_ADDR, 6275, &x), "EPRT expectation");
	CHECK_INT(server_says(41000, 21, &s, c, "229 Entering Extended "
			      "Passive Mode (|||6446|)\r\n"), XDP_PASS_);
	CHECK(expectation(C_ADDR, S_ADDR, 6446, &x), "229 expectation");
	CHECK_INT(nexpect(), 3);
	/* near misses: another host's address, a reply word from the
	 * client, a number out of range */
	CHECK_INT(server_says(41000, 21, &s, c, "227 Entering Passive Mode "
			      "(6,6,6,6,195,151).\r\n"), XDP_PASS_);
	CHECK_INT(client_says(41000, 21, &c, s, "227 (10,0,0,2,195,152)\r\n"),
		  XDP_PASS_);
	CHECK_INT(client_says(41000, 21, &c, s, "PORT 10,0,0,2,300,10\r\n"),
		  XDP_PASS_);
	CHECK_INT(nexpect(), 3);
}

static void no_helper_no_expectation(void)
{
	uint32_t c, s;

	reset();
	control(42000, 2121, &c, &s);
	CHECK_INT(server_says(42000, 2121, &s, c, "227 Entering Passive Mode "
			      "(198,51,100,10,195,149).\r\n"), XDP_PASS_);
	CHECK_INT(nexpect(), 0);
	CHECK_INT(send_tcp(C_ADDR, S_ADDR, 42001, 50069, FWL_TCP_SYN, 1, 0,
			   NULL), XDP_DROP_);
}

static void expired_expectation_ignored(void)
{
	struct fwl_ct_expect_key k;
	struct fwl_ct_expect x;

	reset();
	memset(&k, 0, sizeof(k));
	memset(&x, 0, sizeof(x));
	k.saddr[0] = htonl(C_ADDR);
	k.daddr[0] = htonl(S_ADDR);
	k.dport = 50100;
	k.proto = IPPROTO_TCP;
	k.family = 4;
	x.expires = 1;	/* long past */
	x.helper = FWL_CT_HELPER_FTP;
	CHECK(bpf_map_update_elem(m_exp, &k, &x, 0) == 0, "plant");
	CHECK_INT(send_tcp(C_ADDR, S_ADDR, 43001, 50100, FWL_TCP_SYN, 1, 0,
			   NULL), XDP_DROP_);
	CHECK_INT(nexpect(), 0);
	/* the same, not expired: Related, allowed */
	x.expires = ~0ull;
	CHECK(bpf_map_update_elem(m_exp, &k, &x, 0) == 0, "plant");
	CHECK_INT(send_tcp(C_ADDR, S_ADDR, 43002, 50100, FWL_TCP_SYN, 1, 0,
			   NULL), XDP_PASS_);
}

/* A rule body that is `if .. then .. else case frame of ..`: the nested
 * case decides, and its Continue goes on with the policy's next arm. */
static void general_rule_body(void)
{
	struct h_run r;
	struct pk p;

	load("tests/backend/policies/rule-body.fwl");
	CHECK_INT(send_tcp(C_ADDR, S_ADDR, 1000, 80, FWL_TCP_SYN, 1, 0, NULL),
		  XDP_PASS_);
	CHECK_INT(send_tcp(C_ADDR, S_ADDR, 1000, 81, FWL_TCP_SYN, 1, 0, NULL),
		  XDP_DROP_);
	/* a picked-up ACK: not a SYN, the rule continues to `_ -> Allow` */
	CHECK_INT(send_tcp(C_ADDR, S_ADDR, 1001, 81, FWL_TCP_ACK, 1, 1, NULL),
		  XDP_PASS_);
	/* UDP: the rule continues, the policy's second arm drops */
	pk_init(&p);
	pk_eth(&p, ETH_P_IP);
	pk_ip4(&p, C_ADDR, S_ADDR, IPPROTO_UDP);
	pk_udp(&p, 1000, 54);
	pk_zero(&p, 8);
	pk_finish(&p);
	h_xdp(prog, p.b, p.len, &r);
	CHECK_INT(r.ret, XDP_DROP_);
	/* a policy arm's Continue: the next arm (Drop) decides, not the
	 * next policy */
	pk_init(&p);
	pk_eth(&p, ETH_P_IP);
	pk_ip4(&p, C_ADDR, S_ADDR, IPPROTO_UDP);
	pk_udp(&p, 1000, 53);
	pk_zero(&p, 8);
	pk_finish(&p);
	h_xdp(prog, p.b, p.len, &r);
	CHECK_INT(r.ret, XDP_DROP_);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		printf("FAIL setup: mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	RUN(flags_in_guards);
	RUN(general_rule_body);
	load("tests/backend/policies/ftp-pre.fwl");
	RUN(helper_recorded_on_flow);
	RUN(passive_227_expectation_used_once);
	RUN(counter_and_offload);
	RUN(port_eprt_229_and_bad_addresses);
	RUN(no_helper_no_expectation);
	RUN(expired_expectation_ignored);
	bpf_object__close(obj);
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		printf("FAIL cleanup: %s\n", cmd);
	return check_done();
}
