/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The packet path of one burst without the I/O around it: parse every frame,
 * classify the burst (bulk IP-to-SGT lookups), judge each IP packet by its
 * cell's SGACL, count, and apply the egress port's inline-tag rule. The
 * worker loop (worker.c) wraps it in rx and tx; the pipeline benchmark
 * (tests/bench/) runs it on prepared bursts. It neither receives, sends nor
 * frees a frame: it says which to send and which to free.
 */
#ifndef SGTGW_PIPELINE_H
#define SGTGW_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "dataplane.h"
#include "pkt_parse.h"

struct pipeline_burst {
	/* In: the frames as received, and the port (index in
	 * dataplane.ports) they came from. */
	uint16_t n;
	uint16_t in_port;
	struct rte_mbuf *pkts[SGTGW_BURST];
	/* In: the policy to judge the whole burst by and the worker's
	 * counters for its cells (n_cells * 2), as the caller loaded them
	 * once for this burst (policy_rt.h). */
	const struct policy_compiled *policy;
	struct cell_counters *cell_ctr;

	/* Out: frames to send on the peer port, in arrival order (inline tag
	 * applied), and frames to free (dropped, counted by reason). Every
	 * frame of pkts[] ends in exactly one of the two. */
	uint16_t n_tx;
	uint16_t n_drop;
	struct rte_mbuf *tx[SGTGW_BURST];
	struct rte_mbuf *drop[SGTGW_BURST];

	/* The pipeline's own, per frame. */
	struct pkt_meta meta[SGTGW_BURST];
	bool valid[SGTGW_BURST];
	sgt_t sgt[SGTGW_BURST];
	sgt_t dgt[SGTGW_BURST];
	uint32_t cell[SGTGW_BURST];     /* compiled cell (IP frames) */
	/* IP frames: enum policy_verdict, | POLICY_QUICK_LOG when the rule
	 * that decided logs, and then the compiled ACE that did (UINT32_MAX:
	 * the cell's final action). */
	uint8_t verdict[SGTGW_BURST];
	uint32_t ace[SGTGW_BURST];
	struct cell_count *count[SGTGW_BURST]; /* the verdict's counters */
	/* Valid IP frames, in order: each family's, and both. */
	uint16_t n_ip4, n_ip6, n_ip;
	uint16_t ip4[SGTGW_BURST], ip6[SGTGW_BURST], ip[SGTGW_BURST];
};

/* Run the burst b (n, in_port, pkts set) through w's tables and policy;
 * counts drops by reason and per-cell verdicts in w's counters (not rx/tx,
 * which are the I/O's). */
void pipeline_run(struct dp_worker *w, struct pipeline_burst *b);

#endif
