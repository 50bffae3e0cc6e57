// SPDX-License-Identifier: MIT
/* dataplane.c - load, pin and attach a bundle, see dataplane.h. */
#include "loader/dataplane.h"
#include "loader/layout.h"
#include "loader/log.h"
#include "loader/xdpinfo.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

static const char *const subdirs[] = { "maps", "policy", "links" };

static int mkdir_if_missing(const char *path)
{
	if (mkdir(path, 0700) == 0 || errno == EEXIST)
		return 0;
	return -errno;
}

int dp_prepare_pin_dir(const char *dir, char *err, size_t errlen)
{
	char path[4096], parent[4096];
	struct statfs st;
	char *slash;
	int r;

	snprintf(parent, sizeof(parent), "%s", dir);
	slash = strrchr(parent, '/');
	if (slash && slash != parent)
		*slash = 0;
	else
		snprintf(parent, sizeof(parent), "/");
	if (statfs(parent, &st) || (unsigned long)st.f_type != BPF_FS_MAGIC) {
		snprintf(err, errlen,
			 "%s is not on a BPF filesystem (bpffs); mount it with "
			 "'mount -t bpf bpf /sys/fs/bpf' or choose another "
			 "--pin-dir", parent);
		return -ENOTSUP;
	}
	if ((r = mkdir_if_missing(dir))) {
		snprintf(err, errlen, "cannot create pin directory %s: %s", dir,
			 strerror(-r));
		return r;
	}
	for (size_t i = 0; i < sizeof(subdirs) / sizeof(*subdirs); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, subdirs[i]);
		if ((r = mkdir_if_missing(path))) {
			snprintf(err, errlen, "cannot create %s: %s", path,
				 strerror(-r));
			return r;
		}
	}
	return 0;
}

int dp_load(const struct bundle *b, const char *pin_dir,
	    struct bpf_object **objp, char *err, size_t errlen)
{
	struct bpf_object *obj;
	char path[4096];
	int r;

	obj = bpf_object__open_file(b->object, NULL);
	if (!obj) {
		r = -errno;
		snprintf(err, errlen, "cannot open BPF object %s: %s",
			 b->object, strerror(-r));
		return r;
	}
	/* Pins that outlive a policy must be what this one expects. */
	if ((r = layout_check(b, obj, pin_dir, err, errlen)))
		goto fail;
	for (int i = 0; i < b->nmaps; i++) {
		const struct bundle_map *m = &b->maps[i];
		struct bpf_map *map = bpf_object__find_map_by_name(obj, m->name);
		if (!map) {
			snprintf(err, errlen, "manifest names map '%s' but the "
				 "object %s has no such map", m->name, b->object);
			r = -ENOENT;
			goto fail;
		}
		/* FLOW maps keep live state, EXTERNAL ones what the effect
		 * handlers filled: both are reused from their pins. */
		if (m->class == MAP_POLICY)
			continue;
		snprintf(path, sizeof(path), "%s/maps/%s", pin_dir, m->name);
		if ((r = bpf_map__set_pin_path(map, path))) {
			snprintf(err, errlen, "cannot set pin path %s: %s",
				 path, strerror(-r));
			goto fail;
		}
	}
	r = bpf_object__load(obj);
	if (r) {
		snprintf(err, errlen, "the kernel refused to load %s: %s (the "
			 "verifier log, if any, is above)", b->object,
			 strerror(-r));
		goto fail;
	}
	*objp = obj;
	return 0;
fail:
	bpf_object__close(obj);
	return r;
}

int dp_pin_policy_maps(const struct bundle *b, struct bpf_object *obj,
		       const char *pin_dir, char *err, size_t errlen)
{
	char path[4096];
	for (int i = 0; i < b->nmaps; i++) {
		const struct bundle_map *m = &b->maps[i];
		struct bpf_map *map;
		if (m->class != MAP_POLICY)
			continue;
		map = bpf_object__find_map_by_name(obj, m->name);
		snprintf(path, sizeof(path), "%s/policy/%s", pin_dir, m->name);
		unlink(path);	/* the previous policy's copy, if any */
		if (bpf_obj_pin(bpf_map__fd(map), path)) {
			int r = -errno;
			snprintf(err, errlen, "cannot pin map %s at %s: %s",
				 m->name, path, strerror(-r));
			return r;
		}
	}
	return 0;
}

static const char *mode_name(__u32 flags)
{
	return (flags & XDP_FLAGS_SKB_MODE) ? "generic" : "native";
}

void dp_detach_iface(const char *pin_dir, struct dp_iface *ifc)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/links/xdp-%s", pin_dir, ifc->name);
	unlink(path);	/* the last reference: detaches, if still attached */
	snprintf(path, sizeof(path), "%s/links/tcx-egress-%s", pin_dir,
		 ifc->name);
	unlink(path);
	ifc->attached = ifc->created = false;
	ifc->tc_attached = ifc->tc_created = false;
	ifc->mode = NULL;
	ifc->ifindex = 0;
}

static int link_create(int prog_fd, int ifindex, __u32 flags)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = flags);
	int fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &opts);
	return fd < 0 ? -errno : fd;
}

int dp_attach_xdp(struct bpf_object *obj, const char *prog_name,
		  struct dp_iface *ifc, const char *pin_dir,
		  enum xdp_mode mode, bool replace, char *err, size_t errlen)
{
	struct bpf_program *prog;
	char path[4096];
	__u32 cur_id = 0;
	int prog_fd, link_fd, r;

	prog = bpf_object__find_program_by_name(obj, prog_name);
	if (!prog) {
		snprintf(err, errlen, "object has no program '%s'", prog_name);
		return -ENOENT;
	}
	prog_fd = bpf_program__fd(prog);
	ifc->ifindex = if_nametoindex(ifc->name);
	if (!ifc->ifindex) {
		snprintf(err, errlen, "no interface '%s' in this network "
			 "namespace", ifc->name);
		return -ENODEV;
	}
	snprintf(path, sizeof(path), "%s/links/xdp-%s", pin_dir, ifc->name);

	/* Ours already: switch the program under the link atomically. */
	link_fd = bpf_obj_get(path);
	if (link_fd >= 0) {
		struct bpf_link_info info = {};
		__u32 len = sizeof(info);
		if (bpf_obj_get_info_by_fd(link_fd, &info, &len) == 0 &&
		    info.type == BPF_LINK_TYPE_XDP &&
		    (int)info.xdp.ifindex == ifc->ifindex) {
			if (bpf_link_update(link_fd, prog_fd, NULL)) {
				r = -errno;
				snprintf(err, errlen, "cannot switch the XDP "
					 "program on '%s': %s", ifc->name,
					 strerror(-r));
				close(link_fd);
				return r;
			}
			close(link_fd);
			ifc->attached = true;
			ifc->created = false;
			bpf_xdp_query_id(ifc->ifindex, XDP_FLAGS_SKB_MODE,
					 &cur_id);
			ifc->mode = cur_id ? "generic" : "native";
			return 0;
		}
		/* Not our XDP link for this ifindex: the interface was
		 * removed or renumbered, or something else was pinned here. */
		close(link_fd);
		log_warn("replacing %s: it is not the XDP link of '%s' (ifindex "
			 "%d); the interface was recreated or the pin is foreign",
			 path, ifc->name, ifc->ifindex);
		unlink(path);
	}

	if (bpf_xdp_query_id(ifc->ifindex, 0, &cur_id) == 0 && cur_id) {
		char holder[512];
		unsigned link_id = 0;
		xdpinfo_describe(ifc->ifindex, holder, sizeof(holder),
				 &link_id);
		if (!replace) {
			snprintf(err, errlen, "interface '%s' already has %s "
				 "that fwld did not attach; refusing to replace "
				 "it (use --replace)", ifc->name, holder);
			return -EBUSY;
		}
		log_warn("replacing %s on '%s' (--replace)", holder, ifc->name);
		if ((r = xdpinfo_detach(ifc->ifindex, link_id))) {
			snprintf(err, errlen, "cannot remove %s from '%s' "
				 "(--replace): %s", holder, ifc->name,
				 strerror(-r));
			return r;
		}
	}

	__u32 flags = mode == XDP_MODE_GENERIC ? XDP_FLAGS_SKB_MODE
					       : XDP_FLAGS_DRV_MODE;
	link_fd = link_create(prog_fd, ifc->ifindex, flags);
	if (link_fd < 0 && mode == XDP_MODE_AUTO) {
		log_warn("native XDP failed on '%s' (%s); using generic mode, "
			 "which is slower", ifc->name, strerror(-link_fd));
		flags = XDP_FLAGS_SKB_MODE;
		link_fd = link_create(prog_fd, ifc->ifindex, flags);
	}
	if (link_fd < 0) {
		r = link_fd;
		snprintf(err, errlen, "couldn't attach XDP program on iface "
			 "'%s': %s (%d)%s", ifc->name, strerror(-r), r,
			 r == -EBUSY ? "; another program holds it" :
			 mode == XDP_MODE_NATIVE && r == -EOPNOTSUPP ?
			 "; its driver has no native XDP (--mode generic, or "
			 "auto to fall back to it)" : "");
		return r;
	}
	if (bpf_obj_pin(link_fd, path)) {
		r = -errno;
		snprintf(err, errlen, "cannot pin the XDP link of '%s' at %s: "
			 "%s", ifc->name, path, strerror(-r));
		close(link_fd);	/* closing the only reference detaches it */
		return r;
	}
	close(link_fd);
	ifc->attached = ifc->created = true;
	ifc->mode = mode_name(flags);
	return 0;
}

/* The tcx attach type: from linux/bpf.h 6.6+, newer than the build
 * headers may be (the kernel is what counts). */
#ifndef BPF_TCX_EGRESS
#define FWL_BPF_TCX_EGRESS 47
#else
#define FWL_BPF_TCX_EGRESS BPF_TCX_EGRESS
#endif

int dp_attach_tc_egress(struct bpf_object *obj, const char *prog_name,
			struct dp_iface *ifc, const char *pin_dir,
			char *err, size_t errlen)
{
	struct bpf_program *prog;
	char path[4096];
	int prog_fd, link_fd, r;

	prog = bpf_object__find_program_by_name(obj, prog_name);
	if (!prog) {
		snprintf(err, errlen, "object has no program '%s'", prog_name);
		return -ENOENT;
	}
	prog_fd = bpf_program__fd(prog);
	ifc->ifindex = if_nametoindex(ifc->name);
	if (!ifc->ifindex) {
		snprintf(err, errlen, "no interface '%s' in this network "
			 "namespace", ifc->name);
		return -ENODEV;
	}
	snprintf(path, sizeof(path), "%s/links/tcx-egress-%s", pin_dir,
		 ifc->name);
	link_fd = bpf_obj_get(path);
	if (link_fd >= 0) {
		r = bpf_link_update(link_fd, prog_fd, NULL) ? -errno : 0;
		close(link_fd);
		if (r == 0) {
			ifc->tc_attached = true;
			ifc->tc_created = false;
			return 0;
		}
		log_warn("removing stale link pin %s (%s)", path,
			 strerror(-r));
		unlink(path);
	}
	link_fd = bpf_link_create(prog_fd, ifc->ifindex, FWL_BPF_TCX_EGRESS,
				  NULL);
	if (link_fd < 0) {
		r = -errno;
		snprintf(err, errlen, "couldn't attach the TC egress program on "
			 "iface '%s': %s (%d); the kernel needs tcx (6.6+)",
			 ifc->name, strerror(-r), r);
		return r;
	}
	if (bpf_obj_pin(link_fd, path)) {
		r = -errno;
		snprintf(err, errlen, "cannot pin the TC link of '%s' at %s: %s",
			 ifc->name, path, strerror(-r));
		close(link_fd);
		return r;
	}
	close(link_fd);
	ifc->tc_attached = ifc->tc_created = true;
	return 0;
}

void dp_remove_empty_pin_dir(const char *pin_dir)
{
	char path[4096];
	for (size_t i = 0; i < sizeof(subdirs) / sizeof(*subdirs); i++) {
		snprintf(path, sizeof(path), "%s/%s", pin_dir, subdirs[i]);
		rmdir(path);	/* fails, harmlessly, unless empty */
	}
	rmdir(pin_dir);
}

/* Remove the pins in DIR/SUB; returns how many, or -errno. */
static int unpin_all(const char *pin_dir, const char *sub)
{
	char path[4096];
	struct dirent *de;
	int n = 0;
	snprintf(path, sizeof(path), "%s/%s", pin_dir, sub);
	DIR *d = opendir(path);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/%s", pin_dir, sub,
			 de->d_name);
		if (unlink(path) == 0)
			n++;
	}
	closedir(d);
	snprintf(path, sizeof(path), "%s/%s", pin_dir, sub);
	rmdir(path);
	return n;
}

int dp_cleanup(const char *pin_dir, char *err, size_t errlen)
{
	int total = 0;
	/* Links first: the data plane stops before its maps go. */
	for (size_t i = sizeof(subdirs) / sizeof(*subdirs); i-- > 0;) {
		int r = unpin_all(pin_dir, subdirs[i]);
		if (r < 0) {
			snprintf(err, errlen, "cannot clean %s/%s: %s", pin_dir,
				 subdirs[i], strerror(-r));
			return r;
		}
		total += r;
	}
	if (rmdir(pin_dir) && errno != ENOENT && errno != ENOTEMPTY) {
		int r = -errno;
		snprintf(err, errlen, "cannot remove %s: %s", pin_dir,
			 strerror(-r));
		return r;
	}
	return total;
}
