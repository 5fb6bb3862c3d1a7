/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The controlplane's binding database: every source's view of IP-to-SGT
 * bindings, kept side by side, and for each prefix the one winner that the
 * dataplane is told about.
 *
 * A view is what one source instance says about one prefix: the static
 * config (one instance), one SXP peer (instance = the peer's id), ISE
 * sessions (LOCAL), the gateway itself. The winner of a prefix is its
 * highest-ranked view (binding_source_rank); between views of the same
 * source, the shorter SXP peer sequence wins, then the most recent.
 *
 * Every change of a prefix's winning SGT (or of whether it has one) is
 * reported once, through the on_change callback, after the database is
 * consistent again. When a winner goes away and another view takes over,
 * that is one "replace" report (had_old and has_new both true), never a
 * delete followed by an add: the dataplane never sees the prefix unbound.
 * A takeover by a view with the same SGT reports nothing (the dataplane's
 * entry is already right); binding_db_lookup() tells the new source.
 *
 * Mark and sweep (binding_db_begin_refresh / end_refresh) lets one source
 * instance replay its whole table and have only the difference applied:
 * config reload, SXP reconciliation after a reconnect.
 *
 * One thread owns a database; nothing here locks.
 */
#ifndef SGTGW_BINDING_DB_H
#define SGTGW_BINDING_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "binding.h"
#include "sgt.h"

/* Sources are common/binding.h's enum binding_source (CLI < SXP < LOCAL <
 * INTERNAL, IOS's order; ISE session bindings are LOCAL) and are ranked by
 * binding_source_rank(). Per-source arrays are indexed by the enum value. */
#define BINDING_DB_NSRC (BINDING_SRC_MAX + 1)

/*
 * A prefix. addr is in network byte order, IPv4 in the first 4 bytes; every
 * bit past prefix_len (and bytes 4..15 for IPv4) must be zero. The struct has
 * no padding, so keys compare and hash as 18 bytes.
 */
struct binding_key {
	uint8_t family;         /* AF_INET or AF_INET6 */
	uint8_t prefix_len;     /* 0..32 or 0..128; 32 / 128 for a host */
	uint8_t addr[16];
};

/*
 * A prefix's winner changed: had_old/old_sgt before, has_new/new_sgt after
 * (never both false, never equal SGTs with both true). src is the new
 * winner's source, or on a removal the old one's. Called after the change is
 * complete; the callback may look things up but must not change the db.
 */
typedef void (*binding_change_fn)(void *ctx, const struct binding_key *k,
				  sgt_t old_sgt, bool had_old,
				  sgt_t new_sgt, bool has_new,
				  enum binding_source src);

struct binding_db_params {
	binding_change_fn on_change;   /* may be NULL */
	void *ctx;
	/* 0 picks a random seed: keys come from the network (SXP), so bucket
	 * positions must not be predictable. Tests may fix it. */
	uint64_t hash_seed;
};

/* Per-source totals, as `show cts role-based sgt-map all` prints them. */
struct binding_db_counts {
	size_t prefixes;                        /* prefixes with a winner */
	size_t winners[BINDING_DB_NSRC];        /* prefixes each source wins */
	size_t views[BINDING_DB_NSRC];          /* bindings each source holds */
};

struct binding_db;

/* NULL with errno = ENOMEM. */
struct binding_db *binding_db_create(const struct binding_db_params *p);
/* Frees everything; reports nothing. NULL is accepted. */
void binding_db_destroy(struct binding_db *db);

/* Fills k from an address of 4 (AF_INET) or 16 (AF_INET6) bytes. -EINVAL for
 * an unknown family, a length past the family's width, or host bits set. */
int binding_key_init(struct binding_key *k, uint8_t family, const void *addr,
		     uint8_t prefix_len);
/* Whether k obeys the rules above, binding_prefix_check()'s (what every call
 * below checks first). */
bool binding_key_valid(const struct binding_key *k);
/* Between a key and the wire's struct binding (common/binding.h). */
void binding_key_of(struct binding_key *k, const struct binding *b);
void binding_of_key(struct binding *b, const struct binding_key *k, sgt_t sgt,
		    enum binding_source src);

/*
 * Add or replace what (src, instance) says about k. peer_seq_len is the SXP
 * peer-sequence length (1 for a peer that sends none: the peer itself) and
 * must be 0 for other sources. Re-setting the same SGT and peer-sequence
 * length changes nothing (the view keeps its age, so a re-advertisement
 * never flips a tie between peers) but ends that view's "marked" state.
 * Returns 0, -EINVAL (bad key, source, SGT above SGT_MAX, peer_seq_len),
 * -ENOSPC (65535 views of one prefix) or -ENOMEM; on error nothing changed.
 */
int binding_db_set(struct binding_db *db, const struct binding_key *k,
		   enum binding_source src, uint32_t instance, sgt_t sgt,
		   uint8_t peer_seq_len);

/* Remove what (src, instance) says about k. 0, -ENOENT or -EINVAL. */
int binding_db_withdraw(struct binding_db *db, const struct binding_key *k,
			enum binding_source src, uint32_t instance);

/* Remove every view of (src, instance): peer down after the delete hold-down,
 * SXP PURGE_ALL. Returns how many were removed. Walks the whole table (about
 * 30 ms per million prefixes); prefixes are reported in no set order. */
size_t binding_db_withdraw_instance(struct binding_db *db,
				    enum binding_source src, uint32_t instance);

/*
 * Mark and sweep for one source instance. begin marks all its views and
 * returns how many; binding_db_set() on a marked view unmarks it; end
 * removes the views still marked (reporting each prefix's change) and
 * returns how many. Instances refresh independently of each other.
 */
size_t binding_db_begin_refresh(struct binding_db *db, enum binding_source src,
				uint32_t instance);
size_t binding_db_end_refresh(struct binding_db *db, enum binding_source src,
			      uint32_t instance);

/* The winner of exactly k (no longest-prefix match). 0, -ENOENT, or -EINVAL
 * for an invalid key; sgt and src may be NULL. */
int binding_db_lookup(const struct binding_db *db, const struct binding_key *k,
		      sgt_t *sgt, enum binding_source *src);

/*
 * Calls fn for each winner in order of family (AF_INET first), address, then
 * prefix length, starting after the key `after` (NULL: from the first), so a
 * view can page through the table. fn must not change the db; a non-zero
 * return stops the walk and is returned. Otherwise returns 0, or -ENOMEM if
 * the order could not be built. The order is cached until a prefix comes
 * or goes; building it costs one sort.
 */
typedef int (*binding_visit_fn)(void *ctx, const struct binding_key *k,
				sgt_t sgt, enum binding_source src);
int binding_db_foreach(struct binding_db *db, const struct binding_key *after,
		       binding_visit_fn fn, void *ctx);

/* The same visit in no particular order (storage order): no sort, for a
 * caller that does not need one (the dataplane's cache). */
int binding_db_foreach_unordered(const struct binding_db *db,
				 binding_visit_fn fn, void *ctx);

void binding_db_counts(const struct binding_db *db,
		       struct binding_db_counts *c);

/* Bytes the db holds on the heap (tables, view arrays, cached order). */
size_t binding_db_memory(const struct binding_db *db);

#endif
