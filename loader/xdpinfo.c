// SPDX-License-Identifier: MIT
/* xdpinfo.c - who holds an interface's XDP hook, through libxdp and the
 * BPF syscall, see xdpinfo.h. */
#include "loader/xdpinfo.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/if_link.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <xdp/libxdp.h>

#include "loader/log.h"

/* libxdp's messages go to the debug log: its fallbacks are expected. */
static int libxdp_print(enum libxdp_print_level lvl, const char *fmt,
			va_list ap)
{
	char msg[512];
	(void)lvl;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = 0;
	log_debug("libxdp: %s", msg);
	return 0;
}

/* A BPF program's name by id, or "?". */
static void prog_name(__u32 id, char *buf, size_t len)
{
	struct bpf_prog_info info = {};
	__u32 ilen = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id);
	snprintf(buf, len, "?");
	if (fd < 0)
		return;
	if (bpf_obj_get_info_by_fd(fd, &info, &ilen) == 0 && info.name[0])
		snprintf(buf, len, "%s", info.name);
	close(fd);
}

/* The id of the XDP bpf_link running prog_id on ifindex, or 0 (attached
 * through netlink).  Links are global; the program id pins it down. */
static unsigned xdp_link_of(int ifindex, __u32 prog_id)
{
	__u32 id = 0;
	for (int n = 0; n < 65536 && !bpf_link_get_next_id(id, &id); n++) {
		struct bpf_link_info info = {};
		__u32 ilen = sizeof(info);
		int fd = bpf_link_get_fd_by_id(id);
		if (fd < 0)
			continue;
		int hit = !bpf_obj_get_info_by_fd(fd, &info, &ilen) &&
			  info.type == BPF_LINK_TYPE_XDP &&
			  (int)info.xdp.ifindex == ifindex &&
			  info.prog_id == prog_id;
		close(fd);
		if (hit)
			return id;
	}
	return 0;
}

void xdpinfo_describe(int ifindex, char *buf, size_t len,
			    unsigned *link_id)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	char name[64], progs[256] = "";
	const char *mode;
	__u32 id;
	size_t o = 0;

	*link_id = 0;
	if (bpf_xdp_query(ifindex, 0, &q)) {
		snprintf(buf, len, "an XDP program (which one cannot be "
			 "queried: %s)", strerror(errno));
		return;
	}
	id = q.prog_id ? q.prog_id : q.drv_prog_id ? q.drv_prog_id
			 : q.skb_prog_id ? q.skb_prog_id : q.hw_prog_id;
	mode = q.attach_mode == XDP_ATTACHED_SKB ? "generic" :
	       q.attach_mode == XDP_ATTACHED_HW ? "offload" :
	       q.attach_mode == XDP_ATTACHED_MULTI ? "several" : "native";
	prog_name(id, name, sizeof(name));
	*link_id = xdp_link_of(ifindex, id);

	/* libxdp's dispatcher runs other programs as freplace extensions;
	 * name them, they are what the operator loaded. */
	libxdp_set_print(libxdp_print);
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	bool multi = mp && !libxdp_get_error(mp) &&
		     !xdp_multiprog__is_legacy(mp);
	if (multi) {
		int n = 0;
		for (struct xdp_program *p = xdp_multiprog__next_prog(NULL, mp);
		     p && o < sizeof(progs); p = xdp_multiprog__next_prog(p, mp))
			o += snprintf(progs + o, sizeof(progs) - o, "%s'%s' (id "
				      "%u)", n++ ? ", " : "",
				      xdp_program__name(p), xdp_program__id(p));
		snprintf(buf, len, "libxdp's multi-program dispatcher (XDP "
			 "program '%s' id %u, %s mode) running %d program%s: %s",
			 name, id, mode, n, n == 1 ? "" : "s", progs);
	} else {
		snprintf(buf, len, "XDP program '%s' (id %u, %s mode, %s, not "
			 "a libxdp dispatcher)", name, id, mode,
			 *link_id ? "held by a bpf_link" : "attached by netlink");
	}
	if (mp && !libxdp_get_error(mp))
		xdp_multiprog__close(mp);
}

/* --replace: take the other XDP program off ifindex, the way it was
 * attached (libxdp dispatcher, bpf_link or netlink). */
int xdpinfo_detach(int ifindex, unsigned link_id)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	int r = 0;
	if (mp && !libxdp_get_error(mp) && !xdp_multiprog__is_legacy(mp)) {
		r = xdp_multiprog__detach(mp);	/* also its pins */
		xdp_multiprog__close(mp);
		return r;
	}
	if (mp && !libxdp_get_error(mp))
		xdp_multiprog__close(mp);
	if (link_id) {
		int fd = bpf_link_get_fd_by_id(link_id);
		if (fd < 0)
			return -errno;
		r = bpf_link_detach(fd) ? -errno : 0;
		close(fd);
		return r;
	}
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	__u32 flags = 0;
	if (bpf_xdp_query(ifindex, 0, &q) == 0)
		flags = q.attach_mode == XDP_ATTACHED_SKB ? XDP_FLAGS_SKB_MODE :
			q.attach_mode == XDP_ATTACHED_DRV ? XDP_FLAGS_DRV_MODE
							  : 0;
	return bpf_xdp_detach(ifindex, flags, NULL) ? -errno : 0;
}

