/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Managed mode (a `controlplane:` section, docs/sync.md): the dataplane
 * enforces what sgtgw-controlplane sends instead of the file's own policy
 * and bindings. This ties together the cache (dp_cache.h), the control
 * socket (ctl_server.h) and the update stream (update_apply.h) on the
 * control lcore.
 *
 * Start-up, in this order: managed_create reads the cache; the caller
 * sizes and creates the tables; managed_restore fills them and publishes
 * the cached policy, or the no-cache rule (fail_open / fail_closed), so
 * the workers enforce it from their first packet; managed_listen opens
 * the control socket. Then managed_poll on every turn of the control
 * lcore's loop, and managed_stop before the tables go.
 */
#ifndef SGTGW_MANAGED_H
#define SGTGW_MANAGED_H

#include <stdbool.h>
#include <stdint.h>

#include "cache_file.h"
#include "ctl_proto.h"
#include "dataplane.h"
#include "update_apply.h"

/* Allocate dp->managed and read the cache. -1 (logged) out of memory. */
int managed_create(struct dataplane *dp);
/* What the cache held (empty unless the cache state is LOADED). */
const struct cache_contents *managed_cached(const struct dataplane *dp);
/* dp->table exists: create dp->bindings with the cached bindings, publish
 * the cached policy or the no-cache rule. -1 (logged) on failure. */
int managed_restore(struct dataplane *dp);
/* Listen on the control socket. -1 (logged) on failure. */
int managed_listen(struct dataplane *dp);

/* One turn of the control lcore: wait for the socket up to timeout_ms
 * (less when the ring has work), serve it, drain the ring, acknowledge,
 * write the cache when due. */
void managed_poll(struct dataplane *dp, int timeout_ms);

/* Write what changed to the cache, end the session, close the socket.
 * After the workers stopped. Then managed_free. */
void managed_stop(struct dataplane *dp);
void managed_free(struct dataplane *dp);

/* For telemetry (any thread). */
struct managed_status {
	bool attached;
	uint64_t session_id;
	enum ctl_cache_state cache;
	struct update_stats updates;
};
void managed_status(const struct dataplane *dp, struct managed_status *st);

#endif
