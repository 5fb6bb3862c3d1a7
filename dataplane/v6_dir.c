/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IPv6 prefix trie (v6_dir.h).
 *
 * Levels: 0 is the first level (bits 0-15, entries stand for /16s); level
 * k >= 1 groups start at bit gd = 8 + 8k and their entries stand for
 * prefixes of length gd + 8. A rule of length len ends at the level whose
 * entries are the first as long or longer.
 *
 * Invariants the writer keeps:
 *   - a non-group entry is the longest rule covering the entry's range
 *     (0 when none), so its depth is at most the entry's length;
 *   - a group's meta.base is what its parent entry would hold without it:
 *     the longest rule no longer than gd covering the group; an entry of
 *     the group whose depth is at most gd is base ("base-derived"), and so
 *     is the base of a child group whose base depth is at most gd;
 *   - n_deep counts the entries that are groups or hold a rule longer than
 *     gd; a group exists only while n_deep > 0, the last one gone, base
 *     goes back into its parent entry (and the parent may follow).
 * Readers see each entry change with one atomic store; a new group is
 * filled before its parent entry points at it.
 */
/* rte_rcu_qsbr_check() and rte_rcu_qsbr_start() are stable; nothing
 * experimental is used here. */
#include "v6_dir.h"

#include <errno.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>
#include <rte_rcu_qsbr.h>

#include "group_pool.h"
#include "select.h"

#define L0_BITS 16
#define L0_ENTRIES (UINT32_C(1) << L0_BITS)
#define LEVELS 15               /* level 0, then 14 levels of groups */

/* Entry: GROUP | group index, or VALID | depth << 16 | SGT, or 0. */
#define E_GROUP (UINT32_C(1) << 31)
#define E_VALID (UINT32_C(1) << 30)
#define E_DEPTH_SHIFT 16
#define E_DEPTH_MASK 0x7Fu
#define E_INDEX_MASK 0x00FFFFFFu

#define GROUP_SIZE 256u
#define GROUP_BYTES (GROUP_SIZE * sizeof(uint32_t))
/* 2,048 groups of 256 32-bit entries to a pool chunk. */
#define CHUNK_SHIFT 11
#define CHUNK_GROUPS (UINT32_C(1) << CHUNK_SHIFT)
_Static_assert(GROUP_POOL_CHUNK_BYTES / GROUP_BYTES == CHUNK_GROUPS,
	       "the readers' group address must be the pool's");
_Static_assert((E_INDEX_MASK >> CHUNK_SHIFT) < GROUP_POOL_MAX_CHUNKS,
	       "any entry's index bits must name an element of chunk[]");

/* The writer's view of one group. */
struct group_meta {
	uint32_t base;          /* the entry its parent held before it */
	uint16_t n_deep;        /* groups, and rules longer than gd */
	uint8_t gd;             /* the group's first bit: 16, 24, ..., 120 */
};

/* Aligned: rte_hash_crc() reads the key as 8-byte words in place. */
struct rule_key {
	uint8_t addr[16];       /* masked to len */
	uint8_t len;
	uint8_t pad[7];         /* zero */
} __attribute__((aligned(8)));

struct v6_dir {
	/* Read by the workers: l0, and pool.chunk[]. */
	uint32_t *l0;
	struct group_pool pool;

	/* The writer's own. */
	struct rte_hash *rules;                 /* key rule_key: SGT */
	uint32_t rules_at[128];                 /* rules of each length */
} __rte_cache_aligned;

/* ---- entries ---- */

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

/* The pool's group_pool_entries() with the shift a constant: this is
 * the readers' path. */
static inline uint32_t *
group_entries(const struct v6_dir *d, uint32_t g)
{
	return (uint32_t *)d->pool.chunk[g >> CHUNK_SHIFT] +
	       ((g & (CHUNK_GROUPS - 1)) << 8);
}

static inline struct group_meta *
group_meta(const struct v6_dir *d, uint32_t g)
{
	return group_pool_meta(&d->pool, g);
}

static inline void
entry_store(uint32_t *slot, uint32_t e)
{
	/* Release: a group's entries are written before its parent names
	 * it. */
	__atomic_store_n(slot, e, __ATOMIC_RELEASE);
}

static void
addr_mask(uint8_t *a, uint8_t len)
{
	uint32_t i;

	for (i = len; i < 128; i++)
		a[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
}

/* The level where a rule of length len ends, and the first bit there. */
static inline uint32_t
level_of(uint8_t len)
{
	return len <= L0_BITS ? 0 : (uint32_t)(len - L0_BITS + 7) / 8;
}

static inline uint8_t
level_gd(uint32_t level)
{
	return level == 0 ? 0 : (uint8_t)(8 + 8 * level);
}

/* ---- rules: /1 to /127, the writer's alone ---- */

static struct rule_key
rule_key_of(const uint8_t *addr, uint8_t len)
{
	struct rule_key k;

	memset(&k, 0, sizeof(k));
	memcpy(k.addr, addr, sizeof(k.addr));
	addr_mask(k.addr, len);
	k.len = len;
	return k;
}

static bool
rule_find(const struct v6_dir *d, const uint8_t *addr, uint8_t len,
	  sgt_t *sgt)
{
	struct rule_key key;
	void *data;

	if (d->rules_at[len] == 0)
		return false;
	key = rule_key_of(addr, len);
	if (rte_hash_lookup_data(d->rules, &key, &data) < 0)
		return false;
	*sgt = (sgt_t)(uintptr_t)data;
	return true;
}

static int
rule_set(struct v6_dir *d, const uint8_t *addr, uint8_t len, sgt_t sgt,
	 bool is_new)
{
	struct rule_key key = rule_key_of(addr, len);
	int rc;

	rc = rte_hash_add_key_data(d->rules, &key, (void *)(uintptr_t)sgt);
	if (rc == 0 && is_new)
		d->rules_at[len]++;
	return rc;
}

static void
rule_del(struct v6_dir *d, const uint8_t *addr, uint8_t len)
{
	struct rule_key key = rule_key_of(addr, len);

	if (rte_hash_del_key(d->rules, &key) >= 0)
		d->rules_at[len]--;
}

/* The longest rule shorter than len covering addr, as an entry; 0 when
 * none. One probe per length in use. */
static uint32_t
rule_parent(const struct v6_dir *d, const uint8_t *addr, uint8_t len)
{
	sgt_t sgt;
	uint8_t k;

	for (k = (uint8_t)(len - 1); k > 0; k--)
		if (rule_find(d, addr, k, &sgt))
			return entry_make(k, sgt);
	return 0;
}

/* ---- groups ---- */

/*
 * The path from the first level to where a rule ends: slot[k] is the
 * entry at level k on the way (in l0 or in group[k]), group[k] the group
 * of level k (k >= 1). Level k's entry is group[k + 1]'s parent entry.
 */
struct path {
	uint32_t *slot[LEVELS];
	uint32_t group[LEVELS];
};

static inline uint32_t
slot_index(const uint8_t *addr, uint32_t level)
{
	return level == 0 ? (uint32_t)addr[0] << 8 | addr[1] : addr[level + 1];
}

/* Whether an entry of a group with first bit gd counts in n_deep. */
static inline bool
entry_is_deep(uint32_t e, uint8_t gd)
{
	return (e & E_GROUP) || entry_depth(e) > gd;
}

/* No entry of group[level] needs it any more: its base back into its
 * parent entry, and so on upward. */
static void
collapse_up(struct v6_dir *d, struct path *p, uint32_t level)
{
	for (; level >= 1; level--) {
		uint32_t g = p->group[level];
		struct group_meta *m = group_meta(d, g);

		if (m->n_deep != 0)
			return;
		entry_store(p->slot[level - 1], m->base);
		group_pool_release(&d->pool, g);
		if (level - 1 == 0 || entry_is_deep(m->base, level_gd(level - 1)))
			return;
		group_meta(d, p->group[level - 1])->n_deep--;
	}
}

/* Walk to the level where a rule of length len ends; with create, make
 * the groups missing on the way (on failure, those made are gone
 * again). */
static int
walk(struct v6_dir *d, const uint8_t *addr, uint8_t len, bool create,
     struct path *p)
{
	uint32_t target = level_of(len), k;

	p->slot[0] = &d->l0[slot_index(addr, 0)];
	for (k = 1; k <= target; k++) {
		uint32_t *slot = p->slot[k - 1];
		uint32_t e = *slot, g, j, *ent;
		struct group_meta *m;
		int rc;

		if (!(e & E_GROUP)) {
			if (!create)
				return -ENOENT;
			rc = group_pool_alloc(&d->pool, &g);
			if (rc != 0) {
				if (k >= 2)
					collapse_up(d, p, k - 1);
				return rc;
			}
			/* Not yet published, and no reader of its last life
			 * is left. */
			ent = group_entries(d, g);
			for (j = 0; j < GROUP_SIZE; j++)
				ent[j] = e;
			m = group_meta(d, g);
			m->base = e;
			m->n_deep = 0;
			m->gd = level_gd(k);
			if (k >= 2 && !entry_is_deep(e, level_gd(k - 1)))
				group_meta(d, p->group[k - 1])->n_deep++;
			entry_store(slot, E_GROUP | g);
		} else {
			g = e & E_INDEX_MASK;
		}
		p->group[k] = g;
		p->slot[k] = group_entries(d, g) + slot_index(addr, k);
	}
	return 0;
}

/* What covers the whole group changed from the rule its base-derived
 * entries hold to base: they follow, and so do child groups based on the
 * same rule. */
static void
group_rebase(struct v6_dir *d, uint32_t g, uint32_t base)
{
	struct group_meta *m = group_meta(d, g);
	uint32_t *ent = group_entries(d, g);
	uint32_t j;

	m->base = base;
	for (j = 0; j < GROUP_SIZE; j++) {
		uint32_t e = ent[j];

		if (e & E_GROUP) {
			uint32_t c = e & E_INDEX_MASK;

			if (entry_depth(group_meta(d, c)->base) <= m->gd)
				group_rebase(d, c, base);
		} else if (entry_depth(e) <= m->gd) {
			entry_store(&ent[j], base);
		}
	}
}

/* The entries of the rule's range at its last level: first, how many, and
 * the group they are in (none at level 0). */
static uint32_t *
range_of(const struct path *p, uint8_t len, uint32_t *n)
{
	uint32_t level = level_of(len);
	uint8_t end = level == 0 ? L0_BITS : (uint8_t)(level_gd(level) + 8);

	*n = UINT32_C(1) << (end - len);
	return p->slot[level];
}

static void
range_add(struct v6_dir *d, const struct path *p, uint8_t len, sgt_t sgt)
{
	uint32_t level = level_of(len), e_new = entry_make(len, sgt), n, i;
	uint32_t *first = range_of(p, len, &n);
	struct group_meta *gm = level == 0 ? NULL :
				group_meta(d, p->group[level]);

	for (i = 0; i < n; i++) {
		uint32_t e = first[i];

		if (e & E_GROUP) {
			uint32_t c = e & E_INDEX_MASK;

			if (entry_depth(group_meta(d, c)->base) <= len)
				group_rebase(d, c, e_new);
		} else if (entry_depth(e) <= len) {
			/* len is beyond the group's first bit: deep now. */
			if (gm != NULL && entry_depth(e) <= gm->gd)
				gm->n_deep++;
			entry_store(&first[i], e_new);
		}
	}
}

/* The rule is gone from the rule table: what it held falls to parent. */
static void
range_del(struct v6_dir *d, const struct path *p, uint8_t len,
	  uint32_t parent)
{
	uint32_t level = level_of(len), n, i;
	uint32_t *first = range_of(p, len, &n);
	struct group_meta *gm = level == 0 ? NULL :
				group_meta(d, p->group[level]);

	for (i = 0; i < n; i++) {
		uint32_t e = first[i];

		if (e & E_GROUP) {
			uint32_t c = e & E_INDEX_MASK;

			if (entry_depth(group_meta(d, c)->base) == len)
				group_rebase(d, c, parent);
		} else if (entry_depth(e) == len) {
			if (gm != NULL && entry_depth(parent) <= gm->gd)
				gm->n_deep--;
			entry_store(&first[i], parent);
		}
	}
}

int
v6_dir_add(struct v6_dir *d, const uint8_t addr[16], uint8_t len, sgt_t sgt,
	   bool room)
{
	struct rule_key key;
	struct path p;
	sgt_t old;
	bool is_new;
	int rc;

	if (d == NULL || addr == NULL || len == 0 || len > 127 ||
	    sgt > SGT_MAX)
		return -EINVAL;
	key = rule_key_of(addr, len);
	is_new = !rule_find(d, key.addr, len, &old);
	if (is_new && !room)
		return -ENOSPC;
	/* The groups first: a rule is recorded only once it can be
	 * applied. A replace finds them all: its entries are deep. */
	rc = walk(d, key.addr, len, true, &p);
	if (rc != 0)
		return rc;
	rc = rule_set(d, key.addr, len, sgt, is_new);
	if (rc != 0) {
		collapse_up(d, &p, level_of(len));
		return rc;
	}
	range_add(d, &p, len, sgt);
	return is_new;
}

int
v6_dir_del(struct v6_dir *d, const uint8_t addr[16], uint8_t len)
{
	struct rule_key key;
	struct path p;
	sgt_t old;

	if (d == NULL || addr == NULL || len == 0 || len > 127)
		return -EINVAL;
	key = rule_key_of(addr, len);
	if (!rule_find(d, key.addr, len, &old))
		return -ENOENT;
	/* A rule's path always exists: its entries are deep. */
	if (walk(d, key.addr, len, false, &p) != 0)
		return -ENOENT;
	rule_del(d, key.addr, len);
	range_del(d, &p, len, rule_parent(d, key.addr, len));
	collapse_up(d, &p, level_of(len));
	return 0;
}

/* ---- lookups ---- */

/* Where an address goes from entry e at the level of addr[byte]: the
 * child group's entry, or e itself (self: the caller's copy) once it is
 * not a group. Without a branch, which would mispredict wherever the
 * burst's addresses end their walks at different levels (a select: GCC
 * makes a plain ?: of these a branch). From an entry that is not a
 * group, the child's address is made of bits that are not an index, and
 * not followed: d->pool.chunk[] has an element for any of them. */
static inline const uint32_t *
next_entry(const struct v6_dir *d, const uint32_t *self, uint32_t e,
	   const uint8_t *addr, uint32_t byte)
{
	uint32_t g = e & E_INDEX_MASK;
	const uint32_t *c = d->pool.chunk[g >> CHUNK_SHIFT];

	return select_ptr((e & E_GROUP) != 0,
			  c + ((g & (CHUNK_GROUPS - 1)) << 8) + addr[byte],
			  self);
}

/* Each address's binding from the entry its walk ended on. */
static void
walk_results(const uint32_t *e, uint32_t n, uint32_t dflt, sgt_t *sgt,
	     bool *found)
{
	for (uint32_t i = 0; i < n; i++) {
		if (e[i] & E_VALID) {
			sgt[i] = (sgt_t)(e[i] & 0xFFFF);
			found[i] = true;
		} else {
			sgt[i] = (sgt_t)(dflt & 0xFFFF);
			found[i] = dflt != 0;
		}
	}
}

void
v6_dir_walk_begin(struct v6_dir_walk *w, const struct v6_dir *d,
		  const uint8_t *const *addr, uint32_t n)
{
	w->d = d;
	w->addr = addr;
	w->n = n;
	w->byte = 2;
	w->more = d != NULL && n > 0;
	for (uint32_t i = 0; i < n; i++) {
		w->e[i] = 0;            /* no binding, where d is NULL */
		if (d == NULL)
			continue;
		w->at[i] = &d->l0[(uint32_t)addr[i][0] << 8 | addr[i][1]];
		rte_prefetch0(w->at[i]);
	}
}

bool
v6_dir_walk_step(struct v6_dir_walk *w)
{
	uint32_t any = 0;

	if (!w->more)
		return false;
	for (uint32_t i = 0; i < w->n; i++) {
		w->e[i] = __atomic_load_n(w->at[i], __ATOMIC_ACQUIRE);
		any |= w->e[i];
	}
	w->more = (any & E_GROUP) != 0;
	if (w->more) {
		for (uint32_t i = 0; i < w->n; i++) {
			w->at[i] = next_entry(w->d, &w->e[i], w->e[i],
					      w->addr[i], w->byte);
			rte_prefetch0(w->at[i]);
		}
		w->byte++;
	}
	return w->more;
}

void
v6_dir_walk_end(struct v6_dir_walk *w, uint32_t dflt, sgt_t *sgt,
		bool *found)
{
	while (v6_dir_walk_step(w))
		;
	walk_results(w->e, w->n, dflt, sgt, found);
}

uint32_t
v6_dir_groups(const struct v6_dir *d)
{
	return group_pool_used(&d->pool);
}

uint64_t
v6_dir_group_bytes(const struct v6_dir *d)
{
	return group_pool_bytes(&d->pool);
}

/* ---- life ---- */

struct v6_dir *
v6_dir_create(const struct v6_dir_params *p)
{
	struct v6_dir *d;
	int err;

	d = rte_zmalloc_socket("v6_dir", sizeof(*d), RTE_CACHE_LINE_SIZE,
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
	d->l0 = rte_zmalloc_socket("v6_dir_l0", L0_ENTRIES * sizeof(*d->l0),
				   RTE_CACHE_LINE_SIZE, p->socket_id);
	if (d->l0 == NULL)
		goto nomem;
	d->rules = group_pool_rules_create(p->name, "r6", p->socket_id,
					   p->max_prefixes,
					   sizeof(struct rule_key));
	if (d->rules == NULL) {
		err = rte_errno;
		v6_dir_free(d);
		rte_errno = err;
		return NULL;
	}
	return d;
nomem:
	v6_dir_free(d);
	rte_errno = ENOMEM;
	return NULL;
}

void
v6_dir_free(struct v6_dir *d)
{
	if (d == NULL)
		return;
	group_pool_fini(&d->pool);
	rte_hash_free(d->rules);
	rte_free(d->l0);
	rte_free(d);
}
