/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Counters: each worker owns its own, written without atomic
 * read-modify-write; readers (telemetry) sum them over the workers. A
 * counter is one aligned 64-bit word stored with a relaxed atomic store, so a
 * reader never sees a torn value and the writer pays for a plain store.
 */
#ifndef SGTGW_COUNTERS_H
#define SGTGW_COUNTERS_H

#include <stdint.h>

#include <rte_common.h>

#include "drop_reason.h"
#include "policy.h"

#define SGTGW_MAX_PORTS 32

struct port_counters {
	uint64_t rx_packets;
	uint64_t rx_bytes;
	uint64_t tx_packets;
	uint64_t tx_bytes;
	uint64_t drops[DROP_REASON_MAX];
} __rte_cache_aligned;

struct cell_count {
	uint64_t packets;
	uint64_t bytes;
};

/* One per compiled cell and address family (index cell * 2 + is_ipv6),
 * by verdict (enum policy_verdict). A packet adds to one 16-byte pair,
 * which never straddles a cache line: one line to prefetch. */
struct cell_counters {
	struct cell_count by[POLICY_VERDICTS];
};

struct worker_counters {
	struct port_counters port[SGTGW_MAX_PORTS];
	uint64_t log_suppressed;   /* log records over the rate limit */
	uint64_t log_ring_full;    /* log records the control lcore missed */
	/* Cell counters belong to the policy they count for (policy_rt.h). */
};

static inline void
counter_add(uint64_t *c, uint64_t v)
{
	__atomic_store_n(c, *c + v, __ATOMIC_RELAXED);
}

static inline uint64_t
counter_read(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

#endif
