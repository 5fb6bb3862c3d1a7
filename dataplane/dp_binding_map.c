/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The cache writer's copy of the bindings (dp_binding_map.h). A slot is
 * the binding itself; family 0 marks a free one.
 */
#include "dp_binding_map.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "hash_seed.h"

#define SLOTS_MIN 1024u

struct binding_map {
	struct binding *slots;
	uint64_t mask;          /* slot count - 1 (a power of two) */
	uint32_t n;
	uint64_t seed;
};

/* Seeded: the prefixes come from SXP peers in the end, so where they land
 * must not be predictable. */
static uint64_t
key_hash(const struct binding_map *m, const struct binding *b)
{
	uint64_t lo, hi;

	memcpy(&lo, b->addr, sizeof(lo));
	memcpy(&hi, b->addr + 8, sizeof(hi));
	return hash_fmix64(hash_fmix64(lo ^ m->seed) ^ hi ^
		      ((uint64_t)b->family << 8 | b->prefix_len));
}

static bool
same_key(const struct binding *a, const struct binding *b)
{
	return a->family == b->family && a->prefix_len == b->prefix_len &&
	       memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

/* b's slot, or the free slot where it would go. */
static uint64_t
find(const struct binding_map *m, const struct binding *b, bool *found)
{
	uint64_t i = key_hash(m, b) & m->mask;

	for (;; i = (i + 1) & m->mask) {
		if (m->slots[i].family == 0) {
			*found = false;
			return i;
		}
		if (same_key(&m->slots[i], b)) {
			*found = true;
			return i;
		}
	}
}

static int
resize(struct binding_map *m, uint64_t n_slots)
{
	struct binding *old = m->slots;
	uint64_t old_n = old != NULL ? m->mask + 1 : 0;
	bool found;

	m->slots = calloc(n_slots, sizeof(*m->slots));
	if (m->slots == NULL) {
		m->slots = old;
		return -ENOMEM;
	}
	m->mask = n_slots - 1;
	for (uint64_t i = 0; i < old_n; i++)
		if (old[i].family != 0)
			m->slots[find(m, &old[i], &found)] = old[i];
	free(old);
	return 0;
}

struct binding_map *
binding_map_create(void)
{
	struct binding_map *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	m->seed = hash_random_seed();
	if (resize(m, SLOTS_MIN) < 0) {
		free(m);
		return NULL;
	}
	return m;
}

void
binding_map_free(struct binding_map *m)
{
	if (m == NULL)
		return;
	free(m->slots);
	free(m);
}

int
binding_map_set(struct binding_map *m, const struct binding *b)
{
	bool found;
	uint64_t i = find(m, b, &found);

	if (!found && (uint64_t)(m->n + 1) * 4 > (m->mask + 1) * 3) {
		if (resize(m, (m->mask + 1) * 2) < 0)
			return -ENOMEM;
		i = find(m, b, &found);
	}
	m->slots[i] = *b;
	m->n += !found;
	return 0;
}

/* May the binding in slot j, whose home is h, move back to the hole at i?
 * Only if h is not cyclically within (i, j]. */
static bool
may_fill(uint64_t i, uint64_t j, uint64_t h)
{
	return i <= j ? (h <= i || h > j) : (h <= i && h > j);
}

void
binding_map_del(struct binding_map *m, const struct binding *b)
{
	bool found;
	uint64_t i = find(m, b, &found), j = i;

	if (!found)
		return;
	/* Backward shift: pull later bindings of the run into the hole. */
	for (;;) {
		j = (j + 1) & m->mask;
		if (m->slots[j].family == 0)
			break;
		if (may_fill(i, j, key_hash(m, &m->slots[j]) & m->mask)) {
			m->slots[i] = m->slots[j];
			i = j;
		}
	}
	m->slots[i].family = 0;
	m->n--;
}

int
binding_map_replay(struct binding_map *m, const struct binding_log_chunk *c)
{
	for (uint32_t i = 0; i < c->n; i++) {
		if (binding_log_is_del(&c->rec[i]))
			binding_map_del(m, &c->rec[i]);
		else if (binding_map_set(m, &c->rec[i]) < 0)
			return -ENOMEM;
	}
	return 0;
}

uint32_t
binding_map_count(const struct binding_map *m)
{
	return m->n;
}

int
binding_map_list(const struct binding_map *m, struct binding **out,
		 uint32_t *n)
{
	uint32_t k = 0;

	*out = NULL;
	*n = 0;
	if (m->n == 0)
		return 0;
	*out = malloc((size_t)m->n * sizeof(**out));
	if (*out == NULL)
		return -ENOMEM;
	for (uint64_t i = 0; i <= m->mask; i++)
		if (m->slots[i].family != 0)
			(*out)[k++] = m->slots[i];
	*n = k;
	return 0;
}
