// SPDX-License-Identifier: MIT
/* ifsync.c - follow interfaces that come, go and are renamed, see
 * ifsync.h. */
#include "loader/ifsync.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "loader/log.h"
#include "loader/mapdata.h"

const char *ifsync_state(const struct dp_iface *ifc)
{
	if (ifc->attached)
		return "attached";
	return ifc->why[0] ? "refused" : "waiting";
}

void ifsync_accept_local(const struct bundle *b, const struct dp_iface *ifc)
{
	char path[256];
	if (!b->dnat)
		return;		/* Masquerade/SNAT only: replies need none */
	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/accept_local",
		 ifc->name);
	FILE *f = fopen(path, "w");
	int bad = !f || fputs("1\n", f) < 0;
	if (f && fclose(f))
		bad = 1;
	if (bad) {
		log_warn("cannot set %s (%s): replies of port-forwarded "
			 "flows may be dropped as martians", path,
			 strerror(errno));
		return;
	}
	log_info("set accept_local on '%s' for the policy's DNAT replies",
		 ifc->name);
}

/* ifc is attached but its name now resolves to another ifindex (or none):
 * say what happened to it and remove our links. */
static void drop_gone(const struct ifsync *s, struct dp_iface *ifc, int cur)
{
	char now[IF_NAMESIZE] = "";
	int old = ifc->ifindex;
	if (if_indextoname(old, now))
		log_info("interface '%s' (ifindex %d) was renamed to '%s': "
			 "its links are removed", ifc->name, old, now);
	else if (cur)
		log_info("interface '%s' was recreated (ifindex %d, was %d): "
			 "the old links are removed", ifc->name, cur, old);
	else
		log_info("interface '%s' (ifindex %d) is gone: its links are "
			 "removed; fwld attaches again when it is back",
			 ifc->name, old);
	dp_detach_iface(s->pin_dir, ifc);
	ifc->waiting = true;
}

/* ifc exists (ifindex cur) and carries none of our links: attach. */
static int attach_new(const struct ifsync *s, struct dp_iface *ifc, int cur)
{
	char err[sizeof(ifc->why)] = "";
	const char *tc_prog = NULL;
	int r;

	for (int k = 1; k < s->b->nprogs; k++)
		if (!strcmp(s->b->progs[k].attach, "tc-egress"))
			tc_prog = s->b->progs[k].name;
	r = dp_attach_xdp(s->obj, s->b->progs[0].name, ifc, s->pin_dir,
			  s->mode, s->replace, err, sizeof(err));
	if (!r && tc_prog &&
	    (r = dp_attach_tc_egress(s->obj, tc_prog, ifc, s->pin_dir, err,
				     sizeof(err))))
		dp_detach_iface(s->pin_dir, ifc);	/* all or nothing */
	if (r) {
		if (strcmp(err, ifc->why))	/* once per distinct reason */
			log_err("interface '%s' appeared (ifindex %d) but the "
				"policy cannot attach: %s", ifc->name, cur, err);
		snprintf(ifc->why, sizeof(ifc->why), "%s", err);
		ifc->ifindex = cur;
		return 0;
	}
	ifc->why[0] = 0;
	ifc->waiting = false;
	ifsync_accept_local(s->b, ifc);
	log_info("interface '%s' appeared (ifindex %d): policy %.12s "
		 "enforcing on it (%s XDP%s)", ifc->name, cur, s->b->hash,
		 ifc->mode, tc_prog ? ", TC egress" : "");
	return 1;
}

int ifsync_links(const struct ifsync *s)
{
	char err[256];
	int changed = 0;

	if (!s->obj)
		return 0;
	/* Detach first, attach second: when two followed interfaces swap
	 * names, each must be free before the other takes it. */
	for (int i = 0; i < s->nifaces; i++) {
		struct dp_iface *ifc = &s->ifaces[i];
		int cur = (int)if_nametoindex(ifc->name);
		if (ifc->attached && cur != ifc->ifindex) {
			drop_gone(s, ifc, cur);
			changed++;
		} else if (!ifc->attached && !cur && ifc->why[0]) {
			ifc->why[0] = 0;	/* refused, now gone */
			ifc->waiting = true;
		}
	}
	for (int i = 0; i < s->nifaces; i++) {
		struct dp_iface *ifc = &s->ifaces[i];
		int cur = (int)if_nametoindex(ifc->name);
		if (!ifc->attached && cur)
			changed += attach_new(s, ifc, cur);
	}
	if (mapdata_sync_ifaces(s->b, s->obj, err, sizeof(err)))
		log_err("%s", err);
	return changed;
}
