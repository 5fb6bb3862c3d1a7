/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sgtgw-sync-bench: the controlplane's side of docs/sync.md, timed. It
 * speaks to a running sgtgw-dataplane the way sgtgw-controlplane does
 * (HELLO, the shared region, a full resync first, then deltas) and
 * measures what the dataplane does with the stream while it forwards.
 * tests/bench/sync_bench.py starts the dataplane and runs it; the figures
 * are its JSON lines on stdout.
 *
 *   sgtgw-sync-bench --write-cache PATH --policy FILE.yaml --bindings N
 *       A cache file (common/cache_file.h) holding N IPv4 host bindings
 *       (resync slots 0..N-1, below) and FILE's policy, so the dataplane
 *       starts with room for 2N hosts (its tables take twice what its
 *       cache holds) and N bindings to be resynced over.
 *
 *   sgtgw-sync-bench --socket PATH --policy FILE.yaml [--fifo PATH]
 *       [--resync N] [--new PCT] [--churn N] [--churn-hosts H]
 *       [--prefix-churn N] [--prefix-slots P]
 *       [--latency K] [--steady-rate R --steady-seconds S]
 *       [--big-policy FILE.yaml] [--swaps K]
 *   One session, in this order:
 *   resync   BEGIN, N BINDING_ADDs (slots PCT% of N on: that share of
 *            them is new, as many cached ones are swept), the policy,
 *            END. From the first message enqueued to the END generation
 *            in the shared header's applied bindings generation.
 *   churn    N updates (fake_cp's churn pattern over H slots: adds,
 *            replaces, deletes; IPv4 hosts and /24s, IPv6 hosts), as fast
 *            as the ring takes them; from the first enqueued to the last
 *            one's generation applied: updates a second.
 *   prefix   (--prefix-churn N --prefix-slots P) the same pattern with
 *            every slot an IPv4 /24, 13.(h >> 8).(h & 255).0/24: each
 *            update rewrites one tbl24 entry and finds the rule that takes
 *            over a deleted one with one probe per prefix length in use
 *            (dataplane/v4_dir.c). The dataplane holds at most 16,384
 *            IPv4 prefixes (without a cache), the mixed churn up to 6,000.
 *   latency  K binding changes, one at a time, 0.5-2.5 ms apart (random,
 *            so the dataplane's 1 ms poll is sampled at every phase): the
 *            probe destination 10.2.0.5/32 is moved between SGTs D1 and
 *            D2, so the flow that is forwarded flips between P1 and P2.
 *            Per change, from just before the enqueue to
 *              applied  the applied generation in the shared header
 *                       (this tool sleeps 10 us between reads: it shares
 *                       a CPU with the control lcore and must not spin),
 *              tx       the first frame of the newly permitted flow as
 *                       the worker transmitted it (the pcap record's
 *                       timestamp: net_pcap stamps each frame with the
 *                       TSC converted to CLOCK_REALTIME at transmit, by a
 *                       rate and origin taken when the port started,
 *                       which drift from CLOCK_REALTIME by milliseconds
 *                       over a run; so the stamp is moved by that drift,
 *                       measured as below),
 *              seen     the time this tool read that frame from the FIFO
 *                       (reads batched every 0.5 ms).
 *   steady   (--steady-rate R --steady-seconds S) open loop: R binding
 *            changes a second on average (Poisson arrivals) for S
 *            seconds, each sent whatever became of the earlier ones, each
 *            timed from its enqueue to its generation applied in the
 *            header (read every 50 us). One change at a time (latency)
 *            hides a stall of the control lcore behind one sample; here
 *            every change arriving during it waits, as it would.
 *   policy   K snapshots of the big policy, one at a time: from the
 *            enqueue (the blob already in its slot) to the applied policy
 *            generation in the header (read every 0.2 ms: waking every
 *            10 us on the control lcore's CPU slowed the compile it
 *            measures 2-3 fold), and to the ACK(POLICY).
 *   frames   (with --fifo) both probes denied, the FIFO read until quiet:
 *            how many P1 and P2 frames came out, to hold against the
 *            dataplane's counters of the probe cells.
 *
 * Output: one JSON object per line, {"phase": ..., ...}; errors on
 * stderr, exit status 1.
 *
 * Resync slot h is the IPv4 host 20.(h >> 16).(h >> 8 & 255).(h & 255),
 * SGT 100 + h % 50, source cli. A benchmark helper, never installed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "binding.h"
#include "cache_file.h"
#include "config.h"
#include "ctl_proto.h"
#include "policy_wire.h"
#include "shm_channel.h"
#include "update_msg.h"

#define BATCH 1024u
#define PROBE_DST "10.2.0.5"
#define SGT_D1 5011
#define SGT_D2 5012
#define SRC_P1 5                /* last byte of P1's source, 10.1.0.5 */
#define SRC_P2 6                /* P2: 10.1.0.6 */
#define WAIT_NS (20ull * 1000000000ull)
#define READER_NAP_NS 500000l   /* 0.5 ms: a 1 MiB pipe holds far more */
#define BULK_NAP_NS 200000l     /* header reads while bulk work is applied */
#define STEADY_NAP_NS 50000l    /* ... while changes trickle in */
#define SAMPLE_NAP_NS 10000l    /* ... for one change at a time */

__attribute__((format(printf, 1, 2), noreturn)) static void
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "sgtgw-sync-bench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

static uint64_t
clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t
mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

static void
nap_ns(long ns)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = ns };

	nanosleep(&ts, NULL);
}

/* ---- options ---------------------------------------------------------------- */

static struct {
	const char *socket, *policy, *big_policy, *fifo, *cache;
	uint64_t resync, new_pct, churn, churn_hosts, latency, swaps, bindings;
	uint64_t steady_rate, steady_s, prefix_churn, prefix_slots;
} o = { .new_pct = 10, .churn_hosts = 48000, .prefix_slots = 10000 };

/* ---- the session -------------------------------------------------------------- */

struct session {
	int fd;
	struct shm_channel *ch;
	uint64_t id, seq, bgen, pgen;
	uint64_t last_ka_ns;
	uint64_t policy_acked;          /* last ACK(POLICY) generation */
	uint64_t policy_acked_ns;       /* CLOCK_MONOTONIC of its arrival */
	uint64_t bindings_acked;
};

static struct session s = { .fd = -1 };

static void
send_msg(struct ctl_msg *m)
{
	char err[256];

	if (ctl_send(s.fd, m, -1, err, sizeof(err)) < 0)
		die("send: %s", err);
}

/* Whatever the dataplane sent; keepalives when due. Never blocks. */
static void
serve(void)
{
	struct pollfd p = { .fd = s.fd, .events = POLLIN };
	struct ctl_msg m;
	uint64_t now;

	while (poll(&p, 1, 0) > 0) {
		char err[CTL_TEXT_MAX + 64];
		int fd = -1, rc = ctl_recv(s.fd, &m, &fd, err, sizeof(err));

		if (rc < 0)
			die("the dataplane: %s", rc == -EPIPE ? "closed the session" : err);
		switch (m.hdr.type) {
		case CTL_ACK:
			if (m.ack.result != CTL_ACK_APPLIED)
				die("the dataplane refused generation %" PRIu64,
				    m.ack.generation);
			if (m.ack.stream == CTL_ACK_POLICY) {
				s.policy_acked = m.ack.generation;
				s.policy_acked_ns = mono_ns();
			} else {
				s.bindings_acked = m.ack.generation;
			}
			break;
		case CTL_RESYNC_REQUEST:
			die("the dataplane asked for a resync: %s", m.resync.text);
		case CTL_ERROR:
			die("the dataplane: error %u %s", m.error.code, m.error.text);
		default:
			break;
		}
	}
	now = mono_ns();
	if (now - s.last_ka_ns >= 500000000ull) {
		ctl_msg_init(&m, CTL_KEEPALIVE, s.id, ++s.seq);
		send_msg(&m);
		s.last_ka_ns = now;
	}
}

static void
connect_session(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char err[CTL_TEXT_MAX + 64];
	struct ctl_msg m;
	int fd = -1;

	s.fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s.fd < 0 || strlen(o.socket) >= sizeof(sa.sun_path))
		die("socket %s", o.socket);
	memcpy(sa.sun_path, o.socket, strlen(o.socket));
	for (int i = 0; connect(s.fd, (struct sockaddr *)&sa, sizeof(sa)) < 0; i++) {
		if (i == 6000)  /* a minute: a start from a big cache is slow */
			die("connect %s: %s", o.socket, strerror(errno));
		nap_ns(10000000);
	}
	ctl_msg_init(&m, CTL_HELLO, 0, ++s.seq);
	m.hello.pid = (uint32_t)getpid();
	send_msg(&m);
	if (ctl_recv(s.fd, &m, &fd, err, sizeof(err)) < 0)
		die("waiting for WELCOME: %s", err);
	if (m.hdr.type != CTL_WELCOME)
		die("%s instead of WELCOME", ctl_type_name(m.hdr.type));
	if (shm_channel_attach(fd, &s.ch, err, sizeof(err)) < 0)
		die("attach: %s", err);
	close(fd);
	s.id = m.hdr.session_id;
	s.bgen = m.welcome.bindings_generation;
	s.pgen = m.welcome.policy_generation;
	s.last_ka_ns = mono_ns();
}

/* All n, in order; naps (serving the socket) while the ring is full. */
static void
push(const struct update_msg *m, unsigned n)
{
	uint64_t since = 0;

	while (n > 0) {
		int rc = shm_channel_enqueue(s.ch, m, n, NULL);

		if (rc < 0)
			die("enqueue: %s", strerror(-rc));
		m += rc;
		n -= (unsigned)rc;
		if (n == 0)
			break;
		if (rc > 0 || since == 0)
			since = mono_ns();
		else if (mono_ns() - since > WAIT_NS)
			die("the ring stayed full for 20 s");
		serve();
		nap_ns(200000);         /* the ring holds tens of ms of work */
	}
}

/* Until the header says bindings generation bgen and policy generation
 * pgen are applied; CLOCK_MONOTONIC of the read that saw it. */
static uint64_t
wait_applied(uint64_t bgen, uint64_t pgen, long nap)
{
	uint64_t start = mono_ns(), n = 0;

	for (;;) {
		uint64_t b, p, now;

		shm_channel_applied(s.ch, &b, &p);
		now = mono_ns();
		if (b >= bgen && p >= pgen)
			return now;
		if (now - start > WAIT_NS)
			die("generations %" PRIu64 "/%" PRIu64 " not applied in 20 s "
			    "(at %" PRIu64 "/%" PRIu64 ")", bgen, pgen, b, p);
		if (++n % 64 == 0)
			serve();
		nap_ns(nap);
	}
}

/* ---- bindings -------------------------------------------------------------------- */

static void
resync_slot(uint64_t h, struct binding *b)
{
	memset(b, 0, sizeof(*b));
	b->family = AF_INET;
	b->prefix_len = 32;
	b->addr[0] = 20, b->addr[1] = (uint8_t)(h >> 16);
	b->addr[2] = (uint8_t)(h >> 8), b->addr[3] = (uint8_t)h;
	b->sgt = (sgt_t)(100 + h % 50);
	b->source = BINDING_SRC_CLI;
}

/* fake_cp's churn slot (tests/integration/fake_cp.c). */
static void
churn_slot(uint64_t h, struct binding *b)
{
	memset(b, 0, sizeof(*b));
	if (h % 8 == 7) {
		static const uint8_t pfx[6] = { 0x20, 0x01, 0x0d, 0xb8, 0x01, 0x00 };

		b->family = AF_INET6;
		b->prefix_len = 128;
		memcpy(b->addr, pfx, sizeof(pfx));
		b->addr[12] = (uint8_t)(h >> 24), b->addr[13] = (uint8_t)(h >> 16);
		b->addr[14] = (uint8_t)(h >> 8), b->addr[15] = (uint8_t)h;
	} else if (h % 8 == 6) {
		b->family = AF_INET;
		b->prefix_len = 24;
		b->addr[0] = 11, b->addr[1] = (uint8_t)(h >> 8), b->addr[2] = (uint8_t)h;
	} else {
		b->family = AF_INET;
		b->prefix_len = 32;
		b->addr[0] = 10, b->addr[1] = (uint8_t)(100 + (h >> 16));
		b->addr[2] = (uint8_t)(h >> 8), b->addr[3] = (uint8_t)h;
	}
}

static void
probe_binding(struct binding *b, sgt_t sgt)
{
	memset(b, 0, sizeof(*b));
	b->family = AF_INET;
	b->prefix_len = 32;
	inet_pton(AF_INET, PROBE_DST, b->addr);
	b->sgt = sgt;
	b->source = BINDING_SRC_SXP;
}

/* The probe flows' bindings (A's cells: 5001 -> D1, 5002 -> D2). */
static unsigned
probe_bindings(struct binding *b)
{
	static const char *const hosts[] = { "10.1.0.5", "10.1.0.6" };

	for (unsigned i = 0; i < 2; i++) {
		memset(&b[i], 0, sizeof(b[i]));
		b[i].family = AF_INET;
		b[i].prefix_len = 32;
		inet_pton(AF_INET, hosts[i], b[i].addr);
		b[i].sgt = (sgt_t)(5001 + i);
		b[i].source = BINDING_SRC_CLI;
	}
	memset(&b[2], 0, sizeof(b[2]));
	b[2].family = AF_INET;
	b[2].prefix_len = 16;
	inet_pton(AF_INET, "10.1.0.0", b[2].addr);      /* the filler source */
	b[2].sgt = 5003;
	b[2].source = BINDING_SRC_CLI;
	probe_binding(&b[3], SGT_D1);
	return 4;
}

/* ---- policy ------------------------------------------------------------------------ */

static uint8_t *
policy_blob(const char *path, size_t *len)
{
	char err[CONFIG_ERR_MAX];
	struct config *cfg = config_load(path, err, sizeof(err));
	uint8_t *blob;

	if (cfg == NULL)
		die("%s", err);
	if (policy_wire_encode(&cfg->policy, &blob, len, err, sizeof(err)) < 0)
		die("encode %s: %s", path, err);
	config_free(cfg);
	return blob;
}

static void
push_policy(const uint8_t *blob, size_t len)
{
	struct update_msg m;
	int rc;

	while ((rc = shm_channel_slot_put(s.ch, blob, len, s.pgen + 1, &m)) == -EBUSY) {
		serve();
		nap_ns(50000);
	}
	if (rc < 0)
		die("slot: %s (a blob of %zu bytes)", strerror(-rc), len);
	s.pgen++;
	push(&m, 1);
}

/* ---- the output FIFO: which probe flow is forwarded, and when --------------------- */

/*
 * The pcap stamps' drift from CLOCK_REALTIME: after each read, the time
 * of the read minus the stamp of the last frame it brought. The probes
 * flow without a pause, so that frame left the worker just before the
 * read, and the smallest such difference over the last reads is the
 * drift (plus at most one probe interval). Reads come every 0.5 ms; 64
 * of them are 32 ms, over which the drift moves by microseconds.
 */
#define DRIFT_READS 64

static struct {
	int fd;
	pthread_t thread;
	_Atomic int target;             /* SRC_P1 / SRC_P2, 0: not armed */
	_Atomic uint64_t seen_ns;       /* CLOCK_MONOTONIC of the read */
	_Atomic uint64_t tx_ns;         /* the record's stamp, drift removed */
	_Atomic int64_t drift_ns;       /* removed from that one */
	_Atomic uint64_t frames[2];     /* P1, P2 frames read */
	bool nano;                      /* the pcap's stamps are in ns */
	/* The reader's own. */
	int64_t gap[DRIFT_READS];       /* read time - last stamp, per read */
	uint32_t n_gaps;
	uint64_t last_stamp;
} rx = { .fd = -1 };

static uint64_t
record_stamp(const uint8_t *rec)
{
	uint32_t sec, frac;

	memcpy(&sec, rec, 4);
	memcpy(&frac, rec + 4, 4);
	return (uint64_t)sec * 1000000000ull +
	       (rx.nano ? frac : (uint64_t)frac * 1000u);
}

/* The drift of the stamps as the last reads saw it; 0 before any. */
static int64_t
stamp_drift(void)
{
	uint32_t n = rx.n_gaps < DRIFT_READS ? rx.n_gaps : DRIFT_READS;
	int64_t min = n ? rx.gap[0] : 0;

	for (uint32_t i = 1; i < n; i++)
		min = rx.gap[i] < min ? rx.gap[i] : min;
	return min;
}

static void
frame(const uint8_t *rec, size_t caplen, uint64_t now)
{
	const uint8_t *f = rec + 16;
	int src, target;
	int64_t drift;

	rx.last_stamp = record_stamp(rec);
	/* Ethernet + IPv4: the source's last byte at 14 + 15. */
	if (caplen < 34 || f[12] != 0x08 || f[13] != 0x00)
		return;
	src = f[29];
	if (src != SRC_P1 && src != SRC_P2)
		return;
	atomic_fetch_add(&rx.frames[src == SRC_P2], 1);
	target = atomic_load(&rx.target);
	if (src != target)
		return;
	drift = stamp_drift();
	atomic_store(&rx.drift_ns, drift);
	atomic_store(&rx.tx_ns, rx.last_stamp + (uint64_t)drift);
	atomic_store(&rx.seen_ns, now);
	atomic_store(&rx.target, 0);
}

static void *
reader(void *arg)
{
	static uint8_t buf[1 << 20];
	size_t used = 0;
	bool header = false;

	(void)arg;
	for (;;) {
		ssize_t n = read(rx.fd, buf + used, sizeof(buf) - used);
		uint64_t now = mono_ns(), now_real = clock_ns(CLOCK_REALTIME);
		size_t off = 0, records = 0;

		if (n <= 0)
			return NULL;
		/* Woken at every frame the worker writes, this thread would
		 * preempt the control lcore (same CPU) tens of thousands of
		 * times a second: read what a while brings instead. The "tx"
		 * figure, the worker's own stamp, does not depend on it. */
		nap_ns(READER_NAP_NS);
		used += (size_t)n;
		if (!header) {
			uint32_t magic;

			if (used < 24)
				continue;
			memcpy(&magic, buf, 4);
			if (magic != 0xA1B2C3D4u && magic != 0xA1B23C4Du)
				die("the output FIFO is no pcap (magic %08x)", magic);
			rx.nano = magic == 0xA1B23C4Du;
			header = true;
			off = 24;
		}
		while (used - off >= 16) {
			uint32_t caplen;

			memcpy(&caplen, buf + off + 8, 4);
			if (caplen > 65536)
				die("bad pcap record");
			if (used - off < 16 + caplen)
				break;
			frame(buf + off, caplen, now);
			off += 16 + caplen;
			records++;
		}
		if (records > 0)
			rx.gap[rx.n_gaps++ % DRIFT_READS] =
				(int64_t)(now_real - rx.last_stamp);
		memmove(buf, buf + off, used - off);
		used -= off;
	}
}

static void
reader_start(void)
{
	rx.fd = open(o.fifo, O_RDONLY | O_CLOEXEC);
	if (rx.fd < 0)
		die("%s: %s", o.fifo, strerror(errno));
	/* Room for the naps: the worker must never wait for this reader. */
	if (fcntl(rx.fd, F_SETPIPE_SZ, 1 << 20) < 0)
		die("%s: F_SETPIPE_SZ: %s", o.fifo, strerror(errno));
	if (pthread_create(&rx.thread, NULL, reader, NULL) != 0)
		die("pthread_create");
}

/* ---- the phases ------------------------------------------------------------------------ */

static void
phase_resync(const uint8_t *pol, size_t pol_len)
{
	uint64_t first = o.resync * o.new_pct / 100, start, begin_gen, done;
	static struct update_msg batch[BATCH];
	struct binding b[4];
	unsigned used = 0, n_probe = probe_bindings(b);

	begin_gen = s.bgen + 1;
	s.bgen = begin_gen;
	update_msg_resync(&batch[used++], UPDATE_RESYNC_BEGIN, begin_gen);
	for (unsigned i = 0; i < n_probe; i++)
		update_msg_binding(&batch[used++], UPDATE_BINDING_ADD, &b[i], ++s.bgen);
	start = mono_ns();
	for (uint64_t h = first; h < first + o.resync; h++) {
		resync_slot(h, &b[0]);
		update_msg_binding(&batch[used++], UPDATE_BINDING_ADD, &b[0], ++s.bgen);
		if (used == BATCH) {
			push(batch, used);
			used = 0;
		}
	}
	push(batch, used);
	push_policy(pol, pol_len);
	update_msg_resync(&batch[0], UPDATE_RESYNC_END, ++s.bgen);
	push(batch, 1);
	done = wait_applied(s.bgen, s.pgen, BULK_NAP_NS);
	printf("{\"phase\": \"resync\", \"bindings\": %" PRIu64 ", \"new\": %" PRIu64
	       ", \"messages\": %" PRIu64 ", \"seconds\": %.6f}\n", o.resync + n_probe,
	       first, s.bgen - begin_gen + 2, (double)(done - start) / 1e9);
}

static void
phase_churn(uint64_t count, uint64_t slots, bool prefixes)
{
	static struct update_msg batch[BATCH];
	uint64_t start, pushed, done;
	unsigned used = 0;

	start = mono_ns();
	for (uint64_t c = 0; c < count; c++) {
		uint64_t h = c % slots, r = c / slots;
		struct binding b;

		/* --prefix-churn: every slot an IPv4 /24 (h % 8 == 6 of the
		 * mixed pattern), 13.(h >> 8).(h & 255).0/24: apart from the
		 * mixed churn's 11.0.0.0/8. */
		churn_slot(prefixes ? h * 8 + 6 : h, &b);
		if (prefixes)
			b.addr[0] = 13, b.addr[1] = (uint8_t)(h >> 8), b.addr[2] = (uint8_t)h;
		b.sgt = (sgt_t)(200 + (h + r) % 50);
		b.source = (uint8_t)(1 + (h + r) % 4);
		update_msg_binding(&batch[used++], r % 3 == 2 ? UPDATE_BINDING_DEL :
				   UPDATE_BINDING_ADD, &b, ++s.bgen);
		if (used == BATCH) {
			push(batch, used);
			used = 0;
		}
	}
	push(batch, used);
	pushed = mono_ns();
	done = wait_applied(s.bgen, 0, BULK_NAP_NS);
	printf("{\"phase\": \"%s\", \"updates\": %" PRIu64 ", \"slots\": %" PRIu64
	       ", \"seconds\": %.6f, \"push_seconds\": %.6f}\n",
	       prefixes ? "prefix_churn" : "churn", count, slots,
	       (double)(done - start) / 1e9, (double)(pushed - start) / 1e9);
}

static void
phase_latency(void)
{
	unsigned seed = 12345;
	sgt_t sgt = SGT_D1;

	/* The probe is at D1 (P1 forwarded); make sure P1 is coming. */
	for (uint64_t t = mono_ns(); atomic_load(&rx.frames[0]) == 0; serve()) {
		if (mono_ns() - t > WAIT_NS)
			die("no P1 frame on the FIFO: is traffic flowing?");
		nap_ns(1000000);
	}
	for (uint64_t k = 0; k < o.latency; k++) {
		uint64_t t0, t0_real, applied, deadline;
		struct update_msg m;
		struct binding b;

		sgt = sgt == SGT_D1 ? SGT_D2 : SGT_D1;
		probe_binding(&b, sgt);
		update_msg_binding(&m, UPDATE_BINDING_ADD, &b, ++s.bgen);
		atomic_store(&rx.target, sgt == SGT_D1 ? SRC_P1 : SRC_P2);
		t0_real = clock_ns(CLOCK_REALTIME);
		t0 = mono_ns();
		push(&m, 1);
		applied = wait_applied(s.bgen, 0, SAMPLE_NAP_NS);
		deadline = mono_ns() + WAIT_NS;
		while (atomic_load(&rx.target) != 0) {
			if (mono_ns() > deadline)
				die("sample %" PRIu64 ": no frame of the flow permitted", k);
			serve();
			nap_ns(SAMPLE_NAP_NS);
		}
		printf("{\"phase\": \"latency\", \"sample\": %" PRIu64 ", \"applied_us\": %.3f"
		       ", \"tx_us\": %.3f, \"seen_us\": %.3f, \"stamp_drift_us\": %.3f}\n",
		       k, (double)(applied - t0) / 1e3,
		       ((double)atomic_load(&rx.tx_ns) - (double)t0_real) / 1e3,
		       (double)(atomic_load(&rx.seen_ns) - t0) / 1e3,
		       (double)atomic_load(&rx.drift_ns) / 1e3);
		serve();
		nap_ns(500000 + (long)(rand_r(&seed) % 2000000));
	}
	/* Leave the probe at D1, as the resync had it. */
	if (sgt != SGT_D1) {
		struct update_msg m;
		struct binding b;

		probe_binding(&b, SGT_D1);
		update_msg_binding(&m, UPDATE_BINDING_ADD, &b, ++s.bgen);
		push(&m, 1);
		wait_applied(s.bgen, 0, BULK_NAP_NS);
	}
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double
pct_ms(const uint64_t *sorted, uint64_t n, double p)
{
	uint64_t i = (uint64_t)(p / 100 * (double)(n - 1) + 0.5);

	return (double)sorted[i < n ? i : n - 1] / 1e6;
}

/*
 * Open loop: binding changes at random (Poisson) times, rate a second on
 * average, sent whatever became of the earlier ones, each timed from its
 * enqueue to its generation in the shared header. Unlike one change at a
 * time, a stall of the control lcore delays every change that arrives
 * during it, as it would a real controlplane's.
 */
static void
phase_steady(void)
{
	uint64_t n = o.steady_rate * o.steady_s, sent = 0, done = 0, next;
	uint64_t *t = calloc(n, sizeof(*t)), *lat = calloc(n, sizeof(*lat));
	uint64_t base_gen = s.bgen, over5 = 0;
	unsigned seed = 777;

	if (t == NULL || lat == NULL)
		die("out of memory");
	next = mono_ns();
	while (done < n) {
		uint64_t now = mono_ns(), b, p;

		while (sent < n && now >= next) {
			struct update_msg m;
			struct binding b1;
			uint64_t h = sent % 10000;

			memset(&b1, 0, sizeof(b1));
			b1.family = AF_INET;
			b1.prefix_len = 32;
			b1.addr[0] = 12, b1.addr[2] = (uint8_t)(h >> 8);
			b1.addr[3] = (uint8_t)h;
			b1.sgt = (sgt_t)(300 + (sent / 10000) % 2);
			b1.source = BINDING_SRC_SXP;
			update_msg_binding(&m, UPDATE_BINDING_ADD, &b1, ++s.bgen);
			push(&m, 1);
			t[sent++] = mono_ns();
			/* Exponential gaps, mean 1 / rate. */
			next += (uint64_t)(-log(1.0 - (double)rand_r(&seed) /
						((double)RAND_MAX + 1.0)) * 1e9 /
					   (double)o.steady_rate);
			now = mono_ns();
		}
		shm_channel_applied(s.ch, &b, &p);
		now = mono_ns();
		while (done < sent && b >= base_gen + done + 1) {
			lat[done] = now - t[done];
			done++;
		}
		serve();
		nap_ns(STEADY_NAP_NS);
	}
	for (uint64_t i = 0; i < n; i++)
		over5 += lat[i] > 5000000;
	qsort(lat, n, sizeof(*lat), cmp_u64);
	printf("{\"phase\": \"steady\", \"changes\": %" PRIu64 ", \"rate\": %" PRIu64
	       ", \"median_ms\": %.3f, \"p90_ms\": %.3f, \"p99_ms\": %.3f"
	       ", \"p999_ms\": %.3f, \"max_ms\": %.3f, \"over_5ms\": %" PRIu64 "}\n",
	       n, o.steady_rate, pct_ms(lat, n, 50), pct_ms(lat, n, 90),
	       pct_ms(lat, n, 99), pct_ms(lat, n, 99.9), (double)lat[n - 1] / 1e6, over5);
	free(t);
	free(lat);
}

static void
phase_policy(void)
{
	size_t len;
	uint8_t *blob = policy_blob(o.big_policy, &len);

	for (uint64_t k = 0; k < o.swaps; k++) {
		uint64_t t0, applied, deadline;

		serve();
		t0 = mono_ns();
		push_policy(blob, len);
		applied = wait_applied(0, s.pgen, BULK_NAP_NS);
		deadline = mono_ns() + WAIT_NS;
		while (s.policy_acked < s.pgen) {
			if (mono_ns() > deadline)
				die("no ACK(POLICY %" PRIu64 ")", s.pgen);
			serve();
			nap_ns(20000);
		}
		printf("{\"phase\": \"policy\", \"sample\": %" PRIu64 ", \"bytes\": %zu"
		       ", \"applied_ms\": %.3f, \"ack_ms\": %.3f}\n", k, len,
		       (double)(applied - t0) / 1e6, (double)(s.policy_acked_ns - t0) / 1e6);
		fflush(stdout);
		/* Let the cache write that follows a change go by (at most one
		 * a second, on the control lcore). */
		for (int i = 0; i < 24; i++) {
			serve();
			nap_ns(50000000);
		}
	}
	free(blob);
}

/* Both probes denied (the probe destination to an SGT with no cell), the
 * FIFO read until it is quiet: then what was read is every probe frame
 * the worker forwarded, and nothing more is written into the FIFO once
 * this tool has gone. */
static void
phase_finish(void)
{
	struct update_msg m;
	struct binding b;
	uint64_t last = ~0ull, now;

	probe_binding(&b, 5013);
	update_msg_binding(&m, UPDATE_BINDING_ADD, &b, ++s.bgen);
	push(&m, 1);
	wait_applied(s.bgen, 0, BULK_NAP_NS);
	for (;;) {
		now = atomic_load(&rx.frames[0]) + atomic_load(&rx.frames[1]);
		if (now == last)
			break;
		last = now;
		for (int i = 0; i < 4; i++) {
			serve();
			nap_ns(50000000);
		}
	}
	printf("{\"phase\": \"frames\", \"p1\": %" PRIu64 ", \"p2\": %" PRIu64 "}\n",
	       atomic_load(&rx.frames[0]), atomic_load(&rx.frames[1]));
}

/* ---- --write-cache --------------------------------------------------------------------- */

static int
write_cache(void)
{
	char err[CONFIG_ERR_MAX];
	struct config *cfg = config_load(o.policy, err, sizeof(err));
	struct cache_contents c = { .bindings_generation = 1, .policy_generation = 1 };
	struct binding probe[4];
	unsigned n_probe = probe_bindings(probe);
	int rc;

	if (cfg == NULL)
		die("%s", err);
	c.policy = &cfg->policy;
	c.n_bindings = (uint32_t)o.bindings + n_probe;
	c.bindings = calloc(c.n_bindings, sizeof(*c.bindings));
	if (c.bindings == NULL)
		die("out of memory");
	memcpy(c.bindings, probe, sizeof(probe));
	for (uint64_t h = 0; h < o.bindings; h++)
		resync_slot(h, &c.bindings[n_probe + h]);
	rc = cache_file_write(o.cache, &c, err, sizeof(err));
	free(c.bindings);
	config_free(cfg);
	if (rc < 0)
		die("%s", err);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "policy", required_argument, NULL, 'p' },
		{ "big-policy", required_argument, NULL, 'P' },
		{ "fifo", required_argument, NULL, 'f' },
		{ "resync", required_argument, NULL, 'r' },
		{ "new", required_argument, NULL, 'n' },
		{ "churn", required_argument, NULL, 'c' },
		{ "churn-hosts", required_argument, NULL, 'H' },
		{ "latency", required_argument, NULL, 'l' },
		{ "swaps", required_argument, NULL, 'w' },
		{ "steady-rate", required_argument, NULL, 'R' },
		{ "prefix-churn", required_argument, NULL, 'x' },
		{ "prefix-slots", required_argument, NULL, 'X' },
		{ "steady-seconds", required_argument, NULL, 'S' },
		{ "write-cache", required_argument, NULL, 'C' },
		{ "bindings", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 },
	};
	size_t pol_len;
	uint8_t *pol;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's': o.socket = optarg; break;
		case 'p': o.policy = optarg; break;
		case 'P': o.big_policy = optarg; break;
		case 'f': o.fifo = optarg; break;
		case 'r': o.resync = strtoull(optarg, NULL, 10); break;
		case 'n': o.new_pct = strtoull(optarg, NULL, 10); break;
		case 'c': o.churn = strtoull(optarg, NULL, 10); break;
		case 'H': o.churn_hosts = strtoull(optarg, NULL, 10); break;
		case 'l': o.latency = strtoull(optarg, NULL, 10); break;
		case 'w': o.swaps = strtoull(optarg, NULL, 10); break;
		case 'R': o.steady_rate = strtoull(optarg, NULL, 10); break;
		case 'x': o.prefix_churn = strtoull(optarg, NULL, 10); break;
		case 'X': o.prefix_slots = strtoull(optarg, NULL, 10); break;
		case 'S': o.steady_s = strtoull(optarg, NULL, 10); break;
		case 'C': o.cache = optarg; break;
		case 'b': o.bindings = strtoull(optarg, NULL, 10); break;
		default: die("see the comment at the top of tests/bench/sync_bench.c");
		}
	}
	if (o.policy == NULL || (o.cache == NULL && o.socket == NULL))
		die("--policy and --socket (or --write-cache) are needed");
	if (o.new_pct > 100 || o.churn_hosts == 0 || o.prefix_slots == 0 ||
	    o.prefix_slots > 65536 || (o.latency && o.fifo == NULL) ||
	    (o.swaps && o.big_policy == NULL))
		die("bad options");
	if (o.cache != NULL)
		return write_cache();
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Short naps must be short: this tool polls the shared header. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	pol = policy_blob(o.policy, &pol_len);
	if (o.fifo != NULL)
		reader_start();
	connect_session();
	phase_resync(pol, pol_len);
	if (o.churn > 0)
		phase_churn(o.churn, o.churn_hosts, false);
	if (o.prefix_churn > 0)
		phase_churn(o.prefix_churn, o.prefix_slots, true);
	if (o.latency > 0)
		phase_latency();
	if (o.steady_rate > 0 && o.steady_s > 0)
		phase_steady();
	if (o.swaps > 0)
		phase_policy();
	if (o.fifo != NULL)
		phase_finish();
	free(pol);
	shm_channel_close(s.ch);
	close(s.fd);
	return 0;
}
