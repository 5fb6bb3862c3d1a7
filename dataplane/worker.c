/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker loop: one burst at a time, rx -> the pipeline (parse -> bulk
 * IP-to-SGT lookups -> matrix cell -> SGACL, pipeline.c) -> forward on the
 * paired port or drop. No locks, no allocation, no system calls. Once per
 * poll loop the worker reports an RCU quiescent state: it holds no pointer
 * into the tables or the policy between loops.
 */
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#include "dataplane.h"
#include "pipeline.h"
#include "policy_rt.h"

static void
transmit(struct dp_worker *w, struct pipeline_burst *b)
{
	const struct dp_port *in = &w->dp->ports[b->in_port];
	struct port_counters *pc;
	uint64_t bytes = 0;
	uint16_t sent;

	if (b->n_tx == 0)
		return;
	for (uint16_t i = 0; i < b->n_tx; i++)
		bytes += rte_pktmbuf_pkt_len(b->tx[i]);
	sent = rte_eth_tx_burst(w->dp->ports[in->peer].port_id,
				(uint16_t)w->index, b->tx, b->n_tx);
	pc = &w->ctr->port[in->peer];
	for (uint16_t i = sent; i < b->n_tx; i++) {
		bytes -= rte_pktmbuf_pkt_len(b->tx[i]);
		rte_pktmbuf_free(b->tx[i]);
	}
	counter_add(&pc->tx_packets, sent);
	counter_add(&pc->tx_bytes, bytes);
	if (sent < b->n_tx)
		counter_add(&w->ctr->port[b->in_port].drops[DROP_TX_FULL],
			    b->n_tx - sent);
}

static void
process_burst(struct dp_worker *w, struct pipeline_burst *b)
{
	struct port_counters *rx = &w->ctr->port[b->in_port];
	uint64_t bytes = 0;

	for (uint16_t i = 0; i < b->n; i++)
		bytes += rte_pktmbuf_pkt_len(b->pkts[i]);
	counter_add(&rx->rx_packets, b->n);
	counter_add(&rx->rx_bytes, bytes);

	/* One policy for the whole burst, never a mix. */
	const struct policy_rt *rt = policy_rt_load(&w->dp->policy_rt);
	b->policy = rt->compiled;
	b->cell_ctr = rt->cells[w->index];
	pipeline_run(w, b);
	if (b->n_drop > 0)
		rte_pktmbuf_free_bulk(b->drop, b->n_drop);
	transmit(w, b);
}

int
worker_main(void *arg)
{
	struct dp_worker *w = arg;
	const struct dataplane *dp = w->dp;
	struct pipeline_burst b;

	acl_log_limiter_init(&w->log_limit, dp->cfg->log_rate);
	rte_rcu_qsbr_thread_online(dp->rcu, w->index);
	while (!__atomic_load_n(&w->dp->quit, __ATOMIC_RELAXED)) {
		for (uint16_t q = 0; q < w->n_rxq; q++) {
			const struct dp_rxq *rxq = &w->rxq[q];

			b.in_port = rxq->port;
			b.n = rte_eth_rx_burst(dp->ports[rxq->port].port_id,
					       rxq->queue, b.pkts, SGTGW_BURST);
			if (b.n > 0)
				process_burst(w, &b);
		}
		rte_rcu_qsbr_quiescent(dp->rcu, w->index);
	}
	/* Offline, the control lcore no longer waits for this worker. */
	rte_rcu_qsbr_thread_offline(dp->rcu, w->index);
	return 0;
}
