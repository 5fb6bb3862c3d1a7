/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The bindings a managed dataplane has applied: the IP-to-SGT tables the
 * workers read, and beside them a shadow copy (binding_db.h) that keeps
 * each binding's source and can be listed in order, for telemetry, for
 * the cache and for mark and sweep. The two change together, table first,
 * so the shadow never holds a binding the workers do not see.
 *
 * One prefix has at most one binding, from the source the controlplane
 * last named for it. Only the control lcore changes anything here; a
 * telemetry thread may read the shadow while holding dataplane.view_lock,
 * which the control lcore holds around every change.
 *
 * Every change applied (add or replace, delete, and each delete of a
 * sweep) can be appended to a change log (dp_binding_log.h): the cache
 * writer replays it into a copy of its own (dp_binding_map.h) and writes
 * the cache from that (dp_cache.h).
 */
#ifndef SGTGW_DP_BINDINGS_H
#define SGTGW_DP_BINDINGS_H

#include <stddef.h>
#include <stdint.h>

#include "binding.h"
#include "binding_db.h"

struct binding_log;
struct sgt_table;
struct dp_bindings;

/* NULL when out of memory. The table stays the caller's. */
struct dp_bindings *dp_bindings_create(struct sgt_table *table);
void dp_bindings_free(struct dp_bindings *d);

/* Append every change applied from now on to log (NULL: stop); the log
 * stays the caller's. */
void dp_bindings_set_log(struct dp_bindings *d, struct binding_log *log);

/* Add or replace b's prefix: 0, or a negative errno from the table
 * (-ENOSPC when full) with nothing changed. b must pass binding_check. */
int dp_bindings_add(struct dp_bindings *d, const struct binding *b);
/* Remove b's prefix (its SGT and source are not compared): 0 or -ENOENT. */
int dp_bindings_del(struct dp_bindings *d, const struct binding *b);

/* Mark and sweep (a full resync): mark every binding; an add of a marked
 * prefix unmarks it; sweep removes what is still marked and returns how
 * many. Marks left by a resync that never ended are harmless: the next
 * mark covers them again. */
void dp_bindings_mark(struct dp_bindings *d);
size_t dp_bindings_sweep(struct dp_bindings *d);

size_t dp_bindings_count(const struct dp_bindings *d);

/* Every binding in order (family, address, length) into a new array
 * (free() it; NULL when there are none). 0, or -ENOMEM. */
int dp_bindings_list(struct dp_bindings *d, struct binding **out, uint32_t *n);
/* The same in no particular order: a copy, no sort (the cache, when its
 * writer needs a full copy). */
int dp_bindings_list_unordered(struct dp_bindings *d, struct binding **out,
			       uint32_t *n);

/* Visit bindings in the same order, after the prefix `after` (NULL: from
 * the first); fn returns non-zero to stop, which is returned. */
typedef int (*dp_binding_fn)(void *ctx, const struct binding *b);
int dp_bindings_foreach(struct dp_bindings *d, const struct binding *after,
			dp_binding_fn fn, void *ctx);

#endif
