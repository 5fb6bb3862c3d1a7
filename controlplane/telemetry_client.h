/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A client for the DPDK telemetry v2 socket that sgtgw-dataplane serves
 * (docs/telemetry.md): connect, read the greeting, send one command at a
 * time and get its value back as a jansson tree. Paged tables are fetched
 * whole. Every failure leaves a one-line message in the caller's buffer.
 */
#ifndef SGTGW_TELEMETRY_CLIENT_H
#define SGTGW_TELEMETRY_CLIENT_H

#include <stddef.h>

#include <jansson.h>

/* Rows per page of a paged command; a shorter page is the last one. */
#define TEL_PAGE_ROWS 50
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
 * Tables come as an object of rows keyed by row number ({"0": {...},
 * "1": {...}}, docs/telemetry.md): DPDK 22.11 cannot put a dict inside an
 * array, only inside a dict. An array of rows is taken as well. Either way
 * the caller gets an array of rows in row-number order.
 */

/* An unpaged table: CMD once. Returns a new array of rows, or NULL. */
json_t *tel_fetch_rows(struct tel_client *c, const char *cmd, char *err, size_t errlen);

/*
 * A paged table: CMD,0 then CMD,50 ... until a page has fewer than
 * TEL_PAGE_ROWS rows. Returns a new array with every row, or NULL.
 */
json_t *tel_fetch_table(struct tel_client *c, const char *cmd, char *err, size_t errlen);

void tel_close(struct tel_client *c);

#endif
