/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 host and prefix bindings in one DIR-24-8 table (as rte_lpm and
 * rte_fib lay theirs out), with the rules kept so that every change is
 * constant time in the number of bindings.
 *
 * tbl24 holds one 32-bit entry per /24: either a binding of /1 to /24
 * (valid bit, its length, its SGT), or the index of a group of 256 16-bit
 * SGTs, one per address of that /24, each the longest binding covering the
 * address (a host, a /25 to /31, or whatever covers the whole /24). A
 * lookup is one load, or two in a /24 that holds hosts or longer prefixes.
 *
 * Why not DPDK's structures (measured with tests/bench at 1,000,000 hosts
 * in DHCP-like /24s): rte_hash for hosts beside rte_lpm costs about 50
 * cycles per address and rte_lpm finds a rule by scanning every rule of its
 * length, so each prefix change is linear (0.25 M changes/s at 10,000
 * /24s); rte_fib is as fast to read but keeps each /32 as an rte_rib node
 * and sizes groups at 4 or 8 bytes per address (480-560 MiB).
 * Here hosts are their group entry and need no rule of their own; /1 to
 * /31 rules sit in an rte_hash the writer alone uses, so a delete finds the
 * rule that takes over with one probe per length in use.
 *
 * Groups are allocated by need, 4,096 (2 MiB) at a time; a group freed
 * while readers may still see it (with RCU) is reused only after their
 * grace period. One writer; readers never lock.
 */
#ifndef SGTGW_V4_DIR_H
#define SGTGW_V4_DIR_H

#include <stdbool.h>
#include <stdint.h>

#include "sgt.h"

struct v4_dir;
struct rte_rcu_qsbr;

struct v4_dir_params {
	const char *name;       /* prefixes DPDK object names (<= 16 chars) */
	int socket_id;
	struct rte_rcu_qsbr *rcu;       /* NULL: no reader runs during changes */
	uint32_t max_prefixes;  /* /1 to /31 rules; 0: hosts only */
};

/* NULL with rte_errno set. */
struct v4_dir *v4_dir_create(const struct v4_dir_params *p);
void v4_dir_free(struct v4_dir *d);

/*
 * Add or replace the binding ip/len (ip in host byte order, bits below len
 * ignored, 1 <= len <= 32). room: whether a new binding may be added (a
 * replace always may). Returns 1 when added, 0 when replaced, -ENOSPC (no
 * room, or the rule table is full), -ENOMEM (no memory for a group).
 */
int v4_dir_add(struct v4_dir *d, uint32_t ip, uint8_t len, sgt_t sgt,
	       bool room);
/* Delete the binding of exactly that length: 0, or -ENOENT. */
int v4_dir_del(struct v4_dir *d, uint32_t ip, uint8_t len);

/* The longest binding of each address (network byte order), n <= 64: its
 * SGT and found = true; without one, the default word: dflt's low 16 bits
 * and found = dflt != 0. */
#define V4_DIR_BULK_MAX 64
void v4_dir_lookup_bulk(const struct v4_dir *d, const uint32_t *addr_be,
			uint32_t n, uint32_t dflt, sgt_t *sgt, bool *found);

/* Groups in use, and the bytes allocated for groups (those in use, those
 * free, and the writer's bookkeeping of each): the memory that host and
 * /25-/31 bindings take beyond the fixed 64 MiB tbl24. Any thread. */
uint32_t v4_dir_groups(const struct v4_dir *d);
uint64_t v4_dir_group_bytes(const struct v4_dir *d);

#endif
