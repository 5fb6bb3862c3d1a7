/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TrustSec policy: SGT names, SGACLs and the egress matrix as an
 * operator writes them (struct policy), and the same policy compiled into a
 * form a worker evaluates in a few memory accesses (struct policy_compiled).
 *
 * Compilation flattens each cell: the ACEs of its SGACLs in order, then its
 * catch-all; a cell whose catch-all is "none" continues with the default
 * cell's ACEs and catch-all, as ISE's matrix does. Every compiled cell thus
 * ends in a decision. Cells with identical ACE lists share one copy of the
 * list (each keeps its own final action). SGTs that appear in no cell
 * share compact index 0, so the matrix stays (cells' SGTs + 1)^2 entries.
 *
 * A matrix larger than POLICY_DENSE_MAX bytes (above about 720 SGTs) is
 * kept sparse instead: a hash of the enabled (source, destination) pairs,
 * every other pair being the default cell, in buckets of one cache line
 * (8 pairs), half full, so that a lookup reads one line and compares its
 * keys without a branch. At 4,096 SGTs and 60,000 cells that is 1 MiB
 * against a 32 MiB dense matrix.
 */
#ifndef SGTGW_POLICY_H
#define SGTGW_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "sgacl.h"
#include "sgt.h"

#define POLICY_NAME_MAX   64      /* SGT and SGACL names, NUL included */
#define POLICY_MAX_SGTS   8192    /* distinct SGTs named by cells */
#define POLICY_MAX_CELLS  65534   /* compiled cells, default included */
#define POLICY_DEFAULT_CELL 0     /* compiled cell id of "* *" */
#define POLICY_ORIGIN_CATCH_ALL UINT32_MAX
#define POLICY_DENSE_MAX  ((size_t)1 << 20)

enum policy_catch_all {
	POLICY_CATCH_ALL_NONE = 0, /* fall through to the default cell */
	POLICY_CATCH_ALL_PERMIT,
	POLICY_CATCH_ALL_DENY,
};

enum policy_cell_mode {
	POLICY_CELL_ENFORCE = 0,
	POLICY_CELL_MONITOR,   /* judged and counted, never dropped */
	POLICY_CELL_DISABLED,  /* ignored: the default cell applies */
};

struct policy_sgt_name {
	sgt_t value;
	char name[POLICY_NAME_MAX];
};

struct policy_sgacl {
	char name[POLICY_NAME_MAX];
	uint32_t n_aces;
	struct sgacl_ace *aces;
	char **ace_text;        /* the lines as written, for views */
};

struct policy_cell {
	sgt_t src;
	sgt_t dst;
	uint32_t n_sgacls;
	uint32_t *sgacls;       /* indices into policy.sgacls, in order */
	uint8_t catch_all;      /* enum policy_catch_all */
	uint8_t mode;           /* enum policy_cell_mode */
};

struct policy {
	uint32_t n_names;
	struct policy_sgt_name *names;
	uint32_t n_sgacls;
	struct policy_sgacl *sgacls;
	uint32_t n_cells;
	struct policy_cell *cells;
	/* "* *": catch_all must be PERMIT or DENY; src/dst unused. */
	struct policy_cell default_cell;
	bool monitor_all;       /* global monitor mode */
};

/* Which written ACE a compiled ACE came from (for log records and views). */
struct policy_ace_origin {
	uint32_t sgacl;         /* index in policy.sgacls, or ORIGIN_CATCH_ALL */
	uint32_t ace;           /* index in that SGACL's aces; for a catch-all,
				 * the compiled cell whose catch-all it is
				 * (POLICY_DEFAULT_CELL: the default's) */
};

struct policy_compiled_cell {
	sgt_t src;
	sgt_t dst;
	uint32_t ace_first;     /* into policy_compiled.aces */
	uint32_t ace_count;     /* 0: final_action decides every packet */
	uint8_t final_action;   /* enum sgacl_action when no ACE matches */
	bool final_log;
	bool monitor;           /* count, never drop */
	bool is_default;        /* the "* *" row */
};
_Static_assert(sizeof(struct policy_compiled_cell) == 16,
	       "a cell in one quarter of a cache line");

/*
 * What a packet's verdict is counted as: permitted, denied (dropped), or
 * monitored (would be denied, forwarded because the cell or the whole
 * policy is in monitor mode).
 */
enum policy_verdict {
	POLICY_VERDICT_PERMIT = 0,
	POLICY_VERDICT_DENY,
	POLICY_VERDICT_MONITOR,
	POLICY_VERDICTS,
};

static inline enum policy_verdict
policy_verdict_of(enum sgacl_action action, bool monitor)
{
	if (action == SGACL_PERMIT)
		return POLICY_VERDICT_PERMIT;
	return monitor ? POLICY_VERDICT_MONITOR : POLICY_VERDICT_DENY;
}

/*
 * One word per compiled cell (policy_compiled.quick), all a packet reads
 * of its cell: 256 KiB at most, which a core's L2 holds where the 16-byte
 * cells would not.
 *   - bits 0-2: the verdict (enum policy_verdict) and whether it logs,
 *     when no ACE decides: for a cell without ACEs (most of them), the
 *     whole decision;
 *   - POLICY_QUICK_ACES: the cell has ACEs, its run (policy_compiled.runs)
 *     in bits 8-31; POLICY_QUICK_MONITOR: an ACE's deny is counted as
 *     monitored.
 */
#define POLICY_QUICK_VERDICT 0x03     /* enum policy_verdict */
#define POLICY_QUICK_LOG     0x04
#define POLICY_QUICK_ACES    0x08
#define POLICY_QUICK_MONITOR 0x10
#define POLICY_QUICK_RUN_SHIFT 8

/* A list of compiled ACEs that cells share. Run 0 is empty: the run of
 * every cell without ACEs. */
struct policy_run {
	uint32_t ace_first;
	uint32_t ace_count;
};

/* Eight enabled pairs of the sparse matrix. Key 0 (index 0 to index 0,
 * SGTs without cells) is never enabled, so it marks a free slot. A pair
 * goes to its hash's bucket, or the next one with room: a bucket with a
 * free slot thus ends every search. */
#define POLICY_BUCKET_PAIRS 8
struct policy_bucket {
	uint32_t key[POLICY_BUCKET_PAIRS];  /* source index << 16 | dest. */
	/* One more, always POLICY_DEFAULT_CELL: where a miss reads. */
	uint16_t cell[POLICY_BUCKET_PAIRS + 1];
} __attribute__((aligned(64)));

struct policy_compiled {
	uint64_t generation;
	uint32_t n_idx;         /* compact indices; 0 = SGTs without cells */
	uint16_t sgt_idx[65536];
	/* Exactly one of the two. */
	uint16_t *matrix;       /* dense: n_idx * n_idx compiled cell ids */
	struct policy_bucket *buckets; /* sparse: hash of the pairs */
	uint32_t bucket_mask;   /* buckets - 1 */
	uint32_t bucket_shift;  /* 32 - log2(buckets) */
	uint32_t n_cells;
	/* 16 bytes a cell, what a packet reads; beside it, per cell, what
	 * decides when no ACE matches (views and log records only): the
	 * catch-all, or the ACE matching every packet that ended the list. */
	struct policy_compiled_cell *cells;
	struct policy_ace_origin *final_origin;
	uint32_t *quick;        /* per cell: POLICY_QUICK_* */
	uint32_t n_runs;        /* distinct ACE lists, run 0 included */
	struct policy_run *runs;
	uint32_t n_aces;
	struct sgacl_ace *aces;
	struct policy_ace_origin *origin;
	const struct policy *model; /* not owned: names for views and logs */
};

/* Compile; returns NULL with a message in err on a policy that cannot be
 * compiled (limits exceeded, out of memory). */
struct policy_compiled *policy_compile(const struct policy *p, char *err,
				       size_t errlen);
void policy_compiled_free(struct policy_compiled *pc);

/* Free what a policy model owns (not the struct itself). */
void policy_model_free(struct policy *p);

/* Name of an SGT (NULL if unnamed); SGT lookup by name (-1 if none). */
const char *policy_sgt_name(const struct policy *p, sgt_t sgt);
int policy_sgt_by_name(const struct policy *p, const char *name);
int policy_sgacl_by_name(const struct policy *p, const char *name);

static inline uint32_t
policy_pair_key(const struct policy_compiled *pc, sgt_t src, sgt_t dst)
{
	return (uint32_t)pc->sgt_idx[src] << 16 | pc->sgt_idx[dst];
}

/* key's home bucket (Fibonacci hashing: the high bits of the product). */
static inline uint32_t
policy_pair_bucket(const struct policy_compiled *pc, uint32_t key)
{
	return (key * UINT32_C(0x9E3779B1)) >> pc->bucket_shift;
}

/* Bit i set where bucket b holds key x: two vector compares on x86 (GCC
 * does not vectorize the loop by itself: 16 setcc instead). */
static inline uint32_t
policy_bucket_match(const struct policy_bucket *b, uint32_t x)
{
#if defined(__SSE2__)
	__m128i v = _mm_set1_epi32((int)x);
	__m128i lo = _mm_cmpeq_epi32(_mm_load_si128((const __m128i *)b->key), v);
	__m128i hi = _mm_cmpeq_epi32(_mm_load_si128((const __m128i *)&b->key[4]),
				     v);

	return (uint32_t)_mm_movemask_ps(_mm_castsi128_ps(lo)) |
	       (uint32_t)_mm_movemask_ps(_mm_castsi128_ps(hi)) << 4;
#else
	uint32_t m = 0;

	for (uint32_t i = 0; i < POLICY_BUCKET_PAIRS; i++)
		m |= (uint32_t)(b->key[i] == x) << i;
	return m;
#endif
}

/* The cell of key from its home bucket on. Nearly always the home bucket
 * answers, hit or miss alike without a branch: it holds the key, or has
 * a free slot (then the key is nowhere, and the extra cell says so). */
static inline uint32_t
policy_pair_find(const struct policy_compiled *pc, uint32_t key,
		 uint32_t bucket)
{
	for (;; bucket = (bucket + 1) & pc->bucket_mask) {
		const struct policy_bucket *b = &pc->buckets[bucket];
		uint32_t hit = policy_bucket_match(b, key);

		if (__builtin_expect((hit | policy_bucket_match(b, 0)) != 0, 1))
			return b->cell[__builtin_ctz(hit | 1u << POLICY_BUCKET_PAIRS)];
	}
}

static inline uint32_t
policy_cell_of(const struct policy_compiled *pc, sgt_t src, sgt_t dst)
{
	uint32_t key;

	if (pc->matrix != NULL)
		return pc->matrix[(uint32_t)pc->sgt_idx[src] * pc->n_idx +
				  pc->sgt_idx[dst]];
	key = policy_pair_key(pc, src, dst);
	return policy_pair_find(pc, key, policy_pair_bucket(pc, key));
}

/* The first of count ACEs from first on that matches the packet, or
 * UINT32_MAX. */
static inline uint32_t
policy_first_match(const struct policy_compiled *pc, uint32_t first,
		   uint32_t count, const struct sgacl_pkt *pkt)
{
	const struct sgacl_ace *ace = &pc->aces[first];

	for (uint32_t i = 0; i < count; i++) {
		if (sgacl_ace_match(&ace[i], pkt))
			return first + i;
	}
	return UINT32_MAX;
}

/*
 * The decision of a compiled cell for one packet: first matching ACE wins,
 * else the cell's final action. *ace_hit is the compiled ACE index, or
 * UINT32_MAX for the final action. *log tells whether the deciding rule
 * carries "log".
 */
static inline enum sgacl_action
policy_decide(const struct policy_compiled *pc, uint32_t cell_id,
	      const struct sgacl_pkt *pkt, uint32_t *ace_hit, bool *log)
{
	const struct policy_compiled_cell *c = &pc->cells[cell_id];
	uint32_t hit = policy_first_match(pc, c->ace_first, c->ace_count, pkt);

	*ace_hit = hit;
	if (hit != UINT32_MAX) {
		*log = pc->aces[hit].log;
		return (enum sgacl_action)pc->aces[hit].action;
	}
	*log = c->final_log;
	return (enum sgacl_action)c->final_action;
}

/* The same from the cell's quick word q, as a worker decides: the verdict
 * as counted, | POLICY_QUICK_LOG when the deciding rule logs. */
static inline uint8_t
policy_decide_quick(const struct policy_compiled *pc, uint32_t q,
		    const struct sgacl_pkt *pkt, uint32_t *ace_hit)
{
	const struct policy_run *r = &pc->runs[q >> POLICY_QUICK_RUN_SHIFT];
	uint32_t hit = policy_first_match(pc, r->ace_first, r->ace_count, pkt);
	const struct sgacl_ace *a;

	*ace_hit = hit;
	if (hit == UINT32_MAX)
		return (uint8_t)(q & (POLICY_QUICK_VERDICT | POLICY_QUICK_LOG));
	a = &pc->aces[hit];
	return (uint8_t)(policy_verdict_of((enum sgacl_action)a->action,
					   (q & POLICY_QUICK_MONITOR) != 0) |
			 (a->log ? POLICY_QUICK_LOG : 0));
}

#endif
