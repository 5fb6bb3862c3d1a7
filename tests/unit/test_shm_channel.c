/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The shared-memory update channel, with no rte_eal_init anywhere: the
 * region's properties (memfd, sealed, close-on-exec), a forked producer
 * that attaches by the inherited descriptor and pushes 1,000,000 messages
 * through a small ring while the parent drains it (none lost, none torn,
 * in order, back-pressure seen), attach refusing corrupted regions, and
 * the snapshot slots' state machine.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_ring.h>

#include "shm_channel.h"

#define MSGS 1000000u
#define BURST 32u
#define DEADLINE_S 120

static struct shm_channel *
create(uint32_t ring, uint32_t slots, uint32_t slot_size)
{
	struct shm_channel_params p = { .ring_count = ring, .n_slots = slots,
					.slot_size = slot_size };
	struct shm_channel *ch = NULL;
	char err[256];

	if (shm_channel_create(&p, &ch, err, sizeof(err)) != 0)
		fail_msg("create: %s", err);
	return ch;
}

static struct shm_channel *
attach(const struct shm_channel *dp)
{
	struct shm_channel *cp = NULL;
	char err[256];

	if (shm_channel_attach(shm_channel_fd(dp), &cp, err, sizeof(err)) != 0)
		fail_msg("attach: %s", err);
	return cp;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
test_region(void **state)
{
	struct shm_channel *dp = create(0, 0, 0), *cp;
	struct shm_channel_info a, b;
	int fd = shm_channel_fd(dp);
	int seals = fcntl(fd, F_GET_SEALS);

	(void)state;
	assert_true(fd >= 0);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(seals & (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL),
			 F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
	assert_int_equal(ftruncate(fd, 4096), -1);
	assert_int_equal(errno, EPERM);

	shm_channel_info(dp, &a);
	assert_int_equal(a.ring_count, SHM_CHANNEL_RING_DEFAULT);
	assert_int_equal(a.ring_capacity, SHM_CHANNEL_RING_DEFAULT - 1);
	assert_int_equal(a.n_slots, SHM_CHANNEL_SLOTS_DEFAULT);
	assert_int_equal(a.slot_size, SHM_CHANNEL_SLOT_DEFAULT);
	assert_int_equal(a.msg_size, 32);
	assert_int_not_equal(a.session_id, 0);
	cp = attach(dp);
	shm_channel_info(cp, &b);
	assert_memory_equal(&a, &b, sizeof(a));
	assert_int_equal(shm_channel_fd(cp), -1);
	shm_channel_close(cp);
	shm_channel_close(dp);
}

static void
test_bad_params(void **state)
{
	static const struct shm_channel_params bad[] = {
		{ .ring_count = 1000 },            /* not a power of two */
		{ .ring_count = 32 },              /* below the minimum */
		{ .ring_count = 1u << 23 },        /* above the maximum */
		{ .n_slots = 9 },
		{ .slot_size = 4097 },
		{ .slot_size = 512u << 20 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct shm_channel *ch = (struct shm_channel *)&ch;
		char err[256] = "";

		assert_int_equal(shm_channel_create(&bad[i], &ch, err, sizeof(err)),
				 -1);
		assert_null(ch);
		assert_true(strlen(err) > 10);
	}
}

/* Message seq: every byte derived from seq, so a torn copy shows. */
static void
make_msg(struct update_msg *m, uint64_t seq)
{
	struct binding b = { .family = AF_INET6, .prefix_len = 128,
			     .source = BINDING_SRC_SXP,
			     .sgt = (sgt_t)(seq % SGT_MAX) };

	for (int i = 0; i < 16; i++)
		b.addr[i] = (uint8_t)(seq * 131 + (uint64_t)i * 7);
	update_msg_binding(m, UPDATE_BINDING_ADD, &b, seq);
}

static void
test_roles_and_backpressure(void **state)
{
	struct shm_channel *dp = create(64, 1, 4096), *cp = attach(dp);
	struct update_msg in[100], out[100];
	unsigned space = 99, left = 99;

	(void)state;
	for (uint64_t i = 0; i < 100; i++)
		make_msg(&in[i], i + 1);
	assert_int_equal(shm_channel_enqueue(dp, in, 1, NULL), -EPERM);
	assert_int_equal(shm_channel_dequeue(cp, out, 1, NULL), -EPERM);
	assert_int_equal(shm_channel_dequeue(dp, out, 1, &left), 0);
	assert_int_equal(left, 0);

	/* 64 slots hold 63 messages: the rest is refused, and counted. */
	assert_int_equal(shm_channel_enqueue(cp, in, 100, &space), 63);
	assert_int_equal(space, 0);
	assert_int_equal(shm_channel_ring_full(dp), 1);
	assert_int_equal(shm_channel_pending(dp), 63);
	assert_int_equal(shm_channel_enqueue(cp, &in[63], 37, &space), 0);
	assert_int_equal(shm_channel_ring_full(cp), 2);

	assert_int_equal(shm_channel_dequeue(dp, out, 10, &left), 10);
	assert_int_equal(left, 53);
	assert_memory_equal(out, in, 10 * sizeof(in[0]));
	assert_int_equal(shm_channel_enqueue(cp, &in[63], 37, &space), 10);
	shm_channel_close(cp);
	shm_channel_close(dp);
}

/*
 * The producer: a child that attaches by the inherited descriptor (no EAL)
 * and pushes MSGS messages in bursts, retrying what a full ring refused.
 * Exit status: 0 done, 2 attach failed, 3 enqueue error, 4 deadline.
 */
static void
producer(int fd)
{
	struct shm_channel *cp;
	struct update_msg burst[BURST];
	uint64_t next = 1, full = 0;
	double end = now_s() + DEADLINE_S;
	char err[256];

	if (shm_channel_attach(fd, &cp, err, sizeof(err)) != 0) {
		fprintf(stderr, "producer: %s\n", err);
		_exit(2);
	}
	while (next <= MSGS) {
		unsigned n = MSGS - next + 1 < BURST ? MSGS - next + 1 : BURST;
		int done;

		for (unsigned i = 0; i < n; i++)
			make_msg(&burst[i], next + i);
		done = shm_channel_enqueue(cp, burst, n, NULL);
		if (done < 0)
			_exit(3);
		next += (unsigned)done;
		if ((unsigned)done < n) {
			full++;
			if (now_s() > end)
				_exit(4);
			sched_yield();
		}
	}
	shm_channel_close(cp);
	_exit(0);
}

static bool
child_alive(pid_t pid, int *status)
{
	return waitpid(pid, status, WNOHANG) == 0;
}

/* Wait until the producer has filled the ring, so back-pressure is
 * certain rather than a matter of scheduling. */
static void
wait_full(struct shm_channel *dp, pid_t pid, int *status, bool *reaped)
{
	struct shm_channel_info info;
	double end = now_s() + DEADLINE_S;

	shm_channel_info(dp, &info);
	while (shm_channel_pending(dp) < info.ring_capacity) {
		if (!child_alive(pid, status)) {
			*reaped = true;
			fail_msg("producer ended (status 0x%x) before filling the "
				 "ring", *status);
		}
		assert_true(now_s() < end);
		usleep(1000);
	}
}

static void
check_msg(const struct update_msg *got, uint64_t seq)
{
	struct update_msg want;

	make_msg(&want, seq);
	if (memcmp(got, &want, sizeof(want)) != 0)
		fail_msg("message %llu: got generation %llu, or torn",
			 (unsigned long long)seq,
			 (unsigned long long)got->generation);
}

static void
test_fork_million(void **state)
{
	struct shm_channel *dp = create(1024, 1, 4096);
	struct update_msg burst[BURST];
	uint64_t expect = 1;
	double end = now_s() + DEADLINE_S;
	bool reaped = false;
	int status = 0;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		producer(shm_channel_fd(dp));
	wait_full(dp, pid, &status, &reaped);
	while (expect <= MSGS) {
		int n = shm_channel_dequeue(dp, burst, BURST, NULL);

		assert_true(n >= 0);
		for (int i = 0; i < n; i++)
			check_msg(&burst[i], expect++);
		if (n == 0) {
			if (!reaped && !child_alive(pid, &status))
				reaped = true;
			if (reaped && shm_channel_pending(dp) == 0)
				break;
			assert_true(now_s() < end);
			sched_yield();
		}
	}
	if (!reaped)
		assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(expect, MSGS + 1);
	assert_int_equal(shm_channel_pending(dp), 0);
	assert_true(shm_channel_ring_full(dp) > 0);
	print_message("1,000,000 messages; the producer found the ring full "
		      "%llu times\n", (unsigned long long)shm_channel_ring_full(dp));
	shm_channel_close(dp);
}

/*
 * Attach refuses a corrupted region: each case overwrites a field through
 * the descriptor, expects a refusal naming it, and restores it.
 */
struct corruption {
	const char *name;
	size_t off;              /* from the region's start */
	size_t len;
	uint64_t value;
	const char *want;
};

#define HDR(f) offsetof(struct shm_channel_header, f), \
	sizeof(((struct shm_channel_header *)0)->f)
#define RING(f) SHM_CHANNEL_PAGE + offsetof(struct rte_ring, f), \
	sizeof(((struct rte_ring *)0)->f)

static const struct corruption corruptions[] = {
	{ "magic", HDR(magic), 0x1234, "not an sgtgw update region" },
	{ "version", HDR(layout_version), 2, "layout version 2" },
	{ "header size", HDR(header_size), 64, "region header of 64 bytes" },
	{ "message size", HDR(msg_size), 16, "16-byte messages" },
	{ "session", HDR(session_id), 0, "without a session id" },
	{ "region size", HDR(region_size), 1u << 20, "says 1048576 bytes" },
	{ "ring count", HDR(ring_count), 1000, "ring of 1000 messages" },
	{ "ring offset unaligned", HDR(ring_offset), 4100, "ring at 4100" },
	{ "ring offset zero", HDR(ring_offset), 0, "ring at 0" },
	{ "ring offset beyond", HDR(ring_offset), 1ull << 40, "ring at" },
	{ "ring bytes", HDR(ring_bytes), 64, "(64 bytes)" },
	{ "slots offset", HDR(slots_offset), 1ull << 40, "slots of" },
	{ "slots overlap ring", HDR(slots_offset), 4096, "slots of" },
	{ "no slots", HDR(n_slots), 0, "0 snapshot slots" },
	{ "nine slots", HDR(n_slots), 9, "9 snapshot slots" },
	{ "more slots than room", HDR(n_slots), 8, "8 slots of" },
	{ "slot size", HDR(slot_size), 5000, "slot of 5000 bytes" },
	{ "ring size field", RING(size), 2048, "ring is not" },
	{ "ring mask", RING(mask), 0xffffffff, "ring is not" },
	{ "ring flags", RING(flags), 0, "ring is not" },
	{ "ring producer sync", RING(prod.sync_type), RTE_RING_SYNC_MT,
	  "ring is not" },
};

static void
poke(int fd, size_t off, size_t len, uint64_t value)
{
	/* Little-endian host: the value's first len bytes are the field. */
	assert_int_equal(pwrite(fd, &value, len, (off_t)off), (ssize_t)len);
}

static void
test_attach_refuses_corruption(void **state)
{
	struct shm_channel *dp = create(1024, 2, 8192), *cp;
	int fd = shm_channel_fd(dp);

	(void)state;
	for (size_t i = 0; i < sizeof(corruptions) / sizeof(corruptions[0]); i++) {
		const struct corruption *c = &corruptions[i];
		uint8_t saved[8];
		char err[256] = "";

		assert_int_equal(pread(fd, saved, c->len, (off_t)c->off),
				 (ssize_t)c->len);
		poke(fd, c->off, c->len, c->value);
		cp = (struct shm_channel *)&cp;
		if (shm_channel_attach(fd, &cp, err, sizeof(err)) == 0)
			fail_msg("%s: attached", c->name);
		assert_null(cp);
		if (strstr(err, c->want) == NULL)
			fail_msg("%s: '%s' does not say '%s'", c->name, err, c->want);
		assert_int_equal(pwrite(fd, saved, c->len, (off_t)c->off),
				 (ssize_t)c->len);
	}
	cp = attach(dp);
	shm_channel_close(cp);
	shm_channel_close(dp);
}

static void
test_attach_refuses_other_fds(void **state)
{
	struct shm_channel *cp;
	char err[256];
	int unsealed = memfd_create("plain", MFD_CLOEXEC);
	int sv[2];

	(void)state;
	assert_true(unsealed >= 0);
	assert_int_equal(ftruncate(unsealed, 1 << 20), 0);
	assert_int_equal(shm_channel_attach(unsealed, &cp, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "sealed"));
	assert_int_equal(ftruncate(unsealed, 100), 0);
	assert_int_equal(shm_channel_attach(unsealed, &cp, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a region"));
	close(unsealed);

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	assert_int_equal(shm_channel_attach(sv[0], &cp, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a region"));
	close(sv[0]);
	close(sv[1]);
	assert_int_equal(shm_channel_attach(-1, &cp, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "fstat"));
}

static void
fill(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 13);
}

static void
test_slots(void **state)
{
	struct shm_channel *dp = create(64, 2, 8192), *cp = attach(dp);
	uint8_t blob[8192 + 1], *copy, *data;
	struct update_msg m1, m2, m3;
	uint32_t slot;
	size_t len, cap;
	char err[256];

	(void)state;
	fill(blob, sizeof(blob), 1);
	assert_int_equal(shm_channel_slot_put(cp, blob, 8193, 1, &m1), -EMSGSIZE);
	assert_int_equal(shm_channel_slot_put(dp, blob, 100, 1, &m1), -EPERM);
	assert_int_equal(shm_channel_slot_put(cp, blob, 5000, 7, &m1), 0);
	assert_int_equal(update_msg_check(&m1, err, sizeof(err)), 0);
	assert_int_equal(shm_channel_slot_state(dp, m1.snapshot.slot),
			 SHM_SLOT_WRITTEN);
	fill(blob, sizeof(blob), 2);
	assert_int_equal(shm_channel_slot_put(cp, blob, 8192, 8, &m2), 0);
	assert_int_not_equal(m1.snapshot.slot, m2.snapshot.slot);
	/* Both slots taken: the controlplane must wait. */
	assert_int_equal(shm_channel_slot_put(cp, blob, 10, 9, &m3), -EBUSY);

	assert_int_equal(shm_channel_slot_read(dp, &m2, &copy, &len, err,
					       sizeof(err)), 0);
	assert_int_equal(len, 8192);
	assert_memory_equal(copy, blob, len);
	free(copy);
	assert_int_equal(shm_channel_slot_state(cp, m2.snapshot.slot), SHM_SLOT_FREE);
	/* Read twice: the slot is free, no longer written. */
	assert_int_equal(shm_channel_slot_read(dp, &m2, &copy, &len, err,
					       sizeof(err)), -1);
	assert_non_null(strstr(err, "not written"));
	assert_null(copy);

	/* Bytes changed after publishing: the CRC catches it, slot freed. */
	assert_int_equal(shm_channel_slot_acquire(cp, &slot, &data, &cap), 0);
	assert_int_equal(cap, 8192);
	fill(data, 300, 3);
	assert_int_equal(shm_channel_slot_publish(cp, slot, 300, 10, &m3), 0);
	data[299] ^= 1;
	assert_int_equal(shm_channel_slot_read(dp, &m3, &copy, &len, err,
					       sizeof(err)), -1);
	assert_non_null(strstr(err, "CRC"));
	assert_int_equal(shm_channel_slot_state(dp, slot), SHM_SLOT_FREE);

	/* A message naming a slot or length the region does not have. */
	m3 = m1;
	m3.snapshot.slot = 2;
	assert_int_equal(shm_channel_slot_read(dp, &m3, &copy, &len, err,
					       sizeof(err)), -1);
	assert_non_null(strstr(err, "the region has 2"));
	m3 = m1;
	m3.snapshot.length = 8193;
	assert_int_equal(shm_channel_slot_read(dp, &m3, &copy, &len, err,
					       sizeof(err)), -1);
	assert_non_null(strstr(err, "8193 bytes in a 8192-byte slot"));

	/* The first snapshot is still intact and readable. */
	fill(blob, sizeof(blob), 1);
	assert_int_equal(shm_channel_slot_read(dp, &m1, &copy, &len, err,
					       sizeof(err)), 0);
	assert_int_equal(len, 5000);
	assert_memory_equal(copy, blob, len);
	free(copy);

	/* Cancel gives a slot back; a free slot cannot be cancelled. */
	assert_int_equal(shm_channel_slot_acquire(cp, &slot, &data, &cap), 0);
	assert_int_equal(shm_channel_slot_cancel(cp, slot), 0);
	assert_int_equal(shm_channel_slot_cancel(cp, slot), -EBUSY);
	assert_int_equal(shm_channel_slot_state(cp, 5), -1);
	shm_channel_close(cp);
	shm_channel_close(dp);
}

static void
test_liveness_and_generations(void **state)
{
	struct shm_channel *dp = create(64, 1, 4096), *cp = attach(dp);
	uint64_t b, p;

	(void)state;
	assert_int_equal(shm_channel_peer_beat(cp), 0);
	shm_channel_beat(dp);
	shm_channel_beat(dp);
	shm_channel_beat(cp);
	assert_int_equal(shm_channel_peer_beat(cp), 2);
	assert_int_equal(shm_channel_peer_beat(dp), 1);
	shm_channel_set_applied(dp, 41, 7);
	shm_channel_set_applied(cp, 99, 99); /* not the controlplane's to say */
	shm_channel_applied(cp, &b, &p);
	assert_int_equal(b, 41);
	assert_int_equal(p, 7);
	shm_channel_close(cp);
	shm_channel_close(dp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_region),
		cmocka_unit_test(test_bad_params),
		cmocka_unit_test(test_roles_and_backpressure),
		cmocka_unit_test(test_fork_million),
		cmocka_unit_test(test_attach_refuses_corruption),
		cmocka_unit_test(test_attach_refuses_other_fds),
		cmocka_unit_test(test_slots),
		cmocka_unit_test(test_liveness_and_generations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
