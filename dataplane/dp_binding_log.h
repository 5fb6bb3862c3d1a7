/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The changes dp_bindings applies, in order, as the cache writer needs
 * them to keep its own copy of the bindings (dp_cache.h): so that writing
 * the cache never copies the whole table on the control lcore.
 *
 * A record is a struct binding: an add or replace, or, with source
 * BINDING_SRC_NONE (never valid in a binding), a delete of its prefix.
 * The control lcore, the one writer, appends to chunks of its own without
 * a lock; whole chunks change hands (dp_cache does it under its mutex), a
 * list at a time, never a record at a time.
 *
 * When a chunk cannot be allocated the log is "lost": what it held is
 * freed, and nothing is recorded until binding_log_reset(). The owner
 * must then give the consumer a full copy instead (dp_cache does).
 */
#ifndef SGTGW_DP_BINDING_LOG_H
#define SGTGW_DP_BINDING_LOG_H

#include <stdbool.h>
#include <stdint.h>

#include "binding.h"

/* 4096 records of 22 bytes: about 90 KiB a chunk. */
#define BINDING_LOG_CHUNK 4096u

struct binding_log_chunk {
	struct binding_log_chunk *next;
	uint32_t n;
	struct binding rec[BINDING_LOG_CHUNK];
};

/* Chunks in order; records counts what they hold. */
struct binding_log_list {
	struct binding_log_chunk *head, *tail;
	uint64_t records;
};

struct binding_log {
	struct binding_log_list full;   /* filled, not yet taken */
	struct binding_log_chunk *open; /* being filled; NULL: none */
	bool lost;
};

/* Record an add or replace of b. */
void binding_log_set(struct binding_log *l, const struct binding *b);
/* Record a delete of b's prefix (its SGT and source do not matter). */
void binding_log_del(struct binding_log *l, const struct binding *b);

static inline bool
binding_log_is_del(const struct binding *rec)
{
	return rec->source == BINDING_SRC_NONE;
}

/* Records not yet taken. */
uint64_t binding_log_pending(const struct binding_log *l);

/* Move the filled chunks to the end of out, and with all set the one
 * being filled too, so that out holds every change recorded so far. */
void binding_log_take(struct binding_log *l, bool all,
		      struct binding_log_list *out);

/* Free what is pending and stop recording (lost) until a reset. */
void binding_log_drop(struct binding_log *l);
/* Free what is pending and record again from now on. */
void binding_log_reset(struct binding_log *l);

/* Unlink the first chunk of list (NULL when empty); free() it. */
struct binding_log_chunk *binding_log_pop(struct binding_log_list *list);
/* Move src's chunks to the end of dst, leaving src empty. */
void binding_log_splice(struct binding_log_list *dst,
			struct binding_log_list *src);
void binding_log_list_free(struct binding_log_list *list);

#endif
