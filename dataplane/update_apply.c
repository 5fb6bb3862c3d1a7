/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The update stream, message by message (update_apply.h): generation
 * rules, discarding until a resync, bindings into the tables, snapshots
 * into a new policy runtime.
 */
#include "update_apply.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_lcore.h>

#include "dp_bindings.h"
#include "log.h"
#include "policy_rt.h"
#include "policy_wire.h"
#include "table_limits.h"

struct update_apply {
	struct dataplane *dp;
	struct update_apply_ops ops;
	uint64_t bindings_gen;  /* the last bindings message applied */
	uint64_t policy_seq;    /* the last snapshot in sequence (even refused) */
	bool expect_begin;      /* a session starts with RESYNC_BEGIN */
	bool discarding;        /* until the next RESYNC_BEGIN */
	bool in_resync;
	bool resync_policy;     /* the resync's snapshot has come */
	unsigned add_failures;  /* in this drain: logged once, counted */
	struct update_stats st;
	struct update_drain *out;
};

static void
count(uint64_t *c)
{
	__atomic_store_n(c, *c + 1, __ATOMIC_RELAXED);
}

struct update_apply *
update_apply_create(struct dataplane *dp, const struct update_apply_ops *ops)
{
	struct update_apply *ua = calloc(1, sizeof(*ua));

	if (ua == NULL)
		return NULL;
	ua->dp = dp;
	ua->ops = *ops;
	ua->bindings_gen = dp->bindings_generation;
	ua->policy_seq = dp->policy_generation;
	ua->expect_begin = true;
	return ua;
}

void
update_apply_free(struct update_apply *ua)
{
	free(ua);
}

void
update_apply_session_start(struct update_apply *ua)
{
	ua->expect_begin = true;
	ua->discarding = false;
	ua->in_resync = false;
}

void
update_apply_session_end(struct update_apply *ua)
{
	if (ua->in_resync)
		sg_log(LOG_WARNING, "the session ended inside a full resync "
		       "(bindings generation %llu): nothing swept, the bindings "
		       "stay as they are until the next resync",
		       (unsigned long long)ua->bindings_gen);
	ua->in_resync = false;
}

bool
update_apply_in_resync(const struct update_apply *ua)
{
	return ua->in_resync;
}

void
update_apply_stats(const struct update_apply *ua, struct update_stats *st)
{
	st->applied = __atomic_load_n(&ua->st.applied, __ATOMIC_RELAXED);
	st->refused = __atomic_load_n(&ua->st.refused, __ATOMIC_RELAXED);
	st->discarded = __atomic_load_n(&ua->st.discarded, __ATOMIC_RELAXED);
	st->resyncs = __atomic_load_n(&ua->st.resyncs, __ATOMIC_RELAXED);
}

/* ---- breaking off -------------------------------------------------------- */

/* The stream cannot go on: log why, discard until RESYNC_BEGIN, ask for
 * one resync. */
__attribute__((format(printf, 3, 4))) static void
break_off(struct update_apply *ua, enum ctl_resync_reason reason,
	  const char *fmt, ...)
{
	char why[CTL_TEXT_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	sg_log(LOG_ERR, "update stream: %s; discarding updates until a full "
	       "resync, asking the controlplane for one (bindings generation "
	       "%llu, policy generation %llu stay in force)", why,
	       (unsigned long long)ua->bindings_gen,
	       (unsigned long long)ua->dp->policy_generation);
	count(&ua->st.refused);
	ua->discarding = true;
	ua->in_resync = false;
	ua->ops.resync_request(ua->ops.ctx, reason, why);
}

/* A discarded snapshot still holds its slot: take it, or it stays
 * WRITTEN for the rest of the session. */
static void
discard(struct update_apply *ua, struct shm_channel *ch,
	const struct update_msg *m)
{
	uint8_t *copy;
	size_t len;
	char err[128];

	if (m->type == UPDATE_POLICY_SNAPSHOT &&
	    shm_channel_slot_read(ch, m, &copy, &len, err, sizeof(err)) == 0)
		free(copy);
	count(&ua->st.discarded);
}

static bool
in_sequence(struct update_apply *ua, const struct update_msg *m)
{
	const char *what = update_type_name(m->type);

	if (ua->expect_begin) {
		break_off(ua, CTL_RESYNC_GAP, "%s (generation %llu) before the "
			  "session's first RESYNC_BEGIN", what,
			  (unsigned long long)m->generation);
		return false;
	}
	if (m->generation != ua->bindings_gen + 1) {
		break_off(ua, CTL_RESYNC_GAP, "%s has bindings generation %llu, "
			  "the next is %llu", what,
			  (unsigned long long)m->generation,
			  (unsigned long long)ua->bindings_gen + 1);
		return false;
	}
	return true;
}

/* ---- bindings ---------------------------------------------------------------- */

static void
bindings_applied(struct update_apply *ua, uint64_t generation)
{
	ua->bindings_gen = generation;
	__atomic_store_n(&ua->dp->bindings_generation, generation,
			 __ATOMIC_RELAXED);
	count(&ua->st.applied);
	ua->out->changed = true;
}

static void
apply_binding(struct update_apply *ua, const struct update_msg *m)
{
	struct dataplane *dp = ua->dp;
	struct binding b;
	char prefix[64], why[128];
	int rc;

	update_msg_to_binding(m, &b);
	pthread_mutex_lock(&dp->view_lock);
	rc = m->type == UPDATE_BINDING_ADD ? dp_bindings_add(dp->bindings, &b) :
					     dp_bindings_del(dp->bindings, &b);
	pthread_mutex_unlock(&dp->view_lock);
	bindings_applied(ua, m->generation);
	if (rc == 0 || (rc == -ENOENT && m->type == UPDATE_BINDING_DEL))
		return;
	/* In sequence but not applied: the tables are full. A resync would
	 * not make room, so the stream goes on; the first is logged, with
	 * the limit the operator may raise. */
	count(&ua->st.refused);
	if (ua->add_failures++ == 0)
		sg_log(LOG_ERR, "binding %s -> SGT %u (generation %llu) cannot "
		       "be applied: %s", binding_prefix_str(b.family,
		       b.prefix_len, b.addr, prefix, sizeof(prefix)), b.sgt,
		       (unsigned long long)m->generation,
		       table_add_error(dp->table_limits, b.family, b.prefix_len,
				       rc, why, sizeof(why)));
}

static void
resync_begin(struct update_apply *ua, const struct update_msg *m)
{
	struct dataplane *dp = ua->dp;

	pthread_mutex_lock(&dp->view_lock);
	dp_bindings_mark(dp->bindings);
	pthread_mutex_unlock(&dp->view_lock);
	ua->expect_begin = ua->discarding = false;
	ua->in_resync = true;
	ua->resync_policy = false;
	bindings_applied(ua, m->generation);
}

static void
resync_end(struct update_apply *ua, const struct update_msg *m)
{
	struct dataplane *dp = ua->dp;
	size_t swept, left;

	if (!ua->in_resync) {
		break_off(ua, CTL_RESYNC_GAP, "RESYNC_END (generation %llu) "
			  "without a RESYNC_BEGIN",
			  (unsigned long long)m->generation);
		return;
	}
	pthread_mutex_lock(&dp->view_lock);
	swept = dp_bindings_sweep(dp->bindings);
	left = dp_bindings_count(dp->bindings);
	pthread_mutex_unlock(&dp->view_lock);
	ua->in_resync = false;
	bindings_applied(ua, m->generation);
	count(&ua->st.resyncs);
	ua->out->resync_ended = true;
	sg_log(LOG_NOTICE, "full resync done: %zu bindings (generation %llu), "
	       "%zu stale removed, policy generation %llu%s", left,
	       (unsigned long long)m->generation, swept,
	       (unsigned long long)dp->policy_generation,
	       ua->resync_policy ? "" : " (the resync brought no policy)");
}

/* ---- policy ----------------------------------------------------------------- */

static bool
policy_in_sequence(struct update_apply *ua, const struct update_msg *m)
{
	if (ua->expect_begin) {
		break_off(ua, CTL_RESYNC_GAP, "policy snapshot (generation %llu) "
			  "before the session's first RESYNC_BEGIN",
			  (unsigned long long)m->generation);
		return false;
	}
	/* The resync's one snapshot may carry any generation. */
	if (ua->in_resync && !ua->resync_policy)
		return true;
	if (m->generation != ua->policy_seq + 1) {
		break_off(ua, CTL_RESYNC_GAP, "policy snapshot has generation "
			  "%llu, the next is %llu",
			  (unsigned long long)m->generation,
			  (unsigned long long)ua->policy_seq + 1);
		return false;
	}
	return true;
}

static int *
worker_sockets(const struct dataplane *dp, int *sockets)
{
	for (uint32_t w = 0; w < dp->n_workers; w++)
		sockets[w] = (int)rte_lcore_to_socket_id(dp->workers[w].lcore_id);
	return sockets;
}

/* Decode and compile off the fast path; NULL with why in err. */
static struct policy_rt *
build_runtime(struct dataplane *dp, const uint8_t *blob, size_t len,
	      uint64_t generation, char *err, size_t errlen)
{
	int sockets[SGTGW_MAX_WORKERS];
	struct policy model;

	if (policy_wire_decode(blob, len, &model, err, errlen) < 0)
		return NULL;
	return policy_rt_create(&model, true, generation, dp->n_workers,
				worker_sockets(dp, sockets), err, errlen);
}

static void
apply_policy(struct update_apply *ua, struct shm_channel *ch,
	     const struct update_msg *m)
{
	struct dataplane *dp = ua->dp;
	struct policy_rt *rt;
	char err[512];
	uint8_t *blob;
	size_t len;

	if (!policy_in_sequence(ua, m)) {
		discard(ua, ch, m);
		return;
	}
	/* A slot that is not what the message says means the region is
	 * not to be trusted: the stream stops here. */
	if (shm_channel_slot_read(ch, m, &blob, &len, err, sizeof(err)) < 0) {
		break_off(ua, CTL_RESYNC_REFUSED, "policy snapshot generation "
			  "%llu: %s", (unsigned long long)m->generation, err);
		return;
	}
	ua->policy_seq = m->generation;
	ua->resync_policy = ua->resync_policy || ua->in_resync;
	rt = build_runtime(dp, blob, len, m->generation, err, sizeof(err));
	free(blob);
	if (rt == NULL) {
		count(&ua->st.refused);
		sg_log(LOG_ERR, "policy snapshot generation %llu refused: %s; "
		       "policy generation %llu stays in force",
		       (unsigned long long)m->generation, err,
		       (unsigned long long)dp->policy_generation);
		ua->ops.ack_policy(ua->ops.ctx, CTL_ACK_REFUSED, m->generation);
		return;
	}
	policy_rt_swap(dp, rt);
	count(&ua->st.applied);
	ua->out->changed = true;
	sg_log(LOG_INFO, "policy generation %llu in force: %u SGTs, %u SGACLs, "
	       "%u cells", (unsigned long long)m->generation, rt->model->n_names,
	       rt->model->n_sgacls, rt->compiled->n_cells);
	ua->ops.ack_policy(ua->ops.ctx, CTL_ACK_APPLIED, m->generation);
}

/* ---- the stream ----------------------------------------------------------------- */

static void
apply_one(struct update_apply *ua, struct shm_channel *ch,
	  const struct update_msg *m)
{
	char err[256];

	if (update_msg_check(m, err, sizeof(err)) < 0) {
		if (!ua->discarding)
			break_off(ua, CTL_RESYNC_REFUSED, "%s", err);
		discard(ua, ch, m);
		return;
	}
	if (ua->discarding && m->type != UPDATE_RESYNC_BEGIN) {
		discard(ua, ch, m);
		return;
	}
	switch (m->type) {
	case UPDATE_RESYNC_BEGIN:
		resync_begin(ua, m);
		break;
	case UPDATE_RESYNC_END:
		if (in_sequence(ua, m))
			resync_end(ua, m);
		break;
	case UPDATE_POLICY_SNAPSHOT:
		apply_policy(ua, ch, m);
		break;
	default:
		if (in_sequence(ua, m))
			apply_binding(ua, m);
		break;
	}
}

int
update_apply_drain(struct update_apply *ua, struct shm_channel *ch,
		   unsigned max, struct update_drain *out)
{
	struct update_msg msgs[UPDATE_BATCH];
	int rc = 0;

	memset(out, 0, sizeof(*out));
	ua->out = out;
	ua->add_failures = 0;
	while (out->taken < max) {
		unsigned want = RTE_MIN(max - out->taken, UPDATE_BATCH);

		rc = shm_channel_dequeue(ch, msgs, want, NULL);
		if (rc <= 0)
			break;
		for (int i = 0; i < rc; i++)
			apply_one(ua, ch, &msgs[i]);
		out->taken += (unsigned)rc;
		rc = 0;
	}
	if (ua->add_failures > 1)
		sg_log(LOG_ERR, "%u more bindings could not be applied",
		       ua->add_failures - 1);
	if (rc < 0)
		sg_log(LOG_ERR, "update ring: its metadata no longer matches the "
		       "region's header (%s)", strerror(-rc));
	shm_channel_set_applied(ch, ua->bindings_gen, ua->dp->policy_generation);
	return rc < 0 ? -EBADMSG : 0;
}
