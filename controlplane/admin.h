/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The controlplane's admin socket (admin_proto.h): listens, takes each
 * client's one command, runs it through the caller's command table and
 * sends the reply. Everything is non-blocking and driven by the caller's
 * poll loop (admin_pollfds / admin_process), so a client that connects and
 * says nothing never holds up the dataplane session; it is dropped after
 * ADMIN_CLIENT_TIMEOUT_MS.
 */
#ifndef SGTGW_ADMIN_H
#define SGTGW_ADMIN_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "admin_proto.h"

#define ADMIN_CLIENTS_MAX 8
#define ADMIN_CLIENT_TIMEOUT_MS 5000

/* Who asked, for the log (SO_PEERCRED). */
struct admin_peer {
	pid_t pid;
	uid_t uid;
};

/* A command: run writes the whole reply ("ok ..." / "error ...") into
 * reply (len bytes, NUL included). */
struct admin_command {
	const char *name;
	void (*run)(void *ctx, const struct admin_peer *peer, char *reply,
		    size_t len);
};

struct admin;

/*
 * Listen on path: refuses when another process answers there, replaces a
 * stale socket file (never another kind of file), mode 0660. cmds is an
 * array ended by a NULL name, kept by reference. NULL with a message.
 */
struct admin *admin_open(const char *path, const struct admin_command *cmds,
			 void *ctx, char *err, size_t errlen);
/* Close every connection and remove the socket file if it is still ours. */
void admin_close(struct admin *a);

/* Fill up to cap pollfds (at most 1 + ADMIN_CLIENTS_MAX); returns how
 * many. */
size_t admin_pollfds(const struct admin *a, struct pollfd *p, size_t cap);
/* Serve what poll reported for those pollfds; now_ms is a monotonic clock,
 * for the clients' time limit. */
void admin_process(struct admin *a, const struct pollfd *p, size_t n,
		   uint64_t now_ms);

#endif
