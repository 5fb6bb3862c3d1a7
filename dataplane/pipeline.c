/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One burst through parse -> bulk IP-to-SGT lookups -> matrix cell -> SGACL
 * -> egress tag (see pipeline.h). No locks, no allocation, no system calls.
 */
#include <string.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "inline_tag.h"
#include "pipeline.h"

#define PREFETCH_AHEAD 4

static inline void
drop(struct dp_worker *w, struct pipeline_burst *b, uint16_t i,
     enum drop_reason r)
{
	counter_add(&w->ctr->port[b->in_port].drops[r], 1);
	b->drop[b->n_drop++] = b->pkts[i];
	b->valid[i] = false;
}

static void
parse_burst(struct dp_worker *w, struct pipeline_burst *b)
{
	for (uint16_t i = 0; i < b->n && i < PREFETCH_AHEAD; i++)
		rte_prefetch0(rte_pktmbuf_mtod(b->pkts[i], void *));

	for (uint16_t i = 0; i < b->n; i++) {
		struct rte_mbuf *m = b->pkts[i];

		if (i + PREFETCH_AHEAD < b->n)
			rte_prefetch0(rte_pktmbuf_mtod(b->pkts[i + PREFETCH_AHEAD],
						       void *));
		enum drop_reason r = pkt_parse_seg(rte_pktmbuf_mtod(m, const uint8_t *),
						   rte_pktmbuf_data_len(m),
						   rte_pktmbuf_pkt_len(m), &b->meta[i]);
		b->valid[i] = true;
		if (r != DROP_NONE)
			drop(w, b, i, r);
	}
}

/* Source and destination groups for the whole burst: one bulk lookup per
 * address family over every address to look up, all at once. A frame
 * whose source group a trusted inline tag gives has only its destination
 * looked up. */
static void
classify_burst(const struct dataplane *dp, struct pipeline_burst *b)
{
	const struct dp_port *port = &dp->ports[b->in_port];
	const bool trusted = port->cfg->trusted;
	const sgt_t dflt = port->cfg->default_sgt;
	uint32_t v4[2 * SGTGW_BURST];
	uint8_t v6[2 * SGTGW_BURST][16];
	sgt_t v4_sgt[2 * SGTGW_BURST], v6_sgt[2 * SGTGW_BURST];
	bool v4_found[2 * SGTGW_BURST], v6_found[2 * SGTGW_BURST];
	/* Where each frame's addresses are in its family's arrays. */
	uint8_t src_at[SGTGW_BURST], dst_at[SGTGW_BURST];
	uint32_t n4 = 0, n6 = 0;

	b->n_ip = 0;
	for (uint16_t i = 0; i < b->n; i++) {
		const struct pkt_meta *m = &b->meta[i];
		bool tagged = trusted && m->has_tag;

		if (!b->valid[i])
			continue;
		b->sgt[i] = tagged ? m->tag_sgt : dflt;
		if (m->family == PKT_IPV4) {
			b->ip[b->n_ip++] = i;
			if (!tagged) {
				src_at[i] = (uint8_t)n4;
				v4[n4++] = m->src4;
			}
			dst_at[i] = (uint8_t)n4;
			v4[n4++] = m->dst4;
		} else if (m->family == PKT_IPV6) {
			b->ip[b->n_ip++] = i;
			if (!tagged) {
				src_at[i] = (uint8_t)n6;
				memcpy(v6[n6++], m->src6, 16);
			}
			dst_at[i] = (uint8_t)n6;
			memcpy(v6[n6++], m->dst6, 16);
		} else {
			b->dgt[i] = SGT_UNKNOWN;
		}
	}
	if (n4)
		sgt_table_lookup_v4_bulk(dp->table, v4, n4, v4_sgt, v4_found);
	if (n6)
		sgt_table_lookup_v6_bulk(dp->table, (const uint8_t (*)[16])v6,
					 n6, v6_sgt, v6_found);
	/* Source: the trusted tag, else the binding, else the port's default
	 * (set above); destination: the binding, else 0. */
	for (uint16_t k = 0; k < b->n_ip; k++) {
		uint16_t i = b->ip[k];
		const struct pkt_meta *m = &b->meta[i];
		bool v6f = m->family == PKT_IPV6;
		const sgt_t *sgt = v6f ? v6_sgt : v4_sgt;
		const bool *found = v6f ? v6_found : v4_found;

		if (!(trusted && m->has_tag) && found[src_at[i]])
			b->sgt[i] = sgt[src_at[i]];
		b->dgt[i] = sgt[dst_at[i]];
	}
}

static void
log_hit(struct dp_worker *w, const struct pipeline_burst *b, uint16_t i,
	uint32_t cell, uint32_t ace, enum sgacl_action action, bool monitor)
{
	const struct pkt_meta *m = &b->meta[i];
	struct acl_log_record r = {
		.cell = cell, .ace = ace, .action = (uint8_t)action,
		.monitor = monitor, .ipv6 = m->family == PKT_IPV6,
		.proto = m->l4.proto, .sport = m->l4.sport, .dport = m->l4.dport,
		.in_port = b->in_port, .sgt = b->sgt[i], .dgt = b->dgt[i],
		.policy_tag = acl_log_policy_tag(b->policy),
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

/* Each IP packet's cell from the dense matrix: every entry's line
 * prefetched before the first is read. */
static void
cells_dense(const struct policy_compiled *pc, struct pipeline_burst *b)
{
	uint32_t at[SGTGW_BURST];

	for (uint16_t k = 0; k < b->n_ip; k++) {
		uint16_t i = b->ip[k];

		at[k] = (uint32_t)pc->sgt_idx[b->sgt[i]] * pc->n_idx +
			pc->sgt_idx[b->dgt[i]];
		rte_prefetch0(&pc->matrix[at[k]]);
	}
	for (uint16_t k = 0; k < b->n_ip; k++)
		b->cell[b->ip[k]] = pc->matrix[at[k]];
}

/* The same from the sparse matrix: each pair's home bucket prefetched. */
static void
cells_sparse(const struct policy_compiled *pc, struct pipeline_burst *b)
{
	uint32_t key[SGTGW_BURST], bucket[SGTGW_BURST];

	for (uint16_t k = 0; k < b->n_ip; k++) {
		uint16_t i = b->ip[k];

		key[k] = policy_pair_key(pc, b->sgt[i], b->dgt[i]);
		bucket[k] = policy_pair_bucket(pc, key[k]);
		rte_prefetch0(&pc->buckets[bucket[k]]);
	}
	for (uint16_t k = 0; k < b->n_ip; k++)
		b->cell[b->ip[k]] = policy_pair_find(pc, key[k], bucket[k]);
}

/*
 * The compiled cell of every IP packet of the burst, in passes whose loads
 * do not depend on each other, so that the burst's cache misses overlap
 * instead of queueing one behind the other: the matrix entries; then the
 * cells and their counters; then the first ACE of the cells that have any
 * (a cell without ACEs decides by its final action, no classifier).
 */
static void
cells_burst(const struct policy_compiled *pc, struct pipeline_burst *b)
{
	if (pc->matrix != NULL)
		cells_dense(pc, b);
	else
		cells_sparse(pc, b);
	for (uint16_t k = 0; k < b->n_ip; k++) {
		uint16_t i = b->ip[k];
		uint32_t cell = b->cell[i];
		const struct cell_counters *cc =
			&b->cell_ctr[cell * 2 + (b->meta[i].family == PKT_IPV6)];

		rte_prefetch0(&pc->cells[cell]);
		/* 48 bytes: perhaps across two cache lines. */
		rte_prefetch0(&cc->permitted);
		rte_prefetch0(&cc->monitored_bytes);
	}
	for (uint16_t k = 0; k < b->n_ip; k++) {
		const struct policy_compiled_cell *c = &pc->cells[b->cell[b->ip[k]]];

		if (c->ace_count != 0)
			rte_prefetch0(&pc->aces[c->ace_first]);
	}
}

/* Judge one IP packet by its cell; returns whether it may be forwarded. */
static bool
enforce(struct dp_worker *w, const struct policy_compiled *pc,
	const struct pipeline_burst *b, uint16_t i)
{
	const struct pkt_meta *m = &b->meta[i];
	uint32_t cell = b->cell[i];
	const struct policy_compiled_cell *c = &pc->cells[cell];
	struct cell_counters *cc = &b->cell_ctr[cell * 2 + (m->family == PKT_IPV6)];
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
forward_burst(struct dp_worker *w, struct pipeline_burst *b)
{
	const struct dataplane *dp = w->dp;
	const struct dp_port *in = &dp->ports[b->in_port];
	const struct policy_compiled *pc = b->policy;
	bool non_ip_drop = dp->cfg->non_ip == CONFIG_NON_IP_DROP;
	/* Per burst, not per packet: the egress port's tag rule ("keep"
	 * leaves the frame as it is, no call needed). */
	uint8_t egress_tag = in->peer < 0 ? CONFIG_TAG_KEEP :
			     dp->ports[in->peer].cfg->egress_tag;

	cells_burst(pc, b);
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
		if (egress_tag != CONFIG_TAG_KEEP) {
			enum drop_reason r = inline_tag_apply(b->pkts[i], &b->meta[i],
							      egress_tag, b->sgt[i]);
			if (unlikely(r != DROP_NONE)) {
				drop(w, b, i, r);
				continue;
			}
		}
		b->tx[b->n_tx++] = b->pkts[i];
	}
}

void
pipeline_run(struct dp_worker *w, struct pipeline_burst *b)
{
	b->n_tx = 0;
	b->n_drop = 0;
	parse_burst(w, b);
	classify_burst(w->dp, b);
	forward_burst(w, b);
}
