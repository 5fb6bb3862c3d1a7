/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reading and writing the dataplane's cache (dp_cache.h). The policy is
 * cached only once one came from the controlplane (generation above 0):
 * the no-cache rule is not a policy to remember.
 *
 * Who touches what: the control lcore owns log, handed, rebuild and
 * policy_sent; the writer thread owns copy and model; job, queue,
 * consumed, failed, copy_lost and stop are shared under lock.
 */
#include "dp_cache.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "dp_binding_map.h"
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

struct binding_log *
dp_cache_log(struct dp_cache *cache)
{
	return &cache->log;
}

/* ---- the writer thread ---------------------------------------------------- */

/*
 * The write itself runs on a thread of its own at nice 19: replaying the
 * log, listing, encoding, CRC, write and fsync of a large table take
 * hundreds of milliseconds, which the control lcore must not spend (it
 * would stop applying updates meanwhile). A job is what the control lcore
 * hands over for one write: the point of the log it stands for (the file
 * holds exactly the records handed over before it) and what the file
 * carries besides.
 */
struct cache_job {
	uint64_t log_end;               /* the writer's consumed count */
	uint64_t bindings_generation;
	uint64_t policy_generation;     /* 0: no policy in the file */
	uint8_t *policy;                /* policy_wire blob of a policy the
					 * writer does not have yet, or NULL */
	size_t policy_len;
	bool rebuild;                   /* full replaces the writer's copy */
	struct binding *full;
	uint32_t n_full;
};

static void
job_free(struct cache_job *job)
{
	if (job == NULL)
		return;
	free(job->full);
	free(job->policy);
	free(job);
}

/* The copy cannot follow the log any more: drop it, and have the control
 * lcore send a full one with the next write. */
static void
copy_lost(struct dp_cache *cache, const char *doing)
{
	sg_log(LOG_ERR, "cache %s: out of memory %s; the next write takes a "
	       "full copy of the bindings", cache->path, doing);
	binding_map_free(cache->copy);
	cache->copy = NULL;
	pthread_mutex_lock(&cache->lock);
	cache->copy_lost = true;
	pthread_mutex_unlock(&cache->lock);
}

/* One chunk of the log into the copy; skip: a full copy that already
 * holds it is on its way. */
static void
replay(struct dp_cache *cache, struct binding_log_chunk *c, bool skip)
{
	if (!skip && cache->copy != NULL &&
	    binding_map_replay(cache->copy, c) < 0)
		copy_lost(cache, "replaying the bindings' change log");
	free(c);
}

/* The copy from the job's full list. 0, or -1 (logged). */
static int
rebuild_copy(struct dp_cache *cache, const struct cache_job *job)
{
	struct binding_map *copy = binding_map_create();

	binding_map_free(cache->copy);
	cache->copy = NULL;
	for (uint32_t i = 0; copy != NULL && i < job->n_full; i++) {
		if (binding_map_set(copy, &job->full[i]) < 0) {
			binding_map_free(copy);
			copy = NULL;
		}
	}
	if (copy == NULL) {
		copy_lost(cache, "copying the bindings");
		return -1;
	}
	cache->copy = copy;
	return 0;
}

/* The policy the file carries: the job's new one, decoded and kept for
 * the writes to come, or the one kept. 0, or -1 (logged). */
static int
job_policy(struct dp_cache *cache, const struct cache_job *job)
{
	char err[512];

	if (job->policy != NULL) {
		policy_model_free(&cache->model);
		cache->model_generation = 0;
		if (policy_wire_decode(job->policy, job->policy_len,
				       &cache->model, err, sizeof(err)) < 0) {
			sg_log(LOG_ERR, "cache %s not written: %s", cache->path,
			       err);
			return -1;
		}
		cache->model_generation = job->policy_generation;
	}
	if (job->policy_generation != 0 &&
	    job->policy_generation != cache->model_generation) {
		sg_log(LOG_ERR, "cache %s not written: the writer has no policy "
		       "of generation %llu", cache->path,
		       (unsigned long long)job->policy_generation);
		return -1;
	}
	return 0;
}

/* Write the file from the copy, now at the job's point. 0, or -1 (logged;
 * cache_file_write logs its own failures). */
static int
write_job(struct dp_cache *cache, const struct cache_job *job)
{
	struct cache_contents c = {
		.bindings_generation = job->bindings_generation,
		.policy_generation = job->policy_generation,
	};
	char err[512];
	int rc;

	if (job->rebuild && rebuild_copy(cache, job) < 0)
		return -1;
	if (cache->copy == NULL) {
		sg_log(LOG_ERR, "cache %s not written: the writer's copy of the "
		       "bindings was lost", cache->path);
		return -1;
	}
	if (job_policy(cache, job) < 0)
		return -1;
	c.policy = job->policy_generation > 0 ? &cache->model : NULL;
	if (binding_map_list(cache->copy, &c.bindings, &c.n_bindings) < 0) {
		sg_log(LOG_ERR, "cache %s not written: out of memory listing the "
		       "bindings", cache->path);
		return -1;
	}
	rc = cache_file_write(cache->path, &c, err, sizeof(err));
	free(c.bindings);
	return rc;
}

/* Everything handed over before the job has been replayed: its point. */
static bool
job_due(const struct dp_cache *cache)
{
	return cache->job != NULL && cache->consumed == cache->job->log_end;
}

/* Called and returns with the lock held. */
static void
run_job(struct dp_cache *cache)
{
	struct cache_job *job = cache->job;
	int rc;

	pthread_mutex_unlock(&cache->lock);
	rc = write_job(cache, job);
	job_free(job);
	pthread_mutex_lock(&cache->lock);
	cache->job = NULL;
	cache->failed = rc < 0;
	pthread_cond_broadcast(&cache->cond);
}

static void *
writer_main(void *arg)
{
	struct dp_cache *cache = arg;

	/* The control lcore's CPU (the thread inherits its affinity): it
	 * must always win. */
	setpriority(PRIO_PROCESS, (id_t)gettid(), 19);
	/* Empty, as the log starts: the bindings restored at start are in
	 * it. */
	cache->copy = binding_map_create();
	if (cache->copy == NULL)
		copy_lost(cache, "for a copy of the bindings");
	pthread_mutex_lock(&cache->lock);
	for (;;) {
		struct binding_log_chunk *c;
		bool skip;

		if (job_due(cache)) {
			run_job(cache);
			continue;
		}
		/* At exit, what no write needs is not worth replaying. */
		if (cache->stop && cache->job == NULL)
			break;
		c = binding_log_pop(&cache->queue);
		if (c == NULL) {
			pthread_cond_wait(&cache->cond, &cache->lock);
			continue;
		}
		/* Whole chunks only: a job's point is always between two. */
		cache->consumed += c->n;
		skip = cache->job != NULL && cache->job->rebuild;
		pthread_mutex_unlock(&cache->lock);
		replay(cache, c, skip);
		pthread_mutex_lock(&cache->lock);
	}
	pthread_mutex_unlock(&cache->lock);
	return NULL;
}

/* ---- the control lcore's side ----------------------------------------------- */

static bool
writer_start(struct dp_cache *cache)
{
	if (cache->started)
		return true;
	pthread_mutex_init(&cache->lock, NULL);
	pthread_cond_init(&cache->cond, NULL);
	if (pthread_create(&cache->writer, NULL, writer_main, cache) != 0) {
		pthread_cond_destroy(&cache->cond);
		pthread_mutex_destroy(&cache->lock);
		/* Logged once; the log would only pile up meanwhile. */
		if (!cache->log.lost)
			sg_log(LOG_ERR, "cache %s: no writer thread", cache->path);
		binding_log_drop(&cache->log);
		return false;
	}
	cache->started = true;
	return true;
}

/* The log so far (all: its open chunk too) to the writer's queue. The
 * caller holds the lock. */
static void
hand_over(struct dp_cache *cache, bool all)
{
	struct binding_log_list l = { 0 };

	binding_log_take(&cache->log, all, &l);
	cache->handed += l.records;
	binding_log_splice(&cache->queue, &l);
}

static uint64_t
backlog_max(struct dataplane *dp)
{
	uint64_t held = DP_CACHE_BACKLOG_HELD *
			(uint64_t)dp_bindings_count(dp->bindings);

	return held > DP_CACHE_BACKLOG_MIN ? held : DP_CACHE_BACKLOG_MIN;
}

void
dp_cache_feed(struct dp_cache *cache, struct dataplane *dp)
{
	uint64_t backlog, max;

	/* Most turns: no chunk filled, nothing to do, no lock taken. */
	if (cache->log.full.head == NULL || !writer_start(cache))
		return;
	max = backlog_max(dp);
	pthread_mutex_lock(&cache->lock);
	backlog = cache->handed - cache->consumed + cache->log.full.records;
	if (backlog <= max) {
		hand_over(cache, false);
		pthread_cond_signal(&cache->cond);
	}
	pthread_mutex_unlock(&cache->lock);
	if (backlog > max) {
		sg_log(LOG_WARNING, "cache %s: the writer is %llu changes behind; "
		       "the next write takes a full copy of the bindings instead",
		       cache->path, (unsigned long long)backlog);
		binding_log_drop(&cache->log);
	}
}

/* No write under way? Takes in how the last one ended. */
static bool
writer_idle(struct dp_cache *cache, uint64_t now_ms)
{
	bool idle;

	pthread_mutex_lock(&cache->lock);
	idle = cache->job == NULL;
	if (idle && cache->failed) {
		/* Logged by the writer; what it had is still to be written,
		 * the policy sent again in case that was what failed. */
		cache->failed = false;
		cache->dirty = true;
		cache->write_failures++;
		cache->next_write_ms = now_ms + DP_CACHE_RETRY_MS;
		cache->policy_sent = 0;
	}
	if (idle && cache->copy_lost) {
		cache->copy_lost = false;
		cache->rebuild = true;
	}
	pthread_mutex_unlock(&cache->lock);
	return idle;
}

/* The policy, encoded only when the writer does not have it: a policy of
 * 4,096 SGTs takes milliseconds to encode. 0, or -1 (logged). */
static int
job_encode_policy(struct dp_cache *cache, const struct policy_rt *rt,
		  struct cache_job *job)
{
	char err[256];

	job->policy_generation = rt->generation;
	if (rt->generation == 0 || rt->generation == cache->policy_sent)
		return 0;
	if (policy_wire_encode(rt->model, &job->policy, &job->policy_len, err,
			       sizeof(err)) < 0) {
		sg_log(LOG_ERR, "cache %s not written: %s", cache->path, err);
		return -1;
	}
	return 0;
}

/* The whole table, the one time the control lcore copies it: the
 * writer's copy is lost, or its log is. The log restarts from here. */
static int
job_full_copy(struct dp_cache *cache, struct dataplane *dp,
	      struct cache_job *job)
{
	int rc;

	pthread_mutex_lock(&dp->view_lock);
	rc = dp_bindings_list_unordered(dp->bindings, &job->full, &job->n_full);
	pthread_mutex_unlock(&dp->view_lock);
	if (rc < 0) {
		sg_log(LOG_ERR, "cache %s not written: out of memory listing the "
		       "bindings", cache->path);
		return -1;
	}
	job->rebuild = true;
	binding_log_reset(&cache->log);
	return 0;
}

/* A job of what is applied now; NULL when out of memory (logged). */
static struct cache_job *
job_now(struct dp_cache *cache, struct dataplane *dp)
{
	struct cache_job *job = calloc(1, sizeof(*job));

	if (job == NULL) {
		sg_log(LOG_ERR, "cache %s not written: out of memory", cache->path);
		return NULL;
	}
	job->bindings_generation = dp->bindings_generation;
	if (job_encode_policy(cache, dp->policy_rt, job) < 0 ||
	    ((cache->rebuild || cache->log.lost) &&
	     job_full_copy(cache, dp, job) < 0)) {
		job_free(job);
		return NULL;
	}
	return job;
}

/* The rest of the log, then the job at its end. */
static void
submit(struct dp_cache *cache, struct cache_job *job)
{
	if (job->policy != NULL)
		cache->policy_sent = job->policy_generation;
	cache->rebuild = false;
	pthread_mutex_lock(&cache->lock);
	hand_over(cache, true);
	job->log_end = cache->handed;
	cache->job = job;
	pthread_cond_signal(&cache->cond);
	pthread_mutex_unlock(&cache->lock);
}

void
dp_cache_flush(struct dp_cache *cache, struct dataplane *dp, bool force,
	       uint64_t now_ms)
{
	struct cache_job *job;
	bool idle;

	if (!writer_start(cache))
		return;
	idle = writer_idle(cache, now_ms);
	cache->force_pending = cache->force_pending || force;
	/* One write at a time; a forced one waits for the one under way. */
	if (!idle || !cache->dirty ||
	    (!cache->force_pending && now_ms < cache->next_write_ms))
		return;
	job = job_now(cache, dp);
	if (job == NULL) {
		cache->write_failures++;
		cache->next_write_ms = now_ms + DP_CACHE_RETRY_MS;
		return;
	}
	submit(cache, job);
	cache->next_write_ms = now_ms + DP_CACHE_INTERVAL_MS;
	cache->dirty = false;
	cache->force_pending = false;
	cache->writes++;
}

void
dp_cache_wait(struct dp_cache *cache)
{
	if (!cache->started)
		return;
	pthread_mutex_lock(&cache->lock);
	while (cache->job != NULL)
		pthread_cond_wait(&cache->cond, &cache->lock);
	pthread_mutex_unlock(&cache->lock);
}

void
dp_cache_stop(struct dp_cache *cache, struct dataplane *dp, bool write)
{
	dp_cache_wait(cache);
	if (write)
		dp_cache_flush(cache, dp, true, 0);
	if (cache->started) {
		pthread_mutex_lock(&cache->lock);
		cache->stop = true;
		pthread_cond_signal(&cache->cond);
		pthread_mutex_unlock(&cache->lock);
		pthread_join(cache->writer, NULL);
		cache->started = cache->stop = false;
	}
	binding_log_reset(&cache->log);
	binding_log_list_free(&cache->queue);
	cache->consumed = cache->handed;
	binding_map_free(cache->copy);
	cache->copy = NULL;
	policy_model_free(&cache->model);
	cache->model_generation = 0;
	/* A writer started again would start from nothing: it gets a full
	 * copy, and the policy again. */
	cache->rebuild = true;
	cache->policy_sent = 0;
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
