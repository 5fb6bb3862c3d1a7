/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The /sgtgw/... DPDK telemetry commands (docs/telemetry.md): bindings,
 * policy, counters and ports, as sgtgwctl shows them.
 */
#ifndef SGTGW_TELEMETRY_H
#define SGTGW_TELEMETRY_H

#include "dataplane.h"

#define SGTGW_TEL_PAGE 50

/* Register every command; -1 (logged) if DPDK refuses one. */
int telemetry_init(struct dataplane *dp);

/* Sums over the workers, shared with the exit summary. */
void telemetry_sum_port(const struct dataplane *dp, uint32_t port,
			struct port_counters *sum);
void telemetry_sum_cell(const struct dataplane *dp, uint32_t idx,
			struct cell_counters *sum);

#endif
