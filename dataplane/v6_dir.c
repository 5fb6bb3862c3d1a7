/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv6 prefixes by length (v6_dir.h).
 *
 * A slot holds a prefix (its 128 bits masked to its length, as two
 * host-order words) and a word: 0 free, SLOT_DEAD deleted, else
 * SLOT_VALID | length << 16 | SGT. A key sits in the first slot that was
 * free along its probe sequence (home bucket, then the next ones) when it
 * was added. Slots are never freed again in place, only by a rebuild, so a
 * search may stop at the first free slot: no key lies past one.
 *
 * Readers see a slot change with one atomic store of its word: an add
 * writes the prefix first, then the word (release); a replace stores a
 * new word; a delete stores SLOT_DEAD. A dead slot is not reused in place:
 * a reader that read its word before the delete may still compare its
 * prefix. A rebuild fills a new table and publishes it with one pointer
 * store; the old one is freed once every reader has been quiescent.
 */
#include "v6_dir.h"

#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_errno.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>
#include <rte_rcu_qsbr.h>

#define SLOT_VALID (UINT32_C(1) << 31)
#define SLOT_DEAD (UINT32_C(1) << 30)
#define SLOT_LEN_SHIFT 16
#define SLOT_KEY_MASK (SLOT_VALID | UINT32_C(0x7F) << SLOT_LEN_SHIFT)

#define BUCKET_SLOTS 2

struct v6_slot {
	uint64_t hi, lo;        /* the prefix, masked, host order */
	uint32_t word;
	uint32_t pad[3];
};

struct v6_bucket {
	struct v6_slot slot[BUCKET_SLOTS];
} __rte_cache_aligned;

_Static_assert(sizeof(struct v6_bucket) == RTE_CACHE_LINE_SIZE,
	       "a probe reads one cache line");

/* What the readers follow: published whole, replaced by a rebuild. */
struct v6_dir_table {
	uint32_t mask;          /* buckets - 1 */
	uint32_t max_probe;     /* buckets any key sits past its home */
	struct v6_bucket bucket[];
};

struct v6_dir {
	/* Read by the workers (the writer changes tab only by a rebuild). */
	struct v6_dir_table *tab;
	uint64_t lens[2];       /* bit len - 1: a binding of that length */

	/* The writer's own. */
	struct rte_rcu_qsbr *rcu;
	int socket_id;
	uint32_t n_buckets;
	uint32_t used;          /* live and dead slots */
	uint32_t rules_at[128]; /* bindings of each length */
} __rte_cache_aligned;

/* ---- keys ---- */

struct v6_key {
	uint64_t hi, lo;
	uint8_t len;
};

static inline uint64_t
load_be64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return rte_be_to_cpu_64(v);
}

/* The masks of a prefix length (1-127: neither shift is by 64), for the
 * high and low 64 bits of an address in host order. */
static inline void
len_masks(uint8_t len, uint64_t *hi, uint64_t *lo)
{
	*hi = len >= 64 ? ~UINT64_C(0) : ~UINT64_C(0) << (64 - len);
	*lo = len <= 64 ? 0 : ~UINT64_C(0) << (128 - len);
}

static inline struct v6_key
key_of(const uint8_t *addr, uint8_t len)
{
	uint64_t mhi, mlo;

	len_masks(len, &mhi, &mlo);
	return (struct v6_key){
		.hi = load_be64(addr) & mhi,
		.lo = load_be64(addr + 8) & mlo,
		.len = len,
	};
}

/* The word of a slot holding a binding. */
static inline uint32_t
word_of(uint8_t len, sgt_t sgt)
{
	return SLOT_VALID | (uint32_t)len << SLOT_LEN_SHIFT | sgt;
}

static inline uint32_t
key_hash(const struct v6_key *k)
{
	return rte_hash_crc_8byte(k->lo, rte_hash_crc_8byte(k->hi, k->len));
}

static inline bool
slot_holds(const struct v6_slot *s, uint32_t word, const struct v6_key *k)
{
	return (word & SLOT_KEY_MASK) == word_of(k->len, 0) &&
	       s->hi == k->hi && s->lo == k->lo;
}

static inline uint32_t
slot_word(const struct v6_slot *s)
{
	return __atomic_load_n(&s->word, __ATOMIC_ACQUIRE);
}

/* ---- the table ---- */

static struct v6_dir_table *
table_alloc(const struct v6_dir *d)
{
	struct v6_dir_table *t;

	t = rte_zmalloc_socket("v6_dir", sizeof(*t) + (size_t)d->n_buckets *
			       sizeof(struct v6_bucket), RTE_CACHE_LINE_SIZE,
			       d->socket_id);
	if (t != NULL)
		t->mask = d->n_buckets - 1;
	return t;
}

/* The slot of k in t, or where it would go (*free_slot: the first free
 * slot, NULL when the table has none along the whole sequence). */
static struct v6_slot *
table_find(struct v6_dir_table *t, const struct v6_key *k,
	   struct v6_slot **free_slot, uint32_t *free_probe)
{
	uint32_t home = key_hash(k) & t->mask;

	*free_slot = NULL;
	*free_probe = 0;
	for (uint32_t p = 0; p <= t->mask; p++) {
		struct v6_bucket *b = &t->bucket[(home + p) & t->mask];

		for (uint32_t j = 0; j < BUCKET_SLOTS; j++) {
			struct v6_slot *s = &b->slot[j];
			uint32_t w = s->word;

			if (w == 0) {
				*free_slot = s;
				*free_probe = p;
				return NULL;
			}
			if (slot_holds(s, w, k))
				return s;
		}
	}
	return NULL;
}

/* Write k into the free slot s, probe buckets past its home. */
static void
table_put(struct v6_dir_table *t, struct v6_slot *s, uint32_t probe,
	  const struct v6_key *k, sgt_t sgt)
{
	__atomic_store_n(&s->hi, k->hi, __ATOMIC_RELAXED);
	__atomic_store_n(&s->lo, k->lo, __ATOMIC_RELAXED);
	__atomic_store_n(&s->word, word_of(k->len, sgt), __ATOMIC_RELEASE);
	if (probe > t->max_probe)
		__atomic_store_n(&t->max_probe, probe, __ATOMIC_RELEASE);
}

/* A new table holding the live bindings of the old one, published; the
 * old one is freed once no reader can be in it. */
static int
rebuild(struct v6_dir *d)
{
	struct v6_dir_table *old = d->tab, *t = table_alloc(d);
	uint32_t used = 0;

	if (t == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < d->n_buckets; i++) {
		for (uint32_t j = 0; j < BUCKET_SLOTS; j++) {
			const struct v6_slot *s = &old->bucket[i].slot[j];
			struct v6_key k = { .hi = s->hi, .lo = s->lo };
			struct v6_slot *at, *free_slot;
			uint32_t probe;

			if (!(s->word & SLOT_VALID))
				continue;
			k.len = (uint8_t)(s->word >> SLOT_LEN_SHIFT & 0x7F);
			at = table_find(t, &k, &free_slot, &probe);
			RTE_VERIFY(at == NULL && free_slot != NULL);
			table_put(t, free_slot, probe, &k,
				  (sgt_t)(s->word & 0xFFFF));
			used++;
		}
	}
	__atomic_store_n(&d->tab, t, __ATOMIC_RELEASE);
	__atomic_store_n(&d->used, used, __ATOMIC_RELAXED);
	if (d->rcu != NULL)
		rte_rcu_qsbr_synchronize(d->rcu, RTE_QSBR_THRID_INVALID);
	rte_free(old);
	return 0;
}

/* ---- lengths in use ---- */

static void
lens_set(struct v6_dir *d, uint8_t len, bool in_use)
{
	uint64_t *w = &d->lens[(len - 1) / 64];
	uint64_t bit = UINT64_C(1) << ((len - 1) % 64);

	__atomic_store_n(w, in_use ? *w | bit : *w & ~bit, __ATOMIC_RELEASE);
}

/* ---- changes ---- */

int
v6_dir_add(struct v6_dir *d, const uint8_t addr[16], uint8_t len, sgt_t sgt,
	   bool room)
{
	struct v6_slot *s, *free_slot;
	struct v6_key k;
	uint32_t probe;

	if (d == NULL || addr == NULL || len == 0 || len > 127 ||
	    sgt > SGT_MAX)
		return -EINVAL;
	k = key_of(addr, len);
	s = table_find(d->tab, &k, &free_slot, &probe);
	if (s != NULL) {
		__atomic_store_n(&s->word, word_of(len, sgt), __ATOMIC_RELEASE);
		return 0;
	}
	if (!room)
		return -ENOSPC;
	/* Dead slots are reclaimed before live and dead fill three quarters
	 * of the table: probes stay short, and a free slot is always near. */
	if ((d->used + 1) * 4 > d->n_buckets * BUCKET_SLOTS * 3 ||
	    free_slot == NULL) {
		int rc = rebuild(d);

		if (rc != 0)
			return rc;
		/* Not there before the rebuild, nor after it. */
		(void)table_find(d->tab, &k, &free_slot, &probe);
		if (free_slot == NULL)
			return -ENOSPC;
	}
	table_put(d->tab, free_slot, probe, &k, sgt);
	__atomic_store_n(&d->used, d->used + 1, __ATOMIC_RELAXED);
	if (d->rules_at[len]++ == 0)
		lens_set(d, len, true);
	return 1;
}

int
v6_dir_del(struct v6_dir *d, const uint8_t addr[16], uint8_t len)
{
	struct v6_slot *s, *free_slot;
	struct v6_key k;
	uint32_t probe;

	if (d == NULL || addr == NULL || len == 0 || len > 127)
		return -EINVAL;
	k = key_of(addr, len);
	s = table_find(d->tab, &k, &free_slot, &probe);
	if (s == NULL)
		return -ENOENT;
	__atomic_store_n(&s->word, SLOT_DEAD, __ATOMIC_RELEASE);
	if (--d->rules_at[len] == 0)
		lens_set(d, len, false);
	return 0;
}

/* ---- lookups ---- */

/* The lengths in use, longest first, with their masks. */
static void
lookup_lengths(struct v6_dir_lookup *l, const struct v6_dir *d)
{
	for (int w = 1; w >= 0; w--) {
		uint64_t m = __atomic_load_n(&d->lens[w], __ATOMIC_ACQUIRE);

		while (m != 0) {
			int bit = 63 - __builtin_clzll(m);
			uint8_t len = (uint8_t)(w * 64 + bit + 1);

			l->len[l->n_lens] = len;
			len_masks(len, &l->mask_hi[l->n_lens],
				  &l->mask_lo[l->n_lens]);
			l->n_lens++;
			m &= ~(UINT64_C(1) << bit);
		}
	}
}

/* Address i's key at length j of the lookup. */
static inline struct v6_key
lookup_key(const struct v6_dir_lookup *l, uint32_t i, uint32_t j)
{
	return (struct v6_key){
		.hi = l->hi[i] & l->mask_hi[j],
		.lo = l->lo[i] & l->mask_lo[j],
		.len = l->len[j],
	};
}

void
v6_dir_lookup_begin(struct v6_dir_lookup *l, const struct v6_dir *d,
		    const uint8_t *const *addr, uint32_t n)
{
	l->n = n;
	l->n_lens = 0;
	if (d == NULL)
		return;
	l->tab = __atomic_load_n(&d->tab, __ATOMIC_ACQUIRE);
	lookup_lengths(l, d);
	for (uint32_t i = 0; i < n; i++) {
		l->hi[i] = load_be64(addr[i]);
		l->lo[i] = load_be64(addr[i] + 8);
		for (uint32_t j = 0; j < l->n_lens; j++) {
			struct v6_key k = lookup_key(l, i, j);

			rte_prefetch0(&l->tab->bucket[key_hash(&k) &
						      l->tab->mask]);
		}
	}
}

/* The SGT of k's binding | SLOT_VALID, or 0: the home bucket nearly always
 * answers (it holds k, or a free slot), else the next ones up to the
 * farthest any key went. */
static inline uint32_t
probe(const struct v6_dir_table *t, uint32_t max, const struct v6_key *k)
{
	uint32_t home = key_hash(k) & t->mask;

	for (uint32_t p = 0; p <= max; p++) {
		const struct v6_bucket *b = &t->bucket[(home + p) & t->mask];

		for (uint32_t j = 0; j < BUCKET_SLOTS; j++) {
			const struct v6_slot *s = &b->slot[j];
			uint32_t w = slot_word(s);

			if (w == 0)
				return 0;
			if (slot_holds(s, w, k))
				return SLOT_VALID | (w & 0xFFFF);
		}
	}
	return 0;
}

void
v6_dir_lookup_end(const struct v6_dir_lookup *l, uint32_t dflt, sgt_t *sgt,
		  bool *found)
{
	uint32_t max = l->n_lens != 0 ?
		       __atomic_load_n(&l->tab->max_probe, __ATOMIC_ACQUIRE) : 0;

	for (uint32_t i = 0; i < l->n; i++) {
		uint32_t hit = 0;

		/* Longest first: the first binding found is the answer. */
		for (uint32_t j = 0; j < l->n_lens && hit == 0; j++) {
			struct v6_key k = lookup_key(l, i, j);

			hit = probe(l->tab, max, &k);
		}
		sgt[i] = (sgt_t)((hit != 0 ? hit : dflt) & 0xFFFF);
		found[i] = hit != 0 || dflt != 0;
	}
}

uint32_t
v6_dir_slots_used(const struct v6_dir *d)
{
	return __atomic_load_n(&d->used, __ATOMIC_RELAXED);
}

uint64_t
v6_dir_bytes(const struct v6_dir *d)
{
	return sizeof(struct v6_dir_table) +
	       (uint64_t)d->n_buckets * sizeof(struct v6_bucket);
}

/* ---- life ---- */

struct v6_dir *
v6_dir_create(const struct v6_dir_params *p)
{
	struct v6_dir *d;

	if (p->max_prefixes == 0 || p->max_prefixes > UINT32_MAX / 4) {
		rte_errno = EINVAL;
		return NULL;
	}
	d = rte_zmalloc_socket("v6_dir", sizeof(*d), RTE_CACHE_LINE_SIZE,
			       p->socket_id);
	if (d == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	d->rcu = p->rcu;
	d->socket_id = p->socket_id;
	/* Two slots a binding of the limit: at most half full of them. */
	d->n_buckets = rte_align32pow2(p->max_prefixes);
	d->tab = table_alloc(d);
	if (d->tab == NULL) {
		rte_free(d);
		rte_errno = ENOMEM;
		return NULL;
	}
	return d;
}

void
v6_dir_free(struct v6_dir *d)
{
	if (d == NULL)
		return;
	rte_free(d->tab);
	rte_free(d);
}
