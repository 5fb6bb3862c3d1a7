/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fake_cp: a stand-in for sgtgw-controlplane's side of docs/sync.md, for
 * the dataplane's integration tests (test_managed_dp.py). It connects to
 * the dataplane's control socket, says HELLO, attaches the region WELCOME
 * hands over, keeps the session alive, and pushes the update messages its
 * commands describe. Commands on stdin, one per line:
 *
 *   add PREFIX SGT [SOURCE]    BINDING_ADD (source cli, sxp, local,
 *                              internal; default cli)
 *   del PREFIX [SGT [SOURCE]]  BINDING_DEL
 *   policy FILE.yaml           POLICY_SNAPSHOT of the file's policy
 *   policy-junk                POLICY_SNAPSHOT of bytes that are no policy
 *   resync-begin | resync-end  RESYNC_BEGIN / RESYNC_END
 *   skip N                     the next bindings generation jumps N ahead
 *   bad                        a message that fails update_msg_check
 *   churn N HOSTS SGT0 SGTS [PREFIX=SGT ...]
 *                              N binding messages in bulk, the pattern
 *                              below (test_live_updates.py)
 *   mute | unmute              stop / resume sending keepalives
 *   sleep-ms N                 wait (still answering the socket)
 *   quit
 *
 * Every bindings message takes the next bindings generation and every
 * snapshot the next policy generation, both counted from WELCOME's. Output,
 * one line per event:
 *
 *   welcome session=0x... bindings=N policy=N cache=none|loaded|refused
 *   done COMMAND               a command was carried out
 *   ack bindings|policy g=N applied|refused
 *   resync-request reason=N TEXT
 *   error code=N TEXT          an ERROR came (then exit status 3)
 *   closed                     the dataplane closed the connection
 *   fail TEXT                  this program failed (exit status 1)
 *
 * churn: message i of the session's churn (counted over every churn
 * command) is, when PREFIX=SGT pairs are given and i % 16 == 15, a
 * "neutral" toggle: toggle t = i / 16 adds pair t % P (P pairs) when
 * (t / P) is even, else deletes it. The test picks pairs whose add or
 * delete changes no verdict (a host inside a prefix of the same SGT).
 * Every other message is churn message c (counted likewise) on slot
 * h = c % HOSTS in round r = c / HOSTS: r % 3 == 0 or 1 adds the slot's
 * prefix with SGT SGT0 + (h + r) % SGTS and source 1 + (h + r) % 4 (round
 * 1 replaces round 0's), r % 3 == 2 deletes it. Slot h's prefix: h % 8 ==
 * 7, 2001:db8:100::h/128; h % 8 == 6, 11.(h >> 8 & 255).(h & 255).0/24;
 * else 10.(100 + (h >> 16)).(h >> 8 & 255).(h & 255)/32. Pushed in bulk,
 * waiting (and keeping the session alive) while the ring is full.
 *
 * Not installed; a test helper, not a reference controlplane.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "binding.h"
#include "config.h"
#include "ctl_proto.h"
#include "policy_wire.h"
#include "shm_channel.h"
#include "update_msg.h"

#define CONNECT_TRIES 100       /* 10 ms apart */
#define ENQUEUE_TRIES 5000      /* 1 ms apart */
#define POLL_MS 50

struct fake {
	int fd;
	struct shm_channel *ch;
	uint64_t session, seq;
	uint64_t bgen, pgen;
	uint64_t last_ka_ms;
	bool muted;
	uint64_t churn_i, churn_c;      /* churn messages so far: all, churn */
};

static const char *const cache_names[] = { "none", "loaded", "refused" };

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

__attribute__((format(printf, 1, 2), noreturn)) static void
die(const char *fmt, ...)
{
	va_list ap;

	printf("fail ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	exit(1);
}

static int
connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	if (fd < 0 || strlen(path) >= sizeof(sa.sun_path))
		die("socket %s: %s", path, strerror(errno));
	memcpy(sa.sun_path, path, strlen(path));
	for (int i = 0; i < CONNECT_TRIES; i++) {
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return fd;
		usleep(10000);
	}
	die("connect %s: %s", path, strerror(errno));
}

static void
send_msg(struct fake *f, struct ctl_msg *m)
{
	char err[256];

	if (ctl_send(f->fd, m, -1, err, sizeof(err)) < 0)
		die("%s", err);
}

/* One message from the dataplane, printed; false when it ended the
 * session. */
static bool
receive(struct fake *f)
{
	struct ctl_msg m;
	char err[CTL_TEXT_MAX + 64];
	int fd = -1, rc = ctl_recv(f->fd, &m, &fd, err, sizeof(err));

	if (rc == -EPIPE) {
		printf("closed\n");
		return false;
	}
	if (rc < 0)
		die("receive: %s", err);
	switch (m.hdr.type) {
	case CTL_ACK:
		printf("ack %s g=%" PRIu64 " %s\n",
		       m.ack.stream == CTL_ACK_BINDINGS ? "bindings" : "policy",
		       m.ack.generation,
		       m.ack.result == CTL_ACK_APPLIED ? "applied" : "refused");
		break;
	case CTL_RESYNC_REQUEST:
		printf("resync-request reason=%u %s\n", m.resync.code,
		       m.resync.text);
		break;
	case CTL_ERROR:
		printf("error code=%u %s\n", m.error.code, m.error.text);
		exit(3);
	case CTL_KEEPALIVE:
		break;
	default:
		die("unexpected %s", ctl_type_name(m.hdr.type));
	}
	return true;
}

static void
hello(struct fake *f)
{
	struct shm_channel_info info;
	struct ctl_msg m;
	char err[CTL_TEXT_MAX + 64];
	int fd = -1;

	ctl_msg_init(&m, CTL_HELLO, 0, ++f->seq);
	m.hello.pid = (uint32_t)getpid();
	/* A dataplane that refuses us (BUSY) may have hung up before our
	 * HELLO went: its ERROR is still there to read. */
	if (ctl_send(f->fd, &m, -1, err, sizeof(err)) < 0)
		printf("hello not sent: %s\n", err);
	if (ctl_recv(f->fd, &m, &fd, err, sizeof(err)) < 0)
		die("waiting for WELCOME: %s", err);
	if (m.hdr.type == CTL_ERROR) {
		printf("error code=%u %s\n", m.error.code, m.error.text);
		exit(3);
	}
	if (m.hdr.type != CTL_WELCOME)
		die("%s instead of WELCOME", ctl_type_name(m.hdr.type));
	if (shm_channel_attach(fd, &f->ch, err, sizeof(err)) < 0)
		die("attach: %s", err);
	close(fd);
	shm_channel_info(f->ch, &info);
	if (info.session_id != m.hdr.session_id)
		die("region session 0x%" PRIx64 ", WELCOME says 0x%" PRIx64,
		    info.session_id, m.hdr.session_id);
	f->session = m.hdr.session_id;
	f->bgen = m.welcome.bindings_generation;
	f->pgen = m.welcome.policy_generation;
	printf("welcome session=0x%016" PRIx64 " bindings=%" PRIu64
	       " policy=%" PRIu64 " cache=%s\n", f->session, f->bgen, f->pgen,
	       cache_names[m.welcome.cache_state]);
}

static void
keepalive(struct fake *f)
{
	struct ctl_msg m;
	uint64_t now = now_ms();

	if (f->muted || now - f->last_ka_ms < 1000)
		return;
	ctl_msg_init(&m, CTL_KEEPALIVE, f->session, ++f->seq);
	send_msg(f, &m);
	f->last_ka_ms = now;
}

/* Wait up to ms for the dataplane, answering it; false when it left. */
static bool
serve(struct fake *f, int ms)
{
	struct pollfd p = { .fd = f->fd, .events = POLLIN };
	uint64_t end = now_ms() + (uint64_t)ms;

	do {
		int left = (int)(end - now_ms());

		if (poll(&p, 1, left > 0 ? left : 0) > 0 && !receive(f))
			return false;
		keepalive(f);
	} while (now_ms() < end);
	return true;
}

/* The ring never drops: wait for room. */
static void
push(struct fake *f, const struct update_msg *m)
{
	for (int i = 0; i < ENQUEUE_TRIES; i++) {
		int rc = shm_channel_enqueue(f->ch, m, 1, NULL);

		if (rc == 1)
			return;
		if (rc < 0)
			die("enqueue: %s", strerror(-rc));
		usleep(1000);
	}
	die("the ring stayed full for %d ms", ENQUEUE_TRIES);
}

static int
source_of(const char *name)
{
	for (unsigned s = 1; s <= BINDING_SRC_MAX; s++) {
		if (strcmp(binding_source_name(s), name) == 0)
			return (int)s;
	}
	die("unknown source %s", name);
}

static void
parse_prefix(const char *text, struct binding *b)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(text, '/');
	size_t n = slash ? (size_t)(slash - text) : strlen(text);

	if (n >= sizeof(addr))
		die("bad prefix %s", text);
	memcpy(addr, text, n);
	addr[n] = '\0';
	if (inet_pton(AF_INET, addr, b->addr) == 1)
		b->family = AF_INET;
	else if (inet_pton(AF_INET6, addr, b->addr) == 1)
		b->family = AF_INET6;
	else
		die("bad prefix %s", text);
	b->prefix_len = (uint8_t)(slash ? atoi(slash + 1) :
				  b->family == AF_INET ? 32 : 128);
}

static void
binding_cmd(struct fake *f, enum update_type type, char **arg, int n)
{
	struct binding b = { .source = BINDING_SRC_CLI };
	struct update_msg m;

	if (n < 2 || (type == UPDATE_BINDING_ADD && n < 3))
		die("%s needs PREFIX%s", arg[0],
		    type == UPDATE_BINDING_ADD ? " SGT" : "");
	parse_prefix(arg[1], &b);
	if (n > 2)
		b.sgt = (sgt_t)atoi(arg[2]);
	if (n > 3)
		b.source = (uint8_t)source_of(arg[3]);
	update_msg_binding(&m, type, &b, ++f->bgen);
	push(f, &m);
}

/* n messages in order, waiting for room while the ring is full. */
static void
push_bulk(struct fake *f, const struct update_msg *m, unsigned n)
{
	uint64_t since = 0;

	while (n > 0) {
		int rc = shm_channel_enqueue(f->ch, m, n, NULL);

		if (rc < 0)
			die("enqueue: %s", strerror(-rc));
		m += rc;
		n -= (unsigned)rc;
		if (rc > 0)
			since = 0;
		if (n == 0)
			break;
		if (since == 0)
			since = now_ms();
		else if (now_ms() - since > ENQUEUE_TRIES)
			die("the ring stayed full for %d ms", ENQUEUE_TRIES);
		if (!serve(f, 0))
			exit(2);
		usleep(100);
	}
	keepalive(f);
}

static void
churn_slot(uint64_t h, struct binding *b)
{
	memset(b->addr, 0, sizeof(b->addr));
	if (h % 8 == 7) {
		b->family = AF_INET6;
		b->prefix_len = 128;
		b->addr[0] = 0x20, b->addr[1] = 0x01, b->addr[2] = 0x0d;
		b->addr[3] = 0xb8, b->addr[4] = 0x01, b->addr[5] = 0x00;
		b->addr[12] = (uint8_t)(h >> 24), b->addr[13] = (uint8_t)(h >> 16);
		b->addr[14] = (uint8_t)(h >> 8), b->addr[15] = (uint8_t)h;
	} else if (h % 8 == 6) {
		b->family = AF_INET;
		b->prefix_len = 24;
		b->addr[0] = 11, b->addr[1] = (uint8_t)(h >> 8);
		b->addr[2] = (uint8_t)h;
	} else {
		b->family = AF_INET;
		b->prefix_len = 32;
		b->addr[0] = 10, b->addr[1] = (uint8_t)(100 + (h >> 16));
		b->addr[2] = (uint8_t)(h >> 8), b->addr[3] = (uint8_t)h;
	}
}

static void
churn_cmd(struct fake *f, char **arg, int n)
{
	struct update_msg batch[256];
	struct binding neutral[8] = { 0 };
	unsigned n_neutral = 0, used = 0;
	uint64_t count, hosts, sgt0, sgts;

	if (n < 5 || n > 5 + 8)
		die("churn N HOSTS SGT0 SGTS [PREFIX=SGT ...] (at most 8 pairs)");
	count = strtoull(arg[1], NULL, 10);
	hosts = strtoull(arg[2], NULL, 10);
	sgt0 = strtoull(arg[3], NULL, 10);
	sgts = strtoull(arg[4], NULL, 10);
	if (hosts == 0 || sgts == 0 || hosts > (1u << 22))
		die("churn: bad HOSTS or SGTS");
	for (int k = 5; k < n; k++) {
		char *eq = strchr(arg[k], '=');
		struct binding *b = &neutral[n_neutral++];

		if (eq == NULL)
			die("churn: %s is not PREFIX=SGT", arg[k]);
		*eq = '\0';
		parse_prefix(arg[k], b);
		b->sgt = (sgt_t)atoi(eq + 1);
		b->source = BINDING_SRC_CLI;
	}
	for (uint64_t k = 0; k < count; k++, f->churn_i++) {
		struct binding b = { 0 };
		enum update_type type = UPDATE_BINDING_ADD;

		if (n_neutral > 0 && f->churn_i % 16 == 15) {
			uint64_t t = f->churn_i / 16;

			b = neutral[t % n_neutral];
			if ((t / n_neutral) % 2 != 0)
				type = UPDATE_BINDING_DEL;
		} else {
			uint64_t c = f->churn_c++, h = c % hosts, r = c / hosts;

			churn_slot(h, &b);
			b.sgt = (sgt_t)(sgt0 + (h + r) % sgts);
			b.source = (uint8_t)(1 + (h + r) % 4);
			if (r % 3 == 2)
				type = UPDATE_BINDING_DEL;
		}
		update_msg_binding(&batch[used++], type, &b, ++f->bgen);
		if (used == sizeof(batch) / sizeof(batch[0])) {
			push_bulk(f, batch, used);
			used = 0;
		}
	}
	push_bulk(f, batch, used);
}

static void
policy_cmd(struct fake *f, const char *path)
{
	char err[CONFIG_ERR_MAX];
	struct config *cfg = config_load(path, err, sizeof(err));
	struct update_msg m;
	uint8_t *blob;
	size_t len;
	int rc;

	if (cfg == NULL)
		die("%s", err);
	if (policy_wire_encode(&cfg->policy, &blob, &len, err, sizeof(err)) < 0)
		die("encode: %s", err);
	config_free(cfg);
	rc = shm_channel_slot_put(f->ch, blob, len, ++f->pgen, &m);
	free(blob);
	if (rc < 0)
		die("slot: %s", strerror(-rc));
	push(f, &m);
}

/* A snapshot the region carries intact (its CRC is right) but that does
 * not decode: the dataplane must refuse it and keep its policy. */
static void
junk_cmd(struct fake *f)
{
	static const char junk[] = "this is not a policy snapshot";
	struct update_msg m;
	int rc = shm_channel_slot_put(f->ch, junk, sizeof(junk), ++f->pgen, &m);

	if (rc < 0)
		die("slot: %s", strerror(-rc));
	push(f, &m);
}

static void
bad_cmd(struct fake *f)
{
	struct update_msg m;

	update_msg_resync(&m, UPDATE_RESYNC_BEGIN, ++f->bgen);
	m.sgt = 7;      /* resync messages carry no SGT */
	push(f, &m);
}

/* One command line; false for quit. */
static bool
command(struct fake *f, char *line)
{
	char *arg[16], *save = NULL;
	int n = 0;

	for (char *t = strtok_r(line, " \t\n", &save); t && n < 16;
	     t = strtok_r(NULL, " \t\n", &save))
		arg[n++] = t;
	if (n == 0)
		return true;
	if (strcmp(arg[0], "quit") == 0)
		return false;
	if (strcmp(arg[0], "add") == 0)
		binding_cmd(f, UPDATE_BINDING_ADD, arg, n);
	else if (strcmp(arg[0], "del") == 0)
		binding_cmd(f, UPDATE_BINDING_DEL, arg, n);
	else if (strcmp(arg[0], "policy") == 0 && n == 2)
		policy_cmd(f, arg[1]);
	else if (strcmp(arg[0], "policy-junk") == 0)
		junk_cmd(f);
	else if (strcmp(arg[0], "resync-begin") == 0 ||
		 strcmp(arg[0], "resync-end") == 0) {
		struct update_msg m;

		update_msg_resync(&m, arg[0][7] == 'b' ? UPDATE_RESYNC_BEGIN :
			       UPDATE_RESYNC_END, ++f->bgen);
		push(f, &m);
	} else if (strcmp(arg[0], "skip") == 0 && n == 2)
		f->bgen += strtoull(arg[1], NULL, 10);
	else if (strcmp(arg[0], "bad") == 0)
		bad_cmd(f);
	else if (strcmp(arg[0], "churn") == 0)
		churn_cmd(f, arg, n);
	else if (strcmp(arg[0], "mute") == 0)
		f->muted = true;
	else if (strcmp(arg[0], "unmute") == 0)
		f->muted = false;
	else if (strcmp(arg[0], "sleep-ms") == 0 && n == 2) {
		if (!serve(f, atoi(arg[1])))
			exit(2);
	} else
		die("unknown command %s", arg[0]);
	printf("done %s\n", arg[0]);
	return true;
}

/* Read what stdin has and carry out each whole line; false at the end
 * of input or on quit. (Not stdio: poll cannot see its buffer.) */
static bool
commands(struct fake *f, char *buf, size_t cap, size_t *used)
{
	ssize_t n = read(0, buf + *used, cap - 1 - *used);
	char *nl;

	if (n <= 0)
		return false;
	*used += (size_t)n;
	buf[*used] = '\0';
	while ((nl = strchr(buf, '\n')) != NULL) {
		size_t len = (size_t)(nl - buf) + 1;

		*nl = '\0';
		if (!command(f, buf))
			return false;
		memmove(buf, buf + len, *used - len + 1);
		*used -= len;
	}
	if (*used == cap - 1)
		die("command line too long");
	return true;
}

int
main(int argc, char **argv)
{
	struct fake f = { .fd = -1 };
	char buf[4096];
	size_t used = 0;

	if (argc != 3 || strcmp(argv[1], "--socket") != 0) {
		fprintf(stderr, "usage: %s --socket PATH\n", argv[0]);
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	f.fd = connect_to(argv[2]);
	hello(&f);
	f.last_ka_ms = now_ms();
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = 0, .events = POLLIN },
			{ .fd = f.fd, .events = POLLIN },
		};

		if (poll(p, 2, POLL_MS) < 0 && errno != EINTR)
			die("poll: %s", strerror(errno));
		if (p[1].revents != 0 && !receive(&f))
			return 2;
		if (p[0].revents != 0 && !commands(&f, buf, sizeof(buf), &used))
			break;
		keepalive(&f);
	}
	shm_channel_close(f.ch);
	close(f.fd);
	return 0;
}
