// SPDX-License-Identifier: MIT
/* mapdata.c - maps.bin and interfaces into POLICY maps, see mapdata.h. */
#include "loader/mapdata.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "maps/config.h"
#include "maps/nat.h"
#include "maps/sets.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>

#define MAPDATA_VERSION 1
#define MAX_KV 512	/* largest key or value a record may have
			   (struct fwl_nat_set: 328 bytes) */

int mapdata_fill(const struct bundle *b, struct bpf_object *obj, char *err,
		 size_t errlen)
{
	char path[4096], magic[8], name[33] = { 0 };
	unsigned char kv[2 * MAX_KV];
	uint32_t version, records, ksz, vsz, count;
	int r = 0;

	snprintf(path, sizeof(path), "%s/maps.bin", b->dir);
	FILE *f = fopen(path, "rb");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	if (fread(magic, 1, 8, f) != 8 || memcmp(magic, "FWLMAPS", 8) ||
	    fread(&version, 4, 1, f) != 1 || fread(&records, 4, 1, f) != 1) {
		snprintf(err, errlen, "%s: not a maps.bin file", path);
		r = -EINVAL;
		goto out;
	}
	if (version != MAPDATA_VERSION) {
		snprintf(err, errlen, "%s: version %u, this fwld reads %d",
			 path, version, MAPDATA_VERSION);
		r = -EINVAL;
		goto out;
	}
	for (uint32_t rec = 0; rec < records; rec++) {
		if (fread(name, 1, 32, f) != 32 || fread(&ksz, 4, 1, f) != 1 ||
		    fread(&vsz, 4, 1, f) != 1 || fread(&count, 4, 1, f) != 1) {
			snprintf(err, errlen, "%s: record %u truncated at byte "
				 "%ld", path, rec, ftell(f));
			r = -EINVAL;
			goto out;
		}
		name[32] = 0;
		struct bpf_map *m = bpf_object__find_map_by_name(obj, name);
		if (!m || bpf_map__key_size(m) != ksz ||
		    bpf_map__value_size(m) != vsz || ksz > MAX_KV ||
		    vsz > MAX_KV) {
			snprintf(err, errlen, "%s: record %u is for map '%s' "
				 "(key %u, value %u bytes), which the object "
				 "%s", path, rec, name, ksz, vsz,
				 m ? "has with other sizes" : "does not have");
			r = -EINVAL;
			goto out;
		}
		int fd = bpf_map__fd(m);
		for (uint32_t i = 0; i < count; i++) {
			if (fread(kv, 1, ksz + vsz, f) != ksz + vsz) {
				snprintf(err, errlen, "%s: map '%s' entry %u "
					 "truncated", path, name, i);
				r = -EINVAL;
				goto out;
			}
			if (bpf_map_update_elem(fd, kv, kv + ksz, BPF_ANY)) {
				r = -errno;
				snprintf(err, errlen, "map '%s' refused entry "
					 "%u of %u: %s", name, i, count,
					 strerror(-r));
				goto out;
			}
		}
	}
out:
	fclose(f);
	return r;
}

/* fwl_ifaces as b's interfaces resolve now: entries of interfaces that
 * are gone (or renamed) are deleted, new ones written.  At most
 * FWL_IFACES_MAX entries, so the work is bounded. */
int mapdata_sync_ifaces(const struct bundle *b, struct bpf_object *obj,
			char *err, size_t errlen)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, "fwl_ifaces");
	static __u32 keys[FWL_IFACES_MAX], want[FWL_IFACES_MAX];
	static struct fwl_iface vals[FWL_IFACES_MAX];
	int nkeys = 0, nwant = 0;
	if (!m)
		return 0;	/* the policy names no interface */
	int fd = bpf_map__fd(m);
	for (int i = 0; i < b->nifaces; i++) {
		__u32 ifindex = if_nametoindex(b->ifaces[i].name);
		int j;
		if (!ifindex)
			continue;
		/* Several names may be one interface (never in practice, but
		 * then it is all of them). */
		for (j = 0; j < nwant && want[j] != ifindex; j++)
			;
		if (j == nwant) {
			if (nwant == FWL_IFACES_MAX)
				continue;
			want[nwant] = ifindex;
			vals[nwant++] = (struct fwl_iface){ 0 };
		}
		vals[j].mask |= 1ull << b->ifaces[i].bit;
	}
	__u32 *prev = NULL, key;
	while (nkeys < FWL_IFACES_MAX &&
	       !bpf_map_get_next_key(fd, prev, &key)) {
		keys[nkeys] = key;
		prev = &keys[nkeys++];
	}
	for (int k = 0; k < nkeys; k++) {
		int j;
		for (j = 0; j < nwant && want[j] != keys[k]; j++)
			;
		if (j == nwant)
			bpf_map_delete_elem(fd, &keys[k]);
	}
	for (int j = 0; j < nwant; j++) {
		if (bpf_map_update_elem(fd, &want[j], &vals[j], BPF_ANY)) {
			int r = -errno;
			snprintf(err, errlen, "cannot record ifindex %u in "
				 "fwl_ifaces: %s", want[j], strerror(-r));
			return r;
		}
	}
	return 0;
}

int mapdata_fill_ifaces(const struct bundle *b, struct bpf_object *obj,
			void (*warn)(const struct bundle_iface *iface),
			int *missing, char *err, size_t errlen)
{
	*missing = 0;
	for (int i = 0; i < b->nifaces; i++) {
		if (if_nametoindex(b->ifaces[i].name))
			continue;
		(*missing)++;
		if (warn)
			warn(&b->ifaces[i]);
	}
	return mapdata_sync_ifaces(b, obj, err, errlen);
}

/* fwl_ifaddr as the kernel has it now: each interface's first IPv4 and
 * first global IPv6 address, written over what was there; entries of
 * interfaces without addresses (or gone) are deleted. */
int mapdata_fill_ifaddrs(struct bpf_object *obj, char *err, size_t errlen)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, "fwl_ifaddr");
	static __u32 idx[FWL_IFADDR_MAX], keys[FWL_IFADDR_MAX];
	static struct fwl_ifaddr val[FWL_IFADDR_MAX];
	struct ifaddrs *ifa, *i;
	int n = 0, nkeys = 0;
	if (!m)
		return 0;	/* the policy does no masquerade */
	if (getifaddrs(&ifa)) {
		int r = -errno;
		snprintf(err, errlen, "cannot list interface addresses: %s",
			 strerror(-r));
		return r;
	}
	int fd = bpf_map__fd(m);
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || (i->ifa_flags & IFF_LOOPBACK))
			continue;
		__u32 ifindex = if_nametoindex(i->ifa_name);
		int j;
		if (!ifindex)
			continue;
		for (j = 0; j < n && idx[j] != ifindex; j++)
			;
		if (j == n) {
			if (n == FWL_IFADDR_MAX)
				continue;
			idx[n] = ifindex;
			val[n++] = (struct fwl_ifaddr){ 0 };
		}
		struct fwl_ifaddr *v = &val[j];
		if (i->ifa_addr->sa_family == AF_INET && !v->v4) {
			v->v4 = ((struct sockaddr_in *)i->ifa_addr)
					->sin_addr.s_addr;
		} else if (i->ifa_addr->sa_family == AF_INET6 && !v->v6[0] &&
			   !v->v6[1] && !v->v6[2] && !v->v6[3]) {
			const struct in6_addr *a6 =
				&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
			if (!IN6_IS_ADDR_LINKLOCAL(a6))	/* needs a global one */
				memcpy(v->v6, a6, 16);
		}
	}
	freeifaddrs(ifa);
	__u32 *prev = NULL, key;
	while (nkeys < FWL_IFADDR_MAX &&
	       !bpf_map_get_next_key(fd, prev, &key)) {
		keys[nkeys] = key;
		prev = &keys[nkeys++];
	}
	for (int k = 0; k < nkeys; k++) {
		int j;
		for (j = 0; j < n && idx[j] != keys[k]; j++)
			;
		if (j == n || (!val[j].v4 && !val[j].v6[0] && !val[j].v6[1] &&
			       !val[j].v6[2] && !val[j].v6[3]))
			bpf_map_delete_elem(fd, &keys[k]);
	}
	for (int j = 0; j < n; j++) {
		struct fwl_ifaddr *v = &val[j];
		if (!v->v4 && !v->v6[0] && !v->v6[1] && !v->v6[2] && !v->v6[3])
			continue;
		bpf_map_update_elem(fd, &idx[j], v, BPF_ANY);
	}
	return 0;
}

int mapdata_fill_config(struct bpf_object *obj, char *err, size_t errlen)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, "fwl_config");
	struct fwl_config cfg = { .layout_version = FWL_CONFIG_LAYOUT_VERSION };
	__u32 k = 0;

	if (!m)
		return 0;	/* the policy tracks no connections */
	if (getrandom(&cfg.nat_seed, sizeof(cfg.nat_seed), 0) !=
	    sizeof(cfg.nat_seed)) {
		int r = -errno;
		snprintf(err, errlen, "cannot draw the NAT port seed: %s",
			 strerror(-r));
		return r;
	}
	if (bpf_map_update_elem(bpf_map__fd(m), &k, &cfg, BPF_ANY)) {
		int r = -errno;
		snprintf(err, errlen, "cannot fill fwl_config: %s",
			 strerror(-r));
		return r;
	}
	return 0;
}
