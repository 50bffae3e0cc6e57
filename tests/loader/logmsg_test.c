// SPDX-License-Identifier: MIT
/* logmsg_test.c - Log.emit messages formatted from their templates and a
 * ring-buffer record (loader/logmsg.h), as the interpreter writes them. */
#include "loader/logmsg.h"
#include "maps/events.h"
#include "tests/lib/check.h"

#include <arpa/inet.h>
#include <string.h>

static struct fwl_event ev4(void)
{
	struct fwl_event e = {.version = FWL_EVENTS_LAYOUT_VERSION,
			      .size = sizeof(e), .l3 = 0x0800, .l4 = 6,
			      .sport = 50000, .dport = 443};
	inet_pton(AF_INET, "185.220.101.9", e.saddr);
	inet_pton(AF_INET, "203.0.113.1", e.daddr);
	return e;
}

static void test_placeholders(void)
{
	struct fwl_event e = ev4();
	char b[256];
	CHECK_STR(log_msg_format("blocked by feed: {src}", &e, b, sizeof(b)),
		  "blocked by feed: 185.220.101.9");
	CHECK_STR(log_msg_format("{src}{sport} -> {dst}{dport}!", &e, b,
				 sizeof(b)),
		  "185.220.101.9:50000 -> 203.0.113.1:443!");
	CHECK_STR(log_msg_format("ping flood: ", &e, b, sizeof(b)),
		  "ping flood: ");
}

static void test_ipv6(void)
{
	struct fwl_event e = ev4();
	char b[256];
	e.l3 = 0x86dd;
	inet_pton(AF_INET6, "fd12:3456::10", e.saddr);
	CHECK_STR(log_msg_format("from {src}", &e, b, sizeof(b)),
		  "from fd12:3456::10");
}

/* the other fields a record carries, as the interpreter's show writes
 * them: a Protocol, a Set<TcpFlag> in bit order, an IcmpType (by name for
 * the family, else a number), numbers */
static void test_l4_and_v2_fields(void)
{
	struct fwl_event e = ev4();
	char b[256];
	e.tcp_flags = 0x12;
	e.ttl = 63;
	e.tos = 0xb8;
	e.vlan_depth = 2;
	e.vlan[0] = 10;
	e.vlan[1] = 4094;
	CHECK_STR(log_msg_format("{proto} {flags}", &e, b, sizeof(b)),
		  "tcp {Syn, Ack}");
	CHECK_STR(log_msg_format("ttl {ttl} tos {tos} dscp {dscp}", &e, b,
				 sizeof(b)), "ttl 63 tos 184 dscp 46");
	CHECK_STR(log_msg_format("{vlan0}/{vlan1}", &e, b, sizeof(b)),
		  "10/4094");
	e.tcp_flags = 0;
	CHECK_STR(log_msg_format("{flags}", &e, b, sizeof(b)), "{}");
	e.l4 = 1;
	e.icmp_type = 8;
	e.icmp_code = 0;
	CHECK_STR(log_msg_format("{proto} {itype} {icode}", &e, b, sizeof(b)),
		  "icmp EchoRequest 0");
	e.icmp_type = 13;
	CHECK_STR(log_msg_format("{itype}", &e, b, sizeof(b)), "13");
	e.l4 = 58;
	e.icmp_type = 128;
	CHECK_STR(log_msg_format("{proto} {itype}", &e, b, sizeof(b)),
		  "icmpv6 EchoRequest");
	e.icmp_type = 8;	/* near miss: 8 is no ICMPv6 name */
	CHECK_STR(log_msg_format("{itype}", &e, b, sizeof(b)), "8");
	e.l4 = 47;
	CHECK_STR(log_msg_format("{proto}", &e, b, sizeof(b)), "proto");
	/* a version 1 record has no ttl: the placeholder stays as written */
	e.version = 1;
	CHECK_STR(log_msg_format("{ttl}", &e, b, sizeof(b)), "{ttl}");
}

/* near misses: braces are text when doubled, unknown names stay as they
 * are, a short buffer truncates */
static void test_braces_unknown_truncation(void)
{
	struct fwl_event e = ev4();
	char b[256], s[8];
	CHECK_STR(log_msg_format("{{src}} {hops} {src", &e, b, sizeof(b)),
		  "{src} {hops} {src");
	CHECK_STR(log_msg_format("x}}y", &e, b, sizeof(b)), "x}y");
	CHECK_STR(log_msg_format("a {src}", &e, s, sizeof(s)), "a 185.2");
	CHECK_STR(log_msg_format(NULL, &e, b, sizeof(b)), "");
}

/* the constant start older readers get as "prefix": up to the first
 * placeholder; doubled braces are text (near miss: "{{src}}" is no
 * placeholder) */
static void test_prefix(void)
{
	char b[256], s[4];
	CHECK_STR(log_msg_prefix("blocked by feed: {src}", b, sizeof(b)),
		  "blocked by feed: ");
	CHECK_STR(log_msg_prefix("a {{src}} b {dst}", b, sizeof(b)),
		  "a {src} b ");
	CHECK_STR(log_msg_prefix("ping flood", b, sizeof(b)), "ping flood");
	CHECK_STR(log_msg_prefix("abcdef", s, sizeof(s)), "abc");
	CHECK_STR(log_msg_prefix(NULL, b, sizeof(b)), "");
}

int main(void)
{
	RUN(test_placeholders);
	RUN(test_ipv6);
	RUN(test_l4_and_v2_fields);
	RUN(test_braces_unknown_truncation);
	RUN(test_prefix);
	return check_done();
}
