/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Building, publishing and retiring policy runtimes (policy_rt.h). All of
 * it runs on the control lcore, none on a worker.
 */
#include "policy_rt.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_rcu_qsbr.h>

#include "acl_log.h"
#include "log.h"

static struct cell_counters *
counters_new(uint32_t n_cells, int socket)
{
	return rte_zmalloc_socket("cell_counters",
				  (size_t)n_cells * 2 * sizeof(struct cell_counters),
				  RTE_CACHE_LINE_SIZE, socket);
}

static int
counters_init(struct policy_rt *rt, const int *worker_socket, char *err,
	      size_t errlen)
{
	uint32_t n = rt->compiled->n_cells;

	rt->base = counters_new(n, SOCKET_ID_ANY);
	if (rt->base == NULL)
		goto oom;
	for (uint32_t w = 0; w < rt->n_workers; w++) {
		rt->cells[w] = counters_new(n, worker_socket ? worker_socket[w] :
					    SOCKET_ID_ANY);
		if (rt->cells[w] == NULL)
			goto oom;
	}
	return 0;
oom:
	snprintf(err, errlen, "out of memory for the counters of %u cells and "
		 "%u workers", n, rt->n_workers);
	return -1;
}

/* The runtime takes the model: moved, not copied, since the compiled
 * policy will point into it. NULL (model untouched) when out of memory. */
static struct policy *
take_model(struct policy *model)
{
	struct policy *owned = malloc(sizeof(*owned));

	if (owned == NULL)
		return NULL;
	*owned = *model;
	memset(model, 0, sizeof(*model));
	return owned;
}

struct policy_rt *
policy_rt_create(struct policy *model, bool own, uint64_t generation,
		 uint32_t n_workers, const int *worker_socket, char *err,
		 size_t errlen)
{
	struct policy_rt *rt = NULL;

	if (n_workers > SGTGW_MAX_WORKERS) {
		snprintf(err, errlen, "%u workers: at most %u", n_workers,
			 SGTGW_MAX_WORKERS);
		goto fail;
	}
	rt = calloc(1, sizeof(*rt));
	if (rt == NULL || (own && (rt->owned = take_model(model)) == NULL)) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	rt->generation = generation;
	rt->n_workers = n_workers;
	rt->model = own ? rt->owned : model;
	rt->compiled = policy_compile(rt->model, err, errlen);
	if (rt->compiled == NULL || counters_init(rt, worker_socket, err, errlen) < 0)
		goto fail;
	rt->compiled->generation = generation;
	return rt;
fail:
	/* An owned model goes with the runtime; one not yet taken, here. */
	if (own && (rt == NULL || rt->owned == NULL))
		policy_model_free(model);
	policy_rt_free(rt);
	return NULL;
}

void
policy_rt_free(struct policy_rt *rt)
{
	if (rt == NULL)
		return;
	for (uint32_t w = 0; w < rt->n_workers; w++)
		rte_free(rt->cells[w]);
	rte_free(rt->base);
	policy_compiled_free(rt->compiled);
	if (rt->owned != NULL) {
		policy_model_free(rt->owned);
		free(rt->owned);
	}
	free(rt);
}

void
policy_rt_fail_model(struct policy *model, bool permit)
{
	memset(model, 0, sizeof(*model));
	model->default_cell.catch_all = permit ? POLICY_CATCH_ALL_PERMIT :
						 POLICY_CATCH_ALL_DENY;
	model->default_cell.mode = POLICY_CELL_ENFORCE;
}

static void
cell_add(struct cell_counters *sum, const struct cell_counters *c)
{
	for (uint32_t v = 0; v < POLICY_VERDICTS; v++) {
		sum->by[v].packets += counter_read(&c->by[v].packets);
		sum->by[v].bytes += counter_read(&c->by[v].bytes);
	}
}

void
policy_rt_sum_cell(const struct policy_rt *rt, uint32_t idx,
		   struct cell_counters *sum)
{
	memset(sum, 0, sizeof(*sum));
	cell_add(sum, &rt->base[idx]);
	for (uint32_t w = 0; w < rt->n_workers; w++)
		cell_add(sum, &rt->cells[w][idx]);
}

/* The cell of old with the same (SGT, DGT) as cell c of new, or -1. */
static int64_t
same_cell(const struct policy_compiled *old, const struct policy_compiled *new,
	  uint32_t c)
{
	const struct policy_compiled_cell *nc = &new->cells[c];
	uint32_t oc;

	if (nc->is_default)
		return POLICY_DEFAULT_CELL;
	oc = policy_cell_of(old, nc->src, nc->dst);
	if (old->cells[oc].is_default || old->cells[oc].src != nc->src ||
	    old->cells[oc].dst != nc->dst)
		return -1;
	return oc;
}

/* What old counted, into next's base. Workers no longer touch old. */
static void
carry_counters(struct policy_rt *next, const struct policy_rt *old)
{
	for (uint32_t c = 0; c < next->compiled->n_cells; c++) {
		int64_t oc = same_cell(old->compiled, next->compiled, c);

		if (oc < 0)
			continue;
		for (uint32_t af = 0; af < 2; af++) {
			struct cell_counters sum;

			policy_rt_sum_cell(old, (uint32_t)oc * 2 + af, &sum);
			/* next's base is ours alone: telemetry is locked out. */
			next->base[c * 2 + af] = sum;
		}
	}
}

static void
drain_logs(struct dataplane *dp, const struct policy_compiled *cur,
	   const struct policy_compiled *prev)
{
	for (uint32_t w = 0; w < dp->n_workers; w++)
		acl_log_drain(dp->workers[w].log_ring, cur, prev, dp->port_names);
}

void
policy_rt_swap(struct dataplane *dp, struct policy_rt *next)
{
	struct policy_rt *old;

	pthread_mutex_lock(&dp->view_lock);
	old = dp->policy_rt;
	__atomic_store_n(&dp->policy_rt, next, __ATOMIC_RELEASE);
	/* After this every worker has finished the burst it judged by old. */
	rte_rcu_qsbr_synchronize(dp->rcu, RTE_QSBR_THRID_INVALID);
	/* Records of either policy may be queued; each names the one it
	 * came from. */
	drain_logs(dp, next->compiled, old->compiled);
	carry_counters(next, old);
	__atomic_store_n(&dp->policy_generation, next->generation,
			 __ATOMIC_RELAXED);
	pthread_mutex_unlock(&dp->view_lock);
	policy_rt_free(old);
}
