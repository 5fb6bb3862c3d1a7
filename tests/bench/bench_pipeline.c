/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sgtgw-bench-pipeline: what classification and enforcement cost per packet
 * without any I/O, and what the tables and the policy take in memory.
 *
 * For each number of IPv4 host bindings (with the IPv4 and IPv6 prefixes
 * beside them) it builds the IP-to-SGT tables as sgtgw-dataplane would,
 * and for each policy size it compiles the policy, prepares the traffic in
 * mbufs and times pipeline_run() (dataplane/pipeline.c, the worker's code)
 * over bursts of SGTGW_BURST of them, round after round. Also timed on their own:
 * the bulk IP-to-SGT lookup and the matrix + SGACL decision.
 *
 *   sgtgw-bench-pipeline [EAL options] -- [--hosts N,N,...] [--sgts N,N,...]
 *       [--v4-prefixes N] [--v6-prefixes N] [--packets N] [--tagged PCT]
 *       [--ms N] [--repeat N] [--seed N] [--pipeline-only] [--json]
 *   sgtgw-bench-pipeline --emit DIR --hosts N --sgts N [--v4-prefixes N]
 *       [--v6-prefixes N] [--packets N] [--tagged PCT] [--seed N] [--workers N]
 *       [--mbufs N] [--dev-in DEVARGS] [--dev-out DEVARGS]
 *
 * --emit writes DIR/sgtgw.yaml and DIR/traffic.pcap for the same model (no
 * DPDK involved), for the end-to-end run in tests/bench/run.sh.
 *
 * A benchmark, not a test: it asserts nothing about time.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_memory.h>
#include <rte_ring.h>

#include "acl_log.h"
#include "bench_model.h"
#include "dataplane.h"
#include "pipeline.h"
#include "sgt_table.h"

#define MAX_SIZES 8
#define LOG_RING_SIZE 1024
#define LOOKUP_CHUNK (2 * SGTGW_BURST)
#define RX_RING 1024            /* frames per rx "ring", see struct traffic */
#define MIB (1024.0 * 1024.0)

struct opts {
	uint32_t hosts[MAX_SIZES];
	uint32_t n_hosts;
	uint32_t sgts[MAX_SIZES];
	uint32_t n_sgts;
	uint32_t v4_prefixes;
	uint32_t v6_prefixes;
	uint32_t packets;
	uint32_t tagged;
	uint32_t ms;
	uint32_t repeat;
	uint64_t seed;
	bool json;
	bool pipeline_only;     /* skip the parts timed alone (profiling) */
	/* --emit */
	const char *emit_dir;
	uint32_t workers;
	uint32_t mbufs;
	const char *dev_in;
	const char *dev_out;
};

/* Table memory for one hosts size. */
struct mem_row {
	uint32_t hosts, v4_prefixes, v6_prefixes;
	uint64_t exact_heap, exact_pages;   /* max = what is bound */
	uint64_t dp_heap, dp_pages;         /* sized as sgtgw-dataplane does */
	double build_s;                     /* adding every binding, exact */
};

struct pipe_row {
	uint32_t hosts, sgts, cells, aces;
	double cycles;          /* per packet, median */
	double cycles_min, cycles_max;
	double lookup;          /* cycles per address, IPv4 bulk */
	double decide;          /* cycles per packet, matrix + SGACL */
	uint64_t matrix_bytes, policy_heap, counter_bytes;
	double compile_ms;
	/* Where the traffic went, % of packets. */
	double fwd, policy_drop, default_cell, tagged;
};

static struct opts o = {
	.hosts = { 1000, 100000, 1000000 }, .n_hosts = 3,
	.sgts = { 16, 256, 4096 }, .n_sgts = 3,
	.v4_prefixes = 100000, .v6_prefixes = 10000,
	.packets = 16384, .tagged = 7, .ms = 300, .repeat = 5, .seed = 1,
	.workers = 1, .mbufs = 16384,
	.dev_in = "net_pcap0,rx_pcap=traffic.pcap,infinite_rx=1",
	.dev_out = "net_null0,no-rx=1",
};

static struct mem_row mem_rows[MAX_SIZES];
static struct pipe_row pipe_rows[MAX_SIZES * MAX_SIZES];
static uint32_t n_mem, n_pipe;
static volatile uint64_t sink;  /* keeps the timed loops honest */

/* The dataplane the pipeline sees: two paired ports, the first trusted,
 * both keeping tags as they are (a prepared frame stays as it is, so it
 * can go round again). */
static struct dataplane dp;
static struct config cfg;
/* What a worker's burst is judged by (dataplane/policy_rt.h publishes
 * them together in the dataplane): the policy and its cell counters. */
static struct policy_compiled *bench_policy;
static struct cell_counters *bench_cells;
static struct config_port cports[2];

/* ---- options ---- */

static int
parse_u32(const char *s, uint32_t *v)
{
	char *end;
	unsigned long x;

	errno = 0;
	x = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || x > UINT32_MAX)
		return -1;
	*v = (uint32_t)x;
	return 0;
}

static int
parse_list(const char *s, uint32_t *v, uint32_t *n)
{
	char buf[256], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", s);
	*n = 0;
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		if (*n == MAX_SIZES || parse_u32(tok, &v[*n]) != 0)
			return -1;
		(*n)++;
	}
	return *n > 0 ? 0 : -1;
}

static int
parse_opts(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "hosts", required_argument, NULL, 'H' },
		{ "sgts", required_argument, NULL, 'S' },
		{ "v4-prefixes", required_argument, NULL, '4' },
		{ "v6-prefixes", required_argument, NULL, '6' },
		{ "packets", required_argument, NULL, 'p' },
		{ "tagged", required_argument, NULL, 't' },
		{ "ms", required_argument, NULL, 'm' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "seed", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "pipeline-only", no_argument, NULL, 'P' },
		{ "emit", required_argument, NULL, 'e' },
		{ "workers", required_argument, NULL, 'w' },
		{ "mbufs", required_argument, NULL, 'b' },
		{ "dev-in", required_argument, NULL, 'i' },
		{ "dev-out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	uint32_t seed;
	int c, rc = 0;

	optind = 1;
	while (rc == 0 && (c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'H': rc = parse_list(optarg, o.hosts, &o.n_hosts); break;
		case 'S': rc = parse_list(optarg, o.sgts, &o.n_sgts); break;
		case '4': rc = parse_u32(optarg, &o.v4_prefixes); break;
		case '6': rc = parse_u32(optarg, &o.v6_prefixes); break;
		case 'p': rc = parse_u32(optarg, &o.packets); break;
		case 't': rc = parse_u32(optarg, &o.tagged); break;
		case 'm': rc = parse_u32(optarg, &o.ms); break;
		case 'r': rc = parse_u32(optarg, &o.repeat); break;
		case 's': rc = parse_u32(optarg, &seed); o.seed = seed; break;
		case 'j': o.json = true; break;
		case 'P': o.pipeline_only = true; break;
		case 'e': o.emit_dir = optarg; break;
		case 'w': rc = parse_u32(optarg, &o.workers); break;
		case 'b': rc = parse_u32(optarg, &o.mbufs); break;
		case 'i': o.dev_in = optarg; break;
		case 'o': o.dev_out = optarg; break;
		default: rc = -1; break;
		}
	}
	/* The benchmark takes its traffic a whole burst at a time (--emit
	 * writes any number of frames); --json has no figure to give for the
	 * parts --pipeline-only skips. */
	if (rc != 0 || optind != argc || o.repeat == 0 || o.packets == 0 ||
	    (o.emit_dir == NULL && o.packets < SGTGW_BURST) || o.tagged > 100 ||
	    (o.json && o.pipeline_only)) {
		fprintf(stderr, "usage: sgtgw-bench-pipeline [EAL options] -- "
			"[--hosts N,...] [--sgts N,...] [--v4-prefixes N] "
			"[--v6-prefixes N] [--packets N>=%u] [--tagged PCT] [--ms N] [--repeat N] "
			"[--seed N] [--pipeline-only] [--json]\n"
			"       sgtgw-bench-pipeline --emit DIR --hosts N --sgts N "
			"[...] [--workers N] [--mbufs N] [--dev-in S] [--dev-out S]\n",
			SGTGW_BURST);
		return -1;
	}
	return 0;
}

/* ---- --emit: the end-to-end run's configuration and traffic ---- */

static int
emit(void)
{
	struct bench_sizes sz = {
		.v4_hosts = o.hosts[0], .v4_prefixes = o.v4_prefixes,
		.v6_prefixes = o.v6_prefixes, .sgts = o.sgts[0],
		.packets = o.packets, .tagged_pct = o.tagged,
		.seed = o.seed,
	};
	char path[4096];
	struct bench_model *m;
	FILE *f;
	int rc;

	if (mkdir(o.emit_dir, 0755) != 0 && errno != EEXIST) {
		perror(o.emit_dir);
		return 1;
	}
	m = bench_model_new(&sz);
	if (m == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/traffic.pcap", o.emit_dir);
	rc = bench_write_pcap(m, path);
	snprintf(path, sizeof(path), "%s/sgtgw.yaml", o.emit_dir);
	f = fopen(path, "w");
	if (rc == 0 && f != NULL)
		rc = bench_write_config(m, f, o.dev_in, o.dev_out, o.workers, o.mbufs);
	if (f == NULL || fclose(f) != 0)
		rc = -1;
	if (rc != 0)
		perror(path);
	bench_model_free(m);
	return rc == 0 ? 0 : 1;
}

/* ---- memory ---- */

static uint64_t
heap_bytes(void)
{
	struct rte_malloc_socket_stats s;

	rte_malloc_get_socket_stats((int)rte_socket_id(), &s);
	return s.heap_allocsz_bytes;
}

static int
seg_add(const struct rte_memseg_list *msl, const struct rte_memseg *ms,
	void *arg)
{
	(void)msl;
	*(uint64_t *)arg += ms->len;
	return 0;
}

/* Hugepage memory this process has mapped. */
static uint64_t
page_bytes(void)
{
	uint64_t n = 0;

	rte_memseg_walk(seg_add, &n);
	return n;
}

static uint64_t
libc_bytes(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- tables ---- */

static struct sgt_table *
table_new(uint32_t h4, uint32_t p4, uint32_t h6, uint32_t p6)
{
	static unsigned int seq;
	char name[SGT_TABLE_NAME_MAX + 1];
	struct sgt_table_params tp = {
		.name = name, .socket_id = (int)rte_socket_id(),
		.max_v4_hosts = h4, .max_v4_prefixes = p4,
		.max_v6_hosts = h6, .max_v6_prefixes = p6,
	};
	struct sgt_table *t;

	snprintf(name, sizeof(name), "bt%u", seq++);
	t = sgt_table_create(&tp);
	if (t == NULL)
		fprintf(stderr, "bench: table for %u hosts: %s\n", h4,
			rte_strerror(rte_errno));
	return t;
}

/* With max_* exactly what is bound, or as dataplane/main.c's tables_init
 * sizes them (twice what the configuration binds, with floors). */
static struct sgt_table *
table_for(const struct bench_model *m, bool as_dataplane)
{
	uint32_t h4 = m->sz.v4_hosts, p4 = m->n_v4 - m->sz.v4_hosts;
	uint32_t p6 = m->n_v6;

	if (!as_dataplane)
		return table_new(h4, p4, 0, p6);
	return table_new(RTE_MAX(65536u, h4 * 2), RTE_MAX(16384u, p4 * 2),
			 16384u, RTE_MAX(4096u, p6 * 2));
}

static int
table_fill(struct sgt_table *t, const struct bench_model *m)
{
	for (uint32_t i = 0; i < m->n_v4; i++) {
		const struct bench_v4 *b = &m->v4[i];
		int rc = sgt_table_add_v4(t, b->addr_be, b->len,
					  bench_sgt_of(m, b->slot));

		if (rc != 0) {
			fprintf(stderr, "bench: IPv4 binding %u: %s\n", i,
				strerror(-rc));
			return -1;
		}
	}
	for (uint32_t i = 0; i < m->n_v6; i++) {
		const struct bench_v6 *b = &m->v6[i];
		int rc = sgt_table_add_v6(t, b->addr, b->len,
					  bench_sgt_of(m, b->slot));

		if (rc != 0) {
			fprintf(stderr, "bench: IPv6 binding %u: %s\n", i,
				strerror(-rc));
			return -1;
		}
	}
	return 0;
}

/* ---- the dataplane around the pipeline ---- */

static int
worker_setup(struct dp_worker *w, uint32_t n_cells)
{
	static unsigned int seq;
	char name[RTE_RING_NAMESIZE];

	memset(w, 0, sizeof(*w));
	w->dp = &dp;
	w->ctr = rte_zmalloc("bench_ctr", sizeof(*w->ctr), RTE_CACHE_LINE_SIZE);
	if (w->ctr == NULL)
		return -1;
	bench_cells = rte_zmalloc("bench_cells",
				   (size_t)n_cells * 2 * sizeof(struct cell_counters),
				   RTE_CACHE_LINE_SIZE);
	snprintf(name, sizeof(name), "bench_log%u", seq++);
	w->log_ring = rte_ring_create_elem(name, sizeof(struct acl_log_record),
					   LOG_RING_SIZE, SOCKET_ID_ANY,
					   RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (bench_cells == NULL || w->log_ring == NULL)
		return -1;
	acl_log_limiter_init(&w->log_limit, cfg.log_rate);
	return 0;
}

static void
worker_teardown(struct dp_worker *w)
{
	rte_free(bench_cells);
	bench_cells = NULL;
	rte_free(w->ctr);
	rte_ring_free(w->log_ring);
	memset(w, 0, sizeof(*w));
}

static void
dataplane_setup(void)
{
	cfg.workers = 1;
	cfg.log_rate = 10;
	cfg.non_ip = CONFIG_NON_IP_FORWARD;
	cfg.n_ports = 2;
	cfg.ports = cports;
	snprintf(cports[0].name, sizeof(cports[0].name), "inside");
	cports[0].trusted = true;
	cports[0].peer = 1;
	snprintf(cports[1].name, sizeof(cports[1].name), "outside");
	cports[1].peer = 0;
	dp.cfg = &cfg;
	dp.n_ports = 2;
	for (int i = 0; i < 2; i++) {
		dp.ports[i].cfg = &cports[i];
		dp.ports[i].port_id = (uint16_t)i;
		dp.ports[i].peer = 1 - i;
		dp.port_names[i] = cports[i].name;
	}
	dp.n_workers = 1;
}

/* ---- timing ---- */

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * The traffic, and the receive ring it goes through. A PMD leaves each frame
 * it hands over just written (pcap's infinite_rx copies it from its stored
 * copy into a fresh mbuf; a NIC writes the descriptor and the mbuf header,
 * the data lands in the LLC): so before each ring's worth of bursts the
 * frames are copied into the ring's mbufs, untimed, and only the pipeline
 * over those bursts is timed.
 */
struct traffic {
	uint32_t n;
	uint8_t (*frame)[BENCH_FRAME_MAX];
	uint16_t *len;
	struct rte_mbuf *ring[RX_RING];
};

static uint32_t
rx_fill(struct traffic *tr, uint32_t first)
{
	uint32_t k = RTE_MIN(tr->n - first, (uint32_t)RX_RING);

	k -= k % SGTGW_BURST;
	for (uint32_t i = 0; i < k; i++) {
		struct rte_mbuf *m = tr->ring[i];

		m->data_off = RTE_PKTMBUF_HEADROOM;
		m->data_len = tr->len[first + i];
		m->pkt_len = tr->len[first + i];
		memcpy(rte_pktmbuf_mtod(m, void *), tr->frame[first + i],
		       BENCH_FRAME_MAX);
	}
	return k;
}

/* Run one ring's worth (k frames) through the pipeline; frames to send. */
static uint64_t
run_ring(struct dp_worker *w, struct traffic *tr, uint32_t k)
{
	static struct pipeline_burst b;
	uint64_t fwd = 0;

	for (uint32_t i = 0; i < k; i += SGTGW_BURST) {
		memcpy(b.pkts, &tr->ring[i], sizeof(b.pkts));
		b.n = SGTGW_BURST;
		b.in_port = 0;
		b.policy = bench_policy;
		b.cell_ctr = bench_cells;
		pipeline_run(w, &b);
		fwd += b.n_tx;
	}
	return fwd;
}

/* Cycles per packet of pipeline_run() over the traffic, round after round
 * for at least o.ms milliseconds. */
static double
time_pipeline(struct dp_worker *w, struct traffic *tr)
{
	uint64_t budget = rte_get_tsc_hz() / 1000 * o.ms;
	uint64_t done = 0, cycles = 0, fwd = 0, start = rte_rdtsc();

	do {
		for (uint32_t first = 0; first < tr->n;) {
			uint32_t k = rx_fill(tr, first);
			uint64_t t0, t1;

			if (k == 0)
				break;
			t0 = rte_rdtsc_precise();
			fwd += run_ring(w, tr, k);
			t1 = rte_rdtsc_precise();
			cycles += t1 - t0;
			done += k;
			first += k;
		}
	} while (rte_rdtsc() - start < budget);
	sink += fwd;
	return (double)cycles / (double)done;
}

/* Cycles per address of the bulk IPv4 lookup alone, on the traffic's
 * IPv4 source and destination addresses, two per frame of a burst at a
 * time, as a burst would ask. */
static double
time_lookup(const struct sgt_table *t, const uint32_t *addr, uint32_t n)
{
	sgt_t sgt[LOOKUP_CHUNK];
	bool found[LOOKUP_CHUNK];
	uint64_t budget = rte_get_tsc_hz() / 1000 * o.ms;
	uint64_t done = 0, t0 = rte_rdtsc_precise(), t1, acc = 0;
	uint32_t whole = n - n % LOOKUP_CHUNK;

	if (whole == 0)
		return 0;
	do {
		for (uint32_t i = 0; i < whole; i += LOOKUP_CHUNK) {
			sgt_table_lookup_v4_bulk(t, addr + i, LOOKUP_CHUNK, sgt, found);
			acc += sgt[0];
		}
		done += whole;
		t1 = rte_rdtsc_precise();
	} while (t1 - t0 < budget);
	sink += acc;
	return (double)(t1 - t0) / (double)done;
}

struct judged {
	sgt_t sgt, dgt;
	struct sgacl_pkt l4;
};

/* Cycles per packet of the decision alone, as a worker takes it:
 * policy_cell_of(), the cell's quick word, policy_decide_quick(). */
static double
time_decide(const struct policy_compiled *pc, const struct judged *j,
	    uint32_t n)
{
	uint64_t budget = rte_get_tsc_hz() / 1000 * o.ms;
	uint64_t done = 0, t0 = rte_rdtsc_precise(), t1, acc = 0;

	do {
		for (uint32_t i = 0; i < n; i++) {
			uint32_t cell = policy_cell_of(pc, j[i].sgt, j[i].dgt);
			uint32_t ace;

			acc += policy_decide_quick(pc, pc->quick[cell], &j[i].l4,
						   &ace);
		}
		done += n;
		t1 = rte_rdtsc_precise();
	} while (t1 - t0 < budget);
	sink += acc;
	return (double)(t1 - t0) / (double)done;
}

static double
median_of(double *v, uint32_t n, double *lo, double *hi)
{
	qsort(v, n, sizeof(*v), cmp_double);
	*lo = v[0];
	*hi = v[n - 1];
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- one (hosts, SGTs) point ---- */

static int
traffic_prepare(struct traffic *tr, struct rte_mempool *pool,
		const struct bench_model *m)
{
	tr->n = m->n_pkts;
	tr->frame = calloc(m->n_pkts, sizeof(*tr->frame));
	tr->len = calloc(m->n_pkts, sizeof(*tr->len));
	if (tr->frame == NULL || tr->len == NULL)
		return -1;
	for (uint32_t i = 0; i < m->n_pkts; i++)
		tr->len[i] = (uint16_t)bench_frame(&m->pkts[i], tr->frame[i]);
	if (rte_pktmbuf_alloc_bulk(pool, tr->ring, RX_RING) != 0)
		return -1;
	for (uint32_t i = 0; i < RX_RING; i++)
		rte_pktmbuf_append(tr->ring[i], BENCH_FRAME_MAX);
	return 0;
}

static void
traffic_free(struct traffic *tr)
{
	if (tr->ring[0] != NULL)
		rte_pktmbuf_free_bulk(tr->ring, RX_RING);
	free(tr->frame);
	free(tr->len);
	memset(tr, 0, sizeof(*tr));
}

/* What the pipeline did with one round of the traffic, from its counters. */
static void
verdict_mix(struct dp_worker *w, struct traffic *tr,
	    const struct policy_compiled *pc, struct pipe_row *r)
{
	uint64_t fwd = 0, ip = 0, dflt = 0, done = 0;

	memset(w->ctr->port, 0, sizeof(w->ctr->port));
	memset(bench_cells, 0, (size_t)pc->n_cells * 2 * sizeof(*bench_cells));
	for (uint32_t first = 0; first < tr->n;) {
		uint32_t k = rx_fill(tr, first);

		if (k == 0)
			break;
		fwd += run_ring(w, tr, k);
		done += k;
		first += k;
	}
	for (uint32_t c = 0; c < pc->n_cells * 2; c++) {
		const struct cell_counters *cc = &bench_cells[c];
		uint64_t k = cc->by[POLICY_VERDICT_PERMIT].packets +
			     cc->by[POLICY_VERDICT_DENY].packets +
			     cc->by[POLICY_VERDICT_MONITOR].packets;

		ip += k;
		if (c / 2 == POLICY_DEFAULT_CELL)
			dflt += k;
	}
	r->fwd = 100.0 * (double)fwd / (double)done;
	r->policy_drop = 100.0 * (double)w->ctr->port[0].drops[DROP_POLICY] /
			 (double)done;
	r->default_cell = ip ? 100.0 * (double)dflt / (double)ip : 0;
}

static int
run_point(struct sgt_table *t, struct rte_mempool *pool, uint32_t hosts,
	  uint32_t sgts)
{
	struct bench_sizes sz = {
		.v4_hosts = hosts, .v4_prefixes = o.v4_prefixes,
		.v6_prefixes = o.v6_prefixes, .sgts = sgts,
		.packets = o.packets, .tagged_pct = o.tagged,
		.seed = o.seed,
	};
	struct pipe_row *r = &pipe_rows[n_pipe];
	struct bench_model *m = bench_model_new(&sz);
	static struct traffic tr;
	struct judged *j = NULL;
	uint32_t *addr = NULL, n_addr = 0, n_j = 0;
	struct dp_worker *w = &dp.workers[0];
	double v[64], lo, hi, t0;
	uint64_t heap0;
	char err[256];
	int rc = -1;

	memset(r, 0, sizeof(*r));
	if (m == NULL || table_fill(t, m) != 0)
		goto out;
	heap0 = libc_bytes();
	t0 = now_s();
	bench_policy = policy_compile(&m->policy, err, sizeof(err));
	if (bench_policy == NULL) {
		fprintf(stderr, "bench: policy: %s\n", err);
		goto out;
	}
	r->compile_ms = (now_s() - t0) * 1000;
	r->policy_heap = libc_bytes() - heap0;
	r->matrix_bytes = bench_policy->matrix != NULL ?
		(uint64_t)bench_policy->n_idx * bench_policy->n_idx *
		sizeof(*bench_policy->matrix) :
		((uint64_t)bench_policy->bucket_mask + 1) *
		sizeof(*bench_policy->buckets);
	r->counter_bytes = (uint64_t)bench_policy->n_cells * 2 *
			   sizeof(struct cell_counters);
	r->hosts = hosts;
	r->sgts = sgts;
	r->cells = bench_policy->n_cells;
	r->aces = bench_policy->n_aces;
	dp.table = t;
	if (worker_setup(w, bench_policy->n_cells) != 0)
		goto out;

	addr = calloc((size_t)m->n_pkts * 2, sizeof(*addr));
	j = calloc(m->n_pkts, sizeof(*j));
	if (addr == NULL || j == NULL || traffic_prepare(&tr, pool, m) != 0) {
		fprintf(stderr, "bench: out of memory for the traffic\n");
		goto out;
	}
	for (uint32_t i = 0; i < m->n_pkts; i++) {
		const struct bench_pkt *p = &m->pkts[i];

		r->tagged += p->tagged;
		if (p->ipv6)
			continue;
		addr[n_addr++] = p->src4;
		addr[n_addr++] = p->dst4;
		/* The decision's inputs, as the pipeline would find them. */
		sgt_t g[2];
		bool f[2];
		sgt_table_lookup_v4_bulk(t, &addr[n_addr - 2], 2, g, f);
		j[n_j].sgt = p->tagged ? p->tag_sgt : g[0];
		j[n_j].dgt = g[1];
		j[n_j].l4 = (struct sgacl_pkt){
			.proto = p->proto, .has_ports = p->proto == 6 || p->proto == 17,
			.sport = p->sport, .dport = p->dport,
		};
		n_j++;
	}
	r->tagged = 100.0 * r->tagged / m->n_pkts;

	verdict_mix(w, &tr, bench_policy, r);
	time_pipeline(w, &tr);                  /* warm-up */
	for (uint32_t k = 0; k < o.repeat && k < 64; k++)
		v[k] = time_pipeline(w, &tr);
	r->cycles = median_of(v, RTE_MIN(o.repeat, 64u), &r->cycles_min,
			      &r->cycles_max);
	if (!o.pipeline_only) {
		for (uint32_t k = 0; k < 3; k++)
			v[k] = time_lookup(t, addr, n_addr);
		r->lookup = median_of(v, 3, &lo, &hi);
		for (uint32_t k = 0; k < 3; k++)
			v[k] = time_decide(bench_policy, j, n_j);
		r->decide = median_of(v, 3, &lo, &hi);
	}
	n_pipe++;
	if (!o.json)
		fprintf(stderr, "  %8u hosts %5u SGTs: %6.1f cycles/packet\n",
			hosts, sgts, r->cycles);
	rc = 0;
out:
	traffic_free(&tr);
	free(addr);
	free(j);
	worker_teardown(w);
	policy_compiled_free(bench_policy);
	bench_policy = NULL;
	bench_model_free(m);
	return rc;
}

/* ---- one hosts size ---- */

static int
run_hosts(uint32_t hosts, struct rte_mempool *pool)
{
	struct bench_sizes sz = {
		.v4_hosts = hosts, .v4_prefixes = o.v4_prefixes,
		.v6_prefixes = o.v6_prefixes, .sgts = o.sgts[0],
		.packets = 0, .tagged_pct = o.tagged, .seed = o.seed,
	};
	struct mem_row *mr = &mem_rows[n_mem];
	struct bench_model *m = bench_model_new(&sz);
	struct sgt_table *t;
	uint64_t h0, p0;
	double t0;
	int rc = -1;

	if (m == NULL)
		return -1;
	mr->hosts = hosts;
	mr->v4_prefixes = m->n_v4 - hosts;
	mr->v6_prefixes = m->n_v6;

	/* Exactly what is bound. */
	h0 = heap_bytes();
	p0 = page_bytes();
	t0 = now_s();
	t = table_for(m, false);
	if (t == NULL || table_fill(t, m) != 0)
		goto out;
	mr->build_s = now_s() - t0;
	mr->exact_heap = heap_bytes() - h0;
	mr->exact_pages = page_bytes() - p0;
	sgt_table_free(t);

	/* As the dataplane sizes them; the pipeline runs on this one. */
	h0 = heap_bytes();
	p0 = page_bytes();
	t = table_for(m, true);
	if (t == NULL || table_fill(t, m) != 0)
		goto out;
	mr->dp_heap = heap_bytes() - h0;
	mr->dp_pages = page_bytes() - p0;
	n_mem++;
	if (!o.json)
		fprintf(stderr, "%u hosts: tables built in %.2f s, %.1f MiB\n",
			hosts, mr->build_s, (double)mr->exact_heap / MIB);
	for (uint32_t s = 0; s < o.n_sgts; s++) {
		if (run_point(t, pool, hosts, o.sgts[s]) != 0)
			goto out;
	}
	rc = 0;
out:
	sgt_table_free(t);
	bench_model_free(m);
	return rc;
}

/* ---- output ---- */

static void
print_table(void)
{
	double hz = (double)rte_get_tsc_hz();

	printf("Pipeline: classification + enforcement, no I/O "
	       "(pipeline_run on %u frames through a %u-mbuf rx ring, bursts of %u,\n"
	       "TSC %.2f GHz, median of %u x %u ms)\n", o.packets, RX_RING,
	       SGTGW_BURST, hz / 1e9,
	       o.repeat, o.ms);
	printf("%9s %6s %6s %7s %8s %15s %7s %8s %8s %6s %6s %7s\n",
	       "v4 hosts", "SGTs", "cells", "ACEs", "cyc/pkt", "(min-max)",
	       "Mpps", "lkp c/a", "dec c/p", "fwd%", "drop%", "dflt%");
	for (uint32_t i = 0; i < n_pipe; i++) {
		const struct pipe_row *r = &pipe_rows[i];
		char range[32], lookup[16] = "-", decide[16] = "-";

		snprintf(range, sizeof(range), "(%.1f-%.1f)", r->cycles_min,
			 r->cycles_max);
		if (!o.pipeline_only) {
			snprintf(lookup, sizeof(lookup), "%.1f", r->lookup);
			snprintf(decide, sizeof(decide), "%.1f", r->decide);
		}
		printf("%9u %6u %6u %7u %8.1f %15s %7.1f %8s %8s %6.1f %6.1f %7.1f\n",
		       r->hosts, r->sgts, r->cells, r->aces, r->cycles, range,
		       hz / r->cycles / 1e6, lookup, decide, r->fwd,
		       r->policy_drop, r->default_cell);
	}
	printf("\nMemory: IP-to-SGT tables (hugepage heap bytes allocated; "
	       "hugepages mapped)\n");
	printf("%9s %9s %9s %13s %13s %15s %15s %8s\n", "v4 hosts", "v4 pfx",
	       "v6 pfx", "exact MiB", "exact pages", "dataplane MiB",
	       "dataplane pages", "build s");
	for (uint32_t i = 0; i < n_mem; i++) {
		const struct mem_row *r = &mem_rows[i];

		printf("%9u %9u %9u %13.1f %13.1f %15.1f %15.1f %8.2f\n",
		       r->hosts, r->v4_prefixes, r->v6_prefixes,
		       r->exact_heap / MIB, r->exact_pages / MIB,
		       r->dp_heap / MIB, r->dp_pages / MIB, r->build_s);
	}
	printf("\nMemory: compiled policy (libc heap) and per-worker cell "
	       "counters (hugepage heap)\n");
	printf("%6s %6s %7s %11s %11s %13s %11s\n", "SGTs", "cells", "ACEs",
	       "matrix MiB", "heap MiB", "counters MiB", "compile ms");
	for (uint32_t i = 0; i < n_pipe; i++) {
		const struct pipe_row *r = &pipe_rows[i];

		if (i >= o.n_sgts)
			break;  /* the policy does not depend on the hosts */
		printf("%6u %6u %7u %11.2f %11.2f %13.2f %11.1f\n", r->sgts,
		       r->cells, r->aces, r->matrix_bytes / MIB,
		       r->policy_heap / MIB, r->counter_bytes / MIB,
		       r->compile_ms);
	}
}

static void
print_json(void)
{
	double hz = (double)rte_get_tsc_hz();

	printf("{\"tsc_hz\": %.0f, \"packets\": %u, \"burst\": %u, "
	       "\"repeat\": %u, \"ms\": %u, \"pipeline\": [", hz, o.packets,
	       SGTGW_BURST, o.repeat, o.ms);
	for (uint32_t i = 0; i < n_pipe; i++) {
		const struct pipe_row *r = &pipe_rows[i];

		printf("%s\n  {\"v4_hosts\": %u, \"v4_prefixes\": %u, "
		       "\"v6_prefixes\": %u, \"sgts\": %u, \"cells\": %u, "
		       "\"aces\": %u, \"cycles_per_packet\": %.2f, "
		       "\"cycles_min\": %.2f, \"cycles_max\": %.2f, \"mpps\": %.2f, "
		       "\"lookup_cycles_per_address\": %.2f, "
		       "\"decide_cycles_per_packet\": %.2f, \"forwarded_pct\": %.2f, "
		       "\"policy_drop_pct\": %.2f, \"default_cell_pct\": %.2f, "
		       "\"tagged_pct\": %.2f, \"matrix_bytes\": %" PRIu64 ", "
		       "\"policy_heap_bytes\": %" PRIu64 ", "
		       "\"cell_counter_bytes_per_worker\": %" PRIu64 ", "
		       "\"compile_ms\": %.1f}",
		       i ? "," : "", r->hosts, o.v4_prefixes, o.v6_prefixes,
		       r->sgts, r->cells, r->aces, r->cycles, r->cycles_min,
		       r->cycles_max, hz / r->cycles / 1e6, r->lookup, r->decide,
		       r->fwd, r->policy_drop, r->default_cell, r->tagged,
		       r->matrix_bytes, r->policy_heap, r->counter_bytes,
		       r->compile_ms);
	}
	printf("\n], \"tables\": [");
	for (uint32_t i = 0; i < n_mem; i++) {
		const struct mem_row *r = &mem_rows[i];

		printf("%s\n  {\"v4_hosts\": %u, \"v4_prefixes\": %u, "
		       "\"v6_prefixes\": %u, \"exact_heap_bytes\": %" PRIu64 ", "
		       "\"exact_hugepage_bytes\": %" PRIu64 ", "
		       "\"dataplane_heap_bytes\": %" PRIu64 ", "
		       "\"dataplane_hugepage_bytes\": %" PRIu64 ", "
		       "\"build_s\": %.3f}",
		       i ? "," : "", r->hosts, r->v4_prefixes, r->v6_prefixes,
		       r->exact_heap, r->exact_pages, r->dp_heap, r->dp_pages,
		       r->build_s);
	}
	printf("\n]}\n");
}

int
main(int argc, char **argv)
{
	struct rte_mempool *pool;
	int n, rc = 1;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--emit") == 0) {
			if (parse_opts(argc, argv) != 0)
				return 2;
			return emit();
		}
	}
	n = rte_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, "bench: EAL: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argv[n] = argv[0];
	if (parse_opts(argc - n, argv + n) != 0)
		goto out;
	dataplane_setup();
	pool = rte_pktmbuf_pool_create("bench_pool", RX_RING + 512, 0, 0,
				       RTE_PKTMBUF_HEADROOM + BENCH_FRAME_MAX,
				       (int)rte_socket_id());
	if (pool == NULL) {
		fprintf(stderr, "bench: mbuf pool: %s\n", rte_strerror(rte_errno));
		goto out;
	}
	rc = 0;
	for (uint32_t h = 0; rc == 0 && h < o.n_hosts; h++)
		rc = run_hosts(o.hosts[h], pool) != 0;
	if (rc == 0) {
		if (o.json)
			print_json();
		else
			print_table();
	}
	rte_mempool_free(pool);
out:
	rte_eal_cleanup();
	return rc;
}
