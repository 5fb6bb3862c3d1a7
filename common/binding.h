/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An IP-to-SGT binding as the two processes exchange it: an IPv4 or IPv6
 * host or prefix, the SGT it is bound to, and the source that taught it.
 * The same rules decide whether a binding is well formed wherever one
 * arrives (update ring, cache file), so they live here once.
 */
#ifndef SGTGW_BINDING_H
#define SGTGW_BINDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sgt.h"

/*
 * Where a binding came from. The controlplane keeps every source's view
 * and pushes, for each prefix, the binding of the highest-priority source.
 *
 * Priority follows IOS ("show cts role-based sgt-map"), whose order from
 * lowest to highest is VLAN, CLI, L3IF, SXP, IP_ARP, LOCAL, INTERNAL. Of
 * those sgtgw has, lowest to highest:
 *   CLI       static bindings from the YAML configuration
 *   SXP       learned from an SXP peer
 *   LOCAL     sessions ISE authorized over RADIUS (IOS files 802.1X/MAB
 *             sessions under LOCAL)
 *   INTERNAL  the gateway's own addresses
 * The values are wire identifiers, not ranks: binding_source_rank() is
 * the one place that orders them.
 */
enum binding_source {
	BINDING_SRC_NONE = 0,      /* never valid in a binding */
	BINDING_SRC_CLI = 1,
	BINDING_SRC_SXP = 2,
	BINDING_SRC_LOCAL = 3,
	BINDING_SRC_INTERNAL = 4,
};
#define BINDING_SRC_MAX BINDING_SRC_INTERNAL

struct binding {
	uint8_t family;         /* AF_INET or AF_INET6 */
	uint8_t prefix_len;     /* 32 / 128 for a host */
	uint8_t source;         /* enum binding_source */
	sgt_t sgt;
	uint8_t addr[16];       /* network byte order; IPv4 in the first 4,
				 * the other 12 zero */
};

/* Is src a known source (not NONE)? */
bool binding_source_valid(unsigned src);
/* Rank for priority: higher wins; 0 for an unknown source. */
int binding_source_rank(unsigned src);
/* "cli", "sxp", "local", "internal"; NULL for an unknown source. */
const char *binding_source_name(unsigned src);

/*
 * Is (family, prefix_len, addr) a well-formed prefix? IPv4 or IPv6, length
 * within the family's range, no bit set past the length (10.1.1.5/24 is a
 * typo, not a network), IPv4 bytes past the fourth zero. 0, or -1 with a
 * message in err.
 */
int binding_prefix_check(uint8_t family, uint8_t prefix_len,
			 const uint8_t addr[16], char *err, size_t errlen);

/* The prefix checks, the SGT (at most SGT_MAX) and the source. */
int binding_check(const struct binding *b, char *err, size_t errlen);

/* "10.1.0.0/16" or "2001:db8::/48" into buf (at least 48 bytes). */
const char *binding_prefix_str(uint8_t family, uint8_t prefix_len,
			       const uint8_t addr[16], char *buf, size_t len);

#endif
