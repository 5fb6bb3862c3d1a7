/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control-socket protocol over a real SOCK_SEQPACKET socketpair: every
 * message type round trip (WELCOME with its memfd), and a table of raw
 * datagrams that must be refused with a message: truncated, oversized,
 * wrong version, unknown type, lengths that disagree, descriptors where
 * none belong. Every truncation of every valid message is refused too.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctl_proto.h"
#include "wire_buf.h"

struct pair {
	int a, b;
};

static int
setup(void **state)
{
	struct pair *p = malloc(sizeof(*p));
	int sv[2];

	if (p == NULL || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		free(p);
		return -1;
	}
	p->a = sv[0];
	p->b = sv[1];
	*state = p;
	return 0;
}

static int
teardown(void **state)
{
	struct pair *p = *state;

	close(p->a);
	close(p->b);
	free(p);
	return 0;
}

static int
open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n;
}

/* Send m, receive it on the other end, and check the fd rule. */
static void
round_trip(struct pair *p, const struct ctl_msg *m, int fd, struct ctl_msg *got,
	   int *got_fd)
{
	char err[256];

	if (ctl_send(p->a, m, fd, err, sizeof(err)) != 0)
		fail_msg("send: %s", err);
	if (ctl_recv(p->b, got, got_fd, err, sizeof(err)) != 0)
		fail_msg("recv: %s", err);
	assert_int_equal(got->hdr.version, CTL_PROTO_VERSION);
	assert_int_equal(got->hdr.type, m->hdr.type);
	assert_int_equal(got->hdr.session_id, m->hdr.session_id);
	assert_int_equal(got->hdr.seq, m->hdr.seq);
}

static void
test_hello_ack_keepalive(void **state)
{
	struct ctl_msg m, got;
	int fd;

	ctl_msg_init(&m, CTL_HELLO, 0, 1);
	m.hello.pid = 4242;
	round_trip(*state, &m, -1, &got, &fd);
	assert_int_equal(got.hello.pid, 4242);
	assert_int_equal(got.hdr.length, 4);
	assert_int_equal(fd, -1);

	ctl_msg_init(&m, CTL_ACK, 77, 2);
	m.ack.stream = CTL_ACK_POLICY;
	m.ack.result = CTL_ACK_REFUSED;
	m.ack.generation = 1ull << 40;
	round_trip(*state, &m, -1, &got, &fd);
	assert_memory_equal(&got.ack, &m.ack, sizeof(m.ack));

	ctl_msg_init(&m, CTL_KEEPALIVE, 77, UINT64_MAX);
	round_trip(*state, &m, -1, &got, &fd);
	assert_int_equal(got.hdr.length, 0);
}

static void
test_text_messages(void **state)
{
	char long_text[CTL_TEXT_MAX + 100];
	struct ctl_msg m, got;
	int fd;

	ctl_msg_text(&m, CTL_RESYNC_REQUEST, 5, 3, CTL_RESYNC_GAP,
		     "bindings generation %u after %u", 12, 10);
	round_trip(*state, &m, -1, &got, &fd);
	assert_int_equal(got.resync.code, CTL_RESYNC_GAP);
	assert_string_equal(got.resync.text, "bindings generation 12 after 10");

	/* Cut to CTL_TEXT_MAX; newlines and tabs become '?'. */
	memset(long_text, 'x', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = '\0';
	long_text[3] = '\n';
	ctl_msg_text(&m, CTL_ERROR, 5, 4, CTL_ERR_INTERNAL, "%s", long_text);
	round_trip(*state, &m, -1, &got, &fd);
	assert_int_equal(strlen(got.error.text), CTL_TEXT_MAX);
	assert_int_equal(got.error.text[3], '?');
	assert_int_equal(got.error.code, CTL_ERR_INTERNAL);

	ctl_msg_text(&m, CTL_ERROR, 5, 5, 999, "%s", "");
	round_trip(*state, &m, -1, &got, &fd);
	assert_string_equal(got.error.text, "");
	assert_int_equal(got.error.code, 999); /* any code is shown */
}

static void
fill_welcome(struct ctl_msg *m)
{
	ctl_msg_init(m, CTL_WELCOME, 0x1122334455667788ull, 1);
	m->welcome.shm_size = 10u << 20;
	m->welcome.ring_count = 65536;
	m->welcome.msg_size = 32;
	m->welcome.n_slots = 2;
	m->welcome.slot_size = 4u << 20;
	m->welcome.bindings_generation = 1000;
	m->welcome.policy_generation = 17;
	m->welcome.cache_state = CTL_CACHE_LOADED;
	m->welcome.pid = 99;
}

static void
test_welcome_passes_memfd(void **state)
{
	struct ctl_msg m, got;
	struct stat a, b;
	int memfd = memfd_create("test", MFD_CLOEXEC), fd;
	char buf[6] = "";

	assert_true(memfd >= 0);
	assert_int_equal(write(memfd, "region", 6), 6);
	fill_welcome(&m);
	round_trip(*state, &m, memfd, &got, &fd);
	assert_memory_equal(&got.welcome, &m.welcome, sizeof(m.welcome));
	assert_true(fd >= 0);
	assert_int_not_equal(fd, memfd);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(fstat(memfd, &a), 0);
	assert_int_equal(fstat(fd, &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	assert_int_equal(pread(fd, buf, 6, 0), 6);
	assert_memory_equal(buf, "region", 6);
	close(fd);
	close(memfd);
}

static void
test_send_refuses(void **state)
{
	struct pair *p = *state;
	struct ctl_msg m;
	char err[256] = "";

	fill_welcome(&m);
	assert_int_equal(ctl_send(p->a, &m, -1, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "needs a descriptor"));
	ctl_msg_init(&m, CTL_KEEPALIVE, 1, 1);
	assert_int_equal(ctl_send(p->a, &m, 0, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "cannot carry a descriptor"));

	/* Rules the encoder shares with the decoder. */
	fill_welcome(&m);
	m.welcome.ring_count = 1000;
	assert_int_equal(ctl_send(p->a, &m, 0, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not a power of two"));
	ctl_msg_init(&m, CTL_ACK, 1, 1);
	m.ack.stream = CTL_ACK_BINDINGS;
	assert_int_equal(ctl_send(p->a, &m, -1, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "generation 0"));
	ctl_msg_init(&m, CTL_ERROR, 1, 1);
	strcpy(m.error.text, "two\nlines");
	assert_int_equal(ctl_send(p->a, &m, -1, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "control characters"));
	ctl_msg_init(&m, 42, 1, 1);
	assert_int_equal(ctl_send(p->a, &m, -1, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "type 42 unknown"));
}

/* A raw datagram: header fields as given, then body bytes. */
static size_t
raw(uint8_t *buf, uint16_t version, uint16_t type, uint32_t length,
    const void *body, size_t body_len)
{
	struct wire_writer w;

	wire_writer_init(&w, buf, CTL_MSG_MAX + 1000);
	wire_put_u16(&w, version);
	wire_put_u16(&w, type);
	wire_put_u32(&w, length);
	wire_put_u64(&w, 1);
	wire_put_u64(&w, 2);
	wire_put_bytes(&w, body, body_len);
	return w.pos;
}

struct raw_case {
	const char *name;
	uint16_t version, type;
	int32_t length;          /* -1: the body's true length */
	const char *body;        /* bytes, as a string literal */
	size_t body_len;
	int want_rc;
	const char *want;
};

#define B(s) s, sizeof(s) - 1

static const struct raw_case raw_cases[] = {
	{ "hello v1", 1, CTL_HELLO, -1, B("\x01\0\0\0"), 0, NULL },
	{ "hello v2", 2, CTL_HELLO, -1, B("\x01\0\0\0"), -EPROTONOSUPPORT,
	  "protocol version 2, this side speaks 1" },
	{ "hello v0", 0, CTL_HELLO, -1, B("\x01\0\0\0"), -EPROTONOSUPPORT,
	  "protocol version 0" },
	{ "error v7 still reads", 7, CTL_ERROR, -1,
	  B("\x01\0\0\0\x05\0\0\0v9 !!"), 0, NULL },
	{ "type 0", 1, 0, -1, B(""), -EBADMSG, "type 0 unknown" },
	{ "type 99", 1, 99, -1, B(""), -EBADMSG, "type 99 unknown" },
	{ "length too big", 1, CTL_HELLO, 8, B("\x01\0\0\0"), -EBADMSG,
	  "header says 8 body bytes, datagram has 4" },
	{ "length too small", 1, CTL_HELLO, 0, B("\x01\0\0\0"), -EBADMSG,
	  "header says 0" },
	{ "hello too long", 1, CTL_HELLO, -1, B("\x01\0\0\0\0\0\0\0"), -EBADMSG,
	  "body of 8 bytes, expected 4" },
	{ "keepalive with body", 1, CTL_KEEPALIVE, -1, B("x"), -EBADMSG,
	  "body of 1 bytes, expected 0" },
	{ "ack short", 1, CTL_ACK, -1, B("\x01\0\0\0\0\0\0\0"), -EBADMSG,
	  "expected 16" },
	{ "ack stream 3", 1, CTL_ACK, -1,
	  B("\x03\0\0\0\0\0\0\0\x01\0\0\0\0\0\0\0"), -EBADMSG, "stream 3" },
	{ "hello pid 0", 1, CTL_HELLO, -1, B("\0\0\0\0"), -EBADMSG, "pid 0" },
	{ "error text short", 1, CTL_ERROR, -1, B("\x01\0\0\0\x09\0\0\0abc"),
	  -EBADMSG, "text of 9 bytes in a 3-byte remainder" },
	{ "error text long", 1, CTL_ERROR, -1, B("\x01\0\0\0\x01\0\0\0abc"),
	  -EBADMSG, "text of 1 bytes in a 3-byte remainder" },
	{ "error header only", 1, CTL_ERROR, -1, B("\x01\0\0\0"), -EBADMSG,
	  "expected at least 8" },
	{ "error text NUL", 1, CTL_ERROR, -1, B("\x01\0\0\0\x03\0\0\0a\0c"),
	  -EBADMSG, "control characters" },
	{ "resync reason 0", 1, CTL_RESYNC_REQUEST, -1, B("\0\0\0\0\0\0\0\0"),
	  -EBADMSG, "reason 0" },
	{ "welcome without fd", 1, CTL_WELCOME, -1,
	  B("\0\0\xa0\0\0\0\0\0\0\0\x01\0\x20\0\0\0\x02\0\0\0\0\0\x40\0"
	    "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01\0\0\0"),
	  -EBADMSG, "without the region's descriptor" },
};

static void
test_raw_datagrams(void **state)
{
	struct pair *p = *state;
	uint8_t buf[CTL_MSG_MAX + 1000];

	for (size_t i = 0; i < sizeof(raw_cases) / sizeof(raw_cases[0]); i++) {
		const struct raw_case *c = &raw_cases[i];
		uint32_t len = c->length < 0 ? (uint32_t)c->body_len :
					       (uint32_t)c->length;
		size_t n = raw(buf, c->version, c->type, len, c->body, c->body_len);
		struct ctl_msg m;
		char err[256] = "";
		int fd, rc;

		assert_int_equal(send(p->a, buf, n, 0), (ssize_t)n);
		rc = ctl_recv(p->b, &m, &fd, err, sizeof(err));
		if (rc != c->want_rc)
			fail_msg("%s: rc %d, expected %d (%s)", c->name, rc,
				 c->want_rc, err);
		if (c->want != NULL && strstr(err, c->want) == NULL)
			fail_msg("%s: '%s' does not say '%s'", c->name, err, c->want);
		if (rc == -EPROTONOSUPPORT)
			assert_int_equal(m.hdr.version, c->version);
		assert_int_equal(fd, -1);
	}
}

static void
test_size_limits(void **state)
{
	struct pair *p = *state;
	uint8_t buf[CTL_MSG_MAX + 1000];
	struct ctl_msg m;
	char err[256] = "";
	int fd;

	memset(buf, 0, sizeof(buf));
	assert_int_equal(send(p->a, buf, CTL_MSG_MAX + 1, 0), CTL_MSG_MAX + 1);
	assert_int_equal(ctl_recv(p->b, &m, &fd, err, sizeof(err)), -EMSGSIZE);
	assert_non_null(strstr(err, "larger than 4096"));
	assert_int_equal(send(p->a, buf, 23, 0), 23);
	assert_int_equal(ctl_recv(p->b, &m, &fd, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "shorter than the 24-byte header"));
	/* The decoder alone refuses an oversized buffer too. */
	assert_int_equal(ctl_msg_decode(buf, CTL_MSG_MAX + 1, &m, err,
					sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "at most 4096"));
}

/* Descriptors where none belong are closed, never leaked. */
static void
send_with_fds(int sock, const uint8_t *buf, size_t len, const int *fds, int n)
{
	union {
		char b[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} cm;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cm.b,
			     .msg_controllen = CMSG_SPACE(n * sizeof(int)) };
	struct cmsghdr *c;

	memset(&cm, 0, sizeof(cm));
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(n * sizeof(int));
	memcpy(CMSG_DATA(c), fds, n * sizeof(int));
	assert_int_equal(sendmsg(sock, &mh, 0), (ssize_t)len);
}

static void
test_stray_descriptors(void **state)
{
	struct pair *p = *state;
	uint8_t buf[CTL_MSG_MAX];
	int fds[2] = { memfd_create("x", MFD_CLOEXEC), memfd_create("y", MFD_CLOEXEC) };
	struct ctl_msg m;
	char err[256] = "";
	size_t n;
	int before, fd;

	assert_true(fds[0] >= 0 && fds[1] >= 0);
	before = open_fds();
	ctl_msg_init(&m, CTL_KEEPALIVE, 1, 1);
	assert_int_equal(ctl_msg_encode(&m, buf, sizeof(buf), &n, err,
					sizeof(err)), 0);
	send_with_fds(p->a, buf, n, fds, 1);
	assert_int_equal(ctl_recv(p->b, &m, &fd, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "keepalive came with a descriptor"));
	assert_int_equal(fd, -1);
	assert_int_equal(open_fds(), before);

	fill_welcome(&m);
	assert_int_equal(ctl_msg_encode(&m, buf, sizeof(buf), &n, err,
					sizeof(err)), 0);
	send_with_fds(p->a, buf, n, fds, 2);
	assert_int_equal(ctl_recv(p->b, &m, &fd, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "more than one descriptor"));
	assert_int_equal(fd, -1);
	assert_int_equal(open_fds(), before);
	close(fds[0]);
	close(fds[1]);
}

static void
test_closed_and_empty(void **state)
{
	struct pair *p = *state;
	struct ctl_msg m;
	char err[256] = "";
	int fd;

	assert_int_equal(fcntl(p->b, F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(ctl_recv(p->b, &m, &fd, err, sizeof(err)), -EAGAIN);
	close(p->a);
	p->a = open("/dev/null", O_RDONLY | O_CLOEXEC); /* for teardown */
	assert_int_equal(ctl_recv(p->b, &m, &fd, err, sizeof(err)), -EPIPE);
	assert_non_null(strstr(err, "peer closed"));
	ctl_msg_init(&m, CTL_KEEPALIVE, 1, 1);
	assert_int_equal(ctl_send(p->b, &m, -1, err, sizeof(err)), -EPIPE);
}

/* The dataplane's answer to a newer controlplane: a readable ERROR. */
static void
test_version_mismatch_flow(void **state)
{
	struct pair *p = *state;
	uint8_t buf[64];
	size_t n = raw(buf, 9, CTL_HELLO, 4, "\x07\0\0\0", 4);
	struct ctl_msg m, reply;
	char err[256] = "";
	int fd;

	assert_int_equal(send(p->a, buf, n, 0), (ssize_t)n);
	assert_int_equal(ctl_recv(p->b, &m, &fd, err, sizeof(err)),
			 -EPROTONOSUPPORT);
	assert_int_equal(m.hdr.seq, 2);
	assert_int_equal(ctl_refuse_version(p->b, &m.hdr, 77, err, sizeof(err)), 0);
	assert_int_equal(ctl_recv(p->a, &reply, &fd, err, sizeof(err)), 0);
	assert_int_equal(reply.hdr.type, CTL_ERROR);
	assert_int_equal(reply.hdr.seq, 2);
	assert_int_equal(reply.hdr.session_id, 77);
	assert_int_equal(reply.error.code, CTL_ERR_VERSION);
	assert_non_null(strstr(reply.error.text, "version 9 is not spoken here "
			       "(this side speaks 1)"));
}

/* Every proper prefix of every valid message is refused by the decoder. */
static void
test_every_truncation(void **state)
{
	struct ctl_msg msgs[6], m;
	uint8_t buf[CTL_MSG_MAX];
	char err[256];

	(void)state;
	ctl_msg_init(&msgs[0], CTL_HELLO, 0, 1);
	msgs[0].hello.pid = 1;
	fill_welcome(&msgs[1]);
	ctl_msg_init(&msgs[2], CTL_ACK, 1, 1);
	msgs[2].ack.stream = CTL_ACK_BINDINGS;
	msgs[2].ack.generation = 5;
	ctl_msg_text(&msgs[3], CTL_RESYNC_REQUEST, 1, 1, CTL_RESYNC_STARTUP, "up");
	ctl_msg_init(&msgs[4], CTL_KEEPALIVE, 1, 1);
	ctl_msg_text(&msgs[5], CTL_ERROR, 1, 1, CTL_ERR_BUSY, "busy");
	for (size_t i = 0; i < 6; i++) {
		size_t n;

		assert_int_equal(ctl_msg_encode(&msgs[i], buf, sizeof(buf), &n, err,
						sizeof(err)), 0);
		assert_int_equal(ctl_msg_decode(buf, n, &m, err, sizeof(err)), 0);
		for (size_t len = 0; len < n; len++) {
			err[0] = '\0';
			if (ctl_msg_decode(buf, len, &m, err, sizeof(err)) == 0)
				fail_msg("%s cut to %zu bytes decoded",
					 ctl_type_name(msgs[i].hdr.type), len);
			assert_true(strlen(err) > 0);
		}
		/* A small buffer is refused by the encoder, not overrun. */
		assert_int_equal(ctl_msg_encode(&msgs[i], buf, n - 1, &n, err,
						sizeof(err)), -1);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hello_ack_keepalive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_text_messages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_welcome_passes_memfd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_refuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_raw_datagrams, setup, teardown),
		cmocka_unit_test_setup_teardown(test_size_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stray_descriptors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_closed_and_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_version_mismatch_flow, setup, teardown),
		cmocka_unit_test(test_every_truncation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
