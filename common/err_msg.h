/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The error-message convention of every parser and checker in common/: a
 * caller passes (char *err, size_t errlen), which may be NULL/0 when it does
 * not want the text, and gets -1 with one line in err on failure.
 */
#ifndef SGTGW_ERR_MSG_H
#define SGTGW_ERR_MSG_H

#include <stddef.h>

/* Format the message into err (when there is room); returns -1 so that a
 * check reads "return err_set(err, errlen, ...)". */
int err_set(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same for functions that return a negative errno: returns rc. */
int err_rc(int rc, char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
