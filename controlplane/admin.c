/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The admin socket's server side. A connection lives for one request:
 * accept, wait (in the caller's poll) for its datagram, answer, close.
 */
#include "admin.h"

#include <errno.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "err_msg.h"
#include "log.h"

struct admin_client {
	int fd;                   /* -1: free */
	uint64_t deadline_ms;     /* 0: not yet stamped */
	struct admin_peer peer;
};

struct admin {
	int fd;
	char *path;
	dev_t dev;                /* the socket file we made, to remove */
	ino_t ino;                /* only it at exit */
	const struct admin_command *cmds;
	void *ctx;
	struct admin_client clients[ADMIN_CLIENTS_MAX];
};

/* ---- the listening socket ------------------------------------------------ */

static int
fill_addr(struct sockaddr_un *sa, const char *path, char *err, size_t errlen)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return err_set(err, errlen, "admin socket path %s is longer than "
			       "%zu bytes", path, sizeof(sa->sun_path) - 1);
	strcpy(sa->sun_path, path);
	return 0;
}

/* /run/sgtgw is a tmpfs directory: after a reboot it is gone until one of
 * the two processes makes it (the dataplane does the same for its socket).
 * Only the last component is made; its parent must exist. */
static int
make_dir(const char *path, char *err, size_t errlen)
{
	char copy[sizeof(((struct sockaddr_un *)0)->sun_path)];
	const char *dir;

	snprintf(copy, sizeof(copy), "%s", path);
	dir = dirname(copy);
	if (mkdir(dir, 0750) < 0 && errno != EEXIST)
		return err_set(err, errlen, "admin socket directory %s: %s", dir,
			       strerror(errno));
	return 0;
}

/* A socket file nobody answers on is left over from a crash: remove it.
 * One somebody answers on belongs to a running controlplane. */
static int
clear_stale(const struct sockaddr_un *sa, char *err, size_t errlen)
{
	struct stat st;
	int fd, rc;

	if (lstat(sa->sun_path, &st) < 0)
		return errno == ENOENT ? 0 :
		       err_set(err, errlen, "admin socket %s: %s", sa->sun_path,
			       strerror(errno));
	if (!S_ISSOCK(st.st_mode))
		return err_set(err, errlen, "admin socket %s exists and is not a "
			       "socket: not replacing it", sa->sun_path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_set(err, errlen, "socket: %s", strerror(errno));
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	close(fd);
	if (rc == 0)
		return err_set(err, errlen, "another sgtgw-controlplane is "
			       "listening on %s", sa->sun_path);
	if (unlink(sa->sun_path) < 0 && errno != ENOENT)
		return err_set(err, errlen, "removing stale %s: %s", sa->sun_path,
			       strerror(errno));
	return 0;
}

static int
listen_on(struct admin *a, const struct sockaddr_un *sa, char *err,
	  size_t errlen)
{
	struct stat st;
	mode_t old;
	int rc;

	a->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (a->fd < 0)
		return err_set(err, errlen, "socket: %s", strerror(errno));
	/* The file is created with the umask's mode: make it 0660 from the
	 * start rather than fixing it after others could connect. */
	old = umask(0117);
	rc = bind(a->fd, (const struct sockaddr *)sa, sizeof(*sa));
	umask(old);
	if (rc < 0)
		return err_set(err, errlen, "admin socket %s: bind: %s",
			       sa->sun_path, strerror(errno));
	if (chmod(sa->sun_path, 0660) < 0 || stat(sa->sun_path, &st) < 0)
		return err_set(err, errlen, "admin socket %s: %s", sa->sun_path,
			       strerror(errno));
	a->dev = st.st_dev;
	a->ino = st.st_ino;
	if (listen(a->fd, ADMIN_CLIENTS_MAX) < 0)
		return err_set(err, errlen, "admin socket %s: listen: %s",
			       sa->sun_path, strerror(errno));
	return 0;
}

struct admin *
admin_open(const char *path, const struct admin_command *cmds, void *ctx,
	   char *err, size_t errlen)
{
	struct sockaddr_un sa;
	struct admin *a;

	if (fill_addr(&sa, path, err, errlen) < 0 ||
	    make_dir(path, err, errlen) < 0 ||
	    clear_stale(&sa, err, errlen) < 0)
		return NULL;
	a = calloc(1, sizeof(*a));
	if (a == NULL || (a->path = strdup(path)) == NULL) {
		free(a);
		err_set(err, errlen, "out of memory");
		return NULL;
	}
	a->cmds = cmds;
	a->ctx = ctx;
	for (size_t i = 0; i < ADMIN_CLIENTS_MAX; i++)
		a->clients[i].fd = -1;
	if (listen_on(a, &sa, err, errlen) < 0) {
		admin_close(a);
		return NULL;
	}
	return a;
}

static void
drop_client(struct admin_client *c)
{
	close(c->fd);
	c->fd = -1;
}

void
admin_close(struct admin *a)
{
	struct stat st;

	if (a == NULL)
		return;
	for (size_t i = 0; i < ADMIN_CLIENTS_MAX; i++) {
		if (a->clients[i].fd >= 0)
			drop_client(&a->clients[i]);
	}
	if (a->fd >= 0)
		close(a->fd);
	/* A controlplane started after us may have replaced the file. */
	if (a->ino != 0 && stat(a->path, &st) == 0 && st.st_dev == a->dev &&
	    st.st_ino == a->ino)
		unlink(a->path);
	free(a->path);
	free(a);
}

/* ---- clients ---------------------------------------------------------- */

static int
free_client_index(const struct admin *a)
{
	for (int i = 0; i < ADMIN_CLIENTS_MAX; i++) {
		if (a->clients[i].fd < 0)
			return i;
	}
	return -1;
}

size_t
admin_pollfds(const struct admin *a, struct pollfd *p, size_t cap)
{
	size_t n = 0;

	/* With every client slot taken, new ones wait in the backlog. */
	if (n < cap && free_client_index(a) >= 0)
		p[n++] = (struct pollfd){ .fd = a->fd, .events = POLLIN };
	for (size_t i = 0; i < ADMIN_CLIENTS_MAX && n < cap; i++) {
		if (a->clients[i].fd >= 0)
			p[n++] = (struct pollfd){ .fd = a->clients[i].fd,
						  .events = POLLIN };
	}
	return n;
}

static void
accept_one(struct admin *a, uint64_t now_ms)
{
	int slot = free_client_index(a);
	struct admin_client *c = slot >= 0 ? &a->clients[slot] : NULL;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int fd;

	if (c == NULL)
		return;
	fd = accept4(a->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			sg_log(LOG_WARNING, "admin socket %s: accept: %s", a->path,
			       strerror(errno));
		return;
	}
	memset(&cred, 0, sizeof(cred));
	getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len);
	c->fd = fd;
	c->deadline_ms = now_ms + ADMIN_CLIENT_TIMEOUT_MS;
	c->peer.pid = cred.pid;
	c->peer.uid = cred.uid;
}

static const struct admin_command *
find_command(const struct admin *a, const char *name)
{
	for (const struct admin_command *c = a->cmds; c->name != NULL; c++) {
		if (strcmp(c->name, name) == 0)
			return c;
	}
	return NULL;
}

/* The request as a word: trailing white space (a shell's newline) cut. */
static void
trim(char *s, size_t n)
{
	s[n] = '\0';
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' ' ||
			 s[n - 1] == '\r' || s[n - 1] == '\t'))
		s[--n] = '\0';
}

static bool
printable(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	}
	return true;
}

static void
answer(struct admin *a, struct admin_client *c, const char *req)
{
	const struct admin_command *cmd = find_command(a, req);
	char reply[ADMIN_REPLY_MAX + 1];

	if (cmd != NULL) {
		sg_log(LOG_INFO, "admin: '%s' from pid %d uid %u", req,
		       (int)c->peer.pid, (unsigned)c->peer.uid);
		cmd->run(a->ctx, &c->peer, reply, sizeof(reply));
	} else {
		sg_log(LOG_WARNING, "admin: unknown command '%s' from pid %d uid "
		       "%u refused", printable(req) ? req : "(binary)",
		       (int)c->peer.pid, (unsigned)c->peer.uid);
		snprintf(reply, sizeof(reply), "error unknown command: the "
			 "controlplane knows");
		for (const struct admin_command *k = a->cmds; k->name; k++) {
			size_t used = strlen(reply);

			snprintf(reply + used, sizeof(reply) - used, " %s", k->name);
		}
	}
	if (send(c->fd, reply, strlen(reply), MSG_NOSIGNAL) < 0)
		sg_log(LOG_WARNING, "admin: reply to pid %d lost: %s",
		       (int)c->peer.pid, strerror(errno));
}

static void
serve_client(struct admin *a, struct admin_client *c)
{
	char req[ADMIN_CMD_MAX + 1];
	ssize_t n = recv(c->fd, req, sizeof(req), MSG_TRUNC);

	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n < 0)
		sg_log(LOG_WARNING, "admin: connection from pid %d: %s",
		       (int)c->peer.pid, strerror(errno));
	else if (n == 0)
		sg_log(LOG_INFO, "admin: pid %d closed without a request",
		       (int)c->peer.pid);
	else if ((size_t)n > ADMIN_CMD_MAX)
		sg_log(LOG_WARNING, "admin: request of %zd bytes from pid %d "
		       "refused (at most %u)", n, (int)c->peer.pid, ADMIN_CMD_MAX);
	else {
		trim(req, (size_t)n);
		answer(a, c, req);
	}
	drop_client(c);
}

static struct admin_client *
client_of(struct admin *a, int fd)
{
	for (size_t i = 0; i < ADMIN_CLIENTS_MAX; i++) {
		if (a->clients[i].fd == fd)
			return &a->clients[i];
	}
	return NULL;
}

void
admin_process(struct admin *a, const struct pollfd *p, size_t n,
	      uint64_t now_ms)
{
	for (size_t i = 0; i < n; i++) {
		struct admin_client *c;

		if (p[i].revents == 0)
			continue;
		if (p[i].fd == a->fd) {
			accept_one(a, now_ms);
			continue;
		}
		c = client_of(a, p[i].fd);
		if (c != NULL)
			serve_client(a, c);
	}
	for (size_t i = 0; i < ADMIN_CLIENTS_MAX; i++) {
		struct admin_client *c = &a->clients[i];

		if (c->fd >= 0 && now_ms >= c->deadline_ms) {
			sg_log(LOG_INFO, "admin: pid %d sent no request within %d "
			       "ms: closed", (int)c->peer.pid,
			       ADMIN_CLIENT_TIMEOUT_MS);
			drop_client(c);
		}
	}
}
