/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TrustSec policy: SGT names, SGACLs and the egress matrix as an
 * operator writes them (struct policy), and the same policy compiled into a
 * form a worker evaluates in a few memory accesses (struct policy_compiled).
 *
 * Compilation flattens each cell: the ACEs of its SGACLs in order, then its
 * catch-all; a cell whose catch-all is "none" continues with the default
 * cell's ACEs and catch-all, as ISE's matrix does. Every compiled cell thus
 * ends in a decision. SGTs that appear in no cell share compact index 0, so
 * the matrix stays (cells' SGTs + 1)^2 entries.
 */
#ifndef SGTGW_POLICY_H
#define SGTGW_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sgacl.h"
#include "sgt.h"

#define POLICY_NAME_MAX   64      /* SGT and SGACL names, NUL included */
#define POLICY_MAX_SGTS   8192    /* distinct SGTs named by cells */
#define POLICY_MAX_CELLS  65534   /* compiled cells, default included */
#define POLICY_DEFAULT_CELL 0     /* compiled cell id of "* *" */
#define POLICY_ORIGIN_CATCH_ALL UINT32_MAX

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
	/* What decides when no ACE matches (views and log records only):
	 * the catch-all, or the ACE matching every packet that ended the list. */
	struct policy_ace_origin final_origin;
};

struct policy_compiled {
	uint64_t generation;
	uint32_t n_idx;         /* compact indices; 0 = SGTs without cells */
	uint16_t sgt_idx[65536];
	uint16_t *matrix;       /* n_idx * n_idx compiled cell ids */
	uint32_t n_cells;
	struct policy_compiled_cell *cells;
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
policy_cell_of(const struct policy_compiled *pc, sgt_t src, sgt_t dst)
{
	return pc->matrix[(uint32_t)pc->sgt_idx[src] * pc->n_idx +
			  pc->sgt_idx[dst]];
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
	const struct sgacl_ace *ace = &pc->aces[c->ace_first];

	for (uint32_t i = 0; i < c->ace_count; i++, ace++) {
		if (sgacl_ace_match(ace, pkt)) {
			*ace_hit = c->ace_first + i;
			*log = ace->log;
			return (enum sgacl_action)ace->action;
		}
	}
	*ace_hit = UINT32_MAX;
	*log = c->final_log;
	return (enum sgacl_action)c->final_action;
}

#endif
