/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Binding database: an open-addressing hash index over a dense array of
 * prefixes, each prefix holding its views.
 *
 * - Entries live in one dense array, so walks (peer down, refresh, resync)
 *   read memory in order and a removal moves the last entry into the hole.
 * - The index holds (32-bit hash, entry index + 1) per slot, linear probing,
 *   at most 3/4 full, with backward-shift deletion (no tombstones, so a
 *   table that churns for months probes as short as a fresh one). The hash
 *   in the slot spares a visit to the entry for most mismatches and lets the
 *   index grow without touching entries.
 * - Most prefixes have one view: it sits inline in the entry; a second view
 *   moves them to a heap array, and they move back when one is left.
 * - The winner is recomputed from the views when asked: there are few, and
 *   a cached winner would be one more thing to keep right.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "binding_db.h"
#include "hash_seed.h"

#define VIEW_MARKED    0x80u       /* in src_mark: waiting for the sweep */
#define VIEW_SRC_MASK  0x7fu
#define VIEWS_MAX      UINT16_MAX  /* views of one prefix */
#define VIEWS_FIRST    2           /* heap array size on the second view */
#define SLOTS_MIN      64u
#define ENTRIES_MIN    32u
#define ENTRIES_MAX    (UINT32_MAX - 1u) /* slot stores index + 1 in 32 bits */

struct bdb_view {
	uint64_t seq;           /* db->seq when its content last changed */
	uint32_t instance;
	sgt_t sgt;
	uint8_t src_mark;       /* enum binding_source | VIEW_MARKED */
	uint8_t peer_seq_len;
};

struct bdb_entry {
	struct binding_key key;
	uint16_t n_views;       /* >= 1: an entry with no view is removed */
	uint16_t cap;           /* size of v.many; 0 while the view is inline */
	union {
		struct bdb_view one;
		struct bdb_view *many;
	} v;
};

struct bdb_slot {
	uint32_t hash;
	uint32_t idx1;          /* entry index + 1; 0: free */
};

_Static_assert(sizeof(struct binding_key) == 18, "binding_key has padding");
_Static_assert(sizeof(struct bdb_view) == 16, "bdb_view grew");
_Static_assert(BINDING_SRC_MAX <= VIEW_SRC_MASK, "source does not fit");

struct binding_db {
	binding_change_fn on_change;
	void *ctx;
	uint64_t seed;
	uint64_t seq;                   /* orders views by age */

	struct bdb_slot *slots;
	uint32_t mask;                  /* slot count - 1 (a power of two) */

	struct bdb_entry *entries;
	uint32_t n_entries;
	uint32_t cap_entries;
	size_t heap_views;              /* views allocated in v.many arrays */

	size_t winners[BINDING_DB_NSRC];
	size_t views[BINDING_DB_NSRC];

	uint32_t *order;                /* entry indices in key order */
	uint32_t order_cap;
	bool order_valid;
};

/* A prefix's winner, copied out before a change to compare with after. */
struct winner {
	bool present;
	sgt_t sgt;
	uint8_t src;
};

/* ---- keys ---------------------------------------------------------------- */

void
binding_key_of(struct binding_key *k, const struct binding *b)
{
	memset(k, 0, sizeof(*k));
	k->family = b->family;
	k->prefix_len = b->prefix_len;
	memcpy(k->addr, b->addr, sizeof(k->addr));
}

void
binding_of_key(struct binding *b, const struct binding_key *k, sgt_t sgt,
	       enum binding_source src)
{
	memset(b, 0, sizeof(*b));
	b->family = k->family;
	b->prefix_len = k->prefix_len;
	b->source = (uint8_t)src;
	b->sgt = sgt;
	memcpy(b->addr, k->addr, sizeof(b->addr));
}

bool
binding_key_valid(const struct binding_key *k)
{
	return binding_prefix_check(k->family, k->prefix_len, k->addr, NULL,
				    0) == 0;
}

int
binding_key_init(struct binding_key *k, uint8_t family, const void *addr,
		 uint8_t prefix_len)
{
	memset(k, 0, sizeof(*k));
	if (family != AF_INET && family != AF_INET6)
		return -EINVAL;
	k->family = family;
	k->prefix_len = prefix_len;
	memcpy(k->addr, addr, family == AF_INET ? 4 : 16);
	return binding_key_valid(k) ? 0 : -EINVAL;
}

static bool
key_eq(const struct binding_key *a, const struct binding_key *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* The order views show: family, address, then length (a prefix just before
 * its longer prefixes of the same address). */
static int
key_cmp(const struct binding_key *a, const struct binding_key *b)
{
	int c;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	c = memcmp(a->addr, b->addr, sizeof(a->addr));
	if (c != 0)
		return c;
	return (a->prefix_len > b->prefix_len) - (a->prefix_len < b->prefix_len);
}

static uint32_t
key_hash(const struct binding_db *db, const struct binding_key *k)
{
	const uint8_t *p = (const uint8_t *)k;
	uint64_t w0, w1;
	uint16_t w2;
	uint64_t h;

	memcpy(&w0, p, 8);
	memcpy(&w1, p + 8, 8);
	memcpy(&w2, p + 16, 2);
	h = hash_fmix64(w0 ^ db->seed);
	h = hash_fmix64(h ^ w1);
	h = hash_fmix64(h ^ w2);
	return (uint32_t)(h ^ (h >> 32));
}

/* ---- views and winners --------------------------------------------------- */

static uint8_t
view_src(const struct bdb_view *v)
{
	return v->src_mark & VIEW_SRC_MASK;
}

static struct bdb_view *
entry_views(struct bdb_entry *e)
{
	return e->cap != 0 ? e->v.many : &e->v.one;
}

static const struct bdb_view *
entry_views_c(const struct bdb_entry *e)
{
	return e->cap != 0 ? e->v.many : &e->v.one;
}

/* Higher source first; within a source the shorter SXP peer sequence (other
 * sources keep it 0), then the more recent. seq is unique, so there is
 * always one winner. */
static bool
view_beats(const struct bdb_view *a, const struct bdb_view *b)
{
	if (view_src(a) != view_src(b))
		return binding_source_rank(view_src(a)) >
		       binding_source_rank(view_src(b));
	if (a->peer_seq_len != b->peer_seq_len)
		return a->peer_seq_len < b->peer_seq_len;
	return a->seq > b->seq;
}

static struct winner
entry_winner(const struct bdb_entry *e)
{
	const struct bdb_view *vs = entry_views_c(e);
	const struct bdb_view *best = &vs[0];
	struct winner w;

	for (uint16_t j = 1; j < e->n_views; j++)
		if (view_beats(&vs[j], best))
			best = &vs[j];
	w.present = true;
	w.sgt = best->sgt;
	w.src = view_src(best);
	return w;
}

static int
entry_find_view(const struct bdb_entry *e, uint8_t src, uint32_t instance)
{
	const struct bdb_view *vs = entry_views_c(e);

	for (uint16_t j = 0; j < e->n_views; j++)
		if (view_src(&vs[j]) == src && vs[j].instance == instance)
			return j;
	return -1;
}

/* Keeps the per-source winner totals and tells the callback when the
 * winning SGT, or its presence, changed. */
static void
report(struct binding_db *db, const struct binding_key *k,
       const struct winner *before, const struct winner *after)
{
	bool same;

	if (before->present)
		db->winners[before->src]--;
	if (after->present)
		db->winners[after->src]++;
	same = before->present == after->present &&
	       (!after->present || before->sgt == after->sgt);
	if (same || db->on_change == NULL)
		return;
	db->on_change(db->ctx, k, before->sgt, before->present, after->sgt,
		      after->present,
		      (enum binding_source)(after->present ? after->src
							    : before->src));
}

/* ---- the index ------------------------------------------------------------ */

/* The slot holding k, or (*found false) the free slot where it would go.
 * The index is never full, so the probe ends. */
static uint32_t
find_slot(const struct binding_db *db, const struct binding_key *k,
	  uint32_t h, bool *found)
{
	uint32_t i = h & db->mask;

	for (;;) {
		const struct bdb_slot *s = &db->slots[i];

		if (s->idx1 == 0) {
			*found = false;
			return i;
		}
		if (s->hash == h && key_eq(&db->entries[s->idx1 - 1].key, k)) {
			*found = true;
			return i;
		}
		i = (i + 1) & db->mask;
	}
}

/* The slot that points at entry idx. */
static uint32_t
slot_of_entry(const struct binding_db *db, uint32_t idx)
{
	uint32_t i = key_hash(db, &db->entries[idx].key) & db->mask;

	while (db->slots[i].idx1 != idx + 1)
		i = (i + 1) & db->mask;
	return i;
}

/* Backward-shift deletion: pull later members of the probe run into the
 * hole when their home slot is not between the hole and them. */
static void
slot_delete(struct binding_db *db, uint32_t hole)
{
	uint32_t j = hole;

	for (;;) {
		uint32_t home;

		j = (j + 1) & db->mask;
		if (db->slots[j].idx1 == 0)
			break;
		home = db->slots[j].hash & db->mask;
		if (((j - home) & db->mask) >= ((j - hole) & db->mask)) {
			db->slots[hole] = db->slots[j];
			hole = j;
		}
	}
	db->slots[hole].idx1 = 0;
}

static int
slots_resize(struct binding_db *db, uint64_t n_slots)
{
	struct bdb_slot *old = db->slots;
	uint32_t old_n = db->mask + 1;
	struct bdb_slot *ns;
	uint32_t mask;

	if (n_slots > (uint64_t)UINT32_MAX + 1u)
		return -ENOSPC;
	ns = calloc((size_t)n_slots, sizeof(*ns));
	if (ns == NULL)
		return -ENOMEM;
	mask = (uint32_t)(n_slots - 1);
	for (uint32_t i = 0; i < old_n; i++) {
		uint32_t j;

		if (old[i].idx1 == 0)
			continue;
		j = old[i].hash & mask;
		while (ns[j].idx1 != 0)
			j = (j + 1) & mask;
		ns[j] = old[i];
	}
	free(old);
	db->slots = ns;
	db->mask = mask;
	return 0;
}

/* Room for one more entry: the dense array and an index at most 3/4 full.
 * *rehashed says slot positions found before are stale. */
static int
reserve_one(struct binding_db *db, bool *rehashed)
{
	uint64_t n_slots = (uint64_t)db->mask + 1;

	*rehashed = false;
	if (db->n_entries >= ENTRIES_MAX)
		return -ENOSPC;
	if (db->n_entries == db->cap_entries) {
		uint64_t cap = (uint64_t)db->cap_entries * 2;
		struct bdb_entry *ne;

		if (cap > ENTRIES_MAX)
			cap = ENTRIES_MAX;
		ne = realloc(db->entries, (size_t)cap * sizeof(*ne));
		if (ne == NULL)
			return -ENOMEM;
		db->entries = ne;
		db->cap_entries = (uint32_t)cap;
	}
	if (((uint64_t)db->n_entries + 1) * 4 > n_slots * 3) {
		int rc = slots_resize(db, n_slots * 2);

		if (rc != 0)
			return rc;
		*rehashed = true;
	}
	return 0;
}

/* Takes entry idx (its views already freed) out of the index and the dense
 * array; the last entry moves into its place. */
static void
entry_remove(struct binding_db *db, uint32_t idx)
{
	uint32_t last = db->n_entries - 1;

	slot_delete(db, slot_of_entry(db, idx));
	if (idx != last) {
		uint32_t s = slot_of_entry(db, last);

		db->entries[idx] = db->entries[last];
		db->slots[s].idx1 = idx + 1;
	}
	db->n_entries--;
	db->order_valid = false;
}

/* ---- view arrays --------------------------------------------------------- */

static int
entry_append_view(struct binding_db *db, struct bdb_entry *e,
		  const struct bdb_view *nv)
{
	if (e->n_views == VIEWS_MAX)
		return -ENOSPC;
	if (e->cap == 0) {
		struct bdb_view *many = malloc(VIEWS_FIRST * sizeof(*many));

		if (many == NULL)
			return -ENOMEM;
		many[0] = e->v.one;
		e->v.many = many;
		e->cap = VIEWS_FIRST;
		db->heap_views += VIEWS_FIRST;
	} else if (e->n_views == e->cap) {
		uint32_t cap = (uint32_t)e->cap * 2;
		struct bdb_view *many;

		if (cap > VIEWS_MAX)
			cap = VIEWS_MAX;
		many = realloc(e->v.many, cap * sizeof(*many));
		if (many == NULL)
			return -ENOMEM;
		db->heap_views += cap - e->cap;
		e->v.many = many;
		e->cap = (uint16_t)cap;
	}
	e->v.many[e->n_views++] = *nv;
	db->views[view_src(nv)]++;
	return 0;
}

/* Drops view j of an entry that keeps at least one; a lone survivor moves
 * back inline so single-view entries never hold heap memory. */
static void
entry_drop_view(struct binding_db *db, struct bdb_entry *e, uint16_t j)
{
	struct bdb_view *vs = entry_views(e);

	db->views[view_src(&vs[j])]--;
	vs[j] = vs[--e->n_views];
	if (e->cap != 0 && e->n_views == 1) {
		struct bdb_view only = e->v.many[0];

		free(e->v.many);
		db->heap_views -= e->cap;
		e->cap = 0;
		e->v.one = only;
	}
}

/* Withdraws view j of entry idx and reports the prefix's change: a
 * takeover by the next view is one report. */
static void
entry_withdraw_view(struct binding_db *db, uint32_t idx, uint16_t j)
{
	struct bdb_entry *e = &db->entries[idx];
	struct winner before = entry_winner(e);
	struct winner after = { 0 };

	if (e->n_views == 1) {
		struct binding_key k = e->key;

		db->views[view_src(&e->v.one)]--;
		entry_remove(db, idx);
		report(db, &k, &before, &after);
		return;
	}
	entry_drop_view(db, e, j);
	after = entry_winner(e);
	report(db, &e->key, &before, &after);
}

/* ---- life cycle ---------------------------------------------------------- */

struct binding_db *
binding_db_create(const struct binding_db_params *p)
{
	struct binding_db *db = calloc(1, sizeof(*db));

	if (db == NULL)
		goto nomem;
	if (p != NULL) {
		db->on_change = p->on_change;
		db->ctx = p->ctx;
		db->seed = p->hash_seed;
	}
	if (db->seed == 0)
		db->seed = hash_random_seed();
	db->slots = calloc(SLOTS_MIN, sizeof(*db->slots));
	db->entries = malloc(ENTRIES_MIN * sizeof(*db->entries));
	if (db->slots == NULL || db->entries == NULL)
		goto nomem;
	db->mask = SLOTS_MIN - 1;
	db->cap_entries = ENTRIES_MIN;
	return db;
nomem:
	binding_db_destroy(db);
	errno = ENOMEM;
	return NULL;
}

void
binding_db_destroy(struct binding_db *db)
{
	if (db == NULL)
		return;
	for (uint32_t i = 0; i < db->n_entries; i++)
		if (db->entries[i].cap != 0)
			free(db->entries[i].v.many);
	free(db->entries);
	free(db->slots);
	free(db->order);
	free(db);
}

/* ---- changes -------------------------------------------------------------- */

static bool
source_ok(enum binding_source src)
{
	return binding_source_valid((unsigned)src);
}

static int
entry_add(struct binding_db *db, const struct binding_key *k, uint32_t h,
	  uint32_t slot, const struct bdb_view *nv)
{
	struct winner before = { 0 }, after;
	struct bdb_entry *e;
	bool rehashed, found;
	int rc = reserve_one(db, &rehashed);

	if (rc != 0)
		return rc;
	if (rehashed)
		slot = find_slot(db, k, h, &found);
	e = &db->entries[db->n_entries];
	e->key = *k;
	e->n_views = 1;
	e->cap = 0;
	e->v.one = *nv;
	db->slots[slot].hash = h;
	db->slots[slot].idx1 = db->n_entries + 1;
	db->n_entries++;
	db->views[view_src(nv)]++;
	db->order_valid = false;
	after = entry_winner(e);
	report(db, &e->key, &before, &after);
	return 0;
}

/* Sets the view of (nv's source, instance) on an existing prefix. */
static int
entry_set_view(struct binding_db *db, struct bdb_entry *e,
	       struct bdb_view *nv)
{
	struct winner before = entry_winner(e), after;
	int j = entry_find_view(e, view_src(nv), nv->instance);

	if (j >= 0) {
		struct bdb_view *v = &entry_views(e)[j];

		v->src_mark &= (uint8_t)~VIEW_MARKED;
		if (v->sgt == nv->sgt && v->peer_seq_len == nv->peer_seq_len)
			return 0;
		v->sgt = nv->sgt;
		v->peer_seq_len = nv->peer_seq_len;
		v->seq = nv->seq;
	} else {
		int rc = entry_append_view(db, e, nv);

		if (rc != 0)
			return rc;
	}
	after = entry_winner(e);
	report(db, &e->key, &before, &after);
	return 0;
}

int
binding_db_set(struct binding_db *db, const struct binding_key *k,
	       enum binding_source src, uint32_t instance, sgt_t sgt,
	       uint8_t peer_seq_len)
{
	struct bdb_view nv;
	uint32_t h, slot;
	bool found;

	if (!binding_key_valid(k) || !source_ok(src) || sgt > SGT_MAX ||
	    (src != BINDING_SRC_SXP && peer_seq_len != 0))
		return -EINVAL;
	/* seq is consumed even when nothing changes: only its order matters. */
	nv.seq = ++db->seq;
	nv.instance = instance;
	nv.sgt = sgt;
	nv.src_mark = (uint8_t)src;
	nv.peer_seq_len = peer_seq_len;
	h = key_hash(db, k);
	slot = find_slot(db, k, h, &found);
	if (!found)
		return entry_add(db, k, h, slot, &nv);
	return entry_set_view(db, &db->entries[db->slots[slot].idx1 - 1], &nv);
}

int
binding_db_withdraw(struct binding_db *db, const struct binding_key *k,
		    enum binding_source src, uint32_t instance)
{
	uint32_t slot, idx;
	bool found;
	int j;

	if (!binding_key_valid(k) || !source_ok(src))
		return -EINVAL;
	slot = find_slot(db, k, key_hash(db, k), &found);
	if (!found)
		return -ENOENT;
	idx = db->slots[slot].idx1 - 1;
	j = entry_find_view(&db->entries[idx], (uint8_t)src, instance);
	if (j < 0)
		return -ENOENT;
	entry_withdraw_view(db, idx, (uint16_t)j);
	return 0;
}

/* Withdraws the instance's view of every prefix (only marked ones when
 * only_marked). Walks backwards: a removal moves the last entry, already
 * visited, into the hole. */
static size_t
sweep_instance(struct binding_db *db, enum binding_source src,
	       uint32_t instance, bool only_marked)
{
	size_t n = 0;

	if (!source_ok(src))
		return 0;
	for (uint32_t i = db->n_entries; i-- > 0;) {
		struct bdb_entry *e = &db->entries[i];
		int j = entry_find_view(e, (uint8_t)src, instance);

		if (j < 0)
			continue;
		if (only_marked &&
		    !(entry_views(e)[j].src_mark & VIEW_MARKED))
			continue;
		entry_withdraw_view(db, i, (uint16_t)j);
		n++;
	}
	return n;
}

size_t
binding_db_withdraw_instance(struct binding_db *db, enum binding_source src,
			     uint32_t instance)
{
	return sweep_instance(db, src, instance, false);
}

size_t
binding_db_begin_refresh(struct binding_db *db, enum binding_source src,
			 uint32_t instance)
{
	size_t n = 0;

	if (!source_ok(src))
		return 0;
	for (uint32_t i = 0; i < db->n_entries; i++) {
		struct bdb_entry *e = &db->entries[i];
		int j = entry_find_view(e, (uint8_t)src, instance);

		if (j < 0)
			continue;
		entry_views(e)[j].src_mark |= VIEW_MARKED;
		n++;
	}
	return n;
}

size_t
binding_db_end_refresh(struct binding_db *db, enum binding_source src,
		       uint32_t instance)
{
	return sweep_instance(db, src, instance, true);
}

/* ---- reading -------------------------------------------------------------- */

int
binding_db_lookup(const struct binding_db *db, const struct binding_key *k,
		  sgt_t *sgt, enum binding_source *src)
{
	struct winner w;
	uint32_t slot;
	bool found;

	if (!binding_key_valid(k))
		return -EINVAL;
	slot = find_slot(db, k, key_hash(db, k), &found);
	if (!found)
		return -ENOENT;
	w = entry_winner(&db->entries[db->slots[slot].idx1 - 1]);
	if (sgt != NULL)
		*sgt = w.sgt;
	if (src != NULL)
		*src = (enum binding_source)w.src;
	return 0;
}

/* What the sort compares: the key's bytes in view order, so one memcmp
 * decides, and the records sit in one array (no pointer chasing). */
struct sort_rec {
	uint8_t sk[18];         /* family, addr[16], prefix_len */
	uint32_t idx;
};

static int
sort_rec_cmp(const void *a, const void *b)
{
	return memcmp(((const struct sort_rec *)a)->sk,
		      ((const struct sort_rec *)b)->sk, 18);
}

static int
order_build(struct binding_db *db)
{
	struct sort_rec *recs;

	if (db->order_valid)
		return 0;
	if (db->order_cap < db->n_entries) {
		uint32_t *o = realloc(db->order, db->n_entries * sizeof(*o));

		if (o == NULL)
			return -ENOMEM;
		db->order = o;
		db->order_cap = db->n_entries;
	}
	recs = malloc((db->n_entries ? db->n_entries : 1) * sizeof(*recs));
	if (recs == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < db->n_entries; i++) {
		const struct binding_key *k = &db->entries[i].key;

		recs[i].sk[0] = k->family;
		memcpy(&recs[i].sk[1], k->addr, sizeof(k->addr));
		recs[i].sk[17] = k->prefix_len;
		recs[i].idx = i;
	}
	qsort(recs, db->n_entries, sizeof(*recs), sort_rec_cmp);
	for (uint32_t i = 0; i < db->n_entries; i++)
		db->order[i] = recs[i].idx;
	free(recs);
	db->order_valid = true;
	return 0;
}

/* Position in the order of the first key after k. */
static uint32_t
order_upper_bound(const struct binding_db *db, const struct binding_key *k)
{
	uint32_t lo = 0, hi = db->n_entries;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (key_cmp(&db->entries[db->order[mid]].key, k) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int
binding_db_foreach(struct binding_db *db, const struct binding_key *after,
		   binding_visit_fn fn, void *ctx)
{
	int rc = order_build(db);
	uint32_t i;

	if (rc != 0)
		return rc;
	i = after != NULL ? order_upper_bound(db, after) : 0;
	for (; i < db->n_entries; i++) {
		const struct bdb_entry *e = &db->entries[db->order[i]];
		struct winner w = entry_winner(e);

		rc = fn(ctx, &e->key, w.sgt, (enum binding_source)w.src);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int
binding_db_foreach_unordered(const struct binding_db *db, binding_visit_fn fn,
			     void *ctx)
{
	for (uint32_t i = 0; i < db->n_entries; i++) {
		const struct bdb_entry *e = &db->entries[i];
		struct winner w = entry_winner(e);
		int rc = fn(ctx, &e->key, w.sgt, (enum binding_source)w.src);

		if (rc != 0)
			return rc;
	}
	return 0;
}

void
binding_db_counts(const struct binding_db *db, struct binding_db_counts *c)
{
	c->prefixes = db->n_entries;
	memcpy(c->winners, db->winners, sizeof(c->winners));
	memcpy(c->views, db->views, sizeof(c->views));
}

size_t
binding_db_memory(const struct binding_db *db)
{
	return sizeof(*db) +
	       ((size_t)db->mask + 1) * sizeof(struct bdb_slot) +
	       (size_t)db->cap_entries * sizeof(struct bdb_entry) +
	       db->heap_views * sizeof(struct bdb_view) +
	       (size_t)db->order_cap * sizeof(uint32_t);
}
