/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Logging with syslog severities (LOG_ERR, LOG_WARNING, LOG_NOTICE,
 * LOG_INFO, LOG_DEBUG): to syslog, and to stderr when running in the
 * foreground. Not for worker lcores: they hand records to a ring instead.
 */
#ifndef SGTGW_LOG_H
#define SGTGW_LOG_H

#include <stdbool.h>
#include <stdio.h>
#include <syslog.h>

void sg_log_open(const char *ident, bool to_stderr);
void sg_log_set_level(int max_prio);
void sg_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A stdio stream that feeds sg_log, one record per line, for libraries that
 * log to a FILE such as DPDK's rte_openlog_stream(). prio_of_line, when not
 * NULL, tells the severity of the line being written (else LOG_INFO). */
FILE *sg_log_stream(int (*prio_of_line)(void));

#endif
