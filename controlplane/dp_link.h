/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The controlplane's session with sgtgw-dataplane (docs/sync.md,
 * "Session"): connect to its control socket, retrying every second while
 * it is not there; HELLO, then WELCOME with the shared region, which is
 * attached (shm_channel_attach) and handed to sync for the full resync;
 * from then on keepalives both ways every second, ACKs recorded,
 * RESYNC_REQUEST answered with a full resync, and the backlog flushed
 * every millisecond while there is one. A dataplane silent for the hold
 * time (controlplane.hold_time, 5 s by default), a closed socket, a
 * malformed or unexpected message, or an ERROR ends the session (logged
 * once, with why) and the link starts connecting again.
 *
 * Driven by the caller's poll loop: dp_link_pollfd, dp_link_process when
 * the descriptor is readable, dp_link_tick on every turn (timers and the
 * backlog), dp_link_timeout_ms for how long poll may sleep.
 */
#ifndef SGTGW_DP_LINK_H
#define SGTGW_DP_LINK_H

#include <stdbool.h>
#include <stdint.h>

#include "sync.h"

#define DP_SOCKET_DEFAULT "/run/sgtgw/dataplane.sock"
#define DP_RETRY_MS 1000u           /* between connection attempts */
#define DP_KEEPALIVE_MS 1000u       /* between our keepalives */
#define DP_BACKLOG_POLL_MS 1u       /* ring polling while a backlog waits */

enum dp_link_state {
	DP_LINK_DISCONNECTED = 0,   /* waiting to try again */
	DP_LINK_HELLO_SENT,         /* waiting for WELCOME */
	DP_LINK_UP,                 /* a session is running */
};

struct dp_link_status {
	enum dp_link_state state;
	uint64_t session_id;        /* 0 outside a session */
	uint32_t dataplane_pid;
	uint64_t bindings_acked;    /* last ACK(BINDINGS), this session */
	uint64_t policy_acked;      /* last ACK(POLICY, APPLIED), this session */
	uint64_t policy_refused;    /* ACK(POLICY, REFUSED) seen, all sessions */
	uint64_t bindings_applied;  /* from the shared header */
	uint64_t policy_applied;
	uint64_t sessions;          /* sessions established */
	uint64_t resync_requests;   /* RESYNC_REQUESTs received */
};

struct dp_link;

/* path: the dataplane's control socket (kept by reference); hold_ms: the
 * silence that ends a session. Connects on the first tick. NULL when out
 * of memory. */
struct dp_link *dp_link_create(const char *path, uint32_t hold_ms,
			       struct sync *sync);
/* Ends a session in progress (sync is detached) and frees the link. */
void dp_link_destroy(struct dp_link *l);

/* The socket to poll for input, -1 when there is none. */
int dp_link_pollfd(const struct dp_link *l);
/* Read and handle everything the dataplane sent. */
void dp_link_process(struct dp_link *l, uint64_t now_ms);
/* Timers: connecting, keepalive, liveness; and the backlog. */
void dp_link_tick(struct dp_link *l, uint64_t now_ms);
/* How long the caller's poll may sleep before the next tick is due. */
int dp_link_timeout_ms(const struct dp_link *l, uint64_t now_ms);

void dp_link_get_status(const struct dp_link *l, struct dp_link_status *st);
/* "disconnected", "hello-sent", "up". */
const char *dp_link_state_name(enum dp_link_state s);

#endif
