/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The cache writer's own copy of the applied bindings (dp_cache.h): one
 * struct binding per prefix, in an open-addressing table (linear probing,
 * at most 3/4 full, backward-shift deletion, no tombstones) keyed by
 * (family, length, address). It only ever replays the change log
 * (dp_binding_log.h) and lists itself for a write, so it keeps nothing
 * else: one probe a change, where dp_bindings' shadow (binding_db, with
 * its views and sources) takes three; at a million changes a second
 * replayed beside the control lcore, that matters.
 *
 * One thread owns a map; nothing here locks.
 */
#ifndef SGTGW_DP_BINDING_MAP_H
#define SGTGW_DP_BINDING_MAP_H

#include <stdint.h>

#include "binding.h"
#include "dp_binding_log.h"

struct binding_map;

/* NULL when out of memory. */
struct binding_map *binding_map_create(void);
void binding_map_free(struct binding_map *m);

/* Add or replace b's prefix: 0, or -ENOMEM with nothing changed. */
int binding_map_set(struct binding_map *m, const struct binding *b);
/* Remove b's prefix (its SGT and source do not matter), if held. */
void binding_map_del(struct binding_map *m, const struct binding *b);
/* A chunk of the change log, in order: 0, or -ENOMEM with the map no
 * longer a faithful copy. */
int binding_map_replay(struct binding_map *m, const struct binding_log_chunk *c);

uint32_t binding_map_count(const struct binding_map *m);
/* Every binding, in no particular order, into a new array (free() it;
 * NULL when there are none). 0, or -ENOMEM. */
int binding_map_list(const struct binding_map *m, struct binding **out,
		     uint32_t *n);

#endif
