/* SPDX-License-Identifier: MIT */
/*
 * mapdata.h - fill a freshly loaded policy's POLICY maps before the switch:
 * the bundle's maps.bin (sets; format in docs/bundle.md, written by
 * fwlc/mapdata.c) and the interface map from the manifest's interfaces.
 */
#ifndef FWL_LOADER_MAPDATA_H
#define FWL_LOADER_MAPDATA_H

#include <stddef.h>

#include "loader/bundle.h"

struct bpf_object;

/* Load DIR/maps.bin into obj's maps.  A malformed file or an entry the
 * kernel refuses fails the load (err names the map and the record).  A
 * bundle without maps.bin has nothing to fill. */
int mapdata_fill(const struct bundle *b, struct bpf_object *obj, char *err,
		 size_t errlen);

/* Resolve b's interfaces to ifindex in this namespace and fill fwl_ifaces.
 * A missing interface is not an error (it may appear later; packets on it
 * meanwhile match only `_`): *missing counts them, each goes to warn(). */
int mapdata_fill_ifaces(const struct bundle *b, struct bpf_object *obj,
			void (*warn)(const struct bundle_iface *iface),
			int *missing, char *err, size_t errlen);

/* Rewrite fwl_ifaces as b's interface names resolve now: fwld calls it
 * when interfaces appear, go or are renamed (loader/netlink.h). */
int mapdata_sync_ifaces(const struct bundle *b, struct bpf_object *obj,
			char *err, size_t errlen);

/* The first IPv4 and global IPv6 address of every interface, for
 * Masquerade (fwl_ifaddr), written over what the map held; entries of
 * interfaces without addresses are deleted.  fwld calls it at each load
 * and whenever an address changes. */
int mapdata_fill_ifaddrs(struct bpf_object *obj, char *err, size_t errlen);

/* fwl_config (maps/config.h), when the object has it: the defaults, and a
 * fresh random nat_seed (the key of source NAT's port choice, maps/nat.h),
 * drawn at every load so that the ports a flow is moved to after a clash
 * cannot be predicted. */
int mapdata_fill_config(struct bpf_object *obj, char *err, size_t errlen);

#endif
