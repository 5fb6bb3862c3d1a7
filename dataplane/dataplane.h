/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The state of one sgtgw-dataplane process: ports, workers, tables, the
 * compiled policy and the counters. Built once at start-up by main.c; the
 * workers and the telemetry callbacks only read what is not their own.
 */
#ifndef SGTGW_DATAPLANE_H
#define SGTGW_DATAPLANE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_mempool.h>
#include <rte_ring.h>

#include "config.h"
#include "counters.h"
#include "acl_log.h"
#include "policy.h"
#include "sgt_table.h"

#define SGTGW_MAX_WORKERS 64
/*
 * Frames asked of rx at a time, and judged together. Each burst waits on
 * its tables a few times in a row (an address's tbl24 entry, then its
 * group; the pair's matrix bucket; the cell counter), so the more frames
 * share each wait, the less a frame pays: 128 costs 4-5% fewer cycles a
 * frame than 32 in the pipeline benchmark, more with more distinct
 * traffic, a little more when everything fits in cache
 * (tests/bench/README.md); 256 no fewer than 128. Under light load rx
 * returns what it has and the burst is as short.
 */
#define SGTGW_BURST 128
#define SGTGW_MAX_RXQ_PER_WORKER (SGTGW_MAX_PORTS * 4)

struct dp_port {
	const struct config_port *cfg;
	uint16_t port_id;
	int peer;               /* index in dataplane.ports, -1 if unpaired */
	uint16_t n_rxq;
	uint16_t n_txq;
	bool started;
};

struct dp_rxq {
	uint16_t port;          /* index in dataplane.ports */
	uint16_t queue;
};

struct dataplane;
struct dp_bindings;
struct dp_managed;
struct policy_rt;
struct rte_rcu_qsbr;

struct dp_worker {
	struct dataplane *dp;
	unsigned int index;
	unsigned int lcore_id;
	uint16_t n_rxq;
	struct dp_rxq rxq[SGTGW_MAX_RXQ_PER_WORKER];
	struct worker_counters *ctr;
	struct rte_ring *log_ring;
	struct acl_log_limiter log_limit;
} __rte_cache_aligned;

struct dataplane {
	struct config *cfg;
	uint32_t n_ports;
	struct dp_port ports[SGTGW_MAX_PORTS];
	const char *port_names[SGTGW_MAX_PORTS];
	uint32_t n_workers;
	struct dp_worker workers[SGTGW_MAX_WORKERS];
	struct rte_mempool *pool;
	struct sgt_table *table;
	/* What each table takes (enum config_limit order), set once when
	 * the tables are created: for views and log lines. */
	uint32_t table_limits[CONFIG_LIMITS];
	/* Workers report a quiescent state here once per poll loop; what
	 * they may still see is freed only after all of them have. */
	struct rte_rcu_qsbr *rcu;
	/* Published; workers load it once per burst (policy_rt.h). */
	struct policy_rt *policy_rt;
	/* Held by the control lcore while it changes what telemetry reads
	 * (the policy runtime, the applied bindings), and by the telemetry
	 * callbacks, which DPDK runs on a thread of its own. Never taken
	 * by a worker. */
	pthread_mutex_t view_lock;
	/* Managed mode: the controlplane's session, the applied bindings;
	 * both NULL standalone. */
	struct dp_managed *managed;
	struct dp_bindings *bindings;
	/* Last applied; written by the control lcore, read by telemetry. */
	uint64_t bindings_generation;
	uint64_t policy_generation;
	uint64_t start_tsc;
	volatile bool quit;
};

/* Worker lcore entry point (arg: struct dp_worker *). */
int worker_main(void *arg);

#endif
