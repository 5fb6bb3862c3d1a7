/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The shared-memory update channel between sgtgw-controlplane (producer)
 * and sgtgw-dataplane (consumer): one memfd region that the dataplane
 * creates and hands over the control socket (ctl_proto.h, WELCOME).
 *
 *   offset 0             struct shm_channel_header (one page)
 *   ring_offset          DPDK rte_ring of struct update_msg, single
 *                        producer / single consumer (rte_ring_init on this
 *                        memory, _elem calls; no memzone, no EAL)
 *   slots_offset         n_slots policy snapshot slots of slot_size bytes
 *
 * The region is sealed against shrinking and growing, so neither side can
 * pull pages from under the other's mapping. The attaching side treats the
 * header as untrusted: it copies it, checks every size and offset against
 * the mapping and the ring's own fields against the header, and from then
 * on uses only its copy for slot arithmetic. What neither side can defend
 * against is the other rewriting the ring's metadata after that check (the
 * rte_ring code reads it in place); each call re-checks it so corruption
 * is reported rather than followed, but both processes are sgtgw's own.
 *
 * Snapshot slots: the controlplane takes a FREE slot (-> WRITING), writes
 * a policy blob, publishes it (-> WRITTEN) and enqueues a POLICY_SNAPSHOT
 * message naming it. The dataplane takes it (-> IN_USE), copies the bytes
 * out, frees it (-> FREE) and only then checks and decodes its copy, so a
 * slot is busy for a memcpy, and nothing the controlplane writes later can
 * change bytes under the decoder. Two slots let the next snapshot be
 * written while the dataplane copies the previous one.
 *
 * Each side has a heartbeat counter it raises and the other reads; the
 * dataplane also publishes the last bindings and policy generations it
 * applied. Nothing here needs rte_eal_init in either process.
 */
#ifndef SGTGW_SHM_CHANNEL_H
#define SGTGW_SHM_CHANNEL_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "update_msg.h"

#define SHM_CHANNEL_MAGIC 0x4d48535747544753ull  /* "SGTGWSHM" in memory */
#define SHM_CHANNEL_LAYOUT_VERSION 1u
#define SHM_CHANNEL_PAGE 4096u

#define SHM_CHANNEL_RING_MIN 64u
#define SHM_CHANNEL_RING_MAX (1u << 22)
#define SHM_CHANNEL_RING_DEFAULT 65536u
#define SHM_CHANNEL_SLOTS_MAX 8u
#define SHM_CHANNEL_SLOTS_DEFAULT 2u
#define SHM_CHANNEL_SLOT_MIN SHM_CHANNEL_PAGE
#define SHM_CHANNEL_SLOT_MAX (256u << 20)
#define SHM_CHANNEL_SLOT_DEFAULT (4u << 20)

enum shm_slot_state {
	SHM_SLOT_FREE = 0,        /* the controlplane may take it */
	SHM_SLOT_WRITING = 1,     /* the controlplane is writing a blob */
	SHM_SLOT_WRITTEN = 2,     /* published; a message names it */
	SHM_SLOT_IN_USE = 3,      /* the dataplane is copying it out */
};

/* The region's first page. Fields up to slot_size are written once, by the
 * dataplane, before the descriptor leaves it; each side then writes only
 * its own cache line, and the slot states by compare-and-swap. */
struct shm_channel_header {
	uint64_t magic;
	uint32_t layout_version;
	uint32_t header_size;     /* sizeof(struct shm_channel_header) */
	uint64_t session_id;
	uint64_t region_size;
	uint64_t ring_offset;
	uint64_t ring_bytes;      /* rte_ring_get_memsize_elem(32, count) */
	uint32_t ring_count;      /* power of two; holds count - 1 messages */
	uint32_t msg_size;        /* sizeof(struct update_msg) */
	uint64_t slots_offset;
	uint32_t n_slots;
	uint32_t slot_size;       /* a multiple of SHM_CHANNEL_PAGE */

	/* dataplane */
	alignas(64) _Atomic uint64_t dp_heartbeat;
	_Atomic uint64_t applied_bindings_generation;
	_Atomic uint64_t applied_policy_generation;

	/* controlplane */
	alignas(64) _Atomic uint64_t cp_heartbeat;
	_Atomic uint64_t ring_full;  /* enqueues cut short by a full ring */

	alignas(64) _Atomic uint32_t slot_state[SHM_CHANNEL_SLOTS_MAX];
};

static_assert(sizeof(struct shm_channel_header) <= SHM_CHANNEL_PAGE,
	      "the header fits its page");

struct shm_channel;

struct shm_channel_params {
	uint32_t ring_count;      /* 0: SHM_CHANNEL_RING_DEFAULT */
	uint32_t n_slots;         /* 0: SHM_CHANNEL_SLOTS_DEFAULT */
	uint32_t slot_size;       /* 0: SHM_CHANNEL_SLOT_DEFAULT */
	uint64_t session_id;      /* 0: a random one */
};

/* What a WELCOME tells the controlplane about the region. */
struct shm_channel_info {
	uint64_t session_id;
	uint64_t region_size;
	uint32_t ring_count;
	uint32_t ring_capacity;   /* messages the ring holds: count - 1 */
	uint32_t msg_size;
	uint32_t n_slots;
	uint32_t slot_size;
};

/*
 * Dataplane: create a region (memfd, close-on-exec, sealed) with its ring
 * and slots. 0, or -1 with a message (bad parameters, memfd/mmap/seal
 * failures with their errno).
 */
int shm_channel_create(const struct shm_channel_params *p,
		       struct shm_channel **out, char *err, size_t errlen);

/*
 * Controlplane: map the region behind fd (from WELCOME) after checking it
 * as untrusted input: a sealed memfd of a sane size, the magic, layout
 * version, every size and offset inside the mapping, the ring's fields.
 * The caller keeps fd (it may close it right away: the mapping stays).
 */
int shm_channel_attach(int fd, struct shm_channel **out, char *err,
		       size_t errlen);

/* Unmap; the dataplane's handle also closes the memfd. NULL is fine. */
void shm_channel_close(struct shm_channel *ch);

/* The memfd to pass in WELCOME (dataplane handle), else -1. */
int shm_channel_fd(const struct shm_channel *ch);
void shm_channel_info(const struct shm_channel *ch,
		      struct shm_channel_info *info);

/*
 * Controlplane: enqueue up to n messages, in order. Returns how many went
 * in (fewer than n when the ring filled: the caller keeps the rest and
 * tries again; each short enqueue is also counted in the header's
 * ring_full), -EPERM on the dataplane's handle, -EBADMSG when the ring's
 * metadata no longer matches the header. *free_space (may be NULL) is
 * what is left.
 */
int shm_channel_enqueue(struct shm_channel *ch, const struct update_msg *msgs,
			unsigned n, unsigned *free_space);

/*
 * Dataplane: dequeue up to n messages (copies: the ring slot may be
 * reused as soon as this returns). Returns how many, -EPERM on the
 * controlplane's handle, -EBADMSG as above. *left (may be NULL) is what is
 * still queued. Every message must pass update_msg_check before use.
 */
int shm_channel_dequeue(struct shm_channel *ch, struct update_msg *msgs,
			unsigned n, unsigned *left);

/* Messages queued now (either side). */
unsigned shm_channel_pending(const struct shm_channel *ch);
/* Short enqueues so far (either side). */
uint64_t shm_channel_ring_full(const struct shm_channel *ch);

/* Liveness: raise this side's counter; read the other side's. */
void shm_channel_beat(struct shm_channel *ch);
uint64_t shm_channel_peer_beat(const struct shm_channel *ch);

/* Dataplane: publish what it has applied. Either side: read it. */
void shm_channel_set_applied(struct shm_channel *ch, uint64_t bindings_gen,
			     uint64_t policy_gen);
void shm_channel_applied(const struct shm_channel *ch, uint64_t *bindings_gen,
			 uint64_t *policy_gen);

/*
 * Controlplane, snapshot slots. acquire: a FREE slot becomes WRITING; its
 * index, bytes and capacity are returned (-EBUSY when none is free, -EPERM
 * on the dataplane's handle). publish: WRITING -> WRITTEN after the blob's
 * length bytes are in place, and *msg becomes the POLICY_SNAPSHOT message
 * to enqueue (CRC included; left alone on failure: -EINVAL for a bad
 * slot, length or generation, -EBUSY for a slot not being written). cancel: give back a slot whose message was
 * never enqueued. put: acquire, copy, publish in one call (-EMSGSIZE for a
 * blob larger than a slot).
 */
int shm_channel_slot_acquire(struct shm_channel *ch, uint32_t *slot,
			     uint8_t **data, size_t *cap);
int shm_channel_slot_publish(struct shm_channel *ch, uint32_t slot,
			     uint32_t length, uint64_t generation,
			     struct update_msg *msg);
int shm_channel_slot_cancel(struct shm_channel *ch, uint32_t slot);
int shm_channel_slot_put(struct shm_channel *ch, const void *blob, size_t len,
			 uint64_t generation, struct update_msg *msg);

/*
 * Dataplane: take the snapshot a POLICY_SNAPSHOT message names. Checks the
 * slot index and length against the region, takes the slot (WRITTEN ->
 * IN_USE), copies the blob into a new buffer, frees the slot, and checks
 * the copy's CRC. 0 with *copy (free() it) and *len, or -1 with a message
 * (and the slot freed if it was taken).
 */
int shm_channel_slot_read(struct shm_channel *ch, const struct update_msg *msg,
			  uint8_t **copy, size_t *len, char *err,
			  size_t errlen);

/* A slot's state (enum shm_slot_state), -1 for an index out of range. */
int shm_channel_slot_state(const struct shm_channel *ch, uint32_t slot);

#endif
