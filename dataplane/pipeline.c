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
#include "select.h"

#define PREFETCH_AHEAD 4

_Static_assert(2 * SGTGW_BURST <= SGT_TABLE_V6_LOOKUP_MAX,
	       "a burst's IPv6 addresses, two a frame, in one lookup");

/* n_drop: the caller's count of b->drop[], kept in a local (in a
 * register once this is inlined) and stored back to b once a pass is
 * done: stores to b's arrays could otherwise alias b->n_drop. */
static inline void
drop(struct dp_worker *w, struct pipeline_burst *b, uint16_t *n_drop,
     uint16_t i, enum drop_reason r)
{
	counter_add(&w->ctr->port[b->in_port].drops[r], 1);
	b->drop[(*n_drop)++] = b->pkts[i];
	b->valid[i] = false;
}

static inline void
parse_one(struct dp_worker *w, struct pipeline_burst *b, uint16_t *n_drop,
	  uint16_t i)
{
	struct rte_mbuf *m = b->pkts[i];
	enum drop_reason r = pkt_parse_seg(rte_pktmbuf_mtod(m, const uint8_t *),
					   rte_pktmbuf_data_len(m),
					   rte_pktmbuf_pkt_len(m), &b->meta[i]);

	b->valid[i] = true;
	if (r != DROP_NONE)
		drop(w, b, n_drop, i, r);
}

/* Each frame's headers prefetched PREFETCH_AHEAD frames before it is
 * parsed; the last few, with nothing left to prefetch, in a loop of
 * their own rather than behind a test in every turn. */
static void
parse_burst(struct dp_worker *w, struct pipeline_burst *b)
{
	const uint16_t n = b->n;
	uint16_t n_drop = b->n_drop;
	uint16_t i;

	for (i = 0; i < n && i < PREFETCH_AHEAD; i++)
		rte_prefetch0(rte_pktmbuf_mtod(b->pkts[i], void *));
	for (i = 0; i + PREFETCH_AHEAD < n; i++) {
		rte_prefetch0(rte_pktmbuf_mtod(b->pkts[i + PREFETCH_AHEAD],
					       void *));
		parse_one(w, b, &n_drop, i);
	}
	for (; i < n; i++)
		parse_one(w, b, &n_drop, i);
	b->n_drop = n_drop;
}

/* A burst's addresses to look up, per family, and their groups. */
struct burst_addrs {
	uint32_t v4[2 * SGTGW_BURST];
	const uint8_t *v6[2 * SGTGW_BURST];     /* in the frames */
	uint32_t n4, n6;
	/* Where each frame's addresses are in its family's arrays. */
	uint16_t src_at[SGTGW_BURST], dst_at[SGTGW_BURST];
	sgt_t sgt4[2 * SGTGW_BURST], sgt6[2 * SGTGW_BURST];
	bool found4[2 * SGTGW_BURST], found6[2 * SGTGW_BURST];
};

/* The addresses to look up, per family, and the IP frames of each: a
 * frame whose source group a trusted inline tag gives has only its
 * destination looked up. Its source group is the tag, else (for now) the
 * port's default. */
static void
gather_addrs(const struct dp_port *port, struct pipeline_burst *b,
	     struct burst_addrs *a)
{
	const bool trusted = port->cfg->trusted;
	const sgt_t dflt = port->cfg->default_sgt;
	/* Counted in locals, and the burst's length read once: stores to
	 * b's and a's arrays could otherwise alias them, which would go
	 * through memory every frame. */
	const uint16_t n = b->n;
	uint32_t n4 = 0, n6 = 0;
	uint16_t n_ip = 0, n_ip4 = 0, n_ip6 = 0;

	for (uint16_t i = 0; i < n; i++) {
		const struct pkt_meta *m = &b->meta[i];
		bool tagged = trusted & m->has_tag;

		if (!b->valid[i])
			continue;
		b->sgt[i] = tagged ? m->tag_sgt : dflt;
		b->ip[n_ip] = i;
		n_ip += m->family != PKT_NON_IP;
		if (m->family == PKT_IPV4) {
			b->ip4[n_ip4++] = i;
			/* Tagged: the destination's, read and not used. */
			a->src_at[i] = (uint16_t)n4;
			a->v4[n4] = m->src4;
			n4 += !tagged;
			a->dst_at[i] = (uint16_t)n4;
			a->v4[n4++] = m->dst4;
		} else if (m->family == PKT_IPV6) {
			b->ip6[n_ip6++] = i;
			a->src_at[i] = (uint16_t)n6;
			a->v6[n6] = m->src6;
			n6 += !tagged;
			a->dst_at[i] = (uint16_t)n6;
			a->v6[n6++] = m->dst6;
		} else {
			b->dgt[i] = SGT_UNKNOWN;
		}
	}
	a->n4 = n4;
	a->n6 = n6;
	b->n_ip = n_ip;
	b->n_ip4 = n_ip4;
	b->n_ip6 = n_ip6;
}

/* Source: the trusted tag, else the binding, else the port's default
 * (set by gather_addrs); destination: the binding, else 0. */
static void
apply_groups(const struct dp_port *port, struct pipeline_burst *b,
	     const uint16_t *ip, uint16_t n_ip, const struct burst_addrs *a,
	     const sgt_t *sgt, const bool *found)
{
	const bool trusted = port->cfg->trusted;

	/* Without a branch on whether the binding is used, which mixed
	 * traffic would mispredict. */
	for (uint16_t k = 0; k < n_ip; k++) {
		uint16_t i = ip[k];
		unsigned untagged = !(trusted && b->meta[i].has_tag);
		bool bound = untagged & (unsigned)found[a->src_at[i]];

		b->sgt[i] = (sgt_t)select_u32(bound, sgt[a->src_at[i]],
					      b->sgt[i]);
		b->dgt[i] = sgt[a->dst_at[i]];
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

/* Each listed packet's cell from the dense matrix: every entry's line
 * prefetched before the first is read. */
static void
cells_dense(const struct policy_compiled *pc, struct pipeline_burst *b,
	    const uint16_t *ip, uint16_t n)
{
	uint32_t at[SGTGW_BURST];

	for (uint16_t k = 0; k < n; k++) {
		uint16_t i = ip[k];

		at[k] = (uint32_t)pc->sgt_idx[b->sgt[i]] * pc->n_idx +
			pc->sgt_idx[b->dgt[i]];
		rte_prefetch0(&pc->matrix[at[k]]);
	}
	for (uint16_t k = 0; k < n; k++)
		b->cell[ip[k]] = pc->matrix[at[k]];
}

/* The same from the sparse matrix: each pair's home bucket prefetched;
 * then each cell's quick word, read next by judge(): a sparse matrix
 * means thousands of SGTs and tens of thousands of cells, whose quick
 * words (4 bytes each) do not stay in L1. */
static void
cells_sparse(const struct policy_compiled *pc, struct pipeline_burst *b,
	     const uint16_t *ip, uint16_t n)
{
	uint32_t key[SGTGW_BURST], bucket[SGTGW_BURST];

	for (uint16_t k = 0; k < n; k++) {
		uint16_t i = ip[k];

		key[k] = policy_pair_key(pc, b->sgt[i], b->dgt[i]);
		bucket[k] = policy_pair_bucket(pc, key[k]);
		rte_prefetch0(&pc->buckets[bucket[k]]);
	}
	for (uint16_t k = 0; k < n; k++) {
		uint32_t cell = policy_pair_find(pc, key[k], bucket[k]);

		b->cell[ip[k]] = cell;
		rte_prefetch0(&pc->quick[cell]);
	}
}

/* The counter pair of packet i's verdict, once it is known. */
static inline struct cell_count *
verdict_count(const struct pipeline_burst *b, uint16_t i)
{
	struct cell_counters *cc =
		&b->cell_ctr[b->cell[i] * 2 + (b->meta[i].family == PKT_IPV6)];

	return &cc->by[b->verdict[i] & POLICY_QUICK_VERDICT];
}

/* The log record of a packet whose deciding rule says "log", in arrival
 * order (rare, and rate-limited: the cell's line may be read again). */
static void
log_verdict(struct dp_worker *w, const struct pipeline_burst *b, uint16_t i)
{
	const struct policy_compiled *pc = b->policy;
	const struct policy_compiled_cell *c = &pc->cells[b->cell[i]];
	uint32_t ace = b->ace[i];
	uint8_t action = ace != UINT32_MAX ? pc->aces[ace].action :
					     c->final_action;

	log_hit(w, b, i, b->cell[i], ace, (enum sgacl_action)action,
		c->monitor);
}

/*
 * The verdict of the IP packets ip[0..n), in passes whose loads do not
 * depend on each other, so that their cache misses overlap instead of
 * queueing one behind the other: the matrix entries; then each cell's
 * quick word, which is the whole decision for a cell without ACEs (most
 * of them: no ACE read) and, for the others, names their ACEs (shared
 * between cells, so few and cached); then the decisions by ACEs. Each
 * packet's one counter pair is prefetched as soon as its verdict is
 * known.
 */
static void
judge(struct pipeline_burst *b, const uint16_t *ip, uint16_t n)
{
	const struct policy_compiled *pc = b->policy;
	uint16_t by_aces[SGTGW_BURST];
	uint16_t n_by_aces = 0;

	if (pc->matrix != NULL)
		cells_dense(pc, b, ip, n);
	else
		cells_sparse(pc, b, ip, n);
	/* Without a branch on whether the cell has ACEs, which mixed traffic
	 * would mispredict: a cell with ACEs gets its verdict later. */
	for (uint16_t k = 0; k < n; k++) {
		uint16_t i = ip[k];
		uint32_t q = pc->quick[b->cell[i]];
		bool aces = (q & POLICY_QUICK_ACES) != 0;
		const struct policy_run *r = &pc->runs[q >> POLICY_QUICK_RUN_SHIFT];

		b->verdict[i] = (uint8_t)(q & (POLICY_QUICK_VERDICT |
					       POLICY_QUICK_LOG));
		b->ace[i] = UINT32_MAX;
		b->count[i] = verdict_count(b, i);
		by_aces[n_by_aces] = i;
		n_by_aces += aces;
		rte_prefetch0(select_ptr(aces, &pc->aces[r->ace_first],
					 b->count[i]));
	}
	for (uint16_t k = 0; k < n_by_aces; k++) {
		uint16_t i = by_aces[k];

		b->verdict[i] = policy_decide_quick(pc, pc->quick[b->cell[i]],
						    &b->meta[i].l4, &b->ace[i]);
		b->count[i] = verdict_count(b, i);
		rte_prefetch0(b->count[i]);
	}
}

/*
 * Both groups and the verdict of every IP packet of the burst: bulk
 * lookups per address family over all of the burst's addresses, the IPv6
 * ones' probes prefetched before the IPv4 ones run and resolved after;
 * then every IP packet, of either family, judged in one set of passes (a
 * burst has few IPv6 packets: passes of their own would cost more in
 * loop overhead than they do).
 */
static void
classify_and_judge(struct dp_worker *w, struct pipeline_burst *b)
{
	const struct dp_port *port = &w->dp->ports[b->in_port];
	const struct sgt_table *t = w->dp->table;
	struct burst_addrs a;
	struct sgt_table_v6_lookup v6;

	gather_addrs(port, b, &a);
	if (a.n6)
		sgt_table_v6_lookup_begin(t, a.v6, a.n6, &v6);
	if (a.n4) {
		sgt_table_lookup_v4_bulk(t, a.v4, a.n4, a.sgt4, a.found4);
		apply_groups(port, b, b->ip4, b->n_ip4, &a, a.sgt4, a.found4);
	}
	if (a.n6) {
		sgt_table_v6_lookup_end(&v6, a.sgt6, a.found6);
		apply_groups(port, b, b->ip6, b->n_ip6, &a, a.sgt6, a.found6);
	}
	judge(b, b->ip, b->n_ip);
}

/* Count an IP packet's verdict (and log it, if its rule says so);
 * returns whether it may be forwarded. */
static inline bool
enforce(struct dp_worker *w, const struct pipeline_burst *b, uint16_t i)
{
	struct cell_count *count = b->count[i];

	if (unlikely(b->verdict[i] & POLICY_QUICK_LOG))
		log_verdict(w, b, i);
	counter_add(&count->packets, 1);
	counter_add(&count->bytes, rte_pktmbuf_pkt_len(b->pkts[i]));
	return (b->verdict[i] & POLICY_QUICK_VERDICT) != POLICY_VERDICT_DENY;
}

/* An IP packet to a peer that keeps tags as they are: to tx or drop by
 * its verdict, without a branch, which mixed traffic would mispredict.
 * Returns whether it passed. */
static inline bool
tx_or_drop(struct dp_worker *w, struct pipeline_burst *b, uint16_t i,
	   uint16_t *n_tx, uint16_t *n_drop)
{
	bool pass = enforce(w, b, i);

	b->tx[*n_tx] = b->pkts[i];
	b->drop[*n_drop] = b->pkts[i];
	*n_tx += pass;
	*n_drop += !pass;
	return pass;
}

/* The common burst: every frame an IP packet that the parser kept, and a
 * peer that keeps tags as they are. No frame's validity or family is
 * tested. */
static void
forward_all_ip(struct dp_worker *w, struct pipeline_burst *b)
{
	const uint16_t n = b->n;
	uint16_t n_tx = 0, n_drop = b->n_drop;
	uint16_t policy_drops;

	for (uint16_t i = 0; i < n; i++)
		tx_or_drop(w, b, i, &n_tx, &n_drop);
	policy_drops = n_drop - b->n_drop;
	b->n_tx = n_tx;
	b->n_drop = n_drop;
	counter_add(&w->ctr->port[b->in_port].drops[DROP_POLICY], policy_drops);
}

/* Any other burst, frame by frame: frames the parser dropped skipped,
 * non-IP ones by the non_ip rule, IP ones by their verdict, then the
 * peer and its egress tag rule (egress_tag: the peer's, or keep when
 * there is none; plain: a peer that keeps tags). */
static void
forward_each(struct dp_worker *w, struct pipeline_burst *b,
	     uint8_t egress_tag, bool plain)
{
	const struct dataplane *dp = w->dp;
	const struct dp_port *in = &dp->ports[b->in_port];
	bool non_ip_drop = dp->cfg->non_ip == CONFIG_NON_IP_DROP;
	const uint16_t n = b->n;
	uint16_t policy_drops = 0;
	uint16_t n_tx = 0, n_drop = b->n_drop;

	for (uint16_t i = 0; i < n; i++) {
		if (!b->valid[i])
			continue;
		if (b->meta[i].family == PKT_NON_IP) {
			if (non_ip_drop) {
				drop(w, b, &n_drop, i, DROP_NON_IP);
				continue;
			}
		} else if (plain) {
			policy_drops += !tx_or_drop(w, b, i, &n_tx, &n_drop);
			continue;
		} else if (!enforce(w, b, i)) {
			drop(w, b, &n_drop, i, DROP_POLICY);
			continue;
		}
		if (unlikely(in->peer < 0)) {
			drop(w, b, &n_drop, i, DROP_NO_PEER);
			continue;
		}
		if (egress_tag != CONFIG_TAG_KEEP) {
			enum drop_reason r = inline_tag_apply(b->pkts[i], &b->meta[i],
							      egress_tag, b->sgt[i]);
			if (unlikely(r != DROP_NONE)) {
				drop(w, b, &n_drop, i, r);
				continue;
			}
		}
		b->tx[n_tx++] = b->pkts[i];
	}
	b->n_tx = n_tx;
	b->n_drop = n_drop;
	counter_add(&w->ctr->port[b->in_port].drops[DROP_POLICY], policy_drops);
}

static void
forward_burst(struct dp_worker *w, struct pipeline_burst *b)
{
	const struct dataplane *dp = w->dp;
	const struct dp_port *in = &dp->ports[b->in_port];
	/* Per burst, not per packet: the egress port's tag rule ("keep"
	 * leaves the frame as it is, no call needed). */
	uint8_t egress_tag = in->peer < 0 ? CONFIG_TAG_KEEP :
			     dp->ports[in->peer].cfg->egress_tag;
	/* The common case: a peer that keeps tags as they are. */
	bool plain = in->peer >= 0 && egress_tag == CONFIG_TAG_KEEP;

	classify_and_judge(w, b);
	if (plain && b->n_ip == b->n)
		forward_all_ip(w, b);
	else
		forward_each(w, b, egress_tag, plain);
}

void
pipeline_run(struct dp_worker *w, struct pipeline_burst *b)
{
	b->n_tx = 0;
	b->n_drop = 0;
	parse_burst(w, b);
	forward_burst(w, b);
}
