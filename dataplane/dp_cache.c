/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reading and writing the dataplane's cache (dp_cache.h). The policy is
 * cached only once one came from the controlplane (generation above 0):
 * the no-cache rule is not a policy to remember.
 */
#include "dp_cache.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "dp_bindings.h"
#include "log.h"
#include "policy_rt.h"
#include "policy_wire.h"

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

/*
 * The write itself runs on a thread of its own at nice 19: listing,
 * encoding, CRC, write and fsync of a large table take hundreds of
 * milliseconds, which the control lcore must not spend (it would stop
 * applying updates meanwhile). The control lcore only copies the bindings
 * (unordered: no sort) and encodes the policy, then hands both over.
 */
struct cache_job {
	struct cache_contents c;
	uint8_t *policy;                /* policy_wire blob, or NULL */
	size_t policy_len;
};

static void *
writer_main(void *arg)
{
	struct dp_cache *cache = arg;

	/* The control lcore's CPU (the thread inherits its affinity): it
	 * must always win. */
	setpriority(PRIO_PROCESS, (id_t)gettid(), 19);
	pthread_mutex_lock(&cache->lock);
	for (;;) {
		struct cache_job *job;
		struct policy model;
		char err[512];
		int rc = 0;

		while (cache->job == NULL && !cache->stop)
			pthread_cond_wait(&cache->cond, &cache->lock);
		if (cache->job == NULL)
			break;
		job = cache->job;
		pthread_mutex_unlock(&cache->lock);
		if (job->policy != NULL) {
			rc = policy_wire_decode(job->policy, job->policy_len, &model,
						err, sizeof(err));
			job->c.policy = rc == 0 ? &model : NULL;
		}
		if (rc == 0)
			rc = cache_file_write(cache->path, &job->c, err, sizeof(err));
		else
			sg_log(LOG_ERR, "cache %s not written: %s", cache->path, err);
		if (job->c.policy != NULL)
			policy_model_free(&model);
		free(job->c.bindings);
		free(job->policy);
		free(job);
		pthread_mutex_lock(&cache->lock);
		cache->job = NULL;
		cache->failed = rc < 0;
		pthread_cond_broadcast(&cache->cond);
	}
	pthread_mutex_unlock(&cache->lock);
	return NULL;
}

/* A job of what is applied now; NULL when out of memory (logged). */
static struct cache_job *
job_now(struct dp_cache *cache, struct dataplane *dp)
{
	const struct policy_rt *rt = dp->policy_rt;
	struct cache_job *job = calloc(1, sizeof(*job));
	char err[256];
	int rc = -ENOMEM;

	if (job == NULL)
		goto oom;
	job->c.bindings_generation = dp->bindings_generation;
	job->c.policy_generation = rt->generation;
	pthread_mutex_lock(&dp->view_lock);
	rc = dp_bindings_list_unordered(dp->bindings, &job->c.bindings,
					&job->c.n_bindings);
	pthread_mutex_unlock(&dp->view_lock);
	if (rc < 0)
		goto oom;
	if (rt->generation > 0 &&
	    policy_wire_encode(rt->model, &job->policy, &job->policy_len, err,
			       sizeof(err)) < 0) {
		sg_log(LOG_ERR, "cache %s not written: %s", cache->path, err);
		free(job->c.bindings);
		free(job);
		return NULL;
	}
	return job;
oom:
	sg_log(LOG_ERR, "cache %s not written: out of memory listing the "
	       "bindings", cache->path);
	free(job);
	return NULL;
}

void
dp_cache_flush(struct dp_cache *cache, struct dataplane *dp, bool force,
	       uint64_t now_ms)
{
	struct cache_job *job;
	bool busy;

	if (!cache->started) {
		pthread_mutex_init(&cache->lock, NULL);
		pthread_cond_init(&cache->cond, NULL);
		if (pthread_create(&cache->writer, NULL, writer_main, cache) != 0) {
			sg_log(LOG_ERR, "cache %s: no writer thread", cache->path);
			return;
		}
		cache->started = true;
	}
	pthread_mutex_lock(&cache->lock);
	busy = cache->job != NULL;
	if (!busy && cache->failed) {
		/* Logged by the writer; what it had is still to be written. */
		cache->failed = false;
		cache->dirty = true;
		cache->write_failures++;
		cache->next_write_ms = now_ms + DP_CACHE_RETRY_MS;
	}
	pthread_mutex_unlock(&cache->lock);
	cache->force_pending = cache->force_pending || force;
	/* One write at a time; a forced one waits for the one under way. */
	if (busy || !cache->dirty ||
	    (!cache->force_pending && now_ms < cache->next_write_ms))
		return;
	job = job_now(cache, dp);
	if (job == NULL) {
		cache->write_failures++;
		cache->next_write_ms = now_ms + DP_CACHE_RETRY_MS;
		return;
	}
	pthread_mutex_lock(&cache->lock);
	cache->job = job;
	pthread_cond_signal(&cache->cond);
	pthread_mutex_unlock(&cache->lock);
	cache->next_write_ms = now_ms + DP_CACHE_INTERVAL_MS;
	cache->dirty = false;
	cache->force_pending = false;
	cache->writes++;
}

void
dp_cache_stop(struct dp_cache *cache, struct dataplane *dp, bool write)
{
	if (!cache->started) {
		if (!write)
			return;
		dp_cache_flush(cache, dp, true, 0);
		if (!cache->started)
			return;         /* no thread: logged */
	}
	pthread_mutex_lock(&cache->lock);
	while (cache->job != NULL)
		pthread_cond_wait(&cache->cond, &cache->lock);
	pthread_mutex_unlock(&cache->lock);
	if (write)
		dp_cache_flush(cache, dp, true, 0);
	pthread_mutex_lock(&cache->lock);
	cache->stop = true;
	pthread_cond_signal(&cache->cond);
	pthread_mutex_unlock(&cache->lock);
	pthread_join(cache->writer, NULL);
	cache->started = false;
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
