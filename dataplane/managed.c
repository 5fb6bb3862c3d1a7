/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Managed mode on the control lcore (managed.h): the session's callbacks
 * and the turn of the loop that drains the ring.
 */
#include "managed.h"

#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <rte_lcore.h>
#include <rte_rcu_qsbr.h>

#include "ctl_server.h"
#include "dp_bindings.h"
#include "dp_cache.h"
#include "log.h"
#include "policy_rt.h"

/* Messages applied per turn before the socket is served again. */
#define DRAIN_PER_TURN (16 * UPDATE_BATCH)
/* ACK(BINDINGS) at most this often (docs/sync.md). */
#define ACK_INTERVAL_MS 10u

struct dp_managed {
	struct dataplane *dp;
	struct dp_cache cache;
	struct cache_contents cached;   /* until managed_restore */
	struct ctl_server *server;
	struct update_apply *stream;
	uint64_t acked_bindings;        /* last ACK(BINDINGS) sent */
	uint64_t last_ack_ms;
	uint64_t grace_gen;             /* to acknowledge after the grace */
	uint64_t grace_token;           /* period this RCU token ends (grace_gen
					 * 0: none under way) */
	bool more;                      /* the ring had more than a turn */
	/* For telemetry. */
	bool attached;
	uint64_t session_id;
};

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- the session's callbacks -------------------------------------------- */

static void
on_welcome(void *ctx, uint64_t *bindings_gen, uint64_t *policy_gen,
	   enum ctl_cache_state *cache)
{
	struct dp_managed *m = ctx;

	*bindings_gen = m->dp->bindings_generation;
	*policy_gen = m->dp->policy_generation;
	*cache = m->cache.state;
}

static void
on_session_start(void *ctx, struct shm_channel *ch)
{
	struct dp_managed *m = ctx;
	uint64_t id = ctl_server_session_id(m->server);

	update_apply_session_start(m->stream);
	shm_channel_set_applied(ch, m->dp->bindings_generation,
				m->dp->policy_generation);
	m->acked_bindings = m->dp->bindings_generation;
	m->grace_gen = 0;
	__atomic_store_n(&m->session_id, id, __ATOMIC_RELAXED);
	__atomic_store_n(&m->attached, true, __ATOMIC_RELAXED);
}

static void
on_session_end(void *ctx)
{
	struct dp_managed *m = ctx;

	update_apply_session_end(m->stream);
	__atomic_store_n(&m->attached, false, __ATOMIC_RELAXED);
	__atomic_store_n(&m->session_id, 0, __ATOMIC_RELAXED);
}

static void
on_ack_policy(void *ctx, enum ctl_ack_result result, uint64_t generation)
{
	struct dp_managed *m = ctx;

	ctl_server_ack(m->server, CTL_ACK_POLICY, result, generation);
}

static void
on_resync_request(void *ctx, enum ctl_resync_reason reason, const char *why)
{
	struct dp_managed *m = ctx;

	ctl_server_resync_request(m->server, reason, why);
}

/* ---- start-up ------------------------------------------------------------- */

/* The cache's directory, so the first write does not fail for it. */
static void
cache_dir(const char *path)
{
	char *copy = strdup(path);

	if (copy == NULL)
		return;
	if (mkdir(dirname(copy), 0750) < 0 && errno != EEXIST)
		sg_log(LOG_WARNING, "cache %s: cannot create its directory: %s",
		       path, strerror(errno));
	free(copy);
}

int
managed_create(struct dataplane *dp)
{
	struct dp_managed *m = calloc(1, sizeof(*m));

	if (m == NULL) {
		sg_log(LOG_ERR, "managed mode: out of memory");
		return -1;
	}
	m->dp = dp;
	m->cache.path = dp->cfg->controlplane.cache;
	dp->managed = m;
	if (dp->cfg->n_bindings > 0 || dp->cfg->policy.n_cells > 0 ||
	    dp->cfg->policy.n_names > 0 || dp->cfg->policy.n_sgacls > 0)
		sg_log(LOG_NOTICE, "managed mode: the configuration's sgts, sgacls, "
		       "policy and bindings are not used here: the controlplane "
		       "sends them");
	cache_dir(m->cache.path);
	dp_cache_read(&m->cache, &m->cached);
	return 0;
}

const struct cache_contents *
managed_cached(const struct dataplane *dp)
{
	return &dp->managed->cached;
}

static int
restore_bindings(struct dataplane *dp, const struct cache_contents *c)
{
	dp->bindings = dp_bindings_create(dp->table);
	if (dp->bindings == NULL) {
		sg_log(LOG_ERR, "managed mode: out of memory for the bindings");
		return -1;
	}
	/* From the first: the cache writer's copy starts from the log. */
	dp_bindings_set_log(dp->bindings, dp_cache_log(&dp->managed->cache));
	for (uint32_t i = 0; i < c->n_bindings; i++) {
		char prefix[64];
		int rc = dp_bindings_add(dp->bindings, &c->bindings[i]);

		if (rc != 0) {
			const struct binding *b = &c->bindings[i];

			sg_log(LOG_ERR, "cached binding %s -> SGT %u cannot be "
			       "applied: %s", binding_prefix_str(b->family,
			       b->prefix_len, b->addr, prefix, sizeof(prefix)),
			       b->sgt, strerror(-rc));
			return -1;
		}
	}
	dp->bindings_generation = c->bindings_generation;
	return 0;
}

static int
restore_policy(struct dataplane *dp, struct cache_contents *c)
{
	bool fail_open = dp->cfg->controlplane.no_cache == CONFIG_NO_CACHE_FAIL_OPEN;
	int sockets[SGTGW_MAX_WORKERS];
	struct policy model;
	uint64_t gen = 0;
	char err[512];

	if (c->policy != NULL) {
		model = *c->policy;     /* moved: the runtime owns it now */
		memset(c->policy, 0, sizeof(*c->policy));
		gen = c->policy_generation;
	} else {
		policy_rt_fail_model(&model, fail_open);
		sg_log(LOG_WARNING, "no cached policy: %s every IP packet until "
		       "the controlplane's first full resync (no_cache: %s)",
		       fail_open ? "permitting" : "denying",
		       fail_open ? "fail_open" : "fail_closed");
	}
	for (uint32_t w = 0; w < dp->n_workers; w++)
		sockets[w] = (int)rte_lcore_to_socket_id(dp->workers[w].lcore_id);
	dp->policy_rt = policy_rt_create(&model, true, gen, dp->n_workers,
					 sockets, err, sizeof(err));
	if (dp->policy_rt == NULL) {
		sg_log(LOG_ERR, "%s policy: %s", gen ? "cached" : "no-cache", err);
		return -1;
	}
	dp->policy_generation = gen;
	return 0;
}

int
managed_restore(struct dataplane *dp)
{
	struct dp_managed *m = dp->managed;
	const struct update_apply_ops ops = {
		.ack_policy = on_ack_policy,
		.resync_request = on_resync_request,
		.ctx = m,
	};
	int rc = restore_bindings(dp, &m->cached);

	if (rc == 0)
		rc = restore_policy(dp, &m->cached);
	cache_contents_free(&m->cached);
	if (rc < 0)
		return -1;
	m->stream = update_apply_create(dp, &ops);
	if (m->stream == NULL) {
		sg_log(LOG_ERR, "managed mode: out of memory");
		return -1;
	}
	return 0;
}

int
managed_listen(struct dataplane *dp)
{
	struct dp_managed *m = dp->managed;
	const struct ctl_server_ops ops = {
		.welcome = on_welcome,
		.session_start = on_session_start,
		.session_end = on_session_end,
		.ctx = m,
	};
	const char *path = dp->cfg->controlplane.socket;
	char err[512];

	m->server = ctl_server_open(path, dp->cfg->controlplane.hold_time * 1000u,
				    &ops, err, sizeof(err));
	if (m->server == NULL) {
		sg_log(LOG_ERR, "control socket: %s", err);
		return -1;
	}
	sg_log(LOG_NOTICE, "managed mode: waiting for the controlplane on %s "
	       "(cache %s)", path, dp_cache_state_name(m->cache.state));
	return 0;
}

/* ---- the control lcore's turn ----------------------------------------------- */

/* Apply what the ring holds; a corrupt ring ends the session. */
static void
drain(struct dp_managed *m, struct update_drain *d)
{
	struct shm_channel *ch = ctl_server_channel(m->server);

	memset(d, 0, sizeof(*d));
	if (ch == NULL)
		return;
	if (update_apply_drain(m->stream, ch, DRAIN_PER_TURN, d) < 0)
		ctl_server_abort(m->server, CTL_ERR_MALFORMED, "the update ring's "
				 "metadata is corrupt");
	if (d->changed)
		dp_cache_changed(&m->cache);
}

/*
 * ACK(BINDINGS, g) once every worker has reported a quiescent state since
 * g was applied: from then on no packet is judged by the tables as they
 * were before, which is what "applied" promises the controlplane. The
 * grace period is watched, never waited for.
 */
static void
ack_bindings(struct dp_managed *m, uint64_t now_ms)
{
	uint64_t gen = m->dp->bindings_generation;

	if (m->grace_gen == 0 && gen != m->acked_bindings) {
		m->grace_token = rte_rcu_qsbr_start(m->dp->rcu);
		m->grace_gen = gen;
	}
	if (m->grace_gen == 0 || now_ms - m->last_ack_ms < ACK_INTERVAL_MS ||
	    rte_rcu_qsbr_check(m->dp->rcu, m->grace_token, false) != 1)
		return;
	ctl_server_ack(m->server, CTL_ACK_BINDINGS, CTL_ACK_APPLIED, m->grace_gen);
	m->acked_bindings = m->grace_gen;
	m->grace_gen = 0;
	m->last_ack_ms = now_ms;
}

void
managed_poll(struct dataplane *dp, int timeout_ms)
{
	struct dp_managed *m = dp->managed;
	struct update_drain d;
	uint64_t now_ms;

	/* While a session is attached the ring is polled every millisecond;
	 * with a backlog, not waited for at all. */
	if (ctl_server_attached(m->server))
		timeout_ms = m->more ? 0 : 1;
	ctl_server_poll(m->server, timeout_ms);
	drain(m, &d);
	m->more = d.taken == DRAIN_PER_TURN;
	now_ms = mono_ms();
	/* The writer follows the changes as they come, resyncs included... */
	dp_cache_feed(&m->cache, dp);
	/* ...but a cache written in the middle of a resync would keep
	 * bindings the resync is about to sweep: wait for its end, then
	 * write at once. */
	if (!update_apply_in_resync(m->stream))
		dp_cache_flush(&m->cache, dp, d.resync_ended, now_ms);
	ack_bindings(m, now_ms);
}

void
managed_stop(struct dataplane *dp)
{
	struct dp_managed *m = dp->managed;

	if (m == NULL)
		return;
	dp_cache_stop(&m->cache, dp, m->stream != NULL &&
		      !update_apply_in_resync(m->stream));
	ctl_server_close(m->server);
	m->server = NULL;
}

void
managed_free(struct dataplane *dp)
{
	struct dp_managed *m = dp->managed;

	if (m == NULL)
		return;
	update_apply_free(m->stream);
	cache_contents_free(&m->cached);
	dp_bindings_free(dp->bindings);
	dp->bindings = NULL;
	free(m);
	dp->managed = NULL;
}

void
managed_status(const struct dataplane *dp, struct managed_status *st)
{
	const struct dp_managed *m = dp->managed;

	memset(st, 0, sizeof(*st));
	st->attached = __atomic_load_n(&m->attached, __ATOMIC_RELAXED);
	st->session_id = __atomic_load_n(&m->session_id, __ATOMIC_RELAXED);
	st->cache = m->cache.state;
	if (m->stream != NULL)
		update_apply_stats(m->stream, &st->updates);
}
