// SPDX-License-Identifier: MIT
/*
 * scenario_bpf.c - the compiled BPF object as a scenario backend
 * (scenario.h): `fwlc test --backend bpf`, and fwlc difftest's second
 * opinion.
 *
 * The policy is compiled once per file by fwlc build's own pipeline
 * (fwlc_build() into a temporary bundle); every case then
 *
 *   1. enters a private network namespace (unshare(CLONE_NEWNET); nothing
 *      touches the host) holding an interface (a veth) per name the policy and
 *      the scenario use, with the scenario's addresses (`iface`, `fib
 *      local`) and routes (`route`), forwarding on: bpf_fib_lookup answers
 *      as the scenario says;
 *   2. loads a fresh copy of the object and fills its maps with the
 *      loader's library (maps.bin, fwl_ifaces, fwl_ifaddr), the threat
 *      feeds from the scenario's `feed` lines, fwl_config from `set`;
 *   3. runs each packet through BPF_PROG_TEST_RUN: fwl_ingress (XDP, with
 *      ingress_ifindex) for arriving packets, then fwl_egress (TC, an
 *      __sk_buff with ifindex = the FIB's oif) for forwarded ones; a
 *      `local` packet only through fwl_egress.  State stays in the maps
 *      from packet to packet.
 *
 * What decided is read back from the data plane's own records: per-rule
 * counters (fwl_rule_cnt) rising during the packet are the arms on its
 * path, drop-reason counters the malformed packets, the per-CPU fwl_md
 * slot the conntrack view and the FIB's oif (the process is pinned to one
 * CPU so that slot is the one the run used), the ring buffer the logs.
 * Time is virtual: fwl_config.clock_ns is set before every packet.
 *
 * A setting the data plane cannot express (ct-max's single table,
 * timeouts that are not whole seconds) makes every later
 * packet of the case an error that says so: the case fails, never passes
 * silently.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fwlc/arena.h"
#include "fwlc/cmd.h"
#include "fwlc/effects_mock.h"
#include "fwlc/interp.h"
#include "fwlc/scenario.h"
#include "fwlc/scenario_bpf.h"
#include "loader/bundle.h"
#include "loader/logmsg.h"
#include "loader/mapdata.h"
#include "loader/strbuf.h"
#include "maps/config.h"
#include "maps/counters.h"
#include "maps/ct.h"
#include "maps/events.h"
#include "maps/feed.h"
#include "maps/seq.h"
#include "bpf/lib/ct_types.h"

/* The data plane's per-packet record (bpf/policy.h struct fwl_md, as in
 * the objects built for this backend: FWL_TESTING, with feeds_asked): only
 * the leading fields are read here; the layout is checked against the
 * map's value size at load. */
#define MD_PAYLOAD 16
#define MD_FLOWS 8
struct md_view {
	__u32 oif;
	__u64 iif_mask;
	__u64 oif_mask;
	__u32 rule_id;
	__u8 dst_local;
	__u8 payload[MD_PAYLOAD];
	__u8 flow[MD_FLOWS];
	__u32 feeds_asked;
	struct fwl_ct ct;
};

#define CLOCK_BASE_NS 1000000000000ull	/* virtual time 0: 1000 s */
/*
 * A case: a namespace, a loaded object.
 */
typedef struct Armref {
	const struct ir_policy *pol;
	const struct ir_arm *arm;
	uint64_t before, now;	/* packets before and after the packet */
} Armref;

typedef struct BC {
	Built *bt;
	const FwlEffects *fx;	/* &fxc */
	FwlEffects fxc;		/* the caller's is on its stack */
	Mock *mock;		/* the scenario's answers (fx->ctx) */
	int applied_routes, applied_addrs, applied_locals;
	bool ns_made;		/* in a namespace of its own, set up */
	bool ns_dirty;		/* it has more than env_key() says */
	int fed_feeds, fed_dns;	/* mock feeds/dns in the maps (feed_fill) */
	int home_ns;		/* the namespace we came from */
	struct bpf_object *obj;
	int in_fd, eg_fd;	/* programs; -1 if absent */
	int rule_cnt, drop_cnt, md_map, ct, ct_new, seq, config;
	struct ring_buffer *rb;
	size_t ncpus;
	int cpu;
	uint64_t now_ms;
	struct fwl_config cfg;
	char cannot[300];	/* a setting the data plane cannot express */
	Armref *arms;
	int narms;
	/* conntrack keys of the packets so far (Outcome.flow indexes) */
	struct fwl_ct_key *keys;
	int nkeys;
	/* the last packet, for explain */
	int npackets;
	char last_iif[32];
	char last_sum[256];
	Outcome *last;
	uint64_t drop_seen[FWL_DROP_MAX];	/* fwl_drop_cnt, last read */
	struct {
		char name[IF_NAMESIZE];
		int ifindex;
	} idx[32];		/* ifindex_of() */
	int nidx;
} BC;

static int ip_batch(const char *cmds, char *err, size_t errsz)
{
	FILE *p = popen("ip -batch - 2>&1", "w");
	if (!p) {
		snprintf(err, errsz, "cannot run ip: %s", strerror(errno));
		return -1;
	}
	fputs(cmds, p);
	int st = pclose(p);
	if (st) {
		snprintf(err, errsz, "setting up the test namespace failed "
			 "(ip said why above)");
		return -1;
	}
	return 0;
}

static int write_sysctl(const char *path, const char *v)
{
	int fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, v, strlen(v));
	close(fd);
	return n < 0 ? -1 : 0;
}

static void addr_text(const FxAddr *a, bool prefix, char *buf, size_t size)
{
	PktAddr p = {.family = a->family};
	char s[64];
	memcpy(p.a, a->a, 16);
	pkt_addr_str(&p, s, sizeof s);
	if (prefix)
		snprintf(buf, size, "%s/%u", s, a->prefix);
	else
		snprintf(buf, size, "%s", s);
}

static bool valid_ifname(const char *n)
{
	return n && n[0] && strlen(n) < IFNAMSIZ && strcmp(n, "local") &&
	       strcmp(n, "lo") && !strchr(n, '/') && !strchr(n, ' ');
}

/* An interface named NAME: one end of a veth pair (the kernel here may
 * lack the dummy driver), both ends up so routes through it are usable.
 * A name already queued in this batch is not added twice. */
static void add_link(struct strbuf *sb, const char *name)
{
	static unsigned peer;
	char probe[40];

	if (!valid_ifname(name) || if_nametoindex(name))
		return;
	snprintf(probe, sizeof probe, "link add name %s type", name);
	if (sb->s && strstr(sb->s, probe))
		return;
	peer++;
	sb_printf(sb, "link add name %s type veth peer name fwlpeer%u\n"
		      "link set dev %s up\nlink set dev fwlpeer%u up\n", name, peer,
		  name, peer);
}

/* Wait (at most 3 s) until every interface of the namespace is running:
 * a veth has carrier only once the kernel's link watcher has seen both
 * ends up, and only then are its IPv6 addresses (and their local routes)
 * in use - before that the FIB would forward to the box's own address. */
static int wait_running(char *err, size_t errsz)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct if_nameindex *ni = NULL;
	if (fd < 0)
		return 0;
	for (int tries = 0; tries < 300; tries++) {
		bool all = true;
		ni = if_nameindex();
		for (struct if_nameindex *i = ni; i && i->if_index; i++) {
			struct ifreq r = {0};
			snprintf(r.ifr_name, sizeof r.ifr_name, "%s",
				 i->if_name);
			if (ioctl(fd, SIOCGIFFLAGS, &r) == 0 &&
			    !(r.ifr_flags & IFF_RUNNING))
				all = false;
		}
		if_freenameindex(ni);
		if (all) {
			close(fd);
			return 0;
		}
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	close(fd);
	snprintf(err, errsz, "the test namespace's interfaces did not come "
		 "up within 3 s");
	return -1;
}

/* IPv6 addresses become local (their route in table local) only once
 * the kernel's address work has run, even with nodad: asynchronously, and
 * late on a busy machine.  A packet sent before would be routed out of the
 * interface instead of to the box.  Wait for the new ones, at most 2 s in
 * all; one that is still not local then shows in the packet's outcome
 * (its route), never as a hang. */
static void wait_v6_local(const Mock *m, int from)
{
	int budget = 200;	/* 10 ms polls */
	for (int i = from; i < m->nifaddrs && budget > 0; i++) {
		const FxAddr *x = &m->ifaddrs[i].cidr;
		char a[80], cmd[160], line[256];
		bool found = false;
		if (x->family != 6)
			continue;
		addr_text(x, false, a, sizeof a);
		snprintf(cmd, sizeof cmd, "ip -6 route show table local %s/128 "
			 "2>/dev/null", a);
		while (!found && budget-- > 0) {
			FILE *p = popen(cmd, "r");
			if (!p)
				return;
			found = fgets(line, sizeof line, p) != NULL;
			pclose(p);
			if (!found) {
				struct timespec ts = {0, 10 * 1000 * 1000};
				nanosleep(&ts, NULL);
			}
		}
	}
}

/* Interfaces, addresses and routes the mock has that the namespace does
 * not have yet (the scenario may add some inside a case). */
static int sync_netns(BC *c, char *err, size_t errsz)
{
	Mock *m = c->mock;
	struct strbuf sb;
	sb_init(&sb);
	char a[80];

	sb_printf(&sb, "%s", "");
	for (int i = c->applied_addrs; i < m->nifaddrs; i++)
		add_link(&sb, m->ifaddrs[i].dev);
	for (int i = c->applied_routes; i < m->nroutes; i++)
		add_link(&sb, m->routes[i].dev);
	if (sb.len && (ip_batch(sb.s, err, errsz) ||
		     wait_running(err, errsz))) {
		c->ns_dirty = true;
		sb_free(&sb);
		return -1;
	}
	sb.len = 0;
	sb.s[0] = 0;
	for (int i = c->applied_addrs; i < m->nifaddrs; i++) {
		const FxAddr *x = &m->ifaddrs[i].cidr;
		addr_text(x, false, a, sizeof a);
		sb_printf(&sb, "addr add %s/%d dev %s%s\n", a,
			  x->family == 4 ? 32 : 128, m->ifaddrs[i].dev,
			  x->family == 6 ? " nodad" : "");
	}
	for (int i = c->applied_locals; i < m->nlocals; i++) {
		/* iface addresses are locals too: those are on their link */
		bool on_link = false;
		for (int k = 0; k < m->nifaddrs; k++)
			if (m->ifaddrs[k].cidr.family == m->locals[i].family &&
			    !memcmp(m->ifaddrs[k].cidr.a, m->locals[i].a, 16) &&
			    m->locals[i].prefix ==
				    (m->locals[i].family == 4 ? 32 : 128))
				on_link = true;
		if (on_link)
			continue;
		addr_text(&m->locals[i], true, a, sizeof a);
		sb_printf(&sb, "route replace local %s dev lo table local\n",
			  a);
	}
	for (int i = c->applied_routes; i < m->nroutes; i++) {
		addr_text(&m->routes[i].cidr, true, a, sizeof a);
		if (!valid_ifname(m->routes[i].dev))
			continue;
		sb_printf(&sb, "route replace %s dev %s\n", a,
			  m->routes[i].dev);
	}
	int r = 0;
	if (sb.len)
		r = ip_batch(sb.s, err, errsz);
	sb_free(&sb);
	if (!r)
		wait_v6_local(m, c->applied_addrs);
	if (r) {
		c->ns_dirty = true;	/* maybe half applied */
		return -1;
	}
	bool changed = c->applied_addrs != m->nifaddrs;
	c->applied_addrs = m->nifaddrs;
	c->applied_routes = m->nroutes;
	c->applied_locals = m->nlocals;
	if (changed && c->obj &&
	    mapdata_fill_ifaddrs(c->obj, err, errsz))
		return -1;
	return 0;
}

static int ifindex_of(BC *c, const char *name);

static int ensure_link(BC *c, const char *name, char *err, size_t errsz)
{
	struct strbuf sb;
	if (ifindex_of(c, name))
		return 0;
	sb_init(&sb);
	int missing = 0;
	add_link(&sb, name);
	int r = 0;
	if (sb.len) {
		c->ns_dirty = true;
		r = ip_batch(sb.s, err, errsz);
		if (!r)
			r = wait_running(err, errsz);
		if (!r && c->obj)
			r = mapdata_fill_ifaces(&c->bt->b, c->obj, NULL,
						&missing, err, errsz);
	}
	sb_free(&sb);
	return r;
}

/*
 * The namespace of the last case, kept for the next one when that one
 * starts from the same interfaces, addresses and routes: making veth
 * pairs and waiting for their carrier is most of a case's cost (a
 * difftest runs hundreds of cases on one environment).  A case that made
 * an interface of its own (ensure_link) leaves no namespace to reuse.
 */
static struct {
	int fd;			/* -1: none */
	char *env;		/* env_key() it was built for */
} kept_ns = {-1, NULL};

/* What the namespace of a case is made of: the bundle's interfaces and
 * the first NADDRS/NROUTES/NLOCALS of the mock's, in one text. */
static char *env_key(BC *c, int naddrs, int nroutes, int nlocals)
{
	const Mock *m = c->mock;
	struct strbuf sb;
	char a[80];
	sb_init(&sb);
	sb_printf(&sb, "%s", "");
	for (int i = 0; i < c->bt->b.nifaces; i++)
		sb_printf(&sb, "link %s\n", c->bt->b.ifaces[i].name);
	for (int i = 0; i < naddrs; i++) {
		addr_text(&m->ifaddrs[i].cidr, true, a, sizeof a);
		sb_printf(&sb, "addr %s %s\n", m->ifaddrs[i].dev, a);
	}
	for (int i = 0; i < nroutes; i++) {
		addr_text(&m->routes[i].cidr, true, a, sizeof a);
		sb_printf(&sb, "route %s %s\n", m->routes[i].dev, a);
	}
	for (int i = 0; i < nlocals; i++) {
		addr_text(&m->locals[i], true, a, sizeof a);
		sb_printf(&sb, "local %s\n", a);
	}
	return sb.s;
}

/* Enter the kept namespace if it was made for what this case starts
 * from (1), else 0. */
static int reuse_netns(BC *c)
{
	const Mock *m = c->mock;
	if (kept_ns.fd < 0)
		return 0;
	char *env = env_key(c, m->nifaddrs, m->nroutes, m->nlocals);
	bool same = env && kept_ns.env && strcmp(env, kept_ns.env) == 0;
	free(env);
	if (!same || setns(kept_ns.fd, CLONE_NEWNET))
		return 0;
	close(kept_ns.fd);
	kept_ns.fd = -1;
	c->applied_addrs = m->nifaddrs;
	c->applied_routes = m->nroutes;
	c->applied_locals = m->nlocals;
	return 1;
}

/* At the end of a case (still inside its namespace): keep it for the
 * next case unless the case added an interface of its own. */
static void keep_netns(BC *c)
{
	if (kept_ns.fd >= 0)
		close(kept_ns.fd);
	free(kept_ns.env);
	kept_ns.fd = -1;
	kept_ns.env = NULL;
	if (!c->ns_made || c->ns_dirty)
		return;
	kept_ns.env = env_key(c, c->applied_addrs, c->applied_routes,
			      c->applied_locals);
	kept_ns.fd = kept_ns.env ? open("/proc/self/ns/net",
					O_RDONLY | O_CLOEXEC) : -1;
}

static int enter_netns(BC *c, char *err, size_t errsz)
{
	c->home_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (c->home_ns < 0) {
		snprintf(err, errsz, "cannot open this network namespace: %s",
			 strerror(errno));
		return -1;
	}
	if (reuse_netns(c)) {
		c->ns_made = true;
		return 0;
	}
	if (unshare(CLONE_NEWNET)) {
		snprintf(err, errsz, "cannot create a private network "
			 "namespace (the bpf backend needs root): %s",
			 strerror(errno));
		return -1;
	}
	struct strbuf sb;
	sb_init(&sb);
	sb_printf(&sb, "link set lo up\n");
	for (int i = 0; i < c->bt->b.nifaces; i++)
		add_link(&sb, c->bt->b.ifaces[i].name);
	int r = ip_batch(sb.s, err, errsz);
	sb_free(&sb);
	if (r || wait_running(err, errsz) || sync_netns(c, err, errsz))
		return -1;
	/* forwarding on, also for the interfaces made later */
	write_sysctl("/proc/sys/net/ipv4/ip_forward", "1");
	write_sysctl("/proc/sys/net/ipv6/conf/all/forwarding", "1");
	write_sysctl("/proc/sys/net/ipv6/conf/default/forwarding", "1");
	c->ns_made = true;
	return 0;
}

static int map_fd(struct bpf_object *obj, const char *name)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, name);
	return m ? bpf_map__fd(m) : -1;
}

static int prog_fd(struct bpf_object *obj, const char *name)
{
	struct bpf_program *p = bpf_object__find_program_by_name(obj, name);
	return p ? bpf_program__fd(p) : -1;
}

static int on_event(void *ctx, void *data, size_t size)
{
	BC *c = ((Built *)ctx)->cur;
	const struct fwl_event *ev = data;
	char rule[96] = "?", msg[256];
	const char *tmpl = "?";

	if (!c || size < sizeof *ev || !c->fx->log_emit)
		return 0;	/* no case: draining the ring */
	for (int i = 0; i < c->narms; i++)
		if (c->arms[i].arm->rule_id == ev->rule_id)
			snprintf(rule, sizeof rule, "%s#%d",
				 c->arms[i].pol->name, c->arms[i].arm->index);
	if (ev->prefix_id < (unsigned)c->bt->ir.nlog_messages)
		tmpl = c->bt->ir.log_messages[ev->prefix_id];
	/* the message formatted from the record, as fwld's log sink does */
	log_msg_format(tmpl, ev, msg, sizeof msg);
	c->fx->log_emit(c->fx->ctx, (FxLogLevel)ev->level, msg, rule);
	return 0;
}

static int write_config(BC *c)
{
	__u32 k = 0;
	if (c->config < 0)
		return 0;
	c->cfg.layout_version = FWL_CONFIG_LAYOUT_VERSION;
	c->cfg.clock_ns = CLOCK_BASE_NS + c->now_ms * 1000000ull;
	return bpf_map_update_elem(c->config, &k, &c->cfg, BPF_ANY);
}

static void feed_fill(BC *c)
{
	const struct ir_prog *ir = &c->bt->ir;
	c->fed_feeds = c->mock->nfeeds;
	c->fed_dns = c->mock->ndns;
	for (int i = 0; i < ir->nfeeds; i++) {
		char n4[32], n6[32];
		snprintf(n4, sizeof n4, "fwl_feed_%d_v4", i);
		snprintf(n6, sizeof n6, "fwl_feed_%d_v6", i);
		int f4 = map_fd(c->obj, n4), f6 = map_fd(c->obj, n6);
		struct fwl_feed_value v = {.tag = 1};
		const char *src = ir->feeds[i].source;
		/* A DNS name set (DNS.resolves): the `dns` mocks' addresses. */
		for (int k = 0; src && !strncmp(src, "dns:", 4) &&
				k < c->mock->ndns; k++) {
			const MockDns *d = &c->mock->dns[k];
			if (strcmp(d->name, src + 4))
				continue;
			if (d->addr.family == 4 && f4 >= 0) {
				struct fwl_feed_key4 key = {.prefixlen = 32};
				memcpy(key.addr, d->addr.a, 4);
				bpf_map_update_elem(f4, &key, &v, BPF_ANY);
			} else if (d->addr.family == 6 && f6 >= 0) {
				struct fwl_feed_key6 key = {.prefixlen = 128};
				memcpy(key.addr, d->addr.a, 16);
				bpf_map_update_elem(f6, &key, &v, BPF_ANY);
			}
		}
		for (int k = 0; k < c->mock->nfeeds; k++) {
			const MockFeed *mf = &c->mock->feeds[k];
			if (strcmp(mf->name, ir->feeds[i].name))
				continue;
			if (mf->cidr.family == 4 && f4 >= 0) {
				struct fwl_feed_key4 key = {
					.prefixlen = mf->cidr.prefix};
				memcpy(key.addr, mf->cidr.a, 4);
				bpf_map_update_elem(f4, &key, &v, BPF_ANY);
			} else if (mf->cidr.family == 6 && f6 >= 0) {
				struct fwl_feed_key6 key = {
					.prefixlen = mf->cidr.prefix};
				memcpy(key.addr, mf->cidr.a, 16);
				bpf_map_update_elem(f6, &key, &v, BPF_ANY);
			}
		}
	}
}

/* libbpf's warnings while loading: the verifier's last words, kept for
 * the error message (the last line is only "failed to load object"). */
static char libbpf_msg[1024], libbpf_why[1024];

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	char line[1024];
	if (level == LIBBPF_DEBUG)
		return 0;
	vsnprintf(line, sizeof line, fmt, ap);
	line[strcspn(line, "\n")] = 0;
	if (strstr(line, "-- END PROG LOAD LOG --"))
		snprintf(libbpf_why, sizeof libbpf_why, "%s", libbpf_msg);
	if (line[0] && !strstr(line, "-- BEGIN") && !strstr(line, "-- END"))
		snprintf(libbpf_msg, sizeof libbpf_msg, "%s", line);
	return 0;
}

/* Empty one map: hash-like maps lose their entries, arrays are zeroed
 * (one batch update), a ring buffer is drained by the caller.  The keys
 * of a hash are collected in one walk and then deleted: deleting while
 * restarting the walk from the first bucket costs a scan of the buckets
 * per entry. */
static void map_clear(struct bpf_map *m)
{
	int fd = bpf_map__fd(m);
	enum bpf_map_type t = bpf_map__type(m);
	size_t ks = bpf_map__key_size(m);
	__u32 max = bpf_map__max_entries(m);

	if (t == BPF_MAP_TYPE_ARRAY || t == BPF_MAP_TYPE_PERCPU_ARRAY) {
		size_t vs = (bpf_map__value_size(m) + 7) & ~7u;
		int n = libbpf_num_possible_cpus();
		if (t == BPF_MAP_TYPE_PERCPU_ARRAY && n > 0)
			vs *= (size_t)n;
		void *zero = calloc(max ? max : 1, vs);
		__u32 *keys = calloc(max ? max : 1, sizeof *keys);
		__u32 count = max;
		LIBBPF_OPTS(bpf_map_batch_opts, bo);
		for (__u32 i = 0; keys && i < max; i++)
			keys[i] = i;
		if (zero && keys &&
		    bpf_map_update_batch(fd, keys, zero, &count, &bo))
			for (__u32 i = 0; i < max; i++)	/* no batch ops */
				bpf_map_update_elem(fd, &i, zero, BPF_ANY);
		free(zero);
		free(keys);
		return;
	}
	if (t == BPF_MAP_TYPE_RINGBUF || ks == 0 || ks > 256)
		return;
	size_t cap = 64, n = 0;
	uint8_t *keys = malloc(cap * ks);
	const void *prev = NULL;
	while (keys && n < 4u * max + 64) {
		if (n == cap) {
			uint8_t *k = realloc(keys, 2 * cap * ks);
			if (!k)
				break;
			keys = k;
			cap *= 2;
		}
		if (bpf_map_get_next_key(fd, prev, keys + n * ks))
			break;
		prev = keys + n * ks;
		n++;
	}
	for (size_t i = 0; keys && i < n; i++)
		bpf_map_delete_elem(fd, keys + i * ks);
	free(keys);
}

/* A fresh case on the object the last case used: the state it keeps
 * (FLOW and EXTERNAL maps, the interface maps of the old namespace, the
 * configuration) is emptied; the policy's own data (maps.bin) stays. */
static void reset_object(BC *c)
{
	struct bpf_map *m;
	bpf_object__for_each_map(m, c->obj) {
		const char *n = bpf_map__name(m);
		const struct bundle_map *bm = bundle_find_map(&c->bt->b, n);
		if (strchr(n, '.'))
			continue;	/* .rodata and friends */
		if (bm && bm->class == MAP_POLICY &&
		    strcmp(n, "fwl_ifaces") && strcmp(n, "fwl_config"))
			continue;
		map_clear(m);
	}
	if (c->bt->rb) {
		c->bt->cur = NULL;
		ring_buffer__consume(c->bt->rb);
	}
}

static int load_object(BC *c, char *err, size_t errsz)
{
	Built *bt = c->bt;
	struct bundle *b = &bt->b;
	int missing = 0;

	if (bt->obj) {
		c->obj = bt->obj;
		reset_object(c);
	} else {
		libbpf_set_print(libbpf_quiet);
		bt->obj = bpf_object__open_file(b->object, NULL);
		if (!bt->obj) {
			snprintf(err, errsz, "cannot open %s: %s", b->object,
				 strerror(errno));
			return -1;
		}
		/* Rule counters are read after every packet with one batch
		   lookup, which walks every bucket: size the map to the
		   policy's arms (with room to spare) instead of
		   FWL_RULE_CNT_MAX.  A full map would show as a missing
		   counter, a disagreement, never silently. */
		struct bpf_map *rc = bpf_object__find_map_by_name(bt->obj,
								  "fwl_rule_cnt");
		__u32 want = 2u * (__u32)c->narms + 64;
		if (rc && want < bpf_map__max_entries(rc))
			bpf_map__set_max_entries(rc, want);
		if (bpf_object__load(bt->obj)) {
			snprintf(err, errsz, "the kernel refused the compiled "
				 "object: %s%s%s", libbpf_msg,
				 libbpf_why[0] ? "; the verifier: " : "",
				 libbpf_why);
			bpf_object__close(bt->obj);
			bt->obj = NULL;
			return -1;
		}
		if (mapdata_fill(b, bt->obj, err, errsz)) {
			bpf_object__close(bt->obj);
			bt->obj = NULL;
			return -1;
		}
		int ev = map_fd(bt->obj, "fwl_events");
		if (ev >= 0 && !(bt->rb = ring_buffer__new(ev, on_event, bt,
							    NULL))) {
			snprintf(err, errsz, "cannot read fwl_events: %s",
				 strerror(errno));
			return -1;
		}
	}
	c->obj = bt->obj;
	c->rb = bt->rb;
	bt->cur = c;
	if (mapdata_fill_ifaces(b, c->obj, NULL, &missing, err, errsz) ||
	    mapdata_fill_ifaddrs(c->obj, err, errsz))
		return -1;
	c->in_fd = prog_fd(c->obj, "fwl_ingress");
	c->eg_fd = b->nprogs > 1 ? prog_fd(c->obj, "fwl_egress") : -1;
	c->rule_cnt = map_fd(c->obj, "fwl_rule_cnt");
	c->drop_cnt = map_fd(c->obj, "fwl_drop_cnt");
	c->md_map = map_fd(c->obj, "fwl_md_map");
	c->ct = map_fd(c->obj, "fwl_ct");
	c->ct_new = map_fd(c->obj, "fwl_ct_new");
	c->seq = map_fd(c->obj, "fwl_seq");
	c->config = map_fd(c->obj, "fwl_config");
	struct bpf_map *md = bpf_object__find_map_by_name(c->obj,
							   "fwl_md_map");
	if (!md || bpf_map__value_size(md) < sizeof(struct md_view)) {
		snprintf(err, errsz, "the object's fwl_md_map does not have "
			 "the layout this fwlc reads (bpf/policy.h)");
		return -1;
	}
	feed_fill(c);
	if (write_config(c)) {
		snprintf(err, errsz, "cannot write fwl_config: %s",
			 strerror(errno));
		return -1;
	}
	return 0;
}

/* Every arm with its rule id (policies and rules), counters read later. */
static void collect_arms(BC *c)
{
	const struct ir_prog *ir = &c->bt->ir;
	int n = 0;
	for (int i = 0; i < ir->npolicies; i++)
		n += ir->policies[i].narms;
	for (int i = 0; i < ir->nrules; i++)
		n += ir->rules[i].narms;
	c->arms = calloc((size_t)n + 1, sizeof *c->arms);
	for (int h = 0; h < IR_HOOK_COUNT; h++)
		for (int i = 0; i < ir->npolicies; i++) {
			const struct ir_policy *p = &ir->policies[i];
			if ((int)p->hook != h)
				continue;
			for (int k = 0; k < p->narms; k++)
				c->arms[c->narms++] = (Armref){p, &p->arms[k], 0, 0};
		}
	for (int i = 0; i < ir->nrules; i++)
		for (int k = 0; k < ir->rules[i].narms; k++)
			c->arms[c->narms++] = (Armref){&ir->rules[i],
						       &ir->rules[i].arms[k], 0, 0};
}

static void pin_cpu(BC *c)
{
	static int cpu = -1;
	if (cpu < 0) {
		cpu_set_t set;
		int now = sched_getcpu();
		cpu = now < 0 ? 0 : now;
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof set, &set))
			cpu = sched_getcpu();
	}
	c->cpu = cpu;
	int n = libbpf_num_possible_cpus();
	c->ncpus = n > 0 ? (size_t)n : 1;
}

static void *bc_open(const Program *prog, const FwlEffects *fx, char *err,
		     size_t errsz)
{
	Mock probe;
	mock_init(&probe);
	FwlEffects mfx = mock_effects(&probe);
	if (fx->fib_route != mfx.fib_route) {
		snprintf(err, errsz, "the bpf backend runs only with the "
			 "scenario's mock effect handlers");
		return NULL;
	}
	Built *bt = bpf_policy_build(prog);
	if (!bt) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	if (!bt->ok) {
		snprintf(err, errsz, "%s", bt->err);
		return NULL;
	}
	BC *c = calloc(1, sizeof *c);
	if (!c) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	c->bt = bt;
	c->fxc = *fx;
	c->fx = &c->fxc;
	c->mock = fx->ctx;
	c->home_ns = -1;
	c->in_fd = c->eg_fd = -1;
	pin_cpu(c);
	collect_arms(c);
	if (enter_netns(c, err, errsz) || load_object(c, err, errsz)) {
		scenario_bpf_backend.close(c);
		return NULL;
	}
	return c;
}

static void bc_close(void *cv)
{
	BC *c = cv;
	/* the object stays loaded for the next case of the policy */
	if (c->bt->cur == c)
		c->bt->cur = NULL;
	if (c->home_ns >= 0) {
		/* back home: the case's namespace stays for the next case
		   (keep_netns) or goes with its last user */
		keep_netns(c);
		if (setns(c->home_ns, CLONE_NEWNET)) {
			fprintf(stderr, "fwlc: cannot return to the original "
				"network namespace: %s\n", strerror(errno));
			exit(2);
		}
		close(c->home_ns);
	}
	free(c->arms);
	free(c->keys);
	free(c);
}

static bool bc_set(void *cv, const char *k, uint64_t v)
{
	BC *c = cv;
	int idx = -1;
	if (strcmp(k, "ct-loose") == 0) {
		if (v)
			c->cfg.flags &= ~FWL_CFG_TCP_STRICT;
		else
			c->cfg.flags |= FWL_CFG_TCP_STRICT;
		write_config(c);
		return true;
	}
	if (strcmp(k, "timeout-udp") == 0)
		idx = FWL_CT_TO_UDP;
	else if (strcmp(k, "timeout-icmp") == 0)
		idx = FWL_CT_TO_ICMP;
	else if (strcmp(k, "timeout-tcp-established") == 0)
		idx = FWL_CT_TO_TCP_ESTABLISHED;
	else if (strcmp(k, "timeout-seq") == 0)
		idx = FWL_CT_TO_SEQ;
	if (idx >= 0) {
		if (v % 1000 || v == 0) {
			snprintf(c->cannot, sizeof c->cannot, "the bpf backend "
				 "cannot express 'set %s %llums': the data "
				 "plane's timeouts are whole seconds", k,
				 (unsigned long long)v);
			return true;
		}
		c->cfg.ct_timeout[idx] = (__u32)(v / 1000);
		write_config(c);
		return true;
	}
	if (strcmp(k, "ct-max") == 0) {
		snprintf(c->cannot, sizeof c->cannot, "the bpf backend cannot "
			 "express 'set %s': the data plane's conntrack has two "
			 "tiers sized at load (maps/ct.h), not one table of N "
			 "entries", k);
		return true;
	}
	return false;
}

static void bc_advance(void *cv, uint64_t ms)
{
	BC *c = cv;
	c->now_ms += ms;
	write_config(c);
}

/* Sum of a per-CPU fwl_count; *ok false when there is no entry. */
static uint64_t percpu_packets(BC *c, int fd, __u32 key)
{
	struct fwl_count vals[c->ncpus];
	uint64_t sum = 0;
	if (fd < 0 || bpf_map_lookup_elem(fd, &key, vals))
		return 0;
	for (size_t i = 0; i < c->ncpus; i++)
		sum += vals[i].packets;
	return sum;
}

static int read_md(BC *c, struct md_view *md)
{
	size_t vs = 0;
	struct bpf_map *m = bpf_object__find_map_by_name(c->obj, "fwl_md_map");
	vs = (bpf_map__value_size(m) + 7) & ~7u;
	uint8_t *buf = calloc(c->ncpus, vs);
	__u32 k = 0;
	int r = -1;
	if (buf && !bpf_map_lookup_elem(c->md_map, &k, buf)) {
		memcpy(md, buf + (size_t)c->cpu * vs, sizeof *md);
		r = 0;
	}
	free(buf);
	return r;
}

/* enum fwl_drop_reason -> the interpreter's "invalid: NAME". */
static const char *drop_name(int r)
{
	switch (r) {
	case FWL_DROP_ETH_TRUNC: return "eth-truncated";
	case FWL_DROP_VLAN_TRUNC: return "vlan-truncated";
	case FWL_DROP_VLAN_DEPTH: return "vlan-too-deep";
	case FWL_DROP_IP4_TRUNC: return "ipv4-truncated";
	case FWL_DROP_IP4_VERSION:
	case FWL_DROP_IP4_IHL: return "ipv4-bad-header";
	case FWL_DROP_IP4_LEN: return "ipv4-bad-length";
	case FWL_DROP_IP4_FRAG: return "ipv4-bad-fragment";
	case FWL_DROP_IP6_TRUNC: return "ipv6-truncated";
	case FWL_DROP_IP6_VERSION: return "ipv6-bad-header";
	case FWL_DROP_IP6_LEN: return "ipv6-bad-length";
	case FWL_DROP_IP6_EXT_TRUNC: return "ipv6-ext-truncated";
	case FWL_DROP_IP6_EXT_DEPTH: return "ipv6-ext-chain-too-long";
	case FWL_DROP_TCP_TRUNC: return "tcp-truncated";
	case FWL_DROP_TCP_DOFF: return "tcp-bad-doff";
	case FWL_DROP_UDP_TRUNC: return "udp-truncated";
	case FWL_DROP_UDP_LEN: return "udp-bad-length";
	case FWL_DROP_ICMP_TRUNC:
	case FWL_DROP_ICMP6_TRUNC: return "icmp-truncated";
	case FWL_DROP_NAT_NO_PORT: return "nat: no free port";
	case FWL_DROP_NAT_COLLISION: return "nat: reply tuple already bound";
	case FWL_DROP_NAT_REROUTE:
		return "nat: host packet translated onto another route";
	default: return NULL;
	}
}

/* Does fwl_ingress look the route up (bpf/ingress.h)?  Only for the
 * Input and Forward hooks and FIB.daddrLocal. */
static bool fib_in_xdp(const struct ir_prog *ir)
{
	if (ir->uses_dst_local)
		return true;
	for (int i = 0; i < ir->npolicies; i++)
		if (ir->policies[i].hook == IR_HOOK_INPUT ||
		    ir->policies[i].hook == IR_HOOK_FORWARD)
			return true;
	return false;
}

static int fwl_to_ct_state(int s)
{
	switch (s) {
	case FWL_CT_NEW: return CT_NEW;
	case FWL_CT_ESTABLISHED: return CT_ESTABLISHED;
	case FWL_CT_RELATED: return CT_RELATED;
	case FWL_CT_INVALID: return CT_INVALID;
	default: return CT_UNTRACKED;
	}
}

static int fwl_to_tcp_state(int s)
{
	static const int map[FWL_TCP_STATE_MAX] = {
		[FWL_TCP_NONE] = TCP_NONE,
		[FWL_TCP_SYN_SENT] = TCP_SYN_SENT,
		[FWL_TCP_SYN_RECV] = TCP_SYN_RECV,
		[FWL_TCP_ESTABLISHED] = TCP_ESTABLISHED,
		[FWL_TCP_FIN_WAIT] = TCP_FIN_WAIT,
		[FWL_TCP_CLOSE_WAIT] = TCP_CLOSE_WAIT,
		[FWL_TCP_LAST_ACK] = TCP_LAST_ACK,
		[FWL_TCP_TIME_WAIT] = TCP_TIME_WAIT,
		[FWL_TCP_CLOSE] = TCP_CLOSE,
		[FWL_TCP_SYN_SENT2] = TCP_SYN_SENT2,
	};
	return s >= 0 && s < FWL_TCP_STATE_MAX ? map[s] : TCP_NONE;
}

static unsigned fwl_to_status(unsigned s)
{
	return (s & FWL_CT_S_SEEN_REPLY ? CTS_SEEN_REPLY : 0) |
	       (s & FWL_CT_S_ASSURED ? CTS_ASSURED : 0) |
	       (s & FWL_CT_S_DNAT ? CTS_DNAT : 0) |
	       (s & FWL_CT_S_SNAT ? CTS_SNAT : 0) |
	       (s & FWL_CT_S_EXPECTED ? CTS_EXPECTED : 0) |
	       (s & FWL_CT_S_OFFLOAD ? CTS_OFFLOAD : 0);
}

/* The canonical conntrack key of a parsed packet (maps/ct.h), for
 * policies that do not track (flow patterns still key by it). */
static void key_of(const Pkt *p, struct fwl_ct_key *k)
{
	__be32 s[4] = {0}, d[4] = {0};
	uint16_t sp = p->sport, dp = p->dport;
	memset(k, 0, sizeof *k);
	memcpy(s, p->src.a, p->l3 == 4 ? 4 : 16);
	memcpy(d, p->dst.a, p->l3 == 4 ? 4 : 16);
	if (p->proto == 1 || p->proto == 58) {
		/* a query: the identifier on the requester's side (ct.h's
		   fwl_ct_query_ports) */
		uint8_t t = p->icmp_type;
		bool req = p->proto == 1 ? t == 8 || t == 13 || t == 15 ||
					   t == 17
					 : t == 128;
		bool rep = p->proto == 1 ? t == 0 || t == 14 || t == 16 ||
					   t == 18
					 : t == 129;
		sp = req ? p->icmp_id : 0;
		dp = rep ? p->icmp_id : 0;
	}
	int cmp = 0;
	for (int i = 0; i < 4 && !cmp; i++)
		cmp = s[i] < d[i] ? -1 : s[i] > d[i];
	if (!cmp)
		cmp = sp < dp ? -1 : sp > dp;
	bool lo = cmp <= 0;
	memcpy(k->addr_lo, lo ? s : d, 16);
	memcpy(k->addr_hi, lo ? d : s, 16);
	k->port_lo = lo ? sp : dp;
	k->port_hi = lo ? dp : sp;
	k->proto = p->proto;
	k->family = p->l3 == 6 ? 6 : 4;
}

static const char *hook_of(const struct ir_policy *p)
{
	static const char *const names[IR_HOOK_COUNT] = {
		"prerouting", "input", "forward", "output", "postrouting",
	};
	return p->is_rule ? "rule" : names[p->hook];
}

static void fail_outcome(Outcome *o, const Pkt *parsed, const char *fmt,
			 ...) __attribute__((format(printf, 3, 4)));

static void fail_outcome(Outcome *o, const Pkt *parsed, const char *fmt, ...)
{
	va_list ap;
	o->verdict = VERDICT_ERROR;
	va_start(ap, fmt);
	vsnprintf(o->err, sizeof o->err, fmt, ap);
	va_end(ap);
	snprintf(o->path, sizeof o->path, "(bpf: %.400s)", o->err);
	o->out = *parsed;
	o->flow = -1;
}

/*
 * A feed (threat feed or DNS name set) the policies read for this packet
 * (fwl_md.feeds_asked) that the scenario does not mock: the interpreter's
 * error for an unmocked effect, word for word, instead of an answer from
 * an empty map (the oracle must not invent answers).
 */
static bool unmocked_feeds(BC *c, const Pkt *parsed, uint32_t asked,
			   Outcome *o)
{
	const struct ir_prog *ir = &c->bt->ir;
	const FwlEffects *fx = c->fx;
	for (int i = 0; i < ir->nfeeds && i < 32; i++) {
		if (!(asked & (1u << i)))
			continue;
		const struct ir_feed *f = &ir->feeds[i];
		bool dns = f->source && !strncmp(f->source, "dns:", 4);
		FxAddr a = {.family = (uint8_t)parsed->l3};
		FxAddr out[16];
		bool hit;
		int n;
		int rc = dns ? (fx->dns_resolve ? fx->dns_resolve(fx->ctx,
						f->source + 4, out, 16, &n)
						: FX_UNMOCKED)
			     : (fx->feed_contains ? fx->feed_contains(fx->ctx,
						f->name, &a, &hit)
						  : FX_UNMOCKED);
		if (rc != FX_UNMOCKED)
			continue;
		if (dns)
			fail_outcome(o, parsed, "effect %s is not mocked for "
				     "\"%s\" (add 'dns %s ADDR...')",
				     f->op ? f->op : "DNS.resolves",
				     f->source + 4, f->source + 4);
		else
			fail_outcome(o, parsed, "effect %s is not mocked for "
				     "feed '%s' (add 'feed %s CIDR...')",
				     f->op ? f->op : "ThreatFeed.lookup",
				     f->name, f->name);
		return true;
	}
	return false;
}

/* Run one program: XDP with ingress_ifindex, or TC with ifindex (and
 * ingress_ifindex, 0 for the host's own packets). */
static int run_prog(int fd, bool xdp, const uint8_t *in, uint32_t len,
		    uint8_t *out, uint32_t *outlen, int ifindex, int iif,
		    uint32_t *retval)
{
	struct xdp_md xctx = {0};
	struct __sk_buff sctx = {0};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in,
		    .data_size_in = len, .data_out = out,
		    .data_size_out = *outlen, .repeat = 1);
	if (xdp) {
		xctx.ingress_ifindex = (__u32)ifindex;
		xctx.data_end = len;
		opts.ctx_in = &xctx;
		opts.ctx_size_in = sizeof xctx;
	} else {
		sctx.ifindex = (__u32)ifindex;
		sctx.ingress_ifindex = (__u32)iif;
		opts.ctx_in = &sctx;
		opts.ctx_size_in = sizeof sctx;
	}
	int r = bpf_prog_test_run_opts(fd, &opts);
	*outlen = opts.data_size_out;
	*retval = opts.retval;
	return r ? -errno : 0;
}

/* Every rule's packet count, in one batch lookup of fwl_rule_cnt, into
 * each arm's `now`.  Counters move only under our packets, so the last
 * packet's `now` is the next one's `before`. */
static void read_rule_counters(BC *c)
{
	enum { BATCH = 256 };
	__u32 keys[BATCH];
	struct fwl_count *vals = calloc(BATCH * c->ncpus, sizeof *vals);
	__u32 out_batch = 0;
	bool first = true;

	for (int i = 0; i < c->narms; i++)
		c->arms[i].now = 0;
	if (!vals || c->rule_cnt < 0) {
		free(vals);
		return;
	}
	for (;;) {
		__u32 n = BATCH;
		LIBBPF_OPTS(bpf_map_batch_opts, bo);
		int r = bpf_map_lookup_batch(c->rule_cnt,
					     first ? NULL : &out_batch,
					     &out_batch, keys, vals, &n, &bo);
		first = false;
		for (__u32 k = 0; k < n; k++) {
			uint64_t sum = 0;
			for (size_t cpu = 0; cpu < c->ncpus; cpu++)
				sum += vals[k * c->ncpus + cpu].packets;
			for (int i = 0; i < c->narms; i++)
				if (c->arms[i].arm->rule_id == keys[k])
					c->arms[i].now = sum;
		}
		if (r)
			break;	/* ENOENT: the last batch */
	}
	free(vals);
}

/* Drop reasons counted since the last call (cached totals): one batch
 * lookup of the per-CPU array fwl_drop_cnt. */
static int new_drop_reason(BC *c)
{
	__u32 keys[FWL_DROP_MAX], out_batch = 0, n = FWL_DROP_MAX;
	struct fwl_count *vals = calloc(FWL_DROP_MAX * c->ncpus,
					sizeof *vals);
	int why = -1;
	LIBBPF_OPTS(bpf_map_batch_opts, bo);

	if (!vals || c->drop_cnt < 0) {
		free(vals);
		return -1;
	}
	if (bpf_map_lookup_batch(c->drop_cnt, NULL, &out_batch, keys, vals,
				 &n, &bo) && errno != ENOENT)
		n = 0;
	for (__u32 k = 0; k < n; k++) {
		uint64_t v = 0;
		for (size_t cpu = 0; cpu < c->ncpus; cpu++)
			v += vals[k * c->ncpus + cpu].packets;
		if (keys[k] >= FWL_DROP_MAX)
			continue;
		if (v > c->drop_seen[keys[k]] && keys[k] != FWL_DROP_POLICY)
			why = (int)keys[k];
		c->drop_seen[keys[k]] = v;
	}
	free(vals);
	return why;
}

/* ifindex of an interface of the case's namespace (cached: interfaces
 * are only added while a case runs). */
static int ifindex_of(BC *c, const char *name)
{
	for (int i = 0; i < c->nidx; i++)
		if (strcmp(c->idx[i].name, name) == 0)
			return c->idx[i].ifindex;
	int ix = (int)if_nametoindex(name);
	if (ix && c->nidx < (int)(sizeof c->idx / sizeof c->idx[0])) {
		snprintf(c->idx[c->nidx].name, sizeof c->idx[0].name, "%s",
			 name);
		c->idx[c->nidx++].ifindex = ix;
	}
	return ix;
}

static const char *ifname_of(BC *c, int ifindex, char *buf)
{
	for (int i = 0; i < c->nidx; i++)
		if (c->idx[i].ifindex == ifindex)
			return c->idx[i].name;
	if (!if_indextoname((unsigned)ifindex, buf))
		return NULL;
	ifindex_of(c, buf);
	return buf;
}

static const char *arm_action(const struct ir_arm *a)
{
	return ir_action_name(a->action);
}

/*
 * An effect the scenario does not mock is an error in the interpreter
 * (the oracle must not invent answers); the compiled object would read
 * the namespace's routes or an empty map instead.  The same mocks decide
 * here, so a case that leaves one out fails on both backends alike:
 * routing (FIB) for an arriving packet that reached it (feeds and DNS
 * names: unmocked_feeds).  0 or -1 (reported).
 */
static int unmocked(BC *c, const Pkt *parsed, const char *iif,
		    const char *oif, bool routed, Outcome *o)
{
	const FwlEffects *fx = c->fx;
	if (routed && strcmp(iif, "local") && !oif && o->out.l3 &&
	    !parsed->invalid) {
		FxAddr d = {.family = (uint8_t)o->out.l3,
			    .prefix = o->out.l3 == 4 ? 32 : 128};
		char dev[32];
		bool self = false;
		memcpy(d.a, o->out.dst.a, 16);
		if (!fx->fib_daddr_local ||
		    fx->fib_daddr_local(fx->ctx, &d, &self) == FX_UNMOCKED ||
		    (!self && (!fx->fib_route ||
			       fx->fib_route(fx->ctx, &d, dev, sizeof dev) ==
				       FX_UNMOCKED))) {
			fail_outcome(o, parsed, "effect FIB (routing: is the "
				     "destination local, which interface) is "
				     "not mocked by the scenario (add 'fib "
				     "local ADDR...' and 'fib route CIDR "
				     "IFACE', or give the packet '-> IFACE')");
			return -1;
		}
	}
	return 0;
}

/* The packet as it left ingress has neither a local address nor a route
 * in the scenario's FIB (an unmocked one is unmocked()'s to report). */
static bool not_routable(BC *c, const uint8_t *bytes, uint32_t len)
{
	const FwlEffects *fx = c->fx;
	Pkt now;
	char dev[32];
	bool self = false;
	pkt_parse(bytes, len, &now);
	if (!now.l3 || now.invalid)
		return false;
	FxAddr d = {.family = (uint8_t)now.l3,
		    .prefix = now.l3 == 4 ? 32 : 128};
	memcpy(d.a, now.dst.a, 16);
	return fx->fib_daddr_local && fx->fib_route &&
	       fx->fib_daddr_local(fx->ctx, &d, &self) == FX_OK && !self &&
	       fx->fib_route(fx->ctx, &d, dev, sizeof dev) == FX_ERROR;
}

static void bc_packet(void *cv, const uint8_t *bytes, size_t len,
		      const Pkt *parsed, const char *iif, const char *oif,
		      Outcome *o)
{
	BC *c = cv;
	char err[512];
	uint8_t buf[2][9000];
	uint32_t blen;
	uint32_t ret;
	struct md_view md_in = {0}, md_eg = {0};
	bool local = strcmp(iif, "local") == 0;
	bool ran_in = false, ran_eg = false, unroutable = false;
	int iif_idx = 0, oif_idx = 0;
	char route_cleanup[160] = "";

	memset(o, 0, offsetof(Outcome, out));
	/* A case's own feed/dns lines come after open: fill them now
	   (the mock's lists only grow). */
	if (c->mock->nfeeds != c->fed_feeds || c->mock->ndns != c->fed_dns)
		feed_fill(c);
	o->out = *parsed;
	o->flow = -1;
	c->npackets++;
	c->last = o;
	snprintf(c->last_iif, sizeof c->last_iif, "%s", iif);
	pkt_summary(parsed, c->last_sum, sizeof c->last_sum);
	if (c->cannot[0]) {
		fail_outcome(o, parsed, "%s", c->cannot);
		return;
	}
	if (len > sizeof buf[0]) {
		fail_outcome(o, parsed, "the bpf backend runs frames up to "
			     "%zu bytes, this one has %zu", sizeof buf[0],
			     len);
		return;
	}
	if (sync_netns(c, err, sizeof err) ||
	    (!local && ensure_link(c, iif, err, sizeof err)) ||
	    (oif && strcmp(oif, "local") && ensure_link(c, oif, err,
							sizeof err))) {
		fail_outcome(o, parsed, "%s", err);
		return;
	}
	/* `-> OIF`: the FIB must say so, for this destination only.  An
	   interface's own address is local already: replacing, then
	   deleting, its local route would leave it routed out of the
	   interface for the rest of the case. */
	bool own_addr = false;
	for (int i = 0; oif && !strcmp(oif, "local") &&
			    i < c->mock->nifaddrs; i++)
		own_addr |= c->mock->ifaddrs[i].cidr.family == parsed->l3 &&
			    !memcmp(c->mock->ifaddrs[i].cidr.a, parsed->dst.a,
				    parsed->l3 == 4 ? 4 : 16);
	if (oif && parsed->l3 && !own_addr) {
		char a[64], cmd[200];
		pkt_addr_str(&parsed->dst, a, sizeof a);
		int plen = parsed->l3 == 4 ? 32 : 128;
		if (strcmp(oif, "local") == 0)
			snprintf(cmd, sizeof cmd, "route replace local %s/%d "
				 "dev lo table local\n", a, plen);
		else
			snprintf(cmd, sizeof cmd, "route replace %s/%d dev "
				 "%s\n", a, plen, oif);
		c->ns_dirty = true;	/* the route it replaced is gone */
		if (ip_batch(cmd, err, sizeof err)) {
			fail_outcome(o, parsed, "%s", err);
			return;
		}
		snprintf(route_cleanup, sizeof route_cleanup, "route del "
			 "%s%s/%d%s\n", strcmp(oif, "local") ? "" : "local ",
			 a, plen, strcmp(oif, "local") ? "" : " table local");
	}
	for (int i = 0; i < c->narms; i++)
		c->arms[i].before = c->arms[i].now;
	memcpy(buf[0], bytes, len);
	blen = (uint32_t)len;
	int verdict = VERDICT_ALLOW;
	int r;
	const char *stage = NULL;
	int dropper_md = 0;	/* 1 ingress, 2 egress */

	if (!local) {
		iif_idx = ifindex_of(c, iif);
		uint32_t ol = sizeof buf[1];
		r = run_prog(c->in_fd, true, buf[0], blen, buf[1], &ol,
			     iif_idx, 0, &ret);
		if (r) {
			stage = "fwl_ingress";
			goto run_failed;
		}
		ran_in = true;
		read_md(c, &md_in);
		memcpy(buf[0], buf[1], ol);
		blen = ol;
		if (ret == 1 /* XDP_DROP */) {
			verdict = VERDICT_DROP;
			dropper_md = 1;
		} else if (ret != 2 /* XDP_PASS */) {
			fail_outcome(o, parsed, "fwl_ingress returned %u "
				     "(neither XDP_PASS nor XDP_DROP)", ret);
			goto out;
		}
		/* the routing decision, also for a packet dropped after it */
		if (!fib_in_xdp(&c->bt->ir)) {
			/* the object asks no FIB at ingress (no Input or
			 * Forward policy): the kernel routes the packet as
			 * it is now, by the scenario's routes */
			char dev[32] = "";
			Pkt now;
			pkt_parse(buf[0], blen, &now);
			FxAddr d = {.family = (uint8_t)now.l3,
				    .prefix = now.l3 == 4 ? 32 : 128};
			memcpy(d.a, now.dst.a, 16);
			bool to_self = false;
			if (c->fx->fib_daddr_local &&
			    c->fx->fib_daddr_local(c->fx->ctx, &d, &to_self))
				to_self = false;
			if (oif)
				snprintf(dev, sizeof dev, "%s", oif);
			else if (!to_self && c->fx->fib_route &&
				 c->fx->fib_route(c->fx->ctx, &d, dev,
						  sizeof dev))
				dev[0] = 0;
			if (to_self || !strcmp(dev, "local") || !dev[0])
				snprintf(o->oif, sizeof o->oif, "local");
			else
				snprintf(o->oif, sizeof o->oif, "%s", dev);
			if (strcmp(o->oif, "local") &&
			    ensure_link(c, o->oif, err, sizeof err)) {
				fail_outcome(o, parsed, "%s", err);
				goto out;
			}
			oif_idx = strcmp(o->oif, "local") ?
				  ifindex_of(c, o->oif) : 0;
		} else {
			oif_idx = (int)md_in.oif;
			char nm[IF_NAMESIZE] = "";
			const char *on = oif_idx ? ifname_of(c, oif_idx, nm)
						 : NULL;
			if (on)
				snprintf(o->oif, sizeof o->oif, "%s", on);
			else if (md_in.dst_local || !oif_idx)
				snprintf(o->oif, sizeof o->oif, "local");
		}
		/* bpf_fib_lookup does not forward a packet the FIB has no
		   route for, as for a local one: the object ran Input on
		   it, and the kernel drops it after the hooks
		   (docs/semantics.md, "Routing") */
		if (!oif && !strcmp(o->oif, "local") &&
		    not_routable(c, buf[0], blen)) {
			o->oif[0] = 0;
			unroutable = true;
		}
	} else {
		/* the host's own packet: the route the scenario gives */
		char dev[32] = "";
		FxAddr d = {.family = (uint8_t)parsed->l3,
			    .prefix = parsed->l3 == 4 ? 32 : 128};
		memcpy(d.a, parsed->dst.a, 16);
		int rc = FX_OK;
		if (oif)
			snprintf(dev, sizeof dev, "%s", oif);
		else if (!c->fx->fib_route ||
			 (rc = c->fx->fib_route(c->fx->ctx, &d, dev,
						sizeof dev)))
			dev[0] = 0;
		bool to_self = false;
		if (!oif && c->fx->fib_daddr_local &&
		    c->fx->fib_daddr_local(c->fx->ctx, &d, &to_self))
			to_self = false;
		if (to_self) {
			/* to the box itself: through lo, where no program
			   of ours is attached */
			o->verdict = VERDICT_ALLOW;
			snprintf(o->path, sizeof o->path, "(to this host "
				 "over lo: no program runs)");
			goto keys;
		}
		if (!dev[0] && c->fx->fib_route && rc == FX_ERROR) {
			/* the FIB has no route: the sender gets
			   ENETUNREACH, nothing is built, nothing leaves,
			   no program sees it, nothing is tracked
			   (docs/semantics.md, "Routing") */
			o->verdict = VERDICT_DROP;
			snprintf(o->reason, sizeof o->reason,
				 "no route: the sender gets ENETUNREACH");
			snprintf(o->path, sizeof o->path, "(no route: the "
				 "sender gets ENETUNREACH)");
			goto keys;
		}
		if (!dev[0]) {
			fail_outcome(o, parsed, "no route for the local "
				     "packet (add 'route CIDR IFACE')");
			goto out;
		}
		snprintf(o->oif, sizeof o->oif, "%s", dev);
		oif_idx = strcmp(dev, "local") ? ifindex_of(c, dev) : 0;
	}
	if (verdict == VERDICT_ALLOW && c->eg_fd >= 0 && oif_idx &&
	    strcmp(o->oif, "local")) {
		uint32_t ol = sizeof buf[1];
		r = run_prog(c->eg_fd, false, buf[0], blen, buf[1], &ol,
			     oif_idx, local ? 0 : iif_idx, &ret);
		if (r) {
			stage = "fwl_egress";
			goto run_failed;
		}
		ran_eg = true;
		read_md(c, &md_eg);
		memcpy(buf[0], buf[1], ol);
		blen = ol;
		if (ret == 2 /* TC_ACT_SHOT */) {
			verdict = VERDICT_DROP;
			dropper_md = 2;
		} else if (ret != 0 && ret != (uint32_t)-1) {
			fail_outcome(o, parsed, "fwl_egress returned %d",
				     (int)ret);
			goto out;
		}
	}
	if (unroutable && verdict == VERDICT_ALLOW) {
		verdict = VERDICT_DROP;
		snprintf(o->reason, sizeof o->reason,
			 "no route: the kernel drops it after Input");
	}
	o->verdict = verdict;
	pkt_parse(buf[0], blen, &o->out);
	/* the arms whose counters rose, in hook order */
	size_t po = 0;
	const Armref *last = NULL;
	if (verdict == VERDICT_ALLOW && parsed->invalid)
		new_drop_reason(c);	/* counted, passed: keep the cache */
	read_rule_counters(c);
	for (int i = 0; i < c->narms; i++) {
		if (c->arms[i].now == c->arms[i].before)
			continue;
		const Armref *a = &c->arms[i];
		if (o->narms < OUTCOME_MAX_ARMS)
			snprintf(o->arms[o->narms++], sizeof o->arms[0],
				 "%s#%d", a->pol->name, a->arm->index);
		if (po < sizeof o->path)
			po += (size_t)snprintf(o->path + po,
					       sizeof o->path - po,
					       "%s%s %s#%d (%s)", po ? ", " : "",
					       hook_of(a->pol), a->pol->name,
					       a->arm->index,
					       arm_action(a->arm));
		if (!a->pol->is_rule)
			last = a;	/* a rule's drop is its caller's */
	}
	if (!po)
		snprintf(o->path, sizeof o->path, "(no arm counted)");
	bool routed = ran_in;
	/* the data plane's drop reason, if any (read once: it is the rise
	   of a counter since the last packet) */
	int rr = verdict == VERDICT_DROP ? new_drop_reason(c) : 0;
	/* a clash is dropped where its flow would be created: after the
	   filter, so after routing */
	if (verdict == VERDICT_DROP && dropper_md == 1 &&
	    rr != FWL_DROP_NAT_COLLISION &&
	    (!last || last->pol->hook == IR_HOOK_PREROUTING)) {
		o->oif[0] = 0;	/* dropped before routing */
		routed = false;
	}
	/* routing first: the interpreter reaches it before Input reads */
	if (unmocked(c, parsed, iif, oif, routed, o) ||
	    unmocked_feeds(c, parsed, (ran_in ? md_in.feeds_asked : 0) |
				      (ran_eg ? md_eg.feeds_asked : 0), o))
		goto out;
	if (verdict == VERDICT_DROP) {
		const struct md_view *m = dropper_md == 2 ? &md_eg : &md_in;
		const char *why = NULL;
		if (rr == FWL_DROP_NAT_NO_ADDR) {
			/* fwl_ifaddr holds only the scenario's `iface`
			 * addresses: this is an effect nobody mocked, an
			 * error as in the interpreter */
			fail_outcome(o, parsed, "effect FIB (the address of "
				     "interface '%s' for Masquerade) is not "
				     "mocked (add 'iface %s addr ADDR')",
				     o->oif, o->oif);
			goto keys;
		}
		if (rr > 0) {
			why = drop_name(rr);
			if (!why)
				snprintf(o->reason, sizeof o->reason,
					 "bpf drop reason %d", rr);
		}
		if (why && strncmp(why, "nat:", 4) == 0)
			snprintf(o->reason, sizeof o->reason, "%s", why);
		else if (why)
			snprintf(o->reason, sizeof o->reason, "invalid: %s",
				 why);
		else if (!o->reason[0]) {
			for (int i = 0; i < c->narms; i++)
				if (c->arms[i].arm->rule_id == m->rule_id &&
				    !c->arms[i].pol->is_rule)
					last = &c->arms[i];
			if (last)
				snprintf(o->reason, sizeof o->reason, "%s#%d",
					 last->pol->name, last->arm->index);
			else
				snprintf(o->reason, sizeof o->reason,
					 "(no arm counted)");
		}
	}
keys:
	/* the conntrack view the policies had */
	const struct md_view *cm = ran_in ? &md_in : &md_eg;
	if (!ran_in && !ran_eg)
		cm = &md_in;
	o->ct_state = cm->ct.state ? fwl_to_ct_state(cm->ct.state)
				   : CT_UNTRACKED;
	if (!c->bt->ir.uses_ct)
		o->ct_state = -1;	/* the object has no conntrack */
	if (parsed->invalid)
		o->ct_state = CT_INVALID;
	struct fwl_ct_key key = cm->ct.key;
	if (!key.family && parsed->l3)
		key_of(parsed, &key);
	struct fwl_ct_key *nk = realloc(c->keys, (size_t)(c->nkeys + 1) *
							 sizeof *nk);
	if (nk) {
		c->keys = nk;
		c->keys[c->nkeys] = key;
		o->flow = c->nkeys++;
	}
	if (c->rb)
		ring_buffer__consume(c->rb);
	goto out;
run_failed:
	fail_outcome(o, parsed, "BPF_PROG_TEST_RUN of %s failed: %s", stage,
		     strerror(-r));
out:
	if (route_cleanup[0])
		ip_batch(route_cleanup, err, sizeof err);
}

static uint64_t bc_counter(void *cv, const char *policy, int arm)
{
	BC *c = cv;
	for (int i = 0; i < c->narms; i++)
		if (c->arms[i].arm->index == arm &&
		    strcmp(c->arms[i].pol->name, policy) == 0)
			return percpu_packets(c, c->rule_cnt,
					      c->arms[i].arm->rule_id);
	return 0;
}

static bool ct_lookup(BC *c, const struct fwl_ct_key *k,
		      struct fwl_ct_entry *e)
{
	uint64_t now = CLOCK_BASE_NS + c->now_ms * 1000000ull;
	int fds[2] = {c->ct, c->ct_new};
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0 && !bpf_map_lookup_elem(fds[i], k, e) &&
		    e->expires > now)
			return true;
	return false;
}

static int bc_ct_count(void *cv)
{
	BC *c = cv;
	struct fwl_ct_key k, next, *prev;
	struct fwl_ct_entry e;
	uint64_t now = CLOCK_BASE_NS + c->now_ms * 1000000ull;
	int n = 0;
	int fds[2] = {c->ct, c->ct_new};
	for (int i = 0; i < 2; i++) {
		if (fds[i] < 0)
			continue;
		prev = NULL;
		while (!bpf_map_get_next_key(fds[i], prev, &next)) {
			k = next;
			prev = &k;
			if (bpf_map_lookup_elem(fds[i], &k, &e) ||
			    e.expires <= now)
				continue;
			/* an entry promoted to fwl_ct may linger in the
			   LRU tier: count the flow once */
			struct fwl_ct_entry e2;
			if (i == 1 && c->ct >= 0 &&
			    !bpf_map_lookup_elem(c->ct, &k, &e2) &&
			    e2.expires > now)
				continue;
			n++;
		}
	}
	return n;
}

static bool bc_ct_entry(void *cv, const Outcome *o, int *tcp,
			unsigned *status)
{
	BC *c = cv;
	struct fwl_ct_entry e;
	if (o->flow < 0 || o->flow >= c->nkeys ||
	    !ct_lookup(c, &c->keys[o->flow], &e))
		return false;
	*tcp = fwl_to_tcp_state(e.tcp_state);
	*status = fwl_to_status(e.status);
	return true;
}

static int bc_flow_state(void *cv, const char *flow, const Outcome *o)
{
	BC *c = cv;
	const struct ir_prog *ir = &c->bt->ir;
	uint64_t now = CLOCK_BASE_NS + c->now_ms * 1000000ull;
	if (c->seq < 0 || o->flow < 0 || o->flow >= c->nkeys)
		return 0;
	for (int i = 0; i < ir->nflows; i++) {
		if (strcmp(ir->flows[i].name, flow))
			continue;
		struct fwl_seq_key k = {.flow = c->keys[o->flow],
					.pattern = (__u32)i};
		struct fwl_seq_val v;
		if (bpf_map_lookup_elem(c->seq, &k, &v) || v.deadline < now)
			return 0;
		return v.step >= ir->flows[i].nsteps ? -1 : v.step;
	}
	return 0;
}

static void bc_explain(void *cv, FILE *f)
{
	BC *c = cv;
	Outcome *o = c->last;
	char sum[256];
	fprintf(f, "packet %d on %s: %s\n", c->npackets, c->last_iif,
		c->last_sum);
	if (!o)
		return;
	fprintf(f, "  conntrack: %s\n", ct_state_name(o->ct_state));
	fprintf(f, "  arms counted: %s\n", o->path);
	if (o->verdict == VERDICT_ERROR) {
		fprintf(f, "  error: %s\n", o->err);
		return;
	}
	if (o->oif[0])
		fprintf(f, "  route: %s\n", o->oif);
	pkt_summary(&o->out, sum, sizeof sum);
	fprintf(f, "  verdict: %s%s%s\n  out: %s\n",
		o->verdict == VERDICT_ALLOW ? "allow" : "drop",
		o->verdict == VERDICT_DROP ? " by " : "",
		o->verdict == VERDICT_DROP ? o->reason : "", sum);
}

const ScenarioBackend scenario_bpf_backend = {
	.name = "bpf",
	.open = bc_open,
	.close = bc_close,
	.set = bc_set,
	.advance = bc_advance,
	.packet = bc_packet,
	.counter = bc_counter,
	.ct_count = bc_ct_count,
	.ct_entry = bc_ct_entry,
	.flow_state = bc_flow_state,
	.explain = bc_explain,
};
