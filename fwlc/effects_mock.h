/* SPDX-License-Identifier: MIT */
/*
 * effects_mock.h - the mock effect handlers (effects.h) fed by a scenario.
 *
 *	Mock m;
 *	mock_init(&m);
 *	mock_add_local(&m, &addr);		// FIB.daddrLocal answers true
 *	mock_add_route(&m, &cidr, "wan");	// FIB route -> oif
 *	mock_add_iface_addr(&m, "wan", &a);	// masquerade source
 *	mock_add_feed(&m, "threats", &cidr);	// ThreatFeed contents
 *	mock_add_dns(&m, "example.org", &a);
 *	FwlEffects fx = mock_effects(&m);
 *
 * Each family of answers is "mocked" once the scenario configured any of
 * it (e.g. one `fib local` line mocks FIB.daddrLocal for every address);
 * before that the operation answers FX_UNMOCKED.  Log events are recorded
 * in m.logs (always mocked: logging has no answer to invent).
 */
#ifndef FWLC_EFFECTS_MOCK_H
#define FWLC_EFFECTS_MOCK_H

#include "fwlc/effects.h"

typedef struct MockRoute {
	FxAddr cidr;
	char dev[32];
} MockRoute;

typedef struct MockFeed {
	char name[64];
	FxAddr cidr;
} MockFeed;

typedef struct MockDns {
	char name[128];
	FxAddr addr;
} MockDns;

typedef struct MockLog {
	FxLogLevel level;
	char msg[256];
	char rule[64];
} MockLog;

typedef struct Mock {
	bool fib_local_set, fib_route_set, feed_set, dns_set;
	FxAddr *locals;
	int nlocals;
	MockRoute *routes;	/* iface addresses are routes with prefix 32 */
	int nroutes;
	MockRoute *ifaddrs;	/* cidr = the address */
	int nifaddrs;
	MockFeed *feeds;
	int nfeeds;
	MockDns *dns;
	int ndns;
	MockLog *logs;
	int nlogs;
} Mock;

void mock_init(Mock *m);
void mock_free(Mock *m);
void mock_copy(Mock *dst, const Mock *src);	/* deep copy */
void mock_add_local(Mock *m, const FxAddr *a);
void mock_add_route(Mock *m, const FxAddr *cidr, const char *dev);
void mock_add_iface_addr(Mock *m, const char *dev, const FxAddr *a);
void mock_add_feed(Mock *m, const char *feed, const FxAddr *cidr);
void mock_add_dns(Mock *m, const char *name, const FxAddr *a);
FwlEffects mock_effects(Mock *m);
/* a in cidr (same family, prefix bits equal) */
bool fx_addr_in(const FxAddr *a, const FxAddr *cidr);
const char *fx_level_name(FxLogLevel l);

#endif
