/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reading and writing the dataplane's cache (dp_cache.h). The policy is
 * cached only once one came from the controlplane (generation above 0):
 * the no-cache rule is not a policy to remember.
 */
#include "dp_cache.h"

#include <errno.h>
#include <stdlib.h>

#include "dp_bindings.h"
#include "log.h"
#include "policy_rt.h"

enum ctl_cache_state
dp_cache_read(struct dp_cache *cache, struct cache_contents *c)
{
	char err[512];
	int rc = cache_file_read(cache->path, c, err, sizeof(err));

	if (rc == 0)
		cache->state = CTL_CACHE_LOADED;
	else if (rc == -ENOENT)
		cache->state = CTL_CACHE_NONE;
	else
		cache->state = CTL_CACHE_REFUSED;
	return cache->state;
}

void
dp_cache_changed(struct dp_cache *cache)
{
	cache->dirty = true;
}

static int
write_now(struct dp_cache *cache, struct dataplane *dp)
{
	const struct policy_rt *rt = dp->policy_rt;
	struct cache_contents c = {
		.bindings_generation = dp->bindings_generation,
		.policy_generation = rt->generation,
		/* cache_file_write only reads it. */
		.policy = rt->generation > 0 ? (struct policy *)rt->model : NULL,
	};
	char err[512];
	int rc;

	/* Listing walks the shadow's cached order, which a telemetry
	 * thread may be walking too. */
	pthread_mutex_lock(&dp->view_lock);
	rc = dp_bindings_list(dp->bindings, &c.bindings, &c.n_bindings);
	pthread_mutex_unlock(&dp->view_lock);
	if (rc < 0) {
		sg_log(LOG_ERR, "cache %s not written: out of memory listing the "
		       "bindings", cache->path);
		return rc;
	}
	rc = cache_file_write(cache->path, &c, err, sizeof(err));
	free(c.bindings);
	return rc;
}

void
dp_cache_flush(struct dp_cache *cache, struct dataplane *dp, bool force,
	       uint64_t now_ms)
{
	if (!cache->dirty || (!force && now_ms < cache->next_write_ms))
		return;
	if (write_now(cache, dp) < 0) {
		cache->write_failures++;
		cache->next_write_ms = now_ms + DP_CACHE_RETRY_MS;
		return;
	}
	cache->next_write_ms = now_ms + DP_CACHE_INTERVAL_MS;
	cache->dirty = false;
	cache->writes++;
}

const char *
dp_cache_state_name(enum ctl_cache_state s)
{
	switch (s) {
	case CTL_CACHE_LOADED:
		return "loaded";
	case CTL_CACHE_REFUSED:
		return "refused";
	default:
		return "none";
	}
}
