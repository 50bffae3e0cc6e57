/* SPDX-License-Identifier: MIT */
/*
 * dataplane.h - put a bundle into the kernel: load, pin, attach.
 *
 * Pin layout under the pin directory (default /sys/fs/bpf/fwl):
 *
 *	maps/NAME	FLOW maps: reused by every later load (live state)
 *	policy/NAME	POLICY and EXTERNAL maps of the active policy
 *	links/xdp-IFNAME  the XDP bpf_link of each attached interface
 *	links/tcx-egress-IFNAME  its TC egress link (tcx), if the policy has one
 *
 * Links are pinned, so the last committed policy keeps enforcing when fwld
 * exits or dies; a new load updates the pinned links in place
 * (bpf_link_update), which is atomic per interface.
 */
#ifndef FWL_LOADER_DATAPLANE_H
#define FWL_LOADER_DATAPLANE_H

#include <stdbool.h>
#include <stddef.h>

#include "loader/bundle.h"

struct bpf_object;

enum xdp_mode {
	XDP_MODE_AUTO,		/* native, else generic with a warning */
	XDP_MODE_NATIVE,	/* driver mode only */
	XDP_MODE_GENERIC,	/* skb mode */
};

struct dp_iface {
	char name[16];		/* interface name (IFNAMSIZ) */
	int ifindex;		/* resolved at attach time */
	bool attached;		/* a link of ours is on it */
	bool created;		/* the last attach created (not updated) it */
	bool tc_attached;	/* our TC egress link (tcx) is on it */
	bool tc_created;	/* ... and the last attach created it */
	const char *mode;	/* "native" or "generic" once attached */
	bool waiting;		/* absent: attached when it appears */
	char why[256];		/* why its last attach failed, or "" */
};

/* Check that dir's parent is on bpffs and create dir/{maps,policy,links}. */
int dp_prepare_pin_dir(const char *dir, char *err, size_t errlen);

/* Open, pin-configure and load b's object.  FLOW maps are reused from (or
 * created at) DIR/maps.  On success *objp holds the loaded object. */
int dp_load(const struct bundle *b, const char *pin_dir,
	    struct bpf_object **objp, char *err, size_t errlen);

/* Pin b's POLICY/EXTERNAL maps of obj under DIR/policy, replacing the pins
 * of the previous policy. */
int dp_pin_policy_maps(const struct bundle *b, struct bpf_object *obj,
		       const char *pin_dir, char *err, size_t errlen);

/* Attach (or switch) prog on iface: updates our pinned link if there is one,
 * else creates and pins a new link.  Refuses an interface that another XDP
 * program holds unless replace is set. */
int dp_attach_xdp(struct bpf_object *obj, const char *prog,
		  struct dp_iface *iface, const char *pin_dir,
		  enum xdp_mode mode, bool replace, char *err, size_t errlen);

/* Attach (or switch) the TC egress program prog on iface with a tcx link
 * pinned at PIN_DIR/links/tcx-egress-IFNAME.  tcx links coexist with other
 * TC programs, so nothing is displaced. */
int dp_attach_tc_egress(struct bpf_object *obj, const char *prog,
			struct dp_iface *iface, const char *pin_dir,
			char *err, size_t errlen);

/* Remove iface's link pins (XDP and TC egress), which detaches our
 * programs from it if it still exists, and forget that it was attached.
 * Used when the interface went away, was renamed or recreated. */
void dp_detach_iface(const char *pin_dir, struct dp_iface *iface);

/* Remove pin_dir and its subdirectories if they are empty. */
void dp_remove_empty_pin_dir(const char *pin_dir);

/* Remove exactly what fwld pins under pin_dir: links (detaching the
 * programs), maps, then the directories if they are empty.  Returns the
 * number of pins removed, or -errno. */
int dp_cleanup(const char *pin_dir, char *err, size_t errlen);

#endif
