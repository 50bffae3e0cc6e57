// SPDX-License-Identifier: MIT
/* ctl.c - the control socket, see ctl.h. */
#include "loader/ctl.h"
#include "loader/log.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static int fill_addr(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	strcpy(sa->sun_path, path);
	return 0;
}

int ctl_listen(const char *path, gid_t gid, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	int fd, r;

	if ((r = fill_addr(&sa, path))) {
		snprintf(err, errlen, "socket path %s is too long", path);
		return r;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	unlink(path);	/* a stale socket of an earlier fwld */
	mode_t old = umask(0177);
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r)
		goto fail;
	if ((int)gid >= 0 &&
	    (chown(path, 0, gid) || chmod(path, 0660)))
		goto fail;
	if (listen(fd, 16))
		goto fail;
	return fd;
fail:
	r = -errno;
	snprintf(err, errlen, "cannot create control socket %s: %s", path,
		 strerror(-r));
	if (fd >= 0)
		close(fd);
	return r;
}

static void write_all(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t w = write(fd, s, len);
		if (w <= 0) {
			if (w < 0 && errno == EINTR)
				continue;
			return;
		}
		s += w;
		len -= w;
	}
}

static int peer_allowed(int cfd, gid_t gid)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &len))
		return 0;
	if (cred.uid == 0)
		return 1;
	return (int)gid >= 0 && cred.gid == gid;
}

void ctl_serve_one(int lfd, gid_t gid,
		   void (*handle)(const char *req, struct strbuf *reply,
				  void *arg),
		   void *arg)
{
	char req[CTL_MAX_REQUEST + 1];
	size_t n = 0;
	struct strbuf reply;
	int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (cfd < 0)
		return;
	sb_init(&reply);
	if (!peer_allowed(cfd, gid)) {
		log_warn("refused a control client without permission");
		sb_printf(&reply, "{\"ok\": false, \"error\": \"permission "
			  "denied: the control socket is for root%s\"}\n",
			  (int)gid >= 0 ? " and the fwld group" : "");
		goto out;
	}
	/* Read one line, bounded in size and time (a stuck client must not
	 * stall the daemon). */
	while (n < CTL_MAX_REQUEST) {
		struct pollfd pfd = { cfd, POLLIN, 0 };
		if (poll(&pfd, 1, 2000) <= 0)
			break;
		ssize_t r = read(cfd, req + n, CTL_MAX_REQUEST - n);
		if (r <= 0)
			break;
		n += r;
		if (memchr(req, '\n', n))
			break;
	}
	req[n] = 0;
	char *nl = strchr(req, '\n');
	if (nl)
		*nl = 0;
	else if (n >= CTL_MAX_REQUEST) {
		sb_printf(&reply, "{\"ok\": false, \"error\": \"request "
			  "longer than %d bytes\"}\n", CTL_MAX_REQUEST);
		goto out;
	}
	handle(req, &reply, arg);
out:
	write_all(cfd, reply.s, reply.len);
	close(cfd);
	sb_free(&reply);
}

char *ctl_request(const char *path, const char *req, char *err,
		  size_t errlen)
{
	return ctl_request_wait(path, req, 30, err, errlen);
}

char *ctl_request_wait(const char *path, const char *req, int secs,
		       char *err, size_t errlen)
{
	struct sockaddr_un sa;
	struct strbuf out;
	char buf[4096];
	int fd;

	if (fill_addr(&sa, path)) {
		snprintf(err, errlen, "socket path %s is too long", path);
		return NULL;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int e = errno;
		snprintf(err, errlen, "cannot reach fwld at %s: %s%s", path,
			 strerror(e),
			 e == ENOENT || e == ECONNREFUSED
				 ? " (is fwld running? see --run-dir)"
			 : e == EACCES ? " (the control socket is for root)"
				       : "");
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	write_all(fd, req, strlen(req));
	write_all(fd, "\n", 1);
	sb_init(&out);
	for (;;) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		if (poll(&pfd, 1, secs * 1000) <= 0) {
			snprintf(err, errlen, "fwld did not answer within %d s",
				 secs);
			close(fd);
			sb_free(&out);
			return NULL;
		}
		ssize_t r = read(fd, buf, sizeof(buf));
		if (r <= 0)
			break;
		sb_printf(&out, "%.*s", (int)r, buf);
	}
	close(fd);
	return out.s;
}
