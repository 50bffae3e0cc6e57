/* SPDX-License-Identifier: MIT */
/*
 * ctdump.h - the conntrack table for operators: `fwlctl ct` lists the
 * flows of the pinned conntrack maps (maps/ct.h) as JSON, like
 * `conntrack -L`; `fwlctl ct flush` empties them.
 */
#ifndef FWL_LOADER_CTDUMP_H
#define FWL_LOADER_CTDUMP_H

#include "loader/bundle.h"
#include "loader/strbuf.h"

/* Append {"flows": [...]} members for the maps fds (fwl_ct, fwl_ct_new;
 * -1 = absent); rule ids are named from b.  At most `limit` flows, and
 * "truncated": true beyond. */
void ctdump_json(int fds[2], const struct bundle *b, int limit,
		 struct strbuf *out);
/* Delete the flows whose timeout passed (the data path never reaps
 * fwl_ct itself); returns how many. */
int ctdump_sweep(int fds[2]);
/* Delete the expired expectations of fwl_ct_expect (fd < 0: none);
 * returns how many. */
int ctdump_sweep_expect(int fd);
/* Delete every flow; returns how many, or -errno. */
int ctdump_flush(int fds[2]);

#endif
