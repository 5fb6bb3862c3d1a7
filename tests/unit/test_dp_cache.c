/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The cache writer's own copy of the bindings, fed by the change log:
 * replayed in pieces (consumed mid-way, then continued) it equals the
 * applied bindings after adds, replaces, deletes and a mark and sweep;
 * the file the writer thread writes from it, read back, holds exactly the
 * applied bindings and generations of the point it was asked at, and the
 * policy; a dropped log falls back to a full copy.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_memory.h>

#include "unit_eal.h"
#include "cache_file.h"
#include "dp_binding_log.h"
#include "dp_binding_map.h"
#include "dp_bindings.h"
#include "dp_cache.h"
#include "policy_rt.h"
#include "sgt_table.h"

/* More than two chunks, so that chunks fill and change hands. */
#define HOSTS (2 * BINDING_LOG_CHUNK + 1000)

static int
eal_setup(void **state)
{
	(void)state;
	return unit_eal_init("test_dp_cache", "512");
}

static int
eal_teardown(void **state)
{
	(void)state;
	return unit_eal_cleanup();
}

/* ---- helpers ---- */

static unsigned int table_seq;

static struct sgt_table *
table_new(void)
{
	char name[SGT_TABLE_NAME_MAX + 1];
	struct sgt_table_params tp = {
		.name = name, .socket_id = SOCKET_ID_ANY,
		.max_v4_hosts = 4 * HOSTS, .max_v4_prefixes = 64,
		.max_v6_hosts = 64, .max_v6_prefixes = 16,
	};
	struct sgt_table *t;

	snprintf(name, sizeof(name), "dpc%u", table_seq++);
	t = sgt_table_create(&tp);
	assert_non_null(t);
	return t;
}

/* Host i of 10.0.0.0/8, or with i past 1 << 24 an IPv6 host or prefix. */
static struct binding
host(uint32_t i, sgt_t sgt, enum binding_source src)
{
	struct binding b = { .family = AF_INET, .prefix_len = 32,
			     .sgt = sgt, .source = (uint8_t)src };

	if (i >= 1u << 24) {
		b.family = AF_INET6;
		b.prefix_len = i & 1 ? 128 : 64;
		b.addr[0] = 0x20, b.addr[1] = 0x01;
		b.addr[5] = (uint8_t)(i >> 16);
		b.addr[6] = (uint8_t)(i >> 8);
		b.addr[7] = (uint8_t)i;
		if (i & 1)
			b.addr[15] = 1;
		return b;
	}
	b.addr[0] = 10;
	b.addr[1] = (uint8_t)(i >> 16);
	b.addr[2] = (uint8_t)(i >> 8);
	b.addr[3] = (uint8_t)i;
	return b;
}

static enum binding_source
src_of(uint32_t i)
{
	return (enum binding_source)(BINDING_SRC_CLI + i % BINDING_SRC_MAX);
}

static void
add(struct dp_bindings *d, uint32_t i, sgt_t sgt)
{
	struct binding b = host(i, sgt, src_of(i + sgt));

	assert_int_equal(dp_bindings_add(d, &b), 0);
}

static void
del(struct dp_bindings *d, uint32_t i)
{
	struct binding b = host(i, 0, BINDING_SRC_CLI);

	dp_bindings_del(d, &b);
}

/* The order dp_bindings_list gives: family, address, length. */
static int
order(const void *pa, const void *pb)
{
	const struct binding *a = pa, *b = pb;
	int c;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	c = memcmp(a->addr, b->addr, sizeof(a->addr));
	if (c != 0)
		return c;
	return (a->prefix_len > b->prefix_len) - (a->prefix_len < b->prefix_len);
}

/* Field by field: struct binding has a padding byte. */
static void
assert_same_list(const struct binding *a, uint32_t na,
		 const struct binding *b, uint32_t nb)
{
	assert_int_equal(na, nb);
	for (uint32_t i = 0; i < na; i++) {
		assert_int_equal(a[i].family, b[i].family);
		assert_int_equal(a[i].prefix_len, b[i].prefix_len);
		assert_int_equal(a[i].source, b[i].source);
		assert_int_equal(a[i].sgt, b[i].sgt);
		assert_memory_equal(a[i].addr, b[i].addr, sizeof(a[i].addr));
	}
}

/* A sorted list of the bindings held by d. */
static void
list_of(struct dp_bindings *d, struct binding **b, uint32_t *n)
{
	assert_int_equal(dp_bindings_list(d, b, n), 0);
}

static void
assert_same(struct binding_map *copy, struct dp_bindings *applied)
{
	struct binding *a, *b;
	uint32_t na, nb;

	assert_int_equal(binding_map_list(copy, &a, &na), 0);
	assert_int_equal(na, binding_map_count(copy));
	qsort(a, na, sizeof(*a), order);
	list_of(applied, &b, &nb);
	assert_same_list(a, na, b, nb);
	free(a);
	free(b);
}

/* Take what the log holds (all: the open chunk too) and replay it. */
static uint64_t
consume(struct binding_log *log, bool all, struct binding_map *copy)
{
	struct binding_log_list l = { 0 };
	struct binding_log_chunk *c;
	uint64_t n;

	binding_log_take(log, all, &l);
	n = l.records;
	while ((c = binding_log_pop(&l)) != NULL) {
		assert_true(c->n == BINDING_LOG_CHUNK || all);
		assert_int_equal(binding_map_replay(copy, c), 0);
		free(c);
	}
	assert_null(l.head);
	assert_int_equal(l.records, 0);
	return n;
}

/* Churn over the hosts: replaces with another SGT or source, deletes
 * (and deletes of prefixes not held, which are not recorded), new ones;
 * then a mark and sweep that keeps one host in three. */
static void
churn(struct dp_bindings *d, uint32_t round)
{
	for (uint32_t i = 0; i < HOSTS; i += 3)
		add(d, i, (sgt_t)(100 + round));
	for (uint32_t i = 1; i < HOSTS; i += 7)
		del(d, i);
	del(d, 4 * HOSTS);
	for (uint32_t i = HOSTS; i < HOSTS + 500; i++)
		add(d, i + round * 1000, (sgt_t)(200 + round));
	add(d, (1u << 24) + 1, 5);
	add(d, (1u << 24) + 2, 6);
}

static void
mark_and_sweep(struct dp_bindings *d)
{
	dp_bindings_mark(d);
	for (uint32_t i = 0; i < HOSTS; i += 3)
		add(d, i, (sgt_t)(300 + i % 5));
	add(d, (1u << 24) + 1, 7);
	assert_true(dp_bindings_sweep(d) > 0);
}

/* ---- the log and the copy ---- */

static void
test_replay_in_pieces(void **state)
{
	struct sgt_table *t = table_new();
	struct dp_bindings *d = dp_bindings_create(t);
	struct binding_map *copy = binding_map_create();
	struct binding_log log = { 0 };

	(void)state;
	assert_non_null(d);
	assert_non_null(copy);
	dp_bindings_set_log(d, &log);
	for (uint32_t i = 0; i < HOSTS; i++)
		add(d, i, (sgt_t)(10 + i % 50));
	/* Only the filled chunks, as each turn hands them over. */
	assert_int_equal(consume(&log, false, copy), 2 * BINDING_LOG_CHUNK);
	assert_int_equal(binding_log_pending(&log), 1000);
	churn(d, 1);
	consume(&log, true, copy);
	assert_int_equal(binding_log_pending(&log), 0);
	assert_same(copy, d);
	/* Mid-way through a resync, then on. */
	dp_bindings_mark(d);
	for (uint32_t i = 0; i < HOSTS; i += 2)
		add(d, i, 400);
	consume(&log, true, copy);
	assert_true(binding_map_count(copy) >= dp_bindings_count(d));
	add(d, (1u << 24) + 3, 8);
	assert_true(dp_bindings_sweep(d) > 0);
	consume(&log, false, copy);
	churn(d, 2);
	consume(&log, true, copy);
	assert_same(copy, d);
	binding_log_reset(&log);
	binding_map_free(copy);
	dp_bindings_free(d);
	sgt_table_free(t);
}

static void
test_lost_log_records_nothing(void **state)
{
	struct sgt_table *t = table_new();
	struct dp_bindings *d = dp_bindings_create(t);
	struct binding_log log = { 0 };

	(void)state;
	dp_bindings_set_log(d, &log);
	add(d, 1, 10);
	binding_log_drop(&log);
	assert_true(log.lost);
	assert_int_equal(binding_log_pending(&log), 0);
	add(d, 2, 10);
	assert_int_equal(binding_log_pending(&log), 0);
	binding_log_reset(&log);
	add(d, 3, 10);
	del(d, 3);
	assert_int_equal(binding_log_pending(&log), 2);
	binding_log_reset(&log);
	dp_bindings_free(d);
	sgt_table_free(t);
}

/* Random sets and deletes over a small universe (long probe runs, many
 * backward shifts, growth) against a plain array. */
static void
test_map_against_array(void **state)
{
	enum { KEYS = 5000, OPS = 200000 };
	static sgt_t ref[KEYS];         /* 0: not held */
	struct binding_map *m = binding_map_create();
	uint32_t x = 12345, held = 0;
	struct binding *l;
	uint32_t n;

	(void)state;
	assert_non_null(m);
	memset(ref, 0, sizeof(ref));
	for (uint32_t k = 0; k < OPS; k++) {
		uint32_t i, op;
		struct binding b;

		x = x * 1103515245u + 12345u;
		i = (x >> 8) % KEYS;
		op = (x >> 28) % 3;
		b = host(i % 2 ? i : (1u << 24) + i, (sgt_t)(1 + k % 1000),
			 BINDING_SRC_CLI);
		if (op == 0) {
			binding_map_del(m, &b);
			held -= ref[i] != 0;
			ref[i] = 0;
		} else {
			assert_int_equal(binding_map_set(m, &b), 0);
			held += ref[i] == 0;
			ref[i] = b.sgt;
		}
		assert_int_equal(binding_map_count(m), held);
	}
	assert_int_equal(binding_map_list(m, &l, &n), 0);
	assert_int_equal(n, held);
	for (uint32_t j = 0; j < n; j++) {
		const uint8_t *a = l[j].addr + (l[j].family == AF_INET ? 2 : 6);
		uint32_t i = (uint32_t)a[0] << 8 | a[1];

		assert_int_equal(ref[i], l[j].sgt);
		ref[i] = 0;
	}
	for (uint32_t i = 0; i < KEYS; i++)
		assert_int_equal(ref[i], 0);
	free(l);
	binding_map_free(m);
}

/* ---- the writer thread and its file ---- */

/* Static: struct dataplane is large and cache-aligned. */
static struct world {
	char dir[64], path[96];
	struct dataplane dp;
	struct policy model;
	struct policy_rt rt;
	struct dp_cache cache;
} the_world;

static int
world_setup(void **state)
{
	struct world *w = &the_world;

	memset(w, 0, sizeof(*w));
	snprintf(w->dir, sizeof(w->dir), "/tmp/test_dp_cache.XXXXXX");
	if (mkdtemp(w->dir) == NULL)
		return -1;
	snprintf(w->path, sizeof(w->path), "%.63s/dataplane.cache", w->dir);
	pthread_mutex_init(&w->dp.view_lock, NULL);
	w->dp.table = table_new();
	w->dp.bindings = dp_bindings_create(w->dp.table);
	if (w->dp.bindings == NULL)
		return -1;
	policy_rt_fail_model(&w->model, false);
	w->rt.model = &w->model;
	w->dp.policy_rt = &w->rt;
	w->cache.path = w->path;
	dp_bindings_set_log(w->dp.bindings, dp_cache_log(&w->cache));
	*state = w;
	return 0;
}

/* A teardown, so that a failed test still ends its writer thread. */
static int
world_teardown(void **state)
{
	struct world *w = *state;

	dp_cache_stop(&w->cache, &w->dp, false);
	dp_bindings_free(w->dp.bindings);
	sgt_table_free(w->dp.table);
	policy_model_free(&w->model);
	snprintf(w->path, sizeof(w->path), "%.63s/dataplane.cache", w->dir);
	unlink(w->path);
	rmdir(w->dir);
	return 0;
}

/* What the control lcore does after a batch; a forced write. */
static void
write_now_nowait(struct world *w, uint64_t bindings_gen)
{
	uint64_t writes = w->cache.writes;

	w->dp.bindings_generation = bindings_gen;
	dp_cache_changed(&w->cache);
	dp_cache_feed(&w->cache, &w->dp);
	dp_cache_flush(&w->cache, &w->dp, true, 0);
	assert_int_equal(w->cache.writes, writes + 1);
}

static void
write_now(struct world *w, uint64_t bindings_gen)
{
	write_now_nowait(w, bindings_gen);
	dp_cache_wait(&w->cache);
}

/* The file holds bindings b[n], generation gen and the policy. */
static void
assert_file_is(struct world *w, const struct binding *b, uint32_t n,
	       uint64_t gen, uint64_t policy_gen)
{
	struct cache_contents c;
	char err[512];

	assert_int_equal(cache_file_read(w->path, &c, err, sizeof(err)), 0);
	assert_int_equal(c.bindings_generation, gen);
	assert_int_equal(c.policy_generation, policy_gen);
	if (policy_gen == 0) {
		assert_null(c.policy);
	} else {
		assert_non_null(c.policy);
		assert_int_equal(c.policy->n_cells, w->model.n_cells);
		assert_int_equal(c.policy->default_cell.catch_all,
				 w->model.default_cell.catch_all);
	}
	qsort(c.bindings, c.n_bindings, sizeof(*c.bindings), order);
	assert_same_list(c.bindings, c.n_bindings, b, n);
	cache_contents_free(&c);
}

/* The file holds what is applied now. */
static void
assert_file(struct world *w, uint64_t policy_gen)
{
	struct binding *b;
	uint32_t n;

	list_of(w->dp.bindings, &b, &n);
	assert_file_is(w, b, n, w->dp.bindings_generation, policy_gen);
	free(b);
}

static void
test_file_follows_the_log(void **state)
{
	struct world *w = *state;

	/* The bindings restored at start reach the copy through the log. */
	for (uint32_t i = 0; i < HOSTS; i++)
		add(w->dp.bindings, i, (sgt_t)(10 + i % 50));
	write_now(w, 5);
	assert_file(w, 0);
	/* A policy comes: encoded once, kept by the writer after. */
	w->rt.generation = 3;
	churn(w->dp.bindings, 1);
	write_now(w, 9);
	assert_int_equal(w->cache.policy_sent, 3);
	assert_file(w, 3);
	/* Filled chunks handed over mid-way, the rest at the write. */
	churn(w->dp.bindings, 2);
	dp_cache_feed(&w->cache, &w->dp);
	mark_and_sweep(w->dp.bindings);
	dp_cache_feed(&w->cache, &w->dp);
	churn(w->dp.bindings, 3);
	write_now(w, 20);
	assert_file(w, 3);
	/* Changes applied and handed over while a write waits for the
	 * writer are not in that write. */
	{
		struct binding *b;
		uint32_t n;

		churn(w->dp.bindings, 5);
		list_of(w->dp.bindings, &b, &n);
		write_now_nowait(w, 25);
		for (uint32_t i = 0; i < 2 * BINDING_LOG_CHUNK; i++)
			add(w->dp.bindings, i, 500);
		dp_cache_feed(&w->cache, &w->dp);
		dp_cache_wait(&w->cache);
		assert_file_is(w, b, n, 25, 3);
		free(b);
	}
	/* At exit, with changes pending. */
	churn(w->dp.bindings, 4);
	w->dp.bindings_generation = 30;
	dp_cache_changed(&w->cache);
	dp_cache_stop(&w->cache, &w->dp, true);
	assert_file(w, 3);
}

static void
test_dropped_log_full_copy(void **state)
{
	struct world *w = *state;

	for (uint32_t i = 0; i < HOSTS; i++)
		add(w->dp.bindings, i, 10);
	write_now(w, 2);
	assert_file(w, 0);
	/* As when the writer falls too far behind: the next write sends
	 * the whole table, and the log goes on from there. */
	churn(w->dp.bindings, 1);
	binding_log_drop(dp_cache_log(&w->cache));
	churn(w->dp.bindings, 2);
	write_now(w, 3);
	assert_false(w->cache.log.lost);
	assert_file(w, 0);
	churn(w->dp.bindings, 3);
	write_now(w, 4);
	assert_file(w, 0);
	/* Nothing changed: nothing written. */
	dp_cache_flush(&w->cache, &w->dp, true, 0);
	assert_int_equal(w->cache.writes, 3);
}

static void
test_failed_write_retried(void **state)
{
	struct world *w = *state;

	w->rt.generation = 1;
	/* A directory that is not there: the write fails. */
	snprintf(w->path, sizeof(w->path), "%.63s/none/dataplane.cache", w->dir);
	add(w->dp.bindings, 1, 10);
	write_now(w, 1);
	dp_cache_flush(&w->cache, &w->dp, false, 100);
	assert_int_equal(w->cache.write_failures, 1);
	assert_int_equal(w->cache.next_write_ms, 100 + DP_CACHE_RETRY_MS);
	assert_true(w->cache.dirty);
	/* Not before the retry time, unless forced; then it is all there. */
	add(w->dp.bindings, 2, 11);
	dp_cache_flush(&w->cache, &w->dp, false, 200);
	assert_int_equal(w->cache.writes, 1);
	snprintf(w->path, sizeof(w->path), "%.63s/dataplane.cache", w->dir);
	write_now(w, 2);
	assert_file(w, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replay_in_pieces),
		cmocka_unit_test(test_lost_log_records_nothing),
		cmocka_unit_test(test_map_against_array),
		cmocka_unit_test_setup_teardown(test_file_follows_the_log,
						world_setup, world_teardown),
		cmocka_unit_test_setup_teardown(test_dropped_log_full_copy,
						world_setup, world_teardown),
		cmocka_unit_test_setup_teardown(test_failed_write_retried,
						world_setup, world_teardown),
	};

	return cmocka_run_group_tests_name("dp_cache", tests, eal_setup,
					   eal_teardown);
}
