/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv6 prefix bindings, /1 to /127, in a multibit trie: a first level of
 * 2^16 entries (bits 0-15, 256 KiB), then groups of 256 entries, one per
 * byte (bits 16-23, ..., 120-127). An entry is a binding (valid bit, its
 * length, its SGT: the longest rule covering the entry's whole range), or
 * the index of the group below it. Hosts (/128) stay in sgt_table's hash
 * and /0 in its default word.
 *
 * Why not rte_lpm6: its lookup walks one dependent group per byte, address
 * after address (in a one-off microbenchmark of bulk lookups here: 47-53
 * cycles per address among 10,000 prefixes, 107-117 among 100,000; this
 * trie 40-47 and 57-62; the pipeline benchmark shows only a few cycles a
 * packet of it); it preallocates a 64 MiB tbl24 and 5 tbl8 groups per
 * prefix of the limit; and it hands a freed group to the very next add.
 * Here a bulk lookup walks all its addresses level by level, so that
 * their cache misses overlap (from 32 addresses on, prefetching a level
 * of all before loading any); groups come by need, 2,048 (2 MiB) at a time, and one freed
 * while readers may still see it (with RCU) is reused only after their
 * grace period. Rules sit in an rte_hash the writer alone uses, so a
 * delete finds the rule that takes over with one probe per length in use.
 * One writer; readers never lock.
 */
#ifndef SGTGW_V6_DIR_H
#define SGTGW_V6_DIR_H

#include <stdbool.h>
#include <stdint.h>

#include "sgt.h"

struct v6_dir;
struct rte_rcu_qsbr;

struct v6_dir_params {
	const char *name;       /* prefixes DPDK object names (<= 16 chars) */
	int socket_id;
	struct rte_rcu_qsbr *rcu;       /* NULL: no reader runs during changes */
	uint32_t max_prefixes;  /* /1 to /127 rules, > 0 */
};

/* NULL with rte_errno set. */
struct v6_dir *v6_dir_create(const struct v6_dir_params *p);
void v6_dir_free(struct v6_dir *d);

/*
 * Add or replace the binding addr/len (bits below len ignored,
 * 1 <= len <= 127). room: whether a new binding may be added (a replace
 * always may). Returns 1 when added, 0 when replaced, -ENOSPC (no room, or
 * the rule table is full), -ENOMEM (no memory for a group).
 */
int v6_dir_add(struct v6_dir *d, const uint8_t addr[16], uint8_t len,
	       sgt_t sgt, bool room);
/* Delete the binding of exactly that length: 0, or -ENOENT. */
int v6_dir_del(struct v6_dir *d, const uint8_t addr[16], uint8_t len);

/*
 * The longest binding of each of n <= 64 addresses, walked level by level
 * across all of them so that their cache misses overlap, and one level at
 * a time, for a caller with other work to do while each level's lines
 * come in (the pipeline judges its IPv4 packets meanwhile): a burst
 * carries few IPv6 addresses, and a walk of them alone waits out one
 * cache miss per level. begin prefetches the first level; each step loads
 * the level prefetched last and prefetches the next, and says whether any
 * address has a level left; end finishes the walk and writes, for each
 * address, its binding's SGT and found = true or, without one, the
 * default word: dflt's low 16 bits and found = dflt != 0. addr[i] may be
 * at any alignment; d may be NULL (no prefixes: every address gets the
 * default word).
 */
#define V6_DIR_BULK_MAX 64

struct v6_dir_walk {
	const struct v6_dir *d;
	const uint8_t *const *addr;
	uint32_t n;
	uint32_t byte;          /* the address byte of the next level */
	bool more;
	uint32_t e[V6_DIR_BULK_MAX];
	const uint32_t *at[V6_DIR_BULK_MAX];
};

void v6_dir_walk_begin(struct v6_dir_walk *w, const struct v6_dir *d,
		       const uint8_t *const *addr, uint32_t n);
bool v6_dir_walk_step(struct v6_dir_walk *w);
void v6_dir_walk_end(struct v6_dir_walk *w, uint32_t dflt, sgt_t *sgt,
		     bool *found);

/* Groups in use, and the bytes allocated for groups (those in use, those
 * free, and the writer's bookkeeping of each): the memory prefixes longer
 * than /16 take beyond the fixed 256 KiB first level. Any thread. */
uint32_t v6_dir_groups(const struct v6_dir *d);
uint64_t v6_dir_group_bytes(const struct v6_dir *d);

#endif
