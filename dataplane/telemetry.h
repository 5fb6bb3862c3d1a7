/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The /sgtgw/... DPDK telemetry commands (docs/telemetry.md): bindings,
 * policy, counters and ports, as sgtgwctl shows them.
 */
#ifndef SGTGW_TELEMETRY_H
#define SGTGW_TELEMETRY_H

#include "dataplane.h"

/*
 * Every table command is paged by size: a page holds rows while an upper
 * bound of its JSON stays within this many bytes, and at least one row.
 * DPDK 22.11 builds a reply in 16 KiB and silently drops the dict entries
 * that do not fit; 12 KiB keeps 4 KiB between our bound and that buffer
 * for what the bound does not model (the reply's own wrapping takes 23).
 */
#define SGTGW_TEL_PAGE_BYTES (12 * 1024)

/* Register every command; -1 (logged) if DPDK refuses one. */
int telemetry_init(struct dataplane *dp);

/* Sums over the workers, shared with the exit summary. */
void telemetry_sum_port(const struct dataplane *dp, uint32_t port,
			struct port_counters *sum);

#endif
