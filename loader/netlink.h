/* SPDX-License-Identifier: MIT */
/*
 * netlink.h - what changed in the network namespace's interfaces and
 * addresses, from rtnetlink (RTM_NEWLINK/DELLINK, RTM_NEWADDR/DELADDR).
 *
 * The watcher only says *what kind* of thing changed; fwld then compares
 * the interfaces it follows with the kernel's view (loader/ifsync.h).  A
 * burst of events costs one comparison, and an overflowed socket (events
 * lost) is reported as "everything changed", never silently dropped.
 */
#ifndef FWL_LOADER_NETLINK_H
#define FWL_LOADER_NETLINK_H

#include <stddef.h>

enum {
	NL_CHANGED_LINKS = 1,	/* an interface appeared, went, was renamed */
	NL_CHANGED_ADDRS = 2,	/* an address was added or removed */
};

#define NL_BATCH 64	/* datagrams read per nl_watch_read() call */

struct nl_watch;

/* Subscribe to link and address events (IPv4 and IPv6).  NULL with err
 * filled on failure. */
struct nl_watch *nl_watch_new(char *err, size_t errlen);
/* The socket, for poll(); readable when events are pending. */
int nl_watch_fd(const struct nl_watch *w);
/* Read what is pending without blocking, at most NL_BATCH datagrams; an
 * OR of NL_CHANGED_* (both after an overflow), 0 for nothing relevant. */
int nl_watch_read(struct nl_watch *w);
void nl_watch_free(struct nl_watch *w);

/* The parser alone, for tests: the NL_CHANGED_* bits of one datagram of
 * len bytes (malformed messages end the walk; what came before counts). */
int nl_classify(const void *buf, size_t len);

#endif
