// SPDX-License-Identifier: MIT
/*
 * effects_mock.c - mock effect handlers answered from scenario settings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwlc/arena.h"
#include "fwlc/effects_mock.h"

void mock_init(Mock *m)
{
	memset(m, 0, sizeof *m);
}

void mock_free(Mock *m)
{
	free(m->locals);
	free(m->routes);
	free(m->ifaddrs);
	free(m->feeds);
	free(m->dns);
	free(m->logs);
	memset(m, 0, sizeof *m);
}

static void *dup_arr(const void *p, int n, size_t sz)
{
	if (!n)
		return NULL;
	void *q = xmalloc(n * sz);
	memcpy(q, p, n * sz);
	return q;
}

void mock_copy(Mock *d, const Mock *s)
{
	*d = *s;
	d->locals = dup_arr(s->locals, s->nlocals, sizeof *s->locals);
	d->routes = dup_arr(s->routes, s->nroutes, sizeof *s->routes);
	d->ifaddrs = dup_arr(s->ifaddrs, s->nifaddrs, sizeof *s->ifaddrs);
	d->feeds = dup_arr(s->feeds, s->nfeeds, sizeof *s->feeds);
	d->dns = dup_arr(s->dns, s->ndns, sizeof *s->dns);
	d->logs = dup_arr(s->logs, s->nlogs, sizeof *s->logs);
}

#define GROW(arr, n) ((arr) = xrealloc((arr), ((n) + 1) * sizeof *(arr)))

void mock_add_local(Mock *m, const FxAddr *a)
{
	GROW(m->locals, m->nlocals);
	m->locals[m->nlocals++] = *a;
	m->fib_local_set = true;
}

void mock_add_route(Mock *m, const FxAddr *cidr, const char *dev)
{
	GROW(m->routes, m->nroutes);
	MockRoute *r = &m->routes[m->nroutes++];
	r->cidr = *cidr;
	snprintf(r->dev, sizeof r->dev, "%s", dev);
	m->fib_route_set = true;
}

void mock_add_iface_addr(Mock *m, const char *dev, const FxAddr *a)
{
	GROW(m->ifaddrs, m->nifaddrs);
	MockRoute *r = &m->ifaddrs[m->nifaddrs++];
	r->cidr = *a;
	snprintf(r->dev, sizeof r->dev, "%s", dev);
}

void mock_add_feed(Mock *m, const char *feed, const FxAddr *cidr)
{
	GROW(m->feeds, m->nfeeds);
	MockFeed *f = &m->feeds[m->nfeeds++];
	snprintf(f->name, sizeof f->name, "%s", feed);
	f->cidr = *cidr;
	m->feed_set = true;
}

void mock_add_dns(Mock *m, const char *name, const FxAddr *a)
{
	GROW(m->dns, m->ndns);
	MockDns *d = &m->dns[m->ndns++];
	snprintf(d->name, sizeof d->name, "%s", name);
	d->addr = *a;
	m->dns_set = true;
}

bool fx_addr_in(const FxAddr *a, const FxAddr *c)
{
	if (a->family != c->family)
		return false;
	int bits = c->prefix;
	for (int i = 0; i < 16 && bits > 0; i++, bits -= 8) {
		uint8_t mask = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));
		if ((a->a[i] & mask) != (c->a[i] & mask))
			return false;
	}
	return true;
}

const char *fx_level_name(FxLogLevel l)
{
	static const char *n[] = {"Debug", "Info", "Warn", "Error"};
	return l <= FX_ERROR_LEVEL ? n[l] : "?";
}

static int m_local(void *ctx, const FxAddr *dst, bool *local)
{
	Mock *m = ctx;
	if (!m->fib_local_set)
		return FX_UNMOCKED;
	*local = false;
	for (int i = 0; i < m->nlocals; i++)
		if (fx_addr_in(dst, &m->locals[i]))
			*local = true;
	return FX_OK;
}

static int m_route(void *ctx, const FxAddr *dst, char *oif, size_t size)
{
	Mock *m = ctx;
	int best = -1;

	if (!m->fib_route_set)
		return FX_UNMOCKED;
	for (int i = 0; i < m->nroutes; i++)
		if (fx_addr_in(dst, &m->routes[i].cidr) &&
		    (best < 0 || m->routes[i].cidr.prefix >
				     m->routes[best].cidr.prefix))
			best = i;
	if (best < 0)
		return FX_ERROR;	/* no route: unreachable */
	snprintf(oif, size, "%s", m->routes[best].dev);
	return FX_OK;
}

static int m_ifaddr(void *ctx, const char *dev, int family, FxAddr *out)
{
	Mock *m = ctx;
	for (int i = 0; i < m->nifaddrs; i++)
		if (strcmp(m->ifaddrs[i].dev, dev) == 0 &&
		    m->ifaddrs[i].cidr.family == family) {
			*out = m->ifaddrs[i].cidr;
			return FX_OK;
		}
	return FX_UNMOCKED;
}

static int m_feed(void *ctx, const char *feed, const FxAddr *a, bool *hit)
{
	Mock *m = ctx;
	bool known = false;

	*hit = false;
	for (int i = 0; i < m->nfeeds; i++) {
		if (strcmp(m->feeds[i].name, feed) != 0)
			continue;
		known = true;
		if (m->feeds[i].cidr.family && fx_addr_in(a, &m->feeds[i].cidr))
			*hit = true;
	}
	return known ? FX_OK : FX_UNMOCKED;
}

static int m_dns(void *ctx, const char *name, FxAddr *out, int max, int *n)
{
	Mock *m = ctx;
	bool known = false;

	*n = 0;
	for (int i = 0; i < m->ndns; i++) {
		if (strcmp(m->dns[i].name, name) != 0)
			continue;
		known = true;
		if (*n < max && m->dns[i].addr.family)
			out[(*n)++] = m->dns[i].addr;
	}
	return known ? FX_OK : FX_UNMOCKED;
}

static int m_log(void *ctx, FxLogLevel level, const char *msg,
		 const char *rule)
{
	Mock *m = ctx;
	GROW(m->logs, m->nlogs);
	MockLog *l = &m->logs[m->nlogs++];
	l->level = level;
	snprintf(l->msg, sizeof l->msg, "%s", msg);
	snprintf(l->rule, sizeof l->rule, "%s", rule ? rule : "");
	return FX_OK;
}

FwlEffects mock_effects(Mock *m)
{
	FwlEffects fx = {
		.ctx = m,
		.fib_daddr_local = m_local,
		.fib_route = m_route,
		.fib_iface_addr = m_ifaddr,
		.feed_contains = m_feed,
		.dns_resolve = m_dns,
		.log_emit = m_log,
	};
	return fx;
}
