/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The admin socket between sgtgwctl and sgtgw-controlplane: a Unix
 * SOCK_SEQPACKET socket (mode 0660: its group is who may reload), one
 * request per connection. The client sends one datagram, a command word
 * ("reload", "resync", "status"); the controlplane answers with one
 * datagram of text and closes:
 *   "ok" or "ok SUMMARY"                     success; for "status", "ok"
 *                                            then one "key=value" per line
 *   "error MESSAGE"                          refused; MESSAGE is one line
 * docs/controlplane.md lists the status keys.
 */
#ifndef SGTGW_ADMIN_PROTO_H
#define SGTGW_ADMIN_PROTO_H

#define ADMIN_SOCKET_DEFAULT "/run/sgtgw/controlplane.sock"
#define ADMIN_CMD_MAX 64u         /* bytes of a request */
#define ADMIN_REPLY_MAX 4096u     /* bytes of a reply, NUL not included */

#endif
