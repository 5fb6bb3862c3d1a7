/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The groups of lookup entries that v4_dir hangs below its first level:
 * allocated by need, one 2 MiB chunk (a huge page) of groups at a time,
 * each with the writer's notes on it beside; a released group is used
 * again only once every reader that may still see it has moved on (RCU),
 * rather than waiting for that a new chunk is taken. One writer; readers
 * only follow chunk[].
 */
#ifndef SGTGW_GROUP_POOL_H
#define SGTGW_GROUP_POOL_H

#include <stdint.h>

#define GROUP_POOL_CHUNK_BYTES (UINT32_C(2) << 20)
/* 2^24 groups (a 24-bit index) of 1 KiB. */
#define GROUP_POOL_MAX_CHUNKS 8192u

struct rte_rcu_qsbr;

struct group_pool_params {
	int socket_id;
	struct rte_rcu_qsbr *rcu;       /* NULL: no reader runs during changes */
	uint32_t group_bytes;           /* a power of two, at most a chunk */
	uint32_t meta_bytes;            /* the writer's notes per group */
	uint32_t max_groups;            /* at most 2^24 */
};

/* A released group's place in the free or the pending list. */
struct group_link {
	uint32_t next;
	uint64_t token;                 /* RCU token of its release */
};

struct group_pool {
	/* Read by the workers: group g's entries start chunk_shift bits
	 * into chunk[g >> chunk_shift], g's rank there times group_bytes. */
	void *chunk[GROUP_POOL_MAX_CHUNKS];

	/* The writer's own. */
	void *meta[GROUP_POOL_MAX_CHUNKS];
	struct group_link *link[GROUP_POOL_MAX_CHUNKS];
	uint32_t chunk_shift, group_bytes, meta_bytes, max_chunks;
	uint32_t n_chunks, used;        /* read by telemetry too */
	uint32_t free_head;
	uint32_t pending_head, pending_tail;    /* FIFO: tokens ascend */
	struct rte_rcu_qsbr *rcu;
	int socket_id;
};

/* p zeroed; nothing is allocated before the first group. */
void group_pool_init(struct group_pool *p, const struct group_pool_params *pp);
/* Frees every chunk; no reader may look any more. */
void group_pool_fini(struct group_pool *p);

/* A group whose entries and notes hold what its last user left (nothing
 * on a new chunk's notes: zeroed). 0, or -ENOMEM. */
int group_pool_alloc(struct group_pool *p, uint32_t *g);
/* Back to the pool, for use again after the readers' grace period. */
void group_pool_release(struct group_pool *p, uint32_t g);

static inline void *
group_pool_entries(const struct group_pool *p, uint32_t g)
{
	uint32_t rank = g & ((UINT32_C(1) << p->chunk_shift) - 1);

	return (char *)p->chunk[g >> p->chunk_shift] +
	       (uint64_t)rank * p->group_bytes;
}

static inline void *
group_pool_meta(const struct group_pool *p, uint32_t g)
{
	uint32_t rank = g & ((UINT32_C(1) << p->chunk_shift) - 1);

	return (char *)p->meta[g >> p->chunk_shift] +
	       (uint64_t)rank * p->meta_bytes;
}

/* The rule table beside the groups: an rte_hash (crc hash, no
 * concurrency: the writer alone uses it) named "<name>_<suffix>", with
 * headroom so that max rules fit whatever the keys hash to. NULL with
 * rte_errno set. */
struct rte_hash *group_pool_rules_create(const char *name, const char *suffix,
					 int socket_id, uint32_t max,
					 uint32_t key_len);

/* Groups in use, and the bytes of chunks taken (entries, notes, links).
 * Any thread. */
uint32_t group_pool_used(const struct group_pool *p);
uint64_t group_pool_bytes(const struct group_pool *p);

#endif
