/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The managed dataplane's cache of what it applied (common/cache_file.h
 * is the file): read once at start, so that a restarted dataplane enforces
 * the last bindings and policy from its first packet; written after every
 * full resync and, while changes keep coming, at most once a second.
 * Writing happens on the control lcore (the file is written whole, then
 * renamed); workers never wait for it.
 */
#ifndef SGTGW_DP_CACHE_H
#define SGTGW_DP_CACHE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "cache_file.h"
#include "ctl_proto.h"
#include "dataplane.h"

#define DP_CACHE_INTERVAL_MS 1000u
/* After a failed write (logged each time), the next try is this far off:
 * a full disk should not fill the log too. */
#define DP_CACHE_RETRY_MS 60000u

struct dp_cache {
	const char *path;
	enum ctl_cache_state state;     /* what the start found */
	bool dirty;                     /* applied state newer than the file */
	uint64_t next_write_ms;         /* not before (unless forced) */
	uint64_t writes;
	uint64_t write_failures;
	bool force_pending;             /* a forced write waits for the last */
	/* The writer thread (dp_cache.c). */
	bool started, stop, failed;
	pthread_t writer;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct cache_job *job;          /* under way; NULL: idle */
};

/* Read the file at start. Fills *c (free with cache_contents_free) and
 * returns the cache state: LOADED, NONE (no file) or REFUSED (a file that
 * failed its checks or could not be read: logged by cache_file_read, and
 * treated as absent). */
enum ctl_cache_state dp_cache_read(struct dp_cache *cache,
				   struct cache_contents *c);

/* The applied state changed. */
void dp_cache_changed(struct dp_cache *cache);

/*
 * Write the applied bindings and policy if they changed since the last
 * write and either force is set or DP_CACHE_INTERVAL_MS have passed.
 * A failed write is logged (by cache_file_write) and retried after
 * DP_CACHE_RETRY_MS, or at the next forced write. now_ms: a monotonic
 * clock.
 */
void dp_cache_flush(struct dp_cache *cache, struct dataplane *dp, bool force,
		    uint64_t now_ms);

/* At exit: wait for a write under way, then (write) write what is
 * applied if it changed, and end the writer thread. */
void dp_cache_stop(struct dp_cache *cache, struct dataplane *dp, bool write);

/* "none", "loaded", "refused". */
const char *dp_cache_state_name(enum ctl_cache_state s);

#endif
