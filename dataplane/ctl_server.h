/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dataplane's control socket (docs/sync.md, common/ctl_proto.h): a
 * listening Unix SOCK_SEQPACKET socket (mode 0660) and at most one
 * controlplane session on it at a time.
 *
 * A session: the controlplane connects and says HELLO; the dataplane
 * creates a fresh shared region (shm_channel.h) and answers WELCOME with
 * its descriptor, a new session id, the generations it has applied and the
 * state of its cache. From then on the socket carries ACKs and
 * RESYNC_REQUESTs from the dataplane, KEEPALIVEs both ways (every second),
 * and ERRORs. A second controlplane is answered ERROR(BUSY) and closed. A
 * peer silent for the hold time (controlplane.hold_time), one that
 * closes, breaks the protocol or cannot be written to ends the session;
 * the dataplane keeps enforcing what it has and listens on.
 *
 * Runs on the control lcore; nothing blocks (the sockets are non-blocking
 * and ctl_server_poll waits at most its timeout).
 */
#ifndef SGTGW_CTL_SERVER_H
#define SGTGW_CTL_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctl_proto.h"
#include "shm_channel.h"

#define CTL_KEEPALIVE_MS 1000u

struct ctl_server;

/* What the server asks of the rest of the dataplane. */
struct ctl_server_ops {
	/* For WELCOME: the generations applied and the cache state. */
	void (*welcome)(void *ctx, uint64_t *bindings_gen, uint64_t *policy_gen,
			enum ctl_cache_state *cache);
	/* A session began on the fresh region ch (the server's until
	 * session_end returns), or ended. */
	void (*session_start)(void *ctx, struct shm_channel *ch);
	void (*session_end)(void *ctx);
	void *ctx;
};

/* Listen on path (stale socket file replaced, parent directory created
 * 0750 if missing, the socket made 0660); hold_ms: the silence that ends
 * a session. NULL with the reason in err. */
struct ctl_server *ctl_server_open(const char *path, uint32_t hold_ms,
				   const struct ctl_server_ops *ops,
				   char *err, size_t errlen);
/* Ends a session (calling session_end), closes and removes the socket. */
void ctl_server_close(struct ctl_server *s);

/* Wait up to timeout_ms for the sockets, then serve them: accept, read
 * every message waiting, keepalives and liveness. */
void ctl_server_poll(struct ctl_server *s, int timeout_ms);

/* The session, if one is attached (after WELCOME). */
bool ctl_server_attached(const struct ctl_server *s);
uint64_t ctl_server_session_id(const struct ctl_server *s);
struct shm_channel *ctl_server_channel(struct ctl_server *s);

/* To the attached controlplane; a failure to send ends the session (it
 * is logged once). Without a session, nothing happens. */
void ctl_server_ack(struct ctl_server *s, enum ctl_ack_stream stream,
		    enum ctl_ack_result result, uint64_t generation);
void ctl_server_resync_request(struct ctl_server *s,
			       enum ctl_resync_reason reason, const char *why);
/* End the session with an ERROR carrying code and why (logged). */
void ctl_server_abort(struct ctl_server *s, enum ctl_error_code code,
		      const char *why);

#endif
