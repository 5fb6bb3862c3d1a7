/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Applied bindings: sgt_table for the workers, binding_db as the shadow.
 * The shadow uses one source instance (0) per source and keeps at most one
 * view per prefix, so its "winner" is simply the binding applied.
 */
#include "dp_bindings.h"

#include <errno.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dp_binding_log.h"
#include "sgt_table.h"

#define INSTANCE 0u

struct dp_bindings {
	struct sgt_table *table;
	struct binding_db *shadow;
	struct binding_log *log;        /* NULL: changes are not recorded */
	bool sweeping;
};

/* The key's address copied out aligned: rte_hash_crc reads a 16-byte key
 * 8 bytes at a time, and binding_key keeps it at an odd offset. */
struct addr_copy {
	alignas(8) uint8_t a[16];
};

static struct addr_copy
aligned_addr(const struct binding_key *k)
{
	struct addr_copy c;

	memcpy(c.a, k->addr, sizeof(c.a));
	return c;
}

static int
table_add(struct sgt_table *t, const struct binding_key *k, sgt_t sgt)
{
	struct addr_copy c = aligned_addr(k);
	uint32_t a4;

	if (k->family == AF_INET6)
		return sgt_table_add_v6(t, c.a, k->prefix_len, sgt);
	memcpy(&a4, c.a, sizeof(a4));
	return sgt_table_add_v4(t, a4, k->prefix_len, sgt);
}

static int
table_del(struct sgt_table *t, const struct binding_key *k)
{
	struct addr_copy c = aligned_addr(k);
	uint32_t a4;

	if (k->family == AF_INET6)
		return sgt_table_del_v6(t, c.a, k->prefix_len);
	memcpy(&a4, c.a, sizeof(a4));
	return sgt_table_del_v4(t, a4, k->prefix_len);
}

/* The shadow reports a prefix it dropped; during a sweep that is a
 * binding to take out of the table (and to record) too. Elsewhere the
 * table was changed first and nothing is to be done. */
static void
on_change(void *ctx, const struct binding_key *k, sgt_t old_sgt, bool had_old,
	  sgt_t new_sgt, bool has_new, enum binding_source src)
{
	struct dp_bindings *d = ctx;
	struct binding b;

	(void)had_old, (void)new_sgt;
	if (!d->sweeping || has_new)
		return;
	table_del(d->table, k);
	if (d->log != NULL) {
		binding_of_key(&b, k, old_sgt, src);
		binding_log_del(d->log, &b);
	}
}

struct dp_bindings *
dp_bindings_create(struct sgt_table *table)
{
	struct dp_bindings *d = calloc(1, sizeof(*d));
	struct binding_db_params p = { .on_change = on_change, .ctx = d };

	if (d == NULL)
		return NULL;
	d->table = table;
	d->shadow = binding_db_create(&p);
	if (d->shadow == NULL) {
		free(d);
		return NULL;
	}
	return d;
}

void
dp_bindings_set_log(struct dp_bindings *d, struct binding_log *log)
{
	d->log = log;
}

void
dp_bindings_free(struct dp_bindings *d)
{
	if (d == NULL)
		return;
	binding_db_destroy(d->shadow);
	free(d);
}

/* binding_db wants a peer-sequence length for SXP views only. */
static uint8_t
seq_len(enum binding_source src)
{
	return src == BINDING_SRC_SXP ? 1 : 0;
}

int
dp_bindings_add(struct dp_bindings *d, const struct binding *b)
{
	enum binding_source src = (enum binding_source)b->source, old_src;
	struct binding_key k;
	sgt_t old_sgt;
	bool had;
	int rc;

	binding_key_of(&k, b);
	had = binding_db_lookup(d->shadow, &k, &old_sgt, &old_src) == 0;
	rc = table_add(d->table, &k, b->sgt);
	if (rc != 0)
		return rc;
	rc = binding_db_set(d->shadow, &k, src, INSTANCE, b->sgt, seq_len(src));
	if (rc != 0) {
		/* Out of memory in the shadow: put the table back as it was. */
		if (had)
			table_add(d->table, &k, old_sgt);
		else
			table_del(d->table, &k);
		return rc;
	}
	/* A new source: its view is in, the old one goes (never both). */
	if (had && old_src != src)
		binding_db_withdraw(d->shadow, &k, old_src, INSTANCE);
	if (d->log != NULL)
		binding_log_set(d->log, b);
	return 0;
}

int
dp_bindings_del(struct dp_bindings *d, const struct binding *b)
{
	enum binding_source src;
	struct binding_key k;
	int rc;

	binding_key_of(&k, b);
	if (binding_db_lookup(d->shadow, &k, NULL, &src) != 0)
		return -ENOENT;
	table_del(d->table, &k);
	rc = binding_db_withdraw(d->shadow, &k, src, INSTANCE);
	if (rc == 0 && d->log != NULL)
		binding_log_del(d->log, b);
	return rc;
}

void
dp_bindings_mark(struct dp_bindings *d)
{
	for (unsigned src = BINDING_SRC_NONE + 1; src <= BINDING_SRC_MAX; src++)
		binding_db_begin_refresh(d->shadow, (enum binding_source)src,
					 INSTANCE);
}

size_t
dp_bindings_sweep(struct dp_bindings *d)
{
	size_t n = 0;

	d->sweeping = true;
	for (unsigned src = BINDING_SRC_NONE + 1; src <= BINDING_SRC_MAX; src++)
		n += binding_db_end_refresh(d->shadow, (enum binding_source)src,
					    INSTANCE);
	d->sweeping = false;
	return n;
}

size_t
dp_bindings_count(const struct dp_bindings *d)
{
	struct binding_db_counts c;

	binding_db_counts(d->shadow, &c);
	return c.prefixes;
}

struct visit {
	dp_binding_fn fn;
	void *ctx;
};

static int
visit_one(void *ctx, const struct binding_key *k, sgt_t sgt,
	  enum binding_source src)
{
	struct visit *v = ctx;
	struct binding b;

	binding_of_key(&b, k, sgt, src);
	return v->fn(v->ctx, &b);
}

int
dp_bindings_foreach(struct dp_bindings *d, const struct binding *after,
		    dp_binding_fn fn, void *ctx)
{
	struct visit v = { .fn = fn, .ctx = ctx };
	struct binding_key k;

	if (after != NULL)
		binding_key_of(&k, after);
	return binding_db_foreach(d->shadow, after ? &k : NULL, visit_one, &v);
}

struct list {
	struct binding *b;
	uint32_t n, cap;
};

static int
list_one(void *ctx, const struct binding *b)
{
	struct list *l = ctx;

	if (l->n == l->cap)
		return -ENOSPC;   /* the count said otherwise: cannot happen */
	l->b[l->n++] = *b;
	return 0;
}

static int
list_bindings(struct dp_bindings *d, bool sorted, struct binding **out,
	      uint32_t *n);

int
dp_bindings_list(struct dp_bindings *d, struct binding **out, uint32_t *n)
{
	return list_bindings(d, true, out, n);
}

int
dp_bindings_list_unordered(struct dp_bindings *d, struct binding **out,
			   uint32_t *n)
{
	return list_bindings(d, false, out, n);
}

static int
list_bindings(struct dp_bindings *d, bool sorted, struct binding **out,
	      uint32_t *n)
{
	struct list l = { .cap = (uint32_t)dp_bindings_count(d) };
	int rc;

	*out = NULL;
	*n = 0;
	if (l.cap == 0)
		return 0;
	l.b = malloc((size_t)l.cap * sizeof(*l.b));
	if (l.b == NULL)
		return -ENOMEM;
	if (sorted) {
		rc = dp_bindings_foreach(d, NULL, list_one, &l);
	} else {
		struct visit v = { .fn = list_one, .ctx = &l };

		rc = binding_db_foreach_unordered(d->shadow, visit_one, &v);
	}
	if (rc != 0) {
		free(l.b);
		return rc < 0 ? rc : -ENOMEM;
	}
	*out = l.b;
	*n = l.n;
	return 0;
}
