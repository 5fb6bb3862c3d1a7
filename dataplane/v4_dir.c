/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IPv4 DIR-24-8 table (v4_dir.h).
 *
 * Invariants the writer keeps:
 *   - a tbl24 entry that is not a group is the longest /1-/24 rule covering
 *     its /24 (0 when none);
 *   - a group's meta.base is that same entry, and each of its addresses has
 *     meta.depth 0 (its entry is base's SGT) or the length, 25 to 32, of
 *     the longest host or /25-/31 rule covering it (its entry is that SGT);
 *   - a group exists only while some address has a depth above 24
 *     (n_deep > 0); the last one gone, base goes back into tbl24.
 * Readers see each entry change with one atomic store; a new group is
 * filled before tbl24 points at it.
 */
/* rte_rcu_qsbr_check() and rte_rcu_qsbr_start() are stable; nothing
 * experimental is used here. */
#include "v4_dir.h"

#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>
#include <rte_rcu_qsbr.h>

#include "group_pool.h"

#define TBL24_ENTRIES (UINT32_C(1) << 24)

/* tbl24 entry: VALID | depth << 24 | SGT, or GROUP | group index. */
#define E_VALID (UINT32_C(1) << 31)
#define E_GROUP (UINT32_C(1) << 30)
#define E_DEPTH_SHIFT 24
#define E_DEPTH_MASK 0x3Fu
#define E_INDEX_MASK 0x00FFFFFFu

/* A group entry with no binding. SGT_MAX leaves it free. */
#define GROUP_NONE 0xFFFFu
_Static_assert(SGT_MAX < GROUP_NONE, "0xFFFF must not be an SGT");

#define GROUP_SIZE 256u
#define GROUP_BYTES (GROUP_SIZE * sizeof(uint16_t))
/* 4,096 groups of 256 16-bit entries to a pool chunk. */
#define CHUNK_SHIFT 12
#define CHUNK_GROUPS (UINT32_C(1) << CHUNK_SHIFT)
_Static_assert(GROUP_POOL_CHUNK_BYTES / GROUP_BYTES == CHUNK_GROUPS,
	       "the readers' group address must be the pool's");

/* The writer's view of one group. */
struct group_meta {
	uint8_t depth[GROUP_SIZE];      /* 0: base; else 25..32 */
	uint32_t base;                  /* the tbl24 entry it stands for */
	uint16_t n_deep;                /* addresses with depth > 24 */
	uint16_t n_rules;               /* /25-/31 rules inside this /24 */
};

struct v4_dir {
	/* Read by the workers: tbl24, and pool.chunk[]. */
	uint32_t *tbl24;
	struct group_pool pool;

	/* The writer's own. */
	struct rte_hash *rules;                 /* key rule_key(): SGT */
	uint32_t rules_at[33];                  /* rules of each length */
} __rte_cache_aligned;

/* ---- entries ---- */

static inline uint32_t
mask_of(uint8_t len)
{
	return len == 0 ? 0 : UINT32_MAX << (32 - len);
}

static inline uint32_t
entry_make(uint8_t len, sgt_t sgt)
{
	return E_VALID | (uint32_t)len << E_DEPTH_SHIFT | sgt;
}

/* 0 for no binding (and meaningless for a group). */
static inline uint8_t
entry_depth(uint32_t e)
{
	return (uint8_t)((e >> E_DEPTH_SHIFT) & E_DEPTH_MASK);
}

/* What a group entry holds for a tbl24-style entry. */
static inline uint16_t
entry_group_value(uint32_t e)
{
	return (e & E_VALID) ? (uint16_t)e : GROUP_NONE;
}

/* The pool's group_pool_entries() with the shift a constant: this is
 * the readers' path. */
static inline uint16_t *
group_entries(const struct v4_dir *d, uint32_t g)
{
	return (uint16_t *)d->pool.chunk[g >> CHUNK_SHIFT] +
	       ((g & (CHUNK_GROUPS - 1)) << 8);
}

static inline struct group_meta *
group_meta(const struct v4_dir *d, uint32_t g)
{
	return group_pool_meta(&d->pool, g);
}

static inline void
tbl24_store(struct v4_dir *d, uint32_t i, uint32_t e)
{
	/* Release: a group's entries are written before tbl24 names it. */
	__atomic_store_n(&d->tbl24[i], e, __ATOMIC_RELEASE);
}

static inline void
group_store(struct v4_dir *d, uint32_t g, uint32_t j, uint16_t v)
{
	__atomic_store_n(&group_entries(d, g)[j], v, __ATOMIC_RELAXED);
}

/* ---- rules: /1 to /31, the writer's alone ---- */

static inline uint64_t
rule_key(uint32_t ip, uint8_t len)
{
	return (uint64_t)(ip & mask_of(len)) << 8 | len;
}

static bool
rule_find(const struct v4_dir *d, uint32_t ip, uint8_t len, sgt_t *sgt)
{
	uint64_t key = rule_key(ip, len);
	void *data;

	if (d->rules == NULL || d->rules_at[len] == 0)
		return false;
	if (rte_hash_lookup_data(d->rules, &key, &data) < 0)
		return false;
	*sgt = (sgt_t)(uintptr_t)data;
	return true;
}

static int
rule_set(struct v4_dir *d, uint32_t ip, uint8_t len, sgt_t sgt, bool is_new)
{
	uint64_t key = rule_key(ip, len);
	int rc;

	if (d->rules == NULL)
		return -ENOSPC;
	rc = rte_hash_add_key_data(d->rules, &key, (void *)(uintptr_t)sgt);
	if (rc == 0 && is_new)
		d->rules_at[len]++;
	return rc;
}

static void
rule_del(struct v4_dir *d, uint32_t ip, uint8_t len)
{
	uint64_t key = rule_key(ip, len);

	if (rte_hash_del_key(d->rules, &key) >= 0)
		d->rules_at[len]--;
}

/* The longest rule shorter than len and no shorter than floor covering ip,
 * as a tbl24-style entry; 0 when none. One probe per length in use. */
static uint32_t
rule_parent(const struct v4_dir *d, uint32_t ip, uint8_t len, uint8_t floor)
{
	sgt_t sgt;
	uint8_t k;

	for (k = (uint8_t)(len - 1); k >= floor && k > 0; k--)
		if (rule_find(d, ip, k, &sgt))
			return entry_make(k, sgt);
	return 0;
}

/* ---- groups ---- */

/* The group of /24 number i24, made from its tbl24 entry if there is none
 * (create) and published. */
static int
group_of(struct v4_dir *d, uint32_t i24, bool create, uint32_t *g)
{
	uint32_t e = d->tbl24[i24];
	struct group_meta *m;
	uint16_t *ent, v;
	uint32_t j;
	int rc;

	if (e & E_GROUP) {
		*g = e & E_INDEX_MASK;
		return 0;
	}
	if (!create)
		return -ENOENT;
	rc = group_pool_alloc(&d->pool, g);
	if (rc != 0)
		return rc;
	/* Not yet published, and no reader of its last life is left. */
	ent = group_entries(d, *g);
	v = entry_group_value(e);
	for (j = 0; j < GROUP_SIZE; j++)
		ent[j] = v;
	m = group_meta(d, *g);
	memset(m->depth, 0, sizeof(m->depth));
	m->base = e;
	m->n_deep = 0;
	m->n_rules = 0;
	tbl24_store(d, i24, E_GROUP | *g);
	return 0;
}

/* No address of the group needs it any more: base back into tbl24. */
static void
group_collapse_if_idle(struct v4_dir *d, uint32_t i24, uint32_t g)
{
	struct group_meta *m = group_meta(d, g);

	if (m->n_deep != 0)
		return;
	tbl24_store(d, i24, m->base);
	group_pool_release(&d->pool, g);
}

/* What covers the whole /24 changed: every base address follows. */
static void
group_rebase(struct v4_dir *d, uint32_t g, uint32_t base)
{
	struct group_meta *m = group_meta(d, g);
	uint16_t v = entry_group_value(base);
	uint32_t j;

	m->base = base;
	for (j = 0; j < GROUP_SIZE; j++)
		if (m->depth[j] == 0)
			group_store(d, g, j, v);
}

/* ---- /1 to /24: tbl24 ranges ---- */

static void
shallow_add(struct v4_dir *d, uint32_t ip, uint8_t len, sgt_t sgt)
{
	uint32_t e_new = entry_make(len, sgt);
	uint32_t first = ip >> 8, n = UINT32_C(1) << (24 - len), i;

	for (i = first; i < first + n; i++) {
		uint32_t e = d->tbl24[i];

		if (e & E_GROUP) {
			uint32_t g = e & E_INDEX_MASK;

			if (entry_depth(group_meta(d, g)->base) <= len)
				group_rebase(d, g, e_new);
		} else if (entry_depth(e) <= len) {
			tbl24_store(d, i, e_new);
		}
	}
}

/* The rule is gone from the rule table: what it covered falls to the
 * next shorter rule. */
static void
shallow_del(struct v4_dir *d, uint32_t ip, uint8_t len)
{
	uint32_t parent = rule_parent(d, ip, len, 1);
	uint32_t first = ip >> 8, n = UINT32_C(1) << (24 - len), i;

	for (i = first; i < first + n; i++) {
		uint32_t e = d->tbl24[i];

		if (e & E_GROUP) {
			uint32_t g = e & E_INDEX_MASK;

			if (entry_depth(group_meta(d, g)->base) == len)
				group_rebase(d, g, parent);
		} else if (entry_depth(e) == len) {
			tbl24_store(d, i, parent);
		}
	}
}

/* ---- /25 to /32: addresses of one group ---- */

static void
deep_fill(struct v4_dir *d, uint32_t g, uint32_t ip, uint8_t len, sgt_t sgt)
{
	struct group_meta *m = group_meta(d, g);
	uint32_t lo = ip & 0xFF, n = UINT32_C(1) << (32 - len), j;

	for (j = lo; j < lo + n; j++) {
		if (m->depth[j] > len)
			continue;
		if (m->depth[j] == 0)
			m->n_deep++;
		m->depth[j] = len;
		group_store(d, g, j, sgt);
	}
}

/* The rule (or host) is gone: its addresses fall to the next shorter
 * rule inside the /24, or to base. */
static void
deep_unfill(struct v4_dir *d, uint32_t g, uint32_t ip, uint8_t len)
{
	struct group_meta *m = group_meta(d, g);
	uint32_t parent = m->n_rules != 0 ? rule_parent(d, ip, len, 25) : 0;
	uint8_t to = entry_depth(parent);
	uint16_t v = entry_group_value(parent != 0 ? parent : m->base);
	uint32_t lo = ip & 0xFF, n = UINT32_C(1) << (32 - len), j;

	for (j = lo; j < lo + n; j++) {
		if (m->depth[j] != len)
			continue;
		if (to == 0)
			m->n_deep--;
		m->depth[j] = to;
		group_store(d, g, j, v);
	}
}

static int
host_add(struct v4_dir *d, uint32_t ip, sgt_t sgt, bool room)
{
	uint32_t i24 = ip >> 8, g;
	bool is_new = true;
	int rc;

	if (group_of(d, i24, false, &g) == 0)
		is_new = group_meta(d, g)->depth[ip & 0xFF] != 32;
	if (is_new && !room)
		return -ENOSPC;
	rc = group_of(d, i24, true, &g);
	if (rc != 0)
		return rc;
	deep_fill(d, g, ip, 32, sgt);
	return is_new;
}

static int
host_del(struct v4_dir *d, uint32_t ip)
{
	uint32_t i24 = ip >> 8, g;

	if (group_of(d, i24, false, &g) != 0 ||
	    group_meta(d, g)->depth[ip & 0xFF] != 32)
		return -ENOENT;
	deep_unfill(d, g, ip, 32);
	group_collapse_if_idle(d, i24, g);
	return 0;
}

static int
prefix_add(struct v4_dir *d, uint32_t ip, uint8_t len, sgt_t sgt, bool room)
{
	sgt_t old;
	bool is_new = !rule_find(d, ip, len, &old);
	uint32_t g = 0;
	int rc;

	if (is_new && !room)
		return -ENOSPC;
	/* The group first: a rule is recorded only once it can be applied. */
	if (len > 24) {
		rc = group_of(d, ip >> 8, true, &g);
		if (rc != 0)
			return rc;
	}
	rc = rule_set(d, ip, len, sgt, is_new);
	if (rc != 0) {
		if (len > 24)
			group_collapse_if_idle(d, ip >> 8, g);
		return rc;
	}
	if (len <= 24) {
		shallow_add(d, ip, len, sgt);
		return is_new;
	}
	if (is_new)
		group_meta(d, g)->n_rules++;
	deep_fill(d, g, ip, len, sgt);
	return is_new;
}

static int
prefix_del(struct v4_dir *d, uint32_t ip, uint8_t len)
{
	uint32_t g;
	sgt_t old;

	if (!rule_find(d, ip, len, &old))
		return -ENOENT;
	/* A /25-/31 rule always has its group: its addresses are deep. */
	if (len > 24 && group_of(d, ip >> 8, false, &g) != 0)
		return -ENOENT;
	rule_del(d, ip, len);
	if (len <= 24) {
		shallow_del(d, ip, len);
		return 0;
	}
	group_meta(d, g)->n_rules--;
	deep_unfill(d, g, ip, len);
	group_collapse_if_idle(d, ip >> 8, g);
	return 0;
}

int
v4_dir_add(struct v4_dir *d, uint32_t ip, uint8_t len, sgt_t sgt, bool room)
{
	if (d == NULL || len == 0 || len > 32 || sgt > SGT_MAX)
		return -EINVAL;
	ip &= mask_of(len);
	if (len == 32)
		return host_add(d, ip, sgt, room);
	return prefix_add(d, ip, len, sgt, room);
}

int
v4_dir_del(struct v4_dir *d, uint32_t ip, uint8_t len)
{
	if (d == NULL || len == 0 || len > 32)
		return -EINVAL;
	ip &= mask_of(len);
	if (len == 32)
		return host_del(d, ip);
	return prefix_del(d, ip, len);
}

/* ---- lookups ---- */

void
v4_dir_lookup_bulk(const struct v4_dir *d, const uint32_t *addr_be,
		   uint32_t n, uint32_t dflt, sgt_t *sgt, bool *found)
{
	uint32_t ip[V4_DIR_BULK_MAX], e[V4_DIR_BULK_MAX];
	const uint16_t *at[V4_DIR_BULK_MAX];
	uint32_t i;

	/* Three passes so that the loads of one address overlap with those
	 * of the others: tbl24 lines, then group lines, then the values. */
	for (i = 0; i < n; i++) {
		ip[i] = rte_be_to_cpu_32(addr_be[i]);
		rte_prefetch0(&d->tbl24[ip[i] >> 8]);
	}
	for (i = 0; i < n; i++) {
		e[i] = __atomic_load_n(&d->tbl24[ip[i] >> 8], __ATOMIC_ACQUIRE);
		at[i] = NULL;
		if (e[i] & E_GROUP) {
			at[i] = group_entries(d, e[i] & E_INDEX_MASK) +
				(ip[i] & 0xFF);
			rte_prefetch0(at[i]);
		}
	}
	for (i = 0; i < n; i++) {
		uint32_t v = at[i] != NULL ?
			__atomic_load_n(at[i], __ATOMIC_RELAXED) :
			entry_group_value(e[i]);

		if (v != GROUP_NONE) {
			sgt[i] = (sgt_t)v;
			found[i] = true;
		} else {
			sgt[i] = (sgt_t)(dflt & 0xFFFF);
			found[i] = dflt != 0;
		}
	}
}

uint32_t
v4_dir_groups(const struct v4_dir *d)
{
	return group_pool_used(&d->pool);
}

uint64_t
v4_dir_group_bytes(const struct v4_dir *d)
{
	return group_pool_bytes(&d->pool);
}

/* ---- life ---- */

struct v4_dir *
v4_dir_create(const struct v4_dir_params *p)
{
	struct v4_dir *d;

	d = rte_zmalloc_socket("v4_dir", sizeof(*d), RTE_CACHE_LINE_SIZE,
			       p->socket_id);
	if (d == NULL)
		goto nomem;
	group_pool_init(&d->pool, &(struct group_pool_params){
		.socket_id = p->socket_id,
		.rcu = p->rcu,
		.group_bytes = GROUP_BYTES,
		.meta_bytes = sizeof(struct group_meta),
		.max_groups = E_INDEX_MASK + 1,
	});
	d->tbl24 = rte_zmalloc_socket("v4_dir_tbl24",
				      TBL24_ENTRIES * sizeof(*d->tbl24),
				      RTE_CACHE_LINE_SIZE, p->socket_id);
	if (d->tbl24 == NULL)
		goto nomem;
	if (p->max_prefixes != 0) {
		d->rules = group_pool_rules_create(p->name, "r4", p->socket_id,
						   p->max_prefixes, sizeof(uint64_t));
		if (d->rules == NULL) {
			int err = rte_errno;

			v4_dir_free(d);
			rte_errno = err;
			return NULL;
		}
	}
	return d;
nomem:
	v4_dir_free(d);
	rte_errno = ENOMEM;
	return NULL;
}

void
v4_dir_free(struct v4_dir *d)
{
	if (d == NULL)
		return;
	group_pool_fini(&d->pool);
	rte_hash_free(d->rules);
	rte_free(d->tbl24);
	rte_free(d);
}
