/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The update messages the controlplane pushes into the shared-memory ring
 * and the dataplane applies: defined here once for both processes.
 *
 * Every message is 32 bytes (one ring element, half a cache line). Both
 * ends run on the same host, so fields are in host byte order, except the
 * address, which is in network order as everywhere else in sgtgw.
 *
 * Generations. Bindings and the policy each carry their own generation, a
 * counter the controlplane raises by one for every change it pushes; 0
 * means "nothing yet" and is never sent.
 *   BINDING_ADD / BINDING_DEL   the bindings generation this change makes
 *   POLICY_SNAPSHOT             the policy generation of the snapshot
 *   RESYNC_BEGIN                the bindings generation the resync starts
 *                               from: everything the dataplane holds is
 *                               marked stale
 *   RESYNC_END                  the bindings generation after the replay:
 *                               what is still stale is swept
 * The dataplane reports what it applied (control-socket ACK and the shared
 * header), so the controlplane knows where to resume.
 *
 * POLICY_SNAPSHOT: the policy itself travels in a snapshot slot of the
 * shared region (shm_channel.h); the message names the slot and carries the
 * blob's length and CRC32 in the union below instead of an address.
 */
#ifndef SGTGW_UPDATE_MSG_H
#define SGTGW_UPDATE_MSG_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#include "binding.h"

enum update_type {
	UPDATE_INVALID = 0,         /* a zeroed message is never valid */
	UPDATE_BINDING_ADD = 1,     /* add or replace the prefix's binding */
	UPDATE_BINDING_DEL = 2,     /* no source binds the prefix any more;
				     * deleted by prefix, the SGT and source
				     * of what went away are for the log */
	UPDATE_POLICY_SNAPSHOT = 3,
	UPDATE_RESYNC_BEGIN = 4,
	UPDATE_RESYNC_END = 5,
};
#define UPDATE_TYPE_MAX UPDATE_RESYNC_END

struct update_snapshot_ref {
	uint32_t slot;              /* snapshot slot index */
	uint32_t length;            /* bytes of the blob in the slot */
	uint32_t crc32;             /* zlib crc32 of those bytes */
	uint32_t reserved;          /* zero */
};

struct update_msg {
	uint8_t type;               /* enum update_type */
	uint8_t family;             /* bindings: AF_INET / AF_INET6; else 0 */
	uint8_t prefix_len;         /* bindings: 0..32 / 0..128; else 0 */
	uint8_t source;             /* bindings: enum binding_source; else 0 */
	uint16_t sgt;               /* bindings: at most SGT_MAX; else 0 */
	uint16_t reserved;          /* zero */
	uint64_t generation;        /* never 0; see above */
	union {
		uint8_t addr[16];   /* bindings: network order, host bits 0 */
		struct update_snapshot_ref snapshot; /* POLICY_SNAPSHOT */
	};
};

static_assert(sizeof(struct update_msg) == 32, "one ring element is 32 bytes");
static_assert(offsetof(struct update_msg, generation) == 8,
	      "generation is naturally aligned");
static_assert(sizeof(struct update_snapshot_ref) == 16,
	      "the snapshot reference overlays the address exactly");

/*
 * Is the message one the dataplane may apply? Checks the type, and for
 * each type every field it uses (a binding's prefix, SGT and source; a
 * snapshot's length) and that the fields it does not use are zero, so a
 * torn or corrupted element is refused rather than half-applied. The slot
 * index is checked against the region by shm_channel_slot_read. Returns 0,
 * or -1 with a message in err.
 */
int update_msg_check(const struct update_msg *m, char *err, size_t errlen);

/* Fill a message (all unused fields zero). */
void update_msg_binding(struct update_msg *m, enum update_type type,
			const struct binding *b, uint64_t generation);
void update_msg_snapshot(struct update_msg *m, uint32_t slot, uint32_t length,
			 uint32_t crc32, uint64_t generation);
void update_msg_resync(struct update_msg *m, enum update_type type,
		       uint64_t generation);

/* The binding a BINDING_ADD / BINDING_DEL carries. */
void update_msg_to_binding(const struct update_msg *m, struct binding *b);

/* "binding-add", ...; NULL for an unknown type. */
const char *update_type_name(unsigned type);

#endif
