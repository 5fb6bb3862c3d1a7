/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Policy compiler: validates an operator's policy model and flattens every
 * enabled cell into one ACE list ending in a decision, with SGTs mapped to
 * compact matrix indices. Runs in the control plane; the result is read-only
 * for workers.
 */
#include "policy.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "crc32.h"

/* Compiled cell ids are uint16 in the matrix; UINT16_MAX is kept free so a
 * reader can use it as "no cell" if it ever needs one. */
_Static_assert(POLICY_MAX_CELLS < UINT16_MAX, "cell ids must fit the matrix");
/* A run id per cell at most, in the quick word's high bits. */
_Static_assert(POLICY_MAX_CELLS < UINT32_MAX >> POLICY_QUICK_RUN_SHIFT,
	       "run ids must fit the quick word");
/* Compact index 0 is shared by SGTs without cells, so n_idx = SGTs + 1. */
_Static_assert(POLICY_MAX_SGTS < UINT16_MAX, "indices must fit sgt_idx");

struct compiler {
	const struct policy *p;
	struct policy_compiled *pc;
	char *err;
	size_t errlen;
};

static int cerr(struct compiler *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Write the compile error; returns -1 for "return cerr(...)". */
static int
cerr(struct compiler *c, const char *fmt, ...)
{
	va_list ap;

	if (c->err == NULL || c->errlen == 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(c->err, c->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static bool
ace_matches_all(const struct sgacl_ace *a)
{
	return a->proto == SGACL_PROTO_ANY && !a->src.present && !a->dst.present;
}

/*
 * Validation: everything the flattening below relies on, so that it cannot
 * fail except for lack of memory.
 */

static int
check_cell(struct compiler *c, const struct policy_cell *cell, const char *what)
{
	const struct policy *p = c->p;

	if (cell->catch_all > POLICY_CATCH_ALL_DENY)
		return cerr(c, "%s: catch-all %u is not none, permit or deny",
			    what, cell->catch_all);
	if (cell->mode > POLICY_CELL_DISABLED)
		return cerr(c, "%s: mode %u is not enforce, monitor or disabled",
			    what, cell->mode);
	if (cell->n_sgacls > 0 && cell->sgacls == NULL)
		return cerr(c, "%s: SGACL list missing", what);
	for (uint32_t i = 0; i < cell->n_sgacls; i++) {
		if (cell->sgacls[i] >= p->n_sgacls)
			return cerr(c, "%s: SGACL index %u out of range (%u SGACLs)",
				    what, cell->sgacls[i], p->n_sgacls);
	}
	return 0;
}

static int
check_sgacls(struct compiler *c)
{
	const struct policy *p = c->p;

	if (p->n_sgacls > 0 && p->sgacls == NULL)
		return cerr(c, "SGACL table missing");
	for (uint32_t i = 0; i < p->n_sgacls; i++) {
		const struct policy_sgacl *s = &p->sgacls[i];

		if (s->n_aces > 0 && s->aces == NULL)
			return cerr(c, "SGACL '%s': ACEs missing", s->name);
		for (uint32_t j = 0; j < s->n_aces; j++) {
			if (s->aces[j].action > SGACL_DENY)
				return cerr(c, "SGACL '%s' ACE %u: bad action %u",
					    s->name, j + 1, s->aces[j].action);
		}
	}
	return 0;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* Two cells for one (src, dst) pair would make the matrix ambiguous. */
static int
check_duplicates(struct compiler *c)
{
	const struct policy *p = c->p;
	uint32_t *keys;
	int rc = 0;

	if (p->n_cells < 2)
		return 0;
	keys = malloc((size_t)p->n_cells * sizeof(*keys));
	if (keys == NULL)
		return cerr(c, "out of memory checking %u cells", p->n_cells);
	for (uint32_t i = 0; i < p->n_cells; i++)
		keys[i] = (uint32_t)p->cells[i].src << 16 | p->cells[i].dst;
	qsort(keys, p->n_cells, sizeof(*keys), cmp_u32);
	for (uint32_t i = 1; i < p->n_cells; i++) {
		if (keys[i] == keys[i - 1]) {
			rc = cerr(c, "duplicate cell %u -> %u", keys[i] >> 16,
				  keys[i] & 0xffff);
			break;
		}
	}
	free(keys);
	return rc;
}

static int
validate(struct compiler *c)
{
	const struct policy *p = c->p;
	char what[48];

	if (p->default_cell.catch_all != POLICY_CATCH_ALL_PERMIT &&
	    p->default_cell.catch_all != POLICY_CATCH_ALL_DENY)
		return cerr(c, "default policy needs a catch-all of permit or deny");
	if (check_sgacls(c) < 0 || check_cell(c, &p->default_cell, "default cell") < 0)
		return -1;
	if (p->n_cells > 0 && p->cells == NULL)
		return cerr(c, "cell table missing");
	for (uint32_t i = 0; i < p->n_cells; i++) {
		snprintf(what, sizeof(what), "cell %u -> %u", p->cells[i].src,
			 p->cells[i].dst);
		if (check_cell(c, &p->cells[i], what) < 0)
			return -1;
	}
	return check_duplicates(c);
}

/*
 * Compact indices and sizes.
 */

static bool
cell_enabled(const struct policy_cell *cell)
{
	return cell->mode != POLICY_CELL_DISABLED;
}

static int
assign_index(struct compiler *c, sgt_t sgt)
{
	struct policy_compiled *pc = c->pc;

	if (pc->sgt_idx[sgt] != 0)
		return 0;
	if (pc->n_idx - 1 >= POLICY_MAX_SGTS)
		return cerr(c, "more than %u SGTs in enabled cells", POLICY_MAX_SGTS);
	pc->sgt_idx[sgt] = (uint16_t)pc->n_idx++;
	return 0;
}

/* Index 1..n in order of first appearance; SGTs in no enabled cell keep 0. */
static int
assign_indices(struct compiler *c)
{
	const struct policy *p = c->p;
	uint32_t enabled = 0;

	c->pc->n_idx = 1;
	for (uint32_t i = 0; i < p->n_cells; i++) {
		if (!cell_enabled(&p->cells[i]))
			continue;
		if (assign_index(c, p->cells[i].src) < 0 ||
		    assign_index(c, p->cells[i].dst) < 0)
			return -1;
		enabled++;
	}
	if (enabled + 1 > POLICY_MAX_CELLS)
		return cerr(c, "%u enabled cells: at most %u", enabled,
			    POLICY_MAX_CELLS - 1);
	c->pc->n_cells = enabled + 1;
	return 0;
}

/*
 * Flattening.
 */

/* Where the cells' ACE lists are written: growing scratch arrays, which
 * hold each distinct list once (struct run_index) and become the workers'
 * arrays once every cell is compiled. */
struct emit {
	struct sgacl_ace *aces;
	struct policy_ace_origin *origin;
	uint64_t n, cap;
	int error;              /* 0, -ENOMEM or -E2BIG: nothing more written */
	struct run_index *runs;
};

/* Room for k more ACEs; false (e->error set) where there is none. */
static bool
emit_room(struct emit *e, uint64_t k)
{
	uint64_t cap = e->cap ? e->cap : 64;
	void *aces, *origin;

	if (e->error != 0)
		return false;
	if (e->n + k <= e->cap)
		return true;
	while (cap < e->n + k)
		cap *= 2;
	/* aces[] is indexed by uint32 and UINT32_MAX means "no ACE". */
	if (e->n + k >= UINT32_MAX) {
		e->error = -E2BIG;
		return false;
	}
	if (cap > UINT32_MAX - 1)
		cap = UINT32_MAX - 1;
	aces = realloc(e->aces, cap * sizeof(*e->aces));
	if (aces != NULL)
		e->aces = aces;
	origin = realloc(e->origin, cap * sizeof(*e->origin));
	if (origin != NULL)
		e->origin = origin;
	if (aces == NULL || origin == NULL) {
		e->error = -ENOMEM;
		return false;
	}
	e->cap = cap;
	return true;
}

/*
 * Append a cell's SGACLs' ACEs in order up to the first one that matches
 * every packet, which would shadow the rest. Returns true with its origin
 * in *stop when such an ACE ended the list (it becomes the final action).
 */
static bool
emit_sgacls(const struct policy *p, const struct policy_cell *cell,
	    struct emit *e, struct policy_ace_origin *stop)
{
	for (uint32_t i = 0; i < cell->n_sgacls; i++) {
		const struct policy_sgacl *s = &p->sgacls[cell->sgacls[i]];

		for (uint32_t j = 0; j < s->n_aces; j++) {
			struct policy_ace_origin o = { cell->sgacls[i], j };

			if (ace_matches_all(&s->aces[j])) {
				*stop = o;
				return true;
			}
			if (!emit_room(e, 1))
				return false;
			e->aces[e->n] = s->aces[j];
			e->origin[e->n] = o;
			e->n++;
		}
	}
	return false;
}

static uint8_t
catch_all_action(uint8_t catch_all)
{
	return catch_all == POLICY_CATCH_ALL_PERMIT ? SGACL_PERMIT : SGACL_DENY;
}

/* The final action from the ACE that ended the list. */
static void
final_from_ace(const struct policy *p, struct policy_compiled *pc,
	       uint32_t id, struct policy_ace_origin stop)
{
	const struct sgacl_ace *a = &p->sgacls[stop.sgacl].aces[stop.ace];

	pc->cells[id].final_action = a->action;
	pc->cells[id].final_log = a->log;
	pc->final_origin[id] = stop;
}

/*
 * Identical ACE runs, kept once. Operators give many cells the same
 * SGACLs (and many fall through to the same default), so a 4,096-SGT
 * matrix of 60,000 cells may hold a hundred distinct runs: shared, they
 * stay in a worker's L1 instead of 1.4 MiB of copies missing the cache.
 * A run is identified by its origins, which determine its ACEs.
 */
struct run_slot {
	uint32_t first;
	uint32_t count;                 /* 0: free */
	uint32_t id;
};

struct run_index {
	struct run_slot *slot;          /* hash of the runs by origins */
	uint32_t mask;
	uint32_t n_runs;                /* ids 1..n_runs; 0: no ACEs */
	uint32_t *cell_run;             /* each compiled cell's run id */
};

static int
run_index_init(struct run_index *ri, uint32_t n_cells)
{
	uint32_t n = 2;

	while (n < 2 * n_cells)
		n *= 2;
	ri->slot = calloc(n, sizeof(*ri->slot));
	ri->cell_run = calloc(n_cells, sizeof(*ri->cell_run));
	ri->mask = n - 1;
	ri->n_runs = 0;
	return ri->slot != NULL && ri->cell_run != NULL ? 0 : -1;
}

static void
run_index_free(struct run_index *ri)
{
	free(ri->slot);
	free(ri->cell_run);
}

static uint32_t
run_hash(const struct policy_ace_origin *o, uint32_t count)
{
	return sg_crc32(o, count * sizeof(*o));
}

/* The run of count origins just emitted at first: an identical one
 * emitted before, else a new one. */
static const struct run_slot *
run_share(struct run_index *ri, const struct policy_ace_origin *origin,
	  uint32_t first, uint32_t count)
{
	const struct policy_ace_origin *o = &origin[first];
	size_t bytes = count * sizeof(*o);

	for (uint32_t h = run_hash(o, count);; h++) {
		struct run_slot *s = &ri->slot[h & ri->mask];

		if (s->count == 0) {
			*s = (struct run_slot){ first, count, ++ri->n_runs };
			return s;
		}
		if (s->count == count && memcmp(&origin[s->first], o, bytes) == 0)
			return s;
	}
}

/* Cell id's run, once its ACEs are final: those it emitted from start on
 * (the earlier copy if there is one, the space they took given back), or
 * the default's, which a cell without ACEs of its own falls through to. */
static void
share_cell_run(struct emit *e, uint32_t id, struct policy_compiled_cell *cc,
	       uint64_t start)
{
	const struct run_slot *run;

	if (e->n == start) {
		e->runs->cell_run[id] = cc->ace_count == 0 ? 0 :
					e->runs->cell_run[POLICY_DEFAULT_CELL];
		return;
	}
	run = run_share(e->runs, e->origin, (uint32_t)start,
			(uint32_t)(e->n - start));
	e->runs->cell_run[id] = run->id;
	if (run->first != start) {
		cc->ace_first = run->first;
		e->n = start;
	}
}

/* The distinct runs, by id, for the workers. */
static int
publish_runs(struct compiler *c, const struct run_index *ri)
{
	struct policy_compiled *pc = c->pc;

	pc->n_runs = ri->n_runs + 1;
	pc->runs = calloc(pc->n_runs, sizeof(*pc->runs));
	if (pc->runs == NULL)
		return cerr(c, "out of memory for %u ACE lists", ri->n_runs);
	for (uint32_t h = 0; h <= ri->mask; h++) {
		const struct run_slot *s = &ri->slot[h];

		if (s->count != 0)
			pc->runs[s->id] = (struct policy_run){ s->first, s->count };
	}
	return 0;
}

static void
compile_default(struct compiler *c, struct emit *e)
{
	const struct policy *p = c->p;
	struct policy_compiled_cell *cc = &c->pc->cells[POLICY_DEFAULT_CELL];
	struct policy_ace_origin stop;

	cc->is_default = true;
	cc->monitor = p->monitor_all;
	cc->ace_first = (uint32_t)e->n;
	if (emit_sgacls(p, &p->default_cell, e, &stop)) {
		final_from_ace(p, c->pc, POLICY_DEFAULT_CELL, stop);
	} else {
		cc->final_action = catch_all_action(p->default_cell.catch_all);
		c->pc->final_origin[POLICY_DEFAULT_CELL] = (struct policy_ace_origin){
			POLICY_ORIGIN_CATCH_ALL, POLICY_DEFAULT_CELL };
	}
	cc->ace_count = (uint32_t)e->n - cc->ace_first;
	share_cell_run(e, POLICY_DEFAULT_CELL, cc, cc->ace_first);
}

/* Catch-all "none": go on with the default cell's ACEs and decision. */
static void
fall_through(struct compiler *c, uint32_t id, struct emit *e)
{
	struct policy_compiled *pc = c->pc;
	struct policy_compiled_cell *cc = &pc->cells[id];
	const struct policy_compiled_cell *dc = &pc->cells[POLICY_DEFAULT_CELL];

	if (cc->ace_count == 0) {
		cc->ace_first = dc->ace_first;
		cc->ace_count = dc->ace_count;
	} else if (emit_room(e, dc->ace_count)) {
		memcpy(&e->aces[e->n], &e->aces[dc->ace_first],
		       dc->ace_count * sizeof(*e->aces));
		memcpy(&e->origin[e->n], &e->origin[dc->ace_first],
		       dc->ace_count * sizeof(*e->origin));
		e->n += dc->ace_count;
		cc->ace_count += dc->ace_count;
	}
	cc->final_action = dc->final_action;
	cc->final_log = dc->final_log;
	pc->final_origin[id] = pc->final_origin[POLICY_DEFAULT_CELL];
}

/* Enter cell id for the pair (validate() made each pair unique). */
static void
matrix_set(struct policy_compiled *pc, sgt_t src, sgt_t dst, uint32_t id)
{
	uint32_t key, bucket, slot;

	if (pc->matrix != NULL) {
		pc->matrix[(size_t)pc->sgt_idx[src] * pc->n_idx +
			   pc->sgt_idx[dst]] = (uint16_t)id;
		return;
	}
	key = policy_pair_key(pc, src, dst);
	for (bucket = policy_pair_bucket(pc, key);;
	     bucket = (bucket + 1) & pc->bucket_mask) {
		struct policy_bucket *b = &pc->buckets[bucket];
		uint32_t free_slots = policy_bucket_match(b, 0);

		if (free_slots != 0) {
			slot = (uint32_t)__builtin_ctz(free_slots);
			b->key[slot] = key;
			b->cell[slot] = (uint16_t)id;
			return;
		}
	}
}

static void
compile_cell(struct compiler *c, const struct policy_cell *cell,
	     uint32_t id, struct emit *e)
{
	const struct policy *p = c->p;
	struct policy_compiled *pc = c->pc;
	struct policy_compiled_cell *cc = &pc->cells[id];
	struct policy_ace_origin stop;
	uint64_t start = e->n;
	bool ended;

	cc->src = cell->src;
	cc->dst = cell->dst;
	cc->monitor = cell->mode == POLICY_CELL_MONITOR || p->monitor_all;
	cc->ace_first = (uint32_t)e->n;
	ended = emit_sgacls(p, cell, e, &stop);
	cc->ace_count = (uint32_t)e->n - cc->ace_first;
	if (ended) {
		final_from_ace(p, pc, id, stop);
	} else if (cell->catch_all != POLICY_CATCH_ALL_NONE) {
		cc->final_action = catch_all_action(cell->catch_all);
		pc->final_origin[id] = (struct policy_ace_origin){
			POLICY_ORIGIN_CATCH_ALL, id };
	} else {
		fall_through(c, id, e);
	}
	share_cell_run(e, id, cc, start);
	matrix_set(c->pc, cell->src, cell->dst, id);
}

#define HUGE_PAGE ((size_t)2 << 20)

/* The mapping a large table gets: whole huge pages; 0 for a small one. */
static size_t
table_map_len(size_t n, size_t size)
{
	size_t bytes = n * size;

	return bytes < HUGE_PAGE ? 0 :
	       (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
}

/*
 * Zeroed memory for an array the workers index at random. A large one gets
 * a mapping of its own, aligned to and advised as transparent huge pages
 * before anything touches it: a 4,096-SGT matrix is 32 MiB, and on 4 KiB
 * pages nearly every packet's matrix lookup would miss the TLB as well as
 * the cache. (From malloc, it could land on heap pages the loader already
 * faulted in as 4 KiB ones.) Freed with table_free(), same n and size.
 */
static void *
table_calloc(size_t n, size_t size)
{
	size_t len;
	uintptr_t raw, start;
	void *p;

	if (n != 0 && size > (SIZE_MAX - 2 * HUGE_PAGE) / n)
		return NULL;
	len = table_map_len(n, size);
	if (len == 0)
		return calloc(n, size);
	p = mmap(NULL, len + HUGE_PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	/* Keep the aligned len bytes, give back the rest. */
	raw = (uintptr_t)p;
	start = (raw + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
	if (start > raw)
		munmap(p, start - raw);
	if (raw + HUGE_PAGE > start)
		munmap((void *)(start + len), raw + HUGE_PAGE - start);
	(void)madvise((void *)start, len, MADV_HUGEPAGE); /* a hint */
	/* Fault it all in now, as huge pages where the kernel has them. */
	memset((void *)start, 0, len);
	return (void *)start;
}

static void
table_free(void *p, size_t n, size_t size)
{
	size_t len = table_map_len(n, size);

	if (p == NULL)
		return;
	if (len == 0)
		free(p);
	else
		munmap(p, len);
}

/* ACE slots in a compiled policy: at least one, so that &aces[ace_first]
 * of a cell without ACEs never points into a NULL array. */
static size_t
ace_slots(uint64_t n_aces)
{
	return n_aces > 0 ? (size_t)n_aces : 1;
}

static size_t
dense_entries(const struct policy_compiled *pc)
{
	return (size_t)pc->n_idx * pc->n_idx;
}

/* Buckets of the sparse matrix: a power of two with room for twice the
 * enabled cells, so that a bucket overflows rarely (at half full, about
 * 2% do); 0 for a dense matrix. */
static size_t
pair_buckets(const struct policy_compiled *pc)
{
	size_t buckets = 2;

	if (dense_entries(pc) * sizeof(*pc->matrix) <= POLICY_DENSE_MAX)
		return 0;
	while (buckets * POLICY_BUCKET_PAIRS < 2 * (size_t)pc->n_cells)
		buckets *= 2;
	return buckets;
}

static int
matrix_allocate(struct policy_compiled *pc)
{
	size_t buckets = pair_buckets(pc);

	if (buckets == 0) {
		pc->matrix = table_calloc(dense_entries(pc), sizeof(*pc->matrix));
		return pc->matrix != NULL ? 0 : -1;
	}
	/* Zeroed: every slot free, every extra cell POLICY_DEFAULT_CELL. */
	pc->buckets = table_calloc(buckets, sizeof(*pc->buckets));
	pc->bucket_mask = (uint32_t)buckets - 1;
	pc->bucket_shift = 32u - (uint32_t)__builtin_ctzll(buckets);
	return pc->buckets != NULL ? 0 : -1;
}

static void
matrix_free(struct policy_compiled *pc)
{
	if (pc->buckets != NULL)
		table_free(pc->buckets, pair_buckets(pc), sizeof(*pc->buckets));
	else
		table_free(pc->matrix, dense_entries(pc), sizeof(*pc->matrix));
}

static int
allocate(struct compiler *c)
{
	struct policy_compiled *pc = c->pc;
	int rc = matrix_allocate(pc);

	pc->cells = table_calloc(pc->n_cells, sizeof(*pc->cells));
	pc->final_origin = calloc(pc->n_cells, sizeof(*pc->final_origin));
	pc->quick = calloc(pc->n_cells, sizeof(*pc->quick));
	if (rc != 0 || pc->cells == NULL || pc->final_origin == NULL ||
	    pc->quick == NULL)
		return cerr(c, "out of memory for %u SGTs, %u cells",
			    pc->n_idx - 1, pc->n_cells);
	return 0;
}

/* Each cell's quick word, once every cell is final (a fall-through cell
 * takes the default cell's ACEs and decision). */
static void
fill_quick(struct policy_compiled *pc, const uint32_t *cell_run)
{
	for (uint32_t id = 0; id < pc->n_cells; id++) {
		const struct policy_compiled_cell *cc = &pc->cells[id];
		uint32_t q = policy_verdict_of(cc->final_action, cc->monitor) |
			     (cc->final_log ? POLICY_QUICK_LOG : 0);

		if (cc->ace_count != 0)
			q |= POLICY_QUICK_ACES |
			     (cc->monitor ? POLICY_QUICK_MONITOR : 0) |
			     cell_run[id] << POLICY_QUICK_RUN_SHIFT;
		pc->quick[id] = q;
	}
}

/* The distinct ACE lists, for the workers: an array of their own,
 * sized to what sharing kept (a large one gets huge pages). */
static int
publish_aces(struct compiler *c, struct emit *e)
{
	struct policy_compiled *pc = c->pc;

	if (e->error == -E2BIG)
		return cerr(c, "policy too large: more than %u distinct "
			    "compiled ACEs", UINT32_MAX - 1);
	pc->aces = e->error == 0 ?
		   table_calloc(ace_slots(e->n), sizeof(*pc->aces)) : NULL;
	if (pc->aces == NULL)
		return cerr(c, "out of memory for %llu ACEs",
			    (unsigned long long)e->n);
	/* Set with the array: policy_compiled_free() sizes it by n_aces. */
	pc->n_aces = (uint32_t)e->n;
	if (e->n != 0)
		memcpy(pc->aces, e->aces, e->n * sizeof(*pc->aces));
	pc->origin = e->origin;
	e->origin = NULL;
	return 0;
}

static int
flatten(struct compiler *c)
{
	const struct policy *p = c->p;
	struct run_index runs;
	struct emit e = { .runs = &runs };
	uint32_t id = POLICY_DEFAULT_CELL + 1;
	int rc;

	if (run_index_init(&runs, c->pc->n_cells) < 0) {
		run_index_free(&runs);
		return cerr(c, "out of memory for %u cells", c->pc->n_cells);
	}
	/* Zeroed: every dense matrix entry starts at POLICY_DEFAULT_CELL (0),
	 * every sparse slot free (the pair is the default cell). */
	compile_default(c, &e);
	for (uint32_t i = 0; i < p->n_cells; i++) {
		if (cell_enabled(&p->cells[i]))
			compile_cell(c, &p->cells[i], id++, &e);
	}
	rc = publish_aces(c, &e);
	if (rc == 0)
		rc = publish_runs(c, &runs);
	if (rc == 0)
		fill_quick(c->pc, runs.cell_run);
	run_index_free(&runs);
	free(e.aces);
	free(e.origin);
	return rc;
}

struct policy_compiled *
policy_compile(const struct policy *p, char *err, size_t errlen)
{
	struct compiler c = { .p = p, .err = err, .errlen = errlen };

	if (p == NULL) {
		cerr(&c, "no policy");
		return NULL;
	}
	if (validate(&c) < 0)
		return NULL;
	c.pc = calloc(1, sizeof(*c.pc));
	if (c.pc == NULL) {
		cerr(&c, "out of memory");
		return NULL;
	}
	c.pc->model = p;
	if (assign_indices(&c) < 0 || allocate(&c) < 0) {
		policy_compiled_free(c.pc);
		return NULL;
	}
	if (flatten(&c) < 0) {
		policy_compiled_free(c.pc);
		return NULL;
	}
	return c.pc;
}

void
policy_compiled_free(struct policy_compiled *pc)
{
	if (pc == NULL)
		return;
	matrix_free(pc);
	table_free(pc->cells, pc->n_cells, sizeof(*pc->cells));
	table_free(pc->aces, ace_slots(pc->n_aces), sizeof(*pc->aces));
	free(pc->origin);
	free(pc->final_origin);
	free(pc->quick);
	free(pc->runs);
	free(pc);
}

/*
 * The model.
 */

static void
sgacl_free(struct policy_sgacl *s)
{
	if (s->ace_text != NULL) {
		for (uint32_t i = 0; i < s->n_aces; i++)
			free(s->ace_text[i]);
	}
	free(s->ace_text);
	free(s->aces);
}

void
policy_model_free(struct policy *p)
{
	if (p == NULL)
		return;
	free(p->names);
	for (uint32_t i = 0; p->sgacls != NULL && i < p->n_sgacls; i++)
		sgacl_free(&p->sgacls[i]);
	free(p->sgacls);
	for (uint32_t i = 0; p->cells != NULL && i < p->n_cells; i++)
		free(p->cells[i].sgacls);
	free(p->cells);
	free(p->default_cell.sgacls);
	memset(p, 0, sizeof(*p));
}

const char *
policy_sgt_name(const struct policy *p, sgt_t sgt)
{
	for (uint32_t i = 0; i < p->n_names; i++) {
		if (p->names[i].value == sgt)
			return p->names[i].name;
	}
	return NULL;
}

/* Names compare exactly (case included), as the model spells them. */
int
policy_sgt_by_name(const struct policy *p, const char *name)
{
	for (uint32_t i = 0; i < p->n_names; i++) {
		if (strcmp(p->names[i].name, name) == 0)
			return p->names[i].value;
	}
	return -1;
}

int
policy_sgacl_by_name(const struct policy *p, const char *name)
{
	for (uint32_t i = 0; i < p->n_sgacls; i++) {
		if (strcmp(p->sgacls[i].name, name) == 0)
			return (int)i;
	}
	return -1;
}
