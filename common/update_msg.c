/* SPDX-License-Identifier: BSD-3-Clause */
#include "update_msg.h"

#include <string.h>

#include "err_msg.h"

static const char *const type_names[] = {
	[UPDATE_BINDING_ADD] = "binding-add",
	[UPDATE_BINDING_DEL] = "binding-del",
	[UPDATE_POLICY_SNAPSHOT] = "policy-snapshot",
	[UPDATE_RESYNC_BEGIN] = "resync-begin",
	[UPDATE_RESYNC_END] = "resync-end",
};

const char *
update_type_name(unsigned type)
{
	if (type == UPDATE_INVALID || type > UPDATE_TYPE_MAX)
		return NULL;
	return type_names[type];
}

static bool
all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] != 0)
			return false;
	}
	return true;
}

static int
check_binding(const struct update_msg *m, const char *what, char *err,
	      size_t errlen)
{
	struct binding b;
	char why[128];

	update_msg_to_binding(m, &b);
	if (binding_check(&b, why, sizeof(why)) < 0)
		return err_set(err, errlen, "%s: %s", what, why);
	return 0;
}

static int
check_snapshot(const struct update_msg *m, const char *what, char *err,
	       size_t errlen)
{
	if (m->family != 0 || m->prefix_len != 0 || m->source != 0 ||
	    m->sgt != 0 || m->snapshot.reserved != 0)
		return err_set(err, errlen, "%s: binding fields set", what);
	if (m->snapshot.length == 0)
		return err_set(err, errlen, "%s: empty snapshot", what);
	return 0;
}

static int
check_resync(const struct update_msg *m, const char *what, char *err,
	     size_t errlen)
{
	if (m->family != 0 || m->prefix_len != 0 || m->source != 0 ||
	    m->sgt != 0 || !all_zero(m->addr, sizeof(m->addr)))
		return err_set(err, errlen, "%s: unused fields set", what);
	return 0;
}

int
update_msg_check(const struct update_msg *m, char *err, size_t errlen)
{
	const char *what = update_type_name(m->type);

	if (what == NULL)
		return err_set(err, errlen, "update type %u is unknown (1..%u)",
			       m->type, UPDATE_TYPE_MAX);
	if (m->reserved != 0)
		return err_set(err, errlen, "%s: reserved field is %u, not 0",
			       what, m->reserved);
	if (m->generation == 0)
		return err_set(err, errlen, "%s: generation 0", what);
	switch (m->type) {
	case UPDATE_BINDING_ADD:
	case UPDATE_BINDING_DEL:
		return check_binding(m, what, err, errlen);
	case UPDATE_POLICY_SNAPSHOT:
		return check_snapshot(m, what, err, errlen);
	default:
		return check_resync(m, what, err, errlen);
	}
}

void
update_msg_binding(struct update_msg *m, enum update_type type,
		   const struct binding *b, uint64_t generation)
{
	memset(m, 0, sizeof(*m));
	m->type = (uint8_t)type;
	m->family = b->family;
	m->prefix_len = b->prefix_len;
	m->source = b->source;
	m->sgt = b->sgt;
	m->generation = generation;
	memcpy(m->addr, b->addr, sizeof(m->addr));
}

void
update_msg_snapshot(struct update_msg *m, uint32_t slot, uint32_t length,
		    uint32_t crc32, uint64_t generation)
{
	memset(m, 0, sizeof(*m));
	m->type = UPDATE_POLICY_SNAPSHOT;
	m->generation = generation;
	m->snapshot.slot = slot;
	m->snapshot.length = length;
	m->snapshot.crc32 = crc32;
}

void
update_msg_resync(struct update_msg *m, enum update_type type,
		  uint64_t generation)
{
	memset(m, 0, sizeof(*m));
	m->type = (uint8_t)type;
	m->generation = generation;
}

void
update_msg_to_binding(const struct update_msg *m, struct binding *b)
{
	memset(b, 0, sizeof(*b));
	b->family = m->family;
	b->prefix_len = m->prefix_len;
	b->source = m->source;
	b->sgt = m->sgt;
	memcpy(b->addr, m->addr, sizeof(b->addr));
}
