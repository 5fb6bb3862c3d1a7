/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The managed dataplane's cache of what it applied (common/cache_file.h
 * is the file): read once at start, so that a restarted dataplane enforces
 * the last bindings and policy from its first packet; written after every
 * full resync and, while changes keep coming, at most once a second.
 *
 * A writer thread does the writing (the file is written whole, then
 * renamed) from a copy of the bindings of its own, so that the control
 * lcore never copies, sorts or waits for the table: every change
 * dp_bindings applies goes into a change log (dp_binding_log.h), whose
 * filled chunks the control lcore hands over as they fill and, for a
 * write, the rest with the generations the write is to carry. The writer
 * replays the log into its copy (dp_binding_map.h), and for a write
 * replays exactly up to that point, so the file is one consistent state.
 * The policy is encoded on the control lcore only when it changed since
 * the last write. Workers never wait for any of it.
 */
#ifndef SGTGW_DP_CACHE_H
#define SGTGW_DP_CACHE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "cache_file.h"
#include "ctl_proto.h"
#include "dataplane.h"
#include "dp_binding_log.h"

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
	/* The control lcore's side of the writer's copy. */
	struct binding_log log;         /* changes not yet handed over */
	uint64_t handed;                /* records handed over, ever */
	bool rebuild;                   /* the next write sends a full copy */
	uint64_t policy_sent;           /* policy generation the writer has */
	/* The writer thread (dp_cache.c); shared under lock from here. */
	bool started, stop, failed;
	pthread_t writer;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct cache_job *job;          /* to write; NULL: none */
	struct binding_log_list queue;  /* handed over, not yet replayed */
	uint64_t consumed;              /* records taken from queue, ever */
	bool copy_lost;                 /* the writer's copy needs a rebuild */
	/* The writer thread's own. */
	struct binding_map *copy;       /* NULL: lost (out of memory) */
	struct policy model;            /* the policy it writes */
	uint64_t model_generation;      /* 0: none */
};

/* Read the file at start. Fills *c (free with cache_contents_free) and
 * returns the cache state: LOADED, NONE (no file) or REFUSED (a file that
 * failed its checks or could not be read: logged by cache_file_read, and
 * treated as absent). */
enum ctl_cache_state dp_cache_read(struct dp_cache *cache,
				   struct cache_contents *c);

/* The log dp->bindings must record its changes in (dp_bindings_set_log)
 * from its creation on, the bindings restored from the file included, so
 * that the writer's copy starts where the control lcore does. */
struct binding_log *dp_cache_log(struct dp_cache *cache);

/* The applied state changed. */
void dp_cache_changed(struct dp_cache *cache);

/*
 * Hand the filled chunks of the change log over to the writer, which
 * replays them in the background; call it every turn, in a resync too, so
 * the log does not pile up. A writer this far behind (more records queued
 * than max(DP_CACHE_BACKLOG_MIN, DP_CACHE_BACKLOG_HELD times the bindings
 * held), loses its log and gets a full copy with the next write: taken on
 * the control lcore, it stalls the update stream (about 60 ms at a
 * million), so the bound is high. The writer runs at nice 19 on the
 * control lcore's CPU and falls behind in every large resync: a restart
 * from a cache of a million logs the million restored, then the resync's
 * million adds, before it gets the CPU to catch up. 22 bytes a record.
 */
#define DP_CACHE_BACKLOG_MIN (1u << 22)
#define DP_CACHE_BACKLOG_HELD 4u
void dp_cache_feed(struct dp_cache *cache, struct dataplane *dp);

/*
 * Write the applied bindings and policy if they changed since the last
 * write and either force is set or DP_CACHE_INTERVAL_MS have passed: hand
 * the whole log over, and the generations and policy (encoded only when
 * it changed since the last write) with it. Never in the middle of a
 * resync: the caller waits for its end. A failed write is logged (by
 * cache_file_write) and retried after DP_CACHE_RETRY_MS, or at the next
 * forced write; so is one that ran out of memory, and then the writer
 * gets a full copy of the bindings (taken here, the one time this copies
 * the table). now_ms: a monotonic clock.
 */
void dp_cache_flush(struct dp_cache *cache, struct dataplane *dp, bool force,
		    uint64_t now_ms);

/* Wait for the write handed over last, if any, to end (tests). */
void dp_cache_wait(struct dp_cache *cache);

/* At exit: wait for a write under way, then (write) write what is
 * applied if it changed, end the writer thread and free what it held. */
void dp_cache_stop(struct dp_cache *cache, struct dataplane *dp, bool write);

/* "none", "loaded", "refused". */
const char *dp_cache_state_name(enum ctl_cache_state s);

#endif
