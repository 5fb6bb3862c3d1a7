/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The backlog as a circular array of ring messages, doubled when full, and
 * a list of snapshot blobs in the same order as their placeholders. A
 * resync of a large table is one long run of plain messages, which the
 * sender hands to the ring straight from the array.
 */
#include "update_queue.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define QUEUE_MIN_CAP 256u

struct queued_blob {
	struct queued_blob *next;
	uint64_t generation;
	size_t len;
	uint8_t *data;
};

void
update_queue_init(struct update_queue *q)
{
	memset(q, 0, sizeof(*q));
}

static void
free_blobs(struct update_queue *q)
{
	while (q->blobs != NULL) {
		struct queued_blob *b = q->blobs;

		q->blobs = b->next;
		free(b->data);
		free(b);
	}
	q->blobs_tail = NULL;
}

void
update_queue_clear(struct update_queue *q)
{
	free_blobs(q);
	q->head = 0;
	q->len = 0;
}

void
update_queue_fini(struct update_queue *q)
{
	update_queue_clear(q);
	free(q->msgs);
	update_queue_init(q);
}

/* Room for one more: a new array twice the size, the old contents moved to
 * its start in order. */
static int
reserve_one(struct update_queue *q)
{
	size_t cap = q->cap ? q->cap * 2 : QUEUE_MIN_CAP;
	struct update_msg *m;

	if (q->len < q->cap)
		return 0;
	if (cap > SIZE_MAX / sizeof(*m))
		return -ENOMEM;
	m = malloc(cap * sizeof(*m));
	if (m == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < q->len; i++)
		m[i] = q->msgs[(q->head + i) & (q->cap - 1)];
	free(q->msgs);
	q->msgs = m;
	q->cap = cap;
	q->head = 0;
	return 0;
}

int
update_queue_push(struct update_queue *q, const struct update_msg *m)
{
	if (reserve_one(q) < 0)
		return -ENOMEM;
	q->msgs[(q->head + q->len) & (q->cap - 1)] = *m;
	q->len++;
	return 0;
}

int
update_queue_push_snapshot(struct update_queue *q, uint64_t gen, uint8_t *blob,
			   size_t len)
{
	struct queued_blob *b = calloc(1, sizeof(*b));
	struct update_msg ph;

	if (b == NULL || reserve_one(q) < 0) {
		free(b);
		free(blob);
		return -ENOMEM;
	}
	b->generation = gen;
	b->len = len;
	b->data = blob;
	if (q->blobs_tail != NULL)
		q->blobs_tail->next = b;
	else
		q->blobs = b;
	q->blobs_tail = b;
	/* Slot and CRC are filled when the blob gets its slot. */
	update_msg_snapshot(&ph, 0, 0, 0, gen);
	return update_queue_push(q, &ph);
}

size_t
update_queue_ready(const struct update_queue *q, size_t max,
		   const struct update_msg **msgs)
{
	size_t n = q->len < max ? q->len : max;
	size_t to_end = q->cap - q->head;
	size_t i;

	*msgs = q->len ? &q->msgs[q->head] : NULL;
	if (n > to_end)
		n = to_end;
	for (i = 0; i < n; i++) {
		if (q->msgs[q->head + i].type == UPDATE_POLICY_SNAPSHOT)
			break;
	}
	return i;
}

int
update_queue_head_snapshot(const struct update_queue *q, uint64_t *gen,
			   const uint8_t **blob, size_t *len)
{
	if (q->len == 0 || q->msgs[q->head].type != UPDATE_POLICY_SNAPSHOT)
		return -ENOENT;
	*gen = q->blobs->generation;
	*blob = q->blobs->data;
	*len = q->blobs->len;
	return 0;
}

void
update_queue_pop(struct update_queue *q, size_t n)
{
	for (size_t i = 0; i < n && q->len > 0; i++) {
		if (q->msgs[q->head].type == UPDATE_POLICY_SNAPSHOT) {
			struct queued_blob *b = q->blobs;

			q->blobs = b->next;
			if (q->blobs == NULL)
				q->blobs_tail = NULL;
			free(b->data);
			free(b);
		}
		q->head = (q->head + 1) & (q->cap - 1);
		q->len--;
	}
}
