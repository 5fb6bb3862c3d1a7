/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The controlplane's backlog: update messages that are due for the
 * dataplane but do not fit in the shared ring yet (docs/sync.md,
 * "Back-pressure"). First in, first out; it grows as needed and never
 * drops anything.
 *
 * A policy snapshot cannot be turned into its ring message until it has a
 * snapshot slot (the message names the slot and the blob's CRC), and the
 * slots are few. So the queue holds a snapshot as a placeholder message
 * (type POLICY_SNAPSHOT, its generation, slot and CRC unset) with the blob
 * beside it, and the sender puts the blob in a slot only when the
 * placeholder reaches the head.
 */
#ifndef SGTGW_UPDATE_QUEUE_H
#define SGTGW_UPDATE_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "update_msg.h"

struct queued_blob;

struct update_queue {
	struct update_msg *msgs;   /* circular; cap is a power of two */
	size_t cap;
	size_t head;               /* index of the oldest message */
	size_t len;
	struct queued_blob *blobs; /* the snapshots' blobs, oldest first */
	struct queued_blob *blobs_tail;
};

void update_queue_init(struct update_queue *q);
/* Drop everything queued (and the blobs). The queue stays usable. */
void update_queue_clear(struct update_queue *q);
/* Free the storage too. */
void update_queue_fini(struct update_queue *q);

/* Append a message ready for the ring. 0 or -ENOMEM (nothing appended). */
int update_queue_push(struct update_queue *q, const struct update_msg *m);
/* Append a policy snapshot of generation gen; the queue takes blob (a
 * malloc'd buffer of len bytes) in every case, freeing it on -ENOMEM. */
int update_queue_push_snapshot(struct update_queue *q, uint64_t gen,
			       uint8_t *blob, size_t len);

static inline size_t
update_queue_len(const struct update_queue *q)
{
	return q->len;
}

/*
 * The messages at the head that can go into the ring as they are: at most
 * max of them, stopping before a snapshot and at the end of the circular
 * array (so they are contiguous). *msgs points at the first. 0 when the
 * queue is empty or its head is a snapshot.
 */
size_t update_queue_ready(const struct update_queue *q, size_t max,
			  const struct update_msg **msgs);

/* The head when it is a snapshot: its generation and blob (still the
 * queue's). Returns 0, or -ENOENT when the head is not a snapshot. */
int update_queue_head_snapshot(const struct update_queue *q, uint64_t *gen,
			       const uint8_t **blob, size_t *len);

/* Remove n messages from the head (n at most the length), freeing the
 * blobs of the snapshots among them. */
void update_queue_pop(struct update_queue *q, size_t n);

#endif
