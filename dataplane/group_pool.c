/* SPDX-License-Identifier: BSD-3-Clause */
/* The pool of lookup groups (group_pool.h). */
#include "group_pool.h"

#include <errno.h>
#include <stdbool.h>

#include <stdio.h>

#include <rte_common.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#define LIST_END UINT32_MAX

void
group_pool_init(struct group_pool *p, const struct group_pool_params *pp)
{
	uint32_t per_chunk = GROUP_POOL_CHUNK_BYTES / pp->group_bytes;

	p->chunk_shift = (uint32_t)__builtin_ctz(per_chunk);
	p->group_bytes = pp->group_bytes;
	p->meta_bytes = pp->meta_bytes;
	p->max_chunks = RTE_MIN((pp->max_groups + per_chunk - 1) / per_chunk,
				GROUP_POOL_MAX_CHUNKS);
	p->free_head = LIST_END;
	p->pending_head = p->pending_tail = LIST_END;
	p->rcu = pp->rcu;
	p->socket_id = pp->socket_id;
}

void
group_pool_fini(struct group_pool *p)
{
	for (uint32_t c = 0; c < p->n_chunks; c++) {
		rte_free(p->chunk[c]);
		rte_free(p->meta[c]);
		rte_free(p->link[c]);
	}
	p->n_chunks = 0;
}

static inline struct group_link *
link_of(const struct group_pool *p, uint32_t g)
{
	return &p->link[g >> p->chunk_shift]
		       [g & ((UINT32_C(1) << p->chunk_shift) - 1)];
}

static int
chunk_add(struct group_pool *p)
{
	uint32_t c = p->n_chunks, per_chunk = UINT32_C(1) << p->chunk_shift;
	void *entries, *meta;
	struct group_link *link;

	if (c == p->max_chunks)
		return -ENOSPC;
	entries = rte_malloc_socket("lookup_groups", GROUP_POOL_CHUNK_BYTES,
				    RTE_CACHE_LINE_SIZE, p->socket_id);
	meta = rte_zmalloc_socket("lookup_group_meta",
				  (size_t)per_chunk * p->meta_bytes,
				  RTE_CACHE_LINE_SIZE, p->socket_id);
	link = rte_malloc_socket("lookup_group_links",
				 (size_t)per_chunk * sizeof(*link),
				 RTE_CACHE_LINE_SIZE, p->socket_id);
	if (entries == NULL || meta == NULL || link == NULL) {
		rte_free(entries);
		rte_free(meta);
		rte_free(link);
		return -ENOMEM;
	}
	p->chunk[c] = entries;
	p->meta[c] = meta;
	p->link[c] = link;
	/* Lowest index first off the free list. */
	for (uint32_t k = per_chunk; k-- > 0;) {
		link[k].next = p->free_head;
		p->free_head = c << p->chunk_shift | k;
	}
	__atomic_store_n(&p->n_chunks, c + 1, __ATOMIC_RELAXED);
	return 0;
}

/* Move groups whose readers are gone to the free list; wait for the
 * oldest one if asked to. */
static void
reclaim(struct group_pool *p, bool wait)
{
	while (p->pending_head != LIST_END) {
		uint32_t g = p->pending_head;
		struct group_link *l = link_of(p, g);

		if (rte_rcu_qsbr_check(p->rcu, l->token, wait) != 1)
			return;
		wait = false;
		p->pending_head = l->next;
		if (p->pending_head == LIST_END)
			p->pending_tail = LIST_END;
		l->next = p->free_head;
		p->free_head = g;
	}
}

/* Rather a new chunk than a wait for the workers' grace period. */
int
group_pool_alloc(struct group_pool *p, uint32_t *g)
{
	if (p->free_head == LIST_END && p->pending_head != LIST_END)
		reclaim(p, false);
	if (p->free_head == LIST_END && chunk_add(p) != 0 &&
	    p->pending_head != LIST_END)
		reclaim(p, true);
	if (p->free_head == LIST_END)
		return -ENOMEM;
	*g = p->free_head;
	p->free_head = link_of(p, *g)->next;
	__atomic_store_n(&p->used, p->used + 1, __ATOMIC_RELAXED);
	return 0;
}

void
group_pool_release(struct group_pool *p, uint32_t g)
{
	struct group_link *l = link_of(p, g);

	__atomic_store_n(&p->used, p->used - 1, __ATOMIC_RELAXED);
	if (p->rcu == NULL) {
		l->next = p->free_head;
		p->free_head = g;
		return;
	}
	l->token = rte_rcu_qsbr_start(p->rcu);
	l->next = LIST_END;
	if (p->pending_tail == LIST_END)
		p->pending_head = g;
	else
		link_of(p, p->pending_tail)->next = g;
	p->pending_tail = g;
}

struct rte_hash *
group_pool_rules_create(const char *name, const char *suffix, int socket_id,
			uint32_t max, uint32_t key_len)
{
	char hname[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = hname,
		/* EXT_TABLE chains what still overflows the headroom. */
		.entries = max + max / 8 + 64,
		.key_len = key_len,
		.hash_func = rte_hash_crc,
		.socket_id = socket_id,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};

	snprintf(hname, sizeof(hname), "%s_%s", name, suffix);
	return rte_hash_create(&hp);
}

uint32_t
group_pool_used(const struct group_pool *p)
{
	return __atomic_load_n(&p->used, __ATOMIC_RELAXED);
}

uint64_t
group_pool_bytes(const struct group_pool *p)
{
	uint64_t per_chunk = UINT64_C(1) << p->chunk_shift;

	return __atomic_load_n(&p->n_chunks, __ATOMIC_RELAXED) *
	       (GROUP_POOL_CHUNK_BYTES +
		per_chunk * (p->meta_bytes + sizeof(struct group_link)));
}
