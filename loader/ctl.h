/* SPDX-License-Identifier: MIT */
/*
 * ctl.h - fwld's control socket (docs/fwld.md).
 *
 * Protocol: the client connects to the unix stream socket, writes one request
 * line ("stats", "status", ...; words separated by spaces, at most
 * CTL_MAX_REQUEST bytes) and reads one JSON object until the server closes:
 * {"ok": true, ...} or {"ok": false, "error": "sentence"}.
 *
 * The socket is mode 0600 owned by root; with a group it is 0660 and that
 * group's members may connect.  The server also checks the peer's
 * credentials (SO_PEERCRED), so a socket file with looser permissions does
 * not widen access.
 */
#ifndef FWL_LOADER_CTL_H
#define FWL_LOADER_CTL_H

#include <stddef.h>
#include <sys/types.h>

#include "loader/strbuf.h"

#define CTL_MAX_REQUEST 4096
#define FWL_DEFAULT_RUN_DIR "/run/fwl"
#define FWL_DEFAULT_PIN_DIR "/sys/fs/bpf/fwl"

/* Create the listening socket at path (replacing a stale one).  gid < 0:
 * root only.  Returns the fd or -errno with err filled. */
int ctl_listen(const char *path, gid_t gid, char *err, size_t errlen);

/* Accept one client, read its request, call handle(req, reply, arg), send
 * the reply and close.  A refused peer gets an error reply. */
void ctl_serve_one(int lfd, gid_t gid,
		   void (*handle)(const char *req, struct strbuf *reply,
				  void *arg),
		   void *arg);

/* Client: send req to the socket at path, return the reply (malloc'd) or
 * NULL with err filled. */
char *ctl_request(const char *path, const char *req, char *err,
		  size_t errlen);
/* The same, waiting up to secs for the reply (a reload compiles). */
char *ctl_request_wait(const char *path, const char *req, int secs,
		       char *err, size_t errlen);

#endif
