/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv6 prefix bindings, /1 to /127, in one open-addressed hash table keyed
 * by prefix and length, probed once for each prefix length in use, longest
 * first (as VPP's IPv6 FIB does). Hosts (/128) stay in sgt_table's hash
 * and /0 in its default word.
 *
 * Why not a trie: a trie's levels depend on each other. The multibit trie
 * this replaced (16 bits, then a byte a level) walked seven dependent
 * levels for a /64, and a burst's few IPv6 addresses waited out each
 * level's cache miss in turn; it took 1 KiB a level of every prefix's
 * path. Here an address's probes, one per length in use, do not depend on
 * each other: begin prefetches them all, and by the end of the burst's
 * IPv4 lookups they have come in. The pipeline benchmark went from 106 to
 * 100 cycles a packet at 1M hosts and 4,096 SGTs, and its tables from
 * 123 to 107 MiB (tests/bench/README.md). The cost is one probe per
 * length in use: a handful in a TrustSec deployment (subnets of /64, /56,
 * /48), more where prefixes of many lengths are bound.
 *
 * The table is sized at creation, two slots (32 bytes each) per prefix of
 * the limit, so that it is at most half full of bindings. A delete leaves a
 * dead slot that probes pass over; when live and dead slots would fill
 * three quarters of the table, the writer rebuilds it without the dead
 * ones and publishes the new one, freeing the old once readers are past it
 * (RCU). One writer; readers never lock.
 */
#ifndef SGTGW_V6_DIR_H
#define SGTGW_V6_DIR_H

#include <stdbool.h>
#include <stdint.h>

#include "sgt.h"

struct v6_dir;
struct v6_dir_table;
struct rte_rcu_qsbr;

struct v6_dir_params {
	int socket_id;
	struct rte_rcu_qsbr *rcu;       /* NULL: no reader runs during changes */
	uint32_t max_prefixes;  /* /1 to /127 bindings, > 0 */
};

/* NULL with rte_errno set. */
struct v6_dir *v6_dir_create(const struct v6_dir_params *p);
void v6_dir_free(struct v6_dir *d);

/*
 * Add or replace the binding addr/len (bits below len ignored,
 * 1 <= len <= 127). room: whether a new binding may be added (a replace
 * always may). Returns 1 when added, 0 when replaced, -ENOSPC (no room),
 * -ENOMEM (no memory for a rebuild the add needed).
 */
int v6_dir_add(struct v6_dir *d, const uint8_t addr[16], uint8_t len,
	       sgt_t sgt, bool room);
/* Delete the binding of exactly that length: 0, or -ENOENT. */
int v6_dir_del(struct v6_dir *d, const uint8_t addr[16], uint8_t len);

/*
 * The longest binding of up to 256 addresses, in two halves, for a caller
 * with other work to do while the lines come in (the pipeline looks up its
 * IPv4 addresses meanwhile). begin takes the table and the lengths in use
 * and prefetches every probe, one per address and length; end compares
 * and writes, for each address, its binding's SGT and found = true or,
 * without one, the default word: dflt's low 16 bits and found =
 * dflt != 0. addr[i] may be at any alignment; d may be NULL (no
 * prefixes: every address gets the default word).
 */
#define V6_DIR_BULK_MAX 256

struct v6_dir_lookup {
	const struct v6_dir_table *tab;
	uint32_t n;
	uint32_t n_lens;
	/* The lengths in use, longest first, and their masks. */
	uint8_t len[127];
	uint64_t mask_hi[127], mask_lo[127];
	/* Each address as two host-order words. */
	uint64_t hi[V6_DIR_BULK_MAX], lo[V6_DIR_BULK_MAX];
};

void v6_dir_lookup_begin(struct v6_dir_lookup *l, const struct v6_dir *d,
			 const uint8_t *const *addr, uint32_t n);
void v6_dir_lookup_end(const struct v6_dir_lookup *l, uint32_t dflt,
		       sgt_t *sgt, bool *found);

/* The table's slots holding a binding or a deleted one (until the next
 * rebuild), and its bytes, fixed at creation. Any thread. */
uint32_t v6_dir_slots_used(const struct v6_dir *d);
uint64_t v6_dir_bytes(const struct v6_dir *d);

#endif
