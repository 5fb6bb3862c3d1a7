/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Records for ACEs that carry "log". Workers may not call syslog, so each
 * worker rate-limits with a token bucket and hands fixed-size records to its
 * own single-producer ring; the control lcore drains the rings and writes one
 * syslog line per record naming the cell, the ACE and the flow.
 */
#ifndef SGTGW_ACL_LOG_H
#define SGTGW_ACL_LOG_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ring.h>

#include "policy.h"
#include "sgt.h"

struct acl_log_record {
	uint32_t cell;
	uint32_t ace;           /* compiled ACE index, UINT32_MAX: final action */
	uint8_t action;         /* enum sgacl_action */
	bool monitor;
	bool ipv6;
	uint8_t proto;
	uint16_t sport, dport;
	uint16_t in_port;
	sgt_t sgt, dgt;
	uint8_t src[16], dst[16];
	/* The low bits of the generation of the policy that decided: cell
	 * and ace index into that policy, and a record may be drained after
	 * a newer one took over. */
	uint16_t policy_tag;
};

_Static_assert(sizeof(struct acl_log_record) % 4 == 0,
	       "rte_ring elements are a multiple of 4 bytes");

static inline uint16_t
acl_log_policy_tag(const struct policy_compiled *pc)
{
	return (uint16_t)pc->generation;
}

struct acl_log_limiter {
	uint64_t tokens;        /* in units of 1/rate seconds' worth of TSC */
	uint64_t last_tsc;
	uint64_t tsc_per_record;
	uint64_t burst_tsc;
};

void acl_log_limiter_init(struct acl_log_limiter *l, uint32_t per_second);

/* Token bucket: may this worker emit one more record now? */
static inline bool
acl_log_allow(struct acl_log_limiter *l, uint64_t now)
{
	if (l->tsc_per_record == 0)
		return false;
	l->tokens += now - l->last_tsc;
	l->last_tsc = now;
	if (l->tokens > l->burst_tsc)
		l->tokens = l->burst_tsc;
	if (l->tokens < l->tsc_per_record)
		return false;
	l->tokens -= l->tsc_per_record;
	return true;
}

/* Control lcore: write the records waiting in ring; returns how many. A
 * record names its SGACL and ACE from cur, or from prev (may be NULL: the
 * policy cur replaced, while records of both may be queued), whichever
 * has its policy tag; from neither, it names none. */
unsigned int acl_log_drain(struct rte_ring *ring,
			   const struct policy_compiled *cur,
			   const struct policy_compiled *prev,
			   const char *const *port_names);

#endif
