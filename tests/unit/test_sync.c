/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sync and reload against a real shared-memory channel created here, with
 * the test as the dataplane: it dequeues every message, checks it
 * (update_msg_check and docs/sync.md's generation rules), applies it to a
 * model table with mark and sweep, reads each snapshot out of its slot and
 * decodes it. Cases: binding changes become messages with consecutive
 * generations; the full resync's shape and numbering; a tiny ring and a
 * single slot with a slow consumer (nothing lost, order kept, waits
 * counted); a resync that replaces a backlog; reload sending only
 * differences (nothing for an unchanged file, one message for one changed
 * binding, no snapshot for an unchanged policy, nothing for a bad file).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "binding_db.h"
#include "policy_wire.h"
#include "reload.h"
#include "shm_channel.h"
#include "sync.h"

/* ---- the test's dataplane ------------------------------------------------ */

struct got {
	struct update_msg m;
	uint32_t policy_sgacls;     /* snapshots: what decoded */
	bool policy_monitor_all;
};

struct dp {
	struct shm_channel *dp, *cp;
	struct binding_db *model;   /* what the dataplane would hold */
	struct got *got;            /* every message, in order */
	size_t n_got, cap_got;
	/* generation rules */
	bool started, policy_free;
	uint64_t next_bgen, last_pgen;
};

struct env {
	struct dp dp;
	struct sync *s;
	struct binding_db *db;
	/* The changes the db reported, in order, as the messages they must
	 * become (generation unset). */
	struct update_msg *expect;
	size_t n_expect, cap_expect;
};

static void
dp_open(struct dp *d, uint32_t ring, uint32_t slots, uint32_t slot_size)
{
	struct shm_channel_params p = { .ring_count = ring, .n_slots = slots,
					.slot_size = slot_size };
	struct binding_db_params bp = { .hash_seed = 1 };
	char err[256];

	memset(d, 0, sizeof(*d));
	if (shm_channel_create(&p, &d->dp, err, sizeof(err)) != 0)
		fail_msg("create: %s", err);
	if (shm_channel_attach(shm_channel_fd(d->dp), &d->cp, err,
			       sizeof(err)) != 0)
		fail_msg("attach: %s", err);
	d->model = binding_db_create(&bp);
	assert_non_null(d->model);
}

static void
dp_close(struct dp *d)
{
	shm_channel_close(d->cp);
	shm_channel_close(d->dp);
	binding_db_destroy(d->model);
	free(d->got);
}

static void
dp_record(struct dp *d, const struct got *g)
{
	if (d->n_got == d->cap_got) {
		d->cap_got = d->cap_got ? d->cap_got * 2 : 1024;
		d->got = realloc(d->got, d->cap_got * sizeof(*d->got));
		assert_non_null(d->got);
	}
	d->got[d->n_got++] = *g;
}

static void
dp_check_sequence(struct dp *d, const struct update_msg *m)
{
	if (m->type == UPDATE_RESYNC_BEGIN) {
		assert_true(m->generation > d->next_bgen - (d->started ? 1 : 0));
		d->started = true;
		d->policy_free = true;
		d->next_bgen = m->generation + 1;
		return;
	}
	assert_true(d->started);
	if (m->type == UPDATE_POLICY_SNAPSHOT) {
		if (d->policy_free)
			assert_true(m->generation > d->last_pgen);
		else
			assert_int_equal(m->generation, d->last_pgen + 1);
		d->policy_free = false;
		d->last_pgen = m->generation;
		return;
	}
	assert_int_equal(m->generation, d->next_bgen);
	d->next_bgen++;
}

static void
dp_apply_binding(struct dp *d, const struct update_msg *m)
{
	struct binding_key k;

	assert_int_equal(binding_key_init(&k, m->family, m->addr, m->prefix_len), 0);
	if (m->type == UPDATE_BINDING_ADD)
		assert_int_equal(binding_db_set(d->model, &k, BINDING_SRC_CLI, 0,
						m->sgt, 0), 0);
	else
		assert_int_equal(binding_db_withdraw(d->model, &k, BINDING_SRC_CLI,
						     0), 0);
}

static void
dp_apply(struct dp *d, const struct update_msg *m)
{
	struct got g = { .m = *m };
	char err[256];

	if (update_msg_check(m, err, sizeof(err)) != 0)
		fail_msg("message %zu refused: %s", d->n_got, err);
	dp_check_sequence(d, m);
	if (m->type == UPDATE_RESYNC_BEGIN) {
		binding_db_begin_refresh(d->model, BINDING_SRC_CLI, 0);
	} else if (m->type == UPDATE_RESYNC_END) {
		binding_db_end_refresh(d->model, BINDING_SRC_CLI, 0);
	} else if (m->type == UPDATE_POLICY_SNAPSHOT) {
		struct policy p;
		uint8_t *blob;
		size_t len;

		if (shm_channel_slot_read(d->dp, m, &blob, &len, err,
					  sizeof(err)) != 0)
			fail_msg("snapshot g=%llu: %s",
				 (unsigned long long)m->generation, err);
		if (policy_wire_decode(blob, len, &p, err, sizeof(err)) != 0)
			fail_msg("snapshot decode: %s", err);
		g.policy_sgacls = p.n_sgacls;
		g.policy_monitor_all = p.monitor_all;
		policy_model_free(&p);
		free(blob);
	} else {
		dp_apply_binding(d, m);
	}
	dp_record(d, &g);
}

/* Dequeue and apply up to max messages; returns how many. */
static size_t
dp_drain(struct dp *d, size_t max)
{
	struct update_msg batch[64];
	size_t done = 0;

	while (done < max) {
		size_t want = max - done < 64 ? max - done : 64;
		int n = shm_channel_dequeue(d->dp, batch, (unsigned)want, NULL);

		assert_true(n >= 0);
		if (n == 0)
			break;
		for (int i = 0; i < n; i++)
			dp_apply(d, &batch[i]);
		done += (size_t)n;
	}
	return done;
}

/* ---- the controlplane side --------------------------------------------- */

static void
expect_change(void *ctx, const struct binding_key *k, sgt_t old_sgt,
	      bool had_old, sgt_t new_sgt, bool has_new,
	      enum binding_source src)
{
	struct env *e = ctx;
	struct update_msg *m;

	if (e->n_expect == e->cap_expect) {
		e->cap_expect = e->cap_expect ? e->cap_expect * 2 : 1024;
		e->expect = realloc(e->expect, e->cap_expect * sizeof(*m));
		assert_non_null(e->expect);
	}
	m = &e->expect[e->n_expect++];
	memset(m, 0, sizeof(*m));
	m->type = has_new ? UPDATE_BINDING_ADD : UPDATE_BINDING_DEL;
	m->family = k->family;
	m->prefix_len = k->prefix_len;
	m->source = (uint8_t)src;
	m->sgt = has_new ? new_sgt : old_sgt;
	memcpy(m->addr, k->addr, sizeof(m->addr));
	sync_binding_changed(e->s, k, old_sgt, had_old, new_sgt, has_new, src);
}

static struct env *
env_new(uint32_t ring, uint32_t slots, uint32_t slot_size)
{
	struct env *e = calloc(1, sizeof(*e));
	struct binding_db_params bp = { .on_change = expect_change,
					.hash_seed = 7 };

	assert_non_null(e);
	dp_open(&e->dp, ring, slots, slot_size);
	e->s = sync_create();
	assert_non_null(e->s);
	bp.ctx = e;
	e->db = binding_db_create(&bp);
	assert_non_null(e->db);
	sync_set_db(e->s, e->db);
	return e;
}

static void
env_free(struct env *e)
{
	sync_destroy(e->s);
	binding_db_destroy(e->db);
	dp_close(&e->dp);
	free(e->expect);
	free(e);
}

static void
key_v4(struct binding_key *k, uint32_t host_order, uint8_t len)
{
	uint32_t a = htonl(host_order);

	assert_int_equal(binding_key_init(k, AF_INET, &a, len), 0);
}

static void
key_v6(struct binding_key *k, uint16_t word, uint8_t len)
{
	uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8 };

	a[4] = (uint8_t)(word >> 8);
	a[5] = (uint8_t)word;
	assert_int_equal(binding_key_init(k, AF_INET6, a, len), 0);
}

static void
set_cli(struct env *e, const struct binding_key *k, sgt_t sgt)
{
	assert_int_equal(binding_db_set(e->db, k, BINDING_SRC_CLI, 0, sgt, 0), 0);
}

/* A small policy; variant changes its bytes. */
static void
set_policy(struct env *e, int variant, bool expect_changed)
{
	struct policy p;
	struct policy_sgt_name name = { .value = 4, .name = "Employees" };
	bool changed;
	char err[256];

	memset(&p, 0, sizeof(p));
	p.n_names = 1;
	p.names = &name;
	name.value = (sgt_t)(4 + variant);
	p.default_cell.catch_all = POLICY_CATCH_ALL_PERMIT;
	p.monitor_all = variant % 2 == 1;
	if (sync_set_policy(e->s, &p, &changed, err, sizeof(err)) != 0)
		fail_msg("sync_set_policy: %s", err);
	assert_int_equal(changed, expect_changed);
}

static void
attach(struct env *e, uint64_t bgen, uint64_t pgen)
{
	int rc = sync_attach(e->s, e->dp.cp, bgen, pgen);

	assert_int_equal(rc, 0);
}

/* Flush and drain until both sides are empty, in steps of at most step
 * messages (0: all at once). */
static void
settle(struct env *e, size_t step)
{
	for (int guard = 0; guard < 10000000; guard++) {
		assert_int_equal(sync_flush(e->s), 0);
		if (dp_drain(&e->dp, step ? step : SIZE_MAX) == 0 &&
		    sync_backlog(e->s) == 0 &&
		    shm_channel_pending(e->dp.dp) == 0)
			return;
	}
	fail_msg("never settled");
}

/* The messages from index from on must be exactly e->expect[efrom..],
 * with consecutive generations starting at g. */
static void
assert_deltas(struct env *e, size_t from, size_t efrom, uint64_t g)
{
	assert_int_equal(e->dp.n_got - from, e->n_expect - efrom);
	for (size_t i = 0; i < e->n_expect - efrom; i++) {
		struct update_msg want = e->expect[efrom + i];
		const struct update_msg *m = &e->dp.got[from + i].m;

		want.generation = g + i;
		if (memcmp(&want, m, sizeof(want)) != 0)
			fail_msg("message %zu: type %u g=%llu sgt=%u, expected type "
				 "%u g=%llu sgt=%u", from + i, m->type,
				 (unsigned long long)m->generation, m->sgt,
				 want.type, (unsigned long long)want.generation,
				 want.sgt);
	}
}

/* What the model holds must be exactly the db's winners. */
static int
count_visit(void *ctx, const struct binding_key *k, sgt_t sgt,
	    enum binding_source src)
{
	const struct binding_db *other = ctx;
	sgt_t got;

	(void)src;
	if (binding_db_lookup(other, k, &got, NULL) != 0 || got != sgt)
		return 1;
	return 0;
}

static void
assert_model_matches(struct env *e)
{
	struct binding_db_counts a, b;

	binding_db_counts(e->db, &a);
	binding_db_counts(e->dp.model, &b);
	assert_int_equal(a.prefixes, b.prefixes);
	assert_int_equal(binding_db_foreach(e->db, NULL, count_visit,
					    e->dp.model), 0);
}

/* ---- cases ------------------------------------------------------------ */

static void
test_events_generations(void **state)
{
	struct env *e = env_new(1024, 2, 0);
	struct binding_key k1, k2, k3;
	sgt_t sgt;
	size_t mark;

	(void)state;
	set_policy(e, 0, true);
	attach(e, 0, 0);
	settle(e, 0);
	/* Empty table: BEGIN(1), snapshot(1), END(2). */
	assert_int_equal(e->dp.n_got, 3);
	assert_int_equal(e->dp.got[0].m.type, UPDATE_RESYNC_BEGIN);
	assert_int_equal(e->dp.got[0].m.generation, 1);
	assert_int_equal(e->dp.got[1].m.type, UPDATE_POLICY_SNAPSHOT);
	assert_int_equal(e->dp.got[1].m.generation, 1);
	assert_int_equal(e->dp.got[2].m.type, UPDATE_RESYNC_END);
	assert_int_equal(e->dp.got[2].m.generation, 2);

	mark = e->dp.n_got;
	key_v4(&k1, 0x0a010000, 16);
	key_v4(&k2, 0x0a020305, 32);
	key_v6(&k3, 0x0010, 48);
	set_cli(e, &k1, 10);
	set_cli(e, &k2, 20);
	set_cli(e, &k3, 30);
	set_cli(e, &k1, 11);                        /* changed SGT */
	set_cli(e, &k2, 20);                        /* same: nothing */
	assert_int_equal(binding_db_set(e->db, &k3, BINDING_SRC_SXP, 9, 31, 1), 0);
	assert_int_equal(binding_db_withdraw(e->db, &k2, BINDING_SRC_CLI, 0), 0);
	settle(e, 0);
	assert_int_equal(e->n_expect, 6);
	assert_deltas(e, mark, 0, 3);
	assert_int_equal(e->dp.got[mark + 3].m.sgt, 11);
	assert_int_equal(e->dp.got[mark + 4].m.source, BINDING_SRC_SXP);
	assert_int_equal(e->dp.got[mark + 5].m.type, UPDATE_BINDING_DEL);
	assert_int_equal(binding_db_lookup(e->dp.model, &k2, &sgt, NULL), -ENOENT);
	assert_model_matches(e);

	/* A new policy is the next policy generation; the same one is
	 * nothing. */
	mark = e->dp.n_got;
	set_policy(e, 1, true);
	set_policy(e, 1, false);
	settle(e, 0);
	assert_int_equal(e->dp.n_got - mark, 1);
	assert_int_equal(e->dp.got[mark].m.type, UPDATE_POLICY_SNAPSHOT);
	assert_int_equal(e->dp.got[mark].m.generation, 2);
	assert_true(e->dp.got[mark].policy_monitor_all);
	env_free(e);
}

static void
test_detached_queues_nothing(void **state)
{
	struct env *e = env_new(64, 2, 0);
	struct binding_key k;
	struct sync_stats st;

	(void)state;
	key_v4(&k, 0x0a000000, 8);
	set_policy(e, 0, true);
	set_cli(e, &k, 5);
	assert_int_equal(sync_backlog(e->s), 0);
	assert_int_equal(sync_flush(e->s), -ENOTCONN);
	assert_int_equal(sync_resync(e->s), -ENOTCONN);
	assert_int_equal(shm_channel_pending(e->dp.dp), 0);
	/* The next session carries it. */
	attach(e, 0, 0);
	settle(e, 0);
	assert_int_equal(e->dp.n_got, 4);
	assert_model_matches(e);
	/* And after the session ends, nothing is queued again. */
	sync_detach(e->s);
	set_cli(e, &k, 6);
	assert_int_equal(sync_backlog(e->s), 0);
	sync_get_stats(e->s, &st);
	assert_false(st.attached);
	assert_int_equal(st.adds, 1);
	assert_int_equal(st.replaces, 1);
	env_free(e);
}

static void
fill(struct env *e, size_t n4, size_t n6)
{
	struct binding_key k;

	for (size_t i = 0; i < n4; i++) {
		key_v4(&k, 0x0a000000u + (uint32_t)i * 4u, 30);
		set_cli(e, &k, (sgt_t)(2 + i % 1000));
	}
	for (size_t i = 0; i < n6; i++) {
		key_v6(&k, (uint16_t)i, 64);
		set_cli(e, &k, (sgt_t)(3000 + i % 100));
	}
}

static void
test_resync_shape(void **state)
{
	struct env *e = env_new(4096, 2, 0);
	const size_t n4 = 100, n6 = 20, n = n4 + n6;
	const struct got *g;

	(void)state;
	set_policy(e, 0, true);
	fill(e, n4, n6);
	/* The dataplane's cache says 500 / 7: generations start above. */
	attach(e, 500, 7);
	settle(e, 0);
	g = e->dp.got;
	assert_int_equal(e->dp.n_got, n + 3);
	assert_int_equal(g[0].m.type, UPDATE_RESYNC_BEGIN);
	assert_int_equal(g[0].m.generation, 501);
	for (size_t i = 1; i <= n; i++) {
		assert_int_equal(g[i].m.type, UPDATE_BINDING_ADD);
		assert_int_equal(g[i].m.generation, 501 + i);
		assert_int_equal(g[i].m.source, BINDING_SRC_CLI);
	}
	/* binding_db_foreach order: IPv4 first, by address. */
	assert_int_equal(g[1].m.family, AF_INET);
	assert_int_equal(g[n4].m.family, AF_INET);
	assert_int_equal(g[n4 + 1].m.family, AF_INET6);
	assert_true(memcmp(g[1].m.addr, g[2].m.addr, 4) < 0);
	assert_int_equal(g[n + 1].m.type, UPDATE_POLICY_SNAPSHOT);
	assert_int_equal(g[n + 1].m.generation, 8);
	assert_int_equal(g[n + 2].m.type, UPDATE_RESYNC_END);
	assert_int_equal(g[n + 2].m.generation, 501 + n + 1);
	assert_model_matches(e);

	/* A RESYNC_REQUEST's resync: the same shape, numbered on. */
	assert_int_equal(sync_resync(e->s), 0);
	settle(e, 0);
	assert_int_equal(e->dp.n_got, 2 * (n + 3));
	g = &e->dp.got[n + 3];
	assert_int_equal(g[0].m.type, UPDATE_RESYNC_BEGIN);
	assert_int_equal(g[0].m.generation, 501 + n + 2);
	assert_int_equal(g[n + 1].m.generation, 9);
	assert_int_equal(g[n + 2].m.generation, 501 + 2 * n + 3);
	assert_model_matches(e);
	env_free(e);
}

/* A 64-slot ring (63 messages), one snapshot slot, a consumer that takes
 * a handful at a time: everything arrives, in order, and the waits are
 * counted. */
static void
test_backpressure(void **state)
{
	struct env *e = env_new(64, 1, 0);
	struct binding_key k;
	struct sync_stats st;
	size_t resync_len, step = 0;
	unsigned seed = 12345;

	(void)state;
	set_policy(e, 0, true);
	fill(e, 3000, 500);
	attach(e, 0, 0);
	resync_len = sync_backlog(e->s) + shm_channel_pending(e->dp.dp);
	assert_int_equal(resync_len, 3000 + 500 + 3);
	assert_true(sync_backlog(e->s) > 0);
	/* Changes and new policies while the resync is still queued. */
	for (uint32_t i = 0; i < 4000; i++) {
		if (i % 1000 == 500)
			set_policy(e, (int)(i / 1000) + 1, true);
		key_v4(&k, 0x0b000000u + (i % 2500) * 4u, 30);
		if (i >= 2500)
			assert_int_equal(binding_db_withdraw(e->db, &k,
							     BINDING_SRC_CLI, 0), 0);
		else
			set_cli(e, &k, (sgt_t)(100 + i % 7));
		if (i % 16 == 0) {
			seed = seed * 1103515245u + 12345u;
			dp_drain(&e->dp, (seed >> 16) % 41);
			assert_int_equal(sync_flush(e->s), 0);
			step++;
		}
	}
	settle(e, 7);
	sync_get_stats(e->s, &st);
	assert_int_equal(st.backlog, 0);
	assert_true(st.ring_waits > 0);
	assert_true(step > 100);
	/* Every message: the resync, then exactly the reported changes with
	 * snapshots in between, generations consecutive per stream. */
	{
		size_t nb = 0, np = 0;

		for (size_t i = resync_len; i < e->dp.n_got; i++) {
			const struct update_msg *m = &e->dp.got[i].m;

			if (m->type == UPDATE_POLICY_SNAPSHOT) {
				np++;
				assert_int_equal(m->generation, 1 + np);
				continue;
			}
			/* fill()'s 3500 adds, made before the session, come
			 * first in e->expect and travel in the resync. */
			assert_true(3500 + nb < e->n_expect);
			struct update_msg want = e->expect[3500 + nb];

			want.generation = 3000 + 500 + 2 + 1 + nb;
			assert_memory_equal(&want, m, sizeof(want));
			nb++;
		}
		assert_int_equal(nb, 4000);
		assert_int_equal(nb, e->n_expect - 3500);
		assert_int_equal(np, 4);
	}
	assert_int_equal(st.messages_sent, e->dp.n_got);
	assert_model_matches(e);
	env_free(e);
}

/* A resync request while a backlog waits: the backlog goes, a new resync
 * follows what already went into the ring, and the end state is right. */
static void
test_resync_replaces_backlog(void **state)
{
	struct env *e = env_new(64, 1, 0);
	struct binding_key k;
	size_t before;

	(void)state;
	set_policy(e, 0, true);
	fill(e, 1000, 0);
	attach(e, 0, 0);
	dp_drain(&e->dp, 100);
	assert_int_equal(sync_flush(e->s), 0);
	key_v4(&k, 0x0a000000u, 30);
	assert_int_equal(binding_db_withdraw(e->db, &k, BINDING_SRC_CLI, 0), 0);
	assert_int_equal(sync_resync(e->s), 0);
	before = e->dp.n_got;
	settle(e, 9);
	/* What was in the ring, then BEGIN of the new resync. */
	for (size_t i = before; i < e->dp.n_got; i++) {
		if (e->dp.got[i].m.type == UPDATE_RESYNC_BEGIN) {
			assert_true(e->dp.got[i].m.generation > 100);
			before = i;
			break;
		}
	}
	assert_int_equal(e->dp.got[before].m.type, UPDATE_RESYNC_BEGIN);
	assert_int_equal(e->dp.n_got - before, 999 + 3);
	assert_model_matches(e);
	env_free(e);
}

/* A policy larger than a slot is never sent, and nothing skips. */
static void
test_policy_too_big(void **state)
{
	struct env *e = env_new(64, 1, 4096);
	struct policy p;
	struct policy_sgt_name names[400];
	char err[256];
	bool changed;

	(void)state;
	memset(&p, 0, sizeof(p));
	for (int i = 0; i < 400; i++) {
		names[i].value = (sgt_t)(i + 1);
		snprintf(names[i].name, sizeof(names[i].name),
			 "Group_%04d_long_name", i);
	}
	p.n_names = 400;
	p.names = names;
	p.default_cell.catch_all = POLICY_CATCH_ALL_DENY;
	assert_int_equal(sync_set_policy(e->s, &p, &changed, err, sizeof(err)), 0);
	assert_true(changed);
	attach(e, 0, 0);
	settle(e, 0);
	assert_int_equal(e->dp.n_got, 2);
	assert_int_equal(e->dp.got[0].m.type, UPDATE_RESYNC_BEGIN);
	assert_int_equal(e->dp.got[1].m.type, UPDATE_RESYNC_END);
	set_policy(e, 0, true);          /* a small one goes: generation 1 */
	settle(e, 0);
	assert_int_equal(e->dp.n_got, 3);
	assert_int_equal(e->dp.got[2].m.generation, 1);
	env_free(e);
}

/* ---- reload --------------------------------------------------------------- */

static const char *cfg_head =
	"ports: [ { name: a, device: x }, { name: b, device: y } ]\n"
	"port_pairs: [ [a, b] ]\n"
	"sgts: [ { value: 10, name: Web }, { value: 20, name: Db } ]\n"
	"sgacls: [ { name: Web_Only, aces: [ 'permit tcp dst eq 443' ] } ]\n";

static void
write_cfg(const char *path, const char *dataplane, const char *catch_all,
	  const char *bindings)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fprintf(f, "%s%s", dataplane, cfg_head);
	fprintf(f, "policy:\n  default: { sgacls: [], catch_all: permit }\n"
		"  cells: [ { src: Web, dst: Db, sgacls: [Web_Only], "
		"catch_all: %s } ]\n", catch_all);
	fprintf(f, "bindings:\n%s", bindings);
	assert_int_equal(fclose(f), 0);
}

static const char *bindings_a =
	"  - { prefix: 10.1.0.0/16, sgt: Web }\n"
	"  - { prefix: 10.2.0.5, sgt: Db }\n"
	"  - { prefix: \"2001:db8::/32\", sgt: 10 }\n";
static const char *bindings_b =     /* 10.2.0.5 moves to Web */
	"  - { prefix: 10.1.0.0/16, sgt: Web }\n"
	"  - { prefix: 10.2.0.5, sgt: Web }\n"
	"  - { prefix: \"2001:db8::/32\", sgt: 10 }\n";
static const char *bindings_c =     /* 10.1.0.0/16 goes */
	"  - { prefix: 10.2.0.5, sgt: Web }\n"
	"  - { prefix: \"2001:db8::/32\", sgt: 10 }\n";

static size_t
reload_ok(struct reload_target *t, struct env *e, const char *path,
	  char *msg, size_t len)
{
	size_t before = e->dp.n_got;

	if (reload_apply(t, path, msg, len) != 0)
		fail_msg("reload: %s", msg);
	settle(e, 0);
	return e->dp.n_got - before;
}

static void
test_reload_diff(void **state)
{
	struct env *e = env_new(1024, 2, 0);
	struct reload_target t = { .db = e->db, .sync = e->s };
	char path[] = "/tmp/test_sync_XXXXXX";
	char msg[1024];
	int fd = mkstemp(path);
	const struct got *g;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	write_cfg(path, "", "deny", bindings_a);
	assert_int_equal(reload_apply(&t, path, msg, sizeof(msg)), 0);
	assert_non_null(strstr(msg, "3 added"));
	attach(e, 0, 0);
	settle(e, 0);
	assert_int_equal(e->dp.n_got, 3 + 3);

	/* The same file: nothing at all. */
	assert_int_equal(reload_ok(&t, e, path, msg, sizeof(msg)), 0);
	assert_string_equal(msg, "bindings: 0 added, 0 changed, 0 removed; "
			    "policy unchanged");

	/* One binding changed: exactly one message; no snapshot. */
	write_cfg(path, "", "deny", bindings_b);
	assert_int_equal(reload_ok(&t, e, path, msg, sizeof(msg)), 1);
	g = &e->dp.got[e->dp.n_got - 1];
	assert_int_equal(g->m.type, UPDATE_BINDING_ADD);
	assert_int_equal(g->m.sgt, 10);
	assert_int_equal(g->m.generation, 6);
	assert_non_null(strstr(msg, "0 added, 1 changed, 0 removed; policy "
				    "unchanged"));

	/* One binding gone: one DEL. */
	write_cfg(path, "", "deny", bindings_c);
	assert_int_equal(reload_ok(&t, e, path, msg, sizeof(msg)), 1);
	g = &e->dp.got[e->dp.n_got - 1];
	assert_int_equal(g->m.type, UPDATE_BINDING_DEL);
	assert_int_equal(g->m.prefix_len, 16);
	assert_int_equal(g->m.generation, 7);

	/* The policy changed: one snapshot, the next policy generation. */
	write_cfg(path, "", "permit", bindings_c);
	assert_int_equal(reload_ok(&t, e, path, msg, sizeof(msg)), 1);
	g = &e->dp.got[e->dp.n_got - 1];
	assert_int_equal(g->m.type, UPDATE_POLICY_SNAPSHOT);
	assert_int_equal(g->m.generation, 2);
	assert_non_null(strstr(msg, "policy changed (generation 2)"));

	/* A bad file: the loader's error, nothing sent, nothing changed. */
	{
		FILE *f = fopen(path, "a");

		assert_non_null(f);
		fprintf(f, "  - { prefix: 10.9.9.9/24, sgt: Web }\n");
		fclose(f);
	}
	assert_int_equal(reload_apply(&t, path, msg, sizeof(msg)), -1);
	assert_true(strncmp(msg, path, strlen(path)) == 0);
	assert_non_null(strstr(msg, "host bits"));
	assert_int_equal(sync_backlog(e->s), 0);
	assert_int_equal(shm_channel_pending(e->dp.dp), 0);
	assert_int_equal(e->dp.n_got, 9);

	/* Keys only the dataplane reads: nothing sent, a restart named. */
	write_cfg(path, "dataplane: { workers: 2 }\n", "permit", bindings_c);
	assert_int_equal(reload_ok(&t, e, path, msg, sizeof(msg)), 0);
	assert_non_null(strstr(msg, "restart sgtgw-dataplane to apply: "
				    "dataplane.workers"));
	assert_model_matches(e);
	reload_fini(&t);
	unlink(path);
	env_free(e);
}

static void
test_restart_keys(void **state)
{
	struct config a, b;
	struct config_port pa[2], pb[2];
	char dp[256], cp[128];

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(pa, 0, sizeof(pa));
	strcpy(pa[0].name, "a");
	strcpy(pa[1].name, "b");
	pa[0].peer = 1;
	pa[1].peer = 0;
	memcpy(pb, pa, sizeof(pa));
	a.n_ports = 2;
	a.ports = pa;
	a.controlplane.socket = "/run/x.sock";
	b = a;
	b.ports = pb;
	assert_int_equal(reload_restart_keys(&a, &b, dp, sizeof(dp), cp,
					     sizeof(cp)), 0);
	assert_string_equal(dp, "");
	b.mbufs = 1;
	pb[1].trusted = true;
	pb[0].peer = -1;
	b.controlplane.socket = "/run/y.sock";
	b.controlplane.admin_socket = "/run/z.sock";
	b.limits[CONFIG_LIMIT_V6_HOSTS] = 200000;
	assert_int_equal(reload_restart_keys(&a, &b, dp, sizeof(dp), cp,
					     sizeof(cp)), 7);
	assert_string_equal(dp, "dataplane.mbufs, ports, port_pairs, "
			    "limits.ipv6_hosts, controlplane.socket");
	assert_string_equal(cp, "controlplane.socket, "
			    "controlplane.admin_socket");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_events_generations),
		cmocka_unit_test(test_detached_queues_nothing),
		cmocka_unit_test(test_resync_shape),
		cmocka_unit_test(test_backpressure),
		cmocka_unit_test(test_resync_replaces_backlog),
		cmocka_unit_test(test_policy_too_big),
		cmocka_unit_test(test_reload_diff),
		cmocka_unit_test(test_restart_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
