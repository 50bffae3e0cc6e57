// SPDX-License-Identifier: MIT
/* netlink.c - link and address events from rtnetlink, see netlink.h. */
#include "loader/netlink.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct nl_watch {
	int fd;
};

struct nl_watch *nl_watch_new(char *err, size_t errlen)
{
	struct sockaddr_nl sa = {
		.nl_family = AF_NETLINK,
		.nl_groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR |
			     RTMGRP_IPV6_IFADDR,
	};
	int rcvbuf = 1 << 20;
	struct nl_watch *w = calloc(1, sizeof(*w));
	if (!w) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	w->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
		       NETLINK_ROUTE);
	if (w->fd < 0 || bind(w->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		snprintf(err, errlen, "cannot listen to rtnetlink for "
			 "interface changes: %s", strerror(errno));
		if (w->fd >= 0)
			close(w->fd);
		free(w);
		return NULL;
	}
	/* A larger buffer makes overflows rarer; one is handled anyway. */
	setsockopt(w->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	return w;
}

int nl_watch_fd(const struct nl_watch *w)
{
	return w ? w->fd : -1;
}

int nl_classify(const void *buf, size_t len)
{
	const struct nlmsghdr *h = buf;
	int changed = 0;
	size_t left = len;

	for (; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
		switch (h->nlmsg_type) {
		case RTM_NEWLINK:
		case RTM_DELLINK:
			changed |= NL_CHANGED_LINKS;
			break;
		case RTM_NEWADDR:
		case RTM_DELADDR:
			changed |= NL_CHANGED_ADDRS;
			break;
		case NLMSG_OVERRUN:
			changed |= NL_CHANGED_LINKS | NL_CHANGED_ADDRS;
			break;
		default:
			break;	/* NLMSG_NOOP, NLMSG_DONE, others */
		}
	}
	return changed;
}

int nl_watch_read(struct nl_watch *w)
{
	static char buf[32768] __attribute__((aligned(4)));
	int changed = 0;

	for (int i = 0; i < NL_BATCH; i++) {
		struct sockaddr_nl from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(w->fd, buf, sizeof(buf), 0,
				     (struct sockaddr *)&from, &fl);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS)	/* the kernel dropped some */
				changed |= NL_CHANGED_LINKS | NL_CHANGED_ADDRS;
			else
				break;		/* EAGAIN: all read */
			continue;
		}
		if (from.nl_pid != 0)	/* not from the kernel */
			continue;
		changed |= nl_classify(buf, (size_t)n);
	}
	return changed;
}

void nl_watch_free(struct nl_watch *w)
{
	if (!w)
		return;
	close(w->fd);
	free(w);
}
