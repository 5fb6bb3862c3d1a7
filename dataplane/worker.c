/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker loop: one burst at a time, parse -> bulk IP-to-SGT lookups ->
 * matrix cell -> SGACL -> forward on the paired port or drop. No locks, no
 * allocation, no system calls.
 */
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "dataplane.h"
#include "inline_tag.h"
#include "pkt_parse.h"

#define PREFETCH_AHEAD 4

struct burst {
	uint16_t n;
	uint16_t in_port;
	struct rte_mbuf *pkts[SGTGW_BURST];
	struct pkt_meta meta[SGTGW_BURST];
	bool valid[SGTGW_BURST];
	sgt_t sgt[SGTGW_BURST];
	sgt_t dgt[SGTGW_BURST];
};

struct tx_batch {
	uint16_t n;
	struct rte_mbuf *pkts[SGTGW_BURST];
};

static inline void
drop(struct dp_worker *w, struct burst *b, uint16_t i, enum drop_reason r)
{
	counter_add(&w->ctr->port[b->in_port].drops[r], 1);
	rte_pktmbuf_free(b->pkts[i]);
	b->valid[i] = false;
}

static void
parse_burst(struct dp_worker *w, struct burst *b)
{
	for (uint16_t i = 0; i < b->n && i < PREFETCH_AHEAD; i++)
		rte_prefetch0(rte_pktmbuf_mtod(b->pkts[i], void *));

	for (uint16_t i = 0; i < b->n; i++) {
		struct rte_mbuf *m = b->pkts[i];

		if (i + PREFETCH_AHEAD < b->n)
			rte_prefetch0(rte_pktmbuf_mtod(b->pkts[i + PREFETCH_AHEAD],
						       void *));
		enum drop_reason r = pkt_parse(rte_pktmbuf_mtod(m, const uint8_t *),
					       rte_pktmbuf_data_len(m), &b->meta[i]);
		b->valid[i] = true;
		if (r != DROP_NONE)
			drop(w, b, i, r);
	}
}

/* Source and destination groups for the whole burst: one bulk lookup per
 * address family over every source and destination address at once. */
static void
classify_burst(const struct dataplane *dp, struct burst *b)
{
	const struct dp_port *port = &dp->ports[b->in_port];
	uint32_t v4[2 * SGTGW_BURST];
	uint8_t v6[2 * SGTGW_BURST][16];
	uint16_t v4_pkt[SGTGW_BURST], v6_pkt[SGTGW_BURST];
	sgt_t v4_sgt[2 * SGTGW_BURST], v6_sgt[2 * SGTGW_BURST];
	bool v4_found[2 * SGTGW_BURST], v6_found[2 * SGTGW_BURST];
	uint32_t n4 = 0, n6 = 0;

	for (uint16_t i = 0; i < b->n; i++) {
		const struct pkt_meta *m = &b->meta[i];

		if (!b->valid[i])
			continue;
		if (m->family == PKT_IPV4) {
			v4[2 * n4] = m->src4;
			v4[2 * n4 + 1] = m->dst4;
			v4_pkt[n4++] = i;
		} else if (m->family == PKT_IPV6) {
			memcpy(v6[2 * n6], m->src6, 16);
			memcpy(v6[2 * n6 + 1], m->dst6, 16);
			v6_pkt[n6++] = i;
		} else {
			b->sgt[i] = port->cfg->default_sgt;
			b->dgt[i] = SGT_UNKNOWN;
		}
	}
	if (n4)
		sgt_table_lookup_v4_bulk(dp->table, v4, 2 * n4, v4_sgt, v4_found);
	if (n6)
		sgt_table_lookup_v6_bulk(dp->table, (const uint8_t (*)[16])v6,
					 2 * n6, v6_sgt, v6_found);
	for (uint32_t k = 0; k < n4; k++) {
		uint16_t i = v4_pkt[k];
		b->sgt[i] = v4_found[2 * k] ? v4_sgt[2 * k] : port->cfg->default_sgt;
		b->dgt[i] = v4_sgt[2 * k + 1];
	}
	for (uint32_t k = 0; k < n6; k++) {
		uint16_t i = v6_pkt[k];
		b->sgt[i] = v6_found[2 * k] ? v6_sgt[2 * k] : port->cfg->default_sgt;
		b->dgt[i] = v6_sgt[2 * k + 1];
	}
	/* A trusted inline tag overrides the source lookup. */
	if (port->cfg->trusted) {
		for (uint16_t i = 0; i < b->n; i++)
			if (b->valid[i] && b->meta[i].has_tag)
				b->sgt[i] = b->meta[i].tag_sgt;
	}
}

static void
log_hit(struct dp_worker *w, const struct burst *b, uint16_t i, uint32_t cell,
	uint32_t ace, enum sgacl_action action, bool monitor)
{
	const struct pkt_meta *m = &b->meta[i];
	struct acl_log_record r = {
		.cell = cell, .ace = ace, .action = (uint8_t)action,
		.monitor = monitor, .ipv6 = m->family == PKT_IPV6,
		.proto = m->l4.proto, .sport = m->l4.sport, .dport = m->l4.dport,
		.in_port = b->in_port, .sgt = b->sgt[i], .dgt = b->dgt[i],
	};

	if (!acl_log_allow(&w->log_limit, rte_rdtsc())) {
		counter_add(&w->ctr->log_suppressed, 1);
		return;
	}
	if (r.ipv6) {
		memcpy(r.src, m->src6, 16);
		memcpy(r.dst, m->dst6, 16);
	} else {
		memcpy(r.src, &m->src4, 4);
		memcpy(r.dst, &m->dst4, 4);
	}
	if (rte_ring_sp_enqueue_elem(w->log_ring, &r, sizeof(r)) != 0)
		counter_add(&w->ctr->log_ring_full, 1);
}

/* Judge one IP packet by its cell; returns whether it may be forwarded. */
static bool
enforce(struct dp_worker *w, const struct policy_compiled *pc,
	const struct burst *b, uint16_t i)
{
	const struct pkt_meta *m = &b->meta[i];
	uint32_t cell = policy_cell_of(pc, b->sgt[i], b->dgt[i]);
	const struct policy_compiled_cell *c = &pc->cells[cell];
	struct cell_counters *cc = &w->ctr->cell[cell * 2 + (m->family == PKT_IPV6)];
	uint32_t bytes = rte_pktmbuf_pkt_len(b->pkts[i]);
	uint32_t ace;
	bool log;
	enum sgacl_action action = policy_decide(pc, cell, &m->l4, &ace, &log);

	if (unlikely(log))
		log_hit(w, b, i, cell, ace, action, c->monitor);
	if (action == SGACL_PERMIT) {
		counter_add(&cc->permitted, 1);
		counter_add(&cc->permitted_bytes, bytes);
		return true;
	}
	if (c->monitor) {
		counter_add(&cc->monitored, 1);
		counter_add(&cc->monitored_bytes, bytes);
		return true;
	}
	counter_add(&cc->denied, 1);
	counter_add(&cc->denied_bytes, bytes);
	return false;
}

static void
forward_burst(struct dp_worker *w, struct burst *b, struct tx_batch *tx)
{
	const struct dataplane *dp = w->dp;
	const struct dp_port *in = &dp->ports[b->in_port];
	const struct policy_compiled *pc = dp->policy;
	bool non_ip_drop = dp->cfg->non_ip == CONFIG_NON_IP_DROP;

	for (uint16_t i = 0; i < b->n; i++) {
		if (!b->valid[i])
			continue;
		if (b->meta[i].family == PKT_NON_IP) {
			if (non_ip_drop) {
				drop(w, b, i, DROP_NON_IP);
				continue;
			}
		} else if (!enforce(w, pc, b, i)) {
			drop(w, b, i, DROP_POLICY);
			continue;
		}
		if (unlikely(in->peer < 0)) {
			drop(w, b, i, DROP_NO_PEER);
			continue;
		}
		const struct dp_port *out = &dp->ports[in->peer];
		enum drop_reason r = inline_tag_apply(b->pkts[i], &b->meta[i],
						      out->cfg->egress_tag, b->sgt[i]);
		if (unlikely(r != DROP_NONE)) {
			drop(w, b, i, r);
			continue;
		}
		tx->pkts[tx->n++] = b->pkts[i];
	}
}

static void
transmit(struct dp_worker *w, struct burst *b, struct tx_batch *tx)
{
	const struct dp_port *in = &w->dp->ports[b->in_port];
	struct port_counters *pc;
	uint64_t bytes = 0;
	uint16_t sent;

	if (tx->n == 0)
		return;
	for (uint16_t i = 0; i < tx->n; i++)
		bytes += rte_pktmbuf_pkt_len(tx->pkts[i]);
	sent = rte_eth_tx_burst(w->dp->ports[in->peer].port_id,
				(uint16_t)w->index, tx->pkts, tx->n);
	pc = &w->ctr->port[in->peer];
	for (uint16_t i = sent; i < tx->n; i++) {
		bytes -= rte_pktmbuf_pkt_len(tx->pkts[i]);
		rte_pktmbuf_free(tx->pkts[i]);
	}
	counter_add(&pc->tx_packets, sent);
	counter_add(&pc->tx_bytes, bytes);
	if (sent < tx->n)
		counter_add(&w->ctr->port[b->in_port].drops[DROP_TX_FULL],
			    tx->n - sent);
}

static void
process_burst(struct dp_worker *w, struct burst *b)
{
	struct port_counters *rx = &w->ctr->port[b->in_port];
	struct tx_batch tx = { .n = 0 };
	uint64_t bytes = 0;

	for (uint16_t i = 0; i < b->n; i++)
		bytes += rte_pktmbuf_pkt_len(b->pkts[i]);
	counter_add(&rx->rx_packets, b->n);
	counter_add(&rx->rx_bytes, bytes);

	parse_burst(w, b);
	classify_burst(w->dp, b);
	forward_burst(w, b, &tx);
	transmit(w, b, &tx);
}

int
worker_main(void *arg)
{
	struct dp_worker *w = arg;
	const struct dataplane *dp = w->dp;
	struct burst b;

	acl_log_limiter_init(&w->log_limit, dp->cfg->log_rate);
	while (!__atomic_load_n(&w->dp->quit, __ATOMIC_RELAXED)) {
		for (uint16_t q = 0; q < w->n_rxq; q++) {
			const struct dp_rxq *rxq = &w->rxq[q];

			b.in_port = rxq->port;
			b.n = rte_eth_rx_burst(dp->ports[rxq->port].port_id,
					       rxq->queue, b.pkts, SGTGW_BURST);
			if (b.n > 0)
				process_burst(w, &b);
		}
	}
	return 0;
}
