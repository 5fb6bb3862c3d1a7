/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The update channel's region: layout, creation (dataplane), checked
 * attachment (controlplane), and the ring and slot operations. The ring is
 * DPDK's: rte_ring_init on memory we provide and the inline _elem calls
 * use no EAL service, which is why the controlplane can use it without
 * being a DPDK process. The explicit single-producer / single-consumer
 * calls are used, rather than the ones that dispatch on the sync type
 * stored in the shared ring, so that the other process cannot switch them.
 */
#include "shm_channel.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "crc32.h"
#include "err_msg.h"

#define RING_NAME "sgtgw_updates"
#define RING_FLAGS (RING_F_SP_ENQ | RING_F_SC_DEQ)
#define MSG_SIZE ((uint32_t)sizeof(struct update_msg))
#define SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)
#define SEALS_NEEDED (F_SEAL_SHRINK | F_SEAL_GROW)

enum side { SIDE_DATAPLANE, SIDE_CONTROLPLANE };

struct shm_channel {
	enum side side;
	int fd;                         /* dataplane: the memfd; else -1 */
	uint8_t *base;
	size_t size;
	struct shm_channel_header *hdr; /* shared: atomics only */
	struct rte_ring *ring;
	/* Private copy of the checked layout; all slot arithmetic uses it. */
	struct shm_channel_header layout;
};

static uint64_t
align_page(uint64_t v)
{
	return (v + SHM_CHANNEL_PAGE - 1) & ~(uint64_t)(SHM_CHANNEL_PAGE - 1);
}

static bool
pow2(uint32_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

/* The ring's byte size for count messages; 0 when DPDK refuses count. */
static uint64_t
ring_bytes(uint32_t count)
{
	ssize_t n = rte_ring_get_memsize_elem(MSG_SIZE, count);

	return n > 0 ? (uint64_t)n : 0;
}

/*
 * Layout.
 */

static int
check_sizes(uint32_t ring_count, uint32_t n_slots, uint32_t slot_size,
	    char *err, size_t errlen)
{
	if (!pow2(ring_count) || ring_count < SHM_CHANNEL_RING_MIN ||
	    ring_count > SHM_CHANNEL_RING_MAX)
		return err_set(err, errlen, "ring of %u messages: a power of two "
			       "from %u to %u", ring_count, SHM_CHANNEL_RING_MIN,
			       SHM_CHANNEL_RING_MAX);
	if (n_slots == 0 || n_slots > SHM_CHANNEL_SLOTS_MAX)
		return err_set(err, errlen, "%u snapshot slots: 1 to %u", n_slots,
			       SHM_CHANNEL_SLOTS_MAX);
	if (slot_size < SHM_CHANNEL_SLOT_MIN || slot_size > SHM_CHANNEL_SLOT_MAX ||
	    slot_size % SHM_CHANNEL_PAGE != 0)
		return err_set(err, errlen, "snapshot slot of %u bytes: a multiple "
			       "of %u from %u to %u", slot_size, SHM_CHANNEL_PAGE,
			       SHM_CHANNEL_SLOT_MIN, SHM_CHANNEL_SLOT_MAX);
	return 0;
}

/* The header's layout fields for these sizes (already checked). */
static void
plan_layout(struct shm_channel_header *h, uint32_t ring_count,
	    uint32_t n_slots, uint32_t slot_size, uint64_t session_id)
{
	memset(h, 0, sizeof(*h));
	h->magic = SHM_CHANNEL_MAGIC;
	h->layout_version = SHM_CHANNEL_LAYOUT_VERSION;
	h->header_size = sizeof(*h);
	h->session_id = session_id;
	h->ring_offset = SHM_CHANNEL_PAGE;
	h->ring_bytes = ring_bytes(ring_count);
	h->ring_count = ring_count;
	h->msg_size = MSG_SIZE;
	h->slots_offset = align_page(h->ring_offset + h->ring_bytes);
	h->n_slots = n_slots;
	h->slot_size = slot_size;
	h->region_size = h->slots_offset + (uint64_t)n_slots * slot_size;
}

/* A checked header, as attach sees it; region is the mapping's size. */
static int
check_layout(const struct shm_channel_header *h, uint64_t region, char *err,
	     size_t errlen)
{
	if (h->magic != SHM_CHANNEL_MAGIC)
		return err_set(err, errlen, "not an sgtgw update region (magic "
			       "0x%016llx)", (unsigned long long)h->magic);
	if (h->layout_version != SHM_CHANNEL_LAYOUT_VERSION)
		return err_set(err, errlen, "region layout version %u, this side "
			       "knows %u", h->layout_version,
			       SHM_CHANNEL_LAYOUT_VERSION);
	if (h->header_size != sizeof(*h) || h->msg_size != MSG_SIZE)
		return err_set(err, errlen, "region header of %u bytes with %u-byte "
			       "messages, expected %zu and %u", h->header_size,
			       h->msg_size, sizeof(*h), MSG_SIZE);
	if (h->session_id == 0)
		return err_set(err, errlen, "region without a session id");
	if (h->region_size != region)
		return err_set(err, errlen, "region header says %llu bytes, the "
			       "memfd has %llu", (unsigned long long)h->region_size,
			       (unsigned long long)region);
	if (check_sizes(h->ring_count, h->n_slots, h->slot_size, err, errlen) < 0)
		return -1;
	/* Everything is bounded now, so none of the sums below can wrap. */
	if (h->ring_offset < SHM_CHANNEL_PAGE || h->ring_offset % SHM_CHANNEL_PAGE ||
	    h->ring_offset > region || h->ring_bytes != ring_bytes(h->ring_count) ||
	    h->ring_bytes > region - h->ring_offset)
		return err_set(err, errlen, "ring at %llu (%llu bytes) is not "
			       "inside the %llu-byte region",
			       (unsigned long long)h->ring_offset,
			       (unsigned long long)h->ring_bytes,
			       (unsigned long long)region);
	if (h->slots_offset < h->ring_offset + h->ring_bytes ||
	    h->slots_offset % SHM_CHANNEL_PAGE || h->slots_offset > region ||
	    (uint64_t)h->n_slots * h->slot_size > region - h->slots_offset)
		return err_set(err, errlen, "%u slots of %u bytes at %llu are not "
			       "inside the region after the ring", h->n_slots,
			       h->slot_size, (unsigned long long)h->slots_offset);
	return 0;
}

/* The ring's own fields must be the ones rte_ring_init wrote for it. */
static bool
ring_intact(const struct rte_ring *r, uint32_t count)
{
	return r->size == count && r->mask == count - 1 &&
	       r->capacity == count - 1 && r->flags == RING_FLAGS &&
	       r->prod.sync_type == RTE_RING_SYNC_ST &&
	       r->cons.sync_type == RTE_RING_SYNC_ST;
}

static void
bind_ring(struct shm_channel *ch)
{
	ch->hdr = (struct shm_channel_header *)ch->base;
	ch->ring = (struct rte_ring *)(ch->base + ch->layout.ring_offset);
}

/*
 * Creation and attachment.
 */

static uint64_t
new_session_id(void)
{
	uint64_t id = 0;

	/* getrandom of 8 bytes does not come back short; fall back on time
	 * and pid only if it fails outright (no entropy yet at boot). */
	while (id == 0) {
		if (getrandom(&id, sizeof(id), GRND_NONBLOCK) != sizeof(id))
			id = (uint64_t)time(NULL) << 20 ^ (uint64_t)getpid();
	}
	return id;
}

static int
map_region(struct shm_channel *ch, int fd, size_t size, char *err,
	   size_t errlen)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		return err_set(err, errlen, "mmap of %zu bytes: %s", size,
			       strerror(errno));
	ch->base = p;
	ch->size = size;
	return 0;
}

static int
make_memfd(size_t size, char *err, size_t errlen)
{
	int fd = memfd_create("sgtgw-updates", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd < 0)
		return err_set(err, errlen, "memfd_create: %s", strerror(errno));
	if (ftruncate(fd, (off_t)size) < 0) {
		err_set(err, errlen, "ftruncate memfd to %zu bytes: %s", size,
			strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int
init_region(struct shm_channel *ch, char *err, size_t errlen)
{
	int rc;

	memcpy(ch->hdr, &ch->layout, sizeof(ch->layout));
	rc = rte_ring_init(ch->ring, RING_NAME, ch->layout.ring_count,
			   RING_FLAGS);
	if (rc < 0)
		return err_set(err, errlen, "rte_ring_init: %s", strerror(-rc));
	if (fcntl(ch->fd, F_ADD_SEALS, SEALS) < 0)
		return err_set(err, errlen, "sealing the memfd: %s",
			       strerror(errno));
	return 0;
}

int
shm_channel_create(const struct shm_channel_params *p, struct shm_channel **out,
		   char *err, size_t errlen)
{
	uint32_t count = p->ring_count ? p->ring_count : SHM_CHANNEL_RING_DEFAULT;
	uint32_t n_slots = p->n_slots ? p->n_slots : SHM_CHANNEL_SLOTS_DEFAULT;
	uint32_t slot_size = p->slot_size ? p->slot_size : SHM_CHANNEL_SLOT_DEFAULT;
	struct shm_channel *ch;

	*out = NULL;
	if (check_sizes(count, n_slots, slot_size, err, errlen) < 0)
		return -1;
	ch = calloc(1, sizeof(*ch));
	if (ch == NULL)
		return err_set(err, errlen, "out of memory");
	ch->side = SIDE_DATAPLANE;
	plan_layout(&ch->layout, count, n_slots, slot_size,
		    p->session_id ? p->session_id : new_session_id());
	ch->fd = make_memfd(ch->layout.region_size, err, errlen);
	if (ch->fd < 0 ||
	    map_region(ch, ch->fd, ch->layout.region_size, err, errlen) < 0) {
		shm_channel_close(ch);
		return -1;
	}
	bind_ring(ch);
	if (init_region(ch, err, errlen) < 0) {
		shm_channel_close(ch);
		return -1;
	}
	*out = ch;
	return 0;
}

/* A sealed memfd (so it cannot shrink under the mapping) of a sane size. */
static int
check_fd(int fd, size_t *size, char *err, size_t errlen)
{
	uint64_t max = SHM_CHANNEL_PAGE + align_page(ring_bytes(SHM_CHANNEL_RING_MAX)) +
		       (uint64_t)SHM_CHANNEL_SLOTS_MAX * SHM_CHANNEL_SLOT_MAX;
	struct stat st;
	int seals;

	if (fstat(fd, &st) < 0)
		return err_set(err, errlen, "fstat: %s", strerror(errno));
	if (!S_ISREG(st.st_mode) || st.st_size < (off_t)SHM_CHANNEL_PAGE ||
	    (uint64_t)st.st_size > max)
		return err_set(err, errlen, "descriptor is not a region of %u to "
			       "%llu bytes", SHM_CHANNEL_PAGE,
			       (unsigned long long)max);
	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0 || (seals & SEALS_NEEDED) != SEALS_NEEDED)
		return err_set(err, errlen, "descriptor is not a memfd sealed "
			       "against resizing");
	*size = (size_t)st.st_size;
	return 0;
}

int
shm_channel_attach(int fd, struct shm_channel **out, char *err, size_t errlen)
{
	struct shm_channel *ch;
	size_t size = 0;

	*out = NULL;
	if (check_fd(fd, &size, err, errlen) < 0)
		return -1;
	ch = calloc(1, sizeof(*ch));
	if (ch == NULL)
		return err_set(err, errlen, "out of memory");
	ch->side = SIDE_CONTROLPLANE;
	ch->fd = -1;
	if (map_region(ch, fd, size, err, errlen) < 0) {
		free(ch);
		return -1;
	}
	/* Check a private copy: the shared header could change under us. */
	memcpy(&ch->layout, ch->base, sizeof(ch->layout));
	if (check_layout(&ch->layout, size, err, errlen) < 0) {
		shm_channel_close(ch);
		return -1;
	}
	bind_ring(ch);
	if (!ring_intact(ch->ring, ch->layout.ring_count)) {
		err_set(err, errlen, "the region's ring is not a %u-message "
			"single-producer single-consumer ring",
			ch->layout.ring_count);
		shm_channel_close(ch);
		return -1;
	}
	*out = ch;
	return 0;
}

void
shm_channel_close(struct shm_channel *ch)
{
	if (ch == NULL)
		return;
	if (ch->base != NULL)
		munmap(ch->base, ch->size);
	if (ch->fd >= 0)
		close(ch->fd);
	free(ch);
}

int
shm_channel_fd(const struct shm_channel *ch)
{
	return ch->fd;
}

void
shm_channel_info(const struct shm_channel *ch, struct shm_channel_info *info)
{
	const struct shm_channel_header *h = &ch->layout;

	memset(info, 0, sizeof(*info));
	info->session_id = h->session_id;
	info->region_size = h->region_size;
	info->ring_count = h->ring_count;
	info->ring_capacity = h->ring_count - 1;
	info->msg_size = h->msg_size;
	info->n_slots = h->n_slots;
	info->slot_size = h->slot_size;
}

/*
 * The ring.
 */

int
shm_channel_enqueue(struct shm_channel *ch, const struct update_msg *msgs,
		    unsigned n, unsigned *free_space)
{
	unsigned done, space = 0;

	if (ch->side != SIDE_CONTROLPLANE)
		return -EPERM;
	if (!ring_intact(ch->ring, ch->layout.ring_count))
		return -EBADMSG;
	done = rte_ring_sp_enqueue_burst_elem(ch->ring, msgs, MSG_SIZE, n,
					      &space);
	if (done < n)
		atomic_fetch_add_explicit(&ch->hdr->ring_full, 1,
					  memory_order_relaxed);
	if (free_space != NULL)
		*free_space = space;
	return (int)done;
}

int
shm_channel_dequeue(struct shm_channel *ch, struct update_msg *msgs,
		    unsigned n, unsigned *left)
{
	unsigned done, avail = 0;

	if (ch->side != SIDE_DATAPLANE)
		return -EPERM;
	if (!ring_intact(ch->ring, ch->layout.ring_count))
		return -EBADMSG;
	done = rte_ring_sc_dequeue_burst_elem(ch->ring, msgs, MSG_SIZE, n,
					      &avail);
	if (left != NULL)
		*left = avail;
	return (int)done;
}

unsigned
shm_channel_pending(const struct shm_channel *ch)
{
	unsigned n = rte_ring_count(ch->ring);

	/* A corrupted ring could claim more than it holds. */
	return n < ch->layout.ring_count ? n : ch->layout.ring_count - 1;
}

uint64_t
shm_channel_ring_full(const struct shm_channel *ch)
{
	return atomic_load_explicit(&ch->hdr->ring_full, memory_order_relaxed);
}

/*
 * Liveness and generations.
 */

void
shm_channel_beat(struct shm_channel *ch)
{
	_Atomic uint64_t *mine = ch->side == SIDE_DATAPLANE ?
		&ch->hdr->dp_heartbeat : &ch->hdr->cp_heartbeat;

	atomic_fetch_add_explicit(mine, 1, memory_order_relaxed);
}

uint64_t
shm_channel_peer_beat(const struct shm_channel *ch)
{
	_Atomic uint64_t *theirs = ch->side == SIDE_DATAPLANE ?
		&ch->hdr->cp_heartbeat : &ch->hdr->dp_heartbeat;

	return atomic_load_explicit(theirs, memory_order_relaxed);
}

void
shm_channel_set_applied(struct shm_channel *ch, uint64_t bindings_gen,
			uint64_t policy_gen)
{
	if (ch->side != SIDE_DATAPLANE)
		return;
	atomic_store_explicit(&ch->hdr->applied_bindings_generation,
			      bindings_gen, memory_order_release);
	atomic_store_explicit(&ch->hdr->applied_policy_generation, policy_gen,
			      memory_order_release);
}

void
shm_channel_applied(const struct shm_channel *ch, uint64_t *bindings_gen,
		    uint64_t *policy_gen)
{
	*bindings_gen = atomic_load_explicit(
		&ch->hdr->applied_bindings_generation, memory_order_acquire);
	*policy_gen = atomic_load_explicit(&ch->hdr->applied_policy_generation,
					   memory_order_acquire);
}

/*
 * Snapshot slots.
 */

static uint8_t *
slot_data(const struct shm_channel *ch, uint32_t slot)
{
	return ch->base + ch->layout.slots_offset +
	       (uint64_t)slot * ch->layout.slot_size;
}

static bool
slot_move(struct shm_channel *ch, uint32_t slot, uint32_t from, uint32_t to)
{
	return atomic_compare_exchange_strong_explicit(
		&ch->hdr->slot_state[slot], &from, to, memory_order_acq_rel,
		memory_order_acquire);
}

int
shm_channel_slot_state(const struct shm_channel *ch, uint32_t slot)
{
	if (slot >= ch->layout.n_slots)
		return -1;
	return (int)atomic_load_explicit(&ch->hdr->slot_state[slot],
					 memory_order_acquire);
}

int
shm_channel_slot_acquire(struct shm_channel *ch, uint32_t *slot,
			 uint8_t **data, size_t *cap)
{
	if (ch->side != SIDE_CONTROLPLANE)
		return -EPERM;
	for (uint32_t i = 0; i < ch->layout.n_slots; i++) {
		if (slot_move(ch, i, SHM_SLOT_FREE, SHM_SLOT_WRITING)) {
			*slot = i;
			*data = slot_data(ch, i);
			*cap = ch->layout.slot_size;
			return 0;
		}
	}
	return -EBUSY;
}

int
shm_channel_slot_publish(struct shm_channel *ch, uint32_t slot,
			 uint32_t length, uint64_t generation,
			 struct update_msg *msg)
{
	uint32_t crc;

	if (ch->side != SIDE_CONTROLPLANE)
		return -EPERM;
	if (slot >= ch->layout.n_slots || length == 0 ||
	    length > ch->layout.slot_size || generation == 0)
		return -EINVAL;
	/* The CRC is taken before the slot is published: after that, the
	 * bytes belong to the dataplane. */
	crc = sg_crc32(slot_data(ch, slot), length);
	if (!slot_move(ch, slot, SHM_SLOT_WRITING, SHM_SLOT_WRITTEN))
		return -EBUSY;
	update_msg_snapshot(msg, slot, length, crc, generation);
	return 0;
}

int
shm_channel_slot_cancel(struct shm_channel *ch, uint32_t slot)
{
	if (ch->side != SIDE_CONTROLPLANE)
		return -EPERM;
	if (slot >= ch->layout.n_slots)
		return -EINVAL;
	if (slot_move(ch, slot, SHM_SLOT_WRITING, SHM_SLOT_FREE) ||
	    slot_move(ch, slot, SHM_SLOT_WRITTEN, SHM_SLOT_FREE))
		return 0;
	return -EBUSY;
}

int
shm_channel_slot_put(struct shm_channel *ch, const void *blob, size_t len,
		     uint64_t generation, struct update_msg *msg)
{
	uint8_t *data;
	uint32_t slot;
	size_t cap;
	int rc;

	if (ch->side != SIDE_CONTROLPLANE)
		return -EPERM;
	if (len == 0 || len > ch->layout.slot_size)
		return -EMSGSIZE;
	rc = shm_channel_slot_acquire(ch, &slot, &data, &cap);
	if (rc < 0)
		return rc;
	memcpy(data, blob, len);
	rc = shm_channel_slot_publish(ch, slot, (uint32_t)len, generation, msg);
	if (rc < 0)
		shm_channel_slot_cancel(ch, slot);
	return rc;
}

static int
check_snapshot_ref(const struct shm_channel *ch, const struct update_msg *m,
		   char *err, size_t errlen)
{
	if (m->type != UPDATE_POLICY_SNAPSHOT)
		return err_set(err, errlen, "not a policy snapshot message");
	if (m->snapshot.slot >= ch->layout.n_slots)
		return err_set(err, errlen, "snapshot slot %u: the region has %u",
			       m->snapshot.slot, ch->layout.n_slots);
	if (m->snapshot.length == 0 || m->snapshot.length > ch->layout.slot_size)
		return err_set(err, errlen, "snapshot of %u bytes in a %u-byte slot",
			       m->snapshot.length, ch->layout.slot_size);
	return 0;
}

int
shm_channel_slot_read(struct shm_channel *ch, const struct update_msg *msg,
		      uint8_t **copy, size_t *len, char *err, size_t errlen)
{
	uint32_t slot = msg->snapshot.slot, n = msg->snapshot.length, crc;
	uint8_t *buf;

	*copy = NULL;
	*len = 0;
	if (ch->side != SIDE_DATAPLANE)
		return err_set(err, errlen, "only the dataplane reads snapshots");
	if (check_snapshot_ref(ch, msg, err, errlen) < 0)
		return -1;
	if (!slot_move(ch, slot, SHM_SLOT_WRITTEN, SHM_SLOT_IN_USE))
		return err_set(err, errlen, "snapshot slot %u is in state %d, not "
			       "written", slot, shm_channel_slot_state(ch, slot));
	buf = malloc(n);
	if (buf != NULL)
		memcpy(buf, slot_data(ch, slot), n);
	atomic_store_explicit(&ch->hdr->slot_state[slot], SHM_SLOT_FREE,
			      memory_order_release);
	if (buf == NULL)
		return err_set(err, errlen, "out of memory for a %u-byte snapshot",
			       n);
	crc = sg_crc32(buf, n);
	if (crc != msg->snapshot.crc32) {
		free(buf);
		return err_set(err, errlen, "snapshot in slot %u: CRC 0x%08x, "
			       "message says 0x%08x", slot, crc,
			       msg->snapshot.crc32);
	}
	*copy = buf;
	*len = n;
	return 0;
}
