/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The request is one datagram and so is the reply: SOCK_SEQPACKET keeps
 * the boundaries, so there is no framing to get wrong.
 */
#include "admin_client.h"
#include "err_msg.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int
connect_to(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, rc;

	if (strlen(path) >= sizeof(sa.sun_path))
		return err_rc(-ENAMETOOLONG, err, errlen, "socket path %s is too "
			      "long", path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_rc(-errno, err, errlen, "socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		rc = -errno;
		close(fd);
		return err_rc(rc, err, errlen, "%s", strerror(-rc));
	}
	return fd;
}

static int
await_reply(int fd, char *reply, size_t len, int timeout_ms, char *err,
	    size_t errlen)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;
	int rc;

	do {
		rc = poll(&p, 1, timeout_ms);
	} while (rc < 0 && errno == EINTR);
	if (rc < 0)
		return err_rc(-errno, err, errlen, "poll: %s", strerror(errno));
	if (rc == 0)
		return err_rc(-ETIMEDOUT, err, errlen, "no reply within %d ms",
			      timeout_ms);
	n = recv(fd, reply, len - 1, 0);
	if (n < 0)
		return err_rc(-errno, err, errlen, "receive: %s", strerror(errno));
	if (n == 0)
		return err_rc(-EPIPE, err, errlen, "closed without a reply");
	reply[n] = '\0';
	return 0;
}

int
admin_request(const char *path, const char *cmd, char *reply, size_t len,
	      int timeout_ms, char *err, size_t errlen)
{
	int fd = connect_to(path, err, errlen);
	int rc;

	if (fd < 0)
		return fd;
	if (send(fd, cmd, strlen(cmd), MSG_NOSIGNAL) < 0) {
		rc = err_rc(-errno, err, errlen, "send: %s", strerror(errno));
	} else {
		rc = await_reply(fd, reply, len, timeout_ms, err, errlen);
	}
	close(fd);
	return rc;
}
