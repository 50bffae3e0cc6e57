// SPDX-License-Identifier: MIT
/*
 * fwld - the FWL loader daemon (docs/fwld.md).
 *
 * Lifecycle (libbpf-bootstrap style): parse options → resolve interfaces →
 * compile (fwlc build) → load the bundle (FLOW maps reused from pins) → pin
 * POLICY maps → attach/switch the XDP links (pinned) → serve the control
 * socket.  Any failure before the links switch leaves whatever policy was
 * enforcing before untouched; links stay pinned when fwld exits, so the last
 * committed policy keeps enforcing.  `fwld --cleanup` removes the pins.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "loader/bundle.h"
#include "loader/ctl.h"
#include "loader/dataplane.h"
#include "loader/log.h"
#include "loader/ctdump.h"
#include "loader/ctstats.h"
#include "loader/events.h"
#include "loader/feed.h"
#include "loader/ifsync.h"
#include "loader/feedctl.h"
#include "loader/layout.h"
#include "loader/mapdata.h"
#include "loader/metrics.h"
#include "loader/netlink.h"
#include "loader/stats.h"
#include "loader/strbuf.h"
#include "maps/counters.h"

#define MAX_IFACES 32

struct fwld {
	const char *policy;	/* --policy FILE, compiled with fwlc */
	const char *bundle_dir;	/* --bundle DIR, or where fwlc wrote it */
	const char *pin_dir;
	const char *run_dir;
	const char *fwlc;
	const char *group;
	const char *metrics_addr;	/* NULL: the default; "off" */
	struct metrics_server *metrics;
	struct feed_watch *feeds;	/* ThreatFeed handlers */
	struct events *events;		/* the Log handler */
	struct nl_watch *nl;		/* interface and address changes */
	const char *events_file;	/* --log-file */
	const char *syslog_path;	/* --log-syslog[=SOCKET] */
	unsigned dns_interval;		/* --dns-interval (0: the default) */
	struct reload_stats reloads;
	enum xdp_mode mode;
	bool replace, foreground, cleanup;
	bool attach_given;	/* --attach given: else the policy's own */
	struct dp_iface ifaces[MAX_IFACES];
	int nifaces;
	gid_t gid;

	struct bundle bundle;	/* the active policy */
	struct bpf_object *obj;
	time_t loaded_at;
	char bundle_path[PATH_MAX];	/* RUN_DIR/bundle (--policy) */
	char policy_buf[PATH_MAX];	/* the policy file now enforcing */
	char sock_path[PATH_MAX];
	unsigned reloads_ok, reloads_failed;
	uint64_t ct_swept;	/* expired flows the sweep deleted */
};

/* Options, one row each: the --help text is generated from this table. */
static const struct option_row {
	const char *name;
	int has_arg;
	int short_name;
	const char *arg;
	const char *help;
} option_rows[] = {
	{ "policy", 1, 'p', "FILE", "compile FILE with fwlc and load it" },
	{ "bundle", 1, 'b', "DIR", "load a bundle built by 'fwlc build'" },
	{ "attach", 1, 'i', "IFACE", "attach XDP ingress to IFACE (repeat; "
				    "default: the policy's interfaces)" },
	{ "pin-dir", 1, 'P', "DIR", "bpffs directory (/sys/fs/bpf/fwl)" },
	{ "run-dir", 1, 'r', "DIR", "socket and active bundle (/run/fwl)" },
	{ "mode", 1, 'm', "MODE", "XDP mode: auto, native or generic" },
	{ "replace", 0, 'R', NULL, "replace another XDP program on IFACE" },
	{ "group", 1, 'g', "GROUP", "also let GROUP use the control socket" },
	{ "fwlc", 1, 'c', "PATH", "the fwlc compiler to run" },
	{ "log-file", 1, 'L', "FILE", "append Log.emit records (JSON lines)" },
	{ "log-syslog", 2, 'S', "[=SOCKET]", "also send them to syslog "
					     "(/dev/log)" },
	{ "metrics", 1, 'M', "ADDR", "Prometheus /metrics on ADDR (loopback; "
				     "'off' to disable; 127.0.0.1:9464)" },
	{ "dns-interval", 1, 'D', "SECONDS", "resolve DNS name sets this "
					     "often (60)" },
	{ "foreground", 0, 'f', NULL, "do not detach (for systemd)" },
	{ "cleanup", 0, 'C', NULL, "detach and unpin everything, then exit" },
	{ "verbose", 0, 'v', NULL, "debug output, including libbpf's" },
	{ "help", 0, 'h', NULL, "this help" },
};
#define NOPTS (sizeof(option_rows) / sizeof(*option_rows))

static void usage(FILE *f)
{
	fprintf(f, "usage: fwld (--policy FILE | --bundle DIR) [--attach IFACE] "
		   "[options]\n       fwld --cleanup [--pin-dir DIR]\n\n");
	for (size_t i = 0; i < NOPTS; i++) {
		char left[40];
		snprintf(left, sizeof(left), "-%c, --%s%s%s",
			 option_rows[i].short_name, option_rows[i].name,
			 option_rows[i].arg && option_rows[i].has_arg == 1
				 ? " " : "",
			 option_rows[i].arg ? option_rows[i].arg : "");
		fprintf(f, "  %-26s %s\n", left, option_rows[i].help);
	}
}

static int parse_args(struct fwld *d, int argc, char **argv)
{
	struct option longopts[NOPTS + 1];
	char shortopts[NOPTS * 3 + 1], *s = shortopts;
	int c;

	memset(longopts, 0, sizeof(longopts));
	for (size_t i = 0; i < NOPTS; i++) {
		longopts[i].name = option_rows[i].name;
		longopts[i].has_arg = option_rows[i].has_arg;
		longopts[i].val = option_rows[i].short_name;
		*s++ = option_rows[i].short_name;
		for (int k = 0; k < option_rows[i].has_arg; k++)
			*s++ = ':';	/* 2: an optional argument */
	}
	*s = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (c) {
		case 'p': d->policy = optarg; break;
		case 'b': d->bundle_dir = optarg; break;
		case 'P': d->pin_dir = optarg; break;
		case 'r': d->run_dir = optarg; break;
		case 'c': d->fwlc = optarg; break;
		case 'g': d->group = optarg; break;
		case 'M': d->metrics_addr = optarg; break;
		case 'L': d->events_file = optarg; break;
		case 'S': d->syslog_path = optarg ? optarg : "/dev/log"; break;
		case 'D':
			d->dns_interval = strtoul(optarg, NULL, 10);
			if (!d->dns_interval || d->dns_interval > 86400) {
				log_err("--dns-interval %s: expected 1 to "
					"86400 seconds", optarg);
				return -1;
			}
			break;
		case 'R': d->replace = true; break;
		case 'f': d->foreground = true; break;
		case 'C': d->cleanup = true; break;
		case 'v': log_max_level = LOG_LVL_DEBUG; break;
		case 'h': usage(stdout); exit(0);
		case 'i':
			if (d->nifaces == MAX_IFACES ||
			    strlen(optarg) >= sizeof(d->ifaces[0].name)) {
				log_err("--attach %s: too many interfaces or "
					"name too long", optarg);
				return -1;
			}
			strcpy(d->ifaces[d->nifaces++].name, optarg);
			d->attach_given = true;
			break;
		case 'm':
			if (!strcmp(optarg, "auto"))
				d->mode = XDP_MODE_AUTO;
			else if (!strcmp(optarg, "native"))
				d->mode = XDP_MODE_NATIVE;
			else if (!strcmp(optarg, "generic"))
				d->mode = XDP_MODE_GENERIC;
			else {
				log_err("--mode %s: expected auto, native or "
					"generic", optarg);
				return -1;
			}
			break;
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		log_err("unexpected argument '%s'", argv[optind]);
		return -1;
	}
	if (d->cleanup)
		return 0;
	if (!!d->policy == !!d->bundle_dir) {
		log_err("give exactly one of --policy FILE or --bundle DIR");
		return -1;
	}
	return 0;
}

/* The fwlc to run: --fwlc, $FWLC, next to this binary, else from PATH. */
static const char *find_fwlc(const struct fwld *d, char *buf, size_t len)
{
	if (d->fwlc)
		return d->fwlc;
	if (getenv("FWLC"))
		return getenv("FWLC");
	ssize_t n = readlink("/proc/self/exe", buf, len - 8);
	if (n > 0) {
		buf[n] = 0;
		char *slash = strrchr(buf, '/');
		if (slash) {
			strcpy(slash + 1, "fwlc");
			if (access(buf, X_OK) == 0)
				return buf;
		}
	}
	return "fwlc";
}

/* Run `fwlc build POLICY -o OUT`.  fwlc's messages (diagnostics with
 * source lines) are collected into why, for the log and for the reply to
 * `fwlctl reload`. */
static int compile_policy(struct fwld *d, const char *policy, const char *out,
			  struct strbuf *why)
{
	char fwlc_buf[PATH_MAX], buf[4096];
	const char *fwlc = find_fwlc(d, fwlc_buf, sizeof(fwlc_buf));
	int status, p[2];
	ssize_t n;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (pid == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		execlp(fwlc, fwlc, "build", policy, "-o", out, (char *)NULL);
		fprintf(stderr, "cannot run %s: %s\n", fwlc, strerror(errno));
		_exit(127);
	}
	close(p[1]);
	while ((n = read(p[0], buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
		if (n > 0 && why->len < 64 * 1024)
			sb_printf(why, "%.*s", (int)n, buf);
	close(p[0]);
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		sb_printf(why, "policy %s did not compile; nothing was "
			  "changed\n", policy);
		return -EINVAL;
	}
	return 0;
}

/* Remove a bundle directory fwld wrote (its known files, then itself). */
static void remove_bundle_dir(const char *dir)
{
	static const char *const files[] = { "policy.bpf.c", "policy.bpf.o",
					     "maps.bin", "manifest.json" };
	char path[PATH_MAX + 32];
	for (size_t i = 0; i < sizeof(files) / sizeof(*files); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

static int mkdir_p(const char *path, mode_t mode)
{
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(tmp, mode) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

/* The bundle's TC egress program, NULL when it has none (the programs
 * after the first are fwl_egress and tail-called stages, docs/bundle.md). */
static const char *tc_prog_of(const struct bundle *b)
{
	for (int k = 1; k < b->nprogs; k++)
		if (!strcmp(b->progs[k].attach, "tc-egress"))
			return b->progs[k].name;
	return NULL;
}

/* Put iface back as it was before this load attached to it. */
static void undo_attach(struct fwld *d, struct dp_iface *ifc)
{
	char path[PATH_MAX];
	if (ifc->tc_created) {
		snprintf(path, sizeof(path), "%s/links/tcx-egress-%s",
			 d->pin_dir, ifc->name);
		unlink(path);
		ifc->tc_attached = ifc->tc_created = false;
	} else if (ifc->tc_attached && d->obj && tc_prog_of(&d->bundle)) {
		struct bpf_program *old = bpf_object__find_program_by_name(
			d->obj, tc_prog_of(&d->bundle));
		snprintf(path, sizeof(path), "%s/links/tcx-egress-%s",
			 d->pin_dir, ifc->name);
		int fd = bpf_obj_get(path);
		if (fd >= 0 && old)
			bpf_link_update(fd, bpf_program__fd(old), NULL);
		if (fd >= 0)
			close(fd);
	}
	if (ifc->created) {
		snprintf(path, sizeof(path), "%s/links/xdp-%s", d->pin_dir,
			 ifc->name);
		unlink(path);	/* the last reference: detaches */
		ifc->attached = ifc->created = false;
	} else if (ifc->attached && d->obj) {
		struct bpf_program *old = bpf_object__find_program_by_name(
			d->obj, d->bundle.progs[0].name);
		snprintf(path, sizeof(path), "%s/links/xdp-%s", d->pin_dir,
			 ifc->name);
		int fd = bpf_obj_get(path);
		if (fd >= 0 && old)
			bpf_link_update(fd, bpf_program__fd(old), NULL);
		if (fd >= 0)
			close(fd);
	}
}

/* Keep the policy's threat feeds and DNS name sets filled: each source is
 * read now and whenever it changes (loader/feed.h).  A feed the previous
 * policy had with the same source carries on (its runtime overlay too);
 * one the new policy no longer declares is no longer kept. */
static void watch_feeds(struct fwld *d)
{
	char err[512], state[PATH_MAX];
	for (size_t k = d->feeds ? feed_watch_count(d->feeds) : 0; k-- > 0;) {
		const char *name = feed_watch_status(d->feeds, k)->name;
		int keep = 0;
		for (int i = 0; i < d->bundle.nfeeds; i++)
			keep |= !strcmp(d->bundle.feeds[i].name, name);
		if (!keep)
			feed_watch_remove(d->feeds, name);
	}
	for (int i = 0; i < d->bundle.nfeeds; i++) {
		const struct bundle_feed *f = &d->bundle.feeds[i];
		struct bpf_map *m4 = bpf_object__find_map_by_name(d->obj, f->map4);
		struct bpf_map *m6 = bpf_object__find_map_by_name(d->obj, f->map6);
		if (!m4 || !m6) {
			log_err("feed %s: the object has no maps %s/%s", f->name,
				f->map4, f->map6);
			continue;
		}
		if (!d->feeds && !(d->feeds = feed_watch_new(err, sizeof(err)))) {
			log_err("cannot watch feeds: %s", err);
			return;
		}
		if (feed_watch_has(d->feeds, f->name, f->path, f->dns)) {
			if (feed_watch_set_maps(d->feeds, f->name,
						bpf_map__fd(m4), bpf_map__fd(m6),
						err, sizeof(err)))
				log_err("feed %s: %s", f->name, err);
			continue;
		}
		feed_watch_remove(d->feeds, f->name);	/* another source */
		snprintf(state, sizeof(state), "%s/feed-%s.overlay", d->run_dir,
			 f->name);
		struct feed_config cfg = {
			.name = f->name, .path = f->path, .dns = f->dns,
			.fd4 = bpf_map__fd(m4), .fd6 = bpf_map__fd(m6),
			.tag = i + 1, .state_path = state,
			.interval = f->dns ? d->dns_interval : 0,
		};
		if (feed_watch_add(d->feeds, &cfg, err, sizeof(err)))
			log_warn("feed %s: %s (watching %s%s for it)", f->name,
				 err, f->dns ? "dns:" : "",
				 f->dns ? f->dns : f->path);
		else
			log_info("feed %s: watching %s%s", f->name,
				 f->dns ? "dns:" : "", f->dns ? f->dns : f->path);
	}
}

static int map_fd(struct fwld *d, const char *name);

/* A declared interface that is missing is waited for (docs/fwld.md):
 * expected for a `dynamic` one, worth a warning for the others. */
static void warn_missing_iface(const struct bundle_iface *ifc)
{
	log_msg(ifc->dynamic ? LOG_LVL_INFO : LOG_LVL_WARN,
		"the policy's interface '%s' does not exist (yet); fwld "
		"attaches to it when it appears", ifc->name);
}

/* Compile (if needed), load, pin and attach: the whole commit.  policy is
 * the file to compile, or NULL to load d->bundle_dir.  On failure nothing
 * that was enforcing before has changed, and why says what went wrong. */
static int load_policy(struct fwld *d, const char *policy, struct strbuf *why)
{
	char err[512] = "", new_dir[PATH_MAX];
	struct bundle b;
	struct bpf_object *obj = NULL;
	const char *dir = d->bundle_dir;
	unsigned long long had_pin = 0;	/* FLOW pins that existed before */
	int r, i;

	/* Resolve interfaces first: a missing one must stop us before any
	 * pin or attachment exists. */
	for (i = 0; i < d->nifaces; i++) {
		if (!if_nametoindex(d->ifaces[i].name)) {
			sb_printf(why, "no interface '%s' in this network "
				  "namespace; nothing was changed\n",
				  d->ifaces[i].name);
			return -ENODEV;
		}
	}
	if (policy) {
		/* Build beside the active bundle, never over it. */
		snprintf(new_dir, sizeof(new_dir), "%s/bundle.new",
			 d->run_dir);
		remove_bundle_dir(new_dir);
		if ((r = compile_policy(d, policy, new_dir, why)))
			return r;
		dir = new_dir;
	}
	if ((r = bundle_load(dir, &b, err, sizeof(err)))) {
		sb_printf(why, "%s\n", err);
		return r;
	}
	/* No --attach: every interface the policy declares; those missing
	 * are attached when they appear (loader/ifsync.h). */
	for (i = 0; !d->attach_given && i < b.nifaces; i++) {
		if (!strcmp(b.ifaces[i].name, "lo") ||
		    d->nifaces == MAX_IFACES)
			continue;
		int dup = 0;
		for (int j = 0; j < d->nifaces; j++)
			dup |= !strcmp(d->ifaces[j].name, b.ifaces[i].name);
		if (!dup)
			snprintf(d->ifaces[d->nifaces++].name,
				 sizeof(d->ifaces[0].name), "%s",
				 b.ifaces[i].name);
	}
	if (d->nifaces == 0) {
		sb_printf(why, "nothing to attach to: the policy declares no "
			  "interface; give --attach IFACE\n");
		bundle_free(&b);
		return -ENODEV;
	}
	for (i = 0; i < b.nmaps && i < 64; i++) {
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s/maps/%s", d->pin_dir,
			 b.maps[i].name);
		if (access(path, F_OK) == 0)
			had_pin |= 1ull << i;
	}
	i = 0;
	int missing;
	if ((r = dp_prepare_pin_dir(d->pin_dir, err, sizeof(err))) ||
	    (r = dp_load(&b, d->pin_dir, &obj, err, sizeof(err))) ||
	    (r = mapdata_fill(&b, obj, err, sizeof(err))) ||
	    (r = mapdata_fill_ifaces(&b, obj, warn_missing_iface, &missing,
				     err, sizeof(err))) ||
	    (r = mapdata_fill_ifaddrs(obj, err, sizeof(err))) ||
	    (r = mapdata_fill_config(obj, err, sizeof(err))))
		goto fail;
	/* The switch: each pinned link is updated in place, atomically. */
	const char *tc_prog = tc_prog_of(&b);
	for (i = 0; i < d->nifaces; i++) {
		if (!if_nametoindex(d->ifaces[i].name)) {
			/* Waiting for it: no stale links of a former one. */
			dp_detach_iface(d->pin_dir, &d->ifaces[i]);
			d->ifaces[i].waiting = true;
			d->ifaces[i].why[0] = 0;
			continue;
		}
		bool was_attached = d->ifaces[i].attached;
		r = dp_attach_xdp(obj, b.progs[0].name, &d->ifaces[i],
				  d->pin_dir, d->mode, d->replace, err,
				  sizeof(err));
		if (!r && tc_prog)
			r = dp_attach_tc_egress(obj, tc_prog, &d->ifaces[i],
						d->pin_dir, err, sizeof(err));
		if (r && d->obj && !was_attached) {
			/* A reload, and the interface was refused before
			 * (held by another program): not enforcing there
			 * before either, so the reload goes on without it. */
			dp_detach_iface(d->pin_dir, &d->ifaces[i]);
			d->ifaces[i].ifindex = (int)if_nametoindex(
				d->ifaces[i].name);
			snprintf(d->ifaces[i].why, sizeof(d->ifaces[i].why),
				 "%s", err);
			log_warn("%s", err);
			r = 0;
			continue;
		}
		if (r) {
			i++;	/* undo this interface's XDP switch too */
			goto fail;
		}
		d->ifaces[i].waiting = false;
		d->ifaces[i].why[0] = 0;
		ifsync_accept_local(&b, &d->ifaces[i]);
		log_info("policy %.12s enforcing on '%s' (ifindex %d, %s XDP%s)",
			 b.hash, d->ifaces[i].name, d->ifaces[i].ifindex,
			 d->ifaces[i].mode, tc_prog ? ", TC egress" : "");
	}
	/* A policy without an egress program: drop the old one's links. */
	for (i = 0; !tc_prog && i < d->nifaces; i++) {
		if (!d->ifaces[i].tc_attached)
			continue;
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s/links/tcx-egress-%s",
			 d->pin_dir, d->ifaces[i].name);
		unlink(path);
		d->ifaces[i].tc_attached = false;
	}
	if ((r = dp_pin_policy_maps(&b, obj, d->pin_dir, err, sizeof(err))))
		log_warn("%s", err);	/* inspection only; still enforcing */
	/* Committed: the old program goes when its last reference does. */
	if (d->obj)
		bpf_object__close(d->obj);
	bundle_free(&d->bundle);
	if (policy) {
		snprintf(d->bundle_path, sizeof(d->bundle_path), "%s/bundle",
			 d->run_dir);
		remove_bundle_dir(d->bundle_path);
		if (rename(new_dir, d->bundle_path))
			log_warn("cannot rename %s: %s", new_dir,
				 strerror(errno));
		free(b.dir);
		b.dir = strdup(d->bundle_path);
		if (policy != d->policy_buf)
			snprintf(d->policy_buf, sizeof(d->policy_buf), "%s",
				 policy);
	}
	d->obj = obj;
	d->bundle = b;
	d->loaded_at = time(NULL);
	if (layout_record(&b, d->pin_dir, err, sizeof(err)))
		log_warn("%s", err);
	watch_feeds(d);
	/* Log records: the ring buffer is a FLOW map, the same across
	 * reloads, so one reader serves every policy. */
	if (!d->events && map_fd(d, "fwl_events") >= 0) {
		char e2[256];
		d->events = events_new(map_fd(d, "fwl_events"), d->events_file,
				       d->syslog_path, e2, sizeof(e2));
		if (!d->events)
			log_warn("no log records: %s", e2);
	}
	d->reloads_ok++;
	return 0;
fail:
	sb_printf(why, "%s\n", err);
	/* Undo only what this load did: switch links back to the old
	 * program, remove links and map pins that did not exist before. */
	for (int j = 0; j < i; j++)
		undo_attach(d, &d->ifaces[j]);
	for (int j = 0; j < b.nmaps && j < 64; j++) {
		if (b.maps[j].class != MAP_POLICY && !(had_pin & (1ull << j))) {
			char path[PATH_MAX];
			snprintf(path, sizeof(path), "%s/maps/%s", d->pin_dir,
				 b.maps[j].name);
			unlink(path);
		}
	}
	dp_remove_empty_pin_dir(d->pin_dir);
	if (obj)
		bpf_object__close(obj);
	bundle_free(&b);
	if (policy)
		remove_bundle_dir(new_dir);
	return r;
}

/* Load (or reload) and log the outcome; the reply for fwlctl, if any. */
static int commit_policy(struct fwld *d, const char *policy,
			 struct strbuf *reply)
{
	struct strbuf why;
	struct timespec t0, t1;
	sb_init(&why);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int r = load_policy(d, policy, &why);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	reload_stats_add(&d->reloads, r == 0 ? RELOAD_OK :
			 r == -EINVAL && policy ? RELOAD_COMPILE :
			 r == -ESTALE ? RELOAD_MAP_LAYOUT :
			 r == -ENODEV ? RELOAD_INTERFACE : RELOAD_LOAD, secs);
	if (r) {
		d->reloads_failed++;
		/* fwlc's diagnostics are multi-line: log them as they are. */
		log_err("%s%s", why.len ? "\n" : "", why.s);
		if (reply) {
			sb_printf(reply, "{\"ok\": false, \"error\": ");
			sb_json_str(reply, why.s);
			sb_printf(reply, ", \"active_policy_hash\": ");
			sb_json_str(reply, d->bundle.hash ? d->bundle.hash
							  : "none");
			sb_printf(reply, "}\n");
		}
	} else if (reply) {
		sb_printf(reply, "{\"ok\": true, \"policy_hash\": ");
		sb_json_str(reply, d->bundle.hash);
		sb_printf(reply, ", \"loaded_at\": %lld}\n",
			  (long long)d->loaded_at);
	}
	sb_free(&why);
	return r;
}

static int map_fd(struct fwld *d, const char *name)
{
	struct bpf_map *m = name && d->obj ?
		bpf_object__find_map_by_name(d->obj, name) : NULL;
	return m ? bpf_map__fd(m) : -1;
}

static void read_ct_summary(struct fwld *d, struct ct_summary *cs)
{
	ct_summary_read(cs, map_fd(d, "fwl_ct"), map_fd(d, "fwl_ct_new"),
			map_fd(d, "fwl_ct_stat"), map_fd(d, "fwl_nat_stat"),
			d->ct_swept);
}

/* Prometheus: what the active policy and its maps say now. */
static void collect_metrics(struct metrics_out *out, void *arg)
{
	struct fwld *d = arg;
	stats_metrics_policy(out, &d->bundle, d->loaded_at);
	stats_metrics_rules(out, &d->bundle,
			    map_fd(d, d->bundle.counters_map));
	stats_metrics_drops(out, map_fd(d, "fwl_drop_cnt"));
	stats_metrics_named(out, &d->bundle, map_fd(d, "fwl_named_cnt"));
	stats_metrics_reloads(out, &d->reloads);
	if (d->feeds)
		feed_watch_metrics(d->feeds, out);
	struct ct_summary cs;
	read_ct_summary(d, &cs);
	ct_summary_metrics(out, &cs);
}

static void reply_stats(struct fwld *d, struct strbuf *out)
{
	int fd = map_fd(d, d->bundle.counters_map);
	sb_printf(out, "{\"ok\": true, \"policy_hash\": ");
	sb_json_str(out, d->bundle.hash);
	sb_printf(out, ", \"rules\": [");
	for (int i = 0; i < d->bundle.nrules; i++) {
		const struct bundle_rule *r = &d->bundle.rules[i];
		uint64_t p = 0, b = 0;
		stats_rule_counter(fd, r->id, &p, &b);
		sb_printf(out, "%s\n  {\"id\": %u, \"name\": ", i ? "," : "",
			  r->id);
		sb_json_str(out, r->name);
		sb_printf(out, ", \"policy\": ");
		sb_json_str(out, r->policy);
		sb_printf(out, ", \"line\": %d, \"action\": ", r->line);
		sb_json_str(out, r->action);
		sb_printf(out, ", \"text\": ");
		sb_json_str(out, r->text);
		sb_printf(out, ", \"packets\": %llu, \"bytes\": %llu}",
			  (unsigned long long)p, (unsigned long long)b);
	}
	sb_printf(out, "], \"counters\": [");
	for (int i = 0; i < d->bundle.ncounters; i++) {
		uint64_t p = 0, b = 0;
		stats_rule_counter(map_fd(d, "fwl_named_cnt"),
				   d->bundle.counter_ids[i], &p, &b);
		sb_printf(out, "%s\n  {\"name\": ", i ? "," : "");
		sb_json_str(out, d->bundle.counters[i]);
		sb_printf(out, ", \"id\": %u, \"packets\": %llu, \"bytes\": "
			  "%llu}", d->bundle.counter_ids[i],
			  (unsigned long long)p, (unsigned long long)b);
	}
	struct ct_summary cs;
	read_ct_summary(d, &cs);
	sb_printf(out, "], ");
	ct_summary_json(out, &cs);
	sb_printf(out, "}\n");
}

static void reply_status(struct fwld *d, struct strbuf *out)
{
	char when[64];
	struct tm tm;
	gmtime_r(&d->loaded_at, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	sb_printf(out, "{\"ok\": true, \"policy_hash\": ");
	sb_json_str(out, d->bundle.hash);
	sb_printf(out, ", \"source\": ");
	sb_json_str(out, d->bundle.source);
	sb_printf(out, ", \"loaded_at\": \"%s\", \"pin_dir\": ", when);
	sb_json_str(out, d->pin_dir);
	sb_printf(out, ", \"pid\": %d, \"interfaces\": [", (int)getpid());
	for (int i = 0; i < d->nifaces; i++) {
		sb_printf(out, "%s{\"name\": ", i ? ", " : "");
		sb_json_str(out, d->ifaces[i].name);
		sb_printf(out, ", \"state\": \"%s\", \"ifindex\": %d, "
			  "\"mode\": \"%s\", \"tc_egress\": %s",
			  ifsync_state(&d->ifaces[i]), d->ifaces[i].ifindex,
			  d->ifaces[i].mode ? d->ifaces[i].mode : "none",
			  d->ifaces[i].tc_attached ? "true" : "false");
		if (d->ifaces[i].why[0]) {
			sb_printf(out, ", \"error\": ");
			sb_json_str(out, d->ifaces[i].why);
		}
		sb_printf(out, "}");
	}
	struct ct_summary cs;
	read_ct_summary(d, &cs);
	sb_printf(out, "], \"rules\": %d, ", d->bundle.nrules);
	ct_summary_json(out, &cs);
	sb_printf(out, "}\n");
}

static volatile bool stopping;

static void handle_request(const char *req, struct strbuf *out, void *arg)
{
	struct fwld *d = arg;
	if (!strcmp(req, "stats"))
		reply_stats(d, out);
	else if (!strcmp(req, "status"))
		reply_status(d, out);
	else if (!strcmp(req, "ct") || !strcmp(req, "ct flush")) {
		int fds[2] = { map_fd(d, "fwl_ct"), map_fd(d, "fwl_ct_new") };
		if (fds[0] < 0 && fds[1] < 0) {
			sb_printf(out, "{\"ok\": false, \"error\": \"the active "
				  "policy tracks no connections\"}\n");
		} else if (req[2]) {
			int n = ctdump_flush(fds);
			if (n < 0)
				sb_printf(out, "{\"ok\": false, \"error\": "
					  "\"flush failed: %s\"}\n",
					  strerror(-n));
			else
				sb_printf(out, "{\"ok\": true, \"flushed\": "
					  "%d}\n", n);
		} else {
			sb_printf(out, "{\"ok\": true, ");
			ctdump_json(fds, &d->bundle, 100000, out);
			sb_printf(out, "}\n");
		}
	} else if (!strncmp(req, "log", 3) && (!req[3] || req[3] == ' ')) {
		sb_printf(out, "{\"ok\": true, ");
		if (d->events)
			events_json(d->events, strtoull(req + 3, NULL, 10), out);
		else
			sb_printf(out, "\"events\": [], \"last\": 0");
		sb_printf(out, "}\n");
	} else if (!strcmp(req, "feeds") || !strncmp(req, "feed ", 5)) {
		feedctl_request(d->feeds, req, out);
	} else if (!strcmp(req, "reload") || !strncmp(req, "reload ", 7)) {
		const char *file = req[6] ? req + 7 : NULL;
		if (!file && d->bundle_dir && !d->policy_buf[0])
			commit_policy(d, NULL, out);	/* re-read the bundle */
		else
			commit_policy(d, file ? file : d->policy_buf, out);
	} else if (!strcmp(req, "stop")) {
		stopping = true;
		sb_printf(out, "{\"ok\": true, \"stopping\": true}\n");
	} else {
		sb_printf(out, "{\"ok\": false, \"error\": ");
		struct strbuf msg;
		sb_init(&msg);
		sb_printf(&msg, "unknown request '%.64s' (known: status, "
			  "stats, ct, ct flush, feed list|add|del|replace, log [SEQ], reload [FILE], stop)", req);
		sb_json_str(out, msg.s);
		sb_free(&msg);
		sb_printf(out, "}\n");
	}
}

/* Detach from the terminal; the parent exits 0 only once the policy is
 * enforcing and the socket is up (readiness through a pipe). */
static int daemonize(int *ready_fd)
{
	int p[2];
	char c = 1;
	if (pipe(p))
		return -errno;
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		close(p[1]);
		ssize_t n = read(p[0], &c, 1);
		_exit(n == 1 && c == 0 ? 0 : 1);
	}
	close(p[0]);
	setsid();
	*ready_fd = p[1];
	return 0;
}

/* Tell the waiting parent whether we are enforcing.  From then on a
 * detached fwld logs to RUN_DIR/fwld.log: it must not hold the terminal or
 * the caller's pipes open. */
static void signal_ready(int *ready_fd, int ok, const char *run_dir)
{
	char c = ok ? 0 : 1, path[PATH_MAX];
	if (*ready_fd < 0)
		return;
	if (ok) {
		int fd = open("/dev/null", O_RDONLY);
		if (fd >= 0) {
			dup2(fd, 0);
			close(fd);
		}
		snprintf(path, sizeof(path), "%s/fwld.log", run_dir);
		fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
			  0600);
		if (fd >= 0) {
			log_info("detached; logging to %s", path);
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
	}
	if (write(*ready_fd, &c, 1) < 0)
		log_warn("cannot signal readiness: %s", strerror(errno));
	close(*ready_fd);
	*ready_fd = -1;
}

static int serve(struct fwld *d, int *lfdp, int *sfdp)
{
	char err[256];
	sigset_t mask;
	int lfd, sfd;

	snprintf(d->sock_path, sizeof(d->sock_path), "%s/fwld.sock",
		 d->run_dir);
	lfd = ctl_listen(d->sock_path, d->gid, err, sizeof(err));
	if (lfd < 0) {
		log_err("%s", err);
		return lfd;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0) {
		log_err("signalfd: %s", strerror(errno));
		close(lfd);
		return -1;
	}
	log_info("control socket %s", d->sock_path);
	if (!d->metrics_addr || strcmp(d->metrics_addr, "off")) {
		d->metrics = metrics_server_new(d->metrics_addr, false,
						collect_metrics, d, err,
						sizeof(err));
		if (!d->metrics)	/* an observer's problem: carry on */
			log_warn("no /metrics: %s", err);
		else
			log_info("metrics on http://%s/metrics",
				 d->metrics_addr ? d->metrics_addr
						 : METRICS_DEFAULT_ADDR);
	}
	*lfdp = lfd;
	*sfdp = sfd;
	return 0;
}

/* Interfaces or addresses changed (rtnetlink): attach to those that
 * appeared, drop those gone, refresh the addresses masquerade uses. */
static void follow_interfaces(struct fwld *d)
{
	char err[256];
	int changed = nl_watch_read(d->nl);
	if (changed & NL_CHANGED_LINKS) {
		struct ifsync s = {
			.obj = d->obj, .b = &d->bundle, .pin_dir = d->pin_dir,
			.mode = d->mode, .replace = d->replace,
			.ifaces = d->ifaces, .nifaces = d->nifaces,
		};
		ifsync_links(&s);
	}
	if (changed && d->obj &&
	    mapdata_fill_ifaddrs(d->obj, err, sizeof(err)))
		log_warn("interface addresses not updated: %s", err);
}

int main(int argc, char **argv)
{
	struct fwld d = {
		.pin_dir = FWL_DEFAULT_PIN_DIR,
		.run_dir = FWL_DEFAULT_RUN_DIR,
		.gid = (gid_t)-1,
	};
	char err[256];
	int ready_fd = -1, r;

	if (parse_args(&d, argc, argv))
		return 2;
	log_setup_libbpf();
	if (geteuid() != 0) {
		log_err("fwld must run as root (it loads BPF programs and "
			"pins maps)");
		return 1;
	}
	if (d.cleanup) {
		r = dp_cleanup(d.pin_dir, err, sizeof(err));
		if (r < 0) {
			log_err("%s", err);
			return 1;
		}
		log_info("removed %d pins under %s", r, d.pin_dir);
		return 0;
	}
	if (d.group) {
		struct group *g = getgrnam(d.group);
		if (!g) {
			log_err("--group %s: no such group", d.group);
			return 2;
		}
		d.gid = g->gr_gid;
	}
	if ((r = mkdir_p(d.run_dir, 0700))) {
		log_err("cannot create run directory %s: %s", d.run_dir,
			strerror(-r));
		return 1;
	}
	if (!d.foreground && daemonize(&ready_fd)) {
		log_err("cannot detach: %s", strerror(errno));
		return 1;
	}
	if (d.policy && !realpath(d.policy, d.policy_buf)) {
		log_err("cannot read policy %s: %s", d.policy, strerror(errno));
		signal_ready(&ready_fd, 0, d.run_dir);
		return 1;
	}
	/* Listen before the load, so that no change after it is missed. */
	if (!(d.nl = nl_watch_new(err, sizeof(err))))
		log_warn("%s; interfaces that appear or change later are not "
			 "followed", err);
	if (commit_policy(&d, d.policy ? d.policy_buf : NULL, NULL)) {
		signal_ready(&ready_fd, 0, d.run_dir);
		return 1;
	}
	int lfd, sfd;
	if (serve(&d, &lfd, &sfd)) {
		signal_ready(&ready_fd, 0, d.run_dir);
		return 1;
	}
	signal_ready(&ready_fd, 1, d.run_dir);
	time_t last_sweep = time(NULL);
	while (!stopping) {
		struct pollfd pfd[6] = {
			{ lfd, POLLIN, 0 }, { sfd, POLLIN, 0 },
			{ d.metrics ? metrics_server_fd(d.metrics) : -1, POLLIN, 0 },
			{ d.feeds ? feed_watch_fd(d.feeds) : -1, POLLIN, 0 },
			{ d.events ? events_fd(d.events) : -1, POLLIN, 0 },
			{ nl_watch_fd(d.nl), POLLIN, 0 },
		};
		if (poll(pfd, 6, 5000) < 0 && errno != EINTR)
			break;
		/* Reap expired flows now and then (bpf/lib/ct.h leaves it to
		 * the loader). */
		if (time(NULL) - last_sweep >= 5) {
			int fds[2] = { map_fd(&d, "fwl_ct"),
				       map_fd(&d, "fwl_ct_new") };
			int n = ctdump_sweep(fds);
			if (n > 0) {
				d.ct_swept += n;
				log_debug("reaped %d expired flows", n);
			}
			n = ctdump_sweep_expect(map_fd(&d, "fwl_ct_expect"));
			if (n > 0)
				log_debug("reaped %d expired expectations", n);
			last_sweep = time(NULL);
		}
		if (pfd[5].revents & POLLIN)
			follow_interfaces(&d);
		if (pfd[4].revents & POLLIN)
			events_dispatch(d.events, &d.bundle);
		if (pfd[3].revents & POLLIN)
			feed_watch_dispatch(d.feeds);
		if (pfd[2].revents & POLLIN)
			metrics_server_dispatch(d.metrics);
		if (pfd[1].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) != sizeof(si))
				continue;
			if (si.ssi_signo == SIGHUP) {
				log_info("SIGHUP: reloading");
				commit_policy(&d, d.policy_buf[0] ? d.policy_buf
								  : NULL,
					      NULL);
				continue;
			}
			log_info("signal %u: stopping; the policy stays "
				 "enforcing (fwld --cleanup removes it)",
				 si.ssi_signo);
			stopping = true;
		}
		if (pfd[0].revents & POLLIN)
			ctl_serve_one(lfd, d.gid, handle_request, &d);
	}
	unlink(d.sock_path);
	if (d.metrics)
		metrics_server_free(d.metrics);
	if (d.feeds)
		feed_watch_free(d.feeds);
	events_free(d.events);
	nl_watch_free(d.nl);
	close(lfd);
	close(sfd);
	bpf_object__close(d.obj);
	bundle_free(&d.bundle);
	return 0;
}
