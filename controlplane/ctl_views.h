/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sgtgwctl's human views: each turns the rows of one telemetry command
 * (docs/telemetry.md) into the table an operator of Cisco TrustSec gear
 * expects from the matching "show cts ..." command. Views only format: they
 * take parsed JSON and write to a FILE, so tests can feed canned rows and
 * read the text back from a memory stream.
 *
 * Every view checks each row it uses; a missing or mistyped field (a
 * dataplane of another version) makes it return -1 with err naming the
 * row and field, after possibly writing part of the output.
 */
#ifndef SGTGW_CTL_VIEWS_H
#define SGTGW_CTL_VIEWS_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#define CTL_ERR_MAX 256

/* /sgtgw/sgt_map rows: IPv4 and IPv6 sections, then per-source totals. */
int ctl_view_sgt_map(FILE *out, const json_t *rows, char *err, size_t errlen);

/* /sgtgw/permissions rows: the default cell, then one block per cell. */
int ctl_view_permissions(FILE *out, const json_t *rows, char *err, size_t errlen);

/*
 * The --json form of /sgtgw/permissions rows: each row's sgacl_count and
 * sgacl_0, sgacl_1, ... become one "sgacls" list of names, where
 * sgacl_count stood. Returns a new array, or NULL with err set (a row
 * whose names are missing, as the views reject it).
 */
json_t *ctl_json_permissions(const json_t *rows, char *err, size_t errlen);

/* /sgtgw/sgacls rows (one per ACE): one block per SGACL. */
int ctl_view_rbacl(FILE *out, const json_t *rows, char *err, size_t errlen);

/* /sgtgw/counters rows: IPv4 and IPv6 tables, packets only; the HW
 * columns are always 0 because every packet is handled in software. */
int ctl_view_counters(FILE *out, const json_t *rows, char *err, size_t errlen);

/* /sgtgw/ports rows: traffic per port, then the non-zero drop reasons. */
int ctl_view_ports(FILE *out, const json_t *rows, char *err, size_t errlen);

/* /sgtgw/info dict; greeting (may be NULL) adds the DPDK version and pid.
 * The ACL log lines count records lost to log_rate and to a full ring. */
int ctl_view_info(FILE *out, const json_t *info, const json_t *greeting,
		  char *err, size_t errlen);

/* The --json form: indented by 2, members in the dataplane's order. */
int ctl_print_json(FILE *out, const json_t *doc);

#endif
