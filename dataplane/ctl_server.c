/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket and its one session (ctl_server.h). Every failure is
 * logged here, once, with the peer's pid when it is known.
 */
#include "ctl_server.h"

#include <errno.h>
#include <libgen.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define LISTEN_BACKLOG 4
/* Second controlplanes waiting for their ERROR(BUSY), and how long. */
#define MAX_REFUSING 4
#define REFUSE_WAIT_MS 1000u
/* Who may connect: the dataplane's user and group. */
#define SOCKET_MODE 0660
#define DIR_MODE 0750

enum session_state {
	SESSION_NONE,           /* no controlplane connected */
	SESSION_HELLO,          /* connected, waiting for its HELLO */
	SESSION_ATTACHED,       /* WELCOME sent: the region is in use */
};

struct ctl_server {
	char *path;
	int listen_fd;
	struct ctl_server_ops ops;
	uint32_t hold_ms;       /* silence that ends a session */

	enum session_state state;
	int fd;
	uint32_t peer_pid;      /* from SO_PEERCRED, for the logs */
	struct shm_channel *ch;
	uint64_t session_id;
	uint64_t seq;           /* ours, one per message sent */
	uint64_t last_rx_ms;
	uint64_t last_tx_ms;

	/* Connections refused BUSY once their HELLO is in (or after
	 * REFUSE_WAIT_MS): closing on a datagram we have not read would
	 * reset the connection, and the peer could lose our ERROR. */
	struct {
		int fd;
		uint64_t deadline_ms;
	} refusing[MAX_REFUSING];
};

/* ---- the listening socket ------------------------------------------------ */

static int
make_parent_dir(const char *path, char *err, size_t errlen)
{
	char *copy = strdup(path);
	const char *dir;
	int rc = 0;

	if (copy == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	dir = dirname(copy);
	if (mkdir(dir, DIR_MODE) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create the directory %s: %s", dir,
			 strerror(errno));
		rc = -1;
	}
	free(copy);
	return rc;
}

static int
fill_addr(const char *path, struct sockaddr_un *sa, char *err, size_t errlen)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path)) {
		snprintf(err, errlen, "%s: longer than a socket address takes "
			 "(%zu characters)", path, sizeof(sa->sun_path) - 1);
		return -1;
	}
	memcpy(sa->sun_path, path, strlen(path));
	return 0;
}

/* A socket file left by a dataplane that died goes; one that answers
 * belongs to a dataplane that runs, and anything else is not ours. */
static int
clear_stale(const struct sockaddr_un *sa, char *err, size_t errlen)
{
	struct stat st;
	int fd, rc;

	if (lstat(sa->sun_path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", sa->sun_path, strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a socket: not "
			 "replacing it", sa->sun_path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	close(fd);
	if (rc == 0) {
		snprintf(err, errlen, "%s: another sgtgw-dataplane is listening "
			 "there", sa->sun_path);
		return -1;
	}
	if (unlink(sa->sun_path) < 0 && errno != ENOENT) {
		snprintf(err, errlen, "cannot remove the stale socket %s: %s",
			 sa->sun_path, strerror(errno));
		return -1;
	}
	return 0;
}

static int
listen_on(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	mode_t old_mask;
	int fd, rc;

	if (fill_addr(path, &sa, err, errlen) < 0 ||
	    make_parent_dir(path, err, errlen) < 0 ||
	    clear_stale(&sa, err, errlen) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	/* The file gets its mode at bind: never wider than 0660, even for
	 * an instant. No other thread creates files at this point. */
	old_mask = umask(0777 & ~SOCKET_MODE);
	rc = bind(fd, (const struct sockaddr *)&sa, sizeof(sa));
	umask(old_mask);
	if (rc < 0 || chmod(path, SOCKET_MODE) < 0 ||
	    listen(fd, LISTEN_BACKLOG) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

struct ctl_server *
ctl_server_open(const char *path, uint32_t hold_ms,
		const struct ctl_server_ops *ops, char *err, size_t errlen)
{
	struct ctl_server *s = calloc(1, sizeof(*s));

	if (s == NULL || (s->path = strdup(path)) == NULL) {
		snprintf(err, errlen, "out of memory");
		free(s);
		return NULL;
	}
	s->ops = *ops;
	s->hold_ms = hold_ms;
	s->fd = -1;
	for (int i = 0; i < MAX_REFUSING; i++)
		s->refusing[i].fd = -1;
	s->listen_fd = listen_on(path, err, errlen);
	if (s->listen_fd < 0) {
		free(s->path);
		free(s);
		return NULL;
	}
	return s;
}

/* ---- the session ------------------------------------------------------------ */

static void
session_end(struct ctl_server *s)
{
	if (s->state == SESSION_ATTACHED)
		s->ops.session_end(s->ops.ctx);
	if (s->fd >= 0)
		close(s->fd);
	shm_channel_close(s->ch);
	s->ch = NULL;
	s->fd = -1;
	s->state = SESSION_NONE;
	s->session_id = 0;
	s->peer_pid = 0;
}

/* Log why the session ends (once) and end it. */
__attribute__((format(printf, 3, 4))) static void
session_fail(struct ctl_server *s, int prio, const char *fmt, ...)
{
	char why[CTL_TEXT_MAX + 64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	sg_log(prio, "controlplane (pid %u) session 0x%016llx ended: %s; "
	       "enforcing what was applied, waiting for a new session",
	       s->peer_pid, (unsigned long long)s->session_id, why);
	session_end(s);
}

static int
send_msg(struct ctl_server *s, struct ctl_msg *m, int fd)
{
	char err[256];
	int rc = ctl_send(s->fd, m, fd, err, sizeof(err));

	if (rc < 0)
		session_fail(s, LOG_WARNING, "%s", err);
	return rc;
}

static uint64_t
next_seq(struct ctl_server *s)
{
	return ++s->seq;
}

/* Read and drop what the peer sent: a socket closed with unread data
 * resets the connection, and the peer may never read our last word. */
static void
drain_input(int fd)
{
	char buf[CTL_MSG_MAX];

	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

/* ERROR to the peer (best effort: it may be gone), then the end. */
static void
refuse(struct ctl_server *s, enum ctl_error_code code, const char *why)
{
	struct ctl_msg m;
	char err[256];

	ctl_msg_text(&m, CTL_ERROR, s->session_id, next_seq(s), code, "%s", why);
	drain_input(s->fd);
	ctl_send(s->fd, &m, -1, err, sizeof(err));
	session_fail(s, LOG_WARNING, "%s", why);
}

static uint32_t
peer_pid(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return 0;
	return (uint32_t)cred.pid;
}

/* One controlplane at a time: a second one hears why and is closed. */
static void
refuse_busy(struct ctl_server *s, int fd)
{
	struct ctl_msg m;
	char err[256];

	ctl_msg_text(&m, CTL_ERROR, 0, 0, CTL_ERR_BUSY, "a controlplane (pid %u) "
		     "is attached to this dataplane: one at a time",
		     s->peer_pid);
	drain_input(fd);
	if (ctl_send(fd, &m, -1, err, sizeof(err)) < 0)
		err[0] = '\0';
	sg_log(LOG_WARNING, "controlplane connection from pid %u refused: pid "
	       "%u is attached%s%s", peer_pid(fd), s->peer_pid,
	       err[0] ? "; " : "", err);
	drain_input(fd);
	close(fd);
}

/* Refuse fd once it has spoken or waited long enough; with no room to
 * wait, at once. */
static void
refuse_later(struct ctl_server *s, int fd, uint64_t now_ms)
{
	for (int i = 0; i < MAX_REFUSING; i++) {
		if (s->refusing[i].fd < 0) {
			s->refusing[i].fd = fd;
			s->refusing[i].deadline_ms = now_ms + REFUSE_WAIT_MS;
			return;
		}
	}
	refuse_busy(s, fd);
}

static void
refuse_due(struct ctl_server *s, const struct pollfd *pfd, uint64_t now_ms)
{
	for (int i = 0; i < MAX_REFUSING; i++) {
		int fd = s->refusing[i].fd;

		if (fd < 0 || (pfd[i].revents == 0 &&
			       now_ms < s->refusing[i].deadline_ms))
			continue;
		refuse_busy(s, fd);
		s->refusing[i].fd = -1;
	}
}

static void
accept_one(struct ctl_server *s, uint64_t now_ms)
{
	int fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
		    errno != ECONNABORTED)
			sg_log(LOG_ERR, "control socket %s: accept: %s", s->path,
			       strerror(errno));
		return;
	}
	if (s->state != SESSION_NONE) {
		refuse_later(s, fd, now_ms);
		return;
	}
	s->fd = fd;
	s->state = SESSION_HELLO;
	s->peer_pid = peer_pid(fd);
	s->last_rx_ms = s->last_tx_ms = now_ms;
}

static int
welcome(struct ctl_server *s, const struct ctl_msg *hello, uint64_t now_ms)
{
	struct shm_channel_params p = { 0 };
	struct shm_channel_info info;
	enum ctl_cache_state cache;
	struct ctl_msg m;
	char err[256];

	if (shm_channel_create(&p, &s->ch, err, sizeof(err)) < 0) {
		refuse(s, CTL_ERR_INTERNAL, err);
		return -1;
	}
	shm_channel_info(s->ch, &info);
	s->session_id = info.session_id;
	ctl_msg_init(&m, CTL_WELCOME, s->session_id, next_seq(s));
	m.welcome.shm_size = info.region_size;
	m.welcome.ring_count = info.ring_count;
	m.welcome.msg_size = info.msg_size;
	m.welcome.n_slots = info.n_slots;
	m.welcome.slot_size = info.slot_size;
	s->ops.welcome(s->ops.ctx, &m.welcome.bindings_generation,
		       &m.welcome.policy_generation, &cache);
	m.welcome.cache_state = cache;
	m.welcome.pid = (uint32_t)getpid();
	/* Attached before the WELCOME leaves: the peer may act on it (and
	 * ask telemetry) at once. A failed send ends it again. */
	s->state = SESSION_ATTACHED;
	s->ops.session_start(s->ops.ctx, s->ch);
	if (send_msg(s, &m, shm_channel_fd(s->ch)) < 0)
		return -1;
	s->last_tx_ms = now_ms;
	sg_log(LOG_NOTICE, "controlplane (pid %u, says %u) attached: session "
	       "0x%016llx, applied generations: bindings %llu, policy %llu",
	       s->peer_pid, hello->hello.pid, (unsigned long long)s->session_id,
	       (unsigned long long)m.welcome.bindings_generation,
	       (unsigned long long)m.welcome.policy_generation);
	return 0;
}

/* One message from the peer; -1 when the session ended. */
static int
handle(struct ctl_server *s, const struct ctl_msg *m, uint64_t now_ms)
{
	char why[CTL_TEXT_MAX + 64];
	unsigned type = m->hdr.type;

	s->last_rx_ms = now_ms;
	if (type == CTL_ERROR) {
		session_fail(s, LOG_WARNING, "the controlplane says error %u: %s",
			     m->error.code, m->error.text);
		return -1;
	}
	if (s->state == SESSION_HELLO && type == CTL_HELLO)
		return welcome(s, m, now_ms);
	if (s->state == SESSION_ATTACHED && type == CTL_KEEPALIVE) {
		if (m->hdr.session_id == s->session_id)
			return 0;
		snprintf(why, sizeof(why), "keepalive for session 0x%016llx, "
			 "this one is 0x%016llx",
			 (unsigned long long)m->hdr.session_id,
			 (unsigned long long)s->session_id);
		refuse(s, CTL_ERR_STATE, why);
		return -1;
	}
	snprintf(why, sizeof(why), "unexpected %s %s", ctl_type_name(type),
		 s->state == SESSION_HELLO ? "before HELLO" : "after WELCOME");
	refuse(s, CTL_ERR_STATE, why);
	return -1;
}

/* Everything the peer sent, until the socket is empty or the session
 * ends. */
static void
receive(struct ctl_server *s, uint64_t now_ms)
{
	while (s->state != SESSION_NONE) {
		struct ctl_msg m;
		char err[CTL_TEXT_MAX + 64];
		int fd = -1, rc = ctl_recv(s->fd, &m, &fd, err, sizeof(err));

		if (fd >= 0)
			close(fd);      /* only a WELCOME carries one: never ours */
		if (rc == -EAGAIN)
			return;
		if (rc == -EPIPE) {
			session_fail(s, LOG_NOTICE, "the controlplane closed the "
				     "connection");
			return;
		}
		if (rc == -EPROTONOSUPPORT) {
			ctl_refuse_version(s->fd, &m.hdr, s->session_id, err,
					   sizeof(err));
			session_fail(s, LOG_ERR, "protocol version %u, this side "
				     "speaks %u", m.hdr.version, CTL_PROTO_VERSION);
			return;
		}
		if (rc < 0) {
			refuse(s, CTL_ERR_MALFORMED, err);
			return;
		}
		if (handle(s, &m, now_ms) < 0)
			return;
	}
}

static void
keepalive(struct ctl_server *s, uint64_t now_ms)
{
	struct ctl_msg m;

	if (s->state == SESSION_NONE)
		return;
	if (now_ms - s->last_rx_ms >= s->hold_ms) {
		session_fail(s, LOG_WARNING, "silent for %u ms", s->hold_ms);
		return;
	}
	if (s->state != SESSION_ATTACHED)
		return;
	shm_channel_beat(s->ch);
	if (now_ms - s->last_tx_ms < CTL_KEEPALIVE_MS)
		return;
	ctl_msg_init(&m, CTL_KEEPALIVE, s->session_id, next_seq(s));
	if (send_msg(s, &m, -1) == 0)
		s->last_tx_ms = now_ms;
}

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void
ctl_server_poll(struct ctl_server *s, int timeout_ms)
{
	/* The connections being refused, then the listener and the session. */
	struct pollfd pfd[MAX_REFUSING + 2];
	struct pollfd *lp = &pfd[MAX_REFUSING], *sp = &pfd[MAX_REFUSING + 1];
	uint64_t now_ms;
	int n;

	for (int i = 0; i < MAX_REFUSING; i++)
		pfd[i] = (struct pollfd){ .fd = s->refusing[i].fd, .events = POLLIN };
	*lp = (struct pollfd){ .fd = s->listen_fd, .events = POLLIN };
	*sp = (struct pollfd){ .fd = s->fd, .events = POLLIN };
	n = poll(pfd, MAX_REFUSING + 2, timeout_ms);
	now_ms = mono_ms();
	if (n < 0) {
		if (errno != EINTR)
			sg_log(LOG_ERR, "control socket %s: poll: %s", s->path,
			       strerror(errno));
		return;
	}
	if (s->fd >= 0 && sp->revents != 0)
		receive(s, now_ms);
	if (lp->revents != 0)
		accept_one(s, now_ms);
	refuse_due(s, pfd, now_ms);
	keepalive(s, now_ms);
}

/* ---- what the rest of the dataplane says ------------------------------------ */

bool
ctl_server_attached(const struct ctl_server *s)
{
	return s->state == SESSION_ATTACHED;
}

uint64_t
ctl_server_session_id(const struct ctl_server *s)
{
	return s->state == SESSION_ATTACHED ? s->session_id : 0;
}

struct shm_channel *
ctl_server_channel(struct ctl_server *s)
{
	return s->state == SESSION_ATTACHED ? s->ch : NULL;
}

void
ctl_server_ack(struct ctl_server *s, enum ctl_ack_stream stream,
	       enum ctl_ack_result result, uint64_t generation)
{
	struct ctl_msg m;

	if (s->state != SESSION_ATTACHED || generation == 0)
		return;
	ctl_msg_init(&m, CTL_ACK, s->session_id, next_seq(s));
	m.ack.stream = stream;
	m.ack.result = result;
	m.ack.generation = generation;
	send_msg(s, &m, -1);
}

void
ctl_server_resync_request(struct ctl_server *s, enum ctl_resync_reason reason,
			  const char *why)
{
	struct ctl_msg m;

	if (s->state != SESSION_ATTACHED)
		return;
	ctl_msg_text(&m, CTL_RESYNC_REQUEST, s->session_id, next_seq(s), reason,
		     "%s", why);
	send_msg(s, &m, -1);
}

void
ctl_server_abort(struct ctl_server *s, enum ctl_error_code code, const char *why)
{
	if (s->state != SESSION_NONE)
		refuse(s, code, why);
}

void
ctl_server_close(struct ctl_server *s)
{
	if (s == NULL)
		return;
	session_end(s);
	for (int i = 0; i < MAX_REFUSING; i++) {
		if (s->refusing[i].fd >= 0)
			close(s->refusing[i].fd);
	}
	close(s->listen_fd);
	unlink(s->path);
	free(s->path);
	free(s);
}
