/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the dataplane is told, and when: the controlplane side of
 * docs/sync.md's update stream.
 *
 * sync turns the binding database's change reports (binding_db.h's
 * on_change, with sync_binding_changed as the callback) and policy changes
 * (sync_set_policy) into update messages with generations, and pushes them
 * into the shared ring of the session in progress (sync_attach). Every
 * session starts with a full resync; a RESYNC_REQUEST gets another
 * (sync_resync). What does not fit in the ring waits in a backlog, in
 * order, until sync_flush finds room: nothing is ever dropped or merged.
 *
 * Between sessions nothing is queued: the next session's resync carries
 * the whole state anyway.
 *
 * sync knows nothing of sockets or clocks, so a test drives it against a
 * channel it created itself (shm_channel_create, then shm_channel_attach of
 * its descriptor) and plays the dataplane with shm_channel_dequeue.
 * One thread owns a sync and its database.
 */
#ifndef SGTGW_SYNC_H
#define SGTGW_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "binding_db.h"
#include "policy.h"
#include "shm_channel.h"

struct sync_stats {
	uint64_t bindings_generation; /* last one given to a message */
	uint64_t policy_generation;
	uint64_t bindings_sent;       /* last one that went into the ring */
	uint64_t policy_sent;
	uint64_t messages_sent;       /* into the ring, this process's life */
	size_t backlog;               /* messages waiting for the ring */
	uint64_t ring_waits;          /* times the ring was full with more to go */
	uint64_t slot_waits;          /* times a snapshot waited for a free slot */
	uint64_t resyncs;             /* full resyncs queued */
	uint64_t adds;                /* binding changes seen: a new prefix, */
	uint64_t replaces;            /* a prefix's SGT or source changed, */
	uint64_t deletes;             /* a prefix went away */
	uint64_t policies;            /* policy changes seen (new encodings) */
	bool attached;
};

struct sync;

/* NULL when out of memory. */
struct sync *sync_create(void);
/* Frees the backlog; the channel and the database are the caller's. */
void sync_destroy(struct sync *s);

/* The database whose winners a resync sends. Its on_change must be
 * sync_binding_changed with this sync as ctx. */
void sync_set_db(struct sync *s, struct binding_db *db);

/* binding_db_params.on_change. While attached, each report becomes a
 * BINDING_ADD (a prefix gained or changed its winner) or a BINDING_DEL
 * with the next bindings generation. */
void sync_binding_changed(void *ctx, const struct binding_key *k,
			  sgt_t old_sgt, bool had_old, sgt_t new_sgt,
			  bool has_new, enum binding_source src);

/*
 * The policy in force. It is encoded (policy_wire.h) and compared with the
 * last encoding: only different bytes make a change, which while attached
 * queues a POLICY_SNAPSHOT with the next policy generation. *changed (may
 * be NULL) says whether it was one. 0, or -1 with a message (a policy that
 * cannot be encoded, out of memory); on error the previous policy stays.
 */
int sync_set_policy(struct sync *s, const struct policy *p, bool *changed,
		    char *err, size_t errlen);

/*
 * A session begins on ch (the caller's; it stays valid until sync_detach).
 * bindings_gen and policy_gen are what WELCOME says the dataplane has
 * applied: the resync's generations start above them. Queues the full
 * resync and flushes what fits. 0, or a negative errno as sync_resync.
 */
int sync_attach(struct sync *s, struct shm_channel *ch, uint64_t bindings_gen,
		uint64_t policy_gen);
/* The session ended: the backlog is dropped, the channel forgotten. */
void sync_detach(struct sync *s);

/*
 * Throw the backlog away and queue a full resync: RESYNC_BEGIN, a
 * BINDING_ADD per winner (binding_db_foreach order), the POLICY_SNAPSHOT,
 * RESYNC_END (docs/sync.md, "Generations, precisely"). Then flush.
 * 0, -ENOTCONN when not attached, -ENOMEM (the session cannot go on: the
 * caller ends it), -EBADMSG from sync_flush.
 */
int sync_resync(struct sync *s);

/*
 * Move as much of the backlog into the ring as the ring's free space and
 * the snapshot slots allow. 0 (the backlog may remain: call again when the
 * dataplane has had time to drain), -ENOTCONN when not attached, -EBADMSG
 * when the ring is no longer intact (end the session), -ENOMEM when a
 * change could not be queued earlier (end the session: the next one
 * resyncs).
 */
int sync_flush(struct sync *s);

/* Messages waiting for the ring. */
size_t sync_backlog(const struct sync *s);

void sync_get_stats(const struct sync *s, struct sync_stats *st);

#endif
