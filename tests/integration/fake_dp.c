/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fake_dp: a stand-in for sgtgw-dataplane's side of docs/sync.md, for the
 * controlplane's integration tests. It listens on a control socket,
 * answers HELLO with WELCOME and a fresh shared region (shm_channel_create,
 * as the dataplane does), drains the ring, checks every message
 * (update_msg_check) and the generation rules of docs/sync.md, and prints
 * one line per event on stdout for the test to read:
 *
 *   listening PATH
 *   session ID pid=N                       a HELLO was answered
 *   resync-begin g=N
 *   add PREFIX sgt=N src=NAME g=N          del PREFIX sgt=N src=NAME g=N
 *   policy g=N len=N crc ok sgacls=N cells=N
 *   resync-end g=N
 *   invalid WHY / gap WHY / policy-error g=N WHY
 *   resync-request sent                     busy-refused
 *   closed WHY
 *
 * It acknowledges as the dataplane does (ACK per drained batch and per
 * snapshot, applied generations in the shared header) and on a bad message
 * discards the ring up to the next RESYNC_BEGIN and asks for a resync.
 * Commands on stdin, one per line: resync (send RESYNC_REQUEST), pause /
 * resume (stop / restart draining, so the ring fills), mute / unmute (stop
 * / restart keepalives and acks, so the controlplane finds it silent),
 * close (drop the connection), quit.
 *
 * Not installed; a test helper, not a reference dataplane.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "binding.h"
#include "ctl_proto.h"
#include "policy_wire.h"
#include "shm_channel.h"
#include "update_msg.h"

#define BATCH 256u

struct opts {
	const char *path;
	struct shm_channel_params region;
	unsigned rate;                  /* messages per millisecond; 0: all */
	uint64_t bindings_gen, policy_gen;
	uint32_t cache_state;
};

struct fake {
	struct opts o;
	int lfd, fd;
	struct shm_channel *ch;
	uint64_t session, seq;
	uint64_t last_rx_ms, next_ka_ms;
	bool paused, muted, quit;
	/* the generation rules */
	bool started, discarding, in_resync, policy_free;
	uint64_t next_bgen, last_pgen;
	uint64_t applied_bgen, applied_pgen, acked_bgen;
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void
send_msg(struct fake *f, struct ctl_msg *m, int fd)
{
	char err[256];

	if (ctl_send(f->fd, m, fd, err, sizeof(err)) < 0)
		printf("send-error %s\n", err);
}

static void
drop_conn(struct fake *f, const char *why)
{
	if (f->fd < 0)
		return;
	printf("closed %s\n", why);
	close(f->fd);
	f->fd = -1;
	shm_channel_close(f->ch);
	f->ch = NULL;
}

/* ---- the ring ----------------------------------------------------------- */

static void
ask_resync(struct fake *f, uint32_t reason, const char *why)
{
	struct ctl_msg m;

	f->discarding = true;
	ctl_msg_text(&m, CTL_RESYNC_REQUEST, f->session, ++f->seq, reason, "%s",
		     why);
	send_msg(f, &m, -1);
	printf("resync-request sent\n");
}

static void
print_binding(const struct update_msg *m)
{
	struct binding b;
	char pfx[64];

	update_msg_to_binding(m, &b);
	printf("%s %s sgt=%u src=%s g=%" PRIu64 "\n",
	       m->type == UPDATE_BINDING_ADD ? "add" : "del",
	       binding_prefix_str(b.family, b.prefix_len, b.addr, pfx, sizeof(pfx)),
	       b.sgt, binding_source_name(b.source), m->generation);
}

static void
apply_policy(struct fake *f, const struct update_msg *m)
{
	struct policy p;
	struct ctl_msg a;
	uint8_t *blob;
	size_t len;
	char err[512];

	if (shm_channel_slot_read(f->ch, m, &blob, &len, err, sizeof(err)) < 0) {
		printf("policy-error g=%" PRIu64 " %s\n", m->generation, err);
		return;
	}
	if (policy_wire_decode(blob, len, &p, err, sizeof(err)) < 0) {
		printf("policy-error g=%" PRIu64 " %s\n", m->generation, err);
	} else {
		printf("policy g=%" PRIu64 " len=%zu crc ok sgacls=%u cells=%u\n",
		       m->generation, len, p.n_sgacls, p.n_cells);
		policy_model_free(&p);
		f->applied_pgen = m->generation;
		if (!f->muted) {
			ctl_msg_init(&a, CTL_ACK, f->session, ++f->seq);
			a.ack.stream = CTL_ACK_POLICY;
			a.ack.result = CTL_ACK_APPLIED;
			a.ack.generation = m->generation;
			send_msg(f, &a, -1);
		}
	}
	free(blob);
}

/* docs/sync.md, "Generations, precisely". Returns false (and says why)
 * for a message out of sequence. */
static bool
in_sequence(struct fake *f, const struct update_msg *m, char *why, size_t len)
{
	if (m->type == UPDATE_RESYNC_BEGIN) {
		f->started = true;
		f->in_resync = true;
		f->policy_free = true;
		f->next_bgen = m->generation + 1;
		return true;
	}
	if (!f->started) {
		snprintf(why, len, "%s before the first resync-begin",
			 update_type_name(m->type));
		return false;
	}
	if (m->type == UPDATE_POLICY_SNAPSHOT) {
		if (!(f->policy_free && m->generation > f->last_pgen) &&
		    m->generation != f->last_pgen + 1) {
			snprintf(why, len, "policy g=%" PRIu64 " after g=%" PRIu64,
				 m->generation, f->last_pgen);
			return false;
		}
		f->policy_free = false;
		f->last_pgen = m->generation;
		return true;
	}
	if (m->generation != f->next_bgen) {
		snprintf(why, len, "%s g=%" PRIu64 ", expected g=%" PRIu64,
			 update_type_name(m->type), m->generation, f->next_bgen);
		return false;
	}
	if (m->type == UPDATE_RESYNC_END)
		f->in_resync = false;
	f->next_bgen++;
	return true;
}

static void
apply_one(struct fake *f, const struct update_msg *m)
{
	char why[256];

	if (f->discarding && m->type != UPDATE_RESYNC_BEGIN) {
		/* Free the slot of a discarded snapshot, as the contract says. */
		if (m->type == UPDATE_POLICY_SNAPSHOT) {
			uint8_t *blob = NULL;
			size_t len;

			shm_channel_slot_read(f->ch, m, &blob, &len, why,
					      sizeof(why));
			free(blob);
		}
		printf("discarded %s g=%" PRIu64 "\n",
		       update_type_name(m->type) ? update_type_name(m->type) : "?",
		       m->generation);
		return;
	}
	f->discarding = false;
	if (update_msg_check(m, why, sizeof(why)) < 0) {
		printf("invalid %s\n", why);
		ask_resync(f, CTL_RESYNC_REFUSED, why);
		return;
	}
	if (!in_sequence(f, m, why, sizeof(why))) {
		printf("gap %s\n", why);
		ask_resync(f, CTL_RESYNC_GAP, why);
		return;
	}
	if (m->type == UPDATE_POLICY_SNAPSHOT) {
		apply_policy(f, m);
		return;
	}
	if (m->type == UPDATE_RESYNC_BEGIN || m->type == UPDATE_RESYNC_END)
		printf("%s g=%" PRIu64 "\n", update_type_name(m->type),
		       m->generation);
	else
		print_binding(m);
	f->applied_bgen = m->generation;
}

static void
ack_bindings(struct fake *f)
{
	struct ctl_msg a;

	shm_channel_set_applied(f->ch, f->applied_bgen, f->applied_pgen);
	if (f->muted || f->applied_bgen == f->acked_bgen)
		return;
	ctl_msg_init(&a, CTL_ACK, f->session, ++f->seq);
	a.ack.stream = CTL_ACK_BINDINGS;
	a.ack.result = CTL_ACK_APPLIED;
	a.ack.generation = f->applied_bgen;
	send_msg(f, &a, -1);
	f->acked_bgen = f->applied_bgen;
}

static void
drain(struct fake *f)
{
	struct update_msg batch[BATCH];
	unsigned budget = f->o.rate ? f->o.rate : UINT32_MAX;

	while (f->ch != NULL && !f->paused && budget > 0) {
		unsigned want = budget < BATCH ? budget : BATCH;
		int n = shm_channel_dequeue(f->ch, batch, want, NULL);

		if (n <= 0) {
			if (n < 0)
				printf("invalid ring: %s\n", strerror(-n));
			break;
		}
		for (int i = 0; i < n && f->ch != NULL; i++)
			apply_one(f, &batch[i]);
		budget -= (unsigned)n;
		if (f->ch != NULL)
			ack_bindings(f);
	}
}

/* ---- the socket --------------------------------------------------------- */

static void
welcome(struct fake *f, const struct ctl_msg *hello)
{
	struct shm_channel_info info;
	struct ctl_msg m;
	char err[256];

	if (shm_channel_create(&f->o.region, &f->ch, err, sizeof(err)) < 0) {
		printf("region-error %s\n", err);
		drop_conn(f, "no region");
		return;
	}
	shm_channel_info(f->ch, &info);
	f->session = info.session_id;
	f->started = f->discarding = f->in_resync = false;
	f->last_pgen = f->o.policy_gen;
	f->applied_bgen = f->acked_bgen = f->o.bindings_gen;
	f->applied_pgen = f->o.policy_gen;
	ctl_msg_init(&m, CTL_WELCOME, f->session, ++f->seq);
	m.welcome.shm_size = info.region_size;
	m.welcome.ring_count = info.ring_count;
	m.welcome.msg_size = info.msg_size;
	m.welcome.n_slots = info.n_slots;
	m.welcome.slot_size = info.slot_size;
	m.welcome.bindings_generation = f->o.bindings_gen;
	m.welcome.policy_generation = f->o.policy_gen;
	m.welcome.cache_state = f->o.cache_state;
	m.welcome.pid = (uint32_t)getpid();
	send_msg(f, &m, shm_channel_fd(f->ch));
	printf("session %016" PRIx64 " pid=%u\n", f->session, hello->hello.pid);
}

static void
on_msg(struct fake *f, const struct ctl_msg *m)
{
	switch (m->hdr.type) {
	case CTL_HELLO:
		if (f->ch == NULL)
			welcome(f, m);
		else
			printf("unexpected hello\n");
		break;
	case CTL_KEEPALIVE:
		break;
	case CTL_ERROR:
		printf("error-received %u %s\n", m->error.code, m->error.text);
		drop_conn(f, "error received");
		break;
	default:
		printf("unexpected %s\n", ctl_type_name(m->hdr.type));
		break;
	}
}

static void
read_conn(struct fake *f)
{
	while (f->fd >= 0) {
		struct ctl_msg m;
		char err[256];
		int fd = -1, rc = ctl_recv(f->fd, &m, &fd, err, sizeof(err));

		if (rc == -EAGAIN)
			return;
		if (rc < 0) {
			drop_conn(f, rc == -EPIPE ? "peer closed" : err);
			return;
		}
		f->last_rx_ms = now_ms();
		on_msg(f, &m);
	}
}

/* One controlplane at a time: a second one hears BUSY. */
static void
accept_conn(struct fake *f)
{
	int fd = accept4(f->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	struct ctl_msg m;
	char err[256];

	if (fd < 0)
		return;
	if (f->fd >= 0) {
		ctl_msg_text(&m, CTL_ERROR, 0, 1, CTL_ERR_BUSY, "another "
			     "controlplane is attached");
		ctl_send(fd, &m, -1, err, sizeof(err));
		close(fd);
		printf("busy-refused\n");
		return;
	}
	f->fd = fd;
	f->last_rx_ms = now_ms();
	f->next_ka_ms = now_ms() + 1000;
}

static void
keepalive(struct fake *f)
{
	struct ctl_msg m;
	uint64_t now = now_ms();

	if (f->fd < 0)
		return;
	if (now - f->last_rx_ms >= 5000) {
		drop_conn(f, "controlplane silent for 5 s");
		return;
	}
	if (now < f->next_ka_ms || f->muted)
		return;
	f->next_ka_ms = now + 1000;
	if (f->ch != NULL)
		shm_channel_beat(f->ch);
	ctl_msg_init(&m, CTL_KEEPALIVE, f->session, ++f->seq);
	send_msg(f, &m, -1);
}

static void
command(struct fake *f, const char *line)
{
	if (strcmp(line, "resync") == 0 && f->ch != NULL)
		ask_resync(f, CTL_RESYNC_OPERATOR, "asked by the test");
	else if (strcmp(line, "pause") == 0)
		f->paused = true;
	else if (strcmp(line, "resume") == 0)
		f->paused = false;
	else if (strcmp(line, "mute") == 0)
		f->muted = true;
	else if (strcmp(line, "unmute") == 0)
		f->muted = false;
	else if (strcmp(line, "close") == 0)
		drop_conn(f, "asked by the test");
	else if (strcmp(line, "quit") == 0)
		f->quit = true;
	else
		printf("unknown-command %s\n", line);
	printf("done %s\n", line);
}

/* stdin by read(2), not stdio: poll must see every line that is not
 * handled yet, and stdio would hide lines in its buffer. */
static void
read_stdin(struct fake *f)
{
	static char buf[512];
	static size_t used;
	ssize_t n = read(STDIN_FILENO, buf + used, sizeof(buf) - 1 - used);
	char *line, *nl;

	if (n <= 0) {
		f->quit = true;
		return;
	}
	used += (size_t)n;
	buf[used] = '\0';
	line = buf;
	while ((nl = strchr(line, '\n')) != NULL) {
		*nl = '\0';
		line[strcspn(line, "\r")] = '\0';
		command(f, line);
		line = nl + 1;
	}
	used = strlen(line);
	memmove(buf, line, used + 1);
	if (used == sizeof(buf) - 1)
		used = 0;	/* a line this long is no command: forget it */
}

/* ---- start ---------------------------------------------------------------- */

static int
listen_on(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0 || strlen(path) >= sizeof(sa.sun_path))
		return -1;
	strcpy(sa.sun_path, path);
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 4) < 0)
		return -1;
	return fd;
}

static uint32_t
number(const char *s)
{
	return (uint32_t)strtoul(s, NULL, 0);
}

static int
parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "ring", required_argument, NULL, 'r' },
		{ "slots", required_argument, NULL, 'n' },
		{ "slot-size", required_argument, NULL, 'z' },
		{ "rate", required_argument, NULL, 'R' },
		{ "bindings-gen", required_argument, NULL, 'b' },
		{ "policy-gen", required_argument, NULL, 'p' },
		{ "cache-loaded", no_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->region.ring_count = 1024;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 's': o->path = optarg; break;
		case 'r': o->region.ring_count = number(optarg); break;
		case 'n': o->region.n_slots = number(optarg); break;
		case 'z': o->region.slot_size = number(optarg); break;
		case 'R': o->rate = number(optarg); break;
		case 'b': o->bindings_gen = strtoull(optarg, NULL, 0); break;
		case 'p': o->policy_gen = strtoull(optarg, NULL, 0); break;
		case 'c': o->cache_state = CTL_CACHE_LOADED; break;
		default: return -1;
		}
	}
	return o->path ? 0 : -1;
}

int
main(int argc, char **argv)
{
	struct fake f = { .fd = -1 };

	if (parse(argc, argv, &f.o) < 0) {
		fprintf(stderr, "usage: fake_dp --socket PATH [--ring N] [--slots N] "
			"[--slot-size N] [--rate N] [--bindings-gen G] "
			"[--policy-gen G] [--cache-loaded]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	f.lfd = listen_on(f.o.path);
	if (f.lfd < 0) {
		fprintf(stderr, "fake_dp: listen on %s: %s\n", f.o.path,
			strerror(errno));
		return 1;
	}
	printf("listening %s\n", f.o.path);
	while (!f.quit) {
		struct pollfd p[3] = {
			{ .fd = f.lfd, .events = POLLIN },
			{ .fd = STDIN_FILENO, .events = POLLIN },
			{ .fd = f.fd, .events = POLLIN },
		};

		poll(p, f.fd >= 0 ? 3 : 2, f.fd >= 0 ? 1 : 100);
		if (p[0].revents)
			accept_conn(&f);
		if (p[1].revents)
			read_stdin(&f);
		if (f.fd >= 0 && p[2].revents)
			read_conn(&f);
		drain(&f);
		keepalive(&f);
	}
	drop_conn(&f, "quit");
	close(f.lfd);
	unlink(f.o.path);
	return 0;
}
