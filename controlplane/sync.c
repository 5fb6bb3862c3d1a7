/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Update messages for the dataplane: generations, the full resync, and the
 * backlog that absorbs a full ring.
 *
 * Every message is queued first and flushed from the queue, even when the
 * ring has room: one path, so order cannot differ between a quiet session
 * and a busy one.
 */
#include "sync.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "err_msg.h"
#include "log.h"
#include "policy_wire.h"
#include "update_queue.h"

struct sync {
	struct binding_db *db;
	struct shm_channel *ch;         /* NULL between sessions */
	uint32_t ring_capacity;
	uint32_t slot_size;

	struct update_queue backlog;
	bool broken;                    /* a change could not be queued */
	bool ring_waiting;              /* the last flush stopped at a full ring */
	bool slot_waiting;              /* ... at a snapshot without a slot */

	uint8_t *policy;                /* the last encoding (ours) */
	size_t policy_len;

	struct sync_stats st;
};

struct sync *
sync_create(void)
{
	struct sync *s = calloc(1, sizeof(*s));

	if (s != NULL)
		update_queue_init(&s->backlog);
	return s;
}

void
sync_destroy(struct sync *s)
{
	if (s == NULL)
		return;
	update_queue_fini(&s->backlog);
	free(s->policy);
	free(s);
}

void
sync_set_db(struct sync *s, struct binding_db *db)
{
	s->db = db;
}

size_t
sync_backlog(const struct sync *s)
{
	return update_queue_len(&s->backlog);
}

void
sync_get_stats(const struct sync *s, struct sync_stats *st)
{
	*st = s->st;
	st->backlog = update_queue_len(&s->backlog);
	st->attached = s->ch != NULL;
}

/*
 * Queueing.
 */

static int
queue_binding(struct sync *s, enum update_type type, const struct binding_key *k,
	      sgt_t sgt, enum binding_source src)
{
	struct update_msg m;
	struct binding b;

	binding_of_key(&b, k, sgt, src);
	update_msg_binding(&m, type, &b, s->st.bindings_generation + 1);
	if (update_queue_push(&s->backlog, &m) < 0)
		return -ENOMEM;
	s->st.bindings_generation++;
	return 0;
}

static int
queue_resync_mark(struct sync *s, enum update_type type, uint64_t gen)
{
	struct update_msg m;

	update_msg_resync(&m, type, gen);
	if (update_queue_push(&s->backlog, &m) < 0)
		return -ENOMEM;
	s->st.bindings_generation = gen;
	return 0;
}

/* A blob larger than a slot can never be sent: say so, and send nothing
 * (the dataplane keeps the policy it has; nothing skips a generation). */
static bool
policy_fits(const struct sync *s)
{
	if (s->policy_len <= s->slot_size)
		return true;
	sg_log(LOG_ERR, "policy of %zu bytes does not fit a %u-byte snapshot "
	       "slot: not sent, the dataplane keeps its current policy",
	       s->policy_len, s->slot_size);
	return false;
}

static int
queue_policy(struct sync *s, uint64_t gen)
{
	uint8_t *copy;

	if (s->policy == NULL || !policy_fits(s))
		return 0;
	copy = malloc(s->policy_len);
	if (copy == NULL)
		return -ENOMEM;
	memcpy(copy, s->policy, s->policy_len);
	if (update_queue_push_snapshot(&s->backlog, gen, copy, s->policy_len) < 0)
		return -ENOMEM;
	s->st.policy_generation = gen;
	return 0;
}

void
sync_binding_changed(void *ctx, const struct binding_key *k, sgt_t old_sgt,
		     bool had_old, sgt_t new_sgt, bool has_new,
		     enum binding_source src)
{
	struct sync *s = ctx;
	int rc;

	if (!has_new)
		s->st.deletes++;
	else if (had_old)
		s->st.replaces++;
	else
		s->st.adds++;
	if (s->ch == NULL || s->broken)
		return;
	if (has_new)
		rc = queue_binding(s, UPDATE_BINDING_ADD, k, new_sgt, src);
	else
		rc = queue_binding(s, UPDATE_BINDING_DEL, k, old_sgt, src);
	if (rc < 0) {
		/* Skipping the change would leave the dataplane wrong for good;
		 * a resync (at the next flush) puts it right. */
		sg_log(LOG_ERR, "out of memory queueing a binding change: the "
		       "next flush resyncs the dataplane");
		s->broken = true;
	}
}

int
sync_set_policy(struct sync *s, const struct policy *p, bool *changed,
		char *err, size_t errlen)
{
	uint8_t *blob = NULL;
	size_t len = 0;

	if (changed != NULL)
		*changed = false;
	if (policy_wire_encode(p, &blob, &len, err, errlen) < 0)
		return -1;
	if (s->policy != NULL && len == s->policy_len &&
	    memcmp(blob, s->policy, len) == 0) {
		free(blob);
		return 0;
	}
	free(s->policy);
	s->policy = blob;
	s->policy_len = len;
	s->st.policies++;
	if (changed != NULL)
		*changed = true;
	if (s->ch == NULL || s->broken) {
		sg_log(LOG_NOTICE, "policy changed: %u SGACLs, %u cells, %zu bytes; "
		       "%s, it goes with the next resync", p->n_sgacls, p->n_cells,
		       len, s->ch == NULL ? "no dataplane session" :
		       "a resync is due");
		return 0;
	}
	if (queue_policy(s, s->st.policy_generation + 1) < 0) {
		sg_log(LOG_ERR, "out of memory queueing a policy snapshot: the "
		       "next flush resyncs the dataplane");
		s->broken = true;
		return 0;
	}
	sg_log(LOG_NOTICE, "policy changed: %u SGACLs, %u cells, %zu bytes; "
	       "snapshot generation %llu", p->n_sgacls, p->n_cells, len,
	       (unsigned long long)s->st.policy_generation);
	return 0;
}

/*
 * The full resync.
 */

static int
resync_visit(void *ctx, const struct binding_key *k, sgt_t sgt,
	     enum binding_source src)
{
	return queue_binding(ctx, UPDATE_BINDING_ADD, k, sgt, src);
}

static uint64_t
max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* Queue BEGIN, the winners, the snapshot and END, generations starting
 * above both what we sent and what the dataplane applied. */
static int
queue_resync(struct sync *s, uint64_t dp_bindings, uint64_t dp_policy)
{
	uint64_t begin = max_u64(s->st.bindings_generation, dp_bindings) + 1;
	uint64_t policy = max_u64(s->st.policy_generation, dp_policy) + 1;
	int rc;

	update_queue_clear(&s->backlog);
	s->broken = false;
	rc = queue_resync_mark(s, UPDATE_RESYNC_BEGIN, begin);
	if (rc == 0 && s->db != NULL)
		rc = binding_db_foreach(s->db, NULL, resync_visit, s);
	if (rc == 0)
		rc = queue_policy(s, policy);
	if (rc == 0)
		rc = queue_resync_mark(s, UPDATE_RESYNC_END,
				       s->st.bindings_generation + 1);
	if (rc < 0) {
		update_queue_clear(&s->backlog);
		s->broken = true;
		return -ENOMEM;
	}
	s->st.resyncs++;
	sg_log(LOG_NOTICE, "full resync queued: %zu messages, bindings "
	       "generations %llu..%llu, %s %llu", update_queue_len(&s->backlog),
	       (unsigned long long)begin,
	       (unsigned long long)s->st.bindings_generation,
	       s->st.policy_generation == policy ? "policy generation" :
	       "no policy snapshot; policy generation still",
	       (unsigned long long)s->st.policy_generation);
	return 0;
}

int
sync_attach(struct sync *s, struct shm_channel *ch, uint64_t bindings_gen,
	    uint64_t policy_gen)
{
	struct shm_channel_info info;
	int rc;

	shm_channel_info(ch, &info);
	s->ch = ch;
	s->ring_capacity = info.ring_capacity;
	s->slot_size = info.slot_size;
	s->ring_waiting = s->slot_waiting = false;
	rc = queue_resync(s, bindings_gen, policy_gen);
	return rc < 0 ? rc : sync_flush(s);
}

void
sync_detach(struct sync *s)
{
	update_queue_clear(&s->backlog);
	s->ch = NULL;
	s->broken = false;
}

int
sync_resync(struct sync *s)
{
	int rc;

	if (s->ch == NULL)
		return -ENOTCONN;
	rc = queue_resync(s, 0, 0);
	return rc < 0 ? rc : sync_flush(s);
}

/*
 * Flushing.
 */

static void
note_sent(struct sync *s, const struct update_msg *m, size_t n)
{
	const struct update_msg *last = &m[n - 1];

	s->st.messages_sent += n;
	if (last->type == UPDATE_POLICY_SNAPSHOT)
		s->st.policy_sent = last->generation;
	else
		s->st.bindings_sent = last->generation;
	/* A run may end with a snapshot only when it is one message long,
	 * so the bindings generation is right whenever last is a binding. */
}

/* Count a wait once per stall, not once per poll. */
static void
note_wait(bool *waiting, uint64_t *count)
{
	if (!*waiting)
		(*count)++;
	*waiting = true;
}

/* The snapshot at the head into a slot and the ring (which has room). 0,
 * 1 when no slot is free yet, or a negative errno. */
static int
send_head_snapshot(struct sync *s)
{
	struct update_msg m;
	const uint8_t *blob;
	uint64_t gen;
	size_t len;
	int rc;

	update_queue_head_snapshot(&s->backlog, &gen, &blob, &len);
	rc = shm_channel_slot_put(s->ch, blob, len, gen, &m);
	if (rc == -EBUSY) {
		note_wait(&s->slot_waiting, &s->st.slot_waits);
		return 1;
	}
	if (rc < 0)
		return rc;
	s->slot_waiting = false;
	rc = shm_channel_enqueue(s->ch, &m, 1, NULL);
	if (rc != 1) {
		/* Room was checked and we are the only producer, so this is a
		 * ring whose metadata changed under us. */
		shm_channel_slot_cancel(s->ch, m.snapshot.slot);
		return rc < 0 ? rc : -EBADMSG;
	}
	update_queue_pop(&s->backlog, 1);
	note_sent(s, &m, 1);
	return 0;
}

/* One step: a run of plain messages, or one snapshot. 1 when the flush
 * must stop (ring full, no slot), 0 to go on, or a negative errno. */
static int
flush_step(struct sync *s)
{
	unsigned pending = shm_channel_pending(s->ch);
	size_t room = pending < s->ring_capacity ? s->ring_capacity - pending : 0;
	const struct update_msg *msgs;
	size_t n;
	int rc;

	if (room == 0) {
		note_wait(&s->ring_waiting, &s->st.ring_waits);
		return 1;
	}
	s->ring_waiting = false;
	n = update_queue_ready(&s->backlog, room, &msgs);
	if (n == 0)
		return send_head_snapshot(s);
	rc = shm_channel_enqueue(s->ch, msgs, (unsigned)n, NULL);
	if (rc < 0)
		return rc;
	if (rc > 0) {
		note_sent(s, msgs, (size_t)rc);
		update_queue_pop(&s->backlog, (size_t)rc);
	}
	return 0;
}

int
sync_flush(struct sync *s)
{
	int rc = 0;

	if (s->ch == NULL)
		return -ENOTCONN;
	if (s->broken && queue_resync(s, 0, 0) < 0)
		return -ENOMEM;
	while (rc == 0 && update_queue_len(&s->backlog) > 0)
		rc = flush_step(s);
	return rc < 0 ? rc : 0;
}
