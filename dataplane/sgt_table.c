/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IP-to-SGT tables (see sgt_table.h): IPv4 in v4_dir (hosts and prefixes
 * in one DIR-24-8 table, v4_dir.h says why), IPv6 hosts in an rte_hash and
 * IPv6 prefixes in v6_dir (a hash probed once per prefix length in use,
 * v6_dir.h says why).
 *
 * Why IPv6 host bindings live in a hash of their own rather than in
 * v6_dir as /128s: ISE and SXP push host bindings by the hundred thousand,
 * and a length of their own would add a probe to every IPv6 lookup that
 * misses them; rte_hash takes them in bulk, and a /128 is by definition
 * the longest match: its hit overrides what the prefixes said.
 *
 * v4_dir and v6_dir keep no /0, so a /0 binding is kept here, in one word
 * the readers load once per burst.
 */
/* rte_hash_rcu_qsbr_add() is still experimental in DPDK 22.11; it is the
 * only way to have rte_hash hold deleted slots back from readers. */
#ifndef ALLOW_EXPERIMENTAL_API
#define ALLOW_EXPERIMENTAL_API 1
#endif

#include "sgt_table.h"
#include "v4_dir.h"
#include "v6_dir.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

/* The /0 word: this bit says a default binding exists, the low 16 bits
 * hold its SGT. */
#define DEFAULT_SET (UINT32_C(1) << 16)

#define V6_ADDR_SIZE 16

/* Bindings of each kind: held, or the most the table takes. */
struct table_counts {
	uint32_t v4_hosts, v4_prefixes, v6_hosts, v6_prefixes;
};

struct sgt_table {
	/* Read by the workers on every burst. */
	struct v4_dir *d4;
	struct rte_hash *h6;
	struct v6_dir *d6;
	uint32_t v4_default;    /* DEFAULT_SET | sgt, or 0; atomic access */
	uint32_t v6_default;

	/* The writer's own. */
	struct rte_rcu_qsbr *rcu;
	struct table_counts max;
	struct table_counts n;
} __rte_cache_aligned;

/* Headroom above the declared maximum: with RCU, deleted hosts hold their
 * slots until the readers move on, and adds should not have to wait. */
static uint64_t
host_hash_entries(uint32_t max)
{
	return (uint64_t)max + max / 8 + RTE_HASH_LOOKUP_BULK_MAX;
}

/*
 * rte_hash_crc() reads its key as 8-byte words in place, and IPv6
 * addresses arrive at any alignment (inside a packet, a config record, a
 * ring message). The same CRC over words loaded with memcpy(): one
 * unaligned load each on x86, and no undefined behaviour.
 */
static uint32_t
key16_hash(const void *key, uint32_t len, uint32_t init)
{
	uint64_t w[2];

	(void)len;
	memcpy(w, key, sizeof(w));
	return rte_hash_crc_8byte(w[1], rte_hash_crc_8byte(w[0], init));
}

static struct rte_hash *
host6_hash_create(const struct sgt_table_params *p)
{
	char name[RTE_HASH_NAMESIZE];
	uint64_t entries = host_hash_entries(p->max_v6_hosts);
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = (uint32_t)entries,
		.key_len = V6_ADDR_SIZE,
		.hash_func = key16_hash,
		.socket_id = p->socket_id,
		/* LF: readers never lock, one writer. EXT_TABLE (which 22.11
		 * combines with LF) chains overflowing buckets, so the
		 * declared maximum always fits whatever the keys hash to. */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
			      RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	struct rte_hash *h;

	if (entries > RTE_HASH_ENTRIES_MAX) {
		rte_errno = EINVAL;
		return NULL;
	}
	snprintf(name, sizeof(name), "%s_h6", p->name);
	h = rte_hash_create(&hp);
	if (h == NULL)
		return NULL;
	if (p->rcu == NULL)
		return h;

	/* The defer queue is as large as the table, so a delete can always
	 * park its slot there until the readers have moved on. */
	struct rte_hash_rcu_config rc = {
		.v = p->rcu,
		.mode = RTE_HASH_QSBR_MODE_DQ,
	};
	if (rte_hash_rcu_qsbr_add(h, &rc) != 0) {
		rte_hash_free(h);
		return NULL;
	}
	return h;
}

static int
params_check(const struct sgt_table_params *p)
{
	if (p == NULL || p->name == NULL || p->name[0] == '\0')
		return EINVAL;
	if (strlen(p->name) > SGT_TABLE_NAME_MAX)
		return ENAMETOOLONG;
	return 0;
}

/* A max of 0 leaves a table out; lookups then skip it. */
static int
tables_create(struct sgt_table *t, const struct sgt_table_params *p)
{
	/* max_v4_prefixes counts a /0 too, which needs no v4_dir; keeping
	 * the rule simple costs a tbl24 for a table that has only a /0. */
	if (p->max_v4_hosts != 0 || p->max_v4_prefixes != 0) {
		struct v4_dir_params dp = {
			.name = p->name,
			.socket_id = p->socket_id,
			.rcu = p->rcu,
			.max_prefixes = p->max_v4_prefixes,
		};

		t->d4 = v4_dir_create(&dp);
		if (t->d4 == NULL)
			return -1;
	}
	if (p->max_v6_hosts != 0) {
		t->h6 = host6_hash_create(p);
		if (t->h6 == NULL)
			return -1;
	}
	if (p->max_v6_prefixes != 0) {
		/* Like max_v4_prefixes, this counts a /0 too, kept here. */
		struct v6_dir_params dp = {
			.socket_id = p->socket_id,
			.rcu = p->rcu,
			.max_prefixes = p->max_v6_prefixes,
		};

		t->d6 = v6_dir_create(&dp);
		if (t->d6 == NULL)
			return -1;
	}
	return 0;
}

struct sgt_table *
sgt_table_create(const struct sgt_table_params *p)
{
	struct sgt_table *t;
	int err = params_check(p);

	if (err != 0) {
		rte_errno = err;
		return NULL;
	}
	t = rte_zmalloc_socket("sgt_table", sizeof(*t), RTE_CACHE_LINE_SIZE,
			       p->socket_id);
	if (t == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	t->rcu = p->rcu;
	t->max = (struct table_counts){
		.v4_hosts = p->max_v4_hosts,
		.v4_prefixes = p->max_v4_prefixes,
		.v6_hosts = p->max_v6_hosts,
		.v6_prefixes = p->max_v6_prefixes,
	};
	rte_errno = 0;
	if (tables_create(t, p) != 0) {
		err = rte_errno != 0 ? rte_errno : ENOMEM;
		sgt_table_free(t);
		rte_errno = err;
		return NULL;
	}
	return t;
}

void
sgt_table_free(struct sgt_table *t)
{
	if (t == NULL)
		return;
	/* rte_hash drops its defer queue on free only once
	 * every parked entry is reclaimable; wait until it is. */
	if (t->rcu != NULL)
		rte_rcu_qsbr_synchronize(t->rcu, RTE_QSBR_THRID_INVALID);
	v4_dir_free(t->d4);
	rte_hash_free(t->h6);
	v6_dir_free(t->d6);
	rte_free(t);
}

/* The writer changes the counts; telemetry may read them from elsewhere. */
static void
count_move(uint32_t *count, int by)
{
	__atomic_store_n(count, *count + by, __ATOMIC_RELAXED);
}

/* Called after an add failed for room below the declared maximum: with RCU
 * the room may be parked in a defer queue, waiting for the readers. Wait for
 * them so the retry can reclaim it. Returns whether a retry makes sense. */
static bool
wait_for_parked_room(const struct sgt_table *t, int ret)
{
	if (ret != -ENOSPC || t->rcu == NULL)
		return false;
	rte_rcu_qsbr_synchronize(t->rcu, RTE_QSBR_THRID_INVALID);
	return true;
}

static int
host_add(const struct sgt_table *t, struct rte_hash *h, const void *key,
	 uint32_t *count, uint32_t max, sgt_t sgt)
{
	void *data = (void *)(uintptr_t)sgt;
	bool is_new;
	int ret;

	if (h == NULL)
		return -ENOSPC;
	/* The hash's add replaces silently; the count must not move then. */
	is_new = rte_hash_lookup(h, key) < 0;
	if (is_new && *count >= max)
		return -ENOSPC;
	ret = rte_hash_add_key_data(h, key, data);
	if (wait_for_parked_room(t, ret))
		ret = rte_hash_add_key_data(h, key, data);
	if (ret == 0 && is_new)
		count_move(count, 1);
	return ret;
}

static int
host_del(const struct sgt_table *t, struct rte_hash *h, const void *key,
	 uint32_t *count)
{
	int32_t pos;

	if (h == NULL)
		return -ENOENT;
	pos = rte_hash_del_key(h, key);
	if (pos < 0)
		return pos;
	/* A lock-free hash keeps the key's slot on delete. With RCU its defer
	 * queue frees it once the readers have moved on; without, no reader
	 * runs now, so it goes back at once. */
	if (t->rcu == NULL)
		rte_hash_free_key_with_position(h, pos);
	count_move(count, -1);
	return 0;
}

static int
default_add(uint32_t *slot, uint32_t *count, uint32_t max, sgt_t sgt)
{
	bool is_new = __atomic_load_n(slot, __ATOMIC_RELAXED) == 0;

	if (is_new && *count >= max)
		return -ENOSPC;
	__atomic_store_n(slot, DEFAULT_SET | sgt, __ATOMIC_RELAXED);
	if (is_new)
		count_move(count, 1);
	return 0;
}

static int
default_del(uint32_t *slot, uint32_t *count)
{
	if (__atomic_load_n(slot, __ATOMIC_RELAXED) == 0)
		return -ENOENT;
	__atomic_store_n(slot, 0, __ATOMIC_RELAXED);
	count_move(count, -1);
	return 0;
}

/* A /1 to /32 binding. */
static int
v4_add(struct sgt_table *t, uint32_t ip, uint8_t len, sgt_t sgt)
{
	uint32_t *count = len == 32 ? &t->n.v4_hosts : &t->n.v4_prefixes;
	uint32_t max = len == 32 ? t->max.v4_hosts : t->max.v4_prefixes;
	int ret;

	if (t->d4 == NULL)
		return -ENOSPC;
	ret = v4_dir_add(t->d4, ip, len, sgt, *count < max);
	if (ret < 0)
		return ret;
	if (ret == 1)
		count_move(count, 1);
	return 0;
}

static int
v4_del(struct sgt_table *t, uint32_t ip, uint8_t len)
{
	int ret;

	if (t->d4 == NULL)
		return -ENOENT;
	ret = v4_dir_del(t->d4, ip, len);
	if (ret == 0)
		count_move(len == 32 ? &t->n.v4_hosts : &t->n.v4_prefixes, -1);
	return ret;
}

int
sgt_table_add_v4(struct sgt_table *t, uint32_t addr_be, uint8_t len, sgt_t sgt)
{
	if (t == NULL || len > 32 || sgt > SGT_MAX)
		return -EINVAL;
	if (len == 0)
		return default_add(&t->v4_default, &t->n.v4_prefixes,
				   t->max.v4_prefixes, sgt);
	return v4_add(t, rte_be_to_cpu_32(addr_be), len, sgt);
}

int
sgt_table_del_v4(struct sgt_table *t, uint32_t addr_be, uint8_t len)
{
	if (t == NULL || len > 32)
		return -EINVAL;
	if (len == 0)
		return default_del(&t->v4_default, &t->n.v4_prefixes);
	return v4_del(t, rte_be_to_cpu_32(addr_be), len);
}

/* A /1 to /127 binding. */
static int
prefix6_add(struct sgt_table *t, const uint8_t addr[16], uint8_t len,
	    sgt_t sgt)
{
	uint32_t *count = &t->n.v6_prefixes;
	int ret;

	if (t->d6 == NULL)
		return -ENOSPC;
	ret = v6_dir_add(t->d6, addr, len, sgt, *count < t->max.v6_prefixes);
	if (ret < 0)
		return ret;
	if (ret == 1)
		count_move(count, 1);
	return 0;
}

static int
prefix6_del(struct sgt_table *t, const uint8_t addr[16], uint8_t len)
{
	int ret;

	if (t->d6 == NULL)
		return -ENOENT;
	ret = v6_dir_del(t->d6, addr, len);
	if (ret == 0)
		count_move(&t->n.v6_prefixes, -1);
	return ret;
}

int
sgt_table_add_v6(struct sgt_table *t, const uint8_t addr[16], uint8_t len,
		 sgt_t sgt)
{
	if (t == NULL || addr == NULL || len > 128 || sgt > SGT_MAX)
		return -EINVAL;
	if (len == 128)
		return host_add(t, t->h6, addr, &t->n.v6_hosts,
				t->max.v6_hosts, sgt);
	if (len == 0)
		return default_add(&t->v6_default, &t->n.v6_prefixes,
				   t->max.v6_prefixes, sgt);
	return prefix6_add(t, addr, len, sgt);
}

int
sgt_table_del_v6(struct sgt_table *t, const uint8_t addr[16], uint8_t len)
{
	if (t == NULL || addr == NULL || len > 128)
		return -EINVAL;
	if (len == 128)
		return host_del(t, t->h6, addr, &t->n.v6_hosts);
	if (len == 0)
		return default_del(&t->v6_default, &t->n.v6_prefixes);
	return prefix6_del(t, addr, len);
}

/* Overwrite what the host hash finds, n keys, SGT_TABLE_BULK_MAX (its
 * bulk limit) at a time. An empty hash is skipped: rte_hash would still
 * hash every key and read its buckets. */
static void
host_lookup(const struct rte_hash *h, const uint32_t *count, const void **keys,
	    uint32_t n, sgt_t *sgt, bool *found)
{
	_Static_assert(SGT_TABLE_BULK_MAX <= RTE_HASH_LOOKUP_BULK_MAX,
		       "one rte_hash bulk lookup a chunk");
	void *data[SGT_TABLE_BULK_MAX];

	if (h == NULL || __atomic_load_n(count, __ATOMIC_RELAXED) == 0)
		return;
	for (uint32_t done = 0, k; done < n; done += k) {
		uint64_t hits = 0;

		k = RTE_MIN(n - done, (uint32_t)SGT_TABLE_BULK_MAX);
		rte_hash_lookup_bulk_data(h, keys + done, k, &hits, data);
		for (uint32_t i = 0; i < k; i++) {
			if (hits & (UINT64_C(1) << i)) {
				sgt[done + i] = (sgt_t)(uintptr_t)data[i];
				found[done + i] = true;
			}
		}
	}
}

/* What a prefix miss resolves to: the /0 binding, if any. */
static inline void
set_default(uint32_t def, sgt_t *sgt, bool *found)
{
	*sgt = (sgt_t)(def & 0xFFFF);
	*found = def != 0;
}

static void
lookup_v4_chunk(const struct sgt_table *t, const uint32_t *addr_be,
		uint32_t n, sgt_t *sgt, bool *found)
{
	uint32_t def = __atomic_load_n(&t->v4_default, __ATOMIC_RELAXED);
	uint32_t i;

	if (t->d4 != NULL) {
		v4_dir_lookup_bulk(t->d4, addr_be, n, def, sgt, found);
		return;
	}
	for (i = 0; i < n; i++)
		set_default(def, &sgt[i], &found[i]);
}

void
sgt_table_v6_lookup_begin(const struct sgt_table *t, const uint8_t *const *addr,
			  uint32_t n, struct sgt_table_v6_lookup *l)
{
	l->t = t;
	for (uint32_t i = 0; i < n; i++)
		l->addr[i] = addr[i];
	v6_dir_lookup_begin(&l->pfx, t->d6, l->addr, n);
}

void
sgt_table_v6_lookup_end(struct sgt_table_v6_lookup *l, sgt_t *sgt,
			bool *found)
{
	const struct sgt_table *t = l->t;

	v6_dir_lookup_end(&l->pfx, __atomic_load_n(&t->v6_default,
						   __ATOMIC_RELAXED),
			  sgt, found);
	/* A host binding's hits overwrite what the prefixes said. */
	host_lookup(t->h6, &t->n.v6_hosts, (const void **)l->addr, l->pfx.n,
		    sgt, found);
}

void
sgt_table_lookup_v4_bulk(const struct sgt_table *t, const uint32_t *addr_be,
			 uint32_t n, sgt_t *sgt, bool *found)
{
	uint32_t done, k;

	for (done = 0; done < n; done += k) {
		k = RTE_MIN(n - done, (uint32_t)SGT_TABLE_BULK_MAX);
		lookup_v4_chunk(t, addr_be + done, k, sgt + done, found + done);
	}
}

void
sgt_table_lookup_v6_bulk(const struct sgt_table *t, const uint8_t (*addr)[16],
			 uint32_t n, sgt_t *sgt, bool *found)
{
	struct sgt_table_v6_lookup l;
	uint32_t done, k;

	for (done = 0; done < n; done += k) {
		const uint8_t *at[SGT_TABLE_V6_LOOKUP_MAX];

		k = RTE_MIN(n - done, (uint32_t)SGT_TABLE_V6_LOOKUP_MAX);
		for (uint32_t i = 0; i < k; i++)
			at[i] = addr[done + i];
		sgt_table_v6_lookup_begin(t, at, k, &l);
		sgt_table_v6_lookup_end(&l, sgt + done, found + done);
	}
}

void
sgt_table_stats(const struct sgt_table *t, struct sgt_table_stats *s)
{
	s->v4_hosts = __atomic_load_n(&t->n.v4_hosts, __ATOMIC_RELAXED);
	s->v4_prefixes = __atomic_load_n(&t->n.v4_prefixes, __ATOMIC_RELAXED);
	s->v6_hosts = __atomic_load_n(&t->n.v6_hosts, __ATOMIC_RELAXED);
	s->v6_prefixes = __atomic_load_n(&t->n.v6_prefixes, __ATOMIC_RELAXED);
	s->v4_groups = t->d4 != NULL ? v4_dir_groups(t->d4) : 0;
	s->v4_group_bytes = t->d4 != NULL ? v4_dir_group_bytes(t->d4) : 0;
	s->v6_slots = t->d6 != NULL ? v6_dir_slots_used(t->d6) : 0;
	s->v6_table_bytes = t->d6 != NULL ? v6_dir_bytes(t->d6) : 0;
}
