/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The policy runtime: what workers judge packets by. One compiled policy,
 * the model it was compiled from (names for views and log records), and
 * its per-cell counters: one array per worker (written by that worker
 * alone) plus a base array holding what earlier runtimes counted for the
 * same cells, so counters survive a policy change.
 *
 * The dataplane publishes exactly one runtime (dataplane.policy_rt).
 * Workers load the pointer once per burst, so a burst is judged by one
 * policy, never a mix. The control lcore replaces it with one atomic store
 * (policy_rt_swap) and frees the old one only after every worker has
 * reported a quiescent state (rte_rcu_qsbr), when none can still see it.
 */
#ifndef SGTGW_POLICY_RT_H
#define SGTGW_POLICY_RT_H

#include <stdbool.h>
#include <stdint.h>

#include "counters.h"
#include "dataplane.h"
#include "policy.h"

struct policy_rt {
	struct policy_compiled *compiled;
	const struct policy *model;     /* compiled->model */
	struct policy *owned;           /* the model, when this runtime owns it */
	uint64_t generation;
	uint32_t n_workers;
	/* n_cells * 2 each (cell * 2 + is_ipv6), as struct cell_counters. */
	struct cell_counters *cells[SGTGW_MAX_WORKERS];
	struct cell_counters *base;
};

/*
 * Compile model into a new runtime of the given generation with zeroed
 * counters for n_workers workers; worker_socket[w] is the NUMA socket of
 * worker w's counters (NULL: any). With own set, the runtime takes the
 * model (its contents are moved out of *model, which is left empty) and
 * frees it with itself; else model must outlive the runtime. NULL with a
 * message in err when the policy does not compile or memory is short.
 */
struct policy_rt *policy_rt_create(struct policy *model, bool own,
				   uint64_t generation, uint32_t n_workers,
				   const int *worker_socket, char *err,
				   size_t errlen);
void policy_rt_free(struct policy_rt *rt);

/* A model with no SGTs, SGACLs or cells whose default cell permits or
 * denies every IP packet: the no-cache rule (config no_cache). */
void policy_rt_fail_model(struct policy *model, bool permit);

/* The counters of compiled cell row idx (cell * 2 + is_ipv6): the base
 * plus every worker's. */
void policy_rt_sum_cell(const struct policy_rt *rt, uint32_t idx,
			struct cell_counters *sum);

/*
 * Control lcore: publish next in place of the current runtime, wait until
 * no worker can see the old one, carry the old one's counters over to the
 * cells of next with the same (SGT, DGT) (and default to default), and
 * free it. Telemetry is kept out meanwhile (dataplane.view_lock).
 */
void policy_rt_swap(struct dataplane *dp, struct policy_rt *next);

/* Worker: the runtime to judge the next burst by. */
static inline const struct policy_rt *
policy_rt_load(struct policy_rt *const *published)
{
	return __atomic_load_n(published, __ATOMIC_ACQUIRE);
}

#endif
