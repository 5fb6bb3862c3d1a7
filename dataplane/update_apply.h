/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Applying the controlplane's update stream (docs/sync.md): the control
 * lcore drains the shared ring in batches and, as the only writer, changes
 * the applied bindings (dp_bindings.h) and swaps in each policy snapshot
 * (policy_rt.h) once it is decoded and compiled.
 *
 * Every message is checked (update_msg_check) and must continue its
 * stream's generations ("Generations, precisely" in docs/sync.md). A
 * message that fails, or a generation out of sequence, makes the dataplane
 * discard everything up to the next RESYNC_BEGIN and ask for one resync;
 * what it had applied stays in force. A policy snapshot that does not
 * decode or compile is refused on its own (ACK REFUSED): the old policy
 * stays, the stream goes on.
 */
#ifndef SGTGW_UPDATE_APPLY_H
#define SGTGW_UPDATE_APPLY_H

#include <stdbool.h>
#include <stdint.h>

#include "ctl_proto.h"
#include "dataplane.h"
#include "shm_channel.h"

#define UPDATE_BATCH 256u

/* What the stream asks the session to say. */
struct update_apply_ops {
	void (*ack_policy)(void *ctx, enum ctl_ack_result result,
			   uint64_t generation);
	void (*resync_request)(void *ctx, enum ctl_resync_reason reason,
			       const char *why);
	void *ctx;
};

struct update_stats {
	uint64_t applied;       /* messages applied */
	uint64_t refused;       /* failed their checks, or could not be applied */
	uint64_t discarded;     /* skipped while waiting for a resync */
	uint64_t resyncs;       /* full resyncs completed */
};

/* What one drain did, for the session and the cache. */
struct update_drain {
	unsigned taken;         /* messages dequeued */
	bool changed;           /* bindings or policy changed */
	bool resync_ended;      /* a full resync completed */
};

struct update_apply;

/* dp: its bindings, policy runtime and generations are what changes.
 * NULL when out of memory. */
struct update_apply *update_apply_create(struct dataplane *dp,
					 const struct update_apply_ops *ops);
void update_apply_free(struct update_apply *ua);

/* A session begins (its first message must be RESYNC_BEGIN) or ends (a
 * resync in progress is abandoned: nothing is swept). */
void update_apply_session_start(struct update_apply *ua);
void update_apply_session_end(struct update_apply *ua);

/* Take up to max messages from ch and apply them, then publish the
 * generations applied in ch's header. 0, or -EBADMSG when the ring itself
 * is corrupt (logged; the session must end). */
int update_apply_drain(struct update_apply *ua, struct shm_channel *ch,
		       unsigned max, struct update_drain *out);

/* Whether a full resync is between its BEGIN and END. */
bool update_apply_in_resync(const struct update_apply *ua);

/* Any thread (relaxed reads of counters only the control lcore writes). */
void update_apply_stats(const struct update_apply *ua, struct update_stats *st);

#endif
