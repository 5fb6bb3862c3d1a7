/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IP-to-SGT lookup tables:
 *   IPv4 hosts and prefixes  v4_dir (DIR-24-8, v4_dir.h)
 *   IPv6 hosts               rte_hash (16-byte keys, lock-free readers)
 *   IPv6 prefixes            v6_dir (hash per prefix length, v6_dir.h)
 * An IPv6 address's host binding, if any, is its answer (a /128 is the
 * longest match), else its longest prefix. One writer at a time; readers
 * never lock.
 * Lookups work on whole bursts.
 */
#ifndef SGTGW_SGT_TABLE_H
#define SGTGW_SGT_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "sgt.h"
#include "v6_dir.h"

struct sgt_table;
struct rte_rcu_qsbr;

/* DPDK builds memzone names from ours, "RG_HASH_RCU_<name>_h4" the longest,
 * and stops at 31 characters: this much is left for the table's name. */
#define SGT_TABLE_NAME_MAX 16

struct sgt_table_params {
	const char *name;       /* unique per process: prefixes DPDK object names;
				 * at most SGT_TABLE_NAME_MAX characters */
	int socket_id;
	/* Readers of the table report quiescent states on this variable; a
	 * delete frees what they may still see only after they have. NULL:
	 * no reader runs while the table is changed (tests, tools). */
	struct rte_rcu_qsbr *rcu;
	uint32_t max_v4_hosts;
	uint32_t max_v4_prefixes;
	uint32_t max_v6_hosts;
	uint32_t max_v6_prefixes;
};

/* A max_* of 0 leaves that table out. Returns NULL with rte_errno set. */
struct sgt_table *sgt_table_create(const struct sgt_table_params *p);
/* No reader may use t any more; with rcu, readers must not be stuck online. */
void sgt_table_free(struct sgt_table *t);

/* Add or replace a binding; addr in network byte order. A /32 (/128) goes to
 * the host table. Host bits below len are ignored. Returns 0, or a negative
 * errno (-ENOSPC when full, -EINVAL for a bad length or an SGT above
 * SGT_MAX). Only the writer (one thread) calls add and del. */
int sgt_table_add_v4(struct sgt_table *t, uint32_t addr_be, uint8_t len,
		     sgt_t sgt);
int sgt_table_add_v6(struct sgt_table *t, const uint8_t addr[16], uint8_t len,
		     sgt_t sgt);
/* Delete a binding of exactly that length; -ENOENT if absent. */
int sgt_table_del_v4(struct sgt_table *t, uint32_t addr_be, uint8_t len);
int sgt_table_del_v6(struct sgt_table *t, const uint8_t addr[16], uint8_t len);

/* Bulk lookups: for each address, sgt[i] = its binding or SGT_UNKNOWN,
 * found[i] = whether any binding matched. Any n: IPv4 addresses are taken
 * SGT_TABLE_BULK_MAX at a time, IPv6 ones SGT_TABLE_V6_LOOKUP_MAX (below)
 * at a time. */
#define SGT_TABLE_BULK_MAX 64
void sgt_table_lookup_v4_bulk(const struct sgt_table *t,
			      const uint32_t *addr_be, uint32_t n,
			      sgt_t *sgt, bool *found);
void sgt_table_lookup_v6_bulk(const struct sgt_table *t,
			      const uint8_t (*addr)[16], uint32_t n,
			      sgt_t *sgt, bool *found);

/*
 * The IPv6 bulk lookup in two halves (v6_dir.h), for a whole burst's
 * addresses, n <= SGT_TABLE_V6_LOOKUP_MAX: begin prefetches what the
 * prefix table's probes read, end resolves them and looks up the host
 * bindings (SGT_TABLE_BULK_MAX at a time), which take precedence.
 * sgt_table_lookup_v6_bulk is begin then end. addr[i] points to the i-th
 * 16-byte address (in a frame, say), which must stay readable until end
 * (the host lookup reads it there).
 */
#define SGT_TABLE_V6_LOOKUP_MAX V6_DIR_BULK_MAX

struct sgt_table_v6_lookup {
	const struct sgt_table *t;
	const uint8_t *addr[SGT_TABLE_V6_LOOKUP_MAX];
	struct v6_dir_lookup pfx;
};

void sgt_table_v6_lookup_begin(const struct sgt_table *t,
			       const uint8_t *const *addr, uint32_t n,
			       struct sgt_table_v6_lookup *l);
void sgt_table_v6_lookup_end(struct sgt_table_v6_lookup *l, sgt_t *sgt,
			     bool *found);

struct sgt_table_stats {
	uint32_t v4_hosts, v4_prefixes, v6_hosts, v6_prefixes;
	/* IPv4 /24s with hosts or /25-/31 prefixes (v4_dir groups), and the
	 * memory allocated for them. */
	uint32_t v4_groups;
	uint64_t v4_group_bytes;
	/* Slots of the IPv6 prefix table holding a binding or a deleted one
	 * (until the table's next rebuild), and the table's bytes. */
	uint32_t v6_slots;
	uint64_t v6_table_bytes;
};
void sgt_table_stats(const struct sgt_table *t, struct sgt_table_stats *s);

#endif
