/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * How many bindings each IP-to-SGT table takes: the operator's limits:
 * section (docs/configuration.md), or a size the dataplane picks, and the
 * words a log line uses when a table is full.
 */
#ifndef SGTGW_TABLE_LIMITS_H
#define SGTGW_TABLE_LIMITS_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* Not written, a table takes max(floor, twice what it holds at start):
 * managed, the controlplane adds bindings at run time. IPv4 hosts cost
 * no memory until used (v4_dir.h), hence their far higher floor. */
#define TABLE_AUTO_V4_HOSTS (UINT32_C(1) << 20)
#define TABLE_AUTO_V4_PREFIXES 16384u
#define TABLE_AUTO_V6_HOSTS 16384u
#define TABLE_AUTO_V6_PREFIXES 4096u

/*
 * The limits to create the tables with. written: cfg->limits (0: not
 * written); held: the bindings of each kind at start (the file's, or the
 * cache's). A written limit below what is held is raised to it, with a
 * warning: what a previous run accepted must not keep the gateway from
 * starting (standalone the loader has already refused such a file).
 */
void table_limits_choose(const uint32_t written[CONFIG_LIMITS],
			 const uint32_t held[CONFIG_LIMITS],
			 uint32_t out[CONFIG_LIMITS]);

/* Why adding a binding of family/prefix_len failed with rc (a negative
 * errno), for a log line: for -ENOSPC the table, its limit and the key to
 * raise, else strerror. Returns buf. */
const char *table_add_error(const uint32_t limits[CONFIG_LIMITS],
			    uint8_t family, uint8_t prefix_len, int rc,
			    char *buf, size_t len);

#endif
