/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The session state machine, one handler per state for incoming messages
 * (as bfdd does). Every way a session ends goes through end_session with
 * a reason, so each is logged exactly once; connection failures are
 * logged when their cause changes, not once a second.
 */
#include "dp_link.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl_proto.h"
#include "log.h"
#include "shm_channel.h"

struct dp_link {
	const char *path;
	struct sync *sync;
	enum dp_link_state state;
	int fd;
	struct shm_channel *ch;
	uint64_t seq;                 /* our messages' sequence numbers */
	uint32_t hold_ms;             /* silence that ends a session */

	uint64_t next_try_ms;         /* DISCONNECTED: next connect */
	uint64_t last_rx_ms;          /* HELLO_SENT / UP: last message heard */
	uint64_t next_keepalive_ms;   /* UP */
	int last_connect_errno;       /* 0: log the next failure */
	char last_why[640];           /* why the last handshake failed */

	struct dp_link_status st;
};

static const char *const state_names[] = {
	[DP_LINK_DISCONNECTED] = "disconnected",
	[DP_LINK_HELLO_SENT] = "hello-sent",
	[DP_LINK_UP] = "up",
};

const char *
dp_link_state_name(enum dp_link_state s)
{
	return s <= DP_LINK_UP ? state_names[s] : "?";
}

struct dp_link *
dp_link_create(const char *path, uint32_t hold_ms, struct sync *sync)
{
	struct dp_link *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return NULL;
	l->path = path;
	l->hold_ms = hold_ms;
	l->sync = sync;
	l->fd = -1;
	return l;
}

/* ---- ending and sending -------------------------------------------------- */

/* Forget the session: sync detached, region unmapped, socket closed. */
static void
close_session(struct dp_link *l)
{
	sync_detach(l->sync);
	shm_channel_close(l->ch);
	l->ch = NULL;
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	l->state = DP_LINK_DISCONNECTED;
	l->st.session_id = 0;
	l->st.dataplane_pid = 0;
}

static void
end_session(struct dp_link *l, uint64_t now_ms, int prio, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
end_session(struct dp_link *l, uint64_t now_ms, int prio, const char *fmt, ...)
{
	char why[640];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (l->state == DP_LINK_UP)
		sg_log(prio, "dataplane session 0x%016" PRIx64 " ended: %s; "
		       "reconnecting", l->st.session_id, why);
	else if (strcmp(why, l->last_why) != 0)
		sg_log(prio, "dataplane at %s: %s; retrying every second",
		       l->path, why);
	/* A handshake that fails the same way every second (another
	 * controlplane attached) is logged once, until a session comes up. */
	snprintf(l->last_why, sizeof(l->last_why), "%s",
		 l->state == DP_LINK_UP ? "" : why);
	close_session(l);
	l->next_try_ms = now_ms + DP_RETRY_MS;
	l->last_connect_errno = 0;
}

void
dp_link_destroy(struct dp_link *l)
{
	if (l == NULL)
		return;
	if (l->state == DP_LINK_UP)
		sg_log(LOG_NOTICE, "dataplane session 0x%016" PRIx64 " closed: the "
		       "controlplane is stopping (the dataplane keeps enforcing)",
		       l->st.session_id);
	close_session(l);
	free(l);
}

static void on_error_msg(struct dp_link *l, const struct ctl_text *t,
			 uint64_t now_ms);

/*
 * The peer hung up. It usually said why first (ERROR BUSY to a second
 * controlplane), and that is the reason to log. When it closed with our
 * HELLO unread, the kernel reports ECONNRESET once before the datagrams
 * still queued for us, so look past that. Ends the session: with the
 * ERROR when there is one, else with why.
 */
static void
hung_up(struct dp_link *l, uint64_t now_ms, const char *why)
{
	for (int tries = 0; tries < 2; tries++) {
		struct ctl_msg last;
		char err[256];
		int fd = -1;
		int rc = ctl_recv(l->fd, &last, &fd, err, sizeof(err));

		if (fd >= 0)
			close(fd);
		if (rc == 0 && last.hdr.type == CTL_ERROR) {
			on_error_msg(l, &last.error, now_ms);
			return;
		}
		if (rc != -ECONNRESET)
			break;
	}
	end_session(l, now_ms, LOG_WARNING, "%s", why);
}

/* Send one message; a failure ends the session. 0 or -1. */
static int
send_msg(struct dp_link *l, struct ctl_msg *m, uint64_t now_ms)
{
	char err[256];
	int rc = ctl_send(l->fd, m, -1, err, sizeof(err));

	/* A full socket buffer only delays a keepalive: the dataplane is
	 * then busy, not gone, and its own liveness check allows the hold
	 * time. */
	if (rc == 0 || (rc == -EAGAIN && m->hdr.type == CTL_KEEPALIVE))
		return 0;
	hung_up(l, now_ms, err);
	return -1;
}

/* Tell the dataplane why we hang up, then hang up. */
static void
refuse(struct dp_link *l, uint64_t now_ms, enum ctl_error_code code,
       const char *why)
{
	struct ctl_msg m;
	char err[256];

	ctl_msg_text(&m, CTL_ERROR, l->st.session_id, ++l->seq, code, "%s", why);
	ctl_send(l->fd, &m, -1, err, sizeof(err));
	end_session(l, now_ms, LOG_ERR, "%s", why);
}

/* ---- connecting ------------------------------------------------------- */

static int
connect_socket(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	return fd;
}

static void
try_connect(struct dp_link *l, uint64_t now_ms)
{
	struct ctl_msg m;
	int fd = connect_socket(l->path);

	l->next_try_ms = now_ms + DP_RETRY_MS;
	if (fd < 0) {
		if (-fd != l->last_connect_errno)
			sg_log(LOG_WARNING, "cannot connect to sgtgw-dataplane "
			       "at %s: %s; retrying every second", l->path,
			       strerror(-fd));
		l->last_connect_errno = -fd;
		return;
	}
	l->fd = fd;
	l->state = DP_LINK_HELLO_SENT;
	l->last_rx_ms = now_ms;
	ctl_msg_init(&m, CTL_HELLO, 0, ++l->seq);
	m.hello.pid = (uint32_t)getpid();
	send_msg(l, &m, now_ms);
}

/* ---- HELLO_SENT: the WELCOME ----------------------------------------------- */

/* The region must be the one WELCOME describes. 0 or -1 with why. */
static int
check_region(const struct ctl_msg *m, const struct shm_channel *ch, char *why,
	     size_t len)
{
	const struct ctl_welcome *w = &m->welcome;
	struct shm_channel_info info;

	shm_channel_info(ch, &info);
	if (info.session_id != m->hdr.session_id ||
	    info.region_size != w->shm_size || info.ring_count != w->ring_count ||
	    info.msg_size != w->msg_size || info.n_slots != w->n_slots ||
	    info.slot_size != w->slot_size) {
		snprintf(why, len, "welcome describes session 0x%016" PRIx64
			 ", %" PRIu64 " bytes, ring %u, %u slots of %u; the "
			 "region holds session 0x%016" PRIx64 ", %" PRIu64
			 " bytes, ring %u, %u slots of %u", m->hdr.session_id,
			 w->shm_size,
			 w->ring_count, w->n_slots, w->slot_size, info.session_id,
			 info.region_size, info.ring_count, info.n_slots,
			 info.slot_size);
		return -1;
	}
	return 0;
}

static const char *
cache_state_name(uint32_t s)
{
	switch (s) {
	case CTL_CACHE_LOADED: return "enforcing from its cache";
	case CTL_CACHE_REFUSED: return "its cache was refused";
	default: return "no cache";
	}
}

static void
session_up(struct dp_link *l, const struct ctl_msg *m, uint64_t now_ms)
{
	const struct ctl_welcome *w = &m->welcome;
	int rc;

	l->state = DP_LINK_UP;
	l->st.session_id = m->hdr.session_id;
	l->st.dataplane_pid = w->pid;
	l->st.bindings_acked = 0;
	l->st.policy_acked = 0;
	l->st.sessions++;
	l->next_keepalive_ms = now_ms + DP_KEEPALIVE_MS;
	sg_log(LOG_NOTICE, "dataplane pid %u session 0x%016" PRIx64 ": %s, "
	       "applied bindings generation %" PRIu64 ", policy generation %"
	       PRIu64 "; ring of %u messages, %u snapshot slots of %u bytes",
	       w->pid, m->hdr.session_id, cache_state_name(w->cache_state),
	       w->bindings_generation, w->policy_generation, w->ring_count,
	       w->n_slots, w->slot_size);
	rc = sync_attach(l->sync, l->ch, w->bindings_generation,
			 w->policy_generation);
	if (rc < 0)
		end_session(l, now_ms, LOG_ERR, "full resync failed: %s",
			    strerror(-rc));
}

static void
on_welcome(struct dp_link *l, const struct ctl_msg *m, int fd, uint64_t now_ms)
{
	char err[512];
	int rc = shm_channel_attach(fd, &l->ch, err, sizeof(err));

	/* The mapping keeps the region; the descriptor is not needed. */
	close(fd);
	if (rc == 0 && check_region(m, l->ch, err, sizeof(err)) < 0)
		rc = -1;
	if (rc < 0) {
		char why[640];

		snprintf(why, sizeof(why), "unusable shared region: %s", err);
		refuse(l, now_ms, CTL_ERR_MALFORMED, why);
		return;
	}
	session_up(l, m, now_ms);
}

/* ---- UP: acks and resync requests --------------------------------------- */

static void
on_ack(struct dp_link *l, const struct ctl_ack *a)
{
	if (a->stream == CTL_ACK_BINDINGS) {
		l->st.bindings_acked = a->generation;
	} else if (a->result == CTL_ACK_APPLIED) {
		l->st.policy_acked = a->generation;
	} else {
		l->st.policy_refused++;
		sg_log(LOG_ERR, "dataplane refused policy generation %" PRIu64
		       " and keeps its previous policy (its log says why)",
		       a->generation);
	}
}

static const char *
resync_reason_name(uint32_t r)
{
	switch (r) {
	case CTL_RESYNC_STARTUP: return "dataplane start";
	case CTL_RESYNC_GAP: return "generation gap";
	case CTL_RESYNC_REFUSED: return "update refused";
	case CTL_RESYNC_OPERATOR: return "operator";
	default: return "?";
	}
}

static void
on_resync_request(struct dp_link *l, const struct ctl_text *t, uint64_t now_ms)
{
	int rc;

	l->st.resync_requests++;
	sg_log(LOG_NOTICE, "dataplane asks for a full resync (%s): %s",
	       resync_reason_name(t->code), t->text);
	rc = sync_resync(l->sync);
	if (rc < 0)
		end_session(l, now_ms, LOG_ERR, "full resync failed: %s",
			    strerror(-rc));
}

/* ---- dispatch ---------------------------------------------------------- */

static void
on_error_msg(struct dp_link *l, const struct ctl_text *t, uint64_t now_ms)
{
	if (t->code == CTL_ERR_BUSY)
		end_session(l, now_ms, LOG_WARNING, "busy with another "
			    "controlplane (it says: %s)", t->text);
	else
		end_session(l, now_ms, LOG_ERR, "dataplane sent error %u: %s",
			    t->code, t->text);
}

static void
on_message(struct dp_link *l, const struct ctl_msg *m, int fd, uint64_t now_ms)
{
	const char *name = ctl_type_name(m->hdr.type);
	char why[256];

	l->last_rx_ms = now_ms;
	/* ctl_recv lets a descriptor through only with a WELCOME; one we
	 * did not ask for is closed here. */
	if (fd >= 0 && l->state != DP_LINK_HELLO_SENT) {
		close(fd);
		fd = -1;
	}
	if (m->hdr.type == CTL_ERROR) {
		on_error_msg(l, &m->error, now_ms);
	} else if (l->state == DP_LINK_HELLO_SENT && m->hdr.type == CTL_WELCOME) {
		on_welcome(l, m, fd, now_ms);
	} else if (l->state == DP_LINK_UP &&
		   m->hdr.session_id != l->st.session_id) {
		snprintf(why, sizeof(why), "%s for session 0x%016" PRIx64 " in "
			 "session 0x%016" PRIx64, name, m->hdr.session_id,
			 l->st.session_id);
		refuse(l, now_ms, CTL_ERR_STATE, why);
	} else if (l->state == DP_LINK_UP && m->hdr.type == CTL_ACK) {
		on_ack(l, &m->ack);
	} else if (l->state == DP_LINK_UP && m->hdr.type == CTL_RESYNC_REQUEST) {
		on_resync_request(l, &m->resync, now_ms);
	} else if (m->hdr.type != CTL_KEEPALIVE) {
		snprintf(why, sizeof(why), "unexpected %s in state %s", name,
			 dp_link_state_name(l->state));
		refuse(l, now_ms, CTL_ERR_STATE, why);
	}
}

/* A receive error: the peer closed, or sent what we cannot accept. */
static void
on_recv_error(struct dp_link *l, int rc, const struct ctl_msg *m,
	      const char *err, uint64_t now_ms)
{
	char why[640];

	if (rc == -ECONNRESET) {
		hung_up(l, now_ms, "the dataplane closed the connection");
	} else if (rc == -EPIPE) {
		end_session(l, now_ms, LOG_WARNING, "the dataplane closed the "
			    "connection");
	} else if (rc == -EPROTONOSUPPORT) {
		char e[256];

		ctl_refuse_version(l->fd, &m->hdr, l->st.session_id, e, sizeof(e));
		end_session(l, now_ms, LOG_ERR, "message refused: %s", err);
	} else if (rc == -EBADMSG || rc == -EMSGSIZE) {
		snprintf(why, sizeof(why), "message refused: %s", err);
		refuse(l, now_ms, CTL_ERR_MALFORMED, why);
	} else {
		end_session(l, now_ms, LOG_WARNING, "%s", err);
	}
}

int
dp_link_pollfd(const struct dp_link *l)
{
	return l->fd;
}

void
dp_link_process(struct dp_link *l, uint64_t now_ms)
{
	while (l->fd >= 0) {
		struct ctl_msg m;
		char err[512];
		int fd = -1;
		int rc = ctl_recv(l->fd, &m, &fd, err, sizeof(err));

		if (rc == -EAGAIN || rc == -EWOULDBLOCK)
			return;
		if (rc < 0) {
			on_recv_error(l, rc, &m, err, now_ms);
			return;
		}
		on_message(l, &m, fd, now_ms);
	}
}

/* ---- timers ------------------------------------------------------------ */

static void
tick_up(struct dp_link *l, uint64_t now_ms)
{
	struct ctl_msg m;
	int rc;

	if (now_ms >= l->next_keepalive_ms) {
		l->next_keepalive_ms = now_ms + DP_KEEPALIVE_MS;
		shm_channel_beat(l->ch);
		ctl_msg_init(&m, CTL_KEEPALIVE, l->st.session_id, ++l->seq);
		if (send_msg(l, &m, now_ms) < 0)
			return;
	}
	/* Also with no backlog: a change that could not be queued (out of
	 * memory) left a resync due, which the flush queues. */
	rc = sync_flush(l->sync);
	if (rc < 0)
		end_session(l, now_ms, LOG_ERR, "cannot push updates: %s",
			    rc == -EBADMSG ? "the shared ring is corrupted" :
			    strerror(-rc));
}

void
dp_link_tick(struct dp_link *l, uint64_t now_ms)
{
	switch (l->state) {
	case DP_LINK_DISCONNECTED:
		if (now_ms >= l->next_try_ms)
			try_connect(l, now_ms);
		break;
	case DP_LINK_HELLO_SENT:
		if (now_ms - l->last_rx_ms >= l->hold_ms)
			end_session(l, now_ms, LOG_WARNING, "no welcome within %u "
				    "ms", l->hold_ms);
		break;
	case DP_LINK_UP:
		if (now_ms - l->last_rx_ms >= l->hold_ms)
			end_session(l, now_ms, LOG_WARNING, "the dataplane was "
				    "silent for %u ms", l->hold_ms);
		else
			tick_up(l, now_ms);
		break;
	}
}

static uint64_t
until(uint64_t deadline, uint64_t now_ms)
{
	return deadline > now_ms ? deadline - now_ms : 0;
}

int
dp_link_timeout_ms(const struct dp_link *l, uint64_t now_ms)
{
	uint64_t t;

	switch (l->state) {
	case DP_LINK_DISCONNECTED:
		t = until(l->next_try_ms, now_ms);
		break;
	case DP_LINK_HELLO_SENT:
		t = until(l->last_rx_ms + l->hold_ms, now_ms);
		break;
	default:
		if (sync_backlog(l->sync) > 0)
			return DP_BACKLOG_POLL_MS;
		t = until(l->next_keepalive_ms, now_ms);
		if (t > until(l->last_rx_ms + l->hold_ms, now_ms))
			t = until(l->last_rx_ms + l->hold_ms, now_ms);
		break;
	}
	return t > DP_RETRY_MS ? (int)DP_RETRY_MS : (int)t;
}

void
dp_link_get_status(const struct dp_link *l, struct dp_link_status *st)
{
	*st = l->st;
	st->state = l->state;
	if (l->ch != NULL)
		shm_channel_applied(l->ch, &st->bindings_applied,
				    &st->policy_applied);
	else
		st->bindings_applied = st->policy_applied = 0;
}
