/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The change log of the applied bindings (dp_binding_log.h).
 */
#include "dp_binding_log.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"

_Static_assert(sizeof(struct binding) <= 24, "a log record grew");

static void
list_push(struct binding_log_list *list, struct binding_log_chunk *c)
{
	c->next = NULL;
	if (list->tail != NULL)
		list->tail->next = c;
	else
		list->head = c;
	list->tail = c;
	list->records += c->n;
}

/* The chunk the next record goes into; NULL when out of memory. */
static struct binding_log_chunk *
open_chunk(struct binding_log *l)
{
	if (l->open == NULL) {
		/* Not zeroed: only rec[0..n) is ever read. */
		l->open = malloc(sizeof(*l->open));
		if (l->open == NULL)
			return NULL;
		l->open->next = NULL;
		l->open->n = 0;
	}
	return l->open;
}

static void
record(struct binding_log *l, const struct binding *b)
{
	struct binding_log_chunk *c;

	if (l->lost)
		return;
	c = open_chunk(l);
	if (c == NULL) {
		sg_log(LOG_ERR, "out of memory for the bindings' change log: "
		       "the cache writer will take a full copy");
		binding_log_drop(l);
		return;
	}
	c->rec[c->n++] = *b;
	if (c->n == BINDING_LOG_CHUNK) {
		list_push(&l->full, c);
		l->open = NULL;
	}
}

void
binding_log_set(struct binding_log *l, const struct binding *b)
{
	record(l, b);
}

void
binding_log_del(struct binding_log *l, const struct binding *b)
{
	struct binding r = *b;

	r.source = BINDING_SRC_NONE;
	r.sgt = 0;
	record(l, &r);
}

uint64_t
binding_log_pending(const struct binding_log *l)
{
	return l->full.records + (l->open != NULL ? l->open->n : 0);
}

void
binding_log_take(struct binding_log *l, bool all, struct binding_log_list *out)
{
	binding_log_splice(out, &l->full);
	if (all && l->open != NULL && l->open->n > 0) {
		list_push(out, l->open);
		l->open = NULL;
	}
}

void
binding_log_drop(struct binding_log *l)
{
	binding_log_reset(l);
	l->lost = true;
}

void
binding_log_reset(struct binding_log *l)
{
	binding_log_list_free(&l->full);
	free(l->open);
	l->open = NULL;
	l->lost = false;
}

struct binding_log_chunk *
binding_log_pop(struct binding_log_list *list)
{
	struct binding_log_chunk *c = list->head;

	if (c == NULL)
		return NULL;
	list->head = c->next;
	if (list->head == NULL)
		list->tail = NULL;
	list->records -= c->n;
	c->next = NULL;
	return c;
}

void
binding_log_splice(struct binding_log_list *dst, struct binding_log_list *src)
{
	if (src->head == NULL)
		return;
	if (dst->tail != NULL)
		dst->tail->next = src->head;
	else
		dst->head = src->head;
	dst->tail = src->tail;
	dst->records += src->records;
	memset(src, 0, sizeof(*src));
}

void
binding_log_list_free(struct binding_log_list *list)
{
	struct binding_log_chunk *c;

	while ((c = binding_log_pop(list)) != NULL)
		free(c);
}
