/* SPDX-License-Identifier: MIT */
/*
 * ifsync.h - keep the interfaces fwld attaches to in step with the
 * kernel's: attach when an interface appears (or is renamed to a name fwld
 * follows), remove the links when it goes (or is renamed away), attach
 * again, to the new ifindex, when it comes back.  Called on each batch of
 * rtnetlink events (loader/netlink.h); the work is one comparison per
 * followed interface.
 */
#ifndef FWL_LOADER_IFSYNC_H
#define FWL_LOADER_IFSYNC_H

#include <stdbool.h>

#include "loader/bundle.h"
#include "loader/dataplane.h"

struct bpf_object;

struct ifsync {
	struct bpf_object *obj;		/* the active policy */
	const struct bundle *b;
	const char *pin_dir;
	enum xdp_mode mode;
	bool replace;
	struct dp_iface *ifaces;	/* the interfaces fwld attaches to */
	int nifaces;
};

/* Compare s->ifaces with the kernel and attach/detach what changed, then
 * rewrite fwl_ifaces.  Each change is logged with the interface's name and
 * ifindex; an attach that fails leaves the interface "refused" (why in
 * dp_iface.why) and is tried again on the next link event.  Returns how
 * many interfaces changed state. */
int ifsync_links(const struct ifsync *s);

/* "attached", "waiting" (absent) or "refused" (present, attach failed). */
const char *ifsync_state(const struct dp_iface *ifc);

/* DNAT replies are translated back at XDP ingress, before routing: their
 * source becomes one of this host's addresses, which the kernel drops as
 * a martian unless the interface has accept_local (docs/fwld.md). */
void ifsync_accept_local(const struct bundle *b, const struct dp_iface *ifc);

#endif
