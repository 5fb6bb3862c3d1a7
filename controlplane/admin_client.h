/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sgtgwctl's side of the admin socket (admin_proto.h): one command, one
 * reply.
 */
#ifndef SGTGW_ADMIN_CLIENT_H
#define SGTGW_ADMIN_CLIENT_H

#include <stddef.h>

#include "admin_proto.h"

/*
 * Connect to path, send cmd, wait up to timeout_ms for the reply and put
 * it, NUL-terminated, into reply (at least ADMIN_REPLY_MAX + 1 bytes).
 * 0, or a negative errno with a message in err: -ENOENT / -ECONNREFUSED
 * (no controlplane there), -EACCES (the socket's permissions), -ETIMEDOUT,
 * -EPIPE (closed without a reply), others from the socket calls.
 */
int admin_request(const char *path, const char *cmd, char *reply, size_t len,
		  int timeout_ms, char *err, size_t errlen);

#endif
