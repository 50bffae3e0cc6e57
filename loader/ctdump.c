// SPDX-License-Identifier: MIT
/* ctdump.c - list and flush conntrack flows, see ctdump.h. */
#include "loader/ctdump.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "maps/ct.h"

static const char *const tcp_states[] = {
	"NONE", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT",
	"CLOSE_WAIT", "LAST_ACK", "TIME_WAIT", "CLOSE", "SYN_SENT2",
};

static void addr_str(const __be32 *a, int family, char *buf, size_t len)
{
	if (!inet_ntop(family == 6 ? AF_INET6 : AF_INET, a, buf, len))
		snprintf(buf, len, "?");
}

static const char *rule_name(const struct bundle *b, __u32 id)
{
	for (int i = 0; i < b->nrules; i++)
		if (b->rules[i].id == id)
			return b->rules[i].name;
	return "";
}

static void one_flow(const struct fwl_ct_key *k, const struct fwl_ct_entry *e,
		     const struct bundle *b, __u64 now, struct strbuf *out)
{
	/* The originator's side first, as conntrack -L prints it. */
	int lo_first = !!(e->status & FWL_CT_S_ORIG_LO);
	const __be32 *src = lo_first ? k->addr_lo : k->addr_hi;
	const __be32 *dst = lo_first ? k->addr_hi : k->addr_lo;
	unsigned sport = lo_first ? k->port_lo : k->port_hi;
	unsigned dport = lo_first ? k->port_hi : k->port_lo;
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	static const struct { __u32 bit; const char *name; } bits[] = {
		{ FWL_CT_S_SEEN_REPLY, "SeenReply" },
		{ FWL_CT_S_ASSURED, "Assured" },
		{ FWL_CT_S_DNAT, "DNAT" },
		{ FWL_CT_S_SNAT, "SNAT" },
		{ FWL_CT_S_EXPECTED, "Expected" },
		{ FWL_CT_S_OFFLOAD, "Offload" },
	};

	addr_str(src, k->family, s, sizeof(s));
	addr_str(dst, k->family, d, sizeof(d));
	sb_printf(out, "{\"proto\": %u, \"family\": %u, \"zone\": %u, "
		  "\"src\": \"%s\", \"dst\": \"%s\", \"sport\": %u, "
		  "\"dport\": %u, \"tcp_state\": \"%s\", \"status\": [",
		  k->proto, k->family, k->zone, s, d, sport, dport,
		  k->proto == 6 && e->tcp_state < 10 ? tcp_states[e->tcp_state]
						     : "");
	int first = 1;
	for (size_t i = 0; i < sizeof(bits) / sizeof(*bits); i++)
		if (e->status & bits[i].bit) {
			sb_printf(out, "%s\"%s\"", first ? "" : ", ",
				  bits[i].name);
			first = 0;
		}
	sb_printf(out, "], \"packets\": [%llu, %llu], \"bytes\": [%llu, "
		  "%llu], \"expires_in\": %lld, \"rule_id\": %u, \"rule\": ",
		  (unsigned long long)e->packets[0],
		  (unsigned long long)e->packets[1],
		  (unsigned long long)e->bytes[0],
		  (unsigned long long)e->bytes[1],
		  e->expires > now ? (long long)((e->expires - now) / 1000000000ull)
				   : 0LL,
		  e->rule_id);
	sb_json_str(out, rule_name(b, e->rule_id));
	if (e->helper == FWL_CT_HELPER_FTP)
		sb_printf(out, ", \"helper\": \"ftp\"");
	sb_printf(out, "}");
}

void ctdump_json(int fds[2], const struct bundle *b, int limit,
		 struct strbuf *out)
{
	struct timespec ts;
	int n = 0;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	__u64 now = (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;

	sb_printf(out, "\"flows\": [");
	for (int m = 0; m < 2; m++) {
		struct fwl_ct_key k, next;
		struct fwl_ct_entry e;
		void *prev = NULL;
		if (fds[m] < 0)
			continue;
		while (bpf_map_get_next_key(fds[m], prev, &next) == 0) {
			k = next;
			prev = &k;
			if (bpf_map_lookup_elem(fds[m], &k, &e))
				continue;	/* gone meanwhile */
			if (e.expires && e.expires < now)
				continue;	/* expired, not yet reaped */
			if (n == limit) {
				sb_printf(out, "], \"truncated\": true");
				return;
			}
			sb_printf(out, "%s\n  ", n ? "," : "");
			one_flow(&k, &e, b, now, out);
			n++;
		}
	}
	sb_printf(out, "], \"truncated\": false");
}

int ctdump_flush(int fds[2])
{
	int n = 0;
	for (int m = 0; m < 2; m++) {
		struct fwl_ct_key k;
		if (fds[m] < 0)
			continue;
		while (bpf_map_get_next_key(fds[m], NULL, &k) == 0) {
			if (bpf_map_delete_elem(fds[m], &k))
				return -errno;
			n++;
		}
	}
	return n;
}

int ctdump_sweep(int fds[2])
{
	struct timespec ts;
	int n = 0;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	__u64 now = (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
	for (int m = 0; m < 2; m++) {
		struct fwl_ct_key k, next, dead[256];
		struct fwl_ct_entry e;
		void *prev = NULL;
		int nd = 0;
		if (fds[m] < 0)
			continue;
		/* Collect, then delete: deleting while walking would restart
		 * the walk. */
		while (bpf_map_get_next_key(fds[m], prev, &next) == 0) {
			k = next;
			prev = &k;
			if (bpf_map_lookup_elem(fds[m], &k, &e) == 0 &&
			    e.expires && e.expires < now) {
				dead[nd++] = k;
				if (nd == 256) {
					for (int i = 0; i < nd; i++)
						n += !bpf_map_delete_elem(
							fds[m], &dead[i]);
					nd = 0;
				}
			}
		}
		for (int i = 0; i < nd; i++)
			n += !bpf_map_delete_elem(fds[m], &dead[i]);
	}
	return n;
}

int ctdump_sweep_expect(int fd)
{
	struct fwl_ct_expect_key k, next, dead[256];
	struct fwl_ct_expect x;
	struct timespec ts;
	void *prev = NULL;
	int n = 0, nd = 0;

	if (fd < 0)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	__u64 now = (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(fd, &k, &x) == 0 && x.expires < now) {
			dead[nd++] = k;
			if (nd == 256) {
				for (int i = 0; i < nd; i++)
					n += !bpf_map_delete_elem(fd, &dead[i]);
				nd = 0;
			}
		}
	}
	for (int i = 0; i < nd; i++)
		n += !bpf_map_delete_elem(fd, &dead[i]);
	return n;
}
