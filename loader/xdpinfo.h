/* SPDX-License-Identifier: MIT */
/*
 * xdpinfo.h - the XDP program on an interface that fwld did not attach:
 * what it is (for a refusal that names it) and how to take it off
 * (--replace).  libxdp is used to recognise its multi-program dispatcher;
 * kept apart from dataplane.h, whose enum xdp_mode libxdp's header would
 * clash with.
 */
#ifndef FWL_LOADER_XDPINFO_H
#define FWL_LOADER_XDPINFO_H

#include <stddef.h>

/* A sentence fragment naming the XDP program on ifindex: its name and id,
 * the attach mode, whether it is libxdp's multi-program dispatcher (and
 * then the programs it runs), or else whether a bpf_link or netlink
 * attached it.  *link_id is that bpf_link's id, or 0. */
void xdpinfo_describe(int ifindex, char *buf, size_t len,
		      unsigned *link_id);

/* Take it off the way it was attached: libxdp's dispatcher with libxdp
 * (which also removes its pins), a bpf_link with BPF_LINK_DETACH, else
 * netlink in its mode.  0 or -errno. */
int xdpinfo_detach(int ifindex, unsigned link_id);

#endif
