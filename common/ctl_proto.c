/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control-socket messages: one table of body sizes, one set of field rules
 * that both the encoder and the decoder apply (so whatever encodes also
 * decodes), and sendmsg/recvmsg with at most one passed descriptor.
 */
#include "ctl_proto.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "err_msg.h"
#include "update_msg.h"
#include "wire_buf.h"

#define TEXT_HDR 8u               /* u32 code, u32 text length */

static const char *const type_names[] = {
	[CTL_HELLO] = "hello",
	[CTL_WELCOME] = "welcome",
	[CTL_ACK] = "ack",
	[CTL_RESYNC_REQUEST] = "resync-request",
	[CTL_KEEPALIVE] = "keepalive",
	[CTL_ERROR] = "error",
};

/* Body bytes of each fixed-size type; text types add their text. */
static const uint32_t body_size[] = {
	[CTL_HELLO] = 4,
	[CTL_WELCOME] = 48,
	[CTL_ACK] = 16,
	[CTL_RESYNC_REQUEST] = TEXT_HDR,
	[CTL_KEEPALIVE] = 0,
	[CTL_ERROR] = TEXT_HDR,
};

const char *
ctl_type_name(unsigned type)
{
	if (type == 0 || type > CTL_TYPE_MAX)
		return NULL;
	return type_names[type];
}

static bool
is_text_type(unsigned type)
{
	return type == CTL_RESYNC_REQUEST || type == CTL_ERROR;
}

void
ctl_msg_init(struct ctl_msg *m, enum ctl_type type, uint64_t session_id,
	     uint64_t seq)
{
	memset(m, 0, sizeof(*m));
	m->hdr.version = CTL_PROTO_VERSION;
	m->hdr.type = (uint16_t)type;
	m->hdr.session_id = session_id;
	m->hdr.seq = seq;
}

void
ctl_msg_text(struct ctl_msg *m, enum ctl_type type, uint64_t session_id,
	     uint64_t seq, uint32_t code, const char *fmt, ...)
{
	struct ctl_text *t = type == CTL_ERROR ? &m->error : &m->resync;
	va_list ap;

	ctl_msg_init(m, type, session_id, seq);
	t->code = code;
	va_start(ap, fmt);
	vsnprintf(t->text, sizeof(t->text), fmt, ap);
	va_end(ap);
	for (char *c = t->text; *c != '\0'; c++) {
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	}
}

/* One line for a log: no control characters. */
static bool
text_ok(const char *s, size_t len)
{
	if (len > CTL_TEXT_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	}
	return true;
}

/*
 * Field rules, shared by encoder and decoder.
 */

static int
check_welcome(const struct ctl_msg *m, char *err, size_t errlen)
{
	const struct ctl_welcome *w = &m->welcome;

	if (m->hdr.session_id == 0)
		return err_set(err, errlen, "welcome: session id 0");
	if (w->ring_count < 2 || (w->ring_count & (w->ring_count - 1)) != 0)
		return err_set(err, errlen, "welcome: ring of %u slots is not a "
			       "power of two", w->ring_count);
	if (w->msg_size != sizeof(struct update_msg))
		return err_set(err, errlen, "welcome: %u-byte update messages, "
			       "this side uses %zu", w->msg_size,
			       sizeof(struct update_msg));
	if (w->n_slots == 0 || w->slot_size == 0 || w->shm_size == 0)
		return err_set(err, errlen, "welcome: empty region or slots");
	if (w->cache_state > CTL_CACHE_REFUSED)
		return err_set(err, errlen, "welcome: cache state %u unknown",
			       w->cache_state);
	if (w->pid == 0)
		return err_set(err, errlen, "welcome: pid 0");
	return 0;
}

static int
check_ack(const struct ctl_ack *a, char *err, size_t errlen)
{
	if (a->stream != CTL_ACK_BINDINGS && a->stream != CTL_ACK_POLICY)
		return err_set(err, errlen, "ack: stream %u unknown", a->stream);
	if (a->result > CTL_ACK_REFUSED)
		return err_set(err, errlen, "ack: result %u unknown", a->result);
	if (a->generation == 0)
		return err_set(err, errlen, "ack: generation 0");
	return 0;
}

static int
check_body(const struct ctl_msg *m, char *err, size_t errlen)
{
	switch (m->hdr.type) {
	case CTL_HELLO:
		if (m->hello.pid == 0)
			return err_set(err, errlen, "hello: pid 0");
		return 0;
	case CTL_WELCOME:
		return check_welcome(m, err, errlen);
	case CTL_ACK:
		return check_ack(&m->ack, err, errlen);
	case CTL_RESYNC_REQUEST:
		if (m->resync.code == 0 || m->resync.code > CTL_RESYNC_REASON_MAX)
			return err_set(err, errlen, "resync-request: reason %u "
				       "unknown", m->resync.code);
		return 0;
	default:
		return 0; /* KEEPALIVE has no body; any ERROR code is shown */
	}
}

/*
 * Encoding.
 */

static void
put_body(struct wire_writer *w, const struct ctl_msg *m, size_t text_len)
{
	const struct ctl_welcome *wl = &m->welcome;
	const struct ctl_text *t = m->hdr.type == CTL_ERROR ? &m->error : &m->resync;

	switch (m->hdr.type) {
	case CTL_HELLO:
		wire_put_u32(w, m->hello.pid);
		break;
	case CTL_WELCOME:
		wire_put_u64(w, wl->shm_size);
		wire_put_u32(w, wl->ring_count);
		wire_put_u32(w, wl->msg_size);
		wire_put_u32(w, wl->n_slots);
		wire_put_u32(w, wl->slot_size);
		wire_put_u64(w, wl->bindings_generation);
		wire_put_u64(w, wl->policy_generation);
		wire_put_u32(w, wl->cache_state);
		wire_put_u32(w, wl->pid);
		break;
	case CTL_ACK:
		wire_put_u32(w, m->ack.stream);
		wire_put_u32(w, m->ack.result);
		wire_put_u64(w, m->ack.generation);
		break;
	case CTL_RESYNC_REQUEST:
	case CTL_ERROR:
		wire_put_u32(w, t->code);
		wire_put_u32(w, (uint32_t)text_len);
		wire_put_bytes(w, t->text, text_len);
		break;
	default:
		break;
	}
}

int
ctl_msg_encode(const struct ctl_msg *m, uint8_t *buf, size_t cap, size_t *len,
	       char *err, size_t errlen)
{
	const char *name = ctl_type_name(m->hdr.type);
	struct wire_writer w;
	size_t text_len = 0;
	uint32_t body;

	*len = 0;
	if (name == NULL)
		return err_set(err, errlen, "message type %u unknown", m->hdr.type);
	if (is_text_type(m->hdr.type)) {
		const struct ctl_text *t = m->hdr.type == CTL_ERROR ? &m->error :
								     &m->resync;

		text_len = strnlen(t->text, sizeof(t->text));
		if (!text_ok(t->text, text_len))
			return err_set(err, errlen, "%s: text longer than %u bytes "
				       "or with control characters", name,
				       CTL_TEXT_MAX);
	}
	if (check_body(m, err, errlen) < 0)
		return -1;
	body = body_size[m->hdr.type] + (uint32_t)text_len;
	wire_writer_init(&w, buf, cap);
	wire_put_u16(&w, CTL_PROTO_VERSION);
	wire_put_u16(&w, m->hdr.type);
	wire_put_u32(&w, body);
	wire_put_u64(&w, m->hdr.session_id);
	wire_put_u64(&w, m->hdr.seq);
	put_body(&w, m, text_len);
	if (w.overflow)
		return err_set(err, errlen, "%s: %zu bytes, room for %zu", name,
			       w.pos, cap);
	*len = w.pos;
	return 0;
}

/*
 * Decoding.
 */

static void
get_text(struct wire_reader *r, struct ctl_text *t, const char *name)
{
	uint32_t len;
	const uint8_t *s;

	wire_get_u32(r, &t->code, "code");
	wire_get_u32(r, &len, "text length");
	if (r->failed)
		return;
	if (len != wire_left(r)) {
		wire_fail(r, "%s: text of %u bytes in a %zu-byte remainder", name,
			  len, wire_left(r));
		return;
	}
	s = wire_get_ptr(r, len, "text");
	if (s == NULL)
		return;
	if (!text_ok((const char *)s, len)) {
		wire_fail(r, "%s: text longer than %u bytes or with control "
			  "characters", name, CTL_TEXT_MAX);
		return;
	}
	memcpy(t->text, s, len);
	t->text[len] = '\0';
}

static void
get_body(struct wire_reader *r, struct ctl_msg *m, const char *name)
{
	struct ctl_welcome *w = &m->welcome;

	switch (m->hdr.type) {
	case CTL_HELLO:
		wire_get_u32(r, &m->hello.pid, "pid");
		break;
	case CTL_WELCOME:
		wire_get_u64(r, &w->shm_size, "region size");
		wire_get_u32(r, &w->ring_count, "ring count");
		wire_get_u32(r, &w->msg_size, "message size");
		wire_get_u32(r, &w->n_slots, "slot count");
		wire_get_u32(r, &w->slot_size, "slot size");
		wire_get_u64(r, &w->bindings_generation, "bindings generation");
		wire_get_u64(r, &w->policy_generation, "policy generation");
		wire_get_u32(r, &w->cache_state, "cache state");
		wire_get_u32(r, &w->pid, "pid");
		break;
	case CTL_ACK:
		wire_get_u32(r, &m->ack.stream, "stream");
		wire_get_u32(r, &m->ack.result, "result");
		wire_get_u64(r, &m->ack.generation, "generation");
		break;
	case CTL_RESYNC_REQUEST:
		get_text(r, &m->resync, name);
		break;
	case CTL_ERROR:
		get_text(r, &m->error, name);
		break;
	default:
		break;
	}
}

/* The header, and whether the body's length fits the datagram and type.
 * Returns 0, -EPROTONOSUPPORT or -EBADMSG. */
static int
get_header(struct wire_reader *r, struct ctl_msg *m, size_t len)
{
	struct ctl_hdr *h = &m->hdr;
	const char *name;
	bool text;

	wire_get_u16(r, &h->version, "version");
	wire_get_u16(r, &h->type, "type");
	wire_get_u32(r, &h->length, "length");
	wire_get_u64(r, &h->session_id, "session id");
	wire_get_u64(r, &h->seq, "sequence number");
	if (r->failed)
		return -EBADMSG;
	if (h->version != CTL_PROTO_VERSION && h->type != CTL_ERROR) {
		wire_fail(r, "protocol version %u, this side speaks %u",
			  h->version, CTL_PROTO_VERSION);
		return -EPROTONOSUPPORT;
	}
	name = ctl_type_name(h->type);
	text = is_text_type(h->type);
	if (name == NULL)
		wire_fail(r, "message type %u unknown", h->type);
	else if ((size_t)h->length != len - CTL_HDR_BYTES)
		wire_fail(r, "%s: header says %u body bytes, datagram has %zu",
			  name, h->length, len - CTL_HDR_BYTES);
	else if (text ? h->length < body_size[h->type] :
			h->length != body_size[h->type])
		wire_fail(r, "%s: body of %u bytes, expected %s%u", name,
			  h->length, text ? "at least " : "",
			  body_size[h->type]);
	return r->failed ? -EBADMSG : 0;
}

int
ctl_msg_decode(const uint8_t *buf, size_t len, struct ctl_msg *m, char *err,
	       size_t errlen)
{
	struct wire_reader r;
	int rc;

	memset(m, 0, sizeof(*m));
	if (len > CTL_MSG_MAX)
		return err_rc(-EBADMSG, err, errlen, "message of %zu bytes: at "
			      "most %u", len, CTL_MSG_MAX);
	if (len < CTL_HDR_BYTES)
		return err_rc(-EBADMSG, err, errlen, "message of %zu bytes is "
			      "shorter than the %u-byte header", len,
			      CTL_HDR_BYTES);
	wire_reader_init(&r, buf, len, err, errlen);
	rc = get_header(&r, m, len);
	if (rc < 0)
		return rc;
	get_body(&r, m, ctl_type_name(m->hdr.type));
	if (r.failed)
		return -EBADMSG;
	if (check_body(m, err, errlen) < 0)
		return -EBADMSG;
	return 0;
}

/*
 * The socket.
 */

/* Room for the one descriptor a WELCOME carries; more are cut (the kernel
 * closes what does not fit) and the message refused. */
union fd_cmsg {
	char buf[CMSG_SPACE(sizeof(int))];
	struct cmsghdr align;
};

int
ctl_send(int sock, const struct ctl_msg *m, int fd, char *err, size_t errlen)
{
	uint8_t buf[CTL_MSG_MAX];
	struct iovec iov = { .iov_base = buf };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	union fd_cmsg cm;
	size_t len;

	if (ctl_msg_encode(m, buf, sizeof(buf), &len, err, errlen) < 0)
		return -EINVAL;
	if ((m->hdr.type == CTL_WELCOME) != (fd >= 0))
		return err_rc(-EINVAL, err, errlen, "%s %s a descriptor",
			      ctl_type_name(m->hdr.type),
			      fd >= 0 ? "cannot carry" : "needs");
	iov.iov_len = len;
	if (fd >= 0) {
		struct cmsghdr *c;

		memset(&cm, 0, sizeof(cm));
		mh.msg_control = cm.buf;
		mh.msg_controllen = sizeof(cm.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	while (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0) {
		int rc = -errno;

		if (rc != -EINTR)
			return err_rc(rc, err, errlen, "send %s: %s",
				      ctl_type_name(m->hdr.type), strerror(-rc));
	}
	return 0;
}

int
ctl_refuse_version(int sock, const struct ctl_hdr *got, uint64_t session_id,
		   char *err, size_t errlen)
{
	struct ctl_msg m;

	ctl_msg_text(&m, CTL_ERROR, session_id, got->seq, CTL_ERR_VERSION,
		     "control protocol version %u is not spoken here (this side "
		     "speaks %u): run sgtgw-dataplane and sgtgw-controlplane of "
		     "the same release", got->version, CTL_PROTO_VERSION);
	return ctl_send(sock, &m, -1, err, errlen);
}

/* Every descriptor that came with the datagram: the first into *fd, the
 * rest (which no message may carry) closed at once. */
static int
take_fds(struct msghdr *mh, int *fd)
{
	int extra = 0;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c != NULL;
	     c = CMSG_NXTHDR(mh, c)) {
		size_t n;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int got;

			memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (*fd < 0) {
				*fd = got;
			} else {
				close(got);
				extra++;
			}
		}
	}
	return extra;
}

static ssize_t
recv_datagram(int sock, uint8_t *buf, size_t cap, int *fd, int *flags,
	      int *extra)
{
	struct iovec iov = { .iov_base = buf, .iov_len = cap };
	union fd_cmsg cm;
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cm.buf, .msg_controllen = sizeof(cm.buf),
	};
	ssize_t n;

	do {
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	*extra = take_fds(&mh, fd);
	*flags = mh.msg_flags;
	return n;
}

/* The descriptor rules: exactly one with a WELCOME, none otherwise. */
static int
check_fd(const struct ctl_msg *m, int *fd, int flags, int extra, char *err,
	 size_t errlen)
{
	const char *name = ctl_type_name(m->hdr.type);
	bool want = m->hdr.type == CTL_WELCOME;

	if ((flags & MSG_CTRUNC) != 0 || extra > 0)
		return err_rc(-EBADMSG, err, errlen, "%s came with more than one "
			      "descriptor", name);
	if (want && *fd < 0)
		return err_rc(-EBADMSG, err, errlen, "%s came without the "
			      "region's descriptor", name);
	if (!want && *fd >= 0)
		return err_rc(-EBADMSG, err, errlen, "%s came with a descriptor",
			      name);
	return 0;
}

int
ctl_recv(int sock, struct ctl_msg *m, int *fd, char *err, size_t errlen)
{
	uint8_t buf[CTL_MSG_MAX];
	int flags = 0, extra = 0, rc;
	ssize_t n;

	*fd = -1;
	memset(m, 0, sizeof(*m));
	n = recv_datagram(sock, buf, sizeof(buf), fd, &flags, &extra);
	if (n < 0)
		return err_rc((int)n, err, errlen, "receive: %s",
			      strerror((int)-n));
	/* Our messages are never empty, so 0 bytes is the peer's close. */
	if (n == 0 && *fd < 0)
		return err_rc(-EPIPE, err, errlen, "peer closed the connection");
	if ((flags & MSG_TRUNC) != 0)
		rc = err_rc(-EMSGSIZE, err, errlen, "message larger than %u bytes",
			    CTL_MSG_MAX);
	else
		rc = ctl_msg_decode(buf, (size_t)n, m, err, errlen);
	if (rc == 0)
		rc = check_fd(m, fd, flags, extra, err, errlen);
	if (rc < 0 && *fd >= 0) {
		close(*fd);
		*fd = -1;
	}
	return rc;
}
