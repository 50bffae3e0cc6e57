// SPDX-License-Identifier: MIT
/*
 * netlink_test.c - loader/netlink.c: which rtnetlink messages count as
 * link or address changes, and the watcher on real events in a private
 * network namespace (interfaces created, renamed, addressed, deleted).
 * Needs root (unshare, ip).
 */
#include "loader/netlink.h"
#include "tests/lib/check.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* n messages of the given types, back to back, as one datagram. */
static size_t build(char *buf, const int *types, int n)
{
	size_t off = 0;
	for (int i = 0; i < n; i++) {
		struct nlmsghdr *h = (struct nlmsghdr *)(buf + off);
		memset(h, 0, NLMSG_SPACE(16));
		h->nlmsg_len = NLMSG_LENGTH(16);
		h->nlmsg_type = types[i];
		off += NLMSG_SPACE(16);
	}
	return off;
}

static void test_classify(void)
{
	char buf[1024] __attribute__((aligned(4)));
	int t1[] = { RTM_NEWLINK };
	int t2[] = { RTM_DELADDR };
	int t3[] = { RTM_NEWROUTE, NLMSG_NOOP };
	int t4[] = { RTM_NEWADDR, RTM_DELLINK };
	int t5[] = { NLMSG_OVERRUN };
	CHECK_INT(nl_classify(buf, build(buf, t1, 1)), NL_CHANGED_LINKS);
	CHECK_INT(nl_classify(buf, build(buf, t2, 1)), NL_CHANGED_ADDRS);
	CHECK_INT(nl_classify(buf, build(buf, t3, 2)), 0);
	CHECK_INT(nl_classify(buf, build(buf, t4, 2)),
		  NL_CHANGED_LINKS | NL_CHANGED_ADDRS);
	CHECK_INT(nl_classify(buf, build(buf, t5, 1)),
		  NL_CHANGED_LINKS | NL_CHANGED_ADDRS);
}

/* A truncated or lying header ends the walk; what came before counts. */
static void test_classify_malformed(void)
{
	char buf[1024] __attribute__((aligned(4)));
	int t[] = { RTM_NEWADDR, RTM_NEWLINK };
	size_t len = build(buf, t, 2);
	struct nlmsghdr *second = (struct nlmsghdr *)(buf + NLMSG_SPACE(16));
	second->nlmsg_len = 4096;	/* longer than the datagram */
	CHECK_INT(nl_classify(buf, len), NL_CHANGED_ADDRS);
	CHECK_INT(nl_classify(buf, 7), 0);	/* shorter than a header */
	CHECK_INT(nl_classify(buf, 0), 0);
}

/* What the watcher reports within 2 s after cmd runs (0: nothing). */
static int after(struct nl_watch *w, const char *cmd)
{
	int changed = 0;
	if (cmd && system(cmd) != 0)
		return -1;
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd p = { nl_watch_fd(w), POLLIN, 0 };
		if (poll(&p, 1, 200) > 0)
			changed |= nl_watch_read(w);
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (changed || t.tv_sec - t0.tv_sec >= 2)
			return changed;
	}
}

static void test_watch_live(void)
{
	char err[256];
	if (unshare(CLONE_NEWNET)) {
		CHECK(0, "unshare(CLONE_NEWNET): %s (needs root)",
		      strerror(errno));
		return;
	}
	struct nl_watch *w = nl_watch_new(err, sizeof(err));
	CHECK(w != NULL, "%s", err);
	if (!w)
		return;
	CHECK_INT(after(w, NULL), 0);	/* a quiet namespace */
	CHECK(after(w, "ip link add t0 type veth peer name t1") &
	      NL_CHANGED_LINKS, "veth creation not seen");
	CHECK(after(w, "ip link set t0 name wan") & NL_CHANGED_LINKS,
	      "rename not seen");
	CHECK(after(w, "ip addr add 192.0.2.1/24 dev wan") &
	      NL_CHANGED_ADDRS, "new address not seen");
	CHECK(after(w, "ip addr del 192.0.2.1/24 dev wan") &
	      NL_CHANGED_ADDRS, "removed address not seen");
	CHECK(after(w, "ip link del wan") & NL_CHANGED_LINKS,
	      "deletion not seen");
	CHECK_INT(after(w, NULL), 0);	/* everything was read */
	nl_watch_free(w);
}

int main(void)
{
	RUN(test_classify);
	RUN(test_classify_malformed);
	RUN(test_watch_live);
	return check_done();
}
