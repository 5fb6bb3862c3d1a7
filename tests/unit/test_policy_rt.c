/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Policy runtimes: the no-cache rule compiles to one cell that permits or
 * denies every packet; a runtime can own its model (moved out of the
 * caller's) or borrow it; a swap publishes the new runtime, carries every
 * cell's counters over to the new cell with the same (SGT, DGT) and the
 * default to the default, starts new cells at zero, and records the new
 * generation. Run under ASan, the old runtime's freeing is checked too.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "unit_eal.h"
#include "policy_rt.h"

static int
eal_setup(void **state)
{
	(void)state;
	return unit_eal_init("test_policy_rt", "256");
}

static int
eal_teardown(void **state)
{
	(void)state;
	return unit_eal_cleanup();
}

/* ---- helpers ---- */

/* A policy of "permit ip" / "deny ip" cells, (src, dst) pairs given. */
static void
model_of(struct policy *p, const sgt_t (*cells)[2], uint32_t n, bool permit_default)
{
	policy_rt_fail_model(p, permit_default);
	p->cells = calloc(n, sizeof(*p->cells));
	assert_non_null(p->cells);
	p->n_cells = n;
	for (uint32_t i = 0; i < n; i++) {
		p->cells[i].src = cells[i][0];
		p->cells[i].dst = cells[i][1];
		p->cells[i].catch_all = POLICY_CATCH_ALL_PERMIT;
	}
}

static struct policy_rt *
runtime(const sgt_t (*cells)[2], uint32_t n, uint64_t generation)
{
	struct policy model;
	char err[256];
	struct policy_rt *rt;

	model_of(&model, cells, n, false);
	rt = policy_rt_create(&model, true, generation, 1, NULL, err, sizeof(err));
	if (rt == NULL)
		fail_msg("%s", err);
	assert_int_equal(model.n_cells, 0);    /* moved out */
	return rt;
}

static uint32_t
cell_of(const struct policy_rt *rt, sgt_t src, sgt_t dst)
{
	return policy_cell_of(rt->compiled, src, dst);
}

/* As a worker counts: its own array, cell * 2 + is_ipv6. */
static void
count(struct policy_rt *rt, uint32_t cell, uint64_t permitted, uint64_t denied)
{
	rt->cells[0][cell * 2].by[POLICY_VERDICT_PERMIT].packets += permitted;
	rt->cells[0][cell * 2].by[POLICY_VERDICT_DENY].packets += denied;
	rt->cells[0][cell * 2 + 1].by[POLICY_VERDICT_PERMIT].packets += 1;
}

static struct cell_counters
sum(const struct policy_rt *rt, uint32_t cell, int af)
{
	struct cell_counters c;

	policy_rt_sum_cell(rt, cell * 2 + (uint32_t)af, &c);
	return c;
}

/* The part of a dataplane a swap touches: one worker, offline (so no
 * grace period waits), with a log ring. */
static void
dataplane_new(struct dataplane *dp, struct policy_rt *rt)
{
	memset(dp, 0, sizeof(*dp));
	dp->n_workers = 1;
	dp->rcu = rte_zmalloc(NULL, rte_rcu_qsbr_get_memsize(1), RTE_CACHE_LINE_SIZE);
	assert_non_null(dp->rcu);
	assert_int_equal(rte_rcu_qsbr_init(dp->rcu, 1), 0);
	assert_int_equal(rte_rcu_qsbr_thread_register(dp->rcu, 0), 0);
	dp->workers[0].log_ring = rte_ring_create_elem("prt_log",
		sizeof(struct acl_log_record), 64, SOCKET_ID_ANY,
		RING_F_SP_ENQ | RING_F_SC_DEQ);
	assert_non_null(dp->workers[0].log_ring);
	pthread_mutex_init(&dp->view_lock, NULL);
	dp->policy_rt = rt;
	dp->policy_generation = rt->generation;
}

static void
dataplane_free(struct dataplane *dp)
{
	policy_rt_free(dp->policy_rt);
	rte_ring_free(dp->workers[0].log_ring);
	rte_free(dp->rcu);
	pthread_mutex_destroy(&dp->view_lock);
}

/* ---- tests ---- */

static void
test_fail_rule(void **state)
{
	struct sgacl_pkt pkt = { .proto = 6, .has_ports = true, .dport = 80 };
	struct policy model;
	char err[256];
	uint32_t ace;
	bool log;

	(void)state;
	for (int permit = 0; permit < 2; permit++) {
		struct policy_rt *rt;

		policy_rt_fail_model(&model, permit);
		rt = policy_rt_create(&model, true, 0, 2, NULL, err, sizeof(err));
		assert_non_null(rt);
		assert_int_equal(rt->compiled->n_cells, 1);
		assert_int_equal(rt->model->n_names + rt->model->n_sgacls, 0);
		assert_int_equal(cell_of(rt, 10, 20), POLICY_DEFAULT_CELL);
		assert_int_equal(policy_decide(rt->compiled, POLICY_DEFAULT_CELL,
					       &pkt, &ace, &log),
				 permit ? SGACL_PERMIT : SGACL_DENY);
		assert_non_null(rt->cells[0]);
		assert_non_null(rt->cells[1]);
		assert_null(rt->cells[2]);
		policy_rt_free(rt);
	}
}

static void
test_borrowed_model(void **state)
{
	static const sgt_t cells[][2] = { { 1, 2 } };
	struct policy model;
	struct policy_rt *rt;
	char err[256];

	(void)state;
	model_of(&model, cells, 1, true);
	rt = policy_rt_create(&model, false, 7, 1, NULL, err, sizeof(err));
	assert_non_null(rt);
	assert_ptr_equal(rt->model, &model);
	assert_null(rt->owned);
	assert_int_equal(rt->compiled->generation, 7);
	assert_int_equal(model.n_cells, 1);     /* still the caller's */
	policy_rt_free(rt);
	policy_model_free(&model);
	assert_null(policy_rt_create(&model, false, 1, SGTGW_MAX_WORKERS + 1,
				     NULL, err, sizeof(err)));
	assert_string_equal(err, "65 workers: at most 64");
}

static void
test_swap_carries_counters(void **state)
{
	static const sgt_t old_cells[][2] = { { 1, 2 }, { 1, 3 } };
	static const sgt_t new_cells[][2] = { { 4, 5 }, { 1, 2 } };
	struct policy_rt *old = runtime(old_cells, 2, 1), *next;
	struct dataplane dp;
	struct cell_counters c;

	(void)state;
	dataplane_new(&dp, old);
	count(old, cell_of(old, 1, 2), 100, 0);
	count(old, cell_of(old, 1, 3), 0, 7);
	count(old, POLICY_DEFAULT_CELL, 0, 40);
	/* From before. */
	old->base[cell_of(old, 1, 2) * 2].by[POLICY_VERDICT_PERMIT].packets = 1000;

	next = runtime(new_cells, 2, 2);
	count(next, cell_of(next, 1, 2), 5, 0);     /* a worker already on it */
	policy_rt_swap(&dp, next);
	assert_ptr_equal(dp.policy_rt, next);
	assert_int_equal(dp.policy_generation, 2);

	c = sum(next, cell_of(next, 1, 2), 0);
	assert_int_equal(c.by[POLICY_VERDICT_PERMIT].packets, 1105);
	assert_int_equal(c.by[POLICY_VERDICT_DENY].packets, 0);
	assert_int_equal(sum(next, cell_of(next, 1, 2), 1)
			 .by[POLICY_VERDICT_PERMIT].packets, 2);
	assert_int_equal(sum(next, POLICY_DEFAULT_CELL, 0)
			 .by[POLICY_VERDICT_DENY].packets, 40);
	c = sum(next, cell_of(next, 4, 5), 0);
	assert_int_equal(c.by[POLICY_VERDICT_PERMIT].packets +
			 c.by[POLICY_VERDICT_DENY].packets, 0);
	/* (1, 3) is gone: its packets now count in the default cell. */
	assert_int_equal(cell_of(next, 1, 3), POLICY_DEFAULT_CELL);
	dataplane_free(&dp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fail_rule),
		cmocka_unit_test(test_borrowed_model),
		cmocka_unit_test(test_swap_carries_counters),
	};

	return cmocka_run_group_tests_name("policy_rt", tests, eal_setup,
					   eal_teardown);
}
