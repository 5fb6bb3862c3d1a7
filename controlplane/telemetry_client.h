/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A client for the DPDK telemetry v2 socket that sgtgw-dataplane serves
 * (docs/telemetry.md): connect, read the greeting, send one command at a
 * time and get its value back as a jansson tree. Tables, which the
 * dataplane pages, are fetched whole. Every failure leaves a one-line
 * message in the caller's buffer.
 */
#ifndef SGTGW_TELEMETRY_CLIENT_H
#define SGTGW_TELEMETRY_CLIENT_H

#include <stddef.h>

#include <jansson.h>

/* Replies are at most 16 KiB today; the margin keeps a bigger build of
 * DPDK (max_output_len raised) readable. */
#define TEL_REPLY_MAX (64 * 1024)
/* An idle dataplane answers in microseconds; a silent socket means the
 * process is wedged, and a CLI must not hang on it. */
#define TEL_TIMEOUT_MS 5000
#define TEL_ERR_MAX 512

struct tel_client;

/*
 * The socket of a DPDK primary started with --file-prefix PREFIX, found the
 * way DPDK picks its runtime directory: /var/run/dpdk for root, otherwise
 * $XDG_RUNTIME_DIR/dpdk, otherwise /tmp/dpdk. Returns 0, or -1 if the path
 * does not fit.
 */
int tel_socket_path(char *buf, size_t len, const char *file_prefix);

/*
 * Connect and read the greeting. On failure returns NULL, sets errno to the
 * cause (ENOENT, ECONNREFUSED, EACCES from connecting; ETIMEDOUT, EPROTO,
 * ECONNRESET, EMSGSIZE from the greeting) and writes the reason into err.
 */
struct tel_client *tel_connect(const char *path, char *err, size_t errlen);

/* The greeting ({"version", "pid", "max_output_len"}), owned by the client. */
const json_t *tel_greeting(const struct tel_client *c);

/*
 * Send CMD ("/sgtgw/info", "/sgtgw/sgt_map,50") and return a new reference
 * to its value. A null value (unknown command, or the command failed) is an
 * error: NULL is returned and err says which command.
 */
json_t *tel_command(struct tel_client *c, const char *cmd, char *err, size_t errlen);

/*
 * A table: CMD,0, then CMD,N where N follows the last row received, until
 * a page is empty (docs/telemetry.md). A page holds as many rows as fit in
 * one reply, so its length says nothing about the end.
 *
 * A page is an object of rows keyed by row number ({"57": {...}, "58":
 * {...}}): DPDK 22.11 cannot put a dict inside an array, only inside a
 * dict. Its rows must be numbered from the page's start on without a gap:
 * a gap is a row lost from a reply, a row before the start a dataplane
 * that ignores the parameter (which would page forever); both are errors.
 * An array of rows is taken as well, numbered from the start; the same
 * page twice in a row then marks a server ignoring the start. Returns a
 * new array with every row in row-number order, or NULL.
 */
json_t *tel_fetch_table(struct tel_client *c, const char *cmd, char *err, size_t errlen);

void tel_close(struct tel_client *c);

#endif
